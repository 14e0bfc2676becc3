/*
 * varint.c - LEB128 varints and length-prefixed byte strings (see varint.h).
 *
 * Not here: what the encoded records mean (event.c, correlate.c).
 */
#include "varint.h"

void varint_put_u(struct strbuf *b, uint64_t v)
{
    do {
        unsigned char ch = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            ch |= 0x80;
        strbuf_addc(b, (char)ch);
    } while (v);
}

void varint_put_i(struct strbuf *b, int64_t v)
{
    varint_put_u(b, ((uint64_t)v << 1) ^ (uint64_t)(v < 0 ? -1 : 0));
}

void varint_put_bytes(struct strbuf *b, const char *p, size_t n)
{
    varint_put_u(b, n);
    strbuf_add(b, p ? p : "", n);
}

struct varint_reader varint_reader_init(const void *p, size_t n)
{
    struct varint_reader r = { p, (const unsigned char *)p + n, false };
    return r;
}

uint64_t varint_get_u(struct varint_reader *r)
{
    uint64_t v = 0;
    for (unsigned shift = 0; !r->bad; shift += 7) {
        if (r->p >= r->end || shift > 63) {
            r->bad = true;
            break;
        }
        unsigned char ch = *r->p++;
        v |= (uint64_t)(ch & 0x7f) << shift;
        if (!(ch & 0x80))
            return v;
    }
    return 0;
}

int64_t varint_get_i(struct varint_reader *r)
{
    uint64_t v = varint_get_u(r);
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

struct slice varint_get_bytes(struct varint_reader *r)
{
    uint64_t n = varint_get_u(r);
    if (r->bad || n > (uint64_t)(r->end - r->p)) {
        r->bad = true;
        return SLICE_EMPTY;
    }
    struct slice s = slice_make((const char *)r->p, (size_t)n);
    r->p += n;
    return s;
}
