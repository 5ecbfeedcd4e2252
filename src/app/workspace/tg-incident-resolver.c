/* tg-incident-resolver.c — resolve an incident changed by two
 * coordinators at once, part by part
 *
 * The heads and their differences come from core
 * (tg_workspace_load_conflict_async, on a worker thread): each part that
 * differs — a field, a coordinator's figure, the member reports, the
 * persons, the status, the notes, dissolved or kept — gets a group with
 * one choice per version, saying which laptop (and coordinator, as the
 * server named them) wrote it and when (that laptop's clock), and where
 * the value came from. The title, the narrative and the notes can be
 * written anew; the member reports can be every version's together. The
 * agreed incident is built by core (tg_incident_conflict_build) and
 * saved on a worker thread as one revision whose parents are every head
 * (tg_workspace_resolve_conflict_async). If the heads changed meanwhile
 * the store refuses; the versions are loaded again, the choices that
 * still apply are kept, and the window says so (TgResolverWindow, which
 * holds the window around the parts).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-incident-resolver"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-incident-resolver.h"
#include "tg-ui-util.h"

#define PICK_TYPED  TG_CHOICE_PICK_TYPED
#define PICK_UNION  TG_INCIDENT_PICK_UNION

typedef struct
{
  guint           index;    /* into the conflict's differences */
  TgChoiceGroup  *group;    /* its choices */
} Part;

struct _TgIncidentResolver
{
  TgResolverWindow     parent_instance;

  TgWorkspace         *workspace;
  char                *incident_id;
  TgIncidentConflict  *conflict;
  GPtrArray           *parts;      /* Part */
};

G_DEFINE_FINAL_TYPE (TgIncidentResolver, tg_incident_resolver, TG_TYPE_RESOLVER_WINDOW)

enum {
  RESOLVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Showing ----------------------------------------------------------------- */

static TgIncidentDifference *
part_difference (TgIncidentResolver *self,
                 Part               *part)
{
  return self->conflict->differences->pdata[part->index];
}

/* Which parts can be written anew, and how: 1 a line, 2 a text. */
static int
typed_kind (TgIncidentDifference *difference)
{
  if (difference->part == TG_INCIDENT_PART_FIELD && difference->index == TG_INCIDENT_FIELD_TITLE)
    return 1;
  if ((difference->part == TG_INCIDENT_PART_FIELD && difference->index == TG_INCIDENT_FIELD_NARRATIVE) ||
      difference->part == TG_INCIDENT_PART_NOTES)
    return 2;
  return 0;
}

static char *
who_wrote (TgIncidentHead *head)
{
  if (head->this_device)
    return g_strdup (_("this laptop"));
  /* TRANSLATORS: another device as the server named it: "Laptop Huanta (rosa)" */
  if (head->device_name != NULL && head->user != NULL)
    return g_strdup_printf (_("%s (%s)"), head->device_name, head->user);
  return g_strdup_printf (_("device %.8s"), head->device_id ? head->device_id : "?");
}

static void
part_free (Part *part)
{
  g_clear_object (&part->group);
  g_free (part);
}

static void
build_part (TgIncidentResolver *self,
            Part               *part)
{
  TgIncidentDifference *difference = part_difference (self, part);
  TgChoiceGroup *group = TG_CHOICE_GROUP (tg_choice_group_new (difference->label, difference->key));
  int kind = typed_kind (difference);

  part->group = g_object_ref (group);
  for (guint h = 0; h < self->conflict->heads->len; h++)
    {
      TgIncidentHead *head = self->conflict->heads->pdata[h];
      g_autofree char *who = who_wrote (head);
      g_autofree char *when = tg_choice_when_written (head->created_at);
      /* The value as read and where it came from: the same in another
       * version, the same choice. */
      g_autofree char *same = g_strconcat (difference->values[h], "\n", difference->sources[h], NULL);

      tg_choice_group_add_version (group, h, difference->values[h], who, when, difference->sources[h],
                                   kind == 2 ? 8 : 3, head->rev_id, same);
    }

  if (difference->part == TG_INCIDENT_PART_MEMBERS)
    tg_choice_group_add_choice (group, PICK_UNION, _("Every version’s reports together"),
                                _("No report is left out; persons are matched again"), 2,
                                _("Reports of every version together"));

  if (kind != 0)
    {
      const char *label = difference->part == TG_INCIDENT_PART_NOTES ? _("Write new notes")
                          : kind == 1 ? _("Write a new title") : _("Write a new narrative");
      TgIncidentHead *first = self->conflict->heads->pdata[0];
      const char *start = difference->part == TG_INCIDENT_PART_NOTES ? tg_incident_get_notes (first->incident)
                          : kind == 1 ? tg_incident_get_title (first->incident)
                          : tg_incident_get_narrative (first->incident);

      tg_choice_group_add_typed (group, label, start, kind == 2);
    }
  tg_resolver_window_add_choice (TG_RESOLVER_WINDOW (self), group);
}

static void
build (TgIncidentResolver *self)
{
  TgIncidentHead *first = self->conflict->heads->pdata[0];
  const char *title = tg_incident_get_title (first->incident);

  tg_resolver_window_begin_choices (TG_RESOLVER_WINDOW (self), title && *title ? title : _("Untitled incident"));
  self->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) part_free);

  for (guint h = 0; h < self->conflict->heads->len; h++)
    {
      TgIncidentHead *head = self->conflict->heads->pdata[h];
      g_autofree char *who = who_wrote (head);
      g_autofree char *when = tg_choice_when_written (head->created_at);

      tg_resolver_window_add_version (TG_RESOLVER_WINDOW (self), h, who, when, head->rev_id);
    }

  for (guint i = 0; i < self->conflict->differences->len; i++)
    {
      Part *part = g_new0 (Part, 1);

      part->index = i;
      g_ptr_array_add (self->parts, part);
      build_part (self, part);
    }
  tg_resolver_window_show_choices (TG_RESOLVER_WINDOW (self));
}

/* Loading ----------------------------------------------------------------- */

static void
load_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TgIncidentResolver) self = user_data;
  g_autoptr(GError) error = NULL;
  TgIncidentConflict *conflict = tg_workspace_load_conflict_finish (TG_WORKSPACE (object), result, &error);

  if (conflict == NULL)
    {
      tg_resolver_window_load_failed (TG_RESOLVER_WINDOW (self), error);
      return;
    }
  g_clear_pointer (&self->parts, g_ptr_array_unref);
  g_clear_pointer (&self->conflict, tg_incident_conflict_free);
  self->conflict = conflict;
  if (conflict->heads->len < 2)
    {
      tg_resolver_window_show_nothing (TG_RESOLVER_WINDOW (self),
                                       _("This incident has a single version now: it was resolved already, here or by another coordinator."));
      return;
    }
  build (self);
}

static void
tg_incident_resolver_load (TgResolverWindow *window,
                           GCancellable     *cancellable)
{
  TgIncidentResolver *self = TG_INCIDENT_RESOLVER (window);

  tg_workspace_load_conflict_async (self->workspace, self->incident_id, cancellable,
                                    load_done_cb, g_object_ref (self));
}

/* Saving ------------------------------------------------------------------ */

static void
save_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TgIncidentResolver) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) saved = tg_workspace_change_finish (TG_WORKSPACE (object), result, &error);

  if (saved == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The resolved incident could not be saved: %s"),
                                               error->message);

      /* Another change arrived meanwhile: the versions as they are now,
       * saying why (the error's message). */
      tg_resolver_window_save_failed (TG_RESOLVER_WINDOW (self), error, NULL, text);
      return;
    }
  tg_resolver_window_saved (TG_RESOLVER_WINDOW (self));
  g_signal_emit (self, signals[RESOLVED], 0, self->incident_id);
  gtk_window_close (GTK_WINDOW (self));
}

static void
tg_incident_resolver_save (TgResolverWindow *window)
{
  TgIncidentResolver *self = TG_INCIDENT_RESOLVER (window);
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) resolved = NULL;
  g_autofree int *picks = NULL;
  gboolean dissolved = FALSE;

  picks = g_new0 (int, self->parts->len + 1);
  for (guint i = 0; i < self->parts->len; i++)
    {
      Part *part = self->parts->pdata[i];

      /* A value written anew goes over the first version's. */
      int pick = tg_choice_group_get_pick (part->group);

      picks[part->index] = pick == PICK_TYPED ? 0 : pick;
    }
  resolved = tg_incident_conflict_build (self->conflict, picks, &dissolved, &error);
  for (guint i = 0; resolved != NULL && i < self->parts->len; i++)
    {
      Part *part = self->parts->pdata[i];
      TgIncidentDifference *difference = part_difference (self, part);
      g_autofree char *text = NULL;

      if (tg_choice_group_get_pick (part->group) != PICK_TYPED)
        continue;
      text = tg_choice_group_dup_typed (part->group);
      if (difference->part == TG_INCIDENT_PART_NOTES)
        tg_incident_set_notes (resolved, *text ? text : NULL);
      else
        {
          g_autoptr(JsonObject) value = json_object_new ();

          json_object_set_string_member (value, difference->index == TG_INCIDENT_FIELD_TITLE
                                                ? "title" : "narrative", text);
          tg_incident_set_field_value (resolved, difference->index, value, NULL);
        }
    }
  if (resolved == NULL || !tg_incident_validate (resolved, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The resolved incident could not be saved: %s"),
                                               error->message);

      tg_resolver_window_set_notice (window, text);
      return;
    }

  tg_resolver_window_begin_saving (window, _("Saving the resolved incident…"));
  tg_workspace_resolve_conflict_async (self->workspace, self->conflict, resolved, dissolved, NULL,
                                       save_done_cb, g_object_ref (self));
}

/* Vfuncs ---------------------------------------------------------------- */

static char *
tg_incident_resolver_describe_progress (TgResolverWindow *window,
                                        guint             chosen,
                                        guint             n)
{
  if (chosen < n)
    return g_strdup_printf (ngettext ("%u of %u part chosen", "%u of %u parts chosen", n), chosen, n);
  return g_strdup (_("Every part chosen: save the resolved incident."));
}

static void
tg_incident_resolver_dispose (GObject *object)
{
  TgIncidentResolver *self = TG_INCIDENT_RESOLVER (object);

  g_clear_pointer (&self->parts, g_ptr_array_unref);
  G_OBJECT_CLASS (tg_incident_resolver_parent_class)->dispose (object);
}

static void
tg_incident_resolver_finalize (GObject *object)
{
  TgIncidentResolver *self = TG_INCIDENT_RESOLVER (object);

  g_clear_object (&self->workspace);
  g_clear_pointer (&self->conflict, tg_incident_conflict_free);
  g_free (self->incident_id);
  G_OBJECT_CLASS (tg_incident_resolver_parent_class)->finalize (object);
}

static void
tg_incident_resolver_class_init (TgIncidentResolverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  TgResolverWindowClass *window_class = TG_RESOLVER_WINDOW_CLASS (klass);

  object_class->dispose = tg_incident_resolver_dispose;
  object_class->finalize = tg_incident_resolver_finalize;
  window_class->load = tg_incident_resolver_load;
  window_class->save = tg_incident_resolver_save;
  window_class->describe_progress = tg_incident_resolver_describe_progress;

  signals[RESOLVED] = g_signal_new ("resolved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (GTK_WIDGET_CLASS (klass),
                                               "/io/github/testigo/Testigo/tg-incident-resolver.ui");
}

static void
tg_incident_resolver_init (TgIncidentResolver *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* Public API ------------------------------------------------------------ */

TgIncidentResolver *
tg_incident_resolver_new (TgWorkspace *workspace,
                          const char  *incident_id)
{
  TgIncidentResolver *self;

  g_return_val_if_fail (TG_IS_WORKSPACE (workspace), NULL);
  g_return_val_if_fail (incident_id != NULL, NULL);

  self = g_object_new (TG_TYPE_INCIDENT_RESOLVER, NULL);
  self->workspace = g_object_ref (workspace);
  self->incident_id = g_strdup (incident_id);
  tg_resolver_window_load (TG_RESOLVER_WINDOW (self));
  return self;
}

TgIncidentResolver *
tg_incident_resolver_present (TgWorkspace *workspace,
                              const char  *incident_id,
                              GtkWidget   *from,
                              GCallback    on_resolved,
                              gpointer     data)
{
  TgIncidentResolver *self = tg_incident_resolver_new (workspace, incident_id);
  GtkRoot *root = from ? gtk_widget_get_root (from) : NULL;

  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (self), GTK_WINDOW (root));
  if (on_resolved != NULL)
    g_signal_connect_object (self, "resolved", on_resolved, data, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (self));
  return self;
}

guint
tg_incident_resolver_flag_attention (AdwViewStack *pages,
                                     const char   *name,
                                     GPtrArray    *summaries)
{
  GtkWidget *child = adw_view_stack_get_child_by_name (pages, name);
  AdwViewStackPage *page = child ? adw_view_stack_get_page (pages, child) : NULL;
  guint n = 0;

  for (guint i = 0; summaries != NULL && i < summaries->len; i++)
    {
      const TgIncidentSummary *summary = summaries->pdata[i];

      if (summary->n_heads > 1 || summary->n_shared > 0)
        n++;
    }
  if (page != NULL)
    {
      adw_view_stack_page_set_needs_attention (page, n > 0);
      adw_view_stack_page_set_badge_number (page, n);
    }
  return n;
}
