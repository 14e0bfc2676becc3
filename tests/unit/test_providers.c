/*
 * test_providers.c - remote host / recipient domain -> mail provider; our
 * relay hosts; registrable domains (issue 12 item 6).
 *
 * The host that answered decides; the recipient domain only when the log
 * names no DNS host (relay=none, an address literal). Relay hosts: by port
 * (465, 587 from the shipped [relay]), by --relay-host name or address (any
 * case, trailing dot), by a user's [relay] host pattern. Registrable domains
 * come from libpsl: mx1/mx2.example.co.jp are example.co.jp, names compared
 * in lower case, addresses left whole.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "providers.h"
#include "util/strbuf.h"

static struct providers *load_or_die(void)
{
    struct strbuf err = STRBUF_INIT;
    struct providers *p = providers_load(&err);
    ck_assert_msg(p != NULL, "providers_load: %s", strbuf_cstr(&err));
    strbuf_free(&err);
    return p;
}

static const struct {
    const char *host, *domain, *want;
} rows[] = {
    /* the host decides */
    { "example-co-jp.mail.protection.outlook.com", "example.co.jp", "microsoft365" },
    { "alphau-ac-jp01i.mail.protection.outlook.com", "alpha-u.ac.jp", "microsoft365" },
    { "hotmail-com.olc.protection.outlook.com", "hotmail.com", "outlookcom" },
    { "gmail-smtp-in.l.google.com", "gmail.com", "google" },
    { "aspmx.l.google.com", "example.com", "google" },
    { "alt1.gmail-smtp-in.l.google.com.", "gmail.com", "google" },
    { "mta7.am0.yahoodns.net", "yahoo.com", "yahoo" },
    { "mx.mail.yahoo.co.jp", "yahoo.co.jp", "yahoo" },
    { "MFSMAX.DOCOMO.NE.JP", "docomo.ne.jp", "docomo" },
    { "mx.ezweb.ne.jp", "ezweb.ne.jp", "kddi" },
    { "mx.softbank.ne.jp", "softbank.ne.jp", "softbank" },
    { "mx01.mail.icloud.com", "icloud.com", "icloud" },
    { "mx0a-00123456.pphosted.com", "example.com", "proofpoint" },
    { "us-smtp-inbound-1.mimecast.com", "example.com", "mimecast" },
    { "d123.ess.barracudanetworks.com", "example.com", "barracuda" },
    { "mx00.gmx.net", "gmx.de", "gmx" },
    { "mx-ha03.web.de", "web.de", "gmx" },
    { "mx.zoho.com", "example.com", "zoho" },
    { "in1-smtp.messagingengine.com", "fastmail.com", "fastmail" },
    { "mx1.mail.ovh.net", "example.fr", "ovh" },
    { "inbound-smtp.us-east-1.amazonaws.com", "example.com", "amazonses" },
    { "www1234.sakura.ne.jp", "example.jp", "sakura" },
    { "mx1.comcast.net", "comcast.net", "comcast" },
    { "mx02.t-online.de", "t-online.de", "t-online" },
    { "smtp-in.orange.fr", "orange.fr", "orange" },
    { "smtp-in.wanadoo.fr", "wanadoo.fr", "orange" },
    { "smtpz4.laposte.net", "laposte.net", "laposte" },
    { "163mx01.mxmail.netease.com", "163.com", "netease" },
    { "126mx00.mxmail.netease.com", "126.com", "netease" },
    { "mx3.qq.com", "qq.com", "qq" },
    { "mx1.seznam.cz", "seznam.cz", "seznam" },
    { "mx2.secureserver.net", "example.com", "godaddy" },
    { "mx1.earthlink.net", "earthlink.net", "earthlink" },
    /* mail-filtering gateways and hosters: MX names from the vendors' setup
     * pages (the comments in patterns/providers.conf name them) */
    { "mx-01-eu-central-1.prod.hydra.sophos.com", "example.com", "sophos" },
    { "mx1.dhl.iphmx.com", "dhl.com", "cisco" },
    { "esa1.example.c3s2.iphmx.com", "example.com", "cisco" },
    { "in.tmes.trendmicro.com", "example.com", "trendmicro" },
    { "in.tmes.trendmicro.eu", "example.de", "trendmicro" },
    { "in.tmes-anz.trendmicro.com", "example.com.au", "trendmicro" },
    { "in.tmes.trendmicro.co.jp", "example.co.jp", "trendmicro" },
    { "in.hes.trendmicro.com", "example.com", "trendmicro" },
    { "prefilter.emailsecurity.trendmicro.eu", "example.se", "trendmicro" },
    { "cluster1.eu.messagelabs.com", "example.co.uk", "messagelabs" },
    { "cluster5a.us.messagelabs.com", "example.com", "messagelabs" },
    { "mx01.hornetsecurity.com", "example.de", "hornetsecurity" },
    { "mx.antispameurope.com", "example.de", "hornetsecurity" },
    { "mx1.emailsrvr.com", "example.com", "rackspace" },
    { "mx.spamexperts.com", "example.nl", "spamexperts" },
    { "fallbackmx.spamexperts.eu", "example.nl", "spamexperts" },
    { "lastmx.spamexperts.net", "example.nl", "spamexperts" },
    { "filter10.antispamcloud.com", "example.nl", "spamexperts" },
    { "cust1234-1.in.mailcontrol.com", "example.com", "forcepoint" },
    { "smtpin.rzone.de", "example.de", "strato" },
    { "mx00.ionos.de", "example.de", "gmx" },
    { "mx01.ionos.es", "example.es", "gmx" },
    { "mx00.1and1.co.uk", "example.co.uk", "gmx" },
    { "mx00.kundenserver.de", "example.de", "gmx" },
    { "mail.protonmail.ch", "example.com", "protonmail" },
    { "mailsec.protonmail.ch", "example.com", "protonmail" },
    { "mx1-eu1.ppe-hosted.com", "example.com", "proofpoint" },
    /* Sophos's outbound relay is not its inbound gateway */
    { "relay.mail.sophos.com", "example.com", NULL },
    { "trendmicro.com.evil.example", "example.com", NULL },
    /* AOL's mail is Yahoo's platform */
    { "mailin-03.mx.aol.com", "aol.com", "yahoo" },
    { "mx-aol.mail.gm0.yahoodns.net", "aol.com", "yahoo" },
    /* no host (relay=none, DNS failures): the recipient domain */
    { "", "gmail.com", "google" },
    { "none", "outlook.jp", "outlookcom" },
    { "", "docomo.ne.jp", "docomo" },
    { "", "i.softbank.jp", "softbank" },
    { "", "yahoo.co.jp", "yahoo" },
    { "", "yeah.net", "netease" },
    { "", "foxmail.com", "qq" },
    { "", "magenta.de", "t-online" },
    { "", "Hotmail.com", "outlookcom" },
    /* an address or a transport is no host name: the domain decides */
    { "192.0.2.1", "gmail.com", "google" },
    { "[192.0.2.1]", "gmail.com", "google" },
    { "2001:db8::1", "gmail.com", "google" },
    { "private/dovecot-lmtp", "gmail.com", "google" },
    /* a host that answered decides, even unknown: a smarthost's reply to a
     * gmail.com recipient is not Google's (issue 12 item 6) */
    { "smtp.relay.example.net", "gmail.com", NULL },
    { "mx1.example.co.jp", "yahoo.co.jp", NULL },
    /* unknown */
    { "mail.sakura-example.jp", "sakura-example.jp", NULL },
    { "mx1.alpha.com", "alpha.com", NULL },
    { "", "example.org", NULL },
    { "", "", NULL },
    /* look-alikes must not match */
    { "google.com.evil.example", "example.com", NULL },
    { "notoutlook.com", "example.com", NULL },
};

START_TEST(test_table)
{
    struct providers *p = load_or_die();
    /* twice: the second round answers from the cache */
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
            const struct provider *pv =
                provider_for(p, slice_cstr(rows[i].host), slice_cstr(rows[i].domain));
            const char *got = pv ? pv->id : NULL;
            ck_assert_msg((got == NULL) == (rows[i].want == NULL) &&
                              (!got || strcmp(got, rows[i].want) == 0),
                          "round %d: %s / %s: got %s, want %s", round, rows[i].host, rows[i].domain,
                          got ? got : "(none)", rows[i].want ? rows[i].want : "(none)");
            if (pv)
                ck_assert(pv->name && *pv->name);
        }
    }
    providers_free(p);
}
END_TEST

START_TEST(test_user_override)
{
    char dir[] = "/tmp/bs-providers-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/providers.conf", dir);
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs("[provider google]\nname = Google, as we call it\nhost = \\.google\\.com$\n\n"
          "[provider inhouse]\nname = Our relay\nhost = ^relay\\.example\\.jp$\n",
          fp);
    fclose(fp);
    conf_search_add(dir);
    struct providers *p = load_or_die();
    const struct provider *pv = provider_for(p, SLICE_LIT("aspmx.l.google.com"), SLICE_EMPTY);
    ck_assert_ptr_nonnull(pv);
    ck_assert_str_eq(pv->name, "Google, as we call it");
    /* the user's google has no domain pattern: gmail.com alone no longer names it */
    ck_assert_ptr_null(provider_for(p, SLICE_EMPTY, SLICE_LIT("gmail.com")));
    pv = provider_for(p, SLICE_LIT("relay.example.jp"), SLICE_EMPTY);
    ck_assert_ptr_nonnull(pv);
    ck_assert_str_eq(pv->id, "inhouse");
    providers_free(p);
    unlink(path);
    rmdir(dir);
}
END_TEST

START_TEST(test_relay)
{
    struct providers *p = load_or_die();
    const struct provider *relay = provider_relay(p);
    ck_assert_ptr_nonnull(relay);
    ck_assert_str_eq(relay->name, "Our relay host");
    /* submission ports: only a relay of ours is reached there */
    ck_assert(provider_is_relay(p, SLICE_LIT("smtp.example.net"), SLICE_LIT("192.0.2.9"), 587));
    ck_assert(provider_is_relay(p, SLICE_LIT("smtp.example.net"), SLICE_EMPTY, 465));
    ck_assert(!provider_is_relay(p, SLICE_LIT("mx1.example.net"), SLICE_LIT("192.0.2.1"), 25));
    ck_assert(!provider_is_relay(p, SLICE_LIT("mx1.example.net"), SLICE_EMPTY, 0));
    /* the documented submission hosts of mail services: a relay of ours on
     * any port; their MX hosts are not */
    ck_assert(provider_is_relay(p, SLICE_LIT("smtp.gmail.com"), SLICE_EMPTY, 25));
    ck_assert(provider_is_relay(p, SLICE_LIT("smtp-relay.gmail.com"), SLICE_EMPTY, 0));
    ck_assert(provider_is_relay(p, SLICE_LIT("SMTP.Office365.com."), SLICE_EMPTY, 0));
    ck_assert(
        provider_is_relay(p, SLICE_LIT("email-smtp.eu-west-1.amazonaws.com"), SLICE_EMPTY, 0));
    ck_assert(provider_is_relay(p, SLICE_LIT("smtp.laposte.net"), SLICE_EMPTY, 0));
    ck_assert(provider_is_relay(p, SLICE_LIT("smtp.1and1.com"), SLICE_EMPTY, 25));
    ck_assert(!provider_is_relay(p, SLICE_LIT("mx00.1and1.com"), SLICE_EMPTY, 25));
    ck_assert(!provider_is_relay(p, SLICE_LIT("gmail-smtp-in.l.google.com"), SLICE_EMPTY, 25));
    ck_assert(!provider_is_relay(p, SLICE_LIT("contoso-com.mail.protection.outlook.com"),
                                 SLICE_EMPTY, 25));
    ck_assert(
        !provider_is_relay(p, SLICE_LIT("inbound-smtp.us-east-1.amazonaws.com"), SLICE_EMPTY, 25));
    ck_assert(!provider_is_relay(p, SLICE_LIT("smtp.gmail.com.example.net"), SLICE_EMPTY, 25));
    ck_assert(!provider_is_relay(p, SLICE_LIT("smtp-in.laposte.net"), SLICE_EMPTY, 25));
    /* --relay-host: names in any case and with a trailing dot, and addresses */
    providers_add_relay(p, "Smarthost.Example.COM.");
    providers_add_relay(p, "198.51.100.7");
    ck_assert(provider_is_relay(p, SLICE_LIT("smarthost.example.com"), SLICE_EMPTY, 25));
    ck_assert(provider_is_relay(p, SLICE_LIT("SMARTHOST.example.com."), SLICE_EMPTY, 0));
    ck_assert(provider_is_relay(p, SLICE_LIT("relay7"), SLICE_LIT("198.51.100.7"), 25));
    ck_assert(!provider_is_relay(p, SLICE_LIT("smarthost.example.com.evil"), SLICE_EMPTY, 25));
    ck_assert(!provider_is_relay(p, SLICE_LIT("x.smarthost.example.com"), SLICE_EMPTY, 25));
    ck_assert(!provider_is_relay(p, SLICE_EMPTY, SLICE_LIT("198.51.100.70"), 25));
    providers_free(p);
}
END_TEST

START_TEST(test_relay_user_section)
{
    char dir[] = "/tmp/bs-providers-relay-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/providers.conf", dir);
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    /* the same id as the shipped section: it replaces it (no ports any more) */
    fputs("[relay ours]\nname = Our smarthosts\nhost = ^out[0-9]+\\.example\\.jp$\n", fp);
    fclose(fp);
    conf_search_add(dir);
    struct providers *p = load_or_die();
    ck_assert_str_eq(provider_relay(p)->name, "Our smarthosts");
    ck_assert(provider_is_relay(p, SLICE_LIT("OUT2.example.jp."), SLICE_EMPTY, 25));
    ck_assert(!provider_is_relay(p, SLICE_LIT("out.example.jp"), SLICE_EMPTY, 25));
    ck_assert(!provider_is_relay(p, SLICE_LIT("smtp.example.net"), SLICE_EMPTY, 587));
    providers_free(p);
    unlink(path);
    rmdir(dir);
}
END_TEST

START_TEST(test_registrable_domain)
{
    static const struct {
        const char *host, *want;
    } cases[] = {
        /* an unknown receiver's MX hosts fall together */
        { "mx1.example.co.jp", "example.co.jp" },
        { "mx2.example.co.jp", "example.co.jp" },
        { "mail.example.com", "example.com" },
        { "mx00.mail.example.de", "example.de" },
        /* one group whatever the case; a trailing dot dropped */
        { "smtp2.azet.sk", "azet.sk" },
        { "smtp2.AZET.SK", "azet.sk" },
        { "MX1.Example.CO.JP.", "example.co.jp" },
        /* private suffixes of the list count */
        { "a.b.example.blogspot.com", "example.blogspot.com" },
        /* already registrable */
        { "example.co.jp", "example.co.jp" },
        /* not names: returned whole, lower case */
        { "192.0.2.1", "192.0.2.1" },
        { "2001:db8::25", "2001:db8::25" },
        { "localhost", "localhost" },
        { "LOCAL", "local" },
        { "co.jp", "co.jp" },
        { "", "" },
    };
    struct strbuf buf = STRBUF_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct slice got = host_registrable_domain(slice_cstr(cases[i].host), &buf);
        ck_assert_msg(slice_eq_cstr(got, cases[i].want), "%s: got \"%.*s\", want \"%s\"",
                      cases[i].host, (int)got.n, got.p ? got.p : "", cases[i].want);
    }
    strbuf_free(&buf);
}
END_TEST

START_TEST(test_bad_config)
{
    static const char *const files[] = {
        "[provider x]\nhost = (unclosed\n",
        "[provider x]\nname = X\n",
        "[provider x]\nhost = a\n",
        "[provider x]\nname = X\ncolour = red\nhost = a\n",
        "[vendor x]\nname = X\nhost = a\n",
        "[relay x]\nname = X\nport = 70000\n",
        "[relay x]\nname = X\ncolour = red\n",
        "[relay x]\nhost = (unclosed\n",
    };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char dir[] = "/tmp/bs-providers-bad-XXXXXX";
        ck_assert_ptr_nonnull(mkdtemp(dir));
        char path[256];
        snprintf(path, sizeof path, "%s/providers.conf", dir);
        FILE *fp = fopen(path, "w");
        ck_assert_ptr_nonnull(fp);
        fputs(files[i], fp);
        fclose(fp);
        /* each case in its own forked test process would be cleaner; the
         * search path only grows, so test in the order: a bad user file first */
        conf_search_add(dir);
        struct strbuf err = STRBUF_INIT;
        struct providers *p = providers_load(&err);
        ck_assert_msg(p == NULL, "file %zu loaded, want an error", i);
        ck_assert_msg(strstr(strbuf_cstr(&err), path) != NULL, "file %zu: error '%s' names no file",
                      i, strbuf_cstr(&err));
        strbuf_free(&err);
        unlink(path);
        rmdir(dir);
    }
}
END_TEST

START_TEST(test_speed)
{
    struct providers *p = load_or_die();
    char host[64];
    struct timespec t0, t1;
    const int n = 200000;
    int found = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < n; i++) {
        /* 5000 distinct hosts, as in a busy day's log */
        snprintf(host, sizeof host, "mx%d.example%d.mail.protection.outlook.com", i % 50, i % 100);
        found += provider_for(p, slice_cstr(host), SLICE_EMPTY) != NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / n;
    printf("provider_for: %.3f us per call (cached)\n", us);
    ck_assert_int_eq(found, n);
    ck_assert_msg(us < 20, "provider_for takes %.2f us", us);
    providers_free(p);
}
END_TEST

static Suite *providers_suite(void)
{
    Suite *s = suite_create("providers");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_table);
    tcase_add_test(tc, test_user_override);
    tcase_add_test(tc, test_relay);
    tcase_add_test(tc, test_relay_user_section);
    tcase_add_test(tc, test_registrable_domain);
    tcase_add_test(tc, test_bad_config);
    tcase_add_test(tc, test_speed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(providers_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
