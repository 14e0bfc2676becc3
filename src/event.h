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
 * The event columns (names, order, meaning) are defined once, here and in
 * event.c; every writer and the store use that table.
 */
#ifndef BS_EVENT_H
#define BS_EVENT_H

#include <stdint.h>
#include <stdio.h>

#include "classify.h"
#include "delivery.h"
#include "util/slice.h"
#include "util/strbuf.h"

struct event {
    int64_t when;
    int tz_minutes;
    enum delivery_status status;
    struct slice qid, sender, recipient, domain, remote_host, remote_ip, dsn, text, stage;
    struct slice message_id, implicated_ip, template_text, provider;
    const struct reason *reason;
    const struct blocklist_ref *blocklist;
    uint64_t fingerprint;
    enum text_source text_source;
    int text_shortened;
    unsigned attempts; /* deferrals of this recipient so far, this one included */
    const char *file;  /* borrowed, lives for the run */
    uint64_t line;
};

enum event_column {
    COL_TIME,
    COL_STATUS,
    COL_QUEUE_ID,
    COL_SENDER,
    COL_RECIPIENT,
    COL_RECIPIENT_DOMAIN,
    COL_REMOTE_HOST,
    COL_REMOTE_IP,
    COL_PROVIDER,
    COL_DSN,
    COL_REASON,
    COL_BLOCKLIST,
    COL_IMPLICATED_IP,
    COL_IMPLICATED_IP_STATUS,
    COL_IMPLICATED_IP_LISTS,
    COL_FINGERPRINT,
    COL_ATTEMPTS,
    COL_STAGE,
    COL_TEXT_SOURCE,
    COL_TEXT,
    COL_MESSAGE_ID,
    COL_FILE,
    COL_LINE,
    COL_COUNT
};

/* answers for the two blocklist columns, known only after the DNS stage */
struct ip_status_lookup {
    /* status word ("listed", "not_listed", "unknown", "unchecked") and lists for ip */
    void (*lookup)(void *ctx, struct slice ip, const char **status, struct strbuf *lists);
    void *ctx;
};

const char *event_column_name(enum event_column c);
const char *event_column_help(enum event_column c);
/* event_column_value - the column's text for e (appended to out) */
void event_column_value(const struct event *e, enum event_column c,
                        const struct ip_status_lookup *ips, struct strbuf *out);

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
