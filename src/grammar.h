/*
 * grammar.h - a log grammar file (patterns/<mta>.conf) compiled once.
 *
 * A grammar is a set of named rules, `[line NAME]`, `[text NAME]` or
 * `[stat NAME]` sections with a PCRE2 `regex` and an optional `literal`
 * pre-check. The MTA parser looks its rules up by kind and name at start-up
 * and keeps the pointers; a rule it needs but the file lacks is a
 * configuration error reported as "file: missing [line NAME]".
 *
 * grammar_match runs the literal check (memmem) and then the regex; the
 * groups of the last match are read with rx_group / grammar_group.
 */
#ifndef BS_GRAMMAR_H
#define BS_GRAMMAR_H

#include <stdbool.h>

#include "regex.h"
#include "util/slice.h"
#include "util/strbuf.h"

struct grammar_rule {
    char *kind;
    char *name;
    char *literal; /* NULL: none */
    size_t literal_len;
    struct rx *rx;
};

struct grammar;

/* grammar_load - compile every rule of patterns file `file` (e.g. "postfix.conf") */
struct grammar *grammar_load(const char *file, struct strbuf *err);
void grammar_free(struct grammar *g);

/* grammar_rule - the first rule of that kind and name (user files first), NULL if none */
struct grammar_rule *grammar_rule(struct grammar *g, const char *kind, const char *name);
/* grammar_require - like grammar_rule, but a missing rule is written to err */
struct grammar_rule *grammar_require(struct grammar *g, const char *kind, const char *name,
                                     struct strbuf *err);

/* grammar_match - literal pre-check, then the regex */
bool grammar_match(struct grammar_rule *r, struct slice s);

/* grammar_group_index - group number by name; -1 if the pattern lacks it */
int grammar_group_index(struct grammar_rule *r, const char *name);

#endif
