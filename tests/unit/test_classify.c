/*
 * test_classify.c - the reason engine's mechanics: layers, rules named by
 * file:line, prefix scopes, generic texts, the cache, user rules, IPs.
 *
 * Every failure template of the benchmark generator (genmaillog.py FAILURES),
 * through each MTA's text extraction and with random IPs, addresses and ids,
 * must get the generator's truth, with and without the cache. Real reply
 * texts and their classes live in tests/corpus/ (run by tests/script/corpus.sh);
 * here are the mechanics: which layer and rule decides, the scope a
 * restriction prefix sets, the note on generic texts, a cache that never
 * changes an answer (user rules reading IPs, kept literals), third-party IPs,
 * the reason table, bad configuration.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"
#include "conf.h"
#include "util/strbuf.h"

#include "gen_templates.h"

/* ---- each MTA's text extraction, as the parsers do it ---- */

enum sim_mta { SIM_POSTFIX, SIM_SENDMAIL, SIM_EXIM, SIM_N };
static const char *const sim_names[] = { "postfix", "sendmail", "exim" };

struct sim {
    struct strbuf text, tmp;
    const char *dsn, *stage, *host, *ip;
    enum delivery_status status;
    enum text_source source;
};

static void simulate(struct sim *s, const struct gen_template *t, const struct gen_vars *v,
                     enum sim_mta m)
{
    gen_expand(t->text, v, &s->tmp);
    const char *raw = strbuf_cstr(&s->tmp);
    bool temp = t->kind != K_PERM && t->kind != K_DNS5;
    s->status = temp ? DELIVERY_DEFERRED : DELIVERY_BOUNCED;
    s->source = t->kind == K_PERM || t->kind == K_TEMP ? TEXT_REMOTE_REPLY : TEXT_LOCAL;
    s->dsn = m == SIM_EXIM ? "" : t->dsn;
    s->stage = (t->kind == K_PERM || t->kind == K_TEMP) && m != SIM_SENDMAIL ? "RCPT TO" : "";
    s->host = t->kind == K_DNS || t->kind == K_DNS5 ? "" : v->relay;
    s->ip = t->kind == K_DNS || t->kind == K_DNS5 ? "" : v->rip;
    strbuf_reset(&s->text);
    if (m == SIM_SENDMAIL) {
        struct strbuf both = STRBUF_INIT;
        switch (t->kind) {
        case K_PERM: /* reply=, shortened */
            gen_shorten(raw, &s->text);
            break;
        case K_TEMP: /* stat=Deferred: <reply>, shortened, then "Deferred: " removed */
            strbuf_adds(&both, "Deferred: ");
            strbuf_adds(&both, raw);
            gen_shorten(strbuf_cstr(&both), &s->text);
            memmove(s->text.s, s->text.s + 10, s->text.len - 10 + 1);
            s->text.len -= 10;
            break;
        case K_NET:
            strbuf_addf(&s->text,
                        strstr(raw, "timed out") ? "Connection timed out with %s."
                                                 : "Connection refused by %s.",
                        v->relay);
            break;
        case K_DNS:
            strbuf_addf(&s->text, "Name server: %s: host name lookup failure", v->dom);
            break;
        case K_DNS5:
            strbuf_addf(&s->text, "Host unknown (Name server: %s: host not found)", v->dom);
            break;
        }
        strbuf_free(&both);
    } else if (m == SIM_EXIM && t->kind == K_DNS5) {
        strbuf_adds(&s->text, "Unrouteable address");
    } else {
        strbuf_adds(&s->text, raw);
    }
}

static struct classifier *load_or_die(void)
{
    struct strbuf err = STRBUF_INIT;
    struct classifier *c = classifier_load(&err);
    ck_assert_msg(c != NULL, "classifier_load: %s", strbuf_cstr(&err));
    strbuf_free(&err);
    return c;
}

START_TEST(test_generator_templates)
{
    struct classifier *c = load_or_die();
    struct classifier *plain = load_or_die();
    classifier_cache(plain, false);
    struct sim s = { STRBUF_INIT, STRBUF_INIT, NULL, NULL, NULL, NULL, 0, 0 };
    int checked = 0;
    for (size_t ti = 0; ti < N_GEN; ti++) {
        const struct gen_template *t = &gen_templates[ti];
        for (int m = 0; m < SIM_N; m++) {
            for (int rep = 0; rep < 40; rep++) {
                struct gen_vars v;
                gen_vars_make(&v);
                simulate(&s, t, &v, (enum sim_mta)m);
                struct classify_input in = {
                    .text = strbuf_slice(&s.text),
                    .dsn = slice_cstr(s.dsn),
                    .stage = slice_cstr(s.stage),
                    .remote_host = slice_cstr(s.host),
                    .remote_ip = slice_cstr(s.ip),
                    .status = s.status,
                    .text_source = s.source,
                };
                struct classification out, ref;
                classify(c, &in, &out);
                /* the shape cache must not change any answer */
                classify(plain, &in, &ref);
                ck_assert_msg(
                    strcmp(out.reason->name, ref.reason->name) == 0 &&
                        !out.blocklist == !ref.blocklist &&
                        (!out.blocklist || strcmp(out.blocklist->id, ref.blocklist->id) == 0) &&
                        out.implicated_ip.p == ref.implicated_ip.p &&
                        out.implicated_ip.n == ref.implicated_ip.n,
                    "template %zu via %s: \"%s\": cached %s/%s/'%.*s', uncached %s/%s/'%.*s'", ti,
                    sim_names[m], strbuf_cstr(&s.text), out.reason->name,
                    out.blocklist ? out.blocklist->id : "", (int)out.implicated_ip.n,
                    out.implicated_ip.p, ref.reason->name, ref.blocklist ? ref.blocklist->id : "",
                    (int)ref.implicated_ip.n, ref.implicated_ip.p);
                const char *bl = out.blocklist ? out.blocklist->id : "";
                ck_assert_msg(
                    strcmp(out.reason->name, t->reason) == 0 && strcmp(bl, t->blocklist) == 0,
                    "template %zu via %s: \"%s\" dsn=%s: got %s/%s, want %s/%s", ti, sim_names[m],
                    strbuf_cstr(&s.text), s.dsn, out.reason->name, bl, t->reason, t->blocklist);
                /* the implicated IP: ours when the text (still) names it */
                bool named = strstr(t->text, "{ip}") && strstr(strbuf_cstr(&s.text), v.ip);
                char got_ip[64];
                snprintf(got_ip, sizeof got_ip, "%.*s", (int)out.implicated_ip.n,
                         out.implicated_ip.p);
                ck_assert_msg(strcmp(got_ip, named ? v.ip : "") == 0,
                              "template %zu via %s: \"%s\": implicated ip got '%s', want '%s'", ti,
                              sim_names[m], strbuf_cstr(&s.text), got_ip, named ? v.ip : "");
                /* the dsn: as logged, else from the text */
                if (*s.dsn)
                    ck_assert_str_eq(out.dsn, s.dsn);
                checked++;
            }
        }
    }
    ck_assert_int_eq(checked, (int)(N_GEN * SIM_N * 40));
    strbuf_free(&s.text);
    strbuf_free(&s.tmp);
    classifier_free(c);
    classifier_free(plain);
}
END_TEST

/* ---- which layer decides, and the rule named by file:line ---- */

struct layer_row {
    const char *text, *dsn, *stage;
    enum text_source source;
    const char *reason;
    enum classify_layer layer;
    const char *file, *rule; /* the table the rule is in, its section name */
};

static const struct layer_row layer_rows[] = {
    /* a provider code decides before any phrase: Microsoft's 5.4.1 "Access denied" is
     * its directory based edge blocking (an unknown recipient); elsewhere a bare
     * "Recipient address rejected: Access denied" is a policy */
    { "550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [x.eop.outlook.com]",
      "5.4.1", "RCPT TO", TEXT_REMOTE_REPLY, "userunknown", LAYER_CODE, "provider-codes.conf",
      "microsoft-dbeb" },
    { "550 5.7.1 <a@example.com>: Recipient address rejected: Access denied", "5.7.1", "RCPT TO",
      TEXT_REMOTE_REPLY, "policyviolation", LAYER_PHRASE, "phrases.conf", "policyviolation" },
    /* the restriction prefix is stripped: what follows decides */
    { "450 4.7.1 <a@example.com>: Recipient address rejected: Domain example.com receiving too "
      "many bounces. Please send later.",
      "4.7.1", "RCPT TO", TEXT_REMOTE_REPLY, "ratelimited", LAYER_PHRASE, "phrases.conf",
      "ratelimited" },
    /* a scope from the prefix: "Client host rejected: Access denied" is about our host */
    { "554 5.7.1 <mx.example.jp[192.0.2.9]>: Client host rejected: Access denied", "5.7.1",
      "RCPT TO", TEXT_REMOTE_REPLY, "blocked", LAYER_STAGE, "stages.conf", "CONNECT" },
    { "554 5.7.1 <a@example.jp>: Sender address rejected: Access denied", "5.7.1", "RCPT TO",
      TEXT_REMOTE_REPLY, "rejected", LAYER_STAGE, "stages.conf", "MAIL FROM" },
    /* the stage from Postfix's "(in reply to ... command)" */
    { "550 Access denied (in reply to MAIL FROM command)", "", "", TEXT_REMOTE_REPLY, "rejected",
      LAYER_STAGE, "stages.conf", "MAIL FROM" },
    /* nothing in the text: the status code */
    { "550 5.1.1 Nope", "", "RCPT TO", TEXT_REMOTE_REPLY, "userunknown", LAYER_DSN, "dsn.conf",
      "X.1.1" },
    { "452 4.3.1 Nope", "", "RCPT TO", TEXT_REMOTE_REPLY, "systemerror", LAYER_DSN, "dsn.conf",
      "X.3.*" },
    { "550 5.7.606 Nope", "", "RCPT TO", TEXT_REMOTE_REPLY, "blocked", LAYER_CODE,
      "provider-codes.conf", "microsoft-banned-sending-ip" },
    /* a generic text never reaches the phrases: "Service unavailable" is not a server error */
    { "Service unavailable", "5.7.1", "", TEXT_GENERIC, "policyviolation", LAYER_DSN, "dsn.conf",
      "X.7.1" },
    /* SMTP AUTH towards our relay host is not SPF/DKIM/DMARC */
    { "SASL authentication failed; server relay.example.net[198.51.100.9] said: 535 5.7.8 Error: "
      "authentication failed: authentication failure",
      "4.7.8", "", TEXT_LOCAL, "securityerror", LAYER_PHRASE, "phrases.conf", "securityerror" },
    /* "Command not allowed" at DATA is not spam */
    { "503 5.5.1 Command not allowed", "5.5.1", "DATA", TEXT_REMOTE_REPLY, "syntaxerror",
      LAYER_PHRASE, "phrases.conf", "syntaxerror" },
};

START_TEST(test_layers)
{
    struct classifier *c = load_or_die();
    for (size_t i = 0; i < sizeof layer_rows / sizeof *layer_rows; i++) {
        const struct layer_row *r = &layer_rows[i];
        struct classify_input in = {
            .text = slice_cstr(r->text),
            .dsn = slice_cstr(r->dsn),
            .stage = slice_cstr(r->stage),
            .status = DELIVERY_BOUNCED,
            .text_source = r->source,
        };
        struct classification out;
        classify(c, &in, &out);
        ck_assert_msg(strcmp(out.reason->name, r->reason) == 0, "row %zu \"%s\": got %s, want %s",
                      i, r->text, out.reason->name, r->reason);
        ck_assert_msg(out.rule != NULL, "row %zu: no rule recorded", i);
        const char *slash = strrchr(out.rule->file, '/');
        ck_assert_msg(out.rule->layer == r->layer &&
                          strcmp(slash ? slash + 1 : out.rule->file, r->file) == 0 &&
                          strcmp(out.rule->name, r->rule) == 0,
                      "row %zu \"%s\": decided by %s [%s] %s:%d, want %s [%s] %s", i, r->text,
                      classify_layer_name(out.rule->layer), out.rule->name, out.rule->file,
                      out.rule->line, classify_layer_name(r->layer), r->rule, r->file);
        ck_assert_int_gt(out.rule->line, 0);
    }
    /* a generic text says so, and a permanent 5.0.0 is undefined, not a server error */
    struct classify_input g = { .text = SLICE_LIT("Service unavailable"),
                                .dsn = SLICE_LIT("5.0.0"),
                                .status = DELIVERY_BOUNCED,
                                .text_source = TEXT_GENERIC };
    struct classification out;
    classify(c, &g, &out);
    ck_assert_str_eq(out.reason->name, "undefined");
    ck_assert_ptr_nonnull(out.note);
    ck_assert_ptr_nonnull(strstr(out.note, "does not hold the receiver's reply"));
    /* a provider code carries its catalogue entry */
    struct classify_input m = { .text = SLICE_LIT("550 5.7.1 Unfortunately, messages from "
                                                  "[192.0.2.1] weren't sent. (S3150)"),
                                .status = DELIVERY_BOUNCED };
    classify(c, &m, &out);
    ck_assert_ptr_nonnull(out.rule);
    ck_assert_ptr_nonnull(out.rule->code);
    ck_assert_str_eq(out.rule->code->id, "microsoft-s3150");
    ck_assert(out.rule->code->verified);
    ck_assert_str_eq(out.blocklist->id, "microsoft");
    /* an entry no public page documents says so */
    struct classify_input u = { .text = SLICE_LIT("451 4.4.0 Message failed. ATTR38"),
                                .status = DELIVERY_DEFERRED };
    classify(c, &u, &out);
    ck_assert_ptr_nonnull(out.rule);
    ck_assert_ptr_nonnull(out.rule->code);
    ck_assert_str_eq(out.rule->code->id, "microsoft-multiple-regions");
    ck_assert(!out.rule->code->verified);
    /* an empty expired status */
    struct classify_input e = { .text = SLICE_LIT(""), .status = DELIVERY_EXPIRED };
    classify(c, &e, &out);
    ck_assert_str_eq(out.reason->name, "expired");
    classifier_free(c);
}
END_TEST

/* the trace: the reading after the wrappers, the stage and scope */
START_TEST(test_trace)
{
    struct classifier *c = load_or_die();
    struct classify_input in = {
        .text = SLICE_LIT("host mx.example.net[198.51.100.1] said: 450-4.7.1 <a@b.example>: "
                          "Client host rejected: too many 450-4.7.1 connections (in reply to "
                          "RCPT TO command)"),
        .status = DELIVERY_DEFERRED,
    };
    struct classification out;
    struct classify_trace tr = { .reading = STRBUF_INIT };
    classify_traced(c, &in, &out, &tr);
    ck_assert_str_eq(strbuf_cstr(&tr.reading), "too many connections");
    ck_assert_str_eq(tr.stage, "RCPT TO");
    ck_assert_str_eq(tr.scope, "CONNECT");
    ck_assert_str_eq(tr.dsn_used, "4.7.1");
    ck_assert_str_eq(out.reason->name, "ratelimited");
    strbuf_free(&tr.reading);
    classifier_free(c);
}
END_TEST

/* a kept literal: AS(201806281) and AS(201806282) have one shape once masked,
 * but only the first is a provider code; the cache must not mix them */
START_TEST(test_cache_keeps_literals)
{
    struct classifier *c = load_or_die();
    const char *texts[] = {
        "550 5.7.1 Nope. AS(201806282) [a.eop.outlook.com]",
        "550 5.7.1 Nope. AS(201806281) [a.eop.outlook.com]",
        "550 5.7.1 Nope. AS(201806282) [a.eop.outlook.com]",
    };
    const char *want[] = { "policyviolation", "userunknown", "policyviolation" };
    for (size_t i = 0; i < 3; i++) {
        struct classify_input in = { .text = slice_cstr(texts[i]), .status = DELIVERY_BOUNCED };
        struct classification out;
        classify(c, &in, &out);
        ck_assert_msg(strcmp(out.reason->name, want[i]) == 0, "%s: got %s, want %s", texts[i],
                      out.reason->name, want[i]);
    }
    classifier_free(c);
}
END_TEST

/* a user's rule that reads an IP: the same class whatever the line order */
START_TEST(test_user_rule_order)
{
    char dir[] = "/tmp/bs-classify-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/reasons.conf", dir);
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs("[rule systemerror]\ntext = Sorry mate\n    +  from 192\\.0\\.2\\.7\\b\n", fp);
    fclose(fp);
    conf_search_add(dir);
    const char *a = "550 Sorry mate from 192.0.2.7, blocked using zen.spamhaus.org";
    const char *b = "550 Sorry mate from 192.0.2.8, blocked using zen.spamhaus.org";
    for (int order = 0; order < 2; order++) {
        struct classifier *c = load_or_die();
        const char *seq[2] = { order ? b : a, order ? a : b };
        for (int k = 0; k < 2; k++) {
            struct classify_input in = { .text = slice_cstr(seq[k]), .status = DELIVERY_BOUNCED };
            struct classification out;
            classify(c, &in, &out);
            const char *want = seq[k] == a ? "systemerror" : "blocked";
            ck_assert_msg(strcmp(out.reason->name, want) == 0, "order %d, \"%s\": got %s, want %s",
                          order, seq[k], out.reason->name, want);
            if (seq[k] == a)
                ck_assert_int_eq(out.rule->layer, LAYER_USER);
        }
        classifier_free(c);
    }
    unlink(path);
    rmdir(dir);
}
END_TEST

/* Sendmail before 8.16 logs no reply=: only stat= sysexits text and dsn= */
START_TEST(test_generic_sendmail)
{
    static const struct {
        const char *text, *dsn, *want;
    } rows[] = {
        { "User unknown", "5.1.1", "userunknown" },
        { "Service unavailable", "5.1.1", "userunknown" },
        { "Host unknown", "5.1.2", "hostunknown" },
        { "Service unavailable", "5.7.1", "policyviolation" },
        { "Service unavailable", "5.2.2", "mailboxfull" },
        { "Service unavailable", "5.7.606", "blocked" },
        { "Service unavailable", "5.0.0", "undefined" },
        { "User unknown", "", "userunknown" },
        { "Host unknown", "", "hostunknown" },
        { "Service unavailable", "5.7.26", "authfailure" },
        { "Service unavailable", "5.3.4", "emailtoolarge" },
        { "Deferred", "4.7.5", "failedstarttls" },
    };
    struct classifier *c = load_or_die();
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        struct classify_input in = { .text = slice_cstr(rows[i].text),
                                     .dsn = slice_cstr(rows[i].dsn),
                                     .status = DELIVERY_BOUNCED,
                                     .text_source = TEXT_GENERIC };
        struct classification out;
        classify(c, &in, &out);
        ck_assert_msg(strcmp(out.reason->name, rows[i].want) == 0, "%s dsn=%s: got %s, want %s",
                      rows[i].text, rows[i].dsn, out.reason->name, rows[i].want);
    }
    classifier_free(c);
}
END_TEST

/* the remote host's own IP is never implicated */
START_TEST(test_not_remote_ip)
{
    static const struct {
        const char *text, *rip, *want;
    } rows[] = {
        { "connect to mx.example.net[198.51.100.25]:25: Connection timed out", "", "" },
        { "host mx.example.net[198.51.100.25] refused to talk to me: 554 IP 198.51.100.25 is "
          "listed",
          "198.51.100.25", "" },
        { "550 5.7.1 IP 198.51.100.25 is listed; your IP 192.0.2.9 is blocked", "198.51.100.25",
          "192.0.2.9" },
        { "554 5.7.1 Service unavailable; Client host [192.0.2.8] blocked using zen.spamhaus.org",
          "198.51.100.25", "192.0.2.8" },
        /* a third party the text names */
        { "450 4.1.1 <a@example.com>: Recipient address rejected: unverified address: connect to "
          "other.example.net[198.51.100.77]:25: Connection refused",
          "198.51.100.25", "" },
        { "SMTP error from remote server for MAIL FROM command, host: mx.example.net "
          "(198.51.100.12) reason: 550 blocked",
          "", "" },
        /* ours, although written like a host's: Postfix's client name, "from name (ip)" */
        { "450 4.7.1 <mx.example.jp[192.0.2.3]>: Client host rejected: Please try again slower",
          "198.51.100.25", "192.0.2.3" },
        { "550 Connections from mx.example.jp (192.0.2.2) are being rejected", "", "192.0.2.2" },
        { "421 4.7.0 mx.example.net Error: too much mail from 192.0.2.60", "", "192.0.2.60" },
    };
    struct classifier *c = load_or_die();
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        struct classify_input in = { .text = slice_cstr(rows[i].text),
                                     .remote_ip = slice_cstr(rows[i].rip),
                                     .status = DELIVERY_BOUNCED };
        struct classification out;
        classify(c, &in, &out);
        char ip[64];
        snprintf(ip, sizeof ip, "%.*s", (int)out.implicated_ip.n, out.implicated_ip.p);
        ck_assert_msg(strcmp(ip, rows[i].want) == 0, "\"%s\": got '%s', want '%s'", rows[i].text,
                      ip, rows[i].want);
        /* a slice into the input text, not a copy */
        if (out.implicated_ip.n)
            ck_assert(out.implicated_ip.p >= rows[i].text &&
                      out.implicated_ip.p < rows[i].text + strlen(rows[i].text));
    }
    classifier_free(c);
}
END_TEST

/* numbers that look like addresses are not ours: RFC sections, versions, a
 * provider's status code in the place of one; and the client's address where the
 * text makes it the subject ("Host name [ip] is blacklisted") or names its HELO
 * literal */
START_TEST(test_not_an_address)
{
    static const struct {
        const char *text, *want;
    } rows[] = {
        { "554 5.7.1 Your IP is blocked, see RFC 2821 4.1.1.1", "" },
        { "554 5.7.1 Your IP is blocked (See RFC2821 4.1.1.1)", "" },
        { "554 5.7.1 Your IP is blocked, see section 4.1.1.1", "" },
        { "554 5.7.1 Your IP is blocked; filter version 4.1.1.1", "" },
        { "554 5.7.1 Your IP is blocked; filter Version: 4.1.1.1", "" },
        { "421 4.7.0 [TSS04] Messages temporarily deferred due to user complaints - 4.16.55.1; "
          "see https://postmaster.yahooinc.com/error-codes",
          "" },
        { "421 4.7.0 [TSS04] Messages from 192.0.2.214 temporarily deferred due to user "
          "complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
          "192.0.2.214" },
        /* an address after a dash whose first number is not the reply's class */
        { "554 5.7.1 Your IP is blocked - 192.0.2.5", "192.0.2.5" },
        { "554 5.7.1 <aa.example.nl[192.0.2.18]>: Client host rejected: match 192.0.2",
          "192.0.2.18" },
        { "Host c-198-51-100-70.hsd1.va.comcast.net [198.51.100.70] is blacklisted by "
          "ips.backscatterer.org",
          "198.51.100.70" },
        { "host mx.example.net[198.51.100.1] said: Host DNSERROR [203.0.113.50] is blacklisted "
          "by ips.backscatterer.org",
          "203.0.113.50" },
        /* Exim names the remote host the same way, with no verb after it */
        { "SMTP error from remote mail server after RCPT TO:<a@example.net>: host "
          "mx.example.net [198.51.100.3]: 550 5.7.1 Your IP is blocked",
          "" },
        { "501 5.5.2 <[2001:db8:2041:8::19]>: Helo command rejected: invalid ip address",
          "2001:db8:2041:8::19" },
        { "421 4.7.1 Intrusion prevention active for [198.51.100.9][R]", "198.51.100.9" },
        /* ipfind2: a greeting of ours, "from your <place> [ip]", Sendmail's relaying
         * refusal with the address after the sentence */
        { "554 Hi [192.0.2.35], 5.0.0 unresolvable address: <a@example.org>; nosuchuser",
          "192.0.2.35" },
        { "sorry, mail from your location [198.51.100.48] is administratively denied (#5.7.1)",
          "198.51.100.48" },
        { "5.7.1 Relaying denied: You must check for new mail before sending mail. "
          "[198.51.100.216]",
          "198.51.100.216" },
        /* traps: a sender verification's probe of our own MX, an address verification of
         * another host, the DNSBL answer after our address */
        { "550-Postmaster verification failed while checking <g@example.org> 550-Called:   "
          "198.51.100.206 550-Sent:     RCPT TO:<postmaster@example.org> 550 Sender verify failed",
          "" },
        { "450 4.1.7 <a@mail.example.com>: Sender address rejected: unverified address: connect to "
          "mail.example.com[203.0.113.178]:25: Connection refused",
          "" },
        { "host 192.0.2.216 is listed at combined.mail.abusix.zone (127.0.0.12,", "192.0.2.216" },
        { "421- Try again later (198.51.100.185). Please contact abuse@corp.mail.ru .",
          "198.51.100.185" },
        { "550-5.7.0 SPAM type=spam - Not spam? Contact spamadmin@example.net with reference ID "
          "149169::1724324653-C97F911D-9B004426/10/56527156675 to resolve this issue.",
          "" },
    };
    struct classifier *c = load_or_die();
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        struct classify_input in = { .text = slice_cstr(rows[i].text), .status = DELIVERY_BOUNCED };
        struct classification out;
        classify(c, &in, &out);
        char ip[64];
        snprintf(ip, sizeof ip, "%.*s", (int)out.implicated_ip.n, out.implicated_ip.p);
        ck_assert_msg(strcmp(ip, rows[i].want) == 0, "\"%s\": got '%s', want '%s'", rows[i].text,
                      ip, rows[i].want);
    }
    classifier_free(c);
}
END_TEST

START_TEST(test_dsn_from_text)
{
    static const struct {
        const char *text, *want;
    } rows[] = {
        { "550 5.7.1 Service unavailable", "5.7.1" },
        { "550-5.1.1 The email account", "5.1.1" },
        { "421 4.7.0 [TSS04] Messages from 192.0.2.1 deferred - 4.16.55.1", "4.7.0" },
        { "452-4.2.2 The recipient's inbox", "4.2.2" },
        { "550 5.7.606 Access denied", "5.7.606" },
        { "421 [TSS04] ... - 4.16.55.1; see", "" },
        { "554 delivery error: dd This user", "" },
        { "Connection timed out", "" },
        { "host said: 550 5.4.1 Recipient address rejected", "5.4.1" },
        { "1550 5.1.1 x", "" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char dsn[16];
        classify_dsn_from_text(slice_cstr(rows[i].text), dsn);
        ck_assert_msg(strcmp(dsn, rows[i].want) == 0, "\"%s\": got '%s', want '%s'", rows[i].text,
                      dsn, rows[i].want);
    }
    /* classify fills out->dsn from the text when none was logged */
    struct classifier *c = load_or_die();
    struct classify_input in = { .text = SLICE_LIT("550-5.1.1 The email account does not exist"),
                                 .status = DELIVERY_BOUNCED };
    struct classification out;
    classify(c, &in, &out);
    ck_assert_str_eq(out.dsn, "5.1.1");
    in.dsn = SLICE_LIT("5.0.0");
    classify(c, &in, &out);
    ck_assert_str_eq(out.dsn, "5.0.0");
    classifier_free(c);
}
END_TEST

/* a user's reasons.conf: its rules run first and its keys override */
START_TEST(test_user_override)
{
    char dir[] = "/tmp/bs-classify-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/reasons.conf", dir);
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs("[reason blocked]\nadvice = Call the hosting desk.\n\n"
          "[reason localquota]\nlabel = Our own outbound quota\nadvice = Raise the quota.\n\n"
          "[rule localquota]\ntext = (?i)outbound quota\n\n"
          "[rule mailboxfull]\ntext = (?i)Postfach voll\n",
          fp);
    fclose(fp);
    conf_search_add(dir);
    struct classifier *c = load_or_die();
    struct classification out;
    struct classify_input in = { .text =
                                     SLICE_LIT("550 5.7.1 outbound quota reached, blocked using "
                                               "zen.spamhaus.org"),
                                 .status = DELIVERY_BOUNCED };
    classify(c, &in, &out);
    ck_assert_str_eq(out.reason->name, "localquota");
    ck_assert_str_eq(out.reason->label, "Our own outbound quota");
    in.text = SLICE_LIT("552 5.2.2 Postfach voll");
    classify(c, &in, &out);
    ck_assert_str_eq(out.reason->name, "mailboxfull");
    in.text = SLICE_LIT("554 Client host [192.0.2.1] blocked using zen.spamhaus.org");
    classify(c, &in, &out);
    ck_assert_str_eq(out.reason->name, "blocked");
    ck_assert_str_eq(out.reason->advice, "Call the hosting desk.");
    /* the shipped label stays; the shipped order stays; the user's class comes after */
    ck_assert_str_eq(out.reason->label, "Our IP is on a blocklist");
    size_t n = classifier_reason_count(c);
    ck_assert_str_eq(classifier_reason_at(c, 0)->name, "blocked");
    ck_assert_str_eq(classifier_reason_at(c, n - 1)->name, "localquota");
    classifier_free(c);
    unlink(path);
    rmdir(dir);
}
END_TEST

START_TEST(test_bad_config)
{
    static const char *const files[] = {
        "[reason undefined]\n[rule nosuch]\ntext = x\n",
        "[reason undefined]\n[rule undefined]\ntext = (unclosed\n",
        "[reason undefined]\n[rule undefined]\nblocklist = nosuchlist\n",
        "[reason undefined]\n[rule undefined]\ncolour = red\n",
        "[reason undefined]\n[implicated-ip]\npattern = no group here\n",
        "[reason other]\n",
        "[reason undefined]\n[rule undefined]\ntext = Sorry mate\n    + from\n",
    };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[] = "/tmp/bs-reasons-XXXXXX";
        int fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, files[i], strlen(files[i])), (ssize_t)strlen(files[i]));
        close(fd);
        struct strbuf err = STRBUF_INIT;
        struct conf *r = conf_load_file(path, &err);
        if (!r) {
            /* the loader itself refused it (an ambiguous continuation) */
            ck_assert_msg(strstr(strbuf_cstr(&err), path) != NULL, "file %zu: '%s'", i,
                          strbuf_cstr(&err));
            strbuf_free(&err);
            unlink(path);
            continue;
        }
        struct conf *l = conf_load_all("blocklists.conf", &err);
        ck_assert_ptr_nonnull(l);
        struct classifier *c = classifier_load_from(r, l, &err);
        ck_assert_msg(c == NULL, "file %zu loaded, want an error", i);
        ck_assert_msg(strstr(strbuf_cstr(&err), path) || i == 5,
                      "file %zu: error '%s' names no file", i, strbuf_cstr(&err));
        strbuf_free(&err);
        unlink(path);
    }
}
END_TEST

START_TEST(test_reason_table)
{
    struct classifier *c = load_or_die();
    static const char *const want[] = {
        "blocked",       "badreputation",  "ratelimited",     "greylisted",    "userunknown",
        "mailboxfull",   "suspend",        "hostunknown",     "notaccept",     "hasmoved",
        "networkerror",  "failedstarttls", "authfailure",     "requireptr",    "spamdetected",
        "virusdetected", "contenterror",   "policyviolation", "securityerror", "norelaying",
        "rejected",      "emailtoolarge",  "syntaxerror",     "systemerror",   "expired",
        "undefined",
    };
    ck_assert_uint_eq(classifier_reason_count(c), sizeof want / sizeof *want);
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const struct reason *r = classifier_reason_at(c, i);
        ck_assert_str_eq(r->name, want[i]);
        ck_assert_int_eq(r->index, (int)i);
        ck_assert_msg(strlen(r->advice) > 40, "%s: advice too thin: '%s'", r->name, r->advice);
        ck_assert_msg(strstr(r->advice, "  ") == NULL && strstr(r->advice, "+ ") == NULL,
                      "%s: continuation mangled: '%s'", r->name, r->advice);
        ck_assert_ptr_eq(classifier_reason(c, want[i]), r);
    }
    ck_assert_ptr_null(classifier_reason_at(c, 999));
    ck_assert_ptr_null(classifier_reason(c, "nosuch"));
    const struct blocklist_ref *b = classifier_blocklist(c, "spamhaus");
    ck_assert_ptr_nonnull(b);
    ck_assert_str_eq(b->label, "Spamhaus");
    ck_assert_ptr_nonnull(b->delist_url);
    ck_assert_ptr_null(classifier_blocklist(c, "nosuch"));
    classifier_free(c);
}
END_TEST

/* per-line cost: classify runs once per failure line. Every input is a
 * fresh variant (new IPs, addresses, ids, domains), as in a real log. */
START_TEST(test_speed)
{
    struct classifier *c = load_or_die();
    struct sim s = { STRBUF_INIT, STRBUF_INIT, NULL, NULL, NULL, NULL, 0, 0 };
    enum { N_INPUTS = 20000 };
    struct strbuf *texts = calloc(N_INPUTS, sizeof *texts);
    struct classify_input *ins = calloc(N_INPUTS, sizeof *ins);
    ck_assert(texts && ins);
    for (int i = 0; i < N_INPUTS; i++) {
        struct gen_vars v;
        gen_vars_make(&v);
        const struct gen_template *t = &gen_templates[rnd(N_GEN)];
        simulate(&s, t, &v, (enum sim_mta)rnd(SIM_N));
        strbuf_adds(&texts[i], strbuf_cstr(&s.text));
        ins[i] = (struct classify_input){ .text = strbuf_slice(&texts[i]),
                                          .dsn = slice_cstr(s.dsn),
                                          .stage = slice_cstr(s.stage),
                                          .status = s.status,
                                          .text_source = s.source };
    }
    for (int pass = 0; pass < 2; pass++) {
        classifier_cache(c, pass == 0);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int i = 0; i < N_INPUTS; i++) {
            struct classification out;
            classify(c, &ins[i], &out);
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / N_INPUTS;
        printf("classify: %.2f us per call, %s (generator mix, fresh variants)\n", us,
               pass == 0 ? "shape cache on" : "no cache");
        /* generous: a sanitizer build is ~10x slower than a plain one */
        if (pass == 0)
            ck_assert_msg(us < 100, "classify takes %.1f us per call", us);
    }
    for (int i = 0; i < N_INPUTS; i++)
        strbuf_free(&texts[i]);
    free(texts);
    free(ins);
    strbuf_free(&s.text);
    strbuf_free(&s.tmp);
    classifier_free(c);
}
END_TEST

static Suite *classify_suite(void)
{
    Suite *s = suite_create("classify");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_generator_templates);
    tcase_add_test(tc, test_layers);
    tcase_add_test(tc, test_trace);
    tcase_add_test(tc, test_cache_keeps_literals);
    tcase_add_test(tc, test_user_rule_order);
    tcase_add_test(tc, test_generic_sendmail);
    tcase_add_test(tc, test_not_remote_ip);
    tcase_add_test(tc, test_not_an_address);
    tcase_add_test(tc, test_dsn_from_text);
    tcase_add_test(tc, test_user_override);
    tcase_add_test(tc, test_bad_config);
    tcase_add_test(tc, test_reason_table);
    tcase_add_test(tc, test_speed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(classify_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
