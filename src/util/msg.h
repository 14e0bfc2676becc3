/*
 * msg.h - diagnostics in tiers (after Postfix's msg_*); the only code that
 * writes to stderr, and the only code that knows --quiet (msg_quiet).
 *
 *   msg_info    progress and notes ("reading /var/log/maillog"); not with --quiet
 *   msg_notice  a warning about the input that the report also carries (damaged
 *               lines): "warning: ", not with --quiet (a nightly job's report says it)
 *   msg_warn    bad data or a degraded result: "warning: ", say where and why, go on
 *   msg_error   an error the caller turns into an exit status (cli.h EXIT_*): the
 *               message says what failed and where
 *   msg_fatal   the same, then exit(status): resources gone (memory, disk) or
 *               a state nothing can continue from
 *   msg_progress  the one line of progress on a terminal (progress.c decides when)
 *   assert()    our own bugs: preconditions that must hold
 *
 * Every message is one line (a message may hold more, indented) prefixed
 * "bouncescope: ". Library-level code returns errors and leaves the choice of
 * tier to its caller; only start-up and resource failures call msg_fatal.
 */
#ifndef BS_MSG_H
#define BS_MSG_H

#include <stdbool.h>
#include <stddef.h>

/* exit status of msg_fatal for a machine failure (memory, disk): cli.h's EXIT_INTERNAL */
#define MSG_EXIT_INTERNAL 3

extern bool msg_quiet;

void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void msg_fatal(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* msg_progress - the progress line (progress.c), rewritten in place: "\r", text padded
 * with spaces to pad columns, no newline; text NULL blanks pad columns and returns to
 * the line's start. Not with --quiet. */
void msg_progress(const char *text, size_t pad);

#endif
