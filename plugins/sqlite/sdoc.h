/*
 * A document copied out of the host's object, ready to be written
 * (store.h).  sdoc_prepare runs on the thread that calls process(), in
 * parallel with other documents and outside the commit: it does every
 * piece of work that does not need the database (metadata, sorting and
 * grouping the entities, the JSON of their mentions, hashes of surfaces
 * and types, tokenizing the title and text), so that the commit only
 * looks entities up and writes rows.  (An entity's folded key is made in
 * the commit, for the few entities the writer does not know: known.h.)
 */
#ifndef SQLIDX_SDOC_H
#define SQLIDX_SDOC_H

#include <inboxd/plugin.h>
#include <stddef.h>
#include <stdint.h>

#include "jbuf.h"
#include "tokrec.h"

/* One mention; every string points into the host's entity (valid while
 * process() runs). */
struct sdoc_ent {
    const char *type, *surface, *value, *lang, *attrs_json;
    const char *key;  /* key, else value, else surface */
    const char *name; /* display name: value, else surface */
    size_t start, end;
    double confidence;
};

/* The mentions ents[first .. first + n) of one entity (type, key). */
struct sdoc_group {
    size_t first, n;
    uint64_t type_hash;      /* terms_hash of the type */
    uint64_t ent_hash;       /* known_entity_hash of (type, key) */
    size_t json_off, json_len; /* the mentions as a JSON array, in d->json */
    size_t surf_first, n_surf; /* distinct surfaces: d->surf[...] */
};

struct sdoc_surface {
    const char *surface; /* points into the host's entity */
    uint64_t hash;       /* terms_hash of it */
};

/* Owned strings are freed by sdoc_clear; id and text point into the
 * host's document. */
struct sdoc {
    const char *id;
    char *name;
    int64_t received_ms;
    int64_t bytes;
    int reprocess;
    char *charset, *lang, *langs, *title, *lead, *byline, *source_url,
        *published, *meta;
    const char *text;
    size_t text_len;
    struct sdoc_ent *ents;     /* sorted by (type, key, start) */
    size_t n_ents;
    struct sdoc_group *groups; /* in the order of ents */
    size_t n_groups;
    struct sdoc_surface *surf;
    size_t n_surf;
    /* each group's mentions: [[start, end, surface, value, lang,
     * confidence, attrs (the JSON object as a string) or null], ...] */
    struct jbuf json;
    /* the title's and the text's tokenizations, replayed to FTS5 by the
     * commit (unused when a text is too long or could not be recorded:
     * the commit tokenizes it) */
    struct tokrec rec[2];
};

/* Copies what the index needs out of doc.  0, or -ENOMEM with a message
 * in err. */
int sdoc_prepare(struct sdoc *d, const inboxd_host *h, inboxd_doc *doc,
                 char *err, size_t errlen);
/* NULL-safe; leaves *d zeroed. */
void sdoc_clear(struct sdoc *d);

#endif
