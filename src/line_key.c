/*
 * line_key.c - the identity of a log line, for the idempotent history.
 *
 * SYNOPSIS
 *   uint64_t line_text_hash(struct slice message);
 *   uint64_t line_key(const struct line_id *id, int64_t when);
 *   void line_occurrences_reset(struct line_occurrences *o);
 *   uint32_t line_occurrence(struct line_occurrences *o, int64_t when, uint64_t text);
 *
 * DESCRIPTION
 *   The message hash reads eight bytes at a time as a little-endian word
 *   (the same key on every machine: keys are stored), multiplies and mixes;
 *   a delivery line's message is 150-400 bytes and is hashed only when the
 *   history is kept. The key mixes the hash with the second and the
 *   occurrence, so the neighbouring seconds of one message are cheap to try.
 *
 *   Occurrences are counted in a small open-addressed table that is emptied
 *   by bumping a generation number when the second changes: one probe per
 *   keyed line, nothing allocated.
 *
 * Not here: see line_key.h.
 */
#include "line_key.h"

#include <string.h>

#include "util/hashmap.h"

/* le64 - eight bytes as a little-endian word (one load on x86) */
static uint64_t le64(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

uint64_t line_text_hash(struct slice message)
{
    const unsigned char *p = (const unsigned char *)message.p;
    size_t n = message.n;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)n * 0xc2b2ae3d27d4eb4fULL);
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w = le64(p) * 0x87c37b91114253d5ULL;
        w = (w << 31) | (w >> 33);
        h = (h ^ w * 0x4cf5ad432745937fULL) * 5 + 0x52dce729;
    }
    uint64_t tail = 0;
    for (size_t i = 0; i < n; i++)
        tail |= (uint64_t)p[i] << (8 * i);
    h ^= tail * 0x87c37b91114253d5ULL;
    return hash_fmix64(h);
}

uint64_t line_key(const struct line_id *id, int64_t when)
{
    uint64_t t =
        (uint64_t)when * 0x9e3779b97f4a7c15ULL + (uint64_t)id->occurrence * 0xbf58476d1ce4e5b9ULL;
    return hash_fmix64(id->text ^ hash_fmix64(t + 0x94d049bb133111ebULL));
}

void line_occurrences_reset(struct line_occurrences *o)
{
    o->generation++;
    o->used = 0;
    o->when = 0;
}

uint32_t line_occurrence(struct line_occurrences *o, int64_t when, uint64_t text)
{
    if (when != o->when || o->generation == 0) {
        /* a new second: every slot of the old generation is empty now */
        o->generation++;
        if (o->generation == 0) { /* wrapped after 2^32 seconds of lines: clear for real */
            memset(o->slot, 0, sizeof o->slot);
            o->generation = 1;
        }
        o->when = when;
        o->used = 0;
    }
    size_t i = (size_t)(text >> 7) & (LINE_OCC_SLOTS - 1);
    for (;;) {
        if (o->slot[i].generation != o->generation) {
            if (o->used >= LINE_OCC_SLOTS / 2)
                return 0; /* a flood in one second: stop counting rather than probe on */
            o->slot[i].generation = o->generation;
            o->slot[i].text = text;
            o->slot[i].count = 1;
            o->used++;
            return 0;
        }
        if (o->slot[i].text == text)
            return o->slot[i].count++;
        i = (i + 1) & (LINE_OCC_SLOTS - 1);
    }
}
