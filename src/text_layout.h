/*
 * text_layout.h - laying out terminal text: display width, cutting, word
 * wrapping, plurals, and the punctuation a locale can show.
 *
 * Text here is what text_safe/text_safe_ascii (escape.h) produced: valid
 * UTF-8 without control characters. Widths count terminal columns: a
 * character of East Asian Width W or F counts 2, every other one 1 (the
 * data is src/wide_table.h, generated from Python's unicodedata, the rule
 * the acceptance check measures with; combining marks count 1, which only
 * makes a line shorter than it could be).
 *
 *   layout_width     columns of a text
 *   layout_fit       bytes of the longest prefix within n columns
 *   layout_cut       a text cut to n columns, the cut marked (… or ...)
 *   layout_cell      a table cell: cut or padded to exactly n columns
 *   layout_wrap      a paragraph as lines of at most n columns: breaks at
 *                    spaces, a hanging indent for the lines after the first,
 *                    words longer than a line broken where they must be,
 *                    at most max_lines lines (the last one cut and marked)
 *   layout_count     "1 recipient", "1,234 recipients"
 *   layout_glyphs    the report's punctuation: UTF-8 (… — ·) or ASCII
 *   layout_locale_utf8  whether the user's locale is UTF-8 (decided once)
 *
 * Not here: escaping (escape.c) and what a report says (write_text.c).
 */
#ifndef BS_TEXT_LAYOUT_H
#define BS_TEXT_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/slice.h"
#include "util/strbuf.h"

/* the punctuation of a text report */
struct layout_glyphs {
    bool utf8;
    const char *ellipsis; /* marks a cut: "…" or "..." */
    const char *dash;     /* between a statement and its comment: "—" or "-" */
    const char *sep;      /* between the fields of a heading: "·" or "|" */
    const char *to;       /* a time span "a … b": "…" or "to" */
};

/* layout_glyphs - the UTF-8 set or the ASCII set (static storage) */
const struct layout_glyphs *layout_glyphs(bool utf8);

/* layout_locale_utf8 - true when the locale of the environment (LC_ALL, else
 * LC_CTYPE, else LANG, as setlocale(LC_CTYPE, "") resolves them) has the
 * UTF-8 codeset. Decided on the first call; the process's own locale is left
 * as it was ("C"), so parsing is never affected. A locale that is named but
 * not installed counts as UTF-8 when its name says so ("en_US.UTF-8"). */
bool layout_locale_utf8(void);

/* layout_char_width - columns of one code point (1 or 2) */
unsigned layout_char_width(uint32_t cp);
/* layout_width - columns of valid UTF-8 text */
size_t layout_width(struct slice s);
/* layout_fit - bytes of the longest prefix of s that fits in cols columns,
 * never splitting a character */
size_t layout_fit(struct slice s, size_t cols);
/* layout_cut - append s, or when it is wider than cols its longest prefix
 * that leaves room for mark, then mark; the result is at most cols wide
 * (a mark wider than cols is itself cut) */
void layout_cut(struct strbuf *out, struct slice s, size_t cols, const char *mark);
/* layout_cell - append s cut (with mark) or padded with spaces to exactly
 * cols columns; right: pad on the left */
void layout_cell(struct strbuf *out, struct slice s, size_t cols, bool right, const char *mark);
/* layout_wrap - append s as lines of at most width columns, each ending in
 * "\n". Lines after the first start with hang spaces (hang is cut so
 * that 30 columns remain, or half the width below 60). Breaks fall on spaces, which are dropped there; a word wider
 * than a line is broken. Spaces inside a line (and the first line's leading
 * ones) are kept, so aligned labels stay aligned. With max_lines > 0 and
 * more text than fits, the last line is cut with mark. Returns the number
 * of lines written. */
size_t layout_wrap(struct strbuf *out, struct slice s, size_t width, size_t hang, size_t max_lines,
                   const char *mark);

/* layout_count - "N one" when n is 1, else "N many" (many NULL: one + "s"),
 * N with thousands separators; returns buf */
const char *layout_count(uint64_t n, const char *one, const char *many, char *buf, size_t size);

#endif
