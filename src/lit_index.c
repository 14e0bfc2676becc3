/*
 * lit_index.c - a literal prefilter over a list of patterns (see lit_index.h).
 */
#include "lit_index.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* lit_bucket - the bucket of a literal (or text position) by its first three
 * bytes, lower case */
static uint32_t lit_bucket(const unsigned char *p)
{
    return ((uint32_t)p[0] * 961u + (uint32_t)p[1] * 31u + (uint32_t)p[2]) & (LIT_BUCKETS - 1);
}

/* lit_flush - end a run of literal characters: keep it as the branch's best
 * when it is the longest so far */
static void lit_flush(char *run, size_t *n, char *best, size_t *best_n)
{
    if (*n > *best_n) {
        memcpy(best, run, *n);
        *best_n = *n;
    }
    *n = 0;
}

/* lit_pattern_literals - for each top-level alternative of the pattern p..end, its
 * longest run of literal characters (lower case, at least 3 bytes) that any
 * match of that alternative must contain, or when it has none outside groups,
 * the literals of its first group that is not optional (read the same way);
 * appended to out, each ending in '\0'. Returns the number of literals, or 0
 * when some alternative has none (the entry is then tried on every text). A
 * lexical scan of the PCRE2 syntax the pattern files use: escaped punctuation
 * is literal; \s, \d, classes, groups, "." and quantifiers end a run (a
 * character made optional leaves it); \b and the anchors are skipped.
 * Conservative: a pattern it cannot read yields 0. */
size_t lit_pattern_literals(const char *p, const char *end, struct strbuf *out)
{
    char run[256], best[256];
    size_t n = 0, best_n = 0, count = 0, out_len = out->len;
    int depth = 0;
    const char *body = NULL;                 /* the depth-1 group being read: its body */
    const char *g_from = NULL, *g_to = NULL; /* the branch's first required group */
    for (;; p++) {
        char ch = p < end ? *p : '\0';
        if (p >= end || (ch == '|' && depth == 0)) {
            lit_flush(run, &n, best, &best_n);
            if (best_n >= 3) {
                for (size_t i = 0; i < best_n; i++)
                    best[i] = (char)tolower((unsigned char)best[i]);
                strbuf_add(out, best, best_n);
                strbuf_addc(out, '\0');
                count++;
            } else {
                size_t k = g_from ? lit_pattern_literals(g_from, g_to, out) : 0;
                if (!k)
                    goto none;
                count += k;
            }
            best_n = 0;
            g_from = g_to = NULL;
            if (p >= end)
                return count;
            continue;
        }
        if (depth > 0) {
            /* inside a group: only its end matters */
            if (ch == '\\' && p + 1 < end)
                p++;
            else if (ch == '[') {
                for (p++; p < end && (*p != ']' || p[-1] == '['); p++)
                    if (*p == '\\' && p + 1 < end)
                        p++;
                if (p >= end)
                    goto none;
            } else if (ch == '(')
                depth++;
            else if (ch == ')' && --depth == 0) {
                char q = p + 1 < end ? p[1] : '\0';
                bool optional = q == '?' || q == '*' || (q == '{' && p + 2 < end && p[2] == '0');
                if (body && !g_from && !optional) {
                    g_from = body;
                    g_to = p;
                }
            }
            continue;
        }
        if (ch == '\\') {
            if (p + 1 >= end)
                goto none;
            char e = *++p;
            if (e == 'b' || e == 'B')
                continue;
            if (isalnum((unsigned char)e)) {
                if (!strchr("sSdDwWntrhHvVRNAzZGK", e))
                    goto none; /* \x.. \p{..} \1 ...: not read */
                lit_flush(run, &n, best, &best_n);
                continue;
            }
            if (n < sizeof run)
                run[n++] = e;
            continue;
        }
        switch (ch) {
        case '(':
            if (p + 3 < end && p[1] == '?' && p[2] == 'i' && p[3] == ')') {
                p += 3; /* (?i): case does not matter to a lower-case literal */
                continue;
            }
            lit_flush(run, &n, best, &best_n);
            depth = 1;
            body = NULL;
            if (p + 2 < end && p[1] == '?' && p[2] == ':')
                body = p + 3;
            else if (p + 1 < end && p[1] != '?' && p[1] != '*')
                body = p + 1;
            continue;
        case '[':
            lit_flush(run, &n, best, &best_n);
            for (p++; p < end && (*p != ']' || p[-1] == '['); p++)
                if (*p == '\\' && p + 1 < end)
                    p++;
            if (p >= end)
                goto none;
            continue;
        case '?':
        case '*':
            if (n)
                n--; /* the character before is optional */
            lit_flush(run, &n, best, &best_n);
            continue;
        case '+':
            lit_flush(run, &n, best, &best_n);
            continue;
        case '{':
            /* {0,n} makes the character optional, {1,n} keeps one; {ip} and
             * {gap} end a run */
            if (p + 1 < end && p[1] == '0' && n)
                n--;
            lit_flush(run, &n, best, &best_n);
            while (p < end && *p != '}')
                p++;
            if (p >= end)
                goto none;
            continue;
        case '.':
        case '^':
        case '$':
        case ')':
            lit_flush(run, &n, best, &best_n);
            continue;
        default:
            if (n < sizeof run)
                run[n++] = ch;
        }
    }
none:
    out->len = out_len;
    if (out->s)
        out->s[out_len] = '\0';
    return 0;
}

/* lit_index_add - file item under the n literals in lits ('\0'-separated), or
 * as always tried when n is 0 */
void lit_index_add(struct lit_index *ix, uint32_t item, const char *lits, size_t n)
{
    if (n == 0) {
        ix->always = xrealloc(ix->always, (ix->n_always + 1) * sizeof *ix->always);
        ix->always[ix->n_always++] = item;
    }
    for (const char *l = lits; n--; l += strlen(l) + 1) {
        ix->lits = xrealloc(ix->lits, (ix->n_lits + 1) * sizeof *ix->lits);
        struct lit *cl = &ix->lits[ix->n_lits++];
        cl->s = xstrdup(l);
        cl->n = strlen(l);
        cl->item = item;
        cl->bucket = lit_bucket((const unsigned char *)l);
    }
}

/* lit_index_finish - bucket the literals of an index over n_items entries:
 * counting sort by bucket, stable (file order) */
void lit_index_finish(struct lit_index *ix, size_t n_items)
{
    struct lit *sorted = xcalloc(ix->n_lits ? ix->n_lits : 1, sizeof *sorted);
    uint32_t count[LIT_BUCKETS + 1] = { 0 };
    for (size_t i = 0; i < ix->n_lits; i++)
        count[ix->lits[i].bucket + 1]++;
    for (size_t b = 0; b < LIT_BUCKETS; b++)
        count[b + 1] += count[b];
    memcpy(ix->start, count, sizeof ix->start);
    for (size_t i = 0; i < ix->n_lits; i++)
        sorted[count[ix->lits[i].bucket]++] = ix->lits[i];
    free(ix->lits);
    ix->lits = sorted;
    ix->cand = xcalloc(n_items ? n_items : 1, 1);
    ix->cand_list = xcalloc(n_items ? n_items : 1, sizeof *ix->cand_list);
}

void lit_index_free(struct lit_index *ix)
{
    for (size_t i = 0; i < ix->n_lits; i++)
        free(ix->lits[i].s);
    free(ix->lits);
    free(ix->always);
    free(ix->cand);
    free(ix->cand_list);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* lit_index_candidates - the items of ix whose literal the text holds (and those
 * without one), in file order, into ix->cand_list; their count. lo: scratch
 * for the text in lower case */
size_t lit_index_candidates(struct lit_index *ix, struct strbuf *lo, struct slice text)
{
    strbuf_reset(lo);
    strbuf_add(lo, text.p, text.n);
    for (size_t i = 0; i < lo->len; i++)
        lo->s[i] = (char)tolower((unsigned char)lo->s[i]);
    size_t n = 0;
    const unsigned char *t = (const unsigned char *)lo->s;
    for (size_t i = 0; i + 3 <= lo->len; i++) {
        uint32_t b = lit_bucket(t + i);
        for (uint32_t j = ix->start[b]; j < ix->start[b + 1]; j++) {
            const struct lit *l = &ix->lits[j];
            if (!ix->cand[l->item] && l->n <= lo->len - i && memcmp(t + i, l->s, l->n) == 0) {
                ix->cand[l->item] = 1;
                ix->cand_list[n++] = l->item;
            }
        }
    }
    for (size_t i = 0; i < ix->n_always; i++)
        if (!ix->cand[ix->always[i]]) {
            ix->cand[ix->always[i]] = 1;
            ix->cand_list[n++] = ix->always[i];
        }
    for (size_t i = 0; i < n; i++)
        ix->cand[ix->cand_list[i]] = 0;
    qsort(ix->cand_list, n, sizeof *ix->cand_list, cmp_u32);
    return n;
}
