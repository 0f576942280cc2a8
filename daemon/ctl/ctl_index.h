/*
 * inboxctl's index commands: search, show, entities, entity, export.  They
 * open the sqlite plugin's database read-only (they work while the daemon
 * writes) and query it through the plugin's own tokenizer.
 *
 * The database is found from, in order: --db PATH; --state-dir DIR
 * (DIR/inboxd.db); --config FILE (its "state_dir", and the sqlite plugin's
 * "db" setting when there is one); the daemon's embedded default
 * (./var/state/inboxd.db).
 *
 * Each command gets argv starting at its own name and returns the exit
 * code: 0 ok, 1 not found (no hits, unknown id or key) or error, 2 usage
 * (bad option, malformed query).
 */
#ifndef INBOXD_CTL_INDEX_H
#define INBOXD_CTL_INDEX_H

/* The global options of inboxctl that locate the database; any may be
 * NULL.  Not owned. */
struct ctl_db_opts {
    const char *db_path;
    const char *state_dir;
    const char *config_path;
};

/* search QUERY [--lang L] [--type T] [--entity KEY] [--since DATE]
 *        [--limit N] [--json] */
int ctl_search(const struct ctl_db_opts *o, int argc, char **argv);
/* show ID|PREFIX [--json] [--no-text] */
int ctl_show(const struct ctl_db_opts *o, int argc, char **argv);
/* entities [--type T] [--top N] [--json] */
int ctl_entities(const struct ctl_db_opts *o, int argc, char **argv);
/* entity KEY [--type T] [--json] */
int ctl_entity(const struct ctl_db_opts *o, int argc, char **argv);
/* export [--since DATE] [--format jsonl] */
int ctl_export(const struct ctl_db_opts *o, int argc, char **argv);

/* The database path the options lead to; caller frees.  NULL with a
 * message on stderr when the config cannot be read. */
char *ctl_db_path(const struct ctl_db_opts *o);

#endif
