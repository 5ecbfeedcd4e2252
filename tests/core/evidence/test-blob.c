/* test-blob.c — the content-addressed blob store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gexiv2/gexiv2.h>
#include <glib/gstdio.h>

#include "tg-blob-store.h"
#include "tg-revision.h"
#include "tg-types.h"
#include "tg-test-common.h"

typedef struct
{
  char        *dir;
  char        *blob_dir;
  char        *src_dir;
  TgBlobStore *store;
} Fixture;

/* Helpers ----------------------------------------------------------------- */

/* Regular files under @path, leaving out tmp/. */
static guint
count_blobs (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint count = 0;

  if (dir == NULL)
    return 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          if (strcmp (name, "tmp") != 0)
            count += count_blobs (child);
        }
      else
        count++;
    }
  g_dir_close (dir);
  return count;
}

static guint
count_temporaries (Fixture *fixture)
{
  g_autofree char *tmp = g_build_filename (fixture->blob_dir, "tmp", NULL);
  GDir *dir = g_dir_open (tmp, 0, NULL);
  guint count = 0;

  if (dir == NULL)
    return 0;
  while (g_dir_read_name (dir) != NULL)
    count++;
  g_dir_close (dir);
  return count;
}

static char *
write_source (Fixture    *fixture,
              const char *name,
              const char *data,
              gssize      len)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (fixture->src_dir, name, NULL);

  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
  return path;
}

static char *
sha256_of (const void *data,
           gsize       len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
}

static GdkPixbuf *
render_image (int width,
              int height)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  guchar *pixels = gdk_pixbuf_get_pixels (pixbuf);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guchar *p = pixels + y * stride + x * 3;

        p[0] = x * 255 / width;
        p[1] = y * 255 / height;
        p[2] = (x / 40 + y / 40) % 2 ? 200 : 30;
      }
  return pixbuf;
}

/* A 640×480 JPEG as a phone would write it: with capture time, GPS (the
 * Juliaca square) and camera, and optionally an orientation and a time
 * zone offset. */
static char *
write_photo_full (Fixture    *fixture,
                  const char *name,
                  const char *orientation,
                  const char *offset)
{
  g_autoptr(GdkPixbuf) pixbuf = render_image (640, 480);
  g_autoptr(GExiv2Metadata) meta = gexiv2_metadata_new ();
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (fixture->src_dir, name, NULL);

  g_assert_true (gdk_pixbuf_save (pixbuf, path, "jpeg", &error, "quality", "85", NULL));
  g_assert_no_error (error);

  g_assert_true (gexiv2_metadata_open_path (meta, path, &error));
  g_assert_no_error (error);
  g_assert_true (gexiv2_metadata_try_set_tag_string (meta, "Exif.Photo.DateTimeOriginal",
                                                     "2023:01:09 15:42:07", &error));
  g_assert_true (gexiv2_metadata_try_set_tag_string (meta, "Exif.Image.Make", "Motorola", &error));
  g_assert_true (gexiv2_metadata_try_set_tag_string (meta, "Exif.Image.Model", "moto g(8)", &error));
  g_assert_true (gexiv2_metadata_try_set_gps_info (meta, -70.1333, -15.4997, 3825.0, &error));
  if (orientation != NULL)
    g_assert_true (gexiv2_metadata_try_set_tag_string (meta, "Exif.Image.Orientation",
                                                       orientation, &error));
  if (offset != NULL)
    g_assert_true (gexiv2_metadata_try_set_tag_string (meta, "Exif.Photo.OffsetTimeOriginal",
                                                       offset, &error));
  g_assert_no_error (error);
  g_assert_true (gexiv2_metadata_save_file (meta, path, &error));
  g_assert_no_error (error);

  return path;
}

static char *
write_photo (Fixture    *fixture,
             const char *name,
             const char *orientation)
{
  return write_photo_full (fixture, name, orientation, NULL);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = tg_test_make_tmp_dir ("testigo-blob-XXXXXX");
  fixture->blob_dir = g_build_filename (fixture->dir, "blobs", NULL);
  fixture->src_dir = g_build_filename (fixture->dir, "src", NULL);
  g_assert_cmpint (g_mkdir (fixture->src_dir, 0700), ==, 0);
  fixture->store = tg_blob_store_new (fixture->blob_dir);
  g_assert_cmpstr (tg_blob_store_get_directory (fixture->store), ==, fixture->blob_dir);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->store);
  tg_test_rm_rf (fixture->dir);
  g_assert_false (g_file_test (fixture->dir, G_FILE_TEST_EXISTS));
  g_free (fixture->dir);
  g_free (fixture->blob_dir);
  g_free (fixture->src_dir);
}

/* Tests ------------------------------------------------------------------- */

static void
test_import_file (Fixture       *fixture,
                  gconstpointer  data)
{
  static const char text[] = "Testimonio: a las 15:40 la policía disparó en la plaza de Juliaca.\n";
  g_autofree char *path = write_source (fixture, "testimonio.txt", text, -1);
  g_autofree char *expected = sha256_of (text, strlen (text));
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) stored = NULL;
  g_autoptr(TgBlobInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stored_path = NULL;
  g_autofree char *wanted_path = NULL;
  g_autofree char *contents = NULL;
  char prefix[3];
  gsize len;
  GStatBuf st;

  info = tg_blob_store_import_file (fixture->store, file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);

  g_assert_cmpstr (tg_blob_info_get_sha256 (info), ==, expected);
  g_assert_cmpint (tg_blob_info_get_size (info), ==, strlen (text));
  g_assert_cmpstr (tg_blob_info_get_mime_type (info), ==, "text/plain");
  g_assert_cmpstr (tg_blob_info_get_file_name (info), ==, "testimonio.txt");
  g_assert_null (tg_blob_info_get_thumbnail_sha256 (info));
  g_assert_null (tg_blob_info_get_captured_at (info));
  g_assert_true (isnan (tg_blob_info_get_latitude (info)));

  /* Stored as <dir>/ab/cdef…, with the same bytes, read-only. */
  prefix[0] = expected[0];
  prefix[1] = expected[1];
  prefix[2] = 0;
  wanted_path = g_build_filename (fixture->blob_dir, prefix, expected + 2, NULL);
  stored = tg_blob_store_get_file (fixture->store, expected);
  stored_path = g_file_get_path (stored);
  g_assert_cmpstr (stored_path, ==, wanted_path);
  g_assert_true (tg_blob_store_contains (fixture->store, expected));

  g_assert_true (g_file_get_contents (stored_path, &contents, &len, &error));
  g_assert_cmpmem (contents, len, text, strlen (text));
  g_assert_cmpint (g_stat (stored_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0444);

  g_assert_cmpuint (count_temporaries (fixture), ==, 0);
  g_assert_cmpuint (count_blobs (fixture->blob_dir), ==, 1);

  /* Not there: bad or unknown hashes. */
  g_assert_false (tg_blob_store_contains (fixture->store, "not-a-hash"));
  g_assert_null (tg_blob_store_get_file (fixture->store, "../../etc/passwd"));
}

static void
test_import_dedupe (Fixture       *fixture,
                    gconstpointer  data)
{
  static const char text[] = "Mismo contenido, dos nombres.";
  g_autofree char *path_a = write_source (fixture, "a.txt", text, -1);
  g_autofree char *path_b = write_source (fixture, "copia de a.txt", text, -1);
  g_autoptr(GFile) file_a = g_file_new_for_path (path_a);
  g_autoptr(GFile) file_b = g_file_new_for_path (path_b);
  g_autoptr(TgBlobInfo) info_a = NULL;
  g_autoptr(TgBlobInfo) info_b = NULL;
  g_autoptr(TgBlobInfo) info_c = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, strlen (text));
  g_autoptr(GError) error = NULL;

  info_a = tg_blob_store_import_file (fixture->store, file_a, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  info_b = tg_blob_store_import_file (fixture->store, file_b, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  info_c = tg_blob_store_import_bytes (fixture->store, bytes, "pegado.txt", &error);
  g_assert_no_error (error);

  g_assert_cmpstr (tg_blob_info_get_sha256 (info_a), ==, tg_blob_info_get_sha256 (info_b));
  g_assert_cmpstr (tg_blob_info_get_sha256 (info_a), ==, tg_blob_info_get_sha256 (info_c));
  g_assert_cmpstr (tg_blob_info_get_file_name (info_b), ==, "copia de a.txt");
  g_assert_cmpstr (tg_blob_info_get_file_name (info_c), ==, "pegado.txt");
  g_assert_cmpuint (count_blobs (fixture->blob_dir), ==, 1);
  g_assert_cmpuint (count_temporaries (fixture), ==, 0);
}

static void
test_verify (Fixture       *fixture,
             gconstpointer  data)
{
  static const char text[] = "Acta de detención, Lima, 28 de enero de 2023.";
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, strlen (text));
  g_autoptr(TgBlobInfo) info = NULL;
  g_autoptr(GFile) stored = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  const char *sha;

  info = tg_blob_store_import_bytes (fixture->store, bytes, "acta.txt", &error);
  g_assert_no_error (error);
  sha = tg_blob_info_get_sha256 (info);

  g_assert_true (tg_blob_store_verify (fixture->store, sha, NULL, &error));
  g_assert_no_error (error);

  /* Someone with access to the disk changes one word. */
  stored = tg_blob_store_get_file (fixture->store, sha);
  path = g_file_get_path (stored);
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  g_file_set_contents (path, "Acta de liberación, Lima, 28 de enero de 2023.", -1, &error);
  g_assert_no_error (error);

  g_assert_false (tg_blob_store_verify (fixture->store, sha, NULL, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_HASH_MISMATCH);
  g_assert_nonnull (strstr (error->message, sha));
  g_clear_error (&error);

  /* Gone altogether. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_false (tg_blob_store_contains (fixture->store, sha));
  g_assert_false (tg_blob_store_verify (fixture->store, sha, NULL, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_false (tg_blob_store_verify (fixture->store, "../etc", NULL, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
}

/* A copy damaged by a crash of another program (cut short) is replaced by
 * importing the original again. */
static void
test_reimport_repairs (Fixture       *fixture,
                       gconstpointer  data)
{
  static const char text[] = "Lista de heridos, Hospital Carlos Monge Medrano, Juliaca.";
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, strlen (text));
  g_autoptr(TgBlobInfo) info = NULL;
  g_autoptr(TgBlobInfo) again = NULL;
  g_autoptr(GFile) stored = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  info = tg_blob_store_import_bytes (fixture->store, bytes, "heridos.txt", &error);
  g_assert_no_error (error);
  stored = tg_blob_store_get_file (fixture->store, tg_blob_info_get_sha256 (info));
  path = g_file_get_path (stored);
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  g_assert_cmpint (truncate (path, 10), ==, 0);
  g_assert_false (tg_blob_store_verify (fixture->store, tg_blob_info_get_sha256 (info), NULL, &error));
  g_assert_error (error, TG_ERROR, TG_ERROR_HASH_MISMATCH);
  g_clear_error (&error);

  again = tg_blob_store_import_bytes (fixture->store, bytes, "heridos.txt", &error);
  g_assert_no_error (error);
  g_assert_true (tg_blob_store_verify (fixture->store, tg_blob_info_get_sha256 (again), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_blobs (fixture->blob_dir), ==, 1);
}

/* Temporary files left by a crash are cleared when the store is opened
 * again, a day later; a fresh one (another import under way) is kept. */
static void
test_stale_temporaries (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *tmp = g_build_filename (fixture->blob_dir, "tmp", NULL);
  g_autofree char *old = g_build_filename (tmp, "import-OLD123", NULL);
  g_autofree char *fresh = g_build_filename (tmp, "import-NEW123", NULL);
  g_autoptr(GError) error = NULL;
  struct timeval times[2] = { { 0, 0 }, { 0, 0 } };

  g_assert_cmpint (g_mkdir_with_parents (tmp, 0700), ==, 0);
  g_file_set_contents (old, "half a video", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (fresh, "half a photo", -1, &error);
  g_assert_no_error (error);
  times[0].tv_sec = times[1].tv_sec = time (NULL) - 2 * 24 * 3600;
  g_assert_cmpint (utimes (old, times), ==, 0);

  g_clear_object (&fixture->store);
  fixture->store = tg_blob_store_new (fixture->blob_dir);

  g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (fresh, G_FILE_TEST_EXISTS));
}

static void
check_thumbnail (Fixture    *fixture,
                 TgBlobInfo *info,
                 int         want_width,
                 int         want_height)
{
  const char *thumb_sha = tg_blob_info_get_thumbnail_sha256 (info);
  g_autoptr(GFile) thumb_file = NULL;
  g_autoptr(GdkPixbuf) thumb = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *thumb_path = NULL;
  g_autofree char *format_name = NULL;

  g_assert_nonnull (thumb_sha);
  g_assert_cmpstr (thumb_sha, !=, tg_blob_info_get_sha256 (info));
  g_assert_true (tg_blob_store_contains (fixture->store, thumb_sha));
  g_assert_true (tg_blob_store_verify (fixture->store, thumb_sha, NULL, &error));
  g_assert_no_error (error);

  thumb_file = tg_blob_store_get_file (fixture->store, thumb_sha);
  thumb_path = g_file_get_path (thumb_file);
  thumb = gdk_pixbuf_new_from_file (thumb_path, &error);
  g_assert_no_error (error);
  format_name = gdk_pixbuf_format_get_name (gdk_pixbuf_get_file_info (thumb_path, NULL, NULL));
  g_assert_cmpstr (format_name, ==, "png");
  g_assert_cmpint (gdk_pixbuf_get_width (thumb), <=, 256);
  g_assert_cmpint (gdk_pixbuf_get_height (thumb), <=, 256);
  g_assert_cmpint (gdk_pixbuf_get_width (thumb), ==, want_width);
  g_assert_cmpint (gdk_pixbuf_get_height (thumb), ==, want_height);
}

static void
test_import_photo (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = write_photo (fixture, "plaza.jpg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(TgBlobInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = tg_blob_store_import_file (fixture->store, file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (tg_blob_info_get_mime_type (info), ==, "image/jpeg");
  g_assert_cmpstr (tg_blob_info_get_captured_at (info), ==, "2023-01-09T15:42:07");
  g_assert_cmpfloat_with_epsilon (tg_blob_info_get_latitude (info), -15.4997, 1e-4);
  g_assert_cmpfloat_with_epsilon (tg_blob_info_get_longitude (info), -70.1333, 1e-4);
  g_assert_cmpstr (tg_blob_info_get_camera (info), ==, "Motorola moto g(8)");
  check_thumbnail (fixture, info, 256, 192);
  /* The photo and its thumbnail. */
  g_assert_cmpuint (count_blobs (fixture->blob_dir), ==, 2);
}

/* Found by fuzz-exif: an EXIF block whose GPS entry points past its end.
 * exiv2 complains, gexiv2 logged that as a critical, and a critical is
 * fatal here as in any test program: the import must go on, quietly,
 * keeping the photo and its picture. */
static void
test_import_damaged_exif (Fixture       *fixture,
                          gconstpointer  data)
{
  static const guint8 exif[] = {
    0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x04, 0x00, 0x0f, 0x01,
    0x02, 0x00, 0x09, 0x00, 0x00, 0x00, 0x3e, 0x00, 0x00, 0x00, 0x10, 0x01,
    0x02, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x48, 0x00, 0x00, 0x00, 0x69, 0x87,
    0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x52, 0x00, 0x00, 0x00, 0x25, 0x88,
    0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x78, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x30, 0x30, 0x30, 0x30, 0x3a, 0x30, 0x30, 0x3a, 0x30, 0x30, 0x20,
    0x30, 0x30, 0x3a, 0x30, 0x30, 0x3a, 0x30, 0x30, 0x00, 0x08, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, 0x4e, 0x00, 0x00, 0x00, 0x02,
    0x00, 0x05, 0x00, 0x03, 0x00, 0x00, 0x00, 0xde, 0x00, 0x00, 0x00, 0x03,
    0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, 0x57, 0x00, 0x00, 0x00, 0x04,
    0x00, 0x05, 0x00, 0x03, 0x00, 0x00, 0x00, 0xf6, 0x00, 0x00, 0x00, 0x05,
    0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06,
    0x00, 0x0a, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0e, 0x01, 0x00, 0x00, 0x12,
    0x00, 0x02, 0x00, 0x07, 0x00, 0x00, 0x00, 0x16, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x5a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40,
    0x42, 0x0f, 0x00, 0xb4, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40,
    0x42, 0x0f, 0x00, 0xf1, 0x0e, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x57,
    0x47, 0x53, 0x2d, 0x38, 0x34, 0x00, 0x00,
  };
  g_autoptr(GdkPixbuf) pixbuf = render_image (64, 48);
  g_autoptr(GByteArray) jpeg = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(TgBlobInfo) info = NULL;
  g_autofree char *body = NULL;
  g_autofree char *path = NULL;
  gsize body_len;
  guint8 length[2] = { (2 + 6 + sizeof exif) >> 8, (2 + 6 + sizeof exif) & 0xff };

  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &body, &body_len, "jpeg", &error, NULL));
  g_assert_no_error (error);
  /* SOI, the APP1 segment with the EXIF block, then the rest of the JPEG. */
  g_byte_array_append (jpeg, (const guint8 *) "\xff\xd8\xff\xe1", 4);
  g_byte_array_append (jpeg, length, 2);
  g_byte_array_append (jpeg, (const guint8 *) "Exif\0\0", 6);
  g_byte_array_append (jpeg, exif, sizeof exif);
  g_byte_array_append (jpeg, (const guint8 *) body + 2, body_len - 2);
  path = write_source (fixture, "gps-roto.jpg", (const char *) jpeg->data, jpeg->len);
  file = g_file_new_for_path (path);

  info = tg_blob_store_import_file (fixture->store, file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tg_blob_info_get_mime_type (info), ==, "image/jpeg");
  g_assert_cmpint (tg_blob_info_get_size (info), ==, jpeg->len);
  /* A camera without its clock set: no capture time. */
  g_assert_null (tg_blob_info_get_captured_at (info));
  g_assert_nonnull (tg_blob_info_get_thumbnail_sha256 (info));
}

/* Found by fuzz-exif: an offset such as "+99:99" was written after the
 * capture time, and the app could not parse what it was given. A time
 * zone offset out of range gives the local time alone. */
static void
test_import_photo_bad_offset (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *path = write_photo_full (fixture, "desfase.jpg", NULL, "+99:99");
  g_autofree char *east = write_photo_full (fixture, "kiribati.jpg", NULL, "+14:00");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) east_file = g_file_new_for_path (east);
  g_autoptr(TgBlobInfo) info = NULL;
  g_autoptr(TgBlobInfo) east_info = NULL;
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autoptr(GDateTime) parsed = NULL;
  g_autoptr(GError) error = NULL;

  info = tg_blob_store_import_file (fixture->store, file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tg_blob_info_get_captured_at (info), ==, "2023-01-09T15:42:07");
  parsed = g_date_time_new_from_iso8601 (tg_blob_info_get_captured_at (info), local);
  g_assert_nonnull (parsed);

  east_info = tg_blob_store_import_file (fixture->store, east_file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tg_blob_info_get_captured_at (east_info), ==, "2023-01-09T15:42:07+14:00");
}

/* A phone held upright writes a landscape image and "rotate 90°": the
 * thumbnail comes out upright. */
static void
test_import_photo_rotated (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *path = write_photo_full (fixture, "vertical.jpg", "6", "-05:00");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(TgBlobInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = tg_blob_store_import_file (fixture->store, file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  check_thumbnail (fixture, info, 192, 256);
  /* Peru's offset, when the phone wrote it, makes the time exact. */
  g_assert_cmpstr (tg_blob_info_get_captured_at (info), ==, "2023-01-09T15:42:07-05:00");
}

static void
test_import_corrupt_image (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *photo = write_photo (fixture, "entera.jpg", NULL);
  g_autofree char *whole = NULL;
  gsize whole_len;
  g_autoptr(GError) error = NULL;
  guint8 junk[8192];

  /* A JPEG header followed by noise. */
  junk[0] = 0xff; junk[1] = 0xd8; junk[2] = 0xff; junk[3] = 0xe0;
  for (gsize i = 4; i < sizeof junk; i++)
    junk[i] = (guint8) (i * 7919 + (i >> 3));

  {
    g_autofree char *path = write_source (fixture, "dañada.jpg", (char *) junk, sizeof junk);
    g_autoptr(GFile) file = g_file_new_for_path (path);
    g_autoptr(TgBlobInfo) info = NULL;
    g_autofree char *sha = sha256_of (junk, sizeof junk);

    info = tg_blob_store_import_file (fixture->store, file, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (tg_blob_info_get_sha256 (info), ==, sha);
    g_assert_cmpint (tg_blob_info_get_size (info), ==, sizeof junk);
    g_assert_cmpstr (tg_blob_info_get_mime_type (info), ==, "image/jpeg");
    g_assert_null (tg_blob_info_get_thumbnail_sha256 (info));
    g_assert_null (tg_blob_info_get_captured_at (info));
    g_assert_true (isnan (tg_blob_info_get_latitude (info)));
    g_assert_true (tg_blob_store_verify (fixture->store, sha, NULL, &error));
    g_assert_no_error (error);
  }

  /* A photo cut short in transfer is still kept, byte for byte. */
  g_assert_true (g_file_get_contents (photo, &whole, &whole_len, &error));
  {
    g_autofree char *path = write_source (fixture, "cortada.jpg", whole, whole_len / 3);
    g_autoptr(GFile) file = g_file_new_for_path (path);
    g_autoptr(TgBlobInfo) info = NULL;
    g_autofree char *sha = sha256_of (whole, whole_len / 3);

    info = tg_blob_store_import_file (fixture->store, file, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (tg_blob_info_get_sha256 (info), ==, sha);
    g_assert_cmpint (tg_blob_info_get_size (info), ==, whole_len / 3);
  }
  g_assert_cmpuint (count_temporaries (fixture), ==, 0);
}

static void
test_import_directory (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GFile) file = g_file_new_for_path (fixture->src_dir);
  g_autoptr(TgBlobInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = tg_blob_store_import_file (fixture->store, file, NULL, NULL, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, TG_ERROR, TG_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "is a folder, not a file"));
  g_assert_nonnull (strstr (error->message, fixture->src_dir));
  g_assert_cmpuint (count_blobs (fixture->blob_dir), ==, 0);
}

static void
test_import_vanished (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *path = write_source (fixture, "video-juliaca.mp4", "short-lived", -1);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(TgBlobInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  /* Chosen in the file chooser, then the memory card was pulled. */
  g_assert_cmpint (g_unlink (path), ==, 0);

  info = tg_blob_store_import_file (fixture->store, file, NULL, NULL, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "video-juliaca.mp4"));
  g_assert_cmpuint (count_temporaries (fixture), ==, 0);
  g_assert_cmpuint (count_blobs (fixture->blob_dir), ==, 0);
  g_clear_error (&error);

  /* A file nobody may read (meaningless for root, who reads anything). */
  if (geteuid () != 0)
    {
      g_autofree char *locked = write_source (fixture, "cerrado.txt", "secret", -1);
      g_autoptr(GFile) locked_file = g_file_new_for_path (locked);

      g_assert_cmpint (g_chmod (locked, 0000), ==, 0);
      g_assert_null (tg_blob_store_import_file (fixture->store, locked_file,
                                                NULL, NULL, NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
      g_assert_nonnull (strstr (error->message, "cerrado.txt"));
      g_assert_cmpuint (count_temporaries (fixture), ==, 0);
    }
}

static void
test_names (Fixture       *fixture,
            gconstpointer  data)
{
  static const char * const unsafe[] = {
    "../../etc/passwd",
    "..",
    ".",
    "",
    "fotos/plaza.jpg",
    "C:\\fotos\\plaza.jpg",
    "infor\x01me.txt",
    "línea\nnueva.txt",
    "\x1b[31mrojo.txt",
    "foto\xe2\x80\xaegpj.exe",   /* U+202E makes it read "fotoexe.jpg" */
    "\xff\xfe.jpg",              /* not UTF-8 */
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *nfd = NULL;
  char *safe;

  for (guint i = 0; i < G_N_ELEMENTS (unsafe); i++)
    {
      g_assert_null (tg_sanitize_file_name (unsafe[i], &error));
      g_assert_error (error, TG_ERROR, TG_ERROR_UNSAFE_NAME);
      /* The message is readable text whatever the name held. */
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      for (const char *p = error->message; *p; p++)
        g_assert_false (g_ascii_iscntrl (*p));
      g_clear_error (&error);
    }

  safe = tg_sanitize_file_name ("Foto de Juliaca 2023..final.jpg", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (safe, ==, "Foto de Juliaca 2023..final.jpg");
  g_free (safe);

  /* Decomposed accents (as macOS writes them) come back composed. */
  nfd = g_utf8_normalize ("  víctima.png ", -1, G_NORMALIZE_NFD);
  safe = tg_sanitize_file_name (nfd, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (safe, ==, "víctima.png");
  g_free (safe);

  /* Importing keeps only a clean last component. */
  {
    static const struct { const char *in, *out; } cases[] = {
      { "../../etc/passwd", "passwd" },
      { "C:\\fotos\\plaza.jpg", "plaza.jpg" },
      { "infor\x01me\n.txt", "infor_me_.txt" },
      { "foto\xe2\x80\xaegpj.exe", "foto_gpj.exe" },
      { "..", "file" },
      { "fotos/", "fotos" },
      { NULL, "file" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *clean = tg_clean_file_name (cases[i].in);

        g_assert_cmpstr (clean, ==, cases[i].out);
      }
  }
}

/* A name that reaches the file system with "../" and control characters
 * is stored under its hash only, and keeps a clean name. */
static void
test_import_unsafe_name (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static ("x", 1);
  g_autoptr(TgBlobInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *escaped = g_build_filename (fixture->dir, "escaped", NULL);

  info = tg_blob_store_import_bytes (fixture->store, bytes, "../escaped", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tg_blob_info_get_file_name (info), ==, "escaped");
  g_assert_false (g_file_test (escaped, G_FILE_TEST_EXISTS));
  g_clear_object (&info);

  {
    g_autofree char *path = write_source (fixture, "acta\x01\x1b[2J.txt", "acta", -1);
    g_autoptr(GFile) file = g_file_new_for_path (path);

    info = tg_blob_store_import_file (fixture->store, file, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (tg_blob_info_get_file_name (info), ==, "acta__[2J.txt");
  }
  g_assert_cmpuint (count_blobs (fixture->blob_dir), ==, 2);
}

static void
test_import_non_utf8_name (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *photo = write_photo (fixture, "original.jpg", NULL);
  g_autofree char *path = g_build_filename (fixture->src_dir, "\xff\xfe.jpg", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(TgBlobInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;
  gsize len;

  g_assert_true (g_file_get_contents (photo, &contents, &len, &error));
  g_assert_true (g_file_replace_contents (file, contents, len, NULL, FALSE,
                                          G_FILE_CREATE_NONE, NULL, NULL, &error));
  g_assert_no_error (error);

  info = tg_blob_store_import_file (fixture->store, file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  name = tg_blob_info_get_file_name (info);
  g_assert_true (g_utf8_validate (name, -1, NULL));
  g_assert_cmpstr (name, ==, "\xef\xbf\xbd\xef\xbf\xbd.jpg");   /* "��.jpg" */
  g_assert_cmpstr (tg_blob_info_get_mime_type (info), ==, "image/jpeg");
  g_assert_nonnull (tg_blob_info_get_thumbnail_sha256 (info));

  /* And an error about such a file is readable too. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_clear_object (&info);
  info = tg_blob_store_import_file (fixture->store, file, NULL, NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static char *
make_sparse_file (Fixture    *fixture,
                  const char *name,
                  goffset     size)
{
  char *path = g_build_filename (fixture->src_dir, name, NULL);
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

  g_assert_cmpint (fd, >=, 0);
  /* A few bytes of content at both ends, holes between. */
  g_assert_cmpint (write (fd, "RIFF", 4), ==, 4);
  g_assert_cmpint (ftruncate (fd, size), ==, 0);
  g_assert_cmpint (pwrite (fd, "END!", 4, size - 4), ==, 4);
  g_assert_cmpint (close (fd), ==, 0);
  return path;
}

static void
test_import_cancel (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *path = make_sparse_file (fixture, "grabación.mp4", 64 * 1024 * 1024);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(TgBlobInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  TgTestProgress progress;

  tg_test_progress_init (&progress, TRUE);
  progress.cancellable = cancellable;
  progress.cancel_at = 8 * 1024 * 1024;
  info = tg_blob_store_import_file (fixture->store, file, tg_test_progress_cb, &progress,
                                    cancellable, &error);
  g_assert_null (info);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (progress.last_done, >=, 8 * 1024 * 1024);
  g_assert_cmpint (progress.last_done, <, 64 * 1024 * 1024);
  g_assert_cmpuint (count_temporaries (fixture), ==, 0);
  g_assert_cmpuint (count_blobs (fixture->blob_dir), ==, 0);
  g_clear_error (&error);

  /* Cancelled before it began. */
  info = tg_blob_store_import_file (fixture->store, file, NULL, NULL, cancellable, &error);
  g_assert_null (info);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (count_temporaries (fixture), ==, 0);
  g_assert_cmpuint (count_blobs (fixture->blob_dir), ==, 0);
}

static void
test_import_large (Fixture       *fixture,
                   gconstpointer  data)
{
  const goffset size = 300 * 1024 * 1024;
  g_autofree char *path = make_sparse_file (fixture, "video-larga.mp4", size);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(TgBlobInfo) info = NULL;
  g_autoptr(TgBlobInfo) warm = NULL;
  g_autoptr(GBytes) small = g_bytes_new_static ("warm-up", 7);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *zeros = g_malloc0 (1024 * 1024);
  TgTestProgress progress;
  gint64 rss_before, rss_after;

  /* The expected hash, computed here without the store. */
  g_checksum_update (checksum, (const guchar *) "RIFF", 4);
  g_checksum_update (checksum, zeros, 1024 * 1024 - 4);
  for (guint i = 1; i < 299; i++)
    g_checksum_update (checksum, zeros, 1024 * 1024);
  g_checksum_update (checksum, zeros, 1024 * 1024 - 4);
  g_checksum_update (checksum, (const guchar *) "END!", 4);
  g_clear_pointer (&zeros, g_free);

  warm = tg_blob_store_import_bytes (fixture->store, small, "warm.txt", &error);
  g_assert_no_error (error);

  rss_before = tg_test_peak_rss_kib ();
  tg_test_progress_init (&progress, TRUE);
  info = tg_blob_store_import_file (fixture->store, file, tg_test_progress_cb, &progress, NULL, &error);
  rss_after = tg_test_peak_rss_kib ();
  g_assert_no_error (error);

  g_assert_cmpstr (tg_blob_info_get_sha256 (info), ==, g_checksum_get_string (checksum));
  g_assert_cmpint (tg_blob_info_get_size (info), ==, size);
  g_assert_true (progress.monotonic);
  g_assert_cmpuint (progress.calls, >=, 250);
  g_assert_cmpint (progress.last_done, ==, size);
  g_assert_cmpint (progress.last_total, ==, size);
  g_assert_cmpuint (count_temporaries (fixture), ==, 0);

  g_test_message ("peak RSS %" G_GINT64_FORMAT " KiB before, %" G_GINT64_FORMAT " KiB after "
                  "a %" G_GOFFSET_FORMAT " byte import",
                  rss_before, rss_after, size);
  if (rss_before > 0)
    g_assert_cmpint (rss_after - rss_before, <, 32 * 1024);
}

static void
import_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  TgBlobInfo **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = tg_blob_store_import_file_finish (TG_BLOB_STORE (object), result, &error);
  g_assert_no_error (error);
}

static void
test_import_async (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = write_photo (fixture, "async.jpg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(TgBlobInfo) info = NULL;

  tg_blob_store_import_file_async (fixture->store, file, NULL, NULL, NULL,
                                   import_done_cb, &info);
  while (info == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpstr (tg_blob_info_get_captured_at (info), ==, "2023-01-09T15:42:07");
  g_assert_true (tg_blob_store_contains (fixture->store, tg_blob_info_get_sha256 (info)));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/blob/import/file", test_import_file);
  ADD ("/blob/import/dedupe", test_import_dedupe);
  ADD ("/blob/import/photo", test_import_photo);
  ADD ("/blob/import/photo-rotated", test_import_photo_rotated);
  ADD ("/blob/import/photo-bad-offset", test_import_photo_bad_offset);
  ADD ("/blob/import/corrupt-image", test_import_corrupt_image);
  ADD ("/blob/import/damaged-exif", test_import_damaged_exif);
  ADD ("/blob/import/directory", test_import_directory);
  ADD ("/blob/import/vanished", test_import_vanished);
  ADD ("/blob/import/unsafe-name", test_import_unsafe_name);
  ADD ("/blob/import/non-utf8-name", test_import_non_utf8_name);
  ADD ("/blob/import/cancel", test_import_cancel);
  ADD ("/blob/import/large", test_import_large);
  ADD ("/blob/import/async", test_import_async);
  ADD ("/blob/import/repairs-damaged-copy", test_reimport_repairs);
  ADD ("/blob/import/stale-temporaries", test_stale_temporaries);
  ADD ("/blob/verify/altered", test_verify);
  ADD ("/blob/names/sanitize", test_names);

#undef ADD

  return g_test_run ();
}
