/*
 * grammar.c - compile and look up log grammar rules (see grammar.h).
 *
 * Not here: interpreting the groups of a match (the MTA parsers do).
 */
#include "grammar.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "util/xalloc.h"

struct grammar {
    struct grammar_rule *rules;
    size_t n;
    char *file;
};

struct grammar *grammar_load(const char *file, struct strbuf *err)
{
    struct conf *c = conf_load_all(file, err);
    if (!c)
        return NULL;
    struct grammar *g = xcalloc(1, sizeof *g);
    g->file = xstrdup(file);
    g->rules = xcalloc(c->n_sections ? c->n_sections : 1, sizeof *g->rules);
    for (size_t i = 0; i < c->n_sections; i++) {
        const struct conf_section *s = &c->sections[i];
        const struct conf_entry *re = conf_entry_get(s, "regex");
        if (!re) {
            strbuf_addf(err, "%s:%d: [%s %s] has no regex", s->file, s->line, s->kind, s->name);
            goto fail;
        }
        struct strbuf where = STRBUF_INIT;
        strbuf_addf(&where, "%s:%d", re->file, re->line);
        struct rx *rx = rx_compile(re->value, where.s, err);
        strbuf_free(&where);
        if (!rx)
            goto fail;
        struct grammar_rule *r = &g->rules[g->n++];
        r->kind = xstrdup(s->kind);
        r->name = xstrdup(s->name);
        r->rx = rx;
        const char *lit = conf_get(s, "literal");
        if (lit && *lit) {
            r->literal = xstrdup(lit);
            r->literal_len = strlen(lit);
        }
    }
    conf_free(c);
    return g;
fail:
    conf_free(c);
    grammar_free(g);
    return NULL;
}

void grammar_free(struct grammar *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++) {
        rx_free(g->rules[i].rx);
        free(g->rules[i].kind);
        free(g->rules[i].name);
        free(g->rules[i].literal);
    }
    free(g->rules);
    free(g->file);
    free(g);
}

struct grammar_rule *grammar_rule(struct grammar *g, const char *kind, const char *name)
{
    for (size_t i = 0; i < g->n; i++)
        if (!strcmp(g->rules[i].kind, kind) && !strcmp(g->rules[i].name, name))
            return &g->rules[i];
    return NULL;
}

struct grammar_rule *grammar_require(struct grammar *g, const char *kind, const char *name,
                                     struct strbuf *err)
{
    struct grammar_rule *r = grammar_rule(g, kind, name);
    if (!r)
        strbuf_addf(err, "%s: missing [%s %s]", g->file, kind, name);
    return r;
}

bool grammar_match(struct grammar_rule *r, struct slice s)
{
    if (r->literal && !memmem(s.p, s.n, r->literal, r->literal_len))
        return false;
    return rx_match(r->rx, s);
}

int grammar_group_index(struct grammar_rule *r, const char *name)
{
    return rx_group_index(r->rx, name);
}
