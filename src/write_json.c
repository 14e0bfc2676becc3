/*
 * write_json.c - the report as one JSON document (--format json), and the
 * data block the HTML report embeds.
 *
 * SYNOPSIS
 *   int write_json(FILE *fp, const struct report *r);
 *   int write_json_cut(FILE *fp, const struct report *r, size_t max_domains, size_t max_ips);
 *
 * DESCRIPTION
 *   One documented schema (README "JSON output", format "bouncescope-report",
 *   version 1) holding the same data as the text and CSV reports:
 *
 *     format, version, generator, command, generated, group_by
 *     run        lines, bytes, MTA/delivery/other lines, queue ids still open
 *                or evicted, time span, seconds
 *     inputs     [{name, lines, bytes, compressed_bytes, gzip, failed, first, last}]
 *     problems   [{kind, label, informational, count, examples:[{file, line, sample}]}]
 *     totals     sent, deferred, bounced, expired, final_failures, failure_rate,
 *                first, last
 *     groups_total, groups_shown, groups
 *                [{rank, id, provider, remote_host, domain, reason, reason_label,
 *                  dsn, blocklist, fingerprint, template, bounced, expired,
 *                  deferred, delivered_later, recipients, messages, domains,
 *                  hosts, first_seen, last_seen, is_new, implicated_ips,
 *                  sample, sample_domains, sample_recipients}]
 *     blocklists checked, note, ips_total, ips_shown, ips:[{ip, failures, ours, named, groups,
 *                status, listings:[{list_id, list_label, zone, status, codes,
 *                meaning, txt, delist_url, advice, detail}]}]
 *     domains_total, domains_shown,
 *     domains    [{domain, provider, sent, deferred, bounced, expired, failure_rate}]
 *     time_buckets  width_seconds, buckets:[{start, total, by_reason:{name: n}}]
 *     reasons    [{name, label, advice}]   (the reason table, in its order)
 *     events     with --detail only: [{<event column name>: value}] - the
 *                columns of event.h, all strings except attempts and line
 *
 *   Groups are ranked as aggregate_groups returns them (final failures
 *   first); r->top, when set, cuts the list and groups_total says how many
 *   there were. Times are ISO 8601 with their offset; failure rates are
 *   fractions (0.25), null when there is no final outcome to divide by.
 *
 *   Written through json.c, the JSON writer every document shares. Every
 *   string goes through json_string: invalid UTF-8 becomes U+FFFD (the
 *   document is always valid UTF-8) and < > & are written as \u003c \u003e
 *   \u0026, so the same bytes can sit inside an HTML <script> element - which
 *   is how write_html.c embeds it: write_json_cut on a copy of the report
 *   with the page's group cut and no events, and at most as many domains and
 *   IPs as the page shows, so the page stays small for a large log.
 *
 *   Events are streamed from the spool one at a time; nothing else here
 *   grows with the size of the log. The document without --detail stays under
 *   50 MB whatever the log holds: groups are written while their estimated
 *   size (an upper bound of what json_string makes of each string) fits in
 *   JSON_GROUPS_BYTES, domains in JSON_DOMAINS_BYTES and IPs in JSON_IPS_BYTES;
 *   groups_shown, domains_shown and ips_shown say how many were written.
 *
 * DIAGNOSTICS
 *   Returns -1 when the stream reports a write error, else 0.
 *
 *   This module does NOT compute anything the other writers would need and
 *   does NOT decide what the spool holds (the caller sets r->spool).
 *
 * Not here: the HTML page (write_html.c), which embeds this JSON.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fingerprint.h"
#include "json.h"
#include "problems.h"
#include "report.h"

/* the document's parts that grow with the log, at most (bytes, estimated): 50 MB
 * in all with the rest (the aggregate already caps groups and domains; these hold
 * for groups with 64 KiB texts too) */
#define JSON_GROUPS_BYTES (32u << 20)
#define JSON_DOMAINS_BYTES (8u << 20)
#define JSON_IPS_BYTES (4u << 20)

/* json_len - an upper bound of the bytes json_string writes for s (escapes: 6
 * bytes for a control or < > & " \, 3 for a byte that is not ASCII) */
static size_t json_len(const char *s)
{
    size_t n = 4; /* quotes, separator */
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        n += *p < 0x20 || *p == '"' || *p == '\\' || *p == '<' || *p == '>' || *p == '&' ? 6
             : *p >= 0x80                                                                ? 3
                                                                                         : 1;
    return n;
}

/* group_len - an upper bound of a group's bytes in the document */
static size_t group_len(const struct group *g)
{
    size_t n = 1500 + json_len(g->provider) + json_len(g->remote_host) + json_len(g->domain) +
               json_len(g->dsn) + json_len(g->template_text) + json_len(g->sample_text) +
               json_len(g->sample_recipient) + json_len(g->sample_file) +
               json_len(reason_label_of(g->reason, g->own_fault));
    for (unsigned k = 0; k < g->n_ips; k++)
        n += 200 + json_len(g->ips[k].ip);
    for (unsigned k = 0; k < g->n_sample_domains; k++)
        n += json_len(g->sample_domains[k]);
    for (unsigned k = 0; k < g->n_sample_recipients; k++)
        n += json_len(g->sample_recipients[k]);
    return n;
}

/* local_offset_minutes - this machine's UTC offset at when, for "generated" */
static int local_offset_minutes(int64_t when)
{
    time_t t = (time_t)when;
    struct tm tm;
    if (!localtime_r(&t, &tm))
        return 0;
    return (int)(tm.tm_gmtoff / 60);
}

static void write_run(struct jw *w, const struct report *r)
{
    const struct scan_stats *st = r->stats;
    jw_open(w, "run", '{', false);
    if (st) {
        jw_u64(w, "lines", st->lines);
        jw_u64(w, "bytes", st->bytes);
        jw_u64(w, "mta_lines", st->mta_lines);
        jw_u64(w, "delivery_lines", st->delivery_lines);
        jw_u64(w, "other_lines", st->other_lines);
        jw_u64(w, "queue_live", st->queue_live);
        jw_u64(w, "queue_evicted", st->queue_evicted);
        jw_time(w, "first", st->first, st->tz_minutes);
        jw_time(w, "last", st->last, st->tz_minutes);
        jw_seconds(w, "seconds", st->seconds);
    }
    jw_close(w, '}');
    jw_open(w, "inputs", '[', false);
    for (size_t i = 0; st && i < st->n_inputs; i++) {
        const struct input_stats *in = &st->inputs[i];
        jw_open(w, NULL, '{', true);
        jw_cstr(w, "name", in->name);
        jw_u64(w, "lines", in->lines);
        jw_u64(w, "bytes", in->bytes);
        jw_u64(w, "compressed_bytes", in->compressed_bytes);
        jw_bool(w, "gzip", in->gzip);
        jw_cstr(w, "compression", in->gzip ? in->compression : "");
        jw_bool(w, "failed", in->failed);
        jw_time(w, "first", in->first, st->tz_minutes);
        jw_time(w, "last", in->last, st->tz_minutes);
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

static void write_problems(struct jw *w, const struct problems *pr)
{
    jw_open(w, "problems", '[', false);
    for (int k = 0; pr && k < PROBLEM_KIND_COUNT; k++) {
        const struct problem_tally *t = &pr->kinds[k];
        if (!t->count)
            continue;
        jw_open(w, NULL, '{', false);
        jw_cstr(w, "kind", problem_name(k));
        jw_cstr(w, "label", problem_label(k));
        jw_bool(w, "informational", problem_is_informational(k));
        jw_u64(w, "count", t->count);
        jw_open(w, "examples", '[', false);
        for (unsigned e = 0; e < t->n_examples; e++) {
            jw_open(w, NULL, '{', true);
            jw_cstr(w, "file", t->examples[e].file);
            jw_u64(w, "line", t->examples[e].line);
            jw_cstr(w, "sample", t->examples[e].sample);
            jw_close(w, '}');
        }
        jw_close(w, ']');
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

static void write_totals(struct jw *w, const struct aggregate_totals *t)
{
    uint64_t finals = t->count[DELIVERY_BOUNCED] + t->count[DELIVERY_EXPIRED];
    jw_open(w, "totals", '{', false);
    jw_u64(w, "sent", t->count[DELIVERY_SENT]);
    jw_u64(w, "deferred", t->count[DELIVERY_DEFERRED]);
    jw_u64(w, "bounced", t->count[DELIVERY_BOUNCED]);
    jw_u64(w, "expired", t->count[DELIVERY_EXPIRED]);
    jw_u64(w, "final_failures", finals);
    jw_rate(w, "failure_rate", finals, finals + t->count[DELIVERY_SENT]);
    jw_time(w, "first", t->first, t->tz_minutes);
    jw_time(w, "last", t->last, t->tz_minutes);
    jw_close(w, '}');
}

static void write_blocklist_ref(struct jw *w, const char *key, const struct blocklist_ref *b)
{
    if (!b) {
        jw_null(w, key);
        return;
    }
    jw_open(w, key, '{', true);
    jw_cstr(w, "id", b->id);
    jw_cstr(w, "label", b->label);
    jw_cstr_or_null(w, "delist_url", b->delist_url);
    jw_close(w, '}');
}

static void write_group(struct jw *w, const struct report *r, const struct group *g, size_t rank)
{
    char hex[17];
    struct strbuf lists = STRBUF_INIT;
    jw_open(w, NULL, '{', false);
    jw_u64(w, "rank", rank);
    jw_u64(w, "id", g->id);
    jw_cstr(w, "provider", g->provider);
    jw_cstr(w, "remote_host", g->remote_host);
    jw_cstr(w, "domain", g->domain);
    jw_cstr(w, "sender", g->sender);
    jw_cstr(w, "reason", g->reason ? g->reason->name : "undefined");
    jw_cstr(w, "reason_label", reason_label_of(g->reason, g->own_fault));
    jw_cstr(w, "dsn", g->dsn);
    write_blocklist_ref(w, "blocklist", g->blocklist);
    fingerprint_hex(g->fingerprint, hex);
    jw_cstr(w, "fingerprint", hex);
    jw_cstr(w, "template", g->template_text);
    jw_u64(w, "bounced", g->count[DELIVERY_BOUNCED]);
    jw_u64(w, "expired", g->count[DELIVERY_EXPIRED]);
    jw_u64(w, "deferred", g->count[DELIVERY_DEFERRED]);
    jw_u64(w, "delivered_later", g->delivered_later);
    jw_u64(w, "recipients", g->recipients);
    jw_u64(w, "messages", g->messages);
    jw_u64(w, "domains", g->domains);
    jw_u64(w, "hosts", g->hosts);
    jw_time(w, "first_seen", g->first, g->tz_minutes);
    jw_time(w, "last_seen", g->last, g->tz_minutes);
    jw_bool(w, "is_new", g->is_new);
    jw_u64(w, "cause", g->cause_id);
    jw_open(w, "implicated_ips", '[', false);
    for (unsigned k = 0; k < g->n_ips; k++) {
        jw_open(w, NULL, '{', true);
        jw_cstr(w, "ip", g->ips[k].ip);
        jw_u64(w, "failures", g->ips[k].count);
        jw_cstr(w, "status", report_ip_status(r, g->ips[k].ip));
        strbuf_reset(&lists);
        report_ip_lists(r, g->ips[k].ip, &lists);
        jw_str(w, "lists", strbuf_slice(&lists));
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_open(w, "sample", '{', false);
    jw_cstr(w, "text", g->sample_text);
    jw_cstr(w, "recipient", g->sample_recipient);
    jw_cstr(w, "file", g->sample_file);
    jw_u64(w, "line", g->sample_line);
    jw_cstr(w, "text_source", text_source_name(g->text_source));
    jw_bool(w, "own_fault", g->own_fault);
    jw_close(w, '}');
    jw_open(w, "sample_domains", '[', true);
    for (unsigned k = 0; k < g->n_sample_domains; k++)
        jw_cstr(w, NULL, g->sample_domains[k]);
    jw_close(w, ']');
    jw_open(w, "sample_recipients", '[', true);
    for (unsigned k = 0; k < g->n_sample_recipients; k++)
        jw_cstr(w, NULL, g->sample_recipients[k]);
    jw_close(w, ']');
    jw_close(w, '}');
    strbuf_free(&lists);
}

static void write_groups(struct jw *w, const struct report *r)
{
    size_t n;
    struct group **groups = aggregate_groups(r->agg, &n);
    size_t shown = r->top && r->top < n ? r->top : n;
    size_t bytes = 0;
    for (size_t i = 0; i < shown; i++) {
        bytes += group_len(groups[i]);
        if (bytes > JSON_GROUPS_BYTES)
            shown = i;
    }
    jw_u64(w, "groups_total", n);
    jw_u64(w, "groups_shown", shown);
    jw_open(w, "groups", '[', false);
    for (size_t i = 0; i < shown; i++)
        write_group(w, r, groups[i], i + 1);
    jw_close(w, ']');
    free(groups);
}

#define JSON_CAUSE_GROUPS 20 /* group ids listed per cause */

static void write_cause(struct jw *w, const struct report *r, const struct cause *c, size_t rank,
                        struct group *const *groups, size_t n_groups)
{
    const struct aggregate_totals *t = aggregate_totals(r->agg);
    uint64_t fin = t->count[DELIVERY_BOUNCED] + t->count[DELIVERY_EXPIRED];
    struct strbuf tmp = STRBUF_INIT;
    char hex[17];
    jw_open(w, NULL, '{', false);
    jw_u64(w, "rank", rank);
    jw_u64(w, "id", c->id);
    jw_str(w, "key", slice_make(c->key, c->keylen));
    jw_cstr(w, "side", reason_side_name(c->side));
    jw_cstr(w, "who", cause_who(c));
    jw_cstr(w, "reason", c->reason ? c->reason->name : "undefined");
    jw_cstr(w, "reason_label", reason_label_of(c->reason, c->own));
    cause_title(c, &tmp);
    jw_str(w, "title", strbuf_slice(&tmp));
    if (c->side == SIDE_US || c->side == SIDE_UNKNOWN) {
        fingerprint_hex(c->fingerprint, hex);
        jw_cstr(w, "fingerprint", hex);
    } else {
        jw_null(w, "fingerprint");
    }
    jw_cstr(w, "template", c->template_text);
    jw_cstr_or_null(w, "implicated_ip", c->ip);
    if (c->ip[0]) {
        jw_cstr(w, "ip_status", report_ip_status(r, c->ip));
        strbuf_reset(&tmp);
        report_ip_lists(r, c->ip, &tmp);
        jw_str(w, "ip_lists", strbuf_slice(&tmp));
    } else {
        jw_null(w, "ip_status");
        jw_null(w, "ip_lists");
    }
    write_blocklist_ref(w, "blocklist", c->blocklist);
    if (c->side == SIDE_RECEIVER)
        jw_cstr(w, "provider", c->provider);
    else
        jw_null(w, "provider");
    jw_cstr(w, "dsn", c->dsn);
    jw_u64(w, "bounced", c->count[DELIVERY_BOUNCED]);
    jw_u64(w, "expired", c->count[DELIVERY_EXPIRED]);
    jw_u64(w, "deferred", c->count[DELIVERY_DEFERRED]);
    jw_u64(w, "final_failures", cause_finals(c));
    jw_rate(w, "final_share", cause_finals(c), fin);
    jw_rate(w, "deferral_share", c->count[DELIVERY_DEFERRED], t->count[DELIVERY_DEFERRED]);
    jw_u64(w, "recipients", c->recipients);
    jw_u64(w, "messages", c->messages);
    jw_u64(w, "domains", c->domains);
    jw_u64(w, "providers", c->providers);
    jw_open(w, "sample_providers", '[', true);
    for (unsigned k = 0; k < c->n_sample_providers; k++)
        jw_cstr(w, NULL, c->sample_providers[k]);
    jw_close(w, ']');
    jw_open(w, "sample_domains", '[', true);
    for (unsigned k = 0; k < c->n_sample_domains; k++)
        jw_cstr(w, NULL, c->sample_domains[k]);
    jw_close(w, ']');
    jw_time(w, "first_seen", c->first, c->tz_minutes);
    jw_time(w, "last_seen", c->last, c->tz_minutes);
    jw_bool(w, "is_new", c->is_new);
    strbuf_reset(&tmp);
    cause_action(c, &tmp);
    jw_str(w, "action", strbuf_slice(&tmp));
    uint32_t ids[JSON_CAUSE_GROUPS];
    size_t k = report_cause_groups(groups, n_groups, c, ids, JSON_CAUSE_GROUPS);
    jw_u64(w, "groups_total", k);
    jw_open(w, "groups", '[', true);
    for (size_t i = 0; i < k && i < JSON_CAUSE_GROUPS; i++)
        jw_u64(w, NULL, ids[i]);
    jw_close(w, ']');
    jw_close(w, '}');
    strbuf_free(&tmp);
}

/* write_causes - the headline, the new causes' ids, and every cause (they are few) */
static void write_causes(struct jw *w, const struct report *r)
{
    struct strbuf head = STRBUF_INIT;
    report_headline(r, &head);
    jw_str(w, "headline", strbuf_slice(&head));
    strbuf_free(&head);
    size_t n, n_groups;
    struct cause **causes = aggregate_causes(r->agg, &n);
    struct group **groups = aggregate_groups(r->agg, &n_groups);
    /* what is new comes first: the ids of the causes no earlier run saw */
    jw_open(w, "new_causes", '[', true);
    for (size_t i = 0; i < n; i++)
        if (causes[i]->is_new)
            jw_u64(w, NULL, causes[i]->id);
    jw_close(w, ']');
    jw_u64(w, "causes_total", n);
    jw_open(w, "causes", '[', false);
    for (size_t i = 0; i < n; i++)
        write_cause(w, r, causes[i], i + 1, groups, n_groups);
    jw_close(w, ']');
    free(groups);
    free(causes);
}

static void write_listing(struct jw *w, const struct report_listing *l)
{
    jw_open(w, NULL, '{', true);
    jw_cstr(w, "list_id", l->list_id);
    jw_cstr(w, "list_label", l->list_label);
    jw_cstr(w, "zone", l->zone);
    jw_cstr(w, "status", l->status);
    jw_cstr(w, "codes", l->codes);
    jw_cstr(w, "meaning", l->meaning);
    jw_cstr(w, "txt", l->txt);
    jw_cstr_or_null(w, "delist_url", l->delist_url);
    jw_cstr(w, "advice", l->advice);
    jw_cstr(w, "detail", l->detail);
    jw_close(w, '}');
}

static void write_blocklists(struct jw *w, const struct report *r, size_t max)
{
    size_t n;
    struct ip_summary **ips = aggregate_ips(r->agg, &n);
    size_t shown = max && max < n ? max : n;
    size_t bytes = 0;
    for (size_t i = 0; i < shown; i++) {
        /* a checked IP carries a listing per list: a few hundred bytes each */
        bytes += (r->dns.checked ? 8000 : 600) + json_len(ips[i]->ip) + 40 * ips[i]->n_groups +
                 200 * ips[i]->n_named;
        if (bytes > JSON_IPS_BYTES)
            shown = i;
    }
    jw_open(w, "blocklists", '{', false);
    jw_bool(w, "checked", r->dns.checked);
    jw_cstr_or_null(w, "note", r->dns.note);
    jw_u64(w, "ips_total", n);
    jw_u64(w, "ips_shown", shown);
    jw_open(w, "ips", '[', false);
    for (size_t i = 0; i < shown; i++) {
        const struct ip_summary *s = ips[i];
        jw_open(w, NULL, '{', false);
        jw_cstr(w, "ip", s->ip);
        jw_u64(w, "failures", s->events);
        jw_bool(w, "ours", s->ours);
        jw_open(w, "named", '[', true);
        for (unsigned k = 0; k < s->n_named; k++)
            write_blocklist_ref(w, NULL, s->named[k]);
        jw_close(w, ']');
        jw_open(w, "groups", '[', true);
        for (unsigned k = 0; k < s->n_groups; k++)
            jw_u64(w, NULL, s->groups[k]);
        jw_close(w, ']');
        jw_cstr(w, "status", report_ip_status(r, s->ip));
        jw_open(w, "listings", '[', false);
        if (r->dns.checked && r->dns.listings) {
            const struct report_listing *ls;
            size_t m = r->dns.listings(r->dns.ctx, s->ip, &ls);
            for (size_t k = 0; k < m; k++)
                write_listing(w, &ls[k]);
        }
        jw_close(w, ']');
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_close(w, '}');
    free(ips);
}

static void write_domains(struct jw *w, const struct report *r, size_t max)
{
    size_t n;
    struct domain_tally **d = aggregate_domains(r->agg, &n);
    size_t shown = max && max < n ? max : n;
    size_t bytes = 0;
    for (size_t i = 0; i < shown; i++) {
        bytes += 200 + json_len(d[i]->domain) + json_len(d[i]->provider);
        if (bytes > JSON_DOMAINS_BYTES)
            shown = i;
    }
    jw_u64(w, "domains_total", n);
    jw_u64(w, "domains_shown", shown);
    jw_open(w, "domains", '[', false);
    for (size_t i = 0; i < shown; i++) {
        uint64_t finals = d[i]->count[DELIVERY_BOUNCED] + d[i]->count[DELIVERY_EXPIRED];
        jw_open(w, NULL, '{', true);
        jw_cstr(w, "domain", d[i]->domain);
        jw_cstr(w, "provider", d[i]->provider);
        if (r->domain_sent_unknown)
            jw_null(w, "sent");
        else
            jw_u64(w, "sent", d[i]->count[DELIVERY_SENT]);
        jw_u64(w, "deferred", d[i]->count[DELIVERY_DEFERRED]);
        jw_u64(w, "bounced", d[i]->count[DELIVERY_BOUNCED]);
        jw_u64(w, "expired", d[i]->count[DELIVERY_EXPIRED]);
        jw_rate(w, "failure_rate", finals,
                r->domain_sent_unknown ? 0 : finals + d[i]->count[DELIVERY_SENT]);
        jw_close(w, '}');
    }
    jw_close(w, ']');
    free(d);
}

/* reason_names - the reason of each index: from the classifier's table, or
 * (a report built without one, as in tests) from the groups; caller frees */
static const struct reason **reason_names(const struct report *r, size_t n_reasons)
{
    const struct reason **v = calloc(n_reasons + 1, sizeof *v);
    if (!v)
        return NULL;
    if (r->classifier) {
        size_t m = classifier_reason_count(r->classifier);
        for (size_t i = 0; i < m && i < n_reasons; i++)
            v[i] = classifier_reason_at(r->classifier, i);
        return v;
    }
    size_t n;
    struct group **groups = aggregate_groups(r->agg, &n);
    for (size_t i = 0; i < n; i++) {
        const struct reason *re = groups[i]->reason;
        if (re && re->index >= 0 && (size_t)re->index < n_reasons)
            v[re->index] = re;
    }
    free(groups);
    return v;
}

static void write_buckets(struct jw *w, const struct report *r)
{
    size_t n, n_reasons = aggregate_n_reasons(r->agg);
    int64_t width;
    struct time_bucket **b = aggregate_buckets(r->agg, &n, &width);
    const struct reason **names = reason_names(r, n_reasons);
    int tz = aggregate_totals(r->agg)->tz_minutes;
    jw_open(w, "time_buckets", '{', false);
    jw_u64(w, "width_seconds", (uint64_t)width);
    jw_open(w, "buckets", '[', false);
    for (size_t i = 0; i < n; i++) {
        uint64_t total = 0;
        for (size_t k = 0; k <= n_reasons; k++)
            total += b[i]->by_reason[k];
        jw_open(w, NULL, '{', true);
        jw_time(w, "start", b[i]->start, tz);
        jw_u64(w, "total", total);
        jw_open(w, "by_reason", '{', true);
        for (size_t k = 0; k <= n_reasons; k++) {
            if (!b[i]->by_reason[k])
                continue;
            const char *name = k < n_reasons && names && names[k] ? names[k]->name : "undefined";
            jw_u64(w, name, b[i]->by_reason[k]);
        }
        jw_close(w, '}');
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_close(w, '}');
    free(names);
    free(b);
}

static void write_reason(struct jw *w, const struct reason *re)
{
    jw_open(w, NULL, '{', true);
    jw_cstr(w, "name", re->name);
    jw_cstr(w, "label", re->label);
    jw_cstr(w, "advice", re->advice);
    /* a fault of our own system (a sample's own_fault): null when the reply's serve */
    jw_cstr_or_null(w, "own_side", re->has_own ? reason_side_name(re->own_side) : NULL);
    jw_cstr_or_null(w, "own_label", re->has_own ? re->own_label : NULL);
    jw_cstr_or_null(w, "own_advice", re->has_own ? re->own_advice : NULL);
    jw_close(w, '}');
}

static void write_reasons(struct jw *w, const struct report *r)
{
    size_t n_reasons = aggregate_n_reasons(r->agg);
    jw_open(w, "reasons", '[', false);
    if (r->classifier) {
        size_t m = classifier_reason_count(r->classifier);
        for (size_t i = 0; i < m; i++)
            write_reason(w, classifier_reason_at(r->classifier, i));
    } else {
        const struct reason **names = reason_names(r, n_reasons);
        for (size_t i = 0; names && i < n_reasons; i++)
            if (names[i])
                write_reason(w, names[i]);
        free(names);
    }
    jw_close(w, ']');
}

/* write_events - one object per spooled event, keys are the event column names */
static void write_events(struct jw *w, const struct report *r)
{
    const struct event_column *cols = event_columns();
    struct strbuf val = STRBUF_INIT;
    struct ip_status_lookup ips = report_event_ip_lookup(r);
    struct event e;
    jw_open(w, "events", '[', false);
    event_spool_rewind(r->spool);
    while (event_spool_next(r->spool, &e)) {
        jw_open(w, NULL, '{', true);
        for (size_t c = 0; c < EVENT_N_COLUMNS; c++) {
            if (!event_column_shown(&cols[c]))
                continue;
            if (event_column_number(&cols[c])) {
                jw_u64(w, cols[c].name, (uint64_t)event_get_int(&e, &cols[c]));
                continue;
            }
            strbuf_reset(&val);
            event_column_value(&e, &cols[c], &ips, &val);
            jw_str(w, cols[c].name, strbuf_slice(&val));
        }
        jw_close(w, '}');
    }
    jw_close(w, ']');
    strbuf_free(&val);
}

/* write_json_cut - the report with at most max_domains domains and max_ips
 * implicated IPs (0: all), for the page that embeds it */
int write_json_cut(FILE *fp, const struct report *r, size_t max_domains, size_t max_ips)
{
    struct jw w;
    char buf[48];
    jw_begin(&w, fp);
    jw_open(&w, NULL, '{', false);
    jw_cstr(&w, "format", "bouncescope-report");
    jw_u64(&w, "version", 2);
    jw_cstr(&w, "generator", "bouncescope " BS_VERSION);
    jw_cstr(&w, "command", r->command);
    jw_cstr_or_null(
        &w, "generated",
        r->generated ? fmt_time(r->generated, local_offset_minutes(r->generated), buf, sizeof buf)
                     : NULL);
    jw_cstr(&w, "group_by", r->group_by ? r->group_by : AGGREGATE_DEFAULT_GROUP_BY);
    if (r->empty_note) /* why there is nothing to show (not an all-clear) */
        jw_cstr(&w, "note", r->empty_note);
    write_run(&w, r);
    write_problems(&w, r->problems);
    write_totals(&w, aggregate_totals(r->agg));
    write_causes(&w, r);
    write_groups(&w, r);
    write_blocklists(&w, r, max_ips);
    write_domains(&w, r, max_domains);
    write_buckets(&w, r);
    write_reasons(&w, r);
    jw_bool(&w, "detail", r->detail && r->spool);
    if (r->detail && r->spool)
        write_events(&w, r);
    jw_close(&w, '}');
    return jw_end(&w);
}

int write_json(FILE *fp, const struct report *r)
{
    return write_json_cut(fp, r, 0, 0);
}
