/*
 * blocklists.c - load the DNS keys of patterns/blocklists.conf (see blocklists.h).
 *
 * The catalogue is data so that a list that changes its codes, dies (SORBS,
 * 2024) or moves can be fixed without a release. Sections are taken in file
 * order; a later section with an id already seen is ignored - that is how a
 * user's (or a test's) --patterns file replaces a shipped list.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem (slice.h), getline */
#endif
#include "blocklists.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* parse_v4 - the first word of s as an IPv4 address; *rest after it; -1 if not one */
static int parse_v4(const char *s, uint32_t *out, char text[16], const char **rest)
{
    size_t n = strcspn(s, " \t");
    if (n == 0 || n > 15)
        return -1;
    char buf[16];
    memcpy(buf, s, n);
    buf[n] = '\0';
    struct in_addr a;
    if (inet_pton(AF_INET, buf, &a) != 1)
        return -1;
    *out = ntohl(a.s_addr);
    memcpy(text, buf, n + 1);
    s += n;
    while (*s == ' ' || *s == '\t')
        s++;
    *rest = s;
    return 0;
}

/* add_code - parse "ADDR [TAG:] text" into a new element of *arr */
static int add_code(struct blcat_code **arr, size_t *n, const struct conf_entry *e, bool tagged,
                    struct strbuf *err)
{
    struct blcat_code c = { 0 };
    const char *rest;
    if (parse_v4(e->value, &c.addr, c.text, &rest) < 0) {
        strbuf_addf(err, "%s:%d: %s: '%s' does not start with an IPv4 answer like 127.0.0.2",
                    e->file, e->line, e->key, e->value);
        return -1;
    }
    c.tag = "";
    c.meaning = rest;
    if (tagged) {
        /* "SBL: Spamhaus SBL ..." - a one-word tag ending in ':' */
        size_t w = strcspn(rest, " \t:");
        if (w > 0 && rest[w] == ':') {
            char *v = (char *)rest; /* points into the conf's own copy, which we own */
            v[w] = '\0';
            c.tag = v;
            c.meaning = v + w + 1;
            while (*c.meaning == ' ' || *c.meaning == '\t')
                c.meaning++;
        }
    }
    *arr = xrealloc(*arr, (*n + 1) * sizeof **arr);
    (*arr)[(*n)++] = c;
    return 0;
}

static int parse_bool(const struct conf_entry *e, bool *out, struct strbuf *err)
{
    if (!strcmp(e->value, "yes") || !strcmp(e->value, "true")) {
        *out = true;
    } else if (!strcmp(e->value, "no") || !strcmp(e->value, "false")) {
        *out = false;
    } else {
        strbuf_addf(err, "%s:%d: %s: '%s' is not yes or no", e->file, e->line, e->key, e->value);
        return -1;
    }
    return 0;
}

/* parse_list - one [list ID] section */
static int parse_list(const struct conf_section *s, struct blcat_list *l, struct strbuf *err)
{
    memset(l, 0, sizeof *l);
    l->id = s->name;
    l->label = s->name;
    l->txt = true;
    l->status = BLCAT_ACTIVE;
    for (size_t i = 0; i < s->n_entries; i++) {
        const struct conf_entry *e = &s->entries[i];
        const char *k = e->key, *v = e->value;
        if (!strcmp(k, "label")) {
            l->label = v;
        } else if (!strcmp(k, "kind")) {
            l->kind = v;
        } else if (!strcmp(k, "delist_url")) {
            l->delist_url = v;
        } else if (!strcmp(k, "zone")) {
            l->zone = v;
        } else if (!strcmp(k, "dqs-zone")) {
            l->dqs_zone = v;
        } else if (!strcmp(k, "hint")) {
            l->hint = v;
        } else if (!strcmp(k, "query")) {
            l->query = 0;
            const char *p = v;
            while (*p) {
                size_t n = strcspn(p, " \t,");
                if (n == 3 && !strncmp(p, "ip4", 3))
                    l->query |= BLCAT_Q_IP4;
                else if (n == 3 && !strncmp(p, "ip6", 3))
                    l->query |= BLCAT_Q_IP6;
                else if (n == 6 && !strncmp(p, "domain", 6))
                    l->query |= BLCAT_Q_DOMAIN;
                else if (n) {
                    strbuf_addf(err, "%s:%d: query: '%.*s' is not ip4, ip6 or domain", e->file,
                                e->line, (int)n, p);
                    return -1;
                }
                p += n;
                p += strspn(p, " \t,");
            }
        } else if (!strcmp(k, "status")) {
            if (!strcmp(v, "active"))
                l->status = BLCAT_ACTIVE;
            else if (!strcmp(v, "needs-key"))
                l->status = BLCAT_NEEDS_KEY;
            else if (!strcmp(v, "needs-registered-resolver"))
                l->status = BLCAT_NEEDS_REGISTERED_RESOLVER;
            else if (!strcmp(v, "dead"))
                l->status = BLCAT_DEAD;
            else {
                strbuf_addf(
                    err,
                    "%s:%d: status: '%s' is not active, needs-key, needs-registered-resolver "
                    "or dead",
                    e->file, e->line, v);
                return -1;
            }
        } else if (!strcmp(k, "default-check")) {
            if (parse_bool(e, &l->default_check, err) < 0)
                return -1;
        } else if (!strcmp(k, "txt")) {
            if (parse_bool(e, &l->txt, err) < 0)
                return -1;
        } else if (!strcmp(k, "code")) {
            if (add_code(&l->codes, &l->n_codes, e, true, err) < 0)
                return -1;
        } else if (!strcmp(k, "error")) {
            if (add_code(&l->errors, &l->n_errors, e, false, err) < 0)
                return -1;
        } else if (!strcmp(k, "advice")) {
            uint32_t a;
            char text[16];
            const char *rest;
            if (parse_v4(v, &a, text, &rest) == 0) {
                bool found = false;
                for (size_t j = 0; j < l->n_codes; j++)
                    if (l->codes[j].addr == a) {
                        l->codes[j].advice = rest;
                        found = true;
                    }
                if (!found) {
                    strbuf_addf(err, "%s:%d: advice for %s, which no earlier `code` line names",
                                e->file, e->line, text);
                    return -1;
                }
            } else {
                l->advice = v;
            }
        } else if (!strcmp(k, "test-listed")) {
            l->test_listed = v;
        } else if (!strcmp(k, "test-unlisted")) {
            l->test_unlisted = v;
        } else if (!strcmp(k, "test-listed6")) {
            l->test_listed6 = v;
        } else if (!strcmp(k, "test-unlisted6")) {
            l->test_unlisted6 = v;
        }
        /* other keys (mentions, ...) belong to the classifier */
    }
    if (l->zone && !l->query) {
        strbuf_addf(err, "%s:%d: [list %s] has a zone but no `query = ip4|ip6|domain`", s->file,
                    s->line, l->id);
        return -1;
    }
    bool dom = l->query & BLCAT_Q_DOMAIN;
    if (!l->test_listed)
        l->test_listed = dom ? "test" : "127.0.0.2";
    if (!l->test_unlisted)
        l->test_unlisted = dom ? "invalid" : "127.0.0.1";
    if (!l->test_listed6)
        l->test_listed6 = "::ffff:7f00:2";
    if (!l->test_unlisted6)
        l->test_unlisted6 = "::ffff:7f00:1";
    return 0;
}

struct blcat *blcat_from_conf(struct conf *c, struct strbuf *err)
{
    struct blcat *b = xcalloc(1, sizeof *b);
    b->conf = c;
    b->lists = xcalloc(c->n_sections + 1, sizeof *b->lists);
    for (size_t i = 0; i < c->n_sections; i++) {
        const struct conf_section *s = &c->sections[i];
        if (strcmp(s->kind, "list") != 0 || !*s->name)
            continue;
        if (blcat_find(b, s->name))
            continue; /* first section of an id wins: user files come first */
        if (parse_list(s, &b->lists[b->n_lists], err) < 0) {
            b->n_lists++; /* so blcat_free releases its arrays */
            goto err;
        }
        b->n_lists++;
    }
    return b;
err:
    blcat_free(b);
    return NULL;
}

struct blcat *blcat_load(struct strbuf *err)
{
    struct conf *c = conf_load_all("blocklists.conf", err);
    if (!c)
        return NULL;
    return blcat_from_conf(c, err);
}

const struct blcat_list *blcat_find(const struct blcat *b, const char *id)
{
    for (size_t i = 0; i < b->n_lists; i++)
        if (!strcmp(b->lists[i].id, id))
            return &b->lists[i];
    return NULL;
}

const struct blcat_code *blcat_code(const struct blcat_list *l, uint32_t a)
{
    for (size_t i = 0; i < l->n_codes; i++)
        if (l->codes[i].addr == a)
            return &l->codes[i];
    return NULL;
}

const struct blcat_code *blcat_error(const struct blcat_list *l, uint32_t a)
{
    for (size_t i = 0; i < l->n_errors; i++)
        if (l->errors[i].addr == a)
            return &l->errors[i];
    return NULL;
}

const char *blcat_status_word(enum blcat_status s)
{
    switch (s) {
    case BLCAT_ACTIVE:
        return "active";
    case BLCAT_NEEDS_KEY:
        return "needs-key";
    case BLCAT_NEEDS_REGISTERED_RESOLVER:
        return "needs-registered-resolver";
    case BLCAT_DEAD:
        return "dead";
    }
    return "?";
}

void blcat_free(struct blcat *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n_lists; i++) {
        free(b->lists[i].codes);
        free(b->lists[i].errors);
    }
    free(b->lists);
    conf_free(b->conf);
    free(b);
}
