/* make-photo.c — writes a JPEG as a phone would, for the UI tests
 *
 *   make-photo FILE "2023:01:09 15:42:07" LATITUDE LONGITUDE
 *
 * A 320×240 picture with the EXIF capture time, GPS position and a
 * camera name.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gexiv2/gexiv2.h>
#include <stdlib.h>

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GExiv2Metadata) meta = NULL;
  g_autoptr(GError) error = NULL;
  double latitude, longitude;

  if (argc != 5)
    {
      g_printerr ("usage: %s FILE \"YYYY:MM:DD HH:MM:SS\" LATITUDE LONGITUDE\n", argv[0]);
      return 2;
    }
  latitude = g_ascii_strtod (argv[3], NULL);
  longitude = g_ascii_strtod (argv[4], NULL);

  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 320, 240);
  gdk_pixbuf_fill (pixbuf, 0x3a6ea5ff);
  if (!gdk_pixbuf_save (pixbuf, argv[1], "jpeg", &error, "quality", "85", NULL) ||
      !gexiv2_initialize ())
    goto fail;

  meta = gexiv2_metadata_new ();
  if (!gexiv2_metadata_open_path (meta, argv[1], &error) ||
      !gexiv2_metadata_try_set_tag_string (meta, "Exif.Photo.DateTimeOriginal", argv[2], &error) ||
      !gexiv2_metadata_try_set_tag_string (meta, "Exif.Image.Make", "Motorola", &error) ||
      !gexiv2_metadata_try_set_tag_string (meta, "Exif.Image.Model", "moto g(8)", &error) ||
      !gexiv2_metadata_try_set_gps_info (meta, longitude, latitude, 3825.0, &error) ||
      !gexiv2_metadata_save_file (meta, argv[1], &error))
    goto fail;
  return 0;

fail:
  g_printerr ("make-photo: %s\n", error ? error->message : "gexiv2 did not start");
  return 1;
}
