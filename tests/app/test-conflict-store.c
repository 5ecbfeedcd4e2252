/* test-conflict-store.c — writes a store holding a report changed on two devices
 *
 * For the AT-SPI test and the screenshots (tests/app/test-conflict.py,
 * tests/app/screenshots-conflict.py): `test-conflict-store DIR` makes a
 * store in DIR with a few ordinary reports and one report edited here and,
 * from the same revision, on another device (a sibling revision inserted
 * as a sync pull would, the other device named "Laptop Huanta (rosa)" as a
 * pull page names it), then prints that report's id on stdout.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "tg-store.h"
#include "tg-store-sync.h"

#define OTHER_DEVICE "5b1c7e29-other-device"

static GDateTime *
lima_time (int year, int month, int day, int hour, int minute)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_offset (-5 * 3600);

  return g_date_time_new (tz, year, month, day, hour, minute, 0);
}

static void
save_plain (TgStore    *store,
            const char *title,
            const char *place,
            const char *category,
            GDateTime  *start)
{
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgRevision) rev = NULL;
  g_autoptr(GError) error = NULL;
  const char *categories[] = { category, NULL };

  tg_report_set_title (report, title);
  tg_report_set_place_name (report, place);
  tg_report_set_categories (report, categories);
  tg_report_set_start (report, start);
  rev = tg_store_save_report (store, report, &error);
  if (rev == NULL)
    g_error ("%s", error->message);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgStore) store = NULL;
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(TgReport) local = NULL;
  g_autoptr(TgReport) remote = NULL;
  g_autoptr(TgRevision) root = NULL;
  g_autoptr(TgRevision) local_rev = NULL;
  g_autoptr(TgRevision) remote_rev = NULL;
  g_autoptr(GPtrArray) batch = g_ptr_array_new ();
  g_autoptr(GDateTime) start = lima_time (2023, 1, 9, 15, 40);
  g_autofree char *content = NULL;
  const char *killing[] = { "killing", NULL };
  const char *injury[] = { "killing", "injury", NULL };
  const char *police[] = { "police", NULL };
  const char *parents[2] = { NULL, NULL };
  guint n = 0;

  setlocale (LC_ALL, "");
  if (argc != 2)
    {
      g_printerr ("Usage: %s DIR\n", argv[0]);
      return 2;
    }
  store = tg_store_open (argv[1], &error);
  if (store == NULL)
    g_error ("%s", error->message);

  {
    g_autoptr(GDateTime) a = lima_time (2022, 12, 15, 11, 20);
    g_autoptr(GDateTime) b = lima_time (2023, 1, 28, 17, 5);
    g_autoptr(GDateTime) c = lima_time (2022, 12, 12, 16, 0);

    save_plain (store, "Ayacucho: disparos cerca del aeropuerto", "Huamanga", "killing", a);
    save_plain (store, "Lima: detenciones en la Plaza San Martín", "Lima", "arbitrary_detention", b);
    save_plain (store, "Andahuaylas: heridos por perdigones", "Andahuaylas", "injury", c);
  }

  /* The report: saved here, then edited here and on the other device. */
  tg_report_set_title (report, "Puente de Juliaca");
  tg_report_set_place_name (report, "Juliaca");
  tg_report_set_start (report, start);
  tg_report_set_narrative (report, "Versión inicial del relato.");
  tg_report_set_perpetrators (report, police);
  root = tg_store_save_report (store, report, &error);
  if (root == NULL)
    g_error ("%s", error->message);

  local = tg_report_copy (report);
  remote = tg_report_copy (report);

  tg_report_set_title (local, "Disparos en el puente de Juliaca");
  tg_report_set_narrative (local, "La policía disparó desde el puente hacia los manifestantes que "
                                  "bajaban por la avenida; vimos a dos heridos en el suelo.");
  tg_report_set_categories (local, killing);
  tg_report_set_killed (local, 17);
  local_rev = tg_store_save_report (store, local, &error);
  if (local_rev == NULL)
    g_error ("%s", error->message);

  tg_report_set_title (remote, "Juliaca, 9 de enero: disparos desde el puente");
  tg_report_set_narrative (remote, "Desde el puente se dispararon perdigones y bala viva; la "
                                   "brigada médica atendió a once heridos en la plaza.");
  tg_report_set_categories (remote, injury);
  tg_report_set_killed (remote, 18);
  content = tg_report_to_json_string (remote);
  parents[0] = tg_revision_get_id (root);
  remote_rev = tg_revision_new (tg_report_get_id (remote), TG_REVISION_KIND_REPORT, parents,
                                OTHER_DEVICE, 1, g_get_real_time () - (gint64) 42 * 60 * G_USEC_PER_SEC,
                                FALSE, content);
  g_ptr_array_add (batch, remote_rev);
  if (!tg_store_insert_revisions (store, batch, &n, &error))
    g_error ("%s", error->message);
  /* the other device as a pull page names it (docs/sync-protocol.md) */
  {
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func ((GDestroyNotify) tg_sync_device_name_free);
    TgSyncDeviceName *name = g_new0 (TgSyncDeviceName, 1);

    name->device_id = g_strdup (OTHER_DEVICE);
    name->name = g_strdup ("Laptop Huanta");
    name->user = g_strdup ("rosa");
    g_ptr_array_add (names, name);
    if (!tg_store_set_device_names (store, names, &error))
      g_error ("%s", error->message);
  }

  if (tg_store_get_report_sync_state (store, tg_report_get_id (report)) != TG_REPORT_SYNC_CONFLICT)
    g_error ("the report has no conflict");
  g_print ("%s\n", tg_report_get_id (report));
  tg_store_close (store);
  return 0;
}
