/*
 * test_fingerprint.c - templates and keys of rejection texts.
 *
 * The key must be one for every instance of a template - other IPs (7 to 15
 * characters), addresses, Gmail gids, EOP server names - and for the forms
 * the MTAs log it in: whole (Postfix, Exim), Exim's literal "\n" between
 * lines, Sendmail's shortened reply= (first 100 + "..." + last 100) and
 * stat=Deferred: form (shortened with the prefix, then the prefix removed),
 * and "Deferred: <text>" as is. Different templates must get different keys.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fingerprint.h"
#include "util/strbuf.h"

#include "gen_templates.h"

/* the forms the MTAs log the Sendmail-side connection failures in: more templates */
static const struct gen_template sendmail_templates[] = {
    { K_NET, "4.4.1", "networkerror", "", "Connection timed out with {relay}." },
    { K_NET, "4.4.1", "networkerror", "", "Connection refused by {relay}." },
    { K_DNS, "4.4.3", "hostunknown", "", "Name server: {dom}: host name lookup failure" },
    { K_DNS5, "5.4.4", "hostunknown", "", "Host unknown (Name server: {dom}: host not found)" },
    { K_DNS5, "5.4.4", "hostunknown", "", "Unrouteable address" },
};

#define N_ALL (N_GEN + sizeof sendmail_templates / sizeof *sendmail_templates)

static const struct gen_template *template_at(size_t i)
{
    return i < N_GEN ? &gen_templates[i] : &sendmail_templates[i - N_GEN];
}

static struct fingerprinter *load_or_die(void)
{
    struct strbuf err = STRBUF_INIT;
    struct fingerprinter *f = fingerprinter_load(&err);
    ck_assert_msg(f != NULL, "fingerprinter_load: %s", strbuf_cstr(&err));
    strbuf_free(&err);
    return f;
}

enum form { F_RAW, F_EXIM_NL, F_REPLY, F_DEFERRED, F_DEFERRED_PREFIX, F_N };
static const char *const form_names[] = { "raw", "exim \\n",
                                          "sendmail reply=", "sendmail stat=Deferred",
                                          "Deferred: prefix kept" };

/* make_form - the text as one MTA logs it */
static void make_form(const char *raw, enum form fm, struct strbuf *out, struct strbuf *tmp)
{
    strbuf_reset(out);
    switch (fm) {
    case F_RAW:
        strbuf_adds(out, raw);
        break;
    case F_EXIM_NL:
        /* Exim joins the lines of a multi-line reply with a literal "\n" */
        for (const char *p = raw; *p; p++) {
            if (p[0] == ' ' && p[1] >= '2' && p[1] <= '5' && p[4] == '-' && p[2] && p[3])
                strbuf_adds(out, "\\n");
            else
                strbuf_addc(out, *p);
        }
        break;
    case F_REPLY:
        gen_shorten(raw, out);
        break;
    case F_DEFERRED:
        strbuf_reset(tmp);
        strbuf_adds(tmp, "Deferred: ");
        strbuf_adds(tmp, raw);
        gen_shorten(strbuf_cstr(tmp), out);
        memmove(out->s, out->s + 10, out->len - 10 + 1);
        out->len -= 10;
        break;
    case F_DEFERRED_PREFIX:
        strbuf_adds(out, "Deferred: ");
        strbuf_adds(out, raw);
        break;
    default:
        break;
    }
}

START_TEST(test_one_key_per_template)
{
    struct fingerprinter *f = load_or_die();
    struct strbuf raw = STRBUF_INIT, text = STRBUF_INIT, tmp = STRBUF_INIT, tmpl = STRBUF_INIT;
    uint64_t keys[N_ALL];
    for (size_t ti = 0; ti < N_ALL; ti++) {
        const struct gen_template *t = template_at(ti);
        char first_tmpl[1024] = "";
        for (int rep = 0; rep < 300; rep++) {
            struct gen_vars v;
            gen_vars_make(&v);
            /* the longest IPv4s too: they move Sendmail's cut the most */
            if (rep % 5 == 0)
                snprintf(v.ip, sizeof v.ip, "%u.%u.%u.%u", 100 + rnd(156), 100 + rnd(156),
                         100 + rnd(156), 100 + rnd(156));
            gen_expand(t->text, &v, &raw);
            for (int fm = 0; fm < F_N; fm++) {
                make_form(strbuf_cstr(&raw), (enum form)fm, &text, &tmp);
                uint64_t k = fingerprint(f, strbuf_slice(&text), &tmpl);
                if (rep == 0 && fm == 0) {
                    keys[ti] = k;
                    snprintf(first_tmpl, sizeof first_tmpl, "%s", strbuf_cstr(&tmpl));
                    continue;
                }
                ck_assert_msg(k == keys[ti],
                              "template %zu, %s form of\n  \"%s\"\n  -> \"%s\"\n"
                              "got another key than\n  \"%s\"",
                              ti, form_names[fm], strbuf_cstr(&text), strbuf_cstr(&tmpl),
                              first_tmpl);
                /* nothing that varies survives in the template */
                ck_assert_msg(
                    !strstr(strbuf_cstr(&tmpl), v.ip) && !strstr(strbuf_cstr(&tmpl), v.rcpt) &&
                        !strstr(strbuf_cstr(&tmpl), v.gid) && !strstr(strbuf_cstr(&tmpl), v.eop),
                    "template %zu: \"%s\" keeps a variable part", ti, strbuf_cstr(&tmpl));
            }
        }
    }
    /* different templates, different keys: every pair */
    for (size_t i = 0; i < N_ALL; i++)
        for (size_t j = i + 1; j < N_ALL; j++)
            ck_assert_msg(keys[i] != keys[j], "templates %zu and %zu share a key:\n  %s\n  %s", i,
                          j, template_at(i)->text, template_at(j)->text);
    strbuf_free(&raw);
    strbuf_free(&text);
    strbuf_free(&tmp);
    strbuf_free(&tmpl);
    fingerprinter_free(f);
}
END_TEST

START_TEST(test_templates_shown)
{
    static const struct {
        const char *text, *want;
    } rows[] = {
        { "550 5.1.1 <hachi12@example.co.jp>: Recipient address rejected: User unknown in virtual "
          "mailbox table",
          "550 5.1.1 <addr>: Recipient address rejected: User unknown in virtual mailbox table" },
        { "connect to mx1.example.net[198.51.100.25]:25: Connection timed out",
          "connect to <host>[<ip>]:<n>: Connection timed out" },
        { "550-5.1.1 The email account that you tried to reach does not exist. Please "
          "try\\n550-5.1.1 "
          "double-checking the recipient's email address.\\n550 5.1.1  "
          "https://support.google.com/mail/?p=NoSuchUser "
          "3f2a9c1b7d0e-5si1234567abc.123 - gsmtp",
          "550 5.1.1 The email account that you tried to reach does not exist. Please try "
          "double-checking "
          "the recipient's email address. https://<host>/mail/?p=NoSuchUser <id> - gsmtp" },
        { "421 4.7.0 [TSS04] Messages from 203.0.113.25 temporarily deferred",
          "421 4.7.0 [TSS04] Messages from <ip> temporarily deferred" },
        { "550 5.7.606 Access denied, banned sending IP [2001:db8::25]. AS(1430) "
          "[TY1JPN01FT004.eop-JPN01.prod.protection.outlook.com]",
          "550 5.7.606 Access denied, banned sending IP [<ip>]. AS(1430) [<host>]" },
        { "554 5.7.1 Service unavailable; Client host [203.0.113.25] blocked using "
          "zen.spamhaus.org; "
          "https://www.spamhaus.org/query/ip/203.0.113.25",
          "554 5.7.1 Service unavailable; Client host [<ip>] blocked using zen.spamhaus.org; "
          "https://www.spamhaus.org/query/ip/<ip>" },
        { "  Deferred: 451 4.7.1 Please   try again later  ", "451 4.7.1 Please try again later" },
        /* salient patterns run apart and merged as one alternation would
         * match: leftmost first, in any case for the DNSBL zones */
        { "550 5.7.1 listed at ZEN.SPAMHAUS.ORG (S3150) [TSS04] AS(12345) ?p=NoSuchUser "
          "answer/81126",
          "550 5.7.1 listed at ZEN.SPAMHAUS.ORG (S3150) [TSS04] AS(12345) ?p=NoSuchUser "
          "answer/81126" },
        { "554 blocked using spamhaus.org; also zenspamhaus.org and x.Spamhaus.Org. and "
          "b.barracudacentral.org",
          "554 blocked using spamhaus.org; also zenspamhaus.org and x.Spamhaus.Org. and "
          "b.barracudacentral.org" },
        { "550 5.7.1 [TS01][BL21][GL01][PH01] spamhaus spamhaus.spamcop.net sorbs.net.spamcop.org "
          "s5h.net",
          "550 5.7.1 [TS01][BL21][GL01][PH01] spamhaus spamhaus.spamcop.net sorbs.net<host> "
          "s5h.net" },
        /* no needed word: the zone pattern is not run, names are masked */
        { "421 4.7.0 try later from 203.0.113.5 to mx.example.net",
          "421 4.7.0 try later from <ip> to <host>" },
        { "", "" },
    };
    struct fingerprinter *f = load_or_die();
    struct strbuf tmpl = STRBUF_INIT;
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        fingerprint(f, slice_cstr(rows[i].text), &tmpl);
        ck_assert_msg(strcmp(strbuf_cstr(&tmpl), rows[i].want) == 0,
                      "\"%s\":\n got \"%s\"\nwant \"%s\"", rows[i].text, strbuf_cstr(&tmpl),
                      rows[i].want);
    }
    /* a shortened text shows head … tail */
    struct strbuf raw = STRBUF_INIT, cut = STRBUF_INIT;
    for (int i = 0; i < 60; i++)
        strbuf_adds(&raw, "word ");
    strbuf_adds(&raw, "end");
    gen_shorten(strbuf_cstr(&raw), &cut);
    fingerprint(f, strbuf_slice(&cut), &tmpl);
    ck_assert_msg(strstr(strbuf_cstr(&tmpl), " \xe2\x80\xa6 ") != NULL, "got \"%s\"",
                  strbuf_cstr(&tmpl));
    strbuf_free(&raw);
    strbuf_free(&cut);
    strbuf_free(&tmpl);
    fingerprinter_free(f);
}
END_TEST

START_TEST(test_hex)
{
    char buf[17];
    fingerprint_hex(0x0123456789abcdefULL, buf);
    ck_assert_str_eq(buf, "0123456789abcdef");
    fingerprint_hex(0, buf);
    ck_assert_str_eq(buf, "0000000000000000");
}
END_TEST

/* keys of known texts, pinned: the key is stored (events.fingerprint, group keys,
 * queue state), so a change that moves one makes every stored group "new" again.
 * Texts from the shipped examples (file named per row). A failure here means the
 * key changed: if that is on purpose, say so in the release notes and update the
 * pins. */
#define PIN_SPAMHAUS 0xaa23e99f42e41622ULL
#define PIN_GMAIL_RATE 0xff248fd9e2587301ULL
#define PIN_POSTGREY 0xfea73c92009f9ae7ULL
#define PIN_S3150 0x7d8552d39f76fc9fULL
#define PIN_UNKNOWN_USER 0x6b20d12092e8d453ULL
#define PIN_EXIM_GREY 0xd1660799bca64a51ULL
#define PIN_UNROUTEABLE 0xa5bb176a016904e2ULL

START_TEST(test_pinned_keys)
{
    static const struct {
        const char *source, *text;
        uint64_t want;
    } pins[] = {
        { "examples/maillog (Sendmail, shortened)",
          "550 5.7.1 Service unavailable, Client host [219.94.129.185] blocked using Spamhaus. "
          "To request remov...p://www.spamhaus.org/lookup.lasso (AS16012611) "
          "[TY1JPN01FT004.eop-JPN01.prod.protection.outlook.com]",
          PIN_SPAMHAUS },
        { "examples/postfix-rfc3339.log (the same reply, whole)",
          "550 5.7.1 Service unavailable, Client host [203.0.113.25] blocked using Spamhaus. To "
          "request removal from this list see http://www.spamhaus.org/lookup.lasso (AS16012611) "
          "[OS3PR01MB6FT208.eop-JPN01.prod.protection.outlook.com]",
          PIN_SPAMHAUS },
        { "examples/maillog (Gmail rate limit, shortened)",
          "421-4.7.0 [219.94.129.185      15] Our system has detected an unusual rate of "
          "421-4.7.0 unsolicited ...imitError to 421 4.7.0 review our Bulk Email Senders "
          "Guidelines. 7a1b2c3d4e5f-3si98765pgh.77 - gsmtp",
          PIN_GMAIL_RATE },
        { "examples/maillog (postgrey)",
          "450 4.2.0 <buyer@example-shop.de>: Recipient address rejected: Greylisted, see "
          "http://postgrey.schweikert.ch/help/example-shop.de.html",
          PIN_POSTGREY },
        { "examples/postfix-rfc3339.log (Outlook.com S3150)",
          "550 5.7.1 Unfortunately, messages from [219.94.129.185] weren't sent. Please contact "
          "your Internet service provider since part of their network is on our block list "
          "(S3150). You can also refer your provider to "
          "http://mail.live.com/mail/troubleshooting.aspx#errors. "
          "[DM6NAM11FT034.eop-nam11.prod.protection.outlook.com]",
          PIN_S3150 },
        { "examples/postfix-rfc3339.log (unknown user)",
          "550 5.1.1 <nobody@umi.jp>: Recipient address rejected: User unknown in virtual "
          "mailbox table",
          PIN_UNKNOWN_USER },
        { "examples/exim_mainlog (greylisting)", "451 4.7.1 Greylisted, try again later",
          PIN_EXIM_GREY },
        { "examples/exim_mainlog (the MTA's own words)", "Unrouteable address", PIN_UNROUTEABLE },
    };
    struct fingerprinter *f = load_or_die();
    struct strbuf tmpl = STRBUF_INIT;
    for (size_t i = 0; i < sizeof pins / sizeof *pins; i++) {
        uint64_t got = fingerprint(f, slice_cstr(pins[i].text), &tmpl);
        ck_assert_msg(got == pins[i].want, "%s: key got %016llx, want %016llx (template %s)",
                      pins[i].source, (unsigned long long)got, (unsigned long long)pins[i].want,
                      strbuf_cstr(&tmpl));
    }
    strbuf_free(&tmpl);
    fingerprinter_free(f);
}
END_TEST

/* per-line cost: fingerprint runs once per failure line */
START_TEST(test_speed)
{
    struct fingerprinter *f = load_or_die();
    enum { N_INPUTS = 20000 };
    struct strbuf *texts = calloc(N_INPUTS, sizeof *texts);
    ck_assert_ptr_nonnull(texts);
    struct strbuf tmp = STRBUF_INIT, tmpl = STRBUF_INIT;
    for (int i = 0; i < N_INPUTS; i++) {
        struct gen_vars v;
        gen_vars_make(&v);
        gen_expand(template_at(rnd(N_ALL))->text, &v, &tmp);
        make_form(strbuf_cstr(&tmp), (enum form)rnd(F_N), &texts[i], &tmpl);
    }
    struct timespec t0, t1;
    uint64_t sum = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < N_INPUTS; i++)
        sum += fingerprint(f, strbuf_slice(&texts[i]), &tmpl);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / N_INPUTS;
    printf("fingerprint: %.2f us per call (generator mix, %llx)\n", us,
           (unsigned long long)(sum & 0xf));
    ck_assert_msg(us < 100, "fingerprint takes %.1f us per call", us);
    for (int i = 0; i < N_INPUTS; i++)
        strbuf_free(&texts[i]);
    free(texts);
    strbuf_free(&tmp);
    strbuf_free(&tmpl);
    fingerprinter_free(f);
}
END_TEST

static Suite *fingerprint_suite(void)
{
    Suite *s = suite_create("fingerprint");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_one_key_per_template);
    tcase_add_test(tc, test_templates_shown);
    tcase_add_test(tc, test_hex);
    tcase_add_test(tc, test_pinned_keys);
    tcase_add_test(tc, test_speed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fingerprint_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
