/*
 * text_layout.c - display width, cutting, wrapping, plurals and punctuation
 * for terminal text (see text_layout.h).
 *
 * Why our own width table and not wcwidth(3): wcwidth answers only in a
 * UTF-8 locale, differs between glibc versions, and a report mailed by cron
 * must lay out the same whatever the locale of the job. The table is
 * generated (tests/tools/wide_table.py) and checked by a test.
 *
 * Not here: escaping (escape.c); every text given here is already escaped.
 */
#include "text_layout.h"

#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "escape.h"
#include "report.h"
#include "wide_table.h"

static const struct layout_glyphs glyphs_utf8 = {
    .utf8 = true, .ellipsis = "…", .dash = "—", .sep = "·"
};
static const struct layout_glyphs glyphs_ascii = {
    .utf8 = false, .ellipsis = "...", .dash = "-", .sep = "|"
};

const struct layout_glyphs *layout_glyphs(bool utf8)
{
    return utf8 ? &glyphs_utf8 : &glyphs_ascii;
}

/* name_says_utf8 - "en_US.UTF-8", "C.utf8", "ja_JP.UTF-8@x" */
static bool name_says_utf8(const char *name)
{
    const char *dot = name ? strchr(name, '.') : NULL;
    if (!dot)
        return false;
    return !strncasecmp(dot + 1, "UTF-8", 5) || !strncasecmp(dot + 1, "UTF8", 4);
}

/* env_locale - the locale name LC_CTYPE resolves to: LC_ALL, LC_CTYPE, LANG */
static const char *env_locale(void)
{
    static const char *const vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return v;
    }
    return NULL;
}

bool layout_locale_utf8(void)
{
    static int cached = -1;
    if (cached >= 0)
        return cached;
    const char *now = setlocale(LC_CTYPE, NULL);
    char *saved = strdup(now ? now : "C");
    if (setlocale(LC_CTYPE, "")) {
        const char *cs = nl_langinfo(CODESET);
        cached = cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "UTF8"));
    } else {
        /* named but not installed (no locale-gen): trust its name */
        cached = name_says_utf8(env_locale());
    }
    setlocale(LC_CTYPE, saved ? saved : "C");
    free(saved);
    return cached;
}

unsigned layout_char_width(uint32_t cp)
{
    if (cp < wide_ranges[0][0])
        return 1;
    size_t lo = 0, hi = sizeof wide_ranges / sizeof *wide_ranges;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < wide_ranges[mid][0])
            hi = mid;
        else if (cp > wide_ranges[mid][1])
            lo = mid + 1;
        else
            return 2;
    }
    return 1;
}

/* next_char - decode the character at s.p[i]; its length in *len. An invalid
 * byte (not expected: text is escaped first) counts as one column. */
static uint32_t next_char(struct slice s, size_t i, size_t *len)
{
    const unsigned char *p = (const unsigned char *)s.p + i;
    size_t n = utf8_valid_len(p, s.n - i);
    if (n <= 1) {
        *len = 1;
        return n ? p[0] : 0xFFFD;
    }
    static const unsigned char lead_mask[5] = { 0, 0x7F, 0x1F, 0x0F, 0x07 };
    uint32_t cp = p[0] & lead_mask[n];
    for (size_t k = 1; k < n; k++)
        cp = (cp << 6) | (p[k] & 0x3F);
    *len = n;
    return cp;
}

size_t layout_width(struct slice s)
{
    size_t w = 0;
    for (size_t i = 0; i < s.n;) {
        size_t len;
        if ((unsigned char)s.p[i] < 0x80) {
            w++;
            i++;
            continue;
        }
        w += layout_char_width(next_char(s, i, &len));
        i += len;
    }
    return w;
}

size_t layout_fit(struct slice s, size_t cols)
{
    size_t w = 0, i = 0;
    while (i < s.n) {
        size_t len;
        unsigned cw = layout_char_width(next_char(s, i, &len));
        if (w + cw > cols)
            break;
        w += cw;
        i += len;
    }
    return i;
}

void layout_cut(struct strbuf *out, struct slice s, size_t cols, const char *mark)
{
    if (layout_width(s) <= cols) {
        strbuf_add(out, s.p, s.n);
        return;
    }
    struct slice m = slice_cstr(mark);
    size_t mw = layout_width(m);
    if (mw >= cols) {
        strbuf_add(out, m.p, layout_fit(m, cols));
        return;
    }
    size_t keep = layout_fit(s, cols - mw);
    /* a cut after a space reads as a gap: drop the spaces before the mark */
    while (keep && s.p[keep - 1] == ' ')
        keep--;
    strbuf_add(out, s.p, keep);
    strbuf_add(out, m.p, m.n);
}

void layout_cell(struct strbuf *out, struct slice s, size_t cols, bool right, const char *mark)
{
    struct strbuf cell = STRBUF_INIT;
    layout_cut(&cell, s, cols, mark);
    size_t w = layout_width(strbuf_slice(&cell));
    size_t pad = w < cols ? cols - w : 0;
    if (right)
        for (size_t i = 0; i < pad; i++)
            strbuf_addc(out, ' ');
    strbuf_add(out, cell.s ? cell.s : "", cell.len);
    if (!right)
        for (size_t i = 0; i < pad; i++)
            strbuf_addc(out, ' ');
    strbuf_free(&cell);
}

/* emit_line - one output line: indent, s[from, to) without trailing spaces, "\n" */
static void emit_line(struct strbuf *out, size_t indent, struct slice s, size_t from, size_t to)
{
    while (to > from && s.p[to - 1] == ' ')
        to--;
    for (size_t i = 0; i < indent; i++)
        strbuf_addc(out, ' ');
    strbuf_add(out, s.p + from, to - from);
    strbuf_addc(out, '\n');
}

size_t layout_wrap(struct strbuf *out, struct slice s, size_t width, size_t hang, size_t max_lines,
                   const char *mark)
{
    if (width < 2)
        width = 2;
    size_t hang_max = width >= 60 ? width - 30 : width / 2; /* leave room for text */
    if (hang > hang_max)
        hang = hang_max;
    size_t lines = 0;
    size_t start = 0;  /* first byte of the current line */
    size_t indent = 0; /* columns before it: 0 on the first line, then hang */
    size_t col = 0;    /* columns of s[start, pos) */
    bool has_word = false;
    size_t pos = 0;
    while (pos < s.n) {
        if (max_lines && lines + 1 == max_lines) {
            /* the last line allowed: the rest of the text, cut when it must be */
            struct strbuf rest = STRBUF_INIT;
            layout_cut(&rest, slice_make(s.p + start, s.n - start), width - indent, mark);
            emit_line(out, indent, strbuf_slice(&rest), 0, rest.len);
            strbuf_free(&rest);
            return lines + 1;
        }
        size_t sp = pos;
        while (sp < s.n && s.p[sp] == ' ')
            sp++;
        if (sp == s.n)
            break; /* trailing spaces */
        size_t end = sp;
        while (end < s.n && s.p[end] != ' ')
            end++;
        size_t sw = sp - pos;
        size_t ww = layout_width(slice_make(s.p + sp, end - sp));
        if (indent + col + sw + ww <= width) {
            col += sw + ww;
            has_word = true;
            pos = end;
            continue;
        }
        if (has_word) {
            /* break at the spaces before the word; it starts the next line */
            emit_line(out, indent, s, start, pos);
            lines++;
            start = pos = sp;
            indent = hang, col = 0, has_word = false;
            continue;
        }
        /* a word wider than the line: as much of it as fits, the rest goes on */
        size_t room = indent + col + sw < width ? width - indent - col - sw : 0;
        size_t fit = layout_fit(slice_make(s.p + sp, end - sp), room);
        if (fit == 0 && col == 0 && sw == 0) {
            size_t len;
            next_char(s, sp, &len); /* not even one character fits: take one */
            fit = len;
        }
        emit_line(out, indent, s, start, sp + fit);
        lines++;
        start = pos = sp + fit;
        indent = hang, col = 0, has_word = false;
    }
    if (start < s.n || lines == 0) {
        emit_line(out, indent, s, start, s.n);
        lines++;
    }
    return lines;
}

const char *layout_count(uint64_t n, const char *one, const char *many, char *buf, size_t size)
{
    char num[32];
    fmt_count(n, num, sizeof num);
    if (n == 1)
        snprintf(buf, size, "%s %s", num, one);
    else if (many)
        snprintf(buf, size, "%s %s", num, many);
    else
        snprintf(buf, size, "%s %ss", num, one);
    return buf;
}
