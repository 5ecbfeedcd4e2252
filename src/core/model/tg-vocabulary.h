/* tg-vocabulary.h — controlled vocabularies (categories, harms, weapons,
 * perpetrator types) loaded from translated data files
 *
 * Each vocabulary is a JSON file in the vocabularies data directory: a list
 * of objects { "code", "en", "es", "description_en", "description_es" }.
 * "code" and "en" are required; any other two-letter language key may be
 * added. Reports store codes; people see labels.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  TG_VOCABULARY_CATEGORIES,
  TG_VOCABULARY_HARMS,
  TG_VOCABULARY_WEAPONS,
  TG_VOCABULARY_PERPETRATORS,
} TgVocabularyKind;

#define TG_TYPE_VOCABULARY_ENTRY (tg_vocabulary_entry_get_type ())
G_DECLARE_FINAL_TYPE (TgVocabularyEntry, tg_vocabulary_entry, TG, VOCABULARY_ENTRY, GObject)

/* Properties (read-only): "code", "label" and "description" in the
 * vocabulary's language (for GtkDropDown expressions). */
const char   *tg_vocabulary_entry_get_code        (TgVocabularyEntry *self);
const char   *tg_vocabulary_entry_get_label       (TgVocabularyEntry *self);
const char   *tg_vocabulary_entry_get_description (TgVocabularyEntry *self);
/* In a given language ("es", "en"), falling back to English. */
const char   *tg_vocabulary_entry_get_label_for   (TgVocabularyEntry *self,
                                                   const char        *language);
const char   *tg_vocabulary_entry_get_description_for (TgVocabularyEntry *self,
                                                       const char        *language);

/* A GListModel of TgVocabularyEntry, in file order. */
#define TG_TYPE_VOCABULARY (tg_vocabulary_get_type ())
G_DECLARE_FINAL_TYPE (TgVocabulary, tg_vocabulary, TG, VOCABULARY, GObject)

/* The file name of a kind: "categories.json", … */
const char   *tg_vocabulary_kind_get_file_name    (TgVocabularyKind   kind);

/* Where the vocabularies are read from: $TESTIGO_DATA_DIR/vocabularies when
 * set, else the installed PKGDATADIR/vocabularies if it exists, else the
 * source tree's data/vocabularies (running uninstalled). */
char         *tg_vocabulary_get_default_directory (void);

/* The language used when none is given: the first of
 * g_get_language_names() that the vocabularies carry ("es" or "en"),
 * English otherwise. */
const char   *tg_vocabulary_get_default_language  (void);

/* @language: (nullable): "es", "en", … or NULL for the default. A file that
 * is missing or malformed is a TG_ERROR_INVALID / G_IO_ERROR naming it. */
TgVocabulary *tg_vocabulary_new_from_file         (const char        *path,
                                                   const char        *language,
                                                   GError           **error);
TgVocabulary *tg_vocabulary_load                  (TgVocabularyKind   kind,
                                                   const char        *directory,
                                                   const char        *language,
                                                   GError           **error);

const char   *tg_vocabulary_get_language          (TgVocabulary      *self);
TgVocabularyEntry *tg_vocabulary_lookup           (TgVocabulary      *self,
                                                   const char        *code);
/* The position of @code, or G_MAXUINT when unknown. */
guint         tg_vocabulary_find                  (TgVocabulary      *self,
                                                   const char        *code);
gboolean      tg_vocabulary_contains              (TgVocabulary      *self,
                                                   const char        *code);
/* The label of @code in @language (NULL: the vocabulary's language),
 * English when that language has none, the code itself when the code is
 * unknown (so data from a newer vocabulary still shows something). */
const char   *tg_vocabulary_get_label             (TgVocabulary      *self,
                                                   const char        *code,
                                                   const char        *language);

G_END_DECLS
