/*
 * sendmail_shorten.h - the shape of a reply Sendmail shortened, in one place.
 *
 * Sendmail logs a long reply through shortenstring(): its first
 * SENDMAIL_SHORT_HEAD characters, "...", and its last SENDMAIL_SHORT_TAIL -
 * 203 characters in all. The stat= form "Deferred: <text>" is cut before the
 * parser removes "Deferred: " (10 characters), which leaves a 90-character
 * head: 193 characters in all. parse_sendmail.c marks such texts
 * (text_shortened); fingerprint.c keys their head and tail apart so that the
 * shortened copy and the full reply from Postfix or Exim get the same key.
 */
#ifndef BS_SENDMAIL_SHORTEN_H
#define BS_SENDMAIL_SHORTEN_H

#include <stddef.h>
#include <string.h>

#include "util/slice.h"

#define SENDMAIL_SHORT_HEAD 100
#define SENDMAIL_SHORT_TAIL 100
#define SENDMAIL_SHORT_MARK "..."
#define SENDMAIL_SHORT_MARK_LEN 3
/* the head left of a "Deferred: " stat= text */
#define SENDMAIL_SHORT_STAT_HEAD (SENDMAIL_SHORT_HEAD - 10)

/* sendmail_shortened_at - the offset of the "..." when text has one of the two
 * shortened shapes (SENDMAIL_SHORT_HEAD or SENDMAIL_SHORT_STAT_HEAD), else 0 */
static inline size_t sendmail_shortened_at(struct slice text)
{
    static const size_t heads[] = { SENDMAIL_SHORT_HEAD, SENDMAIL_SHORT_STAT_HEAD };
    for (size_t i = 0; i < sizeof heads / sizeof *heads; i++)
        if (text.n == heads[i] + SENDMAIL_SHORT_MARK_LEN + SENDMAIL_SHORT_TAIL &&
            memcmp(text.p + heads[i], SENDMAIL_SHORT_MARK, SENDMAIL_SHORT_MARK_LEN) == 0)
            return heads[i];
    return 0;
}

#endif
