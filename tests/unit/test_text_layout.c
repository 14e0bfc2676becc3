/*
 * test_text_layout.c - display width, cutting, wrapping, plurals and the
 * locale decision (text_layout.c), as tables of "input -> want".
 *
 * Widths are those of Python's unicodedata.east_asian_width (W and F count
 * 2), the rule the acceptance check measures the text report with; the rows
 * below were read off Python 3.11 (Unicode 14.0).
 */
#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_layout.h"

START_TEST(test_char_width)
{
    static const struct {
        uint32_t cp;
        unsigned want;
    } rows[] = {
        { 'a', 1 },      { 0x00E9, 1 }, /* é */
        { 0x2026, 1 },                  /* … (ambiguous: 1) */
        { 0x2014, 1 },                  /* — */
        { 0x00B7, 1 },                  /* · */
        { 0xFFFD, 1 },                  /* replacement character */
        { 0x0301, 1 },                  /* combining acute: Python says N */
        { 0x1100, 2 },                  /* Hangul choseong, first wide range */
        { 0x115F, 2 },   { 0x1160, 1 }, /* its end, and the next one */
        { 0x3000, 2 },                  /* ideographic space: F */
        { 0x3042, 2 },                  /* あ */
        { 0x65E5, 2 },                  /* 日 */
        { 0xFF21, 2 },                  /* fullwidth A: F */
        { 0xFF61, 1 },                  /* halfwidth ideographic full stop: H */
        { 0x1F600, 2 },                 /* emoji: W */
        { 0x20000, 2 },  { 0x0378, 2 }, /* unassigned: Python says F */
        { 0x10FFFF, 2 },                /* unassigned plane 16: F as well */
        { 0xE000, 1 },                  /* private use: A */
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        ck_assert_msg(layout_char_width(rows[i].cp) == rows[i].want, "U+%04X: got %u, want %u",
                      rows[i].cp, layout_char_width(rows[i].cp), rows[i].want);
}
END_TEST

START_TEST(test_width_fit_cut)
{
    static const struct {
        const char *s;
        size_t width;
    } widths[] = {
        { "", 0 },    { "abc", 3 },         { "日本語", 6 },
        { "a…b", 3 }, { "メール配信", 10 }, { "\xF0\x9F\x98\x80!", 3 },
    };
    for (size_t i = 0; i < sizeof widths / sizeof *widths; i++)
        ck_assert_msg(layout_width(slice_cstr(widths[i].s)) == widths[i].width,
                      "width of '%s': got %zu, want %zu", widths[i].s,
                      layout_width(slice_cstr(widths[i].s)), widths[i].width);

    /* fit never splits a character, nor a wide one across the edge */
    ck_assert_uint_eq(layout_fit(slice_cstr("日本語"), 3), 3); /* one character, 2 columns */
    ck_assert_uint_eq(layout_fit(slice_cstr("日本語"), 4), 6);
    ck_assert_uint_eq(layout_fit(slice_cstr("a…b"), 2), 4);
    ck_assert_uint_eq(layout_fit(slice_cstr("abc"), 10), 3);

    static const struct {
        const char *s;
        size_t cols;
        const char *mark, *want;
    } cuts[] = {
        { "Google (Gmail / Workspace)", 24, "…", "Google (Gmail / Workspa…" },
        { "Google (Gmail / Workspace)", 24, "...", "Google (Gmail / Works..." },
        { "Google (Gmail / Workspace)", 26, "…", "Google (Gmail / Workspace)" },
        { "Google (Gmail / Workspace)", 9, "…", "Google (…" },
        { "Google (Gmail / Workspace)", 8, "…", "Google…" }, /* no "Google …" */
        { "日本語のテキスト", 7, "…", "日本語…" },
        { "日本語のテキスト", 8, "…", "日本語…" }, /* the next one is 2 wide */
        { "abcdef", 2, "...", ".." },              /* the mark itself cut */
        { "", 5, "…", "" },
    };
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        struct strbuf b = STRBUF_INIT;
        layout_cut(&b, slice_cstr(cuts[i].s), cuts[i].cols, cuts[i].mark);
        ck_assert_msg(!strcmp(strbuf_cstr(&b), cuts[i].want),
                      "cut '%s' to %zu: got '%s', want '%s'", cuts[i].s, cuts[i].cols,
                      strbuf_cstr(&b), cuts[i].want);
        ck_assert(layout_width(strbuf_slice(&b)) <= cuts[i].cols);
        strbuf_free(&b);
    }

    static const struct {
        const char *s;
        size_t cols;
        bool right;
        const char *want;
    } cells[] = {
        { "sent", 6, true, "  sent" },  { "sent", 6, false, "sent  " },
        { "日本", 6, false, "日本  " }, { "Microsoft 365", 8, false, "Microso…" },
        { "1,234", 3, true, "1,…" },
    };
    for (size_t i = 0; i < sizeof cells / sizeof *cells; i++) {
        struct strbuf b = STRBUF_INIT;
        layout_cell(&b, slice_cstr(cells[i].s), cells[i].cols, cells[i].right, "…");
        ck_assert_msg(!strcmp(strbuf_cstr(&b), cells[i].want), "cell '%s': got '%s', want '%s'",
                      cells[i].s, strbuf_cstr(&b), cells[i].want);
        strbuf_free(&b);
    }
}
END_TEST

START_TEST(test_wrap_table)
{
    static const struct {
        const char *s;
        size_t width, hang, max;
        const char *want;
    } rows[] = {
        /* fits: unchanged */
        { "short line", 20, 4, 0, "short line\n" },
        /* break at the last space that fits; the spaces there are dropped */
        { "one two three four", 10, 2, 0, "one two\n  three\n  four\n" },
        /* a label's inner spaces and leading indent are kept */
        { "    why:      the reason is long here", 30, 14, 0,
          "    why:      the reason is\n              long here\n" },
        /* a word wider than the line is broken where it must be */
        { "x abcdefghijkl", 6, 0, 0, "x\nabcdef\nghijkl\n" },
        { "abcdefghij", 4, 1, 0, "abcd\n efg\n hij\n" },
        /* wide characters: 2 columns each, never split across the edge */
        { "日本語のテキスト", 7, 0, 0, "日本語\nのテキ\nスト\n" },
        { "ab 日本語 cd", 6, 0, 0, "ab\n日本語\ncd\n" },
        /* at most max lines, the last one cut and marked */
        { "one two three four five six", 10, 2, 2, "one two\n  three f…\n" },
        { "one two three four five six", 10, 0, 1, "one two t…\n" },
        { "one two", 10, 0, 1, "one two\n" },
        /* a break exactly at the edge, trailing spaces, an empty text */
        { "abcde fghij", 5, 0, 0, "abcde\nfghij\n" },
        { "abc   ", 10, 0, 0, "abc\n" },
        { "", 10, 0, 0, "\n" },
        /* hang is cut to half the width below 60 columns, to leave 30 above */
        { "aaaa bbbb cccc", 8, 20, 0, "aaaa\n    bbbb\n    cccc\n" },
        { "aaaa bbbb", 60, 50, 0, "aaaa bbbb\n" },
        { "0123456789012345678901234567890123456789012345678901234567 bbbb", 60, 50, 0,
          "0123456789012345678901234567890123456789012345678901234567\n"
          "                              bbbb\n" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        struct strbuf b = STRBUF_INIT;
        layout_wrap(&b, slice_cstr(rows[i].s), rows[i].width, rows[i].hang, rows[i].max, "…");
        ck_assert_msg(!strcmp(strbuf_cstr(&b), rows[i].want),
                      "row %zu: wrap '%s' at %zu: got\n%s\nwant\n%s", i, rows[i].s, rows[i].width,
                      strbuf_cstr(&b), rows[i].want);
        strbuf_free(&b);
    }
}
END_TEST

/* words - the non-space characters of s in order, spaces and newlines dropped */
static void words(struct strbuf *out, const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\n')
            strbuf_addc(out, *s);
}

START_TEST(test_wrap_random)
{
    /* any text, any width: no line wider than the width, nothing lost or
     * reordered, hanging indent on every line after the first */
    static const char *const pieces[] = {
        "a",        "bb",   "mail",
        "deferred", "日本", "…",
        " ",        "  ",   "http://example.com/a/very/long/path/x"
    };
    unsigned seed = 12345;
    for (int round = 0; round < 3000; round++) {
        struct strbuf in = STRBUF_INIT;
        seed = seed * 1103515245u + 12345u;
        int n = (int)(seed >> 16) % 40;
        for (int k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            strbuf_adds(&in, pieces[(seed >> 16) % (sizeof pieces / sizeof *pieces)]);
        }
        size_t width = 8 + round % 73, hang = (size_t)round % 17;
        struct strbuf out = STRBUF_INIT;
        size_t lines = layout_wrap(&out, strbuf_slice(&in), width, hang, 0, "…");
        size_t got_lines = 0;
        const char *p = strbuf_cstr(&out);
        while (*p) {
            const char *nl = strchr(p, '\n');
            ck_assert_msg(nl != NULL, "round %d: output does not end in a newline", round);
            size_t w = layout_width(slice_make(p, (size_t)(nl - p)));
            ck_assert_msg(w <= width, "round %d: a line of %zu columns at width %zu: '%.*s'", round,
                          w, width, (int)(nl - p), p);
            if (got_lines > 0 && nl > p) {
                size_t hmax = width >= 60 ? width - 30 : width / 2;
                size_t h = hang > hmax ? hmax : hang;
                for (size_t k = 0; k < h; k++)
                    ck_assert_msg(p[k] == ' ', "round %d: continuation without its indent", round);
            }
            got_lines++;
            p = nl + 1;
        }
        ck_assert_uint_eq(lines, got_lines);
        struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
        words(&a, strbuf_cstr(&in));
        words(&b, strbuf_cstr(&out));
        ck_assert_msg(!strcmp(strbuf_cstr(&a), strbuf_cstr(&b)), "round %d: text changed", round);
        strbuf_free(&a);
        strbuf_free(&b);
        strbuf_free(&in);
        strbuf_free(&out);
    }
}
END_TEST

START_TEST(test_count)
{
    static const struct {
        uint64_t n;
        const char *one, *many, *want;
    } rows[] = {
        { 0, "recipient", NULL, "0 recipients" },
        { 1, "recipient", NULL, "1 recipient" },
        { 2, "recipient", NULL, "2 recipients" },
        { 1234567, "message", NULL, "1,234,567 messages" },
        { 1, "queue id", NULL, "1 queue id" },
        { 1000, "queue id", NULL, "1,000 queue ids" },
        { 1, "more host", "more hosts", "1 more host" },
        { 3, "delivery status line", NULL, "3 delivery status lines" },
        { 1, "child", "children", "1 child" },
        { 2, "child", "children", "2 children" },
    };
    char buf[64];
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        ck_assert_str_eq(layout_count(rows[i].n, rows[i].one, rows[i].many, buf, sizeof buf),
                         rows[i].want);
}
END_TEST

START_TEST(test_glyphs)
{
    const struct layout_glyphs *a = layout_glyphs(false), *u = layout_glyphs(true);
    ck_assert(!a->utf8 && u->utf8);
    const char *const ascii[] = { a->ellipsis, a->dash, a->sep };
    for (size_t i = 0; i < sizeof ascii / sizeof *ascii; i++)
        for (const char *p = ascii[i]; *p; p++)
            ck_assert_msg((unsigned char)*p < 0x80, "ASCII glyph '%s' is not ASCII", ascii[i]);
    ck_assert_str_eq(u->ellipsis, "…");
    ck_assert_str_eq(a->ellipsis, "...");
}
END_TEST

/* The locale is decided once per process; Check runs each test in its own
 * fork, so each of these starts undecided. */
START_TEST(test_locale_c)
{
    setenv("LC_ALL", "C", 1);
    ck_assert(!layout_locale_utf8());
}
END_TEST

START_TEST(test_locale_utf8)
{
    unsetenv("LC_ALL");
    unsetenv("LC_CTYPE");
    setenv("LANG", "C.UTF-8", 1);
    ck_assert(layout_locale_utf8());
    /* decided once, and the process's own locale is left alone */
    setenv("LANG", "C", 1);
    ck_assert(layout_locale_utf8());
    ck_assert_str_eq(setlocale(LC_CTYPE, NULL), "C");
}
END_TEST

START_TEST(test_locale_precedence)
{
    /* LC_ALL wins over LANG; a UTF-8 locale that is not installed is taken by its name */
    setenv("LANG", "C.UTF-8", 1);
    setenv("LC_ALL", "xx_NOWHERE.UTF-8", 1);
    ck_assert(layout_locale_utf8());
}
END_TEST

START_TEST(test_locale_latin1)
{
    unsetenv("LC_ALL");
    setenv("LC_CTYPE", "xx_NOWHERE.ISO-8859-1", 1);
    setenv("LANG", "C.UTF-8", 1);
    ck_assert(!layout_locale_utf8());
}
END_TEST

static Suite *layout_suite(void)
{
    Suite *s = suite_create("text_layout");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_char_width);
    tcase_add_test(tc, test_width_fit_cut);
    tcase_add_test(tc, test_wrap_table);
    tcase_add_test(tc, test_wrap_random);
    tcase_add_test(tc, test_count);
    tcase_add_test(tc, test_glyphs);
    suite_add_tcase(s, tc);
    TCase *tl = tcase_create("locale");
    tcase_add_test(tl, test_locale_c);
    tcase_add_test(tl, test_locale_utf8);
    tcase_add_test(tl, test_locale_precedence);
    tcase_add_test(tl, test_locale_latin1);
    suite_add_tcase(s, tl);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(layout_suite());
    srunner_set_fork_status(sr, CK_FORK); /* the locale tests need a fresh process each */
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
