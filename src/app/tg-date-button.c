/* tg-date-button.c — a button that shows a date and opens a calendar
 *
 * The popover holds a calendar, the time of day and "Clear"/"Set". The
 * date is a local time; "notify::date" fires when the person sets it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-date-button"

#include "config.h"

#include <glib/gi18n.h>

#include "tg-date-button.h"
#include "tg-ui-util.h"

struct _TgDateButton
{
  GtkWidget        parent_instance;

  GtkMenuButton   *button;
  GtkPopover      *popover;
  GtkCalendar     *calendar;
  GtkSpinButton   *hour;
  GtkSpinButton   *minute;
  GDateTime       *date;
  TgDatePrecision  precision;
};

G_DEFINE_FINAL_TYPE (TgDateButton, tg_date_button, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_DATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_label (TgDateButton *self)
{
  g_autofree char *text = tg_ui_format_date (self->date, self->precision);

  gtk_menu_button_set_label (self->button, text ? text : _("Not set"));
}

static gboolean
format_two_digits_cb (GtkSpinButton *spin)
{
  g_autofree char *text = g_strdup_printf ("%02d", gtk_spin_button_get_value_as_int (spin));

  gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

static void
set_date_internal (TgDateButton *self,
                   GDateTime    *date)
{
  if (self->date == date)
    return;
  g_clear_pointer (&self->date, g_date_time_unref);
  if (date != NULL)
    self->date = g_date_time_ref (date);
  update_label (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATE]);
}

static void
apply_clicked_cb (TgDateButton *self)
{
  g_autoptr(GDateTime) day = gtk_calendar_get_date (self->calendar);
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();

  date = g_date_time_new (tz,
                          g_date_time_get_year (day),
                          g_date_time_get_month (day),
                          g_date_time_get_day_of_month (day),
                          gtk_spin_button_get_value_as_int (self->hour),
                          gtk_spin_button_get_value_as_int (self->minute),
                          0);
  gtk_popover_popdown (self->popover);
  set_date_internal (self, date);
}

static void
clear_clicked_cb (TgDateButton *self)
{
  gtk_popover_popdown (self->popover);
  set_date_internal (self, NULL);
}

static void
popover_show_cb (TgDateButton *self)
{
  g_autoptr(GDateTime) local = NULL;

  if (self->date != NULL)
    local = g_date_time_to_local (self->date);
  else
    local = g_date_time_new_now_local ();
  gtk_calendar_select_day (self->calendar, local);
  gtk_spin_button_set_value (self->hour, self->date ? g_date_time_get_hour (local) : 0);
  gtk_spin_button_set_value (self->minute, self->date ? g_date_time_get_minute (local) : 0);
}

static void
tg_date_button_dispose (GObject *object)
{
  TgDateButton *self = TG_DATE_BUTTON (object);

  if (self->button != NULL)
    {
      gtk_widget_unparent (GTK_WIDGET (self->button));
      self->button = NULL;
    }
  g_clear_pointer (&self->date, g_date_time_unref);

  G_OBJECT_CLASS (tg_date_button_parent_class)->dispose (object);
}

static void
tg_date_button_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TgDateButton *self = TG_DATE_BUTTON (object);

  switch (prop_id)
    {
    case PROP_DATE:
      g_value_set_boxed (value, self->date);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_date_button_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  TgDateButton *self = TG_DATE_BUTTON (object);

  switch (prop_id)
    {
    case PROP_DATE:
      tg_date_button_set_date (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_date_button_class_init (TgDateButtonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tg_date_button_dispose;
  object_class->get_property = tg_date_button_get_property;
  object_class->set_property = tg_date_button_set_property;

  properties[PROP_DATE] =
    g_param_spec_boxed ("date", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
tg_date_button_init (TgDateButton *self)
{
  GtkWidget *box, *time_box, *buttons, *clear, *apply, *colon, *time_label;

  self->precision = TG_DATE_PRECISION_DAY;
  self->button = GTK_MENU_BUTTON (gtk_menu_button_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->button), GTK_ALIGN_CENTER);
  gtk_widget_set_parent (GTK_WIDGET (self->button), GTK_WIDGET (self));
  /* Named as the date button is ("Start date and time"). */
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->button),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self, NULL,
                                  -1);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->calendar = GTK_CALENDAR (gtk_calendar_new ());
  tg_ui_set_accessible_label (GTK_WIDGET (self->calendar), _("Day"));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->calendar));

  time_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  gtk_widget_set_halign (time_box, GTK_ALIGN_CENTER);
  time_label = gtk_label_new (_("Time"));
  self->hour = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (0, 23, 1));
  self->minute = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (0, 59, 1));
  gtk_spin_button_set_wrap (self->hour, TRUE);
  gtk_spin_button_set_wrap (self->minute, TRUE);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self->hour), GTK_ORIENTATION_VERTICAL);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self->minute), GTK_ORIENTATION_VERTICAL);
  g_signal_connect (self->hour, "output", G_CALLBACK (format_two_digits_cb), NULL);
  g_signal_connect (self->minute, "output", G_CALLBACK (format_two_digits_cb), NULL);
  tg_ui_set_accessible_label (GTK_WIDGET (self->hour), _("Hour"));
  tg_ui_set_accessible_label (GTK_WIDGET (self->minute), _("Minute"));
  colon = gtk_label_new (":");
  gtk_box_append (GTK_BOX (time_box), time_label);
  gtk_box_append (GTK_BOX (time_box), GTK_WIDGET (self->hour));
  gtk_box_append (GTK_BOX (time_box), colon);
  gtk_box_append (GTK_BOX (time_box), GTK_WIDGET (self->minute));
  gtk_box_append (GTK_BOX (box), time_box);

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_set_homogeneous (GTK_BOX (buttons), TRUE);
  clear = gtk_button_new_with_mnemonic (_("C_lear"));
  apply = gtk_button_new_with_mnemonic (_("_Set"));
  gtk_widget_add_css_class (apply, "suggested-action");
  g_signal_connect_swapped (clear, "clicked", G_CALLBACK (clear_clicked_cb), self);
  g_signal_connect_swapped (apply, "clicked", G_CALLBACK (apply_clicked_cb), self);
  gtk_box_append (GTK_BOX (buttons), clear);
  gtk_box_append (GTK_BOX (buttons), apply);
  gtk_box_append (GTK_BOX (box), buttons);

  self->popover = GTK_POPOVER (gtk_popover_new ());
  gtk_popover_set_child (self->popover, box);
  g_signal_connect_swapped (self->popover, "show", G_CALLBACK (popover_show_cb), self);
  gtk_menu_button_set_popover (self->button, GTK_WIDGET (self->popover));
  update_label (self);
}

GtkWidget *
tg_date_button_new (void)
{
  return g_object_new (TG_TYPE_DATE_BUTTON, NULL);
}

GDateTime *
tg_date_button_get_date (TgDateButton *self)
{
  g_return_val_if_fail (TG_IS_DATE_BUTTON (self), NULL);
  return self->date;
}

void
tg_date_button_set_date (TgDateButton *self,
                         GDateTime    *date)
{
  g_return_if_fail (TG_IS_DATE_BUTTON (self));
  set_date_internal (self, date);
}

void
tg_date_button_set_precision (TgDateButton    *self,
                              TgDatePrecision  precision)
{
  g_return_if_fail (TG_IS_DATE_BUTTON (self));
  self->precision = precision;
  update_label (self);
}
