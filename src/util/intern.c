/*
 * intern.c - process-lifetime string copies (see intern.h).
 */
#include "intern.h"

#include <string.h>

#include "xalloc.h"

struct intern_node {
    struct intern_node *next;
    char s[];
};

static struct intern_node *interned;

const char *intern(const char *s)
{
    for (struct intern_node *n = interned; n; n = n->next)
        if (strcmp(n->s, s) == 0)
            return n->s;
    size_t len = strlen(s);
    struct intern_node *n = xmalloc(sizeof *n + len + 1);
    memcpy(n->s, s, len + 1);
    n->next = interned;
    interned = n;
    return n->s;
}
