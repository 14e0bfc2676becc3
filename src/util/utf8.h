/*
 * utf8.h - the one UTF-8 validator: strict (RFC 3629) - no overlong forms, no
 * surrogates (U+D800..U+DFFF), nothing past U+10FFFF, no truncated sequence.
 *
 *   size_t utf8_valid_len(const unsigned char *p, size_t n);
 *   bool utf8_valid(const unsigned char *s, size_t n);
 *
 * utf8_valid_len: the length (1..4) of the valid sequence at p (n > 0 bytes
 * available), 0 when the byte at p starts none. utf8_valid: all n bytes are
 * valid UTF-8. The reader uses it to count lines with invalid bytes; the
 * escapers (escape.c) to replace invalid bytes by U+FFFD.
 */
#ifndef BS_UTF8_H
#define BS_UTF8_H

#include <stdbool.h>
#include <stddef.h>

size_t utf8_valid_len(const unsigned char *p, size_t n);
bool utf8_valid(const unsigned char *s, size_t n);

#endif
