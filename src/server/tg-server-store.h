/* tg-server-store.h — the server's SQLite database
 *
 * Revisions as pushed (byte for byte) with a server sequence, the revision
 * graph (parents, heads per record), accounts, devices, enrolment codes,
 * blobs and the audit log. Every value goes through a prepared statement.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define TG_SERVER_STORE_VERSION 3

typedef enum
{
  TG_SERVER_ROLE_MONITOR,
  TG_SERVER_ROLE_COORDINATOR,
  TG_SERVER_ROLE_ADMIN,
} TgServerRole;

const char *tg_server_role_to_string   (TgServerRole  role);
gboolean    tg_server_role_from_string (const char   *str,
                                        TgServerRole *role);

/* Who made a request: filled from a bearer token. */
typedef struct
{
  gint64        user_id;
  char         *device_id;
  TgServerRole  role;
} TgServerAuth;

void tg_server_auth_free (TgServerAuth *auth);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgServerAuth, tg_server_auth_free)

#define TG_TYPE_SERVER_STORE (tg_server_store_get_type ())
G_DECLARE_FINAL_TYPE (TgServerStore, tg_server_store, TG, SERVER_STORE, GObject)

TgServerStore *tg_server_store_open              (const char     *path,
                                                  GError        **error);
const char    *tg_server_store_get_path          (TgServerStore  *self);

/* accounts and devices */
gboolean       tg_server_store_add_user          (TgServerStore  *self,
                                                  const char     *name,
                                                  TgServerRole    role,
                                                  GError        **error);
/* Changes a user's role; their devices get it from their next request
 * (the token is checked against the database each time). */
gboolean       tg_server_store_set_role          (TgServerStore  *self,
                                                  const char     *name,
                                                  TgServerRole    role,
                                                  GError        **error);
/* Returns the code to give the person (shown once, stored hashed). */
char          *tg_server_store_create_enrol_code (TgServerStore  *self,
                                                  const char     *user_name,
                                                  gint64          lifetime_s,
                                                  GError        **error);
/* @code normalised. Returns the token (shown once, stored hashed) and,
 * when @role is not NULL, the role of the code's user. */
gboolean       tg_server_store_enrol             (TgServerStore  *self,
                                                  const char     *code,
                                                  const char     *device_name,
                                                  char          **device_id,
                                                  char          **token,
                                                  TgServerRole   *role,
                                                  GError        **error);
/* NULL for an unknown or revoked token; NULL with @error set when the
 * database fails. */
TgServerAuth  *tg_server_store_authenticate      (TgServerStore  *self,
                                                  const char     *token,
                                                  GError        **error);
gboolean       tg_server_store_revoke            (TgServerStore  *self,
                                                  const char     *device_id,
                                                  GError        **error);
JsonNode      *tg_server_store_list_devices      (TgServerStore  *self,
                                                  GError        **error);
JsonNode      *tg_server_store_stats             (TgServerStore  *self,
                                                  GError        **error);

/* Group commit. By default every commit is fsynced (synchronous=FULL).
 * The server defers that (synchronous=NORMAL: a commit is written to the
 * WAL but not synced) and instead fdatasyncs the WAL file from a worker
 * thread before it answers, so one sync covers every commit made while
 * the previous one ran. */
void           tg_server_store_set_deferred_sync (TgServerStore  *self,
                                                  gboolean        deferred);
char          *tg_server_store_get_wal_path      (TgServerStore  *self);
/* Checkpoints the WAL from a thread and connection of its own instead of
 * inside the commit that crosses 1000 pages, so the writer seldom waits
 * for a checkpoint's fsyncs (see CHECKPOINT_PAGES). */
void           tg_server_store_checkpoint_in_background (TgServerStore *self);
/* A second connection for the server's main loop: reads only. The server's
 * writes all go through one connection on its store thread. */
void           tg_server_store_set_read_only     (TgServerStore  *self);

/* A pull page stops after the revision that takes its content past this
 * many bytes (it always holds one revision). */
#define TG_SERVER_PULL_PAGE_BYTES (16 << 20)
/* The most reports one incident revision may name as members; more is
 * rejected ("too many members"). */
#define TG_SERVER_MAX_INCIDENT_MEMBERS 10000

/* sync: the results of POST /push and GET /pull, errors in TG_SERVER_ERROR;
 * tg-server-wire.h encodes them for the wire */

/* One revision of a push: acknowledged with its seq, or rejected with a
 * reason (a static string). */
typedef struct
{
  char       *id;
  gint64      seq;
  const char *reason;
} TgServerPushItem;

typedef struct
{
  GArray  *accepted;       /* TgServerPushItem with a seq, in the order sent */
  GArray  *rejected;       /* TgServerPushItem with a reason, in the order sent */
  GStrv    missing_blobs;  /* blobs the pusher must upload */
  gint64   server_seq;
} TgServerPushResult;

void tg_server_push_result_free (TgServerPushResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgServerPushResult, tg_server_push_result_free)

/* One revision of a pull page, as stored. */
typedef struct
{
  gint64    seq;
  char     *id;
  char     *record_id;
  char     *kind;
  GStrv     parents;
  char     *device;
  gint64    device_seq;
  gint64    created_at;
  gboolean  deleted;
  char     *content;
} TgServerPulledRevision;

/* A record of the page with more than one head. */
typedef struct
{
  char  *record_id;
  GStrv  heads;           /* sorted */
} TgServerConflict;

/* The enrolled device that pushed revisions of a pull page, named for
 * the revisions' "device" ids (see tg_server_store_pull_device_names). */
typedef struct
{
  char *device;           /* the revisions' "device" */
  char *name;             /* the enrolled device's name */
  char *user;             /* its user's name */
} TgServerDeviceName;

typedef struct
{
  GPtrArray *revisions;   /* TgServerPulledRevision, by seq */
  GPtrArray *conflicts;   /* TgServerConflict */
  GPtrArray *devices;     /* TgServerDeviceName, one per "device" of the page */
  gint64     next;
  gboolean   more;
  gint64     server_seq;
} TgServerPullPage;

void tg_server_pull_page_free (TgServerPullPage *page);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgServerPullPage, tg_server_pull_page_free)

/* @blobs: for each revision, the GStrv of blobs its content refers to
 * (from tg_server_decode_push) */
TgServerPushResult *tg_server_store_push         (TgServerStore  *self,
                                                  TgServerAuth   *auth,
                                                  GPtrArray      *revisions,
                                                  GPtrArray      *blobs,
                                                  GError        **error);
/* @own_through > 0 leaves out the revisions the caller's device pushed
 * whose seq is at most @own_through (it holds them: the client says so);
 * the page's "next" then moves past them too. */
TgServerPullPage   *tg_server_store_pull         (TgServerStore  *self,
                                                  TgServerAuth   *auth,
                                                  gint64          since,
                                                  guint           limit,
                                                  gint64          own_through,
                                                  GError        **error);
gint64         tg_server_store_get_last_seq      (TgServerStore  *self);

/* Calls @func with each record's head revisions (for exports). */
typedef void (*TgServerHeadFunc) (const char *record_id,
                                  const char *kind,
                                  const char *revision_id,
                                  gint64      seq,
                                  guint       n_heads,
                                  const char *content,
                                  gpointer    user_data);
gboolean       tg_server_store_foreach_head      (TgServerStore   *self,
                                                  TgServerHeadFunc func,
                                                  gpointer         user_data,
                                                  GError         **error);

/* blobs */
gboolean       tg_server_store_blob_visible      (TgServerStore  *self,
                                                  TgServerAuth   *auth,
                                                  const char     *sha256);
/* Whether @auth's account holds the blob: a coordinator holds every blob
 * (they may read every record); a monitor only a blob their account
 * uploaded in full (verified), or one a coordinator put on a record of
 * theirs; an admin none. A blob complete on the server that the caller
 * does not hold is, to that caller, not there. */
gboolean       tg_server_store_blob_held         (TgServerStore  *self,
                                                  TgServerAuth   *auth,
                                                  const char     *sha256);
gboolean       tg_server_store_blob_add_holder   (TgServerStore  *self,
                                                  const char     *sha256,
                                                  gint64          user_id,
                                                  GError        **error);
gboolean       tg_server_store_blob_is_complete  (TgServerStore  *self,
                                                  const char     *sha256);
gboolean       tg_server_store_blob_set_complete (TgServerStore  *self,
                                                  const char     *sha256,
                                                  gint64          size,
                                                  GError        **error);

/* audit: @detail holds ids and counts only, never content */
void           tg_server_store_audit             (TgServerStore  *self,
                                                  TgServerAuth   *auth,
                                                  const char     *action,
                                                  const char     *detail);

/* online backup to a new file; restore from one (checked first) */
gboolean       tg_server_store_backup            (TgServerStore  *self,
                                                  const char     *dest,
                                                  GError        **error);
gboolean       tg_server_store_restore           (TgServerStore  *self,
                                                  const char     *source,
                                                  GError        **error);

/* helpers shared with the server */
char          *tg_server_sha256_hex              (const char     *data,
                                                  gsize           length);
char          *tg_server_random_token            (gsize           n_bytes);

G_END_DECLS
