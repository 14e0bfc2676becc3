/*
 * xalloc.c - allocation that exits on failure (see xalloc.h).
 */
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#include "msg.h"

/* oom - report and exit; memory exhaustion is not a recoverable state here */
_Noreturn static void oom(size_t n)
{
    msg_fatal(MSG_EXIT_INTERNAL, "out of memory (allocating %zu bytes)", n);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom(count * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    return xmemdup(s, strlen(s));
}

char *xmemdup(const void *p, size_t n)
{
    char *q = xmalloc(n + 1);
    if (n)
        memcpy(q, p, n);
    q[n] = '\0';
    return q;
}
