/* tg-source.c — a source of a report (file, link or testimony): fields, JSON form, validation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-source"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "tg-json-private.h"
#include "tg-report.h"
#include "tg-revision.h"
#include "tg-source.h"

struct _TgSource
{
  GObject       parent_instance;

  char         *id;
  TgSourceKind  kind;
  char         *title;
  char         *sha256;
  char         *file_name;
  char         *mime_type;
  gint64        size;
  char         *captured_at;
  double        latitude;
  double        longitude;
  char         *camera;
  char         *thumbnail_sha256;
  char         *url;
  char         *text;
};

G_DEFINE_FINAL_TYPE (TgSource, tg_source, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
changed (TgSource *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
tg_source_finalize (GObject *object)
{
  TgSource *self = (TgSource *) object;

  g_free (self->id);
  g_free (self->title);
  g_free (self->sha256);
  g_free (self->file_name);
  g_free (self->mime_type);
  g_free (self->captured_at);
  g_free (self->camera);
  g_free (self->thumbnail_sha256);
  g_free (self->url);
  g_free (self->text);

  G_OBJECT_CLASS (tg_source_parent_class)->finalize (object);
}

static void
tg_source_class_init (TgSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tg_source_finalize;

  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tg_source_init (TgSource *self)
{
  self->id = g_uuid_string_random ();
  self->latitude = NAN;
  self->longitude = NAN;
}

TgSource *
tg_source_new (TgSourceKind kind)
{
  TgSource *self = g_object_new (TG_TYPE_SOURCE, NULL);

  self->kind = kind;
  return self;
}

const char *
tg_source_get_id (TgSource *self)
{
  g_return_val_if_fail (TG_IS_SOURCE (self), NULL);
  return self->id;
}

TgSourceKind
tg_source_get_kind (TgSource *self)
{
  g_return_val_if_fail (TG_IS_SOURCE (self), 0);
  return self->kind;
}

#define STRING_FIELD(field)                                   \
  const char *                                                \
  tg_source_get_##field (TgSource *self)                      \
  {                                                           \
    g_return_val_if_fail (TG_IS_SOURCE (self), NULL);         \
    return self->field;                                       \
  }                                                           \
  void                                                        \
  tg_source_set_##field (TgSource   *self,                    \
                         const char *value)                   \
  {                                                           \
    g_return_if_fail (TG_IS_SOURCE (self));                   \
    if (tg_set_string (&self->field, value))                  \
      changed (self);                                         \
  }

STRING_FIELD (title)
STRING_FIELD (sha256)
STRING_FIELD (file_name)
STRING_FIELD (mime_type)
STRING_FIELD (captured_at)
STRING_FIELD (camera)
STRING_FIELD (thumbnail_sha256)
STRING_FIELD (url)
STRING_FIELD (text)

gint64
tg_source_get_size (TgSource *self)
{
  g_return_val_if_fail (TG_IS_SOURCE (self), 0);
  return self->size;
}

void
tg_source_set_size (TgSource *self,
                    gint64    size)
{
  g_return_if_fail (TG_IS_SOURCE (self));
  if (self->size == size)
    return;
  self->size = size;
  changed (self);
}

double
tg_source_get_latitude (TgSource *self)
{
  g_return_val_if_fail (TG_IS_SOURCE (self), NAN);
  return self->latitude;
}

double
tg_source_get_longitude (TgSource *self)
{
  g_return_val_if_fail (TG_IS_SOURCE (self), NAN);
  return self->longitude;
}

void
tg_source_set_position (TgSource *self,
                        double    latitude,
                        double    longitude)
{
  g_return_if_fail (TG_IS_SOURCE (self));
  self->latitude = latitude;
  self->longitude = longitude;
  changed (self);
}

void
tg_source_write_json (TgSource     *self,
                      TgJsonWriter *writer)
{
  tg_json_writer_begin_object (writer, NULL);
  tg_json_write_string (writer, "id", self->id);
  tg_json_write_string (writer, "kind", tg_source_kind_to_string (self->kind));
  tg_json_write_string (writer, "title", self->title);
  tg_json_write_string (writer, "sha256", self->sha256);
  tg_json_write_string (writer, "file_name", self->file_name);
  tg_json_write_string (writer, "mime_type", self->mime_type);
  tg_json_write_int (writer, "size", self->size);
  tg_json_write_string (writer, "captured_at", self->captured_at);
  tg_json_write_double (writer, "latitude", self->latitude);
  tg_json_write_double (writer, "longitude", self->longitude);
  tg_json_write_string (writer, "camera", self->camera);
  tg_json_write_string (writer, "thumbnail_sha256", self->thumbnail_sha256);
  tg_json_write_string (writer, "url", self->url);
  tg_json_write_string (writer, "text", self->text);
  tg_json_writer_end_object (writer);
}

TgSource *
tg_source_new_from_json (JsonNode  *node,
                         GError   **error)
{
  g_autoptr(TgSource) self = NULL;
  JsonObject *object;
  const char *id, *kind, *title, *sha256, *file_name, *mime_type, *captured_at;
  const char *camera, *thumbnail, *url, *text;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           "source: expected a JSON object");
      return NULL;
    }
  object = json_node_get_object (node);
  self = g_object_new (TG_TYPE_SOURCE, NULL);

  if (!tg_json_get_string (object, "source", "id", &id, error) ||
      !tg_json_get_string (object, "source", "kind", &kind, error) ||
      !tg_json_get_string (object, "source", "title", &title, error) ||
      !tg_json_get_string (object, "source", "sha256", &sha256, error) ||
      !tg_json_get_string (object, "source", "file_name", &file_name, error) ||
      !tg_json_get_string (object, "source", "mime_type", &mime_type, error) ||
      !tg_json_get_int (object, "source", "size", 0, &self->size, error) ||
      !tg_json_get_string (object, "source", "captured_at", &captured_at, error) ||
      !tg_json_get_double (object, "source", "latitude", &self->latitude, error) ||
      !tg_json_get_double (object, "source", "longitude", &self->longitude, error) ||
      !tg_json_get_string (object, "source", "camera", &camera, error) ||
      !tg_json_get_string (object, "source", "thumbnail_sha256", &thumbnail, error) ||
      !tg_json_get_string (object, "source", "url", &url, error) ||
      !tg_json_get_string (object, "source", "text", &text, error))
    return NULL;

  if (id == NULL || !tg_is_uuid (id))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID, "source: \"id\" is not a UUID");
      return NULL;
    }
  if (kind == NULL || !tg_source_kind_from_string (kind, &self->kind))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID, "source: unknown kind \"%s\"",
                   kind ? kind : "");
      return NULL;
    }
  if ((sha256 != NULL && !tg_is_sha256_hex (sha256)) ||
      (thumbnail != NULL && !tg_is_sha256_hex (thumbnail)))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           "source: \"sha256\" is not a SHA-256 hex digest");
      return NULL;
    }
  if (self->size < 0)
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID, "source: negative size");
      return NULL;
    }

  g_free (self->id);
  self->id = g_strdup (id);
  self->title = g_strdup (title);
  self->sha256 = g_strdup (sha256);
  self->file_name = g_strdup (file_name);
  self->mime_type = g_strdup (mime_type);
  self->captured_at = g_strdup (captured_at);
  self->camera = g_strdup (camera);
  self->thumbnail_sha256 = g_strdup (thumbnail);
  self->url = g_strdup (url);
  self->text = g_strdup (text);

  if (!tg_source_validate (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

gboolean
tg_source_validate (TgSource  *self,
                    GError   **error)
{
  g_return_val_if_fail (TG_IS_SOURCE (self), FALSE);

  switch (self->kind)
    {
    case TG_SOURCE_KIND_FILE:
      if (self->sha256 == NULL || !tg_is_sha256_hex (self->sha256))
        {
          g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                               _("A file source must name a stored file."));
          return FALSE;
        }
      break;

    case TG_SOURCE_KIND_LINK:
      if (self->url == NULL || !g_uri_is_valid (self->url, G_URI_FLAGS_NONE, NULL))
        {
          g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                               _("A link must be a full address, such as https://example.org/page."));
          return FALSE;
        }
      break;

    case TG_SOURCE_KIND_TESTIMONY:
      if (self->text != NULL && strlen (self->text) > TG_MAX_TEXT_LENGTH)
        {
          g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                               _("A testimony is limited to 16 MB of text."));
          return FALSE;
        }
      break;

    default:
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID, "source: unknown kind");
      return FALSE;
    }

  if (!isnan (self->latitude) && (self->latitude < -90 || self->latitude > 90 ||
                                  self->longitude < -180 || self->longitude > 180))
    {
      g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID,
                           _("The file's position is outside the range of coordinates."));
      return FALSE;
    }
  return TRUE;
}
