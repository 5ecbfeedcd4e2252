/* fuzz-push.c — POST /api/v1/push bodies
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
  g_autoptr(GPtrArray) revisions = NULL;
  g_autoptr(GPtrArray) blob_lists = NULL;
  const TgServerPushLimits limits = { 50, 4096, 20, 100 };

  revisions = tg_server_decode_push ((const char *) data, size, &limits, &blob_lists, &error);
  if (revisions == NULL)
    {
      g_assert (error != NULL && error->domain == TG_SERVER_ERROR);
      return 0;
    }
  g_assert (error == NULL);
  g_assert (blob_lists->len == revisions->len);
  for (guint i = 0; i < revisions->len; i++)
    {
      TgRevision *revision = g_ptr_array_index (revisions, i);
      g_auto(GStrv) blobs = tg_server_content_blobs (tg_revision_get_content (revision), 4096);
      char **decoded = g_ptr_array_index (blob_lists, i);

      /* every revision that decodes is what its id says */
      g_assert (tg_is_sha256_hex (tg_revision_get_id (revision)));
      for (guint j = 0; blobs[j]; j++)
        g_assert (tg_is_sha256_hex (blobs[j]));
      /* the push decoder and the content reader agree */
      g_assert (g_strv_equal ((const char * const *) blobs, (const char * const *) decoded));
    }
  return 0;
}
