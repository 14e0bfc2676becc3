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
 *   Text goes line by line through the terminal escaper (text_safe): TXT
 *   records come from the network and addresses from the command line; CSV
 *   cells through csv_field and JSON strings through json_string do the same
 *   for their formats.
 *
 * DIAGNOSTICS
 *   Returns -1 when the stream reports a write error, else 0. The DQS key is
 *   part of no answer and is never written.
 *
 * Not here: the lookups (dnsbl.c), the command (cmd_check.c).
 */
#include <stdarg.h>
#include <string.h>

#include "dnsbl.h"
#include "escape.h"
#include "json.h"
#include "report.h"
#include "text_layout.h"
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

/* the text output: the line being built, and its escaped copy */
struct cout {
    FILE *fp;
    bool utf8;
    struct strbuf raw, safe;
};

static void put(struct cout *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct cout *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strbuf_vaddf(&o->raw, fmt, ap);
    va_end(ap);
}

/* end_line - the line through the terminal escaper (TXT records, addresses and
 * reasons come from the network or the command line), then a newline */
static void end_line(struct cout *o)
{
    strbuf_reset(&o->safe);
    if (o->utf8)
        text_safe(&o->safe, strbuf_slice(&o->raw));
    else
        text_safe_ascii(&o->safe, strbuf_slice(&o->raw));
    fwrite(o->safe.s, 1, o->safe.len, o->fp);
    fputc('\n', o->fp);
    strbuf_reset(&o->raw);
}

static void check_write_text(FILE *fp, const struct dnsbl *d)
{
    struct cout o = { .fp = fp, .utf8 = layout_locale_utf8() };
    for (size_t i = 0; i < dnsbl_count(d); i++) {
        const struct dnsbl_entry *e = dnsbl_at(d, i);
        size_t listed = 0, unknown = 0;
        for (size_t j = 0; j < e->n_results; j++) {
            listed += e->results[j].status == DNSBL_LISTED;
            unknown += e->results[j].status == DNSBL_UNKNOWN;
        }
        if (i)
            end_line(&o);
        put(&o, "%s (%s): ", e->address, e->kind);
        if (e->n_results == 0)
            put(&o, "no blocklist checked answers for this kind of address");
        else if (listed)
            put(&o, "LISTED on %zu of %zu lists", listed, e->n_results);
        else if (unknown)
            put(&o, "not known to be listed, but %zu of %zu lists could not be checked", unknown,
                e->n_results);
        else
            put(&o, "not listed on any of %zu lists", e->n_results);
        if (e->n_results && listed && unknown)
            put(&o, " (%zu could not be checked)", unknown);
        end_line(&o);
        for (size_t j = 0; j < e->n_results; j++) {
            const struct dnsbl_result *r = &e->results[j];
            put(&o, "  %-26s %-26s ", r->list_label, r->zone);
            switch (r->status) {
            case DNSBL_LISTED:
                put(&o, "LISTED");
                end_line(&o);
                for (size_t k = 0; k < r->n_codes; k++) {
                    const struct dnsbl_code *c = &r->codes[k];
                    put(&o, "      %s %s%s%s", c->addr, c->tag, *c->tag ? ": " : "", c->meaning);
                    end_line(&o);
                    if (c->advice) {
                        put(&o, "        what to do: %s", c->advice);
                        end_line(&o);
                    }
                }
                if (r->txt && *r->txt) {
                    put(&o, "      list says: %s", r->txt);
                    end_line(&o);
                }
                if (r->advice && !(r->n_codes && r->codes[0].advice)) {
                    put(&o, "      what to do: %s", r->advice);
                    end_line(&o);
                }
                if (r->delist_url) {
                    put(&o, "      removal: %s", r->delist_url);
                    end_line(&o);
                }
                break;
            case DNSBL_NOT_LISTED:
                put(&o, "not listed");
                end_line(&o);
                break;
            case DNSBL_UNKNOWN:
                put(&o, "UNKNOWN: %s", r->reason ? r->reason : "");
                end_line(&o);
                break;
            case DNSBL_UNCHECKED:
                put(&o, "not checked");
                end_line(&o);
                break;
            }
        }
    }
    size_t nt = dnsbl_zone_test_count(d);
    if (nt) {
        end_line(&o);
        put(&o, "zone self-tests (RFC 5782):");
        end_line(&o);
        for (size_t i = 0; i < nt; i++) {
            const struct dnsbl_zone_test *z = dnsbl_zone_test_at(d, i);
            put(&o, "  %-26s %-6s %s%s%s", z->zone, z->family,
                z->usable ? "ok" : "UNUSABLE from this resolver", z->usable ? "" : ": ",
                z->usable ? "" : z->reason);
            end_line(&o);
        }
    }
    strbuf_free(&o.raw);
    strbuf_free(&o.safe);
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
