/*
 * test_cause.c - causes (cause.c) and the list to clean (write_suppress.c):
 * the key each side gives a failure (our side: reason, template, IP, list;
 * the recipient's: the reason; the receiving site's: reason and provider; no
 * side: reason and template), distinct counts, the group's hint never
 * changing the answer, titles and actions with their placeholders, the order;
 * and which addresses go on the suppression list.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "report.h"
#include "util/hashmap.h"

/* the table rows leave an event's time and status to their defaults (event_of) */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const struct reason r_blocked = { "blocked",  "Our IP is on a blocklist",
                                         "advice",   0,
                                         SIDE_US,    "Get {ip} off {list} at {provider}",
                                         SUPPRESS_NO };
static const struct reason r_user = { "userunknown",  "Recipient address does not exist",
                                      "Remove it",    1,
                                      SIDE_RECIPIENT, "",
                                      SUPPRESS_YES };
static const struct reason r_grey = { "greylisted",  "Greylisted",          "Wait",     2,
                                      SIDE_RECEIVER, "Wait for {provider}", SUPPRESS_NO };
static const struct reason r_undef = { "undefined", "Unclassified", "Read it", 3, SIDE_UNKNOWN,
                                       "",          SUPPRESS_NO };
static const struct reason r_full = {
    "mailboxfull", "Mailbox full", "Tell them", 4, SIDE_RECIPIENT, "", SUPPRESS_NO
};
static const struct reason r_off = { "suspend", "Mailbox disabled", "Stop", 5, SIDE_RECIPIENT,
                                     "",        SUPPRESS_LASTING };
/* the receiver's server error, and ours when our MTA says it (reasons.conf own-*) */
static const struct reason r_sys = { .name = "systemerror",
                                     .label = "Receiving server error",
                                     .advice = "Tell them",
                                     .index = 6,
                                     .side = SIDE_RECEIVER,
                                     .action = "Wait for {provider}",
                                     .has_own = true,
                                     .own_side = SIDE_US,
                                     .own_label = "Our mail server's own error",
                                     .own_advice = "Fix ours",
                                     .own_action = "Fix our own mail server" };
static const struct blocklist_ref bl_sh = { "spamhaus", "Spamhaus", "https://check.spamhaus.org/" };
static const struct blocklist_ref bl_sc = { "spamcop", "SpamCop", NULL };

struct ev {
    const char *rcpt;
    const struct reason *re;
    uint64_t fp;
    const char *ip;
    const struct blocklist_ref *bl;
    const char *provider; /* known provider name, "" none */
    const char *label;    /* the group's provider label */
    int64_t when;
    enum delivery_status status;
};

static void event_of(const struct ev *v, struct event *e)
{
    memset(e, 0, sizeof *e);
    e->when = v->when ? v->when : 1700000000;
    e->status = v->status ? v->status : DELIVERY_BOUNCED;
    e->recipient = slice_cstr(v->rcpt);
    e->domain = slice_cstr(strrchr(v->rcpt, '@') + 1);
    e->qid = slice_cstr(v->rcpt); /* one message per recipient */
    e->reason = v->re;
    e->fingerprint = v->fp;
    e->implicated_ip = slice_cstr(v->ip ? v->ip : "");
    e->blocklist = v->bl;
    e->provider = slice_cstr(v->provider ? v->provider : "");
    e->text = slice_cstr("550 the reply");
    e->template_text = slice_cstr("550 the template");
    e->dsn = slice_cstr("5.7.1");
}

static uint32_t add(struct cause_table *t, const struct ev *v, uint32_t hint)
{
    struct event e;
    event_of(v, &e);
    struct cause_hashes h = { 0 };
    struct slice label = slice_cstr(v->label ? v->label : "site.example");
    /* as aggregate.c hashes them */
    h.recipient = hash_bytes_ci(e.recipient.p, e.recipient.n);
    h.message = hash_bytes_ci(e.qid.p, e.qid.n);
    h.domain = hash_bytes_ci(e.domain.p, e.domain.n);
    return cause_table_add(t, &e, "550 the template", label, &h, hint);
}

/* a fault of our own system takes the reason's own side, label, action and key; the
 * receiver's reply of the same reason stays the receiving site's */
START_TEST(test_own_fault)
{
    struct cause_table *t = cause_table_new();
    struct ev theirs = { "a@x.example", &r_sys, 21, "", NULL, "Google", "Google" };
    struct ev ours = { "b@y.example", &r_sys, 22, "", NULL, "", "local" };
    struct event e;
    struct cause_hashes h = { 0 };
    uint32_t id_theirs = add(t, &theirs, 0);
    event_of(&ours, &e);
    e.own_fault = 1;
    e.text_source = TEXT_LOCAL;
    uint32_t id_ours = cause_table_add(t, &e, "the template", slice_cstr("local"), &h, id_theirs);
    /* the same text again (hinted by the last cause): the same cause */
    ck_assert_uint_eq(cause_table_add(t, &e, "the template", slice_cstr("local"), &h, id_ours),
                      id_ours);
    ck_assert_uint_ne(id_theirs, id_ours);
    const struct cause *c = cause_table_get(t, id_ours);
    ck_assert_int_eq(c->side, SIDE_US);
    ck_assert_str_eq(cause_who_acts(c), "we must act");
    ck_assert_msg(memmem(c->key, c->keylen, "\x1fown", 4) != NULL, "key says own");
    struct strbuf b = STRBUF_INIT;
    cause_title(c, &b);
    ck_assert_str_eq(strbuf_cstr(&b), "Our mail server's own error");
    strbuf_reset(&b);
    cause_action(c, &b);
    ck_assert_str_eq(strbuf_cstr(&b), "Fix our own mail server");
    ck_assert_str_eq(cause_advice(c), "Fix ours");
    c = cause_table_get(t, id_theirs);
    ck_assert_int_eq(c->side, SIDE_RECEIVER);
    strbuf_reset(&b);
    cause_title(c, &b);
    ck_assert_str_eq(strbuf_cstr(&b), "Receiving server error at Google");
    ck_assert_str_eq(cause_advice(c), "Tell them");
    strbuf_free(&b);
    cause_table_free(t);
}
END_TEST

/* which events share a cause: same[i] is the index of the first event with i's cause */
START_TEST(test_keys_by_side)
{
    static const struct {
        struct ev v;
        int same; /* index of the first event of the same cause */
    } cases[] = {
        /* our side: one cause across providers, split by template, IP and list */
        { { "a@x.example", &r_blocked, 1, "192.0.2.1", &bl_sh, "Microsoft 365", "Microsoft 365" },
          0 },
        { { "b@y.example", &r_blocked, 1, "192.0.2.1", &bl_sh, "Google", "Google" }, 0 },
        { { "c@z.example", &r_blocked, 1, "192.0.2.2", &bl_sh, "Google", "Google" }, 2 },
        { { "d@z.example", &r_blocked, 2, "192.0.2.1", &bl_sh, "Google", "Google" }, 3 },
        { { "e@z.example", &r_blocked, 1, "192.0.2.1", &bl_sc, "Google", "Google" }, 4 },
        { { "f@z.example", &r_blocked, 1, "", &bl_sh, "Google", "Google" }, 5 },
        /* the recipient's side: one cause whatever the template or provider */
        { { "g@x.example", &r_user, 7, "", NULL, "Google", "Google" }, 6 },
        { { "h@y.example", &r_user, 8, "192.0.2.1", &bl_sh, "", "y.example" }, 6 },
        /* the receiving site: per provider, unknown hosts together */
        { { "i@x.example", &r_grey, 9, "", NULL, "Google", "Google" }, 8 },
        { { "j@x.example", &r_grey, 10, "", NULL, "Yahoo", "Yahoo" }, 9 },
        { { "k@a.example", &r_grey, 9, "", NULL, "", "a.example" }, 10 },
        { { "l@b.example", &r_grey, 11, "", NULL, "", "b.example" }, 10 },
        /* no side: per template */
        { { "m@x.example", &r_undef, 12, "", NULL, "", "x.example" }, 12 },
        { { "n@x.example", &r_undef, 13, "", NULL, "", "x.example" }, 13 },
        { { "o@y.example", &r_undef, 12, "", NULL, "", "y.example" }, 12 },
    };
    size_t n = sizeof cases / sizeof *cases;
    for (int hinted = 0; hinted < 2; hinted++) {
        struct cause_table *t = cause_table_new();
        uint32_t ids[32];
        uint32_t last = 0;
        for (size_t i = 0; i < n; i++) {
            /* the hint (a group's last cause) must never change the answer */
            ids[i] = add(t, &cases[i].v, hinted ? last : 0);
            last = ids[i];
        }
        for (size_t i = 0; i < n; i++)
            ck_assert_msg(ids[i] == ids[cases[i].same],
                          "hint %d, case %zu: got cause %u, want that of case %d (%u)", hinted, i,
                          ids[i], cases[i].same, ids[cases[i].same]);
        size_t distinct = 0;
        for (size_t i = 0; i < n; i++)
            distinct += cases[i].same == (int)i;
        ck_assert_uint_eq(cause_table_count(t), distinct);
        cause_table_free(t);
    }
}
END_TEST

START_TEST(test_counts_and_order)
{
    struct cause_table *t = cause_table_new();
    struct ev v = { "a@x.example", &r_user, 1, "", NULL, "", "x.example" };
    add(t, &v, 0);
    add(t, &v, 0); /* the same recipient again: counted once as a recipient */
    v.rcpt = "b@y.example";
    v.label = "y.example";
    add(t, &v, 0);
    struct ev w = { "c@z.example", &r_grey, 2, "", NULL, "Google", "Google" };
    w.status = DELIVERY_DEFERRED;
    add(t, &w, 0);
    add(t, &w, 0);
    add(t, &w, 0);
    add(t, &w, 0);
    size_t n;
    struct cause **cs = cause_table_sorted(t, &n);
    ck_assert_uint_eq(n, 2);
    /* final failures first, however many deferrals the other has */
    ck_assert_ptr_eq(cs[0]->reason, &r_user);
    ck_assert_uint_eq(cause_finals(cs[0]), 3);
    ck_assert_uint_eq(cs[0]->recipients, 2);
    ck_assert_uint_eq(cs[0]->domains, 2);
    ck_assert_uint_eq(cs[0]->providers, 2);
    ck_assert_uint_eq(cs[1]->count[DELIVERY_DEFERRED], 4);
    ck_assert_uint_eq(cs[1]->recipients, 1);
    free(cs);
    cause_table_free(t);
}
END_TEST

START_TEST(test_titles_and_actions)
{
    static const struct {
        struct ev v;
        const char *title, *who, *action;
    } cases[] = {
        { { "a@x.example", &r_blocked, 1, "192.0.2.1", &bl_sh, "", "Microsoft 365" },
          "Our IP is on a blocklist: our IP 192.0.2.1, named by Spamhaus",
          "we must act",
          "Get 192.0.2.1 off Spamhaus at Microsoft 365 (https://check.spamhaus.org/)" },
        /* no IP, no list: the placeholders say so; a list without a page adds none */
        { { "a@x.example", &r_blocked, 1, "", NULL, "", "x.example" },
          "Our IP is on a blocklist",
          "we must act",
          "Get our sending IP off the blocklist at x.example" },
        { { "a@x.example", &r_blocked, 1, "", &bl_sc, "", "x.example" },
          "Our IP is on a blocklist: SpamCop named",
          "we must act",
          "Get our sending IP off SpamCop at x.example" },
        { { "a@x.example", &r_grey, 1, "", NULL, "Google", "Google" },
          "Greylisted at Google",
          "the receiving site must act",
          "Wait for Google" },
        { { "a@x.example", &r_grey, 1, "", NULL, "", "x.example" },
          "Greylisted at other sites",
          "the receiving site must act",
          "Wait for x.example" },
        /* no action: the advice */
        { { "a@x.example", &r_user, 1, "", NULL, "", "x.example" },
          "Recipient address does not exist",
          "the recipient must act",
          "Remove it" },
        { { "a@x.example", &r_undef, 1, "", NULL, "", "x.example" },
          "Unclassified",
          "read the reply",
          "Read it" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct cause_table *t = cause_table_new();
        struct cause *c = cause_table_get(t, add(t, &cases[i].v, 0));
        struct strbuf title = STRBUF_INIT, action = STRBUF_INIT;
        cause_title(c, &title);
        cause_action(c, &action);
        ck_assert_msg(!strcmp(strbuf_cstr(&title), cases[i].title),
                      "case %zu: title got %s, want %s", i, strbuf_cstr(&title), cases[i].title);
        ck_assert_str_eq(cause_who_acts(c), cases[i].who);
        ck_assert_msg(!strcmp(strbuf_cstr(&action), cases[i].action),
                      "case %zu: action got %s, want %s", i, strbuf_cstr(&action), cases[i].action);
        strbuf_free(&title);
        strbuf_free(&action);
        cause_table_free(t);
    }
}
END_TEST

/* ---- the list to clean ---- */

START_TEST(test_suppress)
{
    static const struct {
        const char *rcpt;
        const struct reason *re;
        int64_t day;
        enum delivery_status status;
    } fails[] = {
        { "gone@x.example", &r_user, 1, DELIVERY_BOUNCED }, /* listed */
        { "Back@x.example", &r_user, 1, DELIVERY_BOUNCED }, /* delivered on day 2: not */
        { "full@x.example", &r_user, 1, DELIVERY_BOUNCED }, /* then a full mailbox: exists */
        { "full@x.example", &r_full, 3, DELIVERY_BOUNCED },
        { "late@x.example", &r_user, 5, DELIVERY_BOUNCED }, /* delivered before: listed */
        { "off@x.example", &r_off, 1, DELIVERY_BOUNCED },   /* disabled 40 days: listed */
        { "off@x.example", &r_off, 41, DELIVERY_EXPIRED },
        { "brief@x.example", &r_off, 1, DELIVERY_BOUNCED }, /* disabled 5 days: not yet */
        { "brief@x.example", &r_off, 6, DELIVERY_BOUNCED },
        { "wait@x.example", &r_user, 1, DELIVERY_DEFERRED }, /* a deferral is no outcome */
    };
    static const struct {
        const char *rcpt;
        int64_t day;
    } sent[] = { { "back@x.example", 2 }, { "late@x.example", 4 } };
    struct report r = { .command = "scan", .agg = aggregate_new(GROUP_BY_REASON, 8) };
    r.spool = event_spool_new();
    for (size_t i = 0; i < sizeof fails / sizeof *fails; i++) {
        struct ev v = { fails[i].rcpt,  fails[i].re, 1,           "",
                        NULL,           "",          "x.example", 1700000000 + fails[i].day * 86400,
                        fails[i].status };
        struct event e;
        event_of(&v, &e);
        event_spool_write(r.spool, &e);
    }
    struct delivered d[2], *dp[2];
    for (size_t i = 0; i < 2; i++) {
        memset(&d[i], 0, sizeof d[i]);
        d[i].recipient = slice_cstr(sent[i].rcpt);
        d[i].when = 1700000000 + sent[i].day * 86400;
        dp[i] = &d[i];
    }
    r.delivered = dp;
    r.n_delivered = 2;
    r.disabled_days = 30;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    ck_assert_int_eq(write_suppress(fp, &r), 0);
    fclose(fp);
    const char *want[] = { "gone@x.example,userunknown,", "late@x.example,userunknown,",
                           "off@x.example,suspend," };
    const char * not [] = { "back@", "Back@", "full@", "brief@", "wait@" };
    ck_assert_msg(!strncmp(buf, "email,reason,", 13), "header: got %.40s", buf);
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_msg(strstr(buf, want[i]), "want %s in\n%s", want[i], buf);
    for (size_t i = 0; i < sizeof not / sizeof *not ; i++)
        ck_assert_msg(!strstr(buf, not [i]), "got %s in\n%s", not [i], buf);
    /* sorted by address */
    ck_assert_msg(strstr(buf, "gone@") < strstr(buf, "late@") &&
                      strstr(buf, "late@") < strstr(buf, "off@"),
                  "want the rows sorted by address");
    free(buf);
    event_spool_free(r.spool);
    aggregate_free(r.agg);
}
END_TEST

static Suite *cause_suite(void)
{
    Suite *s = suite_create("cause");
    TCase *tc = tcase_create("cause");
    tcase_add_test(tc, test_keys_by_side);
    tcase_add_test(tc, test_own_fault);
    tcase_add_test(tc, test_counts_and_order);
    tcase_add_test(tc, test_titles_and_actions);
    tcase_add_test(tc, test_suppress);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cause_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
