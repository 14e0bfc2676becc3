/*
 * test_syslog_header.c - unit tests for the syslog header parser (src/syslog_header.c).
 *
 * A table of real-looking lines for every format and the header traps of
 * FORMATS.md sections 2 and 7, each checked field by field; then the year
 * rules (Dec -> Jan rollover, mtime inference, --year), Feb 29, garbage that
 * must be rejected without a crash, local time in other zones (TZ changed
 * in the test), header_strip_exim_stamp and format_iso_time. CTest runs this
 * with TZ=UTC; main() sets it too so the binary also runs alone.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "syslog_header.h"

/* slice_str - a slice as a C string for messages (static, one at a time per slot) */
static const char *slice_str(struct slice s, int slot)
{
    static char buf[4][512];
    snprintf(buf[slot], sizeof buf[slot], "%.*s", (int)s.n, s.p);
    return buf[slot];
}

struct header_case {
    const char *line;
    enum header_format format;
    int64_t when;
    int32_t usec;
    int tz_minutes;
    bool tz_known;
    const char *host, *program, *pid, *message;
};

/* all RFC 3164 rows are read with --year 2026 and TZ=UTC */
static const struct header_case good[] = {
    /* H1: space-padded day, Postfix status line */
    { "Mar  4 09:26:53 mx1 postfix/smtp[2101]: 4C7A21F0B3: to=<bob@example.net>, status=sent",
      HEADER_RFC3164, 1772616413, 0, 0, false, "mx1", "postfix/smtp", "2101",
      "4C7A21F0B3: to=<bob@example.net>, status=sent" },
    /* H1a / postlogd: zero-padded day, FQDN host */
    { "Mar 04 09:26:53 mx1.example.com postfix/qmgr[11]: 4C7A21F0B3: removed", HEADER_RFC3164,
      1772616413, 0, 0, false, "mx1.example.com", "postfix/qmgr", "11", "4C7A21F0B3: removed" },
    /* unpadded day */
    { "Mar 4 09:26:53 mx1 sm-mta[4312]: 52E9QrAb004312: to=<a@example.net>, stat=Sent",
      HEADER_RFC3164, 1772616413, 0, 0, false, "mx1", "sm-mta", "4312",
      "52E9QrAb004312: to=<a@example.net>, stat=Sent" },
    { "Oct 19 16:36:25 mx1 postfix/smtp[2101]: x", HEADER_RFC3164, 1792427785, 0, 0, false, "mx1",
      "postfix/smtp", "2101", "x" },
    /* H1b: microseconds */
    { "Mar 14 09:26:53.589793 mx1 postfix/smtp[2101]: msg", HEADER_RFC3164, 1773480413, 589793, 0,
      false, "mx1", "postfix/smtp", "2101", "msg" },
    { "Mar 14 09:26:53.5 mx1 postfix/smtp[2101]: msg", HEADER_RFC3164, 1773480413, 500000, 0, false,
      "mx1", "postfix/smtp", "2101", "msg" },
    /* H1c: FreeBSD syslogd -v */
    { "Mar 14 09:26:53 <mail.info> mx1 sm-mta[4312]: 52E9QrAb004312: to=<x@example.net>",
      HEADER_RFC3164, 1773480413, 0, 0, false, "mx1", "sm-mta", "4312",
      "52E9QrAb004312: to=<x@example.net>" },
    /* H1d: Solaris message id after the tag */
    { "Mar 14 09:26:53 mx1 sendmail[4312]: [ID 801593 mail.info] 52E9QrAb004312: stat=Sent",
      HEADER_RFC3164, 1773480413, 0, 0, false, "mx1", "sendmail", "4312",
      "52E9QrAb004312: stat=Sent" },
    /* tag without pid */
    { "Mar 14 09:26:53 mx1 postfix/smtp: connect to mx.example.net[198.51.100.25]:25: refused",
      HEADER_RFC3164, 1773480413, 0, 0, false, "mx1", "postfix/smtp", "",
      "connect to mx.example.net[198.51.100.25]:25: refused" },
    /* multi-instance and per-service syslog_name */
    { "Mar 14 09:26:53 mx1 postfix-out/smtp[77]: 4C7A21F0B3: to=<c@example.net>", HEADER_RFC3164,
      1773480413, 0, 0, false, "mx1", "postfix-out/smtp", "77", "4C7A21F0B3: to=<c@example.net>" },
    { "Mar 14 09:26:53 mx1 postfix/submission/smtpd[78]: connect from unknown[203.0.113.9]",
      HEADER_RFC3164, 1773480413, 0, 0, false, "mx1", "postfix/submission/smtpd", "78",
      "connect from unknown[203.0.113.9]" },
    /* journalctl in a German locale (LC_TIME=de_DE): "Okt", "Mär" (UTF-8), "Mai", "Dez" */
    { "Okt 15 23:48:15 c3 postfix/lmtp[48460]: C88761F60D: to=<a@example.org>", HEADER_RFC3164,
      1792108095, 0, 0, false, "c3", "postfix/lmtp", "48460", "C88761F60D: to=<a@example.org>" },
    { "M\xc3\xa4r 14 09:26:53 mx1 postfix/smtp[78]: m", HEADER_RFC3164, 1773480413, 0, 0, false,
      "mx1", "postfix/smtp", "78", "m" },
    /* H5a: Exim through syslog keeps its own stamp in the message */
    { "Oct 19 16:36:25 mx1 exim[123]: 2018-10-19 16:36:25 1gDL3J-0001Xx-AB ** a@example.net: "
      "Unrouteable address",
      HEADER_RFC3164, 1792427785, 0, 0, false, "mx1", "exim", "123",
      "2018-10-19 16:36:25 1gDL3J-0001Xx-AB ** a@example.net: Unrouteable address" },
    /* sysklogd: no tag at all */
    { "Mar 14 09:26:53 mx1 last message repeated 3 times", HEADER_RFC3164, 1773480413, 0, 0, false,
      "mx1", "", "", "last message repeated 3 times" },
    /* on the wire: "<PRI>" before an RFC 3164 line */
    { "<22>Mar 14 09:26:53 mx1 postfix/smtp[1]: x", HEADER_RFC3164, 1773480413, 0, 0, false, "mx1",
      "postfix/smtp", "1", "x" },
    /* no host (some relays strip it) */
    { "Mar 14 09:26:53 postfix/smtp[2101]: x", HEADER_RFC3164, 1773480413, 0, 0, false, "",
      "postfix/smtp", "2101", "x" },
    /* empty message after the tag */
    { "Mar 14 09:26:53 mx1 postfix/smtp[2101]:", HEADER_RFC3164, 1773480413, 0, 0, false, "mx1",
      "postfix/smtp", "2101", "" },
    /* message with colons and brackets stays whole */
    { "Mar 14 09:26:53 mx1 postfix/smtp[2101]: warning: [x]: y: z", HEADER_RFC3164, 1773480413, 0,
      0, false, "mx1", "postfix/smtp", "2101", "warning: [x]: y: z" },

    /* H2: RFC 3339 (rsyslog on Debian 12) */
    { "2026-11-27T03:14:15.123456+09:00 mx1 postfix/smtp[2101]: 4C7A21F0B3: to=<d@example.jp>",
      HEADER_RFC3339, 1795716855, 123456, 540, true, "mx1", "postfix/smtp", "2101",
      "4C7A21F0B3: to=<d@example.jp>" },
    { "2026-11-27T03:14:15Z mx1 postfix/qmgr[5]: 4C7A21F0B3: removed", HEADER_RFC3339, 1795749255,
      0, 0, true, "mx1", "postfix/qmgr", "5", "4C7A21F0B3: removed" },
    { "2026-11-27T03:14:15.589793+00:00 mx1 postfix/smtp[2101]: m", HEADER_RFC3339, 1795749255,
      589793, 0, true, "mx1", "postfix/smtp", "2101", "m" },
    { "2026-11-27T03:14:15-05:30 mx1 sm-mta[9]: m", HEADER_RFC3339, 1795769055, 0, -330, true,
      "mx1", "sm-mta", "9", "m" },
    /* nanoseconds: microseconds kept */
    { "2026-11-27T03:14:15.123456789Z mx1 a[1]: m", HEADER_RFC3339, 1795749255, 123456, 0, true,
      "mx1", "a", "1", "m" },

    /* H2a: journalctl short-iso, offset without a colon */
    { "2026-11-27T03:14:15+0900 mx1 postfix/smtp[2101]: m", HEADER_SHORT_ISO, 1795716855, 0, 540,
      true, "mx1", "postfix/smtp", "2101", "m" },
    { "2026-11-27T03:14:15.589793+0900 mx1 postfix/smtp[2101]: m", HEADER_SHORT_ISO, 1795716855,
      589793, 540, true, "mx1", "postfix/smtp", "2101", "m" },

    /* H3: RFC 5424; MSG keeps its leading space (two spaces after "- -") */
    { "<22>1 2026-11-27T03:14:15.589793+00:00 mx1 postfix 2101 - -  4C7A21F0B3: to=<e@example.net>",
      HEADER_RFC5424, 1795749255, 589793, 0, true, "mx1", "postfix", "2101",
      "4C7A21F0B3: to=<e@example.net>" },
    /* structured data with a quoted ']' and space, and a BOM */
    { "<22>1 2026-11-27T03:14:15+09:00 mx1.example.jp postfix 2101 ID47 [exampleSDID@32473 "
      "iut=\"3\" src=\"App\\] x\"][second@1 a=\"b\"] \xEF\xBB\xBFmsg text",
      HEADER_RFC5424, 1795716855, 0, 540, true, "mx1.example.jp", "postfix", "2101", "msg text" },
    /* NILVALUE procid and no message */
    { "<13>1 2026-11-27T03:14:15Z mx1 sendmail - - -", HEADER_RFC5424, 1795749255, 0, 0, true,
      "mx1", "sendmail", "", "" },
    { "<13>1 2026-11-27T03:14:15Z mx1 sendmail - - - msg", HEADER_RFC5424, 1795749255, 0, 0, true,
      "mx1", "sendmail", "", "msg" },

    /* H5: Exim main log */
    { "2018-10-19 16:36:25 1gDL3J-0001Xx-AB ** a@example.net R=dnslookup T=remote_smtp: SMTP error",
      HEADER_EXIM, 1539966985, 0, 0, false, "", "exim", "",
      "1gDL3J-0001Xx-AB ** a@example.net R=dnslookup T=remote_smtp: SMTP error" },
    { "2018-10-19 16:36:25.123 +0200 [4321] 1gDL3J-0001Xx-AB == b@example.net routing defer (-52)",
      HEADER_EXIM, 1539959785, 123000, 120, true, "", "exim", "4321",
      "1gDL3J-0001Xx-AB == b@example.net routing defer (-52)" },
    { "2018-10-19 16:36:25 -0700 Start queue run: pid=123", HEADER_EXIM, 1539992185, 0, -420, true,
      "", "exim", "", "Start queue run: pid=123" },
    { "2018-10-19 16:36:25 [77] SMTP connection from [203.0.113.5]", HEADER_EXIM, 1539966985, 0, 0,
      false, "", "exim", "77", "SMTP connection from [203.0.113.5]" },
    /* 4.97+ 23-character message id */
    { "2018-10-19 16:36:25 1tt1Jd-000000000Xt-0Ab3 Completed", HEADER_EXIM, 1539966985, 0, 0, false,
      "", "exim", "", "1tt1Jd-000000000Xt-0Ab3 Completed" },
    /* syslog header cut off (OSSEC/Wazuh show lines so): Exim's own stamp, the tag's pid */
    { "exim[14706]: 2006-11-21 15:01:39 1Gmary-0002iA-00 ** a@example.net R=dnslookup", HEADER_EXIM,
      1164121299, 0, 0, false, "", "exim", "14706",
      "1Gmary-0002iA-00 ** a@example.net R=dnslookup" },
    { "exim4[77]: 2018-10-19 16:36:25 [4321] 1gDL3J-0001Xx-AB Completed", HEADER_EXIM, 1539966985,
      0, 0, false, "", "exim", "4321", "1gDL3J-0001Xx-AB Completed" },

    /* H8: year-first rsyslog templates, milliseconds (issue 12 item 7) */
    { "2024 Jun 10 06:38:17.123 host postfix/smtp[2101]: 4C7A21F0B3: to=<a@example.net>",
      HEADER_YEAR_FIRST, 1718001497, 123000, 0, false, "host", "postfix/smtp", "2101",
      "4C7A21F0B3: to=<a@example.net>" },
    { "2025 Mar  4 09:26:53 mx1 sm-mta[4312]: m", HEADER_YEAR_FIRST, 1741080413, 0, 0, false, "mx1",
      "sm-mta", "4312", "m" },
    { "2025 Mar 14 09:26:53 <mail.info> mx1 postfix/qmgr[5]: m", HEADER_YEAR_FIRST, 1741944413, 0,
      0, false, "mx1", "postfix/qmgr", "5", "m" },
    /* H2c: journalctl -o short-unix, an instant (offset shown: the local one) */
    { "1741944413.589793 mx1 postfix/smtp[2101]: m", HEADER_SHORT_UNIX, 1741944413, 589793, 0,
      false, "mx1", "postfix/smtp", "2101", "m" },
    /* Sophos UTM syslog files: "YYYY:MM:DD-HH:MM:SS", local time (Postal issue 1917) */
    { "2022:03:19-10:51:50 mailserver exim-out[1163]: 2022-03-19 10:51:50 1nVVkU-0000Ii-Fq ** a",
      HEADER_UTM, 1647687110, 0, 0, false, "mailserver", "exim-out", "1163",
      "2022-03-19 10:51:50 1nVVkU-0000Ii-Fq ** a" },
};

START_TEST(test_table)
{
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const struct header_case *c = &good[i];
        struct header_clock clk;
        header_clock_init(&clk, 0, 2026);
        struct log_header h;
        bool bad = true;
        bool ok = header_parse(slice_cstr(c->line), &clk, &h, &bad);
        ck_assert_msg(ok && !bad, "row %zu \"%s\": got ok=%d bad_time=%d, want ok", i, c->line, ok,
                      bad);
        ck_assert_msg(h.format == c->format, "row %zu: got format %s, want %s", i,
                      header_format_name(h.format), header_format_name(c->format));
        ck_assert_msg(h.when == c->when, "row %zu: got when %lld, want %lld", i, (long long)h.when,
                      (long long)c->when);
        ck_assert_msg(h.usec == c->usec, "row %zu: got usec %d, want %d", i, h.usec, c->usec);
        ck_assert_msg(h.tz_minutes == c->tz_minutes && h.tz_known == c->tz_known,
                      "row %zu: got tz %d known %d, want %d known %d", i, h.tz_minutes, h.tz_known,
                      c->tz_minutes, c->tz_known);
        ck_assert_msg(slice_eq_cstr(h.host, c->host), "row %zu: got host \"%s\", want \"%s\"", i,
                      slice_str(h.host, 0), c->host);
        ck_assert_msg(slice_eq_cstr(h.program, c->program),
                      "row %zu: got program \"%s\", want \"%s\"", i, slice_str(h.program, 0),
                      c->program);
        ck_assert_msg(slice_eq_cstr(h.pid, c->pid), "row %zu: got pid \"%s\", want \"%s\"", i,
                      slice_str(h.pid, 0), c->pid);
        ck_assert_msg(slice_eq_cstr(h.message, c->message),
                      "row %zu: got message \"%s\", want \"%s\"", i, slice_str(h.message, 0),
                      c->message);
    }
}
END_TEST

/* lines that must be rejected; bad_time says whether the shape was right */
static const struct {
    const char *line;
    size_t len; /* 0: strlen */
    bool bad_time;
} bad[] = {
    { "", 0, false },
    { "hello world, this is not a log line", 0, false },
    { "\x00\x01\x02\xff\xfe\x80 binary junk \x00\x00\x00\x00\x00\x00\x00", 28, false },
    { "Oct 99 99:99:99 mx1 postfix/smtp[1]: x", 0, true },
    { "Oct 19 24:00:00 mx1 postfix/smtp[1]: x", 0, true },
    { "Oct 19 23:60:00 mx1 postfix/smtp[1]: x", 0, true },
    { "Oct 00 10:00:00 mx1 postfix/smtp[1]: x", 0, true },
    { "Apr 31 10:00:00 mx1 postfix/smtp[1]: x", 0, true },
    { "Feb 29 10:00:00 mx1 postfix/smtp[1]: x", 0, true }, /* 2026 is not a leap year */
    { "Foo 19 16:36:25 mx1 postfix/smtp[1]: x", 0, false },
    { "oct 19 16:36:25 mx1 postfix/smtp[1]: x", 0, false },
    { "Oct 19 16:36:25", 0, false },
    { "Oct 19 16:36:25 mx1", 0, false },
    { "Oct 19 16:36 mx1 postfix/smtp[1]: x", 0, false },
    { "Oct 19 16:36:25 <mail.info>", 0, false },
    { "2026-13-01T00:00:00Z mx1 a[1]: b", 0, true },
    { "2026-11-27T25:00:00Z mx1 a[1]: b", 0, true },
    { "2026-11-27T03:14:15+09:61 mx1 a[1]: b", 0, true },
    { "2026-11-27T03:14:15+9 mx1 a[1]: b", 0, false },
    { "2026-11-27T03:14:15Zmx1 a[1]: b", 0, false },
    { "2026-11-27 mx1 a[1]: b and more", 0, false },
    { "2018-10-19 16:36:25,123 INFO python logging", 0, false },
    { "2018-02-30 16:36:25 1gDL3J-0001Xx-AB Completed", 0, true },
    { "<22>1 - mx1 postfix 1 - - msg", 0, true },
    { "<22>1 2026-11-27T03:14:15Z mx1 postfix 1 - [unclosed sd", 0, false },
    { "<22>1 2026-11-27T03:14:15Z mx1 postfix", 0, false },
    { "<22>2 2026-11-27T03:14:15Z mx1 postfix 1 - - m", 0, false },
    { "<>1 2026-11-27T03:14:15Z mx1 postfix 1 - - m", 0, false },
    { "<2222222>1 2026-11-27T03:14:15Z mx1 postfix 1 - - m", 0, false },
    { "                                       ", 0, false },
    { "1741944413 mx1 postfix/smtp[2101]: m", 0, false },   /* short-unix needs the fraction */
    { "17419.589793 mx1 postfix/smtp[2101]: m", 0, false }, /* too few digits */
    { "2024 Jun 31 06:38:17.123 host postfix/smtp[2101]: m", 0, true },
    { "2023 Feb 29 06:38:17 host postfix/smtp[2101]: m", 0, true },
    { "2024 Jnu 10 06:38:17 host postfix/smtp[2101]: m", 0, false },
    { "2024 Jun 10 06:38 host postfix/smtp[2101]: m", 0, false },
    { "2024 Jun 10 06:38:17.", 0, false },
    /* a compose prefix is not header_parse's (header_parse_compose, below) */
    { "web_1  | not a log line at all, really", 0, false },
    { "a | b | Oct 19 16:36:25 mx1 postfix/smtp[1]: m", 0, false },
    { "Okx 15 23:48:15 c3 postfix/lmtp[48460]: m", 0, false },
    { "M\xc3\xa4x 14 09:26:53 mx1 postfix/smtp[78]: m", 0, false },
    /* the tag form needs the Exim stamp and "exim" or "exim4" with a numeric pid */
    { "exim[123]: Start queue run: pid=123", 0, false },
    { "exim[]: 2018-10-19 16:36:25 1gDL3J-0001Xx-AB Completed", 0, false },
    { "exim5[1]: 2018-10-19 16:36:25 1gDL3J-0001Xx-AB Completed", 0, false },
    { "eximx[1]: 2018-10-19 16:36:25 1gDL3J-0001Xx-AB Completed", 0, false },
    { "exim[1] 2018-10-19 16:36:25 1gDL3J-0001Xx-AB Completed", 0, false },
    { "exim[1]: 2018-02-30 16:36:25 1gDL3J-0001Xx-AB Completed", 0, true },
    { "exim[12", 0, false },
};

START_TEST(test_rejects)
{
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct header_clock clk;
        header_clock_init(&clk, 0, 2026);
        struct log_header h;
        bool bt = !bad[i].bad_time;
        size_t n = bad[i].len ? bad[i].len : strlen(bad[i].line);
        bool ok = header_parse(slice_make(bad[i].line, n), &clk, &h, &bt);
        ck_assert_msg(!ok, "row %zu \"%s\": got ok, want rejected (format %s)", i, bad[i].line,
                      header_format_name(h.format));
        ck_assert_msg(h.format == HEADER_NONE, "row %zu: got format %s, want none", i,
                      header_format_name(h.format));
        ck_assert_msg(bt == bad[i].bad_time, "row %zu \"%s\": got bad_time %d, want %d", i,
                      bad[i].line, bt, bad[i].bad_time);
        /* a rejected line leaves the clock as it was */
        ck_assert_int_eq(clk.last_month, -1);
    }
    /* every prefix of every good line: no crash, and no read past the end
     * (run under ASan in CI) */
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        size_t n = strlen(good[i].line);
        for (size_t k = 0; k <= n; k++) {
            char *copy = malloc(k ? k : 1);
            memcpy(copy, good[i].line, k);
            struct header_clock clk;
            header_clock_init(&clk, 0, 2026);
            struct log_header h;
            bool bt;
            (void)header_parse(slice_make(copy, k), &clk, &h, &bt);
            free(copy);
        }
    }
}
END_TEST

/* parse_seq - parse lines in order with one clock; the epoch of each */
static void parse_seq(struct header_clock *clk, const char *const *lines, size_t n, int64_t *when)
{
    for (size_t i = 0; i < n; i++) {
        struct log_header h;
        bool bt;
        ck_assert_msg(header_parse(slice_cstr(lines[i]), clk, &h, &bt), "line %zu \"%s\" rejected",
                      i, lines[i]);
        when[i] = h.when;
    }
}

START_TEST(test_year_rollover)
{
    static const char *const lines[] = {
        "Dec 31 23:59:59 mx1 postfix/smtp[1]: a",
        "Jan  1 00:00:01 mx1 postfix/smtp[1]: b",
        "Dec 31 23:59:58 mx1 postfix/smtp[1]: straggler from last year",
        "Jan  1 00:00:01 mx1 postfix/smtp[1]: c",
        "Jun  1 00:00:00 mx1 postfix/smtp[1]: d",
    };
    static const int64_t want[] = { 1767225599, 1767225601, 1767225598, 1767225601, 1780272000 };
    int64_t got[5];
    struct header_clock clk;
    header_clock_init(&clk, 0, 2025);
    parse_seq(&clk, lines, 5, got);
    for (int i = 0; i < 5; i++)
        ck_assert_msg(got[i] == want[i], "line %d: got %lld, want %lld", i, (long long)got[i],
                      (long long)want[i]);
    ck_assert_int_eq(clk.year, 2026);
}
END_TEST

START_TEST(test_year_from_mtime)
{
    /* mtime 2026-02-10 12:00:00 UTC */
    const time_t mtime = 1770724800;
    static const struct {
        const char *line;
        int64_t want;
    } cases[] = {
        /* a maillog.1 that began in December, read in February */
        { "Dec 30 10:00:00 mx1 postfix/smtp[1]: x", 1767088800 },
        /* an hour after the mtime: same year (clock skew, a late write) */
        { "Feb 10 13:00:00 mx1 postfix/smtp[1]: x", 1770728400 },
        /* exactly one day after: still the same year */
        { "Feb 11 12:00:00 mx1 postfix/smtp[1]: x", 1770811200 },
        /* more than a day after the mtime: last year */
        { "Feb 12 12:00:00 mx1 postfix/smtp[1]: x", 1739361600 },
        { "Jan  5 08:00:00 mx1 postfix/smtp[1]: x", 1767600000 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct header_clock clk;
        header_clock_init(&clk, mtime, 0);
        int64_t got;
        const char *l = cases[i].line;
        parse_seq(&clk, &l, 1, &got);
        ck_assert_msg(got == cases[i].want, "case %zu \"%s\": got %lld, want %lld", i, l,
                      (long long)got, (long long)cases[i].want);
    }
    /* --year wins over the mtime */
    struct header_clock clk;
    header_clock_init(&clk, mtime, 2024);
    int64_t got;
    const char *l = "Dec 30 10:00:00 mx1 postfix/smtp[1]: x";
    parse_seq(&clk, &l, 1, &got);
    ck_assert_msg(got == 1735552800, "forced 2024: got %lld, want 1735552800", (long long)got);

    /* Dec -> Jan within a file inferred from its mtime (2026-01-02) */
    static const char *const seq[] = {
        "Dec 31 23:00:00 mx1 postfix/smtp[1]: x",
        "Jan  1 01:00:00 mx1 postfix/smtp[1]: x",
    };
    int64_t w[2];
    header_clock_init(&clk, 1767312000, 0);
    parse_seq(&clk, seq, 2, w);
    ck_assert_msg(w[0] == 1767222000 && w[1] == 1767229200, "got %lld %lld", (long long)w[0],
                  (long long)w[1]);

    /* every line against the mtime, not only the first (issue 12 item 7): a
     * "Dec  7" line in a file last modified on Dec 4 is last year's, whatever
     * came before it; a line within a day after the mtime is this year's */
    static const char *const dec[] = {
        "Dec  1 10:00:00 mx1 postfix/smtp[1]: x",
        "Dec  7 10:00:00 mx1 postfix/smtp[1]: x",
        "Dec  2 10:00:00 mx1 postfix/smtp[1]: x",
        "Dec  5 11:00:00 mx1 postfix/smtp[1]: x",
    };
    static const int64_t want_dec[] = { 1764583200, 1733565600, 1764669600, 1764932400 };
    int64_t wd[4];
    header_clock_init(&clk, 1764849600, 0);
    parse_seq(&clk, dec, 4, wd);
    for (int i = 0; i < 4; i++)
        ck_assert_msg(wd[i] == want_dec[i], "dec line %d: got %lld, want %lld", i, (long long)wd[i],
                      (long long)want_dec[i]);
    /* Dec -> Jan -> a December straggler -> Jan, each line on its own */
    static const char *const mixed[] = {
        "Dec 31 23:00:00 mx1 postfix/smtp[1]: x",
        "Jan  1 01:00:00 mx1 postfix/smtp[1]: x",
        "Dec 31 23:59:58 mx1 postfix/smtp[1]: x",
        "Jan  1 02:00:00 mx1 postfix/smtp[1]: x",
    };
    static const int64_t want_mixed[] = { 1767222000, 1767229200, 1767225598, 1767232800 };
    int64_t wm[4];
    header_clock_init(&clk, 1767312000, 0);
    parse_seq(&clk, mixed, 4, wm);
    for (int i = 0; i < 4; i++)
        ck_assert_msg(wm[i] == want_mixed[i], "mixed line %d: got %lld, want %lld", i,
                      (long long)wm[i], (long long)want_mixed[i]);
}
END_TEST

START_TEST(test_feb29)
{
    struct header_clock clk;
    struct log_header h;
    bool bt;
    const struct slice l = slice_cstr("Feb 29 10:00:00 mx1 postfix/smtp[1]: x");
    header_clock_init(&clk, 0, 2028);
    ck_assert(header_parse(l, &clk, &h, &bt));
    ck_assert_int_eq(h.when, 1835431200);
    header_clock_init(&clk, 0, 2026);
    ck_assert(!header_parse(l, &clk, &h, &bt));
    ck_assert(bt);
    /* inferred: mtime 2028-03-05 -> 2028, valid */
    header_clock_init(&clk, 1835827200, 0);
    ck_assert(header_parse(l, &clk, &h, &bt));
    ck_assert_int_eq(h.when, 1835431200);
    /* ISO: 2100 is not a leap year, 2000 is */
    ck_assert(!header_parse(slice_cstr("2100-02-29T00:00:00Z mx1 a[1]: b"), &clk, &h, &bt));
    ck_assert(bt);
    ck_assert(header_parse(slice_cstr("2000-02-29T00:00:00Z mx1 a[1]: b"), &clk, &h, &bt));
    ck_assert_int_eq(h.when, 951782400);
}
END_TEST

START_TEST(test_never_after_mtime)
{
    /* a year-less stamp never lies more than a day after its file's mtime, whatever
     * the mtime (now, the year 2099, New Year's Eve, a leap day) and the stamp (every
     * day of the year, Feb 29 too) - so only --year can make one lie in the future
     * (pipeline.c flags it), and in three time zones */
    static const char *const zones[] = { "UTC", "JST-9", "EST5EDT,M3.2.0,M11.1.0" };
    static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    static const int64_t mtimes[] = {
        1796405680, /* 2026-12-04 */
        4099766400, /* 2099-12-01 */
        1798761599, /* 2026-12-31T23:59:59Z */
        1767225600, /* 2026-01-01T00:00:00Z */
        1835827200, /* 2028-03-05 */
        1835395200, /* 2028-02-28 */
    };
    for (size_t z = 0; z < sizeof zones / sizeof *zones; z++) {
        setenv("TZ", zones[z], 1);
        tzset();
        for (size_t t = 0; t < sizeof mtimes / sizeof *mtimes; t++) {
            for (int m = 0; m < 12; m++) {
                for (int d = 1; d <= 31; d++) {
                    char line[80];
                    snprintf(line, sizeof line, "%s %2d 23:59:59 mx1 postfix/smtp[1]: x", months[m],
                             d);
                    struct header_clock clk;
                    struct log_header h;
                    bool bt;
                    header_clock_init(&clk, (time_t)mtimes[t], 0);
                    if (!header_parse(slice_cstr(line), &clk, &h, &bt))
                        continue; /* Feb 30, Apr 31 */
                    ck_assert_msg(h.when <= mtimes[t] + 86400,
                                  "TZ %s, mtime %lld, \"%s\": got %lld, more than a day after",
                                  zones[z], (long long)mtimes[t], line, (long long)h.when);
                    ck_assert_msg(h.when > mtimes[t] - 9 * 366 * 86400LL,
                                  "\"%s\": got %lld, years before the mtime", line,
                                  (long long)h.when);
                }
            }
        }
    }
    setenv("TZ", "UTC", 1);
    tzset();
    header_tz_reset();
}
END_TEST

START_TEST(test_local_zones)
{
    /* Asia/Tokyo when tzdata is there; the POSIX rule is the same zone */
    const char *tokyo =
        access("/usr/share/zoneinfo/Asia/Tokyo", R_OK) == 0 ? "Asia/Tokyo" : "JST-9";
    setenv("TZ", tokyo, 1);
    tzset();
    struct header_clock clk;
    struct log_header h;
    bool bt;
    header_clock_init(&clk, 0, 2026);
    ck_assert(header_parse(slice_cstr("Oct 19 16:36:25 mx1 postfix/smtp[1]: x"), &clk, &h, &bt));
    ck_assert_msg(h.when == 1792395385 && h.tz_minutes == 540 && !h.tz_known,
                  "%s: got when %lld tz %d, want 1792395385 tz 540", tokyo, (long long)h.when,
                  h.tz_minutes);
    ck_assert(
        header_parse(slice_cstr("2018-10-19 16:36:25 1gDL3J-0001Xx-AB Completed"), &clk, &h, &bt));
    ck_assert_int_eq(h.when, 1539966985 - 9 * 3600);
    ck_assert_int_eq(h.tz_minutes, 540);
    /* a zone written in the line is not touched by TZ */
    ck_assert(header_parse(slice_cstr("2026-11-27T03:14:15Z mx1 a[1]: b"), &clk, &h, &bt));
    ck_assert_int_eq(h.when, 1795749255);
    ck_assert_int_eq(h.tz_minutes, 0);

    /* US Eastern with DST, as a POSIX rule (no tzdata needed) */
    setenv("TZ", "EST5EDT,M3.2.0,M11.1.0", 1);
    tzset();
    header_tz_reset();
    static const struct {
        const char *line;
        int64_t when;
        int tz;
    } dst[] = {
        { "Mar  8 01:30:00 mx1 postfix/smtp[1]: x", 1772951400, -300 }, /* before the change */
        { "Mar  8 03:30:00 mx1 postfix/smtp[1]: x", 1772955000, -240 }, /* after it */
        { "Nov  1 03:00:00 mx1 postfix/smtp[1]: x", 1793520000, -300 }, /* back to EST */
        { "Jul  4 12:00:00 mx1 postfix/smtp[1]: x", 1783180800, -240 },
    };
    for (size_t i = 0; i < sizeof dst / sizeof dst[0]; i++) {
        header_clock_init(&clk, 0, 2026);
        ck_assert(header_parse(slice_cstr(dst[i].line), &clk, &h, &bt));
        ck_assert_msg(h.when == dst[i].when && h.tz_minutes == dst[i].tz,
                      "\"%s\": got %lld tz %d, want %lld tz %d", dst[i].line, (long long)h.when,
                      h.tz_minutes, (long long)dst[i].when, dst[i].tz);
    }
    setenv("TZ", "UTC", 1);
    tzset();
    header_tz_reset();
}
END_TEST

/* header_parse_compose - docker compose's "service_1  | " prefix, asked after header_parse
 * failed: the line after it, one prefix only */
START_TEST(test_compose_prefix)
{
    struct header_clock clk;
    header_clock_init(&clk, 0, 2026);
    struct log_header h;
    bool bt = false;
    struct slice l = slice_cstr("smtp_1       | 2018-08-22T07:30:18.130405545Z postfix/smtp[137]: "
                                "73EBC8B09: to=<a@b.tw>");
    ck_assert(!header_parse(l, &clk, &h, &bt));
    ck_assert(header_parse_compose(l, &clk, &h, &bt));
    ck_assert_int_eq(h.format, HEADER_RFC3339);
    ck_assert_int_eq(h.when, 1534923018);
    ck_assert_int_eq(h.usec, 130405);
    ck_assert(slice_eq_cstr(h.program, "postfix/smtp"));
    ck_assert(slice_eq_cstr(h.pid, "137"));
    ck_assert(slice_eq_cstr(h.message, "73EBC8B09: to=<a@b.tw>"));
    l = slice_cstr("mailserver-mail-1  | Oct 19 16:36:25 mx1 postfix/smtp[1]: m");
    ck_assert(header_parse_compose(l, &clk, &h, &bt));
    ck_assert(slice_eq_cstr(h.host, "mx1"));
    const char *no[] = { "web_1  | not a log line at all, really",
                         "a | b | Oct 19 16:36:25 mx1 postfix/smtp[1]: m",
                         "Web_1 | Oct 19 16:36:25 mx1 postfix/smtp[1]: m",
                         "web_1 |Oct 19 16:36:25 mx1 postfix/smtp[1]: m", "web_1 | short" };
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        bt = false;
        ck_assert_msg(!header_parse_compose(slice_cstr(no[i]), &clk, &h, &bt), "\"%s\" read",
                      no[i]);
    }
}
END_TEST

/* header_parse_compose - grep's "FILE:" / "FILE:LINE:" prefix (grep over several files,
 * grep -n), and a host field padded with blanks read by header_parse itself */
START_TEST(test_grep_prefix_padded_host)
{
    struct header_clock clk;
    header_clock_init(&clk, 0, 2026);
    struct log_header h;
    bool bt = false;
    const char *yes[] = { "/var/log/mail.log.1:Jun  7 09:01:08 mx postfix/smtp[1]: m",
                          "mail.log:42:Jun  7 09:01:08 mx postfix/smtp[1]: m" };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        bt = false;
        struct slice l = slice_cstr(yes[i]);
        ck_assert(!header_parse(l, &clk, &h, &bt));
        ck_assert_msg(header_parse_compose(l, &clk, &h, &bt), "\"%s\" not read", yes[i]);
        ck_assert(slice_eq_cstr(h.host, "mx"));
        ck_assert(slice_eq_cstr(h.program, "postfix/smtp"));
        ck_assert(slice_eq_cstr(h.message, "m"));
    }
    bt = false;
    ck_assert(!header_parse_compose(slice_cstr("a file:not a log line at all"), &clk, &h, &bt));
    ck_assert(!header_parse_compose(slice_cstr("sm-mta[35942]: 4B24QxX9035940: to=<a@b.c>"), &clk,
                                    &h, &bt));
    ck_assert(
        header_parse(slice_cstr("Mar 13 11:29:14 SERVERNAME  sendmail[7406]: m"), &clk, &h, &bt));
    ck_assert(slice_eq_cstr(h.host, "SERVERNAME"));
    ck_assert(slice_eq_cstr(h.program, "sendmail"));
    ck_assert(slice_eq_cstr(h.pid, "7406"));
}
END_TEST

START_TEST(test_nostamp_level_prefix)
{
    struct header_clock clk;
    header_clock_init(&clk, 1000, 2026);
    struct log_header h;
    /* a log level padded with blanks before the program (docker-postfix without its stamp) */
    ck_assert(header_parse_nostamp(slice_cstr("INFO    postfix/smtp[256]: m"), &clk, &h));
    ck_assert(h.host.n == 0);
    ck_assert(slice_eq_cstr(h.program, "postfix/smtp"));
    ck_assert(slice_eq_cstr(h.message, "m"));
    /* a padded host stays the host; one blank as before */
    ck_assert(header_parse_nostamp(slice_cstr("mx1  postfix/smtp[1]: m"), &clk, &h));
    ck_assert(slice_eq_cstr(h.host, "mx1"));
    ck_assert(header_parse_nostamp(slice_cstr("mail postfix/smtp[1]: m"), &clk, &h));
    ck_assert(slice_eq_cstr(h.host, "mail"));
    ck_assert(!header_parse_nostamp(slice_cstr("INFO    not a tag: m"), &clk, &h));
}
END_TEST

START_TEST(test_strip_exim_stamp)
{
    static const struct {
        const char *in;
        bool stripped;
        const char *out;
    } cases[] = {
        { "2018-10-19 16:36:25 1gDL3J-0001Xx-AB ** a@example.net: Unrouteable address", true,
          "1gDL3J-0001Xx-AB ** a@example.net: Unrouteable address" },
        { "2018-10-19 16:36:25.123 +0200 [4321] 1gDL3J-0001Xx-AB Completed", true,
          "1gDL3J-0001Xx-AB Completed" },
        { "2018-10-19 16:36:25 [1/2] 1gDL3J-0001Xx-AB == b@example.net", true,
          "[1/2] 1gDL3J-0001Xx-AB == b@example.net" },
        { "1gDL3J-0001Xx-AB Completed", false, "1gDL3J-0001Xx-AB Completed" },
        { "2018-10-19", false, "2018-10-19" },
        { "", false, "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct slice m = slice_cstr(cases[i].in);
        bool got = header_strip_exim_stamp(&m);
        ck_assert_msg(got == cases[i].stripped && slice_eq_cstr(m, cases[i].out),
                      "case %zu: got %d \"%s\", want %d \"%s\"", i, got, slice_str(m, 0),
                      cases[i].stripped, cases[i].out);
    }
    /* the syslog form and the main-log form give the same message */
    struct header_clock clk;
    header_clock_init(&clk, 0, 2018);
    struct log_header a, b;
    bool bt;
    ck_assert(header_parse(slice_cstr("Oct 19 16:36:25 mx1 exim[123]: 2018-10-19 16:36:25 "
                                      "1gDL3J-0001Xx-AB ** a@example.net: x"),
                           &clk, &a, &bt));
    ck_assert(header_parse(slice_cstr("2018-10-19 16:36:25 1gDL3J-0001Xx-AB ** a@example.net: x"),
                           &clk, &b, &bt));
    ck_assert(header_strip_exim_stamp(&a.message));
    ck_assert(slice_eq(a.message, b.message));
    ck_assert_int_eq(a.when, b.when);
    /* without --year, Exim's own stamp of the same day gives the year the syslog header
     * leaves out (a 2019 line in a file written in 2026); another day's stamp does not */
    struct header_clock inf;
    header_clock_init(&inf, 1793491200, 0); /* 2026-11-01 */
    ck_assert(header_parse(slice_cstr("Jun 19 12:12:31 mail exim[14263]: 2019-06-19 12:12:31 "
                                      "1hdXZe-0003dl-0j ** a@example.net: x"),
                           &inf, &a, &bt));
    ck_assert_int_eq(a.when, 1560946351);
    ck_assert(header_parse(slice_cstr("Jun 20 12:12:31 mail exim[14263]: 2019-06-19 12:12:31 "
                                      "1hdXZe-0003dl-0j ** a@example.net: x"),
                           &inf, &a, &bt));
    ck_assert_int_eq(a.when, 1781957551);
}
END_TEST

START_TEST(test_format_iso_time)
{
    static const struct {
        int64_t when;
        int tz;
        const char *want;
    } cases[] = {
        { 0, 0, "1970-01-01T00:00:00+00:00" },
        { 1795716855, 540, "2026-11-27T03:14:15+09:00" },
        { 1795749255, 0, "2026-11-27T03:14:15+00:00" },
        { 1795769055, -330, "2026-11-27T03:14:15-05:30" },
        { 951782400, 0, "2000-02-29T00:00:00+00:00" },
        { -1, 0, "1969-12-31T23:59:59+00:00" },
        { 1767225599, 0, "2025-12-31T23:59:59+00:00" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        format_iso_time(cases[i].when, cases[i].tz, buf, sizeof buf);
        ck_assert_msg(strcmp(buf, cases[i].want) == 0, "case %zu: got %s, want %s", i, buf,
                      cases[i].want);
    }
    ck_assert_str_eq(header_format_name(HEADER_RFC3164), "rfc3164");
    ck_assert_str_eq(header_format_name(HEADER_SHORT_ISO), "short-iso");
    ck_assert_str_eq(header_format_name(HEADER_NONE), "none");
}
END_TEST

static Suite *header_suite(void)
{
    Suite *s = suite_create("syslog_header");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_table);
    tcase_add_test(tc, test_rejects);
    tcase_add_test(tc, test_year_rollover);
    tcase_add_test(tc, test_year_from_mtime);
    tcase_add_test(tc, test_feb29);
    tcase_add_test(tc, test_never_after_mtime);
    tcase_add_test(tc, test_local_zones);
    tcase_add_test(tc, test_strip_exim_stamp);
    tcase_add_test(tc, test_compose_prefix);
    tcase_add_test(tc, test_grep_prefix_padded_host);
    tcase_add_test(tc, test_nostamp_level_prefix);
    tcase_add_test(tc, test_format_iso_time);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    SRunner *sr = srunner_create(header_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
