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
 * the store refuses; the versions are loaded again and the window says
 * so.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-incident-resolver"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-choice-group.h"
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
  AdwWindow            parent_instance;

  TgWorkspace         *workspace;
  char                *incident_id;
  TgIncidentConflict  *conflict;
  GPtrArray           *parts;      /* Part */
  char                *state;
  char                *notice;
  GCancellable        *cancellable;
  GApplication        *held;       /* while a save runs, or NULL */

  /* template children */
  AdwWindowTitle      *window_title;
  GtkRevealer         *notice_revealer;
  GtkLabel            *notice_label;
  GtkStack            *stack;
  GtkSpinner          *spinner;
  AdwStatusPage       *status_page;
  AdwPreferencesGroup *versions_group;
  GtkBox              *parts_box;
  GtkLabel            *progress_label;
};

G_DEFINE_FINAL_TYPE (TgIncidentResolver, tg_incident_resolver, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

enum {
  RESOLVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void load (TgIncidentResolver *self);

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

static guint
count_chosen (TgIncidentResolver *self)
{
  return tg_choice_group_count_chosen (GTK_WIDGET (self->parts_box));
}

static void
set_state (TgIncidentResolver *self,
           const char         *state)
{
  if (g_strcmp0 (self->state, state) == 0)
    return;
  g_free (self->state);
  self->state = g_strdup (state);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_notice (TgIncidentResolver *self,
            const char         *notice)
{
  g_free (self->notice);
  self->notice = g_strdup (notice);
  gtk_label_set_text (self->notice_label, notice ? notice : "");
  gtk_revealer_set_reveal_child (self->notice_revealer, notice != NULL);
}

static void
update_progress (TgIncidentResolver *self)
{
  guint n = self->parts ? self->parts->len : 0;
  guint chosen = count_chosen (self);
  g_autofree char *text = NULL;

  if (n == 0)
    text = g_strdup (_("Every version holds the same details: saving joins them into one."));
  else if (chosen < n)
    text = g_strdup_printf (ngettext ("%u of %u part chosen", "%u of %u parts chosen", n), chosen, n);
  else
    text = g_strdup (_("Every part chosen: save the resolved incident."));
  gtk_label_set_text (self->progress_label, text);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "resolver.save",
                                 g_strcmp0 (self->state, "choosing") == 0 && chosen == n);
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

      tg_choice_group_add_version (group, h, difference->values[h], who, when, difference->sources[h],
                                   kind == 2 ? 8 : 3);
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
  g_signal_connect_object (group, "changed", G_CALLBACK (update_progress), self, G_CONNECT_SWAPPED);
  gtk_box_append (self->parts_box, GTK_WIDGET (group));
}

static void
clear_parts (TgIncidentResolver *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->parts_box))))
    gtk_box_remove (self->parts_box, child);
  tg_choice_clear_version_rows (self->versions_group);
  g_clear_pointer (&self->parts, g_ptr_array_unref);
}

static void
build (TgIncidentResolver *self)
{
  TgIncidentHead *first = self->conflict->heads->pdata[0];
  const char *title = tg_incident_get_title (first->incident);

  clear_parts (self);
  self->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) part_free);
  adw_window_title_set_subtitle (self->window_title, title && *title ? title : _("Untitled incident"));

  for (guint h = 0; h < self->conflict->heads->len; h++)
    {
      TgIncidentHead *head = self->conflict->heads->pdata[h];
      g_autofree char *who = who_wrote (head);
      g_autofree char *when = tg_choice_when_written (head->created_at);

      tg_choice_add_version_row (self->versions_group, h, who, when, head->rev_id);
    }

  for (guint i = 0; i < self->conflict->differences->len; i++)
    {
      Part *part = g_new0 (Part, 1);

      part->index = i;
      g_ptr_array_add (self->parts, part);
      build_part (self, part);
    }

  set_state (self, "choosing");
  gtk_stack_set_visible_child_name (self->stack, "parts");
  update_progress (self);
}

/* Loading ----------------------------------------------------------------- */

static void
show_message (TgIncidentResolver *self,
              const char         *icon,
              const char         *title,
              const char         *description)
{
  adw_status_page_set_icon_name (self->status_page, icon);
  adw_status_page_set_title (self->status_page, title);
  adw_status_page_set_description (self->status_page, description);
  gtk_stack_set_visible_child_name (self->stack, "message");
}

static void
load_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TgIncidentResolver) self = user_data;
  g_autoptr(GError) error = NULL;
  TgIncidentConflict *conflict = tg_workspace_load_conflict_finish (TG_WORKSPACE (object), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_spinner_stop (self->spinner);
  if (conflict == NULL)
    {
      set_state (self, "error");
      show_message (self, "dialog-error-symbolic", _("Could Not Load the Versions"), error->message);
      return;
    }
  clear_parts (self);
  g_clear_pointer (&self->conflict, tg_incident_conflict_free);
  self->conflict = conflict;
  if (conflict->heads->len < 2)
    {
      set_state (self, "nothing");
      show_message (self, "emblem-ok-symbolic", _("Nothing to Resolve"),
                    _("This incident has a single version now: it was resolved already, here or by another coordinator."));
      update_progress (self);
      return;
    }
  build (self);
  if (self->parts->len > 0)
    gtk_widget_child_focus (GTK_WIDGET (self->parts_box), GTK_DIR_TAB_FORWARD);
}

static void
load (TgIncidentResolver *self)
{
  set_state (self, "loading");
  gtk_stack_set_visible_child_name (self->stack, "loading");
  gtk_spinner_start (self->spinner);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "resolver.save", FALSE);
  tg_workspace_load_conflict_async (self->workspace, self->incident_id, self->cancellable,
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

  tg_ui_release_application (g_steal_pointer (&self->held));
  gtk_widget_set_sensitive (GTK_WIDGET (self->parts_box), TRUE);
  if (saved == NULL)
    {
      /* Another change arrived meanwhile: show the versions as they are
       * now, saying why. */
      if (g_error_matches (error, TG_ERROR, TG_ERROR_CONFLICT))
        {
          set_notice (self, error->message);
          load (self);
          return;
        }
      {
        g_autofree char *text = g_strdup_printf (_("The resolved incident could not be saved: %s"),
                                                 error->message);

        set_state (self, "choosing");
        set_notice (self, text);
        update_progress (self);
      }
      return;
    }
  set_state (self, "saved");
  g_signal_emit (self, signals[RESOLVED], 0, self->incident_id);
  gtk_window_close (GTK_WINDOW (self));
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TgIncidentResolver *self = TG_INCIDENT_RESOLVER (widget);
  g_autoptr(GError) error = NULL;
  g_autoptr(TgIncident) resolved = NULL;
  g_autofree int *picks = NULL;
  gboolean dissolved = FALSE;

  if (g_strcmp0 (self->state, "choosing") != 0 || count_chosen (self) < self->parts->len)
    return;

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

      set_notice (self, text);
      return;
    }

  set_notice (self, NULL);
  set_state (self, "saving");
  gtk_widget_action_set_enabled (widget, "resolver.save", FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->parts_box), FALSE);
  gtk_label_set_text (self->progress_label, _("Saving the resolved incident…"));
  /* Quitting waits for the save. */
  self->held = tg_ui_hold_application (widget);
  tg_workspace_resolve_conflict_async (self->workspace, self->conflict, resolved, dissolved, NULL,
                                       save_done_cb, g_object_ref (self));
}

/* Vfuncs ---------------------------------------------------------------- */

static void
tg_incident_resolver_dispose (GObject *object)
{
  TgIncidentResolver *self = TG_INCIDENT_RESOLVER (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->parts, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_INCIDENT_RESOLVER);
  G_OBJECT_CLASS (tg_incident_resolver_parent_class)->dispose (object);
}

static void
tg_incident_resolver_finalize (GObject *object)
{
  TgIncidentResolver *self = TG_INCIDENT_RESOLVER (object);

  g_clear_object (&self->workspace);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->conflict, tg_incident_conflict_free);
  g_free (self->incident_id);
  g_free (self->state);
  g_free (self->notice);
  G_OBJECT_CLASS (tg_incident_resolver_parent_class)->finalize (object);
}

static void
tg_incident_resolver_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  TgIncidentResolver *self = TG_INCIDENT_RESOLVER (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_string (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_incident_resolver_class_init (TgIncidentResolverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_incident_resolver_dispose;
  object_class->finalize = tg_incident_resolver_finalize;
  object_class->get_property = tg_incident_resolver_get_property;

  properties[PROP_STATE] =
    g_param_spec_string ("state", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[RESOLVED] = g_signal_new ("resolved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "resolver.save", NULL, save_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "resolver.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/testigo/Testigo/tg-incident-resolver.ui");
  gtk_widget_class_bind_template_child (widget_class, TgIncidentResolver, window_title);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentResolver, notice_revealer);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentResolver, notice_label);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentResolver, stack);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentResolver, spinner);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentResolver, status_page);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentResolver, versions_group);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentResolver, parts_box);
  gtk_widget_class_bind_template_child (widget_class, TgIncidentResolver, progress_label);
}

static void
tg_incident_resolver_init (TgIncidentResolver *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "resolver.save", FALSE);
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
  load (self);
  return self;
}

const char *
tg_incident_resolver_get_state (TgIncidentResolver *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT_RESOLVER (self), NULL);
  return self->state;
}

const char *
tg_incident_resolver_get_notice (TgIncidentResolver *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT_RESOLVER (self), NULL);
  return self->notice;
}

guint
tg_incident_resolver_get_n_parts (TgIncidentResolver *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT_RESOLVER (self), 0);
  return self->parts ? self->parts->len : 0;
}

guint
tg_incident_resolver_get_n_chosen (TgIncidentResolver *self)
{
  g_return_val_if_fail (TG_IS_INCIDENT_RESOLVER (self), 0);
  return count_chosen (self);
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
