/* tg-lock-window.c — the window of a locked Testigo
 *
 * Three pages: "create" (first run: a passphrase, typed twice, with a
 * strength hint), "unlock" (the passphrase, the wrong-passphrase count
 * and the wait, Emergency Erase) and "working" (a spinner or a progress
 * bar: the key being made, an old store being encrypted). The vault's
 * Argon2id runs on a worker thread (tg_vault_*_async): the page stays
 * drawn, with a spinner, while it does.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-lock-window"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tg-lock-window.h"
#include "tg-passphrase-strength.h"

struct _TgLockWindow
{
  AdwApplicationWindow  parent_instance;

  TgVault              *vault;
  GCancellable         *cancellable;
  char                 *passphrase;   /* while create or unlock runs; wiped after */
  guint                 retry_source; /* counting the wait down */
  gboolean              busy;

  /* template children */
  GtkWidget            *create_page;
  GtkWidget            *unlock_page;
  GtkWidget            *working_page;
  GtkLabel             *create_title;
  GtkLabel             *create_description;
  AdwPasswordEntryRow  *create_entry;
  AdwPasswordEntryRow  *confirm_entry;
  GtkLevelBar          *strength_bar;
  GtkLabel             *strength_label;
  GtkLabel             *create_error;
  GtkButton            *create_button;
  AdwPasswordEntryRow  *unlock_entry;
  GtkLabel             *unlock_error;
  GtkButton            *unlock_button;
  GtkSpinner           *unlock_spinner;
  GtkButton            *erase_button;
  AdwStatusPage        *work_page;
  GtkProgressBar       *work_progress;
  GtkSpinner           *work_spinner;
};

G_DEFINE_FINAL_TYPE (TgLockWindow, tg_lock_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  SIGNAL_UNLOCKED,
  SIGNAL_ERASED,
  SIGNAL_ERASE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Helpers --------------------------------------------------------------- */

static void
show_page (TgLockWindow *self,
           GtkWidget    *page)
{
  gtk_widget_set_visible (self->create_page, page == self->create_page);
  gtk_widget_set_visible (self->unlock_page, page == self->unlock_page);
  gtk_widget_set_visible (self->working_page, page == self->working_page);
}

static void
wipe_passphrase (TgLockWindow *self)
{
  if (self->passphrase != NULL)
    {
      explicit_bzero (self->passphrase, strlen (self->passphrase));
      g_clear_pointer (&self->passphrase, g_free);
    }
}

static void
clear_entry (AdwPasswordEntryRow *entry)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

static void
set_label (GtkLabel   *label,
           const char *text)
{
  gtk_label_set_text (label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL && *text != '\0');
}

static void
set_unlock_busy (TgLockWindow *self,
                 gboolean      busy)
{
  self->busy = busy;
  gtk_widget_set_sensitive (GTK_WIDGET (self->unlock_entry), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->unlock_button),
                            !busy && tg_vault_get_retry_after (self->vault) == 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->erase_button), !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->unlock_spinner), busy);
  gtk_spinner_set_spinning (self->unlock_spinner, busy);
}

/* "Wait 30 seconds before trying again." — or NULL when no wait. */
static char *
wait_sentence (guint seconds)
{
  if (seconds == 0)
    return NULL;
  if (seconds >= 120)
    {
      guint minutes = (seconds + 59) / 60;

      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "Wait %u minute before trying again.",
                                           "Wait %u minutes before trying again.", minutes),
                              minutes);
    }
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "Wait %u second before trying again.",
                                       "Wait %u seconds before trying again.", seconds),
                          seconds);
}

static void
show_wrong (TgLockWindow *self,
            gboolean      rate_limited)
{
  guint failed = tg_vault_get_failed_attempts (self->vault);
  guint wait = tg_vault_get_retry_after (self->vault);
  g_autofree char *first = NULL;
  g_autofree char *second = wait_sentence (wait);
  g_autofree char *text = NULL;

  if (rate_limited)
    first = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "Too many wrong passphrases: %u so far. Nothing was changed.",
                                          "Too many wrong passphrases: %u so far. Nothing was changed.",
                                          failed),
                             failed);
  else
    first = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "Wrong passphrase. Nothing was changed (%u wrong attempt so far).",
                                          "Wrong passphrase. Nothing was changed (%u wrong attempts so far).",
                                          failed),
                             failed);
  text = second != NULL ? g_strdup_printf ("%s %s", first, second) : g_strdup (first);
  set_label (self->unlock_error, text);
}

static gboolean
retry_tick_cb (gpointer user_data)
{
  TgLockWindow *self = user_data;
  guint wait = tg_vault_get_retry_after (self->vault);

  show_wrong (self, TRUE);
  if (wait > 0)
    return G_SOURCE_CONTINUE;
  self->retry_source = 0;
  set_unlock_busy (self, self->busy);
  return G_SOURCE_REMOVE;
}

/* While the vault makes the next attempt wait, the button is off and the
 * message counts down. */
static void
start_retry_countdown (TgLockWindow *self)
{
  if (self->retry_source != 0 || tg_vault_get_retry_after (self->vault) == 0)
    return;
  self->retry_source = g_timeout_add_seconds (1, retry_tick_cb, self);
}

static gboolean
create_valid (TgLockWindow *self,
              const char  **why)
{
  const char *passphrase = gtk_editable_get_text (GTK_EDITABLE (self->create_entry));
  const char *confirm = gtk_editable_get_text (GTK_EDITABLE (self->confirm_entry));
  TgPassphraseStrength strength = tg_passphrase_strength (passphrase, NULL);

  *why = NULL;
  if (*confirm != '\0' && !g_str_has_prefix (passphrase, confirm))
    *why = _("The two passphrases are not the same.");
  return strength > TG_PASSPHRASE_WEAK && g_strcmp0 (passphrase, confirm) == 0;
}

/* Callbacks ------------------------------------------------------------- */

static void
create_changed_cb (TgLockWindow *self)
{
  const char *passphrase = gtk_editable_get_text (GTK_EDITABLE (self->create_entry));
  g_autofree char *hint = NULL;
  TgPassphraseStrength strength = tg_passphrase_strength (passphrase, &hint);
  const char *why;
  gboolean valid = create_valid (self, &why);

  gtk_level_bar_set_value (self->strength_bar, tg_passphrase_strength_level (strength));
  gtk_label_set_text (self->strength_label, hint);
  set_label (self->create_error, why);
  gtk_widget_set_sensitive (GTK_WIDGET (self->create_button), valid && !self->busy);
}

static void
create_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TgLockWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  wipe_passphrase (self);
  self->busy = FALSE;
  if (!tg_vault_create_finish (TG_VAULT (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      show_page (self, self->create_page);
      set_label (self->create_error, error->message);
      create_changed_cb (self);
      set_label (self->create_error, error->message);
      return;
    }
  clear_entry (self->create_entry);
  clear_entry (self->confirm_entry);
  g_signal_emit (self, signals[SIGNAL_UNLOCKED], 0);
}

static void
create_clicked_cb (TgLockWindow *self)
{
  const char *why;

  if (self->busy || !create_valid (self, &why))
    return;
  self->busy = TRUE;
  self->passphrase = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->create_entry)));
  tg_lock_window_show_working (self, _("Making the Key…"), _("This takes a moment, on purpose: it makes guessing the passphrase slow."), -1);
  tg_vault_create_async (self->vault, self->passphrase, self->cancellable,
                         create_done_cb, g_object_ref (self));
}

static void
create_activated_cb (TgLockWindow *self)
{
  create_clicked_cb (self);
}

static void
unlock_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TgLockWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  wipe_passphrase (self);
  if (tg_vault_unlock_finish (TG_VAULT (object), result, &error))
    {
      set_unlock_busy (self, FALSE);
      clear_entry (self->unlock_entry);
      set_label (self->unlock_error, NULL);
      g_signal_emit (self, signals[SIGNAL_UNLOCKED], 0);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_unlock_busy (self, FALSE);
  if (g_error_matches (error, TG_VAULT_ERROR, TG_VAULT_ERROR_ERASED))
    {
      /* The erase passphrase: the data is gone. The window looks as on a
       * fresh install, and says nothing else. */
      clear_entry (self->unlock_entry);
      set_label (self->unlock_error, NULL);
      tg_lock_window_show_create (self, FALSE);
      g_signal_emit (self, signals[SIGNAL_ERASED], 0);
      return;
    }
  if (g_error_matches (error, TG_VAULT_ERROR, TG_VAULT_ERROR_WRONG_PASSPHRASE))
    show_wrong (self, FALSE);
  else if (g_error_matches (error, TG_VAULT_ERROR, TG_VAULT_ERROR_RATE_LIMITED))
    show_wrong (self, TRUE);
  else
    set_label (self->unlock_error, error->message);
  start_retry_countdown (self);
  set_unlock_busy (self, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->unlock_entry));
  gtk_editable_select_region (GTK_EDITABLE (self->unlock_entry), 0, -1);
}

static void
unlock_clicked_cb (TgLockWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->unlock_entry));

  if (self->busy || *text == '\0')
    return;
  if (tg_vault_get_retry_after (self->vault) > 0)
    {
      show_wrong (self, TRUE);
      start_retry_countdown (self);
      return;
    }
  set_unlock_busy (self, TRUE);
  self->passphrase = g_strdup (text);
  tg_vault_unlock_async (self->vault, self->passphrase, self->cancellable,
                         unlock_done_cb, g_object_ref (self));
}

static void
erase_clicked_cb (TgLockWindow *self)
{
  g_signal_emit (self, signals[SIGNAL_ERASE], 0);
}

/* Vfuncs ---------------------------------------------------------------- */

static void
tg_lock_window_dispose (GObject *object)
{
  TgLockWindow *self = TG_LOCK_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_LOCK_WINDOW);
  g_clear_object (&self->vault);
  g_clear_object (&self->cancellable);
  wipe_passphrase (self);

  G_OBJECT_CLASS (tg_lock_window_parent_class)->dispose (object);
}

static void
tg_lock_window_class_init (TgLockWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_lock_window_dispose;

  signals[SIGNAL_UNLOCKED] =
    g_signal_new ("unlocked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_ERASED] =
    g_signal_new ("erased", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_ERASE] =
    g_signal_new ("erase", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/testigo/Testigo/lock/tg-lock-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TgLockWindow, create_page);
  gtk_widget_class_bind_template_child (widget_class, TgLockWindow, unlock_page);
  gtk_widget_class_bind_template_child (widget_class, TgLockWindow, working_page);
  gtk_widget_class_bind_template_child (widget_class, TgLockWindow, create_title);
  gtk_widget_class_bind_template_child (widget_class, TgLockWindow, create_description);
  gtk_widget_class_bind_template_child (widget_class, TgLockWindow, create_entry);
  gtk_widget_class_bind_template_child (widget_class, TgLockWindow, confirm_entry);
  gtk_widget_class_bind_template_child (widget_class, TgLockWindow, strength_bar);
  gtk_widget_class_bind_template_child (widget_class, TgLockWindow, strength_label);
  gtk_widget_class_bind_template_child (widget_class, TgLockWindow, create_error);
  gtk_widget_class_bind_template_child (widget_class, TgLockWindow, create_button);
  gtk_widget_class_bind_template_child (widget_class, TgLockWindow, unlock_entry);
  gtk_widget_class_bind_template_child (widget_class, TgLockWindow, unlock_error);
  gtk_widget_class_bind_template_child (widget_class, TgLockWindow, unlock_button);
  gtk_widget_class_bind_template_child (widget_class, TgLockWindow, unlock_spinner);
  gtk_widget_class_bind_template_child (widget_class, TgLockWindow, erase_button);
  gtk_widget_class_bind_template_child (widget_class, TgLockWindow, work_page);
  gtk_widget_class_bind_template_child (widget_class, TgLockWindow, work_progress);
  gtk_widget_class_bind_template_child (widget_class, TgLockWindow, work_spinner);
  gtk_widget_class_bind_template_callback (widget_class, create_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, create_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, create_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, unlock_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, erase_clicked_cb);
}

static void
tg_lock_window_init (TgLockWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

/* Public API ------------------------------------------------------------ */

TgLockWindow *
tg_lock_window_new (GtkApplication *app,
                    TgVault        *vault)
{
  TgLockWindow *self = g_object_new (TG_TYPE_LOCK_WINDOW, "application", app, NULL);

  self->vault = g_object_ref (vault);
  if (tg_vault_get_state (vault) == TG_VAULT_STATE_NONE)
    tg_lock_window_show_create (self, FALSE);
  else
    tg_lock_window_show_unlock (self);
  return self;
}

TgVault *
tg_lock_window_get_vault (TgLockWindow *self)
{
  g_return_val_if_fail (TG_IS_LOCK_WINDOW (self), NULL);
  return self->vault;
}

void
tg_lock_window_show_create (TgLockWindow *self,
                            gboolean      has_reports)
{
  g_return_if_fail (TG_IS_LOCK_WINDOW (self));

  gtk_label_set_text (self->create_description,
                      has_reports
                      ? _("Choose a passphrase. The reports already on this laptop will be encrypted with it, "
                          "and everything Testigo keeps from now on: without it nobody can read them, not even "
                          "you. It cannot be recovered if it is forgotten.")
                      : _("Choose a passphrase. Everything Testigo keeps on this laptop is encrypted with it: "
                          "without it nobody can read the reports, not even you. It cannot be recovered if it "
                          "is forgotten."));
  create_changed_cb (self);
  show_page (self, self->create_page);
  gtk_widget_grab_focus (GTK_WIDGET (self->create_entry));
}

void
tg_lock_window_show_unlock (TgLockWindow *self)
{
  g_return_if_fail (TG_IS_LOCK_WINDOW (self));

  set_unlock_busy (self, FALSE);
  if (tg_vault_get_retry_after (self->vault) > 0)
    {
      show_wrong (self, TRUE);
      start_retry_countdown (self);
    }
  show_page (self, self->unlock_page);
  gtk_widget_grab_focus (GTK_WIDGET (self->unlock_entry));
}

void
tg_lock_window_show_working (TgLockWindow *self,
                             const char   *title,
                             const char   *description,
                             double        fraction)
{
  g_return_if_fail (TG_IS_LOCK_WINDOW (self));

  adw_status_page_set_title (self->work_page, title);
  adw_status_page_set_description (self->work_page, description);
  tg_lock_window_set_progress (self, fraction);
  show_page (self, self->working_page);
}

void
tg_lock_window_set_progress (TgLockWindow *self,
                             double        fraction)
{
  g_return_if_fail (TG_IS_LOCK_WINDOW (self));

  gtk_widget_set_visible (GTK_WIDGET (self->work_progress), fraction >= 0);
  gtk_widget_set_visible (GTK_WIDGET (self->work_spinner), fraction < 0);
  gtk_spinner_set_spinning (self->work_spinner, fraction < 0);
  if (fraction >= 0)
    gtk_progress_bar_set_fraction (self->work_progress, CLAMP (fraction, 0, 1));
}

void
tg_lock_window_show_message (TgLockWindow *self,
                             const char   *message)
{
  g_return_if_fail (TG_IS_LOCK_WINDOW (self));

  if (gtk_widget_get_visible (self->create_page))
    set_label (self->create_error, message);
  else
    set_label (self->unlock_error, message);
}
