/*
 * store_dnsbl.c - the DNSBL answer cache in the history database: one row per
 * (address, zone) with its status, codes, TXT, when it was checked and for how
 * long the answer holds (see store.h).
 *
 * Every function accepts a NULL store (nothing cached). A database error is
 * kept like any other (store_failed) but never stops a lookup: the DNS stage
 * then asks the network.
 *
 * Not here: deciding what is worth caching (dns_stage.c keeps listed and
 * not-listed answers, never unknown ones).
 */
#include "store_impl.h"

#include <string.h>

#include "syslog_header.h"

int store_dnsbl_get(struct store *s, const char *address, const char *zone, int64_t now,
                    struct store_dnsbl *row)
{
    if (!s)
        return 0;
    sqlite3_stmt *st = store_prepare(s, "SELECT status, codes, txt, checked, ttl FROM dnsbl "
                                        "WHERE address = :address AND zone = :zone"
                                        " AND checked + ttl > :now");
    if (!st)
        return 0;
    store_bind_text(st, ":address", address, strlen(address));
    store_bind_text(st, ":zone", zone, strlen(zone));
    store_bind_int(st, ":now", now);
    int found = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        /* three strings in one buffer, NUL-separated */
        static const char *const names[3] = { "status", "codes", "txt" };
        strbuf_reset(&s->row);
        size_t at[3];
        for (int i = 0; i < 3; i++) {
            const char *v = (const char *)sqlite3_column_text(st, store_col(st, names[i]));
            at[i] = s->row.len;
            strbuf_adds(&s->row, v ? v : "");
            strbuf_addc(&s->row, '\0');
        }
        row->status = s->row.s + at[0];
        row->codes = s->row.s + at[1];
        row->txt = s->row.s + at[2];
        row->checked = sqlite3_column_int64(st, store_col(st, "checked"));
        row->ttl = sqlite3_column_int64(st, store_col(st, "ttl"));
        found = 1;
    }
    sqlite3_finalize(st);
    return found;
}

int store_dnsbl_describe(struct store *s, const char *address, struct strbuf *out)
{
    if (!s)
        return 0;
    sqlite3_stmt *st = store_prepare(s, "SELECT zone, status, codes, checked FROM dnsbl "
                                        "WHERE address = :address ORDER BY zone");
    if (!st)
        return 0;
    store_bind_text(st, ":address", address, strlen(address));
    int c_zone = store_col(st, "zone"), c_status = store_col(st, "status");
    int c_codes = store_col(st, "codes"), c_checked = store_col(st, "checked");
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *zone = (const char *)sqlite3_column_text(st, c_zone);
        const char *status = (const char *)sqlite3_column_text(st, c_status);
        const char *codes = (const char *)sqlite3_column_text(st, c_codes);
        char when[40];
        format_iso_time(sqlite3_column_int64(st, c_checked), 0, when, sizeof when);
        strbuf_addf(out, "%s%s %s%s%s (checked %s)", n ? "; " : "", zone ? zone : "",
                    status ? status : "", codes && *codes ? " " : "", codes ? codes : "", when);
        n++;
    }
    sqlite3_finalize(st);
    return n;
}

int store_dnsbl_put(struct store *s, const char *address, const char *zone,
                    const struct store_dnsbl *row)
{
    if (!s)
        return 0;
    sqlite3_stmt *st =
        store_prepare(s, "INSERT OR REPLACE INTO dnsbl(address, zone, status, codes, txt, checked,"
                         " ttl) VALUES(:address, :zone, :status, :codes, :txt, :checked, :ttl)");
    if (!st)
        return -1;
    const char *status = row->status ? row->status : "", *codes = row->codes ? row->codes : "";
    const char *txt = row->txt ? row->txt : "";
    store_bind_text(st, ":address", address, strlen(address));
    store_bind_text(st, ":zone", zone, strlen(zone));
    store_bind_text(st, ":status", status, strlen(status));
    store_bind_text(st, ":codes", codes, strlen(codes));
    store_bind_text(st, ":txt", txt, strlen(txt));
    store_bind_int(st, ":checked", row->checked);
    store_bind_int(st, ":ttl", row->ttl);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    if (rc < 0)
        store_fail(s, "storing a blocklist answer");
    sqlite3_finalize(st);
    return rc;
}
