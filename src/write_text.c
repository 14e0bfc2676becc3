/*
 * write_text.c - the terminal report: a summary a person reads in a minute.
 *
 * Totals first, then the groups that matter most (final failures first),
 * each with its counts, time span, reason and advice, the blocklist its
 * texts name, the implicated IPs and their DNS status, the template and one
 * real sample; then implicated IPs, the domains with failures, and what the
 * run read (and could not). Log text is passed through text_safe so that
 * escape sequences in a log cannot reach the terminal.
 *
 * Not here: the numbers themselves (aggregate.c); this file only lays them out.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "fingerprint.h"
#include "problems.h"
#include "report.h"
#include "syslog_header.h"

#define TEXT_DEFAULT_TOP 20
#define TEXT_DOMAINS 15
#define TEXT_WIDTH 100

static void put_safe(FILE *fp, const char *s, size_t max)
{
    struct strbuf b = STRBUF_INIT;
    size_t n = strlen(s);
    bool cut = n > max;
    text_safe(&b, slice_make(s, cut ? max : n));
    fputs(strbuf_cstr(&b), fp);
    if (cut)
        fputs("…", fp);
    strbuf_free(&b);
}

static void status_counts(FILE *fp, const uint64_t count[4])
{
    static const enum delivery_status order[] = { DELIVERY_BOUNCED, DELIVERY_EXPIRED,
                                                  DELIVERY_DEFERRED };
    const char *sep = "";
    char n[32];
    for (size_t i = 0; i < 3; i++) {
        if (!count[order[i]])
            continue;
        fprintf(fp, "%s%s %s", sep, delivery_status_name(order[i]),
                fmt_count(count[order[i]], n, sizeof n));
        sep = ", ";
    }
}

static void write_group(FILE *fp, const struct report *r, const struct group *g, size_t rank)
{
    char a[32], b[40], c[40], d[32], e[32];
    fprintf(fp, "#%zu  %s", rank, g->is_new ? "NEW · " : "");
    status_counts(fp, g->count);
    fprintf(fp, " · ");
    put_safe(fp, g->provider, 80);
    fprintf(fp, " · %s", g->reason ? g->reason->name : "undefined");
    if (g->dsn[0]) {
        fprintf(fp, " · dsn ");
        put_safe(fp, g->dsn, 16);
    }
    fputc('\n', fp);
    if (g->reason && g->reason->label)
        fprintf(fp, "    why:      %s\n", g->reason->label);
    fprintf(fp, "    affected: %s recipients, %s messages, %s domains",
            fmt_count(g->recipients, a, sizeof a), fmt_count(g->messages, d, sizeof d),
            fmt_count(g->domains, e, sizeof e));
    if (g->hosts > 1)
        fprintf(fp, ", %" PRIu64 " remote hosts", g->hosts);
    fputc('\n', fp);
    fprintf(fp, "    seen:     %s … %s\n", fmt_time(g->first, g->tz_minutes, b, sizeof b),
            fmt_time(g->last, g->tz_minutes, c, sizeof c));
    if (g->delivered_later)
        fprintf(fp, "    later:    %s recipients were delivered after deferrals of this kind\n",
                fmt_count(g->delivered_later, a, sizeof a));
    if (g->blocklist)
        fprintf(fp, "    blocklist named: %s\n", g->blocklist->label);
    for (unsigned i = 0; i < g->n_ips; i++) {
        fprintf(fp, "    implicated IP: ");
        put_safe(fp, g->ips[i].ip, 64);
        const char *st = report_ip_status(r, g->ips[i].ip);
        fprintf(fp, " (%s failures) — blocklist status: %s",
                fmt_count(g->ips[i].count, a, sizeof a),
                !strcmp(st, "unchecked") ? (r->dns.note ? r->dns.note : "not checked") : st);
        struct strbuf lists = STRBUF_INIT;
        report_ip_lists(r, g->ips[i].ip, &lists);
        if (lists.len)
            fprintf(fp, " [%s]", lists.s);
        strbuf_free(&lists);
        fputc('\n', fp);
    }
    fprintf(fp, "    template: ");
    put_safe(fp, g->template_text, TEXT_WIDTH * 2);
    fputc('\n', fp);
    fprintf(fp, "    sample:   %s:%" PRIu64 " ", g->sample_file ? g->sample_file : "",
            g->sample_line);
    put_safe(fp, g->sample_recipient, 80);
    if (g->remote_host[0]) {
        fprintf(fp, " via ");
        put_safe(fp, g->remote_host, 80);
    }
    fprintf(fp, "\n              ");
    put_safe(fp, g->sample_text, TEXT_WIDTH * 3);
    fputc('\n', fp);
    if (g->text_source == TEXT_GENERIC)
        fprintf(fp,
                "    note:     the log has only the MTA's generic status, not the remote reply\n"
                "              (Sendmail before 8.16 logs no reply= field)\n");
    if (g->n_sample_domains > 1 || g->domains > 1) {
        fprintf(fp, "    domains:  ");
        for (unsigned i = 0; i < g->n_sample_domains; i++) {
            if (i)
                fprintf(fp, ", ");
            put_safe(fp, g->sample_domains[i], 80);
        }
        if (g->domains > g->n_sample_domains)
            fprintf(fp, " and %" PRIu64 " more", g->domains - g->n_sample_domains);
        fputc('\n', fp);
    }
    if (g->reason && g->reason->advice && g->reason->advice[0])
        fprintf(fp, "    advice:   %s\n", g->reason->advice);
    fprintf(fp, "    fingerprint: ");
    char hex[17];
    fingerprint_hex(g->fingerprint, hex);
    fprintf(fp, "%s\n\n", hex);
}

static void write_ips(FILE *fp, const struct report *r)
{
    size_t n;
    struct ip_summary **ips = aggregate_ips(r->agg, &n);
    if (!n) {
        free(ips);
        return;
    }
    fprintf(fp, "Implicated IPs (our sending addresses that rejections name)\n");
    if (r->dns.checked && r->dns.note)
        fprintf(fp, "  DNS blocklist checks: %s\n", r->dns.note);
    char a[32];
    for (size_t i = 0; i < n; i++) {
        const struct ip_summary *s = ips[i];
        fprintf(fp, "  ");
        put_safe(fp, s->ip, 64);
        fprintf(fp, "  %s failures", fmt_count(s->events, a, sizeof a));
        if (s->ours)
            fprintf(fp, " (ours: --our-ip, or a sender domain with --check-domains)");
        for (unsigned k = 0; k < s->n_named; k++)
            fprintf(fp, "%s%s", k ? ", " : "; named: ", s->named[k]->label);
        const char *st = report_ip_status(r, s->ip);
        fprintf(fp, "; DNS blocklists: %s\n",
                !strcmp(st, "unchecked") ? (r->dns.note ? r->dns.note : "not checked") : st);
        if (r->dns.checked && r->dns.listings) {
            const struct report_listing *ls;
            size_t m = r->dns.listings(r->dns.ctx, s->ip, &ls);
            for (size_t k = 0; k < m; k++) {
                if (!strcmp(ls[k].status, "not_listed"))
                    continue;
                fprintf(fp, "      %-10s %s", ls[k].status,
                        ls[k].list_label ? ls[k].list_label : "");
                if (ls[k].codes && ls[k].codes[0])
                    fprintf(fp, " %s", ls[k].codes);
                if (ls[k].meaning && ls[k].meaning[0])
                    fprintf(fp, " — %s", ls[k].meaning);
                if (ls[k].detail && ls[k].detail[0])
                    fprintf(fp, " (%s)", ls[k].detail);
                fputc('\n', fp);
                if (ls[k].txt && ls[k].txt[0]) {
                    fprintf(fp, "                 TXT: ");
                    put_safe(fp, ls[k].txt, 200);
                    fputc('\n', fp);
                }
                if (ls[k].delist_url && ls[k].delist_url[0])
                    fprintf(fp, "                 delisting: %s\n", ls[k].delist_url);
                if (ls[k].advice && ls[k].advice[0])
                    fprintf(fp, "                 advice: %s\n", ls[k].advice);
            }
        }
    }
    fputc('\n', fp);
    free(ips);
}

static void write_domains(FILE *fp, const struct aggregate *agg_c)
{
    struct aggregate *agg = (struct aggregate *)agg_c;
    size_t n;
    struct domain_tally **d = aggregate_domains(agg, &n);
    if (!n) {
        free(d);
        return;
    }
    fprintf(fp, "Recipient domains with failures (%zu; top %d)\n", n, TEXT_DOMAINS);
    fprintf(fp, "  %-32s %-24s %8s %8s %8s %8s %7s\n", "domain", "provider", "sent", "deferred",
            "bounced", "expired", "failed");
    for (size_t i = 0; i < n && i < TEXT_DOMAINS; i++) {
        char s[32], df[32], b[32], e[32], pc[16];
        uint64_t attempts_final = d[i]->count[DELIVERY_SENT] + d[i]->count[DELIVERY_BOUNCED] +
                                  d[i]->count[DELIVERY_EXPIRED];
        struct strbuf dom = STRBUF_INIT, prov = STRBUF_INIT;
        text_safe(&dom, slice_cstr(d[i]->domain));
        text_safe(&prov, slice_cstr(d[i]->provider));
        fprintf(fp, "  %-32.32s %-24.24s %8s %8s %8s %8s %7s\n", strbuf_cstr(&dom),
                strbuf_cstr(&prov), fmt_count(d[i]->count[DELIVERY_SENT], s, sizeof s),
                fmt_count(d[i]->count[DELIVERY_DEFERRED], df, sizeof df),
                fmt_count(d[i]->count[DELIVERY_BOUNCED], b, sizeof b),
                fmt_count(d[i]->count[DELIVERY_EXPIRED], e, sizeof e),
                fmt_percent(d[i]->count[DELIVERY_BOUNCED] + d[i]->count[DELIVERY_EXPIRED],
                            attempts_final, pc, sizeof pc));
        strbuf_free(&dom);
        strbuf_free(&prov);
    }
    fputc('\n', fp);
    free(d);
}

static void write_read(FILE *fp, const struct report *r)
{
    const struct scan_stats *st = r->stats;
    char a[32], b[32], c[32], d[32];
    if (!st)
        return;
    fprintf(fp, "What was read\n");
    for (size_t i = 0; i < st->n_inputs; i++) {
        const struct input_stats *in = &st->inputs[i];
        fprintf(fp, "  ");
        put_safe(fp, in->name, 200);
        if (in->failed) {
            fprintf(fp, ": could not be opened\n");
            continue;
        }
        fprintf(fp, ": %s lines, %s bytes%s%s%s\n", fmt_count(in->lines, a, sizeof a),
                fmt_count(in->bytes, b, sizeof b), in->gzip ? " (" : "",
                in->gzip ? in->compression : "", in->gzip ? ")" : "");
    }
    fprintf(fp, "  %s lines: %s of the MTAs (%s delivery status lines), %s other\n",
            fmt_count(st->lines, a, sizeof a), fmt_count(st->mta_lines, b, sizeof b),
            fmt_count(st->delivery_lines, c, sizeof c), fmt_count(st->other_lines, d, sizeof d));
    if (st->per_mx_lines)
        fprintf(fp,
                "  %s Sendmail lines repeated a deferral for the next MX host in the same second "
                "(counted as one attempt)\n",
                fmt_count(st->per_mx_lines, a, sizeof a));
    if (st->queue_live)
        fprintf(fp, "  %s queue ids still open at the end (messages still in the queue)\n",
                fmt_count(st->queue_live, a, sizeof a));
    const struct problems *pr = r->problems;
    if (!pr)
        return;
    for (int k = 0; k < PROBLEM_KIND_COUNT; k++) {
        const struct problem_tally *t = &pr->kinds[k];
        if (!t->count)
            continue;
        fprintf(fp, "  %s %s: %s\n",
                problem_is_informational(k) ? "note:" : "problem:", problem_label(k),
                fmt_count(t->count, a, sizeof a));
        for (unsigned e = 0; e < t->n_examples; e++) {
            fprintf(fp, "    %s:%" PRIu64 ": ", t->examples[e].file ? t->examples[e].file : "",
                    t->examples[e].line);
            put_safe(fp, t->examples[e].sample, 100);
            fputc('\n', fp);
        }
    }
}

int write_text(FILE *fp, const struct report *r)
{
    const struct aggregate_totals *t = aggregate_totals(r->agg);
    char a[32], b[32], c[32], d[32], e[32], ts1[40], ts2[40];
    const struct scan_stats *st = r->stats;
    fprintf(fp, "bouncescope %s", r->command);
    if (st)
        fprintf(fp, " — %s lines from %zu input%s", fmt_count(st->lines, a, sizeof a), st->n_inputs,
                st->n_inputs == 1 ? "" : "s");
    if (t->first)
        fprintf(fp, ", %s … %s", fmt_time(t->first, t->tz_minutes, ts1, sizeof ts1),
                fmt_time(t->last, t->tz_minutes, ts2, sizeof ts2));
    fputc('\n', fp);
    uint64_t final_fail = t->count[DELIVERY_BOUNCED] + t->count[DELIVERY_EXPIRED];
    fprintf(fp,
            "Deliveries: %s sent, %s deferred, %s bounced, %s expired — %s of final outcomes "
            "failed\n\n",
            fmt_count(t->count[DELIVERY_SENT], a, sizeof a),
            fmt_count(t->count[DELIVERY_DEFERRED], b, sizeof b),
            fmt_count(t->count[DELIVERY_BOUNCED], c, sizeof c),
            fmt_count(t->count[DELIVERY_EXPIRED], d, sizeof d),
            fmt_percent(final_fail, final_fail + t->count[DELIVERY_SENT], e, sizeof e));
    size_t n;
    struct group **groups = aggregate_groups(r->agg, &n);
    size_t top = r->top ? r->top : TEXT_DEFAULT_TOP;
    if (!n) {
        fprintf(fp, "No failed deliveries.\n\n");
    } else {
        fprintf(fp, "Failure groups: %zu (showing %zu, final failures first)\n\n", n,
                n < top ? n : top);
        for (size_t i = 0; i < n && i < top; i++)
            write_group(fp, r, groups[i], i + 1);
    }
    free(groups);
    write_ips(fp, r);
    write_domains(fp, r->agg);
    write_read(fp, r);
    return ferror(fp) ? -1 : 0;
}
