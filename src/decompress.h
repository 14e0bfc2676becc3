/*
 * decompress.h - one interface over gzip, xz, bzip2 and zstd streams.
 *
 * Rotated logs come compressed with whatever logrotate was told to use
 * (compresscmd xz, bzip2, zstd; gzip by default). The format is recognised
 * by its magic bytes (decompress_sniff), never by the file name. A decoder
 * turns one compressed member (a gzip member, an xz stream, a bzip2 stream,
 * zstd frames) into bytes; the reader (reader.c) feeds it, notices member
 * ends and decides what the bytes after a member are (another member, NUL
 * padding, or garbage).
 *
 * Not here: file handling, buffering and lines (reader.c).
 */
#ifndef BS_DECOMPRESS_H
#define BS_DECOMPRESS_H

#include <stdbool.h>
#include <stddef.h>

enum decompress_kind {
    DECOMPRESS_NONE,  /* plain text */
    DECOMPRESS_GZIP,  /* 1f 8b */
    DECOMPRESS_XZ,    /* fd 37 7a 58 5a 00 */
    DECOMPRESS_BZIP2, /* "BZh" + block size '1'..'9' */
    DECOMPRESS_ZSTD,  /* 28 b5 2f fd */
};

/* the longest magic, in bytes: what decompress_sniff needs to decide */
#define DECOMPRESS_MAGIC_MAX 6

/* decompress_sniff - the format that starts at p (n bytes available);
 * DECOMPRESS_NONE when the bytes are no known magic (or too few) */
enum decompress_kind decompress_sniff(const unsigned char *p, size_t n);

/* decompress_name - "gzip", "xz", "bzip2", "zstd" ("" for NONE) */
const char *decompress_name(enum decompress_kind kind);

enum decompress_status {
    DECOMPRESS_OK,         /* progress made (or more input needed) */
    DECOMPRESS_MEMBER_END, /* the member ended cleanly; input after it is untouched */
    DECOMPRESS_ERROR,      /* corrupt data: see decompress_error */
};

struct decompress;

/* decompress_new - a decoder for kind, ready for its first member; NULL and
 * a message in why (size why_n) if the library cannot start one */
struct decompress *decompress_new(enum decompress_kind kind, char *why, size_t why_n);
/* decompress_reset - start the next member (after DECOMPRESS_MEMBER_END);
 * false and decompress_error() when the library refuses */
bool decompress_reset(struct decompress *d);
/* decompress_step - decode from *in (*in_n bytes) into *out (*out_n bytes of
 * room); both are advanced past what was used. Never blocks, never reads
 * beyond the member's end. */
enum decompress_status decompress_step(struct decompress *d, const unsigned char **in, size_t *in_n,
                                       unsigned char **out, size_t *out_n);
/* decompress_error - the library's words for the last DECOMPRESS_ERROR */
const char *decompress_error(const struct decompress *d);
void decompress_free(struct decompress *d);

#endif
