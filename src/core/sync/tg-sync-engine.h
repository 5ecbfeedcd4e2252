/* tg-sync-engine.h — the sync client: one SoupSession talking to
 * testigo-server, pushing this laptop's revisions and files and pulling
 * what the server holds for it
 *
 * The engine is GTK-free; the app only drives it and shows its state. All
 * network and disk work runs off the main loop; every call may be
 * cancelled. Properties are notified in the main context that created the
 * engine. See docs/sync-protocol.md ("Order of a sync (client)").
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include "tg-store.h"
#include "tg-store-sync.h"

G_BEGIN_DECLS

#define TG_SYNC_ERROR (tg_sync_error_quark ())
GQuark tg_sync_error_quark (void);

/* Every error's message is plain words for a monitor, translated. */
typedef enum
{
  TG_SYNC_ERROR_NOT_CONFIGURED,       /* no server or no token */
  TG_SYNC_ERROR_NETWORK,              /* unreachable, DNS, connection cut, timeout */
  TG_SYNC_ERROR_TLS,                  /* handshake failed, not TLS */
  TG_SYNC_ERROR_FINGERPRINT_MISMATCH, /* the server's identity changed */
  TG_SYNC_ERROR_REVOKED,              /* 401: the organisation disconnected this laptop */
  TG_SYNC_ERROR_FORBIDDEN,            /* 403 */
  TG_SYNC_ERROR_ENROLMENT,            /* code unknown, used or expired */
  TG_SYNC_ERROR_PROTOCOL,             /* not JSON, not the protocol, 404/405/409/422 left over */
  TG_SYNC_ERROR_VERSION,              /* the server speaks another protocol version */
  TG_SYNC_ERROR_TOO_LARGE,            /* 413 */
  TG_SYNC_ERROR_RATE_LIMITED,         /* 429 (Retry-After honoured) */
  TG_SYNC_ERROR_SERVER,               /* 5xx */
  TG_SYNC_ERROR_LOCAL,                /* disk full, store error: nothing was lost */
  TG_SYNC_ERROR_BUSY,                 /* 409 with Retry-After: the server is still taking this
                                       * file from an earlier connection; sent in a later sync */
} TgSyncError;

typedef enum
{
  TG_SYNC_STATUS_NOT_CONFIGURED,
  TG_SYNC_STATUS_OFFLINE,             /* no network, or the server is unreachable */
  TG_SYNC_STATUS_SYNCING,
  TG_SYNC_STATUS_UP_TO_DATE,          /* nothing waits to leave or arrive */
  TG_SYNC_STATUS_PENDING,             /* idle, something waits (originals on a metered link, backoff) */
  TG_SYNC_STATUS_NEEDS_ATTENTION,     /* a person must act: revoked, identity changed, conflicts, version,
                                       * a file missing from this laptop */
} TgSyncStatus;

/* What the engine's status is decided from (tg_sync_status_decide()). */
typedef struct
{
  gboolean configured;        /* an account and its token */
  gboolean syncing;
  gboolean attention_error;   /* the last sync: revoked, identity changed, version */
  gboolean online;            /* a network, and the server was reachable */
  guint    n_conflicts;       /* live reports with more than one head */
  guint    n_missing_files;   /* files a live report names, gone from this laptop */
  gboolean waiting;           /* something to send, held back, backing off, an error to retry */
} TgSyncStatusFacts;

/* The status those facts make, in this order: not configured, syncing,
 * an attention error, offline, conflicts or missing files (needs
 * attention), waiting (pending), else up to date. Pure. */
TgSyncStatus tg_sync_status_decide (const TgSyncStatusFacts *facts);

/* What the server says the enrolled account is: a monitor, or a
 * coordinator (who gets the workspace). UNKNOWN before enrolment and
 * with a server that does not say (older than the role in the protocol);
 * the app then shows only the monitor's views. */
typedef enum
{
  TG_SYNC_ROLE_UNKNOWN,
  TG_SYNC_ROLE_MONITOR,
  TG_SYNC_ROLE_COORDINATOR,
} TgSyncRole;

typedef enum
{
  TG_SYNC_FLAGS_NONE           = 0,
  TG_SYNC_FLAGS_SEND_ORIGINALS = 1 << 0,  /* this sync sends originals even on a metered link */
} TgSyncFlags;

/* What GET /api/v1/info said, and the certificate the TLS layer saw. */
typedef struct
{
  char   *server_uri;
  char   *fingerprint;        /* of the certificate seen, "AB:CD:…" upper-case */
  char   *version;
  int     api;
  gint64  clock_offset_us;    /* server minus laptop, half the round trip allowed for */
} TgSyncServerInfo;

void tg_sync_server_info_free (TgSyncServerInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TgSyncServerInfo, tg_sync_server_info_free)

/* Normalises a fingerprint typed or pasted by a person (spaces, colons,
 * case) to "AB:CD:…"; NULL if it is not 32 bytes of hex. */
char *tg_sync_normalize_fingerprint (const char *text);

#define TG_TYPE_SYNC_ENGINE (tg_sync_engine_get_type ())
G_DECLARE_FINAL_TYPE (TgSyncEngine, tg_sync_engine, TG, SYNC_ENGINE, GObject)

/* @monitor: NULL for g_network_monitor_get_default(); tests pass their own
 * to fake metered and offline links. */
TgSyncEngine *tg_sync_engine_new          (TgStore          *store,
                                           GNetworkMonitor  *monitor);
TgStore      *tg_sync_engine_get_store    (TgSyncEngine     *self);

/* First contact: GET info without a pin; the caller shows the fingerprint
 * seen beside the one the admin gave. */
void              tg_sync_engine_probe_async   (TgSyncEngine        *self,
                                                const char          *server_uri,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
TgSyncServerInfo *tg_sync_engine_probe_finish  (TgSyncEngine        *self,
                                                GAsyncResult        *result,
                                                GError             **error);

/* Enrols with @code, pinning @fingerprint (the connection is refused with
 * TG_SYNC_ERROR_FINGERPRINT_MISMATCH if the server shows another), and
 * stores the account in the store. Returns the device token: the caller
 * keeps it in the keyring (tg-sync-credentials.h) and hands it back with
 * tg_sync_engine_set_token(). */
void   tg_sync_engine_enrol_async   (TgSyncEngine        *self,
                                     const char          *server_uri,
                                     const char          *fingerprint,
                                     const char          *code,
                                     const char          *device_name,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
char  *tg_sync_engine_enrol_finish  (TgSyncEngine        *self,
                                     GAsyncResult        *result,
                                     GError             **error);

/* The token for the store's account; NULL until the keyring answered. */
void   tg_sync_engine_set_token     (TgSyncEngine        *self,
                                     const char          *token);
/* Forgets the account and the token (not the queue, nothing local). */
void   tg_sync_engine_disconnect    (TgSyncEngine        *self);

/* One sync: info (pin, clock), push, thumbnails, originals (unless held
 * back), pull. One sync at a time: a call while one runs joins it. The
 * entry is also added to the store's history. */
void         tg_sync_engine_sync_async  (TgSyncEngine        *self,
                                         TgSyncFlags          flags,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
TgSyncEntry *tg_sync_engine_sync_finish (TgSyncEngine        *self,
                                         GAsyncResult        *result,
                                         GError             **error);
/* Cancels the sync under way, if any. */
void         tg_sync_engine_cancel      (TgSyncEngine        *self);

/* Automatic syncs: when the network appears, every @interval while online,
 * and after an error with exponential backoff and jitter (Retry-After
 * honoured). Off by default. */
void   tg_sync_engine_set_automatic (TgSyncEngine        *self,
                                     gboolean             automatic);
/* Defaults 300 s, 5 s, 30 min; tests shorten them. */
void   tg_sync_engine_set_timing    (TgSyncEngine        *self,
                                     guint                interval_s,
                                     guint                backoff_min_ms,
                                     guint                backoff_max_ms);
/* Originals on a metered link (default FALSE: held back). */
void   tg_sync_engine_set_send_originals_on_metered (TgSyncEngine *self,
                                                     gboolean      send);
/* Upload chunk size in bytes (default 1 MiB); each chunk is verified by
 * the server and is the most ever re-sent after a cut. */
void   tg_sync_engine_set_chunk_size (TgSyncEngine       *self,
                                      gsize               chunk_size);

TgSyncStatus tg_sync_engine_get_status        (TgSyncEngine *self);
/* 0…1 while syncing, -1 when unknown or idle. */
double       tg_sync_engine_get_progress      (TgSyncEngine *self);
/* What is happening now, plain words ("Sending files: 3 of 10"), or NULL. */
const char  *tg_sync_engine_get_phase         (TgSyncEngine *self);
/* unix µs of the last sync that ended OK or PARTIAL; 0 if never. */
gint64       tg_sync_engine_get_last_success  (TgSyncEngine *self);
/* The last sync's error in plain words, NULL after a good sync. */
const char  *tg_sync_engine_get_last_error    (TgSyncEngine *self);
/* TRUE with the code of the last error, for the UI's buttons (re-enrol). */
gboolean     tg_sync_engine_get_last_error_code (TgSyncEngine *self,
                                                 TgSyncError  *code);
/* Server minus laptop at the last contact, µs; 0 if never. */
gint64       tg_sync_engine_get_clock_offset  (TgSyncEngine *self);
/* The account's role: from the stored account once it is read (shortly
 * after tg_sync_engine_new()), from enrolment, and from every sync (the
 * server says it on each pull, so a changed role arrives with the next
 * sync). Notified as "role"; UNKNOWN after disconnect. */
TgSyncRole   tg_sync_engine_get_role          (TgSyncEngine *self);
/* Files a live report names that are gone from this laptop, as last
 * counted (after each sync and each local change); 0 before the count. */
guint        tg_sync_engine_get_n_missing_files (TgSyncEngine *self);
/* TCP connections opened so far (a test checks they are reused). */
guint        tg_sync_engine_get_n_connections (TgSyncEngine *self);

/* Properties (all read-only, notified in the engine's main context):
 *   "status"       TgSyncStatus (as int)
 *   "progress"     double
 *   "phase"        string
 *   "last-success" int64
 *   "last-error"   string
 *   "clock-offset" int64
 *   "role"         TgSyncRole (as int)
 * Signals:
 *   "finished"     (TgSyncEntry *entry) after every sync, manual or not. */

G_END_DECLS
