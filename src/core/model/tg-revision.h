/* tg-revision.h — an immutable revision of a record
 *
 * A change to a record is never an overwrite: it is a new revision naming
 * its parents. The revision id is the SHA-256 of its canonical form (record
 * id, kind, sorted parents, device, per-device counter, tombstone flag and
 * the exact content bytes), so anyone can check that a revision is what it
 * claims to be. See docs/data-model.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define TG_REVISION_KIND_REPORT   "report"
#define TG_REVISION_KIND_INCIDENT "incident"

#define TG_TYPE_REVISION (tg_revision_get_type ())
G_DECLARE_FINAL_TYPE (TgRevision, tg_revision, TG, REVISION, GObject)

/* Computes the revision id. @parents may be NULL or empty for a first
 * revision; it is stored sorted and without duplicates. */
TgRevision         *tg_revision_new            (const char         *record_id,
                                                const char         *kind,
                                                const char * const *parents,
                                                const char         *device_id,
                                                gint64              device_seq,
                                                gint64              created_at,
                                                gboolean            deleted,
                                                const char         *content);

const char         *tg_revision_get_id         (TgRevision *self);
const char         *tg_revision_get_record_id  (TgRevision *self);
const char         *tg_revision_get_kind       (TgRevision *self);
const char * const *tg_revision_get_parents    (TgRevision *self);
const char         *tg_revision_get_device_id  (TgRevision *self);
gint64              tg_revision_get_device_seq (TgRevision *self);
gint64              tg_revision_get_created_at (TgRevision *self);  /* unix µs, device clock: informative only */
gboolean            tg_revision_get_deleted    (TgRevision *self);
const char         *tg_revision_get_content    (TgRevision *self);  /* JSON text, exact bytes */
/* Sequence number given by the server, 0 while unsynced. Not hashed. */
gint64              tg_revision_get_server_seq (TgRevision *self);
void                tg_revision_set_server_seq (TgRevision *self,
                                                gint64      server_seq);

/* The hash of the canonical form, hex. */
char               *tg_revision_compute_id     (const char         *record_id,
                                                const char         *kind,
                                                const char * const *sorted_parents,
                                                const char         *device_id,
                                                gint64              device_seq,
                                                gint64              created_at,
                                                gboolean            deleted,
                                                const char         *content);

/* Wire form (sync protocol, exports):
 * { "id", "record", "kind", "parents": [], "device", "device_seq",
 *   "created_at", "deleted", "content" (string), "server_seq" (optional) }
 * from_json checks every field and that "id" matches the hash. */
JsonNode           *tg_revision_to_json        (TgRevision *self);
TgRevision         *tg_revision_new_from_json  (JsonNode   *node,
                                                GError    **error);

gboolean            tg_is_uuid                 (const char *str);
/* A new record id: a UUID version 7 (RFC 9562), whose first 48 bits are
 * the time in milliseconds. Ids made one after another sort together, so
 * the store's indexes on record ids grow at one end instead of at random
 * places. */
char               *tg_record_id_new           (void);
gboolean            tg_is_sha256_hex           (const char *str);

G_END_DECLS
