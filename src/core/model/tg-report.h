/* tg-report.h — one monitor's account of an incident: the unit that syncs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "tg-person.h"
#include "tg-source.h"
#include "tg-types.h"

G_BEGIN_DECLS

/* Latitude/longitude are NAN when no location has been set. Counts are
 * -1 when unknown. Times are GDateTime (UTC or with offset) or NULL. */

#define TG_MAX_TITLE_LENGTH      500
#define TG_MAX_TEXT_LENGTH       (16 * 1024 * 1024)  /* bytes, per narrative/testimony */

#define TG_TYPE_REPORT (tg_report_get_type ())
G_DECLARE_FINAL_TYPE (TgReport, tg_report, TG, REPORT, GObject)

TgReport        *tg_report_new                  (void);
TgReport        *tg_report_copy                 (TgReport         *self);

/* Identity: a random UUID fixed at creation. */
const char      *tg_report_get_id               (TgReport         *self);

const char      *tg_report_get_title            (TgReport         *self);
void             tg_report_set_title            (TgReport         *self,
                                                 const char       *title);
const char      *tg_report_get_narrative        (TgReport         *self);
void             tg_report_set_narrative        (TgReport         *self,
                                                 const char       *narrative);

GDateTime       *tg_report_get_start            (TgReport         *self);
void             tg_report_set_start            (TgReport         *self,
                                                 GDateTime        *start);
GDateTime       *tg_report_get_end              (TgReport         *self);
void             tg_report_set_end              (TgReport         *self,
                                                 GDateTime        *end);
TgDatePrecision  tg_report_get_date_precision   (TgReport         *self);
void             tg_report_set_date_precision   (TgReport         *self,
                                                 TgDatePrecision   precision);

gboolean         tg_report_has_location         (TgReport         *self);
double           tg_report_get_latitude         (TgReport         *self);
double           tg_report_get_longitude        (TgReport         *self);
void             tg_report_set_location         (TgReport         *self,
                                                 double            latitude,
                                                 double            longitude,
                                                 TgLocationMethod  method);
void             tg_report_clear_location       (TgReport         *self);
TgLocationMethod tg_report_get_location_method  (TgReport         *self);
double           tg_report_get_uncertainty      (TgReport         *self);  /* metres, 0 unknown */
void             tg_report_set_uncertainty      (TgReport         *self,
                                                 double            metres);
const char      *tg_report_get_place_name       (TgReport         *self);
void             tg_report_set_place_name       (TgReport         *self,
                                                 const char       *place_name);
const char      *tg_report_get_region_code      (TgReport         *self);
void             tg_report_set_region_code      (TgReport         *self,
                                                 const char       *code);
const char      *tg_report_get_province_code    (TgReport         *self);
void             tg_report_set_province_code    (TgReport         *self,
                                                 const char       *code);

const char * const *tg_report_get_categories    (TgReport         *self);
void             tg_report_set_categories       (TgReport         *self,
                                                 const char * const *categories);
const char * const *tg_report_get_tags          (TgReport         *self);
void             tg_report_set_tags             (TgReport         *self,
                                                 const char * const *tags);

int              tg_report_get_killed           (TgReport         *self);
void             tg_report_set_killed           (TgReport         *self,
                                                 int               count);
int              tg_report_get_injured          (TgReport         *self);
void             tg_report_set_injured          (TgReport         *self,
                                                 int               count);
int              tg_report_get_detained         (TgReport         *self);
void             tg_report_set_detained         (TgReport         *self,
                                                 int               count);
int              tg_report_get_disappeared      (TgReport         *self);
void             tg_report_set_disappeared      (TgReport         *self,
                                                 int               count);

const char * const *tg_report_get_perpetrators  (TgReport         *self);
void             tg_report_set_perpetrators     (TgReport         *self,
                                                 const char * const *types);
const char      *tg_report_get_perpetrator_unit (TgReport         *self);
void             tg_report_set_perpetrator_unit (TgReport         *self,
                                                 const char       *unit);

TgReportStatus   tg_report_get_status           (TgReport         *self);
void             tg_report_set_status           (TgReport         *self,
                                                 TgReportStatus    status);

/* GListModel of TgPerson / TgSource; edit through the functions below so
 * that the report notifies "changed". */
GListModel      *tg_report_get_persons          (TgReport         *self);
void             tg_report_add_person           (TgReport         *self,
                                                 TgPerson         *person);
void             tg_report_remove_person        (TgReport         *self,
                                                 TgPerson         *person);
GListModel      *tg_report_get_sources          (TgReport         *self);
void             tg_report_add_source           (TgReport         *self,
                                                 TgSource         *source);
void             tg_report_remove_source        (TgReport         *self,
                                                 TgSource         *source);

/* Revision bookkeeping, filled by the store when it loads a report. The
 * revisions this state descends from: saving makes a child of all of them,
 * which is how a person's merge of a conflict is recorded. */
const char * const *tg_report_get_base_revisions(TgReport         *self);
void             tg_report_set_base_revisions   (TgReport         *self,
                                                 const char * const *rev_ids);
guint            tg_report_get_n_heads          (TgReport         *self);
void             tg_report_set_n_heads          (TgReport         *self,
                                                 guint             n_heads);
gboolean         tg_report_has_conflict         (TgReport         *self);
gint64           tg_report_get_updated_at       (TgReport         *self);  /* unix µs */
void             tg_report_set_updated_at       (TgReport         *self,
                                                 gint64            updated_at);

/* The content of a revision: a deterministic JSON object (same report, same
 * bytes) holding every field above but the revision bookkeeping. */
JsonNode        *tg_report_to_json              (TgReport         *self);
char            *tg_report_to_json_string       (TgReport         *self);
TgReport        *tg_report_new_from_json        (JsonNode         *node,
                                                 GError          **error);
TgReport        *tg_report_new_from_json_string (const char       *json,
                                                 gssize            length,
                                                 GError          **error);

/* Validation. Returns FALSE with the first problem found. */
gboolean         tg_report_validate             (TgReport         *self,
                                                 GError          **error);

/* One problem per field, for showing beside the field as one types. */
typedef struct
{
  const char *field;   /* "title", "start", "end", "latitude", "longitude", "killed", … */
  char       *message; /* translated */
} TgValidationIssue;

GPtrArray       *tg_report_check                (TgReport         *self);  /* of TgValidationIssue*, free with g_ptr_array_unref */

/* Coordinates given by a person: decimal ("-15.49, -70.13") or DMS
 * ("15°29'24\"S 70°08'00\"W"). */
gboolean         tg_parse_coordinates           (const char       *text,
                                                 double           *latitude,
                                                 double           *longitude,
                                                 GError          **error);

G_END_DECLS
