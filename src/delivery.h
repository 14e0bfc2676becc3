/*
 * delivery.h - the records the MTA parsers emit, and delivery statuses.
 *
 * A parser (parse_postfix.c, parse_sendmail.c, parse_exim.c) turns the message
 * part of one log line into one struct mta_record. All slices point into
 * the line buffer (valid for this line only). Sendmail's to= may name a list
 * of recipients: `recipients` then holds the whole list and
 * delivery_next_recipient walks it.
 */
#ifndef BS_DELIVERY_H
#define BS_DELIVERY_H

#include <stdbool.h>
#include <stdint.h>

#include "util/slice.h"

enum delivery_status {
    DELIVERY_SENT,
    DELIVERY_DEFERRED,
    DELIVERY_BOUNCED,
    DELIVERY_EXPIRED,
};

enum mta_kind {
    MTA_UNKNOWN,
    MTA_POSTFIX,
    MTA_SENDMAIL,
    MTA_EXIM,
};

enum record_kind {
    RECORD_OTHER,    /* not ours: inbound, other daemons, diagnostics */
    RECORD_DELIVERY, /* one attempt for one or more recipients */
    RECORD_MESSAGE,  /* what is known of a queue id: sender, size, message-id, nrcpt */
    RECORD_EXPIRED,  /* queue lifetime over: recipients (or all pending ones) expire */
    RECORD_REMOVED,  /* the queue id is gone (Postfix removed, Exim Completed) */
    RECORD_PER_MX,   /* one host failed before the next was tried (Postfix "QID: host X
                      * said: ...", "lost connection with ...", Exim "MSGID H=host [ip]: ..."):
                      * an attempt of that host; the message's fate is its final status line.
                      * No recipients (the line names none); status DEFERRED, but BOUNCED
                      * for Sendmail's "SMTP DATA-N protocol error: 5xx" (EX_PROTOCOL). */
    RECORD_NOTIFY,   /* a non-delivery notification was sent for qid (Postfix bounce
                      * "sender non-delivery notification", Sendmail "DSN:"): the message
                      * failed, whether or not its failure lines are in the input */
    RECORD_SKIPPED,  /* a deferral line that is no attempt: Exim "retry time not reached",
                      * intentional queueing (queue_smtp_domains, -odqs, queue_domains),
                      * Sendmail's delay warning ("DSN: Warning: could not send ...") */
};

/* where the failure text came from, for "the log lacks the remote reply" */
enum text_source {
    TEXT_REMOTE_REPLY, /* the remote server's SMTP reply */
    TEXT_LOCAL,        /* the MTA's own words (connect to ..., Host not found, ...) */
    TEXT_GENERIC,      /* only a generic status (Sendmail stat=Service unavailable) */
};

struct mta_record {
    enum record_kind kind;
    enum mta_kind mta;
    struct slice qid;
    /* RECORD_DELIVERY */
    enum delivery_status status;
    struct slice recipients; /* one address, or a Sendmail list */
    struct slice orig_recipient;
    struct slice relay_host; /* "mx1.example.net" (trailing dot removed), or empty */
    struct slice relay_ip;   /* "198.51.100.25", or empty */
    unsigned relay_port;     /* Postfix relay=host[ip]:PORT, 0 when not logged */
    bool relay_ours;         /* the line shows the host is our own relay: SMTP AUTH to it
                              * (Postfix "SASL authentication failed; server X said"),
                              * Sendmail mailer=relay, Exim's smarthost router/transport */
    struct slice dsn;        /* "5.7.1" as logged, or empty */
    struct slice text;       /* the reason text (remote reply preferred) */
    struct slice stage;      /* SMTP stage: "RCPT TO", "DATA", "end of DATA", or empty */
    enum text_source text_source;
    bool text_shortened; /* Sendmail cut the middle ("head...tail") */
    /* RECORD_MESSAGE */
    struct slice sender;
    struct slice message_id;
    int64_t size; /* -1 unknown */
    int nrcpt;    /* -1 unknown */
    /* RECORD_EXPIRED: recipients empty means every pending recipient of qid;
     * text is the expiry's own words ("status=expired, returned to sender") */
};

/* delivery_next_recipient - walk a recipient list: "<a@x>,<b@y>" or "a@x, b@y", also
 * nested "<<a@x>>" and display names ("Joe <a@x>", "\"J <j>\" <a@x>": the last <...>);
 * *pos starts at 0; the address is returned without angle brackets */
bool delivery_next_recipient(struct slice list, size_t *pos, struct slice *addr);

/* delivery_status_name - "sent", "deferred", "bounced", "expired" */
const char *delivery_status_name(enum delivery_status s);
/* delivery_status_parse - from a name; false if unknown */
bool delivery_status_parse(const char *name, enum delivery_status *out);

/* recipient_domain - the part after the last '@' (empty if none) */
struct slice recipient_domain(struct slice addr);

#endif
