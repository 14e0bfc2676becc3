/*
 * test_conf.c - the pattern-file loader: sections, entries, file:line, and
 * continuation lines (appended as written; a join of two words is refused).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "util/strbuf.h"

/* load - write text to a temporary file and load it; NULL and err on failure */
static struct conf *load(const char *text, char *path, size_t n, struct strbuf *err)
{
    snprintf(path, n, "/tmp/bs-conf-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct conf *c = conf_load_file(path, err);
    unlink(path);
    return c;
}

START_TEST(test_continuations)
{
    static const struct {
        const char *text, *want;
    } rows[] = {
        /* the text after "+ " is appended as written: two spaces give one */
        { "[s x]\nadvice = Sorry mate\n    +  from here\n", "Sorry mate from here" },
        /* a pattern split anywhere */
        { "[s x]\nregex = ^(?<a>\\w+),\n    + (?: b=\\d+)?$\n", "^(?<a>\\w+),(?: b=\\d+)?$" },
        { "[s x]\nregex = foo(\n\t+ ?:bar)\n", "foo(?:bar)" },
        /* punctuation may meet a word */
        { "[s x]\nv = a,\n    + b\n", "a,b" },
        /* a bare "+" adds nothing */
        { "[s x]\nv = abc\n    +\n", "abc" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char path[64];
        struct strbuf err = STRBUF_INIT;
        struct conf *c = load(rows[i].text, path, sizeof path, &err);
        ck_assert_msg(c != NULL, "row %zu: %s", i, strbuf_cstr(&err));
        ck_assert_uint_eq(c->n_sections, 1);
        ck_assert_uint_eq(c->sections[0].n_entries, 1);
        ck_assert_str_eq(c->sections[0].entries[0].value, rows[i].want);
        ck_assert_int_eq(c->sections[0].entries[0].line, 2);
        conf_free(c);
        strbuf_free(&err);
    }
}
END_TEST

START_TEST(test_ambiguous_join)
{
    static const char *const bad[] = {
        "[s x]\nadvice = Sorry mate\n    + from\n",
        "[s x]\nv = abc   \n    + def\n", /* the value's own blanks are dropped */
        "[s x]\nv = 5\n    + 0\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char path[64];
        struct strbuf err = STRBUF_INIT;
        struct conf *c = load(bad[i], path, sizeof path, &err);
        ck_assert_msg(c == NULL, "row %zu loaded, want an error", i);
        char where[80];
        snprintf(where, sizeof where, "%s:3:", path);
        ck_assert_msg(strstr(strbuf_cstr(&err), where) != NULL, "row %zu: '%s' names no %s", i,
                      strbuf_cstr(&err), where);
        ck_assert_ptr_nonnull(strstr(strbuf_cstr(&err), "no space"));
        strbuf_free(&err);
    }
}
END_TEST

START_TEST(test_shipped_tables_load)
{
    /* every shipped table loads under the continuation rule */
    static const char *const names[] = { "reasons.conf",   "phrases.conf",        "stages.conf",
                                         "dsn.conf",       "provider-codes.conf", "blocklists.conf",
                                         "providers.conf", "postfix.conf",        "sendmail.conf",
                                         "exim.conf",      "fingerprint.conf" };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        struct strbuf err = STRBUF_INIT;
        struct conf *c = conf_load_all(names[i], &err);
        ck_assert_msg(c != NULL, "%s: %s", names[i], strbuf_cstr(&err));
        ck_assert_uint_gt(c->n_sections, 0);
        conf_free(c);
        strbuf_free(&err);
    }
}
END_TEST

static Suite *conf_suite(void)
{
    Suite *s = suite_create("conf");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_continuations);
    tcase_add_test(tc, test_ambiguous_join);
    tcase_add_test(tc, test_shipped_tables_load);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(conf_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
