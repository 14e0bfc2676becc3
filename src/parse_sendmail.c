/*
 * parse_sendmail.c - Sendmail log lines -> mta_record.
 *
 * Knows the delivery line (one per recipient list and per MX host tried:
 * "QID: to=..., delay=..., relay=..., dsn=..., reply=..., stat=..."), the
 * arrival line ("QID: from=<...>, size=N, ..., nrcpts=N, msgid=<...>"),
 * queue expiry ("Cannot send message for N days", also "within N days" and
 * from "postmaster notify:") and bounce notifications ("QID: NEWQID: DSN:
 * ...", RECORD_NOTIFY). Grammar: patterns/sendmail.conf.
 *
 * mailer=relay is the mailer of SMART_HOST, MAIL_HUB and LUSER_RELAY: the
 * host that answered is our own relay (rec->relay_ours), not the
 * recipient's MX.
 *
 * The reason text: Sendmail 8.16.1 added reply= with the remote server's
 * reply; stat= holds a sysexits text ("Service unavailable") for failures or
 * "Deferred: REASON". The remote reply wins whenever it is there; a stat=
 * that is only a sysexits word is marked TEXT_GENERIC so reports can say the
 * log lacks the real reply. Both fields may be shortened to head...tail.
 *
 * A "to=... stat=" line or a "Cannot send message" line that the grammar
 * does not match returns false (counted as unread with file:line).
 *
 * Delay warnings ("QID: NEWQID: DSN: Warning: could not send message for past
 * 4 hours", also "sender notify:" / "return to sender:"): RECORD_SKIPPED, a
 * deferral line that is no attempt (noted in "What was read", never a bounce);
 * "DSN: Return receipt" (a success notice): RECORD_OTHER.
 *
 * "timeout waiting for input from HOST during client PHASE": RECORD_PER_MX, a
 * deferral by that host (the to= line that follows tells the message's fate);
 * "HOST: SMTP DATA-2 protocol error: REPLY": RECORD_PER_MX with that host's reply
 * (bounced for a 5xx: Sendmail's EX_PROTOCOL is permanent).
 *
 * Not handled here (RECORD_OTHER): ruleset=... reject= (inbound), STARTTLS,
 * milter, daemon lines.
 */
#include <stdlib.h>
#include <string.h>

#include "grammar.h"
#include "mta.h"
#include "sendmail_shorten.h"
#include "util/xalloc.h"

struct sendmail_parser {
    struct grammar *g;
    struct grammar_rule *delivery, *sent, *from, *expired, *notify, *generic;
    int s_qid, s_to, s_relay, s_ip;
    int d_qid, d_to, d_relay, d_ip, d_dsn, d_reply, d_stat, d_mailer;
    int f_qid, f_from, f_size, f_nrcpt, f_msgid;
    int e_qid, e_to, e_text, n_qid, n_text;
};

struct sendmail_parser *sendmail_parser_load(struct strbuf *err)
{
    struct grammar *g = grammar_load("sendmail.conf", err);
    if (!g)
        return NULL;
    struct sendmail_parser *p = xcalloc(1, sizeof *p);
    p->g = g;
    if (!(p->delivery = grammar_require(g, "line", "delivery", err)) ||
        !(p->sent = grammar_require(g, "line", "sent", err)) ||
        !(p->from = grammar_require(g, "line", "from", err)) ||
        !(p->expired = grammar_require(g, "line", "expired", err)) ||
        !(p->notify = grammar_require(g, "line", "notify", err)) ||
        !(p->generic = grammar_require(g, "stat", "generic", err))) {
        sendmail_parser_free(p);
        return NULL;
    }
#define GI(rule, name) grammar_group_index(p->rule, name)
    p->s_qid = GI(sent, "qid");
    p->s_to = GI(sent, "to");
    p->s_relay = GI(sent, "relay");
    p->s_ip = GI(sent, "ip");
    p->d_qid = GI(delivery, "qid");
    p->d_to = GI(delivery, "to");
    p->d_relay = GI(delivery, "relay");
    p->d_ip = GI(delivery, "ip");
    p->d_dsn = GI(delivery, "dsn");
    p->d_reply = GI(delivery, "reply");
    p->d_stat = GI(delivery, "stat");
    p->d_mailer = GI(delivery, "mailer");
    p->f_qid = GI(from, "qid");
    p->f_from = GI(from, "from");
    p->f_size = GI(from, "size");
    p->f_nrcpt = GI(from, "nrcpt");
    p->f_msgid = GI(from, "msgid");
    p->e_qid = GI(expired, "qid");
    p->e_to = GI(expired, "to");
    p->e_text = GI(expired, "text");
    p->n_qid = GI(notify, "qid");
    p->n_text = GI(notify, "text");
#undef GI
    if (p->d_to < 0 || p->d_stat < 0) {
        strbuf_addf(err, "sendmail.conf: [line delivery] needs groups to and stat");
        sendmail_parser_free(p);
        return NULL;
    }
    return p;
}

void sendmail_parser_free(struct sendmail_parser *p)
{
    if (!p)
        return;
    grammar_free(p->g);
    free(p);
}

/* is_shortened - Sendmail's shortenstring(): head "..." tail (sendmail_shorten.h) */
static bool is_shortened(struct slice s)
{
    return sendmail_shortened_at(s) == SENDMAIL_SHORT_HEAD;
}

static bool starts_with_reply_code(struct slice s)
{
    return s.n >= 4 && s.p[0] >= '2' && s.p[0] <= '5' && s.p[1] >= '0' && s.p[1] <= '9' &&
           s.p[2] >= '0' && s.p[2] <= '9' && (s.p[3] == ' ' || s.p[3] == '-');
}

/* clean_relay - "mx1.example.net." -> "mx1.example.net"; "[192.0.2.10]" -> "" */
static struct slice clean_relay(struct slice relay)
{
    if (relay.n && relay.p[relay.n - 1] == '.')
        relay.n--; /* MX names end with a dot: "relay=mx1.example.net. [ip]" */
    if (relay.n && relay.p[0] == '[')
        relay = SLICE_EMPTY; /* an address literal: the IP is the next field */
    return relay;
}

static bool parse_delivery(struct sendmail_parser *p, struct slice msg, struct mta_record *rec)
{
    struct rx *rx = p->delivery->rx;
    if (!grammar_match(p->delivery, msg))
        return false;
    struct slice stat = rx_group(rx, msg, p->d_stat);
    struct slice dsn = rx_group(rx, msg, p->d_dsn);
    if (slice_starts(stat, "Sent")) {
        rec->status = DELIVERY_SENT;
    } else if (slice_starts(stat, "Deferred")) {
        rec->status = DELIVERY_DEFERRED;
    } else if (slice_starts(stat, "queued") || slice_starts(stat, "quarantined")) {
        return true; /* accepted for later / held: not an attempt */
    } else {
        /* a permanent sysexits text, or "Please try again later" (milter tempfail) */
        rec->status = dsn.n && dsn.p[0] == '4' ? DELIVERY_DEFERRED : DELIVERY_BOUNCED;
    }
    /* mailer=local / prog failures are deliveries too (a full mailbox, procmail's
     * "local mailer (...) exited with EX_TEMPFAIL", "unknown mailer error 1"), as
     * Postfix local(8) and pipe(8) failures are: never dropped without a word */
    struct slice mailer = rx_group(rx, msg, p->d_mailer);
    rec->kind = RECORD_DELIVERY;
    rec->qid = rx_group(rx, msg, p->d_qid);
    rec->recipients = rx_group(rx, msg, p->d_to);
    rec->dsn = dsn;
    rec->relay_host = clean_relay(rx_group(rx, msg, p->d_relay));
    rec->relay_ip = rx_group(rx, msg, p->d_ip);
    rec->relay_ours = slice_eq_cstr(mailer, "relay");
    struct slice reply = rx_group(rx, msg, p->d_reply);
    if (reply.n) {
        rec->text = reply;
        rec->text_source = TEXT_REMOTE_REPLY;
        rec->text_shortened = is_shortened(reply);
        return true;
    }
    rec->text_shortened = is_shortened(stat);
    struct slice text = stat;
    if (slice_starts(text, "Deferred: "))
        text = slice_make(text.p + 10, text.n - 10);
    rec->text = text;
    if (rec->status == DELIVERY_SENT)
        rec->text_source = TEXT_REMOTE_REPLY;
    else if (grammar_match(p->generic, text))
        rec->text_source = TEXT_GENERIC;
    else
        rec->text_source = starts_with_reply_code(text) ? TEXT_REMOTE_REPLY : TEXT_LOCAL;
    return true;
}

/* parse_sent - the head of a stat=Sent line (the common case, kept cheap) */
static bool parse_sent(struct sendmail_parser *p, struct slice msg, struct mta_record *rec)
{
    struct rx *rx = p->sent->rx;
    if (!rx_match(rx, msg))
        return false;
    rec->kind = RECORD_DELIVERY;
    rec->status = DELIVERY_SENT;
    rec->qid = rx_group(rx, msg, p->s_qid);
    rec->recipients = rx_group(rx, msg, p->s_to);
    rec->relay_host = clean_relay(rx_group(rx, msg, p->s_relay));
    rec->relay_ip = rx_group(rx, msg, p->s_ip);
    rec->text_source = TEXT_REMOTE_REPLY;
    return true;
}

/* data_protocol_error - where "SMTP DATA-N protocol error: " starts in "QID: SMTP ..."
 * or "QID: HOST: SMTP ..." (HOST may be an [IPv6:...] literal), else NULL; found by
 * the colons after the queue id, not by a search of the whole line */
static const char *data_protocol_error(struct slice msg)
{
    const char *end = msg.p + msg.n;
    const char *c = memchr(msg.p, ':', msg.n);
    for (int field = 0; c && field < 2; field++) {
        const char *s = c + 2;
        if (s + 28 > end || c[1] != ' ')
            return NULL;
        if (memcmp(s, "SMTP DATA-", 10) == 0)
            return memcmp(s + 11, " protocol error: ", 17) == 0 ? s : NULL;
        if (*s == '[') { /* a host literal: its colons are not the separator */
            const char *rb = memchr(s, ']', (size_t)(end - s));
            c = rb && rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
        } else {
            c = memchr(s, ':', (size_t)(end - s));
        }
    }
    return NULL;
}

/* is_notify - "QID: NEWQID: DSN: ", "...: return to sender: ", "...: postmaster notify: "
 * by a look at the fixed place after the two queue ids (no search on every line) */
static bool is_notify(struct slice msg)
{
    const char *e = msg.p + msg.n;
    const char *q = msg.p;
    for (int id = 0; id < 2; id++) {
        const char *start = q;
        while (q < e && q - start < 25 &&
               ((*q >= '0' && *q <= '9') || (*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z')))
            q++;
        if (q - start < 4 || e - q < 2 || q[0] != ':' || q[1] != ' ')
            return false;
        q += 2;
    }
    struct slice rest = slice_make(q, (size_t)(e - q));
    return slice_starts(rest, "DSN:") || slice_starts(rest, "return to sender:") ||
           slice_starts(rest, "postmaster notify:") || slice_starts(rest, "sender notify:");
}

bool sendmail_parse(struct sendmail_parser *p, struct slice msg, struct mta_record *rec)
{
    rec->mta = MTA_SENDMAIL;
    /* the delivery line is "QID: to=...": a fixed place, no search */
    const char *colon = memchr(msg.p, ':', msg.n < 26 ? msg.n : 26);
    if (colon && (size_t)(msg.p + msg.n - colon) > 5 && memcmp(colon, ": to=", 5) == 0) {
        /* " stat=", or ",stat=" after "dsn=5.0.0" in copied logs; a wrong
         * guess only costs speed: the whole pattern decides */
        const char *st = colon, *end = msg.p + msg.n;
        while ((st = memmem(st + 1, (size_t)(end - st - 1), "stat=", 5)) && st[-1] != ' ' &&
               st[-1] != ',')
            ;
        if (!st)
            return false; /* a delivery line cut before its stat=: unread, and said so */
        if ((size_t)(msg.p + msg.n - st) >= 9 && memcmp(st + 5, "Sent", 4) == 0)
            return parse_sent(p, msg, rec) || parse_delivery(p, msg, rec);
        return parse_delivery(p, msg, rec);
    }
    if (grammar_match(p->from, msg)) {
        struct rx *rx = p->from->rx;
        rec->kind = RECORD_MESSAGE;
        rec->qid = rx_group(rx, msg, p->f_qid);
        rec->sender = rx_group(rx, msg, p->f_from);
        rec->size = slice_to_int(rx_group(rx, msg, p->f_size));
        rec->nrcpt = (int)slice_to_int(rx_group(rx, msg, p->f_nrcpt));
        rec->message_id = slice_strip_angles(rx_group(rx, msg, p->f_msgid));
        return true;
    }
    if (memmem(msg.p, msg.n, "Cannot send message", 19)) {
        struct rx *rx = p->expired->rx;
        if (!rx_match(rx, msg))
            return false; /* an expiry in a shape we do not know: say so */
        rec->kind = RECORD_EXPIRED;
        rec->qid = rx_group(rx, msg, p->e_qid);
        rec->recipients = rx_group(rx, msg, p->e_to);
        rec->text = rx_group(rx, msg, p->e_text);
        rec->text_source = TEXT_LOCAL;
        return true;
    }
    /* "QID: timeout waiting for input from mx.example.net. during client DATA phase"
     * (sendmail/util.c sfgets, with the client's PHASE): that host stopped answering
     * us; a per-host deferral, the message's fate is told by its to= line. "during
     * server cmd read" is our own server waiting for a client: not a delivery. */
    const char *tw = memmem(msg.p, msg.n, ": timeout waiting for input from ", 33);
    if (tw && memmem(tw, (size_t)(msg.p + msg.n - tw), " during client ", 15)) {
        const char *host = tw + 33, *he = memchr(host, ' ', (size_t)(msg.p + msg.n - host));
        rec->kind = RECORD_PER_MX;
        rec->status = DELIVERY_DEFERRED;
        rec->qid = slice_make(msg.p, (size_t)(tw - msg.p));
        rec->relay_host = clean_relay(slice_make(host, he ? (size_t)(he - host) : 0));
        rec->text = slice_make(tw + 2, (size_t)(msg.p + msg.n - tw - 2));
        rec->text_source = TEXT_LOCAL;
        return true;
    }
    /* "QID: HOST: SMTP DATA-2 protocol error: 500 Mail appears to be unsolicited"
     * (sendmail/usersmtp.c smtpdata; DATA-1 answers DATA, DATA-2/-3 the message;
     * before 8.9 without HOST): a reply Sendmail did not expect (before 8.12 every
     * 5xx but 552/554 at the end of DATA), EX_PROTOCOL - the message fails for
     * that host. A per-host line with the remote reply: bounced when it is a 5xx. */
    const char *pe = data_protocol_error(msg);
    if (pe) {
        const char *qe = memchr(msg.p, ':', (size_t)(pe - msg.p));
        if (qe) {
            rec->kind = RECORD_PER_MX;
            rec->qid = slice_make(msg.p, (size_t)(qe - msg.p));
            if (pe - qe > 4) /* "QID: HOST: SMTP ..." */
                rec->relay_host = clean_relay(slice_make(qe + 2, (size_t)(pe - qe - 4)));
            rec->text = slice_make(pe + 28, (size_t)(msg.p + msg.n - pe - 28));
            rec->text_source = TEXT_REMOTE_REPLY;
            rec->stage = slice_make(pe[10] == '1' ? "DATA" : "end of DATA", pe[10] == '1' ? 4 : 11);
            rec->status =
                rec->text.n && rec->text.p[0] == '5' ? DELIVERY_BOUNCED : DELIVERY_DEFERRED;
            return true;
        }
    }
    if (is_notify(msg)) {
        if (!rx_match(p->notify->rx, msg))
            return false; /* a notification in a shape we do not know: say so */
        rec->kind = RECORD_NOTIFY;
        rec->qid = rx_group(p->notify->rx, msg, p->n_qid);
        rec->text = rx_group(p->notify->rx, msg, p->n_text);
        rec->text_source = TEXT_LOCAL;
        /* "DSN: Warning: could not send message for past 4 hours" (savemail.c, the
         * delay warning): the message is still queued, nothing failed and nothing
         * was tried; a line that is read but not counted, and said so */
        const char *sep = memchr(rec->text.p, ':', rec->text.n);
        if (sep && (size_t)(rec->text.p + rec->text.n - sep) > 10 &&
            memcmp(sep, ": Warning:", 10) == 0) {
            rec->kind = RECORD_SKIPPED;
            rec->status = DELIVERY_DEFERRED;
        }
        /* "DSN: Return receipt" (savemail.c, NOTIFY=SUCCESS): a delivery notice, no failure */
        if (sep && (size_t)(rec->text.p + rec->text.n - sep) >= 16 &&
            memcmp(sep, ": Return receipt", 16) == 0)
            rec->kind = RECORD_OTHER;
        /* "DSN: Data format error": the notice repeats the sysexits word of the failure
         * (savemail.c), no reply; read like stat= with that word (its code decides) */
        if (sep && rec->kind == RECORD_NOTIFY && (size_t)(rec->text.p + rec->text.n - sep) > 2) {
            struct slice why = slice_make(sep + 2, (size_t)(rec->text.p + rec->text.n - sep - 2));
            if (grammar_match(p->generic, why)) {
                rec->text = why;
                rec->text_source = TEXT_GENERIC;
            }
        }
    }
    return true;
}
