/* The floor row: bench-floor on the corpus folder, measured by wait4. */
#include "bn.h"

#include <stdio.h>

int bn_floor(struct bn_run *r)
{
    char db[1024];
    const char *why = NULL;
    struct bn_usage u;
    snprintf(db, sizeof db, "%s/floor.db", r->dir);
    char *args[] = {db, r->corpus_dir, "256", NULL};
    bn_log("floor: plain FTS5 (unicode61), transactions of 256");
    json_t *o = bn_tool_json(r, "bench-floor", args, "floor", &u, &why);
    if (!o) {
        json_object_set_new(r->res, "floor", bn_skipped("bench-floor %s", why));
        return 0;
    }
    json_int_t docs = json_integer_value(json_object_get(o, "docs"));
    uint64_t dbb = bn_fsize(db);
    json_object_set_new(o, "db_bytes", json_integer((json_int_t)dbb));
    json_object_set_new(o, "db_bytes_per_doc",
                        json_real(docs > 0 ? (double)dbb / (double)docs : 0));
    json_object_set_new(o, "cpu_ms_per_doc",
                        json_real(docs > 0 ? (u.user_s + u.sys_s) * 1000 / (double)docs : 0));
    snprintf(r->floor_db, sizeof r->floor_db, "%s", db);
    bn_log("floor: %.0f docs/s, %.1f MB/s, peak RSS %.1f MB",
           json_number_value(json_object_get(o, "docs_per_s")),
           json_number_value(json_object_get(o, "mb_per_s")), (double)u.maxrss_kb / 1024);
    json_object_set_new(r->res, "floor", o);
    return 0;
}
