/* tg-demo.c — the demo reports from Peru's 2022–2023 protests, and seeded variants of them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-demo"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "tg-demo.h"

#define DEMO_NOTE "[Datos de demostración] "

typedef struct
{
  const char *title;
  const char *narrative;
  const char *start;          /* ISO 8601, Peru time */
  int         span_days;      /* for generated variants */
  TgDatePrecision precision;
  const char *place_name;
  const char *region_code;
  const char *province_code;
  double      latitude;
  double      longitude;
  double      uncertainty_m;
  const char *categories;     /* ';'-separated vocabulary codes */
  int         killed, injured, detained, disappeared;
  const char *perpetrators;
  const char *harms;          /* of victims */
  const char *weapons;
  const char *ethnicity;
  TgReportStatus status;
  const char *link_slug;      /* NULL: no link source */
  gboolean    testimony;
} DemoEvent;

/* Public facts of the period; the counts are those reported publicly at
 * the time, and some events appear twice with the different counts that
 * different sources gave (49 vs 56 dead overall, 17 vs 18 in Juliaca). */
static const DemoEvent events[] = {
  { "Disparos contra manifestantes en Andahuaylas",
    "Durante una movilización en Andahuaylas, agentes de la policía dispararon contra los "
    "manifestantes en las inmediaciones del aeródromo. Se reportan dos personas fallecidas por "
    "impactos de bala y varios heridos trasladados al hospital local.",
    "2022-12-11T15:00:00-05:00", 2, TG_DATE_PRECISION_DAY,
    "Andahuaylas", "PE.03", "PE.03.0302", -13.6556, -73.3872, 800,
    "killing;injury;excessive_force", 2, 20, -1, -1, "police",
    "killed;injured_firearm", "live_ammunition;tear_gas", "Quechua",
    TG_REPORT_STATUS_VERIFIED, "andahuaylas-11-dic", TRUE },
  { "Represión de bloqueo en la vía Chincheros–Andahuaylas",
    "Efectivos policiales despejaron un bloqueo de la carretera con gases lacrimógenos. "
    "Comuneros refieren golpes y detenciones durante el desalojo de la vía.",
    "2022-12-12T09:30:00-05:00", 3, TG_DATE_PRECISION_APPROXIMATE,
    "Chincheros", "PE.03", "PE.03.0306", -13.5178, -73.7233, 3000,
    "blockade_repression;excessive_force", -1, 8, 4, -1, "police",
    "beaten;detained", "tear_gas;baton", "Quechua",
    TG_REPORT_STATUS_SUBMITTED, NULL, TRUE },
  { "Enfrentamientos en el aeropuerto de Arequipa",
    "Manifestantes intentaron ingresar al aeropuerto Rodríguez Ballón. La policía respondió "
    "con gases lacrimógenos y perdigones; hay heridos atendidos en centros de salud cercanos.",
    "2022-12-12T11:00:00-05:00", 2, TG_DATE_PRECISION_DAY,
    "Aeropuerto Rodríguez Ballón, Arequipa", "PE.04", "PE.04.0401", -16.3411, -71.5831, 1000,
    "injury;excessive_force", -1, 12, 6, -1, "police",
    "injured_pellets;gas_exposure", "pellets;tear_gas", NULL,
    TG_REPORT_STATUS_UNDER_REVIEW, "arequipa-aeropuerto", FALSE },
  { "Muertes por disparos en Huamanga (Ayacucho)",
    "En los alrededores del aeropuerto de Huamanga, miembros del Ejército dispararon contra "
    "manifestantes y transeúntes. Se registran diez personas fallecidas por proyectiles de arma "
    "de fuego y decenas de heridos.",
    "2022-12-15T13:00:00-05:00", 1, TG_DATE_PRECISION_DAY,
    "Huamanga, Ayacucho", "PE.05", "PE.05.0501", -13.1548, -74.2044, 1500,
    "killing;injury;excessive_force", 10, 40, -1, -1, "army",
    "killed;injured_firearm", "live_ammunition", "Quechua",
    TG_REPORT_STATUS_VERIFIED, "ayacucho-15-dic", TRUE },
  { "Ayacucho: relato de brigada sobre heridos y fallecidos",
    "Una brigada de primeros auxilios informa de nueve personas fallecidas al cierre del día y "
    "de heridos de bala atendidos en la vía pública; la cifra difiere de otros reportes.",
    "2022-12-15T16:00:00-05:00", 1, TG_DATE_PRECISION_DAY,
    "Huamanga, Ayacucho", "PE.05", "PE.05.0501", -13.1601, -74.2160, 2500,
    "killing;injury;attack_on_medical", 9, 35, -1, -1, "army;police",
    "killed;injured_firearm", "live_ammunition;tear_gas", "Quechua",
    TG_REPORT_STATUS_SUBMITTED, NULL, TRUE },
  { "Detenidos denuncian malos tratos en comisaría de Huamanga",
    "Personas detenidas tras las protestas relatan golpes, insultos y falta de acceso a un "
    "abogado durante las primeras horas de detención.",
    "2022-12-16T20:00:00-05:00", 3, TG_DATE_PRECISION_APPROXIMATE,
    "Huamanga, Ayacucho", "PE.05", "PE.05.0501", -13.1631, -74.2236, 500,
    "arbitrary_detention;torture;denial_of_assistance", -1, 3, 5, -1, "police",
    "detained;tortured;beaten", "baton;kicks_punches", "Quechua",
    TG_REPORT_STATUS_UNDER_REVIEW, NULL, TRUE },
  { "Masacre en Juliaca: diecisiete fallecidos",
    "En las inmediaciones del aeropuerto Inca Manco Cápac de Juliaca, la policía disparó contra "
    "los manifestantes. Se reportan diecisiete civiles fallecidos, la mayoría por arma de fuego, "
    "y un número elevado de heridos por balas y perdigones.",
    "2023-01-09T14:00:00-05:00", 1, TG_DATE_PRECISION_DAY,
    "Aeropuerto Inca Manco Cápac, Juliaca", "PE.21", "PE.21.2111", -15.4671, -70.1582, 1500,
    "killing;injury;excessive_force", 17, 100, -1, -1, "police",
    "killed;injured_firearm;injured_pellets", "live_ammunition;pellets", "Aymara",
    TG_REPORT_STATUS_VERIFIED, "juliaca-9-ene", TRUE },
  { "Juliaca: dieciocho muertos según conteo regional",
    "El conteo de organizaciones regionales suma dieciocho personas fallecidas en Juliaca, "
    "incluido un agente policial muerto al día siguiente. Las cifras deben conciliarse con "
    "otros reportes del mismo hecho.",
    "2023-01-09T18:00:00-05:00", 2, TG_DATE_PRECISION_DAY,
    "Juliaca", "PE.21", "PE.21.2111", -15.5000, -70.1333, 3000,
    "killing;injury", 18, -1, -1, -1, "police;civilians",
    "killed", "live_ammunition", "Aymara",
    TG_REPORT_STATUS_UNDER_REVIEW, NULL, FALSE },
  { "Brigadistas de salud atacados con gases en Juliaca",
    "Un grupo de brigadistas que atendía heridos fue alcanzado por bombas lacrimógenas "
    "lanzadas a corta distancia; se perdieron insumos médicos.",
    "2023-01-09T16:30:00-05:00", 1, TG_DATE_PRECISION_EXACT,
    "Juliaca", "PE.21", "PE.21.2111", -15.4890, -70.1410, 300,
    "attack_on_medical;injury", -1, 3, -1, -1, "police",
    "injured_canister;gas_exposure;equipment_seized", "tear_gas_canister;tear_gas", "Aymara",
    TG_REPORT_STATUS_SUBMITTED, NULL, TRUE },
  { "Fallecido durante protestas en Cusco",
    "En la ciudad del Cusco, la policía dispersó una marcha con gases y perdigones. Se reporta "
    "una persona fallecida y más de veinte heridos.",
    "2023-01-11T19:00:00-05:00", 2, TG_DATE_PRECISION_DAY,
    "Cusco", "PE.08", "PE.08.0801", -13.5319, -71.9675, 2000,
    "killing;injury;excessive_force", 1, 22, 5, -1, "police",
    "killed;injured_pellets", "pellets;tear_gas", "Quechua",
    TG_REPORT_STATUS_VERIFIED, "cusco-11-ene", FALSE },
  { "Persona no ubicada tras detención en Cusco",
    "Familiares denuncian que no conocen el paradero de un joven detenido durante las "
    "protestas; la comisaría niega su registro.",
    "2023-01-12T08:00:00-05:00", 4, TG_DATE_PRECISION_APPROXIMATE,
    "Cusco", "PE.08", "PE.08.0801", -13.5226, -71.9673, 5000,
    "enforced_disappearance;arbitrary_detention", -1, -1, 1, 1, "police",
    "detained;disappeared", "unknown", "Quechua",
    TG_REPORT_STATUS_DRAFT, NULL, TRUE },
  { "Dos fallecidos en Macusani",
    "En Macusani (Carabaya) se produjeron enfrentamientos frente a instalaciones policiales. "
    "Se reportan dos personas fallecidas por arma de fuego.",
    "2023-01-18T15:00:00-05:00", 1, TG_DATE_PRECISION_DAY,
    "Macusani", "PE.21", "PE.21.2103", -14.0694, -70.4319, 1000,
    "killing;injury", 2, 10, -1, -1, "police",
    "killed;injured_firearm", "live_ammunition", "Quechua",
    TG_REPORT_STATUS_UNDER_REVIEW, NULL, FALSE },
  { "Desbloqueo de la carretera en Ilave",
    "Agentes policiales y militares retiraron piedras y barricadas de la vía Puno–Desaguadero "
    "a la altura de Ilave, con uso de gases lacrimógenos contra comuneros.",
    "2023-01-20T07:00:00-05:00", 10, TG_DATE_PRECISION_APPROXIMATE,
    "Ilave", "PE.21", "PE.21.2105", -16.0866, -69.6386, 5000,
    "blockade_repression", -1, 5, 2, -1, "police;army",
    "gas_exposure;beaten", "tear_gas;baton", "Aymara",
    TG_REPORT_STATUS_SUBMITTED, NULL, FALSE },
  { "Bloqueo en el puente internacional de Desaguadero",
    "Pobladores mantienen bloqueado el paso fronterizo; se reportan amenazas de desalojo y "
    "presencia de fuerzas del orden.",
    "2023-01-15T06:00:00-05:00", 20, TG_DATE_PRECISION_APPROXIMATE,
    "Desaguadero", "PE.21", "PE.21.2104", -16.5656, -69.0414, 2000,
    "threats;blockade_repression", -1, -1, -1, -1, "police",
    "threatened", "unknown", "Aymara",
    TG_REPORT_STATUS_DRAFT, NULL, FALSE },
  { "Periodistas heridos con perdigones en la marcha del 19 de enero",
    "Durante la movilización hacia el centro de Lima, reporteros debidamente identificados "
    "fueron alcanzados por perdigones y gases; a uno se le arrebató la cámara.",
    "2023-01-19T18:00:00-05:00", 1, TG_DATE_PRECISION_EXACT,
    "Plaza San Martín, Lima", "PE.LMA", NULL, -12.0516, -77.0347, 200,
    "attack_on_press;injury", -1, 3, -1, -1, "police",
    "injured_pellets;equipment_seized", "pellets;tear_gas", NULL,
    TG_REPORT_STATUS_VERIFIED, "lima-prensa-19-ene", TRUE },
  { "Intervención policial en la Universidad de San Marcos",
    "La policía ingresó con una tanqueta a la Ciudad Universitaria, donde se alojaban "
    "delegaciones de comunidades indígenas y campesinas llegadas a Lima. Cerca de doscientas "
    "personas fueron detenidas y trasladadas; se denuncian maltratos durante la intervención.",
    "2023-01-21T09:00:00-05:00", 1, TG_DATE_PRECISION_EXACT,
    "Universidad Nacional Mayor de San Marcos, Lima", "PE.LMA", NULL, -12.0560, -77.0844, 400,
    "raid;arbitrary_detention;excessive_force", -1, -1, 193, -1, "police;prosecutor",
    "detained;threatened", "vehicle;stress_position", "Quechua",
    TG_REPORT_STATUS_VERIFIED, "san-marcos-21-ene", TRUE },
  { "Detenciones masivas en Lima en una sola jornada",
    "Organizaciones de derechos humanos contabilizan 224 personas detenidas en Lima en un "
    "día, incluidas las intervenidas en la universidad; muchas sin acceso inmediato a defensa.",
    "2023-01-21T12:00:00-05:00", 1, TG_DATE_PRECISION_DAY,
    "Lima", "PE.LMA", NULL, -12.0432, -77.0282, 5000,
    "arbitrary_detention;denial_of_assistance", -1, -1, 224, -1, "police",
    "detained", "unknown", NULL,
    TG_REPORT_STATUS_UNDER_REVIEW, NULL, FALSE },
  { "Fallecido por impacto de bomba lacrimógena en Lima",
    "En la avenida Abancay, durante la dispersión de una marcha, un manifestante murió tras "
    "recibir el impacto de un cartucho lacrimógeno. Se reportan además decenas de heridos.",
    "2023-01-28T19:30:00-05:00", 1, TG_DATE_PRECISION_EXACT,
    "Avenida Abancay, Lima", "PE.LMA", NULL, -12.0553, -77.0311, 150,
    "killing;injury;excessive_force", 1, 20, 10, -1, "police",
    "killed;injured_canister;injured_pellets", "tear_gas_canister;pellets", NULL,
    TG_REPORT_STATUS_VERIFIED, "lima-28-ene", TRUE },
  { "Voluntarios de salud agredidos en el centro de Lima",
    "Voluntarios con chalecos identificatorios que auxiliaban a heridos fueron rociados con "
    "gas y empujados por agentes; se les impidió atender a un herido.",
    "2023-01-28T20:15:00-05:00", 1, TG_DATE_PRECISION_EXACT,
    "Parque Universitario, Lima", "PE.LMA", NULL, -12.0570, -77.0287, 200,
    "attack_on_medical;denial_of_assistance", -1, 2, -1, -1, "police",
    "gas_exposure;beaten", "tear_gas;baton", NULL,
    TG_REPORT_STATUS_SUBMITTED, NULL, TRUE },
  { "Represión de bloqueo en la Panamericana Sur (Ica)",
    "La policía desalojó un bloqueo en la carretera Panamericana Sur con gases lacrimógenos; "
    "hay detenidos y heridos leves.",
    "2023-01-24T06:30:00-05:00", 14, TG_DATE_PRECISION_DAY,
    "Panamericana Sur, Ica", "PE.11", "PE.11.1101", -14.0678, -75.7286, 3000,
    "blockade_repression;arbitrary_detention", -1, 6, 9, -1, "police",
    "detained;gas_exposure", "tear_gas;baton", NULL,
    TG_REPORT_STATUS_SUBMITTED, NULL, FALSE },
  { "Amenazas a periodistas locales en Puno",
    "Periodistas de medios regionales reportan amenazas y seguimiento tras difundir imágenes "
    "de la represión.",
    "2023-02-02T10:00:00-05:00", 20, TG_DATE_PRECISION_MONTH,
    "Puno", "PE.21", "PE.21.2101", -15.8402, -70.0219, 2000,
    "threats;attack_on_press", -1, -1, -1, -1, "unknown",
    "threatened", "unknown", "Aymara",
    TG_REPORT_STATUS_DRAFT, NULL, TRUE },
  { "Heridos por perdigones en Juliaca tras el 9 de enero",
    "En días posteriores a la masacre, nuevas movilizaciones en Juliaca fueron dispersadas "
    "con perdigones; se registran heridos en el rostro y extremidades.",
    "2023-01-12T17:00:00-05:00", 10, TG_DATE_PRECISION_APPROXIMATE,
    "Juliaca", "PE.21", "PE.21.2111", -15.4990, -70.1310, 2000,
    "injury;excessive_force", -1, 15, -1, -1, "police",
    "injured_pellets", "pellets", "Aymara",
    TG_REPORT_STATUS_SUBMITTED, NULL, FALSE },
  { "Cifras nacionales de fallecidos no coinciden",
    "El conteo de víctimas mortales durante las protestas varía entre fuentes (48, 49 y 56 "
    "según el criterio). Este reporte reúne las cifras para su conciliación.",
    "2023-02-10T12:00:00-05:00", 5, TG_DATE_PRECISION_MONTH,
    NULL, NULL, NULL, NAN, NAN, 0,
    "killing", 49, -1, -1, -1, "police;army",
    NULL, NULL, NULL,
    TG_REPORT_STATUS_UNDER_REVIEW, NULL, FALSE },
};

static const char * const testimony_texts[] = {
  "Estábamos en la vía cuando empezaron a lanzar gases. La gente corrió hacia las casas y se "
  "escucharon disparos. Ayudé a cargar a un herido hasta la posta.",
  "Llegaron muchos efectivos, no dijeron nada, empezaron a empujar y a detener a quienes "
  "estaban sentados. A mí me tuvieron en el suelo varias horas.",
  "Vi a los brigadistas con sus chalecos atendiendo a un joven y les tiraron una bomba muy cerca.",
  "Mi familiar salió a la marcha y no regresó. En la comisaría nos dijeron que no estaba.",
  "Los disparos venían del lado del aeropuerto. Había humo y no se veía bien.",
};

/* What goes before and after an event's title in a variant's title. */
static const struct {
  const char *before;
  const char *after;
} title_variants[] = {
  { "Relato: ", "" }, { "Testimonio sobre ", "" }, { "Seguimiento: ", "" },
  { "Nuevo reporte — ", "" }, { "Informe de campo: ", "" }, { "", " (ampliación)" },
};

static const char * const narrative_extra[] = {
  "El monitor recogió el relato en el lugar al día siguiente.",
  "Las cifras son preliminares y deben contrastarse con fuentes hospitalarias.",
  "Varios testigos coinciden en la hora y el lugar de los hechos.",
  "La comunicación fue difícil por cortes de señal en la zona.",
  "Se recomienda verificar con registros fiscales y de salud.",
  "Las personas entrevistadas pidieron reserva de su identidad.",
};

/* Helpers ---------------------------------------------------------------- */

static char *
random_uuid (GRand *rand)
{
  guint32 w[4];

  for (guint i = 0; i < 4; i++)
    w[i] = g_rand_int (rand);
  w[1] = (w[1] & 0xffff0fff) | 0x00004000;   /* version 4 */
  w[2] = (w[2] & 0x3fffffff) | 0x80000000;   /* variant */
  return g_strdup_printf ("%08x-%04x-%04x-%04x-%04x%08x",
                          w[0], w[1] >> 16, w[1] & 0xffff, w[2] >> 16, w[2] & 0xffff, w[3]);
}

/* Ids are drawn from the seed so that the data set is reproducible. */
static TgReport *
with_seeded_ids (TgReport *report,
                 GRand    *rand)
{
  g_autoptr(JsonNode) node = tg_report_to_json (report);
  JsonObject *object = json_node_get_object (node);
  const char *lists[] = { "persons", "sources" };
  g_autofree char *id = random_uuid (rand);

  json_object_set_string_member (object, "id", id);
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    {
      JsonArray *array = json_object_get_array_member (object, lists[l]);

      for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
        {
          g_autofree char *item_id = random_uuid (rand);

          json_object_set_string_member (json_array_get_object_element (array, i), "id", item_id);
        }
    }
  return tg_report_new_from_json (node, NULL);
}

static char **
split (const char *list)
{
  return list ? g_strsplit (list, ";", -1) : NULL;
}

static void
add_persons (TgReport        *report,
             const DemoEvent *event,
             guint            event_index,
             GRand           *rand,
             guint           *serial)
{
  static const TgConsent consents[] = { TG_CONSENT_NONE, TG_CONSENT_ORGANISATION, TG_CONSENT_PUBLIC };
  g_auto(GStrv) harms = split (event->harms);
  g_auto(GStrv) weapons = split (event->weapons);
  char letter = 'A' + event_index % 26;
  guint n_victims;

  if (event->harms == NULL)
    return;

  n_victims = g_rand_int_range (rand, 1, 4);
  for (guint i = 0; i < n_victims; i++)
    {
      g_autoptr(TgPerson) person = tg_person_new (TG_PERSON_ROLE_VICTIM);
      g_autofree char *name = g_strdup_printf ("Víctima %c-%02u", letter, ++*serial % 100);
      const char *harm[] = { harms[g_rand_int_range (rand, 0, g_strv_length (harms))], NULL };
      const char *weapon[] = { weapons[g_rand_int_range (rand, 0, g_strv_length (weapons))], NULL };
      int age = g_rand_int_range (rand, 15, 65);

      tg_person_set_name (person, name);
      tg_person_set_is_pseudonym (person, TRUE);
      tg_person_set_age_range (person, age - age % 5, age - age % 5 + 4);
      tg_person_set_minor (person, age < 18);
      tg_person_set_sex (person, g_rand_boolean (rand) ? TG_SEX_MALE : TG_SEX_FEMALE);
      tg_person_set_ethnicity (person, event->ethnicity);
      tg_person_set_harms (person, harm);
      tg_person_set_weapons (person, weapon);
      tg_person_set_consent (person, consents[g_rand_int_range (rand, 0, 3)]);
      tg_person_set_notes (person, DEMO_NOTE "Persona ficticia con seudónimo.");
      tg_report_add_person (report, person);
    }

  if (g_rand_int_range (rand, 0, 3) == 0)
    {
      g_autoptr(TgPerson) witness = tg_person_new (TG_PERSON_ROLE_WITNESS);
      g_autofree char *name = g_strdup_printf ("Testigo %c-%02u", letter, ++*serial % 100);

      tg_person_set_name (witness, name);
      tg_person_set_is_pseudonym (witness, TRUE);
      tg_person_set_consent (witness, TG_CONSENT_ORGANISATION);
      tg_report_add_person (report, witness);
    }
}

static void
add_sources (TgReport        *report,
             const DemoEvent *event,
             GRand           *rand,
             gboolean         variant)
{
  if (event->link_slug != NULL && (!variant || g_rand_int_range (rand, 0, 4) == 0))
    {
      g_autoptr(TgSource) link = tg_source_new (TG_SOURCE_KIND_LINK);
      g_autofree char *url = g_strdup_printf ("https://example.org/demo/%s", event->link_slug);

      tg_source_set_title (link, "Nota de prensa (enlace de demostración)");
      tg_source_set_url (link, url);
      tg_report_add_source (report, link);
    }
  if (event->testimony && (!variant || g_rand_int_range (rand, 0, 3) == 0))
    {
      g_autoptr(TgSource) testimony = tg_source_new (TG_SOURCE_KIND_TESTIMONY);
      g_autofree char *text =
        g_strconcat (DEMO_NOTE "No es un testimonio real. ",
                     testimony_texts[g_rand_int_range (rand, 0, G_N_ELEMENTS (testimony_texts))],
                     NULL);

      tg_source_set_title (testimony, "Testimonio transcrito (demostración)");
      tg_source_set_text (testimony, text);
      tg_report_add_source (report, testimony);
    }
}

static int
vary_count (int    count,
            GRand *rand)
{
  if (count < 0)
    return g_rand_int_range (rand, 0, 4) == 0 ? g_rand_int_range (rand, 0, 4) : -1;
  if (count == 0)
    return 0;
  return g_rand_int_range (rand, 0, count + 1);
}

static TgReport *
make_report (guint  index,
             GRand *rand,
             guint *serial)
{
  gboolean variant = index >= G_N_ELEMENTS (events);
  guint event_index = variant ? (guint) g_rand_int_range (rand, 0, G_N_ELEMENTS (events)) : index;
  const DemoEvent *event = &events[event_index];
  g_autoptr(TgReport) report = tg_report_new ();
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) start = g_date_time_new_from_iso8601 (event->start, utc);
  g_autoptr(GDateTime) when = NULL;
  g_auto(GStrv) categories = split (event->categories);
  g_auto(GStrv) perpetrators = split (event->perpetrators);
  g_autofree char *title = NULL;
  g_autofree char *narrative = NULL;
  const char *tags[] = { "demo", NULL };

  g_assert (start != NULL);

  if (!variant)
    {
      title = g_strdup (event->title);
      narrative = g_strconcat (DEMO_NOTE, event->narrative, NULL);
      when = g_date_time_ref (start);
    }
  else
    {
      guint v = (guint) g_rand_int_range (rand, 0, G_N_ELEMENTS (title_variants));

      title = g_strconcat (title_variants[v].before, event->title, title_variants[v].after, NULL);
      narrative = g_strconcat (DEMO_NOTE, event->narrative, " ",
                               narrative_extra[g_rand_int_range (rand, 0, G_N_ELEMENTS (narrative_extra))],
                               NULL);
      when = g_date_time_add_seconds (start,
                                      g_rand_int_range (rand, 0, MAX (1, event->span_days) * 24 * 60) * 60.0);
    }

  tg_report_set_title (report, title);
  tg_report_set_narrative (report, narrative);
  tg_report_set_start (report, when);
  tg_report_set_date_precision (report, event->precision);

  if (!isnan (event->latitude))
    {
      double lat = event->latitude, lon = event->longitude;
      double uncertainty = event->uncertainty_m;

      if (variant)
        {
          lat += g_rand_double_range (rand, -0.01, 0.01);
          lon += g_rand_double_range (rand, -0.01, 0.01);
          uncertainty += 1000;
        }
      tg_report_set_location (report, lat, lon,
                              variant ? TG_LOCATION_METHOD_MAP : TG_LOCATION_METHOD_GAZETTEER);
      tg_report_set_uncertainty (report, uncertainty);
    }
  tg_report_set_place_name (report, event->place_name);
  tg_report_set_region_code (report, event->region_code);
  tg_report_set_province_code (report, event->province_code);
  tg_report_set_categories (report, (const char * const *) categories);
  tg_report_set_tags (report, tags);
  tg_report_set_perpetrators (report, (const char * const *) perpetrators);

  if (!variant)
    {
      tg_report_set_killed (report, event->killed);
      tg_report_set_injured (report, event->injured);
      tg_report_set_detained (report, event->detained);
      tg_report_set_disappeared (report, event->disappeared);
      tg_report_set_status (report, event->status);
    }
  else
    {
      tg_report_set_killed (report, vary_count (event->killed, rand));
      tg_report_set_injured (report, vary_count (event->injured, rand));
      tg_report_set_detained (report, vary_count (event->detained, rand));
      tg_report_set_disappeared (report, vary_count (event->disappeared, rand));
      tg_report_set_status (report, g_rand_int_range (rand, TG_REPORT_STATUS_DRAFT,
                                                      TG_REPORT_STATUS_VERIFIED + 1));
    }

  add_persons (report, event, event_index, rand, serial);
  add_sources (report, event, rand, variant);

  return with_seeded_ids (report, rand);
}

/* Public API ------------------------------------------------------------- */

guint
tg_demo_get_n_base (void)
{
  return G_N_ELEMENTS (events);
}

/**
 * tg_demo_generate:
 *
 * Returns: (transfer full) (element-type TgReport): the reports
 */
GPtrArray *
tg_demo_generate (guint   n_reports,
                  guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  GPtrArray *reports = g_ptr_array_new_full (n_reports, g_object_unref);
  guint serial = 0;

  for (guint i = 0; i < n_reports; i++)
    g_ptr_array_add (reports, make_report (i, rand, &serial));
  return reports;
}

gboolean
tg_demo_populate (TgStore  *store,
                  guint     n_reports,
                  guint32   seed,
                  GError  **error)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (g_object_unref);
  guint serial = 0;

  g_return_val_if_fail (TG_IS_STORE (store), FALSE);

  for (guint i = 0; i < n_reports; i++)
    {
      TgReport *report = make_report (i, rand, &serial);

      if (i == 0)
        {
          g_autoptr(GPtrArray) heads = tg_store_list_heads (store, tg_report_get_id (report), NULL);

          if (heads != NULL && heads->len > 0)
            {
              /* This demo data set is there already. */
              g_object_unref (report);
              return TRUE;
            }
        }
      g_ptr_array_add (batch, report);
      if (batch->len == 1000 || i + 1 == n_reports)
        {
          if (!tg_store_save_reports (store, batch, error))
            {
              g_prefix_error (error, _("The demo data could not be saved: "));
              return FALSE;
            }
          g_ptr_array_set_size (batch, 0);
        }
    }
  return TRUE;
}
