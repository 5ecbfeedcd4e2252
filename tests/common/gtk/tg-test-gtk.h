/* tg-test-gtk.h — helpers the GTK tests share (tests/common/gtk)
 *
 * The display opened (or the test skipped), the app the widgets read
 * their vocabularies and settings from, widgets found or counted in a
 * widget tree by a predicate, and a resolver's choice ticked by the field
 * it stands for. Beside tests/common, which stays free of GTK.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tg-application.h"

G_BEGIN_DECLS

gboolean       tg_test_gtk_init (int    *argc,
                                 char ***argv);
TgApplication *tg_test_app_new  (void);

/* TRUE when @widget is the one looked for (@data is the caller's). */
typedef gboolean (*TgTestWidgetMatch) (GtkWidget     *widget,
                                       gconstpointer  data);

GtkWidget *tg_test_find_widget   (GtkWidget         *root,
                                  TgTestWidgetMatch  match,
                                  gconstpointer      data);
guint      tg_test_count_widgets (GtkWidget         *root,
                                  TgTestWidgetMatch  match,
                                  gconstpointer      data);
void       tg_test_choose        (GtkWidget         *root,
                                  const char        *key,
                                  int                pick);

G_END_DECLS
