/* tg-vocabulary.c — controlled vocabularies read from translated JSON files, as list models
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tg-vocabulary"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "tg-types.h"
#include "tg-vocabulary.h"

/* Languages the shipped vocabularies carry, in order of preference when
 * the environment names none of them. */
static const char * const known_languages[] = { "en", "es", NULL };

/* TgVocabularyEntry ------------------------------------------------------ */

struct _TgVocabularyEntry
{
  GObject     parent_instance;

  char       *code;
  const char *language;      /* interned */
  GHashTable *labels;        /* language → label */
  GHashTable *descriptions;  /* language → description */
};

G_DEFINE_FINAL_TYPE (TgVocabularyEntry, tg_vocabulary_entry, G_TYPE_OBJECT)

enum {
  ENTRY_PROP_0,
  ENTRY_PROP_CODE,
  ENTRY_PROP_LABEL,
  ENTRY_PROP_DESCRIPTION,
  ENTRY_N_PROPS
};

static GParamSpec *entry_properties[ENTRY_N_PROPS];

static void
tg_vocabulary_entry_finalize (GObject *object)
{
  TgVocabularyEntry *self = (TgVocabularyEntry *) object;

  g_free (self->code);
  g_hash_table_unref (self->labels);
  g_hash_table_unref (self->descriptions);

  G_OBJECT_CLASS (tg_vocabulary_entry_parent_class)->finalize (object);
}

static void
tg_vocabulary_entry_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  TgVocabularyEntry *self = TG_VOCABULARY_ENTRY (object);

  switch (prop_id)
    {
    case ENTRY_PROP_CODE:
      g_value_set_string (value, self->code);
      break;
    case ENTRY_PROP_LABEL:
      g_value_set_string (value, tg_vocabulary_entry_get_label (self));
      break;
    case ENTRY_PROP_DESCRIPTION:
      g_value_set_string (value, tg_vocabulary_entry_get_description (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tg_vocabulary_entry_class_init (TgVocabularyEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tg_vocabulary_entry_finalize;
  object_class->get_property = tg_vocabulary_entry_get_property;

  entry_properties[ENTRY_PROP_CODE] =
    g_param_spec_string ("code", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  entry_properties[ENTRY_PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  entry_properties[ENTRY_PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ENTRY_N_PROPS, entry_properties);
}

static void
tg_vocabulary_entry_init (TgVocabularyEntry *self)
{
  self->labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->descriptions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

const char *
tg_vocabulary_entry_get_code (TgVocabularyEntry *self)
{
  g_return_val_if_fail (TG_IS_VOCABULARY_ENTRY (self), NULL);
  return self->code;
}

const char *
tg_vocabulary_entry_get_label_for (TgVocabularyEntry *self,
                                   const char        *language)
{
  const char *label = NULL;

  g_return_val_if_fail (TG_IS_VOCABULARY_ENTRY (self), NULL);

  if (language != NULL)
    label = g_hash_table_lookup (self->labels, language);
  if (label == NULL)
    label = g_hash_table_lookup (self->labels, "en");
  return label;
}

const char *
tg_vocabulary_entry_get_label (TgVocabularyEntry *self)
{
  g_return_val_if_fail (TG_IS_VOCABULARY_ENTRY (self), NULL);
  return tg_vocabulary_entry_get_label_for (self, self->language);
}

const char *
tg_vocabulary_entry_get_description_for (TgVocabularyEntry *self,
                                         const char        *language)
{
  const char *text = NULL;

  g_return_val_if_fail (TG_IS_VOCABULARY_ENTRY (self), NULL);

  if (language != NULL)
    text = g_hash_table_lookup (self->descriptions, language);
  if (text == NULL)
    text = g_hash_table_lookup (self->descriptions, "en");
  return text;
}

const char *
tg_vocabulary_entry_get_description (TgVocabularyEntry *self)
{
  g_return_val_if_fail (TG_IS_VOCABULARY_ENTRY (self), NULL);
  return tg_vocabulary_entry_get_description_for (self, self->language);
}

/* TgVocabulary ----------------------------------------------------------- */

struct _TgVocabulary
{
  GObject     parent_instance;

  GPtrArray  *entries;   /* of TgVocabularyEntry */
  GHashTable *by_code;   /* code → position + 1 */
  const char *language;  /* interned */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TgVocabulary, tg_vocabulary, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static const char *
normalize_language (const char *language)
{
  g_autofree char *lang = NULL;
  gsize len;

  if (language == NULL || *language == '\0')
    return NULL;
  len = strcspn (language, "_.@-");
  if (len == 0)
    return NULL;
  lang = g_ascii_strdown (language, len);
  return g_intern_string (lang);
}

static gboolean
is_language_key (const char *key)
{
  /* "en", "es", "qu", … and "pt-BR"-like forms are not used. */
  return strlen (key) == 2 && g_ascii_islower (key[0]) && g_ascii_islower (key[1]);
}

static gboolean
is_valid_code (const char *code)
{
  if (code == NULL || *code == '\0' || strlen (code) > 64)
    return FALSE;
  for (const char *p = code; *p != '\0'; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

static GType
list_model_get_item_type (GListModel *model)
{
  return TG_TYPE_VOCABULARY_ENTRY;
}

static guint
list_model_get_n_items (GListModel *model)
{
  return TG_VOCABULARY (model)->entries->len;
}

static gpointer
list_model_get_item (GListModel *model,
                     guint       position)
{
  TgVocabulary *self = TG_VOCABULARY (model);

  if (position >= self->entries->len)
    return NULL;
  return g_object_ref (self->entries->pdata[position]);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = list_model_get_item_type;
  iface->get_n_items = list_model_get_n_items;
  iface->get_item = list_model_get_item;
}

static void
tg_vocabulary_finalize (GObject *object)
{
  TgVocabulary *self = (TgVocabulary *) object;

  g_ptr_array_unref (self->entries);
  g_hash_table_unref (self->by_code);

  G_OBJECT_CLASS (tg_vocabulary_parent_class)->finalize (object);
}

static void
tg_vocabulary_class_init (TgVocabularyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tg_vocabulary_finalize;
}

static void
tg_vocabulary_init (TgVocabulary *self)
{
  self->entries = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_code = g_hash_table_new (g_str_hash, g_str_equal);
}

static gboolean
malformed (GError     **error,
           const char  *path,
           guint        index,
           const char  *problem)
{
  g_autofree char *name = g_filename_display_name (path);

  if (index == 0)
    g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                 _("The vocabulary file %s is malformed: %s"), name, problem);
  else
    g_set_error (error, TG_ERROR, TG_ERROR_INVALID,
                 _("The vocabulary file %s is malformed at entry %u: %s"), name, index, problem);
  return FALSE;
}

static TgVocabularyEntry *
entry_from_json (JsonNode     *node,
                 const char   *path,
                 guint         index,
                 GError      **error)
{
  g_autoptr(TgVocabularyEntry) entry = NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *object;
  JsonNode *code;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      malformed (error, path, index, _("an entry must be an object"));
      return NULL;
    }
  object = json_node_get_object (node);

  code = json_object_get_member (object, "code");
  if (code == NULL || json_node_get_value_type (code) != G_TYPE_STRING ||
      !is_valid_code (json_node_get_string (code)))
    {
      malformed (error, path, index,
                 _("\"code\" must be a short text of lower-case letters, digits and \"_\""));
      return NULL;
    }

  entry = g_object_new (TG_TYPE_VOCABULARY_ENTRY, NULL);
  entry->code = g_strdup (json_node_get_string (code));

  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonNode *value = json_object_get_member (object, key);
      GHashTable *table;
      const char *lang;

      if (g_str_equal (key, "code"))
        continue;

      if (g_str_has_prefix (key, "description_"))
        {
          table = entry->descriptions;
          lang = key + strlen ("description_");
        }
      else
        {
          table = entry->labels;
          lang = key;
        }
      if (!is_language_key (lang))
        {
          g_autofree char *problem = g_strdup_printf (_("unknown member \"%s\""), key);
          malformed (error, path, index, problem);
          return NULL;
        }
      if (json_node_get_value_type (value) != G_TYPE_STRING ||
          *json_node_get_string (value) == '\0' ||
          !g_utf8_validate (json_node_get_string (value), -1, NULL))
        {
          g_autofree char *problem = g_strdup_printf (_("\"%s\" must be a non-empty text"), key);
          malformed (error, path, index, problem);
          return NULL;
        }
      g_hash_table_replace (table, g_strdup (lang), g_strdup (json_node_get_string (value)));
    }

  if (!g_hash_table_contains (entry->labels, "en"))
    {
      malformed (error, path, index, _("the English label \"en\" is missing"));
      return NULL;
    }
  return g_steal_pointer (&entry);
}

/* Public API ------------------------------------------------------------- */

const char *
tg_vocabulary_kind_get_file_name (TgVocabularyKind kind)
{
  switch (kind)
    {
    case TG_VOCABULARY_CATEGORIES:
      return "categories.json";
    case TG_VOCABULARY_HARMS:
      return "harms.json";
    case TG_VOCABULARY_WEAPONS:
      return "weapons.json";
    case TG_VOCABULARY_PERPETRATORS:
      return "perpetrators.json";
    default:
      g_return_val_if_reached (NULL);
    }
}

char *
tg_vocabulary_get_default_directory (void)
{
  const char *env = g_getenv ("TESTIGO_DATA_DIR");
  g_autofree char *installed = NULL;

  if (env != NULL && *env != '\0')
    return g_build_filename (env, "vocabularies", NULL);

  installed = g_build_filename (PKGDATADIR, "vocabularies", NULL);
  if (g_file_test (installed, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&installed);

  return g_build_filename (SRCDATADIR, "vocabularies", NULL);
}

const char *
tg_vocabulary_get_default_language (void)
{
  const char * const *names = g_get_language_names ();

  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *lang = normalize_language (names[i]);

      if (lang != NULL && g_strv_contains (known_languages, lang))
        return lang;
    }
  return g_intern_static_string ("en");
}

/**
 * tg_vocabulary_new_from_file:
 * @path: a vocabulary JSON file
 * @language: (nullable): the language of labels, or %NULL for the default
 * @error: return location for an error
 *
 * Returns: (transfer full): the vocabulary, or %NULL with @error set
 */
TgVocabulary *
tg_vocabulary_new_from_file (const char  *path,
                             const char  *language,
                             GError     **error)
{
  g_autoptr(TgVocabulary) self = NULL;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  JsonNode *root;
  JsonArray *array;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, TG_ERROR, TG_ERROR_NOT_FOUND,
                   _("The vocabulary could not be read: %s"), local_error->message);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, contents, length, &local_error))
    {
      malformed (error, path, 0, local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    {
      malformed (error, path, 0, _("it must be a list of entries"));
      return NULL;
    }

  self = g_object_new (TG_TYPE_VOCABULARY, NULL);
  self->language = normalize_language (language);
  if (self->language == NULL)
    self->language = tg_vocabulary_get_default_language ();

  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      TgVocabularyEntry *entry = entry_from_json (json_array_get_element (array, i),
                                                  path, i + 1, error);

      if (entry == NULL)
        return NULL;
      if (g_hash_table_contains (self->by_code, entry->code))
        {
          g_autofree char *problem = g_strdup_printf (_("the code \"%s\" appears twice"),
                                                      entry->code);
          g_object_unref (entry);
          malformed (error, path, i + 1, problem);
          return NULL;
        }
      entry->language = self->language;
      g_ptr_array_add (self->entries, entry);
      g_hash_table_insert (self->by_code, entry->code, GUINT_TO_POINTER (i + 1));
    }

  if (self->entries->len == 0)
    {
      malformed (error, path, 0, _("it holds no entries"));
      return NULL;
    }

  return g_steal_pointer (&self);
}

/**
 * tg_vocabulary_load:
 * @kind: which vocabulary
 * @directory: (nullable): where to read it, or %NULL for
 *   tg_vocabulary_get_default_directory()
 * @language: (nullable): the language of labels, or %NULL for the default
 * @error: return location for an error
 *
 * Returns: (transfer full): the vocabulary, or %NULL with @error set
 */
TgVocabulary *
tg_vocabulary_load (TgVocabularyKind   kind,
                    const char        *directory,
                    const char        *language,
                    GError           **error)
{
  g_autofree char *default_dir = NULL;
  g_autofree char *path = NULL;

  if (directory == NULL)
    directory = default_dir = tg_vocabulary_get_default_directory ();
  path = g_build_filename (directory, tg_vocabulary_kind_get_file_name (kind), NULL);
  return tg_vocabulary_new_from_file (path, language, error);
}

const char *
tg_vocabulary_get_language (TgVocabulary *self)
{
  g_return_val_if_fail (TG_IS_VOCABULARY (self), NULL);
  return self->language;
}

guint
tg_vocabulary_find (TgVocabulary *self,
                    const char   *code)
{
  gpointer pos;

  g_return_val_if_fail (TG_IS_VOCABULARY (self), G_MAXUINT);

  if (code == NULL)
    return G_MAXUINT;
  pos = g_hash_table_lookup (self->by_code, code);
  return pos ? GPOINTER_TO_UINT (pos) - 1 : G_MAXUINT;
}

gboolean
tg_vocabulary_contains (TgVocabulary *self,
                        const char   *code)
{
  return tg_vocabulary_find (self, code) != G_MAXUINT;
}

/**
 * tg_vocabulary_lookup:
 *
 * Returns: (transfer none) (nullable): the entry of @code
 */
TgVocabularyEntry *
tg_vocabulary_lookup (TgVocabulary *self,
                      const char   *code)
{
  guint pos = tg_vocabulary_find (self, code);

  return pos == G_MAXUINT ? NULL : self->entries->pdata[pos];
}

const char *
tg_vocabulary_get_label (TgVocabulary *self,
                         const char   *code,
                         const char   *language)
{
  TgVocabularyEntry *entry;
  const char *lang;

  g_return_val_if_fail (TG_IS_VOCABULARY (self), NULL);

  entry = tg_vocabulary_lookup (self, code);
  if (entry == NULL)
    return code;
  lang = normalize_language (language);
  return tg_vocabulary_entry_get_label_for (entry, lang ? lang : self->language);
}
