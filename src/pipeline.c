/*
 * pipeline.c - the scan loop (see pipeline.h).
 *
 * Per line: header (hand-written, every line), program tag dispatch (no
 * regex for other daemons), the MTA grammar (PCRE2 after a literal check),
 * and only for failures: classification, fingerprint, provider,
 * aggregation. Per line nothing is allocated but the queue state a message
 * needs (correlate.c: its entry, sender, message-id, recipients).
 *
 * Nothing is lost (issue 12): a per-MX failure is a deferral event of its
 * host that leaves the message and its recipients' attempts alone; an expiry
 * or a bounce notice of a message whose recipients the input did not show is
 * one event with an empty recipient; lines that are no attempts are noted.
 * The host that answered is lower-cased, checked against our relays
 * (providers.c) and decides the provider.
 *
 * Not here: reading bytes (reader.c), headers (syslog_header.c), the store (store_*.c),
 * DNS (dns_stage.c) or any output (write_*.c).
 */
#include "pipeline.h"

#include <ctype.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "correlate.h"
#include "fingerprint.h"
#include "line_key.h"
#include "mta.h"
#include "problems.h"
#include "progress.h"
#include "providers.h"
#include "reader.h"
#include "syslog_header.h"
#include "util/intern.h"
#include "util/hashmap.h"
#include "util/u64set.h"
#include "util/xalloc.h"

/* sweep the queue state for idle entries this often (lines) */
#define SWEEP_EVERY 262144
/* tell the progress line this often (lines): a clock read per few thousand lines */
#define PROGRESS_EVERY 4096
/* a line may be this far ahead of the run's clock (zones written wrong, clock
 * skew between hosts) before its time is suspect: the slack header_clock gives a
 * year-less stamp after its file's mtime */
#define FUTURE_SLACK 86400
/* deliveries of multi-recipient messages remembered until a failure of the
 * message may follow (delivered_ring): a message's lines come close together */
#define DELIVERED_RING 512

struct pipeline {
    struct pipeline_config cfg;
    struct mta_parsers *parsers;
    struct classifier *classifier;
    struct fingerprinter *fp;
    struct providers *providers;
    struct correlator *correlator;
    struct aggregate *agg;
    struct event_spool *spool;
    struct scan_stats stats;
    struct strbuf domain, host, tmpl, lower, keytext;
    struct strbuf sent_sender, sent_msgid,
        sent_host; /* a success line's, kept over correlate_attempt */
    /* deliveries worth keeping (track_deliveries, delivered.h) */
    struct delivered_parser *dp;
    struct delivered_ring *ring;
    struct u64set watch; /* hashes of the recipients that had a failure */
    struct delivered **kept;
    size_t n_kept, cap_kept;
    const struct reason *expired_reason;
    /* current line, for the expiry callback */
    const struct log_header *cur_h;
    const struct mta_record *cur_rec;
    struct slice cur_raw;      /* the whole line, for problem examples */
    struct queue_msg *cur_msg; /* the message an expiry is about */
    const char *cur_file;
    uint64_t cur_line;
    struct slice cur_host;
    struct line_occurrences occ; /* identical messages per second, for line keys */
    int64_t latest;              /* newest time of a line that is not suspect: the queue's clock */
    int64_t future_limit;        /* a line after this (the run's time + a day) is suspect */
    bool cur_suspect;            /* the current line's time is suspect (event time_suspect) */
    /* leave a last line without a newline unread (pipeline_hold_unfinished) */
    bool hold_unfinished;
};

/* on_capped - a queue entry dropped because too many are open: counted with the
 * line that opened one too many, its queue id as the example */
static void on_capped(void *ctx, const char *key, size_t keylen)
{
    struct pipeline *p = ctx;
    const char *nul = memchr(key, '\0', keylen);
    struct slice qid = nul ? slice_make(nul + 1, keylen - (size_t)(nul + 1 - key)) : SLICE_EMPTY;
    problem_note(PROBLEM_QUEUE_CAPPED, p->cur_file, p->cur_line, qid);
}

struct pipeline *pipeline_new(const struct pipeline_config *cfg, struct strbuf *err)
{
    struct pipeline *p = xcalloc(1, sizeof *p);
    p->cfg = *cfg;
    if (!(p->parsers = mta_parsers_load(err)) || !(p->classifier = classifier_load(err)) ||
        !(p->fp = fingerprinter_load(err)) || !(p->providers = providers_load(err))) {
        pipeline_free(p);
        return NULL;
    }
    p->expired_reason = classifier_reason(p->classifier, "expired");
    p->future_limit = (cfg->now ? cfg->now : (int64_t)time(NULL)) + FUTURE_SLACK;
    for (size_t i = 0; i < cfg->n_relay_hosts; i++)
        providers_add_relay(p->providers, cfg->relay_hosts[i]);
    p->correlator = correlator_new(cfg->queue_max_age > 0 ? cfg->queue_max_age
                                                          : CORRELATE_MAX_AGE_DAYS * 86400);
    correlate_set_max_live(p->correlator, cfg->queue_max_ids, on_capped, p);
    p->agg = aggregate_new(cfg->group_fields, classifier_reason_count(p->classifier));
    aggregate_set_max_groups(p->agg, cfg->max_groups);
    if (cfg->spool_events)
        p->spool = event_spool_new();
    if (cfg->track_deliveries) {
        if (!(p->dp = delivered_parser_load(err))) {
            pipeline_free(p);
            return NULL;
        }
        p->ring = delivered_ring_new(DELIVERED_RING);
    }
    return p;
}

void pipeline_free(struct pipeline *p)
{
    if (!p)
        return;
    progress_free(p->cfg.progress);
    mta_parsers_free(p->parsers);
    classifier_free(p->classifier);
    fingerprinter_free(p->fp);
    providers_free(p->providers);
    correlator_free(p->correlator);
    aggregate_free(p->agg);
    event_spool_free(p->spool);
    strbuf_free(&p->domain);
    strbuf_free(&p->host);
    strbuf_free(&p->tmpl);
    strbuf_free(&p->lower);
    strbuf_free(&p->keytext);
    strbuf_free(&p->sent_sender);
    strbuf_free(&p->sent_msgid);
    strbuf_free(&p->sent_host);
    delivered_parser_free(p->dp);
    delivered_ring_free(p->ring);
    u64set_free(&p->watch);
    for (size_t i = 0; i < p->n_kept; i++)
        free(p->kept[i]);
    free(p->kept);
    for (size_t i = 0; i < p->stats.n_inputs; i++)
        free(p->stats.inputs[i].name);
    free(p->stats.inputs);
    free(p);
}

struct aggregate *pipeline_aggregate(struct pipeline *p)
{
    return p->agg;
}

struct event_spool *pipeline_spool(struct pipeline *p)
{
    return p->spool;
}

const struct scan_stats *pipeline_stats(const struct pipeline *p)
{
    return &p->stats;
}

struct classifier *pipeline_classifier(struct pipeline *p)
{
    return p->classifier;
}

struct delivered *const *pipeline_deliveries(const struct pipeline *p, size_t *n)
{
    *n = p->n_kept;
    return p->kept;
}

/* watch_key - a recipient compared without regard to ASCII case */
static uint64_t watch_key(struct slice rcpt)
{
    return hash_bytes_ci(rcpt.p, rcpt.n);
}

void pipeline_watch(struct pipeline *p, struct slice recipient)
{
    if (recipient.n)
        u64set_add(&p->watch, watch_key(recipient));
}

/* keep_delivered - a delivery worth keeping: its reply, queue id and provider
 * read from the line it kept (raw), then to the sink and to the list */
static void keep_delivered(void *ctx, const struct delivered *raw)
{
    struct pipeline *p = ctx;
    struct delivered dd = *raw, *d = &dd;
    if (raw->raw) {
        struct slice reply, dsn;
        if (delivered_reply(p->dp, raw->mta, raw->reply, &reply, &dsn)) {
            dd.reply = reply;
            if (!dd.dsn.n)
                dd.dsn = dsn;
            dd.queued_as = delivered_queued_as(p->dp, reply);
        } else {
            dd.reply = SLICE_EMPTY;
        }
        if (!dd.provider.n) {
            const struct provider *prov = provider_for(p->providers, dd.remote_host, dd.domain);
            dd.provider = prov ? slice_cstr(prov->name) : SLICE_EMPTY;
        }
        dd.raw = false;
    }
    if (p->cfg.sink.delivered)
        p->cfg.sink.delivered(p->cfg.sink.ctx, d);
    if (!p->cfg.collect_deliveries)
        return;
    if (p->n_kept == p->cap_kept) {
        p->cap_kept = p->cap_kept ? p->cap_kept * 2 : 64;
        p->kept = xrealloc(p->kept, p->cap_kept * sizeof *p->kept);
    }
    p->kept[p->n_kept++] = delivered_dup(d);
}

/* lower - an ASCII lower-case copy in buf (domains compare case-insensitively) */
static struct slice lower(struct strbuf *buf, struct slice s)
{
    strbuf_reset(buf);
    strbuf_reserve(buf, s.n);
    for (size_t i = 0; i < s.n; i++)
        buf->s[i] = (char)tolower((unsigned char)s.p[i]);
    buf->len = s.n;
    buf->s[s.n] = '\0';
    return strbuf_slice(buf);
}

static bool domain_matches(const char *want, struct slice domain)
{
    size_t n = strlen(want);
    if (domain.n < n)
        return false;
    const char *tail = domain.p + domain.n - n;
    if (strncasecmp(tail, want, n) != 0)
        return false;
    return domain.n == n || tail[-1] == '.';
}

static bool sender_matches(const char *want, struct slice sender)
{
    if (want[0] == '@')
        return domain_matches(want + 1, recipient_domain(sender));
    return strlen(want) == sender.n && strncasecmp(want, sender.p, sender.n) == 0;
}

/* passes - whether an event (or a sent delivery) is inside the filters */
static bool passes(const struct pipeline_filter *f, enum delivery_status st, struct slice domain,
                   struct slice sender, int64_t when)
{
    if (f->statuses && st != DELIVERY_SENT && !(f->statuses & (1u << st)))
        return false;
    if (f->domain && !domain_matches(f->domain, domain))
        return false;
    if (f->sender && !sender_matches(f->sender, sender))
        return false;
    if (f->since && when < f->since)
        return false;
    if (f->until && when >= f->until)
        return false;
    return true;
}

/* count_event - add a filtered-in event to the aggregate, the spool and the
 * sink; its group id (0 when filtered out) */
static uint32_t count_event(struct pipeline *p, const struct event *e)
{
    if (!passes(&p->cfg.filter, e->status, e->domain, e->sender, e->when))
        return 0;
    uint32_t group = aggregate_add(p->agg, e);
    if (p->spool)
        event_spool_write(p->spool, e);
    if (p->cfg.sink.event)
        p->cfg.sink.event(p->cfg.sink.ctx, e);
    /* a recipient that failed: its later deliveries are kept (delivered.h) */
    if (p->cfg.track_deliveries && e->recipient.n &&
        u64set_add(&p->watch, watch_key(e->recipient)) && p->cfg.sink.watch)
        p->cfg.sink.watch(p->cfg.sink.ctx, e->recipient, e->when);
    return group;
}

/* record_event - correlate, count and spool one failure event.
 * A deferral is added to the aggregate first: the copy the correlator keeps
 * must carry its group id, so a later success can be credited to the group. */
static void record_event(struct pipeline *p, struct event *e, struct queue_msg *m,
                         struct slice rcpt)
{
    struct attempt_info info = { 0 };
    if (m) {
        /* attempts are known before the event is counted: peek by recording */
        if (e->status == DELIVERY_DEFERRED)
            e->attempts = correlate_peek_deferrals(m, rcpt) + 1;
        else
            e->attempts = correlate_peek_deferrals(m, rcpt);
    }
    /* the message's first failure: its deliveries remembered so far are kept */
    if (m && p->ring && !queue_msg_had_failure(m))
        delivered_ring_take(p->ring, p->cur_host, e->qid, keep_delivered, p);
    uint32_t group = count_event(p, e);
    /* last: a final status may end the message, and e->sender points into it */
    if (m)
        correlate_attempt(p->correlator, m, p->cur_host, e->qid, rcpt, e, group, &info);
}

/* classify_into - fill the classification fields of e from its text */
static void classify_into(struct pipeline *p, struct event *e, const struct mta_record *rec,
                          bool our_relay)
{
    struct classify_input in = {
        .text = e->text,
        .dsn = rec->dsn,
        .stage = rec->stage,
        .remote_host = e->remote_host,
        .remote_ip = e->remote_ip,
        .status = e->status,
        .text_source = rec->text_source,
        .our_relay = our_relay,
    };
    struct classification out;
    classify(p->classifier, &in, &out);
    e->reason = out.reason;
    e->own_fault = out.own;
    e->blocklist = out.blocklist;
    e->implicated_ip = out.implicated_ip;
    /* the classifier's dsn buffer is on our stack: copy it into the line scratch */
    strbuf_reset(&p->lower);
    strbuf_adds(&p->lower, out.dsn);
    /* The MTA's own words are coarse: Sendmail writes "Connection refused by
     * mx." both for a refused connection (4.4.1) and for one lost at the
     * greeting (4.4.2). Its status code is part of what it says, so it is
     * part of the fingerprint of local and generic texts. A remote reply
     * carries its own codes. */
    struct slice keyed = e->text;
    if (rec->text_source != TEXT_REMOTE_REPLY && out.dsn[0]) {
        strbuf_reset(&p->keytext);
        strbuf_adds(&p->keytext, out.dsn);
        strbuf_addc(&p->keytext, ' ');
        strbuf_add(&p->keytext, e->text.p, e->text.n);
        keyed = strbuf_slice(&p->keytext);
    }
    e->fingerprint = fingerprint(p->fp, keyed, &p->tmpl);
    e->template_text = strbuf_slice(&p->tmpl);
}

/* remote_host - the host that answered, lower case and without a trailing dot
 * (smtp2.AZET.SK and smtp2.azet.sk are one host; Sendmail writes MX names with
 * a dot): into p->host, valid for this line */
static struct slice remote_host(struct pipeline *p, struct slice host)
{
    while (host.n && host.p[host.n - 1] == '.')
        host.n--;
    return lower(&p->host, host);
}

/* failure_event - the event of a failure line for rcpt (which may be empty),
 * classified; its slices point into the line, p's scratch buffers and m */
static void failure_event(struct pipeline *p, const struct log_header *h,
                          const struct mta_record *rec, struct slice rcpt, struct slice domain,
                          struct queue_msg *m, struct event *e)
{
    struct slice host = remote_host(p, rec->relay_host);
    /* a relay of ours answered: its reply is about our relay, not about the
     * recipient's provider (issue 12 item 6) */
    bool ours =
        rec->relay_ours || provider_is_relay(p->providers, host, rec->relay_ip, rec->relay_port);
    const struct provider *prov =
        ours ? provider_relay(p->providers) : provider_for(p->providers, host, domain);
    *e = (struct event){
        .when = h->when,
        .tz_minutes = h->tz_minutes,
        .status = rec->status,
        .qid = rec->qid,
        .sender = queue_msg_sender(m),
        .recipient = rcpt,
        .domain = domain,
        .remote_host = host,
        .remote_ip = rec->relay_ip,
        .text = rec->text,
        .stage = rec->stage,
        .message_id = queue_msg_message_id(m),
        .provider = prov ? slice_cstr(prov->name) : SLICE_EMPTY,
        .text_source = rec->text_source,
        .text_shortened = rec->text_shortened,
        .file = p->cur_file,
        .line = p->cur_line,
        .time_suspect = p->cur_suspect,
    };
    classify_into(p, e, rec, ours);
    e->dsn = rec->dsn.n ? rec->dsn : strbuf_slice(&p->lower);
}

/* track_delivery - keep a success that ends a failure's story: of a recipient
 * that failed before (now or in an earlier run), or of a message that had a
 * failure; a success of a message of several recipients that has not failed
 * (yet) goes to the ring, kept if a failure of the message follows */
static void track_delivery(struct pipeline *p, const struct log_header *h,
                           const struct mta_record *rec, struct slice rcpt, struct slice domain,
                           unsigned prior_deferrals, bool failed_before, int open)
{
    bool watched = rcpt.n && p->watch.count && u64set_has(&p->watch, watch_key(rcpt));
    bool keep = prior_deferrals || failed_before || watched;
    /* held back only while other recipients of the message are still open */
    if (!keep && !(open > 1 && rec->qid.n))
        return;
    struct delivered d = {
        .when = h->when,
        .tz_minutes = h->tz_minutes,
        .qid = rec->qid,
        .sender = strbuf_slice(&p->sent_sender),
        .recipient = rcpt,
        .domain = domain,
        .remote_ip = rec->relay_ip,
        .message_id = strbuf_slice(&p->sent_msgid),
        .attempts = prior_deferrals,
        .file = p->cur_file,
        .line = p->cur_line,
    };
    /* the host as failures show it: lower case, no trailing dot (sent_host: the
     * pipeline's host buffer is the failure path's) */
    struct slice host = rec->relay_host;
    while (host.n && host.p[host.n - 1] == '.')
        host.n--;
    d.remote_host = lower(&p->sent_host, host);
    d.mta = rec->mta;
    d.dsn = rec->dsn;
    if (rec->relay_ours ||
        provider_is_relay(p->providers, d.remote_host, rec->relay_ip, rec->relay_port))
        d.provider = slice_cstr(provider_relay(p->providers)->name);
    /* the reply, its queue id and the provider are read when the delivery is
     * kept (keep_delivered): most held in the ring never see a failure */
    d.reply = h->message;
    d.raw = true;
    if (keep)
        keep_delivered(p, &d);
    else
        delivered_ring_put(p->ring, p->cur_host, &d);
}

static void handle_delivery(struct pipeline *p, const struct log_header *h,
                            const struct mta_record *rec, struct slice rcpt)
{
    struct slice domain = lower(&p->domain, recipient_domain(rcpt));
    struct queue_msg *m = correlate_msg(p->correlator, p->cur_host, rec->qid, h->when, true);
    if (rec->status == DELIVERY_SENT) {
        /* the sender and message-id are copied: the attempt may end the message */
        strbuf_reset(&p->sent_sender);
        struct slice s = queue_msg_sender(m);
        strbuf_add(&p->sent_sender, s.p, s.n);
        struct slice sender = strbuf_slice(&p->sent_sender);
        bool failed_before = queue_msg_had_failure(m);
        int open = queue_msg_open(m);
        if (p->cfg.track_deliveries) {
            strbuf_reset(&p->sent_msgid);
            s = queue_msg_message_id(m);
            strbuf_add(&p->sent_msgid, s.p, s.n);
        }
        struct attempt_info info = { 0 };
        if (m)
            correlate_attempt(p->correlator, m, p->cur_host, rec->qid, rcpt, NULL, 0, &info);
        if (p->cfg.track_deliveries &&
            passes(&p->cfg.filter, DELIVERY_SENT, domain, sender, h->when))
            track_delivery(p, h, rec, rcpt, domain, info.prior_deferrals, failed_before, open);
        if (passes(&p->cfg.filter, DELIVERY_SENT, domain, sender, h->when)) {
            /* no provider lookup here: the domain table shows it only for
             * domains with failures, which look it up themselves */
            aggregate_sent(p->agg, domain, SLICE_EMPTY, h->when, h->tz_minutes);
            if (p->cfg.sink.sent)
                p->cfg.sink.sent(p->cfg.sink.ctx, domain, SLICE_EMPTY, h->when, h->tz_minutes);
            if (p->cfg.sink.sent_sender)
                p->cfg.sink.sent_sender(p->cfg.sink.ctx, sender, h->when, h->tz_minutes);
            if (info.prior_deferrals && info.last_group)
                aggregate_delivered_later(p->agg, info.last_group);
        }
        return;
    }
    struct event e;
    failure_event(p, h, rec, rcpt, domain, m, &e);
    /* Sendmail logs one to= line per MX host it tried: two deferrals of one
     * recipient in the same second are one attempt of the recipient (mx1, then
     * mx2) - and each a deferral by its host */
    if (rec->mta == MTA_SENDMAIL && rec->status == DELIVERY_DEFERRED && m &&
        correlate_last_deferral_time(m, rcpt) == h->when) {
        p->stats.per_mx_lines++;
        e.attempts = correlate_peek_deferrals(m, rcpt);
        count_event(p, &e);
        return;
    }
    record_event(p, &e, m, rcpt);
}

/* handle_per_mx - a host failed before the next was tried (RECORD_PER_MX): a
 * deferral by that host, counted for it; the message and its recipients are
 * left as they are - the final status line decides their fate */
static void handle_per_mx(struct pipeline *p, const struct log_header *h,
                          const struct mta_record *rec)
{
    problem_note(PROBLEM_PER_MX, p->cur_file, p->cur_line, p->cur_raw);
    struct queue_msg *m =
        rec->qid.n ? correlate_msg(p->correlator, p->cur_host, rec->qid, h->when, false) : NULL;
    struct event e;
    failure_event(p, h, rec, SLICE_EMPTY, SLICE_EMPTY, m, &e);
    count_event(p, &e);
}

/* unknown_rcpt_event - an expiry or bounce of rec->qid whose recipients the
 * input did not show (a rotated log read without its history): one event with
 * an empty recipient, so it is counted and shown rather than lost */
static void unknown_rcpt_event(struct pipeline *p, const struct log_header *h,
                               const struct mta_record *rec, struct queue_msg *m,
                               enum delivery_status status)
{
    problem_note(PROBLEM_UNKNOWN_RCPT, p->cur_file, p->cur_line, p->cur_raw);
    struct event e;
    struct mta_record r = *rec;
    r.status = status;
    if (!r.text.n)
        r.text = h->message;
    failure_event(p, h, &r, SLICE_EMPTY, SLICE_EMPTY, m, &e);
    if (status == DELIVERY_EXPIRED && p->expired_reason)
        e.reason = p->expired_reason;
    if (rec->sender.n)
        e.sender = rec->sender;
    count_event(p, &e);
}

/* on_expire - correlate_expire callback: one expired event per pending recipient */
static void on_expire(void *ctx, struct slice rcpt, const struct event *last, unsigned attempts,
                      uint32_t group_id)
{
    struct pipeline *p = ctx;
    const struct log_header *h = p->cur_h;
    struct event e;
    (void)group_id;
    if (last) {
        /* an expiry keeps the reason of its last deferral: that is what the admin must fix */
        e = *last;
    } else {
        memset(&e, 0, sizeof e);
        e.recipient = rcpt;
        e.domain = lower(&p->domain, recipient_domain(rcpt));
        e.reason = p->expired_reason;
        e.qid = p->cur_rec->qid;
        e.text = p->cur_rec->text.n ? p->cur_rec->text : h->message;
        e.text_source = TEXT_LOCAL;
        e.fingerprint = fingerprint(p->fp, e.text, &p->tmpl);
        e.template_text = strbuf_slice(&p->tmpl);
        e.message_id = queue_msg_message_id(p->cur_msg);
        const struct provider *prov = provider_for(p->providers, SLICE_EMPTY, e.domain);
        e.provider = prov ? slice_cstr(prov->name) : SLICE_EMPTY;
    }
    e.status = DELIVERY_EXPIRED;
    e.when = h->when;
    e.tz_minutes = h->tz_minutes;
    e.file = p->cur_file;
    e.line = p->cur_line;
    e.time_suspect = p->cur_suspect;
    e.attempts = attempts;
    if (p->cur_rec->sender.n && !e.sender.n)
        e.sender = p->cur_rec->sender;
    if (!e.sender.n)
        e.sender = queue_msg_sender(p->cur_msg);
    count_event(p, &e);
}

/* handle_expired - a queue lifetime ended (RECORD_EXPIRED) */
static void handle_expired(struct pipeline *p, const struct log_header *h,
                           const struct mta_record *rec)
{
    struct queue_msg *m = correlate_msg(p->correlator, p->cur_host, rec->qid, h->when, false);
    if (!m && !rec->recipients.n && correlate_recently_ended(p->correlator, p->cur_host, rec->qid))
        return; /* Sendmail's DSN expiry line after the per-recipient ones ended the message */
    if (!m)
        m = correlate_msg(p->correlator, p->cur_host, rec->qid, h->when, true);
    p->cur_msg = m;
    if (rec->recipients.n) {
        size_t pos = 0;
        struct slice rcpt;
        while (delivery_next_recipient(rec->recipients, &pos, &rcpt))
            correlate_expire(p->correlator, m, rcpt, on_expire, p);
        /* Sendmail logs no removal: an expiry that ends every recipient ends the message */
        if (m && queue_msg_finished(m))
            correlate_drop(p->correlator, p->cur_host, rec->qid);
    } else {
        bool before = m && queue_msg_had_expiry(m);
        unsigned n = m ? correlate_expire(p->correlator, m, SLICE_EMPTY, on_expire, p) : 0;
        /* nothing pending that the input showed, and no recipient of it expired
         * before: its recipients are not in the input - one event, not none */
        if (!n && !before)
            unknown_rcpt_event(p, h, rec, m, DELIVERY_EXPIRED);
        /* a message-level expiry ends the whole message */
        if (rec->qid.n)
            correlate_drop(p->correlator, p->cur_host, rec->qid);
    }
    p->cur_msg = NULL;
}

/* handle_notify - a non-delivery notification was sent for the message
 * (RECORD_NOTIFY): nothing new for a message the input showed failing (it is
 * in the queue state with a failure, or ended moments ago: its failure lines
 * were read); a bounce of unknown recipients for one it never showed or only
 * showed delivered. A message that is in the
 * queue state counts as shown even when its failure line is not: that line
 * was then reported as unread, and the queue state may come from an earlier
 * run, which keeps no record of the message's failures. */
static void handle_notify(struct pipeline *p, const struct log_header *h,
                          const struct mta_record *rec)
{
    if (!rec->qid.n)
        return;
    struct queue_msg *m = correlate_msg(p->correlator, p->cur_host, rec->qid, h->when, false);
    if (m && !queue_msg_had_failure(m)) {
        /* its recipients were only seen delivered (a local alias or forward that
         * failed later, a line not in the excerpt): the notice is the one failure */
        unknown_rcpt_event(p, h, rec, m, DELIVERY_BOUNCED);
        queue_msg_mark_failure(m);
        return;
    }
    if (m || correlate_recently_ended(p->correlator, p->cur_host, rec->qid))
        return;
    unknown_rcpt_event(p, h, rec, NULL, DELIVERY_BOUNCED);
    /* count it once: the postmaster's copy of the notice follows; an entry
     * created and dropped is remembered as ended */
    correlate_msg(p->correlator, p->cur_host, rec->qid, h->when, true);
    correlate_drop(p->correlator, p->cur_host, rec->qid);
}

static void handle_record(struct pipeline *p, const struct log_header *h,
                          const struct mta_record *rec)
{
    struct queue_msg *m;
    switch (rec->kind) {
    case RECORD_MESSAGE:
        p->stats.mta_lines++;
        m = correlate_msg(p->correlator, p->cur_host, rec->qid, h->when, true);
        if (!m)
            break;
        if (rec->sender.n || rec->size >= 0)
            queue_msg_set_sender(m, rec->sender);
        if (rec->message_id.n)
            queue_msg_set_message_id(m, rec->message_id);
        queue_msg_set_size(m, rec->size, rec->nrcpt);
        break;
    case RECORD_REMOVED:
        p->stats.mta_lines++;
        correlate_drop(p->correlator, p->cur_host, rec->qid);
        break;
    case RECORD_EXPIRED:
        p->stats.mta_lines++;
        handle_expired(p, h, rec);
        break;
    case RECORD_DELIVERY: {
        p->stats.mta_lines++;
        p->stats.delivery_lines++;
        size_t pos = 0;
        struct slice rcpt;
        if (!rec->recipients.n) {
            /* Postfix "to=<>": a delivery with no recipient address is still one */
            handle_delivery(p, h, rec, SLICE_EMPTY);
            break;
        }
        while (delivery_next_recipient(rec->recipients, &pos, &rcpt))
            handle_delivery(p, h, rec, rcpt);
        break;
    }
    case RECORD_PER_MX:
        p->stats.mta_lines++;
        handle_per_mx(p, h, rec);
        break;
    case RECORD_NOTIFY:
        p->stats.mta_lines++;
        handle_notify(p, h, rec);
        break;
    case RECORD_SKIPPED:
        p->stats.mta_lines++;
        problem_note(PROBLEM_NOT_ATTEMPT, p->cur_file, p->cur_line, p->cur_raw);
        break;
    case RECORD_OTHER:
        p->stats.other_lines++;
        break;
    }
}

/* already_stored - whether the sink (the history) has recorded this line before.
 * Only lines whose effects are stored are asked about: deliveries (events and
 * sent counts), expiries, per-MX failures and notices. A line that only tells
 * the queue state (from=, message-id=, removed) does the same again when read
 * twice, and a skipped delivery line also leaves the queue state alone. */
static bool already_stored(struct pipeline *p, const struct log_header *h,
                           const struct mta_record *rec)
{
    if (rec->kind != RECORD_DELIVERY && rec->kind != RECORD_EXPIRED && rec->kind != RECORD_PER_MX &&
        rec->kind != RECORD_NOTIFY)
        return false;
    struct line_id id = { .when = h->when, .text = line_text_hash(h->message) };
    id.occurrence = line_occurrence(&p->occ, id.when, id.text);
    return p->cfg.sink.line(p->cfg.sink.ctx, &id);
}

/* process_line - one line through header, MTA grammar and the record handlers */
static void process_line(struct pipeline *p, struct header_clock *clock, struct input_stats *in,
                         const char *file, struct slice line)
{
    struct log_header h;
    struct mta_record rec;
    if (line.n == 0)
        return;
    bool bad_time = false;
    bool no_stamp = false;
    if (!header_parse(line, clock, &h, &bad_time) &&
        !header_parse_compose(line, clock, &h, &bad_time)) {
        if (bad_time || !header_parse_nostamp(line, clock, &h)) {
            problem_note(bad_time ? PROBLEM_BAD_TIME : PROBLEM_UNKNOWN_HEADER, file, p->cur_line,
                         line);
            return;
        }
        /* an MTA's line without its stamp: read, its time unknown (flagged like a
         * suspect time, never the input's span or the queue's clock) */
        no_stamp = true;
        in->no_stamp++;
        problem_note(PROBLEM_NO_STAMP, file, p->cur_line, line);
    }
    /* times are shown in the local zone, whatever offset the line was written
     * with (a journal entry has none): see header_local_minutes */
    if (h.tz_known)
        h.tz_minutes = header_local_minutes(h.when);
    p->cur_h = &h;
    p->cur_rec = &rec;
    p->cur_raw = line;
    p->stats.header_formats[h.format & 15]++;
    /* A time more than a day after the run's clock (a clock glitch, garbage in a
     * damaged file), or a year-less stamp after its file was last written (only
     * --year can give one: the clock otherwise picks the year before), is kept
     * and flagged - never the queue's clock, the input's span or the store's
     * reference for retention, so one line dated 2099 cannot age out or prune
     * everything else. */
    p->cur_suspect = no_stamp || h.when > p->future_limit ||
                     (h.format == HEADER_RFC3164 && h.when > clock->limit);
    if (no_stamp) {
        /* noted above */
    } else if (p->cur_suspect) {
        problem_note(PROBLEM_FUTURE_TIME, file, p->cur_line, line);
    } else {
        if (!in->first || h.when < in->first)
            in->first = h.when;
        if (h.when > in->last)
            in->last = h.when;
        if (h.when > p->latest)
            p->latest = h.when;
    }
    p->cur_host = h.host;
    log_hosts_note(&p->stats.hosts, h.host);
    if (!mta_parse(p->parsers, &h, &rec)) {
        problem_note(PROBLEM_UNPARSED, file, p->cur_line, line);
        p->stats.other_lines++;
        return;
    }
    if (p->cfg.sink.line && already_stored(p, &h, &rec)) {
        p->stats.mta_lines++;
        problem_note(PROBLEM_ALREADY_STORED, file, p->cur_line, line);
        return;
    }
    handle_record(p, &h, &rec);
}

struct correlator *pipeline_correlator(struct pipeline *p)
{
    return p->correlator;
}

void pipeline_hold_unfinished(struct pipeline *p, bool hold)
{
    p->hold_unfinished = hold;
}

/* sweep - age out the queue entries idle longer than the queue's maximum age of log
 * time, each counted (PROBLEM_QUEUE_EVICTED) at the current line */
static void sweep(struct pipeline *p, const char *file)
{
    uint64_t gone = correlate_sweep(p->correlator, p->latest);
    for (uint64_t i = 0; i < gone; i++)
        problem_note(PROBLEM_QUEUE_EVICTED, file, p->cur_line, SLICE_EMPTY);
}

int pipeline_read(struct pipeline *p, const char *path, struct strbuf *err)
{
    return pipeline_read_from(p, path, 0, 0, err);
}

/* begin_progress - the progress line of a file: its size, and how far it is read */
static void begin_progress(struct pipeline *p, const char *path, struct reader *r)
{
    if (!p->cfg.progress)
        return;
    struct stat st;
    uint64_t total =
        strcmp(path, "-") && stat(path, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    progress_begin(p->cfg.progress, reader_name(r), total, reader_compressed_bytes(r));
}

int pipeline_read_from(struct pipeline *p, const char *path, uint64_t offset, uint64_t start_line,
                       struct strbuf *err)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    p->stats.inputs = xrealloc(p->stats.inputs, (p->stats.n_inputs + 1) * sizeof *p->stats.inputs);
    struct input_stats *in = &p->stats.inputs[p->stats.n_inputs++];
    memset(in, 0, sizeof *in);
    struct reader *r = offset ? reader_open_offset(path, offset, err) : reader_open(path, err);
    if (!r) {
        in->name = xstrdup(path);
        in->failed = true;
        return -1;
    }
    if (start_line)
        reader_set_line(r, start_line);
    in->name = xstrdup(reader_name(r));
    in->gzip = reader_is_gzip(r);
    in->compression = reader_compression(r);
    const char *file = reader_name(r);
    struct header_clock clock;
    header_clock_init(&clock, reader_mtime(r), p->cfg.year);
    line_occurrences_reset(&p->occ);
    begin_progress(p, path, r);
    struct slice line;
    p->cur_file = file;
    uint64_t lines = 0;
    /* how far the lines read whole go: what a checkpoint may commit */
    uint64_t done_offset = reader_offset(r), done_line = reader_line(r);
    while (reader_next(r, &line)) {
        /* A last line without its newline is not read when it cannot be whole: the
         * fragment before the cut of a compressed file (logrotate still compressing
         * it), or - for a store that will read the file again - a line syslog is
         * still writing. Not reading it, rather than undoing it afterwards, keeps
         * every effect it would have (events, attempts, a message ended and its
         * sender forgotten) out of this run; the next run reads it whole. */
        if (reader_partial_tail(r) && (reader_tail_cut(r) || p->hold_unfinished)) {
            if (!reader_tail_cut(r))
                problem_note(PROBLEM_UNFINISHED_LINE, file, reader_line(r), line);
            continue; /* the next reader_next ends the input (and notes a cut) */
        }
        lines++;
        p->cur_line = reader_line(r);
        process_line(p, &clock, in, file, line);
        if (p->cfg.progress && (lines & (PROGRESS_EVERY - 1)) == 0)
            progress_tick(p->cfg.progress, reader_compressed_bytes(r), lines);
        done_offset = reader_offset(r);
        done_line = reader_line(r);
        /* every line counts towards a checkpoint, parsed or not, so a store's
         * batches stay bounded whatever the log holds */
        if (p->cfg.sink.checkpoint && lines % PIPELINE_CHECKPOINT_LINES == 0)
            p->cfg.sink.checkpoint(p->cfg.sink.ctx, file, done_offset, done_line);
        if ((lines & (SWEEP_EVERY - 1)) == 0)
            sweep(p, file);
    }
    /* queue ageing at the end of every input, not only every SWEEP_EVERY lines: a
     * nightly run reads far fewer lines, and its messages of weeks ago must go;
     * before the checkpoint, so the store drops them in the same commit */
    sweep(p, file);
    if (p->cfg.sink.checkpoint)
        p->cfg.sink.checkpoint(p->cfg.sink.ctx, file, done_offset, done_line);
    progress_end(p->cfg.progress);
    in->lines = done_line - start_line;
    /* a compressed copy shorter than the offset it was asked to start at ends before it */
    in->bytes = done_offset > offset ? done_offset - offset : 0;
    in->compressed_bytes = reader_compressed_bytes(r);
    p->stats.lines += in->lines;
    p->stats.bytes += in->bytes;
    if (in->first && (!p->stats.first || in->first < p->stats.first))
        p->stats.first = in->first;
    if (in->last > p->stats.last)
        p->stats.last = in->last;
    reader_close(r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    p->stats.seconds += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return 0;
}

void pipeline_input_failed(struct pipeline *p, const char *name)
{
    p->stats.inputs = xrealloc(p->stats.inputs, (p->stats.n_inputs + 1) * sizeof *p->stats.inputs);
    struct input_stats *in = &p->stats.inputs[p->stats.n_inputs++];
    memset(in, 0, sizeof *in);
    in->name = xstrdup(name);
    in->compression = "";
    in->failed = true;
}

void pipeline_read_lines(struct pipeline *p, const struct pipeline_lines *src, uint64_t start_line)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    p->stats.inputs = xrealloc(p->stats.inputs, (p->stats.n_inputs + 1) * sizeof *p->stats.inputs);
    struct input_stats *in = &p->stats.inputs[p->stats.n_inputs++];
    memset(in, 0, sizeof *in);
    const char *name = intern(src->name); /* events and problem examples borrow it */
    in->name = xstrdup(name);
    in->compression = "";
    struct header_clock clock;
    header_clock_init(&clock, time(NULL), p->cfg.year);
    line_occurrences_reset(&p->occ);
    p->cur_file = name;
    progress_begin(p->cfg.progress, name, 0, 0);
    uint64_t lines = 0, bytes = 0;
    struct slice line;
    while (src->next(src->ctx, &line)) {
        lines++;
        bytes += line.n + 1;
        p->cur_line = start_line + lines;
        process_line(p, &clock, in, name, line);
        if (p->cfg.progress && (lines & (PROGRESS_EVERY - 1)) == 0)
            progress_tick(p->cfg.progress, bytes, lines);
        if (p->cfg.sink.checkpoint && lines % PIPELINE_CHECKPOINT_LINES == 0)
            p->cfg.sink.checkpoint(p->cfg.sink.ctx, name, bytes, p->cur_line);
        if ((lines & (SWEEP_EVERY - 1)) == 0) {
            uint64_t gone = correlate_sweep(p->correlator, p->latest);
            for (uint64_t i = 0; i < gone; i++)
                problem_note(PROBLEM_QUEUE_EVICTED, name, p->cur_line, SLICE_EMPTY);
        }
    }
    if (p->cfg.sink.checkpoint)
        p->cfg.sink.checkpoint(p->cfg.sink.ctx, name, bytes, start_line + lines);
    progress_end(p->cfg.progress);
    in->lines = lines;
    in->bytes = bytes;
    p->stats.lines += lines;
    p->stats.bytes += bytes;
    if (in->first && (!p->stats.first || in->first < p->stats.first))
        p->stats.first = in->first;
    if (in->last > p->stats.last)
        p->stats.last = in->last;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    p->stats.seconds += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

void pipeline_finish(struct pipeline *p)
{
    p->stats.queue_live = correlate_live(p->correlator);
    p->stats.queue_evicted = correlate_evicted(p->correlator) + correlate_capped(p->correlator);
    p->stats.tz_minutes = aggregate_totals(p->agg)->tz_minutes;
}

/* ---- --since / --until ------------------------------------------------ */

int parse_time_arg(const char *s, int64_t now, int64_t *out)
{
    char *end;
    if (!strcmp(s, "today") || !strcmp(s, "yesterday")) {
        time_t t = (time_t)now;
        struct tm tm;
        localtime_r(&t, &tm);
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        if (!strcmp(s, "yesterday"))
            tm.tm_mday--;
        tm.tm_isdst = -1;
        *out = (int64_t)mktime(&tm);
        return 0;
    }
    long n = strtol(s, &end, 10);
    /* n <= INT32_MAX: n * unit must not overflow (--since 99999999999999999d) */
    if (end != s && n >= 0 && n <= INT32_MAX &&
        (!strcmp(end, "d") || !strcmp(end, "h") || !strcmp(end, "m"))) {
        int64_t unit = *end == 'd' ? 86400 : *end == 'h' ? 3600 : 60;
        *out = now - (int64_t)n * unit;
        return 0;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *rest = strptime(s, "%Y-%m-%d", &tm);
    if (!rest)
        return -1;
    if (*rest == 'T' || *rest == ' ') {
        const char *r2 = strptime(rest + 1, "%H:%M:%S", &tm);
        if (!r2)
            r2 = strptime(rest + 1, "%H:%M", &tm);
        if (!r2)
            return -1;
        rest = r2;
    }
    if (*rest)
        return -1;
    tm.tm_isdst = -1;
    *out = (int64_t)mktime(&tm);
    return 0;
}

int parse_day_arg(const char *s, int64_t now, int64_t *since, int64_t *until)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!strcmp(s, "today") || !strcmp(s, "yesterday")) {
        time_t t = (time_t)now;
        localtime_r(&t, &tm);
        if (!strcmp(s, "yesterday"))
            tm.tm_mday--;
    } else {
        const char *rest = strptime(s, "%Y-%m-%d", &tm);
        if (!rest || *rest)
            return -1;
    }
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    struct tm next = tm;
    next.tm_mday++; /* mktime normalises the month; the next midnight, whatever DST does */
    time_t a = mktime(&tm), b = mktime(&next);
    if (a == (time_t)-1 || b == (time_t)-1)
        return -1;
    *since = (int64_t)a;
    *until = (int64_t)b;
    return 0;
}
