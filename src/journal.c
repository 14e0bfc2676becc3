/*
 * journal.c - the mail programs' entries of a systemd journal, as log lines.
 *
 * SYNOPSIS
 *   struct journal_reader *journal_open(const struct journal_source *src, struct strbuf *err);
 *   void journal_close(struct journal_reader *j);
 *   const char *journal_name(const struct journal_reader *j);
 *   enum journal_seek_result journal_seek(struct journal_reader *j, const char *cursor,
 *                                         uint64_t since_usec, struct strbuf *err);
 *   bool journal_next(struct journal_reader *j, struct slice *line);
 *   const char *journal_cursor(const struct journal_reader *j);
 *   uint64_t journal_realtime(const struct journal_reader *j);
 *   uint64_t journal_entries(const struct journal_reader *j);
 *   uint64_t journal_entries_seen(const struct journal_reader *j);
 *   const char *journal_error(const struct journal_reader *j);
 *   bool journal_is_mail_program(struct slice name);
 *
 * DESCRIPTION
 *   sd-journal cannot match a field by prefix ("postfix*"), and the mail
 *   programs' identifiers vary (postfix/smtp, postfix-out/smtp,
 *   postfix/submission/smtpd, sm-mta, exim4), so every entry is looked at
 *   and filtered here: SYSLOG_IDENTIFIER first (every syslog() call has
 *   one), then the unit name without its instance and suffix, then _COMM.
 *   Reading a field costs a lookup in the entry's mmap'ed data; non-mail
 *   entries cost one field read each.
 *
 *   The cursor is read lazily (sd_journal_get_cursor allocates): only when
 *   asked, for the entry last looked at. Entries skipped because they are
 *   not mail are behind that cursor too, so the next run does not look at
 *   them again. sd-journal does not move the read pointer when
 *   sd_journal_next reports the end, so the last entry stays current.
 *
 * OWNERSHIP
 *   The reader owns its line buffer and cursor string; both live until the
 *   next journal_next/journal_cursor call or journal_close.
 *
 * DIAGNOSTICS
 *   journal_open and journal_seek return errors with sd-journal's words
 *   (strerror of its negative errno). A read error during iteration ends
 *   the iteration; journal_error says why.
 *
 * NOT HERE
 *   Parsing the line (syslog_header.c and the MTA parsers), storing the
 *   cursor (the history store), choosing the journal (cmd_scan.c).
 */
#include "journal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "reader.h"
#include "util/xalloc.h"

struct journal_reader {
    sd_journal *j;
    char *name;
    struct strbuf line;
    char *cursor;        /* of the current entry, when asked; NULL: not read yet */
    bool have_entry;     /* an entry is current (something was looked at) */
    uint64_t realtime;   /* of the last entry returned */
    uint64_t skip_until; /* cursor gone: skip entries at or before this time */
    uint64_t returned, seen;
    char error[160];
};

/* journal_is_mail_program - postfix*, sendmail, sm-*, exim, exim4 */
bool journal_is_mail_program(struct slice name)
{
    return slice_starts(name, "postfix") || slice_starts(name, "sendmail") ||
           slice_starts(name, "sm-mta") || slice_starts(name, "sm-msp") ||
           slice_eq_cstr(name, "exim") || slice_eq_cstr(name, "exim4");
}

/* field - the value of FIELD in the current entry (empty if absent) */
static struct slice field(sd_journal *j, const char *name)
{
    const void *data;
    size_t len;
    if (sd_journal_get_data(j, name, &data, &len) < 0)
        return SLICE_EMPTY;
    size_t k = strlen(name);
    if (len <= k || memcmp(data, name, k) != 0 || ((const char *)data)[k] != '=')
        return SLICE_EMPTY;
    return slice_make((const char *)data + k + 1, len - k - 1);
}

/* unit_program - "postfix@-.service" -> "postfix", "exim4.service" -> "exim4" */
static struct slice unit_program(struct slice unit)
{
    size_t n = 0;
    while (n < unit.n && unit.p[n] != '@' && unit.p[n] != '.')
        n++;
    return slice_make(unit.p, n);
}

/* mail_identifier - the identifier to write in the line, or empty when the
 * current entry is not one of the mail programs' */
static struct slice mail_identifier(sd_journal *j)
{
    struct slice id = field(j, "SYSLOG_IDENTIFIER");
    if (id.n)
        return journal_is_mail_program(id) ? id : SLICE_EMPTY;
    struct slice unit = unit_program(field(j, "_SYSTEMD_UNIT"));
    if (unit.n && journal_is_mail_program(unit))
        return unit;
    struct slice comm = field(j, "_COMM");
    return journal_is_mail_program(comm) ? comm : SLICE_EMPTY;
}

static void set_error(struct journal_reader *r, const char *what, int negerr)
{
    snprintf(r->error, sizeof r->error, "%s: %s", what, strerror(-negerr));
}

/* journal_open - open the local journal, a directory or files */
struct journal_reader *journal_open(const struct journal_source *src, struct strbuf *err)
{
    struct journal_reader *r = xcalloc(1, sizeof *r);
    int rc;
    struct strbuf name = STRBUF_INIT;
    if (src && src->n_files) {
        const char **files = xcalloc(src->n_files + 1, sizeof *files);
        strbuf_adds(&name, "journal:");
        for (size_t i = 0; i < src->n_files; i++) {
            files[i] = src->files[i];
            strbuf_addf(&name, "%s%s", i ? "," : "", src->files[i]);
        }
        rc = sd_journal_open_files(&r->j, files, 0);
        free(files);
    } else if (src && src->directory) {
        strbuf_addf(&name, "journal:%s", src->directory);
        rc = sd_journal_open_directory(&r->j, src->directory, 0);
    } else {
        strbuf_adds(&name, "journal");
        rc = sd_journal_open(&r->j, SD_JOURNAL_LOCAL_ONLY);
    }
    r->name = xstrdup(strbuf_cstr(&name));
    strbuf_free(&name);
    if (rc < 0) {
        strbuf_addf(err, "%s: %s", r->name, strerror(-rc));
        journal_close(r);
        return NULL;
    }
    /* a field is cut at this size: the reader's line bound */
    sd_journal_set_data_threshold(r->j, READER_MAX_LINE);
    return r;
}

/* journal_close - release r (NULL is fine) */
void journal_close(struct journal_reader *r)
{
    if (!r)
        return;
    if (r->j)
        sd_journal_close(r->j);
    free(r->cursor);
    free(r->name);
    strbuf_free(&r->line);
    free(r);
}

const char *journal_name(const struct journal_reader *r)
{
    return r->name;
}

/* journal_seek - before the entry after cursor, or the oldest one */
enum journal_seek_result journal_seek(struct journal_reader *r, const char *cursor,
                                      uint64_t since_usec, struct strbuf *err)
{
    int rc;
    if (!cursor || !*cursor) {
        rc = sd_journal_seek_head(r->j);
        if (rc < 0) {
            strbuf_addf(err, "%s: seeking to the start: %s", r->name, strerror(-rc));
            return JOURNAL_SEEK_FAILED;
        }
        return JOURNAL_FROM_START;
    }
    rc = sd_journal_seek_cursor(r->j, cursor);
    if (rc >= 0) {
        /* seek_cursor lands near the cursor even when it is gone: make sure */
        rc = sd_journal_next(r->j);
        if (rc > 0 && sd_journal_test_cursor(r->j, cursor) > 0) {
            r->have_entry = true; /* the stored entry is current: journal_next moves past it */
            return JOURNAL_AT_CURSOR;
        }
    }
    rc = sd_journal_seek_realtime_usec(r->j, since_usec);
    if (rc < 0) {
        strbuf_addf(err, "%s: seeking to a time: %s", r->name, strerror(-rc));
        return JOURNAL_SEEK_FAILED;
    }
    r->skip_until = since_usec;
    return JOURNAL_CURSOR_GONE;
}

/* format_line - the current entry as an RFC 3339 syslog line into r->line */
static void format_line(struct journal_reader *r, uint64_t usec, struct slice ident)
{
    struct strbuf *b = &r->line;
    strbuf_reset(b);
    time_t secs = (time_t)(usec / 1000000);
    struct tm tm;
    localtime_r(&secs, &tm);
    long off = tm.tm_gmtoff / 60;
    char sign = off < 0 ? '-' : '+';
    if (off < 0)
        off = -off;
    strbuf_addf(b, "%04d-%02d-%02dT%02d:%02d:%02d.%06u%c%02ld:%02ld ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                (unsigned)(usec % 1000000), sign, off / 60, off % 60);
    struct slice host = field(r->j, "_HOSTNAME");
    if (host.n)
        strbuf_add(b, host.p, host.n);
    else
        strbuf_addc(b, '-');
    strbuf_addc(b, ' ');
    strbuf_add(b, ident.p, ident.n);
    struct slice pid = field(r->j, "SYSLOG_PID");
    if (!pid.n)
        pid = field(r->j, "_PID");
    if (pid.n) {
        strbuf_addc(b, '[');
        strbuf_add(b, pid.p, pid.n);
        strbuf_addc(b, ']');
    }
    strbuf_adds(b, ": ");
    struct slice msg = field(r->j, "MESSAGE");
    size_t at = b->len;
    strbuf_add(b, msg.p, msg.n);
    /* one entry, one line: a line break or NUL inside the message is a space */
    for (size_t i = at; i < b->len; i++)
        if (b->s[i] == '\n' || b->s[i] == '\r' || b->s[i] == '\0')
            b->s[i] = ' ';
}

/* journal_next - the next mail program entry as a line */
bool journal_next(struct journal_reader *r, struct slice *line)
{
    for (;;) {
        int rc = sd_journal_next(r->j);
        if (rc == 0)
            return false;
        if (rc < 0) {
            set_error(r, "reading the journal", rc);
            return false;
        }
        r->have_entry = true;
        free(r->cursor);
        r->cursor = NULL;
        r->seen++;
        uint64_t usec;
        if (sd_journal_get_realtime_usec(r->j, &usec) < 0)
            continue;
        if (r->skip_until && usec <= r->skip_until)
            continue;
        struct slice ident = mail_identifier(r->j);
        if (!ident.n)
            continue;
        format_line(r, usec, ident);
        r->realtime = usec;
        r->returned++;
        *line = slice_make(r->line.s, r->line.len);
        return true;
    }
}

/* journal_cursor - the cursor of the entry last looked at */
const char *journal_cursor(const struct journal_reader *cr)
{
    struct journal_reader *r = (struct journal_reader *)cr; /* the cursor is read lazily */
    if (!r->have_entry)
        return "";
    if (!r->cursor && sd_journal_get_cursor(r->j, &r->cursor) < 0)
        r->cursor = NULL;
    return r->cursor ? r->cursor : "";
}

uint64_t journal_realtime(const struct journal_reader *r)
{
    return r->realtime;
}

uint64_t journal_entries(const struct journal_reader *r)
{
    return r->returned;
}

uint64_t journal_entries_seen(const struct journal_reader *r)
{
    return r->seen;
}

const char *journal_error(const struct journal_reader *r)
{
    return r->error[0] ? r->error : NULL;
}
