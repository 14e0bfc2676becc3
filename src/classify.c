/*
 * classify.c - failure text -> reason class, the rule that decided, the
 * blocklist named and our implicated IP (the layers: see classify.h).
 *
 * SYNOPSIS
 *   struct classifier *classifier_load(struct strbuf *err);
 *   struct classifier *classifier_load_from(struct conf *reasons, struct conf *lists,
 *                                           struct strbuf *err);
 *   void classifier_free(struct classifier *c);
 *   void classifier_cache(struct classifier *c, bool on);
 *   void classify(struct classifier *c, const struct classify_input *in,
 *                 struct classification *out);
 *   void classify_traced(struct classifier *c, const struct classify_input *in,
 *                        struct classification *out, struct classify_trace *tr);
 *   size_t classify_dsn_from_text(struct slice text, char dsn[16]);
 *   ... table access: classifier_reason*, classifier_blocklist, classifier_rule_count
 *
 * THE TABLES
 *   reasons.conf        [reason NAME] label/advice/description/blocklists,
 *                       side (us | recipient | receiver: who must act, how
 *                       causes are keyed, cause.h), action (a cause's one
 *                       action, with {ip} {list} {provider}), suppress (yes |
 *                       lasting: the list to clean, write_suppress.c);
 *                       [rule NAME] (a user's: text, dsn, stage, host, status,
 *                       source - PCRE2 - and blocklist); [implicated-ip] pattern
 *   provider-codes.conf [code ID] provider, text, dsn, class, blocklist,
 *                       meaning, source, help, verified (keys: the file's
 *                       header; tests/corpus/check_format.py checks them)
 *   phrases.conf        [strip NAME] prefix / suffix / inner (PCRE2; a group
 *                       named stage, keys stage and source); [phrase CLASS]
 *                       text (repeatable: one family, any line), unless, dsn,
 *                       stage, not-stage, source, blocklist
 *   stages.conf         [stage NAME] names (how logs spell it), class, dsn, meaning
 *   dsn.conf            [dsn C.S.D] class, meaning (C: 4, 5 or X; S, D: a
 *                       number, D also a range 606-649 or *); [generic TEXT]
 *                       dsn (a sysexits text's code when the log has none);
 *                       [status NAME] class (a status with no text)
 *
 *   Placeholders in text patterns: {ip} an IPv4/IPv6 address (a group named
 *   ip in [implicated-ip] patterns), {gap} up to three words in between
 *   ("User {gap}unknown" reads "User <a@b> unknown").
 *
 * THE CACHE
 *   Matching the tables costs tens of microseconds a text, and classify runs
 *   per failure line. Texts that differ only in IPs, addresses, ids and long
 *   numbers (the "shape") get the same answer from the shipped tables, so
 *   that answer is remembered per shape in a direct-mapped 16384-slot table
 *   (util/slot_cache.h: 12 bytes a slot, each distinct answer kept once):
 *   ~0.5 us a hit. Two rules keep it from ever changing a result:
 *   - a masked token is hashed as it is when it holds a literal that some
 *     shipped pattern spells out with a letter and a digit ("S77714") or as
 *     a long number ("201806281" in AS(201806281)): the only masked parts a
 *     shipped pattern may tell apart (the corpus runner and the unit tests
 *     classify every case with and without the cache);
 *   - entries from a user's files (--patterns, patterns.d) may read anything,
 *     IPs included, so they are matched on every call: a user's entries of
 *     the layers up to the cached answer's, in order, before it is used.
 *   The implicated IP is searched on every call, but only with the patterns
 *   that found a candidate in a text of the same shape; when none places it,
 *   a refusal of our IP (blocked, badreputation, ratelimited) that names one
 *   address names ours. Never ours: the remote server's address, another
 *   host's ("host mx[ip]", "host: name (ip)"), 127.0.0.x, a receiver's DNS
 *   resolver, an address inside a reply that a proxy or forwarder quotes.
 *
 * OWNERSHIP
 *   The classifier owns its conf data and everything the answers point to;
 *   they live until classifier_free. out->implicated_ip points into in->text.
 *   One classifier serves one thread (patterns share one match data, regex.h).
 *
 * DIAGNOSTICS
 *   classifier_load returns NULL with "file:line: message" in err: an
 *   unreadable file, a bad pattern, an unknown class, list, stage or key, a
 *   DSN code written twice, no `undefined` reason.
 *
 * NOT DONE HERE
 *   No DNS checks of the implicated IP (dnsbl.c), no provider of the remote
 *   host (providers.c), no grouping (aggregate.c).
 */
#include "classify.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "lit_index.h"
#include "regex.h"
#include "util/hashmap.h"
#include "util/slot_cache.h"
#include "util/xalloc.h"

/* {ip}: a run of the characters of an IPv4 or IPv6 address. In an
 * [implicated-ip] pattern it is the group named ip, and classify.c keeps a
 * match only when inet_pton takes it (ip_valid), so the patterns stay small
 * (a full address grammar made each ~6 KB of JIT code); in phrases and codes
 * it is just a word of those characters. */
#define IP_RX "(?<![0-9A-Za-z.:])(?:IPv6:)?(?<ip>[0-9A-Fa-f:][0-9A-Fa-f:.]{2,44})(?![0-9A-Za-z:])"
#define IP_RX_PLAIN "(?<![0-9A-Za-z.:])(?:IPv6:)?[0-9A-Fa-f:][0-9A-Fa-f:.]{2,44}(?![0-9A-Za-z:])"
/* {gap}: up to three words (addresses, names, ids) between two words of a
 * phrase; separators hold no sentence end, so "user. Unknown" stays apart */
#define GAP_RX "(?:[^\\w.;!?]++[^\\s;!?]++){0,3}?[^\\w.;!?]++"

#define MAX_STAGES 16
#define MAX_STRIP_ROUNDS 12
#define CLASSIFY_CACHE_SLOTS 16384 /* power of two */

/* the conditions of a user's [rule], in the order they are cheapest to test */
enum cond { COND_TEXT, COND_DSN, COND_STAGE, COND_HOST, COND_STATUS, COND_SOURCE, COND_N };

static const char *const cond_names[COND_N] = {
    "text", "dsn", "stage", "host", "status", "source"
};

static const char *const layer_names[] = {
    [LAYER_USER] = "user rule", [LAYER_CODE] = "provider code", [LAYER_PHRASE] = "phrase",
    [LAYER_STAGE] = "stage",    [LAYER_DSN] = "status code",    [LAYER_NONE] = "none",
};

struct reason_entry {
    struct reason pub;
    bool blocklists;             /* may a text of this class name a blocklist */
    bool bl_set;                 /* blocklists was given (the first section that says decides) */
    bool side_set, suppress_set; /* the same for side and suppress */
    bool own_side_set;
    struct rx *own_text; /* own-text: our words of this class are ours only when it matches */
    int shipped_pos;     /* position in the last (shipped) file, -1 if user-only */
};

struct list_entry {
    struct blocklist_ref pub;
    struct rx *mentions; /* NULL: never named by texts */
    bool user;
};

/* one rule of a layer: a user's [rule], a [code], a [phrase] family (one
 * classify_rule per text line) or a [stage] rule */
struct entry {
    enum classify_layer layer;
    const struct reason_entry *reason;
    const struct blocklist_ref *blocklist;
    struct classify_rule *rules; /* one per text line (at least one) */
    size_t n_rules;
    struct rx *text;         /* the lines joined, each with (*MARK:i); NULL: no text condition */
    struct rx *unless;       /* a text that vetoes the entry */
    struct rx *cond[COND_N]; /* user rules: every condition; others: dsn only */
    unsigned stages;         /* scope must be one of these (0: any) */
    unsigned not_stages;     /* scope must not be one of these */
    int sources;             /* bit per enum text_source (0: any) */
    bool user;
    struct provider_code code;
    struct strbuf pattern_text; /* the joined pattern, kept for messages */
};

struct strip_rule {
    enum { STRIP_PREFIX, STRIP_SUFFIX, STRIP_INNER } kind;
    struct rx *rx;
    int stage_group; /* group "stage", or -1 */
    int scope;       /* stage the prefix implies, or -1 */
    bool remote;     /* what follows is the remote server's reply */
};

struct stage_def {
    const char *name; /* canonical: "RCPT TO" */
    char **aliases;   /* lower case, longest first */
    size_t n_aliases;
    const char *meaning;
};

struct dsn_entry {
    int klass;   /* 4, 5, or 0 for X */
    int subject; /* -1: any */
    int lo, hi;  /* detail range; lo = -1: any */
    struct classify_rule rule;
    const struct reason_entry *reason;
};

struct status_entry {
    enum delivery_status status;
    struct classify_rule rule;
    const struct reason_entry *reason;
};

struct generic_entry {
    const char *text;
    const char *dsn;
    struct status_entry decides; /* `class =`: the text alone decides (reason NULL: not) */
};

struct ip_pattern {
    struct rx *rx;
    int group;
    bool user;
};

/* one remembered answer of the shipped tables for a shape */
/* what the cache keeps per shape: the shipped tables' answer (the slot
 * cache stores each distinct one once; it compares them by their bytes, so
 * one is zeroed before it is filled) */
struct cached_answer {
    const struct entry *entry;
    const struct dsn_entry *dsn;
    const struct status_entry *status;
    const struct reason_entry *reason;
    const struct blocklist_ref *blocklist;
    const char *note;
    uint64_t ip_seen; /* shipped IP patterns that found a candidate */
    uint8_t layer;    /* enum classify_layer of the answer */
    uint8_t rule_i;   /* which line of the entry */
    uint8_t source;   /* enum text_source as read (a wrapped reply: remote) */
};

/* the literals of shipped patterns that hold a digit, for the shape */
struct keep_set {
    char **lit; /* lower case */
    size_t n;
    uint64_t pair[65536 / 64]; /* first two bytes, lower case */
    uint32_t third[65536];     /* per first two bytes: bit (c % 32) of each third byte */
};

struct classifier {
    struct conf *reasons_conf, *lists_conf, *codes_conf, *phrases_conf, *stages_conf, *dsn_conf;
    struct slot_cache *cache; /* shape -> struct cached_answer */
    bool cache_on;
    bool host_rules; /* a user rule reads the host: part of the key */
    bool user_strip; /* a user's [strip]: the reading itself is the user's */
    bool has_user;   /* a user's entries in some layer: matched on every call */
    bool user_lists; /* a user's [list] mentions: matched on every call */
    struct reason_entry *reasons;
    size_t n_reasons;
    const struct reason_entry **order; /* by index */
    struct list_entry *lists;
    size_t n_lists;
    struct entry **entries[LAYER_NONE]; /* per layer, in order */
    size_t n_entries[LAYER_NONE];
    struct entry **codes; /* the shipped codes, in file order */
    size_t n_codes;
    struct lit_index code_ix;   /* over codes */
    struct lit_index phrase_ix; /* over entries[LAYER_PHRASE] (the shipped ones) */
    struct strbuf lower;        /* the text in lower case */
    struct strip_rule *strips;
    size_t n_strips;
    struct stage_def stages[MAX_STAGES];
    size_t n_stages;
    struct dsn_entry *dsns;
    size_t n_dsns;
    struct generic_entry *generics;
    size_t n_generics;
    struct status_entry *statuses;
    size_t n_statuses;
    struct ip_pattern *ips;
    size_t n_ips;
    struct keep_set keep;
    const struct reason_entry *undefined;
    struct strbuf reading, scratch;
};

static const unsigned char *shape_classes(void);
static const unsigned char *sc; /* shape_classes(), set by classifier_load_from */

/* ---------------------------------------------------------------- loading */

static const char *where_of(const char *file, int line, char *buf, size_t n)
{
    snprintf(buf, n, "%s:%d", file, line);
    return buf;
}

/* is_shipped - whether a file is one of the shipped tables (the search path
 * puts a user's directories first and the shipped one last) */
static bool is_shipped(const char *file)
{
    const char *dir = conf_shipped_dir();
    size_t n = strlen(dir);
    return strncmp(file, dir, n) == 0 && file[n] == '/' && !strchr(file + n + 1, '/');
}

static struct reason_entry *find_reason(struct classifier *c, const char *name)
{
    for (size_t i = 0; i < c->n_reasons; i++)
        if (strcmp(c->reasons[i].pub.name, name) == 0)
            return &c->reasons[i];
    return NULL;
}

static struct list_entry *find_list(struct classifier *c, const char *id)
{
    for (size_t i = 0; i < c->n_lists; i++)
        if (strcmp(c->lists[i].pub.id, id) == 0)
            return &c->lists[i];
    return NULL;
}

/* expand - a pattern with {ip} and {gap} replaced; capture: {ip} as a group named ip */
static void expand(struct strbuf *out, const char *pattern, bool capture)
{
    strbuf_reset(out);
    for (const char *p = pattern; *p;) {
        if (strncmp(p, "{ip}", 4) == 0) {
            strbuf_adds(out, capture ? IP_RX : IP_RX_PLAIN);
            p += 4;
        } else if (strncmp(p, "{gap}", 5) == 0) {
            strbuf_adds(out, GAP_RX);
            p += 5;
        } else {
            strbuf_addc(out, *p++);
        }
    }
}

/* compile - a text pattern with placeholders, lazily JIT-compiled */
static struct rx *compile(const char *pattern, const char *file, int line, struct strbuf *err)
{
    struct strbuf x = STRBUF_INIT;
    char w[512];
    expand(&x, pattern, false);
    struct rx *r = rx_compile_lazy(strbuf_cstr(&x), where_of(file, line, w, sizeof w), err);
    strbuf_free(&x);
    return r;
}

const char *reason_side_name(enum reason_side side)
{
    static const char *const names[] = { "unknown", "us", "recipient", "receiver" };
    return (unsigned)side < sizeof names / sizeof *names ? names[side] : "unknown";
}

enum reason_side reason_side_of(const struct reason *r, bool own)
{
    return !r ? SIDE_UNKNOWN : own && r->has_own ? r->own_side : r->side;
}

const char *reason_label_of(const struct reason *r, bool own)
{
    return !r ? "" : own && r->has_own ? r->own_label : r->label;
}

const char *reason_advice_of(const struct reason *r, bool own)
{
    return !r ? "" : own && r->has_own ? r->own_advice : r->advice;
}

const char *reason_action_of(const struct reason *r, bool own)
{
    return !r ? "" : own && r->has_own ? r->own_action : r->action;
}

/* parse_side - `side = us|recipient|receiver` (`own-side` too); the first section
 * that says decides */
static int parse_side(struct reason_entry *r, const struct conf_entry *e, struct strbuf *err)
{
    bool own = strcmp(e->key, "own-side") == 0;
    enum reason_side side = SIDE_UNKNOWN;
    for (int k = SIDE_US; k <= SIDE_RECEIVER; k++)
        if (!strcmp(e->value, reason_side_name((enum reason_side)k)))
            side = (enum reason_side)k;
    if (side == SIDE_UNKNOWN) {
        strbuf_addf(err, "%s:%d: side '%s' is not one of us, recipient, receiver", e->file, e->line,
                    e->value);
        return -1;
    }
    if (own) {
        if (!r->own_side_set)
            r->pub.own_side = side;
        r->own_side_set = true;
        return 0;
    }
    if (!r->side_set)
        r->pub.side = side;
    r->side_set = true;
    return 0;
}

/* parse_suppress - `suppress = yes|lasting|no`; the first section that says decides */
static int parse_suppress(struct reason_entry *r, const struct conf_entry *e, struct strbuf *err)
{
    enum reason_suppress v;
    if (!strcmp(e->value, "yes"))
        v = SUPPRESS_YES;
    else if (!strcmp(e->value, "lasting"))
        v = SUPPRESS_LASTING;
    else if (!strcmp(e->value, "no"))
        v = SUPPRESS_NO;
    else {
        strbuf_addf(err, "%s:%d: suppress '%s' is not one of yes, lasting, no", e->file, e->line,
                    e->value);
        return -1;
    }
    if (!r->suppress_set)
        r->pub.suppress = v;
    r->suppress_set = true;
    return 0;
}

/* load_reasons - the [reason] sections: one entry per name, keys taken from
 * the first section that has them (a user's override comes first) */
static int load_reasons(struct classifier *c, struct strbuf *err)
{
    const struct conf *rc = c->reasons_conf;
    const char *shipped = rc->n_files ? rc->files[rc->n_files - 1] : NULL;
    c->reasons = xcalloc(rc->n_sections ? rc->n_sections : 1, sizeof *c->reasons);
    int shipped_count = 0;
    struct strbuf own_text = STRBUF_INIT; /* a section's own-text lines, as alternatives */
    const struct conf_entry *own_at = NULL;
    for (size_t i = 0; i < rc->n_sections; i++) {
        const struct conf_section *s = &rc->sections[i];
        if (strcmp(s->kind, "reason") != 0)
            continue;
        if (!*s->name || strchr(s->name, ' ')) {
            strbuf_addf(err, "%s:%d: [reason] needs one word as its name", s->file, s->line);
            goto fail;
        }
        struct reason_entry *r = find_reason(c, s->name);
        if (!r) {
            r = &c->reasons[c->n_reasons++];
            r->pub.name = s->name;
            r->blocklists = true;
            r->shipped_pos = -1;
        }
        if (s->file == shipped && r->shipped_pos < 0)
            r->shipped_pos = shipped_count++;
        for (size_t j = 0; j < s->n_entries; j++) {
            const struct conf_entry *e = &s->entries[j];
            if (strcmp(e->key, "label") == 0) {
                if (!r->pub.label)
                    r->pub.label = e->value;
            } else if (strcmp(e->key, "advice") == 0) {
                if (!r->pub.advice)
                    r->pub.advice = e->value;
            } else if (strcmp(e->key, "blocklists") == 0) {
                if (!r->bl_set)
                    r->blocklists = strcmp(e->value, "no") != 0;
                r->bl_set = true;
            } else if (strcmp(e->key, "side") == 0 || strcmp(e->key, "own-side") == 0) {
                if (parse_side(r, e, err) < 0)
                    goto fail;
            } else if (strcmp(e->key, "action") == 0) {
                if (!r->pub.action)
                    r->pub.action = e->value;
            } else if (strcmp(e->key, "own-label") == 0) {
                if (!r->pub.own_label)
                    r->pub.own_label = e->value;
            } else if (strcmp(e->key, "own-advice") == 0) {
                if (!r->pub.own_advice)
                    r->pub.own_advice = e->value;
            } else if (strcmp(e->key, "own-action") == 0) {
                if (!r->pub.own_action)
                    r->pub.own_action = e->value;
            } else if (strcmp(e->key, "own-text") == 0) {
                /* repeatable: any line; the first section that has them decides */
                if (!r->own_text) {
                    if (own_text.len)
                        strbuf_addc(&own_text, '|');
                    strbuf_addf(&own_text, "(?:%s)", e->value);
                    own_at = e;
                }
            } else if (strcmp(e->key, "suppress") == 0) {
                if (parse_suppress(r, e, err) < 0)
                    goto fail;
            } else if (strcmp(e->key, "description") != 0) {
                strbuf_addf(err, "%s:%d: unknown key '%s' in [reason]", e->file, e->line, e->key);
                goto fail;
            }
        }
        if (own_text.len) {
            char w[512];
            r->own_text = rx_compile_lazy(strbuf_cstr(&own_text),
                                          where_of(own_at->file, own_at->line, w, sizeof w), err);
            strbuf_reset(&own_text);
            if (!r->own_text) {
                goto fail;
            }
        }
    }
    strbuf_free(&own_text);
    for (size_t i = 0; i < c->n_reasons; i++) {
        struct reason_entry *r = &c->reasons[i];
        if (!r->pub.label)
            r->pub.label = r->pub.name;
        if (!r->pub.advice)
            r->pub.advice = "";
        if (!r->pub.action)
            r->pub.action = "";
        /* our own words: as the reply's unless reasons.conf says otherwise */
        r->pub.has_own = r->own_side_set || r->pub.own_label || r->pub.own_advice ||
                         r->pub.own_action || r->own_text;
        if (!r->own_side_set)
            r->pub.own_side = r->pub.side;
        if (!r->pub.own_label)
            r->pub.own_label = r->pub.label;
        if (!r->pub.own_advice)
            r->pub.own_advice = r->pub.advice;
        if (!r->pub.own_action)
            r->pub.own_action = r->pub.action;
    }
    /* stable order: shipped order first, then user-only reasons as they came */
    c->order = xcalloc(c->n_reasons ? c->n_reasons : 1, sizeof *c->order);
    size_t k = 0;
    for (int pos = 0; pos < shipped_count; pos++)
        for (size_t i = 0; i < c->n_reasons; i++)
            if (c->reasons[i].shipped_pos == pos)
                c->order[k++] = &c->reasons[i];
    for (size_t i = 0; i < c->n_reasons; i++)
        if (c->reasons[i].shipped_pos < 0)
            c->order[k++] = &c->reasons[i];
    for (size_t i = 0; i < k; i++)
        ((struct reason_entry *)c->order[i])->pub.index = (int)i;
    c->undefined = find_reason(c, "undefined");
    if (!c->undefined) {
        strbuf_addf(err, "%s: no [reason undefined] (the fallback class)",
                    shipped ? shipped : "reasons.conf");
        return -1;
    }
    return 0;
fail:
    strbuf_free(&own_text);
    return -1;
}

/* load_lists - the text side of blocklists.conf: the first section of an id wins */
static int load_lists(struct classifier *c, struct strbuf *err)
{
    const struct conf *lc = c->lists_conf;
    c->lists = xcalloc(lc->n_sections ? lc->n_sections : 1, sizeof *c->lists);
    for (size_t i = 0; i < lc->n_sections; i++) {
        const struct conf_section *s = &lc->sections[i];
        if (strcmp(s->kind, "list") != 0 || !*s->name || find_list(c, s->name))
            continue;
        struct list_entry *l = &c->lists[c->n_lists++];
        l->pub.id = s->name;
        l->pub.label = conf_get(s, "label");
        if (!l->pub.label)
            l->pub.label = s->name;
        l->pub.delist_url = conf_get(s, "delist_url");
        l->user = !is_shipped(s->file);
        const struct conf_entry *m = conf_entry_get(s, "mentions");
        if (m) {
            char w[512];
            l->mentions = rx_compile_lazy(m->value, where_of(m->file, m->line, w, sizeof w), err);
            if (!l->mentions)
                return -1;
        }
    }
    return 0;
}

/* stage_index - the canonical stage a logged or written name stands for, or -1 */
static int stage_index(const struct classifier *c, struct slice s)
{
    s = slice_trim(s);
    if (!s.n)
        return -1;
    for (size_t i = 0; i < c->n_stages; i++) {
        const struct stage_def *d = &c->stages[i];
        for (size_t j = 0; j < d->n_aliases; j++) {
            if ((d->aliases[j][0] | 32) != (s.p[0] | 32))
                continue;
            size_t n = strlen(d->aliases[j]);
            if (s.n < n || strncasecmp(s.p, d->aliases[j], n) != 0)
                continue;
            /* "EHLO mx.example.net", "MAIL FROM:<a@b>", "RCPT TO:<...>" */
            if (s.n == n || s.p[n] == ' ' || s.p[n] == ':' || s.p[n] == '<')
                return (int)i;
        }
    }
    return -1;
}

/* list_next - the next item of a comma list ("RCPT TO, MAIL FROM"), spaces around
 * it trimmed; false at the end. *p moves past it */
static bool list_next(const char **p, struct slice *item)
{
    for (;;) {
        while (**p == ' ' || **p == ',')
            (*p)++;
        if (!**p)
            return false;
        const char *q = *p;
        while (*q && *q != ',')
            q++;
        const char *end = q;
        while (end > *p && end[-1] == ' ')
            end--;
        *item = slice_make(*p, (size_t)(end - *p));
        *p = q;
        if (item->n)
            return true;
    }
}

/* stage_mask - a comma list of canonical stage names as bits; -1 on an unknown name */
static int stage_mask(const struct classifier *c, const struct conf_entry *e, unsigned *mask,
                      struct strbuf *err)
{
    const char *p = e->value;
    struct slice item;
    while (list_next(&p, &item)) {
        int k = stage_index(c, item);
        if (k < 0) {
            strbuf_addf(err, "%s:%d: unknown stage '%.*s' (see stages.conf)", e->file, e->line,
                        (int)item.n, item.p);
            return -1;
        }
        *mask |= 1u << k;
    }
    return 0;
}

/* source_mask - "remote, local, generic" as bits of enum text_source */
static int source_mask(const struct conf_entry *e, int *mask, struct strbuf *err)
{
    static const char *const names[] = {
        [TEXT_REMOTE_REPLY] = "remote", [TEXT_LOCAL] = "local", [TEXT_GENERIC] = "generic"
    };
    const char *p = e->value;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ", ");
        if (!n)
            break;
        int k = -1;
        for (int i = 0; i < 3; i++)
            if (strlen(names[i]) == n && strncmp(p, names[i], n) == 0)
                k = i;
        if (k < 0) {
            strbuf_addf(err, "%s:%d: source '%.*s' is not remote, local or generic", e->file,
                        e->line, (int)n, p);
            return -1;
        }
        *mask |= 1 << k;
        p += n;
    }
    return 0;
}

static struct entry *new_entry(struct classifier *c, enum classify_layer layer)
{
    c->entries[layer] =
        xrealloc(c->entries[layer], (c->n_entries[layer] + 1) * sizeof *c->entries[layer]);
    struct entry *e = xcalloc(1, sizeof *e);
    e->layer = layer;
    c->entries[layer][c->n_entries[layer]++] = e;
    return e;
}

static void add_rule_line(struct entry *e, const char *name, const char *file, int line)
{
    assert(e->n_rules < 255); /* load_phrases refuses more: the cache keeps the line in a byte */
    e->rules = xrealloc(e->rules, (e->n_rules + 1) * sizeof *e->rules);
    struct classify_rule *r = &e->rules[e->n_rules++];
    memset(r, 0, sizeof *r);
    r->layer = e->layer;
    r->name = name;
    r->file = file;
    r->line = line;
}

/* add_text - one more text line of an entry: joined into one alternation
 * whose (*MARK:i) tells which line matched */
static void add_text(struct entry *e, const char *value)
{
    if (e->pattern_text.len)
        strbuf_addc(&e->pattern_text, '|');
    strbuf_addf(&e->pattern_text, "(?:%s)(*MARK:%zu)", value, e->n_rules - 1);
}

static const struct reason_entry *class_of(struct classifier *c, const char *name, const char *file,
                                           int line, struct strbuf *err)
{
    const struct reason_entry *r = find_reason(c, name);
    if (!r)
        strbuf_addf(err, "%s:%d: '%s' is not a [reason] of reasons.conf", file, line, name);
    return r;
}

static int set_blocklist(struct classifier *c, struct entry *en, const struct conf_entry *e,
                         struct strbuf *err)
{
    const struct list_entry *l = find_list(c, e->value);
    if (!l) {
        strbuf_addf(err, "%s:%d: blocklist '%s' is not a [list] of blocklists.conf", e->file,
                    e->line, e->value);
        return -1;
    }
    en->blocklist = &l->pub;
    return 0;
}

/* load_user_rules - the [rule] sections of reasons.conf: the user layer */
static int load_user_rules(struct classifier *c, struct strbuf *err)
{
    const struct conf *rc = c->reasons_conf;
    for (size_t i = 0; i < rc->n_sections; i++) {
        const struct conf_section *s = &rc->sections[i];
        if (strcmp(s->kind, "rule") != 0)
            continue;
        struct entry *en = new_entry(c, LAYER_USER);
        en->user = true;
        en->reason = find_reason(c, s->name);
        if (!en->reason) {
            strbuf_addf(err, "%s:%d: [rule %s]: no [reason %s] section", s->file, s->line, s->name,
                        s->name);
            return -1;
        }
        add_rule_line(en, s->name, s->file, s->line);
        for (size_t j = 0; j < s->n_entries; j++) {
            const struct conf_entry *e = &s->entries[j];
            char w[512];
            if (strcmp(e->key, "blocklist") == 0) {
                if (set_blocklist(c, en, e, err) < 0)
                    return -1;
                continue;
            }
            int k = 0;
            while (k < COND_N && strcmp(e->key, cond_names[k]) != 0)
                k++;
            if (k == COND_N) {
                strbuf_addf(err,
                            "%s:%d: unknown key '%s' in [rule] (want text, dsn, stage, host, "
                            "status, source or blocklist)",
                            e->file, e->line, e->key);
                return -1;
            }
            if (en->cond[k]) {
                strbuf_addf(err, "%s:%d: '%s' given twice in one rule (use one pattern with |)",
                            e->file, e->line, e->key);
                return -1;
            }
            if (k == COND_TEXT) {
                en->cond[k] = compile(e->value, e->file, e->line, err);
            } else {
                en->cond[k] =
                    rx_compile_lazy(e->value, where_of(e->file, e->line, w, sizeof w), err);
            }
            if (!en->cond[k])
                return -1;
            if (k == COND_HOST)
                c->host_rules = true;
        }
    }
    return 0;
}

/* load_codes - provider-codes.conf: [code ID] sections */
static int load_codes(struct classifier *c, struct strbuf *err)
{
    const struct conf *cc = c->codes_conf;
    struct strbuf any = STRBUF_INIT;
    for (size_t i = 0; i < cc->n_sections; i++) {
        const struct conf_section *s = &cc->sections[i];
        if (strcmp(s->kind, "code") != 0) {
            strbuf_addf(err, "%s:%d: unknown section kind '%s' (want code)", s->file, s->line,
                        s->kind);
            goto fail;
        }
        struct entry *en = new_entry(c, LAYER_CODE);
        en->user = !is_shipped(s->file);
        en->code.id = s->name;
        en->code.providers = "";
        en->code.verified = true;
        const char *klass = NULL;
        const struct conf_entry *text = NULL;
        for (size_t j = 0; j < s->n_entries; j++) {
            const struct conf_entry *e = &s->entries[j];
            char w[512];
            if (!strcmp(e->key, "text")) {
                if (text) {
                    strbuf_addf(err, "%s:%d: text given twice in one [code]", e->file, e->line);
                    goto fail;
                }
                text = e;
            } else if (!strcmp(e->key, "dsn")) {
                en->cond[COND_DSN] =
                    rx_compile_lazy(e->value, where_of(e->file, e->line, w, sizeof w), err);
                if (!en->cond[COND_DSN])
                    goto fail;
            } else if (!strcmp(e->key, "unless")) {
                en->unless =
                    rx_compile_lazy(e->value, where_of(e->file, e->line, w, sizeof w), err);
                if (!en->unless)
                    goto fail;
            } else if (!strcmp(e->key, "class")) {
                if (!(en->reason = class_of(c, e->value, e->file, e->line, err)))
                    goto fail;
                klass = e->value;
            } else if (!strcmp(e->key, "blocklist")) {
                if (set_blocklist(c, en, e, err) < 0)
                    goto fail;
            } else if (!strcmp(e->key, "provider")) {
                en->code.providers = e->value;
            } else if (!strcmp(e->key, "meaning")) {
                en->code.meaning = e->value;
            } else if (!strcmp(e->key, "source")) {
                en->code.source = e->value;
            } else if (!strcmp(e->key, "help")) {
                en->code.help = e->value;
            } else if (!strcmp(e->key, "verified")) {
                if (strcmp(e->value, "yes") && strcmp(e->value, "no")) {
                    strbuf_addf(err, "%s:%d: verified must be yes or no", e->file, e->line);
                    goto fail;
                }
                en->code.verified = !strcmp(e->value, "yes");
            } else {
                strbuf_addf(err,
                            "%s:%d: unknown key '%s' in [code] (want provider, text, dsn, unless, "
                            "class, blocklist, meaning, source, help, verified)",
                            e->file, e->line, e->key);
                goto fail;
            }
        }
        if (!text || !klass) {
            strbuf_addf(err, "%s:%d: [code %s] needs text and class", s->file, s->line, s->name);
            goto fail;
        }
        add_rule_line(en, s->name, text->file, text->line);
        en->rules[0].meaning = en->code.meaning;
        en->rules[0].code = &en->code;
        if (en->user) {
            /* a user's codes are matched one by one, every time */
            if (!(en->text = compile(text->value, text->file, text->line, err)))
                goto fail;
            continue;
        }
        /* the shipped ones: each compiled (JIT only when used), and found
         * through the literals one of which any match must hold */
        if (!(en->text = compile(text->value, text->file, text->line, err)))
            goto fail;
        c->codes = xrealloc(c->codes, (c->n_codes + 1) * sizeof *c->codes);
        c->codes[c->n_codes] = en;
        strbuf_reset(&any);
        size_t n_lits = lit_pattern_literals(text->value, text->value + strlen(text->value), &any);
        lit_index_add(&c->code_ix, (uint32_t)c->n_codes, any.s, n_lits);
        c->n_codes++;
    }
    lit_index_finish(&c->code_ix, c->n_codes);
    strbuf_free(&any);
    return 0;
fail:
    strbuf_free(&any);
    return -1;
}

/* load_stages - stages.conf: the canonical stages and their rules */
static int load_stages(struct classifier *c, struct strbuf *err)
{
    const struct conf *sc_ = c->stages_conf;
    /* first pass: the stages and how logs spell them */
    for (size_t i = 0; i < sc_->n_sections; i++) {
        const struct conf_section *s = &sc_->sections[i];
        if (strcmp(s->kind, "stage") != 0) {
            strbuf_addf(err, "%s:%d: unknown section kind '%s' (want stage)", s->file, s->line,
                        s->kind);
            return -1;
        }
        size_t k = 0;
        while (k < c->n_stages && strcmp(c->stages[k].name, s->name) != 0)
            k++;
        if (k < c->n_stages)
            continue;
        if (c->n_stages == MAX_STAGES) {
            strbuf_addf(err, "%s:%d: more than %d stages", s->file, s->line, MAX_STAGES);
            return -1;
        }
        struct stage_def *d = &c->stages[c->n_stages++];
        d->name = s->name;
        d->meaning = conf_get(s, "meaning");
        /* the name itself, then `names`, longest first so "MAIL FROM" beats "MAIL" */
        const char *names = conf_get(s, "names");
        d->aliases = xcalloc(1, sizeof *d->aliases);
        d->aliases[d->n_aliases++] = xstrdup(s->name);
        struct slice item;
        for (const char *p = names ? names : ""; list_next(&p, &item);) {
            d->aliases = xrealloc(d->aliases, (d->n_aliases + 1) * sizeof *d->aliases);
            d->aliases[d->n_aliases++] = xmemdup(item.p, item.n);
        }
        for (size_t a = 1; a < d->n_aliases; a++)
            for (size_t b = a; b > 0 && strlen(d->aliases[b]) > strlen(d->aliases[b - 1]); b--) {
                char *t = d->aliases[b];
                d->aliases[b] = d->aliases[b - 1];
                d->aliases[b - 1] = t;
            }
    }
    /* second pass: the rules */
    for (size_t i = 0; i < sc_->n_sections; i++) {
        const struct conf_section *s = &sc_->sections[i];
        const struct conf_entry *klass = conf_entry_get(s, "class");
        for (size_t j = 0; j < s->n_entries; j++) {
            const char *k = s->entries[j].key;
            if (strcmp(k, "names") && strcmp(k, "class") && strcmp(k, "dsn") &&
                strcmp(k, "meaning") && strcmp(k, "blocklist")) {
                strbuf_addf(err,
                            "%s:%d: unknown key '%s' in [stage] (want names, class, dsn, "
                            "meaning, blocklist)",
                            s->entries[j].file, s->entries[j].line, k);
                return -1;
            }
        }
        if (!klass)
            continue;
        struct entry *en = new_entry(c, LAYER_STAGE);
        en->user = !is_shipped(s->file);
        if (!(en->reason = class_of(c, klass->value, klass->file, klass->line, err)))
            return -1;
        en->stages = 1u << stage_index(c, slice_cstr(s->name));
        add_rule_line(en, s->name, s->file, s->line);
        en->rules[0].meaning = conf_get(s, "meaning");
        const struct conf_entry *dsn = conf_entry_get(s, "dsn");
        if (dsn) {
            char w[512];
            en->cond[COND_DSN] =
                rx_compile_lazy(dsn->value, where_of(dsn->file, dsn->line, w, sizeof w), err);
            if (!en->cond[COND_DSN])
                return -1;
        }
        const struct conf_entry *bl = conf_entry_get(s, "blocklist");
        if (bl && set_blocklist(c, en, bl, err) < 0)
            return -1;
    }
    return 0;
}

/* load_phrases - phrases.conf: [strip] and [phrase] sections */
static int load_phrases(struct classifier *c, struct strbuf *err)
{
    const struct conf *pc = c->phrases_conf;
    for (size_t i = 0; i < pc->n_sections; i++) {
        const struct conf_section *s = &pc->sections[i];
        char w[512];
        if (!strcmp(s->kind, "strip")) {
            if (!is_shipped(s->file))
                c->user_strip = true;
            int scope = -1;
            bool remote = false;
            const struct conf_entry *st = conf_entry_get(s, "stage");
            if (st && (scope = stage_index(c, slice_cstr(st->value))) < 0) {
                strbuf_addf(err, "%s:%d: unknown stage '%s' (see stages.conf)", st->file, st->line,
                            st->value);
                return -1;
            }
            const char *src = conf_get(s, "source");
            if (src)
                remote = !strcmp(src, "remote");
            for (size_t j = 0; j < s->n_entries; j++) {
                const struct conf_entry *e = &s->entries[j];
                int kind;
                if (!strcmp(e->key, "prefix"))
                    kind = STRIP_PREFIX;
                else if (!strcmp(e->key, "suffix"))
                    kind = STRIP_SUFFIX;
                else if (!strcmp(e->key, "inner"))
                    kind = STRIP_INNER;
                else if (!strcmp(e->key, "stage") || !strcmp(e->key, "source"))
                    continue;
                else {
                    strbuf_addf(err,
                                "%s:%d: unknown key '%s' in [strip] (want prefix, suffix, inner, "
                                "stage, source)",
                                e->file, e->line, e->key);
                    return -1;
                }
                c->strips = xrealloc(c->strips, (c->n_strips + 1) * sizeof *c->strips);
                struct strip_rule *r = &c->strips[c->n_strips++];
                r->kind = kind;
                r->scope = scope;
                r->remote = remote;
                if (!(r->rx = compile(e->value, e->file, e->line, err)))
                    return -1;
                r->stage_group = rx_group_index(r->rx, "stage");
            }
            continue;
        }
        if (strcmp(s->kind, "phrase") != 0) {
            strbuf_addf(err, "%s:%d: unknown section kind '%s' (want strip or phrase)", s->file,
                        s->line, s->kind);
            return -1;
        }
        struct entry *en = new_entry(c, LAYER_PHRASE);
        en->user = !is_shipped(s->file);
        if (!(en->reason = class_of(c, s->name, s->file, s->line, err)))
            return -1;
        for (size_t j = 0; j < s->n_entries; j++) {
            const struct conf_entry *e = &s->entries[j];
            if (!strcmp(e->key, "text")) {
                if (en->n_rules == 254) {
                    strbuf_addf(err, "%s:%d: more than 254 text lines in one [phrase]: split it",
                                e->file, e->line);
                    return -1;
                }
                add_rule_line(en, s->name, e->file, e->line);
                add_text(en, e->value);
            } else if (!strcmp(e->key, "unless")) {
                if (en->unless) {
                    strbuf_addf(err, "%s:%d: unless given twice (use one pattern with |)", e->file,
                                e->line);
                    return -1;
                }
                if (!(en->unless = compile(e->value, e->file, e->line, err)))
                    return -1;
            } else if (!strcmp(e->key, "dsn")) {
                en->cond[COND_DSN] =
                    rx_compile_lazy(e->value, where_of(e->file, e->line, w, sizeof w), err);
                if (!en->cond[COND_DSN])
                    return -1;
            } else if (!strcmp(e->key, "stage")) {
                if (stage_mask(c, e, &en->stages, err) < 0)
                    return -1;
            } else if (!strcmp(e->key, "not-stage")) {
                if (stage_mask(c, e, &en->not_stages, err) < 0)
                    return -1;
            } else if (!strcmp(e->key, "source")) {
                if (source_mask(e, &en->sources, err) < 0)
                    return -1;
            } else if (!strcmp(e->key, "blocklist")) {
                if (set_blocklist(c, en, e, err) < 0)
                    return -1;
            } else {
                strbuf_addf(err,
                            "%s:%d: unknown key '%s' in [phrase] (want text, unless, dsn, stage, "
                            "not-stage, source, blocklist)",
                            e->file, e->line, e->key);
                return -1;
            }
        }
        if (!en->n_rules) {
            strbuf_addf(err, "%s:%d: [phrase %s] has no text", s->file, s->line, s->name);
            return -1;
        }
        if (!(en->text = compile(strbuf_cstr(&en->pattern_text), s->file, s->line, err))) {
            /* name the line at fault */
            strbuf_reset(err);
            for (size_t j = 0; j < s->n_entries; j++) {
                const struct conf_entry *e = &s->entries[j];
                struct rx *r;
                if (strcmp(e->key, "text") != 0)
                    continue;
                if (!(r = compile(e->value, e->file, e->line, err)))
                    return -1;
                rx_free(r);
            }
            strbuf_addf(err, "%s:%d: [phrase %s] does not compile", s->file, s->line, s->name);
            return -1;
        }
        if (!en->user) {
            /* file it in the prefilter under the literals of its text lines */
            struct strbuf lits = STRBUF_INIT;
            size_t n_lits = 0;
            for (size_t j = 0; j < s->n_entries; j++) {
                const struct conf_entry *e = &s->entries[j];
                if (strcmp(e->key, "text") != 0)
                    continue;
                size_t k = lit_pattern_literals(e->value, e->value + strlen(e->value), &lits);
                if (!k) {
                    n_lits = 0;
                    break;
                }
                n_lits += k;
            }
            lit_index_add(&c->phrase_ix, (uint32_t)(c->n_entries[LAYER_PHRASE] - 1), lits.s,
                          n_lits);
            strbuf_free(&lits);
        }
    }
    lit_index_finish(&c->phrase_ix, c->n_entries[LAYER_PHRASE]);
    return 0;
}

/* parse_part - a number of a DSN spec; '*' gives -1 */
static bool parse_part(const char **p, int *out)
{
    if (**p == '*') {
        (*p)++;
        *out = -1;
        return true;
    }
    if (**p < '0' || **p > '9')
        return false;
    int v = 0;
    while (**p >= '0' && **p <= '9' && v < 10000)
        v = v * 10 + (*(*p)++ - '0');
    *out = v;
    return true;
}

/* parse_dsn_spec - "X.1.1", "5.7.606-649", "4.7.*" */
static bool parse_dsn_spec(const char *s, struct dsn_entry *d)
{
    if (s[0] == 'X' || s[0] == 'x')
        d->klass = 0;
    else if (s[0] == '4' || s[0] == '5')
        d->klass = s[0] - '0';
    else
        return false;
    if (s[1] != '.')
        return false;
    const char *p = s + 2;
    if (!parse_part(&p, &d->subject) || *p++ != '.' || !parse_part(&p, &d->lo))
        return false;
    d->hi = d->lo;
    if (*p == '-' && d->lo >= 0) {
        p++;
        if (!parse_part(&p, &d->hi) || d->hi < d->lo)
            return false;
    }
    return *p == '\0';
}

/* dsn_layer_rule - the class and rule of a [dsn] or [status] section of dsn.conf
 * (class = klass); NULL and err when the class is unknown */
static const struct reason_entry *dsn_layer_rule(struct classifier *c, const struct conf_section *s,
                                                 const struct conf_entry *klass,
                                                 struct classify_rule *rule, struct strbuf *err)
{
    const struct reason_entry *r = class_of(c, klass->value, klass->file, klass->line, err);
    rule->layer = LAYER_DSN;
    rule->name = s->name;
    rule->file = s->file;
    rule->line = s->line;
    rule->meaning = conf_get(s, "meaning");
    return r;
}

/* load_dsn - dsn.conf: [dsn C.S.D], [generic TEXT], [status NAME] */
static int load_dsn(struct classifier *c, struct strbuf *err)
{
    const struct conf *dc = c->dsn_conf;
    for (size_t i = 0; i < dc->n_sections; i++) {
        const struct conf_section *s = &dc->sections[i];
        for (size_t j = 0; j < s->n_entries; j++) {
            const char *k = s->entries[j].key;
            if (strcmp(k, "class") && strcmp(k, "meaning") && strcmp(k, "dsn")) {
                strbuf_addf(err, "%s:%d: unknown key '%s' (want class, meaning, dsn)",
                            s->entries[j].file, s->entries[j].line, k);
                return -1;
            }
        }
        const struct conf_entry *klass = conf_entry_get(s, "class");
        if (!strcmp(s->kind, "dsn")) {
            struct dsn_entry d = { 0 };
            if (!parse_dsn_spec(s->name, &d)) {
                strbuf_addf(err, "%s:%d: '%s' is not a status code (4.7.1, X.1.1, 5.7.606-649)",
                            s->file, s->line, s->name);
                return -1;
            }
            for (size_t k = 0; k < c->n_dsns; k++) {
                const struct dsn_entry *o = &c->dsns[k];
                if (o->klass == d.klass && o->subject == d.subject && o->lo == d.lo &&
                    o->hi == d.hi) {
                    strbuf_addf(err, "%s:%d: [dsn %s] is written twice (first at %s:%d)", s->file,
                                s->line, s->name, o->rule.file, o->rule.line);
                    return -1;
                }
            }
            if (!klass) {
                strbuf_addf(err, "%s:%d: [dsn %s] needs a class", s->file, s->line, s->name);
                return -1;
            }
            if (!(d.reason = dsn_layer_rule(c, s, klass, &d.rule, err)))
                return -1;
            c->dsns = xrealloc(c->dsns, (c->n_dsns + 1) * sizeof *c->dsns);
            c->dsns[c->n_dsns++] = d;
        } else if (!strcmp(s->kind, "generic")) {
            const char *dsn = conf_get(s, "dsn");
            struct dsn_entry probe;
            char spec[24];
            snprintf(spec, sizeof spec, "%s", dsn ? dsn : "");
            if (!dsn || !parse_dsn_spec(spec, &probe) || probe.klass == 0) {
                strbuf_addf(err, "%s:%d: [generic %s] needs dsn = a status code (5.1.1)", s->file,
                            s->line, s->name);
                return -1;
            }
            struct generic_entry g = { s->name, dsn, { 0 } };
            if (klass && !(g.decides.reason = dsn_layer_rule(c, s, klass, &g.decides.rule, err)))
                return -1;
            c->generics = xrealloc(c->generics, (c->n_generics + 1) * sizeof *c->generics);
            c->generics[c->n_generics++] = g;
        } else if (!strcmp(s->kind, "status")) {
            struct status_entry st = { 0 };
            if (!delivery_status_parse(s->name, &st.status) || !klass) {
                strbuf_addf(err, "%s:%d: [status %s] needs a delivery status and a class", s->file,
                            s->line, s->name);
                return -1;
            }
            if (!(st.reason = dsn_layer_rule(c, s, klass, &st.rule, err)))
                return -1;
            c->statuses = xrealloc(c->statuses, (c->n_statuses + 1) * sizeof *c->statuses);
            c->statuses[c->n_statuses++] = st;
        } else {
            strbuf_addf(err, "%s:%d: unknown section kind '%s' (want dsn, generic or status)",
                        s->file, s->line, s->kind);
            return -1;
        }
    }
    return 0;
}

/* load_ips - the [implicated-ip] patterns, {ip} expanded */
static int load_ips(struct classifier *c, struct strbuf *err)
{
    const struct conf *rc = c->reasons_conf;
    struct strbuf x = STRBUF_INIT;
    for (size_t i = 0; i < rc->n_sections; i++) {
        const struct conf_section *s = &rc->sections[i];
        if (strcmp(s->kind, "implicated-ip") != 0)
            continue;
        for (size_t j = 0; j < s->n_entries; j++) {
            const struct conf_entry *e = &s->entries[j];
            char w[512];
            if (strcmp(e->key, "pattern") != 0) {
                strbuf_addf(err, "%s:%d: unknown key '%s' in [implicated-ip] (want pattern)",
                            e->file, e->line, e->key);
                goto fail;
            }
            expand(&x, e->value, true);
            struct rx *r =
                rx_compile_lazy(strbuf_cstr(&x), where_of(e->file, e->line, w, sizeof w), err);
            if (!r)
                goto fail;
            int g = rx_group_index(r, "ip");
            if (g < 0) {
                strbuf_addf(err, "%s:%d: an [implicated-ip] pattern needs {ip} or (?<ip>...)",
                            e->file, e->line);
                rx_free(r);
                goto fail;
            }
            c->ips = xrealloc(c->ips, (c->n_ips + 1) * sizeof *c->ips);
            c->ips[c->n_ips++] = (struct ip_pattern){ r, g, !is_shipped(e->file) };
        }
    }
    strbuf_free(&x);
    return 0;
fail:
    strbuf_free(&x);
    return -1;
}

/* ---- the literals the shape must keep ---- */

static void keep_add_one(struct keep_set *k, const char *p, size_t n);

/* keep_add - a literal run, cut into the pieces a shape token can hold
 * ("AS(201806281)" -> "201806281": the shape masks runs of letters, digits
 * and . _ % + @ -) */
static void keep_add(struct keep_set *k, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && ((p[j] >= 'a' && p[j] <= 'z') || (p[j] >= 'A' && p[j] <= 'Z') ||
                         (p[j] >= '0' && p[j] <= '9') || strchr("._%+@-", p[j])))
            j++;
        if (j > i)
            keep_add_one(k, p + i, j - i);
        i = j + 1;
    }
}

static void keep_add_one(struct keep_set *k, const char *p, size_t n)
{
    /* a literal with a digit and a letter ("S77714", "TSS04"), or a long
     * number ("201806281"); short digit runs ("163", "5.7.6") are in IPs and
     * ids by chance, and keeping those would defeat the cache: shipped
     * patterns must not tell masked tokens apart by them (the corpus runner
     * checks every row with and without the cache) */
    bool letter = false;
    size_t digits = 0, run = 0;
    for (size_t i = 0; i < n; i++) {
        bool d = p[i] >= '0' && p[i] <= '9';
        run = d ? run + 1 : 0;
        if (run > digits)
            digits = run;
        letter |= (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z');
    }
    if (n < 3 || !digits || (!letter && digits < 5))
        return;
    char *s = xmemdup(p, n);
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'A' && s[i] <= 'Z')
            s[i] = (char)(s[i] - 'A' + 'a');
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->lit[i], s) == 0) {
            free(s);
            return;
        }
    k->lit = xrealloc(k->lit, (k->n + 1) * sizeof *k->lit);
    k->lit[k->n++] = s;
    unsigned pair = (unsigned)(unsigned char)s[0] << 8 | (unsigned char)s[1];
    k->pair[pair / 64] |= 1ULL << (pair % 64);
    k->third[pair] |= 1u << ((unsigned char)s[2] % 32);
}

/* keep_scan - the runs of literal characters of a PCRE2 pattern that hold a
 * digit ("201806281" of "AS\(201806281\)", "5.7.6" of "5\.7\.6(?:0[6-9])").
 * A lexical scan: escapes of punctuation are literals, classes, groups,
 * alternations and quantifiers end a run (a quantified character leaves it). */
static void keep_scan(struct keep_set *k, const char *pat)
{
    char run[256];
    size_t n = 0;
    for (const char *p = pat; *p; p++) {
        char ch = *p;
        if (ch == '\\' && p[1]) {
            char e = *++p;
            if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
                keep_add(k, run, n); /* \d, \b, \x.., backreferences: not literal */
                n = 0;
                continue;
            }
            ch = e;
        } else if (ch == '[') {
            keep_add(k, run, n);
            n = 0;
            for (p++; *p && (*p != ']' || p[-1] == '['); p++)
                if (*p == '\\' && p[1])
                    p++;
            if (!*p)
                break;
            continue;
        } else if (ch == '{') {
            /* a quantifier: {3}, {0,4}; the character before it is not fixed */
            if (n)
                n--;
            keep_add(k, run, n);
            n = 0;
            while (*p && *p != '}')
                p++;
            if (!*p)
                break;
            continue;
        } else if (ch == '?' || ch == '*' || ch == '+') {
            if (n)
                n--; /* the quantified character is optional or repeated */
            keep_add(k, run, n);
            n = 0;
            continue;
        } else if (ch == '(') {
            keep_add(k, run, n);
            n = 0;
            /* group syntax: (?:  (?i)  (?<name>  (?=  (?<!  (*MARK:x) */
            if (p[1] == '*') {
                while (*p && *p != ')')
                    p++;
                if (!*p)
                    break;
            } else if (p[1] == '?') {
                p += 2;
                if (*p == '<' && (p[1] == '=' || p[1] == '!'))
                    p++;
                else if (*p == '<' || *p == 'P' || *p == '\'')
                    while (*p && *p != '>' && *p != '\'')
                        p++;
                else
                    while (*p && *p != ':' && *p != ')' && *p != '=' && *p != '!')
                        p++;
                if (!*p)
                    break;
            }
            continue;
        } else if (ch == ')' || ch == '|' || ch == '^' || ch == '$' || ch == '.') {
            keep_add(k, run, n);
            n = 0;
            continue;
        }
        if (n < sizeof run)
            run[n++] = ch;
    }
    keep_add(k, run, n);
}

/* keep_hit - whether the token p[0..n) holds a kept literal (any case) */
static bool keep_hit(const struct keep_set *k, const char *p, size_t n)
{
    for (size_t i = 0; i + 3 <= n; i++) {
        unsigned a = (unsigned char)p[i], b = (unsigned char)p[i + 1];
        if (a >= 'A' && a <= 'Z')
            a += 32;
        if (b >= 'A' && b <= 'Z')
            b += 32;
        unsigned pair = a << 8 | b, c = (unsigned char)p[i + 2];
        if (!(k->pair[pair / 64] & (1ULL << (pair % 64))))
            continue;
        if (c >= 'A' && c <= 'Z')
            c += 32;
        if (!(k->third[pair] & (1u << (c % 32))))
            continue;
        for (size_t j = 0; j < k->n; j++) {
            size_t m = strlen(k->lit[j]);
            if (i + m <= n && strncasecmp(p + i, k->lit[j], m) == 0)
                return true;
        }
    }
    return false;
}

/* collect_keep - the kept literals of every shipped pattern that reads text */
static void collect_keep(struct classifier *c)
{
    for (int l = 0; l < LAYER_NONE; l++)
        for (size_t i = 0; i < c->n_entries[l]; i++) {
            const struct entry *e = c->entries[l][i];
            if (e->user)
                continue;
            if (e->text)
                keep_scan(&c->keep, rx_source(e->text));
            if (e->unless)
                keep_scan(&c->keep, rx_source(e->unless));
        }
    for (size_t i = 0; i < c->n_strips; i++)
        keep_scan(&c->keep, rx_source(c->strips[i].rx));
    for (size_t i = 0; i < c->n_lists; i++)
        if (c->lists[i].mentions && !c->lists[i].user)
            keep_scan(&c->keep, rx_source(c->lists[i].mentions));
}

static struct conf *load_table(const char *name, struct strbuf *err)
{
    return conf_load_all(name, err);
}

/* classifier_load_from - build from loaded reasons.conf and blocklists.conf
 * data (the other tables along the search path); takes ownership of both */
struct classifier *classifier_load_from(struct conf *reasons, struct conf *lists,
                                        struct strbuf *err)
{
    struct classifier *c = xcalloc(1, sizeof *c);
    c->reasons_conf = reasons;
    c->lists_conf = lists;
    sc = shape_classes();
    for (size_t i = 0; i < reasons->n_sections; i++) {
        const struct conf_section *s = &reasons->sections[i];
        if (strcmp(s->kind, "reason") && strcmp(s->kind, "rule") &&
            strcmp(s->kind, "implicated-ip")) {
            strbuf_addf(err,
                        "%s:%d: unknown section kind '%s' (want reason, rule or implicated-ip)",
                        s->file, s->line, s->kind);
            goto err;
        }
    }
    if (!(c->codes_conf = load_table("provider-codes.conf", err)) ||
        !(c->phrases_conf = load_table("phrases.conf", err)) ||
        !(c->stages_conf = load_table("stages.conf", err)) ||
        !(c->dsn_conf = load_table("dsn.conf", err)))
        goto err;
    /* reasons.conf and blocklists.conf first: their errors name the file given */
    if (load_reasons(c, err) < 0 || load_lists(c, err) < 0 || load_user_rules(c, err) < 0 ||
        load_ips(c, err) < 0 || load_stages(c, err) < 0 || load_codes(c, err) < 0 ||
        load_phrases(c, err) < 0 || load_dsn(c, err) < 0)
        goto err;
    if (c->n_ips > 64) {
        strbuf_addf(err, "reasons.conf: more than 64 [implicated-ip] patterns");
        goto err;
    }
    collect_keep(c);
    for (int l = 0; l < LAYER_NONE; l++)
        for (size_t i = 0; i < c->n_entries[l]; i++)
            c->has_user |= c->entries[l][i]->user;
    for (size_t i = 0; i < c->n_lists; i++)
        c->user_lists |= c->lists[i].user && c->lists[i].mentions;
    c->cache = slot_cache_new(CLASSIFY_CACHE_SLOTS, sizeof(struct cached_answer));
    c->cache_on = true;
    return c;
err:
    classifier_free(c);
    return NULL;
}

/* classifier_load - read every table along the search path */
struct classifier *classifier_load(struct strbuf *err)
{
    struct conf *reasons = conf_load_all("reasons.conf", err);
    if (!reasons)
        return NULL;
    struct conf *lists = conf_load_all("blocklists.conf", err);
    if (!lists) {
        conf_free(reasons);
        return NULL;
    }
    return classifier_load_from(reasons, lists, err);
}

static void entry_free(struct entry *e)
{
    if (!e)
        return;
    rx_free(e->text);
    rx_free(e->unless);
    for (int k = 0; k < COND_N; k++)
        rx_free(e->cond[k]);
    free(e->rules);
    strbuf_free(&e->pattern_text);
    free(e);
}

/* classifier_free - release c (NULL is fine) */
void classifier_free(struct classifier *c)
{
    if (!c)
        return;
    for (int l = 0; l < LAYER_NONE; l++) {
        for (size_t i = 0; i < c->n_entries[l]; i++)
            entry_free(c->entries[l][i]);
        free(c->entries[l]);
    }
    free(c->codes);
    lit_index_free(&c->code_ix);
    lit_index_free(&c->phrase_ix);
    strbuf_free(&c->lower);
    for (size_t i = 0; i < c->n_lists; i++)
        rx_free(c->lists[i].mentions);
    for (size_t i = 0; i < c->n_ips; i++)
        rx_free(c->ips[i].rx);
    for (size_t i = 0; i < c->n_strips; i++)
        rx_free(c->strips[i].rx);
    for (size_t i = 0; i < c->n_stages; i++) {
        for (size_t j = 0; j < c->stages[i].n_aliases; j++)
            free(c->stages[i].aliases[j]);
        free(c->stages[i].aliases);
    }
    for (size_t i = 0; i < c->keep.n; i++)
        free(c->keep.lit[i]);
    free(c->keep.lit);
    free(c->strips);
    free(c->dsns);
    free(c->generics);
    free(c->statuses);
    free(c->lists);
    free(c->ips);
    for (size_t i = 0; i < c->n_reasons; i++)
        rx_free(c->reasons[i].own_text);
    free(c->reasons);
    free(c->order);
    slot_cache_free(c->cache);
    strbuf_free(&c->reading);
    strbuf_free(&c->scratch);
    struct conf *confs[] = { c->reasons_conf, c->lists_conf,  c->codes_conf,
                             c->phrases_conf, c->stages_conf, c->dsn_conf };
    for (size_t i = 0; i < sizeof confs / sizeof *confs; i++)
        if (confs[i])
            conf_free(confs[i]);
    free(c);
}

/* classifier_cache - turn the shape cache on or off (tests compare both) */
void classifier_cache(struct classifier *c, bool on)
{
    c->cache_on = on;
}

/* ---------------------------------------------------------------- table access */

size_t classifier_reason_count(const struct classifier *c)
{
    return c->n_reasons;
}

const struct reason *classifier_reason_at(const struct classifier *c, size_t i)
{
    return i < c->n_reasons ? &c->order[i]->pub : NULL;
}

const struct reason *classifier_reason(const struct classifier *c, const char *name)
{
    for (size_t i = 0; i < c->n_reasons; i++)
        if (strcmp(c->reasons[i].pub.name, name) == 0)
            return &c->reasons[i].pub;
    return NULL;
}

const struct blocklist_ref *classifier_blocklist(const struct classifier *c, const char *id)
{
    for (size_t i = 0; i < c->n_lists; i++)
        if (strcmp(c->lists[i].pub.id, id) == 0)
            return &c->lists[i].pub;
    return NULL;
}

size_t classifier_rule_count(const struct classifier *c, enum classify_layer l)
{
    if (l == LAYER_DSN)
        return c->n_dsns + c->n_statuses;
    if (l >= LAYER_NONE)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < c->n_entries[l]; i++)
        n += c->entries[l][i]->n_rules;
    return n;
}

const char *classify_layer_name(enum classify_layer l)
{
    return l <= LAYER_NONE ? layer_names[l] : "?";
}

/* ---------------------------------------------------------------- codes in texts */

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* enhanced_at - length of an enhanced status code "5.7.1"/"4.7.606" at p, or 0 */
static size_t enhanced_at(const char *p, size_t n)
{
    if (n < 5 || (p[0] != '2' && p[0] != '4' && p[0] != '5') || p[1] != '.')
        return 0;
    size_t i = 2, d = 0;
    while (i < n && is_digit(p[i]) && d < 4)
        i++, d++;
    if (d == 0 || d > 3 || i >= n || p[i] != '.')
        return 0;
    i++;
    size_t d2 = 0;
    while (i < n && is_digit(p[i]) && d2 < 4)
        i++, d2++;
    if (d2 == 0 || d2 > 3)
        return 0;
    /* "4.16.55.1" (a Yahoo trace code) is not one */
    if (i < n && (is_digit(p[i]) || (p[i] == '.' && i + 1 < n && is_digit(p[i + 1]))))
        return 0;
    return i;
}

/* classify_dsn_from_text - the first enhanced status code that follows an
 * SMTP code in text ("550 5.7.1", "550-5.7.1", "421 4.7.0"), copied into
 * dsn; its length, 0 (and "") if none. Exim logs no dsn= field:
 *   "SMTP error from remote mail server after RCPT TO:<a@b>: 550 5.1.1 ..." */
size_t classify_dsn_from_text(struct slice text, char dsn[16])
{
    if (!text.p)
        text = SLICE_EMPTY; /* a cleared record's empty text: no NULL + 0 below */
    const char *p = text.p, *end = text.p + text.n;
    dsn[0] = '\0';
    for (const char *q = p; q + 3 < end; q++) {
        if ((*q != '2' && *q != '4' && *q != '5') || !is_digit(q[1]) || !is_digit(q[2]))
            continue;
        if (q > p && (is_digit(q[-1]) || q[-1] == '.'))
            continue;
        if (q[3] != ' ' && q[3] != '-')
            continue;
        const char *e = q + 4;
        if (e < end && *e == '#') /* "550 #5.1.0 Address rejected" (Exchange) */
            e++;
        size_t n = enhanced_at(e, (size_t)(end - e));
        if (n && n < 16) {
            memcpy(dsn, e, n);
            dsn[n] = '\0';
            return n;
        }
    }
    return 0;
}

/* reply_class - the class digit of the first SMTP reply code in the text
 * ("550 ...", "host x said: 421-..."), or 0 */
static char reply_class(struct slice text)
{
    const char *p = text.p, *end = text.p + text.n;
    for (const char *q = p; q + 2 < end; q++) {
        if ((*q != '4' && *q != '5') || !is_digit(q[1]) || !is_digit(q[2]))
            continue;
        if (q > p && (is_digit(q[-1]) || q[-1] == '.' || (q[-1] >= 'A' && q[-1] <= 'z')))
            continue;
        if (q + 3 < end && q[3] != ' ' && q[3] != '-')
            continue;
        return *q;
    }
    return 0;
}

static const char *source_name(enum text_source s)
{
    switch (s) {
    case TEXT_REMOTE_REPLY:
        return "remote";
    case TEXT_LOCAL:
        return "local";
    case TEXT_GENERIC:
        return "generic";
    }
    return "remote";
}

/* ---------------------------------------------------------------- one classification */

/* what one classification knows about its input */
struct ctx {
    const struct classify_input *in;
    struct slice text;    /* trimmed, as logged */
    struct slice reading; /* the text the phrase layer reads (c->reading) */
    bool have_reading;
    char dsn_used[16];       /* logged, from the text, or N.0.0 from the reply code */
    int stage;               /* canonical stage, or -1 */
    int scope;               /* the stage a restriction prefix implies, else stage */
    enum text_source source; /* a local text that turns out to be a wrapped reply: remote */
    struct slice f[COND_N];  /* user rules' fields */
};

/* read_text - strip the MTA's wrappers for the phrase layer (into c->reading);
 * sets the stage and scope a wrapper names */
static void read_text(struct classifier *c, struct ctx *x)
{
    struct slice t = x->text;
    int prefix_scope = -1;
    /* suffixes: "(in reply to RCPT TO command)" */
    for (size_t i = 0; i < c->n_strips; i++) {
        const struct strip_rule *r = &c->strips[i];
        if (r->kind != STRIP_SUFFIX || !rx_match(r->rx, t))
            continue;
        struct slice whole = rx_group(r->rx, t, 0);
        /* the text's own "(in reply to X command)" is the closest witness */
        if (r->stage_group >= 0) {
            int k = stage_index(c, rx_group(r->rx, t, r->stage_group));
            if (k >= 0)
                x->stage = k;
        }
        t.n = (size_t)(whole.p - t.p);
    }
    /* prefixes, again and again: "host x said: 550 5.1.1 <a@b>: Recipient address rejected: " */
    for (int round = 0; round < MAX_STRIP_ROUNDS; round++) {
        t = slice_trim(t);
        bool any = false;
        for (size_t i = 0; i < c->n_strips && !any; i++) {
            const struct strip_rule *r = &c->strips[i];
            if (r->kind != STRIP_PREFIX || !rx_match(r->rx, t))
                continue;
            struct slice whole = rx_group(r->rx, t, 0);
            if (whole.p != t.p || !whole.n)
                continue;
            if (r->stage_group >= 0 && x->stage < 0)
                x->stage = stage_index(c, rx_group(r->rx, t, r->stage_group));
            if (r->scope >= 0 && prefix_scope < 0)
                prefix_scope = r->scope;
            if (r->remote)
                x->source = TEXT_REMOTE_REPLY;
            t = slice_make(t.p + whole.n, t.n - whole.n);
            any = true;
        }
        if (!any)
            break;
    }
    /* inner: continuation codes of multi-line replies, Exim's literal "\n" */
    struct strbuf *a = &c->reading, *b = &c->scratch;
    strbuf_reset(a);
    strbuf_add(a, t.p, t.n);
    for (size_t i = 0; i < c->n_strips; i++) {
        const struct strip_rule *r = &c->strips[i];
        if (r->kind != STRIP_INNER)
            continue;
        struct slice s = strbuf_slice(a);
        size_t at = 0;
        bool hit = false;
        strbuf_reset(b);
        while (at < s.n && rx_match_at(r->rx, s, at)) {
            struct slice m = rx_group(r->rx, s, 0);
            size_t off = (size_t)(m.p - s.p);
            strbuf_add(b, s.p + at, off - at);
            strbuf_addc(b, ' ');
            at = off + (m.n ? m.n : 1);
            hit = true;
        }
        if (!hit)
            continue;
        if (at < s.n)
            strbuf_add(b, s.p + at, s.n - at);
        struct strbuf tmp = *a;
        *a = *b;
        *b = tmp;
    }
    /* one blank between words */
    size_t w = 0;
    bool blank = true;
    for (size_t i = 0; i < a->len; i++) {
        char ch = a->s[i];
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
            if (!blank)
                a->s[w++] = ' ';
            blank = true;
        } else {
            a->s[w++] = ch;
            blank = false;
        }
    }
    while (w && a->s[w - 1] == ' ')
        w--;
    if (a->s)
        a->s[w] = '\0';
    a->len = w;
    x->reading = strbuf_slice(a);
    x->have_reading = true;
    x->scope = prefix_scope >= 0 ? prefix_scope : x->stage;
}

/* entry_match - whether e decides for x; *line gets the text line that matched */
static bool entry_match(const struct entry *e, const struct ctx *x, size_t *line)
{
    *line = 0;
    if (e->layer == LAYER_USER) {
        static const int order[COND_N] = { COND_STATUS, COND_SOURCE, COND_DSN,
                                           COND_STAGE,  COND_HOST,   COND_TEXT };
        for (int i = 0; i < COND_N; i++) {
            int k = order[i];
            if (e->cond[k] && !rx_match(e->cond[k], x->f[k]))
                return false;
        }
        return true;
    }
    if (e->sources && !(e->sources & (1 << x->source)))
        return false;
    if (e->stages && (x->scope < 0 || !(e->stages & (1u << x->scope))))
        return false;
    if (e->not_stages && x->scope >= 0 && (e->not_stages & (1u << x->scope)))
        return false;
    if (e->cond[COND_DSN] && !rx_match(e->cond[COND_DSN], slice_cstr(x->dsn_used)))
        return false;
    struct slice t = e->layer == LAYER_PHRASE ? x->reading : x->text;
    if (e->text) {
        if (!t.n || !rx_match(e->text, t))
            return false;
        if (e->n_rules > 1) {
            const char *m = rx_mark(e->text);
            size_t k = m ? (size_t)strtoul(m, NULL, 10) : 0;
            *line = k < e->n_rules ? k : 0;
        }
    }
    if (e->unless && rx_match(e->unless, t))
        return false;
    return true;
}

/* code_layer - the leftmost provider code in the text whose dsn holds and whose
 * unless does not (on a tie the earlier entry); user: only a user's entries,
 * else the shipped ones - of those only the codes whose literal the text holds
 * are tried */
static const struct entry *code_layer(struct classifier *c, const struct ctx *x, bool user)
{
    if (x->source == TEXT_GENERIC || !x->text.n)
        return NULL;
    const struct entry *best = NULL;
    size_t best_at = (size_t)-1;
    if (!user) {
        size_t n = lit_index_candidates(&c->code_ix, &c->lower, x->text);
        for (size_t k = 0; k < n; k++) {
            struct entry *e = c->codes[c->code_ix.cand_list[k]];
            size_t line;
            if (!entry_match(e, x, &line))
                continue;
            size_t at = (size_t)(rx_group(e->text, x->text, 0).p - x->text.p);
            if (at < best_at) {
                best = e;
                best_at = at;
            }
        }
        return best;
    }
    for (size_t i = 0; i < c->n_entries[LAYER_CODE]; i++) {
        struct entry *e = c->entries[LAYER_CODE][i];
        size_t line;
        if (!e->user || !entry_match(e, x, &line))
            continue;
        size_t at = (size_t)(rx_group(e->text, x->text, 0).p - x->text.p);
        if (at < best_at) {
            best = e;
            best_at = at;
        }
    }
    return best;
}

/* layer_entries - the first entry of a layer (a user's or the shipped ones) that decides */
static const struct entry *layer_entries(struct classifier *c, const struct ctx *x,
                                         enum classify_layer l, bool user, size_t *line)
{
    if (l == LAYER_CODE) {
        *line = 0;
        return code_layer(c, x, user);
    }
    if (l == LAYER_PHRASE && (x->source == TEXT_GENERIC || !x->reading.n))
        return NULL;
    if (l == LAYER_PHRASE && !user) {
        /* the shipped phrases: only those whose literal the text holds */
        size_t n = lit_index_candidates(&c->phrase_ix, &c->lower, x->reading);
        for (size_t k = 0; k < n; k++) {
            const struct entry *e = c->entries[l][c->phrase_ix.cand_list[k]];
            if (entry_match(e, x, line))
                return e;
        }
        return NULL;
    }
    for (size_t i = 0; i < c->n_entries[l]; i++) {
        const struct entry *e = c->entries[l][i];
        if (e->user == user && entry_match(e, x, line))
            return e;
    }
    return NULL;
}

/* dsn_lookup - the most specific [dsn] entry for a code: exact class over X,
 * exact detail over a range over * */
static const struct dsn_entry *dsn_lookup(const struct classifier *c, const char *dsn)
{
    if (!dsn[0])
        return NULL;
    int k = dsn[0] - '0', s = -1, d = -1;
    const char *p = dsn + 1;
    if (*p++ != '.' || !parse_part(&p, &s) || *p++ != '.' || !parse_part(&p, &d))
        return NULL;
    const struct dsn_entry *best = NULL;
    int best_score = -1;
    for (size_t i = 0; i < c->n_dsns; i++) {
        const struct dsn_entry *e = &c->dsns[i];
        if ((e->klass && e->klass != k) || (e->subject >= 0 && e->subject != s))
            continue;
        if (e->lo >= 0 && (d < e->lo || d > e->hi))
            continue;
        int score = (e->klass ? 1 : 0) + (e->subject >= 0 ? 2 : 0) +
                    (e->lo < 0        ? 0
                     : e->lo == e->hi ? 8
                                      : 4);
        if (score > best_score) {
            best = e;
            best_score = score;
        }
    }
    return best;
}

/* the answer of the shipped tables (what the cache keeps) */
struct answer {
    enum classify_layer layer;
    const struct entry *entry;
    size_t line;
    const struct dsn_entry *dsn;
    const struct status_entry *status;
    const struct reason_entry *reason;
    const char *note;
};

static const char NOTE_GENERIC[] =
    "the log does not hold the receiver's reply (only the MTA's generic status): "
    "the class comes from the status code alone";
static const char NOTE_GENERIC_NONE[] =
    "the log does not hold the receiver's reply (only the MTA's generic status) "
    "and the status code says nothing more: read the bounce message";

/* generic_of - the [generic] entry that is the whole text (a final '.' aside), or NULL */
static const struct generic_entry *generic_of(const struct classifier *c, struct slice t)
{
    if (t.n && t.p[t.n - 1] == '.')
        t.n--;
    for (size_t i = 0; i < c->n_generics; i++) {
        size_t n = strlen(c->generics[i].text);
        if (t.n == n && strncasecmp(t.p, c->generics[i].text, n) == 0)
            return &c->generics[i];
    }
    return NULL;
}

static const char NOTE_GENERIC_OWN[] =
    "the MTA's status word for a failure of its own (sysexits): there was no receiver's "
    "reply; the MTA's log lines before it (SYSERR) say more";

/* shipped_answer - layers a to e with the shipped tables */
static void shipped_answer(struct classifier *c, struct ctx *x, struct answer *a)
{
    memset(a, 0, sizeof *a);
    a->layer = LAYER_NONE;
    a->reason = c->undefined;
    if (x->source == TEXT_GENERIC)
        a->note = NOTE_GENERIC;
    static const enum classify_layer text_layers[] = { LAYER_CODE, LAYER_PHRASE, LAYER_STAGE };
    for (size_t i = 0; i < sizeof text_layers / sizeof *text_layers; i++) {
        size_t line = 0;
        const struct entry *e = layer_entries(c, x, text_layers[i], false, &line);
        if (e) {
            a->layer = text_layers[i];
            a->entry = e;
            a->line = line;
            a->reason = e->reason;
            return;
        }
    }
    /* Sendmail's sysexits word for a failure of its own ("Local configuration
     * error", "Can't create output"): the word decides, whatever the code */
    if (x->source == TEXT_GENERIC) {
        const struct generic_entry *g = generic_of(c, x->text);
        if (g && g->decides.reason) {
            a->layer = LAYER_DSN;
            a->status = &g->decides;
            a->reason = g->decides.reason;
            a->note = NOTE_GENERIC_OWN;
            return;
        }
    }
    /* a status with no text at all: "status=expired" of qmgr */
    if (!x->text.n) {
        for (size_t i = 0; i < c->n_statuses; i++)
            if (c->statuses[i].status == x->in->status) {
                a->layer = LAYER_DSN;
                a->status = &c->statuses[i];
                a->reason = c->statuses[i].reason;
                return;
            }
    }
    const struct dsn_entry *d = dsn_lookup(c, x->dsn_used);
    if (d) {
        a->layer = LAYER_DSN;
        a->dsn = d;
        a->reason = d->reason;
        return;
    }
    if (x->source == TEXT_GENERIC)
        a->note = NOTE_GENERIC_NONE;
}

/* user_answer - a user's entries of the layers up to `upto`, in order */
static bool user_answer(struct classifier *c, struct ctx *x, enum classify_layer upto,
                        struct answer *a)
{
    for (int l = LAYER_USER; l <= (int)upto && l < LAYER_NONE; l++) {
        size_t line = 0;
        const struct entry *e;
        if (l == LAYER_USER) {
            for (size_t i = 0; i < c->n_entries[l]; i++)
                if (entry_match(c->entries[l][i], x, &line)) {
                    e = c->entries[l][i];
                    goto found;
                }
            continue;
        }
        if (l == LAYER_DSN)
            continue; /* dsn.conf entries are a table, not rules: no user layer */
        if (l == LAYER_PHRASE && !x->have_reading)
            read_text(c, x);
        if ((e = layer_entries(c, x, (enum classify_layer)l, true, &line)) != NULL)
            goto found;
        continue;
    found:
        memset(a, 0, sizeof *a);
        a->layer = (enum classify_layer)l;
        a->entry = e;
        a->line = line;
        a->reason = e->reason;
        return true;
    }
    return false;
}

/* ip_is_subject - whether the bracketed address at ip is followed by a verb that
 * makes "name [ip]" the subject of the sentence ("[ip] is", "[ip]:port has been") */
static bool ip_is_subject(struct slice text, struct slice ip)
{
    const char *q = ip.p + ip.n, *end = text.p + text.n;
    if (q < end && (*q == ']' || *q == ')'))
        q++;
    if (q < end && *q == ':')
        for (q++; q < end && is_digit(*q); q++)
            ;
    static const char *const verbs[] = { " is ", " has ", " was ", " are " };
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++) {
        size_t n = strlen(verbs[i]);
        if ((size_t)(end - q) >= n && strncasecmp(q, verbs[i], n) == 0)
            return true;
    }
    return false;
}

/* never_ours - localhost, DNSBL answers (127.0.0.x) and the unspecified
 * address ("127.0.0.1 -> Query Refused", a local proxy): never the IP we send from */
static bool never_ours(struct slice ip)
{
    if (ip.n >= 8 && strncmp(ip.p, "127.0.0.", 8) == 0)
        return true;
    return (ip.n == 3 && strncmp(ip.p, "::1", 3) == 0) ||
           (ip.n == 7 && strncmp(ip.p, "0.0.0.0", 7) == 0);
}

/* resolver_ip - the address follows "DNS IP", "resolver" or "nameserver": the
 * receiver's resolver that a DNSBL refused ("[Your DNS IP: 203.0.113.4]") */
static bool resolver_ip(struct slice text, struct slice ip)
{
    const char *b = text.p, *q = ip.p;
    while (q > b && (q[-1] == ' ' || q[-1] == ':' || q[-1] == '=' || q[-1] == '[' || q[-1] == '('))
        q--;
    static const char *const words[] = { "DNS IP", "DNS server", "resolver", "nameserver",
                                         "name server" };
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        size_t n = strlen(words[i]);
        if ((size_t)(q - b) >= n && strncasecmp(q - n, words[i], n) == 0)
            return true;
    }
    return false;
}

/* relayed_reply - the address is inside another server's reply that a proxy
 * or forwarder quotes after its own code ("550 Error for a@b of \"Invalid
 * greeting. response=550 5.7.0 Blocked - see ...?ip=x\"", "Backend Replied",
 * "rejected message -"): that server refused the proxy, not us. Our own MTA's
 * "Invalid greeting. response=554 ..." has no reply code before the marker. */
static bool relayed_reply(struct slice text, struct slice ip)
{
    static const char *const marks[] = { "response=", "Backend Replied", "backend replied",
                                         "rejected message -" };
    size_t before = (size_t)(ip.p - text.p);
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++) {
        const char *m = memmem(text.p, before, marks[i], strlen(marks[i]));
        if (!m)
            continue;
        /* a reply code of the quoting server before the marker */
        for (const char *c = text.p; c + 3 <= m; c++)
            if ((c[0] == '2' || c[0] == '4' || c[0] == '5') && is_digit(c[1]) && is_digit(c[2]) &&
                (c == text.p || !is_digit(c[-1])) && (c + 3 == m || !is_digit(c[3])))
                return true;
    }
    return false;
}

/* numbered_ref - the dotted quad is a section, version or status number, not an
 * address: right after an RFC number ("See RFC2821 4.1.1.1", "RFC 2821 4.1.1.1") or
 * a word that numbers things ("section 4.1.1.1", "version 8.5.9600.16384"), or in
 * the place a provider puts its own status code: after "- " or "#" in a reply whose
 * code has the quad's first digit as its class (Yahoo's "421 ... deferred -
 * 4.16.55.1") */
static bool numbered_ref(struct slice text, struct slice ip)
{
    const char *b = text.p, *q = ip.p;
    while (q > b && (q[-1] == ' ' || q[-1] == ':'))
        q--;
    /* the word before: a run of letters, digits and dots */
    const char *w = q;
    while (w > b && (isalnum((unsigned char)w[-1]) || w[-1] == '.'))
        w--;
    size_t wl = (size_t)(q - w);
    if (wl && is_digit(*w)) {
        /* a number: "RFC2821" glued, or "RFC 2821" */
        const char *r = w;
        while (r > b && r[-1] == ' ')
            r--;
        if (r - b >= 3 && strncasecmp(r - 3, "RFC", 3) == 0 &&
            (r - 3 == b || !isalnum((unsigned char)r[-4])))
            return true;
    } else if (wl >= 3 && strncasecmp(w, "RFC", 3) == 0) {
        bool digits = true;
        for (const char *d = w + 3; d < q; d++)
            digits &= is_digit(*d);
        if (digits)
            return true;
    }
    static const char *const words[] = { "section", "sec.",  "version",  "ver.",
                                         "release", "build", "revision", "rev." };
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        size_t n = strlen(words[i]);
        if (wl == n && strncasecmp(w, words[i], n) == 0)
            return true;
        if (words[i][n - 1] == '.' && wl == n - 1 && strncasecmp(w, words[i], n - 1) == 0)
            return true;
    }
    if (q - b >= 2 && (unsigned char)q[-2] == 0xc2 && (unsigned char)q[-1] == 0xa7) /* § */
        return true;
    /* the provider's own status code after "- " or "#" */
    if (ip.n >= 2 && (ip.p[0] == '2' || ip.p[0] == '4' || ip.p[0] == '5') && ip.p[1] == '.' &&
        ((q > b && q[-1] == '-' && q < ip.p) || (ip.p > b && ip.p[-1] == '#'))) {
        for (const char *c = b; c + 3 <= q; c++)
            if (c[0] == ip.p[0] && is_digit(c[1]) && is_digit(c[2]) &&
                (c == b || !isalnum((unsigned char)c[-1])) &&
                (c + 3 == q || c[3] == ' ' || c[3] == '-'))
                return true;
    }
    return false;
}

/* third_party - whether the IP at ip is the remote server's own or another
 * host's that the text names: the logged remote IP; "host[ip]" with a dotted
 * host name ("host mx[ip] said", "connect to mx[ip]:25"), not a word
 * ("banned sender[ip]"); "name.tld [ip]" and "name.tld (ip)" (Exim, Sendmail)
 * at the start of the text or after "host", "to", "server", "relay", "mx",
 * "via", "at" or Exim's "H=" - after "from" or as a reply's subject
 * ("mail.example.org [ip]:49152 is not permitted to relay") it is the client */
static bool third_party(const struct classify_input *in, struct slice text, struct slice ip)
{
    if (in->remote_ip.n && slice_eq(ip, in->remote_ip))
        return true;
    if (never_ours(ip) || resolver_ip(text, ip) || relayed_reply(text, ip) ||
        numbered_ref(text, ip))
        return true;
    const char *p = ip.p, *start = text.p;
    if (p - start >= 5 && strncmp(p - 5, "IPv6:", 5) == 0)
        p -= 5;
    if (p - start < 2 || (p[-1] != '[' && p[-1] != '('))
        return false;
    char ch = p[-2];
    bool name_char = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || is_digit(ch) ||
                     ch == '.' || ch == '-';
    if (p[-1] == '[' && name_char) {
        /* "<mx.example.jp[ip]>: Client host rejected": Postfix names the client */
        const char *q = p - 1;
        while (q > start && q[-1] != '<' && q[-1] != ' ' && q[-1] != '(')
            q--;
        if (q > start && q[-1] == '<')
            return false;
        /* Postfix names hosts "name[ip]" with a dotted name or "unknown";
         * "banned sender[ip]" is a word, not a host */
        bool host = memchr(q, '.', (size_t)(p - 1 - q)) != NULL ||
                    (p - 1 - q == 7 && strncasecmp(q, "unknown", 7) == 0);
        return host;
    }
    if (ch != ' ')
        return false;
    /* the word before the blank */
    const char *e = p - 2, *b = e;
    while (b > start && (((b[-1] | 32) >= 'a' && (b[-1] | 32) <= 'z') || is_digit(b[-1]) ||
                         b[-1] == '.' || b[-1] == '-'))
        b--;
    bool dotted = false, alpha = false;
    for (const char *q = b; q < e; q++) {
        dotted |= *q == '.' && q + 1 < e;
        alpha |= ((*q | 32) >= 'a' && (*q | 32) <= 'z');
    }
    if (!dotted || !alpha)
        return false;
    /* "H=mx.example.com [ip]" (Exim's host tag) is the remote host */
    if (e - b > 2 && b[0] == 'H' && b[1] == '=')
        return true;
    /* the word before the name: "host mx.example.com [ip]", "connect to
     * mx [ip]", "server mx [ip]" name another host; "from mx [ip]" and a name
     * that a reply names as the subject ("mail.example.org [ip]:49152 is not
     * permitted to relay") are the client, us */
    const char *w = b;
    while (w > start && w[-1] == ' ')
        w--;
    if (w > start && w[-1] == ':') /* "host: mx.example.com (ip) reason:" */
        w--;
    const char *wb = w;
    while (wb > start && (((wb[-1] | 32) >= 'a' && (wb[-1] | 32) <= 'z') || wb[-1] == '='))
        wb--;
    size_t wl = (size_t)(w - wb);
    /* "550 5.7.1 host mail.example.com [ip] black listed": a reply that opens
     * with "host name [ip]" names its subject, the client (smtpf); Exim's
     * "host mx [ip]: 550 ..." and "Remote host mx [ip] closed" have no code
     * in front of "host" */
    if (wl == 4 && strncasecmp(wb, "host", 4) == 0) {
        const char *ce = wb;
        while (ce > start && ce[-1] == ' ')
            ce--;
        const char *cb = ce;
        while (cb > start && (is_digit(cb[-1]) || cb[-1] == '.'))
            cb--;
        if (ce - cb >= 3 && is_digit(*cb) && (cb == start || cb[-1] == ' ' || cb[-1] == '-'))
            return false;
        /* "Host name [ip] is blacklisted by ..." opening a reply, or a wrapper's
         * "said: Host ...": the subject of the sentence is the client (Haraka's
         * dnsbl); Exim's "host mx [ip]: 550 ..." is followed by no verb */
        if ((ce == start || (ce - start >= 1 && ce[-1] == ':')) && ip_is_subject(text, ip))
            return false;
    }
    static const char *const other[] = { "host", "to", "server", "relay", "mx", "via", "at" };
    for (size_t i = 0; i < sizeof other / sizeof *other; i++)
        if (wl == strlen(other[i]) && strncasecmp(wb, other[i], wl) == 0)
            return true;
    /* at the start of the text (or of an Exim tag line) the name is the host
     * that answered - unless the reply makes it its subject ("550-mail.example.org
     * [ip] is currently not permitted to relay" once the code is gone); after
     * "from" or other words it is the client */
    return w == start && !ip_is_subject(text, ip);
}

/* ip_valid - whether the run is an IPv4 or IPv6 address (a sentence's
 * full stop after it is dropped: "from 192.0.2.1.", and a colon after it that
 * ends no "::": "?ip=192.0.2.1: a@b") */
static bool ip_valid(struct slice *ip)
{
    while (ip->n && ip->p[ip->n - 1] == '.')
        ip->n--;
    if (ip->n > 1 && ip->p[ip->n - 1] == ':' && ip->p[ip->n - 2] != ':')
        ip->n--;
    char buf[INET6_ADDRSTRLEN + 1];
    unsigned char bin[sizeof(struct in6_addr)];
    if (ip->n < 3 || ip->n >= sizeof buf)
        return false;
    memcpy(buf, ip->p, ip->n);
    buf[ip->n] = '\0';
    if (memchr(buf, ':', ip->n))
        return inet_pton(AF_INET6, buf, bin) == 1;
    return inet_pton(AF_INET, buf, bin) == 1;
}

/* ip_by - the first acceptable IP pattern i finds; *seen when it matched at all */
static struct slice ip_by(struct classifier *c, size_t i, const struct classify_input *in,
                          struct slice text, bool *seen)
{
    const struct ip_pattern *ip = &c->ips[i];
    size_t at = 0;
    while (at < text.n && rx_match_at(ip->rx, text, at)) {
        *seen = true;
        struct slice got = rx_group(ip->rx, text, ip->group);
        struct slice whole = rx_group(ip->rx, text, 0);
        if (ip_valid(&got) && !third_party(in, text, got))
            return got;
        size_t next = (size_t)(whole.p - text.p) + (whole.n ? whole.n : 1);
        at = next > at ? next : at + 1;
    }
    return SLICE_EMPTY;
}

/* lone_address - the one IPv4 address a refusal of our IP names where no pattern
 * placed it ("blocked by zen.spamhaus.org; 192.0.2.1", "(dnsbl.example.com -
 * 192.0.2.1)", AT&T's "521< 192.0.2.1 >_is_blocked"): taken only when the text
 * names no other address but third parties' (two candidates, or one of them an
 * invalid, redacted address: nothing; Yahoo's "Messages from 198.500.500.500 ...
 * - 4.16.55.1" ends with its own version, not our IP) */
static struct slice lone_address(const struct classify_input *in, struct slice text)
{
    struct slice found = SLICE_EMPTY;
    bool redacted = false;
    const char *p = text.p, *end = text.p + text.n;
    while (p < end) {
        if (!is_digit(*p) || (p > text.p && (isalnum((unsigned char)p[-1]) || p[-1] == '.' ||
                                             p[-1] == ':' || p[-1] == '/' || p[-1] == '=' ||
                                             p[-1] == '?' || p[-1] == '-' || p[-1] == '_'))) {
            p++;
            continue;
        }
        const char *q = p;
        int dots = 0;
        while (q < end && (is_digit(*q) || *q == '.')) {
            dots += *q == '.';
            q++;
        }
        struct slice ip = { p, (size_t)(q - p) };
        p = q;
        if (dots < 3 || (q < end && (isalnum((unsigned char)*q) || *q == ':' || *q == '-')))
            continue;
        if (!ip_valid(&ip)) {
            /* a redacted address ("198.500.500.500"): it may be the one meant */
            redacted = true;
            continue;
        }
        if (third_party(in, text, ip))
            continue;
        if (found.n && !slice_eq(found, ip))
            return SLICE_EMPTY;
        found = ip;
    }
    return redacted ? SLICE_EMPTY : found;
}

/* ip_colon - "IP:192.0.2.1" (T-Online's "554 IP:x - A problem occurred"): the
 * patterns' {ip} takes no address right after a colon (it would take the tail
 * of an IPv6 address), so this one spelling is read here */
static struct slice ip_colon(const struct classify_input *in, struct slice text)
{
    const char *p = text.p, *end = text.p + text.n;
    while (p + 3 < end && (p = memchr(p, ':', (size_t)(end - p))) != NULL) {
        const char *a = p + 1;
        bool word = p - text.p >= 2 && (p[-1] | 32) == 'p' && (p[-2] | 32) == 'i' &&
                    (p - text.p == 2 || !isalnum((unsigned char)p[-3]));
        p = a;
        if (!word || a >= end || !is_digit(*a))
            continue;
        const char *q = a;
        while (q < end && (is_digit(*q) || *q == '.'))
            q++;
        struct slice ip = { a, (size_t)(q - a) };
        if ((q == end || !isalnum((unsigned char)*q)) && ip_valid(&ip) &&
            !third_party(in, text, ip))
            return ip;
    }
    return SLICE_EMPTY;
}

/* implicated - our sending IP that the text names. A user's patterns run
 * every time; the shipped ones, in order, only those in *seen_mask (the
 * ones that matched at all in a text of this shape), or with `all` every one,
 * recording in *seen_mask which matched at all. */
static struct slice implicated(struct classifier *c, const struct classify_input *in,
                               struct slice text, uint64_t *seen_mask, bool all,
                               const struct reason *r)
{
    /* every address has a '.' or a ':' */
    if (!text.n || (!memchr(text.p, '.', text.n) && !memchr(text.p, ':', text.n))) {
        if (all)
            *seen_mask = 0;
        return SLICE_EMPTY;
    }
    uint64_t seen_now = 0;
    struct slice found = SLICE_EMPTY;
    for (size_t i = 0; i < c->n_ips; i++) {
        const struct ip_pattern *ip = &c->ips[i];
        if (!ip->user && !all && !(*seen_mask & (1ULL << i)))
            continue;
        bool seen = false;
        if (found.n) {
            if (!all || ip->user)
                break;
            seen = rx_match(ip->rx, text); /* only for the mask */
        } else {
            found = ip_by(c, i, in, text, &seen);
        }
        if (seen && !ip->user)
            seen_now |= 1ULL << i;
    }
    if (all)
        *seen_mask = seen_now;
    if (!found.n && memchr(text.p, ':', text.n))
        found = ip_colon(in, text);
    /* a refusal of our IP (blocklist, reputation, rate) that names one address */
    if (!found.n && r && r->name &&
        (!strcmp(r->name, "blocked") || !strcmp(r->name, "badreputation") ||
         !strcmp(r->name, "ratelimited")))
        found = lone_address(in, text);
    return found;
}

/* named_list - the first [list] whose `mentions` matches (users' or shipped) */
static const struct blocklist_ref *named_list(struct classifier *c, struct slice text, bool user)
{
    for (size_t i = 0; i < c->n_lists; i++) {
        const struct list_entry *l = &c->lists[i];
        if (l->user == user && l->mentions && rx_match(l->mentions, text))
            return &l->pub;
    }
    return NULL;
}

/* ---- the shape of a text, for the cache ---- */

/* byte classes for the shape loop, which looks at every byte of a text */
enum { SC_DIGIT = 1, SC_ALPHA = 2, SC_HEX = 4, SC_RUN = 8 /* _ % + - */ };

static const unsigned char *shape_classes(void)
{
    static unsigned char t[256];
    if (!t['a']) {
        for (int ch = 0; ch < 256; ch++) {
            unsigned char k = 0;
            if (ch >= '0' && ch <= '9')
                k |= SC_DIGIT | SC_HEX;
            if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
                k |= SC_ALPHA;
            if ((ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'))
                k |= SC_HEX;
            if (ch == '_' || ch == '%' || ch == '+' || ch == '-')
                k |= SC_RUN;
            t[ch] = k;
        }
    }
    return t;
}

static inline bool is_alnum(char ch)
{
    return sc[(unsigned char)ch] & (SC_DIGIT | SC_ALPHA);
}

static inline bool is_hex(char ch)
{
    return sc[(unsigned char)ch] & SC_HEX;
}

/* run_len - length of the run of [A-Za-z0-9._%+@-] at p */
static size_t run_len(const char *p, const char *end, bool *at, bool *mixed)
{
    const char *q = p;
    size_t label = 0;
    bool alpha = false, digit = false;
    *at = *mixed = false;
    for (; q < end; q++) {
        char ch = *q;
        if (ch == '@') {
            *at = true;
        } else if (ch == '.') {
            if (label >= 6 && alpha && digit)
                *mixed = true;
            label = 0, alpha = digit = false;
            continue;
        } else {
            unsigned char k = sc[(unsigned char)ch];
            if (!k)
                break;
            digit |= (k & SC_DIGIT) != 0;
            alpha |= (k & SC_ALPHA) != 0;
        }
        label++;
    }
    if (label >= 6 && alpha && digit)
        *mixed = true;
    return (size_t)(q - p);
}

/* the masked text is gathered here and hashed eight bytes at a time: a
 * byte-at-a-time FNV over it was a third of a cache hit's cost */
struct shape_acc {
    unsigned char buf[256];
    size_t n;
    uint64_t h;
};

static void shape_flush(struct shape_acc *a)
{
    a->h = (a->h ^ hash_bytes(a->buf, a->n)) * 0x9e3779b97f4a7c15ULL;
    a->n = 0;
}

static inline void shape_addc(struct shape_acc *a, char ch)
{
    if (a->n == sizeof a->buf)
        shape_flush(a);
    a->buf[a->n++] = (unsigned char)ch;
}

static inline void shape_add(struct shape_acc *a, const char *p, size_t n)
{
    while (n) {
        if (a->n == sizeof a->buf)
            shape_flush(a);
        size_t k = sizeof a->buf - a->n;
        if (k > n)
            k = n;
        memcpy(a->buf + a->n, p, k);
        a->n += k, p += k, n -= k;
    }
}

/* shape_hash - the text's hash with the parts that vary per line masked:
 * IPv4/IPv6 addresses, anything with an '@', dotted runs holding an id
 * (6+ characters mixing letters and digits: gids, EOP server names,
 * mta1234.mail.kks.yahoo.co.jp) and numbers of 5+ digits - unless the part
 * holds a literal that a shipped pattern spells out (keep_hit). */
static uint64_t shape_hash(const struct keep_set *keep, struct slice text)
{
    struct shape_acc acc = { .n = 0, .h = 0xcbf29ce484222325ULL };
    if (!text.p)
        text = SLICE_EMPTY; /* a cleared record's empty text: no NULL + 0 below */
    const char *p = text.p, *end = text.p + text.n;
    while (p < end) {
        bool boundary = p == text.p || !is_alnum(p[-1]);
        if (boundary && (is_hex(*p) || *p == ':')) {
            /* IPv6: hex and colons with "::" or 5+ colons */
            const char *q = p;
            size_t colons = 0;
            bool dbl = false;
            while (q < end && (is_hex(*q) || *q == ':' || *q == '.')) {
                if (*q == ':') {
                    colons++;
                    dbl |= q > p && q[-1] == ':';
                }
                q++;
            }
            if (colons >= 2 && (dbl || colons >= 5)) {
                if (keep->n && keep_hit(keep, p, (size_t)(q - p)))
                    shape_add(&acc, p, (size_t)(q - p));
                else
                    shape_addc(&acc, '\x01');
                p = q;
                continue;
            }
        }
        if (boundary && is_alnum(*p)) {
            bool at, mixed;
            size_t n = run_len(p, end, &at, &mixed);
            /* IPv4 */
            int parts = 0;
            const char *q = p;
            while (q < p + n) {
                const char *d = q;
                while (q < p + n && is_digit(*q))
                    q++;
                if (q == d || q - d > 3)
                    break;
                parts++;
                if (q < p + n && *q == '.' && parts < 4)
                    q++;
                else
                    break;
            }
            bool ipv4 = parts == 4;
            bool longnum = !ipv4 && n >= 5;
            for (size_t i = 0; longnum && i < n; i++)
                longnum = is_digit(p[i]);
            if (at || mixed || ipv4 || longnum) {
                size_t len = ipv4 ? (size_t)(q - p) : n;
                if (keep->n && keep_hit(keep, p, len))
                    shape_add(&acc, p, len);
                else
                    shape_addc(&acc, at ? '\x02' : ipv4 ? '\x01' : '\x03');
                p += len;
                continue;
            }
            shape_add(&acc, p, n);
            p += n;
            continue;
        }
        shape_addc(&acc, *p++);
    }
    shape_flush(&acc);
    return acc.h;
}

/* start - fill the context and out's dsn */
static void start(struct classifier *c, const struct classify_input *in, struct ctx *x,
                  struct classification *out)
{
    memset(out, 0, sizeof *out);
    memset(x, 0, sizeof *x);
    out->implicated_ip = SLICE_EMPTY;
    x->in = in;
    x->text = slice_trim(in->text);
    if (!x->text.p)
        x->text = SLICE_EMPTY; /* a cleared record's text: no NULL + 0 in the layers */
    x->reading = SLICE_EMPTY;
    x->source = in->text_source;
    x->stage = stage_index(c, in->stage);
    x->scope = x->stage;
    struct slice dsn = slice_trim(in->dsn);
    if (dsn.n && dsn.n < sizeof out->dsn) {
        memcpy(out->dsn, dsn.p, dsn.n);
        out->dsn[dsn.n] = '\0';
    } else {
        classify_dsn_from_text(x->text, out->dsn);
    }
    memcpy(x->dsn_used, out->dsn, sizeof x->dsn_used);
    if (dsn.n && x->dsn_used[1] == '.' && strcmp(x->dsn_used + 1, ".0.0") == 0) {
        /* the log's X.0.0 is the MTA's "no enhanced code read" (Postfix on
         * "550 #5.1.0 ..."): a code of the same class in the reply says more */
        char t[16];
        if (classify_dsn_from_text(x->text, t) && t[0] == x->dsn_used[0] &&
            strcmp(t + 1, ".0.0") != 0)
            memcpy(x->dsn_used, t, sizeof t);
    }
    if (dsn.n && x->dsn_used[0] == '4' && x->source == TEXT_REMOTE_REPLY &&
        reply_class(x->text) == '5') {
        /* a permanent reply logged as a deferral (Postfix soft_bounce, a
         * skipped 5xx greeting: "dsn=4.0.0, status=SOFTBOUNCE (host x said:
         * 550 5.1.1 ...)"): the words are judged by what the receiver said */
        char t[16];
        if (classify_dsn_from_text(x->text, t) && t[0] == '5')
            memcpy(x->dsn_used, t, sizeof t);
        else
            x->dsn_used[0] = '5';
    }
    if (!x->dsn_used[0]) {
        char k = reply_class(x->text);
        if (!k && x->source == TEXT_GENERIC) {
            /* Sendmail's sysexits words have a code of their own */
            const struct generic_entry *g = generic_of(c, x->text);
            if (g)
                snprintf(x->dsn_used, sizeof x->dsn_used, "%s", g->dsn);
        } else if (k) {
            snprintf(x->dsn_used, sizeof x->dsn_used, "%c.0.0", k);
        }
        /* a bare enhanced code opening the text: "5.7.1 Access denied", "#5.1.1 ..." */
        struct slice t = x->text;
        if (t.n && t.p[0] == '#')
            t.p++, t.n--;
        size_t n = enhanced_at(t.p, t.n);
        if (n && n < sizeof x->dsn_used && (n == t.n || t.p[n] == ' ' || t.p[n] == ':')) {
            memcpy(x->dsn_used, t.p, n);
            x->dsn_used[n] = '\0';
        }
    }
    x->f[COND_TEXT] = x->text;
    x->f[COND_DSN] = slice_cstr(x->dsn_used);
    x->f[COND_STAGE] = slice_trim(in->stage);
    x->f[COND_HOST] = slice_trim(in->remote_host);
    x->f[COND_STATUS] = slice_cstr(delivery_status_name(in->status));
    x->f[COND_SOURCE] = slice_cstr(source_name(in->text_source));
}

/* finish - out's fields from an answer */
static void finish(struct classifier *c, const struct answer *a,
                   const struct blocklist_ref *shipped_list, struct ctx *x,
                   struct classification *out)
{
    out->reason = &a->reason->pub;
    out->note = a->note;
    if (a->entry)
        out->rule = &a->entry->rules[a->line];
    else if (a->dsn)
        out->rule = &a->dsn->rule;
    else if (a->status)
        out->rule = &a->status->rule;
    if (a->reason->blocklists && x->text.n) {
        out->blocklist = c->user_lists ? named_list(c, x->text, true) : NULL;
        if (!out->blocklist)
            out->blocklist = shipped_list;
        if (!out->blocklist && a->entry)
            out->blocklist = a->entry->blocklist;
    }
}

/* is_loopback - whether a logged host or address is this machine: 127/8, ::1,
 * localhost (brackets, "IPv6:" and a final dot aside) */
static bool is_loopback(struct slice s)
{
    s = slice_trim(s);
    if (s.n && s.p[0] == '[')
        s.p++, s.n--;
    if (s.n && s.p[s.n - 1] == ']')
        s.n--;
    if (s.n && s.p[s.n - 1] == '.')
        s.n--;
    if (s.n >= 5 && strncasecmp(s.p, "IPv6:", 5) == 0)
        s.p += 5, s.n -= 5;
    if (s.n > 4 && memcmp(s.p, "127.", 4) == 0) {
        for (size_t i = 4; i < s.n; i++)
            if (!is_digit(s.p[i]) && s.p[i] != '.')
                return false;
        return true;
    }
    return (s.n == 3 && memcmp(s.p, "::1", 3) == 0) ||
           (s.n == 9 && strncasecmp(s.p, "localhost", 9) == 0);
}

/* classify - the reason, rule, blocklist named and implicated IP of one failure */
void classify(struct classifier *c, const struct classify_input *in, struct classification *out)
{
    struct ctx x;
    start(c, in, &x, out);

    uint64_t key = 0;
    const struct cached_answer *hit = NULL;
    if (c->cache_on && !c->user_strip) {
        /* the shape key: the text's shape and every other field the tables read */
        key = shape_hash(&c->keep, x.text);
        struct slice fields[] = { slice_cstr(out->dsn), x.f[COND_STAGE],
                                  c->host_rules ? x.f[COND_HOST] : SLICE_EMPTY, x.f[COND_STATUS],
                                  x.f[COND_SOURCE] };
        for (size_t k = 0; k < sizeof fields / sizeof *fields; k++)
            key = hash_bytes(&key, sizeof key) ^ hash_bytes(fields[k].p, fields[k].n);
        key |= 1; /* 0 marks an empty slot */
        hit = slot_cache_get(c->cache, key);
    }

    /* the shipped tables' answer: remembered, or worked out */
    struct answer s;
    const struct blocklist_ref *s_list;
    uint64_t ip_seen;
    if (hit) {
        memset(&s, 0, sizeof s);
        s.layer = (enum classify_layer)hit->layer;
        s.entry = hit->entry;
        s.line = hit->rule_i;
        s.dsn = hit->dsn;
        s.status = hit->status;
        s.reason = hit->reason;
        s.note = hit->note;
        s_list = hit->blocklist;
        ip_seen = hit->ip_seen;
    } else {
        if (x.source != TEXT_GENERIC && x.text.n)
            read_text(c, &x);
        shipped_answer(c, &x, &s);
        s_list = s.reason->blocklists && x.text.n ? named_list(c, x.text, false) : NULL;
        ip_seen = 0;
    }
    /* a user's entries come first in their layer, and are matched every time */
    struct answer a = s;
    const struct blocklist_ref *list = s_list;
    if (c->has_user && user_answer(c, &x, s.layer, &a)) {
        if (!a.reason->blocklists || !x.text.n)
            list = NULL;
        else if (!s.reason->blocklists)
            list = named_list(c, x.text, false);
    }
    finish(c, &a, list, &x, out);
    out->source = hit && !x.have_reading ? (enum text_source)hit->source : x.source;
    /* our own fault: read every time (own-text may name an address, which the
     * cache's shape does not keep) */
    if (out->reason && out->reason->has_own) {
        const struct reason_entry *re = (const struct reason_entry *)out->reason;
        /* a host of this machine answered (the Sendmail MSP's relay=[127.0.0.1] is our
         * own MTA, a content filter on the loopback ours): its words are ours too */
        out->own =
            is_loopback(in->remote_ip) || is_loopback(in->remote_host) ||
            (out->source != TEXT_REMOTE_REPLY && (!re->own_text || rx_match(re->own_text, x.text)));
    }
    out->implicated_ip = implicated(c, in, x.text, &ip_seen, !hit, out->reason);
    if (key && !hit) {
        struct cached_answer keep;
        memset(&keep, 0, sizeof keep);
        keep.layer = (uint8_t)s.layer;
        keep.entry = s.entry;
        keep.rule_i = (uint8_t)s.line;
        keep.dsn = s.dsn;
        keep.status = s.status;
        keep.reason = s.reason;
        keep.note = s.note;
        keep.blocklist = s_list;
        keep.ip_seen = ip_seen;
        keep.source = (uint8_t)x.source;
        slot_cache_put(c->cache, key, &keep);
    }
}

/* classify_traced - classify without the cache, and say how the text was read */
void classify_traced(struct classifier *c, const struct classify_input *in,
                     struct classification *out, struct classify_trace *tr)
{
    bool on = c->cache_on;
    c->cache_on = false;
    classify(c, in, out);
    c->cache_on = on;
    struct ctx x;
    struct classification tmp;
    start(c, in, &x, &tmp);
    if (x.text.n && x.source != TEXT_GENERIC)
        read_text(c, &x);
    memcpy(tr->dsn_used, x.dsn_used, sizeof tr->dsn_used);
    tr->stage = x.stage >= 0 ? c->stages[x.stage].name : NULL;
    tr->scope = x.scope >= 0 && x.scope != x.stage ? c->stages[x.scope].name : NULL;
    const struct dsn_entry *d = dsn_lookup(c, x.dsn_used);
    tr->dsn_meaning = d ? d->rule.meaning : NULL;
    strbuf_reset(&tr->reading);
    if (x.have_reading)
        strbuf_add(&tr->reading, x.reading.p, x.reading.n);
}
