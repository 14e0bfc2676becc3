/*
 * cmd_common.c - the options of scan, report, partner and check turned into
 * each module's settings (see cmd_common.h).
 *
 * Not here: any command's flow (cmd_*.c), option parsing (cli.c).
 */
#include "cmd_common.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "dns_stage.h"
#include "problems.h"
#include "syslog_header.h"
#include "util/msg.h"
#include "util/xalloc.h"

#define SYSTEM_PATTERNS_DIR "/etc/bouncescope/patterns.d"

void cmd_setup_patterns(const struct options *o)
{
    for (size_t i = 0; i < o->n_patterns; i++)
        conf_search_add(o->patterns[i]);
    if (access(SYSTEM_PATTERNS_DIR, R_OK) == 0)
        conf_search_add(SYSTEM_PATTERNS_DIR);
}

static int parse_statuses(const char *spec, unsigned *bits)
{
    *bits = 0;
    char *copy = xstrdup(spec), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        enum delivery_status s;
        if (!delivery_status_parse(t, &s) || s == DELIVERY_SENT) {
            msg_error("--status: '%s' is not one of deferred, bounced, expired", t);
            free(copy);
            return -1;
        }
        *bits |= 1u << s;
    }
    free(copy);
    return 0;
}

int cmd_pipeline_config(const struct options *o, struct pipeline_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    struct strbuf err = STRBUF_INIT;
    if (aggregate_parse_group_by(o->group_by ? o->group_by : AGGREGATE_DEFAULT_GROUP_BY,
                                 &cfg->group_fields, &err) < 0) {
        msg_error("%s", err.s);
        strbuf_free(&err);
        return EXIT_USAGE;
    }
    strbuf_free(&err);
    cfg->year = o->year;
    cfg->relay_hosts = o->relay_hosts;
    cfg->n_relay_hosts = o->n_relay_hosts;
    /* 0: the pipeline's default (CORRELATE_MAX_AGE_DAYS) */
    cfg->queue_max_age = (int64_t)(o->queue_max_age_days * 86400);
    cfg->queue_max_ids = (uint64_t)o->queue_max_ids; /* 0: CORRELATE_MAX_LIVE */
    cfg->max_groups = (size_t)o->max_groups;         /* 0: AGGREGATE_MAX_GROUPS */
    cfg->spool_events = o->detail;
    if (o->format && !strcmp(o->format, "suppress")) {
        /* the list to clean reads the failures back, and the deliveries that follow them */
        cfg->spool_events = true;
        cfg->track_deliveries = true;
        cfg->collect_deliveries = true;
    }
    cfg->filter.domain = o->domain;
    cfg->filter.sender = o->sender;
    if (o->status && parse_statuses(o->status, &cfg->filter.statuses) < 0)
        return EXIT_USAGE;
    int64_t now = (int64_t)time(NULL);
    if (o->since && parse_time_arg(o->since, now, &cfg->filter.since) < 0) {
        msg_error("--since: cannot read '%s' as a time", o->since);
        return EXIT_USAGE;
    }
    if (o->until && parse_time_arg(o->until, now, &cfg->filter.until) < 0) {
        msg_error("--until: cannot read '%s' as a time", o->until);
        return EXIT_USAGE;
    }
    if (o->day && (o->since || o->until)) {
        msg_error("--day is one whole day: give it without --since and --until");
        return EXIT_USAGE;
    }
    if (o->day && parse_day_arg(o->day, now, &cfg->filter.since, &cfg->filter.until) < 0) {
        msg_error("--day: '%s' is not yesterday, today or a date (2026-11-27)", o->day);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

struct store_config cmd_store_config(const struct options *o, bool write)
{
    struct store_config cfg = {
        .path = o->db, .write = write, .lock_seconds = -1, .force = o->force
    };
    return cfg;
}

struct dnsbl_config cmd_dnsbl_config(const struct options *o)
{
    struct dnsbl_config cfg = {
        .servers = o->dns_servers,
        .n_servers = o->n_dns_servers,
        .timeout_ms = o->dns_timeout_ms,
        .tries = o->dns_tries,
        .max_inflight = o->dns_max_inflight,
        .dqs_key = o->dqs_key,
    };
    return cfg;
}

struct report_config cmd_report_config(const struct options *o)
{
    struct report_config cfg = { .format = o->format, .output = o->output };
    return cfg;
}

void cmd_report_init(struct report *r, const char *command, const struct options *o,
                     struct pipeline *p)
{
    memset(r, 0, sizeof *r);
    r->command = command;
    r->agg = pipeline_aggregate(p);
    r->spool = pipeline_spool(p);
    r->classifier = pipeline_classifier(p);
    r->problems = &problems_global;
    r->top = (size_t)o->top;
    r->detail = o->detail;
    r->causes = o->causes;
    r->disabled_days = o->disabled_days;
    r->delivered = pipeline_deliveries(p, &r->n_delivered);
    r->generated = report_time();
    r->group_by = o->group_by;
}

void cmd_add_our_ips(const struct options *o, struct aggregate *agg)
{
    for (size_t i = 0; i < o->n_our_ips; i++)
        aggregate_add_our_ip(agg, o->our_ips[i]);
}

struct dns_stage *cmd_run_dns(const struct options *o, struct report *r, struct store *store)
{
    struct dnsbl_config cfg = cmd_dnsbl_config(o);
    return dns_stage_run(o->no_dns ? NULL : &cfg, r->agg, store, &r->dns);
}
