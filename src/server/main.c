/* main.c — testigo-server: serve, and the administrator's sub-commands
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-server"

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <glib-unix.h>

#include "tg-server.h"
#include "tg-server-config.h"
#include "tg-server-decode.h"
#include "tg-server-export.h"
#include "tg-server-store.h"
#include "tg-server-tls.h"

static char *opt_config;
static char *opt_data_dir;
static char *opt_listen;
static int opt_port = -1;
static gboolean opt_insecure_http;
static char *opt_role;
static char *opt_expires;
static char *opt_format;
static char *opt_output;
static gboolean opt_version;

static const GOptionEntry entries[] = {
  { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config, N_("Configuration file (GKeyFile, group [server])"), N_("FILE") },
  { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &opt_data_dir, N_("Data directory (overrides the configuration)"), N_("DIR") },
  { "listen", 0, 0, G_OPTION_ARG_STRING, &opt_listen, N_("Address to listen on"), N_("ADDRESS") },
  { "port", 'p', 0, G_OPTION_ARG_INT, &opt_port, N_("Port to listen on (0: any free port)"), N_("PORT") },
  { "insecure-dev-http", 0, 0, G_OPTION_ARG_NONE, &opt_insecure_http, N_("Serve plain HTTP (development only, loopback only)"), NULL },
  { "role", 0, 0, G_OPTION_ARG_STRING, &opt_role, N_("user add, user role: monitor, coordinator or admin"), N_("ROLE") },
  { "expires", 0, 0, G_OPTION_ARG_STRING, &opt_expires, N_("enrol-code: lifetime such as 30m, 24h, 7d (default 24h)"), N_("DURATION") },
  { "format", 0, 0, G_OPTION_ARG_STRING, &opt_format, N_("export: geojson or csv"), N_("FORMAT") },
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output, N_("export: write to FILE instead of standard output"), N_("FILE") },
  { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, N_("Print the version and exit"), NULL },
  { NULL }
};

static const char *summary =
  N_("Commands:\n"
     "  (none)                     serve the sync API over HTTPS\n"
     "  user add NAME --role ROLE  create a user (monitor, coordinator, admin)\n"
     "  user role NAME --role ROLE change a user's role (from their next sync)\n"
     "  enrol-code NAME [--expires 24h]\n"
     "                             print a one-time enrolment code for NAME\n"
     "  devices                    list enrolled devices\n"
     "  revoke DEVICE              revoke a device's token at once\n"
     "  stats                      counts of users, records, revisions, blobs\n"
     "  export --format geojson|csv [--output FILE]\n"
     "                             the current version of every record\n"
     "  backup FILE                online copy of the database (safe while serving)\n"
     "  restore FILE               replace the database with a backup");

static int
fail (GError *error)
{
  g_printerr ("testigo-server: %s\n", error->message);
  g_error_free (error);
  return 1;
}

static TgServerStore *
open_store (TgServerConfig  *config,
            GError         **error)
{
  g_autofree char *db_path = tg_server_config_get_db_path (config);

  if (g_mkdir_with_parents (config->data_dir, 0700) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   _("Cannot create the data directory %s: %s"), config->data_dir, g_strerror (errno));
      return NULL;
    }
  return tg_server_store_open (db_path, error);
}

static GTlsCertificate *
load_certificate (TgServerConfig  *config,
                  GError         **error)
{
  g_autofree char *default_cert = g_build_filename (config->data_dir, "tls", "server-cert.pem", NULL);

  if (config->tls_certificate == NULL || config->tls_key == NULL)
    {
      g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                           _("Set both tls-certificate and tls-key, or neither"));
      return NULL;
    }
  if (!g_file_test (config->tls_certificate, G_FILE_TEST_EXISTS) &&
      !g_file_test (config->tls_key, G_FILE_TEST_EXISTS) &&
      strcmp (config->tls_certificate, default_cert) == 0)
    {
      if (!tg_server_tls_generate (config->tls_certificate, config->tls_key, error))
        return NULL;
      g_print (_("Created a self-signed certificate: %s\n"), config->tls_certificate);
    }
  return g_tls_certificate_new_from_files (config->tls_certificate, config->tls_key, error);
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static int
serve (TgServerConfig *config)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(TgServerStore) store = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(TgServer) server = NULL;
  GError *error = NULL;

  if (!(store = open_store (config, &error)))
    return fail (error);
  if (!config->insecure_http && !(certificate = load_certificate (config, &error)))
    return fail (error);
  if (!(server = tg_server_new (config, store, certificate, &error)) ||
      !tg_server_start (server, &error))
    return fail (error);

  g_print (_("testigo-server %s listening on %s\n"), PACKAGE_VERSION, tg_server_get_base_uri (server));
  if (certificate != NULL)
    {
      g_autofree char *fingerprint = tg_server_tls_fingerprint (certificate);
      g_print (_("Certificate SHA-256 fingerprint: %s\n"), fingerprint);
    }
  else
    g_print (_("WARNING: plain HTTP, for development only\n"));
  fflush (stdout);

  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_main_loop_run (loop);
  g_print (_("testigo-server stopped\n"));
  return 0;
}

static void
print_json (JsonNode *node)
{
  g_autofree char *text = json_to_string (node, TRUE);
  g_print ("%s\n", text);
}

static int
admin_command (TgServerConfig  *config,
               char           **args)
{
  g_autoptr(TgServerStore) store = NULL;
  const char *command = args[0];
  guint n_args = g_strv_length (args);
  GError *error = NULL;

  if (!(store = open_store (config, &error)))
    return fail (error);

  if (strcmp (command, "user") == 0 && n_args == 3 && strcmp (args[1], "add") == 0)
    {
      TgServerRole role;

      if (opt_role == NULL || !tg_server_role_from_string (opt_role, &role))
        {
          g_printerr (_("testigo-server: user add needs --role monitor, coordinator or admin\n"));
          return 2;
        }
      if (!tg_server_store_add_user (store, args[2], role, &error))
        return fail (error);
      g_print (_("Added %s “%s”\n"), opt_role, args[2]);
      return 0;
    }
  if (strcmp (command, "user") == 0 && n_args == 3 && strcmp (args[1], "role") == 0)
    {
      TgServerRole role;

      if (opt_role == NULL || !tg_server_role_from_string (opt_role, &role))
        {
          g_printerr (_("testigo-server: user role needs --role monitor, coordinator or admin\n"));
          return 2;
        }
      if (!tg_server_store_set_role (store, args[2], role, &error))
        return fail (error);
      g_print (_("“%s” is now %s\n"), args[2], opt_role);
      return 0;
    }
  if (strcmp (command, "enrol-code") == 0 && n_args == 2)
    {
      gint64 lifetime = 24 * 3600;
      g_autofree char *code = NULL;

      if (opt_expires && !tg_server_decode_duration (opt_expires, &lifetime, &error))
        return fail (error);
      if (!(code = tg_server_store_create_enrol_code (store, args[1], lifetime, &error)))
        return fail (error);
      g_print ("%s\n", code);
      return 0;
    }
  if (strcmp (command, "devices") == 0 && n_args == 1)
    {
      g_autoptr(JsonNode) list = tg_server_store_list_devices (store, &error);

      if (list == NULL)
        return fail (error);
      print_json (list);
      return 0;
    }
  if (strcmp (command, "revoke") == 0 && n_args == 2)
    {
      if (!tg_server_store_revoke (store, args[1], &error))
        return fail (error);
      g_print (_("Revoked device %s\n"), args[1]);
      return 0;
    }
  if (strcmp (command, "stats") == 0 && n_args == 1)
    {
      g_autoptr(JsonNode) stats = tg_server_store_stats (store, &error);

      if (stats == NULL)
        return fail (error);
      print_json (stats);
      return 0;
    }
  if (strcmp (command, "export") == 0 && n_args == 1)
    {
      if (g_strcmp0 (opt_format, "geojson") != 0 && g_strcmp0 (opt_format, "csv") != 0)
        {
          g_printerr (_("testigo-server: export needs --format geojson or csv\n"));
          return 2;
        }
      if (!tg_server_export (store, opt_format, opt_output, &error))
        return fail (error);
      return 0;
    }
  if (strcmp (command, "backup") == 0 && n_args == 2)
    {
      if (!tg_server_store_backup (store, args[1], &error))
        return fail (error);
      g_print (_("Backed up the database to %s\n"), args[1]);
      return 0;
    }
  if (strcmp (command, "restore") == 0 && n_args == 2)
    {
      if (!tg_server_store_restore (store, args[1], &error))
        return fail (error);
      g_print (_("Restored the database from %s\n"), args[1]);
      return 0;
    }

  g_printerr (_("testigo-server: unknown command or wrong arguments; see --help\n"));
  return 2;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(TgServerConfig) config = tg_server_config_new ();
  GError *error = NULL;

  umask (077);
  /* before any thread and before the TLS backend's first connection */
  if (!tg_server_tls_set_priority (&error))
    return fail (error);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("[COMMAND ARGS…]"));
  g_option_context_set_summary (context, _("The Testigo sync server."));
  g_option_context_set_description (context, _(summary));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("testigo-server: %s\n", error->message);
      g_error_free (error);
      return 2;
    }
  if (opt_version)
    {
      g_print ("testigo-server %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (opt_config && !tg_server_config_load (config, opt_config, &error))
    return fail (error);
  if (opt_data_dir)
    { g_free (config->data_dir); config->data_dir = g_strdup (opt_data_dir); }
  if (opt_listen)
    { g_free (config->listen); config->listen = g_strdup (opt_listen); }
  if (opt_port >= 0)
    config->port = (guint) opt_port;
  config->insecure_http = opt_insecure_http;
  tg_server_config_finish (config);

  if (argc < 2)
    return serve (config);
  return admin_command (config, argv + 1);
}
