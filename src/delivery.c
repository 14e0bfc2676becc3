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

bool delivery_next_recipient(struct slice list, size_t *pos, struct slice *addr)
{
    size_t i = *pos;
    while (i < list.n && (list.p[i] == ',' || list.p[i] == ' '))
        i++;
    if (i >= list.n)
        return false;
    size_t start = i;
    if (list.p[i] == '<') {
        /* <...> may contain quoted commas: "a,b"@example.com */
        bool quoted = false;
        for (i++; i < list.n; i++) {
            if (list.p[i] == '"')
                quoted = !quoted;
            else if (list.p[i] == '>' && !quoted)
                break;
        }
        *addr = slice_make(list.p + start + 1, (i < list.n ? i : list.n) - start - 1);
        if (i < list.n)
            i++;
    } else {
        while (i < list.n && list.p[i] != ',')
            i++;
        *addr = slice_trim(slice_make(list.p + start, i - start));
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
