/*
 * decompress.c - one interface over gzip (zlib), xz (liblzma), bzip2
 * (libbz2) and zstd (libzstd) streams.
 *
 * SYNOPSIS
 *   enum decompress_kind decompress_sniff(const unsigned char *p, size_t n);
 *   const char *decompress_name(enum decompress_kind kind);
 *   struct decompress *decompress_new(enum decompress_kind kind, char *why, size_t why_n);
 *   bool decompress_reset(struct decompress *d);
 *   enum decompress_status decompress_step(struct decompress *d, const unsigned char **in,
 *                                          size_t *in_n, unsigned char **out, size_t *out_n);
 *   const char *decompress_error(const struct decompress *d);
 *   void decompress_free(struct decompress *d);
 *
 * DESCRIPTION
 *   Every format is decoded one member at a time, and every decoder stops
 *   at the end of its member, so that the reader alone decides what may
 *   follow a member (another one, NUL padding, or garbage) and can tell a
 *   file cut inside a member (logrotate still compressing it) from a whole
 *   one. The libraries would hide that otherwise: liblzma's
 *   LZMA_CONCATENATED and zstd's frame loop read on past a member's end.
 *   So xz streams are decoded without LZMA_CONCATENATED, bzip2 streams are
 *   restarted after BZ_STREAM_END, and zstd reports a frame's end (0 from
 *   ZSTD_decompressStream: zstd stops there by itself).
 *
 *   A zstd file may also begin with, or hold between frames, a skippable
 *   frame (magic 0x184D2A50..5F); decompress_sniff counts it as zstd and
 *   the zstd decoder skips it.
 *
 * DIAGNOSTICS
 *   decompress_step returns DECOMPRESS_ERROR with the library's message in
 *   decompress_error for corrupt data; running out of input is not an error
 *   here (the reader knows whether the file has ended).
 *
 * NOT HERE
 *   Files, buffers, lines and positions (reader.c).
 */
#include "decompress.h"

#include <bzlib.h>
#include <lzma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "util/xalloc.h"

struct decompress {
    enum decompress_kind kind;
    bool ready; /* the library's state is initialised */
    char error[96];
    z_stream z;
    lzma_stream x;
    bz_stream b;
    ZSTD_DStream *zs;
};

/* decompress_sniff - the format whose magic starts at p */
enum decompress_kind decompress_sniff(const unsigned char *p, size_t n)
{
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        return DECOMPRESS_GZIP;
    if (n >= 6 && memcmp(p,
                         "\xfd"
                         "7zXZ\0",
                         6) == 0)
        return DECOMPRESS_XZ;
    if (n >= 4 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' && p[3] <= '9')
        return DECOMPRESS_BZIP2;
    if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
        return DECOMPRESS_ZSTD;
    /* a zstd skippable frame: 0x184D2A5? little-endian */
    if (n >= 4 && (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d && p[3] == 0x18)
        return DECOMPRESS_ZSTD;
    return DECOMPRESS_NONE;
}

/* decompress_name - the format's usual name */
const char *decompress_name(enum decompress_kind kind)
{
    switch (kind) {
    case DECOMPRESS_GZIP:
        return "gzip";
    case DECOMPRESS_XZ:
        return "xz";
    case DECOMPRESS_BZIP2:
        return "bzip2";
    case DECOMPRESS_ZSTD:
        return "zstd";
    case DECOMPRESS_NONE:
        break;
    }
    return "";
}

static void set_error(struct decompress *d, const char *what, const char *detail)
{
    snprintf(d->error, sizeof d->error, "%s: %s", what, detail);
}

static const char *lzma_words(lzma_ret ret)
{
    switch (ret) {
    case LZMA_MEM_ERROR:
        return "out of memory";
    case LZMA_MEMLIMIT_ERROR:
        return "memory limit reached";
    case LZMA_FORMAT_ERROR:
        return "not in the .xz format";
    case LZMA_OPTIONS_ERROR:
        return "unsupported options";
    case LZMA_DATA_ERROR:
        return "compressed data is corrupt";
    case LZMA_BUF_ERROR:
        return "compressed data is truncated or corrupt";
    default:
        return "decoder error";
    }
}

static const char *bzip2_words(int ret)
{
    switch (ret) {
    case BZ_DATA_ERROR:
        return "compressed data is corrupt";
    case BZ_DATA_ERROR_MAGIC:
        return "not in the bzip2 format";
    case BZ_MEM_ERROR:
        return "out of memory";
    default:
        return "decoder error";
    }
}

/* start - initialise the library state for a member */
static bool start(struct decompress *d)
{
    switch (d->kind) {
    case DECOMPRESS_GZIP: {
        int ret = d->ready ? inflateReset(&d->z) : inflateInit2(&d->z, 15 + 16);
        if (ret != Z_OK) {
            set_error(d, "gzip", zError(ret));
            return false;
        }
        break;
    }
    case DECOMPRESS_XZ: {
        /* no LZMA_CONCATENATED: stop at the stream's end (see DESCRIPTION) */
        lzma_ret ret = lzma_stream_decoder(&d->x, UINT64_MAX, 0);
        if (ret != LZMA_OK) {
            set_error(d, "xz", lzma_words(ret));
            return false;
        }
        break;
    }
    case DECOMPRESS_BZIP2: {
        if (d->ready)
            BZ2_bzDecompressEnd(&d->b);
        memset(&d->b, 0, sizeof d->b);
        int ret = BZ2_bzDecompressInit(&d->b, 0, 0);
        if (ret != BZ_OK) {
            d->ready = false;
            set_error(d, "bzip2", bzip2_words(ret));
            return false;
        }
        break;
    }
    case DECOMPRESS_ZSTD: {
        if (!d->zs)
            d->zs = ZSTD_createDStream();
        size_t ret = d->zs ? ZSTD_DCtx_reset(d->zs, ZSTD_reset_session_only) : 1;
        if (!d->zs || ZSTD_isError(ret)) {
            set_error(d, "zstd", d->zs ? ZSTD_getErrorName(ret) : "out of memory");
            return false;
        }
        break;
    }
    case DECOMPRESS_NONE:
        set_error(d, "decompress", "not a compressed format");
        return false;
    }
    d->ready = true;
    return true;
}

/* decompress_new - a decoder for kind, ready for its first member */
struct decompress *decompress_new(enum decompress_kind kind, char *why, size_t why_n)
{
    struct decompress *d = xcalloc(1, sizeof *d);
    d->kind = kind;
    d->x = (lzma_stream)LZMA_STREAM_INIT;
    if (!start(d)) {
        snprintf(why, why_n, "%s", d->error);
        decompress_free(d);
        return NULL;
    }
    return d;
}

/* decompress_reset - start the next member */
bool decompress_reset(struct decompress *d)
{
    return start(d);
}

static enum decompress_status step_gzip(struct decompress *d, const unsigned char **in,
                                        size_t *in_n, unsigned char **out, size_t *out_n)
{
    /* zlib counts in uInt: hand it at most 1 GiB a call */
    uInt in_room = *in_n > (1u << 30) ? (1u << 30) : (uInt)*in_n;
    uInt out_room = *out_n > (1u << 30) ? (1u << 30) : (uInt)*out_n;
    d->z.next_in = (unsigned char *)*in;
    d->z.avail_in = in_room;
    d->z.next_out = *out;
    d->z.avail_out = out_room;
    int ret = inflate(&d->z, Z_NO_FLUSH);
    size_t used = in_room - d->z.avail_in, made = out_room - d->z.avail_out;
    *in += used, *in_n -= used, *out += made, *out_n -= made;
    if (ret == Z_STREAM_END)
        return DECOMPRESS_MEMBER_END;
    if (ret == Z_OK || ret == Z_BUF_ERROR)
        return DECOMPRESS_OK;
    set_error(d, "inflate", d->z.msg ? d->z.msg : zError(ret));
    return DECOMPRESS_ERROR;
}

static enum decompress_status step_xz(struct decompress *d, const unsigned char **in, size_t *in_n,
                                      unsigned char **out, size_t *out_n)
{
    d->x.next_in = *in;
    d->x.avail_in = *in_n;
    d->x.next_out = *out;
    d->x.avail_out = *out_n;
    lzma_ret ret = lzma_code(&d->x, LZMA_RUN);
    size_t used = *in_n - d->x.avail_in, made = *out_n - d->x.avail_out;
    *in += used, *in_n -= used, *out += made, *out_n -= made;
    if (ret == LZMA_STREAM_END)
        return DECOMPRESS_MEMBER_END;
    /* LZMA_BUF_ERROR: no progress possible with this input - more is needed */
    if (ret == LZMA_OK || ret == LZMA_BUF_ERROR)
        return DECOMPRESS_OK;
    set_error(d, "xz", lzma_words(ret));
    return DECOMPRESS_ERROR;
}

static enum decompress_status step_bzip2(struct decompress *d, const unsigned char **in,
                                         size_t *in_n, unsigned char **out, size_t *out_n)
{
    unsigned in_room = *in_n > (1u << 30) ? (1u << 30) : (unsigned)*in_n;
    unsigned out_room = *out_n > (1u << 30) ? (1u << 30) : (unsigned)*out_n;
    if (out_room == 0)
        return DECOMPRESS_OK;
    d->b.next_in = (char *)*in;
    d->b.avail_in = in_room;
    d->b.next_out = (char *)*out;
    d->b.avail_out = out_room;
    int ret = BZ2_bzDecompress(&d->b);
    size_t used = in_room - d->b.avail_in, made = out_room - d->b.avail_out;
    *in += used, *in_n -= used, *out += made, *out_n -= made;
    if (ret == BZ_STREAM_END)
        return DECOMPRESS_MEMBER_END;
    if (ret == BZ_OK)
        return DECOMPRESS_OK;
    set_error(d, "bzip2", bzip2_words(ret));
    return DECOMPRESS_ERROR;
}

static enum decompress_status step_zstd(struct decompress *d, const unsigned char **in,
                                        size_t *in_n, unsigned char **out, size_t *out_n)
{
    ZSTD_inBuffer ib = { *in, *in_n, 0 };
    ZSTD_outBuffer ob = { *out, *out_n, 0 };
    size_t ret = ZSTD_decompressStream(d->zs, &ob, &ib);
    *in += ib.pos, *in_n -= ib.pos, *out += ob.pos, *out_n -= ob.pos;
    if (ZSTD_isError(ret)) {
        set_error(d, "zstd", ZSTD_getErrorName(ret));
        return DECOMPRESS_ERROR;
    }
    /* 0: a frame is decoded and flushed (zstd stops at its end) */
    return ret == 0 ? DECOMPRESS_MEMBER_END : DECOMPRESS_OK;
}

/* decompress_step - decode what fits; advance both buffers */
enum decompress_status decompress_step(struct decompress *d, const unsigned char **in, size_t *in_n,
                                       unsigned char **out, size_t *out_n)
{
    switch (d->kind) {
    case DECOMPRESS_GZIP:
        return step_gzip(d, in, in_n, out, out_n);
    case DECOMPRESS_XZ:
        return step_xz(d, in, in_n, out, out_n);
    case DECOMPRESS_BZIP2:
        return step_bzip2(d, in, in_n, out, out_n);
    case DECOMPRESS_ZSTD:
        return step_zstd(d, in, in_n, out, out_n);
    case DECOMPRESS_NONE:
        break;
    }
    set_error(d, "decompress", "not a compressed format");
    return DECOMPRESS_ERROR;
}

/* decompress_error - the message of the last error */
const char *decompress_error(const struct decompress *d)
{
    return d->error;
}

/* decompress_free - release d (NULL is fine) */
void decompress_free(struct decompress *d)
{
    if (!d)
        return;
    if (d->kind == DECOMPRESS_GZIP && d->ready)
        inflateEnd(&d->z);
    lzma_end(&d->x);
    if (d->kind == DECOMPRESS_BZIP2 && d->ready)
        BZ2_bzDecompressEnd(&d->b);
    ZSTD_freeDStream(d->zs);
    free(d);
}
