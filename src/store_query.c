/*
 * store_query.c - reading the history back for `report`, `partner` and tests:
 * stored events and deliveries matching a query, which groups are new, counts
 * (see store.h).
 *
 * A query's SQL is fixed text with named parameters (never log or user text
 * pasted in); the SELECT of events is made from event.h's column table, and
 * reads the columns the database has (an older database may lack a column
 * added since: it then stays empty / 0).
 *
 * Not here: writing (store_sink.c), opening (store_open.c).
 */
#include "store_impl.h"

#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "classify.h"
#include "syslog_header.h"

/* where_clause - the fixed SQL text for q; values are bound by bind_query */
static void where_clause(const struct store_query *q, struct strbuf *sql, const char *time_col,
                         bool has_recipient)
{
    strbuf_adds(sql, " WHERE 1");
    if (q->since)
        strbuf_addf(sql, " AND %s >= :since", time_col);
    if (q->until)
        strbuf_addf(sql, " AND %s < :until", time_col);
    const char *dom = "(domain = :domain OR (length(domain) > length(:domain) AND "
                      "substr(domain, -length(:domain) - 1) = '.' || :domain))";
    if (q->any_of && q->domain) {
        strbuf_addf(sql, " AND (%s OR %s OR lower(provider) = lower(:domain))", dom,
                    has_recipient ? "recipient = :domain" : "0");
    } else {
        if (q->domain)
            strbuf_addf(sql, " AND %s", dom);
        if (q->recipient)
            strbuf_adds(sql, " AND recipient = :recipient");
        if (q->provider)
            strbuf_adds(sql, " AND lower(provider) = lower(:provider)");
    }
    if (q->qid && has_recipient)
        strbuf_adds(sql, " AND queue_id = :qid");
    if (q->message_id && has_recipient)
        strbuf_adds(sql, " AND message_id = :message_id");
}

/* bind_if - bind a query value when the statement asks for it */
static void bind_text_if(sqlite3_stmt *st, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0 && v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void bind_int_if(sqlite3_stmt *st, const char *name, int64_t v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0)
        sqlite3_bind_int64(st, i, v);
}

static void bind_query(sqlite3_stmt *st, const struct store_query *q)
{
    bind_int_if(st, ":since", q->since);
    bind_int_if(st, ":until", q->until);
    bind_text_if(st, ":domain", q->domain);
    bind_text_if(st, ":recipient", q->recipient);
    bind_text_if(st, ":provider", q->provider);
    bind_text_if(st, ":sender", q->sender);
    bind_int_if(st, ":statuses", q->statuses);
    bind_text_if(st, ":qid", q->qid);
    bind_text_if(st, ":message_id", q->message_id);
}

int store_each_event(struct store *s, const struct store_query *q, struct classifier *c,
                     store_event_fn fn, void *ctx, struct strbuf *err)
{
    const struct event_column *cols = event_columns();
    /* which table column each result column is */
    const struct event_column *read[EVENT_N_COLUMNS];
    int n_read = 0;
    struct strbuf sql = STRBUF_INIT;
    strbuf_adds(&sql, "SELECT id");
    for (size_t i = 0; i < EVENT_N_COLUMNS; i++) {
        if (!s->has_column[i])
            continue;
        strbuf_addf(&sql, ", %s", cols[i].sql);
        read[n_read++] = &cols[i];
    }
    strbuf_adds(&sql, " FROM events");
    where_clause(q, &sql, "time", true);
    if (q->statuses)
        strbuf_adds(&sql, " AND ((1 << status) & :statuses) != 0");
    if (q->sender) /* as scan --sender matches (STORE_SENDER_MATCH) */
        strbuf_adds(&sql, " AND " STORE_SENDER_MATCH);
    strbuf_adds(&sql, " ORDER BY id");
    sqlite3_stmt *st = store_prepare(s, sql.s);
    strbuf_free(&sql);
    if (!st)
        return store_failed_rc(s, err);
    bind_query(st, q);
    const struct reason *fallback =
        classifier_reason_count(c) ? classifier_reason_at(c, classifier_reason_count(c) - 1) : NULL;
    int first = store_col(st, "id") + 1; /* the event columns follow the id, in read[] order */
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct event e;
        memset(&e, 0, sizeof e);
        for (int k = 0; k < n_read; k++) {
            if (event_column_is_text(read[k]))
                event_set_text(&e, read[k], store_column_slice(st, first + k), c);
            else
                event_set_int(&e, read[k], sqlite3_column_int64(st, first + k));
        }
        if (!e.reason)
            e.reason = fallback;
        /* shown in today's local zone, as a scan would show it (header_local_minutes) */
        e.tz_minutes = header_local_minutes(e.when);
        fn(ctx, &e);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_fail(s, "reading events");
        return store_failed_rc(s, err);
    }
    return 0;
}

int store_each_sent(struct store *s, const struct store_query *q, store_sent_fn fn, void *ctx,
                    struct strbuf *err)
{
    struct strbuf sql = STRBUF_INIT;
    strbuf_adds(&sql, "SELECT domain, provider, first, last, count, tz FROM sent");
    struct store_query sq = *q;
    sq.recipient = NULL; /* deliveries are counted per domain only */
    sq.sender = NULL;
    sq.statuses = 0;
    where_clause(&sq, &sql, "hour", false);
    strbuf_adds(&sql, " ORDER BY hour, domain, provider");
    sqlite3_stmt *st = store_prepare(s, sql.s);
    strbuf_free(&sql);
    if (!st)
        return store_failed_rc(s, err);
    bind_query(st, &sq);
    int c_domain = store_col(st, "domain"), c_provider = store_col(st, "provider");
    int c_first = store_col(st, "first"), c_last = store_col(st, "last");
    int c_count = store_col(st, "count");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(st, c_domain),
           (const char *)sqlite3_column_text(st, c_provider), sqlite3_column_int64(st, c_first),
           sqlite3_column_int64(st, c_last), (uint64_t)sqlite3_column_int64(st, c_count),
           header_local_minutes(sqlite3_column_int64(st, c_last)));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_fail(s, "reading deliveries");
        return store_failed_rc(s, err);
    }
    return 0;
}

int store_span(struct store *s, int64_t *first, int64_t *last)
{
    *first = *last = 0;
    sqlite3_stmt *st = store_prepare(s, "SELECT min(f) AS first, max(l) AS last FROM ("
                                        "SELECT min(time) AS f, max(time) AS l FROM events"
                                        " UNION ALL SELECT min(first), max(last) FROM sent)");
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *first = sqlite3_column_int64(st, store_col(st, "first"));
        *last = sqlite3_column_int64(st, store_col(st, "last"));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) {
        store_fail(s, "reading the history's span");
        return -1;
    }
    return 0;
}

void store_mark_new(struct store *s, struct aggregate *agg)
{
    if (!s || !agg)
        return;
    sqlite3_stmt *st = store_prepare(s, "SELECT 1 FROM groups WHERE key = :key AND first_run = "
                                        "(SELECT max(id) FROM runs WHERE finished IS NOT NULL)");
    if (!st)
        return;
    size_t n = 0;
    struct group **gs = aggregate_groups(agg, &n);
    for (size_t i = 0; i < n; i++) {
        store_bind_text(st, ":key", gs[i]->key, gs[i]->keylen);
        gs[i]->is_new = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_reset(st);
    }
    free(gs);
    sqlite3_finalize(st);
    store_mark_new_causes(s, agg); /* a group stays new only when a cause of it is */
}

int store_counts(struct store *s, uint64_t count[4])
{
    memset(count, 0, 4 * sizeof *count);
    sqlite3_stmt *st = store_prepare(s, "SELECT status, count(*) AS n FROM events GROUP BY status");
    if (!st)
        return -1;
    int c_status = store_col(st, "status"), c_n = store_col(st, "n");
    while (sqlite3_step(st) == SQLITE_ROW) {
        int k = sqlite3_column_int(st, c_status);
        if (k >= 0 && k < 4)
            count[k] = (uint64_t)sqlite3_column_int64(st, c_n);
    }
    sqlite3_finalize(st);
    int64_t sent = store_int_query(s, "SELECT coalesce(sum(count), 0) AS n FROM sent", "n");
    if (sent < 0)
        return -1;
    count[DELIVERY_SENT] = (uint64_t)sent;
    return 0;
}
