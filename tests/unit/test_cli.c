/*
 * test_cli.c - the command line and the config file (cli.c).
 *
 * Table of command lines -> the fields they must set or the usage error they
 * must give; config files written to a temporary directory.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "pipeline.h"

#define MAXARGS 16

static int parse(struct options *o, const char *line)
{
    static char buf[1024];
    char *argv[MAXARGS];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", line);
    argv[argc++] = "bouncescope";
    for (char *t = strtok(buf, " "); t && argc < MAXARGS - 1; t = strtok(NULL, " "))
        argv[argc++] = t;
    argv[argc] = NULL;
    return cli_parse(argc, argv, o);
}

START_TEST(test_forms)
{
    struct options o;
    ck_assert_int_eq(parse(&o, "scan --format=csv -o out.csv --detail --top 5 a.log b.log"),
                     EXIT_OK);
    ck_assert_str_eq(o.command, "scan");
    ck_assert_str_eq(o.format, "csv");
    ck_assert_str_eq(o.output, "out.csv");
    ck_assert(o.detail);
    ck_assert_int_eq(o.top, 5);
    ck_assert_uint_eq(o.n_args, 2);
    ck_assert_str_eq(o.args[1], "b.log");
    cli_options_free(&o);

    /* options after arguments, repeatable options, "-" as an argument, "--" */
    ck_assert_int_eq(parse(&o, "check - --dns-server 127.0.0.1:5353 --dns-server ::1 -- --odd"),
                     EXIT_OK);
    ck_assert_uint_eq(o.n_dns_servers, 2);
    ck_assert_str_eq(o.dns_servers[1], "::1");
    ck_assert_uint_eq(o.n_args, 2);
    ck_assert_str_eq(o.args[0], "-");
    ck_assert_str_eq(o.args[1], "--odd");
    cli_options_free(&o);
}
END_TEST

START_TEST(test_options_before_command)
{
    /* as git users type: options first, then the command */
    struct options o;
    ck_assert_int_eq(parse(&o, "--no-db --format csv scan maillog"), EXIT_OK);
    ck_assert_str_eq(o.command, "scan");
    ck_assert(o.no_db);
    ck_assert_str_eq(o.format, "csv");
    ck_assert_uint_eq(o.n_args, 1);
    ck_assert_str_eq(o.args[0], "maillog");
    cli_options_free(&o);
    ck_assert_int_eq(parse(&o, "-q --journal-file a.journal --journal-file b.journal scan"),
                     EXIT_OK);
    ck_assert_str_eq(o.command, "scan");
    ck_assert(o.quiet);
    ck_assert_uint_eq(o.n_journal_files, 2);
    ck_assert_str_eq(o.journal_files[1], "b.journal");
    ck_assert_uint_eq(o.n_args, 0);
    cli_options_free(&o);
    ck_assert_int_eq(parse(&o, "--no-db frobnicate x"), EXIT_USAGE);
    cli_options_free(&o);
}
END_TEST

START_TEST(test_day)
{
    /* one calendar day, midnight to midnight in the local zone (TZ=UTC here, and a
     * DST zone for the 23- and 25-hour days) */
    int64_t since, until, now = 1764806400 + 3600 * 15; /* 2025-12-04 15:00 UTC */
    setenv("TZ", "UTC", 1);
    tzset();
    ck_assert_int_eq(parse_day_arg("yesterday", now, &since, &until), 0);
    ck_assert_int_eq(since, 1764720000); /* 2025-12-03 00:00 */
    ck_assert_int_eq(until, 1764806400);
    ck_assert_int_eq(parse_day_arg("today", now, &since, &until), 0);
    ck_assert_int_eq(since, 1764806400);
    ck_assert_int_eq(parse_day_arg("2026-03-01", now, &since, &until), 0);
    ck_assert_int_eq(until - since, 86400);
    ck_assert_int_eq(parse_day_arg("2026-13-01", now, &since, &until), -1);
    ck_assert_int_eq(parse_day_arg("tomorrow", now, &since, &until), -1);
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    if (access("/usr/share/zoneinfo/Europe/Berlin", F_OK) == 0) {
        ck_assert_int_eq(parse_day_arg("2026-03-29", now, &since, &until), 0);
        ck_assert_int_eq(until - since, 23 * 3600);
        ck_assert_int_eq(parse_day_arg("2026-10-25", now, &since, &until), 0);
        ck_assert_int_eq(until - since, 25 * 3600);
    }
    setenv("TZ", "UTC", 1);
    tzset();
    struct options o;
    ck_assert_int_eq(parse(&o, "report --day yesterday"), EXIT_OK);
    ck_assert_str_eq(o.day, "yesterday");
    cli_options_free(&o);
}
END_TEST

START_TEST(test_errors)
{
    static const char *const bad[] = {
        "scan --bogus",           /* unknown option */
        "scan --format pdf",      /* not a format */
        "scan --top",             /* missing value */
        "scan --top x",           /* not a number */
        "scan --year 1800",       /* out of range */
        "scan --detail=yes",      /* a flag takes no value */
        "frobnicate",             /* unknown command */
        "check --dqs-key secret", /* config-only */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct options o;
        int rc = parse(&o, bad[i]);
        ck_assert_msg(rc == EXIT_USAGE, "'%s': got %d, want EXIT_USAGE", bad[i], rc);
        cli_options_free(&o);
    }
}
END_TEST

START_TEST(test_help)
{
    struct options o;
    ck_assert_int_eq(parse(&o, "scan --help"), EXIT_OK);
    ck_assert_str_eq(o.command, "help");
    ck_assert_uint_eq(o.n_args, 1);
    ck_assert_str_eq(o.args[0], "scan");
    cli_options_free(&o);
    ck_assert_int_eq(parse(&o, ""), EXIT_OK);
    ck_assert_str_eq(o.command, "help");
    cli_options_free(&o);
}
END_TEST

START_TEST(test_help_unknown)
{
    static const struct {
        const char *line;
        int want;
    } rows[] = {
        { "help nosuch", EXIT_USAGE }, { "nosuch --help", EXIT_USAGE },
        { "help scan", EXIT_OK },      { "help help", EXIT_OK },
        { "help --man", EXIT_OK },     { "help --completion", EXIT_OK },
        { "check --help", EXIT_OK },   { "help --markdown", EXIT_OK },
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        struct options o;
        int rc = parse(&o, rows[i].line);
        ck_assert_msg(rc == rows[i].want, "'%s': got %d, want %d", rows[i].line, rc, rows[i].want);
        cli_options_free(&o);
    }
}
END_TEST

static char *write_config(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/bs-cli-%ld.conf", (long)getpid());
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

START_TEST(test_config)
{
    char line[256];
    char *path = write_config("# comment\n"
                              "our-ip = 192.0.2.1\n"
                              "our-ip = 192.0.2.2\n"
                              "no-dns\n"
                              "quiet = no\n"
                              "format = csv\n"
                              "dqs-key = abc123\n"
                              "top = 7\n");
    struct options o;
    snprintf(line, sizeof line, "scan --config %s --top 3 x.log", path);
    ck_assert_int_eq(parse(&o, line), EXIT_OK);
    ck_assert_uint_eq(o.n_our_ips, 2);
    ck_assert_str_eq(o.our_ips[1], "192.0.2.2");
    ck_assert(o.no_dns);
    ck_assert(!o.quiet); /* "quiet = no" leaves the flag off */
    ck_assert_str_eq(o.format, "csv");
    ck_assert_str_eq(o.dqs_key, "abc123");
    ck_assert_int_eq(o.top, 3); /* the command line wins */
    cli_options_free(&o);

    static const char *const bad[] = { "bogus = 1\n", "top\n", "help\n", "format = pdf\n" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        path = write_config(bad[i]);
        snprintf(line, sizeof line, "scan --config %s", path);
        int rc = parse(&o, line);
        ck_assert_msg(rc == EXIT_USAGE, "config '%s': got %d, want EXIT_USAGE", bad[i], rc);
        cli_options_free(&o);
    }
    snprintf(line, sizeof line, "scan --config /nonexistent/bs.conf");
    ck_assert_int_eq(parse(&o, line), EXIT_USAGE);
    cli_options_free(&o);
    unlink(path);
}
END_TEST

START_TEST(test_format_from_name)
{
    /* -o's name gives the format unless --format says otherwise; a conflict is an error */
    static const struct {
        const char *line;
        int want_rc;
        const char *want_format;
    } rows[] = {
        { "scan -o r.html x.log", EXIT_OK, "html" },
        { "scan -o R.HTM x.log", EXIT_OK, "html" },
        { "scan -o r.csv x.log", EXIT_OK, "csv" },
        { "scan --output=r.json x.log", EXIT_OK, "json" },
        { "report -o r.txt", EXIT_OK, "text" },
        { "scan -o report x.log", EXIT_OK, "text" },              /* no extension */
        { "scan -o out.d/report x.log", EXIT_OK, "text" },        /* a dot in a directory */
        { "scan -o r.html.gz x.log", EXIT_OK, "text" },           /* not ours */
        { "scan -o - x.log", EXIT_OK, "text" },                   /* stdout */
        { "scan --format csv -o r.csv x.log", EXIT_OK, "csv" },   /* agreeing */
        { "scan -o r.csv --format csv x.log", EXIT_OK, "csv" },   /* either order */
        { "scan --format json -o r.dat x.log", EXIT_OK, "json" }, /* a name that says nothing */
        { "scan --format csv -o r.html x.log", EXIT_USAGE, NULL },
        { "scan -o r.json -f html x.log", EXIT_USAGE, NULL },
        { "scan --format text -o r.txt x.log", EXIT_OK, "text" },
        { "scan x.log", EXIT_OK, "text" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        struct options o;
        int rc = parse(&o, rows[i].line);
        ck_assert_msg(rc == rows[i].want_rc, "'%s': got %d, want %d", rows[i].line, rc,
                      rows[i].want_rc);
        if (rows[i].want_format)
            ck_assert_msg(!strcmp(o.format, rows[i].want_format), "'%s': got format %s, want %s",
                          rows[i].line, o.format, rows[i].want_format);
        cli_options_free(&o);
    }
}
END_TEST

START_TEST(test_format_with_config)
{
    /* a config file's format yields to -o on the command line; a config that
     * contradicts itself, or a --format that contradicts its output, is an error */
    static const struct {
        const char *config, *args;
        int want_rc;
        const char *want_format;
    } rows[] = {
        { "format = text\n", "scan -o r.html x.log", EXIT_OK, "html" },
        { "format = csv\n", "scan x.log", EXIT_OK, "csv" },
        { "output = r.json\n", "scan x.log", EXIT_OK, "json" },
        { "output = r.json\n", "scan --format json x.log", EXIT_OK, "json" },
        { "output = r.json\n", "scan --format csv x.log", EXIT_USAGE, NULL },
        { "format = csv\noutput = r.html\n", "scan x.log", EXIT_USAGE, NULL },
        { "format = csv\noutput = r.html\n", "scan -o r.csv x.log", EXIT_OK, "csv" },
        { "format = html\n", "scan -o r.csv x.log", EXIT_OK, "csv" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char *path = write_config(rows[i].config);
        char line[256];
        snprintf(line, sizeof line, "%s --config %s", rows[i].args, path);
        struct options o;
        int rc = parse(&o, line);
        ck_assert_msg(rc == rows[i].want_rc, "config '%s', '%s': got %d, want %d", rows[i].config,
                      rows[i].args, rc, rows[i].want_rc);
        if (rows[i].want_format)
            ck_assert_msg(!strcmp(o.format, rows[i].want_format),
                          "config '%s', '%s': got format %s, want %s", rows[i].config, rows[i].args,
                          o.format, rows[i].want_format);
        cli_options_free(&o);
        unlink(path);
    }
}
END_TEST

START_TEST(test_doc_tables)
{
    /* the tables the man page, completion and README are generated from */
    struct cli_option op;
    size_t n = cli_option_count(), help_only = 0;
    ck_assert_uint_ge(n, 20);
    for (size_t i = 0; i < n; i++) {
        cli_option_at(i, &op);
        ck_assert_msg(op.name && op.name[0] && op.help && op.help[0], "option %zu", i);
        help_only += op.help_only;
        ck_assert_msg(!op.help_only || cli_option_applies(i, "help"), "--%s", op.name);
        ck_assert_msg(!op.config_only || !cli_option_applies(i, "scan"), "--%s", op.name);
    }
    ck_assert_uint_eq(help_only, 3); /* --markdown, --man, --completion */
    const struct cli_exit_status *ex;
    size_t ne = cli_exit_statuses(&ex);
    static const int want[] = { EXIT_OK,          EXIT_USAGE,        EXIT_INPUT,
                                EXIT_INTERNAL,    EXIT_STORE,        EXIT_STORE_CREATE,
                                EXIT_NEW_PROBLEM, EXIT_CHECK_LISTED, EXIT_CHECK_UNKNOWN };
    ck_assert_uint_eq(ne, sizeof want / sizeof *want);
    for (size_t i = 0; i < ne; i++)
        ck_assert_int_eq(ex[i].status, want[i]);
    const struct cli_example *eg;
    size_t ng = cli_examples(&eg);
    ck_assert_uint_eq(ng, 5);
    for (size_t i = 0; i < ng; i++) {
        bool known = false;
        for (size_t c = 0; c < cli_command_count(); c++)
            known |= !strcmp(cli_command_name(c), eg[i].command);
        ck_assert_msg(known, "example %zu: unknown command %s", i, eg[i].command);
        ck_assert_msg(strstr(eg[i].line, eg[i].command) != NULL, "example %zu", i);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_forms);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_options_before_command);
    tcase_add_test(tc, test_day);
    tcase_add_test(tc, test_help);
    tcase_add_test(tc, test_help_unknown);
    tcase_add_test(tc, test_format_from_name);
    tcase_add_test(tc, test_format_with_config);
    tcase_add_test(tc, test_doc_tables);
    tcase_add_test(tc, test_config);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
