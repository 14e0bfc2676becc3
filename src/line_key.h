/*
 * line_key.h - the identity of a log line, for the idempotent history.
 *
 * The history must count a line once however often it is read: standard
 * input fed twice, an overlapping copy of a log that the store sees as a new
 * stream, the journal read again after its cursor was lost, the same line
 * from rsyslog's file and from the journal. A line is known by
 *
 *   - its time, in whole seconds (rsyslog writes microseconds, RFC 3164 none);
 *   - its message: the text after "prog[pid]: " (after the stamp for Exim's
 *     own log), which rsyslog and the journal give alike - the host name and
 *     the header format differ between them, so they are left out;
 *   - its occurrence: the n-th identical message in the same second of one
 *     input, so that two identical lines of one log stay two lines.
 *
 * The store keeps a 64-bit key of these per line that has stored effects and
 * skips a line whose key it has. Keys are stored: changing how they are
 * computed makes every stored line new again (test_line_key pins them).
 *
 * Not here: which lines are keyed (pipeline.c), where keys are kept and
 * looked up (store_keys.c).
 */
#ifndef BS_LINE_KEY_H
#define BS_LINE_KEY_H

#include <stdint.h>

#include "util/slice.h"

/* what a line is known by */
struct line_id {
    int64_t when;        /* seconds since the epoch */
    uint64_t text;       /* line_text_hash of the message */
    uint32_t occurrence; /* 0 for the first identical message of its second in the input */
};

/* line_text_hash - a 64-bit hash of a message (stable across versions and machines) */
uint64_t line_text_hash(struct slice message);

/* line_key - the key of id as if it had been written at when (id->when, or a
 * neighbouring second for a copy whose clock was read a moment apart) */
uint64_t line_key(const struct line_id *id, int64_t when);

/* the identical messages of the current second in one input; zeroed = empty */
#define LINE_OCC_SLOTS 512
struct line_occurrences {
    int64_t when;
    uint32_t generation; /* slots of another generation are empty */
    uint32_t used;
    struct {
        uint64_t text;
        uint32_t generation, count;
    } slot[LINE_OCC_SLOTS];
};

/* line_occurrences_reset - a new input: nothing seen */
void line_occurrences_reset(struct line_occurrences *o);
/* line_occurrence - how many identical messages came before this one in its
 * second (lines out of time order start the count again; more than
 * LINE_OCC_SLOTS / 2 distinct messages in one second are all counted as firsts) */
uint32_t line_occurrence(struct line_occurrences *o, int64_t when, uint64_t text);

#endif
