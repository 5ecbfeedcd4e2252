/* tg-sync-private.h — the pieces of the sync engine: the HTTP client
 * (one SoupSession, pinning, error mapping), the wire (JSON of the
 * protocol's requests and replies) and the resumable upload
 *
 * Everything here is called from the engine's worker thread with blocking
 * calls (libsoup 3.2 sends from any thread); nothing here touches the main
 * loop. See docs/sync.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "tg-sync-engine.h"
#include "tg-revision.h"

G_BEGIN_DECLS

/* HTTP bodies the engine's session sent and received so far (tests,
 * benchmarks). */
void _tg_sync_engine_get_traffic (TgSyncEngine *self,
                                  guint64      *bytes_out,
                                  guint64      *bytes_in);

/* Called in the worker thread after each chunk the server verified (tests:
 * to cancel in the middle of a file). Set it while no sync runs. */
typedef void (*TgSyncChunkHook) (TgSyncEngine *self,
                                 gint64        offset,
                                 gpointer      data);
void _tg_sync_engine_set_chunk_hook (TgSyncEngine    *self,
                                     TgSyncChunkHook  hook,
                                     gpointer         data);

/* ---- Client ------------------------------------------------------------ */

typedef struct _TgSyncClient TgSyncClient;

/* Where a request goes and whom it trusts. */
typedef struct
{
  const char *base_uri;       /* "https://host:port" */
  const char *pin;            /* "AB:CD:…", or NULL to accept any (probe) */
  const char *token;          /* bearer token, or NULL */
} TgSyncTarget;

typedef struct
{
  guint               status;
  GBytes             *body;
  SoupMessageHeaders *headers;
  char               *fingerprint;    /* of the certificate seen */
  gint64              sent_at;        /* g_get_real_time () around the exchange */
  gint64              received_at;
  guint64             body_bytes_written; /* request body bytes put on the wire, even when the
                                           * exchange then failed */
} TgSyncReply;

void          tg_sync_reply_clear           (TgSyncReply *reply);

TgSyncClient *tg_sync_client_new            (void);
void          tg_sync_client_free           (TgSyncClient *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgSyncClient, tg_sync_client_free)

guint         tg_sync_client_get_n_connections (TgSyncClient *self);
/* HTTP bodies sent and received (a measure of what went on the wire). */
guint64       tg_sync_client_get_bytes_out  (TgSyncClient *self);
guint64       tg_sync_client_get_bytes_in   (TgSyncClient *self);

/* Sends one request and reads the whole reply. Fails only for transport
 * problems (TG_SYNC_ERROR_NETWORK, _TLS, _FINGERPRINT_MISMATCH,
 * G_IO_ERROR_CANCELLED); any HTTP status is a success here.
 * @headers: NULL-terminated name, value pairs. */
gboolean      tg_sync_client_send           (TgSyncClient        *self,
                                             const TgSyncTarget  *target,
                                             const char          *method,
                                             const char          *path,
                                             const char          *content_type,
                                             GBytes              *body,
                                             const char * const  *headers,
                                             TgSyncReply         *reply,
                                             GCancellable        *cancellable,
                                             GError             **error);

/* The TgSyncError for a reply whose status is not a success: plain words
 * for a monitor. @retry_after_s is set for 429 and 503 (0 if none). */
GError       *tg_sync_error_from_reply      (const TgSyncReply   *reply,
                                             guint               *retry_after_s);

/* Sends, then parses a JSON object reply of status 200 or 201; any other
 * status becomes a TgSyncError. */
JsonNode     *tg_sync_client_call_json      (TgSyncClient        *self,
                                             const TgSyncTarget  *target,
                                             const char          *method,
                                             const char          *path,
                                             GBytes              *body,
                                             TgSyncReply         *reply,
                                             guint               *retry_after_s,
                                             GCancellable        *cancellable,
                                             GError             **error);

char         *tg_sync_fingerprint_of        (GTlsCertificate *certificate);
/* "host:port" or "https://host:port/" → "https://host:port"; NULL if it
 * is not an address the engine can use. */
char         *tg_sync_normalize_uri         (const char      *uri,
                                             GError         **error);

/* ---- Wire ---------------------------------------------------------------- */

typedef struct
{
  char   *version;
  int     api;
  gint64  time_us;
  char   *fingerprint;          /* what the server says of itself */
  gint64  max_body_bytes;
  gint64  max_batch;
  gint64  max_batch_blob_refs;
  gint64  max_pull;
  gint64  max_blob_bytes;
  gint64  max_chunk_bytes;      /* 0 when the server did not say */
} TgSyncWireInfo;

void      tg_sync_wire_info_clear   (TgSyncWireInfo *info);

typedef struct
{
  GPtrArray *accepted_ids;      /* char * */
  GArray    *accepted_seqs;     /* gint64 */
  GPtrArray *rejected_ids;      /* char * */
  GPtrArray *rejected_reasons;  /* char * */
  gint64     server_seq;
} TgSyncWirePush;

void      tg_sync_wire_push_clear   (TgSyncWirePush *push);

typedef struct
{
  GPtrArray *revisions;         /* TgRevision, server_seq set */
  guint      n_conflicts;
  gint64     next;
  gboolean   more;
  gint64     server_seq;
  char      *role;              /* the caller's role, NULL when the server did not say */
  GPtrArray *device_names;      /* TgSyncDeviceName; empty when the server did not say */
} TgSyncWirePull;

void      tg_sync_wire_pull_clear   (TgSyncWirePull *pull);

/* Parses a reply body: a JSON object, pre-scanned for hostile shapes. */
JsonNode *tg_sync_wire_parse        (GBytes          *body,
                                     GError         **error);

gboolean  tg_sync_wire_decode_info  (JsonNode        *root,
                                     TgSyncWireInfo  *info,
                                     GError         **error);
/* {"device_id", "token", "role"}; *role NULL when the server did not
 * say or named a role this client does not know */
gboolean  tg_sync_wire_decode_enrol (JsonNode        *root,
                                     char           **device_id,
                                     char           **token,
                                     char           **role,
                                     GError         **error);
gboolean  tg_sync_wire_decode_push  (JsonNode        *root,
                                     TgSyncWirePush  *push,
                                     GError         **error);
gboolean  tg_sync_wire_decode_pull  (JsonNode        *root,
                                     TgSyncWirePull  *pull,
                                     GError         **error);
/* {"offset", "complete"} */
gboolean  tg_sync_wire_decode_offset (JsonNode       *root,
                                      gint64         *offset,
                                      gboolean       *complete,
                                      GError        **error);

GBytes   *tg_sync_wire_encode_enrol (const char      *code,
                                     const char      *device_name);
/* {"revisions": [...]} for revisions[start, start + n). */
GBytes   *tg_sync_wire_encode_push  (GPtrArray       *revisions,
                                     guint            start,
                                     guint            n);
/* Blob references in a revision's content as the server counts them
 * (sources[].sha256 and .thumbnail_sha256, repeats included). */
guint     tg_sync_wire_count_blob_refs (TgRevision   *revision);

/* The error for a reply that is not the protocol. */
GError   *tg_sync_wire_protocol_error (const char    *detail);

/* ---- Upload -------------------------------------------------------------- */

typedef struct
{
  TgSyncClient       *client;
  const TgSyncTarget *target;
  GFile              *file;
  const char         *sha256;
  gint64              size;
  gsize               chunk_size;
  /* called after each verified chunk, in the worker thread */
  void              (*progress) (gint64 offset, gpointer data);
  gpointer            progress_data;
  /* when set, the blob is read through it (decrypted as it is sent) */
  TgBlobStore        *blobs;
} TgSyncUpload;

typedef struct
{
  gboolean complete;            /* the server holds the whole blob now */
  gboolean uploaded;            /* bytes were sent (not already held) */
  guint64  bytes_sent;          /* file bytes put on the wire, resends included */
  guint    n_resent_chunks;
  gint64   resumed_from;        /* the server's offset when we started */
  guint    retry_after_s;
} TgSyncUploadResult;

/* Asks the offset, then PUTs the rest chunk by chunk (protocol 2). A file
 * gone from disk is G_IO_ERROR_NOT_FOUND. */
gboolean  tg_sync_upload_run        (const TgSyncUpload   *upload,
                                     TgSyncUploadResult   *result,
                                     GCancellable         *cancellable,
                                     GError              **error);

/* For tests: Upload-Checksum of @data ("sha256 <base64>"). */
char     *tg_sync_upload_checksum   (gconstpointer  data,
                                     gsize          length);

G_END_DECLS
