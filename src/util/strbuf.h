/*
 * strbuf.h - a growable byte string, always NUL-terminated.
 *
 * Owned by whoever declared it; strbuf_free releases the bytes. The pointer
 * sb->s may move on every append: do not keep it across appends.
 */
#ifndef BS_STRBUF_H
#define BS_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "slice.h"

struct strbuf {
    char *s;
    size_t len;
    size_t cap;
};

#define STRBUF_INIT \
    {               \
        NULL, 0, 0  \
    }

void strbuf_reserve(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *p, size_t n);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addc(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void strbuf_reset(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);
/* strbuf_cstr - the contents as a C string ("" when empty, never NULL) */
const char *strbuf_cstr(const struct strbuf *sb);

static inline struct slice strbuf_slice(const struct strbuf *sb)
{
    return slice_make(sb->s ? sb->s : "", sb->len);
}

#endif
