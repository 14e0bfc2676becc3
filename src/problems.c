/*
 * problems.c - counts and first examples of unreadable input (see problems.h).
 *
 * Not here: detecting problems; the reader, header parser and pipeline report them.
 */
#include "problems.h"

#include <string.h>

struct problems problems_global;

static const struct {
    const char *name;
    const char *label;
    int informational;
} kinds[PROBLEM_KIND_COUNT] = {
    [PROBLEM_LONG_LINE] = { "long_line", "line longer than the limit, cut", 0 },
    [PROBLEM_NUL_BYTES] = { "nul_bytes", "line contains NUL bytes", 0 },
    [PROBLEM_INVALID_UTF8] = { "invalid_utf8", "line is not valid UTF-8 (read as bytes)", 0 },
    [PROBLEM_CRLF] = { "crlf", "line ends in CR LF (CR ignored)", 1 },
    [PROBLEM_GZIP_TRUNCATED] = { "gzip_truncated", "compressed file is truncated", 0 },
    [PROBLEM_GZIP_CORRUPT] = { "gzip_corrupt", "compressed data is corrupt, rest skipped", 0 },
    [PROBLEM_READ_ERROR] = { "read_error", "read error, rest of file skipped", 0 },
    [PROBLEM_UNKNOWN_HEADER] = { "unknown_format", "line in no known log format", 0 },
    [PROBLEM_BAD_TIME] = { "bad_time", "invalid date or time in header", 0 },
    [PROBLEM_UNPARSED] = { "unparsed", "delivery-like line that no grammar matched", 0 },
    [PROBLEM_QUEUE_EVICTED] = { "queue_evicted", "queue entry dropped by age before it ended", 1 },
    [PROBLEM_PER_MX] = { "per_mx",
                         "a host failed before the next was tried: counted as a deferral by "
                         "that host, the message's fate is its final status line",
                         1 },
    [PROBLEM_NOT_ATTEMPT] = { "not_attempt",
                              "deferral line that is no delivery attempt (retry time not "
                              "reached, queued on purpose): not counted",
                              1 },
    [PROBLEM_UNKNOWN_RCPT] = { "unknown_recipient",
                               "expiry or bounce of a message whose recipients are not in the "
                               "input: counted once with an empty recipient",
                               1 },
    [PROBLEM_ALREADY_STORED] = { "already_stored",
                                 "line the history had already recorded (read before "
                                 "through another path): not counted again",
                                 1 },
    [PROBLEM_UNFINISHED_LINE] = { "unfinished_line",
                                  "last line not finished (no newline yet): left for the next "
                                  "run, which reads it whole",
                                  1 },
    [PROBLEM_FUTURE_TIME] = { "future_time",
                              "time more than a day after this run (or after the file was last "
                              "written): kept, flagged, never used to age or prune the history",
                              0 },
    [PROBLEM_QUEUE_CAPPED] = { "queue_capped",
                               "queue entry dropped before it ended, the longest idle first: "
                               "more queue ids open than --queue-max-ids",
                               1 },
    [PROBLEM_GROUPS_FOLDED] = { "groups_folded",
                                "failure group of few failures folded into its reason's \"other "
                                "texts\" group: more groups than --max-groups",
                                1 },
    [PROBLEM_DOMAINS_FOLDED] = { "domains_folded",
                                 "recipient domain of few deliveries folded into \"(other "
                                 "domains)\": more domains than the report keeps",
                                 1 },
    [PROBLEM_NO_STAMP] = { "no_stamp",
                           "MTA line without any date or time (cut off when copied, `docker "
                           "logs`): read, its time unknown - placed at the file's last write "
                           "and flagged",
                           0 },
};

void problems_reset(void)
{
    memset(&problems_global, 0, sizeof problems_global);
}

void problem_note(enum problem_kind kind, const char *file, uint64_t line, struct slice sample)
{
    struct problem_tally *t = &problems_global.kinds[kind];
    t->count++;
    if (t->n_examples >= PROBLEM_EXAMPLES)
        return;
    struct problem_example *ex = &t->examples[t->n_examples++];
    ex->file = file;
    ex->line = line;
    /* a printable copy: reports must not carry raw control bytes */
    size_t o = 0;
    for (size_t i = 0; i < sample.n && o + 4 < PROBLEM_SAMPLE_MAX; i++) {
        unsigned char c = (unsigned char)sample.p[i];
        if (c == 0) {
            memcpy(ex->sample + o, "\\0", 2);
            o += 2;
        } else if (c < 0x20 || c == 0x7f) {
            ex->sample[o++] = '?';
        } else {
            ex->sample[o++] = (char)c;
        }
    }
    ex->sample[o] = '\0';
}

const char *problem_name(enum problem_kind kind)
{
    return kinds[kind].name;
}

const char *problem_label(enum problem_kind kind)
{
    return kinds[kind].label;
}

int problem_is_informational(enum problem_kind kind)
{
    return kinds[kind].informational;
}
