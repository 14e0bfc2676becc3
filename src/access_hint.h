/*
 * access_hint.h - who may read an input we could not: the words that turn
 * "Permission denied" into something an admin can act on.
 *
 * On Debian the mail logs belong to group adm (mode 0640) and the system
 * journal is readable by root and the groups adm and systemd-journal; a user
 * outside them gets EACCES for the file and, silently, only their own
 * entries from the journal.
 *
 * Not here: opening inputs (reader.c, journal.c), printing (the caller).
 */
#ifndef BS_ACCESS_HINT_H
#define BS_ACCESS_HINT_H

#include <stdbool.h>

#include "util/strbuf.h"

/* access_hint_file - when path exists but this user may not read it: "; it is
 * readable by root and group adm (...)" appended to out, true; false otherwise */
bool access_hint_file(const char *path, struct strbuf *out);

/* access_hint_journal - when this user sees only their own journal entries (not
 * root, in neither adm nor systemd-journal): the advice appended to out, true */
bool access_hint_journal(struct strbuf *out);

#endif
