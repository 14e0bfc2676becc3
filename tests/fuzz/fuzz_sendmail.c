/*
 * fuzz_sendmail.c - libFuzzer harness for the Sendmail parser (sendmail_parse).
 *
 * Input: the message part of one log line. Checks: no crash or sanitizer
 * report, the record's slices inside the message, the recipient list
 * (Sendmail's to= lists) walks (fuzz_mta.h).
 */
#include "fuzz_mta.h"
#include "mta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sendmail_parser *p;
    if (!p) {
        struct strbuf err = STRBUF_INIT;
        if (!(p = sendmail_parser_load(&err)))
            fuzz_die("sendmail_parser_load", strbuf_cstr(&err));
        strbuf_free(&err);
    }
    struct slice msg = slice_make((const char *)data, size);
    struct mta_record rec;
    mta_record_clear(&rec);
    sendmail_parse(p, msg, &rec);
    fuzz_check_record(&rec, msg);
    return 0;
}
