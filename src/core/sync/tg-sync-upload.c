/* tg-sync-upload.c — resumable chunked blob uploads (sync protocol 2)
 *
 * Ask the server's offset, then PUT the rest one chunk per request, each
 * with Upload-Checksum (SHA-256 of the chunk, base64) so the server keeps
 * a chunk only when all of it arrived intact. The file is read chunk by
 * chunk from the blob store: memory is one chunk whatever the file's size.
 * 460 (the chunk arrived damaged) resends it; 409 (not the server's
 * offset) asks again and goes on from there, unless it says the server is
 * still taking this file over another connection (Retry-After): then the
 * file waits for a later sync; 422 (the whole file did not hash to its
 * name) starts once more from 0. Each of these is bounded.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-sync"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "tg-blob-store.h"
#include "tg-sync-private.h"
#include "tg-sha256.h"

#define MAX_RESENDS    3   /* 460 for the same chunk */
#define MAX_REOFFSETS  5   /* 409 in one upload */
#define MAX_RESTARTS   1   /* 422 in one upload */

char *
tg_sync_upload_checksum (gconstpointer data,
                         gsize         length)
{
  TgSha256 sha;
  guint8 digest[32];
  g_autofree char *b64 = NULL;

  tg_sha256_init (&sha);
  tg_sha256_update (&sha, data, length);
  sha256_digest (&sha.ctx, sizeof digest, digest);
  b64 = g_base64_encode (digest, sizeof digest);
  return g_strconcat ("sha256 ", b64, NULL);
}

static gboolean
ask_offset (const TgSyncUpload  *upload,
            gint64              *offset,
            gboolean            *complete,
            guint               *retry_after_s,
            GCancellable        *cancellable,
            GError             **error)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/blobs/%s/upload", upload->sha256);
  g_autoptr(JsonNode) root = NULL;
  TgSyncReply reply = { 0 };

  root = tg_sync_client_call_json (upload->client, upload->target, "GET", path, NULL,
                                   &reply, retry_after_s, cancellable, error);
  tg_sync_reply_clear (&reply);
  return root && tg_sync_wire_decode_offset (root, offset, complete, error);
}

/* The offset a 409 or 460 reply names, from its body or Upload-Offset. */
static gboolean
reply_offset (const TgSyncReply *reply,
              gint64            *offset)
{
  g_autoptr(JsonNode) root = tg_sync_wire_parse (reply->body, NULL);
  gboolean complete;
  const char *header;

  if (root && tg_sync_wire_decode_offset (root, offset, &complete, NULL))
    return TRUE;
  header = reply->headers ? soup_message_headers_get_one (reply->headers, "Upload-Offset") : NULL;
  if (header)
    {
      guint64 value;

      if (g_ascii_string_to_unsigned (header, 10, 0, G_MAXINT64, &value, NULL))
        {
          *offset = (gint64) value;
          return TRUE;
        }
    }
  return FALSE;
}

/* A 409 that says "busy", not "wrong offset": the server adds Retry-After
 * (protocol 2), and an older one names the very offset that was sent. */
static gboolean
is_busy (const TgSyncReply *reply,
         gint64             sent_offset,
         guint             *retry_after_s)
{
  const char *header = reply->headers ? soup_message_headers_get_one (reply->headers, "Retry-After") : NULL;
  gint64 named = -1;
  guint64 seconds = 0;

  if (header == NULL && !(reply_offset (reply, &named) && named == sent_offset))
    return FALSE;
  if (header == NULL || !g_ascii_string_to_unsigned (header, 10, 1, 3600, &seconds, NULL))
    seconds = 10;
  *retry_after_s = (guint) seconds;
  return TRUE;
}

static gboolean
read_chunk (GInputStream  *stream,
            gint64         offset,
            guint8        *buffer,
            gsize          length,
            GCancellable  *cancellable,
            GError       **error)
{
  gsize got = 0;

  if (!g_seekable_seek (G_SEEKABLE (stream), offset, G_SEEK_SET, cancellable, error))
    return FALSE;
  if (!g_input_stream_read_all (stream, buffer, length, &got, cancellable, error))
    return FALSE;
  if (got != length)
    {
      /* the file is shorter than the store says: it was damaged or cut */
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "the file is shorter than its recorded size");
      return FALSE;
    }
  return TRUE;
}

gboolean
tg_sync_upload_run (const TgSyncUpload  *upload,
                    TgSyncUploadResult  *result,
                    GCancellable        *cancellable,
                    GError             **error)
{
  g_autofree char *size_text = g_strdup_printf ("%" G_GINT64_FORMAT, upload->size);
  g_autoptr(GInputStream) stream = NULL;
  g_autofree guint8 *buffer = NULL;
  gsize chunk_size = MAX (upload->chunk_size, 1024);
  guint n_resends = 0, n_reoffsets = 0, n_restarts = 0;
  gint64 offset = 0;
  gboolean complete = FALSE;

  memset (result, 0, sizeof *result);
  if (!ask_offset (upload, &offset, &complete, &result->retry_after_s, cancellable, error))
    return FALSE;
  if (complete)
    {
      result->complete = TRUE;
      return TRUE;
    }
  result->resumed_from = offset;

  /* through the blob store: an encrypted blob is decrypted as it is sent */
  stream = upload->blobs ? tg_blob_store_read (upload->blobs, upload->sha256, cancellable, error)
                         : G_INPUT_STREAM (g_file_read (upload->file, cancellable, error));
  if (stream == NULL)
    return FALSE;
  buffer = g_malloc (MIN ((gint64) chunk_size, MAX (upload->size, 1)));

  for (;;)
    {
      g_autofree char *path = NULL, *checksum = NULL, *offset_text = NULL;
      g_autoptr(GBytes) body = NULL;
      TgSyncReply reply = { 0 };
      gsize length;
      gint64 next = offset;
      gboolean done = FALSE;

      if (offset > upload->size)
        {
          g_propagate_error (error, tg_sync_wire_protocol_error ("the server's upload offset is past the file's end"));
          return FALSE;
        }
      length = (gsize) MIN ((gint64) chunk_size, upload->size - offset);
      if (!read_chunk (stream, offset, buffer, length, cancellable, error))
        return FALSE;

      checksum = tg_sync_upload_checksum (buffer, length);
      offset_text = g_strdup_printf ("%" G_GINT64_FORMAT, offset);
      path = g_strdup_printf ("/api/v1/blobs/%s?offset=%s", upload->sha256, offset_text);
      body = g_bytes_new (buffer, length);
      {
        const char *headers[] = { "Upload-Length", size_text, "Upload-Checksum", checksum, NULL };

        gboolean sent = tg_sync_client_send (upload->client, upload->target, "PUT", path,
                                             "application/octet-stream", body, headers, &reply,
                                             cancellable, error);

        /* what left, even when the connection was cut under it */
        result->bytes_sent += reply.body_bytes_written;
        if (!sent)
          {
            tg_sync_reply_clear (&reply);
            return FALSE;
          }
      }
      result->uploaded = TRUE;

      switch (reply.status)
        {
        case 200:
        case 201:
          {
            g_autoptr(JsonNode) root = tg_sync_wire_parse (reply.body, error);

            if (root == NULL || !tg_sync_wire_decode_offset (root, &next, &complete, error))
              {
                tg_sync_reply_clear (&reply);
                return FALSE;
              }
            if (complete)
              done = TRUE;
            else if (next <= offset && length > 0)
              {
                tg_sync_reply_clear (&reply);
                g_propagate_error (error, tg_sync_wire_protocol_error ("the upload did not advance"));
                return FALSE;
              }
            n_resends = 0;
          }
          break;

        case 460:
          /* the chunk arrived damaged: the server kept nothing of it */
          if (++n_resends > MAX_RESENDS)
            {
              tg_sync_reply_clear (&reply);
              g_set_error_literal (error, TG_SYNC_ERROR, TG_SYNC_ERROR_NETWORK,
                                   _("A file kept arriving damaged at the server. The connection "
                                     "may be faulty; Testigo will try again later."));
              return FALSE;
            }
          result->n_resent_chunks++;
          if (!reply_offset (&reply, &next))
            next = offset;
          break;

        case 409:
          if (is_busy (&reply, offset, &result->retry_after_s))
            {
              /* another connection of this account is still sending this
               * file (one cut without a word reaches the server only when
               * its time runs out): sending again now would be refused the
               * same way and waste the link */
              tg_sync_reply_clear (&reply);
              g_set_error_literal (error, TG_SYNC_ERROR, TG_SYNC_ERROR_BUSY,
                                   _("The server is still receiving this file over an earlier "
                                     "connection; it will be sent in a later sync."));
              return FALSE;
            }
          if (++n_reoffsets > MAX_REOFFSETS || !reply_offset (&reply, &next))
            {
              g_propagate_error (error, tg_sync_error_from_reply (&reply, NULL));
              tg_sync_reply_clear (&reply);
              return FALSE;
            }
          break;

        case 422:
          if (++n_restarts > MAX_RESTARTS)
            {
              tg_sync_reply_clear (&reply);
              g_set_error_literal (error, TG_SYNC_ERROR, TG_SYNC_ERROR_PROTOCOL,
                                   _("A file on this laptop does not match its recorded fingerprint "
                                     "and was not sent. It may be damaged on disk."));
              return FALSE;
            }
          next = 0;
          break;

        default:
          g_propagate_error (error, tg_sync_error_from_reply (&reply, &result->retry_after_s));
          tg_sync_reply_clear (&reply);
          return FALSE;
        }
      tg_sync_reply_clear (&reply);

      if (done)
        {
          result->complete = TRUE;
          return TRUE;
        }
      offset = next;
      if (upload->progress)
        upload->progress (offset, upload->progress_data);
    }
}
