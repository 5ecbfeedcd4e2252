/* tg-report.c — a report: its fields and "changed" signal, JSON form, validation, coordinates
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-report"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg-json-private.h"
#include "tg-report.h"
#include "tg-revision.h"

#define TG_REPORT_FORMAT 1

struct _TgReport
{
  GObject           parent_instance;

  char             *id;
  char             *title;
  char             *narrative;
  GDateTime        *start;
  GDateTime        *end;
  TgDatePrecision   date_precision;
  double            latitude;
  double            longitude;
  double            uncertainty;
  TgLocationMethod  location_method;
  char             *place_name;
  char             *region_code;
  char             *province_code;
  char            **categories;
  char            **tags;
  int               killed;
  int               injured;
  int               detained;
  int               disappeared;
  char            **perpetrators;
  char             *perpetrator_unit;
  TgReportStatus    status;
  GListStore       *persons;
  GListStore       *sources;

  char            **base_revisions;
  guint             n_heads;
  gint64            updated_at;
};

G_DEFINE_FINAL_TYPE (TgReport, tg_report, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
changed (TgReport *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
child_changed_cb (GObject  *child,
                  TgReport *self)
{
  guint position;

  /* A removed person or source still holds the connection: ignore it. */
  if ((TG_IS_PERSON (child) && g_list_store_find (self->persons, child, &position)) ||
      (TG_IS_SOURCE (child) && g_list_store_find (self->sources, child, &position)))
    changed (self);
}

static void
items_changed_cb (TgReport   *self,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GListModel *model)
{
  for (guint i = 0; i < added; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, position + i);

      g_signal_connect_object (item, "changed", G_CALLBACK (child_changed_cb), self, 0);
    }
  changed (self);
}

static void
tg_report_dispose (GObject *object)
{
  TgReport *self = (TgReport *) object;

  g_clear_object (&self->persons);
  g_clear_object (&self->sources);

  G_OBJECT_CLASS (tg_report_parent_class)->dispose (object);
}

static void
tg_report_finalize (GObject *object)
{
  TgReport *self = (TgReport *) object;

  g_free (self->id);
  g_free (self->title);
  g_free (self->narrative);
  g_clear_pointer (&self->start, g_date_time_unref);
  g_clear_pointer (&self->end, g_date_time_unref);
  g_free (self->place_name);
  g_free (self->region_code);
  g_free (self->province_code);
  g_strfreev (self->categories);
  g_strfreev (self->tags);
  g_strfreev (self->perpetrators);
  g_free (self->perpetrator_unit);
  g_strfreev (self->base_revisions);

  G_OBJECT_CLASS (tg_report_parent_class)->finalize (object);
}

static void
tg_report_class_init (TgReportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tg_report_dispose;
  object_class->finalize = tg_report_finalize;

  /**
   * TgReport::changed:
   *
   * Emitted after any field of the report, or of one of its persons or
   * sources, changed. The editor saves on it.
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tg_report_init (TgReport *self)
{
  self->id = tg_record_id_new ();
  self->latitude = NAN;
  self->longitude = NAN;
  self->killed = -1;
  self->injured = -1;
  self->detained = -1;
  self->disappeared = -1;
  self->date_precision = TG_DATE_PRECISION_DAY;
  self->n_heads = 1;
  self->persons = g_list_store_new (TG_TYPE_PERSON);
  self->sources = g_list_store_new (TG_TYPE_SOURCE);
  g_signal_connect_object (self->persons, "items-changed",
                           G_CALLBACK (items_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sources, "items-changed",
                           G_CALLBACK (items_changed_cb), self, G_CONNECT_SWAPPED);
}

TgReport *
tg_report_new (void)
{
  return g_object_new (TG_TYPE_REPORT, NULL);
}

TgReport *
tg_report_copy (TgReport *self)
{
  g_autoptr(JsonNode) node = NULL;
  TgReport *copy;

  g_return_val_if_fail (TG_IS_REPORT (self), NULL);

  node = tg_report_to_json (self);
  copy = tg_report_new_from_json (node, NULL);
  g_assert (copy != NULL);
  tg_report_set_base_revisions (copy, (const char * const *) self->base_revisions);
  copy->n_heads = self->n_heads;
  copy->updated_at = self->updated_at;
  return copy;
}

const char *
tg_report_get_id (TgReport *self)
{
  g_return_val_if_fail (TG_IS_REPORT (self), NULL);
  return self->id;
}

#define STRING_FIELD(field)                                   \
  const char *                                                \
  tg_report_get_##field (TgReport *self)                      \
  {                                                           \
    g_return_val_if_fail (TG_IS_REPORT (self), NULL);         \
    return self->field;                                       \
  }                                                           \
  void                                                        \
  tg_report_set_##field (TgReport   *self,                    \
                         const char *value)                   \
  {                                                           \
    g_return_if_fail (TG_IS_REPORT (self));                   \
    if (tg_set_string (&self->field, value))                  \
      changed (self);                                         \
  }

#define STRV_FIELD(field)                                     \
  const char * const *                                        \
  tg_report_get_##field (TgReport *self)                      \
  {                                                           \
    g_return_val_if_fail (TG_IS_REPORT (self), NULL);         \
    return (const char * const *) self->field;                \
  }                                                           \
  void                                                        \
  tg_report_set_##field (TgReport           *self,            \
                         const char * const *value)           \
  {                                                           \
    g_return_if_fail (TG_IS_REPORT (self));                   \
    if (tg_set_strv (&self->field, value))                    \
      changed (self);                                         \
  }

#define SCALAR_FIELD(Type, field)                             \
  Type                                                        \
  tg_report_get_##field (TgReport *self)                      \
  {                                                           \
    g_return_val_if_fail (TG_IS_REPORT (self), 0);            \
    return self->field;                                       \
  }                                                           \
  void                                                        \
  tg_report_set_##field (TgReport *self,                      \
                         Type      value)                     \
  {                                                           \
    g_return_if_fail (TG_IS_REPORT (self));                   \
    if (self->field == value)                                 \
      return;                                                 \
    self->field = value;                                      \
    changed (self);                                           \
  }

#define TIME_FIELD(field)                                     \
  GDateTime *                                                 \
  tg_report_get_##field (TgReport *self)                      \
  {                                                           \
    g_return_val_if_fail (TG_IS_REPORT (self), NULL);         \
    return self->field;                                       \
  }                                                           \
  void                                                        \
  tg_report_set_##field (TgReport  *self,                     \
                         GDateTime *value)                    \
  {                                                           \
    g_return_if_fail (TG_IS_REPORT (self));                   \
    if (self->field == value ||                               \
        (self->field != NULL && value != NULL &&              \
         g_date_time_equal (self->field, value) &&            \
         g_date_time_get_utc_offset (self->field) ==          \
         g_date_time_get_utc_offset (value)))                 \
      return;                                                 \
    g_clear_pointer (&self->field, g_date_time_unref);        \
    self->field = value ? g_date_time_ref (value) : NULL;     \
    changed (self);                                           \
  }

STRING_FIELD (title)
STRING_FIELD (narrative)
STRING_FIELD (place_name)
STRING_FIELD (region_code)
STRING_FIELD (province_code)
STRING_FIELD (perpetrator_unit)
STRV_FIELD (categories)
STRV_FIELD (tags)
STRV_FIELD (perpetrators)
SCALAR_FIELD (TgDatePrecision, date_precision)
SCALAR_FIELD (int, killed)
SCALAR_FIELD (int, injured)
SCALAR_FIELD (int, detained)
SCALAR_FIELD (int, disappeared)
SCALAR_FIELD (TgReportStatus, status)
TIME_FIELD (start)
TIME_FIELD (end)

gboolean
tg_report_has_location (TgReport *self)
{
  g_return_val_if_fail (TG_IS_REPORT (self), FALSE);
  return !isnan (self->latitude) && !isnan (self->longitude);
}

double
tg_report_get_latitude (TgReport *self)
{
  g_return_val_if_fail (TG_IS_REPORT (self), NAN);
  return self->latitude;
}

double
tg_report_get_longitude (TgReport *self)
{
  g_return_val_if_fail (TG_IS_REPORT (self), NAN);
  return self->longitude;
}

void
tg_report_set_location (TgReport         *self,
                        double            latitude,
                        double            longitude,
                        TgLocationMethod  method)
{
  g_return_if_fail (TG_IS_REPORT (self));

  if (self->latitude == latitude && self->longitude == longitude &&
      self->location_method == method)
    return;
  self->latitude = latitude;
  self->longitude = longitude;
  self->location_method = method;
  changed (self);
}

void
tg_report_clear_location (TgReport *self)
{
  g_return_if_fail (TG_IS_REPORT (self));

  if (!tg_report_has_location (self))
    return;
  self->latitude = NAN;
  self->longitude = NAN;
  self->location_method = TG_LOCATION_METHOD_NONE;
  changed (self);
}

TgLocationMethod
tg_report_get_location_method (TgReport *self)
{
  g_return_val_if_fail (TG_IS_REPORT (self), TG_LOCATION_METHOD_NONE);
  return self->location_method;
}

double
tg_report_get_uncertainty (TgReport *self)
{
  g_return_val_if_fail (TG_IS_REPORT (self), 0);
  return self->uncertainty;
}

void
tg_report_set_uncertainty (TgReport *self,
                           double    metres)
{
  g_return_if_fail (TG_IS_REPORT (self));
  if (self->uncertainty == metres)
    return;
  self->uncertainty = metres;
  changed (self);
}

GListModel *
tg_report_get_persons (TgReport *self)
{
  g_return_val_if_fail (TG_IS_REPORT (self), NULL);
  return G_LIST_MODEL (self->persons);
}

void
tg_report_add_person (TgReport *self,
                      TgPerson *person)
{
  g_return_if_fail (TG_IS_REPORT (self));
  g_return_if_fail (TG_IS_PERSON (person));
  g_list_store_append (self->persons, person);
}

void
tg_report_remove_person (TgReport *self,
                         TgPerson *person)
{
  guint position;

  g_return_if_fail (TG_IS_REPORT (self));
  if (g_list_store_find (self->persons, person, &position))
    g_list_store_remove (self->persons, position);
}

GListModel *
tg_report_get_sources (TgReport *self)
{
  g_return_val_if_fail (TG_IS_REPORT (self), NULL);
  return G_LIST_MODEL (self->sources);
}

void
tg_report_add_source (TgReport *self,
                      TgSource *source)
{
  g_return_if_fail (TG_IS_REPORT (self));
  g_return_if_fail (TG_IS_SOURCE (source));
  g_list_store_append (self->sources, source);
}

void
tg_report_remove_source (TgReport *self,
                         TgSource *source)
{
  guint position;

  g_return_if_fail (TG_IS_REPORT (self));
  if (g_list_store_find (self->sources, source, &position))
    g_list_store_remove (self->sources, position);
}

const char * const *
tg_report_get_base_revisions (TgReport *self)
{
  g_return_val_if_fail (TG_IS_REPORT (self), NULL);
  return (const char * const *) self->base_revisions;
}

void
tg_report_set_base_revisions (TgReport           *self,
                              const char * const *rev_ids)
{
  g_return_if_fail (TG_IS_REPORT (self));
  tg_set_strv (&self->base_revisions, rev_ids);
}

guint
tg_report_get_n_heads (TgReport *self)
{
  g_return_val_if_fail (TG_IS_REPORT (self), 1);
  return self->n_heads;
}

void
tg_report_set_n_heads (TgReport *self,
                       guint     n_heads)
{
  g_return_if_fail (TG_IS_REPORT (self));
  self->n_heads = n_heads;
}

gboolean
tg_report_has_conflict (TgReport *self)
{
  g_return_val_if_fail (TG_IS_REPORT (self), FALSE);
  return self->n_heads > 1;
}

gint64
tg_report_get_updated_at (TgReport *self)
{
  g_return_val_if_fail (TG_IS_REPORT (self), 0);
  return self->updated_at;
}

void
tg_report_set_updated_at (TgReport *self,
                          gint64    updated_at)
{
  g_return_if_fail (TG_IS_REPORT (self));
  self->updated_at = updated_at;
}

/* JSON ------------------------------------------------------------------ */

static void
write_time (TgJsonWriter *writer,
            const char   *name,
            GDateTime    *time)
{
  g_autofree char *str = tg_format_rfc3339 (time);

  tg_json_write_string (writer, name, str);
}

char *
tg_report_to_json_string (TgReport *self)
{
  GString *out;
  TgJsonWriter writer;
  guint n;

  g_return_val_if_fail (TG_IS_REPORT (self), NULL);

  out = g_string_sized_new (1024 + (self->narrative ? strlen (self->narrative) : 0));
  tg_json_writer_init (&writer, out);
  tg_json_writer_begin_object (&writer, NULL);
  tg_json_write_int (&writer, "format", TG_REPORT_FORMAT);
  tg_json_write_string (&writer, "id", self->id);
  tg_json_write_string (&writer, "title", self->title);
  tg_json_write_string (&writer, "narrative", self->narrative);
  write_time (&writer, "start", self->start);
  write_time (&writer, "end", self->end);
  tg_json_write_string (&writer, "date_precision",
                        tg_date_precision_to_string (self->date_precision));
  tg_json_write_double (&writer, "latitude", self->latitude);
  tg_json_write_double (&writer, "longitude", self->longitude);
  tg_json_write_double (&writer, "uncertainty_m", self->uncertainty);
  tg_json_write_string (&writer, "location_method",
                        tg_location_method_to_string (self->location_method));
  tg_json_write_string (&writer, "place_name", self->place_name);
  tg_json_write_string (&writer, "region_code", self->region_code);
  tg_json_write_string (&writer, "province_code", self->province_code);
  tg_json_write_strv (&writer, "categories", (const char * const *) self->categories);
  tg_json_write_strv (&writer, "tags", (const char * const *) self->tags);
  tg_json_write_int (&writer, "killed", self->killed);
  tg_json_write_int (&writer, "injured", self->injured);
  tg_json_write_int (&writer, "detained", self->detained);
  tg_json_write_int (&writer, "disappeared", self->disappeared);
  tg_json_write_strv (&writer, "perpetrators", (const char * const *) self->perpetrators);
  tg_json_write_string (&writer, "perpetrator_unit", self->perpetrator_unit);
  tg_json_write_string (&writer, "status", tg_report_status_to_string (self->status));

  tg_json_writer_begin_array (&writer, "persons");
  n = g_list_model_get_n_items (G_LIST_MODEL (self->persons));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TgPerson) person = g_list_model_get_item (G_LIST_MODEL (self->persons), i);
      tg_person_write_json (person, &writer);
    }
  tg_json_writer_end_array (&writer);

  tg_json_writer_begin_array (&writer, "sources");
  n = g_list_model_get_n_items (G_LIST_MODEL (self->sources));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TgSource) source = g_list_model_get_item (G_LIST_MODEL (self->sources), i);
      tg_source_write_json (source, &writer);
    }
  tg_json_writer_end_array (&writer);
  tg_json_writer_end_object (&writer);

  return g_string_free (out, FALSE);
}

JsonNode *
tg_report_to_json (TgReport *self)
{
  g_autofree char *json = NULL;

  g_return_val_if_fail (TG_IS_REPORT (self), NULL);

  json = tg_report_to_json_string (self);
  return json_from_string (json, NULL);
}

static gboolean
get_time (JsonObject  *object,
          const char  *name,
          GDateTime  **value,
          GError     **error)
{
  const char *str;

  *value = NULL;
  if (!tg_json_get_string (object, "report", name, &str, error))
    return FALSE;
  if (str == NULL)
    return TRUE;
  {
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
    *value = g_date_time_new_from_iso8601 (str, utc);
  }
  if (*value == NULL)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   "report: \"%s\" is not an ISO 8601 date and time", name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_count (JsonObject  *object,
           const char  *name,
           int         *value,
           GError     **error)
{
  gint64 v;

  if (!tg_json_get_int (object, "report", name, -1, &v, error))
    return FALSE;
  if (v < -1 || v > G_MAXINT32)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   "report: \"%s\" is out of range", name);
      return FALSE;
    }
  *value = (int) v;
  return TRUE;
}

#define GET_ENUM(object, name, type, target)                                        \
  G_STMT_START {                                                                    \
    const char *str_;                                                               \
    if (!tg_json_get_string (object, "report", name, &str_, error))                 \
      return NULL;                                                                  \
    if (str_ != NULL && !tg_##type##_from_string (str_, target))                    \
      {                                                                             \
        g_set_error (error, TG_ERROR, TG_ERROR_INVALID,                             \
                     "report: unknown %s \"%s\"", name, str_);                      \
        return NULL;                                                                \
      }                                                                             \
  } G_STMT_END

TgReport *
tg_report_new_from_json (JsonNode  *node,
                         GError   **error)
{
  g_autoptr(TgReport) self = NULL;
  JsonObject *object;
  JsonNode *member;
  const char *id, *str;
  gint64 format;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           "report: expected a JSON object");
      return NULL;
    }
  object = json_node_get_object (node);
  self = g_object_new (TG_TYPE_REPORT, NULL);

  if (!tg_json_get_int (object, "report", "format", 1, &format, error))
    return NULL;
  if (format != TG_REPORT_FORMAT)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_TOO_NEW,
                   "report: format %" G_GINT64_FORMAT " is not known to this version",
                   format);
      return NULL;
    }

  if (!tg_json_get_string (object, "report", "id", &id, error))
    return NULL;
  if (id == NULL || !tg_is_uuid (id))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           "report: \"id\" is not a UUID");
      return NULL;
    }
  g_free (self->id);
  self->id = g_strdup (id);

#define GET_STRING(name, field)                                          \
  if (!tg_json_get_string (object, "report", name, &str, error))         \
    return NULL;                                                         \
  self->field = g_strdup (str);

  GET_STRING ("title", title);
  GET_STRING ("narrative", narrative);
  GET_STRING ("place_name", place_name);
  GET_STRING ("region_code", region_code);
  GET_STRING ("province_code", province_code);
  GET_STRING ("perpetrator_unit", perpetrator_unit);
#undef GET_STRING

  if (!get_time (object, "start", &self->start, error) ||
      !get_time (object, "end", &self->end, error))
    return NULL;

  GET_ENUM (object, "date_precision", date_precision, &self->date_precision);
  GET_ENUM (object, "location_method", location_method, &self->location_method);
  GET_ENUM (object, "status", report_status, &self->status);

  if (!tg_json_get_double (object, "report", "latitude", &self->latitude, error) ||
      !tg_json_get_double (object, "report", "longitude", &self->longitude, error) ||
      !tg_json_get_double (object, "report", "uncertainty_m", &self->uncertainty, error))
    return NULL;
  if (isnan (self->uncertainty))
    self->uncertainty = 0;

  if (!get_count (object, "killed", &self->killed, error) ||
      !get_count (object, "injured", &self->injured, error) ||
      !get_count (object, "detained", &self->detained, error) ||
      !get_count (object, "disappeared", &self->disappeared, error))
    return NULL;

  if (!tg_json_get_strv (object, "report", "categories", &self->categories, error) ||
      !tg_json_get_strv (object, "report", "tags", &self->tags, error) ||
      !tg_json_get_strv (object, "report", "perpetrators", &self->perpetrators, error))
    return NULL;
  /* Canonical: an empty list is no list. */
  {
    char ***lists[] = { &self->categories, &self->tags, &self->perpetrators };

    for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
      if (*lists[i] != NULL && (*lists[i])[0] == NULL)
        g_clear_pointer (lists[i], g_strfreev);
  }

  member = json_object_get_member (object, "persons");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (member))
        {
          g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                               "report: \"persons\" must be a list");
          return NULL;
        }
      array = json_node_get_array (member);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autoptr(TgPerson) person = tg_person_new_from_json (json_array_get_element (array, i), error);

          if (person == NULL)
            return NULL;
          g_list_store_append (self->persons, person);
        }
    }

  member = json_object_get_member (object, "sources");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (member))
        {
          g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                               "report: \"sources\" must be a list");
          return NULL;
        }
      array = json_node_get_array (member);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autoptr(TgSource) source = tg_source_new_from_json (json_array_get_element (array, i), error);

          if (source == NULL)
            return NULL;
          g_list_store_append (self->sources, source);
        }
    }

  return g_steal_pointer (&self);
}

TgReport *
tg_report_new_from_json_string (const char  *json,
                                gssize       length,
                                GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;

  if (!json_parser_load_from_data (parser, json, length, &local_error))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   "report: not valid JSON: %s", local_error->message);
      return NULL;
    }
  return tg_report_new_from_json (json_parser_get_root (parser), error);
}

/* Validation ------------------------------------------------------------ */

static void
issue_free (gpointer data)
{
  TgValidationIssue *issue = data;

  g_free (issue->message);
  g_free (issue);
}

static void
add_issue (GPtrArray  *issues,
           const char *field,
           char       *message)
{
  TgValidationIssue *issue = g_new0 (TgValidationIssue, 1);

  issue->field = field;
  issue->message = message;
  g_ptr_array_add (issues, issue);
}

GPtrArray *
tg_report_check (TgReport *self)
{
  g_autoptr(GPtrArray) issues = g_ptr_array_new_with_free_func (issue_free);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  /* A day's grace: a monitor west of UTC may record today's date. */
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  const struct { const char *field; int value; } counts[] = {
    { "killed", self->killed },
    { "injured", self->injured },
    { "detained", self->detained },
    { "disappeared", self->disappeared },
  };
  guint n;

  g_return_val_if_fail (TG_IS_REPORT (self), NULL);

  if (self->title != NULL && g_utf8_strlen (self->title, -1) > TG_MAX_TITLE_LENGTH)
    add_issue (issues, "title", g_strdup (_("The title is limited to 500 characters.")));
  if (self->narrative != NULL && strlen (self->narrative) > TG_MAX_TEXT_LENGTH)
    add_issue (issues, "narrative", g_strdup (_("The narrative is limited to 16 MB of text.")));

  if (self->start != NULL && g_date_time_compare (self->start, tomorrow) > 0)
    add_issue (issues, "start", g_strdup (_("The start date is in the future.")));
  if (self->end != NULL && g_date_time_compare (self->end, tomorrow) > 0)
    add_issue (issues, "end", g_strdup (_("The end date is in the future.")));
  if (self->start != NULL && self->end != NULL &&
      g_date_time_compare (self->end, self->start) < 0)
    add_issue (issues, "end", g_strdup (_("The incident cannot end before it starts.")));
  if (self->end != NULL && self->start == NULL)
    add_issue (issues, "start", g_strdup (_("An end date needs a start date.")));

  if (isnan (self->latitude) != isnan (self->longitude))
    add_issue (issues, "latitude", g_strdup (_("A location needs both latitude and longitude.")));
  if (!isnan (self->latitude) && (self->latitude < -90 || self->latitude > 90))
    add_issue (issues, "latitude",
               g_strdup_printf (_("Latitude %.6f is out of range: it must be between -90 and 90."),
                                self->latitude));
  if (!isnan (self->longitude) && (self->longitude < -180 || self->longitude > 180))
    add_issue (issues, "longitude",
               g_strdup_printf (_("Longitude %.6f is out of range: it must be between -180 and 180."),
                                self->longitude));
  if (self->uncertainty < 0 || self->uncertainty > 1000000 || isnan (self->uncertainty))
    add_issue (issues, "uncertainty",
               g_strdup (_("The uncertainty must be between 0 and 1,000 km.")));

  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    if (counts[i].value < -1)
      add_issue (issues, counts[i].field, g_strdup (_("A count cannot be negative.")));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->persons));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TgPerson) person = g_list_model_get_item (G_LIST_MODEL (self->persons), i);
      g_autoptr(GError) error = NULL;

      if (!tg_person_validate (person, &error))
        add_issue (issues, "persons", g_strdup (error->message));
    }

  n = g_list_model_get_n_items (G_LIST_MODEL (self->sources));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TgSource) source = g_list_model_get_item (G_LIST_MODEL (self->sources), i);
      g_autoptr(GError) error = NULL;

      if (!tg_source_validate (source, &error))
        add_issue (issues, "sources", g_strdup (error->message));
    }

  return g_steal_pointer (&issues);
}

gboolean
tg_report_validate (TgReport  *self,
                    GError   **error)
{
  g_autoptr(GPtrArray) issues = NULL;

  g_return_val_if_fail (TG_IS_REPORT (self), FALSE);

  issues = tg_report_check (self);
  if (issues->len > 0)
    {
      TgValidationIssue *issue = g_ptr_array_index (issues, 0);

      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID, issue->message);
      return FALSE;
    }
  return TRUE;
}

/* Coordinates ----------------------------------------------------------- */

/* One coordinate: decimal degrees with an optional hemisphere letter, or
 * degrees, minutes and seconds ("15°29'24.5\"S", "15 29 24.5 S"). */
static gboolean
parse_one (const char  *text,
           gboolean     is_latitude,
           double      *value)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  double parts[3] = { 0, 0, 0 };
  guint n_parts = 0;
  int sign = 1;
  const char *p = copy;
  gsize len = strlen (copy);

  if (len == 0)
    return FALSE;

  /* Hemisphere letter at the end or the start. */
  for (guint end = 0; end < 2; end++)
    {
      char c = end ? copy[len - 1] : copy[0];
      gboolean found = TRUE;

      switch (g_ascii_toupper (c))
        {
        case 'N': case 'E':
          if ((g_ascii_toupper (c) == 'N') != is_latitude)
            return FALSE;
          break;
        case 'S': case 'W': case 'O': /* Oeste */
          if ((g_ascii_toupper (c) == 'S') != is_latitude)
            return FALSE;
          sign = -1;
          break;
        default:
          found = FALSE;
        }
      if (found)
        {
          if (end)
            copy[--len] = '\0';
          else
            p = copy + 1;
          break;
        }
    }

  while (*p != '\0')
    {
      char *endptr;
      double v;

      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '\0')
        break;
      if (*p == '-' && n_parts == 0)
        {
          sign = -sign;
          p++;
          continue;
        }
      if (*p == '+' && n_parts == 0)
        {
          p++;
          continue;
        }
      v = g_ascii_strtod (p, &endptr);
      if (endptr == p || n_parts >= 3 || v < 0 || isnan (v))
        return FALSE;
      parts[n_parts++] = v;
      p = endptr;
      /* Skip a unit mark: ° ' " ′ ″ º or a space. */
      while (*p != '\0')
        {
          gunichar c = g_utf8_get_char_validated (p, -1);

          if (c == (gunichar) -1 || c == (gunichar) -2)
            return FALSE;
          if (c == 0x00B0 || c == 0x00BA || c == '\'' || c == '"' || c == 0x2032 ||
              c == 0x2033 || c == 0x2019 || c == 0x201D || c == ' ' || c == 'd')
            p = g_utf8_next_char (p);
          else
            break;
        }
      if (*p != '\0' && !g_ascii_isdigit (*p) && *p != ' ')
        return FALSE;
    }

  if (n_parts == 0 || parts[1] >= 60 || parts[2] >= 60)
    return FALSE;
  if (n_parts > 1 && parts[0] != floor (parts[0]))
    return FALSE;

  *value = sign * (parts[0] + parts[1] / 60.0 + parts[2] / 3600.0);
  return TRUE;
}

gboolean
tg_parse_coordinates (const char  *text,
                      double      *latitude,
                      double      *longitude,
                      GError     **error)
{
  g_autofree char *copy = NULL;
  char *split = NULL;
  double lat, lon;

  g_return_val_if_fail (text != NULL, FALSE);

  copy = g_strstrip (g_strdup (text));

  /* "lat, lon" or "lat lon" with hemisphere letters between them. */
  split = strchr (copy, ',');
  if (split == NULL)
    split = strchr (copy, ';');
  if (split == NULL)
    {
      /* DMS with letters: split after the N/S letter. */
      for (char *p = copy; *p; p++)
        if ((*p == 'N' || *p == 'S' || *p == 'n' || *p == 's') && p[1] == ' ')
          {
            split = p + 1;
            break;
          }
    }
  if (split == NULL)
    {
      /* Two decimal numbers separated by white space. */
      char *space = strrchr (copy, ' ');
      split = space;
    }

  if (split == NULL)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           _("Type latitude and longitude, for example -15.4985, -70.1338."));
      return FALSE;
    }

  {
    g_autofree char *first = g_strndup (copy, split - copy);
    const char *second = (*split == ',' || *split == ';') ? split + 1 : split;

    if (!parse_one (first, TRUE, &lat) || !parse_one (second, FALSE, &lon))
      {
        g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                             _("These coordinates could not be read. Use decimal degrees "
                               "(-15.4985, -70.1338) or degrees, minutes and seconds "
                               "(15°29'55\"S 70°08'02\"W)."));
        return FALSE;
      }
  }

  if (lat < -90 || lat > 90)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   _("Latitude %.6f is out of range: it must be between -90 and 90."), lat);
      return FALSE;
    }
  if (lon < -180 || lon > 180)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   _("Longitude %.6f is out of range: it must be between -180 and 180."), lon);
      return FALSE;
    }

  *latitude = lat;
  *longitude = lon;
  return TRUE;
}
