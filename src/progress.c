/*
 * progress.c - a line of progress on a terminal (see progress.h).
 *
 * SYNOPSIS
 *   struct progress *progress_new(bool show);
 *   void progress_free(struct progress *pr);
 *   void progress_begin(struct progress *pr, const char *name, uint64_t total, uint64_t done);
 *   void progress_tick(struct progress *pr, uint64_t done, uint64_t lines);
 *   void progress_end(struct progress *pr);
 *
 * DESCRIPTION
 *   The line is rewritten in place with a carriage return and padded with
 *   spaces to the width of the last one (no terminal escape codes); a tick
 *   reads the monotonic clock and prints only when PROGRESS_EVERY_MS have
 *   passed since the last print. The rate is this input's: bytes and lines
 *   read since it began over the time since then; the time left is the bytes
 *   left at that rate. A file name is shown as its last component, cut, and
 *   only with printable ASCII (a hostile name reaches no terminal).
 *
 * OWNERSHIP
 *   The caller frees what progress_new returns with progress_free.
 *
 * DIAGNOSTICS
 *   None: the line goes out through msg_progress (util/msg.h); a write error
 *   on stderr is ignored (progress is a courtesy).
 *
 * Not here: see progress.h.
 */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/msg.h"
#include "util/xalloc.h"

/* at most four updates a second, none before the first half second */
#define PROGRESS_EVERY_MS 250
#define PROGRESS_QUIET_MS 500
#define PROGRESS_NAME_MAX 32

struct progress {
    char name[PROGRESS_NAME_MAX + 1];
    uint64_t total, start_done;
    double began, last_print;
    size_t width; /* of the line last printed */
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct progress *progress_new(bool show)
{
    if (!show || !isatty(STDERR_FILENO))
        return NULL;
    return xcalloc(1, sizeof(struct progress));
}

void progress_free(struct progress *pr)
{
    progress_end(pr);
    free(pr);
}

void progress_begin(struct progress *pr, const char *name, uint64_t total, uint64_t done)
{
    if (!pr)
        return;
    const char *slash = strrchr(name, '/');
    const char *base = slash && slash[1] ? slash + 1 : name;
    size_t n = 0;
    for (const char *p = base; *p && n < PROGRESS_NAME_MAX; p++)
        pr->name[n++] = *p >= 0x20 && *p < 0x7f ? *p : '?';
    pr->name[n] = '\0';
    pr->total = total;
    pr->start_done = done;
    pr->began = pr->last_print = now_ms();
}

/* size - "412.3 MB" */
static void size(char *buf, size_t cap, uint64_t bytes)
{
    if (bytes >= 1000000000ULL)
        snprintf(buf, cap, "%.2f GB", (double)bytes / 1e9);
    else
        snprintf(buf, cap, "%.1f MB", (double)bytes / 1e6);
}

void progress_tick(struct progress *pr, uint64_t done, uint64_t lines)
{
    if (!pr)
        return;
    double t = now_ms();
    if (t - pr->began < PROGRESS_QUIET_MS || t - pr->last_print < PROGRESS_EVERY_MS)
        return;
    pr->last_print = t;
    double secs = (t - pr->began) / 1e3;
    char line[160], a[32], b[32], rate[32], left[32] = "";
    size(a, sizeof a, done);
    double lps = (double)lines / secs;
    if (lps >= 1e6)
        snprintf(rate, sizeof rate, "%.1f M lines/s", lps / 1e6);
    else
        snprintf(rate, sizeof rate, "%.0f k lines/s", lps / 1e3);
    if (pr->total > done && done > pr->start_done) {
        double bps = (double)(done - pr->start_done) / secs;
        long rest = (long)((double)(pr->total - done) / bps + 0.5);
        snprintf(left, sizeof left, "  %ld:%02ld left", rest / 60, rest % 60);
    }
    if (pr->total) {
        size(b, sizeof b, pr->total);
        snprintf(line, sizeof line, "bouncescope: %s  %s of %s  %s%s", pr->name, a, b, rate, left);
    } else {
        snprintf(line, sizeof line, "bouncescope: %s  %s  %s", pr->name, a, rate);
    }
    msg_progress(line, pr->width);
    pr->width = strlen(line);
}

void progress_end(struct progress *pr)
{
    if (!pr || !pr->width)
        return;
    msg_progress(NULL, pr->width);
    pr->width = 0;
}
