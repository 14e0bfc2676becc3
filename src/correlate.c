/*
 * correlate.c - queue state by (host, queue id) (see correlate.h).
 *
 * One hashmap from "host\0qid" to a queue_msg; recipients are a small
 * array (most messages have one). Strings are owned copies.
 *
 * correlate_save walks the whole map for dirty entries (a checkpoint comes
 * every 50,000 lines; the map holds the messages in flight, far fewer), and
 * keeps the keys of dropped entries only for those saved or loaded before -
 * so a run without a store keeps no growing list. correlate_load trusts
 * nothing in a blob: every length and count is checked against what is left.
 */
#include "correlate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hashmap.h"
#include "util/strbuf.h"
#include "util/varint.h"
#include "util/xalloc.h"

struct rcpt_state {
    char *addr;
    size_t addr_len;
    unsigned deferrals;
    bool ended;
    struct event *last_deferral; /* owned; NULL unless the last attempt was a deferral */
    uint32_t last_group;
};

/* bytes kept inside each entry for its strings (sender, message-id, the first
 * recipients' addresses): most messages fit, and a message then costs one
 * allocation instead of five - this runs for every message of the log */
#define MSG_LOCAL_BYTES 112
#define MSG_INLINE_RCPTS 2

struct queue_msg {
    char *sender;
    char *message_id;
    size_t sender_len, message_id_len;
    int64_t size;
    int nrcpt; /* announced recipients, -1 unknown */
    unsigned n_ended;
    int64_t last_seen;
    struct rcpt_state *rcpts;
    size_t n_rcpts, cap_rcpts;
    char *key; /* borrowed from the map for dropping */
    size_t keylen;
    bool dirty;       /* changed since the last correlate_save */
    bool stored;      /* saved or loaded once: a drop must be passed on to correlate_save */
    bool had_expiry;  /* a recipient expired (this run; not kept between runs) */
    bool had_failure; /* a recipient failed: its deliveries are kept (delivered.h); kept */
    struct rcpt_state rcpt_inline[MSG_INLINE_RCPTS];
    size_t local_used;
    char local[MSG_LOCAL_BYTES];
};

/* msg_strdup - a NUL-terminated copy of s, inside m when it fits */
static char *msg_strdup(struct queue_msg *m, struct slice s)
{
    if (m->local_used + s.n + 1 <= sizeof m->local) {
        char *p = m->local + m->local_used;
        if (s.n)
            memcpy(p, s.p, s.n);
        p[s.n] = '\0';
        m->local_used += s.n + 1;
        return p;
    }
    return xmemdup(s.p ? s.p : "", s.n);
}

/* msg_strfree - free a string of msg_strdup (the space inside m is not reused) */
static void msg_strfree(struct queue_msg *m, char *p)
{
    uintptr_t a = (uintptr_t)p, lo = (uintptr_t)m->local;
    if (p && (a < lo || a >= lo + sizeof m->local))
        free(p);
}

/* the lines that follow a message's end come within moments, while a few
 * other messages end: 4096 keys remembered, 4 per set */
#define ENDED_SETS 1024
#define ENDED_WAYS 4

struct correlator {
    struct hashmap *map;
    int64_t max_age;
    uint64_t evicted;
    uint64_t max_live; /* cap on open entries */
    uint64_t capped;   /* entries dropped at the cap */
    void (*on_capped)(void *ctx, const char *key, size_t keylen);
    void *capped_ctx;
    struct strbuf key;
    struct strbuf
        dropped; /* keys of stored entries dropped since the last save: u32 length + bytes */
    size_t n_dropped;
    struct strbuf blob; /* correlate_save's serialisation buffer */
    /* the entry of the last correlate_msg and its key: a message's lines
     * often follow one another (cleanup, qmgr, smtp, qmgr "removed"), and a
     * hit costs one memcmp instead of hashing and probing. Cleared whenever
     * an entry may be freed (drop, sweep, load). */
    struct queue_msg *last;
    size_t last_len;
    char last_key[96];
    /* the key of the last entry dropped, while no entry has been created
     * since: Postfix ends a message twice, with the last recipient's final
     * status and then "removed" -
     *   postfix/smtp[20634]: E8EFBAC43D: to=<...>, ... status=sent (250 2.0.0 OK ...)
     *   postfix/qmgr[812]: E8EFBAC43D: removed
     * and the second drop is known to find nothing */
    bool gone;
    size_t gone_len;
    char gone_key[96];
    /* hashes of the keys of recently dropped entries, set-associative (a set
     * forgets its oldest key when a fifth arrives), so a lookup is four
     * compares: a line about a
     * message that came just after its last status line ended it - Sendmail's
     *   52E9Qra0004312: 52E9Qrb0004312: DSN: Service unavailable
     * after the to= line that bounced the last recipient, Postfix's bounce
     * notification after the status=bounced line - must not be taken for a
     * message whose lines are not in the input */
    uint64_t ended[ENDED_SETS][ENDED_WAYS];
    unsigned char ended_way[ENDED_SETS];
};

static void free_msg(void *p)
{
    struct queue_msg *m = p;
    for (size_t i = 0; i < m->n_rcpts; i++) {
        msg_strfree(m, m->rcpts[i].addr);
        free(m->rcpts[i].last_deferral);
    }
    if (m->rcpts != m->rcpt_inline)
        free(m->rcpts);
    msg_strfree(m, m->sender);
    msg_strfree(m, m->message_id);
    free(m);
}

struct correlator *correlator_new(int64_t max_age_seconds)
{
    struct correlator *c = xcalloc(1, sizeof *c);
    c->map = hashmap_new(free_msg);
    c->max_age = max_age_seconds;
    c->max_live = CORRELATE_MAX_LIVE;
    return c;
}

void correlate_set_max_live(struct correlator *c, uint64_t max,
                            void (*fn)(void *ctx, const char *key, size_t keylen), void *ctx)
{
    c->max_live = max ? max : CORRELATE_MAX_LIVE;
    c->on_capped = fn;
    c->capped_ctx = ctx;
}

uint64_t correlate_capped(const struct correlator *c)
{
    return c->capped;
}

/* kth_smallest - the k-th smallest (0-based) of v[0..n), reordering v (quickselect) */
static int64_t kth_smallest(int64_t *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        int64_t pivot = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                int64_t t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

static void note_dropped(struct correlator *c, const struct queue_msg *m, const char *key,
                         size_t keylen);

/* shed - the map is at its cap: drop the longest idle entries (a tenth of the cap)
 * but keep, an entry being created this moment. The cut is the idle time of the
 * k-th oldest entry (a linear selection over the times, every cap/10 new entries). */
static void shed(struct correlator *c, const struct queue_msg *keep)
{
    size_t n = hashmap_count(c->map);
    size_t k = (size_t)(c->max_live / 10) + 1;
    if (k > n)
        k = n;
    int64_t *seen = xmalloc(n * sizeof *seen);
    const char *key;
    size_t keylen;
    void *value;
    size_t i = 0;
    for (size_t it = 0; hashmap_next(c->map, &it, &key, &keylen, &value);)
        seen[i++] = ((struct queue_msg *)value)->last_seen;
    int64_t cut = kth_smallest(seen, n, k - 1); /* drop last_seen <= cut until k are gone */
    free(seen);
    struct strbuf doomed = STRBUF_INIT;
    size_t n_doomed = 0;
    for (size_t it = 0; n_doomed < k && hashmap_next(c->map, &it, &key, &keylen, &value);) {
        struct queue_msg *m = value;
        if (m == keep || m->last_seen > cut)
            continue;
        uint32_t len = (uint32_t)keylen;
        strbuf_add(&doomed, &len, sizeof len);
        strbuf_add(&doomed, key, keylen);
        n_doomed++;
    }
    c->last = NULL;
    const char *p = doomed.s;
    for (size_t d = 0; d < n_doomed; d++) {
        uint32_t len;
        memcpy(&len, p, sizeof len);
        p += sizeof len;
        struct queue_msg *m = hashmap_take(c->map, p, len);
        if (m) {
            note_dropped(c, m, p, len);
            if (c->on_capped)
                c->on_capped(c->capped_ctx, p, len);
            free_msg(m);
            c->capped++;
        }
        p += len;
    }
    strbuf_free(&doomed);
}

void correlator_free(struct correlator *c)
{
    if (!c)
        return;
    hashmap_free(c->map);
    strbuf_free(&c->key);
    strbuf_free(&c->dropped);
    strbuf_free(&c->blob);
    free(c);
}

/* make_key - "host\0qid" into c->key; this runs for nearly every MTA line,
 * so the usual case (the buffer already big enough) is two memcpy and no call
 * into strbuf */
static void make_key(struct correlator *c, struct slice host, struct slice qid)
{
    size_t need = host.n + 1 + qid.n;
    if (need >= c->key.cap) {
        strbuf_reset(&c->key);
        strbuf_reserve(&c->key, need);
    }
    char *k = c->key.s;
    if (host.n)
        memcpy(k, host.p, host.n);
    k[host.n] = '\0';
    if (qid.n)
        memcpy(k + host.n + 1, qid.p, qid.n);
    k[need] = '\0';
    c->key.len = need;
}

/* key_is - whether the key k (klen bytes) is "host\0qid" (an empty slice
 * may have a NULL pointer, which memcmp must not see) */
static inline bool key_is(const char *k, size_t klen, struct slice host, struct slice qid)
{
    return klen == host.n + 1 + qid.n && k[host.n] == '\0' &&
           (!host.n || memcmp(k, host.p, host.n) == 0) &&
           (!qid.n || memcmp(k + host.n + 1, qid.p, qid.n) == 0);
}

/* last_is - whether the cached last entry is the one of host and qid */
static bool last_is(const struct correlator *c, struct slice host, struct slice qid)
{
    return c->last && key_is(c->last_key, c->last_len, host, qid);
}

/* remember_last - cache m as the entry of the key in c->key (if it fits) */
static void remember_last(struct correlator *c, struct queue_msg *m)
{
    if (c->key.len > sizeof c->last_key) {
        c->last = NULL;
        return;
    }
    memcpy(c->last_key, c->key.s, c->key.len);
    c->last_len = c->key.len;
    c->last = m;
}

struct queue_msg *correlate_msg(struct correlator *c, struct slice host, struct slice qid,
                                int64_t when, bool create)
{
    if (!qid.n)
        return NULL;
    struct queue_msg *m;
    if (last_is(c, host, qid)) {
        m = c->last;
    } else {
        make_key(c, host, qid);
        if (!create) {
            m = hashmap_get(c->map, c->key.s, c->key.len);
            if (!m)
                return NULL;
        } else {
            void **slot = hashmap_slot(c->map, c->key.s, c->key.len);
            if (!*slot) {
                c->gone = false;
                m = xcalloc(1, sizeof *m);
                m->size = -1;
                m->nrcpt = -1;
                m->last_seen = when;
                *slot = m;
                if (hashmap_count(c->map) > c->max_live)
                    shed(c, m); /* may move the map's slots: c->key still names m */
            } else {
                m = *slot;
            }
        }
        remember_last(c, m);
    }
    m->last_seen = when;
    m->dirty = true;
    return m;
}

/* note_dropped - remember the key of a dropped entry for correlate_save; an entry
 * never saved has no stored copy to delete, and without a store nothing is ever
 * saved, so a --no-db run keeps no list */
static void note_dropped(struct correlator *c, const struct queue_msg *m, const char *key,
                         size_t keylen)
{
    if (!m->stored)
        return;
    uint32_t len = (uint32_t)keylen;
    strbuf_add(&c->dropped, &len, sizeof len);
    strbuf_add(&c->dropped, key, keylen);
    c->n_dropped++;
}

void correlate_drop(struct correlator *c, struct slice host, struct slice qid)
{
    if (c->gone && key_is(c->gone_key, c->gone_len, host, qid))
        return;
    make_key(c, host, qid);
    /* 0 marks an empty slot */
    uint64_t h = hash_bytes(c->key.s, c->key.len) | 1;
    unsigned set = (unsigned)(h >> 32) & (ENDED_SETS - 1);
    c->ended[set][c->ended_way[set]++ & (ENDED_WAYS - 1)] = h;
    /* one lookup: take the entry out, then free it as hashmap_del would */
    struct queue_msg *m = hashmap_take(c->map, c->key.s, c->key.len);
    if (m) {
        if (m == c->last)
            c->last = NULL;
        note_dropped(c, m, c->key.s, c->key.len);
        free_msg(m);
    }
    /* absent now either way; the same drop again needs no lookup */
    c->gone = c->key.len <= sizeof c->gone_key;
    if (c->gone) {
        memcpy(c->gone_key, c->key.s, c->key.len);
        c->gone_len = c->key.len;
    }
}

/* set_str - replace a string of m; the same value again (Postfix repeats
 * "(queue active)" on every retry) keeps the old copy */
static void set_str(struct queue_msg *m, char **dst, size_t *len, struct slice s)
{
    if (*dst && *len == s.n && memcmp(*dst, s.p, s.n) == 0)
        return;
    msg_strfree(m, *dst);
    *dst = msg_strdup(m, s);
    *len = s.n;
}

bool correlate_recently_ended(struct correlator *c, struct slice host, struct slice qid)
{
    if (!qid.n)
        return false;
    make_key(c, host, qid);
    uint64_t h = hash_bytes(c->key.s, c->key.len) | 1;
    unsigned set = (unsigned)(h >> 32) & (ENDED_SETS - 1);
    for (unsigned i = 0; i < ENDED_WAYS; i++)
        if (c->ended[set][i] == h)
            return true;
    return false;
}

bool queue_msg_had_expiry(const struct queue_msg *m)
{
    return m->had_expiry;
}

void queue_msg_set_sender(struct queue_msg *m, struct slice sender)
{
    m->dirty = true;
    set_str(m, &m->sender, &m->sender_len, sender);
}

void queue_msg_set_message_id(struct queue_msg *m, struct slice message_id)
{
    m->dirty = true;
    set_str(m, &m->message_id, &m->message_id_len, message_id);
}

void queue_msg_set_size(struct queue_msg *m, int64_t size, int nrcpt)
{
    m->dirty = true;
    if (size >= 0)
        m->size = size;
    /* Postfix repeats "(queue active)" on every retry, possibly with fewer
     * recipients left: the largest count is the message's */
    if (nrcpt > m->nrcpt)
        m->nrcpt = nrcpt;
}

struct slice queue_msg_sender(const struct queue_msg *m)
{
    return m && m->sender ? slice_make(m->sender, m->sender_len) : SLICE_EMPTY;
}

struct slice queue_msg_message_id(const struct queue_msg *m)
{
    return m && m->message_id ? slice_make(m->message_id, m->message_id_len) : SLICE_EMPTY;
}

static struct rcpt_state *find_rcpt(struct queue_msg *m, struct slice rcpt, bool create)
{
    for (size_t i = 0; i < m->n_rcpts; i++)
        if (m->rcpts[i].addr_len == rcpt.n && memcmp(m->rcpts[i].addr, rcpt.p, rcpt.n) == 0)
            return &m->rcpts[i];
    if (!create)
        return NULL;
    if (!m->cap_rcpts) {
        m->rcpts = m->rcpt_inline;
        m->cap_rcpts = MSG_INLINE_RCPTS;
    } else if (m->n_rcpts == m->cap_rcpts) {
        struct rcpt_state *more = xmalloc(m->cap_rcpts * 2 * sizeof *more);
        memcpy(more, m->rcpts, m->n_rcpts * sizeof *more);
        if (m->rcpts != m->rcpt_inline)
            free(m->rcpts);
        m->rcpts = more;
        m->cap_rcpts *= 2;
    }
    struct rcpt_state *r = &m->rcpts[m->n_rcpts++];
    memset(r, 0, sizeof *r);
    r->addr = msg_strdup(m, rcpt);
    r->addr_len = rcpt.n;
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
    m->dirty = true;
    struct rcpt_state *r = find_rcpt(m, rcpt, true);
    info->prior_deferrals = r->deferrals;
    info->last_group = r->last_deferral ? r->last_group : 0;
    if (e)
        m->had_failure = true;
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

unsigned correlate_expire(struct correlator *c, struct queue_msg *m, struct slice rcpt,
                          expire_fn fn, void *ctx)
{
    (void)c;
    m->dirty = true;
    m->had_failure = true;
    if (rcpt.n) {
        struct rcpt_state *r = find_rcpt(m, rcpt, true);
        fn(ctx, rcpt, r->last_deferral, r->deferrals, r->last_group);
        end_rcpt(m, r);
        m->had_expiry = true;
        return 1;
    }
    unsigned n = 0;
    for (size_t i = 0; i < m->n_rcpts; i++) {
        struct rcpt_state *r = &m->rcpts[i];
        if (r->ended || !r->last_deferral)
            continue;
        fn(ctx, slice_cstr(r->addr), r->last_deferral, r->deferrals, r->last_group);
        end_rcpt(m, r);
        n++;
    }
    if (n)
        m->had_expiry = true;
    return n;
}

int queue_msg_open(const struct queue_msg *m)
{
    return m && m->nrcpt > 0 ? m->nrcpt - (int)m->n_ended : -1;
}

bool queue_msg_had_failure(const struct queue_msg *m)
{
    return m && m->had_failure;
}

void queue_msg_mark_failure(struct queue_msg *m)
{
    m->had_failure = true;
}

bool queue_msg_finished(const struct queue_msg *m)
{
    return m->nrcpt > 0 && m->n_ended >= (unsigned)m->nrcpt;
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
            note_dropped(c, m, key, keylen);
            uint32_t len = (uint32_t)keylen;
            strbuf_add(&doomed, &len, sizeof len);
            strbuf_add(&doomed, key, keylen);
            n_doomed++;
        }
    }
    if (n_doomed)
        c->last = NULL;
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

/* ---- keeping the state between runs ----------------------------------- */

/*
 * The blob of one entry (util/varint.h: integers LEB128 varints, signed ones
 * zigzagged; a string is its length then its bytes - log bytes may hold NUL):
 *   version(2) flags(bit 0 sender, bit 1 message-id, bit 2 had a failure)
 *   [sender] [message-id]
 *   size nrcpt n_ended last_seen n_rcpts
 *   per recipient: addr deferrals ended has_last [event]
 *   event: event_encode (event.h): the stored event columns, each tagged with
 *          its name, so that a column added since still reads
 * Version 1 wrote the event as a fixed list (event_decode_v1): still read.
 * Reason and blocklist go by name: the classifier's tables are rebuilt by every
 * run (and may have been edited in between). The event's file is not kept: an
 * expiry replaces it with its own line's.
 */
#define BLOB_VERSION 2

static void put_cstr(struct strbuf *b, const char *s)
{
    varint_put_bytes(b, s, s ? strlen(s) : 0);
}

/* serialise - the blob of m into b */
static void serialise(const struct queue_msg *m, struct strbuf *b)
{
    strbuf_reset(b);
    varint_put_u(b, BLOB_VERSION);
    varint_put_u(b, (m->sender ? 1u : 0u) | (m->message_id ? 2u : 0u) | (m->had_failure ? 4u : 0u));
    if (m->sender)
        put_cstr(b, m->sender);
    if (m->message_id)
        put_cstr(b, m->message_id);
    varint_put_i(b, m->size);
    varint_put_i(b, m->nrcpt);
    varint_put_u(b, m->n_ended);
    varint_put_i(b, m->last_seen);
    varint_put_u(b, m->n_rcpts);
    for (size_t i = 0; i < m->n_rcpts; i++) {
        const struct rcpt_state *r = &m->rcpts[i];
        put_cstr(b, r->addr);
        varint_put_u(b, r->deferrals);
        varint_put_u(b, r->ended);
        const struct event *e = r->last_deferral;
        varint_put_u(b, e != NULL);
        if (e)
            event_encode(e, b);
    }
}

void correlate_save(struct correlator *c,
                    void (*fn)(void *ctx, const char *key, size_t keylen, const void *blob,
                               size_t n),
                    void *ctx)
{
    /* drops first: a key dropped and used again since the last save is deleted,
     * then written anew below */
    const char *p = c->dropped.s;
    for (size_t i = 0; i < c->n_dropped; i++) {
        uint32_t len;
        memcpy(&len, p, sizeof len);
        p += sizeof len;
        fn(ctx, p, len, NULL, 0);
        p += len;
    }
    strbuf_reset(&c->dropped);
    c->n_dropped = 0;
    const char *key;
    size_t keylen;
    void *value;
    for (size_t it = 0; hashmap_next(c->map, &it, &key, &keylen, &value);) {
        struct queue_msg *m = value;
        if (!m->dirty)
            continue;
        serialise(m, &c->blob);
        fn(ctx, key, keylen, c->blob.s, c->blob.len);
        m->dirty = false;
        m->stored = true;
    }
}

int correlate_load(struct correlator *c, struct classifier *cl, const char *key, size_t keylen,
                   const void *blob, size_t n)
{
    if (!key || !keylen || !memchr(key, '\0', keylen) || !blob)
        return -1;
    struct varint_reader r = varint_reader_init(blob, n);
    uint64_t version = varint_get_u(&r);
    if ((version != 1 && version != BLOB_VERSION) || r.bad)
        return -1;
    struct queue_msg *m = xcalloc(1, sizeof *m);
    uint64_t flags = varint_get_u(&r);
    if (flags & ~(uint64_t)7)
        goto err;
    m->had_failure = (flags & 4) != 0;
    if (flags & 1) {
        struct slice s = varint_get_bytes(&r);
        m->sender = msg_strdup(m, s);
        m->sender_len = s.n;
    }
    if (flags & 2) {
        struct slice s = varint_get_bytes(&r);
        m->message_id = msg_strdup(m, s);
        m->message_id_len = s.n;
    }
    m->size = varint_get_i(&r);
    int64_t nrcpt = varint_get_i(&r);
    uint64_t n_ended = varint_get_u(&r);
    m->last_seen = varint_get_i(&r);
    uint64_t n_rcpts = varint_get_u(&r);
    /* a recipient takes at least four bytes: a count beyond that is garbage */
    if (r.bad || nrcpt < -1 || nrcpt > INT32_MAX || n_rcpts > (uint64_t)(r.end - r.p) / 4 ||
        n_ended > n_rcpts)
        goto err;
    m->nrcpt = (int)nrcpt;
    if (n_rcpts) {
        m->rcpts = xcalloc((size_t)n_rcpts, sizeof *m->rcpts);
        m->n_rcpts = m->cap_rcpts = (size_t)n_rcpts;
    }
    unsigned ended = 0;
    for (size_t i = 0; i < m->n_rcpts; i++) {
        struct rcpt_state *rs = &m->rcpts[i];
        struct slice addr = varint_get_bytes(&r);
        rs->addr = msg_strdup(m, addr);
        rs->addr_len = addr.n;
        uint64_t deferrals = varint_get_u(&r), is_ended = varint_get_u(&r),
                 has_last = varint_get_u(&r);
        if (r.bad || deferrals > UINT32_MAX || is_ended > 1 || has_last > 1)
            goto err;
        rs->deferrals = (unsigned)deferrals;
        rs->ended = is_ended;
        ended += rs->ended;
        if (!has_last)
            continue;
        struct event e;
        if ((version == 1 ? event_decode_v1(&r, &e, cl) : event_decode(&r, &e, cl)) < 0)
            goto err;
        rs->last_deferral = event_dup(&e);
    }
    if (r.bad || r.p != r.end || ended != n_ended)
        goto err;
    m->n_ended = ended;
    m->stored = true; /* it has a stored copy: a drop must delete it */
    c->last = NULL;   /* the put may replace (and free) an entry */
    c->gone = false;
    hashmap_put(c->map, key, keylen, m);
    if (hashmap_count(c->map) > c->max_live)
        shed(c, m);
    return 0;
err:
    free_msg(m);
    return -1;
}
