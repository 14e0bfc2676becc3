/*
 * msg.h - diagnostics in three tiers (after Postfix's msg_*).
 *
 *   msg_warn   bad data: say where and why, and go on
 *   msg_fatal  bad configuration or unusable input at start-up: exit(status)
 *   assert()   our own bugs
 *
 * Messages go to stderr prefixed with "bouncescope: ". msg_quiet suppresses
 * msg_info (not warnings).
 */
#ifndef BS_MSG_H
#define BS_MSG_H

#include <stdbool.h>

extern bool msg_quiet;

void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void msg_fatal(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
