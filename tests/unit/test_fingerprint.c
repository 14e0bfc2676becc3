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

/* ---- the generator's failure templates (/work/shared/bench/genmaillog.py FAILURES) ---- */

enum gen_kind { K_PERM, K_TEMP, K_NET, K_DNS, K_DNS5 };

struct gen_template {
    enum gen_kind kind;
    const char *dsn, *reason, *blocklist;
    const char *text;
};

static const struct gen_template gen_templates[] = {
    { K_PERM, "5.7.1", "blocked", "spamhaus",
     "550 5.7.1 Service unavailable, Client host [{ip}] blocked using Spamhaus. To request rem"
     "oval from this list see https://www.spamhaus.org/query/ip/{ip} (AS16012611) [{eop}.eop-J"
     "PN01.prod.protection.outlook.com]" },
    { K_PERM, "5.7.1", "blocked", "microsoft",
     "550 5.7.1 Unfortunately, messages from [{ip}] weren't sent. Please contact your Internet"
     " service provider since part of their network is on our block list (S3150). You can also"
     " refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [{eop}.eo"
     "p-nam11.prod.protection.outlook.com]" },
    { K_PERM, "5.7.606", "blocked", "microsoft",
     "550 5.7.606 Access denied, banned sending IP [{ip}]. To request removal from this list p"
     "lease visit https://sender.office.com/ and follow the directions. For more information p"
     "lease go to http://go.microsoft.com/fwlink/?LinkID=526655 AS(1430) [{eop}.eop-nam12.prod"
     ".protection.outlook.com]" },
    { K_PERM, "5.7.1", "blocked", "spamhaus",
     "554 5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org; https:"
     "//www.spamhaus.org/query/ip/{ip}" },
    { K_PERM, "5.7.1", "blocked", "spamcop",
     "554 5.7.1 Service unavailable; Client host [{ip}] blocked using bl.spamcop.net; Blocked "
     "- see https://www.spamcop.net/bl.shtml?{ip}" },
    { K_PERM, "5.7.1", "blocked", "barracuda",
     "554 Service unavailable; Client host [{ip}] blocked using b.barracudacentral.org; http:/"
     "/www.barracudanetworks.com/reputation/?pr=1&ip={ip}" },
    { K_PERM, "5.7.1", "blocked", "uceprotect",
     "554 5.7.1 Service unavailable; Client host [{ip}] blocked using dnsbl-1.uceprotect.net; "
     "IP {ip} is UCEPROTECT-Level1 listed. See http://www.uceprotect.net/rblcheck.php?ipr={ip}" },
    { K_PERM, "5.7.0", "blocked", "proofpoint",
     "554 5.7.0 Blocked - see https://ipcheck.proofpoint.com/?ip={ip}" },
    { K_TEMP, "4.7.0", "ratelimited", "",
     "421-4.7.0 [{ip}      15] Our system has detected an unusual rate of 421-4.7.0 unsolicite"
     "d mail originating from your IP address. To protect our 421-4.7.0 users from spam, mail "
     "sent from your IP address has been temporarily 421-4.7.0 rate limited. Please visit 421-"
     "4.7.0  https://support.google.com/mail/?p=UnsolicitedRateLimitError to 421 4.7.0 review "
     "our Bulk Email Senders Guidelines. {gid} - gsmtp" },
    { K_TEMP, "4.7.0", "ratelimited", "",
     "421 4.7.0 [TSS04] Messages from {ip} temporarily deferred due to unexpected volume or us"
     "er complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes" },
    { K_PERM, "5.1.1", "userunknown", "",
     "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table" },
    { K_PERM, "5.1.1", "userunknown", "",
     "550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1"
     " double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces"
     ". Learn more at 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser {gid} - gsmtp" },
    { K_PERM, "5.4.1", "userunknown", "",
     "550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [{eop}.jpnprd01.prod."
     "outlook.com]" },
    { K_PERM, "5.0.0", "userunknown", "",
     "554 delivery error: dd This user doesn't have a yahoo.co.jp account ({rcpt}) [0] - mta{n"
     "4}.mail.kks.yahoo.co.jp" },
    { K_PERM, "5.2.2", "mailboxfull", "",
     "552 5.2.2 <{rcpt}>: Mailbox full" },
    { K_TEMP, "4.2.2", "mailboxfull", "",
     "452-4.2.2 The recipient's inbox is out of storage space. Please direct the 452-4.2.2 rec"
     "ipient to 452 4.2.2  https://support.google.com/mail/?p=OverQuotaTemp {gid} - gsmtp" },
    { K_TEMP, "4.2.0", "greylisted", "",
     "450 4.2.0 <{rcpt}>: Recipient address rejected: Greylisted, see http://postgrey.schweike"
     "rt.ch/help/{dom}.html" },
    { K_TEMP, "4.7.1", "greylisted", "",
     "451 4.7.1 Please try again later" },
    { K_PERM, "5.7.26", "authfailure", "",
     "550-5.7.26 This mail is unauthenticated, which poses a security risk to the 550-5.7.26 s"
     "ender and Gmail users, and has been blocked. The sender must 550-5.7.26 authenticate wit"
     "h at least one of SPF or DKIM. For this message, 550-5.7.26 DKIM checks did not pass and"
     " SPF check for [example.jp] 550-5.7.26 did not pass with ip: [{ip}]. The sender should v"
     "isit 550-5.7.26  https://support.google.com/mail/answer/81126#authentication for 550 5.7"
     ".26 instructions on setting up authentication. {gid} - gsmtp" },
    { K_PERM, "5.7.1", "spamdetected", "",
     "550 5.7.1 Message rejected as spam by Content Filtering." },
    { K_PERM, "5.3.4", "emailtoolarge", "",
     "552 5.3.4 Message size exceeds fixed maximum message size" },
    { K_PERM, "5.7.1", "norelaying", "",
     "554 5.7.1 <{rcpt}>: Relay access denied" },
    { K_NET, "4.4.1", "networkerror", "",
     "connect to {relay}[{rip}]:25: Connection timed out" },
    { K_NET, "4.4.1", "networkerror", "",
     "connect to {relay}[{rip}]:25: Connection refused" },
    { K_NET, "4.4.2", "networkerror", "",
     "lost connection with {relay}[{rip}] while receiving the initial server greeting" },
    { K_DNS, "4.4.3", "hostunknown", "",
     "Host or domain name not found. Name service error for name={dom} type=MX: Host not found"
     ", try again" },
    { K_DNS5, "5.4.4", "hostunknown", "",
     "Host or domain name not found. Name service error for name={dom} type=A: Host not found" },
    { K_NET, "4.7.5", "failedstarttls", "",
     "TLS is required, but was not offered by host {relay}[{rip}]" },
};

#define N_GEN (sizeof gen_templates / sizeof *gen_templates)

/* a small deterministic generator: tests must be repeatable */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)((rng_state >> 33) % n);
}

static const char *const gen_words[] = { "alpha", "sakura", "fuji", "kyoto", "hikari", "ni",
                                         "nagoya", "tsuki", "mori", "go" };

struct gen_vars {
    char ip[64], rcpt[128], relay[128], rip[64], dom[96], gid[64], eop[32], n4[8];
};

/* gen_ip - an IPv4 address whose octets have 1 to 3 digits */
static void gen_ip(char *buf, size_t n)
{
    int o[4];
    for (int i = 0; i < 4; i++) {
        switch (rnd(3)) {
        case 0: o[i] = (int)rnd(10); break;
        case 1: o[i] = 10 + (int)rnd(90); break;
        default: o[i] = 100 + (int)rnd(156); break;
        }
    }
    if (o[0] == 0)
        o[0] = 1 + (int)rnd(9);
    snprintf(buf, n, "%d.%d.%d.%d", o[0], o[1], o[2], o[3]);
}

static void gen_vars_make(struct gen_vars *v)
{
    static const char *const eops[] = { "TY1JPN01", "DM6NAM11", "BN8NAM12", "OS3PR01MB", "SG2APC01" };
    static const char *const tlds[] = { "jp", "com", "co.jp", "de", "ne.jp" };
    gen_ip(v->ip, sizeof v->ip);
    do
        gen_ip(v->rip, sizeof v->rip);
    while (strcmp(v->ip, v->rip) == 0);
    const char *w = gen_words[rnd(10)];
    snprintf(v->dom, sizeof v->dom, "%s%s.%s", w, rnd(2) ? "" : "-u", tlds[rnd(5)]);
    snprintf(v->rcpt, sizeof v->rcpt, "%s%u@%s", gen_words[rnd(10)], rnd(rnd(2) ? 1000 : 100000),
             v->dom);
    switch (rnd(3)) {
    case 0: snprintf(v->relay, sizeof v->relay, "mx%u.%s", rnd(10), v->dom); break;
    case 1: snprintf(v->relay, sizeof v->relay, "%s.mail.protection.outlook.com", w); break;
    default: snprintf(v->relay, sizeof v->relay, "gmail-smtp-in.l.google.com"); break;
    }
    char letters[4] = { (char)('a' + rnd(26)), (char)('a' + rnd(26)), (char)('a' + rnd(26)), 0 };
    snprintf(v->gid, sizeof v->gid, "%llx-%usi%u%s.%u",
             (unsigned long long)rnd(1u << 30) * 16384ULL + rnd(16384), rnd(10), rnd(10000000),
             letters, 1 + rnd(399));
    snprintf(v->eop, sizeof v->eop, "%s%uFT%03u", eops[rnd(5)], rnd(10), rnd(1000));
    snprintf(v->n4, sizeof v->n4, "%04u", rnd(10000));
}

/* gen_expand - the template with {ip}, {rcpt}, ... filled in */
static void gen_expand(const char *tpl, const struct gen_vars *v, struct strbuf *out)
{
    struct { const char *name; const char *val; } vars[] = {
        { "{ip}", v->ip }, { "{rcpt}", v->rcpt }, { "{relay}", v->relay }, { "{rip}", v->rip },
        { "{dom}", v->dom }, { "{gid}", v->gid }, { "{eop}", v->eop }, { "{n4}", v->n4 },
    };
    strbuf_reset(out);
    for (const char *p = tpl; *p;) {
        size_t i = 0;
        for (; i < sizeof vars / sizeof *vars; i++) {
            size_t n = strlen(vars[i].name);
            if (strncmp(p, vars[i].name, n) == 0) {
                strbuf_adds(out, vars[i].val);
                p += n;
                break;
            }
        }
        if (i == sizeof vars / sizeof *vars)
            strbuf_addc(out, *p++);
    }
}

/* gen_shorten - Sendmail's shortenstring() as the generator models it */
static void gen_shorten(const char *text, struct strbuf *out)
{
    size_t n = strlen(text);
    strbuf_reset(out);
    if (n <= 203) {
        strbuf_adds(out, text);
        return;
    }
    strbuf_add(out, text, 100);
    strbuf_adds(out, "...");
    strbuf_add(out, text + n - 100, 100);
}

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
static const char *const form_names[] = { "raw", "exim \\n", "sendmail reply=", "sendmail stat=Deferred",
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
                              "got another key than\n  \"%s\"", ti, form_names[fm],
                              strbuf_cstr(&text), strbuf_cstr(&tmpl), first_tmpl);
                /* nothing that varies survives in the template */
                ck_assert_msg(!strstr(strbuf_cstr(&tmpl), v.ip) && !strstr(strbuf_cstr(&tmpl), v.rcpt) &&
                                  !strstr(strbuf_cstr(&tmpl), v.gid) && !strstr(strbuf_cstr(&tmpl), v.eop),
                              "template %zu: \"%s\" keeps a variable part", ti, strbuf_cstr(&tmpl));
            }
        }
    }
    /* different templates, different keys: every pair */
    for (size_t i = 0; i < N_ALL; i++)
        for (size_t j = i + 1; j < N_ALL; j++)
            ck_assert_msg(keys[i] != keys[j], "templates %zu and %zu share a key:\n  %s\n  %s", i, j,
                          template_at(i)->text, template_at(j)->text);
    strbuf_free(&raw);
    strbuf_free(&text);
    strbuf_free(&tmp);
    strbuf_free(&tmpl);
    fingerprinter_free(f);
}
END_TEST

START_TEST(test_templates_shown)
{
    static const struct { const char *text, *want; } rows[] = {
        { "550 5.1.1 <hachi12@example.co.jp>: Recipient address rejected: User unknown in virtual mailbox table",
          "550 5.1.1 <addr>: Recipient address rejected: User unknown in virtual mailbox table" },
        { "connect to mx1.example.net[198.51.100.25]:25: Connection timed out",
          "connect to <host>[<ip>]:<n>: Connection timed out" },
        { "550-5.1.1 The email account that you tried to reach does not exist. Please try\\n550-5.1.1 "
          "double-checking the recipient's email address.\\n550 5.1.1  https://support.google.com/mail/?p=NoSuchUser "
          "3f2a9c1b7d0e-5si1234567abc.123 - gsmtp",
          "550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking "
          "the recipient's email address. https://<host>/mail/?p=NoSuchUser <id> - gsmtp" },
        { "421 4.7.0 [TSS04] Messages from 203.0.113.25 temporarily deferred",
          "421 4.7.0 [TSS04] Messages from <ip> temporarily deferred" },
        { "550 5.7.606 Access denied, banned sending IP [2001:db8::25]. AS(1430) "
          "[TY1JPN01FT004.eop-JPN01.prod.protection.outlook.com]",
          "550 5.7.606 Access denied, banned sending IP [<ip>]. AS(1430) [<host>]" },
        { "554 5.7.1 Service unavailable; Client host [203.0.113.25] blocked using zen.spamhaus.org; "
          "https://www.spamhaus.org/query/ip/203.0.113.25",
          "554 5.7.1 Service unavailable; Client host [<ip>] blocked using zen.spamhaus.org; "
          "https://www.spamhaus.org/query/ip/<ip>" },
        { "  Deferred: 451 4.7.1 Please   try again later  ", "451 4.7.1 Please try again later" },
        /* salient patterns run apart and merged as one alternation would
         * match: leftmost first, in any case for the DNSBL zones */
        { "550 5.7.1 listed at ZEN.SPAMHAUS.ORG (S3150) [TSS04] AS(12345) ?p=NoSuchUser answer/81126",
          "550 5.7.1 listed at ZEN.SPAMHAUS.ORG (S3150) [TSS04] AS(12345) ?p=NoSuchUser answer/81126" },
        { "554 blocked using spamhaus.org; also zenspamhaus.org and x.Spamhaus.Org. and b.barracudacentral.org",
          "554 blocked using spamhaus.org; also zenspamhaus.org and x.Spamhaus.Org. and b.barracudacentral.org" },
        { "550 5.7.1 [TS01][BL21][GL01][PH01] spamhaus spamhaus.spamcop.net sorbs.net.spamcop.org s5h.net",
          "550 5.7.1 [TS01][BL21][GL01][PH01] spamhaus spamhaus.spamcop.net sorbs.net<host> s5h.net" },
        /* no needed word: the zone pattern is not run, names are masked */
        { "421 4.7.0 try later from 203.0.113.5 to mx.example.net",
          "421 4.7.0 try later from <ip> to <host>" },
        { "", "" },
    };
    struct fingerprinter *f = load_or_die();
    struct strbuf tmpl = STRBUF_INIT;
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        fingerprint(f, slice_cstr(rows[i].text), &tmpl);
        ck_assert_msg(strcmp(strbuf_cstr(&tmpl), rows[i].want) == 0, "\"%s\":\n got \"%s\"\nwant \"%s\"",
                      rows[i].text, strbuf_cstr(&tmpl), rows[i].want);
    }
    /* a shortened text shows head … tail */
    struct strbuf raw = STRBUF_INIT, cut = STRBUF_INIT;
    for (int i = 0; i < 60; i++)
        strbuf_adds(&raw, "word ");
    strbuf_adds(&raw, "end");
    gen_shorten(strbuf_cstr(&raw), &cut);
    fingerprint(f, strbuf_slice(&cut), &tmpl);
    ck_assert_msg(strstr(strbuf_cstr(&tmpl), " \xe2\x80\xa6 ") != NULL, "got \"%s\"", strbuf_cstr(&tmpl));
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
    printf("fingerprint: %.2f us per call (generator mix, %llx)\n", us, (unsigned long long)(sum & 0xf));
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
