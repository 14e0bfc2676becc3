/*
 * u64set.c - open-addressing set of 64-bit keys (see u64set.h).
 */
#include "u64set.h"

#include <stdlib.h>

#include "xalloc.h"

static void grow(struct u64set *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    uint64_t *keys = xcalloc(cap, sizeof *keys);
    for (size_t i = 0; i < s->cap; i++) {
        uint64_t k = s->keys[i];
        if (!k)
            continue;
        size_t j = (size_t)(k * 0x9E3779B97F4A7C15ULL >> 7) & (cap - 1);
        while (keys[j])
            j = (j + 1) & (cap - 1);
        keys[j] = k;
    }
    free(s->keys);
    s->keys = keys;
    s->cap = cap;
}

bool u64set_add(struct u64set *s, uint64_t key)
{
    if (key == 0) {
        bool fresh = !s->has_zero;
        s->has_zero = true;
        s->count += fresh;
        return fresh;
    }
    /* grow at 3/4 full: linear probing over 8-byte keys is still short there,
     * and these sets are most of the memory a large scan uses */
    if ((s->count + 1) * 4 > s->cap * 3)
        grow(s);
    size_t j = (size_t)(key * 0x9E3779B97F4A7C15ULL >> 7) & (s->cap - 1);
    while (s->keys[j]) {
        if (s->keys[j] == key)
            return false;
        j = (j + 1) & (s->cap - 1);
    }
    s->keys[j] = key;
    s->count++;
    return true;
}

bool u64set_has(const struct u64set *s, uint64_t key)
{
    if (key == 0)
        return s->has_zero;
    if (!s->cap)
        return false;
    size_t j = (size_t)(key * 0x9E3779B97F4A7C15ULL >> 7) & (s->cap - 1);
    while (s->keys[j]) {
        if (s->keys[j] == key)
            return true;
        j = (j + 1) & (s->cap - 1);
    }
    return false;
}

void u64set_free(struct u64set *s)
{
    free(s->keys);
    s->keys = NULL;
    s->cap = s->count = 0;
    s->has_zero = false;
}
