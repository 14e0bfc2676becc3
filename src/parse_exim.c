/*
 * parse_exim.c - Exim main log lines -> mta_record.
 *
 * The message part starts with the message id and a flag: "==" deferred,
 * "**" failed, "=>"/"->" delivered, "<=" arrival, then "Completed". The
 * flag is checked by hand (two bytes) before any regex; the grammar of each
 * is patterns/exim.conf. Exim's own timestamp has already been removed by
 * the header parser (main log) or header_strip_exim_stamp (syslog).
 *
 * Special cases, from Exim's deliver.c and transports/smtp.c:
 *   "== ... retry time not reached" (also "Retry time not yet reached") and
 *   intentional queueing ("domain matches queue_smtp_domains, or -odqs set",
 *   "domain is in queue_domains", ...) repeat on every queue run without a
 *   new attempt: RECORD_SKIPPED, never counted as attempts.
 *   "MSGID H=host [ip]: ..." without a flag is the smtp transport's line for
 *   one host before it tries the next: RECORD_PER_MX; so is "MSGID SMTP error
 *   from remote mail server after ...: host h [ip]: ..." (older Exim: "remote
 *   mailer"), the same line without H=.
 *   "== ... defer (errno): strerror H=host [ip]: message": a strerror only for
 *   errno > 0; see deferral_text.
 *   R=smarthost / T=remote_smtp_smarthost (Debian's names): the host that
 *   answered is our relay (rec->relay_ours).
 *   "** addr ...: retry timeout exceeded" is the end of the queue lifetime:
 *   RECORD_EXPIRED for that address (reason: its last deferral).
 *   No dsn= field exists: the classifier takes it from the reply text.
 */
#include <stdlib.h>
#include <string.h>

#include "grammar.h"
#include "mta.h"
#include "util/xalloc.h"

struct exim_parser {
    struct grammar *g;
    struct grammar_rule *deferred, *failed, *delivered, *arrival, *completed;
    struct grammar_rule *smtp_error, *expired, *not_attempt, *per_host, *smarthost;
    int df_qid, df_to, df_host, df_ip, df_errno, df_strerror, df_msg, df_router, df_transport;
    int fl_qid, fl_to, fl_host, fl_ip, fl_msg, fl_router, fl_transport;
    int ph_qid, ph_host, ph_ip, ph_msg;
    int dl_qid, dl_to, dl_host, dl_ip;
    int ar_qid, ar_from, ar_size, ar_msgid;
    int cp_qid;
    int se_stage, se_host, se_ip, se_reply;
};

struct exim_parser *exim_parser_load(struct strbuf *err)
{
    struct grammar *g = grammar_load("exim.conf", err);
    if (!g)
        return NULL;
    struct exim_parser *p = xcalloc(1, sizeof *p);
    p->g = g;
    if (!(p->deferred = grammar_require(g, "line", "deferred", err)) ||
        !(p->failed = grammar_require(g, "line", "failed", err)) ||
        !(p->delivered = grammar_require(g, "line", "delivered", err)) ||
        !(p->arrival = grammar_require(g, "line", "arrival", err)) ||
        !(p->completed = grammar_require(g, "line", "completed", err)) ||
        !(p->smtp_error = grammar_require(g, "text", "smtp-error", err)) ||
        !(p->expired = grammar_require(g, "text", "expired", err)) ||
        !(p->not_attempt = grammar_require(g, "text", "not-attempt", err)) ||
        !(p->per_host = grammar_require(g, "line", "per-host", err)) ||
        !(p->smarthost = grammar_require(g, "text", "smarthost", err))) {
        exim_parser_free(p);
        return NULL;
    }
#define GI(rule, name) grammar_group_index(p->rule, name)
    p->df_qid = GI(deferred, "qid");
    p->df_to = GI(deferred, "to");
    p->df_host = GI(deferred, "host");
    p->df_ip = GI(deferred, "ip");
    p->df_errno = GI(deferred, "errno");
    p->df_strerror = GI(deferred, "strerror");
    p->df_msg = GI(deferred, "msg");
    p->df_router = GI(deferred, "router");
    p->df_transport = GI(deferred, "transport");
    p->fl_router = GI(failed, "router");
    p->fl_transport = GI(failed, "transport");
    p->ph_qid = GI(per_host, "qid");
    p->ph_host = GI(per_host, "host");
    p->ph_ip = GI(per_host, "ip");
    p->ph_msg = GI(per_host, "msg");
    p->fl_qid = GI(failed, "qid");
    p->fl_to = GI(failed, "to");
    p->fl_host = GI(failed, "host");
    p->fl_ip = GI(failed, "ip");
    p->fl_msg = GI(failed, "msg");
    p->dl_qid = GI(delivered, "qid");
    p->dl_to = GI(delivered, "to");
    p->dl_host = GI(delivered, "host");
    p->dl_ip = GI(delivered, "ip");
    p->ar_qid = GI(arrival, "qid");
    p->ar_from = GI(arrival, "from");
    p->ar_size = GI(arrival, "size");
    p->ar_msgid = GI(arrival, "msgid");
    p->cp_qid = GI(completed, "qid");
    p->se_stage = GI(smtp_error, "stage");
    p->se_host = GI(smtp_error, "host");
    p->se_ip = GI(smtp_error, "ip");
    p->se_reply = GI(smtp_error, "reply");
#undef GI
    if (p->df_to < 0 || p->fl_to < 0 || p->fl_msg < 0 || p->se_reply < 0 || p->ph_msg < 0) {
        strbuf_addf(err, "exim.conf: [line deferred]/[line failed]/[line per-host] need groups to "
                         "and msg");
        exim_parser_free(p);
        return NULL;
    }
    return p;
}

void exim_parser_free(struct exim_parser *p)
{
    if (!p)
        return;
    grammar_free(p->g);
    free(p);
}

/* set_text - the reason text; the remote reply and stage when it is an SMTP error */
static void set_text(struct exim_parser *p, struct slice text, struct mta_record *rec)
{
    rec->text = text;
    rec->text_source = TEXT_LOCAL;
    if (grammar_match(p->smtp_error, text)) {
        struct rx *rx = p->smtp_error->rx;
        rec->text = rx_group(rx, text, p->se_reply);
        rec->stage = rx_group(rx, text, p->se_stage);
        rec->text_source = TEXT_REMOTE_REPLY;
        struct slice host = rx_group(rx, text, p->se_host);
        if (host.n && !rec->relay_host.n) {
            rec->relay_host = host;
            rec->relay_ip = rx_group(rx, text, p->se_ip);
        }
        /* Exim writes "end of data"; Postfix "end of DATA": one name for one stage */
        if (slice_eq_cstr(rec->stage, "end of data"))
            rec->stage = SLICE_LIT("end of DATA");
        /* and "initial connection" is Postfix's "greeting" (refused to talk to me) */
        else if (slice_eq_cstr(rec->stage, "initial connection"))
            rec->stage = SLICE_LIT("greeting");
    }
}

/* via_smarthost - whether the router or transport is one of our smarthost */
static bool via_smarthost(struct exim_parser *p, struct slice router, struct slice transport)
{
    return (router.n && grammar_match(p->smarthost, router)) ||
           (transport.n && grammar_match(p->smarthost, transport));
}

/* delivery - rec as an attempt with status st whose reply is text; groups: the
 * grammar rx's host, ip, router and transport groups in msg, in that order */
static void delivery(struct exim_parser *p, const struct rx *rx, struct slice msg,
                     struct mta_record *rec, enum delivery_status st, struct slice text,
                     const int groups[4])
{
    rec->kind = RECORD_DELIVERY;
    rec->status = st;
    rec->relay_host = rx_group(rx, msg, groups[0]);
    rec->relay_ip = rx_group(rx, msg, groups[1]);
    rec->relay_ours = via_smarthost(p, rx_group(rx, msg, groups[2]), rx_group(rx, msg, groups[3]));
    set_text(p, text, rec);
}

/* is_host_echo - whether text is only "host [ip]", which Exim's message repeats after
 * a failed connection ("defer (113): No route to host H=mx [ip]: mx [ip]") */
static bool is_host_echo(struct slice text, struct slice host, struct slice ip)
{
    return host.n && text.n == host.n + ip.n + 3 && memcmp(text.p, host.p, host.n) == 0 &&
           memcmp(text.p + host.n, " [", 2) == 0 && memcmp(text.p + host.n + 2, ip.p, ip.n) == 0 &&
           text.p[text.n - 1] == ']';
}

/* deferral_text - the reason text of a "==" line. Exim (deliver.c) writes
 * "defer (errno)", ": strerror" only when errno > 0, " H=host [ip]", ": message".
 * With errno <= 0 and no host the grammar's strerror group is the message cut at its
 * first colon ("failed to expand ... transport: failed to open ..."): the text runs from
 * it to the end. With errno > 0 and a message that only repeats the host, the strerror
 * is the reason ("No route to host"). */
static struct slice deferral_text(const struct exim_parser *p, const struct rx *rx,
                                  struct slice msg)
{
    struct slice text = rx_group(rx, msg, p->df_msg);
    struct slice strerror = rx_group(rx, msg, p->df_strerror);
    if (!strerror.n)
        return text;
    if (!text.n)
        return strerror;
    struct slice err = rx_group(rx, msg, p->df_errno);
    bool positive = err.n && err.p[0] != '-' && !(err.n == 1 && err.p[0] == '0');
    struct slice host = rx_group(rx, msg, p->df_host);
    if (!positive && !host.n && strerror.p < text.p)
        return slice_make(strerror.p, (size_t)(text.p + text.n - strerror.p));
    if (positive && is_host_echo(text, host, rx_group(rx, msg, p->df_ip)))
        return strerror;
    return text;
}

/* per_mx - rec as the smtp transport's failure of one host (no recipient) */
static void per_mx(struct exim_parser *p, struct slice qid, struct slice host, struct slice ip,
                   struct slice text, struct mta_record *rec)
{
    rec->kind = RECORD_PER_MX;
    rec->status = DELIVERY_DEFERRED;
    rec->qid = qid;
    rec->relay_host = host;
    rec->relay_ip = ip;
    set_text(p, text, rec);
}

bool exim_parse(struct exim_parser *p, struct slice msg, struct mta_record *rec)
{
    rec->mta = MTA_EXIM;
    const char *sp = memchr(msg.p, ' ', msg.n);
    if (!sp || (size_t)(sp - msg.p) < 16 || (size_t)(sp - msg.p) > 23 || sp + 3 > msg.p + msg.n) {
        /* no message id: connection and queue-runner lines - unless a delivery flag
         * follows the first token ("1wrSQ0-x == a@b R=...", an id a post shortened): a
         * delivery line that no grammar reads, said so */
        if (sp && sp + 4 <= msg.p + msg.n && sp[3] == ' ' &&
            ((sp[1] == '=' && sp[2] == '=') || (sp[1] == '*' && sp[2] == '*') ||
             ((sp[1] == '=' || sp[1] == '-') && sp[2] == '>')))
            return false;
        return true;
    }
    const char *flag = sp + 1;
    struct rx *rx;
    if (flag[0] == '=' && flag[1] == '=') {
        if (!grammar_match(p->deferred, msg))
            return false;
        rx = p->deferred->rx;
        struct slice text = deferral_text(p, rx, msg);
        struct slice strerror = rx_group(rx, msg, p->df_strerror);
        rec->qid = rx_group(rx, msg, p->df_qid);
        rec->recipients = rx_group(rx, msg, p->df_to);
        if (grammar_match(p->not_attempt, text) ||
            (strerror.n && strerror.p != text.p && grammar_match(p->not_attempt, strerror))) {
            rec->kind = RECORD_SKIPPED;
            rec->status = DELIVERY_DEFERRED;
            rec->text = text;
            rec->text_source = TEXT_LOCAL;
            return true;
        }
        delivery(p, rx, msg, rec, DELIVERY_DEFERRED, text,
                 (int[4]){ p->df_host, p->df_ip, p->df_router, p->df_transport });
        return true;
    }
    if (flag[0] == '*' && flag[1] == '*') {
        if (!grammar_match(p->failed, msg))
            return false;
        rx = p->failed->rx;
        struct slice text = rx_group(rx, msg, p->fl_msg);
        rec->qid = rx_group(rx, msg, p->fl_qid);
        rec->recipients = rx_group(rx, msg, p->fl_to);
        if (grammar_match(p->expired, text)) {
            rec->kind = RECORD_EXPIRED;
            rec->text = text;
            rec->text_source = TEXT_LOCAL;
            return true;
        }
        delivery(p, rx, msg, rec, DELIVERY_BOUNCED, text,
                 (int[4]){ p->fl_host, p->fl_ip, p->fl_router, p->fl_transport });
        return true;
    }
    if ((flag[0] == '=' || flag[0] == '-') && flag[1] == '>') {
        if (!grammar_match(p->delivered, msg))
            return false;
        rx = p->delivered->rx;
        rec->kind = RECORD_DELIVERY;
        rec->status = DELIVERY_SENT;
        rec->qid = rx_group(rx, msg, p->dl_qid);
        rec->recipients = rx_group(rx, msg, p->dl_to);
        rec->relay_host = rx_group(rx, msg, p->dl_host);
        rec->relay_ip = rx_group(rx, msg, p->dl_ip);
        return true;
    }
    if (flag[0] == '<' && flag[1] == '=') {
        if (!grammar_match(p->arrival, msg))
            return true;
        rx = p->arrival->rx;
        rec->kind = RECORD_MESSAGE;
        rec->qid = rx_group(rx, msg, p->ar_qid);
        rec->sender = rx_group(rx, msg, p->ar_from);
        if (slice_eq_cstr(rec->sender, "<>"))
            rec->sender = SLICE_EMPTY;
        struct slice size = rx_group(rx, msg, p->ar_size);
        rec->size = size.n ? slice_to_int(size) : -1;
        rec->message_id = rx_group(rx, msg, p->ar_msgid);
        return true;
    }
    if (flag[0] == 'C' && grammar_match(p->completed, msg)) {
        rec->kind = RECORD_REMOVED;
        rec->qid = rx_group(p->completed->rx, msg, p->cp_qid);
        return true;
    }
    if (flag[0] == 'H' && flag[1] == '=' && rx_match(p->per_host->rx, msg)) {
        rx = p->per_host->rx;
        per_mx(p, rx_group(rx, msg, p->ph_qid), rx_group(rx, msg, p->ph_host),
               rx_group(rx, msg, p->ph_ip), rx_group(rx, msg, p->ph_msg), rec);
        return true;
    }
    struct slice rest = slice_make(flag, (size_t)(msg.p + msg.n - flag));
    if (flag[0] == 'S' && slice_starts(rest, "SMTP error from remote ")) {
        per_mx(p, slice_make(msg.p, (size_t)(sp - msg.p)), SLICE_EMPTY, SLICE_EMPTY, rest, rec);
        return true;
    }
    /* a deferral without its flag ("MSGID  a@b R=dnslookup T=remote_smtp defer (111): ...",
     * as some copies show it): a delivery line that no grammar reads, said so */
    return !slice_find(rest, " defer (");
}
