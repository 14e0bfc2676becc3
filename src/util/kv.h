/*
 * kv.h - one "key = value" line of a configuration file, split in place.
 *
 *   char *kv_trim(char *s);
 *   bool kv_split(char *line, char **key, char **value);
 *
 * kv_trim skips leading blanks (space, TAB) and cuts trailing blanks and the
 * line end (CR, LF) by writing a NUL. kv_split trims the line; a blank line or
 * a '#' comment gives false. Otherwise key is the text before the first '='
 * (trimmed) and value the text after it (trimmed), or NULL when the line has
 * no '=' (a bare flag such as "quiet"). Both point into line, which is
 * modified. Used by the option file (cli.c); the pattern files' format
 * (conf.h) has the same lines inside [sections].
 */
#ifndef BS_KV_H
#define BS_KV_H

#include <stdbool.h>

char *kv_trim(char *s);
bool kv_split(char *line, char **key, char **value);

#endif
