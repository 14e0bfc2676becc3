/*
 * cmd_scan.c - `bouncescope scan [FILE...|-]`: read logs, report failures.
 *
 * Builds the pipeline from the options, reads every input in the order
 * given (an input that cannot be opened is reported and skipped: exit
 * status 2 at the end), runs the blocklist stage on the implicated IPs, and
 * hands the result to the writer of --format. With -o the report is written
 * to a temporary file and renamed, so a reader never sees half a report.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "conf.h"
#include "dns_stage.h"
#include "pipeline.h"
#include "problems.h"
#include "reader.h"
#include "report.h"
#include "store.h"
#include "syslog_header.h"
#include "util/msg.h"
#include "util/xalloc.h"

static const char *const default_logs[] = { "/var/log/maillog", "/var/log/mail.log" };

struct input_order {
    const char *path;
    int64_t first; /* time of the first line with a readable header */
    size_t given;  /* position on the command line */
};

static int cmp_input(const void *x, const void *y)
{
    const struct input_order *a = x, *b = y;
    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    return a->given < b->given ? -1 : 1;
}

/* first_time - the time of the first of a file's first 100 lines that has a
 * header we can read; 0 when none has (or the file cannot be read) */
static int64_t first_time(const char *path, int year)
{
    struct strbuf err = STRBUF_INIT;
    struct reader *r = reader_open(path, &err);
    strbuf_free(&err);
    if (!r)
        return 0;
    struct header_clock clock;
    header_clock_init(&clock, reader_mtime(r), year);
    struct slice line;
    struct log_header h;
    int64_t when = 0;
    for (int i = 0; i < 100 && !when && reader_next(r, &line); i++) {
        bool bad_time;
        if (header_parse(line, &clock, &h, &bad_time))
            when = h.when;
    }
    reader_close(r);
    return when;
}

/* order_inputs - oldest log first. `scan /var/log/mail.log*` lists the newest
 * file first (mail.log, mail.log.1, mail.log.2.gz); read that way, an expiry
 * comes before the deferrals it ends and a message's lines are split the
 * wrong way round. Files are ordered by the time of their first line - the
 * content, not the modification time, which a copy or a checkout changes;
 * ties keep the given order. With stdin, or a file whose first lines have no
 * time we can read, the given order is kept. The result borrows the paths. */
static const char **order_inputs(const char *const *inputs, size_t n, int year)
{
    struct input_order *v = xcalloc(n ? n : 1, sizeof *v);
    bool sortable = true;
    for (size_t i = 0; i < n; i++) {
        v[i].path = inputs[i];
        v[i].given = i;
        if (sortable && strcmp(inputs[i], "-"))
            v[i].first = first_time(inputs[i], year);
        if (!v[i].first)
            sortable = false;
    }
    if (sortable)
        qsort(v, n, sizeof *v, cmp_input);
    const char **out = xcalloc(n ? n : 1, sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = v[i].path;
    free(v);
    return out;
}

/* warn_problems - one line per kind of unreadable input on stderr, with the
 * first place it happened: the CSV and JSON reports carry no prose, and a cron
 * job's mail should say that a log was damaged even when the report is a file */
static void warn_problems(const struct options *o)
{
    if (o->quiet)
        return;
    for (int k = 0; k < PROBLEM_KIND_COUNT; k++) {
        const struct problem_tally *t = &problems_global.kinds[k];
        if (!t->count || problem_is_informational(k) || !t->n_examples)
            continue;
        const struct problem_example *ex = &t->examples[0];
        if (t->count == 1)
            msg_warn("%s:%llu: %s", ex->file ? ex->file : "", (unsigned long long)ex->line,
                     problem_label(k));
        else
            msg_warn("%s:%llu: %s (%llu lines like this; the text report lists examples)",
                     ex->file ? ex->file : "", (unsigned long long)ex->line, problem_label(k),
                     (unsigned long long)t->count);
    }
}

/* scan_setup_patterns - --patterns dirs, then /etc/bouncescope/patterns.d, then shipped */
void scan_setup_patterns(const struct options *o)
{
    for (size_t i = 0; i < o->n_patterns; i++)
        conf_search_add(o->patterns[i]);
    if (access("/etc/bouncescope/patterns.d", R_OK) == 0)
        conf_search_add("/etc/bouncescope/patterns.d");
}

static int parse_statuses(const char *spec, unsigned *bits)
{
    *bits = 0;
    char *copy = xstrdup(spec), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        enum delivery_status s;
        if (!delivery_status_parse(t, &s) || s == DELIVERY_SENT) {
            fprintf(stderr,
                    "bouncescope: --status: '%s' is not one of deferred, bounced, expired\n", t);
            free(copy);
            return -1;
        }
        *bits |= 1u << s;
    }
    free(copy);
    return 0;
}

/* scan_config - pipeline settings from the options; EXIT_OK or EXIT_USAGE */
int scan_config(const struct options *o, struct pipeline_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    struct strbuf err = STRBUF_INIT;
    if (aggregate_parse_group_by(o->group_by ? o->group_by : "provider,reason,fingerprint",
                                 &cfg->group_fields, &err) < 0) {
        fprintf(stderr, "bouncescope: %s\n", err.s);
        strbuf_free(&err);
        return EXIT_USAGE;
    }
    strbuf_free(&err);
    cfg->year = o->year;
    cfg->relay_hosts = o->relay_hosts;
    cfg->n_relay_hosts = o->n_relay_hosts;
    cfg->queue_max_age = (int64_t)((o->queue_max_age_days > 0 ? o->queue_max_age_days : 7) * 86400);
    cfg->spool_events = o->detail;
    cfg->filter.domain = o->domain;
    cfg->filter.sender = o->sender;
    if (o->status && parse_statuses(o->status, &cfg->filter.statuses) < 0)
        return EXIT_USAGE;
    int64_t now = (int64_t)time(NULL);
    if (o->since && parse_time_arg(o->since, now, &cfg->filter.since) < 0) {
        fprintf(stderr, "bouncescope: --since: cannot read '%s' as a time\n", o->since);
        return EXIT_USAGE;
    }
    if (o->until && parse_time_arg(o->until, now, &cfg->filter.until) < 0) {
        fprintf(stderr, "bouncescope: --until: cannot read '%s' as a time\n", o->until);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* report_time - now, or SOURCE_DATE_EPOCH when set (reproducible reports) */
int64_t report_time(void)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        long long v = strtoll(sde, &end, 10);
        if (!*end && v >= 0)
            return (int64_t)v;
    }
    return (int64_t)time(NULL);
}

/* report_write - the report in o->format to o->output (atomically) or stdout */
int report_write(const struct options *o, const struct report *r)
{
    FILE *fp = stdout;
    char *tmp = NULL;
    if (o->output && strcmp(o->output, "-")) {
        size_t n = strlen(o->output) + 16;
        tmp = xmalloc(n);
        snprintf(tmp, n, "%s.tmp%ld", o->output, (long)getpid());
        fp = fopen(tmp, "w");
        if (!fp) {
            fprintf(stderr, "bouncescope: %s: %s\n", tmp, strerror(errno));
            free(tmp);
            return EXIT_INPUT;
        }
    }
    int rc;
    if (!strcmp(o->format, "csv"))
        rc = write_csv(fp, r);
    else if (!strcmp(o->format, "json"))
        rc = write_json(fp, r);
    else if (!strcmp(o->format, "html"))
        rc = write_html(fp, r);
    else
        rc = write_text(fp, r);
    if (fflush(fp) != 0 || ferror(fp))
        rc = -1;
    if (tmp) {
        if (fclose(fp) != 0)
            rc = -1;
        if (rc == 0 && rename(tmp, o->output) != 0) {
            fprintf(stderr, "bouncescope: %s: %s\n", o->output, strerror(errno));
            rc = -1;
        }
        if (rc != 0)
            unlink(tmp);
        free(tmp);
    }
    if (rc != 0) {
        fprintf(stderr, "bouncescope: writing the report failed: %s\n", strerror(errno));
        return EXIT_INTERNAL;
    }
    return EXIT_OK;
}

int cmd_scan(const struct options *o)
{
    struct pipeline_config cfg;
    int rc = scan_config(o, &cfg);
    if (rc != EXIT_OK)
        return rc;
    scan_setup_patterns(o);
    struct strbuf err = STRBUF_INIT;
    /* the history store (--db, default path; none with --no-db) */
    struct store *store = store_open(o, &err);
    if (!store && err.len) {
        fprintf(stderr, "bouncescope: %s\n", err.s);
        strbuf_free(&err);
        return EXIT_STORE;
    }
    if (store && !store_attach(store, &cfg, &err)) {
        if (!o->quiet)
            fprintf(stderr, "bouncescope: note: %s\n", err.s);
        strbuf_reset(&err);
        store_close(store);
        store = NULL;
    }
    struct pipeline *p = pipeline_new(&cfg, &err);
    if (!p) {
        fprintf(stderr, "bouncescope: %s\n", err.s);
        store_close(store);
        strbuf_free(&err);
        return EXIT_USAGE;
    }
    if (store)
        store_attach_pipeline(store, p); /* queue state of earlier runs */
    const char *const *inputs = (const char *const *)o->args;
    size_t n_inputs = o->n_args;
    const char *fallback[1];
    if (!n_inputs) {
        for (size_t i = 0; i < sizeof default_logs / sizeof *default_logs; i++) {
            if (access(default_logs[i], F_OK) == 0) {
                fallback[0] = default_logs[i];
                inputs = fallback;
                n_inputs = 1;
                if (!o->quiet)
                    fprintf(stderr, "bouncescope: reading %s\n", default_logs[i]);
                break;
            }
        }
        if (!n_inputs) {
            fprintf(stderr, "bouncescope: neither /var/log/maillog nor /var/log/mail.log exists.\n"
                            "  Debian 12 without rsyslog logs mail only to the journal; try:\n"
                            "  journalctl -u postfix@- -o short-iso | bouncescope scan -\n");
            store_close(store);
            pipeline_free(p);
            strbuf_free(&err);
            return EXIT_INPUT;
        }
    }
    rc = EXIT_OK;
    const char **ordered = order_inputs(inputs, n_inputs, o->year);
    inputs = ordered;
    for (size_t i = 0; i < n_inputs; i++) {
        strbuf_reset(&err);
        size_t before = pipeline_stats(p)->n_inputs;
        if (store_read_input(store, p, inputs[i], &err) < 0) {
            if (store_failed(store)) {
                fprintf(stderr, "bouncescope: %s\n", err.s);
                store_close(store);
                pipeline_free(p);
                strbuf_free(&err);
                free(ordered);
                return EXIT_STORE;
            }
            fprintf(stderr, "bouncescope: %s (skipped)\n", err.s);
            rc = EXIT_INPUT;
            continue;
        }
        /* like GoAccess: a file none of whose lines has a known header is most
         * likely not a mail log at all; say so plainly rather than report nothing */
        const struct scan_stats *st = pipeline_stats(p);
        if (st->n_inputs == before) /* the store had read it all before */
            continue;
        const struct input_stats *in = &st->inputs[st->n_inputs - 1];
        if (in->lines && !in->first && !in->failed)
            msg_warn("%s: none of its %llu lines is in a known log format: is it a mail log?",
                     in->name, (unsigned long long)in->lines);
    }
    free(ordered);
    pipeline_finish(p);
    warn_problems(o);
    long fresh = store_finish_run(store, pipeline_aggregate(p), o->keep_days, &err);
    if (fresh < 0) {
        fprintf(stderr, "bouncescope: %s\n", err.s);
        store_close(store);
        pipeline_free(p);
        strbuf_free(&err);
        return EXIT_STORE;
    }
    bool recorded = store != NULL;
    strbuf_free(&err);

    struct report r = {
        .command = "scan",
        .agg = pipeline_aggregate(p),
        .stats = pipeline_stats(p),
        .spool = pipeline_spool(p),
        .classifier = pipeline_classifier(p),
        .problems = &problems_global,
        .top = (size_t)o->top,
        .detail = o->detail,
        .generated = report_time(),
        .group_by = o->group_by,
    };
    for (size_t i = 0; i < o->n_our_ips; i++)
        aggregate_add_our_ip(r.agg, o->our_ips[i]);
    if (o->check_domains && !o->no_dns) {
        /* our sender domains, for the domain lists (a listed domain is refused
         * whatever IP it is sent from) */
        size_t n;
        const char **doms = aggregate_sender_domains(r.agg, &n);
        for (size_t i = 0; i < n; i++)
            aggregate_add_our_ip(r.agg, doms[i]);
        free(doms);
    }
    struct dns_stage *dns = dns_stage_run(o, r.agg, store, &r.dns);
    store_close(store);
    /* --quiet: nothing to say when the history knows every group already */
    int wrc = o->quiet && recorded && fresh == 0 ? EXIT_OK : report_write(o, &r);
    if (wrc == EXIT_OK && rc == EXIT_OK && o->exit_new && fresh > 0)
        rc = EXIT_NEW_PROBLEM;
    dns_stage_free(dns);
    pipeline_free(p);
    return wrc != EXIT_OK ? wrc : rc;
}
