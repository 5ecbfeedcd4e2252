/* test-crypt-blob.c — encrypted blobs and thumbnails
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE 1   /* memmem */
#include "config.h"

#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gexiv2/gexiv2.h>
#include <glib/gstdio.h>

#include "tg-blob-store.h"
#include "tg-crypt-stream.h"
#include "tg-sha256.h"
#include "tg-source.h"
#include "tg-source-import.h"
#include "tg-test-common.h"
#include "tg-types.h"
#include "tg-vault.h"
#include "tg-vault-private.h"

#define PASS "correct horse battery staple"

typedef struct
{
  char        *dir;
  char        *blob_dir;
  TgVault     *vault;
  TgBlobStore *blobs;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = tg_test_make_tmp_dir ("testigo-crypt-blob-XXXXXX");
  f->blob_dir = g_build_filename (f->dir, "blobs", NULL);
  f->vault = tg_vault_new (f->dir);
  tg_vault_set_kdf_limits (f->vault, 1, 8 * 1024 * 1024);
  g_assert_true (tg_vault_create (f->vault, PASS, NULL, &error));
  g_assert_no_error (error);
  f->blobs = tg_blob_store_new (f->blob_dir);
  tg_blob_store_set_vault (f->blobs, f->vault);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->blobs);
  g_clear_object (&f->vault);
  tg_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->blob_dir);
}

/* Deterministic bytes that do not compress: a marker every 4 KiB, so a
 * plain copy would be found by a scan. */
static GBytes *
make_content (gsize   size,
              guint32 seed)
{
  guint8 *data = g_malloc (size);
  GRand *rand = g_rand_new_with_seed (seed);

  for (gsize i = 0; i < size; i += 4)
    {
      guint32 v = g_rand_int (rand);

      memcpy (data + i, &v, MIN (4, size - i));
    }
  for (gsize i = 0; i + 16 <= size; i += 4096)
    memcpy (data + i, "PLAINTEXT-MARKER", 16);
  g_rand_free (rand);
  return g_bytes_new_take (data, size);
}

static char *
stored_path (Fixture    *f,
             const char *sha256)
{
  g_autoptr(GFile) file = tg_blob_store_get_file (f->blobs, sha256);

  return g_file_get_path (file);
}

static GBytes *
read_stream (GInputStream  *in,
             GError       **error)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();
  guint8 buffer[10000];   /* not a multiple of the chunk */

  for (;;)
    {
      gssize n = g_input_stream_read (in, buffer, sizeof buffer, NULL, error);

      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      g_byte_array_append (data, buffer, n);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

static GBytes *
read_blob (Fixture     *f,
           const char  *sha256,
           GError     **error)
{
  g_autoptr(GInputStream) in = tg_blob_store_read (f->blobs, sha256, NULL, error);

  if (in == NULL)
    return NULL;
  return read_stream (in, error);
}

static TgBlobInfo *
import (Fixture *f,
        GBytes  *content,
        const char *name)
{
  g_autoptr(GError) error = NULL;
  TgBlobInfo *info = tg_blob_store_import_bytes (f->blobs, content, name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (info);
  return info;
}

/* ------------------------------------------------------------------------- */

static void
test_sizes (void)
{
  static const gint64 sizes[] = {
    0, 1, TG_CRYPT_CHUNK - 1, TG_CRYPT_CHUNK, TG_CRYPT_CHUNK + 1, 3 * TG_CRYPT_CHUNK,
    (gint64) 4 << 30,
  };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    g_assert_cmpint (tg_crypt_plain_size (tg_crypt_encrypted_size (sizes[i])), ==, sizes[i]);
  /* A file cut at a chunk's end fits no plain size. */
  g_assert_cmpint (tg_crypt_plain_size (tg_crypt_encrypted_size (2 * TG_CRYPT_CHUNK) -
                                        TG_CRYPT_OVERHEAD), ==, -1);
  g_assert_cmpint (tg_crypt_plain_size (10), ==, -1);
}

static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  static const gsize sizes[] = {
    0, 1, 100, TG_CRYPT_CHUNK - 1, TG_CRYPT_CHUNK, TG_CRYPT_CHUNK + 1, 5 * TG_CRYPT_CHUNK + 77,
  };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GBytes) content = make_content (sizes[i], i);
      g_autoptr(TgBlobInfo) info = import (f, content, "file.bin");
      g_autofree char *expected = tg_sha256_hex (g_bytes_get_data (content, NULL), sizes[i]);
      g_autofree char *path = stored_path (f, tg_blob_info_get_sha256 (info));
      g_autoptr(GBytes) stored = NULL;
      g_autoptr(GBytes) back = NULL;
      g_autoptr(GError) error = NULL;

      /* The name is the plain content's hash; the file is not the content. */
      g_assert_cmpstr (tg_blob_info_get_sha256 (info), ==, expected);
      g_assert_cmpint (tg_blob_info_get_size (info), ==, sizes[i]);
      {
        char *contents = NULL;
        gsize len = 0;

        g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
        g_clear_pointer (&stored, g_bytes_unref);
        stored = g_bytes_new_take (contents, len);
      }
      g_assert_cmpint (g_bytes_get_size (stored), ==, tg_crypt_encrypted_size (sizes[i]));
      g_assert_true (tg_crypt_is_encrypted (g_bytes_get_data (stored, NULL), g_bytes_get_size (stored)));
      g_assert_null (memmem (g_bytes_get_data (stored, NULL), g_bytes_get_size (stored),
                             "PLAINTEXT-MARKER", 16));
      g_assert_true (tg_blob_store_is_encrypted (f->blobs, expected));
      g_assert_cmpint (tg_blob_store_get_size (f->blobs, expected), ==, sizes[i]);

      back = read_blob (f, expected, &error);
      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (back, content));
      g_assert_true (tg_blob_store_verify (f->blobs, expected, NULL, &error));
      g_assert_no_error (error);
    }
}

/* A file much larger than any buffer goes in and comes back streamed:
 * the peak memory grows by a few chunks, not by the file. */
static void
test_large_streamed (Fixture       *f,
                     gconstpointer  data)
{
  const gsize mib = 192;
  g_autofree char *source = g_build_filename (f->dir, "video.mp4", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (source);
  g_autoptr(TgBlobInfo) info = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *buffer = g_malloc (1024 * 1024);
  char expected[TG_SHA256_HEX_LENGTH + 1], actual[TG_SHA256_HEX_LENGTH + 1];
  TgSha256 sha;
  gint64 before, growth;
  FILE *out;

  /* written 1 MiB at a time, hashed on the way */
  out = fopen (source, "wb");
  g_assert_nonnull (out);
  tg_sha256_init (&sha);
  for (gsize i = 0; i < mib; i++)
    {
      for (gsize j = 0; j < 1024 * 1024; j += 8)
        {
          guint64 v = (i << 40) ^ (j * 0x9E3779B97F4A7C15ULL);

          memcpy (buffer + j, &v, 8);
        }
      memcpy (buffer, "PLAINTEXT-MARKER", 16);
      tg_sha256_update (&sha, buffer, 1024 * 1024);
      g_assert_cmpint (fwrite (buffer, 1, 1024 * 1024, out), ==, 1024 * 1024);
    }
  g_assert_cmpint (fclose (out), ==, 0);
  tg_sha256_finish_hex (&sha, expected);

  before = tg_test_peak_rss_kib ();
  info = tg_blob_store_import_file (f->blobs, file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tg_blob_info_get_sha256 (info), ==, expected);
  g_unlink (source);

  in = tg_blob_store_read (f->blobs, expected, NULL, &error);
  g_assert_no_error (error);
  tg_sha256_init (&sha);
  for (;;)
    {
      gssize n = g_input_stream_read (in, buffer, 1024 * 1024, NULL, &error);

      g_assert_no_error (error);
      if (n == 0)
        break;
      tg_sha256_update (&sha, buffer, n);
    }
  tg_sha256_finish_hex (&sha, actual);
  g_assert_cmpstr (actual, ==, expected);
  growth = tg_test_peak_rss_kib () - before;
  g_test_message ("%zu MiB in and out encrypted: peak memory (VmHWM) %" G_GINT64_FORMAT
                  " KiB before, %" G_GINT64_FORMAT " KiB after (+%" G_GINT64_FORMAT " KiB)",
                  mib, before, before + growth, growth);
  g_assert_cmpint (growth, <, 32 * 1024);
}

static void
rewrite (const char   *path,
         const guint8 *data,
         gsize         len)
{
  g_chmod (path, 0600);
  g_assert_true (g_file_set_contents (path, (const char *) data, len, NULL));
}

static void
expect_read_error (Fixture    *f,
                   const char *sha256,
                   int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) back = read_blob (f, sha256, &error);

  g_assert_null (back);
  g_assert_error (error, TG_VAULT_ERROR, code);
  g_clear_error (&error);
  g_assert_false (tg_blob_store_verify (f->blobs, sha256, NULL, &error));
  g_assert_nonnull (error);
}

static void
test_tamper (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GBytes) content = make_content (3 * TG_CRYPT_CHUNK + 500, 7);
  g_autoptr(GBytes) other_content = make_content (1000, 8);
  g_autoptr(TgBlobInfo) info = import (f, content, "a.bin");
  g_autoptr(TgBlobInfo) other = import (f, other_content, "b.bin");
  const char *sha = tg_blob_info_get_sha256 (info);
  g_autofree char *path = stored_path (f, sha);
  g_autofree char *other_path = stored_path (f, tg_blob_info_get_sha256 (other));
  g_autofree guint8 *good = NULL;
  g_autofree guint8 *bad = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, (char **) &good, &len, NULL));
  bad = g_memdup2 (good, len + 100);

  /* a flipped bit in the middle chunk */
  bad[TG_CRYPT_HEADER_LEN + TG_CRYPT_CHUNK + 17 + 1000] ^= 0x01;
  rewrite (path, bad, len);
  expect_read_error (f, sha, TG_VAULT_ERROR_TAMPERED);
  memcpy (bad, good, len);

  /* a flipped bit in the stream header */
  bad[12] ^= 0x40;
  rewrite (path, bad, len);
  expect_read_error (f, sha, TG_VAULT_ERROR_TAMPERED);
  memcpy (bad, good, len);

  /* cut inside the header */
  rewrite (path, bad, TG_CRYPT_HEADER_LEN - 5);
  expect_read_error (f, sha, TG_VAULT_ERROR_TRUNCATED);

  /* cut inside the last chunk: what is left fails its check */
  rewrite (path, bad, len - 10);
  expect_read_error (f, sha, TG_VAULT_ERROR_TAMPERED);

  /* cut after a whole chunk: the last one is missing, with its end mark */
  rewrite (path, bad, TG_CRYPT_HEADER_LEN + 3 * (TG_CRYPT_CHUNK + 17));
  expect_read_error (f, sha, TG_VAULT_ERROR_TRUNCATED);

  /* cut to the two full chunks plus a plausible tail */
  rewrite (path, bad, TG_CRYPT_HEADER_LEN + 2 * (TG_CRYPT_CHUNK + 17) + 517);
  expect_read_error (f, sha, TG_VAULT_ERROR_TAMPERED);

  /* another blob's file under this name: bound to its own hash */
  {
    g_autofree char *other_bytes = NULL;
    gsize other_len = 0;

    g_assert_true (g_file_get_contents (other_path, &other_bytes, &other_len, NULL));
    rewrite (path, (const guint8 *) other_bytes, other_len);
    expect_read_error (f, sha, TG_VAULT_ERROR_TAMPERED);
  }

  /* put back, it reads */
  rewrite (path, good, len);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) back = read_blob (f, sha, &error);

    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (back, content));
  }
}

static void
test_locked (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GBytes) content = make_content (4 * TG_CRYPT_CHUNK, 9);
  g_autoptr(TgBlobInfo) info = import (f, content, "a.bin");
  const char *sha = tg_blob_info_get_sha256 (info);
  g_autoptr(GInputStream) open_stream = NULL;
  g_autoptr(GError) error = NULL;
  guint8 buffer[1000];

  open_stream = tg_blob_store_read (f->blobs, sha, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_input_stream_read (open_stream, buffer, sizeof buffer, NULL, &error), ==, sizeof buffer);

  tg_vault_lock (f->vault);

  /* Nothing new opens... */
  g_assert_null (tg_blob_store_read (f->blobs, sha, NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_LOCKED);
  g_clear_error (&error);
  /* ...an open stream stops at its next chunk... */
  g_assert_cmpint (g_input_stream_skip (open_stream, TG_CRYPT_CHUNK, NULL, &error), ==, -1);
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_LOCKED);
  g_clear_error (&error);
  /* ...and nothing is written. */
  {
    g_autoptr(GBytes) more = make_content (100, 10);
    g_autofree char *sha_more = tg_sha256_hex (g_bytes_get_data (more, NULL), 100);

    g_assert_null (tg_blob_store_import_bytes (f->blobs, more, "c.bin", &error));
    g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_LOCKED);
    g_clear_error (&error);
    g_assert_false (tg_blob_store_contains (f->blobs, sha_more));
  }

  /* Unlocked again, a new stream reads; the stopped one stays stopped. */
  g_assert_true (tg_vault_unlock (f->vault, PASS, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_input_stream_read (open_stream, buffer, sizeof buffer, NULL, &error), ==, -1);
  g_clear_error (&error);
  {
    g_autoptr(GBytes) back = read_blob (f, sha, &error);

    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (back, content));
  }
}

static void
test_seek (Fixture       *f,
           gconstpointer  data)
{
  gsize size = 40 * TG_CRYPT_CHUNK + 1234;
  g_autoptr(GBytes) content = make_content (size, 11);
  g_autoptr(TgBlobInfo) info = import (f, content, "a.bin");
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *plain = g_bytes_get_data (content, NULL);
  GRand *rand = g_rand_new_with_seed (42);
  guint8 buffer[3000];

  in = tg_blob_store_read (f->blobs, tg_blob_info_get_sha256 (info), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_seekable_can_seek (G_SEEKABLE (in)));

  for (guint i = 0; i < 200; i++)
    {
      goffset at = g_rand_int_range (rand, 0, size);
      gsize got = 0;

      g_assert_true (g_seekable_seek (G_SEEKABLE (in), at, G_SEEK_SET, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (g_seekable_tell (G_SEEKABLE (in)), ==, at);
      g_assert_true (g_input_stream_read_all (in, buffer, sizeof buffer, &got, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (got, ==, MIN (sizeof buffer, size - at));
      g_assert_cmpmem (buffer, got, plain + at, got);
    }
  /* to the end, and past it */
  g_assert_true (g_seekable_seek (G_SEEKABLE (in), 0, G_SEEK_END, NULL, &error));
  g_assert_cmpint (g_input_stream_read (in, buffer, sizeof buffer, NULL, &error), ==, 0);
  g_assert_false (g_seekable_seek (G_SEEKABLE (in), 1, G_SEEK_END, NULL, &error));
  g_clear_error (&error);
  g_rand_free (rand);
}

static GBytes *
make_photo (double lat,
            double lon)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 640, 480);
  g_autoptr(GExiv2Metadata) meta = gexiv2_metadata_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  char *jpeg = NULL;
  gsize len = 0;
  int fd;

  gdk_pixbuf_fill (pixbuf, 0x8844ccff);
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &jpeg, &len, "jpeg", &error, NULL));
  g_assert_no_error (error);

  /* gexiv2 writes to files: a temporary one in the test's own folder */
  fd = g_file_open_tmp ("testigo-photo-XXXXXX.jpg", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, jpeg, len, NULL));
  g_free (jpeg);
  g_assert_true (gexiv2_metadata_open_path (meta, path, &error));
  g_assert_no_error (error);
  g_assert_true (gexiv2_metadata_try_set_gps_info (meta, lon, lat, 1200.0, &error));
  g_assert_no_error (error);
  gexiv2_metadata_try_set_tag_string (meta, "Exif.Image.Model", "PlantedCam 9000", &error);
  g_assert_no_error (error);
  g_assert_true (gexiv2_metadata_save_file (meta, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &jpeg, &len, NULL));
  g_unlink (path);
  return g_bytes_new_take (jpeg, len);
}

static void
test_photo (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GBytes) photo = make_photo (-12.04637, -77.04279);
  g_autoptr(TgBlobInfo) info = import (f, photo, "foto.jpg");
  const char *thumb = tg_blob_info_get_thumbnail_sha256 (info);
  g_autofree char *thumb_path = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) png_in = NULL;
  g_autoptr(GdkPixbuf) decoded = NULL;
  char *stored = NULL;
  gsize len = 0;

  /* Metadata read through decryption, in memory. */
  g_assert_cmpfloat_with_epsilon (tg_blob_info_get_latitude (info), -12.04637, 1e-4);
  g_assert_cmpfloat_with_epsilon (tg_blob_info_get_longitude (info), -77.04279, 1e-4);
  g_assert_cmpstr (tg_blob_info_get_camera (info), ==, "PlantedCam 9000");

  /* The thumbnail is there, encrypted, and decodes from memory. */
  g_assert_nonnull (thumb);
  g_assert_true (tg_blob_store_is_encrypted (f->blobs, thumb));
  thumb_path = stored_path (f, thumb);
  g_assert_true (g_file_get_contents (thumb_path, &stored, &len, NULL));
  g_assert_null (memmem (stored, len, "\x89PNG", 4));
  g_free (stored);
  png = tg_blob_store_load_bytes (f->blobs, thumb, 1024 * 1024, NULL, &error);
  g_assert_no_error (error);
  png_in = g_memory_input_stream_new_from_bytes (png);
  decoded = gdk_pixbuf_new_from_stream (png_in, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (decoded), ==, 256);
  g_assert_cmpint (gdk_pixbuf_get_height (decoded), ==, 192);

  /* Too large for the caller's limit: refused, not truncated. */
  g_assert_null (tg_blob_store_load_bytes (f->blobs, tg_blob_info_get_sha256 (info), 100, NULL, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
}

static void
test_plain_store (void)
{
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-plain-blob-XXXXXX");
  g_autoptr(TgBlobStore) blobs = tg_blob_store_new (dir);
  g_autoptr(GBytes) content = make_content (2 * TG_CRYPT_CHUNK + 3, 12);
  g_autoptr(GError) error = NULL;
  g_autoptr(TgBlobInfo) info = tg_blob_store_import_bytes (blobs, content, "a.bin", &error);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GInputStream) in = NULL;
  char *stored = NULL;
  gsize len = 0;

  /* Without a vault: the file is the content, as before. */
  g_assert_no_error (error);
  file = tg_blob_store_get_file (blobs, tg_blob_info_get_sha256 (info));
  g_assert_true (g_file_get_contents (g_file_peek_path (file), &stored, &len, NULL));
  g_assert_cmpmem (stored, len, g_bytes_get_data (content, NULL), g_bytes_get_size (content));
  g_free (stored);
  g_assert_false (tg_blob_store_is_encrypted (blobs, tg_blob_info_get_sha256 (info)));
  in = tg_blob_store_read (blobs, tg_blob_info_get_sha256 (info), NULL, &error);
  g_assert_no_error (error);
  back = read_stream (in, &error);
  g_assert_true (g_bytes_equal (back, content));
  g_assert_cmpint (tg_blob_store_get_size (blobs, tg_blob_info_get_sha256 (info)), ==,
                   g_bytes_get_size (content));
  tg_test_rm_rf (dir);
}

static void
test_encrypt_in_place (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GBytes) content = make_content (3 * TG_CRYPT_CHUNK + 9, 13);
  g_autoptr(TgBlobInfo) info = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;
  const char *sha;

  /* imported while the store had no vault: plain */
  tg_blob_store_set_vault (f->blobs, NULL);
  info = import (f, content, "old.bin");
  sha = tg_blob_info_get_sha256 (info);
  g_assert_false (tg_blob_store_encrypt_in_place (f->blobs, sha, NULL, &error));
  g_assert_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_LOCKED);
  g_clear_error (&error);

  tg_blob_store_set_vault (f->blobs, f->vault);
  g_assert_false (tg_blob_store_is_encrypted (f->blobs, sha));
  /* the plain one still reads meanwhile */
  back = read_blob (f, sha, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (back, content));
  g_clear_pointer (&back, g_bytes_unref);

  g_assert_true (tg_blob_store_encrypt_in_place (f->blobs, sha, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tg_blob_store_is_encrypted (f->blobs, sha));
  g_assert_true (tg_blob_store_encrypt_in_place (f->blobs, sha, NULL, &error));
  back = read_blob (f, sha, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (back, content));
  g_assert_true (tg_blob_store_verify (f->blobs, sha, NULL, &error));
  g_assert_no_error (error);
}

static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GBytes) content = make_content (2 * TG_CRYPT_CHUNK + 1, 14);
  g_autoptr(TgBlobInfo) info = import (f, content, "a.bin");
  g_autofree char *dest_path = g_build_filename (f->dir, "exported.bin", NULL);
  g_autoptr(GFile) dest = g_file_new_for_path (dest_path);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_assert_true (tg_blob_store_export (f->blobs, tg_blob_info_get_sha256 (info), dest, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (dest_path, &contents, &len, NULL));
  g_assert_cmpmem (contents, len, g_bytes_get_data (content, NULL), g_bytes_get_size (content));
  g_free (contents);
}

static TgSourceProblem
check (Fixture    *f,
       TgBlobInfo *info)
{
  g_autoptr(TgSource) source = tg_source_new (TG_SOURCE_KIND_FILE);

  tg_source_set_sha256 (source, tg_blob_info_get_sha256 (info));
  tg_source_set_size (source, tg_blob_info_get_size (info));
  tg_source_set_mime_type (source, "image/jpeg");
  /* no thumbnail: the check decodes the file itself */
  return tg_source_check_content (f->blobs, source, NULL);
}

static void
test_check_content (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GBytes) photo = make_photo (1.0, 2.0);
  g_autoptr(GBytes) garbage = make_content (50000, 15);
  g_autoptr(TgBlobInfo) good = import (f, photo, "foto.jpg");
  g_autoptr(TgBlobInfo) bad = import (f, garbage, "broken.jpg");

  /* decoded while decrypted, in memory */
  g_assert_true (tg_blob_store_is_encrypted (f->blobs, tg_blob_info_get_sha256 (good)));
  g_assert_cmpint (check (f, good), ==, TG_SOURCE_PROBLEM_NONE);
  g_assert_cmpint (check (f, bad), ==, TG_SOURCE_PROBLEM_UNREADABLE_IMAGE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/crypt/blob/sizes", test_sizes);
  g_test_add_func ("/crypt/blob/plain-store", test_plain_store);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/crypt/blob/round-trip", test_round_trip);
  ADD ("/crypt/blob/large-streamed", test_large_streamed);
  ADD ("/crypt/blob/tamper", test_tamper);
  ADD ("/crypt/blob/locked", test_locked);
  ADD ("/crypt/blob/seek", test_seek);
  ADD ("/crypt/blob/photo", test_photo);
  ADD ("/crypt/blob/encrypt-in-place", test_encrypt_in_place);
  ADD ("/crypt/blob/export", test_export);
  ADD ("/crypt/blob/check-content", test_check_content);
#undef ADD

  return g_test_run ();
}
