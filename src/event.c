/*
 * event.c - everything done to an event column by column, driven by the
 * EVENT_COLUMNS table of event.h: the column descriptors, the shown value,
 * the stored value (both ways), owned copies, the queue-state encoding and
 * the event spool.
 *
 * A new column needs nothing here unless it brings a new kind: every
 * function below walks the table and switches on the kind.
 *
 * Not here: which events exist (pipeline.c), the writers' layouts
 * (write_*.c), the SQL around the stored columns (store_*.c).
 */
#include "event.h"

#include <assert.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "syslog_header.h"
#include "util/intern.h"
#include "util/msg.h"
#include "util/xalloc.h"

#define EVENT_DESC_(member_, kind_, name_, sql_, help_) \
    { #member_, EVENT_KIND_##kind_, name_, sql_, help_, offsetof(struct event, member_) },
#define EVENT_DERIVED_DESC_(member_, kind_, name_, help_) \
    { #member_, EVENT_KIND_##kind_, name_, "", help_, 0 },
static const struct event_column columns[EVENT_N_COLUMNS] = { EVENT_COLUMNS(EVENT_DESC_,
                                                                            EVENT_DERIVED_DESC_) };

const struct event_column *event_columns(void)
{
    return columns;
}

bool event_column_shown(const struct event_column *c)
{
    return c->name[0] != '\0';
}

bool event_column_stored(const struct event_column *c)
{
    return c->sql[0] != '\0';
}

bool event_column_number(const struct event_column *c)
{
    return c->kind == EVENT_KIND_COUNT || c->kind == EVENT_KIND_LINE;
}

bool event_column_is_text(const struct event_column *c)
{
    switch (c->kind) {
    case EVENT_KIND_TEXT:
    case EVENT_KIND_REASON:
    case EVENT_KIND_BLOCKLIST:
    case EVENT_KIND_FILE:
    case EVENT_KIND_IP_STATUS:
    case EVENT_KIND_IP_LISTS:
        return true;
    default:
        return false;
    }
}

/* the member of c in e (only for held columns) */
#define FIELD(e, c, type) ((type *)(void *)((char *)(e) + (c)->offset))
#define CFIELD(e, c, type) ((type const *)(const void *)((const char *)(e) + (c)->offset))

const char *text_source_name(enum text_source s)
{
    switch (s) {
    case TEXT_REMOTE_REPLY:
        return "remote_reply";
    case TEXT_LOCAL:
        return "local";
    default:
        return "generic";
    }
}

void event_column_value(const struct event *e, const struct event_column *c,
                        const struct ip_status_lookup *ips, struct strbuf *out)
{
    assert(c >= columns && c < columns + EVENT_N_COLUMNS && "a column of the table");
    char buf[40];
    switch (c->kind) {
    case EVENT_KIND_TEXT: {
        const struct slice *s = CFIELD(e, c, struct slice);
        if (s->n)
            strbuf_add(out, s->p, s->n);
        break;
    }
    case EVENT_KIND_TIME:
        format_iso_time(*CFIELD(e, c, int64_t), e->tz_minutes, buf, sizeof buf);
        strbuf_adds(out, buf);
        break;
    case EVENT_KIND_STATUS:
        strbuf_adds(out, delivery_status_name(*CFIELD(e, c, enum delivery_status)));
        break;
    case EVENT_KIND_HASH:
        fingerprint_hex(*CFIELD(e, c, uint64_t), buf);
        strbuf_adds(out, buf);
        break;
    case EVENT_KIND_SOURCE:
        strbuf_adds(out, text_source_name(*CFIELD(e, c, enum text_source)));
        break;
    case EVENT_KIND_IP_STATUS:
    case EVENT_KIND_IP_LISTS: {
        if (!e->implicated_ip.n)
            break;
        const char *status = "unchecked";
        struct strbuf lists = STRBUF_INIT;
        if (ips && ips->lookup)
            ips->lookup(ips->ctx, e->implicated_ip, &status, &lists);
        if (c->kind == EVENT_KIND_IP_STATUS)
            strbuf_adds(out, status);
        else
            strbuf_add(out, lists.s ? lists.s : "", lists.len);
        strbuf_free(&lists);
        break;
    }
    case EVENT_KIND_TZ:
    case EVENT_KIND_COUNT:
    case EVENT_KIND_FLAG:
    case EVENT_KIND_LINE:
        strbuf_addf(out, "%" PRId64, event_get_int(e, c));
        break;
    case EVENT_KIND_REASON:
    case EVENT_KIND_BLOCKLIST:
    case EVENT_KIND_FILE: {
        struct slice s = event_get_text(e, c);
        strbuf_add(out, s.p, s.n);
        break;
    }
    }
}

int64_t event_get_int(const struct event *e, const struct event_column *c)
{
    switch (c->kind) {
    case EVENT_KIND_TIME:
        return *CFIELD(e, c, int64_t);
    case EVENT_KIND_TZ:
    case EVENT_KIND_FLAG:
        return *CFIELD(e, c, int);
    case EVENT_KIND_STATUS:
        return (int64_t)*CFIELD(e, c, enum delivery_status);
    case EVENT_KIND_SOURCE:
        return (int64_t)*CFIELD(e, c, enum text_source);
    case EVENT_KIND_COUNT:
        return *CFIELD(e, c, unsigned);
    case EVENT_KIND_HASH:
    case EVENT_KIND_LINE:
        return (int64_t)*CFIELD(e, c, uint64_t); /* SQLite's integers are signed */
    default:
        return 0;
    }
}

struct slice event_get_text(const struct event *e, const struct event_column *c)
{
    switch (c->kind) {
    case EVENT_KIND_TEXT: {
        struct slice s = *CFIELD(e, c, struct slice);
        return s.p ? s : SLICE_EMPTY;
    }
    case EVENT_KIND_REASON: {
        const struct reason *r = *CFIELD(e, c, const struct reason *);
        return slice_cstr(r ? r->name : "");
    }
    case EVENT_KIND_BLOCKLIST: {
        const struct blocklist_ref *b = *CFIELD(e, c, const struct blocklist_ref *);
        return slice_cstr(b ? b->id : "");
    }
    case EVENT_KIND_FILE: {
        const char *f = *CFIELD(e, c, const char *);
        return slice_cstr(f ? f : "");
    }
    default:
        return SLICE_EMPTY;
    }
}

int event_set_int(struct event *e, const struct event_column *c, int64_t v)
{
    switch (c->kind) {
    case EVENT_KIND_TIME:
        *FIELD(e, c, int64_t) = v;
        return 0;
    case EVENT_KIND_TZ:
        if (v < -24 * 60 || v > 24 * 60)
            return -1;
        *FIELD(e, c, int) = (int)v;
        return 0;
    case EVENT_KIND_FLAG:
        if (v < INT32_MIN || v > INT32_MAX)
            return -1;
        *FIELD(e, c, int) = (int)v;
        return 0;
    case EVENT_KIND_STATUS:
        if (v < 0 || v > DELIVERY_EXPIRED)
            return -1;
        *FIELD(e, c, enum delivery_status) = (enum delivery_status)v;
        return 0;
    case EVENT_KIND_SOURCE:
        if (v < 0 || v > TEXT_GENERIC)
            return -1;
        *FIELD(e, c, enum text_source) = (enum text_source)v;
        return 0;
    case EVENT_KIND_COUNT:
        if (v < 0 || v > UINT32_MAX)
            return -1;
        *FIELD(e, c, unsigned) = (unsigned)v;
        return 0;
    case EVENT_KIND_HASH:
    case EVENT_KIND_LINE:
        *FIELD(e, c, uint64_t) = (uint64_t)v;
        return 0;
    default:
        return -1;
    }
}

/* lookup_name - v as a C string in buf for a table lookup ("" when it cannot be a name) */
static const char *lookup_name(struct slice v, char *buf, size_t size)
{
    if (v.n >= size || (v.n && memchr(v.p, '\0', v.n)))
        v.n = 0;
    memcpy(buf, v.n ? v.p : "", v.n);
    buf[v.n] = '\0';
    return buf;
}

void event_set_text(struct event *e, const struct event_column *c, struct slice v,
                    const struct classifier *cl)
{
    char name[256];
    switch (c->kind) {
    case EVENT_KIND_TEXT:
        *FIELD(e, c, struct slice) = v.p ? v : SLICE_EMPTY;
        break;
    case EVENT_KIND_REASON: {
        /* a reason renamed in reasons.conf since it was stored: the catch-all */
        const struct reason *r = NULL;
        if (cl && *lookup_name(v, name, sizeof name)) {
            r = classifier_reason(cl, name);
            if (!r && classifier_reason_count(cl))
                r = classifier_reason_at(cl, classifier_reason_count(cl) - 1);
        }
        *FIELD(e, c, const struct reason *) = r;
        break;
    }
    case EVENT_KIND_BLOCKLIST:
        *FIELD(e, c, const struct blocklist_ref *) =
            cl && *lookup_name(v, name, sizeof name) ? classifier_blocklist(cl, name) : NULL;
        break;
    case EVENT_KIND_FILE: {
        char *s = xmemdup(v.p ? v.p : "", v.n); /* the name up to a NUL it may hold */
        *FIELD(e, c, const char *) = intern(s);
        free(s);
        break;
    }
    default:
        break;
    }
}

void event_columns_markdown(FILE *fp)
{
    fputs("| column | meaning |\n|---|---|\n", fp);
    for (size_t i = 0; i < EVENT_N_COLUMNS; i++)
        if (event_column_shown(&columns[i]))
            fprintf(fp, "| `%s` | %s |\n", columns[i].name, columns[i].help);
}

/* ---- the queue-state encoding ----------------------------------------- */

/* wire types of an encoded field: enough to skip a field of an unknown column */
enum wire { WIRE_UNSIGNED, WIRE_SIGNED, WIRE_BYTES };

static enum wire wire_of(enum event_kind k)
{
    switch (k) {
    case EVENT_KIND_TIME:
    case EVENT_KIND_TZ:
    case EVENT_KIND_FLAG:
        return WIRE_SIGNED;
    case EVENT_KIND_STATUS:
    case EVENT_KIND_HASH:
    case EVENT_KIND_COUNT:
    case EVENT_KIND_SOURCE:
    case EVENT_KIND_LINE:
        return WIRE_UNSIGNED;
    default:
        return WIRE_BYTES;
    }
}

/* encoded - whether a column goes into the queue state: the stored ones but the
 * file (an expiry names its own line) */
static bool encoded(const struct event_column *c)
{
    return event_column_stored(c) && c->kind != EVENT_KIND_FILE;
}

static void put_value(struct strbuf *b, const struct event *e, const struct event_column *c)
{
    switch (wire_of(c->kind)) {
    case WIRE_SIGNED:
        varint_put_i(b, event_get_int(e, c));
        break;
    case WIRE_UNSIGNED:
        varint_put_u(b, (uint64_t)event_get_int(e, c));
        break;
    case WIRE_BYTES: {
        struct slice s = event_get_text(e, c);
        varint_put_bytes(b, s.p, s.n);
        break;
    }
    }
}

/* the encoded tag (name, wire type) of each column, made once: a checkpoint
 * encodes every changed queue entry */
static struct strbuf tags[EVENT_N_COLUMNS];
static size_t n_encoded;

static void make_tags(void)
{
    for (size_t i = 0; i < EVENT_N_COLUMNS; i++) {
        if (!encoded(&columns[i]))
            continue;
        varint_put_bytes(&tags[i], columns[i].sql, strlen(columns[i].sql));
        varint_put_u(&tags[i], wire_of(columns[i].kind));
        n_encoded++;
    }
}

/* is_default - the column holds zero or nothing: not written (it decodes as such) */
static bool is_default(const struct event *e, const struct event_column *c)
{
    return wire_of(c->kind) == WIRE_BYTES ? event_get_text(e, c).n == 0 : event_get_int(e, c) == 0;
}

void event_encode(const struct event *e, struct strbuf *b)
{
    if (!n_encoded)
        make_tags();
    bool skip[EVENT_N_COLUMNS];
    size_t n = 0;
    for (size_t i = 0; i < EVENT_N_COLUMNS; i++) {
        skip[i] = !tags[i].len || is_default(e, &columns[i]);
        n += !skip[i];
    }
    varint_put_u(b, n);
    for (size_t i = 0; i < EVENT_N_COLUMNS; i++) {
        if (skip[i])
            continue;
        strbuf_add(b, tags[i].s, tags[i].len);
        put_value(b, e, &columns[i]);
    }
}

static const struct event_column *column_by_sql(struct slice name)
{
    for (size_t i = 0; i < EVENT_N_COLUMNS; i++)
        if (encoded(&columns[i]) && slice_eq_cstr(name, columns[i].sql))
            return &columns[i];
    return NULL;
}

/* decode_field - one value of wire type w for the column named name; -1 when bad */
static int decode_field(struct varint_reader *r, struct event *e, const struct classifier *cl,
                        struct slice name, uint64_t w)
{
    const struct event_column *c = column_by_sql(name);
    if (c && wire_of(c->kind) != w)
        return -1;
    switch (w) {
    case WIRE_SIGNED: {
        int64_t v = varint_get_i(r);
        return !c || r->bad ? 0 : event_set_int(e, c, v);
    }
    case WIRE_UNSIGNED: {
        uint64_t v = varint_get_u(r);
        return !c || r->bad ? 0 : event_set_int(e, c, (int64_t)v);
    }
    case WIRE_BYTES: {
        struct slice v = varint_get_bytes(r);
        if (c && !r->bad)
            event_set_text(e, c, v, cl);
        return 0;
    }
    default:
        return -1;
    }
}

int event_decode(struct varint_reader *r, struct event *e, const struct classifier *cl)
{
    memset(e, 0, sizeof *e);
    uint64_t n = varint_get_u(r);
    /* a field takes at least three bytes: a count beyond that is garbage */
    if (r->bad || n > (uint64_t)(r->end - r->p) / 3)
        return -1;
    for (uint64_t i = 0; i < n; i++) {
        struct slice name = varint_get_bytes(r);
        uint64_t w = varint_get_u(r);
        if (r->bad || decode_field(r, e, cl, name, w) < 0)
            return -1;
    }
    return r->bad ? -1 : 0;
}

int event_decode_v1(struct varint_reader *r, struct event *e, const struct classifier *cl)
{
    /* the layout of queue state written before the fields were named (blob
     * version 1): frozen - it describes data already on disk, never a new column */
    static const struct {
        const char *name;
        enum wire w;
    } v1[] = {
        { "time", WIRE_SIGNED },
        { "tz", WIRE_SIGNED },
        { "status", WIRE_UNSIGNED },
        { "queue_id", WIRE_BYTES },
        { "sender", WIRE_BYTES },
        { "recipient", WIRE_BYTES },
        { "domain", WIRE_BYTES },
        { "remote_host", WIRE_BYTES },
        { "remote_ip", WIRE_BYTES },
        { "dsn", WIRE_BYTES },
        { "text", WIRE_BYTES },
        { "stage", WIRE_BYTES },
        { "message_id", WIRE_BYTES },
        { "implicated_ip", WIRE_BYTES },
        { "template", WIRE_BYTES },
        { "provider", WIRE_BYTES },
        { "reason", WIRE_BYTES },
        { "blocklist", WIRE_BYTES },
        { "fingerprint", WIRE_UNSIGNED },
        { "text_source", WIRE_UNSIGNED },
        { "text_shortened", WIRE_SIGNED },
        { "attempts", WIRE_UNSIGNED },
        { "line", WIRE_UNSIGNED },
    };
    memset(e, 0, sizeof *e);
    for (size_t i = 0; i < sizeof v1 / sizeof *v1; i++)
        if (decode_field(r, e, cl, slice_cstr(v1[i].name), v1[i].w) < 0 || r->bad)
            return -1;
    return 0;
}

/* ---- owned copies ------------------------------------------------------ */

static size_t text_offsets[EVENT_N_COLUMNS]; /* offsets of the text members, in order */
static size_t n_text_offsets;

/* find_text_columns - text_offsets, once (event_dup and the spool run per event) */
static void find_text_columns(void)
{
    if (n_text_offsets)
        return;
    for (size_t i = 0; i < EVENT_N_COLUMNS; i++)
        if (columns[i].kind == EVENT_KIND_TEXT)
            text_offsets[n_text_offsets++] = columns[i].offset;
}

#define TEXT_AT(e, k) ((struct slice *)(void *)((char *)(e) + text_offsets[k]))

struct event *event_dup(const struct event *e)
{
    find_text_columns();
    size_t total = sizeof *e;
    for (size_t k = 0; k < n_text_offsets; k++)
        total += TEXT_AT(e, k)->n + 1;
    struct event *d = xmalloc(total);
    *d = *e;
    char *p = (char *)(d + 1);
    for (size_t k = 0; k < n_text_offsets; k++) {
        struct slice *s = TEXT_AT(d, k);
        if (s->n)
            memcpy(p, s->p, s->n);
        p[s->n] = '\0';
        s->p = p;
        p += s->n + 1;
    }
    return d;
}

/* ---- spool ------------------------------------------------------------ */

/*
 * A record is the struct itself, then the bytes of its text columns in table
 * order (the struct holds their lengths). Pointers to the reason/blocklist
 * tables and interned file names stay valid for the whole run, and the spool
 * never outlives the run: they are stored raw; the text pointers are set anew
 * when a record is read back.
 */
struct event_spool {
    FILE *fp;
    uint64_t count;
    struct strbuf buf; /* read-back storage for one event's strings */
};

struct event_spool *event_spool_new(void)
{
    struct event_spool *s = xcalloc(1, sizeof *s);
    s->fp = tmpfile();
    if (!s->fp)
        msg_fatal(MSG_EXIT_INTERNAL,
                  "cannot create a temporary file for the event spool (TMPDIR full?)");
    find_text_columns();
    return s;
}

void event_spool_free(struct event_spool *s)
{
    if (!s)
        return;
    fclose(s->fp);
    strbuf_free(&s->buf);
    free(s);
}

void event_spool_write(struct event_spool *s, const struct event *e)
{
    assert(s && e && n_text_offsets);
    if (fwrite(e, sizeof *e, 1, s->fp) != 1)
        msg_fatal(MSG_EXIT_INTERNAL, "writing the event spool: disk full?");
    for (size_t k = 0; k < n_text_offsets; k++) {
        const struct slice *t = TEXT_AT(e, k);
        if (t->n && fwrite(t->p, 1, t->n, s->fp) != t->n)
            msg_fatal(MSG_EXIT_INTERNAL, "writing the event spool: disk full?");
    }
    s->count++;
}

uint64_t event_spool_count(const struct event_spool *s)
{
    return s->count;
}

void event_spool_rewind(struct event_spool *s)
{
    fflush(s->fp);
    rewind(s->fp);
}

int event_spool_next(struct event_spool *s, struct event *e)
{
    if (fread(e, sizeof *e, 1, s->fp) != 1)
        return 0;
    size_t total = 0;
    for (size_t k = 0; k < n_text_offsets; k++)
        total += TEXT_AT(e, k)->n;
    strbuf_reset(&s->buf);
    strbuf_reserve(&s->buf, total + 1);
    if (total && fread(s->buf.s, 1, total, s->fp) != total)
        return 0;
    const char *p = s->buf.s;
    for (size_t k = 0; k < n_text_offsets; k++) {
        struct slice *t = TEXT_AT(e, k);
        t->p = p ? p : "";
        p += t->n;
    }
    return 1;
}
