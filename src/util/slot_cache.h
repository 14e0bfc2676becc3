/*
 * slot_cache.h - a direct-mapped cache from 64-bit keys to values of one
 * fixed size, each distinct value stored once.
 *
 *   struct slot_cache *slot_cache_new(unsigned slots, size_t value_size);
 *   const void *slot_cache_get(const struct slot_cache *c, uint64_t key);
 *   void slot_cache_put(struct slot_cache *c, uint64_t key, const void *value);
 *   void slot_cache_free(struct slot_cache *c);
 *
 * A key selects one slot (key mod slots, slots a power of two); a put
 * replaces what the slot held. Many keys of a cache usually share a few
 * values (the classification cache: thousands of text shapes, tens of
 * answers), so a slot holds the key and the number of its value (12 bytes),
 * and the values are kept once each, found again by their bytes: a value is
 * compared with memcmp, so the caller zeroes its padding.
 *
 * Limits: key 0 marks an empty slot (callers set a bit); at most `slots`
 * distinct values are kept, after which a put of a new value is dropped (the
 * next get of that key misses, which a cache may always do).
 *
 * Not here: what the keys and values mean.
 */
#ifndef BS_SLOT_CACHE_H
#define BS_SLOT_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct slot_cache;

/* slot_cache_new - slots must be a power of two */
struct slot_cache *slot_cache_new(unsigned slots, size_t value_size);
/* slot_cache_get - the value stored under key (valid until the next put), or NULL */
const void *slot_cache_get(const struct slot_cache *c, uint64_t key);
/* slot_cache_put - store value (value_size bytes, copied) under key (not 0) */
void slot_cache_put(struct slot_cache *c, uint64_t key, const void *value);
void slot_cache_free(struct slot_cache *c);

#endif
