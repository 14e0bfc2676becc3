/*
 * fingerprint.c - reduce a rejection text to a template and a 64-bit key.
 *
 * SYNOPSIS
 *   struct fingerprinter *fingerprinter_load(struct strbuf *err);
 *   void fingerprinter_free(struct fingerprinter *f);
 *   uint64_t fingerprint(struct fingerprinter *f, struct slice text, struct strbuf *tmpl);
 *   void fingerprint_hex(uint64_t key, char buf[17]);
 *
 * DESCRIPTION
 *   The text is cut into words at blanks (and at Exim's literal two-character
 *   "\n" between the lines of a multi-line reply). Inside a word, "atoms"
 *   (runs of letters, digits and . _ - + % @) are masked:
 *
 *     IPv4, IPv6                      <ip>
 *     anything with an '@'            <addr>   ("<a@b>" becomes "<addr>")
 *     dotted names ending in letters  <host>   (mx.example.net, mta1234.mail.kks.yahoo.co.jp)
 *     letters mixed with digits, or
 *     dotted tokens that are not one  <id>     (gids, EOP ids, queue ids)
 *     other numbers                   <n>
 *
 *   kept as they are: words of letters, the SMTP code (the first word, or a
 *   3-digit code before an enhanced code) and enhanced status codes (5.7.1),
 *   and the "salient" provider codes of patterns/fingerprint.conf ("(S3150)",
 *   "[TSS04]", "AS(201806281)", DNSBL zones), which are copied verbatim.
 *   A multi-line reply ("550-5.1.1 The email ... 550-5.1.1 double-checking
 *   ... 550 5.1.1 https://...") keeps one leading "550 5.1.1" and drops the
 *   repeated continuation codes.
 *
 * THE KEY
 *   Sendmail shortens long replies to the first 100 characters + "..." + the
 *   last 100 (shortenstring(); the stat= form "Deferred: <text>" is cut before
 *   the parser removes "Deferred: ", leaving a 90-character head). Where the
 *   cut falls moves with the raw lengths of the IPs, addresses and ids in the
 *   text, so the key must come from parts a shortened copy always keeps, and
 *   must be chosen by positions that do not move between instances. Raw
 *   offsets move (a 7- or a 15-character IP before a word shifts it); offsets
 *   in the *template* do not, since every instance of a template masks to
 *   the same text. So positions are "template coordinates": template
 *   characters plus the dropped continuation codes. The key hashes
 *
 *     1. the literal (unmasked, whole) words that end within the first
 *        `head` (60) coordinates;
 *     2. the literal words that start within the last `tail` (30);
 *     3. the salient codes (fingerprint.conf) in either region.
 *
 *   A masked IPv4 is at most 11 characters longer raw than "<ip>", a Gmail
 *   gid 26 more than "<id>", an EOP server name 46 more than "<host>"; so
 *   with realistic replies the head region lies inside Sendmail's 90- or
 *   100-character head and the tail region inside its 100-character tail,
 *   and full and shortened copies of one reply get one key. (A fixed number
 *   of leading words, the first design, failed exactly there: ten words of
 *   "550 5.7.1 Unfortunately, messages from [203.0.113.255] weren't sent.
 *   Please contact your" end at raw offset 90 with a long IP and 82 with a
 *   short one.) Codes in the middle of a long text ("(S3150)" in Microsoft's
 *   330-character reply) are shown in the template but not keyed: a
 *   shortened copy cannot see them.
 *
 * SALIENT CODES, FAST
 *   Each [salient] pattern is compiled alone, so PCRE2 can skip ahead to its
 *   first byte; find_spans merges their matches into what one alternation in
 *   file order would find (leftmost; on a tie the earlier pattern). One
 *   alternation of them all starts a match attempt at every letter (the DNSBL
 *   zone pattern begins with [a-z0-9-]*) and cost ~3 us a text. A section's
 *   `needs` words gate its patterns: a text holding none of them (checked
 *   with a hashed 3-byte prefix table) is not searched with them.
 *
 *   A shortened text is recognised by its shape (sendmail_shorten.h: 203
 *   characters with "..." at 100, or 193 with "..." at 90); head and tail
 *   are masked apart, the head keyed from its start and the tail from its
 *   end, and the template shows "head … tail".
 *
 * THE KEY IS STORED
 *   Keys are kept in the history database (events.fingerprint, the groups
 *   table's group keys) and in the queue state between runs; `report` and
 *   "first seen" compare today's keys with stored ones. So the key of a text
 *   must not change between versions: the hash (FNV-1a over the keyed
 *   words, then a final mix), the masking rules, the head/tail regions and the salient codes
 *   all feed it. tests/unit/test_fingerprint.c pins the keys of known texts;
 *   when a change moves them on purpose, say so in the release notes (old
 *   groups come back as "new" once) and update the pins.
 *
 * OWNERSHIP
 *   The fingerprinter owns its compiled patterns and their scratch (so one
 *   fingerprinter serves one thread); fingerprint() writes into the caller's
 *   strbuf and allocates nothing else.
 *
 * DIAGNOSTICS
 *   fingerprinter_load returns NULL with "file:line: message" in err for an
 *   unreadable fingerprint.conf, a bad pattern or a bad setting.
 *
 * NOT DONE HERE
 *   No classification (classify.c), no grouping (aggregate.c).
 */
#include "fingerprint.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "regex.h"
#include "sendmail_shorten.h"
#include "util/hashmap.h"
#include "util/xalloc.h"

/* salient codes remembered per call; more than this in one text is noise */
#define FP_MAX_SPANS 16
/* the last words of a segment kept for the tail part of the key; the tail
 * is a few dozen characters, far fewer words than this */
#define FP_RING 64

/* a [salient] section's `needs`: words (lower case) one of which every
 * match of its patterns contains, in any case */
struct fp_gate {
    char **words;
    size_t n_words;
    uint64_t tri[65536 / 64];   /* hashed first three bytes of the longer words, every case */
    uint64_t lead[65536 / 64];  /* first two bytes of the longer words, every case */
    uint64_t pairs[65536 / 64]; /* two-byte words, in every case */
    bool single[256];           /* one-byte words, in either case */
    bool short_words;           /* some word is one or two bytes */
};

/* one [salient] pattern, compiled alone so PCRE2 can skip to its first
 * byte (a single alternation of all of them starts anywhere: 3 us a text) */
struct fp_salient {
    struct rx *rx;
    int gate; /* index into gates, -1: always run */
};

/* the next match of one salient pattern at or after some offset */
struct fp_next {
    size_t start, end;
    bool valid; /* start/end hold its leftmost match from an earlier offset */
    bool done;  /* no match from there on (or its gate is shut) */
};

struct fingerprinter {
    struct fp_salient *salient; /* in file order */
    size_t n_salient;
    struct fp_gate *gates;
    size_t n_gates;
    struct fp_next *next; /* per pattern, scratch of find_spans */
    signed char *open;    /* per gate, scratch of find_spans */
    size_t head, tail;    /* keyed regions, in template coordinates */
};

struct span {
    size_t start, end;
};

/* a word of the template, with its coordinates in the segment */
struct fp_word {
    size_t out_start, out_end;
    size_t c_start, c_end;
    bool literal; /* no mask in it, and whole */
};

/* a salient code as copied into the template */
struct fp_copy {
    size_t out_start, out_end;
    size_t c_start, c_end;
};

/* the per-call state of one fingerprint() */
struct fp_run {
    struct fingerprinter *f;
    struct strbuf *out;
    const char *base; /* start of the whole text, for salient offsets */
    const struct span *spans;
    size_t n_spans;
    uint64_t h;     /* hash of the keyed head words */
    uint64_t ht;    /* ... of the keyed tail words */
    uint64_t hs;    /* ... of the keyed salient codes */
    size_t seg_out; /* output offset where the segment began */
    size_t dropped; /* raw bytes of continuation codes dropped in the segment */
    bool keying_head, keying_tail;
    struct fp_word ring[FP_RING];
    size_t n_ring;
    struct fp_copy copies[FP_MAX_SPANS];
    size_t n_spans_out, seg_first_span;
    bool multiline;   /* the text opened with "NNN-X.Y.Z" */
    char code[4];     /* its SMTP code, for dropping repeats */
    bool first_word;  /* no word output yet */
    bool word_masked; /* the current word holds a mask */
};

/* ---- hashing: 64-bit FNV-1a, finished with a mix (as hash_bytes) ---- */

static uint64_t fnv_add(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static void init_classes(void);

/* ---- loading ---- */

/* parse_setting - a small positive integer setting */
static int parse_setting(const struct conf_entry *e, int lo, int hi, struct strbuf *err)
{
    char *end;
    long v = strtol(e->value, &end, 10);
    if (*e->value == '\0' || *end != '\0' || v < lo || v > hi) {
        strbuf_addf(err, "%s:%d: %s must be a number from %d to %d, not '%s'", e->file, e->line,
                    e->key, lo, hi, e->value);
        return -1;
    }
    return (int)v;
}

static unsigned char lower_of(unsigned char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch - 'A' + 'a') : ch;
}

static unsigned char upper_of(unsigned char ch)
{
    return ch >= 'a' && ch <= 'z' ? (unsigned char)(ch - 'a' + 'A') : ch;
}

/* tri_hash - the bit of a 3-byte prefix in fp_gate.tri */
static inline unsigned tri_hash(unsigned char a, unsigned char b, unsigned char c)
{
    return ((unsigned)a << 8 ^ (unsigned)b << 4 ^ (unsigned)c << 11 ^ c) & 0xffff;
}

/* add_prefix - mark the start of word (lower case, n bytes) in every case */
static void add_prefix(struct fp_gate *g, const char *word, size_t n)
{
    unsigned char v[3][2];
    for (size_t i = 0; i < 3 && i < n; i++) {
        v[i][0] = (unsigned char)word[i];
        v[i][1] = upper_of((unsigned char)word[i]);
    }
    if (n == 1) {
        g->single[v[0][0]] = g->single[v[0][1]] = true;
        g->short_words = true;
        return;
    }
    for (int k = 0; k < 8; k++) {
        unsigned a = v[0][k & 1], b = v[1][k >> 1 & 1];
        if (n == 2) {
            unsigned pair = a << 8 | b;
            g->pairs[pair >> 6] |= 1ULL << (pair & 63);
            g->short_words = true;
        } else {
            unsigned h = tri_hash((unsigned char)a, (unsigned char)b, v[2][k >> 2 & 1]);
            g->tri[h >> 6] |= 1ULL << (h & 63);
            unsigned pair = a << 8 | b;
            g->lead[pair >> 6] |= 1ULL << (pair & 63);
        }
    }
}

/* add_needs - the words of one `needs = word ...` line into gate g */
static int add_needs(struct fp_gate *g, const struct conf_entry *e, struct strbuf *err)
{
    size_t before = g->n_words;
    for (const char *p = e->value; *p;) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *w = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (p == w)
            break;
        char *word = xcalloc(1, (size_t)(p - w) + 1);
        for (size_t i = 0; i < (size_t)(p - w); i++)
            word[i] = (char)lower_of((unsigned char)w[i]);
        g->words = xrealloc(g->words, (g->n_words + 1) * sizeof *g->words);
        g->words[g->n_words++] = word;
        add_prefix(g, word, (size_t)(p - w));
    }
    if (g->n_words == before) {
        strbuf_addf(err, "%s:%d: needs wants one or more words", e->file, e->line);
        return -1;
    }
    return 0;
}

/* load_salient - the patterns of one [salient] section, gated by its
 * `needs` words if it has them */
static int load_salient(struct fingerprinter *f, const struct conf_section *s, struct strbuf *err)
{
    int gate = -1;
    for (size_t j = 0; j < s->n_entries; j++) {
        const struct conf_entry *e = &s->entries[j];
        if (strcmp(e->key, "needs") == 0) {
            if (gate < 0) {
                f->gates = xrealloc(f->gates, (f->n_gates + 1) * sizeof *f->gates);
                memset(&f->gates[f->n_gates], 0, sizeof *f->gates);
                gate = (int)f->n_gates++;
            }
            if (add_needs(&f->gates[gate], e, err) < 0)
                return -1;
        } else if (strcmp(e->key, "pattern") != 0) {
            strbuf_addf(err, "%s:%d: unknown key '%s' in [salient]", e->file, e->line, e->key);
            return -1;
        }
    }
    for (size_t j = 0; j < s->n_entries; j++) {
        const struct conf_entry *e = &s->entries[j];
        if (strcmp(e->key, "pattern") != 0)
            continue;
        char where[512];
        snprintf(where, sizeof where, "%s:%d", e->file, e->line);
        struct rx *one = rx_compile(e->value, where, err);
        if (!one)
            return -1;
        f->salient = xrealloc(f->salient, (f->n_salient + 1) * sizeof *f->salient);
        f->salient[f->n_salient].rx = one;
        f->salient[f->n_salient++].gate = gate;
    }
    return 0;
}

/* fingerprinter_load - read fingerprint.conf along the search path */
struct fingerprinter *fingerprinter_load(struct strbuf *err)
{
    struct conf *c = conf_load_all("fingerprint.conf", err);
    if (!c)
        return NULL;
    init_classes();
    struct fingerprinter *f = xcalloc(1, sizeof *f);
    f->head = 60;
    f->tail = 30;
    bool got_key = false;
    for (size_t i = 0; i < c->n_sections; i++) {
        const struct conf_section *s = &c->sections[i];
        if (strcmp(s->kind, "key") == 0) {
            /* the first [key] section (a user's) wins as a whole */
            if (got_key)
                continue;
            got_key = true;
            for (size_t j = 0; j < s->n_entries; j++) {
                const struct conf_entry *e = &s->entries[j];
                int v;
                if (strcmp(e->key, "head") == 0) {
                    if ((v = parse_setting(e, 0, 4096, err)) < 0)
                        goto err;
                    f->head = (size_t)v;
                } else if (strcmp(e->key, "tail") == 0) {
                    if ((v = parse_setting(e, 0, 4096, err)) < 0)
                        goto err;
                    f->tail = (size_t)v;
                } else {
                    strbuf_addf(err, "%s:%d: unknown key '%s' in [key]", e->file, e->line, e->key);
                    goto err;
                }
            }
        } else if (strcmp(s->kind, "salient") == 0) {
            if (load_salient(f, s, err) < 0)
                goto err;
        } else {
            strbuf_addf(err, "%s:%d: unknown section kind '%s' (want key or salient)", s->file,
                        s->line, s->kind);
            goto err;
        }
    }
    conf_free(c);
    f->next = xcalloc(f->n_salient + 1, sizeof *f->next);
    f->open = xcalloc(f->n_gates + 1, 1);
    return f;
err:
    conf_free(c);
    fingerprinter_free(f);
    return NULL;
}

/* fingerprinter_free - release f (NULL is fine) */
void fingerprinter_free(struct fingerprinter *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n_salient; i++)
        rx_free(f->salient[i].rx);
    free(f->salient);
    for (size_t i = 0; i < f->n_gates; i++) {
        for (size_t j = 0; j < f->gates[i].n_words; j++)
            free(f->gates[i].words[j]);
        free(f->gates[i].words);
    }
    free(f->gates);
    free(f->next);
    free(f->open);
    free(f);
}

/* ---- character classes ---- */

/* one table lookup per byte instead of chains of compares: the masking loop
 * looks at every byte of every failure text several times */
enum {
    CC_BLANK = 1,
    CC_DIGIT = 2,
    CC_ALPHA = 4,
    CC_HEX = 8,
    CC_ATOM = 16, /* letters, digits, . _ - + % @ */
    CC_STOP = 32, /* ends a word: a blank, or '\\' (maybe Exim's "\\n") */
    CC_DOT = 64,
    CC_AT = 128,
};
static unsigned char cc[256];

/* init_classes - fill cc once */
static void init_classes(void)
{
    if (cc['a'])
        return;
    for (int ch = 0; ch < 256; ch++) {
        unsigned char k = 0;
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f')
            k |= CC_BLANK | CC_STOP;
        if (ch >= '0' && ch <= '9')
            k |= CC_DIGIT | CC_HEX | CC_ATOM;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
            k |= CC_ALPHA | CC_ATOM;
        if ((ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'))
            k |= CC_HEX;
        if (ch == '.' || ch == '_' || ch == '-' || ch == '+' || ch == '%' || ch == '@')
            k |= CC_ATOM;
        if (ch == '.')
            k |= CC_DOT;
        if (ch == '@')
            k |= CC_AT;
        if (ch == '\\')
            k |= CC_STOP;
        cc[ch] = k;
    }
}

static inline bool is_blank(char ch)
{
    return cc[(unsigned char)ch] & CC_BLANK;
}

static inline bool is_digit(char ch)
{
    return cc[(unsigned char)ch] & CC_DIGIT;
}

static inline bool is_alpha(char ch)
{
    return cc[(unsigned char)ch] & CC_ALPHA;
}

static inline bool is_hex(char ch)
{
    return cc[(unsigned char)ch] & CC_HEX;
}

static inline bool is_atom(char ch)
{
    return cc[(unsigned char)ch] & CC_ATOM;
}

/* out_add, out_addc - strbuf_add/addc without a call when there is room */
static inline void out_add(struct strbuf *o, const char *p, size_t n)
{
    if (o->len + n < o->cap) {
        memcpy(o->s + o->len, p, n);
        o->len += n;
        o->s[o->len] = '\0';
    } else {
        strbuf_add(o, p, n);
    }
}

static inline void out_addc(struct strbuf *o, char ch)
{
    if (o->len + 1 < o->cap) {
        o->s[o->len++] = ch;
        o->s[o->len] = '\0';
    } else {
        strbuf_addc(o, ch);
    }
}

/* blank_len - how many bytes of whitespace start at p: real blanks, or
 * Exim's literal backslash-n between the lines of a multi-line reply
 * ("550-5.1.1 The email account ...\n550-5.1.1 double-checking ...") */
static inline size_t blank_len(const char *p, const char *end)
{
    if (p < end && is_blank(*p))
        return 1;
    if (end - p >= 2 && p[0] == '\\' && p[1] == 'n')
        return 2;
    return 0;
}

/* ---- token shapes ---- */

/* ipv4_len - length of a dotted quad at p (0 if none) */
static size_t ipv4_len(const char *p, size_t n)
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        size_t d = 0;
        while (i < n && is_digit(p[i]) && d < 4)
            i++, d++;
        if (d == 0 || d > 3)
            return 0;
        if (part < 3) {
            if (i >= n || p[i] != '.')
                return 0;
            i++;
        }
    }
    return i;
}

/* ipv6_len - length of an IPv6 address at p (0 if none): hex, ':' and '.',
 * with "::" or at least five colons, so "15:04:05" and "Error:" are not one */
static size_t ipv6_len(const char *p, size_t n)
{
    size_t i = 0, colons = 0;
    bool dbl = false;
    while (i < n && (is_hex(p[i]) || p[i] == ':' || p[i] == '.')) {
        if (p[i] == ':') {
            colons++;
            if (i > 0 && p[i - 1] == ':')
                dbl = true;
        }
        i++;
    }
    while (i > 0 && (p[i - 1] == '.' || (p[i - 1] == ':' && !(i >= 2 && p[i - 2] == ':'))))
        i--, colons -= p[i] == ':';
    if (colons < 2 || (!dbl && colons < 5))
        return 0;
    /* the next byte must not continue a word ("abcd::ef01x" is not an address) */
    if (i < n && (is_alpha(p[i]) || is_digit(p[i])))
        return 0;
    return i;
}

/* is_enhanced - "5.7.1", "4.7.606": class 2, 4 or 5, then 1-3 digits twice */
static bool is_enhanced(const char *p, size_t n)
{
    if (n < 5 || (p[0] != '2' && p[0] != '4' && p[0] != '5') || p[1] != '.')
        return false;
    size_t i = 2, d = 0;
    while (i < n && is_digit(p[i]) && d < 4)
        i++, d++;
    if (d == 0 || d > 3 || i >= n || p[i] != '.')
        return false;
    i++;
    d = 0;
    while (i < n && is_digit(p[i]) && d < 4)
        i++, d++;
    return d > 0 && d <= 3 && i == n;
}

/* is_smtp_code - "550", "421": three digits, class 2, 4 or 5 */
static bool is_smtp_code(const char *p, size_t n)
{
    return n == 3 && (p[0] == '2' || p[0] == '4' || p[0] == '5') && is_digit(p[1]) &&
           is_digit(p[2]);
}

/* continuation - "550-5.1.1": the code of a multi-line reply line; *enh_off
 * gets the offset of its enhanced code */
static bool continuation(const char *p, size_t n, size_t *enh_off)
{
    if (n < 9 || !is_smtp_code(p, 3) || p[3] != '-')
        return false;
    if (!is_enhanced(p + 4, n - 4))
        return false;
    *enh_off = 4;
    return true;
}

enum atom_kind { ATOM_KEEP, ATOM_IP, ATOM_ADDR, ATOM_HOST, ATOM_ID, ATOM_NUM };

/* classify_atom - what an atom (letters, digits, . _ - + % @) is masked as;
 * seen: the cc bits of its bytes OR-ed together */
static enum atom_kind classify_atom(const char *p, size_t n, bool smtp_code_ok, unsigned seen)
{
    if (seen & CC_AT)
        return ATOM_ADDR;
    bool alpha = seen & CC_ALPHA, digit = seen & CC_DIGIT, dot = seen & CC_DOT;
    if (!digit)
        goto dotted_or_keep;
    if (ipv4_len(p, n) == n)
        return ATOM_IP;
    if (is_enhanced(p, n))
        return ATOM_KEEP;
    if (!alpha) {
        if (smtp_code_ok && is_smtp_code(p, n))
            return ATOM_KEEP;
        return ATOM_NUM;
    }
dotted_or_keep:
    if (dot) {
        /* a dotted name whose last label is letters: a host or domain name */
        const char *last = memrchr(p, '.', n);
        size_t ln = n - (size_t)(last - p) - 1;
        bool letters = ln >= 2;
        for (size_t i = 0; i < ln && letters; i++)
            letters = is_alpha(last[1 + i]) || last[1 + i] == '-';
        if (letters)
            return ATOM_HOST;
        return digit ? ATOM_ID : ATOM_KEEP;
    }
    return digit ? ATOM_ID : ATOM_KEEP;
}

static const char *const mask_text[] = {
    [ATOM_IP] = "<ip>", [ATOM_ADDR] = "<addr>", [ATOM_HOST] = "<host>",
    [ATOM_ID] = "<id>", [ATOM_NUM] = "<n>",
};
static const unsigned char mask_len[] = {
    [ATOM_IP] = 4, [ATOM_ADDR] = 6, [ATOM_HOST] = 6, [ATOM_ID] = 4, [ATOM_NUM] = 3,
};

/* ---- output ---- */

/* emit_mask - append a mask, folding a run of equal masks ("<n>.<n>") into one */
static void emit_mask(struct fp_run *r, enum atom_kind k)
{
    const char *m = mask_text[k];
    size_t ml = mask_len[k];
    struct strbuf *o = r->out;
    /* "<addr>" from "<a@b>": the caller dropped the '>' already */
    r->word_masked = true;
    if (o->len >= ml && memcmp(o->s + o->len - ml, m, ml) == 0)
        return;
    out_add(o, m, ml);
}

static size_t seg_coord(const struct fp_run *r, size_t off);

/* mask_range - mask [p, end) of one word (no blanks inside), copying salient
 * spans verbatim */
static void mask_range(struct fp_run *r, const char *p, const char *end, bool code_ok)
{
    struct strbuf *o = r->out;
    while (p < end) {
        size_t off = (size_t)(p - r->base);
        /* a salient code starting here is copied as is */
        const struct span *sp = NULL;
        size_t next_span = (size_t)-1;
        for (size_t i = 0; i < r->n_spans; i++) {
            if (r->spans[i].start <= off && off < r->spans[i].end) {
                sp = &r->spans[i];
                break;
            }
            if (r->spans[i].start > off && r->spans[i].start < next_span)
                next_span = r->spans[i].start;
        }
        if (sp) {
            size_t stop = sp->end - off;
            if (stop > (size_t)(end - p))
                stop = (size_t)(end - p);
            if (off == sp->start && r->n_spans_out < FP_MAX_SPANS) {
                struct fp_copy *c = &r->copies[r->n_spans_out++];
                c->out_start = o->len;
                c->c_start = seg_coord(r, o->len);
            }
            out_add(o, p, stop);
            if (off + stop == sp->end && r->n_spans_out &&
                r->copies[r->n_spans_out - 1].out_end == 0) {
                struct fp_copy *c = &r->copies[r->n_spans_out - 1];
                c->out_end = o->len;
                c->c_end = seg_coord(r, o->len);
            }
            p += stop;
            continue;
        }
        const char *lim = end;
        if (next_span != (size_t)-1 && r->base + next_span < lim)
            lim = r->base + next_span;
        size_t v6 = ipv6_len(p, (size_t)(lim - p));
        if (v6 && (p == r->base || !is_atom(p[-1]))) {
            emit_mask(r, ATOM_IP);
            p += v6;
            continue;
        }
        if (!is_atom(*p)) {
            out_addc(o, *p++);
            continue;
        }
        const char *a = p;
        unsigned seen = 0;
        while (p < lim && (cc[(unsigned char)*p] & CC_ATOM))
            seen |= cc[(unsigned char)*p++];
        size_t n = (size_t)(p - a);
        /* sentence punctuation is not part of a name: "Spamhaus." "net." */
        if (n > 1 && (a[n - 1] == '.' || a[n - 1] == '-')) {
            while (n > 1 && (a[n - 1] == '.' || a[n - 1] == '-'))
                n--;
            seen = 0;
            for (size_t i = 0; i < n; i++)
                seen |= cc[(unsigned char)a[i]];
        }
        enum atom_kind k = classify_atom(a, n, code_ok, seen);
        if (k == ATOM_KEEP) {
            out_add(o, a, n);
        } else {
            if (k == ATOM_ADDR && o->len && o->s[o->len - 1] == '<' && a + n < end && a[n] == '>') {
                o->len--; /* "<a@b>" -> "<addr>" */
                n++;
            }
            emit_mask(r, k);
        }
        p = a + n;
    }
}

/* ---- keying: positions in template coordinates ---- */

/* seg_coord - the coordinate of output offset off in the current segment:
 * template characters plus the dropped continuation codes, both the same in
 * every instance of a template (unlike raw offsets) */
static size_t seg_coord(const struct fp_run *r, size_t off)
{
    return off - r->seg_out + r->dropped;
}

/* note_word - remember a finished word for keying */
static void note_word(struct fp_run *r, size_t out_start, size_t out_end, bool literal,
                      bool complete)
{
    struct fp_word w = {
        .out_start = out_start,
        .out_end = out_end,
        .c_start = seg_coord(r, out_start),
        .c_end = seg_coord(r, out_end),
        .literal = literal && complete,
    };
    /* head: literal whole words that end within the first head_chars */
    if (r->keying_head && w.literal && w.c_end <= r->f->head) {
        r->h = fnv_add(r->h, r->out->s + out_start, out_end - out_start);
        r->h = fnv_add(r->h, " ", 1);
    }
    if (r->keying_tail)
        r->ring[r->n_ring++ % FP_RING] = w;
}

/* do_word - mask one word [p, end); complete: it ended at a blank (the last
 * word of a shortened head may be cut) */
static void do_word(struct fp_run *r, const char *p, const char *end, bool complete)
{
    struct strbuf *o = r->out;
    size_t n = (size_t)(end - p), enh;
    bool first = r->first_word;
    if (continuation(p, n, &enh)) {
        if (first) {
            /* "550-5.1.1 The email ..." opens a multi-line reply: show "550 5.1.1" */
            r->multiline = true;
            memcpy(r->code, p, 3);
            r->code[3] = '\0';
            size_t s0 = o->len;
            out_add(o, p, 3);
            out_addc(o, ' ');
            out_add(o, p + enh, n - enh);
            r->first_word = false;
            note_word(r, s0, s0 + 3, true, complete);
            note_word(r, s0 + 4, o->len, true, complete);
            return;
        }
        if (r->multiline) {
            r->dropped += n + 1; /* a repeated "550-5.1.1 " inside the reply */
            return;
        }
    }
    if (o->len && o->s[o->len - 1] != ' ')
        out_addc(o, ' ');
    size_t start = o->len;
    r->word_masked = false;
    mask_range(r, p, end, first);
    r->first_word = false;
    if (o->len == start)
        return;
    note_word(r, start, o->len, !r->word_masked, complete);
}

/* do_segment - mask every word of [p, end) */
static void do_segment(struct fp_run *r, const char *p, const char *end, bool head_of_cut)
{
    while (p < end) {
        size_t b = blank_len(p, end);
        if (b) {
            p += b;
            continue;
        }
        const char *w = p;
        while (p < end && (!(cc[(unsigned char)*p] & CC_STOP) || !blank_len(p, end)))
            p++;
        /* in the head of a shortened text the last word may be cut */
        bool complete = !(head_of_cut && p == end);
        /* drop a multi-line reply's "NNN X.Y.Z" pair in the middle (the
         * last line of a Gmail reply: "... Learn more at 550 5.1.1 https://...") */
        if (r->multiline && (size_t)(p - w) == 3 && memcmp(w, r->code, 3) == 0) {
            const char *q = p;
            while (q < end && blank_len(q, end))
                q += blank_len(q, end);
            const char *e2 = q;
            while (e2 < end && !blank_len(e2, end))
                e2++;
            if (is_enhanced(q, (size_t)(e2 - q))) {
                r->dropped += (size_t)(e2 - q) + 5;
                p = e2;
                continue;
            }
        }
        do_word(r, w, p, complete);
    }
}

/* begin_segment - start coordinates afresh at the current output end */
static void begin_segment(struct fp_run *r, bool head, bool tail)
{
    r->seg_out = r->out->len;
    r->dropped = 0;
    r->keying_head = head;
    r->keying_tail = tail;
    r->n_ring = 0;
    r->seg_first_span = r->n_spans_out;
}

/* end_segment - key the tail words and the salient codes of the segment */
static void end_segment(struct fp_run *r)
{
    size_t total = seg_coord(r, r->out->len);
    uint64_t h = r->ht;
    if (r->keying_tail) {
        /* literal words that start within the last tail_chars */
        size_t first = r->n_ring > FP_RING ? r->n_ring - FP_RING : 0;
        for (size_t i = first; i < r->n_ring; i++) {
            const struct fp_word *w = &r->ring[i % FP_RING];
            if (w->literal && total - w->c_start <= r->f->tail) {
                h = fnv_add(h, r->out->s + w->out_start, w->out_end - w->out_start);
                h = fnv_add(h, " ", 1);
            }
        }
    }
    r->ht = h;
    h = r->hs;
    for (size_t i = r->seg_first_span; i < r->n_spans_out; i++) {
        const struct fp_copy *c = &r->copies[i];
        bool in_head = r->keying_head && c->c_end <= r->f->head;
        bool in_tail = r->keying_tail && total - c->c_start <= r->f->tail;
        if (in_head || in_tail) {
            h = fnv_add(h, r->out->s + c->out_start, c->out_end - c->out_start);
            h = fnv_add(h, "\x1f", 1);
        }
    }
    r->hs = h;
}

/* gate_open - whether text holds one of g's words (ASCII case ignored):
 * the 2-byte prefix table lets most positions go by with one lookup */
static bool word_at(const struct fp_gate *g, const unsigned char *t, size_t n, size_t i)
{
    for (size_t w = 0; w < g->n_words; w++) {
        const char *word = g->words[w];
        size_t k = 0;
        while (word[k] && i + k < n && lower_of(t[i + k]) == (unsigned char)word[k])
            k++;
        if (!word[k])
            return true;
    }
    return false;
}

static bool gate_open(const struct fp_gate *g, struct slice text)
{
    const unsigned char *t = (const unsigned char *)text.p;
    size_t n = text.n;
    /* words of three bytes or more: the exact 2-byte prefix table lets most
     * positions go by with one lookup, then a hashed 3-byte prefix table,
     * few false hits ("sen" of "sender", "spa" of "space"). A short word
     * word_at would also have found here is found by the loop below. */
    for (size_t i = 0; i + 2 < n; i++) {
        unsigned pair = (unsigned)t[i] << 8 | t[i + 1];
        if (!(g->lead[pair >> 6] & (1ULL << (pair & 63))))
            continue;
        unsigned h = tri_hash(t[i], t[i + 1], t[i + 2]);
        if ((g->tri[h >> 6] & (1ULL << (h & 63))) && word_at(g, t, n, i))
            return true;
    }
    if (!g->short_words)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (g->single[t[i]])
            return true;
        if (i + 1 >= n)
            break;
        unsigned pair = (unsigned)t[i] << 8 | t[i + 1];
        if ((g->pairs[pair >> 6] & (1ULL << (pair & 63))) && word_at(g, t, n, i))
            return true;
    }
    return false;
}

/* find_spans - the salient codes of text (offsets from text.p): what one
 * alternation of the patterns in file order would find - the leftmost
 * match, on a tie the earliest pattern, then on from its end. Each pattern
 * keeps its next match, still its leftmost while it starts at or after the
 * offset searched from, so each pattern scans the text about once. */
static size_t find_spans(struct fingerprinter *f, struct slice text, struct span *spans)
{
    struct fp_next *next = f->next;
    size_t n_sal = f->n_salient, n = 0, at = 0;
    if (!n_sal || !text.n)
        return 0;
    memset(f->open, -1, f->n_gates);
    for (size_t i = 0; i < n_sal; i++) {
        next[i].valid = false;
        next[i].done = false;
        int g = f->salient[i].gate;
        if (g < 0)
            continue;
        if (f->open[g] < 0)
            f->open[g] = gate_open(&f->gates[g], text);
        next[i].done = !f->open[g];
    }
    while (n < FP_MAX_SPANS && at < text.n) {
        size_t best = (size_t)-1;
        for (size_t i = 0; i < n_sal; i++) {
            struct fp_next *x = &next[i];
            if (x->done)
                continue;
            if (!x->valid || x->start < at) {
                struct rx *rx = f->salient[i].rx;
                if (!rx_match_at(rx, text, at)) {
                    x->done = true;
                    continue;
                }
                struct slice m = rx_group(rx, text, 0);
                x->start = (size_t)(m.p - text.p);
                x->end = x->start + m.n;
                x->valid = true;
            }
            if (best == (size_t)-1 || x->start < next[best].start)
                best = i;
        }
        if (best == (size_t)-1)
            break;
        const struct fp_next *x = &next[best];
        if (x->end == x->start) {
            at = x->start + 1;
            continue;
        }
        spans[n].start = x->start;
        spans[n].end = x->end;
        n++;
        at = x->end;
    }
    return n;
}

/* fingerprint - the key of text; the template is written to tmpl (reset first) */
uint64_t fingerprint(struct fingerprinter *f, struct slice text, struct strbuf *tmpl)
{
    strbuf_reset(tmpl);
    text = text.p ? slice_trim(text) : SLICE_EMPTY; /* a cleared record's text: no NULL + 0 */
    /* Sendmail's stat= form: "Deferred: 421 4.7.0 ..." is the same reply */
    if (slice_starts(text, "Deferred: "))
        text.p += 10, text.n -= 10;

    /* recognise shortenstring()'s output: head "..." tail */
    size_t cut = sendmail_shortened_at(text);

    struct span spans[FP_MAX_SPANS];
    struct fp_run r = {
        .f = f,
        .out = tmpl,
        .base = text.p,
        .spans = spans,
        .h = 0xcbf29ce484222325ULL,
        .ht = 0xcbf29ce484222325ULL,
        .hs = 0xcbf29ce484222325ULL,
        .first_word = true,
    };
    if (cut) {
        /* salient codes must not straddle the cut: match head and tail apart */
        size_t nh = find_spans(f, slice_make(text.p, cut), spans);
        size_t nt = find_spans(f, slice_make(text.p + cut + 3, text.n - cut - 3), spans + nh);
        for (size_t i = nh; i < nh + nt; i++)
            spans[i].start += cut + 3, spans[i].end += cut + 3;
        r.n_spans = nh + nt;
        begin_segment(&r, true, false);
        do_segment(&r, text.p, text.p + cut, true);
        end_segment(&r);
        strbuf_adds(tmpl, " \xe2\x80\xa6 "); /* " … " */
        r.first_word = false;
        begin_segment(&r, false, true);
        do_segment(&r, text.p + cut + 3, text.p + text.n, false);
        end_segment(&r);
    } else {
        r.n_spans = find_spans(f, text, spans);
        begin_segment(&r, true, true);
        do_segment(&r, text.p, text.p + text.n, false);
        end_segment(&r);
    }
    while (tmpl->len && tmpl->s[tmpl->len - 1] == ' ')
        tmpl->s[--tmpl->len] = '\0';
    /* head words, tail words and codes hashed apart, so a shortened copy
     * (two segments) and a full one (one) combine the same way */
    uint64_t parts[3] = { r.h, r.ht, r.hs };
    return hash_fmix64(fnv_add(0xcbf29ce484222325ULL, parts, sizeof parts));
}

/* fingerprint_hex - 16 lower-case hex digits + NUL into buf[17] */
void fingerprint_hex(uint64_t key, char buf[17])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--) {
        buf[i] = hex[key & 0xf];
        key >>= 4;
    }
    buf[16] = '\0';
}
