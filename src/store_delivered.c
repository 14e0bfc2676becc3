/*
 * store_delivered.c - the history's deliveries: those that end a failure's
 * story (delivered.h), the recipients to watch for them, and deliveries per
 * sender; and reading them back for `partner`, `--format suppress` and
 * `report --sender` (see store.h).
 *
 * TABLES (store_open.c STORE_REPORT_TABLES)
 *   delivered    one row per kept delivery: time, queue id, sender, recipient,
 *                domain, remote host and IP, provider, dsn, the receiver's
 *                reply and the queue id it names (queued_as: the proof), the
 *                message-id, the deferrals before it, file:line. UNIQUE(time,
 *                queue_id, recipient): the same line read twice is one row.
 *   watch        the recipients that had a failure, with the time of the
 *                last; loaded into the pipeline at the start of a scan, so a
 *                delivery in a later run than the failure is kept too.
 *   sent_sender  successful deliveries per hour and sender, summed per batch
 *                like `sent` and written at each checkpoint, so that
 *                `report --sender` counts what `scan --sender` counts.
 *
 * Statements are prepared on first use and finalized by store_close.
 *
 * Not here: the schema (store_open.c), events (store_sink.c, store_query.c),
 * deciding which deliveries to keep (pipeline.c).
 */
#include "store_impl.h"

#include <stdlib.h>
#include <string.h>

#include "util/intern.h"
#include "util/xalloc.h"

/* ---- writing ------------------------------------------------------------ */

/* stmt - the statement of sql, prepared on first use, its parameters' numbers
 * (names[i] -> param[i]) looked up then: a search by name for every row costs
 * more than the row */
static sqlite3_stmt *stmt(struct store *s, sqlite3_stmt **st, const char *sql,
                          const char *const *names, int *param, size_t n)
{
    if (!*st && !s->failure.len) {
        *st = store_prepare(s, sql);
        for (size_t i = 0; *st && i < n; i++)
            param[i] = store_param(*st, names[i]);
    }
    return *st;
}

static void bind_slice(sqlite3_stmt *st, int param, struct slice v)
{
    sqlite3_bind_text(st, param, v.n ? v.p : "", (int)v.n, SQLITE_STATIC);
}

static const char *const dl_names[17] = {
    ":run",       ":time",        ":tz",        ":queue_id", ":sender", ":recipient",
    ":domain",    ":remote_host", ":remote_ip", ":provider", ":dsn",    ":reply",
    ":queued_as", ":message_id",  ":attempts",  ":file",     ":line",
};
enum {
    DL_RUN,
    DL_TIME,
    DL_TZ,
    DL_QID,
    DL_SENDER,
    DL_RCPT,
    DL_DOMAIN,
    DL_HOST,
    DL_IP,
    DL_PROVIDER,
    DL_DSN,
    DL_REPLY,
    DL_QUEUED_AS,
    DL_MSGID,
    DL_ATTEMPTS,
    DL_FILE,
    DL_LINE
};

static void sink_delivered(void *ctx, const struct delivered *d)
{
    struct store *s = ctx;
    int *p = s->dl_param;
    sqlite3_stmt *st = stmt(
        s, &s->ins_delivered,
        "INSERT OR IGNORE INTO delivered(run, time, tz, queue_id, sender, recipient, domain,"
        " remote_host, remote_ip, provider, dsn, reply, queued_as, message_id, attempts, file,"
        " line) VALUES(:run, :time, :tz, :queue_id, :sender, :recipient, :domain, :remote_host,"
        " :remote_ip, :provider, :dsn, :reply, :queued_as, :message_id, :attempts, :file, :line)",
        dl_names, p, 17);
    if (!st || s->failure.len)
        return;
    sqlite3_bind_int64(st, p[DL_RUN], s->run);
    sqlite3_bind_int64(st, p[DL_TIME], d->when);
    sqlite3_bind_int64(st, p[DL_TZ], d->tz_minutes);
    bind_slice(st, p[DL_QID], d->qid);
    bind_slice(st, p[DL_SENDER], d->sender);
    bind_slice(st, p[DL_RCPT], d->recipient);
    bind_slice(st, p[DL_DOMAIN], d->domain);
    bind_slice(st, p[DL_HOST], d->remote_host);
    bind_slice(st, p[DL_IP], d->remote_ip);
    bind_slice(st, p[DL_PROVIDER], d->provider);
    bind_slice(st, p[DL_DSN], d->dsn);
    bind_slice(st, p[DL_REPLY], d->reply);
    bind_slice(st, p[DL_QUEUED_AS], d->queued_as);
    bind_slice(st, p[DL_MSGID], d->message_id);
    sqlite3_bind_int64(st, p[DL_ATTEMPTS], d->attempts);
    bind_slice(st, p[DL_FILE], slice_cstr(d->file ? d->file : ""));
    sqlite3_bind_int64(st, p[DL_LINE], (int64_t)d->line);
    if (sqlite3_step(st) != SQLITE_DONE)
        store_fail(s, "storing a delivery");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static void sink_watch(void *ctx, struct slice recipient, int64_t when)
{
    struct store *s = ctx;
    static const char *const names[2] = { ":recipient", ":last" };
    sqlite3_stmt *st = stmt(s, &s->put_watch,
                            "INSERT INTO watch(recipient, last) VALUES(:recipient, :last)"
                            " ON CONFLICT(recipient) DO UPDATE SET last = max(last, excluded.last)",
                            names, s->watch_param, 2);
    if (!st || s->failure.len)
        return;
    bind_slice(st, s->watch_param[0], recipient);
    sqlite3_bind_int64(st, s->watch_param[1], when);
    if (sqlite3_step(st) != SQLITE_DONE)
        store_fail(s, "storing a recipient to watch");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* deliveries of one (hour, sender) in the current batch */
static void sink_sent_sender(void *ctx, struct slice sender, int64_t when, int tz_minutes)
{
    struct store *s = ctx;
    if (s->failure.len)
        return;
    if (!s->pending_senders)
        s->pending_senders = hashmap_new(free);
    int64_t hour = when - ((when % 3600) + 3600) % 3600;
    strbuf_reset(&s->key);
    strbuf_add(&s->key, &hour, sizeof hour);
    strbuf_add(&s->key, sender.p, sender.n);
    hour_cell_count(hashmap_slot(s->pending_senders, s->key.s, s->key.len), hour, when, tz_minutes);
}

int store_delivered_flush(struct store *s)
{
    if (!s->pending_senders || !hashmap_count(s->pending_senders))
        return 0;
    static const char *const names[6] = { ":hour", ":sender", ":tz", ":count", ":first", ":last" };
    int *p = s->sender_param;
    sqlite3_stmt *st = stmt(
        s, &s->upsert_sent_sender,
        "INSERT INTO sent_sender(hour, sender, tz, count, first, last)"
        " VALUES(:hour, :sender, :tz, :count, :first, :last) ON CONFLICT(hour, sender) DO UPDATE"
        " SET count = count + excluded.count, first = min(first, excluded.first),"
        " last = max(last, excluded.last), tz = excluded.tz",
        names, p, 6);
    if (!st)
        return -1;
    const char *key;
    size_t keylen;
    void *v;
    int rc = 0;
    for (size_t it = 0; rc == 0 && hashmap_next(s->pending_senders, &it, &key, &keylen, &v);) {
        struct hour_cell *c = v;
        sqlite3_bind_int64(st, p[0], c->hour);
        sqlite3_bind_text(st, p[1], key + sizeof(int64_t), (int)(keylen - sizeof(int64_t)),
                          SQLITE_STATIC);
        sqlite3_bind_int64(st, p[2], c->tz);
        sqlite3_bind_int64(st, p[3], (int64_t)c->count);
        sqlite3_bind_int64(st, p[4], c->first);
        sqlite3_bind_int64(st, p[5], c->last);
        if (sqlite3_step(st) != SQLITE_DONE) {
            store_fail(s, "storing deliveries per sender");
            rc = -1;
        }
        sqlite3_reset(st);
    }
    store_delivered_rollback(s);
    return rc;
}

void store_delivered_rollback(struct store *s)
{
    hashmap_free(s->pending_senders);
    s->pending_senders = NULL;
}

void store_delivered_attach(struct store *s, struct pipeline_config *cfg)
{
    cfg->track_deliveries = true;
    cfg->sink.delivered = sink_delivered;
    cfg->sink.watch = sink_watch;
    cfg->sink.sent_sender = sink_sent_sender;
}

void store_delivered_prune(struct store *s, int64_t cutoff)
{
    static const char *const sql[] = {
        "DELETE FROM delivered WHERE time < :cutoff",
        "DELETE FROM watch WHERE last < :cutoff",
        "DELETE FROM sent_sender WHERE hour < :cutoff",
    };
    for (size_t i = 0; i < sizeof sql / sizeof *sql && !s->failure.len; i++) {
        sqlite3_stmt *st = store_prepare(s, sql[i]);
        if (!st)
            return;
        store_bind_int(st, ":cutoff", cutoff);
        if (sqlite3_step(st) != SQLITE_DONE)
            store_fail(s, "pruning old deliveries");
        sqlite3_finalize(st);
    }
}

void store_delivered_finalize(struct store *s)
{
    sqlite3_finalize(s->ins_delivered);
    sqlite3_finalize(s->put_watch);
    sqlite3_finalize(s->upsert_sent_sender);
    s->ins_delivered = s->put_watch = s->upsert_sent_sender = NULL;
    store_delivered_rollback(s);
}

void store_load_watch(struct store *s, struct pipeline *p)
{
    if (!s || !s->attached || !p)
        return;
    sqlite3_stmt *st = store_prepare(s, "SELECT recipient FROM watch");
    if (!st)
        return;
    int c_rcpt = store_col(st, "recipient");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        pipeline_watch(p, store_column_slice(st, c_rcpt));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        store_fail(s, "reading the recipients to watch");
}

/* ---- reading ------------------------------------------------------------ */

int store_each_delivered(struct store *s, const struct store_delivered_query *q,
                         store_delivered_fn fn, void *ctx, struct strbuf *err)
{
    struct strbuf sql = STRBUF_INIT;
    strbuf_adds(&sql, "SELECT time, tz, queue_id, sender, recipient, domain, remote_host,"
                      " remote_ip, provider, dsn, reply, queued_as, message_id, attempts, file,"
                      " line FROM delivered WHERE 1");
    if (q->since)
        strbuf_adds(&sql, " AND time >= :since");
    if (q->until)
        strbuf_adds(&sql, " AND time < :until");
    if (q->recipient)
        strbuf_adds(&sql, " AND lower(recipient) = lower(:recipient)");
    if (q->domain)
        strbuf_adds(&sql, " AND (domain = lower(:domain) OR (length(domain) > length(:domain) AND"
                          " substr(domain, -length(:domain) - 1) = '.' || lower(:domain)))");
    if (q->provider)
        strbuf_adds(&sql, " AND lower(provider) = lower(:provider)");
    if (q->qid)
        strbuf_adds(&sql, " AND queue_id = :qid");
    if (q->message_id)
        strbuf_adds(&sql, " AND message_id = :message_id");
    strbuf_adds(&sql, " ORDER BY time, id");
    sqlite3_stmt *st = store_prepare(s, sql.s);
    strbuf_free(&sql);
    if (!st)
        return store_failed_rc(s, err);
    if (q->since)
        store_bind_int(st, ":since", q->since);
    if (q->until)
        store_bind_int(st, ":until", q->until);
    if (q->recipient)
        store_bind_text(st, ":recipient", q->recipient, strlen(q->recipient));
    if (q->domain)
        store_bind_text(st, ":domain", q->domain, strlen(q->domain));
    if (q->provider)
        store_bind_text(st, ":provider", q->provider, strlen(q->provider));
    if (q->qid)
        store_bind_text(st, ":qid", q->qid, strlen(q->qid));
    if (q->message_id)
        store_bind_text(st, ":message_id", q->message_id, strlen(q->message_id));
    int c[16];
    static const char *const names[16] = { "time",       "tz",       "queue_id",    "sender",
                                           "recipient",  "domain",   "remote_host", "remote_ip",
                                           "provider",   "dsn",      "reply",       "queued_as",
                                           "message_id", "attempts", "file",        "line" };
    for (int i = 0; i < 16; i++)
        c[i] = store_col(st, names[i]);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct delivered d = {
            .when = sqlite3_column_int64(st, c[0]),
            .tz_minutes = sqlite3_column_int(st, c[1]),
            .qid = store_column_slice(st, c[2]),
            .sender = store_column_slice(st, c[3]),
            .recipient = store_column_slice(st, c[4]),
            .domain = store_column_slice(st, c[5]),
            .remote_host = store_column_slice(st, c[6]),
            .remote_ip = store_column_slice(st, c[7]),
            .provider = store_column_slice(st, c[8]),
            .dsn = store_column_slice(st, c[9]),
            .reply = store_column_slice(st, c[10]),
            .queued_as = store_column_slice(st, c[11]),
            .message_id = store_column_slice(st, c[12]),
            .attempts = (unsigned)sqlite3_column_int(st, c[13]),
            .file = NULL,
            .line = (uint64_t)sqlite3_column_int64(st, c[15]),
        };
        struct slice file = store_column_slice(st, c[14]);
        char *name = xmemdup(file.p, file.n); /* the name up to a NUL it may hold */
        d.file = intern(name);
        free(name);
        fn(ctx, &d);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_fail(s, "reading deliveries");
        return store_failed_rc(s, err);
    }
    return 0;
}

int store_each_sent_sender(struct store *s, const struct store_query *q, store_sent_fn fn,
                           void *ctx, struct strbuf *err)
{
    struct strbuf sql = STRBUF_INIT;
    strbuf_adds(&sql, "SELECT sender, first, last, count, tz FROM sent_sender WHERE 1");
    if (q->since)
        strbuf_adds(&sql, " AND hour >= :since - 3599");
    if (q->until)
        strbuf_adds(&sql, " AND hour < :until");
    if (q->sender)
        strbuf_adds(&sql, " AND " STORE_SENDER_MATCH);
    strbuf_adds(&sql, " ORDER BY hour, sender");
    sqlite3_stmt *st = store_prepare(s, sql.s);
    strbuf_free(&sql);
    if (!st)
        return store_failed_rc(s, err);
    if (q->since)
        store_bind_int(st, ":since", q->since);
    if (q->until)
        store_bind_int(st, ":until", q->until);
    if (q->sender)
        store_bind_text(st, ":sender", q->sender, strlen(q->sender));
    int c_first = store_col(st, "first"), c_last = store_col(st, "last");
    int c_count = store_col(st, "count"), c_tz = store_col(st, "tz");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, "", "", sqlite3_column_int64(st, c_first), sqlite3_column_int64(st, c_last),
           (uint64_t)sqlite3_column_int64(st, c_count), sqlite3_column_int(st, c_tz));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_fail(s, "reading deliveries per sender");
        return store_failed_rc(s, err);
    }
    return 0;
}
