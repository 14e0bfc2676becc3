/*
 * dnsbl.c - the blocklist lookup engine (contract in dnsbl.h).
 *
 * Why things are done this way:
 *  - c-ares 1.18.1 (Debian 12) defaults to 5 s x 4 tries per query; one dead
 *    list would stall a report for minutes, so timeout and tries come from
 *    options (400 ms x 2 by default; c-ares doubles the timeout on the retry).
 *  - ARES_FLAG_NOCHECKRESP: without it c-ares treats SERVFAIL/REFUSED as
 *    "try the next server" and finally reports a vague error; we want to say
 *    "REFUSED" because that is what a list blocking us answers.
 *  - Answers are not read with ares_parse_a_reply, which skips malformed A
 *    records and follows CNAMEs silently, so a 3-byte A record or a CNAME to
 *    itself came out as "no address" = "not listed". dnsbl_answer.c reads the
 *    packet whole; only NXDOMAIN or well-formed A records decide.
 *  - Queries go out at most max_inflight at a time: a burst of thousands of
 *    UDP packets overflows socket buffers and answers are lost (seen as
 *    timeouts, i.e. "unknown" for no reason of the list's).
 *  - Self-test first (RFC 5782 s5). Resolvers on many hosting networks answer
 *    NXDOMAIN for everything, or Spamhaus answers 127.255.255.254 to public
 *    resolvers; without the test both would read as "clean".
 *
 * Memory: entries and their result arrays are owned by the context; strings
 * made at run time (reasons, TXT, URLs) go into one list freed by dnsbl_free.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem (slice.h), getline */
#endif
#include "dnsbl.h"

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blocklists.h"
#include "dnsbl_answer.h"
#include "dnsbl_names.h"
#include "util/hashmap.h"
#include "util/xalloc.h"

#define MAX_A DNSBL_ANSWER_MAX_A
#define T_A DNSBL_T_A /* DNS type numbers, as ares_query wants them */
#define T_TXT DNSBL_T_TXT

/* one DNS answer as we keep it: what dnsbl_answer_read made of the packet, or
 * why no packet came (timeout, connection refused: kind BAD, `why` says so) */
struct answer {
    bool done;
    enum dnsbl_answer_kind kind;
    const char *why; /* BAD: the reason; owned by the context's string list or static */
    uint32_t a[MAX_A];
    int n;
    uint32_t ttl; /* DATA: already bounded (dnsbl_ttl_bound) */
    char *txt;    /* DATA of a TXT query; owned by the context's string list */
};

/* a list this run checks, with the zone it really asks and the one it shows */
struct active {
    const struct blcat_list *list;
    char *qzone; /* may contain the DQS key: never shown */
    char *dzone;
};

struct ztest {
    struct dnsbl_zone_test pub;
    size_t active;
    enum dnsbl_kind family;
    bool run;
    struct answer listed, unlisted;
};

struct slot {
    size_t active;
    long test; /* index into tests, -1: not yet chosen */
    bool done;
    struct answer a, t;
};

struct entry {
    struct dnsbl_entry pub;
    struct dnsbl_addr addr;
    struct dnsbl_result *res;
    struct slot *slots;
    size_t n;
};

struct query {
    struct dnsbl *d;
    struct answer *ans;
    int type;
    char name[DNSBL_NAME_MAX + 1];
};

struct dnsbl {
    struct blcat *cat;
    struct dnsbl_config cfg;
    ares_channel ch;
    struct active *act;
    size_t n_act;
    struct entry *ent;
    size_t n_ent;
    struct hashmap *index; /* normalised address -> entry index + 1 */
    struct ztest *tests;
    size_t n_tests;
    struct pollfd *pfd; /* maintained by the socket state callback */
    size_t n_pfd;
    size_t inflight;
    char **strs; /* strings we own */
    size_t n_strs;
    struct dnsbl_stats stats;
};

/* keep - take ownership of a malloc'd string; returns it */
static char *keep(struct dnsbl *d, char *s)
{
    d->strs = xrealloc(d->strs, (d->n_strs + 1) * sizeof *d->strs);
    d->strs[d->n_strs++] = s;
    return s;
}

static char *keepf(struct dnsbl *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* keepf - a formatted string owned by the context */
static char *keepf(struct dnsbl *d, const char *fmt, ...)
{
    struct strbuf sb = STRBUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    strbuf_vaddf(&sb, fmt, ap);
    va_end(ap);
    return keep(d, sb.s ? sb.s : xstrdup(""));
}

/* sock_state - c-ares tells us which sockets to poll for what */
static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    struct dnsbl *d = data;
    size_t i;
    for (i = 0; i < d->n_pfd; i++)
        if (d->pfd[i].fd == fd)
            break;
    if (!readable && !writable) {
        if (i < d->n_pfd)
            d->pfd[i] = d->pfd[--d->n_pfd];
        return;
    }
    if (i == d->n_pfd) {
        d->pfd = xrealloc(d->pfd, (d->n_pfd + 1) * sizeof *d->pfd);
        d->n_pfd++;
    }
    d->pfd[i].fd = fd;
    d->pfd[i].events = (short)((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));
    d->pfd[i].revents = 0;
}

/* transport_reason - why a query gave no answer at all, in the words people search for */
static const char *transport_reason(struct dnsbl *d, int status)
{
    switch (status) {
    case ARES_ETIMEOUT:
        return keepf(d, "timeout: no answer within %ld ms x %ld tries", d->cfg.timeout_ms,
                     d->cfg.tries);
    case ARES_ESERVFAIL:
        return "SERVFAIL";
    case ARES_EREFUSED:
        return "REFUSED";
    case ARES_ECONNREFUSED:
        return "connection refused: no DNS server listening";
    case ARES_EBADNAME:
        return "name too long for DNS";
    default:
        return keepf(d, "DNS error: %s", ares_strerror(status));
    }
}

/* on_answer - c-ares callback: keep what the answer said. c-ares hands over the
 * packet whatever its rcode (ARES_FLAG_NOCHECKRESP); dnsbl_answer_read judges it,
 * so a malformed answer can never pass for "not listed" */
static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    struct query *q = arg;
    struct dnsbl *d = q->d;
    struct answer *an = q->ans;
    d->inflight--;
    an->done = true;
    if (status == ARES_ETIMEOUT)
        d->stats.timeouts++;
    else if (abuf)
        d->stats.answered++;
    if (!abuf || alen <= 0) {
        an->kind = DNSBL_ANSWER_BAD;
        an->why = transport_reason(d, status == ARES_SUCCESS ? ARES_EBADRESP : status);
        return;
    }
    struct dnsbl_answer r;
    dnsbl_answer_read(abuf, (size_t)alen, q->name, q->type, &r);
    an->kind = r.kind;
    if (r.kind == DNSBL_ANSWER_BAD) {
        an->why = keep(d, xstrdup(r.why));
    } else if (r.kind == DNSBL_ANSWER_DATA) {
        an->n = r.n_a;
        memcpy(an->a, r.a, (size_t)r.n_a * sizeof *an->a);
        an->ttl = r.ttl;
        if (q->type == T_TXT)
            an->txt = keep(d, xstrdup(r.txt));
    }
}

/* run_queries - send qs[0..n) with at most max_inflight outstanding, until all answered */
static int run_queries(struct dnsbl *d, struct query *qs, size_t n, struct strbuf *err)
{
    size_t next = 0;
    size_t cap = (size_t)d->cfg.max_inflight;
    struct pollfd *snap = NULL;
    size_t snap_cap = 0;
    while (next < n || d->inflight > 0) {
        while (next < n && d->inflight < cap) {
            d->inflight++;
            d->stats.queries++;
            /* the callback may run inside ares_query (bad name, no memory) */
            ares_query(d->ch, qs[next].name, 1 /* C_IN */, qs[next].type, on_answer, &qs[next]);
            next++;
        }
        if (d->inflight == 0)
            continue;
        struct timeval tv, *tvp = ares_timeout(d->ch, NULL, &tv);
        int ms = tvp ? (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000) : 1000;
        if (d->n_pfd > snap_cap) {
            snap_cap = d->n_pfd;
            snap = xrealloc(snap, snap_cap * sizeof *snap);
        }
        size_t ns = d->n_pfd;
        if (ns)
            memcpy(snap, d->pfd, ns * sizeof *snap);
        int rc = poll(snap, ns, ms);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            strbuf_addf(err, "poll: %s", strerror(errno));
            free(snap);
            return -1;
        }
        if (rc == 0) {
            ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timeouts */
            continue;
        }
        for (size_t i = 0; i < ns; i++) {
            short r = snap[i].revents;
            if (!r)
                continue;
            ares_process_fd(d->ch,
                            (r & (POLLIN | POLLERR | POLLHUP)) ? snap[i].fd : ARES_SOCKET_BAD,
                            (r & POLLOUT) ? snap[i].fd : ARES_SOCKET_BAD);
        }
    }
    free(snap);
    return 0;
}

static void v4text(uint32_t a, char out[16])
{
    snprintf(out, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* bad_answer - NULL if every A record of an answer is a listing code, else why not */
static const char *bad_answer(struct dnsbl *d, const struct blcat_list *l, const struct answer *an)
{
    char t[16];
    for (int i = 0; i < an->n; i++) {
        uint32_t a = an->a[i];
        v4text(a, t);
        const struct blcat_code *e = blcat_error(l, a);
        if (e)
            return keepf(d, "error code %s: %s", t, e->meaning);
        if ((a >> 24) != 127)
            return keepf(d,
                         "answer %s is outside 127.0.0.0/8: a resolver that rewrites answers "
                         "or a broken list",
                         t);
        if (a == 0x7f000001)
            return keepf(d, "answer 127.0.0.1, which no working list gives: a broken list or a "
                            "rewriting resolver");
    }
    return NULL;
}

/* finish_test - decide whether a zone can be trusted from this resolver */
static void finish_test(struct dnsbl *d, struct ztest *z)
{
    const struct active *ac = &d->act[z->active];
    const struct blcat_list *l = ac->list;
    const char *lp = z->family == DNSBL_KIND_IP6 ? l->test_listed6 : l->test_listed;
    const char *up = z->family == DNSBL_KIND_IP6 ? l->test_unlisted6 : l->test_unlisted;
    const char *why = NULL;
    const struct answer *a = &z->listed, *u = &z->unlisted;
    if (a->kind == DNSBL_ANSWER_DATA) {
        why = bad_answer(d, l, a);
        if (why && strncmp(why, "error code", 10) != 0)
            why = keepf(d, "zone failed its self-test: test point %s: %s", lp, why);
    } else if (a->kind == DNSBL_ANSWER_NXDOMAIN) {
        why = keepf(d,
                    "zone failed its self-test: test point %s (RFC 5782) is not listed: the zone "
                    "does not answer from this resolver, or the resolver answers NXDOMAIN for "
                    "everything",
                    lp);
    } else {
        why = a->why;
    }
    if (!why) {
        if (u->kind == DNSBL_ANSWER_DATA) {
            const char *b = bad_answer(d, l, u);
            if (b && !strncmp(b, "error code", 10))
                why = b;
            else
                why = keepf(d,
                            "zone failed its self-test: test point %s (RFC 5782), which must not "
                            "be listed, is listed: the zone lists everything or a resolver "
                            "rewrites answers",
                            up);
        } else if (u->kind == DNSBL_ANSWER_BAD) {
            why = u->why; /* only NXDOMAIN says "not listed" (RFC 5782 s2.1) */
        }
    }
    if (why && l->hint)
        why = keepf(d, "%s (%s)", why, l->hint);
    z->pub.usable = why == NULL;
    z->pub.reason = why;
}

/* test_for - the index of the self-test of (active list, family), created if new */
static size_t test_for(struct dnsbl *d, size_t active, enum dnsbl_kind family)
{
    for (size_t i = 0; i < d->n_tests; i++)
        if (d->tests[i].active == active && d->tests[i].family == family)
            return i;
    d->tests = xrealloc(d->tests, (d->n_tests + 1) * sizeof *d->tests);
    struct ztest *z = &d->tests[d->n_tests];
    memset(z, 0, sizeof *z);
    z->active = active;
    z->family = family;
    z->pub.list_id = d->act[active].list->id;
    z->pub.zone = d->act[active].dzone;
    z->pub.family = dnsbl_kind_word(family);
    return d->n_tests++;
}

/* code_cmp - sort codes by address */
static int code_cmp(const void *x, const void *y)
{
    const struct dnsbl_code *a = x, *b = y;
    struct in_addr ia, ib;
    inet_pton(AF_INET, a->addr, &ia);
    inet_pton(AF_INET, b->addr, &ib);
    uint32_t ua = ntohl(ia.s_addr), ub = ntohl(ib.s_addr);
    return ua < ub ? -1 : ua > ub;
}

/* set_listed - fill a result's codes from A records (already checked by bad_answer) */
static void set_listed(struct dnsbl *d, struct dnsbl_result *r, const struct blcat_list *l,
                       const uint32_t *a, int n)
{
    struct dnsbl_code *codes = xcalloc((size_t)n, sizeof *codes);
    keep(d, (char *)codes);
    uint32_t seen[MAX_A];
    size_t k = 0;
    for (int i = 0; i < n && k < MAX_A; i++) {
        /* a list may repeat a code in one answer: show it once */
        bool dup = false;
        for (size_t j = 0; j < k; j++)
            if (seen[j] == a[i])
                dup = true;
        if (dup)
            continue;
        seen[k] = a[i];
        struct dnsbl_code *c = &codes[k++];
        v4text(a[i], c->addr);
        const struct blcat_code *cc = blcat_code(l, a[i]);
        c->tag = cc ? cc->tag : "";
        c->meaning = cc ? cc->meaning : "code not in the catalogue";
        c->advice = cc ? cc->advice : NULL;
    }
    qsort(codes, k, sizeof *codes, code_cmp);
    r->status = DNSBL_LISTED;
    r->codes = codes;
    r->n_codes = k;
    r->advice = l->advice;
    for (size_t j = 0; j < k; j++)
        if (codes[j].advice) {
            r->advice = codes[j].advice;
            break;
        }
}

/* finish_slot - turn the answers of one (address, list) into a result */
static void finish_slot(struct dnsbl *d, struct entry *e, size_t j)
{
    struct slot *s = &e->slots[j];
    struct dnsbl_result *r = &e->res[j];
    const struct blcat_list *l = d->act[s->active].list;
    s->done = true;
    const struct ztest *z = &d->tests[s->test];
    if (!z->pub.usable) {
        r->status = DNSBL_UNKNOWN;
        r->reason = z->pub.reason;
        return;
    }
    if (s->t.done && s->t.kind == DNSBL_ANSWER_DATA && s->t.txt)
        r->txt = s->t.txt;
    const char *why = NULL;
    if (s->a.kind == DNSBL_ANSWER_DATA) {
        why = bad_answer(d, l, &s->a);
        if (!why) {
            set_listed(d, r, l, s->a.a, s->a.n);
            r->ttl = s->a.ttl;
        }
    } else if (s->a.kind == DNSBL_ANSWER_NXDOMAIN) {
        r->status = DNSBL_NOT_LISTED;
        r->ttl = DNSBL_NEGATIVE_TTL;
        r->txt = "";
    } else {
        why = s->a.why;
    }
    if (why) {
        r->status = DNSBL_UNKNOWN;
        r->reason = l->hint ? keepf(d, "%s (%s)", why, l->hint) : why;
        r->txt = "";
        return;
    }
    d->stats.lookups++;
    if (d->cfg.cache_store) {
        struct strbuf codes = STRBUF_INIT;
        for (size_t k = 0; k < r->n_codes; k++)
            strbuf_addf(&codes, "%s%s", k ? "," : "", r->codes[k].addr);
        struct dnsbl_cached c = { r->status, strbuf_cstr(&codes), r->txt, r->ttl };
        d->cfg.cache_store(d->cfg.cache_arg, e->pub.address, r->zone, &c);
        strbuf_free(&codes);
    }
}

/* from_cache - fill a result from the persistent cache; true on a hit */
static bool from_cache(struct dnsbl *d, struct entry *e, size_t j)
{
    struct dnsbl_result *r = &e->res[j];
    struct dnsbl_cached c;
    if (!d->cfg.cache_lookup ||
        d->cfg.cache_lookup(d->cfg.cache_arg, e->pub.address, r->zone, &c) != 1)
        return false;
    if (c.status != DNSBL_LISTED && c.status != DNSBL_NOT_LISTED)
        return false;
    /* a row kept with an unbounded TTL (before TTLs were bounded, or by another
     * program) is not trusted for longer than a fresh answer would be: ask again */
    if (c.ttl > DNSBL_TTL_MAX)
        return false;
    const struct blcat_list *l = d->act[e->slots[j].active].list;
    r->txt = keep(d, xstrdup(c.txt ? c.txt : ""));
    r->ttl = c.ttl;
    r->cached = true;
    r->status = DNSBL_NOT_LISTED;
    if (c.status == DNSBL_LISTED) {
        uint32_t a[MAX_A];
        int n = 0;
        const char *p = c.codes ? c.codes : "";
        while (*p && n < MAX_A) {
            char buf[16];
            size_t w = strcspn(p, ",");
            struct in_addr ia;
            if (w < sizeof buf) {
                memcpy(buf, p, w);
                buf[w] = '\0';
                if (inet_pton(AF_INET, buf, &ia) == 1)
                    a[n++] = ntohl(ia.s_addr);
            }
            p += w;
            p += *p == ',';
        }
        if (n == 0)
            return false;
        set_listed(d, r, l, a, n);
    }
    e->slots[j].done = true;
    d->stats.cache_hits++;
    return true;
}

/* summarise - an entry's one-word status */
static void summarise(struct entry *e)
{
    enum dnsbl_status s = DNSBL_UNCHECKED;
    for (size_t j = 0; j < e->n; j++) {
        enum dnsbl_status r = e->res[j].status;
        if (r == DNSBL_LISTED)
            s = DNSBL_LISTED;
        else if (r == DNSBL_UNKNOWN && s != DNSBL_LISTED)
            s = DNSBL_UNKNOWN;
        else if (r == DNSBL_NOT_LISTED && s == DNSBL_UNCHECKED)
            s = DNSBL_NOT_LISTED;
    }
    e->pub.summary = s;
}

/* add_query - append one query naming a under zone; false if the name is too long */
static bool add_query(struct dnsbl *d, struct query **qs, size_t *n, size_t *cap,
                      const struct dnsbl_addr *a, const char *zone, int type, struct answer *ans)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *qs = xrealloc(*qs, *cap * sizeof **qs);
    }
    struct query *q = &(*qs)[*n];
    q->d = d;
    q->ans = ans;
    q->type = type;
    memset(ans, 0, sizeof *ans);
    if (dnsbl_addr_name(a, zone, q->name, sizeof q->name) < 0) {
        ans->done = true;
        ans->kind = DNSBL_ANSWER_BAD;
        ans->why = transport_reason(d, ARES_EBADNAME);
        return false;
    }
    (*n)++;
    return true;
}

int dnsbl_run(struct dnsbl *d, struct strbuf *err)
{
    struct query *qs = NULL;
    size_t nq = 0, cap = 0;
    int rc = 0;
    /* 1. the cache, and which self-tests are needed */
    for (size_t i = 0; i < d->n_ent; i++) {
        struct entry *e = &d->ent[i];
        for (size_t j = 0; j < e->n; j++) {
            struct slot *s = &e->slots[j];
            if (s->done || from_cache(d, e, j))
                continue;
            if (s->test < 0)
                s->test = (long)test_for(d, s->active, e->addr.kind);
        }
    }
    /* 2. self-tests not yet run */
    for (size_t i = 0; i < d->n_tests; i++) {
        struct ztest *z = &d->tests[i];
        if (z->run)
            continue;
        const struct blcat_list *l = d->act[z->active].list;
        struct dnsbl_addr lp, up;
        const char *ltext = z->family == DNSBL_KIND_IP6 ? l->test_listed6 : l->test_listed;
        const char *utext = z->family == DNSBL_KIND_IP6 ? l->test_unlisted6 : l->test_unlisted;
        /* "test"/"invalid" are single labels: dnsbl_addr_parse takes them as domains */
        if (dnsbl_addr_parse(ltext, &lp) < 0 || dnsbl_addr_parse(utext, &up) < 0) {
            z->run = true;
            z->pub.usable = false;
            z->pub.reason = keepf(d, "zone failed its self-test: bad test point in the catalogue");
            continue;
        }
        add_query(d, &qs, &nq, &cap, &lp, d->act[z->active].qzone, T_A, &z->listed);
        add_query(d, &qs, &nq, &cap, &up, d->act[z->active].qzone, T_A, &z->unlisted);
    }
    if (nq && run_queries(d, qs, nq, err) < 0) {
        rc = -1;
        goto out;
    }
    for (size_t i = 0; i < d->n_tests; i++)
        if (!d->tests[i].run) {
            d->tests[i].run = true;
            finish_test(d, &d->tests[i]);
        }
    /* 3. the addresses, on zones that passed */
    nq = 0;
    for (size_t i = 0; i < d->n_ent; i++) {
        struct entry *e = &d->ent[i];
        for (size_t j = 0; j < e->n; j++) {
            struct slot *s = &e->slots[j];
            if (s->done || !d->tests[s->test].pub.usable)
                continue;
            const struct active *ac = &d->act[s->active];
            add_query(d, &qs, &nq, &cap, &e->addr, ac->qzone, T_A, &s->a);
            if (ac->list->txt)
                add_query(d, &qs, &nq, &cap, &e->addr, ac->qzone, T_TXT, &s->t);
        }
    }
    if (nq && run_queries(d, qs, nq, err) < 0) {
        rc = -1;
        goto out;
    }
    for (size_t i = 0; i < d->n_ent; i++) {
        struct entry *e = &d->ent[i];
        for (size_t j = 0; j < e->n; j++)
            if (!e->slots[j].done)
                finish_slot(d, e, j);
        summarise(e);
    }
out:
    free(qs);
    return rc;
}

int dnsbl_add(struct dnsbl *d, const char *address)
{
    struct dnsbl_addr a;
    if (dnsbl_addr_parse(address, &a) < 0)
        return -1;
    if (hashmap_get(d->index, a.text, strlen(a.text)))
        return 0;
    d->ent = xrealloc(d->ent, (d->n_ent + 1) * sizeof *d->ent);
    struct entry *e = &d->ent[d->n_ent];
    memset(e, 0, sizeof *e);
    e->addr = a;
    e->res = xcalloc(d->n_act + 1, sizeof *e->res);
    e->slots = xcalloc(d->n_act + 1, sizeof *e->slots);
    for (size_t k = 0; k < d->n_act; k++) {
        const struct active *ac = &d->act[k];
        if (!(ac->list->query & (int)a.kind))
            continue;
        struct dnsbl_result *r = &e->res[e->n];
        r->list_id = ac->list->id;
        r->list_label = ac->list->label;
        r->zone = ac->dzone;
        r->txt = "";
        r->status = DNSBL_UNCHECKED;
        if (ac->list->delist_url) {
            /* "{ip}" in a URL is replaced by the normalised address only */
            const char *u = ac->list->delist_url, *p = strstr(u, "{ip}");
            r->delist_url = p ? keepf(d, "%.*s%s%s", (int)(p - u), u, a.text, p + 4) : u;
        }
        e->slots[e->n].active = k;
        e->slots[e->n].test = -1;
        e->n++;
    }
    e->pub.results = e->res;
    e->pub.n_results = e->n;
    e->pub.summary = DNSBL_UNCHECKED;
    d->n_ent++;
    /* addresses live in the entry, which moves on realloc: re-point every time */
    for (size_t i = 0; i < d->n_ent; i++) {
        d->ent[i].pub.address = d->ent[i].addr.text;
        d->ent[i].pub.kind = dnsbl_kind_word(d->ent[i].addr.kind);
    }
    hashmap_put(d->index, a.text, strlen(a.text), (void *)(uintptr_t)d->n_ent);
    return 0;
}

/* servers_csv - --dns-server values as c-ares's "ip:port,[ip6]:port" list */
static int servers_csv(const struct dnsbl_config *cfg, struct strbuf *csv, struct strbuf *err)
{
    for (size_t i = 0; i < cfg->n_servers; i++) {
        const char *s = cfg->servers[i];
        char host[64];
        const char *port = NULL;
        size_t hl;
        if (s[0] == '[') {
            const char *close = strchr(s, ']');
            if (!close || (close[1] && close[1] != ':'))
                goto bad;
            hl = (size_t)(close - s - 1);
            if (hl >= sizeof host)
                goto bad;
            memcpy(host, s + 1, hl);
            port = close[1] ? close + 2 : NULL;
        } else {
            const char *c = strchr(s, ':');
            if (c && strchr(c + 1, ':')) {
                c = NULL; /* bare IPv6 address, no port */
            }
            hl = c ? (size_t)(c - s) : strlen(s);
            if (hl >= sizeof host)
                goto bad;
            memcpy(host, s, hl);
            port = c ? c + 1 : NULL;
        }
        host[hl] = '\0';
        unsigned char bin[16];
        bool v6 = inet_pton(AF_INET6, host, bin) == 1;
        if (!v6 && inet_pton(AF_INET, host, bin) != 1) {
            strbuf_addf(err, "--dns-server '%s': HOST must be a numeric IP address", s);
            return -1;
        }
        long p = 53;
        if (port) {
            char *end;
            p = strtol(port, &end, 10);
            if (*end || end == port || p < 1 || p > 65535)
                goto bad;
        }
        strbuf_addf(csv, "%s%s%s%s:%ld", csv->len ? "," : "", v6 ? "[" : "", host, v6 ? "]" : "",
                    p);
        continue;
    bad:
        strbuf_addf(err, "--dns-server '%s': expected HOST, HOST:PORT or [IPv6]:PORT", s);
        return -1;
    }
    return 0;
}

/* activate - add a list to this run's lists; -1 (err) when it cannot be checked */
static int activate(struct dnsbl *d, const struct blcat_list *l, bool explicit, struct strbuf *err)
{
    const char *key = d->cfg.dqs_key;
    if (!l->zone) {
        if (explicit)
            strbuf_addf(err, "blocklist '%s' is not a DNS list (no zone in blocklists.conf)",
                        l->id);
        return explicit ? -1 : 0;
    }
    if (l->status == BLCAT_DEAD) {
        if (explicit)
            strbuf_addf(err,
                        "blocklist '%s' is dead and is not queried (its zone may list everything)",
                        l->id);
        return explicit ? -1 : 0;
    }
    bool use_dqs = key && *key && l->dqs_zone;
    if (l->status == BLCAT_NEEDS_KEY && !use_dqs) {
        if (explicit)
            strbuf_addf(err, "blocklist '%s' needs a key (BOUNCESCOPE_DQS_KEY)", l->id);
        return explicit ? -1 : 0;
    }
    struct active *a;
    d->act = xrealloc(d->act, (d->n_act + 1) * sizeof *d->act);
    a = &d->act[d->n_act++];
    a->list = l;
    if (use_dqs) {
        /* "{key}.zen.dq.spamhaus.net": ask with the key, show without it */
        const char *p = strstr(l->dqs_zone, "{key}");
        if (!p) {
            a->qzone = keep(d, xstrdup(l->dqs_zone));
            a->dzone = a->qzone;
        } else {
            a->qzone = keepf(d, "%.*s%s%s", (int)(p - l->dqs_zone), l->dqs_zone, key, p + 5);
            const char *after = p + 5;
            if (*after == '.')
                after++;
            a->dzone = keepf(d, "%.*s%s", (int)(p - l->dqs_zone), l->dqs_zone, after);
        }
    } else {
        a->qzone = (char *)l->zone;
        a->dzone = (char *)l->zone;
    }
    return 0;
}

struct dnsbl *dnsbl_new(const struct dnsbl_config *cfg, struct strbuf *err)
{
    struct dnsbl *d = xcalloc(1, sizeof *d);
    struct strbuf csv = STRBUF_INIT;
    d->cfg = *cfg;
    if (d->cfg.timeout_ms <= 0)
        d->cfg.timeout_ms = DNSBL_DEFAULT_TIMEOUT_MS;
    if (d->cfg.tries <= 0)
        d->cfg.tries = DNSBL_DEFAULT_TRIES;
    if (d->cfg.max_inflight <= 0)
        d->cfg.max_inflight = DNSBL_DEFAULT_MAX_INFLIGHT;
    if (!d->cfg.dqs_key)
        d->cfg.dqs_key = getenv("BOUNCESCOPE_DQS_KEY");
    if (d->cfg.dqs_key && *d->cfg.dqs_key) {
        for (const char *p = d->cfg.dqs_key; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9'))) {
                strbuf_adds(err, "the Spamhaus DQS key may contain only letters and digits");
                goto err;
            }
        if (strlen(d->cfg.dqs_key) > 60) {
            strbuf_adds(err, "the Spamhaus DQS key is longer than 60 characters");
            goto err;
        }
    }
    d->index = hashmap_new(NULL);
    d->cat = blcat_load(err);
    if (!d->cat)
        goto err;
    if (cfg->lists) {
        for (size_t i = 0; i < cfg->n_lists; i++) {
            const struct blcat_list *l = blcat_find(d->cat, cfg->lists[i]);
            if (!l) {
                strbuf_addf(err,
                            "unknown blocklist '%s' (ids are the [list ID] sections of "
                            "blocklists.conf)",
                            cfg->lists[i]);
                goto err;
            }
            if (activate(d, l, true, err) < 0)
                goto err;
        }
    } else {
        for (size_t i = 0; i < d->cat->n_lists; i++)
            if (d->cat->lists[i].default_check && activate(d, &d->cat->lists[i], false, err) < 0)
                goto err;
    }
    int st = ares_library_init(ARES_LIB_INIT_ALL);
    if (st != ARES_SUCCESS) {
        strbuf_addf(err, "c-ares: %s", ares_strerror(st));
        goto err;
    }
    struct ares_options opt;
    memset(&opt, 0, sizeof opt);
    /* ARES_FLAG_IGNTC: a truncated UDP answer comes to dnsbl_answer_read, which
     * calls it unknown ("truncated"), instead of a TCP retry that a list's
     * UDP-only server refuses ("connection refused" says the wrong thing).
     * A blocklist's A answer never needs 512 bytes; a long TXT is only lost. */
    opt.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_IGNTC;
    opt.timeout = (int)d->cfg.timeout_ms;
    opt.tries = (int)d->cfg.tries;
    opt.sock_state_cb = sock_state;
    opt.sock_state_cb_data = d;
    int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB;
    st = ares_init_options(&d->ch, &opt, mask);
    if (st != ARES_SUCCESS) {
        d->ch = NULL;
        strbuf_addf(err, "c-ares: cannot set up a resolver: %s", ares_strerror(st));
        goto err;
    }
    if (servers_csv(cfg, &csv, err) < 0)
        goto err;
    if (csv.len && (st = ares_set_servers_ports_csv(d->ch, csv.s)) != ARES_SUCCESS) {
        strbuf_addf(err, "c-ares: cannot use DNS servers %s: %s", csv.s, ares_strerror(st));
        goto err;
    }
    strbuf_free(&csv);
    return d;
err:
    strbuf_free(&csv);
    dnsbl_free(d);
    return NULL;
}

size_t dnsbl_count(const struct dnsbl *d)
{
    return d->n_ent;
}

const struct dnsbl_entry *dnsbl_at(const struct dnsbl *d, size_t i)
{
    return i < d->n_ent ? &d->ent[i].pub : NULL;
}

const struct dnsbl_entry *dnsbl_get(const struct dnsbl *d, const char *address)
{
    struct dnsbl_addr a;
    if (!address || dnsbl_addr_parse(address, &a) < 0)
        return NULL;
    uintptr_t v = (uintptr_t)hashmap_get(d->index, a.text, strlen(a.text));
    return v ? &d->ent[v - 1].pub : NULL;
}

size_t dnsbl_zone_test_count(const struct dnsbl *d)
{
    return d->n_tests;
}

const struct dnsbl_zone_test *dnsbl_zone_test_at(const struct dnsbl *d, size_t i)
{
    return i < d->n_tests ? &d->tests[i].pub : NULL;
}

void dnsbl_render_lists(const struct dnsbl_entry *e, struct strbuf *out)
{
    if (!e)
        return;
    bool first = true;
    for (size_t j = 0; j < e->n_results; j++) {
        const struct dnsbl_result *r = &e->results[j];
        if (r->status != DNSBL_LISTED)
            continue;
        strbuf_addf(out, "%s%s=", first ? "" : ";", r->zone);
        for (size_t k = 0; k < r->n_codes; k++)
            strbuf_addf(out, "%s%s", k ? "," : "", r->codes[k].addr);
        first = false;
    }
}

const char *dnsbl_status_word(enum dnsbl_status s)
{
    switch (s) {
    case DNSBL_LISTED:
        return "listed";
    case DNSBL_NOT_LISTED:
        return "not_listed";
    case DNSBL_UNKNOWN:
        return "unknown";
    case DNSBL_UNCHECKED:
        break;
    }
    return "unchecked";
}

const struct dnsbl_stats *dnsbl_stats(const struct dnsbl *d)
{
    return &d->stats;
}

void dnsbl_free(struct dnsbl *d)
{
    if (!d)
        return;
    if (d->ch)
        ares_destroy(d->ch); /* answers callbacks with ARES_EDESTRUCTION: nothing is in flight */
    for (size_t i = 0; i < d->n_ent; i++) {
        free(d->ent[i].res);
        free(d->ent[i].slots);
    }
    free(d->ent);
    free(d->tests);
    free(d->act);
    free(d->pfd);
    for (size_t i = 0; i < d->n_strs; i++)
        free(d->strs[i]);
    free(d->strs);
    hashmap_free(d->index);
    blcat_free(d->cat);
    free(d);
}
