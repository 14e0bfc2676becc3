/*
 * test_report_json.c - the JSON report: valid JSON (checked by a small
 * strict parser here), valid UTF-8 even from invalid log bytes, no raw < > &
 * (so it can sit in an HTML <script>), and the whole document - schema, --top
 * cut, --detail events keyed by the event column names - compared with golden
 * copies in tests/unit/golden/ (BS_UPDATE_GOLDEN=1 rewrites them).
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

/* ---- a strict JSON checker (RFC 8259), enough to reject what we could get wrong ---- */

struct jp {
    const char *p, *end;
};

static void jp_ws(struct jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
        j->p++;
}

static bool jp_value(struct jp *j, int depth);

static bool jp_string(struct jp *j)
{
    if (j->p >= j->end || *j->p != '"')
        return false;
    j->p++;
    while (j->p < j->end && *j->p != '"') {
        unsigned char c = (unsigned char)*j->p;
        if (c < 0x20)
            return false;
        if (c == '\\') {
            j->p++;
            if (j->p >= j->end || !strchr("\"\\/bfnrtu", *j->p))
                return false;
            if (*j->p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (j->p + i >= j->end || !strchr("0123456789abcdefABCDEF", j->p[i]))
                        return false;
                j->p += 4;
            }
            j->p++;
        } else if (c >= 0x80) {
            size_t n = utf8_valid_len((const unsigned char *)j->p, (size_t)(j->end - j->p));
            if (!n)
                return false;
            j->p += n;
        } else {
            j->p++;
        }
    }
    if (j->p >= j->end)
        return false;
    j->p++;
    return true;
}

static bool jp_number(struct jp *j)
{
    const char *s = j->p;
    if (j->p < j->end && *j->p == '-')
        j->p++;
    while (j->p < j->end && strchr("0123456789.eE+-", *j->p))
        j->p++;
    return j->p > s;
}

static bool jp_value(struct jp *j, int depth)
{
    if (depth > 64)
        return false;
    jp_ws(j);
    if (j->p >= j->end)
        return false;
    char c = *j->p;
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        j->p++;
        jp_ws(j);
        if (j->p < j->end && *j->p == close) {
            j->p++;
            return true;
        }
        for (;;) {
            if (c == '{') {
                jp_ws(j);
                if (!jp_string(j))
                    return false;
                jp_ws(j);
                if (j->p >= j->end || *j->p != ':')
                    return false;
                j->p++;
            }
            if (!jp_value(j, depth + 1))
                return false;
            jp_ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == close) {
                j->p++;
                return true;
            }
            return false;
        }
    }
    if (c == '"')
        return jp_string(j);
    if (!strncmp(j->p, "true", 4) || !strncmp(j->p, "null", 4)) {
        j->p += 4;
        return true;
    }
    if (!strncmp(j->p, "false", 5)) {
        j->p += 5;
        return true;
    }
    return jp_number(j);
}

static bool json_valid(const char *s, size_t n)
{
    struct jp j = { s, s + n };
    if (!jp_value(&j, 0))
        return false;
    jp_ws(&j);
    return j.p == j.end;
}

/* ---- fixture ---- */

/* the reasons leave their own-words fields (has_own false: the reply's serve) */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const struct reason r_blocked = { "blocked", "Our IP is on a blocklist", "Check it", 0,
                                         SIDE_US,   "Get {ip} off {list}",      SUPPRESS_NO };
static const struct reason r_user = {
    "userunknown", "No such user", "Remove it", 1, SIDE_RECIPIENT, "", SUPPRESS_YES
};
static const struct blocklist_ref bl = { "spamhaus", "Spamhaus", "https://check.spamhaus.org/" };

static void make_event(struct event *e, const char *rcpt, const char *text, const struct reason *re,
                       const char *ip, uint64_t fp)
{
    memset(e, 0, sizeof *e);
    e->when = 1710408413;
    e->tz_minutes = 540;
    e->status = DELIVERY_BOUNCED;
    e->qid = slice_cstr("1A2B3C4D5E");
    e->sender = slice_cstr("\"<script>alert(9)</script>\"@example.net");
    e->recipient = slice_cstr(rcpt);
    e->domain = slice_cstr(strrchr(rcpt, '@') + 1);
    e->remote_host = slice_cstr("mx.victim.example");
    e->dsn = slice_cstr("5.7.1");
    e->text = slice_cstr(text);
    e->template_text = slice_cstr(text);
    e->provider = slice_cstr("Microsoft 365");
    e->implicated_ip = slice_cstr(ip);
    e->reason = re;
    e->blocklist = re == &r_blocked ? &bl : NULL;
    e->fingerprint = fp;
    e->file = "xss.log";
    e->line = 7;
    e->attempts = 2;
}

static char *render(const struct report *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    ck_assert_int_eq(write_json(fp, r), 0);
    fclose(fp);
    ck_assert_msg(json_valid(buf, len), "got invalid JSON:\n%.2000s", buf);
    return buf;
}

struct fixture {
    struct aggregate *agg;
    struct event_spool *spool;
    struct report r;
};

static void fixture_init(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    problems_reset();
    problem_note(PROBLEM_INVALID_UTF8, "xss.log", 3, slice_cstr("bad \xff\xfe bytes </script>"));
    f->agg = aggregate_new(GROUP_BY_PROVIDER | GROUP_BY_REASON | GROUP_BY_FINGERPRINT, 2);
    f->spool = event_spool_new();
    struct event e;
    make_event(
        &e, "\"<script>alert(1)</script>\"@victim.example",
        "550 5.7.1 Client host [198.51.100.7] blocked </script><script>alert(2)</script> \xc3\x28",
        &r_blocked, "198.51.100.7", 1);
    aggregate_add(f->agg, &e);
    event_spool_write(f->spool, &e);
    make_event(&e, "javascript:alert(3)@victim.example",
               "550 5.1.1 \"><img src=x onerror=alert(1)>", &r_user, "", 2);
    aggregate_add(f->agg, &e);
    event_spool_write(f->spool, &e);
    f->r = (struct report){
        .command = "scan", .agg = f->agg, .problems = &problems_global, .generated = 1710412200
    };
    f->r.dns = (struct report_dns){ false, "not checked (--no-dns)", NULL, NULL, NULL };
}

static void fixture_free(struct fixture *f)
{
    event_spool_free(f->spool);
    aggregate_free(f->agg);
}

/* golden - the whole document equals tests/unit/golden/NAME (BS_UPDATE_GOLDEN=1
 * writes it instead: review the diff before committing it) */
static void golden(const char *name, const char *got)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/unit/golden/%s", BS_SOURCE_DIR, name);
    const char *update = getenv("BS_UPDATE_GOLDEN");
    if (update && !strcmp(update, "1")) {
        FILE *fp = fopen(path, "w");
        ck_assert_msg(fp && fputs(got, fp) >= 0 && fclose(fp) == 0, "cannot write %s", path);
        return;
    }
    FILE *fp = fopen(path, "r");
    ck_assert_msg(fp != NULL, "cannot read %s (BS_UPDATE_GOLDEN=1 writes it)", path);
    struct strbuf want = STRBUF_INIT;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        strbuf_add(&want, buf, n);
    fclose(fp);
    const char *w = strbuf_cstr(&want), *g = got;
    size_t line = 1;
    while (*w && *w == *g) {
        line += *w == '\n';
        w++, g++;
    }
    ck_assert_msg(*w == *g, "%s differs at line %zu:\n  got:  %.120s\n  want: %.120s", name, line,
                  g, w);
    strbuf_free(&want);
}

/* the whole document, compared with its golden copy: every key, value, order and
 * layout of the schema (README "HTML and JSON") */
START_TEST(test_schema)
{
    struct fixture f;
    fixture_init(&f);
    char *js = render(&f.r);
    golden("report.json", js);
    free(js);
    fixture_free(&f);
}
END_TEST

START_TEST(test_safe_in_script)
{
    struct fixture f;
    fixture_init(&f);
    char *js = render(&f.r);
    ck_assert_msg(!strchr(js, '<') && !strchr(js, '>') && !strchr(js, '&'),
                  "got a raw < > or & in the JSON");
    ck_assert_msg(strstr(js, "\\u003c/script\\u003e\\u003cscript\\u003ealert(2)"),
                  "want </script> written as \\u003c/script\\u003e");
    ck_assert_msg(strstr(js, "\xef\xbf\xbd"), "want invalid UTF-8 replaced by U+FFFD");
    free(js);
    fixture_free(&f);
}
END_TEST

/* --top cuts the groups; --detail adds one object per event keyed by the event
 * column names (line and attempts numbers): the whole document, golden */
START_TEST(test_top_and_events)
{
    struct fixture f;
    fixture_init(&f);
    f.r.top = 1;
    f.r.detail = true;
    f.r.spool = f.spool;
    char *js = render(&f.r);
    golden("report-detail.json", js);
    /* the golden copy holds every shown event column */
    const struct event_column *cols = event_columns();
    for (size_t c = 0; c < EVENT_N_COLUMNS; c++) {
        if (!event_column_shown(&cols[c]))
            continue;
        char key[64];
        snprintf(key, sizeof key, "\"%s\": ", cols[c].name);
        ck_assert_msg(strstr(js, key), "want event key %s", key);
    }
    free(js);
    fixture_free(&f);
}
END_TEST

START_TEST(test_empty)
{
    struct aggregate *a = aggregate_new(GROUP_BY_PROVIDER, 0);
    struct report r = { .command = "scan", .agg = a };
    char *js = render(&r);
    ck_assert_msg(strstr(js, "\"groups\": []"), "want an empty groups array");
    ck_assert_msg(strstr(js, "\"failure_rate\": null"),
                  "want failure_rate null with nothing final");
    free(js);
    aggregate_free(a);
}
END_TEST

static Suite *json_suite(void)
{
    Suite *s = suite_create("report_json");
    TCase *tc = tcase_create("json");
    tcase_add_test(tc, test_schema);
    tcase_add_test(tc, test_safe_in_script);
    tcase_add_test(tc, test_top_and_events);
    tcase_add_test(tc, test_empty);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(json_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
