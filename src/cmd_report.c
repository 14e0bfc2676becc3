/*
 * cmd_report.c - `bouncescope report` and `bouncescope partner`: reports from
 * the history database (store.h).
 *
 * report   rebuilds the report model from stored events over --since/--until
 *          (and --domain/--sender/--status): the events go through the same
 *          aggregate and event spool as in `scan`, in the order they were read,
 *          so `report --format csv --detail` writes exactly the event CSV of one
 *          `scan` over the same lines. Causes first seen in the last run are
 *          marked new (and the groups holding them); --exit-new then gives
 *          EXIT_NEW_PROBLEM.
 * partner  everything about one domain (or a parent of it), recipient address
 *          or provider name: a plain-language summary, deliveries and failure
 *          rate, the timeline per recipient, remote hosts, reasons with their
 *          fingerprints, implicated IPs, and the stored texts with file:line.
 *          --format csv gives the partner's events as the event CSV.
 *
 * Errors: a missing, locked or damaged database -> message, EXIT_STORE; bad
 * options -> EXIT_USAGE. Neither command writes to the database.
 *
 * Not done: blocklist status from the store's dnsbl cache (report runs the
 * same DNS stage as scan; partner names the lists the texts named); the whole
 * original log line (the store keeps the reply text and file:line).
 *
 * Not here: the database itself (store_*.c) or the report formats (write_*.c,
 * write_partner.c for partner's text).
 */
#include <stdlib.h>
#include <string.h>

#include "cmd_common.h"
#include "commands.h"
#include "dns_stage.h"
#include "util/msg.h"
#include "util/xalloc.h"

/* query_from - the store query for the options' filters (already parsed into cfg) */
static struct store_query query_from(const struct pipeline_config *cfg)
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

/* open_and_build - common part: options -> pipeline (for its classifier, aggregate
 * and spool, no input is read) -> store; EXIT_OK or an exit status */
static int open_and_build(const struct options *o, bool spool, struct pipeline_config *cfg,
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

int cmd_report(const struct options *o)
{
    struct pipeline_config cfg;
    struct pipeline *p;
    struct store *s;
    int rc = open_and_build(o, false, &cfg, &p, &s);
    if (rc != EXIT_OK)
        return rc;
    struct rebuild rb = { .agg = pipeline_aggregate(p), .spool = pipeline_spool(p) };
    struct store_query q = query_from(&cfg);
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
    store_close(s);

    struct report r;
    cmd_report_init(&r, "report", o, p); /* stats NULL: the writers leave out "What was read" */
    r.delivered = rb.kept;
    r.n_delivered = rb.n_kept;
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
    dns_stage_free(dns);
    pipeline_free(p);
    free_kept(&rb);
    if (wrc != EXIT_OK)
        return wrc;
    return o->exit_new && fresh ? EXIT_NEW_PROBLEM : EXIT_OK;
}

/* ---- partner ---------------------------------------------------------- */

struct partner {
    struct event **ev;
    size_t n, cap;
    struct aggregate *agg;
    struct event_spool *spool;
    uint64_t sent, sent_since;
    int64_t since; /* for sent_since */
};

static void partner_event(void *ctx, const struct event *e)
{
    struct partner *pt = ctx;
    if (pt->n == pt->cap) {
        pt->cap = pt->cap ? pt->cap * 2 : 64;
        pt->ev = xrealloc(pt->ev, pt->cap * sizeof *pt->ev);
    }
    pt->ev[pt->n++] = event_dup(e);
    aggregate_add(pt->agg, e);
    if (pt->spool)
        event_spool_write(pt->spool, e);
}

static void partner_sent(void *ctx, const char *domain, const char *provider, int64_t first,
                         int64_t last, uint64_t count, int tz_minutes)
{
    struct partner *pt = ctx;
    (void)domain, (void)provider, (void)first, (void)tz_minutes;
    pt->sent += count;
    if (pt->since && last >= pt->since)
        pt->sent_since += count;
}

static int by_time(const void *a, const void *b)
{
    const struct event *x = *(struct event *const *)a, *y = *(struct event *const *)b;
    return x->when < y->when ? -1 : x->when > y->when;
}

/* same_cause - one story: the same reason from the same provider about the same IP
 * (a deferral and the expiry it ends in are one story) */
static bool same_cause(const struct event *a, const struct event *b)
{
    return a->reason == b->reason && slice_eq(a->provider, b->provider) &&
           slice_eq(a->implicated_ip, b->implicated_ip);
}

/* streak_start - where the last run of failures with the last one's cause starts */
static size_t streak_start(struct event *const *ev, size_t n)
{
    size_t from = n - 1;
    while (from > 0 && same_cause(ev[from - 1], ev[n - 1]))
        from--;
    return from;
}

static int describe_ip(void *ctx, const char *ip, struct strbuf *out)
{
    return store_dnsbl_describe(ctx, ip, out);
}

/* partner_write - the story as text, or the partner's events as the event CSV/JSON */
static int partner_write(const struct options *o, struct pipeline *p,
                         const struct partner_report *pr)
{
    if (!strcmp(o->format, "csv") || !strcmp(o->format, "json")) {
        pipeline_finish(p);
        struct report r;
        cmd_report_init(&r, "partner", o, p);
        r.detail = true;
        r.top = 0;
        struct report_config rcfg = cmd_report_config(o);
        struct dns_stage *dns = cmd_run_dns(o, &r, NULL);
        int rc = report_write(&rcfg, &r);
        dns_stage_free(dns);
        return rc;
    }
    struct report_output out;
    int rc = report_output_open(&out, o->output);
    if (rc != EXIT_OK)
        return rc;
    return report_output_close(&out, write_partner(out.fp, pr));
}

int cmd_partner(const struct options *o)
{
    if (o->n_args != 1) {
        msg_error("partner needs one DOMAIN, ADDRESS or PROVIDER");
        return EXIT_USAGE;
    }
    const char *who = o->args[0];
    struct pipeline_config cfg;
    struct pipeline *p;
    struct store *s;
    int rc = open_and_build(o, true, &cfg, &p, &s);
    if (rc != EXIT_OK)
        return rc;
    struct partner pt = { .agg = pipeline_aggregate(p), .spool = pipeline_spool(p) };
    struct store_query q = query_from(&cfg);
    if (strchr(who, '@')) {
        q.recipient = who;
    } else {
        q.domain = who;
        q.any_of = true;
    }
    struct strbuf err = STRBUF_INIT;
    if (store_each_event(s, &q, pipeline_classifier(p), partner_event, &pt, &err) < 0) {
        msg_error("%s", err.s);
        rc = EXIT_STORE;
        goto out;
    }
    if (!pt.n) {
        msg_error("no failures stored for %s%s", who, q.since || q.until ? " in that period" : "");
        goto out;
    }
    qsort(pt.ev, pt.n, sizeof *pt.ev, by_time);
    /* deliveries: to the partner's domain (the recipient's domain for an address) */
    struct store_query sq = q;
    if (q.recipient) {
        sq.recipient = NULL;
        sq.domain = strrchr(who, '@') + 1;
    }
    /* "since" for the summary: deliveries after the first event of the last streak count */
    size_t from = streak_start(pt.ev, pt.n);
    pt.since = pt.ev[from]->when;
    if (store_each_sent(s, &sq, partner_sent, &pt, &err) < 0) {
        msg_error("%s", err.s);
        rc = EXIT_STORE;
        goto out;
    }
    struct partner_report pr = {
        .who = who,
        /* a provider's name has no dot; a domain has one */
        .is_domain = !q.recipient && strchr(who, '.') && !strchr(who, ' '),
        .ev = pt.ev,
        .n = pt.n,
        .streak_from = from,
        .sent = pt.sent,
        .sent_since = pt.sent_since,
        .describe_ip = describe_ip,
        .ctx = s,
    };
    rc = partner_write(o, p, &pr);
out:
    for (size_t i = 0; i < pt.n; i++)
        free(pt.ev[i]);
    free(pt.ev);
    strbuf_free(&err);
    store_close(s);
    pipeline_free(p);
    return rc;
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
