/*
 * dns_stage.c - implicated IPs -> DNS blocklist results for the writers.
 *
 * Collects the IPs of the aggregate (those rejection texts name, and
 * --our-ip), runs them through the c-ares engine (dnsbl.c) and answers the
 * writers' questions through struct report_dns. It decides nothing about
 * listings itself: status words, codes, meanings and advice come from the
 * engine and the catalogue. Without engine settings (--no-dns) nothing is
 * queried and every IP is "unchecked" - never "clean".
 */
#include "dns_stage.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnsbl.h"
#include "store.h"
#include "util/msg.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

struct dns_stage {
    struct dnsbl *d;
    struct report_listing *listings; /* scratch for the last listings() call */
    size_t cap;
    struct strbuf strings; /* owns the codes/meaning text of that call */
    char **owned;          /* pointers into `strings` are unstable: separate copies */
    size_t n_owned, cap_owned;
    char note[160];
};

static const char *keep(struct dns_stage *s, const char *text)
{
    if (s->n_owned == s->cap_owned) {
        s->cap_owned = s->cap_owned ? s->cap_owned * 2 : 16;
        s->owned = xrealloc(s->owned, s->cap_owned * sizeof *s->owned);
    }
    return s->owned[s->n_owned++] = xstrdup(text);
}

static void drop_kept(struct dns_stage *s)
{
    for (size_t i = 0; i < s->n_owned; i++)
        free(s->owned[i]);
    s->n_owned = 0;
}

static const char *stage_status(void *ctx, const char *ip)
{
    struct dns_stage *s = ctx;
    const struct dnsbl_entry *e = dnsbl_get(s->d, ip);
    return dnsbl_status_word(e ? e->summary : DNSBL_UNCHECKED);
}

static size_t stage_listings(void *ctx, const char *ip, const struct report_listing **out)
{
    struct dns_stage *s = ctx;
    const struct dnsbl_entry *e = dnsbl_get(s->d, ip);
    drop_kept(s);
    *out = NULL;
    if (!e)
        return 0;
    if (s->cap < e->n_results) {
        s->cap = e->n_results;
        s->listings = xrealloc(s->listings, s->cap * sizeof *s->listings);
    }
    struct strbuf codes = STRBUF_INIT, meaning = STRBUF_INIT;
    for (size_t i = 0; i < e->n_results; i++) {
        const struct dnsbl_result *r = &e->results[i];
        struct report_listing *l = &s->listings[i];
        strbuf_reset(&codes);
        strbuf_reset(&meaning);
        for (size_t k = 0; k < r->n_codes; k++) {
            strbuf_addf(&codes, "%s%s", k ? "," : "", r->codes[k].addr);
            strbuf_addf(&meaning, "%s%s%s%s", k ? "; " : "", r->codes[k].tag ? r->codes[k].tag : "",
                        r->codes[k].tag && r->codes[k].tag[0] ? ": " : "",
                        r->codes[k].meaning ? r->codes[k].meaning : "");
        }
        l->list_id = r->list_id;
        l->list_label = r->list_label;
        l->zone = r->zone;
        l->status = dnsbl_status_word(r->status);
        l->codes = keep(s, strbuf_cstr(&codes));
        l->meaning = keep(s, strbuf_cstr(&meaning));
        l->txt = r->txt;
        l->delist_url = r->delist_url;
        l->advice = r->advice;
        l->detail = r->reason;
    }
    strbuf_free(&codes);
    strbuf_free(&meaning);
    *out = s->listings;
    return e->n_results;
}

/* cache_lookup / cache_store - the engine's persistent cache, over the store */
static int cache_lookup(void *arg, const char *address, const char *zone, struct dnsbl_cached *out)
{
    struct store_dnsbl row;
    int64_t now = (int64_t)time(NULL);
    if (store_dnsbl_get(arg, address, zone, now, &row) != 1)
        return 0;
    if (strcmp(row.status, "listed") && strcmp(row.status, "not_listed"))
        return 0;
    out->status = !strcmp(row.status, "listed") ? DNSBL_LISTED : DNSBL_NOT_LISTED;
    out->codes = row.codes ? row.codes : "";
    out->txt = row.txt ? row.txt : "";
    int64_t left = row.checked + row.ttl - now;
    out->ttl = left > 0 ? (uint32_t)left : 0;
    return 1;
}

static void cache_store(void *arg, const char *address, const char *zone,
                        const struct dnsbl_cached *in)
{
    struct store_dnsbl row = {
        .status = dnsbl_status_word(in->status),
        .codes = in->codes,
        .txt = in->txt,
        .checked = (int64_t)time(NULL),
        .ttl = in->ttl,
    };
    store_dnsbl_put(arg, address, zone, &row);
}

struct dns_stage *dns_stage_run(const struct dnsbl_config *config, struct aggregate *agg,
                                struct store *store, struct report_dns *dns)
{
    struct dns_stage *s = xcalloc(1, sizeof *s);
    memset(dns, 0, sizeof *dns);
    dns->ctx = s;
    dns->status = stage_status;
    dns->listings = stage_listings;
    if (!config) {
        dns->note = "not checked (--no-dns)";
        return s;
    }
    size_t n;
    struct ip_summary **ips = aggregate_ips(agg, &n);
    if (!n) {
        free(ips);
        dns->note = "nothing to check";
        return s;
    }
    struct dnsbl_config cfg = *config;
    if (store) {
        cfg.cache_lookup = cache_lookup;
        cfg.cache_store = cache_store;
        cfg.cache_arg = store;
    }
    struct strbuf err = STRBUF_INIT;
    s->d = dnsbl_new(&cfg, &err);
    if (!s->d) {
        snprintf(s->note, sizeof s->note, "not checked (%s)", strbuf_cstr(&err));
        msg_warn("blocklist checks skipped: %s", strbuf_cstr(&err));
        dns->note = s->note;
        strbuf_free(&err);
        free(ips);
        return s;
    }
    for (size_t i = 0; i < n; i++)
        if (dnsbl_add(s->d, ips[i]->ip) < 0)
            msg_warn("implicated IP '%s' is not an address; not checked", ips[i]->ip);
    free(ips);
    if (dnsbl_run(s->d, &err) < 0) {
        snprintf(s->note, sizeof s->note, "not checked (%s)", strbuf_cstr(&err));
        msg_warn("blocklist checks failed: %s", strbuf_cstr(&err));
        dns->note = s->note;
        strbuf_free(&err);
        return s;
    }
    strbuf_free(&err);
    dns->checked = true;
    const struct dnsbl_stats *st = dnsbl_stats(s->d);
    snprintf(s->note, sizeof s->note, "%zu lookup%s, %zu from the cache, %zu timeout%s",
             st->lookups, st->lookups == 1 ? "" : "s", st->cache_hits, st->timeouts,
             st->timeouts == 1 ? "" : "s");
    dns->note = s->note;
    return s;
}

void dns_stage_free(struct dns_stage *s)
{
    if (!s)
        return;
    drop_kept(s);
    free(s->owned);
    free(s->listings);
    strbuf_free(&s->strings);
    dnsbl_free(s->d);
    free(s);
}
