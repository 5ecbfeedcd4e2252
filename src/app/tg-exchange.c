/* tg-exchange.c — the app's import and export: file choosers, progress, summaries, --export
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-exchange"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-cli-unlock.h"
#include "tg-export.h"
#include "tg-export-dialog.h"
#include "tg-exchange.h"
#include "tg-import.h"

/* Progress ---------------------------------------------------------------- */

/* One export or import under way: its progress dialog, with Cancel. */
typedef struct
{
  GtkWindow        *parent;
  TgStore          *store;
  GFile            *file;
  GCancellable     *cancellable;
  AdwMessageDialog *progress_dialog;
  GtkProgressBar   *bar;
  TgExportFlags     flags;
  TgReportQuery    *query;
  char            **ids;
  TgExportFormat    format;
} Operation;

static void
operation_free (Operation *op)
{
  /* Cancel closed it already. */
  if (op->progress_dialog != NULL && gtk_widget_get_visible (GTK_WIDGET (op->progress_dialog)))
    gtk_window_destroy (GTK_WINDOW (op->progress_dialog));
  g_clear_object (&op->progress_dialog);
  g_clear_object (&op->parent);
  g_clear_object (&op->store);
  g_clear_object (&op->file);
  g_clear_object (&op->cancellable);
  g_clear_pointer (&op->query, tg_report_query_free);
  g_strfreev (op->ids);
  g_free (op);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Operation, operation_free)

static Operation *
operation_new (GtkWindow *parent,
               TgStore   *store,
               GFile     *file)
{
  Operation *op = g_new0 (Operation, 1);

  op->parent = g_object_ref (parent);
  op->store = g_object_ref (store);
  op->file = file ? g_object_ref (file) : NULL;
  op->cancellable = g_cancellable_new ();
  return op;
}

static void
progress_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      GCancellable     *cancellable)
{
  g_cancellable_cancel (cancellable);
}

static void
show_progress (Operation  *op,
               const char *heading)
{
  g_autofree char *name = g_file_get_basename (op->file);
  GtkWidget *bar = gtk_progress_bar_new ();

  op->progress_dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (op->parent, heading, name));
  gtk_window_set_title (GTK_WINDOW (op->progress_dialog), heading);  g_object_ref_sink (op->progress_dialog);
  op->bar = GTK_PROGRESS_BAR (bar);
  gtk_progress_bar_set_show_text (op->bar, TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Progress"), -1);
  adw_message_dialog_set_extra_child (op->progress_dialog, bar);
  adw_message_dialog_add_response (op->progress_dialog, "cancel", _("_Cancel"));
  adw_message_dialog_set_close_response (op->progress_dialog, "cancel");
  g_signal_connect_object (op->progress_dialog, "response",
                           G_CALLBACK (progress_response_cb), op->cancellable, 0);
  gtk_window_present (GTK_WINDOW (op->progress_dialog));
}

/* Runs in the main context; @data is the bar, kept alive by a weak ref. */
static void
progress_cb (goffset  done,
             goffset  total,
             gpointer user_data)
{
  GWeakRef *ref = user_data;
  g_autoptr(GtkProgressBar) bar = g_weak_ref_get (ref);

  if (bar == NULL)
    return;
  if (total == 0)
    gtk_progress_bar_pulse (bar);
  else
    {
      g_autofree char *text = g_strdup_printf ("%u %%", (guint) (100.0 * done / total));

      gtk_progress_bar_set_fraction (bar, MIN (1.0, (double) done / total));
      gtk_progress_bar_set_text (bar, text);
    }
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

static GWeakRef *
bar_ref (Operation *op)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, op->bar);
  return ref;
}

/* The outcome, in a dialog of its own (its accessible name is the
 * heading, which the UI test looks for). */
static void
show_result (GtkWindow  *parent,
             const char *heading,
             const char *body)
{
  GtkWidget *dialog = adw_message_dialog_new (parent, heading, body);

  gtk_window_set_title (GTK_WINDOW (dialog), heading);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Export ------------------------------------------------------------------ */

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Operation) op = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (op->file);
  guint n = 0;

  if (!tg_export_file_finish (result, &n, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_result (op->parent, _("Export Cancelled"),
                     _("No file was written; a file that was there is left as it was."));
      else
        show_result (op->parent, _("Export Failed"), error->message);
      return;
    }

  {
    g_autofree char *body = NULL;
    g_autofree char *count = g_strdup_printf (g_dngettext (NULL, "%u report exported to “%s”.",
                                                           "%u reports exported to “%s”.", n),
                                              n, name);

    if (op->flags & TG_EXPORT_PUBLIC)
      body = g_strconcat (count, " ", _("Names without public consent were withheld."), NULL);
    else
      body = g_strconcat (count, " ", _("Names without consent were withheld. The file is readable only by you."), NULL);
    show_result (op->parent, _("Export Finished"), body);
  }
}

static void
export_chooser_cb (GtkNativeDialog *chooser,
                   int              response,
                   gpointer         user_data)
{
  g_autoptr(Operation) op = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      Operation *running;

      op->file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      if (op->file != NULL)
        {
          running = g_steal_pointer (&op);
          show_progress (running, _("Exporting Reports"));
          tg_export_file_async (running->store, running->query,
                                (const char * const *) running->ids, running->file,
                                running->format, running->flags, progress_cb, bar_ref (running),
                                weak_ref_free, running->cancellable, export_done_cb, running);
        }
    }
  g_object_unref (chooser);
}

static void
export_dialog_cb (AdwMessageDialog *dialog,
                  const char       *response,
                  gpointer          user_data)
{
  g_autoptr(Operation) op = user_data;
  TgExportDialog *options = TG_EXPORT_DIALOG (dialog);
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *name = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *day = g_date_time_format (now, "%Y-%m-%d");

  if (g_strcmp0 (response, "export") != 0)
    return;

  op->format = tg_export_dialog_get_format (options);
  op->flags = tg_export_dialog_get_flags (options);
  if (!tg_export_dialog_get_one (options))
    g_clear_pointer (&op->ids, g_strfreev);

  chooser = gtk_file_chooser_native_new (_("Export Reports"), op->parent,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  /* TRANSLATORS: a file name: "testigo-public-2023-01-09.geojson" */
  name = g_strdup_printf ("%s-%s.%s",
                          op->flags & TG_EXPORT_PUBLIC ? _("testigo-public") : _("testigo-reports"),
                          day, op->format == TG_EXPORT_FORMAT_CSV ? "csv" : "geojson");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  if (op->format == TG_EXPORT_FORMAT_CSV)
    {
      gtk_file_filter_set_name (filter, "CSV");
      gtk_file_filter_add_suffix (filter, "csv");
    }
  else
    {
      gtk_file_filter_set_name (filter, "GeoJSON");
      gtk_file_filter_add_suffix (filter, "geojson");
      gtk_file_filter_add_suffix (filter, "json");
    }
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_signal_connect (chooser, "response", G_CALLBACK (export_chooser_cb), g_steal_pointer (&op));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
export_with (GtkWindow           *parent,
             TgStore             *store,
             const TgReportQuery *query,
             guint                n_in_list,
             TgReport            *report,
             gboolean             one)
{
  Operation *op;
  TgExportDialog *dialog;

  g_return_if_fail (GTK_IS_WINDOW (parent));
  g_return_if_fail (TG_IS_STORE (store));

  op = operation_new (parent, store, NULL);
  op->query = query ? tg_report_query_copy (query) : NULL;
  if (report != NULL)
    {
      const char *ids[] = { tg_report_get_id (report), NULL };

      op->ids = g_strdupv ((char **) ids);
    }
  dialog = tg_export_dialog_new (parent, n_in_list, report ? tg_report_get_title (report) ?: "" : NULL);
  if (one)
    tg_export_dialog_select_one (dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (export_dialog_cb), op);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
tg_exchange_export (GtkWindow           *parent,
                    TgStore             *store,
                    const TgReportQuery *query,
                    guint                n_in_list,
                    TgReport            *report)
{
  export_with (parent, store, query, n_in_list, report, FALSE);
}

void
tg_exchange_export_report (GtkWindow           *parent,
                           TgStore             *store,
                           const TgReportQuery *query,
                           guint                n_in_list,
                           TgReport            *report)
{
  g_return_if_fail (TG_IS_REPORT (report));
  export_with (parent, store, query, n_in_list, report, TRUE);
}

/* Import ------------------------------------------------------------------ */

static void
import_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Operation) op = user_data;
  g_autoptr(GError) error = NULL;
  guint n_imported = 0, n_skipped = 0;

  if (!tg_import_file_finish (result, &n_imported, &n_skipped, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_result (op->parent, _("Import Cancelled"), _("Nothing was imported."));
      else
        show_result (op->parent, _("Nothing Was Imported"), error->message);
      return;
    }
  {
    /* All or nothing: a file with a bad feature or row is refused whole
     * (the error above), so a finished import rejected none. */
    g_autofree char *body = g_strdup_printf (_("%u imported, %u already here, %u rejected"),
                                             n_imported, n_skipped, 0);

    show_result (op->parent, _("Import Finished"), body);
  }
}

void
tg_exchange_import_file (GtkWindow *parent,
                         TgStore   *store,
                         GFile     *file)
{
  Operation *op;

  g_return_if_fail (GTK_IS_WINDOW (parent));
  g_return_if_fail (TG_IS_STORE (store));
  g_return_if_fail (G_IS_FILE (file));

  op = operation_new (parent, store, file);
  show_progress (op, _("Importing Reports"));
  tg_import_file_async (store, file, TG_IMPORT_FORMAT_AUTO, progress_cb, bar_ref (op),
                        weak_ref_free, op->cancellable, import_done_cb, op);
}

static void
import_chooser_cb (GtkNativeDialog *chooser,
                   int              response,
                   gpointer         user_data)
{
  g_autoptr(Operation) op = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        tg_exchange_import_file (op->parent, op->store, file);
    }
  g_object_unref (chooser);
}

void
tg_exchange_import_choose (GtkWindow *parent,
                           TgStore   *store)
{
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) reports = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  g_return_if_fail (GTK_IS_WINDOW (parent));
  g_return_if_fail (TG_IS_STORE (store));

  chooser = gtk_file_chooser_native_new (_("Import Reports"), parent,
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_filter_set_name (reports, _("GeoJSON and CSV files"));
  gtk_file_filter_add_suffix (reports, "geojson");
  gtk_file_filter_add_suffix (reports, "json");
  gtk_file_filter_add_suffix (reports, "csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), reports);
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
  g_signal_connect (chooser, "response", G_CALLBACK (import_chooser_cb),
                    operation_new (parent, store, NULL));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Command line ------------------------------------------------------------ */

int
tg_exchange_export_command_line (const char *data_dir,
                                 const char *path,
                                 gboolean    for_public)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgStore) store = NULL;
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
  TgExportFlags flags = for_public ? TG_EXPORT_PUBLIC : TG_EXPORT_CUSTODY;
  gboolean ok;
  guint n = 0;

  /* Only an existing store: exporting must never create one. */
  if (!g_file_test (data_dir, G_FILE_TEST_IS_DIR))
    {
      g_printerr (_("There is no store in %s.\n"), data_dir);
      return 1;
    }
  /* The passphrase from $TESTIGO_PASSPHRASE or the terminal. */
  if (!(store = tg_cli_open_store (data_dir, &error)))
    {
      g_printerr (_("Cannot open the store in %s: %s\n"), data_dir, error->message);
      return 1;
    }
  if (tg_export_format_for_file (file) == TG_EXPORT_FORMAT_CSV)
    ok = tg_export_csv (store, NULL, file, flags, NULL, NULL, &n, NULL, &error);
  else
    ok = tg_export_geojson (store, NULL, file, flags, NULL, NULL, &n, NULL, &error);
  tg_store_close (store);
  if (!ok)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  g_print (g_dngettext (NULL, "%u report exported to %s\n", "%u reports exported to %s\n", n), n, path);
  return 0;
}
