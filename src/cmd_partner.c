/*
 * cmd_partner.c - `bouncescope partner DOMAIN|ADDRESS|PROVIDER|QUEUE-ID|MESSAGE-ID`:
 * everything the history knows about one partner, for the reply to "your mail
 * to us bounces".
 *
 * What was asked decides what is counted: a domain (and its subdomains), one
 * address (not its domain), a provider by name, one message by its queue id or
 * Message-ID. The argument's kind is found in that order of likelihood: an
 * argument in <> is a Message-ID; one with an @ is an address (or, when no
 * address has failures, a Message-ID); one without is a provider by name,
 * else a domain (it has a dot), else a queue id - the first that the history
 * has failures for.
 *
 * The failures go through the report model (aggregate.h), so the partner's
 * causes are the report's: the dominant one leads the summary. The kept
 * deliveries (delivered.h) end each message's path and say whether the
 * partner has recovered; a domain's hourly delivery counts give its rate and
 * the first delivery after the last failure.
 *
 * Errors: a missing, locked or damaged database -> EXIT_STORE; no failures
 * stored for what was asked -> a message, EXIT_OK (nothing to tell).
 *
 * Not here: the formats (write_partner.c), the queries (store_query.c,
 * store_delivered.c).
 */
#include <stdlib.h>
#include <string.h>

#include "cmd_common.h"
#include "commands.h"
#include "dns_stage.h"
#include "util/msg.h"
#include "util/xalloc.h"

struct partner {
    struct event **ev;
    size_t n, cap;
    struct delivered **dl;
    size_t n_dl, cap_dl;
    struct aggregate *agg;
    uint64_t sent;
    int64_t last_failure, last_delivery, first_after, last_before;
};

static void partner_event(void *ctx, const struct event *e)
{
    struct partner *pt = ctx;
    if (pt->n == pt->cap) {
        pt->cap = pt->cap ? pt->cap * 2 : 64;
        pt->ev = xrealloc(pt->ev, pt->cap * sizeof *pt->ev);
    }
    pt->ev[pt->n++] = event_dup(e);
    if (e->when > pt->last_failure)
        pt->last_failure = e->when;
}

static void partner_delivered(void *ctx, const struct delivered *d)
{
    struct partner *pt = ctx;
    if (pt->n_dl == pt->cap_dl) {
        pt->cap_dl = pt->cap_dl ? pt->cap_dl * 2 : 64;
        pt->dl = xrealloc(pt->dl, pt->cap_dl * sizeof *pt->dl);
    }
    pt->dl[pt->n_dl++] = delivered_dup(d);
}

/* note_delivery - a delivery at first..last (one time, or an hour's range):
 * the last one, the first after the last failure, the last before it */
static void note_delivery(struct partner *pt, int64_t first, int64_t last)
{
    int64_t lf = pt->last_failure;
    if (last > pt->last_delivery)
        pt->last_delivery = last;
    if (last > lf) {
        int64_t after = first > lf ? first : last;
        if (!pt->first_after || after < pt->first_after)
            pt->first_after = after;
    }
    int64_t before = last < lf ? last : first < lf ? first : 0;
    if (before > pt->last_before)
        pt->last_before = before;
}

/* partner_sent - a domain's hour of deliveries */
static void partner_sent(void *ctx, const char *domain, const char *provider, int64_t first,
                         int64_t last, uint64_t count, int tz_minutes)
{
    struct partner *pt = ctx;
    (void)domain, (void)provider, (void)tz_minutes;
    pt->sent += count;
    note_delivery(pt, first, last);
}

static int by_time(const void *a, const void *b)
{
    const struct event *x = *(struct event *const *)a, *y = *(struct event *const *)b;
    return x->when < y->when ? -1 : x->when > y->when;
}

static int describe_ip(void *ctx, const char *ip, struct strbuf *out)
{
    return store_dnsbl_describe(ctx, ip, out);
}

/* read_kind - the failures and deliveries of who as kind; 0, or -1 (err) */
static int read_kind(struct store *s, struct classifier *cl, const struct store_query *base,
                     const char *who, enum partner_kind kind, struct partner *pt,
                     struct strbuf *err)
{
    struct store_query q = *base;
    struct store_delivered_query dq = { .since = base->since, .until = base->until };
    switch (kind) {
    case PARTNER_DOMAIN:
        q.domain = dq.domain = who;
        break;
    case PARTNER_ADDRESS:
        q.recipient = dq.recipient = who;
        break;
    case PARTNER_PROVIDER:
        q.provider = dq.provider = who;
        break;
    case PARTNER_QUEUE_ID:
        q.qid = dq.qid = who;
        break;
    case PARTNER_MESSAGE_ID:
        q.message_id = dq.message_id = who;
        break;
    }
    if (store_each_event(s, &q, cl, partner_event, pt, err) < 0)
        return -1;
    if (!pt->n)
        return 0;
    if (store_each_delivered(s, &dq, partner_delivered, pt, err) < 0)
        return -1;
    for (size_t i = 0; i < pt->n_dl; i++)
        note_delivery(pt, pt->dl[i]->when, pt->dl[i]->when);
    /* deliveries for exactly what was asked: a domain's hourly counts; an
     * address's or a message's kept deliveries; a provider's are not counted */
    if (kind == PARTNER_DOMAIN && store_each_sent(s, &q, partner_sent, pt, err) < 0)
        return -1;
    if (kind == PARTNER_ADDRESS || kind == PARTNER_QUEUE_ID || kind == PARTNER_MESSAGE_ID)
        pt->sent = pt->n_dl;
    return 0;
}

static void forget(struct partner *pt)
{
    for (size_t i = 0; i < pt->n; i++)
        free(pt->ev[i]);
    for (size_t i = 0; i < pt->n_dl; i++)
        free(pt->dl[i]);
    free(pt->ev);
    free(pt->dl);
    struct aggregate *agg = pt->agg;
    memset(pt, 0, sizeof *pt);
    pt->agg = agg;
}

/* find - the kind of who that the history has failures for (see the header) */
static int find(struct store *s, struct classifier *cl, const struct store_query *q,
                const char *who, struct partner *pt, enum partner_kind *kind, struct strbuf *err)
{
    enum partner_kind order[3];
    size_t n = 0;
    if (strchr(who, '@')) {
        order[n++] = PARTNER_ADDRESS;
        order[n++] = PARTNER_MESSAGE_ID;
    } else {
        order[n++] = PARTNER_PROVIDER;
        if (strchr(who, '.'))
            order[n++] = PARTNER_DOMAIN;
        order[n++] = PARTNER_QUEUE_ID;
    }
    for (size_t i = 0; i < n; i++) {
        *kind = order[i];
        if (read_kind(s, cl, q, who, order[i], pt, err) < 0)
            return -1;
        if (pt->n)
            return 0;
        forget(pt);
    }
    *kind = order[0] == PARTNER_PROVIDER && n > 2 ? PARTNER_DOMAIN : order[0];
    return 0;
}

/* partner_write - the story in the format asked for (to -o FILE or stdout) */
static int partner_write(const struct options *o, struct pipeline *p, struct partner_report *pr)
{
    struct report r;
    struct dns_stage *dns = NULL;
    if (!strcmp(o->format, "csv") || !strcmp(o->format, "json")) {
        /* the event columns (csv, json --detail) with the implicated IPs' status */
        pipeline_finish(p);
        cmd_report_init(&r, "partner", o, p);
        dns = cmd_run_dns(o, &r, NULL);
        pr->events = &r;
    }
    struct report_output out;
    int rc = report_output_open(&out, o->output);
    if (rc == EXIT_OK)
        rc = report_output_close(&out, write_partner(out.fp, o->format, pr));
    dns_stage_free(dns);
    return rc;
}

int cmd_partner(const struct options *o)
{
    if (o->n_args != 1) {
        msg_error("partner needs one DOMAIN, ADDRESS, PROVIDER, QUEUE-ID or MESSAGE-ID");
        return EXIT_USAGE;
    }
    if (!strcmp(o->format, "suppress")) {
        msg_error("partner writes text, csv, json or html (suppress is for scan and report)");
        return EXIT_USAGE;
    }
    /* a Message-ID is stored without its <> */
    char *who = xstrdup(o->args[0]);
    size_t len = strlen(who);
    bool bracketed = len > 2 && who[0] == '<' && who[len - 1] == '>';
    if (bracketed) {
        memmove(who, who + 1, len - 2);
        who[len - 2] = '\0';
    }
    struct pipeline_config cfg;
    struct pipeline *p;
    struct store *s;
    int rc = cmd_open_and_build(o, false, &cfg, &p, &s);
    if (rc != EXIT_OK) {
        free(who);
        return rc;
    }
    struct partner pt = { .agg = pipeline_aggregate(p) };
    struct store_query q = cmd_query_from(&cfg);
    q.domain = NULL; /* what is asked decides */
    struct strbuf err = STRBUF_INIT;
    enum partner_kind kind;
    int found = bracketed ? (kind = PARTNER_MESSAGE_ID,
                             read_kind(s, pipeline_classifier(p), &q, who, kind, &pt, &err))
                          : find(s, pipeline_classifier(p), &q, who, &pt, &kind, &err);
    if (found < 0) {
        msg_error("%s", err.s);
        rc = EXIT_STORE;
        goto out;
    }
    if (!pt.n) {
        msg_error("no failures stored for %s%s", o->args[0],
                  q.since || q.until ? " in that period" : "");
        goto out;
    }
    qsort(pt.ev, pt.n, sizeof *pt.ev, by_time);
    /* the failures through the report model: groups and causes, as in a report */
    for (size_t i = 0; i < pt.n; i++)
        aggregate_add(pt.agg, pt.ev[i]);
    struct partner_report pr = {
        .who = who,
        .kind = kind,
        .ev = pt.ev,
        .n = pt.n,
        .dl = pt.dl,
        .n_dl = pt.n_dl,
        .agg = pt.agg,
        .sent_known = kind != PARTNER_PROVIDER,
        .sent = pt.sent,
        .last_delivery = pt.last_delivery,
        .first_delivery_after = pt.first_after,
        .last_delivery_before = pt.last_before,
        .describe_ip = describe_ip,
        .ctx = s,
        .detail = o->detail,
        .generated = report_time(),
    };
    rc = partner_write(o, p, &pr);
out:
    forget(&pt);
    strbuf_free(&err);
    store_close(s);
    pipeline_free(p);
    free(who);
    return rc;
}
