/*
 * test_store.c - unit tests for the history store (src/store_*.c).
 *
 * Logs are written at run time into a scratch directory and scanned with the
 * real pipeline (shipped patterns) into a store in the same directory:
 * default paths (table), schema creation and a too-new schema, a second
 * writer refused by the run lock, a file that is not a database, exactly-once
 * over appends, rotation to .gz and truncation, reading events back, and the
 * DNSBL cache's TTL.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "pipeline.h"
#include "problems.h"
#include "store.h"
#include "util/strbuf.h"

static char scratch[256];

static void setup(void)
{
    snprintf(scratch, sizeof scratch, "/tmp/bs-test-store-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(scratch));
    problems_reset();
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", scratch);
}

/* path_of - scratch/name in one of eight static buffers (a test holds a few at once) */
static const char *path_of(const char *name)
{
    static char p[8][512];
    static int k;
    k = (k + 1) & 7;
    snprintf(p[k], sizeof p[k], "%s/%s", scratch, name);
    return p[k];
}

static void write_file(const char *path, const char *mode, const char *text)
{
    FILE *fp = fopen(path, mode);
    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    fclose(fp);
}

static void write_gz(const char *path, const char *text)
{
    gzFile gz = gzopen(path, "wb");
    ck_assert_ptr_nonnull(gz);
    gzputs(gz, text);
    gzclose(gz);
}

/* one message per line pair: a bounce and a delivery (Postfix, RFC 3339 stamps) */
static void lines(struct strbuf *out, int from, int to)
{
    for (int i = from; i < to; i++) {
        strbuf_addf(
            out,
            "2026-10-19T10:%02d:%02d+09:00 mx1 postfix/smtp[1]: B%05d: to=<u%d@d%d.example>, "
            "relay=mx.d%d.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, "
            "status=bounced (host mx.d%d.example[192.0.2.1] said: 550 5.1.1 User unknown "
            "(in reply to RCPT TO command))\n",
            i / 60 % 60, i % 60, i, i, i % 5, i % 5, i % 5);
        strbuf_addf(
            out,
            "2026-10-19T10:%02d:%02d+09:00 mx1 postfix/smtp[1]: A%05d: to=<v%d@d%d.example>, "
            "relay=mx.d%d.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, "
            "status=sent (250 Ok)\n",
            i / 60 % 60, i % 60, i, i, i % 5, i % 5);
    }
}

/* open_path - the store at path for writing or reading, waiting lock_seconds for the lock */
static struct store *open_path(const char *path, bool write, int lock_seconds, struct strbuf *err)
{
    struct store_config cfg = { .path = path, .write = write, .lock_seconds = lock_seconds };
    return store_open(&cfg, err);
}

/* scan_into - one run over the given files into the store at db; counts after it */
static void scan_into(const char *db, const char *const *files, size_t n, uint64_t count[4])
{
    struct strbuf err = STRBUF_INIT;
    struct store *s = open_path(db, true, 1, &err);
    ck_assert_msg(s != NULL, "store_open: %s", err.s ? err.s : "");
    struct pipeline_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.queue_max_age = 7 * 86400;
    cfg.group_fields = GROUP_BY_PROVIDER | GROUP_BY_REASON | GROUP_BY_FINGERPRINT;
    ck_assert(store_attach(s, &cfg, &err));
    struct pipeline *p = pipeline_new(&cfg, &err);
    ck_assert_msg(p != NULL, "pipeline_new: %s", err.s ? err.s : "");
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(store_read_input(s, p, files[i], &err) == 0, "read %s: %s", files[i],
                      err.s ? err.s : "");
    pipeline_finish(p);
    ck_assert_int_ge(store_finish_run(s, pipeline_aggregate(p), 0, &err), 0);
    ck_assert_int_eq(store_counts(s, count), 0);
    pipeline_free(p);
    store_close(s);
    strbuf_free(&err);
}

START_TEST(test_default_path)
{
    static const struct {
        const char *xdg, *home, *want;
    } cases[] = {
        { "/state", "/home/a", "/state/bouncescope/bouncescope.db" },
        { "", "/home/a", "/home/a/.local/state/bouncescope/bouncescope.db" },
        { NULL, "/home/b", "/home/b/.local/state/bouncescope/bouncescope.db" },
    };
    if (geteuid() == 0) {
        /* root without XDG_STATE_HOME: /var/lib */
        struct strbuf got = STRBUF_INIT;
        unsetenv("XDG_STATE_HOME");
        store_default_path(&got);
        ck_assert_msg(!strcmp(got.s, "/var/lib/bouncescope/bouncescope.db"), "root: got %s", got.s);
        strbuf_free(&got);
    }
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        if (geteuid() == 0 && !(cases[i].xdg && *cases[i].xdg))
            continue;
        if (cases[i].xdg)
            setenv("XDG_STATE_HOME", cases[i].xdg, 1);
        else
            unsetenv("XDG_STATE_HOME");
        setenv("HOME", cases[i].home, 1);
        struct strbuf got = STRBUF_INIT;
        store_default_path(&got);
        ck_assert_msg(!strcmp(got.s, cases[i].want), "case %zu: got %s, want %s", i, got.s,
                      cases[i].want);
        strbuf_free(&got);
    }
}
END_TEST

START_TEST(test_schema_and_newer)
{
    struct strbuf err = STRBUF_INIT;
    const char *db = path_of("sub/dir/h.db");
    struct store *s = open_path(db, true, 1, &err);
    ck_assert_msg(s != NULL, "open: %s", err.s ? err.s : "");
    store_close(s);
    sqlite3 *h;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_msg(sqlite3_column_int(st, 0) == STORE_SCHEMA_VERSION, "user_version got %d, want %d",
                  sqlite3_column_int(st, 0), STORE_SCHEMA_VERSION);
    sqlite3_finalize(st);
    sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, NULL);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    ck_assert_int_eq(sqlite3_exec(h, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    s = open_path(db, true, 1, &err);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err.s, "newer bouncescope") != NULL, "err got '%s'", err.s);
    strbuf_free(&err);
}
END_TEST

START_TEST(test_second_writer_and_foreign_file)
{
    struct strbuf err = STRBUF_INIT;
    const char *db = path_of("h.db");
    struct store *a = open_path(db, true, 1, &err);
    ck_assert_ptr_nonnull(a);
    struct store *b = open_path(db, true, 0, &err);
    ck_assert_ptr_null(b);
    ck_assert_msg(strstr(err.s, "in use by another bouncescope run") != NULL, "err got '%s'",
                  err.s);
    store_close(a);
    strbuf_reset(&err);
    b = open_path(db, true, 0, &err);
    ck_assert_msg(b != NULL, "after close: %s", err.s ? err.s : "");
    store_close(b);

    strbuf_reset(&err);
    const char *notes = path_of("notes.txt");
    write_file(notes, "w", "my notes\n");
    ck_assert_ptr_null(open_path(notes, true, 0, &err));
    ck_assert_msg(strstr(err.s, "not a bouncescope database") != NULL, "err got '%s'", err.s);
    strbuf_free(&err);
}
END_TEST

START_TEST(test_exactly_once_appends)
{
    struct strbuf text = STRBUF_INIT;
    const char *log = path_of("maillog");
    uint64_t c[4];
    lines(&text, 0, 100);
    write_file(log, "w", text.s);
    const char *f[] = { log };
    scan_into(path_of("h.db"), f, 1, c);
    ck_assert_msg(c[DELIVERY_BOUNCED] == 100 && c[DELIVERY_SENT] == 100,
                  "first: got %lu/%lu, want 100/100", (unsigned long)c[DELIVERY_BOUNCED],
                  (unsigned long)c[DELIVERY_SENT]);
    scan_into(path_of("h.db"), f, 1, c); /* nothing new */
    ck_assert_msg(c[DELIVERY_BOUNCED] == 100, "rerun: got %lu, want 100",
                  (unsigned long)c[DELIVERY_BOUNCED]);
    strbuf_reset(&text);
    lines(&text, 100, 130);
    write_file(log, "a", text.s);
    scan_into(path_of("h.db"), f, 1, c);
    ck_assert_msg(c[DELIVERY_BOUNCED] == 130 && c[DELIVERY_SENT] == 130,
                  "append: got %lu/%lu, want 130/130", (unsigned long)c[DELIVERY_BOUNCED],
                  (unsigned long)c[DELIVERY_SENT]);
    strbuf_free(&text);
}
END_TEST

START_TEST(test_rotation_gzip_and_truncation)
{
    struct strbuf all = STRBUF_INIT, tail = STRBUF_INIT;
    uint64_t c[4];
    lines(&all, 0, 50);
    write_file(path_of("maillog"), "w", all.s);
    const char *f1[] = { path_of("maillog") };
    scan_into(path_of("h.db"), f1, 1, c);
    /* more lines, then logrotate with compression: maillog -> maillog.1.gz, new maillog */
    lines(&all, 50, 70);
    lines(&tail, 70, 80);
    write_gz(path_of("maillog.1.gz"), all.s);
    write_file(path_of("maillog"), "w", tail.s);
    const char *f2[] = { path_of("maillog"), path_of("maillog.1.gz") };
    scan_into(path_of("h.db"), f2, 2, c);
    ck_assert_msg(c[DELIVERY_BOUNCED] == 80, "rotation: got %lu, want 80",
                  (unsigned long)c[DELIVERY_BOUNCED]);
    /* the same set again: nothing new */
    scan_into(path_of("h.db"), f2, 2, c);
    ck_assert_msg(c[DELIVERY_BOUNCED] == 80, "again: got %lu, want 80",
                  (unsigned long)c[DELIVERY_BOUNCED]);
    /* truncated and rewritten with the same first lines, shorter than its offset,
     * then a new one: a new stream, but the lines read before (same time, same
     * text) are in the history already - only the new line counts */
    strbuf_reset(&tail);
    lines(&tail, 70, 72);
    lines(&tail, 80, 81);
    write_file(path_of("maillog"), "w", tail.s);
    const char *f3[] = { path_of("maillog") };
    scan_into(path_of("h.db"), f3, 1, c);
    ck_assert_msg(c[DELIVERY_BOUNCED] == 81, "truncated: got %lu, want 81",
                  (unsigned long)c[DELIVERY_BOUNCED]);
    strbuf_free(&all);
    strbuf_free(&tail);
}
END_TEST

START_TEST(test_unfinished_last_line)
{
    struct strbuf text = STRBUF_INIT, next = STRBUF_INIT;
    uint64_t c[4];
    lines(&text, 0, 10);
    lines(&next, 10, 11); /* one bounce and one delivery */
    const char *cut = strstr(next.s, "User unknown");
    ck_assert_ptr_nonnull(cut);
    size_t head = (size_t)(cut - next.s) + 4; /* "...said: 550 5.1.1 User" */
    strbuf_add(&text, next.s, head);
    write_file(path_of("maillog"), "w", text.s);
    const char *f[] = { path_of("maillog") };
    scan_into(path_of("h.db"), f, 1, c);
    ck_assert_msg(c[DELIVERY_BOUNCED] == 10,
                  "cut: got %lu bounced, want 10 (the cut line is read later)",
                  (unsigned long)c[DELIVERY_BOUNCED]);
    write_file(path_of("maillog"), "a", next.s + head);
    scan_into(path_of("h.db"), f, 1, c);
    ck_assert_msg(c[DELIVERY_BOUNCED] == 11 && c[DELIVERY_SENT] == 11,
                  "completed: got %lu/%lu, want 11/11", (unsigned long)c[DELIVERY_BOUNCED],
                  (unsigned long)c[DELIVERY_SENT]);
    sqlite3 *h;
    ck_assert_int_eq(sqlite3_open(path_of("h.db"), &h), SQLITE_OK);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(h, "SELECT text, line FROM events ORDER BY id DESC LIMIT 1", -1, &st, NULL);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    const char *t = (const char *)sqlite3_column_text(st, 0);
    ck_assert_msg(strstr(t, "User unknown") != NULL,
                  "last event text got '%s', want the whole reply", t);
    ck_assert_int_eq(sqlite3_column_int(st, 1), 21);
    sqlite3_finalize(st);
    sqlite3_close(h);
    strbuf_free(&text);
    strbuf_free(&next);
}
END_TEST

START_TEST(test_older_copy_is_skipped)
{
    struct strbuf text = STRBUF_INIT, old = STRBUF_INIT;
    uint64_t c[4];
    lines(&old, 0, 20);
    lines(&text, 0, 40);
    write_file(path_of("maillog"), "w", text.s);
    const char *f[] = { path_of("maillog") };
    scan_into(path_of("h.db"), f, 1, c);
    /* a copy taken earlier, plain and compressed, then more lines in the live log */
    write_file(path_of("backup"), "w", old.s);
    write_gz(path_of("backup.gz"), old.s);
    strbuf_reset(&text);
    lines(&text, 40, 45);
    write_file(path_of("maillog"), "a", text.s);
    const char *g[] = { path_of("backup"), path_of("backup.gz"), path_of("maillog") };
    scan_into(path_of("h.db"), g, 3, c);
    ck_assert_msg(c[DELIVERY_BOUNCED] == 45, "older copies: got %lu, want 45",
                  (unsigned long)c[DELIVERY_BOUNCED]);
    scan_into(path_of("h.db"), g, 3, c);
    ck_assert_msg(c[DELIVERY_BOUNCED] == 45, "again: got %lu, want 45",
                  (unsigned long)c[DELIVERY_BOUNCED]);
    strbuf_free(&text);
    strbuf_free(&old);
}
END_TEST

START_TEST(test_overlapping_copy_counted_once)
{
    struct strbuf text = STRBUF_INIT;
    uint64_t c[4];
    lines(&text, 0, 100);
    write_file(path_of("maillog"), "w", text.s);
    const char *f[] = { path_of("maillog") };
    scan_into(path_of("h.db"), f, 1, c);
    /* a copy that starts elsewhere (a new stream to the store) and overlaps what
     * was read by half, then goes on with lines nobody read */
    strbuf_reset(&text);
    lines(&text, 50, 120);
    write_file(path_of("copy"), "w", text.s);
    const char *g[] = { path_of("copy") };
    scan_into(path_of("h.db"), g, 1, c);
    ck_assert_msg(c[DELIVERY_BOUNCED] == 120 && c[DELIVERY_SENT] == 120,
                  "overlap: got %lu bounced / %lu sent, want 120/120",
                  (unsigned long)c[DELIVERY_BOUNCED], (unsigned long)c[DELIVERY_SENT]);
    /* the whole copy once more, as another new stream */
    write_file(path_of("copy2"), "w", "2026-10-19T09:00:00+09:00 mx1 postfix/qmgr[2]: x\n");
    write_file(path_of("copy2"), "a", text.s);
    const char *h[] = { path_of("copy2") };
    scan_into(path_of("h.db"), h, 1, c);
    ck_assert_msg(c[DELIVERY_BOUNCED] == 120 && c[DELIVERY_SENT] == 120,
                  "again: got %lu/%lu, want 120/120", (unsigned long)c[DELIVERY_BOUNCED],
                  (unsigned long)c[DELIVERY_SENT]);
    strbuf_free(&text);
}
END_TEST

START_TEST(test_identical_lines_stay_two)
{
    /* two identical lines in one second of one log are two lines; read again by
     * another path, both are known */
    const char *x = "2026-10-19T10:00:00+09:00 mx1 postfix/smtp[1]: C00001: to=<w@d.example>, "
                    "relay=mx.d.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, "
                    "status=bounced (host mx.d.example[192.0.2.1] said: 550 5.1.1 No such user "
                    "(in reply to RCPT TO command))\n";
    uint64_t c[4];
    write_file(path_of("a.log"), "w", x);
    write_file(path_of("a.log"), "a", x);
    const char *f[] = { path_of("a.log") };
    scan_into(path_of("h.db"), f, 1, c);
    ck_assert_msg(c[DELIVERY_BOUNCED] == 2, "one log: got %lu, want 2",
                  (unsigned long)c[DELIVERY_BOUNCED]);
    write_file(path_of("b.log"), "w", "2026-10-19T09:59:59+09:00 mx1 postfix/qmgr[2]: y\n");
    write_file(path_of("b.log"), "a", x);
    write_file(path_of("b.log"), "a", x);
    write_file(path_of("b.log"), "a", x);
    const char *g[] = { path_of("b.log") };
    scan_into(path_of("h.db"), g, 1, c);
    ck_assert_msg(c[DELIVERY_BOUNCED] == 3, "a copy with one more: got %lu, want 3",
                  (unsigned long)c[DELIVERY_BOUNCED]);
}
END_TEST

START_TEST(test_version_1_gains_the_key_tables)
{
    struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
    uint64_t c[4];
    const char *db = path_of("h.db");
    struct store *s = open_path(db, true, 1, &err);
    ck_assert_msg(s != NULL, "open: %s", err.s ? err.s : "");
    store_close(s);
    /* as a version 1 database was, and as another branch's version 2 might be */
    sqlite3 *h;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(h,
                                  "DROP TABLE line_keys; DROP TABLE journals; "
                                  "PRAGMA user_version = 1",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
    lines(&text, 0, 10);
    write_file(path_of("maillog"), "w", text.s);
    const char *f[] = { path_of("maillog") };
    scan_into(db, f, 1, c);
    ck_assert_int_eq(c[DELIVERY_BOUNCED], 10);
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(h, "DROP TABLE line_keys; DROP TABLE journals", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
    scan_into(db, f, 1, c); /* version 2 without the tables: a writer makes them */
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(h,
                       "SELECT count(*) FROM sqlite_master WHERE name IN ('line_keys', 'journals')",
                       -1, &st, NULL);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(st, 0), 2);
    sqlite3_finalize(st);
    sqlite3_close(h);
    strbuf_free(&text);
    strbuf_free(&err);
}
END_TEST

struct collect {
    int n;
    char first[128];
};

static void collect(void *ctx, const struct event *e)
{
    struct collect *c = ctx;
    if (!c->n++)
        snprintf(c->first, sizeof c->first, "%.*s %s:%lu", (int)e->recipient.n, e->recipient.p,
                 e->reason ? e->reason->name : "(none)", (unsigned long)e->line);
}

START_TEST(test_read_back)
{
    struct strbuf text = STRBUF_INIT;
    uint64_t c[4];
    lines(&text, 0, 10);
    write_file(path_of("maillog"), "w", text.s);
    const char *f[] = { path_of("maillog") };
    scan_into(path_of("h.db"), f, 1, c);
    struct strbuf err = STRBUF_INIT;
    struct store *s = open_path(path_of("h.db"), false, 1, &err);
    ck_assert_ptr_nonnull(s);
    struct classifier *cl = classifier_load(&err);
    ck_assert_msg(cl != NULL, "classifier: %s", err.s ? err.s : "");
    static const struct {
        struct store_query q;
        int want;
    } cases[] = {
        { { .domain = "d1.example" }, 2 },
        { { .domain = "example" }, 10 },
        { { .recipient = "u3@d3.example" }, 1 },
        { { .domain = "u3@d3.example", .any_of = true }, 1 },
        { { .statuses = 1u << DELIVERY_DEFERRED }, 0 },
        { { .statuses = 1u << DELIVERY_BOUNCED }, 10 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct collect got = { 0 };
        ck_assert_int_eq(store_each_event(s, &cases[i].q, cl, collect, &got, &err), 0);
        ck_assert_msg(got.n == cases[i].want, "case %zu: got %d events, want %d", i, got.n,
                      cases[i].want);
    }
    struct collect got = { 0 };
    struct store_query all = { 0 };
    store_each_event(s, &all, cl, collect, &got, &err);
    ck_assert_msg(!strcmp(got.first, "u0@d0.example userunknown:1"), "first got '%s'", got.first);
    classifier_free(cl);
    store_close(s);
    strbuf_free(&err);
    strbuf_free(&text);
}
END_TEST

START_TEST(test_dnsbl_ttl)
{
    struct strbuf err = STRBUF_INIT;
    struct store *s = open_path(path_of("h.db"), true, 1, &err);
    ck_assert_ptr_nonnull(s);
    struct store_dnsbl in = { "listed", "127.0.0.2", "see https://example", 1000, 3600 }, out;
    ck_assert_int_eq(store_dnsbl_put(s, "192.0.2.1", "zen.example", &in), 0);
    ck_assert_int_eq(store_dnsbl_get(s, "192.0.2.1", "zen.example", 2000, &out), 1);
    ck_assert_str_eq(out.status, "listed");
    ck_assert_str_eq(out.codes, "127.0.0.2");
    ck_assert_int_eq(store_dnsbl_get(s, "192.0.2.1", "zen.example", 4600, &out), 0);
    ck_assert_int_eq(store_dnsbl_get(s, "192.0.2.2", "zen.example", 2000, &out), 0);
    store_close(s);
    strbuf_free(&err);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("store");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_default_path);
    tcase_add_test(tc, test_schema_and_newer);
    tcase_add_test(tc, test_second_writer_and_foreign_file);
    tcase_add_test(tc, test_exactly_once_appends);
    tcase_add_test(tc, test_rotation_gzip_and_truncation);
    tcase_add_test(tc, test_unfinished_last_line);
    tcase_add_test(tc, test_older_copy_is_skipped);
    tcase_add_test(tc, test_overlapping_copy_counted_once);
    tcase_add_test(tc, test_identical_lines_stay_two);
    tcase_add_test(tc, test_version_1_gains_the_key_tables);
    tcase_add_test(tc, test_read_back);
    tcase_add_test(tc, test_dnsbl_ttl);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(store_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
