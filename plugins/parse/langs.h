/*
 * Language profiles (etc/inboxd/parse/langs.json): the language a script
 * identifies by itself ("Grek" -> "el"), and per language its script and
 * its stop words, which tell apart languages that share a script (en, fr,
 * vi in Latin; ar, fa in Arabic) and score charset candidates.  At most 64
 * profiles.  Loaded once; read-only afterwards (thread-safe).
 */
#ifndef PARSE_LANGS_H
#define PARSE_LANGS_H

#include "pint.h"

#include <unicode/uscript.h>

#define LANGS_MAX 64

/* Loads path; 0, or a negative errno with a message in err. */
int langs_load(const char *path, plangs **out, char *err, size_t errlen);
/* NULL-safe; returns NULL. */
plangs *langs_free(plangs *l);

int langs_count(const plangs *l);
const char *langs_name(const plangs *l, int i);
/* Bit i set: word (any case, any normalization) is a stop word of profile
 * i. */
uint64_t langs_lookup(const plangs *l, const UChar *w, int32_t n);
/* The longest (folded) stop word of the profiles of mask. */
int32_t langs_max_len(const plangs *l, uint64_t mask);
/* langs_lookup() & mask, where maxlen = langs_max_len(l, mask): most
 * words longer than that are not folded at all. */
uint64_t langs_lookup_in(const plangs *l, const UChar *w, int32_t n,
                         uint64_t mask, int32_t maxlen);
/* Profiles written in script sc. */
uint64_t langs_script_mask(const plangs *l, UScriptCode sc);
/* The language of text in script sc when the stop words do not decide, or
 * NULL. */
const char *langs_script_lang(const plangs *l, UScriptCode sc);

#endif
