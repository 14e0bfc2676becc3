/*
 * cause.c - causes above the groups (see cause.h).
 *
 * One hashmap from the cause key to its tally; distinct counts are sets of
 * hash(cause id, value), as in aggregate.c. The key is built per event in a
 * reused buffer; only a new cause allocates.
 *
 * Not here: which events exist (pipeline.c, store_query.c), groups (aggregate.c).
 */
#include "cause.h"

#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "util/hashmap.h"
#include "util/u64set.h"
#include "util/xalloc.h"

struct cause_table {
    struct hashmap *map; /* key -> struct cause */
    struct cause **by_id;
    size_t n, cap;
    struct u64set seen_rcpt, seen_msg, seen_domain, seen_provider;
    struct strbuf key;
};

static void free_cause(void *p)
{
    struct cause *c = p;
    free(c->key);
    free(c->ip);
    free(c->provider);
    free(c->dsn);
    free(c->sample_text);
    for (unsigned i = 0; i < c->n_sample_providers; i++)
        free(c->sample_providers[i]);
    for (unsigned i = 0; i < c->n_sample_domains; i++)
        free(c->sample_domains[i]);
    free(c);
}

struct cause_table *cause_table_new(void)
{
    struct cause_table *t = xcalloc(1, sizeof *t);
    t->map = hashmap_new(free_cause);
    return t;
}

void cause_table_free(struct cause_table *t)
{
    if (!t)
        return;
    hashmap_free(t->map);
    free(t->by_id);
    u64set_free(&t->seen_rcpt);
    u64set_free(&t->seen_msg);
    u64set_free(&t->seen_domain);
    u64set_free(&t->seen_provider);
    strbuf_free(&t->key);
    free(t);
}

static void key_part(struct strbuf *key, struct slice s)
{
    strbuf_addc(key, '\x1f');
    strbuf_add(key, s.p, s.n);
}

/* pair - (cause, value) for the distinct sets; a cause's pairs differ from a
 * group's of the same id (another multiplier), though they live in other sets */
static uint64_t pair(uint32_t id, uint64_t h)
{
    return h ^ ((uint64_t)id * 0xC2B2AE3D27D4EB4FULL);
}

static void add_sample(char **arr, unsigned *n, struct slice s)
{
    if (*n >= CAUSE_SAMPLES || !s.n)
        return;
    for (unsigned i = 0; i < *n; i++)
        if (strlen(arr[i]) == s.n && !memcmp(arr[i], s.p, s.n))
            return;
    arr[(*n)++] = xmemdup(s.p, s.n);
}

/* side_of - the side of an event's reason, by whose words its text is (no reason:
 * someone must read it) */
static enum reason_side side_of(const struct event *e)
{
    return reason_side_of(e->reason, e->own_fault);
}

/* own_of - whether e is a fault of our own system (its reason's own-* fields apply) */
static bool own_of(const struct event *e)
{
    return e->own_fault != 0;
}

/* make_key - the cause key of e into t->key (see cause.h) */
static void make_key(struct cause_table *t, const struct event *e)
{
    enum reason_side side = side_of(e);
    struct strbuf *k = &t->key;
    strbuf_reset(k);
    strbuf_adds(k, reason_side_name(side));
    key_part(k, slice_cstr(e->reason ? e->reason->name : "undefined"));
    if (own_of(e))
        key_part(k, slice_cstr("own"));
    char hex[17];
    switch (side) {
    case SIDE_US:
        fingerprint_hex(e->fingerprint, hex);
        key_part(k, slice_make(hex, 16));
        key_part(k, e->implicated_ip);
        key_part(k, slice_cstr(e->blocklist ? e->blocklist->id : ""));
        break;
    case SIDE_RECEIVER:
        key_part(k, e->provider);
        break;
    case SIDE_RECIPIENT:
        break;
    case SIDE_UNKNOWN:
        fingerprint_hex(e->fingerprint, hex);
        key_part(k, slice_make(hex, 16));
        break;
    }
}

static struct cause *new_cause(struct cause_table *t, const struct event *e,
                               const char *template_text)
{
    struct cause *c = xcalloc(1, sizeof *c);
    enum reason_side side = side_of(e);
    c->key = xmemdup(t->key.s, t->key.len);
    c->keylen = t->key.len;
    c->side = side;
    c->reason = e->reason;
    c->own = own_of(e);
    bool by_text = side == SIDE_US || side == SIDE_UNKNOWN;
    c->fingerprint = by_text ? e->fingerprint : 0;
    c->template_text = template_text;
    c->ip = side == SIDE_US ? xmemdup(e->implicated_ip.p, e->implicated_ip.n) : xstrdup("");
    c->blocklist = side == SIDE_US ? e->blocklist : NULL;
    c->provider = side == SIDE_RECEIVER ? xmemdup(e->provider.p, e->provider.n) : xstrdup("");
    c->dsn = xmemdup(e->dsn.p, e->dsn.n);
    c->sample_text = xmemdup(e->text.p, e->text.n);
    c->sample_file = e->file;
    c->sample_line = e->line;
    c->first = e->when;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 32;
        t->by_id = xrealloc(t->by_id, t->cap * sizeof *t->by_id);
    }
    t->by_id[t->n++] = c;
    c->id = (uint32_t)t->n;
    return c;
}

/* is_of - whether e belongs to c: the parts of the key that its side has */
static bool is_of(const struct cause *c, const struct event *e)
{
    if (c->reason != e->reason || c->side != side_of(e) || c->own != own_of(e))
        return false;
    switch (c->side) {
    case SIDE_US:
        return c->fingerprint == e->fingerprint && c->blocklist == e->blocklist &&
               slice_eq_cstr(e->implicated_ip, c->ip);
    case SIDE_RECEIVER:
        return slice_eq_cstr(e->provider, c->provider);
    case SIDE_RECIPIENT:
        return true;
    case SIDE_UNKNOWN:
        return c->fingerprint == e->fingerprint;
    }
    return false;
}

uint32_t cause_table_add(struct cause_table *t, const struct event *e, const char *template_text,
                         struct slice provider_label, const struct cause_hashes *h, uint32_t hint)
{
    struct cause *c = cause_table_get(t, hint);
    if (!c || !is_of(c, e)) {
        make_key(t, e);
        void **slot = hashmap_slot(t->map, t->key.s, t->key.len);
        if (!*slot)
            *slot = new_cause(t, e, template_text);
        c = *slot;
    }
    c->count[e->status]++;
    if (e->when < c->first)
        c->first = e->when;
    if (e->when >= c->last) {
        c->last = e->when;
        c->tz_minutes = e->tz_minutes;
    }
    if (e->recipient.n && u64set_add(&t->seen_rcpt, pair(c->id, h->recipient)))
        c->recipients++;
    if ((e->qid.n || e->recipient.n) && u64set_add(&t->seen_msg, pair(c->id, h->message)))
        c->messages++;
    if (e->domain.n && u64set_add(&t->seen_domain, pair(c->id, h->domain))) {
        c->domains++;
        add_sample(c->sample_domains, &c->n_sample_domains, e->domain);
    }
    if (provider_label.n &&
        u64set_add(&t->seen_provider,
                   pair(c->id, hash_bytes_ci(provider_label.p, provider_label.n)))) {
        c->providers++;
        add_sample(c->sample_providers, &c->n_sample_providers, provider_label);
    }
    return c->id;
}

uint64_t cause_finals(const struct cause *c)
{
    return c->count[DELIVERY_BOUNCED] + c->count[DELIVERY_EXPIRED];
}

/* the most to do first: final failures, then deferrals, then recipients */
static int cmp_cause(const void *x, const void *y)
{
    const struct cause *a = *(struct cause *const *)x, *b = *(struct cause *const *)y;
    if (cause_finals(a) != cause_finals(b))
        return cause_finals(a) > cause_finals(b) ? -1 : 1;
    if (a->count[DELIVERY_DEFERRED] != b->count[DELIVERY_DEFERRED])
        return a->count[DELIVERY_DEFERRED] > b->count[DELIVERY_DEFERRED] ? -1 : 1;
    if (a->recipients != b->recipients)
        return a->recipients > b->recipients ? -1 : 1;
    return a->id < b->id ? -1 : 1;
}

struct cause **cause_table_sorted(struct cause_table *t, size_t *n)
{
    struct cause **v = xmalloc((t->n + 1) * sizeof *v);
    if (t->n)
        memcpy(v, t->by_id, t->n * sizeof *v);
    qsort(v, t->n, sizeof *v, cmp_cause);
    *n = t->n;
    return v;
}

struct cause *cause_table_get(struct cause_table *t, uint32_t id)
{
    return id && id <= t->n ? t->by_id[id - 1] : NULL;
}

size_t cause_table_count(const struct cause_table *t)
{
    return t->n;
}

const char *cause_who(const struct cause *c)
{
    switch (c->side) {
    case SIDE_US:
        return "us";
    case SIDE_RECIPIENT:
        return "the recipient";
    case SIDE_RECEIVER:
        return "the receiving site";
    case SIDE_UNKNOWN:
        break;
    }
    return "someone must read the text";
}

const char *cause_who_acts(const struct cause *c)
{
    return side_who_acts(c->side);
}

const char *side_who_acts(enum reason_side side)
{
    switch (side) {
    case SIDE_US:
        return "we must act";
    case SIDE_RECIPIENT:
        return "the recipient must act";
    case SIDE_RECEIVER:
        return "the receiving site must act";
    case SIDE_UNKNOWN:
        break;
    }
    return "read the reply";
}

const char *cause_advice(const struct cause *c)
{
    return reason_advice_of(c->reason, c->own);
}

void cause_title(const struct cause *c, struct strbuf *out)
{
    const char *label = reason_label_of(c->reason, c->own);
    strbuf_adds(out, label && *label ? label : "Unclassified");
    switch (c->side) {
    case SIDE_US:
        if (c->ip[0] && c->blocklist)
            strbuf_addf(out, ": our IP %s, named by %s", c->ip, c->blocklist->label);
        else if (c->ip[0])
            strbuf_addf(out, ": our IP %s", c->ip);
        else if (c->blocklist)
            strbuf_addf(out, ": %s named", c->blocklist->label);
        break;
    case SIDE_RECEIVER:
        strbuf_addf(out, " at %s", c->provider[0] ? c->provider : "other sites");
        break;
    case SIDE_RECIPIENT:
    case SIDE_UNKNOWN:
        break;
    }
}

void cause_action(const struct cause *c, struct strbuf *out)
{
    const char *a = reason_action_of(c->reason, c->own);
    if (!a || !*a) {
        const char *advice = cause_advice(c);
        strbuf_adds(out, advice ? advice : "");
        return;
    }
    bool named_list = false;
    for (const char *p = a; *p;) {
        const char *open = strchr(p, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        if (!open || !close) {
            strbuf_adds(out, p);
            break;
        }
        strbuf_add(out, p, (size_t)(open - p));
        struct slice name = slice_make(open + 1, (size_t)(close - open - 1));
        if (slice_eq_cstr(name, "ip")) {
            strbuf_adds(out, c->ip[0] ? c->ip : "our sending IP");
        } else if (slice_eq_cstr(name, "list")) {
            strbuf_adds(out, c->blocklist ? c->blocklist->label : "the blocklist");
            named_list = c->blocklist != NULL;
        } else if (slice_eq_cstr(name, "provider")) {
            /* a cause at one provider (or one unknown site) names it */
            strbuf_adds(out, c->provider[0]                               ? c->provider
                             : c->providers == 1 && c->n_sample_providers ? c->sample_providers[0]
                                                                          : "the receiving site");
        } else {
            strbuf_add(out, open, (size_t)(close - open + 1)); /* not ours: as written */
        }
        p = close + 1;
    }
    if (named_list && c->blocklist->delist_url && c->blocklist->delist_url[0])
        strbuf_addf(out, " (%s)", c->blocklist->delist_url);
}
