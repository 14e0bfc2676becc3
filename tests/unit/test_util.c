/*
 * test_util.c - the domain-free helpers of src/util/ that exist once for the
 * whole program: the UTF-8 validator, the key=value line splitter, the string
 * interner, the varint codec and the slot cache. Table-driven; every case
 * says what it wants.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "util/intern.h"
#include "util/kv.h"
#include "util/slot_cache.h"
#include "util/utf8.h"
#include "util/varint.h"

START_TEST(test_utf8)
{
    static const struct {
        const char *bytes;
        size_t n;
        bool valid;
        size_t first_len; /* utf8_valid_len at the first byte */
    } cases[] = {
        { "plain ascii", 11, true, 1 },
        { "\xc3\xa9t\xc3\xa9", 6, true, 2 },                    /* été */
        { "\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab", 9, true, 3 }, /* メール */
        { "\xf0\x9f\x93\xa7", 4, true, 4 },                     /* U+1F4E7 */
        { "\xc0\xaf", 2, false, 0 },                            /* overlong '/' */
        { "\xe0\x80\xaf", 3, false, 0 },                        /* overlong, 3 bytes */
        { "\xed\xa0\x80", 3, false, 0 },                        /* surrogate U+D800 */
        { "\xf4\x90\x80\x80", 4, false, 0 },                    /* past U+10FFFF */
        { "\xe3\x83", 2, false, 0 },                            /* truncated */
        { "\x80", 1, false, 0 },                                /* lone continuation */
        { "\xff", 1, false, 0 },
        { "ok\xe3\x83", 4, false, 1 }, /* truncated at the end */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const unsigned char *p = (const unsigned char *)cases[i].bytes;
        ck_assert_msg(utf8_valid(p, cases[i].n) == cases[i].valid, "case %zu: valid got %d", i,
                      !cases[i].valid);
        ck_assert_msg(utf8_valid_len(p, cases[i].n) == cases[i].first_len,
                      "case %zu: first length got %zu, want %zu", i, utf8_valid_len(p, cases[i].n),
                      cases[i].first_len);
    }
}
END_TEST

START_TEST(test_kv)
{
    static const struct {
        const char *line, *key, *value; /* key NULL: blank or comment */
    } cases[] = {
        { "format = csv\n", "format", "csv" },
        { "  dns-server=127.0.0.1:5353  \r\n", "dns-server", "127.0.0.1:5353" },
        { "quiet\n", "quiet", NULL },
        { "quiet = no", "quiet", "no" },
        { "output =   \n", "output", "" },
        { "# a comment = not a pair\n", NULL, NULL },
        { "   \t\n", NULL, NULL },
        { "a = b = c", "a", "b = c" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *line = strdup(cases[i].line), *key, *value;
        bool pair = kv_split(line, &key, &value);
        ck_assert_msg(pair == (cases[i].key != NULL), "case %zu: pair got %d", i, pair);
        if (cases[i].key)
            ck_assert_msg(!strcmp(key, cases[i].key), "case %zu: key got '%s', want '%s'", i, key,
                          cases[i].key);
        if (cases[i].value)
            ck_assert_msg(value && !strcmp(value, cases[i].value),
                          "case %zu: value got '%s', want '%s'", i, value ? value : "(none)",
                          cases[i].value);
        else
            ck_assert_msg(!value, "case %zu: value got '%s', want none", i, value);
        free(line);
    }
}
END_TEST

START_TEST(test_intern)
{
    char a[] = "maillog.1", b[] = "maillog.1";
    const char *x = intern(a), *y = intern(b), *z = intern("maillog.2");
    ck_assert_ptr_eq(x, y);
    ck_assert_ptr_ne(x, z);
    ck_assert_ptr_ne(x, a);
    a[0] = 'X'; /* the interned copy does not follow its source */
    ck_assert_str_eq(x, "maillog.1");
}
END_TEST

START_TEST(test_varint)
{
    static const int64_t ints[] = { 0, 1, -1, 63, -64, 64, 300, -300, INT64_MAX, INT64_MIN };
    struct strbuf b = STRBUF_INIT;
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        varint_put_i(&b, ints[i]);
        varint_put_u(&b, (uint64_t)ints[i]);
    }
    varint_put_bytes(&b, "a\0b", 3);
    struct varint_reader r = varint_reader_init(b.s, b.len);
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        ck_assert_msg(varint_get_i(&r) == ints[i], "signed %zu", i);
        ck_assert_msg(varint_get_u(&r) == (uint64_t)ints[i], "unsigned %zu", i);
    }
    struct slice s = varint_get_bytes(&r);
    ck_assert(s.n == 3 && !memcmp(s.p, "a\0b", 3) && !r.bad && r.p == r.end);
    /* past the end: bad, and it stays bad */
    ck_assert_uint_eq(varint_get_u(&r), 0);
    ck_assert(r.bad);
    /* a length beyond the data */
    strbuf_reset(&b);
    varint_put_u(&b, 10);
    strbuf_adds(&b, "abc");
    r = varint_reader_init(b.s, b.len);
    s = varint_get_bytes(&r);
    ck_assert(r.bad && s.n == 0);
    /* a varint of more than 64 bits */
    strbuf_reset(&b);
    for (int i = 0; i < 11; i++)
        strbuf_addc(&b, (char)0xff);
    r = varint_reader_init(b.s, b.len);
    varint_get_u(&r);
    ck_assert(r.bad);
    strbuf_free(&b);
}
END_TEST

START_TEST(test_slot_cache)
{
    struct val {
        uint64_t a;
        uint32_t b;
    };
    struct slot_cache *c = slot_cache_new(8, sizeof(struct val));
    struct val x = { 1, 2 }, y = { 3, 4 };
    ck_assert(slot_cache_get(c, 5) == NULL); /* empty */
    slot_cache_put(c, 5, &x);
    const struct val *got = slot_cache_get(c, 5);
    ck_assert(got && got->a == 1 && got->b == 2);
    /* another key of the same slot (13 mod 8 = 5) replaces it */
    slot_cache_put(c, 13, &y);
    ck_assert(slot_cache_get(c, 5) == NULL);
    got = slot_cache_get(c, 13);
    ck_assert(got && got->a == 3);
    /* equal values are stored once: the same address for two keys */
    slot_cache_put(c, 6, &x);
    slot_cache_put(c, 7, &x);
    ck_assert(slot_cache_get(c, 6) == slot_cache_get(c, 7));
    /* at most as many distinct values as slots (8: x, y and 100..105 here);
     * a put of a new value past that is dropped, and the slot keeps the key
     * it had (a miss for the new key) */
    for (uint64_t i = 0; i < 8; i++) {
        struct val v = { 100 + i, 0 };
        slot_cache_put(c, 16 + i, &v); /* slots 0..7; 106 and 107 dropped */
    }
    got = slot_cache_get(c, 7);
    ck_assert(got && got->a == 1); /* key 7 kept its slot */
    struct val late = { 999, 0 };
    slot_cache_put(c, 24, &late); /* slot 0: dropped */
    ck_assert(slot_cache_get(c, 24) == NULL);
    got = slot_cache_get(c, 16);
    ck_assert(got && got->a == 100);
    /* a known value still goes in */
    slot_cache_put(c, 24, &x);
    got = slot_cache_get(c, 24);
    ck_assert(got && got->a == 1);
    slot_cache_free(c);
}
END_TEST

static Suite *util_suite(void)
{
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_utf8);
    tcase_add_test(tc, test_kv);
    tcase_add_test(tc, test_intern);
    tcase_add_test(tc, test_varint);
    tcase_add_test(tc, test_slot_cache);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(util_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
