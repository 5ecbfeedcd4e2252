/* tg-server.c — the HTTPS API over a SoupServer
 *
 * Every request passes an early handler first, run as soon as the headers
 * are in: it routes, authenticates, applies the rate limit and the size
 * limits, and for blob uploads opens the partial file so the body streams
 * to disk chunk by chunk and is never held in memory. The main handler then
 * runs on the complete request.
 *
 * Threads: the main loop does TLS, HTTP and the cheap reads of the early
 * handler (token, blob permission) on a read-only database connection. The
 * work of enrol, push and pull — decoding the body, SQLite, encoding the
 * reply — and every other write runs on one store thread that owns the
 * writing connection; the message is paused meanwhile and its reply set
 * back on the main loop. Another thread fdatasyncs the WAL (group commit),
 * one writes and hashes uploads, and the store checkpoints the WAL from one
 * of its own. See docs/sync-protocol.md and docs/server.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-server"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <gnutls/crypto.h>

#include "tg-revision.h"
#include "tg-server.h"
#include "tg-server-conn.h"
#include "tg-server-decode.h"
#include "tg-server-tls.h"

typedef enum
{
  ROUTE_NONE,
  ROUTE_INFO,
  ROUTE_ENROL,
  ROUTE_PUSH,
  ROUTE_PULL,
  ROUTE_BLOB_OFFSET,
  ROUTE_BLOB_UPLOAD,
  ROUTE_BLOB_GET,
} Route;

/* An upload's chunks are written and hashed on the upload thread. While
 * it works on them (writing), it alone touches fd, checksum and offset;
 * the main loop waits for it (upload_drain) before it reads them. */
typedef struct
{
  char              *sha256;
  char              *key;        /* "<sha256>.<user id>": one upload per account */
  int                fd;
  gint64             offset;     /* bytes on disk and in checksum */
  gint64             total;      /* Upload-Length, 0 while unknown */
  gnutls_hash_hd_t   checksum;   /* SHA-256 over bytes [0, offset), NULL when to be rebuilt */
  SoupServerMessage *active;     /* the request writing to it, if any */
  gboolean           finishing;
  gint64             received;   /* main loop: offset + bytes queued */

  GMutex             lock;       /* guards the fields below, and offset */
  GCond              cond;
  GQueue             pending;    /* GBytes received, not yet written */
  gsize              pending_bytes;
  gboolean           writing;    /* queued to or running on the upload thread */
  gboolean           write_failed;
} Upload;

/* An enrolment is a code and a device name: its body is small, and it
 * needs no token, so it gets a limit of its own far below max-body-bytes. */
#define ENROL_MAX_BODY_BYTES (16 << 10)

/* At most this much of an upload waits in memory for the upload thread;
 * past it the main loop waits, as it waited for write () before. */
#define UPLOAD_QUEUE_BYTES (4 << 20)
/* The upload thread is woken once this much is queued, not for each
 * 8 KiB chunk: a wake-up per chunk cost more CPU than it saved. */
#define UPLOAD_BATCH_BYTES (256 << 10)

typedef struct
{
  TgServer     *server;
  Route         route;
  char         *sha256;
  TgServerAuth *auth;
  Upload       *upload;
  char         *upload_error;    /* set by got-chunk, reported by the handler */
  guint         upload_status;
} Request;

typedef struct
{
  double tokens;
  gint64 last_us;
} Bucket;

/* Refused requests are audited one by one up to REFUSALS_AUDITED per
 * address and minute; past that they are counted, and the count is
 * audited when the next minute's first refusal comes: a flood of bad
 * tokens must not become a flood of writes on the store thread. */
#define REFUSALS_AUDITED   20
#define REFUSALS_WINDOW_US (60 * G_USEC_PER_SEC)
#define REFUSALS_MAX_KEYS  10000

typedef struct
{
  gint64 start_us;
  guint  audited;
  guint  suppressed;
} RefusalWindow;

struct _TgServer
{
  GObject          parent_instance;

  TgServerConfig  *config;
  TgServerStore   *store;        /* used only on the store thread */
  TgServerStore   *reader;       /* read-only, used only on the main loop */
  GMainContext    *context;      /* the main loop's */
  GThreadPool     *store_pool;   /* one thread: Job */
  GThreadPool     *sync_pool;    /* one thread: SyncJob */
  GThreadPool     *push_pool;    /* two threads: Job, decoding push bodies */
  GThreadPool     *enrol_pool;   /* one thread: Job, decoding enrolment bodies */
  guint64          store_generation;  /* commits made; the store thread's */
  GTlsCertificate *certificate;
  char            *fingerprint;
  SoupServer      *soup;
  TgServerConns   *conns;        /* accepts, and ends connections in any state */
  char            *base_uri;
  char            *blob_dir;
  char            *partial_dir;
  GHashTable      *uploads;      /* "<sha256>.<user id>" → Upload */
  GHashTable      *buckets;      /* device id or "ip:…" → Bucket */
  GHashTable      *refusals;     /* client address → RefusalWindow */

  /* group commit: replies wait until the WAL holding their commit is synced */
  char            *wal_path;
  GPtrArray       *waiters;      /* Waiter */
  guint64          committed;    /* generation of the last commit known here */
  guint64          synced;       /* generation known durable */
  gboolean         syncing;
};

typedef struct
{
  SoupServerMessage *msg;
  guint64            generation;
} Waiter;

typedef enum
{
  JOB_ENROL,
  JOB_PUSH,
  JOB_PULL,
  JOB_BLOB_COMPLETE,  /* an upload's last step: reply 201 when durable */
  JOB_BLOB_REPAIR,    /* a verified blob file the database did not know */
  JOB_AUDIT,
} JobKind;

/* Work for the store thread. Nothing in it is touched by both threads at
 * once: the main loop fills it, the store thread sets the results, the
 * main loop reads them. */
typedef struct
{
  TgServer          *server;     /* a reference */
  JobKind            kind;
  SoupServerMessage *msg;        /* a reference, paused; NULL when no one waits */
  TgServerAuth      *auth;       /* a copy */
  GBytes            *body;
  GPtrArray         *revisions;  /* push: decoded before the store thread */
  GPtrArray         *blobs;      /* push: each revision's blob references */
  char              *text;       /* pull query, blob hash or audit action */
  char              *detail;
  gint64             size;

  /* results */
  GError            *error;
  char              *reply;      /* JSON text */
  guint              status;
  guint64            generation; /* the commit this reply depends on */
} Job;

typedef struct
{
  TgServer *server;              /* a reference */
  guint64   generation;
  GError   *error;
} SyncJob;

G_DEFINE_FINAL_TYPE (TgServer, tg_server, G_TYPE_OBJECT)

/* helpers ---------------------------------------------------------------- */

/* GnuTLS's SHA-256 (nettle, with the CPU's SHA instructions where it has
 * them) runs several times faster than GChecksum's: it is on the path of
 * every uploaded byte. */
static void
checksum_free (gnutls_hash_hd_t checksum)
{
  gnutls_hash_deinit (checksum, NULL);
}

static char *
checksum_hex (gnutls_hash_hd_t checksum)
{
  guint8 digest[32];
  char *hex = g_malloc (65);

  gnutls_hash_output (checksum, digest);
  for (guint i = 0; i < sizeof digest; i++)
    {
      hex[2 * i] = "0123456789abcdef"[digest[i] >> 4];
      hex[2 * i + 1] = "0123456789abcdef"[digest[i] & 15];
    }
  hex[64] = '\0';
  return hex;
}

static GThreadPool *upload_pool;

/* Hands what is queued, however little, to the upload thread. Locked. */
static void
upload_flush_locked (Upload *upload)
{
  if (!upload->writing && upload->pending.length > 0)
    {
      upload->writing = TRUE;
      g_thread_pool_push (upload_pool, upload, NULL);
    }
}

/* Waits until the upload thread wrote every chunk queued for @upload. */
static void
upload_drain (Upload *upload)
{
  g_mutex_lock (&upload->lock);
  upload_flush_locked (upload);
  while (upload->writing)
    g_cond_wait (&upload->cond, &upload->lock);
  g_mutex_unlock (&upload->lock);
}

static gint64
upload_get_offset (Upload *upload)
{
  gint64 offset;

  g_mutex_lock (&upload->lock);
  offset = upload->offset;
  g_mutex_unlock (&upload->lock);
  return offset;
}

static void
upload_free (Upload *upload)
{
  upload_drain (upload);
  if (upload->fd >= 0)
    close (upload->fd);
  g_mutex_clear (&upload->lock);
  g_cond_clear (&upload->cond);
  g_clear_pointer (&upload->checksum, checksum_free);
  g_free (upload->sha256);
  g_free (upload->key);
  g_free (upload);
}

static void
request_free (Request *req)
{
  g_clear_pointer (&req->auth, tg_server_auth_free);
  g_free (req->sha256);
  g_free (req->upload_error);
  g_free (req);
}

static void
respond_json (SoupServerMessage *msg,
              guint              status,
              JsonNode          *node)
{
  gsize length;
  char *text = json_to_string (node, FALSE);

  length = strlen (text);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, length);
}

static void
respond_error (SoupServerMessage *msg,
               guint              status,
               const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  respond_json (msg, status, node);
}

static void
respond_gerror (SoupServerMessage *msg,
                const GError      *error)
{
  guint status = tg_server_error_to_status (error);

  if (status >= 500)
    {
      g_warning ("internal error: %s", error->message);
      respond_error (msg, status, "internal server error");
    }
  else
    respond_error (msg, status, error->message);
}

static void
respond_offset (SoupServerMessage *msg,
                guint              status,
                gint64             offset,
                gboolean           complete,
                const char        *error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  char buf[32];

  g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, offset);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Upload-Offset", buf);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "offset");
  json_builder_add_int_value (builder, offset);
  json_builder_set_member_name (builder, "complete");
  json_builder_add_boolean_value (builder, complete);
  if (error != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, error);
    }
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  respond_json (msg, status, node);
}

static void
waiter_free (Waiter *waiter)
{
  g_object_unref (waiter->msg);
  g_free (waiter);
}

static void start_sync (TgServer *self);
static gboolean sync_done_cb (gpointer data);

static void
sync_thread (gpointer data,
             gpointer user_data)
{
  SyncJob *job = data;
  TgServer *self = job->server;
  int fd = open (self->wal_path, O_RDONLY | O_CLOEXEC);

  /* fdatasync through any descriptor flushes the file's written pages */
  if (fd < 0 || fdatasync (fd) != 0)
    {
      int saved = errno;

      g_set_error (&job->error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot sync %s: %s", self->wal_path, g_strerror (saved));
    }
  if (fd >= 0)
    close (fd);
  g_main_context_invoke (self->context, sync_done_cb, job);
}

static gboolean
sync_done_cb (gpointer data)
{
  SyncJob *job = data;
  g_autoptr(TgServer) self = job->server;
  g_autoptr(GError) error = job->error;
  guint64 generation = job->generation;
  g_autoptr(GPtrArray) ready = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_free);

  g_free (job);
  self->syncing = FALSE;
  if (error == NULL)
    self->synced = MAX (self->synced, generation);
  else
    g_warning ("%s", error->message);

  for (guint i = 0; i < self->waiters->len; )
    {
      Waiter *waiter = g_ptr_array_index (self->waiters, i);

      if (waiter->generation <= generation)
        g_ptr_array_add (ready, g_ptr_array_steal_index (self->waiters, i));
      else
        i++;
    }
  for (guint i = 0; i < ready->len; i++)
    {
      Waiter *waiter = g_ptr_array_index (ready, i);

      /* stored but perhaps not durable: the client retries (idempotent) */
      if (error != NULL)
        respond_error (waiter->msg, 503, "the server could not sync its database; retry");
      soup_server_message_unpause (waiter->msg);
    }
  if (self->waiters->len > 0)
    start_sync (self);
  return G_SOURCE_REMOVE;
}

static void
start_sync (TgServer *self)
{
  SyncJob *job;

  if (self->syncing)
    return;
  self->syncing = TRUE;
  job = g_new0 (SyncJob, 1);
  job->server = g_object_ref (self);
  /* every commit counted here was written to the WAL file before its
   * result reached the main loop, so before the thread syncs it */
  job->generation = self->committed;
  g_thread_pool_push (self->sync_pool, job, NULL);
}

/* The reply to @msg leaves once the commit @generation is durable. One
 * fdatasync covers all the commits made while the previous one ran. */
static gboolean
reply_when_durable_full (TgServer          *self,
                         SoupServerMessage *msg,
                         guint64            generation,
                         gboolean           paused)
{
  Waiter *waiter;

  if (self->synced >= generation)
    return FALSE;
  waiter = g_new0 (Waiter, 1);
  waiter->msg = g_object_ref (msg);
  waiter->generation = generation;
  g_ptr_array_add (self->waiters, waiter);
  if (!paused)
    soup_server_message_pause (msg);
  start_sync (self);
  return TRUE;
}

/* the store thread ------------------------------------------------------- */

static TgServerAuth *
auth_copy (const TgServerAuth *auth)
{
  TgServerAuth *copy;

  if (auth == NULL)
    return NULL;
  copy = g_memdup2 (auth, sizeof *auth);
  copy->device_id = g_strdup (auth->device_id);
  return copy;
}

static void
job_free (Job *job)
{
  g_clear_object (&job->server);
  g_clear_object (&job->msg);
  g_clear_pointer (&job->auth, tg_server_auth_free);
  g_clear_pointer (&job->body, g_bytes_unref);
  g_clear_pointer (&job->revisions, g_ptr_array_unref);
  g_clear_pointer (&job->blobs, g_ptr_array_unref);
  g_clear_error (&job->error);
  g_free (job->text);
  g_free (job->detail);
  g_free (job->reply);
  g_free (job);
}

static char *
node_to_text (JsonNode *node)
{
  return json_to_string (node, FALSE);
}

static void
run_enrol (TgServer *self,
           Job      *job)
{
  g_autofree char *device_id = NULL, *token = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) node = NULL;

  /* decoded before it was queued here: job->text is the code, job->detail the name */
  if (!tg_server_store_enrol (self->store, job->text, job->detail, &device_id, &token, &job->error))
    {
      g_message ("enrolment refused: %s", job->error->message);
      return;
    }
  g_message ("device %s enrolled", device_id);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "device_id");
  json_builder_add_string_value (builder, device_id);
  json_builder_set_member_name (builder, "token");
  json_builder_add_string_value (builder, token);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  job->reply = node_to_text (node);
  job->status = 201;
  job->generation = ++self->store_generation;
}

static void
run_push (TgServer *self,
          Job      *job)
{
  g_autoptr(JsonNode) reply = NULL;

  /* decoded and checked against every cap before it was queued here */
  reply = tg_server_store_push (self->store, job->auth, job->revisions, job->blobs, &job->error);
  if (reply == NULL)
    return;
  g_debug ("push from device %s: %u revisions", job->auth->device_id, job->revisions->len);
  job->reply = node_to_text (reply);
  job->status = 200;
  job->generation = ++self->store_generation;
}

static void
run_pull (TgServer *self,
          Job      *job)
{
  g_autoptr(JsonNode) reply = NULL;
  gint64 since;
  guint limit;

  if (!tg_server_decode_pull_query (job->text, self->config->max_pull, &since, &limit, &job->error) ||
      !(reply = tg_server_store_pull (self->store, job->auth, since, limit, &job->error)))
    return;
  job->reply = node_to_text (reply);
  job->status = 200;
  /* never hand out a seq whose commit could still be lost: every commit
   * this read can see is counted in the generation */
  job->generation = self->store_generation;
}

static void
run_blob_complete (TgServer *self,
                   Job      *job)
{
  if (!tg_server_store_blob_set_complete (self->store, job->text, job->size, &job->error))
    return;
  if (job->kind == JOB_BLOB_COMPLETE)
    {
      g_autofree char *detail = NULL;

      if (!tg_server_store_blob_add_holder (self->store, job->text, job->auth->user_id, &job->error))
        return;
      detail = g_strdup_printf ("blob %s, %" G_GINT64_FORMAT " bytes", job->text, job->size);

      tg_server_store_audit (self->store, job->auth, "upload", detail);
    }
  job->generation = ++self->store_generation;
}

static void job_done (Job *job);

static gboolean
job_done_cb (gpointer data)
{
  job_done (data);
  return G_SOURCE_REMOVE;
}

static void
store_thread (gpointer data,
              gpointer user_data)
{
  Job *job = data;
  TgServer *self = job->server;

  switch (job->kind)
    {
    case JOB_ENROL:         run_enrol (self, job); break;
    case JOB_PUSH:          run_push (self, job); break;
    case JOB_PULL:          run_pull (self, job); break;
    case JOB_BLOB_COMPLETE:
    case JOB_BLOB_REPAIR:   run_blob_complete (self, job); break;
    case JOB_AUDIT:
      tg_server_store_audit (self->store, job->auth, job->text, job->detail);
      job->generation = ++self->store_generation;
      break;
    default:
      g_assert_not_reached ();
    }
  g_main_context_invoke (self->context, job_done_cb, job);
}

static Job *
job_new (TgServer          *self,
         JobKind            kind,
         SoupServerMessage *msg,
         const TgServerAuth *auth)
{
  Job *job = g_new0 (Job, 1);

  job->server = g_object_ref (self);
  job->kind = kind;
  job->auth = auth_copy (auth);
  if (msg != NULL)
    job->msg = g_object_ref (msg);
  return job;
}

/* Hands @job to the store thread; its message, if any, stays paused until
 * the reply is set. @paused: the caller already paused it. */
static void
job_queue (Job      *job,
           gboolean  paused)
{
  if (job->msg != NULL && !paused)
    soup_server_message_pause (job->msg);
  g_thread_pool_push (job->server->store_pool, job, NULL);
}

static void
audit_later (TgServer           *self,
            const TgServerAuth *auth,
            const char         *action,
            const char         *detail)
{
  Job *job = job_new (self, JOB_AUDIT, NULL, auth);

  job->text = g_strdup (action);
  job->detail = g_strdup (detail);
  job_queue (job, FALSE);
}

static char *
blob_path (TgServer   *self,
           const char *sha256)
{
  char prefix[3] = { sha256[0], sha256[1], '\0' };

  return g_build_filename (self->blob_dir, prefix, sha256, NULL);
}

/* Uploads are per account: a monitor's offset and partial file say
 * nothing about anyone else's upload of the same bytes. */
static char *
upload_key (const char         *sha256,
            const TgServerAuth *auth)
{
  return g_strdup_printf ("%s.%" G_GINT64_FORMAT, sha256, auth->user_id);
}

static char *
partial_path (TgServer   *self,
              const char *key)
{
  return g_build_filename (self->partial_dir, key, NULL);
}

static gboolean
blob_is_complete (TgServer   *self,
                  const char *sha256,
                  gint64     *size)
{
  g_autofree char *path = blob_path (self, sha256);
  struct stat st;

  /* The file is renamed into place only after its hash was verified, so
   * its presence is the truth; the database catches up if a crash fell
   * between the rename and the update. */
  if (g_stat (path, &st) != 0)
    return FALSE;
  if (!tg_server_store_blob_is_complete (self->reader, sha256))
    {
      Job *job = job_new (self, JOB_BLOB_REPAIR, NULL, NULL);

      job->text = g_strdup (sha256);
      job->size = st.st_size;
      job_queue (job, FALSE);
    }
  if (size)
    *size = st.st_size;
  return TRUE;
}

/* A request about a blob stored on the server that the caller does not
 * hold got the answer it would get for a blob the server never saw; it is
 * audited (without telling the caller), since a monitor naming files
 * other people uploaded may be looking for them. */
static void
audit_probe (TgServer   *self,
             Request    *req,
             const char *what)
{
  g_autofree char *path = NULL;
  g_autofree char *detail = NULL;

  if (req->auth == NULL || req->auth->role == TG_SERVER_ROLE_COORDINATOR)
    return;
  path = blob_path (self, req->sha256);
  if (!g_file_test (path, G_FILE_TEST_EXISTS) ||
      tg_server_store_blob_held (self->reader, req->auth, req->sha256))
    return;
  detail = g_strdup_printf ("%s, blob %s", what, req->sha256);
  g_message ("blob probe by device %s: %s", req->auth->device_id, detail);
  audit_later (self, req->auth, "blob-probe", detail);
}

static Route
route_request (const char  *method,
               const char  *path,
               char       **sha256,
               gboolean    *method_ok)
{
  *method_ok = TRUE;

  if (strcmp (path, "/api/v1/info") == 0)
    {
      *method_ok = strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0;
      return ROUTE_INFO;
    }
  if (strcmp (path, "/api/v1/enrol") == 0)
    {
      *method_ok = strcmp (method, "POST") == 0;
      return ROUTE_ENROL;
    }
  if (strcmp (path, "/api/v1/push") == 0)
    {
      *method_ok = strcmp (method, "POST") == 0;
      return ROUTE_PUSH;
    }
  if (strcmp (path, "/api/v1/pull") == 0)
    {
      *method_ok = strcmp (method, "GET") == 0;
      return ROUTE_PULL;
    }
  if (g_str_has_prefix (path, "/api/v1/blobs/"))
    {
      const char *rest = path + strlen ("/api/v1/blobs/");
      g_autofree char *sha = g_strndup (rest, 64);

      if (!tg_is_sha256_hex (sha))
        return ROUTE_NONE;
      rest += 64;
      *sha256 = g_steal_pointer (&sha);
      if (strcmp (rest, "/upload") == 0)
        {
          *method_ok = strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0;
          return ROUTE_BLOB_OFFSET;
        }
      if (*rest == '\0')
        {
          if (strcmp (method, "PUT") == 0 || strcmp (method, "PATCH") == 0)
            return ROUTE_BLOB_UPLOAD;
          *method_ok = strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0;
          return ROUTE_BLOB_GET;
        }
      g_clear_pointer (sha256, g_free);
    }
  return ROUTE_NONE;
}

/* Token bucket: TRUE when allowed, else *retry_after in seconds. */
static gboolean
rate_allow (TgServer   *self,
            const char *key,
            guint      *retry_after)
{
  Bucket *bucket = g_hash_table_lookup (self->buckets, key);
  gint64 now = g_get_monotonic_time ();

  if (bucket == NULL)
    {
      bucket = g_new0 (Bucket, 1);
      bucket->tokens = self->config->rate_burst;
      bucket->last_us = now;
      g_hash_table_insert (self->buckets, g_strdup (key), bucket);
    }
  bucket->tokens = MIN (self->config->rate_burst,
                        bucket->tokens + (now - bucket->last_us) / 1e6 * self->config->rate_limit);
  bucket->last_us = now;
  if (bucket->tokens >= 1.0)
    {
      bucket->tokens -= 1.0;
      return TRUE;
    }
  *retry_after = (guint) MAX (1.0, (1.0 - bucket->tokens) / self->config->rate_limit + 0.999);
  return FALSE;
}

/* uploads ---------------------------------------------------------------- */

static Upload *
get_upload (TgServer            *self,
            const char          *sha256,
            const TgServerAuth  *auth,
            GError             **error)
{
  g_autofree char *key = upload_key (sha256, auth);
  Upload *upload = g_hash_table_lookup (self->uploads, key);
  g_autofree char *path = NULL;
  struct stat st;
  int fd;

  if (upload != NULL)
    return upload;

  path = partial_path (self, key);
  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                   "cannot open a partial upload: %s", g_strerror (errno));
      if (fd >= 0)
        close (fd);
      return NULL;
    }

  upload = g_new0 (Upload, 1);
  upload->sha256 = g_strdup (sha256);
  upload->key = g_steal_pointer (&key);
  upload->fd = fd;
  upload->offset = st.st_size;
  g_mutex_init (&upload->lock);
  g_cond_init (&upload->cond);
  g_queue_init (&upload->pending);
  g_hash_table_insert (self->uploads, upload->key, upload);
  return upload;
}

/* After a restart the checksum of what is already on disk is rebuilt once. */
static gboolean
ensure_checksum (Upload  *upload,
                 GError **error)
{
  g_autofree guint8 *buf = NULL;
  gint64 done = 0;

  if (upload->checksum != NULL)
    return TRUE;

  if (gnutls_hash_init (&upload->checksum, GNUTLS_DIG_SHA256) < 0)
    {
      upload->checksum = NULL;
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL, "cannot start a SHA-256");
      return FALSE;
    }
  buf = g_malloc (1 << 20);
  while (done < upload->offset)
    {
      gssize n = pread (upload->fd, buf, MIN ((gint64) (1 << 20), upload->offset - done), done);

      if (n <= 0)
        {
          g_clear_pointer (&upload->checksum, checksum_free);
          g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                       "cannot read a partial upload: %s", n < 0 ? g_strerror (errno) : "short file");
          return FALSE;
        }
      gnutls_hash (upload->checksum, buf, n);
      done += n;
    }
  return TRUE;
}

static void
discard_upload (TgServer *self,
                Upload   *upload)
{
  g_autofree char *path = partial_path (self, upload->key);

  g_unlink (path);
  g_hash_table_remove (self->uploads, upload->key);
}

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         length)
{
  gsize done = 0;

  while (done < length)
    {
      gssize n = write (fd, data + done, length - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      done += n;
    }
  return TRUE;
}

/* The upload thread: writes and hashes the queued chunks of one upload. */
static void
upload_thread (gpointer data,
               gpointer user_data)
{
  Upload *upload = data;
  GBytes *chunk;

  g_mutex_lock (&upload->lock);
  while ((chunk = g_queue_pop_head (&upload->pending)))
    {
      gboolean failed = upload->write_failed;
      gsize length;
      const guint8 *bytes = g_bytes_get_data (chunk, &length);
      gboolean ok = FALSE;
      int saved = 0;

      g_mutex_unlock (&upload->lock);
      /* after a failure the rest is dropped: the client resumes */
      if (!failed)
        {
          ok = write_all (upload->fd, bytes, length);
          saved = errno;
          if (ok)
            gnutls_hash (upload->checksum, bytes, length);
          else
            {
              g_warning ("writing a partial upload failed: %s", g_strerror (saved));
              /* back to the last consistent state */
              if (ftruncate (upload->fd, upload->offset) != 0 ||
                  lseek (upload->fd, upload->offset, SEEK_SET) < 0)
                g_clear_pointer (&upload->checksum, checksum_free);
            }
        }
      g_bytes_unref (chunk);
      g_mutex_lock (&upload->lock);
      upload->pending_bytes -= length;
      if (ok)
        upload->offset += length;
      else
        upload->write_failed = TRUE;
      g_cond_broadcast (&upload->cond);
    }
  upload->writing = FALSE;
  g_cond_broadcast (&upload->cond);
  g_mutex_unlock (&upload->lock);
}

static void
upload_got_chunk_cb (SoupServerMessage *msg,
                     GBytes            *chunk,
                     Request           *req)
{
  Upload *upload = req->upload;
  gsize length = g_bytes_get_size (chunk);
  gboolean start = FALSE;

  if (req->upload_error != NULL || upload == NULL || upload->active != msg)
    return;

  if (upload->received + (gint64) length > upload->total)
    {
      /* never read past the limit: answer now and close the connection */
      req->upload_error = g_strdup ("the body goes past Upload-Length");
      req->upload_status = 413;
      upload_drain (upload);
      respond_offset (msg, 413, upload_get_offset (upload), FALSE, req->upload_error);
      tg_server_conns_refuse (req->server->conns, msg);
      return;
    }

  /* TLS and HTTP stay on the main loop; the write and the SHA-256 of each
   * chunk run on the upload thread, so the two use both cores */
  g_mutex_lock (&upload->lock);
  while (upload->pending_bytes >= UPLOAD_QUEUE_BYTES && !upload->write_failed)
    g_cond_wait (&upload->cond, &upload->lock);
  if (upload->write_failed)
    {
      g_mutex_unlock (&upload->lock);
      req->upload_error = g_strdup ("the server could not store the upload");
      req->upload_status = 507;
      return;
    }
  g_queue_push_tail (&upload->pending, g_bytes_ref (chunk));
  upload->pending_bytes += length;
  if (!upload->writing && upload->pending_bytes >= UPLOAD_BATCH_BYTES)
    start = upload->writing = TRUE;
  g_mutex_unlock (&upload->lock);
  upload->received += length;
  /* the rest, below a batch, is written by upload_drain () */
  if (start)
    g_thread_pool_push (upload_pool, upload, NULL);
}

static void
message_finished_cb (SoupServerMessage *msg,
                     Request           *req)
{
  /* A dropped connection ends here without the handler: what was written
   * stays, and the next request resumes from it. */
  if (req->upload != NULL && req->upload->active == msg && !req->upload->finishing)
    {
      req->upload->active = NULL;
      g_mutex_lock (&req->upload->lock);
      upload_flush_locked (req->upload);
      g_mutex_unlock (&req->upload->lock);
    }
}

typedef struct
{
  char   *final_path;
  char   *partial;
  char   *dir;
  int     fd;
} FinishData;

static void
finish_data_free (FinishData *data)
{
  if (data->fd >= 0)
    close (data->fd);
  g_free (data->final_path);
  g_free (data->partial);
  g_free (data->dir);
  g_free (data);
}

static void
finish_upload_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  FinishData *data = task_data;
  int dir_fd;

  /* Another account may have stored the same bytes already: this upload
   * was verified all the same, and only makes its uploader a holder. It
   * pays the same fsyncs, so the reply's delay does not say which. */
  if (fsync (data->fd) != 0 ||
      (g_mkdir_with_parents (data->dir, 0700) != 0))
    {
      g_task_return_new_error (task, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                               "cannot store a blob: %s", g_strerror (errno));
      return;
    }
  if (g_file_test (data->final_path, G_FILE_TEST_EXISTS))
    g_unlink (data->partial);
  else if (g_rename (data->partial, data->final_path) != 0)
    {
      g_task_return_new_error (task, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                               "cannot store a blob: %s", g_strerror (errno));
      return;
    }
  dir_fd = open (data->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0)
    {
      fsync (dir_fd);
      close (dir_fd);
    }
  g_task_return_boolean (task, TRUE);
}

static void
finish_upload_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  TgServer *self = TG_SERVER (object);
  g_autoptr(SoupServerMessage) msg = user_data;
  Request *req = g_object_get_data (G_OBJECT (msg), "tg-request");
  Upload *upload = req->upload;
  g_autoptr(GError) error = NULL;
  Job *job;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      upload->finishing = FALSE;
      upload->active = NULL;
      respond_gerror (msg, error);
      soup_server_message_unpause (msg);
      return;
    }
  /* the blob is in place; the database records it on the store thread,
   * and job_done () replies (still paused) */
  job = job_new (self, JOB_BLOB_COMPLETE, msg, req->auth);
  job->text = g_strdup (upload->sha256);
  job->size = upload->total;
  job_queue (job, TRUE);
}

/* Back on the main loop with a job's results. */
static void
job_done (Job *job)
{
  TgServer *self = job->server;
  SoupServerMessage *msg = job->msg;

  self->committed = MAX (self->committed, job->generation);
  if (msg == NULL)
    {
      if (job->error != NULL)
        g_warning ("%s", job->error->message);
      job_free (job);
      return;
    }

  if (job->kind == JOB_BLOB_COMPLETE)
    {
      Request *req = g_object_get_data (G_OBJECT (msg), "tg-request");
      Upload *upload = req->upload;

      upload->finishing = FALSE;
      upload->active = NULL;
      if (job->error == NULL)
        {
          g_debug ("blob %s complete (%" G_GINT64_FORMAT " bytes)", job->text, job->size);
          g_hash_table_remove (self->uploads, upload->key);
          req->upload = NULL;
          respond_offset (msg, 201, job->size, TRUE, NULL);
        }
    }
  else if (job->error == NULL)
    {
      gsize length = strlen (job->reply);

      soup_server_message_set_status (msg, job->status, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                        g_steal_pointer (&job->reply), length);
    }

  if (job->error != NULL)
    respond_gerror (msg, job->error);
  /* still paused: the sync's completion unpauses it */
  else if (reply_when_durable_full (self, msg, job->generation, TRUE))
    {
      job_free (job);
      return;
    }
  soup_server_message_unpause (msg);
  job_free (job);
}

static void
handle_upload (TgServer          *self,
               SoupServerMessage *msg,
               Request           *req)
{
  Upload *upload = req->upload;
  g_autofree char *digest = NULL;
  g_autoptr(GTask) task = NULL;
  FinishData *data;

  upload->active = NULL;
  upload_drain (upload);
  if (upload->write_failed && req->upload_error == NULL)
    {
      req->upload_error = g_strdup ("the server could not store the upload");
      req->upload_status = 507;
    }
  upload->write_failed = FALSE;

  if (req->upload_error != NULL)
    {
      respond_offset (msg, req->upload_status, upload->offset, FALSE, req->upload_error);
      return;
    }
  if (upload->offset < upload->total)
    {
      respond_offset (msg, 200, upload->offset, FALSE, NULL);
      return;
    }

  digest = checksum_hex (upload->checksum);
  if (strcmp (digest, upload->sha256) != 0)
    {
      g_autofree char *message =
        g_strdup_printf ("the uploaded bytes have SHA-256 %s, not %s; the partial upload was discarded",
                         digest, upload->sha256);

      g_message ("upload of blob %s failed its hash check", upload->sha256);
      discard_upload (self, upload);
      req->upload = NULL;
      respond_offset (msg, 422, 0, FALSE, message);
      return;
    }

  /* fsync and rename off the main loop */
  data = g_new0 (FinishData, 1);
  data->final_path = blob_path (self, upload->sha256);
  data->dir = g_path_get_dirname (data->final_path);
  data->partial = partial_path (self, upload->key);
  data->fd = upload->fd;
  upload->fd = -1;
  upload->finishing = TRUE;
  upload->active = msg;

  soup_server_message_pause (msg);
  task = g_task_new (self, NULL, finish_upload_cb, g_object_ref (msg));
  g_task_set_task_data (task, data, (GDestroyNotify) finish_data_free);
  g_task_run_in_thread (task, finish_upload_thread);
}

/* Everything about an upload that can be refused before the body is read. */
static void
early_upload (TgServer          *self,
              SoupServerMessage *msg,
              Request           *req,
              GHashTable        *query)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GError) error = NULL;
  const char *offset_str, *length_str;
  gint64 offset, total, size;
  goffset content_length;
  Upload *upload;

  /* who may see it first, then whether it is there, and only for a
   * holder: no other answer depends on another account's files */
  if (!tg_server_store_blob_visible (self->reader, req->auth, req->sha256))
    {
      respond_error (msg, 404, "no revision you can see refers to this blob");
      audit_probe (self, req, "upload refused (404)");
      return;
    }
  if (tg_server_store_blob_held (self->reader, req->auth, req->sha256) &&
      blob_is_complete (self, req->sha256, &size))
    {
      respond_offset (msg, 200, size, TRUE, NULL);
      return;
    }

  offset_str = query ? g_hash_table_lookup (query, "offset") : NULL;
  length_str = soup_message_headers_get_one (headers, "Upload-Length");
  if (offset_str == NULL)
    {
      respond_error (msg, 400, "the \"offset\" query parameter is missing");
      return;
    }
  if (length_str == NULL)
    {
      respond_error (msg, 400, "the Upload-Length header (the blob's total size) is missing");
      return;
    }
  if (!tg_server_decode_offset (offset_str, &offset, &error) ||
      !tg_server_decode_offset (length_str, &total, &error))
    {
      respond_gerror (msg, error);
      return;
    }
  if (total > self->config->max_blob_bytes)
    {
      g_autofree char *message = g_strdup_printf ("blobs are limited to %" G_GINT64_FORMAT " bytes",
                                                  self->config->max_blob_bytes);
      respond_error (msg, 413, message);
      return;
    }
  if (offset > total)
    {
      respond_error (msg, 400, "\"offset\" is past Upload-Length");
      return;
    }
  content_length = soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
                   ? soup_message_headers_get_content_length (headers) : -1;
  if (content_length >= 0 && offset + content_length > total)
    {
      respond_error (msg, 413, "the body goes past Upload-Length");
      return;
    }

  if (!(upload = get_upload (self, req->sha256, req->auth, &error)))
    {
      respond_gerror (msg, error);
      return;
    }
  if (upload->active != NULL)
    {
      respond_offset (msg, 409, upload_get_offset (upload), FALSE, "another upload of this blob is in progress");
      return;
    }
  /* chunks of a dropped connection may still be on their way to disk */
  upload_drain (upload);
  upload->write_failed = FALSE;
  if (upload->total != 0 && upload->total != total)
    {
      /* a different size for the same hash: start again */
      if (ftruncate (upload->fd, 0) == 0)
        {
          upload->offset = 0;
          g_clear_pointer (&upload->checksum, checksum_free);
        }
    }
  if (offset != upload->offset)
    {
      g_autofree char *message = g_strdup_printf ("the upload is at byte %" G_GINT64_FORMAT
                                                  "; send from there", upload->offset);
      respond_offset (msg, 409, upload->offset, FALSE, message);
      return;
    }
  if (!ensure_checksum (upload, &error) ||
      lseek (upload->fd, upload->offset, SEEK_SET) < 0)
    {
      if (error == NULL)
        g_set_error (&error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL, "seek failed");
      respond_gerror (msg, error);
      return;
    }

  upload->total = total;
  upload->received = upload->offset;
  upload->active = msg;
  req->upload = upload;
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (upload_got_chunk_cb), req);
}

/* handlers --------------------------------------------------------------- */

/* Absent, or 1 to 18 decimal digits: "-1", "+5", "1e3", "5, 5" or a value
 * past 10^18 are refused before libsoup reads by it. */
static gboolean
content_length_valid (SoupMessageHeaders *headers)
{
  const char *value = soup_message_headers_get_one (headers, "Content-Length");
  guint digits = 0;

  if (value == NULL)
    return TRUE;
  while (*value == ' ' || *value == '\t')
    value++;
  for (; g_ascii_isdigit (*value); value++)
    digits++;
  while (*value == ' ' || *value == '\t')
    value++;
  return digits >= 1 && digits <= 18 && *value == '\0';
}

static void
count_framing_cb (const char *name,
                  const char *value,
                  gpointer    user_data)
{
  guint *counts = user_data;

  if (g_ascii_strcasecmp (name, "Content-Length") == 0)
    counts[0] += strchr (value, ',') != NULL ? 2 : 1;
  else if (g_ascii_strcasecmp (name, "Transfer-Encoding") == 0)
    counts[1]++;
}

/* A body whose length two headers state differently is read one way by
 * the server and another by anything in front of it (request smuggling):
 * refuse duplicate Content-Length (RFC 9112 §6.3) and Content-Length with
 * Transfer-Encoding. NULL when the framing is unambiguous. */
static const char *
framing_error (SoupMessageHeaders *headers)
{
  guint counts[2] = { 0, 0 };

  soup_message_headers_foreach (headers, count_framing_cb, counts);
  if (counts[0] > 1)
    return "more than one Content-Length";
  if (counts[0] > 0 && counts[1] > 0)
    return "both Content-Length and Transfer-Encoding";
  return NULL;
}

static void
early_handler_cb (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  TgServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *token = NULL;
  g_autofree char *sha256 = NULL;
  gboolean method_ok;
  Request *req;
  guint retry_after;
  const char *rate_key;
  g_autofree char *ip_key = NULL;
  Route route;
  const char *framing;

  if ((framing = framing_error (headers)) != NULL)
    {
      g_autofree char *message = g_strdup_printf ("the request has %s", framing);

      /* the body's end is unknown: nothing more can be read from here */
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
      respond_error (msg, 400, message);
      return;
    }

  /* Every refusal here is sent before a byte of the body is read, and a
   * request with a body is then closed (tg-server-conn.c). */
  if (!content_length_valid (headers))
    {
      respond_error (msg, 400, "Content-Length is not a valid length");
      return;
    }
  route = route_request (method, path, &sha256, &method_ok);
  if (route == ROUTE_NONE)
    {
      respond_error (msg, 404, "no such endpoint");
      return;
    }
  if (!method_ok)
    {
      respond_error (msg, 405, "method not allowed on this endpoint");
      return;
    }
  if (route != ROUTE_ENROL && route != ROUTE_PUSH && route != ROUTE_BLOB_UPLOAD &&
      tg_server_request_has_body (msg))
    {
      respond_error (msg, 413, "this endpoint takes no request body");
      return;
    }

  req = g_new0 (Request, 1);
  req->server = self;
  req->route = route;
  req->sha256 = g_steal_pointer (&sha256);
  g_object_set_data_full (G_OBJECT (msg), "tg-request", req, (GDestroyNotify) request_free);
  g_signal_connect (msg, "finished", G_CALLBACK (message_finished_cb), req);

  if (route != ROUTE_INFO && route != ROUTE_ENROL)
    {
      g_autoptr(GError) auth_error = NULL;

      token = tg_server_decode_bearer (soup_message_headers_get_one (headers, "Authorization"));
      req->auth = tg_server_store_authenticate (self->reader, token, &auth_error);
      if (auth_error != NULL)
        {
          respond_gerror (msg, auth_error);
          return;
        }
      if (req->auth == NULL)
        {
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "WWW-Authenticate", "Bearer realm=\"testigo\"");
          respond_error (msg, 401, token ? "this device token is unknown or was revoked"
                                         : "an Authorization: Bearer token is required");
          return;
        }
      rate_key = req->auth->device_id;
    }
  else
    {
      g_autofree char *address = tg_server_address_key (soup_server_message_get_remote_host (msg));

      ip_key = g_strconcat ("ip:", address ? address : "?", NULL);
      rate_key = ip_key;
    }

  if (!rate_allow (self, rate_key, &retry_after))
    {
      char buf[16];

      g_snprintf (buf, sizeof buf, "%u", retry_after);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", buf);
      respond_error (msg, 429, "too many requests; retry later");
      return;
    }

  if (route == ROUTE_ENROL || route == ROUTE_PUSH)
    {
      gint64 limit = route == ROUTE_ENROL ? ENROL_MAX_BODY_BYTES : self->config->max_body_bytes;

      if (soup_message_headers_get_encoding (headers) != SOUP_ENCODING_CONTENT_LENGTH)
        {
          respond_error (msg, 411, "a Content-Length is required");
          return;
        }
      if (soup_message_headers_get_content_length (headers) > limit)
        {
          g_autofree char *message = g_strdup_printf ("the body is larger than %" G_GINT64_FORMAT " bytes",
                                                      limit);
          respond_error (msg, 413, message);
          return;
        }
    }
  else if (route == ROUTE_BLOB_UPLOAD)
    early_upload (self, msg, req, query);
}

static void
handle_info (TgServer          *self,
             SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *iso = g_date_time_format_iso8601 (now);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "server");
  json_builder_add_string_value (builder, "testigo-server");
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, PACKAGE_VERSION);
  json_builder_set_member_name (builder, "api");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "time");
  json_builder_add_string_value (builder, iso);
  json_builder_set_member_name (builder, "time_us");
  json_builder_add_int_value (builder, g_date_time_to_unix (now) * G_USEC_PER_SEC +
                                       g_date_time_get_microsecond (now));
  json_builder_set_member_name (builder, "fingerprint");
  if (self->fingerprint)
    json_builder_add_string_value (builder, self->fingerprint);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "limits");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "max_body_bytes");
  json_builder_add_int_value (builder, self->config->max_body_bytes);
  json_builder_set_member_name (builder, "max_string_bytes");
  json_builder_add_int_value (builder, self->config->max_string_bytes);
  json_builder_set_member_name (builder, "max_batch");
  json_builder_add_int_value (builder, self->config->max_batch);
  json_builder_set_member_name (builder, "max_blob_refs");
  json_builder_add_int_value (builder, self->config->max_blob_refs);
  json_builder_set_member_name (builder, "max_batch_blob_refs");
  json_builder_add_int_value (builder, self->config->max_batch_blob_refs);
  json_builder_set_member_name (builder, "max_pull");
  json_builder_add_int_value (builder, self->config->max_pull);
  json_builder_set_member_name (builder, "max_blob_bytes");
  json_builder_add_int_value (builder, self->config->max_blob_bytes);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  respond_json (msg, 200, node);
}

/* Push and enrolment bodies are decoded, and a push checked against the
 * caps (revisions, parents, blob references), on threads of their own: a
 * hostile body is refused there and never holds the store thread, which
 * gets only batches whose work is bounded. Enrolment, which needs no
 * token, has one thread and pushes two, apart from each other and from
 * GIO's shared pool (where TLS handshakes run): a stranger's 15 MB body
 * costs json-glib seconds, and must cost them only to other strangers. */
static gboolean
decode_done_cb (gpointer data)
{
  Job *job = data;

  if (job->error != NULL)
    {
      if (job->kind == JOB_ENROL)
        g_message ("enrolment refused: %s", job->error->message);
      respond_gerror (job->msg, job->error);
      soup_server_message_unpause (job->msg);
      job_free (job);
      return G_SOURCE_REMOVE;
    }
  g_clear_pointer (&job->body, g_bytes_unref);
  job_queue (job, TRUE);
  return G_SOURCE_REMOVE;
}

static void
decode_thread (gpointer data,
               gpointer user_data)
{
  Job *job = data;
  TgServer *self = job->server;
  gsize length;
  const char *body = g_bytes_get_data (job->body, &length);

  if (job->kind == JOB_PUSH)
    {
      const TgServerPushLimits limits = {
        .max_batch = self->config->max_batch,
        .max_string = self->config->max_string_bytes,
        .max_blob_refs = self->config->max_blob_refs,
        .max_batch_blob_refs = self->config->max_batch_blob_refs,
      };

      job->revisions = tg_server_decode_push (body, length, &limits, &job->blobs, &job->error);
    }
  else
    tg_server_decode_enrol (body, length, &job->text, &job->detail, &job->error);
  g_main_context_invoke (self->context, decode_done_cb, job);
}

static void
decode_later (TgServer          *self,
              JobKind            kind,
              SoupServerMessage *msg,
              Request           *req)
{
  Job *job = job_new (self, kind, msg, req ? req->auth : NULL);

  job->body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  soup_server_message_pause (msg);
  g_thread_pool_push (kind == JOB_PUSH ? self->push_pool : self->enrol_pool, job, NULL);
}

static void
handle_enrol (TgServer          *self,
              SoupServerMessage *msg)
{
  decode_later (self, JOB_ENROL, msg, NULL);
}

static void
handle_push (TgServer          *self,
             SoupServerMessage *msg,
             Request           *req)
{
  decode_later (self, JOB_PUSH, msg, req);
}

static void
handle_pull (TgServer          *self,
             SoupServerMessage *msg,
             Request           *req)
{
  Job *job = job_new (self, JOB_PULL, msg, req->auth);

  job->text = g_strdup (g_uri_get_query (soup_server_message_get_uri (msg)));
  job_queue (job, FALSE);
}

static void
handle_blob_offset (TgServer          *self,
                    SoupServerMessage *msg,
                    Request           *req)
{
  g_autofree char *key = NULL;
  Upload *upload;
  gint64 size;

  if (!tg_server_store_blob_visible (self->reader, req->auth, req->sha256))
    {
      respond_error (msg, 404, "no revision you can see refers to this blob");
      audit_probe (self, req, "offset query refused (404)");
      return;
    }
  if (tg_server_store_blob_held (self->reader, req->auth, req->sha256) &&
      blob_is_complete (self, req->sha256, &size))
    {
      respond_offset (msg, 200, size, TRUE, NULL);
      return;
    }
  audit_probe (self, req, "offset query");
  key = upload_key (req->sha256, req->auth);
  upload = g_hash_table_lookup (self->uploads, key);
  if (upload != NULL)
    {
      /* bytes of a dropped connection count once they are on disk */
      if (upload->active == NULL)
        upload_drain (upload);
      size = upload_get_offset (upload);
    }
  else
    {
      g_autofree char *path = partial_path (self, key);
      struct stat st;

      size = g_stat (path, &st) == 0 ? st.st_size : 0;
    }
  respond_offset (msg, 200, size, FALSE, NULL);
}

static void
handle_blob_get (TgServer          *self,
                 SoupServerMessage *msg,
                 Request           *req)
{
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  const char *range = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Range");
  g_autofree char *path = blob_path (self, req->sha256);
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  gint64 size, start = 0, end;
  guint status = 200;

  if (!tg_server_store_blob_visible (self->reader, req->auth, req->sha256) ||
      !tg_server_store_blob_held (self->reader, req->auth, req->sha256) ||
      !blob_is_complete (self, req->sha256, &size))
    {
      respond_error (msg, 404, "no such blob");
      audit_probe (self, req, "download refused (404)");
      return;
    }
  end = size - 1;

  if (range != NULL)
    {
      char buf[96];

      if (!tg_server_decode_range (range, size, &start, &end, &error))
        {
          if (error->code == TG_SERVER_ERROR_RANGE)
            {
              g_snprintf (buf, sizeof buf, "bytes */%" G_GINT64_FORMAT, size);
              soup_message_headers_replace (response_headers, "Content-Range", buf);
            }
          respond_gerror (msg, error);
          return;
        }
      status = 206;
      g_snprintf (buf, sizeof buf, "bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
                  start, end, size);
      soup_message_headers_replace (response_headers, "Content-Range", buf);
    }

  soup_message_headers_replace (response_headers, "Accept-Ranges", "bytes");
  soup_message_headers_replace (response_headers, "Content-Type", "application/octet-stream");
  soup_server_message_set_status (msg, status, NULL);
  if (size == 0)
    return;

  mapped = g_mapped_file_new (path, FALSE, &error);
  if (mapped == NULL)
    {
      g_warning ("cannot map blob %s: %s", req->sha256, error->message);
      respond_error (msg, 500, "internal server error");
      return;
    }
  bytes = g_mapped_file_get_bytes (mapped);
  {
    g_autoptr(GBytes) slice = g_bytes_new_from_bytes (bytes, start, end - start + 1);

    soup_message_body_append_bytes (soup_server_message_get_response_body (msg), slice);
  }
  audit_later (self, req->auth, "download", req->sha256);
}

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  TgServer *self = user_data;
  Request *req = g_object_get_data (G_OBJECT (msg), "tg-request");

  if (req == NULL)
    {
      respond_error (msg, 500, "internal server error");
      return;
    }

  switch (req->route)
    {
    case ROUTE_INFO:        handle_info (self, msg); break;
    case ROUTE_ENROL:       handle_enrol (self, msg); break;
    case ROUTE_PUSH:        handle_push (self, msg, req); break;
    case ROUTE_PULL:        handle_pull (self, msg, req); break;
    case ROUTE_BLOB_OFFSET: handle_blob_offset (self, msg, req); break;
    case ROUTE_BLOB_UPLOAD: handle_upload (self, msg, req); break;
    case ROUTE_BLOB_GET:    handle_blob_get (self, msg, req); break;
    case ROUTE_NONE:
    default:
      respond_error (msg, 404, "no such endpoint");
      break;
    }
}

/* 401, 403, 413 and 429 are logged and audited: who (device, when the
 * token was known), what (method, path without its query), from where —
 * never a header, a token or a body. */
static void
request_finished_cb (SoupServer        *server,
                     SoupServerMessage *msg,
                     TgServer          *self)
{
  guint status = soup_server_message_get_status (msg);
  Request *req = g_object_get_data (G_OBJECT (msg), "tg-request");
  const char *host = soup_server_message_get_remote_host (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  g_autofree char *path = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *key = NULL;
  RefusalWindow *window;
  gint64 now = g_get_monotonic_time ();

  if (status != 401 && status != 403 && status != 413 && status != 429)
    return;
  host = host ? host : "?";
  /* the path is ours to route; cut whatever a client put there short */
  path = g_strndup (uri ? g_uri_get_path (uri) : "?", 128);
  for (char *p = path; *p; p++)
    if ((guchar) *p < 0x20 || (guchar) *p >= 0x7f)
      *p = '?';

  /* counted per address, an IPv6 client per /64 */
  key = tg_server_address_key (host);
  if (key == NULL)
    key = g_strdup (host);
  window = g_hash_table_lookup (self->refusals, key);
  if (window == NULL)
    {
      if (g_hash_table_size (self->refusals) >= REFUSALS_MAX_KEYS)
        g_hash_table_remove_all (self->refusals);
      window = g_new0 (RefusalWindow, 1);
      window->start_us = now;
      g_hash_table_insert (self->refusals, g_strdup (key), window);
    }
  if (now - window->start_us >= REFUSALS_WINDOW_US)
    {
      if (window->suppressed > 0)
        {
          g_autofree char *summary = g_strdup_printf ("%u more refused requests from %s in the minute "
                                                      "before were not audited one by one",
                                                      window->suppressed, key);
          g_message ("%s", summary);
          audit_later (self, NULL, "refused", summary);
        }
      window->start_us = now;
      window->audited = 0;
      window->suppressed = 0;
    }
  if (window->audited >= REFUSALS_AUDITED)
    {
      window->suppressed++;
      return;
    }
  window->audited++;

  detail = g_strdup_printf ("%u %s %s from %s", status, soup_server_message_get_method (msg), path, host);
  g_message ("refused: %s%s%s", detail,
             req && req->auth ? ", device " : "", req && req->auth ? req->auth->device_id : "");
  audit_later (self, req ? req->auth : NULL, "refused", detail);
}

/* a refusal sent before the body (tg-server-conn.c): libsoup ends its
 * message as aborted, so it is logged and audited here */
static void
refused_early_cb (SoupServerMessage *msg,
                  gpointer           user_data)
{
  TgServer *self = user_data;

  request_finished_cb (self->soup, msg, self);
}

/* object ----------------------------------------------------------------- */

static void
tg_server_finalize (GObject *object)
{
  TgServer *self = (TgServer *) object;

  /* every job holds a reference: none is left in either pool here */
  if (self->store_pool)
    g_thread_pool_free (self->store_pool, FALSE, TRUE);
  if (self->sync_pool)
    g_thread_pool_free (self->sync_pool, FALSE, TRUE);
  if (self->push_pool)
    g_thread_pool_free (self->push_pool, FALSE, TRUE);
  if (self->enrol_pool)
    g_thread_pool_free (self->enrol_pool, FALSE, TRUE);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->reader);
  g_clear_pointer (&self->waiters, g_ptr_array_unref);
  g_free (self->wal_path);
  g_clear_pointer (&self->conns, tg_server_conns_free);
  if (self->soup)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_object (&self->store);
  g_clear_object (&self->certificate);
  /* each upload waits for its chunks to be written */
  g_clear_pointer (&self->uploads, g_hash_table_unref);
  g_clear_pointer (&self->buckets, g_hash_table_unref);
  g_clear_pointer (&self->refusals, g_hash_table_unref);
  g_free (self->fingerprint);
  g_free (self->base_uri);
  g_free (self->blob_dir);
  g_free (self->partial_dir);

  G_OBJECT_CLASS (tg_server_parent_class)->finalize (object);
}

static void
tg_server_class_init (TgServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tg_server_finalize;
}

static void
tg_server_init (TgServer *self)
{
  self->uploads = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) upload_free);
  self->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->refusals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_free);
}

TgServer *
tg_server_new (TgServerConfig   *config,
               TgServerStore    *store,
               GTlsCertificate  *certificate,
               GError          **error)
{
  g_autoptr(TgServer) self = g_object_new (TG_TYPE_SERVER, NULL);

  self->config = config;
  self->store = g_object_ref (store);
  self->wal_path = tg_server_store_get_wal_path (store);
  tg_server_store_set_deferred_sync (store, TRUE);
  tg_server_store_checkpoint_in_background (store);
  if (!(self->reader = tg_server_store_open (tg_server_store_get_path (store), error)))
    return NULL;
  tg_server_store_set_read_only (self->reader);
  self->context = g_main_context_ref_thread_default ();
  /* exclusive pools of one thread each: the store thread owns its
   * connection, and there is one fdatasync at a time */
  if (!(self->store_pool = g_thread_pool_new (store_thread, NULL, 1, TRUE, error)) ||
      !(self->sync_pool = g_thread_pool_new (sync_thread, NULL, 1, TRUE, error)) ||
      !(self->push_pool = g_thread_pool_new (decode_thread, NULL, 2, TRUE, error)) ||
      !(self->enrol_pool = g_thread_pool_new (decode_thread, NULL, 1, TRUE, error)))
    return NULL;
  /* one for the process, shared by every upload */
  if (upload_pool == NULL &&
      !(upload_pool = g_thread_pool_new (upload_thread, NULL, 1, TRUE, error)))
    return NULL;
  self->blob_dir = g_build_filename (config->data_dir, "blobs", NULL);
  self->partial_dir = g_build_filename (config->data_dir, "partial", NULL);
  if (g_mkdir_with_parents (self->blob_dir, 0700) != 0 ||
      g_mkdir_with_parents (self->partial_dir, 0700) != 0)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                   _("Cannot create %s: %s"), self->blob_dir, g_strerror (errno));
      return NULL;
    }

  self->soup = soup_server_new ("server-header", "testigo-server/" PACKAGE_VERSION " ", NULL);
  if (certificate != NULL)
    {
      self->certificate = g_object_ref (certificate);
      self->fingerprint = tg_server_tls_fingerprint (certificate);
    }

  /* TLS is done by tg-server-conn.c, which hands libsoup each connection;
   * every path goes through the early handler, so that no body is read
   * before its route, method, size and token are checked */
  soup_server_add_early_handler (self->soup, NULL, early_handler_cb, self, NULL);
  soup_server_add_handler (self->soup, NULL, handler_cb, self, NULL);
  g_signal_connect (self->soup, "request-finished", G_CALLBACK (request_finished_cb), self);

  return g_steal_pointer (&self);
}

gboolean
tg_server_start (TgServer  *self,
                 GError   **error)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (self->config->listen);
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocket) listen_socket = NULL;
  g_autoptr(GSocketAddress) local = NULL;

  if (address == NULL)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                   _("“%s” is not an IP address to listen on"), self->config->listen);
      return FALSE;
    }
  if (self->certificate == NULL &&
      (!self->config->insecure_http || !g_inet_address_get_is_loopback (address)))
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_BAD_REQUEST,
                           _("Plain HTTP is allowed only with --insecure-dev-http on a loopback address"));
      return FALSE;
    }

  /* Our own listening socket: soup_server_listen () keeps GSocket's
   * backlog of 10, and when a hundred devices connect at once the kernel
   * drops the SYNs past it; they are retried after 1, 3, 7 s, which was
   * most of the first requests' latency. */
  socket_address = g_inet_socket_address_new (address, self->config->port);
  listen_socket = g_socket_new (g_socket_address_get_family (socket_address), G_SOCKET_TYPE_STREAM,
                                G_SOCKET_PROTOCOL_DEFAULT, error);
  if (listen_socket == NULL)
    return FALSE;
  if (g_socket_address_get_family (socket_address) == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (listen_socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, NULL);
  g_socket_set_listen_backlog (listen_socket, SOMAXCONN);
  if (!g_socket_bind (listen_socket, socket_address, TRUE, error) ||
      !g_socket_listen (listen_socket, error) ||
      !(local = g_socket_get_local_address (listen_socket, error)) ||
      !(self->conns = tg_server_conns_new (self->soup, self->config, self->certificate,
                                           listen_socket, error)))
    return FALSE;
  tg_server_conns_set_refused_func (self->conns, refused_early_cb, self);

  {
    gboolean v6 = strchr (self->config->listen, ':') != NULL;

    self->base_uri = g_strdup_printf ("%s://%s%s%s:%u", self->certificate ? "https" : "http",
                                      v6 ? "[" : "", self->config->listen, v6 ? "]" : "",
                                      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));
  }
  return TRUE;
}

const char *
tg_server_get_base_uri (TgServer *self)
{
  return self->base_uri;
}
