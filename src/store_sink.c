/*
 * store_sink.c - the scan's sink: per file where reading starts, the events and
 * deliveries of each batch, the queue state, and the end of a run (see store.h).
 *
 * EXACTLY ONCE
 *   store_read_input opens a transaction, and every pipeline checkpoint (every
 *   PIPELINE_CHECKPOINT_LINES lines and at the end of the input) writes the
 *   file's offset and line number and commits - so the events of a batch and
 *   the offset just after their last line become durable together, or not at
 *   all. A killed run rolls back to the last checkpoint and the next run starts
 *   there.
 *
 * WHERE A FILE STARTS
 *   The head (first STORE_HEAD_MAX uncompressed bytes) is compared with the
 *   stored heads: a stored head that is a prefix of this file's head is the
 *   same stream (grown, renamed, or compressed by logrotate) -> continue at its
 *   offset, or read nothing if it is all read. No match -> a new stream from 0
 *   (a truncated file, copytruncate, a new maillog: their head differs). A
 *   plain file shorter than its stored offset was truncated and rewritten with
 *   the same first bytes -> from 0.
 *
 * UNFINISHED LAST LINE
 *   A plain file's last line without a newline is still being written, and the
 *   fragment before the cut of a compressed file still being compressed is no
 *   line at all: the pipeline does not read either (pipeline_hold_unfinished),
 *   so no event, attempt or queue change comes from them, and the offset
 *   committed stops before them - the next run reads the line whole.
 *
 * QUEUE STATE
 *   A message deferred in one run and expired or delivered in the next must
 *   still know its sender, message-id, attempts and the reason of its last
 *   deferral. store_attach_pipeline loads every queue row into the pipeline's
 *   correlator; every checkpoint writes the entries changed since the last one
 *   (and deletes the dropped ones) in the batch's transaction - so the queue
 *   state always matches the committed offsets, also after a kill.
 *
 * The event INSERT is made from event.h's column table: a column added there
 * is written here without a change.
 *
 * Not here: opening and the schema (store_open.c), reading back (store_query.c).
 */
#include "store_impl.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "aggregate.h"
#include "correlate.h"
#include "reader.h"
#include "syslog_header.h"
#include "util/msg.h"
#include "util/xalloc.h"

/* ---- statements ------------------------------------------------------- */

/* prepare_insert - INSERT INTO events(run, file_id, <stored columns>) VALUES(:run, ...) */
static sqlite3_stmt *prepare_insert(struct store *s)
{
    const struct event_column *cols = event_columns();
    struct strbuf names = STRBUF_INIT, values = STRBUF_INIT;
    strbuf_adds(&names, "INSERT INTO events(run, file_id");
    strbuf_adds(&values, ") VALUES(:run, :file_id");
    for (size_t i = 0; i < EVENT_N_COLUMNS; i++) {
        if (!event_column_stored(&cols[i]))
            continue;
        strbuf_addf(&names, ", %s", cols[i].sql);
        strbuf_addf(&values, ", :%s", cols[i].sql);
    }
    strbuf_add(&names, values.s, values.len);
    strbuf_adds(&names, ")");
    sqlite3_stmt *st = store_prepare(s, names.s);
    strbuf_free(&names);
    strbuf_free(&values);
    if (!st)
        return NULL;
    /* the parameter numbers once: sink_event runs for every failure */
    char param[64];
    s->n_ins_cols = 0;
    for (size_t i = 0; i < EVENT_N_COLUMNS; i++) {
        if (!event_column_stored(&cols[i]))
            continue;
        snprintf(param, sizeof param, ":%s", cols[i].sql);
        s->ins_cols[s->n_ins_cols].c = &cols[i];
        s->ins_cols[s->n_ins_cols].param = store_param(st, param);
        s->ins_cols[s->n_ins_cols].text = event_column_is_text(&cols[i]);
        s->ins_cols[s->n_ins_cols++].slice = cols[i].kind == EVENT_KIND_TEXT;
    }
    s->ins_run = store_param(st, ":run");
    s->ins_file_id = store_param(st, ":file_id");
    return st;
}

int store_sink_prepare(struct store *s)
{
    s->ins_event = prepare_insert(s);
    s->upd_file = store_prepare(
        s, "UPDATE files SET path=:path, dev=:dev, ino=:ino, size=:size, offset=:offset,"
           " line=:line, head=:head, gzip=:gzip, seen=:seen WHERE id=:id");
    s->upsert_sent = store_prepare(
        s,
        "INSERT INTO sent(hour, domain, provider, tz, count, first, last) "
        "VALUES(:hour, :domain, :provider, :tz, :count, :first, :last)"
        " ON CONFLICT(hour, domain, provider) DO UPDATE SET count = count + excluded.count,"
        " first = min(first, excluded.first), last = max(last, excluded.last), tz = excluded.tz");
    s->put_queue = store_prepare(s, "INSERT OR REPLACE INTO queue(host, qid, state, updated) "
                                    "VALUES(:host, :qid, :state, :updated)");
    s->del_queue = store_prepare(s, "DELETE FROM queue WHERE host = :host AND qid = :qid");
    if (!s->ins_event || !s->upd_file || !s->upsert_sent || !s->put_queue || !s->del_queue)
        return -1;
    sqlite3_stmt *st = s->upsert_sent;
    s->sent_param.hour = store_param(st, ":hour");
    s->sent_param.domain = store_param(st, ":domain");
    s->sent_param.provider = store_param(st, ":provider");
    s->sent_param.tz = store_param(st, ":tz");
    s->sent_param.count = store_param(st, ":count");
    s->sent_param.first = store_param(st, ":first");
    s->sent_param.last = store_param(st, ":last");
    s->put_param.host = store_param(s->put_queue, ":host");
    s->put_param.qid = store_param(s->put_queue, ":qid");
    s->put_param.state = store_param(s->put_queue, ":state");
    s->put_param.updated = store_param(s->put_queue, ":updated");
    s->del_param.host = store_param(s->del_queue, ":host");
    s->del_param.qid = store_param(s->del_queue, ":qid");
    return 0;
}

void store_sink_finalize(struct store *s)
{
    sqlite3_finalize(s->ins_event);
    sqlite3_finalize(s->upd_file);
    sqlite3_finalize(s->upsert_sent);
    sqlite3_finalize(s->put_queue);
    sqlite3_finalize(s->del_queue);
    s->ins_event = s->upd_file = s->upsert_sent = s->put_queue = s->del_queue = NULL;
}

/* ---- the sink --------------------------------------------------------- */

static void sink_event(void *ctx, const struct event *e)
{
    struct store *s = ctx;
    assert(s->attached && s->ins_event);
    sqlite3_stmt *st = s->ins_event;
    if (s->failure.len)
        return;
    sqlite3_bind_int64(st, s->ins_run, s->run);
    if (s->cur_id)
        sqlite3_bind_int64(st, s->ins_file_id, s->cur_id);
    else
        sqlite3_bind_null(st, s->ins_file_id);
    for (size_t k = 0; k < s->n_ins_cols; k++) {
        const struct event_column *c = s->ins_cols[k].c;
        if (s->ins_cols[k].slice) {
            /* most columns: the member itself, no call per column and event */
            const struct slice *v =
                (const struct slice *)(const void *)((const char *)e + c->offset);
            sqlite3_bind_text(st, s->ins_cols[k].param, v->n ? v->p : "", (int)v->n, SQLITE_STATIC);
        } else if (s->ins_cols[k].text) {
            struct slice v = event_get_text(e, c);
            sqlite3_bind_text(st, s->ins_cols[k].param, v.p, (int)v.n, SQLITE_STATIC);
        } else {
            sqlite3_bind_int64(st, s->ins_cols[k].param, event_get_int(e, c));
        }
    }
    if (sqlite3_step(st) != SQLITE_DONE)
        store_fail(s, "storing an event");
    else
        s->events++;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* deliveries of one (hour, domain, provider) in the current batch */
void hour_cell_count(void **slot, int64_t hour, int64_t when, int tz_minutes)
{
    struct hour_cell *c = *slot;
    if (!c) {
        c = *slot = xcalloc(1, sizeof *c);
        c->hour = hour;
        c->first = c->last = when;
    }
    c->count++;
    if (when < c->first)
        c->first = when;
    if (when > c->last)
        c->last = when;
    c->tz = tz_minutes;
}

static void sink_sent(void *ctx, struct slice domain, struct slice provider, int64_t when,
                      int tz_minutes)
{
    struct store *s = ctx;
    if (s->failure.len)
        return;
    /* a night's log has ~10 deliveries per failure: one upsert each would cost more
     * than the whole scan, so a batch's deliveries are summed here and written at
     * its checkpoint, in its transaction */
    int64_t hour = when - ((when % 3600) + 3600) % 3600;
    strbuf_reset(&s->key);
    uint32_t dn = (uint32_t)domain.n;
    strbuf_add(&s->key, &hour, sizeof hour);
    strbuf_add(&s->key, &dn, sizeof dn); /* a length, not a separator: log bytes may be NUL */
    strbuf_add(&s->key, domain.p, domain.n);
    strbuf_add(&s->key, provider.p, provider.n);
    hour_cell_count(hashmap_slot(s->pending_sent, s->key.s, s->key.len), hour, when, tz_minutes);
    s->sent++;
}

/* flush_sent - write the batch's summed deliveries (inside the batch's transaction) */
static int flush_sent(struct store *s)
{
    sqlite3_stmt *st = s->upsert_sent;
    const char *key;
    size_t keylen;
    void *v;
    for (size_t it = 0; hashmap_next(s->pending_sent, &it, &key, &keylen, &v);) {
        struct hour_cell *c = v;
        uint32_t dn;
        memcpy(&dn, key + sizeof(int64_t), sizeof dn);
        const char *domain = key + sizeof(int64_t) + sizeof dn;
        const char *provider = domain + dn;
        size_t pn = keylen - sizeof(int64_t) - sizeof dn - dn;
        sqlite3_bind_int64(st, s->sent_param.hour, c->hour);
        sqlite3_bind_text(st, s->sent_param.domain, domain, (int)dn, SQLITE_STATIC);
        sqlite3_bind_text(st, s->sent_param.provider, provider, (int)pn, SQLITE_STATIC);
        sqlite3_bind_int64(st, s->sent_param.tz, c->tz);
        sqlite3_bind_int64(st, s->sent_param.count, (int64_t)c->count);
        sqlite3_bind_int64(st, s->sent_param.first, c->first);
        sqlite3_bind_int64(st, s->sent_param.last, c->last);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
            store_fail(s, "storing deliveries");
            return -1;
        }
    }
    hashmap_free(s->pending_sent);
    s->pending_sent = hashmap_new(free);
    return 0;
}

/* save_queue_entry - correlate_save callback: write or delete one queue row. The key
 * "host\0qid" is split at its first NUL into :host and :qid; host\0qid rebuilds the
 * same bytes whatever they hold. */
static void save_queue_entry(void *ctx, const char *key, size_t keylen, const void *blob, size_t n)
{
    struct store *s = ctx;
    if (s->failure.len)
        return;
    sqlite3_stmt *st = blob ? s->put_queue : s->del_queue;
    const char *nul = memchr(key, '\0', keylen);
    size_t hn = nul ? (size_t)(nul - key) : keylen;
    sqlite3_bind_blob(st, blob ? s->put_param.host : s->del_param.host, key, (int)hn,
                      SQLITE_STATIC);
    sqlite3_bind_blob(st, blob ? s->put_param.qid : s->del_param.qid, nul ? nul + 1 : "",
                      (int)(nul ? keylen - hn - 1 : 0), SQLITE_STATIC);
    if (blob) {
        sqlite3_bind_blob(st, s->put_param.state, blob, (int)n, SQLITE_STATIC);
        sqlite3_bind_int64(st, s->put_param.updated, s->queue_updated);
    }
    if (sqlite3_step(st) != SQLITE_DONE)
        store_fail(s, "storing the queue state");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* drop_queue_rows - delete the queue rows no correlator could read */
static void drop_queue_rows(struct store *s, const int64_t *rows, size_t n)
{
    sqlite3_stmt *st = store_prepare(s, "DELETE FROM queue WHERE rowid = :rowid");
    for (size_t i = 0; st && i < n; i++) {
        store_bind_int(st, ":rowid", rows[i]);
        if (sqlite3_step(st) != SQLITE_DONE) {
            store_fail(s, "removing unreadable queue state");
            break;
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
}

void store_attach_pipeline(struct store *s, struct pipeline *p)
{
    if (!s || !s->attached || !p || !s->put_queue)
        return;
    s->correlator = pipeline_correlator(p);
    struct classifier *cl = pipeline_classifier(p);
    sqlite3_stmt *st = store_prepare(s, "SELECT rowid, host, qid, state FROM queue");
    if (!st)
        return;
    int c_rowid = store_col(st, "rowid"), c_host = store_col(st, "host");
    int c_qid = store_col(st, "qid"), c_state = store_col(st, "state");
    struct strbuf key = STRBUF_INIT;
    int64_t *bad = NULL;
    size_t n_bad = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        strbuf_reset(&key);
        const void *host = sqlite3_column_blob(st, c_host);
        strbuf_add(&key, host ? host : "", (size_t)sqlite3_column_bytes(st, c_host));
        strbuf_addc(&key, '\0');
        const void *qid = sqlite3_column_blob(st, c_qid);
        strbuf_add(&key, qid ? qid : "", (size_t)sqlite3_column_bytes(st, c_qid));
        const void *blob = sqlite3_column_blob(st, c_state);
        size_t n = (size_t)sqlite3_column_bytes(st, c_state);
        if (correlate_load(s->correlator, cl, key.s, key.len, blob ? blob : "", n) < 0) {
            bad = xrealloc(bad, (n_bad + 1) * sizeof *bad);
            bad[n_bad++] = sqlite3_column_int64(st, c_rowid);
        }
    }
    sqlite3_finalize(st);
    strbuf_free(&key);
    if (rc != SQLITE_DONE)
        store_fail(s, "reading the queue state");
    /* a row no correlator can read (damage, or a blob of another version) would be
     * skipped by every run: say so once and remove it */
    if (n_bad && !s->failure.len) {
        msg_warn("%s: %zu stored queue entr%s unreadable, dropped (later lines of those "
                 "messages lack their sender and attempts)",
                 s->path, n_bad, n_bad == 1 ? "y was" : "ies were");
        drop_queue_rows(s, bad, n_bad);
    }
    free(bad);
}

/* save_position - the current file's row: where reading got to */
static int save_position(struct store *s, const char *file, uint64_t offset, uint64_t line)
{
    sqlite3_stmt *st = s->upd_file;
    store_bind_text(st, ":path", file, strlen(file));
    store_bind_int(st, ":dev", (int64_t)s->cur_st.st_dev);
    store_bind_int(st, ":ino", (int64_t)s->cur_st.st_ino);
    store_bind_int(st, ":size", (int64_t)s->cur_st.st_size);
    store_bind_int(st, ":offset", (int64_t)offset);
    store_bind_int(st, ":line", (int64_t)line);
    store_bind_blob(st, ":head", s->cur_head, s->cur_head_len);
    store_bind_int(st, ":gzip", s->cur_gzip);
    store_bind_int(st, ":seen", (int64_t)time(NULL));
    store_bind_int(st, ":id", s->cur_id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        store_fail(s, "storing the read position");
        return -1;
    }
    return 0;
}

/* sink_checkpoint - the batch and the offset after its last line, in one commit */
static void sink_checkpoint(void *ctx, const char *file, uint64_t offset, uint64_t line)
{
    struct store *s = ctx;
    if (s->failure.len || !s->in_txn)
        return;
    if (flush_sent(s) < 0 || store_keys_flush(s) < 0 || store_delivered_flush(s) < 0)
        return;
    if (s->correlator) {
        s->queue_updated = (int64_t)time(NULL);
        correlate_save(s->correlator, save_queue_entry, s);
        if (s->failure.len)
            return;
    }
    if (s->cur_id && offset < s->cur_start) {
        /* a .gz holding less than was read from the stream (an older copy): the
         * stream's position never moves back, or its lines would be read twice */
        offset = s->cur_start;
        line = s->cur_start_line;
    }
    if (s->cur_id && save_position(s, file, offset, line) < 0)
        return;
    if (s->cur_journal && store_journal_save(s, line) < 0)
        return;
    if (store_exec(s, "COMMIT") < 0)
        return;
    s->in_txn = false;
    if (store_exec(s, "BEGIN IMMEDIATE") == 0)
        s->in_txn = true;
}

bool store_attach(struct store *s, struct pipeline_config *cfg, struct strbuf *err)
{
    if (!s)
        return false;
    const struct pipeline_filter *f = &cfg->filter;
    if (f->domain || f->sender || f->statuses || f->since || f->until) {
        strbuf_adds(err, "a filtered scan (--domain, --sender, --status, --since, --until) "
                         "sees only part of the log: this run is not recorded in the history");
        return false;
    }
    cfg->sink.ctx = s;
    cfg->sink.event = sink_event;
    cfg->sink.sent = sink_sent;
    cfg->sink.checkpoint = sink_checkpoint;
    cfg->sink.line = store_keys_line;
    store_delivered_attach(s, cfg); /* deliveries worth proving, per-sender counts */
    s->attached = true;
    return true;
}

/* ---- where a file starts ---------------------------------------------- */

/* read_head - the first STORE_HEAD_MAX uncompressed bytes of path; -1 if unreadable */
static int read_head(struct store *s, const char *path)
{
    if (stat(path, &s->cur_st) != 0)
        return -1;
    /* decoded whatever the compression (gzip, xz, bzip2, zstd): a rotated and
     * compressed log must be recognised as the stream it was when plain; a
     * FIFO or socket has no head (reader_read_head refuses it: it must be read
     * once, as a stream) */
    ssize_t n = reader_read_head(path, (char *)s->cur_head, STORE_HEAD_MAX, &s->cur_gzip);
    if (n < 0)
        return -1;
    s->cur_head_len = (size_t)n;
    return 0;
}

/* find_stream - the stored stream whose head starts this file (longest match) */
static int find_stream(struct store *s, int64_t *id, uint64_t *offset, uint64_t *line)
{
    sqlite3_stmt *st = store_prepare(s, "SELECT id, offset, line, head FROM files");
    if (!st)
        return -1;
    int c_id = store_col(st, "id"), c_offset = store_col(st, "offset");
    int c_line = store_col(st, "line"), c_head = store_col(st, "head");
    size_t best = 0;
    *id = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const void *head = sqlite3_column_blob(st, c_head);
        size_t n = (size_t)sqlite3_column_bytes(st, c_head);
        if (n == 0 || n > s->cur_head_len || n <= best || memcmp(head, s->cur_head, n) != 0)
            continue;
        best = n;
        *id = sqlite3_column_int64(st, c_id);
        *offset = (uint64_t)sqlite3_column_int64(st, c_offset);
        *line = (uint64_t)sqlite3_column_int64(st, c_line);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_fail(s, "reading the file table");
        return -1;
    }
    return 0;
}

/* note_start - remember where a known stream starts and when an earlier run got there
 * (store_input_start: "already read up to line N at TIME") */
static int note_start(struct store *s, int64_t id, uint64_t line)
{
    sqlite3_stmt *st = store_prepare(s, "SELECT seen FROM files WHERE id = :id");
    if (!st)
        return -1;
    store_bind_int(st, ":id", id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        s->last_start_seen = sqlite3_column_int64(st, store_col(st, "seen"));
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        store_fail(s, "reading the file table");
        return -1;
    }
    s->last_start_line = line;
    return 0;
}

bool store_input_start(const struct store *s, uint64_t *line, int64_t *seen)
{
    if (!s || !s->attached || !s->last_start_line)
        return false;
    *line = s->last_start_line;
    *seen = s->last_start_seen;
    return true;
}

static int64_t new_stream(struct store *s, const char *path)
{
    sqlite3_stmt *st =
        store_prepare(s, "INSERT INTO files(path, head, gzip) VALUES(:path, :head, :gzip)");
    if (!st)
        return -1;
    store_bind_text(st, ":path", path, strlen(path));
    store_bind_blob(st, ":head", s->cur_head, s->cur_head_len);
    store_bind_int(st, ":gzip", s->cur_gzip);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_fail(s, "adding a file");
        return -1;
    }
    return sqlite3_last_insert_rowid(s->db);
}

int store_read_input(struct store *s, struct pipeline *p, const char *path, struct strbuf *err)
{
    if (!s || !s->attached)
        return pipeline_read(p, path, err);
    if (s->failure.len)
        return store_failed_rc(s, err);
    uint64_t offset = 0, line = 0;
    bool known = false;
    s->cur_id = 0;
    s->last_start_line = 0;
    s->last_start_seen = 0;
    if (store_exec(s, "BEGIN IMMEDIATE") < 0)
        return store_failed_rc(s, err);
    s->in_txn = true;
    if (strcmp(path, "-") != 0 && read_head(s, path) == 0 && s->cur_head_len > 0) {
        int64_t id;
        if (find_stream(s, &id, &offset, &line) < 0)
            return store_failed_rc(s, err);
        known = id != 0;
        if (known && note_start(s, id, line) < 0)
            return store_failed_rc(s, err);
        if (id && !s->cur_gzip && (uint64_t)s->cur_st.st_size < offset) {
            /* same first bytes, but shorter than what was read: an older copy of a
             * log read further elsewhere (a backup, a copy taken before the last
             * run). Everything in it was read: skip it. (A log truncated and
             * rewritten starts with other bytes - a new timestamp - and is new.) */
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            s->in_txn = false;
            return 0;
        }
        s->cur_id = id ? id : new_stream(s, path);
        s->cur_start = offset;
        s->cur_start_line = line;
        if (s->cur_id < 0)
            return store_failed_rc(s, err);
    }
    /* lines after a known stream's offset are new; any other input may repeat
     * lines stored before (stdin, a copy, a new stream overlapping an old one) */
    if (store_keys_begin_input(s, !known) < 0)
        return store_failed_rc(s, err);
    /* syslog may be writing the last line of a log we will read again: "Oct 19
     * 16:36:25 mx postfix/smtp[1]: 3F2A: to=<a@b>, relay=mx.b[1.2.3.4]:25, dsn=5.7.1,
     * status=bounced (host mx.b[1.2" - left for the next run, which reads it whole.
     * A compressed file does not grow (its cut fragment is never read anyway), and
     * an input we keep no position for (stdin, a FIFO) is read only this once. */
    pipeline_hold_unfinished(p, s->cur_id && !s->cur_gzip);
    int rc = pipeline_read_from(p, path, offset, line, err);
    pipeline_hold_unfinished(p, false);
    if (rc < 0) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        s->in_txn = false;
        s->cur_id = 0;
        return -1;
    }
    s->cur_id = 0;
    if (s->failure.len)
        return store_failed_rc(s, err);
    if (s->in_txn) {
        if (store_exec(s, "COMMIT") < 0)
            return store_failed_rc(s, err);
        s->in_txn = false;
    }
    return 0;
}

bool store_failed(const struct store *s)
{
    return s && s->failure.len;
}

/* ---- the end of a run ------------------------------------------------- */

/* record_groups - first sightings of agg's groups; returns how many are new (g->is_new) */
static long record_groups(struct store *s, struct aggregate *agg)
{
    long fresh = 0;
    size_t n = 0;
    struct group **gs = agg ? aggregate_groups(agg, &n) : NULL;
    sqlite3_stmt *ins = store_prepare(s, "INSERT OR IGNORE INTO groups(key, first_run, first_seen) "
                                         "VALUES(:key, :run, :first_seen)");
    sqlite3_stmt *get = store_prepare(s, "SELECT first_run FROM groups WHERE key = :key");
    int c_first_run = get ? store_col(get, "first_run") : -1;
    for (size_t i = 0; ins && get && i < n; i++) {
        store_bind_text(ins, ":key", gs[i]->key, gs[i]->keylen);
        store_bind_int(ins, ":run", s->run);
        store_bind_int(ins, ":first_seen", gs[i]->first);
        if (sqlite3_step(ins) != SQLITE_DONE)
            store_fail(s, "recording groups");
        sqlite3_reset(ins);
        store_bind_text(get, ":key", gs[i]->key, gs[i]->keylen);
        if (sqlite3_step(get) == SQLITE_ROW && sqlite3_column_int64(get, c_first_run) == s->run) {
            gs[i]->is_new = true;
            fresh++;
        }
        sqlite3_reset(get);
    }
    free(gs);
    sqlite3_finalize(ins);
    sqlite3_finalize(get);
    return fresh;
}

/* count_where - count(*) of the events matching where, with :cutoff bound; -1 on error */
static int64_t count_where(struct store *s, const char *sql, int64_t cutoff)
{
    sqlite3_stmt *st = store_prepare(s, sql);
    if (!st)
        return -1;
    if (sqlite3_bind_parameter_index(st, ":cutoff"))
        store_bind_int(st, ":cutoff", cutoff);
    int64_t n = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, store_col(st, "n"));
    else
        store_fail(s, "counting events");
    sqlite3_finalize(st);
    return n;
}

/* prune - --keep: delete the events older than keep_days before the reference
 * time: the newest stored time that is not after the run's clock and not flagged
 * time_suspect. Counting back from the clock alone would prune an old log the
 * moment it is read; counting back from the newest event let one line dated 2099
 * erase everything. A removal of more than half of the stored events is held back
 * unless --force: a wrong clock or --keep must not cost the history silently. */
static int64_t prune(struct store *s, long keep_days)
{
    int64_t keep = (int64_t)(keep_days > 0 ? keep_days : STORE_KEEP_DAYS) * 86400;
    sqlite3_stmt *st = store_prepare(s, "SELECT max(time) AS ref FROM events WHERE time <= :now"
                                        " AND coalesce(time_suspect, 0) = 0");
    if (!st)
        return 0;
    store_bind_int(st, ":now", (int64_t)time(NULL));
    int rc = sqlite3_step(st);
    bool none = rc != SQLITE_ROW || sqlite3_column_type(st, store_col(st, "ref")) == SQLITE_NULL;
    int64_t ref = none ? 0 : sqlite3_column_int64(st, store_col(st, "ref"));
    if (rc != SQLITE_ROW)
        store_fail(s, "finding the newest event");
    sqlite3_finalize(st);
    if (none)
        return 0;
    int64_t cutoff = ref - keep;
    int64_t old = count_where(s, "SELECT count(*) AS n FROM events WHERE time < :cutoff", cutoff);
    if (old <= 0)
        return cutoff;
    int64_t total = count_where(s, "SELECT count(*) AS n FROM events", 0);
    if (total < 0)
        return 0;
    if (old * 2 > total && !s->force) {
        char when[48];
        format_iso_time(ref, 0, when, sizeof when);
        msg_warn("%s: --keep %ld would delete %" PRId64 " of the %" PRId64
                 " stored events (more than half; the newest stored event not in the future is "
                 "of %s): not pruned - run with --force to prune them",
                 s->path, keep_days > 0 ? keep_days : (long)STORE_KEEP_DAYS, old, total, when);
        return 0;
    }
    st = store_prepare(s, "DELETE FROM events WHERE time < :cutoff");
    if (st) {
        store_bind_int(st, ":cutoff", cutoff);
        if (sqlite3_step(st) != SQLITE_DONE)
            store_fail(s, "pruning old events");
        sqlite3_finalize(st);
    }
    return cutoff;
}

long store_finish_run(struct store *s, struct aggregate *agg, long keep_days, struct strbuf *err)
{
    if (!s)
        return 0;
    if (s->failure.len || store_exec(s, "BEGIN IMMEDIATE") < 0)
        return store_failed_rc(s, err);
    s->in_txn = true;
    long fresh = record_groups(s, agg);
    /* new means a new cause (store_causes.c): what --quiet and --exit-new follow */
    long fresh_causes = store_record_causes(s, agg);
    int64_t cutoff = prune(s, keep_days);
    store_keys_prune(s); /* after the events: keys follow their retention */
    if (cutoff)
        store_delivered_prune(s, cutoff);
    sqlite3_stmt *st =
        store_prepare(s, "UPDATE runs SET finished = :finished, events = :events, sent = :sent,"
                         " new_groups = :new_groups WHERE id = :id");
    if (st) {
        store_bind_int(st, ":finished", (int64_t)time(NULL));
        store_bind_int(st, ":events", (int64_t)s->events);
        store_bind_int(st, ":sent", (int64_t)s->sent);
        store_bind_int(st, ":new_groups", fresh);
        store_bind_int(st, ":id", s->run);
        if (sqlite3_step(st) != SQLITE_DONE)
            store_fail(s, "recording the run");
        sqlite3_finalize(st);
    }
    if (s->failure.len || store_exec(s, "COMMIT") < 0)
        return store_failed_rc(s, err);
    s->in_txn = false;
    return fresh_causes;
}
