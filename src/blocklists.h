/*
 * blocklists.h - the DNS side of the blocklist catalogue (patterns/blocklists.conf).
 *
 * SUMMARY
 *   struct blcat *blcat_load(struct strbuf *err);
 *   struct blcat *blcat_from_conf(struct conf *c, struct strbuf *err);
 *   const struct blcat_list *blcat_find(const struct blcat *b, const char *id);
 *   const struct blcat_code *blcat_code(const struct blcat_list *l, uint32_t a);
 *   const struct blcat_code *blcat_error(const struct blcat_list *l, uint32_t a);
 *   void blcat_free(struct blcat *b);
 *
 * DESCRIPTION
 *   Reads every [list ID] section (the first section of an id wins, so a
 *   user's --patterns file overrides a shipped list as a whole) and keeps
 *   what the DNS checker needs. The keys label/kind/mentions/delist_url are
 *   shared with the text classifier; the DNS keys are:
 *
 *     zone          the zone queried (absent: not a DNS list, e.g. a provider)
 *     query         space list of ip4, ip6, domain (what the zone answers for)
 *     status        active | needs-key | needs-registered-resolver | dead
 *     default-check yes | no: checked when no list selection is given
 *     dqs-zone      zone template used instead of `zone` when a Spamhaus DQS
 *                   key is configured; "{key}" is replaced by the key
 *     txt           yes (default) | no: also ask for the TXT record
 *     code          ADDR TAG: meaning      (repeatable; TAG optional)
 *     error         ADDR reason            answers that are errors, not listings
 *     advice        [ADDR] text            per code, or without ADDR for any listing
 *     hint          text appended to "unknown" reasons (e.g. registration needed)
 *     test-listed / test-unlisted      RFC 5782 s5 points (default 127.0.0.2 /
 *                   127.0.0.1; domain lists "test" / "invalid")
 *     test-listed6 / test-unlisted6    IPv6 points (default ::ffff:7f00:2 / ::ffff:7f00:1)
 *
 * OWNERSHIP
 *   Every string points into the catalogue, which owns the conf it was read
 *   from; blcat_free releases all of it.
 *
 * DIAGNOSTICS
 *   A malformed DNS key (bad code address, unknown status or query word) is a
 *   configuration error: NULL and "file:line: message" in err.
 *
 * NOT DONE HERE
 *   No DNS traffic (dnsbl.c), no text matching of `mentions` (classify.c).
 */
#ifndef BS_BLOCKLISTS_H
#define BS_BLOCKLISTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "util/strbuf.h"

enum blcat_status { BLCAT_ACTIVE, BLCAT_NEEDS_KEY, BLCAT_NEEDS_REGISTERED_RESOLVER, BLCAT_DEAD };

/* what a zone answers for; the same bits as enum dnsbl_kind in dnsbl_names.h */
enum { BLCAT_Q_IP4 = 1, BLCAT_Q_IP6 = 2, BLCAT_Q_DOMAIN = 4 };

struct blcat_code {
    uint32_t addr;       /* 127.0.0.2 as 0x7f000002 */
    char text[16];       /* "127.0.0.2" */
    const char *tag;     /* "SBL", "" when none */
    const char *meaning; /* for `error`: the reason */
    const char *advice;  /* NULL: none */
};

struct blcat_list {
    const char *id;
    const char *label;
    const char *kind;       /* ip | domain | provider (classifier's word) */
    const char *delist_url; /* may be NULL */
    const char *zone;       /* NULL: not a DNS list */
    const char *dqs_zone;   /* NULL: none */
    const char *hint;       /* NULL: none */
    const char *advice;     /* default advice for a listing, NULL: none */
    int query;              /* BLCAT_Q_* bits */
    enum blcat_status status;
    bool default_check;
    bool txt;
    struct blcat_code *codes;
    size_t n_codes;
    struct blcat_code *errors;
    size_t n_errors;
    const char *test_listed, *test_unlisted, *test_listed6, *test_unlisted6;
};

struct blcat {
    struct blcat_list *lists;
    size_t n_lists;
    struct conf *conf;
};

/* blcat_load - read blocklists.conf along the search path (see conf.h) */
struct blcat *blcat_load(struct strbuf *err);
/* blcat_from_conf - build from a loaded conf; takes ownership of c (also on failure) */
struct blcat *blcat_from_conf(struct conf *c, struct strbuf *err);
/* blcat_find - the list with this id, or NULL */
const struct blcat_list *blcat_find(const struct blcat *b, const char *id);
/* blcat_code - the catalogue entry of a listing code, or NULL */
const struct blcat_code *blcat_code(const struct blcat_list *l, uint32_t a);
/* blcat_error - the catalogue entry of an error answer, or NULL */
const struct blcat_code *blcat_error(const struct blcat_list *l, uint32_t a);
/* blcat_status_word - "active", "needs-key", ... */
const char *blcat_status_word(enum blcat_status s);
void blcat_free(struct blcat *b);

#endif
