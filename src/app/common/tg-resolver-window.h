/* tg-resolver-window.h — the window of a conflict resolver: versions,
 * choices, notice, progress, saving; what a subclass resolves is its own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "tg-choice-group.h"

G_BEGIN_DECLS

#define TG_TYPE_RESOLVER_WINDOW (tg_resolver_window_get_type ())
G_DECLARE_DERIVABLE_TYPE (TgResolverWindow, tg_resolver_window, TG, RESOLVER_WINDOW, AdwWindow)

/* Properties: "state" (string, read-only) — "loading", "choosing",
 * "saving", "saved", "nothing" (one version only), "error"; "intro",
 * "history-note" (strings, write-only: the text above and below the
 * choices), "save-label" (string, write-only: the Save button, with a
 * mnemonic). The window's "title" is also its header's. A subclass sets
 * them in its own template. */
struct _TgResolverWindowClass
{
  AdwWindowClass parent_class;

  /* Starts loading the versions (on a worker thread, with @cancellable);
   * ends with tg_resolver_window_show_choices(), _show_nothing() or
   * _load_failed(). */
  void  (*load)              (TgResolverWindow *self,
                              GCancellable     *cancellable);
  /* Every choice has an answer (the "resolver.save" action, Ctrl+S):
   * builds what was chosen and saves it, between
   * tg_resolver_window_begin_saving() and _saved() or _save_failed(). */
  void  (*save)              (TgResolverWindow *self);
  /* The progress line while choosing, @chosen of @n (@n > 0). */
  char *(*describe_progress) (TgResolverWindow *self,
                              guint             chosen,
                              guint             n);
};

const char *tg_resolver_window_get_state     (TgResolverWindow *self);
/* The message shown above the choices ("Another change arrived…"), or
 * NULL. */
const char *tg_resolver_window_get_notice    (TgResolverWindow *self);
void        tg_resolver_window_set_notice    (TgResolverWindow *self,
                                              const char       *notice);
/* How many values differ (TgChoiceGroup shown), and how many of them
 * have an answer. */
guint       tg_resolver_window_get_n_choices (TgResolverWindow *self);
guint       tg_resolver_window_get_n_chosen  (TgResolverWindow *self);

/* Loads the versions (the class's load), showing the spinner. */
void        tg_resolver_window_load          (TgResolverWindow *self);
/* Keeps what is chosen and written, says @notice, and loads the versions
 * again: choices come back where their version (or its value) still is,
 * and the notice says which fell back (see TgChoiceMemory). */
void        tg_resolver_window_reload        (TgResolverWindow *self,
                                              const char       *notice);

/* Building the versions once loaded: clears the previous ones and shows
 * @subtitle under the title; then the subclass adds a row per version
 * and a group per differing value, and calls _show_choices(). */
void        tg_resolver_window_begin_choices (TgResolverWindow *self,
                                              const char       *subtitle);
void        tg_resolver_window_add_version   (TgResolverWindow *self,
                                              guint             index,
                                              const char       *who,
                                              const char       *when,
                                              const char       *rev_id);
void        tg_resolver_window_add_choice    (TgResolverWindow *self,
                                              TgChoiceGroup    *group);
void        tg_resolver_window_show_choices  (TgResolverWindow *self);
/* What was written as one's own for @key before a reload, or NULL: a
 * subclass shows that value even where the versions now agree. */
const char *tg_resolver_window_get_kept_typed (TgResolverWindow *self,
                                               const char       *key);

/* A single version: nothing to resolve, saying @description. */
void        tg_resolver_window_show_nothing  (TgResolverWindow *self,
                                              const char       *description);
/* Loading failed (cancelled: nothing is shown). */
void        tg_resolver_window_load_failed   (TgResolverWindow *self,
                                              const GError     *error);

/* Saving: the choices are insensitive and @progress is shown; quitting
 * waits for the save. Then _saved() (the subclass emits its signal and
 * the window closes) or _save_failed(): TG_ERROR_CONFLICT (another change
 * arrived) reloads saying @conflict_notice (or the error's message when
 * NULL), any other error says @failed and goes back to choosing. */
void        tg_resolver_window_begin_saving  (TgResolverWindow *self,
                                              const char       *progress);
void        tg_resolver_window_saved         (TgResolverWindow *self);
void        tg_resolver_window_save_failed   (TgResolverWindow *self,
                                              const GError     *error,
                                              const char       *conflict_notice,
                                              const char       *failed);

/* Shows the notice as a banner with @css_class (no margins of its own). */
void        tg_resolver_window_style_notice  (TgResolverWindow *self,
                                              const char       *css_class);

G_END_DECLS
