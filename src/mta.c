/*
 * mta.c - pick the parser for a line by its program tag (see mta.h).
 *
 * Not here: the grammars themselves (parse_postfix.c, parse_sendmail.c, parse_exim.c).
 */
#include "mta.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

struct mta_parsers {
    struct postfix_parser *postfix;
    struct sendmail_parser *sendmail;
    struct exim_parser *exim;
};

struct mta_parsers *mta_parsers_load(struct strbuf *err)
{
    struct mta_parsers *p = xcalloc(1, sizeof *p);
    if (!(p->postfix = postfix_parser_load(err)) || !(p->sendmail = sendmail_parser_load(err)) ||
        !(p->exim = exim_parser_load(err))) {
        mta_parsers_free(p);
        return NULL;
    }
    return p;
}

void mta_parsers_free(struct mta_parsers *p)
{
    if (!p)
        return;
    postfix_parser_free(p->postfix);
    sendmail_parser_free(p->sendmail);
    exim_parser_free(p->exim);
    free(p);
}

void mta_record_clear(struct mta_record *rec)
{
    memset(rec, 0, sizeof *rec);
    rec->size = -1;
    rec->nrcpt = -1;
}

/* which_mta - from the program tag alone */
static enum mta_kind which_mta(struct slice prog)
{
    if (prog.n >= 7 && memcmp(prog.p, "postfix", 7) == 0)
        return MTA_POSTFIX;
    if (slice_eq_cstr(prog, "sendmail") || slice_starts(prog, "sm-"))
        return MTA_SENDMAIL;
    /* "exim-in" / "exim-out": the two Exim instances of Sophos UTM */
    if (slice_eq_cstr(prog, "exim") || slice_eq_cstr(prog, "exim4") || slice_starts(prog, "exim-"))
        return MTA_EXIM;
    /* per-service syslog names ("mx-out/smtp", "submission/smtpd") still end in
     * a Postfix daemon name */
    const char *slash = memchr(prog.p, '/', prog.n);
    if (slash) {
        struct slice d = slice_make(slash + 1, (size_t)(prog.p + prog.n - slash - 1));
        while ((slash = memchr(d.p, '/', d.n)))
            d = slice_make(slash + 1, (size_t)(d.p + d.n - slash - 1));
        if (slice_eq_cstr(d, "smtp") || slice_eq_cstr(d, "qmgr") || slice_eq_cstr(d, "cleanup") ||
            slice_eq_cstr(d, "lmtp") || slice_eq_cstr(d, "error") || slice_eq_cstr(d, "local"))
            return MTA_POSTFIX;
    }
    return MTA_UNKNOWN;
}

bool mta_parse(struct mta_parsers *p, const struct log_header *h, struct mta_record *rec)
{
    mta_record_clear(rec);
    if (h->format == HEADER_EXIM)
        return exim_parse(p->exim, h->message, rec);
    switch (which_mta(h->program)) {
    case MTA_POSTFIX:
        return postfix_parse(p->postfix, h->program, h->message, rec);
    case MTA_SENDMAIL:
        return sendmail_parse(p->sendmail, h->message, rec);
    case MTA_EXIM: {
        struct slice msg = h->message;
        header_strip_exim_stamp(&msg);
        return exim_parse(p->exim, msg, rec);
    }
    default:
        return true;
    }
}
