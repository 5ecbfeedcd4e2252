/* tg-sync-engine.c — the sync engine: state, the order of a sync, automatic scheduling and backoff
 *
 * A sync runs whole in one worker thread (GTask): blocking libsoup sends
 * on the engine's one session and blocking store calls, so the main loop
 * never waits on the network or the disk. The worker reports progress by
 * invoking the engine's main context; every property is notified there.
 * Order: GET info (pin, protocol version, clock) → push unsynced revisions
 * in batches within the server's limits → upload blobs (thumbnails, then
 * originals unless held back), resuming each from the server's offset →
 * pull pages since the cursor. Revisions and blobs are streamed from the
 * store a batch at a time: memory does not grow with the number of
 * reports. See docs/sync.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-sync"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "tg-sync-engine.h"
#include "tg-sync-private.h"
#include "tg-blob-store.h"
#include "tg-progress.h"

#define SYNC_API            2
#define PUSH_LIST_LIMIT     500   /* revisions read from the store at once */
#define BLOB_LIST_LIMIT     32    /* blobs read from the store at once */
#define DEFAULT_CHUNK_SIZE  (1024 * 1024)

struct _TgSyncEngine
{
  GObject          parent_instance;

  TgStore         *store;
  GNetworkMonitor *monitor;
  GMainContext    *context;
  GThread         *context_thread;  /* the thread that made the engine */
  TgSyncClient    *client;

  /* main context only */
  char            *token;
  TgSyncAccount   *account;
  gboolean         account_loaded;
  GCancellable    *cancellable;     /* of the sync under way */
  GPtrArray       *waiting;         /* GTask: callers of the sync under way */
  gboolean         syncing;

  TgSyncStatus     status;
  double           progress;
  char            *phase;
  gint64           last_success;
  char            *last_error;
  gboolean         has_error_code;
  TgSyncError      last_error_code;
  gint64           clock_offset;
  gboolean         have_clock_offset;  /* measured or read from the store */
  TgSyncRole       role;
  gboolean         unreachable;
  gboolean         held_back;
  gboolean         pending_left;
  guint            n_conflicts;
  guint            n_missing_files;

  gboolean         automatic;
  guint            interval_s;
  guint            backoff_min_ms;
  guint            backoff_max_ms;
  guint            n_failures;
  gboolean         backing_off;
  GSource         *timer;
  gulong           network_changed_id;

  gboolean         send_originals_on_metered;
  gsize            chunk_size;

  gboolean         refreshing;       /* a pending count is being read */
  gboolean         refresh_again;

  TgSyncChunkHook  chunk_hook;       /* tests */
  gpointer         chunk_hook_data;
};

G_DEFINE_FINAL_TYPE (TgSyncEngine, tg_sync_engine, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATUS,
  PROP_PROGRESS,
  PROP_PHASE,
  PROP_LAST_SUCCESS,
  PROP_LAST_ERROR,
  PROP_CLOCK_OFFSET,
  PROP_ROLE,
  N_PROPS
};

enum {
  FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void schedule (TgSyncEngine *self, guint delay_ms);
static void unschedule (TgSyncEngine *self);
static void start_sync (TgSyncEngine *self, TgSyncFlags flags, GTask *task);

/* A sync's work, in the worker thread. */
typedef struct
{
  TgSyncEngine   *engine;           /* ref */
  TgStore        *store;            /* ref */
  TgSyncClient   *client;           /* the engine's */
  GCancellable   *cancellable;      /* ref */
  char           *token;
  gboolean        send_originals;
  gsize           chunk_size;

  TgSyncEntry     entry;
  GString        *problems;         /* plain words for what was skipped */
  GError         *error;
  guint           retry_after_s;
  gboolean        have_offset;
  gboolean        held_back;
  gboolean        pending_left;
  guint           n_conflicts;
  guint           n_missing_files;
  char           *role;             /* what the last pull page said, NULL if nothing */
  GHashTable     *named;            /* device ids already in received_from */
  GString        *received_from;    /* "name\tuser" lines, NULL while none */

  /* progress */
  guint           n_revisions_due;
  guint           n_files_due;
  guint           n_files_done;
} SyncJob;

static void
sync_job_free (SyncJob *job)
{
  g_clear_object (&job->engine);
  g_clear_object (&job->store);
  g_clear_object (&job->cancellable);
  g_free (job->token);
  g_free (job->role);
  g_free (job->entry.error);
  g_free (job->entry.received_from);
  g_clear_pointer (&job->named, g_hash_table_unref);
  if (job->received_from)
    g_string_free (job->received_from, TRUE);
  if (job->problems)
    g_string_free (job->problems, TRUE);
  g_clear_error (&job->error);
  g_free (job);
}

void
tg_sync_server_info_free (TgSyncServerInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->server_uri);
  g_free (info->fingerprint);
  g_free (info->version);
  g_free (info);
}

/* state ------------------------------------------------------------------- */

static gboolean
is_attention_code (TgSyncError code)
{
  return code == TG_SYNC_ERROR_REVOKED
      || code == TG_SYNC_ERROR_FINGERPRINT_MISMATCH
      || code == TG_SYNC_ERROR_VERSION;
}

TgSyncStatus
tg_sync_status_decide (const TgSyncStatusFacts *facts)
{
  g_return_val_if_fail (facts != NULL, TG_SYNC_STATUS_NOT_CONFIGURED);

  if (!facts->configured)
    return TG_SYNC_STATUS_NOT_CONFIGURED;
  if (facts->syncing)
    return TG_SYNC_STATUS_SYNCING;
  if (facts->attention_error)
    return TG_SYNC_STATUS_NEEDS_ATTENTION;
  if (!facts->online)
    return TG_SYNC_STATUS_OFFLINE;
  /* a file gone from this laptop is never sent by waiting: never "up to date" */
  if (facts->n_conflicts > 0 || facts->n_missing_files > 0)
    return TG_SYNC_STATUS_NEEDS_ATTENTION;
  if (facts->waiting)
    return TG_SYNC_STATUS_PENDING;
  return TG_SYNC_STATUS_UP_TO_DATE;
}

static void
update_status (TgSyncEngine *self)
{
  TgSyncStatus status;
  TgSyncStatusFacts facts = {
    .configured = self->account != NULL && self->token != NULL,
    .syncing = self->syncing,
    .attention_error = self->has_error_code && is_attention_code (self->last_error_code),
    .online = g_network_monitor_get_network_available (self->monitor) && !self->unreachable,
    .n_conflicts = self->n_conflicts,
    .n_missing_files = self->n_missing_files,
    .waiting = self->held_back || self->backing_off || self->pending_left
               || (self->has_error_code && !self->unreachable),
  };

  status = tg_sync_status_decide (&facts);

  if (status != self->status)
    {
      self->status = status;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
    }
}

static void
set_phase (TgSyncEngine *self,
           double        progress,
           const char   *phase)
{
  if (progress != self->progress)
    {
      self->progress = progress;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
    }
  if (g_strcmp0 (phase, self->phase) != 0)
    {
      g_free (self->phase);
      self->phase = g_strdup (phase);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PHASE]);
    }
}

typedef struct
{
  TgSyncEngine *engine;
  double        progress;
  char         *phase;
} ProgressUpdate;

static gboolean
progress_update_cb (gpointer data)
{
  ProgressUpdate *update = data;

  if (update->engine->syncing)
    set_phase (update->engine, update->progress, update->phase);
  return G_SOURCE_REMOVE;
}

static void
progress_update_free (gpointer data)
{
  ProgressUpdate *update = data;

  g_object_unref (update->engine);
  g_free (update->phase);
  g_free (update);
}

/* From the worker: shown in the engine's main context. */
static void
post_progress (SyncJob    *job,
               double      progress,
               const char *phase)
{
  ProgressUpdate *update = g_new0 (ProgressUpdate, 1);

  update->engine = g_object_ref (job->engine);
  update->progress = CLAMP (progress, 0.0, 1.0);
  update->phase = g_strdup (phase);
  tg_main_context_post (job->engine->context, progress_update_cb, update, progress_update_free);
}

typedef struct
{
  TgSyncEngine  *engine;
  TgSyncAccount *account;     /* NULL: forgotten */
  gboolean       has_pending;
  TgSyncPending  pending;
  gboolean       has_clock_offset;
  gint64         clock_offset;
} AccountUpdate;

static TgSyncRole
role_from_name (const char *name)
{
  if (g_strcmp0 (name, TG_SYNC_ROLE_NAME_COORDINATOR) == 0)
    return TG_SYNC_ROLE_COORDINATOR;
  if (g_strcmp0 (name, TG_SYNC_ROLE_NAME_MONITOR) == 0)
    return TG_SYNC_ROLE_MONITOR;
  return TG_SYNC_ROLE_UNKNOWN;
}

static gboolean
account_update_cb (gpointer data)
{
  AccountUpdate *update = data;
  TgSyncEngine *self = update->engine;
  TgSyncRole role;

  g_clear_pointer (&self->account, tg_sync_account_free);
  self->account = g_steal_pointer (&update->account);
  self->account_loaded = TRUE;
  role = role_from_name (self->account ? self->account->role : NULL);
  if (role != self->role)
    {
      self->role = role;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROLE]);
    }
  /* the offset the last sync of an earlier run measured, until a sync
   * of this run measures one (a sync may have finished before the read) */
  if (update->has_clock_offset && !self->have_clock_offset)
    {
      self->have_clock_offset = TRUE;
      if (update->clock_offset != self->clock_offset)
        {
          self->clock_offset = update->clock_offset;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOCK_OFFSET]);
        }
    }
  if (update->has_pending)
    {
      self->pending_left = update->pending.n_revisions > 0 || update->pending.n_thumbnails > 0
                           || update->pending.n_originals > 0;
      self->n_conflicts = update->pending.n_conflicts;
      self->n_missing_files = update->pending.n_missing_files;
    }
  update_status (self);
  /* automatic syncs asked for before the account was read start now */
  if (self->automatic && self->account && self->token && !self->syncing && self->timer == NULL
      && g_network_monitor_get_network_available (self->monitor))
    schedule (self, 0);
  return G_SOURCE_REMOVE;
}

static void
account_update_free (gpointer data)
{
  AccountUpdate *update = data;

  g_object_unref (update->engine);
  g_clear_pointer (&update->account, tg_sync_account_free);
  g_free (update);
}

static TgSyncAccount *
account_copy (const TgSyncAccount *account)
{
  TgSyncAccount *copy;

  if (account == NULL)
    return NULL;
  copy = g_new0 (TgSyncAccount, 1);
  copy->server_uri = g_strdup (account->server_uri);
  copy->fingerprint = g_strdup (account->fingerprint);
  copy->server_device_id = g_strdup (account->server_device_id);
  copy->device_name = g_strdup (account->device_name);
  copy->role = g_strdup (account->role);
  return copy;
}

static void
post_account (TgSyncEngine        *self,
              const TgSyncAccount *account,
              const TgSyncPending *pending,
              gboolean             read_clock)
{
  AccountUpdate *update = g_new0 (AccountUpdate, 1);

  if (read_clock)
    update->clock_offset = tg_store_get_sync_clock_offset (self->store, &update->has_clock_offset);

  update->engine = g_object_ref (self);
  update->account = account_copy (account);
  if (pending)
    {
      update->has_pending = TRUE;
      update->pending = *pending;
    }
  /* Always from a worker (loading, enrolling, syncing). */
  tg_main_context_post (self->context, account_update_cb, update, account_update_free);
}

static void
load_account_thread (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  TgSyncEngine *self = source;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgSyncAccount) account = tg_store_get_sync_account (self->store, &error);
  TgSyncPending pending = { 0 };
  gboolean has_pending;

  if (error)
    g_warning ("could not read the sync account: %s", error->message);
  has_pending = tg_store_get_sync_pending (self->store, &pending, NULL);
  post_account (self, account, has_pending ? &pending : NULL, TRUE);
  g_task_return_boolean (task, TRUE);
}

static void
load_account (TgSyncEngine *self)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, NULL, NULL);

  g_task_set_source_tag (task, load_account);
  g_task_run_in_thread (task, load_account_thread);
}

/* What waits to leave changes with every local edit: read it again (off
 * the main thread, one read at a time) so that the status says PENDING
 * after an edit made while UP_TO_DATE. */
static void refresh_pending (TgSyncEngine *self);

static void
pending_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  TgSyncEngine *self = source;
  TgSyncPending *pending = g_new0 (TgSyncPending, 1);
  GError *error = NULL;

  if (!tg_store_get_sync_pending (self->store, pending, &error))
    {
      g_free (pending);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, pending, g_free);
}

static void
pending_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  TgSyncEngine *self = TG_SYNC_ENGINE (source);
  g_autofree TgSyncPending *pending = g_task_propagate_pointer (G_TASK (result), NULL);

  self->refreshing = FALSE;
  if (pending && !self->syncing)
    {
      self->pending_left = pending->n_revisions > 0 || pending->n_thumbnails > 0
                           || (!self->held_back && pending->n_originals > 0);
      self->n_conflicts = pending->n_conflicts;
      self->n_missing_files = pending->n_missing_files;
      update_status (self);
    }
  if (self->refresh_again)
    {
      self->refresh_again = FALSE;
      refresh_pending (self);
    }
}

static void
refresh_pending (TgSyncEngine *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->syncing)
    return;   /* the sync's end reads it */
  if (self->refreshing)
    {
      self->refresh_again = TRUE;
      return;
    }
  self->refreshing = TRUE;
  task = g_task_new (self, NULL, pending_done_cb, NULL);
  g_task_set_source_tag (task, refresh_pending);
  g_task_run_in_thread (task, pending_thread);
}

static void
store_changed_cb (TgStore      *store,
                  const char   *report_id,
                  TgSyncEngine *self)
{
  refresh_pending (self);
}

/* the sync, in the worker thread ------------------------------------------ */

static void
add_problem (SyncJob    *job,
             const char *text)
{
  if (job->problems == NULL)
    job->problems = g_string_new (NULL);
  else
    g_string_append_c (job->problems, '\n');
  g_string_append (job->problems, text);
}

static gboolean
is_fatal (const GError *error)
{
  /* the link or the server is the problem: stop this sync; a problem with
   * one file or revision is noted and the sync goes on */
  if (error->domain != TG_SYNC_ERROR)
    return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  return error->code != TG_SYNC_ERROR_PROTOCOL && error->code != TG_SYNC_ERROR_TOO_LARGE &&
         error->code != TG_SYNC_ERROR_BUSY;
}

static gboolean
get_info (SyncJob              *job,
          const TgSyncTarget   *target,
          TgSyncWireInfo       *info,
          GError              **error)
{
  g_autoptr(JsonNode) root = NULL;
  TgSyncReply reply = { 0 };

  root = tg_sync_client_call_json (job->client, target, "GET", "/api/v1/info", NULL,
                                   &reply, &job->retry_after_s, job->cancellable, error);
  if (root == NULL || !tg_sync_wire_decode_info (root, info, error))
    {
      tg_sync_reply_clear (&reply);
      return FALSE;
    }
  job->entry.clock_offset_us = info->time_us - (reply.sent_at + reply.received_at) / 2;
  job->have_offset = TRUE;
  tg_sync_reply_clear (&reply);
  return TRUE;
}

static gsize
revision_wire_size (TgRevision *revision)
{
  const char * const *parents = tg_revision_get_parents (revision);
  const char *content = tg_revision_get_content (revision);
  gsize size = 512;

  /* content is sent as a JSON string: escapes can double it at worst */
  size += content ? 2 * strlen (content) : 0;
  for (guint i = 0; parents && parents[i]; i++)
    size += 70;
  return size;
}

static gboolean
push_batch (SyncJob             *job,
            const TgSyncTarget  *target,
            GPtrArray           *revisions,
            guint                start,
            guint                n,
            guint               *n_accepted,
            GError             **error)
{
  g_autoptr(GBytes) body = tg_sync_wire_encode_push (revisions, start, n);
  g_autoptr(JsonNode) root = NULL;
  TgSyncWirePush push = { 0 };
  TgSyncReply reply = { 0 };
  gboolean ok;

  root = tg_sync_client_call_json (job->client, target, "POST", "/api/v1/push", body,
                                   &reply, &job->retry_after_s, job->cancellable, error);
  tg_sync_reply_clear (&reply);
  if (root == NULL || !tg_sync_wire_decode_push (root, &push, error))
    return FALSE;

  for (guint i = 0; i < push.rejected_ids->len; i++)
    {
      const char *reason = g_ptr_array_index (push.rejected_reasons, i);

      /* "unknown parent" is pushed again after its parents, next round */
      if (g_strcmp0 (reason, "unknown parent") != 0)
        g_warning ("the server rejected revision %s: %s",
                   (const char *) g_ptr_array_index (push.rejected_ids, i), reason);
    }
  g_ptr_array_add (push.accepted_ids, NULL);
  ok = push.accepted_seqs->len == 0
       || tg_store_mark_synced_batch (job->store, (const char * const *) push.accepted_ids->pdata,
                                      (const gint64 *) (gpointer) push.accepted_seqs->data,
                                      push.accepted_seqs->len, error);
  *n_accepted = push.accepted_seqs->len;
  tg_sync_wire_push_clear (&push);
  return ok;
}

static gboolean
push_revisions (SyncJob              *job,
                const TgSyncTarget   *target,
                const TgSyncWireInfo *info,
                GError              **error)
{
  guint max_batch = (guint) MIN (info->max_batch, PUSH_LIST_LIMIT);
  gsize max_bytes = (gsize) (info->max_body_bytes - info->max_body_bytes / 8);
  guint max_rounds = job->n_revisions_due + 16;
  guint n_left_rejected = 0;

  for (guint round = 0; round < max_rounds; round++)
    {
      g_autoptr(GPtrArray) revisions = tg_store_list_unsynced (job->store, max_batch, error);
      guint accepted_this_round = 0;
      guint start = 0;

      if (revisions == NULL)
        return FALSE;
      if (revisions->len == 0)
        return TRUE;

      while (start < revisions->len)
        {
          guint n = 0, refs = 0, accepted = 0;
          gsize bytes = 64;

          while (start + n < revisions->len && n < max_batch)
            {
              TgRevision *revision = g_ptr_array_index (revisions, start + n);
              guint r = tg_sync_wire_count_blob_refs (revision);
              gsize b = revision_wire_size (revision);

              if (n > 0 && (refs + r > info->max_batch_blob_refs || bytes + b > max_bytes))
                break;
              refs += r;
              bytes += b;
              n++;
            }
          if (!push_batch (job, target, revisions, start, n, &accepted, error))
            return FALSE;
          accepted_this_round += accepted;
          job->entry.n_revisions_sent += accepted;
          start += n;
          {
            g_autofree char *phase = g_strdup_printf (_("Sending reports: %u of %u"),
                                                      MIN (job->entry.n_revisions_sent, job->n_revisions_due),
                                                      job->n_revisions_due);
            post_progress (job, job->n_revisions_due
                                ? 0.3 * job->entry.n_revisions_sent / job->n_revisions_due : 0.3,
                           phase);
          }
        }
      if (accepted_this_round == 0)
        {
          /* nothing went: their parents are not on the server */
          n_left_rejected = revisions->len;
          break;
        }
      if (revisions->len < max_batch && accepted_this_round == revisions->len)
        return TRUE;
    }
  if (n_left_rejected > 0)
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "%u change was refused by the server and stays on this laptop.",
                                                            "%u changes were refused by the server and stay on this laptop.",
                                                            n_left_rejected), n_left_rejected);
      add_problem (job, text);
    }
  return TRUE;
}

typedef struct
{
  SyncJob *job;
  gint64   size;
  gint64   base_done;
} UploadProgress;

static void
post_file_progress (SyncJob *job,
                    double   within)
{
  g_autofree char *phase = g_strdup_printf (_("Sending files: %u of %u"),
                                            MIN (job->n_files_done + 1, MAX (job->n_files_due, 1)),
                                            MAX (job->n_files_due, 1));

  post_progress (job, 0.3 + 0.6 * (job->n_files_done + within) / MAX (job->n_files_due, 1), phase);
}

static void
upload_progress_cb (gint64   offset,
                    gpointer data)
{
  UploadProgress *progress = data;
  SyncJob *job = progress->job;

  if (job->engine->chunk_hook)
    job->engine->chunk_hook (job->engine, offset, job->engine->chunk_hook_data);
  post_file_progress (job, progress->size > 0 ? (double) offset / progress->size : 1.0);
}

static char *
report_label (SyncJob    *job,
              const char *report_id)
{
  g_autoptr(TgReport) report = report_id ? tg_store_load_report (job->store, report_id, NULL) : NULL;
  const char *title = report ? tg_report_get_title (report) : NULL;

  return g_strdup (title && *title ? title : report_id ? report_id : "?");
}

/* TRUE to go on; FALSE with @error when the sync must stop. */
static gboolean
send_blob (SyncJob             *job,
           const TgSyncTarget  *target,
           const TgSyncWireInfo *info,
           TgSyncBlob          *blob,
           GHashTable          *skip,
           GError             **error)
{
  TgBlobStore *blobs = tg_store_get_blob_store (job->store);
  g_autoptr(GFile) file = tg_blob_store_get_file (blobs, blob->sha256);
  g_autoptr(GError) local_error = NULL;
  TgSyncUploadResult result = { 0 };
  UploadProgress progress = { job, blob->size, 0 };
  gsize chunk = job->chunk_size;
  TgSyncUpload upload = {
    job->client, target, file, blob->sha256, blob->size, 0,
    upload_progress_cb, &progress,
  };

  if (info->max_chunk_bytes > 0)
    chunk = MIN (chunk, (gsize) info->max_chunk_bytes);
  upload.chunk_size = chunk;
  upload.blobs = blobs;
  /* say so before the first chunk: a file of one chunk never reports
   * progress of its own */
  post_file_progress (job, 0.0);

  if (file == NULL || !g_file_query_exists (file, job->cancellable))
    goto missing;

  if (!tg_sync_upload_run (&upload, &result, job->cancellable, &local_error))
    {
      job->entry.bytes_sent += result.bytes_sent;
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        goto missing;
      if (result.retry_after_s)
        job->retry_after_s = result.retry_after_s;
      if (is_fatal (local_error) || local_error->domain != TG_SYNC_ERROR)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      {
        g_autofree char *label = report_label (job, blob->report_id);
        g_autofree char *text = g_strdup_printf (_("A file of “%s” was not sent: %s"),
                                                 label, local_error->message);
        add_problem (job, text);
      }
      g_hash_table_add (skip, g_strdup (blob->sha256));
      return TRUE;
    }
  job->entry.bytes_sent += result.bytes_sent;
  if (!tg_store_mark_blob_sent (job->store, blob->sha256, error))
    return FALSE;
  if (result.uploaded)
    job->entry.n_files_sent++;
  job->n_files_done++;
  return TRUE;

missing:
  if (!tg_store_mark_blob_missing (job->store, blob->sha256, error))
    return FALSE;
  {
    g_autofree char *label = report_label (job, blob->report_id);
    g_autofree char *text = g_strdup_printf (_("A file of “%s” is missing from this laptop and "
                                               "could not be sent."), label);
    add_problem (job, text);
  }
  job->n_files_done++;
  return TRUE;
}

static gboolean
send_blobs (SyncJob              *job,
            const TgSyncTarget   *target,
            const TgSyncWireInfo *info,
            GError              **error)
{
  g_autoptr(GHashTable) skip = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint max_rounds = job->n_files_due + 16;

  for (guint round = 0; round < max_rounds; round++)
    {
      guint limit = g_hash_table_size (skip) + BLOB_LIST_LIMIT;
      g_autoptr(GPtrArray) blobs = tg_store_list_blobs_to_send (job->store, job->send_originals,
                                                                limit, error);
      gboolean went_on = FALSE;

      if (blobs == NULL)
        return FALSE;
      for (guint i = 0; i < blobs->len; i++)
        {
          TgSyncBlob *blob = g_ptr_array_index (blobs, i);

          if (g_hash_table_contains (skip, blob->sha256))
            continue;
          if (!send_blob (job, target, info, blob, skip, error))
            return FALSE;
          went_on = TRUE;
        }
      if (!went_on || blobs->len < limit)
        return TRUE;
    }
  return TRUE;
}

/* The history names who made what a sync brought: each other device once,
 * as the page (or, for a device an earlier page named, the store) names
 * it; devices no server named are left out. At most
 * TG_SYNC_ENTRY_MAX_NAMED, so a coordinator's first sync stays small. */
static void
note_received_from (SyncJob              *job,
                    const TgSyncWirePull *wire,
                    const char           *device)
{
  if (job->named == NULL)
    job->named = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < wire->revisions->len; i++)
    {
      const char *id = tg_revision_get_device_id (g_ptr_array_index (wire->revisions, i));
      g_autoptr(TgSyncDeviceName) stored = NULL;
      const TgSyncDeviceName *name = NULL;

      if (id == NULL || g_strcmp0 (id, device) == 0 || g_hash_table_contains (job->named, id)
          || g_hash_table_size (job->named) >= TG_SYNC_ENTRY_MAX_NAMED)
        continue;
      for (guint k = 0; k < wire->device_names->len && name == NULL; k++)
        if (g_strcmp0 (((TgSyncDeviceName *) g_ptr_array_index (wire->device_names, k))->device_id, id) == 0)
          name = g_ptr_array_index (wire->device_names, k);
      if (name == NULL)
        name = stored = tg_store_get_device_name (job->store, id);
      if (name == NULL)
        continue;
      g_hash_table_add (job->named, g_strdup (id));
      if (job->received_from == NULL)
        job->received_from = g_string_new (NULL);
      else
        g_string_append_c (job->received_from, '\n');
      g_string_append_printf (job->received_from, "%s\t%s", name->name, name->user);
    }
}

static gboolean
pull (SyncJob              *job,
      const TgSyncTarget   *target,
      const TgSyncWireInfo *info,
      GError              **error)
{
  const char *device = tg_store_get_device_id (job->store);
  gint64 cursor = tg_store_get_pull_cursor (job->store);
  /* what this laptop pushed and holds need not come back down the link */
  gint64 own_through = tg_store_get_pushed_through (job->store);
  guint max_pages = G_MAXUINT;

  for (guint page = 0; page < max_pages; page++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/pull?since=%" G_GINT64_FORMAT "&limit=%" G_GINT64_FORMAT
                                               "&own_through=%" G_GINT64_FORMAT,
                                               cursor, info->max_pull, own_through);
      g_autoptr(JsonNode) root = NULL;
      TgSyncWirePull wire = { 0 };
      TgSyncReply reply = { 0 };
      guint n_new = 0, n_changed = 0, n_conflicts = 0;

      root = tg_sync_client_call_json (job->client, target, "GET", path, NULL,
                                       &reply, &job->retry_after_s, job->cancellable, error);
      tg_sync_reply_clear (&reply);
      if (root == NULL || !tg_sync_wire_decode_pull (root, &wire, error))
        return FALSE;
      g_clear_pointer (&root, json_node_unref);
      if (wire.more && wire.next <= cursor)
        {
          tg_sync_wire_pull_clear (&wire);
          g_propagate_error (error, tg_sync_wire_protocol_error ("a pull page that does not advance"));
          return FALSE;
        }
      for (guint i = 0; i < wire.revisions->len; i++)
        if (g_strcmp0 (tg_revision_get_device_id (g_ptr_array_index (wire.revisions, i)), device) != 0)
          job->entry.n_revisions_received++;
      if (!tg_store_set_device_names (job->store, wire.device_names, error)
          || !tg_store_apply_pull_page (job->store, wire.revisions, MAX (wire.next, cursor),
                                        &n_new, &n_changed, &n_conflicts, error))
        {
          tg_sync_wire_pull_clear (&wire);
          return FALSE;
        }
      note_received_from (job, &wire, device);
      job->entry.n_reports_new += n_new;
      job->entry.n_reports_changed += n_changed;
      cursor = MAX (wire.next, cursor);
      if (wire.role != NULL)
        {
          g_free (job->role);
          job->role = g_steal_pointer (&wire.role);
        }
      {
        gboolean more = wire.more;
        double done = wire.server_seq > 0 ? (double) cursor / wire.server_seq : 1.0;

        tg_sync_wire_pull_clear (&wire);
        post_progress (job, 0.9 + 0.1 * done, _("Receiving changes"));
        if (!more)
          return TRUE;
      }
      if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
        return FALSE;
    }
  return TRUE;
}

static GError *
local_error_from (GError *error)
{
  GError *out;

  if (error->domain == TG_SYNC_ERROR || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return error;
  g_warning ("sync: store error: %s", error->message);
  out = g_error_new (TG_SYNC_ERROR, TG_SYNC_ERROR_LOCAL,
                     _("This laptop could not record the sync (%s). Nothing was lost; Testigo will "
                       "try again."), error->message);
  g_error_free (error);
  return out;
}

static void
run_sync (SyncJob *job)
{
  g_autoptr(TgSyncAccount) account = NULL;
  g_autofree char *pin = NULL;
  TgSyncWireInfo info = { 0 };
  TgSyncTarget target = { 0 };
  TgSyncPending before = { 0 }, after = { 0 };
  GError *error = NULL;

  post_progress (job, 0.0, _("Checking the server"));
  account = tg_store_get_sync_account (job->store, &error);
  if (error)
    goto out;
  if (account == NULL || job->token == NULL)
    {
      error = g_error_new_literal (TG_SYNC_ERROR, TG_SYNC_ERROR_NOT_CONFIGURED,
                                   _("This laptop is not connected to a server yet."));
      goto out;
    }
  if (!tg_store_get_sync_pending (job->store, &before, &error))
    goto out;
  job->n_revisions_due = before.n_revisions;
  job->n_files_due = before.n_thumbnails + (job->send_originals ? before.n_originals : 0);

  pin = tg_sync_normalize_fingerprint (account->fingerprint);
  if (pin == NULL)
    {
      error = g_error_new_literal (TG_SYNC_ERROR, TG_SYNC_ERROR_NOT_CONFIGURED,
                                   _("This laptop is not connected to a server yet."));
      goto out;
    }
  target.base_uri = account->server_uri;
  target.pin = pin;
  target.token = job->token;

  if (!get_info (job, &target, &info, &error))
    goto out;
  if (info.api != SYNC_API)
    {
      error = g_error_new (TG_SYNC_ERROR, TG_SYNC_ERROR_VERSION,
                           _("The server speaks sync protocol %d and this Testigo speaks protocol %d. "
                             "Ask your organisation’s administrator to update the server, or update "
                             "Testigo."), info.api, SYNC_API);
      goto out;
    }

  if (!push_revisions (job, &target, &info, &error))
    goto out;
  if (!send_blobs (job, &target, &info, &error))
    goto out;
  if (!pull (job, &target, &info, &error))
    goto out;

  /* the server says the role on every pull: a coordinator made a monitor
   * (or the other way round) since enrolment is known from this sync on */
  if (job->role != NULL && g_strcmp0 (job->role, account->role) != 0)
    {
      if (!tg_store_set_sync_role (job->store, job->role, &error))
        goto out;
      g_free (account->role);
      account->role = g_strdup (job->role);
      post_account (job->engine, account, NULL, FALSE);
    }

out:
  tg_sync_wire_info_clear (&info);
  if (error)
    error = local_error_from (error);

  if (tg_store_get_sync_pending (job->store, &after, NULL))
    {
      job->held_back = !job->send_originals && after.n_originals > 0;
      job->entry.n_files_held_back = job->held_back ? after.n_originals : 0;
      job->pending_left = after.n_revisions > 0 || after.n_thumbnails > 0
                          || (job->send_originals && after.n_originals > 0);
      job->n_conflicts = after.n_conflicts;
      job->n_missing_files = after.n_missing_files;
      job->entry.n_conflicts = after.n_conflicts;
      job->entry.n_reports_sent = before.n_reports > after.n_reports
                                  ? before.n_reports - after.n_reports : 0;
    }

  if (error && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    job->entry.outcome = TG_SYNC_OUTCOME_CANCELLED;
  else if (error)
    job->entry.outcome = TG_SYNC_OUTCOME_FAILED;
  else if (job->problems || job->held_back)
    job->entry.outcome = TG_SYNC_OUTCOME_PARTIAL;
  else
    job->entry.outcome = TG_SYNC_OUTCOME_OK;

  if (error && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    job->entry.error = g_strdup (error->message);
  else if (job->entry.outcome == TG_SYNC_OUTCOME_CANCELLED)
    job->entry.error = g_strdup (_("The sync was stopped."));
  else if (job->problems)
    job->entry.error = g_strdup (job->problems->str);
  if (job->received_from != NULL)
    job->entry.received_from = g_strdup (job->received_from->str);
  job->entry.duration_us = g_get_real_time () - job->entry.started_at;
  job->error = error;

  /* kept for the next start: a wrong clock is said before the next sync */
  if (job->have_offset)
    {
      g_autoptr(GError) local = NULL;

      if (!tg_store_set_sync_clock_offset (job->store, job->entry.clock_offset_us, &local))
        g_warning ("could not keep the clock offset: %s", local->message);
    }

  /* a sync that never reached the server is not history */
  if (!(error && error->domain == TG_SYNC_ERROR && error->code == TG_SYNC_ERROR_NOT_CONFIGURED))
    {
      g_autoptr(GError) local = NULL;

      if (!tg_store_add_sync_entry (job->store, &job->entry, &local))
        g_warning ("could not add the sync to the history: %s", local->message);
    }
}

static void
sync_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  run_sync (task_data);
  g_task_return_boolean (task, TRUE);
}

/* back in the main context ------------------------------------------------- */

static guint
backoff_delay_ms (TgSyncEngine *self,
                  guint         retry_after_s)
{
  guint64 delay = self->backoff_min_ms;

  for (guint i = 1; i < self->n_failures && delay < self->backoff_max_ms; i++)
    delay *= 2;
  delay = MIN (delay, self->backoff_max_ms);
  /* jitter: between half and all of it, so laptops do not come back together */
  delay = delay / 2 + (guint64) g_random_int_range (0, (gint32) MAX (delay / 2, 1));
  if ((guint64) retry_after_s * 1000 > delay)
    delay = (guint64) retry_after_s * 1000 + (guint64) g_random_int_range (0, 1000);
  return (guint) MIN (delay, G_MAXUINT);
}

static gboolean
is_retryable (const GError *error)
{
  if (error->domain != TG_SYNC_ERROR)
    return FALSE;
  /* a person must act on the others (re-enrol, check the server, update) */
  return error->code == TG_SYNC_ERROR_NETWORK
      || error->code == TG_SYNC_ERROR_RATE_LIMITED
      || error->code == TG_SYNC_ERROR_SERVER
      || error->code == TG_SYNC_ERROR_LOCAL
      || error->code == TG_SYNC_ERROR_PROTOCOL
      || error->code == TG_SYNC_ERROR_TLS
      || error->code == TG_SYNC_ERROR_TOO_LARGE
      || error->code == TG_SYNC_ERROR_BUSY;
}

static void
sync_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TgSyncEngine *self = TG_SYNC_ENGINE (source);
  SyncJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&self->waiting);
  const GError *error = job->error;
  gboolean cancelled = error && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_autofree char *old_error = g_strdup (self->last_error);

  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  self->syncing = FALSE;
  g_clear_object (&self->cancellable);

  g_object_freeze_notify (G_OBJECT (self));
  set_phase (self, -1, NULL);
  if (job->have_offset)
    self->have_clock_offset = TRUE;
  if (job->have_offset && job->entry.clock_offset_us != self->clock_offset)
    {
      self->clock_offset = job->entry.clock_offset_us;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOCK_OFFSET]);
    }
  if (!error || job->entry.outcome == TG_SYNC_OUTCOME_PARTIAL)
    {
      self->last_success = job->entry.started_at;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_SUCCESS]);
    }
  if (!cancelled)
    {
      g_free (self->last_error);
      self->last_error = error ? g_strdup (error->message) : NULL;
      self->has_error_code = error && error->domain == TG_SYNC_ERROR;
      if (self->has_error_code)
        self->last_error_code = (TgSyncError) error->code;
      self->unreachable = self->has_error_code && self->last_error_code == TG_SYNC_ERROR_NETWORK;
      if (g_strcmp0 (old_error, self->last_error) != 0)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
      self->held_back = job->held_back;
      self->pending_left = job->pending_left;
      self->n_conflicts = job->n_conflicts;
      self->n_missing_files = job->n_missing_files;
    }

  /* what comes next */
  self->backing_off = FALSE;
  if (self->automatic && !cancelled)
    {
      if (error && is_retryable (error))
        {
          self->n_failures++;
          self->backing_off = TRUE;
          schedule (self, backoff_delay_ms (self, job->retry_after_s));
        }
      else if (!error)
        {
          self->n_failures = 0;
          schedule (self, self->interval_s * 1000);
        }
    }
  else if (self->automatic && cancelled)
    schedule (self, self->interval_s * 1000);
  else if (!error)
    self->n_failures = 0;
  update_status (self);
  g_object_thaw_notify (G_OBJECT (self));

  if (!(error && error->domain == TG_SYNC_ERROR && error->code == TG_SYNC_ERROR_NOT_CONFIGURED))
    g_signal_emit (self, signals[FINISHED], 0, &job->entry);

  for (guint i = 0; i < waiting->len; i++)
    {
      GTask *task = g_ptr_array_index (waiting, i);

      if (error)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_pointer (task, tg_sync_entry_copy (&job->entry),
                               (GDestroyNotify) tg_sync_entry_free);
    }
}

static void
start_sync (TgSyncEngine *self,
            TgSyncFlags   flags,
            GTask        *task)
{
  g_autoptr(GTask) worker = NULL;
  SyncJob *job;
  gboolean metered;

  if (task)
    g_ptr_array_add (self->waiting, g_object_ref (task));
  if (self->syncing)
    return;   /* joins the sync under way */

  unschedule (self);
  self->syncing = TRUE;
  self->cancellable = g_cancellable_new ();
  metered = g_network_monitor_get_network_metered (self->monitor);

  job = g_new0 (SyncJob, 1);
  job->engine = g_object_ref (self);
  job->store = g_object_ref (self->store);
  job->client = self->client;
  job->cancellable = g_object_ref (self->cancellable);
  job->token = g_strdup (self->token);
  job->chunk_size = self->chunk_size;
  job->send_originals = !metered || (flags & TG_SYNC_FLAGS_SEND_ORIGINALS)
                        || self->send_originals_on_metered;
  job->entry.started_at = g_get_real_time ();

  g_object_freeze_notify (G_OBJECT (self));
  set_phase (self, 0.0, _("Checking the server"));
  update_status (self);
  g_object_thaw_notify (G_OBJECT (self));

  worker = g_task_new (self, NULL, sync_done_cb, NULL);
  g_task_set_source_tag (worker, start_sync);
  g_task_set_task_data (worker, job, (GDestroyNotify) sync_job_free);
  g_task_run_in_thread (worker, sync_thread);
}

/* scheduling ---------------------------------------------------------------- */

static gboolean
timer_cb (gpointer user_data)
{
  TgSyncEngine *self = user_data;

  g_clear_pointer (&self->timer, g_source_unref);
  if (!self->automatic || self->syncing)
    return G_SOURCE_REMOVE;
  if (self->account == NULL || self->token == NULL)
    return G_SOURCE_REMOVE;
  if (!g_network_monitor_get_network_available (self->monitor))
    return G_SOURCE_REMOVE;   /* network-changed brings us back */
  start_sync (self, TG_SYNC_FLAGS_NONE, NULL);
  return G_SOURCE_REMOVE;
}

static void
schedule (TgSyncEngine *self,
          guint         delay_ms)
{
  if (self->timer)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  self->timer = delay_ms == 0 ? g_idle_source_new () : g_timeout_source_new (delay_ms);
  g_source_set_callback (self->timer, timer_cb, self, NULL);
  g_source_set_static_name (self->timer, "[testigo] sync timer");
  g_source_attach (self->timer, self->context);
}

static void
unschedule (TgSyncEngine *self)
{
  if (self->timer)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    TgSyncEngine    *self)
{
  update_status (self);
  if (!self->automatic || self->syncing || !available)
    return;
  /* the link came back: go now, unless the server asked us to wait */
  if (self->backing_off && self->has_error_code
      && (self->last_error_code == TG_SYNC_ERROR_RATE_LIMITED
          || self->last_error_code == TG_SYNC_ERROR_SERVER))
    return;
  if (self->has_error_code && is_attention_code (self->last_error_code))
    return;
  self->backing_off = FALSE;
  schedule (self, 0);
}

/* probe and enrol ----------------------------------------------------------- */

typedef struct
{
  char *server_uri;
  char *fingerprint;
  char *code;
  char *device_name;
} ContactData;

static void
contact_data_free (ContactData *data)
{
  g_free (data->server_uri);
  g_free (data->fingerprint);
  g_free (data->code);
  g_free (data->device_name);
  g_free (data);
}

static void
probe_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  TgSyncEngine *self = source;
  ContactData *data = task_data;
  TgSyncTarget target = { data->server_uri, NULL, NULL };
  g_autoptr(JsonNode) root = NULL;
  TgSyncWireInfo wire = { 0 };
  TgSyncReply reply = { 0 };
  TgSyncServerInfo *info;
  GError *error = NULL;

  root = tg_sync_client_call_json (self->client, &target, "GET", "/api/v1/info", NULL,
                                   &reply, NULL, cancellable, &error);
  if (root == NULL || !tg_sync_wire_decode_info (root, &wire, &error))
    {
      tg_sync_reply_clear (&reply);
      g_task_return_error (task, error);
      return;
    }
  info = g_new0 (TgSyncServerInfo, 1);
  info->server_uri = g_strdup (data->server_uri);
  info->fingerprint = g_strdup (reply.fingerprint);
  info->version = g_strdup (wire.version);
  info->api = wire.api;
  info->clock_offset_us = wire.time_us - (reply.sent_at + reply.received_at) / 2;
  tg_sync_wire_info_clear (&wire);
  tg_sync_reply_clear (&reply);
  g_task_return_pointer (task, info, (GDestroyNotify) tg_sync_server_info_free);
}

static GError *
enrolment_error (const TgSyncReply *reply)
{
  g_autoptr(JsonNode) root = tg_sync_wire_parse (reply->body, NULL);
  const char *detail = NULL;

  if (root && json_object_has_member (json_node_get_object (root), "error")
      && json_node_get_value_type (json_object_get_member (json_node_get_object (root), "error")) == G_TYPE_STRING)
    detail = json_object_get_string_member (json_node_get_object (root), "error");
  if (detail && strstr (detail, "already been used"))
    return g_error_new_literal (TG_SYNC_ERROR, TG_SYNC_ERROR_ENROLMENT,
                                _("This enrolment code was already used. Ask your organisation’s "
                                  "administrator for a new one."));
  if (detail && strstr (detail, "expired"))
    return g_error_new_literal (TG_SYNC_ERROR, TG_SYNC_ERROR_ENROLMENT,
                                _("This enrolment code has expired. Ask your organisation’s "
                                  "administrator for a new one."));
  return g_error_new_literal (TG_SYNC_ERROR, TG_SYNC_ERROR_ENROLMENT,
                              _("This enrolment code is not known to the server. Check that it was "
                                "typed as given, or ask for a new one."));
}

static void
enrol_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  TgSyncEngine *self = source;
  ContactData *data = task_data;
  TgSyncTarget target = { data->server_uri, data->fingerprint, NULL };
  g_autoptr(GBytes) body = tg_sync_wire_encode_enrol (data->code, data->device_name);
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *device_id = NULL, *token = NULL, *role = NULL;
  TgSyncReply reply = { 0 };
  TgSyncAccount account = { 0 };
  GError *error = NULL;

  if (!tg_sync_client_send (self->client, &target, "POST", "/api/v1/enrol", "application/json",
                            body, NULL, &reply, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (reply.status == 403)
    error = enrolment_error (&reply);
  else if (reply.status != 201 && reply.status != 200)
    error = tg_sync_error_from_reply (&reply, NULL);
  else if ((root = tg_sync_wire_parse (reply.body, &error)) != NULL)
    tg_sync_wire_decode_enrol (root, &device_id, &token, &role, &error);
  tg_sync_reply_clear (&reply);
  if (error)
    {
      g_task_return_error (task, error);
      return;
    }

  account.server_uri = data->server_uri;
  account.fingerprint = data->fingerprint;
  account.server_device_id = device_id;
  account.device_name = data->device_name;
  account.role = role;
  if (!tg_store_set_sync_account (self->store, &account, &error))
    {
      g_task_return_error (task, local_error_from (error));
      return;
    }
  post_account (self, &account, NULL, FALSE);
  g_task_return_pointer (task, g_steal_pointer (&token), g_free);
}

static void
disconnect_thread (GTask        *task,
                   gpointer      source,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  TgSyncEngine *self = source;
  g_autoptr(GError) error = NULL;

  if (!tg_store_set_sync_account (self->store, NULL, &error))
    g_warning ("could not forget the sync account: %s", error->message);
  g_task_return_boolean (task, TRUE);
}

/* GObject ------------------------------------------------------------------- */

static void
tg_sync_engine_dispose (GObject *object)
{
  TgSyncEngine *self = TG_SYNC_ENGINE (object);

  unschedule (self);
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  if (self->network_changed_id)
    g_clear_signal_handler (&self->network_changed_id, self->monitor);
  G_OBJECT_CLASS (tg_sync_engine_parent_class)->dispose (object);
}

static void
tg_sync_engine_finalize (GObject *object)
{
  TgSyncEngine *self = TG_SYNC_ENGINE (object);

  g_clear_pointer (&self->client, tg_sync_client_free);
  g_clear_object (&self->store);
  g_clear_object (&self->monitor);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->token, g_free);
  g_clear_pointer (&self->account, tg_sync_account_free);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->waiting, g_ptr_array_unref);
  g_clear_pointer (&self->phase, g_free);
  g_clear_pointer (&self->last_error, g_free);
  G_OBJECT_CLASS (tg_sync_engine_parent_class)->finalize (object);
}

static void
tg_sync_engine_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TgSyncEngine *self = TG_SYNC_ENGINE (object);

  switch (prop_id)
    {
    case PROP_STATUS:
      g_value_set_int (value, self->status);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    case PROP_PHASE:
      g_value_set_string (value, self->phase);
      break;
    case PROP_LAST_SUCCESS:
      g_value_set_int64 (value, self->last_success);
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->last_error);
      break;
    case PROP_CLOCK_OFFSET:
      g_value_set_int64 (value, self->clock_offset);
      break;
    case PROP_ROLE:
      g_value_set_int (value, self->role);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_sync_engine_class_init (TgSyncEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tg_sync_engine_dispose;
  object_class->finalize = tg_sync_engine_finalize;
  object_class->get_property = tg_sync_engine_get_property;

  properties[PROP_STATUS] =
    g_param_spec_int ("status", NULL, NULL, TG_SYNC_STATUS_NOT_CONFIGURED,
                      TG_SYNC_STATUS_NEEDS_ATTENTION, TG_SYNC_STATUS_NOT_CONFIGURED,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, -1.0, 1.0, -1.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PHASE] =
    g_param_spec_string ("phase", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_SUCCESS] =
    g_param_spec_int64 ("last-success", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_ERROR] =
    g_param_spec_string ("last-error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CLOCK_OFFSET] =
    g_param_spec_int64 ("clock-offset", NULL, NULL, G_MININT64, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ROLE] =
    g_param_spec_int ("role", NULL, NULL, TG_SYNC_ROLE_UNKNOWN, TG_SYNC_ROLE_COORDINATOR,
                      TG_SYNC_ROLE_UNKNOWN,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
tg_sync_engine_init (TgSyncEngine *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->context_thread = g_thread_self ();
  self->client = tg_sync_client_new ();
  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  self->progress = -1;
  self->interval_s = 300;
  self->backoff_min_ms = 5000;
  self->backoff_max_ms = 30 * 60 * 1000;
  self->chunk_size = DEFAULT_CHUNK_SIZE;
  self->status = TG_SYNC_STATUS_NOT_CONFIGURED;
}

/* public API ----------------------------------------------------------------- */

TgSyncEngine *
tg_sync_engine_new (TgStore         *store,
                    GNetworkMonitor *monitor)
{
  TgSyncEngine *self;

  g_return_val_if_fail (TG_IS_STORE (store), NULL);
  g_return_val_if_fail (monitor == NULL || G_IS_NETWORK_MONITOR (monitor), NULL);

  self = g_object_new (TG_TYPE_SYNC_ENGINE, NULL);
  self->store = g_object_ref (store);
  self->monitor = g_object_ref (monitor ? monitor : g_network_monitor_get_default ());
  self->network_changed_id = g_signal_connect (self->monitor, "network-changed",
                                               G_CALLBACK (network_changed_cb), self);
  g_signal_connect_object (store, "report-changed", G_CALLBACK (store_changed_cb), self, 0);
  if (g_signal_lookup ("report-sync-changed", TG_TYPE_STORE))
    g_signal_connect_object (store, "report-sync-changed", G_CALLBACK (store_changed_cb), self, 0);
  load_account (self);
  return self;
}

TgStore *
tg_sync_engine_get_store (TgSyncEngine *self)
{
  g_return_val_if_fail (TG_IS_SYNC_ENGINE (self), NULL);
  return self->store;
}

void
tg_sync_engine_probe_async (TgSyncEngine        *self,
                            const char          *server_uri,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  ContactData *data;
  char *uri;

  g_return_if_fail (TG_IS_SYNC_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_sync_engine_probe_async);
  uri = tg_sync_normalize_uri (server_uri, &error);
  if (uri == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  data = g_new0 (ContactData, 1);
  data->server_uri = uri;
  g_task_set_task_data (task, data, (GDestroyNotify) contact_data_free);
  g_task_run_in_thread (task, probe_thread);
}

TgSyncServerInfo *
tg_sync_engine_probe_finish (TgSyncEngine  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tg_sync_engine_enrol_async (TgSyncEngine        *self,
                            const char          *server_uri,
                            const char          *fingerprint,
                            const char          *code,
                            const char          *device_name,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  ContactData *data;

  g_return_if_fail (TG_IS_SYNC_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_sync_engine_enrol_async);
  data = g_new0 (ContactData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) contact_data_free);
  data->server_uri = tg_sync_normalize_uri (server_uri, &error);
  if (data->server_uri == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  data->fingerprint = tg_sync_normalize_fingerprint (fingerprint);
  if (data->fingerprint == NULL)
    {
      g_task_return_new_error (task, TG_SYNC_ERROR, TG_SYNC_ERROR_NOT_CONFIGURED,
                               _("The fingerprint must be the 64 hexadecimal digits your "
                                 "organisation’s administrator gave you."));
      return;
    }
  if (code == NULL || *code == '\0')
    {
      g_task_return_new_error (task, TG_SYNC_ERROR, TG_SYNC_ERROR_ENROLMENT,
                               _("Type the enrolment code your organisation’s administrator gave you."));
      return;
    }
  data->code = g_strdup (code);
  data->device_name = g_strdup (device_name && *device_name ? device_name : g_get_host_name ());
  g_task_run_in_thread (task, enrol_thread);
}

char *
tg_sync_engine_enrol_finish (TgSyncEngine  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tg_sync_engine_set_token (TgSyncEngine *self,
                          const char   *token)
{
  g_return_if_fail (TG_IS_SYNC_ENGINE (self));

  if (g_strcmp0 (token, self->token) == 0)
    return;
  g_free (self->token);
  self->token = g_strdup (token);
  /* a new token is a new chance: forget a revocation */
  if (self->has_error_code && self->last_error_code == TG_SYNC_ERROR_REVOKED)
    self->has_error_code = FALSE;
  update_status (self);
  if (self->automatic && token && !self->syncing)
    schedule (self, 0);
}

void
tg_sync_engine_disconnect (TgSyncEngine *self)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TG_IS_SYNC_ENGINE (self));

  tg_sync_engine_cancel (self);
  unschedule (self);
  g_clear_pointer (&self->token, g_free);
  g_clear_pointer (&self->account, tg_sync_account_free);
  if (self->role != TG_SYNC_ROLE_UNKNOWN)
    {
      self->role = TG_SYNC_ROLE_UNKNOWN;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROLE]);
    }
  self->has_error_code = FALSE;
  self->backing_off = FALSE;
  self->n_failures = 0;
  self->have_clock_offset = FALSE;
  if (self->clock_offset != 0)
    {
      self->clock_offset = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOCK_OFFSET]);
    }
  if (self->last_error)
    {
      g_clear_pointer (&self->last_error, g_free);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
    }
  update_status (self);

  task = g_task_new (self, NULL, NULL, NULL);
  g_task_set_source_tag (task, tg_sync_engine_disconnect);
  g_task_run_in_thread (task, disconnect_thread);
}

/* A caller's cancellable, connected for as long as its task lives. */
typedef struct
{
  TgSyncEngine *engine;
  GCancellable *cancellable;
  gulong        handler;
} CallerCancel;

static void
caller_cancel_free (gpointer data)
{
  CallerCancel *caller = data;

  g_cancellable_disconnect (caller->cancellable, caller->handler);
  g_object_unref (caller->cancellable);
  g_object_unref (caller->engine);
  g_free (caller);
}

static gboolean
cancel_in_context_cb (gpointer data)
{
  tg_sync_engine_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
caller_cancelled_cb (GCancellable *cancellable,
                     gpointer      data)
{
  CallerCancel *caller = data;

  /* g_cancellable_cancel() may come from any thread */
  tg_main_context_call (caller->engine->context, caller->engine->context_thread,
                        cancel_in_context_cb, g_object_ref (caller->engine), g_object_unref);
}

void
tg_sync_engine_sync_async (TgSyncEngine        *self,
                           TgSyncFlags          flags,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TG_IS_SYNC_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_sync_engine_sync_async);
  g_task_set_check_cancellable (task, FALSE);
  start_sync (self, flags, task);
  if (cancellable)
    {
      CallerCancel *caller = g_new0 (CallerCancel, 1);

      caller->engine = g_object_ref (self);
      caller->cancellable = g_object_ref (cancellable);
      /* runs at once if it is already cancelled */
      caller->handler = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb), caller, NULL);
      g_task_set_task_data (task, caller, caller_cancel_free);
    }
}

TgSyncEntry *
tg_sync_engine_sync_finish (TgSyncEngine  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tg_sync_engine_cancel (TgSyncEngine *self)
{
  g_return_if_fail (TG_IS_SYNC_ENGINE (self));

  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
}

void
tg_sync_engine_set_automatic (TgSyncEngine *self,
                              gboolean      automatic)
{
  g_return_if_fail (TG_IS_SYNC_ENGINE (self));

  automatic = !!automatic;
  if (automatic == self->automatic)
    return;
  self->automatic = automatic;
  if (!automatic)
    {
      unschedule (self);
      self->backing_off = FALSE;
      update_status (self);
    }
  else if (!self->syncing && g_network_monitor_get_network_available (self->monitor))
    schedule (self, 0);
}

void
tg_sync_engine_set_timing (TgSyncEngine *self,
                           guint         interval_s,
                           guint         backoff_min_ms,
                           guint         backoff_max_ms)
{
  g_return_if_fail (TG_IS_SYNC_ENGINE (self));

  self->interval_s = MAX (interval_s, 1);
  self->backoff_min_ms = MAX (backoff_min_ms, 1);
  self->backoff_max_ms = MAX (backoff_max_ms, self->backoff_min_ms);
}

void
tg_sync_engine_set_send_originals_on_metered (TgSyncEngine *self,
                                              gboolean      send)
{
  g_return_if_fail (TG_IS_SYNC_ENGINE (self));
  self->send_originals_on_metered = !!send;
}

void
tg_sync_engine_set_chunk_size (TgSyncEngine *self,
                               gsize         chunk_size)
{
  g_return_if_fail (TG_IS_SYNC_ENGINE (self));
  self->chunk_size = CLAMP (chunk_size, 1024, 64 * 1024 * 1024);
}

TgSyncStatus
tg_sync_engine_get_status (TgSyncEngine *self)
{
  g_return_val_if_fail (TG_IS_SYNC_ENGINE (self), TG_SYNC_STATUS_NOT_CONFIGURED);
  return self->status;
}

double
tg_sync_engine_get_progress (TgSyncEngine *self)
{
  g_return_val_if_fail (TG_IS_SYNC_ENGINE (self), -1);
  return self->progress;
}

const char *
tg_sync_engine_get_phase (TgSyncEngine *self)
{
  g_return_val_if_fail (TG_IS_SYNC_ENGINE (self), NULL);
  return self->phase;
}

gint64
tg_sync_engine_get_last_success (TgSyncEngine *self)
{
  g_return_val_if_fail (TG_IS_SYNC_ENGINE (self), 0);
  return self->last_success;
}

const char *
tg_sync_engine_get_last_error (TgSyncEngine *self)
{
  g_return_val_if_fail (TG_IS_SYNC_ENGINE (self), NULL);
  return self->last_error;
}

gboolean
tg_sync_engine_get_last_error_code (TgSyncEngine *self,
                                    TgSyncError  *code)
{
  g_return_val_if_fail (TG_IS_SYNC_ENGINE (self), FALSE);

  if (!self->has_error_code || self->last_error == NULL)
    return FALSE;
  if (code)
    *code = self->last_error_code;
  return TRUE;
}

gint64
tg_sync_engine_get_clock_offset (TgSyncEngine *self)
{
  g_return_val_if_fail (TG_IS_SYNC_ENGINE (self), 0);
  return self->clock_offset;
}

TgSyncRole
tg_sync_engine_get_role (TgSyncEngine *self)
{
  g_return_val_if_fail (TG_IS_SYNC_ENGINE (self), TG_SYNC_ROLE_UNKNOWN);
  return self->role;
}

void
_tg_sync_engine_set_chunk_hook (TgSyncEngine    *self,
                                TgSyncChunkHook  hook,
                                gpointer         data)
{
  self->chunk_hook = hook;
  self->chunk_hook_data = data;
}

void
_tg_sync_engine_get_traffic (TgSyncEngine *self,
                             guint64      *bytes_out,
                             guint64      *bytes_in)
{
  *bytes_out = tg_sync_client_get_bytes_out (self->client);
  *bytes_in = tg_sync_client_get_bytes_in (self->client);
}

guint
tg_sync_engine_get_n_connections (TgSyncEngine *self)
{
  g_return_val_if_fail (TG_IS_SYNC_ENGINE (self), 0);
  return tg_sync_client_get_n_connections (self->client);
}

guint
tg_sync_engine_get_n_missing_files (TgSyncEngine *self)
{
  g_return_val_if_fail (TG_IS_SYNC_ENGINE (self), 0);
  return self->n_missing_files;
}
