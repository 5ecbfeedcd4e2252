/* tg-choice-group.h — one differing value of a conflict, a choice per
 * version, as the report and incident resolvers show it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-choice-memory.h"   /* TG_CHOICE_PICK_NONE, TG_CHOICE_PICK_TYPED */

G_BEGIN_DECLS

#define TG_TYPE_CHOICE_GROUP (tg_choice_group_get_type ())
G_DECLARE_FINAL_TYPE (TgChoiceGroup, tg_choice_group, TG, CHOICE_GROUP, AdwPreferencesGroup)

/* A group titled @title whose choices are radio check boxes. @key names
 * the value for tests: the group, its check boxes and its editors carry
 * it as the object data "tg-choice-key", each check box its pick as
 * "tg-pick".
 *
 * Signals: "changed" — another check box is chosen. Typing a value of
 * one's own chooses it. */
GtkWidget      *tg_choice_group_new         (const char    *title,
                                             const char    *key);
/* The chosen check box's pick, or TG_CHOICE_PICK_NONE. */
int             tg_choice_group_get_pick    (TgChoiceGroup *self);

/* Version @index (from 0) of the value: @value as the row's title (at
 * most @title_lines lines), "Version N, from @who, @when" (and " · @source"
 * when @source is not empty) below it; the check box's accessible name
 * gives the group's title, the version, @who and @value shortened. Its
 * pick is @index. @version_id names the version (its revision) and
 * @same_as its value in a form that compares, so that a choice can be
 * made again once the versions are loaded anew (TgChoiceMemory). */
GtkCheckButton *tg_choice_group_add_version (TgChoiceGroup *self,
                                             guint          index,
                                             const char    *value,
                                             const char    *who,
                                             const char    *when,
                                             const char    *source,
                                             int            title_lines,
                                             const char    *version_id,
                                             const char    *same_as);
/* Any other choice, e.g. every version's items together. */
GtkCheckButton *tg_choice_group_add_choice  (TgChoiceGroup *self,
                                             int            pick,
                                             const char    *title,
                                             const char    *subtitle,
                                             int            title_lines,
                                             const char    *accessible);
/* A value of one's own (pick TG_CHOICE_PICK_TYPED), in a one-line entry
 * titled @label or, with @multiline, in a text view below a row titled
 * @label; both start with @start. */
GtkCheckButton *tg_choice_group_add_typed   (TgChoiceGroup *self,
                                             const char    *label,
                                             const char    *start,
                                             gboolean       multiline);
/* What is written in the value of one's own ("" without one). */
char           *tg_choice_group_dup_typed   (TgChoiceGroup *self);

/* The key given to tg_choice_group_new(). */
const char     *tg_choice_group_get_key     (TgChoiceGroup *self);
/* Remembers in @memory what is chosen and written here. */
void            tg_choice_group_remember    (TgChoiceGroup  *self,
                                             TgChoiceMemory *memory);
/* Chooses again (and writes again) what @memory holds for this group's
 * key, among the versions and choices it has now; a choice that fell
 * back (its version gone) says so in the group's description. Returns
 * how (TG_CHOICE_RECALL_NONE when nothing was kept). */
TgChoiceRecall  tg_choice_group_recall      (TgChoiceGroup  *self,
                                             TgChoiceMemory *memory);

/* How many of the TgChoiceGroup children of @box have a pick. */
guint           tg_choice_group_count_chosen (GtkWidget    *box);

/* "@time by its clock" for a version saved at @created_at (µs since the
 * epoch, as the device that wrote it had it). */
char           *tg_choice_when_written      (gint64         created_at);

/* The rows of the Versions group: version @index (from 0) written by
 * @who, saved @when as revision @rev_id. Remove them all before the
 * versions are listed again. */
void            tg_choice_add_version_row   (AdwPreferencesGroup *versions,
                                             guint                index,
                                             const char          *who,
                                             const char          *when,
                                             const char          *rev_id);
void            tg_choice_clear_version_rows (AdwPreferencesGroup *versions);

G_END_DECLS
