/* tg-source-row.c — one source of a report: file, link or testimony
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-source-row"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "tg-custody-row.h"
#include "tg-open-copy.h"
#include "tg-source-import.h"
#include "tg-source-row.h"
#include "tg-ui-util.h"

struct _TgSourceRow
{
  AdwExpanderRow  parent_instance;

  TgSource       *source;
  TgBlobStore    *blobs;
  gboolean        loading;

  GtkStack       *thumb_stack;
  GtkImage       *kind_icon;
  GtkPicture     *thumbnail;
  AdwEntryRow    *title_row;
  AdwEntryRow    *url_row;
  GtkWidget      *text_row;
  GtkTextView    *text_view;
  AdwActionRow   *file_row;
  AdwActionRow   *sha_row;
  AdwActionRow   *captured_row;
  AdwActionRow   *position_row;
  GtkWidget      *open_button;

  /* The photo's time and place, and what is wrong with the file. */
  AdwActionRow   *problem_row;
  GtkWidget      *both_row;
  GtkWidget      *problem_badge;
  GCancellable   *check_cancellable;
  GCancellable   *thumb_cancellable;
  gboolean        offer_both;
};

G_DEFINE_FINAL_TYPE (TgSourceRow, tg_source_row, ADW_TYPE_EXPANDER_ROW)

enum {
  CHANGED,
  REMOVE,
  USE_LOCATION,
  SHOW_MESSAGE,
  USE_TIME,
  USE_TIME_AND_LOCATION,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
update_header (TgSourceRow *self)
{
  const char *title = tg_source_get_title (self->source);
  TgSourceKind kind = tg_source_get_kind (self->source);
  g_autofree char *subtitle = NULL;

  if (title == NULL || *title == '\0')
    title = kind == TG_SOURCE_KIND_LINK ? tg_source_get_url (self->source) : NULL;
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self),
                                 (title != NULL && *title != '\0') ? title : _("Untitled source"));
  if (kind == TG_SOURCE_KIND_FILE)
    {
      g_autofree char *size = g_format_size (tg_source_get_size (self->source));

      subtitle = g_strdup_printf ("%s · %s", tg_ui_source_kind_label (kind), size);
    }
  else
    subtitle = g_strdup (tg_ui_source_kind_label (kind));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (self), subtitle);
}

static void
emit_changed (TgSourceRow *self)
{
  if (self->loading)
    return;
  update_header (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
title_changed_cb (TgSourceRow *self)
{
  if (self->loading)
    return;
  tg_source_set_title (self->source, gtk_editable_get_text (GTK_EDITABLE (self->title_row)));
  emit_changed (self);
}

static void
url_changed_cb (TgSourceRow *self)
{
  if (self->loading)
    return;
  tg_source_set_url (self->source, gtk_editable_get_text (GTK_EDITABLE (self->url_row)));
  emit_changed (self);
}

static void
text_changed_cb (TgSourceRow   *self,
                 GtkTextBuffer *buffer)
{
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  if (self->loading)
    return;
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  tg_source_set_text (self->source, text);
  emit_changed (self);
}

static void
copy_clicked_cb (TgSourceRow *self)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));

  gdk_clipboard_set_text (clipboard, tg_source_get_sha256 (self->source));
  g_signal_emit (self, signals[SHOW_MESSAGE], 0, _("Fingerprint copied"));
}

static void
use_location_clicked_cb (TgSourceRow *self)
{
  g_signal_emit (self, signals[USE_LOCATION], 0,
                 tg_source_get_latitude (self->source),
                 tg_source_get_longitude (self->source));
}

static void
use_time_clicked_cb (TgSourceRow *self)
{
  g_signal_emit (self, signals[USE_TIME], 0, tg_source_get_captured_at (self->source));
}

static void
use_both_clicked_cb (TgSourceRow *self)
{
  g_signal_emit (self, signals[USE_TIME_AND_LOCATION], 0,
                 tg_source_get_captured_at (self->source),
                 tg_source_get_latitude (self->source),
                 tg_source_get_longitude (self->source));
}

static gboolean
has_time_and_place (TgSourceRow *self)
{
  return tg_source_get_kind (self->source) == TG_SOURCE_KIND_FILE &&
         tg_source_get_captured_at (self->source) != NULL &&
         !isnan (tg_source_get_latitude (self->source)) &&
         !isnan (tg_source_get_longitude (self->source));
}

static void
update_both_row (TgSourceRow *self)
{
  gtk_widget_set_visible (self->both_row, self->offer_both && has_time_and_place (self));
}

/* An empty or undecodable file stays a source (it may be evidence), but
 * says so in its header, in its rows and to a screen reader. */
static void
show_problem (TgSourceRow     *self,
              TgSourceProblem  problem)
{
  const char *label = tg_source_problem_label (problem);
  const char *description = tg_source_problem_description (problem);

  gtk_widget_set_visible (self->problem_badge, label != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->problem_row), label != NULL);
  if (label == NULL)
    {
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
      return;
    }
  gtk_label_set_text (GTK_LABEL (self->problem_badge), label);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->problem_row), label);
  adw_action_row_set_subtitle (self->problem_row, description);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->problem_badge),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
}

/* Blobs never change: what was found for one is true for good. */
static GHashTable *
problem_cache (void)
{
  static GHashTable *cache;

  if (cache == NULL)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return cache;
}

static void
check_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TgSourceRow) self = user_data;
  g_autoptr(GError) error = NULL;
  TgSourceProblem problem = tg_source_check_content_finish (result, &error);

  if (error != NULL)
    return;
  g_hash_table_insert (problem_cache (), g_strdup (tg_source_get_sha256 (self->source)),
                       GINT_TO_POINTER (problem));
  show_problem (self, problem);
}

static void
check_content (TgSourceRow *self)
{
  const char *sha = tg_source_get_sha256 (self->source);
  gpointer known;

  if (tg_source_get_kind (self->source) != TG_SOURCE_KIND_FILE || sha == NULL)
    return;
  if (tg_source_get_size (self->source) == 0)
    {
      show_problem (self, TG_SOURCE_PROBLEM_EMPTY);
      return;
    }
  if (g_hash_table_lookup_extended (problem_cache (), sha, NULL, &known))
    {
      show_problem (self, GPOINTER_TO_INT (known));
      return;
    }
  if (self->blobs == NULL ||
      g_strcmp0 (gtk_stack_get_visible_child_name (self->thumb_stack), "thumbnail") == 0)
    return;  /* its thumbnail is shown: it decoded */

  g_cancellable_cancel (self->check_cancellable);
  g_clear_object (&self->check_cancellable);
  self->check_cancellable = g_cancellable_new ();
  tg_source_check_content_async (self->blobs, self->source, self->check_cancellable,
                                 check_done_cb, g_object_ref (self));
}

static void
launch_uri (TgSourceRow *self,
            const char  *uri)
{
  g_autoptr(GError) error = NULL;

  if (uri == NULL || *uri == '\0')
    {
      g_signal_emit (self, signals[SHOW_MESSAGE], 0, _("There is nothing to open for this source."));
      return;
    }
  if (!g_app_info_launch_default_for_uri (uri, NULL, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not open the source: %s"), error->message);

      g_signal_emit (self, signals[SHOW_MESSAGE], 0, message);
    }
}

static void
open_copy_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(TgSourceRow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) copy = tg_open_copy_finish (result, &error);
  g_autofree char *uri = copy ? g_file_get_uri (copy) : NULL;

  if (copy == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not open the source: %s"), error->message);

      /* For the log (and the at-rest test, which cannot wait for a toast
       * of 5 s): the reason only, never the file's name. */
      g_debug ("Open refused: %s %d", g_quark_to_string (error->domain), error->code);
      g_signal_emit (self, signals[SHOW_MESSAGE], 0, message);
      return;
    }
  launch_uri (self, uri);
}

/* A link opens in the browser; a file in the desktop's viewer: as it is
 * when stored plain, else through a decrypted copy kept in memory only
 * (tg-open-copy.h), decrypted off the main loop. */
static void
open_clicked_cb (TgSourceRow *self)
{
  g_autofree char *uri = NULL;

  if (tg_source_get_kind (self->source) == TG_SOURCE_KIND_LINK)
    uri = g_strdup (tg_source_get_url (self->source));
  else if (tg_source_get_kind (self->source) == TG_SOURCE_KIND_FILE && self->blobs != NULL)
    {
      const char *sha = tg_source_get_sha256 (self->source);
      g_autoptr(GFile) file = tg_blob_store_get_file (self->blobs, sha);

      if (file != NULL && g_file_query_exists (file, NULL) && tg_blob_store_is_encrypted (self->blobs, sha))
        {
          tg_open_copy_async (self->blobs, sha, tg_source_get_file_name (self->source), NULL,
                              open_copy_done_cb, g_object_ref (self));
          return;
        }
      if (file != NULL && g_file_query_exists (file, NULL))
        uri = g_file_get_uri (file);
    }
  launch_uri (self, uri);
}

static void
remove_clicked_cb (TgSourceRow *self)
{
  g_signal_emit (self, signals[REMOVE], 0);
}

/* "9 Jan 2023 15:42", as the date fields show it; the stored text when
 * it does not read as a time. */
static GString *
format_captured (TgSource *source)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autoptr(GDateTime) date = g_date_time_new_from_iso8601 (tg_source_get_captured_at (source), local);
  g_autofree char *text = date ? tg_ui_format_date (date, TG_DATE_PRECISION_EXACT) : NULL;

  return g_string_new (text ? text : tg_source_get_captured_at (source));
}

/* A thumbnail is a PNG of 256 pixels a side at most: far below this. */
#define MAX_THUMBNAIL_BYTES (4 * 1024 * 1024)

static void
thumbnail_loaded_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(TgSourceRow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = tg_blob_store_load_bytes_finish (TG_BLOB_STORE (source), result, &error);
  g_autoptr(GdkTexture) texture = NULL;

  if (bytes == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No thumbnail: %s", error->message);
      return;
    }
  texture = gdk_texture_new_from_bytes (bytes, &error);
  if (texture == NULL)
    {
      g_debug ("The thumbnail does not decode: %s", error->message);
      return;
    }
  gtk_picture_set_paintable (self->thumbnail, GDK_PAINTABLE (texture));
  gtk_stack_set_visible_child_name (self->thumb_stack, "thumbnail");
}

static void
load_fields (TgSourceRow *self)
{
  TgSource *s = self->source;
  TgSourceKind kind = tg_source_get_kind (s);
  const char *thumb = tg_source_get_thumbnail_sha256 (s);

  self->loading = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->title_row), tg_source_get_title (s) ? tg_source_get_title (s) : "");

  switch (kind)
    {
    case TG_SOURCE_KIND_LINK:
      gtk_image_set_from_icon_name (self->kind_icon, "insert-link-symbolic");
      gtk_widget_set_visible (GTK_WIDGET (self->url_row), TRUE);
      gtk_editable_set_text (GTK_EDITABLE (self->url_row), tg_source_get_url (s) ? tg_source_get_url (s) : "");
      break;

    case TG_SOURCE_KIND_TESTIMONY:
      gtk_image_set_from_icon_name (self->kind_icon, "chat-message-new-symbolic");
      gtk_widget_set_visible (self->text_row, TRUE);
      gtk_widget_set_visible (self->open_button, FALSE);
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view),
                                tg_source_get_text (s) ? tg_source_get_text (s) : "", -1);
      break;

    case TG_SOURCE_KIND_FILE:
    default:
      {
        g_autofree char *size = g_format_size_full (tg_source_get_size (s), G_FORMAT_SIZE_LONG_FORMAT);
        g_autofree char *file_text = NULL;
        g_autofree char *sha = tg_ui_short_sha (tg_source_get_sha256 (s));
        const char *mime = tg_source_get_mime_type (s);

        gtk_image_set_from_icon_name (self->kind_icon,
                                      mime && g_str_has_prefix (mime, "image/") ? "camera-photo-symbolic" :
                                      "text-x-generic-symbolic");
        file_text = g_strdup_printf ("%s\n%s%s%s", tg_source_get_file_name (s) ? tg_source_get_file_name (s) : "",
                                     size, mime ? " · " : "", mime ? mime : "");
        adw_action_row_set_subtitle (self->file_row, file_text);
        gtk_widget_set_visible (GTK_WIDGET (self->file_row), TRUE);
        adw_action_row_set_subtitle (self->sha_row, sha);
        gtk_widget_set_visible (GTK_WIDGET (self->sha_row), TRUE);

        if (tg_source_get_captured_at (s) != NULL)
          {
            g_autoptr(GString) captured = format_captured (s);

            if (tg_source_get_camera (s) != NULL)
              g_string_append_printf (captured, " · %s", tg_source_get_camera (s));
            adw_action_row_set_subtitle (self->captured_row, captured->str);
            gtk_widget_set_visible (GTK_WIDGET (self->captured_row), TRUE);
          }
        if (!isnan (tg_source_get_latitude (s)) && !isnan (tg_source_get_longitude (s)))
          {
            g_autofree char *pos = g_strdup_printf ("%.5f, %.5f", tg_source_get_latitude (s),
                                                    tg_source_get_longitude (s));

            adw_action_row_set_subtitle (self->position_row, pos);
            gtk_widget_set_visible (GTK_WIDGET (self->position_row), TRUE);
          }
        if (thumb != NULL && self->blobs != NULL && tg_blob_store_contains (self->blobs, thumb))
          {
            /* decoded from memory: the stored file may be encrypted */
            if (self->thumb_cancellable != NULL)
              g_cancellable_cancel (self->thumb_cancellable);
            g_clear_object (&self->thumb_cancellable);
            self->thumb_cancellable = g_cancellable_new ();
            tg_blob_store_load_bytes_async (self->blobs, thumb, MAX_THUMBNAIL_BYTES,
                                            self->thumb_cancellable, thumbnail_loaded_cb,
                                            g_object_ref (self));
          }
      }
      break;
    }

  update_header (self);
  check_content (self);
  update_both_row (self);
  self->loading = FALSE;
}

static void
tg_source_row_dispose (GObject *object)
{
  TgSourceRow *self = TG_SOURCE_ROW (object);

  if (self->check_cancellable != NULL)
    g_cancellable_cancel (self->check_cancellable);
  g_clear_object (&self->check_cancellable);
  if (self->thumb_cancellable != NULL)
    g_cancellable_cancel (self->thumb_cancellable);
  g_clear_object (&self->thumb_cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_SOURCE_ROW);
  g_clear_object (&self->source);
  g_clear_object (&self->blobs);

  G_OBJECT_CLASS (tg_source_row_parent_class)->dispose (object);
}

static void
tg_source_row_class_init (TgSourceRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_source_row_dispose;

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[REMOVE] = g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[USE_LOCATION] = g_signal_new ("use-location", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  signals[SHOW_MESSAGE] = g_signal_new ("show-message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* The photo's capture time, ISO 8601, with or without an offset. */
  signals[USE_TIME] = g_signal_new ("use-time", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[USE_TIME_AND_LOCATION] = g_signal_new ("use-time-and-location", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                                 G_TYPE_STRING, G_TYPE_DOUBLE, G_TYPE_DOUBLE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/testigo/Testigo/tg-source-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TgSourceRow, thumb_stack);
  gtk_widget_class_bind_template_child (widget_class, TgSourceRow, kind_icon);
  gtk_widget_class_bind_template_child (widget_class, TgSourceRow, thumbnail);
  gtk_widget_class_bind_template_child (widget_class, TgSourceRow, title_row);
  gtk_widget_class_bind_template_child (widget_class, TgSourceRow, url_row);
  gtk_widget_class_bind_template_child (widget_class, TgSourceRow, text_row);
  gtk_widget_class_bind_template_child (widget_class, TgSourceRow, text_view);
  gtk_widget_class_bind_template_child (widget_class, TgSourceRow, file_row);
  gtk_widget_class_bind_template_child (widget_class, TgSourceRow, sha_row);
  gtk_widget_class_bind_template_child (widget_class, TgSourceRow, captured_row);
  gtk_widget_class_bind_template_child (widget_class, TgSourceRow, position_row);
  gtk_widget_class_bind_template_child (widget_class, TgSourceRow, open_button);
  gtk_widget_class_bind_template_child (widget_class, TgSourceRow, problem_row);
  gtk_widget_class_bind_template_child (widget_class, TgSourceRow, both_row);
  gtk_widget_class_bind_template_callback (widget_class, use_time_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, use_both_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, title_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, url_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, copy_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, use_location_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, open_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, remove_clicked_cb);
}

static void
tg_source_row_init (TgSourceRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->text_view), "changed",
                            G_CALLBACK (text_changed_cb), self);

  self->problem_badge = gtk_label_new (NULL);
  gtk_widget_set_valign (self->problem_badge, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->problem_badge, "warning");
  gtk_widget_add_css_class (self->problem_badge, "caption-heading");
  gtk_widget_set_visible (self->problem_badge, FALSE);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (self), self->problem_badge);
}

GtkWidget *
tg_source_row_new (TgSource    *source,
                   TgBlobStore *blobs)
{
  TgSourceRow *self = g_object_new (TG_TYPE_SOURCE_ROW, NULL);

  self->source = g_object_ref (source);
  self->blobs = blobs ? g_object_ref (blobs) : NULL;
  load_fields (self);
  /* The file's custody history (tg-custody-row.c, exchange's). */
  if (tg_source_get_kind (source) == TG_SOURCE_KIND_FILE && tg_source_get_sha256 (source) != NULL)
    adw_expander_row_add_row (ADW_EXPANDER_ROW (self), tg_custody_row_new (tg_source_get_sha256 (source)));
  return GTK_WIDGET (self);
}

TgSource *
tg_source_row_get_source (TgSourceRow *self)
{
  g_return_val_if_fail (TG_IS_SOURCE_ROW (self), NULL);
  return self->source;
}

void
tg_source_row_set_offer_both (TgSourceRow *self,
                              gboolean     offer)
{
  g_return_if_fail (TG_IS_SOURCE_ROW (self));
  self->offer_both = !!offer;
  update_both_row (self);
}
