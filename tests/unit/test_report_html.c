/*
 * test_report_html.c - the HTML report: safety of log text in every context,
 * the headline, the stated cut, catalogue-only links, template errors.
 *
 * A report is built by hand from events whose recipient, sender, remote host,
 * provider, reply text and DSN carry the XSS payloads of tests/data/xss.log,
 * with a fake DNS result whose TXT carries one too and whose delisting URL
 * is a javascript: URL (it must not become a link). The page is written to
 * a memory stream and read as text: every payload must appear escaped, and
 * outside our own <script> elements no tag may carry an event handler or a
 * javascript: href.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problems.h"
#include "report.h"

/* the reasons leave their own-words fields (has_own false: the reply's serve) */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const struct reason r_blocked = { "blocked",
                                         "Our IP is on a blocklist",
                                         "Check the listing <b>now</b>",
                                         0,
                                         SIDE_US,
                                         "Get {ip} off {list}",
                                         SUPPRESS_NO };
static const struct reason r_user = { "userunknown",        "Recipient address does not exist",
                                      "Remove the address", 1,
                                      SIDE_RECIPIENT,       "",
                                      SUPPRESS_YES };
static const struct blocklist_ref bl_spamhaus = { "spamhaus", "Spamhaus",
                                                  "https://check.spamhaus.org/" };
static const struct blocklist_ref bl_evil = { "evil", "Evil <i>list</i>", "javascript:alert(7)" };

static const struct report_listing listings[] = {
    { "spamhaus-zen", "Spamhaus ZEN", "zen.spamhaus.org", "listed", "127.0.0.2", "SBL: spam source",
      "<script>alert(1)</script> https://www.spamhaus.org/sbl/query/SBL1",
      "https://check.spamhaus.org/", "Request removal", "" },
    { "bad", "Bad list", "bad.example", "listed", "127.0.0.3", "x",
      "\"><img src=x onerror=alert(1)>", "javascript:alert(9)", "", "" },
    { "spamcop", "SpamCop", "bl.spamcop.net", "not_listed", "", "", "", "", "", "" },
};

static const char *fake_status(void *ctx, const char *ip)
{
    (void)ctx;
    return !strcmp(ip, "198.51.100.7") ? "listed" : "not_listed";
}

static size_t fake_listings(void *ctx, const char *ip, const struct report_listing **out)
{
    (void)ctx;
    if (strcmp(ip, "198.51.100.7"))
        return 0;
    *out = listings;
    return sizeof listings / sizeof *listings;
}

struct fixture {
    struct aggregate *agg;
    struct scan_stats stats;
    struct input_stats input;
    struct report r;
};

static void add(struct aggregate *a, enum delivery_status st, const char *rcpt, const char *host,
                const char *provider, const char *text, const struct reason *re,
                const struct blocklist_ref *bl, const char *ip, uint64_t fp, int64_t when)
{
    struct event e;
    memset(&e, 0, sizeof e);
    e.when = when;
    e.status = st;
    e.qid = slice_cstr("1A2B3C4D5E");
    e.sender = slice_cstr("\"<script>alert(9)</script>\"@example.net");
    e.recipient = slice_cstr(rcpt);
    e.domain = slice_cstr(strchr(rcpt, '@') ? strrchr(rcpt, '@') + 1 : rcpt);
    e.remote_host = slice_cstr(host);
    e.remote_ip = slice_cstr("192.0.2.10");
    e.dsn = slice_cstr(re == &r_blocked ? "5.7.1" : "5.1.1\"><b>");
    e.text = slice_cstr(text);
    e.template_text = slice_cstr(text);
    e.provider = slice_cstr(provider);
    e.implicated_ip = slice_cstr(ip);
    e.reason = re;
    e.blocklist = bl;
    e.fingerprint = fp;
    e.file = "tests/data/xss.log";
    e.line = 3;
    aggregate_add(a, &e);
}

static void fixture_init(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    problems_reset();
    problem_note(PROBLEM_UNPARSED, "x.log", 4,
                 slice_cstr("to=<user@\"><img src=x onerror=alert(1)>>"));
    f->agg = aggregate_new(GROUP_BY_PROVIDER | GROUP_BY_REASON | GROUP_BY_FINGERPRINT, 2);
    const char *payload = "550 5.7.1 Client host [198.51.100.7] blocked using Spamhaus. "
                          "</script><script>alert(2)</script> see javascript:alert(3)";
    for (int i = 0; i < 3; i++)
        add(f->agg, DELIVERY_BOUNCED,
            i ? "a@b.example" : "\"<script>alert(1)</script>\"@victim.example",
            "x.mail.protection.outlook.com", "Microsoft 365", payload, &r_blocked, &bl_spamhaus,
            "198.51.100.7", 42, 1710408413 + i * 60);
    add(f->agg, DELIVERY_BOUNCED, "javascript:alert(3)@victim.example",
        "evil\"><img src=x onerror=alert(1)>.example", "evil\"><img src=x onerror=alert(1)>",
        "550 5.1.1 \"'><svg onload=alert(4)> user unknown", &r_user, &bl_evil, "", 43, 1710412013);
    aggregate_sent(f->agg, slice_cstr("b.example"), slice_cstr("Microsoft 365"), 1710412100, 0);
    f->input = (struct input_stats){ .name = "x.log\"><img src=x onerror=alert(1)>",
                                     .lines = 10,
                                     .bytes = 2000,
                                     .first = 1710408413,
                                     .last = 1710412100 };
    f->stats.lines = 10;
    f->stats.inputs = &f->input;
    f->stats.n_inputs = 1;
    f->stats.first = 1710408413;
    f->stats.last = 1710412100;
    f->r = (struct report){ .command = "scan",
                            .agg = f->agg,
                            .stats = &f->stats,
                            .problems = &problems_global,
                            .generated = 1710412200 };
    f->r.dns = (struct report_dns){ true, "checked 3 lists", fake_status, fake_listings, NULL };
}

static void fixture_free(struct fixture *f)
{
    aggregate_free(f->agg);
}

/* render - the page as a string (caller frees); *rc the writer's result */
static char *render(const struct report *r, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(fp);
    *rc = write_html(fp, r);
    fclose(fp);
    return buf;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* check_tags - outside our <script> elements, no tag has an on* attribute or
 * a javascript: URL; returns the first offending tag (static buffer) or NULL */
static const char *check_tags(const char *html)
{
    static char bad[200];
    const char *p = html;
    while ((p = strchr(p, '<'))) {
        const char *end = strchr(p, '>');
        if (!end)
            return "unterminated tag";
        size_t n = (size_t)(end - p);
        char tag[4096];
        if (n >= sizeof tag)
            n = sizeof tag - 1;
        memcpy(tag, p, n);
        tag[n] = '\0';
        for (char *c = tag; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        if (strstr(tag, " on") &&
            (strstr(tag, "onerror") || strstr(tag, "onload") || strstr(tag, "onclick")))
            goto found;
        if (strstr(tag, "javascript:"))
            goto found;
        if (!strncmp(tag, "<script", 7)) {
            /* skip the element's content: JSON (escaped) or our own JS */
            const char *close = strstr(end, "</script>");
            if (!close)
                return "unterminated script";
            p = close + 9;
            continue;
        }
        p = end + 1;
        continue;
    found:
        snprintf(bad, sizeof bad, "%.150s", tag);
        return bad;
    }
    return NULL;
}

START_TEST(test_xss_escaped)
{
    struct fixture f;
    fixture_init(&f);
    setenv("BOUNCESCOPE_REPORTS", BS_SOURCE_DIR "/reports", 1);
    int rc;
    char *html = render(&f.r, &rc);
    ck_assert_int_eq(rc, 0);
    /* the raw payloads never appear; their escaped forms do */
    static const struct {
        const char *raw, *escaped;
    } cases[] = {
        { "<script>alert(1)</script>",
          "&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;@victim.example" },
        { "</script><script>alert(2)</script>",
          "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" },
        { "<img src=x onerror=alert(1)>", "evil&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" },
        { "<svg onload=alert(4)>", "&quot;&#39;&gt;&lt;svg onload=alert(4)&gt;" },
        { "<script>alert(9)</script>",
          "&lt;script&gt;alert(1)&lt;/script&gt; https://www.spamhaus.org" },
        { "<i>list</i>", "Evil &lt;i&gt;list&lt;/i&gt;" },
        { "<b>now</b>", "Check the listing &lt;b&gt;now&lt;/b&gt;" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ck_assert_msg(!strstr(html, cases[i].raw),
                      "case %zu: got raw %s in the page, want it escaped", i, cases[i].raw);
        ck_assert_msg(strstr(html, cases[i].escaped), "case %zu: want %s in the page", i,
                      cases[i].escaped);
    }
    /* the script, the report's data and the groups' rows (both JSON) */
    ck_assert_msg(count(html, "<script") == 3, "got %zu <script elements, want 3",
                  count(html, "<script"));
    const char *bad = check_tags(html);
    ck_assert_msg(!bad, "got tag %s, want no event handler or javascript: URL in a tag", bad);
    /* links only from the catalogue, and only http(s) ones */
    ck_assert_msg(strstr(html, "href=\"https://check.spamhaus.org/\""),
                  "want the catalogue's delisting link");
    ck_assert_msg(!strstr(html, "href=\"javascript"), "got a javascript: href");
    ck_assert_msg(!strstr(html, "href=\"https://www.spamhaus.org/sbl"),
                  "got a link built from TXT text");
    free(html);
    fixture_free(&f);
}
END_TEST

START_TEST(test_headline_and_cut)
{
    struct fixture f;
    fixture_init(&f);
    setenv("BOUNCESCOPE_REPORTS", BS_SOURCE_DIR "/reports", 1);
    f.r.top = 1;
    int rc;
    char *html = render(&f.r, &rc);
    ck_assert_int_eq(rc, 0);
    static const char *const want[] = {
        ("4 deliveries failed in 62 min; the largest cause, 75% of them: Our IP is on a blocklist: "
         "our IP 198.51.100.7, named by Spamhaus, listed now by Spamhaus ZEN (we must act)"),
        "<li class=\"panel cause side-us\" id=\"c1\">", /* the causes, first */
        "Who acts: <strong>us</strong>",
        "Get 198.51.100.7 off Spamhaus (https://check.spamhaus.org/)", /* the action */
        "the page holds every group's data",
        "Showing the top 1 of 2 groups",
        "<th scope=\"col\"",
        "data-v=\"3\" data-label=\"", /* counts with a sort value, and their name for cards */
        "<time datetime=\"2024-03-14T09:26:53+00:00\">", /* times with their zone */
        "prefers-color-scheme: dark",
        "<svg class=\"chart-wide\" viewBox",
        "<svg class=\"chart-narrow\" viewBox", /* a drawing for narrow screens */
        "\"rows_total\": 2", /* every group in the page's data, though one is drawn */
        "Content-Security-Policy",
        "Could not read: ",
        "\"groups_shown\": 1", /* the embedded JSON has the same cut */
    };
    const char *h1 = strstr(html, "<h1");
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_msg(strstr(html, want[i]), "want %s in the page (headline: %.200s)", want[i],
                      h1 ? h1 : "none");
    ck_assert_msg(!strstr(html, "id=\"g2\""), "got group 2 past the cut of 1");
    /* the causes come before everything else */
    /* as offsets: GCC -O3 takes a pointer into the page for a dangling one */
    size_t at_causes = strlen(html) - strlen(strstr(html, "id=\"h-causes\"") ?: "");
    size_t at_totals = strlen(html) - strlen(strstr(html, "id=\"h-totals\"") ?: "");
    ck_assert_msg(at_causes < at_totals, "want the cause section before the totals");
    ck_assert_msg(!strstr(html, "http://") || !strstr(html, "src=\"http"),
                  "got an external resource");
    free(html);
    fixture_free(&f);
}
END_TEST

START_TEST(test_unchecked_headline)
{
    struct fixture f;
    fixture_init(&f);
    setenv("BOUNCESCOPE_REPORTS", BS_SOURCE_DIR "/reports", 1);
    f.r.dns = (struct report_dns){ false, "not checked (--no-dns)", NULL, NULL, NULL };
    int rc;
    char *html = render(&f.r, &rc);
    ck_assert_int_eq(rc, 0);
    const char *want = "the largest cause, 75% of them: Our IP is on a blocklist: our IP "
                       "198.51.100.7, named by Spamhaus (we must act)</h1>";
    ck_assert_msg(strstr(html, want), "want headline %s", want);
    free(html);
    fixture_free(&f);
}
END_TEST

START_TEST(test_no_failures)
{
    struct aggregate *a = aggregate_new(GROUP_BY_PROVIDER, 2);
    struct report r = { .command = "scan", .agg = a };
    setenv("BOUNCESCOPE_REPORTS", BS_SOURCE_DIR "/reports", 1);
    int rc;
    char *html = render(&r, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_msg(strstr(html, "No failed deliveries"), "want 'No failed deliveries'");
    free(html);
    aggregate_free(a);
}
END_TEST

START_TEST(test_missing_template)
{
    struct aggregate *a = aggregate_new(GROUP_BY_PROVIDER, 2);
    struct report r = { .command = "scan", .agg = a };
    setenv("BOUNCESCOPE_REPORTS", "/nonexistent/reports", 1);
    int rc;
    char *html = render(&r, &rc);
    ck_assert_int_eq(rc, -1);
    free(html);
    aggregate_free(a);
}
END_TEST

static Suite *html_suite(void)
{
    Suite *s = suite_create("report_html");
    TCase *tc = tcase_create("html");
    tcase_add_test(tc, test_xss_escaped);
    tcase_add_test(tc, test_headline_and_cut);
    tcase_add_test(tc, test_unchecked_headline);
    tcase_add_test(tc, test_no_failures);
    tcase_add_test(tc, test_missing_template);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(html_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
