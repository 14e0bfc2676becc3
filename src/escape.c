/*
 * escape.c - escaping for CSV, JSON, HTML and terminal text (see escape.h).
 *
 * Not here: choosing what to print; every writer decides that and calls one of these.
 */
#include "escape.h"

#include <stdbool.h>
#include <stdio.h>

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

/* an escaper for one context: per ASCII byte what to write instead (NULL: the byte
 * itself); bytes from 0x80 are copied when they are valid UTF-8, else U+FFFD */
typedef const char *escape_table[128];

static void escape_with(struct strbuf *out, struct slice s, const escape_table table)
{
    const unsigned char *p = (const unsigned char *)s.p;
    for (size_t i = 0; i < s.n;) {
        unsigned char c = p[i];
        if (c >= 0x80) {
            i += add_utf8(out, p + i, s.n - i);
            continue;
        }
        if (table[c])
            strbuf_adds(out, table[c]);
        else
            strbuf_addc(out, (char)c);
        i++;
    }
}

/* JSON: quotes and backslashes escaped, control characters as \uXXXX (the common
 * ones by name), and < > & as \u003c \u003e \u0026 for an HTML <script> */
static escape_table json_table;
static char json_controls[0x20][8];

static void make_json_table(void)
{
    for (int c = 0; c < 0x20; c++) {
        snprintf(json_controls[c], sizeof json_controls[c], "\\u%04x", c);
        json_table[c] = json_controls[c];
    }
    json_table['\n'] = "\\n";
    json_table['\t'] = "\\t";
    json_table['\r'] = "\\r";
    json_table['"'] = "\\\"";
    json_table['\\'] = "\\\\";
    json_table['<'] = "\\u003c";
    json_table['>'] = "\\u003e";
    json_table['&'] = "\\u0026";
    json_table[0x7f] = "\\u007f";
}

void json_string(struct strbuf *out, struct slice s)
{
    if (!json_table['"'])
        make_json_table();
    strbuf_addc(out, '"');
    escape_with(out, s, json_table);
    strbuf_addc(out, '"');
}

/* HTML text and attribute values: the five characters, control characters but
 * newline and TAB shown as '?' */
static escape_table html_table;

void html_text(struct strbuf *out, struct slice s)
{
    if (!html_table['&']) {
        for (int c = 0; c < 0x20; c++)
            html_table[c] = c == '\n' || c == '\t' ? NULL : "?";
        html_table['&'] = "&amp;";
        html_table['<'] = "&lt;";
        html_table['>'] = "&gt;";
        html_table['"'] = "&quot;";
        html_table['\''] = "&#39;";
    }
    escape_with(out, s, html_table);
}

/* a terminal: every control character (ESC!) shown as '?' */
static escape_table text_table;

void text_safe(struct strbuf *out, struct slice s)
{
    if (!text_table[0x7f]) {
        for (int c = 0; c < 0x20; c++)
            text_table[c] = "?";
        text_table[0x7f] = "?";
    }
    escape_with(out, s, text_table);
}
