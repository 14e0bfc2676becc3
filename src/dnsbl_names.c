/*
 * dnsbl_names.c - address normalisation and DNSBL query names (see dnsbl_names.h).
 *
 * Input comes from log text and stdin, so it is checked byte by byte: a
 * domain is 1-63 byte labels of letters, digits, '-' and '_' (DBL keys on
 * host names, where '_' occurs), at most 253 bytes, and its last label is
 * not all digits - "219.94.129" is a typo for an IP, not a domain.
 *
 * Not here: sending queries or reading answers (dnsbl.c).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem (slice.h), getline */
#endif
#include "dnsbl_names.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* valid_domain - copy s lower-cased into out if it is a plausible host name */
static int valid_domain(const char *s, char *out)
{
    size_t len = strlen(s);
    if (len && s[len - 1] == '.')
        len--;
    if (len == 0 || len > 253)
        return -1;
    size_t label = 0;
    bool all_digits = true;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.' || c == '-') {
            /* no empty label, no '-' at either end of a label (RFC 1123 2.1) */
            bool first = i == 0 || s[i - 1] == '.';
            bool end = i + 1 == len || s[i + 1] == '.';
            if (c == '.' ? label == 0 : (first || end))
                return -1;
        }
        if (c == '.') {
            label = 0;
            all_digits = true;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_') {
            if (++label > 63)
                return -1;
            if (c < '0' || c > '9')
                all_digits = false;
        } else {
            return -1;
        }
        out[i] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    if (label == 0 || all_digits)
        return -1;
    out[len] = '\0';
    return 0;
}

int dnsbl_addr_parse(const char *in, struct dnsbl_addr *out)
{
    memset(out, 0, sizeof *out);
    char buf[DNSBL_NAME_MAX + 1];
    size_t n = strlen(in);
    /* "[192.0.2.1]" as logs write it */
    if (n >= 2 && in[0] == '[' && in[n - 1] == ']') {
        in++;
        n -= 2;
    }
    if (n == 0 || n > DNSBL_NAME_MAX)
        return -1;
    memcpy(buf, in, n);
    buf[n] = '\0';
    if (inet_pton(AF_INET, buf, out->bin) == 1) {
        out->kind = DNSBL_KIND_IP4;
        inet_ntop(AF_INET, out->bin, out->text, sizeof out->text);
        return 0;
    }
    if (inet_pton(AF_INET6, buf, out->bin) == 1) {
        static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        if (memcmp(out->bin, mapped, 12) == 0) {
            memmove(out->bin, out->bin + 12, 4);
            memset(out->bin + 4, 0, 12);
            out->kind = DNSBL_KIND_IP4;
            inet_ntop(AF_INET, out->bin, out->text, sizeof out->text);
            return 0;
        }
        out->kind = DNSBL_KIND_IP6;
        inet_ntop(AF_INET6, out->bin, out->text, sizeof out->text);
        return 0;
    }
    if (valid_domain(buf, out->text) == 0) {
        out->kind = DNSBL_KIND_DOMAIN;
        return 0;
    }
    out->text[0] = '\0';
    return -1;
}

int dnsbl_addr_name(const struct dnsbl_addr *a, const char *zone, char *out, size_t n)
{
    int w;
    const unsigned char *b = a->bin;
    switch (a->kind) {
    case DNSBL_KIND_IP4:
        w = snprintf(out, n, "%u.%u.%u.%u.%s", b[3], b[2], b[1], b[0], zone);
        break;
    case DNSBL_KIND_IP6: {
        static const char hex[] = "0123456789abcdef";
        char nib[64];
        for (int i = 0; i < 16; i++) {
            nib[4 * i] = hex[b[15 - i] & 0xf];
            nib[4 * i + 1] = '.';
            nib[4 * i + 2] = hex[b[15 - i] >> 4];
            nib[4 * i + 3] = '.';
        }
        w = snprintf(out, n, "%.64s%s", nib, zone);
        break;
    }
    case DNSBL_KIND_DOMAIN:
        w = snprintf(out, n, "%s.%s", a->text, zone);
        break;
    default:
        return -1;
    }
    if (w < 0 || (size_t)w >= n || (size_t)w > DNSBL_NAME_MAX)
        return -1;
    return 0;
}

const char *dnsbl_kind_word(enum dnsbl_kind k)
{
    switch (k) {
    case DNSBL_KIND_IP4:
        return "ip4";
    case DNSBL_KIND_IP6:
        return "ip6";
    case DNSBL_KIND_DOMAIN:
        return "domain";
    }
    return "?";
}
