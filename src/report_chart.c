/*
 * report_chart.c - bins the report model's time buckets into chart bars (see
 * report_chart.h).
 *
 * Bars: hourly buckets merged by a factor of 1, 2, 3, 4, 6, 12 hours, a day,
 * two days, a week, two weeks or 30 days - the first that gives at most
 * max_bars - or, for a longer log, by whatever whole number of hours fits.
 * Bars start at multiples of the step in the log's local time, so day bars
 * start at local midnight. The y scale has four or fewer steps of 1, 2 or 5
 * times a power of ten.
 *
 * Not here: drawing (write_html.c), the buckets themselves (aggregate.c).
 */
#include "report_chart.h"

#include <stdlib.h>
#include <string.h>

static int cmp_series(const void *x, const void *y)
{
    const struct chart_series *a = x, *b = y;
    if (a->total != b->total)
        return a->total > b->total ? -1 : 1;
    return a->reason < b->reason ? -1 : a->reason > b->reason;
}

/* nice_step - 1, 2, 5 times a power of ten, at least v */
static uint64_t nice_step(uint64_t v)
{
    uint64_t p = 1;
    while (p * 10 <= v)
        p *= 10;
    if (v <= p)
        return p;
    if (v <= 2 * p)
        return 2 * p;
    if (v <= 5 * p)
        return 5 * p;
    return 10 * p;
}

/* reason_table - the reason of each index: the classifier's, else the groups' */
static const struct reason **reason_table(const struct report *r, struct group *const *groups,
                                          size_t n_groups, size_t n_reasons)
{
    const struct reason **names = calloc(n_reasons + 1, sizeof *names);
    for (size_t i = 0;
         names && r->classifier && i < n_reasons && i < classifier_reason_count(r->classifier); i++)
        names[i] = classifier_reason_at(r->classifier, i);
    for (size_t i = 0; names && i < n_groups; i++) {
        const struct reason *re = groups[i]->reason;
        if (re && re->index >= 0 && (size_t)re->index < n_reasons && !names[re->index])
            names[re->index] = re;
    }
    return names;
}

/* make_series - reasons by total; the first max_series drawn on their own (all of
 * them when only one more would be left for "other") */
static int make_series(struct report_chart *c, struct time_bucket **b, size_t nb,
                       const struct reason **names, size_t n_reasons, size_t max_series)
{
    c->series = calloc(n_reasons + 1, sizeof *c->series);
    if (!c->series)
        return -1;
    for (size_t k = 0; k <= n_reasons; k++) {
        uint64_t tot = 0;
        for (size_t i = 0; i < nb; i++)
            tot += b[i]->by_reason[k];
        if (!tot)
            continue;
        const struct reason *re = k < n_reasons ? names[k] : NULL;
        c->series[c->n_series++] =
            (struct chart_series){ k, tot, re ? re->name : "undefined",
                                   re && re->label ? re->label : "No reason class matched" };
    }
    qsort(c->series, c->n_series, sizeof *c->series, cmp_series);
    c->drawn = c->n_series > max_series + 1 ? max_series : c->n_series;
    for (size_t i = c->drawn; i < c->n_series; i++)
        c->other_total += c->series[i].total;
    c->n_slots = c->drawn + (c->other_total ? 1 : 0);
    return 0;
}

/* choose_bars - the bar width and the start of the first bar */
static void choose_bars(struct report_chart *c, int64_t first, int64_t last, int64_t width,
                        size_t max_bars)
{
    static const int64_t factors[] = { 1, 2, 3, 4, 6, 12, 24, 48, 168, 336, 720 };
    int64_t span = last - first, step = width, max = (int64_t)max_bars;
    for (size_t i = 0; i < sizeof factors / sizeof *factors; i++) {
        step = width * factors[i];
        if (span / step + 2 <= max)
            break;
    }
    if (span / step + 2 > max)
        step = (span / (max - 2) / width + 1) * width;
    int64_t off = (int64_t)c->tz_minutes * 60;
    int64_t base = first + off;
    base = (base >= 0 ? base / step : (base - step + 1) / step) * step - off;
    c->step = step;
    c->base = base;
    c->n_bars = (size_t)((last - base) / step) + 1;
}

int report_chart_build(struct report_chart *c, const struct report *r, struct group *const *groups,
                       size_t n_groups, size_t max_series, size_t max_bars)
{
    memset(c, 0, sizeof *c);
    size_t nb, n_reasons = aggregate_n_reasons(r->agg);
    int64_t width;
    struct time_bucket **b = aggregate_buckets(r->agg, &nb, &width);
    const struct reason **names = NULL;
    size_t *slot_of = NULL;
    int rc = -1;
    if (!nb) {
        rc = 1;
        goto out;
    }
    c->tz_minutes = aggregate_totals(r->agg)->tz_minutes;
    c->first = b[0]->start;
    names = reason_table(r, groups, n_groups, n_reasons);
    if (!names || make_series(c, b, nb, names, n_reasons, max_series) < 0)
        goto out;
    /* the slot of each reason index: its own, or "other" */
    slot_of = calloc(n_reasons + 1, sizeof *slot_of);
    if (!slot_of)
        goto out;
    for (size_t k = 0; k <= n_reasons; k++)
        slot_of[k] = c->drawn;
    for (size_t i = 0; i < c->drawn; i++)
        slot_of[c->series[i].reason] = i;
    choose_bars(c, b[0]->start, b[nb - 1]->start, width, max_bars);
    c->count = calloc(c->n_bars * (c->n_slots ? c->n_slots : 1), sizeof *c->count);
    c->total = calloc(c->n_bars, sizeof *c->total);
    if (!c->count || !c->total)
        goto out;
    for (size_t i = 0; i < nb; i++) {
        size_t bar = (size_t)((b[i]->start - c->base) / c->step);
        for (size_t k = 0; k <= n_reasons; k++) {
            if (!b[i]->by_reason[k])
                continue;
            c->count[bar * c->n_slots + slot_of[k]] += b[i]->by_reason[k];
            c->total[bar] += b[i]->by_reason[k];
        }
    }
    for (size_t i = 0; i < c->n_bars; i++)
        if (c->total[i] > c->max)
            c->max = c->total[i];
    /* four or fewer grid steps of a round size */
    c->ystep = nice_step(c->max > 4 ? (c->max + 3) / 4 : 1);
    c->nticks = (c->max + c->ystep - 1) / c->ystep;
    if (!c->nticks)
        c->nticks = 1;
    c->ymax = c->ystep * c->nticks;
    rc = 0;
out:
    free(slot_of);
    free(names);
    free(b);
    if (rc != 0)
        report_chart_free(c);
    return rc;
}

void report_chart_free(struct report_chart *c)
{
    free(c->series);
    free(c->count);
    free(c->total);
    memset(c, 0, sizeof *c);
}
