/*
 * test_bounce_message.c - returned-mail messages -> per-recipient reports:
 * the shipped example, MIME nesting, quoted-printable and base64 parts,
 * folded fields, several recipients, a bounce without a delivery-status part,
 * and input that is no bounce at all.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce_message.h"
#include "util/strbuf.h"

static struct bounce_message parse_ok(const char *data)
{
    struct bounce_message m;
    struct strbuf err = STRBUF_INIT;
    int rc = bounce_message_parse(data, strlen(data), &m, &err);
    ck_assert_msg(rc == 0, "parse: %s", strbuf_cstr(&err));
    strbuf_free(&err);
    return m;
}

START_TEST(test_example_file)
{
    FILE *fp = fopen(BS_SOURCE_DIR "/examples/returned-mail.eml", "rb");
    ck_assert_ptr_nonnull(fp);
    struct strbuf b = STRBUF_INIT;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        strbuf_add(&b, buf, n);
    fclose(fp);
    ck_assert(bounce_message_looks_like(b.s, b.len));
    struct bounce_message m = parse_ok(strbuf_cstr(&b));
    ck_assert(m.is_dsn);
    ck_assert_uint_eq(m.n_rcpts, 1);
    ck_assert_str_eq(m.reporting_mta, "www1234.sakura.ne.jp");
    ck_assert_str_eq(m.rcpts[0].final_recipient, "shiotani@jumonji-u.ac.jp");
    ck_assert_str_eq(m.rcpts[0].action, "failed");
    ck_assert_str_eq(m.rcpts[0].status, "5.7.1");
    ck_assert_str_eq(m.rcpts[0].remote_mta, "jumonjiu-ac-jp01i.mail.protection.outlook.com");
    ck_assert_str_eq(m.rcpts[0].diagnostic_type, "smtp");
    ck_assert(strncmp(m.rcpts[0].diagnostic,
                      "550 5.7.1 Service unavailable, Client host "
                      "[219.94.129.185] blocked using Spamhaus.",
                      83) == 0);
    bounce_message_free(&m);
    strbuf_free(&b);
}
END_TEST

/* a bounce forwarded as an attachment: multipart/mixed > message/rfc822 >
 * multipart/report, its delivery-status quoted-printable with folded fields
 * and two recipients (Postfix writes them so) */
static const char forwarded[] =
    "From: partner@example.org\r\n"
    "Subject: Fwd: Undelivered Mail Returned to Sender\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "--outer\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "see below\r\n"
    "--outer\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "From: MAILER-DAEMON@mx.example.com (Mail Delivery System)\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
    "\tboundary=inner.1\r\n"
    "\r\n"
    "--inner.1\r\n"
    "Content-Description: Notification\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "This is the mail system at host mx.example.com.\r\n"
    "--inner.1\r\n"
    "Content-Description: Delivery report\r\n"
    "Content-Type: message/delivery-status\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Reporting-MTA: dns; mx.example.com\r\n"
    "X-Postfix-Queue-ID: 4C7A21F0B3\r\n"
    "\r\n"
    "Final-Recipient: rfc822; alice@example.net\r\n"
    "Original-Recipient: rfc822;alice@example.net\r\n"
    "Action: failed\r\n"
    "Status: 5.1.1\r\n"
    "Remote-MTA: dns; mx1.example.net\r\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <alice@example.net>: Recipient address\r\n"
    "    rejected: User unknown in local recipient =\r\n"
    "table\r\n"
    "\r\n"
    "Final-Recipient: rfc822; bob@example.net\r\n"
    "Action: delayed\r\n"
    "Status: 4.2.2\r\n"
    "Remote-MTA: dns; mx1.example.net.\r\n"
    "Diagnostic-Code: smtp; 452 4.2.2 Mailbox full =E2=80=93 try later\r\n"
    "\r\n"
    "--inner.1--\r\n"
    "--outer--\r\n";

START_TEST(test_forwarded_qp)
{
    struct bounce_message m = parse_ok(forwarded);
    ck_assert(m.is_dsn);
    ck_assert_uint_eq(m.n_rcpts, 2);
    ck_assert_str_eq(m.rcpts[0].final_recipient, "alice@example.net");
    ck_assert_str_eq(m.rcpts[0].diagnostic, "550 5.1.1 <alice@example.net>: Recipient address "
                                            "rejected: User unknown in local recipient table");
    ck_assert_str_eq(m.rcpts[1].final_recipient, "bob@example.net");
    ck_assert_str_eq(m.rcpts[1].action, "delayed");
    ck_assert_str_eq(m.rcpts[1].status, "4.2.2");
    ck_assert_str_eq(m.rcpts[1].remote_mta, "mx1.example.net");
    ck_assert_str_eq(m.rcpts[1].diagnostic, "452 4.2.2 Mailbox full \xe2\x80\x93 try later");
    bounce_message_free(&m);
}
END_TEST

START_TEST(test_base64)
{
    /* "Final-Recipient: rfc822; c@example.jp\nAction: failed\nStatus: 5.7.26\n
     *  Diagnostic-Code: smtp; 550 5.7.26 unauthenticated\n" */
    static const char msg[] =
        "Content-Type: multipart/report; boundary=\"b\"\n"
        "\n"
        "--b\n"
        "Content-Type: message/delivery-status\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        "RmluYWwtUmVjaXBpZW50OiByZmM4MjI7IGNAZXhhbXBsZS5qcApBY3Rpb246IGZhaWxlZApTdGF0\n"
        "dXM6IDUuNy4yNgpEaWFnbm9zdGljLUNvZGU6IHNtdHA7IDU1MCA1LjcuMjYgdW5hdXRoZW50aWNh\n"
        "dGVkCg==\n"
        "--b--\n";
    struct bounce_message m = parse_ok(msg);
    ck_assert_uint_eq(m.n_rcpts, 1);
    ck_assert_str_eq(m.rcpts[0].final_recipient, "c@example.jp");
    ck_assert_str_eq(m.rcpts[0].status, "5.7.26");
    ck_assert_str_eq(m.rcpts[0].diagnostic, "550 5.7.26 unauthenticated");
    bounce_message_free(&m);
}
END_TEST

START_TEST(test_fallback)
{
    /* qmail writes no delivery-status part */
    static const char qmail[] =
        "From: MAILER-DAEMON@mx.example.org\n"
        "Subject: failure notice\n"
        "\n"
        "Hi. This is the qmail-send program at mx.example.org.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "\n"
        "<dave@example.net>:\n"
        "Connected to 198.51.100.5 but sender was rejected.\n"
        "Remote host said: 550 5.7.1 Mail from 192.0.2.9 refused, blocked using\n"
        "  zen.spamhaus.org\n"
        "\n"
        "--- Below this line is a copy of the message.\n";
    struct bounce_message m = parse_ok(qmail);
    ck_assert(!m.is_dsn);
    ck_assert_uint_eq(m.n_rcpts, 1);
    ck_assert_str_eq(m.rcpts[0].diagnostic,
                     "Remote host said: 550 5.7.1 Mail from 192.0.2.9 refused, blocked using "
                     "zen.spamhaus.org");
    bounce_message_free(&m);
    /* a Postfix-style plain text: the recipient is taken from "<a@b>:" */
    static const char postfix[] =
        "Subject: Undelivered Mail Returned to Sender\n"
        "\n"
        "<erin@example.net>: host mx1.example.net[198.51.100.25] said: 550 5.1.1\n"
        "    <erin@example.net>: Recipient address rejected: User unknown (in reply to\n"
        "    RCPT TO command)\n";
    m = parse_ok(postfix);
    ck_assert_uint_eq(m.n_rcpts, 1);
    ck_assert_str_eq(m.rcpts[0].final_recipient, "erin@example.net");
    ck_assert(strncmp(m.rcpts[0].diagnostic, "host mx1.example.net[198.51.100.25] said: 550", 45) ==
              0);
    bounce_message_free(&m);
}
END_TEST

/* other MTAs' plain-text bounces, and a delivery-status part without a
 * Diagnostic-Code that the text explains */
START_TEST(test_other_texts)
{
    static const struct {
        const char *msg, *rcpt, *diag;
    } rows[] = {
        { "Subject: Undeliverable: x\n\nDiagnostic information for administrators:\n"
          "Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'\n",
          "", "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found" },
        { "Subject: failure notice\n\nHi. This is the qmail-send program at x.example.org.\n\n"
          "<frank@example.net>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"
          "--- Below this line is a copy of the message.\n",
          "frank@example.net", "Sorry, no mailbox here by that name. (#5.1.1)" },
        { "Subject: Delivery Status Notification (Failure)\n\nTechnical details of permanent "
          "failure:\nThe error that the other server returned was: 550 5.1.1 <g@example.net>... "
          "User unknown\n",
          "", "550 5.1.1 <g@example.net>... User unknown" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        struct bounce_message m = parse_ok(rows[i].msg);
        ck_assert_uint_eq(m.n_rcpts, 1);
        ck_assert_msg(strcmp(m.rcpts[0].diagnostic, rows[i].diag) == 0, "row %zu: got '%s'", i,
                      m.rcpts[0].diagnostic);
        ck_assert_str_eq(m.rcpts[0].final_recipient, rows[i].rcpt);
        bounce_message_free(&m);
    }
    /* Exim: the reply indented under its line, the recipient in a header, the host named */
    static const char exim[] =
        "X-Failed-Recipients: kijitora@example.ch\nSubject: Mail delivery failed\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        "  kijitora@example.ch\n"
        "    SMTP error from remote mail server after RCPT TO:<kijitora@example.ch>:\n"
        "    host mx1.example.eu [192.0.2.32]: 554 5.7.1 <kijitora@example.ch>:\n"
        "    Recipient address rejected: Access denied\n\n"
        "------ This is a copy of the message, including all the headers. ------\n";
    struct bounce_message e = parse_ok(exim);
    ck_assert_uint_eq(e.n_rcpts, 1);
    ck_assert_str_eq(e.rcpts[0].final_recipient, "kijitora@example.ch");
    ck_assert_str_eq(e.rcpts[0].remote_mta, "mx1.example.eu");
    ck_assert_str_eq(e.rcpts[0].diagnostic,
                     "SMTP error from remote mail server after RCPT TO:<kijitora@example.ch>: host "
                     "mx1.example.eu [192.0.2.32]: 554 5.7.1 <kijitora@example.ch>: Recipient "
                     "address rejected: Access denied");
    bounce_message_free(&e);
    static const char no_diag[] = "Content-Type: multipart/report; boundary=\"b\"\n\n"
                                  "--b\nContent-Type: text/plain\n\n"
                                  "<h@example.net>: host mx.example.net[198.51.100.2] said: 552 "
                                  "5.2.2 Mailbox full\n\n"
                                  "--b\nContent-Type: message/delivery-status\n\n"
                                  "Reporting-MTA: dns; a.example.org\n\n"
                                  "Final-Recipient: rfc822; h@example.net\nAction: failed\n"
                                  "Status: 5.2.2\n\n--b--\n";
    struct bounce_message m = parse_ok(no_diag);
    ck_assert(m.is_dsn);
    ck_assert_uint_eq(m.n_rcpts, 1);
    ck_assert_str_eq(m.rcpts[0].diagnostic,
                     "host mx.example.net[198.51.100.2] said: 552 5.2.2 Mailbox full");
    bounce_message_free(&m);
}
END_TEST

/* Exim's plain bounce without a quoted reply, a Postfix session transcript,
 * DSN fields whose continuation lines are not indented, and a Diagnostic-Code
 * the text quotes with the command it answered */
START_TEST(test_more_layouts)
{
    static const char exim[] =
        "Subject: Mail delivery failed\n\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        "  ann@example.net\n"
        "    (generated from info@example.org)\n"
        "    retry timeout exceeded\n"
        "  bob@example.net\n"
        "    Unrouteable address\n\n"
        "------ This is a copy of the message, including all the headers. ------\n";
    struct bounce_message m = parse_ok(exim);
    ck_assert_uint_eq(m.n_rcpts, 1);
    ck_assert_str_eq(m.rcpts[0].final_recipient, "ann@example.net");
    ck_assert_str_eq(m.rcpts[0].diagnostic, "retry timeout exceeded");
    bounce_message_free(&m);

    static const char transcript[] = "Subject: Undelivered Mail Returned to Sender\n\n"
                                     "Transcript of session follows.\n\n"
                                     " Out: 220 mx.example.com ESMTP\n"
                                     " In:  RCPT TO:<carol@example.net>\n"
                                     " Out: 250 2.1.5 Ok\n"
                                     " In:  DATA\n"
                                     " Out: 452-4.3.1 Insufficient system storage,\n"
                                     " Out: 452 4.3.1 try later\n"
                                     " In:  QUIT\n"
                                     " Out: 221 2.0.0 Bye\n";
    m = parse_ok(transcript);
    ck_assert_uint_eq(m.n_rcpts, 1);
    ck_assert_str_eq(m.rcpts[0].final_recipient, "carol@example.net");
    ck_assert_str_eq(m.rcpts[0].diagnostic,
                     "452-4.3.1 Insufficient system storage, 452 4.3.1 try later");
    bounce_message_free(&m);

    static const char unfolded[] = "Content-Type: multipart/report; boundary=\"b\"\n\n"
                                   "--b\nContent-Type: message/delivery-status\n\n"
                                   "Reporting-MTA: dns; a.example.org\n\n"
                                   "Diagnostic-Code: smtp; 550-Line one\n"
                                   "550 line two\n"
                                   "Status: 5.0.0\nAction: failed\n"
                                   "Final-Recipient: rfc822; dan@example.net\n\n--b--\n";
    m = parse_ok(unfolded);
    ck_assert_uint_eq(m.n_rcpts, 1);
    ck_assert_str_eq(m.rcpts[0].diagnostic, "550-Line one 550 line two");
    ck_assert_str_eq(m.rcpts[0].status, "5.0.0");
    bounce_message_free(&m);

    static const char richer[] = "Content-Type: multipart/report; boundary=\"b\"\n\n"
                                 "--b\nContent-Type: text/plain\n\n"
                                 "<eve@example.net>: host mx.example.net[198.51.100.2] said: 550\n"
                                 "    5.7.1 Access denied (in reply to MAIL FROM command)\n\n"
                                 "--b\nContent-Type: message/delivery-status\n\n"
                                 "Reporting-MTA: dns; a.example.org\n\n"
                                 "Final-Recipient: rfc822; eve@example.net\nAction: failed\n"
                                 "Status: 5.7.1\nDiagnostic-Code: smtp; 550 5.7.1 Access denied\n\n"
                                 "--b--\n";
    m = parse_ok(richer);
    ck_assert_uint_eq(m.n_rcpts, 1);
    ck_assert_str_eq(m.rcpts[0].diagnostic, "host mx.example.net[198.51.100.2] said: 550 5.7.1 "
                                            "Access denied (in reply to MAIL FROM command)");
    bounce_message_free(&m);
}
END_TEST

/* held-out set 6: an address on a lead line after its colon, an SMTP command
 * echoed as "MAIL FROM: a@b" and a bare reply line, SES's JSON, a notice
 * without a reply whose recipient is in X-Failed-Recipients */
START_TEST(test_set6_layouts)
{
    static const char x6[] =
        "Subject: There was an error sending your mail\n\n"
        "1 error(s):\n\n"
        "The following recipients returned permanent errors: ann@example.net. "
        "Reason: SMTP Server <192.0.2.1> refused to accept your message (DATA), "
        "with the following error message: [554 5.4.6 Hop count exceeded]\n";
    struct bounce_message m = parse_ok(x6);
    ck_assert_str_eq(m.rcpts[0].final_recipient, "ann@example.net");
    bounce_message_free(&m);

    static const char james[] = "Subject: Re:Test message\n\n"
                                "Error: Invalid user address\n\nError message below:\n"
                                "550 - Requested action not taken: no such user here\n\n"
                                "Message details:\n  MAIL FROM: me@example.org\n"
                                "  RCPT TO: bob@example.net\n";
    m = parse_ok(james);
    ck_assert_str_eq(m.rcpts[0].final_recipient, "bob@example.net");
    ck_assert_str_eq(m.rcpts[0].diagnostic, "550 - Requested action not taken: no such user here");
    bounce_message_free(&m);

    static const char ses[] =
        "Subject: AWS Notification Message\n\n"
        "{\"Message\" : \"{\\\"bouncedRecipients\\\":[{\\\"emailAddress\\\":"
        "\\\"carol@example.net\\\",\\\"diagnosticCode\\\":\\\"smtp; 550 5.1.1 "
        "user unknown\\\"}]}\"}\n";
    m = parse_ok(ses);
    ck_assert_str_eq(m.rcpts[0].final_recipient, "carol@example.net");
    bounce_message_free(&m);

    static const char groups[] =
        "Subject: Delivery Status Notification (Failure)\n"
        "X-Failed-Recipients: list@groups.example.net\n\n"
        "Hello me@example.org,\n\n"
        "We're writing to let you know that the group you tried to contact "
        "may not exist, or you may not have permission to post.\n\n"
        "----- Original message -----\n\nTo: list@groups.example.net\n";
    m = parse_ok(groups);
    ck_assert_uint_eq(m.n_rcpts, 1);
    ck_assert_str_eq(m.rcpts[0].final_recipient, "list@groups.example.net");
    ck_assert_str_eq(m.rcpts[0].diagnostic,
                     "We're writing to let you know that the group you tried to contact may not "
                     "exist, or you may not have permission to post.");
    bounce_message_free(&m);

    static const char named[] = "Content-Type: multipart/report; boundary=\"b\"\n\n"
                                "--b\nContent-Type: text/plain\n\n** Address not found **\n\n"
                                "Your message wasn't delivered to dan@example.net because the\n"
                                "address couldn't be found.\n\n"
                                "--b\nContent-Type: message/delivery-status\n\n"
                                "Reporting-MTA: dns; a.example.org\n\n"
                                "Final-Recipient: rfc822; dan@example.net\nAction: failed\n"
                                "Status: 5.0.0\n\n--b--\n";
    m = parse_ok(named);
    ck_assert_uint_eq(m.n_rcpts, 1);
    ck_assert_str_eq(m.rcpts[0].diagnostic, "Your message wasn't delivered to dan@example.net "
                                            "because the address couldn't be found.");
    bounce_message_free(&m);
}
END_TEST

/* each recipient's own paragraph: a delivery-status part without
 * Diagnostic-Code (OpenSMTPD), a plain bounce naming two recipients (qmail) */
START_TEST(test_own_paragraphs)
{
    static const char smtpd[] =
        "Subject: Delivery status notification: failed\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/mixed;boundary=\"B\"\n\n"
        "--B\nContent-Type: text/plain\n\n"
        "a@example.net: 550 5.1.1 <a@example.net>: Recipient address rejected: User unknown\n"
        "b@example.net: 552 5.2.2 <b@example.net>: Recipient address rejected: Mailbox full\n\n"
        "--B\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; df.example.jp\n\n"
        "Final-Recipient: rfc822; a@example.net\nAction: failed\nStatus: 5.0.0\n\n"
        "Final-Recipient: rfc822; b@example.net\nAction: failed\nStatus: 5.0.0\n\n"
        "--B--\n";
    struct bounce_message m = parse_ok(smtpd);
    ck_assert_uint_eq(m.n_rcpts, 2);
    ck_assert(strstr(m.rcpts[0].diagnostic, "User unknown") != NULL);
    ck_assert(strstr(m.rcpts[1].diagnostic, "Mailbox full") != NULL);
    bounce_message_free(&m);

    static const char qmail[] =
        "Subject: failure notice\n\nHi. This is the qmail-send program at x.example.org.\n\n"
        "<c@example.net>:\n192.0.2.25 does not like recipient.\n"
        "Remote host said: 550 5.1.1 <c@example.net>: User unknown\n\n"
        "<d@example.net>:\n192.0.2.25 does not like recipient.\n"
        "Remote host said: 552 5.2.2 <d@example.net>: Mailbox full\n\n"
        "--- Below this line is a copy of the message.\n";
    m = parse_ok(qmail);
    ck_assert_uint_eq(m.n_rcpts, 2);
    ck_assert_str_eq(m.rcpts[0].final_recipient, "c@example.net");
    ck_assert_str_eq(m.rcpts[1].final_recipient, "d@example.net");
    ck_assert(strstr(m.rcpts[1].diagnostic, "Mailbox full") != NULL);
    bounce_message_free(&m);
}
END_TEST

START_TEST(test_not_a_bounce)
{
    static const char text[] = "Subject: hello\n\nJust a letter, nothing failed.\n";
    struct bounce_message m;
    struct strbuf err = STRBUF_INIT;
    ck_assert_int_eq(bounce_message_parse(text, strlen(text), &m, &err), -1);
    ck_assert_uint_gt(err.len, 0);
    bounce_message_free(&m);
    strbuf_free(&err);
    ck_assert(!bounce_message_looks_like("550 5.1.1 User unknown", 22));
}
END_TEST

static Suite *bounce_suite(void)
{
    Suite *s = suite_create("bounce_message");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_example_file);
    tcase_add_test(tc, test_forwarded_qp);
    tcase_add_test(tc, test_base64);
    tcase_add_test(tc, test_fallback);
    tcase_add_test(tc, test_other_texts);
    tcase_add_test(tc, test_more_layouts);
    tcase_add_test(tc, test_set6_layouts);
    tcase_add_test(tc, test_own_paragraphs);
    tcase_add_test(tc, test_not_a_bounce);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bounce_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
