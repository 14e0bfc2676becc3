/*
 * test_report_text.c - the text report (write_text.c) on hostile input: long
 * and wide (CJK) texts, control characters and invalid bytes in every string
 * the log supplies (texts, hosts, recipients, file names, TXT records), huge
 * counts, many hosts and domains. Every line must fit 80 columns, carry no
 * control character, be valid UTF-8, use the right number of each noun; in
 * an ASCII locale every byte must be ASCII.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "problems.h"
#include "report.h"
#include "text_layout.h"

/* the reasons leave their own-words fields (has_own false: the reply's serve) */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const struct reason r_blocked = {
    "blocked",
    "Our IP is on a blocklist",
    "Look up the implicated IP on the named list and follow its removal procedure; find and "
    "stop the cause first, or the listing returns. Averyveryveryveryveryveryveryveryveryvery"
    "veryveryveryveryveryveryveryverylongwordwithoutanyspaceinit and more words after it.",
    0,
    SIDE_US,
    "Get {ip} off {list}: find and stop what sent spam from it",
    SUPPRESS_NO
};
static const struct reason r_user = {
    "userunknown", "No such user", "Remove it", 1, SIDE_RECIPIENT, "", SUPPRESS_YES
};
static const struct blocklist_ref bl = { "spamhaus", "Spamhaus", "https://check.spamhaus.org/" };

/* hostile pieces: ESC sequences, a C1 CSI, a bidi override, an invalid byte, wide text */
#define EVIL                      \
    "\x1b[2J\x1b]0;t\x07\xc2\x9b" \
    "31m\xe2\x80\xae\xff"
#define WIDE "配信できませんでした。宛先のメールボックスが存在しないか、受信を拒否しています。"

static const char *const evil_file = "mail" EVIL ".log";

static void make_event(struct event *e, const char *rcpt, const char *text, const struct reason *re,
                       const char *ip, const char *provider, uint64_t fp)
{
    memset(e, 0, sizeof *e);
    e->when = 1710408413;
    e->tz_minutes = 540;
    e->status = DELIVERY_BOUNCED;
    e->qid = slice_cstr("1A2B3C4D5E");
    e->recipient = slice_cstr(rcpt);
    e->domain = slice_cstr(strrchr(rcpt, '@') + 1);
    e->remote_host = slice_cstr("mx" EVIL ".a-very-long-remote-host-name-of-a-receiving-server."
                                "subdomain.example.co.jp");
    e->dsn = slice_cstr("5.7.1");
    e->text = slice_cstr(text);
    e->template_text = slice_cstr(text);
    e->provider = slice_cstr(provider);
    e->implicated_ip = slice_cstr(ip);
    e->reason = re;
    e->blocklist = re == &r_blocked ? &bl : NULL;
    e->fingerprint = fp;
    e->file = evil_file;
    e->line = 7;
    e->attempts = 2;
}

static struct report_listing listing = {
    .list_id = "zen",
    .list_label = "Spamhaus ZEN",
    .zone = "zen.spamhaus.org",
    .status = "listed",
    .codes = "127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.9,127.0.0.10,127.0.0.11",
    .meaning = "SBL: Spamhaus SBL data; CSS: Spamhaus CSS data; XBL: exploits " EVIL,
    .txt = "Listed by CSS, see https://check.spamhaus.org/query/ip/219.94.129.185 " EVIL WIDE,
    .delist_url = "https://check.spamhaus.org/a/very/long/path/that/goes/on/and/on/and/on/"
                  "for/more/than/eighty/columns/index.html",
    .advice = "Find the compromised account first; then ask for removal. " WIDE,
    .detail = "answered in 12 ms",
};

static const char *dns_status(void *ctx, const char *ip)
{
    return "listed";
}

static size_t dns_listings(void *ctx, const char *ip, const struct report_listing **out)
{
    *out = &listing;
    return 1;
}

struct fixture {
    struct aggregate *agg;
    struct scan_stats stats;
    struct input_stats inputs[2];
    struct problems problems;
    struct report r;
};

static void fixture_init(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    f->agg = aggregate_new(GROUP_BY_PROVIDER | GROUP_BY_REASON | GROUP_BY_FINGERPRINT, 2);
    struct event e;
    /* one group with one recipient (singular nouns), hostile everything */
    make_event(&e, "ev" EVIL "il@victim.example",
               "550 5.7.1 " EVIL " Client host [198.51.100.7] blocked " WIDE WIDE WIDE, &r_blocked,
               "198.51.100.7",
               "Provider " EVIL " with a name far too long for one line of any table or heading "
               "at all " WIDE,
               1);
    aggregate_add(f->agg, &e);
    /* many domains with long names, one with wide characters */
    char rcpt[200];
    for (int i = 0; i < 30; i++) {
        snprintf(rcpt, sizeof rcpt, "user%d@%s%d.example", i,
                 i == 3 ? "日本語のとても長いドメイン名の例です"
                        : "a-rather-long-subdomain-name.of-a-recipient-domain",
                 i);
        make_event(&e, rcpt, "550 5.1.1 <x>: Recipient address rejected: User unknown", &r_user, "",
                   i == 5 ? "Google (Gmail / Workspace)" : "Provider 日本", 2);
        aggregate_add(f->agg, &e);
    }
    /* huge counts in the domain table: numbers are never cut */
    for (int i = 0; i < 1200000; i++)
        aggregate_sent(f->agg,
                       slice_cstr("a-rather-long-subdomain-name.of-a-recipient-domain0.example"),
                       slice_cstr("Provider 日本"), 1710408413, 540);

    f->inputs[0] = (struct input_stats){ .name = (char *)evil_file,
                                         .lines = 123456789,
                                         .bytes = 98765432101ull,
                                         .gzip = true,
                                         .compression = "zstd" };
    f->inputs[1] = (struct input_stats){ .name = "/var/log/" WIDE WIDE ".log", .failed = true };
    f->stats.inputs = f->inputs;
    f->stats.n_inputs = 2;
    f->stats.lines = 123456789;
    f->stats.mta_lines = 1;
    f->stats.delivery_lines = 1;
    f->stats.per_mx_lines = 1;
    f->stats.queue_live = 1;
    char host[300];
    for (int i = 0; i < LOG_HOSTS_MAX + 3; i++) {
        snprintf(host, sizeof host, "mx%d" EVIL ".%s.example.com", i,
                 i == 1 ? WIDE WIDE : "outbound-relay-with-a-long-name");
        for (int k = 0; k <= i; k++)
            log_hosts_note(&f->stats.hosts, slice_cstr(host));
    }
    f->problems.kinds[PROBLEM_INVALID_UTF8].count = 1;
    f->problems.kinds[PROBLEM_INVALID_UTF8].n_examples = 1;
    f->problems.kinds[PROBLEM_INVALID_UTF8].examples[0].file = evil_file;
    f->problems.kinds[PROBLEM_INVALID_UTF8].examples[0].line = 3;
    static const char sample[] = "bad " EVIL WIDE WIDE WIDE;
    char *dst = f->problems.kinds[PROBLEM_INVALID_UTF8].examples[0].sample;
    memcpy(dst, sample, PROBLEM_SAMPLE_MAX); /* cut like problem_note does, mid-character */
    dst[PROBLEM_SAMPLE_MAX] = '\0';
    f->r = (struct report){ .command = "scan",
                            .agg = f->agg,
                            .stats = &f->stats,
                            .problems = &f->problems,
                            .generated = 1710412200 };
    f->r.dns = (struct report_dns){ true, "2 lookups, 0 from the cache " EVIL, dns_status,
                                    dns_listings, NULL };
}

static char *render(const struct report *r, size_t *len)
{
    char *buf = NULL;
    FILE *fp = open_memstream(&buf, len);
    ck_assert_int_eq(write_text(fp, r), 0);
    fclose(fp);
    return buf;
}

/* check_lines - every line fits 80 columns, is valid UTF-8 without controls */
static void check_lines(const char *buf, size_t len, bool ascii)
{
    size_t lineno = 0;
    for (const char *p = buf; p < buf + len;) {
        const char *nl = memchr(p, '\n', (size_t)(buf + len - p));
        ck_assert_msg(nl != NULL, "the report does not end in a newline");
        lineno++;
        struct slice line = slice_make(p, (size_t)(nl - p));
        const unsigned char *u = (const unsigned char *)p;
        for (size_t i = 0; i < line.n;) {
            ck_assert_msg(u[i] >= 0x20 && u[i] != 0x7f, "line %zu: control byte %02x: %.*s", lineno,
                          u[i], (int)line.n, p);
            ck_assert_msg(!ascii || u[i] < 0x80,
                          "line %zu: non-ASCII byte in an ASCII locale: %.*s", lineno, (int)line.n,
                          p);
            size_t n = utf8_valid_len(u + i, line.n - i);
            ck_assert_msg(n > 0, "line %zu: invalid UTF-8", lineno);
            ck_assert_msg(!(u[i] == 0xC2 && u[i + 1] < 0xA0), "line %zu: a C1 control", lineno);
            i += n;
        }
        size_t w = layout_width(line);
        ck_assert_msg(w <= 80, "line %zu is %zu columns wide: %.*s", lineno, w, (int)line.n, p);
        p = nl + 1;
    }
}

/* check_plurals - no "1 recipients" (a 1 that is not the end of "21" or "1,001") */
static void check_plurals(const char *buf)
{
    static const char *const nouns[] = { "recipients", "messages",  "domains", "failures",
                                         "lookups",    "queue ids", "hosts",   "lines",
                                         "inputs",     "bytes",     "groups",  "more hosts" };
    for (size_t i = 0; i < sizeof nouns / sizeof *nouns; i++) {
        char pat[64];
        snprintf(pat, sizeof pat, "1 %s", nouns[i]);
        for (const char *p = strstr(buf, pat); p; p = strstr(p + 1, pat)) {
            bool after_number = p > buf && strchr("0123456789,.", p[-1]);
            char next = p[strlen(pat)];
            bool word_goes_on = next >= 'a' && next <= 'z';
            ck_assert_msg(after_number || word_goes_on, "a wrong plural: '%s' in:\n%.3000s", pat,
                          buf);
        }
    }
}

START_TEST(test_utf8_locale)
{
    setenv("LC_ALL", "C.UTF-8", 1);
    struct fixture f;
    fixture_init(&f);
    size_t len;
    char *out = render(&f.r, &len);
    check_lines(out, len, false);
    check_plurals(out);
    static const char *const want[] = {
        "1 recipient, 1 message, 1 domain", /* singular */
        "1 Sendmail line repeated",         /* singular */
        "1 queue id still open",            /* singular */
        "123,456,789 lines from 2 inputs",  /* thousands separators */
        "1,200,000",                        /* a count in the table, not cut */
        "Mail hosts: mx15",                 /* the host with most lines first */
        "lines per mail host:",             /* and listed in what was read */
        "…",                                /* cuts are marked */
        "—",
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_msg(strstr(out, want[i]) != NULL, "'%s' not in the report:\n%.3000s", want[i],
                      out);
    free(out);
    aggregate_free(f.agg);
}
END_TEST

START_TEST(test_ascii_locale)
{
    setenv("LC_ALL", "C", 1);
    struct fixture f;
    fixture_init(&f);
    size_t len;
    char *out = render(&f.r, &len);
    check_lines(out, len, true);
    check_plurals(out);
    ck_assert_msg(strstr(out, "...") != NULL, "no ASCII cut mark in:\n%.3000s", out);
    ck_assert_msg(strstr(out, " - ") != NULL, "no ASCII dash in:\n%.3000s", out);
    free(out);
    aggregate_free(f.agg);
}
END_TEST

START_TEST(test_empty)
{
    setenv("LC_ALL", "C.UTF-8", 1);
    struct aggregate *a = aggregate_new(GROUP_BY_PROVIDER | GROUP_BY_REASON, 2);
    struct report r = { .command = "report", .agg = a };
    size_t len;
    char *out = render(&r, &len);
    check_lines(out, len, false);
    ck_assert_msg(strstr(out, "No failed deliveries.") != NULL, "got:\n%.3000s", out);
    ck_assert_msg(strstr(out, "Mail host") == NULL, "no stats, no host line:\n%.3000s", out);
    free(out);
    aggregate_free(a);
}
END_TEST

static Suite *text_suite(void)
{
    Suite *s = suite_create("report_text");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_utf8_locale);
    tcase_add_test(tc, test_ascii_locale);
    tcase_add_test(tc, test_empty);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(text_suite());
    srunner_set_fork_status(sr, CK_FORK); /* the locale is decided once per process */
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
