/*
 * commands.h - one entry point per subcommand; main.c only dispatches.
 *
 * Each returns an exit status from cli.h. Options are already parsed; what
 * the commands share is in cmd_common.h.
 */
#ifndef BS_COMMANDS_H
#define BS_COMMANDS_H

#include "cli.h"

int cmd_scan(const struct options *o);
int cmd_report(const struct options *o);
int cmd_partner(const struct options *o);
int cmd_check(const struct options *o);
int cmd_vacuum(const struct options *o);
int cmd_explain(const struct options *o);

#endif
