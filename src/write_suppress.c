/*
 * write_suppress.c - the list to clean (--format suppress): the addresses
 * whose last outcome is a permanent failure on the recipient's side, as CSV.
 *
 * SYNOPSIS
 *   int write_suppress(FILE *fp, const struct report *r);
 *
 * DESCRIPTION
 *   An address belongs on the list when its last final outcome (bounced,
 *   expired or delivered) is a failure whose reason says so in
 *   patterns/reasons.conf: `suppress = yes` (unknown user, domain that does not
 *   resolve or accepts no mail, moved), or `suppress = lasting` (a disabled
 *   mailbox) when it has failed so for at least r->disabled_days days. A
 *   later successful delivery takes the address off; a later failure of
 *   another kind (a full mailbox) too, since that says the address exists.
 *   Deferrals are no outcome.
 *
 *   The failures come from the event spool (the scan's, or the events a
 *   report read back, in the order read); the deliveries from r->delivered -
 *   the ones the pipeline keeps (delivered.h: every delivery to an address
 *   that had a failure). Order does not matter: outcomes are compared by time.
 *
 *   Columns: email, reason, reason_label, dsn, status, last_failure,
 *   first_failure, failures, domain, text - the address first, under the
 *   header `email`, which is what listmonk's import wants (it ignores the
 *   other columns; mode "blocklist"); spreadsheets read it as it is; Mailman
 *   (`mailman delmembers -f`) and Sympa take one address a line:
 *   `tail -n +2 suppress.csv | cut -d, -f1`. Rows are sorted by address.
 *   Cells go through csv_field (RFC 4180 quoting, formula neutralisation).
 *
 * DIAGNOSTICS
 *   Returns -1 on a write error, else 0.
 *
 * Not here: deciding reasons (classify.c), keeping deliveries (pipeline.c,
 * store_delivered.c).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "report.h"
#include "util/hashmap.h"
#include "util/xalloc.h"

struct address {
    char *email; /* as the last failure wrote it */
    const struct reason *reason;
    char *dsn, *text, *domain;
    enum delivery_status status;
    int64_t last_fail, first_fail; /* the last final failure; the first of its kind since */
    int tz_minutes;
    uint64_t failures;     /* final failures of that kind since the first */
    int64_t last_delivery; /* 0: none kept */
};

static void free_address(void *p)
{
    struct address *a = p;
    free(a->email);
    free(a->dsn);
    free(a->text);
    free(a->domain);
    free(a);
}

/* key - the address in lower case (addresses are compared without regard to case) */
static void key_of(struct strbuf *key, struct slice addr)
{
    strbuf_reset(key);
    strbuf_reserve(key, addr.n);
    for (size_t i = 0; i < addr.n; i++) {
        char c = addr.p[i];
        key->s[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    key->len = addr.n;
    key->s[addr.n] = '\0';
}

static void set_str(char **dst, struct slice s)
{
    free(*dst);
    *dst = xmemdup(s.p, s.n);
}

/* note_failure - a final failure of e->recipient; failures of the same reason in
 * a row (whatever came between them) make a run from first_fail to last_fail */
static void note_failure(struct hashmap *m, struct strbuf *key, const struct event *e)
{
    key_of(key, e->recipient);
    void **slot = hashmap_slot(m, key->s, key->len);
    struct address *a = *slot;
    if (!a)
        a = *slot = xcalloc(1, sizeof *a);
    if (a->last_fail && e->when < a->last_fail) {
        /* an earlier failure read later: it only widens a run of the same kind */
        if (e->reason == a->reason && e->when < a->first_fail) {
            a->first_fail = e->when;
            a->failures++;
        }
        return;
    }
    if (a->reason != e->reason || !a->last_fail) {
        a->first_fail = e->when;
        a->failures = 0;
    }
    a->failures++;
    a->last_fail = e->when;
    a->tz_minutes = e->tz_minutes;
    a->reason = e->reason;
    a->status = e->status;
    set_str(&a->email, e->recipient);
    set_str(&a->dsn, e->dsn);
    set_str(&a->text, e->text);
    set_str(&a->domain, e->domain);
}

static void note_delivery(struct hashmap *m, struct strbuf *key, const struct delivered *d)
{
    key_of(key, d->recipient);
    struct address *a = hashmap_get(m, key->s, key->len);
    if (a && d->when > a->last_delivery)
        a->last_delivery = d->when;
}

/* listed - whether a belongs on the list */
static bool listed(const struct address *a, long disabled_days)
{
    if (!a->last_fail || !a->reason || (a->last_delivery && a->last_delivery >= a->last_fail))
        return false;
    if (a->reason->suppress == SUPPRESS_YES)
        return true;
    return a->reason->suppress == SUPPRESS_LASTING &&
           a->last_fail - a->first_fail >= (int64_t)disabled_days * 86400;
}

static int cmp_email(const void *x, const void *y)
{
    const struct address *a = *(struct address *const *)x, *b = *(struct address *const *)y;
    return strcmp(a->email, b->email);
}

static void cell(struct strbuf *row, bool *first, struct slice s)
{
    if (!*first)
        strbuf_addc(row, ',');
    *first = false;
    csv_field(row, s);
}

int write_suppress(FILE *fp, const struct report *r)
{
    struct hashmap *m = hashmap_new(free_address);
    struct strbuf key = STRBUF_INIT, row = STRBUF_INIT;
    struct event e;
    if (r->spool) {
        event_spool_rewind(r->spool);
        while (event_spool_next(r->spool, &e))
            if (e.recipient.n && (e.status == DELIVERY_BOUNCED || e.status == DELIVERY_EXPIRED))
                note_failure(m, &key, &e);
    }
    for (size_t i = 0; i < r->n_delivered; i++)
        note_delivery(m, &key, r->delivered[i]);
    long days = r->disabled_days > 0 ? r->disabled_days : REPORT_DISABLED_DAYS;
    struct address **v = xmalloc((hashmap_count(m) + 1) * sizeof *v);
    size_t n = 0;
    void *val;
    for (size_t it = 0; hashmap_next(m, &it, NULL, NULL, &val);)
        if (listed(val, days))
            v[n++] = val;
    qsort(v, n, sizeof *v, cmp_email);
    static const char *const head[] = { "email",  "reason",       "reason_label",  "dsn",
                                        "status", "last_failure", "first_failure", "failures",
                                        "domain", "text" };
    bool first = true;
    for (size_t c = 0; c < sizeof head / sizeof *head; c++)
        cell(&row, &first, slice_cstr(head[c]));
    strbuf_adds(&row, "\r\n");
    fwrite(row.s, 1, row.len, fp);
    char t1[48], t2[48], num[32];
    for (size_t i = 0; i < n; i++) {
        const struct address *a = v[i];
        strbuf_reset(&row);
        first = true;
        cell(&row, &first, slice_cstr(a->email));
        cell(&row, &first, slice_cstr(a->reason->name));
        cell(&row, &first, slice_cstr(a->reason->label ? a->reason->label : ""));
        cell(&row, &first, slice_cstr(a->dsn));
        cell(&row, &first, slice_cstr(delivery_status_name(a->status)));
        cell(&row, &first, slice_cstr(fmt_time(a->last_fail, a->tz_minutes, t1, sizeof t1)));
        cell(&row, &first, slice_cstr(fmt_time(a->first_fail, a->tz_minutes, t2, sizeof t2)));
        snprintf(num, sizeof num, "%" PRIu64, a->failures);
        cell(&row, &first, slice_cstr(num));
        cell(&row, &first, slice_cstr(a->domain));
        cell(&row, &first, slice_cstr(a->text));
        strbuf_adds(&row, "\r\n");
        fwrite(row.s, 1, row.len, fp);
    }
    free(v);
    hashmap_free(m);
    strbuf_free(&key);
    strbuf_free(&row);
    return ferror(fp) ? -1 : 0;
}
