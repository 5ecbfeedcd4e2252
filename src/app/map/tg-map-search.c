/* tg-map-search.c — offline place search over the map
 *
 * A search entry whose results (TgGazetteer, accent- and case-insensitive,
 * ranked) appear in a popover list; choosing one emits "place-chosen".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-map-search"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "tg-map-search.h"

#define MAX_RESULTS 12

struct _TgMapSearch
{
  GtkWidget     parent_instance;

  GtkWidget    *entry;
  GtkWidget    *popover;
  GtkWidget    *list_box;
  GtkWidget    *empty_label;

  TgGazetteer  *gazetteer;
  GListStore   *results;
  GCancellable *cancellable;
  char         *country_bias;
};

G_DEFINE_FINAL_TYPE (TgMapSearch, tg_map_search, GTK_TYPE_WIDGET)

enum {
  PLACE_CHOSEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static GtkWidget *
create_row_cb (gpointer item,
               gpointer user_data)
{
  TgGazetteerPlace *place = item;
  g_autofree char *label = tg_gazetteer_place_dup_label (place);
  g_autofree char *markup = NULL;
  GtkWidget *box;
  GtkWidget *title;
  GtkWidget *subtitle;
  gint64 population = tg_gazetteer_place_get_population (place);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);

  title = gtk_label_new (label);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (box), title);

  if (population > 0)
    markup = g_strdup_printf (_("%s · population %'" PRId64),
                              tg_gazetteer_place_get_country (place), population);
  else
    markup = g_strdup (tg_gazetteer_place_get_country (place));
  subtitle = gtk_label_new (markup);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_box_append (GTK_BOX (box), subtitle);

  return box;
}

static void
search_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  TgMapSearch *self;
  g_autoptr(GPtrArray) places = NULL;
  g_autoptr(GError) error = NULL;

  places = tg_gazetteer_search_finish (TG_GAZETTEER (object), result, &error);
  if (places == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = TG_MAP_SEARCH (user_data);

  if (places == NULL)
    {
      g_warning ("Place search failed: %s", error->message);
      g_list_store_remove_all (self->results);
    }
  else
    {
      g_list_store_splice (self->results, 0,
                           g_list_model_get_n_items (G_LIST_MODEL (self->results)),
                           places->pdata, places->len);
    }

  gtk_widget_set_visible (self->empty_label,
                          g_list_model_get_n_items (G_LIST_MODEL (self->results)) == 0);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_popover_popup (GTK_POPOVER (self->popover));
}

static void
run_search (TgMapSearch *self,
            const char  *text)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text ? text : ""));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (*stripped == '\0')
    {
      g_list_store_remove_all (self->results);
      gtk_popover_popdown (GTK_POPOVER (self->popover));
      return;
    }

  self->cancellable = g_cancellable_new ();
  /* The callback holds no reference: a cancelled search is dropped, and
   * dispose cancels the pending one. */
  tg_gazetteer_search_async (self->gazetteer, stripped, self->country_bias,
                             MAX_RESULTS, self->cancellable, search_cb, self);
}

static void
search_changed_cb (TgMapSearch    *self,
                   GtkSearchEntry *entry)
{
  run_search (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
activate_cb (TgMapSearch    *self,
             GtkSearchEntry *entry)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (self->results)) > 0)
    tg_map_search_choose (self, 0);
}

static void
stop_search_cb (TgMapSearch *self)
{
  gtk_popover_popdown (GTK_POPOVER (self->popover));
}

static void
row_activated_cb (TgMapSearch   *self,
                  GtkListBoxRow *row)
{
  tg_map_search_choose (self, gtk_list_box_row_get_index (row));
}

static void
tg_map_search_dispose (GObject *object)
{
  TgMapSearch *self = (TgMapSearch *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->popover, gtk_widget_unparent);
  g_clear_pointer (&self->entry, gtk_widget_unparent);
  g_clear_object (&self->results);
  g_clear_object (&self->gazetteer);
  g_clear_pointer (&self->country_bias, g_free);

  G_OBJECT_CLASS (tg_map_search_parent_class)->dispose (object);
}

static void
tg_map_search_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  TgMapSearch *self = TG_MAP_SEARCH (widget);

  gtk_widget_allocate (self->entry, width, height, baseline, NULL);
  gtk_popover_present (GTK_POPOVER (self->popover));
}

static void
tg_map_search_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  TgMapSearch *self = TG_MAP_SEARCH (widget);

  gtk_widget_measure (self->entry, orientation, for_size,
                      minimum, natural, minimum_baseline, natural_baseline);
}

static void
tg_map_search_class_init (TgMapSearchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_map_search_dispose;
  widget_class->size_allocate = tg_map_search_size_allocate;
  widget_class->measure = tg_map_search_measure;

  signals[PLACE_CHOSEN] =
    g_signal_new ("place-chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, TG_TYPE_GAZETTEER_PLACE);

  gtk_widget_class_set_css_name (widget_class, "tgmapsearch");
}

static void
tg_map_search_init (TgMapSearch *self)
{
  GtkWidget *scrolled;
  GtkWidget *box;

  self->results = g_list_store_new (TG_TYPE_GAZETTEER_PLACE);

  self->entry = gtk_search_entry_new ();
  g_object_set (self->entry, "placeholder-text", _("Search places"), NULL);
  gtk_widget_set_tooltip_text (self->entry, _("Search places, offline"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Search places"),
                                  -1);
  gtk_widget_set_size_request (self->entry, 260, -1);
  gtk_widget_set_parent (self->entry, GTK_WIDGET (self));
  g_signal_connect_swapped (self->entry, "search-changed", G_CALLBACK (search_changed_cb), self);
  g_signal_connect_swapped (self->entry, "activate", G_CALLBACK (activate_cb), self);
  g_signal_connect_swapped (self->entry, "stop-search", G_CALLBACK (stop_search_cb), self);

  self->list_box = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (self->list_box), GTK_SELECTION_NONE);
  gtk_list_box_set_activate_on_single_click (GTK_LIST_BOX (self->list_box), TRUE);
  gtk_list_box_bind_model (GTK_LIST_BOX (self->list_box), G_LIST_MODEL (self->results),
                           create_row_cb, NULL, NULL);
  g_signal_connect_swapped (self->list_box, "row-activated", G_CALLBACK (row_activated_cb), self);

  self->empty_label = gtk_label_new (_("No place found"));
  gtk_widget_add_css_class (self->empty_label, "dim-label");
  gtk_widget_set_margin_top (self->empty_label, 12);
  gtk_widget_set_margin_bottom (self->empty_label, 12);
  gtk_widget_set_visible (self->empty_label, FALSE);

  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 360);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), self->list_box);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (box), self->empty_label);
  gtk_box_append (GTK_BOX (box), scrolled);
  gtk_widget_set_size_request (box, 300, -1);

  self->popover = gtk_popover_new ();
  gtk_popover_set_autohide (GTK_POPOVER (self->popover), FALSE);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->popover), FALSE);
  gtk_popover_set_position (GTK_POPOVER (self->popover), GTK_POS_BOTTOM);
  gtk_popover_set_child (GTK_POPOVER (self->popover), box);
  gtk_widget_set_parent (self->popover, GTK_WIDGET (self));
}

GtkWidget *
tg_map_search_new (TgGazetteer *gazetteer)
{
  TgMapSearch *self;

  g_return_val_if_fail (TG_IS_GAZETTEER (gazetteer), NULL);

  self = g_object_new (TG_TYPE_MAP_SEARCH, NULL);
  self->gazetteer = g_object_ref (gazetteer);

  return GTK_WIDGET (self);
}

void
tg_map_search_set_country_bias (TgMapSearch *self,
                                const char  *country)
{
  g_return_if_fail (TG_IS_MAP_SEARCH (self));

  g_free (self->country_bias);
  self->country_bias = g_strdup (country);
}

void
tg_map_search_set_text (TgMapSearch *self,
                        const char  *text)
{
  g_return_if_fail (TG_IS_MAP_SEARCH (self));

  gtk_editable_set_text (GTK_EDITABLE (self->entry), text);
  /* Do not wait for the entry's typing delay. */
  run_search (self, text);
}

GListModel *
tg_map_search_get_results (TgMapSearch *self)
{
  g_return_val_if_fail (TG_IS_MAP_SEARCH (self), NULL);

  return G_LIST_MODEL (self->results);
}

void
tg_map_search_choose (TgMapSearch *self,
                      guint        position)
{
  g_autoptr(TgGazetteerPlace) place = NULL;

  g_return_if_fail (TG_IS_MAP_SEARCH (self));

  place = g_list_model_get_item (G_LIST_MODEL (self->results), position);
  if (place == NULL)
    return;

  gtk_popover_popdown (GTK_POPOVER (self->popover));
  g_signal_emit (self, signals[PLACE_CHOSEN], 0, place);
}
