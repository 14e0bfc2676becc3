/*
 * access_hint.c - who may read an input we could not (see access_hint.h).
 *
 * SYNOPSIS
 *   bool access_hint_file(const char *path, struct strbuf *out);
 *   bool access_hint_journal(struct strbuf *out);
 *
 * DESCRIPTION
 *   The file's own owner, group and mode say who may read it: the hint names
 *   the group when its members may read (adm on Debian, often root or mail
 *   elsewhere) and otherwise says root. Group names come from getgrgid (NSS);
 *   a group without a name is given by number.
 *
 * Not here: see access_hint.h.
 */
#include "access_hint.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* in_group - whether this process has group gid (effective or supplementary) */
static bool in_group(gid_t gid)
{
    if (getegid() == gid)
        return true;
    gid_t groups[256];
    int n = getgroups(256, groups);
    for (int i = 0; i < n; i++)
        if (groups[i] == gid)
            return true;
    return false;
}

bool access_hint_file(const char *path, struct strbuf *out)
{
    struct stat st;
    if (geteuid() == 0 || access(path, R_OK) == 0 || errno != EACCES || stat(path, &st) != 0)
        return false;
    struct group *g = getgrgid(st.st_gid);
    char gid[24];
    snprintf(gid, sizeof gid, "%u", (unsigned)st.st_gid);
    const char *name = g && g->gr_name ? g->gr_name : gid;
    if ((st.st_mode & S_IRGRP) && st.st_gid != 0) {
        if (in_group(st.st_gid))
            strbuf_addf(out, "; it is readable by group %s - log in again for a new membership",
                        name);
        else
            strbuf_addf(out,
                        "; it is readable by root and group %s: run as root, or add yourself "
                        "with `sudo adduser $USER %s` and log in again",
                        name, name);
    } else {
        strbuf_adds(out, "; only root can read it: run as root (sudo)");
    }
    return true;
}

bool access_hint_journal(struct strbuf *out)
{
    if (geteuid() == 0)
        return false;
    const char *names[] = { "adm", "systemd-journal" };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        struct group *g = getgrnam(names[i]);
        if (g && in_group(g->gr_gid))
            return false;
    }
    strbuf_adds(out, "the system journal is readable by root and the groups adm and "
                     "systemd-journal; you are in neither, so it shows only your own entries "
                     "(run as root, or `sudo adduser $USER adm` and log in again)");
    return true;
}
