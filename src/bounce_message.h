/*
 * bounce_message.h - a returned-mail message (a bounce, a DSN) -> the
 * per-recipient reports it carries.
 *
 * RFC 3464 delivery status notifications: a multipart/report (RFC 6522)
 * whose message/delivery-status part (or message/global-delivery-status,
 * RFC 6533) holds one block of fields for the message (Reporting-MTA,
 * Arrival-Date) and one per recipient (Final-Recipient, Action, Status,
 * Remote-MTA, Diagnostic-Code, Last-Attempt-Date). Parts may be nested
 * (a forwarded bounce is multipart/mixed around it), quoted-printable or
 * base64, and fields folded over several lines; all of that is undone here.
 *
 * A bounce without such a part (qmail, old Exim, a text pasted into a mail)
 * is searched for the first reply the MTA quotes ("host X said: 550 ...",
 * "SMTP error from remote mail server after RCPT TO:...: 550 ...",
 * "(reason: 550 ...)", "Remote host said: 550 ..."), which becomes one
 * recipient with only a diagnostic; Gmail's old "Technical details of ...
 * failure:", Exchange 2003's "did not reach the following recipient(s):",
 * Domino's "because:" and CommuniGate Pro's "module(...) reports:" are such
 * places too (a CommuniGate "Final-Recipient: LOCAL;<user>" without a domain
 * gives way to its Original-Recipient). The other failed addresses of such
 * a bounce (X-Failed-Recipients, "<a@b>:" lines) get their own paragraph's
 * reply, and so does a delivery-status recipient without Diagnostic-Code
 * ("a@b: 550 ..." in OpenSMTPD's text). Layouts that quote no reply behind
 * such a marker (Sendmail transcripts, 1&1, IMail, MXLogic, Zoho, ...) are
 * read by bounce_layouts.c.
 *
 * All strings are owned by the bounce_message; bounce_message_free releases
 * them. Nothing here classifies (classify.c) or prints (write_explain.c).
 */
#ifndef BS_BOUNCE_MESSAGE_H
#define BS_BOUNCE_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/strbuf.h"

struct bounce_recipient {
    char *final_recipient;    /* the address, the "rfc822;" type removed; "" if absent */
    char *original_recipient; /* likewise */
    char *action;             /* failed, delayed, delivered, relayed, expanded; "" */
    char *status;             /* "5.7.1"; "" */
    char *remote_mta;         /* host name, the "dns;" type removed; "" */
    char *diagnostic_type;    /* "smtp", "x-unix", "x-postfix"; "" */
    char *diagnostic;         /* the text after the type, unfolded; "" */
    char *last_attempt;       /* Last-Attempt-Date; "" */
};

struct bounce_message {
    char *reporting_mta; /* "" if absent */
    char *subject;       /* "" if absent */
    bool is_dsn;         /* a message/delivery-status part was found */
    struct bounce_recipient *rcpts;
    size_t n_rcpts;
};

/* bounce_message_parse - parse data[0..n); 0, or -1 with a reason in err
 * (nothing that looks like a bounce). m is filled on success and must be
 * freed with bounce_message_free either way. */
int bounce_message_parse(const char *data, size_t n, struct bounce_message *m, struct strbuf *err);
void bounce_message_free(struct bounce_message *m);

/* bounce_message_looks_like - whether data starts like an RFC 5322 message
 * (a header block) rather than a reply text */
bool bounce_message_looks_like(const char *data, size_t n);

#endif
