/*
 * dnsbl_answer.h - read one DNS answer to a blocklist query, trusting nothing.
 *
 * SUMMARY
 *   void dnsbl_answer_read(const unsigned char *buf, size_t len, const char *qname, int qtype,
 *                          struct dnsbl_answer *out);
 *   uint32_t dnsbl_ttl_bound(uint32_t ttl);
 *
 * DESCRIPTION
 *   A blocklist answer decides "listed" or "not listed", so it is read whole
 *   and every doubt makes it DNSBL_ANSWER_BAD with the reason in `why`:
 *
 *     DNSBL_ANSWER_NXDOMAIN  rcode NXDOMAIN to our question: the name is not
 *                            listed (RFC 5782 s2.1)
 *     DNSBL_ANSWER_DATA      NOERROR with records of the asked type for our
 *                            name, directly or at the end of a CNAME chain:
 *                            A records of exactly 4 bytes (a[], n_a), or TXT
 *                            strings (txt, joined as in dnsbl.h)
 *     DNSBL_ANSWER_BAD       everything else: a packet shorter than a header,
 *                            not a response, truncated (TC), SERVFAIL,
 *                            REFUSED, FORMERR, NOTIMP or another rcode, an
 *                            answer to another question, a record or name that
 *                            runs past the packet or loops, an A record that is
 *                            not 4 bytes, NOERROR with no record of the type
 *                            (NODATA: no DNSBL answers that way), a CNAME
 *                            chain that loops, is longer than 8 or ends
 *                            without a record.
 *
 *   Whether an A record is a listing code, an error code of the list or
 *   nonsense (outside 127.0.0.0/8, 127.0.0.1) is the catalogue's business:
 *   dnsbl.c decides that from a[].
 *
 *   `ttl` is the smallest TTL of the records used (the CNAMEs of the chain
 *   included), bounded by dnsbl_ttl_bound: at least DNSBL_TTL_MIN, at most
 *   DNSBL_TTL_MAX. A list that answers "listed" with TTL 2147483647 must not
 *   have that answer reused for 68 years after it delists the address; a TTL
 *   of 0 would make every run ask again. TTLs with the top bit set count as 0
 *   (RFC 2181 s8).
 *
 * OWNERSHIP
 *   out is filled in place (no allocation); `why` points to a static string
 *   or into out->why_buf; `txt` is out->txt.
 *
 * NOT DONE HERE
 *   Sending queries (c-ares, dnsbl.c), what codes mean (blocklists.c).
 */
#ifndef BS_DNSBL_ANSWER_H
#define BS_DNSBL_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#define DNSBL_ANSWER_MAX_A 16 /* A records kept; lists return a handful */
#define DNSBL_ANSWER_TXT_MAX 1024
#define DNSBL_TTL_MIN 60    /* seconds: a TTL of 0 still spares the next minute's run */
#define DNSBL_TTL_MAX 86400 /* one day: a delisting is seen by the next nightly run */

enum dnsbl_answer_kind { DNSBL_ANSWER_BAD = 0, DNSBL_ANSWER_NXDOMAIN, DNSBL_ANSWER_DATA };

struct dnsbl_answer {
    enum dnsbl_answer_kind kind;
    const char *why; /* BAD: the reason, for people */
    uint32_t a[DNSBL_ANSWER_MAX_A];
    int n_a;
    uint32_t ttl;                       /* DATA: bounded, see above */
    char txt[DNSBL_ANSWER_TXT_MAX + 1]; /* DATA of a TXT query; control bytes as '?' */
    char why_buf[96];
};

enum { DNSBL_T_A = 1, DNSBL_T_CNAME = 5, DNSBL_T_TXT = 16 };

/* dnsbl_answer_read - judge buf[0..len), the answer to (qname, qtype) */
void dnsbl_answer_read(const unsigned char *buf, size_t len, const char *qname, int qtype,
                       struct dnsbl_answer *out);

/* dnsbl_ttl_bound - ttl within [DNSBL_TTL_MIN, DNSBL_TTL_MAX] */
uint32_t dnsbl_ttl_bound(uint32_t ttl);

#endif
