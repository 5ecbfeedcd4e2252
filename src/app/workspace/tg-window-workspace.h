/* tg-window-workspace.h — the coordinator's workspace in the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "tg-window.h"

G_BEGIN_DECLS

/* Adds the workspace page, its button and key, and the incidents' map
 * layer; called once the window has its store (and sync manager). */
void tg_window_attach_workspace (TgWindow *self);

G_END_DECLS
