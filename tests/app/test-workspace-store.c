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
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "tg-store.h"

#define OTHER_DEVICE "7d2f4c1a-monitor-puno"

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
receive (TgStore  *store,
         TgReport *report)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *content = tg_report_to_json_string (report);
  const char *parents[] = { NULL };
  guint n = 0;

  g_ptr_array_add (batch, tg_revision_new (tg_report_get_id (report), TG_REVISION_KIND_REPORT, parents,
                                           OTHER_DEVICE, 1,
                                           g_get_real_time () - (gint64) 3600 * G_USEC_PER_SEC,
                                           FALSE, content));
  if (!tg_store_insert_revisions (store, batch, &n, &error))
    g_error ("%s", error->message);
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
  if (argc != 2 && (argc != 3 || g_strcmp0 (argv[2], "--second-pair") != 0))
    {
      g_printerr ("Usage: %s DIR [--second-pair]\n", argv[0]);
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
  if (argc == 3)
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
