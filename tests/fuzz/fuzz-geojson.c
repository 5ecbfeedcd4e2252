/* fuzz-geojson.c — GeoJSON files given to the import: the streaming
 * scanner, json-glib on each piece it finds, and the checks of every
 * feature, into a store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "tg-import.h"
#include "tg-types.h"

/* One store for the run (opening one costs more than an import); a new
 * one after this many imported reports, so that it does not grow without
 * bound. */
#define REOPEN_AFTER 20000

static TgStore *store;
static guint n_stored;
static guint n_stores;

static void
open_store (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("store-%u", n_stores++);
  g_autofree char *dir = g_build_filename (fuzz_tmpdir (), name, NULL);

  if (store != NULL)
    {
      g_autofree char *old = g_strdup (tg_store_get_directory (store));

      g_clear_object (&store);
      fuzz_remove_tree (old);
    }
  store = tg_store_open (dir, &error);
  g_assert_no_error (error);
  n_stored = 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  guint n_imported = 0;

  if (store == NULL || n_stored > REOPEN_AFTER)
    open_store ();

  if (tg_import_geojson_data (store, (const char *) data, size, &n_imported, &error))
    {
      g_assert_no_error (error);
      n_stored += n_imported;
    }
  else
    {
      /* A clear error of our own domain, and nothing imported. */
      fuzz_check_error (error);
      g_assert (error->domain == TG_ERROR);
      g_assert_cmpuint (n_imported, ==, 0);
    }
  return 0;
}
