/*
 * test_dnsbl.c - the blocklist checker against a real rbldnsd on 127.0.0.1.
 *
 * An unchecked fixture starts rbldnsd (foreground, -n) with the zones of
 * tests/dnsbl/ on a free port and stops it by its PID afterwards (also from
 * atexit, so a crashing run does not leave it behind). Timeouts are tested
 * against a UDP socket of our own that is never read; malformed answers
 * against `tests/dnsbl/dnsq.py crafted`, a UDP server that answers each
 * address with one crafted packet (a 3-byte A record, a CNAME to itself,
 * TTL 2147483647, ...). The answer reader itself is also tested on packets
 * built here. Nothing here uses the system resolver or the internet.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "blocklists.h"
#include "conf.h"
#include "dnsbl.h"
#include "dnsbl_answer.h"
#include "dnsbl_names.h"

static pid_t rbl_pid;
static pid_t owner_pid; /* Check forks a child per test: only the starter stops rbldnsd */
static char rbl_server[64];
static int silent_fd = -1;
static char silent_server[64];
static pid_t crafted_pid;
static char crafted_server[64];

/* udp_bound - a UDP socket on 127.0.0.1 with a kernel-chosen port */
static int udp_bound(int *port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
        return -1;
    *port = ntohs(sa.sin_port);
    return fd;
}

/* rbl_answers - true if the server on port answers an A query for 2.0.0.127.zen.test */
static bool rbl_answers(int port)
{
    static const unsigned char q[] = { 0x12, 0x34, 0x01, 0x00, 0,   1,   0,   0,   0,   0,   0, 0,
                                       1,    '2',  1,    '0',  1,   '0', 3,   '1', '2', '7', 3, 'z',
                                       'e',  'n',  4,    't',  'e', 's', 't', 0,   0,   1,   0, 1 };
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    sendto(fd, q, sizeof q, 0, (struct sockaddr *)&sa, sizeof sa);
    struct pollfd p = { .fd = fd, .events = POLLIN };
    unsigned char buf[512];
    bool ok = poll(&p, 1, 200) == 1 && recv(fd, buf, sizeof buf, 0) > 2 && buf[0] == 0x12;
    close(fd);
    return ok;
}

static void rbl_stop(void)
{
    if (rbl_pid > 0 && getpid() == owner_pid) {
        kill(rbl_pid, SIGTERM);
        waitpid(rbl_pid, NULL, 0);
        rbl_pid = 0;
    }
    if (crafted_pid > 0 && getpid() == owner_pid) {
        kill(crafted_pid, SIGTERM);
        waitpid(crafted_pid, NULL, 0);
        crafted_pid = 0;
    }
}

/* crafted_start - `dnsq.py crafted PORTFILE`: wait for its port, stop it with rbl_stop */
static void crafted_start(void)
{
    char portfile[] = "/tmp/test_dnsbl_crafted_XXXXXX";
    int fd = mkstemp(portfile);
    ck_assert(fd >= 0);
    close(fd);
    unlink(portfile); /* the server writes it (atomically) when it is bound */
    pid_t pid = fork();
    if (pid == 0) {
        execlp("python3", "python3", BS_SOURCE_DIR "/tests/dnsbl/dnsq.py", "crafted", portfile,
               (char *)NULL);
        _exit(127);
    }
    crafted_pid = pid;
    int port = 0;
    for (int i = 0; i < 100 && port == 0; i++) {
        FILE *f = fopen(portfile, "r");
        if (!f || fscanf(f, "%d", &port) != 1)
            port = 0;
        if (f)
            fclose(f);
        if (port == 0) {
            ck_assert_msg(waitpid(pid, NULL, WNOHANG) == 0, "dnsq.py crafted exited (python3?)");
            usleep(100000);
        }
    }
    unlink(portfile);
    ck_assert_msg(port > 0, "dnsq.py crafted did not start within 10 s");
    snprintf(crafted_server, sizeof crafted_server, "127.0.0.1:%d", port);
}

static void rbl_start(void)
{
    owner_pid = getpid();
    for (int attempt = 0; attempt < 5 && rbl_pid == 0; attempt++) {
        int port;
        int fd = udp_bound(&port);
        ck_assert_msg(fd >= 0, "cannot bind a UDP socket on 127.0.0.1");
        close(fd);
        char bind_arg[64];
        snprintf(bind_arg, sizeof bind_arg, "127.0.0.1/%d", port);
        pid_t pid = fork();
        if (pid == 0) {
            int null = open("/dev/null", O_WRONLY);
            dup2(null, 1);
            dup2(null, 2);
            const char *argv[32];
            int n = 0;
            argv[n++] = "rbldnsd";
            argv[n++] = "-n";
            if (getuid() == 0) { /* rbldnsd refuses to serve as root */
                argv[n++] = "-u";
                argv[n++] = "rbldns";
            }
            argv[n++] = "-b";
            argv[n++] = bind_arg;
            argv[n++] = "-w";
            argv[n++] = BS_SOURCE_DIR "/tests/dnsbl";
            argv[n++] = "zen.test:ip4set:zen-sbl.zone";
            argv[n++] = "zen.test:ip4set:zen-xbl.zone";
            argv[n++] = "zen.test:ip6tset:zen6.zone";
            argv[n++] = "refuse.test:ip4set:refuse.zone";
            argv[n++] = "world.test:ip4set:world.zone";
            argv[n++] = "loop.test:ip4set:loop.zone";
            argv[n++] = "dbl.test:dnset:dbl.zone";
            argv[n] = NULL;
            execvp("rbldnsd", (char **)argv);
            _exit(127);
        }
        rbl_pid = pid;
        bool up = false;
        for (int i = 0; i < 50 && !up; i++) {
            if (waitpid(pid, NULL, WNOHANG) == pid) {
                rbl_pid = 0; /* died: port taken, or not installed */
                break;
            }
            up = rbl_answers(port);
        }
        if (up)
            snprintf(rbl_server, sizeof rbl_server, "127.0.0.1:%d", port);
        else
            rbl_stop();
    }
    ck_assert_msg(rbl_pid > 0, "could not start rbldnsd (Debian package rbldnsd) on 127.0.0.1");
}

static void setup(void)
{
    conf_search_add(BS_SOURCE_DIR "/tests/dnsbl/patterns");
    atexit(rbl_stop);
    rbl_start();
    crafted_start();
    int port;
    silent_fd = udp_bound(&port); /* bound, never read: a server that never answers */
    ck_assert_int_ge(silent_fd, 0);
    snprintf(silent_server, sizeof silent_server, "127.0.0.1:%d", port);
}

static void teardown(void)
{
    rbl_stop();
    if (silent_fd >= 0)
        close(silent_fd);
}

/* new_checker - a context on the test rbldnsd (or another server) */
static struct dnsbl *new_checker(const char *server, const char *const *lists, size_t n_lists)
{
    static const char *servers[1];
    servers[0] = server;
    struct dnsbl_config cfg = { .servers = servers,
                                .n_servers = 1,
                                .timeout_ms = 300,
                                .tries = 2,
                                .lists = lists,
                                .n_lists = n_lists,
                                .dqs_key = "" };
    struct strbuf err = STRBUF_INIT;
    struct dnsbl *d = dnsbl_new(&cfg, &err);
    ck_assert_msg(d, "dnsbl_new: %s", strbuf_cstr(&err));
    strbuf_free(&err);
    return d;
}

static const struct dnsbl_result *result_of(const struct dnsbl_entry *e, const char *list)
{
    for (size_t j = 0; e && j < e->n_results; j++)
        if (!strcmp(e->results[j].list_id, list))
            return &e->results[j];
    return NULL;
}

static void run(struct dnsbl *d)
{
    struct strbuf err = STRBUF_INIT;
    ck_assert_msg(dnsbl_run(d, &err) == 0, "dnsbl_run: %s", strbuf_cstr(&err));
    strbuf_free(&err);
}

/* ---- names ---- */

START_TEST(test_names)
{
    static const struct {
        const char *in, *zone, *norm, *name;
    } cases[] = {
        { "219.94.129.185", "zen.spamhaus.org", "219.94.129.185",
          "185.129.94.219.zen.spamhaus.org" },
        { "[203.0.113.7]", "z.test", "203.0.113.7", "7.113.0.203.z.test" },
        { "::ffff:198.51.100.25", "z.test", "198.51.100.25", "25.100.51.198.z.test" },
        { "2001:DB8::1", "z.test", "2001:db8::1",
          "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.z.test" },
        { "::ffff:7f00:2", "z.test", "127.0.0.2", "2.0.0.127.z.test" },
        { "Mail.Example.COM.", "dbl.test", "mail.example.com", "mail.example.com.dbl.test" },
        { "test", "dbl.test", "test", "test.dbl.test" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct dnsbl_addr a;
        char name[300];
        ck_assert_msg(dnsbl_addr_parse(cases[i].in, &a) == 0, "parse '%s' failed", cases[i].in);
        ck_assert_msg(!strcmp(a.text, cases[i].norm), "'%s': got '%s', want '%s'", cases[i].in,
                      a.text, cases[i].norm);
        ck_assert_int_eq(dnsbl_addr_name(&a, cases[i].zone, name, sizeof name), 0);
        ck_assert_msg(!strcmp(name, cases[i].name), "'%s': got '%s', want '%s'", cases[i].in, name,
                      cases[i].name);
    }
    static const char *bad[] = { "",     "219.94.129", "1.2.3.4.5", "exa mple.com",
                                 "a..b", "x/y",        "[1.2.3.4",  "999.1.1.1",
                                 "-" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct dnsbl_addr a;
        ck_assert_msg(dnsbl_addr_parse(bad[i], &a) == -1,
                      "'%s': got accepted as '%s', want refused", bad[i], a.text);
    }
}
END_TEST

/* ---- the shipped catalogue ---- */

START_TEST(test_shipped_catalogue)
{
    struct strbuf err = STRBUF_INIT;
    struct conf *c = conf_load_file(BS_SOURCE_DIR "/patterns/blocklists.conf", &err);
    ck_assert_msg(c, "%s", strbuf_cstr(&err));
    struct blcat *b = blcat_from_conf(c, &err);
    ck_assert_msg(b, "%s", strbuf_cstr(&err));
    static const char *defaults[] = { "spamhaus", "spamcop",   "barracuda", "uceprotect",
                                      "psbl",     "mailspike", "s5h" };
    for (size_t i = 0; i < sizeof defaults / sizeof *defaults; i++) {
        const struct blcat_list *l = blcat_find(b, defaults[i]);
        ck_assert_msg(l && l->zone && l->default_check && l->status != BLCAT_DEAD,
                      "%s: want a default-checked live DNS list", defaults[i]);
    }
    static const char *dead[] = { "sorbs", "nixspam", "ahbl", "ordb" };
    for (size_t i = 0; i < sizeof dead / sizeof *dead; i++) {
        const struct blcat_list *l = blcat_find(b, dead[i]);
        ck_assert_msg(l && l->status == BLCAT_DEAD && !l->default_check,
                      "%s: want dead, not checked", dead[i]);
    }
    const struct blcat_list *z = blcat_find(b, "spamhaus");
    ck_assert(z->query == (BLCAT_Q_IP4 | BLCAT_Q_IP6));
    static const struct {
        uint32_t a;
        const char *tag;
    } codes[] = { { 0x7f000002, "SBL" },  { 0x7f000003, "CSS" }, { 0x7f000004, "XBL" },
                  { 0x7f000009, "DROP" }, { 0x7f00000a, "PBL" }, { 0x7f00000b, "PBL" } };
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
        const struct blcat_code *k = blcat_code(z, codes[i].a);
        ck_assert_msg(k && !strcmp(k->tag, codes[i].tag), "zen code %08x: got %s, want %s",
                      codes[i].a, k ? k->tag : "none", codes[i].tag);
    }
    for (uint32_t e = 0x7ffffffc; e <= 0x7fffffff; e++)
        if (e != 0x7ffffffd)
            ck_assert_msg(blcat_error(z, e) && !blcat_code(z, e), "zen %08x: want an error code",
                          e);
    ck_assert(strstr(blcat_error(z, 0x7ffffffe)->meaning, "public resolvers"));
    ck_assert(z->dqs_zone && strstr(z->dqs_zone, "{key}.zen.dq.spamhaus.net"));
    const struct blcat_list *dbl = blcat_find(b, "spamhaus-dbl");
    ck_assert(dbl && dbl->query == BLCAT_Q_DOMAIN && blcat_error(dbl, 0x7f0001ff));
    ck_assert(blcat_find(b, "microsoft") && !blcat_find(b, "microsoft")->zone);
    blcat_free(b);
    strbuf_free(&err);
}
END_TEST

START_TEST(test_bad_catalogue)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        { "[list x]\nzone = a.test\nquery = ip5\n", "query: 'ip5'" },
        { "[list x]\nzone = a.test\nquery = ip4\nstatus = alive\n", "status: 'alive'" },
        { "[list x]\nzone = a.test\nquery = ip4\ncode = 127.0.0 X: y\n", "does not start" },
        { "[list x]\nzone = a.test\n", "no `query" },
        { "[list x]\nzone = a.test\nquery = ip4\nadvice = 127.0.0.3 do\n", "no earlier" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char path[] = "/tmp/test_dnsbl_XXXXXX";
        int fd = mkstemp(path);
        ck_assert(write(fd, cases[i].text, strlen(cases[i].text)) ==
                  (ssize_t)strlen(cases[i].text));
        close(fd);
        struct strbuf err = STRBUF_INIT;
        struct conf *c = conf_load_file(path, &err);
        ck_assert(c);
        struct blcat *b = blcat_from_conf(c, &err);
        unlink(path);
        ck_assert_msg(!b && strstr(strbuf_cstr(&err), cases[i].want),
                      "case %zu: got '%s', want '%s'", i, strbuf_cstr(&err), cases[i].want);
        strbuf_free(&err);
    }
}
END_TEST

/* ---- the answer reader, on packets built here ---- */

struct pk {
    unsigned char b[1024];
    size_t n;
};

static void pk_u16(struct pk *p, unsigned v)
{
    p->b[p->n++] = (unsigned char)(v >> 8);
    p->b[p->n++] = (unsigned char)v;
}

static void pk_u32(struct pk *p, uint32_t v)
{
    pk_u16(p, v >> 16);
    pk_u16(p, v & 0xffff);
}

static void pk_bytes(struct pk *p, const void *b, size_t n)
{
    memcpy(p->b + p->n, b, n);
    p->n += n;
}

/* pk_name - a dotted name as wire labels (no compression) */
static void pk_name(struct pk *p, const char *name)
{
    while (*name) {
        size_t l = strcspn(name, ".");
        p->b[p->n++] = (unsigned char)l;
        pk_bytes(p, name, l);
        name += l + (name[l] == '.');
    }
    p->b[p->n++] = 0;
}

/* pk_start - header (QR, AA, RD, RA + flags) and one question */
static void pk_start(struct pk *p, unsigned flags, unsigned an, const char *qname, unsigned qtype)
{
    p->n = 0;
    pk_u16(p, 0x1234);
    pk_u16(p, 0x8580 | flags);
    pk_u16(p, 1);
    pk_u16(p, an);
    pk_u16(p, 0);
    pk_u16(p, 0);
    pk_name(p, qname);
    pk_u16(p, qtype);
    pk_u16(p, 1);
}

/* pk_rr - a record owned by the question's name (pointer 0xc00c) or by owner */
static void pk_rr(struct pk *p, const char *owner, unsigned type, uint32_t ttl, const void *rd,
                  size_t rdlen)
{
    if (owner)
        pk_name(p, owner);
    else
        pk_u16(p, 0xc00c);
    pk_u16(p, type);
    pk_u16(p, 1);
    pk_u32(p, ttl);
    pk_u16(p, (unsigned)rdlen);
    pk_bytes(p, rd, rdlen);
}

#define Q "2.0.0.127.zen.test"

static void want_bad(const struct pk *p, const char *qname, int qtype, const char *why,
                     const char *what)
{
    struct dnsbl_answer a;
    dnsbl_answer_read(p->b, p->n, qname, qtype, &a);
    ck_assert_msg(a.kind == DNSBL_ANSWER_BAD && a.why && strstr(a.why, why),
                  "%s: got kind %d '%s', want bad '%s'", what, a.kind, a.why ? a.why : "", why);
}

START_TEST(test_answer_reader)
{
    static const unsigned char a2[] = { 127, 0, 0, 2 }, a4[] = { 127, 0, 0, 4 },
                               a3[] = { 127, 0, 0 };
    struct pk p;
    struct dnsbl_answer a;
    /* well-formed: two codes, the smaller TTL, names compared without case */
    pk_start(&p, 0, 2, "2.0.0.127.ZEN.Test", DNSBL_T_A);
    pk_rr(&p, NULL, DNSBL_T_A, 900, a2, 4);
    pk_rr(&p, NULL, DNSBL_T_A, 300, a4, 4);
    dnsbl_answer_read(p.b, p.n, Q, DNSBL_T_A, &a);
    ck_assert_int_eq(a.kind, DNSBL_ANSWER_DATA);
    ck_assert_int_eq(a.n_a, 2);
    ck_assert_uint_eq(a.a[0], 0x7f000002);
    ck_assert_uint_eq(a.a[1], 0x7f000004);
    ck_assert_uint_eq(a.ttl, 300);
    /* NXDOMAIN to our question */
    pk_start(&p, 3, 0, Q, DNSBL_T_A);
    dnsbl_answer_read(p.b, p.n, Q, DNSBL_T_A, &a);
    ck_assert_int_eq(a.kind, DNSBL_ANSWER_NXDOMAIN);
    /* TTL bound: 2^31-1 -> a day, 0 and top-bit TTLs -> the floor */
    static const struct {
        uint32_t ttl, want;
    } ttls[] = { { 2147483647u, DNSBL_TTL_MAX },
                 { 0, DNSBL_TTL_MIN },
                 { 0x80000000u, DNSBL_TTL_MIN },
                 { 0xffffffffu, DNSBL_TTL_MIN },
                 { 3600, 3600 } };
    for (size_t i = 0; i < sizeof ttls / sizeof *ttls; i++) {
        pk_start(&p, 0, 1, Q, DNSBL_T_A);
        pk_rr(&p, NULL, DNSBL_T_A, ttls[i].ttl, a2, 4);
        dnsbl_answer_read(p.b, p.n, Q, DNSBL_T_A, &a);
        ck_assert_msg(a.kind == DNSBL_ANSWER_DATA && a.ttl == ttls[i].want,
                      "TTL %u: got %u, want %u", ttls[i].ttl, a.ttl, ttls[i].want);
    }
    /* TXT: strings of a record joined, records with " | ", control bytes '?' */
    pk_start(&p, 0, 2, Q, DNSBL_T_TXT);
    pk_rr(&p, NULL, DNSBL_T_TXT, 300, "\x03one\x04 two", 9);
    pk_rr(&p, NULL, DNSBL_T_TXT, 300,
          "\x04th\x1b"
          "e",
          5);
    dnsbl_answer_read(p.b, p.n, Q, DNSBL_T_TXT, &a);
    ck_assert_int_eq(a.kind, DNSBL_ANSWER_DATA);
    ck_assert_str_eq(a.txt, "one two | th?e");
    /* a well-formed CNAME chain to an A record */
    pk_start(&p, 0, 2, Q, DNSBL_T_A);
    pk_rr(&p, NULL, DNSBL_T_CNAME, 300, "\x01x\x04test\x00", 8);
    pk_rr(&p, "x.test", DNSBL_T_A, 300, a4, 4);
    dnsbl_answer_read(p.b, p.n, Q, DNSBL_T_A, &a);
    ck_assert(a.kind == DNSBL_ANSWER_DATA && a.n_a == 1 && a.a[0] == 0x7f000004);

    /* everything else is bad, with the reason */
    unsigned char tiny[11] = { 0x12, 0x34, 0x81, 0x80 };
    struct dnsbl_answer t;
    dnsbl_answer_read(tiny, sizeof tiny, Q, DNSBL_T_A, &t);
    ck_assert(t.kind == DNSBL_ANSWER_BAD && strstr(t.why, "shorter than a DNS header"));
    pk_start(&p, 0, 1, Q, DNSBL_T_A);
    pk_rr(&p, NULL, DNSBL_T_A, 300, a3, 3);
    want_bad(&p, Q, DNSBL_T_A, "A record of 3 bytes", "3-byte A");
    pk_start(&p, 0, 2, Q, DNSBL_T_A);
    pk_rr(&p, NULL, DNSBL_T_A, 300, a2, 4);
    pk_rr(&p, NULL, DNSBL_T_A, 300, "\x7f\0\0\x02\0", 5);
    want_bad(&p, Q, DNSBL_T_A, "A record of 5 bytes", "good and 5-byte A");
    pk_start(&p, 0, 0, Q, DNSBL_T_A);
    want_bad(&p, Q, DNSBL_T_A, "NODATA", "NOERROR, no records");
    pk_start(&p, 0, 1, Q, DNSBL_T_A);
    pk_rr(&p, "other.test", DNSBL_T_A, 300, a2, 4);
    want_bad(&p, Q, DNSBL_T_A, "NODATA", "an A record for another name");
    pk_start(&p, 0, 1, Q, DNSBL_T_A);
    pk_rr(&p, NULL, DNSBL_T_CNAME, 300, "\xc0\x0c", 2); /* CNAME to itself */
    want_bad(&p, Q, DNSBL_T_A, "CNAME loop", "CNAME to itself");
    pk_start(&p, 0, 2, Q, DNSBL_T_A);
    pk_rr(&p, NULL, DNSBL_T_CNAME, 300, "\x01x\x04test\x00", 8);
    pk_rr(&p, "x.test", DNSBL_T_CNAME, 300, "\xc0\x0c", 2);
    want_bad(&p, Q, DNSBL_T_A, "CNAME loop", "CNAME loop of two");
    pk_start(&p, 0, 1, Q, DNSBL_T_A);
    pk_rr(&p, NULL, DNSBL_T_CNAME, 300, "\x01x\x04test\x00", 8);
    want_bad(&p, Q, DNSBL_T_A, "CNAME chain", "CNAME to nothing");
    pk_start(&p, 0, 9, Q, DNSBL_T_A); /* q -> a.t -> b.t -> ... -> i.t: 9 hops */
    pk_rr(&p, NULL, DNSBL_T_CNAME, 300,
          "\x01"
          "a\x01t\x00",
          5);
    for (char c = 'a'; c < 'i'; c++) {
        char owner[] = { c, '.', 't', 0 };
        unsigned char target[] = { 1, (unsigned char)(c + 1), 1, 't', 0 };
        pk_rr(&p, owner, DNSBL_T_CNAME, 300, target, sizeof target);
    }
    want_bad(&p, Q, DNSBL_T_A, "longer than 8", "CNAME chain of 9");
    pk_start(&p, 2, 0, Q, DNSBL_T_A);
    want_bad(&p, Q, DNSBL_T_A, "SERVFAIL", "SERVFAIL");
    pk_start(&p, 5, 0, Q, DNSBL_T_A);
    want_bad(&p, Q, DNSBL_T_A, "REFUSED", "REFUSED");
    pk_start(&p, 9, 0, Q, DNSBL_T_A);
    want_bad(&p, Q, DNSBL_T_A, "rcode 9", "NOTAUTH");
    pk_start(&p, 0x0200, 1, Q, DNSBL_T_A);
    pk_rr(&p, NULL, DNSBL_T_A, 300, a2, 4);
    want_bad(&p, Q, DNSBL_T_A, "truncated", "TC bit");
    pk_start(&p, 0, 1, Q, DNSBL_T_A);
    pk_rr(&p, NULL, DNSBL_T_A, 300, a2, 4);
    p.n -= 3;
    want_bad(&p, Q, DNSBL_T_A, "runs past the packet", "cut record");
    pk_start(&p, 0, 1, "1.0.0.127.zen.test", DNSBL_T_A);
    pk_rr(&p, NULL, DNSBL_T_A, 300, a2, 4);
    want_bad(&p, Q, DNSBL_T_A, "another question", "answer for another name");
    pk_start(&p, 3, 0, "2.0.0.127.zen.test.evil", DNSBL_T_A);
    want_bad(&p, Q, DNSBL_T_A, "another question", "NXDOMAIN for another name");
    pk_start(&p, 0, 1, "x", DNSBL_T_A);
    p.n = 12; /* the question by hand: one label "2.0" where we asked for "2" and "0" */
    pk_bytes(&p,
             "\x03"
             "2.0\x01"
             "0\x03"
             "127\x03zen\x00\x00\x01\x00\x01",
             20);
    pk_rr(&p, NULL, DNSBL_T_A, 300, a2, 4);
    want_bad(&p, "2.0.0.127.zen", DNSBL_T_A, "another question", "a '.' inside a label");
    pk_start(&p, 1, 0, Q, DNSBL_T_A);
    p.n = 12; /* FORMERR without the question, as many servers send it */
    p.b[5] = 0;
    want_bad(&p, Q, DNSBL_T_A, "FORMERR", "FORMERR, no question");
    pk_start(&p, 0, 1, Q, DNSBL_T_TXT);
    pk_rr(&p, NULL, DNSBL_T_A, 300, a2, 4);
    want_bad(&p, Q, DNSBL_T_A, "another question", "answer to a TXT question");
    pk_start(&p, 0, 1, Q, DNSBL_T_A);
    p.b[2] &= 0x7f; /* QR clear: a query, not an answer */
    want_bad(&p, Q, DNSBL_T_A, "not a DNS response", "QR clear");
    pk_start(&p, 0, 1, Q, DNSBL_T_A);
    pk_u16(&p, 0xc000 | (unsigned)p.n); /* an owner name pointing at itself */
    want_bad(&p, Q, DNSBL_T_A, "runs past the packet", "pointer loop");
    pk_start(&p, 0, 40, Q, DNSBL_T_A);
    for (int i = 0; i < 40; i++)
        pk_rr(&p, NULL, DNSBL_T_A, 300, a2, 4);
    want_bad(&p, Q, DNSBL_T_A, "40 records", "too many records");
    pk_start(&p, 0, 1, Q, DNSBL_T_TXT);
    pk_rr(&p, NULL, DNSBL_T_TXT, 300, "\x09short", 6);
    want_bad(&p, Q, DNSBL_T_TXT, "malformed TXT", "TXT string past its record");
}
END_TEST

/* ---- against rbldnsd ---- */

START_TEST(test_listed_two_codes_and_txt)
{
    struct dnsbl *d = new_checker(rbl_server, NULL, 0);
    ck_assert_int_eq(dnsbl_add(d, "219.94.129.185"), 0);
    run(d);
    const struct dnsbl_entry *e = dnsbl_get(d, "::ffff:219.94.129.185");
    ck_assert(e);
    ck_assert_str_eq(dnsbl_status_word(e->summary), "listed");
    const struct dnsbl_result *r = result_of(e, "spamhaus");
    ck_assert_msg(r && r->status == DNSBL_LISTED, "spamhaus: got %s, want listed",
                  r ? dnsbl_status_word(r->status) : "none");
    ck_assert_int_eq(r->n_codes, 2);
    ck_assert_str_eq(r->codes[0].addr, "127.0.0.2");
    ck_assert_str_eq(r->codes[0].tag, "SBL");
    ck_assert_str_eq(r->codes[1].addr, "127.0.0.4");
    ck_assert_str_eq(r->codes[1].tag, "XBL");
    ck_assert_msg(strstr(r->txt, "sbl?ip=219.94.129.185") && strstr(r->txt, " | "),
                  "txt: got '%s', want both records with $ expanded", r->txt);
    ck_assert(r->advice && strstr(r->advice, "do not file it yourself"));
    ck_assert_str_eq(r->delist_url, "https://check.spamhaus.org/");
    struct strbuf sb = STRBUF_INIT;
    dnsbl_render_lists(e, &sb);
    ck_assert_str_eq(strbuf_cstr(&sb), "zen.test=127.0.0.2,127.0.0.4");
    strbuf_free(&sb);
    dnsbl_free(d);
}
END_TEST

START_TEST(test_broken_zones_are_unknown)
{
    struct dnsbl *d = new_checker(rbl_server, NULL, 0);
    dnsbl_add(d, "219.94.129.185");
    dnsbl_add(d, "10.9.8.7");
    run(d);
    static const struct {
        const char *list, *want;
    } cases[] = {
        { "test-refuse",
          "error code 127.255.255.254: Spamhaus refuses queries from public resolvers" },
        { "test-world", "zone failed its self-test" },
        { "test-loop", "zone failed its self-test" },
    };
    for (size_t a = 0; a < dnsbl_count(d); a++) {
        const struct dnsbl_entry *e = dnsbl_at(d, a);
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            const struct dnsbl_result *r = result_of(e, cases[i].list);
            ck_assert_msg(r && r->status == DNSBL_UNKNOWN && r->reason &&
                              strstr(r->reason, cases[i].want),
                          "%s on %s: got %s '%s', want unknown '%s'", e->address, cases[i].list,
                          r ? dnsbl_status_word(r->status) : "none",
                          r && r->reason ? r->reason : "", cases[i].want);
        }
    }
    const struct dnsbl_entry *clean = dnsbl_get(d, "10.9.8.7");
    ck_assert_int_eq(result_of(clean, "spamhaus")->status, DNSBL_NOT_LISTED);
    ck_assert_str_eq(dnsbl_status_word(clean->summary), "unknown");
    size_t usable = 0;
    for (size_t i = 0; i < dnsbl_zone_test_count(d); i++)
        usable += dnsbl_zone_test_at(d, i)->usable;
    ck_assert_int_eq(dnsbl_zone_test_count(d), 4);
    ck_assert_int_eq(usable, 1);
    dnsbl_free(d);
}
END_TEST

START_TEST(test_codes_ip6_domains)
{
    static const char *lists[] = { "spamhaus", "spamhaus-dbl" };
    struct dnsbl *d = new_checker(rbl_server, lists, 2);
    static const struct {
        const char *addr, *list, *status, *codes;
    } cases[] = {
        { "198.51.100.7", "spamhaus", "listed", "zen.test=127.0.0.10" },
        { "192.0.2.5", "spamhaus", "listed", "zen.test=127.0.0.3" },
        { "198.51.100.8", "spamhaus", "listed", "zen.test=127.0.0.99" },
        { "10.0.0.1", "spamhaus", "not_listed", "" },
        { "2001:db8:bad:1::25", "spamhaus", "listed", "zen.test=127.0.0.2" },
        { "2001:db8::25", "spamhaus", "not_listed", "" },
        { "spam.example", "spamhaus-dbl", "listed", "dbl.test=127.0.1.2" },
        { "ham.example", "spamhaus-dbl", "not_listed", "" },
        { "ipquery.example", "spamhaus-dbl", "unknown", "" },
    };
    size_t n = sizeof cases / sizeof *cases;
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(dnsbl_add(d, cases[i].addr), 0);
    run(d);
    for (size_t i = 0; i < n; i++) {
        const struct dnsbl_entry *e = dnsbl_get(d, cases[i].addr);
        ck_assert_int_eq(e->n_results, 1);
        const struct dnsbl_result *r = result_of(e, cases[i].list);
        struct strbuf sb = STRBUF_INIT;
        dnsbl_render_lists(e, &sb);
        ck_assert_msg(r && !strcmp(dnsbl_status_word(r->status), cases[i].status) &&
                          !strcmp(strbuf_cstr(&sb), cases[i].codes),
                      "%s: got %s '%s', want %s '%s'", cases[i].addr,
                      r ? dnsbl_status_word(r->status) : "none", strbuf_cstr(&sb), cases[i].status,
                      cases[i].codes);
        strbuf_free(&sb);
    }
    const struct dnsbl_result *r = result_of(dnsbl_get(d, "ipquery.example"), "spamhaus-dbl");
    ck_assert(strstr(r->reason, "IP queried on a domain list"));
    r = result_of(dnsbl_get(d, "198.51.100.8"), "spamhaus");
    ck_assert_str_eq(r->codes[0].meaning, "code not in the catalogue");
    dnsbl_free(d);
}
END_TEST

START_TEST(test_silent_server_is_unknown)
{
    struct dnsbl *d = new_checker(silent_server, NULL, 0);
    dnsbl_add(d, "219.94.129.185");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    run(d);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    const struct dnsbl_entry *e = dnsbl_get(d, "219.94.129.185");
    ck_assert_str_eq(dnsbl_status_word(e->summary), "unknown");
    for (size_t j = 0; j < e->n_results; j++)
        ck_assert_msg(e->results[j].status == DNSBL_UNKNOWN &&
                          !strncmp(e->results[j].reason, "timeout", 7),
                      "%s: got %s '%s', want unknown timeout", e->results[j].list_id,
                      dnsbl_status_word(e->results[j].status), e->results[j].reason);
    /* 300 ms, then 600 ms on the retry: well under the c-ares default of 5 s x 4 */
    ck_assert_msg(secs < 3.0, "silent server took %.1f s", secs);
    dnsbl_free(d);
}
END_TEST

START_TEST(test_dead_and_unknown_lists_refused)
{
    static const struct {
        const char *list, *want;
    } cases[] = { { "sorbs", "dead" },
                  { "nosuchlist", "unknown blocklist" },
                  { "microsoft", "not a DNS list" } };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *lists[] = { cases[i].list };
        struct dnsbl_config cfg = { .lists = lists, .n_lists = 1 };
        struct strbuf err = STRBUF_INIT;
        struct dnsbl *d = dnsbl_new(&cfg, &err);
        ck_assert_msg(!d && strstr(strbuf_cstr(&err), cases[i].want), "%s: got '%s', want '%s'",
                      cases[i].list, strbuf_cstr(&err), cases[i].want);
        strbuf_free(&err);
    }
    static const char *bad_servers[] = { "localhost", "127.0.0.1:0", "[::1", "1.2.3.4:x" };
    for (size_t i = 0; i < sizeof bad_servers / sizeof *bad_servers; i++) {
        struct dnsbl_config cfg = { .servers = &bad_servers[i], .n_servers = 1 };
        struct strbuf err = STRBUF_INIT;
        ck_assert_msg(!dnsbl_new(&cfg, &err) && strstr(strbuf_cstr(&err), "--dns-server"),
                      "%s: got '%s', want a --dns-server error", bad_servers[i], strbuf_cstr(&err));
        strbuf_free(&err);
    }
}
END_TEST

/* a persistent cache double: one remembered answer, and a log of stores */
static int stores;
static int fake_lookup(void *arg, const char *address, const char *zone, struct dnsbl_cached *out)
{
    if (strcmp(address, "10.20.30.40") || strcmp(zone, "zen.test"))
        return 0;
    *out = (struct dnsbl_cached){ DNSBL_LISTED, "127.0.0.4", "cached text", 100 };
    return 1;
}
static void fake_store(void *arg, const char *address, const char *zone,
                       const struct dnsbl_cached *in)
{
    stores++;
    if (!strcmp(address, "219.94.129.185"))
        ck_assert_str_eq(in->codes, "127.0.0.2,127.0.0.4");
    ck_assert(in->status == DNSBL_LISTED || in->status == DNSBL_NOT_LISTED);
}

START_TEST(test_cache_and_rerun)
{
    static const char *lists[] = { "spamhaus" };
    static const char *servers[1];
    servers[0] = rbl_server;
    struct dnsbl_config cfg = { .servers = servers,
                                .n_servers = 1,
                                .lists = lists,
                                .n_lists = 1,
                                .cache_lookup = fake_lookup,
                                .cache_store = fake_store };
    struct strbuf err = STRBUF_INIT;
    struct dnsbl *d = dnsbl_new(&cfg, &err);
    ck_assert(d);
    dnsbl_add(d, "10.20.30.40");
    dnsbl_add(d, "219.94.129.185");
    dnsbl_add(d, "219.94.129.185"); /* duplicate: one entry */
    ck_assert_int_eq(dnsbl_count(d), 2);
    run(d);
    const struct dnsbl_result *r = result_of(dnsbl_get(d, "10.20.30.40"), "spamhaus");
    ck_assert(r->cached && r->status == DNSBL_LISTED && !strcmp(r->codes[0].tag, "XBL"));
    ck_assert_str_eq(r->txt, "cached text");
    ck_assert_int_eq(stores, 1);
    size_t q = dnsbl_stats(d)->queries;
    run(d); /* per-run cache: nothing is asked again */
    ck_assert_int_eq(dnsbl_stats(d)->queries, q);
    dnsbl_add(d, "10.0.0.9");
    run(d); /* only the new address: A + TXT, the self-test is remembered */
    ck_assert_int_eq(dnsbl_stats(d)->queries, q + 2);
    ck_assert_int_eq(dnsbl_get(d, "10.0.0.9")->summary, DNSBL_NOT_LISTED);
    ck_assert_int_eq(dnsbl_get(d, "1.1.1.1") == NULL, 1);
    ck_assert_str_eq(dnsbl_status_word(DNSBL_UNCHECKED), "unchecked");
    dnsbl_free(d);
    strbuf_free(&err);
}
END_TEST

/* stores seen by the crafted-answer test: address -> ttl */
static char stored_addr[32][32];
static uint32_t stored_ttl[32];
static int n_stored;
static void ttl_store(void *arg, const char *address, const char *zone,
                      const struct dnsbl_cached *in)
{
    ck_assert(in->status == DNSBL_LISTED || in->status == DNSBL_NOT_LISTED);
    if (n_stored < 32) {
        snprintf(stored_addr[n_stored], sizeof stored_addr[0], "%s", address);
        stored_ttl[n_stored++] = in->ttl;
    }
}
/* a cache row kept with TTL 2147483647 (before TTLs were bounded) */
static int old_row_lookup(void *arg, const char *address, const char *zone,
                          struct dnsbl_cached *out)
{
    if (strcmp(address, "10.0.0.16"))
        return 0;
    *out = (struct dnsbl_cached){ DNSBL_LISTED, "127.0.0.2", "", 2147483000u };
    return 1;
}

START_TEST(test_crafted_answers)
{
    static const char *lists[] = { "test-crafted" };
    static const char *servers[1];
    servers[0] = crafted_server;
    struct dnsbl_config cfg = { .servers = servers,
                                .n_servers = 1,
                                .lists = lists,
                                .n_lists = 1,
                                .timeout_ms = 300,
                                .tries = 2,
                                .cache_lookup = old_row_lookup,
                                .cache_store = ttl_store };
    struct strbuf err = STRBUF_INIT;
    struct dnsbl *d = dnsbl_new(&cfg, &err);
    ck_assert_msg(d, "dnsbl_new: %s", strbuf_cstr(&err));
    /* the address's last octet picks the answer (dnsq.py CRAFTED) */
    static const struct {
        const char *addr, *status, *want; /* want: the reason (unknown) or the codes */
        uint32_t ttl;
    } cases[] = {
        { "10.0.0.1", "unknown", "A record of 3 bytes", 0 },
        { "10.0.0.2", "unknown", "CNAME loop", 0 },
        { "10.0.0.3", "unknown", "CNAME chain", 0 },
        { "10.0.0.4", "unknown", "CNAME loop", 0 },
        { "10.0.0.5", "unknown", "NODATA", 0 },
        { "10.0.0.6", "unknown", "NODATA", 0 },
        { "10.0.0.7", "unknown", "truncated", 0 },
        { "10.0.0.8", "unknown", "SERVFAIL", 0 },
        { "10.0.0.9", "unknown", "REFUSED", 0 },
        { "10.0.0.10", "unknown", "runs past the packet", 0 },
        { "10.0.0.11", "listed", "127.0.0.2", DNSBL_TTL_MAX },
        { "10.0.0.12", "listed", "127.0.0.2,127.0.0.4", 300 },
        { "10.0.0.13", "unknown", "A record of 5 bytes", 0 },
        { "10.0.0.14", "unknown", "A record of 3 bytes", 0 },
        { "10.0.0.15", "listed", "127.0.0.4", 600 },
        { "10.0.0.16", "not_listed", "", DNSBL_NEGATIVE_TTL },
        { "10.0.0.17", "listed", "127.0.0.2", DNSBL_TTL_MIN },
        { "10.0.0.18", "listed", "127.0.0.2", DNSBL_TTL_MIN },
    };
    size_t n = sizeof cases / sizeof *cases;
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(dnsbl_add(d, cases[i].addr), 0);
    n_stored = 0;
    run(d);
    ck_assert_msg(dnsbl_zone_test_at(d, 0)->usable, "crafted.test failed its self-test: %s",
                  dnsbl_zone_test_at(d, 0)->reason);
    for (size_t i = 0; i < n; i++) {
        const struct dnsbl_result *r = result_of(dnsbl_get(d, cases[i].addr), "test-crafted");
        ck_assert(r);
        const char *st = dnsbl_status_word(r->status);
        struct strbuf codes = STRBUF_INIT;
        for (size_t k = 0; k < r->n_codes; k++)
            strbuf_addf(&codes, "%s%s", k ? "," : "", r->codes[k].addr);
        bool ok = !strcmp(st, cases[i].status);
        if (r->status == DNSBL_UNKNOWN)
            ok = ok && r->reason && strstr(r->reason, cases[i].want);
        else
            ok = ok && !strcmp(strbuf_cstr(&codes), cases[i].want) && r->ttl == cases[i].ttl;
        ck_assert_msg(ok, "%s: got %s '%s' codes '%s' ttl %u, want %s '%s' ttl %u", cases[i].addr,
                      st, r->reason ? r->reason : "", strbuf_cstr(&codes), r->ttl, cases[i].status,
                      cases[i].want, cases[i].ttl);
        strbuf_free(&codes);
        if (r->status == DNSBL_NOT_LISTED)
            ck_assert_msg(!r->cached, "%s: a cache row with TTL 2147483000 was trusted",
                          cases[i].addr);
    }
    /* what the persistent cache is given: bounded TTLs, never an unknown */
    for (int k = 0; k < n_stored; k++)
        ck_assert_msg(stored_ttl[k] >= DNSBL_TTL_MIN && stored_ttl[k] <= DNSBL_TTL_MAX,
                      "%s stored with TTL %u", stored_addr[k], stored_ttl[k]);
    ck_assert_int_eq(n_stored, 6);
    dnsbl_free(d);
    strbuf_free(&err);
}
END_TEST

START_TEST(test_dqs_key_never_shown)
{
    static const char *lists[] = { "spamhaus" };
    static const char *servers[1];
    servers[0] = rbl_server;
    struct dnsbl_config cfg = { .servers = servers,
                                .n_servers = 1,
                                .lists = lists,
                                .n_lists = 1,
                                .dqs_key = "SECRETKEY123",
                                .timeout_ms = 200,
                                .tries = 1 };
    struct strbuf err = STRBUF_INIT;
    struct dnsbl *d = dnsbl_new(&cfg, &err);
    ck_assert(d);
    dnsbl_add(d, "219.94.129.185");
    run(d);
    /* rbldnsd serves no SECRETKEY123.zen.test: REFUSED or NXDOMAIN, never "not listed" */
    const struct dnsbl_result *r = result_of(dnsbl_get(d, "219.94.129.185"), "spamhaus");
    ck_assert_str_eq(r->zone, "zen.test");
    ck_assert_int_eq(r->status, DNSBL_UNKNOWN);
    ck_assert_msg(!strstr(r->reason, "SECRET"), "reason shows the key: %s", r->reason);
    ck_assert(!strstr(dnsbl_zone_test_at(d, 0)->zone, "SECRET"));
    dnsbl_free(d);
    const char *bad = "key.with.dots";
    cfg.dqs_key = bad;
    ck_assert(!dnsbl_new(&cfg, &err));
    ck_assert(!strstr(strbuf_cstr(&err), bad));
    strbuf_free(&err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dnsbl");
    TCase *pure = tcase_create("pure");
    tcase_add_test(pure, test_names);
    tcase_add_test(pure, test_shipped_catalogue);
    tcase_add_test(pure, test_bad_catalogue);
    tcase_add_test(pure, test_answer_reader);
    suite_add_tcase(s, pure);
    TCase *live = tcase_create("rbldnsd");
    tcase_add_unchecked_fixture(live, setup, teardown);
    tcase_set_timeout(live, 30);
    tcase_add_test(live, test_listed_two_codes_and_txt);
    tcase_add_test(live, test_broken_zones_are_unknown);
    tcase_add_test(live, test_codes_ip6_domains);
    tcase_add_test(live, test_silent_server_is_unknown);
    tcase_add_test(live, test_dead_and_unknown_lists_refused);
    tcase_add_test(live, test_cache_and_rerun);
    tcase_add_test(live, test_dqs_key_never_shown);
    tcase_add_test(live, test_crafted_answers);
    suite_add_tcase(s, live);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
