/*
 * classify.c - failure text -> reason class, blocklist named, implicated IP.
 *
 * SYNOPSIS
 *   struct classifier *classifier_load(struct strbuf *err);
 *   struct classifier *classifier_load_from(struct conf *reasons, struct conf *lists,
 *                                           struct strbuf *err);
 *   void classifier_free(struct classifier *c);
 *   void classifier_cache(struct classifier *c, bool on);
 *   void classify(struct classifier *c, const struct classify_input *in,
 *                 struct classification *out);
 *   size_t classifier_reason_count(const struct classifier *c);
 *   const struct reason *classifier_reason_at(const struct classifier *c, size_t i);
 *   const struct reason *classifier_reason(const struct classifier *c, const char *name);
 *   const struct blocklist_ref *classifier_blocklist(const struct classifier *c, const char *id);
 *   size_t classify_dsn_from_text(struct slice text, char dsn[16]);
 *
 * DESCRIPTION
 *   patterns/reasons.conf holds
 *
 *     [reason NAME]   label, advice, description, blocklists = no
 *                     (blocklists = no: texts of this class never "name a
 *                     blocklist" - a userunknown reply from a Proofpoint host
 *                     that says "proofpoint" is not a listing); side = us |
 *                     recipient | receiver (who must act: how causes are
 *                     keyed, cause.h), action (a cause's one action, with
 *                     {ip} {list} {provider}), suppress = yes | lasting (the
 *                     list to clean, write_suppress.c)
 *     [rule NAME]     conditions, all PCRE2, all of which must match:
 *                       text   the failure text (reply, or the MTA's own words)
 *                       dsn    the enhanced status code (logged, else from the text)
 *                       stage  the SMTP stage ("RCPT TO", "end of DATA", ...)
 *                       host   the remote host name
 *                       status deferred | bounced | expired | sent
 *                       source remote | local | generic (enum text_source)
 *                     and optionally `blocklist = ID`: the list a match
 *                     implies when the text names none (a Sendmail-shortened
 *                     Microsoft reply loses its "(S3150)" but keeps
 *                     "messages from [ip] weren't sent").
 *     [implicated-ip] pattern = PCRE2 with a group named ip, or with the
 *                     placeholder {ip} (an IPv4 or IPv6 address).
 *
 *   Rules are tried in order - a user's files first (conf.h) - and the first
 *   that matches decides; none: "undefined". A user's [reason NAME] section
 *   overrides the shipped label/advice key by key; reasons are numbered in
 *   the shipped order, user-only reasons after.
 *
 *   The blocklist named is the first [list] of blocklists.conf whose
 *   `mentions` matches the text, else the matching rule's `blocklist`.
 *   The implicated IP is the first [implicated-ip] match that is not the
 *   remote host's own IP (in->remote_ip, or an IP written as "name[ip]" as in
 *   "connect to mx.example.net[198.51.100.25]:25").
 *
 *   Matching some 60 rules costs ~11 us a text; classify runs per failure
 *   line. Texts that differ only in IPs, addresses and ids (the "shape")
 *   classify alike, so the reason, the blocklist and which IP pattern hit
 *   are remembered per shape in a fixed 16384-slot table: ~0.5 us a hit
 *   (the shape loop is table-driven and hashes the masked text eight bytes
 *   at a time).
 *
 * OWNERSHIP
 *   The classifier owns its conf data; reasons and blocklist refs live until
 *   classifier_free. out->implicated_ip points into in->text.
 *
 * DIAGNOSTICS
 *   classifier_load returns NULL with "file:line: message" in err: an
 *   unreadable file, a bad pattern, a rule for an unknown reason, a rule
 *   naming an unknown blocklist, an unknown key, no `undefined` reason.
 *
 * NOT DONE HERE
 *   No DNS checks of the implicated IP (dnsbl.c), no grouping (aggregate.c).
 */
#include "classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "regex.h"
#include "util/hashmap.h"
#include "util/xalloc.h"

/* IPv4 or IPv6, substituted for {ip} in [implicated-ip] patterns. The
 * look-arounds keep "10.1.2.3" out of "110.1.2.34" and "4.16.55.1.2". */
#define IPV4_RX                                                    \
    "(?<![0-9.])(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}" \
    "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(?![0-9]|\\.\\d)"
#define IPV6_RX                                                                  \
    "(?<![0-9A-Fa-f:])(?=[0-9A-Fa-f:.]*::|(?:[0-9A-Fa-f]{1,4}:){5})"             \
    "(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\\d{1,3}\\.){3}\\d{1,3}|[0-9A-Fa-f]{1,4})?" \
    "(?![0-9A-Fa-f:])"
#define IP_RX "(?:IPv6:)?(?<ip>" IPV4_RX "|" IPV6_RX ")"

enum cond { COND_TEXT, COND_DSN, COND_STAGE, COND_HOST, COND_STATUS, COND_SOURCE, COND_N };

static const char *const cond_names[COND_N] = {
    "text", "dsn", "stage", "host", "status", "source"
};

struct reason_entry {
    struct reason pub;
    bool blocklists;             /* may a text of this class name a blocklist */
    bool bl_set;                 /* blocklists was given (the first section that says decides) */
    bool side_set, suppress_set; /* the same for side and suppress */
    int shipped_pos;             /* position in the last (shipped) file, -1 if user-only */
};

struct rule {
    const struct reason_entry *reason;
    struct rx *cond[COND_N];
    const struct blocklist_ref *blocklist;
};

struct list_entry {
    struct blocklist_ref pub;
    struct rx *mentions; /* NULL: never named by texts */
};

/* One remembered answer: texts of one shape (the same text up to IPs,
 * addresses and ids) get the same reason and blocklist. A direct-mapped
 * table: a newer shape simply replaces an older one in its slot. */
#define CLASSIFY_CACHE_SLOTS 16384 /* power of two; 16384 x 32 bytes */

struct cache_slot {
    uint64_t key; /* 0: empty */
    const struct reason_entry *reason;
    const struct blocklist_ref *blocklist;
    int ip_pattern; /* [implicated-ip] pattern that found an IP; -1 none found a candidate; -2 unknown */
};

struct classifier {
    struct conf *reasons_conf, *lists_conf;
    struct cache_slot *cache;
    bool host_rules; /* some rule looks at the host: it is part of the shape */
    bool cache_on;
    struct reason_entry *reasons;
    size_t n_reasons;
    const struct reason_entry **order; /* by index */
    struct rule *rules;
    size_t n_rules;
    struct list_entry *lists;
    size_t n_lists;
    struct rx **ips;
    int *ip_group;
    size_t n_ips;
    const struct reason_entry *undefined;
};

static const unsigned char *shape_classes(void);
static const unsigned char *sc; /* shape_classes(), set by classifier_load_from */

/* ---- loading ---- */

static const char *where_of(const struct conf_entry *e, char *buf, size_t n)
{
    snprintf(buf, n, "%s:%d", e->file, e->line);
    return buf;
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

const char *reason_side_name(enum reason_side side)
{
    static const char *const names[] = { "unknown", "us", "recipient", "receiver" };
    return (unsigned)side < sizeof names / sizeof *names ? names[side] : "unknown";
}

/* parse_side - `side = us|recipient|receiver`; the first section that says decides */
static int parse_side(struct reason_entry *r, const struct conf_entry *e, struct strbuf *err)
{
    enum reason_side side = SIDE_UNKNOWN;
    for (int k = SIDE_US; k <= SIDE_RECEIVER; k++)
        if (!strcmp(e->value, reason_side_name((enum reason_side)k)))
            side = (enum reason_side)k;
    if (side == SIDE_UNKNOWN) {
        strbuf_addf(err, "%s:%d: side '%s' is not one of us, recipient, receiver", e->file, e->line,
                    e->value);
        return -1;
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
    for (size_t i = 0; i < rc->n_sections; i++) {
        const struct conf_section *s = &rc->sections[i];
        if (strcmp(s->kind, "reason") != 0)
            continue;
        if (!*s->name || strchr(s->name, ' ')) {
            strbuf_addf(err, "%s:%d: [reason] needs one word as its name", s->file, s->line);
            return -1;
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
            } else if (strcmp(e->key, "side") == 0) {
                if (parse_side(r, e, err) < 0)
                    return -1;
            } else if (strcmp(e->key, "action") == 0) {
                if (!r->pub.action)
                    r->pub.action = e->value;
            } else if (strcmp(e->key, "suppress") == 0) {
                if (parse_suppress(r, e, err) < 0)
                    return -1;
            } else if (strcmp(e->key, "description") != 0) {
                strbuf_addf(err, "%s:%d: unknown key '%s' in [reason]", e->file, e->line, e->key);
                return -1;
            }
        }
    }
    for (size_t i = 0; i < c->n_reasons; i++) {
        struct reason_entry *r = &c->reasons[i];
        if (!r->pub.label)
            r->pub.label = r->pub.name;
        if (!r->pub.advice)
            r->pub.advice = "";
        if (!r->pub.action)
            r->pub.action = "";
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
        const struct conf_entry *m = conf_entry_get(s, "mentions");
        if (m) {
            char w[512];
            l->mentions = rx_compile(m->value, where_of(m, w, sizeof w), err);
            if (!l->mentions)
                return -1;
        }
    }
    return 0;
}

/* load_rules - the [rule] sections, in order */
static int load_rules(struct classifier *c, struct strbuf *err)
{
    const struct conf *rc = c->reasons_conf;
    c->rules = xcalloc(rc->n_sections ? rc->n_sections : 1, sizeof *c->rules);
    for (size_t i = 0; i < rc->n_sections; i++) {
        const struct conf_section *s = &rc->sections[i];
        if (strcmp(s->kind, "rule") != 0)
            continue;
        struct rule *ru = &c->rules[c->n_rules++];
        ru->reason = find_reason(c, s->name);
        if (!ru->reason) {
            strbuf_addf(err, "%s:%d: [rule %s]: no [reason %s] section", s->file, s->line, s->name,
                        s->name);
            return -1;
        }
        for (size_t j = 0; j < s->n_entries; j++) {
            const struct conf_entry *e = &s->entries[j];
            char w[512];
            if (strcmp(e->key, "blocklist") == 0) {
                const struct list_entry *l = find_list(c, e->value);
                if (!l) {
                    strbuf_addf(err, "%s:%d: blocklist '%s' is not a [list] of blocklists.conf",
                                e->file, e->line, e->value);
                    return -1;
                }
                ru->blocklist = &l->pub;
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
            if (ru->cond[k]) {
                strbuf_addf(err, "%s:%d: '%s' given twice in one rule (use one pattern with |)",
                            e->file, e->line, e->key);
                return -1;
            }
            ru->cond[k] = rx_compile(e->value, where_of(e, w, sizeof w), err);
            if (!ru->cond[k])
                return -1;
            if (k == COND_HOST)
                c->host_rules = true;
        }
    }
    return 0;
}

/* load_ips - the [implicated-ip] patterns, {ip} expanded */
static int load_ips(struct classifier *c, struct strbuf *err)
{
    const struct conf *rc = c->reasons_conf;
    for (size_t i = 0; i < rc->n_sections; i++) {
        const struct conf_section *s = &rc->sections[i];
        if (strcmp(s->kind, "implicated-ip") != 0)
            continue;
        for (size_t j = 0; j < s->n_entries; j++) {
            const struct conf_entry *e = &s->entries[j];
            char w[512];
            if (strcmp(e->key, "pattern") != 0) {
                strbuf_addf(err, "%s:%d: unknown key '%s' in [implicated-ip]", e->file, e->line,
                            e->key);
                return -1;
            }
            struct strbuf pat = STRBUF_INIT;
            for (const char *p = e->value; *p;) {
                if (strncmp(p, "{ip}", 4) == 0) {
                    strbuf_adds(&pat, IP_RX);
                    p += 4;
                } else {
                    strbuf_addc(&pat, *p++);
                }
            }
            struct rx *r = rx_compile(pat.s, where_of(e, w, sizeof w), err);
            strbuf_free(&pat);
            if (!r)
                return -1;
            int g = rx_group_index(r, "ip");
            if (g < 0) {
                strbuf_addf(err, "%s:%d: pattern has no group named ip (write {ip} or (?<ip>...))",
                            e->file, e->line);
                rx_free(r);
                return -1;
            }
            c->ips = xrealloc(c->ips, (c->n_ips + 1) * sizeof *c->ips);
            c->ip_group = xrealloc(c->ip_group, (c->n_ips + 1) * sizeof *c->ip_group);
            c->ips[c->n_ips] = r;
            c->ip_group[c->n_ips++] = g;
        }
    }
    return 0;
}

/* classifier_load_from - build from loaded reasons.conf and blocklists.conf
 * data; takes ownership of both (also on failure) */
struct classifier *classifier_load_from(struct conf *reasons, struct conf *lists,
                                        struct strbuf *err)
{
    struct classifier *c = xcalloc(1, sizeof *c);
    c->reasons_conf = reasons;
    c->lists_conf = lists;
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
    if (load_reasons(c, err) < 0 || load_lists(c, err) < 0 || load_rules(c, err) < 0 ||
        load_ips(c, err) < 0)
        goto err;
    c->cache = xcalloc(CLASSIFY_CACHE_SLOTS, sizeof *c->cache);
    c->cache_on = true;
    sc = shape_classes();
    return c;
err:
    classifier_free(c);
    return NULL;
}

/* classifier_load - read reasons.conf and blocklists.conf along the search path */
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

/* classifier_free - release c (NULL is fine) */
void classifier_free(struct classifier *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_rules; i++)
        for (int k = 0; k < COND_N; k++)
            rx_free(c->rules[i].cond[k]);
    for (size_t i = 0; i < c->n_lists; i++)
        rx_free(c->lists[i].mentions);
    for (size_t i = 0; i < c->n_ips; i++)
        rx_free(c->ips[i]);
    free(c->rules);
    free(c->lists);
    free(c->ips);
    free(c->ip_group);
    free(c->reasons);
    free(c->order);
    free(c->cache);
    if (c->reasons_conf)
        conf_free(c->reasons_conf);
    if (c->lists_conf)
        conf_free(c->lists_conf);
    free(c);
}

/* classifier_cache - turn the shape cache on or off (tests compare both) */
void classifier_cache(struct classifier *c, bool on)
{
    c->cache_on = on;
}

/* ---- table access ---- */

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

/* ---- classification ---- */

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
        size_t n = enhanced_at(e, (size_t)(end - e));
        /* the classes must agree: "550 4.7.1" is not a code pair we trust less,
         * but "421 5.7.1" happens; take the code as written */
        if (n && n < 16) {
            memcpy(dsn, e, n);
            dsn[n] = '\0';
            return n;
        }
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

/* rule_matches - every condition of ru matches; cheap fields first */
static bool rule_matches(const struct rule *ru, const struct slice *f)
{
    static const int order[COND_N] = { COND_STATUS, COND_SOURCE, COND_DSN,
                                       COND_STAGE,  COND_HOST,   COND_TEXT };
    for (int i = 0; i < COND_N; i++) {
        int k = order[i];
        if (ru->cond[k] && !rx_match(ru->cond[k], f[k]))
            return false;
    }
    return true;
}

/* remote_own - whether the IP at [ip.p, ip.n) is the remote host's own:
 * the logged remote IP, or written as "name[ip]" ("host mx[ip] said",
 * "connect to mx[ip]:25", "by host mx[ip]") */
static bool remote_own(const struct classify_input *in, struct slice text, struct slice ip)
{
    if (in->remote_ip.n && slice_eq(ip, in->remote_ip))
        return true;
    const char *p = ip.p;
    if (p >= text.p + 2 && p[-1] == '[') {
        char ch = p[-2];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || is_digit(ch) || ch == '.' ||
            ch == '-')
            return true;
    }
    return false;
}

/* implicated_by - the first IP pattern i finds that is not the remote's;
 * *seen is set when the pattern matched at all */
static struct slice implicated_by(struct classifier *c, size_t i, const struct classify_input *in,
                                  struct slice text, bool *seen)
{
    size_t at = 0;
    while (at < text.n && rx_match_at(c->ips[i], text, at)) {
        *seen = true;
        struct slice ip = rx_group(c->ips[i], text, c->ip_group[i]);
        struct slice whole = rx_group(c->ips[i], text, 0);
        if (ip.n && !remote_own(in, text, ip))
            return ip;
        size_t next = (size_t)(whole.p - text.p) + (whole.n ? whole.n : 1);
        at = next > at ? next : at + 1;
    }
    return SLICE_EMPTY;
}

/* implicated - our sending IP that the text names, or empty; *pattern gets
 * the pattern that found it, or -1 when no pattern matched at all (then no
 * text of this shape names an IP), or -2 when candidates were all refused */
static struct slice implicated(struct classifier *c, const struct classify_input *in,
                               struct slice text, int *pattern)
{
    *pattern = -1;
    /* every address has a '.' or a ':' */
    if (!memchr(text.p, '.', text.n) && !memchr(text.p, ':', text.n))
        return SLICE_EMPTY;
    for (size_t i = 0; i < c->n_ips; i++) {
        bool seen = false;
        struct slice ip = implicated_by(c, i, in, text, &seen);
        if (ip.n) {
            *pattern = (int)i;
            return ip;
        }
        if (seen)
            *pattern = -2;
    }
    return SLICE_EMPTY;
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
 * mta1234.mail.kks.yahoo.co.jp) and numbers of 5+ digits. Rules and
 * `mentions` must not tell such parts apart (none do: they look for words,
 * codes and list names), so texts of one shape classify alike. */
static uint64_t shape_hash(struct slice text)
{
    struct shape_acc acc = { .n = 0, .h = 0xcbf29ce484222325ULL };
    const char *p = text.p, *end = text.p + text.n;
#define SHAPE_ADD(ch) shape_addc(&acc, (ch))
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
                SHAPE_ADD('\x01');
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
                SHAPE_ADD(at ? '\x02' : ipv4 ? '\x01' : '\x03');
                p += ipv4 ? (size_t)(q - p) : n;
                continue;
            }
            shape_add(&acc, p, n);
            p += n;
            continue;
        }
        SHAPE_ADD(*p++);
    }
#undef SHAPE_ADD
    shape_flush(&acc);
    return acc.h;
}

/* classify - the reason, blocklist named and implicated IP of one failure */
void classify(struct classifier *c, const struct classify_input *in, struct classification *out)
{
    struct slice text = slice_trim(in->text);
    memset(out, 0, sizeof *out);
    out->implicated_ip = SLICE_EMPTY;

    struct slice dsn = slice_trim(in->dsn);
    if (dsn.n && dsn.n < sizeof out->dsn) {
        memcpy(out->dsn, dsn.p, dsn.n);
        out->dsn[dsn.n] = '\0';
    } else {
        classify_dsn_from_text(text, out->dsn);
    }

    struct slice f[COND_N];
    f[COND_TEXT] = text;
    f[COND_DSN] = slice_cstr(out->dsn);
    f[COND_STAGE] = slice_trim(in->stage);
    f[COND_HOST] = slice_trim(in->remote_host);
    f[COND_STATUS] = slice_cstr(delivery_status_name(in->status));
    f[COND_SOURCE] = slice_cstr(source_name(in->text_source));

    /* the shape key: the text's shape and every other field a rule reads */
    uint64_t key = shape_hash(text);
    for (int k = COND_DSN; k < COND_N; k++) {
        if (k == COND_HOST && !c->host_rules)
            continue;
        key = hash_bytes(&key, sizeof key) ^ hash_bytes(f[k].p, f[k].n);
    }
    key |= 1; /* 0 marks an empty slot */
    struct cache_slot *slot = &c->cache[key & (CLASSIFY_CACHE_SLOTS - 1)];
    if (slot->key == key && c->cache_on) {
        out->reason = &slot->reason->pub;
        out->blocklist = slot->blocklist;
        if (slot->ip_pattern >= 0) {
            bool seen = false;
            out->implicated_ip = implicated_by(c, (size_t)slot->ip_pattern, in, text, &seen);
        }
        if (slot->ip_pattern == -2 || (slot->ip_pattern >= 0 && !out->implicated_ip.n)) {
            int pat;
            out->implicated_ip = implicated(c, in, text, &pat);
        }
        return;
    }

    const struct rule *hit = NULL;
    for (size_t i = 0; i < c->n_rules && !hit; i++)
        if (rule_matches(&c->rules[i], f))
            hit = &c->rules[i];
    const struct reason_entry *re = hit ? hit->reason : c->undefined;
    out->reason = &re->pub;

    if (re->blocklists && text.n) {
        for (size_t i = 0; i < c->n_lists; i++) {
            if (c->lists[i].mentions && rx_match(c->lists[i].mentions, text)) {
                out->blocklist = &c->lists[i].pub;
                break;
            }
        }
        if (!out->blocklist && hit)
            out->blocklist = hit->blocklist;
    }
    int pat = -1;
    if (text.n)
        out->implicated_ip = implicated(c, in, text, &pat);
    slot->key = key;
    slot->reason = re;
    slot->blocklist = out->blocklist;
    slot->ip_pattern = pat;
}
