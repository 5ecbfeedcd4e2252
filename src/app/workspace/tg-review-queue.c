/* tg-review-queue.c — the coordinator's queue of duplicate candidates
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-review-queue"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "tg-dedupe.h"
#include "tg-review-queue.h"
#include "tg-ui-util.h"

/* TgQueueItem ------------------------------------------------------------ */

struct _TgQueueItem
{
  GObject         parent_instance;

  char           *id[2];
  char           *title[2];
  char           *line[2];
  double          score;
  char           *explanation;
  gpointer        data;
  GDestroyNotify  destroy;
};

G_DEFINE_FINAL_TYPE (TgQueueItem, tg_queue_item, G_TYPE_OBJECT)

static void
tg_queue_item_finalize (GObject *object)
{
  TgQueueItem *self = TG_QUEUE_ITEM (object);

  for (guint i = 0; i < 2; i++)
    {
      g_free (self->id[i]);
      g_free (self->title[i]);
      g_free (self->line[i]);
    }
  g_free (self->explanation);
  if (self->destroy != NULL && self->data != NULL)
    self->destroy (self->data);

  G_OBJECT_CLASS (tg_queue_item_parent_class)->finalize (object);
}

static void
tg_queue_item_class_init (TgQueueItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tg_queue_item_finalize;
}

static void
tg_queue_item_init (TgQueueItem *self)
{
}

TgQueueItem *
tg_queue_item_new (const char *first_id,
                   const char *first_title,
                   const char *first_line,
                   const char *second_id,
                   const char *second_title,
                   const char *second_line,
                   double      score,
                   const char *explanation)
{
  TgQueueItem *self = g_object_new (TG_TYPE_QUEUE_ITEM, NULL);

  self->id[0] = g_strdup (first_id);
  self->title[0] = g_strdup (first_title && *first_title ? first_title : _("Untitled report"));
  self->line[0] = g_strdup (first_line ? first_line : "");
  self->id[1] = g_strdup (second_id);
  self->title[1] = g_strdup (second_title && *second_title ? second_title : _("Untitled report"));
  self->line[1] = g_strdup (second_line ? second_line : "");
  self->score = score;
  self->explanation = g_strdup (explanation ? explanation : "");
  return self;
}

const char *
tg_queue_item_get_id (TgQueueItem *self,
                      guint        which)
{
  g_return_val_if_fail (TG_IS_QUEUE_ITEM (self) && which < 2, NULL);
  return self->id[which];
}

const char *
tg_queue_item_get_title (TgQueueItem *self,
                         guint        which)
{
  g_return_val_if_fail (TG_IS_QUEUE_ITEM (self) && which < 2, NULL);
  return self->title[which];
}

const char *
tg_queue_item_get_line (TgQueueItem *self,
                        guint        which)
{
  g_return_val_if_fail (TG_IS_QUEUE_ITEM (self) && which < 2, NULL);
  return self->line[which];
}

double
tg_queue_item_get_score (TgQueueItem *self)
{
  g_return_val_if_fail (TG_IS_QUEUE_ITEM (self), 0);
  return self->score;
}

const char *
tg_queue_item_get_explanation (TgQueueItem *self)
{
  g_return_val_if_fail (TG_IS_QUEUE_ITEM (self), NULL);
  return self->explanation;
}

/* The match weight, as the dedupe engine sums it (docs/workspace.md). */
static char *
score_text (double score)
{
  return g_strdup_printf ("%.1f", score);
}

char *
tg_queue_item_dup_sentence (TgQueueItem *self)
{
  g_autofree char *score = NULL;

  g_return_val_if_fail (TG_IS_QUEUE_ITEM (self), NULL);

  score = score_text (self->score);
  /* TRANSLATORS: a pair in the review queue, read by a screen reader:
   * the two reports' titles, the score and why */
  return g_strdup_printf (_("“%s” and “%s”, score %s: %s"),
                          self->title[0], self->title[1], score, self->explanation);
}

void
tg_queue_item_set_data (TgQueueItem    *self,
                        gpointer        data,
                        GDestroyNotify  destroy)
{
  g_return_if_fail (TG_IS_QUEUE_ITEM (self));

  if (self->destroy != NULL && self->data != NULL)
    self->destroy (self->data);
  self->data = data;
  self->destroy = destroy;
}

gpointer
tg_queue_item_get_data (TgQueueItem *self)
{
  g_return_val_if_fail (TG_IS_QUEUE_ITEM (self), NULL);
  return self->data;
}

/* TgReviewQueue ---------------------------------------------------------- */

struct _TgReviewQueue
{
  GtkWidget           parent_instance;

  GListStore         *items;
  GtkSingleSelection *selection;
  gboolean            busy;

  GtkLabel           *summary_label;
  GtkStack           *stack;
  GtkColumnView      *column_view;
  AdwStatusPage      *busy_page;
  GtkSpinner         *spinner;
};

G_DEFINE_FINAL_TYPE (TgReviewQueue, tg_review_queue, GTK_TYPE_WIDGET)

enum {
  CONFIRMED,
  DISMISSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef enum {
  COLUMN_FIRST,
  COLUMN_SECOND,
  COLUMN_SCORE,
  COLUMN_WHY,
} Column;

/* Helpers --------------------------------------------------------------- */

static void
update_state (TgReviewQueue *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  gboolean has = gtk_single_selection_get_selected_item (self->selection) != NULL;
  g_autofree char *summary = NULL;

  if (self->busy)
    gtk_stack_set_visible_child_name (self->stack, "busy");
  else
    gtk_stack_set_visible_child_name (self->stack, n > 0 ? "list" : "empty");
  gtk_spinner_set_spinning (self->spinner, self->busy);

  summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u pair to review", "%u pairs to review", n), n);
  gtk_label_set_text (self->summary_label, summary);
  gtk_widget_set_visible (GTK_WIDGET (self->summary_label), !self->busy && n > 0);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "queue.confirm", has && !self->busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "queue.dismiss", has && !self->busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "queue.next", n > 1 && !self->busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "queue.previous", n > 1 && !self->busy);
}

static void
move (TgReviewQueue *self,
      int            step)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  guint at = gtk_single_selection_get_selected (self->selection);

  if (n == 0)
    return;
  if (at == GTK_INVALID_LIST_POSITION)
    at = 0;
  else
    at = (at + n + step) % n;
  gtk_single_selection_set_selected (self->selection, at);
  /* GTK 4.8 has no gtk_column_view_scroll_to: keep the focus on the row. */
  gtk_widget_activate_action (GTK_WIDGET (self->column_view), "list.scroll-to-item", "u", at);
}

/* The cells -------------------------------------------------------------- */

static void
setup_cell_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  column)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *line = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_xalign (GTK_LABEL (line), 0);
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  gtk_label_set_wrap (GTK_LABEL (line), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (title), 30);
  gtk_label_set_max_width_chars (GTK_LABEL (line), GPOINTER_TO_INT (column) == COLUMN_WHY ? 40 : 30);
  gtk_widget_add_css_class (line, "dim-label");
  gtk_widget_add_css_class (line, "caption");
  if (GPOINTER_TO_INT (column) == COLUMN_SCORE)
    {
      gtk_widget_add_css_class (title, "numeric");
      gtk_widget_add_css_class (box, "tg-score");
    }
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), line);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_list_item_set_child (item, box);
}

static void
bind_cell_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  column)
{
  TgQueueItem *pair = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkLabel *title = GTK_LABEL (gtk_widget_get_first_child (box));
  GtkLabel *line = GTK_LABEL (gtk_widget_get_last_child (box));
  g_autofree char *score = NULL;
  GtkWidget *cell, *row;

  switch (GPOINTER_TO_INT (column))
    {
    case COLUMN_FIRST:
    case COLUMN_SECOND:
      gtk_label_set_text (title, pair->title[GPOINTER_TO_INT (column)]);
      gtk_label_set_text (line, pair->line[GPOINTER_TO_INT (column)]);
      break;
    case COLUMN_SCORE:
      score = score_text (pair->score);
      gtk_label_set_text (title, score);
      gtk_label_set_text (line, pair->score >= 2 * TG_DEDUPE_DEFAULT_THRESHOLD ? _("very likely") :
                                pair->score >= TG_DEDUPE_DEFAULT_THRESHOLD ? _("likely") : _("possible"));
      gtk_widget_remove_css_class (box, "tg-score-high");
      gtk_widget_remove_css_class (box, "tg-score-mid");
      gtk_widget_add_css_class (box, pair->score >= 2 * TG_DEDUPE_DEFAULT_THRESHOLD ? "tg-score-high" : "tg-score-mid");
      break;
    case COLUMN_WHY:
    default:
      gtk_label_set_text (title, pair->explanation);
      gtk_label_set_text (line, "");
      break;
    }
  gtk_widget_set_visible (GTK_WIDGET (line), *gtk_label_get_text (line) != '\0');

  /* The row (GTK 4.8's row widget, two levels up) is what a screen reader
   * lands on: it gets the whole pair as one sentence. */
  cell = gtk_widget_get_parent (box);
  row = cell ? gtk_widget_get_parent (cell) : NULL;
  if (GPOINTER_TO_INT (column) == COLUMN_FIRST && row != NULL)
    {
      g_autofree char *sentence = tg_queue_item_dup_sentence (pair);

      tg_ui_set_accessible_label (row, sentence);
    }
}

static void
add_column (TgReviewQueue *self,
            const char    *title,
            Column         column,
            gboolean       expand)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *col;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell_cb), GINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell_cb), GINT_TO_POINTER (column));
  col = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (col, expand);
  gtk_column_view_column_set_resizable (col, TRUE);
  gtk_column_view_append_column (self->column_view, col);
  g_object_unref (col);
}

/* Callbacks ------------------------------------------------------------- */

static void
row_activated_cb (TgReviewQueue *self,
                  guint          position)
{
  gtk_single_selection_set_selected (self->selection, position);
  gtk_widget_activate_action (GTK_WIDGET (self), "queue.confirm", NULL);
}

static void
selection_changed_cb (TgReviewQueue *self)
{
  update_state (self);
}

static void
next_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  move (TG_REVIEW_QUEUE (widget), +1);
}

static void
previous_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  move (TG_REVIEW_QUEUE (widget), -1);
}

static void
emit_for_selected (TgReviewQueue *self,
                   guint          signal)
{
  TgQueueItem *item = tg_review_queue_get_selected (self);

  if (item != NULL && !self->busy)
    {
      g_object_ref (item);
      g_signal_emit (self, signals[signal], 0, item);
      g_object_unref (item);
    }
}

static void
confirm_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  emit_for_selected (TG_REVIEW_QUEUE (widget), CONFIRMED);
}

static void
dismiss_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  emit_for_selected (TG_REVIEW_QUEUE (widget), DISMISSED);
}

/* GObject --------------------------------------------------------------- */

static void
tg_review_queue_dispose (GObject *object)
{
  TgReviewQueue *self = TG_REVIEW_QUEUE (object);
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_REVIEW_QUEUE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->selection);
  g_clear_object (&self->items);

  G_OBJECT_CLASS (tg_review_queue_parent_class)->dispose (object);
}

static void
tg_review_queue_class_init (TgReviewQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_review_queue_dispose;

  signals[CONFIRMED] = g_signal_new ("confirmed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 1, TG_TYPE_QUEUE_ITEM);
  signals[DISMISSED] = g_signal_new ("dismissed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 1, TG_TYPE_QUEUE_ITEM);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/testigo/Testigo/tg-review-queue.ui");
  gtk_widget_class_bind_template_child (widget_class, TgReviewQueue, summary_label);
  gtk_widget_class_bind_template_child (widget_class, TgReviewQueue, stack);
  gtk_widget_class_bind_template_child (widget_class, TgReviewQueue, column_view);
  gtk_widget_class_bind_template_child (widget_class, TgReviewQueue, busy_page);
  gtk_widget_class_bind_template_child (widget_class, TgReviewQueue, spinner);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);

  gtk_widget_class_install_action (widget_class, "queue.next", NULL, next_action);
  gtk_widget_class_install_action (widget_class, "queue.previous", NULL, previous_action);
  gtk_widget_class_install_action (widget_class, "queue.confirm", NULL, confirm_action);
  gtk_widget_class_install_action (widget_class, "queue.dismiss", NULL, dismiss_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, 0, "queue.next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_j, 0, "queue.next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, 0, "queue.previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_k, 0, "queue.previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, 0, "queue.confirm", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, 0, "queue.dismiss", NULL);
}

static void
tg_review_queue_init (TgReviewQueue *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->items = g_list_store_new (TG_TYPE_QUEUE_ITEM);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->items)));
  gtk_single_selection_set_autoselect (self->selection, TRUE);
  g_signal_connect_swapped (self->selection, "notify::selected", G_CALLBACK (selection_changed_cb), self);
  g_signal_connect_swapped (self->items, "items-changed", G_CALLBACK (selection_changed_cb), self);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));

  add_column (self, _("Report"), COLUMN_FIRST, TRUE);
  add_column (self, _("Other Report"), COLUMN_SECOND, TRUE);
  add_column (self, _("Score"), COLUMN_SCORE, FALSE);
  add_column (self, _("Why"), COLUMN_WHY, TRUE);
  update_state (self);
}

/* Public API ------------------------------------------------------------ */

GtkWidget *
tg_review_queue_new (void)
{
  return g_object_new (TG_TYPE_REVIEW_QUEUE, NULL);
}

void
tg_review_queue_set_items (TgReviewQueue *self,
                           GListModel    *items)
{
  g_autoptr(GPtrArray) copy = g_ptr_array_new_with_free_func (g_object_unref);
  guint n;

  g_return_if_fail (TG_IS_REVIEW_QUEUE (self));

  n = items ? g_list_model_get_n_items (items) : 0;
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (copy, g_list_model_get_item (items, i));
  g_list_store_splice (self->items, 0, g_list_model_get_n_items (G_LIST_MODEL (self->items)),
                       copy->pdata, copy->len);
  update_state (self);
}

void
tg_review_queue_set_busy (TgReviewQueue *self,
                          gboolean       busy,
                          const char    *message)
{
  g_return_if_fail (TG_IS_REVIEW_QUEUE (self));

  self->busy = busy;
  adw_status_page_set_description (self->busy_page, message);
  update_state (self);
}

void
tg_review_queue_remove (TgReviewQueue *self,
                        TgQueueItem   *item)
{
  guint position;

  g_return_if_fail (TG_IS_REVIEW_QUEUE (self));

  if (g_list_store_find (self->items, item, &position))
    {
      g_list_store_remove (self->items, position);
      /* The next pair is the one in its place. */
      if (position < g_list_model_get_n_items (G_LIST_MODEL (self->items)))
        gtk_single_selection_set_selected (self->selection, position);
    }
  update_state (self);
}

TgQueueItem *
tg_review_queue_get_selected (TgReviewQueue *self)
{
  g_return_val_if_fail (TG_IS_REVIEW_QUEUE (self), NULL);
  return gtk_single_selection_get_selected_item (self->selection);
}

guint
tg_review_queue_get_n_items (TgReviewQueue *self)
{
  g_return_val_if_fail (TG_IS_REVIEW_QUEUE (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->items));
}

void
tg_review_queue_focus (TgReviewQueue *self)
{
  g_return_if_fail (TG_IS_REVIEW_QUEUE (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
}
