/*
 * fuzz.h - small helpers shared by the libFuzzer harnesses (tests/fuzz/fuzz_NAME.c).
 *
 * Every harness calls only public APIs (the module's .h), so it survives a
 * rewrite of the module. What a harness checks beyond "no crash, no
 * sanitizer report": slices a parser returns lie inside the bytes it was
 * given (fuzz_within), and NUL-terminated outputs are terminated.
 *
 * Not here: the harnesses themselves (one file per target), the CTest
 * registration (CMakeLists.txt, BS_FUZZ) and the runner (run.sh).
 */
#ifndef BS_FUZZ_H
#define BS_FUZZ_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/slice.h"

/* fuzz_within - abort unless s is empty or lies inside [base, base + n) */
static inline void fuzz_within(const char *what, struct slice s, const char *base, size_t n)
{
    if (s.n == 0)
        return;
    if (!s.p || s.p < base || s.p > base + n || s.n > (size_t)(base + n - s.p)) {
        fprintf(stderr, "fuzz: %s (%p, %zu) is outside the input (%p, %zu)\n", what,
                (const void *)s.p, s.n, (const void *)base, n);
        abort();
    }
}

/* fuzz_touch - read every byte of s, so that ASan reports a slice into freed or foreign memory */
static inline void fuzz_touch(const char *what, struct slice s)
{
    volatile unsigned char sum = 0;
    for (size_t i = 0; i < s.n; i++)
        sum = (unsigned char)(sum + (unsigned char)s.p[i]);
    (void)what;
    (void)sum;
}

/* fuzz_die - a setup failure is a bug of the harness or the tree: stop loudly */
static inline void fuzz_die(const char *what, const char *why)
{
    fprintf(stderr, "fuzz: %s: %s\n", what, why);
    abort();
}

/* fuzz_file - a memory file holding data, reachable by path as /proc/self/fd/N;
 * returns the fd (close it when done) and the path in path[32] */
static inline int fuzz_file(const uint8_t *data, size_t size, char path[32])
{
    int fd = memfd_create("fuzz-input", 0);
    if (fd < 0)
        fuzz_die("memfd_create", "failed");
    for (size_t off = 0; off < size;) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0)
            fuzz_die("write", "failed");
        off += (size_t)w;
    }
    snprintf(path, 32, "/proc/self/fd/%d", fd);
    return fd;
}

#endif
