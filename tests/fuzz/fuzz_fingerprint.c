/*
 * fuzz_fingerprint.c - libFuzzer harness for the rejection-text fingerprint.
 *
 * Input: a reply text. Checks: no crash or sanitizer report, the template
 * is a NUL-terminated string no longer than a bound proportional to the
 * text (masks like "<addr>" are at most a few bytes longer than what they
 * replace), and the key of a text is stable across calls.
 */
#include "fingerprint.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fingerprinter *f;
    static struct strbuf tmpl = STRBUF_INIT;
    if (!f) {
        struct strbuf err = STRBUF_INIT;
        if (!(f = fingerprinter_load(&err)))
            fuzz_die("fingerprinter_load", strbuf_cstr(&err));
        strbuf_free(&err);
    }
    /* an empty text as a cleared record has it: NULL, so NULL + 0 shows */
    struct slice text = size ? slice_make((const char *)data, size) : (struct slice){ NULL, 0 };
    uint64_t k1 = fingerprint(f, text, &tmpl);
    const char *t = strbuf_cstr(&tmpl);
    if (strlen(t) > 8 * size + 64)
        fuzz_die("fingerprint", "template grew far beyond the text");
    uint64_t k2 = fingerprint(f, text, &tmpl);
    if (k1 != k2)
        fuzz_die("fingerprint", "key differs between two calls on the same text");
    char hex[17];
    fingerprint_hex(k1, hex);
    if (strlen(hex) != 16)
        fuzz_die("fingerprint_hex", "not 16 digits");
    return 0;
}
