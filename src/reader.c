/*
 * reader.c - streaming line reader for log files, .gz files and stdin.
 *
 * SYNOPSIS
 *   struct reader *reader_open(const char *path, struct strbuf *err);
 *   struct reader *reader_open_offset(const char *path, uint64_t offset, struct strbuf *err);
 *   struct reader *reader_open_peek(const char *path, struct strbuf *err);
 *   void reader_close(struct reader *r);
 *   bool reader_next(struct reader *r, struct slice *line);
 *   void reader_set_line(struct reader *r, uint64_t line);
 *   const char *reader_name(const struct reader *r);
 *   uint64_t reader_line(const struct reader *r);
 *   uint64_t reader_offset(const struct reader *r);
 *   bool reader_partial_tail(const struct reader *r);
 *   bool reader_tail_cut(const struct reader *r);
 *   time_t reader_mtime(const struct reader *r);
 *   bool reader_is_gzip(const struct reader *r);
 *   const char *reader_compression(const struct reader *r);
 *   uint64_t reader_compressed_bytes(const struct reader *r);
 *
 * DESCRIPTION
 *   One buffer of READER_CHUNK + READER_MAX_LINE bytes per reader. Plain
 *   input is read(2) into it a chunk at a time; compressed input is read into
 *   a second chunk-sized buffer and decoded into the line buffer
 *   (decompress.c: gzip, xz, bzip2, zstd). Lines are
 *   found with memchr and handed out as slices into the buffer; a line that
 *   crosses the end of the data read so far is moved to the front before the
 *   next chunk is read. Nothing is allocated per line.
 *
 *   Each line is checked for NUL bytes and bytes >= 0x80 eight bytes at a
 *   time; only a line with such a byte gets the slow look (memchr for NUL,
 *   a real UTF-8 validation). Mail logs are nearly all ASCII, so the check
 *   costs one extra pass over the bytes and no branches per byte.
 *
 *   The format is recognised by its magic bytes at the start of the input
 *   (decompress_sniff), never by the file name (logrotate's "delaycompress"
 *   leaves maillog.1 plain and maillog.2.gz compressed, people rename
 *   files, and compresscmd may be xz, bzip2 or zstd). Several members one
 *   after the other are one stream, as for gzip -d / xz -d. After a member,
 *   NUL bytes are padding and skipped silently (tape and some copy tools
 *   pad; xz pads its streams); bytes that start no member of the same
 *   format are noted as PROBLEM_GZIP_CORRUPT and ignored. A file that ends
 *   inside a member (logrotate still compressing it) is noted as
 *   PROBLEM_GZIP_TRUNCATED: its lines up to there are returned, and the
 *   last one, cut, has no newline (reader_partial_tail).
 *
 * OWNERSHIP
 *   The reader owns its buffers; a returned line is valid until the next
 *   reader_next or reader_close. reader_name returns a string that stays
 *   valid for the whole process, after reader_close too: problems.c keeps
 *   the pointer in its examples. Names are interned (util/intern.h: never
 *   freed on purpose, one entry per distinct input name, so the memory is
 *   bounded by the command line).
 *
 * DIAGNOSTICS
 *   reader_open returns NULL and writes "path: reason" to err when the file
 *   cannot be opened or is a directory. Everything else is bad input, noted
 *   with problem_note and never fatal: long lines, NUL bytes, invalid UTF-8,
 *   CRLF (informational), and - once, when the end of input is reached -
 *   a truncated or corrupt .gz or a read error, with the number of the last
 *   line that was returned. The lines decoded before the damage are handed
 *   out normally, then the reader reports end of input.
 *
 *   This module does NOT parse lines, follow growing files, or decide what
 *   an offset means across log rotation: the caller compares sizes/inodes.
 */
/* memmem in util/slice.h, localtime_r, posix_fadvise */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "decompress.h"
#include "problems.h"
#include "util/intern.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* 256 KiB per read: large enough that the read(2) and memmove costs vanish
 * against the per-line work (as few instructions and as fast as 1 MiB on
 * a 100 MB log), small enough to stay in L2 cache; the buffer is most of
 * a small scan's memory (1 MiB cost 0.65 MB more peak RSS) */
#define READER_CHUNK (256 * 1024)
/* room for the longest partial line (plus a CR) in front of a full chunk */
#define READER_BUFSIZE (READER_CHUNK + READER_MAX_LINE + 64)

enum reader_end {
    END_NONE = 0,
    END_GZIP_TRUNCATED,
    END_GZIP_CORRUPT,
    END_READ_ERROR,
};

struct reader {
    int fd;
    bool own_fd; /* false for stdin */
    enum decompress_kind kind;
    bool eof;          /* no more bytes will come into buf */
    bool raw_eof;      /* read(2) returned 0 (compressed input: the file's side) */
    bool in_member;    /* compressed: inside a member (its end not yet seen) */
    bool partial_tail; /* last line returned had no newline */
    bool end_noted;    /* pending end problem already reported */
    bool quiet;        /* reader_open_peek: notes no problem */
    enum reader_end end_kind;
    char end_why[96]; /* sample text for the end problem */
    const char *name; /* interned, lives for the process */
    time_t mtime;
    uint64_t line;      /* number of the last line returned */
    uint64_t offset;    /* uncompressed bytes consumed */
    uint64_t raw_bytes; /* bytes taken from the file (position for plain files) */
    char *buf;
    size_t start;            /* first byte not yet handed out */
    size_t end;              /* end of valid data */
    size_t scanned;          /* bytes after start known to hold no newline */
    size_t clean_end;        /* buf[start..clean_end) holds no NUL and no byte >= 0x80 */
    struct decompress *dec;  /* compressed input: the decoder */
    unsigned char *zin;      /* compressed input: bytes read from the file */
    size_t zin_pos, zin_len; /* zin[zin_pos..zin_len) not yet decoded */
};

/* note - problem_note, unless the reader only peeks (the read proper notes it) */
static void note(const struct reader *r, enum problem_kind kind, uint64_t line, struct slice sample)
{
    if (!r->quiet)
        problem_note(kind, r->name, line, sample);
}

/* ---- line checks -------------------------------------------------------- */

/* find_nul_or_high - offset of the first byte that is 0 or >= 0x80, or n.
 * Sixteen bytes at a time with SSE2 (every x86-64 has it); elsewhere eight
 * at a time: for a byte b in 1..0x7f, (b - 1) | b keeps the top bit clear
 * and no borrow leaves the byte, so a top bit in the word means a 0 or a
 * high byte somewhere in it (then the bytes are looked at one by one). */
static size_t find_nul_or_high(const char *p, size_t n)
{
    size_t i = 0;
#ifdef __SSE2__
    const __m128i zero = _mm_setzero_si128();
    for (; i + 64 <= n; i += 64) {
        __m128i a = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(p + i + 16));
        __m128i c = _mm_loadu_si128((const __m128i *)(p + i + 32));
        __m128i d = _mm_loadu_si128((const __m128i *)(p + i + 48));
        __m128i any = _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d));
        __m128i nul = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(a, zero), _mm_cmpeq_epi8(b, zero)),
                                   _mm_or_si128(_mm_cmpeq_epi8(c, zero), _mm_cmpeq_epi8(d, zero)));
        if (_mm_movemask_epi8(_mm_or_si128(any, nul)))
            break;
    }
#else
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (((w - ones) | w) & highs)
            break;
    }
#endif
    for (; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == 0 || c >= 0x80)
            return i;
    }
    return n;
}

/* has_high - whether any byte is >= 0x80 */
static bool has_high(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] >= 0x80)
            return true;
    return false;
}

/* rescan - find the first NUL or high byte at or after r->start */
static void rescan(struct reader *r)
{
    r->clean_end = r->start + find_nul_or_high(r->buf + r->start, r->end - r->start);
}

/* check_line - note NUL bytes and invalid UTF-8 in the line at s (len bytes,
 * next_start where the next line begins). The bytes up to r->clean_end are
 * known to be plain ASCII without NUL, found a chunk at a time in fill(), so
 * most lines cost one comparison. */
static void check_line(struct reader *r, struct slice line, size_t line_start, size_t next_start)
{
    if (line_start + line.n <= r->clean_end)
        return;
    if (memchr(line.p, 0, line.n))
        note(r, PROBLEM_NUL_BYTES, r->line, line);
    if (has_high(line.p, line.n) && !utf8_valid((const unsigned char *)line.p, line.n))
        note(r, PROBLEM_INVALID_UTF8, r->line, line);
    if (next_start > r->clean_end) {
        r->clean_end = next_start;
        r->clean_end += find_nul_or_high(r->buf + next_start, r->end - next_start);
    }
}

/* ---- raw input ---------------------------------------------------------- */

/* raw_read - read(2) that retries EINTR; -1 after noting the error as pending */
static ssize_t raw_read(struct reader *r, void *dst, size_t n)
{
    for (;;) {
        ssize_t got = read(r->fd, dst, n);
        if (got >= 0) {
            r->raw_bytes += (uint64_t)got;
            if (got == 0)
                r->raw_eof = true;
            return got;
        }
        if (errno == EINTR)
            continue;
        if (r->end_kind == END_NONE) {
            r->end_kind = END_READ_ERROR;
            snprintf(r->end_why, sizeof r->end_why, "read: %s", strerror(errno));
        }
        r->raw_eof = true;
        return -1;
    }
}

/* set_end - remember why the input ended early; the first reason wins */
static void set_end(struct reader *r, enum reader_end kind, const char *why)
{
    if (r->end_kind == END_NONE) {
        r->end_kind = kind;
        snprintf(r->end_why, sizeof r->end_why, "%s", why);
    }
    r->eof = true;
}

/* fill_plain - read(2) more bytes after r->end */
static void fill_plain(struct reader *r)
{
    size_t room = READER_BUFSIZE - r->end;
    if (room > READER_CHUNK)
        room = READER_CHUNK;
    ssize_t got = raw_read(r, r->buf + r->end, room);
    if (got <= 0) {
        r->eof = true;
        return;
    }
    r->end += (size_t)got;
}

/* zin_refill - make at least want undecoded bytes available unless the file ends */
static void zin_refill(struct reader *r, size_t want)
{
    while (r->zin_len - r->zin_pos < want && !r->raw_eof) {
        if (r->zin_pos > 0) {
            memmove(r->zin, r->zin + r->zin_pos, r->zin_len - r->zin_pos);
            r->zin_len -= r->zin_pos;
            r->zin_pos = 0;
        }
        ssize_t got = raw_read(r, r->zin + r->zin_len, READER_CHUNK - r->zin_len);
        if (got <= 0)
            break;
        r->zin_len += (size_t)got;
    }
}

/* next_member - after a member's end: another member of the same format
 * follows (true), or the input is over - cleanly after NUL padding (tape
 * and some copy tools pad; xz pads streams with NULs), or with garbage that
 * is noted and ignored */
static bool next_member(struct reader *r)
{
    for (;;) {
        zin_refill(r, DECOMPRESS_MAGIC_MAX);
        size_t n = r->zin_len - r->zin_pos;
        if (n == 0)
            return false;
        const unsigned char *p = r->zin + r->zin_pos;
        if (p[0] == 0) {
            const unsigned char *q = p;
            while (q < p + n && *q == 0)
                q++;
            r->zin_pos += (size_t)(q - p);
            continue;
        }
        if (decompress_sniff(p, n) == r->kind) {
            if (!decompress_reset(r->dec)) {
                set_end(r, END_GZIP_CORRUPT, decompress_error(r->dec));
                return false;
            }
            return true;
        }
        set_end(r, END_GZIP_CORRUPT, "trailing garbage after the compressed data ignored");
        return false;
    }
}

/* fill_compressed - decode until some bytes arrive after r->end or the input ends */
static void fill_compressed(struct reader *r)
{
    size_t before = r->end;
    while (!r->eof && r->end == before && r->end < READER_BUFSIZE) {
        if (!r->in_member) {
            if (!next_member(r)) {
                r->eof = true;
                break;
            }
            r->in_member = true;
        }
        if (r->zin_pos == r->zin_len)
            zin_refill(r, 1);
        const unsigned char *in = r->zin + r->zin_pos;
        size_t in_n = r->zin_len - r->zin_pos;
        unsigned char *out = (unsigned char *)r->buf + r->end;
        size_t out_n = READER_BUFSIZE - r->end;
        enum decompress_status st = decompress_step(r->dec, &in, &in_n, &out, &out_n);
        size_t used = (size_t)(in - (r->zin + r->zin_pos));
        r->zin_pos += used;
        r->end = (size_t)((char *)out - r->buf);
        if (st == DECOMPRESS_MEMBER_END) {
            r->in_member = false;
        } else if (st == DECOMPRESS_ERROR) {
            set_end(r, END_GZIP_CORRUPT, decompress_error(r->dec));
        } else if (used == 0 && r->end == before) {
            /* no progress: the decoder wants more input than it holds */
            size_t have = r->zin_len - r->zin_pos;
            if (!r->raw_eof && have < READER_CHUNK) {
                zin_refill(r, have + 1);
                if (r->zin_len - r->zin_pos > have)
                    continue;
            }
            /* the file ended inside a member: a rotation still being
             * compressed, or a cut copy (a read error noted first stays
             * the reason) */
            char why[96];
            snprintf(why, sizeof why, "%s data is cut short (ends inside a member)",
                     decompress_name(r->kind));
            set_end(r, END_GZIP_TRUNCATED, why);
        }
    }
}

/* fill - bring more bytes in after r->end; sets r->eof when none will come */
static void fill(struct reader *r)
{
    if (r->eof)
        return;
    size_t before = r->end;
    if (r->kind != DECOMPRESS_NONE)
        fill_compressed(r);
    else
        fill_plain(r);
    /* one wide scan per chunk instead of one per line */
    if (r->clean_end == before)
        r->clean_end += find_nul_or_high(r->buf + before, r->end - before);
}

/* compact - move the unread bytes to the front of the buffer */
static void compact(struct reader *r)
{
    if (r->start == 0)
        return;
    size_t n = r->end - r->start;
    if (n)
        memmove(r->buf, r->buf + r->start, n);
    r->clean_end -= r->start;
    r->start = 0;
    r->end = n;
}

/* note_end - report why the input ended early, once */
static void note_end(struct reader *r)
{
    static const enum problem_kind kinds[] = {
        [END_GZIP_TRUNCATED] = PROBLEM_GZIP_TRUNCATED,
        [END_GZIP_CORRUPT] = PROBLEM_GZIP_CORRUPT,
        [END_READ_ERROR] = PROBLEM_READ_ERROR,
    };
    if (r->end_kind == END_NONE || r->end_noted)
        return;
    r->end_noted = true;
    note(r, kinds[r->end_kind], r->line, slice_cstr(r->end_why));
}

/* ---- lines -------------------------------------------------------------- */

/* long_line - the line at r->start has no newline within READER_MAX_LINE + 1
 * bytes: keep the first READER_MAX_LINE bytes at the front of the buffer and
 * read on, discarding, up to its newline. Returns the kept part. */
static struct slice long_line(struct reader *r)
{
    compact(r);
    uint64_t consumed = r->end; /* all of it belongs to this line: no newline */
    r->end = READER_MAX_LINE;
    for (;;) {
        if (r->eof) {
            r->start = r->end;
            r->partial_tail = true;
            break;
        }
        size_t from = r->end;
        fill(r);
        char *nl = memchr(r->buf + from, '\n', r->end - from);
        if (nl) {
            size_t stop = (size_t)(nl - r->buf);
            consumed += stop + 1 - from;
            r->start = stop + 1;
            r->partial_tail = false;
            break;
        }
        consumed += r->end - from;
        r->end = READER_MAX_LINE;
    }
    r->offset += consumed;
    r->scanned = 0;
    return slice_make(r->buf, READER_MAX_LINE);
}

/* reader_next - the next line (without its end), false at the end of input */
bool reader_next(struct reader *r, struct slice *line)
{
    for (;;) {
        char *s = r->buf + r->start;
        size_t avail = r->end - r->start;
        char *nl = memchr(s + r->scanned, '\n', avail - r->scanned);
        if (nl) {
            size_t len = (size_t)(nl - s);
            size_t line_start = r->start;
            r->start += len + 1;
            r->scanned = 0;
            r->offset += len + 1;
            r->line++;
            r->partial_tail = false;
            if (len && s[len - 1] == '\r') {
                len--;
                note(r, PROBLEM_CRLF, r->line, slice_make(s, len));
            }
            if (len > READER_MAX_LINE) {
                len = READER_MAX_LINE;
                note(r, PROBLEM_LONG_LINE, r->line, slice_make(s, len));
            }
            *line = slice_make(s, len);
            check_line(r, *line, line_start, r->start);
            return true;
        }
        if (avail > READER_MAX_LINE + 1) {
            r->line++;
            *line = long_line(r);
            note(r, PROBLEM_LONG_LINE, r->line, *line);
            r->clean_end = 0; /* long_line moved and dropped bytes: look again */
            check_line(r, *line, 0, r->start);
            return true;
        }
        if (r->eof) {
            if (avail == 0) {
                note_end(r);
                return false;
            }
            /* a last line without a newline */
            size_t line_start = r->start;
            r->start = r->end;
            r->scanned = 0;
            r->offset += avail;
            r->line++;
            r->partial_tail = true;
            if (avail > READER_MAX_LINE) {
                /* READER_MAX_LINE + 1 bytes: possibly "...\r" */
                avail = READER_MAX_LINE;
                if (s[avail] != '\r')
                    note(r, PROBLEM_LONG_LINE, r->line, slice_make(s, avail));
            }
            *line = slice_make(s, avail);
            check_line(r, *line, line_start, r->start);
            return true;
        }
        r->scanned = avail;
        compact(r);
        fill(r);
    }
}

/* ---- open, skip, close -------------------------------------------------- */

/* skip_bytes - discard n uncompressed bytes from the start of the input */
static void skip_bytes(struct reader *r, uint64_t n)
{
    while (n > 0) {
        size_t avail = r->end - r->start;
        if (avail == 0) {
            if (r->eof)
                break;
            r->start = r->end = 0;
            if (r->kind == DECOMPRESS_NONE && r->own_fd) {
                /* a plain file: seek instead of reading what we skip */
                off_t to = (off_t)(r->raw_bytes + n);
                if (lseek(r->fd, to, SEEK_SET) == to) {
                    r->raw_bytes += n;
                    r->offset += n;
                    return;
                }
            }
            fill(r);
            continue;
        }
        size_t take = avail < n ? avail : (size_t)n;
        r->start += take;
        r->offset += take;
        n -= take;
    }
    r->scanned = 0;
    rescan(r);
}

/* open_common - open path (or stdin), detect compression; NULL and err on failure */
static struct reader *open_common(const char *path, struct strbuf *err)
{
    struct reader *r = xcalloc(1, sizeof *r);
    if (strcmp(path, "-") == 0) {
        r->fd = 0;
        r->own_fd = false;
        r->name = intern("(stdin)");
        r->mtime = time(NULL);
    } else {
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0) {
            strbuf_addf(err, "%s: %s", path, strerror(errno));
            goto err;
        }
        r->own_fd = true;
        struct stat st;
        if (fstat(r->fd, &st) != 0) {
            strbuf_addf(err, "%s: %s", path, strerror(errno));
            goto err;
        }
        if (S_ISDIR(st.st_mode)) {
            strbuf_addf(err, "%s: %s", path, strerror(EISDIR));
            goto err;
        }
        r->mtime = st.st_mtime;
        r->name = intern(path);
#ifdef POSIX_FADV_SEQUENTIAL
        (void)posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    }
    r->buf = xmalloc(READER_BUFSIZE);

    /* the first bytes decide: a compressed format's magic, or text */
    while (r->end < DECOMPRESS_MAGIC_MAX && !r->eof)
        fill_plain(r);
    r->kind = decompress_sniff((const unsigned char *)r->buf, r->end);
    if (r->kind != DECOMPRESS_NONE) {
        r->zin = xmalloc(READER_CHUNK);
        memcpy(r->zin, r->buf, r->end);
        r->zin_pos = 0;
        r->zin_len = r->end;
        r->end = 0;
        r->eof = false; /* a small compressed file may already be at raw EOF */
        char why[96];
        r->dec = decompress_new(r->kind, why, sizeof why);
        if (!r->dec)
            set_end(r, END_GZIP_CORRUPT, why);
        else
            r->in_member = true;
    }
    rescan(r);
    return r;
err:
    if (r->own_fd && r->fd >= 0)
        close(r->fd);
    free(r);
    return NULL;
}

/* reader_open - open a file, "-" for stdin; NULL and err ("path: reason") on failure */
struct reader *reader_open(const char *path, struct strbuf *err)
{
    return open_common(path, err);
}

/* reader_open_peek - open for a look at the first lines: nothing is noted */
struct reader *reader_open_peek(const char *path, struct strbuf *err)
{
    struct reader *r = open_common(path, err);
    if (r)
        r->quiet = true;
    return r;
}

/* reader_open_offset - open, then skip offset uncompressed bytes (seek for plain files) */
struct reader *reader_open_offset(const char *path, uint64_t offset, struct strbuf *err)
{
    struct reader *r = open_common(path, err);
    if (r && offset > 0)
        skip_bytes(r, offset);
    return r;
}

/* reader_close - free the reader (its name stays valid) */
void reader_close(struct reader *r)
{
    if (!r)
        return;
    decompress_free(r->dec);
    if (r->own_fd)
        close(r->fd);
    free(r->zin);
    free(r->buf);
    free(r);
}

/* reader_read_head - the first max uncompressed bytes of a regular file */
ssize_t reader_read_head(const char *path, char *buf, size_t max, bool *compressed)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return -1;
    struct strbuf err = STRBUF_INIT;
    struct reader *r = open_common(path, &err);
    strbuf_free(&err);
    if (!r)
        return -1;
    *compressed = r->kind != DECOMPRESS_NONE;
    while (r->end < max && !r->eof) {
        size_t before = r->end;
        fill(r);
        if (r->end == before)
            break;
    }
    size_t n = r->end < max ? r->end : max;
    memcpy(buf, r->buf, n);
    reader_close(r);
    return (ssize_t)n;
}

/* reader_set_line - set the number of the last line read (after an offset open) */
void reader_set_line(struct reader *r, uint64_t line)
{
    r->line = line;
}

/* reader_name - the name for messages: the path, or "(stdin)"; valid for the whole run */
const char *reader_name(const struct reader *r)
{
    return r->name;
}

/* reader_line - the 1-based number of the line last returned */
uint64_t reader_line(const struct reader *r)
{
    return r->line;
}

/* reader_offset - uncompressed bytes consumed, just after the last line's newline */
uint64_t reader_offset(const struct reader *r)
{
    return r->offset;
}

/* reader_partial_tail - whether the last line returned had no newline */
bool reader_partial_tail(const struct reader *r)
{
    return r->partial_tail;
}

/* reader_tail_cut - the last line returned has no newline because the input
 * ended early (truncated or corrupt compressed data, a read error) */
bool reader_tail_cut(const struct reader *r)
{
    return r->partial_tail && r->end_kind != END_NONE;
}

/* reader_mtime - the file's modification time (now for stdin) */
time_t reader_mtime(const struct reader *r)
{
    return r->mtime;
}

/* reader_is_gzip - whether the input is compressed (any format) */
bool reader_is_gzip(const struct reader *r)
{
    return r->kind != DECOMPRESS_NONE;
}

/* reader_compression - "gzip", "xz", "bzip2", "zstd", or "" for plain input */
const char *reader_compression(const struct reader *r)
{
    return decompress_name(r->kind);
}

/* reader_compressed_bytes - position reached in the file itself (compressed for .gz) */
uint64_t reader_compressed_bytes(const struct reader *r)
{
    return r->raw_bytes;
}
