/*
 * store_causes.c - which causes the history has seen: the first run that saw
 * each cause key (cause.h), so that "new" means a new cause, not a new host.
 *
 * A night whose failures come from other recipients, hosts and domains but
 * for the same reasons, templates, IPs and lists as before has nothing new:
 * its groups may be first seen (a new remote host makes a new group), but no
 * cause is, and a group counts as new only when one of its causes is.
 *
 *   store_record_causes    at the end of a scan (store_finish_run's
 *                          transaction): record each cause, mark the new ones
 *                          and the groups of new causes; the number of new causes
 *   store_mark_new_causes  for `report`: the causes first seen in the last
 *                          finished run, and their groups
 *
 * Not here: the schema (store_open.c), the groups' own first sightings
 * (store_sink.c record_groups, store_query.c store_mark_new).
 */
#include "store_impl.h"

#include <stdlib.h>

#include "aggregate.h"

/* keep_new_groups - a group stays new only when one of its causes is new */
static void keep_new_groups(struct aggregate *agg)
{
    size_t n = 0;
    struct group **gs = aggregate_groups(agg, &n);
    for (size_t i = 0; i < n; i++) {
        bool fresh = false;
        for (unsigned k = 0; k < gs[i]->n_causes; k++) {
            const struct cause *c = aggregate_cause(agg, gs[i]->causes[k]);
            fresh |= c && c->is_new;
        }
        gs[i]->is_new = gs[i]->is_new && fresh;
    }
    free(gs);
}

long store_record_causes(struct store *s, struct aggregate *agg)
{
    if (!s || !agg)
        return 0;
    long fresh = 0;
    size_t n = 0;
    struct cause **cs = aggregate_causes(agg, &n);
    sqlite3_stmt *ins = store_prepare(
        s, "INSERT INTO causes(key, first_run, first_seen, last_seen) "
           "VALUES(:key, :run, :first_seen, :last_seen) ON CONFLICT(key) DO UPDATE SET "
           "last_seen = max(coalesce(last_seen, 0), excluded.last_seen)");
    sqlite3_stmt *get = store_prepare(s, "SELECT first_run FROM causes WHERE key = :key");
    int c_first_run = get ? store_col(get, "first_run") : -1;
    for (size_t i = 0; ins && get && i < n; i++) {
        store_bind_text(ins, ":key", cs[i]->key, cs[i]->keylen);
        store_bind_int(ins, ":run", s->run);
        store_bind_int(ins, ":first_seen", cs[i]->first);
        store_bind_int(ins, ":last_seen", cs[i]->last);
        if (sqlite3_step(ins) != SQLITE_DONE)
            store_fail(s, "recording causes");
        sqlite3_reset(ins);
        store_bind_text(get, ":key", cs[i]->key, cs[i]->keylen);
        if (sqlite3_step(get) == SQLITE_ROW && sqlite3_column_int64(get, c_first_run) == s->run) {
            cs[i]->is_new = true;
            fresh++;
        }
        sqlite3_reset(get);
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(get);
    free(cs);
    keep_new_groups(agg);
    return fresh;
}

void store_mark_new_causes(struct store *s, struct aggregate *agg)
{
    if (!s || !agg)
        return;
    sqlite3_stmt *st = store_prepare(s, "SELECT 1 FROM causes WHERE key = :key AND first_run = "
                                        "(SELECT max(id) FROM runs WHERE finished IS NOT NULL)");
    if (!st)
        return;
    size_t n = 0;
    struct cause **cs = aggregate_causes(agg, &n);
    for (size_t i = 0; i < n; i++) {
        store_bind_text(st, ":key", cs[i]->key, cs[i]->keylen);
        cs[i]->is_new = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_reset(st);
    }
    free(cs);
    sqlite3_finalize(st);
    keep_new_groups(agg);
}
