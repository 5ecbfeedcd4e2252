/* fuzz-enrol.c — POST /api/v1/enrol bodies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL, *name = NULL;

  if (tg_server_decode_enrol ((const char *) data, size, &code, &name, &error))
    {
      g_autofree char *again = tg_server_normalize_code (code);

      /* normalising is idempotent and the name is printable */
      g_assert (again != NULL && strcmp (again, code) == 0);
      g_assert (*name != '\0' && g_utf8_validate (name, -1, NULL));
      for (const char *p = name; *p; p++)
        g_assert ((guchar) *p >= 0x20 && *p != 0x7f);
    }
  else
    g_assert (error != NULL);
  return 0;
}
