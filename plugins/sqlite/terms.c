#include "terms.h"

#include <string.h>

uint64_t terms_hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    /* splitmix64's finalizer: every input bit reaches every output bit */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

static void sep(struct jbuf *b)
{
    if (b->len)
        jb_char(b, ' ');
}

void terms_entity(struct jbuf *b, int64_t entity)
{
    sep(b);
    jb_char(b, 'e');
    jb_int(b, entity);
}

void terms_alias(struct jbuf *b, int64_t entity, uint64_t surface_hash)
{
    sep(b);
    jb_char(b, 's');
    jb_int(b, entity);
    jb_char(b, 'x');
    jb_hex64(b, surface_hash);
}

void terms_type(struct jbuf *b, uint64_t type_hash)
{
    sep(b);
    jb_char(b, 't');
    jb_hex64(b, type_hash);
}

static void fn_hash(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    struct jbuf b = {0};
    const char *s;
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(c);
        return;
    }
    s = (const char *)sqlite3_value_text(argv[0]);
    if (!s) {
        sqlite3_result_error_nomem(c);
        return;
    }
    jb_hex64(&b, terms_hash(s, (size_t)sqlite3_value_bytes(argv[0])));
    if (b.failed) {
        sqlite3_result_error_nomem(c);
        return;
    }
    sqlite3_result_text(c, b.s, (int)b.len, SQLITE_TRANSIENT);
    jb_free(&b);
}

int terms_register(sqlite3 *db)
{
    return sqlite3_create_function_v2(
        db, "inboxd_hash", 1,
        SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL, fn_hash,
        NULL, NULL, NULL);
}
