/*
 * cli.c - option table, parser and help text (see cli.h).
 *
 * Adding an option: one row in `table` (name, short letter, value name,
 * commands, help) and one case in apply(). Nothing else lists options.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unistd.h>

#include "aggregate.h"
#include "correlate.h"
#include "dnsbl.h"
#include "report.h"
#include "store.h"
#include "text_layout.h"
#include "util/kv.h"
#include "util/msg.h"
#include "util/xalloc.h"

enum {
    C_SCAN = 1,
    C_REPORT = 2,
    C_PARTNER = 4,
    C_CHECK = 8,
    C_VACUUM = 32,
    C_EXPLAIN = 64,
    C_ALL = 15 | 32 | 64,
    C_CONFIG_ONLY = 16
};

#define DEFAULT_CONFIG "/etc/bouncescope/bouncescope.conf"

/* STR - a number's #define as text: the help shows the defaults the code uses */
#define STR_(x) #x
#define STR(x) STR_(x)

struct opt {
    const char *name;  /* long name without "--" */
    char shortname;    /* 0: none */
    const char *value; /* value name, NULL for a flag */
    int commands;
    const char *help;
};

static const struct opt table[] = {
    { "format", 'f', "FMT", C_ALL,
      "output format: text (default), csv, json, html; scan and report also suppress (the "
      "addresses to remove from lists, as CSV)" },
    { "output", 'o', "FILE", C_ALL, "write the report to FILE instead of standard output" },
    { "detail", 0, NULL, C_SCAN | C_REPORT | C_PARTNER,
      "csv/json: one row per failure event instead of per group; partner: every message and "
      "reply, not a summary" },
    { "causes", 0, NULL, C_SCAN | C_REPORT,
      "csv: one row per cause (what one fix removes) instead of per group" },
    { "group-by", 0, "KEYS", C_SCAN | C_REPORT,
      "group failures by a comma list of provider, host, domain, reason, fingerprint, sender "
      "(the sending account), sender-domain (default " AGGREGATE_DEFAULT_GROUP_BY ")" },
    { "domain", 0, "DOMAIN", C_SCAN | C_REPORT,
      "only failures to this recipient domain (and its subdomains)" },
    { "sender", 0, "ADDR", C_SCAN | C_REPORT,
      "only failures of mail from this sender (address or @domain)" },
    { "status", 0, "LIST", C_SCAN | C_REPORT,
      "only these statuses: comma list of deferred, bounced, expired" },
    { "since", 0, "TIME", C_SCAN | C_REPORT | C_PARTNER,
      "only failures at or after TIME (2026-11-27, 2026-11-27T10:00, yesterday, today, 7d, 12h)" },
    { "until", 0, "TIME", C_SCAN | C_REPORT | C_PARTNER,
      "only failures before TIME (same forms as --since)" },
    { "day", 0, "DAY", C_SCAN | C_REPORT | C_PARTNER,
      "only one calendar day, midnight to midnight local time: yesterday, today or 2026-11-27 "
      "(like pflogsumm -d; not with --since/--until)" },
    { "top", 0, "N", C_SCAN | C_REPORT, "show at most N groups (text default 20, csv/json all)" },
    { "journal", 0, NULL, C_SCAN,
      "read the mail programs' entries of the local systemd journal (from where the last run "
      "stopped)" },
    { "journal-dir", 0, "DIR", C_SCAN, "read the journal files in DIR (like journalctl -D)" },
    { "journal-file", 0, "FILE", C_SCAN,
      "read the journal file FILE (repeatable; like journalctl --file)" },
    { "disabled-days", 0, "DAYS", C_SCAN | C_REPORT,
      "suppress: list a disabled mailbox once it has failed so for DAYS (default " STR(
          REPORT_DISABLED_DAYS) ")" },
    { "year", 0, "YEAR", C_SCAN,
      "year of syslog lines without one (default: from the file's mtime)" },
    { "db", 0, "PATH", C_ALL,
      "the history database (default: $XDG_STATE_HOME/bouncescope/bouncescope.db)" },
    { "no-db", 0, NULL, C_SCAN | C_CHECK,
      "keep this run in memory only; read and write no database" },
    { "dns-server", 0, "HOST[:PORT]", C_ALL,
      "DNS server for blocklist lookups (repeatable; default: system resolver)" },
    { "no-dns", 0, NULL, C_SCAN | C_REPORT | C_PARTNER,
      "do not look up implicated IPs in DNS blocklists" },
    { "dns-timeout", 0, "MS", C_ALL,
      "per-query timeout in milliseconds (default " STR(DNSBL_DEFAULT_TIMEOUT_MS) ")" },
    { "dns-tries", 0, "N", C_ALL, "tries per query (default " STR(DNSBL_DEFAULT_TRIES) ")" },
    { "dns-max-inflight", 0, "N", C_ALL,
      "cap on DNS queries in flight (default " STR(DNSBL_DEFAULT_MAX_INFLIGHT) ")" },
    { "our-ip", 0, "IP", C_SCAN | C_REPORT | C_PARTNER,
      "also check this sending IP of ours (repeatable)" },
    { "relay-host", 0, "HOST", C_SCAN,
      "a relay or smarthost of ours (name or IP; repeatable): its replies are grouped as our "
      "relay's, never as the recipient's provider" },
    { "check-domains", 0, NULL, C_SCAN,
      "also check the sender domains of failures against domain blocklists (Spamhaus DBL)" },
    { "patterns", 0, "DIR", C_ALL,
      "read pattern files from DIR before the shipped ones (repeatable)" },
    { "queue-max-age", 0, "DAYS", C_SCAN,
      "forget unfinished queue ids idle this long (default " STR(CORRELATE_MAX_AGE_DAYS) ")" },
    { "queue-max-ids", 0, "N", C_SCAN,
      "keep at most N unfinished queue ids in memory (default " STR(
          CORRELATE_MAX_LIVE) "); past it the longest idle are dropped (counted)" },
    { "max-groups", 0, "N", C_SCAN | C_REPORT,
      "at most N failure groups (default " STR(
          AGGREGATE_MAX_GROUPS) "); past it the smallest fold into one \"other texts\" group "
                                "per reason (counted, and the report says so)" },
    { "keep", 0, "DAYS", C_SCAN,
      "prune stored events older than DAYS before the newest stored one not in the future "
      "(default " STR(STORE_KEEP_DAYS) ")" },
    { "force", 0, NULL, C_SCAN,
      "prune (--keep) even when more than half of the stored events would go" },
    { "exit-new", 0, NULL, C_SCAN | C_REPORT,
      "exit with status 10 when a cause of failures is new since the last run" },
    { "config", 'c', "FILE", C_ALL,
      "read options from FILE (default " DEFAULT_CONFIG " when it exists)" },
    { "dqs-key", 0, "KEY", C_CONFIG_ONLY, "Spamhaus DQS key (config file only; never printed)" },
    { "quiet", 'q', NULL, C_ALL, "print nothing when there is nothing new; no progress messages" },
    { "dsn", 0, "CODE", C_EXPLAIN, "the enhanced status code the log gave with the text (5.7.1)" },
    { "stage", 0, "STAGE", C_EXPLAIN,
      "the SMTP stage the reply came at (CONNECT, HELO, MAIL FROM, RCPT TO, DATA, end of DATA)" },
    { "host", 0, "HOST", C_EXPLAIN, "the remote host that answered (gives the provider)" },
    { "source", 0, "SOURCE", C_EXPLAIN,
      "where the text comes from: remote (the receiver's reply), local (the MTA's own words) "
      "or generic (only a status word such as Sendmail's 'Service unavailable')" },
    { "message", 0, "FILE", C_EXPLAIN,
      "explain a bounce message (RFC 3464 delivery status; - for standard input)" },
    { "corpus", 0, NULL, C_EXPLAIN,
      "the arguments are labelled corpus files (tests/corpus/*.tsv): report every row whose "
      "class, implicated IP or provider differs" },
    { "markdown", 0, NULL, 0,
      "help: print the option table (help --markdown columns: the event columns) as Markdown" },
    { "man", 0, NULL, 0, "help: print the manual page (roff), generated from this table" },
    { "completion", 0, NULL, 0,
      "help: print the bash completion script, generated from this table" },
    { "help", 'h', NULL, C_ALL, "show this help" },
};

static const struct {
    const char *name;
    int bit;
    const char *synopsis;
} commands[] = {
    { "scan", C_SCAN, "scan [OPTIONS] [FILE...|-]   read mail logs, report failed deliveries" },
    { "report", C_REPORT, "report [OPTIONS]             report from the history database" },
    { "partner", C_PARTNER,
      "partner [OPTIONS] PARTNER    everything about one recipient domain, address, provider, "
      "queue id or Message-ID" },
    { "check", C_CHECK, "check [OPTIONS] ADDR...|-    look up IPs or domains in DNS blocklists" },
    { "vacuum", C_VACUUM, "vacuum [--db PATH]           compact the history database" },
    { "explain", C_EXPLAIN,
      "explain [OPTIONS] [TEXT|-]   why a reply text or a bounce message failed: class, rule, "
      "advice" },
};

/* exit statuses: --help, the man page and README's table (help --markdown)
 * all come from here; `code` marks a literal in the meaning */
static const struct cli_exit_status exit_statuses[] = {
    { EXIT_OK, "ok", "ran (`check`: no address is listed, and every lookup was answered)" },
    { EXIT_USAGE, "usage",
      "bad command line or configuration (e.g. a pattern file that does not compile)" },
    { EXIT_INPUT, "input error",
      "an input could not be opened (the others were read and reported)" },
    { EXIT_INTERNAL, "internal error", "internal error (out of memory, cannot write the report)" },
    { EXIT_STORE, "database error",
      "the history database is locked by another run, damaged, or not ours (left as it was)" },
    { EXIT_STORE_CREATE, "cannot create database",
      "the history database cannot be created (its directory is not writable): give `--db "
      "PATH`, run as the user that owns it, or scan without history with `--no-db`" },
    { EXIT_NEW_PROBLEM, "new cause (with --exit-new)",
      "with `--exit-new`: a cause of failures appeared that the history had not seen" },
    { EXIT_CHECK_LISTED, "check: listed",
      "`check`: at least one address is listed on a blocklist" },
    { EXIT_CHECK_UNKNOWN, "check: could not check",
      "`check`: no address is listed, but some lookups got no usable answer (timeout, "
      "refused, a broken list): not a clean bill" },
};

/* common invocations: --help (all, or one command's) and the man page */
static const struct cli_example examples[] = {
    { "scan", "bouncescope scan /var/log/mail.log",
      "read a log; report the failed deliveries and why" },
    { "scan", "bouncescope scan --journal",
      "read the mail entries of the systemd journal (Debian 12 without rsyslog has no "
      "mail.log), from where the last run stopped" },
    { "scan", "bouncescope scan -o report.html /var/log/mail.log.1 /var/log/mail.log",
      "a self-contained HTML page (the format follows the name)" },
    { "report", "bouncescope report --day yesterday --format csv -o failures.csv",
      "yesterday's failures (midnight to midnight) from the history, one row per group" },
    { "partner", "bouncescope partner example.co.jp",
      "everything about one partner: what to answer to \"our mail bounces\"" },
};

static int command_bit(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(commands[i].name, name) == 0)
            return commands[i].bit;
    return 0;
}

static int parse_long(const char *name, const char *v, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || *end || end == v || x < min || x > max) {
        msg_error("--%s: '%s' is not a number from %ld to %ld", name, v, min, max);
        return -1;
    }
    *out = x;
    return 0;
}

static int add_multi(const char **arr, size_t *n, const char *name, const char *v)
{
    if (*n >= CLI_MAX_MULTI) {
        msg_error("--%s given more than %d times", name, CLI_MAX_MULTI);
        return -1;
    }
    arr[(*n)++] = v;
    return 0;
}

/* apply - store one option's value; -1 on a bad value (message printed) */
static int apply(struct options *o, const struct opt *op, const char *v)
{
    const char *n = op->name;
    long x;
    if (!strcmp(n, "format")) {
        if (strcmp(v, "text") && strcmp(v, "csv") && strcmp(v, "json") && strcmp(v, "html") &&
            strcmp(v, "suppress")) {
            msg_error("--format: '%s' is not one of text, csv, json, html, suppress", v);
            return -1;
        }
        o->format = v;
    } else if (!strcmp(n, "output")) {
        o->output = v;
    } else if (!strcmp(n, "detail")) {
        o->detail = true;
    } else if (!strcmp(n, "causes")) {
        o->causes = true;
    } else if (!strcmp(n, "group-by")) {
        o->group_by = v;
    } else if (!strcmp(n, "domain")) {
        o->domain = v;
    } else if (!strcmp(n, "sender")) {
        o->sender = v;
    } else if (!strcmp(n, "status")) {
        o->status = v;
    } else if (!strcmp(n, "since")) {
        o->since = v;
    } else if (!strcmp(n, "until")) {
        o->until = v;
    } else if (!strcmp(n, "day")) {
        o->day = v;
    } else if (!strcmp(n, "top")) {
        if (parse_long(n, v, 1, 1000000, &o->top))
            return -1;
    } else if (!strcmp(n, "disabled-days")) {
        if (parse_long(n, v, 0, 36500, &o->disabled_days))
            return -1;
    } else if (!strcmp(n, "year")) {
        if (parse_long(n, v, 1970, 2200, &x))
            return -1;
        o->year = (int)x;
    } else if (!strcmp(n, "journal")) {
        o->journal = true;
    } else if (!strcmp(n, "journal-dir")) {
        o->journal_dir = v;
    } else if (!strcmp(n, "journal-file")) {
        return add_multi(o->journal_files, &o->n_journal_files, n, v);
    } else if (!strcmp(n, "db")) {
        o->db = v;
    } else if (!strcmp(n, "no-db")) {
        o->no_db = true;
    } else if (!strcmp(n, "dns-server")) {
        return add_multi(o->dns_servers, &o->n_dns_servers, n, v);
    } else if (!strcmp(n, "no-dns")) {
        o->no_dns = true;
    } else if (!strcmp(n, "dns-timeout")) {
        return parse_long(n, v, 10, 60000, &o->dns_timeout_ms);
    } else if (!strcmp(n, "dns-tries")) {
        return parse_long(n, v, 1, 10, &o->dns_tries);
    } else if (!strcmp(n, "dns-max-inflight")) {
        return parse_long(n, v, 1, 10000, &o->dns_max_inflight);
    } else if (!strcmp(n, "our-ip")) {
        return add_multi(o->our_ips, &o->n_our_ips, n, v);
    } else if (!strcmp(n, "relay-host")) {
        return add_multi(o->relay_hosts, &o->n_relay_hosts, n, v);
    } else if (!strcmp(n, "check-domains")) {
        o->check_domains = true;
    } else if (!strcmp(n, "patterns")) {
        return add_multi(o->patterns, &o->n_patterns, n, v);
    } else if (!strcmp(n, "queue-max-age")) {
        char *end;
        double d = strtod(v, &end);
        if (*end || end == v || d <= 0 || d > 3650) {
            msg_error("--queue-max-age: '%s' is not a number of days", v);
            return -1;
        }
        o->queue_max_age_days = d;
    } else if (!strcmp(n, "keep")) {
        return parse_long(n, v, 1, 100000, &o->keep_days);
    } else if (!strcmp(n, "force")) {
        o->force = true;
    } else if (!strcmp(n, "queue-max-ids")) {
        return parse_long(n, v, 100, 100000000, &o->queue_max_ids);
    } else if (!strcmp(n, "max-groups")) {
        return parse_long(n, v, 10, 10000000, &o->max_groups);
    } else if (!strcmp(n, "config")) {
        o->config = v;
    } else if (!strcmp(n, "dqs-key")) {
        o->dqs_key = v;
    } else if (!strcmp(n, "exit-new")) {
        o->exit_new = true;
    } else if (!strcmp(n, "quiet")) {
        o->quiet = true;
    } else if (!strcmp(n, "dsn")) {
        o->explain_dsn = v;
    } else if (!strcmp(n, "stage")) {
        o->explain_stage = v;
    } else if (!strcmp(n, "host")) {
        o->explain_host = v;
    } else if (!strcmp(n, "source")) {
        if (strcmp(v, "remote") && strcmp(v, "local") && strcmp(v, "generic")) {
            msg_error("--source: '%s' is not one of remote, local, generic", v);
            return -1;
        }
        o->explain_source = v;
    } else if (!strcmp(n, "message")) {
        o->message = v;
    } else if (!strcmp(n, "corpus")) {
        o->corpus = true;
    } else if (!strcmp(n, "markdown")) {
        o->markdown = true;
    } else if (!strcmp(n, "man")) {
        o->man = true;
    } else if (!strcmp(n, "completion")) {
        o->completion = true;
    } else if (!strcmp(n, "help")) {
        /* "bouncescope scan --help": the help of that command */
        if (o->command && strcmp(o->command, "help") && !o->n_args)
            o->args[o->n_args++] = (char *)o->command;
        o->command = "help";
    }
    return 0;
}

static const struct opt *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (strlen(table[i].name) == len && strncmp(table[i].name, name, len) == 0)
            return &table[i];
    return NULL;
}

static const struct opt *find_short(char c)
{
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (table[i].shortname == c)
            return &table[i];
    return NULL;
}

static const char *keep_string(struct options *o, const char *s)
{
    o->config_strings =
        xrealloc(o->config_strings, (o->n_config_strings + 1) * sizeof *o->config_strings);
    return o->config_strings[o->n_config_strings++] = xstrdup(s);
}

/* read_config - apply "name = value" lines of path; -1 on an error (printed) */
static int read_config(struct options *o, const char *path, bool must_exist)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        if (!must_exist && errno == ENOENT)
            return 0;
        msg_error("%s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, rc = 0;
    while (getline(&line, &cap, fp) >= 0) {
        lineno++;
        char *name, *eq_value;
        if (!kv_split(line, &name, &eq_value))
            continue;
        const struct opt *op = find_long(name, strlen(name));
        if (!op || !strcmp(op->name, "config") || !strcmp(op->name, "help") || !op->commands) {
            msg_error("%s:%d: unknown option '%s'", path, lineno, name);
            rc = -1;
            break;
        }
        const char *value = eq_value;
        if (!op->value) {
            /* a flag: "quiet", "quiet = yes" set it; "quiet = no" leaves it off */
            if (value && (!strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "0")))
                continue;
            value = NULL;
        } else if (!value || !*value) {
            msg_error("%s:%d: option %s needs a value", path, lineno, op->name);
            rc = -1;
            break;
        } else {
            value = keep_string(o, value);
        }
        if (apply(o, op, value) < 0) {
            msg_error("(in %s:%d)", path, lineno);
            rc = -1;
            break;
        }
    }
    free(line);
    fclose(fp);
    return rc;
}

/* format_of_name - the format a report file's name asks for (.html, .htm,
 * .csv, .json, .txt, any case), NULL when its name says none */
static const char *format_of_name(const char *path)
{
    static const struct {
        const char *ext, *format;
    } exts[] = { { "html", "html" },
                 { "htm", "html" },
                 { "csv", "csv" },
                 { "json", "json" },
                 { "txt", "text" } };
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return NULL;
    for (size_t i = 0; i < sizeof exts / sizeof *exts; i++)
        if (!strcasecmp(dot + 1, exts[i].ext))
            return exts[i].format;
    return NULL;
}

/* decide_format - the report format: --format when the command line gives
 * it, else the one -o's name asks for, else the config file's, else text.
 * A --format that contradicts -o's name is an error (so is a config file
 * whose format and output contradict each other); a config file's format
 * yields to an -o given on the command line. Returns -1 with a message. */
static int decide_format(struct options *o, const char *cmd_format, bool output_on_cmdline)
{
    const char *named = o->output && strcmp(o->output, "-") ? format_of_name(o->output) : NULL;
    const char *given = cmd_format ? cmd_format : o->format;
    bool given_wins = cmd_format || !output_on_cmdline;
    /* the suppression list is CSV: a .csv name agrees with it */
    if (named && given && !strcmp(named, "csv") && !strcmp(given, "suppress"))
        named = given;
    if (named && given && strcmp(named, given) && given_wins) {
        msg_error("--format %s%s contradicts -o %s (whose name asks for %s): "
                  "drop one or make them agree",
                  given, cmd_format ? "" : " (from the config file)", o->output, named);
        return -1;
    }
    o->format = named && !(given && given_wins) ? named : given ? given : "text";
    return 0;
}

/* command_list - "scan, report, ..." from the command table, into buf */
static const char *command_list(char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof commands / sizeof *commands && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", commands[i].name);
    return buf;
}

/* config_path - --config FILE / -c FILE / --config=FILE from argv, or NULL */
static const char *config_path(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        if ((!strcmp(argv[i], "--config") || !strcmp(argv[i], "-c")) && i + 1 < argc)
            return argv[i + 1];
        if (!strncmp(argv[i], "--config=", 9))
            return argv[i] + 9;
    }
    return NULL;
}

int cli_parse(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof *o);
    o->args = xcalloc((size_t)argc + 1, sizeof *o->args);
    const char *cfg = config_path(argc, argv);
    if (read_config(o, cfg ? cfg : DEFAULT_CONFIG, cfg != NULL) < 0)
        return EXIT_USAGE;
    /* which of --format and -o the command line gave: see decide_format */
    const char *cfg_format = o->format, *cfg_output = o->output;
    o->format = NULL;
    if (!cfg && access(DEFAULT_CONFIG, F_OK) == 0)
        o->config = DEFAULT_CONFIG;
    int i = 1;
    if (i < argc && argv[i][0] != '-') {
        o->command = argv[i++];
    }
    bool only_args = false;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (only_args || a[0] != '-' || a[1] == '\0') {
            /* options may come before the command too, as git users type:
             * "bouncescope --no-db scan maillog" */
            if (!o->command && a[0] != '-')
                o->command = argv[i];
            else
                o->args[o->n_args++] = argv[i];
            continue;
        }
        if (!strcmp(a, "--")) {
            only_args = true;
            continue;
        }
        const struct opt *op;
        const char *value = NULL;
        if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            op = find_long(a + 2, len);
            if (eq)
                value = eq + 1;
            if (!strcmp(a, "--version")) {
                o->command = "version";
                continue;
            }
        } else {
            op = a[2] == '\0' ? find_short(a[1]) : NULL;
        }
        if (!op) {
            msg_error("unknown option '%s' (see bouncescope --help)", a);
            return EXIT_USAGE;
        }
        if (op->commands == C_CONFIG_ONLY) {
            msg_error("--%s is read only from the config file "
                      "(a secret on the command line shows in ps)",
                      op->name);
            return EXIT_USAGE;
        }
        if (op->value && !value) {
            if (i + 1 >= argc) {
                msg_error("option --%s needs a value (%s)", op->name, op->value);
                return EXIT_USAGE;
            }
            value = argv[++i];
        } else if (!op->value && value) {
            msg_error("option --%s takes no value", op->name);
            return EXIT_USAGE;
        }
        if (apply(o, op, value) < 0)
            return EXIT_USAGE;
    }
    const char *cmd_format = o->format;
    o->format = cfg_format;
    if (decide_format(o, cmd_format, o->output != cfg_output) < 0)
        return EXIT_USAGE;
    if (o->command && !strcmp(o->command, "help") && o->n_args && strcmp(o->args[0], "help") &&
        !command_bit(o->args[0]) && !(o->markdown && !strcmp(o->args[0], "columns"))) {
        /* "help nosuch", "nosuch --help" */
        char list[256];
        msg_error("unknown command '%s' (commands: %s)", o->args[0],
                  command_list(list, sizeof list));
        return EXIT_USAGE;
    }
    if (!o->command) {
        o->command = "help";
    } else if (strcmp(o->command, "help") && strcmp(o->command, "version") &&
               !command_bit(o->command)) {
        char list[256];
        msg_error("unknown command '%s' (commands: %s)", o->command,
                  command_list(list, sizeof list));
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

void cli_usage(FILE *fp, const char *command)
{
    int bit = command ? command_bit(command) : 0;
    fprintf(fp, "usage: bouncescope COMMAND [OPTIONS] [ARGS]\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!bit || commands[i].bit == bit) {
            /* wrapped under the description: after the synopsis's gap */
            const char *syn = commands[i].synopsis, *gap = strstr(syn, "  ");
            size_t hang = 14 + (gap ? (size_t)(gap - syn) + strspn(gap, " ") : 0);
            struct strbuf line = STRBUF_INIT, out = STRBUF_INIT;
            strbuf_addf(&line, "  bouncescope %s", syn);
            layout_wrap(&out, strbuf_slice(&line), 80, hang, 0, "...");
            fputs(strbuf_cstr(&out), fp);
            strbuf_free(&line);
            strbuf_free(&out);
        }
    fprintf(fp, "\noptions:\n");
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        const struct opt *op = &table[i];
        if (bit && !(op->commands & bit))
            continue;
        if (!op->commands || op->commands == C_CONFIG_ONLY)
            continue;
        char lhs[64];
        if (op->shortname)
            snprintf(lhs, sizeof lhs, "-%c, --%s%s%s", op->shortname, op->name,
                     op->value ? " " : "", op->value ? op->value : "");
        else
            snprintf(lhs, sizeof lhs, "    --%s%s%s", op->name, op->value ? " " : "",
                     op->value ? op->value : "");
        /* 80 columns: the help wraps under itself */
        struct strbuf line = STRBUF_INIT, out = STRBUF_INIT;
        strbuf_addf(&line, "  %-28s %s", lhs, op->help);
        layout_wrap(&out, strbuf_slice(&line), 80, 31, 0, "...");
        fputs(strbuf_cstr(&out), fp);
        strbuf_free(&line);
        strbuf_free(&out);
    }
    bool any = false;
    for (size_t i = 0; i < sizeof examples / sizeof *examples; i++) {
        if (bit && command_bit(examples[i].command) != bit)
            continue;
        fprintf(fp, "%s  %s\n      %s\n", any ? "" : "\nexamples:\n", examples[i].line,
                examples[i].what);
        any = true;
    }
    /* the exit statuses on as few lines as fit 80 columns */
    fprintf(fp, "\nexit status:");
    size_t col = strlen("exit status:");
    for (size_t i = 0; i < sizeof exit_statuses / sizeof *exit_statuses; i++) {
        char item[96];
        int n =
            snprintf(item, sizeof item, " %d %s%s", exit_statuses[i].status, exit_statuses[i].brief,
                     i + 1 < sizeof exit_statuses / sizeof *exit_statuses ? "," : "");
        if (col + (size_t)n > 80) {
            fputc('\n', fp);
            col = 0;
            fputs(item + 1, fp);
            col = (size_t)n - 1;
        } else {
            fputs(item, fp);
            col += (size_t)n;
        }
    }
    fputc('\n', fp);
}

void cli_markdown(FILE *fp)
{
    fprintf(fp, "| option | commands | meaning |\n|---|---|---|\n");
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        const struct opt *op = &table[i];
        if (!op->commands)
            continue;
        fprintf(fp, "| `--%s%s%s`", op->name, op->value ? " " : "", op->value ? op->value : "");
        if (op->shortname)
            fprintf(fp, " (`-%c`)", op->shortname);
        fprintf(fp, " | ");
        if (op->commands == C_CONFIG_ONLY) {
            fprintf(fp, "config file only");
        } else if (op->commands == C_ALL) {
            fprintf(fp, "all");
        } else {
            const char *sep = "";
            for (size_t c = 0; c < sizeof commands / sizeof *commands; c++)
                if (op->commands & commands[c].bit) {
                    fprintf(fp, "%s%s", sep, commands[c].name);
                    sep = ", ";
                }
        }
        fprintf(fp, " | %s |\n", op->help);
    }
    /* README's "Exit status" table: the same source as --help and the man page */
    fprintf(fp, "\n| status | meaning |\n|---|---|\n");
    for (size_t i = 0; i < sizeof exit_statuses / sizeof *exit_statuses; i++)
        fprintf(fp, "| %d | %s |\n", exit_statuses[i].status, exit_statuses[i].meaning);
}

void cli_options_free(struct options *o)
{
    free(o->args);
    o->args = NULL;
    for (size_t i = 0; i < o->n_config_strings; i++)
        free(o->config_strings[i]);
    free(o->config_strings);
    o->config_strings = NULL;
    o->n_config_strings = 0;
}

/* ---- the tables, read-only, for the documents generated from them ---- */

size_t cli_option_count(void)
{
    return sizeof table / sizeof *table;
}

void cli_option_at(size_t i, struct cli_option *out)
{
    const struct opt *op = &table[i];
    *out = (struct cli_option){ .name = op->name,
                                .shortname = op->shortname,
                                .value = op->value,
                                .help = op->help,
                                .config_only = op->commands == C_CONFIG_ONLY,
                                .help_only = op->commands == 0 };
}

bool cli_option_applies(size_t i, const char *command)
{
    const struct opt *op = &table[i];
    if (!strcmp(command, "help"))
        return op->commands == 0 || !strcmp(op->name, "help");
    int bit = command_bit(command);
    return bit && op->commands != C_CONFIG_ONLY && (op->commands & bit);
}

size_t cli_command_count(void)
{
    return sizeof commands / sizeof *commands;
}

const char *cli_command_name(size_t i)
{
    return commands[i].name;
}

const char *cli_command_synopsis(size_t i)
{
    return commands[i].synopsis;
}

size_t cli_exit_statuses(const struct cli_exit_status **out)
{
    *out = exit_statuses;
    return sizeof exit_statuses / sizeof *exit_statuses;
}

size_t cli_examples(const struct cli_example **out)
{
    *out = examples;
    return sizeof examples / sizeof *examples;
}
