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
 *   The remote host decides when the log names one (a domain hosted at
 *   Microsoft 365 is "Microsoft 365" whatever its name); the recipient domain
 *   only when it names none (Postfix relay=none, DNS failures, an address
 *   literal, a transport name such as "local"). A host that no pattern knows
 *   gives no provider: the reply came from that host, whatever the
 *   recipient's domain says (a gmail.com address forwarded to a smarthost is
 *   not Google's answer). Groups then fall together by the host's registrable
 *   domain (host_registrable_domain, in aggregate.c).
 *
 *   [relay ID] sections name our own relays: `name` (the label, "Our relay
 *   host"), `host` patterns and `port`s; the first section of an id wins, as
 *   for providers, and every relay section counts. --relay-host adds exact
 *   names or addresses.
 *
 *   host_registrable_domain uses libpsl: psl_latest() takes the newer of the
 *   list compiled into libpsl (Debian 12's libpsl5 has one) and the
 *   publicsuffix package's /usr/share/publicsuffix file, so it works without
 *   that package and follows it when installed.
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

#include <libpsl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "lit_index.h"
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

#define RELAY_PORTS_MAX 16

struct providers {
    struct provider_entry *v;
    size_t n;
    struct provider relay;   /* the label of our relays */
    struct rx **relay_hosts; /* [relay] host patterns */
    size_t n_relay_hosts;
    unsigned relay_ports[RELAY_PORTS_MAX];
    size_t n_relay_ports;
    char **relay_names; /* --relay-host, lower case, no trailing dot */
    size_t n_relay_names;
    struct conf *conf;     /* owns the id and name strings */
    struct hashmap *hosts; /* lower-cased host -> entry (or &no_provider) */
    struct hashmap *domains;
    /* which providers a name can match at all: by the literals of their patterns */
    struct lit_index host_ix, domain_ix;
    struct strbuf lower;
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
    /* checked here, JIT-compiled once joined (join_rx) */
    struct rx *r = rx_compile_lazy(pat.s, where, err);
    strbuf_free(&pat);
    if (!r)
        return -1;
    *arr = xrealloc(*arr, (*n + 1) * sizeof **arr);
    (*arr)[(*n)++] = r;
    return 0;
}

/* join_rx - the patterns of one list as one alternation, JIT-compiled: a name
 * is then matched once per list, not once per pattern */
static int join_rx(struct rx **arr, size_t *n, struct strbuf *err)
{
    if (*n < 2)
        return 0;
    struct strbuf pat = STRBUF_INIT;
    for (size_t i = 0; i < *n; i++) {
        strbuf_adds(&pat, i ? "|(?:" : "(?:");
        strbuf_adds(&pat, rx_source(arr[i]));
        strbuf_addc(&pat, ')');
    }
    struct rx *r = rx_compile(pat.s, "providers.conf (joined patterns)", err);
    strbuf_free(&pat);
    if (!r)
        return -1;
    for (size_t i = 0; i < *n; i++)
        rx_free(arr[i]);
    arr[0] = r;
    *n = 1;
    return 0;
}

/* index_providers - file each provider under the literals of its host and of
 * its domain patterns (lit_index.h) */
static void index_providers(struct providers *p)
{
    struct strbuf lits = STRBUF_INIT;
    for (size_t i = 0; i < p->n; i++) {
        const struct provider_entry *pe = &p->v[i];
        for (int h = 0; h < 2; h++) {
            struct rx **rxs = h ? pe->hosts : pe->domains;
            size_t n = h ? pe->n_hosts : pe->n_domains;
            if (!n)
                continue; /* no pattern: never a candidate */
            strbuf_reset(&lits);
            const char *src = rx_source(rxs[0]);
            size_t k = lit_pattern_literals(src, src + strlen(src), &lits);
            lit_index_add(h ? &p->host_ix : &p->domain_ix, (uint32_t)i, lits.s, k);
        }
    }
    lit_index_finish(&p->host_ix, p->n);
    lit_index_finish(&p->domain_ix, p->n);
    strbuf_free(&lits);
}

/* load_relay - one [relay ID] section; the first of an id wins */
static int load_relay(struct providers *p, const struct conf *c, size_t idx, struct strbuf *err)
{
    const struct conf_section *s = &c->sections[idx];
    for (size_t j = 0; j < idx; j++)
        if (!strcmp(c->sections[j].kind, "relay") && !strcmp(c->sections[j].name, s->name))
            return 0; /* a user's section of this id came first */
    for (size_t j = 0; j < s->n_entries; j++) {
        const struct conf_entry *e = &s->entries[j];
        if (!strcmp(e->key, "name")) {
            if (!p->relay.name) {
                p->relay.id = s->name[0] ? s->name : "relay";
                p->relay.name = e->value;
            }
        } else if (!strcmp(e->key, "host")) {
            if (add_rx(&p->relay_hosts, &p->n_relay_hosts, e, err) < 0)
                return -1;
        } else if (!strcmp(e->key, "port")) {
            char *end;
            long port = strtol(e->value, &end, 10);
            if (*end || end == e->value || port < 1 || port > 65535) {
                strbuf_addf(err, "%s:%d: port '%s' is not a TCP port", e->file, e->line, e->value);
                return -1;
            }
            if (p->n_relay_ports == RELAY_PORTS_MAX) {
                strbuf_addf(err, "%s:%d: more than %d relay ports", e->file, e->line,
                            RELAY_PORTS_MAX);
                return -1;
            }
            p->relay_ports[p->n_relay_ports++] = (unsigned)port;
        } else {
            strbuf_addf(err, "%s:%d: unknown key '%s' in [relay]", e->file, e->line, e->key);
            return -1;
        }
    }
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
        if (!strcmp(s->kind, "relay")) {
            if (load_relay(p, c, i, err) < 0)
                goto err;
            continue;
        }
        if (strcmp(s->kind, "provider") != 0) {
            strbuf_addf(err, "%s:%d: unknown section kind '%s' (want provider or relay)", s->file,
                        s->line, s->kind);
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
        if (join_rx(pe->hosts, &pe->n_hosts, err) < 0 ||
            join_rx(pe->domains, &pe->n_domains, err) < 0)
            goto err;
        if (!pe->n_hosts && !pe->n_domains) {
            strbuf_addf(err, "%s:%d: [provider %s] has no host or domain pattern", s->file, s->line,
                        s->name);
            goto err;
        }
    }
    if (!p->relay.name) {
        /* no [relay] section at all (a user's providers.conf replaced ours
         * entirely): --relay-host still needs a label */
        p->relay.id = "relay";
        p->relay.name = "Our relay host";
    }
    if (join_rx(p->relay_hosts, &p->n_relay_hosts, err) < 0)
        goto err;
    index_providers(p);
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
    for (size_t j = 0; j < p->n_relay_hosts; j++)
        rx_free(p->relay_hosts[j]);
    free(p->relay_hosts);
    for (size_t j = 0; j < p->n_relay_names; j++)
        free(p->relay_names[j]);
    free(p->relay_names);
    if (p->hosts)
        hashmap_free(p->hosts);
    if (p->domains)
        hashmap_free(p->domains);
    lit_index_free(&p->host_ix);
    lit_index_free(&p->domain_ix);
    strbuf_free(&p->lower);
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
    struct lit_index *ix = host ? &p->host_ix : &p->domain_ix;
    size_t n_cand = lit_index_candidates(ix, &p->lower, name);
    for (size_t k = 0; k < n_cand && found == &no_provider; k++) {
        const struct provider_entry *pe = &p->v[ix->cand_list[k]];
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

/* is_address - an IPv4 or IPv6 address (possibly in brackets), not a name */
static bool is_address(struct slice h)
{
    bool digits_dots = h.n > 0;
    for (size_t i = 0; i < h.n; i++) {
        char ch = h.p[i];
        if (ch == ':' || ch == '[')
            return true; /* IPv6, or a bracketed literal */
        if (!((ch >= '0' && ch <= '9') || ch == '.'))
            digits_dots = false;
    }
    return digits_dots;
}

/* has_dns_name - whether the remote host is a DNS name: not empty, not
 * Postfix's "none", not an address literal, not a transport name ("local",
 * "dovecot", "private/dovecot-lmtp") */
static bool has_dns_name(struct slice h)
{
    return h.n && memchr(h.p, '.', h.n) && !memchr(h.p, '/', h.n) && !is_address(h);
}

/* provider_for - the provider of a remote host / recipient domain, or NULL */
const struct provider *provider_for(struct providers *p, struct slice remote_host,
                                    struct slice recipient_domain)
{
    struct slice h = slice_trim(remote_host);
    while (h.n && h.p[h.n - 1] == '.')
        h.n--;
    if (has_dns_name(h))
        return lookup(p, h, true);
    return lookup(p, recipient_domain, false);
}

/* eq_name - a host (any case, trailing dot) against a lower-case name */
static bool eq_name(struct slice h, const char *name)
{
    while (h.n && h.p[h.n - 1] == '.')
        h.n--;
    size_t n = strlen(name);
    return n == h.n && strncasecmp(h.p, name, n) == 0;
}

void providers_add_relay(struct providers *p, const char *name_or_ip)
{
    size_t n = strlen(name_or_ip);
    while (n && name_or_ip[n - 1] == '.')
        n--;
    if (!n)
        return;
    char *copy = xmemdup(name_or_ip, n);
    for (size_t i = 0; i < n; i++)
        if (copy[i] >= 'A' && copy[i] <= 'Z')
            copy[i] = (char)(copy[i] - 'A' + 'a');
    p->relay_names = xrealloc(p->relay_names, (p->n_relay_names + 1) * sizeof *p->relay_names);
    p->relay_names[p->n_relay_names++] = copy;
}

bool provider_is_relay(struct providers *p, struct slice host, struct slice ip, unsigned port)
{
    for (size_t i = 0; i < p->n_relay_ports; i++)
        if (port && port == p->relay_ports[i])
            return true;
    for (size_t i = 0; i < p->n_relay_names; i++)
        if ((host.n && eq_name(host, p->relay_names[i])) ||
            (ip.n && eq_name(ip, p->relay_names[i])))
            return true;
    if (p->n_relay_hosts && host.n) {
        char buf[PROVIDERS_NAME_MAX + 1];
        while (host.n && host.p[host.n - 1] == '.')
            host.n--;
        if (host.n > PROVIDERS_NAME_MAX)
            return false;
        for (size_t i = 0; i < host.n; i++) {
            char ch = host.p[i];
            buf[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
        }
        buf[host.n] = '\0';
        /* not cached, unlike provider_for: the patterns are one alternation
         * (join_rx), the shipped ones anchored, whose match fails within a
         * few bytes of most names - no dearer than a hash lookup, while a
         * cache of every host name a log holds took ~100 bytes a name */
        bool yes = false;
        for (size_t i = 0; i < p->n_relay_hosts && !yes; i++)
            yes = rx_match(p->relay_hosts[i], slice_make(buf, host.n));
        return yes;
    }
    return false;
}

const struct provider *provider_relay(const struct providers *p)
{
    return &p->relay;
}

/* the Public Suffix List, loaded on first use and kept for the process */
static const psl_ctx_t *psl_ctx(void)
{
    static const psl_ctx_t *ctx;
    static bool tried;
    if (!tried) {
        tried = true;
        ctx = psl_latest(NULL);
        if (!ctx)
            ctx = psl_builtin();
    }
    return ctx;
}

struct slice host_registrable_domain(struct slice host, struct strbuf *buf)
{
    host = slice_trim(host);
    while (host.n && host.p[host.n - 1] == '.')
        host.n--;
    strbuf_reset(buf);
    strbuf_reserve(buf, host.n);
    for (size_t i = 0; i < host.n; i++) {
        char ch = host.p[i];
        buf->s[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
    }
    buf->len = host.n;
    buf->s[host.n] = '\0';
    /* the list is about names: an address or a NUL inside would be nonsense to it */
    if (!has_dns_name(host) || memchr(host.p, '\0', host.n))
        return strbuf_slice(buf);
    const psl_ctx_t *ctx = psl_ctx();
    const char *rd = ctx ? psl_registrable_domain(ctx, buf->s) : NULL;
    if (!rd)
        return strbuf_slice(buf);
    return slice_make(rd, (size_t)(buf->s + buf->len - rd));
}
