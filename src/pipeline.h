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
#include "event.h"
#include "util/strbuf.h"

struct pipeline_filter {
    const char *domain;  /* recipient domain or a parent of it, NULL: all */
    const char *sender;  /* address, or "@domain" */
    unsigned statuses;   /* bit per enum delivery_status; 0: all */
    int64_t since, until; /* 0: open */
};

struct pipeline_config {
    int year;                 /* 0: infer from mtime */
    int64_t queue_max_age;    /* seconds of log time */
    unsigned group_fields;    /* enum group_field bits */
    bool spool_events;        /* keep every event for --detail */
    struct pipeline_filter filter;
};

struct input_stats {
    char *name;
    uint64_t lines, bytes, compressed_bytes;
    int64_t first, last; /* time span of lines with a known time */
    bool gzip;
    bool failed;         /* could not be opened */
};

struct scan_stats {
    uint64_t lines, bytes;
    uint64_t mta_lines;      /* lines of Postfix, Sendmail or Exim */
    uint64_t delivery_lines; /* status lines (sent included) */
    uint64_t other_lines;    /* everything else: other daemons, inbound, diagnostics */
    uint64_t header_formats[8];
    uint64_t queue_live, queue_evicted;
    int64_t first, last;
    int tz_minutes;
    struct input_stats *inputs;
    size_t n_inputs;
    double seconds;
};

struct pipeline;

struct pipeline *pipeline_new(const struct pipeline_config *cfg, struct strbuf *err);
void pipeline_free(struct pipeline *p);

/* pipeline_read - read one input ("-" is stdin) to its end */
int pipeline_read(struct pipeline *p, const char *path, struct strbuf *err);
/* pipeline_finish - end of all input (final counts) */
void pipeline_finish(struct pipeline *p);

struct aggregate *pipeline_aggregate(struct pipeline *p);
struct event_spool *pipeline_spool(struct pipeline *p); /* NULL unless spool_events */
const struct scan_stats *pipeline_stats(const struct pipeline *p);
struct classifier *pipeline_classifier(struct pipeline *p);

/* parse_time_arg - --since/--until: 2026-11-27[THH:MM[:SS]], today, yesterday, 7d, 12h;
 * local time; returns -1 on a bad value */
int parse_time_arg(const char *s, int64_t now, int64_t *out);

#endif
