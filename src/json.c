/*
 * json.c - the streaming JSON writer (see json.h).
 *
 * Not here: any document's schema (write_json.c, write_check.c) or the
 * string escaping rules (escape.c).
 */
#include "json.h"

#include <assert.h>
#include <inttypes.h>

#include "escape.h"
#include "syslog_header.h"

#define JW_FLUSH_AT 65536

void jw_begin(struct jw *w, FILE *fp)
{
    *w = (struct jw){ .fp = fp, .b = STRBUF_INIT };
    w->first[0] = true;
}

/* jw_flush - hand the buffer to stdio when it is large (or force) */
static void jw_flush(struct jw *w, bool force)
{
    if (w->b.len && (force || w->b.len >= JW_FLUSH_AT)) {
        fwrite(w->b.s, 1, w->b.len, w->fp);
        strbuf_reset(&w->b);
    }
}

int jw_end(struct jw *w)
{
    assert(w->depth == 0 && "every jw_open needs its jw_close");
    strbuf_addc(&w->b, '\n');
    jw_flush(w, true);
    strbuf_free(&w->b);
    return ferror(w->fp) ? -1 : 0;
}

/* jw_sep - the comma and line break before a member at the current level */
static void jw_sep(struct jw *w)
{
    if (!w->first[w->depth])
        strbuf_addc(&w->b, ',');
    w->first[w->depth] = false;
    if (w->oneline[w->depth]) {
        if (w->b.len && w->b.s[w->b.len - 1] == ',')
            strbuf_addc(&w->b, ' ');
        return;
    }
    strbuf_addc(&w->b, '\n');
    for (int i = 0; i < w->depth; i++)
        strbuf_adds(&w->b, "  ");
}

void jw_key(struct jw *w, const char *key)
{
    if (w->depth > 0)
        jw_sep(w);
    if (key) {
        json_string(&w->b, slice_cstr(key));
        strbuf_adds(&w->b, ": ");
    }
}

void jw_open(struct jw *w, const char *key, char bracket, bool oneline)
{
    jw_key(w, key);
    strbuf_addc(&w->b, bracket);
    bool inherit = w->depth > 0 && w->oneline[w->depth];
    w->depth++;
    assert(w->depth < JW_MAX_DEPTH && "no schema of ours is that deep");
    w->first[w->depth] = true;
    w->oneline[w->depth] = oneline || inherit;
}

void jw_close(struct jw *w, char bracket)
{
    assert(w->depth > 0);
    bool empty = w->first[w->depth], oneline = w->oneline[w->depth];
    w->depth--;
    if (!empty && !oneline) {
        strbuf_addc(&w->b, '\n');
        for (int i = 0; i < w->depth; i++)
            strbuf_adds(&w->b, "  ");
    }
    strbuf_addc(&w->b, bracket);
    jw_flush(w, false);
}

void jw_str(struct jw *w, const char *key, struct slice s)
{
    jw_key(w, key);
    json_string(&w->b, s);
}

void jw_cstr(struct jw *w, const char *key, const char *s)
{
    jw_str(w, key, slice_cstr(s ? s : ""));
}

void jw_null(struct jw *w, const char *key)
{
    jw_key(w, key);
    strbuf_adds(&w->b, "null");
}

void jw_cstr_or_null(struct jw *w, const char *key, const char *s)
{
    if (s && s[0])
        jw_cstr(w, key, s);
    else
        jw_null(w, key);
}

void jw_u64(struct jw *w, const char *key, uint64_t v)
{
    jw_key(w, key);
    strbuf_addf(&w->b, "%" PRIu64, v);
}

void jw_bool(struct jw *w, const char *key, bool v)
{
    jw_key(w, key);
    strbuf_adds(&w->b, v ? "true" : "false");
}

void jw_rate(struct jw *w, const char *key, uint64_t part, uint64_t whole)
{
    jw_key(w, key);
    if (!whole)
        strbuf_adds(&w->b, "null");
    else
        strbuf_addf(&w->b, "%.4f", (double)part / (double)whole);
}

void jw_seconds(struct jw *w, const char *key, double v)
{
    jw_key(w, key);
    strbuf_addf(&w->b, "%.3f", v);
}

void jw_time(struct jw *w, const char *key, int64_t when, int tz_minutes)
{
    char buf[48];
    if (!when) {
        jw_null(w, key);
        return;
    }
    format_iso_time(when, tz_minutes, buf, sizeof buf);
    jw_cstr_or_null(w, key, buf);
}
