/* tg-map-download-dialog.c — download a map region for offline use
 *
 * The region is the box in view, or the surroundings of a place found by
 * name in the gazetteer. The person sees the tile count and an estimated
 * size before starting; tiles come from the tile server set in the
 * preferences (there is no default server) into an MBTiles file under
 * $XDG_DATA_HOME/testigo/maps, which is then shown as a map layer.
 * Cancelling keeps what was fetched; starting again resumes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-map-download-dialog"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>

#include "tg-basemap.h"
#include "tg-map-download-dialog.h"
#include "tg-map-util.h"
#include "tg-tile-download.h"

struct _TgMapDownloadDialog
{
  AdwWindow       parent_instance;

  GtkWidget      *view_check;
  GtkWidget      *view_row;
  GtkWidget      *place_check;
  GtkWidget      *place_row;
  GtkWidget      *min_zoom;
  GtkWidget      *max_zoom;
  GtkWidget      *size_row;
  GtkWidget      *server_row;
  GtkWidget      *file_row;
  GtkWidget      *progress;
  GtkWidget      *status;
  GtkWidget      *start_button;
  GtkWidget      *cancel_button;

  TgGazetteer    *gazetteer;
  GSettings      *settings;

  char           *view_name;
  double          view_box[4];   /* west, south, east, north */
  char           *place_name;
  double          place_box[4];
  gboolean        have_place;

  char           *path;
  TgTileDownload *download;
  GCancellable   *cancellable;
  guint64         count;
};

G_DEFINE_FINAL_TYPE (TgMapDownloadDialog, tg_map_download_dialog, ADW_TYPE_WINDOW)

/* Helpers */

static gboolean
using_place (TgMapDownloadDialog *self)
{
  return gtk_check_button_get_active (GTK_CHECK_BUTTON (self->place_check)) && self->have_place;
}

static const double *
current_box (TgMapDownloadDialog *self)
{
  return using_place (self) ? self->place_box : self->view_box;
}

static char *
slugify (const char *name)
{
  g_autofree char *ascii = g_str_to_ascii (name, NULL);
  GString *slug = g_string_new (NULL);

  for (const char *p = ascii; *p; p++)
    {
      if (g_ascii_isalnum (*p))
        g_string_append_c (slug, g_ascii_tolower (*p));
      else if (slug->len > 0 && slug->str[slug->len - 1] != '-')
        g_string_append_c (slug, '-');
    }
  while (slug->len > 0 && slug->str[slug->len - 1] == '-')
    g_string_truncate (slug, slug->len - 1);
  if (slug->len == 0)
    g_string_append (slug, "region");

  return g_string_free (slug, FALSE);
}

static char *
dup_url_template (TgMapDownloadDialog *self,
                  GError             **error)
{
  g_autofree char *template = NULL;

  if (self->settings != NULL)
    template = g_settings_get_string (self->settings, "tile-url-template");

  if (template == NULL || *template == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("No tile server is set. Set the tile server address in Preferences, under Map."));
      return NULL;
    }
  if (!tg_tile_url_template_is_valid (template, error))
    return NULL;

  return g_steal_pointer (&template);
}

static void
update_summary (TgMapDownloadDialog *self)
{
  const double *box = current_box (self);
  int min_zoom = gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->min_zoom));
  int max_zoom = gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->max_zoom));
  g_autoptr(GError) error = NULL;
  g_autofree char *size = NULL;
  g_autofree char *text = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *slug = NULL;
  g_autofree char *file = NULL;
  g_autofree char *template = NULL;
  gboolean running = self->cancellable != NULL;
  gboolean can_start = TRUE;
  const char *name;

  if (max_zoom < min_zoom)
    {
      max_zoom = min_zoom;
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->max_zoom), max_zoom);
    }

  self->count = tg_tile_region_count (box[0], box[1], box[2], box[3], min_zoom, max_zoom);
  size = g_format_size (self->count * TG_TILE_DOWNLOAD_TYPICAL_TILE_BYTES);
  if (self->count > TG_TILE_DOWNLOAD_MAX_TILES)
    {
      text = g_strdup_printf (_("%'" PRIu64 " tiles: too many. Choose a smaller region or fewer zoom levels (at most %'d)."),
                              self->count, TG_TILE_DOWNLOAD_MAX_TILES);
      can_start = FALSE;
    }
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "%'" PRIu64 " tile, about %s",
                                         "%'" PRIu64 " tiles, about %s",
                                         self->count),
                            self->count, size);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->size_row), text);

  template = dup_url_template (self, &error);
  if (template == NULL)
    {
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->server_row), error->message);
      gtk_widget_add_css_class (self->server_row, "error");
      can_start = FALSE;
    }
  else
    {
      g_autofree char *escaped = g_markup_escape_text (template, -1);

      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->server_row), escaped);
      gtk_widget_remove_css_class (self->server_row, "error");
    }

  name = using_place (self) ? self->place_name : self->view_name;
  slug = slugify (name ? name : "region");
  file = g_strdup_printf ("%s-z%d-%d.mbtiles", slug, min_zoom, max_zoom);
  dir = tg_map_get_downloads_dir ();
  if (!running)
    {
      g_free (self->path);
      self->path = g_build_filename (dir, file, NULL);
    }
  {
    g_autofree char *escaped = g_markup_escape_text (self->path, -1);
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->file_row), escaped);
  }

  gtk_widget_set_sensitive (self->start_button, can_start && !running && self->count > 0);
  gtk_widget_set_sensitive (self->min_zoom, !running);
  gtk_widget_set_sensitive (self->max_zoom, !running);
  gtk_widget_set_sensitive (self->view_check, !running);
  gtk_widget_set_sensitive (self->place_check, !running && self->have_place);
  gtk_widget_set_sensitive (self->place_row, !running && self->gazetteer != NULL);
  gtk_button_set_label (GTK_BUTTON (self->cancel_button), running ? _("_Stop") : _("_Close"));
}

static void
set_status (TgMapDownloadDialog *self,
            const char          *text)
{
  gtk_label_set_text (GTK_LABEL (self->status), text);
  gtk_widget_set_visible (self->status, text != NULL && *text != '\0');
}

/* Callbacks */

static void
progress_cb (TgMapDownloadDialog *self,
             guint64              done,
             guint64              total)
{
  g_autofree char *text = NULL;

  if (total == 0)
    return;

  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress), (double) done / total);
  text = g_strdup_printf (_("%'" PRIu64 " of %'" PRIu64 " tiles"), done, total);
  gtk_progress_bar_set_text (GTK_PROGRESS_BAR (self->progress), text);
}

static void
run_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(TgMapDownloadDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  TgTileDownload *download = TG_TILE_DOWNLOAD (object);

  g_clear_object (&self->cancellable);

  if (!tg_tile_download_run_finish (download, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        text = g_strdup_printf (_("Stopped after %'" PRIu64 " of %'" PRIu64 " tiles. Start again to resume."),
                                tg_tile_download_get_done (download),
                                tg_tile_download_get_total (download));
      else
        text = g_strdup_printf (_("The download stopped: %s. Start again to resume."), error->message);
      gtk_button_set_label (GTK_BUTTON (self->start_button), _("_Resume"));
    }
  else
    {
      text = g_strdup_printf (_("Done: %'" PRIu64 " tiles fetched, %'" PRIu64 " already held. The region is shown on the map."),
                              tg_tile_download_get_fetched (download),
                              tg_tile_download_get_skipped (download));
      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress), 1.0);
      gtk_button_set_label (GTK_BUTTON (self->start_button), _("_Download"));
    }

  /* Whatever was fetched can be shown. */
  if (self->settings != NULL && g_file_test (self->path, G_FILE_TEST_EXISTS))
    tg_map_settings_add_mbtiles_file (self->settings, self->path);

  set_status (self, text);
  update_summary (self);
}

static void
start_clicked_cb (TgMapDownloadDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *template = NULL;
  const double *box = current_box (self);
  int min_zoom = gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->min_zoom));
  int max_zoom = gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->max_zoom));
  const char *name;

  template = dup_url_template (self, &error);
  if (template == NULL)
    {
      set_status (self, error->message);
      return;
    }

  dir = g_path_get_dirname (self->path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_autofree char *text = g_strdup_printf (_("The folder %s could not be made: %s"),
                                               dir, g_strerror (saved_errno));
      set_status (self, text);
      return;
    }

  /* A download of the same region and zooms is resumed, not repeated. */
  g_clear_object (&self->download);
  self->download = tg_tile_download_new (template, self->path, &error);
  if (self->download == NULL ||
      !tg_tile_download_set_region (self->download, box[0], box[1], box[2], box[3],
                                    min_zoom, max_zoom, &error))
    {
      g_clear_object (&self->download);
      set_status (self, error->message);
      return;
    }

  name = using_place (self) ? self->place_name : self->view_name;
  if (name != NULL)
    tg_tile_download_set_name (self->download, name);

  g_signal_connect_object (self->download, "progress", G_CALLBACK (progress_cb), self,
                           G_CONNECT_SWAPPED);

  self->cancellable = g_cancellable_new ();
  gtk_widget_set_visible (self->progress, TRUE);
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress), 0);
  gtk_progress_bar_set_text (GTK_PROGRESS_BAR (self->progress), NULL);
  set_status (self, NULL);
  update_summary (self);

  tg_tile_download_run_async (self->download, self->cancellable, run_cb, g_object_ref (self));
}

static void
cancel_clicked_cb (TgMapDownloadDialog *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  else
    gtk_window_close (GTK_WINDOW (self));
}

static void
place_apply_cb (TgMapDownloadDialog *self)
{
  g_autoptr(GPtrArray) places = NULL;
  g_autoptr(GError) error = NULL;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->place_row));
  TgGazetteerPlace *place;
  g_autofree char *label = NULL;
  double lat, lon, half_lat, half_lon;
  gint64 population;

  if (self->gazetteer == NULL || text == NULL || *text == '\0')
    return;

  places = tg_gazetteer_search (self->gazetteer, text, NULL, 1, &error);
  if (places == NULL || places->len == 0)
    {
      g_autofree char *msg = g_strdup_printf (_("No place called “%s” was found."), text);
      self->have_place = FALSE;
      set_status (self, msg);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (self->view_check), TRUE);
      update_summary (self);
      return;
    }

  place = g_ptr_array_index (places, 0);
  lat = tg_gazetteer_place_get_latitude (place);
  lon = tg_gazetteer_place_get_longitude (place);
  population = tg_gazetteer_place_get_population (place);

  /* About 15 km around a town, 30 km around a city. */
  half_lat = population >= 100000 ? 0.27 : 0.135;
  half_lon = half_lat / MAX (cos (lat * G_PI / 180.0), 0.1);
  self->place_box[0] = MAX (lon - half_lon, -180);
  self->place_box[1] = MAX (lat - half_lat, -85);
  self->place_box[2] = MIN (lon + half_lon, 180);
  self->place_box[3] = MIN (lat + half_lat, 85);
  label = tg_gazetteer_place_dup_label (place);
  g_free (self->place_name);
  self->place_name = g_strdup (tg_gazetteer_place_get_name (place));
  self->have_place = TRUE;

  gtk_editable_set_text (GTK_EDITABLE (self->place_row), label);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->place_check), TRUE);
  set_status (self, NULL);
  update_summary (self);
}

static void
changed_cb (TgMapDownloadDialog *self)
{
  update_summary (self);
}

static gboolean
close_request_cb (TgMapDownloadDialog *self)
{
  /* Closing stops the download; what was fetched stays for a resume. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);

  return FALSE;
}

/* Vfuncs */

static void
tg_map_download_dialog_dispose (GObject *object)
{
  TgMapDownloadDialog *self = (TgMapDownloadDialog *) object;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->download);
  g_clear_object (&self->gazetteer);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (tg_map_download_dialog_parent_class)->dispose (object);
}

static void
tg_map_download_dialog_finalize (GObject *object)
{
  TgMapDownloadDialog *self = (TgMapDownloadDialog *) object;

  g_free (self->view_name);
  g_free (self->place_name);
  g_free (self->path);

  G_OBJECT_CLASS (tg_map_download_dialog_parent_class)->finalize (object);
}

static void
tg_map_download_dialog_class_init (TgMapDownloadDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_map_download_dialog_dispose;
  object_class->finalize = tg_map_download_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/testigo/Testigo/map/tg-map-download-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, TgMapDownloadDialog, view_check);
  gtk_widget_class_bind_template_child (widget_class, TgMapDownloadDialog, view_row);
  gtk_widget_class_bind_template_child (widget_class, TgMapDownloadDialog, place_check);
  gtk_widget_class_bind_template_child (widget_class, TgMapDownloadDialog, place_row);
  gtk_widget_class_bind_template_child (widget_class, TgMapDownloadDialog, min_zoom);
  gtk_widget_class_bind_template_child (widget_class, TgMapDownloadDialog, max_zoom);
  gtk_widget_class_bind_template_child (widget_class, TgMapDownloadDialog, size_row);
  gtk_widget_class_bind_template_child (widget_class, TgMapDownloadDialog, server_row);
  gtk_widget_class_bind_template_child (widget_class, TgMapDownloadDialog, file_row);
  gtk_widget_class_bind_template_child (widget_class, TgMapDownloadDialog, progress);
  gtk_widget_class_bind_template_child (widget_class, TgMapDownloadDialog, status);
  gtk_widget_class_bind_template_child (widget_class, TgMapDownloadDialog, start_button);
  gtk_widget_class_bind_template_child (widget_class, TgMapDownloadDialog, cancel_button);
  gtk_widget_class_bind_template_callback (widget_class, changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, place_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, start_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, close_request_cb);
}

static void
tg_map_download_dialog_init (TgMapDownloadDialog *self)
{
  self->view_box[0] = -180;
  self->view_box[1] = -85;
  self->view_box[2] = 180;
  self->view_box[3] = 85;

  gtk_widget_init_template (GTK_WIDGET (self));
  /* The zoom range comes from the basemap's limit, not the template. */
  gtk_adjustment_set_upper (gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (self->min_zoom)),
                            TG_BASEMAP_MAX_ZOOM);
  gtk_adjustment_set_upper (gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (self->max_zoom)),
                            TG_BASEMAP_MAX_ZOOM);
}

/* Public API */

GtkWidget *
tg_map_download_dialog_new (TgGazetteer *gazetteer,
                            GSettings   *settings)
{
  TgMapDownloadDialog *self;

  g_return_val_if_fail (gazetteer == NULL || TG_IS_GAZETTEER (gazetteer), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (TG_TYPE_MAP_DOWNLOAD_DIALOG, NULL);
  g_set_object (&self->gazetteer, gazetteer);
  g_set_object (&self->settings, settings);
  if (self->settings != NULL)
    g_signal_connect_object (self->settings, "changed::tile-url-template",
                             G_CALLBACK (changed_cb), self, G_CONNECT_SWAPPED);
  update_summary (self);

  return GTK_WIDGET (self);
}

void
tg_map_download_dialog_set_region (TgMapDownloadDialog *self,
                                   const char          *name,
                                   double               west,
                                   double               south,
                                   double               east,
                                   double               north)
{
  g_autofree char *subtitle = NULL;
  g_autofree char *slug_source = NULL;

  g_return_if_fail (TG_IS_MAP_DOWNLOAD_DIALOG (self));

  self->view_box[0] = west;
  self->view_box[1] = south;
  self->view_box[2] = east;
  self->view_box[3] = north;

  g_free (self->view_name);
  if (name != NULL)
    self->view_name = g_strdup (name);
  else
    self->view_name = g_strdup_printf ("region-%.2f-%.2f-%.2f-%.2f", west, south, east, north);

  /* Degrees with hemispheres, as a field worker reads them. */
  subtitle = g_strdup_printf (_("%.3f°%s to %.3f°%s, %.3f°%s to %.3f°%s"),
                              fabs (south), south < 0 ? _("S") : _("N"),
                              fabs (north), north < 0 ? _("S") : _("N"),
                              fabs (west), west < 0 ? _("W") : _("E"),
                              fabs (east), east < 0 ? _("W") : _("E"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->view_row), subtitle);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->view_check), TRUE);
  update_summary (self);
}

void
tg_map_download_dialog_set_zoom_range (TgMapDownloadDialog *self,
                                       int                  min_zoom,
                                       int                  max_zoom)
{
  g_return_if_fail (TG_IS_MAP_DOWNLOAD_DIALOG (self));

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->max_zoom), max_zoom);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->min_zoom), min_zoom);
  update_summary (self);
}

guint64
tg_map_download_dialog_get_tile_count (TgMapDownloadDialog *self)
{
  g_return_val_if_fail (TG_IS_MAP_DOWNLOAD_DIALOG (self), 0);

  return self->count;
}

const char *
tg_map_download_dialog_get_path (TgMapDownloadDialog *self)
{
  g_return_val_if_fail (TG_IS_MAP_DOWNLOAD_DIALOG (self), NULL);

  return self->path;
}
