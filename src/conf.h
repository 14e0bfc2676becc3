/*
 * conf.h - the one loader for every data file in patterns/.
 *
 * Format (line-oriented, UTF-8 or ASCII):
 *
 *     # comment (a line whose first non-blank character is '#')
 *     [kind name words]      a section: first word is its kind, the rest its name
 *     key = value            an entry; blanks around '=' and at the ends are dropped
 *
 * Keys may repeat within a section (their order is kept). Values are taken
 * literally: no quoting, no escapes, so a PCRE2 pattern is written as is.
 *
 * A value may be continued on following lines that start with whitespace
 * followed by "+ ". The text after "+ " is appended exactly as written, with
 * no separator, so that a long PCRE2 pattern can be split anywhere:
 *
 *     regex  = ^(?<qid>\w+): to=<(?<to>[^>]*)>,
 *         + (?: orig_to=<[^>]*>,)?          -> "...>,(?: orig_to=..."
 *     advice = Remove the address from your lists and
 *         +  forms.                          -> "...lists and forms." (two spaces
 *                                               after '+': one is the separator)
 *
 * The value's own trailing blanks are dropped, so a space must be written on
 * the continuation line. A join that would glue a letter, digit or '_' to
 * another ("Sorry mate" + "+ from" -> "Sorry matefrom") is refused with
 * file:line, since it is almost always a forgotten space.
 *
 * Files are found along a search path: the directories given by --patterns
 * and /etc/bouncescope/patterns.d come first, the shipped patterns/ directory
 * last; conf_load_all concatenates the sections of every file of one name
 * in that order, so a user's rules come before the shipped ones and a
 * consumer that takes the first section of a given name lets users override.
 *
 * Errors: conf_load* return NULL and describe the problem as "file:line:
 * message" in err; they never exit.
 */
#ifndef BS_CONF_H
#define BS_CONF_H

#include <stddef.h>

#include "util/strbuf.h"

struct conf_entry {
    char *key;
    char *value;
    const char *file; /* owned by the conf */
    int line;
};

struct conf_section {
    char *kind; /* "rule", "reason", "list", ... */
    char *name; /* the rest of the header, may be "" */
    const char *file;
    int line;
    struct conf_entry *entries;
    size_t n_entries;
};

struct conf {
    struct conf_section *sections;
    size_t n_sections;
    char **files; /* paths read, for messages */
    size_t n_files;
};

/* conf_search_add - add a directory to the search path, before the shipped one */
void conf_search_add(const char *dir);
/* conf_shipped_dir - the directory of shipped patterns (env BOUNCESCOPE_PATTERNS overrides) */
const char *conf_shipped_dir(void);

/* conf_load_file - read one file; NULL and err on failure */
struct conf *conf_load_file(const char *path, struct strbuf *err);
/* conf_load_all - every file called `name` on the search path, user files first */
struct conf *conf_load_all(const char *name, struct strbuf *err);
void conf_free(struct conf *c);

/* conf_get - the first value of key in a section, or NULL */
const char *conf_get(const struct conf_section *s, const char *key);
/* conf_entry_get - the first entry of key in a section, or NULL */
const struct conf_entry *conf_entry_get(const struct conf_section *s, const char *key);

#endif
