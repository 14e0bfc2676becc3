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

#include <unistd.h>

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

struct opt {
    const char *name;  /* long name without "--" */
    char shortname;    /* 0: none */
    const char *value; /* value name, NULL for a flag */
    int commands;
    const char *help;
};

static const struct opt table[] = {
    { "format", 'f', "FMT", C_ALL, "output format: text (default), csv, json, html" },
    { "output", 'o', "FILE", C_ALL, "write the report to FILE instead of standard output" },
    { "detail", 0, NULL, C_SCAN | C_REPORT,
      "csv/json: one row per failure event instead of per group" },
    { "group-by", 0, "KEYS", C_SCAN | C_REPORT,
      "group failures by a comma list of provider, host, domain, reason, fingerprint "
      "(default provider,reason,fingerprint)" },
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
    { "top", 0, "N", C_SCAN | C_REPORT, "show at most N groups (text default 20, csv/json all)" },
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
    { "dns-timeout", 0, "MS", C_ALL, "per-query timeout in milliseconds (default 400)" },
    { "dns-tries", 0, "N", C_ALL, "tries per query (default 2)" },
    { "dns-max-inflight", 0, "N", C_ALL, "cap on DNS queries in flight (default 200)" },
    { "our-ip", 0, "IP", C_SCAN | C_REPORT | C_PARTNER,
      "also check this sending IP of ours (repeatable)" },
    { "check-domains", 0, NULL, C_SCAN,
      "also check the sender domains of failures against domain blocklists (Spamhaus DBL)" },
    { "patterns", 0, "DIR", C_ALL,
      "read pattern files from DIR before the shipped ones (repeatable)" },
    { "queue-max-age", 0, "DAYS", C_SCAN,
      "forget unfinished queue ids idle this long (default 7)" },
    { "keep", 0, "DAYS", C_SCAN, "prune stored events older than DAYS (default 90)" },
    { "exit-new", 0, NULL, C_SCAN | C_REPORT,
      "exit with status 10 when a failure group is new since the last run" },
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
    { "markdown", 0, NULL, 0, "help: print the option table as Markdown" },
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
      "partner [OPTIONS] DOMAIN     everything about one recipient domain, address or provider" },
    { "check", C_CHECK, "check [OPTIONS] ADDR...|-    look up IPs or domains in DNS blocklists" },
    { "vacuum", C_VACUUM, "vacuum [--db PATH]           compact the history database" },
    { "explain", C_EXPLAIN,
      "explain [OPTIONS] [TEXT|-]   why a reply text or a bounce message failed: class, rule, "
      "advice" },
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
        fprintf(stderr, "bouncescope: --%s: '%s' is not a number from %ld to %ld\n", name, v, min,
                max);
        return -1;
    }
    *out = x;
    return 0;
}

static int add_multi(const char **arr, size_t *n, const char *name, const char *v)
{
    if (*n >= CLI_MAX_MULTI) {
        fprintf(stderr, "bouncescope: --%s given more than %d times\n", name, CLI_MAX_MULTI);
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
        if (strcmp(v, "text") && strcmp(v, "csv") && strcmp(v, "json") && strcmp(v, "html")) {
            fprintf(stderr, "bouncescope: --format: '%s' is not one of text, csv, json, html\n", v);
            return -1;
        }
        o->format = v;
    } else if (!strcmp(n, "output")) {
        o->output = v;
    } else if (!strcmp(n, "detail")) {
        o->detail = true;
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
    } else if (!strcmp(n, "top")) {
        if (parse_long(n, v, 1, 1000000, &o->top))
            return -1;
    } else if (!strcmp(n, "year")) {
        if (parse_long(n, v, 1970, 2200, &x))
            return -1;
        o->year = (int)x;
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
    } else if (!strcmp(n, "check-domains")) {
        o->check_domains = true;
    } else if (!strcmp(n, "patterns")) {
        return add_multi(o->patterns, &o->n_patterns, n, v);
    } else if (!strcmp(n, "queue-max-age")) {
        char *end;
        double d = strtod(v, &end);
        if (*end || end == v || d <= 0 || d > 3650) {
            fprintf(stderr, "bouncescope: --queue-max-age: '%s' is not a number of days\n", v);
            return -1;
        }
        o->queue_max_age_days = d;
    } else if (!strcmp(n, "keep")) {
        return parse_long(n, v, 1, 100000, &o->keep_days);
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
            fprintf(stderr, "bouncescope: --source: '%s' is not one of remote, local, generic\n",
                    v);
            return -1;
        }
        o->explain_source = v;
    } else if (!strcmp(n, "message")) {
        o->message = v;
    } else if (!strcmp(n, "corpus")) {
        o->corpus = true;
    } else if (!strcmp(n, "markdown")) {
        o->markdown = true;
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
        fprintf(stderr, "bouncescope: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, rc = 0;
    while (getline(&line, &cap, fp) >= 0) {
        lineno++;
        char *p = line, *end;
        while (*p == ' ' || *p == '\t')
            p++;
        end = p + strlen(p);
        while (end > p && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        if (!*p || *p == '#')
            continue;
        char *eq = strchr(p, '=');
        char *name_end = eq ? eq : end;
        while (name_end > p && (name_end[-1] == ' ' || name_end[-1] == '\t'))
            name_end--;
        const struct opt *op = find_long(p, (size_t)(name_end - p));
        if (!op || !strcmp(op->name, "config") || !strcmp(op->name, "help") ||
            !strcmp(op->name, "markdown")) {
            fprintf(stderr, "bouncescope: %s:%d: unknown option '%.*s'\n", path, lineno,
                    (int)(name_end - p), p);
            rc = -1;
            break;
        }
        const char *value = NULL;
        if (eq) {
            value = eq + 1;
            while (*value == ' ' || *value == '\t')
                value++;
        }
        if (!op->value) {
            /* a flag: "quiet", "quiet = yes" set it; "quiet = no" leaves it off */
            if (value && (!strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "0")))
                continue;
            value = NULL;
        } else if (!value || !*value) {
            fprintf(stderr, "bouncescope: %s:%d: option %s needs a value\n", path, lineno,
                    op->name);
            rc = -1;
            break;
        } else {
            value = keep_string(o, value);
        }
        if (apply(o, op, value) < 0) {
            fprintf(stderr, "bouncescope: (in %s:%d)\n", path, lineno);
            rc = -1;
            break;
        }
    }
    free(line);
    fclose(fp);
    return rc;
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
    o->format = "text";
    o->args = xcalloc((size_t)argc + 1, sizeof *o->args);
    const char *cfg = config_path(argc, argv);
    if (read_config(o, cfg ? cfg : DEFAULT_CONFIG, cfg != NULL) < 0)
        return EXIT_USAGE;
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
            fprintf(stderr, "bouncescope: unknown option '%s' (see bouncescope --help)\n", a);
            return EXIT_USAGE;
        }
        if (op->commands == C_CONFIG_ONLY) {
            fprintf(stderr,
                    "bouncescope: --%s is read only from the config file "
                    "(a secret on the command line shows in ps)\n",
                    op->name);
            return EXIT_USAGE;
        }
        if (op->value && !value) {
            if (i + 1 >= argc) {
                fprintf(stderr, "bouncescope: option --%s needs a value (%s)\n", op->name,
                        op->value);
                return EXIT_USAGE;
            }
            value = argv[++i];
        } else if (!op->value && value) {
            fprintf(stderr, "bouncescope: option --%s takes no value\n", op->name);
            return EXIT_USAGE;
        }
        if (apply(o, op, value) < 0)
            return EXIT_USAGE;
    }
    if (!o->command) {
        o->command = "help";
    } else if (strcmp(o->command, "help") && strcmp(o->command, "version") &&
               !command_bit(o->command)) {
        fprintf(
            stderr,
            "bouncescope: unknown command '%s' (commands: scan, report, partner, check, vacuum, "
            "explain)\n",
            o->command);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

void cli_usage(FILE *fp, const char *command)
{
    int bit = command ? command_bit(command) : 0;
    fprintf(fp, "usage: bouncescope COMMAND [OPTIONS] [ARGS]\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!bit || commands[i].bit == bit)
            fprintf(fp, "  bouncescope %s\n", commands[i].synopsis);
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
        fprintf(fp, "  %-28s %s\n", lhs, op->help);
    }
    fprintf(fp, "\nexit status: 0 ok, 1 usage, 2 input error, 3 internal error, 4 database error,\n"
                "10 new failure group (with --exit-new)\n");
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
