/*
 * write_text.c - the terminal report: a summary a person reads in a minute,
 * in 80 columns.
 *
 * A headline first (how many deliveries failed, and the largest cause with
 * its share), then the totals (whose log, what period), then what is new
 * since the last run, then the causes (what one fix removes, cause.h: its
 * share of final failures and of deferrals, who must act, the action), then
 * the groups that matter most (final failures first), each with its counts,
 * time span, reason and advice, the blocklist its texts name, the implicated
 * IPs and their DNS status, the template and one real sample; then
 * implicated IPs, the domains with failures, and what the run read (and
 * could not).
 *
 * Layout: every logical line is built whole, then escaped and laid out in
 * one place (out_line): no line is wider than TEXT_WIDTH columns. Prose
 * (templates, samples, advice, lists) wraps at spaces with a hanging indent
 * under its label; the domain table cuts its cells and marks each cut. Counts
 * carry thousands separators and a noun in the right number ("1 recipient").
 * The punctuation is UTF-8 (… — ·) when the locale is UTF-8 and ASCII
 * (... - |) when it is not; the choice is made from the locale alone
 * (layout_locale_utf8), not from whether the output is a terminal, so that a
 * report mailed by cron looks like the one on screen.
 *
 * Untrusted text: everything this file writes, log text, file names, TXT
 * records and our own words alike, goes through text_safe (text_safe_ascii
 * in an ASCII locale) in out_line just before it is written; nothing reaches
 * the FILE by another path. A log line therefore cannot move the cursor or
 * recolour the terminal (C0 and C1 controls, bidi overrides, invalid UTF-8).
 *
 * Not here: the numbers themselves (aggregate.c); width, wrapping and
 * plurals (text_layout.c); escaping (escape.c).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "fingerprint.h"
#include "problems.h"
#include "report.h"
#include "syslog_header.h"
#include "text_layout.h"

#define TEXT_DEFAULT_TOP 20
#define TEXT_DEFAULT_CAUSES 10 /* causes shown in full; the new ones are all listed */
#define TEXT_CAUSE_GROUPS 5    /* group ranks named per cause */
#define TEXT_DOMAINS 15
#define TEXT_WIDTH 80
#define TEXT_HOSTS_NAMED 4 /* log hosts named in the heading; the rest are counted */
/* lines at most, for the texts that can be long */
#define TEXT_TEMPLATE_LINES 4
#define TEXT_SAMPLE_LINES 5
#define TEXT_TXT_LINES 3
#define TEXT_PROBLEM_LINES 2
#define TEXT_PROVIDER_COLS 60 /* in a group's heading */
#define FIELD_HANG 14         /* "    label:    " */

struct text_out {
    FILE *fp;
    const struct layout_glyphs *g;
    struct strbuf raw;  /* the logical line being built */
    struct strbuf safe; /* raw, escaped */
    struct strbuf done; /* safe, laid out */
};

/* add - append to the line being built */
static void add(struct text_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strbuf_vaddf(&o->raw, fmt, ap);
    va_end(ap);
}

/* escape - s as the terminal may show it */
static void escape(const struct text_out *o, struct strbuf *out, struct slice s)
{
    if (o->g->utf8)
        text_safe(out, s);
    else
        text_safe_ascii(out, s);
}

/* add_cut - append s cut to cols columns (marked) */
static void add_cut(struct text_out *o, const char *s, size_t cols)
{
    struct strbuf e = STRBUF_INIT;
    escape(o, &e, slice_cstr(s));
    layout_cut(&o->raw, strbuf_slice(&e), cols, o->g->ellipsis);
    strbuf_free(&e);
}

/* add_cell - append s as a table cell of exactly cols columns */
static void add_cell(struct text_out *o, const char *s, size_t cols, bool right)
{
    struct strbuf e = STRBUF_INIT;
    escape(o, &e, slice_cstr(s));
    layout_cell(&o->raw, strbuf_slice(&e), cols, right, o->g->ellipsis);
    strbuf_free(&e);
}

/* out_line - escape, lay out and write the line built so far: wrapped with
 * hang columns of indent after the first line, at most max_lines lines (0:
 * all; 1: a table row, cut) */
static void out_line(struct text_out *o, size_t hang, size_t max_lines)
{
    strbuf_reset(&o->safe);
    strbuf_reset(&o->done);
    escape(o, &o->safe, strbuf_slice(&o->raw));
    layout_wrap(&o->done, strbuf_slice(&o->safe), TEXT_WIDTH, hang, max_lines, o->g->ellipsis);
    fwrite(o->done.s, 1, o->done.len, o->fp);
    strbuf_reset(&o->raw);
}

static void out_blank(struct text_out *o)
{
    fputc('\n', o->fp);
}

/* label - start a line "    name:    " (the value follows); returns the
 * indent of the value, the hang of its continuation lines */
static size_t label(struct text_out *o, const char *name)
{
    size_t lw = strlen(name) + 1; /* "name:" */
    size_t hang = 4 + lw + 1 > FIELD_HANG ? 4 + lw + 1 : FIELD_HANG;
    add(o, "    %s:%*s", name, (int)(hang - 4 - lw), "");
    return hang;
}

/* field - "    name:     value", wrapped under the value */
static void field(struct text_out *o, const char *name, size_t max_lines, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void field(struct text_out *o, const char *name, size_t max_lines, const char *fmt, ...)
{
    size_t hang = label(o, name);
    va_list ap;
    va_start(ap, fmt);
    strbuf_vaddf(&o->raw, fmt, ap);
    va_end(ap);
    out_line(o, hang, max_lines);
}

static const char *status_of(const struct report *r, const char *ip)
{
    const char *st = report_ip_status(r, ip);
    return !strcmp(st, "unchecked") ? (r->dns.note ? r->dns.note : "not checked") : st;
}

static void status_counts(struct text_out *o, const uint64_t count[4])
{
    static const enum delivery_status order[] = { DELIVERY_BOUNCED, DELIVERY_EXPIRED,
                                                  DELIVERY_DEFERRED };
    const char *sep = "";
    char n[32];
    for (size_t i = 0; i < 3; i++) {
        if (!count[order[i]])
            continue;
        add(o, "%s%s %s", sep, delivery_status_name(order[i]),
            fmt_count(count[order[i]], n, sizeof n));
        sep = ", ";
    }
}

/* cause_rank - the rank of cause id among the sorted causes (0: none) */
static size_t cause_rank(struct cause *const *causes, size_t n, uint32_t id)
{
    for (size_t i = 0; i < n; i++)
        if (causes[i]->id == id)
            return i + 1;
    return 0;
}

static void write_group(struct text_out *o, const struct report *r, const struct group *g,
                        size_t rank, struct cause *const *causes, size_t n_causes)
{
    const char *sep = o->g->sep;
    char a[64], b[64], c[64], d[40], e[40];
    char rk[32];
    add(o, "#%s  ", fmt_count(rank, rk, sizeof rk));
    if (g->is_new)
        add(o, "NEW %s ", sep);
    status_counts(o, g->count);
    /* grouped by the sending account: it names the group */
    unsigned fields = aggregate_fields(r->agg);
    if (fields & (GROUP_BY_SENDER | GROUP_BY_SENDER_DOMAIN)) {
        struct slice from = slice_cstr(g->sender);
        if (!(fields & GROUP_BY_SENDER))
            from = recipient_domain(from);
        add(o, " %s from ", sep);
        struct strbuf f = STRBUF_INIT;
        strbuf_add(&f, from.p, from.n);
        add_cut(o, from.n ? strbuf_cstr(&f) : "(no sender)", TEXT_PROVIDER_COLS);
        strbuf_free(&f);
    }
    /* the provider, unless the groups are cut by sender only (then it is just the first one's) */
    if (!(fields & (GROUP_BY_SENDER | GROUP_BY_SENDER_DOMAIN)) ||
        (fields & (GROUP_BY_PROVIDER | GROUP_BY_HOST))) {
        add(o, " %s ", sep);
        add_cut(o, g->provider, TEXT_PROVIDER_COLS);
    }
    add(o, " %s %s", sep, g->reason ? g->reason->name : "undefined");
    if (g->dsn[0])
        add(o, " %s dsn %s", sep, g->dsn);
    out_line(o, 4, 0);
    if (g->reason && g->reason->label)
        field(o, "why", 0, "%s", reason_label_of(g->reason, g->own_fault));
    size_t hang;
    if (g->n_causes) {
        hang = label(o, g->n_causes == 1 ? "cause" : "causes");
        for (unsigned i = 0; i < g->n_causes; i++)
            add(o, "%sC%zu", i ? ", " : "", cause_rank(causes, n_causes, g->causes[i]));
        out_line(o, hang, 0);
    }
    hang = label(o, "affected");
    add(o, "%s, %s, %s", layout_count(g->recipients, "recipient", NULL, a, sizeof a),
        layout_count(g->messages, "message", NULL, b, sizeof b),
        layout_count(g->domains, "domain", NULL, c, sizeof c));
    if (g->hosts > 1)
        add(o, ", %s", layout_count(g->hosts, "remote host", NULL, a, sizeof a));
    out_line(o, hang, 0);
    field(o, "seen", 0, "%s %s %s", fmt_time(g->first, g->tz_minutes, d, sizeof d), o->g->ellipsis,
          fmt_time(g->last, g->tz_minutes, e, sizeof e));
    if (g->delivered_later)
        field(o, "later", 0, "%s %s delivered after deferrals of this kind",
              layout_count(g->delivered_later, "recipient", NULL, a, sizeof a),
              g->delivered_later == 1 ? "was" : "were");
    if (g->blocklist)
        field(o, "blocklist named", 0, "%s", g->blocklist->label);
    for (unsigned i = 0; i < g->n_ips; i++) {
        struct strbuf lists = STRBUF_INIT;
        report_ip_lists(r, g->ips[i].ip, &lists);
        field(o, "implicated IP", 0, "%s (%s) %s blocklist status: %s%s%s%s", g->ips[i].ip,
              layout_count(g->ips[i].count, "failure", NULL, a, sizeof a), o->g->dash,
              status_of(r, g->ips[i].ip), lists.len ? " [" : "", strbuf_cstr(&lists),
              lists.len ? "]" : "");
        strbuf_free(&lists);
    }
    field(o, "template", TEXT_TEMPLATE_LINES, "%s", g->template_text);
    hang = label(o, "sample");
    add(o, "%s:%" PRIu64 " %s", g->sample_file ? g->sample_file : "", g->sample_line,
        g->sample_recipient);
    if (g->remote_host[0])
        add(o, " via %s", g->remote_host);
    out_line(o, hang, 0);
    add(o, "%*s%s", FIELD_HANG, "", g->sample_text);
    out_line(o, FIELD_HANG, TEXT_SAMPLE_LINES);
    if (g->text_source == TEXT_GENERIC)
        field(o, "note", 0,
              "the log has only the MTA's generic status, not the remote reply "
              "(Sendmail before 8.16 logs no reply= field)");
    if (g->n_sample_domains > 1 || g->domains > 1) {
        struct strbuf list = STRBUF_INIT;
        for (unsigned i = 0; i < g->n_sample_domains; i++)
            strbuf_addf(&list, "%s%s", i ? ", " : "", g->sample_domains[i]);
        if (g->domains > g->n_sample_domains)
            strbuf_addf(&list, " and %s more",
                        fmt_count(g->domains - g->n_sample_domains, a, sizeof a));
        field(o, "domains", 0, "%s", strbuf_cstr(&list));
        strbuf_free(&list);
    }
    const char *advice = reason_advice_of(g->reason, g->own_fault);
    if (advice && advice[0])
        field(o, "advice", 0, "%s", advice);
    char hex[17];
    fingerprint_hex(g->fingerprint, hex);
    field(o, "fingerprint", 0, "%s", hex);
    out_blank(o);
}

static void write_listing(struct text_out *o, const struct report_listing *l)
{
    add(o, "      %-10s %s", l->status, l->list_label ? l->list_label : "");
    if (l->codes && l->codes[0])
        add(o, " %s", l->codes);
    if (l->meaning && l->meaning[0])
        add(o, " %s %s", o->g->dash, l->meaning);
    if (l->detail && l->detail[0])
        add(o, " (%s)", l->detail);
    out_line(o, 17, 0);
    if (l->txt && l->txt[0]) {
        add(o, "%17sTXT: %s", "", l->txt);
        out_line(o, 22, TEXT_TXT_LINES);
    }
    if (l->delist_url && l->delist_url[0]) {
        add(o, "%17sdelisting: %s", "", l->delist_url);
        out_line(o, 17, 0);
    }
    if (l->advice && l->advice[0]) {
        add(o, "%17sadvice: %s", "", l->advice);
        out_line(o, 25, 0);
    }
}

static void write_ips(struct text_out *o, const struct report *r)
{
    size_t n;
    struct ip_summary **ips = aggregate_ips(r->agg, &n);
    if (!n) {
        free(ips);
        return;
    }
    add(o, "Implicated IPs (our sending addresses that rejections name)");
    out_line(o, 2, 0);
    if (r->dns.checked && r->dns.note) {
        add(o, "  DNS blocklist checks: %s", r->dns.note);
        out_line(o, 4, 0);
    }
    char a[64];
    for (size_t i = 0; i < n; i++) {
        const struct ip_summary *s = ips[i];
        add(o, "  %s  %s", s->ip, layout_count(s->events, "failure", NULL, a, sizeof a));
        if (s->ours)
            add(o, " (ours: --our-ip, or a sender domain with --check-domains)");
        for (unsigned k = 0; k < s->n_named; k++)
            add(o, "%s%s", k ? ", " : "; named: ", s->named[k]->label);
        add(o, "; DNS blocklists: %s", status_of(r, s->ip));
        out_line(o, 4, 0);
        if (r->dns.checked && r->dns.listings) {
            const struct report_listing *ls;
            size_t m = r->dns.listings(r->dns.ctx, s->ip, &ls);
            for (size_t k = 0; k < m; k++)
                if (strcmp(ls[k].status, "not_listed"))
                    write_listing(o, &ls[k]);
        }
    }
    out_blank(o);
    free(ips);
}

/* the domain table's columns after domain and provider */
enum { COL_SENT, COL_DEFERRED, COL_BOUNCED, COL_EXPIRED, COL_FAILED, N_COLS };

static void write_domains(struct text_out *o, const struct aggregate *agg_c, bool sent_unknown)
{
    static const char *const head[N_COLS] = { "sent", "deferred", "bounced", "expired", "failed" };
    struct aggregate *agg = (struct aggregate *)agg_c;
    size_t n;
    struct domain_tally **d = aggregate_domains(agg, &n);
    if (!n) {
        free(d);
        return;
    }
    size_t shown = n < TEXT_DOMAINS ? n : TEXT_DOMAINS;
    char a[32], b[32];
    if (shown < n)
        add(o, "Recipient domains with failures (%s; the top %s)", fmt_count(n, a, sizeof a),
            fmt_count(shown, b, sizeof b));
    else
        add(o, "Recipient domains with failures (%s)", fmt_count(n, a, sizeof a));
    out_line(o, 2, 0);

    /* the cells first, to size the columns: numbers are never cut, the two
     * names share what is left and are cut (marked) when they must be */
    char(*cell)[N_COLS][32] = calloc(shown, sizeof *cell);
    size_t w[N_COLS], wdom = strlen("domain"), wprov = strlen("provider");
    for (int c = 0; c < N_COLS; c++)
        w[c] = strlen(head[c]);
    struct strbuf esc = STRBUF_INIT;
    for (size_t i = 0; i < shown; i++) {
        const uint64_t *k = d[i]->count;
        uint64_t final = k[DELIVERY_SENT] + k[DELIVERY_BOUNCED] + k[DELIVERY_EXPIRED];
        fmt_count(k[DELIVERY_SENT], cell[i][COL_SENT], 32);
        if (sent_unknown)
            snprintf(cell[i][COL_SENT], 32, "-");
        fmt_count(k[DELIVERY_DEFERRED], cell[i][COL_DEFERRED], 32);
        fmt_count(k[DELIVERY_BOUNCED], cell[i][COL_BOUNCED], 32);
        fmt_count(k[DELIVERY_EXPIRED], cell[i][COL_EXPIRED], 32);
        fmt_percent(k[DELIVERY_BOUNCED] + k[DELIVERY_EXPIRED], sent_unknown ? 0 : final,
                    cell[i][COL_FAILED], 32);
        for (int c = 0; c < N_COLS; c++)
            if (strlen(cell[i][c]) > w[c])
                w[c] = strlen(cell[i][c]);
        strbuf_reset(&esc);
        escape(o, &esc, slice_cstr(d[i]->domain));
        size_t dw = layout_width(strbuf_slice(&esc));
        strbuf_reset(&esc);
        escape(o, &esc, slice_cstr(d[i]->provider));
        size_t pw = layout_width(strbuf_slice(&esc));
        wdom = dw > wdom ? dw : wdom;
        wprov = pw > wprov ? pw : wprov;
    }
    strbuf_free(&esc);
    size_t nums = 0;
    for (int c = 0; c < N_COLS; c++)
        nums += 1 + w[c];
    size_t room = TEXT_WIDTH > 2 + nums + 1 ? TEXT_WIDTH - 2 - nums - 1 : 0;
    if (wdom + wprov > room) {
        /* the provider gets at most 2/5 of the room, the domain the rest */
        size_t pmax = room * 2 / 5;
        if (wprov > pmax)
            wprov = pmax;
        if (wdom > room - wprov)
            wdom = room - wprov;
        if (wprov < room - wdom)
            wprov = room - wdom;
    }
    add(o, "  ");
    add_cell(o, "domain", wdom, false);
    add(o, " ");
    add_cell(o, "provider", wprov, false);
    for (int c = 0; c < N_COLS; c++) {
        add(o, " ");
        add_cell(o, head[c], w[c], true);
    }
    out_line(o, 0, 1);
    for (size_t i = 0; i < shown; i++) {
        add(o, "  ");
        add_cell(o, d[i]->domain, wdom, false);
        add(o, " ");
        add_cell(o, d[i]->provider, wprov, false);
        for (int c = 0; c < N_COLS; c++) {
            add(o, " ");
            add_cell(o, cell[i][c], w[c], true);
        }
        out_line(o, 0, 1);
    }
    out_blank(o);
    free(cell);
    free(d);
}

/* add_hosts - "a (n lines), b (m lines) and 3 more hosts (k lines)" */
static void add_hosts(struct text_out *o, const struct log_hosts *h, size_t max_named, bool lines)
{
    size_t idx[LOG_HOSTS_MAX];
    size_t n = log_hosts_sorted(h, idx);
    size_t named = n < max_named ? n : max_named;
    uint64_t rest_lines = h->other_lines;
    for (size_t i = named; i < n; i++)
        rest_lines += h->host[idx[i]].lines;
    char a[64];
    for (size_t i = 0; i < named; i++) {
        const struct log_host *l = &h->host[idx[i]];
        add(o, "%s%s", i == 0 ? "" : (i + 1 == named && !rest_lines) ? " and " : ", ", l->name);
        if (lines)
            add(o, " (%s)", layout_count(l->lines, "line", NULL, a, sizeof a));
    }
    if (rest_lines) {
        /* beyond LOG_HOSTS_MAX the hosts are not told apart: "more hosts" */
        if (h->other_lines)
            add(o, " and more hosts");
        else
            add(o, " and %s", layout_count(n - named, "more host", "more hosts", a, sizeof a));
        if (lines)
            add(o, " (%s)", layout_count(rest_lines, "line", NULL, a, sizeof a));
    }
}

static void write_read(struct text_out *o, const struct report *r)
{
    const struct scan_stats *st = r->stats;
    char a[64], b[64], c[64], d[64];
    if (!st)
        return;
    add(o, "What was read");
    out_line(o, 2, 0);
    for (size_t i = 0; i < st->n_inputs; i++) {
        const struct input_stats *in = &st->inputs[i];
        if (in->failed) {
            add(o, "  %s: could not be opened", in->name);
            out_line(o, 4, 0);
            continue;
        }
        add(o, "  %s: %s, %s", in->name, layout_count(in->lines, "line", NULL, a, sizeof a),
            layout_count(in->bytes, "byte", NULL, b, sizeof b));
        if (in->gzip)
            add(o, " (%s)", in->compression);
        out_line(o, 4, 0);
    }
    add(o, "  %s: %s of the MTAs (%s), %s other",
        layout_count(st->lines, "line", NULL, a, sizeof a), fmt_count(st->mta_lines, b, sizeof b),
        layout_count(st->delivery_lines, "delivery status line", NULL, c, sizeof c),
        fmt_count(st->other_lines, d, sizeof d));
    out_line(o, 4, 0);
    if (st->hosts.n > 1 || st->hosts.other_lines) {
        add(o, "  lines per mail host: ");
        add_hosts(o, &st->hosts, LOG_HOSTS_MAX, true);
        out_line(o, 4, 0);
    }
    if (st->per_mx_lines) {
        add(o,
            "  %s repeated a deferral for the next MX host in the same second "
            "(counted as one attempt)",
            layout_count(st->per_mx_lines, "Sendmail line", NULL, a, sizeof a));
        out_line(o, 4, 0);
    }
    if (st->queue_live) {
        if (st->queue_live == 1)
            add(o, "  1 queue id still open at the end (its message is still in the queue)");
        else
            add(o, "  %s still open at the end (messages still in the queue)",
                layout_count(st->queue_live, "queue id", NULL, a, sizeof a));
        out_line(o, 4, 0);
    }
    const struct problems *pr = r->problems;
    if (!pr)
        return;
    for (int k = 0; k < PROBLEM_KIND_COUNT; k++) {
        const struct problem_tally *t = &pr->kinds[k];
        if (!t->count)
            continue;
        add(o, "  %s %s: %s", problem_is_informational(k) ? "note:" : "problem:", problem_label(k),
            fmt_count(t->count, a, sizeof a));
        out_line(o, 4, 0);
        for (unsigned e = 0; e < t->n_examples; e++) {
            add(o, "    %s:%" PRIu64 ": %s", t->examples[e].file ? t->examples[e].file : "",
                t->examples[e].line, t->examples[e].sample);
            out_line(o, 6, TEXT_PROBLEM_LINES);
        }
    }
}

/* write_cause - one cause: its share, who acts, its title, what it touches, the action */
static void write_cause(struct text_out *o, const struct report *r, const struct cause *c,
                        size_t rank, struct group *const *groups, size_t n_groups)
{
    const struct aggregate_totals *t = aggregate_totals(r->agg);
    uint64_t fin = t->count[DELIVERY_BOUNCED] + t->count[DELIVERY_EXPIRED];
    const char *sep = o->g->sep;
    char a[64], b[64], c1[64], d[40], e[40], pc[16];
    struct strbuf tmp = STRBUF_INIT;
    add(o, "C%zu  ", rank);
    if (c->is_new)
        add(o, "NEW %s ", sep);
    if (cause_finals(c))
        add(o, "%s of final failures", report_share(cause_finals(c), fin, pc, sizeof pc));
    if (c->count[DELIVERY_DEFERRED])
        add(o, "%s%s of deferrals", cause_finals(c) ? ", " : "",
            report_share(c->count[DELIVERY_DEFERRED], t->count[DELIVERY_DEFERRED], pc, sizeof pc));
    add(o, " %s ", sep);
    status_counts(o, c->count);
    out_line(o, 4, 0);
    cause_title(c, &tmp);
    add(o, "    %s", strbuf_cstr(&tmp));
    out_line(o, 4, 0);
    field(o, "who acts", 0, "%s", cause_who(c));
    size_t hang = label(o, "affected");
    add(o, "%s, %s, %s", layout_count(c->recipients, "recipient", NULL, a, sizeof a),
        layout_count(c->domains, "domain", NULL, b, sizeof b),
        layout_count(c->providers, "provider", NULL, c1, sizeof c1));
    out_line(o, hang, 0);
    if (c->n_sample_providers && (c->side != SIDE_RECEIVER || !c->provider[0])) {
        strbuf_reset(&tmp);
        for (unsigned i = 0; i < c->n_sample_providers; i++)
            strbuf_addf(&tmp, "%s%s", i ? ", " : "", c->sample_providers[i]);
        if (c->providers > c->n_sample_providers)
            strbuf_addf(&tmp, " and %s more",
                        fmt_count(c->providers - c->n_sample_providers, a, sizeof a));
        field(o, "providers", 2, "%s", strbuf_cstr(&tmp));
    }
    field(o, "seen", 0, "%s %s %s", fmt_time(c->first, c->tz_minutes, d, sizeof d), o->g->ellipsis,
          fmt_time(c->last, c->tz_minutes, e, sizeof e));
    if (c->ip[0]) {
        struct strbuf lists = STRBUF_INIT;
        report_ip_lists(r, c->ip, &lists);
        field(o, "blocklists", 0, "%s: %s%s%s%s", c->ip, status_of(r, c->ip), lists.len ? " [" : "",
              strbuf_cstr(&lists), lists.len ? "]" : "");
        strbuf_free(&lists);
    }
    if (c->side == SIDE_US || c->side == SIDE_UNKNOWN)
        field(o, "template", 2, "%s", c->template_text ? c->template_text : "");
    strbuf_reset(&tmp);
    cause_action(c, &tmp);
    if (tmp.len)
        field(o, "action", 0, "%s", strbuf_cstr(&tmp));
    uint32_t ids[TEXT_CAUSE_GROUPS];
    size_t k = report_cause_groups(groups, n_groups, c, ids, TEXT_CAUSE_GROUPS);
    if (k) {
        strbuf_reset(&tmp);
        for (size_t i = 0; i < k && i < TEXT_CAUSE_GROUPS; i++) {
            size_t gr = 0;
            for (size_t j = 0; j < n_groups && !gr; j++)
                if (groups[j]->id == ids[i])
                    gr = j + 1;
            strbuf_addf(&tmp, "%s#%zu", i ? ", " : "", gr);
        }
        if (k > TEXT_CAUSE_GROUPS)
            strbuf_addf(&tmp, " and %s more", fmt_count(k - TEXT_CAUSE_GROUPS, a, sizeof a));
        field(o, k == 1 ? "group" : "groups", 0, "%s", strbuf_cstr(&tmp));
    }
    out_blank(o);
    strbuf_free(&tmp);
}

/* write_causes - what is new first, then the largest causes */
static void write_causes(struct text_out *o, const struct report *r, struct cause *const *causes,
                         size_t n, struct group *const *groups, size_t n_groups)
{
    const struct aggregate_totals *t = aggregate_totals(r->agg);
    uint64_t fin = t->count[DELIVERY_BOUNCED] + t->count[DELIVERY_EXPIRED];
    char a[32], b[32], pc[16];
    size_t fresh = 0;
    for (size_t i = 0; i < n; i++)
        fresh += causes[i]->is_new;
    struct strbuf tmp = STRBUF_INIT;
    if (fresh) {
        add(o, "New since the last run: %s", layout_count(fresh, "cause", NULL, a, sizeof a));
        out_line(o, 2, 0);
        for (size_t i = 0; i < n; i++) {
            if (!causes[i]->is_new)
                continue;
            strbuf_reset(&tmp);
            cause_title(causes[i], &tmp);
            add(o, "  C%zu  %s (%s of final failures, %s)", i + 1, strbuf_cstr(&tmp),
                report_share(cause_finals(causes[i]), fin, pc, sizeof pc),
                layout_count(causes[i]->count[DELIVERY_BOUNCED] +
                                 causes[i]->count[DELIVERY_EXPIRED] +
                                 causes[i]->count[DELIVERY_DEFERRED],
                             "failure", NULL, b, sizeof b));
            out_line(o, 8, 0);
        }
        out_blank(o);
    }
    size_t top = n < TEXT_DEFAULT_CAUSES ? n : TEXT_DEFAULT_CAUSES;
    add(o, "Causes: %s (what one fix removes; showing %s, the largest first)",
        fmt_count(n, a, sizeof a), fmt_count(top, b, sizeof b));
    out_line(o, 2, 0);
    out_blank(o);
    for (size_t i = 0; i < top; i++)
        write_cause(o, r, causes[i], i + 1, groups, n_groups);
    strbuf_free(&tmp);
}

static void write_heading(struct text_out *o, const struct report *r)
{
    const struct aggregate_totals *t = aggregate_totals(r->agg);
    const struct scan_stats *st = r->stats;
    char a[64], b[64], c[32], d[32], e[32];
    add(o, "bouncescope %s", r->command);
    if (st)
        add(o, " %s %s from %s", o->g->dash, layout_count(st->lines, "line", NULL, a, sizeof a),
            layout_count(st->n_inputs, "input", NULL, b, sizeof b));
    out_line(o, 2, 0);
    if (aggregate_totals(r->agg)->first) {
        struct strbuf head = STRBUF_INIT;
        report_headline(r, &head);
        add(o, "%s.", strbuf_cstr(&head));
        out_line(o, 2, 0);
        strbuf_free(&head);
    }
    if (st && st->hosts.n) {
        add(o, "Mail %s: ", st->hosts.n == 1 && !st->hosts.other_lines ? "host" : "hosts");
        add_hosts(o, &st->hosts, TEXT_HOSTS_NAMED, false);
        out_line(o, 2, 0);
    } else if (st && st->mta_lines) {
        add(o, "Mail host: not named in the log (its lines have no host field)");
        out_line(o, 2, 0);
    }
    if (t->first) {
        char ts1[40], ts2[40];
        add(o, "Period: %s %s %s", fmt_time(t->first, t->tz_minutes, ts1, sizeof ts1),
            o->g->ellipsis, fmt_time(t->last, t->tz_minutes, ts2, sizeof ts2));
        out_line(o, 2, 0);
    }
    add(o, "Deliveries: %s sent, %s deferred, %s bounced, %s expired",
        fmt_count(t->count[DELIVERY_SENT], a, sizeof a),
        fmt_count(t->count[DELIVERY_DEFERRED], b, sizeof b),
        fmt_count(t->count[DELIVERY_BOUNCED], c, sizeof c),
        fmt_count(t->count[DELIVERY_EXPIRED], d, sizeof d));
    out_line(o, 2, 0);
    uint64_t final_fail = t->count[DELIVERY_BOUNCED] + t->count[DELIVERY_EXPIRED];
    if (final_fail + t->count[DELIVERY_SENT])
        add(o, "Final outcomes: %s failed (bounced or expired)",
            fmt_percent(final_fail, final_fail + t->count[DELIVERY_SENT], e, sizeof e));
    else
        add(o, "Final outcomes: none yet (nothing sent, bounced or expired)");
    out_line(o, 2, 0);
    out_blank(o);
}

int write_text(FILE *fp, const struct report *r)
{
    struct text_out o = { .fp = fp, .g = layout_glyphs(layout_locale_utf8()) };
    write_heading(&o, r);
    size_t n, n_causes;
    struct group **groups = aggregate_groups(r->agg, &n);
    struct cause **causes = aggregate_causes(r->agg, &n_causes);
    size_t top = r->top ? r->top : TEXT_DEFAULT_TOP;
    if (n_causes)
        write_causes(&o, r, causes, n_causes, groups, n);
    if (!n && r->empty_note) {
        add(&o, "%s", r->empty_note); /* not an all-clear: nothing was there to look at */
        out_line(&o, 0, 0);
        out_blank(&o);
    } else if (!n) {
        add(&o, "No failed deliveries.");
        out_line(&o, 0, 0);
        out_blank(&o);
    } else {
        char a[32], b[32];
        add(&o, "Failure groups: %s (showing %s, final failures first)", fmt_count(n, a, sizeof a),
            fmt_count(n < top ? n : top, b, sizeof b));
        out_line(&o, 2, 0);
        out_blank(&o);
        for (size_t i = 0; i < n && i < top; i++)
            write_group(&o, r, groups[i], i + 1, causes, n_causes);
    }
    free(groups);
    free(causes);
    write_ips(&o, r);
    write_domains(&o, r->agg, r->domain_sent_unknown);
    write_read(&o, r);
    strbuf_free(&o.raw);
    strbuf_free(&o.safe);
    strbuf_free(&o.done);
    return ferror(fp) ? -1 : 0;
}
