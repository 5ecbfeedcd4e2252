/* tg-server-private.h — the server's struct and types, shared by the
 * files of tg-server.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>
#include <gnutls/crypto.h>

#include "tg-server.h"
#include "tg-server-conn.h"

G_BEGIN_DECLS

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

/* An upload's bytes are written and hashed on the upload thread. While
 * it works on them (writing), it alone touches fd, written, tentative and
 * chunk; the main loop waits for it (_tg_server_upload_drain) before it
 * reads them.
 *
 * Sync protocol 2: each request's body is one chunk, with the SHA-256 its
 * Upload-Checksum names. Its bytes go to the partial file past the
 * verified offset as they arrive, into a copy of the whole file's SHA-256
 * (tentative) and into the chunk's own (chunk). Only when the whole chunk
 * arrived and its SHA-256 matches does the copy become the checksum and
 * written the offset, recorded in "<partial>.offset"; a mismatch, a cut or
 * a refusal truncates the file back to the offset (rollback). */
typedef struct
{
  char              *sha256;
  char              *key;        /* "<sha256>.<user id>": one upload per account */
  int                fd;
  gint64             offset;     /* verified bytes: on disk, in checksum and in the .offset file */
  gint64             total;      /* Upload-Length, 0 while unknown */
  gnutls_hash_hd_t   checksum;   /* SHA-256 over bytes [0, offset), NULL when to be rebuilt */
  SoupServerMessage *active;     /* the request writing to it, if any */
  gboolean           finishing;  /* a thread fsyncs, renames or rolls back for active */
  gint64             received;   /* main loop: offset + the active request's bytes queued */
  guint8             expected[32]; /* the active request's Upload-Checksum */

  GMutex             lock;       /* guards the fields below, and offset */
  GCond              cond;
  GQueue             pending;    /* GBytes received, not yet written */
  gsize              pending_bytes;
  gboolean           writing;    /* queued to or running on the upload thread */
  gboolean           write_failed;
  gboolean           rollback;   /* drop the active request's bytes, then truncate */
  gint64             written;    /* upload thread: offset + the active request's bytes on disk */
  gnutls_hash_hd_t   tentative;  /* upload thread: checksum continued over them */
  gnutls_hash_hd_t   chunk;      /* upload thread: SHA-256 of the active request's body */
  GMainContext      *context;    /* the main loop's */
  SoupServerMessage *waiting;    /* a paused request whose body is in, waiting for the thread */
  GSource           *wake;       /* attached by the thread when done, for waiting */
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

/* tg-server-durable.c */
void     _tg_server_waiter_free             (Waiter *waiter);
void     _tg_server_sync_thread             (gpointer data,
                                             gpointer user_data);
gboolean _tg_server_reply_when_durable_full (TgServer          *self,
                                             SoupServerMessage *msg,
                                             guint64            generation,
                                             gboolean           paused);

/* tg-server-jobs.c */
void     _tg_server_job_free                (Job *job);
void     _tg_server_store_thread            (gpointer data,
                                             gpointer user_data);
Job     *_tg_server_job_new                 (TgServer          *self,
                                             JobKind            kind,
                                             SoupServerMessage *msg,
                                             const TgServerAuth *auth);
void     _tg_server_job_queue               (Job      *job,
                                             gboolean  paused);
void     _tg_server_handshake_throttled_cb  (const char         *host,
                                            gpointer            user_data);
void     _tg_server_audit_later             (TgServer           *self,
                                             const TgServerAuth *auth,
                                             const char         *action,
                                             const char         *detail);
void     _tg_server_job_done                (Job *job);

/* tg-server-upload.c */
extern GThreadPool *_tg_server_upload_pool;
void     _tg_server_upload_drain            (Upload *upload);
gint64   _tg_server_upload_get_offset       (Upload *upload);
void     _tg_server_upload_free             (Upload *upload);
char    *_tg_server_blob_path               (TgServer   *self,
                                             const char *sha256);
char    *_tg_server_upload_key              (const char         *sha256,
                                             const TgServerAuth *auth);
char    *_tg_server_partial_path            (TgServer   *self,
                                             const char *key);
gint64   _tg_server_partial_offset          (TgServer   *self,
                                             const char *key);
gboolean _tg_server_blob_is_complete        (TgServer   *self,
                                             const char *sha256,
                                             gint64     *size);
void     _tg_server_audit_probe             (TgServer   *self,
                                             Request    *req,
                                             const char *what);
void     _tg_server_upload_thread           (gpointer data,
                                             gpointer user_data);
void     _tg_server_message_finished_cb     (SoupServerMessage *msg,
                                             Request           *req);
void     _tg_server_handle_upload           (TgServer          *self,
                                             SoupServerMessage *msg,
                                             Request           *req);
void     _tg_server_early_upload            (TgServer          *self,
                                             SoupServerMessage *msg,
                                             Request           *req,
                                             GHashTable        *query);

/* tg-server-handlers.c */
void     _tg_server_respond_error           (SoupServerMessage *msg,
                                             guint              status,
                                             const char        *message);
void     _tg_server_respond_gerror          (SoupServerMessage *msg,
                                             const GError      *error);
void     _tg_server_respond_offset          (SoupServerMessage *msg,
                                             guint              status,
                                             gint64             offset,
                                             gboolean           complete,
                                             const char        *error);
void     _tg_server_early_handler_cb        (SoupServer        *server,
                                             SoupServerMessage *msg,
                                             const char        *path,
                                             GHashTable        *query,
                                             gpointer           user_data);
void     _tg_server_decode_thread           (gpointer data,
                                             gpointer user_data);
void     _tg_server_handler_cb              (SoupServer        *server,
                                             SoupServerMessage *msg,
                                             const char        *path,
                                             GHashTable        *query,
                                             gpointer           user_data);
void     _tg_server_request_finished_cb     (SoupServer        *server,
                                             SoupServerMessage *msg,
                                             TgServer          *self);
void     _tg_server_refused_early_cb        (SoupServerMessage *msg,
                                             gpointer           user_data);

G_END_DECLS
