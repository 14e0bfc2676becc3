/*
 * cmd_report.c - `bouncescope report` and `bouncescope partner`: reports from
 * the history database (store.h).
 *
 * report   rebuilds the report model from stored events over --since/--until
 *          (and --domain/--sender/--status): the events go through the same
 *          aggregate and event spool as in `scan`, in the order they were read,
 *          so `report --format csv --detail` writes exactly the event CSV of one
 *          `scan` over the same lines. Groups first seen in the last run are
 *          marked new; --exit-new then gives EXIT_NEW_PROBLEM.
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
 * Not here: the database itself (store.c) or the report formats (write_*.c).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "dns_stage.h"
#include "pipeline.h"
#include "problems.h"
#include "report.h"
#include "store.h"
#include "util/xalloc.h"
#include "fingerprint.h"

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
};

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
    int rc = scan_config(o, cfg);
    if (rc != EXIT_OK)
        return rc;
    scan_setup_patterns(o);
    struct strbuf err = STRBUF_INIT;
    *s = store_open_read(o, &err);
    if (!*s) {
        fprintf(stderr, "bouncescope: %s\n", err.s);
        strbuf_free(&err);
        return EXIT_STORE;
    }
    /* the filters are applied by the store query, not again by the pipeline */
    struct pipeline_config pc = *cfg;
    memset(&pc.filter, 0, sizeof pc.filter);
    pc.spool_events |= spool;
    *p = pipeline_new(&pc, &err);
    if (!*p) {
        fprintf(stderr, "bouncescope: %s\n", err.s);
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
    struct rebuild rb = { pipeline_aggregate(p), pipeline_spool(p) };
    struct store_query q = query_from(&cfg);
    struct strbuf err = STRBUF_INIT;
    if (store_each_event(s, &q, pipeline_classifier(p), rebuild_event, &rb, &err) < 0 ||
        (!q.sender && !q.statuses && store_each_sent(s, &q, rebuild_sent, &rb, &err) < 0)) {
        fprintf(stderr, "bouncescope: %s\n", err.s);
        strbuf_free(&err);
        store_close(s);
        pipeline_free(p);
        return EXIT_STORE;
    }
    strbuf_free(&err);
    pipeline_finish(p);
    store_mark_new(s, rb.agg);
    store_close(s);

    struct report r = {
        .command = "report",
        .agg = rb.agg,
        .stats = NULL, /* nothing was read: the writers leave out "What was read" */
        .spool = rb.spool,
        .classifier = pipeline_classifier(p),
        .problems = &problems_global,
        .top = (size_t)o->top,
        .detail = o->detail,
        .generated = (int64_t)time(NULL),
        .group_by = o->group_by,
    };
    for (size_t i = 0; i < o->n_our_ips; i++)
        aggregate_add_our_ip(r.agg, o->our_ips[i]);
    size_t n = 0;
    struct group **gs = aggregate_groups(r.agg, &n);
    bool fresh = false;
    for (size_t i = 0; i < n; i++)
        fresh |= gs[i]->is_new;
    free(gs);
    int wrc = EXIT_OK;
    struct dns_stage *dns = NULL;
    if (!(o->quiet && !fresh)) {
        dns = dns_stage_run(o, r.agg, NULL, &r.dns);
        wrc = report_write(o, &r);
    }
    dns_stage_free(dns);
    pipeline_free(p);
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
    int64_t since;       /* for sent_since */
    struct store *store; /* for the blocklist answers kept by earlier scans */
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

/* short_time - "Oct 19 16:36" in the line's own offset */
static const char *short_time(int64_t when, int tz_minutes, char *buf, size_t size)
{
    time_t t = (time_t)(when + (int64_t)tz_minutes * 60);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%b %d %H:%M", &tm);
    return buf;
}

/* same_cause - one story: the same reason from the same provider about the same IP
 * (a deferral and the expiry it ends in are one story) */
static bool same_cause(const struct event *a, const struct event *b)
{
    return a->reason == b->reason && slice_eq(a->provider, b->provider) &&
           slice_eq(a->implicated_ip, b->implicated_ip);
}

/* count_distinct - distinct values of one slice field among ev[from..n) */
static size_t distinct_recipients(struct event **ev, size_t from, size_t n, struct strbuf *list)
{
    size_t count = 0;
    for (size_t i = from; i < n; i++) {
        bool seen = false;
        for (size_t j = from; j < i && !seen; j++)
            seen = slice_eq(ev[j]->recipient, ev[i]->recipient);
        if (seen)
            continue;
        if (count < 3) {
            if (count)
                strbuf_adds(list, ", ");
            strbuf_add(list, ev[i]->recipient.p, ev[i]->recipient.n);
        }
        count++;
    }
    if (count > 3)
        strbuf_adds(list, ", ...");
    return count;
}

/* partner_summary - the paragraph a support person can paste */
static void partner_summary(FILE *fp, const char *who, bool is_domain, struct partner *pt)
{
    struct event **ev = pt->ev;
    size_t n = pt->n;
    const struct event *last = ev[n - 1];
    size_t from = n - 1;
    while (from > 0 && same_cause(ev[from - 1], last))
        from--;
    const struct event *first = ev[from];
    char t1[32], t2[32];
    bool all_since = pt->sent_since == 0; /* no delivery got through since the story began */
    const char *verb = last->status == DELIVERY_BOUNCED   ? "rejected"
                       : last->status == DELIVERY_EXPIRED ? "returned undelivered after retries"
                                                          : "deferred (temporarily refused)";
    /* deliveries are counted per domain: "all" and "some" only make sense for one */
    fprintf(fp, "Summary: since %s %smail to %s is %s",
            short_time(first->when, first->tz_minutes, t1, sizeof t1),
            !is_domain  ? ""
            : all_since ? "all "
                        : "some ",
            who, verb);
    if (last->provider.n)
        fprintf(fp, " by %.*s", (int)last->provider.n, last->provider.p);
    else if (last->remote_host.n)
        fprintf(fp, " by %.*s", (int)last->remote_host.n, last->remote_host.p);
    if (last->implicated_ip.n && last->blocklist)
        fprintf(fp, " because our server's IP %.*s is named by %s", (int)last->implicated_ip.n,
                last->implicated_ip.p, last->blocklist->label);
    else if (last->implicated_ip.n)
        fprintf(fp, ": %s, naming our server's IP %.*s", last->reason ? last->reason->label : "",
                (int)last->implicated_ip.n, last->implicated_ip.p);
    else if (last->blocklist)
        fprintf(fp, " because the reply names the blocklist %s", last->blocklist->label);
    else if (last->reason)
        fprintf(fp, ": %s", last->reason->label);
    if (last->dsn.n)
        fprintf(fp, " (%.*s)", (int)last->dsn.n, last->dsn.p);
    struct strbuf list = STRBUF_INIT;
    size_t rcpts = distinct_recipients(ev, from, n, &list);
    fprintf(fp, "; %zu failure%s for %zu recipient%s (%s), last at %s", n - from,
            n - from == 1 ? "" : "s", rcpts, rcpts == 1 ? "" : "s", list.s ? list.s : "",
            short_time(last->when, last->tz_minutes, t2, sizeof t2));
    if (pt->sent_since)
        fprintf(fp, "; %" PRIu64 " message%s did get through in that time", pt->sent_since,
                pt->sent_since == 1 ? "" : "s");
    fprintf(fp, ".\n");
    if (last->reason && last->reason->advice && *last->reason->advice)
        fprintf(fp, "What to do: %s\n", last->reason->advice);
    strbuf_free(&list);
}

static void partner_text(FILE *fp, const char *who, bool is_domain, struct partner *pt)
{
    struct event **ev = pt->ev;
    size_t n = pt->n;
    char a[40], b[40], buf[32];
    fprintf(fp, "bouncescope partner %s — %zu failure%s, %s … %s\n\n", who, n, n == 1 ? "" : "s",
            fmt_time(ev[0]->when, ev[0]->tz_minutes, a, sizeof a),
            fmt_time(ev[n - 1]->when, ev[n - 1]->tz_minutes, b, sizeof b));
    partner_summary(fp, who, is_domain, pt);

    uint64_t count[4] = { 0 };
    for (size_t i = 0; i < n; i++)
        count[ev[i]->status & 3]++;
    uint64_t final_fail = count[DELIVERY_BOUNCED] + count[DELIVERY_EXPIRED];
    fprintf(fp,
            "\nDeliveries: %" PRIu64 " sent, %" PRIu64 " deferred, %" PRIu64 " bounced, %" PRIu64
            " expired — %s of final outcomes failed\n",
            pt->sent, count[DELIVERY_DEFERRED], count[DELIVERY_BOUNCED], count[DELIVERY_EXPIRED],
            fmt_percent(final_fail, final_fail + pt->sent, buf, sizeof buf));

    fprintf(fp, "\nTimeline per recipient:\n");
    bool *done = xcalloc(n, sizeof *done);
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        fprintf(fp, "  %.*s:", (int)ev[i]->recipient.n, ev[i]->recipient.p);
        for (size_t j = i, k = 0; j < n; j++)
            if (slice_eq(ev[j]->recipient, ev[i]->recipient))
                fprintf(fp, "%s%s", k++ ? " -> " : " ", delivery_status_name(ev[j]->status));
        fputc('\n', fp);
        for (size_t j = i; j < n; j++) {
            if (!slice_eq(ev[j]->recipient, ev[i]->recipient))
                continue;
            done[j] = true;
            const struct event *e = ev[j];
            fprintf(fp, "    %s  %-8s %-11s %.*s", fmt_time(e->when, e->tz_minutes, a, sizeof a),
                    delivery_status_name(e->status), e->reason ? e->reason->name : "",
                    (int)e->dsn.n, e->dsn.p);
            if (e->remote_host.n || e->remote_ip.n)
                fprintf(fp, "  via %.*s [%.*s]", (int)e->remote_host.n, e->remote_host.p,
                        (int)e->remote_ip.n, e->remote_ip.p);
            if (e->qid.n)
                fprintf(fp, "  queue %.*s", (int)e->qid.n, e->qid.p);
            fputc('\n', fp);
        }
    }
    free(done);

    /* the tallies below are small: a partner has few hosts, reasons and IPs */
    fprintf(fp, "\nRemote hosts and providers:\n");
    memset(done = xcalloc(n, sizeof *done), 0, n);
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        size_t c = 0;
        for (size_t j = i; j < n; j++)
            if (slice_eq(ev[j]->remote_host, ev[i]->remote_host) &&
                slice_eq(ev[j]->provider, ev[i]->provider))
                done[j] = true, c++;
        fprintf(fp, "  %6zu  %.*s  %.*s [%.*s]\n", c, (int)ev[i]->provider.n, ev[i]->provider.p,
                (int)ev[i]->remote_host.n, ev[i]->remote_host.p, (int)ev[i]->remote_ip.n,
                ev[i]->remote_ip.p);
    }
    free(done);

    fprintf(fp, "\nReasons:\n");
    done = xcalloc(n, sizeof *done);
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        size_t c = 0;
        for (size_t j = i; j < n; j++)
            if (ev[j]->fingerprint == ev[i]->fingerprint && ev[j]->reason == ev[i]->reason)
                done[j] = true, c++;
        char hex[17];
        fingerprint_hex(ev[i]->fingerprint, hex);
        fprintf(fp, "  %6zu  %s — %s  dsn %.*s  fingerprint %s\n          template: %.*s\n", c,
                ev[i]->reason ? ev[i]->reason->name : "", ev[i]->reason ? ev[i]->reason->label : "",
                (int)ev[i]->dsn.n, ev[i]->dsn.p, hex, (int)ev[i]->template_text.n,
                ev[i]->template_text.p);
    }
    free(done);

    fprintf(fp, "\nImplicated IPs:\n");
    done = xcalloc(n, sizeof *done);
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (done[i] || !ev[i]->implicated_ip.n)
            continue;
        size_t c = 0;
        for (size_t j = i; j < n; j++)
            if (slice_eq(ev[j]->implicated_ip, ev[i]->implicated_ip))
                done[j] = true, c++;
        fprintf(fp, "  %.*s  %zu failure%s", (int)ev[i]->implicated_ip.n, ev[i]->implicated_ip.p, c,
                c == 1 ? "" : "s");
        if (ev[i]->blocklist)
            fprintf(fp, "  named by %s", ev[i]->blocklist->label);
        char ip[64];
        snprintf(ip, sizeof ip, "%.*s", (int)ev[i]->implicated_ip.n, ev[i]->implicated_ip.p);
        struct strbuf known = STRBUF_INIT;
        if (store_dnsbl_describe(pt->store, ip, &known))
            fprintf(fp, "\n      blocklists (last scan): %s\n", known.s);
        else
            fprintf(fp, "  (not checked yet: bouncescope check %s)\n", ip);
        strbuf_free(&known);
        any = true;
    }
    if (!any)
        fprintf(fp, "  none named in the replies\n");
    free(done);

    fprintf(fp, "\nLog lines (reply text, file:line):\n");
    for (size_t i = 0; i < n; i++)
        fprintf(fp, "  %s:%" PRIu64 "  %s %s\n    %.*s\n", ev[i]->file, ev[i]->line,
                fmt_time(ev[i]->when, ev[i]->tz_minutes, a, sizeof a),
                delivery_status_name(ev[i]->status), (int)ev[i]->text.n, ev[i]->text.p);
}

int cmd_partner(const struct options *o)
{
    if (o->n_args != 1) {
        fprintf(stderr, "bouncescope: partner needs one DOMAIN, ADDRESS or PROVIDER\n");
        return EXIT_USAGE;
    }
    const char *who = o->args[0];
    struct pipeline_config cfg;
    struct pipeline *p;
    struct store *s;
    int rc = open_and_build(o, true, &cfg, &p, &s);
    if (rc != EXIT_OK)
        return rc;
    struct partner pt = { .agg = pipeline_aggregate(p), .spool = pipeline_spool(p), .store = s };
    struct store_query q = query_from(&cfg);
    if (strchr(who, '@')) {
        q.recipient = who;
    } else {
        q.domain = who;
        q.any_of = true;
    }
    struct strbuf err = STRBUF_INIT;
    if (store_each_event(s, &q, pipeline_classifier(p), partner_event, &pt, &err) < 0) {
        fprintf(stderr, "bouncescope: %s\n", err.s);
        rc = EXIT_STORE;
        goto out;
    }
    if (!pt.n) {
        fprintf(stderr, "bouncescope: no failures stored for %s%s\n", who,
                q.since || q.until ? " in that period" : "");
        goto out;
    }
    qsort(pt.ev, pt.n, sizeof *pt.ev, by_time);
    /* deliveries: to the partner's domain (the recipient's domain for an address) */
    struct store_query sq = q;
    if (q.recipient) {
        sq.recipient = NULL;
        sq.domain = strrchr(who, '@') + 1;
    }
    /* "since" for the summary: the start of the last streak, computed again in
     * partner_summary; deliveries after the first event of that streak count */
    size_t from = pt.n - 1;
    while (from > 0 && same_cause(pt.ev[from - 1], pt.ev[pt.n - 1]))
        from--;
    pt.since = pt.ev[from]->when;
    if (store_each_sent(s, &sq, partner_sent, &pt, &err) < 0) {
        fprintf(stderr, "bouncescope: %s\n", err.s);
        rc = EXIT_STORE;
        goto out;
    }
    if (!strcmp(o->format, "csv") || !strcmp(o->format, "json")) {
        pipeline_finish(p);
        struct options oo = *o;
        oo.detail = true;
        struct report r = {
            .command = "partner",
            .agg = pt.agg,
            .stats = NULL,
            .spool = pt.spool,
            .classifier = pipeline_classifier(p),
            .problems = &problems_global,
            .detail = true,
            .generated = (int64_t)time(NULL),
            .group_by = o->group_by,
        };
        struct dns_stage *dns = dns_stage_run(o, r.agg, NULL, &r.dns);
        rc = report_write(&oo, &r);
        dns_stage_free(dns);
    } else {
        FILE *fp = stdout;
        if (o->output && strcmp(o->output, "-")) {
            fp = fopen(o->output, "w");
            if (!fp) {
                perror(o->output);
                rc = EXIT_INPUT;
                goto out;
            }
        }
        /* a provider's name has no dot; a domain has one */
        partner_text(fp, who, !q.recipient && strchr(who, '.') && !strchr(who, ' '), &pt);
        if (fp != stdout)
            fclose(fp);
    }
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
    struct strbuf err = STRBUF_INIT;
    struct store *s = store_open(o, &err);
    if (!s) {
        fprintf(stderr, "bouncescope: %s\n",
                err.len ? err.s : "vacuum needs a database (not --no-db)");
        strbuf_free(&err);
        return err.len ? EXIT_STORE : EXIT_USAGE;
    }
    int rc = store_vacuum(s, &err) < 0 ? EXIT_STORE : EXIT_OK;
    if (rc != EXIT_OK)
        fprintf(stderr, "bouncescope: %s\n", err.s);
    store_close(s);
    strbuf_free(&err);
    return rc;
}
