/* tg-export-dialog.h — what to export, in which format, for whom
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-export.h"

G_BEGIN_DECLS

#define TG_TYPE_EXPORT_DIALOG (tg_export_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TgExportDialog, tg_export_dialog, TG, EXPORT_DIALOG, AdwMessageDialog)

/* @report_title: (nullable): the report open in the editor, offered as
 * "This report only"; NULL when none is open. */
TgExportDialog *tg_export_dialog_new          (GtkWindow      *parent,
                                               guint           n_in_list,
                                               const char     *report_title);
gboolean        tg_export_dialog_get_one      (TgExportDialog *self);
/* Chooses "This report only" (when the dialog has a report). */
void            tg_export_dialog_select_one   (TgExportDialog *self);
TgExportFormat  tg_export_dialog_get_format   (TgExportDialog *self);
TgExportFlags   tg_export_dialog_get_flags    (TgExportDialog *self);

G_END_DECLS
