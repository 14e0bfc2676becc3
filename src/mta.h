/*
 * mta.h - turn one parsed log line into an mta_record, whichever MTA wrote it.
 *
 * The program tag picks the parser: postfix*, .../smtp and friends ->
 * Postfix; sendmail, sm-mta, sm-* -> Sendmail; exim, exim4 and Exim's own
 * main log -> Exim. Everything else (dovecot, opendkim, amavis, kernel ...)
 * is RECORD_OTHER without running any regex. Each parser keeps its grammar
 * (patterns/postfix.conf, sendmail.conf, exim.conf) compiled for the run.
 */
#ifndef BS_MTA_H
#define BS_MTA_H

#include "delivery.h"
#include "syslog_header.h"
#include "util/strbuf.h"

struct mta_parsers;

struct mta_parsers *mta_parsers_load(struct strbuf *err);
void mta_parsers_free(struct mta_parsers *p);

/* mta_parse - fill rec from the header's message; rec->kind RECORD_OTHER when not ours.
 * Returns false only for a line that looked like a delivery but matched no grammar. */
bool mta_parse(struct mta_parsers *p, const struct log_header *h, struct mta_record *rec);

/* the per-MTA parsers (parse_postfix.c, parse_sendmail.c, parse_exim.c) */
struct postfix_parser;
struct postfix_parser *postfix_parser_load(struct strbuf *err);
void postfix_parser_free(struct postfix_parser *p);
bool postfix_parse(struct postfix_parser *p, struct slice program, struct slice msg,
                   struct mta_record *rec);

struct sendmail_parser;
struct sendmail_parser *sendmail_parser_load(struct strbuf *err);
void sendmail_parser_free(struct sendmail_parser *p);
bool sendmail_parse(struct sendmail_parser *p, struct slice msg, struct mta_record *rec);

struct exim_parser;
struct exim_parser *exim_parser_load(struct strbuf *err);
void exim_parser_free(struct exim_parser *p);
bool exim_parse(struct exim_parser *p, struct slice msg, struct mta_record *rec);

/* mta_record_clear - reset rec to an empty RECORD_OTHER */
void mta_record_clear(struct mta_record *rec);

#endif
