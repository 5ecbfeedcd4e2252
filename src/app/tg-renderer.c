/* tg-renderer.c — which GSK renderer draws the windows
 *
 * A monitor's laptop is often old, or a virtual machine, or lacks the
 * driver for its graphics card. Mesa then gives OpenGL all the same, drawn
 * by the CPU (llvmpipe), and GTK 4.8 takes it: under Xvfb a bare
 * libadwaita window takes some 230 ms to its first frame and 163 MB of
 * memory with it, against 140 ms and 93 MB with the cairo renderer
 * (docs/app.md). So the GL renderer's name is read once at start-up (a
 * context costs 6–8 ms and 2 MB) and, when it names a software
 * rasteriser, the display is told to use cairo.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-renderer"

#include "config.h"

#include <epoxy/gl.h>
#include <string.h>

#include "tg-renderer.h"

gboolean
tg_renderer_name_is_software (const char *gl_renderer)
{
  static const char * const software[] = {
    "llvmpipe", "softpipe", "swrast", "Software Rasterizer", "SwiftShader",
  };

  if (gl_renderer == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (software); i++)
    if (strstr (gl_renderer, software[i]) != NULL)
      return TRUE;
  return FALSE;
}

/* The GL_RENDERER string of a context on @display, or NULL when OpenGL is
 * not to be had (then GTK itself falls back to cairo). */
static char *
read_gl_renderer (GdkDisplay  *display,
                  GError     **error)
{
  g_autoptr(GdkGLContext) context = NULL;
  char *name;

  context = gdk_display_create_gl_context (display, error);
  if (context == NULL || !gdk_gl_context_realize (context, error))
    return NULL;

  gdk_gl_context_make_current (context);
  name = g_strdup ((const char *) glGetString (GL_RENDERER));
  gdk_gl_context_clear_current ();

  return name;
}

char *
tg_renderer_choose (GdkDisplay *display)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *gl_renderer = NULL;
  const char *forced = g_getenv ("GSK_RENDERER");

  g_return_val_if_fail (GDK_IS_DISPLAY (display), NULL);

  if (forced != NULL && *forced != '\0')
    return g_strdup_printf ("GSK_RENDERER=%s", forced);

  gl_renderer = read_gl_renderer (display, &error);
  if (gl_renderer == NULL)
    return g_strdup_printf ("cairo (no OpenGL: %s)", error ? error->message : "no renderer name");

  if (!tg_renderer_name_is_software (gl_renderer))
    return g_strdup_printf ("GTK's choice (OpenGL on %s)", gl_renderer);

  /* GTK asks its display for a renderer by this name before it reads
   * GSK_RENDERER (gsk_renderer_new_for_surface); setting the environment
   * instead is unsafe once threads run. */
  g_object_set_data_full (G_OBJECT (display), "gsk-renderer", g_strdup ("cairo"), g_free);
  g_debug ("OpenGL is drawn in software (%s): using the cairo renderer", gl_renderer);
  return g_strdup_printf ("cairo (OpenGL is software: %s)", gl_renderer);
}
