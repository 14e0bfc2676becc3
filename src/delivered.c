/*
 * delivered.c - successful deliveries worth keeping (see delivered.h).
 *
 * The patterns run only for the deliveries the pipeline keeps (a small share
 * of the success lines), so they cost the scan nothing it would notice. The
 * ring holds owned copies in one allocation each; a lookup walks the ring
 * (a few hundred entries, compared by a hash first), and runs only on a
 * message's first failure.
 *
 * Not here: which deliveries are kept (pipeline.c), storing them (store_delivered.c).
 */
#include "delivered.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "regex.h"
#include "util/hashmap.h"
#include "util/xalloc.h"

struct delivered_parser {
    struct rx *reply[4]; /* by enum mta_kind */
    struct rx **queued_as;
    size_t n_queued_as;
};

static const char *const mta_names[4] = { "", "postfix", "sendmail", "exim" };

void delivered_parser_free(struct delivered_parser *p)
{
    if (!p)
        return;
    for (int i = 0; i < 4; i++)
        rx_free(p->reply[i]);
    for (size_t i = 0; i < p->n_queued_as; i++)
        rx_free(p->queued_as[i]);
    free(p->queued_as);
    free(p);
}

struct delivered_parser *delivered_parser_load(struct strbuf *err)
{
    struct conf *c = conf_load_all("delivered.conf", err);
    if (!c)
        return NULL;
    struct delivered_parser *p = xcalloc(1, sizeof *p);
    p->queued_as = xcalloc(c->n_sections ? c->n_sections : 1, sizeof *p->queued_as);
    for (size_t i = 0; i < c->n_sections; i++) {
        const struct conf_section *s = &c->sections[i];
        const struct conf_entry *re = conf_entry_get(s, "regex");
        int mta = 0;
        for (int k = 1; k < 4; k++)
            if (!strcmp(s->name, mta_names[k]))
                mta = k;
        bool reply = !strcmp(s->kind, "reply");
        if (!re || (!reply && strcmp(s->kind, "queued-as")) || (reply && !mta)) {
            strbuf_addf(err,
                        "%s:%d: [%s %s] is not a [reply postfix|sendmail|exim] or "
                        "[queued-as NAME] with a regex",
                        s->file, s->line, s->kind, s->name);
            goto err;
        }
        char where[512];
        snprintf(where, sizeof where, "%s:%d", re->file, re->line);
        if (reply && p->reply[mta])
            continue; /* a user's [reply] came first */
        struct rx *rx = rx_compile(re->value, where, err);
        if (!rx)
            goto err;
        if (rx_group_index(rx, reply ? "text" : "id") < 0) {
            strbuf_addf(err, "%s: the pattern has no group named %s", where, reply ? "text" : "id");
            rx_free(rx);
            goto err;
        }
        if (reply)
            p->reply[mta] = rx;
        else
            p->queued_as[p->n_queued_as++] = rx;
    }
    conf_free(c);
    return p;
err:
    conf_free(c);
    delivered_parser_free(p);
    return NULL;
}

bool delivered_reply(struct delivered_parser *p, enum mta_kind mta, struct slice message,
                     struct slice *reply, struct slice *dsn)
{
    *reply = *dsn = SLICE_EMPTY;
    struct rx *rx = (unsigned)mta < 4 ? p->reply[mta] : NULL;
    if (!rx || !rx_match(rx, message))
        return false;
    *reply = rx_named(rx, message, "text");
    if (rx_group_index(rx, "dsn") >= 0)
        *dsn = rx_named(rx, message, "dsn");
    return true;
}

struct slice delivered_queued_as(struct delivered_parser *p, struct slice reply)
{
    for (size_t i = 0; i < p->n_queued_as; i++)
        if (rx_match(p->queued_as[i], reply))
            return rx_named(p->queued_as[i], reply, "id");
    return SLICE_EMPTY;
}

/* ---- the ring ------------------------------------------------------------ */

struct ring_entry {
    struct delivered *d; /* in the same allocation, after the entry */
};

struct delivered_ring {
    struct ring_entry **slot;
    uint64_t *keys; /* hash of host and qid per slot, 0: empty - scanned without
                     * touching the entries, a lookup costs a few hundred compares */
    size_t cap, next;
};

struct delivered_ring *delivered_ring_new(size_t capacity)
{
    struct delivered_ring *r = xcalloc(1, sizeof *r);
    r->cap = capacity ? capacity : 1;
    r->slot = xcalloc(r->cap, sizeof *r->slot);
    r->keys = xcalloc(r->cap, sizeof *r->keys);
    return r;
}

void delivered_ring_free(struct delivered_ring *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->cap; i++)
        free(r->slot[i]);
    free(r->slot);
    free(r->keys);
    free(r);
}

static uint64_t ring_key(struct slice host, struct slice qid)
{
    return (hash_bytes(host.p, host.n) * 31 + hash_bytes(qid.p, qid.n)) | 1;
}

/* copy_slice - s into the block at *at, as a slice of it */
static struct slice copy_slice(char **at, struct slice s)
{
    struct slice out = slice_make(*at, s.n);
    if (s.n)
        memcpy(*at, s.p, s.n);
    *at += s.n;
    return out;
}

/* copy_into - d's strings after head bytes of a new block; the block's copy of d
 * is at *out (inside the block) */
static void *copy_into(const struct delivered *d, size_t head, struct delivered **out)
{
    const struct slice *parts[] = { &d->qid,         &d->sender,    &d->recipient, &d->domain,
                                    &d->remote_host, &d->remote_ip, &d->provider,  &d->dsn,
                                    &d->reply,       &d->queued_as, &d->message_id };
    size_t bytes = head + sizeof(struct delivered);
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
        bytes += parts[i]->n;
    char *block = xmalloc(bytes);
    struct delivered *c = (struct delivered *)(void *)(block + head);
    *c = *d;
    char *at = (char *)(c + 1);
    struct slice *dst[] = { &c->qid,         &c->sender,    &c->recipient, &c->domain,
                            &c->remote_host, &c->remote_ip, &c->provider,  &c->dsn,
                            &c->reply,       &c->queued_as, &c->message_id };
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
        *dst[i] = copy_slice(&at, *parts[i]);
    *out = c;
    return block;
}

struct delivered *delivered_dup(const struct delivered *d)
{
    struct delivered *c;
    return copy_into(d, 0, &c);
}

void delivered_ring_put(struct delivered_ring *r, struct slice host, const struct delivered *d)
{
    struct delivered *c;
    struct ring_entry *e = copy_into(d, sizeof(struct ring_entry), &c);
    e->d = c;
    free(r->slot[r->next]);
    r->slot[r->next] = e;
    r->keys[r->next] = ring_key(host, d->qid);
    r->next = (r->next + 1) % r->cap;
}

size_t delivered_ring_take(struct delivered_ring *r, struct slice host, struct slice qid,
                           void (*fn)(void *ctx, const struct delivered *d), void *ctx)
{
    uint64_t key = ring_key(host, qid);
    size_t n = 0;
    /* oldest first: from the next slot to be overwritten round to the newest; the
     * keys are compared in two plain runs (no division per slot) */
    for (int run = 0; run < 2; run++) {
        size_t from = run ? 0 : r->next, to = run ? r->next : r->cap;
        for (size_t i = from; i < to; i++) {
            if (r->keys[i] != key)
                continue;
            struct ring_entry *e = r->slot[i];
            if (!e || !slice_eq(e->d->qid, qid))
                continue;
            fn(ctx, e->d);
            free(e);
            r->slot[i] = NULL;
            r->keys[i] = 0;
            n++;
        }
    }
    return n;
}
