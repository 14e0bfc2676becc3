/*
 * conf.c - loader for the data files in patterns/ (format: see conf.h).
 *
 * It only splits files into sections and entries and keeps file:line for
 * every one of them; what a key means is up to the module that reads it.
 *
 * Not here: what a key means (each module that reads a file), compiling patterns (regex.c).
 */
#include "conf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/xalloc.h"

#ifndef BS_PATTERNS_DIR
#define BS_PATTERNS_DIR "patterns"
#endif

static char **search_dirs;
static size_t n_search_dirs;

void conf_search_add(const char *dir)
{
    search_dirs = xrealloc(search_dirs, (n_search_dirs + 1) * sizeof *search_dirs);
    search_dirs[n_search_dirs++] = xstrdup(dir);
}

const char *conf_shipped_dir(void)
{
    const char *env = getenv("BOUNCESCOPE_PATTERNS");
    return env && *env ? env : BS_PATTERNS_DIR;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/* is_word - a letter, digit or '_' (the characters a join must not glue together) */
static bool is_word(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

static const char *intern_file(struct conf *c, const char *path)
{
    c->files = xrealloc(c->files, (c->n_files + 1) * sizeof *c->files);
    c->files[c->n_files] = xstrdup(path);
    return c->files[c->n_files++];
}

/* parse_into - append the sections of one file to c */
static int parse_into(struct conf *c, const char *path, struct strbuf *err)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        strbuf_addf(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    const char *file = intern_file(c, path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0;
    struct conf_section *cur = NULL;
    struct conf_entry *last = NULL;
    while ((len = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        char *raw = line;
        /* continuation: whitespace, then "+ " */
        if ((raw[0] == ' ' || raw[0] == '\t') && last) {
            char *t = raw;
            while (*t == ' ' || *t == '\t')
                t++;
            if (t[0] == '+' && (t[1] == ' ' || t[1] == '\n' || t[1] == '\0')) {
                char *more = t[1] ? t + 2 : t + 1;
                size_t mlen = strlen(more);
                while (mlen && (more[mlen - 1] == '\n' || more[mlen - 1] == '\r'))
                    more[--mlen] = '\0';
                size_t old = strlen(last->value);
                /* "Sorry mate" + "+ from" would read "Sorry matefrom": a join
                 * of two word characters is ambiguous, so it is refused */
                if (old && mlen && is_word(last->value[old - 1]) && is_word(more[0])) {
                    strbuf_addf(err,
                                "%s:%d: continuation joins \"%s\" to \"%.20s\" with no space: "
                                "the text after \"+ \" is appended as it is; write \"+  %.20s\" "
                                "(two spaces) for a space, or split elsewhere",
                                path, lineno, last->value + (old > 20 ? old - 20 : 0), more, more);
                    goto fail;
                }
                last->value = xrealloc(last->value, old + mlen + 1);
                memcpy(last->value + old, more, mlen + 1);
                continue;
            }
        }
        char *s = trim(raw);
        if (*s == '\0' || *s == '#') {
            continue;
        }
        if (*s == '[') {
            char *end = strrchr(s, ']');
            if (!end || end[1] != '\0') {
                strbuf_addf(err, "%s:%d: section header must end with ']'", path, lineno);
                goto fail;
            }
            *end = '\0';
            char *hdr = trim(s + 1);
            char *sp = hdr;
            while (*sp && *sp != ' ' && *sp != '\t')
                sp++;
            char *name = "";
            if (*sp) {
                *sp = '\0';
                name = trim(sp + 1);
            }
            if (!*hdr) {
                strbuf_addf(err, "%s:%d: empty section header", path, lineno);
                goto fail;
            }
            c->sections = xrealloc(c->sections, (c->n_sections + 1) * sizeof *c->sections);
            cur = &c->sections[c->n_sections++];
            memset(cur, 0, sizeof *cur);
            cur->kind = xstrdup(hdr);
            cur->name = xstrdup(name);
            cur->file = file;
            cur->line = lineno;
            last = NULL;
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            strbuf_addf(err, "%s:%d: expected 'key = value' or '[section]'", path, lineno);
            goto fail;
        }
        if (!cur) {
            strbuf_addf(err, "%s:%d: entry before the first [section]", path, lineno);
            goto fail;
        }
        *eq = '\0';
        char *key = trim(s);
        char *value = trim(eq + 1);
        if (!*key) {
            strbuf_addf(err, "%s:%d: empty key", path, lineno);
            goto fail;
        }
        cur->entries = xrealloc(cur->entries, (cur->n_entries + 1) * sizeof *cur->entries);
        last = &cur->entries[cur->n_entries++];
        last->key = xstrdup(key);
        last->value = xstrdup(value);
        last->file = file;
        last->line = lineno;
    }
    free(line);
    fclose(fp);
    return 0;
fail:
    free(line);
    fclose(fp);
    return -1;
}

struct conf *conf_load_file(const char *path, struct strbuf *err)
{
    struct conf *c = xcalloc(1, sizeof *c);
    if (parse_into(c, path, err) < 0) {
        conf_free(c);
        return NULL;
    }
    return c;
}

struct conf *conf_load_all(const char *name, struct strbuf *err)
{
    struct conf *c = xcalloc(1, sizeof *c);
    struct strbuf path = STRBUF_INIT;
    int found = 0;
    for (size_t i = 0; i <= n_search_dirs; i++) {
        const char *dir = i < n_search_dirs ? search_dirs[i] : conf_shipped_dir();
        strbuf_reset(&path);
        strbuf_addf(&path, "%s/%s", dir, name);
        if (access(path.s, F_OK) != 0) {
            if (i == n_search_dirs && !found) {
                strbuf_addf(err, "%s: not found (set --patterns or BOUNCESCOPE_PATTERNS)", path.s);
                goto fail;
            }
            continue;
        }
        if (parse_into(c, path.s, err) < 0)
            goto fail;
        found = 1;
    }
    strbuf_free(&path);
    return c;
fail:
    strbuf_free(&path);
    conf_free(c);
    return NULL;
}

void conf_free(struct conf *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_sections; i++) {
        struct conf_section *s = &c->sections[i];
        for (size_t j = 0; j < s->n_entries; j++) {
            free(s->entries[j].key);
            free(s->entries[j].value);
        }
        free(s->entries);
        free(s->kind);
        free(s->name);
    }
    free(c->sections);
    for (size_t i = 0; i < c->n_files; i++)
        free(c->files[i]);
    free(c->files);
    free(c);
}

const struct conf_entry *conf_entry_get(const struct conf_section *s, const char *key)
{
    for (size_t i = 0; i < s->n_entries; i++)
        if (strcmp(s->entries[i].key, key) == 0)
            return &s->entries[i];
    return NULL;
}

const char *conf_get(const struct conf_section *s, const char *key)
{
    const struct conf_entry *e = conf_entry_get(s, key);
    return e ? e->value : NULL;
}
