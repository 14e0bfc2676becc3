/*
 * cmd_report.c - `bouncescope report` and `bouncescope vacuum`: reports from
 * the history database (store.h), and its compaction.
 *
 * report   rebuilds the report model from stored events over --since/--until
 *          (and --domain/--sender/--status): the events go through the same
 *          aggregate and event spool as in `scan`, in the order they were read,
 *          so `report --format csv --detail` writes exactly the event CSV of one
 *          `scan` over the same lines. Causes first seen in the last run are
 *          marked new (and the groups holding them); --exit-new then gives
 *          EXIT_NEW_PROBLEM.
 * vacuum   compacts the database.
 *
 * Errors: a missing, locked or damaged database -> message, EXIT_STORE; bad
 * options -> EXIT_USAGE. Neither command writes to the database.
 *
 * Not done: blocklist status from the store's dnsbl cache (report runs the
 * same DNS stage as scan); the whole original log line (the store keeps the
 * reply text and file:line).
 *
 * Not here: the database itself (store_*.c), the report formats (write_*.c),
 * `partner` (cmd_partner.c).
 */
#include <stdlib.h>
#include <string.h>

#include "cmd_common.h"
#include "commands.h"
#include "dns_stage.h"
#include "syslog_header.h"
#include "util/msg.h"
#include "util/xalloc.h"

/* cmd_query_from - the store query for the options' filters (already parsed into cfg) */
struct store_query cmd_query_from(const struct pipeline_config *cfg)
{
    struct store_query q = {
        .since = cfg->filter.since,
        .until = cfg->filter.until,
        .domain = cfg->filter.domain,
        .sender = cfg->filter.sender,
        .statuses = cfg->filter.statuses,
    };
    return q;
}

struct rebuild {
    struct aggregate *agg;
    struct event_spool *spool;
    struct delivered **kept; /* --format suppress: the deliveries read back */
    size_t n_kept, cap_kept;
};

static void free_kept(struct rebuild *rb)
{
    for (size_t i = 0; i < rb->n_kept; i++)
        free(rb->kept[i]);
    free(rb->kept);
}

static void rebuild_delivered(void *ctx, const struct delivered *d)
{
    struct rebuild *rb = ctx;
    if (rb->n_kept == rb->cap_kept) {
        rb->cap_kept = rb->cap_kept ? rb->cap_kept * 2 : 64;
        rb->kept = xrealloc(rb->kept, rb->cap_kept * sizeof *rb->kept);
    }
    rb->kept[rb->n_kept++] = delivered_dup(d);
}

static void rebuild_event(void *ctx, const struct event *e)
{
    struct rebuild *rb = ctx;
    aggregate_add(rb->agg, e);
    if (rb->spool)
        event_spool_write(rb->spool, e);
}

/* rebuild_sent - a stored hour of deliveries: first and last exactly, the rest at first */
static void rebuild_sent(void *ctx, const char *domain, const char *provider, int64_t first,
                         int64_t last, uint64_t count, int tz_minutes)
{
    struct rebuild *rb = ctx;
    struct slice d = slice_cstr(domain ? domain : ""), p = slice_cstr(provider ? provider : "");
    for (uint64_t i = 0; i < count; i++)
        aggregate_sent(rb->agg, d, p, i == count - 1 ? last : first, tz_minutes);
}

/* cmd_open_and_build - common part: options -> pipeline (for its classifier, aggregate
 * and spool, no input is read) -> store; EXIT_OK or an exit status */
int cmd_open_and_build(const struct options *o, bool spool, struct pipeline_config *cfg,
                       struct pipeline **p, struct store **s)
{
    int rc = cmd_pipeline_config(o, cfg);
    if (rc != EXIT_OK)
        return rc;
    cmd_setup_patterns(o);
    struct strbuf err = STRBUF_INIT;
    struct store_config sc = cmd_store_config(o, false);
    *s = store_open(&sc, &err);
    if (!*s) {
        msg_error("%s", err.s);
        strbuf_free(&err);
        return EXIT_STORE;
    }
    /* the filters are applied by the store query, not again by the pipeline */
    struct pipeline_config pc = *cfg;
    memset(&pc.filter, 0, sizeof pc.filter);
    pc.spool_events |= spool;
    *p = pipeline_new(&pc, &err);
    if (!*p) {
        msg_error("%s", err.s);
        strbuf_free(&err);
        store_close(*s);
        return EXIT_USAGE;
    }
    strbuf_free(&err);
    return EXIT_OK;
}

/* no_data_note - when the history holds nothing for the period (and filters)
 * asked: say which period, and what the history does hold, instead of a report
 * that reads as an all-clear */
static void no_data_note(struct store *s, const struct store_query *q, struct aggregate *agg,
                         struct strbuf *out)
{
    const struct aggregate_totals *t = aggregate_totals(agg);
    if (t->count[0] || t->count[1] || t->count[2] || t->count[3])
        return;
    char a[48], b[48];
    strbuf_adds(out, "No data");
    if (q->since && q->until)
        strbuf_addf(out, " for %s to %s",
                    fmt_time(q->since, header_local_minutes(q->since), a, sizeof a),
                    fmt_time(q->until, header_local_minutes(q->until), b, sizeof b));
    else if (q->since)
        strbuf_addf(out, " since %s",
                    fmt_time(q->since, header_local_minutes(q->since), a, sizeof a));
    else if (q->until)
        strbuf_addf(out, " before %s",
                    fmt_time(q->until, header_local_minutes(q->until), a, sizeof a));
    if (q->domain || q->sender || q->statuses)
        strbuf_adds(out, " matching the filters given");
    int64_t first, last;
    if (store_span(s, &first, &last) == 0 && first)
        strbuf_addf(out,
                    " in the history, which holds %s to %s (nothing failed or was delivered "
                    "in the period asked).",
                    fmt_time(first, header_local_minutes(first), a, sizeof a),
                    fmt_time(last, header_local_minutes(last), b, sizeof b));
    else
        strbuf_adds(out, ": the history is empty (run `bouncescope scan` first).");
}

int cmd_report(const struct options *o)
{
    struct pipeline_config cfg;
    struct pipeline *p;
    struct store *s;
    int rc = cmd_open_and_build(o, false, &cfg, &p, &s);
    if (rc != EXIT_OK)
        return rc;
    struct rebuild rb = { .agg = pipeline_aggregate(p), .spool = pipeline_spool(p) };
    struct store_query q = cmd_query_from(&cfg);
    bool suppress = !strcmp(o->format, "suppress");
    struct strbuf err = STRBUF_INIT;
    /* deliveries: per domain, or per sender for --sender (without --domain: the
     * per-sender counts are not kept per domain) */
    int sent_rc = 0;
    if (!q.statuses && !q.sender)
        sent_rc = store_each_sent(s, &q, rebuild_sent, &rb, &err);
    else if (!q.statuses && !q.domain)
        sent_rc = store_each_sent_sender(s, &q, rebuild_sent, &rb, &err);
    /* the list to clean: the deliveries that may follow a failure, over the same period */
    struct store_delivered_query dq = { .since = q.since, .until = q.until, .domain = q.domain };
    if (suppress && sent_rc == 0)
        sent_rc = store_each_delivered(s, &dq, rebuild_delivered, &rb, &err);
    if (store_each_event(s, &q, pipeline_classifier(p), rebuild_event, &rb, &err) < 0 ||
        sent_rc < 0) {
        msg_error("%s", err.s);
        strbuf_free(&err);
        store_close(s);
        pipeline_free(p);
        free_kept(&rb);
        return EXIT_STORE;
    }
    strbuf_free(&err);
    pipeline_finish(p);
    store_mark_new(s, rb.agg);
    struct strbuf no_data = STRBUF_INIT;
    no_data_note(s, &q, rb.agg, &no_data);
    store_close(s);

    struct report r;
    cmd_report_init(&r, "report", o, p); /* stats NULL: the writers leave out "What was read" */
    r.empty_note = no_data.len ? no_data.s : NULL;
    r.delivered = rb.kept;
    r.n_delivered = rb.n_kept;
    r.domain_sent_unknown = q.sender != NULL;
    cmd_add_our_ips(o, r.agg);
    /* new means a new cause (store_causes.c) */
    size_t n = 0;
    struct cause **cs = aggregate_causes(r.agg, &n);
    bool fresh = false;
    for (size_t i = 0; i < n; i++)
        fresh |= cs[i]->is_new;
    free(cs);
    int wrc = EXIT_OK;
    struct dns_stage *dns = NULL;
    if (!(o->quiet && !fresh)) {
        struct report_config rcfg = cmd_report_config(o);
        dns = cmd_run_dns(o, &r, NULL);
        wrc = report_write(&rcfg, &r);
    }
    /* CSV has no room for prose: say it where a person (or cron's mail) reads it */
    if (r.empty_note && !strcmp(o->format, "csv") && !o->quiet)
        msg_info("%s", r.empty_note);
    strbuf_free(&no_data);
    dns_stage_free(dns);
    pipeline_free(p);
    free_kept(&rb);
    if (wrc != EXIT_OK)
        return wrc;
    return o->exit_new && fresh ? EXIT_NEW_PROBLEM : EXIT_OK;
}

/* cmd_vacuum - `bouncescope vacuum`: compact the history database */
int cmd_vacuum(const struct options *o)
{
    if (o->no_db) {
        msg_error("vacuum needs a database (not --no-db)");
        return EXIT_USAGE;
    }
    struct strbuf err = STRBUF_INIT;
    struct store_config sc = cmd_store_config(o, true);
    sc.must_exist = true; /* a mistyped --db must not leave an empty database behind */
    struct store *s = store_open(&sc, &err);
    if (!s) {
        msg_error("%s", err.s);
        strbuf_free(&err);
        return EXIT_STORE;
    }
    int rc = store_vacuum(s, &err) < 0 ? EXIT_STORE : EXIT_OK;
    if (rc != EXIT_OK)
        msg_error("%s", err.s);
    store_close(s);
    strbuf_free(&err);
    return rc;
}
