/* fuzz-exif.c — the EXIF of a photo added as a source: what we take from
 * it (capture time and its offset, GPS position, camera) and how we turn
 * it into the source's fields
 *
 * Two things are done with every input:
 *  - the input is the EXIF block of a JPEG (the TIFF data after "Exif\0\0"
 *    in its APP1 segment): the harness wraps it in a JPEG, writes it, and
 *    runs the blob store's read_exif() on it, which reads it with gexiv2
 *    as an import does;
 *  - its first line and second line are given to the date conversion
 *    directly, as the DateTimeOriginal and OffsetTimeOriginal strings.
 * gexiv2 and exiv2 are Debian's, not instrumented: the coverage counts
 * only our code, and a crash inside exiv2 shows as a plain SEGV.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "tg-blob-store.c"

#include "fuzz-common.h"

/* The largest APP1 segment holds 65533 bytes after its length. */
#define MAX_EXIF (65533 - 2 - 6)

/* What the app does with a capture time: parse it in local time. */
static void
check_time (const char *iso)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autoptr(GDateTime) time = NULL;

  if (iso == NULL)
    return;
  g_assert (g_utf8_validate (iso, -1, NULL));
  time = g_date_time_new_from_iso8601 (iso, local);
  if (time == NULL)
    g_error ("capture time “%s” does not parse", iso);
}

static void
check_text (const char *text)
{
  if (text == NULL)
    return;
  g_assert (*text != '\0' && g_utf8_validate (text, -1, NULL));
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    g_assert (!is_unsafe_char (g_utf8_get_char (p)));
}

static void
fuzz_date (const uint8_t *data,
           size_t         size)
{
  g_autofree char *text = fuzz_string (data, size);
  g_auto(GStrv) lines = g_strsplit (text, "\n", 3);
  g_autofree char *iso = NULL;

  if (lines[0] == NULL)
    return;
  iso = exif_date_to_iso8601 (lines[0], lines[1]);
  check_time (iso);
}

static void
fuzz_jpeg (const uint8_t *data,
           size_t         size)
{
  static char *path;
  g_autoptr(GByteArray) jpeg = g_byte_array_new ();
  g_autoptr(TgBlobInfo) info = g_object_new (TG_TYPE_BLOB_INFO, NULL);
  g_autoptr(GError) error = NULL;
  guint16 length;
  guint8 be[2];

  if (size > MAX_EXIF)
    return;
  if (path == NULL)
    path = g_build_filename (fuzz_tmpdir (), "photo.jpg", NULL);

  length = 2 + 6 + size;
  be[0] = length >> 8;
  be[1] = length & 0xff;
  g_byte_array_append (jpeg, (const guint8 *) "\xFF\xD8\xFF\xE1", 4);
  g_byte_array_append (jpeg, be, 2);
  g_byte_array_append (jpeg, (const guint8 *) "Exif\0\0", 6);
  g_byte_array_append (jpeg, data, size);
  g_byte_array_append (jpeg, (const guint8 *) "\xFF\xD9", 2);
  g_assert (g_file_set_contents (path, (const char *) jpeg->data, jpeg->len, &error));

  info->latitude = NAN;
  info->longitude = NAN;
  read_exif (info, path);

  check_time (info->captured_at);
  check_text (info->camera);
  g_assert (isnan (info->latitude) == isnan (info->longitude));
  if (!isnan (info->latitude))
    g_assert (-90 <= info->latitude && info->latitude <= 90 &&
              -180 <= info->longitude && info->longitude <= 180);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static gboolean started;

  if (!started)
    {
      /* The blob store's class starts gexiv2 as an import does. */
      g_type_class_unref (g_type_class_ref (TG_TYPE_BLOB_STORE));
      started = TRUE;
    }
  fuzz_date (data, size);
  fuzz_jpeg (data, size);
  return 0;
}
