/*
 * fuzz_conf.c - libFuzzer harness for the pattern-file loader (conf.c) and
 * the blocklist catalogue built on it (blocklists.c).
 *
 * Input: a pattern file. It is loaded with conf_load_file from a memfd and,
 * when it loads, handed to blcat_from_conf (which checks codes, statuses
 * and the other DNS keys). Checks: no crash or sanitizer report; on
 * success every section and entry has its strings and a line number inside
 * the file; on failure a message.
 */
#include "blocklists.h"
#include "conf.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[32];
    int fd = fuzz_file(data, size, path);
    struct strbuf err = STRBUF_INIT;
    struct conf *c = conf_load_file(path, &err);
    if (!c) {
        if (!err.len)
            fuzz_die("conf_load_file", "failed without a message");
    } else {
        size_t lines = 1;
        for (size_t i = 0; i < size; i++)
            lines += data[i] == '\n';
        for (size_t i = 0; i < c->n_sections; i++) {
            const struct conf_section *s = &c->sections[i];
            if (!s->kind || !s->name || s->line < 1 || (size_t)s->line > lines)
                fuzz_die("conf_load_file", "section without kind, name or line");
            for (size_t j = 0; j < s->n_entries; j++) {
                const struct conf_entry *e = &s->entries[j];
                if (!e->key || !e->value || e->line < 1 || (size_t)e->line > lines)
                    fuzz_die("conf_load_file", "entry without key, value or line");
                fuzz_touch("value", slice_cstr(e->value));
            }
        }
        strbuf_reset(&err);
        struct blcat *b = blcat_from_conf(c, &err); /* owns c from here */
        if (!b && !err.len)
            fuzz_die("blcat_from_conf", "failed without a message");
        if (b) {
            for (size_t i = 0; i < b->n_lists; i++) {
                const struct blcat_list *l = &b->lists[i];
                (void)blcat_find(b, l->id);
                (void)blcat_code(l, 0x7f000002);
                (void)blcat_error(l, 0x7ffffffe);
            }
        }
        blcat_free(b);
    }
    close(fd);
    strbuf_free(&err);
    return 0;
}
