/*
 * escape.h - one escaper per output context. Everything from a log is
 * untrusted; every writer passes log text through exactly one of these.
 *
 *   csv_field   RFC 4180 quoting, and formula neutralisation: a cell that
 *               starts with = + - @ TAB or CR gets a leading ' so that
 *               spreadsheets show it as text (OWASP "CSV injection")
 *   json_string a JSON string literal (quotes included); invalid UTF-8 bytes
 *               become U+FFFD; < > & are written as \u003c \u003e \u0026 so
 *               the JSON can sit inside an HTML <script> element unchanged
 *   html_text   text or attribute value: & < > " ' escaped; invalid UTF-8
 *               becomes U+FFFD
 *   text_safe   terminal text: control characters (ESC!) shown as '?', so a
 *               log line cannot move the cursor or recolour a terminal;
 *               invalid UTF-8 becomes U+FFFD
 */
#ifndef BS_ESCAPE_H
#define BS_ESCAPE_H

#include "util/slice.h"
#include "util/strbuf.h"

void csv_field(struct strbuf *out, struct slice s);
void json_string(struct strbuf *out, struct slice s);
void html_text(struct strbuf *out, struct slice s);
void text_safe(struct strbuf *out, struct slice s);
#include "util/utf8.h" /* utf8_valid_len: the escapers' rule for invalid bytes */

#endif
