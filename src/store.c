/*
 * store.c - the history database in SQLite (see store.h for the contract).
 *
 * SCHEMA (PRAGMA user_version = STORE_SCHEMA_VERSION; forward migrations in
 * the migrations[] table, each one transaction)
 *   files   one row per log *stream* (not per path): the first HEAD_MAX bytes
 *           of its uncompressed content identify it, so maillog, maillog.1 and
 *           maillog.2.gz holding the same lines are the same row; offset/line
 *           say how far it has been read.
 *   events  every failure event, the columns of event.h plus template, file, line.
 *   sent    successful deliveries per hour, domain and provider (count, first, last).
 *   runs    one row per writing run; groups: the first run that saw a group key.
 *   dnsbl   blocklist answers with their TTL.
 *   queue   the correlator's state (see correlate.h) by (host, qid): a blob per
 *           queue entry alive at the last checkpoint.
 *
 * EXACTLY ONCE
 *   store_read_input opens a transaction, and every pipeline checkpoint (every
 *   PIPELINE_CHECKPOINT_LINES lines and at the end of the input) writes the
 *   file's offset and line number and commits - so the events of a batch and
 *   the offset just after their last line become durable together, or not at
 *   all. A killed run rolls back to the last checkpoint and the next run starts
 *   there.
 *
 * WHERE A FILE STARTS
 *   The head (first HEAD_MAX uncompressed bytes) is compared with the stored
 *   heads: a stored head that is a prefix of this file's head is the same
 *   stream (grown, renamed, or compressed by logrotate) -> continue at its
 *   offset, or read nothing if it is all read. No match -> a new stream from 0
 *   (a truncated file, copytruncate, a new maillog: their head differs). A
 *   plain file shorter than its stored offset was truncated and rewritten with
 *   the same first bytes -> from 0.
 *
 * LOCKING
 *   A writing run holds flock() on PATH.lock for its whole life: two scans
 *   interleaving their batches would both read the same new lines. SQLite's
 *   own busy timeout covers other readers and writers of the file.
 *
 * UNFINISHED LAST LINE
 *   A plain file's last line without a newline is still being written: its
 *   events are dropped and the offset committed is its start, so the next run
 *   reads it whole (see sink_checkpoint).
 *
 * QUEUE STATE
 *   A message deferred in one run and expired or delivered in the next must
 *   still know its sender, message-id, attempts and the reason of its last
 *   deferral. store_attach_pipeline loads every queue row into the pipeline's
 *   correlator; every checkpoint writes the entries changed since the last one
 *   (and deletes the dropped ones) in the batch's transaction - so the queue
 *   state always matches the committed offsets, also after a kill.
 *   Not exact in one case: the events of an unfinished last line are forgotten
 *   (see sink_checkpoint), but what that half line did to the queue state stays
 *   (as a delivery counted from it does).
 */
#include "store.h"
#include "syslog_header.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aggregate.h"
#include "classify.h"
#include "correlate.h"
#include "reader.h"
#include "util/hashmap.h"
#include "util/msg.h"
#include "util/xalloc.h"

/* 1 KiB of syslog is 5-10 lines with timestamps and queue ids: two different
 * streams never share it, and reading it (even through gzip) costs nothing */
#define HEAD_MAX 1024
#define DEFAULT_LOCK_SECONDS 30
#define DEFAULT_KEEP_DAYS 90

static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE files("
    "  id INTEGER PRIMARY KEY, path TEXT NOT NULL, dev INTEGER, ino INTEGER, size INTEGER,"
    "  offset INTEGER NOT NULL DEFAULT 0, line INTEGER NOT NULL DEFAULT 0, head BLOB NOT NULL,"
    "  gzip INTEGER NOT NULL DEFAULT 0, seen INTEGER);"
    "CREATE TABLE runs("
    "  id INTEGER PRIMARY KEY, started INTEGER NOT NULL, finished INTEGER, lines INTEGER,"
    "  bytes INTEGER, events INTEGER, sent INTEGER, new_groups INTEGER);"
    "CREATE TABLE events("
    "  id INTEGER PRIMARY KEY, run INTEGER, file_id INTEGER, time INTEGER NOT NULL,"
    "  tz INTEGER NOT NULL, status INTEGER NOT NULL, queue_id TEXT, sender TEXT,"
    "  recipient TEXT, domain TEXT, remote_host TEXT, remote_ip TEXT, provider TEXT, dsn TEXT,"
    "  reason TEXT, blocklist TEXT, implicated_ip TEXT, fingerprint INTEGER, template TEXT,"
    "  attempts INTEGER, stage TEXT, text_source INTEGER, text_shortened INTEGER, text TEXT,"
    "  message_id TEXT, file TEXT, line INTEGER);"
    "CREATE INDEX events_time ON events(time);"
    "CREATE INDEX events_domain ON events(domain, time);"
    "CREATE INDEX events_recipient ON events(recipient);"
    "CREATE TABLE sent("
    "  hour INTEGER NOT NULL, domain TEXT NOT NULL, provider TEXT NOT NULL, tz INTEGER,"
    "  count INTEGER NOT NULL, first INTEGER, last INTEGER, PRIMARY KEY(hour, domain, provider));"
    "CREATE VIEW daily AS"
    "  SELECT date(time + tz * 60, 'unixepoch') AS day, domain,"
    "    0 AS sent, sum(status = 1) AS deferred, sum(status = 2) AS bounced,"
    "    sum(status = 3) AS expired FROM events GROUP BY day, domain"
    "  UNION ALL SELECT date(hour, 'unixepoch'), domain, sum(count), 0, 0, 0 FROM sent"
    "    GROUP BY 1, 2;"
    "CREATE TABLE groups(key TEXT PRIMARY KEY, first_run INTEGER, first_seen INTEGER);"
    "CREATE TABLE dnsbl("
    "  address TEXT NOT NULL, zone TEXT NOT NULL, status TEXT, codes TEXT, txt TEXT,"
    "  checked INTEGER, ttl INTEGER, PRIMARY KEY(address, zone));"
    "CREATE TABLE queue(host TEXT, qid TEXT, state BLOB, updated INTEGER, PRIMARY KEY(host, qid));",
};

struct store {
    sqlite3 *db;
    char *path;
    int lock_fd;
    bool write;
    bool attached;
    bool in_txn;
    int64_t run;
    sqlite3_stmt *ins_event, *upd_file, *upsert_sent;
    sqlite3_stmt *put_queue, *del_queue;
    struct correlator *correlator; /* store_attach_pipeline; NULL: queue state not kept */
    int64_t queue_updated;         /* time of the checkpoint writing the queue rows */
    /* the file being read */
    int64_t cur_id;
    uint64_t cur_start, cur_start_line; /* where reading started */
    struct stat cur_st;
    unsigned char cur_head[HEAD_MAX];
    size_t cur_head_len;
    bool cur_gzip;
    int last_tz;
    uint64_t events, sent;
    struct hashmap *pending_sent; /* this batch's deliveries, written at the checkpoint */
    struct strbuf key;
    struct strbuf failure; /* first database error of the run */
    struct strbuf row;     /* strings returned by store_dnsbl_get */
};

/* fail - remember the first database error of the run */
static void fail(struct store *s, const char *what)
{
    if (s->failure.len)
        return;
    int code = sqlite3_extended_errcode(s->db);
    strbuf_addf(&s->failure, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
    if ((code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB)
        strbuf_adds(&s->failure, " (the database file is damaged; move it away and rescan)");
    else if ((code & 0xff) == SQLITE_BUSY)
        strbuf_adds(&s->failure, " (another program holds the database)");
}

static int exec(struct store *s, const char *sql)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        fail(s, sql);
        return -1;
    }
    return 0;
}

static sqlite3_stmt *prepare(struct store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        fail(s, "reading the database");
        return NULL;
    }
    return st;
}

/* int_query - the first column of a one-row query, -1 on error */
static int64_t int_query(struct store *s, const char *sql)
{
    sqlite3_stmt *st = prepare(s, sql);
    if (!st)
        return -1;
    int64_t v = -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        fail(s, sql);
    sqlite3_finalize(st);
    return v;
}

/* ---- path ------------------------------------------------------------- */

void store_default_path(const struct options *o, struct strbuf *out)
{
    strbuf_reset(out);
    if (o && o->db) {
        strbuf_adds(out, o->db);
        return;
    }
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    if (geteuid() == 0 && !(xdg && *xdg))
        strbuf_adds(out, "/var/lib/bouncescope/bouncescope.db");
    else if (xdg && *xdg)
        strbuf_addf(out, "%s/bouncescope/bouncescope.db", xdg);
    else
        strbuf_addf(out, "%s/.local/state/bouncescope/bouncescope.db", home && *home ? home : ".");
}

/* make_parent - mkdir -p of the directory holding path (mode 0700: mail addresses) */
static int make_parent(const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    int rc = 0;
    if (slash && slash != dir) {
        *slash = '\0';
        for (char *p = dir + 1; *p; p++) {
            if (*p != '/')
                continue;
            *p = '\0';
            if (mkdir(dir, 0700) != 0 && errno != EEXIST)
                rc = -1;
            *p = '/';
        }
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            rc = -1;
    }
    free(dir);
    return rc;
}

/* ---- open ------------------------------------------------------------- */

/* check_header - a non-empty file that is not SQLite is refused before SQLite
 * touches it (it would otherwise turn it into a database or fail later) */
static int check_header(const char *path, struct strbuf *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : (strbuf_addf(err, "%s: %s", path, strerror(errno)), -1);
    char magic[16];
    ssize_t n = read(fd, magic, sizeof magic);
    close(fd);
    if (n == 0)
        return 0;
    if (n != (ssize_t)sizeof magic || memcmp(magic, "SQLite format 3", 16) != 0) {
        strbuf_addf(err,
                    "%s is not a bouncescope database (not an SQLite file); it was left "
                    "unchanged - move it away or choose another file with --db",
                    path);
        return -1;
    }
    return 0;
}

/* take_lock - flock PATH.lock, waiting up to seconds */
static int take_lock(struct store *s, int seconds, struct strbuf *err)
{
    struct strbuf lp = STRBUF_INIT;
    strbuf_addf(&lp, "%s.lock", s->path);
    s->lock_fd = open(lp.s, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (s->lock_fd < 0) {
        strbuf_addf(err, "%s: %s", lp.s, strerror(errno));
        strbuf_free(&lp);
        return -1;
    }
    strbuf_free(&lp);
    for (int waited = 0;; waited++) {
        if (flock(s->lock_fd, LOCK_EX | LOCK_NB) == 0)
            return 0;
        if (errno != EWOULDBLOCK && errno != EINTR) {
            strbuf_addf(err, "%s: lock: %s", s->path, strerror(errno));
            return -1;
        }
        if (waited >= seconds * 10) {
            strbuf_addf(err,
                        "%s is in use by another bouncescope run (waited %d s); "
                        "nothing was read or written - try again when it has finished",
                        s->path, seconds);
            return -1;
        }
        struct timespec ts = { 0, 100 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
}

/* migrate - bring the schema to STORE_SCHEMA_VERSION */
static int migrate(struct store *s, struct strbuf *err)
{
    int64_t version = int_query(s, "PRAGMA user_version");
    int64_t tables = int_query(s, "SELECT count(*) FROM sqlite_master");
    if (version < 0 || tables < 0)
        return -1;
    if (version > STORE_SCHEMA_VERSION) {
        strbuf_addf(err,
                    "%s was written by a newer bouncescope (schema %" PRId64 ", this one "
                    "knows %d); it was left unchanged",
                    s->path, version, STORE_SCHEMA_VERSION);
        return -1;
    }
    if (version == 0 && tables > 0) {
        strbuf_addf(err, "%s is an SQLite database but not bouncescope's; it was left unchanged",
                    s->path);
        return -1;
    }
    if (version < STORE_SCHEMA_VERSION && !s->write) {
        strbuf_addf(err, "%s has no history yet (run `bouncescope scan` first)", s->path);
        return -1;
    }
    for (int64_t v = version; v < STORE_SCHEMA_VERSION; v++) {
        char sql[64];
        if (exec(s, "BEGIN IMMEDIATE") < 0)
            return -1;
        snprintf(sql, sizeof sql, "PRAGMA user_version = %" PRId64, v + 1);
        if (exec(s, migrations[v]) < 0 || exec(s, sql) < 0 || exec(s, "COMMIT") < 0) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    return 0;
}

/* quick_check - PRAGMA quick_check: -1 and err unless the file is sound */
static int quick_check(struct store *s, struct strbuf *err)
{
    sqlite3_stmt *st = prepare(s, "PRAGMA quick_check(1)");
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    const char *v = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    if (rc == SQLITE_ROW && v && !strcmp(v, "ok")) {
        sqlite3_finalize(st);
        return 0;
    }
    if (rc == SQLITE_ROW)
        strbuf_addf(err, "%s is damaged (%s); it was left unchanged - move it away and scan again",
                    s->path, v ? v : "?");
    else
        fail(s, "checking the file");
    sqlite3_finalize(st);
    return -1;
}

static int prepare_writes(struct store *s)
{
    s->ins_event = prepare(
        s, "INSERT INTO events(run, file_id, time, tz, status, queue_id, sender, recipient, domain,"
           " remote_host, remote_ip, provider, dsn, reason, blocklist, implicated_ip, fingerprint,"
           " template, attempts, stage, text_source, text_shortened, text, message_id, file, line)"
           " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,"
           "?23,?24,?25,?26)");
    s->upd_file = prepare(
        s,
        "UPDATE files SET path=?1, dev=?2, ino=?3, size=?4, offset=?5, line=?6, head=?7, gzip=?8,"
        " seen=?9 WHERE id=?10");
    s->upsert_sent = prepare(
        s,
        "INSERT INTO sent(hour, domain, provider, tz, count, first, last) "
        "VALUES(?1,?2,?3,?4,?5,?6,?7)"
        " ON CONFLICT(hour, domain, provider) DO UPDATE SET count = count + excluded.count,"
        " first = min(first, excluded.first), last = max(last, excluded.last), tz = excluded.tz");
    s->put_queue = prepare(s, "INSERT OR REPLACE INTO queue(host, qid, state, updated) "
                              "VALUES(?1, ?2, ?3, ?4)");
    s->del_queue = prepare(s, "DELETE FROM queue WHERE host = ?1 AND qid = ?2");
    return s->ins_event && s->upd_file && s->upsert_sent && s->put_queue && s->del_queue ? 0 : -1;
}

struct store *store_open_path(const char *path, bool write, int lock_seconds, struct strbuf *err)
{
    if (lock_seconds < 0) {
        const char *env = getenv("BOUNCESCOPE_LOCK_TIMEOUT");
        lock_seconds = env && *env ? atoi(env) : DEFAULT_LOCK_SECONDS;
    }
    if (check_header(path, err) < 0)
        return NULL;
    if (!write && access(path, F_OK) != 0) {
        strbuf_addf(err, "%s: no history database yet (run `bouncescope scan` first, or give --db)",
                    path);
        return NULL;
    }
    struct store *s = xcalloc(1, sizeof *s);
    s->path = xstrdup(path);
    s->lock_fd = -1;
    s->pending_sent = hashmap_new(free);
    s->write = write;
    if (write && make_parent(path) < 0) {
        strbuf_addf(err, "%s: cannot create its directory: %s", path, strerror(errno));
        goto err;
    }
    if (write && take_lock(s, lock_seconds, err) < 0)
        goto err;
    int flags = SQLITE_OPEN_READWRITE | (write ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        strbuf_addf(err, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto err;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, lock_seconds * 1000);
    /* reading the schema first: a damaged file fails here, before WAL mode writes its header */
    if (migrate(s, err) < 0)
        goto err;
    /* a writer checks every page first (seconds for a large store, once a night): a
     * damaged page found in the middle of a run would leave half a run behind */
    if (write && quick_check(s, err) < 0)
        goto err;
    /* 64 MiB of page cache: the event indexes of a night's batch stay in memory */
    if (write &&
        (exec(s, "PRAGMA journal_mode=WAL") < 0 || exec(s, "PRAGMA synchronous=NORMAL") < 0 ||
         exec(s, "PRAGMA cache_size=-65536") < 0 || prepare_writes(s) < 0))
        goto err;
    if (write) {
        sqlite3_stmt *st = prepare(s, "INSERT INTO runs(started) VALUES(?1)");
        if (!st)
            goto err;
        sqlite3_bind_int64(st, 1, (int64_t)time(NULL));
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) {
            fail(s, "recording the run");
            goto err;
        }
        s->run = sqlite3_last_insert_rowid(s->db);
    }
    return s;
err:
    if (!err->len)
        strbuf_adds(err, s->failure.len ? s->failure.s : "cannot open the database");
    else if (s->failure.len && strstr(err->s, s->path) == NULL)
        strbuf_addf(err, " (%s)", s->failure.s);
    store_close(s);
    return NULL;
}

struct store *store_open(const struct options *o, struct strbuf *err)
{
    if (o->no_db)
        return NULL;
    struct strbuf path = STRBUF_INIT;
    store_default_path(o, &path);
    struct store *s = store_open_path(path.s, true, -1, err);
    strbuf_free(&path);
    return s;
}

struct store *store_open_read(const struct options *o, struct strbuf *err)
{
    struct strbuf path = STRBUF_INIT;
    store_default_path(o, &path);
    struct store *s = store_open_path(path.s, false, -1, err);
    strbuf_free(&path);
    return s;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    if (s->in_txn)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize(s->ins_event);
    sqlite3_finalize(s->upd_file);
    sqlite3_finalize(s->upsert_sent);
    sqlite3_finalize(s->put_queue);
    sqlite3_finalize(s->del_queue);
    if (s->db)
        sqlite3_close(s->db);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    hashmap_free(s->pending_sent);
    strbuf_free(&s->key);
    strbuf_free(&s->failure);
    strbuf_free(&s->row);
    free(s->path);
    free(s);
}

const char *store_path(const struct store *s)
{
    return s ? s->path : "(none)";
}

/* ---- the sink --------------------------------------------------------- */

static void bind_slice(sqlite3_stmt *st, int i, struct slice v)
{
    sqlite3_bind_text(st, i, v.p ? v.p : "", (int)v.n, SQLITE_STATIC);
}

static void sink_event(void *ctx, const struct event *e)
{
    struct store *s = ctx;
    sqlite3_stmt *st = s->ins_event;
    if (s->failure.len)
        return;
    s->last_tz = e->tz_minutes;
    sqlite3_bind_int64(st, 1, s->run);
    if (s->cur_id)
        sqlite3_bind_int64(st, 2, s->cur_id);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_int64(st, 3, e->when);
    sqlite3_bind_int(st, 4, e->tz_minutes);
    sqlite3_bind_int(st, 5, (int)e->status);
    bind_slice(st, 6, e->qid);
    bind_slice(st, 7, e->sender);
    bind_slice(st, 8, e->recipient);
    bind_slice(st, 9, e->domain);
    bind_slice(st, 10, e->remote_host);
    bind_slice(st, 11, e->remote_ip);
    bind_slice(st, 12, e->provider);
    bind_slice(st, 13, e->dsn);
    sqlite3_bind_text(st, 14, e->reason ? e->reason->name : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 15, e->blocklist ? e->blocklist->id : "", -1, SQLITE_STATIC);
    bind_slice(st, 16, e->implicated_ip);
    sqlite3_bind_int64(st, 17, (int64_t)e->fingerprint);
    bind_slice(st, 18, e->template_text);
    sqlite3_bind_int(st, 19, (int)e->attempts);
    bind_slice(st, 20, e->stage);
    sqlite3_bind_int(st, 21, (int)e->text_source);
    sqlite3_bind_int(st, 22, e->text_shortened);
    bind_slice(st, 23, e->text);
    bind_slice(st, 24, e->message_id);
    sqlite3_bind_text(st, 25, e->file ? e->file : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 26, (int64_t)e->line);
    if (sqlite3_step(st) != SQLITE_DONE)
        fail(s, "storing an event");
    else
        s->events++;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* deliveries of one (hour, domain, provider) in the current batch */
struct sent_cell {
    int64_t hour, first, last;
    uint64_t count;
    int tz;
};

static void sink_sent(void *ctx, struct slice domain, struct slice provider, int64_t when,
                      int tz_minutes)
{
    struct store *s = ctx;
    if (s->failure.len)
        return;
    /* a night's log has ~10 deliveries per failure: one upsert each would cost more
     * than the whole scan, so a batch's deliveries are summed here and written at
     * its checkpoint, in its transaction */
    int64_t hour = when - ((when % 3600) + 3600) % 3600;
    strbuf_reset(&s->key);
    uint32_t dn = (uint32_t)domain.n;
    strbuf_add(&s->key, &hour, sizeof hour);
    strbuf_add(&s->key, &dn, sizeof dn); /* a length, not a separator: log bytes may be NUL */
    strbuf_add(&s->key, domain.p, domain.n);
    strbuf_add(&s->key, provider.p, provider.n);
    void **slot = hashmap_slot(s->pending_sent, s->key.s, s->key.len);
    struct sent_cell *c = *slot;
    if (!c) {
        c = *slot = xcalloc(1, sizeof *c);
        c->hour = hour;
        c->first = c->last = when;
    }
    c->count++;
    if (when < c->first)
        c->first = when;
    if (when > c->last)
        c->last = when;
    c->tz = tz_minutes;
    s->sent++;
}

/* flush_sent - write the batch's summed deliveries (inside the batch's transaction) */
static int flush_sent(struct store *s)
{
    sqlite3_stmt *st = s->upsert_sent;
    const char *key;
    size_t keylen;
    void *v;
    for (size_t it = 0; hashmap_next(s->pending_sent, &it, &key, &keylen, &v);) {
        struct sent_cell *c = v;
        uint32_t dn;
        memcpy(&dn, key + sizeof(int64_t), sizeof dn);
        const char *domain = key + sizeof(int64_t) + sizeof dn;
        const char *provider = domain + dn;
        size_t pn = keylen - sizeof(int64_t) - sizeof dn - dn;
        sqlite3_bind_int64(st, 1, c->hour);
        sqlite3_bind_text(st, 2, domain, (int)dn, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, provider, (int)pn, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, c->tz);
        sqlite3_bind_int64(st, 5, (int64_t)c->count);
        sqlite3_bind_int64(st, 6, c->first);
        sqlite3_bind_int64(st, 7, c->last);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
            fail(s, "storing deliveries");
            return -1;
        }
    }
    hashmap_free(s->pending_sent);
    s->pending_sent = hashmap_new(free);
    return 0;
}

/* bind_queue_key - host and qid of a correlator key "host\0qid" as ?1 and ?2. The
 * split is at the first NUL; host\0qid rebuilds the same bytes whatever they hold. */
static void bind_queue_key(sqlite3_stmt *st, const char *key, size_t keylen)
{
    const char *nul = memchr(key, '\0', keylen);
    size_t hn = nul ? (size_t)(nul - key) : keylen;
    sqlite3_bind_blob(st, 1, key, (int)hn, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, nul ? nul + 1 : "", (int)(nul ? keylen - hn - 1 : 0), SQLITE_STATIC);
}

/* save_queue_entry - correlate_save callback: write or delete one queue row */
static void save_queue_entry(void *ctx, const char *key, size_t keylen, const void *blob, size_t n)
{
    struct store *s = ctx;
    if (s->failure.len)
        return;
    sqlite3_stmt *st = blob ? s->put_queue : s->del_queue;
    bind_queue_key(st, key, keylen);
    if (blob) {
        sqlite3_bind_blob(st, 3, blob, (int)n, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, s->queue_updated);
    }
    if (sqlite3_step(st) != SQLITE_DONE)
        fail(s, "storing the queue state");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

void store_attach_pipeline(struct store *s, struct pipeline *p)
{
    if (!s || !s->attached || !p || !s->put_queue)
        return;
    s->correlator = pipeline_correlator(p);
    struct classifier *cl = pipeline_classifier(p);
    sqlite3_stmt *st = prepare(s, "SELECT rowid, host, qid, state FROM queue");
    if (!st)
        return;
    struct strbuf key = STRBUF_INIT;
    int64_t *bad = NULL;
    size_t n_bad = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        strbuf_reset(&key);
        const void *host = sqlite3_column_blob(st, 1);
        strbuf_add(&key, host ? host : "", (size_t)sqlite3_column_bytes(st, 1));
        strbuf_addc(&key, '\0');
        const void *qid = sqlite3_column_blob(st, 2);
        strbuf_add(&key, qid ? qid : "", (size_t)sqlite3_column_bytes(st, 2));
        const void *blob = sqlite3_column_blob(st, 3);
        size_t n = (size_t)sqlite3_column_bytes(st, 3);
        if (correlate_load(s->correlator, cl, key.s, key.len, blob ? blob : "", n) < 0) {
            bad = xrealloc(bad, (n_bad + 1) * sizeof *bad);
            bad[n_bad++] = sqlite3_column_int64(st, 0);
        }
    }
    sqlite3_finalize(st);
    strbuf_free(&key);
    if (rc != SQLITE_DONE)
        fail(s, "reading the queue state");
    /* a row no correlator can read (damage, or a blob of another version) would be
     * skipped by every run: say so once and remove it */
    if (n_bad && !s->failure.len) {
        msg_warn("%s: %zu stored queue entr%s unreadable, dropped (later lines of those "
                 "messages lack their sender and attempts)",
                 s->path, n_bad, n_bad == 1 ? "y was" : "ies were");
        st = prepare(s, "DELETE FROM queue WHERE rowid = ?1");
        for (size_t i = 0; st && i < n_bad; i++) {
            sqlite3_bind_int64(st, 1, bad[i]);
            if (sqlite3_step(st) != SQLITE_DONE) {
                fail(s, "removing unreadable queue state");
                break;
            }
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
    }
    free(bad);
}

/* unfinished_line - when the plain file's byte before offset is not a newline, the
 * last line read was still being written: the offset where that line starts
 * (returned through start), 1; 0 when the line was complete or cannot be told */
static int unfinished_line(const char *path, uint64_t offset, uint64_t *start)
{
    if (offset == 0)
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char last;
    int found = 0;
    if (pread(fd, &last, 1, (off_t)(offset - 1)) == 1 && last != '\n') {
        /* look back for the newline before it; a line longer than the reader's
         * bound was cut on purpose and stays as it is */
        size_t want = offset < 65536 + 2 ? (size_t)offset : 65536 + 2;
        char *buf = xmalloc(want);
        if (pread(fd, buf, want, (off_t)(offset - want)) == (ssize_t)want) {
            char *nl = memrchr(buf, '\n', want);
            if (nl) {
                *start = offset - want + (uint64_t)(nl - buf) + 1;
                found = 1;
            } else if (want == offset) {
                *start = 0; /* the file's only line */
                found = 1;
            }
        }
        free(buf);
    }
    close(fd);
    return found;
}

/* sink_checkpoint - the batch and the offset after its last line, in one commit */
static void sink_checkpoint(void *ctx, const char *file, uint64_t offset, uint64_t line)
{
    struct store *s = ctx;
    if (s->failure.len || !s->in_txn)
        return;
    if (flush_sent(s) < 0)
        return;
    if (s->correlator) {
        s->queue_updated = (int64_t)time(NULL);
        correlate_save(s->correlator, save_queue_entry, s);
        if (s->failure.len)
            return;
    }
    uint64_t start;
    if (s->cur_id && !s->cur_gzip && line > 0 && unfinished_line(file, offset, &start)) {
        /* syslog was writing this line as we read it: "Oct 19 16:36:25 mx postfix/smtp[1]:
         * 3F2A: to=<a@b>, relay=mx.b[1.2.3.4]:25, dsn=5.7.1, status=bounced (host mx.b[1.2"
         * - forget what it gave and read it again, whole, next time. (A delivery counted
         * from half a line stays counted: a cut line rarely still parses as one.) */
        sqlite3_stmt *st =
            prepare(s, "DELETE FROM events WHERE run = ?1 AND file_id = ?2 AND line = ?3");
        if (!st)
            return;
        sqlite3_bind_int64(st, 1, s->run);
        sqlite3_bind_int64(st, 2, s->cur_id);
        sqlite3_bind_int64(st, 3, (int64_t)line);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) {
            fail(s, "forgetting an unfinished line");
            return;
        }
        offset = start;
        line--;
    }
    if (s->cur_id && offset < s->cur_start) {
        /* a .gz holding less than was read from the stream (an older copy): the
         * stream's position never moves back, or its lines would be read twice */
        offset = s->cur_start;
        line = s->cur_start_line;
    }
    if (s->cur_id) {
        sqlite3_stmt *st = s->upd_file;
        sqlite3_bind_text(st, 1, file, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (int64_t)s->cur_st.st_dev);
        sqlite3_bind_int64(st, 3, (int64_t)s->cur_st.st_ino);
        sqlite3_bind_int64(st, 4, (int64_t)s->cur_st.st_size);
        sqlite3_bind_int64(st, 5, (int64_t)offset);
        sqlite3_bind_int64(st, 6, (int64_t)line);
        sqlite3_bind_blob(st, 7, s->cur_head, (int)s->cur_head_len, SQLITE_STATIC);
        sqlite3_bind_int(st, 8, s->cur_gzip);
        sqlite3_bind_int64(st, 9, (int64_t)time(NULL));
        sqlite3_bind_int64(st, 10, s->cur_id);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
            fail(s, "storing the read position");
            return;
        }
    }
    if (exec(s, "COMMIT") < 0)
        return;
    s->in_txn = false;
    if (exec(s, "BEGIN IMMEDIATE") == 0)
        s->in_txn = true;
}

bool store_attach(struct store *s, struct pipeline_config *cfg, struct strbuf *err)
{
    if (!s)
        return false;
    const struct pipeline_filter *f = &cfg->filter;
    if (f->domain || f->sender || f->statuses || f->since || f->until) {
        strbuf_adds(err, "a filtered scan (--domain, --sender, --status, --since, --until) "
                         "sees only part of the log: this run is not recorded in the history");
        return false;
    }
    cfg->sink.ctx = s;
    cfg->sink.event = sink_event;
    cfg->sink.sent = sink_sent;
    cfg->sink.checkpoint = sink_checkpoint;
    s->attached = true;
    return true;
}

/* ---- where a file starts ---------------------------------------------- */

/* read_head - the first HEAD_MAX uncompressed bytes of path; -1 if unreadable */
static int read_head(struct store *s, const char *path)
{
    if (stat(path, &s->cur_st) != 0)
        return -1;
    /* decoded whatever the compression (gzip, xz, bzip2, zstd): a rotated and
     * compressed log must be recognised as the stream it was when plain */
    ssize_t n = reader_read_head(path, (char *)s->cur_head, HEAD_MAX, &s->cur_gzip);
    if (n < 0)
        return -1;
    s->cur_head_len = (size_t)n;
    return 0;
}

/* find_stream - the stored stream whose head starts this file (longest match) */
static int find_stream(struct store *s, int64_t *id, uint64_t *offset, uint64_t *line)
{
    sqlite3_stmt *st = prepare(s, "SELECT id, offset, line, head FROM files");
    if (!st)
        return -1;
    size_t best = 0;
    *id = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const void *head = sqlite3_column_blob(st, 3);
        size_t n = (size_t)sqlite3_column_bytes(st, 3);
        if (n == 0 || n > s->cur_head_len || n <= best || memcmp(head, s->cur_head, n) != 0)
            continue;
        best = n;
        *id = sqlite3_column_int64(st, 0);
        *offset = (uint64_t)sqlite3_column_int64(st, 1);
        *line = (uint64_t)sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        fail(s, "reading the file table");
        return -1;
    }
    return 0;
}

static int64_t new_stream(struct store *s, const char *path)
{
    sqlite3_stmt *st = prepare(s, "INSERT INTO files(path, head, gzip) VALUES(?1, ?2, ?3)");
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, s->cur_head, (int)s->cur_head_len, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, s->cur_gzip);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        fail(s, "adding a file");
        return -1;
    }
    return sqlite3_last_insert_rowid(s->db);
}

static int failed(struct store *s, struct strbuf *err)
{
    hashmap_free(s->pending_sent); /* the batch is rolled back with its deliveries */
    s->pending_sent = hashmap_new(free);
    if (s->in_txn) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        s->in_txn = false;
    }
    if (s->failure.len) {
        strbuf_reset(err);
        strbuf_add(err, s->failure.s, s->failure.len);
    }
    return -1;
}

int store_read_input(struct store *s, struct pipeline *p, const char *path, struct strbuf *err)
{
    if (!s || !s->attached)
        return pipeline_read(p, path, err);
    if (s->failure.len)
        return failed(s, err);
    uint64_t offset = 0, line = 0;
    s->cur_id = 0;
    if (exec(s, "BEGIN IMMEDIATE") < 0)
        return failed(s, err);
    s->in_txn = true;
    if (strcmp(path, "-") != 0 && read_head(s, path) == 0 && s->cur_head_len > 0) {
        int64_t id;
        if (find_stream(s, &id, &offset, &line) < 0)
            return failed(s, err);
        if (id && !s->cur_gzip && (uint64_t)s->cur_st.st_size < offset) {
            /* same first bytes, but shorter than what was read: an older copy of a
             * log read further elsewhere (a backup, a copy taken before the last
             * run). Everything in it was read: skip it. (A log truncated and
             * rewritten starts with other bytes - a new timestamp - and is new.) */
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            s->in_txn = false;
            return 0;
        }
        s->cur_id = id ? id : new_stream(s, path);
        s->cur_start = offset;
        s->cur_start_line = line;
        if (s->cur_id < 0)
            return failed(s, err);
    }
    int rc = pipeline_read_from(p, path, offset, line, err);
    if (rc < 0) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        s->in_txn = false;
        s->cur_id = 0;
        return -1;
    }
    s->cur_id = 0;
    if (s->failure.len)
        return failed(s, err);
    if (s->in_txn) {
        if (exec(s, "COMMIT") < 0)
            return failed(s, err);
        s->in_txn = false;
    }
    return 0;
}

bool store_failed(const struct store *s)
{
    return s && s->failure.len;
}

/* ---- the end of a run ------------------------------------------------- */

long store_finish_run(struct store *s, struct aggregate *agg, long keep_days, struct strbuf *err)
{
    if (!s)
        return 0;
    if (s->failure.len || exec(s, "BEGIN IMMEDIATE") < 0)
        return failed(s, err);
    s->in_txn = true;
    long fresh = 0;
    size_t n = 0;
    struct group **gs = agg ? aggregate_groups(agg, &n) : NULL;
    sqlite3_stmt *ins = prepare(s, "INSERT OR IGNORE INTO groups(key, first_run, first_seen) "
                                   "VALUES(?1, ?2, ?3)");
    sqlite3_stmt *get = prepare(s, "SELECT first_run FROM groups WHERE key = ?1");
    for (size_t i = 0; ins && get && i < n; i++) {
        sqlite3_bind_text(ins, 1, gs[i]->key, (int)gs[i]->keylen, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 2, s->run);
        sqlite3_bind_int64(ins, 3, gs[i]->first);
        if (sqlite3_step(ins) != SQLITE_DONE)
            fail(s, "recording groups");
        sqlite3_reset(ins);
        sqlite3_bind_text(get, 1, gs[i]->key, (int)gs[i]->keylen, SQLITE_STATIC);
        if (sqlite3_step(get) == SQLITE_ROW && sqlite3_column_int64(get, 0) == s->run) {
            gs[i]->is_new = true;
            fresh++;
        }
        sqlite3_reset(get);
    }
    free(gs);
    sqlite3_finalize(ins);
    sqlite3_finalize(get);
    /* retention counts back from the newest stored event, not from the clock: a
     * replayed old log is not pruned away the moment it is read */
    sqlite3_stmt *st =
        prepare(s, "DELETE FROM events WHERE time < (SELECT max(time) FROM events) - ?1");
    if (st) {
        sqlite3_bind_int64(st, 1, (int64_t)(keep_days > 0 ? keep_days : DEFAULT_KEEP_DAYS) * 86400);
        if (sqlite3_step(st) != SQLITE_DONE)
            fail(s, "pruning old events");
        sqlite3_finalize(st);
    }
    st = prepare(s, "UPDATE runs SET finished=?1, events=?2, sent=?3, new_groups=?4 WHERE id=?5");
    if (st) {
        sqlite3_bind_int64(st, 1, (int64_t)time(NULL));
        sqlite3_bind_int64(st, 2, (int64_t)s->events);
        sqlite3_bind_int64(st, 3, (int64_t)s->sent);
        sqlite3_bind_int64(st, 4, fresh);
        sqlite3_bind_int64(st, 5, s->run);
        if (sqlite3_step(st) != SQLITE_DONE)
            fail(s, "recording the run");
        sqlite3_finalize(st);
    }
    if (s->failure.len || exec(s, "COMMIT") < 0)
        return failed(s, err);
    s->in_txn = false;
    return fresh;
}

int store_vacuum(struct store *s, struct strbuf *err)
{
    if (!s)
        return 0;
    if (exec(s, "VACUUM") < 0)
        return failed(s, err);
    return 0;
}

void store_mark_new(struct store *s, struct aggregate *agg)
{
    if (!s || !agg)
        return;
    sqlite3_stmt *st = prepare(s, "SELECT 1 FROM groups WHERE key = ?1 AND first_run = "
                                  "(SELECT max(id) FROM runs WHERE finished IS NOT NULL)");
    if (!st)
        return;
    size_t n = 0;
    struct group **gs = aggregate_groups(agg, &n);
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_text(st, 1, gs[i]->key, (int)gs[i]->keylen, SQLITE_STATIC);
        gs[i]->is_new = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_reset(st);
    }
    free(gs);
    sqlite3_finalize(st);
}

/* ---- reading back ----------------------------------------------------- */

/* where_clause - the fixed SQL text for q; values are bound by bind_query */
static void where_clause(const struct store_query *q, struct strbuf *sql, const char *time_col,
                         bool has_recipient)
{
    strbuf_adds(sql, " WHERE 1");
    if (q->since)
        strbuf_addf(sql, " AND %s >= ?1", time_col);
    if (q->until)
        strbuf_addf(sql, " AND %s < ?2", time_col);
    const char *dom = "(domain = ?3 OR (length(domain) > length(?3) AND "
                      "substr(domain, -length(?3) - 1) = '.' || ?3))";
    if (q->any_of && q->domain) {
        strbuf_addf(sql, " AND (%s OR %s OR lower(provider) = lower(?3))", dom,
                    has_recipient ? "recipient = ?3" : "0");
    } else {
        if (q->domain)
            strbuf_addf(sql, " AND %s", dom);
        if (q->recipient)
            strbuf_adds(sql, " AND recipient = ?4");
        if (q->provider)
            strbuf_adds(sql, " AND lower(provider) = lower(?5)");
    }
}

static void bind_query(sqlite3_stmt *st, const struct store_query *q)
{
    if (q->since)
        sqlite3_bind_int64(st, 1, q->since);
    if (q->until)
        sqlite3_bind_int64(st, 2, q->until);
    if (q->domain)
        sqlite3_bind_text(st, 3, q->domain, -1, SQLITE_STATIC);
    if (q->recipient && !q->any_of)
        sqlite3_bind_text(st, 4, q->recipient, -1, SQLITE_STATIC);
    if (q->provider && !q->any_of)
        sqlite3_bind_text(st, 5, q->provider, -1, SQLITE_STATIC);
    if (q->sender)
        sqlite3_bind_text(st, 6, q->sender, -1, SQLITE_STATIC);
    if (q->statuses)
        sqlite3_bind_int64(st, 7, q->statuses);
}

static struct slice col_slice(sqlite3_stmt *st, int i)
{
    const char *p = (const char *)sqlite3_column_text(st, i);
    return slice_make(p ? p : "", p ? (size_t)sqlite3_column_bytes(st, i) : 0);
}

/* intern - a file name that lives as long as the process (events borrow it, like
 * reader_name's strings) */
static const char *intern(const char *name)
{
    static char **names;
    static size_t n;
    for (size_t i = n; i-- > 0;)
        if (!strcmp(names[i], name))
            return names[i];
    names = xrealloc(names, (n + 1) * sizeof *names);
    names[n] = xstrdup(name);
    return names[n++];
}

int store_each_event(struct store *s, const struct store_query *q, struct classifier *c,
                     store_event_fn fn, void *ctx, struct strbuf *err)
{
    struct strbuf sql = STRBUF_INIT;
    strbuf_adds(&sql, "SELECT time, tz, status, queue_id, sender, recipient, domain, remote_host,"
                      " remote_ip, provider, dsn, reason, blocklist, implicated_ip, fingerprint,"
                      " template, attempts, stage, text_source, text_shortened, text, message_id,"
                      " file, line FROM events");
    where_clause(q, &sql, "time", true);
    if (q->statuses)
        strbuf_adds(&sql, " AND ((1 << status) & ?7) != 0");
    if (q->sender)
        strbuf_adds(&sql, " AND (sender = ?6 OR (substr(?6, 1, 1) = '@' AND "
                          "substr(sender, -length(?6)) = ?6))");
    strbuf_adds(&sql, " ORDER BY id");
    sqlite3_stmt *st = prepare(s, sql.s);
    strbuf_free(&sql);
    if (!st)
        return failed(s, err);
    bind_query(st, q);
    const struct reason *fallback =
        classifier_reason_count(c) ? classifier_reason_at(c, classifier_reason_count(c) - 1) : NULL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct event e;
        memset(&e, 0, sizeof e);
        e.when = sqlite3_column_int64(st, 0);
        e.tz_minutes = sqlite3_column_int(st, 1);
        e.status = (enum delivery_status)sqlite3_column_int(st, 2);
        e.qid = col_slice(st, 3);
        e.sender = col_slice(st, 4);
        e.recipient = col_slice(st, 5);
        e.domain = col_slice(st, 6);
        e.remote_host = col_slice(st, 7);
        e.remote_ip = col_slice(st, 8);
        e.provider = col_slice(st, 9);
        e.dsn = col_slice(st, 10);
        const char *reason = (const char *)sqlite3_column_text(st, 11);
        e.reason = reason && *reason ? classifier_reason(c, reason) : NULL;
        if (!e.reason)
            e.reason = fallback;
        const char *bl = (const char *)sqlite3_column_text(st, 12);
        e.blocklist = bl && *bl ? classifier_blocklist(c, bl) : NULL;
        e.implicated_ip = col_slice(st, 13);
        e.fingerprint = (uint64_t)sqlite3_column_int64(st, 14);
        e.template_text = col_slice(st, 15);
        e.attempts = (unsigned)sqlite3_column_int(st, 16);
        e.stage = col_slice(st, 17);
        e.text_source = (enum text_source)sqlite3_column_int(st, 18);
        e.text_shortened = sqlite3_column_int(st, 19);
        e.text = col_slice(st, 20);
        e.message_id = col_slice(st, 21);
        const char *file = (const char *)sqlite3_column_text(st, 22);
        e.file = intern(file ? file : "");
        e.line = (uint64_t)sqlite3_column_int64(st, 23);
        fn(ctx, &e);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        fail(s, "reading events");
        return failed(s, err);
    }
    return 0;
}

int store_each_sent(struct store *s, const struct store_query *q, store_sent_fn fn, void *ctx,
                    struct strbuf *err)
{
    struct strbuf sql = STRBUF_INIT;
    strbuf_adds(&sql, "SELECT domain, provider, first, last, count, tz FROM sent");
    struct store_query sq = *q;
    sq.recipient = NULL; /* deliveries are counted per domain only */
    sq.sender = NULL;
    where_clause(&sq, &sql, "hour", false);
    strbuf_adds(&sql, " ORDER BY hour, domain, provider");
    sqlite3_stmt *st = prepare(s, sql.s);
    strbuf_free(&sql);
    if (!st)
        return failed(s, err);
    bind_query(st, &sq);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
           (uint64_t)sqlite3_column_int64(st, 4), sqlite3_column_int(st, 5));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        fail(s, "reading deliveries");
        return failed(s, err);
    }
    return 0;
}

int store_counts(struct store *s, uint64_t count[4])
{
    memset(count, 0, 4 * sizeof *count);
    sqlite3_stmt *st = prepare(s, "SELECT status, count(*) FROM events GROUP BY status");
    if (!st)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int k = sqlite3_column_int(st, 0);
        if (k >= 0 && k < 4)
            count[k] = (uint64_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    int64_t sent = int_query(s, "SELECT coalesce(sum(count), 0) FROM sent");
    if (sent < 0)
        return -1;
    count[DELIVERY_SENT] = (uint64_t)sent;
    return 0;
}

/* ---- DNSBL cache ------------------------------------------------------ */

int store_dnsbl_get(struct store *s, const char *address, const char *zone, int64_t now,
                    struct store_dnsbl *row)
{
    if (!s)
        return 0;
    sqlite3_stmt *st = prepare(s, "SELECT status, codes, txt, checked, ttl FROM dnsbl "
                                  "WHERE address = ?1 AND zone = ?2 AND checked + ttl > ?3");
    if (!st)
        return 0;
    sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, zone, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    int found = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        /* three strings in one buffer, NUL-separated */
        strbuf_reset(&s->row);
        size_t at[3];
        for (int i = 0; i < 3; i++) {
            const char *v = (const char *)sqlite3_column_text(st, i);
            at[i] = s->row.len;
            strbuf_adds(&s->row, v ? v : "");
            strbuf_addc(&s->row, '\0');
        }
        row->status = s->row.s + at[0];
        row->codes = s->row.s + at[1];
        row->txt = s->row.s + at[2];
        row->checked = sqlite3_column_int64(st, 3);
        row->ttl = sqlite3_column_int64(st, 4);
        found = 1;
    }
    sqlite3_finalize(st);
    return found;
}

int store_dnsbl_describe(struct store *s, const char *address, struct strbuf *out)
{
    if (!s)
        return 0;
    sqlite3_stmt *st = prepare(s, "SELECT zone, status, codes, checked FROM dnsbl "
                                  "WHERE address = ?1 ORDER BY zone");
    if (!st)
        return 0;
    sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *zone = (const char *)sqlite3_column_text(st, 0);
        const char *status = (const char *)sqlite3_column_text(st, 1);
        const char *codes = (const char *)sqlite3_column_text(st, 2);
        char when[40];
        format_iso_time(sqlite3_column_int64(st, 3), 0, when, sizeof when);
        strbuf_addf(out, "%s%s %s%s%s (checked %s)", n ? "; " : "", zone ? zone : "",
                    status ? status : "", codes && *codes ? " " : "", codes ? codes : "", when);
        n++;
    }
    sqlite3_finalize(st);
    return n;
}

int store_dnsbl_put(struct store *s, const char *address, const char *zone,
                    const struct store_dnsbl *row)
{
    if (!s)
        return 0;
    sqlite3_stmt *st = prepare(s, "INSERT OR REPLACE INTO dnsbl(address, zone, status, codes, txt,"
                                  " checked, ttl) VALUES(?1,?2,?3,?4,?5,?6,?7)");
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, zone, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, row->status ? row->status : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, row->codes ? row->codes : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, row->txt ? row->txt : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, row->checked);
    sqlite3_bind_int64(st, 7, row->ttl);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    if (rc < 0)
        fail(s, "storing a blocklist answer");
    sqlite3_finalize(st);
    return rc;
}
