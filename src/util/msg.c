/*
 * msg.c - diagnostics to stderr (see msg.h).
 */
#include "msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool msg_quiet;

static void vsay(const char *kind, const char *fmt, va_list ap)
{
    fputs("bouncescope: ", stderr);
    if (kind)
        fputs(kind, stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void msg_info(const char *fmt, ...)
{
    va_list ap;
    if (msg_quiet)
        return;
    va_start(ap, fmt);
    vsay(NULL, fmt, ap);
    va_end(ap);
}

void msg_notice(const char *fmt, ...)
{
    va_list ap;
    if (msg_quiet)
        return;
    va_start(ap, fmt);
    vsay("warning: ", fmt, ap);
    va_end(ap);
}

void msg_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay("warning: ", fmt, ap);
    va_end(ap);
}

void msg_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(NULL, fmt, ap);
    va_end(ap);
}

void msg_fatal(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(NULL, fmt, ap);
    va_end(ap);
    exit(status);
}

void msg_progress(const char *text, size_t pad)
{
    if (msg_quiet)
        return;
    size_t n = text ? strlen(text) : 0;
    fprintf(stderr, "\r%s%*s%s", text ? text : "", n < pad ? (int)(pad - n) : 0, "",
            text ? "" : "\r");
    fflush(stderr);
}
