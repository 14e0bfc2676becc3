/*
 * problems.h - what a run could not read, counted, with the first examples.
 *
 * Bad input is never fatal (see README "Bad input"): each stage notes what
 * it met here - a line over the length bound, NUL bytes, invalid UTF-8, a
 * truncated .gz, a header in no known format, a delivery-looking line no
 * grammar matched - and goes on. Reports print the counts and, per kind, the
 * first PROBLEM_EXAMPLES examples as "file:line: what (sample)".
 *
 * The store is a process-wide singleton (problems_global) because every stage
 * reports into it and a run is one pass; tests reset it with problems_reset.
 */
#ifndef BS_PROBLEMS_H
#define BS_PROBLEMS_H

#include <stdint.h>

#include "util/slice.h"

#define PROBLEM_EXAMPLES 5
#define PROBLEM_SAMPLE_MAX 160

enum problem_kind {
    PROBLEM_LONG_LINE,       /* line over the reader's bound: cut, rest skipped */
    PROBLEM_NUL_BYTES,       /* line contained NUL bytes (kept, NULs shown as \0) */
    PROBLEM_INVALID_UTF8,    /* line is not valid UTF-8 (kept, read as bytes) */
    PROBLEM_CRLF,            /* line ended in CR LF (CR dropped) - informational */
    PROBLEM_GZIP_TRUNCATED,  /* .gz ended before its trailer */
    PROBLEM_GZIP_CORRUPT,    /* .gz data error: rest of the file skipped */
    PROBLEM_READ_ERROR,      /* read(2) failed: rest of the file skipped */
    PROBLEM_UNKNOWN_HEADER,  /* no known timestamp/header format */
    PROBLEM_BAD_TIME,        /* header shape known but date/time invalid */
    PROBLEM_UNPARSED,        /* looked like a delivery line, no grammar matched */
    PROBLEM_QUEUE_EVICTED,   /* queue state dropped by age before its end */
    PROBLEM_PER_MX,          /* a host failed before the next was tried: read as an attempt of
                             * that host, the message's fate is its final status - informational */
    PROBLEM_NOT_ATTEMPT,     /* a deferral line that is no attempt (retry time not reached,
                             * queued on purpose, Sendmail's delay warning): read, not
                             * counted - informational */
    PROBLEM_UNKNOWN_RCPT,    /* an expiry or bounce of a message whose recipients are not in the
                             * input: one event with an empty recipient - informational */
    PROBLEM_ALREADY_STORED,  /* a line the history had recorded before (stdin fed again, an
                             * overlapping copy, the journal and rsyslog's file): skipped -
                             * informational */
    PROBLEM_UNFINISHED_LINE, /* the last line had no newline yet: left for the next run
                              * (an incremental run reads it whole) - informational */
    PROBLEM_FUTURE_TIME,     /* a time more than a day after the run (or after the file's mtime for
                          * a year-less stamp): kept, flagged, not used for retention */
    PROBLEM_QUEUE_CAPPED,    /* queue state dropped (longest idle first): too many open queue ids
                           * (--queue-max-ids) - informational */
    PROBLEM_GROUPS_FOLDED,   /* a small failure group folded into its reason's "other texts"
                            * group: too many groups (--max-groups) - informational */
    PROBLEM_DOMAINS_FOLDED,  /* a domain of few deliveries folded into "(other domains)":
                             * too many recipient domains - informational */
    PROBLEM_NO_STAMP,        /* an MTA's line without any stamp: read, time unknown (flagged) */
    PROBLEM_KIND_COUNT
};

struct problem_example {
    const char *file; /* borrowed: file names live for the whole run */
    uint64_t line;
    char sample[PROBLEM_SAMPLE_MAX + 1]; /* printable copy, control bytes escaped */
};

struct problem_tally {
    uint64_t count;
    unsigned n_examples;
    struct problem_example examples[PROBLEM_EXAMPLES];
};

struct problems {
    struct problem_tally kinds[PROBLEM_KIND_COUNT];
};

extern struct problems problems_global;

void problems_reset(void);
/* problem_note - count one problem; keep it as an example if fewer are kept */
void problem_note(enum problem_kind kind, const char *file, uint64_t line, struct slice sample);
/* problem_name - short machine name ("long_line", ...) */
const char *problem_name(enum problem_kind kind);
/* problem_label - what it means, for people */
const char *problem_label(enum problem_kind kind);
/* problem_is_informational - true for kinds that are not errors (CRLF) */
int problem_is_informational(enum problem_kind kind);

#endif
