/*
 * hashmap.c - open-addressing hash table (see hashmap.h).
 *
 * Each slot holds the key's full hash, a pointer to a private copy of the
 * key and the value. Comparing the stored hash first keeps probing cheap.
 */
#include "hashmap.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define TOMBSTONE ((char *)&tombstone_marker)
static const char tombstone_marker;

struct slot {
    uint64_t hash;
    char *key; /* NULL: empty; TOMBSTONE: deleted */
    size_t keylen;
    void *value;
};

struct hashmap {
    struct slot *slots;
    size_t cap;   /* power of two */
    size_t count; /* live keys */
    size_t used;  /* live keys + tombstones */
    void (*free_value)(void *);
};

uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    /* eight bytes at a time, then the tail: about 4x faster than bytewise FNV */
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
        s += 8;
        n -= 8;
    }
    /* the tail (0..7 bytes) unrolled: the same bytewise FNV steps in the same
     * order, without a loop counter (keys are short: the tail is much of them) */
#define FNV_STEP(i) h = (h ^ s[n - (i)]) * 0x100000001b3ULL
    switch (n) {
    case 7:
        FNV_STEP(7); /* fall through */
    case 6:
        FNV_STEP(6); /* fall through */
    case 5:
        FNV_STEP(5); /* fall through */
    case 4:
        FNV_STEP(4); /* fall through */
    case 3:
        FNV_STEP(3); /* fall through */
    case 2:
        FNV_STEP(2); /* fall through */
    case 1:
        FNV_STEP(1); /* fall through */
    default:
        break;
    }
#undef FNV_STEP
    return hash_fmix64(h);
}

uint64_t hash_bytes_ci(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    while (n--) {
        unsigned char c = *s++;
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        h = (h ^ c) * 0x100000001b3ULL;
    }
    return hash_fmix64(h);
}

struct hashmap *hashmap_new(void (*free_value)(void *))
{
    struct hashmap *m = xcalloc(1, sizeof *m);
    m->cap = 16;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
    m->free_value = free_value;
    return m;
}

void hashmap_free(struct hashmap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++) {
        struct slot *s = &m->slots[i];
        if (s->key && s->key != TOMBSTONE) {
            if (m->free_value && s->value)
                m->free_value(s->value);
            free(s->key);
        }
    }
    free(m->slots);
    free(m);
}

size_t hashmap_count(const struct hashmap *m)
{
    return m->count;
}

/* find - the slot holding key, or NULL */
static struct slot *find(const struct hashmap *m, uint64_t h, const void *key, size_t keylen)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct slot *s = &m->slots[i];
        if (!s->key)
            return NULL;
        if (s->key != TOMBSTONE && s->hash == h && s->keylen == keylen &&
            memcmp(s->key, key, keylen) == 0)
            return s;
    }
}

static void grow(struct hashmap *m)
{
    struct slot *old = m->slots;
    size_t oldcap = m->cap;
    /* double only when live keys need it; otherwise rebuild to drop tombstones */
    if (m->count * 2 >= m->cap)
        m->cap *= 2;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
    m->used = m->count;
    size_t mask = m->cap - 1;
    for (size_t i = 0; i < oldcap; i++) {
        struct slot *s = &old[i];
        if (!s->key || s->key == TOMBSTONE)
            continue;
        size_t j = s->hash & mask;
        while (m->slots[j].key)
            j = (j + 1) & mask;
        m->slots[j] = *s;
    }
    free(old);
}

void **hashmap_slot(struct hashmap *m, const void *key, size_t keylen)
{
    uint64_t h = hash_bytes(key, keylen);
    struct slot *s = find(m, h, key, keylen);
    if (s)
        return &s->value;
    if ((m->used + 1) * 10 >= m->cap * 7)
        grow(m);
    size_t mask = m->cap - 1;
    size_t i = h & mask;
    while (m->slots[i].key && m->slots[i].key != TOMBSTONE)
        i = (i + 1) & mask;
    s = &m->slots[i];
    if (!s->key)
        m->used++;
    s->hash = h;
    s->key = xmemdup(key, keylen);
    s->keylen = keylen;
    s->value = NULL;
    m->count++;
    return &s->value;
}

void *hashmap_get(const struct hashmap *m, const void *key, size_t keylen)
{
    struct slot *s = find(m, hash_bytes(key, keylen), key, keylen);
    return s ? s->value : NULL;
}

void hashmap_put(struct hashmap *m, const void *key, size_t keylen, void *value)
{
    void **slot = hashmap_slot(m, key, keylen);
    if (*slot && *slot != value && m->free_value)
        m->free_value(*slot);
    *slot = value;
}

void *hashmap_take(struct hashmap *m, const void *key, size_t keylen)
{
    struct slot *s = find(m, hash_bytes(key, keylen), key, keylen);
    if (!s)
        return NULL;
    void *v = s->value;
    free(s->key);
    s->key = TOMBSTONE;
    s->value = NULL;
    m->count--;
    return v;
}

int hashmap_del(struct hashmap *m, const void *key, size_t keylen)
{
    struct slot *s = find(m, hash_bytes(key, keylen), key, keylen);
    if (!s)
        return 0;
    if (m->free_value && s->value)
        m->free_value(s->value);
    free(s->key);
    s->key = TOMBSTONE;
    s->value = NULL;
    m->count--;
    return 1;
}

int hashmap_next(const struct hashmap *m, size_t *it, const char **key, size_t *keylen,
                 void **value)
{
    while (*it < m->cap) {
        struct slot *s = &m->slots[(*it)++];
        if (s->key && s->key != TOMBSTONE) {
            if (key)
                *key = s->key;
            if (keylen)
                *keylen = s->keylen;
            if (value)
                *value = s->value;
            return 1;
        }
    }
    return 0;
}
