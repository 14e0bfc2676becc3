/*
 * escape.c - escaping for CSV, JSON, HTML and terminal text (see escape.h).
 *
 * Not here: choosing what to print; every writer decides that and calls one of these.
 */
#include "escape.h"

#include <stdbool.h>

#include "util/utf8.h"

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* add_utf8 - copy the UTF-8 sequence at p, or U+FFFD for an invalid byte;
 * returns the bytes consumed */
static size_t add_utf8(struct strbuf *out, const unsigned char *p, size_t n)
{
    size_t len = utf8_valid_len(p, n);
    if (!len) {
        strbuf_add(out, replacement, 3);
        return 1;
    }
    strbuf_add(out, p, len);
    return len;
}

void csv_field(struct strbuf *out, struct slice s)
{
    bool quote = false;
    bool formula = s.n && (s.p[0] == '=' || s.p[0] == '+' || s.p[0] == '-' || s.p[0] == '@' ||
                           s.p[0] == '\t' || s.p[0] == '\r');
    for (size_t i = 0; i < s.n && !quote; i++)
        quote = s.p[i] == ',' || s.p[i] == '"' || s.p[i] == '\n' || s.p[i] == '\r';
    if (formula)
        quote = true;
    if (!quote) {
        strbuf_add(out, s.p, s.n);
        return;
    }
    strbuf_addc(out, '"');
    if (formula)
        strbuf_addc(out, '\'');
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] == '"')
            strbuf_addc(out, '"');
        strbuf_addc(out, s.p[i]);
    }
    strbuf_addc(out, '"');
}

void json_string(struct strbuf *out, struct slice s)
{
    const unsigned char *p = (const unsigned char *)s.p;
    strbuf_addc(out, '"');
    for (size_t i = 0; i < s.n;) {
        unsigned char c = p[i];
        if (c >= 0x80) {
            i += add_utf8(out, p + i, s.n - i);
            continue;
        }
        switch (c) {
        case '"':
            strbuf_adds(out, "\\\"");
            break;
        case '\\':
            strbuf_adds(out, "\\\\");
            break;
        case '\n':
            strbuf_adds(out, "\\n");
            break;
        case '\t':
            strbuf_adds(out, "\\t");
            break;
        case '\r':
            strbuf_adds(out, "\\r");
            break;
        case '<':
            strbuf_adds(out, "\\u003c");
            break;
        case '>':
            strbuf_adds(out, "\\u003e");
            break;
        case '&':
            strbuf_adds(out, "\\u0026");
            break;
        default:
            if (c < 0x20 || c == 0x7f)
                strbuf_addf(out, "\\u%04x", c);
            else
                strbuf_addc(out, (char)c);
        }
        i++;
    }
    strbuf_addc(out, '"');
}

void html_text(struct strbuf *out, struct slice s)
{
    const unsigned char *p = (const unsigned char *)s.p;
    for (size_t i = 0; i < s.n;) {
        unsigned char c = p[i];
        if (c >= 0x80) {
            i += add_utf8(out, p + i, s.n - i);
            continue;
        }
        switch (c) {
        case '&':
            strbuf_adds(out, "&amp;");
            break;
        case '<':
            strbuf_adds(out, "&lt;");
            break;
        case '>':
            strbuf_adds(out, "&gt;");
            break;
        case '"':
            strbuf_adds(out, "&quot;");
            break;
        case '\'':
            strbuf_adds(out, "&#39;");
            break;
        default:
            if (c < 0x20 && c != '\n' && c != '\t')
                strbuf_addc(out, '?');
            else
                strbuf_addc(out, (char)c);
        }
        i++;
    }
}

void text_safe(struct strbuf *out, struct slice s)
{
    const unsigned char *p = (const unsigned char *)s.p;
    for (size_t i = 0; i < s.n;) {
        unsigned char c = p[i];
        if (c >= 0x80) {
            i += add_utf8(out, p + i, s.n - i);
            continue;
        }
        strbuf_addc(out, (c < 0x20 || c == 0x7f) ? '?' : (char)c);
        i++;
    }
}
