/*
 * dns_stage.h - the blocklist stage of scan/report: the implicated IPs of
 * an aggregate (and --our-ip) checked against the DNS blocklists, exposed to
 * the writers as a struct report_dns.
 *
 * Without a config (--no-dns), or with nothing to check, dns->checked is
 * false and dns->note says why; the writers then say "not checked", never
 * "clean".
 */
#ifndef BS_DNS_STAGE_H
#define BS_DNS_STAGE_H

#include "aggregate.h"
#include "dnsbl.h"
#include "report.h"

struct dns_stage;
struct store;

/* dns_stage_run - look the IPs of agg up with the engine settings cfg (NULL: --no-dns,
 * nothing is looked up) and fill dns; free with dns_stage_free. With a store, fresh
 * answers of earlier runs are reused (within their TTL) and new listed/not-listed
 * answers are kept there; unknown results never are. */
struct dns_stage *dns_stage_run(const struct dnsbl_config *cfg, struct aggregate *agg,
                                struct store *store, struct report_dns *dns);
void dns_stage_free(struct dns_stage *s);

#endif
