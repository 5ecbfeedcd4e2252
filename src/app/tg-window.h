/* tg-window.h — the main window: report list, editor and map
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-application.h"

G_BEGIN_DECLS

#define TG_TYPE_WINDOW (tg_window_get_type ())
G_DECLARE_FINAL_TYPE (TgWindow, tg_window, TG, WINDOW, AdwApplicationWindow)

/* Before the application's store is open, the window shows "Opening the
 * Reports…" with a spinner until tg_window_set_store() is called. */
TgWindow *tg_window_new          (TgApplication *app);
void      tg_window_set_store    (TgWindow      *self,
                                  TgStore       *store);
/* Opens a report in the editor, saving the one open before. The report
 * is read on a worker thread: the editor shows it when it is read (a
 * later call wins; a failure is a toast). */
void      tg_window_open_report  (TgWindow      *self,
                                  const char    *report_id);

G_END_DECLS
