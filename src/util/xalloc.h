/*
 * xalloc.h - allocation that cannot fail.
 *
 * bouncescope cannot do anything useful without memory, so these wrappers
 * print "out of memory" and exit with status 3 instead of returning NULL.
 * Library-style code that must survive (none so far) uses malloc directly.
 */
#ifndef BS_XALLOC_H
#define BS_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* xmemdup - copy n bytes and add a NUL; the caller frees */
char *xmemdup(const void *p, size_t n);

#endif
