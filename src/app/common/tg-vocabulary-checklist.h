/* tg-vocabulary-checklist.h — an expander row of check boxes, one per
 * entry of a controlled vocabulary
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TG_TYPE_VOCABULARY_CHECKLIST (tg_vocabulary_checklist_get_type ())
G_DECLARE_FINAL_TYPE (TgVocabularyChecklist, tg_vocabulary_checklist, TG, VOCABULARY_CHECKLIST, AdwExpanderRow)

/* Properties:
 *   "vocabulary"        GListModel of TgVocabularyEntry: one check each,
 *                       named by the entry's label (also its accessible
 *                       name), in the vocabulary's order
 *   "language"          nullable: labels in this language ("es", "en");
 *                       NULL keeps the vocabulary's own
 *   "codes"             GStrv, the ticked codes in vocabulary order
 *   "empty-text"        the row's subtitle when nothing is ticked
 *   "show-descriptions" each entry's description under its label
 * The subtitle summarises the ticked labels ("Killing, Threat").
 *
 * Signal "changed": a person ticked or unticked a check. Setting "codes"
 * or "vocabulary" from code updates the checks and the summary without
 * emitting it (only notify::codes). */
GtkWidget          *tg_vocabulary_checklist_new                   (GListModel            *vocabulary,
                                                                   const char            *language);
GListModel         *tg_vocabulary_checklist_get_vocabulary        (TgVocabularyChecklist *self);
void                tg_vocabulary_checklist_set_vocabulary        (TgVocabularyChecklist *self,
                                                                   GListModel            *vocabulary);
const char         *tg_vocabulary_checklist_get_language          (TgVocabularyChecklist *self);
void                tg_vocabulary_checklist_set_language          (TgVocabularyChecklist *self,
                                                                   const char            *language);
/* Never NULL; owned by the widget, valid until the next change. */
const char * const *tg_vocabulary_checklist_get_codes             (TgVocabularyChecklist *self);
/* Ticks the checks of @codes (NULL: none). A code the vocabulary lacks
 * gets a ticked check of its own, labelled with the code, after the
 * vocabulary's: it is given back by get_codes (after the known ones, in
 * the order set) until the person unticks it, so that ticking another box
 * never drops data a newer vocabulary wrote. */
void                tg_vocabulary_checklist_set_codes             (TgVocabularyChecklist *self,
                                                                   const char * const    *codes);
const char         *tg_vocabulary_checklist_get_empty_text        (TgVocabularyChecklist *self);
void                tg_vocabulary_checklist_set_empty_text        (TgVocabularyChecklist *self,
                                                                   const char            *text);
gboolean            tg_vocabulary_checklist_get_show_descriptions (TgVocabularyChecklist *self);
void                tg_vocabulary_checklist_set_show_descriptions (TgVocabularyChecklist *self,
                                                                   gboolean               show);

G_END_DECLS
