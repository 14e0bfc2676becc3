/*
 * store_keys.c - the line keys: a log line is recorded once in the history,
 * whatever path it came by (see store.h, line_key.h).
 *
 * SYNOPSIS
 *   int store_keys_tables(struct store *s);
 *   int store_keys_prepare(struct store *s);
 *   void store_keys_finalize(struct store *s);
 *   int store_keys_begin_input(struct store *s, bool check);
 *   bool store_keys_line(void *ctx, const struct line_id *id);
 *   int store_keys_flush(struct store *s);
 *   int store_keys_prune(struct store *s);
 *
 * DESCRIPTION
 *   Offsets make a file's lines exactly-once, but only within one stream:
 *   standard input has no offset, a copy of a log that overlaps one already
 *   read is a new stream, a journal whose cursor is gone is read again from
 *   a time, and the same lines come from rsyslog's file and from the journal.
 *   So every line with stored effects (pipeline.c: deliveries, expiries,
 *   per-MX failures, notices) has a 64-bit key (line_key.h), and a line whose
 *   key is stored is skipped - its events, its sent count and its effect on
 *   the queue state.
 *
 *   Storage: one row per (batch, hour) holding that hour's keys as a blob of
 *   8-byte little-endian words: line_keys(hour, run, keys). A row per key
 *   would cost an index insert per delivery line (seconds for a large first
 *   run); a blob per hour is one insert per hour and batch, and the keys of
 *   one hour are what a check needs together.
 *
 *   Lookups: lines of a known stream after its stored offset, and journal
 *   entries after a found cursor, are new by construction - their keys are
 *   only added. Every other input is checked: at its start the hours that
 *   have stored keys are listed, and a line of such an hour (or of the second
 *   before or after, for a copy whose clock was read a moment apart) loads
 *   that hour's keys into a set once. A new day's log touches no stored hour
 *   and costs no lookup at all. The keys of the input being read are not
 *   looked up against each other: identical lines of one input are told apart
 *   by their occurrence (line_key.h).
 *
 *   Keys live in the batch's transaction (store_keys_flush at each
 *   checkpoint), so they are committed with the events and the offset they
 *   belong to. They are pruned with the events: keys of hours before the
 *   oldest stored event (less a day) protect nothing any more.
 *
 * OWNERSHIP
 *   The loaded sets and pending keys belong to the store; store_keys_finalize
 *   frees them.
 *
 * DIAGNOSTICS
 *   Database errors go through store_fail (the run stops at the next
 *   store_read_input / store_finish_run with EXIT_STORE).
 *
 * Not here: which lines are keyed and how a key is made (pipeline.c,
 * line_key.c).
 */
#include "store_impl.h"

#include <stdlib.h>
#include <string.h>

#include "line_key.h"
#include "util/xalloc.h"

/* the sets of this many hours are kept loaded: a log read in time order needs one or two */
#define KEYS_LOADED_HOURS 48

int store_keys_tables(struct store *s)
{
    return store_exec(s, STORE_KEYS_SCHEMA);
}

static void free_set(void *v)
{
    struct u64set *set = v;
    u64set_free(set);
    free(set);
}

int store_keys_prepare(struct store *s)
{
    s->keys.ins =
        store_prepare(s, "INSERT INTO line_keys(hour, run, keys) VALUES(:hour, :run, :keys)");
    s->keys.get = store_prepare(s, "SELECT keys FROM line_keys WHERE hour = :hour");
    s->keys.loaded = hashmap_new(free_set);
    return s->keys.ins && s->keys.get ? 0 : -1;
}

void store_keys_finalize(struct store *s)
{
    sqlite3_finalize(s->keys.ins);
    sqlite3_finalize(s->keys.get);
    s->keys.ins = s->keys.get = NULL;
    if (s->keys.loaded)
        hashmap_free(s->keys.loaded);
    s->keys.loaded = NULL;
    u64set_free(&s->keys.hours);
    free(s->keys.pending);
    s->keys.pending = NULL;
    s->keys.n_pending = s->keys.cap_pending = 0;
}

/* hour_of - the hour (seconds / 3600, rounded down) of a time */
static int64_t hour_of(int64_t when)
{
    return when >= 0 ? when / 3600 : -((-when + 3599) / 3600);
}

int store_keys_begin_input(struct store *s, bool check)
{
    s->keys.check = check;
    s->keys.n_pending = 0; /* flushed at the last input's end, or rolled back with it */
    hashmap_free(s->keys.loaded);
    s->keys.loaded = hashmap_new(free_set);
    u64set_free(&s->keys.hours);
    if (!check)
        return 0;
    sqlite3_stmt *st = store_prepare(s, "SELECT DISTINCT hour FROM line_keys");
    if (!st)
        return -1;
    int c_hour = store_col(st, "hour");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        u64set_add(&s->keys.hours, (uint64_t)sqlite3_column_int64(st, c_hour));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_fail(s, "reading the line keys");
        return -1;
    }
    return 0;
}

/* get_le64 - a stored key */
static uint64_t get_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* loaded_set - the stored keys of hour, loaded once; NULL on a database error */
static struct u64set *loaded_set(struct store *s, int64_t hour)
{
    struct u64set *set = hashmap_get(s->keys.loaded, &hour, sizeof hour);
    if (set)
        return set;
    if (hashmap_count(s->keys.loaded) >= KEYS_LOADED_HOURS) {
        hashmap_free(s->keys.loaded); /* a log far out of time order: start again */
        s->keys.loaded = hashmap_new(free_set);
    }
    set = xcalloc(1, sizeof *set);
    hashmap_put(s->keys.loaded, &hour, sizeof hour, set);
    sqlite3_stmt *st = s->keys.get;
    store_bind_int(st, ":hour", hour);
    int c_keys = store_col(st, "keys");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *blob = sqlite3_column_blob(st, c_keys);
        size_t n = (size_t)sqlite3_column_bytes(st, c_keys) / 8;
        for (size_t i = 0; blob && i < n; i++)
            u64set_add(set, get_le64(blob + 8 * i));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        store_fail(s, "reading the line keys");
        return NULL;
    }
    return set;
}

bool store_keys_line(void *ctx, const struct line_id *id)
{
    struct store *s = ctx;
    if (s->failure.len)
        return false;
    if (s->keys.check) {
        /* rsyslog and the journal read the clock a moment apart: the same line
         * may carry the next or the previous second there */
        for (int64_t d = 0; d <= 2; d++) {
            int64_t when = id->when + (d == 2 ? -1 : d);
            int64_t hour = hour_of(when);
            if (!u64set_has(&s->keys.hours, (uint64_t)hour))
                continue;
            struct u64set *set = loaded_set(s, hour);
            if (!set)
                return false;
            if (u64set_has(set, line_key(id, when))) {
                s->keys.skipped++;
                return true;
            }
        }
    }
    if (s->keys.n_pending + 2 > s->keys.cap_pending) {
        s->keys.cap_pending = s->keys.cap_pending ? 2 * s->keys.cap_pending : 8192;
        s->keys.pending = xrealloc(s->keys.pending, s->keys.cap_pending * sizeof *s->keys.pending);
    }
    s->keys.pending[s->keys.n_pending++] = (uint64_t)hour_of(id->when);
    s->keys.pending[s->keys.n_pending++] = line_key(id, id->when);
    return false;
}

/* cmp_pair - (hour, key) pairs by hour, then key */
static int cmp_pair(const void *x, const void *y)
{
    const int64_t *a = x, *b = y;
    if (a[0] != b[0])
        return a[0] < b[0] ? -1 : 1;
    return 0;
}

int store_keys_flush(struct store *s)
{
    size_t n = s->keys.n_pending / 2;
    if (!n)
        return 0;
    /* a log is nearly in time order: the sort finds runs of one hour */
    qsort(s->keys.pending, n, 2 * sizeof *s->keys.pending, cmp_pair);
    unsigned char *blob = xmalloc(8 * n);
    sqlite3_stmt *st = s->keys.ins;
    int rc = 0;
    for (size_t i = 0; i < n && !rc;) {
        int64_t hour = (int64_t)s->keys.pending[2 * i];
        size_t len = 0;
        for (; i < n && (int64_t)s->keys.pending[2 * i] == hour; i++) {
            uint64_t k = s->keys.pending[2 * i + 1];
            for (int b = 0; b < 8; b++)
                blob[len++] = (unsigned char)(k >> (8 * b));
        }
        store_bind_int(st, ":hour", hour);
        store_bind_int(st, ":run", s->run);
        store_bind_blob(st, ":keys", blob, len);
        if (sqlite3_step(st) != SQLITE_DONE) {
            store_fail(s, "storing the line keys");
            rc = -1;
        }
        sqlite3_reset(st);
    }
    free(blob);
    s->keys.n_pending = 0;
    return rc;
}

int store_keys_prune(struct store *s)
{
    /* a re-read line older than every stored event would add an event that the
     * retention removes again: its key protects nothing */
    return store_exec(s, "DELETE FROM line_keys WHERE hour < "
                         "(SELECT min(time) FROM events) / 3600 - 24");
}
