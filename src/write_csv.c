/*
 * write_csv.c - RFC 4180 CSV: one row per group, or with --detail one row per
 * failure event (the columns of event.h, in that order), or with --causes one
 * row per cause (cause.h). A group row names its causes by their rank in the
 * --causes table (`causes`, ';'-separated).
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
    "causes",
    "sender",
};

/* cause_rank - the rank of cause id among the sorted causes (0: none) */
static size_t cause_rank(struct cause *const *causes, size_t n, uint32_t id)
{
    for (size_t i = 0; i < n; i++)
        if (causes[i]->id == id)
            return i + 1;
    return 0;
}

static int write_groups(FILE *fp, const struct report *r)
{
    struct strbuf row = STRBUF_INIT, tmp = STRBUF_INIT;
    bool first = true;
    for (size_t c = 0; c < sizeof group_columns / sizeof *group_columns; c++)
        cell(&row, &first, slice_cstr(group_columns[c]));
    strbuf_adds(&row, "\r\n");
    fwrite(row.s, 1, row.len, fp);
    size_t n, n_causes;
    struct group **groups = aggregate_groups(r->agg, &n);
    struct cause **causes = aggregate_causes(r->agg, &n_causes);
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
        cell(&row, &first, slice_cstr(reason_label_of(g->reason, g->own_fault)));
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
        strbuf_reset(&tmp);
        for (unsigned k = 0; k < g->n_causes; k++)
            strbuf_addf(&tmp, "%s%zu", k ? ";" : "", cause_rank(causes, n_causes, g->causes[k]));
        cell(&row, &first, strbuf_slice(&tmp));
        cell(&row, &first, slice_cstr(g->sender));
        strbuf_adds(&row, "\r\n");
        fwrite(row.s, 1, row.len, fp);
    }
    free(groups);
    free(causes);
    strbuf_free(&row);
    strbuf_free(&tmp);
    return ferror(fp) ? -1 : 0;
}

static const char *const cause_columns[] = {
    "rank",           "side",          "who",
    "reason",         "reason_label",  "title",
    "final_failures", "final_share",   "deferred",
    "deferral_share", "bounced",       "expired",
    "recipients",     "messages",      "domains",
    "providers",      "implicated_ip", "ip_status",
    "blocklist",      "provider",      "fingerprint",
    "template",       "first_seen",    "last_seen",
    "is_new",         "action",        "sample_providers",
    "sample_domains", "groups",
};

/* share - a fraction with 4 decimals, "" without a whole (as JSON's null) */
static void share_cell(struct strbuf *row, bool *first, uint64_t part, uint64_t whole)
{
    char buf[32] = "";
    if (whole)
        snprintf(buf, sizeof buf, "%.4f", (double)part / (double)whole);
    cell(row, first, slice_cstr(buf));
}

static int write_causes(FILE *fp, const struct report *r)
{
    struct strbuf row = STRBUF_INIT, tmp = STRBUF_INIT;
    bool first = true;
    for (size_t c = 0; c < sizeof cause_columns / sizeof *cause_columns; c++)
        cell(&row, &first, slice_cstr(cause_columns[c]));
    strbuf_adds(&row, "\r\n");
    fwrite(row.s, 1, row.len, fp);
    const struct aggregate_totals *t = aggregate_totals(r->agg);
    uint64_t fin = t->count[DELIVERY_BOUNCED] + t->count[DELIVERY_EXPIRED];
    size_t n, n_groups;
    struct cause **causes = aggregate_causes(r->agg, &n);
    struct group **groups = aggregate_groups(r->agg, &n_groups);
    char buf[48];
    for (size_t i = 0; i < n; i++) {
        const struct cause *c = causes[i];
        strbuf_reset(&row);
        first = true;
        cellf(&row, &first, "%" PRIu64, i + 1);
        cell(&row, &first, slice_cstr(reason_side_name(c->side)));
        cell(&row, &first, slice_cstr(cause_who(c)));
        cell(&row, &first, slice_cstr(c->reason ? c->reason->name : "undefined"));
        cell(&row, &first, slice_cstr(reason_label_of(c->reason, c->own)));
        strbuf_reset(&tmp);
        cause_title(c, &tmp);
        cell(&row, &first, strbuf_slice(&tmp));
        cellf(&row, &first, "%" PRIu64, cause_finals(c));
        share_cell(&row, &first, cause_finals(c), fin);
        cellf(&row, &first, "%" PRIu64, c->count[DELIVERY_DEFERRED]);
        share_cell(&row, &first, c->count[DELIVERY_DEFERRED], t->count[DELIVERY_DEFERRED]);
        cellf(&row, &first, "%" PRIu64, c->count[DELIVERY_BOUNCED]);
        cellf(&row, &first, "%" PRIu64, c->count[DELIVERY_EXPIRED]);
        cellf(&row, &first, "%" PRIu64, c->recipients);
        cellf(&row, &first, "%" PRIu64, c->messages);
        cellf(&row, &first, "%" PRIu64, c->domains);
        cellf(&row, &first, "%" PRIu64, c->providers);
        cell(&row, &first, slice_cstr(c->ip));
        cell(&row, &first, slice_cstr(c->ip[0] ? report_ip_status(r, c->ip) : ""));
        cell(&row, &first, slice_cstr(c->blocklist ? c->blocklist->id : ""));
        cell(&row, &first, slice_cstr(c->provider));
        char hex[17] = "";
        if (c->side == SIDE_US || c->side == SIDE_UNKNOWN)
            fingerprint_hex(c->fingerprint, hex);
        cell(&row, &first, slice_cstr(hex));
        cell(&row, &first, slice_cstr(c->template_text ? c->template_text : ""));
        cell(&row, &first, slice_cstr(fmt_time(c->first, c->tz_minutes, buf, sizeof buf)));
        cell(&row, &first, slice_cstr(fmt_time(c->last, c->tz_minutes, buf, sizeof buf)));
        cell(&row, &first, slice_cstr(c->is_new ? "yes" : "no"));
        strbuf_reset(&tmp);
        cause_action(c, &tmp);
        cell(&row, &first, strbuf_slice(&tmp));
        strbuf_reset(&tmp);
        for (unsigned k = 0; k < c->n_sample_providers; k++)
            strbuf_addf(&tmp, "%s%s", k ? ";" : "", c->sample_providers[k]);
        cell(&row, &first, strbuf_slice(&tmp));
        strbuf_reset(&tmp);
        for (unsigned k = 0; k < c->n_sample_domains; k++)
            strbuf_addf(&tmp, "%s%s", k ? ";" : "", c->sample_domains[k]);
        cell(&row, &first, strbuf_slice(&tmp));
        /* the groups by their rank in the group CSV */
        strbuf_reset(&tmp);
        for (size_t g = 0; g < n_groups; g++)
            for (unsigned k = 0; k < groups[g]->n_causes; k++)
                if (groups[g]->causes[k] == c->id)
                    strbuf_addf(&tmp, "%s%zu", tmp.len ? ";" : "", g + 1);
        cell(&row, &first, strbuf_slice(&tmp));
        strbuf_adds(&row, "\r\n");
        fwrite(row.s, 1, row.len, fp);
    }
    free(causes);
    free(groups);
    strbuf_free(&row);
    strbuf_free(&tmp);
    return ferror(fp) ? -1 : 0;
}

int write_csv(FILE *fp, const struct report *r)
{
    if (r->detail)
        return write_events(fp, r);
    return r->causes ? write_causes(fp, r) : write_groups(fp, r);
}
