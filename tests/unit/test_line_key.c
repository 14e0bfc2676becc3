/*
 * test_line_key.c - unit tests for the line identity (src/line_key.c).
 *
 * Keys are stored in the history: the pinned values below must only change on
 * purpose (every stored line would read as new again).
 */
#include <check.h>
#include <string.h>

#include "line_key.h"

static const char *const msg = "4C7A21F0B3: to=<a@example.org>, status=sent (250 ok)";

START_TEST(test_pinned)
{
    static const struct {
        const char *text;
        uint64_t want;
    } hashes[] = {
        { "", 0x9ca066f1a4ab2eeaULL },
        { "abcdefg", 0xedb24a009947bf29ULL },
        { "4C7A21F0B3: to=<a@example.org>, status=sent (250 ok)", 0xb11ee9bb0624db32ULL },
    };
    for (size_t i = 0; i < sizeof hashes / sizeof *hashes; i++) {
        uint64_t got = line_text_hash(slice_cstr(hashes[i].text));
        ck_assert_msg(got == hashes[i].want, "hash of '%s': got %016llx, want %016llx",
                      hashes[i].text, (unsigned long long)got, (unsigned long long)hashes[i].want);
    }
    struct line_id id = { .when = 1700000000, .text = line_text_hash(slice_cstr(msg)) };
    ck_assert_msg(line_key(&id, id.when) == 0x5db2f58d8db51998ULL, "key got %016llx",
                  (unsigned long long)line_key(&id, id.when));
    id.occurrence = 1;
    ck_assert_msg(line_key(&id, id.when) == 0xa70fa9d0483f5a19ULL, "key (2nd) got %016llx",
                  (unsigned long long)line_key(&id, id.when));
}
END_TEST

START_TEST(test_key_tells_apart)
{
    struct line_id a = { .when = 1700000000, .text = line_text_hash(slice_cstr(msg)) };
    struct line_id b = a;
    b.text = line_text_hash(slice_cstr("4C7A21F0B3: to=<b@example.org>, status=sent (250 ok)"));
    ck_assert(line_key(&a, a.when) != line_key(&b, b.when));
    ck_assert(line_key(&a, a.when) != line_key(&a, a.when + 1));
    struct line_id c = a;
    c.occurrence = 1;
    ck_assert(line_key(&a, a.when) != line_key(&c, c.when));
    /* every byte counts, at every position of the 8-byte words and the tail */
    char buf[40];
    memset(buf, 'x', sizeof buf);
    uint64_t base = line_text_hash(slice_make(buf, sizeof buf));
    for (size_t i = 0; i < sizeof buf; i++) {
        buf[i] = 'y';
        ck_assert_msg(line_text_hash(slice_make(buf, sizeof buf)) != base, "byte %zu ignored", i);
        buf[i] = 'x';
    }
    ck_assert(line_text_hash(slice_make(buf, 39)) != base);
}
END_TEST

START_TEST(test_occurrences)
{
    static struct line_occurrences o; /* static: zeroed, as the pipeline's is */
    line_occurrences_reset(&o);
    ck_assert_uint_eq(line_occurrence(&o, 100, 7), 0);
    ck_assert_uint_eq(line_occurrence(&o, 100, 8), 0);
    ck_assert_uint_eq(line_occurrence(&o, 100, 7), 1);
    ck_assert_uint_eq(line_occurrence(&o, 100, 7), 2);
    ck_assert_uint_eq(line_occurrence(&o, 101, 7), 0); /* a new second */
    ck_assert_uint_eq(line_occurrence(&o, 101, 7), 1);
    line_occurrences_reset(&o); /* a new input */
    ck_assert_uint_eq(line_occurrence(&o, 101, 7), 0);
    /* a flood of distinct messages in one second: no probing forever, firsts */
    for (uint64_t t = 1; t <= 2 * LINE_OCC_SLOTS; t++)
        ck_assert_uint_eq(line_occurrence(&o, 102, t * 0x9e3779b97f4a7c15ULL), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("line_key");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_pinned);
    tcase_add_test(tc, test_key_tells_apart);
    tcase_add_test(tc, test_occurrences);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
