/*
 * test_log_hosts.c - the mail hosts a log came from (log_hosts.c): counts per
 * host, order, the bound on kept names, long names.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log_hosts.h"

START_TEST(test_counts_and_order)
{
    static const char *const lines[] = { "mx1", "mx1", "mx2", "",    "mx1", "mx3",
                                         "mx2", "mx2", "mx2", "mx3", "" };
    struct log_hosts h;
    memset(&h, 0, sizeof h);
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        log_hosts_note(&h, slice_cstr(lines[i]));
    ck_assert_uint_eq(h.n, 3);
    ck_assert_uint_eq(h.other_lines, 0);
    size_t idx[LOG_HOSTS_MAX];
    ck_assert_uint_eq(log_hosts_sorted(&h, idx), 3);
    static const struct {
        const char *name;
        uint64_t lines;
    } want[] = { { "mx2", 4 }, { "mx1", 3 }, { "mx3", 2 } };
    for (size_t i = 0; i < 3; i++) {
        ck_assert_str_eq(h.host[idx[i]].name, want[i].name);
        ck_assert_uint_eq(h.host[idx[i]].lines, want[i].lines);
    }
}
END_TEST

START_TEST(test_bound)
{
    struct log_hosts h;
    memset(&h, 0, sizeof h);
    char name[32];
    for (int i = 0; i < LOG_HOSTS_MAX + 5; i++) {
        snprintf(name, sizeof name, "host%d.example", i);
        log_hosts_note(&h, slice_cstr(name));
        log_hosts_note(&h, slice_cstr(name));
    }
    log_hosts_note(&h, slice_cstr("host0.example")); /* a kept one still counts */
    ck_assert_uint_eq(h.n, LOG_HOSTS_MAX);
    ck_assert_uint_eq(h.other_lines, 10);
    ck_assert_uint_eq(h.host[0].lines, 3);
    size_t idx[LOG_HOSTS_MAX];
    log_hosts_sorted(&h, idx);
    ck_assert_str_eq(h.host[idx[0]].name, "host0.example");
    ck_assert_str_eq(h.host[idx[1]].name, "host1.example"); /* ties: first seen first */
}
END_TEST

START_TEST(test_long_name)
{
    struct log_hosts h;
    memset(&h, 0, sizeof h);
    char name[LOG_HOST_NAME_MAX + 50];
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    log_hosts_note(&h, slice_cstr(name));
    name[LOG_HOST_NAME_MAX + 10] = '\0'; /* another name with the same first bytes */
    log_hosts_note(&h, slice_cstr(name));
    ck_assert_uint_eq(h.n, 1);
    ck_assert_uint_eq(h.host[0].len, LOG_HOST_NAME_MAX);
    ck_assert_uint_eq(strlen(h.host[0].name), LOG_HOST_NAME_MAX);
    ck_assert_uint_eq(h.host[0].lines, 2);
}
END_TEST

static Suite *hosts_suite(void)
{
    Suite *s = suite_create("log_hosts");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_counts_and_order);
    tcase_add_test(tc, test_bound);
    tcase_add_test(tc, test_long_name);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(hosts_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
