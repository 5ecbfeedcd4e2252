/* tg-ui-util.c — labels and formatting shared by the app's widgets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-ui-util"

#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>

#include "tg-application.h"
#include "tg-ui-util.h"

const char *
tg_ui_status_label (TgReportStatus status)
{
  switch (status)
    {
    case TG_REPORT_STATUS_DRAFT: return _("Draft");
    case TG_REPORT_STATUS_SUBMITTED: return _("Submitted");
    case TG_REPORT_STATUS_UNDER_REVIEW: return _("Under review");
    case TG_REPORT_STATUS_VERIFIED: return _("Verified");
    case TG_REPORT_STATUS_REJECTED: return _("Rejected");
    default: return "";
    }
}

const char *
tg_ui_role_label (TgPersonRole role)
{
  switch (role)
    {
    case TG_PERSON_ROLE_VICTIM: return _("Victim");
    case TG_PERSON_ROLE_WITNESS: return _("Witness");
    case TG_PERSON_ROLE_SOURCE: return _("Source");
    case TG_PERSON_ROLE_PERPETRATOR: return _("Alleged perpetrator");
    default: return "";
    }
}

const char *
tg_ui_consent_label (TgConsent consent)
{
  switch (consent)
    {
    case TG_CONSENT_NONE: return _("No consent: keep identity on this device");
    case TG_CONSENT_ORGANISATION: return _("Organisation only");
    case TG_CONSENT_PUBLIC: return _("Public");
    default: return "";
    }
}

const char *
tg_ui_sex_label (TgSex sex)
{
  switch (sex)
    {
    case TG_SEX_UNKNOWN: return _("Unknown");
    case TG_SEX_FEMALE: return _("Female");
    case TG_SEX_MALE: return _("Male");
    case TG_SEX_OTHER: return _("Other");
    default: return "";
    }
}

const char *
tg_ui_precision_label (TgDatePrecision precision)
{
  switch (precision)
    {
    case TG_DATE_PRECISION_EXACT: return _("Exact time");
    case TG_DATE_PRECISION_DAY: return _("Day");
    case TG_DATE_PRECISION_MONTH: return _("Month");
    case TG_DATE_PRECISION_APPROXIMATE: return _("Approximate");
    default: return "";
    }
}

const char *
tg_ui_source_kind_label (TgSourceKind kind)
{
  switch (kind)
    {
    case TG_SOURCE_KIND_FILE: return _("File");
    case TG_SOURCE_KIND_LINK: return _("Link");
    case TG_SOURCE_KIND_TESTIMONY: return _("Testimony");
    default: return "";
    }
}

char *
tg_ui_format_date (GDateTime       *date,
                   TgDatePrecision  precision)
{
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *text = NULL;

  if (date == NULL)
    return NULL;

  local = g_date_time_to_local (date);
  switch (precision)
    {
    case TG_DATE_PRECISION_EXACT:
      /* Translators: a date with time, see g_date_time_format() */
      return g_date_time_format (local, _("%-d %b %Y %H:%M"));
    case TG_DATE_PRECISION_MONTH:
      /* Translators: a month and year, see g_date_time_format() */
      return g_date_time_format (local, _("%b %Y"));
    case TG_DATE_PRECISION_APPROXIMATE:
      text = g_date_time_format (local, _("%-d %b %Y"));
      /* Translators: %s is a date that is not certain */
      return g_strdup_printf (_("about %s"), text);
    case TG_DATE_PRECISION_DAY:
    default:
      /* Translators: a day, see g_date_time_format() */
      return g_date_time_format (local, _("%-d %b %Y"));
    }
}

char *
tg_ui_short_sha (const char *sha256)
{
  if (sha256 == NULL || *sha256 == '\0')
    return g_strdup ("");
  return g_strdup_printf ("%.12s…", sha256);
}

const char *
tg_ui_vocabulary_label (TgVocabularyKind  kind,
                        const char       *code)
{
  TgApplication *app = tg_application_get_default ();
  GListModel *vocabulary;

  if (app == NULL || code == NULL)
    return code;
  vocabulary = tg_application_get_vocabulary (app, kind);
  if (!TG_IS_VOCABULARY (vocabulary))
    return code;
  return tg_vocabulary_get_label (TG_VOCABULARY (vocabulary), code, NULL);
}

static GListModel *
make_model (const char *(*label) (int),
            int          n)
{
  GtkStringList *list = gtk_string_list_new (NULL);

  for (int i = 0; i < n; i++)
    gtk_string_list_append (list, label (i));
  return G_LIST_MODEL (list);
}

GListModel *
tg_ui_status_model (void)
{
  return make_model ((const char *(*) (int)) tg_ui_status_label, TG_REPORT_STATUS_REJECTED + 1);
}

GListModel *
tg_ui_role_model (void)
{
  return make_model ((const char *(*) (int)) tg_ui_role_label, TG_PERSON_ROLE_PERPETRATOR + 1);
}

GListModel *
tg_ui_consent_model (void)
{
  return make_model ((const char *(*) (int)) tg_ui_consent_label, TG_CONSENT_PUBLIC + 1);
}

GListModel *
tg_ui_sex_model (void)
{
  return make_model ((const char *(*) (int)) tg_ui_sex_label, TG_SEX_OTHER + 1);
}

GListModel *
tg_ui_precision_model (void)
{
  return make_model ((const char *(*) (int)) tg_ui_precision_label, TG_DATE_PRECISION_APPROXIMATE + 1);
}

void
tg_ui_set_accessible_label (GtkWidget  *widget,
                            const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

static gboolean
count_output_cb (GtkSpinButton *spin,
                 gpointer       user_data)
{
  double value = gtk_adjustment_get_value (gtk_spin_button_get_adjustment (spin));
  g_autofree char *text = NULL;

  if (value < 0)
    text = g_strdup (_("Unknown"));
  else
    text = g_strdup_printf ("%d", (int) value);
  if (g_strcmp0 (text, gtk_editable_get_text (GTK_EDITABLE (spin))) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

static int
count_input_cb (GtkSpinButton *spin,
                double        *new_value,
                gpointer       user_data)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (spin));
  char *end = NULL;
  double value;

  while (*text == ' ')
    text++;
  if (*text == '\0' || g_strcmp0 (text, _("Unknown")) == 0)
    {
      *new_value = -1;
      return TRUE;
    }
  value = g_ascii_strtod (text, &end);
  if (end == text)
    return GTK_INPUT_ERROR;
  *new_value = value;
  return TRUE;
}

void
tg_ui_setup_count_spin (GtkSpinButton *spin)
{
  g_signal_connect (spin, "output", G_CALLBACK (count_output_cb), NULL);
  g_signal_connect (spin, "input", G_CALLBACK (count_input_cb), NULL);
}
