/* tg-custody-log.h — the append-only, hash-chained custody log
 *
 * Each event names the previous event's hash; changing, removing or
 * reordering any event breaks the chain from that point on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  TG_CUSTODY_CREATED,
  TG_CUSTODY_EDITED,
  TG_CUSTODY_DELETED,
  TG_CUSTODY_RESTORED,
  TG_CUSTODY_IMPORTED,   /* a file entered the blob store */
  TG_CUSTODY_EXPORTED,
  TG_CUSTODY_SYNCED,
  TG_CUSTODY_RECEIVED,   /* a revision arrived from elsewhere */
  TG_CUSTODY_VERIFIED,
} TgCustodyAction;

const char *tg_custody_action_to_string (TgCustodyAction action);

#define TG_TYPE_CUSTODY_EVENT (tg_custody_event_get_type ())
G_DECLARE_FINAL_TYPE (TgCustodyEvent, tg_custody_event, TG, CUSTODY_EVENT, GObject)

gint64           tg_custody_event_get_seq       (TgCustodyEvent *self);
gint64           tg_custody_event_get_time      (TgCustodyEvent *self);  /* unix µs */
const char      *tg_custody_event_get_device_id (TgCustodyEvent *self);
TgCustodyAction  tg_custody_event_get_action    (TgCustodyEvent *self);
const char      *tg_custody_event_get_subject   (TgCustodyEvent *self);  /* record id, revision id or blob hash */
const char      *tg_custody_event_get_detail    (TgCustodyEvent *self);
const char      *tg_custody_event_get_prev_hash (TgCustodyEvent *self);
const char      *tg_custody_event_get_hash      (TgCustodyEvent *self);
/* The action as stored ("imported", …); also for actions this version
 * does not know, which get_action reports as TG_CUSTODY_EDITED. */
const char      *tg_custody_event_get_action_string (TgCustodyEvent *self);

#define TG_TYPE_CUSTODY_LOG (tg_custody_log_get_type ())
G_DECLARE_FINAL_TYPE (TgCustodyLog, tg_custody_log, TG, CUSTODY_LOG, GObject)

gboolean   tg_custody_log_append  (TgCustodyLog     *self,
                                   TgCustodyAction   action,
                                   const char       *subject,
                                   const char       *detail,
                                   GError          **error);
/* Events about @subject (or all when NULL), oldest first. */
GPtrArray *tg_custody_log_list    (TgCustodyLog     *self,
                                   const char       *subject,
                                   GError          **error);
/* TRUE when the chain is whole. Otherwise FALSE, *first_broken set to the
 * sequence number of the first event whose hash or link does not hold,
 * and a TG_ERROR_HASH_MISMATCH error saying so. */
gboolean   tg_custody_log_verify  (TgCustodyLog     *self,
                                   gint64           *first_broken,
                                   GError          **error);

G_END_DECLS
