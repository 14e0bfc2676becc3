/*
 * report.h - what every writer gets: the aggregate (the report model), the
 * run's statistics, the event spool, and the blocklist results.
 *
 * Writers (write_text.c, write_csv.c, write_json.c, write_html.c) only
 * format this; none of them computes anything the others would need. The
 * other commands' writers are here too: write_partner.c (`partner`) and
 * write_check.c (`check`).
 * The blocklist part is an interface so that `scan` (live DNS), `report`
 * (the store's cache) and tests can all provide it.
 */
#ifndef BS_REPORT_H
#define BS_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "aggregate.h"
#include "classify.h"
#include "delivered.h"
#include "event.h"
#include "pipeline.h"

/* one blocklist result for one address, as writers show it */
struct report_listing {
    const char *list_id; /* catalogue id */
    const char *list_label;
    const char *zone;
    const char *status;  /* "listed", "not_listed", "unknown" */
    const char *codes;   /* "127.0.0.2,127.0.0.4" */
    const char *meaning; /* "SBL: ...; XBL: ..." */
    const char *txt;
    const char *delist_url; /* from the catalogue only, never from log text */
    const char *advice;
    const char *detail; /* reason for unknown, etc. */
};

struct report_dns {
    bool checked;     /* false: --no-dns or nothing to check */
    const char *note; /* why not checked, or a summary */
    /* status word for an address ("listed", "not_listed", "unknown", "unchecked") */
    const char *(*status)(void *ctx, const char *ip);
    /* the listings of an address; returns their number, *out valid until the next call */
    size_t (*listings)(void *ctx, const char *ip, const struct report_listing **out);
    void *ctx;
};

struct report {
    const char *command; /* "scan", "report", "partner" */
    struct aggregate *agg;
    const struct scan_stats *stats;
    struct event_spool *spool; /* NULL unless detail */
    struct classifier *classifier;
    struct report_dns dns;
    const struct problems *problems;
    size_t top; /* groups to show; 0: writer default */
    bool detail;
    bool causes; /* csv: one row per cause */
    /* --format suppress: the deliveries kept (delivered.h), and --disabled-days */
    struct delivered *const *delivered;
    size_t n_delivered;
    long disabled_days; /* 0: REPORT_DISABLED_DAYS */
    /* report --sender: deliveries are kept per sender, not per sender and domain, so
     * the domains' delivered counts (and rates) are unknown: shown as "-" / null */
    bool domain_sent_unknown;
    int64_t generated;    /* time of the run */
    const char *group_by; /* as given, for the header */
    /* why there is nothing to show, said instead of "No failed deliveries" (which
     * would read as an all-clear): nothing new was read, or the period asked for
     * holds no data. NULL: the run read something. */
    const char *empty_note;
};

int write_text(FILE *fp, const struct report *r);
int write_csv(FILE *fp, const struct report *r);
int write_json(FILE *fp, const struct report *r);
/* write_json_cut - the same, with at most max_domains domains and max_ips IPs (0: all) */
int write_json_cut(FILE *fp, const struct report *r, size_t max_domains, size_t max_ips);
int write_html(FILE *fp, const struct report *r);
/* write_suppress - the list to clean: addresses whose last outcome is a permanent
 * failure on the recipient's side (write_suppress.c), from r->spool and r->delivered */
#define REPORT_DISABLED_DAYS 30 /* a disabled mailbox is listed after failing this long */
int write_suppress(FILE *fp, const struct report *r);

/* one partner's story (`partner`): cmd_report.c builds it, write_partner.c writes it */
enum partner_kind {
    PARTNER_DOMAIN,     /* a domain and its subdomains */
    PARTNER_ADDRESS,    /* one recipient address */
    PARTNER_PROVIDER,   /* a provider by name ("Microsoft 365") */
    PARTNER_QUEUE_ID,   /* one message by the MTA's queue id */
    PARTNER_MESSAGE_ID, /* one message by its Message-ID */
};
struct partner_report {
    const char *who; /* as asked */
    enum partner_kind kind;
    struct event *const *ev; /* the partner's failures, by time (at least one) */
    size_t n;
    struct delivered *const *dl; /* the kept deliveries (delivered.h), by time */
    size_t n_dl;
    struct aggregate *agg; /* the failures' groups and causes */
    /* deliveries counted for exactly what was asked: a domain's from the hourly
     * counts; an address's, a message's: the kept ones (every delivery to an
     * address after its first failure); a provider's are not counted */
    bool sent_known;
    uint64_t sent;
    int64_t last_delivery;        /* the last delivery known (0: none) */
    int64_t first_delivery_after; /* the first delivery after the last failure (0: none) */
    int64_t last_delivery_before; /* the last delivery before the last failure (0: none) */
    /* the blocklist answers earlier scans stored for ip, appended to out; 0: none */
    int (*describe_ip)(void *ctx, const char *ip, struct strbuf *out);
    void *ctx;
    bool detail;                 /* every message and reply, not the summary of a long story */
    int64_t generated;           /* time of the run */
    const struct report *events; /* csv, json: the implicated IPs' status for event rows */
};
/* write_partner - the story in format "text", "csv", "json" or "html" */
int write_partner(FILE *fp, const char *format, const struct partner_report *pr);
/* partner_kind_name - "domain", "address", "provider", "queue id", "message-id" */
const char *partner_kind_name(enum partner_kind kind);

/* html_template - the file name of the reports directory ($BOUNCESCOPE_REPORTS, else
 * the build's) into out; -1 with a message when it cannot be read (write_html.c) */
int html_template(const char *name, struct strbuf *out);
/* html_expand - write template tpl to fp with each {{name}} marker replaced by what
 * fill writes for it (fill returns -1 for a name it does not know: the expansion
 * stops there and returns -1); 0, or -1 on a write error (write_html.c) */
typedef int (*html_fill_fn)(void *ctx, struct slice name, FILE *fp);
int html_expand(FILE *fp, const struct strbuf *tpl, html_fill_fn fill, void *ctx);

/* `check`: the blocklist answers of d in format "text", "csv" or "json" */
struct dnsbl;
int write_check(FILE *fp, const char *format, const struct dnsbl *d);

/* where and how a command writes its report (cmd_common.c builds it from the options) */
struct report_config {
    const char *format; /* "text", "csv", "json", "html", "suppress" */
    const char *output; /* NULL or "-": standard output */
};

/* report_write - the report in cfg->format to cfg->output (atomically) or stdout;
 * EXIT_OK, EXIT_INPUT (the output cannot be created) or EXIT_INTERNAL (writing failed) */
int report_write(const struct report_config *cfg, const struct report *r);

/* a report file is written whole or not at all: to PATH.tmpPID, renamed when done */
struct report_output {
    FILE *fp; /* stdout when there is no path */
    char *tmp;
    const char *path;
};
/* report_output_open - EXIT_OK, or EXIT_INPUT with the message printed */
int report_output_open(struct report_output *out, const char *path);
/* report_output_close - finish: writer_rc is the writer's result (0: it wrote all);
 * EXIT_OK, or EXIT_INTERNAL with the message printed (the file is then removed) */
int report_output_close(struct report_output *out, int writer_rc);

/* report_time - now, or SOURCE_DATE_EPOCH when set (reproducible reports) */
int64_t report_time(void);

/* report_ip_status - the dns status of ip, "unchecked" when DNS was not run */
const char *report_ip_status(const struct report *r, const char *ip);
/* report_ip_lists - "zone=code,code;zone=code" for the listed zones of ip */
void report_ip_lists(const struct report *r, const char *ip, struct strbuf *out);
/* report_event_ip_lookup - an ip_status_lookup for event_column_value */
struct ip_status_lookup report_event_ip_lookup(const struct report *r);

/* report_headline - the sentence every format leads with: how many deliveries
 * failed over what span, and the largest cause with its share ("1,234
 * deliveries failed in 24 h; the largest cause, 36% of them: Recipient address
 * does not exist"); plain text appended to out (the writer escapes it) */
void report_headline(const struct report *r, struct strbuf *out);
/* report_duration - "35 min", "24 h", "3 days" */
void report_duration(struct strbuf *out, int64_t seconds);
/* report_share - "36%", "<1%", "-" (no whole) */
const char *report_share(uint64_t part, uint64_t whole, char *buf, size_t size);
/* report_cause_groups - the ids of the groups with events of cause c, in rank
 * order, at most max into ids; returns how many groups there are in all */
size_t report_cause_groups(struct group *const *groups, size_t n_groups, const struct cause *c,
                           uint32_t *ids, size_t max);

/* fmt_count - 1234567 -> "1,234,567" into buf (at least 32 bytes) */
const char *fmt_count(uint64_t n, char *buf, size_t size);
/* fmt_time - ISO 8601 with offset, "" for 0 */
const char *fmt_time(int64_t when, int tz_minutes, char *buf, size_t size);
/* fmt_percent - "12.3%" */
const char *fmt_percent(uint64_t part, uint64_t whole, char *buf, size_t size);

#endif
