/* tg-import.c — GeoJSON and CSV imports: a streaming scanner, a spool, batched writes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-import"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tg-csv.h"
#include "tg-exchange-private.h"
#include "tg-import.h"
#include "tg-json-scanner.h"
#include "tg-export-columns.h"

/* Helpers ---------------------------------------------------------------- */

#define CHUNK_SIZE (64 * 1024)
/* The start of a file that is checked for binary data. */
#define PROBE_SIZE (64 * 1024)
/* Revisions or reports written to the store per call. */
#define BATCH_SIZE 256

/* Refuses binary data (an image renamed .geojson/.csv) before parsing.
 * @data is the start of the file: a UTF-8 sequence cut at its end is
 * allowed (the parser finds a file cut short). */
static gboolean
check_text (const char  *data,
            gsize        length,
            const char  *format,
            GError     **error)
{
  gsize probe = MIN (length, PROBE_SIZE);
  const char *end = NULL;
  gboolean ok;

  ok = memchr (data, '\0', probe) == NULL;
  if (ok && !g_utf8_validate_len (data, length, &end))
    ok = (data + length) - end < 4 &&
         g_utf8_get_char_validated (end, (data + length) - end) == (gunichar) -2;
  if (!ok)
    {
      g_autofree char *type = g_content_type_guess (NULL, (const guchar *) data, probe, NULL);
      g_autofree char *desc = NULL;

      /* Name the kind of file only when it is known: "application/
       * octet-stream" is described as "unknown", which says nothing. */
      if (type != NULL && !g_content_type_is_unknown (type) &&
          !g_content_type_equals (type, "application/octet-stream") &&
          !g_content_type_is_a (type, "text/plain"))
        desc = g_content_type_get_description (type);
      if (desc != NULL)
        g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                     /* TRANSLATORS: the first %s is GeoJSON or CSV, the
                      * second a kind of file such as "PNG image" */
                     _("This is not a %s file: it holds binary data (it looks like %s). "
                       "Nothing was imported."), format, desc);
      else
        g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                     /* TRANSLATORS: %s is GeoJSON or CSV */
                     _("This is not a %s file: it holds binary data. Nothing was imported."),
                     format);
      return FALSE;
    }
  return TRUE;
}

static gboolean
is_blank (const char *data,
          gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if (data[i] != ' ' && data[i] != '\t' && data[i] != '\n' && data[i] != '\r')
      return FALSE;
  return TRUE;
}

static gboolean
empty_error (GError     **error,
             const char  *format)
{
  g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
               /* TRANSLATORS: %s is GeoJSON or CSV */
               _("This file is empty: it holds no %s data. Nothing was imported."), format);
  return FALSE;
}

/* Reads the first PROBE_SIZE bytes of @stream (or all of it) into its
 * buffer and checks them with check_text(). */
static gboolean
check_stream_start (GBufferedInputStream  *stream,
                    const char            *format,
                    GCancellable          *cancellable,
                    GError               **error)
{
  const char *data;
  gsize available;
  gboolean eof = FALSE;

  while (!eof && g_buffered_input_stream_get_available (stream) < PROBE_SIZE)
    {
      gssize n = g_buffered_input_stream_fill (stream, PROBE_SIZE, cancellable, error);

      if (n < 0)
        return FALSE;
      eof = n == 0;
    }
  data = g_buffered_input_stream_peek_buffer (stream, &available);
  /* Empty, or only line ends and spaces (a byte-order mark at most). */
  if (eof && available >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    {
      if (is_blank (data + 3, available - 3))
        return empty_error (error, format);
    }
  else if (eof && is_blank (data, available))
    return empty_error (error, format);
  return check_text (data, available, format, error);
}

static gboolean
parse_time (const char  *str,
            GDateTime  **time,
            gboolean    *date_only)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

  *date_only = FALSE;
  *time = g_date_time_new_from_iso8601 (str, utc);
  if (*time == NULL && strlen (str) == 10)
    {
      g_autofree char *full = g_strconcat (str, "T00:00:00Z", NULL);

      *time = g_date_time_new_from_iso8601 (full, utc);
      *date_only = *time != NULL;
    }
  return *time != NULL;
}

static char **
split_list (const char *str)
{
  g_auto(GStrv) parts = g_strsplit_set (str, ";", -1);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *item = g_strstrip (parts[i]);

      if (*item != '\0')
        g_ptr_array_add (out, g_strdup (item));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

static gboolean
id_known (TgStore    *store,
          const char *id)
{
  g_autoptr(GPtrArray) heads = tg_store_list_heads (store, id, NULL);

  return heads != NULL && heads->len > 0;
}

static gboolean
revision_known (TgStore    *store,
                const char *rev_id)
{
  g_autoptr(TgRevision) rev = tg_store_get_revision (store, rev_id, NULL);

  return rev != NULL;
}

/* Spool ------------------------------------------------------------------ */

/* What an import has checked and will write once the whole file is
 * known to be good: revisions (their wire form) and reports (their JSON
 * and base revision), as length-prefixed records in two unlinked
 * temporary files, so that memory does not grow with the file. */
typedef struct
{
  FILE        *revisions;
  FILE        *reports;
  guint        n_revisions;
  guint        n_reports;
  /* What the checks need besides the spool itself. */
  TgStore     *store;        /* not owned */
  GHashTable  *seen;         /* ids of revisions and reports met in the file */
  guint        n_skipped;    /* features or rows already in the store */
  TgProgress  *progress;     /* not owned; nullable */
  GSeekable   *seekable;     /* not owned: the file, for the bytes read */
  guint        total_kib;
} Spool;

static void
spool_report_progress (Spool    *spool,
                       gboolean  force)
{
  goffset at;

  if (spool->progress == NULL || spool->seekable == NULL)
    return;
  at = g_seekable_tell (spool->seekable);
  tg_progress_report (spool->progress, MIN ((guint) (at / 1024), spool->total_kib),
                       spool->total_kib, force);
}

static void
spool_free (Spool *spool)
{
  if (spool == NULL)
    return;
  g_clear_pointer (&spool->seen, g_hash_table_unref);
  if (spool->revisions != NULL)
    fclose (spool->revisions);
  if (spool->reports != NULL)
    fclose (spool->reports);
  g_free (spool);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Spool, spool_free)

static gboolean
spool_error (GError **error,
             int      saved_errno)
{
  g_set_error (error, TG_ERROR, TG_ERROR_FAILED,
               _("Cannot write the temporary file of the import: %s. Nothing was imported."),
               g_strerror (saved_errno));
  return FALSE;
}

/* In the store's own directory: private to the user like the store, on
 * the same disk (not a RAM-backed /tmp), and unlinked at once so that it
 * goes away when closed, even after a crash. */
static FILE *
spool_open_file (TgStore  *store,
                 GError  **error)
{
  g_autofree char *path = NULL;
  FILE *file;
  int fd;

  if (tg_store_get_directory (store) != NULL)
    {
      path = g_build_filename (tg_store_get_directory (store), ".import-XXXXXX", NULL);
      fd = g_mkstemp_full (path, O_RDWR, 0600);
      if (fd < 0)
        {
          spool_error (error, errno);
          return NULL;
        }
    }
  else if ((fd = g_file_open_tmp ("testigo-import-XXXXXX", &path, error)) < 0)
    return NULL;
  g_unlink (path);
  file = fdopen (fd, "w+b");
  if (file == NULL)
    {
      int saved_errno = errno;

      close (fd);
      spool_error (error, saved_errno);
    }
  return file;
}

static Spool *
spool_new (TgStore  *store,
           GError  **error)
{
  g_autoptr(Spool) spool = g_new0 (Spool, 1);

  spool->store = store;
  spool->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (!(spool->revisions = spool_open_file (store, error)) ||
      !(spool->reports = spool_open_file (store, error)))
    return NULL;
  return g_steal_pointer (&spool);
}

static void
spool_set_progress (Spool        *spool,
                    GInputStream *input,
                    TgProgress   *progress)
{
  g_autoptr(GFileInfo) info = NULL;

  if (progress == NULL || !G_IS_FILE_INPUT_STREAM (input) || !G_IS_SEEKABLE (input))
    return;
  info = g_file_input_stream_query_info (G_FILE_INPUT_STREAM (input),
                                         G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, NULL);
  spool->progress = progress;
  spool->seekable = G_SEEKABLE (input);
  spool->total_kib = info ? (guint) MIN (g_file_info_get_size (info) / 1024, G_MAXUINT) : 0;
  spool_report_progress (spool, TRUE);
}

static gboolean
spool_put (FILE        *file,
           const char  *data,
           GError     **error)
{
  guint32 length = data ? strlen (data) : 0;

  if (fwrite (&length, sizeof length, 1, file) != 1 ||
      (length > 0 && fwrite (data, 1, length, file) != length))
    return spool_error (error, errno);
  return TRUE;
}

/* Returns: (transfer full) the next string, "" for an empty one, NULL at
 * the end or on error. */
static char *
spool_get (FILE    *file,
           GError **error)
{
  g_autofree char *data = NULL;
  guint32 length;

  if (fread (&length, sizeof length, 1, file) != 1)
    {
      if (ferror (file))
        spool_error (error, errno);
      return NULL;
    }
  data = g_malloc (length + 1);
  if (length > 0 && fread (data, 1, length, file) != length)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_FAILED,
                           _("The temporary file of the import was cut short. "
                             "The import stopped."));
      return NULL;
    }
  data[length] = '\0';
  return g_steal_pointer (&data);
}

static gboolean
spool_add_revision (Spool       *spool,
                    TgRevision  *rev,
                    GError     **error)
{
  g_autoptr(JsonNode) node = tg_revision_to_json (rev);
  g_autofree char *json = json_to_string (node, FALSE);

  spool->n_revisions++;
  return spool_put (spool->revisions, json, error);
}

static gboolean
spool_add_report (Spool     *spool,
                  TgReport  *report,
                  GError   **error)
{
  g_autofree char *json = tg_report_to_json_string (report);
  const char * const *base = tg_report_get_base_revisions (report);

  spool->n_reports++;
  return spool_put (spool->reports, json, error) &&
         spool_put (spool->reports, base && base[0] ? base[0] : NULL, error);
}

/* Writes what was spooled: the revisions first, then the reports (some
 * of which are edits on top of those revisions), BATCH_SIZE at a time.
 *
 * Each tg_store_insert_revisions() or tg_store_save_reports() call is one
 * transaction of its own (both run BEGIN IMMEDIATE and do not nest inside
 * a transaction of the caller), so the write is atomic per batch only:
 * everything was checked before the first batch, but a failure of the
 * disk in the middle leaves the batches already written. Importing the
 * same file again then completes it (revisions already present are
 * skipped). */
static gboolean
spool_write (Spool         *spool,
             TgStore       *store,
             guint         *n_written,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (g_object_unref);
  guint count = 0;
  gint64 start = g_get_monotonic_time ();
  char *json;

  *n_written = 0;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (fflush (spool->revisions) != 0 || fflush (spool->reports) != 0)
    return spool_error (error, errno);
  rewind (spool->revisions);
  rewind (spool->reports);

  for (guint i = 0; i < spool->n_revisions; i++)
    {
      g_autoptr(JsonNode) node = NULL;
      TgRevision *rev;

      json = spool_get (spool->revisions, error);
      if (json == NULL)
        return FALSE;
      node = json_from_string (json, error);
      g_free (json);
      if (node == NULL || !(rev = tg_revision_new_from_json (node, error)))
        return FALSE;
      g_ptr_array_add (batch, rev);
      if (batch->len == BATCH_SIZE || i + 1 == spool->n_revisions)
        {
          guint n = 0;

          if (!tg_store_insert_revisions (store, batch, &n, error))
            return FALSE;
          count += n;
          g_ptr_array_set_size (batch, 0);
        }
    }

  for (guint i = 0; i < spool->n_reports; i++)
    {
      g_autofree char *base = NULL;
      TgReport *report;

      json = spool_get (spool->reports, error);
      if (json == NULL || !(base = spool_get (spool->reports, error)))
        {
          g_free (json);
          return FALSE;
        }
      report = tg_report_new_from_json_string (json, -1, error);
      g_free (json);
      if (report == NULL)
        return FALSE;
      if (*base != '\0')
        {
          const char *bases[] = { base, NULL };

          tg_report_set_base_revisions (report, bases);
        }
      g_ptr_array_add (batch, report);
      if (batch->len == BATCH_SIZE || i + 1 == spool->n_reports)
        {
          if (!tg_store_save_reports (store, batch, error))
            return FALSE;
          count += batch->len;
          g_ptr_array_set_size (batch, 0);
        }
    }

  g_debug ("wrote %u revisions and %u reports in %.2f s", spool->n_revisions,
           spool->n_reports, (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  *n_written = count;
  return TRUE;
}

/* GeoJSON ---------------------------------------------------------------- */

static gboolean
feature_error (GError     **error,
               guint        index,
               const char  *problem)
{
  g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
               _("Feature %u of the GeoJSON file is invalid: %s. Nothing was imported."),
               index, problem);
  return FALSE;
}

static gboolean
is_number (JsonNode *node)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

static gboolean
parse_geometry (JsonNode  *node,
                guint      index,
                double    *latitude,
                double    *longitude,
                GError   **error)
{
  static const char * const other_types[] = {
    "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
    "GeometryCollection", NULL
  };
  JsonObject *object;
  JsonNode *type;
  JsonArray *coords;
  double lon, lat;

  *latitude = *longitude = NAN;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return feature_error (error, index, _("\"geometry\" must be an object or null"));

  object = json_node_get_object (node);
  type = json_object_get_member (object, "type");
  if (type == NULL || json_node_get_value_type (type) != G_TYPE_STRING)
    return feature_error (error, index, _("the geometry has no \"type\""));
  if (g_strv_contains (other_types, json_node_get_string (type)))
    return TRUE;  /* shapes other than a point give no single location */
  if (!g_str_equal (json_node_get_string (type), "Point"))
    return feature_error (error, index, _("the geometry type is unknown"));

  node = json_object_get_member (object, "coordinates");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      (coords = json_node_get_array (node), json_array_get_length (coords) < 2) ||
      json_array_get_length (coords) > 3 ||
      !is_number (json_array_get_element (coords, 0)) ||
      !is_number (json_array_get_element (coords, 1)))
    return feature_error (error, index,
                          _("a point needs \"coordinates\": [longitude, latitude]"));

  lon = json_array_get_double_element (coords, 0);
  lat = json_array_get_double_element (coords, 1);
  if (!isfinite (lon) || !isfinite (lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90)
    {
      g_autofree char *problem =
        g_strdup_printf (_("the coordinates [%g, %g] are out of range "
                           "(GeoJSON gives longitude, from -180 to 180, then latitude, "
                           "from -90 to 90)"), lon, lat);
      return feature_error (error, index, problem);
    }
  *latitude = lat;
  *longitude = lon;
  return TRUE;
}

/* The first of @names present in @props; a present value of the wrong type
 * is an error. */
static JsonNode *
find_property (JsonObject         *props,
               const char * const *names,
               const char        **found)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      JsonNode *node = json_object_get_member (props, names[i]);

      if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
        {
          *found = names[i];
          return node;
        }
    }
  return NULL;
}

static gboolean
get_string_prop (JsonObject          *props,
                 const char * const  *names,
                 guint                index,
                 const char         **value,
                 GError             **error)
{
  const char *found = NULL;
  JsonNode *node = find_property (props, names, &found);

  *value = NULL;
  if (node == NULL)
    return TRUE;
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_autofree char *problem = g_strdup_printf (_("the property \"%s\" must be text"), found);
      return feature_error (error, index, problem);
    }
  *value = json_node_get_string (node);
  return TRUE;
}

static gboolean
get_count_prop (JsonObject          *props,
                const char * const  *names,
                guint                index,
                int                 *value,
                GError             **error)
{
  const char *found = NULL;
  JsonNode *node = find_property (props, names, &found);
  double v;

  *value = -1;
  if (node == NULL)
    return TRUE;
  if (is_number (node))
    v = json_node_get_double (node);
  else if (json_node_get_value_type (node) == G_TYPE_STRING &&
           *json_node_get_string (node) != '\0')
    {
      char *end;

      v = g_ascii_strtod (json_node_get_string (node), &end);
      if (*end != '\0')
        v = NAN;
    }
  else
    v = NAN;

  if (!isfinite (v) || v < -1 || v > G_MAXINT || v != floor (v))
    {
      g_autofree char *problem =
        g_strdup_printf (_("the property \"%s\" must be a whole number"), found);
      return feature_error (error, index, problem);
    }
  *value = (int) v;
  return TRUE;
}

static gboolean
get_list_prop (JsonObject          *props,
               const char * const  *names,
               guint                index,
               char              ***value,
               GError             **error)
{
  const char *found = NULL;
  JsonNode *node = find_property (props, names, &found);
  g_autofree char *problem = NULL;

  *value = NULL;
  if (node == NULL)
    return TRUE;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    {
      *value = split_list (json_node_get_string (node));
      return TRUE;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);

          if (json_node_get_value_type (item) != G_TYPE_STRING)
            goto wrong;
          g_strv_builder_add (builder, json_node_get_string (item));
        }
      *value = g_strv_builder_end (builder);
      return TRUE;
    }

wrong:
  problem = g_strdup_printf (_("the property \"%s\" must be a list of texts"), found);
  return feature_error (error, index, problem);
}

#define NAMES(...) ((const char * const []) { __VA_ARGS__, NULL })

static TgReport *
report_from_foreign (JsonObject  *props,
                     double       latitude,
                     double       longitude,
                     guint        index,
                     GError     **error)
{
  g_autoptr(TgReport) report = tg_report_new ();
  g_auto(GStrv) categories = NULL;
  g_auto(GStrv) tags = NULL;
  g_auto(GStrv) perpetrators = NULL;
  const char *str;
  int count;
  gboolean date_only = FALSE;
  JsonNode *node;
  const char *found;

  if (!get_string_prop (props, NAMES ("title", "name", "titulo", "título"), index, &str, error))
    return NULL;
  tg_report_set_title (report, str);
  if (!get_string_prop (props, NAMES ("narrative", "description", "descripcion", "descripción"),
                        index, &str, error))
    return NULL;
  tg_report_set_narrative (report, str);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GDateTime) time = NULL;

      if (!get_string_prop (props,
                            i == 0 ? NAMES ("start", "date", "fecha", "time", "timestamp")
                                   : NAMES ("end"),
                            index, &str, error))
        return NULL;
      if (str == NULL)
        continue;
      if (!parse_time (str, &time, &date_only))
        {
          g_autofree char *problem =
            g_strdup_printf (_("\"%s\" is not a date (expected ISO 8601, such as 2023-01-09)"), str);
          feature_error (error, index, problem);
          return NULL;
        }
      if (i == 0)
        {
          tg_report_set_start (report, time);
          if (date_only)
            tg_report_set_date_precision (report, TG_DATE_PRECISION_DAY);
        }
      else
        tg_report_set_end (report, time);
    }

  if (!get_string_prop (props, NAMES ("date_precision"), index, &str, error))
    return NULL;
  if (str != NULL)
    {
      TgDatePrecision precision;

      if (tg_date_precision_from_string (str, &precision))
        tg_report_set_date_precision (report, precision);
    }

  if (!isnan (latitude))
    {
      TgLocationMethod method = TG_LOCATION_METHOD_TYPED;

      if (!get_string_prop (props, NAMES ("location_method"), index, &str, error))
        return NULL;
      if (str != NULL && !tg_location_method_from_string (str, &method))
        method = TG_LOCATION_METHOD_TYPED;
      tg_report_set_location (report, latitude, longitude, method);

      node = find_property (props, NAMES ("uncertainty_m"), &found);
      if (node != NULL)
        {
          if (!is_number (node) || json_node_get_double (node) < 0)
            {
              feature_error (error, index, _("\"uncertainty_m\" must be a distance in metres"));
              return NULL;
            }
          tg_report_set_uncertainty (report, json_node_get_double (node));
        }
    }

  if (!get_string_prop (props, NAMES ("place_name", "place", "lugar", "location"), index, &str, error))
    return NULL;
  tg_report_set_place_name (report, str);
  if (!get_string_prop (props, NAMES ("region_code", "region"), index, &str, error))
    return NULL;
  tg_report_set_region_code (report, str);
  if (!get_string_prop (props, NAMES ("province_code", "province"), index, &str, error))
    return NULL;
  tg_report_set_province_code (report, str);
  if (!get_string_prop (props, NAMES ("perpetrator_unit"), index, &str, error))
    return NULL;
  tg_report_set_perpetrator_unit (report, str);

  if (!get_list_prop (props, NAMES ("categories", "category"), index, &categories, error) ||
      !get_list_prop (props, NAMES ("tags"), index, &tags, error) ||
      !get_list_prop (props, NAMES ("perpetrators", "perpetrator"), index, &perpetrators, error))
    return NULL;
  tg_report_set_categories (report, (const char * const *) categories);
  tg_report_set_tags (report, (const char * const *) tags);
  tg_report_set_perpetrators (report, (const char * const *) perpetrators);

  if (!get_count_prop (props, NAMES ("killed", "fatalities", "deaths", "muertos"), index, &count, error))
    return NULL;
  tg_report_set_killed (report, count);
  if (!get_count_prop (props, NAMES ("injured", "heridos"), index, &count, error))
    return NULL;
  tg_report_set_injured (report, count);
  if (!get_count_prop (props, NAMES ("detained", "detenidos"), index, &count, error))
    return NULL;
  tg_report_set_detained (report, count);
  if (!get_count_prop (props, NAMES ("disappeared", "desaparecidos"), index, &count, error))
    return NULL;
  tg_report_set_disappeared (report, count);

  if (!get_string_prop (props, NAMES ("status"), index, &str, error))
    return NULL;
  if (str != NULL)
    {
      TgReportStatus status;

      if (tg_report_status_from_string (str, &status))
        tg_report_set_status (report, status);
    }

  return g_steal_pointer (&report);
}

/* A feature we exported: the revision, and the state its properties and
 * geometry describe now (which differs when edited elsewhere). */
static gboolean
plan_own_feature (JsonObject  *props,
                  double       latitude,
                  double       longitude,
                  guint        index,
                  Spool       *spool,
                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(TgReport) original = NULL;
  g_autoptr(TgReport) current = NULL;
  g_autoptr(JsonNode) copy = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  JsonObject *state;

  rev = tg_revision_new_from_json (json_object_get_member (props, TG_GEOJSON_REVISION_MEMBER),
                                   &local_error);
  if (rev == NULL)
    {
      g_autofree char *problem = g_strdup_printf (_("its revision is damaged (%s)"),
                                                  local_error->message);
      g_set_error (error, TG_ERROR,
                   local_error->code == TG_ERROR_HASH_MISMATCH ? TG_ERROR_HASH_MISMATCH
                                                               : TG_ERROR_INVALID,
                   _("Feature %u of the GeoJSON file is invalid: %s. Nothing was imported."),
                   index, problem);
      return FALSE;
    }
  if (g_strcmp0 (tg_revision_get_kind (rev), TG_REVISION_KIND_REPORT) != 0 ||
      tg_revision_get_deleted (rev))
    return feature_error (error, index, _("its revision is not a report"));

  original = tg_report_new_from_json_string (tg_revision_get_content (rev), -1, &local_error);
  if (original == NULL)
    return feature_error (error, index, local_error->message);

  /* The state the feature shows: its properties with the geometry. */
  copy = json_node_new (JSON_NODE_OBJECT);
  state = json_object_new ();
  json_node_take_object (copy, state);
  {
    g_autoptr(GList) members = json_object_get_members (props);

    for (GList *l = members; l != NULL; l = l->next)
      if (!g_str_equal (l->data, TG_GEOJSON_REVISION_MEMBER))
        json_object_set_member (state, l->data,
                                json_node_copy (json_object_get_member (props, l->data)));
  }
  if (isnan (latitude))
    {
      json_object_set_null_member (state, "latitude");
      json_object_set_null_member (state, "longitude");
    }
  else
    {
      json_object_set_double_member (state, "latitude", latitude);
      json_object_set_double_member (state, "longitude", longitude);
    }
  current = tg_report_new_from_json (copy, &local_error);
  if (current == NULL)
    return feature_error (error, index, local_error->message);
  if (g_strcmp0 (tg_report_get_id (current), tg_revision_get_record_id (rev)) != 0)
    return feature_error (error, index, _("its id does not match its revision"));
  if (!tg_report_validate (current, &local_error))
    return feature_error (error, index, local_error->message);

  a = tg_report_to_json_string (original);
  b = tg_report_to_json_string (current);

  /* A revision this store (or this file) has already: nothing to write
   * unless the feature was edited since. */
  if (g_hash_table_contains (spool->seen, tg_revision_get_id (rev)) ||
      revision_known (spool->store, tg_revision_get_id (rev)))
    {
      if (g_str_equal (a, b))
        {
          spool->n_skipped++;
          return TRUE;
        }
    }
  else
    {
      g_hash_table_add (spool->seen, g_strdup (tg_revision_get_id (rev)));
      if (!spool_add_revision (spool, rev, error))
        return FALSE;
    }

  if (!g_str_equal (a, b))
    {
      const char *base[] = { tg_revision_get_id (rev), NULL };

      tg_report_set_base_revisions (current, base);
      return spool_add_report (spool, current, error);
    }
  return TRUE;
}

/* The members a report's JSON form has, and the geometry's. */
static gboolean
is_report_member (const char *name)
{
  static GHashTable *known;

  if (g_once_init_enter (&known))
    {
      g_autoptr(TgReport) empty = tg_report_new ();
      g_autoptr(JsonNode) node = tg_report_to_json (empty);
      g_autoptr(GList) members = json_object_get_members (json_node_get_object (node));
      GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

      for (GList *l = members; l != NULL; l = l->next)
        g_hash_table_add (set, g_strdup (l->data));
      g_hash_table_add (set, g_strdup ("latitude"));
      g_hash_table_add (set, g_strdup ("longitude"));
      g_once_init_leave (&known, set);
    }
  return g_hash_table_contains (known, name);
}

/* Properties written the way Testigo writes a report (its "format" and
 * "id"), without the revision: an export edited by hand, a public export,
 * or another tool's file in Testigo's form. */
static gboolean
is_testigo_properties (JsonObject *props)
{
  JsonNode *format = json_object_get_member (props, "format");
  JsonNode *id = json_object_get_member (props, "id");

  return format != NULL && is_number (format) && id != NULL &&
         json_node_get_value_type (id) == G_TYPE_STRING &&
         tg_is_uuid (json_node_get_string (id));
}

/* Keeps every field of the report as written (id, persons, sources with
 * their hashes…). Properties a report does not have are not dropped: they
 * are appended to the narrative under a heading, where a person sees
 * them. */
static gboolean
plan_testigo_properties (JsonObject  *props,
                         double       latitude,
                         double       longitude,
                         guint        index,
                         Spool       *spool,
                         GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) copy = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(TgReport) report = NULL;
  g_autoptr(TgReport) here = NULL;
  g_autoptr(GString) extra = g_string_new (NULL);
  g_autoptr(GList) members = json_object_get_members (props);
  JsonObject *state = json_object_new ();
  gboolean masked = FALSE;
  const char *id;

  json_node_take_object (copy, state);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *value = json_object_get_member (props, name);

      if (g_str_equal (name, TG_GEOJSON_WITHHELD_MEMBER))
        masked = JSON_NODE_HOLDS_VALUE (value) && json_node_get_boolean (value);
      else if (g_str_has_prefix (name, "testigo:"))
        continue;
      else if (is_report_member (name))
        json_object_set_member (state, name, json_node_copy (value));
      else
        {
          g_autofree char *text = NULL;

          if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
            text = g_strdup (json_node_get_string (value));
          else
            text = json_to_string (value, FALSE);
          g_string_append_printf (extra, "\n%s: %s", name, text);
        }
    }
  if (isnan (latitude))
    {
      json_object_set_null_member (state, "latitude");
      json_object_set_null_member (state, "longitude");
    }
  else
    {
      json_object_set_double_member (state, "latitude", latitude);
      json_object_set_double_member (state, "longitude", longitude);
    }

  report = tg_report_new_from_json (copy, &local_error);
  if (report == NULL)
    return feature_error (error, index, local_error->message);
  if (extra->len > 0)
    {
      const char *narrative = tg_report_get_narrative (report);
      g_autofree char *text =
        g_strdup_printf ("%s%s%s%s", narrative ? narrative : "", narrative ? "\n\n" : "",
                         _("Fields of the imported file that a Testigo report does not have:"), extra->str);

      tg_report_set_narrative (report, text);
    }
  if (!tg_report_validate (report, &local_error))
    return feature_error (error, index, local_error->message);

  id = tg_report_get_id (report);
  if (g_hash_table_contains (spool->seen, id))
    {
      g_autofree char *problem = g_strdup_printf (_("the report %s appears twice in the file"), id);
      return feature_error (error, index, problem);
    }
  g_hash_table_add (spool->seen, g_strdup (id));

  if (id_known (spool->store, id))
    {
      g_autofree char *a = NULL;
      g_autofree char *b = NULL;

      here = tg_store_load_report (spool->store, id, &local_error);
      if (here == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      a = tg_report_to_json_string (here);
      b = tg_report_to_json_string (report);
      /* The same report, or a copy with names withheld for the public:
       * never written over the full one. */
      if (g_str_equal (a, b) || masked)
        {
          spool->n_skipped++;
          return TRUE;
        }
      /* Edited by hand: an edit on top of the report as it is here. */
      tg_report_set_base_revisions (report, tg_report_get_base_revisions (here));
    }
  return spool_add_report (spool, report, error);
}

/* Streaming GeoJSON ------------------------------------------------------ */

/* The file is read in chunks. A small scanner that knows JSON strings,
 * escapes and nesting finds the members of the top-level object and each
 * element of its "features" array; json-glib parses one such piece at a
 * time, so memory follows the largest feature, not the file. */

typedef struct
{
  GInputStream  *stream;
  GCancellable  *cancellable;
  guchar        *buffer;
  gsize          len;
  gsize          pos;
  guint64        offset;   /* of buffer[0] in the file */
  gboolean       eof;
  GString       *capture;  /* bytes of the value being read */
  guint          n_values; /* in the feature, or in all other members */
} Scan;

/* Returns the next byte without taking it, -1 at the end, -2 on error. */
static inline int
scan_peek (Scan    *scan,
           GError **error)
{
  if (scan->pos >= scan->len)
    {
      gssize n;

      if (scan->eof)
        return -1;
      n = g_input_stream_read (scan->stream, scan->buffer, CHUNK_SIZE, scan->cancellable, error);
      if (n < 0)
        return -2;
      scan->offset += scan->len;
      scan->len = n;
      scan->pos = 0;
      if (n == 0)
        {
          scan->eof = TRUE;
          return -1;
        }
    }
  return scan->buffer[scan->pos];
}

static inline void
scan_take (Scan *scan)
{
  if (scan->capture != NULL)
    g_string_append_c (scan->capture, scan->buffer[scan->pos]);
  scan->pos++;
}

static gboolean
scan_fail (Scan        *scan,
           GError     **error,
           int          c)
{
  g_autofree char *problem = NULL;
  guint64 at = scan->offset + scan->pos;

  if (c == -2)
    return FALSE;  /* a read error, already set */
  if (c == -1)
    problem = g_strdup (_("the file ends in the middle"));
  else if (c >= 0x20 && c < 0x7f)
    problem = g_strdup_printf (_("unexpected “%c” at byte %" PRIu64), c, at + 1);
  else
    problem = g_strdup_printf (_("unexpected byte 0x%02X at byte %" PRIu64), c, at + 1);
  g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
               _("This file is not valid GeoJSON (it may be cut short): %s. "
                 "Nothing was imported."), problem);
  return FALSE;
}

static gboolean
scan_too_large (GError **error)
{
  g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
               _("This GeoJSON file has a feature or member larger than %u MB; "
                 "Testigo does not import such a file. Nothing was imported."),
               TG_IMPORT_MAX_FEATURE / (1024 * 1024));
  return FALSE;
}

/* Parsed, a small value takes far more memory than its bytes: the number
 * of values is bounded too. */
static gboolean
scan_count_value (Scan    *scan,
                  GError **error)
{
  if (++scan->n_values <= TG_IMPORT_MAX_VALUES)
    return TRUE;
  g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
               _("This GeoJSON file has a feature or member made of more than %u values; "
                 "Testigo does not import such a file. Nothing was imported."),
               TG_IMPORT_MAX_VALUES);
  return FALSE;
}

/* Skips white space; returns the byte after it (not taken). */
static int
scan_skip_space (Scan    *scan,
                 GError **error)
{
  for (;;)
    {
      int c = scan_peek (scan, error);

      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        return c;
      scan->pos++;
    }
}

static gboolean
scan_bad_escape (Scan    *scan,
                 GError **error)
{
  g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
               _("This file is not valid GeoJSON: the escape before byte %" PRIu64 " is not "
                 "a character (\\u0000, or half of a surrogate pair). Nothing was imported."),
               scan->offset + scan->pos + 1);
  return FALSE;
}

/* The four hex digits of a \u escape, after the "u"; with @whole, the
 * "\u" too (the second half of a surrogate pair, which must be there). */
static gboolean
scan_unicode_escape (Scan     *scan,
                     gboolean  whole,
                     guint    *unit,
                     GError  **error)
{
  int c;

  *unit = 0;
  for (guint i = 0; whole && i < 2; i++)
    {
      c = scan_peek (scan, error);
      if (c != "\\u"[i])
        return c < 0 ? scan_fail (scan, error, c) : scan_bad_escape (scan, error);
      scan_take (scan);
    }
  for (guint i = 0; i < 4; i++)
    {
      c = scan_peek (scan, error);
      if (c < 0 || !g_ascii_isxdigit (c))
        return scan_fail (scan, error, c);
      *unit = *unit * 16 + g_ascii_xdigit_value (c);
      scan_take (scan);
    }
  return TRUE;
}

/* A string, from its opening quote to its closing one. Bytes outside
 * escapes are copied a run at a time. */
static gboolean
scan_string (Scan    *scan,
             GError **error)
{
  int c;

  scan_take (scan);  /* the opening quote */
  for (;;)
    {
      gsize start, end;

      if (scan->capture != NULL && scan->capture->len > TG_IMPORT_MAX_FEATURE)
        return scan_too_large (error);
      c = scan_peek (scan, error);
      if (c < 0)
        return scan_fail (scan, error, c);

      start = end = scan->pos;
      while (end < scan->len && scan->buffer[end] != '"' && scan->buffer[end] != '\\' &&
             scan->buffer[end] >= 0x20)
        end++;
      if (end > start)
        {
          if (scan->capture != NULL)
            {
              if (scan->capture->len + (end - start) > TG_IMPORT_MAX_FEATURE)
                return scan_too_large (error);
              g_string_append_len (scan->capture, (const char *) scan->buffer + start, end - start);
            }
          scan->pos = end;
          continue;
        }

      if (c == '"')
        {
          scan_take (scan);
          return TRUE;
        }
      if (c < 0x20)
        return scan_fail (scan, error, c);  /* a control character inside a string */

      /* An escape: \" \\ \/ \b \f \n \r \t or \uXXXX. */
      scan_take (scan);
      c = scan_peek (scan, error);
      if (c < 0 || strchr ("\"\\/bfnrtu", c) == NULL)
        return scan_fail (scan, error, c);
      scan_take (scan);
      if (c == 'u')
        {
          guint unit;

          if (!scan_unicode_escape (scan, FALSE, &unit, error))
            return FALSE;
          /* json-glib 1.6 turns a lone surrogate into bytes that are not
           * UTF-8 and cuts a string at \u0000: refused here. */
          if (unit == 0 || (unit >= 0xDC00 && unit <= 0xDFFF))
            return scan_bad_escape (scan, error);
          if (unit >= 0xD800 && unit <= 0xDBFF)
            {
              if (!scan_unicode_escape (scan, TRUE, &unit, error))
                return FALSE;
              if (unit < 0xDC00 || unit > 0xDFFF)
                return scan_bad_escape (scan, error);
            }
        }
    }
}

/* One value (object, array, string, number, true, false, null) at @depth,
 * its bytes appended to scan->capture. Nesting is tracked so that the
 * value's end is found; the grammar inside is left to json-glib, which
 * parses the captured bytes. */
static gboolean
scan_value (Scan    *scan,
            guint    depth,
            GError **error)
{
  char stack[TG_IMPORT_MAX_DEPTH];
  guint top = 0;

  for (;;)
    {
      int c = scan_skip_space (scan, error);

      if (scan->capture->len > TG_IMPORT_MAX_FEATURE)
        return scan_too_large (error);

      if ((c == '"' || c == '{' || c == '[' || c == '-' || g_ascii_isalnum (c)) &&
          !scan_count_value (scan, error))
        return FALSE;

      if (c == '"')
        {
          if (!scan_string (scan, error))
            return FALSE;
        }
      else if (c == '{' || c == '[')
        {
          if (depth + top >= TG_IMPORT_MAX_DEPTH)
            {
              g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                           _("This GeoJSON file nests objects or lists more than %u deep; "
                             "Testigo does not import such a file. Nothing was imported."),
                           TG_IMPORT_MAX_DEPTH);
              return FALSE;
            }
          stack[top++] = c == '{' ? '}' : ']';
          scan_take (scan);
          continue;
        }
      else if (c == '}' || c == ']')
        {
          if (top == 0 || stack[top - 1] != c)
            return scan_fail (scan, error, c);
          top--;
          scan_take (scan);
        }
      else if (c == ',' || c == ':')
        {
          if (top == 0)
            return scan_fail (scan, error, c);
          scan_take (scan);
          continue;
        }
      else if (c == '-' || g_ascii_isalnum (c))
        {
          /* A number or a literal: checked by json-glib. */
          while (c == '-' || c == '+' || c == '.' || g_ascii_isalnum (c))
            {
              if (scan->capture->len > TG_IMPORT_MAX_FEATURE)
                return scan_too_large (error);
              scan_take (scan);
              c = scan_peek (scan, error);
            }
          if (c == -2)
            return FALSE;
        }
      else
        return scan_fail (scan, error, c);

      if (top == 0)
        return TRUE;
    }
}

/* The core's one pre-scan of hostile JSON (tg-json-scanner.h) on the
 * value read, before json-glib parses it: what the reader above checks
 * while it finds the value's end, and lone surrogates, \u0000 and the
 * other rules the server applies to a request. */
static gboolean
check_hostile (const char  *data,
               gsize        length,
               guint        depth,
               GError     **error)
{
  const TgJsonLimits limits = {
    .max_depth = TG_IMPORT_MAX_DEPTH - depth,
    .max_string = TG_IMPORT_MAX_FEATURE,
    .max_values = TG_IMPORT_MAX_VALUES,
  };
  TgJsonScanResult result;

  if (tg_json_scan (data, length, &limits, &result))
    return TRUE;

  switch (result.problem)
    {
    case TG_JSON_SCAN_TOO_DEEP:
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   _("This GeoJSON file nests objects or lists more than %u deep; "
                     "Testigo does not import such a file. Nothing was imported."),
                   TG_IMPORT_MAX_DEPTH);
      break;
    case TG_JSON_SCAN_STRING_TOO_LONG:
      return scan_too_large (error);
    case TG_JSON_SCAN_TOO_MANY_VALUES:
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   _("This GeoJSON file has a feature or member made of more than %u values; "
                     "Testigo does not import such a file. Nothing was imported."),
                   TG_IMPORT_MAX_VALUES);
      break;
    case TG_JSON_SCAN_NUL:
    case TG_JSON_SCAN_CONTROL:
    case TG_JSON_SCAN_BAD_ESCAPE:
      g_set_error_literal (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                           _("This file is not valid GeoJSON: a text in it holds a control "
                             "character or a bad escape sequence (an unknown escape, a lone "
                             "surrogate or \\u0000). Nothing was imported."));
      break;
    case TG_JSON_SCAN_OK:
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

/* Reads one value and parses it with json-glib. */
static JsonNode *
scan_parse_value (Scan        *scan,
                  JsonParser  *parser,
                  guint        depth,
                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  g_string_truncate (scan->capture, 0);
  if (!scan_value (scan, depth, error))
    return NULL;
  if (!g_utf8_validate_len (scan->capture->str, scan->capture->len, NULL))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                           _("This file is not valid GeoJSON: it holds text that is not "
                             "UTF-8. Nothing was imported."));
      return NULL;
    }
  if (!check_hostile (scan->capture->str, scan->capture->len, depth, error))
    return NULL;
  if (!json_parser_load_from_data (parser, scan->capture->str, scan->capture->len, &local_error))
    {
      /* json-glib quotes the bad text, which need not be UTF-8 (a lone
       * surrogate escape decodes to bytes that are not): the message is
       * shown in a label. */
      g_autofree char *message = g_utf8_make_valid (local_error->message, -1);

      g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                   _("This file is not valid GeoJSON (it may be cut short): %s. "
                     "Nothing was imported."), message);
      return NULL;
    }
  return json_node_ref (json_parser_get_root (parser));
}

/* Checks one feature and spools what it will write. */
static gboolean
plan_feature (JsonNode  *feature,
              guint      index,
              Spool     *spool,
              GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonObject *object;
  JsonObject *props = NULL;
  JsonNode *node;
  double latitude, longitude;

  /* Not json_object_get_string_member_with_default (): it is critical
   * about a "type" that is an object or a list. */
  if (!JSON_NODE_HOLDS_OBJECT (feature) ||
      (object = json_node_get_object (feature),
       node = json_object_get_member (object, "type"),
       node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
       g_strcmp0 (json_node_get_string (node), "Feature") != 0))
    return feature_error (error, index, _("it is not a GeoJSON Feature"));

  node = json_object_get_member (object, "properties");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return feature_error (error, index, _("\"properties\" must be an object or null"));
      props = json_node_get_object (node);
    }
  if (!parse_geometry (json_object_get_member (object, "geometry"), index,
                       &latitude, &longitude, error))
    return FALSE;

  if (props != NULL && json_object_has_member (props, TG_GEOJSON_REVISION_MEMBER))
    return plan_own_feature (props, latitude, longitude, index, spool, error);
  else if (props != NULL && is_testigo_properties (props))
    return plan_testigo_properties (props, latitude, longitude, index, spool, error);
  else
    {
      g_autoptr(JsonObject) empty = json_object_new ();
      g_autoptr(TgReport) report = NULL;

      report = report_from_foreign (props ? props : empty, latitude, longitude, index, error);
      if (report == NULL)
        return FALSE;
      if (!tg_report_validate (report, &local_error))
        return feature_error (error, index, local_error->message);
      return spool_add_report (spool, report, error);
    }
}

static gboolean
not_geojson (GError **error)
{
  g_set_error_literal (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                       _("This file is JSON but not GeoJSON: it must be an object with "
                         "\"type\": \"FeatureCollection\". Nothing was imported."));
  return FALSE;
}

static gboolean
not_features (GError     **error,
              const char  *type)
{
  g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
               _("This GeoJSON file holds a %s, not features. Nothing was imported."), type);
  return FALSE;
}

/* The elements of the "features" array, one at a time; the '[' is next. */
static gboolean
scan_features (Scan        *scan,
               JsonParser  *parser,
               Spool       *spool,
               guint       *n_features,
               GError     **error)
{
  int c;

  scan->pos++;  /* '[' */
  c = scan_skip_space (scan, error);
  if (c == -2)
    return FALSE;
  if (c == ']')
    {
      scan->pos++;
      return TRUE;
    }
  for (;;)
    {
      g_autoptr(JsonNode) feature = NULL;

      if (g_cancellable_set_error_if_cancelled (scan->cancellable, error))
        return FALSE;
      scan->n_values = 0;
      feature = scan_parse_value (scan, parser, 2, error);
      if (feature == NULL || !plan_feature (feature, ++*n_features, spool, error))
        return FALSE;
      spool_report_progress (spool, FALSE);

      c = scan_skip_space (scan, error);
      if (c != ']' && c != ',')
        return scan_fail (scan, error, c);
      scan->pos++;
      if (c == ']')
        return TRUE;
    }
}

static gboolean
import_geojson_stream (TgStore       *store,
                       GInputStream  *input,
                       TgProgress    *progress,
                       guint         *n_imported,
                       guint         *n_skipped,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autoptr(GBufferedInputStream) buffered = NULL;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(JsonObject) members = json_object_new ();
  g_autoptr(GString) capture = g_string_new (NULL);
  g_autoptr(Spool) spool = NULL;
  g_autofree guchar *buffer = g_malloc (CHUNK_SIZE);
  Scan scan = { NULL, cancellable, buffer, 0, 0, 0, FALSE, capture, 0 };
  gboolean streamed = FALSE;
  gsize members_size = 0;
  guint n_values = 0;
  guint n_features = 0;
  guint n_written = 0;
  const char *type = NULL;
  int c;

  if (n_imported != NULL)
    *n_imported = 0;
  if (n_skipped != NULL)
    *n_skipped = 0;

  buffered = G_BUFFERED_INPUT_STREAM (g_buffered_input_stream_new_sized (input, PROBE_SIZE));
  if (!check_stream_start (buffered, "GeoJSON", cancellable, error))
    return FALSE;
  scan.stream = G_INPUT_STREAM (buffered);
  if (!(spool = spool_new (store, error)))
    return FALSE;
  spool_set_progress (spool, input, progress);

  /* A byte-order mark, then the top-level object. */
  c = scan_peek (&scan, error);
  if (c == -2)
    return FALSE;
  if (c == 0xEF)
    {
      for (guint i = 0; i < 3; i++)
        {
          c = scan_peek (&scan, error);
          if (c != (guchar) "\xEF\xBB\xBF"[i])
            return scan_fail (&scan, error, c);
          scan.pos++;
        }
    }
  c = scan_skip_space (&scan, error);
  if (c == '[' || c == '"' || c == '-' || g_ascii_isdigit (c))
    return not_geojson (error);
  if (c != '{')
    return scan_fail (&scan, error, c);
  scan.pos++;

  c = scan_skip_space (&scan, error);
  if (c == '}')
    scan.pos++;
  else
    for (;;)
      {
        g_autoptr(JsonNode) key_node = NULL;
        g_autoptr(JsonNode) value = NULL;
        const char *key;

        if (c != '"')
          return scan_fail (&scan, error, c);
        if (!(key_node = scan_parse_value (&scan, parser, 1, error)))
          return FALSE;
        key = json_node_get_string (key_node);
        members_size += capture->len;

        c = scan_skip_space (&scan, error);
        if (c != ':')
          return scan_fail (&scan, error, c);
        scan.pos++;
        c = scan_skip_space (&scan, error);
        if (c == -2)
          return FALSE;

        if (g_str_equal (key, "features") && c == '[' &&
            (type == NULL || g_str_equal (type, "FeatureCollection")))
          {
            if (streamed)
              {
                g_set_error_literal (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                                     _("This GeoJSON file has two lists of \"features\". "
                                       "Nothing was imported."));
                return FALSE;
              }
            streamed = TRUE;
            n_values = scan.n_values;
            if (!scan_features (&scan, parser, spool, &n_features, error))
              return FALSE;
            scan.n_values = n_values;
          }
        else
          {
            if (!(value = scan_parse_value (&scan, parser, 1, error)))
              return FALSE;
            /* Members other than the features are kept: bounded in all. */
            members_size += capture->len;
            if (members_size > TG_IMPORT_MAX_FEATURE)
              return scan_too_large (error);
            if (g_str_equal (key, "type"))
              {
                if (json_node_get_value_type (value) != G_TYPE_STRING)
                  return not_geojson (error);
                type = json_node_get_string (value);
                if (!g_str_equal (type, "FeatureCollection") && !g_str_equal (type, "Feature"))
                  return not_features (error, type);
              }
            /* Only a Feature (or a file whose type is not known yet)
             * needs them later. */
            if (type == NULL || !g_str_equal (type, "FeatureCollection") ||
                g_str_equal (key, "type"))
              json_object_set_member (members, key, g_steal_pointer (&value));
            if (type != NULL)
              type = json_object_get_string_member (members, "type");
          }

        c = scan_skip_space (&scan, error);
        if (c == '}')
          {
            scan.pos++;
            break;
          }
        if (c != ',')
          return scan_fail (&scan, error, c);
        scan.pos++;
        c = scan_skip_space (&scan, error);
      }

  /* Nothing but white space may follow. */
  c = scan_skip_space (&scan, error);
  if (c == -2)
    return FALSE;
  if (c != -1)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                   _("This file is not valid GeoJSON: something follows its end, at byte "
                     "%" PRIu64 ". Nothing was imported."),
                   scan.offset + scan.pos + 1);
      return FALSE;
    }

  if (type == NULL)
    return not_geojson (error);
  if (g_str_equal (type, "Feature"))
    {
      g_autoptr(JsonNode) feature = json_node_new (JSON_NODE_OBJECT);

      if (streamed)
        return not_features (error, type);
      json_node_set_object (feature, members);
      if (!plan_feature (feature, 1, spool, error))
        return FALSE;
    }
  else if (!streamed)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                           _("This GeoJSON file has no list of \"features\". "
                             "Nothing was imported."));
      return FALSE;
    }

  /* Everything checked: now write. */
  if (!spool_write (spool, store, &n_written, cancellable, error))
    return FALSE;
  spool_report_progress (spool, TRUE);
  if (n_imported != NULL)
    *n_imported = n_written;
  if (n_skipped != NULL)
    *n_skipped = spool->n_skipped;
  return TRUE;
}

gboolean
tg_import_geojson_data (TgStore     *store,
                        const char  *data,
                        gsize        length,
                        guint       *n_imported,
                        GError     **error)
{
  g_autoptr(GInputStream) stream = NULL;

  g_return_val_if_fail (TG_IS_STORE (store), FALSE);

  stream = g_memory_input_stream_new_from_data (data, length, NULL);
  return import_geojson_stream (store, stream, NULL, n_imported, NULL, NULL, error);
}

gboolean
tg_import_geojson (TgStore       *store,
                   GFile         *file,
                   guint         *n_imported,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(GFileInputStream) stream = NULL;

  g_return_val_if_fail (TG_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (n_imported != NULL)
    *n_imported = 0;
  if (!(stream = g_file_read (file, cancellable, error)))
    return FALSE;
  return import_geojson_stream (store, G_INPUT_STREAM (stream), NULL, n_imported, NULL,
                                cancellable, error);
}

/* CSV -------------------------------------------------------------------- */

static gboolean
row_error (GError     **error,
           guint        line,
           const char  *column,
           const char  *problem)
{
  g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
               _("Line %u of the CSV file, column \"%s\": %s. Nothing was imported."),
               line, column, problem);
  return FALSE;
}

static gboolean
set_from_cell (JsonObject  *object,
               const char  *column,
               const char  *value,
               guint        line,
               GError     **error)
{
  static const char * const text_columns[] = {
    "title", "narrative", "date_precision", "location_method", "place_name",
    "region_code", "province_code", "perpetrator_unit", "status", NULL
  };
  static const char * const list_columns[] = { "categories", "tags", "perpetrators", NULL };
  static const char * const count_columns[] = { "killed", "injured", "detained", "disappeared", NULL };
  static const char * const number_columns[] = { "latitude", "longitude", "uncertainty_m", NULL };

  if (*value == '\0')
    return TRUE;

  if (g_strv_contains (text_columns, column))
    json_object_set_string_member (object, column, value);
  else if (g_str_equal (column, "start") || g_str_equal (column, "end"))
    {
      g_autoptr(GDateTime) time = NULL;
      gboolean date_only;
      g_autofree char *iso = NULL;

      if (!parse_time (value, &time, &date_only))
        return row_error (error, line, column,
                          _("not a date (expected ISO 8601, such as 2023-01-09T14:30:00Z)"));
      iso = tg_format_rfc3339 (time);
      json_object_set_string_member (object, column, iso);
      if (date_only && g_str_equal (column, "start") &&
          !json_object_has_member (object, "date_precision"))
        json_object_set_string_member (object, "date_precision",
                                       tg_date_precision_to_string (TG_DATE_PRECISION_DAY));
    }
  else if (g_strv_contains (list_columns, column))
    {
      g_auto(GStrv) items = split_list (value);
      JsonArray *array = json_array_new ();

      for (guint i = 0; items[i] != NULL; i++)
        json_array_add_string_element (array, items[i]);
      json_object_set_array_member (object, column, array);
    }
  else if (g_strv_contains (count_columns, column))
    {
      gint64 count;

      if (!g_ascii_string_to_signed (value, 10, 0, G_MAXINT, &count, NULL))
        return row_error (error, line, column, _("not a whole number"));
      json_object_set_int_member (object, column, count);
    }
  else if (g_strv_contains (number_columns, column))
    {
      char *end;
      double number = g_ascii_strtod (value, &end);

      if (*end != '\0' || !isfinite (number))
        return row_error (error, line, column, _("not a number"));
      json_object_set_double_member (object, column, number);
    }
  /* id is handled by the caller; the summary columns are not imported. */
  return TRUE;
}

static gboolean
import_csv_stream (TgStore       *store,
                   GInputStream  *input,
                   TgProgress    *progress,
                   guint         *n_imported,
                   guint         *n_skipped,
                   GCancellable  *cancellable,
                   GError       **error)
{
  const char * const *known = tg_export_column_names ();
  g_autoptr(GBufferedInputStream) buffered = NULL;
  g_autoptr(TgCsvReader) reader = NULL;
  g_autoptr(Spool) spool = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) header = NULL;
  guint n_columns;
  guint skipped = 0;
  guint n_written = 0;
  char **row;

  if (n_imported != NULL)
    *n_imported = 0;
  if (n_skipped != NULL)
    *n_skipped = 0;

  buffered = G_BUFFERED_INPUT_STREAM (g_buffered_input_stream_new_sized (input, PROBE_SIZE));
  if (!check_stream_start (buffered, "CSV", cancellable, error))
    return FALSE;
  if (!(spool = spool_new (store, error)))
    return FALSE;
  spool_set_progress (spool, input, progress);
  reader = tg_csv_reader_new (G_INPUT_STREAM (buffered));

  header = tg_csv_reader_read_row (reader, cancellable, &local_error);
  if (header == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error_literal (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                             _("The CSV file is empty. Nothing was imported."));
      return FALSE;
    }
  n_columns = g_strv_length (header);
  for (guint i = 0; i < n_columns; i++)
    {
      g_strstrip (header[i]);
      if (!g_strv_contains (known, header[i]))
        {
          g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                       _("The CSV file has a column \"%s\" that Testigo does not know; "
                         "the first line must name columns of a Testigo export. "
                         "Nothing was imported."), header[i]);
          return FALSE;
        }
      for (guint j = 0; j < i; j++)
        if (g_str_equal (header[i], header[j]))
          {
            g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                         _("The CSV file has the column \"%s\" twice. Nothing was imported."),
                         header[i]);
            return FALSE;
          }
    }

  /* One record at a time; what is checked goes to the spool. */
  while ((row = tg_csv_reader_read_row (reader, cancellable, &local_error)) != NULL)
    {
      g_auto(GStrv) fields = row;
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autoptr(TgReport) report = NULL;
      JsonObject *object = json_object_new ();
      guint line = tg_csv_reader_get_line (reader);
      g_autofree char *id = NULL;

      json_node_take_object (node, object);

      if (g_strv_length (fields) == 1 && *fields[0] == '\0' && n_columns > 1)
        continue;  /* a blank line */
      if (g_strv_length (fields) != n_columns)
        {
          g_set_error (error, TG_ERROR, TG_ERROR_WRONG_FORMAT,
                       _("Line %u of the CSV file has %u fields; the header names %u. "
                         "Nothing was imported."), line, g_strv_length (fields), n_columns);
          return FALSE;
        }

      for (guint i = 0; i < n_columns; i++)
        {
          g_autofree char *value = tg_csv_unguard (fields[i]);

          if (g_str_equal (header[i], "id"))
            {
              if (*value != '\0' && !tg_is_uuid (value))
                return row_error (error, line, "id", _("not a report id"));
              if (*value != '\0')
                id = g_steal_pointer (&value);
            }
          else if (!set_from_cell (object, header[i], value, line, error))
            return FALSE;
        }

      if (id != NULL && (g_hash_table_contains (seen, id) || id_known (store, id)))
        {
          skipped++;
          continue;
        }
      if (id == NULL)
        id = g_uuid_string_random ();
      g_hash_table_add (seen, g_strdup (id));
      json_object_set_string_member (object, "id", id);

      report = tg_report_new_from_json (node, &local_error);
      if (report == NULL || !tg_report_validate (report, &local_error))
        {
          g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                       _("Line %u of the CSV file is invalid: %s. Nothing was imported."),
                       line, local_error->message);
          return FALSE;
        }
      if (!spool_add_report (spool, report, error))
        return FALSE;
      spool_report_progress (spool, FALSE);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (!spool_write (spool, store, &n_written, cancellable, error))
    return FALSE;
  spool_report_progress (spool, TRUE);
  if (n_imported != NULL)
    *n_imported = n_written;
  if (n_skipped != NULL)
    *n_skipped = skipped;
  return TRUE;
}

gboolean
tg_import_csv_data (TgStore     *store,
                    const char  *data,
                    gsize        length,
                    guint       *n_imported,
                    guint       *n_skipped,
                    GError     **error)
{
  g_autoptr(GInputStream) stream = NULL;

  g_return_val_if_fail (TG_IS_STORE (store), FALSE);

  stream = g_memory_input_stream_new_from_data (data, length, NULL);
  return import_csv_stream (store, stream, NULL, n_imported, n_skipped, NULL, error);
}

gboolean
tg_import_csv (TgStore       *store,
               GFile         *file,
               guint         *n_imported,
               guint         *n_skipped,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr(GFileInputStream) stream = NULL;

  g_return_val_if_fail (TG_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (n_imported != NULL)
    *n_imported = 0;
  if (n_skipped != NULL)
    *n_skipped = 0;
  if (!(stream = g_file_read (file, cancellable, error)))
    return FALSE;
  return import_csv_stream (store, G_INPUT_STREAM (stream), NULL, n_imported, n_skipped,
                            cancellable, error);
}

/* Any format --------------------------------------------------------------- */

static TgImportFormat
guess_format (GFile         *file,
              GCancellable  *cancellable)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *lower = name ? g_ascii_strdown (name, -1) : NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  char buffer[4096];
  gssize n;

  if (lower != NULL && g_str_has_suffix (lower, ".csv"))
    return TG_IMPORT_FORMAT_CSV;
  if (lower != NULL && (g_str_has_suffix (lower, ".geojson") || g_str_has_suffix (lower, ".json")))
    return TG_IMPORT_FORMAT_GEOJSON;
  /* Read errors are left to the import itself. */
  if (!(stream = g_file_read (file, cancellable, NULL)))
    return TG_IMPORT_FORMAT_GEOJSON;
  n = g_input_stream_read (G_INPUT_STREAM (stream), buffer, sizeof buffer, cancellable, NULL);
  for (gssize i = 0; i < n; i++)
    {
      if (buffer[i] == ' ' || buffer[i] == '\t' || buffer[i] == '\r' || buffer[i] == '\n')
        continue;
      if (i + 3 <= n && memcmp (buffer + i, "\xEF\xBB\xBF", 3) == 0)
        {
          i += 2;
          continue;
        }
      return buffer[i] == '{' ? TG_IMPORT_FORMAT_GEOJSON : TG_IMPORT_FORMAT_CSV;
    }
  return TG_IMPORT_FORMAT_GEOJSON;
}

static gboolean
import_file (TgStore         *store,
             GFile           *file,
             TgImportFormat   format,
             TgProgress      *progress,
             guint           *n_imported,
             guint           *n_skipped,
             GCancellable    *cancellable,
             GError         **error)
{
  g_autoptr(GFileInputStream) stream = NULL;

  if (n_imported != NULL)
    *n_imported = 0;
  if (n_skipped != NULL)
    *n_skipped = 0;
  if (format == TG_IMPORT_FORMAT_AUTO)
    format = guess_format (file, cancellable);
  if (!(stream = g_file_read (file, cancellable, error)))
    return FALSE;
  if (format == TG_IMPORT_FORMAT_CSV)
    return import_csv_stream (store, G_INPUT_STREAM (stream), progress, n_imported, n_skipped,
                              cancellable, error);
  return import_geojson_stream (store, G_INPUT_STREAM (stream), progress, n_imported, n_skipped,
                                cancellable, error);
}

gboolean
tg_import_file (TgStore              *store,
                GFile                *file,
                TgImportFormat        format,
                TgProgressFunc  progress,
                gpointer              progress_data,
                guint                *n_imported,
                guint                *n_skipped,
                GCancellable         *cancellable,
                GError              **error)
{
  g_autoptr(TgProgress) p = tg_progress_new (progress, progress_data, NULL, NULL, TG_PROGRESS_INTERVAL_MS);

  g_return_val_if_fail (TG_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  return import_file (store, file, format, p, n_imported, n_skipped, cancellable, error);
}

typedef struct
{
  TgStore        *store;
  GFile          *file;
  TgImportFormat  format;
  TgProgress     *progress;
  guint           n_imported;
  guint           n_skipped;
} ImportFileData;

static void
import_file_data_free (gpointer user_data)
{
  ImportFileData *data = user_data;

  g_clear_object (&data->store);
  g_clear_object (&data->file);
  g_clear_pointer (&data->progress, tg_progress_unref);
  g_free (data);
}

static void
import_file_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  ImportFileData *data = task_data;
  GError *error = NULL;

  if (import_file (data->store, data->file, data->format, data->progress,
                   &data->n_imported, &data->n_skipped, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
tg_import_file_async (TgStore              *store,
                      GFile                *file,
                      TgImportFormat        format,
                      TgProgressFunc  progress,
                      gpointer              progress_data,
                      GDestroyNotify        progress_notify,
                      GCancellable         *cancellable,
                      GAsyncReadyCallback   callback,
                      gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  ImportFileData *data;
  GMainContext *context = g_main_context_get_thread_default ();

  g_return_if_fail (TG_IS_STORE (store));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (NULL, cancellable, callback, user_data);
  data = g_new0 (ImportFileData, 1);
  data->store = g_object_ref (store);
  data->file = g_object_ref (file);
  data->format = format;
  data->progress = tg_progress_new (progress, progress_data, progress_notify,
                                    context ? context : g_main_context_default (),
                                    TG_PROGRESS_INTERVAL_MS);
  g_task_set_source_tag (task, tg_import_file_async);
  g_task_set_task_data (task, data, import_file_data_free);
  g_task_run_in_thread (task, import_file_thread);
}

gboolean
tg_import_file_finish (GAsyncResult  *result,
                       guint         *n_imported,
                       guint         *n_skipped,
                       GError       **error)
{
  ImportFileData *data;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tg_import_file_async, FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  data = g_task_get_task_data (G_TASK (result));
  if (n_imported != NULL)
    *n_imported = data->n_imported;
  if (n_skipped != NULL)
    *n_skipped = data->n_skipped;
  return TRUE;
}
