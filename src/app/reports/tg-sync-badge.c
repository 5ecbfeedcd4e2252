/* tg-sync-badge.c — the icon and words for a report's sync state
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-sync-badge"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-sync-badge.h"

const char *
tg_sync_badge_icon_name (TgReportSyncState state)
{
  switch (state)
    {
    case TG_REPORT_SYNC_LOCAL_ONLY:      return "computer-symbolic";
    case TG_REPORT_SYNC_CHANGES_PENDING: return "emblem-synchronizing-symbolic";
    case TG_REPORT_SYNC_FILES_PENDING:   return "document-send-symbolic";
    case TG_REPORT_SYNC_SYNCED:          return "emblem-ok-symbolic";
    case TG_REPORT_SYNC_CONFLICT:        return "dialog-warning-symbolic";
    case TG_REPORT_SYNC_FILES_MISSING:   return "dialog-warning-symbolic";
    default:                             return "computer-symbolic";
    }
}

const char *
tg_sync_badge_label (TgReportSyncState state)
{
  switch (state)
    {
    case TG_REPORT_SYNC_LOCAL_ONLY:      return _("Only on this laptop");
    case TG_REPORT_SYNC_CHANGES_PENDING: return _("Changes not sent");
    case TG_REPORT_SYNC_FILES_PENDING:   return _("Files still to send");
    case TG_REPORT_SYNC_SYNCED:          return _("On the server");
    case TG_REPORT_SYNC_CONFLICT:        return _("Conflict");
    case TG_REPORT_SYNC_FILES_MISSING:   return _("A file is missing");
    default:                             return _("Only on this laptop");
    }
}

const char *
tg_sync_badge_description (TgReportSyncState state)
{
  switch (state)
    {
    case TG_REPORT_SYNC_LOCAL_ONLY:
      return _("Only on this laptop: not sent to the server yet");
    case TG_REPORT_SYNC_CHANGES_PENDING:
      return _("On the server, but the latest changes are only on this laptop");
    case TG_REPORT_SYNC_FILES_PENDING:
      return _("On the server; some of its files are still to send");
    case TG_REPORT_SYNC_SYNCED:
      return _("On the server, with all its files");
    case TG_REPORT_SYNC_CONFLICT:
      return _("Conflict: changed on two devices, choose what to keep");
    case TG_REPORT_SYNC_FILES_MISSING:
      return _("On the server, but a file it names is missing from this laptop and could not be sent");
    default:
      return _("Only on this laptop: not sent to the server yet");
    }
}

void
tg_sync_badge_apply (GtkImage          *image,
                     TgReportSyncState  state)
{
  g_return_if_fail (GTK_IS_IMAGE (image));

  gtk_image_set_from_icon_name (image, tg_sync_badge_icon_name (state));
  gtk_widget_set_tooltip_text (GTK_WIDGET (image), tg_sync_badge_description (state));
  gtk_accessible_update_property (GTK_ACCESSIBLE (image),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, tg_sync_badge_label (state),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tg_sync_badge_description (state),
                                  -1);
}

void
tg_reports_ensure_style (void)
{
  static gboolean done;
  GdkDisplay *display = gdk_display_get_default ();
  g_autoptr(GtkCssProvider) provider = NULL;

  if (done || display == NULL)
    return;
  done = TRUE;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/io/github/testigo/Testigo/tg-reports.css");
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}
