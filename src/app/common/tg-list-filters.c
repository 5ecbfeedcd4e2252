/* tg-list-filters.c — what the report list's and the workspace's filter bars share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-list-filters"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "tg-list-filters.h"
#include "tg-types.h"
#include "tg-ui-util.h"
#include "tg-vocabulary.h"

gboolean
tg_list_filters_parse_day (const char *text,
                           gint64     *unix_seconds,
                           gboolean    end_of_day)
{
  int y, m, d;
  char extra;
  g_autoptr(GDateTime) date = NULL;

  *unix_seconds = 0;
  if (text == NULL || *text == '\0')
    return TRUE;
  if (sscanf (text, "%d-%d-%d%c", &y, &m, &d, &extra) != 3)
    return FALSE;
  date = g_date_time_new_utc (y, m, d, 0, 0, 0);
  if (date == NULL)
    return FALSE;
  *unix_seconds = g_date_time_to_unix (date) + (end_of_day ? 86399 : 0);
  return TRUE;
}

gint64
tg_list_filters_day_of (GtkEditable *entry,
                        gboolean     end_of_day)
{
  gint64 seconds;

  return tg_list_filters_parse_day (gtk_editable_get_text (entry), &seconds, end_of_day) ? seconds : 0;
}

gboolean
tg_list_filters_check_days (GtkEditable *from,
                            GtkEditable *until,
                            GtkLabel    *error)
{
  gint64 from_day, until_day;
  gboolean ok;

  ok = tg_list_filters_parse_day (gtk_editable_get_text (from), &from_day, FALSE) &&
       tg_list_filters_parse_day (gtk_editable_get_text (until), &until_day, TRUE);
  if (!ok)
    gtk_label_set_text (error, _("Write dates as year-month-day, such as 2023-01-09."));
  gtk_widget_set_visible (GTK_WIDGET (error), !ok);
  return ok;
}

GListModel *
tg_list_filters_status_model (void)
{
  GtkStringList *statuses = gtk_string_list_new (NULL);

  gtk_string_list_append (statuses, _("Any status"));
  for (int s = TG_REPORT_STATUS_DRAFT; s <= TG_REPORT_STATUS_REJECTED; s++)
    gtk_string_list_append (statuses, tg_ui_status_label (s));
  return G_LIST_MODEL (statuses);
}

GListModel *
tg_list_filters_category_model (GListModel *categories)
{
  GtkStringList *labels = gtk_string_list_new (NULL);
  guint n = categories ? g_list_model_get_n_items (categories) : 0;

  gtk_string_list_append (labels, _("Any category"));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TgVocabularyEntry) entry = g_list_model_get_item (categories, i);

      gtk_string_list_append (labels, tg_vocabulary_entry_get_label (entry));
    }
  return G_LIST_MODEL (labels);
}
