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

#include "problems.h"
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
    size_t max_groups;    /* fold past this many ordinary groups */
    size_t n_live;        /* ordinary groups now */
    struct group **other; /* per reason index (+1 for none): its "other texts" group */
    struct domain_tally *other_domains;
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
    a->max_groups = AGGREGATE_MAX_GROUPS;
    a->other = xcalloc(n_reasons + 2, sizeof *a->other);
    a->causes = cause_table_new();
    return a;
}

void aggregate_set_max_groups(struct aggregate *a, size_t max)
{
    a->max_groups = max ? max : AGGREGATE_MAX_GROUPS;
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
    for (size_t i = 0; i <= a->n_reasons; i++)
        if (a->other[i])
            free_group(a->other[i]);
    free(a->other);
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

/* visible_dup - a C-string copy of a log field for the report model, a NUL byte
 * written as the two characters \0: a recipient "a<NUL>b@example.net" is shown
 * as a\0b@example.net, not cut to "a" (the writers escape the rest) */
static char *visible_dup(struct slice s)
{
    if (!s.n || !memchr(s.p, '\0', s.n))
        return xmemdup(s.p, s.n);
    struct strbuf b = STRBUF_INIT;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i])
            strbuf_addc(&b, s.p[i]);
        else
            strbuf_add(&b, "\\0", 2);
    }
    char *out = xmemdup(b.s, b.len);
    strbuf_free(&b);
    return out;
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
    char *v = visible_dup(s);
    for (unsigned i = 0; i < *n; i++) {
        if (!strcmp(arr[i], v)) {
            free(v);
            return;
        }
    }
    arr[(*n)++] = v;
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
        *slot = visible_dup(e->template_text);
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

static int cmp_domain_size(const void *x, const void *y)
{
    const struct domain_tally *a = *(struct domain_tally *const *)x;
    const struct domain_tally *b = *(struct domain_tally *const *)y;
    uint64_t na = a->count[0] + a->count[1] + a->count[2] + a->count[3];
    uint64_t nb = b->count[0] + b->count[1] + b->count[2] + b->count[3];
    if (na != nb)
        return na < nb ? -1 : 1;
    return strcmp(a->domain, b->domain);
}

/* fold_domains - the domain table is full: its smallest quarter (fewest deliveries
 * and failures) goes into "(other domains)", each fold counted */
static void fold_domains(struct aggregate *a)
{
    size_t n = hashmap_count(a->domains), k = 0;
    struct domain_tally **v = xmalloc((n + 1) * sizeof *v);
    void *val;
    for (size_t it = 0; hashmap_next(a->domains, &it, NULL, NULL, &val);)
        if (val != a->other_domains)
            v[k++] = val;
    qsort(v, k, sizeof *v, cmp_domain_size);
    if (!a->other_domains) {
        void **slot =
            hashmap_slot(a->domains, AGGREGATE_OTHER_DOMAINS, strlen(AGGREGATE_OTHER_DOMAINS));
        struct domain_tally *o = xcalloc(1, sizeof *o);
        o->domain = xstrdup(AGGREGATE_OTHER_DOMAINS);
        o->provider = xstrdup("");
        *slot = a->other_domains = o;
    }
    size_t fold = AGGREGATE_MAX_DOMAINS / 4 < k ? AGGREGATE_MAX_DOMAINS / 4 : k;
    /* the keys first: a tally's domain is a visible copy, not its key */
    struct strbuf keys = STRBUF_INIT;
    const char *key;
    size_t keylen;
    for (size_t it = 0; hashmap_next(a->domains, &it, &key, &keylen, &val);) {
        struct domain_tally *d = val;
        bool doomed = false;
        if (d != a->other_domains && cmp_domain_size(&d, &v[fold ? fold - 1 : 0]) <= 0)
            doomed = true;
        if (!doomed)
            continue;
        uint32_t len = (uint32_t)keylen;
        strbuf_add(&keys, &len, sizeof len);
        strbuf_add(&keys, key, keylen);
    }
    free(v);
    const char *p = keys.s;
    while (p && p < keys.s + keys.len) {
        uint32_t len;
        memcpy(&len, p, sizeof len);
        p += sizeof len;
        struct domain_tally *d = hashmap_take(a->domains, p, len);
        if (d) {
            for (int st = 0; st < 4; st++)
                a->other_domains->count[st] += d->count[st];
            problem_note(PROBLEM_DOMAINS_FOLDED, NULL, 0, slice_cstr(d->domain));
            free_domain(d);
        }
        p += len;
    }
    strbuf_free(&keys);
}

static struct domain_tally *domain_of(struct aggregate *a, struct slice domain,
                                      struct slice provider)
{
    /* full: make room before a new domain is added (one more lookup, only then) */
    if (hashmap_count(a->domains) >= AGGREGATE_MAX_DOMAINS &&
        !hashmap_get(a->domains, domain.p, domain.n))
        fold_domains(a);
    void **slot = hashmap_slot(a->domains, domain.p, domain.n);
    if (!*slot) {
        struct domain_tally *d = xcalloc(1, sizeof *d);
        d->domain = visible_dup(domain);
        d->provider = visible_dup(provider);
        *slot = d;
    }
    struct domain_tally *d = *slot;
    if (!d->provider[0] && provider.n) {
        free(d->provider);
        d->provider = visible_dup(provider);
    }
    return d;
}

static void count_ip(struct aggregate *a, struct group *g, const struct event *e)
{
    struct slice ip = e->implicated_ip;
    struct ip_summary *s = hashmap_get(a->ips, ip.p, ip.n);
    if (!s && hashmap_count(a->ips) >= AGGREGATE_MAX_IPS)
        goto group; /* the group still names it */
    if (!s) {
        s = xcalloc(1, sizeof *s);
        s->ip = visible_dup(ip);
        *hashmap_slot(a->ips, ip.p, ip.n) = s;
    }
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
group:
    for (unsigned i = 0; i < g->n_ips; i++) {
        if (strlen(g->ips[i].ip) == ip.n && !memcmp(g->ips[i].ip, ip.p, ip.n)) {
            g->ips[i].count++;
            return;
        }
    }
    if (g->n_ips < GROUP_MAX_IPS) {
        g->ips[g->n_ips].ip = visible_dup(ip);
        g->ips[g->n_ips++].count = 1;
    }
}

/* the template shown for an "other texts" group */
static const char other_template[] = "(the texts of smaller groups of this reason, folded)";

/* other_group - the "other texts" group of reason r, made on first use; kept out of
 * the key map (no event is keyed to it: folding sends groups there) */
static struct group *other_group(struct aggregate *a, const struct reason *r)
{
    size_t idx =
        r && r->index >= 0 && (size_t)r->index < a->n_reasons ? (size_t)r->index : a->n_reasons;
    if (a->other[idx])
        return a->other[idx];
    struct strbuf key = STRBUF_INIT;
    strbuf_adds(&key, "\x1e" AGGREGATE_OTHER_TEXTS "\x1f");
    strbuf_adds(&key, r ? r->name : "");
    struct group *g = xcalloc(1, sizeof *g);
    g->key = xmemdup(key.s, key.len);
    g->keylen = key.len;
    strbuf_free(&key);
    g->provider = xstrdup(AGGREGATE_OTHER_TEXTS);
    g->remote_host = xstrdup("");
    g->domain = xstrdup("");
    g->sender = xstrdup("");
    g->dsn = xstrdup("");
    g->sample_text = xstrdup("");
    g->sample_recipient = xstrdup("");
    g->reason = r;
    g->template_text = other_template;
    g->text_source = TEXT_REMOTE_REPLY;
    if (a->n_groups == a->cap_groups) {
        a->cap_groups = a->cap_groups ? a->cap_groups * 2 : 64;
        a->by_id = xrealloc(a->by_id, a->cap_groups * sizeof *a->by_id);
    }
    a->by_id[a->n_groups++] = g;
    g->id = (uint32_t)a->n_groups;
    return a->other[idx] = g;
}

/* an "other texts" group counts a distinct value once while it has fewer than this
 * many (then it adds them up): exact where it is read, and the sets of a million
 * folded groups do not double */
#define FOLD_EXACT_MAX 10000

/* merge_distinct - how many of a folded group's n distinct values are new to the
 * group id, which has have so far: its k known values (samples) through set, the
 * n - k unknown ones as new */
static uint64_t merge_distinct(struct u64set *set, uint32_t id, uint64_t have, uint64_t n,
                               char *const *known, unsigned k)
{
    if (have >= FOLD_EXACT_MAX)
        return n;
    uint64_t fresh = n > k ? n - k : 0;
    for (unsigned i = 0; i < k && i < n; i++)
        fresh += u64set_add(set, pair_hash(id, ci_hash(slice_cstr(known[i]))));
    return fresh;
}

/* fold_one - add g to the "other texts" group o, send g's id there, free g */
static void fold_one(struct aggregate *a, struct group *g, struct group *o)
{
    for (int st = 0; st < 4; st++)
        o->count[st] += g->count[st];
    /* distinct counts: a small group's samples are all its recipients and domains
     * (and its remote host, when it has one): those are counted once in o, while o
     * has fewer than FOLD_EXACT_MAX; the rest of a larger group is added as it is
     * (it may repeat some) */
    o->recipients += merge_distinct(&a->seen_rcpt, o->id, o->recipients, g->recipients,
                                    g->sample_recipients, g->n_sample_recipients);
    o->domains += merge_distinct(&a->seen_domain, o->id, o->domains, g->domains, g->sample_domains,
                                 g->n_sample_domains);
    char *host = g->remote_host;
    o->hosts +=
        merge_distinct(&a->seen_host, o->id, o->hosts, g->hosts, &host, g->remote_host[0] ? 1 : 0);
    o->messages += g->messages;
    o->delivered_later += g->delivered_later;
    if (!o->first || g->first < o->first)
        o->first = g->first;
    if (g->last >= o->last) {
        o->last = g->last;
        o->tz_minutes = g->tz_minutes;
    }
    if (!o->blocklist)
        o->blocklist = g->blocklist;
    if (!o->sample_text[0] && g->sample_text[0]) {
        free(o->sample_text);
        free(o->sample_recipient);
        free(o->dsn);
        o->sample_text = xstrdup(g->sample_text);
        o->sample_recipient = xstrdup(g->sample_recipient);
        o->dsn = xstrdup(g->dsn);
        o->sample_file = g->sample_file;
        o->sample_line = g->sample_line;
        o->text_source = g->text_source;
        o->own_fault = g->own_fault;
    }
    for (unsigned i = 0; i < g->n_ips; i++) {
        unsigned k = 0;
        while (k < o->n_ips && strcmp(o->ips[k].ip, g->ips[i].ip))
            k++;
        if (k < o->n_ips) {
            o->ips[k].count += g->ips[i].count;
        } else if (o->n_ips < GROUP_MAX_IPS) {
            o->ips[o->n_ips].ip = xstrdup(g->ips[i].ip);
            o->ips[o->n_ips++].count = g->ips[i].count;
        }
    }
    for (unsigned i = 0; i < g->n_sample_domains; i++)
        add_sample(o->sample_domains, &o->n_sample_domains, slice_cstr(g->sample_domains[i]));
    for (unsigned i = 0; i < g->n_sample_recipients; i++)
        add_sample(o->sample_recipients, &o->n_sample_recipients,
                   slice_cstr(g->sample_recipients[i]));
    /* the causes of its events stay where they were counted (cause.h); o lists them */
    for (unsigned i = 0; i < g->n_causes; i++) {
        bool known = false;
        for (unsigned j = 0; j < o->n_causes; j++)
            known |= o->causes[j] == g->causes[i];
        if (!known && o->n_causes < GROUP_MAX_CAUSES)
            o->causes[o->n_causes++] = g->causes[i];
    }
    if (!o->cause_id)
        o->cause_id = g->cause_id;
    o->folded++;
    problem_note(PROBLEM_GROUPS_FOLDED, g->sample_file, g->sample_line, slice_cstr(g->sample_text));
    hashmap_take(a->groups, g->key, g->keylen);
    a->by_id[g->id - 1] = o;
    free_group(g);
    a->n_live--;
}

/* the smallest first: fewest final failures, deferrals, recipients; then the one
 * seen last longest ago */
static int cmp_small(const void *x, const void *y)
{
    const struct group *a = *(struct group *const *)x, *b = *(struct group *const *)y;
    uint64_t fa = a->count[DELIVERY_BOUNCED] + a->count[DELIVERY_EXPIRED];
    uint64_t fb = b->count[DELIVERY_BOUNCED] + b->count[DELIVERY_EXPIRED];
    if (fa != fb)
        return fa < fb ? -1 : 1;
    if (a->count[DELIVERY_DEFERRED] != b->count[DELIVERY_DEFERRED])
        return a->count[DELIVERY_DEFERRED] < b->count[DELIVERY_DEFERRED] ? -1 : 1;
    if (a->recipients != b->recipients)
        return a->recipients < b->recipients ? -1 : 1;
    if (a->last != b->last)
        return a->last < b->last ? -1 : 1;
    return a->id < b->id ? -1 : 1;
}

/* fold_groups - max_groups ordinary groups: fold the smallest quarter into the
 * "other texts" group of their reason; then the IPs' group ids follow them, and
 * templates no group shows any more are freed */
static void fold_groups(struct aggregate *a)
{
    /* the key map holds the ordinary groups, and only them */
    struct group **v = xmalloc((hashmap_count(a->groups) + 1) * sizeof *v);
    size_t k = 0;
    void *val;
    for (size_t it = 0; hashmap_next(a->groups, &it, NULL, NULL, &val);)
        v[k++] = val;
    qsort(v, k, sizeof *v, cmp_small);
    size_t fold = a->max_groups / 4 ? a->max_groups / 4 : 1;
    for (size_t i = 0; i < fold && i < k; i++)
        fold_one(a, v[i], other_group(a, v[i]->reason));
    free(v);
    for (size_t it = 0; hashmap_next(a->ips, &it, NULL, NULL, &val);) {
        struct ip_summary *ip = val;
        unsigned n = 0;
        for (unsigned i = 0; i < ip->n_groups; i++) {
            uint32_t id = aggregate_group(a, ip->groups[i])->id;
            bool have = false;
            for (unsigned j = 0; j < n; j++)
                have |= ip->groups[j] == id;
            if (!have)
                ip->groups[n++] = id;
        }
        ip->n_groups = n;
    }
    /* templates: keyed by fingerprint, shared by the groups showing them */
    struct u64set shown = { 0 };
    for (size_t it = 0; hashmap_next(a->groups, &it, NULL, NULL, &val);)
        u64set_add(&shown, (uint64_t)(uintptr_t)((struct group *)val)->template_text);
    /* and by the causes, which keep their first event's template */
    for (uint32_t id = 1; id <= cause_table_count(a->causes); id++)
        u64set_add(&shown, (uint64_t)(uintptr_t)cause_table_get(a->causes, id)->template_text);
    struct strbuf doomed = STRBUF_INIT;
    const char *key;
    for (size_t it = 0; hashmap_next(a->templates, &it, &key, NULL, &val);)
        if (!u64set_has(&shown, (uint64_t)(uintptr_t)val))
            strbuf_add(&doomed, key, sizeof(uint64_t));
    for (size_t off = 0; off < doomed.len; off += sizeof(uint64_t))
        hashmap_del(a->templates, doomed.s + off, sizeof(uint64_t));
    strbuf_free(&doomed);
    u64set_free(&shown);
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
    struct group *g = hashmap_get(a->groups, a->key.s, a->key.len);
    if (!g) {
        /* full: fold the smallest groups first (the key and label stay valid) */
        if (a->n_live >= a->max_groups)
            fold_groups(a);
        g = xcalloc(1, sizeof *g);
        *hashmap_slot(a->groups, a->key.s, a->key.len) = g;
        a->n_live++;
        g->key = xmemdup(a->key.s, a->key.len);
        g->keylen = a->key.len;
        g->provider = visible_dup(label);
        g->remote_host = visible_dup(e->remote_host);
        g->domain = visible_dup(e->domain);
        g->sender = visible_dup(e->sender);
        g->reason = e->reason;
        g->blocklist = e->blocklist;
        g->fingerprint = e->fingerprint;
        g->template_text = template_of(a, e);
        g->dsn = visible_dup(e->dsn);
        g->sample_text = visible_dup(e->text);
        g->sample_recipient = visible_dup(e->recipient);
        g->sample_file = e->file;
        g->sample_line = e->line;
        g->text_source = e->text_source;
        g->own_fault = e->own_fault != 0;
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
        g->sample_recipient = visible_dup(e->recipient);
        free(g->sample_text);
        g->sample_text = visible_dup(e->text);
        g->template_text = template_of(a, e);
        g->text_source = e->text_source;
        g->own_fault = e->own_fault != 0;
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
    if (sdom.n && hashmap_count(a->senders) < AGGREGATE_MAX_SENDERS)
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
    /* the ordinary groups (the key map), then the "other texts" ones: by_id also
     * holds the ids of folded groups, which lead to those */
    struct group **v = xmalloc((hashmap_count(a->groups) + a->n_reasons + 2) * sizeof *v);
    size_t k = 0;
    void *val;
    for (size_t it = 0; hashmap_next(a->groups, &it, NULL, NULL, &val);)
        v[k++] = val;
    for (size_t i = 0; i <= a->n_reasons; i++)
        if (a->other[i])
            v[k++] = a->other[i];
    qsort(v, k, sizeof *v, cmp_group);
    *n = k;
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
