/*
 * fuzz_dns_answer.c - libFuzzer harness for the DNS answer reader (dnsbl_answer.h).
 *
 * Input: byte 0 picks the question type (odd: TXT, even: A), the rest is the
 * answer packet to "2.0.0.127.zen.test" (the seeds are crafted answers to that
 * name, see make_corpus.py). Checks: no crash or sanitizer report; a BAD answer
 * has a reason; DATA has at least one record, A records only for an A
 * question, a TTL within [DNSBL_TTL_MIN, DNSBL_TTL_MAX]; strings terminated.
 */
#include "dnsbl_answer.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int qtype = data[0] & 1 ? DNSBL_T_TXT : DNSBL_T_A;
    /* a copy of exactly the packet's size, so ASan sees a read one byte past it */
    size_t n = size - 1;
    unsigned char *pkt = malloc(n ? n : 1);
    memcpy(pkt, data + 1, n);
    struct dnsbl_answer a;
    dnsbl_answer_read(pkt, n, "2.0.0.127.zen.test", qtype, &a);
    switch (a.kind) {
    case DNSBL_ANSWER_BAD:
        if (!a.why || !memchr(a.why, '\0', 200))
            fuzz_die("dnsbl_answer_read", "bad answer without a reason");
        break;
    case DNSBL_ANSWER_NXDOMAIN:
        break;
    case DNSBL_ANSWER_DATA:
        if (a.ttl < DNSBL_TTL_MIN || a.ttl > DNSBL_TTL_MAX)
            fuzz_die("dnsbl_answer_read", "TTL outside its bounds");
        if (qtype == DNSBL_T_A && (a.n_a < 1 || a.n_a > DNSBL_ANSWER_MAX_A))
            fuzz_die("dnsbl_answer_read", "A answer without A records");
        if (qtype == DNSBL_T_TXT && (a.n_a != 0 || !memchr(a.txt, '\0', sizeof a.txt)))
            fuzz_die("dnsbl_answer_read", "TXT answer with A records or no end");
        break;
    default:
        fuzz_die("dnsbl_answer_read", "unknown kind");
    }
    free(pkt);
    return 0;
}
