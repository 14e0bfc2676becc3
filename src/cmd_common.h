/*
 * cmd_common.h - what scan, report, partner and check share: turning the
 * command line (struct options) into the small settings of each module.
 *
 * This is the edge: struct options goes no further. The pipeline, the store,
 * the DNS stage and the writers each take their own config struct, built here.
 *
 * Errors: cmd_pipeline_config prints a bad option value (msg_error) and
 * returns EXIT_USAGE.
 */
#ifndef BS_CMD_COMMON_H
#define BS_CMD_COMMON_H

#include <stdbool.h>

#include "cli.h"
#include "dnsbl.h"
#include "pipeline.h"
#include "report.h"
#include "store.h"

/* cmd_pipeline_config - grouping, filters, year, queue age, --detail; EXIT_OK or EXIT_USAGE */
int cmd_pipeline_config(const struct options *o, struct pipeline_config *cfg);
/* cmd_setup_patterns - --patterns dirs, then /etc/bouncescope/patterns.d, then shipped */
void cmd_setup_patterns(const struct options *o);
/* cmd_store_config - --db for a writing (scan, vacuum) or reading (report, partner) command */
struct store_config cmd_store_config(const struct options *o, bool write);
/* cmd_dnsbl_config - the blocklist engine's settings (servers, timeouts, DQS key) */
struct dnsbl_config cmd_dnsbl_config(const struct options *o);
/* cmd_report_config - --format and --output */
struct report_config cmd_report_config(const struct options *o);
/* cmd_report_init - the report of command over p's model, with --top, --detail, --group-by */
void cmd_report_init(struct report *r, const char *command, const struct options *o,
                     struct pipeline *p);
/* cmd_add_our_ips - --our-ip addresses into the report's IPs to check */
void cmd_add_our_ips(const struct options *o, struct aggregate *agg);
/* cmd_run_dns - the blocklist stage for r (nothing looked up with --no-dns); free the
 * result with dns_stage_free after writing */
struct dns_stage *cmd_run_dns(const struct options *o, struct report *r, struct store *store);

/* for report and partner (cmd_report.c): */
/* cmd_open_and_build - options -> pipeline (its classifier, aggregate and spool; no
 * input is read) -> store opened for reading; EXIT_OK or an exit status (printed) */
int cmd_open_and_build(const struct options *o, bool spool, struct pipeline_config *cfg,
                       struct pipeline **p, struct store **s);
/* cmd_query_from - the store query of the options' filters (--since, --until,
 * --domain, --sender, --status) */
struct store_query cmd_query_from(const struct pipeline_config *cfg);

#endif
