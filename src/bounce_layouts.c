/*
 * bounce_layouts.c - the plain-text bounce layouts bounce_message.c finds no
 * marker in, and the places such bounces name their recipients
 * (see bounce_layouts.h).
 *
 * DESCRIPTION
 *   Tried in order, the first that finds a reply wins:
 *   - dma's (DragonFly Mail Agent) "There was an error delivering your mail
 *     to <a@b>.": the address and the paragraph below it ("mx [ip] did not
 *     like our RCPT TO: 550 ...", "DNS lookup failure: ...");
 *   - Mimecast's "Additional information follows :": the paragraph below it
 *     without its "-- " bullet; InterScan MSS's "Unable to deliver message to
 *     <a@b> ...": that line;
 *   - Sendmail's (and V5 Sendmail's, Active!hunter's) "----- Transcript of
 *     session follows -----": its first reply line ("421 host (smtp)...
 *     Deferred: ...", "550 sorry, no mailbox here ...");
 *   - 1&1's "For the following reason:": the paragraph below it;
 *   - a line echoing a recipient the Sendmail way ("553 5.3.0 <a@b>... No
 *     such user here", Zoho's "a@b Invalid Address, ... <a@b>... User
 *     Unknown"): the line;
 *   - a line holding an SMTP reply with its enhanced status code ("550 5.4.1
 *     ...", MXLogic's "<a@b>: 550 5.1.1 ..."): from the code on;
 *   - IMail's "Unknown user: a@b", "Delivery failed 20 attempts: a@b": the
 *     words before the address.
 *   A delivery-status recipient without a reply of its own gets the
 *   paragraph that names it and says "because" (Gmail's "wasn't delivered
 *   to a@b because the address couldn't be found").
 *   A notice without any of these that names its failed recipient in a
 *   header (Google Groups) gives its first paragraph of some length.
 *   The recipient of a bounce whose reply named none is looked for in its
 *   lead lines ("The following address failed:", "following recipients
 *   failed permanently:", "permanent fatal errors", with bullets or quotes
 *   around the address below), in "<a@b>:" / "\"a@b\":" / Sendmail
 *   "550 <a@b>... " lines and "RCPT To:<a@b>", IMail's line, an address
 *   alone on a line and, last, the To: of the returned message.
 *
 * NOT DONE HERE
 *   MIME (bounce_message.c decodes the parts first), RFC 3464 fields,
 *   classification.
 */
#include "bounce_layouts.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/xalloc.h"

bool bounce_next_line(struct slice s, size_t *pos, struct slice *line)
{
    if (*pos >= s.n)
        return false;
    const char *p = s.p + *pos, *nl = memchr(p, '\n', s.n - *pos);
    size_t len = nl ? (size_t)(nl - p) : s.n - *pos;
    *pos += len + (nl ? 1 : 0);
    if (len && p[len - 1] == '\r')
        len--;
    *line = slice_make(p, len);
    return true;
}

bool bounce_blank(struct slice line)
{
    for (size_t i = 0; i < line.n; i++)
        if (line.p[i] != ' ' && line.p[i] != '\t')
            return false;
    return true;
}

const char *bounce_find_ci(struct slice s, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= s.n; i++)
        if (strncasecmp(s.p + i, needle, n) == 0)
            return s.p + i;
    return NULL;
}

/* addr_at - the length of the mail address at p (at most n bytes), 0 if
 * none: local@domain, the domain with a dot or a single label */
static size_t addr_at(const char *p, size_t n)
{
    size_t i = 0, at = 0;
    while (i < n && (isalnum((unsigned char)p[i]) || strchr("._-+=%!/'@", p[i]))) {
        if (p[i] == '@') {
            if (at)
                return 0;
            at = i;
        }
        i++;
    }
    while (i > at + 1 && p[i - 1] == '.')
        i--;
    return at > 0 && i > at + 1 ? i : 0;
}

static bool code3(const char *p, size_t n)
{
    return n >= 4 && (p[0] == '2' || p[0] == '4' || p[0] == '5') && isdigit((unsigned char)p[1]) &&
           isdigit((unsigned char)p[2]) && (p[3] == ' ' || p[3] == '-');
}

/* echo_at - Sendmail's echo of a recipient in a line: "<a@b>... "; the
 * address's offset and length */
static bool echo_at(struct slice t, size_t *off, size_t *len)
{
    for (const char *lt = memchr(t.p, '<', t.n); lt;
         lt = memchr(lt + 1, '<', (size_t)(t.p + t.n - lt - 1))) {
        size_t o = (size_t)(lt - t.p) + 1, k = addr_at(t.p + o, t.n - o);
        if (k && o + k + 4 <= t.n && !memcmp(t.p + o + k, ">...", 4)) {
            *off = o, *len = k;
            return true;
        }
    }
    return false;
}

bool bounce_rcpt_lead(struct slice t, size_t *off, size_t *len, size_t *rest)
{
    size_t o = 0;
    if (code3(t.p, t.n) && t.n > 5 && t.p[4] == '<') { /* "550 <a@b>... why" */
        size_t k = addr_at(t.p + 5, t.n - 5);
        if (!k || 5 + k + 4 > t.n || memcmp(t.p + 5 + k, ">...", 4) != 0)
            return false;
        *off = 5, *len = k, *rest = 5 + k + 4;
        while (*rest < t.n && t.p[*rest] == ' ')
            ++*rest;
        return true;
    }
    if (!t.n || (t.p[0] != '<' && t.p[0] != '"'))
        return false;
    char close = t.p[0] == '<' ? '>' : '"';
    o = 1;
    size_t k = addr_at(t.p + o, t.n - o);
    if (!k || o + k + 2 > t.n || t.p[o + k] != close || t.p[o + k + 1] != ':')
        return false;
    *off = o, *len = k, *rest = o + k + 2;
    while (*rest < t.n && t.p[*rest] == ' ')
        ++*rest;
    return true;
}

/* coded_at - where a line holds an SMTP reply code and an enhanced status
 * code ("553 5.3.0", "550-5.7.1"), or NULL */
static const char *coded_at(struct slice t)
{
    for (size_t i = 0; i + 9 <= t.n; i++) {
        if ((i && isalnum((unsigned char)t.p[i - 1])) || !code3(t.p + i, t.n - i))
            continue;
        const char *e = t.p + i + 4, *end = t.p + t.n;
        if (e + 5 > end || e[0] != t.p[i] || e[1] != '.' || !isdigit((unsigned char)e[2]))
            continue;
        return t.p + i;
    }
    return NULL;
}

/* why_addr - IMail's "Unknown user: a@b": words (one blank at least, no
 * address, not a header field) before ": " and a lone address after it */
static bool why_addr(struct slice t, size_t *why, size_t *off, size_t *len)
{
    const char *c = memchr(t.p, ':', t.n);
    if (!c || c == t.p || !isalpha((unsigned char)t.p[0]))
        return false;
    size_t w = (size_t)(c - t.p);
    if (w > 60 || !memchr(t.p, ' ', w) || memchr(t.p, '@', w) || memchr(t.p, '<', w))
        return false;
    if (!strncasecmp(t.p, "MAIL FROM", 9) || !strncasecmp(t.p, "RCPT TO", 7))
        return false; /* an SMTP command echoed ("MAIL FROM: a@b"), no reason */
    size_t o = w + 1;
    while (o < t.n && t.p[o] == ' ')
        o++;
    bool angle = o < t.n && t.p[o] == '<';
    size_t k = addr_at(t.p + o + angle, t.n - o - angle);
    if (!k || o + angle + k + angle != t.n || (angle && t.p[t.n - 1] != '>'))
        return false;
    *why = w, *off = o + angle, *len = k;
    return true;
}

/* paragraph - the lines from pos up to a blank line (leading blank lines
 * skipped), joined by one blank, into d */
static void paragraph(struct slice s, size_t pos, struct strbuf *d)
{
    struct slice line;
    while (bounce_next_line(s, &pos, &line)) {
        if (bounce_blank(line)) {
            if (d->len)
                break;
            continue;
        }
        struct slice t = slice_trim(line);
        if (d->len)
            strbuf_addc(d, ' ');
        strbuf_add(d, t.p, t.n);
    }
}

bool bounce_layout_reply(struct slice text, struct strbuf *d, char **rcpt)
{
    size_t pos = 0, off, len, why;
    struct slice line;
    strbuf_reset(d);
    *rcpt = NULL;
    /* dma (DragonFly Mail Agent): "There was an error delivering your mail
     * to <a@b>." and the reason as the next paragraph */
    const char *p = bounce_find_ci(text, "error delivering your mail to <");
    if (p) {
        const char *a = p + strlen("error delivering your mail to <");
        size_t k = addr_at(a, (size_t)(text.p + text.n - a));
        const char *nl = memchr(a, '\n', (size_t)(text.p + text.n - a));
        if (k && a[k] == '>' && nl) {
            paragraph(text, (size_t)(nl + 1 - text.p), d);
            if (d->len) {
                *rcpt = xmemdup(a, k);
                return true;
            }
        }
    }
    /* Mimecast's notice: "Additional information follows :" and "-- 5.4.1 ..."
     * below it; InterScan MSS: "Unable to deliver message to <a@b> (...). Please
     * check ..." - the line is the reason */
    p = bounce_find_ci(text, "Additional information follows");
    if (p) {
        const char *nl = memchr(p, '\n', (size_t)(text.p + text.n - p));
        if (nl)
            paragraph(text, (size_t)(nl + 1 - text.p), d);
        size_t skip = 0;
        while (skip < d->len && (d->s[skip] == '-' || d->s[skip] == ' '))
            skip++;
        if (d->len > skip) {
            memmove(d->s, d->s + skip, d->len - skip + 1);
            d->len -= skip;
            return true;
        }
        strbuf_reset(d);
    }
    p = bounce_find_ci(text, "deliver message to <");
    if (p) {
        const char *a = p + strlen("deliver message to <");
        size_t k = addr_at(a, (size_t)(text.p + text.n - a));
        if (k && a[k] == '>') {
            const char *b = p, *e = memchr(p, '\n', (size_t)(text.p + text.n - p));
            while (b > text.p && b[-1] != '\n')
                b--;
            struct slice t = slice_trim(slice_make(b, (size_t)((e ? e : text.p + text.n) - b)));
            strbuf_add(d, t.p, t.n);
            *rcpt = xmemdup(a, k);
            return true;
        }
    }
    p = bounce_find_ci(text, "Transcript of session follows");
    if (p) {
        struct slice rest = slice_make(p, (size_t)(text.p + text.n - p));
        bounce_next_line(rest, &pos, &line); /* the marker's line */
        while (bounce_next_line(rest, &pos, &line)) {
            struct slice t = slice_trim(line);
            if (t.n >= 5 && t.p[0] == '-' && t.p[1] == '-')
                break; /* "----- Unsent message follows -----" */
            if (!code3(t.p, t.n))
                continue;
            strbuf_add(d, t.p, t.n);
            if (echo_at(t, &off, &len))
                *rcpt = xmemdup(t.p + off, len);
            return true;
        }
    }
    p = bounce_find_ci(text, "For the following reason:");
    if (p) {
        paragraph(text, (size_t)(p - text.p) + strlen("For the following reason:"), d);
        if (d->len)
            return true;
    }
    for (pos = 0; bounce_next_line(text, &pos, &line);) {
        struct slice t = slice_trim(line);
        if (echo_at(t, &off, &len)) {
            strbuf_add(d, t.p, t.n);
            *rcpt = xmemdup(t.p + off, len);
            return true;
        }
    }
    for (pos = 0; bounce_next_line(text, &pos, &line);) {
        struct slice t = slice_trim(line);
        const char *c = coded_at(t);
        if (!c)
            continue;
        strbuf_add(d, c, (size_t)(t.p + t.n - c));
        const char *lt = memchr(t.p, '<', t.n);
        size_t k = lt ? addr_at(lt + 1, (size_t)(t.p + t.n - lt - 1)) : 0;
        if (k && lt[1 + k] == '>')
            *rcpt = xmemdup(lt + 1, k);
        return true;
    }
    for (pos = 0; bounce_next_line(text, &pos, &line);) {
        struct slice t = slice_trim(line);
        if (why_addr(t, &why, &off, &len)) {
            strbuf_add(d, t.p, why);
            *rcpt = xmemdup(t.p + off, len);
            return true;
        }
    }
    /* last, a line opening with a bare 4xx/5xx reply code (Apache James's
     * "Error message below:" / "550 - Requested action not taken: ...") */
    for (pos = 0; bounce_next_line(text, &pos, &line);) {
        struct slice t = slice_trim(line);
        if (code3(t.p, t.n) && t.p[0] != '2' && t.n > 8) {
            strbuf_add(d, t.p, t.n);
            return true;
        }
    }
    return false;
}

bool bounce_layout_notice(struct slice text, struct strbuf *d)
{
    size_t pos = 0;
    struct slice line;
    strbuf_reset(d);
    while (bounce_next_line(text, &pos, &line)) {
        struct slice t = slice_trim(line);
        if (t.n >= 5 && t.p[0] == '-' && t.p[1] == '-')
            break; /* "----- Original message -----", a MIME boundary */
        if (bounce_blank(line)) {
            if (d->len >= 60)
                return true;
            strbuf_reset(d);
            continue;
        }
        if (d->len)
            strbuf_addc(d, ' ');
        strbuf_add(d, t.p, t.n);
    }
    if (d->len >= 60)
        return true;
    strbuf_reset(d);
    return false;
}

bool bounce_layout_named(struct slice text, const char *addr, struct strbuf *d)
{
    size_t pos = 0;
    struct slice line;
    strbuf_reset(d);
    for (bool more = true; more;) {
        more = bounce_next_line(text, &pos, &line);
        if (more && !bounce_blank(line)) {
            struct slice t = slice_trim(line);
            if (d->len)
                strbuf_addc(d, ' ');
            strbuf_add(d, t.p, t.n);
            continue;
        }
        struct slice para = strbuf_slice(d);
        if (d->len && bounce_find_ci(para, addr) && bounce_find_ci(para, " because "))
            return true;
        strbuf_reset(d);
    }
    return false;
}

/* lone_addr - the address a line holds alone (trimmed; bullets "*", "-",
 * ">>>", quotes and angle brackets around it allowed; "a@b <a@b>" too) */
static char *lone_addr(struct slice t)
{
    while (t.n && (t.p[0] == '*' || t.p[0] == '-' || t.p[0] == '>' || t.p[0] == ' ' ||
                   t.p[0] == '\t' || t.p[0] == '"' || t.p[0] == '<'))
        t = slice_make(t.p + 1, t.n - 1);
    size_t k = addr_at(t.p, t.n);
    if (!k)
        return NULL;
    struct slice after = slice_trim(slice_make(t.p + k, t.n - k));
    while (after.n && (after.p[0] == '>' || after.p[0] == '"' || after.p[0] == ':'))
        after = slice_make(after.p + 1, after.n - 1);
    after = slice_trim(after);
    if (after.n && !(after.p[0] == '<' && after.p[after.n - 1] == '>' && after.n == k + 2 &&
                     !strncasecmp(after.p + 1, t.p, k)))
        return NULL;
    return xmemdup(t.p, k);
}

char *bounce_layout_rcpt(struct slice text)
{
    static const char *const leads[] = { "following recipient",   "following address could not",
                                         "was not delivered to:", "address failed:",
                                         "addresses failed:",     "permanent fatal errors" };
    size_t pos, off, len, why;
    struct slice line = SLICE_EMPTY;
    for (size_t i = 0; i < sizeof leads / sizeof *leads; i++) {
        const char *q = bounce_find_ci(text, leads[i]);
        if (!q)
            continue;
        struct slice after = slice_make(q, (size_t)(text.p + text.n - q));
        pos = 0;
        bounce_next_line(after, &pos, &line); /* the lead line itself */
        /* the address on the lead line after its colon ("The following
         * recipients returned permanent errors: a@b. Reason: ...") */
        const char *colon = memchr(line.p, ':', line.n);
        if (colon) {
            struct slice t =
                slice_trim(slice_make(colon + 1, (size_t)(line.p + line.n - colon - 1)));
            while (t.n && (t.p[0] == '<' || t.p[0] == '"'))
                t = slice_make(t.p + 1, t.n - 1);
            size_t k = addr_at(t.p, t.n);
            if (k)
                return xmemdup(t.p, k);
        }
        bool more;
        while ((more = bounce_next_line(after, &pos, &line)) && bounce_blank(line))
            ;
        if (!more)
            continue;
        char *a = lone_addr(slice_trim(line));
        if (a)
            return a;
    }
    for (pos = 0; bounce_next_line(text, &pos, &line);) {
        struct slice t = slice_trim(line);
        size_t rest;
        if (bounce_rcpt_lead(t, &off, &len, &rest))
            return xmemdup(t.p + off, len);
        /* "RCPT TO:<a@b>", "RCPT TO: a@b" (Apache James's message details) */
        const char *r = bounce_find_ci(t, "RCPT TO:");
        if (r) {
            struct slice v = slice_trim(slice_make(r + 8, (size_t)(t.p + t.n - r - 8)));
            if (v.n && v.p[0] == '<')
                v = slice_make(v.p + 1, v.n - 1);
            size_t k = addr_at(v.p, v.n);
            if (k)
                return xmemdup(v.p, k);
        }
    }
    /* Amazon SES's JSON notification: "emailAddress":"a@b", its quotes
     * escaped when the JSON is itself an SNS message string */
    const char *ea = bounce_find_ci(text, "emailAddress");
    if (ea) {
        const char *v = ea + 12, *end = text.p + text.n;
        while (v < end && (*v == '\\' || *v == '"' || *v == ':' || *v == ' '))
            v++;
        size_t k = addr_at(v, (size_t)(end - v));
        if (k)
            return xmemdup(v, k);
    }
    for (pos = 0; bounce_next_line(text, &pos, &line);) {
        struct slice t = slice_trim(line);
        if (why_addr(t, &why, &off, &len))
            return xmemdup(t.p + off, len);
    }
    for (pos = 0; bounce_next_line(text, &pos, &line);) {
        struct slice t = slice_trim(line);
        if (t.n && t.p[0] != '*' && t.p[0] != '-' && t.p[0] != '>' && !memchr(t.p, ' ', t.n)) {
            char *a = lone_addr(t);
            if (a)
                return a;
        }
    }
    for (pos = 0; bounce_next_line(text, &pos, &line);) {
        if (line.n < 4 || strncasecmp(line.p, "To:", 3) != 0)
            continue;
        struct slice v = slice_trim(slice_make(line.p + 3, line.n - 3));
        const char *lt = memchr(v.p, '<', v.n);
        if (lt)
            v = slice_make(lt + 1, (size_t)(v.p + v.n - lt - 1));
        size_t k = addr_at(v.p, v.n);
        if (k && (lt ? k < v.n && v.p[k] == '>' : k == v.n))
            return xmemdup(v.p, k);
    }
    return NULL;
}

char *bounce_layout_transcript_rcpt(struct slice text, const char *at)
{
    size_t pos = (size_t)(at - text.p), off, len, rest;
    struct slice line;
    while (bounce_next_line(text, &pos, &line)) {
        struct slice t = slice_trim(line);
        if (t.n >= 5 && t.p[0] == '-' && t.p[1] == '-')
            break;
        if (code3(t.p, t.n) && bounce_rcpt_lead(t, &off, &len, &rest))
            return xmemdup(t.p + off, len);
    }
    const char *rt = NULL;
    for (struct slice before = slice_make(text.p, (size_t)(at - text.p));;) {
        const char *q = bounce_find_ci(before, "RCPT TO:<");
        if (!q)
            break;
        rt = q + 9;
        before = slice_make(rt, (size_t)(at - rt));
    }
    size_t k = rt ? addr_at(rt, (size_t)(at - rt)) : 0;
    return k && rt[k] == '>' ? xmemdup(rt, k) : NULL;
}
