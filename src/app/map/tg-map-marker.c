/* tg-map-marker.c — report and cluster markers for the map
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-map-marker"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "tg-map-marker.h"

#define PIN_SIZE          18
#define PIN_SIZE_SELECTED 26

struct _TgMapMarker
{
  ShumateMarker  parent_instance;

  char          *report_id;
  guint          count;
  gboolean       selected;
  GdkRGBA        color;
};

G_DEFINE_FINAL_TYPE (TgMapMarker, tg_map_marker, SHUMATE_TYPE_MARKER)

static const struct {
  const char *code;
  guint32     rgb;
} category_colors[] = {
  { "killing",                0xc01c28 },
  { "injury",                 0xe66100 },
  { "arbitrary_detention",    0x1c71d8 },
  { "raid",                   0x613583 },
  { "torture",                0x813d9c },
  { "attack_on_press",        0x26a269 },
  { "attack_on_medical",      0x2ec27e },
  { "enforced_disappearance", 0x241f31 },
  { "blockade_repression",    0xa51d2d },
  { "excessive_force",        0xf5c211 },
  { "threats",                0x986a44 },
  { "sexual_violence",        0xc061cb },
  { "property_destruction",   0x865e3c },
  { "denial_of_assistance",   0x62a0ea },
  { "other",                  0x77767b },
};

void
tg_map_category_color (const char *category,
                       GdkRGBA    *color)
{
  guint32 rgb = 0x77767b;

  g_return_if_fail (color != NULL);

  for (guint i = 0; category != NULL && i < G_N_ELEMENTS (category_colors); i++)
    if (g_str_equal (category, category_colors[i].code))
      {
        rgb = category_colors[i].rgb;
        break;
      }

  color->red = ((rgb >> 16) & 0xff) / 255.0;
  color->green = ((rgb >> 8) & 0xff) / 255.0;
  color->blue = (rgb & 0xff) / 255.0;
  color->alpha = 1.0;
}

static int
marker_size (TgMapMarker *self)
{
  if (self->report_id != NULL)
    return self->selected ? PIN_SIZE_SELECTED : PIN_SIZE;

  /* Clusters grow slowly with their count. */
  return (int) (26 + 6 * log10 (MAX (self->count, 1)));
}

static void
draw_func (GtkDrawingArea *area,
           cairo_t        *cr,
           int             width,
           int             height,
           gpointer        user_data)
{
  TgMapMarker *self = user_data;
  double r = MIN (width, height) / 2.0 - 1.5;

  cairo_arc (cr, width / 2.0, height / 2.0, r, 0, 2 * G_PI);
  gdk_cairo_set_source_rgba (cr, &self->color);
  cairo_fill_preserve (cr);
  if (self->selected)
    cairo_set_source_rgb (cr, 0.0, 0.0, 0.0);
  else
    cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  cairo_set_line_width (cr, self->selected ? 3.0 : 2.0);
  cairo_stroke (cr);

  if (self->report_id == NULL)
    {
      g_autofree char *text = g_strdup_printf ("%u", self->count);
      PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (area), text);
      PangoFontDescription *font = pango_font_description_from_string ("Sans Bold 9");
      int tw, th;

      pango_layout_set_font_description (layout, font);
      pango_layout_get_pixel_size (layout, &tw, &th);
      cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
      cairo_move_to (cr, (width - tw) / 2.0, (height - th) / 2.0);
      pango_cairo_show_layout (cr, layout);
      pango_font_description_free (font);
      g_object_unref (layout);
    }
  else if (self->selected)
    {
      cairo_arc (cr, width / 2.0, height / 2.0, 3.0, 0, 2 * G_PI);
      cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
      cairo_fill (cr);
    }
}

static void
setup_child (TgMapMarker *self)
{
  GtkWidget *area = gtk_drawing_area_new ();
  int size = marker_size (self);

  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (area), size);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (area), size);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), draw_func, self, NULL);
  shumate_marker_set_child (SHUMATE_MARKER (self), area);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "pointer");
}

static void
tg_map_marker_finalize (GObject *object)
{
  TgMapMarker *self = (TgMapMarker *) object;

  g_free (self->report_id);

  G_OBJECT_CLASS (tg_map_marker_parent_class)->finalize (object);
}

static void
tg_map_marker_class_init (TgMapMarkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tg_map_marker_finalize;
}

static void
tg_map_marker_init (TgMapMarker *self)
{
  self->count = 1;
}

TgMapMarker *
tg_map_marker_new_for_report (TgReport *report,
                              gboolean  selected)
{
  TgMapMarker *self;
  const char * const *categories;
  const char *title;

  g_return_val_if_fail (TG_IS_REPORT (report), NULL);

  self = g_object_new (TG_TYPE_MAP_MARKER, NULL);
  self->report_id = g_strdup (tg_report_get_id (report));
  self->selected = selected;
  categories = tg_report_get_categories (report);
  tg_map_category_color (categories && categories[0] ? categories[0] : NULL, &self->color);
  shumate_location_set_location (SHUMATE_LOCATION (self),
                                 tg_report_get_latitude (report),
                                 tg_report_get_longitude (report));

  title = tg_report_get_title (report);
  if (title != NULL && *title != '\0')
    gtk_widget_set_tooltip_text (GTK_WIDGET (self), title);

  setup_child (self);

  return self;
}

TgMapMarker *
tg_map_marker_new_for_location (const TgReportLocation *location,
                                const char             *report_id,
                                const char             *title)
{
  TgMapMarker *self;

  g_return_val_if_fail (location != NULL, NULL);
  g_return_val_if_fail (report_id != NULL, NULL);

  self = g_object_new (TG_TYPE_MAP_MARKER, NULL);
  self->report_id = g_strdup (report_id);
  tg_map_category_color (location->category, &self->color);
  shumate_location_set_location (SHUMATE_LOCATION (self), location->latitude, location->longitude);
  if (title != NULL && *title != '\0')
    gtk_widget_set_tooltip_text (GTK_WIDGET (self), title);

  setup_child (self);

  return self;
}

TgMapMarker *
tg_map_marker_new_for_cluster (double         latitude,
                               double         longitude,
                               guint          count,
                               const GdkRGBA *color)
{
  TgMapMarker *self;
  g_autofree char *tooltip = NULL;

  self = g_object_new (TG_TYPE_MAP_MARKER, NULL);
  self->count = count;
  if (color != NULL)
    self->color = *color;
  else
    self->color = (GdkRGBA) { 0.20, 0.27, 0.38, 1.0 };
  shumate_location_set_location (SHUMATE_LOCATION (self), latitude, longitude);

  tooltip = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u report", "%u reports", count), count);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), tooltip);

  setup_child (self);

  return self;
}

const char *
tg_map_marker_get_report_id (TgMapMarker *self)
{
  g_return_val_if_fail (TG_IS_MAP_MARKER (self), NULL);

  return self->report_id;
}

guint
tg_map_marker_get_count (TgMapMarker *self)
{
  g_return_val_if_fail (TG_IS_MAP_MARKER (self), 0);

  return self->count;
}

gboolean
tg_map_marker_get_selected (TgMapMarker *self)
{
  g_return_val_if_fail (TG_IS_MAP_MARKER (self), FALSE);

  return self->selected;
}

void
tg_map_marker_get_color (TgMapMarker *self,
                         GdkRGBA     *color)
{
  g_return_if_fail (TG_IS_MAP_MARKER (self));

  *color = self->color;
}
