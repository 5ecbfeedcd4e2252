/* tg-server-upload.c — resumable blob uploads, each chunk checked against
 * its SHA-256 (sync protocol 2), written and hashed on an upload thread
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
#include "tg-server-private.h"
#include "tg-server-conn.h"
#include "tg-server-decode.h"
#include "tg-server-tls.h"

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

/* the upload thread, shared by every server in the process */
GThreadPool *_tg_server_upload_pool;

/* Hands what is queued, however little, to the upload thread. Locked. */
static void
upload_flush_locked (Upload *upload)
{
  if (!upload->writing && upload->pending.length > 0)
    {
      upload->writing = TRUE;
      g_thread_pool_push (_tg_server_upload_pool, upload, NULL);
    }
}

/* Waits until the upload thread wrote every chunk queued for @upload. */
void
_tg_server_upload_drain (Upload *upload)
{
  g_mutex_lock (&upload->lock);
  upload_flush_locked (upload);
  while (upload->writing)
    g_cond_wait (&upload->cond, &upload->lock);
  g_mutex_unlock (&upload->lock);
}

gint64
_tg_server_upload_get_offset (Upload *upload)
{
  gint64 offset;

  g_mutex_lock (&upload->lock);
  offset = upload->offset;
  g_mutex_unlock (&upload->lock);
  return offset;
}

void
_tg_server_upload_free (Upload *upload)
{
  _tg_server_upload_drain (upload);
  /* the server stops: a request waiting for the thread is not answered */
  if (upload->wake != NULL)
    {
      g_source_destroy (upload->wake);
      g_clear_pointer (&upload->wake, g_source_unref);
    }
  g_clear_object (&upload->waiting);
  g_clear_pointer (&upload->context, g_main_context_unref);
  if (upload->fd >= 0)
    close (upload->fd);
  g_mutex_clear (&upload->lock);
  g_cond_clear (&upload->cond);
  g_clear_pointer (&upload->checksum, checksum_free);
  g_clear_pointer (&upload->tentative, checksum_free);
  g_clear_pointer (&upload->chunk, checksum_free);
  g_free (upload->sha256);
  g_free (upload->key);
  g_free (upload);
}

char *
_tg_server_blob_path (TgServer   *self,
                      const char *sha256)
{
  char prefix[3] = { sha256[0], sha256[1], '\0' };

  return g_build_filename (self->blob_dir, prefix, sha256, NULL);
}

/* Uploads are per account: a monitor's offset and partial file say
 * nothing about anyone else's upload of the same bytes. */
char *
_tg_server_upload_key (const char         *sha256,
                       const TgServerAuth *auth)
{
  return g_strdup_printf ("%s.%" G_GINT64_FORMAT, sha256, auth->user_id);
}

char *
_tg_server_partial_path (TgServer   *self,
                         const char *key)
{
  return g_build_filename (self->partial_dir, key, NULL);
}

/* "<partial>.offset" holds the verified offset: the partial file may hold
 * more (a chunk cut, refused or not yet checked when the server stopped),
 * and those bytes never count. Written with one pwrite of a fixed width,
 * after the bytes it vouches for were written; not synced: a lost update
 * only makes the offset older, and a chunk is then sent again. */
#define OFFSET_TEXT_LENGTH 20

static char *
offset_path (TgServer   *self,
             const char *key)
{
  g_autofree char *partial = _tg_server_partial_path (self, key);

  return g_strconcat (partial, ".offset", NULL);
}

/* The verified offset recorded for @key, or -1 when there is no record
 * (a partial file of version 1, whose bytes all counted) */
static gint64
read_offset_file (TgServer   *self,
                  const char *key)
{
  g_autofree char *path = offset_path (self, key);
  char text[OFFSET_TEXT_LENGTH + 1];
  gint64 value;
  gssize n;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0)
    return -1;
  n = read (fd, text, OFFSET_TEXT_LENGTH);
  close (fd);
  text[MAX (n, 0)] = '\0';
  /* unreadable: nothing of the partial file is vouched for */
  if (n <= 0 || !tg_server_decode_offset (g_strstrip (text), &value, NULL))
    return 0;
  return value;
}

static gboolean
write_offset_file (TgServer   *self,
                   const char *key,
                   gint64      offset)
{
  g_autofree char *path = offset_path (self, key);
  char text[OFFSET_TEXT_LENGTH + 1];
  gboolean ok;
  int fd = g_open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      g_warning ("cannot record an upload's offset in %s: %s", path, g_strerror (errno));
      return FALSE;
    }
  g_snprintf (text, sizeof text, "%019" G_GINT64_FORMAT "\n", offset);
  ok = pwrite (fd, text, OFFSET_TEXT_LENGTH, 0) == OFFSET_TEXT_LENGTH;
  if (!ok)
    g_warning ("cannot record an upload's offset in %s: %s", path, g_strerror (errno));
  close (fd);
  return ok;
}

/* The verified offset of an upload that is not open: what its .offset
 * file records, never more than the partial file holds. */
gint64
_tg_server_partial_offset (TgServer   *self,
                           const char *key)
{
  g_autofree char *path = _tg_server_partial_path (self, key);
  struct stat st;
  gint64 recorded;

  if (g_stat (path, &st) != 0)
    return 0;
  recorded = read_offset_file (self, key);
  return recorded < 0 ? st.st_size : MIN (recorded, (gint64) st.st_size);
}

gboolean
_tg_server_blob_is_complete (TgServer   *self,
                             const char *sha256,
                             gint64     *size)
{
  g_autofree char *path = _tg_server_blob_path (self, sha256);
  struct stat st;

  /* The file is renamed into place only after its hash was verified, so
   * its presence is the truth; the database catches up if a crash fell
   * between the rename and the update. */
  if (g_stat (path, &st) != 0)
    return FALSE;
  if (!tg_server_store_blob_is_complete (self->reader, sha256))
    {
      Job *job = _tg_server_job_new (self, JOB_BLOB_REPAIR, NULL, NULL);

      job->text = g_strdup (sha256);
      job->size = st.st_size;
      _tg_server_job_queue (job, FALSE);
    }
  if (size)
    *size = st.st_size;
  return TRUE;
}

/* A request about a blob stored on the server that the caller does not
 * hold got the answer it would get for a blob the server never saw; it is
 * audited (without telling the caller), since a monitor naming files
 * other people uploaded may be looking for them. */
void
_tg_server_audit_probe (TgServer   *self,
                        Request    *req,
                        const char *what)
{
  g_autofree char *path = NULL;
  g_autofree char *detail = NULL;

  if (req->auth == NULL || req->auth->role == TG_SERVER_ROLE_COORDINATOR)
    return;
  path = _tg_server_blob_path (self, req->sha256);
  if (!g_file_test (path, G_FILE_TEST_EXISTS) ||
      tg_server_store_blob_held (self->reader, req->auth, req->sha256))
    return;
  detail = g_strdup_printf ("%s, blob %s", what, req->sha256);
  g_message ("blob probe by device %s: %s", req->auth->device_id, detail);
  _tg_server_audit_later (self, req->auth, "blob-probe", detail);
}

/* uploads ---------------------------------------------------------------- */

static Upload *
get_upload (TgServer            *self,
            const char          *sha256,
            const TgServerAuth  *auth,
            GError             **error)
{
  g_autofree char *key = _tg_server_upload_key (sha256, auth);
  Upload *upload = g_hash_table_lookup (self->uploads, key);
  g_autofree char *path = NULL;
  struct stat st;
  gint64 recorded;
  int fd;

  if (upload != NULL)
    return upload;

  path = _tg_server_partial_path (self, key);
  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                   "cannot open a partial upload: %s", g_strerror (errno));
      if (fd >= 0)
        close (fd);
      return NULL;
    }

  /* bytes past the recorded offset were never verified: they go; a
   * partial file without a record is version 1's, whose bytes counted */
  recorded = read_offset_file (self, key);
  if (recorded < 0)
    recorded = st.st_size;
  recorded = MIN (recorded, (gint64) st.st_size);
  if ((recorded < st.st_size && ftruncate (fd, recorded) != 0) ||
      !write_offset_file (self, key, recorded))
    {
      g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL,
                   "cannot open a partial upload: %s", g_strerror (errno));
      close (fd);
      return NULL;
    }

  upload = g_new0 (Upload, 1);
  upload->sha256 = g_strdup (sha256);
  upload->key = g_steal_pointer (&key);
  upload->fd = fd;
  upload->offset = recorded;
  upload->context = g_main_context_ref (self->context);
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
  g_autofree char *path = _tg_server_partial_path (self, upload->key);
  g_autofree char *offset_file = offset_path (self, upload->key);

  g_unlink (path);
  g_unlink (offset_file);
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

/* Upload thread: back to the verified offset, the active request's bytes
 * and hashes dropped (a cut, a refusal, a failed write). Not synced: the
 * next request's early handler waits for this, and the .offset file
 * already disowns those bytes should the truncation not reach the disk.
 * (A 460, which promises the client the chunk was not kept, truncates
 * and syncs on a thread of its own before the reply.) */
static void
rollback_locked (Upload *upload)
{
  gint64 offset = upload->offset;

  g_mutex_unlock (&upload->lock);
  g_clear_pointer (&upload->tentative, checksum_free);
  g_clear_pointer (&upload->chunk, checksum_free);
  if (upload->written != offset && ftruncate (upload->fd, offset) != 0)
    g_warning ("cannot truncate a partial upload: %s", g_strerror (errno));
  /* whatever is past the offset is overwritten by the next chunk, and
   * never counted: the .offset file does not vouch for it */
  if (lseek (upload->fd, offset, SEEK_SET) < 0)
    g_clear_pointer (&upload->checksum, checksum_free);
  upload->written = offset;
  g_mutex_lock (&upload->lock);
}

static gboolean upload_written_cb (gpointer data);

/* The upload thread: writes and hashes the queued chunks of one upload,
 * then rolls back when asked. */
void
_tg_server_upload_thread (gpointer data,
                          gpointer user_data)
{
  Upload *upload = data;
  GBytes *chunk;

  g_mutex_lock (&upload->lock);
  for (;;)
    {
      gboolean failed = upload->write_failed;
      gsize length;
      const guint8 *bytes;
      gboolean ok = FALSE;
      int saved = 0;

      if ((chunk = g_queue_pop_head (&upload->pending)) == NULL)
        {
          if (!upload->rollback)
            break;
          upload->rollback = FALSE;
          rollback_locked (upload);
          continue;
        }
      bytes = g_bytes_get_data (chunk, &length);
      g_mutex_unlock (&upload->lock);
      /* after a failure the rest is dropped: the client resumes */
      if (!failed && upload->tentative != NULL && upload->chunk != NULL)
        {
          ok = write_all (upload->fd, bytes, length);
          saved = errno;
          if (ok)
            {
              gnutls_hash (upload->tentative, bytes, length);
              gnutls_hash (upload->chunk, bytes, length);
              upload->written += length;
            }
          else
            g_warning ("writing a partial upload failed: %s", g_strerror (saved));
        }
      g_bytes_unref (chunk);
      g_mutex_lock (&upload->lock);
      upload->pending_bytes -= length;
      if (!ok && !failed)
        {
          upload->write_failed = TRUE;
          rollback_locked (upload);
        }
      g_cond_broadcast (&upload->cond);
    }
  upload->writing = FALSE;
  /* a request whose body is in waits for this, on the main loop */
  if (upload->waiting != NULL && upload->wake == NULL)
    {
      upload->wake = g_idle_source_new ();
      g_source_set_callback (upload->wake, upload_written_cb, upload, NULL);
      g_source_attach (upload->wake, upload->context);
    }
  g_cond_broadcast (&upload->cond);
  g_mutex_unlock (&upload->lock);
}

/* Main loop: the active request's bytes are dropped (a cut, a refusal),
 * those still queued at once, those written by the upload thread. */
static void
upload_rollback_later (Upload *upload)
{
  GBytes *chunk;

  g_mutex_lock (&upload->lock);
  while ((chunk = g_queue_pop_head (&upload->pending)))
    {
      upload->pending_bytes -= g_bytes_get_size (chunk);
      g_bytes_unref (chunk);
    }
  upload->rollback = TRUE;
  if (!upload->writing)
    {
      upload->writing = TRUE;
      g_thread_pool_push (_tg_server_upload_pool, upload, NULL);
    }
  g_mutex_unlock (&upload->lock);
  upload->received = upload->offset;
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

  if (upload->received + (gint64) length > upload->total ||
      upload->received - upload->offset + (gint64) length > req->server->config->max_chunk_bytes)
    {
      /* never read past the limit: answer now and close the connection;
       * nothing of the chunk is kept (the cut rolls it back) */
      if (upload->received + (gint64) length > upload->total)
        req->upload_error = g_strdup ("the body goes past Upload-Length");
      else
        req->upload_error = g_strdup_printf ("a chunk is limited to %" G_GINT64_FORMAT
                                             " bytes (max_chunk_bytes): send smaller chunks",
                                             req->server->config->max_chunk_bytes);
      req->upload_status = 413;
      _tg_server_respond_offset (msg, 413, _tg_server_upload_get_offset (upload), FALSE, req->upload_error);
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
  /* the rest, below a batch, is written by _tg_server_upload_drain () */
  if (start)
    g_thread_pool_push (_tg_server_upload_pool, upload, NULL);
}

void
_tg_server_message_finished_cb (SoupServerMessage *msg,
                                Request           *req)
{
  /* A dropped connection ends here without the handler: nothing of its
   * chunk counts, and the next request resumes from the verified offset. */
  if (req->upload != NULL && req->upload->active == msg && !req->upload->finishing)
    {
      req->upload->active = NULL;
      upload_rollback_later (req->upload);
    }
}

typedef struct
{
  char   *final_path;
  char   *partial;
  char   *offset_file;
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
  g_free (data->offset_file);
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
  /* left behind by a crash here, it vouches for nothing: a new partial
   * file is shorter than it says */
  g_unlink (data->offset_file);
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
      _tg_server_respond_gerror (msg, error);
      soup_server_message_unpause (msg);
      return;
    }
  /* the blob is in place; the database records it on the store thread,
   * and _tg_server_job_done () replies (still paused) */
  job = _tg_server_job_new (self, JOB_BLOB_COMPLETE, msg, req->auth);
  job->text = g_strdup (upload->sha256);
  job->size = upload->total;
  _tg_server_job_queue (job, TRUE);
}

typedef struct
{
  int     fd;
  gint64  offset;
  char   *message;
} RollbackData;

static void
rollback_data_free (RollbackData *data)
{
  g_free (data->message);
  g_free (data);
}

static void
mismatch_rollback_thread (GTask        *task,
                          gpointer      source_object,
                          gpointer      task_data,
                          GCancellable *cancellable)
{
  RollbackData *data = task_data;

  if (ftruncate (data->fd, data->offset) != 0 || fdatasync (data->fd) != 0)
    g_warning ("cannot truncate a partial upload: %s", g_strerror (errno));
  if (lseek (data->fd, data->offset, SEEK_SET) < 0)
    g_warning ("cannot seek in a partial upload: %s", g_strerror (errno));
  g_task_return_boolean (task, TRUE);
}

static void
mismatch_rollback_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  Request *req = g_object_get_data (G_OBJECT (msg), "tg-request");
  RollbackData *data = g_task_get_task_data (G_TASK (result));
  Upload *upload = req->upload;

  g_task_propagate_boolean (G_TASK (result), NULL);
  upload->finishing = FALSE;
  upload->active = NULL;
  upload->written = upload->offset;
  upload->received = upload->offset;
  _tg_server_respond_offset (msg, 460, upload->offset, FALSE, data->message);
  soup_server_message_unpause (msg);
}

/* The request's whole body arrived and is written: it counts if its
 * SHA-256 is the one its Upload-Checksum named (then, on the last byte,
 * the whole file's is checked too); otherwise nothing of it is kept.
 * @paused: the request waited for the upload thread, paused. */
static void
upload_chunk_done (TgServer          *self,
                   SoupServerMessage *msg,
                   Request           *req,
                   gboolean           paused)
{
  Upload *upload = req->upload;
  g_autofree char *digest = NULL;
  g_autoptr(GTask) task = NULL;
  guint8 got[32];
  FinishData *data;

  upload->active = NULL;
  upload->finishing = FALSE;
  if (upload->write_failed && req->upload_error == NULL)
    {
      req->upload_error = g_strdup ("the server could not store the upload");
      req->upload_status = 507;
    }
  upload->write_failed = FALSE;

  if (req->upload_error != NULL)
    {
      upload_rollback_later (upload);
      _tg_server_respond_offset (msg, req->upload_status, upload->offset, FALSE, req->upload_error);
      if (paused)
        soup_server_message_unpause (msg);
      return;
    }

  gnutls_hash_output (upload->chunk, got);
  g_clear_pointer (&upload->chunk, checksum_free);
  if (memcmp (got, upload->expected, sizeof got) != 0)
    {
      RollbackData *rollback = g_new0 (RollbackData, 1);
      g_autofree char *got64 = g_base64_encode (got, sizeof got);
      g_autofree char *expected64 = g_base64_encode (upload->expected, sizeof upload->expected);

      g_message ("a chunk of blob %s failed its checksum at byte %" G_GINT64_FORMAT,
                 upload->sha256, upload->offset);
      g_clear_pointer (&upload->tentative, checksum_free);
      rollback->fd = upload->fd;
      rollback->offset = upload->offset;
      rollback->message = g_strdup_printf ("the chunk's bytes have SHA-256 %s, not the %s of its "
                                           "Upload-Checksum; nothing of it was kept: send it again "
                                           "from byte %" G_GINT64_FORMAT,
                                           got64, expected64, upload->offset);
      /* truncate and sync off the main loop; the reply waits for it */
      upload->finishing = TRUE;
      upload->active = msg;
      if (!paused)
        soup_server_message_pause (msg);
      task = g_task_new (self, NULL, mismatch_rollback_cb, g_object_ref (msg));
      g_task_set_task_data (task, rollback, (GDestroyNotify) rollback_data_free);
      g_task_run_in_thread (task, mismatch_rollback_thread);
      return;
    }

  /* verified: the chunk counts */
  g_clear_pointer (&upload->checksum, checksum_free);
  upload->checksum = g_steal_pointer (&upload->tentative);
  g_mutex_lock (&upload->lock);
  upload->offset = upload->written;
  g_mutex_unlock (&upload->lock);
  upload->received = upload->offset;
  write_offset_file (self, upload->key, upload->offset);

  if (upload->offset < upload->total)
    {
      _tg_server_respond_offset (msg, 200, upload->offset, FALSE, NULL);
      if (paused)
        soup_server_message_unpause (msg);
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
      _tg_server_respond_offset (msg, 422, 0, FALSE, message);
      if (paused)
        soup_server_message_unpause (msg);
      return;
    }

  /* fsync and rename off the main loop */
  data = g_new0 (FinishData, 1);
  data->final_path = _tg_server_blob_path (self, upload->sha256);
  data->dir = g_path_get_dirname (data->final_path);
  data->partial = _tg_server_partial_path (self, upload->key);
  data->offset_file = offset_path (self, upload->key);
  data->fd = upload->fd;
  upload->fd = -1;
  upload->finishing = TRUE;
  upload->active = msg;

  if (!paused)
    soup_server_message_pause (msg);
  task = g_task_new (self, NULL, finish_upload_cb, g_object_ref (msg));
  g_task_set_task_data (task, data, (GDestroyNotify) finish_data_free);
  g_task_run_in_thread (task, finish_upload_thread);
}

/* Main loop: the upload thread has written what the waiting request
 * brought. */
static gboolean
upload_written_cb (gpointer data)
{
  Upload *upload = data;
  SoupServerMessage *msg;
  Request *req;

  g_mutex_lock (&upload->lock);
  msg = g_steal_pointer (&upload->waiting);
  g_clear_pointer (&upload->wake, g_source_unref);
  g_mutex_unlock (&upload->lock);
  if (msg == NULL)
    return G_SOURCE_REMOVE;
  req = g_object_get_data (G_OBJECT (msg), "tg-request");
  upload_chunk_done (req->server, msg, req, TRUE);
  g_object_unref (msg);
  return G_SOURCE_REMOVE;
}

/* The request's whole body arrived. What is still queued for the upload
 * thread (up to UPLOAD_QUEUE_BYTES, written and hashed twice) is waited
 * for with the request paused, not by the main loop. */
void
_tg_server_handle_upload (TgServer          *self,
                          SoupServerMessage *msg,
                          Request           *req)
{
  Upload *upload = req->upload;

  g_mutex_lock (&upload->lock);
  upload_flush_locked (upload);
  if (upload->writing)
    {
      /* still its request: no other starts, and a cut now changes
       * nothing (the chunk is whole) */
      upload->finishing = TRUE;
      upload->waiting = g_object_ref (msg);
      soup_server_message_pause (msg);
      g_mutex_unlock (&upload->lock);
      return;
    }
  g_mutex_unlock (&upload->lock);
  upload_chunk_done (self, msg, req, FALSE);
}

/* Everything about an upload that can be refused before the body is read. */
void
_tg_server_early_upload (TgServer          *self,
                         SoupServerMessage *msg,
                         Request           *req,
                         GHashTable        *query)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GError) error = NULL;
  const char *offset_str, *length_str, *checksum_str;
  guint8 expected[32];
  gint64 offset, total, size;
  goffset content_length;
  Upload *upload;

  /* sync protocol 2: every request's body is a chunk checked against its
   * SHA-256; a client of version 1 sends none and is told to update */
  checksum_str = soup_message_headers_get_one (headers, "Upload-Checksum");
  if (checksum_str == NULL)
    {
      _tg_server_respond_error (msg, 400, "every upload to this server requires Upload-Checksum "
                                          "(sync protocol 2): update Testigo to send files to it");
      return;
    }
  if (!tg_server_decode_upload_checksum (checksum_str, expected, &error))
    {
      _tg_server_respond_gerror (msg, error);
      return;
    }

  /* who may see it first, then whether it is there, and only for a
   * holder: no other answer depends on another account's files */
  if (!tg_server_store_blob_visible (self->reader, req->auth, req->sha256))
    {
      _tg_server_respond_error (msg, 404, "no revision you can see refers to this blob");
      _tg_server_audit_probe (self, req, "upload refused (404)");
      return;
    }
  if (tg_server_store_blob_held (self->reader, req->auth, req->sha256) &&
      _tg_server_blob_is_complete (self, req->sha256, &size))
    {
      _tg_server_respond_offset (msg, 200, size, TRUE, NULL);
      return;
    }

  offset_str = query ? g_hash_table_lookup (query, "offset") : NULL;
  length_str = soup_message_headers_get_one (headers, "Upload-Length");
  if (offset_str == NULL)
    {
      _tg_server_respond_error (msg, 400, "the \"offset\" query parameter is missing");
      return;
    }
  if (length_str == NULL)
    {
      _tg_server_respond_error (msg, 400, "the Upload-Length header (the blob's total size) is missing");
      return;
    }
  if (!tg_server_decode_offset (offset_str, &offset, &error) ||
      !tg_server_decode_offset (length_str, &total, &error))
    {
      _tg_server_respond_gerror (msg, error);
      return;
    }
  if (total > self->config->max_blob_bytes)
    {
      g_autofree char *message = g_strdup_printf ("blobs are limited to %" G_GINT64_FORMAT " bytes",
                                                  self->config->max_blob_bytes);
      _tg_server_respond_error (msg, 413, message);
      return;
    }
  if (offset > total)
    {
      _tg_server_respond_error (msg, 400, "\"offset\" is past Upload-Length");
      return;
    }
  content_length = soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
                   ? soup_message_headers_get_content_length (headers) : -1;
  if (content_length >= 0 && offset + content_length > total)
    {
      _tg_server_respond_error (msg, 413, "the body goes past Upload-Length");
      return;
    }
  /* a chunked body is counted as it arrives (upload_got_chunk_cb) */
  if (content_length > self->config->max_chunk_bytes)
    {
      g_autofree char *message = g_strdup_printf ("a chunk is limited to %" G_GINT64_FORMAT
                                                  " bytes (max_chunk_bytes): send smaller chunks",
                                                  self->config->max_chunk_bytes);
      _tg_server_respond_error (msg, 413, message);
      return;
    }

  if (!(upload = get_upload (self, req->sha256, req->auth, &error)))
    {
      _tg_server_respond_gerror (msg, error);
      return;
    }
  if (upload->active != NULL)
    {
      char seconds[16];

      /* The other connection may be one its client has lost without a
       * word (a killed app, a dropped mobile link): the server lets it go
       * when it brings too little for body-timeout. Say when to try
       * again, so that the client does not send the chunk over and over. */
      g_snprintf (seconds, sizeof seconds, "%u", MAX (self->config->body_timeout, 1));
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", seconds);
      _tg_server_respond_offset (msg, 409, _tg_server_upload_get_offset (upload), FALSE, "another upload of this blob is in progress");
      return;
    }
  /* chunks of a dropped connection may still be on their way to disk */
  _tg_server_upload_drain (upload);
  upload->write_failed = FALSE;
  if (upload->total != 0 && upload->total != total)
    {
      /* a different size for the same hash: start again */
      if (ftruncate (upload->fd, 0) == 0)
        {
          upload->offset = 0;
          g_clear_pointer (&upload->checksum, checksum_free);
          write_offset_file (self, upload->key, 0);
        }
    }
  if (offset != upload->offset)
    {
      g_autofree char *message = g_strdup_printf ("the upload is at byte %" G_GINT64_FORMAT
                                                  "; send from there", upload->offset);
      _tg_server_respond_offset (msg, 409, upload->offset, FALSE, message);
      return;
    }
  if (!ensure_checksum (upload, &error) ||
      lseek (upload->fd, upload->offset, SEEK_SET) < 0)
    {
      if (error == NULL)
        g_set_error (&error, TG_SERVER_ERROR, TG_SERVER_ERROR_INTERNAL, "seek failed");
      _tg_server_respond_gerror (msg, error);
      return;
    }

  /* this request's bytes are hashed on their own and into a copy of the
   * file's checksum, which replaces it only if they are the right ones */
  g_clear_pointer (&upload->tentative, checksum_free);
  g_clear_pointer (&upload->chunk, checksum_free);
  upload->tentative = gnutls_hash_copy (upload->checksum);
  if (upload->tentative == NULL || gnutls_hash_init (&upload->chunk, GNUTLS_DIG_SHA256) < 0)
    {
      upload->chunk = NULL;
      g_clear_pointer (&upload->tentative, checksum_free);
      _tg_server_respond_error (msg, 500, "internal server error");
      return;
    }
  memcpy (upload->expected, expected, sizeof expected);
  upload->written = upload->offset;
  upload->total = total;
  upload->received = upload->offset;
  upload->active = msg;
  req->upload = upload;
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (upload_got_chunk_cb), req);
}
