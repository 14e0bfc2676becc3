/*
 * test_correlate.c - unit tests for keeping the queue state between runs
 * (correlate_save / correlate_load in src/correlate.c).
 *
 * A correlator with a deferred and a delivered recipient is saved, loaded into
 * a fresh correlator and compared field by field (reason and blocklist found
 * again by name in the shipped patterns, an unknown reason falling back to the
 * catch-all); a loaded entry saves to the same bytes; drops (removal, sweep)
 * come back as NULL blobs, and only for entries that had been saved; every
 * truncation, a trailing byte, bad counts and every single-byte corruption of
 * a valid blob are refused or loaded without crashing.
 *
 * The state machine (issue 12 item 5): correlate_expire says how many
 * recipients expired (0 when none pending is known: the caller's expiry of
 * unknown recipients) and marks the message expired; a message
 * whose last recipient ended is "recently ended" for the lines that follow
 * its end (notifications), and only for a while.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "correlate.h"
#include "util/strbuf.h"

#define HOST "mx1"
#define DAY 86400

static struct classifier *cl;

/* what correlate_save handed out: keys and blobs (NULL for a drop) */
struct saved {
    struct strbuf key[8], blob[8];
    bool dropped[8];
    size_t n;
};

static void on_save(void *ctx, const char *key, size_t keylen, const void *blob, size_t n)
{
    struct saved *s = ctx;
    ck_assert_uint_lt(s->n, 8);
    strbuf_reset(&s->key[s->n]);
    strbuf_reset(&s->blob[s->n]);
    strbuf_add(&s->key[s->n], key, keylen);
    if (blob)
        strbuf_add(&s->blob[s->n], blob, n);
    s->dropped[s->n] = blob == NULL;
    s->n++;
}

static void saved_free(struct saved *s)
{
    for (size_t i = 0; i < 8; i++) {
        strbuf_free(&s->key[i]);
        strbuf_free(&s->blob[i]);
    }
}

static struct slice S(const char *s) {
    return slice_cstr(s);
}

static void
setup(void)
{
    struct strbuf err = STRBUF_INIT;
    cl = classifier_load(&err);
    ck_assert_msg(cl != NULL, "classifier_load: %s", strbuf_cstr(&err));
    strbuf_free(&err);
}

static void teardown(void)
{
    classifier_free(cl);
}

/* the deferral every test keeps: every field set */
static struct event deferral(const struct reason *reason)
{
    struct event e;
    memset(&e, 0, sizeof e);
    e.when = 1000;
    e.tz_minutes = 540;
    e.status = DELIVERY_DEFERRED;
    e.qid = S("Q1");
    e.sender = S("s@example.jp");
    e.recipient = S("a@x.example");
    e.domain = S("x.example");
    e.remote_host = S("mx.x.example");
    e.remote_ip = S("192.0.2.9");
    e.dsn = S("4.7.1");
    e.text = slice_make("451 4.7.1 blocked\0using zen", 27); /* log bytes may hold NUL */
    e.stage = S("RCPT TO");
    e.message_id = S("<m1@example.jp>");
    e.implicated_ip = S("203.0.113.5");
    e.template_text = S("451 4.7.1 blocked using <*>");
    e.provider = S("Example");
    e.reason = reason;
    e.blocklist = classifier_blocklist(cl, "spamhaus");
    e.fingerprint = 0xfedcba9876543210ull;
    e.text_source = TEXT_LOCAL;
    e.text_shortened = 1;
    e.attempts = 1;
    e.file = "maillog";
    e.line = 42;
    return e;
}

/* build - Q1: two recipients, a@ deferred (e), b@ delivered; Q2 created and removed */
static struct correlator *build(const struct event *e)
{
    struct correlator *c = correlator_new(7 * DAY);
    struct queue_msg *m = correlate_msg(c, S(HOST), S("Q1"), 900, true);
    queue_msg_set_sender(m, S("s@example.jp"));
    queue_msg_set_message_id(m, S("<m1@example.jp>"));
    queue_msg_set_size(m, 1234, 2);
    struct attempt_info info;
    correlate_attempt(c, m, S(HOST), S("Q1"), S("a@x.example"), e, 7, &info);
    struct event sent = *e;
    sent.status = DELIVERY_SENT;
    m = correlate_msg(c, S(HOST), S("Q1"), 1000, true);
    correlate_attempt(c, m, S(HOST), S("Q1"), S("b@x.example"), &sent, 0, &info);
    correlate_msg(c, S(HOST), S("Q2"), 1000, true);
    correlate_drop(c, S(HOST), S("Q2"));
    return c;
}

struct expired {
    unsigned calls, attempts;
    uint32_t group;
    char rcpt[64];
    struct event last; /* points into `copy` */
    struct event *copy;
    bool has_last;
};

static void on_expire(void *ctx, struct slice rcpt, const struct event *last, unsigned attempts,
                      uint32_t group_id)
{
    struct expired *x = ctx;
    x->calls++;
    snprintf(x->rcpt, sizeof x->rcpt, "%.*s", (int)rcpt.n, rcpt.p);
    x->attempts = attempts;
    x->group = group_id;
    x->has_last = last != NULL;
    if (last) {
        /* the correlator frees its copy when the recipient ends: keep our own */
        x->copy = event_dup(last);
        x->last = *x->copy;
    }
}

START_TEST(test_round_trip)
{
    const struct reason *blocked = classifier_reason(cl, "blocked");
    ck_assert_ptr_nonnull(blocked);
    struct event e = deferral(blocked);
    struct correlator *c = build(&e);
    struct saved sv = { 0 };
    correlate_save(c, on_save, &sv);
    /* Q2 was never saved: nothing to delete */
    ck_assert_msg(sv.n == 1 && !sv.dropped[0], "first save: got %zu calls, want one blob", sv.n);
    ck_assert(sv.key[0].len == sizeof HOST + 2 && !memcmp(sv.key[0].s, HOST "\0Q1", sv.key[0].len));
    struct saved again = { 0 };
    correlate_save(c, on_save, &again);
    ck_assert_msg(again.n == 0, "save without changes: got %zu calls, want 0", again.n);

    struct correlator *d = correlator_new(7 * DAY);
    ck_assert_int_eq(
        correlate_load(d, cl, sv.key[0].s, sv.key[0].len, sv.blob[0].s, sv.blob[0].len), 0);
    ck_assert_uint_eq(correlate_live(d), 1);
    /* touched at its own last_seen, it saves to the same bytes */
    struct queue_msg *m = correlate_msg(d, S(HOST), S("Q1"), 1000, false);
    ck_assert_ptr_nonnull(m);
    struct saved re = { 0 };
    correlate_save(d, on_save, &re);
    ck_assert_msg(re.n == 1 && re.blob[0].len == sv.blob[0].len &&
                      !memcmp(re.blob[0].s, sv.blob[0].s, sv.blob[0].len),
                  "reloaded entry saves to other bytes (%zu calls, %zu bytes, want %zu)", re.n,
                  re.blob[0].len, sv.blob[0].len);

    ck_assert(slice_eq(queue_msg_sender(m), S("s@example.jp")));
    ck_assert(slice_eq(queue_msg_message_id(m), S("<m1@example.jp>")));
    ck_assert_uint_eq(correlate_peek_deferrals(m, S("a@x.example")), 1);
    ck_assert_int_eq(correlate_last_deferral_time(m, S("a@x.example")), 1000);
    ck_assert_int_eq(correlate_last_deferral_time(m, S("b@x.example")), 0);

    struct expired x = { 0 };
    correlate_expire(d, m, SLICE_EMPTY, on_expire, &x);
    ck_assert_msg(x.calls == 1, "expire: got %u calls, want 1 (b@ was delivered)", x.calls);
    ck_assert_str_eq(x.rcpt, "a@x.example");
    ck_assert_uint_eq(x.attempts, 1);
    ck_assert_uint_eq(x.group, 0); /* groups belong to one run */
    ck_assert(x.has_last);
    ck_assert_int_eq(x.last.when, e.when);
    ck_assert_int_eq(x.last.tz_minutes, e.tz_minutes);
    ck_assert_int_eq(x.last.status, DELIVERY_DEFERRED);
#define SAME(f) ck_assert_msg(slice_eq(x.last.f, e.f), "field " #f " differs after load")
    SAME(qid);
    SAME(sender);
    SAME(recipient);
    SAME(domain);
    SAME(remote_host);
    SAME(remote_ip);
    SAME(dsn);
    SAME(text);
    SAME(stage);
    SAME(message_id);
    SAME(implicated_ip);
    SAME(template_text);
    SAME(provider);
#undef SAME
    ck_assert_ptr_eq(x.last.reason, blocked);
    ck_assert_ptr_nonnull(x.last.blocklist);
    ck_assert_ptr_eq(x.last.blocklist, e.blocklist);
    ck_assert(x.last.fingerprint == e.fingerprint);
    ck_assert_int_eq(x.last.text_source, TEXT_LOCAL);
    ck_assert_int_eq(x.last.text_shortened, 1);
    ck_assert_uint_eq(x.last.attempts, 1);
    ck_assert_uint_eq(x.last.line, 42);
    free(x.copy);

    /* the expiry changed it; then the MTA removes it: a delete */
    struct saved ex = { 0 }, rm = { 0 };
    correlate_save(d, on_save, &ex);
    ck_assert_msg(ex.n == 1 && !ex.dropped[0], "after expire: got %zu calls, want one blob", ex.n);
    correlate_drop(d, S(HOST), S("Q1"));
    correlate_save(d, on_save, &rm);
    ck_assert_msg(rm.n == 1 && rm.dropped[0] && rm.key[0].len == sv.key[0].len &&
                      !memcmp(rm.key[0].s, sv.key[0].s, sv.key[0].len),
                  "after drop: got %zu calls, want one NULL blob for Q1", rm.n);
    ck_assert_uint_eq(correlate_live(d), 0);
    saved_free(&sv), saved_free(&again), saved_free(&re), saved_free(&ex), saved_free(&rm);
    correlator_free(c);
    correlator_free(d);
}
END_TEST

START_TEST(test_unknown_reason_and_sweep)
{
    /* a reason renamed in reasons.conf between runs: the catch-all (last) reason */
    static const struct reason gone = {
        .name = "nosuchreason", .label = "", .advice = "", .side = SIDE_UNKNOWN, .action = ""
    };
    struct event e = deferral(&gone);
    struct correlator *c = build(&e);
    struct saved sv = { 0 };
    correlate_save(c, on_save, &sv);
    ck_assert_uint_eq(sv.n, 1);
    struct correlator *d = correlator_new(7 * DAY);
    ck_assert_int_eq(
        correlate_load(d, cl, sv.key[0].s, sv.key[0].len, sv.blob[0].s, sv.blob[0].len), 0);
    struct queue_msg *m = correlate_msg(d, S(HOST), S("Q1"), 1000, false);
    struct expired x = { 0 };
    correlate_expire(d, m, SLICE_EMPTY, on_expire, &x);
    ck_assert_uint_eq(x.calls, 1);
    ck_assert_ptr_eq(x.last.reason, classifier_reason_at(cl, classifier_reason_count(cl) - 1));
    free(x.copy);

    /* a loaded entry idle for longer than max_age is swept, and its row deleted */
    struct correlator *w = correlator_new(7 * DAY);
    ck_assert_int_eq(
        correlate_load(w, cl, sv.key[0].s, sv.key[0].len, sv.blob[0].s, sv.blob[0].len), 0);
    ck_assert_uint_eq(correlate_sweep(w, 1000 + 8 * DAY), 1);
    struct saved sw = { 0 };
    correlate_save(w, on_save, &sw);
    ck_assert_msg(sw.n == 1 && sw.dropped[0], "after sweep: got %zu calls, want one NULL blob",
                  sw.n);
    saved_free(&sv), saved_free(&sw);
    correlator_free(c);
    correlator_free(d);
    correlator_free(w);
}
END_TEST

START_TEST(test_malformed)
{
    struct event e = deferral(classifier_reason(cl, "blocked"));
    struct correlator *c = build(&e);
    struct saved sv = { 0 };
    correlate_save(c, on_save, &sv);
    ck_assert_uint_eq(sv.n, 1);
    const char *key = sv.key[0].s, *blob = sv.blob[0].s;
    size_t keylen = sv.key[0].len, n = sv.blob[0].len;
    struct correlator *d = correlator_new(7 * DAY);

    /* every truncation of a valid blob */
    for (size_t len = 0; len < n; len++)
        ck_assert_msg(correlate_load(d, cl, key, keylen, blob, len) == -1,
                      "blob cut to %zu of %zu bytes: got 0, want -1", len, n);
    ck_assert_uint_eq(correlate_live(d), 0);

    struct strbuf b = STRBUF_INIT;
    static const struct {
        const char *what;
        const char *bytes;
        size_t n;
    } cases[] = {
        { "another version", "\x02\x00", 2 },
        { "unknown flags", "\x01\x04", 2 },
        { "a billion recipients", "\x01\x00\x01\x01\x00\x00\x80\x94\xeb\xdc\x03", 11 },
        { "more ended than recipients", "\x01\x00\x01\x01\x02\x00\x00", 7 },
        { "a varint of eleven bytes", "\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12 },
        { "a string longer than the blob", "\x01\x01\x7f\x41", 4 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        ck_assert_msg(correlate_load(d, cl, key, keylen, cases[i].bytes, cases[i].n) == -1,
                      "%s: got 0, want -1", cases[i].what);
    /* a trailing byte */
    strbuf_add(&b, blob, n);
    strbuf_addc(&b, '\0');
    ck_assert_int_eq(correlate_load(d, cl, key, keylen, b.s, b.len), -1);
    /* keys: none, or without the host/qid separator */
    ck_assert_int_eq(correlate_load(d, cl, key, 0, blob, n), -1);
    ck_assert_int_eq(correlate_load(d, cl, "mx1Q1", 5, blob, n), -1);
    ck_assert_int_eq(correlate_load(d, cl, key, keylen, NULL, 0), -1);
    ck_assert_uint_eq(correlate_live(d), 0);

    /* any single corrupted byte: refused or loaded, never a crash */
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit++) {
            strbuf_reset(&b);
            strbuf_add(&b, blob, n);
            b.s[i] ^= (char)(1 << bit);
            int rc = correlate_load(d, cl, key, keylen, b.s, b.len);
            ck_assert(rc == 0 || rc == -1);
        }
    }
    /* and the valid blob still loads */
    ck_assert_int_eq(correlate_load(d, cl, key, keylen, blob, n), 0);
    ck_assert_uint_eq(correlate_live(d), 1);
    strbuf_free(&b);
    saved_free(&sv);
    correlator_free(c);
    correlator_free(d);
}
END_TEST

START_TEST(test_expire_counts_and_marks)
{
    const struct reason *blocked = classifier_reason(cl, "blocked");
    struct event e = deferral(blocked);
    struct correlator *c = correlator_new(7 * DAY);
    struct attempt_info info;
    /* nothing known about Q9: an expiry of it finds no recipient */
    struct queue_msg *m = correlate_msg(c, S(HOST), S("Q9"), 900, true);
    struct expired x = { 0 };
    ck_assert_uint_eq(correlate_expire(c, m, SLICE_EMPTY, on_expire, &x), 0);
    ck_assert_uint_eq(x.calls, 0);
    ck_assert(!queue_msg_had_expiry(m));

    /* Q1: a@ deferred, b@ bounced, c@ unknown until its own expiry */
    m = correlate_msg(c, S(HOST), S("Q1"), 900, true);
    correlate_attempt(c, m, S(HOST), S("Q1"), S("a@x.example"), &e, 3, &info);
    struct event bounce = e;
    bounce.status = DELIVERY_BOUNCED;
    correlate_attempt(c, m, S(HOST), S("Q1"), S("b@x.example"), &bounce, 4, &info);
    ck_assert_msg(!queue_msg_had_expiry(m), "a bounce is no expiry");
    ck_assert_uint_eq(correlate_expire(c, m, SLICE_EMPTY, on_expire, &x), 1);
    ck_assert_str_eq(x.rcpt, "a@x.example");
    ck_assert_uint_eq(x.group, 3);
    free(x.copy);
    ck_assert(queue_msg_had_expiry(m));
    /* nothing pending any more: a second message-level expiry finds nobody */
    ck_assert_uint_eq(correlate_expire(c, m, SLICE_EMPTY, on_expire, &x), 0);
    /* a named recipient always expires, known or not */
    memset(&x, 0, sizeof x);
    ck_assert_uint_eq(correlate_expire(c, m, S("c@x.example"), on_expire, &x), 1);
    ck_assert_str_eq(x.rcpt, "c@x.example");
    ck_assert(!x.has_last);
    correlator_free(c);
}
END_TEST

START_TEST(test_recently_ended)
{
    struct event e = deferral(classifier_reason(cl, "blocked"));
    e.status = DELIVERY_BOUNCED;
    struct correlator *c = correlator_new(7 * DAY);
    struct attempt_info info;
    ck_assert(!correlate_recently_ended(c, S(HOST), S("Q1")));
    ck_assert(!correlate_recently_ended(c, S(HOST), SLICE_EMPTY));
    /* one announced recipient: its bounce ends the message, which is dropped */
    struct queue_msg *m = correlate_msg(c, S(HOST), S("Q1"), 900, true);
    queue_msg_set_size(m, 100, 1);
    correlate_attempt(c, m, S(HOST), S("Q1"), S("a@x.example"), &e, 1, &info);
    ck_assert_ptr_null(correlate_msg(c, S(HOST), S("Q1"), 901, false));
    ck_assert_msg(correlate_recently_ended(c, S(HOST), S("Q1")),
                  "the line after the last status line must find Q1 recently ended");
    /* the key is host and queue id */
    ck_assert(!correlate_recently_ended(c, S("mx2"), S("Q1")));
    ck_assert(!correlate_recently_ended(c, S(HOST), S("Q10")));
    /* removed (Postfix "removed", Exim "Completed") counts as ended too */
    correlate_msg(c, S(HOST), S("Q2"), 902, true);
    correlate_drop(c, S(HOST), S("Q2"));
    ck_assert(correlate_recently_ended(c, S(HOST), S("Q2")));
    ck_assert(correlate_recently_ended(c, S(HOST), S("Q1")));
    /* and it is forgotten after many other messages ended */
    char qid[32];
    for (int i = 0; i < 50000; i++) {
        snprintf(qid, sizeof qid, "X%d", i);
        correlate_msg(c, S(HOST), S(qid), 1000, true);
        correlate_drop(c, S(HOST), S(qid));
    }
    ck_assert(!correlate_recently_ended(c, S(HOST), S("Q1")));
    ck_assert(correlate_recently_ended(c, S(HOST), S("X49999")));
    correlator_free(c);
}
END_TEST

static Suite *correlate_suite(void)
{
    Suite *s = suite_create("correlate");
    TCase *tc = tcase_create("save_load");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_unknown_reason_and_sweep);
    tcase_add_test(tc, test_malformed);
    tcase_add_test(tc, test_expire_counts_and_marks);
    tcase_add_test(tc, test_recently_ended);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(correlate_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
