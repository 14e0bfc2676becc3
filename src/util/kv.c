/*
 * kv.c - "key = value" lines (see kv.h).
 */
#include "kv.h"

#include <string.h>

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

char *kv_trim(char *s)
{
    while (blank(*s))
        s++;
    size_t n = strlen(s);
    while (n && (blank(s[n - 1]) || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

bool kv_split(char *line, char **key, char **value)
{
    char *s = kv_trim(line);
    *key = *value = NULL;
    if (!*s || *s == '#')
        return false;
    char *eq = strchr(s, '=');
    if (eq) {
        *eq = '\0';
        *value = kv_trim(eq + 1);
    }
    *key = kv_trim(s);
    return true;
}
