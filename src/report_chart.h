/*
 * report_chart.h - the chart of failed attempts over time, as numbers: the
 * report model's time buckets merged into at most max_bars bars aligned to
 * the log's local time, stacked by reason (the largest max_series reasons on
 * their own, the rest as "other"), with a round y scale. The HTML writer only
 * draws it (write_html.c section_chart).
 *
 *   struct report_chart c;
 *   if (report_chart_build(&c, r, groups, n_groups, 6, 96) == 0) { ... }
 *   report_chart_free(&c);
 *
 * Reason names come from the classifier's table, else (a report built without
 * one) from the groups given. Memory: owned by the chart, freed by
 * report_chart_free.
 */
#ifndef BS_REPORT_CHART_H
#define BS_REPORT_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

struct chart_series {
    size_t reason; /* reason index; n_reasons: undefined */
    uint64_t total;
    const char *name, *label;
};

struct report_chart {
    struct chart_series *series; /* every reason with failures, largest first */
    size_t n_series;
    size_t drawn;         /* series[0..drawn) have their own slot; the rest share "other" */
    uint64_t other_total; /* failures of the series in "other" */
    size_t n_slots;       /* drawn, plus one when there is an "other" */
    int64_t first;        /* start of the first time bucket */
    int64_t base, step;   /* start of bar 0, and each bar's width in seconds */
    size_t n_bars;
    uint64_t *count;              /* count[bar * n_slots + slot] */
    uint64_t *total;              /* per bar */
    uint64_t max;                 /* the highest bar */
    uint64_t ystep, nticks, ymax; /* y axis: nticks steps of ystep up to ymax */
    int tz_minutes;               /* the log's UTC offset: bars start at local midnight */
};

/* report_chart_build - the chart of r: 0; 1 when there is nothing to chart (no
 * failed attempt); -1 when memory ran out (c is then empty) */
int report_chart_build(struct report_chart *c, const struct report *r, struct group *const *groups,
                       size_t n_groups, size_t max_series, size_t max_bars);
void report_chart_free(struct report_chart *c);

#endif
