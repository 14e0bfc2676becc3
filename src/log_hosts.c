/*
 * log_hosts.c - the mail hosts a log came from (see log_hosts.h).
 *
 * Not here: reading the host field (syslog_header.c) or printing it (write_text.c).
 */
#include "log_hosts.h"

void log_hosts_add(struct log_hosts *h, struct slice host)
{
    size_t len = host.n < LOG_HOST_NAME_MAX ? host.n : LOG_HOST_NAME_MAX;
    for (size_t i = 0; i < h->n; i++) {
        if (h->host[i].len == len && memcmp(h->host[i].name, host.p, len) == 0) {
            h->host[i].lines++;
            h->last = i;
            return;
        }
    }
    if (h->n == LOG_HOSTS_MAX) {
        h->other_lines++;
        return;
    }
    struct log_host *l = &h->host[h->n];
    memcpy(l->name, host.p, len);
    l->name[len] = '\0';
    l->len = len;
    l->lines = 1;
    h->last = h->n++;
}

size_t log_hosts_sorted(const struct log_hosts *h, size_t idx[LOG_HOSTS_MAX])
{
    /* insertion sort: at most LOG_HOSTS_MAX entries; stable, so ties keep log order */
    for (size_t i = 0; i < h->n; i++) {
        size_t j = i;
        while (j > 0 && h->host[idx[j - 1]].lines < h->host[i].lines) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = i;
    }
    return h->n;
}
