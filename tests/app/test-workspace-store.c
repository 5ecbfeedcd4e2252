/* test-workspace-store.c — writes a store for the coordinator's workspace
 *
 * For the AT-SPI test and the screenshots (tests/app/test-workspace-ui.py,
 * tests/app/screenshots-workspace.py): `test-workspace-store DIR` makes a
 * store in DIR holding reports from two monitors — this laptop and
 * another device, whose reports arrive as a sync pull would insert them —
 * among which two describe the Juliaca airport shootings of 9 January
 * 2023 with different counts (17 and 18 killed), titles, times and
 * spellings of one victim's name, and prints their ids, one a line (this
 * laptop's first).
 *
 * `test-workspace-store DIR --second-pair` adds a fifth report, the other
 * monitor's account of the road block (submitted, the others drafts), so
 * the queue holds two pairs (tests/app/test-workspace-controls.py), and
 * prints its id third and the first road block's fourth.
 *
 * `test-workspace-store DIR --incident` merges the two Juliaca reports
 * into an incident, as a coordinator of this laptop would, and adds a
 * third monitor's account of the same shootings, in no incident
 * (tests/app/test-workspace-incident.py joins it); it prints the
 * incident's id third and the third account's fourth.
 *
 * `test-workspace-store DIR --incident-conflict` merges them too, then
 * has the incident changed at once here (a title, notes) and on another
 * coordinator's laptop (a title, a figure of 18 killed, notes), whose
 * revisions arrive as a sync pull would insert them: the incident has two
 * heads. That laptop (a store in DIR.other) is named as a server names
 * it, "Laptop Huanta (rosa)". Prints the incident's id third.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "tg-store.h"
#include "tg-store-sync.h"
#include "tg-workspace.h"

#define OTHER_DEVICE "7d2f4c1a-monitor-puno"
#define THIRD_DEVICE "2b9e0f37-monitor-juliaca"
#define TITLE_HERE "Disparos en Juliaca: la versión de Puno"
#define TITLE_THERE "Masacre del aeropuerto de Juliaca"

static GDateTime *
lima_time (int year, int month, int day, int hour, int minute)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_offset (-5 * 3600);

  return g_date_time_new (tz, year, month, day, hour, minute, 0);
}

static void
add_person (TgReport   *report,
            const char *name,
            int         age)
{
  g_autoptr(TgPerson) person = tg_person_new (TG_PERSON_ROLE_VICTIM);

  tg_person_set_name (person, name);
  if (age > 0)
    tg_person_set_age_range (person, age, age);
  tg_person_set_sex (person, TG_SEX_MALE);
  tg_report_add_person (report, person);
}

static TgReport *
report_new (const char *title,
            const char *place,
            const char *category,
            GDateTime  *start,
            double      latitude,
            double      longitude)
{
  TgReport *report = tg_report_new ();
  const char *categories[] = { category, NULL };

  tg_report_set_title (report, title);
  tg_report_set_place_name (report, place);
  tg_report_set_region_code (report, "PE-PUN");
  tg_report_set_categories (report, categories);
  tg_report_set_start (report, start);
  tg_report_set_date_precision (report, TG_DATE_PRECISION_EXACT);
  if (latitude != 0)
    {
      tg_report_set_location (report, latitude, longitude, TG_LOCATION_METHOD_MAP);
      tg_report_set_uncertainty (report, 300);
    }
  return report;
}

static void
save_here (TgStore  *store,
           TgReport *report)
{
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(GError) error = NULL;

  rev = tg_store_save_report (store, report, &error);
  if (rev == NULL)
    g_error ("%s", error->message);
}

/* As a pull from the other monitor's device would insert it. */
static void
receive_from (TgStore    *store,
              TgReport   *report,
              const char *device)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *content = tg_report_to_json_string (report);
  const char *parents[] = { NULL };
  guint n = 0;

  g_ptr_array_add (batch, tg_revision_new (tg_report_get_id (report), TG_REVISION_KIND_REPORT, parents,
                                           device, 1,
                                           g_get_real_time () - (gint64) 3600 * G_USEC_PER_SEC,
                                           FALSE, content));
  if (!tg_store_insert_revisions (store, batch, &n, &error))
    g_error ("%s", error->message);
}

static void
receive (TgStore  *store,
         TgReport *report)
{
  receive_from (store, report, OTHER_DEVICE);
}

/* Copies the revisions of @ids that @from has and @to lacks, as a sync
 * would. */
static void
exchange (TgStore           *from,
          TgStore           *to,
          const char * const *ids)
{
  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) revisions = tg_store_list_revisions (from, ids[i], &error);

      if (revisions == NULL || !tg_store_insert_revisions (to, revisions, NULL, &error))
        g_error ("%s", error->message);
    }
}

static void
check (TgIncident *incident,
       GError     *error)
{
  if (incident == NULL)
    g_error ("%s", error->message);
  g_object_unref (incident);
}

static void
set_title (TgWorkspace *workspace,
           const char  *incident_id,
           const char  *title)
{
  g_autoptr(JsonObject) value = json_object_new ();
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (value, "title", title);
  check (tg_workspace_set_field (workspace, incident_id, TG_INCIDENT_FIELD_TITLE, value, NULL, &error), error);
}

/* The incident changed here and, at the same time, on another
 * coordinator's laptop; that laptop's revisions then arrive. */
static void
make_conflict (TgStore            *store,
               const char         *directory,
               const char         *incident_id,
               const char * const *ids)
{
  g_autofree char *other_dir = g_strconcat (directory, ".other", NULL);
  g_autoptr(TgStore) other = NULL;
  g_autoptr(TgWorkspace) here = tg_workspace_new (store);
  g_autoptr(TgWorkspace) there = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_sync_device_name_free);
  g_autoptr(GError) error = NULL;
  const char *incident[] = { incident_id, NULL };
  TgSyncDeviceName *name;

  other = tg_store_open (other_dir, &error);
  if (other == NULL)
    g_error ("%s", error->message);
  there = tg_workspace_new (other);
  exchange (store, other, ids);

  set_title (here, incident_id, TITLE_HERE);
  check (tg_workspace_set_notes (here, incident_id, "Pedir las actas a la fiscalía de Puno.", &error), error);
  set_title (there, incident_id, TITLE_THERE);
  check (tg_workspace_set_figure (there, incident_id, TG_INCIDENT_COUNT_KILLED, 18,
                                  "La lista del hospital regional nombra a dieciocho.", &error), error);
  check (tg_workspace_set_notes (there, incident_id, "Notas de Huanta: hablar con los familiares.", &error), error);
  exchange (other, store, incident);

  name = g_new0 (TgSyncDeviceName, 1);
  name->device_id = g_strdup (tg_store_get_device_id (other));
  name->name = g_strdup ("Laptop Huanta");
  name->user = g_strdup ("rosa");
  g_ptr_array_add (names, name);
  if (!tg_store_set_device_names (store, names, &error))
    g_error ("%s", error->message);
  tg_store_close (other);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgStore) store = NULL;
  g_autoptr(GDateTime) here_start = lima_time (2023, 1, 9, 15, 40);
  g_autoptr(GDateTime) other_start = lima_time (2023, 1, 9, 16, 10);
  g_autoptr(GDateTime) road = lima_time (2023, 1, 12, 9, 0);
  g_autoptr(GDateTime) lima = lima_time (2023, 1, 19, 18, 30);
  g_autoptr(TgReport) here = NULL;
  g_autoptr(TgReport) other = NULL;
  g_autoptr(TgReport) unrelated = NULL;
  g_autoptr(TgReport) far = NULL;
  const char *police[] = { "police", NULL };

  setlocale (LC_ALL, "");
  if (argc != 2 && (argc != 3 || (g_strcmp0 (argv[2], "--second-pair") != 0 &&
                                   g_strcmp0 (argv[2], "--incident") != 0 &&
                                   g_strcmp0 (argv[2], "--incident-conflict") != 0)))
    {
      g_printerr ("Usage: %s DIR [--second-pair | --incident | --incident-conflict]\n", argv[0]);
      return 2;
    }
  store = tg_store_open (argv[1], &error);
  if (store == NULL)
    g_error ("%s", error->message);

  here = report_new ("Disparos en el aeropuerto de Juliaca", "Juliaca", "killing", here_start,
                     -15.4671, -70.1582);
  tg_report_set_narrative (here, "La policía disparó contra los manifestantes que se acercaban "
                                 "al aeropuerto Inca Manco Cápac.");
  tg_report_set_killed (here, 17);
  tg_report_set_injured (here, 40);
  tg_report_set_perpetrators (here, police);
  add_person (here, "Juan Pérez Quispe", 22);
  add_person (here, "Rosa Mamani Condori", 31);
  save_here (store, here);

  other = report_new ("Juliaca: 18 muertos junto al aeropuerto", "Juliaca", "killing", other_start,
                      -15.4652, -70.1601);
  tg_report_set_narrative (other, "Al menos dieciocho personas murieron por disparos en los "
                                  "alrededores del aeropuerto.");
  tg_report_set_killed (other, 18);
  tg_report_set_injured (other, 40);
  tg_report_set_perpetrators (other, police);
  add_person (other, "juan perez q.", 22);
  receive (store, other);

  unrelated = report_new ("Bloqueo en la carretera a Puno", "Caracoto", "other", road,
                          -15.5700, -70.1000);
  save_here (store, unrelated);
  far = report_new ("Detenciones en la Plaza San Martín", "Lima", "arbitrary_detention", lima,
                    -12.0513, -77.0345);
  tg_report_set_region_code (far, "PE-LIM");
  receive (store, far);

  g_print ("%s\n%s\n", tg_report_get_id (here), tg_report_get_id (other));
  if (argc == 3 && g_str_has_prefix (argv[2], "--incident"))
    {
      g_autoptr(TgWorkspace) workspace = tg_workspace_new (store);
      g_autoptr(TgIncident) incident = NULL;
      const char *members[] = { tg_report_get_id (here), tg_report_get_id (other), NULL };
      const char *ids[] = { tg_report_get_id (here), tg_report_get_id (other), tg_report_get_id (unrelated),
                            tg_report_get_id (far), NULL, NULL };

      incident = tg_workspace_merge (workspace, members, &error);
      if (incident == NULL)
        g_error ("%s", error->message);
      g_print ("%s\n", tg_incident_get_id (incident));
      ids[4] = tg_incident_get_id (incident);
      if (g_str_equal (argv[2], "--incident-conflict"))
        make_conflict (store, argv[1], tg_incident_get_id (incident), ids);
      else
        {
          g_autoptr(GDateTime) third_start = lima_time (2023, 1, 9, 15, 55);
          g_autoptr(TgReport) third = report_new ("Heridos de bala en el aeropuerto de Juliaca", "Juliaca",
                                                  "killing", third_start, -15.4668, -70.1590);

          tg_report_set_injured (third, 41);
          tg_report_set_perpetrators (third, police);
          add_person (third, "Rosa Mamani", 31);
          receive_from (store, third, THIRD_DEVICE);
          g_print ("%s\n", tg_report_get_id (third));
        }
    }
  else if (argc == 3)
    {
      g_autoptr(GDateTime) road_later = lima_time (2023, 1, 12, 9, 40);
      g_autoptr(TgReport) road_other = report_new ("Bloqueo de la vía Juliaca–Puno", "Caracoto", "other",
                                                   road_later, -15.5712, -70.1009);

      /* Sent by its monitor: what the status filter looks for. */
      tg_report_set_status (road_other, TG_REPORT_STATUS_SUBMITTED);
      receive (store, road_other);
      g_print ("%s\n%s\n", tg_report_get_id (road_other), tg_report_get_id (unrelated));
    }
  tg_store_close (store);
  return 0;
}
