/* tg-ui-util.h — labels and formatting shared by the app's widgets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tg-types.h"
#include "tg-vocabulary.h"

G_BEGIN_DECLS

const char *tg_ui_status_label     (TgReportStatus   status);
const char *tg_ui_role_label       (TgPersonRole     role);
const char *tg_ui_consent_label    (TgConsent        consent);
const char *tg_ui_sex_label        (TgSex            sex);
const char *tg_ui_precision_label  (TgDatePrecision  precision);
const char *tg_ui_source_kind_label(TgSourceKind     kind);

/* "15 Dec 2022 14:30", "15 Dec 2022", "Dec 2022" or "about 15 Dec 2022". */
char       *tg_ui_format_date      (GDateTime       *date,
                                    TgDatePrecision  precision);
/* The first 12 hex digits and an ellipsis. */
char       *tg_ui_short_sha        (const char      *sha256);
/* The label of @code in @vocabulary (a TgVocabulary, else @code itself). */
const char *tg_ui_vocabulary_label (GListModel      *vocabulary,
                                    const char      *code);

/* A GtkStringList of the labels above, in enum order. */
GListModel *tg_ui_status_model     (void);
GListModel *tg_ui_role_model       (void);
GListModel *tg_ui_consent_model    (void);
GListModel *tg_ui_sex_model        (void);
GListModel *tg_ui_precision_model  (void);

/* Holds the application of @widget's window (or of the window it is
 * transient for), so that quitting waits for work started there; returns
 * it, a reference, for tg_ui_release_application(), or NULL when the
 * widget is in no application's window. */
GApplication *tg_ui_hold_application    (GtkWidget    *widget);
/* Releases and unrefs what tg_ui_hold_application() returned (nullable). */
void          tg_ui_release_application (GApplication *application);

/* Sets the accessible label of @widget. */
void        tg_ui_set_accessible_label (GtkWidget   *widget,
                                        const char  *label);

/* Blocking-free helpers for a count shown in a spin button: -1 shows as
 * "Unknown". Connect to a GtkSpinButton once. */
void        tg_ui_setup_count_spin (GtkSpinButton   *spin);

/* Gives check boxes, drop-downs and menu buttons the AT-SPI action (and
 * a drop-down's inner button the name) GTK 4.8 leaves out, for every such
 * widget of the process as it is mapped. Call once, after gtk_init(). */
void        tg_ui_install_accessibility_fixes (void);

G_END_DECLS
