/*
 * fuzz_exim.c - libFuzzer harness for the Exim parser (exim_parse).
 *
 * Input: the message part of one log line. Checks: no crash or sanitizer
 * report, the record's slices inside the message, the recipients walk
 * (fuzz_mta.h). Exim's own main log and syslog copies give the same message.
 */
#include "fuzz_mta.h"
#include "mta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct exim_parser *p;
    if (!p) {
        struct strbuf err = STRBUF_INIT;
        if (!(p = exim_parser_load(&err)))
            fuzz_die("exim_parser_load", strbuf_cstr(&err));
        strbuf_free(&err);
    }
    struct slice msg = slice_make((const char *)data, size);
    struct mta_record rec;
    mta_record_clear(&rec);
    exim_parse(p, msg, &rec);
    fuzz_check_record(&rec, msg);
    return 0;
}
