/*
 * fuzz_reader.c - libFuzzer harness for the line reader, plain and gzip.
 *
 * Input: byte 0 is the mode, byte 1 a parameter, the rest the payload:
 *   mode % 4 == 0  the payload as the file (gzip if it starts with 1f 8b:
 *                  damaged .gz files come from the seeds and from mutation)
 *   mode % 4 == 1  the payload gzip-compressed (a valid .gz)
 *   mode % 4 == 2  the same, cut at a point chosen by byte 1 (a .gz still
 *                  being written by logrotate)
 *   mode % 4 == 3  the payload as two concatenated gzip members
 *   mode & 4       open at an offset (reader_open_offset) chosen by byte 1
 * The file is a memfd read through /proc/self/fd/N. Checks: no crash or
 * sanitizer report, no line longer than READER_MAX_LINE or containing a
 * newline, offsets never go backwards, a plain file's offset never passes
 * its size.
 */
#include <zlib.h>

#include "fuzz.h"
#include "problems.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* gz - append the gzip member of in[0..n) to out (grown with realloc) */
static void gz(const uint8_t *in, size_t n, uint8_t **out, size_t *len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        fuzz_die("deflateInit2", "failed");
    size_t cap = deflateBound(&z, (uLong)n) + 32;
    *out = realloc(*out, *len + cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = *out + *len;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        fuzz_die("deflate", "did not finish");
    *len += cap - z.avail_out;
    deflateEnd(&z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned mode = data[0], param = data[1];
    const uint8_t *pay = data + 2;
    size_t n = size - 2;
    uint8_t *file = NULL;
    size_t flen = 0;
    switch (mode % 4) {
    case 0:
        file = malloc(n ? n : 1);
        memcpy(file, pay, n);
        flen = n;
        break;
    case 1:
        gz(pay, n, &file, &flen);
        break;
    case 2:
        gz(pay, n, &file, &flen);
        flen = flen * param / 256;
        break;
    default:
        gz(pay, n / 2, &file, &flen);
        gz(pay + n / 2, n - n / 2, &file, &flen);
        break;
    }
    char path[32];
    int fd = fuzz_file(file, flen, path);
    struct strbuf err = STRBUF_INIT;
    struct reader *r =
        mode & 4 ? reader_open_offset(path, param * 13u, &err) : reader_open(path, &err);
    if (!r)
        fuzz_die("reader_open", strbuf_cstr(&err));
    struct slice line;
    uint64_t last = 0;
    while (reader_next(r, &line)) {
        if (line.n > READER_MAX_LINE)
            fuzz_die("reader_next", "line over READER_MAX_LINE");
        if (memchr(line.p, '\n', line.n))
            fuzz_die("reader_next", "newline inside a line");
        fuzz_touch("line", line);
        uint64_t off = reader_offset(r);
        if (off < last)
            fuzz_die("reader_offset", "went backwards");
        if (!reader_is_gzip(r) && off > flen)
            fuzz_die("reader_offset", "past the end of a plain file");
        last = off;
        (void)reader_line(r);
    }
    (void)reader_partial_tail(r);
    (void)reader_compressed_bytes(r);
    reader_close(r);
    close(fd);
    free(file);
    strbuf_free(&err);
    problems_reset();
    return 0;
}
