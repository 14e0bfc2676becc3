/*
 * write_html.c - the self-contained HTML report (--format html -o report.html).
 *
 * SYNOPSIS
 *   int write_html(FILE *fp, const struct report *r);
 *
 * DESCRIPTION
 *   One file that opens in any browser, needs no network and can be mailed:
 *   a headline computed from the top group ("6 deliveries failed in 2 h;
 *   1 cause accounts for 50%: our IP 219.94.129.185 is named by Spamhaus,
 *   Microsoft 365 rejects it"), totals, an inline SVG chart of failed
 *   attempts over time by reason (stacked bars, each reason with its own
 *   fill pattern as well as colour, a <title> per bar, totals on the bars
 *   when they fit, and a legend), the groups table (sortable, filterable,
 *   each group expandable with <details> to its sample, file:line,
 *   template, advice, recipients and domains), the implicated IPs with
 *   their blocklist results, the recipient domains with failure rates, and
 *   what the run read. The report's JSON (write_json_cut on a copy of the
 *   report with the page's cuts and no events) is embedded in a
 *   <script type="application/json"> block for the "Download JSON" button.
 *
 * TEMPLATE
 *   The page shell, the CSS and the JavaScript are kept as separate files in
 *   reports/ (report.html, report.css, report.js) and READ AT RUN TIME from
 *   $BOUNCESCOPE_REPORTS if set, else from BS_REPORTS_DIR (set by CMake: the
 *   source tree's reports/ in development builds, the share directory
 *   after `make install`). Run-time reading keeps the build simple (no
 *   generated sources) and lets an admin restyle the report without
 *   recompiling; the written report still embeds everything. report.html
 *   holds {{name}} markers; each is replaced by one section generated
 *   here (see fill()). An unknown marker or a missing file is an error.
 *
 * SIZE
 *   Only the first HTML_DEFAULT_TOP groups (or --top), HTML_MAX_DOMAINS
 *   domains and HTML_MAX_IPS addresses are written, and the page says so
 *   ("showing 200 of 5,321 groups"); texts are cut at HTML_TEXT_MAX bytes.
 *   Nothing here reads events, so the cost does not grow with the log.
 *
 * SAFETY
 *   Everything from a log is untrusted: text and attribute values go
 *   through html_text (quotes escaped too), the embedded JSON through
 *   json_string (< > & as \u003c...), and element ids are built from our
 *   own counters, never from log text. The only links are delisting/lookup
 *   pages from the blocklist catalogue (and only http/https ones); no URL
 *   from a log is ever put in an href. The page sets a Content-Security-
 *   Policy that allows no network loads at all.
 *
 * DIAGNOSTICS
 *   Returns -1 on a write error, or (with a message on stderr naming the
 *   file) when a template file cannot be read or holds an unknown marker.
 *
 *   This module does NOT compute anything other writers need, does NOT
 *   resolve anything (blocklist results come from r->dns) and does NOT
 *   read the event spool.
 */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "escape.h"
#include "fingerprint.h"
#include "json.h"
#include "problems.h"
#include "report.h"
#include "report_chart.h"
#include "util/msg.h"

#define HTML_DEFAULT_TOP 200
#define HTML_MAX_DOMAINS 500
#define HTML_MAX_IPS 100
#define HTML_TEXT_MAX 2000          /* bytes of one log text shown; replies are rarely > 1 KB */
#define HTML_TEMPLATE_MAX (1 << 20) /* a template file larger than this is not ours */
#define CHART_MAX_BARS 96
#define CHART_SERIES 6 /* reasons drawn on their own; the rest is "other" */
#define GROUP_COLUMNS 12
#define HTML_CAUSES 10                /* causes shown open; the rest behind "more causes" */
#define HTML_CAUSE_GROUPS 8           /* groups linked per cause */
#define HTML_DATA_MAX_GROUPS 20000    /* groups in the page's data for filtering and sorting */
#define HTML_DATA_MAX_BYTES (8 << 20) /* and at most this much of it */

struct page {
    FILE *fp;
    struct strbuf b; /* output buffer, flushed per section */
    const struct report *r;
    struct group **groups;
    size_t n_groups, shown;
    uint32_t *rank_of; /* group id -> rank (1-based), 0 when not shown */
    struct ip_summary **ips;
    size_t n_ips;
    struct cause **causes; /* largest first */
    size_t n_causes;
    size_t data_groups;  /* groups in the page's data (group_data_size) */
    uint32_t *full_rank; /* group id -> rank (1-based) among all groups */
};

/* ---- small writers ---------------------------------------------------- */

static void put(struct page *pg, const char *s)
{
    strbuf_adds(&pg->b, s);
}

__attribute__((format(printf, 2, 3))) static void putf(struct page *pg, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strbuf_vaddf(&pg->b, fmt, ap);
    va_end(ap);
}

/* esc - untrusted text (or attribute value) s, cut at max bytes on a UTF-8 boundary */
static void esc_max(struct strbuf *b, const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    bool cut = n > max;
    if (cut) {
        n = max;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    html_text(b, slice_make(s ? s : "", n));
    if (cut)
        strbuf_adds(b, "…");
}

static void esc(struct page *pg, const char *s)
{
    esc_max(&pg->b, s, HTML_TEXT_MAX);
}

static void num(struct page *pg, uint64_t v)
{
    char buf[32];
    put(pg, fmt_count(v, buf, sizeof buf));
}

/* td_num - a right-aligned number cell with its raw value for sorting */
static void td_num(struct page *pg, uint64_t v)
{
    putf(pg, "<td class=\"n\" data-v=\"%" PRIu64 "\">", v);
    num(pg, v);
    put(pg, "</td>");
}

/* time_el_br - <time> reading "2018-10-19 16:36:25 +09:00" (the ISO form in
 * its datetime); br (table cells) puts hours, minutes and zone on a second line */
static void time_el_br(struct page *pg, int64_t when, int tz, bool br)
{
    char iso[48];
    if (!when) {
        put(pg, "–");
        return;
    }
    fmt_time(when, tz, iso, sizeof iso);
    size_t n = strlen(iso);
    /* "YYYY-MM-DDTHH:MM:SS+hh:mm": date, time and zone apart for reading */
    if (n == 25)
        putf(pg, "<time datetime=\"%s\">%.10s%s%.*s %.6s</time>", iso, iso, br ? "<br>" : " ",
             br ? 5 : 8, iso + 11, iso + 19);
    else
        putf(pg, "<time datetime=\"%s\">%s</time>", iso, iso);
}

static void time_el(struct page *pg, int64_t when, int tz)
{
    time_el_br(pg, when, tz, false);
}

/* td_num_l - td_num with the column's name for the narrow (card) layout */
static void td_num_l(struct page *pg, uint64_t v, const char *label)
{
    putf(pg, "<td class=\"n\" data-v=\"%" PRIu64 "\" data-label=\"%s\">", v, label);
    num(pg, v);
    put(pg, "</td>");
}

/* td_time_l - a time cell with its column's name */
static void td_time_l(struct page *pg, int64_t when, int tz, const char *label)
{
    putf(pg, "<td class=\"t\" data-v=\"%" PRId64 "\" data-label=\"%s\">", when, label);
    time_el_br(pg, when, tz, true);
    put(pg, "</td>");
}

/* td_time - a time cell that sorts by its epoch value */
static void td_time(struct page *pg, int64_t when, int tz)
{
    putf(pg, "<td class=\"t\" data-v=\"%" PRId64 "\">", when);
    time_el_br(pg, when, tz, true);
    put(pg, "</td>");
}

/* url_ok - a catalogue URL we are willing to link: http(s), no quoting games */
static bool url_ok(const char *u)
{
    if (!u || (strncmp(u, "https://", 8) && strncmp(u, "http://", 7)))
        return false;
    for (const unsigned char *p = (const unsigned char *)u; *p; p++)
        if (*p <= ' ' || *p == '"' || *p == '\'' || *p == '<' || *p == '>' || *p == '`' ||
            *p >= 0x7f)
            return false;
    return true;
}

/* link - <a href> to a catalogue URL, or the plain label when the URL is unusable */
static void link(struct page *pg, const char *url, const char *label)
{
    if (url_ok(url)) {
        put(pg, "<a rel=\"noreferrer\" href=\"");
        esc(pg, url);
        put(pg, "\">");
        esc(pg, label);
        put(pg, "</a>");
    } else {
        esc(pg, label);
    }
}

static const char *status_words(const struct report *r, const char *status)
{
    if (!strcmp(status, "listed"))
        return "listed";
    if (!strcmp(status, "not_listed"))
        return "not listed";
    if (!strcmp(status, "unknown"))
        return "check failed";
    (void)r;
    return "not checked";
}

/* badge - a blocklist status as a coloured word (the word carries the meaning) */
static void badge(struct page *pg, const char *status)
{
    const char *cls = !strcmp(status, "listed")       ? "listed"
                      : !strcmp(status, "not_listed") ? "not_listed"
                      : !strcmp(status, "unknown")    ? "unknown"
                                                      : "unchecked";
    putf(pg, "<span class=\"badge st-%s\">%s</span>", cls, status_words(pg->r, status));
}

static uint64_t finals(const uint64_t count[4])
{
    return count[DELIVERY_BOUNCED] + count[DELIVERY_EXPIRED];
}

/* main_ip - the implicated IP of g with the most failures, or NULL */
static const char *main_ip(const struct group *g)
{
    const struct ip_tally *best = NULL;
    for (unsigned i = 0; i < g->n_ips; i++)
        if (!best || g->ips[i].count > best->count)
            best = &g->ips[i];
    return best ? best->ip : NULL;
}

/* ip_index - position of ip in the IP section (1-based), 0 when not shown */
static size_t ip_index(const struct page *pg, const char *ip)
{
    size_t n = pg->n_ips < HTML_MAX_IPS ? pg->n_ips : HTML_MAX_IPS;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(pg->ips[i]->ip, ip))
            return i + 1;
    return 0;
}

/* ---- sections --------------------------------------------------------- */

static void section_totals(struct page *pg)
{
    const struct aggregate_totals *t = aggregate_totals(pg->r->agg);
    char pc[16];
    uint64_t fin = finals(t->count);
    put(pg, "<dl class=\"cards\">\n");
    static const struct {
        enum delivery_status s;
        const char *label, *cls;
    } cards[] = {
        { DELIVERY_SENT, "Delivered", "" },
        { DELIVERY_DEFERRED, "Deferred attempts", "" },
        { DELIVERY_BOUNCED, "Bounced", "bad" },
        { DELIVERY_EXPIRED, "Expired in the queue", "bad" },
    };
    for (size_t i = 0; i < sizeof cards / sizeof *cards; i++) {
        putf(pg, "<div class=\"card %s\"><dt>%s</dt><dd>", cards[i].cls, cards[i].label);
        num(pg, t->count[cards[i].s]);
        put(pg, "</dd></div>\n");
    }
    putf(pg,
         "<div class=\"card bad\"><dt>Final failure rate</dt><dd>%s"
         "<span class=\"small\">bounced + expired of all final outcomes</span></dd></div>\n",
         fmt_percent(fin, fin + t->count[DELIVERY_SENT], pc, sizeof pc));
    put(pg, "<div class=\"card\"><dt>Failure groups</dt><dd>");
    num(pg, pg->n_groups);
    put(pg, "<span class=\"small\">one real problem per group</span></dd></div>\n</dl>\n");
}

/* ---- chart ------------------------------------------------------------ */

/* the geometry of one drawing of the chart: the page has a wide one and a
 * narrow one (shown at most 480 px wide, CSS), whose labels stay readable
 * because its view box is narrower and its type larger */
struct chart_geo {
    const char *id;    /* prefix of its title's id: "w", "n" */
    const char *klass; /* "chart-wide", "chart-narrow" */
    int W, H, L, R, T, B;
    double font;   /* axis labels, in view box units */
    size_t labels; /* x labels, about */
    bool totals;   /* totals on the bars when they fit */
};

static const struct chart_geo chart_wide = { "w", "chart-wide", 960, 250, 52,  10,
                                             14,  40,           11,  8,   true };
static const struct chart_geo chart_narrow = { "n", "chart-narrow", 420, 300, 44, 8, 14, 56, 15,
                                               3,   false };

/* chart_patterns - one fill per series: colour plus a pattern, so the chart
 * reads in greyscale and for colour-blind readers */
static void chart_patterns(struct page *pg)
{
    /* in an SVG of their own that is always there: the wide or the narrow drawing
     * is hidden (display: none), and fills defined inside a hidden SVG do not paint */
    put(pg, "<svg class=\"defs\" width=\"0\" height=\"0\" aria-hidden=\"true\" "
            "focusable=\"false\"><defs>\n");
    static const char *const overlay[CHART_SERIES + 1] = {
        "",
        "<path class=\"hatch\" d=\"M-1,1 l2,-2 M0,8 l8,-8 M7,9 l2,-2\"/>",
        "<circle class=\"dot\" cx=\"4\" cy=\"4\" r=\"1.6\"/>",
        "<path class=\"hatch\" d=\"M0,2 h8 M0,6 h8\"/>",
        ("<path class=\"hatch\" d=\"M-1,7 l2,2 M0,0 l8,8 M7,-1 l2,2 M-1,1 l2,-2 M0,8 l8,-8 M7,9 "
         "l2,-2\"/>"),
        "<path class=\"hatch\" d=\"M2,0 v8 M6,0 v8\"/>",
        "<path class=\"hatch\" d=\"M-1,7 l2,2 M0,0 l8,8 M7,-1 l2,2\"/>",
    };
    for (int i = 0; i <= CHART_SERIES; i++)
        putf(pg,
             "<pattern id=\"p%d\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\">"
             "<rect class=\"s%d\" width=\"8\" height=\"8\"/>%s</pattern>\n",
             i, i, overlay[i]);
    put(pg, "</defs></svg>\n");
}

/* bar_label - "2018-10-19 16:00 +09:00" (or the day alone for day bars) */
static void bar_time(char *out, size_t size, int64_t when, int tz, bool day)
{
    char iso[48];
    fmt_time(when, tz, iso, sizeof iso);
    if (strlen(iso) != 25)
        snprintf(out, size, "%s", iso);
    else if (day)
        snprintf(out, size, "%.10s", iso);
    else
        snprintf(out, size, "%.10s %.5s", iso, iso + 11);
}

/* chart_svg - one drawing of the chart c in the geometry g */
static void chart_svg(struct page *pg, const struct report_chart *cp, const struct chart_geo *g,
                      const char *hours)
{
    const struct report_chart c = *cp;
    const int64_t step = c.step, base = c.base, off = (int64_t)c.tz_minutes * 60;
    const int tz = c.tz_minutes;
    const int W = g->W, H = g->H, L = g->L, R = g->R, T = g->T, B = g->B;
    const double pw = W - L - R, ph = H - T - B, bw = pw / (double)c.n_bars;
    bool day = step >= 86400;
    char t1[48], t2[48];
    putf(pg,
         "<svg class=\"%s\" viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"%schart-title\" "
         "xmlns=\"http://www.w3.org/2000/svg\">\n",
         g->klass, W, H, g->id);
    putf(pg,
         "<title id=\"%schart-title\">Failed delivery attempts (deferred, bounced, expired) per "
         "%s, stacked by reason; highest bar ",
         g->id, hours);
    num(pg, c.max);
    put(pg, "</title>\n");
    /* grid and y labels */
    for (uint64_t i = 0; i <= c.nticks; i++) {
        double y = T + ph - ph * (double)i / (double)c.nticks;
        char v[32];
        putf(pg, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>", L, W - R, y,
             y);
        putf(pg, "<text class=\"axis\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", L - 6,
             y + g->font / 3, fmt_count(c.ystep * i, v, sizeof v));
    }
    /* bars */
    for (size_t i = 0; i < c.n_bars; i++) {
        if (!c.total[i])
            continue;
        int64_t start = base + (int64_t)i * step;
        /* a few hours make wide bars: keep them at most 56 units, centred */
        double w = bw > 4 ? bw * 0.76 : bw;
        if (w > 56)
            w = 56;
        double x = L + bw * (double)i + (bw - w) / 2;
        bar_time(t1, sizeof t1, start, tz, false);
        bar_time(t2, sizeof t2, start + step, tz, false);
        put(pg, "<g><title>");
        putf(pg, "%s – %.5s", t1, strlen(t2) > 11 ? t2 + 11 : t2);
        put(pg, ": ");
        num(pg, c.total[i]);
        put(pg, " failed");
        for (size_t s = 0; s < c.n_slots; s++) {
            if (!c.count[i * c.n_slots + s])
                continue;
            putf(pg, "%s %s ", s ? "," : " —", s < c.drawn ? c.series[s].name : "other");
            num(pg, c.count[i * c.n_slots + s]);
        }
        put(pg, "</title>");
        double y = T + ph;
        for (size_t s = 0; s < c.n_slots; s++) {
            uint64_t n = c.count[i * c.n_slots + s];
            if (!n)
                continue;
            double h = ph * (double)n / (double)c.ymax;
            y -= h;
            putf(pg,
                 "<rect class=\"seg\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                 "fill=\"url(#p%zu)\"/>",
                 x, y, w, h, s < c.drawn ? s : (size_t)CHART_SERIES);
        }
        if (g->totals && bw >= 18) {
            char v[32];
            putf(pg, "<text class=\"total\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
                 x + w / 2, y - 3, fmt_count(c.total[i], v, sizeof v));
        }
        put(pg, "</g>\n");
    }
    /* x labels: a few, at bar starts; the narrow drawing shows times only (the
     * day is in the line under the chart) */
    size_t every = c.n_bars / g->labels + 1;
    for (size_t i = 0; i < c.n_bars; i += every) {
        int64_t start = base + (int64_t)i * step;
        bar_time(t1, sizeof t1, start, tz, day);
        double x = L + bw * (double)i;
        bool whole = day || ((i == 0 || (start + off) % 86400 == 0) && g->labels > 4);
        putf(pg, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\">%s</text>", x, H - B + g->font * 1.4,
             whole || strlen(t1) < 11 ? t1 : t1 + 11);
        putf(pg, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>\n", x, x,
             H - B, H - B + 4);
    }
    {
        char zone[32];
        fmt_time(c.first, tz, t1, sizeof t1);
        snprintf(zone, sizeof zone, "%s", strlen(t1) == 25 ? t1 + 19 : "");
        if (g->labels > 4)
            putf(pg,
                 "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"end\">times are UTC%s, "
                 "one bar per %s</text>\n",
                 W - R, H - 6, zone, hours);
        else
            putf(pg, "<text class=\"axis\" x=\"%d\" y=\"%d\">from %.10s, UTC%s, %s a bar</text>\n",
                 L, H - 6, t1, zone, hours);
    }
    put(pg, "</svg>\n");
}

static void section_chart(struct page *pg)
{
    struct report_chart c;
    int built =
        report_chart_build(&c, pg->r, pg->groups, pg->n_groups, CHART_SERIES, CHART_MAX_BARS);
    if (built == 1)
        put(pg, "<p class=\"note\">No failed attempts to chart.</p>\n");
    if (built != 0) {
        report_chart_free(&c);
        return;
    }
    char hours[32];
    if (c.step % 86400 == 0)
        snprintf(hours, sizeof hours, "%" PRId64 " day%s", c.step / 86400,
                 c.step == 86400 ? "" : "s");
    else
        snprintf(hours, sizeof hours, "%" PRId64 " h", c.step / 3600);
    put(pg, "<div class=\"panel chart\">\n");
    chart_patterns(pg);
    chart_svg(pg, &c, &chart_wide, hours);
    chart_svg(pg, &c, &chart_narrow, hours);
    put(pg, "<ul class=\"legend\" aria-label=\"Reasons\">\n");
    for (size_t s = 0; s < c.n_slots; s++) {
        putf(pg,
             "<li><svg viewBox=\"0 0 18 14\" aria-hidden=\"true\"><rect width=\"18\" "
             "height=\"14\" fill=\"url(#p%zu)\"/></svg><span>",
             s < c.drawn ? s : (size_t)CHART_SERIES);
        if (s < c.drawn) {
            esc(pg, c.series[s].label);
            put(pg, " <span class=\"rname\">");
            esc(pg, c.series[s].name);
            put(pg, "</span> ");
            num(pg, c.series[s].total);
        } else {
            putf(pg, "Other reasons (%zu) ", c.n_series - c.drawn);
            num(pg, c.other_total);
        }
        put(pg, "</span></li>\n");
    }
    put(pg, "</ul>\n</div>\n");
    report_chart_free(&c);
}

/* ---- causes ----------------------------------------------------------- */

/* group_rank - the rank of group id in the page's order (0: none) */
static uint32_t group_rank(const struct page *pg, uint32_t id)
{
    return id <= pg->n_groups ? pg->full_rank[id] : 0;
}

static void cause_item(struct page *pg, const struct cause *c, size_t rank)
{
    const struct aggregate_totals *t = aggregate_totals(pg->r->agg);
    uint64_t fin = finals(t->count), def = t->count[DELIVERY_DEFERRED];
    char pc[16];
    struct strbuf tmp = STRBUF_INIT;
    bool by_final = cause_finals(c) > 0;
    uint64_t part = by_final ? cause_finals(c) : c->count[DELIVERY_DEFERRED];
    uint64_t whole = by_final ? fin : def;
    double width = whole ? 100.0 * (double)part / (double)whole : 0;
    putf(pg, "<li class=\"panel cause side-%s\" id=\"c%zu\">", reason_side_name(c->side), rank);
    putf(pg,
         "<div class=\"share\"><span class=\"big\">%s</span><span class=\"small\">of %s</span>"
         "<span class=\"bar\" aria-hidden=\"true\"><span style=\"width:%.1f%%\"></span></span>"
         "</div>",
         report_share(part, whole, pc, sizeof pc), by_final ? "final failures" : "deferrals",
         width);
    putf(pg, "<div class=\"body\"><h3><span class=\"rank\">C%zu</span> ", rank);
    if (c->is_new)
        put(pg, "<span class=\"badge st-new\">new</span> ");
    cause_title(c, &tmp);
    html_text(&pg->b, strbuf_slice(&tmp));
    put(pg, "</h3>\n<p class=\"facts\">Who acts: <strong>");
    esc(pg, cause_who(c));
    put(pg, "</strong>");
    static const enum delivery_status order[] = { DELIVERY_BOUNCED, DELIVERY_EXPIRED,
                                                  DELIVERY_DEFERRED };
    for (size_t k = 0; k < 3; k++)
        if (c->count[order[k]]) {
            putf(pg, " · %s ", delivery_status_name(order[k]));
            num(pg, c->count[order[k]]);
        }
    put(pg, " · ");
    num(pg, c->recipients);
    put(pg, c->recipients == 1 ? " recipient · " : " recipients · ");
    num(pg, c->domains);
    put(pg, c->domains == 1 ? " domain · " : " domains · ");
    num(pg, c->providers);
    put(pg, c->providers == 1 ? " provider" : " providers");
    if (c->ip[0]) {
        put(pg, " · <code>");
        esc(pg, c->ip);
        put(pg, "</code> ");
        badge(pg, report_ip_status(pg->r, c->ip));
    }
    put(pg, "</p>\n<p class=\"advice\">");
    strbuf_reset(&tmp);
    cause_action(c, &tmp);
    html_text(&pg->b, strbuf_slice(&tmp));
    put(pg, "</p>\n<p class=\"small\">");
    if (c->n_sample_providers) {
        put(pg, "At ");
        for (unsigned i = 0; i < c->n_sample_providers; i++) {
            if (i)
                put(pg, ", ");
            esc_max(&pg->b, c->sample_providers[i], 200);
        }
        if (c->providers > c->n_sample_providers) {
            put(pg, " and ");
            num(pg, c->providers - c->n_sample_providers);
            put(pg, " more");
        }
        put(pg, ". ");
    }
    uint32_t ids[HTML_CAUSE_GROUPS];
    size_t k = report_cause_groups(pg->groups, pg->n_groups, c, ids, HTML_CAUSE_GROUPS);
    if (k) {
        put(pg, k == 1 ? "Group " : "Groups ");
        for (size_t i = 0; i < k && i < HTML_CAUSE_GROUPS; i++) {
            uint32_t gr = group_rank(pg, ids[i]);
            putf(pg, "%s<a href=\"#g%" PRIu32 "\" data-filter=\"cause:%zu\">#%" PRIu32 "</a>",
                 i ? ", " : "", gr, rank, gr);
        }
        if (k > HTML_CAUSE_GROUPS) {
            put(pg, " and ");
            num(pg, k - HTML_CAUSE_GROUPS);
            putf(pg, " more (<a href=\"#h-groups\" data-filter=\"cause:%zu\">show all</a>)", rank);
        }
        put(pg, ".");
    }
    put(pg, "</p></div></li>\n");
    strbuf_free(&tmp);
}

/* section_causes - what is new first, then the causes, largest first */
static void section_causes(struct page *pg)
{
    if (!pg->n_causes) {
        /* an empty run is not an all-clear: the groups section says what was read */
        if (!pg->r->empty_note)
            put(pg, "<p class=\"panel\">No failed deliveries: no cause to act on.</p>\n");
        return;
    }
    struct strbuf tmp = STRBUF_INIT;
    size_t fresh = 0;
    for (size_t i = 0; i < pg->n_causes; i++)
        fresh += pg->causes[i]->is_new;
    if (fresh) {
        putf(pg,
             "<div class=\"panel new\" id=\"new-causes\"><h3>New since the last run: %zu "
             "cause%s</h3><ul>\n",
             fresh, fresh == 1 ? "" : "s");
        for (size_t i = 0; i < pg->n_causes; i++) {
            if (!pg->causes[i]->is_new)
                continue;
            strbuf_reset(&tmp);
            cause_title(pg->causes[i], &tmp);
            putf(pg, "<li><a href=\"#c%zu\">C%zu</a> ", i + 1, i + 1);
            html_text(&pg->b, strbuf_slice(&tmp));
            put(pg, "</li>\n");
        }
        put(pg, "</ul></div>\n");
    }
    putf(pg,
         "<p class=\"note\">%zu cause%s: what one fix removes (our side: a reason, its reply "
         "and our IP or the list named; the recipient's: a reason; the receiving site's: a "
         "reason at a provider).</p>\n<ol class=\"causes\">\n",
         pg->n_causes, pg->n_causes == 1 ? "" : "s");
    for (size_t i = 0; i < pg->n_causes && i < HTML_CAUSES; i++)
        cause_item(pg, pg->causes[i], i + 1);
    put(pg, "</ol>\n");
    if (pg->n_causes > HTML_CAUSES) {
        putf(pg,
             "<details class=\"more-causes\"><summary>%zu more causes</summary>"
             "<ol class=\"causes\" start=\"%d\">\n",
             pg->n_causes - HTML_CAUSES, HTML_CAUSES + 1);
        for (size_t i = HTML_CAUSES; i < pg->n_causes; i++)
            cause_item(pg, pg->causes[i], i + 1);
        put(pg, "</ol></details>\n");
    }
    strbuf_free(&tmp);
}

/* ---- groups ----------------------------------------------------------- */

static void sample_list(struct page *pg, char *const *items, unsigned n, uint64_t total)
{
    put(pg, "<ul class=\"inline\">");
    for (unsigned i = 0; i < n; i++) {
        put(pg, "<li>");
        esc(pg, items[i]);
        put(pg, "</li>");
    }
    if (total > n) {
        put(pg, "<li class=\"note\">and ");
        num(pg, total - n);
        put(pg, " more</li>");
    }
    put(pg, "</ul>");
}

static void group_ip_cell(struct page *pg, const struct group *g)
{
    const char *ip = main_ip(g);
    put(pg, "<td data-label=\"IP · blocklist\">");
    if (ip) {
        size_t idx = ip_index(pg, ip);
        put(pg, "<code>");
        if (idx)
            putf(pg, "<a href=\"#ip-%zu\">", idx);
        esc(pg, ip);
        if (idx)
            put(pg, "</a>");
        put(pg, "</code> ");
        badge(pg, report_ip_status(pg->r, ip));
        if (g->n_ips > 1)
            putf(pg, " <span class=\"small\">+%u more</span>", g->n_ips - 1);
        put(pg, "<br>");
    }
    if (g->blocklist) {
        put(pg, "<span class=\"small\">named: ");
        esc(pg, g->blocklist->label);
        put(pg, "</span>");
    } else if (!ip) {
        put(pg, "<span class=\"small\">–</span>");
    }
    put(pg, "</td>");
}

static void group_details(struct page *pg, const struct group *g)
{
    const struct report *r = pg->r;
    put(pg, "<details><summary>Sample, template, advice, recipients and domains</summary>\n"
            "<dl class=\"kv\">\n");
    if (g->reason) {
        put(pg, "<dt>Why</dt><dd>");
        esc(pg, reason_label_of(g->reason, g->own_fault));
        put(pg, " <span class=\"rname\">(");
        esc(pg, g->reason->name);
        put(pg, ")</span></dd>\n");
        const char *advice = reason_advice_of(g->reason, g->own_fault);
        if (advice && advice[0]) {
            put(pg, "<dt>What to do</dt><dd><p class=\"advice\">");
            esc(pg, advice);
            put(pg, "</p></dd>\n");
        }
    }
    put(pg, "<dt>Sample</dt><dd><span class=\"mono\">");
    esc(pg, g->sample_file ? g->sample_file : "");
    putf(pg, ":%" PRIu64 "</span> · to <span class=\"mono\">", g->sample_line);
    esc(pg, g->sample_recipient);
    put(pg, "</span>");
    if (g->remote_host[0]) {
        put(pg, " via <span class=\"mono\">");
        esc(pg, g->remote_host);
        put(pg, "</span>");
    }
    put(pg, "<pre class=\"log\">");
    esc(pg, g->sample_text);
    put(pg, "</pre>");
    if (g->text_source == TEXT_GENERIC)
        put(pg, "<p class=\"note\">The log has only the MTA's generic status, not the remote "
                "server's reply (Sendmail before 8.16 logs no reply= field).</p>");
    put(pg, "</dd>\n<dt>Template</dt><dd><pre class=\"log\">");
    esc(pg, g->template_text);
    put(pg, "</pre></dd>\n");
    put(pg, "<dt>Recipients</dt><dd>");
    sample_list(pg, g->sample_recipients, g->n_sample_recipients, g->recipients);
    put(pg, "</dd>\n<dt>Domains</dt><dd>");
    sample_list(pg, g->sample_domains, g->n_sample_domains, g->domains);
    put(pg, "</dd>\n");
    if (g->n_ips) {
        put(pg, "<dt>Implicated IPs</dt><dd><ul class=\"inline\">");
        for (unsigned i = 0; i < g->n_ips; i++) {
            put(pg, "<li><code>");
            esc(pg, g->ips[i].ip);
            put(pg, "</code> (");
            num(pg, g->ips[i].count);
            put(pg, ") ");
            badge(pg, report_ip_status(r, g->ips[i].ip));
            put(pg, "</li>");
        }
        put(pg, "</ul></dd>\n");
    }
    if (g->blocklist) {
        put(pg, "<dt>Blocklist named</dt><dd>");
        esc(pg, g->blocklist->label);
        if (url_ok(g->blocklist->delist_url)) {
            put(pg, " · ");
            link(pg, g->blocklist->delist_url, "lookup and delisting");
        }
        put(pg, "</dd>\n");
    }
    if (g->delivered_later) {
        put(pg, "<dt>Later delivered</dt><dd>");
        num(pg, g->delivered_later);
        put(pg, " recipients got through after deferrals of this kind</dd>\n");
    }
    if (g->hosts > 1) {
        put(pg, "<dt>Remote hosts</dt><dd>");
        num(pg, g->hosts);
        put(pg, "</dd>\n");
    }
    put(pg, "</dl></details>");
}

static void section_groups(struct page *pg)
{
    char a[32], b[32];
    if (!pg->n_groups && pg->r->empty_note) {
        put(pg, "<p class=\"panel\">");
        esc(pg, pg->r->empty_note);
        put(pg, "</p>\n");
        return;
    }
    if (!pg->n_groups) {
        put(pg, "<p class=\"panel\">No failed deliveries in what was read.</p>\n");
        return;
    }
    put(pg, "<div class=\"tools\" id=\"group-tools\" hidden><label for=\"filter\">Filter</label>"
            "<input id=\"filter\" type=\"search\" autocomplete=\"off\" "
            "placeholder=\"provider, domain, IP, reason, text…\">"
            "<button type=\"button\" id=\"expand-all\" aria-pressed=\"false\">Expand all</button>"
            "<span id=\"filter-count\" class=\"note\" aria-live=\"polite\"></span></div>\n");
    if (pg->shown < pg->n_groups)
        putf(pg,
             "<p class=\"cut\" id=\"groups-cut\">Showing the top %s of %s groups (final failures "
             "first). ",
             fmt_count(pg->shown, a, sizeof a), fmt_count(pg->n_groups, b, sizeof b));
    else
        put(pg, "<p class=\"cut\" id=\"groups-cut\">");
    if (pg->data_groups == pg->n_groups)
        put(pg, "The filter and the column headers search and sort all of them: the page holds "
                "every group's data");
    else
        putf(pg,
             "The filter and the column headers search and sort the first %s: the page holds "
             "the data of at most %s groups (about %d MB); <code>--format csv</code> lists all",
             fmt_count(pg->data_groups, a, sizeof a), fmt_count(HTML_DATA_MAX_GROUPS, b, sizeof b),
             HTML_DATA_MAX_BYTES >> 20);
    put(pg, " (details open only on the rows drawn here).</p>\n");
    put(pg, "<div class=\"scroll\"><table id=\"groups\" class=\"data sortable\">\n"
            "<caption>Failures grouped so that one real problem is one row, final failures "
            "first. Open a row's details for a real sample, the template, the advice and who "
            "is affected.</caption>\n<thead><tr>"
            "<th scope=\"col\" class=\"n\" data-type=\"num\">#</th>"
            "<th scope=\"col\">Provider / host</th>"
            "<th scope=\"col\">Reason</th>"
            "<th scope=\"col\">DSN<br><span class=\"small\">fingerprint</span></th>"
            "<th scope=\"col\" class=\"n\" data-type=\"num\">Failed</th>"
            "<th scope=\"col\" class=\"n\" data-type=\"num\">Deferred</th>"
            "<th scope=\"col\" class=\"n\" data-type=\"num\">Recipients</th>"
            "<th scope=\"col\" class=\"n\" data-type=\"num\">Messages</th>"
            "<th scope=\"col\" class=\"n\" data-type=\"num\">Domains</th>"
            "<th scope=\"col\">Implicated IP · blocklist</th>"
            "<th scope=\"col\" data-type=\"num\">First seen</th>"
            "<th scope=\"col\" data-type=\"num\">Last seen</th>"
            "</tr></thead>\n");
    for (size_t i = 0; i < pg->shown; i++) {
        const struct group *g = pg->groups[i];
        char hex[17];
        fingerprint_hex(g->fingerprint, hex);
        putf(pg, "<tbody class=\"g\" id=\"g%zu\"><tr class=\"row\">", i + 1);
        putf(pg, "<th scope=\"row\" class=\"n\" data-v=\"%zu\" data-label=\"#\">%zu</th>", i + 1,
             i + 1);
        put(pg, "<td data-label=\"Provider / host\"><span class=\"prov\">");
        esc_max(&pg->b, g->provider, 200);
        put(pg, "</span>");
        if (aggregate_fields(pg->r->agg) & (GROUP_BY_SENDER | GROUP_BY_SENDER_DOMAIN)) {
            put(pg, "<br><span class=\"host\">from ");
            esc_max(&pg->b, g->sender[0] ? g->sender : "(no sender)", 200);
            put(pg, "</span>");
        }
        if (g->is_new)
            put(pg, " <span class=\"badge st-new\">new</span>");
        if (g->remote_host[0] && strcmp(g->remote_host, g->provider)) {
            put(pg, "<br><span class=\"host\">");
            esc_max(&pg->b, g->remote_host, 200);
            if (g->hosts > 1)
                putf(pg, " +%" PRIu64 " more", g->hosts - 1);
            put(pg, "</span>");
        }
        put(pg, "</td><td class=\"reason\" data-label=\"Reason\">");
        if (g->reason) {
            esc(pg, reason_label_of(g->reason, g->own_fault));
            put(pg, "<br><span class=\"rname\">");
            esc(pg, g->reason->name);
            put(pg, "</span>");
        } else {
            put(pg, "undefined");
        }
        put(pg, "</td><td class=\"mono\" data-label=\"DSN\">");
        esc_max(&pg->b, g->dsn, 16);
        putf(pg,
             "<br><span class=\"fp\" title=\"fingerprint of the reason text's "
             "template\">%s</span></td>",
             hex);
        putf(pg, "<td class=\"n\" data-v=\"%" PRIu64 "\" data-label=\"Failed\">", finals(g->count));
        num(pg, finals(g->count));
        if (g->count[DELIVERY_EXPIRED] && g->count[DELIVERY_BOUNCED]) {
            put(pg, "<br><span class=\"small\">");
            num(pg, g->count[DELIVERY_EXPIRED]);
            put(pg, " expired</span>");
        } else if (g->count[DELIVERY_EXPIRED]) {
            put(pg, "<br><span class=\"small\">expired</span>");
        }
        put(pg, "</td>");
        td_num_l(pg, g->count[DELIVERY_DEFERRED], "Deferred");
        td_num_l(pg, g->recipients, "Recipients");
        td_num_l(pg, g->messages, "Messages");
        td_num_l(pg, g->domains, "Domains");
        group_ip_cell(pg, g);
        td_time_l(pg, g->first, g->tz_minutes, "First seen");
        td_time_l(pg, g->last, g->tz_minutes, "Last seen");
        put(pg, "</tr>\n");
        putf(pg, "<tr class=\"more\"><td colspan=\"%d\">", GROUP_COLUMNS);
        group_details(pg, g);
        put(pg, "</td></tr></tbody>\n");
        if (pg->b.len > 65536) {
            fwrite(pg->b.s, 1, pg->b.len, pg->fp);
            strbuf_reset(&pg->b);
        }
    }
    put(pg, "</table></div>\n");
}

/* ---- the groups' data: filtering and sorting over all of them ----------- */

/* row_estimate - about how many bytes a group's row of data takes */
static size_t row_estimate(const struct group *g)
{
    size_t n = 160 + strlen(g->provider) + strlen(g->remote_host) + strlen(g->dsn) +
               strlen(g->sender) + strlen(reason_label_of(g->reason, g->own_fault));
    for (unsigned i = 0; i < g->n_sample_domains; i++)
        n += strlen(g->sample_domains[i]) + 1;
    return n;
}

/* group_data_size - how many groups the page's data holds: all of them, up to
 * HTML_DATA_MAX_GROUPS and about HTML_DATA_MAX_BYTES */
static size_t group_data_size(const struct page *pg)
{
    size_t bytes = 0, n = 0;
    while (n < pg->n_groups && n < HTML_DATA_MAX_GROUPS) {
        bytes += row_estimate(pg->groups[n]);
        if (bytes > HTML_DATA_MAX_BYTES)
            break;
        n++;
    }
    return n;
}

/* write_group_data - the groups as compact rows (README "HTML and JSON"), the
 * templates they point at, and each shown domain's groups: the page's script
 * filters and sorts over these, not only over the rows drawn */
static int write_group_data(struct page *pg)
{
    struct jw w;
    char hex[17], t1[48], t2[48];
    uint32_t *cause_rank = calloc(pg->n_causes + 2, sizeof *cause_rank);
    const char **tmpl = calloc(pg->data_groups + 1, sizeof *tmpl);
    size_t n_tmpl = 0;
    if (!cause_rank || !tmpl) {
        free(cause_rank);
        free(tmpl);
        return -1;
    }
    for (size_t i = 0; i < pg->n_causes; i++)
        if (pg->causes[i]->id <= pg->n_causes)
            cause_rank[pg->causes[i]->id] = (uint32_t)(i + 1);
    jw_begin(&w, pg->fp);
    jw_open(&w, NULL, '{', true);
    jw_u64(&w, "total", pg->n_groups);
    jw_u64(&w, "rows_total", pg->data_groups);
    jw_u64(&w, "cap", HTML_DATA_MAX_GROUPS);
    jw_open(&w, "rows", '[', true);
    for (size_t i = 0; i < pg->data_groups; i++) {
        const struct group *g = pg->groups[i];
        size_t ti = 0;
        while (ti < n_tmpl && tmpl[ti] != g->template_text)
            ti++;
        if (ti == n_tmpl)
            tmpl[n_tmpl++] = g->template_text;
        const char *ip = main_ip(g);
        jw_open(&w, NULL, '[', true);
        jw_u64(&w, NULL, i + 1);
        jw_cstr(&w, NULL, g->provider);
        jw_cstr(&w, NULL, g->remote_host);
        jw_cstr(&w, NULL, g->reason ? g->reason->name : "undefined");
        jw_cstr(&w, NULL, reason_label_of(g->reason, g->own_fault));
        jw_cstr(&w, NULL, g->dsn);
        fingerprint_hex(g->fingerprint, hex);
        jw_cstr(&w, NULL, hex);
        jw_u64(&w, NULL, finals(g->count));
        jw_u64(&w, NULL, g->count[DELIVERY_EXPIRED]);
        jw_u64(&w, NULL, g->count[DELIVERY_DEFERRED]);
        jw_u64(&w, NULL, g->recipients);
        jw_u64(&w, NULL, g->messages);
        jw_u64(&w, NULL, g->domains);
        jw_cstr(&w, NULL, ip ? ip : "");
        jw_cstr(&w, NULL, ip ? report_ip_status(pg->r, ip) : "");
        jw_cstr(&w, NULL, g->blocklist ? g->blocklist->label : "");
        jw_u64(&w, NULL, (uint64_t)g->first);
        jw_u64(&w, NULL, (uint64_t)g->last);
        jw_cstr(&w, NULL, fmt_time(g->first, g->tz_minutes, t1, sizeof t1));
        jw_cstr(&w, NULL, fmt_time(g->last, g->tz_minutes, t2, sizeof t2));
        jw_u64(&w, NULL, g->is_new);
        jw_open(&w, NULL, '[', true);
        for (unsigned k = 0; k < g->n_causes; k++)
            jw_u64(&w, NULL, g->causes[k] <= pg->n_causes ? cause_rank[g->causes[k]] : 0);
        jw_close(&w, ']');
        jw_cstr(&w, NULL, g->sender);
        jw_open(&w, NULL, '[', true);
        for (unsigned k = 0; k < g->n_sample_domains; k++)
            jw_cstr(&w, NULL, g->sample_domains[k]);
        jw_close(&w, ']');
        jw_u64(&w, NULL, ti);
        jw_close(&w, ']');
    }
    jw_close(&w, ']');
    jw_open(&w, "templates", '[', true);
    for (size_t i = 0; i < n_tmpl; i++)
        jw_cstr(&w, NULL, tmpl[i]);
    jw_close(&w, ']');
    /* a domain's groups, for the domain table's links (ranks) */
    size_t nd;
    struct domain_tally **d = aggregate_domains(pg->r->agg, &nd);
    jw_open(&w, "domains", '{', true);
    for (size_t i = 0; i < nd && i < HTML_MAX_DOMAINS; i++) {
        jw_open(&w, d[i]->domain, '[', true);
        for (unsigned k = 0; k < d[i]->n_groups; k++)
            jw_u64(&w, NULL, group_rank(pg, d[i]->groups[k]));
        jw_close(&w, ']');
    }
    jw_close(&w, '}');
    free(d);
    jw_close(&w, '}');
    free(cause_rank);
    free(tmpl);
    /* jw_end adds a newline: harmless inside the script element */
    return jw_end(&w);
}

/* ---- implicated IPs and blocklists ------------------------------------ */

static void ip_listings(struct page *pg, const char *ip)
{
    const struct report *r = pg->r;
    const struct report_listing *ls;
    size_t n = r->dns.listings(r->dns.ctx, ip, &ls), shown = 0;
    for (size_t k = 0; k < n; k++) {
        if (ls[k].status && !strcmp(ls[k].status, "not_listed"))
            continue;
        if (!shown++)
            put(pg, "<div class=\"scroll\"><table class=\"data\"><caption class=\"vh\">Blocklist "
                    "results</caption><thead><tr><th scope=\"col\">List</th>"
                    "<th scope=\"col\">Result</th><th scope=\"col\">Code</th>"
                    "<th scope=\"col\">Meaning</th><th scope=\"col\">TXT record</th>"
                    "<th scope=\"col\">Delisting</th><th scope=\"col\">Advice</th>"
                    "</tr></thead><tbody>\n");
        put(pg, "<tr><th scope=\"row\">");
        esc(pg, ls[k].list_label ? ls[k].list_label : ls[k].list_id);
        if (ls[k].zone && ls[k].zone[0]) {
            put(pg, "<br><span class=\"small mono\">");
            esc(pg, ls[k].zone);
            put(pg, "</span>");
        }
        put(pg, "</th><td>");
        badge(pg, ls[k].status ? ls[k].status : "unknown");
        if (ls[k].detail && ls[k].detail[0]) {
            put(pg, "<br><span class=\"small\">");
            esc(pg, ls[k].detail);
            put(pg, "</span>");
        }
        put(pg, "</td><td class=\"mono\">");
        esc(pg, ls[k].codes);
        put(pg, "</td><td>");
        esc(pg, ls[k].meaning);
        put(pg, "</td><td class=\"small\">");
        esc(pg, ls[k].txt);
        put(pg, "</td><td>");
        if (url_ok(ls[k].delist_url))
            link(pg, ls[k].delist_url, "request removal");
        put(pg, "</td><td class=\"small\">");
        esc(pg, ls[k].advice);
        put(pg, "</td></tr>\n");
    }
    if (shown)
        put(pg, "</tbody></table></div>\n");
    if (n > shown) {
        put(pg, "<p class=\"small\">Not listed on: ");
        const char *sep = "";
        for (size_t k = 0; k < n; k++) {
            if (!ls[k].status || strcmp(ls[k].status, "not_listed"))
                continue;
            put(pg, sep);
            esc(pg, ls[k].list_label ? ls[k].list_label : ls[k].zone);
            sep = ", ";
        }
        put(pg, "</p>\n");
    }
}

static void section_ips(struct page *pg)
{
    const struct report *r = pg->r;
    char a[32], b[32];
    if (!pg->n_ips) {
        put(pg, "<p class=\"panel note\">No rejection named one of our sending IPs.</p>\n");
        return;
    }
    put(pg, "<p class=\"note\">DNS blocklist check: ");
    if (r->dns.note && r->dns.note[0])
        esc(pg, r->dns.note);
    else
        put(pg, r->dns.checked ? "done" : "not run");
    put(pg, ". An IP named in a rejection text is evidence from the receiver; a DNS listing "
            "is what the list says now.</p>\n");
    size_t n = pg->n_ips < HTML_MAX_IPS ? pg->n_ips : HTML_MAX_IPS;
    if (n < pg->n_ips)
        putf(pg, "<p class=\"cut\">Showing %s of %s addresses (most failures first).</p>\n",
             fmt_count(n, a, sizeof a), fmt_count(pg->n_ips, b, sizeof b));
    for (size_t i = 0; i < n; i++) {
        const struct ip_summary *s = pg->ips[i];
        const char *st = report_ip_status(r, s->ip);
        putf(pg, "<article class=\"panel ip\" id=\"ip-%zu\"><h3><code>", i + 1);
        esc(pg, s->ip);
        put(pg, "</code> ");
        badge(pg, st);
        put(pg, "</h3>\n<p>");
        num(pg, s->events);
        put(pg, s->events == 1 ? " failure" : " failures");
        if (s->n_groups) {
            put(pg, " in group");
            put(pg, s->n_groups > 1 ? "s " : " ");
            for (unsigned k = 0; k < s->n_groups; k++) {
                uint32_t rank = s->groups[k] < pg->n_groups + 1 ? pg->rank_of[s->groups[k]] : 0;
                if (k)
                    put(pg, ", ");
                if (rank)
                    putf(pg, "<a href=\"#g%" PRIu32 "\">#%" PRIu32 "</a>", rank, rank);
                else
                    put(pg, "(not shown)");
            }
        }
        if (s->ours)
            put(pg, " · given with <code>--our-ip</code>");
        put(pg, "</p>\n");
        if (s->n_named) {
            put(pg, "<p>Named in rejection texts: ");
            for (unsigned k = 0; k < s->n_named; k++) {
                if (k)
                    put(pg, ", ");
                esc(pg, s->named[k]->label);
                if (url_ok(s->named[k]->delist_url)) {
                    put(pg, " (");
                    link(pg, s->named[k]->delist_url, "lookup and delisting");
                    put(pg, ")");
                }
            }
            put(pg, "</p>\n");
        }
        if (r->dns.checked && r->dns.listings)
            ip_listings(pg, s->ip);
        put(pg, "</article>\n");
    }
}

/* ---- domains ---------------------------------------------------------- */

static void section_domains(struct page *pg)
{
    char a[32], b[32], pc[16];
    size_t n;
    struct domain_tally **d = aggregate_domains(pg->r->agg, &n);
    if (!n) {
        put(pg, "<p class=\"panel note\">No recipient domain had failures.</p>\n");
        free(d);
        return;
    }
    size_t shown = n < HTML_MAX_DOMAINS ? n : HTML_MAX_DOMAINS;
    if (shown < n)
        putf(pg,
             "<p class=\"cut\">Showing %s of %s domains with failures (most final failures "
             "first).</p>\n",
             fmt_count(shown, a, sizeof a), fmt_count(n, b, sizeof b));
    put(pg, "<div class=\"scroll\"><table id=\"domains\" class=\"data sortable\">\n"
            "<caption>Recipient domains with at least one failure. Failure rate: bounced + "
            "expired of all final outcomes (delivered, bounced, expired).</caption>\n"
            "<thead><tr><th scope=\"col\">Domain</th><th scope=\"col\">Provider</th>"
            "<th scope=\"col\" class=\"n\" data-type=\"num\">Delivered</th>"
            "<th scope=\"col\" class=\"n\" data-type=\"num\">Deferred</th>"
            "<th scope=\"col\" class=\"n\" data-type=\"num\">Bounced</th>"
            "<th scope=\"col\" class=\"n\" data-type=\"num\">Expired</th>"
            "<th scope=\"col\" class=\"n\" data-type=\"num\">Failure rate</th>"
            "</tr></thead><tbody>\n");
    for (size_t i = 0; i < shown; i++) {
        const struct domain_tally *t = d[i];
        uint64_t fin = finals(t->count), all = fin + t->count[DELIVERY_SENT];
        if (pg->r->domain_sent_unknown)
            all = 0; /* report --sender: the domains' deliveries are not known */
        /* the domain links to its failures: its first group, or (script) all of them */
        put(pg, "<tr><th scope=\"row\" class=\"mono\" data-label=\"Domain\">");
        uint32_t first = t->n_groups ? group_rank(pg, t->groups[0]) : 0;
        if (first && first <= pg->shown)
            putf(pg, "<a href=\"#g%" PRIu32 "\" data-filter=\"domain:\">", first);
        else
            put(pg, "<a href=\"#h-groups\" data-filter=\"domain:\">");
        esc_max(&pg->b, t->domain, 255);
        put(pg, "</a></th><td data-label=\"Provider\">");
        esc_max(&pg->b, t->provider, 200);
        put(pg, "</td>");
        if (pg->r->domain_sent_unknown)
            put(pg, "<td class=\"n\" data-v=\"-1\" data-label=\"Delivered\">–</td>");
        else
            td_num_l(pg, t->count[DELIVERY_SENT], "Delivered");
        td_num_l(pg, t->count[DELIVERY_DEFERRED], "Deferred");
        td_num_l(pg, t->count[DELIVERY_BOUNCED], "Bounced");
        td_num_l(pg, t->count[DELIVERY_EXPIRED], "Expired");
        putf(pg, "<td class=\"n\" data-v=\"%.6f\" data-label=\"Failure rate\">%s</td></tr>\n",
             all ? (double)fin / (double)all : -1.0, fmt_percent(fin, all, pc, sizeof pc));
    }
    put(pg, "</tbody></table></div>\n");
    free(d);
}

/* ---- what was read ---------------------------------------------------- */

static void section_read(struct page *pg)
{
    const struct report *r = pg->r;
    const struct scan_stats *st = r->stats;
    if (st) {
        put(pg, "<div class=\"scroll\"><table class=\"data\"><caption>Inputs, in the order "
                "read</caption><thead><tr><th scope=\"col\">File</th>"
                "<th scope=\"col\" class=\"n\">Lines</th><th scope=\"col\" class=\"n\">Bytes</th>"
                "<th scope=\"col\">First line</th><th scope=\"col\">Last line</th>"
                "</tr></thead><tbody>\n");
        for (size_t i = 0; i < st->n_inputs; i++) {
            const struct input_stats *in = &st->inputs[i];
            put(pg, "<tr><th scope=\"row\" class=\"mono\">");
            esc(pg, in->name);
            if (in->gzip) {
                put(pg, " <span class=\"small\">(");
                esc(pg, in->compression);
                put(pg, ")</span>");
            }
            put(pg, "</th>");
            if (in->failed) {
                put(pg, "<td colspan=\"4\">could not be opened</td></tr>\n");
                continue;
            }
            td_num(pg, in->lines);
            td_num(pg, in->bytes);
            td_time(pg, in->first, st->tz_minutes);
            td_time(pg, in->last, st->tz_minutes);
            put(pg, "</tr>\n");
        }
        put(pg, "</tbody></table></div>\n<p>");
        num(pg, st->lines);
        put(pg, " lines: ");
        num(pg, st->mta_lines);
        put(pg, " of the MTAs (");
        num(pg, st->delivery_lines);
        put(pg, " delivery status lines), ");
        num(pg, st->other_lines);
        put(pg, " other (other daemons, inbound mail, diagnostics).");
        if (st->first) {
            put(pg, " Time span: ");
            time_el(pg, st->first, st->tz_minutes);
            put(pg, " to ");
            time_el(pg, st->last, st->tz_minutes);
            put(pg, ".");
        }
        if (st->queue_live) {
            put(pg, " ");
            num(pg, st->queue_live);
            put(pg, " queue ids were still open at the end (messages still in the queue).");
        }
        put(pg, "</p>\n");
    }
    const struct problems *pr = r->problems;
    bool any = false;
    for (int k = 0; pr && k < PROBLEM_KIND_COUNT; k++) {
        const struct problem_tally *t = &pr->kinds[k];
        if (!t->count)
            continue;
        if (!any)
            put(pg, "<div class=\"problems\">\n");
        any = true;
        put(pg, "<h3>");
        put(pg, problem_is_informational(k) ? "Note: " : "Could not read: ");
        esc(pg, problem_label(k));
        put(pg, " — ");
        num(pg, t->count);
        put(pg, "</h3>\n");
        if (t->n_examples) {
            put(pg, "<pre class=\"log\">");
            for (unsigned e = 0; e < t->n_examples; e++) {
                esc(pg, t->examples[e].file ? t->examples[e].file : "");
                putf(pg, ":%" PRIu64 ": ", t->examples[e].line);
                esc(pg, t->examples[e].sample);
                put(pg, "\n");
            }
            put(pg, "</pre>\n");
        }
    }
    if (any)
        put(pg, "</div>\n");
    else
        put(pg, "<p>Every line was read.</p>\n");
}

static void section_footer(struct page *pg)
{
    const struct report *r = pg->r;
    put(pg, "<p>Generated ");
    if (r->generated) {
        time_t t = (time_t)r->generated;
        struct tm tm;
        int tz = localtime_r(&t, &tm) ? (int)(tm.tm_gmtoff / 60) : 0;
        time_el(pg, r->generated, tz);
    }
    put(pg, " by bouncescope " BS_VERSION " <code>");
    esc(pg, r->command);
    put(pg, "</code>, groups by <code>");
    esc(pg, r->group_by ? r->group_by : AGGREGATE_DEFAULT_GROUP_BY);
    put(pg, "</code>. This file is self-contained: it loads nothing from the network. "
            "<button type=\"button\" class=\"dl\" id=\"download-json\" hidden>Download the data "
            "as JSON</button></p>\n");
}

/* ---- template --------------------------------------------------------- */

/* read_template - one file of the reports directory into out; -1 with a message */
static int read_template(const char *dir, const char *name, struct strbuf *out)
{
    struct strbuf path = STRBUF_INIT;
    strbuf_addf(&path, "%s/%s", dir, name);
    FILE *f = fopen(path.s, "rb");
    if (!f) {
        msg_error("%s: %s (set BOUNCESCOPE_REPORTS to the reports directory)", path.s,
                  strerror(errno));
        strbuf_free(&path);
        return -1;
    }
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && out->len < HTML_TEMPLATE_MAX)
        strbuf_add(out, buf, n);
    int rc = 0;
    if (ferror(f) || out->len >= HTML_TEMPLATE_MAX) {
        msg_error("%s: %s", path.s,
                  ferror(f) ? strerror(errno) : "too large for a report template");
        rc = -1;
    }
    fclose(f);
    strbuf_free(&path);
    return rc;
}

/* reports_dir - $BOUNCESCOPE_REPORTS, else the directory set at build time */
static const char *reports_dir(void)
{
    const char *dir = getenv("BOUNCESCOPE_REPORTS");
    return dir && dir[0] ? dir : BS_REPORTS_DIR;
}

int html_template(const char *name, struct strbuf *out)
{
    return read_template(reports_dir(), name, out);
}

int html_expand(FILE *fp, const struct strbuf *tpl, html_fill_fn fill, void *ctx)
{
    const char *p = tpl->s ? tpl->s : "", *end = p + tpl->len;
    while (p < end) {
        const char *open = memmem(p, (size_t)(end - p), "{{", 2);
        const char *close = open ? memmem(open + 2, (size_t)(end - open - 2), "}}", 2) : NULL;
        if (!open || !close) {
            fwrite(p, 1, (size_t)(end - p), fp);
            break;
        }
        fwrite(p, 1, (size_t)(open - p), fp);
        if (fill(ctx, slice_trim(slice_make(open + 2, (size_t)(close - open - 2))), fp) < 0)
            return -1;
        p = close + 2;
    }
    return ferror(fp) ? -1 : 0;
}

/* flush - hand what is buffered to the stream */
static void flush(struct page *pg)
{
    if (pg->b.len)
        fwrite(pg->b.s, 1, pg->b.len, pg->fp);
    strbuf_reset(&pg->b);
}

/* fill - the content of one {{name}} marker; -1 for an unknown name */
static int fill(struct page *pg, struct slice name, const struct strbuf *css,
                const struct strbuf *js, const struct strbuf *head)
{
    if (slice_eq_cstr(name, "title")) {
        put(pg, "bouncescope: ");
        html_text(&pg->b, strbuf_slice(head));
    } else if (slice_eq_cstr(name, "generator")) {
        put(pg, "bouncescope " BS_VERSION);
    } else if (slice_eq_cstr(name, "headline")) {
        html_text(&pg->b, strbuf_slice(head));
    } else if (slice_eq_cstr(name, "subline")) {
        const struct aggregate_totals *t = aggregate_totals(pg->r->agg);
        if (t->first) {
            put(pg, "From ");
            time_el(pg, t->first, t->tz_minutes);
            put(pg, " to ");
            time_el(pg, t->last, t->tz_minutes);
        }
        if (pg->r->stats) {
            put(pg, t->first ? " · " : "");
            num(pg, pg->r->stats->lines);
            putf(pg, " lines from %zu input%s", pg->r->stats->n_inputs,
                 pg->r->stats->n_inputs == 1 ? "" : "s");
        }
    } else if (slice_eq_cstr(name, "css")) {
        strbuf_add(&pg->b, css->s ? css->s : "", css->len);
    } else if (slice_eq_cstr(name, "js")) {
        strbuf_add(&pg->b, js->s ? js->s : "", js->len);
    } else if (slice_eq_cstr(name, "causes")) {
        section_causes(pg);
    } else if (slice_eq_cstr(name, "groupdata")) {
        flush(pg);
        return write_group_data(pg);
    } else if (slice_eq_cstr(name, "totals")) {
        section_totals(pg);
    } else if (slice_eq_cstr(name, "chart")) {
        section_chart(pg);
    } else if (slice_eq_cstr(name, "groups")) {
        section_groups(pg);
    } else if (slice_eq_cstr(name, "ips")) {
        section_ips(pg);
    } else if (slice_eq_cstr(name, "domains")) {
        section_domains(pg);
    } else if (slice_eq_cstr(name, "read")) {
        section_read(pg);
    } else if (slice_eq_cstr(name, "footer")) {
        section_footer(pg);
    } else if (slice_eq_cstr(name, "json")) {
        /* the same report with the page's cut and without events; json_string
         * writes < > & as \u003c... so "</script>" cannot occur in it */
        struct report copy = *pg->r;
        copy.top = pg->shown;
        copy.detail = false;
        copy.spool = NULL;
        flush(pg);
        return write_json_cut(pg->fp, &copy, HTML_MAX_DOMAINS, HTML_MAX_IPS);
    } else {
        return -1;
    }
    flush(pg);
    return 0;
}

/* the report page's markers for html_expand */
struct page_fill {
    struct page *pg;
    const struct strbuf *css, *js, *head;
    const char *dir;
};

static int page_fill(void *ctx, struct slice name, FILE *fp)
{
    struct page_fill *pf = ctx;
    if (fill(pf->pg, name, pf->css, pf->js, pf->head) < 0) {
        if (!ferror(fp))
            msg_error("%s/report.html: unknown marker {{%.*s}}", pf->dir, (int)name.n, name.p);
        return -1;
    }
    return 0;
}

/* contains_ci - s holds needle, ignoring ASCII case */
static bool contains_ci(const struct strbuf *s, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; s->len >= n && i <= s->len - n; i++)
        if (!strncasecmp(s->s + i, needle, n))
            return true;
    return false;
}

int write_html(FILE *fp, const struct report *r)
{
    const char *dir = reports_dir();
    struct strbuf tpl = STRBUF_INIT, css = STRBUF_INIT, js = STRBUF_INIT, head = STRBUF_INIT;
    struct page pg = { .fp = fp, .b = STRBUF_INIT, .r = r };
    int rc = -1;
    if (read_template(dir, "report.html", &tpl) < 0 || read_template(dir, "report.css", &css) < 0 ||
        read_template(dir, "report.js", &js) < 0)
        goto out;
    /* our own files, but a stray end tag would break the page: refuse them */
    if (contains_ci(&css, "</style") || contains_ci(&js, "</script")) {
        msg_error("%s: report.css or report.js contains an end tag", dir);
        goto out;
    }
    pg.groups = aggregate_groups(r->agg, &pg.n_groups);
    pg.shown = r->top ? r->top : HTML_DEFAULT_TOP;
    if (pg.shown > pg.n_groups)
        pg.shown = pg.n_groups;
    pg.rank_of = calloc(pg.n_groups + 1, sizeof *pg.rank_of);
    pg.full_rank = calloc(pg.n_groups + 1, sizeof *pg.full_rank);
    if (!pg.rank_of || !pg.full_rank)
        goto out;
    for (size_t i = 0; i < pg.n_groups; i++)
        if (pg.groups[i]->id <= pg.n_groups)
            pg.full_rank[pg.groups[i]->id] = (uint32_t)(i + 1);
    for (size_t i = 0; i < pg.shown; i++)
        pg.rank_of[pg.groups[i]->id <= pg.n_groups ? pg.groups[i]->id : 0] = (uint32_t)(i + 1);
    pg.ips = aggregate_ips(r->agg, &pg.n_ips);
    pg.causes = aggregate_causes(r->agg, &pg.n_causes);
    pg.data_groups = group_data_size(&pg);
    report_headline(r, &head); /* the top cause with its share */

    struct page_fill pf = { &pg, &css, &js, &head, dir };
    rc = html_expand(fp, &tpl, page_fill, &pf);
out:
    free(pg.groups);
    free(pg.ips);
    free(pg.causes);
    free(pg.rank_of);
    free(pg.full_rank);
    strbuf_free(&pg.b);
    strbuf_free(&tpl);
    strbuf_free(&css);
    strbuf_free(&js);
    strbuf_free(&head);
    return rc;
}
