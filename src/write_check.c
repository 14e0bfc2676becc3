/*
 * write_check.c - `check`'s answers: per address every list with its status,
 * codes and their meaning, TXT, advice and delisting URL, then the zone
 * self-tests; as text, CSV (one row per address and list:
 * address,list,zone,status,codes,meaning,txt,delist_url,detail,advice) or
 * JSON (through json.c).
 *
 * SYNOPSIS
 *   int write_check(FILE *fp, const char *format, const struct dnsbl *d);
 *
 * DIAGNOSTICS
 *   Returns -1 when the stream reports a write error, else 0. The DQS key is
 *   part of no answer and is never written.
 *
 * Not here: the lookups (dnsbl.c), the command (cmd_check.c).
 */
#include <string.h>

#include "dnsbl.h"
#include "escape.h"
#include "json.h"
#include "report.h"
#include "util/strbuf.h"

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

/* str - a JSON string, null for NULL (not for ""); TXT records come from the
 * network and are as untrusted as log text: the writer escapes them */
static void str(struct jw *w, const char *key, const char *s)
{
    if (s)
        jw_cstr(w, key, s);
    else
        jw_null(w, key);
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
    struct jw w;
    jw_begin(&w, fp);
    jw_open(&w, NULL, '{', false);
    jw_open(&w, "addresses", '[', false);
    for (size_t i = 0; i < dnsbl_count(d); i++) {
        const struct dnsbl_entry *e = dnsbl_at(d, i);
        jw_open(&w, NULL, '{', false);
        str(&w, "address", e->address);
        str(&w, "kind", e->kind);
        str(&w, "status", dnsbl_status_word(e->summary));
        jw_open(&w, "results", '[', false);
        for (size_t j = 0; j < e->n_results; j++) {
            const struct dnsbl_result *r = &e->results[j];
            jw_open(&w, NULL, '{', true);
            str(&w, "list", r->list_id);
            str(&w, "label", r->list_label);
            str(&w, "zone", r->zone);
            str(&w, "status", dnsbl_status_word(r->status));
            jw_open(&w, "codes", '[', true);
            for (size_t k = 0; k < r->n_codes; k++) {
                const struct dnsbl_code *c = &r->codes[k];
                jw_open(&w, NULL, '{', true);
                str(&w, "code", c->addr);
                str(&w, "tag", c->tag);
                str(&w, "meaning", c->meaning);
                str(&w, "advice", c->advice);
                jw_close(&w, '}');
            }
            jw_close(&w, ']');
            str(&w, "txt", r->txt && *r->txt ? r->txt : NULL);
            str(&w, "delist_url", r->delist_url);
            str(&w, "reason", r->reason);
            str(&w, "advice", r->status == DNSBL_LISTED ? r->advice : NULL);
            jw_u64(&w, "ttl", r->ttl);
            jw_close(&w, '}');
        }
        jw_close(&w, ']');
        jw_close(&w, '}');
    }
    jw_close(&w, ']');
    jw_open(&w, "zone_tests", '[', false);
    for (size_t i = 0; i < dnsbl_zone_test_count(d); i++) {
        const struct dnsbl_zone_test *z = dnsbl_zone_test_at(d, i);
        jw_open(&w, NULL, '{', true);
        str(&w, "list", z->list_id);
        str(&w, "zone", z->zone);
        str(&w, "family", z->family);
        jw_bool(&w, "usable", z->usable);
        str(&w, "reason", z->reason);
        jw_close(&w, '}');
    }
    jw_close(&w, ']');
    jw_close(&w, '}');
    jw_end(&w);
}

int write_check(FILE *fp, const char *format, const struct dnsbl *d)
{
    if (!strcmp(format, "csv"))
        check_write_csv(fp, d);
    else if (!strcmp(format, "json"))
        check_write_json(fp, d);
    else
        check_write_text(fp, d);
    return ferror(fp) ? -1 : 0;
}
