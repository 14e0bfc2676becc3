/*
 * test_reader.c - unit tests for the streaming line reader (src/reader.c).
 *
 * Inputs are written at run time into a scratch directory: plain files with
 * CRLF, NUL, invalid UTF-8, lines at and over READER_MAX_LINE, and compressed
 * files made with each format's own library - gzip (zlib), xz (liblzma),
 * bzip2 (libbz2), zstd (libzstd): single, concatenated, cut in half,
 * corrupted, with trailing bytes; every such test runs once per format. Each test compares the lines, line numbers, offsets and noted
 * problems with what the input says they must be. stdin is not tested here.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "decompress.h"
#include "problems.h"
#include "reader.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static char scratch[256];

/* setup - a fresh scratch directory per test */
static void setup(void)
{
    snprintf(scratch, sizeof scratch, "/tmp/bs-test-reader-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(scratch));
    problems_reset();
}

/* teardown - remove the scratch directory */
static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", scratch);
}

/* path_of - scratch/name in a static buffer (one at a time) */
static const char *path_of(const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", scratch, name);
    return p;
}

/* write_file - write n bytes to scratch/name; returns the path (static) */
static const char *write_file(const char *name, const void *data, size_t n)
{
    const char *p = path_of(name);
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    fclose(f);
    return p;
}

/* gzip_bytes - data compressed as one gzip member; *outn its size; caller frees */
static unsigned char *gzip_bytes(const void *data, size_t n, size_t *outn)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, n) + 64;
    unsigned char *out = xmalloc(cap);
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    *outn = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

/* the formats the compressed-input tests run over (_i of a loop test) */
static const enum decompress_kind formats[] = { DECOMPRESS_GZIP, DECOMPRESS_XZ, DECOMPRESS_BZIP2,
                                                DECOMPRESS_ZSTD };
#define N_FORMATS (sizeof formats / sizeof formats[0])

/* compress_bytes - data as one member of kind (made by that format's own
 * library); *outn its size; caller frees */
static unsigned char *compress_bytes(enum decompress_kind kind, const void *data, size_t n,
                                     size_t *outn)
{
    size_t cap = n + n / 2 + 1024;
    unsigned char *out = xmalloc(cap);
    switch (kind) {
    case DECOMPRESS_GZIP:
        free(out);
        return gzip_bytes(data, n, outn);
    case DECOMPRESS_XZ: {
        size_t pos = 0;
        ck_assert_int_eq(
            lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, data, n, out, &pos, cap), LZMA_OK);
        *outn = pos;
        break;
    }
    case DECOMPRESS_BZIP2: {
        unsigned len = (unsigned)cap;
        ck_assert_int_eq(
            BZ2_bzBuffToBuffCompress((char *)out, &len, (char *)data, (unsigned)n, 9, 0, 0), BZ_OK);
        *outn = len;
        break;
    }
    case DECOMPRESS_ZSTD: {
        size_t len = ZSTD_compress(out, cap, data, n, 3);
        ck_assert(!ZSTD_isError(len));
        *outn = len;
        break;
    }
    case DECOMPRESS_NONE:
        ck_abort_msg("not a format");
    }
    return out;
}

struct lines {
    char **p;
    size_t *n;
    uint64_t *num; /* reader_line after each line */
    uint64_t *off; /* reader_offset after each line */
    size_t count, cap;
};

/* lines_free - free what read_all collected */
static void lines_free(struct lines *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->p[i]);
    free(l->p);
    free(l->n);
    free(l->num);
    free(l->off);
    memset(l, 0, sizeof *l);
}

/* read_all - every line of path from offset (line numbers from first_line) */
static void read_all(const char *path, uint64_t offset, uint64_t line0, struct lines *l)
{
    struct strbuf err = STRBUF_INIT;
    struct reader *r = reader_open_offset(path, offset, &err);
    ck_assert_msg(r != NULL, "open %s: %s", path, strbuf_cstr(&err));
    reader_set_line(r, line0);
    struct slice s;
    memset(l, 0, sizeof *l);
    while (reader_next(r, &s)) {
        if (l->count == l->cap) {
            l->cap = l->cap ? l->cap * 2 : 64;
            l->p = xrealloc(l->p, l->cap * sizeof *l->p);
            l->n = xrealloc(l->n, l->cap * sizeof *l->n);
            l->num = xrealloc(l->num, l->cap * sizeof *l->num);
            l->off = xrealloc(l->off, l->cap * sizeof *l->off);
        }
        l->p[l->count] = xmemdup(s.p, s.n);
        l->n[l->count] = s.n;
        l->num[l->count] = reader_line(r);
        l->off[l->count] = reader_offset(r);
        l->count++;
    }
    /* end of input is sticky */
    ck_assert(!reader_next(r, &s));
    reader_close(r);
    strbuf_free(&err);
}

/* make_log - n synthetic lines of varying length into sb; line i is
 * "line <i> " followed by (i * 7919 % 300) letters */
static void make_log(struct strbuf *sb, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        strbuf_addf(sb, "line %zu ", i + 1);
        size_t k = i * 7919 % 300;
        for (size_t j = 0; j < k; j++)
            strbuf_addc(sb, (char)('a' + (i + j) % 26));
        strbuf_addc(sb, '\n');
    }
}

/* check_against - the lines read equal the lines of text, from line first */
static void check_against(const struct lines *l, const char *text, size_t text_n, size_t first)
{
    const char *p = text, *e = text + text_n;
    size_t i = 0, lineno = 0;
    while (p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
        lineno++;
        if (lineno >= first) {
            ck_assert_msg(i < l->count, "line %zu: got end of input, want a line", lineno);
            ck_assert_msg(l->n[i] == n && memcmp(l->p[i], p, n) == 0,
                          "line %zu: got \"%.40s\" (%zu bytes), want \"%.40s\" (%zu bytes)", lineno,
                          l->p[i], l->n[i], p, n);
            ck_assert_msg(l->num[i] == lineno, "line number: got %llu, want %zu",
                          (unsigned long long)l->num[i], lineno);
            size_t want_off = nl ? (size_t)(nl + 1 - text) : text_n;
            ck_assert_msg(l->off[i] == want_off, "line %zu offset: got %llu, want %zu", lineno,
                          (unsigned long long)l->off[i], want_off);
            i++;
        }
        p = nl ? nl + 1 : e;
    }
    ck_assert_msg(i == l->count, "got %zu lines, want %zu", l->count, i);
}

static uint64_t count_of(enum problem_kind k)
{
    return problems_global.kinds[k].count;
}

START_TEST(test_basic_and_last_line)
{
    /* table: input, lines wanted (joined by '|'), offset after all */
    static const struct {
        const char *in;
        const char *want;
        int nlines;
    } cases[] = {
        { "a\nbb\nccc\n", "a|bb|ccc", 3 },
        { "a\nbb\nccc", "a|bb|ccc", 3 }, /* last line without newline */
        { "\n\n", "|", 2 },              /* empty lines are lines */
        { "x", "x", 1 },
        { "", "", 0 }, /* empty file: no lines */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *path = write_file("basic.log", cases[c].in, strlen(cases[c].in));
        struct lines l;
        read_all(path, 0, 0, &l);
        struct strbuf got = STRBUF_INIT;
        for (size_t i = 0; i < l.count; i++) {
            if (i)
                strbuf_addc(&got, '|');
            strbuf_add(&got, l.p[i], l.n[i]);
        }
        ck_assert_msg((int)l.count == cases[c].nlines &&
                          strcmp(strbuf_cstr(&got), cases[c].want) == 0,
                      "case %zu: got %zu lines \"%s\", want %d \"%s\"", c, l.count,
                      strbuf_cstr(&got), cases[c].nlines, cases[c].want);
        if (l.count)
            ck_assert_uint_eq(l.off[l.count - 1], strlen(cases[c].in));
        strbuf_free(&got);
        lines_free(&l);
    }
    ck_assert_uint_eq(count_of(PROBLEM_LONG_LINE), 0);
}
END_TEST

START_TEST(test_crlf_nul_utf8)
{
    static const char in[] =
        "one\r\n"                                                       /* 1 CRLF */
        "two\n"                                                         /* 2 */
        "nul\0here\n"                                                   /* 3 NUL */
        "caf\xe9 latin-1\n"                                             /* 4 invalid */
        "\xe3\x83\xa6\xe3\x83\xbc\xe3\x82\xb6\xe3\x83\xbc@example.jp\n" /* 5 ok */
        "overlong \xc0\xaf\n"                                           /* 6 invalid */
        "surrogate \xed\xa0\x80\n"                                      /* 7 invalid */
        "cut \xe3\x83\n"                                     /* 8 invalid: truncated sequence */
        "big \xf4\x90\x80\x80\n"                             /* 9 invalid: past U+10FFFF */
        "emoji \xf0\x9f\x93\xa7 ok\r\n"                      /* 10 ok, CRLF */
        "long ascii line long ascii line long ascii line\n"; /* 11 */
    const char *path = write_file("mixed.log", in, sizeof in - 1);
    struct lines l;
    read_all(path, 0, 0, &l);
    ck_assert_uint_eq(l.count, 11);
    ck_assert_uint_eq(l.n[0], 3);
    ck_assert(memcmp(l.p[0], "one", 3) == 0);
    ck_assert_uint_eq(l.n[2], 8); /* NUL kept */
    ck_assert(memcmp(l.p[2], "nul\0here", 8) == 0);
    ck_assert_uint_eq(l.n[9], strlen("emoji \xf0\x9f\x93\xa7 ok"));

    ck_assert_uint_eq(count_of(PROBLEM_CRLF), 2);
    ck_assert_uint_eq(count_of(PROBLEM_NUL_BYTES), 1);
    ck_assert_uint_eq(problems_global.kinds[PROBLEM_NUL_BYTES].examples[0].line, 3);
    ck_assert_uint_eq(count_of(PROBLEM_INVALID_UTF8), 5);
    static const uint64_t bad[] = { 4, 6, 7, 8, 9 };
    for (size_t i = 0; i < 5; i++) {
        const struct problem_example *ex = &problems_global.kinds[PROBLEM_INVALID_UTF8].examples[i];
        ck_assert_msg(ex->line == bad[i], "invalid utf8 example %zu: got line %llu, want %llu", i,
                      (unsigned long long)ex->line, (unsigned long long)bad[i]);
        ck_assert_str_eq(ex->file, path);
    }
    lines_free(&l);
}
END_TEST

START_TEST(test_line_bounds)
{
    const size_t M = READER_MAX_LINE;
    struct strbuf sb = STRBUF_INIT;
    /* 1: exactly at the bound; 2: at the bound + CRLF; 3: one over; 4: 3 MiB
     * (several chunks); 5: short; 6: over the bound at EOF, no newline */
    for (size_t i = 0; i < M; i++)
        strbuf_addc(&sb, 'a');
    strbuf_addc(&sb, '\n');
    for (size_t i = 0; i < M; i++)
        strbuf_addc(&sb, 'b');
    strbuf_add(&sb, "\r\n", 2);
    for (size_t i = 0; i < M + 1; i++)
        strbuf_addc(&sb, 'c');
    strbuf_addc(&sb, '\n');
    for (size_t i = 0; i < 3 * 1024 * 1024; i++)
        strbuf_addc(&sb, 'd');
    strbuf_addc(&sb, '\n');
    size_t off5 = sb.len;
    strbuf_adds(&sb, "short line\n");
    size_t off6 = sb.len;
    for (size_t i = 0; i < M + 100; i++)
        strbuf_addc(&sb, 'f');

    const char *path = write_file("long.log", sb.s, sb.len);
    struct lines l;
    read_all(path, 0, 0, &l);
    ck_assert_uint_eq(l.count, 6);
    static const char fill[] = "abcdsf";
    static const size_t want_n[] = { 64 * 1024, 64 * 1024, 64 * 1024, 64 * 1024, 10, 64 * 1024 };
    for (size_t i = 0; i < 6; i++) {
        ck_assert_msg(l.n[i] == want_n[i], "line %zu: got %zu bytes, want %zu", i + 1, l.n[i],
                      want_n[i]);
        if (i != 4)
            ck_assert_msg(l.p[i][0] == fill[i] && l.p[i][l.n[i] - 1] == fill[i],
                          "line %zu: wrong content", i + 1);
        ck_assert_uint_eq(l.num[i], i + 1);
    }
    ck_assert(memcmp(l.p[4], "short line", 10) == 0);
    ck_assert_uint_eq(l.off[3], off5);
    ck_assert_uint_eq(l.off[4], off6);
    ck_assert_uint_eq(l.off[5], sb.len);
    ck_assert_uint_eq(count_of(PROBLEM_LONG_LINE), 3);
    ck_assert_uint_eq(problems_global.kinds[PROBLEM_LONG_LINE].examples[0].line, 3);
    ck_assert_uint_eq(problems_global.kinds[PROBLEM_LONG_LINE].examples[1].line, 4);
    ck_assert_uint_eq(problems_global.kinds[PROBLEM_LONG_LINE].examples[2].line, 6);
    ck_assert_uint_eq(count_of(PROBLEM_CRLF), 1);
    lines_free(&l);

    /* the same through gzip */
    problems_reset();
    size_t gzn;
    unsigned char *gz = gzip_bytes(sb.s, sb.len, &gzn);
    path = write_file("long.log.gz", gz, gzn);
    read_all(path, 0, 0, &l);
    ck_assert_uint_eq(l.count, 6);
    for (size_t i = 0; i < 6; i++)
        ck_assert_uint_eq(l.n[i], want_n[i]);
    ck_assert_uint_eq(l.off[5], sb.len);
    ck_assert_uint_eq(count_of(PROBLEM_LONG_LINE), 3);
    lines_free(&l);
    free(gz);
    strbuf_free(&sb);
}
END_TEST

START_TEST(test_chunk_boundaries)
{
    /* about 5 MB: many lines cross the 256 KiB read boundaries */
    struct strbuf sb = STRBUF_INIT;
    make_log(&sb, 30000);
    const char *path = write_file("big.log", sb.s, sb.len);
    struct lines l;
    read_all(path, 0, 0, &l);
    check_against(&l, sb.s, sb.len, 1);
    lines_free(&l);

    size_t gzn;
    unsigned char *gz = gzip_bytes(sb.s, sb.len, &gzn);
    /* the name says nothing: gzip is found by its magic */
    path = write_file("big.txt", gz, gzn);
    struct strbuf err = STRBUF_INIT;
    struct reader *r = reader_open(path, &err);
    ck_assert_ptr_nonnull(r);
    ck_assert(reader_is_gzip(r));
    reader_close(r);
    read_all(path, 0, 0, &l);
    check_against(&l, sb.s, sb.len, 1);
    lines_free(&l);
    ck_assert_uint_eq(count_of(PROBLEM_GZIP_TRUNCATED) + count_of(PROBLEM_GZIP_CORRUPT), 0);
    free(gz);
    strbuf_free(&sb);
    strbuf_free(&err);
}
END_TEST

START_TEST(test_members_and_trailing)
{
    static const char a[] = "first member 1\nfirst member 2\n";
    static const char b[] = "second member 1\nsecond member 2";
    enum decompress_kind kind = formats[_i];
    size_t an, bn;
    unsigned char *ga = compress_bytes(kind, a, sizeof a - 1, &an);
    unsigned char *gb = compress_bytes(kind, b, sizeof b - 1, &bn);
    struct strbuf cat = STRBUF_INIT;
    strbuf_add(&cat, ga, an);
    strbuf_add(&cat, gb, bn);
    const char *path = write_file("cat.gz", cat.s, cat.len);
    struct lines l;
    read_all(path, 0, 0, &l);
    {
        struct strbuf err = STRBUF_INIT;
        struct reader *r = reader_open(path, &err);
        ck_assert_ptr_nonnull(r);
        ck_assert(reader_is_gzip(r));
        ck_assert_str_eq(reader_compression(r), decompress_name(kind));
        reader_close(r);
        strbuf_free(&err);
    }
    struct strbuf all = STRBUF_INIT;
    strbuf_adds(&all, a);
    strbuf_adds(&all, b);
    check_against(&l, all.s, all.len, 1);
    lines_free(&l);
    ck_assert_uint_eq(count_of(PROBLEM_GZIP_CORRUPT), 0);

    /* NUL padding after the last member: ignored silently */
    strbuf_add(&cat, "\0\0\0\0\0\0\0\0", 8);
    path = write_file("padded.gz", cat.s, cat.len);
    read_all(path, 0, 0, &l);
    check_against(&l, all.s, all.len, 1);
    lines_free(&l);
    ck_assert_uint_eq(count_of(PROBLEM_GZIP_CORRUPT), 0);

    /* other trailing bytes: lines kept, noted */
    strbuf_reset(&cat);
    strbuf_add(&cat, ga, an);
    strbuf_adds(&cat, "garbage");
    path = write_file("trailing.gz", cat.s, cat.len);
    read_all(path, 0, 0, &l);
    check_against(&l, a, sizeof a - 1, 1);
    lines_free(&l);
    ck_assert_uint_eq(count_of(PROBLEM_GZIP_CORRUPT), 1);

    /* a lone 1f byte is not gzip */
    path = write_file("one.log", "\x1f", 1);
    read_all(path, 0, 0, &l);
    ck_assert_uint_eq(l.count, 1);
    lines_free(&l);
    free(ga);
    free(gb);
    strbuf_free(&cat);
    strbuf_free(&all);
}
END_TEST

START_TEST(test_truncated)
{
    enum decompress_kind kind = formats[_i];
    struct strbuf sb = STRBUF_INIT;
    make_log(&sb, 40000);
    size_t gzn;
    unsigned char *gz = compress_bytes(kind, sb.s, sb.len, &gzn);
    const char *path = write_file("cut.log.gz", gz, gzn / 2);
    struct lines l;
    read_all(path, 0, 0, &l);
    /* bzip2 decodes in blocks of up to 900 kB: half the file may give fewer lines */
    ck_assert_msg(l.count > 100 && l.count < 40000, "%s: got %zu lines from half a file",
                  decompress_name(kind), l.count);
    /* every line before the last one is complete and right; the last one
     * is the partial piece decoded up to the cut */
    const char *p = sb.s;
    for (size_t i = 0; i < l.count; i++) {
        const char *nl = memchr(p, '\n', sb.len - (size_t)(p - sb.s));
        size_t n = (size_t)(nl - p);
        if (i + 1 < l.count)
            ck_assert_msg(l.n[i] == n && memcmp(l.p[i], p, n) == 0, "line %zu differs", i + 1);
        else
            ck_assert_msg(l.n[i] <= n && memcmp(l.p[i], p, l.n[i]) == 0, "last line differs");
        p = nl + 1;
    }
    ck_assert_uint_eq(count_of(PROBLEM_GZIP_TRUNCATED), 1);
    const struct problem_example *ex = &problems_global.kinds[PROBLEM_GZIP_TRUNCATED].examples[0];
    ck_assert_str_eq(ex->file, path);
    ck_assert_msg(ex->line == l.count, "truncated at line: got %llu, want %zu",
                  (unsigned long long)ex->line, l.count);

    lines_free(&l);

    /* only the header and a few bytes */
    problems_reset();
    path = write_file("tiny.gz", gz, 12);
    read_all(path, 0, 0, &l);
    ck_assert_uint_eq(l.count, 0);
    ck_assert_uint_eq(count_of(PROBLEM_GZIP_TRUNCATED), 1);
    lines_free(&l);
    free(gz);
    strbuf_free(&sb);
}
END_TEST

START_TEST(test_corrupt)
{
    enum decompress_kind kind = formats[_i];
    struct strbuf sb = STRBUF_INIT;
    make_log(&sb, 20000);
    size_t gzn;
    unsigned char *gz = compress_bytes(kind, sb.s, sb.len, &gzn);
    /* overwrite a run in the middle of the compressed data */
    memset(gz + gzn / 2, 0xff, 64);
    const char *path = write_file("bad.gz", gz, gzn);
    struct lines l;
    read_all(path, 0, 0, &l);
    ck_assert_uint_eq(count_of(PROBLEM_GZIP_CORRUPT), 1);
    ck_assert_uint_eq(count_of(PROBLEM_GZIP_TRUNCATED), 0);
    /* the line count is not checked: a damaged block may decode to
     * garbage before the library notices (at the latest, the check at the end) */
    /* the lines before the damage came out right (bzip2: the first block's) */
    ck_assert_msg(l.count > 100, "%s: %zu lines before the damage", decompress_name(kind), l.count);
    ck_assert(memcmp(l.p[0], "line 1 ", 7) == 0);
    ck_assert(memcmp(l.p[99], "line 100 ", 9) == 0);
    lines_free(&l);

    /* a broken header: the byte after each format's magic */
    problems_reset();
    gz[kind == DECOMPRESS_XZ      ? 7
       : kind == DECOMPRESS_BZIP2 ? 4
       : kind == DECOMPRESS_ZSTD  ? 4
                                  : 2] ^= 0x5a;
    path = write_file("badhdr.gz", gz, gzn);
    read_all(path, 0, 0, &l);
    ck_assert_uint_eq(l.count, 0);
    ck_assert_uint_eq(count_of(PROBLEM_GZIP_CORRUPT), 1);
    lines_free(&l);
    free(gz);
    strbuf_free(&sb);
}
END_TEST

START_TEST(test_offset_resume)
{
    struct strbuf sb = STRBUF_INIT;
    make_log(&sb, 25000);
    size_t gzn;
    unsigned char *gz = gzip_bytes(sb.s, sb.len, &gzn);
    const char *names[] = { "resume.log", "resume.log.gz" };
    for (int g = 0; g < 2; g++) {
        const char *path = g ? write_file(names[g], gz, gzn) : write_file(names[g], sb.s, sb.len);
        struct lines first;
        read_all(path, 0, 0, &first);
        check_against(&first, sb.s, sb.len, 1);
        /* resume after line 17000 (beyond the first chunk) and after line 3 */
        static const size_t at[] = { 17000, 3 };
        for (int k = 0; k < 2; k++) {
            size_t i = at[k];
            uint64_t off = first.off[i - 1];
            struct lines rest;
            read_all(path, off, first.num[i - 1], &rest);
            check_against(&rest, sb.s, sb.len, i + 1);
            lines_free(&rest);
        }
        /* an offset at the end gives nothing */
        struct lines none;
        read_all(path, sb.len, 25000, &none);
        ck_assert_uint_eq(none.count, 0);
        lines_free(&none);
        lines_free(&first);
    }
    free(gz);
    strbuf_free(&sb);
}
END_TEST

START_TEST(test_open_errors_and_names)
{
    struct strbuf err = STRBUF_INIT;
    ck_assert_ptr_null(reader_open(path_of("missing.log"), &err));
    ck_assert_msg(strstr(strbuf_cstr(&err), "missing.log: ") != NULL, "got err \"%s\"",
                  strbuf_cstr(&err));
    strbuf_reset(&err);
    ck_assert_ptr_null(reader_open(scratch, &err));
    ck_assert_msg(strstr(strbuf_cstr(&err), scratch) != NULL, "got err \"%s\"", strbuf_cstr(&err));

    /* the name outlives the reader, and the mtime is the file's */
    const char *path = write_file("named.log", "x\n", 2);
    struct reader *r = reader_open(path, &err);
    ck_assert_ptr_nonnull(r);
    ck_assert(!reader_is_gzip(r));
    ck_assert(reader_mtime(r) > 0);
    const char *name = reader_name(r);
    reader_close(r);
    ck_assert_str_eq(name, path);
    r = reader_open(path, &err);
    ck_assert_ptr_eq(reader_name(r), name); /* interned once */
    struct slice s;
    ck_assert(reader_next(r, &s));
    ck_assert_uint_eq(reader_compressed_bytes(r), 2);
    ck_assert(!reader_partial_tail(r));
    reader_close(r);
    strbuf_free(&err);
}
END_TEST

START_TEST(test_tail_and_peek)
{
    struct strbuf err = STRBUF_INIT;
    struct slice s;
    /* a plain last line without a newline: partial, not cut */
    const char *path = write_file("tail.log", "a\nb", 3);
    struct reader *r = reader_open(path, &err);
    ck_assert(reader_next(r, &s) && !reader_partial_tail(r) && !reader_tail_cut(r));
    ck_assert(reader_next(r, &s) && reader_partial_tail(r) && !reader_tail_cut(r));
    ck_assert(!reader_next(r, &s));
    reader_close(r);
    /* a compressed file cut in a line: the last line is a fragment */
    struct strbuf sb = STRBUF_INIT;
    make_log(&sb, 2000);
    size_t gzn;
    unsigned char *gz = compress_bytes(DECOMPRESS_GZIP, sb.s, sb.len, &gzn);
    path = write_file("cut.gz", gz, gzn - 20);
    r = reader_open(path, &err);
    bool cut = false;
    while (reader_next(r, &s))
        cut = reader_tail_cut(r);
    ck_assert_msg(cut, "the last line of a cut .gz is not marked as a fragment");
    reader_close(r);
    /* a peek notes nothing: NUL bytes, CR LF, a cut */
    problems_reset();
    path = write_file("bad.log", "a\0b\r\nc\xff\n", 7);
    const char *paths[] = { path, write_file("cut2.gz", gz, gzn - 20) };
    for (size_t i = 0; i < 2; i++) {
        r = reader_open_peek(paths[i], &err);
        ck_assert_ptr_nonnull(r);
        while (reader_next(r, &s))
            ;
        reader_close(r);
    }
    for (int k = 0; k < PROBLEM_KIND_COUNT; k++)
        ck_assert_msg(problems_global.kinds[k].count == 0, "a peek noted %s", problem_name(k));
    free(gz);
    strbuf_free(&sb);
    strbuf_free(&err);
}
END_TEST

static Suite *reader_suite(void)
{
    Suite *s = suite_create("reader");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_basic_and_last_line);
    tcase_add_test(tc, test_crlf_nul_utf8);
    tcase_add_test(tc, test_line_bounds);
    tcase_add_test(tc, test_chunk_boundaries);
    tcase_add_loop_test(tc, test_members_and_trailing, 0, N_FORMATS);
    tcase_add_loop_test(tc, test_truncated, 0, N_FORMATS);
    tcase_add_loop_test(tc, test_corrupt, 0, N_FORMATS);
    tcase_add_test(tc, test_offset_resume);
    tcase_add_test(tc, test_open_errors_and_names);
    tcase_add_test(tc, test_tail_and_peek);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(reader_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
