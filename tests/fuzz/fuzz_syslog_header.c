/*
 * fuzz_syslog_header.c - libFuzzer harness for the syslog header parser.
 *
 * Input: byte 0 picks the year inference (forced --year, or from an mtime
 * chosen by bytes 1-4), the rest is split into lines that are parsed in
 * order with one header_clock, as one file would be (so the Dec -> Jan
 * rollover and mtime logic run). Checks: no crash or sanitizer report,
 * every returned slice lies inside its line (the program name of Exim's
 * own log is a literal), times format.
 */
#include "fuzz.h"
#include "syslog_header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int once;
    if (!once) {
        /* a zone with DST: local-time conversions meet gaps and folds */
        setenv("TZ", "Europe/Berlin", 1);
        header_tz_reset();
        once = 1;
    }
    if (size < 5)
        return 0;
    int forced = data[0] & 1 ? 1970 + data[0] % 200 : 0;
    uint32_t m =
        (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 8 | data[4];
    struct header_clock clock;
    header_clock_init(&clock, (time_t)m, forced);
    const char *p = (const char *)data + 5, *end = (const char *)data + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        struct slice line = slice_make(p, n);
        struct log_header h;
        bool bad = false;
        if (header_parse(line, &clock, &h, &bad)) {
            fuzz_within("host", h.host, p, n);
            fuzz_touch("program", h.program); /* Exim's main log: the literal "exim" */
            fuzz_within("pid", h.pid, p, n);
            fuzz_within("message", h.message, p, n);
            char buf[64];
            format_iso_time(h.when, h.tz_minutes, buf, sizeof buf);
            if (!memchr(buf, '\0', sizeof buf))
                abort();
            (void)header_format_name(h.format);
            struct slice msg = h.message;
            if (header_strip_exim_stamp(&msg))
                fuzz_within("message without Exim stamp", msg, p, n);
        }
        p += n + 1;
    }
    return 0;
}
