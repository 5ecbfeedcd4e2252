/* tg-cli-unlock.c — opening the store from the command line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-cli-unlock"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tg-at-rest-migrate.h"
#include "tg-blob-store.h"
#include "tg-cli-unlock.h"
#include "tg-types.h"
#include "tg-vault.h"

/* The passphrase typed on the terminal, without echo; NULL if stdin is
 * not a terminal or nothing was typed. */
static char *
ask_passphrase (void)
{
  struct termios saved, quiet;
  char line[1024];
  gboolean ok;
  gsize len;

  if (!isatty (STDIN_FILENO) || tcgetattr (STDIN_FILENO, &saved) != 0)
    return NULL;
  fprintf (stderr, "%s", _("Passphrase: "));
  fflush (stderr);
  quiet = saved;
  quiet.c_lflag &= ~(tcflag_t) ECHO;
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
  ok = fgets (line, sizeof line, stdin) != NULL;
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
  fprintf (stderr, "\n");
  if (!ok)
    return NULL;
  len = strcspn (line, "\r\n");
  line[len] = '\0';
  {
    char *passphrase = len > 0 ? g_strdup (line) : NULL;

    explicit_bzero (line, sizeof line);
    return passphrase;
  }
}

static void
print_progress (goffset  done,
                goffset  total,
                gpointer user_data)
{
  int *last = user_data;
  int percent = total > 0 ? (int) (done * 100 / total) : 100;

  if (percent / 10 != *last / 10)
    {
      fprintf (stderr, " %d %%", percent);
      fflush (stderr);
    }
  *last = percent;
}

TgStore *
tg_cli_open_store (const char  *directory,
                   GError     **error)
{
  g_autoptr(TgVault) vault = tg_vault_new (directory);
  const char *env = g_getenv ("TESTIGO_PASSPHRASE");
  char *passphrase = NULL;
  guint8 key[TG_VAULT_KEY_BYTES];
  TgStore *store;
  gboolean ok;

  if (tg_vault_get_state (vault) == TG_VAULT_STATE_NONE)
    return tg_store_open (directory, error);

  if (env != NULL && *env != '\0')
    passphrase = g_strdup (env);
  else
    passphrase = ask_passphrase ();
  if (passphrase == NULL)
    {
      g_set_error (error, TG_VAULT_ERROR, TG_VAULT_ERROR_LOCKED,
                   _("The reports in %s are protected by a passphrase: run this on a terminal to type it, "
                     "or set TESTIGO_PASSPHRASE."), directory);
      return NULL;
    }
  ok = tg_vault_unlock (vault, passphrase, NULL, error);
  explicit_bzero (passphrase, strlen (passphrase));
  g_free (passphrase);
  if (!ok)
    return NULL;

  if (tg_at_rest_needs_migration (directory))
    {
      int last = -1;
      g_autoptr(TgProgress) progress = tg_progress_new (print_progress, &last, NULL, NULL,
                                                        TG_PROGRESS_INTERVAL_MS);

      fprintf (stderr, "%s", _("Encrypting the reports and files written by an older version…"));
      ok = tg_at_rest_migrate (directory, vault, progress, NULL, error);
      fprintf (stderr, "\n");
      if (!ok)
        {
          tg_vault_lock (vault);
          return NULL;
        }
    }

  if (!tg_vault_derive_subkey (vault, TG_VAULT_PURPOSE_STORE, key, error))
    return NULL;
  store = tg_store_open_keyed (directory, key, error);
  explicit_bzero (key, sizeof key);
  if (store != NULL)
    tg_blob_store_set_vault (tg_store_get_blob_store (store), vault);
  return store;
}
