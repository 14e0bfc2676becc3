/*
 * report.c - helpers shared by the writers (see report.h).
 *
 * report_write picks the writer of a format and writes through
 * report_output: to a temporary file renamed at the end, so a reader (a web
 * server, a mail job) never sees half a report.
 *
 * Not here: any format's layout (write_*.c).
 */
#include "report.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "syslog_header.h"
#include "util/msg.h"
#include "util/xalloc.h"

const char *fmt_count(uint64_t n, char *buf, size_t size)
{
    char tmp[32];
    int len = snprintf(tmp, sizeof tmp, "%" PRIu64, n);
    size_t o = 0;
    for (int i = 0; i < len && o + 2 < size; i++) {
        if (i && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
    return buf;
}

const char *fmt_time(int64_t when, int tz_minutes, char *buf, size_t size)
{
    if (!when) {
        buf[0] = '\0';
        return buf;
    }
    format_iso_time(when, tz_minutes, buf, size);
    return buf;
}

const char *fmt_percent(uint64_t part, uint64_t whole, char *buf, size_t size)
{
    if (!whole)
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%.1f%%", 100.0 * (double)part / (double)whole);
    return buf;
}

const char *report_ip_status(const struct report *r, const char *ip)
{
    if (!r->dns.checked || !r->dns.status)
        return "unchecked";
    return r->dns.status(r->dns.ctx, ip);
}

void report_ip_lists(const struct report *r, const char *ip, struct strbuf *out)
{
    if (!r->dns.checked || !r->dns.listings)
        return;
    const struct report_listing *ls;
    size_t n = r->dns.listings(r->dns.ctx, ip, &ls);
    const char *sep = "";
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ls[i].status, "listed"))
            continue;
        strbuf_addf(out, "%s%s=%s", sep, ls[i].zone ? ls[i].zone : ls[i].list_id,
                    ls[i].codes ? ls[i].codes : "");
        sep = ";";
    }
}

static void event_ip_lookup(void *ctx, struct slice ip, const char **status, struct strbuf *lists)
{
    const struct report *r = ctx;
    char buf[64];
    size_t n = ip.n < sizeof buf - 1 ? ip.n : sizeof buf - 1;
    memcpy(buf, ip.p, n);
    buf[n] = '\0';
    *status = report_ip_status(r, buf);
    report_ip_lists(r, buf, lists);
}

struct ip_status_lookup report_event_ip_lookup(const struct report *r)
{
    struct ip_status_lookup l = { event_ip_lookup, (void *)r };
    return l;
}

void report_duration(struct strbuf *out, int64_t secs)
{
    if (secs < 0)
        secs = 0;
    if (secs < 90 * 60)
        strbuf_addf(out, "%" PRId64 " min", secs / 60 ? (secs + 59) / 60 : 1);
    else if (secs < 72 * 3600)
        strbuf_addf(out, "%" PRId64 " h", (secs + 1800) / 3600);
    else
        strbuf_addf(out, "%" PRId64 " days", (secs + 86399) / 86400);
}

const char *report_share(uint64_t part, uint64_t whole, char *buf, size_t size)
{
    if (!whole)
        snprintf(buf, size, "-");
    else if (part && part * 100 < whole)
        snprintf(buf, size, "<1%%");
    else
        snprintf(buf, size, "%.0f%%", 100.0 * (double)part / (double)whole);
    return buf;
}

/* first_listing_label - the label of the first list that lists ip (DNS), or NULL */
static const char *first_listing_label(const struct report *r, const char *ip)
{
    if (!r->dns.checked || !r->dns.listings)
        return NULL;
    const struct report_listing *ls;
    size_t n = r->dns.listings(r->dns.ctx, ip, &ls);
    for (size_t i = 0; i < n; i++)
        if (ls[i].status && !strcmp(ls[i].status, "listed"))
            return ls[i].list_label ? ls[i].list_label : ls[i].zone;
    return NULL;
}

void report_headline(const struct report *r, struct strbuf *out)
{
    const struct aggregate_totals *t = aggregate_totals(r->agg);
    uint64_t fin = t->count[DELIVERY_BOUNCED] + t->count[DELIVERY_EXPIRED];
    uint64_t def = t->count[DELIVERY_DEFERRED];
    char a[32], pc[16];
    size_t n;
    struct cause **causes = aggregate_causes(r->agg, &n);
    bool by_final = fin > 0;
    uint64_t total = by_final ? fin : def;
    if (!n && r->empty_note) {
        strbuf_adds(out, r->empty_note); /* not an all-clear: nothing was there to look at */
        free(causes);
        return;
    }
    if (!n || !total) {
        strbuf_adds(out, "No failed deliveries");
        if (t->first) {
            strbuf_adds(out, " in ");
            report_duration(out, t->last - t->first);
        }
        strbuf_addf(out, " (%s delivered)", fmt_count(t->count[DELIVERY_SENT], a, sizeof a));
        free(causes);
        return;
    }
    /* by deferrals when nothing failed for good: the largest cause of deferrals */
    const struct cause *top = causes[0];
    if (!by_final)
        for (size_t i = 1; i < n; i++)
            if (causes[i]->count[DELIVERY_DEFERRED] > top->count[DELIVERY_DEFERRED])
                top = causes[i];
    uint64_t part = by_final ? cause_finals(top) : top->count[DELIVERY_DEFERRED];
    const char *verb = by_final ? "failed" : total == 1 ? "was deferred" : "were deferred";
    strbuf_addf(out, "%s %s %s in ", fmt_count(total, a, sizeof a),
                total == 1 ? "delivery" : "deliveries", verb);
    report_duration(out, t->last - t->first);
    strbuf_addf(out, "; %s cause, %s of them: ", n == 1 ? "the one" : "the largest",
                report_share(part, total, pc, sizeof pc));
    cause_title(top, out);
    /* what the DNS check says of our IP now, when it ran */
    if (top->ip[0]) {
        const char *st = report_ip_status(r, top->ip);
        const char *listed = first_listing_label(r, top->ip);
        if (!strcmp(st, "listed"))
            strbuf_addf(out, ", listed now by %s", listed ? listed : "a blocklist");
        else if (!strcmp(st, "not_listed"))
            strbuf_adds(out, ", not listed in DNS now");
        else if (!strcmp(st, "unknown"))
            strbuf_adds(out, ", DNS check failed");
    }
    strbuf_addf(out, " (%s)", cause_who_acts(top));
    free(causes);
}

size_t report_cause_groups(struct group *const *groups, size_t n_groups, const struct cause *c,
                           uint32_t *ids, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < n_groups; i++) {
        bool of_c = false;
        for (unsigned j = 0; j < groups[i]->n_causes; j++)
            of_c |= groups[i]->causes[j] == c->id;
        if (!of_c)
            continue;
        if (k < max)
            ids[k] = groups[i]->id;
        k++;
    }
    return k;
}

int64_t report_time(void)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        long long v = strtoll(sde, &end, 10);
        if (!*end && v >= 0)
            return (int64_t)v;
    }
    return (int64_t)time(NULL);
}

int report_output_open(struct report_output *out, const char *path)
{
    memset(out, 0, sizeof *out);
    out->fp = stdout;
    if (!path || !strcmp(path, "-"))
        return EXIT_OK;
    size_t n = strlen(path) + 32;
    out->tmp = xmalloc(n);
    snprintf(out->tmp, n, "%s.tmp%ld", path, (long)getpid());
    out->fp = fopen(out->tmp, "w");
    if (!out->fp) {
        msg_error("%s: %s", out->tmp, strerror(errno));
        free(out->tmp);
        out->tmp = NULL;
        return EXIT_INPUT;
    }
    out->path = path;
    return EXIT_OK;
}

int report_output_close(struct report_output *out, int writer_rc)
{
    assert(out->fp && "report_output_open succeeded");
    int rc = writer_rc;
    if (fflush(out->fp) != 0 || ferror(out->fp))
        rc = -1;
    if (out->tmp) {
        if (fclose(out->fp) != 0)
            rc = -1;
        if (rc == 0 && rename(out->tmp, out->path) != 0) {
            msg_error("%s: %s", out->path, strerror(errno));
            rc = -1;
        }
        if (rc != 0)
            unlink(out->tmp);
        free(out->tmp);
        out->tmp = NULL;
    }
    out->fp = NULL;
    if (rc != 0) {
        msg_error("writing the report failed: %s", strerror(errno));
        return EXIT_INTERNAL;
    }
    return EXIT_OK;
}

int report_write(const struct report_config *cfg, const struct report *r)
{
    struct report_output out;
    int rc = report_output_open(&out, cfg->output);
    if (rc != EXIT_OK)
        return rc;
    const char *f = cfg->format ? cfg->format : "text";
    if (!strcmp(f, "csv"))
        rc = write_csv(out.fp, r);
    else if (!strcmp(f, "json"))
        rc = write_json(out.fp, r);
    else if (!strcmp(f, "html"))
        rc = write_html(out.fp, r);
    else if (!strcmp(f, "suppress"))
        rc = write_suppress(out.fp, r);
    else
        rc = write_text(out.fp, r);
    return report_output_close(&out, rc);
}
