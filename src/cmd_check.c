/*
 * cmd_check.c - `bouncescope check ADDR...|-`: look addresses up in DNS blocklists now.
 *
 * SUMMARY
 *   int cmd_check(const struct options *o);
 *
 * DESCRIPTION
 *   Addresses (IPv4, IPv6, domains) come from the arguments, or one per line
 *   from standard input when the only argument is "-" (blank lines and lines
 *   starting with '#' are skipped). --our-ip addresses are checked too. The
 *   result is printed as text (per address: every list with its status,
 *   codes and their meaning, TXT, advice, delisting URL; then the zone
 *   self-tests), csv (one row per address and list:
 *   address,list,zone,status,codes,meaning,txt,delist_url,detail,advice) or
 *   json. The DQS key (BOUNCESCOPE_DQS_KEY) is never printed.
 *
 * DIAGNOSTICS
 *   An argument that is neither an IP nor a domain is a usage error (exit 1);
 *   a bad line on stdin is warned about and skipped. Bad configuration
 *   (catalogue, --dns-server): exit 1. c-ares failing as a whole: exit 3.
 *   Lookup failures are results ("unknown" with the reason), not errors.
 *   Otherwise the exit status says what was found, for monitoring scripts:
 *   0 nothing listed and every lookup answered, 11 (EXIT_CHECK_LISTED) an
 *   address is listed somewhere, 12 (EXIT_CHECK_UNKNOWN) nothing listed but
 *   some lookups failed - never 0 for a check that could not be made.
 *
 * NOT DONE HERE
 *   No database yet (--no-db is accepted; the store will plug into the
 *   dnsbl cache hooks). The answers' layouts are in write_check.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem (slice.h), getline */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_common.h"
#include "commands.h"
#include "dnsbl.h"
#include "util/msg.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* read_stdin - add one address per line; bad lines are warned about and skipped */
static void read_stdin(struct dnsbl *d)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0, bad = 0;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        struct slice s = slice_trim(slice_make(line, (size_t)n));
        while (s.n && (s.p[s.n - 1] == '\n' || s.p[s.n - 1] == '\r'))
            s.n--;
        s = slice_trim(s);
        if (s.n == 0 || s.p[0] == '#')
            continue;
        char *a = xmemdup(s.p, s.n);
        if (dnsbl_add(d, a) < 0 && ++bad <= 5)
            msg_warn("stdin:%lu: '%.80s' is not an IP address or domain, skipped", lineno, a);
        free(a);
    }
    if (bad > 5)
        msg_warn("stdin: %lu lines were not addresses (first 5 shown)", bad);
    free(line);
}

/* add_addresses - the arguments (or stdin) and --our-ip; EXIT_OK or EXIT_USAGE */
static int add_addresses(const struct options *o, struct dnsbl *d)
{
    int rc = EXIT_OK;
    if (o->n_args == 1 && !strcmp(o->args[0], "-")) {
        read_stdin(d);
    } else {
        for (size_t i = 0; i < o->n_args; i++)
            if (dnsbl_add(d, o->args[i]) < 0) {
                msg_error("check: '%s' is not an IP address or domain name", o->args[i]);
                rc = EXIT_USAGE;
            }
    }
    for (size_t i = 0; i < o->n_our_ips; i++)
        if (dnsbl_add(d, o->our_ips[i]) < 0) {
            msg_error("--our-ip '%s' is not an IP address", o->our_ips[i]);
            rc = EXIT_USAGE;
        }
    return rc;
}

/* check_status - the exit status a monitoring script reads: listed somewhere
 * (EXIT_CHECK_LISTED), else could not check everything (EXIT_CHECK_UNKNOWN),
 * else clean (EXIT_OK) */
static int check_status(const struct dnsbl *d)
{
    bool unknown = false;
    for (size_t i = 0; i < dnsbl_count(d); i++) {
        enum dnsbl_status st = dnsbl_at(d, i)->summary;
        if (st == DNSBL_LISTED)
            return EXIT_CHECK_LISTED;
        unknown |= st == DNSBL_UNKNOWN || st == DNSBL_UNCHECKED;
    }
    return unknown ? EXIT_CHECK_UNKNOWN : EXIT_OK;
}

int cmd_check(const struct options *o)
{
    struct strbuf err = STRBUF_INIT;
    if (strcmp(o->format, "text") && strcmp(o->format, "csv") && strcmp(o->format, "json")) {
        msg_error("check: --format must be text, csv or json");
        return EXIT_USAGE;
    }
    if (o->n_args == 0 && o->n_our_ips == 0) {
        msg_error("check: give IP addresses or domains, or - to read them from standard input");
        return EXIT_USAGE;
    }
    cmd_setup_patterns(o);
    struct dnsbl_config cfg = cmd_dnsbl_config(o);
    struct dnsbl *d = dnsbl_new(&cfg, &err);
    if (!d) {
        msg_error("%s", strbuf_cstr(&err));
        strbuf_free(&err);
        return EXIT_USAGE;
    }
    int rc = add_addresses(o, d);
    if (rc != EXIT_OK)
        goto out;
    if (dnsbl_run(d, &err) < 0) {
        msg_error("check: %s", strbuf_cstr(&err));
        rc = EXIT_INTERNAL;
        goto out;
    }
    struct report_output out;
    if ((rc = report_output_open(&out, o->output)) != EXIT_OK)
        goto out;
    rc = report_output_close(&out, write_check(out.fp, o->format, d));
    if (rc == EXIT_OK)
        rc = check_status(d);
out:
    dnsbl_free(d);
    strbuf_free(&err);
    return rc;
}
