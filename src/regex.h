/*
 * regex.h - PCRE2 done once: compile, JIT, reuse the match data.
 *
 * Patterns are compiled in byte mode (no UTF checks: raw logs carry invalid
 * UTF-8 and must not stop a run), JIT-compiled when the library supports it
 * and matched with pcre2_match otherwise. All patterns share one match_data
 * (each keeps a copy of its last match's offsets), so this is not
 * thread-safe; bouncescope is single-threaded.
 *
 * rx_compile never exits: on error it returns NULL and writes
 * "WHERE: PCRE2 error at offset N: message" into err, WHERE being the
 * file:line the caller passes.
 */
#ifndef BS_REGEX_H
#define BS_REGEX_H

#include <stdbool.h>
#include <stdint.h>

#include "util/slice.h"
#include "util/strbuf.h"

struct rx;

struct rx *rx_compile(const char *pattern, const char *where, struct strbuf *err);
/* rx_compile_lazy - compiled (and checked) now, JIT-compiled after a few
 * matches: for long tables of which one run uses a few entries */
struct rx *rx_compile_lazy(const char *pattern, const char *where, struct strbuf *err);
void rx_free(struct rx *r);

/* rx_match - match against s; the groups of the last match stay readable */
bool rx_match(struct rx *r, struct slice s);
/* rx_match_at - like rx_match, starting at offset start of s */
bool rx_match_at(struct rx *r, struct slice s, size_t start);
/* rx_group_index - number of a named group, or -1 */
int rx_group_index(const struct rx *r, const char *name);
/* rx_group - group n of the last successful match on s (empty if unset) */
struct slice rx_group(const struct rx *r, struct slice s, int n);
/* rx_group_set - whether group n took part in the last match */
bool rx_group_set(const struct rx *r, int n);
/* rx_named - group by name (empty if absent or unset) */
struct slice rx_named(const struct rx *r, struct slice s, const char *name);
/* rx_mark - the (*MARK:NAME) of the last successful match, or NULL */
const char *rx_mark(const struct rx *r);
/* rx_source - the pattern text */
const char *rx_source(const struct rx *r);
/* rx_jit_available - whether JIT compilation worked for patterns so far */
bool rx_jit_available(void);

#endif
