/*
 * aggregate.c - groups, tallies and time buckets (see aggregate.h).
 *
 * One hash lookup per event finds its group; distinct counts are sets of
 * hash(group id, value). Groups, domains and IPs live in hashmaps owned
 * here; the sorted views are arrays of pointers into them.
 *
 * Not here: deciding reasons or keys (classify.c, fingerprint.c), formatting (write_*.c).
 */
#include "aggregate.h"

#include "fingerprint.h"
#include "providers.h"

#include <stdlib.h>
#include <string.h>

#include "util/hashmap.h"
#include "util/u64set.h"
#include "util/xalloc.h"

#define BUCKET_WIDTH 3600
#define REGISTRABLE_CACHE_MAX 100000 /* host names; later ones are looked up every time */

struct aggregate {
    unsigned fields;
    size_t n_reasons;
    struct hashmap *groups; /* key -> struct group */
    struct group **by_id;   /* id - 1 -> group */
    size_t n_groups, cap_groups;
    struct hashmap *domains;     /* domain -> struct domain_tally */
    struct hashmap *ips;         /* ip -> struct ip_summary */
    struct hashmap *buckets;     /* int64 start -> struct time_bucket */
    struct hashmap *templates;   /* fingerprint -> template text, shared by the groups */
    struct hashmap *senders;     /* sender domain -> (unused) */
    struct hashmap *registrable; /* remote host (as logged) -> its registrable domain */
    struct u64set seen_rcpt, seen_msg, seen_domain, seen_host;
    struct aggregate_totals totals;
    struct strbuf key, label;
    struct cause_table *causes; /* what one fix removes (cause.h) */
};

static void free_group(void *p)
{
    struct group *g = p;
    free(g->key);
    free(g->provider);
    free(g->remote_host);
    free(g->domain);
    free(g->sender);
    free(g->dsn);
    free(g->sample_text);
    free(g->sample_recipient);
    for (unsigned i = 0; i < g->n_ips; i++)
        free(g->ips[i].ip);
    for (unsigned i = 0; i < g->n_sample_domains; i++)
        free(g->sample_domains[i]);
    for (unsigned i = 0; i < g->n_sample_recipients; i++)
        free(g->sample_recipients[i]);
    free(g);
}

static void free_domain(void *p)
{
    struct domain_tally *d = p;
    free(d->domain);
    free(d->provider);
    free(d);
}

static void free_ip(void *p)
{
    struct ip_summary *s = p;
    free(s->ip);
    free(s);
}

static void free_bucket(void *p)
{
    struct time_bucket *b = p;
    free(b->by_reason);
    free(b);
}

struct aggregate *aggregate_new(unsigned group_fields, size_t n_reasons)
{
    struct aggregate *a = xcalloc(1, sizeof *a);
    a->fields = group_fields;
    a->n_reasons = n_reasons;
    a->groups = hashmap_new(free_group);
    a->domains = hashmap_new(free_domain);
    a->ips = hashmap_new(free_ip);
    a->buckets = hashmap_new(free_bucket);
    a->templates = hashmap_new(free);
    a->senders = hashmap_new(NULL);
    a->registrable = hashmap_new(free);
    a->causes = cause_table_new();
    return a;
}

void aggregate_free(struct aggregate *a)
{
    if (!a)
        return;
    hashmap_free(a->groups);
    hashmap_free(a->domains);
    hashmap_free(a->ips);
    hashmap_free(a->buckets);
    hashmap_free(a->templates);
    hashmap_free(a->senders);
    hashmap_free(a->registrable);
    free(a->by_id);
    u64set_free(&a->seen_rcpt);
    u64set_free(&a->seen_msg);
    u64set_free(&a->seen_domain);
    u64set_free(&a->seen_host);
    strbuf_free(&a->key);
    strbuf_free(&a->label);
    cause_table_free(a->causes);
    free(a);
}

int aggregate_parse_group_by(const char *spec, unsigned *fields, struct strbuf *err)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {
        { "provider", GROUP_BY_PROVIDER },
        { "host", GROUP_BY_HOST },
        { "domain", GROUP_BY_DOMAIN },
        { "reason", GROUP_BY_REASON },
        { "fingerprint", GROUP_BY_FINGERPRINT },
        { "sender", GROUP_BY_SENDER },
        { "sender-domain", GROUP_BY_SENDER_DOMAIN },
    };
    *fields = 0;
    const char *p = spec;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        unsigned bit = 0;
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            if (strlen(names[i].name) == len && !strncmp(names[i].name, p, len))
                bit = names[i].bit;
        if (!bit) {
            strbuf_addf(err,
                        "--group-by: '%.*s' is not one of provider, host, domain, reason, "
                        "fingerprint, sender, sender-domain",
                        (int)len, p);
            return -1;
        }
        *fields |= bit;
        p += len;
        if (*p == ',')
            p++;
    }
    if (!*fields) {
        strbuf_addf(err, "--group-by: empty");
        return -1;
    }
    return 0;
}

/* pair_hash - (group, value) for the distinct sets, from the value's hash */
static uint64_t pair_hash(uint32_t id, uint64_t h)
{
    return h ^ ((uint64_t)id * 0x9E3779B97F4A7C15ULL);
}

/* ci_hash - a value's hash as the distinct sets use it (0: empty) */
static uint64_t ci_hash(struct slice s)
{
    return s.n ? hash_bytes_ci(s.p, s.n) : 0;
}

static void add_sample(char **arr, unsigned *n, struct slice s)
{
    if (*n >= GROUP_MAX_SAMPLES || !s.n)
        return;
    for (unsigned i = 0; i < *n; i++)
        if (strlen(arr[i]) == s.n && !memcmp(arr[i], s.p, s.n))
            return;
    arr[(*n)++] = xmemdup(s.p, s.n);
}

/* provider_label - who answered, for grouping and display: the provider's
 * name; else the registrable domain of the remote host (an unknown receiver's
 * MX hosts mx1.example.co.jp and mx2.example.co.jp are one receiver,
 * example.co.jp; names compared in lower case); else "(no host) <domain>"
 * when only the recipient domain is known; else "(unknown recipient)" for an
 * expiry or bounce whose recipients the input did not show */
static struct slice provider_label(struct aggregate *a, const struct event *e)
{
    if (e->provider.n)
        return e->provider;
    if (e->remote_host.n) {
        /* the Public Suffix List lookup costs thousands of instructions and a
         * log names a few thousand hosts: once per host name */
        void **slot = NULL;
        if (hashmap_count(a->registrable) < REGISTRABLE_CACHE_MAX) {
            slot = hashmap_slot(a->registrable, e->remote_host.p, e->remote_host.n);
            if (*slot) {
                const char *rd = *slot;
                return slice_make(rd, strlen(rd));
            }
        }
        struct slice rd = host_registrable_domain(e->remote_host, &a->label);
        if (slot)
            *slot = xmemdup(rd.p, rd.n);
        return rd;
    }
    strbuf_reset(&a->label);
    if (!e->domain.n && !e->recipient.n) {
        strbuf_adds(&a->label, "(unknown recipient)");
        return strbuf_slice(&a->label);
    }
    strbuf_adds(&a->label, "(no host) ");
    strbuf_add(&a->label, e->domain.p, e->domain.n);
    return strbuf_slice(&a->label);
}

/* template_of - the template of a fingerprint, stored once: a large log has tens
 * of thousands of groups (one per remote host and reason) but few templates */
static char *template_of(struct aggregate *a, const struct event *e)
{
    void **slot = hashmap_slot(a->templates, &e->fingerprint, sizeof e->fingerprint);
    if (!*slot)
        *slot = xmemdup(e->template_text.p, e->template_text.n);
    return *slot;
}

static void add_key_part(struct strbuf *key, struct slice s)
{
    strbuf_add(key, s.p, s.n);
    strbuf_addc(key, '\x1f');
}

/* add_key_lower - a key part compared in lower case (host names) */
static void add_key_lower(struct strbuf *key, struct slice s)
{
    strbuf_reserve(key, s.n + 1);
    for (size_t i = 0; i < s.n; i++) {
        char ch = s.p[i];
        key->s[key->len++] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
    }
    key->s[key->len] = '\0';
    strbuf_addc(key, '\x1f');
}

static void count_time(struct aggregate *a, const struct event *e)
{
    int64_t start = e->when - (((e->when % BUCKET_WIDTH) + BUCKET_WIDTH) % BUCKET_WIDTH);
    void **slot = hashmap_slot(a->buckets, &start, sizeof start);
    if (!*slot) {
        struct time_bucket *b = xcalloc(1, sizeof *b);
        b->start = start;
        b->by_reason = xcalloc(a->n_reasons + 1, sizeof *b->by_reason);
        *slot = b;
    }
    struct time_bucket *b = *slot;
    size_t r = e->reason ? (size_t)e->reason->index : a->n_reasons;
    if (r > a->n_reasons)
        r = a->n_reasons;
    b->by_reason[r]++;
}

static void span(struct aggregate_totals *t, int64_t when, int tz)
{
    if (!t->first || when < t->first)
        t->first = when;
    if (when > t->last)
        t->last = when;
    t->tz_minutes = tz;
}

static struct domain_tally *domain_of(struct aggregate *a, struct slice domain,
                                      struct slice provider)
{
    void **slot = hashmap_slot(a->domains, domain.p, domain.n);
    if (!*slot) {
        struct domain_tally *d = xcalloc(1, sizeof *d);
        d->domain = xmemdup(domain.p, domain.n);
        d->provider = xmemdup(provider.p, provider.n);
        *slot = d;
    }
    struct domain_tally *d = *slot;
    if (!d->provider[0] && provider.n) {
        free(d->provider);
        d->provider = xmemdup(provider.p, provider.n);
    }
    return d;
}

static void count_ip(struct aggregate *a, struct group *g, const struct event *e)
{
    struct slice ip = e->implicated_ip;
    void **slot = hashmap_slot(a->ips, ip.p, ip.n);
    if (!*slot) {
        struct ip_summary *s = xcalloc(1, sizeof *s);
        s->ip = xmemdup(ip.p, ip.n);
        *slot = s;
    }
    struct ip_summary *s = *slot;
    s->events++;
    bool have = false;
    for (unsigned i = 0; i < s->n_groups; i++)
        have |= s->groups[i] == g->id;
    if (!have && s->n_groups < GROUP_MAX_SAMPLES)
        s->groups[s->n_groups++] = g->id;
    if (e->blocklist) {
        have = false;
        for (unsigned i = 0; i < s->n_named; i++)
            have |= s->named[i] == e->blocklist;
        if (!have && s->n_named < 8)
            s->named[s->n_named++] = e->blocklist;
    }
    for (unsigned i = 0; i < g->n_ips; i++) {
        if (strlen(g->ips[i].ip) == ip.n && !memcmp(g->ips[i].ip, ip.p, ip.n)) {
            g->ips[i].count++;
            return;
        }
    }
    if (g->n_ips < GROUP_MAX_IPS) {
        g->ips[g->n_ips].ip = xmemdup(ip.p, ip.n);
        g->ips[g->n_ips++].count = 1;
    }
}

uint32_t aggregate_add(struct aggregate *a, const struct event *e)
{
    strbuf_reset(&a->key);
    struct slice label = provider_label(a, e);
    if (a->fields & GROUP_BY_PROVIDER)
        add_key_part(&a->key, label);
    if (a->fields & GROUP_BY_HOST)
        add_key_lower(&a->key, e->remote_host.n ? e->remote_host : SLICE_LIT("(no host)"));
    if (a->fields & GROUP_BY_DOMAIN)
        add_key_part(&a->key, e->domain);
    if (a->fields & GROUP_BY_REASON)
        add_key_part(&a->key, slice_cstr(e->reason ? e->reason->name : ""));
    if (a->fields & GROUP_BY_SENDER)
        add_key_lower(&a->key, e->sender);
    if (a->fields & GROUP_BY_SENDER_DOMAIN)
        add_key_lower(&a->key, recipient_domain(e->sender));
    if (a->fields & GROUP_BY_FINGERPRINT) {
        /* as hex: the key is also the group's name in the history database */
        char hex[17];
        fingerprint_hex(e->fingerprint, hex);
        strbuf_add(&a->key, hex, 16);
    }
    void **slot = hashmap_slot(a->groups, a->key.s, a->key.len);
    struct group *g = *slot;
    if (!g) {
        g = xcalloc(1, sizeof *g);
        *slot = g;
        g->key = xmemdup(a->key.s, a->key.len);
        g->keylen = a->key.len;
        g->provider = xmemdup(label.p, label.n);
        g->remote_host = xmemdup(e->remote_host.p, e->remote_host.n);
        g->domain = xmemdup(e->domain.p, e->domain.n);
        g->sender = xmemdup(e->sender.p, e->sender.n);
        g->reason = e->reason;
        g->blocklist = e->blocklist;
        g->fingerprint = e->fingerprint;
        g->template_text = template_of(a, e);
        g->dsn = xmemdup(e->dsn.p, e->dsn.n);
        g->sample_text = xmemdup(e->text.p, e->text.n);
        g->sample_recipient = xmemdup(e->recipient.p, e->recipient.n);
        g->sample_file = e->file;
        g->sample_line = e->line;
        g->text_source = e->text_source;
        g->first = e->when;
        if (a->n_groups == a->cap_groups) {
            a->cap_groups = a->cap_groups ? a->cap_groups * 2 : 64;
            a->by_id = xrealloc(a->by_id, a->cap_groups * sizeof *a->by_id);
        }
        a->by_id[a->n_groups++] = g;
        g->id = (uint32_t)a->n_groups;
    }
    /* a group keyed without the blocklist keeps the first one named; a
     * generic (sysexits-only) sample is replaced by a real reply when one comes */
    if (!g->blocklist && e->blocklist)
        g->blocklist = e->blocklist;
    /* and a sample without a recipient (a per-MX failure, an expiry of unknown
     * recipients) by one that names its recipient */
    if ((g->text_source == TEXT_GENERIC && e->text_source != TEXT_GENERIC) ||
        (!g->sample_recipient[0] && e->recipient.n)) {
        free(g->sample_recipient);
        g->sample_recipient = xmemdup(e->recipient.p, e->recipient.n);
        free(g->sample_text);
        g->sample_text = xmemdup(e->text.p, e->text.n);
        g->template_text = template_of(a, e);
        g->text_source = e->text_source;
        g->sample_file = e->file;
        g->sample_line = e->line;
    }
    if (e->when < g->first)
        g->first = e->when;
    if (e->when >= g->last) {
        g->last = e->when;
        g->tz_minutes = e->tz_minutes;
    }
    g->count[e->status]++;
    /* distinct counts of what is known: an event of unknown recipients (an
     * expiry of a message the input did not show, a per-MX failure) or
     * without a remote host adds no "" recipient, message, domain or host */
    /* each value hashed once: the group's and the cause's distinct sets share it */
    struct cause_hashes hs = { ci_hash(e->recipient), 0, ci_hash(e->domain) };
    hs.message = e->qid.n ? ci_hash(e->qid) : hs.recipient;
    if (e->recipient.n && u64set_add(&a->seen_rcpt, pair_hash(g->id, hs.recipient)))
        g->recipients++;
    if ((e->qid.n || e->recipient.n) && u64set_add(&a->seen_msg, pair_hash(g->id, hs.message)))
        g->messages++;
    if (e->domain.n && u64set_add(&a->seen_domain, pair_hash(g->id, hs.domain)))
        g->domains++;
    if (e->remote_host.n &&
        u64set_add(&a->seen_host,
                   pair_hash(g->id, hash_bytes_ci(e->remote_host.p, e->remote_host.n))))
        g->hosts++;
    add_sample(g->sample_domains, &g->n_sample_domains, e->domain);
    add_sample(g->sample_recipients, &g->n_sample_recipients, e->recipient);
    if (e->implicated_ip.n)
        count_ip(a, g, e);
    struct slice sdom = recipient_domain(e->sender);
    if (sdom.n)
        hashmap_slot(a->senders, sdom.p, sdom.n);
    /* the domains table lists recipient domains: an event without one counts
     * in the totals and its group only */
    if (e->domain.n) {
        struct domain_tally *d = domain_of(a, e->domain, e->provider);
        d->count[e->status]++;
        /* which groups hold its failures (the HTML page links a domain to them) */
        bool have = false;
        for (unsigned i = 0; i < d->n_groups && !have; i++)
            have = d->groups[i] == g->id;
        if (!have && d->n_groups < GROUP_MAX_SAMPLES)
            d->groups[d->n_groups++] = g->id;
    }
    a->totals.count[e->status]++;
    span(&a->totals, e->when, e->tz_minutes);
    count_time(a, e);
    /* the cause: its template is the group's when the group is keyed by it */
    const char *tmpl = g->fingerprint == e->fingerprint ? g->template_text : template_of(a, e);
    uint32_t cause = cause_table_add(a->causes, e, tmpl, label, &hs, g->last_cause);
    g->last_cause = cause;
    if (!g->cause_id)
        g->cause_id = cause;
    bool known = false;
    for (unsigned i = 0; i < g->n_causes; i++)
        known |= g->causes[i] == cause;
    if (!known && g->n_causes < GROUP_MAX_CAUSES)
        g->causes[g->n_causes++] = cause;
    return g->id;
}

void aggregate_sent(struct aggregate *a, struct slice domain, struct slice provider, int64_t when,
                    int tz_minutes)
{
    struct domain_tally *d = domain_of(a, domain, provider);
    d->count[DELIVERY_SENT]++;
    a->totals.count[DELIVERY_SENT]++;
    span(&a->totals, when, tz_minutes);
}

void aggregate_delivered_later(struct aggregate *a, uint32_t group_id)
{
    struct group *g = aggregate_group(a, group_id);
    if (g)
        g->delivered_later++;
}

void aggregate_add_our_ip(struct aggregate *a, const char *ip)
{
    void **slot = hashmap_slot(a->ips, ip, strlen(ip));
    if (!*slot) {
        struct ip_summary *s = xcalloc(1, sizeof *s);
        s->ip = xstrdup(ip);
        *slot = s;
    }
    ((struct ip_summary *)*slot)->ours = true;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

const char **aggregate_sender_domains(struct aggregate *a, size_t *n)
{
    const char **v = xmalloc((hashmap_count(a->senders) + 1) * sizeof *v);
    size_t k = 0;
    const char *key;
    for (size_t it = 0; hashmap_next(a->senders, &it, &key, NULL, NULL);)
        v[k++] = key;
    qsort(v, k, sizeof *v, cmp_str);
    *n = k;
    return v;
}

struct group *aggregate_group(struct aggregate *a, uint32_t id)
{
    if (id == 0 || id > a->n_groups)
        return NULL;
    return a->by_id[id - 1];
}

static uint64_t finals(const struct group *g)
{
    return g->count[DELIVERY_BOUNCED] + g->count[DELIVERY_EXPIRED];
}

/* most important first: final failures, then deferrals, then the key for a stable order */
static int cmp_group(const void *x, const void *y)
{
    const struct group *a = *(struct group *const *)x, *b = *(struct group *const *)y;
    if (finals(a) != finals(b))
        return finals(a) > finals(b) ? -1 : 1;
    if (a->count[DELIVERY_DEFERRED] != b->count[DELIVERY_DEFERRED])
        return a->count[DELIVERY_DEFERRED] > b->count[DELIVERY_DEFERRED] ? -1 : 1;
    if (a->recipients != b->recipients)
        return a->recipients > b->recipients ? -1 : 1;
    return a->id < b->id ? -1 : 1;
}

struct group **aggregate_groups(struct aggregate *a, size_t *n)
{
    struct group **v = xmalloc((a->n_groups + 1) * sizeof *v);
    if (a->n_groups) /* by_id is NULL before the first group: memcpy(NULL) is undefined */
        memcpy(v, a->by_id, a->n_groups * sizeof *v);
    qsort(v, a->n_groups, sizeof *v, cmp_group);
    *n = a->n_groups;
    return v;
}

static uint64_t domain_failures(const struct domain_tally *d)
{
    return d->count[DELIVERY_DEFERRED] + d->count[DELIVERY_BOUNCED] + d->count[DELIVERY_EXPIRED];
}

static int cmp_domain(const void *x, const void *y)
{
    const struct domain_tally *a = *(struct domain_tally *const *)x;
    const struct domain_tally *b = *(struct domain_tally *const *)y;
    uint64_t fa = a->count[DELIVERY_BOUNCED] + a->count[DELIVERY_EXPIRED];
    uint64_t fb = b->count[DELIVERY_BOUNCED] + b->count[DELIVERY_EXPIRED];
    if (fa != fb)
        return fa > fb ? -1 : 1;
    if (domain_failures(a) != domain_failures(b))
        return domain_failures(a) > domain_failures(b) ? -1 : 1;
    return strcmp(a->domain, b->domain);
}

struct domain_tally **aggregate_domains(struct aggregate *a, size_t *n)
{
    /* only domains with at least one failure: the sent-only ones are the majority */
    struct domain_tally **v = xmalloc((hashmap_count(a->domains) + 1) * sizeof *v);
    size_t k = 0;
    void *val;
    for (size_t it = 0; hashmap_next(a->domains, &it, NULL, NULL, &val);)
        if (domain_failures(val))
            v[k++] = val;
    qsort(v, k, sizeof *v, cmp_domain);
    *n = k;
    return v;
}

static int cmp_ip(const void *x, const void *y)
{
    const struct ip_summary *a = *(struct ip_summary *const *)x;
    const struct ip_summary *b = *(struct ip_summary *const *)y;
    if (a->events != b->events)
        return a->events > b->events ? -1 : 1;
    return strcmp(a->ip, b->ip);
}

struct ip_summary **aggregate_ips(struct aggregate *a, size_t *n)
{
    struct ip_summary **v = xmalloc((hashmap_count(a->ips) + 1) * sizeof *v);
    size_t k = 0;
    void *val;
    for (size_t it = 0; hashmap_next(a->ips, &it, NULL, NULL, &val);)
        v[k++] = val;
    qsort(v, k, sizeof *v, cmp_ip);
    *n = k;
    return v;
}

const struct aggregate_totals *aggregate_totals(const struct aggregate *a)
{
    return &a->totals;
}

static int cmp_bucket(const void *x, const void *y)
{
    const struct time_bucket *a = *(struct time_bucket *const *)x;
    const struct time_bucket *b = *(struct time_bucket *const *)y;
    return a->start < b->start ? -1 : a->start > b->start;
}

struct time_bucket **aggregate_buckets(struct aggregate *a, size_t *n, int64_t *width)
{
    struct time_bucket **v = xmalloc((hashmap_count(a->buckets) + 1) * sizeof *v);
    size_t k = 0;
    void *val;
    for (size_t it = 0; hashmap_next(a->buckets, &it, NULL, NULL, &val);)
        v[k++] = val;
    qsort(v, k, sizeof *v, cmp_bucket);
    *n = k;
    *width = BUCKET_WIDTH;
    return v;
}

size_t aggregate_n_reasons(const struct aggregate *a)
{
    return a->n_reasons;
}

unsigned aggregate_fields(const struct aggregate *a)
{
    return a->fields;
}

struct cause **aggregate_causes(struct aggregate *a, size_t *n)
{
    return cause_table_sorted(a->causes, n);
}

struct cause *aggregate_cause(struct aggregate *a, uint32_t id)
{
    return cause_table_get(a->causes, id);
}
