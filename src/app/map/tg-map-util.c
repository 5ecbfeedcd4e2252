/* tg-map-util.c — small helpers shared by the map's widgets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-map"

#include "config.h"

#include "tg-map-util.h"

#define SCHEMA_ID "io.github.testigo.Testigo"

GSettings *
tg_map_settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  /* The development build's app id carries a suffix; the schema does not. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, SCHEMA_ID, TRUE);
  if (schema == NULL)
    {
      g_warning ("The settings schema %s is not installed; map settings are not remembered",
                 SCHEMA_ID);
      return NULL;
    }

  return g_settings_new_full (schema, NULL, NULL);
}

gboolean
tg_map_settings_add_mbtiles_file (GSettings  *settings,
                                  const char *path)
{
  g_auto(GStrv) files = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) result = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  files = g_settings_get_strv (settings, "mbtiles-files");
  if (g_strv_contains ((const char * const *) files, path))
    return FALSE;

  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) files);
  g_strv_builder_add (builder, path);
  result = g_strv_builder_end (builder);

  return g_settings_set_strv (settings, "mbtiles-files", (const char * const *) result);
}

gboolean
tg_map_settings_remove_mbtiles_file (GSettings  *settings,
                                     const char *path)
{
  g_auto(GStrv) files = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) result = NULL;
  gboolean found = FALSE;

  g_return_val_if_fail (G_IS_SETTINGS (settings), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  files = g_settings_get_strv (settings, "mbtiles-files");
  builder = g_strv_builder_new ();
  for (guint i = 0; files[i] != NULL; i++)
    {
      if (g_str_equal (files[i], path))
        found = TRUE;
      else
        g_strv_builder_add (builder, files[i]);
    }
  if (!found)
    return FALSE;

  result = g_strv_builder_end (builder);

  return g_settings_set_strv (settings, "mbtiles-files", (const char * const *) result);
}

char *
tg_map_get_downloads_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "testigo", "maps", NULL);
}
