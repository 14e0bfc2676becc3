/*
 * syslog_header.h - split a log line into time, host, program, pid, message.
 *
 * The format is detected per line, so a file that mixes formats (a rotated
 * set concatenated, a template changed mid-file) is read as it comes:
 *
 *   RFC 3164      Oct 19 16:36:25 host prog[pid]: msg    (also "Oct 9", "Oct 09",
 *                 .micro fractions, "<fac.pri>" before host, Solaris "[ID n fac.pri]")
 *   year-first    2024 Jun 10 06:38:17.123 host prog[pid]: msg       (rsyslog templates)
 *   short-unix    1741944413.589793 host prog[pid]: msg              (journalctl)
 *   RFC 3339      2026-11-27T03:14:15.123456+09:00 host prog[pid]: msg  (rsyslog, Debian 12)
 *   short-iso     2026-11-27T03:14:15+0900 host prog[pid]: msg        (journalctl)
 *   RFC 5424      <22>1 2026-11-27T03:14:15.123+09:00 host app procid msgid sd msg
 *   Exim mainlog  2018-10-19 16:36:25[.mmm][ +hhmm][ [pid]] msg       (program "exim")
 *   Exim, tagged  exim[pid]: 2018-10-19 16:36:25 msg   (syslog header cut off, as
 *                 OSSEC/Wazuh show a line; also "exim4[pid]:")
 *   Any of these after docker compose's "service_1   | " prefix or grep's "FILE:" /
 *   "FILE:LINE:" prefix (header_parse_compose, asked only when header_parse failed);
 *   a host field padded with blanks; RFC 3164 months
 *   also in German (journalctl in a de_DE locale: "Mär", "Mai", "Okt", "Dez").
 *
 * The parser is written by hand, not with PCRE2: it runs on every line of the
 * log and is the hot path.
 *
 * Time: RFC 3164 has no year and no zone. The year comes from struct
 * header_clock. Without --year it is decided for every line on its own: the
 * year of the file's modification time, or the year before when that would
 * put the line more than a day after the mtime (a file cannot hold lines
 * written after it was last modified) - so Dec -> Jan inside a file, a
 * "Dec 7" line in a file last modified on Dec 4, and out-of-order lines all
 * get their own right year. With --year the first line takes that year and
 * later lines roll over when the month goes backwards by more than six months
 * (Dec -> Jan). Without --year, a message that starts with Exim's own stamp of the
 * same day ("... exim[1]: 2019-06-19 12:12:31 ...") gives its written year instead.
 * Times without a zone are local time (TZ).
 * `when` is seconds since the epoch (UTC), tz_minutes the offset that was
 * written or, for local times, the local offset at that moment.
 */
#ifndef BS_SYSLOG_HEADER_H
#define BS_SYSLOG_HEADER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "util/slice.h"

enum header_format {
    HEADER_NONE = 0,
    HEADER_RFC3164,
    HEADER_RFC3339,
    HEADER_SHORT_ISO,
    HEADER_RFC5424,
    HEADER_EXIM,
    HEADER_YEAR_FIRST, /* "2024 Jun 10 06:38:17.123 host prog[pid]: msg" */
    HEADER_SHORT_UNIX, /* journalctl -o short-unix: "1741944413.589793 host prog[pid]: msg" */
    HEADER_NO_STAMP, /* "[host ]prog[pid]: msg" of an MTA without any stamp (header_parse_nostamp) */
    HEADER_UTM,      /* Sophos UTM: "2022:03:19-10:51:50 host prog[pid]: msg" */
};

struct log_header {
    enum header_format format;
    int64_t when;         /* UTC seconds */
    int32_t usec;         /* fraction, 0 when absent */
    int tz_minutes;       /* offset east of UTC */
    bool tz_known;        /* written in the line (false: local zone assumed) */
    struct slice host;    /* empty for Exim's own log */
    struct slice program; /* "postfix/smtp", "sendmail", "exim"; RFC 5424 APP-NAME */
    struct slice pid;
    struct slice message; /* the rest, after "prog[pid]: " */
};

/* year inference state for one input file */
struct header_clock {
    int year;       /* year of the last RFC 3164 line */
    int last_month; /* 0..11 of the last RFC 3164 line, -1 before the first (--year only) */
    bool forced;    /* --year given: never infer, still roll over Dec -> Jan */
    time_t mtime;   /* the file's modification time (now for stdin) */
    int mtime_year; /* local year of mtime */
    int64_t limit;  /* no inferred line lies after this: mtime plus a day */
};

/* header_clock_init - forced_year 0 means infer from mtime */
void header_clock_init(struct header_clock *c, time_t mtime, int forced_year);

/* header_parse - fill h from line; false (h->format NONE) if no format matches,
 * *bad_time set when the shape matched but the date/time was impossible */
bool header_parse(struct slice line, struct header_clock *c, struct log_header *h, bool *bad_time);

/* header_parse_compose - after header_parse failed: the line after docker compose's
 * "service_1   | " prefix (compose names are lower case) or after grep's "FILE:" or
 * "FILE:LINE:" prefix (a file name without blanks), header_parse'd;
 * false when the line has no such prefix or *bad_time is set. Kept out of header_parse so that lines
 * read at the first try pay nothing for it. */
bool header_parse_compose(struct slice line, struct header_clock *c, struct log_header *h,
                          bool *bad_time);

/* header_parse_nostamp - after header_parse and header_parse_compose failed: a line whose
 * stamp is missing ("mail postfix/smtp[1]: ...", "postfix/error[1]: ..." as `docker logs`
 * or a grep of the message field shows it, "postfix-0 postfix/lmtp[1]: ..." with a pod
 * name): at most one host token, then an MTA's program (postfix..., a syslog_name with
 * "/", sendmail, sm-mta, sm-msp-queue, exim, exim4) with a numeric pid. The line has no
 * time: h->when is the file's modification time (the caller flags it). */
bool header_parse_nostamp(struct slice line, const struct header_clock *c, struct log_header *h);

/* header_strip_exim_stamp - remove a leading "YYYY-MM-DD HH:MM:SS[.mmm][ +hhmm][ [pid]] "
 * from msg (Exim logging through syslog keeps its own stamp in the message), so
 * the Exim grammar sees the same text as in Exim's main log; false if absent */
bool header_strip_exim_stamp(struct slice *msg);

/* header_tz_reset - forget the cached UTC offsets of local hours; call after
 * changing TZ (header_clock_init does it too) */
void header_tz_reset(void);

/* header_format_name - "rfc3164", "rfc3339", ... */
const char *header_format_name(enum header_format f);

/* header_local_minutes - the local zone's (TZ) UTC offset in minutes at the
 * instant when (seconds since the epoch). Reports show every time in the local
 * zone with this offset, as journalctl does, whatever offset a line was
 * written with: the same instant prints the same way from a file written at
 * +09:00, a journal entry (which has no zone) or the history. */
int header_local_minutes(int64_t when);

/* format_iso_time - "2026-11-27T03:14:15+09:00" into buf (at least 32 bytes) */
void format_iso_time(int64_t when, int tz_minutes, char *buf, size_t size);

#endif
