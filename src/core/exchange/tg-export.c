/* tg-export.c — GeoJSON and CSV exports of the store's reports, naming people only with consent
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-export"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg-csv.h"
#include "tg-export.h"
#include "tg-export-columns.h"
#include "tg-exchange-private.h"
#include "tg-custody-log.h"
#include "tg-source.h"
#include "tg-store-private.h"

/* Helpers ---------------------------------------------------------------- */

/* What a file export wrote, logged once the file is in place: each
 * report's id and the revision its exported state comes from. */
typedef struct
{
  GPtrArray *report_ids;
  GPtrArray *rev_ids;
} Written;

static void
written_init (Written *written)
{
  written->report_ids = g_ptr_array_new_with_free_func (g_free);
  written->rev_ids = g_ptr_array_new_with_free_func (g_free);
}

static void
written_clear (Written *written)
{
  g_clear_pointer (&written->report_ids, g_ptr_array_unref);
  g_clear_pointer (&written->rev_ids, g_ptr_array_unref);
}

static void
written_add (Written  *written,
             TgReport *report)
{
  const char * const *revs = tg_report_get_base_revisions (report);

  if (written == NULL)
    return;
  g_ptr_array_add (written->report_ids, g_strdup (tg_report_get_id (report)));
  g_ptr_array_add (written->rev_ids, g_strdup (revs != NULL && revs[0] != NULL ? revs[0] : ""));
}

/* Thread-local: which reports the export running on this thread writes
 * when the caller named them (tg_export_file_async with @ids). */
static GPrivate export_ids;

static GArray *
select_rowids (TgStore              *store,
               const TgReportQuery  *query,
               GError              **error)
{
  const char * const *ids = g_private_get (&export_ids);

  if (ids != NULL)
    {
      GArray *rowids = g_array_new (FALSE, FALSE, sizeof (gint64));

      for (guint i = 0; ids[i] != NULL; i++)
        {
          gint64 rowid = tg_store_lookup_rowid (store, ids[i]);

          if (rowid != 0)
            g_array_append_val (rowids, rowid);
        }
      return rowids;
    }
  if (query == NULL)
    return tg_store_list_live_rowids (store, error);
  return tg_store_query_rowids (store, query, error);
}

/* Whether a person's name may appear in an export. */
gboolean
_tg_export_may_name (TgPerson      *person,
                     TgExportFlags  flags)
{
  TgConsent consent = tg_person_get_consent (person);

  if (tg_person_get_is_pseudonym (person))
    return TRUE;
  if (flags & TG_EXPORT_PUBLIC)
    return consent == TG_CONSENT_PUBLIC;
  return consent == TG_CONSENT_ORGANISATION || consent == TG_CONSENT_PUBLIC;
}

char *
_tg_format_double (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (value))
    return NULL;
  /* The shortest of %.15g/%.17g that reads back as the same number. */
  g_ascii_formatd (buf, sizeof buf, "%.15g", value);
  if (g_ascii_strtod (buf, NULL) != value)
    g_ascii_formatd (buf, sizeof buf, "%.17g", value);
  return g_strdup (buf);
}

/* GeoJSON ---------------------------------------------------------------- */

/* Whether the report names someone who may not be named in the export. */
static gboolean
report_withholds (TgReport      *report,
                  TgExportFlags  flags)
{
  GListModel *model = tg_report_get_persons (report);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(TgPerson) person = g_list_model_get_item (model, i);
      const char *name = tg_person_get_name (person);

      if (name != NULL && *name != '\0' && !_tg_export_may_name (person, flags))
        return TRUE;
    }
  return FALSE;
}

/* Names (and notes) of people who may not be named become
 * TG_EXPORT_WITHHELD. For the public every person's notes go, and typed
 * testimony, which names people and places, stays in the store. */
static void
mask_people (JsonObject    *props,
             TgReport      *report,
             TgExportFlags  flags)
{
  JsonArray *persons = json_object_get_array_member (props, "persons");
  JsonArray *sources = json_object_get_array_member (props, "sources");
  GListModel *model = tg_report_get_persons (report);

  for (guint i = 0; persons != NULL && i < json_array_get_length (persons); i++)
    {
      g_autoptr(TgPerson) person = g_list_model_get_item (model, i);
      JsonObject *object = json_array_get_object_element (persons, i);
      gboolean may_name;

      if (person == NULL || object == NULL)
        continue;
      may_name = _tg_export_may_name (person, flags);
      if (!may_name && tg_person_get_name (person) != NULL)
        json_object_set_string_member (object, "name", TG_EXPORT_WITHHELD);
      if (!may_name || (flags & TG_EXPORT_PUBLIC))
        json_object_set_null_member (object, "notes");
    }

  for (guint i = 0; (flags & TG_EXPORT_PUBLIC) && sources != NULL && i < json_array_get_length (sources); i++)
    {
      JsonObject *object = json_array_get_object_element (sources, i);

      if (object != NULL && json_object_has_member (object, "text"))
        json_object_set_null_member (object, "text");
    }
}

static JsonNode *
feature_new (const char *id,
             JsonNode   *latitude,
             JsonNode   *longitude,
             JsonNode   *properties)
{
  JsonObject *feature = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (feature, "type", "Feature");
  json_object_set_string_member (feature, "id", id);
  if (latitude != NULL && longitude != NULL &&
      !JSON_NODE_HOLDS_NULL (latitude) && !JSON_NODE_HOLDS_NULL (longitude))
    {
      JsonObject *geometry = json_object_new ();
      JsonArray *coordinates = json_array_new ();

      /* RFC 7946: longitude first. */
      json_array_add_double_element (coordinates, json_node_get_double (longitude));
      json_array_add_double_element (coordinates, json_node_get_double (latitude));
      json_object_set_string_member (geometry, "type", "Point");
      json_object_set_array_member (geometry, "coordinates", coordinates);
      json_object_set_object_member (feature, "geometry", geometry);
    }
  else
    json_object_set_null_member (feature, "geometry");
  json_object_set_member (feature, "properties", properties);

  json_node_take_object (node, feature);
  return node;
}

static int
compare_events (gconstpointer a,
                gconstpointer b)
{
  gint64 sa = tg_custody_event_get_seq (*(TgCustodyEvent **) a);
  gint64 sb = tg_custody_event_get_seq (*(TgCustodyEvent **) b);

  return sa < sb ? -1 : sa > sb;
}

static JsonNode *
custody_event_to_json (TgCustodyEvent *event)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (tg_custody_event_get_time (event) / G_USEC_PER_SEC);
  g_autoptr(GDateTime) exact = time ? g_date_time_add (time, tg_custody_event_get_time (event) % G_USEC_PER_SEC) : NULL;
  g_autofree char *when = tg_format_rfc3339 (exact);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "seq");
  json_builder_add_int_value (builder, tg_custody_event_get_seq (event));
  json_builder_set_member_name (builder, "time");
  json_builder_add_string_value (builder, when);
  json_builder_set_member_name (builder, "device");
  json_builder_add_string_value (builder, tg_custody_event_get_device_id (event));
  json_builder_set_member_name (builder, "action");
  json_builder_add_string_value (builder, tg_custody_event_get_action_string (event));
  json_builder_set_member_name (builder, "subject");
  json_builder_add_string_value (builder, tg_custody_event_get_subject (event));
  json_builder_set_member_name (builder, "detail");
  json_builder_add_string_value (builder, tg_custody_event_get_detail (event));
  json_builder_set_member_name (builder, "prev_hash");
  json_builder_add_string_value (builder, tg_custody_event_get_prev_hash (event));
  json_builder_set_member_name (builder, "hash");
  json_builder_add_string_value (builder, tg_custody_event_get_hash (event));
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* The custody events about the report and about each of its files,
 * oldest first (by the log's sequence). */
static JsonNode *
custody_to_json (TgStore   *store,
                 TgReport  *report,
                 GError   **error)
{
  TgCustodyLog *log = tg_store_get_custody_log (store);
  GListModel *sources = tg_report_get_sources (report);
  g_autoptr(GPtrArray) subjects = g_ptr_array_new ();
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func (g_object_unref);
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, array);
  if (log == NULL)
    return node;
  g_ptr_array_add (subjects, (char *) tg_report_get_id (report));
  for (guint i = 0; i < g_list_model_get_n_items (sources); i++)
    {
      g_autoptr(TgSource) source = g_list_model_get_item (sources, i);

      if (tg_source_get_sha256 (source) != NULL)
        g_ptr_array_add (subjects, (char *) g_intern_string (tg_source_get_sha256 (source)));
    }
  for (guint i = 0; i < subjects->len; i++)
    {
      g_autoptr(GPtrArray) some = tg_custody_log_list (log, subjects->pdata[i], error);

      if (some == NULL)
        {
          json_node_unref (node);
          return NULL;
        }
      for (guint j = 0; j < some->len; j++)
        g_ptr_array_add (events, g_object_ref (some->pdata[j]));
    }
  g_ptr_array_sort (events, compare_events);
  for (guint i = 0; i < events->len; i++)
    json_array_add_element (array, custody_event_to_json (events->pdata[i]));
  return node;
}

/* The feature of the revision a report's state comes from: its content as
 * the properties, with the revision itself. */
static JsonNode *
build_feature (TgStore       *store,
               const char    *rev_id,
               TgReport      *loaded,
               TgExportFlags  flags,
               GError       **error)
{
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(TgReport) report = loaded ? g_object_ref (loaded) : NULL;
  g_autoptr(JsonNode) props_node = NULL;
  g_autoptr(JsonNode) latitude = NULL;
  g_autoptr(JsonNode) longitude = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonObject *props;
  const char *id;

  rev = tg_store_get_revision (store, rev_id, error);
  if (rev == NULL)
    return NULL;
  /* Through the report, not the revision's text as it is: revisions
   * saved before timestamps were written with their offset's minutes
   * ("-05") come out in RFC 3339 ("-05:00") like newer ones. */
  if (report == NULL)
    report = tg_report_new_from_json_string (tg_revision_get_content (rev), -1, &local_error);
  if (report == NULL)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_CORRUPT,
                   _("Revision %s in the store is damaged: %s"), rev_id, local_error->message);
      return NULL;
    }
  props_node = tg_report_to_json (report);
  props = json_node_get_object (props_node);
  id = tg_revision_get_record_id (rev);

  if (json_object_has_member (props, "latitude"))
    latitude = json_node_ref (json_object_get_member (props, "latitude"));
  if (json_object_has_member (props, "longitude"))
    longitude = json_node_ref (json_object_get_member (props, "longitude"));
  json_object_remove_member (props, "latitude");
  json_object_remove_member (props, "longitude");
  json_object_set_member (props, TG_GEOJSON_REVISION_MEMBER, tg_revision_to_json (rev));
  if (flags & TG_EXPORT_CUSTODY)
    {
      JsonNode *custody = custody_to_json (store, report, error);

      if (custody == NULL)
        return NULL;
      json_object_set_member (props, TG_GEOJSON_CUSTODY_MEMBER, custody);
    }

  return feature_new (id, latitude, longitude, g_steal_pointer (&props_node));
}

/* Built from the report, with people masked: for the public, and for the
 * organisation when the report names someone without consent (the
 * revision, which holds the names, is left out then). */
static JsonNode *
build_masked_feature (TgStore       *store,
                      TgReport      *report,
                      TgExportFlags  flags,
                      GError       **error)
{
  g_autoptr(JsonNode) props_node = tg_report_to_json (report);
  g_autoptr(JsonNode) latitude = NULL;
  g_autoptr(JsonNode) longitude = NULL;
  JsonObject *props = json_node_get_object (props_node);

  if (tg_report_has_location (report))
    {
      latitude = json_node_init_double (json_node_alloc (), tg_report_get_latitude (report));
      longitude = json_node_init_double (json_node_alloc (), tg_report_get_longitude (report));
    }
  json_object_remove_member (props, "latitude");
  json_object_remove_member (props, "longitude");
  mask_people (props, report, flags);
  json_object_set_boolean_member (props, TG_GEOJSON_WITHHELD_MEMBER, TRUE);
  if ((flags & TG_EXPORT_CUSTODY) && !(flags & TG_EXPORT_PUBLIC))
    {
      JsonNode *custody = custody_to_json (store, report, error);

      if (custody == NULL)
        return NULL;
      json_object_set_member (props, TG_GEOJSON_CUSTODY_MEMBER, custody);
    }

  return feature_new (tg_report_get_id (report), latitude, longitude, g_steal_pointer (&props_node));
}

static char *
rev_id_for_rowid (TgStore  *store,
                  gint64    rowid,
                  GError  **error)
{
  char *rev_id = NULL;

  if (!tg_store_get_rev_id (store, rowid, &rev_id, error))
    return NULL;
  if (rev_id == NULL)
    g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND,
                 _("A report went missing during the export."));
  return rev_id;
}

static gboolean
write_str (GOutputStream  *stream,
           const char     *str,
           GCancellable   *cancellable,
           GError        **error)
{
  return g_output_stream_write_all (stream, str, strlen (str), NULL, cancellable, error);
}

static gboolean
write_features (TgStore              *store,
                const TgReportQuery  *query,
                GOutputStream        *stream,
                TgExportFlags         flags,
                TgProgress           *progress,
                guint                *n_exported,
                Written              *written,
                GCancellable         *cancellable,
                GError              **error)
{
  g_autoptr(GArray) rowids = NULL;
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  guint n = 0;

  if (!(rowids = select_rowids (store, query, error)))
    return FALSE;

  tg_progress_report (progress, 0, rowids->len, TRUE);

  if (!write_str (stream, "{\"type\":\"FeatureCollection\",\"testigo:format\":1,\"features\":[",
                  cancellable, error))
    return FALSE;

  for (guint i = 0; i < rowids->len; i++)
    {
      g_autoptr(TgReport) report = NULL;
      g_autoptr(JsonNode) feature = NULL;
      g_autofree char *text = NULL;
      gsize len;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      report = tg_store_load_report_by_rowid (store, g_array_index (rowids, gint64, i), error);
      if (report == NULL)
        return FALSE;
      if ((flags & TG_EXPORT_PUBLIC) || report_withholds (report, flags))
        {
          if (!(feature = build_masked_feature (store, report, flags, error)))
            return FALSE;
        }
      else
        {
          g_autofree char *rev_id = rev_id_for_rowid (store, g_array_index (rowids, gint64, i), error);

          /* The report loaded from the row is the state of that revision. */
          if (rev_id == NULL || !(feature = build_feature (store, rev_id, report, flags, error)))
            return FALSE;
        }

      json_generator_set_root (generator, feature);
      text = json_generator_to_data (generator, &len);
      if (!write_str (stream, n > 0 ? ",\n" : "\n", cancellable, error) ||
          !g_output_stream_write_all (stream, text, len, NULL, cancellable, error))
        return FALSE;
      written_add (written, report);
      n++;
      tg_progress_report (progress, n, rowids->len, FALSE);
    }

  if (!write_str (stream, "\n]}\n", cancellable, error))
    return FALSE;

  tg_progress_report (progress, n, rowids->len, TRUE);
  if (n_exported != NULL)
    *n_exported = n;
  return TRUE;
}

static gboolean
export_geojson (TgStore              *store,
                const TgReportQuery  *query,
                GOutputStream        *stream,
                TgExportFlags         flags,
                TgProgress           *progress,
                guint                *n_exported,
                Written              *written,
                GCancellable         *cancellable,
                GError              **error)
{
  return write_features (store, query, stream, flags, progress, n_exported, written,
                         cancellable, error);
}

/* CSV -------------------------------------------------------------------- */

/* One row a report, its cells from the column table (tg-export-columns.h). */
static gboolean
write_csv_row (TgCsvWriter    *writer,
               TgReport       *report,
               TgExportFlags   flags,
               GCancellable   *cancellable,
               GError        **error)
{
  guint n_columns;
  const TgExportColumn *columns = tg_export_columns (&n_columns);
  g_autofree char **fields = g_new0 (char *, n_columns);
  gboolean ok;

  for (guint i = 0; i < n_columns; i++)
    fields[i] = columns[i].format (report, flags);

  ok = tg_csv_writer_write_row (writer, (const char * const *) fields, n_columns, cancellable, error);
  for (guint i = 0; i < n_columns; i++)
    g_free (fields[i]);
  return ok;
}

static gboolean
export_csv (TgStore              *store,
            const TgReportQuery  *query,
            GOutputStream        *stream,
            TgExportFlags         flags,
            TgProgress           *progress,
            guint                *n_exported,
            Written              *written,
            GCancellable         *cancellable,
            GError              **error)
{
  g_autoptr(GArray) rowids = NULL;
  g_autoptr(TgCsvWriter) writer = tg_csv_writer_new (stream, TG_CSV_GUARD_FORMULAS);
  guint n = 0;

  if (!(rowids = select_rowids (store, query, error)))
    return FALSE;

  tg_progress_report (progress, 0, rowids->len, TRUE);

  if (!tg_csv_writer_write_row (writer, tg_export_column_names (), -1, cancellable, error))
    return FALSE;

  for (guint i = 0; i < rowids->len; i++)
    {
      g_autoptr(TgReport) report = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      report = tg_store_load_report_by_rowid (store, g_array_index (rowids, gint64, i), error);
      if (report == NULL || !write_csv_row (writer, report, flags, cancellable, error))
        return FALSE;
      written_add (written, report);
      n++;
      tg_progress_report (progress, n, rowids->len, FALSE);
    }

  tg_progress_report (progress, n, rowids->len, TRUE);
  if (n_exported != NULL)
    *n_exported = n;
  return TRUE;
}

/* Files ------------------------------------------------------------------ */

typedef gboolean (*ExportFunc) (TgStore *, const TgReportQuery *, GOutputStream *,
                                TgExportFlags, TgProgress *, guint *, Written *,
                                GCancellable *, GError **);

/* "exported" in the custody log for each report written, in one
 * transaction of the store's. The detail says which export it was and
 * which revision was written (see tg-export.h). */
static gboolean
log_exported (TgStore        *store,
              ExportFunc      func,
              TgExportFlags   flags,
              Written        *written,
              GError        **error)
{
  g_autoptr(GPtrArray) details = g_ptr_array_new_with_free_func (g_free);
  const char *format = func == export_csv ? "csv" : "geojson";
  const char *audience = (flags & TG_EXPORT_PUBLIC) ? "public" : "organisation";

  for (guint i = 0; i < written->rev_ids->len; i++)
    g_ptr_array_add (details, g_strdup_printf ("format=%s audience=%s revision=%s",
                                               format, audience,
                                               (char *) written->rev_ids->pdata[i]));
  return tg_store_append_custody_events (store, TG_CUSTODY_EXPORTED, written->report_ids->len,
                                         (const char * const *) written->report_ids->pdata,
                                         (const char * const *) details->pdata, error);
}

static gboolean
export_to_file (ExportFunc            func,
                TgStore              *store,
                const TgReportQuery  *query,
                GFile                *file,
                TgExportFlags         flags,
                TgProgress           *progress,
                guint                *n_exported,
                GCancellable         *cancellable,
                GError              **error)
{
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GOutputStream) buffered = NULL;
  g_autoptr(GError) local_error = NULL;
  Written written;
  gboolean existed;
  guint n = 0;

  /* GLib replaces a file that exists through a temporary one, but writes
   * a new one in place: a failed export then removes what it began, a
   * half-written file that may name people. */
  existed = g_file_query_exists (file, NULL);
  /* Private: the file may name people. */
  out = g_file_replace (file, NULL, FALSE,
                        G_FILE_CREATE_REPLACE_DESTINATION | G_FILE_CREATE_PRIVATE,
                        cancellable, error);
  if (out == NULL)
    return FALSE;
  buffered = g_buffered_output_stream_new_sized (G_OUTPUT_STREAM (out), 256 * 1024);

  written_init (&written);
  if (!func (store, query, buffered, flags, progress, &n, &written, cancellable, &local_error) ||
      !g_output_stream_flush (buffered, cancellable, &local_error))
    {
      /* A cancelled close leaves the original file in place. */
      g_autoptr(GCancellable) abort = g_cancellable_new ();

      g_cancellable_cancel (abort);
      g_output_stream_close (G_OUTPUT_STREAM (out), abort, NULL);
      if (!existed)
        g_file_delete (file, NULL, NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      written_clear (&written);
      return FALSE;
    }
  if (!g_output_stream_close (buffered, cancellable, error))
    {
      if (!existed)
        g_file_delete (file, NULL, NULL);
      written_clear (&written);
      return FALSE;
    }

  /* The file is in place: the export happened, whatever is cancelled now.
   * Logged only now, so that a failed or cancelled export logs nothing. */
  if (!log_exported (store, func, flags, &written, &local_error))
    {
      g_autofree char *name = g_file_get_parse_name (file);

      g_set_error (error, local_error->domain, local_error->code,
                   /* Translators: %s is the file; the second %s the store's own message */
                   _("The reports were exported to %s, but the custody log could not record it: %s"),
                   name, local_error->message);
      written_clear (&written);
      return FALSE;
    }
  written_clear (&written);

  if (n_exported != NULL)
    *n_exported = n;
  return TRUE;
}

gboolean
tg_export_csv_to_stream (TgStore              *store,
                         const TgReportQuery  *query,
                         GOutputStream        *stream,
                         TgExportFlags         flags,
                         TgProgressFunc  progress,
                         gpointer              progress_data,
                         guint                *n_exported,
                         GCancellable         *cancellable,
                         GError              **error)
{
  g_autoptr(TgProgress) p = tg_progress_new (progress, progress_data, NULL, NULL, TG_PROGRESS_INTERVAL_MS);

  g_return_val_if_fail (TG_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);
  return export_csv (store, query, stream, flags, p, n_exported, NULL, cancellable, error);
}

gboolean
tg_export_geojson (TgStore              *store,
                   const TgReportQuery  *query,
                   GFile                *file,
                   TgExportFlags         flags,
                   TgProgressFunc  progress,
                   gpointer              progress_data,
                   guint                *n_exported,
                   GCancellable         *cancellable,
                   GError              **error)
{
  g_autoptr(TgProgress) p = tg_progress_new (progress, progress_data, NULL, NULL, TG_PROGRESS_INTERVAL_MS);

  g_return_val_if_fail (TG_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  return export_to_file (export_geojson, store, query, file, flags, p, n_exported,
                         cancellable, error);
}

gboolean
tg_export_csv (TgStore              *store,
               const TgReportQuery  *query,
               GFile                *file,
               TgExportFlags         flags,
               TgProgressFunc  progress,
               gpointer              progress_data,
               guint                *n_exported,
               GCancellable         *cancellable,
               GError              **error)
{
  g_autoptr(TgProgress) p = tg_progress_new (progress, progress_data, NULL, NULL, TG_PROGRESS_INTERVAL_MS);

  g_return_val_if_fail (TG_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  return export_to_file (export_csv, store, query, file, flags, p, n_exported,
                         cancellable, error);
}

/* Async ------------------------------------------------------------------ */

typedef struct
{
  ExportFunc     func;
  TgStore       *store;
  TgReportQuery *query;
  GFile         *file;
  TgExportFlags  flags;
  TgProgress    *progress;
  char         **ids;
} ExportData;

static void
export_data_free (gpointer user_data)
{
  ExportData *data = user_data;

  g_clear_object (&data->store);
  g_clear_pointer (&data->query, tg_report_query_free);
  g_clear_object (&data->file);
  g_clear_pointer (&data->progress, tg_progress_unref);
  g_strfreev (data->ids);
  g_free (data);
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportData *data = task_data;
  GError *error = NULL;
  guint n = 0;

  gboolean ok;

  g_private_set (&export_ids, data->ids);
  ok = export_to_file (data->func, data->store, data->query, data->file, data->flags,
                       data->progress, &n, cancellable, &error);
  g_private_set (&export_ids, NULL);
  if (ok)
    g_task_return_int (task, n);
  else
    g_task_return_error (task, error);
}

static void
export_async (ExportFunc            func,
              gpointer              source_tag,
              TgStore              *store,
              const TgReportQuery  *query,
              GFile                *file,
              TgExportFlags         flags,
              TgProgressFunc  progress,
              gpointer              progress_data,
              GDestroyNotify        progress_notify,
              GCancellable         *cancellable,
              GAsyncReadyCallback   callback,
              gpointer              user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ExportData *data = g_new0 (ExportData, 1);

  g_task_set_source_tag (task, source_tag);
  data->func = func;
  data->store = g_object_ref (store);
  data->query = query ? tg_report_query_copy (query) : NULL;
  data->file = g_object_ref (file);
  data->flags = flags;
  data->progress = tg_progress_new (progress, progress_data, progress_notify,
                                     g_main_context_get_thread_default ()
                                       ? g_main_context_get_thread_default ()
                                       : g_main_context_default (),
                                    TG_PROGRESS_INTERVAL_MS);
  g_task_set_task_data (task, data, export_data_free);
  g_task_run_in_thread (task, export_thread);
}

static gboolean
export_finish (GAsyncResult  *result,
               gpointer       source_tag,
               guint         *n_exported,
               GError       **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  n = g_task_propagate_int (G_TASK (result), error);
  if (n < 0)
    return FALSE;
  if (n_exported != NULL)
    *n_exported = n;
  return TRUE;
}

void
tg_export_csv_async (TgStore              *store,
                     const TgReportQuery  *query,
                     GFile                *file,
                     TgExportFlags         flags,
                     TgProgressFunc  progress,
                     gpointer              progress_data,
                     GDestroyNotify        progress_notify,
                     GCancellable         *cancellable,
                     GAsyncReadyCallback   callback,
                     gpointer              user_data)
{
  g_return_if_fail (TG_IS_STORE (store));
  g_return_if_fail (G_IS_FILE (file));
  export_async (export_csv, tg_export_csv_async, store, query, file, flags,
                progress, progress_data, progress_notify, cancellable, callback, user_data);
}

gboolean
tg_export_csv_finish (GAsyncResult  *result,
                      guint         *n_exported,
                      GError       **error)
{
  return export_finish (result, tg_export_csv_async, n_exported, error);
}

void
tg_export_file_async (TgStore              *store,
                      const TgReportQuery  *query,
                      const char * const   *ids,
                      GFile                *file,
                      TgExportFormat        format,
                      TgExportFlags         flags,
                      TgProgressFunc  progress,
                      gpointer              progress_data,
                      GDestroyNotify        progress_notify,
                      GCancellable         *cancellable,
                      GAsyncReadyCallback   callback,
                      gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  ExportData *data;
  GMainContext *context = g_main_context_get_thread_default ();

  g_return_if_fail (TG_IS_STORE (store));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (NULL, cancellable, callback, user_data);
  data = g_new0 (ExportData, 1);
  g_task_set_source_tag (task, tg_export_file_async);
  data->func = format == TG_EXPORT_FORMAT_CSV ? export_csv : export_geojson;
  data->store = g_object_ref (store);
  data->query = query ? tg_report_query_copy (query) : NULL;
  data->ids = g_strdupv ((char **) ids);
  data->file = g_object_ref (file);
  data->flags = flags;
  data->progress = tg_progress_new (progress, progress_data, progress_notify,
                                     context ? context : g_main_context_default (),
                                     TG_PROGRESS_INTERVAL_MS);
  g_task_set_task_data (task, data, export_data_free);
  g_task_run_in_thread (task, export_thread);
}

gboolean
tg_export_file_finish (GAsyncResult  *result,
                       guint         *n_exported,
                       GError       **error)
{
  return export_finish (result, tg_export_file_async, n_exported, error);
}

TgExportFormat
tg_export_format_for_file (GFile *file)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *lower = name ? g_ascii_strdown (name, -1) : NULL;

  return lower != NULL && g_str_has_suffix (lower, ".csv") ? TG_EXPORT_FORMAT_CSV
                                                          : TG_EXPORT_FORMAT_GEOJSON;
}
