/* tg-date-button.h — a date typed in the locale's order, or picked on a calendar
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "tg-types.h"

G_BEGIN_DECLS

/* The order of day, month and year in a typed date, and the character
 * between them, as the locale writes dates (nl_langinfo (D_FMT)). */
typedef struct
{
  char order[3];   /* 'd', 'm' and 'y', each once */
  char separator;  /* '/', '.' or '-' */
} TgDateLayout;

void        tg_date_layout_init_from_format (TgDateLayout       *layout,
                                             const char         *d_fmt);
void        tg_date_layout_init_from_locale (TgDateLayout       *layout);
/* "dd/mm/yyyy" (translated: "dd/mm/aaaa"), with " hh:mm" if @with_time. */
char       *tg_date_layout_placeholder      (const TgDateLayout *layout,
                                             gboolean            with_time);
/* @date in the local time zone, in the layout's order, four-digit year,
 * and the time ("09/01/2023 15:42") when @with_time. */
char       *tg_date_layout_format           (const TgDateLayout *layout,
                                             GDateTime          *date,
                                             gboolean            with_time);
/* Reads what a person typed: the layout's order, or ISO 8601
 * (2023-01-09), any of "/", "." and "-" between the numbers, an optional
 * time "15:42" (or "3:42 pm"), a two-digit year in this century unless
 * that is in the future. A local time in @tz. Returns NULL with @error
 * set for text that is not a date or a date that does not exist, NULL
 * without an error for empty text. @full: (out) (optional): set when
 * the year was typed in full, so the text cannot be a date still being
 * typed. */
GDateTime  *tg_date_layout_parse            (const TgDateLayout *layout,
                                             const char         *text,
                                             GTimeZone          *tz,
                                             gboolean           *full,
                                             GError            **error);

#define TG_TYPE_DATE_BUTTON (tg_date_button_get_type ())
G_DECLARE_FINAL_TYPE (TgDateButton, tg_date_button, TG, DATE_BUTTON, GtkWidget)

/* (nullable): no date set */
GDateTime  *tg_date_button_get_date      (TgDateButton    *self);
void        tg_date_button_set_date      (TgDateButton    *self,
                                          GDateTime       *date);
void        tg_date_button_set_precision (TgDateButton    *self,
                                          TgDatePrecision  precision);

G_END_DECLS
