/*
 * providers.h - remote host (or recipient domain) -> mail provider; our own
 * relay hosts; the registrable domain of a host name.
 *
 * patterns/providers.conf names providers and the host and domain patterns
 * that identify them (*.mail.protection.outlook.com -> Microsoft 365,
 * *.google.com / gmail.com -> Google, ...). The host that answered decides
 * when the log names one; the recipient domain only when it names none
 * (relay=none, DNS failures, an address literal).
 *
 * A [relay] section of providers.conf names our own relay hosts (smarthosts,
 * submission relays): by `host` patterns, and by the `port`s that only a
 * relay of ours listens on for us (465, 587: a recipient's MX answers on 25).
 * --relay-host adds names or addresses (providers_add_relay). A relay host's
 * answer is about our relay, never about the recipient's provider.
 */
#ifndef BS_PROVIDERS_H
#define BS_PROVIDERS_H

#include <stdbool.h>

#include "util/slice.h"
#include "util/strbuf.h"

struct provider {
    const char *id;   /* "microsoft365" */
    const char *name; /* "Microsoft 365" */
};

struct providers;

struct providers *providers_load(struct strbuf *err);
void providers_free(struct providers *p);
/* provider_for - the provider of the remote host, or (only when the host has no
 * DNS name: empty, "none", an address literal, a transport name) of the
 * recipient domain; NULL when unknown */
const struct provider *provider_for(struct providers *p, struct slice remote_host,
                                    struct slice recipient_domain);

/* providers_add_relay - a host name or IP address that is one of our relays
 * (--relay-host); compared case-insensitively, a trailing dot ignored */
void providers_add_relay(struct providers *p, const char *name_or_ip);
/* provider_is_relay - whether the host (by name, address or port) is our relay */
bool provider_is_relay(struct providers *p, struct slice host, struct slice ip, unsigned port);
/* provider_relay - the provider that stands for our relays ([relay] in
 * providers.conf: its id and name, "Our relay host"); never NULL */
const struct provider *provider_relay(const struct providers *p);

/* host_registrable_domain - the registrable domain of a host name by the Public
 * Suffix List (libpsl): "mx1.example.co.jp" -> "example.co.jp", lower case,
 * into buf. A name the list does not know, a single label or an IP address is
 * returned whole (lower case). */
struct slice host_registrable_domain(struct slice host, struct strbuf *buf);

#endif
