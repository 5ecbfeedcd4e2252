/* tg-date-button.h — a button that shows a date and opens a calendar
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tg-types.h"

G_BEGIN_DECLS

#define TG_TYPE_DATE_BUTTON (tg_date_button_get_type ())
G_DECLARE_FINAL_TYPE (TgDateButton, tg_date_button, TG, DATE_BUTTON, GtkWidget)

GtkWidget *tg_date_button_new           (void);
/* (nullable): no date set */
GDateTime *tg_date_button_get_date      (TgDateButton    *self);
void       tg_date_button_set_date      (TgDateButton    *self,
                                         GDateTime       *date);
void       tg_date_button_set_precision (TgDateButton    *self,
                                         TgDatePrecision  precision);

G_END_DECLS
