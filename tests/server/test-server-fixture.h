/* test-server-fixture.h — run the real testigo-server on loopback for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestClient, test_client_free)

G_END_DECLS
