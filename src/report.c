/*
 * report.c - helpers shared by the writers (see report.h).
 *
 * Not here: any format's layout (write_*.c).
 */
#include "report.h"

#include <inttypes.h>
#include <string.h>

#include "syslog_header.h"

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
