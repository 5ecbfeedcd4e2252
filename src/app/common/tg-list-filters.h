/* tg-list-filters.h — what the report list's and the workspace's filter
 * bars share: the day fields, the status and category drop-downs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* @text as a day, year-month-day: its first second (UTC), or with
 * @end_of_day its last. Empty text is 0 and TRUE; anything else that is
 * no day is 0 and FALSE. */
gboolean    tg_list_filters_parse_day      (const char  *text,
                                            gint64      *unix_seconds,
                                            gboolean     end_of_day);
/* The day written in @entry (as above), or 0. */
gint64      tg_list_filters_day_of         (GtkEditable *entry,
                                            gboolean     end_of_day);
/* Whether @from and @until hold days (or nothing); @error shows how to
 * write them when they do not, and hides when they do. */
gboolean    tg_list_filters_check_days     (GtkEditable *from,
                                            GtkEditable *until,
                                            GtkLabel    *error);
/* "Any status" and then every report status, in TgReportStatus order:
 * position 0 is no filter, position s + 1 status s. */
GListModel *tg_list_filters_status_model   (void);
/* "Any category" and then the label of each entry of @categories
 * (a TgVocabulary, nullable), in its order. */
GListModel *tg_list_filters_category_model (GListModel  *categories);

G_END_DECLS
