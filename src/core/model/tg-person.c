/* tg-person.c — a person in a report: fields, JSON form and validation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-person"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tg-json-private.h"
#include "tg-person.h"
#include "tg-report.h"
#include "tg-revision.h"

struct _TgPerson
{
  GObject       parent_instance;

  char         *id;
  TgPersonRole  role;
  char         *name;
  int           age_min;
  int           age_max;
  TgSex         sex;
  char         *ethnicity;
  char         *community;
  char        **harms;
  char        **weapons;
  TgConsent     consent;
  char         *notes;
  guint         is_pseudonym : 1;
  guint         minor : 1;
};

G_DEFINE_FINAL_TYPE (TgPerson, tg_person, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
changed (TgPerson *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
tg_person_finalize (GObject *object)
{
  TgPerson *self = (TgPerson *) object;

  g_free (self->id);
  g_free (self->name);
  g_free (self->ethnicity);
  g_free (self->community);
  g_strfreev (self->harms);
  g_strfreev (self->weapons);
  g_free (self->notes);

  G_OBJECT_CLASS (tg_person_parent_class)->finalize (object);
}

static void
tg_person_class_init (TgPersonClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tg_person_finalize;

  /**
   * TgPerson::changed:
   *
   * Emitted after any field changed.
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tg_person_init (TgPerson *self)
{
  self->id = g_uuid_string_random ();
  self->age_min = -1;
  self->age_max = -1;
  self->consent = TG_CONSENT_NONE;
}

TgPerson *
tg_person_new (TgPersonRole role)
{
  TgPerson *self = g_object_new (TG_TYPE_PERSON, NULL);

  self->role = role;
  return self;
}

const char *
tg_person_get_id (TgPerson *self)
{
  g_return_val_if_fail (TG_IS_PERSON (self), NULL);
  return self->id;
}

#define STRING_FIELD(field)                                   \
  const char *                                                \
  tg_person_get_##field (TgPerson *self)                      \
  {                                                           \
    g_return_val_if_fail (TG_IS_PERSON (self), NULL);         \
    return self->field;                                       \
  }                                                           \
  void                                                        \
  tg_person_set_##field (TgPerson   *self,                    \
                         const char *value)                   \
  {                                                           \
    g_return_if_fail (TG_IS_PERSON (self));                   \
    if (tg_set_string (&self->field, value))                  \
      changed (self);                                         \
  }

#define STRV_FIELD(field)                                     \
  const char * const *                                        \
  tg_person_get_##field (TgPerson *self)                      \
  {                                                           \
    g_return_val_if_fail (TG_IS_PERSON (self), NULL);         \
    return (const char * const *) self->field;                \
  }                                                           \
  void                                                        \
  tg_person_set_##field (TgPerson           *self,            \
                         const char * const *value)           \
  {                                                           \
    g_return_if_fail (TG_IS_PERSON (self));                   \
    if (tg_set_strv (&self->field, value))                    \
      changed (self);                                         \
  }

#define SCALAR_FIELD(Type, field, get_name, set_name)         \
  Type                                                        \
  tg_person_get_##get_name (TgPerson *self)                   \
  {                                                           \
    g_return_val_if_fail (TG_IS_PERSON (self), 0);            \
    return self->field;                                       \
  }                                                           \
  void                                                        \
  tg_person_set_##set_name (TgPerson *self,                   \
                            Type      value)                  \
  {                                                           \
    g_return_if_fail (TG_IS_PERSON (self));                   \
    if (self->field == value)                                 \
      return;                                                 \
    self->field = value;                                      \
    changed (self);                                           \
  }

STRING_FIELD (name)
STRING_FIELD (ethnicity)
STRING_FIELD (community)
STRING_FIELD (notes)
STRV_FIELD (harms)
STRV_FIELD (weapons)
SCALAR_FIELD (TgPersonRole, role, role, role)
SCALAR_FIELD (TgSex, sex, sex, sex)
SCALAR_FIELD (TgConsent, consent, consent, consent)

gboolean
tg_person_get_is_pseudonym (TgPerson *self)
{
  g_return_val_if_fail (TG_IS_PERSON (self), FALSE);
  return self->is_pseudonym;
}

void
tg_person_set_is_pseudonym (TgPerson *self,
                            gboolean  is_pseudonym)
{
  g_return_if_fail (TG_IS_PERSON (self));
  if (self->is_pseudonym == !!is_pseudonym)
    return;
  self->is_pseudonym = !!is_pseudonym;
  changed (self);
}

gboolean
tg_person_get_minor (TgPerson *self)
{
  g_return_val_if_fail (TG_IS_PERSON (self), FALSE);
  return self->minor;
}

void
tg_person_set_minor (TgPerson *self,
                     gboolean  minor)
{
  g_return_if_fail (TG_IS_PERSON (self));
  if (self->minor == !!minor)
    return;
  self->minor = !!minor;
  changed (self);
}

int
tg_person_get_age_min (TgPerson *self)
{
  g_return_val_if_fail (TG_IS_PERSON (self), -1);
  return self->age_min;
}

int
tg_person_get_age_max (TgPerson *self)
{
  g_return_val_if_fail (TG_IS_PERSON (self), -1);
  return self->age_max;
}

void
tg_person_set_age_range (TgPerson *self,
                         int       age_min,
                         int       age_max)
{
  g_return_if_fail (TG_IS_PERSON (self));
  if (self->age_min == age_min && self->age_max == age_max)
    return;
  self->age_min = age_min;
  self->age_max = age_max;
  changed (self);
}

void
tg_person_write_json (TgPerson     *self,
                      TgJsonWriter *writer)
{
  tg_json_writer_begin_object (writer, NULL);
  tg_json_write_string (writer, "id", self->id);
  tg_json_write_string (writer, "role", tg_person_role_to_string (self->role));
  tg_json_write_string (writer, "name", self->name);
  tg_json_write_bool (writer, "pseudonym", self->is_pseudonym);
  tg_json_write_int (writer, "age_min", self->age_min);
  tg_json_write_int (writer, "age_max", self->age_max);
  tg_json_write_string (writer, "sex", tg_sex_to_string (self->sex));
  tg_json_write_bool (writer, "minor", self->minor);
  tg_json_write_string (writer, "ethnicity", self->ethnicity);
  tg_json_write_string (writer, "community", self->community);
  tg_json_write_strv (writer, "harms", (const char * const *) self->harms);
  tg_json_write_strv (writer, "weapons", (const char * const *) self->weapons);
  tg_json_write_string (writer, "consent", tg_consent_to_string (self->consent));
  tg_json_write_string (writer, "notes", self->notes);
  tg_json_writer_end_object (writer);
}

TgPerson *
tg_person_new_from_json (JsonNode  *node,
                         GError   **error)
{
  g_autoptr(TgPerson) self = NULL;
  JsonObject *object;
  const char *id, *role, *sex, *consent, *name, *ethnicity, *community, *notes;
  gint64 age_min, age_max;
  gboolean pseudonym, minor;
  char **harms = NULL, **weapons = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           "person: expected a JSON object");
      return NULL;
    }
  object = json_node_get_object (node);
  self = g_object_new (TG_TYPE_PERSON, NULL);

  if (!tg_json_get_string (object, "person", "id", &id, error) ||
      !tg_json_get_string (object, "person", "role", &role, error) ||
      !tg_json_get_string (object, "person", "name", &name, error) ||
      !tg_json_get_bool (object, "person", "pseudonym", &pseudonym, error) ||
      !tg_json_get_int (object, "person", "age_min", -1, &age_min, error) ||
      !tg_json_get_int (object, "person", "age_max", -1, &age_max, error) ||
      !tg_json_get_string (object, "person", "sex", &sex, error) ||
      !tg_json_get_bool (object, "person", "minor", &minor, error) ||
      !tg_json_get_string (object, "person", "ethnicity", &ethnicity, error) ||
      !tg_json_get_string (object, "person", "community", &community, error) ||
      !tg_json_get_string (object, "person", "consent", &consent, error) ||
      !tg_json_get_string (object, "person", "notes", &notes, error))
    return NULL;

  if (id == NULL || !tg_is_uuid (id))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID, "person: \"id\" is not a UUID");
      return NULL;
    }
  if (role == NULL || !tg_person_role_from_string (role, &self->role))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID, "person: unknown role \"%s\"",
                   role ? role : "");
      return NULL;
    }
  if (sex != NULL && !tg_sex_from_string (sex, &self->sex))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID, "person: unknown sex \"%s\"", sex);
      return NULL;
    }
  if (consent != NULL && !tg_consent_from_string (consent, &self->consent))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID, "person: unknown consent \"%s\"", consent);
      return NULL;
    }
  if (age_min < -1 || age_min > 150 || age_max < -1 || age_max > 150)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID, "person: age out of range");
      return NULL;
    }
  if (!tg_json_get_strv (object, "person", "harms", &harms, error))
    return NULL;
  self->harms = harms;
  if (!tg_json_get_strv (object, "person", "weapons", &weapons, error))
    return NULL;
  self->weapons = weapons;

  g_free (self->id);
  self->id = g_strdup (id);
  self->name = g_strdup (name);
  self->is_pseudonym = pseudonym;
  self->age_min = (int) age_min;
  self->age_max = (int) age_max;
  self->minor = minor;
  self->ethnicity = g_strdup (ethnicity);
  self->community = g_strdup (community);
  self->notes = g_strdup (notes);

  return g_steal_pointer (&self);
}

gboolean
tg_person_validate (TgPerson  *self,
                    GError   **error)
{
  g_return_val_if_fail (TG_IS_PERSON (self), FALSE);

  if (self->age_min < -1 || self->age_min > 150 || self->age_max < -1 || self->age_max > 150)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           _("An age must be between 0 and 150."));
      return FALSE;
    }
  if (self->age_min >= 0 && self->age_max >= 0 && self->age_max < self->age_min)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           _("The upper age is below the lower age."));
      return FALSE;
    }
  if (self->minor && self->age_min >= 18)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           _("A person marked as a minor cannot be 18 or older."));
      return FALSE;
    }
  if (self->name != NULL && strlen (self->name) > TG_MAX_TITLE_LENGTH)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           _("A name is limited to 500 characters."));
      return FALSE;
    }
  return TRUE;
}
