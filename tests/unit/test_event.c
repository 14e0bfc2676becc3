/*
 * test_event.c - the event column table (src/event.h) and what is made from it:
 * the table's own rules (unique names, every shown column documented), the
 * stored value both ways for every column, the queue-state encoding (round
 * trip, a field of an unknown column skipped, an absent column left zero,
 * version-1 blobs, truncation refused), owned copies and the spool.
 *
 * Every test walks the table, so a column added to EVENT_COLUMNS is covered
 * without a change here.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "event.h"
#include "util/strbuf.h"
#include "util/varint.h"

static struct classifier *cl;

static void setup(void)
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

/* full_event - every held column set to a value of its own, through the table
 * (text columns to "v<index>"); texts is the storage for those strings */
static struct event full_event(char texts[][16])
{
    const struct event_column *cols = event_columns();
    struct event e;
    memset(&e, 0, sizeof e);
    for (size_t i = 0; i < EVENT_N_COLUMNS; i++) {
        const struct event_column *c = &cols[i];
        switch (c->kind) {
        case EVENT_KIND_TEXT:
            snprintf(texts[i], 16, "v%zu", i);
            event_set_text(&e, c, slice_cstr(texts[i]), cl);
            break;
        case EVENT_KIND_REASON:
            event_set_text(&e, c, slice_cstr("blocked"), cl);
            break;
        case EVENT_KIND_BLOCKLIST:
            event_set_text(&e, c, slice_cstr("spamhaus"), cl);
            break;
        case EVENT_KIND_FILE:
            event_set_text(&e, c, slice_cstr("maillog.1"), cl);
            break;
        case EVENT_KIND_TZ:
            ck_assert_int_eq(event_set_int(&e, c, 540), 0);
            break;
        case EVENT_KIND_STATUS:
            ck_assert_int_eq(event_set_int(&e, c, DELIVERY_DEFERRED), 0);
            break;
        case EVENT_KIND_SOURCE:
            ck_assert_int_eq(event_set_int(&e, c, TEXT_LOCAL), 0);
            break;
        case EVENT_KIND_IP_STATUS:
        case EVENT_KIND_IP_LISTS:
            break;
        default:
            ck_assert_int_eq(event_set_int(&e, c, 1000 + (int64_t)i), 0);
            break;
        }
    }
    ck_assert_msg(e.reason && e.blocklist, "the shipped patterns have blocked and spamhaus");
    return e;
}

/* same_stored - a and b agree in every stored column (file: when want_file) */
static void same_stored(const struct event *a, const struct event *b, bool want_file,
                        const char *what)
{
    const struct event_column *cols = event_columns();
    for (size_t i = 0; i < EVENT_N_COLUMNS; i++) {
        const struct event_column *c = &cols[i];
        if (!event_column_stored(c) || (c->kind == EVENT_KIND_FILE && !want_file))
            continue;
        if (event_column_is_text(c)) {
            struct slice x = event_get_text(a, c), y = event_get_text(b, c);
            ck_assert_msg(slice_eq(x, y), "%s: column %s got '%.*s', want '%.*s'", what, c->sql,
                          (int)y.n, y.p, (int)x.n, x.p);
        } else {
            ck_assert_msg(event_get_int(a, c) == event_get_int(b, c),
                          "%s: column %s got %lld, want %lld", what, c->sql,
                          (long long)event_get_int(b, c), (long long)event_get_int(a, c));
        }
    }
}

START_TEST(test_table_rules)
{
    const struct event_column *cols = event_columns();
    size_t shown = 0;
    for (size_t i = 0; i < EVENT_N_COLUMNS; i++) {
        const struct event_column *c = &cols[i];
        ck_assert_msg(event_column_shown(c) || event_column_stored(c),
                      "column %s is neither shown nor stored", c->member);
        if (event_column_shown(c)) {
            shown++;
            ck_assert_msg(c->help[0], "shown column %s has no meaning for README", c->name);
        }
        for (size_t j = 0; j < i; j++) {
            ck_assert_msg(!event_column_shown(c) || strcmp(c->name, cols[j].name),
                          "CSV name %s twice", c->name);
            ck_assert_msg(!event_column_stored(c) || strcmp(c->sql, cols[j].sql),
                          "SQL column %s twice", c->sql);
        }
    }
    ck_assert_uint_gt(shown, 20);
}
END_TEST

START_TEST(test_shown_values)
{
    char texts[EVENT_N_COLUMNS][16];
    struct event e = full_event(texts);
    struct strbuf v = STRBUF_INIT;
    const struct event_column *cols = event_columns();
    for (size_t i = 0; i < EVENT_N_COLUMNS; i++) {
        if (!event_column_shown(&cols[i]))
            continue;
        strbuf_reset(&v);
        event_column_value(&e, &cols[i], NULL, &v);
        if (!strcmp(cols[i].name, "status"))
            ck_assert_str_eq(strbuf_cstr(&v), "deferred");
        else if (!strcmp(cols[i].name, "reason"))
            ck_assert_str_eq(strbuf_cstr(&v), "blocked");
        else if (!strcmp(cols[i].name, "text_source"))
            ck_assert_str_eq(strbuf_cstr(&v), "local");
        else if (!strcmp(cols[i].name, "implicated_ip_status"))
            ck_assert_str_eq(strbuf_cstr(&v), "unchecked"); /* no DNS stage */
        else if (cols[i].kind == EVENT_KIND_TEXT)
            ck_assert_str_eq(strbuf_cstr(&v), texts[i]);
    }
    strbuf_free(&v);
}
END_TEST

START_TEST(test_set_int_ranges)
{
    const struct event_column *cols = event_columns();
    struct event e;
    memset(&e, 0, sizeof e);
    for (size_t i = 0; i < EVENT_N_COLUMNS; i++) {
        const struct event_column *c = &cols[i];
        if (c->kind == EVENT_KIND_TZ)
            ck_assert_int_eq(event_set_int(&e, c, 25 * 60), -1);
        if (c->kind == EVENT_KIND_STATUS)
            ck_assert_int_eq(event_set_int(&e, c, DELIVERY_EXPIRED + 1), -1);
        if (c->kind == EVENT_KIND_COUNT)
            ck_assert_int_eq(event_set_int(&e, c, -1), -1);
    }
}
END_TEST

START_TEST(test_encode_round_trip)
{
    char texts[EVENT_N_COLUMNS][16];
    struct event e = full_event(texts), d;
    struct strbuf b = STRBUF_INIT;
    event_encode(&e, &b);
    struct varint_reader r = varint_reader_init(b.s, b.len);
    ck_assert_int_eq(event_decode(&r, &d, cl), 0);
    ck_assert_msg(r.p == r.end, "the decoder read all of the encoding");
    same_stored(&e, &d, false, "round trip");
    ck_assert_ptr_null(d.file); /* not kept: a later line gives its own */
    /* every truncation is refused */
    for (size_t n = 0; n < b.len; n++) {
        struct varint_reader t = varint_reader_init(b.s, n);
        ck_assert_msg(event_decode(&t, &d, cl) < 0, "truncated at %zu of %zu accepted", n, b.len);
    }
    strbuf_free(&b);
}
END_TEST

/* a field of a column this version does not know (written by a newer one, or a
 * column since removed) is skipped; a column the blob lacks stays zero */
START_TEST(test_encode_unknown_and_absent)
{
    char texts[EVENT_N_COLUMNS][16];
    struct event e = full_event(texts), d;
    struct strbuf b = STRBUF_INIT, grown = STRBUF_INIT;
    event_encode(&e, &b);
    struct varint_reader r = varint_reader_init(b.s, b.len);
    uint64_t n = varint_get_u(&r);
    varint_put_u(&grown, n + 2);
    strbuf_add(&grown, r.p, (size_t)(r.end - r.p));
    varint_put_bytes(&grown, "tls_version", 11);
    varint_put_u(&grown, 2); /* bytes */
    varint_put_bytes(&grown, "TLSv1.3", 7);
    varint_put_bytes(&grown, "retries_left", 12);
    varint_put_u(&grown, 0); /* unsigned */
    varint_put_u(&grown, 3);
    r = varint_reader_init(grown.s, grown.len);
    ck_assert_int_eq(event_decode(&r, &d, cl), 0);
    same_stored(&e, &d, false, "with unknown fields");

    /* only two fields: the rest stays zero */
    strbuf_reset(&b);
    varint_put_u(&b, 2);
    varint_put_bytes(&b, "queue_id", 8);
    varint_put_u(&b, 2);
    varint_put_bytes(&b, "Q1", 2);
    varint_put_bytes(&b, "attempts", 8);
    varint_put_u(&b, 0);
    varint_put_u(&b, 4);
    r = varint_reader_init(b.s, b.len);
    ck_assert_int_eq(event_decode(&r, &d, cl), 0);
    ck_assert(slice_eq_cstr(d.qid, "Q1") && d.attempts == 4 && d.when == 0 && !d.reason);

    /* a known column with the wrong wire type is refused */
    strbuf_reset(&b);
    varint_put_u(&b, 1);
    varint_put_bytes(&b, "attempts", 8);
    varint_put_u(&b, 2);
    varint_put_bytes(&b, "4", 1);
    r = varint_reader_init(b.s, b.len);
    ck_assert_int_eq(event_decode(&r, &d, cl), -1);
    strbuf_free(&b);
    strbuf_free(&grown);
}
END_TEST

/* queue state written by the first store version: the event as a fixed list */
START_TEST(test_decode_v1)
{
    struct strbuf b = STRBUF_INIT;
    varint_put_i(&b, 1540000000); /* when */
    varint_put_i(&b, 540);        /* tz */
    varint_put_u(&b, DELIVERY_DEFERRED);
    static const char *const slices[13] = {
        "Q1",          "s@ex",          "r@dom.jp",        "dom.jp", "mx.dom.jp",
        "192.0.2.1",   "4.7.1",         "451 4.7.1 later", "RCPT",   "<m@ex>",
        "203.0.113.5", "451 <n> later", "Microsoft 365",
    }; /* qid sender recipient domain remote_host remote_ip dsn text stage message_id
          implicated_ip template_text provider: struct order of version 1 */
    for (int i = 0; i < 13; i++)
        varint_put_bytes(&b, slices[i], strlen(slices[i]));
    varint_put_bytes(&b, "greylisted", 10);
    varint_put_bytes(&b, "", 0);
    varint_put_u(&b, 0xfea73c92009f9ae7ULL);
    varint_put_u(&b, TEXT_REMOTE_REPLY);
    varint_put_i(&b, 1);
    varint_put_u(&b, 2);  /* attempts */
    varint_put_u(&b, 77); /* line */
    struct varint_reader r = varint_reader_init(b.s, b.len);
    struct event d;
    ck_assert_int_eq(event_decode_v1(&r, &d, cl), 0);
    ck_assert(r.p == r.end);
    ck_assert(d.when == 1540000000 && d.tz_minutes == 540 && d.status == DELIVERY_DEFERRED);
    ck_assert(slice_eq_cstr(d.qid, "Q1") && slice_eq_cstr(d.text, "451 4.7.1 later"));
    ck_assert(slice_eq_cstr(d.stage, "RCPT") && slice_eq_cstr(d.provider, "Microsoft 365"));
    ck_assert(slice_eq_cstr(d.template_text, "451 <n> later"));
    ck_assert(d.reason && !strcmp(d.reason->name, "greylisted") && !d.blocklist);
    ck_assert(d.fingerprint == 0xfea73c92009f9ae7ULL && d.text_shortened == 1);
    ck_assert(d.attempts == 2 && d.line == 77);
    strbuf_free(&b);
}
END_TEST

START_TEST(test_dup_and_spool)
{
    char texts[EVENT_N_COLUMNS][16];
    struct event e = full_event(texts);
    struct event *d = event_dup(&e);
    memset(texts, 'x', sizeof texts); /* the copy owns its strings */
    char again[EVENT_N_COLUMNS][16];
    struct event want = full_event(again);
    same_stored(&want, d, true, "event_dup");
    struct event_spool *sp = event_spool_new();
    event_spool_write(sp, d);
    e.qid = SLICE_EMPTY;
    event_spool_write(sp, &e);
    ck_assert_uint_eq(event_spool_count(sp), 2);
    event_spool_rewind(sp);
    struct event got;
    ck_assert(event_spool_next(sp, &got));
    same_stored(&want, &got, true, "spool");
    ck_assert(event_spool_next(sp, &got));
    ck_assert_uint_eq(got.qid.n, 0);
    ck_assert(!event_spool_next(sp, &got));
    event_spool_free(sp);
    free(d);
}
END_TEST

static Suite *event_suite(void)
{
    Suite *s = suite_create("event");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_table_rules);
    tcase_add_test(tc, test_shown_values);
    tcase_add_test(tc, test_set_int_ranges);
    tcase_add_test(tc, test_encode_round_trip);
    tcase_add_test(tc, test_encode_unknown_and_absent);
    tcase_add_test(tc, test_decode_v1);
    tcase_add_test(tc, test_dup_and_spool);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(event_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
