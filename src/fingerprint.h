/*
 * fingerprint.h - reduce a rejection text to a template and a 64-bit key.
 *
 * The same rejection with another IP, address, queue or tracking id, number
 * or host-specific token must give the same key; a different rejection a
 * different key. The template is the text with those parts masked
 * (<ip>, <addr>, <host>, <id>, <n>) and multi-line SMTP continuation codes
 * ("550-5.7.1 ") dropped, for people to read.
 *
 * Sendmail shortens long replies to head...tail (100 + "..." + 100
 * characters), at a point that moves with the length of the masked parts. The
 * key is therefore computed from the literal words and provider codes
 * (patterns/fingerprint.conf) in the first and last few dozen characters of
 * the *template* - positions that do not move with the masked parts and lie
 * inside what Sendmail keeps - so full and shortened versions of one
 * rejection share a key (details in fingerprint.c).
 */
#ifndef BS_FINGERPRINT_H
#define BS_FINGERPRINT_H

#include <stdint.h>

#include "util/slice.h"
#include "util/strbuf.h"

struct fingerprinter;

struct fingerprinter *fingerprinter_load(struct strbuf *err);
void fingerprinter_free(struct fingerprinter *f);

/* fingerprint - the key of text; the template is written to tmpl (reset first) */
uint64_t fingerprint(struct fingerprinter *f, struct slice text, struct strbuf *tmpl);

/* fingerprint_hex - 16 lower-case hex digits + NUL into buf[17] */
void fingerprint_hex(uint64_t key, char buf[17]);

#endif
