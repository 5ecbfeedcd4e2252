/* tg-incident.c — a coordinator's incident: members, fields with
 * provenance, counts as ranges, merged persons, status; canonical JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-incident"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "tg-incident.h"
#include "tg-json-private.h"
#include "tg-revision.h"

typedef struct
{
  TgIncidentPerson  pub;
  GArray           *links;  /* TgPersonLink, sorted */
} Person;

struct _TgIncident
{
  GObject               parent_instance;

  char                 *id;
  GArray               *members;   /* TgIncidentMember, sorted by report id */
  JsonObject           *values[TG_INCIDENT_N_FIELDS];
  TgProvenance          provenance[TG_INCIDENT_N_FIELDS];
  TgIncidentCountValue  counts[TG_INCIDENT_N_COUNTS];
  GArray               *count_sources[TG_INCIDENT_N_COUNTS];  /* TgCountSource */
  GPtrArray            *persons;   /* Person */
  TgIncidentStatus      status;
  char                 *status_by;
  GDateTime            *status_at;
  char                 *status_reason;
  char                 *notes;

  char                **base_revisions;
  guint                 n_heads;
};

G_DEFINE_FINAL_TYPE (TgIncident, tg_incident, G_TYPE_OBJECT)

/* Names ----------------------------------------------------------------- */

static const char *status_names[] = { "unverified", "corroborated", "verified", "disputed" };
static const char *field_names[] = {
  "title", "narrative", "when", "location", "place", "categories", "perpetrators",
};
static const char *count_names[] = { "killed", "injured", "detained", "disappeared" };

/* Each field's report members, sorted (the order they are written in). */
static const char *field_title[] = { "title", NULL };
static const char *field_narrative[] = { "narrative", NULL };
static const char *field_when[] = { "date_precision", "end", "start", NULL };
static const char *field_location[] = { "latitude", "location_method", "longitude", "uncertainty_m", NULL };
static const char *field_place[] = { "place_name", "province_code", "region_code", NULL };
static const char *field_categories[] = { "categories", NULL };
static const char *field_perpetrators[] = { "perpetrator_unit", "perpetrators", NULL };
static const char **field_members[] = {
  field_title, field_narrative, field_when, field_location, field_place, field_categories,
  field_perpetrators,
};

G_STATIC_ASSERT (G_N_ELEMENTS (status_names) == TG_INCIDENT_STATUS_DISPUTED + 1);
G_STATIC_ASSERT (G_N_ELEMENTS (field_names) == TG_INCIDENT_N_FIELDS);
G_STATIC_ASSERT (G_N_ELEMENTS (field_members) == TG_INCIDENT_N_FIELDS);
G_STATIC_ASSERT (G_N_ELEMENTS (count_names) == TG_INCIDENT_N_COUNTS);

const char *
tg_incident_status_to_string (TgIncidentStatus status)
{
  g_return_val_if_fail ((guint) status < G_N_ELEMENTS (status_names), NULL);
  return status_names[status];
}

gboolean
tg_incident_status_from_string (const char       *str,
                                TgIncidentStatus *status)
{
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (status_names); i++)
    if (strcmp (str, status_names[i]) == 0)
      {
        *status = i;
        return TRUE;
      }
  return FALSE;
}

const char *
tg_incident_status_get_label (TgIncidentStatus status)
{
  switch (status)
    {
    case TG_INCIDENT_STATUS_UNVERIFIED: return _("Unverified");
    case TG_INCIDENT_STATUS_CORROBORATED: return _("Corroborated");
    case TG_INCIDENT_STATUS_VERIFIED: return _("Verified");
    case TG_INCIDENT_STATUS_DISPUTED: return _("Disputed");
    default: g_return_val_if_reached (NULL);
    }
}

const char *
tg_incident_field_to_string (TgIncidentField field)
{
  g_return_val_if_fail ((guint) field < TG_INCIDENT_N_FIELDS, NULL);
  return field_names[field];
}

gboolean
tg_incident_field_from_string (const char      *str,
                               TgIncidentField *field)
{
  for (guint i = 0; str != NULL && i < TG_INCIDENT_N_FIELDS; i++)
    if (strcmp (str, field_names[i]) == 0)
      {
        *field = i;
        return TRUE;
      }
  return FALSE;
}

const char *
tg_incident_field_get_label (TgIncidentField field)
{
  switch (field)
    {
    case TG_INCIDENT_FIELD_TITLE: return _("Title");
    case TG_INCIDENT_FIELD_NARRATIVE: return _("Narrative");
    case TG_INCIDENT_FIELD_WHEN: return _("Date");
    case TG_INCIDENT_FIELD_LOCATION: return _("Location");
    case TG_INCIDENT_FIELD_PLACE: return _("Place");
    case TG_INCIDENT_FIELD_CATEGORIES: return _("Categories");
    case TG_INCIDENT_FIELD_PERPETRATORS: return _("Alleged perpetrators");
    case TG_INCIDENT_N_FIELDS:
    default: g_return_val_if_reached (NULL);
    }
}

const char * const *
tg_incident_field_get_members (TgIncidentField field)
{
  g_return_val_if_fail ((guint) field < TG_INCIDENT_N_FIELDS, NULL);
  return field_members[field];
}

JsonObject *
tg_incident_field_value_from_report (TgIncidentField  field,
                                     TgReport        *report)
{
  g_autofree char *json = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *source;
  JsonObject *value = json_object_new ();

  g_return_val_if_fail ((guint) field < TG_INCIDENT_N_FIELDS, value);
  g_return_val_if_fail (TG_IS_REPORT (report), value);

  json = tg_report_to_json_string (report);
  root = json_from_string (json, NULL);
  source = json_node_get_object (root);
  for (guint i = 0; field_members[field][i] != NULL; i++)
    {
      JsonNode *member = json_object_get_member (source, field_members[field][i]);

      json_object_set_member (value, field_members[field][i],
                              member ? json_node_copy (member) : json_node_new (JSON_NODE_NULL));
    }
  return value;
}

const char *
tg_incident_count_to_string (TgIncidentCount count)
{
  g_return_val_if_fail ((guint) count < TG_INCIDENT_N_COUNTS, NULL);
  return count_names[count];
}

gboolean
tg_incident_count_from_string (const char      *str,
                               TgIncidentCount *count)
{
  for (guint i = 0; str != NULL && i < TG_INCIDENT_N_COUNTS; i++)
    if (strcmp (str, count_names[i]) == 0)
      {
        *count = i;
        return TRUE;
      }
  return FALSE;
}

const char *
tg_incident_count_get_label (TgIncidentCount count)
{
  switch (count)
    {
    case TG_INCIDENT_COUNT_KILLED: return _("Killed");
    case TG_INCIDENT_COUNT_INJURED: return _("Injured");
    case TG_INCIDENT_COUNT_DETAINED: return _("Detained");
    case TG_INCIDENT_COUNT_DISAPPEARED: return _("Disappeared");
    case TG_INCIDENT_N_COUNTS:
    default: g_return_val_if_reached (NULL);
    }
}

int
tg_incident_count_from_report (TgIncidentCount  count,
                               TgReport        *report)
{
  switch (count)
    {
    case TG_INCIDENT_COUNT_KILLED: return tg_report_get_killed (report);
    case TG_INCIDENT_COUNT_INJURED: return tg_report_get_injured (report);
    case TG_INCIDENT_COUNT_DETAINED: return tg_report_get_detained (report);
    case TG_INCIDENT_COUNT_DISAPPEARED: return tg_report_get_disappeared (report);
    case TG_INCIDENT_N_COUNTS:
    default: g_return_val_if_reached (-1);
    }
}

/* Helpers --------------------------------------------------------------- */

static void
member_clear (gpointer data)
{
  TgIncidentMember *member = data;

  g_free (member->report_id);
  g_free (member->revision_id);
}

static void
count_source_clear (gpointer data)
{
  TgCountSource *source = data;

  g_free (source->report_id);
}

static void
link_clear (gpointer data)
{
  TgPersonLink *link = data;

  g_free (link->report_id);
  g_free (link->person_id);
}

static void
person_free (gpointer data)
{
  Person *person = data;

  g_free (person->pub.id);
  g_free (person->pub.name);
  link_clear (&person->pub.name_from);
  g_array_unref (person->links);
  g_free (person);
}

static Person *
person_new (const char   *id,
            const char   *name,
            TgPersonRole  role)
{
  Person *person = g_new0 (Person, 1);

  person->pub.id = g_strdup (id);
  person->pub.name = g_strdup (name);
  person->pub.role = role;
  person->links = g_array_new (FALSE, TRUE, sizeof (TgPersonLink));
  g_array_set_clear_func (person->links, link_clear);
  return person;
}

static void
person_sync (Person *person)
{
  person->pub.n_links = person->links->len;
  person->pub.links = (TgPersonLink *) (gpointer) person->links->data;
}

static int
link_compare (gconstpointer a,
              gconstpointer b)
{
  const TgPersonLink *la = a;
  const TgPersonLink *lb = b;
  int cmp = g_strcmp0 (la->report_id, lb->report_id);

  return cmp != 0 ? cmp : g_strcmp0 (la->person_id, lb->person_id);
}

static void
person_add_link (Person     *person,
                 const char *report_id,
                 const char *person_id)
{
  TgPersonLink link = { g_strdup (report_id), g_strdup (person_id) };

  g_array_append_val (person->links, link);
  g_array_sort (person->links, link_compare);
  person_sync (person);
}

static gboolean
person_remove_link (Person     *person,
                    const char *report_id,
                    const char *person_id)
{
  for (guint i = 0; i < person->links->len; i++)
    {
      TgPersonLink *link = &g_array_index (person->links, TgPersonLink, i);

      if (g_strcmp0 (link->report_id, report_id) == 0 &&
          (person_id == NULL || g_strcmp0 (link->person_id, person_id) == 0))
        {
          g_array_remove_index (person->links, i);
          person_sync (person);
          if (g_strcmp0 (person->pub.name_from.report_id, report_id) == 0 &&
              (person_id == NULL || g_strcmp0 (person->pub.name_from.person_id, person_id) == 0))
            link_clear (&person->pub.name_from), memset (&person->pub.name_from, 0, sizeof (TgPersonLink));
          return TRUE;
        }
    }
  return FALSE;
}

static void
count_sync (TgIncident      *self,
            TgIncidentCount  count)
{
  TgIncidentCountValue *value = &self->counts[count];
  GArray *sources = self->count_sources[count];

  value->n_sources = sources->len;
  value->sources = (TgCountSource *) (gpointer) sources->data;
  value->min = value->max = -1;
  for (guint i = 0; i < sources->len; i++)
    {
      int v = g_array_index (sources, TgCountSource, i).value;

      if (value->min < 0 || v < value->min)
        value->min = v;
      if (value->max < 0 || v > value->max)
        value->max = v;
    }
}

static void
provenance_clear (TgProvenance *provenance)
{
  g_clear_pointer (&provenance->report_id, g_free);
  g_clear_pointer (&provenance->reason, g_free);
  provenance->kind = TG_PROVENANCE_NONE;
}

static void
provenance_set (TgProvenance     *provenance,
                TgProvenanceKind  kind,
                const char       *report_id,
                const char       *reason)
{
  char *r = g_strdup (report_id);
  char *why = reason && *reason ? g_strdup (reason) : NULL;

  provenance_clear (provenance);
  provenance->kind = kind;
  provenance->report_id = r;
  provenance->reason = why;
}

/* A copy of @value holding only @field's members (null for missing). */
static JsonObject *
field_value_filter (TgIncidentField  field,
                    JsonObject      *value)
{
  JsonObject *copy = json_object_new ();

  for (guint i = 0; field_members[field][i] != NULL; i++)
    {
      JsonNode *member = json_object_get_member (value, field_members[field][i]);

      json_object_set_member (copy, field_members[field][i],
                              member ? json_node_copy (member) : json_node_new (JSON_NODE_NULL));
    }
  return copy;
}

/* GObject --------------------------------------------------------------- */

static void
tg_incident_finalize (GObject *object)
{
  TgIncident *self = TG_INCIDENT (object);

  g_free (self->id);
  g_array_unref (self->members);
  for (guint i = 0; i < TG_INCIDENT_N_FIELDS; i++)
    {
      g_clear_pointer (&self->values[i], json_object_unref);
      provenance_clear (&self->provenance[i]);
    }
  for (guint i = 0; i < TG_INCIDENT_N_COUNTS; i++)
    {
      g_array_unref (self->count_sources[i]);
      g_free (self->counts[i].reason);
    }
  g_ptr_array_unref (self->persons);
  g_free (self->status_by);
  g_clear_pointer (&self->status_at, g_date_time_unref);
  g_free (self->status_reason);
  g_free (self->notes);
  g_strfreev (self->base_revisions);

  G_OBJECT_CLASS (tg_incident_parent_class)->finalize (object);
}

static void
tg_incident_class_init (TgIncidentClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tg_incident_finalize;
}

static void
tg_incident_init (TgIncident *self)
{
  self->members = g_array_new (FALSE, TRUE, sizeof (TgIncidentMember));
  g_array_set_clear_func (self->members, member_clear);
  for (guint i = 0; i < TG_INCIDENT_N_COUNTS; i++)
    {
      self->count_sources[i] = g_array_new (FALSE, TRUE, sizeof (TgCountSource));
      g_array_set_clear_func (self->count_sources[i], count_source_clear);
      self->counts[i].figure = -1;
      count_sync (self, i);
    }
  self->persons = g_ptr_array_new_with_free_func (person_free);
  self->status = TG_INCIDENT_STATUS_UNVERIFIED;
  self->n_heads = 1;
}

/* Public API ------------------------------------------------------------ */

TgIncident *
tg_incident_new (void)
{
  TgIncident *self = g_object_new (TG_TYPE_INCIDENT, NULL);

  self->id = tg_record_id_new ();
  return self;
}

TgIncident *
tg_incident_copy (TgIncident *self)
{
  g_autofree char *json = NULL;
  TgIncident *copy;

  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);

  json = tg_incident_to_json_string (self);
  copy = tg_incident_new_from_json_string (json, -1, NULL);
  g_assert (copy != NULL);
  tg_incident_set_base_revisions (copy, (const char * const *) self->base_revisions);
  copy->n_heads = self->n_heads;
  return copy;
}

const char *
tg_incident_get_id (TgIncident *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  return self->id;
}

/* Members */

guint
tg_incident_get_n_members (TgIncident *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), 0);
  return self->members->len;
}

const TgIncidentMember *
tg_incident_get_member (TgIncident *self,
                        guint       index)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  g_return_val_if_fail (index < self->members->len, NULL);
  return &g_array_index (self->members, TgIncidentMember, index);
}

static int
member_index (TgIncident *self,
              const char *report_id)
{
  for (guint i = 0; i < self->members->len; i++)
    if (g_strcmp0 (g_array_index (self->members, TgIncidentMember, i).report_id, report_id) == 0)
      return i;
  return -1;
}

const TgIncidentMember *
tg_incident_find_member (TgIncident *self,
                         const char *report_id)
{
  int i;

  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  i = member_index (self, report_id);
  return i < 0 ? NULL : &g_array_index (self->members, TgIncidentMember, i);
}

static int
member_compare (gconstpointer a,
                gconstpointer b)
{
  return g_strcmp0 (((const TgIncidentMember *) a)->report_id,
                    ((const TgIncidentMember *) b)->report_id);
}

void
tg_incident_add_member (TgIncident *self,
                        const char *report_id,
                        const char *revision_id)
{
  TgIncidentMember member = { 0 };

  g_return_if_fail (TG_IS_INCIDENT (self));
  g_return_if_fail (report_id != NULL);

  if (member_index (self, report_id) >= 0)
    return;
  member.report_id = g_strdup (report_id);
  member.revision_id = g_strdup (revision_id);
  g_array_append_val (self->members, member);
  g_array_sort (self->members, member_compare);
}

gboolean
tg_incident_remove_member (TgIncident *self,
                           const char *report_id)
{
  int index;

  g_return_val_if_fail (TG_IS_INCIDENT (self), FALSE);

  index = member_index (self, report_id);
  if (index < 0)
    return FALSE;
  g_array_remove_index (self->members, index);

  for (guint c = 0; c < TG_INCIDENT_N_COUNTS; c++)
    {
      GArray *sources = self->count_sources[c];

      for (guint i = sources->len; i > 0; i--)
        if (g_strcmp0 (g_array_index (sources, TgCountSource, i - 1).report_id, report_id) == 0)
          g_array_remove_index (sources, i - 1);
      count_sync (self, c);
    }

  for (guint i = self->persons->len; i > 0; i--)
    {
      Person *person = self->persons->pdata[i - 1];

      while (person_remove_link (person, report_id, NULL))
        ;
      if (person->links->len == 0)
        g_ptr_array_remove_index (self->persons, i - 1);
    }

  for (guint f = 0; f < TG_INCIDENT_N_FIELDS; f++)
    if (self->provenance[f].kind == TG_PROVENANCE_REPORT &&
        g_strcmp0 (self->provenance[f].report_id, report_id) == 0)
      tg_incident_clear_field (self, f);
  return TRUE;
}

void
tg_incident_set_member_state (TgIncident *self,
                              const char *report_id,
                              const char *revision_id,
                              gboolean    tombstoned)
{
  TgIncidentMember *member;
  int index;

  g_return_if_fail (TG_IS_INCIDENT (self));

  index = member_index (self, report_id);
  g_return_if_fail (index >= 0);
  member = &g_array_index (self->members, TgIncidentMember, index);
  if (revision_id != NULL)
    {
      g_free (member->revision_id);
      member->revision_id = g_strdup (revision_id);
    }
  member->tombstoned = !!tombstoned;
}

guint
tg_incident_count_tombstoned (TgIncident *self)
{
  guint n = 0;

  g_return_val_if_fail (TG_IS_INCIDENT (self), 0);
  for (guint i = 0; i < self->members->len; i++)
    n += g_array_index (self->members, TgIncidentMember, i).tombstoned ? 1 : 0;
  return n;
}

/* Fields */

JsonObject *
tg_incident_get_field_value (TgIncident      *self,
                             TgIncidentField  field)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  g_return_val_if_fail ((guint) field < TG_INCIDENT_N_FIELDS, NULL);
  return self->values[field];
}

const TgProvenance *
tg_incident_get_field_provenance (TgIncident      *self,
                                  TgIncidentField  field)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  g_return_val_if_fail ((guint) field < TG_INCIDENT_N_FIELDS, NULL);
  return &self->provenance[field];
}

void
tg_incident_set_field_from_report (TgIncident      *self,
                                   TgIncidentField  field,
                                   TgReport        *report)
{
  g_return_if_fail (TG_IS_INCIDENT (self));
  g_return_if_fail ((guint) field < TG_INCIDENT_N_FIELDS);
  g_return_if_fail (TG_IS_REPORT (report));

  g_clear_pointer (&self->values[field], json_object_unref);
  self->values[field] = tg_incident_field_value_from_report (field, report);
  provenance_set (&self->provenance[field], TG_PROVENANCE_REPORT, tg_report_get_id (report), NULL);
}

void
tg_incident_set_field_value (TgIncident      *self,
                             TgIncidentField  field,
                             JsonObject      *value,
                             const char      *reason)
{
  JsonObject *copy;

  g_return_if_fail (TG_IS_INCIDENT (self));
  g_return_if_fail ((guint) field < TG_INCIDENT_N_FIELDS);
  g_return_if_fail (value != NULL);

  copy = field_value_filter (field, value);
  g_clear_pointer (&self->values[field], json_object_unref);
  self->values[field] = copy;
  provenance_set (&self->provenance[field], TG_PROVENANCE_COORDINATOR, NULL, reason);
}

void
tg_incident_clear_field (TgIncident      *self,
                         TgIncidentField  field)
{
  g_return_if_fail (TG_IS_INCIDENT (self));
  g_return_if_fail ((guint) field < TG_INCIDENT_N_FIELDS);

  g_clear_pointer (&self->values[field], json_object_unref);
  provenance_clear (&self->provenance[field]);
}

static const char *
field_string (TgIncident      *self,
              TgIncidentField  field,
              const char      *name)
{
  JsonNode *node;

  if (self->values[field] == NULL ||
      !(node = json_object_get_member (self->values[field], name)) ||
      !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static double
field_double (TgIncident      *self,
              TgIncidentField  field,
              const char      *name)
{
  JsonNode *node;

  if (self->values[field] == NULL ||
      !(node = json_object_get_member (self->values[field], name)) ||
      !JSON_NODE_HOLDS_VALUE (node))
    return NAN;
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return json_node_get_double (node);
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  return NAN;
}

static GDateTime *
field_time (TgIncident      *self,
            const char      *name)
{
  const char *text = field_string (self, TG_INCIDENT_FIELD_WHEN, name);

  return text ? g_date_time_new_from_iso8601 (text, NULL) : NULL;
}

const char *
tg_incident_get_title (TgIncident *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  return field_string (self, TG_INCIDENT_FIELD_TITLE, "title");
}

const char *
tg_incident_get_narrative (TgIncident *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  return field_string (self, TG_INCIDENT_FIELD_NARRATIVE, "narrative");
}

GDateTime *
tg_incident_dup_start (TgIncident *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  return field_time (self, "start");
}

GDateTime *
tg_incident_dup_end (TgIncident *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  return field_time (self, "end");
}

double
tg_incident_get_latitude (TgIncident *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), NAN);
  return field_double (self, TG_INCIDENT_FIELD_LOCATION, "latitude");
}

double
tg_incident_get_longitude (TgIncident *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), NAN);
  return field_double (self, TG_INCIDENT_FIELD_LOCATION, "longitude");
}

const char *
tg_incident_get_region_code (TgIncident *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  return field_string (self, TG_INCIDENT_FIELD_PLACE, "region_code");
}

const char *
tg_incident_get_province_code (TgIncident *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  return field_string (self, TG_INCIDENT_FIELD_PLACE, "province_code");
}

const char *
tg_incident_get_place_name (TgIncident *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  return field_string (self, TG_INCIDENT_FIELD_PLACE, "place_name");
}

char **
tg_incident_dup_categories (TgIncident *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonNode *node;

  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);

  if (self->values[TG_INCIDENT_FIELD_CATEGORIES] != NULL &&
      (node = json_object_get_member (self->values[TG_INCIDENT_FIELD_CATEGORIES], "categories")) &&
      JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING)
            g_strv_builder_add (builder, json_node_get_string (item));
        }
    }
  return g_strv_builder_end (builder);
}

/* Counts */

const TgIncidentCountValue *
tg_incident_get_count (TgIncident      *self,
                       TgIncidentCount  count)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  g_return_val_if_fail ((guint) count < TG_INCIDENT_N_COUNTS, NULL);
  return &self->counts[count];
}

void
tg_incident_clear_count_sources (TgIncident      *self,
                                 TgIncidentCount  count)
{
  g_return_if_fail (TG_IS_INCIDENT (self));
  g_return_if_fail ((guint) count < TG_INCIDENT_N_COUNTS);

  g_array_set_size (self->count_sources[count], 0);
  count_sync (self, count);
}

static int
count_source_compare (gconstpointer a,
                      gconstpointer b)
{
  return g_strcmp0 (((const TgCountSource *) a)->report_id,
                    ((const TgCountSource *) b)->report_id);
}

void
tg_incident_add_count_source (TgIncident      *self,
                              TgIncidentCount  count,
                              const char      *report_id,
                              int              value)
{
  GArray *sources;
  TgCountSource source;

  g_return_if_fail (TG_IS_INCIDENT (self));
  g_return_if_fail ((guint) count < TG_INCIDENT_N_COUNTS);
  g_return_if_fail (report_id != NULL);

  if (value < 0)
    return;
  sources = self->count_sources[count];
  for (guint i = 0; i < sources->len; i++)
    if (g_strcmp0 (g_array_index (sources, TgCountSource, i).report_id, report_id) == 0)
      {
        g_array_index (sources, TgCountSource, i).value = value;
        count_sync (self, count);
        return;
      }
  source.report_id = g_strdup (report_id);
  source.value = value;
  g_array_append_val (sources, source);
  g_array_sort (sources, count_source_compare);
  count_sync (self, count);
}

void
tg_incident_set_count_figure (TgIncident      *self,
                              TgIncidentCount  count,
                              int              figure,
                              const char      *reason)
{
  TgIncidentCountValue *value;

  g_return_if_fail (TG_IS_INCIDENT (self));
  g_return_if_fail ((guint) count < TG_INCIDENT_N_COUNTS);

  value = &self->counts[count];
  g_clear_pointer (&value->reason, g_free);
  value->figure = figure < 0 ? -1 : figure;
  if (figure >= 0 && reason != NULL && *reason != '\0')
    value->reason = g_strdup (reason);
}

int
tg_incident_get_count_display (TgIncident      *self,
                               TgIncidentCount  count)
{
  const TgIncidentCountValue *value;

  g_return_val_if_fail (TG_IS_INCIDENT (self), -1);
  g_return_val_if_fail ((guint) count < TG_INCIDENT_N_COUNTS, -1);

  value = &self->counts[count];
  if (value->figure >= 0)
    return value->figure;
  return value->min == value->max ? value->min : -1;
}

/* Persons */

guint
tg_incident_get_n_persons (TgIncident *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), 0);
  return self->persons->len;
}

const TgIncidentPerson *
tg_incident_get_person (TgIncident *self,
                        guint       index)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  g_return_val_if_fail (index < self->persons->len, NULL);
  return &((Person *) self->persons->pdata[index])->pub;
}

static Person *
find_person (TgIncident *self,
             const char *person_id,
             guint      *index)
{
  for (guint i = 0; i < self->persons->len; i++)
    {
      Person *person = self->persons->pdata[i];

      if (g_strcmp0 (person->pub.id, person_id) == 0)
        {
          if (index != NULL)
            *index = i;
          return person;
        }
    }
  return NULL;
}

static Person *
find_person_by_link (TgIncident *self,
                     const char *report_id,
                     const char *report_person_id,
                     guint      *index)
{
  for (guint i = 0; i < self->persons->len; i++)
    {
      Person *person = self->persons->pdata[i];

      for (guint j = 0; j < person->links->len; j++)
        {
          TgPersonLink *link = &g_array_index (person->links, TgPersonLink, j);

          if (g_strcmp0 (link->report_id, report_id) == 0 &&
              g_strcmp0 (link->person_id, report_person_id) == 0)
            {
              if (index != NULL)
                *index = i;
              return person;
            }
        }
    }
  return NULL;
}

const TgIncidentPerson *
tg_incident_find_person (TgIncident *self,
                         const char *person_id)
{
  Person *person;

  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  person = find_person (self, person_id, NULL);
  return person ? &person->pub : NULL;
}

const TgIncidentPerson *
tg_incident_find_person_by_link (TgIncident *self,
                                 const char *report_id,
                                 const char *report_person_id)
{
  Person *person;

  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  person = find_person_by_link (self, report_id, report_person_id, NULL);
  return person ? &person->pub : NULL;
}

/* Takes a mention out of whatever person holds it; a person left with no
 * link goes (unless it is @keep). */
static void
unlink_mention (TgIncident *self,
                const char *report_id,
                const char *report_person_id,
                Person     *keep)
{
  guint index;
  Person *old = find_person_by_link (self, report_id, report_person_id, &index);

  if (old == NULL)
    return;
  person_remove_link (old, report_id, report_person_id);
  if (old->links->len == 0 && old != keep)
    g_ptr_array_remove_index (self->persons, index);
}

const char *
tg_incident_add_person (TgIncident   *self,
                        const char   *name,
                        TgPersonRole  role,
                        const char   *report_id,
                        const char   *report_person_id)
{
  Person *person;
  g_autofree char *id = NULL;

  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  g_return_val_if_fail (report_id != NULL && report_person_id != NULL, NULL);

  unlink_mention (self, report_id, report_person_id, NULL);
  id = g_uuid_string_random ();
  person = person_new (id, name, role);
  person->pub.name_from.report_id = g_strdup (report_id);
  person->pub.name_from.person_id = g_strdup (report_person_id);
  person_add_link (person, report_id, report_person_id);
  g_ptr_array_add (self->persons, person);
  return person->pub.id;
}

gboolean
tg_incident_link_person (TgIncident *self,
                         const char *person_id,
                         const char *report_id,
                         const char *report_person_id)
{
  Person *person;

  g_return_val_if_fail (TG_IS_INCIDENT (self), FALSE);

  if (!(person = find_person (self, person_id, NULL)))
    return FALSE;
  if (find_person_by_link (self, report_id, report_person_id, NULL) == person)
    return TRUE;
  unlink_mention (self, report_id, report_person_id, person);
  person_add_link (person, report_id, report_person_id);
  return TRUE;
}

gboolean
tg_incident_merge_persons (TgIncident *self,
                           const char *into_id,
                           const char *from_id)
{
  Person *into;
  Person *from;
  guint from_index;

  g_return_val_if_fail (TG_IS_INCIDENT (self), FALSE);

  into = find_person (self, into_id, NULL);
  from = find_person (self, from_id, &from_index);
  if (into == NULL || from == NULL || into == from)
    return FALSE;
  for (guint i = 0; i < from->links->len; i++)
    {
      TgPersonLink *link = &g_array_index (from->links, TgPersonLink, i);
      TgPersonLink copy = { g_strdup (link->report_id), g_strdup (link->person_id) };

      g_array_append_val (into->links, copy);
    }
  g_array_sort (into->links, link_compare);
  person_sync (into);
  g_ptr_array_remove_index (self->persons, from_index);
  return TRUE;
}

const char *
tg_incident_split_person (TgIncident   *self,
                          const char   *report_id,
                          const char   *report_person_id,
                          const char   *name,
                          TgPersonRole  role)
{
  Person *old;

  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);

  old = find_person_by_link (self, report_id, report_person_id, NULL);
  if (old == NULL || old->links->len < 2)
    return NULL;
  return tg_incident_add_person (self, name, role, report_id, report_person_id);
}

gboolean
tg_incident_set_person_name (TgIncident *self,
                             const char *person_id,
                             const char *name,
                             const char *from_report_id,
                             const char *from_person_id)
{
  Person *person;

  g_return_val_if_fail (TG_IS_INCIDENT (self), FALSE);

  if (!(person = find_person (self, person_id, NULL)))
    return FALSE;
  g_free (person->pub.name);
  person->pub.name = g_strdup (name);
  link_clear (&person->pub.name_from);
  person->pub.name_from.report_id = g_strdup (from_report_id);
  person->pub.name_from.person_id = from_report_id ? g_strdup (from_person_id) : NULL;
  return TRUE;
}

/* Status, notes */

TgIncidentStatus
tg_incident_get_status (TgIncident *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), TG_INCIDENT_STATUS_UNVERIFIED);
  return self->status;
}

const char *
tg_incident_get_status_by (TgIncident *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  return self->status_by;
}

GDateTime *
tg_incident_get_status_at (TgIncident *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  return self->status_at;
}

const char *
tg_incident_get_status_reason (TgIncident *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  return self->status_reason;
}

void
tg_incident_set_status (TgIncident       *self,
                        TgIncidentStatus  status,
                        const char       *by,
                        GDateTime        *at,
                        const char       *reason)
{
  g_return_if_fail (TG_IS_INCIDENT (self));
  g_return_if_fail ((guint) status < G_N_ELEMENTS (status_names));

  self->status = status;
  tg_set_string (&self->status_by, by);
  tg_set_string (&self->status_reason, reason);
  g_clear_pointer (&self->status_at, g_date_time_unref);
  self->status_at = at ? g_date_time_ref (at) : NULL;
}

const char *
tg_incident_get_notes (TgIncident *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  return self->notes;
}

void
tg_incident_set_notes (TgIncident *self,
                       const char *notes)
{
  g_return_if_fail (TG_IS_INCIDENT (self));
  tg_set_string (&self->notes, notes);
}

/* Revision bookkeeping */

const char * const *
tg_incident_get_base_revisions (TgIncident *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);
  return (const char * const *) self->base_revisions;
}

void
tg_incident_set_base_revisions (TgIncident         *self,
                                const char * const *rev_ids)
{
  g_return_if_fail (TG_IS_INCIDENT (self));
  g_strfreev (self->base_revisions);
  self->base_revisions = rev_ids && rev_ids[0] ? g_strdupv ((char **) rev_ids) : NULL;
}

guint
tg_incident_get_n_heads (TgIncident *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), 1);
  return self->n_heads;
}

void
tg_incident_set_n_heads (TgIncident *self,
                         guint       n_heads)
{
  g_return_if_fail (TG_IS_INCIDENT (self));
  self->n_heads = n_heads;
}

gboolean
tg_incident_has_conflict (TgIncident *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), FALSE);
  return self->n_heads > 1;
}

/* JSON ------------------------------------------------------------------ */

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Any JSON value, objects with their members sorted by name. */
static void
write_node (TgJsonWriter *writer,
            const char   *name,
            JsonNode     *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      tg_json_write_string (writer, name, NULL);
      return;
    }
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      GList *names = json_object_get_members (object);
      g_autoptr(GPtrArray) sorted = g_ptr_array_new ();

      for (GList *l = names; l != NULL; l = l->next)
        g_ptr_array_add (sorted, l->data);
      g_list_free (names);
      g_ptr_array_sort (sorted, compare_strings);
      tg_json_writer_begin_object (writer, name);
      for (guint i = 0; i < sorted->len; i++)
        write_node (writer, sorted->pdata[i], json_object_get_member (object, sorted->pdata[i]));
      tg_json_writer_end_object (writer);
      return;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      tg_json_writer_begin_array (writer, name);
      for (guint i = 0; i < json_array_get_length (array); i++)
        write_node (writer, NULL, json_array_get_element (array, i));
      tg_json_writer_end_array (writer);
      return;
    }
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      tg_json_write_string (writer, name, json_node_get_string (node));
      break;
    case G_TYPE_INT64:
      tg_json_write_int (writer, name, json_node_get_int (node));
      break;
    case G_TYPE_DOUBLE:
      tg_json_write_double (writer, name, json_node_get_double (node));
      break;
    case G_TYPE_BOOLEAN:
      tg_json_write_bool (writer, name, json_node_get_boolean (node));
      break;
    default:
      tg_json_write_string (writer, name, NULL);
      break;
    }
}

static void
write_link (TgJsonWriter       *writer,
            const char         *name,
            const TgPersonLink *link)
{
  if (link->report_id == NULL)
    {
      tg_json_write_string (writer, name, NULL);
      return;
    }
  tg_json_writer_begin_object (writer, name);
  tg_json_write_string (writer, "report", link->report_id);
  tg_json_write_string (writer, "person", link->person_id);
  tg_json_writer_end_object (writer);
}

char *
tg_incident_to_json_string (TgIncident *self)
{
  GString *out;
  TgJsonWriter writer;
  g_autofree char *status_at = NULL;

  g_return_val_if_fail (TG_IS_INCIDENT (self), NULL);

  out = g_string_sized_new (2048);
  tg_json_writer_init (&writer, out);
  tg_json_writer_begin_object (&writer, NULL);
  tg_json_write_string (&writer, "format", TG_INCIDENT_FORMAT);
  tg_json_write_string (&writer, "id", self->id);

  tg_json_writer_begin_array (&writer, "members");
  for (guint i = 0; i < self->members->len; i++)
    {
      TgIncidentMember *member = &g_array_index (self->members, TgIncidentMember, i);

      tg_json_writer_begin_object (&writer, NULL);
      tg_json_write_string (&writer, "report", member->report_id);
      tg_json_write_string (&writer, "revision", member->revision_id);
      tg_json_write_bool (&writer, "tombstoned", member->tombstoned);
      tg_json_writer_end_object (&writer);
    }
  tg_json_writer_end_array (&writer);

  tg_json_writer_begin_object (&writer, "fields");
  for (guint f = 0; f < TG_INCIDENT_N_FIELDS; f++)
    {
      static const char *kinds[] = { "none", "report", "coordinator" };
      TgProvenance *provenance = &self->provenance[f];

      tg_json_writer_begin_object (&writer, field_names[f]);
      if (self->values[f] != NULL)
        {
          g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

          json_node_set_object (node, self->values[f]);
          write_node (&writer, "value", node);
        }
      else
        tg_json_write_string (&writer, "value", NULL);
      tg_json_writer_begin_object (&writer, "provenance");
      tg_json_write_string (&writer, "kind", kinds[provenance->kind]);
      tg_json_write_string (&writer, "report", provenance->report_id);
      tg_json_write_string (&writer, "reason", provenance->reason);
      tg_json_writer_end_object (&writer);
      tg_json_writer_end_object (&writer);
    }
  tg_json_writer_end_object (&writer);

  tg_json_writer_begin_object (&writer, "counts");
  for (guint c = 0; c < TG_INCIDENT_N_COUNTS; c++)
    {
      TgIncidentCountValue *value = &self->counts[c];

      tg_json_writer_begin_object (&writer, count_names[c]);
      tg_json_write_int (&writer, "min", value->min);
      tg_json_write_int (&writer, "max", value->max);
      tg_json_writer_begin_array (&writer, "sources");
      for (guint i = 0; i < value->n_sources; i++)
        {
          tg_json_writer_begin_object (&writer, NULL);
          tg_json_write_string (&writer, "report", value->sources[i].report_id);
          tg_json_write_int (&writer, "value", value->sources[i].value);
          tg_json_writer_end_object (&writer);
        }
      tg_json_writer_end_array (&writer);
      if (value->figure >= 0)
        tg_json_write_int (&writer, "figure", value->figure);
      else
        tg_json_write_string (&writer, "figure", NULL);
      tg_json_write_string (&writer, "reason", value->reason);
      tg_json_writer_end_object (&writer);
    }
  tg_json_writer_end_object (&writer);

  tg_json_writer_begin_array (&writer, "persons");
  for (guint i = 0; i < self->persons->len; i++)
    {
      Person *person = self->persons->pdata[i];

      tg_json_writer_begin_object (&writer, NULL);
      tg_json_write_string (&writer, "id", person->pub.id);
      tg_json_write_string (&writer, "name", person->pub.name);
      tg_json_write_string (&writer, "role", tg_person_role_to_string (person->pub.role));
      write_link (&writer, "name_from", &person->pub.name_from);
      tg_json_writer_begin_array (&writer, "links");
      for (guint j = 0; j < person->links->len; j++)
        write_link (&writer, NULL, &g_array_index (person->links, TgPersonLink, j));
      tg_json_writer_end_array (&writer);
      tg_json_writer_end_object (&writer);
    }
  tg_json_writer_end_array (&writer);

  tg_json_writer_begin_object (&writer, "status");
  tg_json_write_string (&writer, "value", status_names[self->status]);
  tg_json_write_string (&writer, "by", self->status_by);
  status_at = tg_format_rfc3339 (self->status_at);
  tg_json_write_string (&writer, "at", status_at);
  tg_json_write_string (&writer, "reason", self->status_reason);
  tg_json_writer_end_object (&writer);

  tg_json_write_string (&writer, "notes", self->notes);
  tg_json_writer_end_object (&writer);

  return g_string_free (out, FALSE);
}

static gboolean
invalid (GError    **error,
         const char *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError    **error,
         const char *format,
         ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, TG_ERROR, TG_ERROR_INVALID, "incident: %s", message);
  return FALSE;
}

static JsonObject *
get_object (JsonObject  *object,
            const char  *name,
            gboolean     nullable,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    return json_node_get_object (node);
  if (nullable && (node == NULL || JSON_NODE_HOLDS_NULL (node)))
    return NULL;
  invalid (error, "\"%s\" must be an object", name);
  return NULL;
}

static JsonArray *
get_array (JsonObject  *object,
           const char  *name,
           GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    return json_node_get_array (node);
  invalid (error, "\"%s\" must be an array", name);
  return NULL;
}

static JsonObject *
array_object (JsonArray  *array,
              guint       i,
              const char *what,
              GError    **error)
{
  JsonNode *node = json_array_get_element (array, i);

  if (JSON_NODE_HOLDS_OBJECT (node))
    return json_node_get_object (node);
  invalid (error, "%s[%u] must be an object", what, i);
  return NULL;
}

static gboolean
read_link (JsonObject    *object,
           const char    *what,
           TgPersonLink  *link,
           GError       **error)
{
  const char *report = NULL;
  const char *person = NULL;

  if (!tg_json_get_string (object, what, "report", &report, error) ||
      !tg_json_get_string (object, what, "person", &person, error))
    return FALSE;
  if (report == NULL || person == NULL)
    return invalid (error, "%s: a link names a report and a person", what);
  link->report_id = g_strdup (report);
  link->person_id = g_strdup (person);
  return TRUE;
}

static gboolean
parse (TgIncident  *self,
       JsonNode    *root,
       GError     **error)
{
  JsonObject *object;
  JsonObject *fields;
  JsonObject *counts;
  JsonObject *status;
  JsonArray *array;
  const char *text = NULL;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return invalid (error, "not a JSON object");
  object = json_node_get_object (root);

  if (!tg_json_get_string (object, "incident", "format", &text, error))
    return FALSE;
  if (g_strcmp0 (text, TG_INCIDENT_FORMAT) != 0)
    return invalid (error, "unknown format \"%s\"", text ? text : "");
  if (!tg_json_get_string (object, "incident", "id", &text, error))
    return FALSE;
  if (text == NULL || !tg_is_uuid (text))
    return invalid (error, "\"id\" must be a UUID");
  self->id = g_strdup (text);

  if (!(array = get_array (object, "members", error)))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *m = array_object (array, i, "members", error);
      const char *report = NULL;
      const char *revision = NULL;
      gboolean tombstoned = FALSE;

      if (m == NULL ||
          !tg_json_get_string (m, "member", "report", &report, error) ||
          !tg_json_get_string (m, "member", "revision", &revision, error) ||
          !tg_json_get_bool (m, "member", "tombstoned", &tombstoned, error))
        return FALSE;
      if (report == NULL)
        return invalid (error, "members[%u] has no report", i);
      if (member_index (self, report) >= 0)
        return invalid (error, "report %s is a member twice", report);
      tg_incident_add_member (self, report, revision);
      tg_incident_set_member_state (self, report, NULL, tombstoned);
    }

  if (!(fields = get_object (object, "fields", FALSE, error)))
    return FALSE;
  for (guint f = 0; f < TG_INCIDENT_N_FIELDS; f++)
    {
      JsonObject *field = get_object (fields, field_names[f], TRUE, error);
      JsonObject *value;
      JsonObject *provenance;
      const char *kind = NULL;
      const char *report = NULL;
      const char *reason = NULL;
      g_autoptr(GError) local_error = NULL;

      if (field == NULL)
        {
          if (error != NULL && *error != NULL)
            return FALSE;
          continue;
        }
      value = get_object (field, "value", TRUE, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (!(provenance = get_object (field, "provenance", FALSE, error)) ||
          !tg_json_get_string (provenance, field_names[f], "kind", &kind, error) ||
          !tg_json_get_string (provenance, field_names[f], "report", &report, error) ||
          !tg_json_get_string (provenance, field_names[f], "reason", &reason, error))
        return FALSE;
      if (value != NULL)
        self->values[f] = field_value_filter (f, value);
      if (g_strcmp0 (kind, "report") == 0)
        provenance_set (&self->provenance[f], TG_PROVENANCE_REPORT, report, NULL);
      else if (g_strcmp0 (kind, "coordinator") == 0)
        provenance_set (&self->provenance[f], TG_PROVENANCE_COORDINATOR, NULL, reason);
      else if (g_strcmp0 (kind, "none") != 0)
        return invalid (error, "%s: unknown provenance \"%s\"", field_names[f], kind ? kind : "");
      if ((self->values[f] == NULL) != (self->provenance[f].kind == TG_PROVENANCE_NONE))
        return invalid (error, "%s: a value needs a provenance, and only a value has one",
                        field_names[f]);
    }

  if (!(counts = get_object (object, "counts", FALSE, error)))
    return FALSE;
  for (guint c = 0; c < TG_INCIDENT_N_COUNTS; c++)
    {
      JsonObject *count = get_object (counts, count_names[c], FALSE, error);
      gint64 figure;

      if (count == NULL || !(array = get_array (count, "sources", error)))
        return FALSE;
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonObject *s = array_object (array, i, count_names[c], error);
          const char *report = NULL;
          gint64 value;

          if (s == NULL ||
              !tg_json_get_string (s, count_names[c], "report", &report, error) ||
              !tg_json_get_int (s, count_names[c], "value", -1, &value, error))
            return FALSE;
          if (report == NULL || value < 0 || value > G_MAXINT)
            return invalid (error, "%s: a source needs a report and a value of 0 or more",
                            count_names[c]);
          tg_incident_add_count_source (self, c, report, value);
        }
      if (!tg_json_get_int (count, count_names[c], "figure", -1, &figure, error) ||
          !tg_json_get_string (count, count_names[c], "reason", &text, error))
        return FALSE;
      if (figure < -1 || figure > G_MAXINT)
        return invalid (error, "%s: a figure must be 0 or more", count_names[c]);
      tg_incident_set_count_figure (self, c, figure, text);
    }

  if (!(array = get_array (object, "persons", error)))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *p = array_object (array, i, "persons", error);
      JsonObject *name_from;
      JsonArray *links;
      const char *id = NULL;
      const char *name = NULL;
      const char *role = NULL;
      TgPersonRole role_value;
      Person *person;
      g_autoptr(GError) local_error = NULL;

      if (p == NULL ||
          !tg_json_get_string (p, "person", "id", &id, error) ||
          !tg_json_get_string (p, "person", "name", &name, error) ||
          !tg_json_get_string (p, "person", "role", &role, error))
        return FALSE;
      if (id == NULL || find_person (self, id, NULL) != NULL)
        return invalid (error, "persons[%u] needs an id of its own", i);
      if (!tg_person_role_from_string (role, &role_value))
        return invalid (error, "persons[%u]: unknown role", i);
      person = person_new (id, name, role_value);
      g_ptr_array_add (self->persons, person);
      name_from = get_object (p, "name_from", TRUE, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (name_from != NULL && !read_link (name_from, "name_from", &person->pub.name_from, error))
        return FALSE;
      if (!(links = get_array (p, "links", error)))
        return FALSE;
      for (guint j = 0; j < json_array_get_length (links); j++)
        {
          JsonObject *l = array_object (links, j, "links", error);
          TgPersonLink link = { 0 };

          if (l == NULL || !read_link (l, "links", &link, error))
            return FALSE;
          if (find_person_by_link (self, link.report_id, link.person_id, NULL) != NULL)
            {
              link_clear (&link);
              return invalid (error, "persons[%u]: a mention is linked twice", i);
            }
          g_array_append_val (person->links, link);
        }
      g_array_sort (person->links, link_compare);
      person_sync (person);
    }

  if (!(status = get_object (object, "status", FALSE, error)))
    return FALSE;
  if (!tg_json_get_string (status, "status", "value", &text, error))
    return FALSE;
  if (!tg_incident_status_from_string (text, &self->status))
    return invalid (error, "unknown status \"%s\"", text ? text : "");
  if (!tg_json_get_string (status, "status", "by", &text, error))
    return FALSE;
  tg_set_string (&self->status_by, text);
  if (!tg_json_get_string (status, "status", "reason", &text, error))
    return FALSE;
  tg_set_string (&self->status_reason, text);
  if (!tg_json_get_string (status, "status", "at", &text, error))
    return FALSE;
  if (text != NULL && !(self->status_at = g_date_time_new_from_iso8601 (text, NULL)))
    return invalid (error, "the status time is not a date-time");

  if (!tg_json_get_string (object, "incident", "notes", &text, error))
    return FALSE;
  tg_set_string (&self->notes, text);
  return TRUE;
}

TgIncident *
tg_incident_new_from_json_string (const char  *json,
                                  gssize       length,
                                  GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TgIncident) self = NULL;

  g_return_val_if_fail (json != NULL, NULL);

  if (!json_parser_load_from_data (parser, json, length, &local_error))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   "incident: not valid JSON: %s", local_error->message);
      return NULL;
    }
  self = g_object_new (TG_TYPE_INCIDENT, NULL);
  if (!parse (self, json_parser_get_root (parser), error))
    return NULL;
  return g_steal_pointer (&self);
}

/* Validation ------------------------------------------------------------ */

gboolean
tg_incident_validate (TgIncident  *self,
                      GError     **error)
{
  g_return_val_if_fail (TG_IS_INCIDENT (self), FALSE);

  if (self->id == NULL || !tg_is_uuid (self->id))
    return invalid (error, "the id is not a UUID");
  for (guint f = 0; f < TG_INCIDENT_N_FIELDS; f++)
    if (self->provenance[f].kind == TG_PROVENANCE_REPORT &&
        member_index (self, self->provenance[f].report_id) < 0)
      {
        g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                     _("The field “%s” of the incident comes from a report that is not in it."),
                     tg_incident_field_get_label (f));
        return FALSE;
      }
  for (guint c = 0; c < TG_INCIDENT_N_COUNTS; c++)
    {
      for (guint i = 0; i < self->counts[c].n_sources; i++)
        if (member_index (self, self->counts[c].sources[i].report_id) < 0)
          {
            g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                         _("A figure for “%s” comes from a report that is not in the incident."),
                         tg_incident_count_get_label (c));
            return FALSE;
          }
      if (self->counts[c].figure < -1)
        return invalid (error, "a figure below 0");
    }
  for (guint i = 0; i < self->persons->len; i++)
    {
      Person *person = self->persons->pdata[i];

      if (person->links->len == 0)
        return invalid (error, "person %s has no link", person->pub.id);
      for (guint j = 0; j < person->links->len; j++)
        if (member_index (self, g_array_index (person->links, TgPersonLink, j).report_id) < 0)
          {
            g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                         _("A person of the incident is linked to a report that is not in it."));
            return FALSE;
          }
    }
  return TRUE;
}
