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
 *   Every line is built whole (log fields appended as bytes, NULs included),
 *   then goes through the terminal escaper (escape.c text_safe, text_safe_ascii
 *   outside a UTF-8 locale) before it is written: a stored recipient, host or
 *   reply text - log bytes - cannot drive the terminal.
 *
 * DIAGNOSTICS
 *   Returns -1 when the stream reports a write error, else 0.
 *
 * Not here: choosing the events (cmd_report.c), the event CSV/JSON of
 * `partner --format csv|json` (write_csv.c, write_json.c).
 */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "fingerprint.h"
#include "report.h"
#include "text_layout.h"
#include "util/xalloc.h"

/* the output: the line being built, and its escaped copy */
struct pout {
    FILE *fp;
    bool utf8;
    struct strbuf raw, safe;
};

/* put - append our own text (printf) to the line */
static void put(struct pout *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct pout *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strbuf_vaddf(&o->raw, fmt, ap);
    va_end(ap);
}

/* put_s - append log bytes (any byte, NUL too) to the line */
static void put_s(struct pout *o, struct slice s)
{
    strbuf_add(&o->raw, s.p, s.n);
}

/* end_line - escape the line for the terminal, write it and a newline */
static void end_line(struct pout *o)
{
    strbuf_reset(&o->safe);
    if (o->utf8)
        text_safe(&o->safe, strbuf_slice(&o->raw));
    else
        text_safe_ascii(&o->safe, strbuf_slice(&o->raw));
    fwrite(o->safe.s, 1, o->safe.len, o->fp);
    fputc('\n', o->fp);
    strbuf_reset(&o->raw);
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
static void partner_summary(struct pout *o, const struct partner_report *pr)
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
    put(o, "Summary: since %s %smail to ",
        short_time(first->when, first->tz_minutes, t1, sizeof t1),
        !pr->is_domain ? ""
        : all_since    ? "all "
                       : "some ");
    put_s(o, slice_cstr(pr->who));
    put(o, " is %s", verb);
    if (last->provider.n) {
        put(o, " by ");
        put_s(o, last->provider);
    } else if (last->remote_host.n) {
        put(o, " by ");
        put_s(o, last->remote_host);
    }
    if (last->implicated_ip.n && last->blocklist) {
        put(o, " because our server's IP ");
        put_s(o, last->implicated_ip);
        put(o, " is named by %s", last->blocklist->label);
    } else if (last->implicated_ip.n) {
        put(o, ": %s, naming our server's IP ", last->reason ? last->reason->label : "");
        put_s(o, last->implicated_ip);
    } else if (last->blocklist) {
        put(o, " because the reply names the blocklist %s", last->blocklist->label);
    } else if (last->reason) {
        put(o, ": %s", last->reason->label);
    }
    if (last->dsn.n) {
        put(o, " (");
        put_s(o, last->dsn);
        put(o, ")");
    }
    struct strbuf list = STRBUF_INIT;
    size_t rcpts = distinct_recipients(ev, from, n, &list);
    put(o, "; %zu failure%s for %zu recipient%s (", n - from, n - from == 1 ? "" : "s", rcpts,
        rcpts == 1 ? "" : "s");
    put_s(o, strbuf_slice(&list));
    put(o, "), last at %s", short_time(last->when, last->tz_minutes, t2, sizeof t2));
    if (pr->sent_since)
        put(o, "; %" PRIu64 " message%s did get through in that time", pr->sent_since,
            pr->sent_since == 1 ? "" : "s");
    put(o, ".");
    end_line(o);
    if (last->reason && last->reason->advice && *last->reason->advice) {
        put(o, "What to do: %s", last->reason->advice);
        end_line(o);
    }
    strbuf_free(&list);
}

static void write_deliveries(struct pout *o, const struct partner_report *pr)
{
    uint64_t count[4] = { 0 };
    char buf[32];
    for (size_t i = 0; i < pr->n; i++)
        count[pr->ev[i]->status & 3]++;
    uint64_t final_fail = count[DELIVERY_BOUNCED] + count[DELIVERY_EXPIRED];
    end_line(o);
    put(o,
        "Deliveries: %" PRIu64 " sent, %" PRIu64 " deferred, %" PRIu64 " bounced, %" PRIu64
        " expired — %s of final outcomes failed",
        pr->sent, count[DELIVERY_DEFERRED], count[DELIVERY_BOUNCED], count[DELIVERY_EXPIRED],
        fmt_percent(final_fail, final_fail + pr->sent, buf, sizeof buf));
    end_line(o);
}

static void write_timeline(struct pout *o, const struct partner_report *pr)
{
    struct event *const *ev = pr->ev;
    size_t n = pr->n;
    char a[40];
    end_line(o);
    put(o, "Timeline per recipient:");
    end_line(o);
    bool *done = xcalloc(n, sizeof *done);
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        put(o, "  ");
        put_s(o, ev[i]->recipient);
        put(o, ":");
        for (size_t j = i, k = 0; j < n; j++)
            if (slice_eq(ev[j]->recipient, ev[i]->recipient))
                put(o, "%s%s", k++ ? " -> " : " ", delivery_status_name(ev[j]->status));
        end_line(o);
        for (size_t j = i; j < n; j++) {
            if (!slice_eq(ev[j]->recipient, ev[i]->recipient))
                continue;
            done[j] = true;
            const struct event *e = ev[j];
            put(o, "    %s  %-8s %-11s ", fmt_time(e->when, e->tz_minutes, a, sizeof a),
                delivery_status_name(e->status), e->reason ? e->reason->name : "");
            put_s(o, e->dsn);
            if (e->remote_host.n || e->remote_ip.n) {
                put(o, "  via ");
                put_s(o, e->remote_host);
                put(o, " [");
                put_s(o, e->remote_ip);
                put(o, "]");
            }
            if (e->qid.n) {
                put(o, "  queue ");
                put_s(o, e->qid);
            }
            end_line(o);
        }
    }
    free(done);
}

/* a tally of the events that are alike in some way, first appearance first */
typedef bool (*same_fn)(const struct event *a, const struct event *b);
typedef void (*tally_fn)(struct pout *o, const struct partner_report *pr, const struct event *e,
                         size_t count);

/* tally - fn once per kind of event (by same), with how many there are; events
 * skip() refuses are left out; returns the number of kinds */
static size_t tally(struct pout *o, const struct partner_report *pr, same_fn same, tally_fn fn,
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
        fn(o, pr, pr->ev[i], c);
        kinds++;
    }
    free(done);
    return kinds;
}

static bool same_host(const struct event *a, const struct event *b)
{
    return slice_eq(a->remote_host, b->remote_host) && slice_eq(a->provider, b->provider);
}

static void host_line(struct pout *o, const struct partner_report *pr, const struct event *e,
                      size_t c)
{
    (void)pr;
    put(o, "  %6zu  ", c);
    put_s(o, e->provider);
    put(o, "  ");
    put_s(o, e->remote_host);
    put(o, " [");
    put_s(o, e->remote_ip);
    put(o, "]");
    end_line(o);
}

static bool same_reason(const struct event *a, const struct event *b)
{
    return a->fingerprint == b->fingerprint && a->reason == b->reason;
}

static void reason_line(struct pout *o, const struct partner_report *pr, const struct event *e,
                        size_t c)
{
    (void)pr;
    char hex[17];
    fingerprint_hex(e->fingerprint, hex);
    put(o, "  %6zu  %s — %s  dsn ", c, e->reason ? e->reason->name : "",
        e->reason ? e->reason->label : "");
    put_s(o, e->dsn);
    put(o, "  fingerprint %s", hex);
    end_line(o);
    put(o, "          template: ");
    put_s(o, e->template_text);
    end_line(o);
}

static bool same_ip(const struct event *a, const struct event *b)
{
    return slice_eq(a->implicated_ip, b->implicated_ip);
}

static bool no_ip(const struct event *e)
{
    return !e->implicated_ip.n;
}

static void ip_line(struct pout *o, const struct partner_report *pr, const struct event *e,
                    size_t c)
{
    put(o, "  ");
    put_s(o, e->implicated_ip);
    put(o, "  %zu failure%s", c, c == 1 ? "" : "s");
    if (e->blocklist)
        put(o, "  named by %s", e->blocklist->label);
    char ip[64];
    snprintf(ip, sizeof ip, "%.*s", (int)e->implicated_ip.n, e->implicated_ip.p);
    struct strbuf known = STRBUF_INIT;
    if (pr->describe_ip && pr->describe_ip(pr->ctx, ip, &known)) {
        end_line(o);
        put(o, "      blocklists (last scan): ");
        put_s(o, strbuf_slice(&known));
    } else {
        put(o, "  (not checked yet: bouncescope check ");
        put_s(o, slice_cstr(ip));
        put(o, ")");
    }
    end_line(o);
    strbuf_free(&known);
}

int write_partner(FILE *fp, const struct partner_report *pr)
{
    assert(pr->n > 0 && pr->streak_from < pr->n && "a story has at least one failure");
    struct event *const *ev = pr->ev;
    size_t n = pr->n;
    char a[40], b[40];
    struct pout o = { .fp = fp, .utf8 = layout_locale_utf8() };
    put(&o, "bouncescope partner ");
    put_s(&o, slice_cstr(pr->who));
    put(&o, " — %zu failure%s, %s … %s", n, n == 1 ? "" : "s",
        fmt_time(ev[0]->when, ev[0]->tz_minutes, a, sizeof a),
        fmt_time(ev[n - 1]->when, ev[n - 1]->tz_minutes, b, sizeof b));
    end_line(&o);
    end_line(&o);
    partner_summary(&o, pr);
    write_deliveries(&o, pr);
    write_timeline(&o, pr);
    end_line(&o);
    put(&o, "Remote hosts and providers:");
    end_line(&o);
    tally(&o, pr, same_host, host_line, NULL);
    end_line(&o);
    put(&o, "Reasons:");
    end_line(&o);
    tally(&o, pr, same_reason, reason_line, NULL);
    end_line(&o);
    put(&o, "Implicated IPs:");
    end_line(&o);
    if (!tally(&o, pr, same_ip, ip_line, no_ip)) {
        put(&o, "  none named in the replies");
        end_line(&o);
    }
    end_line(&o);
    put(&o, "Log lines (reply text, file:line):");
    end_line(&o);
    for (size_t i = 0; i < n; i++) {
        put(&o, "  ");
        put_s(&o, slice_cstr(ev[i]->file ? ev[i]->file : ""));
        put(&o, ":%" PRIu64 "  %s %s", ev[i]->line,
            fmt_time(ev[i]->when, ev[i]->tz_minutes, a, sizeof a),
            delivery_status_name(ev[i]->status));
        end_line(&o);
        put(&o, "    ");
        put_s(&o, ev[i]->text);
        end_line(&o);
    }
    strbuf_free(&o.raw);
    strbuf_free(&o.safe);
    return ferror(fp) ? -1 : 0;
}
