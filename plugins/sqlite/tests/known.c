/* The writer's memory of stored entities and aliases (known.h): exact
 * keys (type and key are separate, hashes are not trusted alone), bounded
 * size, forgetting. */
#include "helpers.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "known.h"
#include "terms.h"

START_TEST(entities_by_type_and_key)
{
    struct known k = {0};
    uint64_t h1 = known_entity_hash("LOC", "ha-tinh");
    uint64_t h2 = known_entity_hash("LOCha", "-tinh");
    ck_assert_int_eq(known_entity(&k, h1, "LOC", "ha-tinh"), 0);
    known_add_entity(&k, h1, "LOC", "ha-tinh", 7);
    ck_assert_int_eq(known_entity(&k, h1, "LOC", "ha-tinh"), 7);
    /* the same bytes split differently are another entity */
    ck_assert_int_eq(known_entity(&k, h2, "LOCha", "-tinh"), 0);
    /* a colliding hash with other text is not a match */
    ck_assert_int_eq(known_entity(&k, h1, "ORG", "ha-tinh"), 0);
    known_add_entity(&k, h1, "ORG", "ha-tinh", 8);
    ck_assert_int_eq(known_entity(&k, h1, "ORG", "ha-tinh"), 8);
    ck_assert_int_eq(known_entity(&k, h1, "LOC", "ha-tinh"), 7);
    /* long keys (off the stack) */
    {
        char key[1000];
        memset(key, 'k', sizeof key - 1);
        key[sizeof key - 1] = '\0';
        known_add_entity(&k, known_entity_hash("T", key), "T", key, 9);
        ck_assert_int_eq(known_entity(&k, known_entity_hash("T", key), "T",
                                      key), 9);
    }
    known_clear(&k);
    ck_assert_int_eq(known_entity(&k, h1, "LOC", "ha-tinh"), 0);
    known_clear(&k);
}
END_TEST

START_TEST(aliases_per_entity)
{
    struct known k = {0};
    uint64_t h = terms_hash("Ha Tinh", 7);
    known_add_alias(&k, 3, h, "Ha Tinh");
    ck_assert_int_eq(known_alias(&k, 3, h, "Ha Tinh"), 1);
    ck_assert_int_eq(known_alias(&k, 4, h, "Ha Tinh"), 0);
    ck_assert_int_eq(known_alias(&k, 3, h, "Ha Tinh!"), 0);
    ck_assert_int_eq(known_alias(&k, 3, terms_hash("x", 1), "x"), 0);
    known_clear(&k);
    ck_assert_int_eq(known_alias(&k, 3, h, "Ha Tinh"), 0);
}
END_TEST

/* Past KNOWN_MAX entries a table starts again: never wrong, never larger. */
START_TEST(bounded)
{
    struct known k = {0};
    char key[32];
    for (int i = 1; i <= KNOWN_MAX + 1000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        known_add_entity(&k, known_entity_hash("T", key), "T", key, i);
        ck_assert_uint_le(k.ents.n, KNOWN_MAX);
    }
    for (int i = 1; i <= KNOWN_MAX + 1000; i++) {
        int64_t v;
        snprintf(key, sizeof key, "k%d", i);
        v = known_entity(&k, known_entity_hash("T", key), "T", key);
        ck_assert(v == 0 || v == i);
        if (i > KNOWN_MAX + 1)
            ck_assert_int_eq(v, i); /* added after the table started again */
    }
    known_clear(&k);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sqlite_known");
    TCase *tc = tcase_create("known");
    tcase_add_test(tc, entities_by_type_and_key);
    tcase_add_test(tc, aliases_per_entity);
    tcase_add_test(tc, bounded);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(suite());
}
