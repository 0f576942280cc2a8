/* A set of strings (chained hash), for names and ids on the loop thread. */
#ifndef INBOXD_STRSET_H
#define INBOXD_STRSET_H

#include <stddef.h>

struct strset {
    struct strset_node **b;
    size_t nb, n;
};

/* 1 added, 0 already there, -ENOMEM. */
int strset_add(struct strset *s, const char *key);
int strset_has(const struct strset *s, const char *key);
/* 1 removed, 0 absent. */
int strset_del(struct strset *s, const char *key);
void strset_clear(struct strset *s);

#endif
