/*
 * write_explain.c - `bouncescope explain` output: text for people, JSON for
 * programs (see explain.h).
 *
 * For each item: the class and its label, the rule that decided (layer,
 * name, file:line), the provider code's meaning, source and help link (and
 * "unverified" when the catalogue says so), how the text was read (the
 * status code used and its RFC 3463 meaning, the stage and the scope a
 * restriction prefix named, the text the phrase layer read), the blocklist
 * named, the implicated IP, the provider, the template and fingerprint, a
 * note, and the advice. Text from the input passes through text_safe /
 * json_string.
 *
 * Not here: deciding anything (classify.c), reading input (cmd_explain.c).
 */
#include <inttypes.h>
#include <string.h>

#include "cause.h"
#include "conf.h"
#include "escape.h"
#include "explain.h"
#include "fingerprint.h"

/* shown_path - a shipped table as "patterns/NAME", anything else as it is */
static const char *shown_path(const char *file, char *buf, size_t n)
{
    const char *dir = conf_shipped_dir();
    size_t k = strlen(dir);
    if (strncmp(file, dir, k) == 0 && file[k] == '/') {
        snprintf(buf, n, "patterns/%s", file + k + 1);
        return buf;
    }
    return file;
}

static void put(FILE *fp, const char *label, const char *value)
{
    struct strbuf b = STRBUF_INIT;
    text_safe(&b, slice_cstr(value));
    fprintf(fp, "  %-15s %s\n", label, strbuf_cstr(&b));
    strbuf_free(&b);
}

static void rule_text(const struct classify_rule *r, struct strbuf *out)
{
    char p[512];
    strbuf_reset(out);
    if (!r) {
        strbuf_adds(out, "nothing decided: no code, phrase, stage or status code rule matched");
        return;
    }
    strbuf_addf(out, "%s layer, [%s] at %s:%d", classify_layer_name(r->layer), r->name,
                shown_path(r->file, p, sizeof p), r->line);
}

void write_explain_text(FILE *fp, const struct explain_item *items, size_t n, const char *origin)
{
    struct strbuf b = STRBUF_INIT;
    if (origin)
        fprintf(fp, "%s: %zu failure%s\n\n", origin, n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        const struct explain_item *it = &items[i];
        const struct classification *cl = &it->cl;
        if (it->recipient[0])
            put(fp, "recipient:", it->recipient);
        if (it->action[0])
            put(fp, "action:", it->action);
        put(fp, "text:", it->text);
        strbuf_reset(&b);
        strbuf_addf(&b, "%s - %s", cl->reason->name, reason_label_of(cl->reason, cl->own));
        put(fp, "class:", strbuf_cstr(&b));
        rule_text(cl->rule, &b);
        put(fp, "decided by:", strbuf_cstr(&b));
        if (cl->rule && cl->rule->code) {
            const struct provider_code *pc = cl->rule->code;
            strbuf_reset(&b);
            strbuf_addf(&b, "%s%s%s%s%s", pc->id, pc->providers[0] ? " (" : "", pc->providers,
                        pc->providers[0] ? ")" : "", pc->verified ? "" : ", unverified");
            put(fp, "provider code:", strbuf_cstr(&b));
            if (pc->meaning)
                put(fp, "  meaning:", pc->meaning);
            if (pc->source)
                put(fp, pc->verified ? "  source:" : "  based on:", pc->source);
            if (pc->help)
                put(fp, "  help:", pc->help);
        } else if (cl->rule && cl->rule->meaning) {
            put(fp, "meaning:", cl->rule->meaning);
        }
        strbuf_reset(&b);
        if (it->tr.dsn_used[0]) {
            strbuf_addf(&b, "%s%s%s%s", it->tr.dsn_used,
                        it->dsn[0]   ? " (given)"
                        : cl->dsn[0] ? " (from the text)"
                                     : " (from the reply code)",
                        it->tr.dsn_meaning ? ": " : "",
                        it->tr.dsn_meaning ? it->tr.dsn_meaning : "");
            put(fp, "status code:", strbuf_cstr(&b));
        }
        if (it->tr.stage || it->tr.scope) {
            strbuf_reset(&b);
            strbuf_addf(&b, "%s", it->tr.stage ? it->tr.stage : "(not given)");
            if (it->tr.scope)
                strbuf_addf(&b, "; the text's restriction names %s", it->tr.scope);
            put(fp, "stage:", strbuf_cstr(&b));
        }
        if (it->tr.reading.len && strcmp(strbuf_cstr(&it->tr.reading), it->text) != 0)
            put(fp, "read as:", strbuf_cstr(&it->tr.reading));
        if (cl->blocklist) {
            strbuf_reset(&b);
            strbuf_addf(&b, "%s (%s)%s%s", cl->blocklist->label, cl->blocklist->id,
                        cl->blocklist->delist_url ? ", removal: " : "",
                        cl->blocklist->delist_url ? cl->blocklist->delist_url : "");
            put(fp, "blocklist:", strbuf_cstr(&b));
        }
        if (cl->implicated_ip.n) {
            strbuf_reset(&b);
            strbuf_add(&b, cl->implicated_ip.p, cl->implicated_ip.n);
            put(fp, "implicated IP:", strbuf_cstr(&b));
        }
        if (it->provider) {
            strbuf_reset(&b);
            strbuf_addf(&b, "%s (%s)", it->provider->name, it->provider->id);
            put(fp, "provider:", strbuf_cstr(&b));
        }
        put(fp, "template:", strbuf_cstr(&it->tmpl));
        char hex[17];
        fingerprint_hex(it->fingerprint, hex);
        put(fp, "fingerprint:", hex);
        if (cl->note)
            put(fp, "note:", cl->note);
        strbuf_reset(&b);
        strbuf_addf(&b, "%s (%s)", side_who_acts(reason_side_of(cl->reason, cl->own)),
                    cl->own                           ? "a fault of our own system"
                    : cl->source == TEXT_REMOTE_REPLY ? "the receiver's reply"
                                                      : "our MTA's words about the delivery");
        put(fp, "who acts:", strbuf_cstr(&b));
        put(fp, "advice:", reason_advice_of(cl->reason, cl->own));
        if (i + 1 < n)
            fputc('\n', fp);
    }
    strbuf_free(&b);
}

/* the JSON writer: one key at a time */
static void jkey(struct strbuf *o, const char *key, bool *first)
{
    strbuf_adds(o, *first ? "\n    " : ",\n    ");
    *first = false;
    json_string(o, slice_cstr(key));
    strbuf_adds(o, ": ");
}

static void jstr(struct strbuf *o, const char *key, const char *v, bool *first)
{
    jkey(o, key, first);
    if (v)
        json_string(o, slice_cstr(v));
    else
        strbuf_adds(o, "null");
}

void write_explain_json(FILE *fp, const struct explain_item *items, size_t n, const char *origin)
{
    struct strbuf o = STRBUF_INIT, b = STRBUF_INIT;
    char p[512];
    strbuf_adds(&o, "{\"version\": 1, \"origin\": ");
    if (origin)
        json_string(&o, slice_cstr(origin));
    else
        strbuf_adds(&o, "null");
    strbuf_adds(&o, ", \"items\": [");
    for (size_t i = 0; i < n; i++) {
        const struct explain_item *it = &items[i];
        const struct classification *cl = &it->cl;
        bool first = true;
        strbuf_adds(&o, i ? ", {" : "{");
        jstr(&o, "text", it->text, &first);
        jstr(&o, "recipient", it->recipient[0] ? it->recipient : NULL, &first);
        jstr(&o, "action", it->action[0] ? it->action : NULL, &first);
        jstr(&o, "source", it->source, &first);
        jstr(&o, "status", it->status, &first);
        jstr(&o, "class", cl->reason->name, &first);
        jstr(&o, "label", reason_label_of(cl->reason, cl->own), &first);
        jkey(&o, "own_fault", &first);
        strbuf_adds(&o, cl->own ? "true" : "false");
        jstr(&o, "side", reason_side_name(reason_side_of(cl->reason, cl->own)), &first);
        jkey(&o, "rule", &first);
        if (cl->rule) {
            strbuf_adds(&o, "{\"layer\": ");
            json_string(&o, slice_cstr(classify_layer_name(cl->rule->layer)));
            strbuf_adds(&o, ", \"name\": ");
            json_string(&o, slice_cstr(cl->rule->name));
            strbuf_adds(&o, ", \"file\": ");
            json_string(&o, slice_cstr(shown_path(cl->rule->file, p, sizeof p)));
            strbuf_addf(&o, ", \"line\": %d, \"meaning\": ", cl->rule->line);
            if (cl->rule->meaning)
                json_string(&o, slice_cstr(cl->rule->meaning));
            else
                strbuf_adds(&o, "null");
            strbuf_adds(&o, "}");
        } else {
            strbuf_adds(&o, "null");
        }
        jkey(&o, "provider_code", &first);
        if (cl->rule && cl->rule->code) {
            const struct provider_code *pc = cl->rule->code;
            strbuf_adds(&o, "{\"id\": ");
            json_string(&o, slice_cstr(pc->id));
            strbuf_adds(&o, ", \"providers\": ");
            json_string(&o, slice_cstr(pc->providers));
            strbuf_adds(&o, ", \"meaning\": ");
            json_string(&o, slice_cstr(pc->meaning ? pc->meaning : ""));
            strbuf_adds(&o, ", \"source\": ");
            json_string(&o, slice_cstr(pc->source ? pc->source : ""));
            strbuf_adds(&o, ", \"help\": ");
            if (pc->help)
                json_string(&o, slice_cstr(pc->help));
            else
                strbuf_adds(&o, "null");
            strbuf_addf(&o, ", \"verified\": %s}", pc->verified ? "true" : "false");
        } else {
            strbuf_adds(&o, "null");
        }
        jstr(&o, "dsn", it->tr.dsn_used[0] ? it->tr.dsn_used : NULL, &first);
        jstr(&o, "dsn_meaning", it->tr.dsn_meaning, &first);
        jstr(&o, "stage", it->tr.stage, &first);
        jstr(&o, "scope", it->tr.scope, &first);
        jstr(&o, "read_as", strbuf_cstr(&it->tr.reading), &first);
        jkey(&o, "blocklist", &first);
        if (cl->blocklist) {
            strbuf_adds(&o, "{\"id\": ");
            json_string(&o, slice_cstr(cl->blocklist->id));
            strbuf_adds(&o, ", \"label\": ");
            json_string(&o, slice_cstr(cl->blocklist->label));
            strbuf_adds(&o, ", \"delist_url\": ");
            if (cl->blocklist->delist_url)
                json_string(&o, slice_cstr(cl->blocklist->delist_url));
            else
                strbuf_adds(&o, "null");
            strbuf_adds(&o, "}");
        } else {
            strbuf_adds(&o, "null");
        }
        jkey(&o, "implicated_ip", &first);
        if (cl->implicated_ip.n)
            json_string(&o, cl->implicated_ip);
        else
            strbuf_adds(&o, "null");
        jkey(&o, "provider", &first);
        if (it->provider) {
            strbuf_adds(&o, "{\"id\": ");
            json_string(&o, slice_cstr(it->provider->id));
            strbuf_adds(&o, ", \"name\": ");
            json_string(&o, slice_cstr(it->provider->name));
            strbuf_adds(&o, "}");
        } else {
            strbuf_adds(&o, "null");
        }
        jstr(&o, "template", strbuf_cstr(&it->tmpl), &first);
        char hex[17];
        fingerprint_hex(it->fingerprint, hex);
        jstr(&o, "fingerprint", hex, &first);
        jstr(&o, "note", cl->note, &first);
        jstr(&o, "advice", reason_advice_of(cl->reason, cl->own), &first);
        strbuf_adds(&o, "\n  }");
    }
    strbuf_adds(&o, "]}\n");
    fputs(strbuf_cstr(&o), fp);
    strbuf_free(&o);
    strbuf_free(&b);
}
