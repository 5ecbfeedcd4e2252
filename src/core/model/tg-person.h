/* tg-person.h — a person involved in a report: victim, witness, source,
 * alleged perpetrator
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "tg-types.h"

G_BEGIN_DECLS

#define TG_TYPE_PERSON (tg_person_get_type ())
G_DECLARE_FINAL_TYPE (TgPerson, tg_person, TG, PERSON, GObject)

TgPerson     *tg_person_new              (TgPersonRole   role);
const char   *tg_person_get_id           (TgPerson      *self);
TgPersonRole  tg_person_get_role         (TgPerson      *self);
void          tg_person_set_role         (TgPerson      *self,
                                          TgPersonRole   role);
const char   *tg_person_get_name         (TgPerson      *self);
void          tg_person_set_name         (TgPerson      *self,
                                          const char    *name);
gboolean      tg_person_get_is_pseudonym (TgPerson      *self);
void          tg_person_set_is_pseudonym (TgPerson      *self,
                                          gboolean       is_pseudonym);
/* -1 when unknown; a range when age_min < age_max */
int           tg_person_get_age_min      (TgPerson      *self);
int           tg_person_get_age_max      (TgPerson      *self);
void          tg_person_set_age_range    (TgPerson      *self,
                                          int            age_min,
                                          int            age_max);
TgSex         tg_person_get_sex          (TgPerson      *self);
void          tg_person_set_sex          (TgPerson      *self,
                                          TgSex          sex);
gboolean      tg_person_get_minor        (TgPerson      *self);
void          tg_person_set_minor        (TgPerson      *self,
                                          gboolean       minor);
const char   *tg_person_get_ethnicity    (TgPerson      *self);
void          tg_person_set_ethnicity    (TgPerson      *self,
                                          const char    *ethnicity);
const char   *tg_person_get_community    (TgPerson      *self);
void          tg_person_set_community    (TgPerson      *self,
                                          const char    *community);
const char * const *tg_person_get_harms  (TgPerson      *self);
void          tg_person_set_harms        (TgPerson      *self,
                                          const char * const *harms);
const char * const *tg_person_get_weapons(TgPerson      *self);
void          tg_person_set_weapons      (TgPerson      *self,
                                          const char * const *weapons);
TgConsent     tg_person_get_consent      (TgPerson      *self);
void          tg_person_set_consent      (TgPerson      *self,
                                          TgConsent      consent);
const char   *tg_person_get_notes        (TgPerson      *self);
void          tg_person_set_notes        (TgPerson      *self,
                                          const char    *notes);

TgPerson     *tg_person_new_from_json    (JsonNode      *node,
                                          GError       **error);
gboolean      tg_person_validate         (TgPerson      *self,
                                          GError       **error);

G_END_DECLS
