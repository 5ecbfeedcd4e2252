/* tg-server-store-push.c — POST /push: a batch of revisions, stored
 * parents first, with the blobs they refer to
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-server"

#include "config.h"

#include <string.h>
#include <sqlite3.h>
#include <glib/gi18n.h>

#include "tg-revision.h"
#include "tg-server-decode.h"
#include "tg-server-store-private.h"

/* push ------------------------------------------------------------------- */

/* Owner and kind of a record: 1 when known, 0 when unknown, -1 with
 * @error set when the database fails. */
static int
lookup_record (TgServerStore  *self,
               const char     *record_id,
               gint64         *owner,
               char          **kind,
               GError        **error)
{
  g_autoptr(TgSqliteStmt) stmt = _tg_server_store_statement (self, "SELECT owner_user_id, kind FROM records WHERE id = ?", error);
  int found = 0;
  int rc;

  if (stmt == NULL)
    return -1;
  tg_sqlite_bind_text (stmt, 1, record_id);
  if ((rc = _tg_server_store_step (self, stmt)) == SQLITE_ROW)
    {
      found = 1;
      if (owner)
        *owner = sqlite3_column_int64 (stmt, 0);
      if (kind)
        *kind = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  else if (rc != SQLITE_DONE)
    found = _tg_server_store_sql_error (self, error, "looking up a record") - 1;
  return found;
}

/* seq of a stored revision and its record, 0 when unknown, -1 with
 * @error set when the database fails */
static gint64
lookup_revision (TgServerStore  *self,
                 const char     *id,
                 char          **record_id,
                 GError        **error)
{
  g_autoptr(TgSqliteStmt) stmt = _tg_server_store_statement (self, "SELECT seq, record_id FROM revisions WHERE id = ?", error);
  gint64 seq = 0;
  int rc;

  if (stmt == NULL)
    return -1;
  tg_sqlite_bind_text (stmt, 1, id);
  if ((rc = _tg_server_store_step (self, stmt)) == SQLITE_ROW)
    {
      seq = sqlite3_column_int64 (stmt, 0);
      if (record_id)
        *record_id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  else if (rc != SQLITE_DONE)
    seq = _tg_server_store_sql_error (self, error, "looking up a revision") - 1;
  return seq;
}

static gboolean
check_push_allowed (TgServerStore  *self,
                    TgServerAuth   *auth,
                    GPtrArray      *revisions,
                    GError        **error)
{
  if (auth->role == TG_SERVER_ROLE_ADMIN)
    {
      g_set_error_literal (error, TG_SERVER_ERROR, TG_SERVER_ERROR_FORBIDDEN,
                           "admin accounts manage the server; they do not push or pull records");
      return FALSE;
    }
  if (auth->role == TG_SERVER_ROLE_COORDINATOR)
    return TRUE;

  for (guint i = 0; i < revisions->len; i++)
    {
      TgRevision *revision = g_ptr_array_index (revisions, i);
      gint64 owner;
      int known;

      if (strcmp (tg_revision_get_kind (revision), TG_REVISION_KIND_INCIDENT) == 0)
        {
          g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_FORBIDDEN,
                       "revisions[%u]: monitors may not push incidents", i);
          return FALSE;
        }
      if ((known = lookup_record (self, tg_revision_get_record_id (revision), &owner, NULL, error)) < 0)
        return FALSE;
      if (known && owner != auth->user_id)
        {
          g_set_error (error, TG_SERVER_ERROR, TG_SERVER_ERROR_FORBIDDEN,
                       "revisions[%u]: record %s was created by another user", i,
                       tg_revision_get_record_id (revision));
          return FALSE;
        }
    }
  return TRUE;
}

static GPtrArray *incident_members (const char *content);

/* Stores @revision: "" when stored, a reason when it is rejected, NULL
 * with @error set when the database fails. An incident revision naming
 * more than TG_SERVER_MAX_INCIDENT_MEMBERS reports is rejected. */
static const char *
insert_revision (TgServerStore  *self,
                 TgServerAuth   *auth,
                 TgRevision     *revision,
                 gint64         *seq,
                 GError        **error)
{
  const char * const *parents = tg_revision_get_parents (revision);
  const char *record_id = tg_revision_get_record_id (revision);
  g_autofree char *record_kind = NULL;
  g_autofree char *parents_text = NULL;
  int record_exists;

  for (guint i = 0; parents[i]; i++)
    {
      g_autofree char *parent_record = NULL;
      gint64 parent_seq = lookup_revision (self, parents[i], &parent_record, error);

      if (parent_seq < 0)
        return NULL;
      if (parent_seq == 0)
        return "unknown parent";
      if (strcmp (parent_record, record_id) != 0)
        return "a parent belongs to another record";
    }

  if ((record_exists = lookup_record (self, record_id, NULL, &record_kind, error)) < 0)
    return NULL;
  if (record_exists && strcmp (record_kind, tg_revision_get_kind (revision)) != 0)
    return "its kind differs from its record's";
  if (!record_exists && parents[0] != NULL)
    return "unknown parent";
  if (strcmp (tg_revision_get_kind (revision), TG_REVISION_KIND_INCIDENT) == 0)
    {
      g_autoptr(GPtrArray) members = incident_members (tg_revision_get_content (revision));

      if (members->len > TG_SERVER_MAX_INCIDENT_MEMBERS)
        return "too many members";
    }

  parents_text = g_strjoinv (" ", (char **) parents);
  {
    g_autoptr(TgSqliteStmt) stmt = NULL;

    if ((stmt = _tg_server_store_statement (self, "INSERT INTO revisions (id, record_id, kind, parents, device, device_seq, "
                                                  "created_at, deleted, content, pushed_by_device, received_at) "
                                                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error)) == NULL)
      return NULL;
    tg_sqlite_bind_text (stmt, 1, tg_revision_get_id (revision));
    tg_sqlite_bind_text (stmt, 2, record_id);
    tg_sqlite_bind_text (stmt, 3, tg_revision_get_kind (revision));
    tg_sqlite_bind_text (stmt, 4, parents_text);
    tg_sqlite_bind_text (stmt, 5, tg_revision_get_device_id (revision));
    sqlite3_bind_int64 (stmt, 6, tg_revision_get_device_seq (revision));
    sqlite3_bind_int64 (stmt, 7, tg_revision_get_created_at (revision));
    sqlite3_bind_int (stmt, 8, tg_revision_get_deleted (revision));
    sqlite3_bind_text (stmt, 9, tg_revision_get_content (revision), -1, SQLITE_STATIC);
    tg_sqlite_bind_text (stmt, 10, auth->device_id);
    sqlite3_bind_int64 (stmt, 11, _tg_server_store_now ());

    /* The record row must exist first (foreign key); created_seq is fixed
     * just below once the revision has its seq. */
    if (!record_exists)
      {
        g_autoptr(TgSqliteStmt) rec = _tg_server_store_statement (self, "INSERT INTO records (id, kind, owner_user_id, created_seq) "
                                                                        "VALUES (?, ?, ?, 0)", error);

        if (rec == NULL)
          return NULL;
        tg_sqlite_bind_text (rec, 1, record_id);
        tg_sqlite_bind_text (rec, 2, tg_revision_get_kind (revision));
        sqlite3_bind_int64 (rec, 3, auth->user_id);
        if (_tg_server_store_step (self, rec) != SQLITE_DONE)
          {
            _tg_server_store_sql_error (self, error, "storing a record");
            return NULL;
          }
      }

    if (_tg_server_store_step (self, stmt) != SQLITE_DONE)
      {
        _tg_server_store_sql_error (self, error, "storing a revision");
        return NULL;
      }
    *seq = sqlite3_last_insert_rowid (tg_sqlite_get_db (self->db));
  }

  if (!record_exists)
    {
      g_autoptr(TgSqliteStmt) stmt = NULL;

      if ((stmt = _tg_server_store_statement (self, "UPDATE records SET created_seq = ? WHERE id = ?", error)) == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, *seq);
      tg_sqlite_bind_text (stmt, 2, record_id);
      if (_tg_server_store_step (self, stmt) != SQLITE_DONE)
        goto failed;
    }

  for (guint i = 0; parents[i]; i++)
    {
      {
        g_autoptr(TgSqliteStmt) stmt = NULL;

        if ((stmt = _tg_server_store_statement (self, "INSERT INTO parents (revision_id, parent_id) VALUES (?, ?)",
                                                error)) == NULL)
          return NULL;
        tg_sqlite_bind_text (stmt, 1, tg_revision_get_id (revision));
        tg_sqlite_bind_text (stmt, 2, parents[i]);
        if (_tg_server_store_step (self, stmt) != SQLITE_DONE)
          goto failed;
      }
      {
        g_autoptr(TgSqliteStmt) stmt = NULL;

        if ((stmt = _tg_server_store_statement (self, "DELETE FROM heads WHERE record_id = ? AND revision_id = ?",
                                                error)) == NULL)
          return NULL;
        tg_sqlite_bind_text (stmt, 1, record_id);
        tg_sqlite_bind_text (stmt, 2, parents[i]);
        if (_tg_server_store_step (self, stmt) != SQLITE_DONE)
          goto failed;
      }
    }

  if (strcmp (tg_revision_get_kind (revision), TG_REVISION_KIND_INCIDENT) == 0 &&
      !_tg_server_store_index_incident (self, *seq, parents, tg_revision_get_content (revision), error))
    return NULL;

  /* A revision already named as a parent cannot arrive after its child
   * (children need their parents first), so a new revision is a head. */
  {
    g_autoptr(TgSqliteStmt) stmt = NULL;

    if ((stmt = _tg_server_store_statement (self, "INSERT INTO heads (record_id, revision_id) VALUES (?, ?)", error)) == NULL)
      return NULL;
    tg_sqlite_bind_text (stmt, 1, record_id);
    tg_sqlite_bind_text (stmt, 2, tg_revision_get_id (revision));
    if (_tg_server_store_step (self, stmt) != SQLITE_DONE)
      goto failed;
  }
  return "";

failed:
  /* the statement was released when its block was left: SQLite keeps
   * the error for the connection */
  _tg_server_store_sql_error (self, error, "storing a revision");
  return NULL;
}

/* The report ids an incident's content names as members
 * (content.members[].report, docs/data-model.md); anything else in it is
 * not the server's business. Content that is not an incident names none. */
static GPtrArray *
incident_members (const char *content)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  JsonNode *root, *members;

  if (!json_parser_load_from_data (parser, content, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      (members = json_object_get_member (json_node_get_object (root), "members")) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (members))
    return ids;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (members)); i++)
    {
      JsonNode *member = json_array_get_element (json_node_get_array (members), i);
      JsonNode *report;

      if (!JSON_NODE_HOLDS_OBJECT (member) ||
          (report = json_object_get_member (json_node_get_object (member), "report")) == NULL ||
          json_node_get_value_type (report) != G_TYPE_STRING)
        continue;
      g_ptr_array_add (ids, g_strdup (json_node_get_string (report)));
    }
  return ids;
}

/* Who besides coordinators may pull incident revision @seq: the owners of
 * the reports it holds, and of those its parents held (so that a monitor
 * whose report was taken out of the incident sees that revision too, and
 * no longer shows a decision that is not about their report). */
gboolean
_tg_server_store_index_incident (TgServerStore       *self,
                                 gint64               seq,
                                 const char * const  *parents,
                                 const char          *content,
                                 GError             **error)
{
  g_autoptr(GPtrArray) members = incident_members (content);

  for (guint i = 0; i < members->len; i++)
    {
      g_autoptr(TgSqliteStmt) stmt = NULL;

      if ((stmt = _tg_server_store_statement (self, "INSERT OR IGNORE INTO incident_members (revision_seq, report_id) "
                                                    "VALUES (?, ?)", error)) == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, seq);
      tg_sqlite_bind_text (stmt, 2, members->pdata[i]);
      if (_tg_server_store_step (self, stmt) != SQLITE_DONE)
        goto failed;
    }

  {
    g_autoptr(TgSqliteStmt) stmt = NULL;

    if ((stmt = _tg_server_store_statement (self, "INSERT OR IGNORE INTO revision_readers (user_id, seq) "
                                                  "SELECT DISTINCT c.owner_user_id, ?1 FROM incident_members m "
                                                  "JOIN records c ON c.id = m.report_id AND c.kind = 'report' "
                                                  "WHERE m.revision_seq = ?1", error)) == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, seq);
    if (_tg_server_store_step (self, stmt) != SQLITE_DONE)
      goto failed;
  }

  for (guint i = 0; parents[i]; i++)
    {
      g_autoptr(TgSqliteStmt) stmt = NULL;

      if ((stmt = _tg_server_store_statement (self, "INSERT OR IGNORE INTO revision_readers (user_id, seq) "
                                                    "SELECT DISTINCT c.owner_user_id, ?1 FROM revisions p "
                                                    "JOIN incident_members m ON m.revision_seq = p.seq "
                                                    "JOIN records c ON c.id = m.report_id AND c.kind = 'report' "
                                                    "WHERE p.id = ?2", error)) == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, seq);
      tg_sqlite_bind_text (stmt, 2, parents[i]);
      if (_tg_server_store_step (self, stmt) != SQLITE_DONE)
        goto failed;
    }
  return TRUE;

failed:
  /* released when its block was left; SQLite keeps the error */
  _tg_server_store_sql_error (self, error, "indexing an incident's members");
  return FALSE;
}

/* Records which blobs the revision refers to and lists the ones the
 * pusher must upload: those not complete and, for a monitor, those their
 * account does not hold — a blob someone else uploaded is listed exactly
 * like one the server never saw. *probes counts the latter. */
static gboolean
add_blob_refs (TgServerStore  *self,
               TgServerAuth   *auth,
               TgRevision     *revision,
               char          **blobs,
               GHashTable     *missing,
               GPtrArray      *probes,
               GError        **error)
{
  gint64 owner = 0;

  if (auth->role == TG_SERVER_ROLE_COORDINATOR &&
      lookup_record (self, tg_revision_get_record_id (revision), &owner, NULL, error) < 0)
    return FALSE;

  for (guint i = 0; blobs[i]; i++)
    {
      g_autoptr(TgSqliteStmt) stmt = _tg_server_store_statement (self, "INSERT OR IGNORE INTO blob_refs (sha256, record_id) "
                                                                      "VALUES (?, ?)", error);
      int complete, held;

      if (stmt == NULL)
        return FALSE;
      tg_sqlite_bind_text (stmt, 1, blobs[i]);
      tg_sqlite_bind_text (stmt, 2, tg_revision_get_record_id (revision));
      if (_tg_server_store_step (self, stmt) != SQLITE_DONE)
        {
          _tg_server_store_sql_error (self, error, "recording a blob reference");
          return FALSE;
        }

      /* a coordinator who puts a file on a monitor's report shares it */
      if (owner != 0 && owner != auth->user_id &&
          !tg_server_store_blob_add_holder (self, blobs[i], owner, error))
        return FALSE;

      if ((complete = _tg_server_store_blob_is_complete (self, blobs[i], error)) < 0)
        return FALSE;
      if (!complete)
        {
          g_hash_table_add (missing, g_strdup (blobs[i]));
          continue;
        }
      if ((held = _tg_server_store_blob_held (self, auth, blobs[i], error)) < 0)
        return FALSE;
      if (!held)
        {
          if (g_hash_table_add (missing, g_strdup (blobs[i])))
            g_ptr_array_add (probes, g_strdup (blobs[i]));
        }
    }
  return TRUE;
}

/* The indices of @revisions, each after its parents within the batch
 * (depth first, iterative: a batch may be one long chain). */
static guint *
batch_order (GPtrArray *revisions)
{
  typedef struct { guint node; guint next; } Frame;
  guint n = revisions->len;
  g_autoptr(GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree guint8 *state = g_new0 (guint8, n + 1);  /* 0 new, 1 open, 2 done */
  g_autofree Frame *stack = g_new (Frame, n + 1);
  guint *order = g_new (guint, n + 1);
  guint n_out = 0;

  for (guint i = 0; i < n; i++)
    g_hash_table_insert (index, (gpointer) tg_revision_get_id (g_ptr_array_index (revisions, i)),
                         GUINT_TO_POINTER (i + 1));

  for (guint root = 0; root < n; root++)
    {
      guint top = 0;

      if (state[root] != 0)
        continue;
      state[root] = 1;
      stack[top++] = (Frame) { root, 0 };
      while (top > 0)
        {
          Frame *frame = &stack[top - 1];
          const char * const *parents = tg_revision_get_parents (g_ptr_array_index (revisions, frame->node));

          if (parents[frame->next] != NULL)
            {
              guint p = GPOINTER_TO_UINT (g_hash_table_lookup (index, parents[frame->next++]));

              if (p != 0 && state[p - 1] == 0)
                {
                  state[p - 1] = 1;
                  stack[top++] = (Frame) { p - 1, 0 };
                }
            }
          else
            {
              state[frame->node] = 2;
              order[n_out++] = frame->node;
              top--;
            }
        }
    }
  return order;
}

static void
push_item_clear (TgServerPushItem *item)
{
  g_free (item->id);
}

void
tg_server_push_result_free (TgServerPushResult *result)
{
  g_clear_pointer (&result->accepted, g_array_unref);
  g_clear_pointer (&result->rejected, g_array_unref);
  g_strfreev (result->missing_blobs);
  g_free (result);
}

static GArray *
push_items_new (void)
{
  GArray *items = g_array_new (FALSE, TRUE, sizeof (TgServerPushItem));

  g_array_set_clear_func (items, (GDestroyNotify) push_item_clear);
  return items;
}

TgServerPushResult *
tg_server_store_push (TgServerStore  *self,
                      TgServerAuth   *auth,
                      GPtrArray      *revisions,
                      GPtrArray      *blobs,
                      GError        **error)
{
  g_autoptr(TgServerPushResult) result = g_new0 (TgServerPushResult, 1);
  g_autoptr(GHashTable) missing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) probes = g_ptr_array_new_with_free_func (g_free);
  g_autofree gint64 *seqs = g_new0 (gint64, revisions->len + 1);
  g_autofree const char **reasons = g_new0 (const char *, revisions->len + 1);
  g_autofree guint *order = NULL;
  guint n_new = 0, n_known = 0, n_rejected = 0;

  if (!_tg_server_store_exec (self, "BEGIN IMMEDIATE", error))
    return NULL;

  if (!check_push_allowed (self, auth, revisions, error))
    {
      tg_sqlite_rollback (self->db);
      return NULL;
    }

  /* Revisions already stored are acknowledged with their original seq. */
  for (guint i = 0; i < revisions->len; i++)
    {
      TgRevision *revision = g_ptr_array_index (revisions, i);

      if ((seqs[i] = lookup_revision (self, tg_revision_get_id (revision), NULL, error)) < 0)
        {
          tg_sqlite_rollback (self->db);
          return NULL;
        }
      if (seqs[i] > 0)
        n_known++;
    }

  /* Parents first, whatever the order sent, in one pass: a batch that
   * listed each child before its parent used to take one pass per level,
   * n² lookups for a chain of n. */
  order = batch_order (revisions);
  for (guint k = 0; k < revisions->len; k++)
    {
      guint i = order[k];
      TgRevision *revision = g_ptr_array_index (revisions, i);
      const char *reason;

      if (seqs[i] > 0)
        continue;
      reason = insert_revision (self, auth, revision, &seqs[i], error);
      if (reason == NULL)
        {
          tg_sqlite_rollback (self->db);
          return NULL;
        }
      if (*reason == '\0')
        {
          n_new++;
          reasons[i] = NULL;
        }
      else
        reasons[i] = reason;
    }

  result->accepted = push_items_new ();
  for (guint i = 0; i < revisions->len; i++)
    {
      TgRevision *revision = g_ptr_array_index (revisions, i);

      if (seqs[i] == 0)
        continue;
      if (!add_blob_refs (self, auth, revision, g_ptr_array_index (blobs, i), missing, probes, error))
        {
          tg_sqlite_rollback (self->db);
          return NULL;
        }
      {
        TgServerPushItem item = { g_strdup (tg_revision_get_id (revision)), seqs[i], NULL };

        g_array_append_val (result->accepted, item);
      }
    }

  result->rejected = push_items_new ();
  for (guint i = 0; i < revisions->len; i++)
    {
      TgRevision *revision = g_ptr_array_index (revisions, i);

      if (seqs[i] > 0)
        continue;
      n_rejected++;
      {
        TgServerPushItem item = { g_strdup (tg_revision_get_id (revision)), 0,
                                  reasons[i] ? reasons[i] : "rejected" };

        g_array_append_val (result->rejected, item);
      }
    }

  {
    g_autofree char **keys = (char **) g_hash_table_get_keys_as_array (missing, NULL);

    result->missing_blobs = g_new0 (char *, g_hash_table_size (missing) + 1);
    for (guint i = 0; keys[i]; i++)
      result->missing_blobs[i] = g_strdup (keys[i]);
  }

  if ((result->server_seq = _tg_server_store_last_seq (self, error)) < 0)
    {
      tg_sqlite_rollback (self->db);
      return NULL;
    }

  {
    g_autofree char *detail = g_strdup_printf ("new %u, known %u, rejected %u",
                                               n_new, n_known, n_rejected);
    tg_server_store_audit (self, auth, "push", detail);
  }
  if (probes->len > 0)
    {
      g_autofree char *detail = g_strdup_printf ("push named %u blob%s stored for another account, "
                                                 "listed as missing; first: blob %s",
                                                 probes->len, probes->len == 1 ? "" : "s",
                                                 (const char *) g_ptr_array_index (probes, 0));
      tg_server_store_audit (self, auth, "blob-probe", detail);
    }
  {
    g_autoptr(TgSqliteStmt) stmt = _tg_server_store_statement (self, "UPDATE devices SET last_seen = ? WHERE id = ?", error);

    if (stmt == NULL)
      {
        tg_sqlite_rollback (self->db);
        return NULL;
      }
    sqlite3_bind_int64 (stmt, 1, _tg_server_store_now ());
    tg_sqlite_bind_text (stmt, 2, auth->device_id);
    _tg_server_store_step (self, stmt);
  }

  if (!_tg_server_store_exec (self, "COMMIT", error))
    {
      tg_sqlite_rollback (self->db);
      return NULL;
    }
  return g_steal_pointer (&result);
}
