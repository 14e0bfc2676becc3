/*
 * parse_dump.c - print what the header parser and the MTA grammars make of
 * every line of a log: one block per line, the record's fields by name.
 *
 * SYNOPSIS
 *   bs_parse_dump [--year YEAR] FILE
 *
 * DESCRIPTION
 *   A test tool (built next to the unit tests, not installed): the golden
 *   files tests/parse/<mta>-*.records are its output for tests/parse/<mta>-*.log,
 *   compared whole by tests/script/parse_golden.sh. Each block is
 *
 *     line N: <the line as read>
 *       header: FORMAT TIME host=H program=P pid=N
 *       kind: delivery|message|expired|removed|per-mx|notify|skipped|other|unparsed
 *       field: value           (only the fields that are set)
 *
 *   "unparsed" is a line the parser turned down as a delivery-like line of
 *   the MTA's vocabulary that no grammar matched (the scan reports those with
 *   file:line); "other" is a line read and not ours. Times are UTC (run with
 *   TZ=UTC); syslog lines without a year take --year (default 2025), so the
 *   output does not depend on the file's modification time.
 *
 *   Control bytes are printed as \xNN so that a golden file stays text.
 *
 * DIAGNOSTICS
 *   Exit status 2 when the file cannot be read or the patterns do not load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delivery.h"
#include "mta.h"
#include "reader.h"
#include "syslog_header.h"
#include "util/strbuf.h"

/* put - a value with control bytes escaped */
static void put(struct slice s)
{
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c < 0x20 || c == 0x7f || c == '\\')
            printf("\\x%02x", c);
        else
            putchar(c);
    }
}

static void field(const char *name, struct slice v)
{
    if (!v.n)
        return;
    printf("  %s: ", name);
    put(v);
    putchar('\n');
}

static const char *kind_name(enum record_kind k)
{
    switch (k) {
    case RECORD_OTHER:
        return "other";
    case RECORD_DELIVERY:
        return "delivery";
    case RECORD_MESSAGE:
        return "message";
    case RECORD_EXPIRED:
        return "expired";
    case RECORD_REMOVED:
        return "removed";
    case RECORD_PER_MX:
        return "per-mx";
    case RECORD_NOTIFY:
        return "notify";
    case RECORD_SKIPPED:
        return "skipped";
    }
    return "?";
}

static const char *mta_name(enum mta_kind m)
{
    switch (m) {
    case MTA_POSTFIX:
        return "postfix";
    case MTA_SENDMAIL:
        return "sendmail";
    case MTA_EXIM:
        return "exim";
    case MTA_UNKNOWN:
        break;
    }
    return NULL;
}

static const char *source_name(enum text_source s)
{
    switch (s) {
    case TEXT_REMOTE_REPLY:
        return "remote_reply";
    case TEXT_LOCAL:
        return "local";
    case TEXT_GENERIC:
        return "generic";
    }
    return "?";
}

static void dump_record(const struct mta_record *r)
{
    const char *mta = mta_name(r->mta);
    if (mta)
        printf("  mta: %s\n", mta);
    field("qid", r->qid);
    bool has_status =
        r->kind == RECORD_DELIVERY || r->kind == RECORD_PER_MX || r->kind == RECORD_SKIPPED;
    if (has_status)
        printf("  status: %s\n", delivery_status_name(r->status));
    field("recipients", r->recipients);
    if (r->recipients.n) {
        size_t pos = 0, k = 0;
        struct slice a;
        while (delivery_next_recipient(r->recipients, &pos, &a)) {
            printf("  recipient[%zu]: ", k++);
            put(a);
            putchar('\n');
        }
    }
    field("orig_recipient", r->orig_recipient);
    field("relay_host", r->relay_host);
    field("relay_ip", r->relay_ip);
    if (r->relay_port)
        printf("  relay_port: %u\n", r->relay_port);
    if (r->relay_ours)
        printf("  relay_ours: yes\n");
    field("dsn", r->dsn);
    field("stage", r->stage);
    if (r->text.n || has_status || r->kind == RECORD_EXPIRED || r->kind == RECORD_NOTIFY)
        printf("  text_source: %s\n", source_name(r->text_source));
    if (r->text_shortened)
        printf("  text_shortened: yes\n");
    field("text", r->text);
    field("sender", r->sender);
    field("message_id", r->message_id);
    if (r->size >= 0)
        printf("  size: %lld\n", (long long)r->size);
    if (r->nrcpt >= 0)
        printf("  nrcpt: %d\n", r->nrcpt);
}

int main(int argc, char **argv)
{
    int year = 2025;
    int i = 1;
    if (i + 1 < argc && !strcmp(argv[i], "--year")) {
        year = atoi(argv[i + 1]);
        i += 2;
    }
    if (i + 1 != argc) {
        fprintf(stderr, "usage: bs_parse_dump [--year YEAR] FILE\n");
        return 2;
    }
    struct strbuf err = STRBUF_INIT;
    struct mta_parsers *parsers = mta_parsers_load(&err);
    if (!parsers) {
        fprintf(stderr, "bs_parse_dump: %s\n", strbuf_cstr(&err));
        strbuf_free(&err);
        return 2;
    }
    struct reader *rd = reader_open(argv[i], &err);
    if (!rd) {
        fprintf(stderr, "bs_parse_dump: %s\n", strbuf_cstr(&err));
        strbuf_free(&err);
        mta_parsers_free(parsers);
        return 2;
    }
    struct header_clock clock;
    header_clock_init(&clock, reader_mtime(rd), year);
    struct slice line;
    while (reader_next(rd, &line)) {
        if (!line.n)
            continue;
        printf("line %llu: ", (unsigned long long)reader_line(rd));
        put(line);
        putchar('\n');
        struct log_header h;
        bool bad_time = false;
        if (!header_parse(line, &clock, &h, &bad_time)) {
            printf("  header: %s\n", bad_time ? "bad-time" : "none");
            continue;
        }
        char when[40];
        format_iso_time(h.when, h.tz_minutes, when, sizeof when);
        printf("  header: %s %s", header_format_name(h.format), when);
        if (h.usec)
            printf(" usec=%d", (int)h.usec);
        if (h.host.n) {
            printf(" host=");
            put(h.host);
        }
        if (h.program.n) {
            printf(" program=");
            put(h.program);
        }
        if (h.pid.n) {
            printf(" pid=");
            put(h.pid);
        }
        putchar('\n');
        struct mta_record rec;
        bool ok = mta_parse(parsers, &h, &rec);
        printf("  kind: %s\n", ok ? kind_name(rec.kind) : "unparsed");
        if (ok && rec.kind != RECORD_OTHER)
            dump_record(&rec);
    }
    reader_close(rd);
    mta_parsers_free(parsers);
    strbuf_free(&err);
    return 0;
}
