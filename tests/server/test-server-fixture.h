/* test-server-fixture.h — run the real testigo-server on loopback for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "tg-revision.h"

G_BEGIN_DECLS

typedef struct
{
  char        *dir;
  char        *data_dir;
  char        *config_path;
  char        *db_path;
  GSubprocess *process;
  char        *base_uri;
  char        *fingerprint;
} TestServer;

typedef struct
{
  TestServer  *server;
  SoupSession *session;
  char        *token;
  char        *device_id;
} TestClient;

/* @extra_config: more "key=value\n" lines for [server], or NULL. */
TestServer *test_server_new       (const char  *extra_config);
void        test_server_start     (TestServer  *server);
void        test_server_kill      (TestServer  *server);
void        test_server_stop      (TestServer  *server);
void        test_server_free      (TestServer  *server);
GPid        test_server_get_pid   (TestServer  *server);
/* Runs an admin sub-command; returns its standard output, or NULL (and
 * *stderr_out) when it failed. */
char       *test_server_admin     (TestServer  *server,
                                   char       **stderr_out,
                                   ...) G_GNUC_NULL_TERMINATED;
void        test_server_add_user  (TestServer  *server,
                                   const char  *name,
                                   const char  *role);
/* The accounts the server tests share: ana and beto (monitors), coco
 * (coordinator), root (admin). */
void        test_server_add_users (TestServer  *server);

/* A client session that pins the server's certificate fingerprint. */
TestClient *test_client_new       (TestServer  *server);
/* Creates a code for @user and enrols a new device with it. */
TestClient *test_client_enrol     (TestServer  *server,
                                   const char  *user);
void        test_client_free      (TestClient  *client);
/* Re-targets the client after a server restart (new port). */
void        test_client_reset     (TestClient  *client);

/* Accept the server's certificate on @msg only if it is the pinned one. */
void        test_client_pin       (TestClient  *client,
                                   SoupMessage *msg);

/* Sends a request; @headers is a NULL-terminated list of name, value. */
GBytes     *test_client_request   (TestClient          *client,
                                   const char          *method,
                                   const char          *path,
                                   GBytes              *body,
                                   const char * const  *headers,
                                   guint               *status,
                                   SoupMessageHeaders **response_headers,
                                   GError             **error);
/* "sha256 <base64>": the Upload-Checksum of a request whose body is
 * @length bytes at @data (sync protocol 2). */
char       *test_upload_checksum  (gconstpointer  data,
                                   gsize          length);

JsonNode   *test_client_json      (TestClient  *client,
                                   const char  *method,
                                   const char  *path,
                                   const char  *body,
                                   guint       *status);
const char *test_json_string      (JsonNode    *node,
                                   const char  *member);
gint64      test_json_int         (JsonNode    *node,
                                   const char  *member);
JsonArray  *test_json_array       (JsonNode    *node,
                                   const char  *member);
gboolean    test_json_array_has_string (JsonArray  *array,
                                        const char *str);

/* A revision of @record by @device, made now, with one parent or none. */
TgRevision *test_revision_new     (const char  *record,
                                   const char  *parent,
                                   const char  *kind,
                                   const char  *device,
                                   gint64       device_seq,
                                   gboolean     deleted,
                                   const char  *content);
/* The body of a push: {"revisions": [...]}. */
char       *test_push_body        (TgRevision **revisions,
                                   guint        n);
/* POSTs @n revisions to /api/v1/push; returns the reply's JSON. */
JsonNode   *test_client_push      (TestClient  *client,
                                   TgRevision **revisions,
                                   guint        n,
                                   guint       *status);
/* PUTs @length bytes of @data from @offset to the blob @sha256. Returns
 * the status, or 0 when no answer came; @new_offset (or NULL) gets the
 * Upload-Offset the server answered, @reply (or NULL) the body as JSON,
 * NULL when it is none. */
guint       test_client_upload_slice (TestClient  *client,
                                      const char  *sha256,
                                      GBytes      *data,
                                      gsize        offset,
                                      gsize        length,
                                      gint64      *new_offset,
                                      JsonNode   **reply);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestClient, test_client_free)

G_END_DECLS
