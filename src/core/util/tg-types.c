/* tg-types.c — the core's error quark, and the string names of its enumerations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-types"

#include "config.h"

#include "tg-types.h"

G_DEFINE_QUARK (tg-error-quark, tg_error)

static gboolean
lookup (const char * const *names,
        guint               n_names,
        const char         *str,
        int                *value)
{
  if (str == NULL)
    return FALSE;
  for (guint i = 0; i < n_names; i++)
    if (g_strcmp0 (names[i], str) == 0)
      {
        *value = (int) i;
        return TRUE;
      }
  return FALSE;
}

#define TG_ENUM_STRINGS(prefix, Type, ...)                                      \
  static const char * const prefix##_names[] = { __VA_ARGS__ };               \
  const char *                                                                 \
  prefix##_to_string (Type value)                                              \
  {                                                                            \
    if ((guint) value >= G_N_ELEMENTS (prefix##_names))                        \
      return NULL;                                                             \
    return prefix##_names[value];                                              \
  }                                                                            \
  gboolean                                                                     \
  prefix##_from_string (const char *str,                                       \
                        Type       *value)                                     \
  {                                                                            \
    int v;                                                                     \
    if (!lookup (prefix##_names, G_N_ELEMENTS (prefix##_names), str, &v))      \
      return FALSE;                                                            \
    *value = (Type) v;                                                         \
    return TRUE;                                                               \
  }

TG_ENUM_STRINGS (tg_date_precision, TgDatePrecision,
                 "exact", "day", "month", "approximate")
TG_ENUM_STRINGS (tg_location_method, TgLocationMethod,
                 "none", "map", "gps", "gazetteer", "typed", "photo")
TG_ENUM_STRINGS (tg_report_status, TgReportStatus,
                 "draft", "submitted", "under-review", "verified", "rejected")
TG_ENUM_STRINGS (tg_person_role, TgPersonRole,
                 "victim", "witness", "source", "perpetrator")
TG_ENUM_STRINGS (tg_consent, TgConsent,
                 "none", "organisation", "public")
TG_ENUM_STRINGS (tg_sex, TgSex,
                 "unknown", "female", "male", "other")
TG_ENUM_STRINGS (tg_source_kind, TgSourceKind,
                 "file", "link", "testimony")

char *
tg_format_rfc3339 (GDateTime *time)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autofree char *main_part = NULL;
  GTimeSpan offset;
  int usec;

  if (time == NULL)
    return NULL;

  offset = g_date_time_get_utc_offset (time);
  if (offset % G_TIME_SPAN_MINUTE != 0)
    {
      time = utc = g_date_time_to_utc (time);
      offset = 0;
    }
  /* %C%y: four digits for any year (%Y would write "999"). */
  main_part = g_date_time_format (time, "%C%y-%m-%dT%H:%M:%S");
  usec = g_date_time_get_microsecond (time);
  if (offset == 0)
    return usec ? g_strdup_printf ("%s.%06dZ", main_part, usec)
                : g_strconcat (main_part, "Z", NULL);
  else
    {
      GTimeSpan abs_offset = ABS (offset);
      int hours = abs_offset / G_TIME_SPAN_HOUR;
      int minutes = (abs_offset % G_TIME_SPAN_HOUR) / G_TIME_SPAN_MINUTE;
      char sign = offset < 0 ? '-' : '+';

      if (usec)
        return g_strdup_printf ("%s.%06d%c%02d:%02d", main_part, usec, sign, hours, minutes);
      return g_strdup_printf ("%s%c%02d:%02d", main_part, sign, hours, minutes);
    }
}
