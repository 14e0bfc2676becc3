/*
 * main.c - parse the command line and run one command. Nothing else.
 *
 * Not here: option parsing (cli.c) or any command's work (cmd_*.c).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "event.h"
#include "util/msg.h"

int main(int argc, char **argv)
{
    struct options o;
    int rc = cli_parse(argc, argv, &o);
    if (rc != EXIT_OK) {
        cli_options_free(&o);
        return rc;
    }
    msg_quiet = o.quiet;
    if (!strcmp(o.command, "help")) {
        if (o.markdown && o.n_args && !strcmp(o.args[0], "columns")) {
            event_columns_markdown(stdout); /* README's table of event columns */
            rc = EXIT_OK;
        } else {
            rc = cli_help(&o);
        }
    } else if (!strcmp(o.command, "version")) {
        printf("bouncescope %s\n", BS_VERSION);
    } else if (!strcmp(o.command, "scan")) {
        rc = cmd_scan(&o);
    } else if (!strcmp(o.command, "report")) {
        rc = cmd_report(&o);
    } else if (!strcmp(o.command, "partner")) {
        rc = cmd_partner(&o);
    } else if (!strcmp(o.command, "check")) {
        rc = cmd_check(&o);
    } else if (!strcmp(o.command, "vacuum")) {
        rc = cmd_vacuum(&o);
    } else if (!strcmp(o.command, "explain")) {
        rc = cmd_explain(&o);
    }
    cli_options_free(&o);
    return rc;
}
