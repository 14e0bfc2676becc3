/*
 * correlate.c - queue state by (host, queue id) (see correlate.h).
 *
 * One hashmap from "host\0qid" to a queue_msg; recipients are a small
 * array (most messages have one). Strings are owned copies.
 */
#include "correlate.h"

#include <stdlib.h>
#include <string.h>

#include "util/hashmap.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

struct rcpt_state {
    char *addr;
    unsigned deferrals;
    bool ended;
    struct event *last_deferral; /* owned; NULL unless the last attempt was a deferral */
    uint32_t last_group;
};

struct queue_msg {
    char *sender;
    char *message_id;
    int64_t size;
    int nrcpt;          /* announced recipients, -1 unknown */
    unsigned n_ended;
    int64_t last_seen;
    struct rcpt_state *rcpts;
    size_t n_rcpts, cap_rcpts;
    char *key; /* borrowed from the map for dropping */
    size_t keylen;
};

struct correlator {
    struct hashmap *map;
    int64_t max_age;
    uint64_t evicted;
    struct strbuf key;
};

static void free_msg(void *p)
{
    struct queue_msg *m = p;
    for (size_t i = 0; i < m->n_rcpts; i++) {
        free(m->rcpts[i].addr);
        free(m->rcpts[i].last_deferral);
    }
    free(m->rcpts);
    free(m->sender);
    free(m->message_id);
    free(m);
}

struct correlator *correlator_new(int64_t max_age_seconds)
{
    struct correlator *c = xcalloc(1, sizeof *c);
    c->map = hashmap_new(free_msg);
    c->max_age = max_age_seconds;
    return c;
}

void correlator_free(struct correlator *c)
{
    if (!c)
        return;
    hashmap_free(c->map);
    strbuf_free(&c->key);
    free(c);
}

static void make_key(struct correlator *c, struct slice host, struct slice qid)
{
    strbuf_reset(&c->key);
    strbuf_add(&c->key, host.p, host.n);
    strbuf_addc(&c->key, '\0');
    strbuf_add(&c->key, qid.p, qid.n);
}

struct queue_msg *correlate_msg(struct correlator *c, struct slice host, struct slice qid,
                                int64_t when, bool create)
{
    if (!qid.n)
        return NULL;
    make_key(c, host, qid);
    if (!create) {
        struct queue_msg *m = hashmap_get(c->map, c->key.s, c->key.len);
        if (m)
            m->last_seen = when;
        return m;
    }
    void **slot = hashmap_slot(c->map, c->key.s, c->key.len);
    if (!*slot) {
        struct queue_msg *m = xcalloc(1, sizeof *m);
        m->size = -1;
        m->nrcpt = -1;
        *slot = m;
    }
    struct queue_msg *m = *slot;
    m->last_seen = when;
    return m;
}

void correlate_drop(struct correlator *c, struct slice host, struct slice qid)
{
    make_key(c, host, qid);
    hashmap_del(c->map, c->key.s, c->key.len);
}

static void set_str(char **dst, struct slice s)
{
    free(*dst);
    *dst = xmemdup(s.p, s.n);
}

void queue_msg_set_sender(struct queue_msg *m, struct slice sender)
{
    set_str(&m->sender, sender);
}

void queue_msg_set_message_id(struct queue_msg *m, struct slice message_id)
{
    set_str(&m->message_id, message_id);
}

void queue_msg_set_size(struct queue_msg *m, int64_t size, int nrcpt)
{
    if (size >= 0)
        m->size = size;
    /* Postfix repeats "(queue active)" on every retry, possibly with fewer
     * recipients left: the largest count is the message's */
    if (nrcpt > m->nrcpt)
        m->nrcpt = nrcpt;
}

struct slice queue_msg_sender(const struct queue_msg *m)
{
    return m && m->sender ? slice_cstr(m->sender) : SLICE_EMPTY;
}

struct slice queue_msg_message_id(const struct queue_msg *m)
{
    return m && m->message_id ? slice_cstr(m->message_id) : SLICE_EMPTY;
}

static struct rcpt_state *find_rcpt(struct queue_msg *m, struct slice rcpt, bool create)
{
    for (size_t i = 0; i < m->n_rcpts; i++)
        if (strlen(m->rcpts[i].addr) == rcpt.n && memcmp(m->rcpts[i].addr, rcpt.p, rcpt.n) == 0)
            return &m->rcpts[i];
    if (!create)
        return NULL;
    if (m->n_rcpts == m->cap_rcpts) {
        m->cap_rcpts = m->cap_rcpts ? m->cap_rcpts * 2 : 2;
        m->rcpts = xrealloc(m->rcpts, m->cap_rcpts * sizeof *m->rcpts);
    }
    struct rcpt_state *r = &m->rcpts[m->n_rcpts++];
    memset(r, 0, sizeof *r);
    r->addr = xmemdup(rcpt.p, rcpt.n);
    return r;
}

/* end_rcpt - the recipient has a final status; true when the whole message is done */
static bool end_rcpt(struct queue_msg *m, struct rcpt_state *r)
{
    free(r->last_deferral);
    r->last_deferral = NULL;
    if (!r->ended) {
        r->ended = true;
        m->n_ended++;
    }
    return m->nrcpt > 0 && m->n_ended >= (unsigned)m->nrcpt;
}

void correlate_attempt(struct correlator *c, struct queue_msg *m, struct slice host,
                       struct slice qid, struct slice rcpt, const struct event *e,
                       uint32_t group_id, struct attempt_info *info)
{
    memset(info, 0, sizeof *info);
    struct rcpt_state *r = find_rcpt(m, rcpt, true);
    info->prior_deferrals = r->deferrals;
    info->last_group = r->last_deferral ? r->last_group : 0;
    if (e && e->status == DELIVERY_DEFERRED) {
        r->deferrals++;
        info->attempts = r->deferrals;
        free(r->last_deferral);
        r->last_deferral = event_dup(e);
        r->last_group = group_id;
        return;
    }
    info->attempts = r->deferrals;
    if (end_rcpt(m, r))
        correlate_drop(c, host, qid);
}

unsigned correlate_peek_deferrals(struct queue_msg *m, struct slice rcpt)
{
    struct rcpt_state *r = find_rcpt(m, rcpt, false);
    return r ? r->deferrals : 0;
}

int64_t correlate_last_deferral_time(struct queue_msg *m, struct slice rcpt)
{
    struct rcpt_state *r = find_rcpt(m, rcpt, false);
    return r && r->last_deferral ? r->last_deferral->when : 0;
}

void correlate_expire(struct correlator *c, struct queue_msg *m, struct slice rcpt,
                      expire_fn fn, void *ctx)
{
    (void)c;
    if (rcpt.n) {
        struct rcpt_state *r = find_rcpt(m, rcpt, true);
        fn(ctx, rcpt, r->last_deferral, r->deferrals, r->last_group);
        end_rcpt(m, r);
        return;
    }
    for (size_t i = 0; i < m->n_rcpts; i++) {
        struct rcpt_state *r = &m->rcpts[i];
        if (r->ended || !r->last_deferral)
            continue;
        fn(ctx, slice_cstr(r->addr), r->last_deferral, r->deferrals, r->last_group);
        end_rcpt(m, r);
    }
}

uint64_t correlate_sweep(struct correlator *c, int64_t now)
{
    uint64_t dropped = 0;
    const char *key;
    size_t keylen;
    void *value;
    /* collect first: deleting while iterating an open-addressing table is unsafe */
    struct strbuf doomed = STRBUF_INIT;
    size_t n_doomed = 0;
    for (size_t it = 0; hashmap_next(c->map, &it, &key, &keylen, &value);) {
        struct queue_msg *m = value;
        if (m->last_seen < now - c->max_age) {
            uint32_t len = (uint32_t)keylen;
            strbuf_add(&doomed, &len, sizeof len);
            strbuf_add(&doomed, key, keylen);
            n_doomed++;
        }
    }
    const char *p = doomed.s;
    for (size_t i = 0; i < n_doomed; i++) {
        uint32_t len;
        memcpy(&len, p, sizeof len);
        p += sizeof len;
        dropped += (uint64_t)hashmap_del(c->map, p, len);
        p += len;
    }
    strbuf_free(&doomed);
    c->evicted += dropped;
    return dropped;
}

uint64_t correlate_live(const struct correlator *c)
{
    return hashmap_count(c->map);
}

uint64_t correlate_evicted(const struct correlator *c)
{
    return c->evicted;
}
