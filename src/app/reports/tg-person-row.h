/* tg-person-row.h — editing one person of a report
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-person.h"

G_BEGIN_DECLS

#define TG_TYPE_PERSON_ROW (tg_person_row_get_type ())
G_DECLARE_FINAL_TYPE (TgPersonRow, tg_person_row, TG, PERSON_ROW, AdwExpanderRow)

/* @harms, @weapons: the vocabularies of the two checklists.
 * Signals: "changed" after any edit; "remove" when the person asks to
 * remove this person. */
GtkWidget *tg_person_row_new        (TgPerson    *person,
                                     GListModel  *harms,
                                     GListModel  *weapons);
TgPerson  *tg_person_row_get_person (TgPersonRow *self);

G_END_DECLS
