/* test-plaintext-scan.c — nothing a monitor typed or photographed is
 * left readable on disk
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reports with planted names, narrative words and a photo carrying GPS
 * EXIF are made through the core APIs (store, source import) in a data
 * folder under a private XDG root (data, cache, config, runtime and
 * TMPDIR all inside it, so the cache and GTK's recently-used list are
 * there too). Then every file under that root is scanned for the planted
 * strings in UTF-8, UTF-16LE and UTF-16BE, ASCII case folded (SQLite's
 * full-text index keeps tokens lower-cased), and for raw bytes of the
 * photo.
 *
 * /scan/control runs the same with no vault and must find them: the
 * scanner can fail. /scan/encrypted runs as the app does: the store
 * opened with the vault's store key (tg_store_open_keyed) and the vault
 * on the blob store; a hit in any file, the store's included, fails.
 */
#define _GNU_SOURCE 1   /* memmem */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gexiv2/gexiv2.h>
#include <glib/gstdio.h>

#include "tg-blob-store.h"
#include "tg-person.h"
#include "tg-report.h"
#include "tg-source-import.h"
#include "tg-store.h"
#include "tg-test-common.h"
#include "tg-vault.h"

static const char * const planted[] = {
  "Zacarías Quispe Huamán",
  "Quispe",
  "Huamán",
  "Dorotea Ccori",
  "Ccori",
  "Huancapampa",
  "quemaron la escuela",
  "escuela",
  "Masacre",
  "PlantedCam",
  "-12.04637",
  "-77.04279",
};

static char *root;

typedef struct
{
  GPtrArray *hits;   /* "file: what (encoding)" */
  GPtrArray *store_hits;
  GBytes    *photo;
} Scan;

static guint8 *
fold (const guint8 *data,
      gsize         len)
{
  guint8 *out = g_malloc (len + 1);

  for (gsize i = 0; i < len; i++)
    out[i] = g_ascii_tolower (data[i]);
  return out;
}

static GBytes *
encode (const char *needle,
        const char *charset)
{
  g_autofree char *lower = g_utf8_strdown (needle, -1);
  gsize len = 0;
  char *out;

  if (g_str_equal (charset, "UTF-8"))
    return g_bytes_new (lower, strlen (lower));
  out = g_convert (lower, -1, charset, "UTF-8", NULL, &len, NULL);
  g_assert_nonnull (out);
  return g_bytes_new_take (out, len);
}

static gboolean
is_store_file (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);

  return g_str_has_prefix (base, "testigo.db");
}

static void
scan_file (Scan       *scan,
           const char *path)
{
  static const char * const charsets[] = { "UTF-8", "UTF-16LE", "UTF-16BE" };
  g_autofree char *contents = NULL;
  g_autofree guint8 *folded = NULL;
  gsize len = 0;
  GPtrArray *into = is_store_file (path) ? scan->store_hits : scan->hits;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return;
  folded = fold ((const guint8 *) contents, len);

  for (guint i = 0; i < G_N_ELEMENTS (planted); i++)
    for (guint c = 0; c < G_N_ELEMENTS (charsets); c++)
      {
        g_autoptr(GBytes) needle = encode (planted[i], charsets[c]);
        /* case folding of the needle's ASCII letters, like the file's */
        g_autofree guint8 *folded_needle = fold (g_bytes_get_data (needle, NULL),
                                                 g_bytes_get_size (needle));

        if (memmem (folded, len, folded_needle, g_bytes_get_size (needle)) != NULL)
          g_ptr_array_add (into, g_strdup_printf ("%s: “%s” (%s)", path + strlen (root),
                                                  planted[i], charsets[c]));
      }

  /* 64 bytes of the photo's compressed image data */
  if (scan->photo != NULL && g_bytes_get_size (scan->photo) > 2048 &&
      memmem (contents, len, (const guint8 *) g_bytes_get_data (scan->photo, NULL) + 1024, 64) != NULL)
    g_ptr_array_add (into, g_strdup_printf ("%s: the photo's bytes", path + strlen (root)));
}

static void
scan_tree (Scan       *scan,
           const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        scan_file (scan, path);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      scan_tree (scan, child);
    }
}

static GBytes *
make_photo (void)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 320, 240);
  g_autoptr(GExiv2Metadata) meta = gexiv2_metadata_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (root, "camera-roll.jpg", NULL);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  char *jpeg = NULL;
  gsize len = 0;

  /* a pattern, so the compressed data is not a run of one value */
  for (int i = 0; i < gdk_pixbuf_get_rowstride (pixbuf) * 240; i++)
    pixels[i] = (guint8) (i * 31 + (i / 960) * 7);
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &jpeg, &len, "jpeg", &error, NULL));
  g_assert_true (g_file_set_contents (path, jpeg, len, NULL));
  g_free (jpeg);
  g_assert_true (gexiv2_metadata_open_path (meta, path, &error));
  g_assert_no_error (error);
  g_assert_true (gexiv2_metadata_try_set_gps_info (meta, -77.04279, -12.04637, 150.0, &error));
  gexiv2_metadata_try_set_tag_string (meta, "Exif.Image.Model", "PlantedCam 9000", &error);
  g_assert_no_error (error);
  g_assert_true (gexiv2_metadata_save_file (meta, path, &error));
  g_assert_true (g_file_get_contents (path, &jpeg, &len, NULL));
  return g_bytes_new_take (jpeg, len);
}

static void
imported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  TgSource **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = tg_source_import_finish (result, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
source_arrived (gpointer data)
{
  return *(TgSource **) data != NULL;
}

/* Makes the reports in a fresh data folder; returns the photo's bytes.
 * The camera's file is removed afterwards (it is the monitor's, outside
 * the app, and would otherwise be found). */
static GBytes *
make_reports (const char *data_dir,
              gboolean    with_vault)
{
  g_autoptr(TgStore) store = NULL;
  g_autoptr(TgVault) vault = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) photo = make_photo ();
  g_autofree char *photo_path = g_build_filename (root, "camera-roll.jpg", NULL);
  g_autoptr(GFile) photo_file = g_file_new_for_path (photo_path);
  g_autoptr(TgSource) source = NULL;

  g_assert_cmpint (g_mkdir_with_parents (data_dir, 0700), ==, 0);
  if (with_vault)
    {
      guint8 key[TG_VAULT_KEY_BYTES];

      vault = tg_vault_new (data_dir);
      tg_vault_set_kdf_limits (vault, 1, 8 * 1024 * 1024);
      g_assert_true (tg_vault_create (vault, "correct horse battery staple", NULL, &error));
      g_assert_no_error (error);
      g_assert_true (tg_vault_derive_subkey (vault, TG_VAULT_PURPOSE_STORE, key, &error));
      g_assert_no_error (error);
      store = tg_store_open_keyed (data_dir, key, &error);
      explicit_bzero (key, sizeof key);
      g_assert_no_error (error);
      g_assert_nonnull (store);
      tg_blob_store_set_vault (tg_store_get_blob_store (store), vault);
    }
  else
    store = tg_test_open_store (data_dir);

  tg_source_import_async (tg_store_get_blob_store (store), photo_file, NULL, NULL, NULL,
                          imported_cb, &source);
  tg_test_iterate_until (source_arrived, &source, 30000, "the photo to be imported");
  g_unlink (photo_path);
  g_assert_nonnull (tg_source_get_thumbnail_sha256 (source));

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(TgReport) report = tg_report_new ();
      g_autoptr(TgPerson) victim = tg_person_new (TG_PERSON_ROLE_VICTIM);
      g_autoptr(TgPerson) witness = tg_person_new (TG_PERSON_ROLE_WITNESS);
      g_autoptr(TgRevision) revision = NULL;
      g_autofree char *title = g_strdup_printf ("Masacre en Huancapampa %u", i);

      tg_report_set_title (report, title);
      tg_report_set_narrative (report, "Los soldados quemaron la escuela de Huancapampa "
                                       "al amanecer; Zacarías Quispe Huamán lo vio.");
      tg_person_set_name (victim, "Zacarías Quispe Huamán");
      tg_person_set_notes (victim, "Vive junto a la escuela.");
      tg_person_set_name (witness, "Dorotea Ccori");
      tg_report_add_person (report, victim);
      tg_report_add_person (report, witness);
      if (i == 0)
        tg_report_add_source (report, source);
      revision = tg_store_save_report (store, report, &error);
      g_assert_no_error (error);
    }
  tg_store_close (store);
  return g_steal_pointer (&photo);
}

static void
report_hits (GPtrArray  *hits,
             const char *what)
{
  for (guint i = 0; i < hits->len; i++)
    g_test_message ("%s: %s", what, (const char *) g_ptr_array_index (hits, i));
}

static void
test_control (void)
{
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "testigo-control", NULL);
  Scan scan = { g_ptr_array_new_with_free_func (g_free), g_ptr_array_new_with_free_func (g_free), NULL };

  scan.photo = make_reports (data_dir, FALSE);
  scan_tree (&scan, data_dir);
  report_hits (scan.hits, "plain (expected)");
  /* The scanner finds what a plain store leaves: the photo with its EXIF
   * in blobs/, the names in the store. */
  g_assert_cmpuint (scan.hits->len, >, 0);
  g_assert_cmpuint (scan.store_hits->len, >, 0);
  tg_test_rm_rf (data_dir);
  g_ptr_array_unref (scan.hits);
  g_ptr_array_unref (scan.store_hits);
  g_bytes_unref (scan.photo);
}

static void
test_encrypted (void)
{
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "testigo", NULL);
  Scan scan = { g_ptr_array_new_with_free_func (g_free), g_ptr_array_new_with_free_func (g_free), NULL };

  scan.photo = make_reports (data_dir, TRUE);
  /* everything under the private root: data, cache, config, runtime,
   * TMPDIR, GTK's recently-used.xbel */
  scan_tree (&scan, root);
  report_hits (scan.hits, "FOUND");
  report_hits (scan.store_hits, "FOUND in the store");
  g_assert_cmpuint (scan.hits->len, ==, 0);
  g_assert_cmpuint (scan.store_hits->len, ==, 0);
  g_ptr_array_unref (scan.hits);
  g_ptr_array_unref (scan.store_hits);
  g_bytes_unref (scan.photo);
}

int
main (int   argc,
      char *argv[])
{
  static const char * const dirs[][2] = {
    { "XDG_DATA_HOME", "data" },
    { "XDG_CACHE_HOME", "cache" },
    { "XDG_CONFIG_HOME", "config" },
    { "XDG_STATE_HOME", "state" },
    { "XDG_RUNTIME_DIR", "runtime" },
    { "TMPDIR", "tmp" },
  };
  g_autofree char *base = NULL;
  int result;

  /* Before anything asks GLib where these are. */
  base = g_dir_make_tmp ("testigo-scan-XXXXXX", NULL);
  g_assert_nonnull (base);
  root = g_strconcat (base, "/", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = g_build_filename (base, dirs[i][1], NULL);

      g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
      g_setenv (dirs[i][0], path, TRUE);
    }

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/scan/control", test_control);
  g_test_add_func ("/scan/encrypted", test_encrypted);
  result = g_test_run ();

  tg_test_rm_rf (base);
  g_free (root);
  return result;
}
