/* bench-workspace.c — how long the workspace's lists and merges take
 *
 * Creates a store in $TMPDIR with N reports (default 50,000) from 20
 * monitors' devices in 25 regions, merges a tenth of them into incidents
 * of 2 to 5 reports and one incident of 200, then times what the
 * coordinator's workspace asks of the store. Prints figures; asserts
 * nothing about time (docs/benchmarks.md).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <sys/resource.h>

#include "tg-store-private.h"
#include "tg-test-common.h"
#include "tg-workspace.h"

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static double
median (GArray *times)
{
  g_array_sort (times, tg_test_compare_double);
  return g_array_index (times, double, times->len / 2);
}

static TgReport *
make_report (guint i)
{
  static const char *given[] = { "Juan", "Rosa", "Edgar", "María", "Marco", "Clemente", "Jhamileth" };
  static const char *surnames[] = { "Quispe", "Mamani", "Apaza", "Condori", "Huamán", "Ccama", "Samillán" };
  TgReport *report = tg_report_new ();
  g_autoptr(TgPerson) victim = tg_person_new (TG_PERSON_ROLE_VICTIM);
  g_autoptr(GDateTime) start = g_date_time_new_utc (2023, 1 + i % 2, 1 + i % 28, i % 24, 0, 0);
  g_autofree char *title = g_strdup_printf ("Informe %u", i);
  g_autofree char *region = g_strdup_printf ("PE-R%02u", i % 25);
  g_autofree char *name = g_strdup_printf ("%s %s %s", given[i % 7], surnames[(i / 7) % 7],
                                           surnames[(i / 49) % 7]);
  const char *categories[] = { i % 3 ? "killing" : "detention", NULL };

  tg_report_set_title (report, title);
  tg_report_set_start (report, start);
  tg_report_set_region_code (report, region);
  tg_report_set_location (report, -15.0 - (i % 100) / 100.0, -70.0 - (i % 77) / 100.0,
                          TG_LOCATION_METHOD_MAP);
  tg_report_set_categories (report, categories);
  tg_report_set_killed (report, i % 20);
  tg_person_set_name (victim, name);
  tg_report_add_person (report, victim);
  return report;
}

int
main (int   argc,
      char *argv[])
{
  guint n = argc > 1 ? (guint) strtoul (argv[1], NULL, 10) : 50000;
  g_autofree char *dir = tg_test_make_tmp_dir ("testigo-bench-workspace-XXXXXX");
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GPtrArray) monitors = g_ptr_array_new_with_free_func (g_free);
  TgStore *store;
  TgWorkspace *workspace;
  guint n_incidents = 0;
  double t0;
  struct rusage usage;

  if (n < 1000)
    n = 1000;

  /* The reports, as pulled from 20 monitors' devices. */
  t0 = now_ms ();
  for (guint m = 0; m < 20; m++)
    {
      g_autofree char *sub = g_strdup_printf ("monitor-%u", m);
      g_autoptr(TgStore) monitor = tg_test_open_store_in (dir, sub);
      g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func (g_object_unref);

      g_ptr_array_add (monitors, g_strdup (tg_store_get_device_id (monitor)));
      for (guint i = m; i < n; i += 20)
        {
          TgReport *report = make_report (i);

          g_ptr_array_add (reports, report);
          g_ptr_array_add (ids, g_strdup (tg_report_get_id (report)));
        }
      if (!tg_store_save_reports (monitor, reports, &error))
        g_error ("%s", error->message);
    }
  {
    g_autofree char *coordinator = g_build_filename (dir, "coordinator", NULL);

    store = tg_test_open_store (coordinator);
  }
  for (guint m = 0; m < 20; m++)
    {
      g_autofree char *name = g_strdup_printf ("monitor-%u", m);
      g_autofree char *sub = g_build_filename (dir, name, NULL);
      g_autoptr(TgStore) monitor = tg_test_open_store (sub);
      g_autoptr(GPtrArray) revs = tg_store_list_unsynced (monitor, G_MAXUINT, &error);

      if (revs == NULL || !tg_store_insert_revisions (store, revs, NULL, &error))
        g_error ("%s", error->message);
    }
  g_print ("%u reports from 20 devices in the coordinator's store: %.1f s\n", n, (now_ms () - t0) / 1000);
  workspace = tg_workspace_new (store);

  /* A tenth of them merged into incidents of 2 to 5 reports. */
  t0 = now_ms ();
  for (guint i = 0; i + 5 < n / 10; )
    {
      guint size = 2 + n_incidents % 4;
      const char *group[6] = { NULL };
      double t1 = now_ms ();
      g_autoptr(TgIncident) incident = NULL;

      for (guint k = 0; k < size; k++)
        group[k] = ids->pdata[i + k];
      incident = tg_workspace_merge (workspace, group, &error);
      if (incident == NULL)
        g_error ("%s", error->message);
      t1 = now_ms () - t1;
      g_array_append_val (times, t1);
      i += size;
      n_incidents++;
    }
  g_print ("%u merges of 2-5 reports: %.1f s in all, median %.2f ms each\n",
           n_incidents, (now_ms () - t0) / 1000, median (times));

  {
    const char **group = g_new0 (const char *, 201);
    g_autoptr(TgIncident) incident = NULL;

    for (guint k = 0; k < 200; k++)
      group[k] = ids->pdata[n / 2 + k];
    t0 = now_ms ();
    incident = tg_workspace_merge (workspace, group, &error);
    if (incident == NULL)
      g_error ("%s", error->message);
    g_print ("a merge of 200 reports: %.1f ms (%u persons)\n", now_ms () - t0,
             tg_incident_get_n_persons (incident));
    g_free (group);
    n_incidents++;
  }

  /* The lists the workspace shows. */
  {
    struct { const char *what; int kind; } lists[] = {
      { "every report", 0 },
      { "not yet in an incident", 1 },
      { "one monitor", 2 },
      { "one region, January", 3 },
      { "first page of 100, not in an incident", 4 },
    };

    for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
      {
        guint rows = 0;

        g_array_set_size (times, 0);
        for (guint r = 0; r < 5; r++)
          {
            g_autoptr(TgWorkspaceFilter) filter = tg_workspace_filter_new ();
            g_autoptr(GPtrArray) result = NULL;
            double t1;

            if (lists[l].kind == 1 || lists[l].kind == 4)
              filter->not_in_incident = TRUE;
            if (lists[l].kind == 2)
              filter->device_id = g_strdup (monitors->pdata[3]);
            if (lists[l].kind == 3)
              {
                g_autoptr(GDateTime) from = g_date_time_new_utc (2023, 1, 1, 0, 0, 0);
                g_autoptr(GDateTime) until = g_date_time_new_utc (2023, 1, 31, 23, 59, 59);

                filter->region_code = g_strdup ("PE-R07");
                filter->start_from = g_date_time_to_unix (from);
                filter->start_until = g_date_time_to_unix (until);
              }
            if (lists[l].kind == 4)
              filter->limit = 100;
            t1 = now_ms ();
            result = tg_workspace_list_reports (workspace, filter, &error);
            if (result == NULL)
              g_error ("%s", error->message);
            t1 = now_ms () - t1;
            g_array_append_val (times, t1);
            rows = result->len;
          }
        g_print ("list reports, %s: %u rows, median %.1f ms of 5\n", lists[l].what, rows, median (times));
      }
  }
  {
    g_autoptr(GPtrArray) rows = NULL;

    t0 = now_ms ();
    rows = tg_workspace_list_incidents (workspace, -1, &error);
    g_print ("list incidents: %u rows, %.1f ms\n", rows->len, now_ms () - t0);
  }
  g_array_set_size (times, 0);
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *holder = NULL;
      double t1 = now_ms ();

      tg_workspace_get_report_incident (workspace, ids->pdata[(i * 7919) % n], &holder, NULL, NULL, &error);
      t1 = (now_ms () - t1) * 1000;
      g_array_append_val (times, t1);
    }
  g_print ("the incident holding a report (a monitor's view): median %.0f us of 1000\n", median (times));

  getrusage (RUSAGE_SELF, &usage);
  g_print ("peak resident memory: %.1f MB\n", usage.ru_maxrss / 1024.0);

  g_object_unref (workspace);
  g_object_unref (store);
  tg_test_rm_rf (dir);
  return 0;
}
