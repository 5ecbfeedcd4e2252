/* tg-passphrase-strength.h — how hard a passphrase is to guess
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  TG_PASSPHRASE_EMPTY,
  TG_PASSPHRASE_WEAK,     /* refused: too short, a dictionary word… */
  TG_PASSPHRASE_FAIR,
  TG_PASSPHRASE_GOOD,
  TG_PASSPHRASE_STRONG,
} TgPassphraseStrength;

/* Rates @passphrase with libpwquality (the desktop's own rules in
 * /etc/security/pwquality.conf). @hint, if not NULL, gets one sentence
 * for the person typing it, translated. Only WEAK is refused. */
TgPassphraseStrength tg_passphrase_strength (const char  *passphrase,
                                             char       **hint);
/* 0.0 (empty) to 4.0 (strong), for a GtkLevelBar. */
double               tg_passphrase_strength_level (TgPassphraseStrength strength);

G_END_DECLS
