/* tg-workspace.h — the coordinator's workspace: reports from every
 * monitor, and the incidents made of them
 *
 * Every operation that changes an incident records one new revision of it
 * (kind "incident") in the store, in one transaction: merge, join, remove
 * (unmerge), dissolve (a tombstone), field choices, figures, person
 * matches and splits, status and notes. Reports are only read: no
 * operation here writes a report revision.
 *
 * Operations on an incident id act on its current head (the one the
 * store shows) and make a child of that head only: if the incident has a
 * conflict (several heads, tg_incident_has_conflict()), they leave it
 * open. To resolve one, take the heads (tg_workspace_list_incident_heads),
 * build the agreed incident, set its base revisions to every head and
 * tg_workspace_save_incident() it.
 *
 * Every function has a synchronous form, for tests and worker threads,
 * and the ones that may read or write many rows an _async form: the app
 * calls only those from the main loop. Changing operations all finish
 * with tg_workspace_change_finish(), which gives the incident as saved.
 *
 * The store emits "incident-changed" (incident id) after each commit that
 * touches an incident, local or pulled, and "report-changed" as before.
 *
 * Errors: TG_ERROR_NOT_FOUND (no such incident or report),
 * TG_ERROR_INVALID (fewer than two reports to merge, a field or person
 * that does not exist), TG_ERROR_CONFLICT (a report already in another
 * live incident on this device; a save whose base is not the heads).
 * Messages are translated.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tg-incident.h"
#include "tg-store.h"

G_BEGIN_DECLS

#define TG_TYPE_WORKSPACE (tg_workspace_get_type ())
G_DECLARE_FINAL_TYPE (TgWorkspace, tg_workspace, TG, WORKSPACE, GObject)

TgWorkspace *tg_workspace_new            (TgStore     *store);
TgStore     *tg_workspace_get_store      (TgWorkspace *self);
/* Who is written as having decided a status ("by"): a person's name or
 * account; the store's device id until set. */
const char  *tg_workspace_get_actor      (TgWorkspace *self);
void         tg_workspace_set_actor      (TgWorkspace *self,
                                          const char  *actor);

/* ---- Reports ------------------------------------------------------------ */

/* What the workspace's report list filters on. Strings NULL and numbers
 * 0 / -1 mean "any". */
typedef struct
{
  char     *device_id;        /* the monitor: the device that made the report's first revision */
  char     *region_code;
  char     *province_code;
  gint64    start_from;       /* unix seconds: the report's start on or after */
  gint64    start_until;      /* … on or before */
  char     *category;
  int       report_status;    /* TgReportStatus, -1 any */
  int       incident_status;  /* TgIncidentStatus of the incident holding it, -1 any */
  gboolean  not_in_incident;  /* only reports no live incident holds */
  guint     limit;            /* 0: no limit */
  guint     offset;
} TgWorkspaceFilter;

#define TG_TYPE_WORKSPACE_FILTER (tg_workspace_filter_get_type ())
GType              tg_workspace_filter_get_type (void) G_GNUC_CONST;
TgWorkspaceFilter *tg_workspace_filter_new      (void);  /* everything "any" */
TgWorkspaceFilter *tg_workspace_filter_copy     (const TgWorkspaceFilter *filter);
void               tg_workspace_filter_free     (TgWorkspaceFilter       *filter);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgWorkspaceFilter, tg_workspace_filter_free)

/* One row of the report list, read from the store's tables without
 * loading the report. */
typedef struct
{
  gint64            rowid;         /* the store's row (tg_store_load_report_by_rowid) */
  char             *report_id;
  char             *rev_id;        /* its current head */
  char             *title;
  char             *device_id;     /* the monitor's device */
  char             *region_code;
  char             *province_code;
  char             *place_name;
  char             *category;      /* the first */
  gint64            start;         /* unix seconds, 0 unknown */
  TgReportStatus    report_status;
  int               killed;        /* -1 unknown */
  guint             n_heads;       /* > 1: a conflict */
  char             *incident_id;   /* the live incident holding it, or NULL */
  TgIncidentStatus  incident_status;
  guint             n_incidents;   /* > 1: a membership conflict */
} TgWorkspaceReport;

#define TG_TYPE_WORKSPACE_REPORT (tg_workspace_report_get_type ())
GType              tg_workspace_report_get_type (void) G_GNUC_CONST;
TgWorkspaceReport *tg_workspace_report_copy     (const TgWorkspaceReport *row);
void               tg_workspace_report_free     (TgWorkspaceReport       *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgWorkspaceReport, tg_workspace_report_free)

/* Live reports matching @filter, the most recently changed first: a
 * GPtrArray of TgWorkspaceReport. */
GPtrArray   *tg_workspace_list_reports        (TgWorkspace             *self,
                                               const TgWorkspaceFilter *filter,
                                               GError                 **error);
void         tg_workspace_list_reports_async  (TgWorkspace             *self,
                                               const TgWorkspaceFilter *filter,
                                               GCancellable            *cancellable,
                                               GAsyncReadyCallback      callback,
                                               gpointer                 user_data);
GPtrArray   *tg_workspace_list_reports_finish (TgWorkspace             *self,
                                               GAsyncResult            *result,
                                               GError                 **error);

/* The monitors whose live reports the store holds: their devices' ids,
 * sorted, NULL-terminated (empty when none). What the monitor filter
 * offers, whatever the other filters hold back. One scan of an index. */
GStrv        tg_workspace_list_monitors        (TgWorkspace             *self,
                                               GError                 **error);
void         tg_workspace_list_monitors_async  (TgWorkspace             *self,
                                               GCancellable            *cancellable,
                                               GAsyncReadyCallback      callback,
                                               gpointer                 user_data);
GStrv        tg_workspace_list_monitors_finish (TgWorkspace             *self,
                                               GAsyncResult            *result,
                                               GError                 **error);

/* The live incident holding @report_id (what a monitor sees on their
 * report): TRUE with *@incident_id NULL when none does. One indexed read.
 * @status and @reason may be NULL. */
gboolean     tg_workspace_get_report_incident (TgWorkspace       *self,
                                               const char        *report_id,
                                               char             **incident_id,
                                               TgIncidentStatus  *status,
                                               char             **reason,
                                               GError           **error);

/* ---- Incidents ---------------------------------------------------------- */

/* One row of the incident list, from the store's incident table. */
typedef struct
{
  char             *incident_id;
  char             *rev_id;         /* its current head */
  char             *title;
  TgIncidentStatus  status;
  gint64            start;          /* unix seconds, 0 unknown */
  double            latitude;       /* NAN when unknown */
  double            longitude;
  char             *region_code;
  int               killed_min;     /* -1 unknown */
  int               killed_max;
  int               killed_figure;  /* the coordinator's, -1 none */
  guint             n_members;
  guint             n_tombstoned;   /* members their monitor deleted */
  guint             n_heads;        /* > 1: a conflict */
  guint             n_shared;       /* members also in another live incident */
} TgIncidentSummary;

#define TG_TYPE_INCIDENT_SUMMARY (tg_incident_summary_get_type ())
GType              tg_incident_summary_get_type (void) G_GNUC_CONST;
TgIncidentSummary *tg_incident_summary_copy     (const TgIncidentSummary *row);
void               tg_incident_summary_free     (TgIncidentSummary       *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgIncidentSummary, tg_incident_summary_free)

/* Live incidents, the most recently changed first; @status -1 for any. */
GPtrArray   *tg_workspace_list_incidents        (TgWorkspace          *self,
                                                 int                   status,
                                                 GError              **error);
void         tg_workspace_list_incidents_async  (TgWorkspace          *self,
                                                 int                   status,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
GPtrArray   *tg_workspace_list_incidents_finish (TgWorkspace          *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

/* A report that two live incidents both hold (two coordinators merged it
 * at once): nothing was overwritten; the coordinator decides. */
typedef struct
{
  char  *report_id;
  char **incident_ids;  /* two or more, sorted */
} TgMembershipConflict;

void         tg_membership_conflict_free        (TgMembershipConflict *conflict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgMembershipConflict, tg_membership_conflict_free)

/* Every membership conflict in the store: GPtrArray of TgMembershipConflict. */
GPtrArray   *tg_workspace_list_membership_conflicts (TgWorkspace  *self,
                                                     GError      **error);

/* An incident with what the editor shows beside it. */
typedef struct
{
  TgIncident *incident;        /* the current head, its base set to it */
  GPtrArray  *reports;         /* TgReport, one per member in member order:
                                * the report's current state; for a member
                                * its monitor deleted, the last live state.
                                * A member this store does not hold yet (not
                                * pulled) is left out: match by report id. */
  GPtrArray  *heads;           /* TgIncident, every head (one unless a conflict) */
  GPtrArray  *conflicts;       /* TgMembershipConflict for its members */
} TgIncidentBundle;

void         tg_incident_bundle_free            (TgIncidentBundle *bundle);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgIncidentBundle, tg_incident_bundle_free)

/* The current state only (TG_ERROR_NOT_FOUND when dissolved). */
TgIncident  *tg_workspace_load_incident         (TgWorkspace          *self,
                                                 const char           *incident_id,
                                                 GError              **error);
TgIncidentBundle *tg_workspace_load_bundle      (TgWorkspace          *self,
                                                 const char           *incident_id,
                                                 GError              **error);
void         tg_workspace_load_bundle_async     (TgWorkspace          *self,
                                                 const char           *incident_id,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
TgIncidentBundle *tg_workspace_load_bundle_finish (TgWorkspace        *self,
                                                   GAsyncResult       *result,
                                                   GError            **error);
/* Every head of the incident, newest arrival first. */
GPtrArray   *tg_workspace_list_incident_heads   (TgWorkspace          *self,
                                                 const char           *incident_id,
                                                 GError              **error);

/* ---- Changing incidents ------------------------------------------------- */

/* Reports (two or more, live, in no live incident here) become a new
 * incident: every field taken from the first report that has it, counts
 * as ranges over all of them, persons matched by name and role
 * (tg_name_matches(), tg-names.h; two mentions in one report are never
 * one person), status unverified. */
TgIncident  *tg_workspace_merge                 (TgWorkspace          *self,
                                                 const char * const   *report_ids,
                                                 GError              **error);
void         tg_workspace_merge_async           (TgWorkspace          *self,
                                                 const char * const   *report_ids,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
/* Reports join an existing incident: counts and persons are recomputed,
 * fields unset so far take their value. */
TgIncident  *tg_workspace_join                  (TgWorkspace          *self,
                                                 const char           *incident_id,
                                                 const char * const   *report_ids,
                                                 GError              **error);
void         tg_workspace_join_async            (TgWorkspace          *self,
                                                 const char           *incident_id,
                                                 const char * const   *report_ids,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
/* Which incident reports chosen together can join (the app's "Merge
 * Selected" over the report list): the one live incident holding some
 * of @rows (TgWorkspaceReport), or NULL with no error when none does (a
 * new merge). TG_ERROR_CONFLICT when two or more incidents hold them, or
 * one report is in two at once. @n_free (may be NULL): how many rows no
 * incident holds. Reads the rows only, no disk. */
const char  *tg_workspace_join_target           (GPtrArray            *rows,
                                                 guint                *n_free,
                                                 GError              **error);
/* Unmerge: the report leaves; fields it provided are taken from another
 * member (or unset), its count figures and person links go. The last
 * member cannot be removed: dissolve instead. */
TgIncident  *tg_workspace_remove_report         (TgWorkspace          *self,
                                                 const char           *incident_id,
                                                 const char           *report_id,
                                                 GError              **error);
void         tg_workspace_remove_report_async   (TgWorkspace          *self,
                                                 const char           *incident_id,
                                                 const char           *report_id,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
/* The incident ends (a tombstone revision: its history stays); its
 * reports are free again. Returns the incident as it was. */
TgIncident  *tg_workspace_dissolve              (TgWorkspace          *self,
                                                 const char           *incident_id,
                                                 GError              **error);
void         tg_workspace_dissolve_async        (TgWorkspace          *self,
                                                 const char           *incident_id,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);

TgIncident  *tg_workspace_set_field_from_report (TgWorkspace          *self,
                                                 const char           *incident_id,
                                                 TgIncidentField       field,
                                                 const char           *report_id,
                                                 GError              **error);
/* A value written anew: @value holds the field's members
 * (tg_incident_field_get_members); @reason may be NULL. */
TgIncident  *tg_workspace_set_field             (TgWorkspace          *self,
                                                 const char           *incident_id,
                                                 TgIncidentField       field,
                                                 JsonObject           *value,
                                                 const char           *reason,
                                                 GError              **error);
/* The coordinator's figure for a count (-1 clears it), with a reason
 * (required when setting). */
TgIncident  *tg_workspace_set_figure            (TgWorkspace          *self,
                                                 const char           *incident_id,
                                                 TgIncidentCount       count,
                                                 int                   figure,
                                                 const char           *reason,
                                                 GError              **error);
/* Persons: re-runs the name matching over every member's persons, keeping
 * the matches and splits made by hand (a mention already linked stays). */
TgIncident  *tg_workspace_match_persons         (TgWorkspace          *self,
                                                 const char           *incident_id,
                                                 GError              **error);
/* Two incident persons are the same individual. */
TgIncident  *tg_workspace_merge_persons         (TgWorkspace          *self,
                                                 const char           *incident_id,
                                                 const char           *into_person_id,
                                                 const char           *from_person_id,
                                                 GError              **error);
/* A wrong match: the mention (report, person of that report) becomes a
 * person of its own. */
TgIncident  *tg_workspace_split_person          (TgWorkspace          *self,
                                                 const char           *incident_id,
                                                 const char           *report_id,
                                                 const char           *report_person_id,
                                                 GError              **error);
/* Status, decided by the workspace's actor now, with a reason (required
 * for every status but unverified). */
TgIncident  *tg_workspace_set_status            (TgWorkspace          *self,
                                                 const char           *incident_id,
                                                 TgIncidentStatus      status,
                                                 const char           *reason,
                                                 GError              **error);
TgIncident  *tg_workspace_set_notes             (TgWorkspace          *self,
                                                 const char           *incident_id,
                                                 const char           *notes,
                                                 GError              **error);

/* Saves an incident edited by hand (the editor, a conflict resolution):
 * a new revision whose parents are the incident's base revisions, which
 * must be heads of it now (else TG_ERROR_CONFLICT: someone changed it
 * meanwhile). Members' tombstone flags are brought up to date. Saving an
 * unchanged incident records nothing. */
TgIncident  *tg_workspace_save_incident         (TgWorkspace          *self,
                                                 TgIncident           *incident,
                                                 GError              **error);
void         tg_workspace_save_incident_async   (TgWorkspace          *self,
                                                 TgIncident           *incident,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);

/* ---- Incident conflicts ------------------------------------------------ */

/* One head of an incident changed in two places at once: the incident as
 * that revision holds it, and who wrote it, when. */
typedef struct
{
  TgIncident *incident;      /* its base set to this head alone */
  char       *rev_id;
  char       *device_id;     /* the device that wrote the revision */
  char       *device_name;   /* as a server named that device; NULL for this
                              * device and for one no server named */
  char       *user;          /* that device's account (the coordinator), likewise */
  gboolean    this_device;
  gint64      created_at;    /* µs, by that device's clock: informative only */
  gboolean    dissolved;     /* the head is a tombstone (dissolved there) */
} TgIncidentHead;

typedef enum
{
  TG_INCIDENT_PART_FIELD,      /* index: a TgIncidentField (value and provenance) */
  TG_INCIDENT_PART_FIGURE,     /* index: a TgIncidentCount (the coordinator's figure and reason) */
  TG_INCIDENT_PART_MEMBERS,    /* which reports it holds */
  TG_INCIDENT_PART_PERSONS,    /* the persons matched, split and named */
  TG_INCIDENT_PART_STATUS,     /* status, by, at, reason */
  TG_INCIDENT_PART_NOTES,
  TG_INCIDENT_PART_DISSOLVED,  /* dissolved on one device, kept on another */
} TgIncidentPart;

/* One part the heads disagree on. */
typedef struct
{
  TgIncidentPart  part;
  int             index;     /* the field or count; -1 for the other parts */
  char           *key;       /* stable: "field:title", "figure:killed", "members",
                              * "persons", "status", "notes", "dissolved" */
  char           *label;     /* translated: "Title", "Killed (figure)", "Reports", … */
  char          **values;    /* one per head, in head order: as a person reads it */
  char          **sources;   /* one per head: where that value came from ("From the
                              * report “…”", "Written by the coordinator: …"), or "" */
} TgIncidentDifference;

typedef struct
{
  char      *incident_id;
  GPtrArray *heads;          /* TgIncidentHead: this device's first, then by their clocks */
  GPtrArray *differences;    /* TgIncidentDifference, fields first; empty when the
                              * heads differ only in bookkeeping */
} TgIncidentConflict;

void                tg_incident_conflict_free          (TgIncidentConflict *conflict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgIncidentConflict, tg_incident_conflict_free)

/* Every head of the incident (dissolved ones too) and what they disagree
 * on, field by field. One head: no conflict (nothing to resolve). */
TgIncidentConflict *tg_workspace_load_conflict         (TgWorkspace          *self,
                                                        const char           *incident_id,
                                                        GError              **error);
void                tg_workspace_load_conflict_async   (TgWorkspace          *self,
                                                        const char           *incident_id,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
TgIncidentConflict *tg_workspace_load_conflict_finish  (TgWorkspace          *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* For tg_incident_conflict_build(): the members of every head together. */
#define TG_INCIDENT_PICK_UNION (-1)

/* The agreed incident: the first head with each difference taken from
 * the head @picks[i] chooses (an index into @conflict->heads; for the
 * members also TG_INCIDENT_PICK_UNION). @dissolved (may be NULL) says
 * whether the chosen state is dissolved. Person links, count sources and
 * field provenances that name a report left out are dropped. A field may
 * then be written anew on the result (tg_incident_set_field_value). */
TgIncident         *tg_incident_conflict_build         (TgIncidentConflict   *conflict,
                                                        const int            *picks,
                                                        gboolean             *dissolved,
                                                        GError              **error);

/* Resolves the conflict: records @resolved as one revision whose parents
 * are every head of @conflict, if they are still exactly the incident's
 * heads (else TG_ERROR_CONFLICT: another change arrived; load it again).
 * Counts are taken again from the members, their unmatched persons
 * matched, fields left unset filled; a report not in any head must be in
 * no other live incident (TG_ERROR_CONFLICT). @dissolved records a
 * tombstone. Returns the incident as saved. */
TgIncident         *tg_workspace_resolve_conflict      (TgWorkspace          *self,
                                                        TgIncidentConflict   *conflict,
                                                        TgIncident           *resolved,
                                                        gboolean              dissolved,
                                                        GError              **error);
/* Finishes with tg_workspace_change_finish(). */
void                tg_workspace_resolve_conflict_async (TgWorkspace         *self,
                                                        TgIncidentConflict   *conflict,
                                                        TgIncident           *resolved,
                                                        gboolean              dissolved,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);

/* How many live incidents need a coordinator: @n_heads those changed on
 * two devices at once, @n_shared the reports two live incidents hold.
 * Two indexed counts; either pointer may be NULL. */
gboolean            tg_workspace_count_conflicts       (TgWorkspace          *self,
                                                        guint                *n_heads,
                                                        guint                *n_shared,
                                                        GError              **error);

/* The result of every _async change above: the incident as saved (for
 * dissolve, as it was). */
TgIncident  *tg_workspace_change_finish         (TgWorkspace          *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

/* ---- Duplicate pairs the coordinator dismissed -------------------------- */

/* The pair is not a duplicate. It stays dismissed while both reports keep
 * the head revisions they had; once either changes, the pair may come
 * back. */
gboolean     tg_workspace_dismiss_pair          (TgWorkspace          *self,
                                                 const char           *report_a,
                                                 const char           *report_b,
                                                 GError              **error);
gboolean     tg_workspace_undismiss_pair        (TgWorkspace          *self,
                                                 const char           *report_a,
                                                 const char           *report_b,
                                                 GError              **error);
gboolean     tg_workspace_is_pair_dismissed     (TgWorkspace          *self,
                                                 const char           *report_a,
                                                 const char           *report_b,
                                                 gboolean             *dismissed,
                                                 GError              **error);
/* Every pair still dismissed (both heads unchanged), as a set of keys
 * made by tg_workspace_pair_key(): what a review queue leaves out. */
GHashTable  *tg_workspace_load_dismissed_pairs  (TgWorkspace          *self,
                                                 GError              **error);
char        *tg_workspace_pair_key              (const char           *report_a,
                                                 const char           *report_b);
/* A TgDedupeSkipFunc (tg-dedupe.h) over such a set: TRUE for a pair
 * still dismissed. Pass the set as its data (and g_hash_table_unref to
 * free it): the scoring threads only read it. */
gboolean     tg_workspace_skip_dismissed        (const char           *report_a,
                                                 const char           *report_b,
                                                 gpointer              dismissed_pairs);

G_END_DECLS
