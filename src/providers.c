/*
 * providers.c - remote host (or recipient domain) -> mail provider.
 *
 * SYNOPSIS
 *   struct providers *providers_load(struct strbuf *err);
 *   void providers_free(struct providers *p);
 *   const struct provider *provider_for(struct providers *p, struct slice remote_host,
 *                                       struct slice recipient_domain);
 *
 * DESCRIPTION
 *   patterns/providers.conf holds [provider ID] sections with `name`, and
 *   any number of `host = REGEX` and `domain = REGEX` entries. Providers are
 *   tried in file order (a user's file first; the first section of an id
 *   wins), patterns are matched case-insensitively against the lower-cased
 *   name without its trailing dot.
 *
 *   The remote host decides when there is one and it is known (a domain
 *   hosted at Microsoft 365 is "Microsoft 365" whatever its name); the
 *   recipient domain is used when the log names no host (Postfix relay=none,
 *   DNS failures) or a host that no pattern knows (domain patterns name only
 *   the providers' own domains - gmail.com, docomo.ne.jp - so this cannot
 *   contradict the host).
 *
 *   provider_for is called once per failure, and a log names a few thousand
 *   hosts at most, so answers (negative ones too) are cached per name in a
 *   hash map; the cache stops growing at PROVIDERS_CACHE_MAX names (later
 *   names are then matched every time - slower, never wrong).
 *
 * OWNERSHIP
 *   Returned providers belong to p and live until providers_free.
 *
 * DIAGNOSTICS
 *   providers_load returns NULL with "file:line: message" in err for an
 *   unreadable file, a bad pattern, a section without `name` or patterns.
 *
 * NOT DONE HERE
 *   No DNS: an MX is not looked up, only names that the log shows are used.
 */
#include "providers.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "regex.h"
#include "util/hashmap.h"
#include "util/xalloc.h"

#define PROVIDERS_CACHE_MAX 200000
#define PROVIDERS_NAME_MAX 255 /* longest DNS name; longer ones are not cached */

struct provider_entry {
    struct provider pub;
    struct rx **hosts;
    size_t n_hosts;
    struct rx **domains;
    size_t n_domains;
};

struct providers {
    struct provider_entry *v;
    size_t n;
    struct conf *conf;     /* owns the id and name strings */
    struct hashmap *hosts; /* lower-cased host -> entry (or &no_provider) */
    struct hashmap *domains;
};

/* the cached "no provider" answer (the map cannot hold NULL as a value) */
static const struct provider_entry no_provider;

/* add_rx - compile e->value (case-insensitive) onto an array */
static int add_rx(struct rx ***arr, size_t *n, const struct conf_entry *e, struct strbuf *err)
{
    char where[512];
    snprintf(where, sizeof where, "%s:%d", e->file, e->line);
    struct strbuf pat = STRBUF_INIT;
    strbuf_adds(&pat, "(?i)");
    strbuf_adds(&pat, e->value);
    struct rx *r = rx_compile(pat.s, where, err);
    strbuf_free(&pat);
    if (!r)
        return -1;
    *arr = xrealloc(*arr, (*n + 1) * sizeof **arr);
    (*arr)[(*n)++] = r;
    return 0;
}

/* providers_load - read providers.conf along the search path */
struct providers *providers_load(struct strbuf *err)
{
    struct conf *c = conf_load_all("providers.conf", err);
    if (!c)
        return NULL;
    struct providers *p = xcalloc(1, sizeof *p);
    p->conf = c;
    p->v = xcalloc(c->n_sections ? c->n_sections : 1, sizeof *p->v);
    for (size_t i = 0; i < c->n_sections; i++) {
        const struct conf_section *s = &c->sections[i];
        if (strcmp(s->kind, "provider") != 0) {
            strbuf_addf(err, "%s:%d: unknown section kind '%s' (want provider)", s->file, s->line,
                        s->kind);
            goto err;
        }
        if (!*s->name) {
            strbuf_addf(err, "%s:%d: [provider] needs an id", s->file, s->line);
            goto err;
        }
        bool seen = false;
        for (size_t j = 0; j < p->n && !seen; j++)
            seen = strcmp(p->v[j].pub.id, s->name) == 0;
        if (seen)
            continue; /* a user's section of this id came first */
        struct provider_entry *pe = &p->v[p->n++];
        pe->pub.id = s->name;
        pe->pub.name = conf_get(s, "name");
        if (!pe->pub.name) {
            strbuf_addf(err, "%s:%d: [provider %s] has no name", s->file, s->line, s->name);
            goto err;
        }
        for (size_t j = 0; j < s->n_entries; j++) {
            const struct conf_entry *e = &s->entries[j];
            if (strcmp(e->key, "host") == 0) {
                if (add_rx(&pe->hosts, &pe->n_hosts, e, err) < 0)
                    goto err;
            } else if (strcmp(e->key, "domain") == 0) {
                if (add_rx(&pe->domains, &pe->n_domains, e, err) < 0)
                    goto err;
            } else if (strcmp(e->key, "name") != 0) {
                strbuf_addf(err, "%s:%d: unknown key '%s' in [provider]", e->file, e->line, e->key);
                goto err;
            }
        }
        if (!pe->n_hosts && !pe->n_domains) {
            strbuf_addf(err, "%s:%d: [provider %s] has no host or domain pattern", s->file, s->line,
                        s->name);
            goto err;
        }
    }
    p->hosts = hashmap_new(NULL);
    p->domains = hashmap_new(NULL);
    return p;
err:
    providers_free(p);
    return NULL;
}

/* providers_free - release p and every provider it returned (NULL is fine) */
void providers_free(struct providers *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        for (size_t j = 0; j < p->v[i].n_hosts; j++)
            rx_free(p->v[i].hosts[j]);
        for (size_t j = 0; j < p->v[i].n_domains; j++)
            rx_free(p->v[i].domains[j]);
        free(p->v[i].hosts);
        free(p->v[i].domains);
    }
    free(p->v);
    if (p->hosts)
        hashmap_free(p->hosts);
    if (p->domains)
        hashmap_free(p->domains);
    conf_free(p->conf);
    free(p);
}

/* lookup - the provider of one name, by the host or the domain patterns */
static const struct provider *lookup(struct providers *p, struct slice name, bool host)
{
    /* normalise: "MX.Mail.Yahoo.co.jp." -> "mx.mail.yahoo.co.jp" */
    while (name.n && name.p[name.n - 1] == '.')
        name.n--;
    name = slice_trim(name);
    if (name.n == 0)
        return NULL;
    char buf[PROVIDERS_NAME_MAX + 1];
    bool cacheable = name.n <= PROVIDERS_NAME_MAX;
    struct hashmap *cache = host ? p->hosts : p->domains;
    if (cacheable) {
        for (size_t i = 0; i < name.n; i++) {
            char ch = name.p[i];
            buf[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
        }
        buf[name.n] = '\0';
        name = slice_make(buf, name.n);
        const struct provider_entry *hit = hashmap_get(cache, buf, name.n);
        if (hit)
            return hit == &no_provider ? NULL : &hit->pub;
    }
    const struct provider_entry *found = &no_provider;
    for (size_t i = 0; i < p->n && found == &no_provider; i++) {
        const struct provider_entry *pe = &p->v[i];
        struct rx **rxs = host ? pe->hosts : pe->domains;
        size_t n = host ? pe->n_hosts : pe->n_domains;
        for (size_t j = 0; j < n; j++) {
            if (rx_match(rxs[j], name)) {
                found = pe;
                break;
            }
        }
    }
    if (cacheable && hashmap_count(cache) < PROVIDERS_CACHE_MAX)
        hashmap_put(cache, buf, name.n, (void *)found);
    return found == &no_provider ? NULL : &found->pub;
}

/* provider_for - the provider of a remote host / recipient domain, or NULL */
const struct provider *provider_for(struct providers *p, struct slice remote_host,
                                    struct slice recipient_domain)
{
    struct slice h = slice_trim(remote_host);
    /* Postfix writes relay=none when no host was reached: that is no host */
    if (h.n && !slice_eq_cstr(h, "none")) {
        const struct provider *pv = lookup(p, h, true);
        if (pv)
            return pv;
    }
    return lookup(p, recipient_domain, false);
}
