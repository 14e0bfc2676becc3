/*
 * dns_stage.c - implicated IPs -> DNS blocklist results for the writers.
 *
 * (Being wired to the c-ares engine in dnsbl.c; until then every IP is
 * reported as not checked, with the reason.)
 */
#include "dns_stage.h"

#include <stdlib.h>

#include "util/xalloc.h"

struct dns_stage {
    int unused;
};

struct dns_stage *dns_stage_run(const struct options *o, struct aggregate *agg,
                                struct report_dns *dns)
{
    (void)agg;
    dns->checked = false;
    dns->note = o->no_dns ? "not checked (--no-dns)" : "not checked (DNS stage not available)";
    return xcalloc(1, sizeof(struct dns_stage));
}

void dns_stage_free(struct dns_stage *s)
{
    free(s);
}
