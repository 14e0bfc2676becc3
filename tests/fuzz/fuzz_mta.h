/*
 * fuzz_mta.h - what the three MTA parser harnesses check on a record.
 *
 * A record's slices must lie inside the message (the SMTP stage may be a
 * literal the parser names: its bytes are read so ASan sees a bad pointer); the recipient list must
 * walk to its end in bounded steps, and each address's domain must lie
 * inside it. Shared by fuzz_postfix.c, fuzz_sendmail.c and fuzz_exim.c.
 */
#ifndef BS_FUZZ_MTA_H
#define BS_FUZZ_MTA_H

#include "delivery.h"
#include "fuzz.h"

static inline void fuzz_check_record(const struct mta_record *rec, struct slice msg)
{
    const char *b = msg.p;
    size_t n = msg.n;
    fuzz_within("qid", rec->qid, b, n);
    fuzz_within("recipients", rec->recipients, b, n);
    fuzz_within("orig_recipient", rec->orig_recipient, b, n);
    fuzz_within("relay_host", rec->relay_host, b, n);
    fuzz_within("relay_ip", rec->relay_ip, b, n);
    fuzz_within("dsn", rec->dsn, b, n);
    fuzz_within("text", rec->text, b, n);
    fuzz_touch("stage", rec->stage); /* may be a literal ("greeting", "end of DATA") */
    fuzz_within("sender", rec->sender, b, n);
    fuzz_within("message_id", rec->message_id, b, n);
    if (rec->kind == RECORD_DELIVERY)
        (void)delivery_status_name(rec->status);
    size_t pos = 0, steps = 0;
    struct slice addr;
    while (delivery_next_recipient(rec->recipients, &pos, &addr)) {
        fuzz_within("recipient", addr, b, n);
        fuzz_within("recipient domain", recipient_domain(addr), b, n);
        if (++steps > rec->recipients.n + 1)
            fuzz_die("delivery_next_recipient", "does not advance");
    }
    (void)recipient_domain(rec->recipients);
    (void)recipient_domain(rec->orig_recipient);
}

#endif
