/*
 * bounce_layouts.h - the plain-text bounce layouts that quote no reply behind
 * a marker bounce_message.c knows, and where their recipients are named.
 *
 * Internal to the bounce reader (bounce_message.c); the line helpers are the
 * ones both files use. Nothing here classifies.
 */
#ifndef BS_BOUNCE_LAYOUTS_H
#define BS_BOUNCE_LAYOUTS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/slice.h"
#include "util/strbuf.h"

/* the line at *pos (without its end of line, CR dropped), advancing *pos */
bool bounce_next_line(struct slice s, size_t *pos, struct slice *line);
/* whether a line holds only blanks */
bool bounce_blank(struct slice line);
/* a case-insensitive search in a slice, or NULL */
const char *bounce_find_ci(struct slice s, const char *needle);

/* the reply of a layout without a known marker (a Sendmail transcript, 1&1's
 * "For the following reason:", a line echoing "<a@b>... why", a line holding
 * an SMTP reply with its enhanced code, IMail's "why: a@b") into d; *rcpt
 * gets the address it names or stays NULL; false when none is found */
bool bounce_layout_reply(struct slice text, struct strbuf *d, char **rcpt);

/* a notice that quotes no reply but names its failed recipient in a
 * header (Google Groups' "the group you tried to contact may not exist, or
 * you may not have permission to post"): its first paragraph of at least 60
 * bytes before the returned message, into d; false when there is none */
bool bounce_layout_notice(struct slice text, struct strbuf *d);

/* the paragraph of a notice that names the recipient addr and says why
 * ("Your message wasn't delivered to a@b because the address couldn't be
 * found."), into d; false when there is none */
bool bounce_layout_named(struct slice text, const char *addr, struct strbuf *d);

/* the recipient of a bounce whose reply named none (a lead line and the
 * address below it, a "<a@b>:" or "\"a@b\":" line, Sendmail's "RCPT To:<a@b>"
 * and "550 <a@b>... " lines, IMail's "why: a@b", an address alone on a line,
 * the To: of the returned message), malloc'd, or NULL */
char *bounce_layout_rcpt(struct slice text);

/* Sendmail's transcript: the recipient a "<<< 550 ..." reply at `at` was
 * for: the first "NNN <a@b>... " line after it, else the last
 * "RCPT To:<a@b>" before it; malloc'd, or NULL */
char *bounce_layout_transcript_rcpt(struct slice text, const char *at);

/* a recipient's lead line: "<a@b>:", "\"a@b\":" or Sendmail's
 * "550 <a@b>... why" (trimmed); the address's offset and length in t and
 * the offset where the reply on the same line starts (t.n when none) */
bool bounce_rcpt_lead(struct slice t, size_t *off, size_t *len, size_t *rest);

#endif
