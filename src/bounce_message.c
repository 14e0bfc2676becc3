/*
 * bounce_message.c - a returned-mail message -> its per-recipient reports
 * (see bounce_message.h).
 *
 * SYNOPSIS
 *   int bounce_message_parse(const char *data, size_t n, struct bounce_message *m,
 *                            struct strbuf *err);
 *   void bounce_message_free(struct bounce_message *m);
 *   bool bounce_message_looks_like(const char *data, size_t n);
 *
 * DESCRIPTION
 *   The MIME tree is walked (RFC 2045/2046): headers are unfolded, the
 *   boundary of each multipart is taken from its Content-Type, parts are
 *   decoded from quoted-printable or base64, a message/rfc822 part (a bounce
 *   forwarded as an attachment) is entered like the top level. The first
 *   message/delivery-status (or message/global-delivery-status) part is
 *   read as RFC 3464 fields: blocks separated by blank lines, the first for
 *   the message, one per recipient; "type;" prefixes are split off
 *   ("rfc822; a@b", "dns; mx.example.net", "smtp; 550 ...").
 *
 *   A bounce without one falls back to the first reply quoted in its text
 *   parts (bounce_message.h). A bare block of DSN fields (pasted without the
 *   message around it) is read as a delivery-status part.
 *
 * OWNERSHIP
 *   Every string of *m is allocated here and freed by bounce_message_free.
 *
 * DIAGNOSTICS
 *   -1 and a reason in err when nothing in the data looks like a bounce.
 *
 * NOT DONE HERE
 *   No classification (classify.c), no output (write_explain.c), no
 *   RFC 2047 decoding of header words (nothing here needs it).
 */
#include "bounce_message.h"

#include "bounce_layouts.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/xalloc.h"

#define MAX_DEPTH 8

struct walk {
    struct bounce_message *m;
    struct strbuf text; /* the first text/plain part, for the fallback */
    bool have_text;
};

/* split - header block and body at the first blank line */
static void split(struct slice s, struct slice *head, struct slice *body)
{
    size_t pos = 0, start;
    struct slice line;
    for (;;) {
        start = pos;
        if (!bounce_next_line(s, &pos, &line)) {
            *head = s;
            *body = slice_make(s.p + s.n, 0);
            return;
        }
        if (bounce_blank(line)) {
            *head = slice_make(s.p, start);
            *body = slice_make(s.p + pos, s.n - pos);
            return;
        }
    }
}

/* header - the unfolded value of the first field `name` of a header block */
static bool header(struct slice head, const char *name, struct strbuf *out)
{
    size_t pos = 0, n = strlen(name);
    struct slice line;
    bool in = false;
    strbuf_reset(out);
    while (bounce_next_line(head, &pos, &line)) {
        bool cont = line.n && (line.p[0] == ' ' || line.p[0] == '\t');
        if (in) {
            if (!cont)
                break;
            struct slice t = slice_trim(line);
            strbuf_addc(out, ' ');
            strbuf_add(out, t.p, t.n);
            continue;
        }
        /* "Name: value"; RFC 5322's obsolete syntax (4.5.8) lets blanks come
         * before the colon ("Final-Recipient : rfc822;a@b", Mimecast) */
        size_t c = n;
        while (c < line.n && (line.p[c] == ' ' || line.p[c] == '\t'))
            c++;
        if (!cont && line.n > c && line.p[c] == ':' && strncasecmp(line.p, name, n) == 0) {
            struct slice t = slice_trim(slice_make(line.p + c + 1, line.n - c - 1));
            strbuf_add(out, t.p, t.n);
            in = true;
        }
    }
    return in;
}

/* param - a parameter of a structured field ("boundary" of a Content-Type) */
static bool param(const char *value, const char *name, struct strbuf *out)
{
    size_t n = strlen(name);
    strbuf_reset(out);
    for (const char *p = strchr(value, ';'); p; p = strchr(p + 1, ';')) {
        const char *q = p + 1;
        while (*q == ' ' || *q == '\t')
            q++;
        if (strncasecmp(q, name, n) != 0)
            continue;
        q += n;
        while (*q == ' ')
            q++;
        if (*q != '=')
            continue;
        q++;
        while (*q == ' ')
            q++;
        if (*q == '"') {
            for (q++; *q && *q != '"'; q++) {
                if (*q == '\\' && q[1])
                    q++;
                strbuf_addc(out, *q);
            }
        } else {
            while (*q && *q != ';' && *q != ' ' && *q != '\t')
                strbuf_addc(out, *q++);
        }
        return out->len > 0;
    }
    return false;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* decode - a part's body by its Content-Transfer-Encoding */
static void decode(struct slice body, const char *cte, struct strbuf *out)
{
    strbuf_reset(out);
    if (cte && !strcasecmp(cte, "quoted-printable")) {
        for (size_t i = 0; i < body.n; i++) {
            char c = body.p[i];
            if (c != '=') {
                strbuf_addc(out, c);
                continue;
            }
            if (i + 1 < body.n && body.p[i + 1] == '\n') {
                i++; /* soft line break */
            } else if (i + 2 < body.n && body.p[i + 1] == '\r' && body.p[i + 2] == '\n') {
                i += 2;
            } else if (i + 2 < body.n && hexval(body.p[i + 1]) >= 0 && hexval(body.p[i + 2]) >= 0) {
                strbuf_addc(out, (char)(hexval(body.p[i + 1]) * 16 + hexval(body.p[i + 2])));
                i += 2;
            } else {
                strbuf_addc(out, c);
            }
        }
    } else if (cte && !strcasecmp(cte, "base64")) {
        unsigned acc = 0;
        int bits = 0;
        for (size_t i = 0; i < body.n; i++) {
            int v = b64val((unsigned char)body.p[i]);
            if (v < 0)
                continue;
            acc = (acc << 6) | (unsigned)v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                strbuf_addc(out, (char)((acc >> bits) & 0xff));
            }
        }
    } else {
        strbuf_add(out, body.p, body.n);
    }
}

/* unbracket - "<a@b>" -> "a@b" in place */
static void unbracket(char *a)
{
    size_t n = strlen(a);
    if (n >= 2 && a[0] == '<' && a[n - 1] == '>') {
        memmove(a, a + 1, n - 2);
        a[n - 2] = '\0';
    }
}

/* value_after_type - "rfc822; a@b" -> "a@b" (type into *type when asked) */
static char *value_after_type(const char *v, char **type)
{
    const char *semi = strchr(v, ';');
    if (!semi) {
        if (type)
            *type = xstrdup("");
        return xstrdup(v);
    }
    if (type) {
        size_t n = (size_t)(semi - v);
        while (n && v[n - 1] == ' ')
            n--;
        char *t = xmemdup(v, n);
        for (char *q = t; *q; q++)
            *q = (char)tolower((unsigned char)*q);
        *type = t;
    }
    semi++;
    while (*semi == ' ' || *semi == '\t')
        semi++;
    return xstrdup(semi);
}

static struct bounce_recipient *new_rcpt(struct bounce_message *m)
{
    m->rcpts = xrealloc(m->rcpts, (m->n_rcpts + 1) * sizeof *m->rcpts);
    struct bounce_recipient *r = &m->rcpts[m->n_rcpts++];
    memset(r, 0, sizeof *r);
    return r;
}

static void fill_empty(struct bounce_recipient *r)
{
    char **f[] = { &r->final_recipient, &r->original_recipient, &r->action,     &r->status,
                   &r->remote_mta,      &r->diagnostic_type,    &r->diagnostic, &r->last_attempt };
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        if (!*f[i])
            *f[i] = xstrdup("");
}

/* read_fields - the blocks of an RFC 3464 delivery-status body */
/* field_line - whether a line starts a "Name: value" field (or is folded) */
static bool field_line(struct slice line)
{
    if (line.n && (line.p[0] == ' ' || line.p[0] == '\t'))
        return true;
    size_t i = 0;
    while (i < line.n && (isalnum((unsigned char)line.p[i]) || line.p[i] == '-'))
        i++;
    size_t c = i;
    while (c < line.n && line.p[c] == ' ')
        c++; /* "Status : 5.0.0" (obsolete syntax, RFC 5322 4.5.8) */
    return i > 0 && c < line.n && line.p[c] == ':';
}

static void read_fields(struct slice body, struct bounce_message *m)
{
    size_t pos = 0;
    struct slice line;
    struct strbuf block = STRBUF_INIT, v = STRBUF_INIT;
    bool more = true;
    while (more) {
        /* one block: lines up to a blank line */
        strbuf_reset(&block);
        more = false;
        while (bounce_next_line(body, &pos, &line)) {
            if (bounce_blank(line)) {
                if (block.len) {
                    more = true;
                    break;
                }
                continue;
            }
            /* a line that is no "Name: value" field continues the one
             * before, folded or not (some DSNs leave a multi-line reply's
             * lines unindented) */
            if (block.len && !field_line(line))
                strbuf_addc(&block, ' ');
            strbuf_add(&block, line.p, line.n);
            strbuf_addc(&block, '\n');
        }
        if (!block.len)
            break;
        struct slice h = strbuf_slice(&block);
        bool rcpt = header(h, "Final-Recipient", &v) || header(h, "Original-Recipient", &v);
        if (!rcpt) {
            if (header(h, "Reporting-MTA", &v) && !m->reporting_mta[0]) {
                free(m->reporting_mta);
                m->reporting_mta = value_after_type(strbuf_cstr(&v), NULL);
            }
            continue;
        }
        struct bounce_recipient *r = new_rcpt(m);
        if (header(h, "Final-Recipient", &v))
            r->final_recipient = value_after_type(strbuf_cstr(&v), NULL);
        if (header(h, "Original-Recipient", &v))
            r->original_recipient = value_after_type(strbuf_cstr(&v), NULL);
        if (header(h, "Action", &v))
            r->action = xstrdup(strbuf_cstr(&v));
        if (header(h, "Status", &v)) {
            /* "5.7.1 (a comment)" */
            size_t n = strcspn(strbuf_cstr(&v), " \t(");
            r->status = xmemdup(strbuf_cstr(&v), n);
        }
        if (header(h, "Remote-MTA", &v))
            r->remote_mta = value_after_type(strbuf_cstr(&v), NULL);
        if (header(h, "Diagnostic-Code", &v))
            r->diagnostic = value_after_type(strbuf_cstr(&v), &r->diagnostic_type);
        if (header(h, "Last-Attempt-Date", &v))
            r->last_attempt = xstrdup(strbuf_cstr(&v));
        fill_empty(r);
        /* "rfc822;<a@b>": the address without its angle brackets */
        unbracket(r->final_recipient);
        unbracket(r->original_recipient);
        /* a Final-Recipient without a domain (CommuniGate Pro's "LOCAL;<user>")
         * gives way to an Original-Recipient that is a whole address */
        if (!strchr(r->final_recipient, '@') && strchr(r->original_recipient, '@')) {
            free(r->final_recipient);
            r->final_recipient = xstrdup(r->original_recipient);
        }
        /* a source-routed Final-Recipient ("@relay:user@host", RFC 5321
         * C): the address the sender wrote, or the route's mailbox */
        if (r->final_recipient[0] == '@') {
            const char *colon = strchr(r->final_recipient, ':');
            char *a = xstrdup(r->original_recipient[0] ? r->original_recipient
                              : colon                  ? colon + 1
                                                       : r->final_recipient);
            free(r->final_recipient);
            r->final_recipient = a;
        }
        /* a Remote-MTA of "dns; mx.example.net." */
        size_t n = strlen(r->remote_mta);
        if (n && r->remote_mta[n - 1] == '.')
            r->remote_mta[n - 1] = '\0';
    }
    strbuf_free(&block);
    strbuf_free(&v);
}

static bool starts_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* walk_part - one MIME entity */
static void walk_part(struct walk *w, struct slice s, int depth)
{
    if (depth > MAX_DEPTH || w->m->is_dsn)
        return;
    struct slice head, body;
    split(s, &head, &body);
    struct strbuf ct = STRBUF_INIT, cte = STRBUF_INIT, b = STRBUF_INIT, dec = STRBUF_INIT;
    if (!header(head, "Content-Type", &ct))
        strbuf_adds(&ct, "text/plain");
    header(head, "Content-Transfer-Encoding", &cte);
    const char *type = strbuf_cstr(&ct);
    if (starts_ci(type, "multipart/") && param(type, "boundary", &b)) {
        /* the parts between "--boundary" lines, up to "--boundary--" */
        size_t pos = 0, part_start = 0;
        bool in = false;
        struct slice line;
        size_t bl = b.len;
        while (true) {
            size_t line_start = pos;
            bool got = bounce_next_line(body, &pos, &line);
            bool delim = got && line.n >= bl + 2 && line.p[0] == '-' && line.p[1] == '-' &&
                         memcmp(line.p + 2, b.s, bl) == 0;
            if (delim) {
                /* only blanks, or "--" and blanks, may follow the boundary */
                struct slice rest = slice_make(line.p + 2 + bl, line.n - 2 - bl);
                if (rest.n >= 2 && rest.p[0] == '-' && rest.p[1] == '-')
                    rest = slice_make(rest.p + 2, rest.n - 2);
                delim = bounce_blank(rest);
            }
            if (!got || delim) {
                if (in) {
                    size_t end = line_start;
                    /* the CRLF before the delimiter belongs to it */
                    if (end > part_start && body.p[end - 1] == '\n')
                        end--;
                    if (end > part_start && body.p[end - 1] == '\r')
                        end--;
                    walk_part(w, slice_make(body.p + part_start, end - part_start), depth + 1);
                }
                if (!got || (line.n >= bl + 4 && line.p[bl + 2] == '-' && line.p[bl + 3] == '-'))
                    break;
                in = true;
                part_start = pos;
            }
        }
    } else if (starts_ci(type, "message/delivery-status") ||
               starts_ci(type, "message/global-delivery-status")) {
        decode(body, cte.len ? strbuf_cstr(&cte) : NULL, &dec);
        read_fields(strbuf_slice(&dec), w->m);
        w->m->is_dsn = w->m->n_rcpts > 0;
    } else if (starts_ci(type, "message/rfc822") || starts_ci(type, "message/global")) {
        decode(body, cte.len ? strbuf_cstr(&cte) : NULL, &dec);
        walk_part(w, strbuf_slice(&dec), depth + 1);
    } else if (starts_ci(type, "text/") && !starts_ci(type, "text/rfc822-headers") &&
               !starts_ci(type, "text/html") && !w->have_text) {
        decode(body, cte.len ? strbuf_cstr(&cte) : NULL, &w->text);
        w->have_text = true;
    }
    strbuf_free(&ct);
    strbuf_free(&cte);
    strbuf_free(&b);
    strbuf_free(&dec);
}

/* the places a bounce's text quotes a reply, and where the reply starts:
 * at the marker's line (LINE), after the marker (AFTER), or after the marker
 * of a session transcript, whose reply is that line and the continuation
 * lines of the same code (OUT) */
enum { LINE, AFTER, OUT };
static const struct {
    const char *text;
    int from;
} markers[] = {
    { " said: ", LINE },                                        /* Postfix, qmail */
    { "SMTP error from remote", LINE },                         /* Exim */
    { "(reason: ", AFTER },                                     /* Sendmail */
    { "Remote host said", LINE },                               /* qmail, "said[...]:" */
    { "Remote Server returned '", AFTER },                      /* Exchange */
    { "The error that the other server returned was:", AFTER }, /* Gmail */
    { "Technical details of permanent failure:", AFTER },       /* Gmail before 2017 */
    { "Technical details of temporary failure:", AFTER },
    { "did not reach the following recipient(s):", AFTER }, /* Exchange 5.5/2003 */
    { "\nbecause:", AFTER },                                /* Lotus Domino */
    { ") reports:", AFTER },                                /* CommuniGate Pro */
    { "<<< 5", AFTER },                                     /* Sendmail transcript */
    { "<<< 4", AFTER },
    { "\n Out: 5", OUT }, /* Postfix "Transcript of session follows." */
    { "\n Out: 4", OUT },
};

/* transcript_reply - the reply of a session transcript at line (" Out: 451
 * 4.3.0 ...") and its continuation lines (" Out: 451-..."), without the
 * markers, into d */
static void transcript_reply(struct slice rest, struct strbuf *d)
{
    size_t pos = 0;
    struct slice line;
    char code[4] = "";
    while (bounce_next_line(rest, &pos, &line)) {
        struct slice t = slice_trim(line);
        if (t.n < 9 || strncmp(t.p, "Out:", 4) != 0)
            break;
        t = slice_trim(slice_make(t.p + 4, t.n - 4));
        if (t.n < 3 || (code[0] && memcmp(t.p, code, 3) != 0))
            break;
        if (!code[0])
            memcpy(code, t.p, 3);
        if (d->len)
            strbuf_addc(d, ' ');
        /* "451-text" continuation lines: keep the text, as MTAs join them */
        if (t.n > 4 && t.p[3] == '-' && d->len)
            strbuf_add(d, t.p + 4, t.n - 4);
        else
            strbuf_add(d, t.p, t.n);
        if (t.n == 3 || t.p[3] != '-')
            break;
    }
}

/* exim_failed - Exim's plain bounce: "The following address(es) failed:",
 * then per recipient its address and, indented below it, why; the first one
 * into d and *rcpt */
static bool exim_failed(struct slice text, struct strbuf *d, char **rcpt)
{
    const char *p = bounce_find_ci(text, "following address(es) failed:");
    if (!p)
        return false;
    struct slice rest = slice_make(p, (size_t)(text.p + text.n - p));
    size_t pos = 0;
    struct slice line;
    bounce_next_line(rest, &pos, &line); /* the marker's line */
    size_t indent = 0;
    while (bounce_next_line(rest, &pos, &line)) {
        if (bounce_blank(line)) {
            if (*rcpt || d->len)
                break;
            continue;
        }
        size_t in = 0;
        while (in < line.n && (line.p[in] == ' ' || line.p[in] == '\t'))
            in++;
        struct slice t = slice_trim(line);
        if (!*rcpt) {
            if (!memchr(t.p, '@', t.n))
                return false;
            *rcpt = xmemdup(t.p, t.n);
            indent = in;
            continue;
        }
        if (in <= indent)
            break; /* the next recipient */
        if (t.p[0] == '(' && t.p[t.n - 1] == ')' && !d->len)
            continue; /* "(generated from ...)" */
        if (d->len)
            strbuf_addc(d, ' ');
        strbuf_add(d, t.p, t.n);
    }
    if (!d->len) {
        free(*rcpt);
        *rcpt = NULL;
        return false;
    }
    return true;
}

/* unbalanced_close - whether s closes more parentheses than it opens (the
 * ")" of "(reason: 550 ...)" around the reply, not one of the reply's own) */
static bool unbalanced_close(const char *s)
{
    long depth = 0;
    for (; *s; s++)
        depth += *s == '(' ? 1 : *s == ')' ? -1 : 0;
    return depth < 0;
}

/* quoted_reply - the reply a bounce's text quotes (the first marker, else a
 * qmail "<a@b>:" paragraph, else with layouts the layouts of
 * bounce_layouts.c) into d; *rcpt gets the address it names, or NULL */
static bool quoted_reply(struct slice text, struct strbuf *d, char **rcpt, bool layouts)
{
    const char *best = NULL;
    size_t which = 0;
    *rcpt = NULL;
    strbuf_reset(d);
    for (size_t i = 0; i < sizeof markers / sizeof *markers; i++) {
        const char *p = bounce_find_ci(text, markers[i].text);
        /* Gmail's "Technical details" only when it quotes no reply of its own */
        if (p && strncmp(markers[i].text, "Technical", 9) == 0 &&
            bounce_find_ci(text, "The error that the other server returned was:"))
            p = NULL;
        if (p && (!best || p < best)) {
            best = p;
            which = i;
        }
    }
    const char *start = NULL;
    if (best && markers[which].from == OUT) {
        transcript_reply(slice_make(best + 1, (size_t)(text.p + text.n - best - 1)), d);
        /* the recipient: the last "RCPT TO:<a@b>" the transcript sent before */
        const char *rt = NULL;
        for (struct slice before = slice_make(text.p, (size_t)(best - text.p));;) {
            const char *q = bounce_find_ci(before, "RCPT TO:<");
            if (!q)
                break;
            rt = q + 9;
            before = slice_make(rt, (size_t)(best - rt));
        }
        const char *gt = rt ? memchr(rt, '>', (size_t)(best - rt)) : NULL;
        if (gt && memchr(rt, '@', (size_t)(gt - rt)))
            *rcpt = xmemdup(rt, (size_t)(gt - rt));
        return d->len > 0;
    }
    if (!best && exim_failed(text, d, rcpt))
        return true;
    if (best) {
        start = best;
        if (markers[which].from == AFTER) {
            start = best + strlen(markers[which].text);
            if (best[0] == '<') { /* "<<< 550 ...": keep the code */
                start = best + 4;
                *rcpt = bounce_layout_transcript_rcpt(text, best);
            }
        } else {
            while (start > text.p && start[-1] != '\n')
                start--;
        }
    } else {
        /* qmail-local: "<a@b>:" alone on a line, the reason on the next ones */
        size_t pos = 0;
        struct slice line;
        while (bounce_next_line(text, &pos, &line)) {
            struct slice t = slice_trim(line);
            if (t.n > 3 && t.p[0] == '<' && t.p[t.n - 1] == ':' && t.p[t.n - 2] == '>' &&
                memchr(t.p, '@', t.n)) {
                *rcpt = xmemdup(t.p + 1, t.n - 3);
                start = text.p + pos;
                break;
            }
        }
        if (!start)
            return layouts && bounce_layout_reply(text, d, rcpt);
    }
    struct slice rest = slice_make(start, (size_t)(text.p + text.n - start));
    size_t pos = 0;
    struct slice line;
    bool first = true;
    while (bounce_next_line(rest, &pos, &line)) {
        if (bounce_blank(line)) {
            if (first)
                continue;
            break;
        }
        /* a new unindented "<addr>:" or "\"addr\":" line starts another
         * recipient */
        if (!first && line.n && (line.p[0] == '<' || line.p[0] == '"'))
            break;
        struct slice t = slice_trim(line);
        /* Sendmail's transcript: the reply is its "<<< " lines */
        if (best && best[0] == '<' && !first) {
            if (t.n < 4 || strncmp(t.p, "<<< ", 4) != 0)
                break;
            t = slice_make(t.p + 4, t.n - 4);
        }
        if (d->len)
            strbuf_addc(d, ' ');
        strbuf_add(d, t.p, t.n);
        first = false;
    }
    /* "(reason: 550 ...)", "Remote Server returned '550 ...'" */
    if (best && markers[which].from == AFTER && d->len &&
        ((d->s[d->len - 1] == ')' && unbalanced_close(d->s)) || d->s[d->len - 1] == '\''))
        d->s[--d->len] = '\0';
    /* Gmail ("Delivery to the following recipient failed permanently:"),
     * Domino ("was not delivered to:"): the address alone on a line below */
    static const char *const lead[] = { "following recipient", "was not delivered to:" };
    for (size_t i = 0; !*rcpt && i < sizeof lead / sizeof *lead; i++) {
        const char *q = bounce_find_ci(text, lead[i]);
        if (!q)
            continue;
        struct slice after = slice_make(q, (size_t)(text.p + text.n - q));
        size_t lp = 0;
        struct slice l = SLICE_EMPTY; /* stays empty when the text ends at the lead */
        bounce_next_line(after, &lp, &l);
        while (bounce_next_line(after, &lp, &l) && bounce_blank(l))
            ;
        struct slice t = slice_trim(l);
        if (t.n > 2 && memchr(t.p, '@', t.n) && !memchr(t.p, ' ', t.n))
            *rcpt = xmemdup(t.p, t.n);
    }
    /* Exchange 2003: "a@b on <date> The recipient name is not recognized" */
    const char *s2 = strbuf_cstr(d);
    size_t w0 = strcspn(s2, " ");
    if (!*rcpt && w0 > 2 && memchr(s2, '@', w0) && s2[0] != '<' &&
        strncmp(s2 + w0, " on ", 4) == 0) {
        *rcpt = xmemdup(s2, w0);
        const char *e = s2 + w0 + 4;
        /* the date runs up to the reply's first letters after its last digit group */
        const char *t = strstr(e, " +");
        if (!t)
            t = strstr(e, " -");
        if (t) {
            t += 2;
            while (*t && *t != ' ')
                t++;
            while (*t == ' ')
                t++;
            size_t off = (size_t)(t - s2);
            memmove(d->s, d->s + off, d->len - off + 1);
            d->len -= off;
        }
    }
    /* Postfix: "<a@b>: host mx[ip] said: ..." */
    s2 = strbuf_cstr(d);
    if (s2[0] == '<' && !*rcpt) {
        const char *e = strchr(s2, '>');
        if (e && e[1] == ':') {
            *rcpt = xmemdup(s2 + 1, (size_t)(e - s2 - 1));
            e += 2;
            while (*e == ' ')
                e++;
            size_t off = (size_t)(e - s2);
            memmove(d->s, d->s + off, d->len - off + 1);
            d->len -= off;
        }
    }
    return d->len > 0;
}

/* rcpt_reply - the lines a bounce's text gives one recipient: a line that
 * starts with its address ("<a@b>: 550 ...", OpenSMTPD's "a@b: 550 ...",
 * qmail's "<a@b>:" and the reason on the lines below), the rest of that line
 * and the indented lines after it, into d */
static bool rcpt_reply(struct slice text, const char *addr, struct strbuf *d)
{
    size_t n = strlen(addr), pos = 0;
    struct slice line;
    strbuf_reset(d);
    if (n < 3 || !strchr(addr, '@'))
        return false;
    while (bounce_next_line(text, &pos, &line)) {
        struct slice t = slice_trim(line);
        size_t off, len, ro;
        if (t.n && (t.p[0] == '"' || isdigit((unsigned char)t.p[0])) &&
            bounce_rcpt_lead(t, &off, &len, &ro) && len == n && !strncasecmp(t.p + off, addr, n)) {
            /* GMX's "\"a@b\":" with the reason on the lines below, up to
             * a blank line or the next recipient; Sendmail's "550 <a@b>...
             * why" alone */
            strbuf_add(d, t.p + ro, t.n - ro);
            while (t.p[0] == '"' && bounce_next_line(text, &pos, &line)) {
                struct slice c = slice_trim(line);
                if (!c.n || c.p[0] == '"' || c.p[0] == '<')
                    break;
                if (d->len)
                    strbuf_addc(d, ' ');
                strbuf_add(d, c.p, c.n);
            }
            return d->len > 0;
        }
        bool angle = t.n && t.p[0] == '<';
        if (angle)
            t = slice_make(t.p + 1, t.n - 1);
        if (t.n < n || strncasecmp(t.p, addr, n) != 0)
            continue;
        size_t i = n;
        if (angle && i < t.n && t.p[i] == '>')
            i++;
        size_t ai = (size_t)(t.p - line.p) - angle; /* the address line's indent */
        /* Exim "  a@b", Deutsche Telekom " <a@b>": why indented below */
        bool alone = i == t.n && ai > 0;
        if (!alone && (i >= t.n || t.p[i] != ':'))
            continue;
        struct slice rest =
            alone ? slice_make(t.p, 0) : slice_trim(slice_make(t.p + i + 1, t.n - i - 1));
        strbuf_add(d, rest.p, rest.n);
        bool own_para = rest.n == 0 && !alone; /* qmail: the reason is the paragraph below */
        while (bounce_next_line(text, &pos, &line)) {
            if (bounce_blank(line))
                break;
            size_t in = 0;
            while (in < line.n && (line.p[in] == ' ' || line.p[in] == '\t'))
                in++;
            if (alone ? in <= ai : !own_para && in == 0)
                break;
            if (own_para && line.p[0] == '<')
                break; /* the next recipient */
            struct slice c = slice_trim(line);
            if (d->len)
                strbuf_addc(d, ' ');
            strbuf_add(d, c.p, c.n);
        }
        return d->len > 0;
    }
    return false;
}

/* quoted_host - the host a quoted reply names ("host mx.example.net[ip] said",
 * Exim's "host mx.example.net [ip]:", dma's "mx.example.net [ip] did not like
 * our ..."), or NULL */
static char *quoted_host(struct slice d)
{
    /* dma: "mx.example.net [ip] did not like our RCPT TO:" */
    const char *sp = memchr(d.p, ' ', d.n);
    if (sp && sp > d.p && memchr(d.p, '.', (size_t)(sp - d.p)) && sp + 1 < d.p + d.n &&
        sp[1] == '[') {
        const char *rb = memchr(sp, ']', (size_t)(d.p + d.n - sp));
        if (rb && (size_t)(d.p + d.n - rb) > 19 && !strncmp(rb, "] did not like our ", 19))
            return xmemdup(d.p, (size_t)(sp - d.p));
    }
    const char *h = bounce_find_ci(d, "host ");
    while (h) {
        const char *p = h + 5, *end = d.p + d.n, *q = p;
        while (q < end && *q != ' ' && *q != '[' && *q != ':')
            q++;
        const char *b = q < end && *q == ' ' ? q + 1 : q;
        if (q > p && memchr(p, '.', (size_t)(q - p)) && b < end && *b == '[')
            return xmemdup(p, (size_t)(q - p));
        struct slice rest = slice_make(p, (size_t)(end - p));
        h = bounce_find_ci(rest, "host ");
    }
    return NULL;
}

/* holds_words - whether hay holds needle, any run of blanks matching any
 * other (a text part folds a reply where a Diagnostic-Code unfolds it) */
static bool holds_words(const char *hay, const char *needle)
{
    while (*needle == ' ' || *needle == '\t')
        needle++;
    if (!*needle)
        return false;
    for (const char *h = hay; *h; h++) {
        const char *a = h, *b = needle;
        while (*a && *b) {
            bool sa = *a == ' ' || *a == '\t', sb = *b == ' ' || *b == '\t';
            if (sa && sb) {
                while (*a == ' ' || *a == '\t')
                    a++;
                while (*b == ' ' || *b == '\t')
                    b++;
                continue;
            }
            if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
                break;
            a++, b++;
        }
        while (*b == ' ' || *b == '\t')
            b++;
        if (!*b)
            return true;
    }
    return false;
}

/* one recipient from a reply the text quotes: owns rcpt, copies the reply */
static void add_quoted(struct bounce_message *m, char *rcpt, const struct strbuf *d)
{
    struct bounce_recipient *r = new_rcpt(m);
    r->final_recipient = rcpt;
    r->remote_mta = quoted_host(strbuf_slice(d));
    r->diagnostic = xstrdup(strbuf_cstr(d));
    r->diagnostic_type = xstrdup("smtp");
    fill_empty(r);
}

/* more_rcpts - the other recipients of a bounce without a delivery-status
 * part: the addresses of X-Failed-Recipients (Exim), of the "<a@b>:" lines
 * that open a paragraph (qmail, Postfix) and of indented "<a@b>" lines
 * (Deutsche Telekom), each with the reply its own
 * paragraph gives (rcpt_reply); one without one is left out */
static void more_rcpts(struct slice text, const char *failed, struct bounce_message *m)
{
    struct strbuf cand = STRBUF_INIT, d = STRBUF_INIT;
    strbuf_adds(&cand, failed);
    size_t pos = 0;
    struct slice line;
    while (bounce_next_line(text, &pos, &line)) {
        /* "<a@b>:", "\"a@b\":" (GMX), "550 <a@b>... why" (Sendmail) */
        struct slice t = slice_trim(line);
        size_t off, len, rest;
        if (bounce_rcpt_lead(t, &off, &len, &rest)) {
            strbuf_addc(&cand, ',');
            strbuf_add(&cand, t.p + off, len);
        } else if (t.n > 4 && t.p > line.p && t.p[0] == '<' && t.p[t.n - 1] == '>' &&
                   memchr(t.p, '@', t.n) && !memchr(t.p, ' ', t.n)) {
            /* an indented "<a@b>" alone (Deutsche Telekom's "Failed addresses
             * follow:"): rcpt_reply takes it when a reply is indented below */
            strbuf_addc(&cand, ',');
            strbuf_add(&cand, t.p + 1, t.n - 2);
        }
    }
    const char *c = strbuf_cstr(&cand);
    struct bounce_recipient *r0 = &m->rcpts[0];
    if (!r0->final_recipient[0]) {
        /* the first "<a@b>:" paragraph is the first recipient's */
        const char *f = c + strspn(c, ", \t\r\n");
        size_t k = strcspn(f, ", \t\r\n");
        if (k) {
            free(r0->final_recipient);
            r0->final_recipient = xmemdup(f, k);
        }
    }
    /* the first reply read up to a blank line may run into the next
     * recipient's paragraph: its own paragraph, when that holds less */
    if (r0->final_recipient[0] && rcpt_reply(text, r0->final_recipient, &d) &&
        d.len < strlen(r0->diagnostic) && holds_words(r0->diagnostic, strbuf_cstr(&d))) {
        free(r0->diagnostic);
        r0->diagnostic = xstrdup(strbuf_cstr(&d));
    }
    while (*c) {
        c += strspn(c, ", \t\r\n");
        size_t k = strcspn(c, ", \t\r\n");
        if (!k)
            break;
        char *addr = xmemdup(c, k);
        c += k;
        bool seen = false;
        for (size_t i = 0; i < m->n_rcpts && !seen; i++)
            seen = strcasecmp(m->rcpts[i].final_recipient, addr) == 0;
        if (seen || !rcpt_reply(text, addr, &d)) {
            free(addr);
            continue;
        }
        add_quoted(m, addr, &d);
    }
    strbuf_free(&cand);
    strbuf_free(&d);
}

/* fallback - the first reply a bounce's text quotes, as one recipient */
static bool fallback(struct slice text, struct bounce_message *m)
{
    struct strbuf d = STRBUF_INIT;
    char *rcpt = NULL;
    if (!quoted_reply(text, &d, &rcpt, true)) {
        free(rcpt);
        strbuf_free(&d);
        return false;
    }
    add_quoted(m, rcpt, &d);
    strbuf_free(&d);
    return true;
}

bool bounce_message_looks_like(const char *data, size_t n)
{
    static const char *const known[] = { "Return-Path:",
                                         "Received:",
                                         "From:",
                                         "Date:",
                                         "Message-Id:",
                                         "Message-ID:",
                                         "Subject:",
                                         "To:",
                                         "MIME-Version:",
                                         "Content-Type:",
                                         "Delivered-To:",
                                         "Reporting-MTA:",
                                         "Final-Recipient:",
                                         "X-",
                                         "From " };
    while (n && (*data == '\n' || *data == '\r' || *data == ' '))
        data++, n--;
    for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
        size_t k = strlen(known[i]);
        if (n > k && strncasecmp(data, known[i], k) == 0)
            return true;
    }
    return false;
}

int bounce_message_parse(const char *data, size_t n, struct bounce_message *m, struct strbuf *err)
{
    memset(m, 0, sizeof *m);
    m->reporting_mta = xstrdup("");
    struct walk w = { m, STRBUF_INIT, false };
    struct slice all = slice_make(data, n);
    struct slice head, body;
    split(all, &head, &body);
    struct strbuf v = STRBUF_INIT;
    m->subject = xstrdup(header(head, "Subject", &v) ? strbuf_cstr(&v) : "");
    strbuf_free(&v);
    walk_part(&w, all, 0);
    if (!m->is_dsn && (bounce_find_ci(all, "\nFinal-Recipient:") ||
                       bounce_find_ci(all, "Final-Recipient:") == data)) {
        /* DSN fields without their message around them */
        read_fields(all, m);
        m->is_dsn = m->n_rcpts > 0;
    }
    if (m->is_dsn) {
        /* a delivery-status part without Diagnostic-Code: the reply the text
         * quotes; with one, the text's quote of the same reply when it says
         * more (the command it answered: "after EHLO x:", "(in reply to MAIL
         * FROM command)") */
        struct strbuf d = STRBUF_INIT;
        char *rcpt = NULL;
        bool have = false, tried = false;
        for (size_t i = 0; i < m->n_rcpts; i++) {
            const char *diag = m->rcpts[i].diagnostic;
            struct strbuf own = STRBUF_INIT;
            if (!diag[0] && rcpt_reply(w.have_text ? strbuf_slice(&w.text) : body,
                                       m->rcpts[i].final_recipient, &own)) {
                /* the text's paragraph for this recipient (OpenSMTPD, qmail,
                 * several recipients with a reply each) */
                free(m->rcpts[i].diagnostic);
                m->rcpts[i].diagnostic = xstrdup(strbuf_cstr(&own));
                strbuf_free(&own);
                if (!m->rcpts[i].diagnostic_type[0]) {
                    free(m->rcpts[i].diagnostic_type);
                    m->rcpts[i].diagnostic_type = xstrdup("smtp");
                }
                continue;
            }
            strbuf_free(&own);
            if (!tried) {
                have = quoted_reply(w.have_text ? strbuf_slice(&w.text) : body, &d, &rcpt, false);
                tried = true;
            }
            if (diag[0] && !(have && d.len > strlen(diag) && holds_words(strbuf_cstr(&d), diag)))
                continue;
            struct strbuf named = STRBUF_INIT;
            if (have) {
                free(m->rcpts[i].diagnostic);
                m->rcpts[i].diagnostic = xstrdup(strbuf_cstr(&d));
                if (!m->rcpts[i].diagnostic_type[0]) {
                    free(m->rcpts[i].diagnostic_type);
                    m->rcpts[i].diagnostic_type = xstrdup("smtp");
                }
            } else if (!diag[0] && bounce_layout_named(w.have_text ? strbuf_slice(&w.text) : body,
                                                       m->rcpts[i].final_recipient, &named)) {
                /* no reply anywhere: the notice's sentence naming it (Gmail) */
                free(m->rcpts[i].diagnostic);
                m->rcpts[i].diagnostic = xstrdup(strbuf_cstr(&named));
            }
            strbuf_free(&named);
        }
        free(rcpt);
        strbuf_free(&d);
    }
    if (!m->is_dsn) {
        struct strbuf failed = STRBUF_INIT;
        bool have_failed = header(head, "X-Failed-Recipients", &failed);
        bool ok = fallback(w.have_text ? strbuf_slice(&w.text) : body.n ? body : all, m);
        if (!ok && w.have_text)
            ok = fallback(all, m);
        if (!ok && have_failed) {
            /* no reply quoted, the failed recipient in a header (Google Groups) */
            struct strbuf d = STRBUF_INIT;
            if (bounce_layout_notice(w.have_text ? strbuf_slice(&w.text) : body, &d)) {
                add_quoted(m, NULL, &d);
                ok = true;
            }
            strbuf_free(&d);
        }
        if (!ok) {
            strbuf_addf(err, "no delivery-status part and no quoted SMTP reply found");
            strbuf_free(&failed);
            strbuf_free(&w.text);
            return -1;
        }
        /* Exim names the failed recipients in a header */
        if (have_failed && !m->rcpts[0].final_recipient[0]) {
            size_t k = strcspn(strbuf_cstr(&failed), ", ");
            free(m->rcpts[0].final_recipient);
            m->rcpts[0].final_recipient = xmemdup(failed.s, k);
        }
        more_rcpts(w.have_text ? strbuf_slice(&w.text) : body, strbuf_cstr(&failed), m);
        strbuf_free(&failed);
        if (!m->rcpts[0].final_recipient[0]) {
            /* a lead line, a Sendmail transcript, the returned message's To: */
            char *a = bounce_layout_rcpt(w.have_text ? strbuf_slice(&w.text) : body);
            if (a) {
                free(m->rcpts[0].final_recipient);
                m->rcpts[0].final_recipient = a;
            }
        }
    }
    strbuf_free(&w.text);
    return 0;
}

void bounce_message_free(struct bounce_message *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_rcpts; i++) {
        struct bounce_recipient *r = &m->rcpts[i];
        free(r->final_recipient);
        free(r->original_recipient);
        free(r->action);
        free(r->status);
        free(r->remote_mta);
        free(r->diagnostic_type);
        free(r->diagnostic);
        free(r->last_attempt);
    }
    free(m->rcpts);
    free(m->reporting_mta);
    free(m->subject);
    memset(m, 0, sizeof *m);
}
