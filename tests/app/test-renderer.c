/* test-renderer.c — the choice of GSK renderer at start-up
 *
 * Names of software and hardware OpenGL renderers are told apart; on a
 * display whose OpenGL is drawn in software, windows get the cairo
 * renderer; GSK_RENDERER, when set, is left to decide. Each display case
 * runs in a child process, since GTK reads GSK_RENDERER once per process.
 * Under tools/run-tests.sh ($TESTIGO_XVFB set) the display is Xvfb, whose
 * OpenGL is always Mesa's llvmpipe, so the software branch must be taken.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>

#include "tg-renderer.h"

static void
test_names (void)
{
  /* What Mesa, AMD, Intel and NVIDIA drivers say of themselves. */
  g_assert_true (tg_renderer_name_is_software ("llvmpipe (LLVM 15.0.6, 256 bits)"));
  g_assert_true (tg_renderer_name_is_software ("softpipe"));
  g_assert_true (tg_renderer_name_is_software ("Software Rasterizer"));
  g_assert_true (tg_renderer_name_is_software ("Mesa DRI swrast"));
  g_assert_true (tg_renderer_name_is_software ("Google SwiftShader"));
  g_assert_false (tg_renderer_name_is_software ("AMD Radeon RX 5500 XT (navi14, LLVM 15.0.7, DRM 3.52, 6.3.9)"));
  g_assert_false (tg_renderer_name_is_software ("Mesa Intel(R) UHD Graphics 620 (KBL GT2)"));
  g_assert_false (tg_renderer_name_is_software ("NVIDIA GeForce GTX 1060 6GB/PCIe/SSE2"));
  g_assert_false (tg_renderer_name_is_software ("virgl (Intel(R) Iris(R) Xe Graphics)"));
  g_assert_false (tg_renderer_name_is_software (""));
  g_assert_false (tg_renderer_name_is_software (NULL));
}

/* The renderer a new window of the default display draws with. */
static const char *
window_renderer (void)
{
  GtkWidget *window = gtk_window_new ();
  const char *name;

  gtk_widget_realize (window);
  name = G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (window)));
  gtk_window_destroy (GTK_WINDOW (window));
  return name;
}

static void
choose_unforced (void)
{
  GdkDisplay *display;
  g_autofree char *line = NULL;
  const char *chosen;

  g_unsetenv ("GSK_RENDERER");
  if (!gtk_init_check ())
    {
      g_test_skip ("no display");
      return;
    }
  display = gdk_display_get_default ();
  line = tg_renderer_choose (display);
  g_test_message ("choice: %s; windows draw with %s", line, window_renderer ());
  chosen = g_object_get_data (G_OBJECT (display), "gsk-renderer");

  if (g_str_has_prefix (line, "cairo (OpenGL is software: "))
    {
      g_assert_cmpstr (chosen, ==, "cairo");
      g_assert_cmpstr (window_renderer (), ==, "GskCairoRenderer");
    }
  else
    {
      /* OpenGL on a graphics card, or none at all: GTK's own choice. */
      g_assert_null (chosen);
      g_assert_true (g_str_has_prefix (line, "GTK's choice (OpenGL on ") ||
                     g_str_has_prefix (line, "cairo (no OpenGL: "));
      g_assert_null (g_getenv ("TESTIGO_XVFB"));
    }
}

static void
choose_forced (void)
{
  GdkDisplay *display;
  g_autofree char *line = NULL;

  g_setenv ("GSK_RENDERER", "gl", TRUE);
  if (!gtk_init_check ())
    {
      g_test_skip ("no display");
      return;
    }
  display = gdk_display_get_default ();
  line = tg_renderer_choose (display);
  g_assert_cmpstr (line, ==, "GSK_RENDERER=gl");
  g_assert_null (g_object_get_data (G_OBJECT (display), "gsk-renderer"));
  /* GTK's own answer to the variable (GL, or cairo where it has none). */
  g_assert_cmpstr (window_renderer (), !=, NULL);
}

static void
test_display (gconstpointer data)
{
  if (g_test_subprocess ())
    {
      ((GTestFunc) data) ();
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/app/renderer/names", test_names);
  g_test_add_data_func ("/app/renderer/software-gl-gets-cairo", choose_unforced, test_display);
  g_test_add_data_func ("/app/renderer/environment-wins", choose_forced, test_display);

  return g_test_run ();
}
