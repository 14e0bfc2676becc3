/*
 * test_escape.c - the terminal escaper (escape.c text_safe, text_safe_ascii):
 * no C0 or C1 control, no bidi override and no invalid UTF-8 gets through;
 * ordinary text in any script does, unchanged. NUL stays visible (\0); CSV,
 * JSON and HTML carry no control character either.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

static const struct {
    const char *in, *want, *want_ascii;
} rows[] = {
    { "plain text", "plain text", "plain text" },
    { "", "", "" },
    /* C0 controls and DEL: ESC, BEL, TAB, LF, CR, NUL is not reachable in a C string */
    { "a\x1b[2Jb", "a?[2Jb", "a?[2Jb" },
    { "t\x1b]0;owned\x07", "t?]0;owned?", "t?]0;owned?" },
    { "a\tb\nc\rd\x7f", "a?b?c?d?", "a?b?c?d?" },
    /* C1 controls as UTF-8: U+009B (CSI), U+0085 (NEL), U+0080, U+009F */
    { "no \xc2\x9b"
      "31m such",
      "no ?31m such", "no ?31m such" },
    { "\xc2\x85\xc2\x80\xc2\x9f", "???", "???" },
    /* the first character after C1 is printable again */
    { "\xc2\xa0x", "\xc2\xa0x", " x" },
    /* bidi overrides and isolates */
    { "a\xe2\x80\xae"
      "b\xe2\x81\xa6"
      "c",
      "a?b?c", "a?b?c" },
    /* invalid UTF-8: a lone continuation byte, a cut sequence, an overlong NUL,
     * a surrogate, a raw C1 byte */
    { "x\x80y", "x\xef\xbf\xbdy", "x?y" },
    { "x\xe6\x97", "x\xef\xbf\xbd\xef\xbf\xbd", "x??" },
    { "\xc0\x80", "\xef\xbf\xbd\xef\xbf\xbd", "??" },
    { "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "???" },
    { "\x9b"
      "2J",
      "\xef\xbf\xbd"
      "2J",
      "?2J" },
    /* ordinary text in other scripts stays */
    { "日本語のメール", "日本語のメール", "???????" },
    { "Grüße — …", "Grüße — …", "Gr??e - ..." },
    /* punctuation has an ASCII look-alike */
    { "\xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x80\x98x\xe2\x80\x99 a\xc2\xa0"
      "b 1\xe2\x80\x93"
      "2",
      "\xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x80\x98x\xe2\x80\x99 a\xc2\xa0"
      "b 1\xe2\x80\x93"
      "2",
      "\"quoted\" 'x' a b 1-2" },
    { "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", "?" },
};

START_TEST(test_table)
{
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
        text_safe(&a, slice_cstr(rows[i].in));
        text_safe_ascii(&b, slice_cstr(rows[i].in));
        ck_assert_msg(!strcmp(strbuf_cstr(&a), rows[i].want),
                      "row %zu: text_safe got '%s', want '%s'", i, strbuf_cstr(&a), rows[i].want);
        ck_assert_msg(!strcmp(strbuf_cstr(&b), rows[i].want_ascii),
                      "row %zu: text_safe_ascii got '%s', want '%s'", i, strbuf_cstr(&b),
                      rows[i].want_ascii);
        strbuf_free(&a);
        strbuf_free(&b);
    }
}
END_TEST

/* no_control - s has no C0 control, DEL, or UTF-8 encoded C1 control, and is valid UTF-8 */
static bool no_control(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        if (p[i] < 0x20 || p[i] == 0x7f)
            return false;
        if (p[i] == 0xC2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F)
            return false;
        size_t len = utf8_valid_len(p + i, n - i);
        if (!len)
            return false;
        i += len;
    }
    return true;
}

START_TEST(test_every_byte_pair)
{
    /* every two-byte input and a few three-byte ones: the output is clean */
    unsigned char in[3];
    for (unsigned a = 0; a < 256; a++) {
        for (unsigned b = 0; b < 256; b++) {
            in[0] = (unsigned char)a, in[1] = (unsigned char)b, in[2] = 0x9B;
            struct strbuf o = STRBUF_INIT, oa = STRBUF_INIT;
            text_safe(&o, slice_make((const char *)in, 3));
            text_safe_ascii(&oa, slice_make((const char *)in, 3));
            ck_assert_msg(no_control(o.s, o.len), "%02x %02x 9b: control in the output", a, b);
            for (size_t k = 0; k < oa.len; k++)
                ck_assert_msg((unsigned char)oa.s[k] >= 0x20 && (unsigned char)oa.s[k] < 0x7f,
                              "%02x %02x 9b: ASCII output has byte %02x", a, b,
                              (unsigned char)oa.s[k]);
            /* escaping twice changes nothing: the writers may escape laid-out text again */
            struct strbuf o2 = STRBUF_INIT;
            text_safe(&o2, strbuf_slice(&o));
            ck_assert(o2.len == o.len && !memcmp(o2.s, o.s, o.len));
            strbuf_free(&o);
            strbuf_free(&oa);
            strbuf_free(&o2);
        }
    }
}
END_TEST

/* esc - one escaper's output for the n bytes at in, as a C string (static buffer) */
static const char *esc(void (*fn)(struct strbuf *, struct slice), const char *in, size_t n)
{
    static char buf[256];
    struct strbuf o = STRBUF_INIT;
    fn(&o, slice_make(in, n));
    snprintf(buf, sizeof buf, "%s", strbuf_cstr(&o));
    strbuf_free(&o);
    return buf;
}

START_TEST(test_nul_and_the_other_formats)
{
    /* NUL is kept visible as \0 on a terminal and in CSV (a recipient "a\0b" is not
     * cut to "a"); CSV cells are valid UTF-8 with no control but TAB; JSON and HTML
     * carry no C1 control or bidi override either */
    static const char in[] = "a\0b\x1b[2J\xc2\x9b\xe2\x80\xae\xff\tc\rd";
    size_t n = sizeof in - 1;
    const struct {
        void (*fn)(struct strbuf *, struct slice);
        const char *want;
    } cases[] = {
        { text_safe, "a\\0b?[2J??\xef\xbf\xbd?c?d" },
        { text_safe_ascii, "a\\0b?[2J????c?d" },
        { csv_field, "\"a\\0b?[2J??\xef\xbf\xbd\tc?d\"" },
        { json_string, "\"a\\u0000b\\u001b[2J\\u009b\\u202e\xef\xbf\xbd\\tc\\rd\"" },
        { html_text, "a?b?[2J??\xef\xbf\xbd&#9;c?d" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *got = esc(cases[i].fn, in, n);
        ck_assert_msg(!strcmp(got, cases[i].want), "row %zu: got '%s', want '%s'", i, got,
                      cases[i].want);
    }
    /* a CSV cell of printable ASCII is copied; a formula is neutralised */
    ck_assert_str_eq(esc(csv_field, "plain", 5), "plain");
    ck_assert_str_eq(esc(csv_field, "=1+1", 4), "\"'=1+1\"");
    ck_assert_str_eq(esc(csv_field, "a\"b", 3), "\"a\"\"b\"");
    ck_assert_str_eq(esc(csv_field, "a,\xc3\xa9", 4), "\"a,\xc3\xa9\"");
}
END_TEST

static Suite *escape_suite(void)
{
    Suite *s = suite_create("escape");
    TCase *tc = tcase_create("terminal");
    tcase_add_test(tc, test_table);
    tcase_add_test(tc, test_every_byte_pair);
    tcase_add_test(tc, test_nul_and_the_other_formats);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(escape_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
