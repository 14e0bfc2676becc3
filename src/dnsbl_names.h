/*
 * dnsbl_names.h - what is being checked, and the DNS name that asks for it.
 *
 * SUMMARY
 *   int dnsbl_addr_parse(const char *in, struct dnsbl_addr *out);
 *   int dnsbl_addr_name(const struct dnsbl_addr *a, const char *zone, char *out, size_t n);
 *
 * DESCRIPTION
 *   dnsbl_addr_parse classifies untrusted text as an IPv4 address, an IPv6
 *   address or a domain name and writes its canonical form: inet_ntop's
 *   spelling for IPs (an IPv4-mapped IPv6 address such as Postfix's
 *   "[::ffff:198.51.100.25]" becomes plain IPv4, which is what lists key
 *   on), lower case without a final dot for domains.
 *   dnsbl_addr_name builds the query name (RFC 5782 s2): reversed octets for
 *   IPv4 (219.94.129.185 -> 185.129.94.219.ZONE), 32 reversed nibbles for
 *   IPv6, the domain itself for domain lists.
 *
 * DIAGNOSTICS
 *   Both return -1 on bad input (not an address, name too long); nothing is
 *   printed.
 */
#ifndef BS_DNSBL_NAMES_H
#define BS_DNSBL_NAMES_H

#include <stddef.h>

/* the same bits as BLCAT_Q_* in blocklists.h */
enum dnsbl_kind { DNSBL_KIND_IP4 = 1, DNSBL_KIND_IP6 = 2, DNSBL_KIND_DOMAIN = 4 };

#define DNSBL_NAME_MAX 254 /* a DNS name in text form, without the final dot */

struct dnsbl_addr {
    enum dnsbl_kind kind;
    unsigned char bin[16]; /* IPv4: 4 bytes, IPv6: 16, in network order */
    char text[DNSBL_NAME_MAX + 1];
};

/* dnsbl_addr_parse - classify and normalise; 0 or -1 (not an IP nor a domain name) */
int dnsbl_addr_parse(const char *in, struct dnsbl_addr *out);
/* dnsbl_addr_name - the query name of a under zone into out[n]; 0 or -1 (too long) */
int dnsbl_addr_name(const struct dnsbl_addr *a, const char *zone, char *out, size_t n);
/* dnsbl_kind_word - "ip4", "ip6", "domain" */
const char *dnsbl_kind_word(enum dnsbl_kind k);

#endif
