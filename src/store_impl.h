/*
 * store_impl.h - what the store's files share (private to store_*.c): the
 * struct store, error keeping, and SQL helpers that bind and read by name.
 *
 *   store_open.c    open, lock, schema and migrations, close, vacuum
 *   store_sink.c    the scan's sink: files, batches, deliveries, queue state,
 *                   the end of a run
 *   store_query.c   reading back for report and partner
 *   store_dnsbl.c   the DNSBL answer cache
 *   store_keys.c    the line keys: a line recorded once whatever path it came by
 *   store_journal.c the journal as an input: its cursor, kept like a file's offset
 *   store_causes.c  first sightings of causes: what is new
 *   store_delivered.c  deliveries worth proving, the recipients to watch,
 *                   deliveries per sender; the queries of partner and suppress
 *
 * Parameters are bound by name (":name") and result columns read by name,
 * never by a literal position: a statement's text is the one place that says
 * what goes where. The events table's columns come from event.h's table.
 */
#ifndef BS_STORE_IMPL_H
#define BS_STORE_IMPL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "event.h"
#include "store.h"
#include "util/hashmap.h"
#include "util/strbuf.h"
#include "util/u64set.h"

struct line_id;
struct journal_reader;

/* 1 KiB of syslog is 5-10 lines with timestamps and queue ids: two different
 * streams never share it, and reading it (even through gzip) costs nothing */
#define STORE_HEAD_MAX 1024

/* the tables of schema version 2 (store_keys.c, store_journal.c): the line keys
 * and the journals' read positions. IF NOT EXISTS: a writer also runs this on
 * every open, so a database whose version 2 came from another branch's
 * migration still gets them. */
#define STORE_KEYS_SCHEMA                                                                    \
    "CREATE TABLE IF NOT EXISTS line_keys(hour INTEGER NOT NULL, run INTEGER,"               \
    "  keys BLOB NOT NULL);"                                                                 \
    "CREATE INDEX IF NOT EXISTS line_keys_hour ON line_keys(hour);"                          \
    "CREATE TABLE IF NOT EXISTS journals(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE," \
    "  cursor TEXT, realtime INTEGER, line INTEGER NOT NULL DEFAULT 0, seen INTEGER);"

struct store {
    sqlite3 *db;
    char *path;
    int lock_fd;
    bool write;
    bool force; /* store_config.force */
    bool attached;
    bool in_txn;
    int64_t run;
    /* the events table holds this column of event.h's table (an older database
     * read by report may lack a column added since) */
    bool has_column[EVENT_N_COLUMNS];
    /* the sink's statements (store_sink.c) */
    sqlite3_stmt *ins_event, *upd_file, *upsert_sent, *put_queue, *del_queue;
    /* parameter numbers of the statements run per event, delivery cell or queue
     * entry, looked up by name once (sqlite3_bind_parameter_index is a linear search) */
    struct {
        const struct event_column *c;
        int param;
        bool text;               /* bound as text (else as an integer) */
        bool slice;              /* a struct slice member: read in place */
    } ins_cols[EVENT_N_COLUMNS]; /* ins_event's stored columns and their parameters */
    size_t n_ins_cols;
    int ins_run, ins_file_id;
    struct {
        int hour, domain, provider, tz, count, first, last;
    } sent_param;
    struct {
        int host, qid, state, updated;
    } put_param, del_param;
    struct correlator *correlator; /* store_attach_pipeline; NULL: queue state not kept */
    int64_t queue_updated;         /* time of the checkpoint writing the queue rows */
    /* the file being read */
    int64_t cur_id;
    uint64_t cur_start, cur_start_line; /* where reading started */
    struct stat cur_st;
    unsigned char cur_head[STORE_HEAD_MAX];
    size_t cur_head_len;
    bool cur_gzip;
    uint64_t events, sent;
    struct hashmap *pending_sent; /* this batch's deliveries, written at the checkpoint */
    /* store_delivered.c: deliveries worth proving, watched recipients, per-sender
     * delivery counts (prepared on first use; the sums written at each checkpoint) */
    sqlite3_stmt *ins_delivered, *put_watch, *upsert_sent_sender;
    int dl_param[17], watch_param[2], sender_param[6]; /* their parameters, by name once */
    struct hashmap *pending_senders;                   /* NULL until the first delivery */
    struct strbuf key;
    struct strbuf failure; /* first database error of the run */
    struct strbuf row;     /* strings returned by store_dnsbl_get */
    /* the line keys (store_keys.c): the idempotent history */
    struct {
        sqlite3_stmt *ins, *get;
        bool check;             /* the current input's lines may have been stored before */
        struct u64set hours;    /* hours that had keys when the input started */
        struct hashmap *loaded; /* hour -> struct u64set * of its stored keys */
        uint64_t *pending;      /* this batch's (hour, key) pairs */
        size_t n_pending, cap_pending;
        uint64_t skipped; /* lines found stored, this run */
    } keys;
    /* the journal being read (store_journal.c); NULL: a file or stdin */
    struct journal_reader *cur_journal;
    int64_t cur_journal_id;
    /* where the last input started: the line an earlier run had read up to, and when */
    uint64_t last_start_line;
    int64_t last_start_seen;
};

/* store_fail - remember the first database error of the run (with what was done) */
void store_fail(struct store *s, const char *what);
/* store_failed_rc - roll back, copy the remembered error to err; returns -1 */
int store_failed_rc(struct store *s, struct strbuf *err);
/* store_exec - run sql; -1 (and store_fail) on error */
int store_exec(struct store *s, const char *sql);
/* store_prepare - a statement; NULL (and store_fail) on error */
sqlite3_stmt *store_prepare(struct store *s, const char *sql);
/* store_int_query - the named result column of a one-row query; -1 on error */
int64_t store_int_query(struct store *s, const char *sql, const char *column);

/* store_param - index of parameter name (":name") in st; it must exist */
int store_param(sqlite3_stmt *st, const char *name);
/* store_col - index of result column name in st; it must exist */
int store_col(sqlite3_stmt *st, const char *name);
void store_bind_int(sqlite3_stmt *st, const char *name, int64_t v);
void store_bind_text(sqlite3_stmt *st, const char *name, const char *p, size_t n);
void store_bind_blob(sqlite3_stmt *st, const char *name, const void *p, size_t n);
/* store_column_slice - a text column as a slice ("" for NULL), valid until the next step */
struct slice store_column_slice(sqlite3_stmt *st, int col);

/* store_record_causes - at the end of a scan (in its transaction): record agg's
 * causes, mark the new ones and keep only the groups of new causes new; returns
 * the number of new causes (store_causes.c) */
long store_record_causes(struct store *s, struct aggregate *agg);
/* store_mark_new_causes - `report`: mark the causes first seen in the last run */
void store_mark_new_causes(struct store *s, struct aggregate *agg);

/* the SQL that matches the sender column against :sender as `scan --sender`
 * does: an address in any letter case, or "@domain" for that domain and its
 * subdomains */
#define STORE_SENDER_MATCH                                                \
    "(lower(sender) = lower(:sender) OR (substr(:sender, 1, 1) = '@' AND" \
    " instr(sender, '@') > 0 AND length(sender) >= length(:sender) AND"   \
    " (lower(substr(sender, -length(:sender))) = lower(:sender) OR"       \
    " lower(substr(sender, -length(:sender))) = '.' || lower(substr(:sender, 2)))))"

/* store_delivered.c, for the sink and the end of a run: */
/* store_delivered_attach - make s the sink of deliveries, watched recipients and
 * per-sender counts (cfg->track_deliveries) */
void store_delivered_attach(struct store *s, struct pipeline_config *cfg);
/* store_delivered_flush - write the batch's per-sender sums (in its transaction); -1 on error */
int store_delivered_flush(struct store *s);
/* store_delivered_rollback - forget the batch's per-sender sums (rolled back) */
void store_delivered_rollback(struct store *s);
/* store_delivered_prune - drop deliveries, watched recipients and per-sender counts
 * before cutoff, the events' retention cutoff (in store_finish_run's transaction) */
void store_delivered_prune(struct store *s, int64_t cutoff);

/* an hour's deliveries pending in a batch (per domain and provider in store_sink.c,
 * per sender in store_delivered.c), keyed in a hashmap by the caller */
struct hour_cell {
    int64_t hour, first, last;
    uint64_t count;
    int tz;
};
/* hour_cell_count - count a delivery at when in *slot (made on first use) */
void hour_cell_count(void **slot, int64_t hour, int64_t when, int tz_minutes);
void store_delivered_finalize(struct store *s);

/* store_sink_prepare / store_sink_finalize - the writing run's statements */
int store_sink_prepare(struct store *s);
void store_sink_finalize(struct store *s);

/* ---- line keys (store_keys.c) ---- */
/* store_keys_tables - create the key and journal tables where missing (any schema version) */
int store_keys_tables(struct store *s);
int store_keys_prepare(struct store *s);
void store_keys_finalize(struct store *s);
/* store_keys_begin_input - a new input: check its lines against the stored keys
 * (stdin, a new stream, a journal without its cursor), or only add them (a
 * known stream read on from its offset: new by construction) */
int store_keys_begin_input(struct store *s, bool check);
/* store_keys_line - the sink's line callback: true when the line is stored */
bool store_keys_line(void *ctx, const struct line_id *id);
/* store_keys_flush - write the batch's keys (in the batch's transaction) */
int store_keys_flush(struct store *s);
/* store_keys_prune - drop keys older than the oldest stored event (end of a run) */
int store_keys_prune(struct store *s);

/* ---- the journal's read position (store_journal.c) ---- */
/* store_journal_save - the current journal's cursor and line, in the batch's transaction */
int store_journal_save(struct store *s, uint64_t line);

#endif
