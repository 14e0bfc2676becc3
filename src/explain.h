/*
 * explain.h - one explained failure text: what `bouncescope explain` shows,
 * shared by the command (cmd_explain.c) and its writer (write_explain.c).
 *
 * The command fills items (from a text, or one per recipient of a bounce
 * message); the writer prints them as text or JSON and owns nothing.
 */
#ifndef BS_EXPLAIN_H
#define BS_EXPLAIN_H

#include <stdint.h>
#include <stdio.h>

#include "classify.h"
#include "providers.h"
#include "util/strbuf.h"

struct explain_item {
    /* what was explained */
    const char *text;
    const char *dsn;       /* as given (--dsn, Status:), or "" */
    const char *stage;     /* as given, or "" */
    const char *host;      /* as given (--host, Remote-MTA:), or "" */
    const char *source;    /* remote, local, generic */
    const char *status;    /* deferred, bounced */
    const char *recipient; /* a bounce message's Final-Recipient, or "" */
    const char *action;    /* a bounce message's Action, or "" */
    /* the answer */
    struct classification cl;
    struct classify_trace tr;
    const struct provider *provider; /* from the host, or NULL */
    struct strbuf tmpl;              /* the fingerprint's template */
    uint64_t fingerprint;
};

/* write_explain_text - the items for people; origin names where they came from */
void write_explain_text(FILE *fp, const struct explain_item *items, size_t n, const char *origin);
/* write_explain_json - the same as one JSON document */
void write_explain_json(FILE *fp, const struct explain_item *items, size_t n, const char *origin);

#endif
