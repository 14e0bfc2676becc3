/*
 * cmd_scan.c - `bouncescope scan [FILE...|-]`: read logs, report failures.
 *
 * Builds the pipeline from the options, reads every input in the order
 * given (an input that cannot be opened is reported and skipped: exit
 * status 2 at the end), runs the blocklist stage on the implicated IPs, and
 * hands the result to the writer of --format. With -o the report is written
 * to a temporary file and renamed, so a reader never sees half a report.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_common.h"
#include "commands.h"
#include "dns_stage.h"
#include "problems.h"
#include "reader.h"
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
static void warn_problems(void)
{
    for (int k = 0; k < PROBLEM_KIND_COUNT; k++) {
        const struct problem_tally *t = &problems_global.kinds[k];
        if (!t->count || problem_is_informational(k) || !t->n_examples)
            continue;
        const struct problem_example *ex = &t->examples[0];
        if (t->count == 1)
            msg_notice("%s:%llu: %s", ex->file ? ex->file : "", (unsigned long long)ex->line,
                       problem_label(k));
        else
            msg_notice("%s:%llu: %s (%llu lines like this; the text report lists examples)",
                       ex->file ? ex->file : "", (unsigned long long)ex->line, problem_label(k),
                       (unsigned long long)t->count);
    }
}

/* default_input - the system's mail log when no input is given; NULL when there is none */
static const char *default_input(void)
{
    for (size_t i = 0; i < sizeof default_logs / sizeof *default_logs; i++) {
        if (access(default_logs[i], F_OK) == 0) {
            msg_info("reading %s", default_logs[i]);
            return default_logs[i];
        }
    }
    msg_error("neither /var/log/maillog nor /var/log/mail.log exists.\n"
              "  Debian 12 without rsyslog logs mail only to the journal; try:\n"
              "  journalctl -u postfix@- -o short-iso | bouncescope scan -");
    return NULL;
}

/* read_inputs - every input, oldest first, through the store; EXIT_OK, EXIT_INPUT
 * (an input was skipped) or EXIT_STORE (the database failed: stop) */
static int read_inputs(struct store *store, struct pipeline *p, const char *const *inputs,
                       size_t n_inputs, int year)
{
    int rc = EXIT_OK;
    struct strbuf err = STRBUF_INIT;
    const char **ordered = order_inputs(inputs, n_inputs, year);
    for (size_t i = 0; i < n_inputs; i++) {
        strbuf_reset(&err);
        size_t before = pipeline_stats(p)->n_inputs;
        if (store_read_input(store, p, ordered[i], &err) < 0) {
            if (store_failed(store)) {
                msg_error("%s", err.s);
                rc = EXIT_STORE;
                break;
            }
            msg_error("%s (skipped)", err.s);
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
    strbuf_free(&err);
    return rc;
}

/* open_store - the history store of a scan (none with --no-db, and none for a
 * filtered scan, which sees only part of the log); EXIT_OK or EXIT_STORE */
static int open_store(const struct options *o, struct pipeline_config *cfg, struct store **store)
{
    *store = NULL;
    if (o->no_db)
        return EXIT_OK;
    struct strbuf err = STRBUF_INIT;
    struct store_config sc = cmd_store_config(o, true);
    *store = store_open(&sc, &err);
    if (!*store) {
        msg_error("%s", err.s);
        strbuf_free(&err);
        return EXIT_STORE;
    }
    if (!store_attach(*store, cfg, &err)) {
        msg_info("note: %s", err.s);
        store_close(*store);
        *store = NULL;
    }
    strbuf_free(&err);
    return EXIT_OK;
}

int cmd_scan(const struct options *o)
{
    struct pipeline_config cfg;
    int rc = cmd_pipeline_config(o, &cfg);
    if (rc != EXIT_OK)
        return rc;
    cmd_setup_patterns(o);
    struct store *store;
    if ((rc = open_store(o, &cfg, &store)) != EXIT_OK)
        return rc;
    struct strbuf err = STRBUF_INIT;
    struct pipeline *p = pipeline_new(&cfg, &err);
    if (!p) {
        msg_error("%s", err.s);
        store_close(store);
        strbuf_free(&err);
        return EXIT_USAGE;
    }
    strbuf_free(&err);
    if (store) {
        store_attach_pipeline(store, p); /* queue state of earlier runs */
        store_load_watch(store, p);      /* recipients that failed in earlier runs */
    }
    const char *const *inputs = (const char *const *)o->args;
    size_t n_inputs = o->n_args;
    const char *fallback[1];
    if (!n_inputs) {
        if (!(fallback[0] = default_input())) {
            store_close(store);
            pipeline_free(p);
            return EXIT_INPUT;
        }
        inputs = fallback;
        n_inputs = 1;
    }
    rc = read_inputs(store, p, inputs, n_inputs, o->year);
    if (rc == EXIT_STORE) {
        store_close(store);
        pipeline_free(p);
        return rc;
    }
    pipeline_finish(p);
    warn_problems();
    long fresh = store_finish_run(store, pipeline_aggregate(p), o->keep_days, &err);
    if (fresh < 0) {
        msg_error("%s", err.s);
        store_close(store);
        pipeline_free(p);
        strbuf_free(&err);
        return EXIT_STORE;
    }
    bool recorded = store != NULL;
    strbuf_free(&err);

    struct report r;
    cmd_report_init(&r, "scan", o, p);
    r.stats = pipeline_stats(p);
    cmd_add_our_ips(o, r.agg);
    if (o->check_domains && !o->no_dns) {
        /* our sender domains, for the domain lists (a listed domain is refused
         * whatever IP it is sent from) */
        size_t n;
        const char **doms = aggregate_sender_domains(r.agg, &n);
        for (size_t i = 0; i < n; i++)
            aggregate_add_our_ip(r.agg, doms[i]);
        free(doms);
    }
    struct dns_stage *dns = cmd_run_dns(o, &r, store);
    store_close(store);
    /* --quiet: nothing to say when the history knows every group already */
    struct report_config rcfg = cmd_report_config(o);
    int wrc = o->quiet && recorded && fresh == 0 ? EXIT_OK : report_write(&rcfg, &r);
    if (wrc == EXIT_OK && rc == EXIT_OK && o->exit_new && fresh > 0)
        rc = EXIT_NEW_PROBLEM;
    dns_stage_free(dns);
    pipeline_free(p);
    return wrc != EXIT_OK ? wrc : rc;
}
