/*
 * syslog_header.c - split a log line into time, host, program, pid, message.
 *
 * SYNOPSIS
 *   void header_clock_init(struct header_clock *c, time_t mtime, int forced_year);
 *   bool header_parse(struct slice line, struct header_clock *c, struct log_header *h,
 *                     bool *bad_time);
 *   bool header_parse_compose(struct slice line, struct header_clock *c, struct log_header *h,
 *                             bool *bad_time);   (a docker compose or grep prefix first)
 *   bool header_parse_nostamp(struct slice line, const struct header_clock *c,
 *                             struct log_header *h);   (no stamp at all, last resort)
 *   bool header_strip_exim_stamp(struct slice *msg);
 *   void header_tz_reset(void);
 *   const char *header_format_name(enum header_format f);
 *   void format_iso_time(int64_t when, int tz_minutes, char *buf, size_t size);
 *   int header_local_minutes(int64_t when);
 *
 * DESCRIPTION
 *   A hand-written parser, one pass over the first few dozen bytes of a
 *   line; the first byte picks the candidate format (a month letter, a
 *   digit, '<'). See syslog_header.h for the formats and the year rules.
 *   All slices in struct log_header point into the line given.
 *
 *   Dates are turned into epoch seconds with integer arithmetic (days from
 *   the civil date), not timegm/mktime. Local times (RFC 3164, Exim without
 *   "+hhmm", ISO stamps without a zone) need the zone's UTC offset: it is
 *   asked of mktime once per local hour and kept in a small direct-mapped
 *   cache, so DST changes are honoured at hour granularity (every real zone
 *   changes on an hour or half-hour boundary; half-hour changes are off by
 *   up to 30 minutes in that one hour). The cache is process-wide and
 *   keyed by the local hour; header_clock_init and header_tz_reset empty
 *   it, so a caller that changes TZ must call one of them after tzset().
 *
 * OWNERSHIP
 *   Nothing is allocated. The clock belongs to the caller, one per input.
 *
 * DIAGNOSTICS
 *   header_parse returns false for a line in no known format; *bad_time
 *   says the shape was known but the date or time impossible ("Oct 99
 *   99:99:99", "Feb 29" in a common year, RFC 5424 with a "-" timestamp).
 *   The caller notes PROBLEM_UNKNOWN_HEADER / PROBLEM_BAD_TIME; this module
 *   notes nothing itself.
 *
 *   This module does NOT decode journal JSON, Docker or CRI wrappers or
 *   "short-full" journal stamps (a zone abbreviation is not an offset), and
 *   does not take the year from queue ids: those belong to other stages.
 */
/* memmem in util/slice.h, localtime_r, posix_fadvise */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "syslog_header.h"

#include <stdio.h>
#include <string.h>

/* ---- calendar arithmetic ----------------------------------------------- */

/* days_from_civil - days since 1970-01-01 of a proleptic Gregorian date (m 1..12) */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* civil_from_days - the inverse of days_from_civil */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* days_in_month - 28..31 (m 1..12) */
static int days_in_month(int64_t y, int m)
{
    static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

/* ---- local time --------------------------------------------------------- */

/* 64 hours: enough for merged logs that jump between a few days */
#define TZ_CACHE_SIZE 64

static struct {
    int64_t hour; /* local "epoch" hour: local seconds as if UTC / 3600 */
    int32_t offset;
    bool valid;
} tz_cache[TZ_CACHE_SIZE];

/* The last hour seen: consecutive log lines nearly always share their date
 * and hour, so the calendar arithmetic and the zone lookup are done once per
 * hour and a line costs one comparison. Cleared by header_tz_reset. */
static struct {
    uint64_t key;   /* year, month, day, hour packed; 0 = empty */
    bool local;     /* offset from the zone (not written in the line) */
    int32_t offset; /* seconds east of UTC, local hours only */
    int64_t base;   /* local midnight + hour, seconds as if UTC */
} hour_cache;

/* The local offset of an instant (header_local_minutes): the last quarter
 * hour asked about. Every real zone changes its offset on a quarter hour of
 * UTC (Newfoundland's 02:00 is 05:30 UTC), so a quarter is never split. */
static struct {
    int64_t quarter; /* UTC seconds / 900 */
    int minutes;
    bool valid;
} instant_cache;

/* header_tz_reset - forget cached UTC offsets (call after changing TZ) */
void header_tz_reset(void)
{
    memset(tz_cache, 0, sizeof tz_cache);
    memset(&hour_cache, 0, sizeof hour_cache);
    memset(&instant_cache, 0, sizeof instant_cache);
}

/* header_local_minutes - the local zone's (TZ) offset east of UTC at instant when */
int header_local_minutes(int64_t when)
{
    int64_t quarter = when >= 0 ? when / 900 : -((-when + 899) / 900);
    if (instant_cache.valid && instant_cache.quarter == quarter)
        return instant_cache.minutes;
    time_t t = (time_t)when;
    struct tm tm;
    int minutes = localtime_r(&t, &tm) ? (int)(tm.tm_gmtoff / 60) : 0;
    if (minutes <= -24 * 60 || minutes >= 24 * 60)
        minutes = 0;
    instant_cache.quarter = quarter;
    instant_cache.minutes = minutes;
    instant_cache.valid = true;
    return minutes;
}

/* local_offset - UTC offset in seconds of the local hour that starts at
 * local_secs (local wall-clock seconds counted as if they were UTC) */
static int32_t local_offset(int64_t local_secs)
{
    int64_t hour = local_secs >= 0 ? local_secs / 3600 : -((-local_secs + 3599) / 3600);
    unsigned slot = (unsigned)((uint64_t)hour % TZ_CACHE_SIZE);
    if (tz_cache[slot].valid && tz_cache[slot].hour == hour)
        return tz_cache[slot].offset;

    int64_t y;
    int mo, d;
    int64_t hs = hour * 3600;
    int64_t days = (hs >= 0 ? hs : hs - 86399) / 86400;
    civil_from_days(days, &y, &mo, &d);
    struct tm tm = { 0 };
    tm.tm_year = (int)(y - 1900);
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = (int)(hs - days * 86400) / 3600;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    int64_t off = hs - (int64_t)t;
    /* mktime failed or nonsense: take UTC rather than shift by days */
    if (t == (time_t)-1 || off > 26 * 3600 || off < -26 * 3600)
        off = 0;
    tz_cache[slot].hour = hour;
    tz_cache[slot].offset = (int32_t)off;
    tz_cache[slot].valid = true;
    return (int32_t)off;
}

/* ---- small scanners ------------------------------------------------------ */

static inline bool is_digit(char c)
{
    return (unsigned char)(c - '0') < 10;
}

/* d2 - two decimal digits at p, or -1 */
static inline int d2(const char *p)
{
    if (!is_digit(p[0]) || !is_digit(p[1]))
        return -1;
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* frac - ".ddd": advance *pp past the digits and return microseconds */
static int32_t frac(const char **pp, const char *e)
{
    const char *p = *pp + 1;
    int32_t usec = 0;
    int n = 0;
    while (p < e && is_digit(*p)) {
        if (n < 6) {
            usec = usec * 10 + (*p - '0');
            n++;
        }
        p++;
    }
    if (n == 0)
        return -1;
    for (; n < 6; n++)
        usec *= 10;
    *pp = p;
    return usec;
}

#define M3(a, b, c) (((uint32_t)(a) << 16) | ((uint32_t)(b) << 8) | (uint32_t)(c))

/* month_index - 0..11 for an English month abbreviation, else -1 */
static int month_index(const char *p)
{
    switch (M3(p[0], p[1], p[2])) {
    case M3('J', 'a', 'n'):
        return 0;
    case M3('F', 'e', 'b'):
        return 1;
    case M3('M', 'a', 'r'):
        return 2;
    case M3('A', 'p', 'r'):
        return 3;
    case M3('M', 'a', 'y'):
        return 4;
    case M3('J', 'u', 'n'):
        return 5;
    case M3('J', 'u', 'l'):
        return 6;
    case M3('A', 'u', 'g'):
        return 7;
    case M3('S', 'e', 'p'):
        return 8;
    case M3('O', 'c', 't'):
        return 9;
    case M3('N', 'o', 'v'):
        return 10;
    case M3('D', 'e', 'c'):
        return 11;
    default:
        return -1;
    }
}

/* german_month - journalctl writes %b in the user's locale (LC_TIME): German "Mai", "Okt",
 * "Dez" (0..11), "Mär" (UTF-8, four bytes: *extra 1); -1 otherwise. Asked only when the
 * English name failed, so English lines pay nothing. */
static int german_month(const char *p, const char *e, int *extra)
{
    *extra = 0;
    if (e - p < 4)
        return -1;
    switch (M3(p[0], p[1], p[2])) {
    case M3('M', 'a', 'i'):
        return 4;
    case M3('O', 'k', 't'):
        return 9;
    case M3('D', 'e', 'z'):
        return 11;
    default:
        break;
    }
    if (p[0] == 'M' && (unsigned char)p[1] == 0xC3 && (unsigned char)p[2] == 0xA4 && p[3] == 'r') {
        *extra = 1;
        return 2;
    }
    return -1;
}

/* ---- time fields --------------------------------------------------------- */

struct stamp {
    int64_t year;
    int mon; /* 1..12 */
    int day, hour, min, sec;
    int32_t usec;
    bool tz_known;
    int tz_minutes;
};

/* stamp_valid - whether the fields name a real moment */
static bool stamp_valid(const struct stamp *s)
{
    return s->mon >= 1 && s->mon <= 12 && s->day >= 1 && s->day <= days_in_month(s->year, s->mon) &&
           s->hour <= 23 && s->min <= 59 && s->sec <= 60 && s->tz_minutes > -24 * 60 &&
           s->tz_minutes < 24 * 60;
}

/* stamp_finish - validate s and fill h->when, usec, tz; false if impossible */
static bool stamp_finish(const struct stamp *s, struct log_header *h)
{
    if (s->year < 1 || s->year > 9999)
        return false;
    /* each field is at most two digits (year four): 7 bits apart, no overlap */
    uint64_t key = ((uint64_t)s->year << 21) | ((uint64_t)s->mon << 14) | ((uint64_t)s->day << 7) |
                   (uint64_t)s->hour;
    if (key != hour_cache.key || hour_cache.local == s->tz_known) {
        if (!stamp_valid(s))
            return false;
        hour_cache.key = key;
        hour_cache.local = !s->tz_known;
        hour_cache.base = days_from_civil(s->year, s->mon, s->day) * 86400 + s->hour * 3600;
        hour_cache.offset = s->tz_known ? 0 : local_offset(hour_cache.base);
    } else if (s->min > 59 || s->sec > 60 || s->tz_minutes <= -24 * 60 ||
               s->tz_minutes >= 24 * 60) {
        return false; /* the date and hour were checked when cached */
    }
    int64_t local = hour_cache.base + s->min * 60 + s->sec;
    int off = s->tz_known ? s->tz_minutes * 60 : hour_cache.offset;
    h->when = local - off;
    h->usec = s->usec;
    h->tz_minutes = off / 60;
    h->tz_known = s->tz_known;
    return true;
}

/* parse_hms - "HH:MM:SS" at p (8 bytes available), false if not that shape */
static bool parse_hms(const char *p, struct stamp *s)
{
    if (p[2] != ':' || p[5] != ':')
        return false;
    s->hour = d2(p);
    s->min = d2(p + 3);
    s->sec = d2(p + 6);
    return s->hour >= 0 && s->min >= 0 && s->sec >= 0;
}

/* parse_date - "YYYY-MM-DD" at p (10 bytes available) */
static bool parse_date(const char *p, struct stamp *s)
{
    int hi = d2(p), lo = d2(p + 2);
    if (hi < 0 || lo < 0 || p[4] != '-' || p[7] != '-')
        return false;
    s->year = hi * 100 + lo;
    s->mon = d2(p + 5);
    s->day = d2(p + 8);
    return s->mon >= 0 && s->day >= 0;
}

/* parse_iso - "YYYY-MM-DDTHH:MM:SS[.frac][Z|+hh:mm|+hhmm]"; returns the end, or
 * NULL if not that shape; *colon_zone tells +hh:mm (or Z) from +hhmm (or none) */
static const char *parse_iso(const char *p, const char *e, struct stamp *s, int *zone_kind)
{
    if (e - p < 19 || p[10] != 'T' || !parse_date(p, s) || !parse_hms(p + 11, s))
        return NULL;
    p += 19;
    s->usec = 0;
    if (p < e && *p == '.') {
        s->usec = frac(&p, e);
        if (s->usec < 0)
            return NULL;
    }
    s->tz_known = false;
    s->tz_minutes = 0;
    *zone_kind = 0;
    if (p < e && *p == 'Z') {
        s->tz_known = true;
        *zone_kind = 1;
        p++;
    } else if (p < e && (*p == '+' || *p == '-')) {
        int sign = *p == '-' ? -1 : 1;
        int hh, mm;
        if (e - p >= 6 && p[3] == ':' && (hh = d2(p + 1)) >= 0 && (mm = d2(p + 4)) >= 0) {
            *zone_kind = 1;
            p += 6;
        } else if (e - p >= 5 && (hh = d2(p + 1)) >= 0 && (mm = d2(p + 3)) >= 0) {
            *zone_kind = 2;
            p += 5;
        } else {
            return NULL;
        }
        if (mm > 59)
            mm = 99 * 60; /* makes stamp_valid fail: shape right, value impossible */
        s->tz_known = true;
        s->tz_minutes = sign * (hh * 60 + mm);
    }
    return p;
}

/* find_tag_end - the first ' ', '[' or ':' in [p, e), or e.
 * Eight bytes at a time where the machine is little-endian: a tag is a dozen
 * bytes ("postfix/submission/smtpd") and a byte loop's exit is mispredicted
 * on nearly every line. For each wanted byte c, x = w ^ (c * ones) has a
 * zero byte where w holds c; (x - ones) & ~x & highs flags zero bytes, the
 * lowest flag exactly (false flags only appear above a real zero). */
static const char *find_tag_end(const char *p, const char *e)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    while (e - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t a = w ^ (ones * ' '), b = w ^ (ones * '['), c = w ^ (ones * ':');
        uint64_t hit = ((a - ones) & ~a) | ((b - ones) & ~b) | ((c - ones) & ~c);
        hit &= highs;
        if (hit)
            return p + (__builtin_ctzll(hit) >> 3);
        p += 8;
    }
#endif
    while (p < e && *p != ' ' && *p != '[' && *p != ':')
        p++;
    return p;
}

/* ---- tails ------------------------------------------------------------------ */

/* strip_solaris_id - drop "[ID 801593 mail.info] " from the start of a message:
 *   Mar 14 09:26:53 mx1 sendmail[4312]: [ID 801593 mail.info] 52E9QrAb004312: to=... */
static void strip_solaris_id(struct slice *m)
{
    const char *p = m->p, *e = m->p + m->n;
    if (m->n < 8 || memcmp(p, "[ID ", 4) != 0)
        return;
    p += 4;
    const char *q = p;
    while (q < e && is_digit(*q))
        q++;
    if (q == p || q >= e || *q != ' ')
        return;
    q++;
    while (q < e && *q != ']' && *q != ' ')
        q++;
    if (q >= e || *q != ']')
        return;
    q++;
    if (q < e && *q == ' ')
        q++;
    m->p = q;
    m->n = (size_t)(e - q);
}

/* parse_tag - "prog[pid]: msg" or "prog: msg" at p; without a tag the whole
 * rest is the message ("Mar 14 09:26:53 mx1 last message repeated 3 times") */
static void parse_tag(const char *p, const char *e, struct log_header *h)
{
    const char *q = find_tag_end(p, e);
    h->program = SLICE_EMPTY;
    h->pid = SLICE_EMPTY;
    const char *msg = p;
    if (q > p && q < e && *q == ':') {
        h->program = slice_make(p, (size_t)(q - p));
        msg = q + 1;
    } else if (q > p && q < e && *q == '[') {
        const char *r = q + 1;
        while (r < e && *r != ']' && *r != ' ')
            r++;
        if (r + 1 < e && *r == ']' && r[1] == ':') {
            h->program = slice_make(p, (size_t)(q - p));
            h->pid = slice_make(q + 1, (size_t)(r - q - 1));
            msg = r + 2;
        } else if (r + 1 == e && *r == ']') {
            /* "prog[pid]" and nothing more: a tag with an empty message */
            h->program = slice_make(p, (size_t)(q - p));
            h->pid = slice_make(q + 1, (size_t)(r - q - 1));
            msg = e;
        }
    }
    if (msg != p && msg < e && *msg == ' ')
        msg++;
    h->message = slice_make(msg, (size_t)(e - msg));
    if (h->program.n)
        strip_solaris_id(&h->message);
}

/* parse_host_tag - "host prog[pid]: msg" at p; false if there is no host */
static bool parse_host_tag(const char *p, const char *e, struct log_header *h)
{
    const char *sp = memchr(p, ' ', (size_t)(e - p));
    const char *tok_end = sp ? sp : e;
    if (tok_end == p)
        return false;
    if (tok_end[-1] == ':') {
        /* no host at all: "Oct 19 16:36:25 postfix/smtp[123]: msg" */
        h->host = SLICE_EMPTY;
        parse_tag(p, e, h);
        return h->program.n > 0;
    }
    if (!sp)
        return false;
    h->host = slice_make(p, (size_t)(sp - p));
    /* a host field padded with blanks ("SERVERNAME  sendmail[7101]: ...") */
    const char *t = sp + 1;
    while (t < e && *t == ' ')
        t++;
    parse_tag(t, e, h);
    return true;
}

/* ---- year -------------------------------------------------------------------- */

/* forced_year - with --year: the year of an RFC 3164 line in month mon
 * (0..11) from the clock's progression; *new_year and *new_month are what the
 * clock becomes if the line is accepted */
static int forced_year(const struct header_clock *c, const struct stamp *s, int *new_year,
                       int *new_month)
{
    int mon = s->mon - 1;
    *new_year = c->year;
    *new_month = c->last_month;
    if (c->last_month < 0) {
        *new_month = mon;
        return c->year;
    }
    if (mon < c->last_month - 6) { /* Dec -> Jan */
        *new_year = c->year + 1;
        *new_month = mon;
        return c->year + 1;
    }
    if (mon > c->last_month + 6) {
        /* a straggler from before New Year after January lines (merged or
         * out-of-order input): last year, and the clock stays in January */
        return c->year - 1;
    }
    *new_month = mon;
    return c->year;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* finish_yearless - the time of a stamp without a year: with --year from the
 * clock's progression, else the latest year that does not put the line more
 * than a day after the file's mtime (c->limit). Each line is decided on its
 * own, so nothing carries over from one line to the next: a "Dec 7" line in a
 * file last modified on Dec 4 is last year's even after "Dec 1" lines of this
 * year, and Jan lines after Dec ones are this year's. Feb 29 takes the latest
 * leap year that fits. false (and *bad_time) for an impossible date or time. */
static bool finish_yearless(struct header_clock *c, struct stamp *s, struct log_header *h,
                            bool *bad_time)
{
    if (c->forced) {
        int new_year, new_month;
        s->year = forced_year(c, s, &new_year, &new_month);
        if (!stamp_finish(s, h)) {
            *bad_time = true;
            return false;
        }
        c->year = new_year;
        c->last_month = new_month;
        return true;
    }
    s->year = c->mtime_year;
    bool feb29 = s->mon == 2 && s->day == 29;
    while (feb29 && !is_leap(s->year) && s->year > c->mtime_year - 8)
        s->year--;
    if (!stamp_finish(s, h)) {
        *bad_time = true;
        return false;
    }
    if (h->when > c->limit) {
        /* after the file was last written: the year before (Feb 29: the
         * leap year before) */
        do
            s->year--;
        while (feb29 && !is_leap(s->year) && s->year > c->mtime_year - 9);
        if (!stamp_finish(s, h)) {
            *bad_time = true;
            return false;
        }
    }
    c->year = (int)s->year;
    return true;
}

/* ---- formats ------------------------------------------------------------------ */

/* bsd_stamp - "Oct 19 16:36:25[.frac] " (also "Oct  9", "Oct 09", "Oct 9") at p
 * into s (month, day, time); returns the byte after the blank, or NULL */
static const char *bsd_stamp(const char *p, const char *e, struct stamp *s)
{
    /* "Oct 9 16:36:25 h" is the shortest line with a host */
    if (e - p < 16)
        return NULL;
    int mon = month_index(p);
    if (mon < 0) {
        int extra;
        mon = german_month(p, e, &extra);
        p += extra; /* "Mär" is read from its second byte on, as a three-byte name */
    }
    if (mon < 0 || e - p < 16 || p[3] != ' ')
        return NULL;
    s->mon = mon + 1;
    const char *q;
    if (p[4] == ' ' && is_digit(p[5])) { /* "Oct  9" */
        s->day = p[5] - '0';
        q = p + 6;
    } else if (is_digit(p[4]) && is_digit(p[5])) { /* "Oct 09", "Oct 19" */
        s->day = d2(p + 4);
        q = p + 6;
    } else if (is_digit(p[4]) && p[5] == ' ') { /* "Oct 9" */
        s->day = p[4] - '0';
        q = p + 5;
    } else {
        return NULL;
    }
    if (e - q < 10 || *q != ' ' || !parse_hms(q + 1, s))
        return NULL;
    q += 9;
    if (*q == '.') {
        s->usec = frac(&q, e);
        if (s->usec < 0)
            return NULL;
    }
    if (q >= e || *q != ' ')
        return NULL;
    return q + 1;
}

/* bsd_host_tag - "[<fac.pri> ]host prog[pid]: msg" after a BSD stamp */
static bool bsd_host_tag(const char *q, const char *e, struct log_header *h)
{
    if (q < e && *q == '<') {
        /* FreeBSD syslogd -v: "Mar 14 09:26:53 <mail.info> mx1 sm-mta[4312]: ..." */
        const char *gt = memchr(q, '>', (size_t)(e - q) < 40 ? (size_t)(e - q) : 40);
        if (!gt || gt + 1 >= e || gt[1] != ' ')
            return false;
        q = gt + 2;
    }
    return parse_host_tag(q, e, h);
}

static const char *exim_stamp(const char *p, const char *e, struct stamp *s, struct slice *pid);

/* written_year - Exim through syslog writes its own stamp after the header, with the
 * year the header leaves out ("Jun 19 12:12:31 mail exim[1]: 2019-06-19 12:12:31 ...");
 * that year, when the stamp is of the same day, else 0 */
static int64_t written_year(const struct stamp *s, struct slice msg)
{
    struct stamp x;
    struct slice pid;
    if (msg.n < 19 || !is_digit(msg.p[0]) || msg.p[4] != '-')
        return 0;
    if (!exim_stamp(msg.p, msg.p + msg.n, &x, &pid) || x.mon != s->mon || x.day != s->day)
        return 0;
    return x.year;
}

/* parse_3164 - "Oct 19 16:36:25[.frac] [<fac.pri> ]host prog[pid]: msg" */
static bool parse_3164(const char *p, const char *e, struct header_clock *c, struct log_header *h,
                       bool *bad_time)
{
    struct stamp s = { 0 };
    const char *q = bsd_stamp(p, e, &s);
    if (!q || !bsd_host_tag(q, e, h))
        return false;
    int64_t year = c->forced ? 0 : written_year(&s, h->message);
    if (year) {
        s.year = year;
        if (!stamp_finish(&s, h)) {
            *bad_time = true;
            return false;
        }
        c->year = (int)year;
    } else if (!finish_yearless(c, &s, h, bad_time)) {
        return false;
    }
    h->format = HEADER_RFC3164;
    return true;
}

/* parse_year_first - "2024 Jun 10 06:38:17.123 host prog[pid]: msg": rsyslog
 * templates that put the year first (FORMATS.md H8); the year is written, so
 * no clock is needed */
static bool parse_year_first(const char *p, const char *e, struct log_header *h, bool *bad_time)
{
    int hi = d2(p), lo = d2(p + 2);
    if (hi < 0 || lo < 0 || p[4] != ' ')
        return false;
    struct stamp s = { 0 };
    const char *q = bsd_stamp(p + 5, e, &s);
    if (!q || !bsd_host_tag(q, e, h))
        return false;
    s.year = hi * 100 + lo;
    if (!stamp_finish(&s, h)) {
        *bad_time = true;
        return false;
    }
    h->format = HEADER_YEAR_FIRST;
    return true;
}

/* parse_utm - "2022:03:19-10:51:50 host prog[pid]: msg": the stamp of Sophos UTM
 * (Astaro) syslog files, local time with the year and no zone */
static bool parse_utm(const char *p, const char *e, struct log_header *h, bool *bad_time)
{
    int hi = d2(p), lo = d2(p + 2);
    if (e - p < 21 || hi < 0 || lo < 0 || p[7] != ':' || p[19] != ' ')
        return false;
    struct stamp s = { 0 };
    s.year = hi * 100 + lo;
    s.mon = d2(p + 5);
    s.day = d2(p + 8);
    if (s.mon < 0 || s.day < 0 || !parse_hms(p + 11, &s) || !parse_host_tag(p + 20, e, h))
        return false;
    if (!stamp_finish(&s, h)) {
        *bad_time = true;
        return false;
    }
    h->format = HEADER_UTM;
    return true;
}

/* parse_short_unix - journalctl -o short-unix: "1741944413.589793 host prog[pid]: msg".
 * The stamp is an instant; the offset shown is the local one at that moment. */
static bool parse_short_unix(const char *p, const char *e, struct log_header *h)
{
    const char *q = p;
    int64_t secs = 0;
    while (q < e && is_digit(*q) && q - p < 12)
        secs = secs * 10 + (*q++ - '0');
    if (q - p < 9 || q - p > 11 || q >= e || *q != '.')
        return false;
    int32_t usec = frac(&q, e);
    if (usec < 0 || q >= e || *q != ' ' || !parse_host_tag(q + 1, e, h))
        return false;
    /* local_offset takes local seconds: ask twice so that the hour of a DST
     * change is looked up on the right side of it */
    int32_t off = local_offset(secs);
    off = local_offset(secs + off);
    h->when = secs;
    h->usec = usec;
    h->tz_minutes = off / 60;
    h->tz_known = false;
    h->format = HEADER_SHORT_UNIX;
    return true;
}

/* parse_rfc3339 - "2026-11-27T03:14:15.123456+09:00 host prog[pid]: msg" and
 * journalctl short-iso "2026-11-27T03:14:15+0900 host ..." */
static bool parse_rfc3339(const char *p, const char *e, struct log_header *h, bool *bad_time)
{
    struct stamp s;
    int zone_kind;
    const char *q = parse_iso(p, e, &s, &zone_kind);
    if (!q || q >= e || *q != ' ')
        return false;
    if (!parse_host_tag(q + 1, e, h))
        return false;
    if (!stamp_finish(&s, h)) {
        *bad_time = true;
        return false;
    }
    h->format = zone_kind == 2 ? HEADER_SHORT_ISO : HEADER_RFC3339;
    return true;
}

/* exim_stamp - "YYYY-MM-DD HH:MM:SS[.mmm][ +hhmm][ [pid]] " at p: the message
 * start, or NULL if p does not start that way; *pid is the pid if given */
static const char *exim_stamp(const char *p, const char *e, struct stamp *s, struct slice *pid)
{
    if (e - p < 19 || p[10] != ' ' || !parse_date(p, s) || !parse_hms(p + 11, s))
        return NULL;
    const char *q = p + 19;
    s->usec = 0;
    s->tz_known = false;
    s->tz_minutes = 0;
    *pid = SLICE_EMPTY;
    if (q < e && *q == '.') {
        s->usec = frac(&q, e);
        if (s->usec < 0)
            return NULL;
    }
    /* log_timezone = true: "2018-10-19 16:36:25 +0200 1gDL3J-..." */
    if (e - q >= 6 && q[0] == ' ' && (q[1] == '+' || q[1] == '-') && d2(q + 2) >= 0 &&
        d2(q + 4) >= 0 && (e - q == 6 || q[6] == ' ')) {
        int mm = d2(q + 4);
        s->tz_known = true;
        s->tz_minutes = (q[1] == '-' ? -1 : 1) * (d2(q + 2) * 60 + (mm > 59 ? 99 * 60 : mm));
        q += 6;
    }
    /* log_selector = +pid: "2018-10-19 16:36:25 [4321] 1gDL3J-..." */
    if (e - q >= 4 && q[0] == ' ' && q[1] == '[' && is_digit(q[2])) {
        const char *r = q + 2;
        while (r < e && is_digit(*r))
            r++;
        if (r < e && *r == ']' && (r + 1 == e || r[1] == ' ')) {
            *pid = slice_make(q + 2, (size_t)(r - q - 2));
            q = r + 1;
        }
    }
    if (q < e) {
        if (*q != ' ')
            return NULL;
        q++;
    }
    return q;
}

/* parse_exim - Exim's own main log: program "exim", no host */
static bool parse_exim(const char *p, const char *e, struct log_header *h, bool *bad_time)
{
    struct stamp s;
    struct slice pid;
    const char *q = exim_stamp(p, e, &s, &pid);
    if (!q)
        return false;
    if (!stamp_finish(&s, h)) {
        *bad_time = true;
        return false;
    }
    h->format = HEADER_EXIM;
    h->host = SLICE_EMPTY;
    h->program = SLICE_LIT("exim");
    h->pid = pid;
    h->message = slice_make(q, (size_t)(e - q));
    return true;
}

/* parse_exim_tagged - "exim[pid]: 2018-10-19 16:36:25 1gDL3J-... ** ..." (also
 * "exim4[pid]:"): Exim logging through syslog with the syslog header cut off, as SIEMs
 * (OSSEC, Wazuh) show the line. The time is Exim's own stamp; no host. */
static bool parse_exim_tagged(const char *p, const char *e, struct log_header *h, bool *bad_time)
{
    if (e - p < 8 || memcmp(p, "exim", 4) != 0)
        return false;
    const char *q = p + 4;
    if (*q == '4')
        q++;
    if (*q != '[')
        return false;
    const char *pid = ++q;
    while (q < e && is_digit(*q))
        q++;
    if (q == pid || e - q < 3 || q[0] != ']' || q[1] != ':' || q[2] != ' ')
        return false;
    struct slice tag_pid = slice_make(pid, (size_t)(q - pid));
    if (!parse_exim(q + 3, e, h, bad_time))
        return false;
    if (!h->pid.n)
        h->pid = tag_pid;
    return true;
}

/* token - the bytes up to the next space (at least one); NULL if none */
static const char *token(const char *p, const char *e, struct slice *out)
{
    const char *sp = memchr(p, ' ', (size_t)(e - p));
    if (!sp || sp == p)
        return NULL;
    *out = slice_make(p, (size_t)(sp - p));
    if (out->n == 1 && p[0] == '-')
        *out = SLICE_EMPTY; /* NILVALUE */
    return sp + 1;
}

/* parse_5424 - "<22>1 TS HOST APP PROCID MSGID SD[ MSG]", p after "<22>1 " */
static bool parse_5424(const char *p, const char *e, struct log_header *h, bool *bad_time)
{
    struct stamp s;
    int zone_kind;
    bool nil_time = false;
    const char *q;
    if (p < e && *p == '-') {
        nil_time = true;
        q = p + 1;
    } else {
        q = parse_iso(p, e, &s, &zone_kind);
        if (!q)
            return false;
    }
    if (q >= e || *q != ' ')
        return false;
    struct slice msgid;
    if (!(q = token(q + 1, e, &h->host)) || !(q = token(q, e, &h->program)) ||
        !(q = token(q, e, &h->pid)) || !(q = token(q, e, &msgid)) || q >= e)
        return false;
    /* STRUCTURED-DATA: "-" or "[id k="v" ...][id2 ...]" where a quoted value
     * may hold spaces, ']' and '\"' */
    if (*q == '-') {
        q++;
    } else if (*q == '[') {
        while (q < e && *q == '[') {
            bool quoted = false;
            q++;
            while (q < e) {
                if (quoted && *q == '\\' && q + 1 < e) {
                    q += 2;
                    continue;
                }
                if (*q == '"')
                    quoted = !quoted;
                else if (!quoted && *q == ']')
                    break;
                q++;
            }
            if (q >= e)
                return false;
            q++;
        }
    } else {
        return false;
    }
    if (q < e) {
        if (*q != ' ')
            return false;
        q++;
    }
    /* MSG: an optional BOM, and rsyslog keeps the space after "prog[pid]:":
     *   <22>1 2026-11-27T03:14:15.589793+00:00 mx1 postfix 2101 - -  4C7A21F0B3: to=<...> */
    bool bom = false;
    if (e - q >= 3 && memcmp(q, "\xEF\xBB\xBF", 3) == 0) {
        q += 3;
        bom = true;
    }
    if (q < e && *q == ' ')
        q++;
    if (!bom && e - q >= 3 && memcmp(q, "\xEF\xBB\xBF", 3) == 0)
        q += 3;
    h->message = slice_make(q, (size_t)(e - q));
    if (nil_time || !stamp_finish(&s, h)) {
        *bad_time = true;
        return false;
    }
    h->format = HEADER_RFC5424;
    return true;
}

/* header_clock_init - forced_year 0 means infer from mtime */
void header_clock_init(struct header_clock *c, time_t mtime, int forced_year)
{
    c->year = forced_year;
    c->last_month = -1;
    c->forced = forced_year != 0;
    c->mtime = mtime ? mtime : time(NULL);
    struct tm tm;
    localtime_r(&c->mtime, &tm);
    c->mtime_year = tm.tm_year + 1900;
    /* a day of slack: a line written just before the last write may carry a
     * later stamp (clock skew, buffered writers, a zone change) */
    c->limit = (int64_t)c->mtime + 86400;
    /* a new input is a good moment to pick up a changed TZ */
    header_tz_reset();
}

/* header_parse - fill h from line; false (format NONE) if no format matches */
/* compose_prefix_end - the start of the log line after docker compose's
 * "service_1    | " prefix (`docker compose logs`), or NULL if the line has none;
 * the name is what compose allows: letters, digits, "_", "-", "." */
static const char *compose_prefix_end(const char *p, const char *e)
{
    const char *q = p;
    while (q < e && q - p < 64 &&
           ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || is_digit(*q) || *q == '_' ||
            *q == '-' || *q == '.'))
        q++;
    if (q == p || q >= e || *q != ' ')
        return NULL;
    while (q < e && *q == ' ')
        q++;
    if (e - q < 2 || q[0] != '|' || q[1] != ' ')
        return NULL;
    return q + 2;
}

bool header_parse(struct slice line, struct header_clock *c, struct log_header *h, bool *bad_time)
{
    const char *p = line.p, *e = line.p + line.n;
    bool ok = false;
    *bad_time = false;
    h->format = HEADER_NONE;
    h->when = 0;
    h->usec = 0;
    h->tz_minutes = 0;
    h->tz_known = false;
    /* one by one from a constant: a chained assignment reads the stored
     * slice back and stalls on store forwarding (measured: a third of the
     * function's time) */
    const struct slice empty = SLICE_EMPTY;
    h->host = empty;
    h->program = empty;
    h->pid = empty;
    h->message = empty;
    if (line.n < 16)
        return false;
    char c0 = p[0];
    if (c0 == '<') {
        /* "<PRI>": RFC 5424 when VERSION "1 " follows; a plain RFC 3164
         * line as sent on the wire otherwise ("<22>Oct 19 16:36:25 ...") */
        const char *q = p + 1;
        while (q < e && q - p <= 3 && is_digit(*q))
            q++;
        if (q == p + 1 || q >= e || *q != '>')
            return false;
        q++;
        if (e - q >= 2 && q[0] == '1' && q[1] == ' ')
            ok = parse_5424(q + 2, e, h, bad_time);
        else if (q < e && *q >= 'A' && *q <= 'Z')
            ok = parse_3164(q, e, c, h, bad_time);
        else if (q < e && is_digit(*q))
            ok = parse_rfc3339(q, e, h, bad_time);
    } else if (c0 >= 'A' && c0 <= 'Z') {
        ok = parse_3164(p, e, c, h, bad_time);
    } else if (c0 == 'e') {
        ok = parse_exim_tagged(p, e, h, bad_time);
    } else if (is_digit(c0)) {
        if (p[10] == 'T')
            ok = parse_rfc3339(p, e, h, bad_time);
        else if (p[10] == ' ')
            ok = parse_exim(p, e, h, bad_time);
        else if (p[4] == ' ')
            ok = parse_year_first(p, e, h, bad_time);
        else if (p[4] == ':' && p[10] == '-')
            ok = parse_utm(p, e, h, bad_time);
        else
            ok = parse_short_unix(p, e, h);
    }
    if (!ok) {
        h->format = HEADER_NONE;
        h->host = empty;
        h->program = empty;
        h->pid = empty;
        h->message = empty;
    }
    return ok;
}

/* grep_prefix_end - the start of the log line after grep's "FILE:" or "FILE:LINE:"
 * prefix, as grep over several files or with -n prints it, or NULL: a file name has
 * no blank and the prefix ends at its first colon (grep's context lines, "FILE-LINE-",
 * are not read: a file name may hold dashes) */
static const char *grep_prefix_end(const char *p, const char *e)
{
    const char *q = p;
    while (q < e && q - p < 256 && *q != ':' && *q != ' ')
        q++;
    if (q == p || q >= e || *q != ':')
        return NULL;
    q++;
    const char *d = q;
    while (d < e && d - q < 10 && is_digit(*d))
        d++;
    if (d > q && d < e && *d == ':')
        q = d + 1;
    return e - q >= 16 ? q : NULL;
}

bool header_parse_compose(struct slice line, struct header_clock *c, struct log_header *h,
                          bool *bad_time)
{
    if (*bad_time || line.n < 16)
        return false;
    const char *e = line.p + line.n;
    const char *q = NULL;
    if (line.p[0] >= 'a' && line.p[0] <= 'z')
        q = compose_prefix_end(line.p, e);
    if (q && header_parse(slice_make(q, (size_t)(e - q)), c, h, bad_time))
        return true;
    if (*bad_time || !(q = grep_prefix_end(line.p, e)))
        return false;
    return header_parse(slice_make(q, (size_t)(e - q)), c, h, bad_time);
}

/* mta_program - an MTA's syslog program name: postfix... (postfix/smtp, postfix-out/smtp),
 * any "x/y" (a Postfix syslog_name such as example.com/smtp), sendmail, sm-mta, sm-msp-queue,
 * exim, exim4 */
static bool mta_program(const char *p, size_t n)
{
    if (n >= 7 && memcmp(p, "postfix", 7) == 0)
        return true;
    if (memchr(p, '/', n))
        return n >= 3 && p[0] != '/' && p[n - 1] != '/';
    static const char *const names[] = { "sendmail", "sm-mta", "sm-msp-queue", "exim", "exim4" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && memcmp(p, names[i], n) == 0)
            return true;
    return false;
}

/* nostamp_tag - "prog[digits]: " at p with an MTA program: the message start, or NULL */
static const char *nostamp_tag(const char *p, const char *e, struct log_header *h)
{
    const char *q = p;
    while (q < e && *q != '[' && *q != ' ' && *q != ':')
        q++;
    if (q == p || q >= e || *q != '[' || !mta_program(p, (size_t)(q - p)))
        return NULL;
    const char *r = q + 1;
    while (r < e && is_digit(*r))
        r++;
    if (r == q + 1 || e - r < 3 || r[0] != ']' || r[1] != ':' || r[2] != ' ')
        return NULL;
    h->program = slice_make(p, (size_t)(q - p));
    h->pid = slice_make(q + 1, (size_t)(r - q - 1));
    return r + 3;
}

/* is_log_level - a logger's level word: INFO, WARNING, ERROR, DEBUG, NOTICE, FATAL */
static bool is_log_level(const char *p, size_t n)
{
    static const char *const levels[] = { "INFO", "WARNING", "ERROR", "DEBUG", "NOTICE", "FATAL" };
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
        if (strlen(levels[i]) == n && memcmp(p, levels[i], n) == 0)
            return true;
    return false;
}

bool header_parse_nostamp(struct slice line, const struct header_clock *c, struct log_header *h)
{
    const char *p = line.p, *e = line.p + line.n;
    const struct slice empty = SLICE_EMPTY;
    h->host = empty;
    const char *msg = nostamp_tag(p, e, h);
    if (!msg) {
        /* one host token first: "mail postfix/smtp[1]: ...", "postfix-0 postfix/lmtp[1]: ..." */
        const char *sp = memchr(p, ' ', (size_t)(e - p));
        if (!sp || sp == p || memchr(p, '[', (size_t)(sp - p)) || sp[-1] == ':')
            return false;
        /* the token may be padded with blanks: a log level ("INFO    postfix/smtp[1]: ...",
         * docker-postfix's plain format with its stamp cut off) is no host */
        const char *t = sp + 1;
        while (t < e && *t == ' ')
            t++;
        msg = nostamp_tag(t, e, h);
        if (!msg)
            return false;
        if (t == sp + 1 || !is_log_level(p, (size_t)(sp - p)))
            h->host = slice_make(p, (size_t)(sp - p));
    }
    h->message = slice_make(msg, (size_t)(e - msg));
    h->format = HEADER_NO_STAMP;
    h->when = (int64_t)c->mtime;
    h->usec = 0;
    h->tz_known = false;
    h->tz_minutes = header_local_minutes(h->when);
    return true;
}

/* header_strip_exim_stamp - drop a leading "YYYY-MM-DD HH:MM:SS[.mmm][ +hhmm][ [pid]] "
 * from an Exim message logged through syslog, so it reads like the main log:
 *   Oct 19 16:36:25 mx1 exim[123]: 2018-10-19 16:36:25 1gDL3J-0001Xx-AB ** ... */
bool header_strip_exim_stamp(struct slice *msg)
{
    struct stamp s;
    struct slice pid;
    const char *e = msg->p + msg->n;
    const char *q = exim_stamp(msg->p, e, &s, &pid);
    if (!q)
        return false;
    msg->n = (size_t)(e - q);
    msg->p = q;
    return true;
}

/* header_format_name - "rfc3164", "rfc3339", ... */
const char *header_format_name(enum header_format f)
{
    switch (f) {
    case HEADER_RFC3164:
        return "rfc3164";
    case HEADER_RFC3339:
        return "rfc3339";
    case HEADER_SHORT_ISO:
        return "short-iso";
    case HEADER_RFC5424:
        return "rfc5424";
    case HEADER_EXIM:
        return "exim";
    case HEADER_YEAR_FIRST:
        return "year-first";
    case HEADER_SHORT_UNIX:
        return "short-unix";
    case HEADER_UTM:
        return "utm";
    case HEADER_NO_STAMP:
        return "no-stamp";
    case HEADER_NONE:
        break;
    }
    return "none";
}

/* format_iso_time - "2026-11-27T03:14:15+09:00" into buf (at least 32 bytes) */
void format_iso_time(int64_t when, int tz_minutes, char *buf, size_t size)
{
    int64_t t = when + (int64_t)tz_minutes * 60;
    int64_t days = (t >= 0 ? t : t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    int tz = tz_minutes < 0 ? -tz_minutes : tz_minutes;
    snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", (long long)y, m, d,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
             tz_minutes < 0 ? '-' : '+', tz / 60, tz % 60);
}
