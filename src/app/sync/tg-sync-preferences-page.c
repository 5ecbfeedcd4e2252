/* tg-sync-preferences-page.c — connecting this laptop to the organisation's server, and how it syncs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-sync-preferences-page"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tg-sync-credentials.h"
#include "tg-sync-history-dialog.h"
#include "tg-sync-preferences-page.h"
#include "tg-sync-util.h"

struct _TgSyncPreferencesPage
{
  AdwPreferencesPage  parent_instance;

  TgSyncManager      *manager;
  TgSyncEngine       *engine;
  GCancellable       *cancellable;     /* the probe and enrolment under way */
  char               *expected;        /* normalised fingerprint being connected to */
  gboolean            busy;
  gboolean            reenrolling;     /* the form shown again for an account */
  gboolean            keyring_pending; /* enrolled; no keyring took the token */

  /* template children */
  AdwPreferencesGroup *attention_group;
  GtkLabel            *attention_title;
  GtkLabel            *attention_body;
  GtkWidget           *reenrol_button;
  AdwPreferencesGroup *connect_group;
  AdwEntryRow         *address_row;
  AdwEntryRow         *code_row;
  AdwEntryRow         *fingerprint_row;
  AdwEntryRow         *device_row;
  GtkWidget           *connect_button;
  GtkWidget           *cancel_button;
  GtkSpinner          *connect_spinner;
  GtkLabel            *connect_phase;
  GtkLabel            *connect_error;
  AdwPreferencesGroup *identity_group;
  AdwActionRow        *expected_row;
  AdwActionRow        *seen_row;
  AdwActionRow        *match_row;
  GtkImage            *match_icon;
  AdwPreferencesGroup *keyring_group;
  GtkLabel            *keyring_body;
  AdwPreferencesGroup *account_group;
  AdwActionRow        *server_row;
  AdwActionRow        *name_row;
  AdwActionRow        *last_row;
  AdwActionRow        *memory_row;
  AdwActionRow        *clock_row;
  GtkSwitch           *automatic_switch;
  GtkSwitch           *metered_switch;
};

G_DEFINE_FINAL_TYPE (TgSyncPreferencesPage, tg_sync_preferences_page, ADW_TYPE_PREFERENCES_PAGE)

/* Helpers --------------------------------------------------------------- */

static void
toast (TgSyncPreferencesPage *self,
       const char            *message)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (ADW_IS_PREFERENCES_WINDOW (root))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), adw_toast_new (message));
}

/* "host:port" → "https://host:port"; no trailing slash. */
static char *
normalize_address (const char *text)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  gsize len;

  while ((len = strlen (stripped)) > 0 && stripped[len - 1] == '/')
    stripped[len - 1] = '\0';
  if (*stripped == '\0')
    return NULL;
  if (strstr (stripped, "://") == NULL)
    return g_strconcat ("https://", stripped, NULL);
  return g_steal_pointer (&stripped);
}

static void
show_connect_error (TgSyncPreferencesPage *self,
                    const char            *message)
{
  gtk_label_set_text (self->connect_error, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->connect_error), message != NULL);
  /* Read by a screen reader as the description of the Connect button. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->connect_button),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message ? message : "",
                                  -1);
}

static void update_state (TgSyncPreferencesPage *self);

static void
set_busy (TgSyncPreferencesPage *self,
          gboolean               busy,
          const char            *phase)
{
  self->busy = busy;
  gtk_widget_set_visible (GTK_WIDGET (self->connect_spinner), busy);
  gtk_spinner_set_spinning (self->connect_spinner, busy);
  gtk_label_set_text (self->connect_phase, phase ? phase : "");
  update_state (self);
}

static void
update_connect_sensitive (TgSyncPreferencesPage *self)
{
  const char *address = gtk_editable_get_text (GTK_EDITABLE (self->address_row));
  const char *code = gtk_editable_get_text (GTK_EDITABLE (self->code_row));
  const char *fingerprint = gtk_editable_get_text (GTK_EDITABLE (self->fingerprint_row));

  gtk_widget_set_sensitive (self->connect_button,
                            !self->busy && *address != '\0' && *code != '\0' && *fingerprint != '\0');
}

static void
update_state (TgSyncPreferencesPage *self)
{
  const TgSyncAccount *account = tg_sync_manager_get_account (self->manager);
  TgSyncTokenState token = tg_sync_manager_get_token_state (self->manager);
  gboolean has_account = account != NULL;
  TgSyncError code = TG_SYNC_ERROR_NOT_CONFIGURED;
  gboolean has_code = tg_sync_engine_get_last_error_code (self->engine, &code);
  gboolean revoked = has_account && has_code && code == TG_SYNC_ERROR_REVOKED;
  gboolean mismatch = has_account && has_code && code == TG_SYNC_ERROR_FINGERPRINT_MISMATCH;
  gboolean missing = has_account && token == TG_SYNC_TOKEN_MISSING;
  gboolean attention = !self->reenrolling && !self->keyring_pending && (revoked || mismatch || missing);
  gboolean show_form = !self->keyring_pending && (!has_account || self->reenrolling);

  if (revoked)
    {
      gtk_label_set_text (self->attention_title, _("This laptop was disconnected by your organisation"));
      gtk_label_set_text (self->attention_body,
                          _("The server no longer accepts this laptop’s token. Nothing on this laptop was "
                            "deleted: your reports and files stay here. Ask your administrator for a new "
                            "enrolment code, then re-enrol."));
    }
  else if (mismatch)
    {
      gtk_label_set_text (self->attention_title, _("The server’s identity changed"));
      gtk_label_set_text (self->attention_body,
                          _("The server now shows another certificate than the one pinned when this laptop "
                            "was enrolled, so Testigo does not sync with it: someone may be pretending to be "
                            "your server. Ask your administrator before doing anything else; if the server "
                            "really got a new certificate, they will give you its fingerprint to re-enrol."));
    }
  else if (missing)
    {
      gtk_label_set_text (self->attention_title, _("This laptop’s token is missing"));
      gtk_label_set_text (self->attention_body, tg_sync_manager_get_token_problem (self->manager));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->attention_group), attention);

  gtk_widget_set_visible (GTK_WIDGET (self->connect_group), show_form);
  gtk_widget_set_sensitive (GTK_WIDGET (self->address_row), !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->code_row), !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->fingerprint_row), !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->device_row), !self->busy);
  gtk_widget_set_visible (self->cancel_button, self->busy || self->reenrolling);
  update_connect_sensitive (self);
  gtk_widget_set_visible (GTK_WIDGET (self->identity_group),
                          show_form && self->expected != NULL);

  gtk_widget_set_visible (GTK_WIDGET (self->keyring_group), self->keyring_pending);

  gtk_widget_set_visible (GTK_WIDGET (self->account_group),
                          has_account && !self->reenrolling && !self->keyring_pending);
  if (has_account)
    {
      g_autofree char *last = tg_sync_format_time (tg_sync_manager_get_last_success (self->manager));
      g_autofree char *clock = tg_sync_describe_clock (tg_sync_engine_get_clock_offset (self->engine));

      adw_action_row_set_subtitle (self->server_row, account->server_uri);
      adw_action_row_set_subtitle (self->name_row, account->device_name ? account->device_name : "");
      adw_action_row_set_subtitle (self->last_row, last);
      gtk_widget_set_visible (GTK_WIDGET (self->memory_row), token == TG_SYNC_TOKEN_MEMORY);
      adw_action_row_set_subtitle (self->clock_row, clock ? clock : "");
      gtk_widget_set_visible (GTK_WIDGET (self->clock_row), clock != NULL);
    }
}

/* Callbacks ------------------------------------------------------------- */

static void
entry_changed_cb (TgSyncPreferencesPage *self)
{
  update_connect_sensitive (self);
}

static void
first_sync_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TgSyncEntry) entry = tg_sync_engine_sync_finish (TG_SYNC_ENGINE (object), result, &error);

  /* The indicator and the history say how it went. */
  if (entry == NULL && error != NULL)
    g_debug ("First sync: %s", error->message);
}

static void
connected (TgSyncPreferencesPage *self)
{
  const TgSyncAccount *account = tg_sync_manager_get_account (self->manager);
  g_autofree char *message = NULL;

  self->reenrolling = FALSE;
  self->keyring_pending = FALSE;
  g_clear_pointer (&self->expected, g_free);
  gtk_editable_set_text (GTK_EDITABLE (self->code_row), "");
  set_busy (self, FALSE, NULL);
  message = g_strdup_printf (_("Connected to %s"), account ? account->server_uri : "");
  toast (self, message);
  /* The first sync starts at once; the indicator shows it. */
  tg_sync_engine_sync_async (self->engine, TG_SYNC_FLAGS_NONE, NULL, first_sync_cb, NULL);
}

static void
connect_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TgSyncPreferencesPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (tg_sync_manager_connect_finish (TG_SYNC_MANAGER (object), result, &error))
    {
      connected (self);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      set_busy (self, FALSE, NULL);
      return;
    }
  if (error->domain == TG_SYNC_CREDENTIALS_ERROR)
    {
      g_autofree char *body = NULL;

      body = g_strdup_printf (_("%s\n\nThe server enrolled this laptop, but its token cannot be kept safely. "
                                "Testigo never writes it to a file. It can keep the token in memory until "
                                "Testigo quits; after that you will need a new enrolment code."),
                              error->message);
      gtk_label_set_text (self->keyring_body, body);
      self->keyring_pending = TRUE;
      set_busy (self, FALSE, NULL);
      return;
    }
  set_busy (self, FALSE, NULL);
  show_connect_error (self, error->message);
}

static void
probe_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TgSyncPreferencesPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TgSyncServerInfo) info = tg_sync_engine_probe_finish (TG_SYNC_ENGINE (object), result, &error);
  g_autofree char *seen = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *device = NULL;
  const char *code;

  if (info == NULL)
    {
      set_busy (self, FALSE, NULL);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_connect_error (self, error->message);
      return;
    }

  seen = tg_sync_normalize_fingerprint (info->fingerprint);
  adw_action_row_set_subtitle (self->expected_row, self->expected);
  adw_action_row_set_subtitle (self->seen_row, info->fingerprint ? info->fingerprint : _("None"));
  if (seen == NULL || g_strcmp0 (seen, self->expected) != 0)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->match_row), _("They do not match"));
      gtk_image_set_from_icon_name (self->match_icon, "dialog-error-symbolic");
      gtk_widget_remove_css_class (GTK_WIDGET (self->match_icon), "success");
      gtk_widget_add_css_class (GTK_WIDGET (self->match_icon), "error");
      set_busy (self, FALSE, NULL);
      show_connect_error (self,
                          _("Not connected: the server at this address shows another fingerprint than the one "
                            "your administrator gave. The address may be mistyped, or someone may be pretending "
                            "to be your server. Check both with your administrator."));
      return;
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->match_row), _("They match"));
  gtk_image_set_from_icon_name (self->match_icon, "emblem-ok-symbolic");
  gtk_widget_remove_css_class (GTK_WIDGET (self->match_icon), "error");
  gtk_widget_add_css_class (GTK_WIDGET (self->match_icon), "success");

  uri = normalize_address (gtk_editable_get_text (GTK_EDITABLE (self->address_row)));
  code = gtk_editable_get_text (GTK_EDITABLE (self->code_row));
  device = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->device_row))));
  if (*device == '\0')
    {
      g_free (device);
      device = g_strdup (g_get_host_name ());
    }
  set_busy (self, TRUE, _("Enrolling this laptop…"));
  tg_sync_manager_connect_async (self->manager, info->server_uri ? info->server_uri : uri, self->expected,
                                 code, device, self->cancellable, connect_done_cb, g_object_ref (self));
}

static void
connect_clicked_cb (TgSyncPreferencesPage *self)
{
  g_autofree char *uri = normalize_address (gtk_editable_get_text (GTK_EDITABLE (self->address_row)));
  g_autofree char *expected = tg_sync_normalize_fingerprint (gtk_editable_get_text (GTK_EDITABLE (self->fingerprint_row)));

  show_connect_error (self, NULL);
  if (uri == NULL)
    {
      show_connect_error (self, _("Type the server’s address, such as https://reports.example.org."));
      return;
    }
  if (expected == NULL)
    {
      show_connect_error (self,
                          _("The fingerprint should be 64 hexadecimal digits (0–9, A–F); spaces and colons "
                            "between them are fine. Copy it from what your administrator gave you."));
      return;
    }
  g_free (self->expected);
  self->expected = g_steal_pointer (&expected);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->match_row), _("Not checked yet"));
  gtk_image_set_from_icon_name (self->match_icon, "content-loading-symbolic");
  adw_action_row_set_subtitle (self->expected_row, self->expected);
  adw_action_row_set_subtitle (self->seen_row, "…");
  set_busy (self, TRUE, _("Asking the server who it is…"));
  tg_sync_engine_probe_async (self->engine, uri, self->cancellable, probe_done_cb, g_object_ref (self));
}

static void
cancel_clicked_cb (TgSyncPreferencesPage *self)
{
  if (self->busy)
    {
      g_cancellable_cancel (self->cancellable);
      return;
    }
  self->reenrolling = FALSE;
  g_clear_pointer (&self->expected, g_free);
  show_connect_error (self, NULL);
  update_state (self);
}

static void
reenrol_clicked_cb (TgSyncPreferencesPage *self)
{
  const TgSyncAccount *account = tg_sync_manager_get_account (self->manager);

  self->reenrolling = TRUE;
  if (account != NULL)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->address_row), account->server_uri);
      gtk_editable_set_text (GTK_EDITABLE (self->fingerprint_row), account->fingerprint ? account->fingerprint : "");
      if (account->device_name != NULL)
        gtk_editable_set_text (GTK_EDITABLE (self->device_row), account->device_name);
    }
  gtk_editable_set_text (GTK_EDITABLE (self->code_row), "");
  show_connect_error (self, NULL);
  update_state (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
}

static void
keep_in_memory_cb (TgSyncPreferencesPage *self)
{
  tg_sync_manager_keep_token_in_memory (self->manager);
  connected (self);
}

static void
dropped_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(TgSyncPreferencesPage) self = user_data;

  tg_sync_manager_disconnect_finish (TG_SYNC_MANAGER (object), result, NULL);
  update_state (self);
}

static void
drop_token_cb (TgSyncPreferencesPage *self)
{
  self->keyring_pending = FALSE;
  self->reenrolling = FALSE;
  g_clear_pointer (&self->expected, g_free);
  tg_sync_manager_disconnect_async (self->manager, dropped_cb, g_object_ref (self));
}

static void
disconnected_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TgSyncPreferencesPage) self = user_data;

  tg_sync_manager_disconnect_finish (TG_SYNC_MANAGER (object), result, NULL);
  update_state (self);
  toast (self, _("Disconnected. Nothing on this laptop was deleted."));
}

static void
disconnect_response_cb (AdwMessageDialog      *dialog,
                        const char            *response,
                        TgSyncPreferencesPage *self)
{
  if (g_strcmp0 (response, "disconnect") == 0)
    tg_sync_manager_disconnect_async (self->manager, disconnected_cb, g_object_ref (self));
}

static void
disconnect_clicked_cb (TgSyncPreferencesPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Disconnect From the Server?"),
                                   _("This laptop will forget its token and the server’s fingerprint, and stop "
                                     "syncing. Nothing on this laptop is deleted: your reports and files stay, and "
                                     "what was not sent yet waits for the next connection. To connect again you "
                                     "will need a new enrolment code."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "disconnect", _("_Disconnect"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "disconnect",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (disconnect_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
history_activated_cb (TgSyncPreferencesPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog = tg_sync_history_dialog_new (tg_sync_manager_get_store (self->manager));

  if (GTK_IS_WINDOW (root))
    {
      gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (root));
      gtk_window_set_application (GTK_WINDOW (dialog), gtk_window_get_application (GTK_WINDOW (root)));
    }
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Vfuncs ---------------------------------------------------------------- */

static void
tg_sync_preferences_page_dispose (GObject *object)
{
  TgSyncPreferencesPage *self = TG_SYNC_PREFERENCES_PAGE (object);

  tg_sync_unwatch (self, &self->cancellable, &self->engine, &self->manager);
  gtk_widget_dispose_template (GTK_WIDGET (self), TG_TYPE_SYNC_PREFERENCES_PAGE);

  G_OBJECT_CLASS (tg_sync_preferences_page_parent_class)->dispose (object);
}

static void
tg_sync_preferences_page_finalize (GObject *object)
{
  TgSyncPreferencesPage *self = TG_SYNC_PREFERENCES_PAGE (object);

  g_free (self->expected);

  G_OBJECT_CLASS (tg_sync_preferences_page_parent_class)->finalize (object);
}

static void
tg_sync_preferences_page_class_init (TgSyncPreferencesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_sync_preferences_page_dispose;
  object_class->finalize = tg_sync_preferences_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/testigo/Testigo/tg-sync-preferences-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, attention_group);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, attention_title);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, attention_body);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, reenrol_button);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, connect_group);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, address_row);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, code_row);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, fingerprint_row);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, device_row);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, connect_button);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, connect_spinner);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, connect_phase);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, connect_error);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, identity_group);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, expected_row);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, seen_row);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, match_row);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, match_icon);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, keyring_group);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, keyring_body);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, account_group);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, server_row);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, name_row);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, last_row);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, memory_row);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, clock_row);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, automatic_switch);
  gtk_widget_class_bind_template_child (widget_class, TgSyncPreferencesPage, metered_switch);
  gtk_widget_class_bind_template_callback (widget_class, entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, connect_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, reenrol_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, keep_in_memory_cb);
  gtk_widget_class_bind_template_callback (widget_class, drop_token_cb);
  gtk_widget_class_bind_template_callback (widget_class, disconnect_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, history_activated_cb);
}

static void
tg_sync_preferences_page_init (TgSyncPreferencesPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

/* Public API ------------------------------------------------------------ */

GtkWidget *
tg_sync_preferences_page_new (TgSyncManager *manager)
{
  static const char * const engine_props[] = {
    "notify::status", "notify::last-error", "notify::clock-offset",
  };
  TgSyncPreferencesPage *self;
  GSettings *settings;

  g_return_val_if_fail (TG_IS_SYNC_MANAGER (manager), NULL);

  self = g_object_new (TG_TYPE_SYNC_PREFERENCES_PAGE, NULL);
  self->manager = g_object_ref (manager);
  self->engine = g_object_ref (tg_sync_manager_get_engine (manager));
  settings = tg_sync_manager_get_settings (manager);
  g_settings_bind (settings, "sync-automatic", self->automatic_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "sync-originals-on-metered", self->metered_switch, "active", G_SETTINGS_BIND_DEFAULT);
  gtk_editable_set_text (GTK_EDITABLE (self->device_row), g_get_host_name ());

  for (guint i = 0; i < G_N_ELEMENTS (engine_props); i++)
    g_signal_connect_swapped (self->engine, engine_props[i], G_CALLBACK (update_state), self);
  g_signal_connect_swapped (manager, "account-changed", G_CALLBACK (update_state), self);
  g_signal_connect_swapped (manager, "notify::last-success", G_CALLBACK (update_state), self);
  update_state (self);
  return GTK_WIDGET (self);
}
