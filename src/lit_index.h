/*
 * lit_index.h - a literal prefilter over a list of patterns.
 *
 * Most patterns of the pattern files can only match a text that holds one of
 * a few literals ("google.com", "4.7.650", "mailbox is full"):
 * lit_pattern_literals reads them out of a PCRE2 pattern (a conservative
 * lexical scan: a pattern it cannot read has none). A lit_index files each
 * item of a list (an entry, a provider) under its literals, bucketed by their
 * first three bytes, or as always tried; lit_index_candidates then gives, for
 * one text, the items worth matching, in list order. Used by classify.c (the
 * provider codes and the phrase families) and providers.c (host and domain
 * patterns).
 */
#ifndef BS_LIT_INDEX_H
#define BS_LIT_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "util/slice.h"
#include "util/strbuf.h"

#define LIT_BUCKETS 1024 /* power of two */

struct lit {
    char *s;
    size_t n;
    uint32_t item; /* the entry it stands for: an index into the indexed list */
    uint32_t bucket;
};

/* a literal prefilter over a list of entries: each entry is filed under the
 * literals (lower case) one of which any match of it must hold, bucketed by
 * their first three bytes; an entry without such literals is always tried */
struct lit_index {
    struct lit *lits;
    size_t n_lits;
    uint32_t start[LIT_BUCKETS + 1]; /* lits[start[b] .. start[b+1]) */
    uint32_t *always;
    size_t n_always;
    unsigned char *cand; /* per item: a literal of it was seen in this text */
    uint32_t *cand_list;
};

/* lit_pattern_literals - the literals of the pattern p..end, appended to out
 * ('\0' after each); their number, 0 when some alternative has none */
size_t lit_pattern_literals(const char *p, const char *end, struct strbuf *out);
/* lit_index_add - file item under the n literals in lits, or as always tried (n 0) */
void lit_index_add(struct lit_index *ix, uint32_t item, const char *lits, size_t n);
/* lit_index_finish - ready the index for n_items items (after the last add) */
void lit_index_finish(struct lit_index *ix, size_t n_items);
/* lit_index_candidates - the items whose literal text holds, and those with
 * none, in item order, into ix->cand_list; their count. lo: scratch */
size_t lit_index_candidates(struct lit_index *ix, struct strbuf *lo, struct slice text);
void lit_index_free(struct lit_index *ix);

#endif
