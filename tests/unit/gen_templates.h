/*
 * gen_templates.h - the failure templates of bench/genmaillog.py (its FAILURES
 * table), with the variables filled in the way the generator fills them and
 * Sendmail's shortening, shared by the classification and fingerprint tests.
 *
 * Included by one test file each (static definitions): it is test data and
 * helpers, not a module. Keep it in step with the generator's table.
 */
#ifndef BS_TEST_GEN_TEMPLATES_H
#define BS_TEST_GEN_TEMPLATES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    { K_PERM, "5.2.2", "mailboxfull", "", "552 5.2.2 <{rcpt}>: Mailbox full" },
    { K_TEMP, "4.2.2", "mailboxfull", "",
      "452-4.2.2 The recipient's inbox is out of storage space. Please direct the 452-4.2.2 rec"
      "ipient to 452 4.2.2  https://support.google.com/mail/?p=OverQuotaTemp {gid} - gsmtp" },
    { K_TEMP, "4.2.0", "greylisted", "",
      "450 4.2.0 <{rcpt}>: Recipient address rejected: Greylisted, see http://postgrey.schweike"
      "rt.ch/help/{dom}.html" },
    { K_TEMP, "4.7.1", "greylisted", "", "451 4.7.1 Please try again later" },
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
    { K_PERM, "5.7.1", "norelaying", "", "554 5.7.1 <{rcpt}>: Relay access denied" },
    { K_NET, "4.4.1", "networkerror", "", "connect to {relay}[{rip}]:25: Connection timed out" },
    { K_NET, "4.4.1", "networkerror", "", "connect to {relay}[{rip}]:25: Connection refused" },
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

static const char *const gen_words[] = { "alpha", "sakura", "fuji",  "kyoto", "hikari",
                                         "ni",    "nagoya", "tsuki", "mori",  "go" };

struct gen_vars {
    char ip[64], rcpt[128], relay[128], rip[64], dom[96], gid[64], eop[32], n4[8];
};

/* gen_ip - an IPv4 address whose octets have 1 to 3 digits */
static void gen_ip(char *buf, size_t n)
{
    int o[4];
    for (int i = 0; i < 4; i++) {
        switch (rnd(3)) {
        case 0:
            o[i] = (int)rnd(10);
            break;
        case 1:
            o[i] = 10 + (int)rnd(90);
            break;
        default:
            o[i] = 100 + (int)rnd(156);
            break;
        }
    }
    if (o[0] == 0)
        o[0] = 1 + (int)rnd(9);
    snprintf(buf, n, "%d.%d.%d.%d", o[0], o[1], o[2], o[3]);
}

static void gen_vars_make(struct gen_vars *v)
{
    static const char *const eops[] = { "TY1JPN01", "DM6NAM11", "BN8NAM12", "OS3PR01MB",
                                        "SG2APC01" };
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
    case 0:
        snprintf(v->relay, sizeof v->relay, "mx%u.%s", rnd(10), v->dom);
        break;
    case 1:
        snprintf(v->relay, sizeof v->relay, "%s.mail.protection.outlook.com", w);
        break;
    default:
        snprintf(v->relay, sizeof v->relay, "gmail-smtp-in.l.google.com");
        break;
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
    struct {
        const char *name;
        const char *val;
    } vars[] = {
        { "{ip}", v->ip },   { "{rcpt}", v->rcpt }, { "{relay}", v->relay }, { "{rip}", v->rip },
        { "{dom}", v->dom }, { "{gid}", v->gid },   { "{eop}", v->eop },     { "{n4}", v->n4 },
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

#endif
