/* tg-change-passphrase.c — the Preferences' "Change Passphrase" dialog
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-change-passphrase"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tg-change-passphrase.h"
#include "tg-passphrase-strength.h"

typedef struct
{
  AdwPreferencesWindow *parent;
  TgVault              *vault;
  GtkEditable          *current;
  GtkEditable          *fresh;
  GtkEditable          *confirm;
  GtkLabel             *hint;
  char                 *old_passphrase;   /* while the rewrap runs; wiped after */
  char                 *new_passphrase;
} ChangeData;

static void
wipe (char **text)
{
  if (*text != NULL)
    explicit_bzero (*text, strlen (*text));
  g_clear_pointer (text, g_free);
}

static void
change_data_free (ChangeData *data)
{
  wipe (&data->old_passphrase);
  wipe (&data->new_passphrase);
  g_clear_object (&data->parent);
  g_clear_object (&data->vault);
  g_free (data);
}

static void
changed_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  ChangeData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!tg_vault_change_passphrase_finish (TG_VAULT (object), result, &error))
    text = g_strdup_printf (_("The passphrase was not changed: %s"), error->message);
  else
    text = g_strdup (_("Passphrase changed"));
  adw_preferences_window_add_toast (data->parent, adw_toast_new (text));
  change_data_free (data);
}

static void
response_cb (AdwMessageDialog *dialog,
             const char       *response,
             ChangeData       *data)
{
  if (g_strcmp0 (response, "change") != 0)
    {
      change_data_free (data);
      return;
    }
  data->old_passphrase = g_strdup (gtk_editable_get_text (data->current));
  data->new_passphrase = g_strdup (gtk_editable_get_text (data->fresh));
  adw_preferences_window_add_toast (data->parent, adw_toast_new (_("Changing the passphrase…")));
  tg_vault_change_passphrase_async (data->vault, data->old_passphrase, data->new_passphrase, NULL,
                                    changed_cb, data);
}

static void
entries_changed_cb (AdwMessageDialog *dialog)
{
  ChangeData *data = g_object_get_data (G_OBJECT (dialog), "tg-change-passphrase");
  const char *fresh = gtk_editable_get_text (data->fresh);
  const char *confirm = gtk_editable_get_text (data->confirm);
  g_autofree char *hint = NULL;
  TgPassphraseStrength strength = tg_passphrase_strength (fresh, &hint);
  gboolean same = g_strcmp0 (fresh, confirm) == 0;

  if (*confirm != '\0' && !g_str_has_prefix (fresh, confirm))
    gtk_label_set_text (data->hint, _("The two passphrases are not the same."));
  else
    gtk_label_set_text (data->hint, hint != NULL ? hint : "");
  adw_message_dialog_set_response_enabled (dialog, "change",
                                           *gtk_editable_get_text (data->current) != '\0' &&
                                           strength > TG_PASSPHRASE_WEAK && same);
}

static GtkEditable *
add_row (GtkWidget  *list,
         const char *title)
{
  GtkWidget *row = adw_password_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_list_box_append (GTK_LIST_BOX (list), row);
  return GTK_EDITABLE (row);
}

void
tg_change_passphrase_show (AdwPreferencesWindow *parent,
                           TgVault              *vault)
{
  ChangeData *data = g_new0 (ChangeData, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *hint = gtk_label_new (NULL);
  AdwMessageDialog *dialog;

  g_return_if_fail (ADW_IS_PREFERENCES_WINDOW (parent));
  g_return_if_fail (TG_IS_VAULT (vault));

  data->parent = g_object_ref (parent);
  data->vault = g_object_ref (vault);
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  data->current = add_row (list, _("Current passphrase"));
  data->fresh = add_row (list, _("New passphrase"));
  data->confirm = add_row (list, _("Confirm new passphrase"));
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_widget_add_css_class (hint, "caption");
  data->hint = GTK_LABEL (hint);
  gtk_box_append (GTK_BOX (box), list);
  gtk_box_append (GTK_BOX (box), hint);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (parent), _("Change Passphrase"),
                                                       _("The key that encrypts the reports is kept, "
                                                         "locked with the new passphrase instead of the old "
                                                         "one. The old passphrase no longer opens Testigo. "
                                                         "The new one cannot be recovered if it is forgotten.")));
  gtk_window_set_title (GTK_WINDOW (dialog), _("Change Passphrase"));
  adw_message_dialog_set_extra_child (dialog, box);
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "change", _("C_hange"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "change", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (dialog, "change", FALSE);
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data (G_OBJECT (dialog), "tg-change-passphrase", data);
  g_signal_connect_swapped (data->current, "changed", G_CALLBACK (entries_changed_cb), dialog);
  g_signal_connect_swapped (data->fresh, "changed", G_CALLBACK (entries_changed_cb), dialog);
  g_signal_connect_swapped (data->confirm, "changed", G_CALLBACK (entries_changed_cb), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (response_cb), data);
  gtk_window_present (GTK_WINDOW (dialog));
}
