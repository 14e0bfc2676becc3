/*
 * regex.c - compiled PCRE2 patterns with one shared match data (see regex.h).
 *
 * Every pattern matches into the same pcre2_match_data, sized for the
 * pattern with the most groups, and copies the offsets of a successful match
 * into its own small array: a match data per pattern would keep its own
 * interpreter frames (pcre2_match allocates at least 20 KB in the match data
 * on its first interpreted match and keeps them), 20 KB for each of the
 * hundreds of lazily JIT-compiled patterns that run before their JIT compile.
 *
 * Not here: where patterns come from (conf.c, grammar.c) or what their groups mean.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

struct rx {
    pcre2_code *code;
    PCRE2_SIZE *ov;  /* the last successful match's offsets, 2 per group */
    uint32_t n_ov;   /* groups + 1 (the whole match) */
    PCRE2_SPTR mark; /* the (*MARK) pcre2 reported for the last match */
    char *src;
    bool jit;
    unsigned lazy; /* > 0: matches left before the JIT compile (rx_compile_lazy) */
};

/* a lazily compiled pattern is JIT-compiled after this many matches: JIT
 * costs ~200,000 instructions a pattern, an interpreted match of a short
 * text from a few hundred (a short pattern with a literal to skip to) to
 * ~20,000 (a long alternation), and most patterns of a long table run
 * rarely. So long patterns are JIT-compiled on their second use, short ones
 * on their 16th. */
#define RX_LAZY_JIT_LONG 2
#define RX_LAZY_JIT_SHORT 16
#define RX_LAZY_LONG_PATTERN 160

static bool jit_ok = true;
static pcre2_jit_stack *jit_stack;     /* shared: one thread, one stack */
static pcre2_match_context *match_ctx; /* carries the stack and limits */
static pcre2_match_data *shared_md;    /* every match's, see above */
static uint32_t shared_pairs;          /* its ovector pairs */

static void setup_context(void)
{
    if (match_ctx)
        return;
    match_ctx = pcre2_match_context_create(NULL);
    /* a pathological pattern on a pathological line must not hang a run */
    pcre2_set_match_limit(match_ctx, 1000000);
    jit_stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
    if (jit_stack)
        pcre2_jit_stack_assign(match_ctx, NULL, jit_stack);
}

static struct rx *compile(const char *pattern, const char *where, struct strbuf *err, bool lazy);

struct rx *rx_compile(const char *pattern, const char *where, struct strbuf *err)
{
    return compile(pattern, where, err, false);
}

/* rx_compile_lazy - like rx_compile, but JIT-compiled only once it is used */
struct rx *rx_compile_lazy(const char *pattern, const char *where, struct strbuf *err)
{
    return compile(pattern, where, err, true);
}

static struct rx *compile(const char *pattern, const char *where, struct strbuf *err, bool lazy)
{
    int errcode;
    PCRE2_SIZE erroff;
    setup_context();
    pcre2_code *code =
        pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &errcode, &erroff, NULL);
    if (!code) {
        PCRE2_UCHAR buf[256];
        pcre2_get_error_message(errcode, buf, sizeof buf);
        strbuf_addf(err, "%s: PCRE2 error at offset %zu: %s", where, (size_t)erroff, (char *)buf);
        return NULL;
    }
    struct rx *r = xcalloc(1, sizeof *r);
    r->code = code;
    r->src = xstrdup(pattern);
    if (lazy) {
        r->lazy = strlen(pattern) >= RX_LAZY_LONG_PATTERN ? RX_LAZY_JIT_LONG : RX_LAZY_JIT_SHORT;
    } else {
        r->jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
        if (!r->jit)
            jit_ok = false;
    }
    uint32_t groups = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &groups);
    r->n_ov = groups + 1;
    r->ov = xmalloc(2 * r->n_ov * sizeof *r->ov);
    for (uint32_t i = 0; i < 2 * r->n_ov; i++)
        r->ov[i] = PCRE2_UNSET;
    if (r->n_ov > shared_pairs) {
        /* no match's offsets live in it between calls: replace it */
        pcre2_match_data_free(shared_md);
        shared_md = pcre2_match_data_create(r->n_ov, NULL);
        shared_pairs = r->n_ov;
    }
    return r;
}

void rx_free(struct rx *r)
{
    if (!r)
        return;
    free(r->ov);
    pcre2_code_free(r->code);
    free(r->src);
    free(r);
}

bool rx_match_at(struct rx *r, struct slice s, size_t start)
{
    int rc;
    if (r->lazy && --r->lazy == 0)
        r->jit = pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE) == 0;
    if (r->jit)
        rc = pcre2_jit_match(r->code, (PCRE2_SPTR)s.p, s.n, start, 0, shared_md, match_ctx);
    else
        rc = pcre2_match(r->code, (PCRE2_SPTR)s.p, s.n, start, 0, shared_md, match_ctx);
    r->mark = pcre2_get_mark(shared_md);
    /* errors (match or stack limit) count as no match: the line is then "other";
     * the offsets change only on a match, as pcre2 leaves them otherwise */
    if (rc <= 0)
        return false;
    memcpy(r->ov, pcre2_get_ovector_pointer(shared_md), 2 * r->n_ov * sizeof *r->ov);
    return true;
}

bool rx_match(struct rx *r, struct slice s)
{
    return rx_match_at(r, s, 0);
}

int rx_group_index(const struct rx *r, const char *name)
{
    int n = pcre2_substring_number_from_name(r->code, (PCRE2_SPTR)name);
    return n > 0 ? n : -1;
}

bool rx_group_set(const struct rx *r, int n)
{
    if (n < 0 || (uint32_t)n >= r->n_ov)
        return false;
    return r->ov[2 * n] != PCRE2_UNSET;
}

struct slice rx_group(const struct rx *r, struct slice s, int n)
{
    if (!rx_group_set(r, n))
        return SLICE_EMPTY;
    return slice_make(s.p + r->ov[2 * n], r->ov[2 * n + 1] - r->ov[2 * n]);
}

struct slice rx_named(const struct rx *r, struct slice s, const char *name)
{
    return rx_group(r, s, rx_group_index(r, name));
}

const char *rx_mark(const struct rx *r)
{
    return r->mark ? (const char *)r->mark : NULL;
}

const char *rx_source(const struct rx *r)
{
    return r->src;
}

bool rx_jit_available(void)
{
    return jit_ok;
}
