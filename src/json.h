/*
 * json.h - the one streaming JSON writer: every JSON document bouncescope
 * writes (the report, `check`, the HTML page's embedded data) goes through it.
 *
 *   struct jw w;
 *   jw_begin(&w, fp);
 *   jw_open(&w, NULL, '{', false);          top level
 *   jw_cstr(&w, "format", "...");           "key": value at the current level
 *   jw_open(&w, "items", '[', false);       a member array; keys are NULL inside
 *   ...
 *   jw_close(&w, ']'); jw_close(&w, '}');
 *   rc = jw_end(&w);                        -1 when the stream failed
 *
 * Output is indented two spaces a level; a level opened "oneline" keeps its
 * members (and everything inside) on one line. Every string goes through
 * escape.c's json_string: invalid UTF-8 becomes U+FFFD and < > & are written
 * as \u003c \u003e \u0026, so a document can sit inside an HTML <script>.
 *
 * Memory: a buffer handed to stdio in 64 KiB pieces; nothing grows with the
 * document. Nesting deeper than JW_MAX_DEPTH is our own bug (assert).
 */
#ifndef BS_JSON_H
#define BS_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util/slice.h"
#include "util/strbuf.h"

#define JW_MAX_DEPTH 16

struct jw {
    FILE *fp;
    struct strbuf b;
    int depth;
    bool first[JW_MAX_DEPTH];   /* no member written yet at this level */
    bool oneline[JW_MAX_DEPTH]; /* this level is written on one line */
};

void jw_begin(struct jw *w, FILE *fp);
/* jw_end - a final newline, flush, free; -1 when the stream reports an error */
int jw_end(struct jw *w);

/* jw_key - separator and "key": (key NULL inside an array) */
void jw_key(struct jw *w, const char *key);
/* jw_open / jw_close - an object ('{' '}') or array ('[' ']') */
void jw_open(struct jw *w, const char *key, char bracket, bool oneline);
void jw_close(struct jw *w, char bracket);

void jw_str(struct jw *w, const char *key, struct slice s);
/* jw_cstr - a string; NULL is written as "" */
void jw_cstr(struct jw *w, const char *key, const char *s);
/* jw_cstr_or_null - a string, or null when s is NULL or empty */
void jw_cstr_or_null(struct jw *w, const char *key, const char *s);
void jw_null(struct jw *w, const char *key);
void jw_u64(struct jw *w, const char *key, uint64_t v);
void jw_bool(struct jw *w, const char *key, bool v);
/* jw_rate - part/whole as a fraction with 4 decimals, null when whole is 0 */
void jw_rate(struct jw *w, const char *key, uint64_t part, uint64_t whole);
/* jw_seconds - a duration with 3 decimals */
void jw_seconds(struct jw *w, const char *key, double v);
/* jw_time - ISO 8601 with offset, null for an unknown time (0) */
void jw_time(struct jw *w, const char *key, int64_t when, int tz_minutes);

#endif
