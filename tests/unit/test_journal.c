/*
 * test_journal.c - unit tests for the journal reader (src/journal.c).
 *
 * Real journal files are built from journal export format with
 * systemd-journal-remote (Debian package systemd-journal-remote, installed
 * by ./bootstrap.sh test) - no running systemd is needed. Without the tool
 * the tests fail: they would otherwise prove nothing.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define JOURNAL_REMOTE "/lib/systemd/systemd-journal-remote"

static char scratch[256];
static char journal_path[300];

static void setup(void)
{
    snprintf(scratch, sizeof scratch, "/tmp/bs-test-journal-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(scratch));
    snprintf(journal_path, sizeof journal_path, "%s/mail.journal", scratch);
    setenv("TZ", "UTC", 1);
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (system(cmd) != 0)
        ck_abort_msg("could not remove %s", scratch);
}

/* append - write export-format entries and append them to the journal file */
static void append(const struct strbuf *export_text)
{
    ck_assert_msg(access(JOURNAL_REMOTE, X_OK) == 0,
                  JOURNAL_REMOTE " is missing (apt-get install systemd-journal-remote)");
    char exp[320], cmd[1024];
    snprintf(exp, sizeof exp, "%s/part.export", scratch);
    FILE *f = fopen(exp, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(export_text->s, 1, export_text->len, f), export_text->len);
    fclose(f);
    snprintf(cmd, sizeof cmd, JOURNAL_REMOTE " --output='%s' '%s' 2>/dev/null", journal_path, exp);
    ck_assert_int_eq(system(cmd), 0);
}

/* entry - one export-format entry; fields "" are left out */
static void entry(struct strbuf *b, unsigned long long usec, const char *ident, const char *unit,
                  const char *comm, const char *msg)
{
    strbuf_addf(b, "__REALTIME_TIMESTAMP=%llu\n_HOSTNAME=mx1.example.net\n_PID=4242\n", usec);
    if (*ident)
        strbuf_addf(b, "SYSLOG_IDENTIFIER=%s\n", ident);
    if (*unit)
        strbuf_addf(b, "_SYSTEMD_UNIT=%s\n", unit);
    if (*comm)
        strbuf_addf(b, "_COMM=%s\n", comm);
    if (!strchr(msg, '\n')) {
        strbuf_addf(b, "MESSAGE=%s\n\n", msg);
        return;
    }
    /* a value with a line break: the binary form, name NL, 64-bit LE length, data NL */
    strbuf_adds(b, "MESSAGE\n");
    unsigned long long n = strlen(msg);
    for (int i = 0; i < 8; i++)
        strbuf_addc(b, (char)(n >> (8 * i)));
    strbuf_adds(b, msg);
    strbuf_adds(b, "\n\n");
}

/* read_lines - every line the reader gives from where it stands, joined by '\n' */
static void read_lines(struct journal_reader *j, struct strbuf *out)
{
    struct slice line;
    while (journal_next(j, &line)) {
        strbuf_add(out, line.p, line.n);
        strbuf_addc(out, '\n');
    }
    ck_assert_ptr_null(journal_error(j));
}

static struct journal_reader *open_file(void)
{
    const char *files[] = { journal_path };
    struct journal_source src = { .files = files, .n_files = 1 };
    struct strbuf err = STRBUF_INIT;
    struct journal_reader *j = journal_open(&src, &err);
    ck_assert_msg(j != NULL, "open: %s", strbuf_cstr(&err));
    strbuf_free(&err);
    return j;
}

START_TEST(test_mail_entries_as_lines)
{
    struct strbuf b = STRBUF_INIT;
    entry(&b, 1700000000000001ULL, "postfix/smtp", "postfix@-.service", "smtp",
          "4C7A21F0B3: to=<a@example.org>, status=sent (250 ok)");
    entry(&b, 1700000001000000ULL, "sshd", "ssh.service", "sshd", "Accepted publickey");
    entry(&b, 1700000002000000ULL, "sm-mta", "", "", "w9J7aO12345: to=<b@example.org>, stat=Sent");
    entry(&b, 1700000003000000ULL, "", "exim4.service", "exim4", "1tt1Jd-0000Xt-J1 Completed");
    entry(&b, 1700000004000000ULL, "postfix-out/qmgr", "", "", "first\nsecond");
    entry(&b, 1700000005000000ULL, "postfixer-not", "", "", "a program named like postfix");
    entry(&b, 1700000006000000ULL, "cron", "cron.service", "cron", "(root) CMD (true)");
    append(&b);
    struct journal_reader *j = open_file();
    char want_name[400];
    snprintf(want_name, sizeof want_name, "journal:%s", journal_path);
    ck_assert_str_eq(journal_name(j), want_name);
    struct strbuf err = STRBUF_INIT;
    ck_assert_int_eq(journal_seek(j, NULL, 0, &err), JOURNAL_FROM_START);
    struct strbuf got = STRBUF_INIT;
    read_lines(j, &got);
    const char *want =
        "2023-11-14T22:13:20.000001+00:00 mx1.example.net postfix/smtp[4242]: 4C7A21F0B3: "
        "to=<a@example.org>, status=sent (250 ok)\n"
        "2023-11-14T22:13:22.000000+00:00 mx1.example.net sm-mta[4242]: w9J7aO12345: "
        "to=<b@example.org>, stat=Sent\n"
        "2023-11-14T22:13:23.000000+00:00 mx1.example.net exim4[4242]: 1tt1Jd-0000Xt-J1 "
        "Completed\n"
        "2023-11-14T22:13:24.000000+00:00 mx1.example.net postfix-out/qmgr[4242]: first second\n"
        "2023-11-14T22:13:25.000000+00:00 mx1.example.net postfixer-not[4242]: a program named "
        "like postfix\n";
    ck_assert_msg(strcmp(got.s, want) == 0, "got:\n%s\nwant:\n%s", got.s, want);
    ck_assert_uint_eq(journal_entries(j), 5);
    ck_assert_uint_eq(journal_entries_seen(j), 7);
    journal_close(j);
    strbuf_free(&b);
    strbuf_free(&got);
    strbuf_free(&err);
}
END_TEST

START_TEST(test_cursor_resumes_after_append)
{
    struct strbuf b = STRBUF_INIT;
    for (int i = 0; i < 6; i++)
        entry(&b, 1700000000000000ULL + (unsigned long long)i * 1000000, "postfix/smtp", "", "",
              i % 2 ? "odd" : "even");
    append(&b);
    struct journal_reader *j = open_file();
    struct strbuf err = STRBUF_INIT;
    ck_assert_int_eq(journal_seek(j, "", 0, &err), JOURNAL_FROM_START);
    struct slice line;
    ck_assert(journal_next(j, &line));
    ck_assert(journal_next(j, &line));
    char *cursor = xstrdup(journal_cursor(j));
    uint64_t when = journal_realtime(j);
    ck_assert_uint_eq(when, 1700000001000000ULL);
    ck_assert(*cursor);
    journal_close(j);

    /* more entries arrive; the next run starts after the cursor */
    strbuf_reset(&b);
    entry(&b, 1700000010000000ULL, "exim4", "", "", "appended");
    append(&b);
    j = open_file();
    ck_assert_int_eq(journal_seek(j, cursor, when, &err), JOURNAL_AT_CURSOR);
    struct strbuf got = STRBUF_INIT;
    read_lines(j, &got);
    ck_assert_uint_eq(journal_entries(j), 5);
    ck_assert_msg(strncmp(got.s, "2023-11-14T22:13:22.000000+00:00", 32) == 0, "first line: %s",
                  got.s);
    ck_assert_msg(strstr(got.s, "exim4[4242]: appended\n") != NULL, "appended entry: %s", got.s);
    /* at the end, the cursor is the last entry's: nothing more to read */
    char *end_cursor = xstrdup(journal_cursor(j));
    journal_close(j);
    j = open_file();
    ck_assert_int_eq(journal_seek(j, end_cursor, 0, &err), JOURNAL_AT_CURSOR);
    ck_assert(!journal_next(j, &line));
    journal_close(j);
    free(cursor);
    free(end_cursor);
    strbuf_free(&b);
    strbuf_free(&got);
    strbuf_free(&err);
}
END_TEST

START_TEST(test_cursor_gone_reads_after_time)
{
    struct strbuf b = STRBUF_INIT;
    for (int i = 0; i < 4; i++)
        entry(&b, 1700000000000000ULL + (unsigned long long)i * 1000000, "postfix/smtp", "", "",
              "x");
    append(&b);
    struct journal_reader *j = open_file();
    struct strbuf err = STRBUF_INIT;
    /* a cursor of a journal that is gone (another file id / vacuumed) */
    const char *gone = "s=0123456789abcdef0123456789abcdef;i=99;b=0123456789abcdef0123456789abcdef;"
                       "m=1;t=5fb3ab4e3f000;x=1";
    ck_assert_int_eq(journal_seek(j, gone, 1700000001000000ULL, &err), JOURNAL_CURSOR_GONE);
    struct strbuf got = STRBUF_INIT;
    read_lines(j, &got);
    /* only the entries after the stored time */
    ck_assert_uint_eq(journal_entries(j), 2);
    ck_assert_msg(strncmp(got.s, "2023-11-14T22:13:22.000000", 26) == 0, "first after the time: %s",
                  got.s);
    journal_close(j);
    strbuf_free(&b);
    strbuf_free(&got);
    strbuf_free(&err);
}
END_TEST

START_TEST(test_open_errors_and_programs)
{
    const char *files[] = { "/nonexistent/bs.journal" };
    struct journal_source src = { .files = files, .n_files = 1 };
    struct strbuf err = STRBUF_INIT;
    struct journal_reader *j = journal_open(&src, &err);
    if (j) {
        /* sd-journal may open an empty set of files; then it reads nothing */
        struct slice line;
        ck_assert(!journal_next(j, &line));
        journal_close(j);
    } else {
        ck_assert_msg(strstr(strbuf_cstr(&err), "/nonexistent/bs.journal") != NULL, "err: %s",
                      strbuf_cstr(&err));
    }
    static const struct {
        const char *name;
        bool mail;
    } cases[] = {
        { "postfix/smtp", true }, { "postfix-out/smtp", true },
        { "postfix", true },      { "sendmail", true },
        { "sm-mta", true },       { "sm-msp-queue", true },
        { "exim4", true },        { "exim", true },
        { "eximstats", false },   { "sshd", false },
        { "smtp", false },        { "", false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(journal_is_mail_program(slice_cstr(cases[i].name)) == cases[i].mail,
                      "%s: got %d, want %d", cases[i].name, !cases[i].mail, cases[i].mail);
    strbuf_free(&err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("journal");
    TCase *tc = tcase_create("journal");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_mail_entries_as_lines);
    tcase_add_test(tc, test_cursor_resumes_after_append);
    tcase_add_test(tc, test_cursor_gone_reads_after_time);
    tcase_add_test(tc, test_open_errors_and_programs);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
