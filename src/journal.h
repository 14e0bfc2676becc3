/*
 * journal.h - the mail programs' entries of a systemd journal, as log lines.
 *
 * A stock Debian 12 has no /var/log/mail.log: without rsyslog, mail logs
 * only to the journal. This module reads it natively with sd-journal
 * (libsystemd): the local journal, a journal directory, or journal files.
 * Only the mail programs' entries are returned - Postfix (any
 * `postfix*` identifier: postfix/smtp, postfix-out/smtp, ...), Sendmail
 * (`sendmail`, `sm-mta`, `sm-msp-queue`, ...) and Exim (`exim`, `exim4`) -
 * recognised by SYSLOG_IDENTIFIER, else _SYSTEMD_UNIT, else _COMM.
 *
 * Each entry comes out as one RFC 3339 syslog line built from the entry's
 * own fields, so the rest of the pipeline reads it like a file line:
 *
 *   2026-12-04T03:10:59.123456+00:00 mx1 postfix/smtp[2101]: 4C7A21F0B3: to=<...
 *
 * (realtime timestamp in the local zone, _HOSTNAME, the identifier, _PID,
 * MESSAGE with line breaks and NULs made spaces). A position is a journal
 * cursor: journal_cursor() after a line is where to start next time, and
 * journal_seek() finds it again - or, when the journal was vacuumed or
 * rotated away and the cursor is gone, the oldest entry after the stored
 * time (the caller says so to the user).
 *
 * Not here: what a line means (pipeline.c), where cursors are kept (the
 * history store).
 */
#ifndef BS_JOURNAL_H
#define BS_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/slice.h"
#include "util/strbuf.h"

/* which journal: the local one, one directory, or a list of files */
struct journal_source {
    const char *directory;    /* --journal-dir, or NULL */
    const char *const *files; /* --journal-file (NULL-free array of n_files), or NULL */
    size_t n_files;
};

struct journal_reader;

/* journal_open - open the journal src names (none: the local system journal);
 * NULL and "what: why" in err when it cannot be opened */
struct journal_reader *journal_open(const struct journal_source *src, struct strbuf *err);
void journal_close(struct journal_reader *j);

/* journal_name - the name for messages and reports: "journal", "journal:DIR" or
 * "journal:FILE[,FILE...]"; stays valid until journal_close */
const char *journal_name(const struct journal_reader *j);

enum journal_seek_result {
    JOURNAL_FROM_START,  /* no cursor given: from the oldest entry */
    JOURNAL_AT_CURSOR,   /* after the stored cursor, as asked */
    JOURNAL_CURSOR_GONE, /* the cursor is no longer in the journal: after since_usec */
    JOURNAL_SEEK_FAILED, /* sd-journal refused: err says why */
};

/* journal_seek - position before the first entry to read: the one after cursor,
 * or when cursor is NULL/empty the oldest one; when the cursor is gone (vacuumed,
 * rotated away), the oldest entry later than since_usec (realtime, microseconds) */
enum journal_seek_result journal_seek(struct journal_reader *j, const char *cursor,
                                      uint64_t since_usec, struct strbuf *err);

/* journal_next - the next mail entry as a syslog line (valid until the next call);
 * false at the end of the journal (or on a read error: journal_error) */
bool journal_next(struct journal_reader *j, struct slice *line);

/* journal_cursor - the cursor of the entry last returned ("" before the first) */
const char *journal_cursor(const struct journal_reader *j);
/* journal_realtime - its realtime timestamp in microseconds (0 before the first) */
uint64_t journal_realtime(const struct journal_reader *j);
/* journal_entries - entries returned so far / entries looked at (mail or not) */
uint64_t journal_entries(const struct journal_reader *j);
uint64_t journal_entries_seen(const struct journal_reader *j);
/* journal_error - why journal_next stopped early, or NULL */
const char *journal_error(const struct journal_reader *j);

/* journal_is_mail_program - whether an identifier, unit or command name is one of
 * the mail programs' (exposed for tests) */
bool journal_is_mail_program(struct slice name);

#endif
