/* tg-server-conn.c — testigo-server's connections: accept, limits, timeouts
 *
 * libsoup 3.2.3 never releases a keep-alive connection that its client
 * closes between two requests: the message waiting for the next request
 * has no completion callback yet (it gets one with the first byte of the
 * request), so its read error closes nothing, and the socket stays in
 * CLOSE-WAIT with its file descriptor and buffers, forever (fixed upstream
 * in 3.3.0). Its server also reads a request's whole body, into memory,
 * before it sends a refusal decided from the headers, and it has no notion
 * of a slow client.
 *
 * So the server accepts connections itself, does the TLS handshake, and
 * hands libsoup (soup_server_accept_iostream) a stream of its own over each
 * connection. Through that stream it knows each connection's state
 * (handshake, headers, body, the handler's work, idle between requests)
 * and can end it in any state:
 *
 * - the peer's close is watched on the socket (POLLRDHUP) even while
 *   libsoup is not reading, e.g. while a handler is paused;
 * - to close a connection the socket is closed at once (the descriptor is
 *   released now) and libsoup's side of the stream fails its next read or
 *   write, so that libsoup ends the message and frees the connection. When
 *   the connection is idle between requests, the stream first hands
 *   libsoup two bytes of a request line, which makes libsoup start a
 *   message with a completion callback, whose error then disconnects;
 * - a refusal decided from the headers is written by this code directly
 *   (tg_server_conns_refuse), the connection half-closed and drained for a
 *   moment so that the client reads it, then closed: the body is never
 *   read;
 * - a timer enforces header-timeout, min-body-rate over body-timeout,
 *   idle-timeout and request-timeout (a response the client does not read);
 * - connections are counted per client address and in total at accept,
 *   and new TLS connections per client address and second (a token
 *   bucket), so that no TLS work is spent on one over the limits.
 *
 * libsoup keeps connections alive only while it has a listening socket of
 * its own: it gets one on a Unix socket whose name is removed at once, so
 * that nothing can ever connect to it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "testigo-server"

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include "tg-server-conn.h"
#include "tg-server-decode.h"

#ifndef POLLRDHUP
#define POLLRDHUP 0x2000
#endif

/* how often deadlines are checked */
#define TICK_MS 250
/* after a refusal, how long the client's unread bytes are drained so that
 * the close does not reset the connection before it read the response */
#define LINGER_US (2 * G_USEC_PER_SEC)
/* ... and at most this much of them: past it the client is not reading */
#define LINGER_BYTES (64 << 20)
#define ACCEPT_BATCH 64
/* TLS handshakes running at once for one client address: each holds a
 * thread of GIO's pool while it waits for the client */
#define MAX_HANDSHAKES_PER_ADDRESS 4
/* ... and for all addresses: GIO's pool starts with 10 threads and grows
 * slowly, and upload completions need it too */
#define MAX_HANDSHAKES 8
/* while connections wait for a slot, a handshake that has run this long
 * (the client has not answered the server's first flight) is cut, the
 * oldest first */
#define HANDSHAKE_GRACE_US G_USEC_PER_SEC
/* client addresses whose handshake-rate buckets are kept: past it the full
 * ones (the same as none) are forgotten, and all of them when most are
 * still in use */
#define HANDSHAKE_BUCKETS_MAX 4096

typedef enum
{
  CONN_HANDSHAKE,    /* TLS handshake */
  CONN_HEADERS,      /* waiting for or reading a request's headers */
  CONN_BODY,         /* reading a request's body */
  CONN_PROCESSING,   /* the handler's work and the response */
  CONN_IDLE,         /* between requests */
  CONN_CLOSING,      /* a refusal being sent, then drained */
} ConnState;

typedef struct _Conn Conn;

typedef struct
{
  double tokens;
  gint64 last_us;
} HandshakeBucket;

struct _TgServerConns
{
  SoupServer      *soup;
  TgServerConfig  *config;
  GTlsCertificate *certificate;
  GSocket         *listen_socket;
  GSource         *accept_source;
  guint            accept_retry;
  GQueue           conns;         /* Conn, one reference each */
  GHashTable      *per_address;   /* address → open sockets */
  GHashTable      *handshakes;    /* address → handshakes running */
  GHashTable      *handshake_buckets; /* address → HandshakeBucket: new TLS connections */
  void           (*throttled_func) (const char *host, gpointer data);
  gpointer         throttled_data;
  guint            handshakes_running;
  guint64          handshakes_cut; /* for the log */
  gint64           handshakes_cut_logged_us;
  guint            open_sockets;
  guint            tick;
  gulong           request_started_id;
  void           (*refused_func) (SoupServerMessage *msg, gpointer data);
  gpointer         refused_data;
  guint64          refused;       /* connections refused at accept, for the log */
  gint64           refused_logged_us;
};

struct _Conn
{
  gint            ref_count;
  TgServerConns  *conns;          /* NULL once the server is gone */
  GList           link;
  GSocket        *socket;
  GIOStream      *base;           /* GSocketConnection or GTlsServerConnection */
  GInputStream   *base_in;
  GOutputStream  *base_out;
  GSocketAddress *local;
  GSocketAddress *remote;
  char           *ip;
  GCancellable   *wake;           /* cancelled when libsoup's side must fail */
  GCancellable   *handshake_cancel;
  GSource        *hup_source;
  GSource        *linger_source;
  GSource        *hello_source;   /* waiting for a whole ClientHello record */
  gboolean        handshaking;    /* a handshake runs in GIO's thread pool */
  gboolean        hello_ready;    /* its ClientHello is in; waits for a handshake slot */
  gint64          handshake_started;
  gboolean        peer_closed;    /* the client shut its side while libsoup read */
  ConnState       state;
  gint64          since;          /* when the state began */
  gint64          window_start;   /* body rate */
  gint64          window_bytes;
  gint64          lingered;       /* bytes drained after a refusal */
  gint64          write_blocked_since;
  guint           inject_left;    /* bytes of a request line left for libsoup */
  gboolean        dead;           /* libsoup's reads and writes fail */
  gboolean        soup_owned;     /* libsoup holds the stream, not yet closed */
  gboolean        socket_closed;
  gboolean        refusing;
};

static GQuark conn_quark;

static void conn_kill (Conn *conn, const char *why);
static void conn_start_handshake (Conn *conn);
static void conns_schedule_handshakes (TgServerConns *conns);

static Conn *
conn_ref (Conn *conn)
{
  g_atomic_int_inc (&conn->ref_count);
  return conn;
}

static void
conn_unref (Conn *conn)
{
  if (!g_atomic_int_dec_and_test (&conn->ref_count))
    return;
  g_assert (conn->hup_source == NULL && conn->linger_source == NULL && conn->hello_source == NULL);
  if (conn->remote != NULL)
    g_object_set_qdata (G_OBJECT (conn->remote), conn_quark, NULL);
  g_clear_object (&conn->base);
  g_clear_object (&conn->socket);
  g_clear_object (&conn->local);
  g_clear_object (&conn->remote);
  g_clear_object (&conn->wake);
  g_clear_object (&conn->handshake_cancel);
  g_free (conn->ip);
  g_free (conn);
}

static void
conn_set_state (Conn      *conn,
                ConnState  state)
{
  conn->state = state;
  conn->since = g_get_monotonic_time ();
  if (state == CONN_BODY)
    {
      conn->window_start = conn->since;
      conn->window_bytes = 0;
    }
  /* the client closed while its request was being read: once libsoup
   * stops reading, nobody would notice */
  if (conn->peer_closed && (state == CONN_PROCESSING || state == CONN_IDLE))
    conn_kill (conn, "closed by the client");
}

/* Drops the server's reference once neither the socket nor libsoup needs
 * the connection any more. */
static void
conn_maybe_release (Conn *conn)
{
  TgServerConns *conns = conn->conns;

  if (!conn->socket_closed || conn->soup_owned || conns == NULL)
    return;
  g_queue_unlink (&conns->conns, &conn->link);
  conn->conns = NULL;
  conn_unref (conn);
}

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* Closes the socket now: the descriptor and the kernel's buffers go. */
static void
conn_close_socket (Conn *conn)
{
  TgServerConns *conns = conn->conns;

  destroy_source (&conn->hup_source);
  destroy_source (&conn->linger_source);
  destroy_source (&conn->hello_source);
  if (conn->socket_closed)
    {
      conn_maybe_release (conn);
      return;
    }
  conn->socket_closed = TRUE;
  g_socket_close (conn->socket, NULL);
  if (conns != NULL)
    {
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (conns->per_address, conn->ip));

      conns->open_sockets--;
      if (count <= 1)
        g_hash_table_remove (conns->per_address, conn->ip);
      else
        g_hash_table_insert (conns->per_address, g_strdup (conn->ip), GUINT_TO_POINTER (count - 1));
    }
  conn_maybe_release (conn);
}

static void
conn_soup_closed (Conn *conn)
{
  if (!conn->soup_owned)
    return;
  conn->soup_owned = FALSE;
  /* a refusal still being written closes the socket when it is done */
  if (!conn->refusing)
    conn_close_socket (conn);
  else
    conn_maybe_release (conn);
}

/* Ends the connection in whatever state it is. */
static void
conn_kill (Conn       *conn,
           const char *why)
{
  if (conn->dead)
    return;
  conn->dead = TRUE;
  g_debug ("closing a connection from %s: %s", conn->ip, why);
  /* libsoup is waiting for a request that has not started: give it the
   * start of one, so that its failure goes through the path that frees */
  if (conn->state == CONN_IDLE)
    conn->inject_left = 2;
  g_cancellable_cancel (conn->wake);
  if (conn->handshaking)
    {
      /* the handshake's callback closes the socket */
      g_cancellable_cancel (conn->handshake_cancel);
      return;
    }
  if (!conn->refusing)
    conn_close_socket (conn);
}

/* the stream libsoup gets ------------------------------------------------- */

#define TG_TYPE_CONN_INPUT (tg_conn_input_get_type ())
G_DECLARE_FINAL_TYPE (TgConnInput, tg_conn_input, TG, CONN_INPUT, GInputStream)
#define TG_TYPE_CONN_OUTPUT (tg_conn_output_get_type ())
G_DECLARE_FINAL_TYPE (TgConnOutput, tg_conn_output, TG, CONN_OUTPUT, GOutputStream)
#define TG_TYPE_CONN_STREAM (tg_conn_stream_get_type ())
G_DECLARE_FINAL_TYPE (TgConnStream, tg_conn_stream, TG, CONN_STREAM, GIOStream)

struct _TgConnInput
{
  GInputStream parent_instance;
  Conn        *conn;
};

struct _TgConnOutput
{
  GOutputStream parent_instance;
  Conn         *conn;
};

struct _TgConnStream
{
  GIOStream     parent_instance;
  Conn         *conn;
  GInputStream  *input;
  GOutputStream *output;
};

static void tg_conn_input_pollable_init (GPollableInputStreamInterface *iface);
static void tg_conn_output_pollable_init (GPollableOutputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TgConnInput, tg_conn_input, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      tg_conn_input_pollable_init))
G_DEFINE_FINAL_TYPE_WITH_CODE (TgConnOutput, tg_conn_output, G_TYPE_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                      tg_conn_output_pollable_init))
G_DEFINE_FINAL_TYPE (TgConnStream, tg_conn_stream, G_TYPE_IO_STREAM)

static gssize
conn_read (Conn     *conn,
           void     *buffer,
           gsize     count,
           gboolean  blocking,
           GError  **error)
{
  static const char request_start[] = "X\n";

  if (!conn->dead)
    {
      GError *local_error = NULL;
      gssize n;

      if (blocking)
        n = g_input_stream_read (conn->base_in, buffer, count, NULL, &local_error);
      else
        n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (conn->base_in),
                                                      buffer, count, NULL, &local_error);
      if (n > 0)
        {
          conn->window_bytes += n;
          return n;
        }
      if (n < 0 && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_propagate_error (error, local_error);
          return -1;
        }
      conn_kill (conn, n == 0 ? "closed by the client" : local_error->message);
      g_clear_error (&local_error);
    }

  if (conn->inject_left > 0 && count > 0)
    {
      gsize n = MIN (count, conn->inject_left);

      memcpy (buffer, request_start + (2 - conn->inject_left), n);
      conn->inject_left -= n;
      return n;
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "the connection was closed");
  return -1;
}

static gssize
tg_conn_input_read (GInputStream  *stream,
                    void          *buffer,
                    gsize          count,
                    GCancellable  *cancellable,
                    GError       **error)
{
  return conn_read (TG_CONN_INPUT (stream)->conn, buffer, count, TRUE, error);
}

static gboolean
tg_conn_input_close (GInputStream  *stream,
                     GCancellable  *cancellable,
                     GError       **error)
{
  return TRUE;
}

static gboolean
tg_conn_input_can_poll (GPollableInputStream *stream)
{
  return TRUE;
}

static gboolean
tg_conn_input_is_readable (GPollableInputStream *stream)
{
  Conn *conn = TG_CONN_INPUT (stream)->conn;

  return conn->dead || g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (conn->base_in));
}

/* A source that fires when the base stream is ready, or at once when the
 * connection is being ended. */
static GSource *
conn_create_source (Conn    *conn,
                    GObject *stream,
                    GSource *base_source)
{
  GSource *source = g_pollable_source_new (stream);
  g_autoptr(GSource) wake = g_cancellable_source_new (conn->wake);

  if (base_source != NULL)
    {
      g_source_set_dummy_callback (base_source);
      g_source_add_child_source (source, base_source);
      g_source_unref (base_source);
    }
  g_source_set_dummy_callback (wake);
  g_source_add_child_source (source, wake);
  return source;
}

static GSource *
tg_conn_input_create_source (GPollableInputStream *stream,
                             GCancellable         *cancellable)
{
  Conn *conn = TG_CONN_INPUT (stream)->conn;
  GSource *source;

  source = conn_create_source (conn, G_OBJECT (stream),
                               conn->dead ? NULL
                                          : g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (conn->base_in), NULL));
  if (cancellable != NULL)
    {
      g_autoptr(GSource) cancel = g_cancellable_source_new (cancellable);

      g_source_set_dummy_callback (cancel);
      g_source_add_child_source (source, cancel);
    }
  return source;
}

static gssize
tg_conn_input_read_nonblocking (GPollableInputStream  *stream,
                                void                  *buffer,
                                gsize                  count,
                                GError               **error)
{
  return conn_read (TG_CONN_INPUT (stream)->conn, buffer, count, FALSE, error);
}

static void
tg_conn_input_finalize (GObject *object)
{
  conn_unref (TG_CONN_INPUT (object)->conn);
  G_OBJECT_CLASS (tg_conn_input_parent_class)->finalize (object);
}

static void
tg_conn_input_class_init (TgConnInputClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tg_conn_input_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = tg_conn_input_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = tg_conn_input_close;
}

static void
tg_conn_input_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = tg_conn_input_can_poll;
  iface->is_readable = tg_conn_input_is_readable;
  iface->create_source = tg_conn_input_create_source;
  iface->read_nonblocking = tg_conn_input_read_nonblocking;
}

static void
tg_conn_input_init (TgConnInput *self)
{
}

static gssize
conn_write (Conn        *conn,
            const void  *buffer,
            gsize        count,
            gboolean     blocking,
            GError     **error)
{
  GError *local_error = NULL;
  gssize n;

  if (conn->dead)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "the connection was closed");
      return -1;
    }
  if (blocking)
    n = g_output_stream_write (conn->base_out, buffer, count, NULL, &local_error);
  else
    n = g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (conn->base_out),
                                                    buffer, count, NULL, &local_error);
  if (n >= 0)
    {
      conn->write_blocked_since = 0;
      return n;
    }
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      if (conn->write_blocked_since == 0)
        conn->write_blocked_since = g_get_monotonic_time ();
    }
  else
    conn_kill (conn, local_error->message);
  g_propagate_error (error, local_error);
  return -1;
}

static gssize
tg_conn_output_write (GOutputStream  *stream,
                      const void     *buffer,
                      gsize           count,
                      GCancellable   *cancellable,
                      GError        **error)
{
  return conn_write (TG_CONN_OUTPUT (stream)->conn, buffer, count, TRUE, error);
}

static gboolean
tg_conn_output_close (GOutputStream  *stream,
                      GCancellable   *cancellable,
                      GError        **error)
{
  return TRUE;
}

static gboolean
tg_conn_output_can_poll (GPollableOutputStream *stream)
{
  return TRUE;
}

static gboolean
tg_conn_output_is_writable (GPollableOutputStream *stream)
{
  Conn *conn = TG_CONN_OUTPUT (stream)->conn;

  return conn->dead || g_pollable_output_stream_is_writable (G_POLLABLE_OUTPUT_STREAM (conn->base_out));
}

static GSource *
tg_conn_output_create_source (GPollableOutputStream *stream,
                              GCancellable          *cancellable)
{
  Conn *conn = TG_CONN_OUTPUT (stream)->conn;
  GSource *source;

  source = conn_create_source (conn, G_OBJECT (stream),
                               conn->dead ? NULL
                                          : g_pollable_output_stream_create_source (G_POLLABLE_OUTPUT_STREAM (conn->base_out), NULL));
  if (cancellable != NULL)
    {
      g_autoptr(GSource) cancel = g_cancellable_source_new (cancellable);

      g_source_set_dummy_callback (cancel);
      g_source_add_child_source (source, cancel);
    }
  return source;
}

static gssize
tg_conn_output_write_nonblocking (GPollableOutputStream  *stream,
                                  const void             *buffer,
                                  gsize                   count,
                                  GError                **error)
{
  return conn_write (TG_CONN_OUTPUT (stream)->conn, buffer, count, FALSE, error);
}

static void
tg_conn_output_finalize (GObject *object)
{
  conn_unref (TG_CONN_OUTPUT (object)->conn);
  G_OBJECT_CLASS (tg_conn_output_parent_class)->finalize (object);
}

static void
tg_conn_output_class_init (TgConnOutputClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tg_conn_output_finalize;
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = tg_conn_output_write;
  G_OUTPUT_STREAM_CLASS (klass)->close_fn = tg_conn_output_close;
}

static void
tg_conn_output_pollable_init (GPollableOutputStreamInterface *iface)
{
  iface->can_poll = tg_conn_output_can_poll;
  iface->is_writable = tg_conn_output_is_writable;
  iface->create_source = tg_conn_output_create_source;
  iface->write_nonblocking = tg_conn_output_write_nonblocking;
}

static void
tg_conn_output_init (TgConnOutput *self)
{
}

static GInputStream *
tg_conn_stream_get_input_stream (GIOStream *stream)
{
  return TG_CONN_STREAM (stream)->input;
}

static GOutputStream *
tg_conn_stream_get_output_stream (GIOStream *stream)
{
  return TG_CONN_STREAM (stream)->output;
}

/* libsoup is done with the connection */
static gboolean
tg_conn_stream_close (GIOStream     *stream,
                      GCancellable  *cancellable,
                      GError       **error)
{
  conn_soup_closed (TG_CONN_STREAM (stream)->conn);
  return TRUE;
}

static void
tg_conn_stream_close_async (GIOStream           *stream,
                            int                  io_priority,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);

  conn_soup_closed (TG_CONN_STREAM (stream)->conn);
  g_task_return_boolean (task, TRUE);
}

static gboolean
tg_conn_stream_close_finish (GIOStream     *stream,
                             GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
tg_conn_stream_finalize (GObject *object)
{
  TgConnStream *self = TG_CONN_STREAM (object);

  conn_soup_closed (self->conn);
  g_clear_object (&self->input);
  g_clear_object (&self->output);
  conn_unref (self->conn);
  G_OBJECT_CLASS (tg_conn_stream_parent_class)->finalize (object);
}

static void
tg_conn_stream_class_init (TgConnStreamClass *klass)
{
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = tg_conn_stream_finalize;
  stream_class->get_input_stream = tg_conn_stream_get_input_stream;
  stream_class->get_output_stream = tg_conn_stream_get_output_stream;
  stream_class->close_fn = tg_conn_stream_close;
  stream_class->close_async = tg_conn_stream_close_async;
  stream_class->close_finish = tg_conn_stream_close_finish;
}

static void
tg_conn_stream_init (TgConnStream *self)
{
}

static GIOStream *
conn_stream_new (Conn *conn)
{
  TgConnStream *self = g_object_new (TG_TYPE_CONN_STREAM, NULL);
  TgConnInput *input = g_object_new (TG_TYPE_CONN_INPUT, NULL);
  TgConnOutput *output = g_object_new (TG_TYPE_CONN_OUTPUT, NULL);

  input->conn = conn_ref (conn);
  output->conn = conn_ref (conn);
  self->conn = conn_ref (conn);
  self->input = G_INPUT_STREAM (input);
  self->output = G_OUTPUT_STREAM (output);
  return G_IO_STREAM (self);
}

/* callbacks --------------------------------------------------------------- */

static Conn *
conn_for_message (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  return remote ? g_object_get_qdata (G_OBJECT (remote), conn_quark) : NULL;
}

static gboolean
hup_cb (gint         fd,
        GIOCondition condition,
        gpointer     user_data)
{
  Conn *conn = user_data;

  if (!conn->dead &&
      (conn->state == CONN_HANDSHAKE || conn->state == CONN_HEADERS || conn->state == CONN_BODY))
    {
      /* TLS or libsoup is reading: what the client sent before it closed
       * is read first (an upload cut mid-body keeps its bytes), then the
       * end of the stream ends the connection */
      conn->peer_closed = TRUE;
      destroy_source (&conn->hup_source);
      return G_SOURCE_REMOVE;
    }
  conn_kill (conn, "closed by the client");
  /* the socket stays open while a handshake is cancelled or a refusal is
   * sent: stop watching it */
  destroy_source (&conn->hup_source);
  return G_SOURCE_REMOVE;
}

static void
conn_hand_to_soup (Conn *conn)
{
  g_autoptr(GIOStream) stream = conn_stream_new (conn);
  g_autoptr(GError) error = NULL;

  conn_set_state (conn, CONN_HEADERS);
  conn->soup_owned = TRUE;
  if (!soup_server_accept_iostream (conn->conns->soup, stream, conn->local, conn->remote, &error))
    {
      g_debug ("libsoup refused a connection: %s", error->message);
      conn->soup_owned = FALSE;
      conn_kill (conn, "refused by libsoup");
    }
}

static void
handshake_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Conn *conn = user_data;
  g_autoptr(GError) error = NULL;

  conn->handshaking = FALSE;
  if (conn->conns != NULL)
    {
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (conn->conns->handshakes, conn->ip));

      if (count <= 1)
        g_hash_table_remove (conn->conns->handshakes, conn->ip);
      else
        g_hash_table_insert (conn->conns->handshakes, g_strdup (conn->ip), GUINT_TO_POINTER (count - 1));
      conn->conns->handshakes_running--;
      /* the slot goes to a connection that waits */
      conns_schedule_handshakes (conn->conns);
    }
  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, &error) ||
      conn->dead || conn->conns == NULL)
    {
      g_debug ("TLS handshake with %s failed: %s", conn->ip,
               error ? error->message : "the connection was closed");
      conn->dead = TRUE;
      conn_close_socket (conn);
    }
  else
    conn_hand_to_soup (conn);
  conn_unref (conn);
}

static void conn_wait_for_hello (Conn *conn, int bytes);


/* glib-networking runs each handshake in GIO's thread pool, where it waits
 * for the client: a few connections that send nothing would hold every
 * thread, and every other handshake would wait. So the handshake starts
 * only when the client's whole first TLS record (its ClientHello) is in:
 * the socket reports readable only then (SO_RCVLOWAT). */
static gboolean
hello_cb (GSocket      *socket,
          GIOCondition  condition,
          gpointer      user_data)
{
  Conn *conn = user_data;
  guint8 header[5];
  gssize n = recv (g_socket_get_fd (socket), header, sizeof header, MSG_PEEK | MSG_DONTWAIT);
  int one = 1;
  gsize record;

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n < (gssize) sizeof header || header[0] != 0x16)
    {
      g_clear_pointer (&conn->hello_source, g_source_unref);
      conn_kill (conn, n == 0 ? "closed by the client" : "not a TLS handshake");
      return G_SOURCE_REMOVE;
    }
  record = sizeof header + (((gsize) header[3] << 8) | header[4]);
  g_clear_pointer (&conn->hello_source, g_source_unref);
  if (!conn->socket_closed && g_socket_get_available_bytes (socket) < (gssize) record)
    {
      if (conn->peer_closed)
        {
          conn_kill (conn, "closed by the client");
          return G_SOURCE_REMOVE;
        }
      conn_wait_for_hello (conn, (int) record);
      return G_SOURCE_REMOVE;
    }
  setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_RCVLOWAT, &one, sizeof one);
  conn->hello_ready = TRUE;
  conns_schedule_handshakes (conn->conns);
  return G_SOURCE_REMOVE;
}

/* Starts the handshake of a connection whose ClientHello is in. */
static void
conn_start_handshake (Conn *conn)
{
  TgServerConns *conns = conn->conns;
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (conns->handshakes, conn->ip));

  g_hash_table_insert (conns->handshakes, g_strdup (conn->ip), GUINT_TO_POINTER (count + 1));
  conns->handshakes_running++;
  conn->hello_ready = FALSE;
  conn->handshaking = TRUE;
  conn->handshake_started = g_get_monotonic_time ();
  g_tls_connection_handshake_async (G_TLS_CONNECTION (conn->base), G_PRIORITY_DEFAULT,
                                    conn->handshake_cancel, handshake_cb, conn_ref (conn));
}

/* Hands out handshake slots: at most MAX_HANDSHAKES_PER_ADDRESS per
 * address and MAX_HANDSHAKES in all. A free slot goes to the waiting
 * connection whose address has the fewest handshakes running or waiting
 * (the oldest among equals), so that many connections from a few
 * addresses cannot keep one device out. When connections wait and every
 * slot is taken, handshakes that have run HANDSHAKE_GRACE_US (their
 * client has not answered) are cut, the oldest first, one per waiting
 * connection: stalled handshakes from many addresses cannot hold the
 * pool. Called when a ClientHello is in, when a handshake ends and from
 * the tick. */
static void
conns_schedule_handshakes (TgServerConns *conns)
{
  g_autoptr(GHashTable) pending = NULL;
  gint64 now = g_get_monotonic_time ();
  guint waiting = 0;

  if (conns == NULL)
    return;
  /* handshakes running or waiting, per address */
  pending = g_hash_table_new (g_str_hash, g_str_equal);
  for (GList *l = conns->conns.head; l != NULL; l = l->next)
    {
      Conn *conn = l->data;

      if (conn->dead || conn->socket_closed || !(conn->hello_ready || conn->handshaking))
        continue;
      g_hash_table_insert (pending, conn->ip,
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (pending, conn->ip)) + 1));
      if (conn->hello_ready)
        waiting++;
    }
  while (waiting > 0 && conns->handshakes_running < MAX_HANDSHAKES)
    {
      Conn *best = NULL;
      guint best_pending = G_MAXUINT;

      for (GList *l = conns->conns.head; l != NULL; l = l->next)
        {
          Conn *conn = l->data;
          guint n;

          if (!conn->hello_ready || conn->dead || conn->socket_closed ||
              GPOINTER_TO_UINT (g_hash_table_lookup (conns->handshakes, conn->ip)) >= MAX_HANDSHAKES_PER_ADDRESS)
            continue;
          n = GPOINTER_TO_UINT (g_hash_table_lookup (pending, conn->ip));
          if (n < best_pending)
            {
              best = conn;
              best_pending = n;
            }
        }
      if (best == NULL)
        return;   /* the waiting ones' addresses are at their own limit */
      waiting--;
      conn_start_handshake (best);
    }
  /* every slot taken: cut the slowest, as many as wait (their callbacks
   * free the slots and come back here) */
  while (waiting > 0)
    {
      Conn *oldest = NULL;

      for (GList *l = conns->conns.head; l != NULL; l = l->next)
        {
          Conn *conn = l->data;

          if (conn->handshaking && !conn->dead &&
              now - conn->handshake_started > HANDSHAKE_GRACE_US &&
              (oldest == NULL || conn->handshake_started < oldest->handshake_started))
            oldest = conn;
        }
      if (oldest == NULL)
        break;
      waiting--;
      conns->handshakes_cut++;
      conn_kill (oldest, "TLS handshake stalled while others wait");
    }
  if (conns->handshakes_cut > 0 && now - conns->handshakes_cut_logged_us > 60 * G_USEC_PER_SEC)
    {
      g_message ("cut %" G_GUINT64_FORMAT " TLS handshake(s) whose client did not answer within %d ms "
                 "while other connections waited", conns->handshakes_cut, (int) (HANDSHAKE_GRACE_US / 1000));
      conns->handshakes_cut = 0;
      conns->handshakes_cut_logged_us = now;
    }
}

static void
conn_wait_for_hello (Conn *conn,
                     int   bytes)
{
  setsockopt (g_socket_get_fd (conn->socket), SOL_SOCKET, SO_RCVLOWAT, &bytes, sizeof bytes);
  conn->hello_source = g_socket_create_source (conn->socket, G_IO_IN, NULL);
  g_source_set_callback (conn->hello_source, (GSourceFunc) (GCallback) hello_cb, conn, NULL);
  g_source_attach (conn->hello_source, NULL);
}

static gboolean
bucket_is_full (gpointer key,
                gpointer value,
                gpointer user_data)
{
  HandshakeBucket *bucket = value;
  TgServerConns *conns = ((gpointer *) user_data)[0];
  gint64 now = *(gint64 *) ((gpointer *) user_data)[1];

  return bucket->tokens + (now - bucket->last_us) / 1e6 * conns->config->handshake_rate
         >= conns->config->handshake_burst;
}

/* Token bucket of new TLS connections per client address (handshake-rate,
 * handshake-burst): TRUE when this one may start its handshake. Decided
 * at accept, before any TLS work: a handshake costs the server about a
 * millisecond of CPU, and a client that opens connections as fast as it
 * can would otherwise make the server spend it as often as it likes. */
static gboolean
handshake_allow (TgServerConns *conns,
                 const char    *ip)
{
  TgServerConfig *config = conns->config;
  HandshakeBucket *bucket = g_hash_table_lookup (conns->handshake_buckets, ip);
  gint64 now = g_get_monotonic_time ();

  if (bucket == NULL)
    {
      if (g_hash_table_size (conns->handshake_buckets) >= HANDSHAKE_BUCKETS_MAX)
        {
          gpointer data[2] = { conns, &now };

          g_hash_table_foreach_remove (conns->handshake_buckets, bucket_is_full, data);
          if (g_hash_table_size (conns->handshake_buckets) >= HANDSHAKE_BUCKETS_MAX * 3 / 4)
            g_hash_table_remove_all (conns->handshake_buckets);
        }
      bucket = g_new0 (HandshakeBucket, 1);
      bucket->tokens = config->handshake_burst;
      bucket->last_us = now;
      g_hash_table_insert (conns->handshake_buckets, g_strdup (ip), bucket);
    }
  bucket->tokens = MIN (config->handshake_burst,
                        bucket->tokens + (now - bucket->last_us) / 1e6 * config->handshake_rate);
  bucket->last_us = now;
  if (bucket->tokens < 1.0)
    return FALSE;
  bucket->tokens -= 1.0;
  return TRUE;
}

static void
conn_accept (TgServerConns *conns,
             GSocket       *socket)
{
  TgServerConfig *config = conns->config;
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autofree char *ip = NULL;
  g_autofree char *host = NULL;
  guint count;
  Conn *conn;

  if (remote == NULL || local == NULL || !G_IS_INET_SOCKET_ADDRESS (remote))
    {
      g_socket_close (socket, NULL);
      return;
    }
  host = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  /* an IPv6 client is counted by its /64 */
  ip = tg_server_address_key (host);
  if (ip == NULL)
    {
      g_socket_close (socket, NULL);
      return;
    }
  count = GPOINTER_TO_UINT (g_hash_table_lookup (conns->per_address, ip));
  if (count >= config->max_connections_per_address || conns->open_sockets >= config->max_connections)
    {
      gint64 now = g_get_monotonic_time ();

      /* closed at once: no descriptor, no TLS work for it */
      g_socket_close (socket, NULL);
      conns->refused++;
      if (now - conns->refused_logged_us > 60 * G_USEC_PER_SEC)
        {
          g_message ("refused %" G_GUINT64_FORMAT " connection(s) over the limits "
                     "(max-connections-per-address %u, max-connections %u), the last from %s",
                     conns->refused, config->max_connections_per_address, config->max_connections, ip);
          conns->refused = 0;
          conns->refused_logged_us = now;
        }
      return;
    }
  if (conns->certificate != NULL && !handshake_allow (conns, ip))
    {
      /* over handshake-rate: closed before any TLS work, as above */
      g_socket_close (socket, NULL);
      if (conns->throttled_func != NULL)
        conns->throttled_func (host, conns->throttled_data);
      return;
    }

  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  conn = g_new0 (Conn, 1);
  conn->ref_count = 1;
  conn->conns = conns;
  conn->link.data = conn;
  conn->socket = g_object_ref (socket);
  conn->local = g_steal_pointer (&local);
  conn->remote = g_steal_pointer (&remote);
  conn->ip = g_steal_pointer (&ip);
  conn->wake = g_cancellable_new ();
  conn->handshake_cancel = g_cancellable_new ();
  g_object_set_qdata (G_OBJECT (conn->remote), conn_quark, conn);
  g_queue_push_tail_link (&conns->conns, &conn->link);
  conns->open_sockets++;
  g_hash_table_insert (conns->per_address, g_strdup (conn->ip), GUINT_TO_POINTER (count + 1));

  /* the peer's close, seen even while libsoup does not read */
  conn->hup_source = g_unix_fd_source_new (g_socket_get_fd (socket), POLLRDHUP | G_IO_HUP | G_IO_ERR);
  g_source_set_callback (conn->hup_source, (GSourceFunc) (GCallback) hup_cb, conn, NULL);
  g_source_attach (conn->hup_source, NULL);

  connection = g_socket_connection_factory_create_connection (socket);
  if (conns->certificate != NULL)
    {
      g_autoptr(GError) error = NULL;
      const char *protocols[] = { "http/1.1", NULL };
      /* no certificate database: clients are not asked for certificates,
       * and loading the default one costs milliseconds per connection */
      GIOStream *tls = g_initable_new (g_tls_backend_get_server_connection_type (g_tls_backend_get_default ()),
                                       NULL, &error,
                                       "base-io-stream", connection,
                                       "certificate", conns->certificate,
                                       "database", NULL,
                                       "require-close-notify", FALSE,
                                       "advertised-protocols", protocols,
                                       NULL);

      if (tls == NULL)
        {
          g_warning ("cannot start TLS: %s", error->message);
          conn->dead = TRUE;
          conn_close_socket (conn);
          return;
        }
      conn->base = tls;
      conn->base_in = g_io_stream_get_input_stream (tls);
      conn->base_out = g_io_stream_get_output_stream (tls);
      conn_set_state (conn, CONN_HANDSHAKE);
      conn_wait_for_hello (conn, 5);
      return;
    }
  conn->base = G_IO_STREAM (g_steal_pointer (&connection));
  conn->base_in = g_io_stream_get_input_stream (conn->base);
  conn->base_out = g_io_stream_get_output_stream (conn->base);
  conn_hand_to_soup (conn);
}

static gboolean accept_cb (GSocket *socket, GIOCondition condition, gpointer user_data);

static void
start_accepting (TgServerConns *conns)
{
  conns->accept_source = g_socket_create_source (conns->listen_socket, G_IO_IN, NULL);
  g_source_set_callback (conns->accept_source, (GSourceFunc) (GCallback) accept_cb, conns, NULL);
  g_source_attach (conns->accept_source, NULL);
}

static gboolean
accept_retry_cb (gpointer user_data)
{
  TgServerConns *conns = user_data;

  conns->accept_retry = 0;
  start_accepting (conns);
  return G_SOURCE_REMOVE;
}

static gboolean
accept_cb (GSocket      *listen_socket,
           GIOCondition  condition,
           gpointer      user_data)
{
  TgServerConns *conns = user_data;

  for (guint i = 0; i < ACCEPT_BATCH; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = g_socket_accept (listen_socket, NULL, &error);

      if (socket != NULL)
        {
          conn_accept (conns, socket);
          continue;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES))
        {
          /* the pending connection stays readable: retry later, not in a loop */
          g_warning ("cannot accept a connection: %s; raise LimitNOFILE or lower max-connections",
                     error->message);
          g_clear_pointer (&conns->accept_source, g_source_unref);
          conns->accept_retry = g_timeout_add (250, accept_retry_cb, conns);
          return G_SOURCE_REMOVE;
        }
      g_debug ("accept failed: %s", error->message);
      break;
    }
  return G_SOURCE_CONTINUE;
}

static void
got_headers_cb (SoupServerMessage *msg,
                gpointer           user_data)
{
  Conn *conn = conn_for_message (msg);

  if (conn == NULL || conn->dead)
    return;
  conn_set_state (conn, CONN_BODY);
  /* a refusal decided from the headers (early handler, or libsoup's own
   * checks): never read the body */
  if (soup_server_message_get_status (msg) != 0 && tg_server_request_has_body (msg) && conn->conns)
    tg_server_conns_refuse (conn->conns, msg);
}

static void
got_body_cb (SoupServerMessage *msg,
             gpointer           user_data)
{
  Conn *conn = conn_for_message (msg);

  if (conn != NULL && !conn->dead)
    conn_set_state (conn, CONN_PROCESSING);
}

static void
finished_cb (SoupServerMessage *msg,
             gpointer           user_data)
{
  Conn *conn = conn_for_message (msg);

  if (conn != NULL && !conn->dead)
    {
      conn_set_state (conn, CONN_IDLE);
      conn->write_blocked_since = 0;
    }
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  Conn *conn = conn_for_message (msg);

  if (conn == NULL)
    return;
  if (conn->state == CONN_IDLE && !conn->dead)
    conn_set_state (conn, CONN_HEADERS);
  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers_cb), NULL);
  g_signal_connect (msg, "got-body", G_CALLBACK (got_body_cb), NULL);
  g_signal_connect (msg, "finished", G_CALLBACK (finished_cb), NULL);
}

static gboolean
linger_cb (GSocket      *socket,
           GIOCondition  condition,
           gpointer      user_data)
{
  Conn *conn = user_data;
  char buf[16384];

  for (guint i = 0; i < 64; i++)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive_with_blocking (socket, buf, sizeof buf, FALSE, NULL, &error);

      if (n > 0 && (conn->lingered += n) < LINGER_BYTES)
        continue;
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return G_SOURCE_CONTINUE;
      /* the client closed too, or failed: done */
      g_clear_pointer (&conn->linger_source, g_source_unref);
      conn->refusing = FALSE;
      conn_close_socket (conn);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  Conn   *conn;
  GBytes *bytes;
} Refusal;

static void refusal_closed_cb (GObject *object, GAsyncResult *result, gpointer user_data);

static void
refusal_written_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Refusal *refusal = user_data;
  Conn *conn = refusal->conn;
  g_autoptr(GError) error = NULL;

  g_bytes_unref (refusal->bytes);
  g_free (refusal);
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error) ||
      conn->socket_closed || conn->conns == NULL)
    {
      conn->refusing = FALSE;
      conn_close_socket (conn);
      conn_unref (conn);
      return;
    }
  /* TLS: close_notify after the response (glib-networking sends it when
   * the output side is closed), so that the client sees a clean end */
  if (G_IS_TLS_CONNECTION (conn->base))
    {
      g_output_stream_close_async (conn->base_out, G_PRIORITY_DEFAULT, NULL,
                                   refusal_closed_cb, conn);
      return;
    }
  refusal_closed_cb (NULL, NULL, conn);
}

static void
refusal_closed_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Conn *conn = user_data;

  if (object != NULL)
    g_output_stream_close_finish (G_OUTPUT_STREAM (object), result, NULL);
  if (conn->socket_closed || conn->conns == NULL)
    {
      conn->refusing = FALSE;
      conn_close_socket (conn);
      conn_unref (conn);
      return;
    }
  /* FIN after the response, then drain what the client still sends for
   * a moment: closing with unread bytes would send a reset, and the
   * client could lose the response before reading it */
  g_socket_shutdown (conn->socket, FALSE, TRUE, NULL);
  conn_set_state (conn, CONN_CLOSING);
  conn->linger_source = g_socket_create_source (conn->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (conn->linger_source, (GSourceFunc) (GCallback) linger_cb, conn, NULL);
  g_source_attach (conn->linger_source, NULL);
  conn_unref (conn);
}

static gboolean
tick_cb (gpointer user_data)
{
  TgServerConns *conns = user_data;
  TgServerConfig *config = conns->config;
  gint64 now = g_get_monotonic_time ();
  GList *next;

  for (GList *l = conns->conns.head; l != NULL; l = next)
    {
      Conn *conn = l->data;
      gint64 age = now - conn->since;

      next = l->next;
      if (conn->state == CONN_CLOSING)
        {
          if (age > LINGER_US)
            {
              conn->refusing = FALSE;
              conn_close_socket (conn);
            }
          continue;
        }
      if (conn->dead)
        continue;
      switch (conn->state)
        {
        case CONN_HANDSHAKE:
        case CONN_HEADERS:
          if (age > (gint64) config->header_timeout * G_USEC_PER_SEC)
            conn_kill (conn, "no complete request headers within header-timeout");
          break;
        case CONN_BODY:
          {
            gint64 window = now - conn->window_start;

            if (window < (gint64) config->body_timeout * G_USEC_PER_SEC)
              break;
            if (conn->window_bytes < (gint64) (config->min_body_rate * (window / (double) G_USEC_PER_SEC)))
              conn_kill (conn, "the body arrives slower than min-body-rate");
            else
              {
                conn->window_start = now;
                conn->window_bytes = 0;
              }
          }
          break;
        case CONN_PROCESSING:
          if (conn->write_blocked_since != 0 &&
              now - conn->write_blocked_since > (gint64) config->request_timeout * G_USEC_PER_SEC)
            conn_kill (conn, "the client does not read its response");
          break;
        case CONN_IDLE:
          if (age > (gint64) config->idle_timeout * G_USEC_PER_SEC)
            conn_kill (conn, "idle for idle-timeout");
          break;
        case CONN_CLOSING:
        default:
          break;
        }
    }
  conns_schedule_handshakes (conns);
  return G_SOURCE_CONTINUE;
}

/* A listening Unix socket nobody can reach: libsoup keeps connections
 * alive only while it has a listener (3.2.3's request_finished). */
static gboolean
add_unreachable_listener (SoupServer  *soup,
                          GError     **error)
{
  g_autofree char *dir = g_dir_make_tmp ("testigo-server-XXXXXX", error);
  g_autofree char *path = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  struct sockaddr_un sun = { .sun_family = AF_UNIX };
  gboolean ok;

  if (dir == NULL)
    return FALSE;
  path = g_build_filename (dir, "s", NULL);
  if (strlen (path) >= sizeof sun.sun_path)
    {
      g_rmdir (dir);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG, "%s: path too long", path);
      return FALSE;
    }
  strcpy (sun.sun_path, path);
  address = g_socket_address_new_from_native (&sun, sizeof sun);
  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
  ok = socket != NULL &&
       g_socket_bind (socket, address, FALSE, error) &&
       g_socket_listen (socket, error);
  /* its name goes at once: nothing can connect to it */
  g_unlink (path);
  g_rmdir (dir);
  return ok && soup_server_listen_socket (soup, socket, 0, error);
}

/* public ------------------------------------------------------------------ */

gboolean
tg_server_request_has_body (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *length;

  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_NONE:
      return FALSE;
    case SOUP_ENCODING_CONTENT_LENGTH:
      length = soup_message_headers_get_one (headers, "Content-Length");
      if (length == NULL)
        return FALSE;
      while (*length == ' ' || *length == '\t')
        length++;
      /* "0", and anything else counts as a body (an invalid length too) */
      return !(length[0] == '0' && (length[1] == '\0' || length[1] == ' ' || length[1] == '\t'));
    case SOUP_ENCODING_UNRECOGNIZED:
    case SOUP_ENCODING_EOF:
    case SOUP_ENCODING_CHUNKED:
    case SOUP_ENCODING_BYTERANGES:
    default:
      return TRUE;
    }
}

void
tg_server_conns_refuse (TgServerConns     *conns,
                        SoupServerMessage *msg)
{
  Conn *conn = conn_for_message (msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autoptr(GBytes) body = NULL;
  SoupMessageHeadersIter iter;
  const char *name, *value, *reason;
  guint status = soup_server_message_get_status (msg);
  GString *text;
  gsize length;
  Refusal *refusal;

  if (conn == NULL || conn->dead || conn->conns != conns || status == 0)
    return;

  reason = soup_server_message_get_reason_phrase (msg);
  if (reason == NULL)
    reason = soup_status_get_phrase (status);
  body = soup_message_body_flatten (soup_server_message_get_response_body (msg));
  text = g_string_new (NULL);
  g_string_append_printf (text, "HTTP/1.1 %u %s\r\n", status, reason ? reason : "");
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    if (g_ascii_strcasecmp (name, "Content-Length") != 0 &&
        g_ascii_strcasecmp (name, "Connection") != 0 &&
        g_ascii_strcasecmp (name, "Transfer-Encoding") != 0)
      g_string_append_printf (text, "%s: %s\r\n", name, value);
  g_string_append_printf (text, "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n",
                          g_bytes_get_size (body));
  g_string_append_len (text, g_bytes_get_data (body, NULL), g_bytes_get_size (body));

  g_debug ("refusing a request from %s with %u before reading its body", conn->ip, status);
  if (conns->refused_func != NULL)
    conns->refused_func (msg, conns->refused_data);
  /* libsoup's side fails now; its message ends without reading more */
  conn->refusing = TRUE;
  conn_kill (conn, "refused from its headers");
  conn_set_state (conn, CONN_CLOSING);
  destroy_source (&conn->hup_source);

  refusal = g_new0 (Refusal, 1);
  refusal->conn = conn_ref (conn);
  length = text->len;
  refusal->bytes = g_string_free_to_bytes (text);
  g_output_stream_write_all_async (conn->base_out, g_bytes_get_data (refusal->bytes, NULL), length,
                                   G_PRIORITY_DEFAULT, NULL, refusal_written_cb, refusal);
}

void
tg_server_conns_set_refused_func (TgServerConns  *conns,
                                  void          (*func) (SoupServerMessage *msg,
                                                         gpointer           data),
                                  gpointer        data)
{
  conns->refused_func = func;
  conns->refused_data = data;
}

void
tg_server_conns_set_throttled_func (TgServerConns  *conns,
                                    void          (*func) (const char *host,
                                                           gpointer    data),
                                    gpointer        data)
{
  conns->throttled_func = func;
  conns->throttled_data = data;
}

TgServerConns *
tg_server_conns_new (SoupServer       *soup,
                     TgServerConfig   *config,
                     GTlsCertificate  *certificate,
                     GSocket          *listen_socket,
                     GError          **error)
{
  TgServerConns *conns;

  if (conn_quark == 0)
    conn_quark = g_quark_from_static_string ("tg-server-conn");
  if (!add_unreachable_listener (soup, error))
    return NULL;

  conns = g_new0 (TgServerConns, 1);
  conns->soup = g_object_ref (soup);
  conns->config = config;
  conns->certificate = certificate ? g_object_ref (certificate) : NULL;
  conns->listen_socket = g_object_ref (listen_socket);
  conns->per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  conns->handshakes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  conns->handshake_buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_queue_init (&conns->conns);
  g_socket_set_blocking (listen_socket, FALSE);
  conns->request_started_id = g_signal_connect (soup, "request-started", G_CALLBACK (request_started_cb), conns);
  conns->tick = g_timeout_add (TICK_MS, tick_cb, conns);
  start_accepting (conns);
  return conns;
}

void
tg_server_conns_free (TgServerConns *conns)
{
  if (conns == NULL)
    return;
  if (conns->accept_source != NULL)
    {
      g_source_destroy (conns->accept_source);
      g_source_unref (conns->accept_source);
    }
  g_clear_handle_id (&conns->accept_retry, g_source_remove);
  g_clear_handle_id (&conns->tick, g_source_remove);
  g_clear_signal_handler (&conns->request_started_id, conns->soup);
  /* every connection is closed; libsoup's objects go with the server */
  while (conns->conns.head != NULL)
    {
      Conn *conn = conns->conns.head->data;

      conn_kill (conn, "the server stops");
      conn->refusing = FALSE;
      conn_close_socket (conn);
      if (conns->conns.head != NULL && conns->conns.head->data == conn)
        {
          g_queue_unlink (&conns->conns, &conn->link);
          conn->conns = NULL;
          conn_unref (conn);
        }
    }
  g_socket_close (conns->listen_socket, NULL);
  g_clear_object (&conns->listen_socket);
  g_clear_object (&conns->certificate);
  g_clear_object (&conns->soup);
  g_hash_table_unref (conns->per_address);
  g_hash_table_unref (conns->handshakes);
  g_hash_table_unref (conns->handshake_buckets);
  g_free (conns);
}
