/*
 * reader.h - streaming line reader for log files, .gz files and stdin.
 *
 * One reader reads one input. Lines come out as slices into a buffer the
 * reader owns and reuses, valid until the next reader_next call; nothing is
 * allocated per line and memory does not grow with the file's size.
 *
 * - "-" is standard input.
 * - gzip, xz, bzip2 and zstd are detected by their magic bytes, never by the
 *   name; several concatenated members are read as one stream (as gzip -d
 *   does).
 * - The trailing newline and a CR before it are removed (CRLF is noted).
 * - A line longer than READER_MAX_LINE bytes is cut at the bound, the rest of
 *   it skipped, and noted as PROBLEM_LONG_LINE; NUL bytes and invalid UTF-8
 *   are noted (see problems.h) and the line is still returned.
 * - A truncated or corrupt compressed file, or a read error, is noted with
 *   file:line and ends that input; the lines before it were returned normally.
 * - A last line without a newline is returned; reader_partial_tail says so, and
 *   reader_tail_cut whether it is a fragment of a cut input. The caller decides
 *   (pipeline.c: a fragment is never read, and a line still being written is
 *   left for the next incremental run).
 *
 * reader_open returns NULL and fills err ("path: strerror") if the file
 * cannot be opened; that is the only error it reports by return value.
 */
#ifndef BS_READER_H
#define BS_READER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "util/slice.h"
#include "util/strbuf.h"

#define READER_MAX_LINE (64 * 1024)
/* the most bytes a line the reader keeps whole takes in a file: the bound, a CR
 * and the newline (the store looks this far back for a line's start) */
#define READER_MAX_RAW_LINE (READER_MAX_LINE + 2)

struct reader;

struct reader *reader_open(const char *path, struct strbuf *err);
/* reader_open_offset - like reader_open, then skip to byte offset (plain files only;
 * for gzip the offset counts uncompressed bytes and is reached by reading) */
struct reader *reader_open_offset(const char *path, uint64_t offset, struct strbuf *err);
/* reader_open_peek - like reader_open, for a look at the first lines that notes
 * no problem (the read proper notes them: each is counted once) */
struct reader *reader_open_peek(const char *path, struct strbuf *err);
void reader_close(struct reader *r);

/* reader_next - the next line (without its end), false at the end of input */
bool reader_next(struct reader *r, struct slice *line);

/* reader_set_line - after reader_open_offset: the number of the line that ended
 * at the offset (the next line returned is line + 1); 0 by default */
void reader_set_line(struct reader *r, uint64_t line);

/* reader_name - the name for messages: the path, or "(stdin)"; the string stays
 * valid for the whole process, after reader_close too (problem examples keep it) */
const char *reader_name(const struct reader *r);
/* reader_line - the 1-based number of the line last returned */
uint64_t reader_line(const struct reader *r);
/* reader_offset - bytes consumed so far (uncompressed), just after the last line's newline */
uint64_t reader_offset(const struct reader *r);
/* reader_partial_tail - the last line returned had no newline (a file still being
 * written, a cut .gz): an incremental run may prefer not to commit past it */
bool reader_partial_tail(const struct reader *r);
/* reader_tail_cut - the last line returned has no newline because the input ended
 * early (a compressed member cut short or corrupt, a read error): a fragment */
bool reader_tail_cut(const struct reader *r);
/* reader_mtime - the file's modification time (now for stdin) */
time_t reader_mtime(const struct reader *r);
/* reader_is_gzip - whether the input is compressed (gzip, xz, bzip2 or zstd) */
bool reader_is_gzip(const struct reader *r);
/* reader_compression - "gzip", "xz", "bzip2", "zstd", or "" for plain input */
const char *reader_compression(const struct reader *r);
/* reader_read_head - the first max uncompressed bytes of the regular file at
 * path (decoded whatever the compression) into buf; their number, or -1 when the
 * file cannot be opened or is not a regular file (a FIFO must not be read twice).
 * *compressed says whether the file is compressed. Problems met are not noted. */
ssize_t reader_read_head(const char *path, char *buf, size_t max, bool *compressed);
/* reader_compressed_bytes - bytes read from the file itself (compressed for a compressed file) */
uint64_t reader_compressed_bytes(const struct reader *r);

#endif
