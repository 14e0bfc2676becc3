/*
 * classify.h - failure text -> reason class, the rule that decided, the
 * blocklist named and our implicated IP.
 *
 * The classes, their labels and advice are the [reason] sections of
 * patterns/reasons.conf. A failure gets its class from the first of these
 * layers that decides, each a table in patterns/:
 *
 *   0. user     [rule] sections of a user's reasons.conf (--patterns DIR):
 *               PCRE2 conditions on the text as logged, the dsn, stage,
 *               host, status and source; they run before everything else.
 *   a. code     patterns/provider-codes.conf: a provider's documented code
 *               in the text ("(S3150)", "[TSS04]", "AS(201806281)"); the
 *               leftmost code whose dsn condition holds decides.
 *   b. phrase   patterns/phrases.conf: the text with the MTA's generic
 *               wrappers removed ([strip]: "host X said:", the status codes,
 *               "<addr>:", Postfix's "Recipient address rejected:" and the
 *               like, "(in reply to ... command)", multi-line continuation
 *               codes), read by [phrase] families in order. A restriction
 *               prefix sets the scope ("Client host rejected:" - our host,
 *               "Sender address rejected:" - our sender) that families and
 *               the stage layer read. Never for a generic text.
 *   c. stage    patterns/stages.conf: what a refusal at an SMTP stage means
 *               (at the greeting or HELO: our IP or host; at MAIL FROM: our
 *               sender), with the status codes it applies to.
 *   d. dsn      patterns/dsn.conf: the enhanced status code by RFC 3463
 *               class.subject.detail, each code once; for a generic text
 *               (Sendmail's stat=User unknown without reply=) the only
 *               witness, with a note that the log lacks the reply.
 *   e.          undefined.
 *
 * Every answer names the rule that decided (layer, section name, file:line).
 *
 * The blocklist named is the first [list] of blocklists.conf whose
 * `mentions` matches the text, else the deciding rule's `blocklist`. The
 * implicated IP (our sending IP the text names) comes from the
 * [implicated-ip] patterns of reasons.conf; never the remote server's own
 * address nor one the text gives as another host's ("connect to
 * other.host[ip]", "host mx[ip] said").
 */
#ifndef BS_CLASSIFY_H
#define BS_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "delivery.h"
#include "util/slice.h"
#include "util/strbuf.h"

/* who must act on failures of a reason (reasons.conf `side`): a cause is keyed
 * by what one fix removes, which depends on the side (cause.h) */
enum reason_side {
    SIDE_UNKNOWN,   /* not said: someone must read the text (keyed by its template) */
    SIDE_US,        /* our IP, domain, content or settings: `side = us` */
    SIDE_RECIPIENT, /* the address or its domain: `side = recipient` */
    SIDE_RECEIVER,  /* the receiving site's servers or policy: `side = receiver` */
};

/* whether an address whose last outcome is a final failure of this reason belongs on
 * the list to clean (reasons.conf `suppress`; write_suppress.c) */
enum reason_suppress {
    SUPPRESS_NO,
    SUPPRESS_YES,     /* `suppress = yes`: permanent (unknown user, domain gone, moved) */
    SUPPRESS_LASTING, /* `suppress = lasting`: only when it has failed so for N days */
};

struct reason {
    const char *name;   /* "blocked", "userunknown", ... (Sisimai v5 names where one fits) */
    const char *label;  /* one line for people */
    const char *advice; /* what to do */
    int index;          /* position in reasons.conf, for stable ordering */
    enum reason_side side;
    const char *action; /* a cause's one action, with {ip} {list} {provider}; "" none */
    enum reason_suppress suppress;
    /* the same for a fault of our own system (classification.own: our MTA's own
     * words, matching the reason's `own-text` when it has one): reasons.conf
     * `own-side`, `own-label`, `own-advice`, `own-action`; each is the reply's one
     * when not given. "mail transport unavailable" is a systemerror of ours, "451
     * 4.3.0 Local error in processing" the receiver's. */
    bool has_own; /* any own-* given; false: never our own fault */
    enum reason_side own_side;
    const char *own_label, *own_advice, *own_action;
};

/* reason_side_name - "us", "recipient", "receiver", "unknown" */
const char *reason_side_name(enum reason_side side);

/* who must act, the label, the advice and the action of a failure of r; own: the
 * failure is our own system's (classification.own, event own_fault); r may be NULL
 * (then SIDE_UNKNOWN, "") */
enum reason_side reason_side_of(const struct reason *r, bool own);
const char *reason_label_of(const struct reason *r, bool own);
const char *reason_advice_of(const struct reason *r, bool own);
const char *reason_action_of(const struct reason *r, bool own);

struct blocklist_ref {
    const char *id;         /* "spamhaus", "spamcop", "microsoft", ... */
    const char *label;      /* "Spamhaus", "Microsoft (own list)" */
    const char *delist_url; /* from the catalogue, may be NULL */
};

enum classify_layer {
    LAYER_USER,   /* a user's [rule] */
    LAYER_CODE,   /* provider-codes.conf */
    LAYER_PHRASE, /* phrases.conf */
    LAYER_STAGE,  /* stages.conf */
    LAYER_DSN,    /* dsn.conf (and its [status] entries) */
    LAYER_NONE,   /* nothing decided: undefined */
};

/* a provider code's catalogue entry (provider-codes.conf) */
struct provider_code {
    const char *id;        /* the section name: "microsoft-s3150" */
    const char *providers; /* providers.conf ids, comma separated, or "" */
    const char *meaning;   /* what the provider says it means */
    const char *source;    /* the public page documenting it (or what it is based on) */
    const char *help;      /* removal / help link, or NULL */
    bool verified;         /* false: no public source found */
};

/* the rule that decided: one per rule line of the tables */
struct classify_rule {
    enum classify_layer layer;
    const char *name; /* section name ("userunknown", "X.1.1", "CONNECT", ...) */
    const char *file; /* file and line of the deciding line */
    int line;
    const char *meaning;              /* dsn/stage/code meaning, or NULL */
    const struct provider_code *code; /* LAYER_CODE: the catalogue entry */
};

struct classify_input {
    struct slice text;
    struct slice dsn; /* may be empty: then taken from the text */
    struct slice stage;
    struct slice remote_host;
    struct slice remote_ip;
    enum delivery_status status;
    enum text_source text_source;
    bool our_relay; /* remote_host is our own relay/smarthost (pipeline.c: --relay-host,
                     * [relay] in providers.conf, SMTP AUTH to it, Sendmail mailer=relay) */
};

struct classification {
    const struct reason *reason;
    const struct blocklist_ref *blocklist; /* NULL: none named */
    struct slice implicated_ip;            /* into input text, or empty */
    char dsn[16];                          /* as logged, else from the text, else "" */
    const struct classify_rule *rule;      /* NULL: nothing decided (undefined) */
    const char *note;                      /* a remark for people, or NULL */
    enum text_source source; /* the input's, or remote when a wrapper showed the text is
                              * the receiver's reply ("host X said:") */
    bool own;                /* a fault of our own system: our MTA's own words (source
                              * local or generic) of a reason with own-* fields, and
                              * its own-text (if any) matches: the own-* fields apply */
};

/* what explain shows beyond the answer: how the text was read */
struct classify_trace {
    char dsn_used[16];       /* the code the layers read: logged, from the text, or N.0.0 */
    const char *stage;       /* canonical stage ("RCPT TO"), or NULL */
    const char *scope;       /* the stage a restriction prefix implies, or NULL */
    const char *dsn_meaning; /* RFC 3463 meaning of dsn_used, or NULL */
    struct strbuf reading;   /* the text the phrase layer read */
};

struct classifier;

/* classifier_load - read reasons.conf, provider-codes.conf, phrases.conf,
 * stages.conf, dsn.conf and blocklists.conf along the search path */
struct classifier *classifier_load(struct strbuf *err);
struct conf;
/* classifier_load_from - the same from loaded reasons.conf and blocklists.conf
 * (the other tables along the search path); takes ownership of both (also on
 * failure) */
struct classifier *classifier_load_from(struct conf *reasons, struct conf *lists,
                                        struct strbuf *err);
void classifier_free(struct classifier *c);
/* classifier_cache - on (the default): texts that differ only in IPs,
 * addresses and ids reuse the shipped tables' answer for the first one; a
 * user's rules are evaluated every time. Off: everything every time. */
void classifier_cache(struct classifier *c, bool on);

void classify(struct classifier *c, const struct classify_input *in, struct classification *out);
/* classify_traced - classify without the cache, filling tr (strbuf_init'ed by
 * the caller; free it with strbuf_free) */
void classify_traced(struct classifier *c, const struct classify_input *in,
                     struct classification *out, struct classify_trace *tr);

/* classify_dsn_from_text - the first enhanced code after an SMTP code in text
 * ("550 5.7.1", "550-5.7.1") into dsn ("" if none); returns its length */
size_t classify_dsn_from_text(struct slice text, char dsn[16]);

/* classify_layer_name - "user rule", "provider code", "phrase", ... */
const char *classify_layer_name(enum classify_layer l);

/* reason table access (stable order of reasons.conf) */
size_t classifier_reason_count(const struct classifier *c);
const struct reason *classifier_reason_at(const struct classifier *c, size_t i);
const struct reason *classifier_reason(const struct classifier *c, const char *name);
/* blocklist ids named in texts */
const struct blocklist_ref *classifier_blocklist(const struct classifier *c, const char *id);
/* rule counts per layer, for people (explain --stats, README) */
size_t classifier_rule_count(const struct classifier *c, enum classify_layer l);

#endif
