/*
 * msg.c - diagnostics to stderr (see msg.h).
 *
 * A message names files, queue ids, command-line words: text that came from
 * outside. Every message is formatted whole, then goes through the terminal
 * escaper (escape.c text_safe, text_safe_ascii outside a UTF-8 locale) before
 * it is written, so a file name like "mail\e]0;owned\a.log" or one holding a
 * newline cannot drive the terminal or forge a line. The only line breaks kept
 * are those of a message without arguments (our own text, e.g. the hint
 * indented under "neither /var/log/maillog nor /var/log/mail.log exists."): in
 * a message with arguments a newline is shown as '?'. (This is the one place
 * util/ uses a module of src/: a message reaches a terminal like a report.)
 */
#include "msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "text_layout.h"
#include "util/strbuf.h"

bool msg_quiet;

/* put_safe - s escaped for the terminal, then written */
static void put_safe(struct strbuf *out, struct slice s)
{
    strbuf_reset(out);
    if (layout_locale_utf8())
        text_safe(out, s);
    else
        text_safe_ascii(out, s);
    fwrite(out->s, 1, out->len, stderr);
}

static void vsay(const char *kind, const char *fmt, va_list ap)
{
    /* out of memory while saying something (xalloc's message needs memory too):
     * say that much without allocating, and let msg_fatal exit */
    static bool busy;
    if (busy) {
        fputs("bouncescope: out of memory\n", stderr);
        return;
    }
    busy = true;
    struct strbuf text = STRBUF_INIT, safe = STRBUF_INIT;
    strbuf_adds(&text, "bouncescope: ");
    if (kind)
        strbuf_adds(&text, kind);
    strbuf_vaddf(&text, fmt, ap);
    /* our own line breaks: only in a message that has no argument */
    bool literal = !strchr(fmt, '%');
    struct slice rest = strbuf_slice(&text);
    for (;;) {
        const char *nl = literal ? memchr(rest.p, '\n', rest.n) : NULL;
        size_t n = nl ? (size_t)(nl - rest.p) : rest.n;
        put_safe(&safe, slice_make(rest.p, n));
        fputc('\n', stderr);
        if (!nl)
            break;
        rest = slice_make(nl + 1, rest.n - n - 1);
    }
    strbuf_free(&text);
    strbuf_free(&safe);
    busy = false;
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
