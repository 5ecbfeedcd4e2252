/* tg-custody-row.c — a source's custody history in the editor, read on a worker thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-custody-row"

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n.h>

#include "tg-custody-log.h"
#include "tg-custody-row.h"
#include "tg-report-editor.h"

struct _TgCustodyRow
{
  AdwActionRow  parent_instance;

  char         *sha256;
  char         *report_id;
  GtkListBox   *list;
  GtkLabel     *chain_label;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (TgCustodyRow, tg_custody_row, ADW_TYPE_PREFERENCES_ROW)

typedef struct
{
  GPtrArray *events;       /* TgCustodyEvent, by sequence */
  gboolean   chain_whole;
  gint64     first_broken;
} History;

static void
history_free (History *history)
{
  g_clear_pointer (&history->events, g_ptr_array_unref);
  g_free (history);
}

static const char *
action_label (TgCustodyEvent *event)
{
  switch (tg_custody_event_get_action (event))
    {
    case TG_CUSTODY_CREATED:  return _("Created");
    case TG_CUSTODY_EDITED:   return _("Edited");
    case TG_CUSTODY_DELETED:  return _("Deleted");
    case TG_CUSTODY_RESTORED: return _("Restored");
    case TG_CUSTODY_IMPORTED: return _("Imported");
    case TG_CUSTODY_EXPORTED: return _("Exported");
    case TG_CUSTODY_SYNCED:   return _("Synced");
    case TG_CUSTODY_RECEIVED: return _("Received");
    case TG_CUSTODY_VERIFIED: return _("Verified");
    default:                  return tg_custody_event_get_action_string (event);
    }
}

/* What kind of export an "exported" event records, from its detail
 * ("format=geojson audience=organisation revision=…", see tg-export.h);
 * NULL for other events or a detail this version does not read. */
static const char *
export_kind (TgCustodyEvent *event)
{
  const char *detail = tg_custody_event_get_detail (event);
  gboolean csv, public;

  if (tg_custody_event_get_action (event) != TG_CUSTODY_EXPORTED || detail == NULL)
    return NULL;
  if (g_str_has_prefix (detail, "format=csv "))
    csv = TRUE;
  else if (g_str_has_prefix (detail, "format=geojson "))
    csv = FALSE;
  else
    return NULL;
  if (strstr (detail, " audience=public") != NULL)
    public = TRUE;
  else if (strstr (detail, " audience=organisation") != NULL)
    public = FALSE;
  else
    return NULL;

  if (csv)
    return public ? _("As CSV, for the public") : _("As CSV, for the organisation");
  return public ? _("As GeoJSON, for the public") : _("As GeoJSON, for the organisation");
}

static int
compare_seq (gconstpointer a,
             gconstpointer b)
{
  gint64 sa = tg_custody_event_get_seq (*(TgCustodyEvent **) a);
  gint64 sb = tg_custody_event_get_seq (*(TgCustodyEvent **) b);

  return sa < sb ? -1 : sa > sb;
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  TgCustodyLog *log = task_data;
  TgCustodyRow *self = source_object;
  const char *subjects[] = { self->sha256, self->report_id };
  History *history = g_new0 (History, 1);
  g_autoptr(GError) verify_error = NULL;

  history->events = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < G_N_ELEMENTS (subjects); i++)
    {
      g_autoptr(GPtrArray) some = NULL;
      GError *error = NULL;

      if (subjects[i] == NULL)
        continue;
      if (!(some = tg_custody_log_list (log, subjects[i], &error)))
        {
          history_free (history);
          g_task_return_error (task, error);
          return;
        }
      for (guint j = 0; j < some->len; j++)
        g_ptr_array_add (history->events, g_object_ref (some->pdata[j]));
    }
  g_ptr_array_sort (history->events, compare_seq);
  history->chain_whole = tg_custody_log_verify (log, &history->first_broken, &verify_error);
  g_task_return_pointer (task, history, (GDestroyNotify) history_free);
}

static GtkWidget *
event_row (TgCustodyEvent *event)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (tg_custody_event_get_time (event) / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;
  /* TRANSLATORS: a custody event's date and time, see g_date_time_format() */
  g_autofree char *when = local ? g_date_time_format (local, _("%-d %b %Y %H:%M:%S")) : g_strdup ("");
  g_autofree char *hashes = NULL;
  g_autofree char *title = NULL;
  GtkWidget *row = adw_action_row_new ();

  title = g_strdup_printf ("%s · %s", action_label (event), when);
  /* TRANSLATORS: the custody chain's hashes: this event's, the one before */
  hashes = g_strdup_printf (_("Event %" PRId64 ", hash %.16s…, after %.16s…"),
                            tg_custody_event_get_seq (event), tg_custody_event_get_hash (event),
                            tg_custody_event_get_prev_hash (event));
  if (export_kind (event) != NULL)
    {
      g_autofree char *chain = g_steal_pointer (&hashes);

      hashes = g_strdup_printf ("%s\n%s", export_kind (event), chain);
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), hashes);
  return row;
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  TgCustodyRow *self = TG_CUSTODY_ROW (source);
  g_autoptr(GError) error = NULL;
  History *history = g_task_propagate_pointer (G_TASK (result), &error);
  GtkWidget *child;

  if (history == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        gtk_label_set_label (self->chain_label, error->message);
      return;
    }
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  for (guint i = 0; i < history->events->len; i++)
    gtk_list_box_append (self->list, event_row (history->events->pdata[i]));
  if (history->events->len == 0)
    gtk_label_set_label (self->chain_label, _("No custody events yet."));
  else if (history->chain_whole)
    gtk_label_set_label (self->chain_label, _("The custody chain is whole: no event was changed, removed or reordered."));
  else
    {
      g_autofree char *text = g_strdup_printf (_("The custody chain is broken from event %" PRId64 " on."),
                                               history->first_broken);

      gtk_label_set_label (self->chain_label, text);
    }
  history_free (history);
}

static void
row_mapped_cb (TgCustodyRow *self)
{
  /* (called on "map") */
  GtkWidget *editor = gtk_widget_get_ancestor (GTK_WIDGET (self), TG_TYPE_REPORT_EDITOR);
  TgReport *report = editor ? tg_report_editor_get_report (TG_REPORT_EDITOR (editor)) : NULL;
  TgStore *store = editor ? tg_report_editor_get_store (TG_REPORT_EDITOR (editor)) : NULL;
  TgCustodyLog *log = store ? tg_store_get_custody_log (store) : NULL;
  g_autoptr(GTask) task = NULL;

  if (log == NULL)
    return;
  g_free (self->report_id);
  self->report_id = report ? g_strdup (tg_report_get_id (report)) : NULL;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  gtk_label_set_label (self->chain_label, _("Reading the custody log…"));
  task = g_task_new (self, self->cancellable, loaded_cb, NULL);
  g_task_set_task_data (task, g_object_ref (log), g_object_unref);
  g_task_run_in_thread (task, load_thread);
}

static void
tg_custody_row_dispose (GObject *object)
{
  TgCustodyRow *self = TG_CUSTODY_ROW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (tg_custody_row_parent_class)->dispose (object);
}

static void
tg_custody_row_finalize (GObject *object)
{
  TgCustodyRow *self = TG_CUSTODY_ROW (object);

  g_free (self->sha256);
  g_free (self->report_id);
  G_OBJECT_CLASS (tg_custody_row_parent_class)->finalize (object);
}

static void
tg_custody_row_class_init (TgCustodyRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tg_custody_row_dispose;
  object_class->finalize = tg_custody_row_finalize;
}

static void
tg_custody_row_init (TgCustodyRow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *heading = gtk_label_new (_("Custody history"));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), _("Custody history"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), FALSE);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "caption-heading");

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Custody events"), -1);
  self->chain_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->chain_label, TRUE);
  gtk_label_set_xalign (self->chain_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->chain_label), "dim-label");
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->list));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->chain_label));
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), box);
  /* Read when shown: when the source's row is expanded. */
  g_signal_connect (self, "map", G_CALLBACK (row_mapped_cb), NULL);
}

/* Once the row is in the editor (the report is known): read at once,
 * so that the history is there before the source's row is expanded. */
static gboolean
first_load_cb (gpointer data)
{
  g_autoptr(TgCustodyRow) self = g_weak_ref_get (data);

  if (self != NULL && gtk_widget_get_root (GTK_WIDGET (self)) != NULL)
    row_mapped_cb (self);
  return G_SOURCE_REMOVE;
}

static void
weak_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

GtkWidget *
tg_custody_row_new (const char *sha256)
{
  TgCustodyRow *self = g_object_new (TG_TYPE_CUSTODY_ROW, NULL);
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  self->sha256 = g_strdup (sha256);
  g_weak_ref_init (ref, self);
  g_idle_add_full (G_PRIORITY_LOW, first_load_cb, ref, weak_free);
  return GTK_WIDGET (self);
}
