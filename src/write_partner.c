/*
 * write_partner.c - `partner`'s dossier: one partner's story from the stored
 * failures and deliveries (see report.h, struct partner_report), as text,
 * CSV, JSON or HTML.
 *
 * SYNOPSIS
 *   int write_partner(FILE *fp, const char *format, const struct partner_report *pr);
 *
 * DESCRIPTION
 *   The summary is the partner's dominant cause over the period (the cause
 *   with the most final failures, then deferrals: cause.h) and its present
 *   state: "still failing since T" (no delivery since the first failure after
 *   the last delivery) or "recovered: delivered since T" (a delivery after
 *   the last failure). The counts are of exactly what was asked (an address
 *   is not its domain). Then a paragraph to paste to the partner: what
 *   happened, since when, to whom, what their server answered, and whether
 *   mail gets through now - facts only, no advice of ours. Then the causes
 *   with who must act and the action (ours, internal), each message's path
 *   (every attempt, ending in the delivery with the receiver's reply and
 *   queue id when there was one), the remote hosts, every blocklist named per
 *   implicated IP with the answers of earlier checks, and the replies.
 *   Times carry date, year and zone ("2018-10-19 16:36:25 +09:00").
 *
 *   A long story is summarised: the last PARTNER_MESSAGES messages and one
 *   reply per template; --detail gives every message and every reply with
 *   its file:line (text, HTML, JSON).
 *
 *   text  80 columns (text_layout.h), everything escaped for the terminal
 *         (text_safe, or text_safe_ascii outside a UTF-8 locale)
 *   csv   one row per attempt, failures and deliveries by time: the event
 *         columns of event.h (status "sent" for a delivery, its reply as the
 *         text), then queued_as
 *   json  format "bouncescope-partner", version 1 (README "partner")
 *   html  a self-contained page (reports/partner.html, report.css)
 *
 * DIAGNOSTICS
 *   Returns -1 when the stream reports a write error or the HTML template
 *   cannot be read, else 0.
 *
 * Not here: choosing the failures and deliveries (cmd_partner.c).
 */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "fingerprint.h"
#include "json.h"
#include "report.h"
#include "syslog_header.h"
#include "text_layout.h"
#include "util/msg.h"
#include "util/xalloc.h"

#define PARTNER_MESSAGES 10 /* messages shown without --detail (the latest) */
#define PARTNER_HOSTS 10    /* remote hosts shown without --detail */
#define PARTNER_WIDTH 80
#define PARTNER_NAMED 5 /* recipients named in the paste */

const char *partner_kind_name(enum partner_kind kind)
{
    static const char *const names[] = { "domain", "address", "provider", "queue id",
                                         "message-id" };
    return (unsigned)kind < sizeof names / sizeof *names ? names[kind] : "partner";
}

/* ---- the story, as data every format shares ------------------------------ */

/* one attempt of a message: a failure (ev) or a delivery (dl) */
struct step {
    int64_t when;
    const struct event *ev;
    const struct delivered *dl;
};

/* one message: its steps by time */
struct message {
    struct slice qid, sender, message_id;
    struct step *steps;
    size_t n, cap;
    int64_t first, last;
};

struct story {
    struct cause **causes; /* the partner's causes, largest first */
    size_t n_causes;
    const struct cause *top;
    /* recovered: delivered after the last failure; failing: nothing delivered since
     * the failures began; mixed: deliveries go on between the failures */
    enum { STATE_FAILING, STATE_RECOVERED, STATE_MIXED } state;
    int64_t since;      /* failing: the first failure after the last delivery before it */
    int64_t last_fail;  /* the last failure */
    int64_t first_fail; /* the first failure of the period */
    int tz;             /* the zone of the last failure */
    uint64_t count[4];  /* failures by status */
    uint64_t recipients;
    size_t failed_msgs;   /* messages with a failure */
    struct message *msgs; /* by their first step */
    size_t n_msgs;
    const struct delivered *recovery; /* the first kept delivery after the last failure */
};

static struct slice step_qid(const struct step *s)
{
    return s->ev ? s->ev->qid : s->dl->qid;
}

static struct slice step_rcpt(const struct step *s)
{
    return s->ev ? s->ev->recipient : s->dl->recipient;
}

static int cmp_msg(const void *x, const void *y)
{
    const struct message *a = x, *b = y;
    return a->first < b->first ? -1 : a->first > b->first;
}

static int cmp_step(const void *x, const void *y)
{
    const struct step *a = x, *b = y;
    return a->when < b->when ? -1 : a->when > b->when;
}

/* add_step - s to its message: the same queue id (or, without one, recipient) */
static void add_step(struct story *st, size_t *cap, struct step s)
{
    struct slice qid = step_qid(&s), key = qid.n ? qid : step_rcpt(&s);
    struct message *m = NULL;
    for (size_t i = st->n_msgs; i-- > 0 && !m;) {
        struct message *c = &st->msgs[i];
        struct slice ck = c->qid.n ? c->qid : step_rcpt(&c->steps[0]);
        if (slice_eq(ck, key) && (c->qid.n > 0) == (qid.n > 0))
            m = c;
    }
    if (!m) {
        if (st->n_msgs == *cap) {
            *cap = *cap ? *cap * 2 : 16;
            st->msgs = xrealloc(st->msgs, *cap * sizeof *st->msgs);
        }
        m = &st->msgs[st->n_msgs++];
        memset(m, 0, sizeof *m);
        m->qid = qid;
        m->first = s.when;
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 4;
        m->steps = xrealloc(m->steps, m->cap * sizeof *m->steps);
    }
    m->steps[m->n++] = s;
    struct slice sender = s.ev ? s.ev->sender : s.dl->sender;
    struct slice mid = s.ev ? s.ev->message_id : s.dl->message_id;
    if (!m->sender.n)
        m->sender = sender;
    if (!m->message_id.n)
        m->message_id = mid;
    if (s.when < m->first)
        m->first = s.when;
    if (s.when > m->last)
        m->last = s.when;
}

static void story_build(struct story *st, const struct partner_report *pr)
{
    memset(st, 0, sizeof *st);
    st->causes = aggregate_causes(pr->agg, &st->n_causes);
    st->top = st->n_causes ? st->causes[0] : NULL;
    const struct event *last = pr->ev[pr->n - 1];
    st->last_fail = last->when;
    st->first_fail = pr->ev[0]->when;
    st->tz = last->tz_minutes;
    for (size_t i = 0; i < pr->n; i++)
        st->count[pr->ev[i]->status & 3]++;
    /* recovered: a delivery after the last failure */
    if (pr->first_delivery_after && pr->first_delivery_after > st->last_fail) {
        st->state = STATE_RECOVERED;
        for (size_t i = 0; i < pr->n_dl && !st->recovery; i++)
            if (pr->dl[i]->when > st->last_fail)
                st->recovery = pr->dl[i];
    } else {
        st->state = STATE_FAILING;
        st->since = st->first_fail;
        for (size_t i = 0; i < pr->n; i++)
            if (pr->ev[i]->when > pr->last_delivery_before) {
                st->since = pr->ev[i]->when;
                break;
            }
        if (st->since > st->first_fail)
            st->state = STATE_MIXED;
    }
    size_t cap = 0;
    for (size_t i = 0; i < pr->n; i++)
        add_step(st, &cap, (struct step){ pr->ev[i]->when, pr->ev[i], NULL });
    for (size_t i = 0; i < pr->n_dl; i++)
        add_step(st, &cap, (struct step){ pr->dl[i]->when, NULL, pr->dl[i] });
    for (size_t i = 0; i < st->n_msgs; i++)
        qsort(st->msgs[i].steps, st->msgs[i].n, sizeof *st->msgs[i].steps, cmp_step);
    qsort(st->msgs, st->n_msgs, sizeof *st->msgs, cmp_msg);
    for (size_t i = 0; i < st->n_msgs; i++) {
        bool failed = false;
        for (size_t k = 0; k < st->msgs[i].n && !failed; k++)
            failed = st->msgs[i].steps[k].ev != NULL;
        st->failed_msgs += failed;
    }
    /* distinct recipients of the failures */
    for (size_t i = 0; i < pr->n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = slice_eq(pr->ev[j]->recipient, pr->ev[i]->recipient);
        st->recipients += !seen && pr->ev[i]->recipient.n;
    }
}

static void story_free(struct story *st)
{
    for (size_t i = 0; i < st->n_msgs; i++)
        free(st->msgs[i].steps);
    free(st->msgs);
    free(st->causes);
}

/* when - "2018-10-19 16:36:25 +09:00": date, year, time and zone */
static const char *when(int64_t t, int tz, char *buf, size_t size)
{
    char iso[48];
    if (!t) {
        snprintf(buf, size, "-");
        return buf;
    }
    format_iso_time(t, tz, iso, sizeof iso);
    size_t n = strlen(iso);
    if (n == 25 && size > 27) {
        /* "YYYY-MM-DDTHH:MM:SS+hh:mm" -> "YYYY-MM-DD HH:MM:SS +hh:mm" */
        memcpy(buf, iso, 19);
        buf[10] = ' ';
        buf[19] = ' ';
        memcpy(buf + 20, iso + 19, 7);
    } else {
        snprintf(buf, size, "%s", iso);
    }
    return buf;
}

/* sample_of - the last failure of the cause c (its reason, and IP for ours) */
static const struct event *sample_of(const struct partner_report *pr, const struct cause *c)
{
    for (size_t i = pr->n; i-- > 0;) {
        const struct event *e = pr->ev[i];
        if (e->reason == c->reason &&
            (c->side != SIDE_US || slice_eq_cstr(e->implicated_ip, c->ip)))
            return e;
    }
    return pr->ev[pr->n - 1];
}

/* what_asked - "jumonji-u.ac.jp", "the message w9J7aO12345", "mail hosted by Google" */
static void what_asked(const struct partner_report *pr, struct strbuf *out)
{
    switch (pr->kind) {
    case PARTNER_DOMAIN:
    case PARTNER_ADDRESS:
        strbuf_adds(out, pr->who);
        break;
    case PARTNER_PROVIDER:
        strbuf_addf(out, "addresses at %s", pr->who);
        break;
    case PARTNER_QUEUE_ID:
        strbuf_addf(out, "the message with queue id %s", pr->who);
        break;
    case PARTNER_MESSAGE_ID:
        strbuf_addf(out, "the message <%s>", pr->who);
        break;
    }
}

/* summary - the dominant cause and the present state, plain text */
static void summary(const struct partner_report *pr, const struct story *st, struct strbuf *out)
{
    char a[48], b[48], pc[16];
    uint64_t fin = st->count[DELIVERY_BOUNCED] + st->count[DELIVERY_EXPIRED];
    const struct cause *c = st->top;
    if (c) {
        cause_title(c, out);
        strbuf_adds(out, " - ");
        if (fin)
            strbuf_addf(out, "%s of the final failures to ",
                        report_share(cause_finals(c), fin, pc, sizeof pc));
        else
            strbuf_addf(out, "%s of the deferrals of ",
                        report_share(c->count[DELIVERY_DEFERRED], st->count[DELIVERY_DEFERRED], pc,
                                     sizeof pc));
        what_asked(pr, out);
        strbuf_addf(out, " (%" PRIu64 " of %" PRIu64 "); %s.",
                    fin ? cause_finals(c) : c->count[DELIVERY_DEFERRED],
                    fin ? fin : st->count[DELIVERY_DEFERRED], cause_who_acts(c));
    }
    if (st->state == STATE_RECOVERED)
        strbuf_addf(out, " Recovered: delivered since %s (last failure %s).",
                    when(pr->first_delivery_after, st->tz, a, sizeof a),
                    when(st->last_fail, st->tz, b, sizeof b));
    else if (st->state == STATE_MIXED)
        strbuf_addf(out,
                    " Failing in part: mail is delivered between the failures, the last "
                    "failure at %s.",
                    when(st->last_fail, st->tz, b, sizeof b));
    else
        strbuf_addf(out, " Still failing since %s: nothing delivered since then (last failure %s).",
                    when(st->since, st->tz, a, sizeof a), when(st->last_fail, st->tz, b, sizeof b));
}

/* deliveries - the counts of exactly what was asked, plain text */
static void deliveries(const struct partner_report *pr, const struct story *st, struct strbuf *out)
{
    char a[32], b[32], c[32], d[32], pc[16];
    uint64_t fin = st->count[DELIVERY_BOUNCED] + st->count[DELIVERY_EXPIRED];
    if (pr->sent_known)
        strbuf_addf(out, "%s delivered, ", fmt_count(pr->sent, a, sizeof a));
    strbuf_addf(out, "%s deferred, %s bounced, %s expired",
                fmt_count(st->count[DELIVERY_DEFERRED], b, sizeof b),
                fmt_count(st->count[DELIVERY_BOUNCED], c, sizeof c),
                fmt_count(st->count[DELIVERY_EXPIRED], d, sizeof d));
    if (pr->sent_known)
        strbuf_addf(out, " - %s of final outcomes failed",
                    fmt_percent(fin, fin + pr->sent, pc, sizeof pc));
    if (pr->kind == PARTNER_ADDRESS)
        strbuf_adds(out, " (deliveries to this address are kept from its first failure on)");
    else if (pr->kind == PARTNER_PROVIDER)
        strbuf_adds(out, " (deliveries are counted per domain, not per provider)");
}

/* paste - the paragraph for the partner: facts, no advice of ours */
static void paste(const struct partner_report *pr, const struct story *st, struct strbuf *out)
{
    char a[48], b[48], n1[32];
    const struct cause *c = st->top;
    const struct event *e = c ? sample_of(pr, c) : pr->ev[pr->n - 1];
    bool final = st->count[DELIVERY_BOUNCED] + st->count[DELIVERY_EXPIRED] > 0;
    if (pr->kind == PARTNER_QUEUE_ID || pr->kind == PARTNER_MESSAGE_ID) {
        strbuf_addf(
            out, "Since %s our message %s%s%s has %s: ", when(st->first_fail, st->tz, a, sizeof a),
            pr->kind == PARTNER_MESSAGE_ID ? "<" : "", pr->who,
            pr->kind == PARTNER_MESSAGE_ID ? ">" : "", final ? "been refused" : "been delayed");
    } else {
        strbuf_addf(out, "Since %s %sour mail to ", when(st->first_fail, st->tz, a, sizeof a),
                    st->state == STATE_MIXED ? "some of " : "");
        what_asked(pr, out);
        strbuf_addf(out, " has %s: ", final ? "been refused" : "been delayed");
    }
    /* the messages and recipients it concerns */
    size_t msgs = st->failed_msgs;
    strbuf_addf(out, "%s", layout_count(msgs, "message", NULL, n1, sizeof n1));
    if (st->recipients) {
        strbuf_addf(out, " to %s", layout_count(st->recipients, "recipient", NULL, n1, sizeof n1));
        if (pr->kind != PARTNER_ADDRESS) {
            strbuf_adds(out, " (");
            size_t named = 0;
            for (size_t i = 0; i < pr->n && named < PARTNER_NAMED; i++) {
                bool seen = false;
                for (size_t j = 0; j < i && !seen; j++)
                    seen = slice_eq(pr->ev[j]->recipient, pr->ev[i]->recipient);
                if (seen || !pr->ev[i]->recipient.n)
                    continue;
                strbuf_addf(out, "%s%.*s", named ? ", " : "", (int)pr->ev[i]->recipient.n,
                            pr->ev[i]->recipient.p);
                named++;
            }
            if (st->recipients > named)
                strbuf_adds(out, ", ...");
            strbuf_adds(out, ")");
        }
    }
    strbuf_addf(out, ", the last attempt at %s. ", when(st->last_fail, st->tz, b, sizeof b));
    /* what the receiving side said */
    if (e->text_source == TEXT_REMOTE_REPLY) {
        strbuf_adds(out, "Your mail server");
        if (e->provider.n || e->remote_host.n) {
            strbuf_adds(out, " (");
            if (e->provider.n)
                strbuf_addf(out, "%.*s%s", (int)e->provider.n, e->provider.p,
                            e->remote_host.n ? ", " : "");
            strbuf_addf(out, "%.*s)", (int)e->remote_host.n, e->remote_host.p);
        }
        strbuf_addf(out, " answered: \"%.*s\".", (int)e->text.n, e->text.p);
    } else {
        strbuf_addf(out, "Our server reports: \"%.*s\".", (int)e->text.n, e->text.p);
    }
    if (c && c->side == SIDE_US && c->ip[0] && c->blocklist)
        strbuf_addf(out, " It refuses our sending IP %s because %s lists it.", c->ip,
                    c->blocklist->label);
    else if (c && c->side == SIDE_US && c->ip[0])
        strbuf_addf(out, " It refuses mail from our sending IP %s.", c->ip);
    else if (c && c->reason && c->reason->label)
        strbuf_addf(out, " The reason given: %s.", c->reason->label);
    if (st->state == STATE_RECOVERED) {
        strbuf_addf(out, " Mail has been delivered again since %s",
                    when(pr->first_delivery_after, st->tz, a, sizeof a));
        if (st->recovery && st->recovery->reply.n)
            strbuf_addf(out, " (your server's reply: \"%.*s\")", (int)st->recovery->reply.n,
                        st->recovery->reply.p);
        strbuf_adds(out, ".");
    } else if (st->state == STATE_MIXED) {
        strbuf_adds(out, " Other mail to ");
        what_asked(pr, out);
        strbuf_adds(out, " is delivered.");
    } else {
        strbuf_addf(out, " No message to %s has been delivered since %s.",
                    pr->kind == PARTNER_ADDRESS || pr->kind == PARTNER_DOMAIN ? pr->who : "it",
                    when(st->since, st->tz, a, sizeof a));
    }
}

/* ---- text ------------------------------------------------------------------ */

struct tout {
    FILE *fp;
    const struct layout_glyphs *g;
    struct strbuf raw, safe, done;
};

static void tadd(struct tout *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tadd(struct tout *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strbuf_vaddf(&o->raw, fmt, ap);
    va_end(ap);
}

/* tline - escape, wrap (hang columns after the first line) and write the line built */
static void tline(struct tout *o, size_t hang)
{
    strbuf_reset(&o->safe);
    strbuf_reset(&o->done);
    if (o->g->utf8)
        text_safe(&o->safe, strbuf_slice(&o->raw));
    else
        text_safe_ascii(&o->safe, strbuf_slice(&o->raw));
    layout_wrap(&o->done, strbuf_slice(&o->safe), PARTNER_WIDTH, hang, 0, o->g->ellipsis);
    fwrite(o->done.s, 1, o->done.len, o->fp);
    strbuf_reset(&o->raw);
}

static void step_text(struct tout *o, const struct step *s)
{
    char t[48];
    if (s->ev) {
        const struct event *e = s->ev;
        tadd(o, "    %s  %-9s %.*s  %s %.*s", when(e->when, e->tz_minutes, t, sizeof t),
             delivery_status_name(e->status), (int)e->recipient.n, e->recipient.p,
             e->reason ? e->reason->name : "", (int)e->dsn.n, e->dsn.p);
        if (e->remote_host.n || e->remote_ip.n)
            tadd(o, " via %.*s [%.*s]", (int)e->remote_host.n, e->remote_host.p,
                 (int)e->remote_ip.n, e->remote_ip.p);
    } else {
        const struct delivered *d = s->dl;
        tadd(o, "    %s  %-9s %.*s  %.*s", when(d->when, d->tz_minutes, t, sizeof t), "delivered",
             (int)d->recipient.n, d->recipient.p, (int)d->dsn.n, d->dsn.p);
        if (d->remote_host.n || d->remote_ip.n)
            tadd(o, " via %.*s [%.*s]", (int)d->remote_host.n, d->remote_host.p,
                 (int)d->remote_ip.n, d->remote_ip.p);
        if (d->queued_as.n)
            tadd(o, ", queued as %.*s", (int)d->queued_as.n, d->queued_as.p);
        if (d->reply.n)
            tadd(o, " (\"%.*s\")", (int)d->reply.n, d->reply.p);
    }
    tline(o, 8);
}

/* same_fp - events of one reply template */
static bool same_fp(const struct event *a, const struct event *b)
{
    return a->fingerprint == b->fingerprint && a->reason == b->reason;
}

#define IP_NAMED_MAX 16 /* blocklists named per implicated IP, at most */

/* ip_failures - the failures from pr->ev[i] on that name the same implicated IP as
 * it (marked done), and the blocklists they name (named[IP_NAMED_MAX], each once) */
static size_t ip_failures(const struct partner_report *pr, size_t i, bool *done,
                          const struct blocklist_ref **named, size_t *n_named)
{
    const struct event *e = pr->ev[i];
    size_t c = 0;
    *n_named = 0;
    for (size_t j = i; j < pr->n; j++) {
        if (!slice_eq(pr->ev[j]->implicated_ip, e->implicated_ip))
            continue;
        done[j] = true, c++;
        const struct blocklist_ref *bl = pr->ev[j]->blocklist;
        bool have = !bl;
        for (size_t k = 0; k < *n_named && !have; k++)
            have = named[k] == bl;
        if (!have && *n_named < IP_NAMED_MAX)
            named[(*n_named)++] = bl;
    }
    return c;
}

static int partner_text(FILE *fp, const struct partner_report *pr, const struct story *st)
{
    struct tout o = { .fp = fp, .g = layout_glyphs(layout_locale_utf8()) };
    char a[48], b[48], n1[32];
    struct strbuf tmp = STRBUF_INIT;
    tadd(&o, "bouncescope partner %s (%s) %s %s, %s %s %s", pr->who, partner_kind_name(pr->kind),
         o.g->dash, layout_count(pr->n, "failure", NULL, n1, sizeof n1),
         when(st->first_fail, pr->ev[0]->tz_minutes, a, sizeof a), o.g->ellipsis,
         when(st->last_fail, st->tz, b, sizeof b));
    tline(&o, 2);
    fputc('\n', fp);
    summary(pr, st, &tmp);
    tadd(&o, "Summary: %s", tmp.s);
    tline(&o, 2);
    strbuf_reset(&tmp);
    deliveries(pr, st, &tmp);
    tadd(&o, "Deliveries: %s", tmp.s);
    tline(&o, 2);
    fputc('\n', fp);
    tadd(&o, "To paste to the partner:");
    tline(&o, 2);
    strbuf_reset(&tmp);
    paste(pr, st, &tmp);
    tadd(&o, "  %s", tmp.s);
    tline(&o, 2);
    fputc('\n', fp);

    tadd(&o, "Causes (what one fix removes; ours, not for the partner):");
    tline(&o, 2);
    for (size_t i = 0; i < st->n_causes; i++) {
        const struct cause *c = st->causes[i];
        strbuf_reset(&tmp);
        cause_title(c, &tmp);
        tadd(&o, "  C%zu  ", i + 1);
        const char *sep = "";
        static const enum delivery_status order[] = { DELIVERY_BOUNCED, DELIVERY_EXPIRED,
                                                      DELIVERY_DEFERRED };
        for (size_t k = 0; k < 3; k++)
            if (c->count[order[k]]) {
                tadd(&o, "%s%s %s", sep, delivery_status_name(order[k]),
                     fmt_count(c->count[order[k]], n1, sizeof n1));
                sep = ", ";
            }
        tadd(&o, " %s %s", o.g->sep, tmp.s);
        tline(&o, 6);
        strbuf_reset(&tmp);
        cause_action(c, &tmp);
        tadd(&o, "      %s: %s", cause_who_acts(c), tmp.s);
        tline(&o, 6);
    }
    fputc('\n', fp);

    size_t from = pr->detail || st->n_msgs <= PARTNER_MESSAGES ? 0 : st->n_msgs - PARTNER_MESSAGES;
    if (from)
        tadd(&o, "Messages (%s; the last %d, --detail shows all), each attempt:",
             fmt_count(st->n_msgs, n1, sizeof n1), PARTNER_MESSAGES);
    else
        tadd(&o, "Messages (%s), each attempt:", fmt_count(st->n_msgs, n1, sizeof n1));
    tline(&o, 2);
    for (size_t i = from; i < st->n_msgs; i++) {
        const struct message *m = &st->msgs[i];
        tadd(&o, "  %.*s", (int)m->qid.n, m->qid.n ? m->qid.p : "(no queue id)");
        if (m->sender.n)
            tadd(&o, " from %.*s", (int)m->sender.n, m->sender.p);
        if (m->message_id.n)
            tadd(&o, ", message-id <%.*s>", (int)m->message_id.n, m->message_id.p);
        tline(&o, 4);
        for (size_t k = 0; k < m->n; k++)
            step_text(&o, &m->steps[k]);
    }
    fputc('\n', fp);

    tadd(&o, "Remote hosts and providers:");
    tline(&o, 2);
    bool *done = xcalloc(pr->n, sizeof *done);
    size_t hosts = 0;
    for (size_t i = 0; i < pr->n; i++) {
        if (done[i])
            continue;
        size_t c = 0;
        for (size_t j = i; j < pr->n; j++)
            if (slice_eq(pr->ev[j]->remote_host, pr->ev[i]->remote_host) &&
                slice_eq(pr->ev[j]->provider, pr->ev[i]->provider))
                done[j] = true, c++;
        if (hosts++ >= PARTNER_HOSTS && !pr->detail)
            continue;
        const struct event *e = pr->ev[i];
        tadd(&o, "  %s  %.*s%s%.*s [%.*s]", layout_count(c, "failure", NULL, n1, sizeof n1),
             (int)e->provider.n, e->provider.p, e->provider.n ? ", " : "", (int)e->remote_host.n,
             e->remote_host.n ? e->remote_host.p : "(no host)", (int)e->remote_ip.n,
             e->remote_ip.p);
        tline(&o, 4);
    }
    if (hosts > PARTNER_HOSTS && !pr->detail) {
        tadd(&o, "  and %s more (--detail)", fmt_count(hosts - PARTNER_HOSTS, n1, sizeof n1));
        tline(&o, 4);
    }
    fputc('\n', fp);

    tadd(&o, "Implicated IPs:");
    tline(&o, 2);
    memset(done, 0, pr->n * sizeof *done);
    size_t ips = 0;
    for (size_t i = 0; i < pr->n; i++) {
        const struct event *e = pr->ev[i];
        if (done[i] || !e->implicated_ip.n)
            continue;
        size_t c;
        strbuf_reset(&tmp);
        const struct blocklist_ref *named[IP_NAMED_MAX];
        size_t n_named = 0;
        c = ip_failures(pr, i, done, named, &n_named);
        ips++;
        tadd(&o, "  %.*s  %s", (int)e->implicated_ip.n, e->implicated_ip.p,
             layout_count(c, "failure", NULL, n1, sizeof n1));
        for (size_t k = 0; k < n_named; k++)
            tadd(&o, "%s%s", k ? ", " : "; named by ", named[k]->label);
        tline(&o, 4);
        char ip[64];
        snprintf(ip, sizeof ip, "%.*s", (int)e->implicated_ip.n, e->implicated_ip.p);
        strbuf_reset(&tmp);
        if (pr->describe_ip && pr->describe_ip(pr->ctx, ip, &tmp))
            tadd(&o, "    blocklists (last check): %s", tmp.s);
        else
            tadd(&o, "    blocklists: not checked yet (bouncescope check %s)", ip);
        tline(&o, 6);
    }
    if (!ips) {
        tadd(&o, "  none named in the replies");
        tline(&o, 4);
    }
    fputc('\n', fp);

    if (pr->detail)
        tadd(&o, "Replies (every stored one, with file:line):");
    else
        tadd(&o, "Replies (one per template, with how often; --detail shows every one):");
    tline(&o, 2);
    memset(done, 0, pr->n * sizeof *done);
    for (size_t i = 0; i < pr->n; i++) {
        if (done[i])
            continue;
        size_t c = 1;
        if (!pr->detail)
            for (size_t j = i + 1; j < pr->n; j++)
                if (!done[j] && same_fp(pr->ev[j], pr->ev[i]))
                    done[j] = true, c++;
        const struct event *e = pr->ev[i];
        tadd(&o, "  %s:%" PRIu64 "  %s %s", e->file ? e->file : "", e->line,
             when(e->when, e->tz_minutes, a, sizeof a), delivery_status_name(e->status));
        if (c > 1)
            tadd(&o, " (and %s like it)", layout_count(c - 1, "more", "more", n1, sizeof n1));
        tline(&o, 4);
        tadd(&o, "    %.*s", (int)e->text.n, e->text.p);
        tline(&o, 4);
    }
    free(done);
    strbuf_free(&tmp);
    strbuf_free(&o.raw);
    strbuf_free(&o.safe);
    strbuf_free(&o.done);
    return ferror(fp) ? -1 : 0;
}

/* ---- csv ------------------------------------------------------------------- */

static void csv_cell(struct strbuf *row, bool *first, struct slice s)
{
    if (!*first)
        strbuf_addc(row, ',');
    *first = false;
    csv_field(row, s);
}

/* delivered_value - a delivery's value of an event column (what it has) */
static struct slice delivered_value(const struct delivered *d, const struct event_column *c,
                                    char *buf, size_t size)
{
    switch ((enum event_column_id)(c - event_columns())) {
    case EVENT_COL_when:
        format_iso_time(d->when, d->tz_minutes, buf, size);
        return slice_cstr(buf);
    case EVENT_COL_status:
        return slice_cstr("sent");
    case EVENT_COL_qid:
        return d->qid;
    case EVENT_COL_sender:
        return d->sender;
    case EVENT_COL_recipient:
        return d->recipient;
    case EVENT_COL_domain:
        return d->domain;
    case EVENT_COL_remote_host:
        return d->remote_host;
    case EVENT_COL_remote_ip:
        return d->remote_ip;
    case EVENT_COL_provider:
        return d->provider;
    case EVENT_COL_dsn:
        return d->dsn;
    case EVENT_COL_attempts:
        snprintf(buf, size, "%u", d->attempts);
        return slice_cstr(buf);
    case EVENT_COL_text:
        return d->reply;
    case EVENT_COL_message_id:
        return d->message_id;
    case EVENT_COL_file:
        return slice_cstr(d->file ? d->file : "");
    case EVENT_COL_line:
        snprintf(buf, size, "%" PRIu64, d->line);
        return slice_cstr(buf);
    default:
        return SLICE_EMPTY;
    }
}

static int partner_csv(FILE *fp, const struct partner_report *pr, const struct story *st)
{
    const struct event_column *cols = event_columns();
    struct strbuf row = STRBUF_INIT, val = STRBUF_INIT;
    struct ip_status_lookup ips = report_event_ip_lookup(pr->events);
    bool first = true;
    for (size_t c = 0; c < EVENT_N_COLUMNS; c++)
        if (event_column_shown(&cols[c]))
            csv_cell(&row, &first, slice_cstr(cols[c].name));
    csv_cell(&row, &first, slice_cstr("queued_as"));
    strbuf_adds(&row, "\r\n");
    fwrite(row.s, 1, row.len, fp);
    /* every step of every message, by time within its message */
    for (size_t i = 0; i < st->n_msgs; i++) {
        for (size_t k = 0; k < st->msgs[i].n; k++) {
            const struct step *s = &st->msgs[i].steps[k];
            strbuf_reset(&row);
            first = true;
            char buf[64];
            for (size_t c = 0; c < EVENT_N_COLUMNS; c++) {
                if (!event_column_shown(&cols[c]))
                    continue;
                strbuf_reset(&val);
                if (s->ev)
                    event_column_value(s->ev, &cols[c], &ips, &val);
                else {
                    struct slice v = delivered_value(s->dl, &cols[c], buf, sizeof buf);
                    strbuf_add(&val, v.p, v.n);
                }
                csv_cell(&row, &first, strbuf_slice(&val));
            }
            csv_cell(&row, &first, s->dl ? s->dl->queued_as : SLICE_EMPTY);
            strbuf_adds(&row, "\r\n");
            fwrite(row.s, 1, row.len, fp);
        }
    }
    strbuf_free(&row);
    strbuf_free(&val);
    return ferror(fp) ? -1 : 0;
}

/* ---- json ------------------------------------------------------------------ */

static void json_time(struct jw *w, const char *key, int64_t t, int tz)
{
    jw_time(w, key, t, tz);
}

static void json_step(struct jw *w, const struct step *s)
{
    jw_open(w, NULL, '{', true);
    if (s->ev) {
        const struct event *e = s->ev;
        json_time(w, "time", e->when, e->tz_minutes);
        jw_cstr(w, "status", delivery_status_name(e->status));
        jw_str(w, "recipient", e->recipient);
        jw_cstr(w, "reason", e->reason ? e->reason->name : "");
        jw_str(w, "dsn", e->dsn);
        jw_str(w, "remote_host", e->remote_host);
        jw_str(w, "remote_ip", e->remote_ip);
        jw_str(w, "text", e->text);
        jw_null(w, "queued_as");
        jw_cstr(w, "file", e->file);
        jw_u64(w, "line", e->line);
    } else {
        const struct delivered *d = s->dl;
        json_time(w, "time", d->when, d->tz_minutes);
        jw_cstr(w, "status", "delivered");
        jw_str(w, "recipient", d->recipient);
        jw_cstr(w, "reason", "");
        jw_str(w, "dsn", d->dsn);
        jw_str(w, "remote_host", d->remote_host);
        jw_str(w, "remote_ip", d->remote_ip);
        jw_str(w, "text", d->reply);
        if (d->queued_as.n)
            jw_str(w, "queued_as", d->queued_as);
        else
            jw_null(w, "queued_as");
        jw_cstr(w, "file", d->file);
        jw_u64(w, "line", d->line);
    }
    jw_close(w, '}');
}

static int partner_json(FILE *fp, const struct partner_report *pr, const struct story *st)
{
    struct jw w;
    struct strbuf tmp = STRBUF_INIT;
    uint64_t fin = st->count[DELIVERY_BOUNCED] + st->count[DELIVERY_EXPIRED];
    jw_begin(&w, fp);
    jw_open(&w, NULL, '{', false);
    jw_cstr(&w, "format", "bouncescope-partner");
    jw_u64(&w, "version", 1);
    jw_cstr(&w, "generator", "bouncescope " BS_VERSION);
    jw_cstr(&w, "who", pr->who);
    jw_cstr(&w, "kind", partner_kind_name(pr->kind));
    json_time(&w, "first", st->first_fail, pr->ev[0]->tz_minutes);
    json_time(&w, "last", st->last_fail, st->tz);
    summary(pr, st, &tmp);
    jw_str(&w, "summary", strbuf_slice(&tmp));
    jw_open(&w, "state", '{', true);
    jw_cstr(&w, "state",
            st->state == STATE_RECOVERED ? "recovered"
            : st->state == STATE_MIXED   ? "mixed"
                                         : "failing");
    if (st->state == STATE_RECOVERED)
        json_time(&w, "since", pr->first_delivery_after, st->tz);
    else if (st->state == STATE_FAILING)
        json_time(&w, "since", st->since, st->tz);
    else
        jw_null(&w, "since");
    json_time(&w, "last_failure", st->last_fail, st->tz);
    json_time(&w, "last_delivery", pr->last_delivery, st->tz);
    jw_close(&w, '}');
    jw_open(&w, "counts", '{', true);
    if (pr->sent_known)
        jw_u64(&w, "delivered", pr->sent);
    else
        jw_null(&w, "delivered");
    jw_u64(&w, "deferred", st->count[DELIVERY_DEFERRED]);
    jw_u64(&w, "bounced", st->count[DELIVERY_BOUNCED]);
    jw_u64(&w, "expired", st->count[DELIVERY_EXPIRED]);
    jw_u64(&w, "final_failures", fin);
    if (pr->sent_known)
        jw_rate(&w, "failure_rate", fin, fin + pr->sent);
    else
        jw_null(&w, "failure_rate");
    jw_u64(&w, "recipients", st->recipients);
    jw_u64(&w, "messages", st->failed_msgs);
    jw_close(&w, '}');
    strbuf_reset(&tmp);
    paste(pr, st, &tmp);
    jw_str(&w, "paste", strbuf_slice(&tmp));
    jw_open(&w, "causes", '[', false);
    for (size_t i = 0; i < st->n_causes; i++) {
        const struct cause *c = st->causes[i];
        jw_open(&w, NULL, '{', false);
        jw_u64(&w, "rank", i + 1);
        jw_cstr(&w, "side", reason_side_name(c->side));
        jw_cstr(&w, "who", cause_who(c));
        jw_cstr(&w, "reason", c->reason ? c->reason->name : "undefined");
        strbuf_reset(&tmp);
        cause_title(c, &tmp);
        jw_str(&w, "title", strbuf_slice(&tmp));
        jw_cstr_or_null(&w, "implicated_ip", c->ip);
        jw_cstr_or_null(&w, "blocklist", c->blocklist ? c->blocklist->id : NULL);
        jw_u64(&w, "bounced", c->count[DELIVERY_BOUNCED]);
        jw_u64(&w, "expired", c->count[DELIVERY_EXPIRED]);
        jw_u64(&w, "deferred", c->count[DELIVERY_DEFERRED]);
        jw_u64(&w, "final_failures", cause_finals(c));
        jw_rate(&w, "final_share", cause_finals(c), fin);
        jw_time(&w, "first_seen", c->first, c->tz_minutes);
        jw_time(&w, "last_seen", c->last, c->tz_minutes);
        strbuf_reset(&tmp);
        cause_action(c, &tmp);
        jw_str(&w, "action", strbuf_slice(&tmp));
        jw_close(&w, '}');
    }
    jw_close(&w, ']');
    size_t from = pr->detail || st->n_msgs <= PARTNER_MESSAGES ? 0 : st->n_msgs - PARTNER_MESSAGES;
    jw_u64(&w, "messages_total", st->n_msgs);
    jw_u64(&w, "messages_shown", st->n_msgs - from);
    jw_open(&w, "messages", '[', false);
    for (size_t i = from; i < st->n_msgs; i++) {
        const struct message *m = &st->msgs[i];
        jw_open(&w, NULL, '{', false);
        jw_str(&w, "queue_id", m->qid);
        jw_str(&w, "sender", m->sender);
        jw_str(&w, "message_id", m->message_id);
        jw_open(&w, "path", '[', false);
        for (size_t k = 0; k < m->n; k++)
            json_step(&w, &m->steps[k]);
        jw_close(&w, ']');
        jw_close(&w, '}');
    }
    jw_close(&w, ']');
    jw_open(&w, "ips", '[', false);
    bool *done = xcalloc(pr->n, sizeof *done);
    for (size_t i = 0; i < pr->n; i++) {
        const struct event *e = pr->ev[i];
        if (done[i] || !e->implicated_ip.n)
            continue;
        jw_open(&w, NULL, '{', false);
        jw_str(&w, "ip", e->implicated_ip);
        size_t c;
        const struct blocklist_ref *named[IP_NAMED_MAX];
        size_t n_named = 0;
        c = ip_failures(pr, i, done, named, &n_named);
        jw_u64(&w, "failures", c);
        jw_open(&w, "named", '[', true);
        for (size_t k = 0; k < n_named; k++)
            jw_cstr(&w, NULL, named[k]->id);
        jw_close(&w, ']');
        char ip[64];
        snprintf(ip, sizeof ip, "%.*s", (int)e->implicated_ip.n, e->implicated_ip.p);
        strbuf_reset(&tmp);
        if (pr->describe_ip && pr->describe_ip(pr->ctx, ip, &tmp))
            jw_str(&w, "blocklists", strbuf_slice(&tmp));
        else
            jw_null(&w, "blocklists");
        jw_close(&w, '}');
    }
    free(done);
    jw_close(&w, ']');
    jw_bool(&w, "detail", pr->detail);
    if (pr->detail) {
        const struct event_column *cols = event_columns();
        struct ip_status_lookup ipl = report_event_ip_lookup(pr->events);
        jw_open(&w, "events", '[', false);
        for (size_t i = 0; i < pr->n; i++) {
            jw_open(&w, NULL, '{', true);
            for (size_t c = 0; c < EVENT_N_COLUMNS; c++) {
                if (!event_column_shown(&cols[c]))
                    continue;
                if (event_column_number(&cols[c])) {
                    jw_u64(&w, cols[c].name, (uint64_t)event_get_int(pr->ev[i], &cols[c]));
                    continue;
                }
                strbuf_reset(&tmp);
                event_column_value(pr->ev[i], &cols[c], &ipl, &tmp);
                jw_str(&w, cols[c].name, strbuf_slice(&tmp));
            }
            jw_close(&w, '}');
        }
        jw_close(&w, ']');
    }
    jw_close(&w, '}');
    strbuf_free(&tmp);
    return jw_end(&w);
}

/* ---- html ------------------------------------------------------------------ */

static void hesc(struct strbuf *b, const char *s)
{
    html_text(b, slice_cstr(s ? s : ""));
}

static void hslice(struct strbuf *b, struct slice s)
{
    html_text(b, s);
}

static void hstep(struct strbuf *b, const struct step *s)
{
    char t[48];
    strbuf_adds(b, "<tr>");
    if (s->ev) {
        const struct event *e = s->ev;
        strbuf_addf(b,
                    "<td class=\"t\">%s</td><td><span class=\"badge st-final\">%s</span></td><td "
                    "class=\"mono\">",
                    when(e->when, e->tz_minutes, t, sizeof t), delivery_status_name(e->status));
        hslice(b, e->recipient);
        strbuf_adds(b, "</td><td>");
        hesc(b, e->reason ? e->reason->name : "");
        strbuf_adds(b, " ");
        hslice(b, e->dsn);
        strbuf_adds(b, "</td><td class=\"mono\">");
        hslice(b, e->remote_host);
        strbuf_adds(b, "</td><td>");
        html_text(b, slice_make(e->text.p, e->text.n > 400 ? 400 : e->text.n));
    } else {
        const struct delivered *d = s->dl;
        strbuf_addf(b,
                    "<td class=\"t\">%s</td><td><span class=\"badge "
                    "st-not_listed\">delivered</span></td><td class=\"mono\">",
                    when(d->when, d->tz_minutes, t, sizeof t));
        hslice(b, d->recipient);
        strbuf_adds(b, "</td><td>");
        hslice(b, d->dsn);
        strbuf_adds(b, "</td><td class=\"mono\">");
        hslice(b, d->remote_host);
        strbuf_adds(b, "</td><td>");
        if (d->queued_as.n) {
            strbuf_adds(b, "queued as <code>");
            hslice(b, d->queued_as);
            strbuf_adds(b, "</code>: ");
        }
        hslice(b, d->reply);
    }
    strbuf_adds(b, "</td></tr>\n");
}

/* the partner page's markers for html_expand */
struct shell_fill {
    const struct partner_report *pr;
    const struct strbuf *css, *body;
};

static int shell_fill(void *ctx, struct slice name, FILE *fp)
{
    const struct shell_fill *sf = ctx;
    if (slice_eq_cstr(name, "title") || slice_eq_cstr(name, "who")) {
        struct strbuf tmp = STRBUF_INIT;
        strbuf_adds(&tmp, "bouncescope partner ");
        hesc(&tmp, sf->pr->who);
        fwrite(tmp.s, 1, tmp.len, fp);
        strbuf_free(&tmp);
    } else if (slice_eq_cstr(name, "css")) {
        fwrite(sf->css->s ? sf->css->s : "", 1, sf->css->len, fp);
    } else if (slice_eq_cstr(name, "generator")) {
        fputs("bouncescope " BS_VERSION, fp);
    } else if (slice_eq_cstr(name, "body")) {
        fwrite(sf->body->s ? sf->body->s : "", 1, sf->body->len, fp);
    } else {
        msg_error("partner.html: unknown marker {{%.*s}}", (int)name.n, name.p);
        return -1;
    }
    return 0;
}

static int partner_html(FILE *fp, const struct partner_report *pr, const struct story *st)
{
    struct strbuf tpl = STRBUF_INIT, css = STRBUF_INIT, body = STRBUF_INIT, tmp = STRBUF_INIT;
    int rc = -1;
    if (html_template("partner.html", &tpl) < 0 || html_template("report.css", &css) < 0)
        goto out;
    struct strbuf *b = &body;
    summary(pr, st, &tmp);
    strbuf_adds(b, "<section><h2>Summary</h2><p class=\"panel\">");
    html_text(b, strbuf_slice(&tmp));
    strbuf_adds(b, "</p>\n<p>");
    strbuf_reset(&tmp);
    deliveries(pr, st, &tmp);
    html_text(b, strbuf_slice(&tmp));
    strbuf_adds(b, "</p></section>\n<section><h2>To paste to the partner</h2>"
                   "<blockquote class=\"panel paste\">");
    strbuf_reset(&tmp);
    paste(pr, st, &tmp);
    html_text(b, strbuf_slice(&tmp));
    strbuf_adds(b, "</blockquote></section>\n<section><h2>Causes</h2><div class=\"scroll\">"
                   "<table class=\"data\"><thead><tr><th>#</th><th>Cause</th><th>Who acts</th>"
                   "<th class=\"n\">Bounced</th><th class=\"n\">Expired</th><th class=\"n\">"
                   "Deferred</th><th>Action (ours)</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < st->n_causes; i++) {
        const struct cause *c = st->causes[i];
        strbuf_addf(b, "<tr><td>C%zu</td><td>", i + 1);
        strbuf_reset(&tmp);
        cause_title(c, &tmp);
        html_text(b, strbuf_slice(&tmp));
        strbuf_adds(b, "</td><td>");
        hesc(b, cause_who(c));
        strbuf_addf(b,
                    "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
                    "</td><td class=\"n\">%" PRIu64 "</td><td>",
                    c->count[DELIVERY_BOUNCED], c->count[DELIVERY_EXPIRED],
                    c->count[DELIVERY_DEFERRED]);
        strbuf_reset(&tmp);
        cause_action(c, &tmp);
        html_text(b, strbuf_slice(&tmp));
        strbuf_adds(b, "</td></tr>\n");
    }
    strbuf_adds(b, "</tbody></table></div></section>\n");
    size_t from = pr->detail || st->n_msgs <= PARTNER_MESSAGES ? 0 : st->n_msgs - PARTNER_MESSAGES;
    strbuf_addf(b, "<section><h2>Messages</h2>");
    if (from)
        strbuf_addf(b, "<p class=\"cut\">The last %d of %zu messages (--detail shows all).</p>",
                    PARTNER_MESSAGES, st->n_msgs);
    for (size_t i = from; i < st->n_msgs; i++) {
        const struct message *m = &st->msgs[i];
        strbuf_adds(b, "<article class=\"panel msg\"><h3><code>");
        hslice(b, m->qid.n ? m->qid : slice_cstr("(no queue id)"));
        strbuf_adds(b, "</code>");
        if (m->sender.n) {
            strbuf_adds(b, " from <span class=\"mono\">");
            hslice(b, m->sender);
            strbuf_adds(b, "</span>");
        }
        if (m->message_id.n) {
            strbuf_adds(b, " <span class=\"small\">&lt;");
            hslice(b, m->message_id);
            strbuf_adds(b, "&gt;</span>");
        }
        strbuf_adds(b, "</h3><div class=\"scroll\"><table class=\"data\"><tbody>\n");
        for (size_t k = 0; k < m->n; k++)
            hstep(b, &m->steps[k]);
        strbuf_adds(b, "</tbody></table></div></article>\n");
    }
    strbuf_adds(b, "</section>\n");
    /* the shell: {{title}} {{css}} {{who}} {{body}} */
    struct shell_fill sf = { pr, &css, &body };
    rc = html_expand(fp, &tpl, shell_fill, &sf);
out:
    strbuf_free(&tpl);
    strbuf_free(&css);
    strbuf_free(&body);
    strbuf_free(&tmp);
    return rc;
}

int write_partner(FILE *fp, const char *format, const struct partner_report *pr)
{
    assert(pr->n > 0 && "a story has at least one failure");
    struct story st;
    story_build(&st, pr);
    int rc;
    if (format && !strcmp(format, "csv"))
        rc = partner_csv(fp, pr, &st);
    else if (format && !strcmp(format, "json"))
        rc = partner_json(fp, pr, &st);
    else if (format && !strcmp(format, "html"))
        rc = partner_html(fp, pr, &st);
    else
        rc = partner_text(fp, pr, &st);
    story_free(&st);
    return rc;
}
