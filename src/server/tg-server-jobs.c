/* tg-server-jobs.c — the store thread: enrol, push, pull, blob
 * completion and audit jobs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-server"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <gnutls/crypto.h>

#include "tg-revision.h"
#include "tg-server-private.h"
#include "tg-server-conn.h"
#include "tg-server-decode.h"
#include "tg-server-tls.h"
#include "tg-server-wire.h"

/* the store thread ------------------------------------------------------- */

static TgServerAuth *
auth_copy (const TgServerAuth *auth)
{
  TgServerAuth *copy;

  if (auth == NULL)
    return NULL;
  copy = g_memdup2 (auth, sizeof *auth);
  copy->device_id = g_strdup (auth->device_id);
  return copy;
}

void
_tg_server_job_free (Job *job)
{
  g_clear_object (&job->server);
  g_clear_object (&job->msg);
  g_clear_pointer (&job->auth, tg_server_auth_free);
  g_clear_pointer (&job->body, g_bytes_unref);
  g_clear_pointer (&job->revisions, g_ptr_array_unref);
  g_clear_pointer (&job->blobs, g_ptr_array_unref);
  g_clear_error (&job->error);
  g_free (job->text);
  g_free (job->detail);
  g_free (job->reply);
  g_free (job);
}

static char *
node_to_text (JsonNode *node)
{
  return json_to_string (node, FALSE);
}

static void
run_enrol (TgServer *self,
           Job      *job)
{
  g_autofree char *device_id = NULL, *token = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) node = NULL;
  TgServerRole role = TG_SERVER_ROLE_MONITOR;

  /* decoded before it was queued here: job->text is the code, job->detail the name */
  if (!tg_server_store_enrol (self->store, job->text, job->detail, &device_id, &token, &role, &job->error))
    {
      g_message ("enrolment refused: %s", job->error->message);
      return;
    }
  g_message ("device %s enrolled", device_id);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "device_id");
  json_builder_add_string_value (builder, device_id);
  json_builder_set_member_name (builder, "token");
  json_builder_add_string_value (builder, token);
  /* the app shows a coordinator's workspace only to a coordinator */
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, tg_server_role_to_string (role));
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  job->reply = node_to_text (node);
  job->status = 201;
  job->generation = ++self->store_generation;
}

static void
run_push (TgServer *self,
          Job      *job)
{
  g_autoptr(TgServerPushResult) result = NULL;
  g_autoptr(JsonNode) reply = NULL;

  /* decoded and checked against every cap before it was queued here */
  result = tg_server_store_push (self->store, job->auth, job->revisions, job->blobs, &job->error);
  if (result == NULL)
    return;
  reply = tg_server_push_result_to_json (result);
  g_debug ("push from device %s: %u revisions", job->auth->device_id, job->revisions->len);
  job->reply = node_to_text (reply);
  job->status = 200;
  job->generation = ++self->store_generation;
}

static void
run_pull (TgServer *self,
          Job      *job)
{
  g_autoptr(TgServerPullPage) page = NULL;
  g_autoptr(JsonNode) reply = NULL;
  gint64 since, own_through;
  guint limit;

  if (!tg_server_decode_pull_query (job->text, self->config->max_pull, &since, &limit,
                                    &own_through, &job->error) ||
      !(page = tg_server_store_pull (self->store, job->auth, since, limit, own_through, &job->error)))
    return;
  reply = tg_server_pull_page_to_json (page);
  /* every sync pulls: a role changed since enrolment reaches the app */
  json_object_set_string_member (json_node_get_object (reply), "role",
                                 tg_server_role_to_string (job->auth->role));
  job->reply = node_to_text (reply);
  job->status = 200;
  /* never hand out a seq whose commit could still be lost: every commit
   * this read can see is counted in the generation */
  job->generation = self->store_generation;
}

static void
run_blob_complete (TgServer *self,
                   Job      *job)
{
  if (!tg_server_store_blob_set_complete (self->store, job->text, job->size, &job->error))
    return;
  if (job->kind == JOB_BLOB_COMPLETE)
    {
      g_autofree char *detail = NULL;

      if (!tg_server_store_blob_add_holder (self->store, job->text, job->auth->user_id, &job->error))
        return;
      detail = g_strdup_printf ("blob %s, %" G_GINT64_FORMAT " bytes", job->text, job->size);

      tg_server_store_audit (self->store, job->auth, "upload", detail);
    }
  job->generation = ++self->store_generation;
}

static gboolean
job_done_cb (gpointer data)
{
  _tg_server_job_done (data);
  return G_SOURCE_REMOVE;
}

void
_tg_server_store_thread (gpointer data,
                         gpointer user_data)
{
  Job *job = data;
  TgServer *self = job->server;

  switch (job->kind)
    {
    case JOB_ENROL:         run_enrol (self, job); break;
    case JOB_PUSH:          run_push (self, job); break;
    case JOB_PULL:          run_pull (self, job); break;
    case JOB_BLOB_COMPLETE:
    case JOB_BLOB_REPAIR:   run_blob_complete (self, job); break;
    case JOB_AUDIT:
      tg_server_store_audit (self->store, job->auth, job->text, job->detail);
      job->generation = ++self->store_generation;
      break;
    default:
      g_assert_not_reached ();
    }
  g_main_context_invoke (self->context, job_done_cb, job);
}

Job *
_tg_server_job_new (TgServer          *self,
                    JobKind            kind,
                    SoupServerMessage *msg,
                    const TgServerAuth *auth)
{
  Job *job = g_new0 (Job, 1);

  job->server = g_object_ref (self);
  job->kind = kind;
  job->auth = auth_copy (auth);
  if (msg != NULL)
    job->msg = g_object_ref (msg);
  return job;
}

/* Hands @job to the store thread; its message, if any, stays paused until
 * the reply is set. @paused: the caller already paused it. */
void
_tg_server_job_queue (Job      *job,
                      gboolean  paused)
{
  if (job->msg != NULL && !paused)
    soup_server_message_pause (job->msg);
  g_thread_pool_push (job->server->store_pool, job, NULL);
}

void
_tg_server_audit_later (TgServer           *self,
                       const TgServerAuth *auth,
                       const char         *action,
                       const char         *detail)
{
  Job *job = _tg_server_job_new (self, JOB_AUDIT, NULL, auth);

  job->text = g_strdup (action);
  job->detail = g_strdup (detail);
  _tg_server_job_queue (job, FALSE);
}

/* Back on the main loop with a job's results. */
void
_tg_server_job_done (Job *job)
{
  TgServer *self = job->server;
  SoupServerMessage *msg = job->msg;

  self->committed = MAX (self->committed, job->generation);
  if (msg == NULL)
    {
      if (job->error != NULL)
        g_warning ("%s", job->error->message);
      _tg_server_job_free (job);
      return;
    }

  if (job->kind == JOB_BLOB_COMPLETE)
    {
      Request *req = g_object_get_data (G_OBJECT (msg), "tg-request");
      Upload *upload = req->upload;

      upload->finishing = FALSE;
      upload->active = NULL;
      if (job->error == NULL)
        {
          g_debug ("blob %s complete (%" G_GINT64_FORMAT " bytes)", job->text, job->size);
          g_hash_table_remove (self->uploads, upload->key);
          req->upload = NULL;
          _tg_server_respond_offset (msg, 201, job->size, TRUE, NULL);
        }
    }
  else if (job->error == NULL)
    {
      gsize length = strlen (job->reply);

      soup_server_message_set_status (msg, job->status, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                        g_steal_pointer (&job->reply), length);
    }

  if (job->error != NULL)
    _tg_server_respond_gerror (msg, job->error);
  /* still paused: the sync's completion unpauses it */
  else if (_tg_server_reply_when_durable_full (self, msg, job->generation, TRUE))
    {
      _tg_server_job_free (job);
      return;
    }
  soup_server_message_unpause (msg);
  _tg_server_job_free (job);
}
