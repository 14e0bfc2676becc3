/*
 * providers.h - remote host (or recipient domain) -> mail provider.
 *
 * patterns/providers.conf names providers and the host and domain patterns
 * that identify them (*.mail.protection.outlook.com -> Microsoft 365,
 * *.google.com / gmail.com -> Google, ...). The remote host decides when it
 * is known; the recipient domain only when no host is (relay=none).
 */
#ifndef BS_PROVIDERS_H
#define BS_PROVIDERS_H

#include "util/slice.h"
#include "util/strbuf.h"

struct provider {
    const char *id;   /* "microsoft365" */
    const char *name; /* "Microsoft 365" */
};

struct providers;

struct providers *providers_load(struct strbuf *err);
void providers_free(struct providers *p);
/* provider_for - the provider of a remote host / recipient domain, or NULL */
const struct provider *provider_for(struct providers *p, struct slice remote_host,
                                    struct slice recipient_domain);

#endif
