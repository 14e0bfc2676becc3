/*
 * fuzz_scan.c - libFuzzer harness for the whole scan (pipeline.h): a log
 * through reader, header, MTA parsers, correlation, classification,
 * fingerprint and aggregation, as `scan --no-db` runs it.
 *
 * Why beyond the per-module harnesses: the undefined behaviour of issue 8
 * (NULL + 0 for the empty sender of an Exim expiry of an unknown queue id)
 * lived where records meet the queue state, which no single parser sees.
 * Input: byte 0 picks the grouping and whether a year is forced; the rest is
 * the log file (plain, or gzip by its magic). A fresh pipeline per input, so
 * state never carries over. Checks: no crash, hang or sanitizer report.
 */
#include "fuzz.h"
#include "pipeline.h"
#include "problems.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int once;
    if (!once) {
        setenv("TZ", "Asia/Tokyo", 1);
        once = 1;
    }
    if (size < 1)
        return 0;
    static const unsigned groupings[] = {
        GROUP_BY_PROVIDER | GROUP_BY_REASON | GROUP_BY_FINGERPRINT,
        GROUP_BY_DOMAIN | GROUP_BY_REASON,
        GROUP_BY_HOST,
        GROUP_BY_PROVIDER | GROUP_BY_HOST | GROUP_BY_DOMAIN | GROUP_BY_REASON |
            GROUP_BY_FINGERPRINT,
    };
    struct pipeline_config cfg = { 0 };
    cfg.year = data[0] & 4 ? 2018 : 0;
    cfg.queue_max_age = 7 * 86400;
    cfg.group_fields = groupings[data[0] & 3];
    cfg.spool_events = data[0] & 8;
    char path[32];
    int fd = fuzz_file(data + 1, size - 1, path);
    struct strbuf err = STRBUF_INIT;
    struct pipeline *p = pipeline_new(&cfg, &err);
    if (!p)
        fuzz_die("pipeline_new", strbuf_cstr(&err));
    if (pipeline_read(p, path, &err) < 0)
        fuzz_die("pipeline_read", strbuf_cstr(&err));
    pipeline_finish(p);
    pipeline_free(p);
    close(fd);
    strbuf_free(&err);
    problems_reset();
    return 0;
}
