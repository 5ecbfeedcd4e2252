/* dnd-source.c — a drag source for test-dnd.py
 *
 *   dnd-source PATH…
 *
 * Shows a small undecorated window whose label can be dragged: the drag
 * offers PATH… as a file list (text/uri-list on X11), as a file manager
 * does. Prints "ready" once the window is mapped.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gtk/gtk.h>
static GdkContentProvider *
prepare_cb (GtkDragSource *source, double x, double y, gpointer data)
{
  char **paths = data;
  GSList *files = NULL;
  GdkContentProvider *p;

  for (int i = 0; paths[i]; i++)
    files = g_slist_append (files, g_file_new_for_path (paths[i]));
  p = gdk_content_provider_new_typed (GDK_TYPE_FILE_LIST, files);
  g_slist_free_full (files, g_object_unref);
  return p;
}
static void
map_cb (GtkWidget *widget)
{
  g_print ("ready\n");
}
int
main (int   argc,
      char *argv[])
{
  GtkWidget *win;
  GtkWidget *label;
  GtkDragSource *src;

  gtk_init ();
  win = gtk_window_new ();
  gtk_window_set_decorated (GTK_WINDOW (win), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (win), 120, 120);
  label = gtk_label_new ("drag me");
  src = gtk_drag_source_new ();
  gtk_drag_source_set_actions (src, GDK_ACTION_COPY);
  g_signal_connect (src, "prepare", G_CALLBACK (prepare_cb), argv + 1);
  gtk_widget_add_controller (label, GTK_EVENT_CONTROLLER (src));
  gtk_window_set_child (GTK_WINDOW (win), label);
  g_signal_connect (win, "map", G_CALLBACK (map_cb), NULL);
  gtk_window_present (GTK_WINDOW (win));
  while (g_list_model_get_n_items (gtk_window_get_toplevels ()) > 0)
    g_main_context_iteration (NULL, TRUE);
}
