/*
 * log_hosts.h - which mail hosts a log came from: the syslog host field of
 * its lines, counted per host, so that a report can say whose log it read.
 *
 * Bounded: the first LOG_HOSTS_MAX distinct hosts are kept by name (cut to
 * LOG_HOST_NAME_MAX bytes), the lines of any further host are only counted.
 * Lines without a host (Exim's own main log) are not counted. Names are
 * kept as logged: untrusted bytes, escaped by whoever prints them.
 *
 * Cost per line: one compare with the host of the previous line (a log is
 * one host's, or long runs of each); a miss searches the few kept names.
 */
#ifndef BS_LOG_HOSTS_H
#define BS_LOG_HOSTS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/slice.h"

#define LOG_HOSTS_MAX 16
#define LOG_HOST_NAME_MAX 255

struct log_host {
    char name[LOG_HOST_NAME_MAX + 1]; /* NUL-terminated, cut at LOG_HOST_NAME_MAX bytes */
    size_t len;
    uint64_t lines;
};

struct log_hosts {
    struct log_host host[LOG_HOSTS_MAX]; /* in order of first appearance */
    size_t n;
    uint64_t other_lines; /* lines of hosts beyond the first LOG_HOSTS_MAX */
    size_t last;          /* index of the host of the previous line */
};

/* log_hosts_add - the slow path of log_hosts_note */
void log_hosts_add(struct log_hosts *h, struct slice host);

/* log_hosts_same - a == b for n bytes, 8 at a time, the last 8 overlapping
 * the one before: inline on the hot path, where a call to memcmp for a
 * 20-byte name costs more than the compare itself */
static inline int log_hosts_same(const char *a, const char *b, size_t n)
{
    uint64_t x, y;
    if (n < 8) {
        for (; n; n--)
            if (*a++ != *b++)
                return 0;
        return 1;
    }
    for (size_t i = 0; i + 8 < n; i += 8) {
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y)
            return 0;
    }
    memcpy(&x, a + n - 8, 8);
    memcpy(&y, b + n - 8, 8);
    return x == y;
}

/* log_hosts_note - count one line of host (empty: not counted) */
static inline void log_hosts_note(struct log_hosts *h, struct slice host)
{
    if (!host.n)
        return;
    struct log_host *l = &h->host[h->last];
    if (h->n && l->len == host.n && log_hosts_same(l->name, host.p, host.n)) {
        l->lines++;
        return;
    }
    log_hosts_add(h, host); /* another host, or a name longer than we keep */
}

/* log_hosts_sorted - indexes of the kept hosts, most lines first (ties: first seen) */
size_t log_hosts_sorted(const struct log_hosts *h, size_t idx[LOG_HOSTS_MAX]);

#endif
