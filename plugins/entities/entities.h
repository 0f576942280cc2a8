/*
 * The entity extractor without the host: load the data (rules, word lists,
 * gazetteers) once, then extract entities from UTF-8 buffers.  Used by the
 * inboxd plugin (plugin.c), the evaluation scorer, the benchmark and the
 * fuzz target.
 *
 * Thread safety: an ent_data is read-only after ent_data_load() returns and
 * may be shared by any number of threads calling ent_extract() at once; each
 * call uses its own scratch memory.
 */
#ifndef ENT_ENTITIES_H
#define ENT_ENTITIES_H

#include <stddef.h>
#include <stdint.h>

typedef struct ent_data ent_data;

enum ent_type {
    ENT_PERSON = 0,
    ENT_ORG,
    ENT_LOC,
    ENT_DATE,
    ENT_DOCREF,
    ENT_QUANTITY,
    ENT_MONEY,
    ENT_PERCENT,
    ENT_URL,
    ENT_EMAIL,
    ENT_NTYPES
};

/* "PERSON", "ORG"...; NULL past the end. */
const char *ent_type_name(int type);
/* The type named (upper case), or -1. */
int ent_type_from_name(const char *name);

/* One entity.  Every string is owned by the list that holds it. */
typedef struct ent_entity {
    int type;          /* enum ent_type */
    size_t start, end; /* byte offsets into the text; end one past */
    char *text;        /* the surface, text[start:end] */
    char *value;       /* normalized value */
    char *key;         /* canonical cross-script key */
    char *attrs;       /* JSON object text, never NULL */
    char lang[16];     /* language of the sentence ("ar"), or "" */
    double confidence; /* 0..1 */
} ent_entity;

typedef struct ent_list {
    ent_entity *v; /* owned array */
    size_t n, cap;
    int truncated; /* 1 when max_entities cut the list short */
} ent_list;

/* A language span of the text (the parse stage's "paragraphs"). */
typedef struct ent_span_lang {
    size_t start, end; /* bytes */
    char lang[16];
} ent_span_lang;

typedef struct ent_opts {
    const char *doc_lang;        /* dominant language or NULL */
    const ent_span_lang *spans;  /* sorted by start, or NULL */
    size_t n_spans;
    int ref_year;                /* year for dates without one when the
                                    text names none; 0 = unknown */
    size_t max_entities;         /* 0 = no limit */
    unsigned types;              /* bit (1u << type) per wanted type;
                                    0 = all */
    int latin;                   /* 1: add the "latin" attribute */
} ent_opts;

/* Loads DIR/<lang>.json for every *.json in DIR and DIR/gazetteer/ *.json.
 * On failure returns a negative errno and writes a message naming the file
 * and the problem into err.  *out owned by the caller (ent_data_free). */
int ent_data_load(ent_data **out, const char *dir, char *err, size_t errlen);
/* NULL-safe; returns NULL. */
ent_data *ent_data_free(ent_data *d);
/* Statistics for tests and logs. */
size_t ent_data_entries(const ent_data *d);

/* Extracts the entities of text (len bytes of UTF-8; invalid sequences are
 * skipped, never read past len) into out, which must be zeroed or cleared;
 * entities come sorted by start.  Returns 0 or a negative errno (-ENOMEM);
 * out is then cleared. */
int ent_extract(const ent_data *d, const char *text, size_t len,
                const ent_opts *opts, ent_list *out);

/* Frees the entities and the array; the list can be reused. NULL-safe. */
void ent_list_clear(ent_list *l);

#endif
