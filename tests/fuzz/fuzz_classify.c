/*
 * fuzz_classify.c - libFuzzer harness for the classifier (classify.h).
 *
 * Input: byte 0 picks the delivery status, the text source and whether the
 * classifier's cache is on; the rest is split at '\n' into the reply text,
 * the DSN, the SMTP stage, the remote host and the remote IP (missing
 * fields are empty, with a NULL pointer as in a cleared record). Checks: no crash or sanitizer report, a reason always
 * set, the implicated IP inside the text, the dsn NUL-terminated.
 */
#include "classify.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct classifier *c;
    if (!c) {
        struct strbuf err = STRBUF_INIT;
        if (!(c = classifier_load(&err)))
            fuzz_die("classifier_load", strbuf_cstr(&err));
        strbuf_free(&err);
    }
    if (size < 1)
        return 0;
    classifier_cache(c, data[0] & 0x80);
    struct classify_input in = { 0 };
    in.status = (enum delivery_status)(data[0] & 3);
    in.text_source = (enum text_source)((data[0] >> 2) % 3);
    struct slice *fields[] = { &in.text, &in.dsn, &in.stage, &in.remote_host, &in.remote_ip };
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        const char *nl =
            i + 1 < sizeof fields / sizeof *fields ? memchr(p, '\n', (size_t)(end - p)) : NULL;
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        /* an empty field as a cleared record has it: NULL, so NULL + 0 shows */
        *fields[i] = n ? slice_make(p, n) : (struct slice){ NULL, 0 };
        p += n;
        if (p < end)
            p++;
    }
    struct classification out;
    memset(&out, 0, sizeof out);
    classify(c, &in, &out);
    if (!out.reason || !out.reason->name)
        fuzz_die("classify", "no reason");
    fuzz_within("implicated_ip", out.implicated_ip, in.text.p, in.text.n);
    if (!memchr(out.dsn, '\0', sizeof out.dsn))
        fuzz_die("classify", "dsn not terminated");
    char dsn[16];
    classify_dsn_from_text(in.text, dsn);
    if (!memchr(dsn, '\0', sizeof dsn))
        fuzz_die("classify_dsn_from_text", "dsn not terminated");
    return 0;
}
