/* tg-date-button.c — a date typed in the locale's order, or picked on a calendar
 *
 * A text field takes the date (and the time) as the locale writes dates,
 * "09/01/2023 15:42" in Spanish, "01/09/2023 15:42" in American English;
 * the button beside it opens a calendar with the time of day and
 * "Clear"/"Set". Typed text is applied as soon as it is a whole date
 * with a four-digit year, and on Enter or when the field is left; text
 * that is not a date leaves the date as it was and gets a message under
 * the field. The date is a local time; "notify::date" fires when the
 * person changes it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-date-button"

#include "config.h"

#include <glib/gi18n.h>
#include <langinfo.h>
#include <string.h>

#include "tg-date-button.h"
#include "tg-ui-util.h"

struct _TgDateButton
{
  GtkWidget        parent_instance;

  GtkWidget       *box;
  GtkEntry        *entry;
  GtkMenuButton   *button;
  GtkLabel        *error_label;
  GtkPopover      *popover;
  GtkCalendar     *calendar;
  GtkSpinButton   *hour;
  GtkSpinButton   *minute;
  GDateTime       *date;
  char            *error;
  TgDatePrecision  precision;
  TgDateLayout     layout;
  gboolean         typing;  /* the date comes from the text: leave the text alone */
  gboolean         disposed;
};

G_DEFINE_FINAL_TYPE (TgDateButton, tg_date_button, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_DATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Layout ------------------------------------------------------------------ */

static gboolean
layout_add (TgDateLayout *layout,
            guint        *n,
            char          field)
{
  for (guint i = 0; i < *n; i++)
    if (layout->order[i] == field)
      return FALSE;
  if (*n >= 3)
    return FALSE;
  layout->order[(*n)++] = field;
  return TRUE;
}

void
tg_date_layout_init_from_format (TgDateLayout *layout,
                                 const char   *d_fmt)
{
  guint n = 0;
  gboolean ok = TRUE;
  char separator = 0;

  g_return_if_fail (layout != NULL);

  for (const char *p = d_fmt ? d_fmt : ""; *p != '\0' && ok; p++)
    {
      if (*p != '%')
        {
          if (separator == 0 && n > 0 && strchr ("/.-", *p) != NULL)
            separator = *p;
          continue;
        }
      p++;
      /* Flags, width and the E and O modifiers. */
      while (*p != '\0' && strchr ("-_0^#EO123456789", *p) != NULL)
        p++;
      switch (*p)
        {
        case 'd': case 'e':
          ok = layout_add (layout, &n, 'd');
          break;
        case 'm': case 'b': case 'B': case 'h':
          ok = layout_add (layout, &n, 'm');
          break;
        case 'y': case 'Y': case 'G': case 'g':
          ok = layout_add (layout, &n, 'y');
          break;
        case 'D':
          ok = layout_add (layout, &n, 'm') && layout_add (layout, &n, 'd') && layout_add (layout, &n, 'y');
          separator = separator ? separator : '/';
          break;
        case 'F':
          ok = layout_add (layout, &n, 'y') && layout_add (layout, &n, 'm') && layout_add (layout, &n, 'd');
          separator = separator ? separator : '-';
          break;
        case '\0':
          p--;
          break;
        default:
          break;
        }
    }

  if (!ok || n != 3)
    {
      /* Nothing usable: ISO 8601, which no one misreads. */
      memcpy (layout->order, "ymd", 3);
      separator = '-';
    }
  if (separator == 0)
    separator = layout->order[0] == 'y' ? '-' : '/';
  layout->separator = separator;
}

void
tg_date_layout_init_from_locale (TgDateLayout *layout)
{
  tg_date_layout_init_from_format (layout, nl_langinfo (D_FMT));
}

char *
tg_date_layout_placeholder (const TgDateLayout *layout,
                            gboolean            with_time)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < 3; i++)
    {
      if (i > 0)
        g_string_append_c (text, layout->separator);
      switch (layout->order[i])
        {
        case 'd':
          /* Translators: stands for the day in a date to type, as in "dd/mm/yyyy" */
          g_string_append (text, C_("typed date", "dd"));
          break;
        case 'm':
          /* Translators: stands for the month in a date to type, as in "dd/mm/yyyy" */
          g_string_append (text, C_("typed date", "mm"));
          break;
        default:
          /* Translators: stands for the year in a date to type, as in "dd/mm/yyyy" */
          g_string_append (text, C_("typed date", "yyyy"));
          break;
        }
    }
  if (with_time)
    /* Translators: hours and minutes of a time to type, as in "15:42" */
    g_string_append_printf (text, " %s", C_("typed date", "hh:mm"));
  return g_string_free (text, FALSE);
}

char *
tg_date_layout_format (const TgDateLayout *layout,
                       GDateTime          *date,
                       gboolean            with_time)
{
  g_autoptr(GDateTime) local = NULL;
  GString *text;

  if (date == NULL)
    return g_strdup ("");

  local = g_date_time_to_local (date);
  text = g_string_new (NULL);
  for (guint i = 0; i < 3; i++)
    {
      if (i > 0)
        g_string_append_c (text, layout->separator);
      switch (layout->order[i])
        {
        case 'd':
          g_string_append_printf (text, "%02d", g_date_time_get_day_of_month (local));
          break;
        case 'm':
          g_string_append_printf (text, "%02d", g_date_time_get_month (local));
          break;
        default:
          g_string_append_printf (text, "%04d", g_date_time_get_year (local));
          break;
        }
    }
  if (with_time)
    g_string_append_printf (text, " %02d:%02d", g_date_time_get_hour (local),
                            g_date_time_get_minute (local));
  return g_string_free (text, FALSE);
}

/* "pm", "p.m.", "p. m." and the locale's own words, without dots,
 * spaces and case. */
static char *
normalise_marker (const char *text)
{
  g_autofree char *down = g_utf8_strdown (text, -1);
  GString *out = g_string_new (NULL);

  for (const char *p = down; *p != '\0'; p++)
    if (*p != '.' && *p != ' ')
      g_string_append_c (out, *p);
  return g_string_free (out, FALSE);
}

static int
day_period (const char *text)
{
  g_autofree char *marker = normalise_marker (text);
  g_autofree char *am = normalise_marker (nl_langinfo (AM_STR));
  g_autofree char *pm = normalise_marker (nl_langinfo (PM_STR));

  if (g_str_equal (marker, "am") || (*am != '\0' && g_str_equal (marker, am)))
    return 0;
  if (g_str_equal (marker, "pm") || (*pm != '\0' && g_str_equal (marker, pm)))
    return 12;
  return -1;
}

static gboolean
read_number (const char **p,
             guint        max_digits,
             int         *value,
             guint       *digits)
{
  *value = 0;
  *digits = 0;
  while (g_ascii_isdigit (**p))
    {
      if (++*digits > max_digits)
        return FALSE;
      *value = *value * 10 + (**p - '0');
      (*p)++;
    }
  return *digits > 0;
}

static GDateTime *
not_a_date (const TgDateLayout  *layout,
            GError             **error)
{
  g_autofree char *date = tg_date_layout_placeholder (layout, FALSE);
  g_autofree char *both = tg_date_layout_placeholder (layout, TRUE);

  /* Translators: the two %s are "dd/mm/yyyy" and "dd/mm/yyyy hh:mm" as translated above */
  g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
               _("Not a date. Type it as %s, or %s with the time."), date, both);
  return NULL;
}

GDateTime *
tg_date_layout_parse (const TgDateLayout  *layout,
                      const char          *text,
                      GTimeZone           *tz,
                      gboolean            *full,
                      GError             **error)
{
  g_autofree char *copy = g_strstrip (g_strdup (text ? text : ""));
  const char *p = copy;
  int numbers[3], year = 0, month = 0, day = 0, hour = 0, minute = 0;
  guint digits[3], hour_digits, minute_digits;
  gboolean iso;

  if (full != NULL)
    *full = FALSE;
  if (*copy == '\0')
    return NULL;

  for (guint i = 0; i < 3; i++)
    {
      if (i > 0)
        {
          if (*p == '\0' || strchr ("/.-", *p) == NULL)
            return not_a_date (layout, error);
          p++;
        }
      if (!read_number (&p, 4, &numbers[i], &digits[i]))
        return not_a_date (layout, error);
    }

  /* A four-digit first number can only be a year: ISO 8601. */
  iso = digits[0] == 4;
  for (guint i = 0; i < 3; i++)
    {
      char field = iso ? "ymd"[i] : layout->order[i];

      if (field == 'y')
        {
          if (digits[i] == 4)
            year = numbers[i];
          else if (digits[i] == 2)
            {
              g_autoptr(GDateTime) now = g_date_time_new_now (tz);
              int this_year = g_date_time_get_year (now);

              year = this_year / 100 * 100 + numbers[i];
              if (year > this_year)
                year -= 100;
            }
          else
            return not_a_date (layout, error);
          if (full != NULL)
            *full = digits[i] == 4;
        }
      else if (digits[i] > 2)
        return not_a_date (layout, error);
      else if (field == 'm')
        month = numbers[i];
      else
        day = numbers[i];
    }

  /* The time: "15:42", "3:42 pm", after a space or ISO's "T". */
  if (*p == 'T' || *p == 't' || *p == ' ')
    {
      p++;
      while (*p == ' ')
        p++;
      if (!read_number (&p, 2, &hour, &hour_digits) || *p != ':')
        return not_a_date (layout, error);
      p++;
      if (!read_number (&p, 2, &minute, &minute_digits) || minute_digits != 2)
        return not_a_date (layout, error);
      if (*p == ':')
        {
          int seconds;
          guint second_digits;

          /* Seconds are read and dropped: the field keeps minutes. */
          p++;
          if (!read_number (&p, 2, &seconds, &second_digits) || second_digits != 2)
            return not_a_date (layout, error);
        }
      while (*p == ' ')
        p++;
      if (*p != '\0')
        {
          int offset = day_period (p);

          if (offset < 0 || hour < 1 || hour > 12)
            return not_a_date (layout, error);
          hour = hour % 12 + offset;
          p += strlen (p);
        }
      if (hour > 23 || minute > 59)
        {
          g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                       _("There is no time %02d:%02d: hours go from 00 to 23, minutes from 00 to 59."),
                       hour, minute);
          return NULL;
        }
    }
  if (*p != '\0')
    return not_a_date (layout, error);

  if (year < 1 || year > 9999)
    return not_a_date (layout, error);
  if (month < 1 || month > 12)
    {
      /* Translators: %d is a number that is not 1 to 12 */
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   _("There is no month %d: months go from 1 to 12."), month);
      return NULL;
    }
  if (day < 1 || day > g_date_get_days_in_month (month, year))
    {
      g_autoptr(GDateTime) first = g_date_time_new (tz, year, month, 1, 0, 0, 0);
      /* Translators: a month and year, "February 2023"; see g_date_time_format() */
      g_autofree char *name = first ? g_date_time_format (first, _("%B %Y")) : g_strdup_printf ("%d/%d", month, year);

      /* Translators: the first %s is a month and year ("February 2023") */
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   _("There is no day %d in %s: it has %d days."),
                   day, name, g_date_get_days_in_month (month, year));
      return NULL;
    }

  return g_date_time_new (tz, year, month, day, hour, minute, 0);
}

/* The widget ---------------------------------------------------------------- */

static gboolean
shows_time (TgDateButton *self)
{
  g_autoptr(GDateTime) local = NULL;

  if (self->date == NULL)
    return FALSE;
  if (self->precision == TG_DATE_PRECISION_EXACT)
    return TRUE;
  local = g_date_time_to_local (self->date);
  return g_date_time_get_hour (local) != 0 || g_date_time_get_minute (local) != 0;
}

static void
show_error (TgDateButton *self,
            const char   *text)
{
  if (g_strcmp0 (self->error, text) == 0)
    return;
  g_free (self->error);
  self->error = g_strdup (text);
  gtk_label_set_text (self->error_label, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), text != NULL);
  if (text != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->entry), "error");
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->entry),
                               GTK_ACCESSIBLE_STATE_INVALID,
                               text ? GTK_ACCESSIBLE_INVALID_TRUE : GTK_ACCESSIBLE_INVALID_FALSE,
                               -1);
  if (text != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->entry),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                    -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self->entry),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
}

static void
update_text (TgDateButton *self)
{
  g_autofree char *text = tg_date_layout_format (&self->layout, self->date, shows_time (self));
  g_autofree char *shown = tg_ui_format_date (self->date, self->precision);

  self->typing = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->entry), text);
  self->typing = FALSE;
  show_error (self, NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->entry), shown);
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
                   GDateTime    *date,
                   gboolean      typed)
{
  if (self->date == date ||
      (self->date != NULL && date != NULL && g_date_time_equal (self->date, date)))
    {
      if (!typed)
        update_text (self);
      return;
    }
  g_clear_pointer (&self->date, g_date_time_unref);
  if (date != NULL)
    self->date = g_date_time_ref (date);
  if (!typed)
    update_text (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATE]);
}

/* @finished: the person pressed Enter or left the field, so text that is
 * not a date gets its message now. */
static void
apply_text (TgDateButton *self,
            gboolean      finished)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(GError) error = NULL;
  gboolean full = FALSE;

  /* Leaving the field as the window closes is no edit. */
  if (self->disposed)
    return;
  date = tg_date_layout_parse (&self->layout, text, tz, &full, &error);
  if (error != NULL)
    {
      if (finished)
        show_error (self, error->message);
      else
        show_error (self, NULL);
      return;
    }
  /* While typing, only a date with its whole year: "9/1/20" may still
   * become "9/1/2023". */
  if (!finished && date != NULL && !full)
    return;
  show_error (self, NULL);
  self->typing = TRUE;
  set_date_internal (self, date, TRUE);
  self->typing = FALSE;
  if (finished)
    {
      g_autofree char *shown = tg_ui_format_date (self->date, self->precision);

      gtk_widget_set_tooltip_text (GTK_WIDGET (self->entry), shown);
    }
}

static void
entry_changed_cb (TgDateButton *self)
{
  if (self->typing)
    return;
  apply_text (self, FALSE);
}

static void
entry_activate_cb (TgDateButton *self)
{
  apply_text (self, TRUE);
}

static void
focus_leave_cb (TgDateButton *self)
{
  apply_text (self, TRUE);
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
  set_date_internal (self, date, FALSE);
}

static void
clear_clicked_cb (TgDateButton *self)
{
  gtk_popover_popdown (self->popover);
  set_date_internal (self, NULL, FALSE);
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

  self->disposed = TRUE;
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_pointer (&self->date, g_date_time_unref);
  g_clear_pointer (&self->error, g_free);

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
  GtkWidget *field, *box, *time_box, *buttons, *clear, *apply, *colon, *time_label;
  GtkEventController *focus;
  g_autofree char *placeholder = NULL;

  self->precision = TG_DATE_PRECISION_DAY;
  tg_date_layout_init_from_locale (&self->layout);

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_valign (self->box, GTK_ALIGN_CENTER);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  field = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_add_css_class (field, "linked");
  gtk_widget_set_halign (field, GTK_ALIGN_END);
  gtk_box_append (GTK_BOX (self->box), field);

  self->entry = GTK_ENTRY (gtk_entry_new ());
  placeholder = tg_date_layout_placeholder (&self->layout, TRUE);
  gtk_entry_set_placeholder_text (self->entry, placeholder);
  gtk_editable_set_width_chars (GTK_EDITABLE (self->entry), 16);
  /* Named after the date button itself ("Start date and time"). */
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->entry),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self, NULL,
                                  -1);
  g_signal_connect_swapped (self->entry, "changed", G_CALLBACK (entry_changed_cb), self);
  g_signal_connect_swapped (self->entry, "activate", G_CALLBACK (entry_activate_cb), self);
  focus = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (focus, "leave", G_CALLBACK (focus_leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->entry), focus);
  gtk_box_append (GTK_BOX (field), GTK_WIDGET (self->entry));

  self->button = GTK_MENU_BUTTON (gtk_menu_button_new ());
  gtk_menu_button_set_icon_name (self->button, "x-office-calendar-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->button), _("Choose on a Calendar"));
  tg_ui_set_accessible_label (GTK_WIDGET (self->button), _("Choose on a calendar"));
  /* The toggle inside the menu button is what a screen reader presses:
   * it gets the name too. */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->button));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_BUTTON (child))
      tg_ui_set_accessible_label (child, _("Choose on a calendar"));
  gtk_box_append (GTK_BOX (field), GTK_WIDGET (self->button));

  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->error_label, TRUE);
  gtk_label_set_max_width_chars (self->error_label, 36);
  gtk_label_set_xalign (self->error_label, 1);
  gtk_label_set_justify (self->error_label, GTK_JUSTIFY_RIGHT);
  gtk_widget_set_halign (GTK_WIDGET (self->error_label), GTK_ALIGN_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "error");
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "tg-field-error");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->error_label));

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
  update_text (self);
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
  /* Called back while the typed text is being applied: the text stays
   * as the person typed it. */
  set_date_internal (self, date, self->typing);
}

void
tg_date_button_set_precision (TgDateButton    *self,
                              TgDatePrecision  precision)
{
  g_return_if_fail (TG_IS_DATE_BUTTON (self));
  if (self->precision == precision)
    return;
  self->precision = precision;
  if (!self->typing && self->error == NULL)
    update_text (self);
}
