/*
 * classify.h - failure text -> reason class, blocklist named, implicated IP.
 *
 * The reason classes, their labels and advice, and the ordered rules that
 * assign them all live in patterns/reasons.conf - the one table that drives
 * classification, report labels and advice text. Rules are tried in order
 * (a user's files first, see conf.h); the first rule whose every condition
 * matches wins. Conditions: text (PCRE2 on the reply text), dsn (on the
 * enhanced status code), stage (SMTP stage), host (remote host), status.
 *
 * The blocklist a text names ("blocked using Spamhaus", "zen.spamhaus.org",
 * "(S3150)") comes from the `mentions` patterns of patterns/blocklists.conf;
 * the implicated IP (our sending IP the text names: "Client host [x]",
 * "messages from [x]", "banned sending IP [x]", "[x      15]") from the
 * [implicated-ip] patterns of reasons.conf - never the remote host's own IP.
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
};

/* reason_side_name - "us", "recipient", "receiver", "unknown" */
const char *reason_side_name(enum reason_side side);

struct blocklist_ref {
    const char *id;         /* "spamhaus", "spamcop", "microsoft", ... */
    const char *label;      /* "Spamhaus", "Microsoft (own list)" */
    const char *delist_url; /* from the catalogue, may be NULL */
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
};

struct classifier;

/* classifier_load - read reasons.conf and blocklists.conf along the search path */
struct classifier *classifier_load(struct strbuf *err);
struct conf;
/* classifier_load_from - the same from loaded files; takes ownership of both (also on failure) */
struct classifier *classifier_load_from(struct conf *reasons, struct conf *lists,
                                        struct strbuf *err);
void classifier_free(struct classifier *c);
/* classifier_cache - on (the default): texts that differ only in IPs,
 * addresses and ids reuse the first one's reason and blocklist */
void classifier_cache(struct classifier *c, bool on);

void classify(struct classifier *c, const struct classify_input *in, struct classification *out);

/* classify_dsn_from_text - the first enhanced code after an SMTP code in text
 * ("550 5.7.1", "550-5.7.1") into dsn ("" if none); returns its length */
size_t classify_dsn_from_text(struct slice text, char dsn[16]);

/* reason table access (stable order of reasons.conf) */
size_t classifier_reason_count(const struct classifier *c);
const struct reason *classifier_reason_at(const struct classifier *c, size_t i);
const struct reason *classifier_reason(const struct classifier *c, const char *name);
/* blocklist ids named in texts */
const struct blocklist_ref *classifier_blocklist(const struct classifier *c, const char *id);

#endif
