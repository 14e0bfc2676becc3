/*
 * slot_cache.c - direct-mapped cache with values stored once (see slot_cache.h).
 */
#include "slot_cache.h"

#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "xalloc.h"

struct slot_cache {
    uint64_t *keys;   /* per slot; 0: empty */
    uint32_t *value;  /* per slot: the number of its value */
    unsigned mask;    /* slots - 1 */
    size_t size;      /* bytes of a value */
    unsigned char *v; /* the values, n of them, one after another */
    uint32_t n, cap;
    uint32_t *index; /* open addressing over the values: number + 1, 0 empty */
    uint32_t index_mask;
};

struct slot_cache *slot_cache_new(unsigned slots, size_t value_size)
{
    struct slot_cache *c = xcalloc(1, sizeof *c);
    c->keys = xcalloc(slots, sizeof *c->keys);
    c->value = xcalloc(slots, sizeof *c->value);
    c->mask = slots - 1;
    c->size = value_size;
    return c;
}

void slot_cache_free(struct slot_cache *c)
{
    if (!c)
        return;
    free(c->keys);
    free(c->value);
    free(c->v);
    free(c->index);
    free(c);
}

const void *slot_cache_get(const struct slot_cache *c, uint64_t key)
{
    unsigned s = (unsigned)key & c->mask;
    return c->keys[s] == key ? c->v + (size_t)c->value[s] * c->size : NULL;
}

/* index_grow - twice the index (16 at first), the values hashed again */
static void index_grow(struct slot_cache *c)
{
    uint32_t slots = c->index ? 2 * (c->index_mask + 1) : 16;
    free(c->index);
    c->index = xcalloc(slots, sizeof *c->index);
    c->index_mask = slots - 1;
    for (uint32_t i = 0; i < c->n; i++) {
        uint32_t j = (uint32_t)hash_bytes(c->v + (size_t)i * c->size, c->size) & c->index_mask;
        while (c->index[j])
            j = (j + 1) & c->index_mask;
        c->index[j] = i + 1;
    }
}

/* value_number - the number of value, stored now if new; UINT32_MAX when full */
static uint32_t value_number(struct slot_cache *c, const void *value)
{
    if (!c->index)
        index_grow(c);
    uint32_t j = (uint32_t)hash_bytes(value, c->size) & c->index_mask;
    for (; c->index[j]; j = (j + 1) & c->index_mask) {
        uint32_t i = c->index[j] - 1;
        if (!memcmp(c->v + (size_t)i * c->size, value, c->size))
            return i;
    }
    if (c->n > c->mask)
        return UINT32_MAX;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->v = xrealloc(c->v, (size_t)c->cap * c->size);
    }
    memcpy(c->v + (size_t)c->n * c->size, value, c->size);
    c->index[j] = ++c->n;
    if ((size_t)c->n * 2 > c->index_mask + 1u) /* at most half full */
        index_grow(c);
    return c->n - 1;
}

void slot_cache_put(struct slot_cache *c, uint64_t key, const void *value)
{
    uint32_t i = value_number(c, value);
    if (i == UINT32_MAX)
        return;
    unsigned s = (unsigned)key & c->mask;
    c->keys[s] = key;
    c->value[s] = i;
}
