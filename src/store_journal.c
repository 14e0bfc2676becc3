/*
 * store_journal.c - the systemd journal as an input of the history: read the
 * mail programs' entries from where the last run stopped, exactly once.
 *
 * SYNOPSIS
 *   int store_read_journal(struct store *s, struct pipeline *p,
 *                          const struct journal_source *src, struct strbuf *err);
 *   int store_journal_save(struct store *s, uint64_t line);
 *
 * DESCRIPTION
 *   A journal is kept like a file's stream (store_sink.c): one row per
 *   journal read (journals: its name - "journal", "journal:DIR",
 *   "journal:FILE" - the cursor of the last entry looked at, the time of the
 *   last mail entry read, the number of entries read), and every checkpoint
 *   writes the cursor in the transaction that commits the batch's events. A
 *   run killed at any moment starts again at the last committed cursor.
 *
 *   Entries after a found cursor are new by construction (their line keys
 *   are only added). A cursor that is gone - the journal was vacuumed or its
 *   files rotated away - cannot say where to go on: reading starts at the
 *   oldest entry after the stored time, the run says so on stderr, and the
 *   line keys (store_keys.c) skip whatever was read before. A journal never
 *   read before is checked against the keys too: rsyslog may have put the same
 *   lines in a file this history has read.
 *
 * DIAGNOSTICS
 *   A journal that cannot be opened or positioned: -1 and err (the caller
 *   reports it like a file that cannot be opened). A read error in the middle
 *   ends the input with a warning; what was read before it is kept.
 *   Database errors: store_fail, -1 and err.
 *
 * Not here: turning entries into lines (journal.c), the scan (pipeline.c).
 */
#include "store_impl.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "journal.h"
#include "syslog_header.h"
#include "util/msg.h"

/* journal_line - the pipeline's line source over a journal reader */
static bool journal_line(void *ctx, struct slice *line)
{
    return journal_next(ctx, line);
}

/* read_all - the journal from where it stands, through the pipeline */
static void read_all(struct pipeline *p, struct journal_reader *j, uint64_t start_line)
{
    struct pipeline_lines src = { .name = journal_name(j), .next = journal_line, .ctx = j };
    pipeline_read_lines(p, &src, start_line);
    if (journal_error(j))
        msg_warn("%s: %s (the entries before it were read)", journal_name(j), journal_error(j));
}

/* journal_row - the stored position of the journal called name (a new row when none) */
static int journal_row(struct store *s, const char *name, struct strbuf *cursor, uint64_t *realtime,
                       uint64_t *line, int64_t *seen)
{
    sqlite3_stmt *st = store_prepare(
        s, "SELECT id, cursor, realtime, line, seen FROM journals WHERE name = :name");
    if (!st)
        return -1;
    store_bind_text(st, ":name", name, strlen(name));
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        s->cur_journal_id = sqlite3_column_int64(st, store_col(st, "id"));
        struct slice c = store_column_slice(st, store_col(st, "cursor"));
        strbuf_add(cursor, c.p, c.n);
        *realtime = (uint64_t)sqlite3_column_int64(st, store_col(st, "realtime"));
        *line = (uint64_t)sqlite3_column_int64(st, store_col(st, "line"));
        *seen = sqlite3_column_int64(st, store_col(st, "seen"));
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc != SQLITE_DONE) {
        store_fail(s, "reading the journal positions");
        return -1;
    }
    st = store_prepare(s, "INSERT INTO journals(name) VALUES(:name)");
    if (!st)
        return -1;
    store_bind_text(st, ":name", name, strlen(name));
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_fail(s, "adding a journal");
        return -1;
    }
    s->cur_journal_id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int store_journal_save(struct store *s, uint64_t line)
{
    sqlite3_stmt *st = store_prepare(
        s, "UPDATE journals SET cursor = CASE WHEN :cursor = '' THEN cursor ELSE :cursor END,"
           " realtime = CASE WHEN :realtime > 0 THEN :realtime ELSE realtime END,"
           " line = :line, seen = :seen WHERE id = :id");
    if (!st)
        return -1;
    const char *cursor = journal_cursor(s->cur_journal);
    store_bind_text(st, ":cursor", cursor, strlen(cursor));
    store_bind_int(st, ":realtime", (int64_t)journal_realtime(s->cur_journal));
    store_bind_int(st, ":line", (int64_t)line);
    store_bind_int(st, ":seen", (int64_t)time(NULL));
    store_bind_int(st, ":id", s->cur_journal_id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_fail(s, "storing the journal position");
        return -1;
    }
    return 0;
}

/* say_cursor_gone - the stored cursor is not in the journal any more: where reading goes on */
static void say_cursor_gone(const char *name, uint64_t realtime)
{
    char when[48] = "its start";
    if (realtime) {
        int64_t t = (int64_t)(realtime / 1000000);
        format_iso_time(t, header_local_minutes(t), when, sizeof when);
    }
    msg_warn("%s: the entry the last run stopped at is no longer in the journal (vacuumed or "
             "rotated away): reading the entries after %s; lines the history already holds are "
             "skipped",
             name, when);
}

int store_read_journal(struct store *s, struct pipeline *p, const struct journal_source *src,
                       struct strbuf *err)
{
    if (s && s->failure.len)
        return store_failed_rc(s, err);
    struct journal_reader *j = journal_open(src, err);
    if (!j) {
        pipeline_input_failed(p, src && src->n_files     ? "journal (files)"
                                 : src && src->directory ? src->directory
                                                         : "journal");
        return -1;
    }
    if (!s || !s->attached) {
        if (journal_seek(j, NULL, 0, err) == JOURNAL_SEEK_FAILED) {
            pipeline_input_failed(p, journal_name(j));
            journal_close(j);
            return -1;
        }
        read_all(p, j, 0);
        journal_close(j);
        return 0;
    }
    s->last_start_line = 0;
    s->last_start_seen = 0;
    if (store_exec(s, "BEGIN IMMEDIATE") < 0) {
        journal_close(j);
        return store_failed_rc(s, err);
    }
    s->in_txn = true;
    struct strbuf cursor = STRBUF_INIT;
    uint64_t realtime = 0, line = 0;
    int64_t seen = 0;
    if (journal_row(s, journal_name(j), &cursor, &realtime, &line, &seen) < 0) {
        strbuf_free(&cursor);
        journal_close(j);
        return store_failed_rc(s, err);
    }
    enum journal_seek_result where = journal_seek(j, strbuf_cstr(&cursor), realtime, err);
    strbuf_free(&cursor);
    if (where == JOURNAL_SEEK_FAILED) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        s->in_txn = false;
        pipeline_input_failed(p, journal_name(j));
        journal_close(j);
        return -1;
    }
    if (where == JOURNAL_CURSOR_GONE)
        say_cursor_gone(journal_name(j), realtime);
    if (where == JOURNAL_AT_CURSOR) {
        s->last_start_line = line;
        s->last_start_seen = seen;
    }
    if (store_keys_begin_input(s, where != JOURNAL_AT_CURSOR) < 0) {
        journal_close(j);
        return store_failed_rc(s, err);
    }
    s->cur_journal = j;
    read_all(p, j, line);
    s->cur_journal = NULL;
    journal_close(j);
    if (s->failure.len)
        return store_failed_rc(s, err);
    if (s->in_txn) {
        if (store_exec(s, "COMMIT") < 0)
            return store_failed_rc(s, err);
        s->in_txn = false;
    }
    return 0;
}
