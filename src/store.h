/*
 * store.h - the history database (SQLite): failure events, sent counts,
 * per-file read state, runs, first sightings of groups, a DNSBL cache.
 *
 * One store is one open database for one command. `scan` opens it for
 * writing: store_open takes a run lock (a second writer waits
 * BOUNCESCOPE_LOCK_TIMEOUT seconds, default 30, then gets a clear error),
 * store_attach makes the store the pipeline's sink, store_read_input decides
 * per file where to start (new data only; rotation and truncation are
 * recognised by a fingerprint of the file's first bytes) and commits the
 * events of each batch together with the file's offset in ONE transaction -
 * so a run killed at any moment loses nothing and counts nothing twice when
 * run again. `report` and `partner` open it read-only (cfg->write false).
 *
 * Every function accepts a NULL store (--no-db, or a filtered scan): it then
 * does what the run would do without history (store_read_input reads the
 * whole file).
 *
 * Errors: store_open returns NULL with a message in err when
 * the database is locked, corrupt, not a database, or written by a newer
 * bouncescope; the file is then left exactly as it was. A database error
 * during a run is kept and returned by the next store_read_input /
 * store_finish_run (the last committed batch stays valid). Exit status for
 * all of these: EXIT_STORE.
 *
 * Queue state across runs: store_attach_pipeline loads it into the pipeline's
 * correlator, and each checkpoint stores its changes with the batch.
 *
 * Idempotent: a line the history holds is not counted again when it comes
 * back by another path - stdin fed twice, an overlapping copy, the journal
 * after a lost cursor, the same line from rsyslog's file and from the journal
 * (store_keys.c: a key per line with stored effects).
 *
 * Not done here: re-checking blocklists (the dnsbl table is a cache the
 * DNS stage may use through store_dnsbl_get/put).
 *
 * The code: store_open.c (open, lock, schema), store_sink.c (the scan's
 * sink), store_query.c (reading back), store_dnsbl.c (the DNSBL cache);
 * store_impl.h what they share.
 */
#ifndef BS_STORE_H
#define BS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline.h"
#include "util/strbuf.h"

#define STORE_SCHEMA_VERSION 3
/* a writer waits this long for another run's lock ($BOUNCESCOPE_LOCK_TIMEOUT overrides) */
#define STORE_LOCK_SECONDS 30
/* --keep: events older than this many days before the newest stored time that is
 * not in the future are pruned */
#define STORE_KEEP_DAYS 90

struct store;
struct aggregate;

/* what a command asks of the store (the command builds it from its options) */
struct store_config {
    const char *path; /* --db; NULL: store_default_path */
    bool write;       /* a scan: lock, create, migrate, record the run */
    int lock_seconds; /* < 0: $BOUNCESCOPE_LOCK_TIMEOUT, else STORE_LOCK_SECONDS */
    bool must_exist;  /* a writer that must not create it (vacuum) */
    bool force;       /* --force: prune even when more than half of the events would go */
};

/* store_default_path - $XDG_STATE_HOME/bouncescope/bouncescope.db, else
 * ~/.local/state/bouncescope/bouncescope.db; root: /var/lib/bouncescope/bouncescope.db */
void store_default_path(struct strbuf *out);

/* store_open - open the database of cfg: for writing (created when missing) or for
 * reading (it must exist). NULL and a message on lock/corruption/version trouble. */
struct store *store_open(const struct store_config *cfg, struct strbuf *err);
void store_close(struct store *s);

/* store_attach - make s the sink of cfg. A scan with --domain/--sender/--status/
 * --since/--until sees only part of the log, so it must not advance the read
 * state: then the store is not attached, a note goes to err and false is returned
 * (the caller reads without the store: pass NULL to store_read_input). */
bool store_attach(struct store *s, struct pipeline_config *cfg, struct strbuf *err);

/* store_attach_pipeline - keep p's queue state (correlate.h) between runs: load every
 * stored queue entry into pipeline_correlator(p) now (reasons by name through
 * pipeline_classifier(p); unreadable rows are dropped with a warning), and write its
 * changes at every checkpoint, in the batch's transaction. Call right after
 * pipeline_new, before the first store_read_input. Does nothing for a NULL or
 * unattached store; a database error is reported by the next store_read_input. */
void store_attach_pipeline(struct store *s, struct pipeline *p);

/* store_read_input - read path from where the last run stopped (or whole: NULL store,
 * stdin); -1 and err when the input cannot be opened or the database failed */
int store_read_input(struct store *s, struct pipeline *p, const char *path, struct strbuf *err);

/* store_read_journal - read the mail programs' entries of the journal src names
 * (journal.h) from where the last run stopped: the cursor is committed with each
 * batch, like a file's offset. A stored cursor the journal no longer has
 * (vacuumed, rotated away) is said on stderr; reading then starts after the
 * stored time and the line keys skip what was read before. NULL or unattached
 * store: the whole journal. -1 and err when the journal cannot be opened
 * (noted as a failed input) or the database failed. */
struct journal_source;
int store_read_journal(struct store *s, struct pipeline *p, const struct journal_source *src,
                       struct strbuf *err);

/* store_input_start - after store_read_input / store_read_journal: true when an
 * earlier run had read the input up to *line, at *seen (time of its commit) -
 * reading went on from there (nothing new when the input gave no line) */
bool store_input_start(const struct store *s, uint64_t *line, int64_t *seen);

/* store_failed - whether a database error stopped recording (then EXIT_STORE) */
bool store_failed(const struct store *s);

/* store_finish_run - record the run, mark the causes of agg never seen before as
 * new (c->is_new) and the groups first seen that hold a new cause (g->is_new),
 * prune events older than keep_days (0: STORE_KEEP_DAYS) before the newest
 * stored time that is neither in the future (after the run's clock) nor flagged
 * (time_suspect): no event's time can make the history look old. A prune that
 * would delete more than half of the stored events is not done without
 * cfg->force (a warning says so; the run goes on). Returns the number of new
 * causes (what --quiet and --exit-new follow), or -1 and err on a database error */
long store_finish_run(struct store *s, struct aggregate *agg, long keep_days, struct strbuf *err);

/* store_vacuum - VACUUM the database; -1 and err on failure */
int store_vacuum(struct store *s, struct strbuf *err);

/* ---- reading back (report, partner, tests) ----------------------------- */

struct store_query {
    int64_t since, until;   /* 0: open */
    const char *domain;     /* domain or parent domain */
    const char *recipient;  /* exact address */
    const char *provider;   /* provider name, case-insensitive */
    const char *sender;     /* address or "@domain" */
    const char *qid;        /* the MTA's queue id (partner QUEUE-ID) */
    const char *message_id; /* the Message-ID, without <> (partner MESSAGE-ID) */
    unsigned statuses;      /* bit per delivery_status; 0: all */
    bool any_of;            /* domain/recipient/provider: match any one of them (partner) */
};

/* store_each_event - call fn for every stored event matching q, in the order read.
 * Reason and blocklist are looked up in c by name (unknown names: the classifier's
 * last reason, no blocklist). The event and its strings are valid during the call. */
typedef void (*store_event_fn)(void *ctx, const struct event *e);
int store_each_event(struct store *s, const struct store_query *q, struct classifier *c,
                     store_event_fn fn, void *ctx, struct strbuf *err);

/* store_each_sent - the stored successful deliveries matching q (domain, since/until
 * by hour) as (domain, provider, first, last, count, tz) rows */
typedef void (*store_sent_fn)(void *ctx, const char *domain, const char *provider, int64_t first,
                              int64_t last, uint64_t count, int tz_minutes);
int store_each_sent(struct store *s, const struct store_query *q, store_sent_fn fn, void *ctx,
                    struct strbuf *err);

/* store_span - the time of the first and last stored event or delivery (0, 0: none) */
int store_span(struct store *s, int64_t *first, int64_t *last);

/* the kept deliveries (delivered.h): those ending a failure's story */
struct store_delivered_query {
    int64_t since, until;   /* 0: open */
    const char *recipient;  /* exact address (any letter case) */
    const char *domain;     /* domain or parent domain */
    const char *provider;   /* provider name, case-insensitive */
    const char *qid;        /* the MTA's queue id */
    const char *message_id; /* the Message-ID */
};
typedef void (*store_delivered_fn)(void *ctx, const struct delivered *d);
/* store_each_delivered - the kept deliveries matching q, by time; d valid during the call */
int store_each_delivered(struct store *s, const struct store_delivered_query *q,
                         store_delivered_fn fn, void *ctx, struct strbuf *err);
/* store_each_sent_sender - deliveries of q->sender (address or @domain) per hour, as
 * store_each_sent rows with an empty domain and provider (report --sender) */
int store_each_sent_sender(struct store *s, const struct store_query *q, store_sent_fn fn,
                           void *ctx, struct strbuf *err);
/* store_load_watch - tell p the recipients that failed in earlier runs (their
 * deliveries are kept); call after store_attach_pipeline. NULL store: nothing */
void store_load_watch(struct store *s, struct pipeline *p);

/* store_mark_new - set c->is_new for causes first seen in the last finished run,
 * and g->is_new for groups first seen then that hold such a cause */
void store_mark_new(struct store *s, struct aggregate *agg);

/* store_counts - events by status (sent from the sent table), for tests and summaries */
int store_counts(struct store *s, uint64_t count[4]);

/* the DNSBL cache: one row per (address, zone), valid for ttl seconds after checked */
struct store_dnsbl {
    const char *status, *codes, *txt;
    int64_t checked, ttl;
};
/* store_dnsbl_get - 1 and row (strings valid until the next store call) when a fresh
 * entry exists at time now, 0 otherwise */
int store_dnsbl_get(struct store *s, const char *address, const char *zone, int64_t now,
                    struct store_dnsbl *row);
int store_dnsbl_put(struct store *s, const char *address, const char *zone,
                    const struct store_dnsbl *row);

/* store_dnsbl_describe - the last stored blocklist answers for address, fresh or
 * not, as "zone listed 127.0.0.2 (checked 2026-11-27T03:00:00+00:00); zone
 * not_listed (...)" appended to out; 0 when there are none */
int store_dnsbl_describe(struct store *s, const char *address, struct strbuf *out);

/* store_path - the file's path (for messages) */
const char *store_path(const struct store *s);

#endif
