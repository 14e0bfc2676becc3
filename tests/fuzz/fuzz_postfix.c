/*
 * fuzz_postfix.c - libFuzzer harness for the Postfix parser (postfix_parse).
 *
 * Input: byte 0 picks the program tag (the parser's behaviour depends on
 * it: smtp, qmgr, cleanup, a multi-instance name, ...), the rest is the
 * message part of one log line. Checks: no crash or sanitizer report, the
 * record's slices inside the message, the recipient list walks (fuzz_mta.h).
 */
#include "fuzz_mta.h"
#include "mta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const programs[] = {
    "postfix/smtp",     "postfix/qmgr",  "postfix/cleanup", "postfix/lmtp",
    "postfix/local",    "postfix/error", "postfix/virtual", "postfix/pipe",
    "postfix-out/smtp", "postfix/retry", "postfix/bounce",  "postfix/smtpd",
    "postfix",          "smtp",          "postfix/",        "/smtp",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct postfix_parser *p;
    if (!p) {
        struct strbuf err = STRBUF_INIT;
        if (!(p = postfix_parser_load(&err)))
            fuzz_die("postfix_parser_load", strbuf_cstr(&err));
        strbuf_free(&err);
    }
    if (size < 1)
        return 0;
    struct slice prog = slice_cstr(programs[data[0] % (sizeof programs / sizeof *programs)]);
    struct slice msg = slice_make((const char *)data + 1, size - 1);
    struct mta_record rec;
    mta_record_clear(&rec);
    postfix_parse(p, prog, msg, &rec);
    fuzz_check_record(&rec, msg);
    return 0;
}
