/*
 * aggregate.h - failures grouped so that one real problem is one line;
 * totals, per-domain and per-IP tallies, and time buckets for the chart.
 *
 * This is the report model: writers only format it. A group is keyed by the
 * --group-by fields (default provider, reason, fingerprint; "provider" falls
 * back to the registrable domain of the remote host - mx1.example.co.jp and
 * mx2.example.co.jp are example.co.jp - then to "(no host) DOMAIN" when only
 * the recipient domain is known, then to "(unknown recipient)"; host names
 * compare in lower case). Distinct counts count what is known: an event
 * without a recipient, domain or host adds none of them. Distinct recipients, messages and domains per group are counted
 * exactly with sets of 64-bit hashes, so memory grows with the number of
 * distinct (group, recipient) pairs - not with the size of the log.
 *
 * Group ids start at 1 (0 means none) and stay valid for the run.
 *
 * Memory does not grow with the log: past aggregate_set_max_groups groups
 * (--max-groups, default AGGREGATE_MAX_GROUPS) the smallest quarter of them
 * (fewest failures, then the longest unseen) fold into one "other texts" group
 * per reason (provider "(other texts)", folded > 0): their counts are added to
 * it (distinct counts exact for groups of up to GROUP_MAX_SAMPLES recipients and
 * domains while the "other texts" group has fewer than 10,000, summed beyond),
 * their ids lead to it
 * (aggregate_group), and each fold is counted (PROBLEM_GROUPS_FOLDED: every
 * report says so). A group key seen again after its group folded starts a new
 * group. Recipient domains past AGGREGATE_MAX_DOMAINS fold the same way into
 * "(other domains)" (PROBLEM_DOMAINS_FOLDED); implicated IPs past
 * AGGREGATE_MAX_IPS and sender domains past AGGREGATE_MAX_SENDERS are not
 * tallied (their groups still name them).
 */
#ifndef BS_AGGREGATE_H
#define BS_AGGREGATE_H

#include <stdbool.h>
#include <stdint.h>

#include "cause.h"
#include "event.h"
#include "util/strbuf.h"

#define GROUP_MAX_IPS 8
#define GROUP_MAX_SAMPLES 5
#define GROUP_MAX_CAUSES 4 /* causes a group's events belong to, first ones */

enum group_field {
    GROUP_BY_PROVIDER = 1,
    GROUP_BY_HOST = 2,
    GROUP_BY_DOMAIN = 4,
    GROUP_BY_REASON = 8,
    GROUP_BY_FINGERPRINT = 16,
    GROUP_BY_SENDER = 32,        /* the envelope sender (lower case): one sending account */
    GROUP_BY_SENDER_DOMAIN = 64, /* the sender's domain (lower case) */
};

struct ip_tally {
    char *ip;
    uint64_t count;
};

struct group {
    uint32_t id;
    char *key; /* the --group-by fields, 0x1f-separated; may hold any log byte */
    size_t keylen;
    char *provider;    /* provider name, or remote host, or "" */
    char *remote_host; /* first remote host seen */
    char *domain;      /* first recipient domain seen */
    char *sender;      /* first envelope sender seen (the sending account) */
    const struct reason *reason;
    const struct blocklist_ref *blocklist;
    uint64_t fingerprint;
    const char *template_text; /* shared by every group of that fingerprint */
    char *dsn;
    char *sample_text; /* one real text */
    char *sample_recipient;
    const char *sample_file;
    uint64_t sample_line;
    enum text_source text_source;
    bool own_fault; /* the sample's: a fault of our own system (reasons.conf own-*) */
    int64_t first, last;
    int tz_minutes;
    uint64_t count[4]; /* by enum delivery_status (SENT unused) */
    uint64_t recipients, messages, domains, hosts;
    uint64_t delivered_later; /* recipients delivered after a deferral of this group */
    struct ip_tally ips[GROUP_MAX_IPS];
    unsigned n_ips;
    char *sample_domains[GROUP_MAX_SAMPLES];
    unsigned n_sample_domains;
    char *sample_recipients[GROUP_MAX_SAMPLES];
    unsigned n_sample_recipients;
    uint64_t folded;   /* an "other texts" group: the groups folded into it (0: an ordinary one) */
    bool is_new;       /* first seen in this run, and a cause of it is new (history) */
    uint32_t cause_id; /* the cause of its first event (aggregate_cause) */
    uint32_t causes[GROUP_MAX_CAUSES]; /* the causes of its events (cause_id first) */
    unsigned n_causes;
    uint32_t last_cause; /* of its last event: the next one is most likely of it too */
};

struct domain_tally {
    char *domain;
    char *provider;
    uint64_t count[4];                  /* sent, deferred, bounced, expired */
    uint32_t groups[GROUP_MAX_SAMPLES]; /* ids of the first groups with its failures */
    unsigned n_groups;
};

struct ip_summary {
    char *ip;
    uint64_t events;
    uint32_t groups[GROUP_MAX_SAMPLES]; /* ids of the first groups naming it */
    unsigned n_groups;
    const struct blocklist_ref *named[8]; /* blocklists the texts named */
    unsigned n_named;
    bool ours; /* given by --our-ip, or a sender domain with --check-domains */
};

struct time_bucket {
    int64_t start;       /* UTC seconds, multiple of the bucket width */
    uint64_t *by_reason; /* counts per reason index */
};

struct aggregate_totals {
    uint64_t count[4];   /* sent, deferred, bounced, expired events */
    int64_t first, last; /* time span of failures and deliveries */
    int tz_minutes;      /* offset of the last line, for display */
};

struct aggregate;

/* groups kept at most (--max-groups): a report of more is read by no one, and each
 * costs ~1.3 KB here and ~1-2 KB of JSON; 20,000 keep the JSON report near 30 MB */
#define AGGREGATE_MAX_GROUPS 20000
/* recipient domains kept at most (~200 bytes each) */
#define AGGREGATE_MAX_DOMAINS 100000
/* implicated IPs and sender domains tallied at most */
#define AGGREGATE_MAX_IPS 50000
#define AGGREGATE_MAX_SENDERS 10000
/* the provider label of a group of folded texts */
#define AGGREGATE_OTHER_TEXTS "(other texts)"
#define AGGREGATE_OTHER_DOMAINS "(other domains)"

struct aggregate *aggregate_new(unsigned group_fields, size_t n_reasons);
/* aggregate_set_max_groups - fold the smallest groups past max (0: AGGREGATE_MAX_GROUPS) */
void aggregate_set_max_groups(struct aggregate *a, size_t max);
void aggregate_free(struct aggregate *a);

/* the grouping when --group-by is not given */
#define AGGREGATE_DEFAULT_GROUP_BY "provider,reason,fingerprint"

/* aggregate_parse_group_by - "provider,reason" -> fields; -1 and err on a bad name */
int aggregate_parse_group_by(const char *spec, unsigned *fields, struct strbuf *err);

/* aggregate_add - count one failure event; returns its group id */
uint32_t aggregate_add(struct aggregate *a, const struct event *e);
/* aggregate_sent - count one successful delivery (for totals and failure rates) */
void aggregate_sent(struct aggregate *a, struct slice domain, struct slice provider, int64_t when,
                    int tz_minutes);
/* aggregate_delivered_later - a recipient deferred in group_id got through */
void aggregate_delivered_later(struct aggregate *a, uint32_t group_id);
/* aggregate_add_our_ip - an IP the user named, checked even when no text names it */
void aggregate_add_our_ip(struct aggregate *a, const char *ip);

/* aggregate_sender_domains - the sender domains of the failures (for domain
 * blocklists), sorted; the caller frees the array, not the strings */
const char **aggregate_sender_domains(struct aggregate *a, size_t *n);

/* sorted views, valid until the aggregate changes; the caller frees the arrays */
struct group **aggregate_groups(struct aggregate *a, size_t *n);
struct domain_tally **aggregate_domains(struct aggregate *a, size_t *n);
struct ip_summary **aggregate_ips(struct aggregate *a, size_t *n);
struct group *aggregate_group(struct aggregate *a, uint32_t id);
const struct aggregate_totals *aggregate_totals(const struct aggregate *a);
/* aggregate_buckets - time buckets (hourly), in time order; caller frees the array */
struct time_bucket **aggregate_buckets(struct aggregate *a, size_t *n, int64_t *width);
size_t aggregate_n_reasons(const struct aggregate *a);
/* aggregate_fields - the --group-by fields (enum group_field bits) */
unsigned aggregate_fields(const struct aggregate *a);

/* causes above the groups (cause.h), counted with the groups by aggregate_add */
/* aggregate_causes - final failures first; the caller frees the array */
struct cause **aggregate_causes(struct aggregate *a, size_t *n);
/* aggregate_cause - by id, NULL when there is none */
struct cause *aggregate_cause(struct aggregate *a, uint32_t id);

#endif
