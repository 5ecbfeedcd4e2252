/* fuzz-upload.c — upload and download headers, and the admin's --expires
 *
 * Offsets, Upload-Length, Range, Authorization, --expires durations and
 * Upload-Checksum: the input is split on newlines into those fields.
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
  g_autofree char *text = fuzz_string (data, size);
  g_auto(GStrv) fields = g_strsplit (text, "\n", 6);
  const char *f[6] = { NULL, NULL, NULL, NULL, NULL, NULL };
  gint64 offset = -1, length = -1, start = -1, end = -1, seconds = -1;
  g_autofree char *token = NULL;
  guint8 digest[32];

  for (guint i = 0; fields[i] && i < 6; i++)
    f[i] = fields[i];

  if (tg_server_decode_offset (f[0], &offset, NULL))
    g_assert (offset >= 0);
  if (!tg_server_decode_offset (f[1], &length, NULL))
    length = 1000;
  g_assert (length >= 0);

  if (tg_server_decode_range (f[2], length, &start, &end, NULL))
    g_assert (start >= 0 && start <= end && end < length);

  token = tg_server_decode_bearer (f[3]);
  if (token != NULL)
    for (const char *p = token; *p; p++)
      g_assert (g_ascii_isalnum (*p) || *p == '-' || *p == '_');

  if (tg_server_decode_duration (f[4], &seconds, NULL))
    g_assert (seconds >= 1 && seconds <= 365 * 86400);

  /* an accepted checksum is canonical: it encodes back to what was sent */
  if (tg_server_decode_upload_checksum (f[5], digest, NULL))
    {
      g_autofree char *b64 = g_base64_encode (digest, sizeof digest);

      g_assert (strstr (f[5], b64) != NULL);
    }
  return 0;
}
