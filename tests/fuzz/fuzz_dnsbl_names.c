/*
 * fuzz_dnsbl_names.c - libFuzzer harness for address normalisation and DNSBL
 * query names (dnsbl_names.h): implicated IPs come from log text, and `check -`
 * reads them from stdin.
 *
 * Input: text, split at '\n'; each line is parsed as an address and, when
 * it is one, named under two zones (one near the 253-byte limit). Checks: no
 * crash or sanitizer report; an accepted address has a canonical text that
 * parses again to itself; a query name fits its buffer and ends in the zone.
 */
#include "dnsbl_names.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *zones[] = {
        "zen.spamhaus.org",
        "a123456789012345678901234567890123456789012345678901234567890.b12345678901234567890"
        "1234567890123456789012345678901234567890.c1234567890123456789012345678901234567890",
    };
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        struct dnsbl_addr a, b;
        if (dnsbl_addr_parse(line, &a) < 0)
            continue;
        if (!memchr(a.text, '\0', sizeof a.text))
            fuzz_die("dnsbl_addr_parse", "canonical text not terminated");
        if (dnsbl_addr_parse(a.text, &b) < 0 || strcmp(a.text, b.text) || a.kind != b.kind)
            fuzz_die("dnsbl_addr_parse", "canonical text does not parse to itself");
        (void)dnsbl_kind_word(a.kind);
        for (size_t z = 0; z < sizeof zones / sizeof *zones; z++) {
            char name[DNSBL_NAME_MAX + 1];
            if (dnsbl_addr_name(&a, zones[z], name, sizeof name) < 0)
                continue;
            size_t n = strlen(name), zl = strlen(zones[z]);
            if (n > DNSBL_NAME_MAX || n < zl || strcmp(name + n - zl, zones[z]))
                fuzz_die("dnsbl_addr_name", "name too long or not under the zone");
        }
    }
    free(text);
    return 0;
}
