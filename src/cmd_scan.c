/*
 * cmd_scan.c - `bouncescope scan [FILE...|-]`: read logs, report failures.
 *
 * Builds the pipeline from the options, reads every input in the order
 * given (an input that cannot be opened is reported and skipped: exit
 * status 2 at the end), runs the blocklist stage on the implicated IPs, and
 * hands the result to the writer of --format. With -o the report is written
 * to a temporary file and renamed, so a reader never sees half a report.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access_hint.h"
#include "cmd_common.h"
#include "commands.h"
#include "dns_stage.h"
#include "journal.h"
#include "problems.h"
#include "progress.h"
#include "reader.h"
#include "syslog_header.h"
#include "text_layout.h"
#include "util/msg.h"
#include "util/xalloc.h"

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

/* first_time - the time of the first of a regular file's first 100 lines that
 * has a header we can read; 0 when none has, or the file cannot be read or is no
 * regular file: a FIFO, a socket, /dev/fd/N or <(cmd) can be read only once, and
 * that is the read that counts. The peek notes no problem (the read proper does). */
static int64_t first_time(const char *path, int year)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    struct strbuf err = STRBUF_INIT;
    struct reader *r = reader_open_peek(path, &err);
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
        if (header_parse(line, &clock, &h, &bad_time) ||
            header_parse_compose(line, &clock, &h, &bad_time))
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
 * ties keep the given order. With stdin, an input that is not a regular file
 * (never peeked at), or a file whose first lines have no time we can read, the
 * given order is kept. The result borrows the paths. */
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

/* the system's mail logs, looked for when scan is given no input (the
 * directory is $BOUNCESCOPE_LOG_DIR when set: tests, chroots) */
static const char *const default_logs[] = { "mail.log", "maillog", "exim4/mainlog" };
#define DEFAULT_LOG_DIR "/var/log"

/* what a scan reads: files (owned copies) and perhaps a journal */
struct scan_inputs {
    char **files;
    size_t n_files;
    bool journal;
    struct journal_source journal_src;
};

static void add_file(struct scan_inputs *in, const char *path)
{
    in->files = xrealloc(in->files, (in->n_files + 1) * sizeof *in->files);
    in->files[in->n_files++] = xstrdup(path);
}

/* rotation_rank - how recent a rotated sibling of base is by its name: "base.1",
 * "base.1.gz" -> -1 (".N": smaller is newer); "base-20261127[.gz]" -> 20261127;
 * 0 when name is not a rotation of base */
static long rotation_rank(const char *name, const char *base)
{
    size_t n = strlen(base);
    if (strncmp(name, base, n) != 0 || (name[n] != '.' && name[n] != '-'))
        return 0;
    char *end;
    long v = strtol(name + n + 1, &end, 10);
    if (end == name + n + 1 || v <= 0 || (*end && *end != '.'))
        return 0;
    return name[n] == '.' ? -v : v;
}

/* newest_rotation - the most recent rotated file of path (mail.log.1,
 * maillog-20261127, mainlog.1.gz), into out; false when there is none */
static bool newest_rotation(const char *path, struct strbuf *out)
{
    const char *slash = strrchr(path, '/');
    struct strbuf dir = STRBUF_INIT;
    strbuf_add(&dir, path, slash ? (size_t)(slash - path) : 1);
    const char *base = slash ? slash + 1 : path;
    DIR *d = opendir(strbuf_cstr(&dir));
    long best = 0;
    strbuf_reset(out);
    for (struct dirent *e; d && (e = readdir(d));) {
        long r = rotation_rank(e->d_name, base);
        if (r && (!best || r > best)) {
            best = r;
            strbuf_reset(out);
            strbuf_addf(out, "%s/%s", strbuf_cstr(&dir), e->d_name);
        }
    }
    if (d)
        closedir(d);
    strbuf_free(&dir);
    return best != 0;
}

/* default_inputs - the system's mail logs (each with its newest rotation when the
 * history is kept: lines written after the last run and before logrotate moved
 * the file are there); false when none exists */
static bool default_inputs(struct scan_inputs *in, bool history)
{
    const char *dir = getenv("BOUNCESCOPE_LOG_DIR");
    if (!dir || !*dir)
        dir = DEFAULT_LOG_DIR;
    struct strbuf path = STRBUF_INIT, rot = STRBUF_INIT, said = STRBUF_INIT;
    for (size_t i = 0; i < sizeof default_logs / sizeof *default_logs; i++) {
        strbuf_reset(&path);
        strbuf_addf(&path, "%s/%s", dir, default_logs[i]);
        if (access(path.s, F_OK) != 0)
            continue;
        if (history && newest_rotation(path.s, &rot)) {
            add_file(in, rot.s);
            strbuf_addf(&said, "%s%s", said.len ? ", " : "", rot.s);
        }
        add_file(in, path.s);
        strbuf_addf(&said, "%s%s", said.len ? ", " : "", path.s);
    }
    if (said.len)
        msg_info("reading %s", said.s);
    strbuf_free(&path);
    strbuf_free(&rot);
    strbuf_free(&said);
    return in->n_files > 0;
}

/* scan_inputs_choose - the files given, the journal asked for; with neither, the
 * system's mail logs, else the local journal (a stock Debian 12 has no mail.log) */
static void scan_inputs_choose(const struct options *o, bool history, struct scan_inputs *in)
{
    memset(in, 0, sizeof *in);
    for (size_t i = 0; i < o->n_args; i++)
        add_file(in, o->args[i]);
    in->journal = o->journal || o->journal_dir || o->n_journal_files;
    in->journal_src.directory = o->journal_dir;
    in->journal_src.files = o->journal_files;
    in->journal_src.n_files = o->n_journal_files;
    if (in->n_files || in->journal || default_inputs(in, history))
        return;
    msg_info("no mail log in /var/log (mail.log, maillog, exim4/mainlog): reading the mail "
             "programs' entries of the systemd journal");
    in->journal = true;
}

static void scan_inputs_free(struct scan_inputs *in)
{
    for (size_t i = 0; i < in->n_files; i++)
        free(in->files[i]);
    free(in->files);
}

/* all_failed - there were inputs and every one failed to open */
static bool all_failed(const struct scan_stats *st)
{
    for (size_t i = 0; i < st->n_inputs; i++)
        if (!st->inputs[i].failed)
            return false;
    return st->n_inputs > 0;
}

/* note_earlier - "NAME up to line N at TIME" into earlier when an earlier run had
 * read the input just read that far */
static void note_earlier(struct store *store, const char *name, struct strbuf *earlier)
{
    uint64_t line;
    int64_t seen;
    if (!store_input_start(store, &line, &seen))
        return;
    char when[48] = "";
    if (seen)
        format_iso_time(seen, header_local_minutes(seen), when, sizeof when);
    strbuf_addf(earlier, "%s%s up to line %llu%s%s", earlier->len ? ", " : "", name,
                (unsigned long long)line, *when ? " at " : "", when);
}

/* nothing_new_note - when the run read no line: say why instead of an empty
 * report that reads as an all-clear ("No failed deliveries" would be false) */
static void nothing_new_note(const struct scan_stats *st, const struct strbuf *earlier,
                             struct strbuf *out)
{
    if (st->lines || all_failed(st))
        return;
    if (earlier->len)
        strbuf_addf(out,
                    "Nothing new: already read (%s) by an earlier run; nothing new was "
                    "written since. Use `bouncescope report` for what the history holds, or "
                    "--no-db to read the log again.",
                    earlier->s);
    else
        strbuf_adds(out, "Nothing read: the inputs held no log lines.");
}

/* read_journal - the journal through the store; EXIT_OK, EXIT_INPUT or EXIT_STORE */
static int read_journal(struct store *store, struct pipeline *p, const struct journal_source *src,
                        struct strbuf *earlier)
{
    struct strbuf err = STRBUF_INIT;
    int rc = EXIT_OK;
    if (!src->directory && !src->n_files && access_hint_journal(&err)) {
        msg_warn("%s", err.s); /* the entries it shows hold no mail: say why first */
        strbuf_reset(&err);
    }
    const struct scan_stats *st = pipeline_stats(p);
    if (store_read_journal(store, p, src, &err) == 0 && st->n_inputs) {
        note_earlier(store, st->inputs[st->n_inputs - 1].name, earlier);
    } else if (err.len) {
        if (store_failed(store)) {
            msg_error("%s", err.s);
            rc = EXIT_STORE;
        } else {
            msg_error("%s (skipped)", err.s);
            rc = EXIT_INPUT;
        }
    }
    strbuf_free(&err);
    return rc;
}

/* say_stdin - "scan -" typed at a terminal would wait silently for input */
static void say_stdin(const char *path)
{
    if (!strcmp(path, "-") && isatty(STDIN_FILENO))
        msg_info("reading standard input%s (paste or type log lines; Ctrl-D ends, Ctrl-C "
                 "stops)",
                 layout_glyphs(layout_locale_utf8())->ellipsis);
}

/* read_inputs - every input, oldest first, through the store; EXIT_OK, EXIT_INPUT
 * (an input was skipped) or EXIT_STORE (the database failed: stop) */
static int read_inputs(struct store *store, struct pipeline *p, const char *const *inputs,
                       size_t n_inputs, int year, struct strbuf *earlier)
{
    int rc = EXIT_OK;
    struct strbuf err = STRBUF_INIT;
    const char **ordered = order_inputs(inputs, n_inputs, year);
    for (size_t i = 0; i < n_inputs; i++) {
        strbuf_reset(&err);
        size_t before = pipeline_stats(p)->n_inputs;
        say_stdin(ordered[i]);
        if (store_read_input(store, p, ordered[i], &err) < 0) {
            if (store_failed(store)) {
                msg_error("%s", err.s);
                rc = EXIT_STORE;
                break;
            }
            access_hint_file(ordered[i], &err); /* "Permission denied": who may read it */
            msg_error("%s (skipped)", err.s);
            rc = EXIT_INPUT;
            continue;
        }
        note_earlier(store, ordered[i], earlier);
        /* like GoAccess: a file none of whose lines has a known header is most
         * likely not a mail log at all; say so plainly rather than report nothing */
        const struct scan_stats *st = pipeline_stats(p);
        if (st->n_inputs == before) /* the store had read it all before */
            continue;
        const struct input_stats *in = &st->inputs[st->n_inputs - 1];
        if (in->lines && !in->first && !in->no_stamp && !in->failed)
            msg_warn("%s: none of its %llu lines is in a known log format: is it a mail log?",
                     in->name, (unsigned long long)in->lines);
    }
    free(ordered);
    strbuf_free(&err);
    return rc;
}

/* store_not_created - a writer's database that does not exist after store_open
 * failed could not be created (its directory is missing and cannot be made, or
 * is not writable): say so, and the ways out, in err */
static bool store_not_created(const struct store_config *sc, struct strbuf *err)
{
    struct strbuf path = STRBUF_INIT;
    if (sc->path)
        strbuf_adds(&path, sc->path);
    else
        store_default_path(&path);
    bool missing = access(path.s, F_OK) != 0;
    if (missing)
        strbuf_addf(err,
                    "\n  the history database %s cannot be created there. Give --db PATH in a "
                    "directory you may write, run as the user that owns it, or scan without "
                    "history: bouncescope scan --no-db ...",
                    path.s);
    strbuf_free(&path);
    return missing;
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
        int rc = store_not_created(&sc, &err) ? EXIT_STORE_CREATE : EXIT_STORE;
        msg_error("%s", err.s);
        strbuf_free(&err);
        return rc;
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
    cfg.progress = progress_new(!o->quiet); /* only on a terminal: never in cron */
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
    struct scan_inputs in;
    scan_inputs_choose(o, store != NULL, &in);
    struct strbuf earlier = STRBUF_INIT, nothing_new = STRBUF_INIT;
    rc = read_inputs(store, p, (const char *const *)in.files, in.n_files, o->year, &earlier);
    if (rc != EXIT_STORE && in.journal) {
        int jrc = read_journal(store, p, &in.journal_src, &earlier);
        rc = jrc != EXIT_OK ? jrc : rc;
    }
    nothing_new_note(pipeline_stats(p), &earlier, &nothing_new);
    strbuf_free(&earlier);
    scan_inputs_free(&in);
    if (rc != EXIT_STORE && all_failed(pipeline_stats(p))) {
        /* nothing could be read: the errors said so, a report would be an empty lie */
        strbuf_free(&nothing_new);
        store_close(store);
        pipeline_free(p);
        return EXIT_INPUT;
    }
    if (rc == EXIT_STORE) {
        strbuf_free(&nothing_new);
        store_close(store);
        pipeline_free(p);
        return rc;
    }
    pipeline_finish(p);
    warn_problems();
    long fresh = store_finish_run(store, pipeline_aggregate(p), o->keep_days, &err);
    if (fresh < 0) {
        strbuf_free(&nothing_new);
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
    r.empty_note = nothing_new.len ? nothing_new.s : NULL;
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
    /* CSV has no room for prose: say it where a person (or cron's mail) reads it */
    if (r.empty_note && !strcmp(rcfg.format, "csv") && !(o->quiet && recorded))
        msg_info("%s", r.empty_note);
    if (wrc == EXIT_OK && rc == EXIT_OK && o->exit_new && fresh > 0)
        rc = EXIT_NEW_PROBLEM;
    strbuf_free(&nothing_new);
    dns_stage_free(dns);
    pipeline_free(p);
    return wrc != EXIT_OK ? wrc : rc;
}
