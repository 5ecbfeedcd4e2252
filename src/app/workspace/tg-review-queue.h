/* tg-review-queue.h — the coordinator's queue of duplicate candidates
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* One pair of reports that may describe the same event, as the queue
 * shows it: each report's id, title and "place · date" line, the score
 * (the dedupe engine's match weight) and its explanation in plain words, field by field. The
 * workspace view makes them from core's candidates; @data is the core
 * candidate it came from, handed back on confirm or dismiss. */
#define TG_TYPE_QUEUE_ITEM (tg_queue_item_get_type ())
G_DECLARE_FINAL_TYPE (TgQueueItem, tg_queue_item, TG, QUEUE_ITEM, GObject)

TgQueueItem *tg_queue_item_new              (const char     *first_id,
                                             const char     *first_title,
                                             const char     *first_line,
                                             const char     *second_id,
                                             const char     *second_title,
                                             const char     *second_line,
                                             double          score,
                                             const char     *explanation);
const char  *tg_queue_item_get_id           (TgQueueItem    *self,
                                             guint           which);   /* 0 or 1 */
const char  *tg_queue_item_get_title        (TgQueueItem    *self,
                                             guint           which);
const char  *tg_queue_item_get_line         (TgQueueItem    *self,
                                             guint           which);
double       tg_queue_item_get_score        (TgQueueItem    *self);
const char  *tg_queue_item_get_explanation  (TgQueueItem    *self);
/* "“…” and “…”, score 12.5: same day, 350 m apart, …", for screen readers. */
char        *tg_queue_item_dup_sentence     (TgQueueItem    *self);
void         tg_queue_item_set_data         (TgQueueItem    *self,
                                             gpointer        data,
                                             GDestroyNotify  destroy);
gpointer     tg_queue_item_get_data         (TgQueueItem    *self);

#define TG_TYPE_REVIEW_QUEUE (tg_review_queue_get_type ())
G_DECLARE_FINAL_TYPE (TgReviewQueue, tg_review_queue, TG, REVIEW_QUEUE, GtkWidget)

/* A GtkColumnView of the pairs: the two reports, the score and why.
 * Keys (shown in the shortcuts window): N or J the next pair, P or K the
 * one before, C or Enter confirm (then the merge view), D dismiss. Actions
 * "queue.next", "queue.previous", "queue.confirm", "queue.dismiss".
 *
 * Signals "confirmed" and "dismissed" (TgQueueItem *): the owner does the
 * work (in core, off the main loop) and removes the pair with
 * tg_review_queue_remove(). */
GtkWidget   *tg_review_queue_new            (void);
/* @items: GListModel of TgQueueItem (the queue keeps its own copy). */
void         tg_review_queue_set_items      (TgReviewQueue  *self,
                                             GListModel     *items);
/* While TRUE a spinner says the candidates are being found. */
void         tg_review_queue_set_busy       (TgReviewQueue  *self,
                                             gboolean        busy,
                                             const char     *message);
void         tg_review_queue_remove         (TgReviewQueue  *self,
                                             TgQueueItem    *item);
TgQueueItem *tg_review_queue_get_selected   (TgReviewQueue  *self);
guint        tg_review_queue_get_n_items    (TgReviewQueue  *self);
void         tg_review_queue_focus          (TgReviewQueue  *self);

G_END_DECLS
