/* tg-export-dialog.c — the dialog that asks what to export, in which format, for whom
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-export-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-export-dialog.h"

struct _TgExportDialog
{
  AdwMessageDialog  parent_instance;

  AdwActionRow     *list_row;
  GtkCheckButton   *list_check;
  AdwActionRow     *one_row;
  GtkCheckButton   *one_check;
  GtkCheckButton   *geojson_check;
  GtkCheckButton   *csv_check;
  GtkCheckButton   *organisation_check;
  GtkCheckButton   *public_check;
};

G_DEFINE_FINAL_TYPE (TgExportDialog, tg_export_dialog, ADW_TYPE_MESSAGE_DIALOG)

static void
tg_export_dialog_class_init (TgExportDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/testigo/Testigo/tg-export-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, TgExportDialog, list_row);
  gtk_widget_class_bind_template_child (widget_class, TgExportDialog, list_check);
  gtk_widget_class_bind_template_child (widget_class, TgExportDialog, one_row);
  gtk_widget_class_bind_template_child (widget_class, TgExportDialog, one_check);
  gtk_widget_class_bind_template_child (widget_class, TgExportDialog, geojson_check);
  gtk_widget_class_bind_template_child (widget_class, TgExportDialog, csv_check);
  gtk_widget_class_bind_template_child (widget_class, TgExportDialog, organisation_check);
  gtk_widget_class_bind_template_child (widget_class, TgExportDialog, public_check);
}

static void
tg_export_dialog_init (TgExportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

TgExportDialog *
tg_export_dialog_new (GtkWindow  *parent,
                      guint       n_in_list,
                      const char *report_title)
{
  TgExportDialog *self = g_object_new (TG_TYPE_EXPORT_DIALOG, "transient-for", parent, NULL);
  g_autofree char *count = g_strdup_printf (g_dngettext (NULL, "%u report, as the search and filters show it",
                                                         "%u reports, as the search and filters show them",
                                                         n_in_list), n_in_list);

  adw_action_row_set_subtitle (self->list_row, count);
  if (report_title != NULL)
    adw_action_row_set_subtitle (self->one_row, *report_title ? report_title : _("Untitled report"));
  else
    gtk_widget_set_visible (GTK_WIDGET (self->one_row), FALSE);
  return self;
}

gboolean
tg_export_dialog_get_one (TgExportDialog *self)
{
  g_return_val_if_fail (TG_IS_EXPORT_DIALOG (self), FALSE);
  return gtk_widget_get_visible (GTK_WIDGET (self->one_row)) &&
         gtk_check_button_get_active (self->one_check);
}

TgExportFormat
tg_export_dialog_get_format (TgExportDialog *self)
{
  g_return_val_if_fail (TG_IS_EXPORT_DIALOG (self), TG_EXPORT_FORMAT_GEOJSON);
  return gtk_check_button_get_active (self->csv_check) ? TG_EXPORT_FORMAT_CSV
                                                       : TG_EXPORT_FORMAT_GEOJSON;
}

TgExportFlags
tg_export_dialog_get_flags (TgExportDialog *self)
{
  g_return_val_if_fail (TG_IS_EXPORT_DIALOG (self), TG_EXPORT_PUBLIC);
  if (gtk_check_button_get_active (self->public_check))
    return TG_EXPORT_PUBLIC;
  return TG_EXPORT_CUSTODY;
}

void
tg_export_dialog_select_one (TgExportDialog *self)
{
  g_return_if_fail (TG_IS_EXPORT_DIALOG (self));
  if (gtk_widget_get_visible (GTK_WIDGET (self->one_row)))
    gtk_check_button_set_active (self->one_check, TRUE);
}
