/*
 * event.c - the event column table, owned copies and the event spool.
 */
#include "event.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "syslog_header.h"
#include "util/msg.h"
#include "util/xalloc.h"

static const struct {
    const char *name;
    const char *help;
} columns[COL_COUNT] = {
    [COL_TIME] = { "time", "time of the log line, ISO 8601 with offset" },
    [COL_STATUS] = { "status", "deferred, bounced or expired" },
    [COL_QUEUE_ID] = { "queue_id", "the MTA's queue id" },
    [COL_SENDER] = { "sender", "envelope sender, when the log names it" },
    [COL_RECIPIENT] = { "recipient", "recipient address" },
    [COL_RECIPIENT_DOMAIN] = { "recipient_domain", "domain of the recipient (lower case)" },
    [COL_REMOTE_HOST] = { "remote_host", "the receiving server's name" },
    [COL_REMOTE_IP] = { "remote_ip", "the receiving server's address" },
    [COL_PROVIDER] = { "provider", "mail provider of the remote host (patterns/providers.conf)" },
    [COL_DSN] = { "dsn", "enhanced status code" },
    [COL_REASON] = { "reason", "reason class (patterns/reasons.conf)" },
    [COL_BLOCKLIST] = { "blocklist",
                        "blocklist the rejection names (patterns/blocklists.conf id)" },
    [COL_IMPLICATED_IP] = { "implicated_ip", "our sending IP that the rejection names" },
    [COL_IMPLICATED_IP_STATUS] = { "implicated_ip_status",
                                   "listed, not_listed, unknown or unchecked" },
    [COL_IMPLICATED_IP_LISTS] = { "implicated_ip_lists", "zones listing it, with codes" },
    [COL_FINGERPRINT] = { "fingerprint", "64-bit key of the reason text's template (hex)" },
    [COL_ATTEMPTS] = { "attempts", "deferrals of this recipient so far" },
    [COL_STAGE] = { "stage", "SMTP stage the remote server answered (RCPT TO, DATA, ...)" },
    [COL_TEXT_SOURCE] = { "text_source", "remote_reply, local (the MTA's words) or generic (log "
                                         "lacks the reply)" },
    [COL_TEXT] = { "text", "the reason text as logged" },
    [COL_MESSAGE_ID] = { "message_id", "Message-ID, when the log names it" },
    [COL_FILE] = { "file", "input file" },
    [COL_LINE] = { "line", "1-based line number in file" },
};

const char *event_column_name(enum event_column c)
{
    return columns[c].name;
}

const char *event_column_help(enum event_column c)
{
    return columns[c].help;
}

const char *text_source_name(enum text_source s)
{
    switch (s) {
    case TEXT_REMOTE_REPLY:
        return "remote_reply";
    case TEXT_LOCAL:
        return "local";
    default:
        return "generic";
    }
}

static void add_slice(struct strbuf *out, struct slice s)
{
    strbuf_add(out, s.p, s.n);
}

void event_column_value(const struct event *e, enum event_column c,
                        const struct ip_status_lookup *ips, struct strbuf *out)
{
    char buf[40];
    switch (c) {
    case COL_TIME:
        format_iso_time(e->when, e->tz_minutes, buf, sizeof buf);
        strbuf_adds(out, buf);
        break;
    case COL_STATUS:
        strbuf_adds(out, delivery_status_name(e->status));
        break;
    case COL_QUEUE_ID:
        add_slice(out, e->qid);
        break;
    case COL_SENDER:
        add_slice(out, e->sender);
        break;
    case COL_RECIPIENT:
        add_slice(out, e->recipient);
        break;
    case COL_RECIPIENT_DOMAIN:
        add_slice(out, e->domain);
        break;
    case COL_REMOTE_HOST:
        add_slice(out, e->remote_host);
        break;
    case COL_REMOTE_IP:
        add_slice(out, e->remote_ip);
        break;
    case COL_PROVIDER:
        add_slice(out, e->provider);
        break;
    case COL_DSN:
        add_slice(out, e->dsn);
        break;
    case COL_REASON:
        strbuf_adds(out, e->reason ? e->reason->name : "");
        break;
    case COL_BLOCKLIST:
        strbuf_adds(out, e->blocklist ? e->blocklist->id : "");
        break;
    case COL_IMPLICATED_IP:
        add_slice(out, e->implicated_ip);
        break;
    case COL_IMPLICATED_IP_STATUS:
    case COL_IMPLICATED_IP_LISTS: {
        if (!e->implicated_ip.n)
            break;
        const char *status = "unchecked";
        struct strbuf lists = STRBUF_INIT;
        if (ips && ips->lookup)
            ips->lookup(ips->ctx, e->implicated_ip, &status, &lists);
        if (c == COL_IMPLICATED_IP_STATUS)
            strbuf_adds(out, status);
        else
            strbuf_add(out, lists.s ? lists.s : "", lists.len);
        strbuf_free(&lists);
        break;
    }
    case COL_FINGERPRINT:
        fingerprint_hex(e->fingerprint, buf);
        strbuf_adds(out, buf);
        break;
    case COL_ATTEMPTS:
        strbuf_addf(out, "%u", e->attempts);
        break;
    case COL_STAGE:
        add_slice(out, e->stage);
        break;
    case COL_TEXT_SOURCE:
        strbuf_adds(out, text_source_name(e->text_source));
        break;
    case COL_TEXT:
        add_slice(out, e->text);
        break;
    case COL_MESSAGE_ID:
        add_slice(out, e->message_id);
        break;
    case COL_FILE:
        strbuf_adds(out, e->file ? e->file : "");
        break;
    case COL_LINE:
        strbuf_addf(out, "%" PRIu64, e->line);
        break;
    case COL_COUNT:
        break;
    }
}

/* the string fields of an event, in one place for dup and spool */
#define EVENT_SLICES(X) \
    X(qid)              \
    X(sender)           \
    X(recipient)        \
    X(domain)           \
    X(remote_host)      \
    X(remote_ip)        \
    X(dsn)              \
    X(text)             \
    X(stage)            \
    X(message_id)       \
    X(implicated_ip)    \
    X(template_text)    \
    X(provider)

struct event *event_dup(const struct event *e)
{
    size_t total = sizeof *e;
#define SIZE(f) total += e->f.n + 1;
    EVENT_SLICES(SIZE)
#undef SIZE
    struct event *d = xmalloc(total);
    *d = *e;
    char *p = (char *)(d + 1);
#define COPY(f)                              \
    memcpy(p, e->f.p ? e->f.p : "", e->f.n); \
    p[e->f.n] = '\0';                        \
    d->f.p = p;                              \
    p += e->f.n + 1;
    EVENT_SLICES(COPY)
#undef COPY
    return d;
}

/* ---- spool ------------------------------------------------------------ */

struct event_spool {
    FILE *fp;
    uint64_t count;
    struct strbuf buf;  /* read-back storage for one event's strings */
    const char **files; /* file names seen, so a read-back event can borrow them */
    size_t n_files;
};

struct spool_head {
    int64_t when;
    uint64_t fingerprint, line;
    int32_t tz_minutes;
    uint32_t attempts;
    int32_t status, text_source, text_shortened;
    const struct reason *reason;
    const struct blocklist_ref *blocklist;
    const char *file;
    uint32_t lens[13];
};

struct event_spool *event_spool_new(void)
{
    struct event_spool *s = xcalloc(1, sizeof *s);
    s->fp = tmpfile();
    if (!s->fp)
        msg_fatal(3, "cannot create a temporary file for the event spool (TMPDIR full?)");
    return s;
}

void event_spool_free(struct event_spool *s)
{
    if (!s)
        return;
    fclose(s->fp);
    strbuf_free(&s->buf);
    free(s->files);
    free(s);
}

void event_spool_write(struct event_spool *s, const struct event *e)
{
    /* pointers to the reason/blocklist tables and file names stay valid for the
     * whole run, and the spool never outlives the run: they are stored raw */
    struct spool_head h;
    memset(&h, 0, sizeof h);
    h.when = e->when;
    h.fingerprint = e->fingerprint;
    h.line = e->line;
    h.tz_minutes = e->tz_minutes;
    h.attempts = e->attempts;
    h.status = (int32_t)e->status;
    h.text_source = (int32_t)e->text_source;
    h.text_shortened = e->text_shortened;
    h.reason = e->reason;
    h.blocklist = e->blocklist;
    h.file = e->file;
    int i = 0;
#define LEN(f) h.lens[i++] = (uint32_t)e->f.n;
    EVENT_SLICES(LEN)
#undef LEN
    if (fwrite(&h, sizeof h, 1, s->fp) != 1)
        msg_fatal(3, "writing the event spool: disk full?");
#define WRITE(f)                                              \
    if (e->f.n && fwrite(e->f.p, 1, e->f.n, s->fp) != e->f.n) \
        msg_fatal(3, "writing the event spool: disk full?");
    EVENT_SLICES(WRITE)
#undef WRITE
    s->count++;
}

uint64_t event_spool_count(const struct event_spool *s)
{
    return s->count;
}

void event_spool_rewind(struct event_spool *s)
{
    fflush(s->fp);
    rewind(s->fp);
}

int event_spool_next(struct event_spool *s, struct event *e)
{
    struct spool_head h;
    if (fread(&h, sizeof h, 1, s->fp) != 1)
        return 0;
    size_t total = 0;
    for (int i = 0; i < 13; i++)
        total += h.lens[i];
    strbuf_reset(&s->buf);
    strbuf_reserve(&s->buf, total + 1);
    if (total && fread(s->buf.s, 1, total, s->fp) != total)
        return 0;
    memset(e, 0, sizeof *e);
    e->when = h.when;
    e->fingerprint = h.fingerprint;
    e->line = h.line;
    e->tz_minutes = h.tz_minutes;
    e->attempts = h.attempts;
    e->status = (enum delivery_status)h.status;
    e->text_source = (enum text_source)h.text_source;
    e->text_shortened = h.text_shortened;
    e->reason = h.reason;
    e->blocklist = h.blocklist;
    e->file = h.file;
    const char *p = s->buf.s;
    int i = 0;
#define SET(f)                       \
    e->f = slice_make(p, h.lens[i]); \
    p += h.lens[i++];
    EVENT_SLICES(SET)
#undef SET
    return 1;
}
