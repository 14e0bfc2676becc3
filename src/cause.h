/*
 * cause.h - causes: what one fix removes, above the groups.
 *
 * A group is a line of the table (one reply of one provider); a cause is a
 * thing somebody must do. Its key depends on who must act, the side of its
 * reason (patterns/reasons.conf `side`):
 *
 *   us         reason, reply template (fingerprint), implicated IP, blocklist
 *              named - across every provider and host: Spamhaus naming
 *              219.94.129.185 is one delisting, whoever refused the mail.
 *   recipient  reason: every unknown user is one clean-up of the list.
 *   receiver   reason and provider; the hosts of no known provider together
 *              ("other sites"), so that a log of 5,000 small domains does not
 *              make 5,000 causes of one kind.
 *   unknown    (a reason without a side) reason and template: someone must
 *              read the text.
 *
 * The side is the reason's `side`, or its `own-side` for a fault of our own system
 * (our MTA's own words, classify.h `own`): "mail transport unavailable" is ours
 * to fix, "451 4.3.0 Local error in processing" the receiving site's. Such a
 * cause adds "own" to the key.
 *
 * The key is text ("us\x1fblocked\x1f<fp hex>\x1f<ip>\x1f<list id>"), stable
 * across runs: the history keeps the first run that saw each (store.h), and a
 * cause never seen before is new (`--exit-new`, `--quiet`).
 *
 * Causes are counted per failure event (cause_table_add, called by
 * aggregate_add - one hash lookup, about as much as the group's), not derived
 * from the groups: a group may hold several implicated IPs, and --group-by can
 * cut groups any way, while a cause must not change with either. Distinct
 * recipients, messages, domains and providers are counted exactly, like a
 * group's.
 *
 * Ownership: the table owns its causes and their strings; the sorted view is
 * an array the caller frees (not the causes).
 *
 * Not here: deciding reasons and sides (classify.c), the report layout
 * (write_*.c), the history (store_causes.c).
 */
#ifndef BS_CAUSE_H
#define BS_CAUSE_H

#include <stdbool.h>
#include <stdint.h>

#include "classify.h"
#include "event.h"
#include "util/strbuf.h"

#define CAUSE_SAMPLES 5

struct cause {
    uint32_t id;   /* from 1, in the order first seen */
    char *key;     /* see above; any byte a log holds may be in it */
    size_t keylen; /* the key's bytes */
    enum reason_side side;
    const struct reason *reason;
    uint64_t fingerprint;                  /* us and unknown sides; 0 else */
    const char *template_text;             /* the first event's template (shared) */
    char *ip;                              /* our IP named (us side), "" none */
    const struct blocklist_ref *blocklist; /* the list named (us side), NULL none */
    char *provider;                        /* receiver side: the provider, "" other sites */
    char *dsn;                             /* of the first event */
    char *sample_text;                     /* one real reply, with its place */
    const char *sample_file;
    uint64_t sample_line;
    uint64_t count[4]; /* by enum delivery_status */
    uint64_t recipients, messages, domains, providers;
    int64_t first, last;
    int tz_minutes;
    char *sample_providers[CAUSE_SAMPLES];
    unsigned n_sample_providers;
    char *sample_domains[CAUSE_SAMPLES];
    unsigned n_sample_domains;
    bool is_new; /* not seen by any earlier run (history) */
    bool own;    /* a fault of our own system (event own_fault): the reason's own-*
                  * fields apply, and the key says "own" */
};

struct cause_table;

struct cause_table *cause_table_new(void);
void cause_table_free(struct cause_table *t);

/* the hashes of an event's recipient, message key (queue id, else recipient) and
 * domain (hash_bytes_ci; 0 for an empty one), which aggregate_add has computed
 * for the group's distinct counts anyway */
struct cause_hashes {
    uint64_t recipient, message, domain;
};

/* cause_table_add - count event e (template_text: its template, stored by the
 * caller for the run; provider_label: who answered, as the group shows it; h:
 * its hashes); returns its cause id */
uint32_t cause_table_add(struct cause_table *t, const struct event *e, const char *template_text,
                         struct slice provider_label, const struct cause_hashes *h, uint32_t hint);
/* the hint is the id of the cause the caller expects (the last one of the event's
 * group, or 0): when the event is of it, no key is built or looked up */

/* cause_table_sorted - the causes, final failures first, then deferrals, then
 * recipients; the caller frees the array */
struct cause **cause_table_sorted(struct cause_table *t, size_t *n);
/* cause_table_get - by id (1..), NULL when there is none */
struct cause *cause_table_get(struct cause_table *t, uint32_t id);
size_t cause_table_count(const struct cause_table *t);

/* cause_finals - bounced + expired */
uint64_t cause_finals(const struct cause *c);

/* cause_who - who must act, in words: "us", "the recipient", "the receiving site",
 * "someone must read the text" */
const char *cause_who(const struct cause *c);

/* cause_who_acts - the same as a clause: "we must act", "the recipient must act",
 * "the receiving site must act", "read the reply" */
const char *cause_who_acts(const struct cause *c);
/* side_who_acts - the same clause for a side (explain's one text) */
const char *side_who_acts(enum reason_side side);

/* cause_title - one line that names the cause: "Our IP is on a blocklist:
 * 219.94.129.185 named by Spamhaus", "Recipient address does not exist",
 * "Greylisted (temporary, retry expected) at Google (Gmail / Workspace)";
 * plain text appended to out (escape it for the output) */
void cause_title(const struct cause *c, struct strbuf *out);

/* cause_advice - the reason's advice for the cause's texts (their own-words advice
 * when the cause is of our MTA's own words) */
const char *cause_advice(const struct cause *c);

/* cause_action - the one action: the reason's `action` with {ip}, {list} and
 * {provider} filled in (the reason's advice when it has none), and the list's
 * delisting page when the action names the list; appended to out */
void cause_action(const struct cause *c, struct strbuf *out);

#endif
