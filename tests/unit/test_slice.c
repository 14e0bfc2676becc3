/*
 * test_slice.c - slices and the helpers over them, on hostile input.
 *
 * Numbers come from logs: slice_to_int must saturate rather than overflow
 * (signed overflow is undefined behaviour: the ASan+UBSan builds abort with
 * -fno-sanitize-recover). An empty slice may have a NULL pointer (a field a
 * record never had): helpers must not do arithmetic or call mem* on it.
 */
#include <check.h>
#include <limits.h>
#include <stdlib.h>

#include "delivery.h"
#include "util/slice.h"

START_TEST(test_to_int_saturates)
{
    static const struct {
        const char *in;
        long long want;
    } cases[] = {
        { "", 0 },
        { "x12", 0 },
        { "4521", 4521 },
        { "4521, nrcpt=1", 4521 },
        { "9223372036854775806", LLONG_MAX - 1 },
        { "9223372036854775807", LLONG_MAX },
        { "9223372036854775808", LLONG_MAX },
        { "99999999999999999999", LLONG_MAX },
        { "00000000000000000000000000042", 42 },
        { "1844674407370955161600000000000000000000", LLONG_MAX },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        long long got = slice_to_int(slice_cstr(cases[i].in));
        ck_assert_msg(got == cases[i].want, "'%s': got %lld, want %lld", cases[i].in, got,
                      cases[i].want);
    }
}
END_TEST

START_TEST(test_null_empty_slices)
{
    struct slice none = { NULL, 0 }; /* what mta_record_clear leaves in a field */
    struct slice d = recipient_domain(none);
    ck_assert_msg(d.n == 0 && d.p != NULL,
                  "recipient_domain of an empty field: got (%p, %zu), "
                  "want an empty slice with a valid pointer",
                  (const void *)d.p, d.n);
    d = recipient_domain(slice_cstr("user@example.jp"));
    ck_assert(slice_eq_cstr(d, "example.jp"));
    d = recipient_domain(slice_cstr("MAILER-DAEMON"));
    ck_assert(d.n == 0 && d.p != NULL);
    ck_assert(slice_find(none, "x") == NULL);
    ck_assert(slice_starts(none, ""));
    ck_assert(!slice_starts(none, "x"));
    ck_assert(slice_eq(none, SLICE_EMPTY));
    ck_assert_int_eq(slice_to_int(none), 0);
    ck_assert(slice_trim(none).n == 0);
    size_t pos = 0;
    struct slice addr;
    ck_assert(!delivery_next_recipient(none, &pos, &addr));
    /* nested <>, a display name with <> inside its quotes, a list */
    static const char *lists[][4] = {
        { "<<a@x.org>>", "a@x.org", NULL },
        { "\"Joe <x>\" <a@x.org>", "a@x.org", NULL },
        { "Joe Bloggs <a@x.org>, <b@y.org>", "a@x.org", "b@y.org", NULL },
        { "<sb4@d.com>,<g@d.com>", "sb4@d.com", "g@d.com", NULL },
        { "root", "root", NULL },
        /* quoted local parts with commas, <> and quotes inside quotes, with and without <> */
        { "<\"a,b\"@x.org>, c@y.org", "\"a,b\"@x.org", "c@y.org", NULL },
        { "\"a,b\"@x.org, c@y.org", "\"a,b\"@x.org", "c@y.org", NULL },
        { "<\"a>b\"@x.org>,<c@y.org>", "\"a>b\"@x.org", "c@y.org", NULL },
        { "<\"<a,b>\"@x.org>", "\"<a,b>\"@x.org", NULL },
        { "\"<a,b>\"@x.org", "\"<a,b>\"@x.org", NULL },
        { "\"Joe, Jr.\" <a@x.org>, b@y.org", "a@x.org", "b@y.org", NULL },
        { "Joe <\"a,b\"@x.org>, <<c@y.org>>", "\"a,b\"@x.org", "c@y.org", NULL },
        /* a domain a poster cut out ("to=<bob@<cutout>>" after its outer <> went) */
        { "bob@<cutout>", "bob@<cutout>", NULL },
        { "<bob@<cutout>>, c@y.org", "bob@<cutout>", "c@y.org", NULL },
        /* unterminated: the rest of the list is the address */
        { "<a@x.org", "a@x.org", NULL },
        { "<\"a>@x.org", "\"a>@x.org", NULL },
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        pos = 0;
        for (size_t k = 1; lists[i][k]; k++) {
            ck_assert(delivery_next_recipient(slice_cstr(lists[i][0]), &pos, &addr));
            ck_assert_msg(slice_eq_cstr(addr, lists[i][k]), "%s: item %zu is \"%.*s\"", lists[i][0],
                          k, (int)addr.n, addr.p);
        }
        ck_assert(!delivery_next_recipient(slice_cstr(lists[i][0]), &pos, &addr));
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("slice");
    TCase *tc = tcase_create("slice");
    tcase_add_test(tc, test_to_int_saturates);
    tcase_add_test(tc, test_null_empty_slices);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
