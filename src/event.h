/*
 * event.h - one failed delivery attempt, fully classified: what flows from
 * the pipeline into aggregation, the event CSV/JSON and the store.
 *
 * Built by pipeline.c from a parsed line (slices into the line buffer),
 * correlation (sender, message-id, attempts) and classification. An event
 * is valid for the current line only; event_dup makes an owned copy in one
 * allocation (free it with free()) - the correlator keeps one per deferred
 * recipient so that an expiry can report the reason of the last deferral.
 *
 * THE EVENT COLUMNS are defined once, in EVENT_COLUMNS below. From that table
 * come: the members of struct event; event_dup and the spool (event.c); the
 * queue-state encoding of a deferral (event_encode/event_decode, used by
 * correlate.c); the store's events table, its INSERT and its SELECT
 * (store_sink.c, store_query.c); the CSV header and rows (write_csv.c); the
 * JSON keys (write_json.c); README's column table (`bouncescope help
 * --markdown columns`, checked by tests/script/docs.sh).
 *
 * Columns kept but not shown (no name): tz, template, text_shortened (Sendmail
 * cut the reply), time_suspect (the line's time lies more than a day after the
 * run, or after its file was last written for a year-less stamp: pipeline.c
 * flags it, the store keeps it and never counts retention from it).
 *
 * Adding a column: one X(...) line here, and the code that fills the member
 * (pipeline.c, classify.c ...). The store adds the column to an existing
 * database by itself (rows stored before read as empty / 0); queue state
 * saved before reads the same way.
 */
#ifndef BS_EVENT_H
#define BS_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "classify.h"
#include "delivery.h"
#include "util/slice.h"
#include "util/strbuf.h"
#include "util/varint.h"

/*
 * X(member, KIND, "name", "sql", "meaning") - a column held in struct event
 * D(member, KIND, "name", "meaning")         - a column derived when written
 *                                               (after the DNS stage), never kept
 *   member   the struct event member (the row's identifier for D)
 *   KIND     its type, and how it is shown, stored and encoded (enum event_kind)
 *   name     CSV header and JSON key; "" for a column kept but not shown
 *   sql      column of the store's events table; "" for one not stored
 *   meaning  the README's column table (shown columns only)
 * CSV and JSON show the named columns in this order.
 */
#define EVENT_COLUMNS(X, D)                                                                        \
    X(when, TIME, "time", "time", "time of the log line, ISO 8601 with offset")                    \
    X(tz_minutes, TZ, "", "tz", "")                                                                \
    X(status, STATUS, "status", "status", "`deferred`, `bounced` or `expired`")                    \
    X(qid, TEXT, "queue_id", "queue_id", "the MTA's queue id")                                     \
    X(sender, TEXT, "sender", "sender", "envelope sender, when the log names it")                  \
    X(recipient, TEXT, "recipient", "recipient",                                                   \
      "recipient address; empty for a per-MX failure and for an expiry or bounce whose "           \
      "recipients the log does not name")                                                          \
    X(domain, TEXT, "recipient_domain", "domain", "domain of the recipient (lower case)")          \
    X(remote_host, TEXT, "remote_host", "remote_host", "the receiving server's name (lower case)") \
    X(remote_ip, TEXT, "remote_ip", "remote_ip", "the receiving server's address")                 \
    X(provider, TEXT, "provider", "provider",                                                      \
      "mail provider of the remote host, or `Our relay host`")                                     \
    X(dsn, TEXT, "dsn", "dsn", "enhanced status code (from the log, else from the reply text)")    \
    X(reason, REASON, "reason", "reason", "reason class")                                          \
    X(blocklist, BLOCKLIST, "blocklist", "blocklist",                                              \
      "blocklist the rejection names (catalogue id)")                                              \
    X(implicated_ip, TEXT, "implicated_ip", "implicated_ip",                                       \
      "our sending IP that the rejection names")                                                   \
    D(implicated_ip_status, IP_STATUS, "implicated_ip_status",                                     \
      "`listed`, `not_listed`, `unknown` or `unchecked`")                                          \
    D(implicated_ip_lists, IP_LISTS, "implicated_ip_lists",                                        \
      "zones listing it, e.g. `zen.spamhaus.org=127.0.0.2`")                                       \
    X(fingerprint, HASH, "fingerprint", "fingerprint",                                             \
      "64-bit key of the reason text's template (hex)")                                            \
    X(template_text, TEXT, "", "template", "")                                                     \
    X(attempts, COUNT, "attempts", "attempts", "deferrals of this recipient so far")               \
    X(stage, TEXT, "stage", "stage",                                                               \
      "SMTP stage the remote server answered (`RCPT TO`, `end of DATA`, ...)")                     \
    X(text_source, SOURCE, "text_source", "text_source",                                           \
      "`remote_reply`, `local` (the MTA's own words) or `generic` (the log lacks the reply)")      \
    X(text_shortened, FLAG, "", "text_shortened", "")                                              \
    X(own_fault, FLAG, "", "own_fault", "")                                                        \
    X(text, TEXT, "text", "text", "the reason text as logged")                                     \
    X(message_id, TEXT, "message_id", "message_id", "Message-ID, when the log names it")           \
    X(file, FILE, "file", "file", "input file")                                                    \
    X(line, LINE, "line", "line", "1-based line number in the file")                               \
    X(time_suspect, FLAG, "", "time_suspect", "")

/* the kinds: the C type of the member, and how the value is written */
enum event_kind {
    EVENT_KIND_TIME,      /* int64_t, seconds since the epoch; shown ISO 8601 with tz_minutes */
    EVENT_KIND_TZ,        /* int, UTC offset in minutes */
    EVENT_KIND_STATUS,    /* enum delivery_status; shown by name */
    EVENT_KIND_TEXT,      /* struct slice */
    EVENT_KIND_REASON,    /* const struct reason *; by name (looked up again when read) */
    EVENT_KIND_BLOCKLIST, /* const struct blocklist_ref *; by id */
    EVENT_KIND_HASH,      /* uint64_t; shown as 16 hex digits */
    EVENT_KIND_COUNT,     /* unsigned; a JSON number */
    EVENT_KIND_SOURCE,    /* enum text_source; shown by name */
    EVENT_KIND_FLAG,      /* int */
    EVENT_KIND_FILE,      /* const char *, borrowed for the run (util/intern.h when read back) */
    EVENT_KIND_LINE,      /* uint64_t; a JSON number */
    EVENT_KIND_IP_STATUS, /* derived: blocklist status of implicated_ip */
    EVENT_KIND_IP_LISTS,  /* derived: zones listing implicated_ip */
};

#define EVENT_CTYPE_TIME int64_t
#define EVENT_CTYPE_TZ int
#define EVENT_CTYPE_STATUS enum delivery_status
#define EVENT_CTYPE_TEXT struct slice
#define EVENT_CTYPE_REASON const struct reason *
#define EVENT_CTYPE_BLOCKLIST const struct blocklist_ref *
#define EVENT_CTYPE_HASH uint64_t
#define EVENT_CTYPE_COUNT unsigned
#define EVENT_CTYPE_SOURCE enum text_source
#define EVENT_CTYPE_FLAG int
#define EVENT_CTYPE_FILE const char *
#define EVENT_CTYPE_LINE uint64_t

#define EVENT_MEMBER_(member, kind, name, sql, help) EVENT_CTYPE_##kind member;
#define EVENT_NO_MEMBER_(member, kind, name, help)
struct event {
    EVENT_COLUMNS(EVENT_MEMBER_, EVENT_NO_MEMBER_)
};

#define EVENT_ENUM_(member, ...) EVENT_COL_##member,
enum event_column_id { EVENT_COLUMNS(EVENT_ENUM_, EVENT_ENUM_) EVENT_N_COLUMNS };

/* one column of the table, as data */
struct event_column {
    const char *member; /* "when", "qid", ... */
    enum event_kind kind;
    const char *name; /* CSV/JSON name, "" when not shown */
    const char *sql;  /* store column, "" when not stored */
    const char *help; /* README meaning */
    size_t offset;    /* of the member in struct event; derived columns: 0 */
};

/* event_columns - the whole table, in order (EVENT_N_COLUMNS rows) */
const struct event_column *event_columns(void);
/* event_column_shown / _stored / _number - CSV+JSON column; store column; a JSON number */
bool event_column_shown(const struct event_column *c);
bool event_column_stored(const struct event_column *c);
bool event_column_number(const struct event_column *c);
/* event_column_is_text - the stored value is text (else an integer) */
bool event_column_is_text(const struct event_column *c);

/* answers for the two blocklist columns, known only after the DNS stage */
struct ip_status_lookup {
    /* status word ("listed", "not_listed", "unknown", "unchecked") and lists for ip */
    void (*lookup)(void *ctx, struct slice ip, const char **status, struct strbuf *lists);
    void *ctx;
};

/* event_column_value - the column's text for e, as CSV and JSON show it (appended to out) */
void event_column_value(const struct event *e, const struct event_column *c,
                        const struct ip_status_lookup *ips, struct strbuf *out);

/* event_get_int / event_get_text - a stored column's value as the store keeps it:
 * integer kinds as an integer, the others as text (a reason by name, a blocklist by
 * id, a file by name); the slice borrows from e */
int64_t event_get_int(const struct event *e, const struct event_column *c);
struct slice event_get_text(const struct event *e, const struct event_column *c);
/* event_set_int / event_set_text - the reverse, for values read back (untrusted):
 * -1 for an integer out of the kind's range (e unchanged). Text borrows v, except
 * a reason or blocklist, looked up by name in cl (unknown or no cl: the classifier's
 * last reason / none; empty: NULL), and a file name, interned (util/intern.h). */
int event_set_int(struct event *e, const struct event_column *c, int64_t v);
void event_set_text(struct event *e, const struct event_column *c, struct slice v,
                    const struct classifier *cl);

/* event_columns_markdown - README's table of the shown columns */
void event_columns_markdown(FILE *fp);

/* event_encode / event_decode - the stored columns of e (but the file, which a
 * later line gives anew) as name-tagged varint fields (util/varint.h), appended to
 * b: the queue state's copy of a recipient's last deferral (correlate.c). Columns
 * holding zero or nothing are left out. Decoding skips fields it does not know and
 * leaves absent ones zero, so adding a column keeps old state readable; event_decode_v1 reads the fixed layout
 * written before the tags. Strings of the decoded event point into the blob;
 * -1 for malformed input. */
void event_encode(const struct event *e, struct strbuf *b);
int event_decode(struct varint_reader *r, struct event *e, const struct classifier *cl);
int event_decode_v1(struct varint_reader *r, struct event *e, const struct classifier *cl);

/* text_source_name - "remote_reply", "local", "generic" */
const char *text_source_name(enum text_source s);

/* event_dup - an owned copy: one allocation holding the event and its strings */
struct event *event_dup(const struct event *e);

/* the spool: events written during the scan, read back by the writers after the
 * DNS stage; a temporary file, so memory does not grow with the number of events */
struct event_spool;
struct event_spool *event_spool_new(void);
void event_spool_free(struct event_spool *s);
void event_spool_write(struct event_spool *s, const struct event *e);
uint64_t event_spool_count(const struct event_spool *s);
/* event_spool_rewind / event_spool_next - read back; the event is valid until the next call */
void event_spool_rewind(struct event_spool *s);
int event_spool_next(struct event_spool *s, struct event *e);

#endif
