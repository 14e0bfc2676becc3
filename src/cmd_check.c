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
 *   Exit 0 otherwise, listed or not.
 *
 * NOT DONE HERE
 *   No database yet (--no-db is accepted; the store will plug into the
 *   dnsbl cache hooks). The CSV/JSON escapers are local until the shared
 *   writer module exists.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem (slice.h), getline */
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "conf.h"
#include "dnsbl.h"
#include "dns_stage.h"
#include "escape.h"
#include "util/msg.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* csv_cell - one RFC 4180 cell through escape.c's csv_field (formula
 * neutralisation included), then a comma or the line end */
static void csv_cell(FILE *fp, const char *s, bool last)
{
    struct strbuf b = STRBUF_INIT;
    csv_field(&b, slice_cstr(s ? s : ""));
    fwrite(strbuf_cstr(&b), 1, b.len, fp);
    fputs(last ? "\r\n" : ",", fp);
    strbuf_free(&b);
}

/* json_str - a JSON string literal through escape.c's json_string (NULL: null);
 * TXT records come from the network and are as untrusted as log text */
static void json_str(FILE *fp, const char *s)
{
    if (!s) {
        fputs("null", fp);
        return;
    }
    struct strbuf b = STRBUF_INIT;
    json_string(&b, slice_cstr(s));
    fwrite(strbuf_cstr(&b), 1, b.len, fp);
    strbuf_free(&b);
}

/* codes_text - "127.0.0.2,127.0.0.4" and "SBL: ...; XBL: ..." of a result */
static void codes_text(const struct dnsbl_result *r, struct strbuf *codes, struct strbuf *meaning)
{
    strbuf_reset(codes);
    strbuf_reset(meaning);
    for (size_t k = 0; k < r->n_codes; k++) {
        const struct dnsbl_code *c = &r->codes[k];
        strbuf_addf(codes, "%s%s", k ? "," : "", c->addr);
        strbuf_addf(meaning, "%s%s%s%s", k ? "; " : "", c->tag, *c->tag ? ": " : "", c->meaning);
    }
}

static void check_write_text(FILE *fp, const struct dnsbl *d)
{
    for (size_t i = 0; i < dnsbl_count(d); i++) {
        const struct dnsbl_entry *e = dnsbl_at(d, i);
        size_t listed = 0, unknown = 0;
        for (size_t j = 0; j < e->n_results; j++) {
            listed += e->results[j].status == DNSBL_LISTED;
            unknown += e->results[j].status == DNSBL_UNKNOWN;
        }
        fprintf(fp, "%s%s (%s): ", i ? "\n" : "", e->address, e->kind);
        if (e->n_results == 0)
            fprintf(fp, "no blocklist checked answers for this kind of address\n");
        else if (listed)
            fprintf(fp, "LISTED on %zu of %zu lists", listed, e->n_results);
        else if (unknown)
            fprintf(fp, "not known to be listed, but %zu of %zu lists could not be checked",
                    unknown, e->n_results);
        else
            fprintf(fp, "not listed on any of %zu lists", e->n_results);
        if (e->n_results && listed && unknown)
            fprintf(fp, " (%zu could not be checked)", unknown);
        if (e->n_results)
            fputc('\n', fp);
        for (size_t j = 0; j < e->n_results; j++) {
            const struct dnsbl_result *r = &e->results[j];
            fprintf(fp, "  %-26s %-26s ", r->list_label, r->zone);
            switch (r->status) {
            case DNSBL_LISTED:
                fprintf(fp, "LISTED\n");
                for (size_t k = 0; k < r->n_codes; k++) {
                    const struct dnsbl_code *c = &r->codes[k];
                    fprintf(fp, "      %s %s%s%s\n", c->addr, c->tag, *c->tag ? ": " : "",
                            c->meaning);
                    if (c->advice)
                        fprintf(fp, "        what to do: %s\n", c->advice);
                }
                if (r->txt && *r->txt)
                    fprintf(fp, "      list says: %s\n", r->txt);
                if (r->advice && !(r->n_codes && r->codes[0].advice))
                    fprintf(fp, "      what to do: %s\n", r->advice);
                if (r->delist_url)
                    fprintf(fp, "      removal: %s\n", r->delist_url);
                break;
            case DNSBL_NOT_LISTED:
                fprintf(fp, "not listed\n");
                break;
            case DNSBL_UNKNOWN:
                fprintf(fp, "UNKNOWN: %s\n", r->reason ? r->reason : "");
                break;
            case DNSBL_UNCHECKED:
                fprintf(fp, "not checked\n");
                break;
            }
        }
    }
    size_t nt = dnsbl_zone_test_count(d);
    if (nt) {
        fprintf(fp, "\nzone self-tests (RFC 5782):\n");
        for (size_t i = 0; i < nt; i++) {
            const struct dnsbl_zone_test *z = dnsbl_zone_test_at(d, i);
            fprintf(fp, "  %-26s %-6s %s%s%s\n", z->zone, z->family,
                    z->usable ? "ok" : "UNUSABLE from this resolver", z->usable ? "" : ": ",
                    z->usable ? "" : z->reason);
        }
    }
}

static void check_write_csv(FILE *fp, const struct dnsbl *d)
{
    struct strbuf codes = STRBUF_INIT, meaning = STRBUF_INIT;
    fputs("address,list,zone,status,codes,meaning,txt,delist_url,detail,advice\r\n", fp);
    for (size_t i = 0; i < dnsbl_count(d); i++) {
        const struct dnsbl_entry *e = dnsbl_at(d, i);
        for (size_t j = 0; j < e->n_results; j++) {
            const struct dnsbl_result *r = &e->results[j];
            codes_text(r, &codes, &meaning);
            csv_cell(fp, e->address, false);
            csv_cell(fp, r->list_id, false);
            csv_cell(fp, r->zone, false);
            csv_cell(fp, dnsbl_status_word(r->status), false);
            csv_cell(fp, strbuf_cstr(&codes), false);
            csv_cell(fp, strbuf_cstr(&meaning), false);
            csv_cell(fp, r->txt, false);
            csv_cell(fp, r->delist_url, false);
            csv_cell(fp, r->reason, false);
            csv_cell(fp, r->status == DNSBL_LISTED ? r->advice : NULL, true);
        }
    }
    strbuf_free(&codes);
    strbuf_free(&meaning);
}

static void check_write_json(FILE *fp, const struct dnsbl *d)
{
    fputs("{\"addresses\":[", fp);
    for (size_t i = 0; i < dnsbl_count(d); i++) {
        const struct dnsbl_entry *e = dnsbl_at(d, i);
        fprintf(fp, "%s\n {\"address\":", i ? "," : "");
        json_str(fp, e->address);
        fputs(",\"kind\":", fp);
        json_str(fp, e->kind);
        fputs(",\"status\":", fp);
        json_str(fp, dnsbl_status_word(e->summary));
        fputs(",\"results\":[", fp);
        for (size_t j = 0; j < e->n_results; j++) {
            const struct dnsbl_result *r = &e->results[j];
            fprintf(fp, "%s\n  {\"list\":", j ? "," : "");
            json_str(fp, r->list_id);
            fputs(",\"label\":", fp);
            json_str(fp, r->list_label);
            fputs(",\"zone\":", fp);
            json_str(fp, r->zone);
            fputs(",\"status\":", fp);
            json_str(fp, dnsbl_status_word(r->status));
            fputs(",\"codes\":[", fp);
            for (size_t k = 0; k < r->n_codes; k++) {
                const struct dnsbl_code *c = &r->codes[k];
                fputs(k ? ",{\"code\":" : "{\"code\":", fp);
                json_str(fp, c->addr);
                fputs(",\"tag\":", fp);
                json_str(fp, c->tag);
                fputs(",\"meaning\":", fp);
                json_str(fp, c->meaning);
                fputs(",\"advice\":", fp);
                json_str(fp, c->advice);
                fputc('}', fp);
            }
            fputs("],\"txt\":", fp);
            json_str(fp, r->txt && *r->txt ? r->txt : NULL);
            fputs(",\"delist_url\":", fp);
            json_str(fp, r->delist_url);
            fputs(",\"reason\":", fp);
            json_str(fp, r->reason);
            fputs(",\"advice\":", fp);
            json_str(fp, r->status == DNSBL_LISTED ? r->advice : NULL);
            fprintf(fp, ",\"ttl\":%u}", (unsigned)r->ttl);
        }
        fputs("]}", fp);
    }
    fputs("\n],\"zone_tests\":[", fp);
    for (size_t i = 0; i < dnsbl_zone_test_count(d); i++) {
        const struct dnsbl_zone_test *z = dnsbl_zone_test_at(d, i);
        fprintf(fp, "%s\n {\"list\":", i ? "," : "");
        json_str(fp, z->list_id);
        fputs(",\"zone\":", fp);
        json_str(fp, z->zone);
        fputs(",\"family\":", fp);
        json_str(fp, z->family);
        fprintf(fp, ",\"usable\":%s,\"reason\":", z->usable ? "true" : "false");
        json_str(fp, z->reason);
        fputc('}', fp);
    }
    fputs("\n]}\n", fp);
}

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

int cmd_check(const struct options *o)
{
    struct strbuf err = STRBUF_INIT;
    if (strcmp(o->format, "text") && strcmp(o->format, "csv") && strcmp(o->format, "json")) {
        fprintf(stderr, "bouncescope: check: --format must be text, csv or json\n");
        return EXIT_USAGE;
    }
    bool from_stdin = o->n_args == 1 && !strcmp(o->args[0], "-");
    if (o->n_args == 0 && o->n_our_ips == 0) {
        fprintf(stderr, "bouncescope: check: give IP addresses or domains, or - to read them from "
                        "standard input\n");
        return EXIT_USAGE;
    }
    /* main.c leaves the search path to the commands: --patterns dirs before the shipped one */
    for (size_t i = 0; i < o->n_patterns; i++)
        conf_search_add(o->patterns[i]);
    struct dnsbl_config cfg = dns_config_from_options(o);
    struct dnsbl *d = dnsbl_new(&cfg, &err);
    if (!d) {
        fprintf(stderr, "bouncescope: %s\n", strbuf_cstr(&err));
        strbuf_free(&err);
        return EXIT_USAGE;
    }
    int rc = EXIT_OK;
    if (from_stdin) {
        read_stdin(d);
    } else {
        for (size_t i = 0; i < o->n_args; i++)
            if (dnsbl_add(d, o->args[i]) < 0) {
                fprintf(stderr, "bouncescope: check: '%s' is not an IP address or domain name\n",
                        o->args[i]);
                rc = EXIT_USAGE;
            }
    }
    for (size_t i = 0; i < o->n_our_ips; i++)
        if (dnsbl_add(d, o->our_ips[i]) < 0) {
            fprintf(stderr, "bouncescope: --our-ip '%s' is not an IP address\n", o->our_ips[i]);
            rc = EXIT_USAGE;
        }
    if (rc != EXIT_OK)
        goto out;
    if (dnsbl_run(d, &err) < 0) {
        fprintf(stderr, "bouncescope: check: %s\n", strbuf_cstr(&err));
        rc = EXIT_INTERNAL;
        goto out;
    }
    FILE *fp = stdout;
    if (o->output && !(fp = fopen(o->output, "w"))) {
        fprintf(stderr, "bouncescope: %s: cannot write: %s\n", o->output, strerror(errno));
        rc = EXIT_INPUT;
        goto out;
    }
    if (!strcmp(o->format, "csv"))
        check_write_csv(fp, d);
    else if (!strcmp(o->format, "json"))
        check_write_json(fp, d);
    else
        check_write_text(fp, d);
    if (fp != stdout ? fclose(fp) != 0 : fflush(fp) != 0) {
        fprintf(stderr, "bouncescope: %s: write error\n", o->output ? o->output : "stdout");
        rc = EXIT_INTERNAL;
    }
out:
    dnsbl_free(d);
    strbuf_free(&err);
    return rc;
}
