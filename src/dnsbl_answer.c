/*
 * dnsbl_answer.c - judge one DNS answer to a blocklist query (see dnsbl_answer.h).
 *
 * Why not ares_parse_a_reply: it skips A records whose length is not 4 and
 * follows CNAMEs without saying where they led, so a NOERROR answer with a
 * 3-byte A record, or with only a CNAME to itself, came back as "no
 * addresses" - which read as "not listed", the one wrong answer a blocklist
 * check must never give. Here the packet is walked byte by byte with every
 * length checked against its end, and only two shapes count: NXDOMAIN to our
 * question, or records of our type for our name. Names are compared as
 * lower-cased wire labels, so a label with a '.' inside cannot pass for two.
 *
 * Not here: c-ares, the catalogue's meaning of codes (dnsbl.c, blocklists.c).
 */
#include "dnsbl_answer.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MAX_RECORDS 32 /* answer records looked at; a blocklist answer has a handful */
#define MAX_CHAIN 8    /* CNAME hops followed */
#define MAX_JUMPS 64   /* compression pointers followed in one name */

/* a domain name as wire labels, lower-cased, ending with the 0 label */
struct wname {
    unsigned char b[256];
    size_t n;
};

struct rr {
    struct wname owner;
    unsigned type, class;
    uint32_t ttl;
    size_t rd, rdlen; /* rdata offset and length inside the packet */
};

static bool name_eq(const struct wname *a, const struct wname *b)
{
    return a->n == b->n && memcmp(a->b, b->b, a->n) == 0;
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* read_name - the name at *off into w; *off moves past it (past the first
 * pointer if it has one). -1 if it runs past len, is longer than 255 bytes,
 * uses a label type other than plain and pointer, or a pointer that does not
 * point backwards (which is what makes pointer loops impossible) */
static int read_name(const unsigned char *b, size_t len, size_t *off, struct wname *w)
{
    size_t p = *off, end = 0;
    bool jumped = false;
    int jumps = 0;
    w->n = 0;
    for (;;) {
        if (p >= len)
            return -1;
        unsigned c = b[p];
        if ((c & 0xC0) == 0xC0) {
            if (p + 1 >= len)
                return -1;
            size_t target = ((size_t)(c & 0x3F) << 8) | b[p + 1];
            if (!jumped)
                end = p + 2;
            jumped = true;
            if (target >= p || ++jumps > MAX_JUMPS)
                return -1;
            p = target;
            continue;
        }
        if (c & 0xC0)
            return -1; /* 0x40/0x80: extended label types, never in an answer to us */
        if (w->n + 1 + c > sizeof w->b)
            return -1;
        w->b[w->n++] = (unsigned char)c;
        if (c == 0)
            break;
        if (p + 1 + c > len)
            return -1;
        for (unsigned i = 0; i < c; i++)
            w->b[w->n++] = lower(b[p + 1 + i]);
        p += 1 + c;
    }
    *off = jumped ? end : p + 1;
    return 0;
}

/* encode - a dotted name ("2.0.0.127.zen.test", trailing dot optional) as wire labels */
static int encode(const char *name, struct wname *w)
{
    w->n = 0;
    const char *p = name;
    while (*p) {
        size_t l = strcspn(p, ".");
        if (l == 0 || l > 63 || w->n + 1 + l + 1 > sizeof w->b)
            return -1;
        w->b[w->n++] = (unsigned char)l;
        for (size_t i = 0; i < l; i++)
            w->b[w->n++] = lower((unsigned char)p[i]);
        p += l;
        if (*p == '.')
            p++;
    }
    w->b[w->n++] = 0;
    return 0;
}

static uint16_t u16(const unsigned char *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint32_t dnsbl_ttl_bound(uint32_t ttl)
{
    return ttl < DNSBL_TTL_MIN ? DNSBL_TTL_MIN : ttl > DNSBL_TTL_MAX ? DNSBL_TTL_MAX : ttl;
}

static void bad(struct dnsbl_answer *out, const char *why)
{
    out->kind = DNSBL_ANSWER_BAD;
    out->why = why;
    out->n_a = 0;
    out->txt[0] = '\0';
}

static void badf(struct dnsbl_answer *out, const char *fmt, unsigned v)
    __attribute__((format(printf, 2, 0)));
/* badf - a reason with one number in it */
static void badf(struct dnsbl_answer *out, const char *fmt, unsigned v)
{
    snprintf(out->why_buf, sizeof out->why_buf, fmt, v);
    bad(out, out->why_buf);
}

static const char *rcode_word(unsigned rcode)
{
    switch (rcode) {
    case 1:
        return "FORMERR";
    case 2:
        return "SERVFAIL";
    case 4:
        return "NOTIMP";
    case 5:
        return "REFUSED";
    default:
        return NULL;
    }
}

/* add_txt - one TXT record's strings onto out->txt ("a" "b" -> "ab"; records
 * joined with " | "); control bytes become '?' since the text is printed later */
static int add_txt(const unsigned char *b, const struct rr *r, struct dnsbl_answer *out,
                   size_t *used)
{
    size_t p = r->rd, end = r->rd + r->rdlen;
    if (*used) {
        for (const char *s = " | "; *s && *used < DNSBL_ANSWER_TXT_MAX; s++)
            out->txt[(*used)++] = *s;
    }
    while (p < end) {
        size_t l = b[p];
        if (p + 1 + l > end)
            return -1;
        for (size_t i = 0; i < l && *used < DNSBL_ANSWER_TXT_MAX; i++) {
            unsigned char c = b[p + 1 + i];
            out->txt[(*used)++] = (char)((c < 0x20 || c == 0x7f) ? '?' : c);
        }
        p += 1 + l;
    }
    out->txt[*used] = '\0';
    return 0;
}

void dnsbl_answer_read(const unsigned char *b, size_t len, const char *qname, int qtype,
                       struct dnsbl_answer *out)
{
    struct rr rrs[MAX_RECORDS];
    bad(out, NULL);
    out->ttl = 0;
    if (!b || len < 12) {
        badf(out, "answer shorter than a DNS header (%u bytes)", b ? (unsigned)len : 0);
        return;
    }
    unsigned flags = u16(b + 2), qd = u16(b + 4), an = u16(b + 6);
    if (!(flags & 0x8000)) {
        bad(out, "not a DNS response (QR bit clear)");
        return;
    }
    if ((flags >> 11) & 15) {
        badf(out, "answer with opcode %u", (flags >> 11) & 15);
        return;
    }
    if (flags & 0x0200) {
        bad(out, "truncated answer (TC bit set)");
        return;
    }
    unsigned rcode = flags & 15;
    if (rcode != 0 && rcode != 3) {
        /* many servers drop the question from an error answer: the rcode says it all */
        const char *w = rcode_word(rcode);
        return w ? bad(out, w) : badf(out, "DNS error (rcode %u)", rcode);
    }
    struct wname want, got, cur;
    if (encode(qname, &want) < 0) {
        bad(out, "name too long for DNS");
        return;
    }
    size_t off = 12;
    if (qd != 1) {
        badf(out, "answer with %u questions: not an answer to ours", qd);
        return;
    }
    if (read_name(b, len, &off, &got) < 0 || off + 4 > len) {
        bad(out, "malformed answer: the question runs past the packet");
        return;
    }
    if (!name_eq(&got, &want) || u16(b + off) != (unsigned)qtype || u16(b + off + 2) != 1) {
        bad(out, "answer to another question");
        return;
    }
    off += 4;
    if (rcode == 3) {
        out->kind = DNSBL_ANSWER_NXDOMAIN;
        out->ttl = 0; /* the caller's negative TTL: the SOA is not read */
        return;
    }
    if (an > MAX_RECORDS) {
        badf(out, "answer with %u records: more than a blocklist gives", an);
        return;
    }
    for (unsigned i = 0; i < an; i++) {
        struct rr *r = &rrs[i];
        if (read_name(b, len, &off, &r->owner) < 0 || off + 10 > len) {
            badf(out, "malformed answer: record %u runs past the packet", i + 1);
            return;
        }
        r->type = u16(b + off);
        r->class = u16(b + off + 2);
        r->ttl = u32(b + off + 4);
        if (r->ttl > 0x7fffffff)
            r->ttl = 0; /* RFC 2181 s8 */
        r->rdlen = u16(b + off + 8);
        r->rd = off + 10;
        if (r->rd + r->rdlen > len) {
            badf(out, "malformed answer: record %u runs past the packet", i + 1);
            return;
        }
        off = r->rd + r->rdlen;
    }
    /* follow CNAMEs from our name; remember the names passed to see a loop */
    struct wname chain[MAX_CHAIN + 1];
    size_t hops = 0;
    uint32_t ttl = UINT32_MAX;
    cur = want;
    chain[0] = want;
    for (;;) {
        const struct rr *c = NULL;
        for (unsigned i = 0; i < an && !c; i++)
            if (rrs[i].type == DNSBL_T_CNAME && rrs[i].class == 1 && name_eq(&rrs[i].owner, &cur))
                c = &rrs[i];
        if (!c)
            break;
        size_t p = c->rd;
        if (read_name(b, len, &p, &cur) < 0 || p != c->rd + c->rdlen) {
            bad(out, "malformed answer: a CNAME record that is not a name");
            return;
        }
        for (size_t k = 0; k <= hops; k++)
            if (name_eq(&chain[k], &cur)) {
                bad(out, "CNAME loop with no record: a broken list or resolver");
                return;
            }
        if (hops == MAX_CHAIN) {
            badf(out, "CNAME chain longer than %u hops", MAX_CHAIN);
            return;
        }
        chain[++hops] = cur;
        if (c->ttl < ttl)
            ttl = c->ttl;
    }
    size_t used = 0, found = 0;
    for (unsigned i = 0; i < an; i++) {
        const struct rr *r = &rrs[i];
        if (r->type != (unsigned)qtype || r->class != 1 || !name_eq(&r->owner, &cur))
            continue;
        if (qtype == DNSBL_T_A) {
            if (r->rdlen != 4) {
                badf(out, "A record of %u bytes (an A record has 4): a broken list",
                     (unsigned)r->rdlen);
                return;
            }
            if (out->n_a < DNSBL_ANSWER_MAX_A)
                out->a[out->n_a++] = u32(b + r->rd);
        } else if (qtype == DNSBL_T_TXT && add_txt(b, r, out, &used) < 0) {
            {
                bad(out, "malformed TXT record");
                return;
            }
        }
        if (r->ttl < ttl)
            ttl = r->ttl;
        found++;
    }
    if (!found) {
        const char *t = qtype == DNSBL_T_A ? "A" : qtype == DNSBL_T_TXT ? "TXT" : "asked";
        if (hops)
            snprintf(out->why_buf, sizeof out->why_buf,
                     "CNAME chain (%u CNAME records) that ends with no %s record", (unsigned)hops,
                     t);
        else
            snprintf(out->why_buf, sizeof out->why_buf,
                     "NOERROR with no %s record (NODATA): not an answer a blocklist gives", t);
        bad(out, out->why_buf);
        return;
    }
    out->kind = DNSBL_ANSWER_DATA;
    out->ttl = dnsbl_ttl_bound(ttl);
}
