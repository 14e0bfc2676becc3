/*
 * write_csv.c - RFC 4180 CSV: one row per group, or with --detail one row per
 * failure event (the columns of event.h, in that order).
 *
 * Every cell goes through csv_field (quoting and formula neutralisation).
 * Lines end in CRLF as RFC 4180 says.
 *
 * Not here: the event columns' definitions (event.h) or escaping rules (escape.c).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "fingerprint.h"
#include "report.h"

static void cell(struct strbuf *row, bool *first, struct slice s)
{
    if (!*first)
        strbuf_addc(row, ',');
    *first = false;
    csv_field(row, s);
}

static void cellf(struct strbuf *row, bool *first, const char *fmt, uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, fmt, v);
    cell(row, first, slice_cstr(buf));
}

static int write_events(FILE *fp, const struct report *r)
{
    const struct event_column *cols = event_columns();
    struct strbuf row = STRBUF_INIT, val = STRBUF_INIT;
    bool first = true;
    for (size_t c = 0; c < EVENT_N_COLUMNS; c++)
        if (event_column_shown(&cols[c]))
            cell(&row, &first, slice_cstr(cols[c].name));
    strbuf_adds(&row, "\r\n");
    fwrite(row.s, 1, row.len, fp);
    struct ip_status_lookup ips = report_event_ip_lookup(r);
    struct event e;
    if (r->spool) {
        event_spool_rewind(r->spool);
        while (event_spool_next(r->spool, &e)) {
            strbuf_reset(&row);
            first = true;
            for (size_t c = 0; c < EVENT_N_COLUMNS; c++) {
                if (!event_column_shown(&cols[c]))
                    continue;
                strbuf_reset(&val);
                event_column_value(&e, &cols[c], &ips, &val);
                cell(&row, &first, strbuf_slice(&val));
            }
            strbuf_adds(&row, "\r\n");
            fwrite(row.s, 1, row.len, fp);
        }
    }
    strbuf_free(&row);
    strbuf_free(&val);
    return ferror(fp) ? -1 : 0;
}

static const char *const group_columns[] = {
    "rank",
    "provider",
    "remote_host",
    "reason",
    "reason_label",
    "dsn",
    "blocklist",
    "implicated_ips",
    "implicated_ip_status",
    "implicated_ip_lists",
    "bounced",
    "expired",
    "deferred",
    "delivered_later",
    "recipients",
    "messages",
    "domains",
    "first_seen",
    "last_seen",
    "fingerprint",
    "template",
    "sample_text",
    "sample_recipient",
    "sample_file",
    "sample_line",
    "text_source",
    "example_domains",
};

static int write_groups(FILE *fp, const struct report *r)
{
    struct strbuf row = STRBUF_INIT, tmp = STRBUF_INIT;
    bool first = true;
    for (size_t c = 0; c < sizeof group_columns / sizeof *group_columns; c++)
        cell(&row, &first, slice_cstr(group_columns[c]));
    strbuf_adds(&row, "\r\n");
    fwrite(row.s, 1, row.len, fp);
    size_t n;
    struct group **groups = aggregate_groups(r->agg, &n);
    if (r->top && r->top < n)
        n = r->top;
    char buf[48];
    for (size_t i = 0; i < n; i++) {
        const struct group *g = groups[i];
        strbuf_reset(&row);
        first = true;
        cellf(&row, &first, "%" PRIu64, i + 1);
        cell(&row, &first, slice_cstr(g->provider));
        cell(&row, &first, slice_cstr(g->remote_host));
        cell(&row, &first, slice_cstr(g->reason ? g->reason->name : ""));
        cell(&row, &first, slice_cstr(g->reason && g->reason->label ? g->reason->label : ""));
        cell(&row, &first, slice_cstr(g->dsn));
        cell(&row, &first, slice_cstr(g->blocklist ? g->blocklist->id : ""));
        /* the IPs, their worst status and the listing zones, ';'-separated */
        strbuf_reset(&tmp);
        for (unsigned k = 0; k < g->n_ips; k++)
            strbuf_addf(&tmp, "%s%s", k ? ";" : "", g->ips[k].ip);
        cell(&row, &first, strbuf_slice(&tmp));
        strbuf_reset(&tmp);
        for (unsigned k = 0; k < g->n_ips; k++)
            strbuf_addf(&tmp, "%s%s", k ? ";" : "", report_ip_status(r, g->ips[k].ip));
        cell(&row, &first, strbuf_slice(&tmp));
        /* "ip zone=codes;zone=codes" per listed IP, " | " between IPs */
        strbuf_reset(&tmp);
        for (unsigned k = 0; k < g->n_ips; k++) {
            struct strbuf lists = STRBUF_INIT;
            report_ip_lists(r, g->ips[k].ip, &lists);
            if (lists.len)
                strbuf_addf(&tmp, "%s%s %s", tmp.len ? " | " : "", g->ips[k].ip, lists.s);
            strbuf_free(&lists);
        }
        cell(&row, &first, strbuf_slice(&tmp));
        cellf(&row, &first, "%" PRIu64, g->count[DELIVERY_BOUNCED]);
        cellf(&row, &first, "%" PRIu64, g->count[DELIVERY_EXPIRED]);
        cellf(&row, &first, "%" PRIu64, g->count[DELIVERY_DEFERRED]);
        cellf(&row, &first, "%" PRIu64, g->delivered_later);
        cellf(&row, &first, "%" PRIu64, g->recipients);
        cellf(&row, &first, "%" PRIu64, g->messages);
        cellf(&row, &first, "%" PRIu64, g->domains);
        cell(&row, &first, slice_cstr(fmt_time(g->first, g->tz_minutes, buf, sizeof buf)));
        cell(&row, &first, slice_cstr(fmt_time(g->last, g->tz_minutes, buf, sizeof buf)));
        char hex[17];
        fingerprint_hex(g->fingerprint, hex);
        cell(&row, &first, slice_cstr(hex));
        cell(&row, &first, slice_cstr(g->template_text));
        cell(&row, &first, slice_cstr(g->sample_text));
        cell(&row, &first, slice_cstr(g->sample_recipient));
        cell(&row, &first, slice_cstr(g->sample_file ? g->sample_file : ""));
        cellf(&row, &first, "%" PRIu64, g->sample_line);
        cell(&row, &first, slice_cstr(text_source_name(g->text_source)));
        strbuf_reset(&tmp);
        for (unsigned k = 0; k < g->n_sample_domains; k++)
            strbuf_addf(&tmp, "%s%s", k ? ";" : "", g->sample_domains[k]);
        cell(&row, &first, strbuf_slice(&tmp));
        strbuf_adds(&row, "\r\n");
        fwrite(row.s, 1, row.len, fp);
    }
    free(groups);
    strbuf_free(&row);
    strbuf_free(&tmp);
    return ferror(fp) ? -1 : 0;
}

int write_csv(FILE *fp, const struct report *r)
{
    return r->detail ? write_events(fp, r) : write_groups(fp, r);
}
