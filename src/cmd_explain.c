/*
 * cmd_explain.c - `bouncescope explain`: why one failure text, or every
 * recipient of a bounce message, failed; and the corpus runner.
 *
 *   explain [--dsn CODE] [--stage STAGE] [--host HOST] [--source S] TEXT...
 *   explain -                      the text (or a whole bounce message) on stdin
 *   explain --message FILE|-       a bounce message (RFC 3464, bounce_message.c)
 *   explain --corpus FILE...       labelled rows (tests/corpus/NAME.tsv): every row
 *                                  classified, mismatches printed as file:line,
 *                                  exit 1 on any; --format csv prints every row
 *
 * The text goes through the same classifier, fingerprinter and provider
 * table as a scan (--patterns honoured); write_explain.c prints the answer.
 * Where the source is not given it is guessed: a text with an SMTP reply code
 * near its start is the remote server's reply, anything else the MTA's own
 * words.
 *
 * The corpus format (README, "Tests"): a header line
 *   class ip provider mta source dsn stage host text ref
 * then one tab-separated row per case; '#' comments; '-' for an empty cell.
 * Each row is classified with the classification cache and without it: a
 * cache that changes an answer is a mismatch too.
 *
 * Not here: deciding (classify.c), MIME (bounce_message.c), printing
 * (write_explain.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce_message.h"
#include "cmd_common.h"
#include "classify.h"
#include "commands.h"
#include "escape.h"
#include "explain.h"
#include "fingerprint.h"
#include "providers.h"
#include "util/msg.h"
#include "util/xalloc.h"

#define EXPLAIN_MAX_INPUT (16u << 20)

struct tools {
    struct classifier *cl;
    struct fingerprinter *fp;
    struct providers *prov;
    struct strbuf keyed;
};

/* read_all - a whole file (or stdin for "-"); -1 with errno's message */
static int read_all(const char *path, struct strbuf *out)
{
    FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!fp) {
        msg_warn("%s: %s", path, strerror(errno));
        return -1;
    }
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0) {
        if (out->len + n > EXPLAIN_MAX_INPUT) {
            msg_warn("%s: larger than %u bytes", path, EXPLAIN_MAX_INPUT);
            if (fp != stdin)
                fclose(fp);
            return -1;
        }
        strbuf_add(out, buf, n);
    }
    bool bad = ferror(fp);
    if (fp != stdin)
        fclose(fp);
    if (bad) {
        msg_warn("%s: read error", path);
        return -1;
    }
    return 0;
}

static bool has_reply_code(const char *s)
{
    for (size_t i = 0; s[i]; i++) {
        if ((s[i] == '4' || s[i] == '5') && s[i + 1] >= '0' && s[i + 1] <= '9' && s[i + 2] >= '0' &&
            s[i + 2] <= '9' && (s[i + 3] == ' ' || s[i + 3] == '-') &&
            (i == 0 || s[i - 1] == ' ' || s[i - 1] == ':' || s[i - 1] == '('))
            return true;
    }
    return false;
}

static enum text_source source_of(const char *name)
{
    if (!strcmp(name, "local"))
        return TEXT_LOCAL;
    if (!strcmp(name, "generic"))
        return TEXT_GENERIC;
    return TEXT_REMOTE_REPLY;
}

/* explain_one - classify, fingerprint and look up the provider of one item */
static void explain_one(struct tools *t, struct explain_item *it, bool cached)
{
    if (!it->source)
        it->source = has_reply_code(it->text) || strstr(it->text, " said: ") ? "remote" : "local";
    /* the status: a temporary code defers, anything else bounces */
    char k = it->dsn[0];
    if (!k) {
        char tmp[16];
        classify_dsn_from_text(slice_cstr(it->text), tmp);
        k = tmp[0];
        for (const char *p = it->text; !k && *p; p++)
            if ((*p == '4' || *p == '5') && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' &&
                p[2] <= '9' && (p[3] == ' ' || p[3] == '-'))
                k = *p;
    }
    /* no text at all: only an expiry is logged so (Postfix qmgr
     * "status=expired"), unless a status code says otherwise (a DSN recipient
     * with Status and no Diagnostic-Code: "5.1.10"; X.4.7 is the expiry) */
    bool expiry = !it->dsn[0] || !strcmp(it->dsn + 1, ".4.7");
    if (!it->status)
        it->status = !it->text[0] && expiry ? "expired" : k == '4' ? "deferred" : "bounced";
    enum delivery_status st = DELIVERY_BOUNCED;
    delivery_status_parse(it->status, &st);
    struct classify_input in = {
        .text = slice_cstr(it->text),
        .dsn = slice_cstr(it->dsn),
        .stage = slice_cstr(it->stage),
        .remote_host = slice_cstr(it->host),
        .status = st,
        .text_source = source_of(it->source),
    };
    strbuf_reset(&it->tr.reading);
    if (cached)
        classify(t->cl, &in, &it->cl);
    else
        classify_traced(t->cl, &in, &it->cl, &it->tr);
    /* as the pipeline keys it: the MTA's own words with their status code */
    struct slice keyed = in.text;
    if (in.text_source != TEXT_REMOTE_REPLY && it->cl.dsn[0]) {
        strbuf_reset(&t->keyed);
        strbuf_addf(&t->keyed, "%s %s", it->cl.dsn, it->text);
        keyed = strbuf_slice(&t->keyed);
    }
    it->fingerprint = fingerprint(t->fp, keyed, &it->tmpl);
    /* as the pipeline does: a relay of ours first (its answers are about our
     * relay), then the host's provider */
    struct slice host = slice_cstr(it->host);
    if (!host.n)
        it->provider = NULL;
    else if (provider_is_relay(t->prov, host, SLICE_EMPTY, 0))
        it->provider = provider_relay(t->prov);
    else
        it->provider = provider_for(t->prov, host, SLICE_EMPTY);
}

static void item_init(struct explain_item *it)
{
    memset(it, 0, sizeof *it);
    it->dsn = it->stage = it->host = it->recipient = it->action = "";
}

static void item_free(struct explain_item *it)
{
    strbuf_free(&it->tr.reading);
    strbuf_free(&it->tmpl);
}

static void write_items(const struct options *o, FILE *out, const struct explain_item *items,
                        size_t n, const char *origin)
{
    if (!strcmp(o->format, "json"))
        write_explain_json(out, items, n, origin);
    else
        write_explain_text(out, items, n, origin);
}

/* explain_message - every recipient of a bounce message */
static int explain_message(const struct options *o, struct tools *t, FILE *out, const char *name,
                           struct slice data)
{
    struct bounce_message m;
    struct strbuf err = STRBUF_INIT;
    if (bounce_message_parse(data.p, data.n, &m, &err) < 0) {
        msg_warn("%s: %s", name, strbuf_cstr(&err));
        strbuf_free(&err);
        bounce_message_free(&m);
        return EXIT_INPUT;
    }
    strbuf_free(&err);
    struct explain_item *items = xcalloc(m.n_rcpts ? m.n_rcpts : 1, sizeof *items);
    for (size_t i = 0; i < m.n_rcpts; i++) {
        const struct bounce_recipient *r = &m.rcpts[i];
        struct explain_item *it = &items[i];
        item_init(it);
        it->text = r->diagnostic;
        it->dsn = o->explain_dsn ? o->explain_dsn : r->status;
        it->stage = o->explain_stage ? o->explain_stage : "";
        it->host = o->explain_host ? o->explain_host : r->remote_mta;
        it->recipient = r->final_recipient[0] ? r->final_recipient : r->original_recipient;
        it->action = r->action;
        if (o->explain_source)
            it->source = o->explain_source;
        else if (r->diagnostic_type[0] && strcmp(r->diagnostic_type, "smtp") != 0)
            it->source = "local"; /* "X-Postfix; connect to ...", "X-Unix; ..." */
        else if (has_reply_code(r->diagnostic))
            it->source = "remote";
        if (!strcasecmp(r->action, "delayed"))
            it->status = "deferred";
        explain_one(t, it, false);
    }
    char origin[600];
    snprintf(origin, sizeof origin, "%s (%s)", name,
             m.is_dsn ? "RFC 3464 delivery status" : "no delivery-status part: the quoted reply");
    write_items(o, out, items, m.n_rcpts, origin);
    for (size_t i = 0; i < m.n_rcpts; i++)
        item_free(&items[i]);
    free(items);
    bounce_message_free(&m);
    return EXIT_OK;
}

/* one text from the arguments or stdin; multi-line input becomes one line */
static int explain_text(const struct options *o, struct tools *t, FILE *out, const char *text)
{
    struct strbuf one = STRBUF_INIT;
    bool blank = true;
    for (const char *p = text; *p; p++) {
        char ch = *p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p;
        if (ch == ' ' && blank)
            continue;
        strbuf_addc(&one, ch);
        blank = ch == ' ';
    }
    while (one.len && one.s[one.len - 1] == ' ')
        one.s[--one.len] = '\0';
    struct explain_item it;
    item_init(&it);
    it.text = strbuf_cstr(&one);
    it.dsn = o->explain_dsn ? o->explain_dsn : "";
    it.stage = o->explain_stage ? o->explain_stage : "";
    it.host = o->explain_host ? o->explain_host : "";
    it.source = o->explain_source;
    explain_one(t, &it, false);
    write_items(o, out, &it, 1, NULL);
    item_free(&it);
    strbuf_free(&one);
    return EXIT_OK;
}

/* ---- the corpus ---- */

enum { F_CLASS, F_IP, F_PROVIDER, F_MTA, F_SOURCE, F_DSN, F_STAGE, F_HOST, F_TEXT, F_REF, F_N };
static const char CORPUS_HEADER[] = "class\tip\tprovider\tmta\tsource\tdsn\tstage\thost\ttext\tref";

static const char *cell(char *f)
{
    return strcmp(f, "-") ? f : "";
}

struct corpus_stats {
    size_t rows, mismatches, bad;
};

static void csv_out(FILE *out, const char *const *cells, size_t n)
{
    struct strbuf b = STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (i)
            strbuf_addc(&b, ',');
        csv_field(&b, slice_cstr(cells[i]));
    }
    strbuf_addc(&b, '\n');
    fputs(strbuf_cstr(&b), out);
    strbuf_free(&b);
}

/* corpus_file - classify every row of one file */
static void corpus_file(const struct options *o, struct tools *t, FILE *out, const char *path,
                        struct corpus_stats *st)
{
    struct strbuf data = STRBUF_INIT, b = STRBUF_INIT;
    if (read_all(path, &data) < 0) {
        st->bad++;
        strbuf_free(&data);
        return;
    }
    bool csv = !strcmp(o->format, "csv");
    bool header = false;
    int lineno = 0;
    char *next = data.s ? data.s : (char *)"";
    char *end = next + data.len;
    while (next < end) {
        char *line = next, *nl = memchr(next, '\n', (size_t)(end - next));
        if (nl) {
            *nl = '\0';
            next = nl + 1;
        } else {
            next = end;
        }
        lineno++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        if (!len || line[0] == '#')
            continue;
        if (!header) {
            if (strcmp(line, CORPUS_HEADER) != 0) {
                msg_warn("%s:%d: the header must be \"%s\" (tab-separated)", path, lineno,
                         "class ip provider mta source dsn stage host text ref");
                st->bad++;
                break;
            }
            header = true;
            continue;
        }
        char *f[F_N];
        size_t nf = 0;
        for (char *p = line; nf < F_N;) {
            f[nf++] = p;
            char *tab = strchr(p, '\t');
            if (!tab)
                break;
            *tab = '\0';
            p = tab + 1;
        }
        if (nf != F_N || strchr(f[F_REF], '\t')) {
            msg_warn("%s:%d: %zu columns, want %d", path, lineno, nf, F_N);
            st->bad++;
            continue;
        }
        if (!classifier_reason(t->cl, f[F_CLASS])) {
            msg_warn("%s:%d: '%s' is not a reason class", path, lineno, f[F_CLASS]);
            st->bad++;
            continue;
        }
        st->rows++;
        struct explain_item it, ref;
        item_init(&it);
        it.text = cell(f[F_TEXT]);
        it.dsn = cell(f[F_DSN]);
        it.stage = cell(f[F_STAGE]);
        it.host = cell(f[F_HOST]);
        it.source = *cell(f[F_SOURCE]) ? f[F_SOURCE] : NULL;
        ref = it;
        explain_one(t, &it, false);
        explain_one(t, &ref, true);
        char ip[64];
        snprintf(ip, sizeof ip, "%.*s", (int)it.cl.implicated_ip.n, it.cl.implicated_ip.p);
        char ref_ip[64];
        snprintf(ref_ip, sizeof ref_ip, "%.*s", (int)ref.cl.implicated_ip.n,
                 ref.cl.implicated_ip.p);
        const char *prov = it.provider ? it.provider->id : "";
        strbuf_reset(&b);
        if (it.cl.rule) {
            const struct classify_rule *r = it.cl.rule;
            const char *slash = strrchr(r->file, '/');
            strbuf_addf(&b, "%s [%s] %s:%d", classify_layer_name(r->layer), r->name,
                        slash ? slash + 1 : r->file, r->line);
        } else {
            strbuf_adds(&b, "none");
        }
        bool bad_class = strcmp(it.cl.reason->name, f[F_CLASS]) != 0;
        bool bad_ip = strcmp(ip, cell(f[F_IP])) != 0;
        bool bad_prov = strcmp(prov, cell(f[F_PROVIDER])) != 0;
        bool bad_cache = it.cl.reason != ref.cl.reason || it.cl.rule != ref.cl.rule ||
                         strcmp(ip, ref_ip) != 0 || it.cl.blocklist != ref.cl.blocklist;
        if (bad_class || bad_ip || bad_prov || bad_cache)
            st->mismatches++;
        if (csv) {
            char ln[16];
            snprintf(ln, sizeof ln, "%d", lineno);
            const char *cells[] = {
                path,          ln,          f[F_CLASS],          it.cl.reason->name,
                cell(f[F_IP]), ip,          cell(f[F_PROVIDER]), prov,
                f[F_MTA],      f[F_SOURCE], strbuf_cstr(&b),     bad_cache ? "cache" : ""
            };
            csv_out(out, cells, sizeof cells / sizeof *cells);
        } else if (bad_class || bad_ip || bad_prov || bad_cache) {
            struct strbuf m = STRBUF_INIT;
            strbuf_addf(&m, "%s:%d:", path, lineno);
            if (bad_class)
                strbuf_addf(&m, " class got %s (%s), want %s;", it.cl.reason->name, strbuf_cstr(&b),
                            f[F_CLASS]);
            if (bad_ip)
                strbuf_addf(&m, " ip got '%s', want '%s';", ip, cell(f[F_IP]));
            if (bad_prov)
                strbuf_addf(&m, " provider got '%s', want '%s';", prov, cell(f[F_PROVIDER]));
            if (bad_cache)
                strbuf_addf(&m, " the cache changes the answer (%s / '%s');", ref.cl.reason->name,
                            ref_ip);
            strbuf_adds(&m, " text: ");
            text_safe(&m, slice_cstr(f[F_TEXT]));
            strbuf_addc(&m, '\n');
            fputs(strbuf_cstr(&m), out);
            strbuf_free(&m);
        }
        item_free(&it);
        item_free(&ref);
    }
    if (!header && !st->bad) {
        msg_warn("%s: no header line", path);
        st->bad++;
    }
    strbuf_free(&data);
    strbuf_free(&b);
}

static int run_corpus(const struct options *o, struct tools *t, FILE *out)
{
    if (!o->n_args) {
        msg_warn("explain --corpus: name the corpus files (tests/corpus/*.tsv)");
        return EXIT_USAGE;
    }
    struct corpus_stats st = { 0, 0, 0 };
    if (!strcmp(o->format, "csv")) {
        const char *cells[] = { "file",     "line",         "class", "got_class", "ip",   "got_ip",
                                "provider", "got_provider", "mta",   "source",    "rule", "cache" };
        csv_out(out, cells, sizeof cells / sizeof *cells);
    }
    for (size_t i = 0; i < o->n_args; i++)
        corpus_file(o, t, out, o->args[i], &st);
    char line[200];
    snprintf(line, sizeof line, "corpus: %zu rows in %zu files, %zu mismatches%s", st.rows,
             o->n_args, st.mismatches, st.bad ? ", and malformed input" : "");
    if (!strcmp(o->format, "csv"))
        msg_info("%s", line);
    else
        fprintf(out, "%s\n", line);
    return st.mismatches || st.bad ? EXIT_USAGE : EXIT_OK;
}

int cmd_explain(const struct options *o)
{
    if (strcmp(o->format, "text") && strcmp(o->format, "json") &&
        !(o->corpus && !strcmp(o->format, "csv"))) {
        msg_warn("explain writes text or json (csv with --corpus)");
        return EXIT_USAGE;
    }
    cmd_setup_patterns(o);
    struct strbuf err = STRBUF_INIT;
    struct tools t = { NULL, NULL, NULL, STRBUF_INIT };
    if (!(t.cl = classifier_load(&err)) || !(t.fp = fingerprinter_load(&err)) ||
        !(t.prov = providers_load(&err))) {
        msg_warn("%s", strbuf_cstr(&err));
        classifier_free(t.cl);
        fingerprinter_free(t.fp);
        strbuf_free(&err);
        return EXIT_USAGE;
    }
    strbuf_free(&err);
    FILE *out = stdout;
    if (o->output && !(out = fopen(o->output, "w"))) {
        msg_warn("%s: %s", o->output, strerror(errno));
        out = NULL;
    }
    int rc = EXIT_INTERNAL;
    if (!out) {
        rc = EXIT_INTERNAL;
    } else if (o->corpus) {
        rc = run_corpus(o, &t, out);
    } else if (o->message) {
        struct strbuf data = STRBUF_INIT;
        rc = read_all(o->message, &data) < 0
                 ? EXIT_INPUT
                 : explain_message(o, &t, out, strcmp(o->message, "-") ? o->message : "stdin",
                                   strbuf_slice(&data));
        strbuf_free(&data);
    } else if (!o->n_args || (o->n_args == 1 && !strcmp(o->args[0], "-"))) {
        struct strbuf data = STRBUF_INIT;
        if (read_all("-", &data) < 0)
            rc = EXIT_INPUT;
        else if (bounce_message_looks_like(strbuf_cstr(&data), data.len))
            rc = explain_message(o, &t, out, "stdin", strbuf_slice(&data));
        else if (!data.len)
            msg_warn("explain: no text (give it as an argument, on stdin, or --message FILE)"),
                rc = EXIT_USAGE;
        else
            rc = explain_text(o, &t, out, strbuf_cstr(&data));
        strbuf_free(&data);
    } else {
        struct strbuf text = STRBUF_INIT;
        for (size_t i = 0; i < o->n_args; i++) {
            if (i)
                strbuf_addc(&text, ' ');
            strbuf_adds(&text, o->args[i]);
        }
        rc = explain_text(o, &t, out, strbuf_cstr(&text));
        strbuf_free(&text);
    }
    if (out && out != stdout && fclose(out) != 0) {
        msg_warn("%s: write error", o->output);
        rc = EXIT_INTERNAL;
    } else if (out == stdout && fflush(stdout) != 0) {
        rc = EXIT_INTERNAL;
    }
    classifier_free(t.cl);
    fingerprinter_free(t.fp);
    providers_free(t.prov);
    strbuf_free(&t.keyed);
    return rc;
}
