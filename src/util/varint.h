/*
 * varint.h - LEB128 varints and length-prefixed byte strings: a compact,
 * versionable binary encoding for state kept between runs.
 *
 * Unsigned integers are LEB128 (7 bits a byte, low first); signed ones are
 * zigzagged first (0, -1, 1, -2 ... -> 0, 1, 2, 3 ...); a byte string is its
 * length then its bytes (it may hold NUL).
 *
 * The reader is for untrusted input: every get past the end (or a varint
 * longer than 64 bits) sets r->bad, returns 0 / an empty slice, and every
 * later get fails too - so a caller checks r->bad once, at the end.
 */
#ifndef BS_VARINT_H
#define BS_VARINT_H

#include <stdbool.h>
#include <stdint.h>

#include "slice.h"
#include "strbuf.h"

void varint_put_u(struct strbuf *b, uint64_t v);
void varint_put_i(struct strbuf *b, int64_t v);
void varint_put_bytes(struct strbuf *b, const char *p, size_t n);

struct varint_reader {
    const unsigned char *p, *end;
    bool bad;
};

/* varint_reader_init - a reader over n bytes at p */
struct varint_reader varint_reader_init(const void *p, size_t n);
uint64_t varint_get_u(struct varint_reader *r);
int64_t varint_get_i(struct varint_reader *r);
/* varint_get_bytes - a slice into the reader's bytes */
struct slice varint_get_bytes(struct varint_reader *r);

#endif
