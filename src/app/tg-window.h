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

TgWindow *tg_window_new          (TgApplication *app);
/* Opens a report in the editor, saving the one open before. */
gboolean  tg_window_open_report  (TgWindow      *self,
                                  const char    *report_id);

G_END_DECLS
