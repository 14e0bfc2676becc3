/*
 * parse_postfix.c - Postfix log lines -> mta_record.
 *
 * Knows the delivery agents' status line (smtp, lmtp, local, virtual, pipe,
 * error, retry, discard: one line per recipient and attempt), qmgr's
 * "(queue active)", "status=expired" and "removed" lines, cleanup's
 * message-id. The grammar is patterns/postfix.conf; this
 * file only dispatches on the daemon and interprets the groups.
 *
 * Not handled here (RECORD_OTHER): smtpd/postscreen (inbound, including
 * "NOQUEUE: reject"), per-MX "host ... said:" lines without "to=" (they
 * precede the final status line and are not attempts of their own), bounce
 * notifications, warnings ("lots of deferred mail" says deferred but is not
 * a delivery), address-verification probes (status=deliverable).
 */
#include <stdlib.h>
#include <string.h>

#include "grammar.h"
#include "mta.h"
#include "util/xalloc.h"

struct postfix_parser {
    struct grammar *g;
    struct grammar_rule *delivery, *sent, *queue_active, *expired, *removed, *message_id;
    struct grammar_rule *said, *refused, *remote;
    /* group numbers, looked up once */
    int d_qid, d_to, d_orig_to, d_relay, d_dsn, d_status, d_text;
    int qa_qid, qa_from, qa_size, qa_nrcpt;
    int s_qid, s_to, s_relay;
    int ex_qid, ex_from, rm_qid, mi_qid, mi_msgid;
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
        !(p->said = grammar_require(g, "text", "said", err)) ||
        !(p->refused = grammar_require(g, "text", "refused", err)) ||
        !(p->remote = grammar_require(g, "text", "remote", err))) {
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
    p->rm_qid = GI(removed, "qid");
    p->mi_qid = GI(message_id, "qid");
    p->mi_msgid = GI(message_id, "msgid");
    p->s_qid = GI(sent, "qid");
    p->s_to = GI(sent, "to");
    p->s_relay = GI(sent, "relay");
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
    if (p->d_to < 0 || p->d_status < 0 || p->sa_reply < 0) {
        strbuf_addf(err,
                    "postfix.conf: [line delivery] needs groups to and status, [text said] reply");
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

static bool is_delivery_agent(struct slice d)
{
    static const char *const agents[] = { "smtp", "lmtp",  "local", "virtual",
                                          "pipe", "error", "retry", "discard" };
    for (size_t i = 0; i < sizeof agents / sizeof *agents; i++)
        if (slice_eq_cstr(d, agents[i]))
            return true;
    return false;
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
    if (!rec->relay_host.n && grammar_match(p->remote, text)) {
        rec->relay_host = rx_group(p->remote->rx, text, p->re_host);
        rec->relay_ip = rx_group(p->remote->rx, text, p->re_ip);
    }
}

/* parse_relay - "mx1.example.net[198.51.100.25]:25" -> host and ip.
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
    const char *close = memchr(open, ']', (size_t)(relay.p + relay.n - open));
    if (close)
        rec->relay_ip = slice_make(open + 1, (size_t)(close - open - 1));
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

/* parse_delivery - a status line; false if it said status= but did not parse */
static bool parse_delivery(struct postfix_parser *p, struct slice msg, struct mta_record *rec)
{
    struct rx *rx = p->delivery->rx;
    if (!rx_match(rx, msg))
        return false;
    struct slice status = rx_group(rx, msg, p->d_status);
    if (slice_eq_cstr(status, "sent"))
        rec->status = DELIVERY_SENT;
    else if (slice_eq_cstr(status, "deferred") || slice_eq_cstr(status, "SOFTBOUNCE"))
        rec->status = DELIVERY_DEFERRED;
    else if (slice_eq_cstr(status, "bounced"))
        rec->status = DELIVERY_BOUNCED;
    else
        return true; /* deliverable/undeliverable probes, unknown words: not mail */
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

bool postfix_parse(struct postfix_parser *p, struct slice program, struct slice msg,
                   struct mta_record *rec)
{
    struct slice daemon = daemon_of(program);
    /* RFC 5424 via rsyslog loses the daemon ("postfix"): decide by content */
    bool any = slice_eq(daemon, program);
    rec->mta = MTA_POSTFIX;
    if (any || is_delivery_agent(daemon)) {
        const char *st = memmem(msg.p, msg.n, "status=", 7);
        /* without the daemon, qmgr's "from=<...>, status=expired" also has a status= */
        if (st && any && !memmem(msg.p, (size_t)(st - msg.p), "to=", 3))
            st = NULL;
        if (st) {
            /* one literal search finds the status word too: "sent" lines
             * (most of them) take the short pattern */
            size_t rest = (size_t)(msg.p + msg.n - st) - 7;
            if (rest >= 4 && memcmp(st + 7, "sent", 4) == 0 && (rest == 4 || st[11] == ' '))
                return parse_sent(p, msg, rec) || parse_delivery(p, msg, rec);
            if (!parse_delivery(p, msg, rec))
                return false;
            if (rec->kind != RECORD_OTHER || !any)
                return true;
        }
        if (!any)
            return true;
    }
    if (any || slice_eq_cstr(daemon, "qmgr") || slice_eq_cstr(daemon, "oqmgr")) {
        /* qmgr's lines are told apart by their ends, cheaper than a search */
        struct rx *rx;
        if (ends_with(msg, "(queue active)") && rx_match(p->queue_active->rx, msg)) {
            rx = p->queue_active->rx;
            rec->kind = RECORD_MESSAGE;
            rec->qid = rx_group(rx, msg, p->qa_qid);
            rec->sender = rx_group(rx, msg, p->qa_from);
            rec->size = slice_to_int(rx_group(rx, msg, p->qa_size));
            rec->nrcpt = (int)slice_to_int(rx_group(rx, msg, p->qa_nrcpt));
            return true;
        }
        if (ends_with(msg, ": removed") && rx_match(p->removed->rx, msg)) {
            rec->kind = RECORD_REMOVED;
            rec->qid = rx_group(p->removed->rx, msg, p->rm_qid);
            return true;
        }
        if (ends_with(msg, "returned to sender") && rx_match(p->expired->rx, msg)) {
            rx = p->expired->rx;
            rec->kind = RECORD_EXPIRED;
            rec->qid = rx_group(rx, msg, p->ex_qid);
            rec->sender = rx_group(rx, msg, p->ex_from);
            return true;
        }
        if (!any)
            return true;
    }
    if (any || slice_eq_cstr(daemon, "cleanup")) {
        /* "QID: message-id=<...>": the field sits right after the queue id, so a
         * look there replaces the literal search (one cleanup line per message) */
        const char *colon = memchr(msg.p, ':', msg.n < 32 ? msg.n : 32);
        struct slice field =
            colon ? slice_make(colon, (size_t)(msg.p + msg.n - colon)) : SLICE_EMPTY;
        if ((slice_starts(field, ": message-id=") || slice_starts(field, ": resent-message-id=")) &&
            rx_match(p->message_id->rx, msg)) {
            rec->kind = RECORD_MESSAGE;
            rec->qid = rx_group(p->message_id->rx, msg, p->mi_qid);
            rec->message_id = rx_group(p->message_id->rx, msg, p->mi_msgid);
        }
    }
    /* pickup's "uid=N from=<...>" is not read: qmgr's "(queue active)" line names
     * the sender of every message, locally submitted or not */
    return true;
}
