/* tg-conflict-resolver.c — merge a report changed on two devices, field by field
 *
 * Every head of the report is loaded on a worker thread (its revision and
 * the report as that revision has it). Each field whose value differs
 * between heads gets a group: one choice per head, saying which device
 * wrote it and when (that device's clock), and for text fields a value of
 * one's own. Fields are compared on the report's JSON form, so a field the
 * list below does not name still shows up ("Other details") instead of
 * being merged silently. The merged report is the first head with each
 * answered field taken from the chosen head; it is saved on a worker
 * thread as one revision whose parents are every head
 * (tg_store_resolve_conflict). If the heads changed meanwhile (a sync
 * brought another branch) the store refuses; the versions are loaded
 * again, the choices that still apply are kept, and the window says so
 * (TgResolverWindow, which holds the window around the fields).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-conflict-resolver"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-conflict-resolver.h"
#include "tg-store-sync.h"
#include "tg-sync-badge.h"
#include "tg-types.h"
#include "tg-ui-util.h"

#define PICK_TYPED  TG_CHOICE_PICK_TYPED
#define PICK_UNION  (-3)
#define SHOWN_CHARS 600   /* of a long text in a choice */

typedef enum
{
  KIND_CHOICE,   /* one of the heads' values */
  KIND_LINE,     /* … or a line of one's own */
  KIND_TEXT,     /* … or a text of one's own */
  KIND_LIST,     /* … or every head's items together */
} FieldKind;

/* The struct is declared by G_DECLARE_FINAL_TYPE; formatters read the
 * resolver's vocabularies. */
typedef char *(*FormatFunc) (TgConflictResolver *self,
                             TgReport           *report);

typedef struct
{
  const char *key;
  const char *members[5];
  const char *label;       /* N_() */
  const char *new_label;   /* N_(), for KIND_LINE and KIND_TEXT */
  FieldKind   kind;
  FormatFunc  format;
} FieldDesc;

typedef struct
{
  TgRevision *rev;
  TgReport   *report;
  JsonNode   *json;
  char       *who;
  char       *when;
  TgSyncDeviceName *device;  /* as a server named the device that wrote it, or NULL */
} Head;

typedef struct
{
  const FieldDesc *desc;
  char           **members;
  char            *label;
  TgChoiceGroup   *group;   /* its choices, once built */
} Field;

struct _TgConflictResolver
{
  TgResolverWindow parent_instance;

  TgStore        *store;
  char           *report_id;
  GListModel     *categories;   /* vocabularies, to name the codes */
  GListModel     *perpetrators;
  GPtrArray      *heads;        /* Head */
  GPtrArray      *fields;       /* Field */
};

G_DEFINE_FINAL_TYPE (TgConflictResolver, tg_conflict_resolver, TG_TYPE_RESOLVER_WINDOW)

enum {
  RESOLVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Showing values ------------------------------------------------------- */

static char *
text_or_empty (const char *text)
{
  if (text == NULL || *text == '\0')
    return g_strdup (_("(empty)"));
  if (g_utf8_strlen (text, -1) > SHOWN_CHARS)
    {
      g_autofree char *cut = g_utf8_substring (text, 0, SHOWN_CHARS);

      return g_strconcat (cut, "…", NULL);
    }
  return g_strdup (text);
}

static char *
vocabulary_list (GListModel         *vocabulary,
                 const char * const *codes)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; codes != NULL && codes[i] != NULL; i++)
    g_string_append_printf (out, "%s%s", out->len ? ", " : "", tg_ui_vocabulary_label (vocabulary, codes[i]));
  if (out->len == 0)
    return g_strdup (C_("no items", "None"));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
count_text (int count)
{
  return count < 0 ? g_strdup (_("Unknown")) : g_strdup_printf ("%d", count);
}

static char *format_title (TgConflictResolver *self, TgReport *r) { return text_or_empty (tg_report_get_title (r)); }
static char *format_narrative (TgConflictResolver *self, TgReport *r) { return text_or_empty (tg_report_get_narrative (r)); }
static char *format_place (TgConflictResolver *self, TgReport *r) { return text_or_empty (tg_report_get_place_name (r)); }
static char *format_unit (TgConflictResolver *self, TgReport *r) { return text_or_empty (tg_report_get_perpetrator_unit (r)); }
static char *format_status (TgConflictResolver *self, TgReport *r) { return g_strdup (tg_ui_status_label (tg_report_get_status (r))); }
static char *format_killed (TgConflictResolver *self, TgReport *r) { return count_text (tg_report_get_killed (r)); }
static char *format_injured (TgConflictResolver *self, TgReport *r) { return count_text (tg_report_get_injured (r)); }
static char *format_detained (TgConflictResolver *self, TgReport *r) { return count_text (tg_report_get_detained (r)); }
static char *format_disappeared (TgConflictResolver *self, TgReport *r) { return count_text (tg_report_get_disappeared (r)); }

static char *
format_categories (TgConflictResolver *self,
                   TgReport           *r)
{
  return vocabulary_list (self->categories, tg_report_get_categories (r));
}

static char *
format_perpetrators (TgConflictResolver *self,
                     TgReport           *r)
{
  return vocabulary_list (self->perpetrators, tg_report_get_perpetrators (r));
}

static char *
format_tags (TgConflictResolver *self,
             TgReport           *r)
{
  const char * const *tags = tg_report_get_tags (r);

  if (tags == NULL || tags[0] == NULL)
    return g_strdup (C_("no items", "None"));
  return g_strjoinv (", ", (char **) tags);
}

static char *
format_when (TgConflictResolver *self,
             TgReport           *r)
{
  TgDatePrecision precision = tg_report_get_date_precision (r);
  g_autofree char *start = tg_ui_format_date (tg_report_get_start (r), precision);
  g_autofree char *end = tg_ui_format_date (tg_report_get_end (r), precision);

  if (start == NULL)
    return g_strdup (_("No date"));
  if (end == NULL)
    return g_strdup_printf ("%s (%s)", start, tg_ui_precision_label (precision));
  return g_strdup_printf ("%s – %s (%s)", start, end, tg_ui_precision_label (precision));
}

static char *
format_location (TgConflictResolver *self,
                 TgReport           *r)
{
  char lat[G_ASCII_DTOSTR_BUF_SIZE], lon[G_ASCII_DTOSTR_BUF_SIZE];

  if (!tg_report_has_location (r))
    return g_strdup (_("No location"));
  g_ascii_formatd (lat, sizeof lat, "%.5f", tg_report_get_latitude (r));
  g_ascii_formatd (lon, sizeof lon, "%.5f", tg_report_get_longitude (r));
  if (tg_report_get_uncertainty (r) > 0)
    return g_strdup_printf (_("%s, %s, within %.0f m"), lat, lon, tg_report_get_uncertainty (r));
  return g_strdup_printf ("%s, %s", lat, lon);
}

static char *
format_region (TgConflictResolver *self,
               TgReport           *r)
{
  const char *region = tg_report_get_region_code (r);
  const char *province = tg_report_get_province_code (r);

  return g_strdup_printf (_("Region %s, province %s"),
                          region && *region ? region : "—",
                          province && *province ? province : "—");
}

static char *
format_persons (TgConflictResolver *self,
                TgReport           *r)
{
  GListModel *persons = tg_report_get_persons (r);
  guint n = g_list_model_get_n_items (persons);
  g_autoptr(GString) out = g_string_new (NULL);

  if (n == 0)
    return g_strdup (_("Nobody"));
  g_string_printf (out, ngettext ("%u person: ", "%u people: ", n), n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TgPerson) p = g_list_model_get_item (persons, i);
      const char *name = tg_person_get_name (p);

      g_string_append_printf (out, "%s%s (%s)", i ? "; " : "",
                              name && *name ? name : _("no name"),
                              tg_ui_role_label (tg_person_get_role (p)));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
format_sources (TgConflictResolver *self,
                TgReport           *r)
{
  GListModel *sources = tg_report_get_sources (r);
  guint n = g_list_model_get_n_items (sources);
  g_autoptr(GString) out = g_string_new (NULL);

  if (n == 0)
    return g_strdup (C_("no items", "None"));
  g_string_printf (out, ngettext ("%u source: ", "%u sources: ", n), n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TgSource) s = g_list_model_get_item (sources, i);
      const char *name = tg_source_get_title (s);

      if (name == NULL || *name == '\0')
        name = tg_source_get_file_name (s);
      if (name == NULL || *name == '\0')
        name = tg_source_get_url (s);
      if (name == NULL || *name == '\0')
        name = tg_ui_source_kind_label (tg_source_get_kind (s));
      g_string_append_printf (out, "%s%s", i ? "; " : "", name);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static const FieldDesc field_descs[] = {
  { "title", { "title" }, N_("Title"), N_("Write a new title"), KIND_LINE, format_title },
  { "status", { "status" }, N_("Status"), NULL, KIND_CHOICE, format_status },
  { "narrative", { "narrative" }, N_("Narrative"), N_("Write a new narrative"), KIND_TEXT, format_narrative },
  { "when", { "start", "end", "date_precision" }, N_("When"), NULL, KIND_CHOICE, format_when },
  { "location", { "latitude", "longitude", "uncertainty_m", "location_method" }, N_("Location"), NULL, KIND_CHOICE, format_location },
  { "place", { "place_name" }, N_("Place"), N_("Write a new place name"), KIND_LINE, format_place },
  { "region", { "region_code", "province_code" }, N_("Region and province"), NULL, KIND_CHOICE, format_region },
  { "categories", { "categories" }, N_("Categories"), NULL, KIND_CHOICE, format_categories },
  { "killed", { "killed" }, N_("Killed"), NULL, KIND_CHOICE, format_killed },
  { "injured", { "injured" }, N_("Injured"), NULL, KIND_CHOICE, format_injured },
  { "detained", { "detained" }, N_("Detained"), NULL, KIND_CHOICE, format_detained },
  { "disappeared", { "disappeared" }, N_("Disappeared"), NULL, KIND_CHOICE, format_disappeared },
  { "perpetrators", { "perpetrators" }, N_("Alleged perpetrators"), NULL, KIND_CHOICE, format_perpetrators },
  { "unit", { "perpetrator_unit" }, N_("Unit"), N_("Write a new unit"), KIND_LINE, format_unit },
  { "tags", { "tags" }, N_("Tags"), NULL, KIND_CHOICE, format_tags },
  { "persons", { "persons" }, N_("People involved"), NULL, KIND_LIST, format_persons },
  { "sources", { "sources" }, N_("Sources"), NULL, KIND_LIST, format_sources },
};

/* Heads and fields ------------------------------------------------------- */

static void
head_free (Head *head)
{
  g_clear_object (&head->rev);
  g_clear_object (&head->report);
  g_clear_pointer (&head->json, json_node_unref);
  g_free (head->who);
  g_free (head->when);
  g_clear_pointer (&head->device, tg_sync_device_name_free);
  g_free (head);
}

static void
field_free (Field *field)
{
  g_strfreev (field->members);
  g_free (field->label);
  g_clear_object (&field->group);
  g_free (field);
}

static int
field_pick (Field *field)
{
  return field->group != NULL ? tg_choice_group_get_pick (field->group) : TG_CHOICE_PICK_NONE;
}

/* Tests find a field's widgets by this key ("title", …, "other"). */
static const char *
field_key (Field *field)
{
  return field->desc != NULL ? field->desc->key : "other";
}

static JsonObject *
head_object (Head *head)
{
  return json_node_get_object (head->json);
}

/* Whether heads @a and @b hold the same value in @members. */
static gboolean
same_members (JsonObject         *a,
              JsonObject         *b,
              const char * const *members)
{
  for (guint i = 0; members[i] != NULL; i++)
    {
      JsonNode *x = json_object_get_member (a, members[i]);
      JsonNode *y = json_object_get_member (b, members[i]);

      if ((x == NULL) != (y == NULL))
        return FALSE;
      if (x != NULL && !json_node_equal (x, y))
        return FALSE;
    }
  return TRUE;
}

static gboolean
field_differs (TgConflictResolver *self,
               const char * const *members)
{
  for (guint i = 1; i < self->heads->len; i++)
    if (!same_members (head_object (self->heads->pdata[0]), head_object (self->heads->pdata[i]), members))
      return TRUE;
  return FALSE;
}

static const char *
item_id (JsonNode *item)
{
  if (item == NULL || !JSON_NODE_HOLDS_OBJECT (item))
    return NULL;
  return json_object_get_string_member_with_default (json_node_get_object (item), "id", NULL);
}

/* Every head's items of list @member, each once by id (the first head's
 * order, then what the others add); NULL when one id has different
 * contents in two heads, since that is no longer a plain union. */
static JsonNode *
union_of (TgConflictResolver *self,
          const char         *member)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  JsonArray *out = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, out);
  for (guint h = 0; h < self->heads->len; h++)
    {
      JsonNode *list = json_object_get_member (head_object (self->heads->pdata[h]), member);
      JsonArray *array = list && JSON_NODE_HOLDS_ARRAY (list) ? json_node_get_array (list) : NULL;

      for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);
          const char *id = item_id (item);
          JsonNode *before;

          if (id == NULL)
            {
              json_node_unref (node);
              return NULL;
            }
          before = g_hash_table_lookup (seen, id);
          if (before == NULL)
            {
              g_hash_table_insert (seen, (gpointer) id, item);
              json_array_add_element (out, json_node_copy (item));
            }
          else if (!json_node_equal (before, item))
            {
              json_node_unref (node);
              return NULL;
            }
        }
    }
  return node;
}

static char *
who_wrote (TgConflictResolver     *self,
           TgRevision             *rev,
           const TgSyncDeviceName *named,
           const char             *device_name)
{
  const char *device = tg_revision_get_device_id (rev);

  if (g_strcmp0 (device, tg_store_get_device_id (self->store)) == 0)
    {
      if (device_name != NULL && *device_name != '\0')
        return g_strdup_printf (_("this laptop (%s)"), device_name);
      return g_strdup (_("this laptop"));
    }
  /* TRANSLATORS: another device as the server named it: "Laptop Huanta (rosa)" */
  if (named != NULL)
    return g_strdup_printf (_("%s (%s)"), named->name, named->user);
  return g_strdup_printf (_("device %.8s"), device ? device : "?");
}

/* Choosing ---------------------------------------------------------------- */

/* @head's value of @field, in a form that compares (its members as JSON). */
static char *
same_as (Head  *head,
         Field *field)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *from = head_object (head);
  JsonObject *kept = json_object_new ();

  for (guint m = 0; field->members[m] != NULL; m++)
    if (json_object_has_member (from, field->members[m]))
      json_object_set_member (kept, field->members[m],
                              json_node_copy (json_object_get_member (from, field->members[m])));
  json_node_take_object (node, kept);
  return json_to_string (node, FALSE);
}

static void
build_field (TgConflictResolver *self,
             Field              *field)
{
  TgChoiceGroup *group = TG_CHOICE_GROUP (tg_choice_group_new (field->label, field_key (field)));

  field->group = g_object_ref (group);
  for (guint h = 0; h < self->heads->len; h++)
    {
      Head *head = self->heads->pdata[h];
      g_autofree char *value = field->desc ? field->desc->format (self, head->report) : g_strdup (_("As in this version"));
      g_autofree char *same = same_as (head, field);

      tg_choice_group_add_version (group, h, value, head->who, head->when, NULL,
                                   field->desc && field->desc->kind == KIND_TEXT ? 8 : 3,
                                   tg_revision_get_id (head->rev), same);
    }

  if (field->desc != NULL && field->desc->kind == KIND_LIST)
    {
      g_autoptr(JsonNode) both = union_of (self, field->members[0]);

      if (both != NULL)
        {
          g_autoptr(JsonNode) holder = json_node_copy (((Head *) self->heads->pdata[0])->json);
          g_autoptr(TgReport) merged = NULL;
          g_autofree char *value = NULL;
          g_autofree char *accessible = NULL;

          json_object_set_member (json_node_get_object (holder), field->members[0], json_node_copy (both));
          merged = tg_report_new_from_json (holder, NULL);
          value = merged ? field->desc->format (self, merged) : g_strdup ("");
          accessible = g_strdup_printf (_("%s from every version together: %s"), field->label, value);
          tg_choice_group_add_choice (group, PICK_UNION, value, _("Every version's items, together"), 3, accessible);
        }
    }

  if (field->desc != NULL && (field->desc->kind == KIND_LINE || field->desc->kind == KIND_TEXT))
    {
      JsonObject *first = head_object (self->heads->pdata[0]);
      const char *start = json_object_get_string_member_with_default (first, field->members[0], "");

      tg_choice_group_add_typed (group, _(field->desc->new_label), start, field->desc->kind == KIND_TEXT);
    }
  tg_resolver_window_add_choice (TG_RESOLVER_WINDOW (self), group);
}

static void
build (TgConflictResolver *self)
{
  g_autoptr(GHashTable) known = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func (g_free);
  Head *first = self->heads->pdata[0];
  const char *title = tg_report_get_title (first->report);

  tg_resolver_window_begin_choices (TG_RESOLVER_WINDOW (self), title && *title ? title : _("Untitled report"));
  g_clear_pointer (&self->fields, g_ptr_array_unref);
  self->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) field_free);

  for (guint h = 0; h < self->heads->len; h++)
    {
      Head *head = self->heads->pdata[h];

      tg_resolver_window_add_version (TG_RESOLVER_WINDOW (self), h, head->who, head->when,
                                      tg_revision_get_id (head->rev));
    }

  for (guint i = 0; i < G_N_ELEMENTS (field_descs); i++)
    {
      const FieldDesc *desc = &field_descs[i];
      Field *field;

      for (guint m = 0; desc->members[m] != NULL; m++)
        g_hash_table_add (known, (gpointer) desc->members[m]);
      /* A value written anew before a reload stays, even where the
       * versions now agree. */
      if (!field_differs (self, desc->members) &&
          tg_resolver_window_get_kept_typed (TG_RESOLVER_WINDOW (self), desc->key) == NULL)
        continue;
      field = g_new0 (Field, 1);
      field->desc = desc;
      field->members = g_strdupv ((char **) desc->members);
      field->label = g_strdup (_(desc->label));
      g_ptr_array_add (self->fields, field);
    }

  /* Whatever else differs (a field this window does not know by name). */
  g_hash_table_add (known, (gpointer) "id");
  for (guint h = 0; h < self->heads->len; h++)
    {
      g_autoptr(GList) names = json_object_get_members (head_object (self->heads->pdata[h]));

      for (GList *l = names; l != NULL; l = l->next)
        if (!g_hash_table_contains (known, l->data))
          {
            g_hash_table_add (known, l->data);
            g_ptr_array_add (others, g_strdup (l->data));
          }
    }
  g_ptr_array_add (others, NULL);
  if (others->len > 1 && field_differs (self, (const char * const *) others->pdata))
    {
      Field *field = g_new0 (Field, 1);

      field->members = g_strdupv ((char **) others->pdata);
      field->label = g_strdup (_("Other details"));
      g_ptr_array_add (self->fields, field);
    }

  for (guint i = 0; i < self->fields->len; i++)
    build_field (self, self->fields->pdata[i]);
  tg_resolver_window_show_choices (TG_RESOLVER_WINDOW (self));
}

/* Loading ----------------------------------------------------------------- */

typedef struct
{
  GPtrArray *heads;
  char      *device_name;
} Loaded;

static void
loaded_free (Loaded *loaded)
{
  g_clear_pointer (&loaded->heads, g_ptr_array_unref);
  g_free (loaded->device_name);
  g_free (loaded);
}

static gint
compare_heads (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const char *here = user_data;
  Head *x = *(Head **) a, *y = *(Head **) b;
  gboolean x_here = g_strcmp0 (tg_revision_get_device_id (x->rev), here) == 0;
  gboolean y_here = g_strcmp0 (tg_revision_get_device_id (y->rev), here) == 0;
  gint64 tx = tg_revision_get_created_at (x->rev), ty = tg_revision_get_created_at (y->rev);

  /* This laptop's version first, then the others as their devices dated
   * them (only for a stable order: nothing is decided by it). */
  if (x_here != y_here)
    return x_here ? -1 : 1;
  if (tx != ty)
    return tx < ty ? -1 : 1;
  return g_strcmp0 (tg_revision_get_id (x->rev), tg_revision_get_id (y->rev));
}

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  TgStore *store = task_data;
  const char *report_id = g_object_get_data (G_OBJECT (task), "tg-report-id");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) revs = NULL;
  g_autoptr(TgSyncAccount) account = NULL;
  Loaded *loaded = g_new0 (Loaded, 1);

  loaded->heads = g_ptr_array_new_with_free_func ((GDestroyNotify) head_free);
  revs = tg_store_list_heads (store, report_id, &error);
  for (guint i = 0; revs != NULL && i < revs->len; i++)
    {
      Head *head = g_new0 (Head, 1);

      head->rev = g_object_ref (revs->pdata[i]);
      g_ptr_array_add (loaded->heads, head);
      head->report = tg_store_load_report_at (store, tg_revision_get_id (head->rev), &error);
      if (head->report == NULL)
        break;
      head->json = tg_report_to_json (head->report);
      head->device = tg_store_get_device_name (store, tg_revision_get_device_id (head->rev));
    }
  if (error != NULL)
    {
      loaded_free (loaded);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  account = tg_store_get_sync_account (store, NULL);
  if (account != NULL)
    loaded->device_name = g_strdup (account->device_name);
  g_ptr_array_sort_with_data (loaded->heads, compare_heads, (gpointer) tg_store_get_device_id (store));
  g_task_return_pointer (task, loaded, (GDestroyNotify) loaded_free);
}

static void
load_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TgConflictResolver) self = user_data;
  g_autoptr(GError) error = NULL;
  Loaded *loaded = g_task_propagate_pointer (G_TASK (result), &error);

  if (loaded == NULL)
    {
      tg_resolver_window_load_failed (TG_RESOLVER_WINDOW (self), error);
      return;
    }

  g_clear_pointer (&self->heads, g_ptr_array_unref);
  self->heads = g_steal_pointer (&loaded->heads);
  for (guint i = 0; i < self->heads->len; i++)
    {
      Head *head = self->heads->pdata[i];

      head->who = who_wrote (self, head->rev, head->device, loaded->device_name);
      head->when = tg_choice_when_written (tg_revision_get_created_at (head->rev));
    }
  loaded_free (loaded);

  if (self->heads->len < 2)
    {
      g_clear_pointer (&self->fields, g_ptr_array_unref);
      tg_resolver_window_show_nothing (TG_RESOLVER_WINDOW (self),
                                       _("This report has a single version now: it was merged already, here or on another device."));
      return;
    }
  build (self);
}

static void
tg_conflict_resolver_load (TgResolverWindow *window,
                           GCancellable     *cancellable)
{
  TgConflictResolver *self = TG_CONFLICT_RESOLVER (window);
  g_autoptr(GTask) task = NULL;

  task = g_task_new (NULL, cancellable, load_done_cb, g_object_ref (self));
  g_task_set_source_tag (task, tg_conflict_resolver_load);
  g_task_set_task_data (task, g_object_ref (self->store), g_object_unref);
  g_object_set_data_full (G_OBJECT (task), "tg-report-id", g_strdup (self->report_id), g_free);
  g_task_run_in_thread (task, load_thread);
}

/* Saving ------------------------------------------------------------------ */

/* The first head with every answered field taken from its answer. */
static TgReport *
build_merged (TgConflictResolver  *self,
              GError             **error)
{
  g_autoptr(JsonNode) node = json_node_copy (((Head *) self->heads->pdata[0])->json);
  JsonObject *out = json_node_get_object (node);
  g_autoptr(GPtrArray) parents = g_ptr_array_new ();
  TgReport *merged;

  for (guint i = 0; i < self->fields->len; i++)
    {
      Field *field = self->fields->pdata[i];
      int pick = field_pick (field);

      if (pick >= 0)
        {
          JsonObject *from = head_object (self->heads->pdata[pick]);

          for (guint m = 0; field->members[m] != NULL; m++)
            {
              JsonNode *value = json_object_get_member (from, field->members[m]);

              if (value != NULL)
                json_object_set_member (out, field->members[m], json_node_copy (value));
              else
                json_object_remove_member (out, field->members[m]);
            }
        }
      else if (pick == PICK_TYPED)
        {
          g_autofree char *text = tg_choice_group_dup_typed (field->group);

          json_object_set_string_member (out, field->members[0], text);
        }
      else if (pick == PICK_UNION)
        json_object_set_member (out, field->members[0], union_of (self, field->members[0]));
    }

  merged = tg_report_new_from_json (node, error);
  if (merged == NULL)
    return NULL;
  for (guint h = 0; h < self->heads->len; h++)
    g_ptr_array_add (parents, (gpointer) tg_revision_get_id (((Head *) self->heads->pdata[h])->rev));
  g_ptr_array_add (parents, NULL);
  tg_report_set_base_revisions (merged, (const char * const *) parents->pdata);
  return merged;
}

typedef struct
{
  TgStore      *store;
  TgReport     *merged;
  GStrv         expected;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_clear_object (&data->store);
  g_clear_object (&data->merged);
  g_strfreev (data->expected);
  g_free (data);
}

static void
save_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgRevision) rev = NULL;
  TgReport *current;

  rev = tg_store_resolve_conflict (data->store, data->merged,
                                   (const char * const *) data->expected, &error);
  if (rev == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  current = tg_store_load_report (data->store, tg_report_get_id (data->merged), &error);
  if (current == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, current, g_object_unref);
}

static void
save_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TgConflictResolver) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgReport) current = g_task_propagate_pointer (G_TASK (result), &error);

  if (current == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The merged report could not be saved: %s"), error->message);

      tg_resolver_window_save_failed (TG_RESOLVER_WINDOW (self), error,
                                      _("Another change to this report arrived while you were choosing, "
                                        "so nothing was saved. The versions below include it now; "
                                        "your choices are kept where they still apply. Check them and save again."),
                                      text);
      return;
    }

  tg_resolver_window_saved (TG_RESOLVER_WINDOW (self));
  g_signal_emit (self, signals[RESOLVED], 0, current);
  gtk_window_close (GTK_WINDOW (self));
}

static void
tg_conflict_resolver_save (TgResolverWindow *window)
{
  TgConflictResolver *self = TG_CONFLICT_RESOLVER (window);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  g_autoptr(TgReport) merged = NULL;
  SaveData *data;

  merged = build_merged (self, &error);
  if (merged == NULL || !tg_report_validate (merged, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The merged report could not be saved: %s"), error->message);

      tg_resolver_window_set_notice (window, text);
      return;
    }

  data = g_new0 (SaveData, 1);
  data->store = g_object_ref (self->store);
  data->merged = g_steal_pointer (&merged);
  data->expected = g_new0 (char *, self->heads->len + 1);
  for (guint h = 0; h < self->heads->len; h++)
    data->expected[h] = g_strdup (tg_revision_get_id (((Head *) self->heads->pdata[h])->rev));

  tg_resolver_window_begin_saving (window, _("Saving the merged report…"));
  task = g_task_new (NULL, NULL, save_done_cb, g_object_ref (self));
  g_task_set_source_tag (task, tg_conflict_resolver_save);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);
  g_task_run_in_thread (task, save_thread);
}

/* Vfuncs ---------------------------------------------------------------- */

static char *
tg_conflict_resolver_describe_progress (TgResolverWindow *window,
                                        guint             chosen,
                                        guint             n)
{
  if (chosen < n)
    return g_strdup_printf (ngettext ("%u of %u detail chosen", "%u of %u details chosen", n), chosen, n);
  return g_strdup (_("Every detail chosen: save the merged report."));
}

static void
tg_conflict_resolver_dispose (GObject *object)
{
  TgConflictResolver *self = TG_CONFLICT_RESOLVER (object);

  g_clear_pointer (&self->fields, g_ptr_array_unref);
  G_OBJECT_CLASS (tg_conflict_resolver_parent_class)->dispose (object);
}

static void
tg_conflict_resolver_finalize (GObject *object)
{
  TgConflictResolver *self = TG_CONFLICT_RESOLVER (object);

  g_clear_object (&self->store);
  g_clear_object (&self->categories);
  g_clear_object (&self->perpetrators);
  g_clear_pointer (&self->heads, g_ptr_array_unref);
  g_free (self->report_id);
  G_OBJECT_CLASS (tg_conflict_resolver_parent_class)->finalize (object);
}

static void
tg_conflict_resolver_class_init (TgConflictResolverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  TgResolverWindowClass *window_class = TG_RESOLVER_WINDOW_CLASS (klass);

  object_class->dispose = tg_conflict_resolver_dispose;
  object_class->finalize = tg_conflict_resolver_finalize;
  window_class->load = tg_conflict_resolver_load;
  window_class->save = tg_conflict_resolver_save;
  window_class->describe_progress = tg_conflict_resolver_describe_progress;

  signals[RESOLVED] = g_signal_new ("resolved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 1, TG_TYPE_REPORT);

  gtk_widget_class_set_template_from_resource (GTK_WIDGET_CLASS (klass),
                                               "/io/github/testigo/Testigo/tg-conflict-resolver.ui");
}

static void
tg_conflict_resolver_init (TgConflictResolver *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  tg_reports_ensure_style ();
  tg_resolver_window_style_notice (TG_RESOLVER_WINDOW (self), "tg-conflict-banner");
}

/* Public API ------------------------------------------------------------ */

TgConflictResolver *
tg_conflict_resolver_new (TgStore    *store,
                          const char *report_id,
                          GListModel *categories,
                          GListModel *perpetrators)
{
  TgConflictResolver *self;

  g_return_val_if_fail (TG_IS_STORE (store), NULL);
  g_return_val_if_fail (report_id != NULL, NULL);

  self = g_object_new (TG_TYPE_CONFLICT_RESOLVER, NULL);
  self->store = g_object_ref (store);
  self->report_id = g_strdup (report_id);
  g_set_object (&self->categories, categories);
  g_set_object (&self->perpetrators, perpetrators);
  tg_resolver_window_load (TG_RESOLVER_WINDOW (self));
  return self;
}
