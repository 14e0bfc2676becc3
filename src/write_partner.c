/*
 * write_partner.c - `partner`'s text report: one partner's story from the
 * stored events (see report.h, struct partner_report).
 *
 * SYNOPSIS
 *   int write_partner(FILE *fp, const struct partner_report *pr);
 *
 * DESCRIPTION
 *   A summary a support person can paste into a reply (since when, what, by
 *   whom, why, how many recipients, what to do), deliveries and failure rate,
 *   the timeline of attempts per recipient, remote hosts and providers,
 *   reasons with their fingerprints and templates, implicated IPs with the
 *   blocklist answers of earlier scans, and every stored reply with its
 *   file:line. The events come sorted by time; the tallies here are small (a
 *   partner has few hosts, reasons and IPs), so they are counted by pairwise
 *   comparison.
 *
 * DIAGNOSTICS
 *   Returns -1 when the stream reports a write error, else 0.
 *
 * Not here: choosing the events (cmd_report.c), the event CSV/JSON of
 * `partner --format csv|json` (write_csv.c, write_json.c).
 */
#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fingerprint.h"
#include "report.h"
#include "util/xalloc.h"

/* short_time - "Oct 19 16:36" in the line's own offset */
static const char *short_time(int64_t when, int tz_minutes, char *buf, size_t size)
{
    time_t t = (time_t)(when + (int64_t)tz_minutes * 60);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%b %d %H:%M", &tm);
    return buf;
}

/* distinct_recipients - distinct recipients among ev[from..n), the first three in list */
static size_t distinct_recipients(struct event *const *ev, size_t from, size_t n,
                                  struct strbuf *list)
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
static void partner_summary(FILE *fp, const struct partner_report *pr)
{
    struct event *const *ev = pr->ev;
    size_t n = pr->n, from = pr->streak_from;
    const struct event *last = ev[n - 1];
    const struct event *first = ev[from];
    char t1[32], t2[32];
    bool all_since = pr->sent_since == 0; /* no delivery got through since the story began */
    const char *verb = last->status == DELIVERY_BOUNCED   ? "rejected"
                       : last->status == DELIVERY_EXPIRED ? "returned undelivered after retries"
                                                          : "deferred (temporarily refused)";
    /* deliveries are counted per domain: "all" and "some" only make sense for one */
    fprintf(fp, "Summary: since %s %smail to %s is %s",
            short_time(first->when, first->tz_minutes, t1, sizeof t1),
            !pr->is_domain ? ""
            : all_since    ? "all "
                           : "some ",
            pr->who, verb);
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
    if (pr->sent_since)
        fprintf(fp, "; %" PRIu64 " message%s did get through in that time", pr->sent_since,
                pr->sent_since == 1 ? "" : "s");
    fprintf(fp, ".\n");
    if (last->reason && last->reason->advice && *last->reason->advice)
        fprintf(fp, "What to do: %s\n", last->reason->advice);
    strbuf_free(&list);
}

static void write_deliveries(FILE *fp, const struct partner_report *pr)
{
    uint64_t count[4] = { 0 };
    char buf[32];
    for (size_t i = 0; i < pr->n; i++)
        count[pr->ev[i]->status & 3]++;
    uint64_t final_fail = count[DELIVERY_BOUNCED] + count[DELIVERY_EXPIRED];
    fprintf(fp,
            "\nDeliveries: %" PRIu64 " sent, %" PRIu64 " deferred, %" PRIu64 " bounced, %" PRIu64
            " expired — %s of final outcomes failed\n",
            pr->sent, count[DELIVERY_DEFERRED], count[DELIVERY_BOUNCED], count[DELIVERY_EXPIRED],
            fmt_percent(final_fail, final_fail + pr->sent, buf, sizeof buf));
}

static void write_timeline(FILE *fp, const struct partner_report *pr)
{
    struct event *const *ev = pr->ev;
    size_t n = pr->n;
    char a[40];
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
}

/* a tally of the events that are alike in some way, first appearance first */
typedef bool (*same_fn)(const struct event *a, const struct event *b);
typedef void (*tally_fn)(FILE *fp, const struct partner_report *pr, const struct event *e,
                         size_t count);

/* tally - fn once per kind of event (by same), with how many there are; events
 * skip() refuses are left out; returns the number of kinds */
static size_t tally(FILE *fp, const struct partner_report *pr, same_fn same, tally_fn fn,
                    bool (*skip)(const struct event *e))
{
    bool *done = xcalloc(pr->n, sizeof *done);
    size_t kinds = 0;
    for (size_t i = 0; i < pr->n; i++) {
        if (done[i] || (skip && skip(pr->ev[i])))
            continue;
        size_t c = 0;
        for (size_t j = i; j < pr->n; j++)
            if (same(pr->ev[j], pr->ev[i]))
                done[j] = true, c++;
        fn(fp, pr, pr->ev[i], c);
        kinds++;
    }
    free(done);
    return kinds;
}

static bool same_host(const struct event *a, const struct event *b)
{
    return slice_eq(a->remote_host, b->remote_host) && slice_eq(a->provider, b->provider);
}

static void host_line(FILE *fp, const struct partner_report *pr, const struct event *e, size_t c)
{
    (void)pr;
    fprintf(fp, "  %6zu  %.*s  %.*s [%.*s]\n", c, (int)e->provider.n, e->provider.p,
            (int)e->remote_host.n, e->remote_host.p, (int)e->remote_ip.n, e->remote_ip.p);
}

static bool same_reason(const struct event *a, const struct event *b)
{
    return a->fingerprint == b->fingerprint && a->reason == b->reason;
}

static void reason_line(FILE *fp, const struct partner_report *pr, const struct event *e, size_t c)
{
    (void)pr;
    char hex[17];
    fingerprint_hex(e->fingerprint, hex);
    fprintf(fp, "  %6zu  %s — %s  dsn %.*s  fingerprint %s\n          template: %.*s\n", c,
            e->reason ? e->reason->name : "", e->reason ? e->reason->label : "", (int)e->dsn.n,
            e->dsn.p, hex, (int)e->template_text.n, e->template_text.p);
}

static bool same_ip(const struct event *a, const struct event *b)
{
    return slice_eq(a->implicated_ip, b->implicated_ip);
}

static bool no_ip(const struct event *e)
{
    return !e->implicated_ip.n;
}

static void ip_line(FILE *fp, const struct partner_report *pr, const struct event *e, size_t c)
{
    fprintf(fp, "  %.*s  %zu failure%s", (int)e->implicated_ip.n, e->implicated_ip.p, c,
            c == 1 ? "" : "s");
    if (e->blocklist)
        fprintf(fp, "  named by %s", e->blocklist->label);
    char ip[64];
    snprintf(ip, sizeof ip, "%.*s", (int)e->implicated_ip.n, e->implicated_ip.p);
    struct strbuf known = STRBUF_INIT;
    if (pr->describe_ip && pr->describe_ip(pr->ctx, ip, &known))
        fprintf(fp, "\n      blocklists (last scan): %s\n", known.s);
    else
        fprintf(fp, "  (not checked yet: bouncescope check %s)\n", ip);
    strbuf_free(&known);
}

int write_partner(FILE *fp, const struct partner_report *pr)
{
    assert(pr->n > 0 && pr->streak_from < pr->n && "a story has at least one failure");
    struct event *const *ev = pr->ev;
    size_t n = pr->n;
    char a[40], b[40];
    fprintf(fp, "bouncescope partner %s — %zu failure%s, %s … %s\n\n", pr->who, n,
            n == 1 ? "" : "s", fmt_time(ev[0]->when, ev[0]->tz_minutes, a, sizeof a),
            fmt_time(ev[n - 1]->when, ev[n - 1]->tz_minutes, b, sizeof b));
    partner_summary(fp, pr);
    write_deliveries(fp, pr);
    write_timeline(fp, pr);
    fprintf(fp, "\nRemote hosts and providers:\n");
    tally(fp, pr, same_host, host_line, NULL);
    fprintf(fp, "\nReasons:\n");
    tally(fp, pr, same_reason, reason_line, NULL);
    fprintf(fp, "\nImplicated IPs:\n");
    if (!tally(fp, pr, same_ip, ip_line, no_ip))
        fprintf(fp, "  none named in the replies\n");
    fprintf(fp, "\nLog lines (reply text, file:line):\n");
    for (size_t i = 0; i < n; i++)
        fprintf(fp, "  %s:%" PRIu64 "  %s %s\n    %.*s\n", ev[i]->file, ev[i]->line,
                fmt_time(ev[i]->when, ev[i]->tz_minutes, a, sizeof a),
                delivery_status_name(ev[i]->status), (int)ev[i]->text.n, ev[i]->text.p);
    return ferror(fp) ? -1 : 0;
}
