/*
 * parse_postfix.c - Postfix log lines -> mta_record.
 *
 * Knows the delivery status line (one line per recipient and attempt) of
 * whichever daemon writes it - the delivery agents (smtp, lmtp, local,
 * virtual, pipe, error, retry, discard), qmgr ("delivery temporarily
 * suspended: ...") and cleanup (the bounce of a rejected local submission);
 * qmgr's "(queue active)", "status=expired" and "removed" lines (also
 * postsuper's "removed"); cleanup's message-id; the smtp/lmtp per-MX lines
 * that Postfix writes instead of a status line when it moves on to the next
 * MX host (RECORD_PER_MX: "QID: host X said: ...", "QID: lost connection
 * with ...", "connect to X[ip]:25: ..." without a queue id); and the bounce
 * daemon's non-delivery notifications (RECORD_NOTIFY) and delay notifications
 * (RECORD_SKIPPED: still queued, named in "What was read"). The grammar is
 * patterns/postfix.conf; this file only dispatches on the daemon and
 * interprets the groups.
 *
 * A status line of an unknown status word, or a "to=... status=" line that
 * the grammar does not match, returns false: the caller counts it as an
 * unread delivery line with file:line. Verification probes
 * (status=deliverable, undeliverable...) are read and are RECORD_OTHER.
 *
 * Not handled here (RECORD_OTHER): smtpd/postscreen (inbound, including
 * "NOQUEUE: reject"), success notifications, warnings ("lots of
 * deferred mail" says deferred but is not a delivery).
 */
#include <stdlib.h>
#include <string.h>

#include "grammar.h"
#include "mta.h"
#include "util/xalloc.h"

struct postfix_parser {
    struct grammar *g;
    struct grammar_rule *delivery, *sent, *queue_active, *expired, *removed, *message_id;
    struct grammar_rule *notify, *delay_notify, *per_mx, *connect;
    struct grammar_rule *said, *refused, *remote, *sasl;
    /* group numbers, looked up once */
    int d_qid, d_to, d_orig_to, d_relay, d_dsn, d_status, d_text;
    int qa_qid, qa_from, qa_size, qa_nrcpt;
    int s_qid, s_to, s_relay;
    int ex_qid, ex_from, ex_text, rm_qid, mi_qid, mi_msgid;
    int nt_qid, nt_text, dn_qid, dn_text, pm_qid, pm_text, cn_text;
    int sa_host, sa_ip, sa_reply, sa_stage, rf_host, rf_ip, rf_reply, re_host, re_ip;
};

struct postfix_parser *postfix_parser_load(struct strbuf *err)
{
    struct grammar *g = grammar_load("postfix.conf", err);
    if (!g)
        return NULL;
    struct postfix_parser *p = xcalloc(1, sizeof *p);
    p->g = g;
    if (!(p->delivery = grammar_require(g, "line", "delivery", err)) ||
        !(p->queue_active = grammar_require(g, "line", "queue-active", err)) ||
        !(p->expired = grammar_require(g, "line", "expired", err)) ||
        !(p->removed = grammar_require(g, "line", "removed", err)) ||
        !(p->message_id = grammar_require(g, "line", "message-id", err)) ||
        !(p->sent = grammar_require(g, "line", "sent", err)) ||
        !(p->notify = grammar_require(g, "line", "notify", err)) ||
        !(p->delay_notify = grammar_require(g, "line", "delay-notify", err)) ||
        !(p->per_mx = grammar_require(g, "line", "per-mx", err)) ||
        !(p->connect = grammar_require(g, "line", "connect", err)) ||
        !(p->said = grammar_require(g, "text", "said", err)) ||
        !(p->refused = grammar_require(g, "text", "refused", err)) ||
        !(p->remote = grammar_require(g, "text", "remote", err)) ||
        !(p->sasl = grammar_require(g, "text", "sasl", err))) {
        postfix_parser_free(p);
        return NULL;
    }
#define GI(rule, name) grammar_group_index(p->rule, name)
    p->d_qid = GI(delivery, "qid");
    p->d_to = GI(delivery, "to");
    p->d_orig_to = GI(delivery, "orig_to");
    p->d_relay = GI(delivery, "relay");
    p->d_dsn = GI(delivery, "dsn");
    p->d_status = GI(delivery, "status");
    p->d_text = GI(delivery, "text");
    p->qa_qid = GI(queue_active, "qid");
    p->qa_from = GI(queue_active, "from");
    p->qa_size = GI(queue_active, "size");
    p->qa_nrcpt = GI(queue_active, "nrcpt");
    p->ex_qid = GI(expired, "qid");
    p->ex_from = GI(expired, "from");
    p->ex_text = GI(expired, "text");
    p->rm_qid = GI(removed, "qid");
    p->mi_qid = GI(message_id, "qid");
    p->mi_msgid = GI(message_id, "msgid");
    p->s_qid = GI(sent, "qid");
    p->s_to = GI(sent, "to");
    p->s_relay = GI(sent, "relay");
    p->nt_qid = GI(notify, "qid");
    p->nt_text = GI(notify, "text");
    p->dn_qid = GI(delay_notify, "qid");
    p->dn_text = GI(delay_notify, "text");
    p->pm_qid = GI(per_mx, "qid");
    p->pm_text = GI(per_mx, "text");
    p->cn_text = GI(connect, "text");
    p->sa_host = GI(said, "host");
    p->sa_ip = GI(said, "ip");
    p->sa_reply = GI(said, "reply");
    p->sa_stage = GI(said, "stage");
    p->rf_host = GI(refused, "host");
    p->rf_ip = GI(refused, "ip");
    p->rf_reply = GI(refused, "reply");
    p->re_host = GI(remote, "host");
    p->re_ip = GI(remote, "ip");
#undef GI
    if (p->d_to < 0 || p->d_status < 0 || p->sa_reply < 0 || p->pm_text < 0 || p->cn_text < 0) {
        strbuf_addf(err, "postfix.conf: [line delivery] needs groups to and status, [text said] "
                         "reply, [line per-mx] and [line connect] text");
        postfix_parser_free(p);
        return NULL;
    }
    return p;
}

void postfix_parser_free(struct postfix_parser *p)
{
    if (!p)
        return;
    grammar_free(p->g);
    free(p);
}

/* daemon_of - the last '/' component of the tag: "postfix-out/smtp" -> "smtp" */
static struct slice daemon_of(struct slice program)
{
    for (size_t i = program.n; i-- > 0;)
        if (program.p[i] == '/')
            return slice_make(program.p + i + 1, program.n - i - 1);
    return program;
}

/* the daemons whose lines are read, by what they may write */
enum daemon_kind {
    D_OTHER,    /* smtpd, postscreen, pickup, anvil, ...: nothing outbound */
    D_SMTP,     /* smtp, lmtp: status lines and per-MX lines */
    D_AGENT,    /* local, virtual, pipe, error, retry, discard: status lines */
    D_QMGR,     /* qmgr, oqmgr: status lines (suspended), queue active, expired, removed */
    D_CLEANUP,  /* cleanup: message-id, and status lines (bounce of a rejected submission) */
    D_BOUNCE,   /* bounce: non-delivery notifications */
    D_POSTSUPER /* postsuper: removed */
};

/* daemon_kind - by a switch on the length and a compare: this runs for every
 * Postfix line, and a walk over a table of names with strlen and memcmp each
 * cost as much as the rest of a noise line's parse */
static enum daemon_kind daemon_kind(struct slice d)
{
#define IS(lit) (memcmp(d.p, lit, sizeof lit - 1) == 0)
    switch (d.n) {
    case 4:
        if (IS("smtp") || IS("lmtp"))
            return D_SMTP;
        if (IS("qmgr"))
            return D_QMGR;
        if (IS("pipe"))
            return D_AGENT;
        break;
    case 5:
        if (IS("local") || IS("error") || IS("retry"))
            return D_AGENT;
        if (IS("oqmgr"))
            return D_QMGR;
        break;
    case 6:
        if (IS("bounce"))
            return D_BOUNCE;
        break;
    case 7:
        if (IS("virtual") || IS("discard"))
            return D_AGENT;
        if (IS("cleanup"))
            return D_CLEANUP;
        break;
    case 9:
        if (IS("postsuper"))
            return D_POSTSUPER;
        break;
    }
    return D_OTHER;
#undef IS
}

/* parse_text - split the (TEXT) of a status line into reply, stage, remote host */
static void parse_text(struct postfix_parser *p, struct slice text, struct mta_record *rec)
{
    /* "delivery temporarily suspended: connect to ...": qmgr/error repeat the
     * reason that marked the destination dead; the reason is what follows */
    static const char suspended[] = "delivery temporarily suspended: ";
    while (slice_starts(text, suspended))
        text = slice_make(text.p + sizeof suspended - 1, text.n - (sizeof suspended - 1));
    rec->text = text;
    rec->text_source = TEXT_LOCAL;
    if (grammar_match(p->said, text)) {
        rec->relay_host = rx_group(p->said->rx, text, p->sa_host);
        rec->relay_ip = rx_group(p->said->rx, text, p->sa_ip);
        rec->text = slice_trim(rx_group(p->said->rx, text, p->sa_reply));
        rec->stage = rx_group(p->said->rx, text, p->sa_stage);
        rec->text_source = TEXT_REMOTE_REPLY;
        return;
    }
    if (grammar_match(p->refused, text)) {
        rec->relay_host = rx_group(p->refused->rx, text, p->rf_host);
        rec->relay_ip = rx_group(p->refused->rx, text, p->rf_ip);
        rec->text = rx_group(p->refused->rx, text, p->rf_reply);
        rec->stage = SLICE_LIT("greeting");
        rec->text_source = TEXT_REMOTE_REPLY;
        return;
    }
    /* "SASL authentication failed; server relay.example.com[ip] said: 535 ...":
     * the server is our relay (we log in to no one else) */
    if (text.n && text.p[0] == 'S' && grammar_match(p->sasl, text)) {
        rec->relay_ours = true;
        rec->stage = SLICE_LIT("AUTH");
    }
    if (!rec->relay_host.n && grammar_match(p->remote, text)) {
        rec->relay_host = rx_group(p->remote->rx, text, p->re_host);
        rec->relay_ip = rx_group(p->remote->rx, text, p->re_ip);
    }
}

/* socket_not_ip - "mail.example.jp[private/dovecot-lmtp]": the brackets hold a
 * UNIX socket, not an address */
static void socket_not_ip(struct mta_record *rec)
{
    if (rec->relay_ip.n && memchr(rec->relay_ip.p, '/', rec->relay_ip.n))
        rec->relay_ip = SLICE_EMPTY;
}

/* parse_relay - "mx1.example.net[198.51.100.25]:25" -> host, ip and port.
 * The relay field's shape is fixed by Postfix (log_adhoc.c: host[addr]:port,
 * "none", a transport name, host[private/dovecot-lmtp]); it is split by hand
 * because it is on every delivery line, sent ones included. */
static void parse_relay(struct slice relay, struct mta_record *rec)
{
    if (!relay.n || slice_eq_cstr(relay, "none"))
        return;
    const char *open = memchr(relay.p, '[', relay.n);
    if (!open) {
        rec->relay_host = relay;
        return;
    }
    rec->relay_host = slice_make(relay.p, (size_t)(open - relay.p));
    const char *end = relay.p + relay.n;
    const char *close = memchr(open, ']', (size_t)(end - open));
    if (!close)
        return;
    rec->relay_ip = slice_make(open + 1, (size_t)(close - open - 1));
    if (close + 1 < end && close[1] == ':') {
        unsigned port = 0;
        for (const char *q = close + 2; q < end && *q >= '0' && *q <= '9' && port < 65536; q++)
            port = port * 10 + (unsigned)(*q - '0');
        rec->relay_port = port < 65536 ? port : 0;
    }
}

/* parse_sent - the head of a status=sent line (the common case, kept cheap) */
static bool parse_sent(struct postfix_parser *p, struct slice msg, struct mta_record *rec)
{
    struct rx *rx = p->sent->rx;
    if (!rx_match(rx, msg))
        return false;
    rec->kind = RECORD_DELIVERY;
    rec->status = DELIVERY_SENT;
    rec->qid = rx_group(rx, msg, p->s_qid);
    rec->recipients = slice_strip_angles(rx_group(rx, msg, p->s_to));
    parse_relay(rx_group(rx, msg, p->s_relay), rec);
    rec->text_source = TEXT_REMOTE_REPLY;
    return true;
}

/* status_of - the status word; false for one Postfix does not write */
static bool status_of(struct slice status, struct mta_record *rec, bool *probe)
{
    *probe = false;
    if (slice_eq_cstr(status, "sent"))
        rec->status = DELIVERY_SENT;
    else if (slice_eq_cstr(status, "deferred") || slice_eq_cstr(status, "SOFTBOUNCE"))
        rec->status = DELIVERY_DEFERRED;
    else if (slice_eq_cstr(status, "bounced"))
        rec->status = DELIVERY_BOUNCED;
    else if (slice_eq_cstr(status, "deliverable") || slice_eq_cstr(status, "undeliverable") ||
             slice_eq_cstr(status, "undeliverable-but-not-cached"))
        *probe = true; /* address verification (global/verify.c): not mail */
    else
        return false;
    return true;
}

/* parse_delivery - a status line; false if it did not parse or named an unknown status */
static bool parse_delivery(struct postfix_parser *p, struct slice msg, struct mta_record *rec)
{
    struct rx *rx = p->delivery->rx;
    if (!rx_match(rx, msg))
        return false;
    bool probe;
    if (!status_of(rx_group(rx, msg, p->d_status), rec, &probe))
        return false;
    if (probe)
        return true;
    rec->kind = RECORD_DELIVERY;
    rec->qid = rx_group(rx, msg, p->d_qid);
    rec->recipients = slice_strip_angles(rx_group(rx, msg, p->d_to));
    rec->orig_recipient = slice_strip_angles(rx_group(rx, msg, p->d_orig_to));
    rec->dsn = rx_group(rx, msg, p->d_dsn);
    parse_relay(rx_group(rx, msg, p->d_relay), rec);
    struct slice text = rx_group(rx, msg, p->d_text);
    text = slice_trim(text);
    if (text.n && text.p[text.n - 1] == ')')
        text.n--; /* the closing parenthesis of "status=deferred (...)" */
    if (rec->status != DELIVERY_SENT) {
        /* parse_text may take the remote host from "host X[ip] said:"; the
         * relay= field names the same host, so either is right */
        struct slice host = rec->relay_host, ip = rec->relay_ip;
        parse_text(p, text, rec);
        if (!rec->relay_host.n) {
            rec->relay_host = host;
            rec->relay_ip = ip;
        }
        socket_not_ip(rec);
    } else {
        rec->text = text;
        rec->text_source = TEXT_REMOTE_REPLY;
    }
    return true;
}

static bool ends_with(struct slice s, const char *suffix)
{
    size_t n = strlen(suffix);
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\r'))
        s.n--;
    return s.n >= n && memcmp(s.p + s.n - n, suffix, n) == 0;
}

/* after_qid - the text after "QID: " when msg starts with a queue id, else
 * empty; "warning: ", "fatal: ", "NOQUEUE: " and the like are no queue ids */
static struct slice after_qid(struct slice msg)
{
    static const char *const not_ids[] = { "warning", "fatal",      "panic",
                                           "error",   "statistics", "NOQUEUE" };
    size_t i = 0;
    while (i < msg.n && i < 40 &&
           ((msg.p[i] >= '0' && msg.p[i] <= '9') || (msg.p[i] >= 'A' && msg.p[i] <= 'Z') ||
            (msg.p[i] >= 'a' && msg.p[i] <= 'z')))
        i++;
    if (i < 4 || i + 2 > msg.n || msg.p[i] != ':' || msg.p[i + 1] != ' ')
        return SLICE_EMPTY;
    for (size_t k = 0; k < sizeof not_ids / sizeof *not_ids; k++)
        if (slice_eq_cstr(slice_make(msg.p, i), not_ids[k]))
            return SLICE_EMPTY;
    return slice_make(msg.p + i + 2, msg.n - i - 2);
}

/* parse_status_line - a "to=... status=" line of any daemon. *done false: no
 * status line here (try the other kinds); the result is false for a status
 * line that did not parse */
static bool parse_status_line(struct postfix_parser *p, struct slice msg, struct mta_record *rec,
                              bool *done)
{
    *done = false;
    const char *st = memmem(msg.p, msg.n, "status=", 7);
    if (!st)
        return true;
    /* qmgr's "from=<...>, status=expired" has a status= too, but no to= before it */
    if (!memmem(msg.p, (size_t)(st - msg.p), "to=", 3))
        return true;
    *done = true;
    /* one literal search finds the status word too: "sent" lines (most of
     * them) take the short pattern */
    size_t rest = (size_t)(msg.p + msg.n - st) - 7;
    if (rest >= 4 && memcmp(st + 7, "sent", 4) == 0 && (rest == 4 || st[11] == ' '))
        return parse_sent(p, msg, rec) || parse_delivery(p, msg, rec);
    return parse_delivery(p, msg, rec);
}

/* parse_qmgr - queue active / removed / expired: 1 when one matched, 0 when
 * the line is none of them, -1 for an expiry line the grammar does not match */
static int parse_qmgr(struct postfix_parser *p, struct slice msg, struct mta_record *rec)
{
    /* qmgr's lines are told apart by their ends, cheaper than a search */
    struct rx *rx;
    if (ends_with(msg, "(queue active)") && rx_match(p->queue_active->rx, msg)) {
        rx = p->queue_active->rx;
        rec->kind = RECORD_MESSAGE;
        rec->qid = rx_group(rx, msg, p->qa_qid);
        rec->sender = rx_group(rx, msg, p->qa_from);
        rec->size = slice_to_int(rx_group(rx, msg, p->qa_size));
        rec->nrcpt = (int)slice_to_int(rx_group(rx, msg, p->qa_nrcpt));
        return 1;
    }
    if (ends_with(msg, ": removed") && rx_match(p->removed->rx, msg)) {
        rec->kind = RECORD_REMOVED;
        rec->qid = rx_group(p->removed->rx, msg, p->rm_qid);
        return 1;
    }
    if (ends_with(msg, "returned to sender")) {
        rx = p->expired->rx;
        if (!rx_match(rx, msg))
            return -1; /* an expiry in a shape we do not know: say so */
        rec->kind = RECORD_EXPIRED;
        rec->qid = rx_group(rx, msg, p->ex_qid);
        rec->sender = rx_group(rx, msg, p->ex_from);
        rec->text = rx_group(rx, msg, p->ex_text);
        rec->text_source = TEXT_LOCAL;
        return 1;
    }
    return 0;
}

/* parse_per_mx - a smtp/lmtp line about one host before the next is tried;
 * true when it was one */
static bool parse_per_mx(struct postfix_parser *p, struct slice msg, struct mta_record *rec)
{
    struct slice body = after_qid(msg);
    struct rx *rx;
    struct slice text;
    if (body.n) {
        /* the first letter of every per-MX reason: host, lost, conversation,
         * Cannot, SASL, Server, TLS, Protocol, local - a cheap filter before
         * the pattern for the other "QID: ..." lines of smtp */
        char c = body.p[0];
        if (!(c == 'h' || c == 'l' || c == 'c' || c == 'C' || c == 'S' || c == 'T' || c == 'P') ||
            !rx_match(p->per_mx->rx, msg))
            return false;
        rx = p->per_mx->rx;
        rec->qid = rx_group(rx, msg, p->pm_qid);
        text = rx_group(rx, msg, p->pm_text);
    } else if (slice_starts(msg, "connect to ") && rx_match(p->connect->rx, msg)) {
        text = rx_group(p->connect->rx, msg, p->cn_text);
    } else {
        return false;
    }
    rec->kind = RECORD_PER_MX;
    rec->status = DELIVERY_DEFERRED;
    parse_text(p, text, rec);
    socket_not_ip(rec);
    return true;
}

/* parse_message_id - cleanup's "QID: message-id=<...>"; true when it was one */
static bool parse_message_id(struct postfix_parser *p, struct slice msg, struct mta_record *rec)
{
    /* the field sits right after the queue id, so a look there replaces the
     * literal search (one cleanup line per message) */
    const char *colon = memchr(msg.p, ':', msg.n < 32 ? msg.n : 32);
    struct slice field = colon ? slice_make(colon, (size_t)(msg.p + msg.n - colon)) : SLICE_EMPTY;
    if ((slice_starts(field, ": message-id=") || slice_starts(field, ": resent-message-id=")) &&
        rx_match(p->message_id->rx, msg)) {
        rec->kind = RECORD_MESSAGE;
        rec->qid = rx_group(p->message_id->rx, msg, p->mi_qid);
        rec->message_id = rx_group(p->message_id->rx, msg, p->mi_msgid);
        return true;
    }
    return false;
}

bool postfix_parse(struct postfix_parser *p, struct slice program, struct slice msg,
                   struct mta_record *rec)
{
    struct slice daemon = daemon_of(program);
    /* RFC 5424 via rsyslog loses the daemon ("postfix"): decide by content */
    bool any = slice_eq(daemon, program);
    enum daemon_kind kind = any ? D_OTHER : daemon_kind(daemon);
    rec->mta = MTA_POSTFIX;
    if (!any && kind == D_OTHER)
        return true; /* smtpd, postscreen, pickup, anvil, ...: nothing outbound */
    /* qmgr's own lines and cleanup's message-id are told apart at a fixed
     * place, cheaper than the search for "status=" that a status line needs:
     * look for them first (they are most of those daemons' lines) */
    if (any || kind == D_QMGR || kind == D_POSTSUPER) {
        int q = parse_qmgr(p, msg, rec);
        if (q)
            return q > 0;
    }
    if ((any || kind == D_CLEANUP) && parse_message_id(p, msg, rec))
        return true;
    if (any || kind == D_SMTP || kind == D_AGENT || kind == D_QMGR || kind == D_CLEANUP) {
        bool done;
        bool ok = parse_status_line(p, msg, rec, &done);
        if (done)
            return ok;
    }
    if ((any || kind == D_SMTP) && parse_per_mx(p, msg, rec))
        return true;
    /* with the literal there (ours has one): a line that has it and does not
     * parse is a notification in a shape we do not know - said so */
    const struct grammar_rule *nt = p->notify;
    if ((any || kind == D_BOUNCE) &&
        (nt->literal ? memmem(msg.p, msg.n, nt->literal, nt->literal_len) != NULL
                     : rx_match(nt->rx, msg))) {
        if (nt->literal && !rx_match(nt->rx, msg))
            return false;
        rec->kind = RECORD_NOTIFY;
        rec->qid = rx_group(p->notify->rx, msg, p->nt_qid);
        rec->text = rx_group(p->notify->rx, msg, p->nt_text);
        rec->text_source = TEXT_LOCAL;
        return true;
    }
    /* "QID: sender delay notification: NEWQID": still queued, a note (not an attempt) */
    struct grammar_rule *dn = p->delay_notify;
    if ((any || kind == D_BOUNCE) && grammar_match(dn, msg)) {
        rec->kind = RECORD_SKIPPED;
        rec->status = DELIVERY_DEFERRED;
        rec->qid = rx_group(dn->rx, msg, p->dn_qid);
        rec->text = rx_group(dn->rx, msg, p->dn_text);
        rec->text_source = TEXT_LOCAL;
        return true;
    }
    /* pickup's "uid=N from=<...>" is not read: qmgr's "(queue active)" line names
     * the sender of every message, locally submitted or not */
    return true;
}
