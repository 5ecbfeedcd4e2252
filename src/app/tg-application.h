/* tg-application.h — the Testigo application: store, settings, actions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-gazetteer.h"
#include "tg-store.h"
#include "tg-sync-manager.h"
#include "tg-vault.h"
#include "tg-vocabulary.h"

G_BEGIN_DECLS

#define TG_TYPE_APPLICATION (tg_application_get_type ())
G_DECLARE_FINAL_TYPE (TgApplication, tg_application, TG, APPLICATION, AdwApplication)

TgApplication *tg_application_new             (void);
TgApplication *tg_application_get_default     (void);
GSettings     *tg_application_get_settings    (TgApplication    *self);
TgStore       *tg_application_get_store       (TgApplication    *self);
/* The open store's sync (engine, account, token); NULL until it is open. */
TgSyncManager *tg_application_get_sync_manager (TgApplication   *self);
const char    *tg_application_get_data_dir    (TgApplication    *self);
/* The data folder's vault (its key); NULL before the folder is known. */
TgVault       *tg_application_get_vault       (TgApplication    *self);
/* The vocabulary of @kind in the language chosen in the preferences;
 * never NULL (an empty list when the file cannot be read). */
GListModel    *tg_application_get_vocabulary  (TgApplication    *self,
                                               TgVocabularyKind  kind);
/* NULL when the built-in gazetteer cannot be opened. */
TgGazetteer   *tg_application_get_gazetteer   (TgApplication    *self);

/* Where the store lives: $TESTIGO_DATA_DIR, else the "data-directory"
 * setting, else $XDG_DATA_HOME/testigo (…/testigo/demo with --demo). */
char          *tg_application_find_data_dir   (GSettings        *settings,
                                               gboolean          demo);
/* The vocabularies' folder, even when $TESTIGO_DATA_DIR names a store. */
char          *tg_application_find_vocabulary_dir (void);

/* With $TESTIGO_START_UP_MARKS set, prints "mark WHAT TIME rss-kb KB"
 * (the monotonic clock, in µs, and the resident memory) so a start-up can
 * be timed and weighed step by step. */
void           tg_start_up_mark               (const char       *what);
/* This process's resident memory in KiB (VmRSS), or 0 where unknown. */
long           tg_resident_kb                 (void);

G_END_DECLS
