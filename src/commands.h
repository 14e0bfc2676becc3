/*
 * commands.h - one entry point per subcommand; main.c only dispatches.
 *
 * Each returns an exit status from cli.h. Options are already parsed.
 */
#ifndef BS_COMMANDS_H
#define BS_COMMANDS_H

#include "cli.h"
#include "pipeline.h"

int cmd_scan(const struct options *o);
int cmd_report(const struct options *o);
int cmd_partner(const struct options *o);
int cmd_check(const struct options *o);
int cmd_vacuum(const struct options *o);
int cmd_explain(const struct options *o);

/* shared by scan and the history commands (cmd_scan.c) */
int scan_config(const struct options *o, struct pipeline_config *cfg);
void scan_setup_patterns(const struct options *o);

#endif
