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

/* terminal_unsafe - a code point a terminal must not receive as such: the C1
 * controls U+0080..U+009F (U+009B is CSI, an escape sequence in one
 * character for terminals that honour 8-bit controls), and the bidirectional
 * overrides and isolates that make a line display other than it reads */
static bool terminal_unsafe(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* utf8_decode - the code point of the valid sequence p[0..len) */
static unsigned utf8_decode(const unsigned char *p, size_t len)
{
    static const unsigned char lead_mask[5] = { 0, 0x7F, 0x1F, 0x0F, 0x07 };
    unsigned cp = p[0] & lead_mask[len];
    for (size_t i = 1; i < len; i++)
        cp = (cp << 6) | (p[i] & 0x3F);
    return cp;
}

/* csv_text - a cell's text as CSV shows it: the same rule as the terminal's (a
 * CSV file is printed, paged and mailed): NUL as \0, the other C0 controls but
 * TAB, DEL, C1 controls and bidi overrides as '?', invalid UTF-8 as U+FFFD - so
 * a cell is valid UTF-8, as the JSON document is */
static void csv_text(struct strbuf *out, struct slice s)
{
    const unsigned char *p = (const unsigned char *)s.p;
    for (size_t i = 0; i < s.n;) {
        unsigned char c = p[i];
        if (c >= 0x20 && c < 0x7f) {
            if (c == '"')
                strbuf_addc(out, '"');
            strbuf_addc(out, (char)c);
            i++;
        } else if (c == '\t') {
            strbuf_addc(out, '\t');
            i++;
        } else if (c == 0) {
            strbuf_add(out, "\\0", 2);
            i++;
        } else if (c < 0x80) {
            strbuf_addc(out, '?');
            i++;
        } else {
            size_t len = utf8_valid_len(p + i, s.n - i);
            if (!len)
                strbuf_add(out, replacement, 3), len = 1;
            else if (terminal_unsafe(utf8_decode(p + i, len)))
                strbuf_addc(out, '?');
            else
                strbuf_add(out, p + i, len);
            i += len;
        }
    }
}

void csv_field(struct strbuf *out, struct slice s)
{
    bool quote = false;
    bool formula = s.n && (s.p[0] == '=' || s.p[0] == '+' || s.p[0] == '-' || s.p[0] == '@' ||
                           s.p[0] == '\t' || s.p[0] == '\r');
    bool plain = true; /* printable ASCII only: copied as it is */
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        quote |= c == ',' || c == '"' || c == '\n' || c == '\r';
        plain &= c >= 0x20 && c < 0x7f;
    }
    if (formula)
        quote = true;
    if (!quote && plain) {
        strbuf_add(out, s.p, s.n);
        return;
    }
    if (quote)
        strbuf_addc(out, '"');
    if (formula)
        strbuf_addc(out, '\'');
    csv_text(out, s);
    if (quote)
        strbuf_addc(out, '"');
}

/* an escaper for one context: per ASCII byte what to write instead (NULL: the byte
 * itself); bytes from 0x80 are copied when they are valid UTF-8, else U+FFFD. A
 * C1 control or bidi override (terminal_unsafe) is written as \uXXXX for JSON,
 * as '?' for HTML: a report printed to a terminal must not carry one either */
typedef const char *escape_table[128];

static void escape_with(struct strbuf *out, struct slice s, const escape_table table, bool json)
{
    const unsigned char *p = (const unsigned char *)s.p;
    for (size_t i = 0; i < s.n;) {
        unsigned char c = p[i];
        if (c >= 0x80) {
            size_t len = utf8_valid_len(p + i, s.n - i);
            unsigned cp = len ? utf8_decode(p + i, len) : 0;
            if (len && terminal_unsafe(cp)) {
                if (json)
                    strbuf_addf(out, "\\u%04x", cp);
                else
                    strbuf_addc(out, '?');
                i += len;
                continue;
            }
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
    escape_with(out, s, json_table, true);
    strbuf_addc(out, '"');
}

/* HTML text and attribute values: the five characters, newline and TAB as
 * character references (the same in a page; no raw line break from a file name
 * when the page is printed), other control characters as '?' */
static escape_table html_table;

void html_text(struct strbuf *out, struct slice s)
{
    if (!html_table['&']) {
        for (int c = 0; c < 0x20; c++)
            html_table[c] = "?";
        html_table['\n'] = "&#10;";
        html_table['\t'] = "&#9;";
        html_table['&'] = "&amp;";
        html_table['<'] = "&lt;";
        html_table['>'] = "&gt;";
        html_table['"'] = "&quot;";
        html_table['\''] = "&#39;";
    }
    escape_with(out, s, html_table, false);
}

/* ascii_for - the ASCII a non-ASCII punctuation mark is written as in an
 * ASCII terminal (our own templates hold " … "), NULL for '?' */
static const char *ascii_for(unsigned cp)
{
    switch (cp) {
    case 0x00A0: /* no-break space */
        return " ";
    case 0x2010: /* hyphen, dashes */
    case 0x2011:
    case 0x2012:
    case 0x2013:
    case 0x2014:
    case 0x2212: /* minus */
        return "-";
    case 0x2018: /* quotation marks */
    case 0x2019:
        return "'";
    case 0x201C:
    case 0x201D:
        return "\"";
    case 0x2026: /* ellipsis */
        return "...";
    default:
        return NULL;
    }
}

/* terminal - text_safe and text_safe_ascii: one loop, one rule per byte */
static void terminal(struct strbuf *out, struct slice s, bool ascii)
{
    const unsigned char *p = (const unsigned char *)s.p;
    for (size_t i = 0; i < s.n;) {
        unsigned char c = p[i];
        if (c < 0x80) {
            if (c == 0)
                strbuf_add(out, "\\0", 2); /* kept visible: "a\0b@example.net" */
            else
                strbuf_addc(out, (c < 0x20 || c == 0x7f) ? '?' : (char)c);
            i++;
            continue;
        }
        size_t len = utf8_valid_len(p + i, s.n - i);
        if (!len) {
            if (ascii)
                strbuf_addc(out, '?');
            else
                strbuf_add(out, replacement, 3);
            i++;
            continue;
        }
        unsigned cp = utf8_decode(p + i, len);
        const char *a = ascii ? ascii_for(cp) : NULL;
        if (a)
            strbuf_adds(out, a);
        else if (ascii || terminal_unsafe(cp))
            strbuf_addc(out, '?');
        else
            strbuf_add(out, p + i, len);
        i += len;
    }
}

void text_safe(struct strbuf *out, struct slice s)
{
    terminal(out, s, false);
}

void text_safe_ascii(struct strbuf *out, struct slice s)
{
    terminal(out, s, true);
}
