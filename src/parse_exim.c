/*
 * parse_exim.c - Exim main log lines -> mta_record.
 *
 * The message part starts with the message id and a flag: "==" deferred,
 * "**" failed, "=>"/"->" delivered, "<=" arrival, then "Completed". The
 * flag is checked by hand (two bytes) before any regex; the grammar of each
 * is patterns/exim.conf. Exim's own timestamp has already been removed by
 * the header parser (main log) or header_strip_exim_stamp (syslog).
 *
 * Special cases, all from Exim's deliver.c:
 *   "== ... retry time not reached" repeats on every queue run without a new
 *   attempt: RECORD_OTHER, never counted.
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
    struct grammar_rule *smtp_error, *expired, *retry_only;
    int df_qid, df_to, df_host, df_ip, df_strerror, df_msg;
    int fl_qid, fl_to, fl_host, fl_ip, fl_msg;
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
        !(p->retry_only = grammar_require(g, "text", "retry-only", err))) {
        exim_parser_free(p);
        return NULL;
    }
#define GI(rule, name) grammar_group_index(p->rule, name)
    p->df_qid = GI(deferred, "qid");
    p->df_to = GI(deferred, "to");
    p->df_host = GI(deferred, "host");
    p->df_ip = GI(deferred, "ip");
    p->df_strerror = GI(deferred, "strerror");
    p->df_msg = GI(deferred, "msg");
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
    if (p->df_to < 0 || p->fl_to < 0 || p->fl_msg < 0 || p->se_reply < 0) {
        strbuf_addf(err, "exim.conf: [line deferred]/[line failed] need groups to and msg");
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
    }
}

bool exim_parse(struct exim_parser *p, struct slice msg, struct mta_record *rec)
{
    rec->mta = MTA_EXIM;
    const char *sp = memchr(msg.p, ' ', msg.n);
    if (!sp || (size_t)(sp - msg.p) < 16 || (size_t)(sp - msg.p) > 23 || sp + 3 > msg.p + msg.n)
        return true; /* no message id: connection and queue-runner lines */
    const char *flag = sp + 1;
    struct rx *rx;
    if (flag[0] == '=' && flag[1] == '=') {
        if (!grammar_match(p->deferred, msg))
            return false;
        rx = p->deferred->rx;
        struct slice text = rx_group(rx, msg, p->df_msg);
        if (!text.n)
            text = rx_group(rx, msg, p->df_strerror);
        if (grammar_match(p->retry_only, text)) {
            rec->retry_only = true;
            return true;
        }
        rec->kind = RECORD_DELIVERY;
        rec->status = DELIVERY_DEFERRED;
        rec->qid = rx_group(rx, msg, p->df_qid);
        rec->recipients = rx_group(rx, msg, p->df_to);
        rec->relay_host = rx_group(rx, msg, p->df_host);
        rec->relay_ip = rx_group(rx, msg, p->df_ip);
        set_text(p, text, rec);
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
            return true;
        }
        rec->kind = RECORD_DELIVERY;
        rec->status = DELIVERY_BOUNCED;
        rec->relay_host = rx_group(rx, msg, p->fl_host);
        rec->relay_ip = rx_group(rx, msg, p->fl_ip);
        set_text(p, text, rec);
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
    }
    return true;
}
