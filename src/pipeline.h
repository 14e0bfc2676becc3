/*
 * pipeline.h - the scan: lines -> header -> MTA record -> correlation ->
 * classification -> fingerprint -> aggregation (and the event spool).
 *
 * One pipeline is one run over any number of inputs, read in the order
 * given. It owns every stage's state; the writers read the results through
 * pipeline_aggregate, pipeline_spool and pipeline_stats after
 * pipeline_finish.
 *
 * Errors: pipeline_new fails (NULL, err) on unusable pattern files.
 * pipeline_read returns -1 (err) only when the input cannot be opened; bad
 * lines inside an input are counted in problems.h and never stop a run.
 */
#ifndef BS_PIPELINE_H
#define BS_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "aggregate.h"
#include "classify.h"
#include "delivered.h"
#include "event.h"
#include "log_hosts.h"
#include "util/strbuf.h"

struct pipeline_filter {
    const char *domain;   /* recipient domain or a parent of it, NULL: all */
    const char *sender;   /* address, or "@domain" */
    unsigned statuses;    /* bit per enum delivery_status; 0: all */
    int64_t since, until; /* 0: open */
};

/* a consumer of the scan besides the aggregate (the history store): every
 * call is optional. Events and sent deliveries are the filtered ones;
 * checkpoint comes every PIPELINE_CHECKPOINT_LINES lines and at the end of
 * each input with the offset just after the last line read whole (never after a
 * line left unread: pipeline_hold_unfinished), so a store can commit its events
 * and that offset in one transaction. */
#define PIPELINE_CHECKPOINT_LINES 50000
struct line_id;
struct progress;
struct pipeline_sink {
    void *ctx;
    void (*event)(void *ctx, const struct event *e);
    void (*sent)(void *ctx, struct slice domain, struct slice provider, int64_t when,
                 int tz_minutes);
    void (*checkpoint)(void *ctx, const char *file, uint64_t offset, uint64_t line);
    /* line - a line with stored effects (a delivery, expiry, per-MX or notice
     * line; line_key.h says what identifies it) is about to be counted: true
     * when the sink has recorded it before, and the pipeline then skips it */
    bool (*line)(void *ctx, const struct line_id *id);
    /* with track_deliveries: a delivery worth keeping (delivered.h), and a
     * recipient that failed for the first time (the store keeps the list, so
     * a later run still keeps the recipient's deliveries) */
    void (*delivered)(void *ctx, const struct delivered *d);
    void (*watch)(void *ctx, struct slice recipient, int64_t when);
    /* a successful delivery by its sender (report --sender counts them) */
    void (*sent_sender)(void *ctx, struct slice sender, int64_t when, int tz_minutes);
};

struct pipeline_config {
    int year;    /* 0: infer from mtime */
    int64_t now; /* the run's time (0: the clock): a line more than a day after it is suspect */
    const char *const *relay_hosts; /* --relay-host: names or IPs of our own relays */
    size_t n_relay_hosts;
    int64_t queue_max_age;  /* seconds of log time */
    uint64_t queue_max_ids; /* open queue ids kept at most (0: CORRELATE_MAX_LIVE) */
    size_t max_groups;      /* failure groups at most (0: AGGREGATE_MAX_GROUPS) */
    unsigned group_fields;  /* enum group_field bits */
    bool spool_events;      /* keep every event for --detail */
    /* keep the deliveries that end a failure's story (delivered.h): to a
     * recipient that failed, or of a message that had a failure; they go to
     * the sink, and with collect_deliveries also to pipeline_deliveries */
    bool track_deliveries;
    bool collect_deliveries;
    struct pipeline_filter filter;
    struct pipeline_sink sink;
    struct progress *progress; /* progress line on a terminal (progress.h), freed by
                                * pipeline_free; NULL: none */
};

struct input_stats {
    char *name;
    uint64_t lines, bytes, compressed_bytes;
    int64_t first, last;     /* time span of lines with a known time */
    bool gzip;               /* compressed, in any format */
    const char *compression; /* "gzip", "xz", "bzip2", "zstd", "" (static string) */
    bool failed;             /* could not be opened */
    uint64_t no_stamp;       /* MTA lines read without any time */
};

struct scan_stats {
    uint64_t lines, bytes;
    uint64_t mta_lines;      /* lines of Postfix, Sendmail or Exim */
    uint64_t delivery_lines; /* status lines (sent included) */
    uint64_t other_lines;    /* everything else: other daemons, inbound, diagnostics */
    uint64_t per_mx_lines;   /* Sendmail deferrals repeated for the next MX in the same second
                              * (each counted for its host, one attempt of the recipient) */
    uint64_t header_formats[16];
    uint64_t queue_live, queue_evicted;
    int64_t first, last;
    int tz_minutes;
    struct input_stats *inputs;
    size_t n_inputs;
    double seconds;
    struct log_hosts hosts; /* the syslog host field: whose log this is */
};

struct pipeline;

struct pipeline *pipeline_new(const struct pipeline_config *cfg, struct strbuf *err);
void pipeline_free(struct pipeline *p);

/* pipeline_read - read one input ("-" is stdin) to its end */
int pipeline_read(struct pipeline *p, const char *path, struct strbuf *err);
/* pipeline_read_from - read path from byte offset (incremental runs); line
 * numbers continue from start_line (the number of lines before offset) */
int pipeline_read_from(struct pipeline *p, const char *path, uint64_t offset, uint64_t start_line,
                       struct strbuf *err);
/* a source of lines that is not a file: the journal (journal.h) */
struct pipeline_lines {
    const char *name; /* for reports and file:line; interned by the pipeline */
    bool (*next)(void *ctx, struct slice *line);
    void *ctx;
};
/* pipeline_read_lines - read src to its end, like a file (one input in the
 * stats); line numbers continue from start_line; checkpoints get the bytes
 * read in this call as their offset */
void pipeline_read_lines(struct pipeline *p, const struct pipeline_lines *src, uint64_t start_line);

/* pipeline_input_failed - an input that could not be opened, for the stats */
void pipeline_input_failed(struct pipeline *p, const char *name);

/* pipeline_hold_unfinished - for the inputs read from now on: a last line without a
 * newline is not read (it is still being written; a store reads it whole next
 * time) and the checkpoint's offset stops before it. Off by default: a one-off
 * scan reads it. (The fragment before the cut of a truncated compressed file is
 * never read.) */
void pipeline_hold_unfinished(struct pipeline *p, bool hold);
/* pipeline_correlator - the queue state, for a store that keeps it between runs */
struct correlator *pipeline_correlator(struct pipeline *p);
/* pipeline_finish - end of all input (final counts) */
void pipeline_finish(struct pipeline *p);

struct aggregate *pipeline_aggregate(struct pipeline *p);
struct event_spool *pipeline_spool(struct pipeline *p); /* NULL unless spool_events */
const struct scan_stats *pipeline_stats(const struct pipeline *p);
struct classifier *pipeline_classifier(struct pipeline *p);
/* pipeline_deliveries - the deliveries kept (collect_deliveries), in the order
 * read; owned by the pipeline */
struct delivered *const *pipeline_deliveries(const struct pipeline *p, size_t *n);
/* pipeline_watch - a recipient that failed in an earlier run: its deliveries
 * are kept (track_deliveries); the store calls it before reading */
void pipeline_watch(struct pipeline *p, struct slice recipient);

/* parse_time_arg - --since/--until: 2026-11-27[THH:MM[:SS]], today, yesterday, 7d, 12h;
 * local time; returns -1 on a bad value */
int parse_time_arg(const char *s, int64_t now, int64_t *out);
/* parse_day_arg - --day: yesterday, today or 2026-11-27 -> that local calendar day,
 * [*since, *until) from midnight to the next midnight (23 or 25 hours on a DST
 * change); -1 on a bad value */
int parse_day_arg(const char *s, int64_t now, int64_t *since, int64_t *until);

#endif
