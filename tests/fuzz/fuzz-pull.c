/* fuzz-pull.c — GET /api/v1/pull query strings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *query = fuzz_string (data, size);
  g_autoptr(GError) error = NULL;
  gint64 since = -1, own_through = -1;
  guint limit = 0;

  if (tg_server_decode_pull_query (query, 500, &since, &limit, &own_through, &error))
    {
      g_assert (since >= 0);
      g_assert (own_through >= 0);
      g_assert (limit >= 1 && limit <= 500);
    }
  else
    g_assert (error != NULL);
  return 0;
}
