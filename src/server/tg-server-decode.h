/* tg-server-decode.h — decoders for everything a client sends the server
 *
 * Every byte that arrives from the network goes through one of these
 * functions before the server acts on it. They are pure (no I/O, no global
 * state) so the libFuzzer targets in tests/fuzz/ exercise exactly the code
 * the server runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define TG_SERVER_ERROR (tg_server_error_quark ())
GQuark tg_server_error_quark (void);

/* Each code maps to one HTTP status (see tg_server_error_to_status). */
typedef enum
{
  TG_SERVER_ERROR_BAD_REQUEST,      /* 400 */
  TG_SERVER_ERROR_UNAUTHORIZED,     /* 401 */
  TG_SERVER_ERROR_FORBIDDEN,        /* 403 */
  TG_SERVER_ERROR_NOT_FOUND,        /* 404 */
  TG_SERVER_ERROR_CONFLICT,         /* 409 */
  TG_SERVER_ERROR_TOO_LARGE,        /* 413 */
  TG_SERVER_ERROR_RANGE,            /* 416 */
  TG_SERVER_ERROR_UNPROCESSABLE,    /* 422 */
  TG_SERVER_ERROR_INTERNAL,         /* 500 */
} TgServerError;

guint       tg_server_error_to_status     (const GError *error);

#define TG_SERVER_MAX_JSON_DEPTH 32

/* Parses a JSON document after checking, before json-glib sees it, with
 * the core's pre-scan of hostile JSON (tg-json-scanner.h, shared with the
 * importer), that nesting is at most TG_SERVER_MAX_JSON_DEPTH, that no
 * string is longer than @max_string bytes, that it holds at most
 * TG_JSON_MAX_VALUES values, and no NUL, raw control character in a
 * string, unknown escape, lone surrogate or \u0000. Errors are
 * TG_SERVER_ERROR_BAD_REQUEST with a message naming the problem. */
JsonNode   *tg_server_parse_json          (const char  *data,
                                           gsize        length,
                                           gsize        max_string,
                                           GError     **error);

/* A merge names every head of its record; more parents than this in one
 * revision is refused (each costs the store thread a lookup). */
#define TG_SERVER_MAX_PARENTS 32

typedef struct
{
  guint max_batch;            /* revisions per push */
  gsize max_string;           /* bytes in any one JSON string */
  guint max_blob_refs;        /* blob references in one revision's content */
  guint max_batch_blob_refs;  /* blob references in the whole push */
} TgServerPushLimits;

/* POST /api/v1/push: {"revisions": [wire revision, ...]}.
 * Returns a GPtrArray of TgRevision (ids checked against content) and, in
 * *blobs when not NULL, for each revision the NULL-terminated vector of
 * the blobs its content refers to (see tg_server_content_blobs). More
 * revisions, parents or blob references than @limits allow is
 * TG_SERVER_ERROR_TOO_LARGE; a blob reference counts each "sha256" and
 * "thumbnail_sha256" of "sources", repeated or not. */
GPtrArray  *tg_server_decode_push         (const char                *data,
                                           gsize                      length,
                                           const TgServerPushLimits  *limits,
                                           GPtrArray                **blobs,
                                           GError                   **error);

/* GET /api/v1/pull?since=N&limit=M&own_through=S — @query is the raw query
 * string (may be NULL). since defaults to 0, limit to @max_limit and is
 * clamped to it, own_through defaults to 0 (leave nothing out). */
gboolean    tg_server_decode_pull_query   (const char  *query,
                                           guint        max_limit,
                                           gint64      *since,
                                           guint       *limit,
                                           gint64      *own_through,
                                           GError     **error);

/* POST /api/v1/enrol: {"code": "...", "device_name": "..."}. The code is
 * returned normalised (upper case, no spaces or dashes). */
gboolean    tg_server_decode_enrol        (const char  *data,
                                           gsize        length,
                                           char       **code,
                                           char       **device_name,
                                           GError     **error);

/* Enrolment codes are typed by people: drop spaces and dashes, upper-case,
 * and accept only the code alphabet. NULL when not a plausible code. */
char       *tg_server_normalize_code      (const char  *code);

/* Names an admin reads (device names, user names) must show what they
 * are: no control characters (C0, DEL, C1), no line or paragraph
 * separators, no invisible formatting characters — bidi embeddings,
 * overrides and isolates (U+202A–U+202E, U+2066–U+2069), marks (U+200E,
 * U+200F, U+061C), zero-width space, word joiner, BOM… (Unicode category
 * Cf) — except the zero-width joiner and non-joiner that Persian, Indic
 * scripts and emoji need, and no invisible letters (Hangul fillers).
 * The error names @what and the first offending code point. */
gboolean    tg_server_check_display_name  (const char  *name,
                                           const char  *what,
                                           GError     **error);
/* The same name with every character that check refuses written as
 * "<U+202E>": for names stored before the check existed. */
char       *tg_server_display_name_escape (const char  *name);

/* A non-negative decimal byte count or offset, at most 2^53. */
gboolean    tg_server_decode_offset       (const char  *str,
                                           gint64      *value,
                                           GError     **error);

/* Upload-Checksum (sync protocol 2, the tus checksum extension's form):
 * "sha256 <base64 of the 32-byte digest>". The algorithm name is matched
 * without regard to case; the base64 must be canonical (44 characters,
 * one "=", no line breaks or stray characters). Any other algorithm, or
 * anything else, is TG_SERVER_ERROR_BAD_REQUEST with a message naming the
 * problem. */
#define TG_SERVER_UPLOAD_CHECKSUM_MAX 128
gboolean    tg_server_decode_upload_checksum (const char  *header,
                                              guint8       digest[32],
                                              GError     **error);

/* A single "bytes=a-b", "bytes=a-" or "bytes=-n" range against a file of
 * @size bytes; *end is inclusive. TG_SERVER_ERROR_RANGE when it cannot be
 * satisfied, TG_SERVER_ERROR_BAD_REQUEST when malformed. */
gboolean    tg_server_decode_range        (const char  *header,
                                           gint64       size,
                                           gint64      *start,
                                           gint64      *end,
                                           GError     **error);

/* "Bearer <token>" → the token, or NULL. */
char       *tg_server_decode_bearer       (const char  *header);

/* The SHA-256 digests of the files a revision's content refers to
 * ("sources": [{"sha256", "thumbnail_sha256"}]), deduplicated; an empty
 * vector when there are none or the content is not a JSON object. */
char      **tg_server_content_blobs       (const char  *content,
                                           gsize        max_string);

/* "90s", "30m", "24h", "7d" → seconds (1 s to 365 d). */
gboolean    tg_server_decode_duration     (const char  *str,
                                           gint64      *seconds,
                                           GError     **error);

/* The key under which a client address is counted for
 * max-connections-per-address, handshake slots, the rate limit of
 * info/enrol and the refusal audit's cap: an IPv4 address as it is; an
 * IPv4-mapped IPv6 address as its IPv4 address; any other IPv6 address as
 * its /64 ("2001:db8:1:2::/64"), since one host or LAN is routinely
 * given a whole /64 and can pick any address in it. NULL when @address
 * is not an IP address. */
char       *tg_server_address_key         (const char  *address);

G_END_DECLS
