/*
 * delivery.c - small helpers around struct mta_record (see delivery.h).
 *
 * Not here: parsing log lines (parse_*.c).
 */
#include "delivery.h"

#include <string.h>

static const char *const status_names[] = {
    [DELIVERY_SENT] = "sent",
    [DELIVERY_DEFERRED] = "deferred",
    [DELIVERY_BOUNCED] = "bounced",
    [DELIVERY_EXPIRED] = "expired",
};

const char *delivery_status_name(enum delivery_status s)
{
    return status_names[s];
}

bool delivery_status_parse(const char *name, enum delivery_status *out)
{
    for (size_t i = 0; i < sizeof status_names / sizeof *status_names; i++) {
        if (strcmp(status_names[i], name) == 0) {
            *out = (enum delivery_status)i;
            return true;
        }
    }
    return false;
}

/* scan_unquoted - from i, the index of the first character outside "..." that ends
 * an item: with at_close, the '>' that closes the <...> opened at i (nested <> count);
 * otherwise a ',' not inside <>. list.n when there is none. */
static inline size_t scan_unquoted(struct slice list, size_t i, bool at_close)
{
    bool quoted = false;
    int depth = 0;
    for (; i < list.n; i++) {
        if (list.p[i] == '"')
            quoted = !quoted;
        else if (quoted)
            continue;
        else if (list.p[i] == '<')
            depth++;
        else if (list.p[i] == '>') {
            if (--depth == 0 && at_close)
                break;
        } else if (list.p[i] == ',' && depth <= 0 && !at_close)
            break;
    }
    return i;
}

bool delivery_next_recipient(struct slice list, size_t *pos, struct slice *addr)
{
    size_t i = *pos;
    while (i < list.n && (list.p[i] == ',' || list.p[i] == ' '))
        i++;
    if (i >= list.n)
        return false;
    size_t start = i;
    if (list.p[i] == '<') {
        /* the common "<a@x>": no quote and no second '<' before the first '>' */
        const char *gt = memchr(list.p + i + 1, '>', list.n - i - 1);
        size_t end = gt ? (size_t)(gt - list.p) : list.n;
        if (!memchr(list.p + i + 1, '<', end - i - 1) &&
            !memchr(list.p + i + 1, '"', end - i - 1)) {
            *addr = slice_make(list.p + i + 1, end - i - 1);
            *pos = gt ? end + 1 : end;
            return true;
        }
        /* <...> may contain quoted commas ("a,b"@example.com) and be nested (<<a@x>>) */
        i = scan_unquoted(list, i, true);
        struct slice a = slice_make(list.p + start + 1, (i < list.n ? i : list.n) - start - 1);
        while (a.n >= 2 && a.p[0] == '<' && a.p[a.n - 1] == '>')
            a = slice_make(a.p + 1, a.n - 2);
        *addr = a;
        if (i < list.n)
            i++;
    } else {
        /* the common "a@x": up to a comma, no quote or '<' on the way */
        static const unsigned char stop[256] = { [','] = 1, ['"'] = 1, ['<'] = 1 };
        while (i < list.n && !stop[(unsigned char)list.p[i]])
            i++;
        if (i >= list.n || list.p[i] == ',') {
            *addr = slice_trim(slice_make(list.p + start, i - start));
            *pos = i;
            return true;
        }
        /* up to a comma outside quotes and <>; "Name" <addr> / Name <addr>: the address */
        i = scan_unquoted(list, start, false);
        struct slice a = slice_trim(slice_make(list.p + start, i - start));
        if (a.n >= 3 && a.p[a.n - 1] == '>' && a.p[0] != '<') {
            size_t lt = a.n - 1;
            while (lt > 0 && a.p[lt] != '<')
                lt--;
            /* "a@<cut>" (a domain a poster cut out) is one address, no display name */
            if (a.p[lt] == '<' && a.p[lt - 1] != '@')
                a = slice_make(a.p + lt + 1, a.n - lt - 2);
        }
        *addr = a;
    }
    *pos = i;
    return true;
}

/* recipient_domain - the part after the last '@'; an empty slice (never
 * addr.p + addr.n, which is NULL + 0 for an Exim expiry of a queue id we never
 * saw: undefined behaviour) when there is none */
struct slice recipient_domain(struct slice addr)
{
    for (size_t i = addr.n; i-- > 0;)
        if (addr.p[i] == '@')
            return slice_make(addr.p + i + 1, addr.n - i - 1);
    return SLICE_EMPTY;
}
