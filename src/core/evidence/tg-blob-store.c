/* tg-blob-store.c — content-addressed files under the store's directory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Layout: <directory>/ab/cdef… holds the blob whose SHA-256 (lowercase
 * hex) is "abcdef…"; <directory>/tmp/ holds files being imported. An
 * import streams the source through a 64 KiB buffer into a temporary file
 * while hashing it, fsyncs it, makes it read-only and renames it into
 * place, then fsyncs the folder. When the blob is there already the
 * temporary file is dropped: the same content is stored once.
 *
 * Metadata is read from the stored copy, never the source, so it always
 * describes the bytes that were hashed.
 *
 * With a vault (tg_blob_store_set_vault) every file is written encrypted
 * as it streams (tg-crypt-stream.h: blobs with the vault's blob subkey,
 * thumbnails with its thumbnail subkey); the temporary file never holds
 * a plain byte. The name stays the plain content's SHA-256, which the
 * last encrypted chunk is bound to. Metadata and thumbnails are then
 * read by decrypting to memory, never to a file.
 */
#define G_LOG_DOMAIN "tg-blob-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gexiv2/gexiv2.h>
#include <gio/gunixoutputstream.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tg-blob-store.h"
#include "tg-crypt-stream.h"
#include "tg-sha256.h"
#include "tg-revision.h"
#include "tg-types.h"

#define BUFFER_SIZE      (64 * 1024)
#define PROGRESS_STEP    (1024 * 1024)
#define HEAD_SIZE        4096
#define THUMBNAIL_SIZE   256
#define MAX_NAME_BYTES   255
/* Formats other than JPEG are decoded whole before scaling: beyond this
 * many pixels a thumbnail would cost too much memory on a small laptop. */
#define MAX_DECODE_PIXELS (64 * 1000 * 1000)
#define STALE_TEMP_AGE   (24 * G_TIME_SPAN_HOUR)
#define FALLBACK_NAME    "file"
/* An encrypted photo is decrypted whole to memory up to this size for its
 * metadata; of a larger one only the start is read for it. */
#define MAX_IMAGE_IN_MEMORY (64 * 1024 * 1024)
#define METADATA_PREFIX     (16 * 1024 * 1024)

/* TgBlobInfo ------------------------------------------------------------ */

struct _TgBlobInfo
{
  GObject  parent_instance;

  char    *sha256;
  gint64   size;
  char    *mime_type;
  char    *file_name;
  char    *captured_at;
  double   latitude;
  double   longitude;
  char    *camera;
  char    *thumbnail_sha256;
};

G_DEFINE_FINAL_TYPE (TgBlobInfo, tg_blob_info, G_TYPE_OBJECT)

enum {
  INFO_PROP_0,
  INFO_PROP_SHA256,
  INFO_PROP_SIZE,
  INFO_PROP_MIME_TYPE,
  INFO_PROP_FILE_NAME,
  INFO_PROP_CAPTURED_AT,
  INFO_PROP_LATITUDE,
  INFO_PROP_LONGITUDE,
  INFO_PROP_CAMERA,
  INFO_PROP_THUMBNAIL_SHA256,
  INFO_N_PROPS
};

static GParamSpec *info_properties[INFO_N_PROPS];

static void
tg_blob_info_finalize (GObject *object)
{
  TgBlobInfo *self = (TgBlobInfo *) object;

  g_free (self->sha256);
  g_free (self->mime_type);
  g_free (self->file_name);
  g_free (self->captured_at);
  g_free (self->camera);
  g_free (self->thumbnail_sha256);

  G_OBJECT_CLASS (tg_blob_info_parent_class)->finalize (object);
}

static void
tg_blob_info_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TgBlobInfo *self = TG_BLOB_INFO (object);

  switch (prop_id)
    {
    case INFO_PROP_SHA256:
      g_value_set_string (value, self->sha256);
      break;
    case INFO_PROP_SIZE:
      g_value_set_int64 (value, self->size);
      break;
    case INFO_PROP_MIME_TYPE:
      g_value_set_string (value, self->mime_type);
      break;
    case INFO_PROP_FILE_NAME:
      g_value_set_string (value, self->file_name);
      break;
    case INFO_PROP_CAPTURED_AT:
      g_value_set_string (value, self->captured_at);
      break;
    case INFO_PROP_LATITUDE:
      g_value_set_double (value, self->latitude);
      break;
    case INFO_PROP_LONGITUDE:
      g_value_set_double (value, self->longitude);
      break;
    case INFO_PROP_CAMERA:
      g_value_set_string (value, self->camera);
      break;
    case INFO_PROP_THUMBNAIL_SHA256:
      g_value_set_string (value, self->thumbnail_sha256);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_blob_info_class_init (TgBlobInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = tg_blob_info_finalize;
  object_class->get_property = tg_blob_info_get_property;

  info_properties[INFO_PROP_SHA256] =
    g_param_spec_string ("sha256", NULL, NULL, NULL, flags);
  info_properties[INFO_PROP_SIZE] =
    g_param_spec_int64 ("size", NULL, NULL, 0, G_MAXINT64, 0, flags);
  info_properties[INFO_PROP_MIME_TYPE] =
    g_param_spec_string ("mime-type", NULL, NULL, NULL, flags);
  info_properties[INFO_PROP_FILE_NAME] =
    g_param_spec_string ("file-name", NULL, NULL, NULL, flags);
  info_properties[INFO_PROP_CAPTURED_AT] =
    g_param_spec_string ("captured-at", NULL, NULL, NULL, flags);
  info_properties[INFO_PROP_LATITUDE] =
    g_param_spec_double ("latitude", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0, flags);
  info_properties[INFO_PROP_LONGITUDE] =
    g_param_spec_double ("longitude", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0, flags);
  info_properties[INFO_PROP_CAMERA] =
    g_param_spec_string ("camera", NULL, NULL, NULL, flags);
  info_properties[INFO_PROP_THUMBNAIL_SHA256] =
    g_param_spec_string ("thumbnail-sha256", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, INFO_N_PROPS, info_properties);
}

static void
tg_blob_info_init (TgBlobInfo *self)
{
  self->latitude = NAN;
  self->longitude = NAN;
}

/* TgBlobStore ----------------------------------------------------------- */

struct _TgBlobStore
{
  GObject  parent_instance;

  char    *directory;
  TgVault *vault;      /* NULL: files are written in plain */
  GMutex   vault_lock;
};

G_DEFINE_FINAL_TYPE (TgBlobStore, tg_blob_store, G_TYPE_OBJECT)

typedef struct
{
  char    sha256[65];
  gint64  size;
  guint8  head[HEAD_SIZE];
  gsize   head_len;
} WriteResult;

/* Helpers ----------------------------------------------------------------- */

static gboolean
is_bidi_control (gunichar c)
{
  return c == 0x061C || c == 0x200E || c == 0x200F ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

static gboolean
is_unsafe_char (gunichar c)
{
  return g_unichar_iscntrl (c) || is_bidi_control (c);
}

static char *
blob_path (TgBlobStore *self,
           const char  *sha256)
{
  char prefix[3] = { sha256[0], sha256[1], 0 };

  return g_build_filename (self->directory, prefix, sha256 + 2, NULL);
}

/* Sets @error from errno, read first, and evaluates to FALSE. @format takes
 * @path's display name, then the system's reason. A macro, so that @format
 * stays a literal the compiler checks against those two strings. */
#define set_errno_error(error, format, path)                                    \
  ({                                                                            \
    int saved_errno_ = errno;                                                   \
    g_autofree char *display_ = g_filename_display_name (path);                 \
                                                                                \
    g_set_error ((error), G_IO_ERROR, g_io_error_from_errno (saved_errno_),     \
                 (format), display_, g_strerror (saved_errno_));                \
    FALSE;                                                                      \
  })

static gboolean
fsync_directory (const char  *path,
                 GError     **error)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0 || (fsync (fd) != 0 && errno != EINVAL))
    {
      int saved_errno = errno;

      if (fd >= 0)
        close (fd);
      errno = saved_errno;
      return set_errno_error (error, _("Could not save the folder %s to disk: %s"), path);
    }
  close (fd);
  return TRUE;
}

static gboolean
ensure_directory (const char  *path,
                  gboolean    *created,
                  GError     **error)
{
  if (created != NULL)
    *created = FALSE;
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return TRUE;
  if (g_mkdir_with_parents (path, 0700) != 0)
    return set_errno_error (error, _("Could not create the folder %s: %s"), path);
  if (created != NULL)
    *created = TRUE;
  return TRUE;
}

/* Rewrites an error about reading @file so that it names the file the
 * person chose, in words. */
static void
set_read_error (GFile   *file,
                GError  *local_error,
                GError **error)
{
  g_autofree char *name = g_file_get_parse_name (file);

  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, g_error_copy (local_error));
  else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 _("The file “%s” no longer exists; it may have been moved, renamed or deleted"),
                 name);
  else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                 _("You are not allowed to read the file “%s”"), name);
  else
    g_set_error (error, local_error->domain, local_error->code,
                 /* Translators: %s are the file and the system's message */
                 _("Could not read the file “%s”: %s"), name, local_error->message);
}

static void
remove_stale_temporaries (TgBlobStore *self)
{
  g_autofree char *tmp_dir = g_build_filename (self->directory, "tmp", NULL);
  g_autoptr(GDir) dir = g_dir_open (tmp_dir, 0, NULL);
  gint64 now = g_get_real_time ();
  const char *name;

  if (dir == NULL)
    return;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      GStatBuf st;

      if (!g_str_has_prefix (name, "import-"))
        continue;
      path = g_build_filename (tmp_dir, name, NULL);
      if (g_stat (path, &st) == 0 &&
          now - (gint64) st.st_mtime * G_USEC_PER_SEC > STALE_TEMP_AGE)
        g_unlink (path);
    }
}

/* Streams @in into a temporary file while hashing it, then moves it to its
 * place in the store (or drops it when the blob is there already). On any
 * failure, including cancellation, the temporary file is removed. */
static TgVault *
dup_vault (TgBlobStore *self)
{
  TgVault *vault;

  g_mutex_lock (&self->vault_lock);
  vault = self->vault ? g_object_ref (self->vault) : NULL;
  g_mutex_unlock (&self->vault_lock);
  return vault;
}

/* @expected (or NULL): the content must have this hash, or nothing is
 * stored (TG_ERROR_HASH_MISMATCH). @purpose picks the subkey when the
 * store has a vault. */
static gboolean
write_stream (TgBlobStore     *self,
              GInputStream    *in,
              GFile           *source,
              goffset          total,
              TgVaultPurpose   purpose,
              const char      *expected,
              TgProgressFunc   progress,
              gpointer         progress_data,
              GCancellable    *cancellable,
              WriteResult     *result,
              GError         **error)
{
  TgSha256 sha;
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(TgVault) vault = dup_vault (self);
  g_autoptr(TgCryptWriter) writer = NULL;
  gint64 stored_size;
  g_autofree char *tmp_dir = g_build_filename (self->directory, "tmp", NULL);
  g_autofree char *tmp_path = NULL;
  g_autofree char *final_dir = NULL;
  g_autofree char *final_path = NULL;
  g_autofree guint8 *buffer = NULL;
  char prefix[3];
  goffset done = 0;
  goffset reported = 0;
  gboolean created = FALSE;
  GStatBuf st;
  int fd;

  tg_sha256_init (&sha);

  memset (result, 0, sizeof *result);

  if (!ensure_directory (tmp_dir, NULL, error))
    return FALSE;

  tmp_path = g_build_filename (tmp_dir, "import-XXXXXX", NULL);
  fd = g_mkstemp_full (tmp_path, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    return set_errno_error (error, _("Could not create a file in the evidence folder %s: %s"),
                            tmp_dir);
  out = g_unix_output_stream_new (fd, TRUE);
  buffer = g_malloc (BUFFER_SIZE);
  if (vault != NULL &&
      !(writer = tg_crypt_writer_new (vault, purpose, out, cancellable, error)))
    goto fail;

  if (progress != NULL)
    progress (0, MAX (total, 0), progress_data);

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n;

      n = g_input_stream_read (in, buffer, BUFFER_SIZE, cancellable, &local_error);
      if (n < 0)
        {
          if (source != NULL)
            set_read_error (source, local_error, error);
          else
            g_propagate_error (error, g_steal_pointer (&local_error));
          goto fail;
        }
      if (n == 0)
        break;

      tg_sha256_update (&sha, buffer, n);
      if (result->head_len < HEAD_SIZE)
        {
          gsize take = MIN ((gsize) n, HEAD_SIZE - result->head_len);

          memcpy (result->head + result->head_len, buffer, take);
          result->head_len += take;
        }

      if (writer != NULL ? !tg_crypt_writer_write (writer, buffer, n, cancellable, &local_error)
                         : !g_output_stream_write_all (out, buffer, n, NULL, cancellable, &local_error))
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local_error));
          else
            g_set_error (error, local_error->domain, local_error->code,
                         _("Could not copy the file into the evidence folder: %s"),
                         local_error->message);
          goto fail;
        }

      done += n;
      if (progress != NULL && done - reported >= PROGRESS_STEP)
        {
          progress (done, MAX (total, done), progress_data);
          reported = done;
        }
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto fail;

  tg_sha256_finish_hex (&sha, result->sha256);
  result->size = done;
  if (expected != NULL && strcmp (expected, result->sha256) != 0)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_HASH_MISMATCH,
                   _("The evidence file %s has been altered: its content no longer "
                     "matches the fingerprint taken when it was imported"), expected);
      goto fail;
    }
  if (writer != NULL && !tg_crypt_writer_finish (writer, result->sha256, cancellable, error))
    goto fail;
  stored_size = writer != NULL ? tg_crypt_encrypted_size (done) : done;

  if (fsync (fd) != 0 || fchmod (fd, 0444) != 0)
    {
      set_errno_error (error, _("Could not save %s to disk: %s"), tmp_path);
      goto fail;
    }
  if (!g_output_stream_close (out, NULL, error))
    goto fail;

  prefix[0] = result->sha256[0];
  prefix[1] = result->sha256[1];
  prefix[2] = 0;
  final_dir = g_build_filename (self->directory, prefix, NULL);
  final_path = g_build_filename (final_dir, result->sha256 + 2, NULL);

  if (!ensure_directory (final_dir, &created, error))
    goto fail;
  if (created && !fsync_directory (self->directory, error))
    goto fail;

  /* The same content is there already: keep one copy. A copy of another
   * size can only be a damaged one (or, with a vault, a plain copy from
   * before), and is replaced. */
  if (g_stat (final_path, &st) == 0 && S_ISREG (st.st_mode) && st.st_size == stored_size)
    g_unlink (tmp_path);
  else
    {
      if (g_rename (tmp_path, final_path) != 0)
        {
          set_errno_error (error, _("Could not store %s: %s"), final_path);
          goto fail;
        }
      if (!fsync_directory (final_dir, error))
        return FALSE;
    }

  if (progress != NULL)
    progress (done, done, progress_data);

  return TRUE;

fail:
  g_output_stream_close (out, NULL, NULL);
  g_unlink (tmp_path);
  return FALSE;
}

static char *
exif_string (GExiv2Metadata *meta,
             const char     *tag)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *value = NULL;
  g_autofree char *valid = NULL;
  GString *clean;

  if (!gexiv2_metadata_try_has_tag (meta, tag, &local_error))
    return NULL;
  value = gexiv2_metadata_try_get_tag_string (meta, tag, &local_error);
  if (value == NULL)
    return NULL;

  valid = g_utf8_make_valid (value, -1);
  clean = g_string_new (NULL);
  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!is_unsafe_char (c))
        g_string_append_unichar (clean, c);
    }
  g_strstrip (clean->str);
  clean->len = strlen (clean->str);
  if (clean->len == 0)
    {
      g_string_free (clean, TRUE);
      return NULL;
    }
  return g_string_free (clean, FALSE);
}

/* "2023:01:09 15:42:07" (and an optional "-05:00") to ISO 8601. Cameras
 * without a set clock write zeros: those give NULL. */
static char *
exif_date_to_iso8601 (const char *value,
                      const char *offset)
{
  int year, month, day, hour, minute, second;
  char tail;

  if (value == NULL ||
      sscanf (value, "%4d:%2d:%2d %2d:%2d:%2d%c",
              &year, &month, &day, &hour, &minute, &second, &tail) != 6)
    return NULL;
  if (year < 1800 || !g_date_valid_dmy (day, month, year) ||
      hour > 23 || minute > 59 || second > 60 || hour < 0 || minute < 0 || second < 0)
    return NULL;

  /* An offset out of range ("+99:99") would make a time nothing parses:
   * then the local time alone. */
  if (offset != NULL &&
      strlen (offset) == 6 && (offset[0] == '+' || offset[0] == '-') &&
      g_ascii_isdigit (offset[1]) && g_ascii_isdigit (offset[2]) && offset[3] == ':' &&
      g_ascii_isdigit (offset[4]) && g_ascii_isdigit (offset[5]) &&
      (offset[1] - '0') * 10 + (offset[2] - '0') <= 23 && offset[4] <= '5')
    return g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02d%s",
                            year, month, day, hour, minute, second, offset);

  /* EXIF keeps local time without a zone: so does the result. */
  return g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02d",
                          year, month, day, hour, minute, second);
}

static void
read_exif (TgBlobInfo *info,
           const char *path)
{
  static const char * const date_tags[][2] = {
    { "Exif.Photo.DateTimeOriginal", "Exif.Photo.OffsetTimeOriginal" },
    { "Exif.Photo.DateTimeDigitized", "Exif.Photo.OffsetTimeDigitized" },
  };
  g_autoptr(GExiv2Metadata) meta = gexiv2_metadata_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *make = NULL;
  g_autofree char *model = NULL;
  double lat = NAN, lon = NAN;

  if (!gexiv2_metadata_open_path (meta, path, &local_error))
    {
      g_debug ("No metadata in %s: %s", path, local_error->message);
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (date_tags) && info->captured_at == NULL; i++)
    {
      g_autofree char *value = exif_string (meta, date_tags[i][0]);
      g_autofree char *offset = exif_string (meta, date_tags[i][1]);

      info->captured_at = exif_date_to_iso8601 (value, offset);
    }

  {
    g_autoptr(GError) lat_error = NULL;
    g_autoptr(GError) lon_error = NULL;

    if (gexiv2_metadata_try_get_gps_latitude (meta, &lat, &lat_error) &&
        gexiv2_metadata_try_get_gps_longitude (meta, &lon, &lon_error) &&
        isfinite (lat) && isfinite (lon) &&
        lat >= -90.0 && lat <= 90.0 && lon >= -180.0 && lon <= 180.0)
      {
        info->latitude = lat;
        info->longitude = lon;
      }
  }

  make = exif_string (meta, "Exif.Image.Make");
  model = exif_string (meta, "Exif.Image.Model");
  if (make != NULL && model != NULL &&
      g_ascii_strncasecmp (model, make, strlen (make)) != 0)
    info->camera = g_strdup_printf ("%s %s", make, model);
  else if (model != NULL)
    info->camera = g_steal_pointer (&model);
  else
    info->camera = g_steal_pointer (&make);
}

static gboolean store_bytes (TgBlobStore     *self,
                             GBytes          *bytes,
                             TgVaultPurpose   purpose,
                             WriteResult     *result,
                             GError         **error);

/* A PNG of at most THUMBNAIL_SIZE pixels a side, turned upright, kept in
 * the store itself. A damaged image gets none: the file itself is kept. */
static void
make_thumbnail (TgBlobStore *self,
                TgBlobInfo  *info,
                const char  *path)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GdkPixbuf) upright = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *format_name = NULL;
  GdkPixbufFormat *format;
  WriteResult result;
  char *buffer = NULL;
  gsize len = 0;
  int width = 0, height = 0;

  format = gdk_pixbuf_get_file_info (path, &width, &height);
  if (format == NULL || width <= 0 || height <= 0)
    return;
  format_name = gdk_pixbuf_format_get_name (format);
  /* Drawings can reference other files and cost unbounded time to render;
   * they are kept as files without a preview. */
  if (g_strcmp0 (format_name, "svg") == 0)
    return;
  if ((gint64) width * height > MAX_DECODE_PIXELS && g_strcmp0 (format_name, "jpeg") != 0)
    return;

  pixbuf = gdk_pixbuf_new_from_file_at_scale (path,
                                              MIN (width, THUMBNAIL_SIZE),
                                              MIN (height, THUMBNAIL_SIZE),
                                              TRUE, &local_error);
  if (pixbuf == NULL)
    {
      g_debug ("No thumbnail for %s: %s", path, local_error->message);
      return;
    }
  upright = gdk_pixbuf_apply_embedded_orientation (pixbuf);
  if (upright == NULL)
    return;

  if (!gdk_pixbuf_save_to_buffer (upright, &buffer, &len, "png", &local_error, NULL))
    {
      g_debug ("Could not encode a thumbnail for %s: %s", path, local_error->message);
      return;
    }
  bytes = g_bytes_new_take (buffer, len);

  if (!store_bytes (self, bytes, TG_VAULT_PURPOSE_THUMBNAILS, &result, &local_error))
    {
      g_warning ("Could not store the thumbnail of %s: %s", path, local_error->message);
      return;
    }
  info->thumbnail_sha256 = g_strdup (result.sha256);
}

/* Encrypted images: metadata and thumbnail from memory ------------------ */

static GBytes *load (TgBlobStore   *self,
                     const char    *sha256,
                     gsize          max,
                     gboolean       prefix_only,
                     GCancellable  *cancellable,
                     GError       **error);

static void
read_exif_bytes (TgBlobInfo *info,
                 GBytes     *bytes)
{
  static const char * const date_tags[][2] = {
    { "Exif.Photo.DateTimeOriginal", "Exif.Photo.OffsetTimeOriginal" },
    { "Exif.Photo.DateTimeDigitized", "Exif.Photo.OffsetTimeDigitized" },
  };
  g_autoptr(GExiv2Metadata) meta = gexiv2_metadata_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *make = NULL;
  g_autofree char *model = NULL;
  double lat = NAN, lon = NAN;

  if (!gexiv2_metadata_open_buf (meta, g_bytes_get_data (bytes, NULL),
                                 g_bytes_get_size (bytes), &local_error))
    {
      g_debug ("No metadata in %s: %s", info->sha256, local_error->message);
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (date_tags) && info->captured_at == NULL; i++)
    {
      g_autofree char *value = exif_string (meta, date_tags[i][0]);
      g_autofree char *offset = exif_string (meta, date_tags[i][1]);

      info->captured_at = exif_date_to_iso8601 (value, offset);
    }

  {
    g_autoptr(GError) lat_error = NULL;
    g_autoptr(GError) lon_error = NULL;

    if (gexiv2_metadata_try_get_gps_latitude (meta, &lat, &lat_error) &&
        gexiv2_metadata_try_get_gps_longitude (meta, &lon, &lon_error) &&
        isfinite (lat) && isfinite (lon) &&
        lat >= -90.0 && lat <= 90.0 && lon >= -180.0 && lon <= 180.0)
      {
        info->latitude = lat;
        info->longitude = lon;
      }
  }

  make = exif_string (meta, "Exif.Image.Make");
  model = exif_string (meta, "Exif.Image.Model");
  if (make != NULL && model != NULL &&
      g_ascii_strncasecmp (model, make, strlen (make)) != 0)
    info->camera = g_strdup_printf ("%s %s", make, model);
  else if (model != NULL)
    info->camera = g_steal_pointer (&model);
  else
    info->camera = g_steal_pointer (&make);
}

typedef struct
{
  int      width;
  int      height;
  gboolean refused;
} LoaderSize;

/* Scales to THUMBNAIL_SIZE as the decoder goes (JPEG decodes at 1/8 when
 * asked), and refuses what make_thumbnail refuses. */
static void
thumbnail_size_prepared_cb (GdkPixbufLoader *loader,
                            int              width,
                            int              height,
                            LoaderSize      *size)
{
  GdkPixbufFormat *format = gdk_pixbuf_loader_get_format (loader);
  g_autofree char *name = format ? gdk_pixbuf_format_get_name (format) : NULL;
  double scale;

  size->width = width;
  size->height = height;
  if (width <= 0 || height <= 0 || g_strcmp0 (name, "svg") == 0 ||
      ((gint64) width * height > MAX_DECODE_PIXELS && g_strcmp0 (name, "jpeg") != 0))
    {
      size->refused = TRUE;
      gdk_pixbuf_loader_set_size (loader, 1, 1);
      return;
    }
  scale = MIN (1.0, MIN ((double) THUMBNAIL_SIZE / width, (double) THUMBNAIL_SIZE / height));
  gdk_pixbuf_loader_set_size (loader, MAX (1, (int) (width * scale + 0.5)),
                              MAX (1, (int) (height * scale + 0.5)));
}

/* Decodes the image that @in streams, scaled down as it goes. */
static GdkPixbuf *
thumbnail_from_stream (GInputStream  *in,
                       GError       **error)
{
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autofree guint8 *buffer = g_malloc (BUFFER_SIZE);
  LoaderSize size = { 0 };
  GdkPixbuf *pixbuf;

  g_signal_connect (loader, "size-prepared", G_CALLBACK (thumbnail_size_prepared_cb), &size);
  for (;;)
    {
      gssize n = g_input_stream_read (in, buffer, BUFFER_SIZE, NULL, error);

      if (n < 0)
        {
          gdk_pixbuf_loader_close (loader, NULL);
          return NULL;
        }
      if (n == 0)
        break;
      if (!gdk_pixbuf_loader_write (loader, buffer, n, error))
        {
          gdk_pixbuf_loader_close (loader, NULL);
          return NULL;
        }
      if (size.refused)
        break;
    }
  if (!gdk_pixbuf_loader_close (loader, size.refused ? NULL : error) || size.refused)
    {
      if (size.refused)
        g_set_error_literal (error, TG_ERROR, TG_ERROR_INVALID, "not made on purpose");
      return NULL;
    }
  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  return pixbuf ? gdk_pixbuf_apply_embedded_orientation (pixbuf) : NULL;
}

static void
store_thumbnail (TgBlobStore *self,
                 TgBlobInfo  *info,
                 GdkPixbuf   *upright)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  WriteResult result;
  char *buffer = NULL;
  gsize len = 0;

  if (!gdk_pixbuf_save_to_buffer (upright, &buffer, &len, "png", &local_error, NULL))
    {
      g_debug ("Could not encode a thumbnail for %s: %s", info->sha256, local_error->message);
      return;
    }
  bytes = g_bytes_new_take (buffer, len);
  if (!store_bytes (self, bytes, TG_VAULT_PURPOSE_THUMBNAILS, &result, &local_error))
    {
      g_warning ("Could not store the thumbnail of %s: %s", info->sha256, local_error->message);
      return;
    }
  info->thumbnail_sha256 = g_strdup (result.sha256);
}

/* The stored copy is decrypted to memory: whole for a photo of up to
 * MAX_IMAGE_IN_MEMORY, else its start for the metadata and a second
 * pass, streamed, for the thumbnail. */
static void
read_encrypted_image (TgBlobStore *self,
                      TgBlobInfo  *info)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) head = NULL;
  g_autoptr(GdkPixbuf) upright = NULL;
  gboolean whole = info->size <= MAX_IMAGE_IN_MEMORY;

  head = load (self, info->sha256, whole ? (gsize) info->size : METADATA_PREFIX, !whole,
               NULL, &local_error);
  if (head == NULL)
    {
      g_warning ("Could not read back %s: %s", info->sha256, local_error->message);
      return;
    }
  read_exif_bytes (info, head);

  if (g_strcmp0 (info->mime_type, "image/svg+xml") == 0)
    return;  /* drawings get no preview (see make_thumbnail) */
  if (whole)
    {
      g_autoptr(GInputStream) in = g_memory_input_stream_new_from_bytes (head);

      upright = thumbnail_from_stream (in, &local_error);
    }
  else
    {
      g_autoptr(GInputStream) in = tg_blob_store_read (self, info->sha256, NULL, &local_error);

      if (in != NULL)
        upright = thumbnail_from_stream (in, &local_error);
    }
  if (upright == NULL)
    {
      g_debug ("No thumbnail for %s: %s", info->sha256,
               local_error ? local_error->message : "no image");
      return;
    }
  store_thumbnail (self, info, upright);
}

static TgBlobInfo *
make_info (TgBlobStore *self,
           WriteResult *result,
           const char  *file_name)
{
  g_autoptr(TgBlobInfo) info = g_object_new (TG_TYPE_BLOB_INFO, NULL);
  g_autofree char *content_type = NULL;
  g_autofree char *path = blob_path (self, result->sha256);
  char *mime;

  info->sha256 = g_strdup (result->sha256);
  info->size = result->size;
  info->file_name = tg_clean_file_name (file_name);

  content_type = g_content_type_guess (info->file_name, result->head, result->head_len, NULL);
  mime = content_type ? g_content_type_get_mime_type (content_type) : NULL;
  info->mime_type = mime ? mime : g_strdup ("application/octet-stream");

  if (g_str_has_prefix (info->mime_type, "image/"))
    {
      if (tg_blob_store_get_vault (self) != NULL)
        read_encrypted_image (self, info);
      else
        {
          read_exif (info, path);
          make_thumbnail (self, info, path);
        }
    }

  return g_steal_pointer (&info);
}

static gboolean
store_bytes (TgBlobStore     *self,
             GBytes          *bytes,
             TgVaultPurpose   purpose,
             WriteResult     *result,
             GError         **error)
{
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_bytes (bytes);

  return write_stream (self, in, NULL, g_bytes_get_size (bytes), purpose, NULL,
                       NULL, NULL, NULL, result, error);
}

typedef struct
{
  GFile          *file;
  TgProgressFunc  progress;
  gpointer        progress_data;
} ImportData;

static void
import_data_free (ImportData *data)
{
  g_clear_object (&data->file);
  g_free (data);
}

static void
import_file_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  ImportData *data = task_data;
  GError *error = NULL;
  TgBlobInfo *info;

  info = tg_blob_store_import_file (source_object, data->file,
                                    data->progress, data->progress_data,
                                    cancellable, &error);
  if (info == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, info, g_object_unref);
}

/* GObject --------------------------------------------------------------- */

/* exiv2 reports a damaged EXIF block, which is outside input, as an
 * error, and gexiv2's own handler logs that as a critical: one photo with
 * a bad offset in its EXIF would abort a process run with fatal criticals
 * (every test program) and fill the log of any other. The photo is kept
 * all the same, without what could not be read: a debug message. */
static void
exiv2_log (GExiv2LogLevel  level,
           const char     *message)
{
  g_debug ("exiv2: %s", message);
}

static void
tg_blob_store_finalize (GObject *object)
{
  TgBlobStore *self = (TgBlobStore *) object;

  g_free (self->directory);
  g_clear_object (&self->vault);
  g_mutex_clear (&self->vault_lock);

  G_OBJECT_CLASS (tg_blob_store_parent_class)->finalize (object);
}

static void
tg_blob_store_class_init (TgBlobStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tg_blob_store_finalize;

  /* Runs once, before any thread can import. */
  if (!gexiv2_initialize ())
    g_warning ("Could not initialise gexiv2: photos will be imported without their metadata");
  gexiv2_log_set_level (GEXIV2_LOG_LEVEL_ERROR);
  gexiv2_log_set_handler (exiv2_log);
}

static void
tg_blob_store_init (TgBlobStore *self)
{
  g_mutex_init (&self->vault_lock);
}

/* Public API: TgBlobInfo ------------------------------------------------- */

const char *
tg_blob_info_get_sha256 (TgBlobInfo *self)
{
  g_return_val_if_fail (TG_IS_BLOB_INFO (self), NULL);
  return self->sha256;
}

gint64
tg_blob_info_get_size (TgBlobInfo *self)
{
  g_return_val_if_fail (TG_IS_BLOB_INFO (self), 0);
  return self->size;
}

const char *
tg_blob_info_get_mime_type (TgBlobInfo *self)
{
  g_return_val_if_fail (TG_IS_BLOB_INFO (self), NULL);
  return self->mime_type;
}

const char *
tg_blob_info_get_file_name (TgBlobInfo *self)
{
  g_return_val_if_fail (TG_IS_BLOB_INFO (self), NULL);
  return self->file_name;
}

const char *
tg_blob_info_get_captured_at (TgBlobInfo *self)
{
  g_return_val_if_fail (TG_IS_BLOB_INFO (self), NULL);
  return self->captured_at;
}

double
tg_blob_info_get_latitude (TgBlobInfo *self)
{
  g_return_val_if_fail (TG_IS_BLOB_INFO (self), NAN);
  return self->latitude;
}

double
tg_blob_info_get_longitude (TgBlobInfo *self)
{
  g_return_val_if_fail (TG_IS_BLOB_INFO (self), NAN);
  return self->longitude;
}

const char *
tg_blob_info_get_camera (TgBlobInfo *self)
{
  g_return_val_if_fail (TG_IS_BLOB_INFO (self), NULL);
  return self->camera;
}

const char *
tg_blob_info_get_thumbnail_sha256 (TgBlobInfo *self)
{
  g_return_val_if_fail (TG_IS_BLOB_INFO (self), NULL);
  return self->thumbnail_sha256;
}

/* Public API: TgBlobStore ------------------------------------------------ */

TgBlobStore *
tg_blob_store_new (const char *directory)
{
  TgBlobStore *self;

  g_return_val_if_fail (directory != NULL, NULL);

  self = g_object_new (TG_TYPE_BLOB_STORE, NULL);
  self->directory = g_strdup (directory);
  remove_stale_temporaries (self);
  return self;
}

const char *
tg_blob_store_get_directory (TgBlobStore *self)
{
  g_return_val_if_fail (TG_IS_BLOB_STORE (self), NULL);
  return self->directory;
}

TgBlobInfo *
tg_blob_store_import_file (TgBlobStore     *self,
                           GFile           *file,
                           TgProgressFunc   progress,
                           gpointer         progress_data,
                           GCancellable    *cancellable,
                           GError         **error)
{
  g_autoptr(GFileInfo) file_info = NULL;
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *basename = NULL;
  g_autofree char *display_name = NULL;
  WriteResult result;
  GFileType type;

  g_return_val_if_fail (TG_IS_BLOB_STORE (self), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable), NULL);

  file_info = g_file_query_info (file,
                                 G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                                 G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                 G_FILE_QUERY_INFO_NONE, cancellable, &local_error);
  if (file_info == NULL)
    {
      set_read_error (file, local_error, error);
      return NULL;
    }

  type = g_file_info_get_file_type (file_info);
  if (type == G_FILE_TYPE_DIRECTORY)
    {
      g_autofree char *name = g_file_get_parse_name (file);

      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   _("“%s” is a folder, not a file"), name);
      return NULL;
    }
  if (type != G_FILE_TYPE_REGULAR)
    {
      g_autofree char *name = g_file_get_parse_name (file);

      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   _("“%s” is not an ordinary file and cannot be kept as evidence"), name);
      return NULL;
    }

  in = g_file_read (file, cancellable, &local_error);
  if (in == NULL)
    {
      set_read_error (file, local_error, error);
      return NULL;
    }

  if (!write_stream (self, G_INPUT_STREAM (in), file, g_file_info_get_size (file_info),
                     TG_VAULT_PURPOSE_BLOBS, NULL, progress, progress_data, cancellable, &result, error))
    return NULL;

  /* Raw bytes from the file system, shown with U+FFFD where they are not
   * valid in the file name encoding. */
  basename = g_file_get_basename (file);
  display_name = basename ? g_filename_display_name (basename) : NULL;

  return make_info (self, &result, display_name);
}

void
tg_blob_store_import_file_async (TgBlobStore         *self,
                                 GFile               *file,
                                 TgProgressFunc       progress,
                                 gpointer             progress_data,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ImportData *data;

  g_return_if_fail (TG_IS_BLOB_STORE (self));
  g_return_if_fail (G_IS_FILE (file));

  data = g_new0 (ImportData, 1);
  data->file = g_object_ref (file);
  data->progress = progress;
  data->progress_data = progress_data;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_blob_store_import_file_async);
  g_task_set_task_data (task, data, (GDestroyNotify) import_data_free);
  g_task_run_in_thread (task, import_file_thread);
}

TgBlobInfo *
tg_blob_store_import_file_finish (TgBlobStore   *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (TG_IS_BLOB_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

TgBlobInfo *
tg_blob_store_import_bytes (TgBlobStore  *self,
                            GBytes       *bytes,
                            const char   *file_name,
                            GError      **error)
{
  WriteResult result;

  g_return_val_if_fail (TG_IS_BLOB_STORE (self), NULL);
  g_return_val_if_fail (bytes != NULL, NULL);

  if (!store_bytes (self, bytes, TG_VAULT_PURPOSE_BLOBS, &result, error))
    return NULL;
  return make_info (self, &result, file_name);
}

gboolean
tg_blob_store_contains (TgBlobStore *self,
                        const char  *sha256)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (TG_IS_BLOB_STORE (self), FALSE);

  if (!tg_is_sha256_hex (sha256))
    return FALSE;
  path = blob_path (self, sha256);
  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

GFile *
tg_blob_store_get_file (TgBlobStore *self,
                        const char  *sha256)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (TG_IS_BLOB_STORE (self), NULL);

  if (!tg_is_sha256_hex (sha256))
    return NULL;
  path = blob_path (self, sha256);
  return g_file_new_for_path (path);
}

gboolean
tg_blob_store_verify (TgBlobStore   *self,
                      const char    *sha256,
                      GCancellable  *cancellable,
                      GError       **error)
{
  TgSha256 sha;
  char actual[TG_SHA256_HEX_LENGTH + 1];
  g_autoptr(GInputStream) in = NULL;
  g_autofree guint8 *buffer = NULL;

  g_return_val_if_fail (TG_IS_BLOB_STORE (self), FALSE);

  if (!tg_is_sha256_hex (sha256))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   _("“%s” is not a SHA-256 fingerprint"), sha256 ? sha256 : "");
      return FALSE;
    }

  tg_sha256_init (&sha);
  in = tg_blob_store_read (self, sha256, cancellable, error);
  if (in == NULL)
    return FALSE;

  buffer = g_malloc (BUFFER_SIZE);
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n = g_input_stream_read (in, buffer, BUFFER_SIZE, cancellable, &local_error);

      if (n < 0)
        {
          if (local_error->domain == TG_VAULT_ERROR &&
              (local_error->code == TG_VAULT_ERROR_TAMPERED ||
               local_error->code == TG_VAULT_ERROR_TRUNCATED))
            g_set_error (error, TG_ERROR, TG_ERROR_HASH_MISMATCH,
                         _("The evidence file %s has been altered: %s"), sha256,
                         local_error->message);
          else
            {
              g_autoptr(GFile) file = tg_blob_store_get_file (self, sha256);

              set_read_error (file, local_error, error);
            }
          return FALSE;
        }
      if (n == 0)
        break;
      tg_sha256_update (&sha, buffer, n);
    }

  tg_sha256_finish_hex (&sha, actual);
  if (strcmp (actual, sha256) != 0)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_HASH_MISMATCH,
                   _("The evidence file %s has been altered: its content no longer "
                     "matches the fingerprint taken when it was imported"), sha256);
      return FALSE;
    }
  return TRUE;
}

void
tg_blob_store_set_vault (TgBlobStore *self,
                         TgVault     *vault)
{
  g_return_if_fail (TG_IS_BLOB_STORE (self));
  g_return_if_fail (vault == NULL || TG_IS_VAULT (vault));

  g_mutex_lock (&self->vault_lock);
  g_set_object (&self->vault, vault);
  g_mutex_unlock (&self->vault_lock);
}

TgVault *
tg_blob_store_get_vault (TgBlobStore *self)
{
  TgVault *vault;

  g_return_val_if_fail (TG_IS_BLOB_STORE (self), NULL);

  /* The store keeps its reference until it is replaced: peeking is safe
   * while the caller keeps the store and does not replace the vault. */
  g_mutex_lock (&self->vault_lock);
  vault = self->vault;
  g_mutex_unlock (&self->vault_lock);
  return vault;
}

/* Opens the stored file and tells whether it is encrypted, the stream at
 * its start. */
static GFileInputStream *
open_stored (TgBlobStore   *self,
             const char    *sha256,
             gboolean      *encrypted,
             gint64        *file_size,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GFileInfo) file_info = NULL;
  g_autoptr(GError) local_error = NULL;
  guint8 head[TG_CRYPT_PREFIX_LEN];
  gsize got = 0;

  if (!tg_is_sha256_hex (sha256))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                   _("“%s” is not a SHA-256 fingerprint"), sha256 ? sha256 : "");
      return NULL;
    }
  file = tg_blob_store_get_file (self, sha256);
  in = g_file_read (file, cancellable, &local_error);
  if (in == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND,
                     _("The evidence file %s is missing from the evidence folder"), sha256);
      else
        set_read_error (file, local_error, error);
      return NULL;
    }
  file_info = g_file_input_stream_query_info (in, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                              cancellable, error);
  if (file_info == NULL ||
      !g_input_stream_read_all (G_INPUT_STREAM (in), head, sizeof head, &got, cancellable, error) ||
      !g_seekable_seek (G_SEEKABLE (in), 0, G_SEEK_SET, cancellable, error))
    return NULL;
  *file_size = g_file_info_get_size (file_info);
  /* Only a store with a vault looks for encrypted files: a plain store
   * keeps whatever bytes were imported, even ones that begin like one. */
  *encrypted = tg_blob_store_get_vault (self) != NULL && tg_crypt_is_encrypted (head, got);
  return g_steal_pointer (&in);
}

GInputStream *
tg_blob_store_read (TgBlobStore   *self,
                    const char    *sha256,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(TgVault) vault = NULL;
  gboolean encrypted = FALSE;
  gint64 file_size = 0;

  g_return_val_if_fail (TG_IS_BLOB_STORE (self), NULL);

  in = open_stored (self, sha256, &encrypted, &file_size, cancellable, error);
  if (in == NULL)
    return NULL;
  if (!encrypted)
    return G_INPUT_STREAM (g_steal_pointer (&in));
  vault = dup_vault (self);
  return tg_crypt_input_stream_new (G_INPUT_STREAM (in), file_size, vault, sha256, error);
}

gint64
tg_blob_store_get_size (TgBlobStore *self,
                        const char  *sha256)
{
  g_autoptr(GFileInputStream) in = NULL;
  gboolean encrypted = FALSE;
  gint64 file_size = 0;

  g_return_val_if_fail (TG_IS_BLOB_STORE (self), -1);

  in = open_stored (self, sha256, &encrypted, &file_size, NULL, NULL);
  if (in == NULL)
    return -1;
  return encrypted ? tg_crypt_plain_size (file_size) : file_size;
}

gboolean
tg_blob_store_is_encrypted (TgBlobStore *self,
                            const char  *sha256)
{
  g_autoptr(GFileInputStream) in = NULL;
  gboolean encrypted = FALSE;
  gint64 file_size = 0;

  g_return_val_if_fail (TG_IS_BLOB_STORE (self), FALSE);

  in = open_stored (self, sha256, &encrypted, &file_size, NULL, NULL);
  return in != NULL && encrypted;
}

/* Reads @sha256's content into memory: all of it (TG_ERROR_INVALID if it
 * is longer than @max), or with @prefix_only its first @max bytes. */
static GBytes *
load (TgBlobStore   *self,
      const char    *sha256,
      gsize          max,
      gboolean       prefix_only,
      GCancellable  *cancellable,
      GError       **error)
{
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GByteArray) data = NULL;
  g_autofree guint8 *buffer = NULL;

  in = tg_blob_store_read (self, sha256, cancellable, error);
  if (in == NULL)
    return NULL;
  data = g_byte_array_new ();
  buffer = g_malloc (BUFFER_SIZE);
  /* to the end, so that the last chunk's check runs */
  for (;;)
    {
      gssize n = g_input_stream_read (in, buffer, BUFFER_SIZE, cancellable, error);

      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      if (data->len + (gsize) n > max)
        {
          if (prefix_only)
            {
              g_byte_array_append (data, buffer, max - data->len);
              break;
            }
          g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                       _("The evidence file %s is too large to open here"), sha256);
          return NULL;
        }
      g_byte_array_append (data, buffer, n);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

GBytes *
tg_blob_store_load_bytes (TgBlobStore   *self,
                          const char    *sha256,
                          gsize          max_size,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_return_val_if_fail (TG_IS_BLOB_STORE (self), NULL);
  return load (self, sha256, max_size, FALSE, cancellable, error);
}

static void
load_bytes_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  GError *error = NULL;
  gsize max = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (task), "max"));
  GBytes *bytes = tg_blob_store_load_bytes (source_object, task_data, max, cancellable, &error);

  if (bytes == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

void
tg_blob_store_load_bytes_async (TgBlobStore         *self,
                                const char          *sha256,
                                gsize                max_size,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TG_IS_BLOB_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tg_blob_store_load_bytes_async);
  g_task_set_task_data (task, g_strdup (sha256), g_free);
  g_object_set_data (G_OBJECT (task), "max", GSIZE_TO_POINTER (max_size));
  g_task_run_in_thread (task, load_bytes_thread);
}

GBytes *
tg_blob_store_load_bytes_finish (TgBlobStore   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (TG_IS_BLOB_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
tg_blob_store_export (TgBlobStore   *self,
                      const char    *sha256,
                      GFile         *destination,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (TG_IS_BLOB_STORE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (destination), FALSE);

  in = tg_blob_store_read (self, sha256, cancellable, error);
  if (in == NULL)
    return FALSE;
  out = g_file_replace (destination, NULL, FALSE, G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                        cancellable, error);
  if (out == NULL)
    return FALSE;
  /* Closing a replaced file renames it into place: on a failure before
   * that the destination keeps what it had. */
  if (g_output_stream_splice (G_OUTPUT_STREAM (out), in, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE,
                              cancellable, &local_error) < 0)
    {
      g_autoptr(GCancellable) abandon = g_cancellable_new ();

      g_cancellable_cancel (abandon);
      g_output_stream_close (G_OUTPUT_STREAM (out), abandon, NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return g_output_stream_close (G_OUTPUT_STREAM (out), cancellable, error);
}

gboolean
tg_blob_store_encrypt_in_place (TgBlobStore   *self,
                                const char    *sha256,
                                GCancellable  *cancellable,
                                GError       **error)
{
  g_autoptr(GFileInputStream) in = NULL;
  WriteResult result;
  gboolean encrypted = FALSE;
  gint64 file_size = 0;

  g_return_val_if_fail (TG_IS_BLOB_STORE (self), FALSE);

  if (tg_blob_store_get_vault (self) == NULL)
    {
      g_set_error_literal (error, TG_VAULT_ERROR, TG_VAULT_ERROR_LOCKED,
                           _("Testigo is locked: unlock it first."));
      return FALSE;
    }
  in = open_stored (self, sha256, &encrypted, &file_size, cancellable, error);
  if (in == NULL)
    return FALSE;
  if (encrypted)
    return TRUE;
  /* The encrypted copy replaces the plain one by rename, only once it is
   * whole on disk and its content hashed to @sha256. */
  return write_stream (self, G_INPUT_STREAM (in), NULL, file_size, TG_VAULT_PURPOSE_BLOBS, sha256,
                       NULL, NULL, cancellable, &result, error);
}

/* Names ------------------------------------------------------------------ */

/* Valid UTF-8 in NFC with every control or bidi-override character
 * replaced by "_", and, unless @keep_separators, "/" and "\" too. */
static char *
replace_unsafe (const char *name,
                gboolean    keep_separators)
{
  g_autofree char *valid = g_utf8_make_valid (name, -1);
  g_autofree char *normal = g_utf8_normalize (valid, -1, G_NORMALIZE_NFC);
  GString *clean = g_string_new (NULL);

  for (const char *p = normal; p != NULL && *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_unsafe_char (c) || (!keep_separators && (c == '/' || c == '\\')))
        g_string_append_c (clean, '_');
      else
        g_string_append_unichar (clean, c);
    }
  return g_string_free (clean, FALSE);
}

/* Cuts @name to MAX_NAME_BYTES on a character boundary, keeping a short
 * extension. */
static char *
truncate_name (const char *name)
{
  gsize len = strlen (name);
  const char *dot = strrchr (name, '.');
  gsize ext_len = 0;
  const char *cut;

  if (len <= MAX_NAME_BYTES)
    return g_strdup (name);

  if (dot != NULL && dot != name && strlen (dot) <= 16)
    ext_len = strlen (dot);
  cut = name + MAX_NAME_BYTES - ext_len;
  while (cut > name && (*cut & 0xc0) == 0x80)
    cut--;

  {
    g_autofree char *stem = g_strndup (name, cut - name);

    return g_strconcat (stem, ext_len ? dot : "", NULL);
  }
}

char *
tg_clean_file_name (const char *name)
{
  g_autofree char *trimmed = NULL;
  g_autofree char *clean = NULL;
  const char *base;
  gsize len;

  if (name == NULL)
    return g_strdup (FALLBACK_NAME);

  /* Only the last component, whether "/" or "\" separated it. */
  trimmed = g_strstrip (g_strdup (name));
  len = strlen (trimmed);
  while (len > 0 && (trimmed[len - 1] == '/' || trimmed[len - 1] == '\\'))
    trimmed[--len] = '\0';
  base = trimmed;
  for (const char *p = trimmed; *p; p++)
    if (*p == '/' || *p == '\\')
      base = p + 1;

  clean = replace_unsafe (base, FALSE);
  g_strstrip (clean);
  if (*clean == '\0' || strcmp (clean, ".") == 0 || strcmp (clean, "..") == 0)
    return g_strdup (FALLBACK_NAME);

  return truncate_name (clean);
}

char *
tg_sanitize_file_name (const char  *name,
                       GError     **error)
{
  g_autofree char *shown = NULL;
  g_autofree char *normal = NULL;

  if (name == NULL || *name == '\0')
    {
      g_set_error (error, TG_ERROR, TG_ERROR_UNSAFE_NAME, _("The file name is empty"));
      return NULL;
    }

  shown = replace_unsafe (name, TRUE);

  if (!g_utf8_validate (name, -1, NULL))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_UNSAFE_NAME,
                   _("The file name “%s” is not valid text"), shown);
      return NULL;
    }
  if (strchr (name, '/') != NULL || strchr (name, '\\') != NULL)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_UNSAFE_NAME,
                   _("The file name “%s” contains a folder separator"), shown);
      return NULL;
    }
  if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    {
      g_set_error (error, TG_ERROR, TG_ERROR_UNSAFE_NAME,
                   _("“%s” names a folder, not a file"), name);
      return NULL;
    }
  for (const char *p = name; *p; p = g_utf8_next_char (p))
    if (is_unsafe_char (g_utf8_get_char (p)))
      {
        g_set_error (error, TG_ERROR, TG_ERROR_UNSAFE_NAME,
                     _("The file name “%s” contains control characters"), shown);
        return NULL;
      }

  normal = g_utf8_normalize (name, -1, G_NORMALIZE_NFC);
  g_strstrip (normal);
  if (*normal == '\0')
    {
      g_set_error (error, TG_ERROR, TG_ERROR_UNSAFE_NAME, _("The file name is empty"));
      return NULL;
    }
  if (strlen (normal) > MAX_NAME_BYTES)
    {
      g_autofree char *start = g_utf8_substring (normal, 0, 40);

      g_set_error (error, TG_ERROR, TG_ERROR_UNSAFE_NAME,
                   _("The file name “%s…” is too long"), start);
      return NULL;
    }
  return g_steal_pointer (&normal);
}
