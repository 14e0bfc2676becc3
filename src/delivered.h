/*
 * delivered.h - successful deliveries worth keeping: the end of a failure's
 * story ("deferred, deferred, delivered at 17:05, queued as 4C7A21F0B3").
 *
 * Most deliveries are only counted (per hour and domain). A delivery is kept
 * whole when it proves something about a failure: it went to a recipient
 * that had a failure (in this run or an earlier one: the pipeline's watch
 * list), or it belongs to a message that had one (the correlator knows, also
 * across runs). A recipient of a message delivered before the message's
 * first failure is remembered for a while in a small ring (delivered_ring),
 * and kept when that failure comes.
 *
 *   delivered_parser_load   patterns/delivered.conf: the reply of a success
 *                           line per MTA, the receiver's queue id in a reply
 *   delivered_reply         the reply text (and dsn) of a success line
 *   delivered_queued_as     the receiver's queue id in a reply, "" when none
 *   delivered_ring_*        deliveries of messages that may still fail
 *
 * A struct delivered's slices point into the line (or into the ring's copy);
 * the consumer (store_delivered.c, write_suppress.c) copies what it keeps.
 *
 * Not here: deciding which deliveries to keep (pipeline.c), storing them
 * (store_delivered.c).
 */
#ifndef BS_DELIVERED_H
#define BS_DELIVERED_H

#include <stdbool.h>
#include <stdint.h>

#include "delivery.h"
#include "util/slice.h"
#include "util/strbuf.h"

struct delivered {
    int64_t when;
    int tz_minutes;
    struct slice qid, sender, recipient, domain, remote_host, remote_ip, provider;
    struct slice dsn, reply, queued_as, message_id;
    unsigned attempts; /* deferrals of the recipient before it */
    const char *file;  /* borrowed for the run */
    uint64_t line;
    /* raw: reply is still the line's whole message part, and provider and
     * queued_as are not looked up yet - a delivery held in the ring is parsed
     * only if a failure of its message comes (most never do) */
    bool raw;
    enum mta_kind mta;
};

struct delivered_parser;

/* delivered_parser_load - patterns/delivered.conf along the search path; NULL
 * and "file:line: message" in err for a bad pattern */
struct delivered_parser *delivered_parser_load(struct strbuf *err);
void delivered_parser_free(struct delivered_parser *p);

/* delivered_reply - the reply of a success line's message part written by mta,
 * and its dsn when the line has one; false when the line shows none */
bool delivered_reply(struct delivered_parser *p, enum mta_kind mta, struct slice message,
                     struct slice *reply, struct slice *dsn);
/* delivered_queued_as - the receiver's queue id in reply (a slice of it), empty when none */
struct slice delivered_queued_as(struct delivered_parser *p, struct slice reply);

/* delivered_dup - an owned copy of d in one allocation (free it with free()) */
struct delivered *delivered_dup(const struct delivered *d);

/* a ring of the last deliveries of messages that had no failure yet, keyed by
 * (log host, queue id): the lines of one message come close together, so a
 * bounded ring finds them when the message's first failure follows */
struct delivered_ring;
struct delivered_ring *delivered_ring_new(size_t capacity);
void delivered_ring_free(struct delivered_ring *r);
/* delivered_ring_put - an owned copy of d for (host, d->qid); the oldest one goes */
void delivered_ring_put(struct delivered_ring *r, struct slice host, const struct delivered *d);
/* delivered_ring_take - call fn for every delivery kept for (host, qid), oldest
 * first, and forget them; returns how many */
size_t delivered_ring_take(struct delivered_ring *r, struct slice host, struct slice qid,
                           void (*fn)(void *ctx, const struct delivered *d), void *ctx);

#endif
