/*
 * cli.h - the command line: one option table drives parsing and --help.
 *
 * `bouncescope COMMAND [OPTIONS] [ARGS]`; options may come before or after
 * arguments, and before the command (`bouncescope --no-db scan maillog`), as
 * `--opt value` or `--opt=value`; "--" ends options; "-" is an argument (stdin). The table in cli.c lists every option once with the
 * commands it applies to and its help text; README's option section is
 * generated from the same table (`bouncescope help --markdown`).
 *
 * A config file (--config FILE, else /etc/bouncescope/bouncescope.conf when
 * it exists) holds the same options as "name = value" lines ('#' comments,
 * flags as yes/no); the command line is applied after it and wins for
 * single-valued options. A few options are config-only (dqs-key: a secret
 * must not show in `ps`).
 *
 * Errors (unknown option, missing value, bad number) are printed with the
 * usage hint (config errors with file:line) and cli_parse returns
 * EXIT_USAGE; it never exits by itself.
 */
#ifndef BS_CLI_H
#define BS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util/msg.h"

/* exit statuses, documented in README "Exit status" */
enum {
    EXIT_OK = 0,                       /* ran; (scan/report) nothing new, or not asked */
    EXIT_USAGE = 1,                    /* bad command line or configuration */
    EXIT_INPUT = 2,                    /* an input could not be read at all (others were) */
    EXIT_INTERNAL = MSG_EXIT_INTERNAL, /* out of memory, internal error (util/msg.h) */
    EXIT_STORE = 4,                    /* the store (database) is unusable or locked */
    EXIT_STORE_CREATE = 5,             /* the store cannot be created where it should be */
    EXIT_NEW_PROBLEM = 10,             /* with --exit-new: a new cause of failures appeared */
    EXIT_CHECK_LISTED = 11,            /* check: an address is listed somewhere */
    EXIT_CHECK_UNKNOWN = 12            /* check: none listed, but some lookups failed */
};

#define CLI_MAX_MULTI 32

struct options {
    const char *command; /* scan, report, partner, check, vacuum, explain, help, version */
    const char *format;  /* text (default), csv, json, html, suppress */
    const char *output;  /* NULL: stdout */
    bool detail;
    bool causes;          /* csv: one row per cause */
    const char *group_by; /* NULL: AGGREGATE_DEFAULT_GROUP_BY */
    const char *domain;
    const char *sender;
    const char *status; /* comma list */
    const char *since;
    const char *until;
    const char *day;    /* --day yesterday|today|DATE: one calendar day */
    long top;           /* 0: default */
    long disabled_days; /* --disabled-days; 0: REPORT_DISABLED_DAYS */
    int year;           /* 0: infer */
    const char *db;
    bool no_db;
    const char *dns_servers[CLI_MAX_MULTI];
    size_t n_dns_servers;
    bool no_dns;
    long dns_timeout_ms;   /* 0: default */
    long dns_tries;        /* 0: default */
    long dns_max_inflight; /* 0: default */
    const char *our_ips[CLI_MAX_MULTI];
    size_t n_our_ips;
    const char *relay_hosts[CLI_MAX_MULTI]; /* --relay-host: our own relays / smarthosts */
    size_t n_relay_hosts;
    bool check_domains;
    const char *patterns[CLI_MAX_MULTI];
    size_t n_patterns;
    const char *config;    /* --config FILE, or the default when it existed */
    const char *dqs_key;   /* Spamhaus DQS key: config file only, never printed */
    char **config_strings; /* owned copies of the config file's values */
    size_t n_config_strings;
    double queue_max_age_days; /* 0: default */
    long keep_days;            /* 0: default */
    bool force;                /* --force: prune even when more than half would go */
    long queue_max_ids;        /* 0: default (CORRELATE_MAX_LIVE) */
    long max_groups;           /* 0: default (AGGREGATE_MAX_GROUPS) */
    bool quiet;
    bool exit_new;
    bool markdown;           /* help --markdown */
    bool man;                /* help --man */
    bool completion;         /* help --completion */
    bool journal;            /* --journal: the local systemd journal */
    const char *journal_dir; /* --journal-dir DIR */
    const char *journal_files[CLI_MAX_MULTI];
    size_t n_journal_files;
    /* explain: what the log would have said besides the text */
    const char *explain_dsn;
    const char *explain_stage;
    const char *explain_host;
    const char *explain_source; /* remote, local, generic */
    const char *message;        /* --message FILE: a bounce message */
    bool corpus;                /* --corpus: the arguments are corpus files */
    char **args;                /* positional arguments after the command */
    size_t n_args;
};

/* cli_parse - fill o from argv; returns EXIT_OK or EXIT_USAGE (message printed) */
int cli_parse(int argc, char **argv, struct options *o);
/* cli_usage - the help text for one command (NULL: all) */
void cli_usage(FILE *fp, const char *command);
/* cli_markdown - the option table as Markdown, for README */
void cli_markdown(FILE *fp);
void cli_options_free(struct options *o);

/* ---- the tables, read-only, for the documents generated from them (the man
 * page and the bash completion, cli_docs.c): nothing else lists options ---- */
struct cli_option {
    const char *name;  /* long name without "--" */
    char shortname;    /* 0: none */
    const char *value; /* value name (FILE, FMT, ...), NULL for a flag */
    const char *help;
    bool config_only; /* read only from the config file */
    bool help_only;   /* an option of `help` itself (--markdown, --man, --completion) */
};
size_t cli_option_count(void);
void cli_option_at(size_t i, struct cli_option *out);
/* cli_option_applies - option i is one of command's ("help": the help-only ones and --help) */
bool cli_option_applies(size_t i, const char *command);
size_t cli_command_count(void);
const char *cli_command_name(size_t i);
/* cli_command_synopsis - "scan [OPTIONS] [FILE...|-]   what it does" */
const char *cli_command_synopsis(size_t i);

struct cli_exit_status {
    int status;
    const char *brief;   /* for --help: "usage" */
    const char *meaning; /* for README and the man page; `x` marks a literal */
};
size_t cli_exit_statuses(const struct cli_exit_status **out);

struct cli_example {
    const char *command; /* the command it shows */
    const char *line;    /* the shell line */
    const char *what;    /* what it does */
};
size_t cli_examples(const struct cli_example **out);

/* cli_help - the `help` command: usage (all, or one command's), --markdown,
 * --man or --completion, to -o FILE or stdout; an exit status (cli_docs.c) */
int cli_help(const struct options *o);

#endif
