/*
 * progress.h - a line of progress on a terminal while a long scan runs.
 *
 * Reading a large log into a new history takes seconds to minutes; on a
 * terminal the user should see that it moves and when it will end:
 *
 *   bouncescope: mail.log  412.3 MB of 532.0 MB  1.9 M lines/s  0:03 left
 *
 * Written to stderr only when stderr is a terminal and the run is not
 * --quiet (the caller decides: progress_new), never in cron, in a pipe or a
 * file; at most four updates a second, none in the first half second (a
 * short run shows nothing), and the line is cleared when the input ends.
 *
 * Not here: reading (the pipeline calls progress_tick every few thousand
 * lines with what it has read).
 */
#ifndef BS_PROGRESS_H
#define BS_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress;

/* progress_new - a progress line on stderr when it is a terminal and show is
 * true (not --quiet); NULL otherwise (every function accepts NULL) */
struct progress *progress_new(bool show);
void progress_free(struct progress *pr);

/* progress_begin - an input starts: its name, the bytes it holds (0: unknown,
 * as for stdin or the journal) and the bytes of it already read before */
void progress_begin(struct progress *pr, const char *name, uint64_t total, uint64_t done);
/* progress_tick - done bytes of the input read so far, lines read in this input */
void progress_tick(struct progress *pr, uint64_t done, uint64_t lines);
/* progress_end - the input ended: clear the line */
void progress_end(struct progress *pr);

#endif
