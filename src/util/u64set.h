/*
 * u64set.h - a set of 64-bit keys (open addressing), for distinct counts.
 *
 * Used to count distinct recipients/messages/domains per group exactly: the
 * key is a hash of (group id, value). Zero is a valid key (stored aside).
 * Memory: at most about 21 bytes per key (load factor between 3/8 and 3/4).
 */
#ifndef BS_U64SET_H
#define BS_U64SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct u64set {
    uint64_t *keys;
    size_t cap, count;
    bool has_zero;
};

/* u64set_add - add key; true if it was not there */
bool u64set_add(struct u64set *s, uint64_t key);
bool u64set_has(const struct u64set *s, uint64_t key);
void u64set_free(struct u64set *s);

#endif
