/*
 * correlate.h - queue state by (host, queue id): who sent it, how often each
 * recipient was tried, and what the last deferral said.
 *
 * Postfix, Sendmail and Exim log one message over many lines and, for
 * deferred mail, over hours or days. The correlator remembers per queue id
 * the sender, size and message-id (from qmgr/from=/<= lines), per recipient
 * the number of attempts, and for a recipient whose last attempt was a
 * deferral an owned copy of that deferral's event - so that an expiry can
 * say why ("expired after 5 days of: blocked by Spamhaus") and a later
 * success can be counted as "delivered after N deferrals".
 *
 * Memory is bounded: an entry is dropped when the MTA says it is gone
 * (Postfix "removed", Exim "Completed"), when every recipient it announced
 * has a final status (Sendmail logs no removal), when it has been idle
 * longer than max_age seconds of log time (correlate_sweep; counted,
 * PROBLEM_QUEUE_EVICTED), and - whatever the log holds - when more than
 * correlate_set_max_live entries are open: then the longest idle tenth goes
 * (each passed to a callback, counted; a million queue ids that never finish
 * cost no more than the cap).
 * The keys of the last few thousand entries dropped are remembered (hashes,
 * a fixed 40 KB), so that a line that follows a message's end - a bounce
 * notice, Sendmail's message-level expiry after the per-recipient ones - is
 * not taken for a message the input never showed. Whether a recipient of a
 * message expired is kept for this run only (not in the blobs).
 *
 * Between runs (the history store): every entry carries a dirty mark, set by
 * each change (correlate_msg, message info, attempt, expire). correlate_save
 * hands the caller each entry changed since the last save as a blob, and each
 * key dropped since then with a NULL blob; correlate_load recreates an entry
 * from its blob. Blobs are untrusted input to correlate_load: a malformed one
 * is refused (-1) and changes nothing.
 */
#ifndef BS_CORRELATE_H
#define BS_CORRELATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "util/slice.h"

struct correlator;
struct queue_msg;

/* an entry idle this many days of log time is dropped (--queue-max-age): a week
 * covers the default queue lifetime of Postfix (5 days) and Sendmail (5 days) */
#define CORRELATE_MAX_AGE_DAYS 7

/* open queue ids kept at most (--queue-max-ids): about 1 KB each with a deferral's
 * copy, so the default costs ~100 MB at worst - and a queue this large is a
 * server in trouble (Postfix's active queue holds 20,000) */
#define CORRELATE_MAX_LIVE 100000

struct correlator *correlator_new(int64_t max_age_seconds);
/* correlate_set_max_live - at most max (0: CORRELATE_MAX_LIVE) open entries: when a
 * new one would pass it, the longest idle tenth is dropped, each reported to
 * fn(ctx, key, keylen) ("host\0qid") and counted by correlate_capped */
void correlate_set_max_live(struct correlator *c, uint64_t max,
                            void (*fn)(void *ctx, const char *key, size_t keylen), void *ctx);
/* correlate_capped - entries dropped because the cap was reached */
uint64_t correlate_capped(const struct correlator *c);
void correlator_free(struct correlator *c);

/* correlate_msg - the entry for (host, qid), created when create is set (NULL otherwise) */
struct queue_msg *correlate_msg(struct correlator *c, struct slice host, struct slice qid,
                                int64_t when, bool create);
/* correlate_drop - forget an entry (the MTA removed the message) */
void correlate_drop(struct correlator *c, struct slice host, struct slice qid);

void queue_msg_set_sender(struct queue_msg *m, struct slice sender);
void queue_msg_set_message_id(struct queue_msg *m, struct slice message_id);
void queue_msg_set_size(struct queue_msg *m, int64_t size, int nrcpt);
struct slice queue_msg_sender(const struct queue_msg *m);
struct slice queue_msg_message_id(const struct queue_msg *m);

/* what correlate_attempt learnt about the recipient's history */
struct attempt_info {
    unsigned attempts;        /* deferrals so far including this one (if a deferral) */
    unsigned prior_deferrals; /* deferrals before this attempt */
    uint32_t last_group;      /* aggregate group id of the last deferral (0: none) */
};

/* correlate_attempt - record one attempt for rcpt. For a deferral, e is copied
 * as the recipient's last deferral together with its group id. A final status
 * (sent, bounced) ends the recipient; when every announced recipient has
 * ended the entry is dropped (and m is then dead). */
void correlate_attempt(struct correlator *c, struct queue_msg *m, struct slice host,
                       struct slice qid, struct slice rcpt, const struct event *e,
                       uint32_t group_id, struct attempt_info *info);

/* correlate_peek_deferrals - deferrals recorded so far for rcpt (0 if unknown) */
unsigned correlate_peek_deferrals(struct queue_msg *m, struct slice rcpt);

/* correlate_last_deferral_time - when rcpt was last deferred (0: never / not pending) */
int64_t correlate_last_deferral_time(struct queue_msg *m, struct slice rcpt);

/* correlate_expire - the message expired: call fn for each recipient whose last
 * attempt was a deferral (only rcpt when it is non-empty), with the owned copy
 * of that deferral (NULL if none is known); the recipients then end. Returns
 * how many recipients expired: 0 when the message has none pending that the
 * input showed (the caller decides what an expiry of unknown recipients is). */
typedef void (*expire_fn)(void *ctx, struct slice rcpt, const struct event *last_deferral,
                          unsigned attempts, uint32_t group_id);
unsigned correlate_expire(struct correlator *c, struct queue_msg *m, struct slice rcpt,
                          expire_fn fn, void *ctx);

/* queue_msg_had_expiry - a recipient of m expired in this run: a message-level
 * expiry that follows (Sendmail's "DSN: Cannot send message" after the
 * per-recipient lines) is about expiries already counted */
bool queue_msg_had_expiry(const struct queue_msg *m);

/* correlate_recently_ended - whether (host, qid) was dropped among the last few
 * thousand entries dropped: a line that follows a message's last status line
 * (a notification, an expiry of the remaining recipients) finds it gone, and
 * must not take it for a message the input never showed */
bool correlate_recently_ended(struct correlator *c, struct slice host, struct slice qid);

/* queue_msg_open - announced recipients without a final status yet; -1 unknown */
int queue_msg_open(const struct queue_msg *m);

/* queue_msg_had_failure - a recipient of m failed (deferred, bounced, expired),
 * in this run or an earlier one: its deliveries prove the end of a failure's
 * story (delivered.h). NULL: false */
bool queue_msg_had_failure(const struct queue_msg *m);

/* queue_msg_mark_failure - m failed as a whole (a bounce notice about it): later
 * notices about it are not new failures */
void queue_msg_mark_failure(struct queue_msg *m);

/* queue_msg_finished - every announced recipient has a final status */
bool queue_msg_finished(const struct queue_msg *m);

/* correlate_sweep - drop entries idle since before now - max_age; returns how many */
uint64_t correlate_sweep(struct correlator *c, int64_t now);
uint64_t correlate_live(const struct correlator *c);
uint64_t correlate_evicted(const struct correlator *c);

/* correlate_save - call fn(ctx, key, keylen, NULL, 0) for every entry dropped
 * (removed, ended, expired away, swept) since the last save that had been saved
 * or loaded before (an entry never saved has nothing to delete), then fn(ctx,
 * key, keylen, blob, n) for every live entry changed since the last save; the
 * marks are then cleared. key is "host\0qid"; key and blob are valid during the
 * call only. A key may come with NULL and then with a blob in one save (dropped
 * and reused): apply the calls in order. */
void correlate_save(struct correlator *c,
                    void (*fn)(void *ctx, const char *key, size_t keylen, const void *blob,
                               size_t n),
                    void *ctx);

/* correlate_load - recreate (replace) the entry key from a blob of correlate_save.
 * The last deferral's reason and blocklist are looked up in cl by name (an unknown
 * reason: the classifier's last, catch-all reason; an unknown blocklist: none);
 * its group id is 0 (groups belong to one run's aggregate) and its file NULL.
 * Returns 0, or -1 for a malformed blob or key (nothing changed). */
int correlate_load(struct correlator *c, struct classifier *cl, const char *key, size_t keylen,
                   const void *blob, size_t n);

#endif
