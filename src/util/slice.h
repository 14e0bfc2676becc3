/*
 * slice.h - a pointer and a length: a view into bytes someone else owns.
 *
 * Every stage of the pipeline passes text as slices into the reader's line
 * buffer; a slice is valid only until the reader hands out the next line.
 * A stage that must keep text copies it (xmemdup, strpool_intern) and says so.
 * Slices are not NUL-terminated.
 */
#ifndef BS_SLICE_H
#define BS_SLICE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct slice {
    const char *p;
    size_t n;
};

#define SLICE_EMPTY ((struct slice){ "", 0 })
#define SLICE_LIT(s) ((struct slice){ (s), sizeof(s) - 1 })

static inline struct slice slice_make(const char *p, size_t n)
{
    return (struct slice){ p, n };
}

static inline struct slice slice_cstr(const char *s)
{
    return (struct slice){ s, s ? strlen(s) : 0 };
}

static inline bool slice_eq(struct slice a, struct slice b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static inline bool slice_eq_cstr(struct slice a, const char *s)
{
    return slice_eq(a, slice_cstr(s));
}

static inline bool slice_starts(struct slice a, const char *prefix)
{
    size_t n = strlen(prefix);
    return n == 0 || (a.n >= n && memcmp(a.p, prefix, n) == 0); /* no memcmp(NULL, .., 0) */
}

/* slice_find - first occurrence of a literal in a slice, or NULL */
static inline const char *slice_find(struct slice hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n > hay.n || hay.n == 0) /* memmem's arguments must not be NULL, even with length 0 */
        return n == 0 ? hay.p : NULL;
    return memmem(hay.p, hay.n, needle, n);
}

/* slice_trim - the slice without leading and trailing blanks */
static inline struct slice slice_trim(struct slice s)
{
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\r'))
        s.n--;
    return s;
}

/* slice_to_int - the leading decimal digits as a number (0 if none), saturated at
 * LLONG_MAX: the digits come from logs ("size=99999999999999999999" overflowed
 * a plain v * 10 + d, which is undefined behaviour for a signed type) */
static inline long long slice_to_int(struct slice s)
{
    long long v = 0;
    for (size_t i = 0; i < s.n && s.p[i] >= '0' && s.p[i] <= '9'; i++) {
        int d = s.p[i] - '0';
        if (v > (LLONG_MAX - d) / 10)
            return LLONG_MAX;
        v = v * 10 + d;
    }
    return v;
}

/* slice_strip_angles - "<a@b>" -> "a@b"; anything else unchanged */
static inline struct slice slice_strip_angles(struct slice s)
{
    if (s.n >= 2 && s.p[0] == '<' && s.p[s.n - 1] == '>')
        return slice_make(s.p + 1, s.n - 2);
    return s;
}

#endif
