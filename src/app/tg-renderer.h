/* tg-renderer.h — which GSK renderer draws the windows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Whether an OpenGL renderer name is one of the software rasterisers
 * (Mesa's llvmpipe, softpipe and swrast, and the like). */
gboolean  tg_renderer_name_is_software (const char *gl_renderer);

/* Chooses the renderer for @display's windows, before the first of them
 * is shown. GTK 4.8 draws with OpenGL wherever it can get a context, even
 * when no graphics card is behind it and the CPU rasterises every frame;
 * then its cairo renderer is faster and uses less memory, so it is chosen
 * instead. GSK_RENDERER, when set, always wins. Returns a line saying
 * what was chosen and why, for the About window's debugging information. */
char     *tg_renderer_choose           (GdkDisplay *display);

G_END_DECLS
