/*
 * escape.h - one escaper per output context. Everything from a log is
 * untrusted; every writer passes log text through exactly one of these.
 *
 *   csv_field   RFC 4180 quoting, and formula neutralisation: a cell that
 *               starts with = + - @ TAB or CR gets a leading ' so that
 *               spreadsheets show it as text (OWASP "CSV injection"); the
 *               cell's text follows the terminal's rule (a CSV file is printed
 *               and paged too) but keeps TAB: NUL as \0, other controls,
 *               C1 and bidi overrides as '?', invalid UTF-8 as U+FFFD - a
 *               cell is valid UTF-8, as the JSON document is
 *   json_string a JSON string literal (quotes included); invalid UTF-8 bytes
 *               become U+FFFD; < > & are written as \u003c \u003e \u0026 so
 *               the JSON can sit inside an HTML <script> element unchanged;
 *               control characters, C1 controls and bidi overrides as \uXXXX
 *               (the document holds no raw control character)
 *   html_text   text or attribute value: & < > " ' escaped, LF and TAB as
 *               character references, other C0 and C1 controls and bidi
 *               overrides as '?'; invalid UTF-8 becomes U+FFFD
 *   text_safe   terminal text: C0 controls (ESC!), DEL, the C1 controls
 *               U+0080..U+009F (U+009B is CSI) and the bidi overrides
 *               U+202A..U+202E, U+2066..U+2069 are shown as '?' (NUL as \0,
 *               kept visible), so a log line cannot move the cursor,
 *               recolour or reorder a terminal; invalid UTF-8 becomes U+FFFD.
 *               The output is valid UTF-8 with no control character at all
 *               (not even TAB or LF: the caller lays out lines). Every string
 *               that reaches a terminal goes through this (or the next):
 *               reports, partner and check text, warnings (util/msg.c)
 *   text_safe_ascii  the same for a terminal that is not UTF-8: dashes,
 *               quotes, the ellipsis and no-break space become their ASCII
 *               look-alikes, every other non-ASCII character (and invalid
 *               byte) is shown as '?'
 */
#ifndef BS_ESCAPE_H
#define BS_ESCAPE_H

#include "util/slice.h"
#include "util/strbuf.h"

void csv_field(struct strbuf *out, struct slice s);
void json_string(struct strbuf *out, struct slice s);
void html_text(struct strbuf *out, struct slice s);
void text_safe(struct strbuf *out, struct slice s);
void text_safe_ascii(struct strbuf *out, struct slice s);
#include "util/utf8.h" /* utf8_valid_len: the escapers' rule for invalid bytes */

#endif
