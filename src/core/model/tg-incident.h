/* tg-incident.h — a coordinator's consolidated record of one event
 *
 * A *report* is one monitor's account: it syncs and a coordinator never
 * alters it. An *incident* is what a coordinator makes of several reports
 * that describe the same event: which reports it holds (its members), each
 * field's chosen value and where it came from, the counts the reports
 * disagree on kept as a range with their sources, the persons matched
 * across reports, a verification status and notes. It is stored as
 * revisions of kind TG_REVISION_KIND_INCIDENT, like a report's: every
 * change is a new revision, two concurrent changes are two heads.
 *
 * The structures below are read-only views owned by the incident; change
 * an incident through the functions. See docs/data-model.md, "Incidents".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "tg-report.h"
#include "tg-types.h"

G_BEGIN_DECLS

/* The "format" member of an incident's canonical JSON. */
#define TG_INCIDENT_FORMAT "testigo-incident-1"

typedef enum
{
  TG_INCIDENT_STATUS_UNVERIFIED,
  TG_INCIDENT_STATUS_CORROBORATED,  /* two independent sources agree */
  TG_INCIDENT_STATUS_VERIFIED,
  TG_INCIDENT_STATUS_DISPUTED,
} TgIncidentStatus;

/* "unverified", "corroborated", "verified", "disputed": never change. */
const char *tg_incident_status_to_string   (TgIncidentStatus  status);
gboolean    tg_incident_status_from_string (const char       *str,
                                            TgIncidentStatus *status);
/* Translated, for people. */
const char *tg_incident_status_get_label   (TgIncidentStatus  status);

/* The fields an incident consolidates. Each holds the members of a
 * report's canonical JSON that belong together (a date is its start, end
 * and precision; a location its point, uncertainty and method):
 *   TITLE         title
 *   NARRATIVE     narrative
 *   WHEN          start, end, date_precision
 *   LOCATION      latitude, longitude, uncertainty_m, location_method
 *   PLACE         place_name, region_code, province_code
 *   CATEGORIES    categories
 *   PERPETRATORS  perpetrators, perpetrator_unit
 * Counts (killed, injured, …) and persons are kept apart: see below. */
typedef enum
{
  TG_INCIDENT_FIELD_TITLE,
  TG_INCIDENT_FIELD_NARRATIVE,
  TG_INCIDENT_FIELD_WHEN,
  TG_INCIDENT_FIELD_LOCATION,
  TG_INCIDENT_FIELD_PLACE,
  TG_INCIDENT_FIELD_CATEGORIES,
  TG_INCIDENT_FIELD_PERPETRATORS,
  TG_INCIDENT_N_FIELDS
} TgIncidentField;

/* "title", "narrative", "when", "location", "place", "categories",
 * "perpetrators": the keys of the canonical JSON's "fields" object. */
const char *tg_incident_field_to_string    (TgIncidentField   field);
gboolean    tg_incident_field_from_string  (const char       *str,
                                            TgIncidentField  *field);
/* Translated, for people ("Title", "Date", "Location", …). */
const char *tg_incident_field_get_label    (TgIncidentField   field);
/* The report JSON members a field holds, NULL-terminated. */
const char * const *tg_incident_field_get_members (TgIncidentField field);
/* The value @report has for @field: a new object holding those members
 * as the report's canonical JSON has them. Never NULL. */
JsonObject *tg_incident_field_value_from_report (TgIncidentField  field,
                                                 TgReport        *report);

typedef enum
{
  TG_INCIDENT_COUNT_KILLED,
  TG_INCIDENT_COUNT_INJURED,
  TG_INCIDENT_COUNT_DETAINED,
  TG_INCIDENT_COUNT_DISAPPEARED,
  TG_INCIDENT_N_COUNTS
} TgIncidentCount;

/* "killed", "injured", "detained", "disappeared". */
const char *tg_incident_count_to_string    (TgIncidentCount   count);
gboolean    tg_incident_count_from_string  (const char       *str,
                                            TgIncidentCount  *count);
const char *tg_incident_count_get_label    (TgIncidentCount   count);  /* translated */
/* That count in @report (-1 unknown). */
int         tg_incident_count_from_report  (TgIncidentCount   count,
                                            TgReport         *report);

/* Where a value came from. */
typedef enum
{
  TG_PROVENANCE_NONE,         /* unset: no member report has it */
  TG_PROVENANCE_REPORT,       /* taken from the member report @report_id */
  TG_PROVENANCE_COORDINATOR,  /* written by the coordinator, for @reason */
} TgProvenanceKind;

typedef struct
{
  TgProvenanceKind  kind;
  char             *report_id;  /* REPORT only */
  char             *reason;     /* COORDINATOR only; may be NULL */
} TgProvenance;

/* A member report. @revision_id is the report's head revision when it
 * joined or was last looked at; @tombstoned is TRUE once its monitor has
 * deleted it: the link stays, and the incident says so. */
typedef struct
{
  char     *report_id;
  char     *revision_id;
  gboolean  tombstoned;
} TgIncidentMember;

/* One report's figure for a count. */
typedef struct
{
  char *report_id;
  int   value;       /* >= 0: reports that do not know are not sources */
} TgCountSource;

/* A count the members may disagree on: @min..@max over @sources (both -1
 * when no member knows it), and the coordinator's own @figure (-1: none)
 * with its @reason. */
typedef struct
{
  int            min;
  int            max;
  guint          n_sources;
  TgCountSource *sources;    /* sorted by report id */
  int            figure;
  char          *reason;
} TgIncidentCountValue;

/* A person mention: person @person_id of report @report_id. */
typedef struct
{
  char *report_id;
  char *person_id;
} TgPersonLink;

/* One real individual, merged from every mention of them. @name is the
 * name shown: taken from the mention @name_from, or written by the
 * coordinator (name_from.report_id NULL). Links are sorted. */
typedef struct
{
  char          *id;         /* a UUID of the incident's own */
  char          *name;
  TgPersonRole   role;
  TgPersonLink   name_from;
  guint          n_links;
  TgPersonLink  *links;
} TgIncidentPerson;

#define TG_TYPE_INCIDENT (tg_incident_get_type ())
G_DECLARE_FINAL_TYPE (TgIncident, tg_incident, TG, INCIDENT, GObject)

/* A new, empty incident with a fresh id (a UUID v7). */
TgIncident   *tg_incident_new                 (void);
TgIncident   *tg_incident_copy                (TgIncident        *self);
const char   *tg_incident_get_id              (TgIncident        *self);

/* Members, sorted by report id. Adding a member already there does
 * nothing; removing one drops its count sources and person links (a
 * person left with no link goes). */
guint                   tg_incident_get_n_members  (TgIncident        *self);
const TgIncidentMember *tg_incident_get_member     (TgIncident        *self,
                                                    guint              index);
const TgIncidentMember *tg_incident_find_member    (TgIncident        *self,
                                                    const char        *report_id);
void                    tg_incident_add_member     (TgIncident        *self,
                                                    const char        *report_id,
                                                    const char        *revision_id);
gboolean                tg_incident_remove_member  (TgIncident        *self,
                                                    const char        *report_id);
void                    tg_incident_set_member_state (TgIncident      *self,
                                                      const char      *report_id,
                                                      const char      *revision_id,
                                                      gboolean         tombstoned);
guint                   tg_incident_count_tombstoned (TgIncident      *self);

/* Fields: the value is an object of the members listed above (NULL when
 * unset) with its provenance. The setters copy. */
JsonObject         *tg_incident_get_field_value      (TgIncident        *self,
                                                      TgIncidentField    field);
const TgProvenance *tg_incident_get_field_provenance (TgIncident        *self,
                                                      TgIncidentField    field);
/* Takes the value @report has. */
void                tg_incident_set_field_from_report (TgIncident       *self,
                                                       TgIncidentField   field,
                                                       TgReport         *report);
/* A value written by the coordinator (only the field's members are
 * kept), with the reason (may be NULL). */
void                tg_incident_set_field_value      (TgIncident        *self,
                                                      TgIncidentField    field,
                                                      JsonObject        *value,
                                                      const char        *reason);
void                tg_incident_clear_field          (TgIncident        *self,
                                                      TgIncidentField    field);

/* Convenient readers of the field values. */
const char         *tg_incident_get_title            (TgIncident        *self);
const char         *tg_incident_get_narrative        (TgIncident        *self);
GDateTime          *tg_incident_dup_start            (TgIncident        *self);  /* NULL when unset */
GDateTime          *tg_incident_dup_end              (TgIncident        *self);
double              tg_incident_get_latitude         (TgIncident        *self);  /* NAN when unset */
double              tg_incident_get_longitude        (TgIncident        *self);
const char         *tg_incident_get_region_code      (TgIncident        *self);
const char         *tg_incident_get_province_code    (TgIncident        *self);
const char         *tg_incident_get_place_name       (TgIncident        *self);
char              **tg_incident_dup_categories       (TgIncident        *self);

/* Counts. Sources are replaced as a whole (the workspace computes them
 * from the member reports); min and max follow them. */
const TgIncidentCountValue *tg_incident_get_count    (TgIncident        *self,
                                                      TgIncidentCount    count);
void                tg_incident_clear_count_sources  (TgIncident        *self,
                                                      TgIncidentCount    count);
void                tg_incident_add_count_source     (TgIncident        *self,
                                                      TgIncidentCount    count,
                                                      const char        *report_id,
                                                      int                value);
/* @figure -1 clears it (and its reason). */
void                tg_incident_set_count_figure     (TgIncident        *self,
                                                      TgIncidentCount    count,
                                                      int                figure,
                                                      const char        *reason);
/* The figure to show: the coordinator's, else the single value all
 * sources agree on, else -1 (see the range). */
int                 tg_incident_get_count_display    (TgIncident        *self,
                                                      TgIncidentCount    count);

/* Persons, in the order added. */
guint                   tg_incident_get_n_persons    (TgIncident        *self);
const TgIncidentPerson *tg_incident_get_person       (TgIncident        *self,
                                                      guint              index);
const TgIncidentPerson *tg_incident_find_person      (TgIncident        *self,
                                                      const char        *person_id);
/* The incident person holding the mention, or NULL. */
const TgIncidentPerson *tg_incident_find_person_by_link (TgIncident     *self,
                                                         const char     *report_id,
                                                         const char     *report_person_id);
/* A new person from one mention; returns its id (owned by the incident).
 * A mention already linked is moved out of its old person. */
const char         *tg_incident_add_person           (TgIncident        *self,
                                                      const char        *name,
                                                      TgPersonRole       role,
                                                      const char        *report_id,
                                                      const char        *report_person_id);
/* Adds a mention to a person (moving it out of any other person). */
gboolean            tg_incident_link_person          (TgIncident        *self,
                                                      const char        *person_id,
                                                      const char        *report_id,
                                                      const char        *report_person_id);
/* Moves every mention of @from_id into @into_id; @from_id goes. */
gboolean            tg_incident_merge_persons        (TgIncident        *self,
                                                      const char        *into_id,
                                                      const char        *from_id);
/* Takes one mention out of its person into a new person (named as that
 * mention, whose name the caller gives); returns the new id, or NULL if
 * the mention is the person's only one or is not linked. */
const char         *tg_incident_split_person         (TgIncident        *self,
                                                      const char        *report_id,
                                                      const char        *report_person_id,
                                                      const char        *name,
                                                      TgPersonRole       role);
/* The name shown: written by the coordinator (@from_report_id NULL), or
 * a mention's. */
gboolean            tg_incident_set_person_name      (TgIncident        *self,
                                                      const char        *person_id,
                                                      const char        *name,
                                                      const char        *from_report_id,
                                                      const char        *from_person_id);

/* Verification: who decided (a name, or the device's id), when, why. */
TgIncidentStatus    tg_incident_get_status           (TgIncident        *self);
const char         *tg_incident_get_status_by        (TgIncident        *self);
GDateTime          *tg_incident_get_status_at        (TgIncident        *self);
const char         *tg_incident_get_status_reason    (TgIncident        *self);
void                tg_incident_set_status           (TgIncident        *self,
                                                      TgIncidentStatus   status,
                                                      const char        *by,
                                                      GDateTime         *at,
                                                      const char        *reason);

const char         *tg_incident_get_notes            (TgIncident        *self);
void                tg_incident_set_notes            (TgIncident        *self,
                                                      const char        *notes);

/* Revision bookkeeping, filled by the store when it loads an incident:
 * saving makes a child of every base revision (how a conflict is
 * resolved). Not part of the content. */
const char * const *tg_incident_get_base_revisions   (TgIncident        *self);
void                tg_incident_set_base_revisions   (TgIncident        *self,
                                                      const char * const *rev_ids);
guint               tg_incident_get_n_heads          (TgIncident        *self);
void                tg_incident_set_n_heads          (TgIncident        *self,
                                                      guint              n_heads);
gboolean            tg_incident_has_conflict         (TgIncident        *self);

/* The content of a revision: the same incident always gives the same
 * bytes (see docs/data-model.md for every member). */
char               *tg_incident_to_json_string       (TgIncident        *self);
TgIncident         *tg_incident_new_from_json_string (const char        *json,
                                                      gssize             length,
                                                      GError           **error);
/* FALSE with the first problem: a bad id, a provenance naming a report
 * that is not a member, a count source or person link outside the
 * members, a figure below 0, a person without links. */
gboolean            tg_incident_validate             (TgIncident        *self,
                                                      GError           **error);

G_END_DECLS
