/* tg-server-wire.h — the JSON of the sync replies (POST /push, GET /pull)
 *
 * The store returns C structs; these encode them for the wire, in one
 * place the sync client can share. See docs/sync-protocol.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "tg-server-store.h"

G_BEGIN_DECLS

/* {"accepted": [{"id", "seq"}], "rejected": [{"id", "reason"}],
 *  "missing_blobs": [sha256], "server_seq"} */
JsonNode *tg_server_push_result_to_json (const TgServerPushResult *result);
/* {"revisions": [wire revision + "server_seq"], "conflicts": [{"record",
 *  "heads"}], "next", "more", "server_seq"} */
JsonNode *tg_server_pull_page_to_json   (const TgServerPullPage   *page);

G_END_DECLS
