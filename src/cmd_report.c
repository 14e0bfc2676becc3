/*
 * cmd_report.c - `bouncescope report` and `bouncescope partner`: reports
 * from the history database.
 *
 * The history database is not built yet (see issue "History in SQLite"):
 * both commands say so and exit with status 1 rather than pretend.
 */
#include <stdio.h>

#include "commands.h"

int cmd_report(const struct options *o)
{
    (void)o;
    fprintf(stderr, "bouncescope: 'report' needs the history database, which this version "
                    "does not have yet; use 'scan'\n");
    return EXIT_USAGE;
}

int cmd_partner(const struct options *o)
{
    (void)o;
    fprintf(stderr, "bouncescope: 'partner' needs the history database, which this version "
                    "does not have yet; use 'scan --domain DOMAIN'\n");
    return EXIT_USAGE;
}
