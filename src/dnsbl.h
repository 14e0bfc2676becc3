/*
 * dnsbl.h - check IPs and domains against DNS blocklists with c-ares.
 *
 * SUMMARY
 *   struct dnsbl *dnsbl_new(const struct dnsbl_config *cfg, struct strbuf *err);
 *   int dnsbl_add(struct dnsbl *d, const char *address);
 *   int dnsbl_run(struct dnsbl *d, struct strbuf *err);
 *   size_t dnsbl_count(const struct dnsbl *d);
 *   const struct dnsbl_entry *dnsbl_at(const struct dnsbl *d, size_t i);
 *   const struct dnsbl_entry *dnsbl_get(const struct dnsbl *d, const char *address);
 *   size_t dnsbl_zone_test_count(const struct dnsbl *d);
 *   const struct dnsbl_zone_test *dnsbl_zone_test_at(const struct dnsbl *d, size_t i);
 *   void dnsbl_render_lists(const struct dnsbl_entry *e, struct strbuf *out);
 *   const char *dnsbl_status_word(enum dnsbl_status s);
 *   const struct dnsbl_stats *dnsbl_stats(const struct dnsbl *d);
 *   void dnsbl_free(struct dnsbl *d);
 *
 * DESCRIPTION
 *   Typical use (scan, after aggregation):
 *
 *       struct dnsbl_config cfg = { .servers = o->dns_servers, .n_servers = o->n_dns_servers,
 *                                   .timeout_ms = o->dns_timeout_ms, .tries = o->dns_tries,
 *                                   .max_inflight = o->dns_max_inflight };
 *       struct dnsbl *d = dnsbl_new(&cfg, &err);        // NULL: bad config, message in err
 *       for each implicated IP and --our-ip: dnsbl_add(d, ip);   // -1: not an address, skipped
 *       dnsbl_run(d, &err);                              // -1 only if c-ares itself failed
 *       const struct dnsbl_entry *e = dnsbl_get(d, ip);  // per address: summary + results
 *       dnsbl_status_word(e ? e->summary : DNSBL_UNCHECKED)  -> implicated_ip_status
 *       dnsbl_render_lists(e, &sb)                            -> implicated_ip_lists
 *
 *   dnsbl_new loads patterns/blocklists.conf along the conf search path (the
 *   caller has already called conf_search_add for every --patterns DIR) and
 *   sets up one c-ares channel: the system resolver, or cfg->servers
 *   ("HOST[:PORT]", numeric HOST, "[v6]:PORT" for IPv6 with a port).
 *
 *   dnsbl_run first self-tests every (zone, address family) it needs
 *   (RFC 5782 s5: 127.0.0.2 listed, 127.0.0.1 not; ::ffff:7f00:2/1 for IPv6;
 *   "test"/"invalid" or the catalogue's points for domain lists). A zone that
 *   fails is not asked about any address: those results are DNSBL_UNKNOWN
 *   with the self-test's reason. Then it sends an A query (and a TXT query
 *   when the list has TXT) for every (address, list), at most max_inflight at
 *   a time, driven by ARES_OPT_SOCK_STATE_CB + poll + ares_process_fd.
 *   dnsbl_run may be called again after more dnsbl_add calls: addresses and
 *   zones already done are not asked again (the per-run cache; negative
 *   answers included).
 *
 *   Interpretation of an answer: it is read whole by dnsbl_answer_read
 *   (dnsbl_answer.h), and only two shapes decide: NXDOMAIN to our question is
 *   "not listed" (and only because the zone passed its self-test), A records
 *   of exactly 4 bytes for our name are codes. Anything else - NOERROR with
 *   no A record, an A record of another length, a CNAME chain or loop with no
 *   A, an answer to another question, truncated, SERVFAIL, REFUSED, garbage,
 *   a timeout - is unknown with that reason. Of the codes, the catalogue's
 *   listings are listed; its `error` answers (Spamhaus
 *   127.255.255.252/.254/.255, DBL 127.0.1.255), 127.0.0.1 and anything
 *   outside 127.0.0.0/8 make the result unknown, never listed. A code the
 *   list repeats in one answer is shown once.
 *
 *   TTL: a listed answer's TTL is the smallest of its records, bounded to
 *   [DNSBL_TTL_MIN, DNSBL_TTL_MAX] (1 minute, 1 day: a list that answers with
 *   TTL 2147483647 must not keep a delisted address "listed" for decades);
 *   NXDOMAIN gets DNSBL_NEGATIVE_TTL.
 *
 * PERSISTENT CACHE HOOK
 *   If cfg->cache_lookup is set, it is asked before any query for (address,
 *   display zone); a hit (return 1) fills the result without DNS traffic.
 *   cfg->cache_store is called for every fresh listed/not_listed result with
 *   the answer's bounded TTL (NXDOMAIN: DNSBL_NEGATIVE_TTL). Unknown results
 *   are never stored. A hit whose remaining TTL is over DNSBL_TTL_MAX (a row
 *   stored before TTLs were bounded) is ignored and the address asked again.
 *   The store module implements both over its dnsbl table.
 *
 * OWNERSHIP
 *   Everything returned points into the context and lives until dnsbl_free;
 *   dnsbl_add and dnsbl_run may move entries, so do not keep an entry pointer
 *   across them. The Spamhaus DQS key is never part of any returned string.
 *
 * DIAGNOSTICS
 *   dnsbl_new: NULL with "why" in err (unreadable catalogue, bad --dns-server,
 *   unknown list id, c-ares init failure). dnsbl_run: -1 only when c-ares
 *   fails as a whole; per-query failures are results, not errors.
 *
 * NOT DONE HERE
 *   Choosing which IPs to check (classify/scan), printing (cmd_check.c and
 *   the report writers), the SQLite table (store).
 */
#ifndef BS_DNSBL_H
#define BS_DNSBL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

#define DNSBL_DEFAULT_TIMEOUT_MS 400
#define DNSBL_DEFAULT_TRIES 2
#define DNSBL_DEFAULT_MAX_INFLIGHT 200
/* TTL given to a cached NXDOMAIN: the authority SOA is not parsed; an hour
 * keeps a nightly run from re-asking and a re-listing visible the next day */
#define DNSBL_NEGATIVE_TTL 3600

enum dnsbl_status { DNSBL_UNCHECKED = 0, DNSBL_NOT_LISTED, DNSBL_LISTED, DNSBL_UNKNOWN };

/* one (address, zone) answer as a persistent cache keeps it */
struct dnsbl_cached {
    enum dnsbl_status status; /* DNSBL_LISTED or DNSBL_NOT_LISTED */
    const char *codes;        /* "127.0.0.2,127.0.0.4", "" when not listed */
    const char *txt;          /* "" when none */
    uint32_t ttl;             /* seconds the answer may be reused */
};

struct dnsbl_config {
    const char *const *servers; /* "HOST[:PORT]"; none: the system resolver */
    size_t n_servers;
    long timeout_ms;     /* per try; 0: DNSBL_DEFAULT_TIMEOUT_MS (c-ares doubles it per retry) */
    long tries;          /* 0: DNSBL_DEFAULT_TRIES */
    long max_inflight;   /* 0: DNSBL_DEFAULT_MAX_INFLIGHT */
    const char *dqs_key; /* Spamhaus DQS key; NULL: $BOUNCESCOPE_DQS_KEY */
    const char *const *lists; /* list ids to check; NULL: every default-check list */
    size_t n_lists;
    /* optional persistent cache; strings filled by lookup must live until the next call */
    int (*cache_lookup)(void *arg, const char *address, const char *zone, struct dnsbl_cached *out);
    void (*cache_store)(void *arg, const char *address, const char *zone,
                        const struct dnsbl_cached *in);
    void *cache_arg;
};

struct dnsbl_code {
    char addr[16];       /* "127.0.0.2" */
    const char *tag;     /* "SBL", "" */
    const char *meaning; /* from the catalogue, or "code not in the catalogue" */
    const char *advice;  /* NULL: none */
};

struct dnsbl_result {
    const char *list_id;    /* "spamhaus" */
    const char *list_label; /* "Spamhaus ZEN" */
    const char *zone;       /* as shown: "zen.spamhaus.org", "zen.dq.spamhaus.net" (no key) */
    const char *delist_url; /* "{ip}" replaced; NULL: none */
    enum dnsbl_status status;
    const struct dnsbl_code *codes; /* listed: sorted by address */
    size_t n_codes;
    const char *txt;    /* the TXT record(s), strings joined; "" when none */
    const char *reason; /* unknown: why ("timeout", "SERVFAIL", ...); else NULL */
    const char *advice; /* listed: first code advice, else the list's; NULL: none */
    uint32_t ttl;
    bool cached; /* from cfg->cache_lookup */
};

struct dnsbl_entry {
    const char *address;                /* normalised ("::ffff:192.0.2.1" -> "192.0.2.1") */
    const char *kind;                   /* "ip4", "ip6", "domain" */
    enum dnsbl_status summary;          /* listed if any list lists it, else unknown if any
                                  is unknown, else not_listed; unchecked before a run */
    const struct dnsbl_result *results; /* one per list that answers for this kind */
    size_t n_results;
};

struct dnsbl_zone_test {
    const char *list_id;
    const char *zone;   /* as shown */
    const char *family; /* "ip4", "ip6", "domain" */
    bool usable;
    const char *reason; /* !usable: why; NULL when usable */
};

struct dnsbl_stats {
    size_t queries;  /* sent to c-ares (A and TXT, self-tests included) */
    size_t answered; /* any DNS answer (incl. NXDOMAIN, SERVFAIL, REFUSED) */
    size_t timeouts; /* no answer after every try */
    size_t lookups;  /* (address, list) pairs resolved by DNS this context */
    size_t cache_hits;
};

struct dnsbl;

/* dnsbl_new - load the catalogue, open a channel; NULL and err on bad configuration */
struct dnsbl *dnsbl_new(const struct dnsbl_config *cfg, struct strbuf *err);
/* dnsbl_add - queue an IPv4/IPv6 address or a domain; 0, or -1 if it is neither */
int dnsbl_add(struct dnsbl *d, const char *address);
/* dnsbl_run - resolve everything queued; 0, or -1 if c-ares failed as a whole */
int dnsbl_run(struct dnsbl *d, struct strbuf *err);
size_t dnsbl_count(const struct dnsbl *d);
const struct dnsbl_entry *dnsbl_at(const struct dnsbl *d, size_t i);
/* dnsbl_get - the entry of an address (any spelling dnsbl_add accepts), or NULL */
const struct dnsbl_entry *dnsbl_get(const struct dnsbl *d, const char *address);
size_t dnsbl_zone_test_count(const struct dnsbl *d);
const struct dnsbl_zone_test *dnsbl_zone_test_at(const struct dnsbl *d, size_t i);
/* dnsbl_render_lists - "zen.spamhaus.org=127.0.0.2,127.0.0.4;bl.spamcop.net=127.0.0.2"
 * (listed results only; nothing appended for NULL or none) */
void dnsbl_render_lists(const struct dnsbl_entry *e, struct strbuf *out);
/* dnsbl_status_word - "listed", "not_listed", "unknown", "unchecked" */
const char *dnsbl_status_word(enum dnsbl_status s);
const struct dnsbl_stats *dnsbl_stats(const struct dnsbl *d);
void dnsbl_free(struct dnsbl *d);

#endif
