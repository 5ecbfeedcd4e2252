/* tg-types.h — enumerations and the error domain shared by the core
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define TG_ERROR (tg_error_quark ())
GQuark tg_error_quark (void);

typedef enum
{
  TG_ERROR_FAILED,
  TG_ERROR_INVALID,          /* a value out of range or malformed */
  TG_ERROR_NOT_FOUND,
  TG_ERROR_CORRUPT,          /* a database or file that is damaged */
  TG_ERROR_NOT_A_DATABASE,   /* a file that is not an SQLite store */
  TG_ERROR_TOO_NEW,          /* a store written by a newer Testigo */
  TG_ERROR_HASH_MISMATCH,
  TG_ERROR_WRONG_FORMAT,     /* an import file that is not what it claims */
  TG_ERROR_UNSAFE_NAME,
  TG_ERROR_CONFLICT,
  TG_ERROR_WRONG_KEY,        /* an encrypted database the key does not open */
} TgError;

typedef enum
{
  TG_DATE_PRECISION_EXACT,
  TG_DATE_PRECISION_DAY,
  TG_DATE_PRECISION_MONTH,
  TG_DATE_PRECISION_APPROXIMATE,
} TgDatePrecision;

typedef enum
{
  TG_LOCATION_METHOD_NONE,
  TG_LOCATION_METHOD_MAP,
  TG_LOCATION_METHOD_GPS,
  TG_LOCATION_METHOD_GAZETTEER,
  TG_LOCATION_METHOD_TYPED,
  TG_LOCATION_METHOD_PHOTO,
} TgLocationMethod;

typedef enum
{
  TG_REPORT_STATUS_DRAFT,
  TG_REPORT_STATUS_SUBMITTED,
  TG_REPORT_STATUS_UNDER_REVIEW,
  TG_REPORT_STATUS_VERIFIED,
  TG_REPORT_STATUS_REJECTED,
} TgReportStatus;

typedef enum
{
  TG_PERSON_ROLE_VICTIM,
  TG_PERSON_ROLE_WITNESS,
  TG_PERSON_ROLE_SOURCE,
  TG_PERSON_ROLE_PERPETRATOR,
} TgPersonRole;

typedef enum
{
  TG_CONSENT_NONE,           /* identity never leaves the device unmasked */
  TG_CONSENT_ORGANISATION,
  TG_CONSENT_PUBLIC,
} TgConsent;

typedef enum
{
  TG_SEX_UNKNOWN,
  TG_SEX_FEMALE,
  TG_SEX_MALE,
  TG_SEX_OTHER,
} TgSex;

typedef enum
{
  TG_SOURCE_KIND_FILE,
  TG_SOURCE_KIND_LINK,
  TG_SOURCE_KIND_TESTIMONY,
} TgSourceKind;

/* String forms used in JSON, CSV and the database. They never change. */
const char *tg_date_precision_to_string   (TgDatePrecision   value);
gboolean    tg_date_precision_from_string (const char       *str,
                                           TgDatePrecision  *value);
const char *tg_location_method_to_string  (TgLocationMethod  value);
gboolean    tg_location_method_from_string(const char       *str,
                                           TgLocationMethod *value);
const char *tg_report_status_to_string    (TgReportStatus    value);
gboolean    tg_report_status_from_string  (const char       *str,
                                           TgReportStatus   *value);
const char *tg_person_role_to_string      (TgPersonRole      value);
gboolean    tg_person_role_from_string    (const char       *str,
                                           TgPersonRole     *value);
const char *tg_consent_to_string          (TgConsent         value);
gboolean    tg_consent_from_string        (const char       *str,
                                           TgConsent        *value);
const char *tg_sex_to_string              (TgSex             value);
gboolean    tg_sex_from_string            (const char       *str,
                                           TgSex            *value);
const char *tg_source_kind_to_string      (TgSourceKind      value);
gboolean    tg_source_kind_from_string    (const char       *str,
                                           TgSourceKind     *value);

/* @time as RFC 3339: "2023-01-09T14:05:00-05:00", "…Z" in UTC, with
 * ".ffffff" only when there are microseconds. The offset always has its
 * minutes (GLib's g_date_time_format_iso8601() writes "-05", which
 * RFC 3339 and JavaScript's Date refuse); an offset with seconds (old
 * local mean time zones) is written in UTC instead. NULL for NULL. */
char       *tg_format_rfc3339             (GDateTime        *time);

G_END_DECLS
