/* test-store-sync.c — the store's sync tables, each checked after a reopen
 *
 * Pending counts and push marks, the queue of files to send, pulled pages
 * (idempotent, all or nothing), conflicts and their resolution, the
 * account, the bounded history, the signal, the upgrade from schema 7, and
 * the upgrade from schema 9 (device names, who a sync's changes came from).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "tg-store-private.h"
#include "tg-store-sync.h"
#include "tg-test-common.h"

#define OTHER_DEVICE "5b0e3c2a-9d41-4f7e-8a55-0c6f1e2d3b4a"

typedef TgTestStoreFixture Fixture;

/* Closes the store and opens it again: what a check reads came from the
 * file, not from memory. */
static void
reopen (Fixture *fixture)
{
  g_clear_object (&fixture->store);
  fixture->store = tg_test_open_store (fixture->dir);
}

static TgReport *
new_report (const char *title)
{
  TgReport *report = tg_report_new ();
  g_autoptr(GDateTime) start = g_date_time_new_utc (2024, 3, 2, 10, 0, 0);

  tg_report_set_title (report, title);
  tg_report_set_narrative (report, "Relato de prueba");
  tg_report_set_start (report, start);
  return report;
}

static char *
import_blob (TgStore    *store,
             const char *text,
             gint64     *size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr(TgBlobInfo) info = tg_blob_store_import_bytes (tg_store_get_blob_store (store), bytes,
                                                           "prueba.txt", &error);

  g_assert_no_error (error);
  if (size != NULL)
    *size = tg_blob_info_get_size (info);
  return g_strdup (tg_blob_info_get_sha256 (info));
}

static void
add_file_source (TgReport   *report,
                 const char *sha256,
                 gint64      size,
                 const char *thumbnail_sha256)
{
  g_autoptr(TgSource) source = tg_source_new (TG_SOURCE_KIND_FILE);

  tg_source_set_sha256 (source, sha256);
  tg_source_set_size (source, size);
  tg_source_set_file_name (source, "foto.jpg");
  tg_source_set_thumbnail_sha256 (source, thumbnail_sha256);
  tg_report_add_source (report, source);
}

static TgSyncPending
pending (TgStore *store)
{
  g_autoptr(GError) error = NULL;
  TgSyncPending result;

  memset (&result, 0xff, sizeof result);
  g_assert_true (tg_store_get_sync_pending (store, &result, &error));
  g_assert_no_error (error);
  return result;
}

static GPtrArray *
blobs_to_send (TgStore  *store,
               gboolean  include_originals,
               guint     limit)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *blobs = tg_store_list_blobs_to_send (store, include_originals, limit, &error);

  g_assert_no_error (error);
  g_assert_nonnull (blobs);
  return blobs;
}

/* A revision of @report made on another device, numbered @server_seq by
 * the server. */
static TgRevision *
other_revision (TgReport           *report,
                const char * const *parents,
                gint64              device_seq,
                gint64              server_seq)
{
  g_autofree char *content = tg_report_to_json_string (report);
  TgRevision *rev = tg_revision_new (tg_report_get_id (report), TG_REVISION_KIND_REPORT, parents,
                                     OTHER_DEVICE, device_seq, 1000 + device_seq, FALSE, content);

  tg_revision_set_server_seq (rev, server_seq);
  return rev;
}

static void
apply_page (TgStore   *store,
            GPtrArray *page,
            gint64     next,
            guint      expect_new,
            guint      expect_changed,
            guint      expect_conflicts)
{
  g_autoptr(GError) error = NULL;
  guint n_new = 99, n_changed = 99, n_conflicts = 99;

  g_assert_true (tg_store_apply_pull_page (store, page, next, &n_new, &n_changed, &n_conflicts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_new, ==, expect_new);
  g_assert_cmpuint (n_changed, ==, expect_changed);
  g_assert_cmpuint (n_conflicts, ==, expect_conflicts);
}

/* Reports saved here wait to be pushed; marking a batch moves them on. */
static void
test_pending (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(TgReport) a = new_report ("Puno");
  g_autoptr(TgReport) b = new_report ("Juliaca");
  g_autoptr(TgReport) c = new_report ("Ilave");
  g_autoptr(TgRevision) rev_a = NULL;
  g_autoptr(TgRevision) rev_b = NULL;
  g_autoptr(TgRevision) rev_c1 = NULL;
  g_autoptr(TgRevision) rev_c2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *photo = NULL;
  g_autofree char *thumb = NULL;
  gint64 photo_size, thumb_size;
  TgSyncPending p;

  photo = import_blob (fixture->store, "una foto bastante grande, o casi", &photo_size);
  thumb = import_blob (fixture->store, "miniatura", &thumb_size);
  add_file_source (b, photo, photo_size, thumb);

  p = pending (fixture->store);
  g_assert_cmpuint (p.n_reports, ==, 0);
  g_assert_cmpuint (p.n_revisions, ==, 0);
  g_assert_cmpuint (p.n_thumbnails, ==, 0);
  g_assert_cmpuint (p.n_originals, ==, 0);
  g_assert_cmpuint (p.bytes, ==, 0);
  g_assert_cmpuint (p.n_conflicts, ==, 0);

  rev_a = tg_test_save_report (fixture->store, a);
  rev_b = tg_test_save_report (fixture->store, b);
  rev_c1 = tg_test_save_report (fixture->store, c);
  tg_report_set_title (c, "Ilave, segunda versión");
  rev_c2 = tg_test_save_report (fixture->store, c);

  reopen (fixture);
  p = pending (fixture->store);
  g_assert_cmpuint (p.n_reports, ==, 3);
  g_assert_cmpuint (p.n_revisions, ==, 4);
  g_assert_cmpuint (p.n_thumbnails, ==, 1);
  g_assert_cmpuint (p.n_originals, ==, 1);
  g_assert_cmpuint (p.bytes, ==, photo_size + thumb_size);
  g_assert_cmpuint (p.original_bytes, ==, photo_size);
  g_assert_cmpint (tg_store_get_report_sync_state (fixture->store, tg_report_get_id (a)), ==,
                   TG_REPORT_SYNC_LOCAL_ONLY);
  g_assert_cmpint (tg_store_get_report_sync_state (fixture->store, "no-such-report"), ==,
                   TG_REPORT_SYNC_LOCAL_ONLY);

  /* The push queue, parents before children. */
  {
    g_autoptr(GPtrArray) unsynced = tg_store_list_unsynced (fixture->store, 0, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (unsynced->len, ==, 4);
    g_assert_cmpstr (tg_revision_get_id (unsynced->pdata[2]), ==, tg_revision_get_id (rev_c1));
    g_assert_cmpstr (tg_revision_get_id (unsynced->pdata[3]), ==, tg_revision_get_id (rev_c2));
  }

  /* a, b and the first of c reach the server. */
  {
    const char *ids[] = { tg_revision_get_id (rev_a), tg_revision_get_id (rev_b),
                          tg_revision_get_id (rev_c1) };
    const gint64 seqs[] = { 11, 12, 13 };

    g_assert_true (tg_store_mark_synced_batch (fixture->store, ids, seqs, 3, &error));
    g_assert_no_error (error);
    /* Marking again changes nothing. */
    g_assert_true (tg_store_mark_synced_batch (fixture->store, ids, seqs, 3, &error));
    g_assert_no_error (error);
  }

  reopen (fixture);
  p = pending (fixture->store);
  g_assert_cmpuint (p.n_reports, ==, 1);
  g_assert_cmpuint (p.n_revisions, ==, 1);
  g_assert_cmpuint (p.n_thumbnails, ==, 1);
  g_assert_cmpint (tg_store_get_report_sync_state (fixture->store, tg_report_get_id (a)), ==,
                   TG_REPORT_SYNC_SYNCED);
  g_assert_cmpint (tg_store_get_report_sync_state (fixture->store, tg_report_get_id (b)), ==,
                   TG_REPORT_SYNC_FILES_PENDING);
  g_assert_cmpint (tg_store_get_report_sync_state (fixture->store, tg_report_get_id (c)), ==,
                   TG_REPORT_SYNC_CHANGES_PENDING);
  {
    g_autoptr(GPtrArray) unsynced = tg_store_list_unsynced (fixture->store, 0, &error);
    g_autoptr(TgRevision) stored = tg_store_get_revision (fixture->store, tg_revision_get_id (rev_b),
                                                          &error);

    g_assert_no_error (error);
    g_assert_cmpuint (unsynced->len, ==, 1);
    g_assert_cmpstr (tg_revision_get_id (unsynced->pdata[0]), ==, tg_revision_get_id (rev_c2));
    g_assert_cmpint (tg_revision_get_server_seq (stored), ==, 12);
  }

  /* The single mark, and the files: everything is on the server. */
  g_assert_true (tg_store_mark_synced (fixture->store, tg_revision_get_id (rev_c2), 14, &error));
  g_assert_no_error (error);
  g_assert_true (tg_store_mark_blob_sent (fixture->store, thumb, &error));
  g_assert_true (tg_store_mark_blob_sent (fixture->store, photo, &error));
  g_assert_no_error (error);

  reopen (fixture);
  p = pending (fixture->store);
  g_assert_cmpuint (p.n_reports, ==, 0);
  g_assert_cmpuint (p.n_revisions, ==, 0);
  g_assert_cmpuint (p.n_thumbnails + p.n_originals, ==, 0);
  g_assert_cmpuint (p.bytes, ==, 0);
  g_assert_cmpint (tg_store_get_report_sync_state (fixture->store, tg_report_get_id (b)), ==,
                   TG_REPORT_SYNC_SYNCED);
  g_assert_cmpint (tg_store_get_report_sync_state (fixture->store, tg_report_get_id (c)), ==,
                   TG_REPORT_SYNC_SYNCED);

  /* An edit of a synced report is pending again. */
  {
    g_autoptr(TgReport) loaded = tg_store_load_report (fixture->store, tg_report_get_id (a), &error);
    g_autoptr(TgRevision) rev = NULL;

    g_assert_no_error (error);
    tg_report_set_title (loaded, "Puno, corregido");
    rev = tg_test_save_report (fixture->store, loaded);
  }
  reopen (fixture);
  g_assert_cmpint (tg_store_get_report_sync_state (fixture->store, tg_report_get_id (a)), ==,
                   TG_REPORT_SYNC_CHANGES_PENDING);
  p = pending (fixture->store);
  g_assert_cmpuint (p.n_reports, ==, 1);
  g_assert_cmpuint (p.n_revisions, ==, 1);
  tg_test_assert_sync_counters (fixture->store);
}

/* Thumbnails before originals, each in the order they were queued;
 * a file the folder lacks never enters; sent and missing ones leave. */
static void
test_blob_queue (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(TgReport) first = new_report ("Primero");
  g_autoptr(TgReport) second = new_report ("Segundo");
  g_autoptr(TgRevision) rev1 = NULL;
  g_autoptr(TgRevision) rev2 = NULL;
  g_autoptr(GPtrArray) blobs = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *photo1 = NULL, *thumb1 = NULL, *photo2 = NULL, *thumb2 = NULL;
  const char *absent = "0000000000000000000000000000000000000000000000000000000000000000";
  gint64 size1, size2, tsize1, tsize2;
  TgSyncPending p;

  photo1 = import_blob (fixture->store, "foto uno, el original", &size1);
  thumb1 = import_blob (fixture->store, "miniatura uno", &tsize1);
  photo2 = import_blob (fixture->store, "foto dos, el original más largo", &size2);
  thumb2 = import_blob (fixture->store, "miniatura dos", &tsize2);
  add_file_source (first, photo1, size1, thumb1);
  add_file_source (second, photo2, size2, thumb2);
  add_file_source (second, absent, 10, NULL);
  rev1 = tg_test_save_report (fixture->store, first);
  rev2 = tg_test_save_report (fixture->store, second);

  reopen (fixture);
  blobs = blobs_to_send (fixture->store, TRUE, 0);
  g_assert_cmpuint (blobs->len, ==, 4);
  g_assert_cmpstr (((TgSyncBlob *) blobs->pdata[0])->sha256, ==, thumb1);
  g_assert_cmpstr (((TgSyncBlob *) blobs->pdata[1])->sha256, ==, thumb2);
  g_assert_cmpstr (((TgSyncBlob *) blobs->pdata[2])->sha256, ==, photo1);
  g_assert_cmpstr (((TgSyncBlob *) blobs->pdata[3])->sha256, ==, photo2);
  g_assert_true (((TgSyncBlob *) blobs->pdata[0])->is_thumbnail);
  g_assert_false (((TgSyncBlob *) blobs->pdata[2])->is_thumbnail);
  g_assert_cmpint (((TgSyncBlob *) blobs->pdata[1])->size, ==, tsize2);
  g_assert_cmpint (((TgSyncBlob *) blobs->pdata[3])->size, ==, size2);
  g_assert_cmpstr (((TgSyncBlob *) blobs->pdata[3])->report_id, ==, tg_report_get_id (second));
  g_clear_pointer (&blobs, g_ptr_array_unref);

  blobs = blobs_to_send (fixture->store, FALSE, 0);
  g_assert_cmpuint (blobs->len, ==, 2);
  g_assert_true (((TgSyncBlob *) blobs->pdata[1])->is_thumbnail);
  g_clear_pointer (&blobs, g_ptr_array_unref);
  blobs = blobs_to_send (fixture->store, TRUE, 3);
  g_assert_cmpuint (blobs->len, ==, 3);
  g_clear_pointer (&blobs, g_ptr_array_unref);

  /* Saving the same report again queues nothing twice. */
  tg_report_set_title (first, "Primero, otra vez");
  g_clear_object (&rev1);
  rev1 = tg_test_save_report (fixture->store, first);

  g_assert_true (tg_store_mark_blob_sent (fixture->store, thumb1, &error));
  g_assert_no_error (error);
  g_assert_true (tg_store_mark_blob_missing (fixture->store, photo2, &error));
  g_assert_no_error (error);

  reopen (fixture);
  blobs = blobs_to_send (fixture->store, TRUE, 0);
  g_assert_cmpuint (blobs->len, ==, 2);
  g_assert_cmpstr (((TgSyncBlob *) blobs->pdata[0])->sha256, ==, thumb2);
  g_assert_cmpstr (((TgSyncBlob *) blobs->pdata[1])->sha256, ==, photo1);
  p = pending (fixture->store);
  g_assert_cmpuint (p.n_thumbnails, ==, 1);
  g_assert_cmpuint (p.n_originals, ==, 1);
  g_assert_cmpuint (p.bytes, ==, tsize2 + size1);
  g_assert_cmpuint (p.original_bytes, ==, size1);
  g_clear_pointer (&blobs, g_ptr_array_unref);

  /* A missing file that is in the folder again when its report is saved
   * goes back in the queue, at its old place; a sent one stays sent. */
  tg_report_set_title (second, "Segundo, con la foto recuperada");
  g_clear_object (&rev2);
  rev2 = tg_test_save_report (fixture->store, second);
  tg_report_set_title (first, "Primero, tercera vez");
  g_clear_object (&rev1);
  rev1 = tg_test_save_report (fixture->store, first);
  reopen (fixture);
  blobs = blobs_to_send (fixture->store, TRUE, 0);
  g_assert_cmpuint (blobs->len, ==, 3);
  g_assert_cmpstr (((TgSyncBlob *) blobs->pdata[0])->sha256, ==, thumb2);
  g_assert_cmpstr (((TgSyncBlob *) blobs->pdata[1])->sha256, ==, photo1);
  g_assert_cmpstr (((TgSyncBlob *) blobs->pdata[2])->sha256, ==, photo2);
}

/* Pulled pages: new and changed reports counted, the cursor kept, the
 * same page twice changes nothing, a bad page changes nothing at all. */
static void
test_pull (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(TgReport) a = new_report ("Cusco");
  g_autoptr(TgReport) b = new_report ("Arequipa");
  g_autoptr(TgRevision) a1 = NULL;
  g_autoptr(TgRevision) b1 = NULL;
  g_autoptr(TgRevision) a2 = NULL;
  g_autoptr(GPtrArray) page = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *photo = NULL;
  gint64 size;

  g_assert_cmpint (tg_store_get_pull_cursor (fixture->store), ==, 0);

  /* A file the other device named and this one also holds is not this
   * device's to send. */
  photo = import_blob (fixture->store, "foto de otro portátil", &size);
  add_file_source (b, photo, size, NULL);

  a1 = other_revision (a, NULL, 1, 101);
  b1 = other_revision (b, NULL, 2, 102);
  g_ptr_array_add (page, a1);
  g_ptr_array_add (page, b1);
  apply_page (fixture->store, page, 102, 2, 0, 0);

  reopen (fixture);
  g_assert_cmpint (tg_store_get_pull_cursor (fixture->store), ==, 102);
  g_assert_cmpuint (tg_store_count_reports (fixture->store), ==, 2);
  g_assert_cmpint (tg_store_get_report_sync_state (fixture->store, tg_report_get_id (a)), ==,
                   TG_REPORT_SYNC_SYNCED);
  {
    g_autoptr(GPtrArray) blobs = blobs_to_send (fixture->store, TRUE, 0);
    TgSyncPending p = pending (fixture->store);

    g_assert_cmpuint (blobs->len, ==, 0);
    g_assert_cmpuint (p.n_revisions, ==, 0);
  }

  /* The same page again: nothing new. */
  apply_page (fixture->store, page, 102, 0, 0, 0);

  /* A child of a: one changed. */
  {
    const char *parents[] = { tg_revision_get_id (a1), NULL };

    tg_report_set_title (a, "Cusco, versión del otro portátil");
    a2 = other_revision (a, parents, 3, 103);
    g_ptr_array_set_size (page, 0);
    g_ptr_array_add (page, a2);
    apply_page (fixture->store, page, 103, 0, 1, 0);
  }

  /* A page with one revision altered on the way (its content no longer
   * hashes to its id) stores nothing, and the cursor stays. */
  {
    g_autoptr(TgReport) c = new_report ("Tacna");
    g_autoptr(TgRevision) c1 = other_revision (c, NULL, 4, 104);
    g_autoptr(TgReport) d = new_report ("Moquegua");
    g_autoptr(TgRevision) d1 = other_revision (d, NULL, 5, 105);
    char *content = (char *) tg_revision_get_content (d1);
    char *title = strstr (content, "Moquegua");
    guint n_new = 99;

    g_assert_nonnull (title);
    title[0] = 'N';
    g_ptr_array_set_size (page, 0);
    g_ptr_array_add (page, c1);
    g_ptr_array_add (page, d1);
    g_assert_false (tg_store_apply_pull_page (fixture->store, page, 105, &n_new, NULL, NULL, &error));
    g_assert_error (error, TG_ERROR, TG_ERROR_HASH_MISMATCH);
    g_clear_error (&error);
    g_assert_cmpuint (n_new, ==, 0);

    reopen (fixture);
    g_assert_cmpint (tg_store_get_pull_cursor (fixture->store), ==, 103);
    g_assert_cmpuint (tg_store_count_reports (fixture->store), ==, 2);
    g_assert_cmpint (tg_store_lookup_rowid (fixture->store, tg_report_get_id (c)), ==, 0);
  }
  {
    g_autoptr(TgReport) loaded = tg_store_load_report (fixture->store, tg_report_get_id (a), &error);

    g_assert_no_error (error);
    g_assert_cmpstr (tg_report_get_title (loaded), ==, "Cusco, versión del otro portátil");
  }

  /* This laptop's own revision coming back in a pull (pushed, the
   * acknowledgement lost): nothing new, but it is on the server now. */
  {
    g_autoptr(TgReport) own = new_report ("Sicuani");
    g_autoptr(TgRevision) own1 = tg_test_save_report (fixture->store, own);
    g_autoptr(TgRevision) echo = NULL;
    g_autoptr(JsonNode) node = tg_revision_to_json (own1);

    echo = tg_revision_new_from_json (node, &error);
    g_assert_no_error (error);
    tg_revision_set_server_seq (echo, 110);
    g_assert_cmpint (tg_store_get_report_sync_state (fixture->store, tg_report_get_id (own)), ==,
                     TG_REPORT_SYNC_LOCAL_ONLY);
    g_assert_cmpuint (pending (fixture->store).n_revisions, ==, 1);
    g_ptr_array_set_size (page, 0);
    g_ptr_array_add (page, echo);
    apply_page (fixture->store, page, 110, 0, 0, 0);
    reopen (fixture);
    g_assert_cmpint (tg_store_get_report_sync_state (fixture->store, tg_report_get_id (own)), ==,
                     TG_REPORT_SYNC_SYNCED);
    g_assert_cmpuint (pending (fixture->store).n_revisions, ==, 0);
    g_assert_cmpuint (pending (fixture->store).n_reports, ==, 0);
  }

  /* A deletion made elsewhere: a change, and the report leaves the list. */
  {
    g_autofree char *content = tg_report_to_json_string (a);
    const char *parents[] = { tg_revision_get_id (a2), NULL };
    g_autoptr(TgRevision) tombstone = tg_revision_new (tg_report_get_id (a), TG_REVISION_KIND_REPORT,
                                                       parents, OTHER_DEVICE, 6, 1006, TRUE, content);

    tg_revision_set_server_seq (tombstone, 111);
    g_ptr_array_set_size (page, 0);
    g_ptr_array_add (page, tombstone);
    apply_page (fixture->store, page, 111, 0, 1, 0);
    g_assert_cmpuint (tg_store_count_reports (fixture->store), ==, 2);
    g_assert_cmpint (tg_store_get_pull_cursor (fixture->store), ==, 111);
  }
  tg_test_assert_sync_counters (fixture->store);
}

/* Two heads make a conflict; resolving names both and leaves one. */
static void
test_conflict (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(TgReport) report = new_report ("Ayaviri");
  g_autoptr(TgReport) theirs = NULL;
  g_autoptr(TgRevision) root = NULL;
  g_autoptr(TgRevision) mine = NULL;
  g_autoptr(TgRevision) sibling = NULL;
  g_autoptr(TgRevision) merge = NULL;
  g_autoptr(GPtrArray) page = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *id = tg_report_get_id (report);
  const char *heads[3];

  root = tg_test_save_report (fixture->store, report);
  g_assert_true (tg_store_mark_synced (fixture->store, tg_revision_get_id (root), 1, &error));
  g_assert_no_error (error);

  /* Both laptops edit the same revision. */
  theirs = tg_report_copy (report);
  tg_report_set_killed (report, 17);
  mine = tg_test_save_report (fixture->store, report);
  tg_report_set_killed (theirs, 18);
  {
    const char *parents[] = { tg_revision_get_id (root), NULL };

    sibling = other_revision (theirs, parents, 1, 2);
  }
  g_ptr_array_add (page, sibling);
  apply_page (fixture->store, page, 2, 0, 1, 1);

  reopen (fixture);
  g_assert_cmpint (tg_store_get_report_sync_state (fixture->store, id), ==, TG_REPORT_SYNC_CONFLICT);
  g_assert_cmpuint (pending (fixture->store).n_conflicts, ==, 1);

  /* Each head as it has the report. */
  {
    g_autoptr(TgReport) at_mine = tg_store_load_report_at (fixture->store, tg_revision_get_id (mine), &error);
    g_autoptr(TgReport) at_theirs = tg_store_load_report_at (fixture->store, tg_revision_get_id (sibling),
                                                             &error);

    g_assert_no_error (error);
    g_assert_cmpint (tg_report_get_killed (at_mine), ==, 17);
    g_assert_cmpint (tg_report_get_killed (at_theirs), ==, 18);
    g_assert_cmpint (tg_report_get_n_heads (at_mine), ==, 2);
    g_assert_cmpstr (tg_report_get_base_revisions (at_theirs)[0], ==, tg_revision_get_id (sibling));
  }

  /* Expecting other heads than the store has is refused. */
  {
    g_autoptr(TgReport) merged = tg_store_load_report (fixture->store, id, &error);
    const char *stale[] = { tg_revision_get_id (mine), NULL };
    g_autoptr(TgRevision) refused = NULL;

    g_assert_no_error (error);
    refused = tg_store_resolve_conflict (fixture->store, merged, stale, &error);
    g_assert_error (error, TG_ERROR, TG_ERROR_CONFLICT);
    g_assert_null (refused);
    g_clear_error (&error);
  }

  /* The person picks 18. */
  {
    g_autoptr(TgReport) merged = tg_store_load_report_at (fixture->store, tg_revision_get_id (mine), &error);

    g_assert_no_error (error);
    tg_report_set_killed (merged, 18);
    heads[0] = tg_revision_get_id (sibling);
    heads[1] = tg_revision_get_id (mine);
    heads[2] = NULL;
    merge = tg_store_resolve_conflict (fixture->store, merged, heads, &error);
    g_assert_no_error (error);
    g_assert_nonnull (merge);
    g_assert_cmpuint (g_strv_length ((char **) tg_revision_get_parents (merge)), ==, 2);
    g_assert_true (g_strv_contains (tg_revision_get_parents (merge), tg_revision_get_id (mine)));
    g_assert_true (g_strv_contains (tg_revision_get_parents (merge), tg_revision_get_id (sibling)));
    g_assert_cmpint (tg_report_get_n_heads (merged), ==, 1);
  }

  reopen (fixture);
  {
    g_autoptr(GPtrArray) now = tg_store_list_heads (fixture->store, id, &error);
    g_autoptr(TgReport) loaded = tg_store_load_report (fixture->store, id, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (now->len, ==, 1);
    g_assert_cmpstr (tg_revision_get_id (now->pdata[0]), ==, tg_revision_get_id (merge));
    g_assert_cmpint (tg_report_get_killed (loaded), ==, 18);
    g_assert_false (tg_report_has_conflict (loaded));
  }
  g_assert_cmpint (tg_store_get_report_sync_state (fixture->store, id), ==,
                   TG_REPORT_SYNC_CHANGES_PENDING);
  g_assert_cmpuint (pending (fixture->store).n_conflicts, ==, 0);

  /* Resolving again against the old heads: they changed. */
  {
    g_autoptr(TgReport) merged = tg_store_load_report (fixture->store, id, &error);
    g_autoptr(TgRevision) refused = NULL;

    refused = tg_store_resolve_conflict (fixture->store, merged, heads, &error);
    g_assert_error (error, TG_ERROR, TG_ERROR_CONFLICT);
    g_assert_null (refused);
  }
  tg_test_assert_sync_counters (fixture->store);
}

/* The account survives a reopen; forgetting it keeps the cursor; another
 * server starts the cursor over. */
static void
test_account (Fixture       *fixture,
              gconstpointer  data)
{
  TgSyncAccount account = {
    .server_uri = (char *) "https://testigo.example:8443",
    .fingerprint = (char *) "AB:CD:EF",
    .server_device_id = (char *) "device-7",
    .device_name = (char *) "Portátil de Rosa",
  };
  g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(TgReport) report = new_report ("Lampa");
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(TgSyncAccount) none = tg_store_get_sync_account (fixture->store, &error);

    g_assert_no_error (error);
    g_assert_null (none);
  }
  g_assert_true (tg_store_set_sync_account (fixture->store, &account, &error));
  g_assert_no_error (error);
  g_ptr_array_add (page, other_revision (report, NULL, 1, 7));
  apply_page (fixture->store, page, 7, 1, 0, 0);

  reopen (fixture);
  {
    g_autoptr(TgSyncAccount) stored = tg_store_get_sync_account (fixture->store, &error);

    g_assert_no_error (error);
    g_assert_nonnull (stored);
    g_assert_cmpstr (stored->server_uri, ==, account.server_uri);
    g_assert_cmpstr (stored->fingerprint, ==, account.fingerprint);
    g_assert_cmpstr (stored->server_device_id, ==, account.server_device_id);
    g_assert_cmpstr (stored->device_name, ==, account.device_name);
  }
  g_assert_cmpint (tg_store_get_pull_cursor (fixture->store), ==, 7);

  /* Disconnect, then re-enrol to the same server: the cursor goes on. */
  g_assert_true (tg_store_set_sync_account (fixture->store, NULL, &error));
  g_assert_no_error (error);
  reopen (fixture);
  {
    g_autoptr(TgSyncAccount) none = tg_store_get_sync_account (fixture->store, &error);

    g_assert_no_error (error);
    g_assert_null (none);
  }
  g_assert_cmpint (tg_store_get_pull_cursor (fixture->store), ==, 7);
  account.server_device_id = (char *) "device-8";
  g_assert_true (tg_store_set_sync_account (fixture->store, &account, &error));
  g_assert_cmpint (tg_store_get_pull_cursor (fixture->store), ==, 7);

  /* Another server: from the beginning. */
  account.server_uri = (char *) "https://otro.example";
  g_assert_true (tg_store_set_sync_account (fixture->store, &account, &error));
  g_assert_no_error (error);
  reopen (fixture);
  g_assert_cmpint (tg_store_get_pull_cursor (fixture->store), ==, 0);
  {
    g_autoptr(TgSyncAccount) stored = tg_store_get_sync_account (fixture->store, &error);

    g_assert_cmpstr (stored->server_uri, ==, "https://otro.example");
    g_assert_cmpstr (stored->server_device_id, ==, "device-8");
  }
}

/* Enrolled with another server, the device sends again what it sent to
 * the first: its revisions and its files; a report it only pulled is on
 * neither server as far as the new one knows. */
static void
test_another_server (Fixture       *fixture,
                     gconstpointer  data)
{
  TgSyncAccount account = {
    .server_uri = (char *) "https://primero.example",
    .fingerprint = (char *) "AB:CD:EF",
    .server_device_id = (char *) "device-1",
    .device_name = (char *) "Portátil de Rosa",
  };
  g_autoptr(TgReport) mine = new_report ("Ayaviri");
  g_autoptr(TgReport) pulled = new_report ("Lampa");
  g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(GPtrArray) blobs = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *photo = NULL, *thumb = NULL;
  gint64 photo_size, thumb_size;
  TgSyncPending p;

  g_assert_true (tg_store_set_sync_account (fixture->store, &account, &error));
  g_assert_no_error (error);
  photo = import_blob (fixture->store, "la foto de Ayaviri", &photo_size);
  thumb = import_blob (fixture->store, "su miniatura", &thumb_size);
  add_file_source (mine, photo, photo_size, thumb);
  rev = tg_test_save_report (fixture->store, mine);
  g_assert_true (tg_store_mark_synced (fixture->store, tg_revision_get_id (rev), 41, &error));
  g_assert_no_error (error);
  g_assert_true (tg_store_mark_blob_sent (fixture->store, thumb, &error));
  g_assert_true (tg_store_mark_blob_sent (fixture->store, photo, &error));
  g_assert_no_error (error);
  g_ptr_array_add (page, other_revision (pulled, NULL, 1, 42));
  apply_page (fixture->store, page, 42, 1, 0, 0);

  g_assert_cmpint (tg_store_get_report_sync_state (fixture->store, tg_report_get_id (mine)), ==,
                   TG_REPORT_SYNC_SYNCED);
  g_assert_cmpint (tg_store_get_pushed_through (fixture->store), ==, 41);
  p = pending (fixture->store);
  g_assert_cmpuint (p.n_revisions, ==, 0);
  g_assert_cmpuint (p.n_thumbnails + p.n_originals, ==, 0);

  /* The same server again, under a new device id: nothing to send again. */
  account.server_device_id = (char *) "device-2";
  g_assert_true (tg_store_set_sync_account (fixture->store, &account, &error));
  g_assert_no_error (error);
  p = pending (fixture->store);
  g_assert_cmpuint (p.n_revisions, ==, 0);

  account.server_uri = (char *) "https://segundo.example";
  g_assert_true (tg_store_set_sync_account (fixture->store, &account, &error));
  g_assert_no_error (error);
  reopen (fixture);
  g_assert_cmpint (tg_store_get_report_sync_state (fixture->store, tg_report_get_id (mine)), ==,
                   TG_REPORT_SYNC_LOCAL_ONLY);
  g_assert_cmpint (tg_store_get_pushed_through (fixture->store), ==, 0);
  p = pending (fixture->store);
  g_assert_cmpuint (p.n_reports, ==, 1);
  g_assert_cmpuint (p.n_revisions, ==, 1);
  g_assert_cmpuint (p.n_thumbnails, ==, 1);
  g_assert_cmpuint (p.n_originals, ==, 1);
  {
    g_autoptr(GPtrArray) unsynced = tg_store_list_unsynced (fixture->store, 0, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (unsynced->len, ==, 1);
    g_assert_cmpstr (tg_revision_get_id (unsynced->pdata[0]), ==, tg_revision_get_id (rev));
  }
  blobs = blobs_to_send (fixture->store, TRUE, 0);
  g_assert_cmpuint (blobs->len, ==, 2);
  g_assert_cmpstr (((TgSyncBlob *) blobs->pdata[0])->sha256, ==, thumb);
  g_assert_cmpstr (((TgSyncBlob *) blobs->pdata[1])->sha256, ==, photo);
  tg_test_assert_sync_counters (fixture->store);
}

/* The history keeps the newest TG_SYNC_HISTORY_MAX entries, newest first. */
static void
test_history (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < TG_SYNC_HISTORY_MAX + 5; i++)
    {
      TgSyncEntry entry = {
        .started_at = 1000000 + i,
        .duration_us = 2500,
        .outcome = i % 2 ? TG_SYNC_OUTCOME_OK : TG_SYNC_OUTCOME_FAILED,
        .n_revisions_sent = i,
        .n_reports_sent = 2,
        .n_files_sent = 3,
        .bytes_sent = G_GUINT64_CONSTANT (5000000000) + i,
        .n_revisions_received = 4,
        .n_reports_new = 5,
        .n_reports_changed = 6,
        .n_conflicts = 7,
        .n_files_held_back = 8,
        .clock_offset_us = -9,
        .error = i % 2 ? NULL : (char *) "No se pudo conectar",
      };

      g_assert_true (tg_store_add_sync_entry (fixture->store, &entry, &error));
      g_assert_no_error (error);
    }

  reopen (fixture);
  entries = tg_store_list_sync_entries (fixture->store, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, TG_SYNC_HISTORY_MAX);
  {
    TgSyncEntry *newest = entries->pdata[0];
    TgSyncEntry *oldest = entries->pdata[entries->len - 1];
    g_autoptr(TgSyncEntry) copy = tg_sync_entry_copy (oldest);

    g_assert_cmpint (newest->started_at, ==, 1000000 + TG_SYNC_HISTORY_MAX + 4);
    g_assert_cmpint (oldest->started_at, ==, 1000000 + 5);
    g_assert_cmpint (newest->outcome, ==, TG_SYNC_OUTCOME_FAILED);
    g_assert_cmpuint (newest->bytes_sent, ==, G_GUINT64_CONSTANT (5000000000) + TG_SYNC_HISTORY_MAX + 4);
    g_assert_cmpuint (newest->n_reports_changed, ==, 6);
    g_assert_cmpuint (newest->n_files_held_back, ==, 8);
    g_assert_cmpint (newest->clock_offset_us, ==, -9);
    g_assert_cmpstr (newest->error, ==, "No se pudo conectar");
    g_assert_null (((TgSyncEntry *) entries->pdata[1])->error);
    g_assert_cmpstr (copy->error, ==, oldest->error);
    g_assert_cmpint (copy->started_at, ==, oldest->started_at);
  }
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = tg_store_list_sync_entries (fixture->store, 3, &error);
  g_assert_cmpuint (entries->len, ==, 3);
}

typedef struct
{
  const char *want;
  guint       n_seen;
} SignalData;

static void
sync_changed_cb (TgStore    *store,
                 const char *report_id,
                 gpointer    user_data)
{
  SignalData *data = user_data;

  if (g_strcmp0 (report_id, data->want) == 0)
    data->n_seen++;
}

static gboolean
seen (gpointer user_data)
{
  return ((SignalData *) user_data)->n_seen > 0;
}

/* A push mark, a file sent and a pull each tell the list rows. */
static void
test_signal (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(TgReport) report = new_report ("Azángaro");
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *photo = NULL;
  SignalData signal_data = { tg_report_get_id (report), 0 };
  gint64 size;

  photo = import_blob (fixture->store, "foto para la señal", &size);
  add_file_source (report, photo, size, NULL);
  rev = tg_test_save_report (fixture->store, report);
  g_signal_connect (fixture->store, "report-sync-changed", G_CALLBACK (sync_changed_cb), &signal_data);
  tg_test_iterate_pending ();
  signal_data.n_seen = 0;

  g_assert_true (tg_store_mark_synced (fixture->store, tg_revision_get_id (rev), 5, &error));
  g_assert_no_error (error);
  tg_test_iterate_until (seen, &signal_data, 5000, "report-sync-changed after a push");
  g_assert_cmpint (tg_store_get_report_sync_state (fixture->store, tg_report_get_id (report)), ==,
                   TG_REPORT_SYNC_FILES_PENDING);

  signal_data.n_seen = 0;
  g_assert_true (tg_store_mark_blob_sent (fixture->store, photo, &error));
  g_assert_no_error (error);
  tg_test_iterate_until (seen, &signal_data, 5000, "report-sync-changed after a file");
  g_assert_cmpint (tg_store_get_report_sync_state (fixture->store, tg_report_get_id (report)), ==,
                   TG_REPORT_SYNC_SYNCED);

  /* Marking what is marked already says nothing. */
  signal_data.n_seen = 0;
  g_assert_true (tg_store_mark_synced (fixture->store, tg_revision_get_id (rev), 5, &error));
  tg_test_iterate_pending ();
  g_assert_cmpuint (signal_data.n_seen, ==, 0);

  /* A pulled edit. */
  {
    g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func (g_object_unref);
    const char *parents[] = { tg_revision_get_id (rev), NULL };

    tg_report_set_title (report, "Azángaro, corregido");
    g_ptr_array_add (page, other_revision (report, parents, 1, 6));
    signal_data.n_seen = 0;
    apply_page (fixture->store, page, 6, 0, 1, 0);
    tg_test_iterate_until (seen, &signal_data, 5000, "report-sync-changed after a pull");
  }
  g_signal_handlers_disconnect_by_data (fixture->store, &signal_data);
}

typedef struct
{
  TgStore   *store;
  GPtrArray *page;
  gboolean   ok;
} PullJob;

static gpointer
pull_thread (gpointer user_data)
{
  PullJob *job = user_data;

  job->ok = tg_store_apply_pull_page (job->store, job->page, 9, NULL, NULL, NULL, NULL);
  return NULL;
}

typedef struct
{
  const char *want;
  GThread    *main_thread;
  gboolean    seen;
  gboolean    on_main_thread;
} ThreadData;

static void
thread_cb (TgStore    *store,
           const char *report_id,
           gpointer    user_data)
{
  ThreadData *data = user_data;

  if (g_strcmp0 (report_id, data->want) != 0)
    return;
  data->seen = TRUE;
  data->on_main_thread = g_thread_self () == data->main_thread;
}

/* A page applied on a worker thread: the rows hear of it on the thread
 * that opened the store. */
static void
test_signal_from_worker (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(TgReport) report = new_report ("Chucuito");
  g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func (g_object_unref);
  ThreadData thread_data = { tg_report_get_id (report), g_thread_self (), FALSE, FALSE };
  PullJob job = { fixture->store, page, FALSE };
  GThread *thread;

  g_ptr_array_add (page, other_revision (report, NULL, 1, 9));
  g_signal_connect (fixture->store, "report-sync-changed", G_CALLBACK (thread_cb), &thread_data);
  thread = g_thread_new ("pull", pull_thread, &job);
  g_thread_join (thread);
  g_assert_true (job.ok);
  g_assert_false (thread_data.seen);
  tg_test_iterate_until_set (&thread_data.seen, 5000, "report-sync-changed from a worker");
  g_assert_true (thread_data.on_main_thread);
  g_assert_cmpint (tg_store_get_report_sync_state (fixture->store, tg_report_get_id (report)), ==,
                   TG_REPORT_SYNC_SYNCED);
  g_signal_handlers_disconnect_by_data (fixture->store, &thread_data);
}

/* A store of schema 7 with reports and files upgrades with its files
 * queued and its reports counted. */
static void
test_migrate_from_v7 (void)
{
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-store-sync-v7-XXXXXX");
  g_autoptr(GError) error = NULL;
  g_autofree char *photo = NULL, *thumb = NULL, *other_photo = NULL;
  g_autoptr(TgReport) local = new_report ("Hecho aquí");
  g_autoptr(TgReport) deleted = new_report ("Borrado");
  g_autoptr(TgReport) foreign = new_report ("De otro portátil");
  gint64 size, tsize, other_size;

  {
    g_autoptr(TgStore) old = tg_store_open_at_version (dir, 7, &error);
    g_autoptr(TgRevision) rev1 = NULL;
    g_autoptr(TgRevision) rev2 = NULL;
    g_autoptr(TgRevision) gone = NULL;
    g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func (g_object_unref);
    g_autofree char *deleted_photo = NULL;
    gint64 deleted_size;

    g_assert_no_error (error);
    photo = import_blob (old, "original de la versión 7", &size);
    thumb = import_blob (old, "miniatura de la versión 7", &tsize);
    other_photo = import_blob (old, "foto que llegó de otro portátil", &other_size);
    deleted_photo = import_blob (old, "foto de un informe borrado", &deleted_size);
    add_file_source (local, photo, size, thumb);
    rev1 = tg_test_save_report (old, local);
    add_file_source (deleted, deleted_photo, deleted_size, NULL);
    rev2 = tg_test_save_report (old, deleted);
    gone = tg_store_delete_report (old, tg_report_get_id (deleted), &error);
    g_assert_no_error (error);
    add_file_source (foreign, other_photo, other_size, NULL);
    g_ptr_array_add (page, other_revision (foreign, NULL, 1, 0));
    g_assert_true (tg_store_insert_revisions (old, page, NULL, &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr(TgStore) store = tg_store_open (dir, &error);
    g_autoptr(GPtrArray) blobs = NULL;
    TgSyncPending p;

    g_assert_no_error (error);
    g_assert_cmpint (tg_store_get_schema_version (store), ==, TG_STORE_SCHEMA_VERSION);
    blobs = blobs_to_send (store, TRUE, 0);
    g_assert_cmpuint (blobs->len, ==, 2);
    g_assert_cmpstr (((TgSyncBlob *) blobs->pdata[0])->sha256, ==, thumb);
    g_assert_cmpstr (((TgSyncBlob *) blobs->pdata[1])->sha256, ==, photo);
    g_assert_cmpint (((TgSyncBlob *) blobs->pdata[1])->size, ==, size);
    p = pending (store);
    g_assert_cmpuint (p.n_reports, ==, 2);
    g_assert_cmpuint (p.n_revisions, ==, 3);
    g_assert_cmpuint (p.bytes, ==, size + tsize);
    g_assert_cmpint (tg_store_get_report_sync_state (store, tg_report_get_id (local)), ==,
                     TG_REPORT_SYNC_LOCAL_ONLY);
    g_assert_cmpint (tg_store_get_pull_cursor (store), ==, 0);
    tg_test_assert_sync_counters (store);
  }
  tg_test_rm_rf (dir);
}

static TgSyncDeviceName *
device_name (const char *id,
             const char *name,
             const char *user)
{
  TgSyncDeviceName *item = g_new0 (TgSyncDeviceName, 1);

  item->device_id = g_strdup (id);
  item->name = g_strdup (name);
  item->user = g_strdup (user);
  return item;
}

/* Schema 10 gives sync_device_names a version and the history its
 * received_from. Two stores of schema 9 upgrade: one as schema 9 left it,
 * one that already holds the table as the first-use code of schema 9 made
 * it (with a name in it, which is kept), each with a history entry. */
static void
test_migrate_from_v9 (void)
{
  static const char *first_use =
    "CREATE TABLE IF NOT EXISTS sync_device_names ("
    "  device_id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  user TEXT NOT NULL,"
    "  seen_at INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "INSERT INTO sync_device_names VALUES ('" OTHER_DEVICE "', 'Laptop Huanta', 'rosa', 1);";

  for (guint with_table = 0; with_table < 2; with_table++)
    {
      g_autofree char *dir = tg_test_make_tmp_dir ("testigo-store-v9-XXXXXX");
      g_autoptr(GError) error = NULL;
      g_autoptr(TgReport) report = new_report ("Antes de la versión 10");

      g_test_message ("schema 9 %s the first-use table", with_table ? "with" : "without");
      {
        g_autoptr(TgStore) old = tg_store_open_at_version (dir, 9, &error);
        g_autoptr(TgRevision) rev = NULL;
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_sync_device_name_free);
        TgSyncEntry entry = { .started_at = 42, .outcome = TG_SYNC_OUTCOME_OK, .n_revisions_received = 3,
                              .received_from = (char *) "ignored\tbefore v10" };

        g_assert_no_error (error);
        g_assert_cmpint (tg_store_get_schema_version (old), ==, 9);
        rev = tg_test_save_report (old, report);
        g_assert_true (tg_store_add_sync_entry (old, &entry, &error));
        g_assert_no_error (error);
        /* below schema 10 the store has no names to keep, and says so */
        g_ptr_array_add (names, device_name ("dev-x", "Oficina", "ana"));
        g_assert_false (tg_store_set_device_names (old, names, &error));
        g_assert_error (error, TG_ERROR, TG_ERROR_FAILED);
        g_clear_error (&error);
        g_assert_null (tg_store_get_device_name (old, "dev-x"));
        if (with_table)
          {
            g_assert_true (tg_sqlite_exec (tg_store_get_sql (old), first_use, &error));
            g_assert_no_error (error);
          }
      }
      {
        g_autoptr(TgStore) store = tg_store_open (dir, &error);
        g_autoptr(TgReport) loaded = NULL;
        g_autoptr(GPtrArray) entries = NULL;
        g_autoptr(TgSyncDeviceName) kept = NULL;

        g_assert_no_error (error);
        g_assert_cmpint (tg_store_get_schema_version (store), ==, 10);
        g_assert_cmpint (TG_STORE_SCHEMA_VERSION, ==, 10);
        loaded = tg_store_load_report (store, tg_report_get_id (report), &error);
        g_assert_no_error (error);
        g_assert_cmpstr (tg_report_get_title (loaded), ==, "Antes de la versión 10");
        entries = tg_store_list_sync_entries (store, 0, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (entries->len, ==, 1);
        g_assert_cmpint (((TgSyncEntry *) entries->pdata[0])->started_at, ==, 42);
        g_assert_null (((TgSyncEntry *) entries->pdata[0])->received_from);
        kept = tg_store_get_device_name (store, OTHER_DEVICE);
        if (with_table)
          {
            g_assert_nonnull (kept);
            g_assert_cmpstr (kept->name, ==, "Laptop Huanta");
            g_assert_cmpstr (kept->user, ==, "rosa");
          }
        else
          g_assert_null (kept);
      }
      /* the upgraded store keeps names and who a sync's changes came from */
      {
        g_autoptr(TgStore) store = tg_store_open (dir, &error);
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_sync_device_name_free);
        TgSyncEntry entry = { .started_at = 43, .outcome = TG_SYNC_OUTCOME_OK, .n_revisions_received = 1,
                              .received_from = (char *) "Oficina\tana\nLaptop Huanta\trosa" };

        g_assert_no_error (error);
        g_ptr_array_add (names, device_name ("dev-x", "Oficina", "ana"));
        g_assert_true (tg_store_set_device_names (store, names, &error));
        g_assert_no_error (error);
        g_assert_true (tg_store_add_sync_entry (store, &entry, &error));
        g_assert_no_error (error);
      }
      {
        g_autoptr(TgStore) store = tg_store_open (dir, &error);
        g_autoptr(TgSyncDeviceName) named = NULL;
        g_autoptr(GPtrArray) entries = NULL;
        g_autoptr(TgSyncEntry) copy = NULL;

        g_assert_no_error (error);
        named = tg_store_get_device_name (store, "dev-x");
        g_assert_nonnull (named);
        g_assert_cmpstr (named->name, ==, "Oficina");
        g_assert_cmpstr (named->user, ==, "ana");
        entries = tg_store_list_sync_entries (store, 0, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (entries->len, ==, 2);
        g_assert_cmpint (((TgSyncEntry *) entries->pdata[0])->started_at, ==, 43);
        copy = tg_sync_entry_copy (entries->pdata[0]);
        g_assert_cmpstr (copy->received_from, ==, "Oficina\tana\nLaptop Huanta\trosa");
      }
      tg_test_rm_rf (dir);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, tg_test_store_fixture_set_up, func, tg_test_store_fixture_tear_down)

  ADD ("/store/sync/pending", test_pending);
  ADD ("/store/sync/blob-queue", test_blob_queue);
  ADD ("/store/sync/pull", test_pull);
  ADD ("/store/sync/conflict", test_conflict);
  ADD ("/store/sync/account", test_account);
  ADD ("/store/sync/another-server", test_another_server);
  ADD ("/store/sync/history", test_history);
  ADD ("/store/sync/signal", test_signal);
  ADD ("/store/sync/signal-from-worker", test_signal_from_worker);
  g_test_add_func ("/store/sync/migrate-from-v7", test_migrate_from_v7);
  g_test_add_func ("/store/sync/migrate-from-v9", test_migrate_from_v9);

  return g_test_run ();
}
