/*
 * hashmap.h - an open-addressing hash table from byte strings to pointers.
 *
 * Keys are copied into the map (the caller's bytes may be a slice into the
 * line buffer); values are the caller's pointers, freed by the destructor
 * given to hashmap_new (or not at all when it is NULL). Linear probing,
 * power-of-two capacity, grows at 70% load, supports deletion (tombstones).
 *
 * hash_bytes is a fast 64-bit hash (FNV-1a with a final mix); it is not
 * resistant to deliberate collisions, which is acceptable for log text
 * (worst case: slower, never wrong).
 */
#ifndef BS_HASHMAP_H
#define BS_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

#include "slice.h"

struct hashmap;

/* hash_fmix64 - the final mix of MurmurHash3 (fmix64): every input bit reaches
 * every output bit. hash_bytes ends with it; fingerprint keys and line keys use it
 * too, so changing it changes stored keys. */
static inline uint64_t hash_fmix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

uint64_t hash_bytes(const void *p, size_t n);
/* hash_bytes_ci - the same, ASCII letters folded to lower case */
uint64_t hash_bytes_ci(const void *p, size_t n);

struct hashmap *hashmap_new(void (*free_value)(void *));
void hashmap_free(struct hashmap *m);
size_t hashmap_count(const struct hashmap *m);

/* hashmap_get - the value stored under key, or NULL */
void *hashmap_get(const struct hashmap *m, const void *key, size_t keylen);
/* hashmap_put - store value under key, replacing (and freeing) any old value */
void hashmap_put(struct hashmap *m, const void *key, size_t keylen, void *value);
/* hashmap_slot - the address of the value slot for key, created (NULL) if absent */
void **hashmap_slot(struct hashmap *m, const void *key, size_t keylen);
/* hashmap_del - remove key; frees its value; returns 1 if it was there */
int hashmap_del(struct hashmap *m, const void *key, size_t keylen);
/* hashmap_take - remove key without freeing its value, which is returned */
void *hashmap_take(struct hashmap *m, const void *key, size_t keylen);

/* iteration: for (size_t it = 0; hashmap_next(m, &it, &k, &kl, &v);) ... */
int hashmap_next(const struct hashmap *m, size_t *it, const char **key, size_t *keylen,
                 void **value);

#endif
