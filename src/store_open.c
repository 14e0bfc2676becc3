/*
 * store_open.c - the history database's file: where it is, opening it, the run
 * lock, the schema and its migrations, closing; and the SQL helpers the other
 * store files share (store_impl.h). See store.h for the contract.
 *
 * SCHEMA (PRAGMA user_version = STORE_SCHEMA_VERSION; forward migrations in
 * the migrations[] table, each one transaction)
 *   files   one row per log *stream* (not per path): the first STORE_HEAD_MAX
 *           bytes of its uncompressed content identify it, so maillog,
 *           maillog.1 and maillog.2.gz holding the same lines are the same
 *           row; offset/line say how far it has been read.
 *   events  every failure event: id, run, file_id, then the stored columns of
 *           event.h's table. A column added to that table is added to an
 *           existing database when a scan opens it (ALTER TABLE ... ADD
 *           COLUMN; older rows read as empty / 0), and `report` reads the
 *           columns a database has.
 *   sent    successful deliveries per hour, domain and provider (count, first, last).
 *   runs    one row per writing run; groups: the first run that saw a group key;
 *           causes: the first run that saw a cause key (cause.h; new means a new cause).
 *   delivered  successful deliveries worth proving (store_delivered.c): to a
 *           recipient that had a failure, or of a message that had one, with
 *           the reply and the receiver's queue id; watch: the recipients that
 *           had a failure (so a later run knows to keep their deliveries).
 *   sent_sender  successful deliveries per hour and sender (report --sender).
 *   dnsbl   blocklist answers with their TTL.
 *   queue   the correlator's state (see correlate.h) by (host, qid): a blob per
 *           queue entry alive at the last checkpoint.
 *   line_keys  (version 2) the keys of the lines read, a blob per hour and batch
 *           (store_keys.c): a line read again by another path is skipped.
 *   journals   (version 2) per journal read: its cursor, time and line (store_journal.c).
 *
 * LOCKING
 *   A writing run holds flock() on PATH.lock for its whole life: two scans
 *   interleaving their batches would both read the same new lines. SQLite's
 *   own busy timeout covers other readers and writers of the file.
 *
 * Errors: a damaged, foreign, locked or newer database is refused before
 * anything is written to it (check_header, migrate, quick_check), with a
 * message that says so.
 *
 * Not here: the scan's writes (store_sink.c), the queries (store_query.c), the
 * DNSBL cache (store_dnsbl.c).
 */
#include "store_impl.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "util/xalloc.h"

/* the tables of reports (causes, deliveries, senders): IF NOT EXISTS, so that
 * they can be made sure of at every writing open (migrate) */
#define STORE_REPORT_TABLES                                                                     \
    "CREATE TABLE IF NOT EXISTS causes(key TEXT PRIMARY KEY, first_run INTEGER,"                \
    "  first_seen INTEGER, last_seen INTEGER);"                                                 \
    "CREATE TABLE IF NOT EXISTS delivered(id INTEGER PRIMARY KEY, run INTEGER,"                 \
    "  time INTEGER NOT NULL, tz INTEGER NOT NULL DEFAULT 0, queue_id TEXT, sender TEXT,"       \
    "  recipient TEXT, domain TEXT, remote_host TEXT, remote_ip TEXT, provider TEXT, dsn TEXT," \
    "  reply TEXT, queued_as TEXT, message_id TEXT, attempts INTEGER, file TEXT, line INTEGER," \
    "  UNIQUE(time, queue_id, recipient));"                                                     \
    "CREATE INDEX IF NOT EXISTS delivered_recipient ON delivered(recipient);"                   \
    "CREATE TABLE IF NOT EXISTS watch(recipient TEXT PRIMARY KEY, last INTEGER);"               \
    "CREATE TABLE IF NOT EXISTS sent_sender(hour INTEGER NOT NULL, sender TEXT NOT NULL,"       \
    "  tz INTEGER, count INTEGER NOT NULL, first INTEGER, last INTEGER,"                        \
    "  PRIMARY KEY(hour, sender));"

/* where a migration creates the events table from event.h's columns */
#define CREATE_EVENTS "@events;"

/* migrations[v]: the schema from version v to v + 1 */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE files("
    "  id INTEGER PRIMARY KEY, path TEXT NOT NULL, dev INTEGER, ino INTEGER, size INTEGER,"
    "  offset INTEGER NOT NULL DEFAULT 0, line INTEGER NOT NULL DEFAULT 0, head BLOB NOT NULL,"
    "  gzip INTEGER NOT NULL DEFAULT 0, seen INTEGER);"
    "CREATE TABLE runs("
    "  id INTEGER PRIMARY KEY, started INTEGER NOT NULL, finished INTEGER, lines INTEGER,"
    "  bytes INTEGER, events INTEGER, sent INTEGER, new_groups INTEGER);" CREATE_EVENTS
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
    /* 1 -> 2: line keys (a line stored once whatever path it came by) and the
     * journals' cursors */
    STORE_KEYS_SCHEMA,
    /* 2 -> 3: causes, delivered, watch, sent_sender (STORE_REPORT_TABLES, also run at
     * every writing open: a database whose version came from another branch of
     * the numbering still gets them) */
    STORE_REPORT_TABLES,
};
_Static_assert(sizeof migrations / sizeof *migrations == STORE_SCHEMA_VERSION,
               "one migration per schema version");

/* ---- helpers (store_impl.h) -------------------------------------------- */

void store_fail(struct store *s, const char *what)
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

int store_failed_rc(struct store *s, struct strbuf *err)
{
    hashmap_free(s->pending_sent); /* the batch is rolled back with its deliveries */
    s->pending_sent = hashmap_new(free);
    store_delivered_rollback(s);
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

int store_exec(struct store *s, const char *sql)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        store_fail(s, sql);
        return -1;
    }
    return 0;
}

sqlite3_stmt *store_prepare(struct store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        store_fail(s, "reading the database");
        return NULL;
    }
    return st;
}

int store_param(sqlite3_stmt *st, const char *name)
{
    int i = sqlite3_bind_parameter_index(st, name);
    assert(i > 0 && "a parameter the statement does not have");
    return i;
}

int store_col(sqlite3_stmt *st, const char *name)
{
    int n = sqlite3_column_count(st);
    for (int i = 0; i < n; i++)
        if (!strcmp(sqlite3_column_name(st, i), name))
            return i;
    assert(!"a result column the statement does not have");
    return -1;
}

void store_bind_int(sqlite3_stmt *st, const char *name, int64_t v)
{
    sqlite3_bind_int64(st, store_param(st, name), v);
}

void store_bind_text(sqlite3_stmt *st, const char *name, const char *p, size_t n)
{
    sqlite3_bind_text(st, store_param(st, name), p ? p : "", (int)n, SQLITE_STATIC);
}

void store_bind_blob(sqlite3_stmt *st, const char *name, const void *p, size_t n)
{
    sqlite3_bind_blob(st, store_param(st, name), p ? p : "", (int)n, SQLITE_STATIC);
}

struct slice store_column_slice(sqlite3_stmt *st, int col)
{
    const char *p = (const char *)sqlite3_column_text(st, col);
    return slice_make(p ? p : "", p ? (size_t)sqlite3_column_bytes(st, col) : 0);
}

int64_t store_int_query(struct store *s, const char *sql, const char *column)
{
    sqlite3_stmt *st = store_prepare(s, sql);
    if (!st)
        return -1;
    int64_t v = -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        v = sqlite3_column_int64(st, store_col(st, column));
    else if (rc != SQLITE_DONE)
        store_fail(s, sql);
    sqlite3_finalize(st);
    return v;
}

/* ---- path ------------------------------------------------------------- */

void store_default_path(struct strbuf *out)
{
    strbuf_reset(out);
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

/* column_decl - the SQL declaration of a stored event column */
static void column_decl(const struct event_column *c, struct strbuf *sql)
{
    /* time, zone and status make an event: never NULL (DEFAULT: ALTER TABLE needs one) */
    bool required =
        c->kind == EVENT_KIND_TIME || c->kind == EVENT_KIND_TZ || c->kind == EVENT_KIND_STATUS;
    strbuf_addf(sql, "%s %s%s", c->sql, event_column_is_text(c) ? "TEXT" : "INTEGER",
                required ? " NOT NULL DEFAULT 0" : "");
}

/* create_events - the events table with every stored column of event.h */
static int create_events(struct store *s)
{
    const struct event_column *cols = event_columns();
    struct strbuf sql = STRBUF_INIT;
    strbuf_adds(&sql, "CREATE TABLE events(id INTEGER PRIMARY KEY, run INTEGER, file_id INTEGER");
    for (size_t i = 0; i < EVENT_N_COLUMNS; i++) {
        if (!event_column_stored(&cols[i]))
            continue;
        strbuf_adds(&sql, ", ");
        column_decl(&cols[i], &sql);
    }
    strbuf_adds(&sql, ")");
    int rc = store_exec(s, sql.s);
    strbuf_free(&sql);
    return rc;
}

/* run_migration - the SQL of one migration, CREATE_EVENTS replaced by create_events */
static int run_migration(struct store *s, const char *sql)
{
    const char *at = strstr(sql, CREATE_EVENTS);
    if (!at)
        return store_exec(s, sql);
    char *head = xmemdup(sql, (size_t)(at - sql));
    int rc = store_exec(s, head) < 0 || create_events(s) < 0 ||
                     store_exec(s, at + strlen(CREATE_EVENTS)) < 0
                 ? -1
                 : 0;
    free(head);
    return rc;
}

/* find_columns - which stored event columns the events table has (s->has_column) */
static int find_columns(struct store *s)
{
    const struct event_column *cols = event_columns();
    memset(s->has_column, 0, sizeof s->has_column);
    sqlite3_stmt *st = store_prepare(s, "SELECT name FROM pragma_table_info('events')");
    if (!st)
        return -1;
    int name_col = store_col(st, "name");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, name_col);
        for (size_t i = 0; name && i < EVENT_N_COLUMNS; i++)
            if (event_column_stored(&cols[i]) && !strcmp(cols[i].sql, name))
                s->has_column[i] = true;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_fail(s, "reading the events table");
        return -1;
    }
    return 0;
}

/* add_columns - a writer adds the event columns the table lacks (a column added
 * to event.h since the database was made) */
static int add_columns(struct store *s)
{
    const struct event_column *cols = event_columns();
    struct strbuf sql = STRBUF_INIT;
    for (size_t i = 0; i < EVENT_N_COLUMNS; i++) {
        if (!event_column_stored(&cols[i]) || s->has_column[i])
            continue;
        strbuf_reset(&sql);
        strbuf_adds(&sql, "ALTER TABLE events ADD COLUMN ");
        column_decl(&cols[i], &sql);
        if (store_exec(s, sql.s) < 0)
            break;
        s->has_column[i] = true;
    }
    strbuf_free(&sql);
    return s->failure.len ? -1 : 0;
}

/* migrate - bring the schema to STORE_SCHEMA_VERSION and the events table to
 * event.h's columns (a reader only learns which columns there are) */
static int migrate(struct store *s, struct strbuf *err)
{
    int64_t version = store_int_query(s, "PRAGMA user_version", "user_version");
    int64_t tables = store_int_query(s, "SELECT count(*) AS n FROM sqlite_master", "n");
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
        if (store_exec(s, "BEGIN IMMEDIATE") < 0)
            return -1;
        snprintf(sql, sizeof sql, "PRAGMA user_version = %" PRId64, v + 1);
        if (run_migration(s, migrations[v]) < 0 || store_exec(s, sql) < 0 ||
            store_exec(s, "COMMIT") < 0) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    if (find_columns(s) < 0)
        return -1;
    if (s->write) {
        if (store_exec(s, "BEGIN IMMEDIATE") < 0)
            return -1;
        if (add_columns(s) < 0 || store_exec(s, STORE_REPORT_TABLES) < 0 ||
            store_exec(s, "COMMIT") < 0) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    return 0;
}

/* quick_check - PRAGMA quick_check: -1 and err unless the file is sound */
static int quick_check(struct store *s, struct strbuf *err)
{
    sqlite3_stmt *st = store_prepare(s, "PRAGMA quick_check(1)");
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    const char *v = rc == SQLITE_ROW
                        ? (const char *)sqlite3_column_text(st, store_col(st, "quick_check"))
                        : NULL;
    if (rc == SQLITE_ROW && v && !strcmp(v, "ok")) {
        sqlite3_finalize(st);
        return 0;
    }
    if (rc == SQLITE_ROW)
        strbuf_addf(err, "%s is damaged (%s); it was left unchanged - move it away and scan again",
                    s->path, v ? v : "?");
    else
        store_fail(s, "checking the file");
    sqlite3_finalize(st);
    return -1;
}

/* record_run - the runs row of this writing run (s->run) */
static int record_run(struct store *s)
{
    sqlite3_stmt *st = store_prepare(s, "INSERT INTO runs(started) VALUES(:started)");
    if (!st)
        return -1;
    store_bind_int(st, ":started", (int64_t)time(NULL));
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_fail(s, "recording the run");
        return -1;
    }
    s->run = sqlite3_last_insert_rowid(s->db);
    return 0;
}

struct store *store_open(const struct store_config *cfg, struct strbuf *err)
{
    struct strbuf path = STRBUF_INIT;
    if (cfg->path)
        strbuf_adds(&path, cfg->path);
    else
        store_default_path(&path);
    bool write = cfg->write;
    int lock_seconds = cfg->lock_seconds;
    if (lock_seconds < 0) {
        const char *env = getenv("BOUNCESCOPE_LOCK_TIMEOUT");
        lock_seconds = env && *env ? atoi(env) : STORE_LOCK_SECONDS;
    }
    struct store *s = NULL;
    if (check_header(path.s, err) < 0)
        goto out;
    if ((!write || cfg->must_exist) && access(path.s, F_OK) != 0) {
        /* vacuum of a mistyped path must not leave an empty database there */
        strbuf_addf(err, "%s: no history database yet (run `bouncescope scan` first, or give --db)",
                    path.s);
        goto out;
    }
    s = xcalloc(1, sizeof *s);
    s->path = xstrdup(path.s);
    s->lock_fd = -1;
    s->pending_sent = hashmap_new(free);
    s->write = write;
    s->force = cfg->force;
    if (write && make_parent(s->path) < 0) {
        strbuf_addf(err, "%s: cannot create its directory: %s", s->path, strerror(errno));
        goto err;
    }
    if (write && take_lock(s, lock_seconds, err) < 0)
        goto err;
    int flags = SQLITE_OPEN_READWRITE | (write ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(s->path, &s->db, flags, NULL) != SQLITE_OK) {
        strbuf_addf(err, "%s: %s", s->path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
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
    if (write && (store_exec(s, "PRAGMA journal_mode=WAL") < 0 ||
                  store_exec(s, "PRAGMA synchronous=NORMAL") < 0 ||
                  store_exec(s, "PRAGMA cache_size=-65536") < 0 || store_keys_tables(s) < 0 ||
                  store_sink_prepare(s) < 0 || store_keys_prepare(s) < 0 || record_run(s) < 0))
        goto err;
    goto out;
err:
    if (!err->len)
        strbuf_adds(err, s->failure.len ? s->failure.s : "cannot open the database");
    else if (s->failure.len && strstr(err->s, s->path) == NULL)
        strbuf_addf(err, " (%s)", s->failure.s);
    store_close(s);
    s = NULL;
out:
    strbuf_free(&path);
    return s;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    if (s->in_txn)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    store_sink_finalize(s);
    store_keys_finalize(s);
    store_delivered_finalize(s);
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

int store_vacuum(struct store *s, struct strbuf *err)
{
    if (!s)
        return 0;
    if (store_exec(s, "VACUUM") < 0)
        return store_failed_rc(s, err);
    return 0;
}
