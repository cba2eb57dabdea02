/* test-hash.c - SHA-256 through the configured library, the hash encodings
 * and the NAR serialisation (internal API). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "refscan.h"
#include "tap.h"
#include "util.h"

static void sha256_of(const void *data, size_t len, uint8_t out[32])
{
        nsb_sha256 h;
        if (nsb_sha256_init(&h) < 0) {
                memset(out, 0, 32);
                return;
        }
        nsb_sha256_update(&h, data, len);
        nsb_sha256_final(&h, out);
}

/* An independent NAR writer for the expectation: every string by hand. */
static void put_str(FILE *f, const char *s, size_t len)
{
        uint64_t n = len;
        for (int i = 0; i < 8; i++)
                fputc((int) (n >> (8 * i) & 0xff), f);
        fwrite(s, 1, len, f);
        for (size_t i = len; i % 8; i++)
                fputc(0, f);
}
#define S(f, s) put_str(f, s, strlen(s))

int main(void)
{
        if (!nsb_sha256_available())
                tap_skip_all("built without a SHA-256 library (configure --with-crypto)");

        uint8_t h[32];
        char hex[65], sri[64];
        sha256_of("abc", 3, h);
        nsb_sha256_hex(h, hex);
        tap_ok(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0,
               "sha256(\"abc\") is the FIPS 180-2 value");
        nsb_sha256_sri(h, sri);
        tap_ok(strcmp(sri, "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=") == 0, "its SRI form");

        uint8_t p[32];
        tap_ok(nsb_sha256_parse(hex, p) == 0 && memcmp(p, h, 32) == 0, "hex parses back");
        tap_ok(nsb_sha256_parse(sri, p) == 0 && memcmp(p, h, 32) == 0, "SRI parses back");
        /* sha256("") in Nix's base 32, as nix-hash --type sha256 --to-base32 prints it. */
        sha256_of("", 0, h);
        tap_ok(nsb_sha256_parse("0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73", p) == 0 && memcmp(p, h, 32) == 0,
               "Nix base 32 parses");
        char n32[53];
        nsb_sha256_nix32(h, n32);
        tap_ok(strcmp(n32, "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73") == 0, "and prints");
        tap_ok(nsb_sha256_parse("abc", p) == -EINVAL && nsb_sha256_parse("sha256-!!!", p) == -EINVAL &&
                       nsb_sha256_parse("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", p) == -EINVAL,
               "garbage is refused");

        /* The other algorithms of fixed outputs, on "abc" (RFC 1321, FIPS
         * 180-2), and their encodings back and forth. */
        static const struct {
                nsb_hash_algo algo;
                const char *hex;
        } abc[] = {
                { NSB_HASH_MD5, "900150983cd24fb0d6963f7d28e17f72" },
                { NSB_HASH_SHA1, "a9993e364706816aba3e25717850c26c9cd0d89d" },
                { NSB_HASH_SHA512, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                                   "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f" },
        };
        for (size_t i = 0; i < sizeof(abc) / sizeof(abc[0]); i++) {
                nsb_hash hh;
                uint8_t d[NSB_HASH_MAX], back[NSB_HASH_MAX];
                char text[2 * NSB_HASH_MAX + 1], b32[2 * NSB_HASH_MAX], b64[2 * NSB_HASH_MAX], sri_text[4 * NSB_HASH_MAX];
                size_t size = nsb_hash_size(abc[i].algo);
                bool ok = nsb_hash_init(&hh, abc[i].algo) == 0;
                nsb_hash_update(&hh, "abc", 3);
                ok = ok && nsb_hash_final(&hh, d) == 0;
                nsb_hash_hex(d, size, text);
                tap_ok(ok && strcmp(text, abc[i].hex) == 0, "%s(\"abc\") is the standard's value",
                       nsb_hash_algo_name(abc[i].algo));
                nsb_hash_nix32(d, size, b32);
                nsb_hash_base64(d, size, b64);
                snprintf(sri_text, sizeof(sri_text), "%s-%s", nsb_hash_algo_name(abc[i].algo), b64);
                bool round = nsb_hash_parse(abc[i].algo, text, back) == 0 && memcmp(back, d, size) == 0 &&
                             nsb_hash_parse(abc[i].algo, b32, back) == 0 && memcmp(back, d, size) == 0 &&
                             nsb_hash_parse(abc[i].algo, b64, back) == 0 && memcmp(back, d, size) == 0 &&
                             nsb_hash_parse(abc[i].algo, sri_text, back) == 0 && memcmp(back, d, size) == 0;
                tap_ok(round, "%s: hex, Nix's base 32, base 64 and SRI parse back", nsb_hash_algo_name(abc[i].algo));
        }
        uint8_t p512[NSB_HASH_MAX];
        tap_ok(nsb_hash_parse(NSB_HASH_SHA512, "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=", p512) == -EINVAL,
               "an SRI hash of another algorithm is refused");

        /* A tree: a directory with a file, an executable, a symlink and a
         * subdirectory, hashed as a NAR. */
        char dir[] = "/tmp/nsb-test-hash-XXXXXX";
        if (!mkdtemp(dir))
                return tap_ok(false, "mkdtemp"), tap_done();
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        bool made = mkdirat(dfd, "t", 0755) == 0 && mkdirat(dfd, "t/sub", 0755) == 0;
        int fd = openat(dfd, "t/b-file", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        made = made && fd >= 0 && write(fd, "hello\n", 6) == 6 && close(fd) == 0;
        fd = openat(dfd, "t/a-exec", O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
        made = made && fd >= 0 && write(fd, "#!/bin/sh\n", 10) == 10 && close(fd) == 0;
        made = made && symlinkat("b-file", dfd, "t/c-link") == 0;
        tap_ok(made, "a test tree is made");

        char *nar = NULL;
        size_t nar_len = 0;
        FILE *f = open_memstream(&nar, &nar_len);
        S(f, "nix-archive-1");
        S(f, "("); S(f, "type"); S(f, "directory");
        S(f, "entry"); S(f, "("); S(f, "name"); S(f, "a-exec"); S(f, "node");
        S(f, "("); S(f, "type"); S(f, "regular"); S(f, "executable"); S(f, ""); S(f, "contents"); put_str(f, "#!/bin/sh\n", 10); S(f, ")");
        S(f, ")");
        S(f, "entry"); S(f, "("); S(f, "name"); S(f, "b-file"); S(f, "node");
        S(f, "("); S(f, "type"); S(f, "regular"); S(f, "contents"); put_str(f, "hello\n", 6); S(f, ")");
        S(f, ")");
        S(f, "entry"); S(f, "("); S(f, "name"); S(f, "c-link"); S(f, "node");
        S(f, "("); S(f, "type"); S(f, "symlink"); S(f, "target"); S(f, "b-file"); S(f, ")");
        S(f, ")");
        S(f, "entry"); S(f, "("); S(f, "name"); S(f, "sub"); S(f, "node");
        S(f, "("); S(f, "type"); S(f, "directory"); S(f, ")");
        S(f, ")");
        S(f, ")");
        fclose(f);
        uint8_t want[32], got[32];
        sha256_of(nar, nar_len, want);
        free(nar);

        nsb_sha256 ctx;
        char *where = NULL;
        int r = nsb_sha256_init(&ctx);
        if (r == 0)
                r = nsb_nar_hash_at(dfd, "t", &ctx, &where);
        nsb_sha256_final(&ctx, got);
        tap_ok(r == 0 && memcmp(got, want, 32) == 0, "the NAR hash of the tree matches the format written by hand");
        free(where);
        where = NULL;

        /* The same through a sink with a reference scan: the NAR's size,
         * and the one part the tree holds (a symlink's target naming a
         * store path), not the other. */
        const char *in = "0123456789abcdfghijklmnpqrsvwxyz", *out = "zyxwvsrqpnmlkjihgfdcba9876543210";
        made = symlinkat("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-dep/lib", dfd, "t/d-ref") == 0;
        nsb_refscan *scan = NULL;
        const char *parts[] = { in, out };
        r = nsb_refscan_new(parts, 2, &scan);
        nsb_nar_sink sink = { .hash = &ctx, .scan = scan };
        if (r == 0 && (r = nsb_sha256_init(&ctx)) == 0)
                r = nsb_nar_dump_at(dfd, "t", &sink, &where);
        nsb_sha256_final(&ctx, got);
        const char *p0, *p1;
        bool f0 = nsb_refscan_found(scan, 0, &p0), f1 = nsb_refscan_found(scan, 1, &p1);
        tap_ok(made && r == 0 && f0 && memcmp(p0, in, 32) == 0 && !f1,
               "a reference scan in the same pass finds the store path the tree names, and no other");
        /* The NAR grew by the entry: "entry" "(" "name" "d-ref" "node" "(" "type" "symlink" "target" T ")" ")",
         * each string 8 bytes of length and its bytes padded to 8. */
        size_t tlen = strlen("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-dep/lib");
        uint64_t grown = 11 * 16 + 8 + (tlen + 7) / 8 * 8;
        tap_ok(sink.size == nar_len + grown, "and counts the NAR's size (%llu, want %llu)",
               (unsigned long long) sink.size, (unsigned long long) (nar_len + grown));
        nsb_refscan_free(scan);
        free(where);
        unlinkat(dfd, "t/d-ref", 0);

        /* The flat hash of a file is the hash of its bytes. */
        nsb_sha256_init(&ctx);
        r = nsb_file_hash_at(dfd, "t/b-file", &ctx);
        nsb_sha256_final(&ctx, got);
        sha256_of("hello\n", 6, want);
        tap_ok(r == 0 && memcmp(got, want, 32) == 0, "the flat hash of a file");

        /* A FIFO cannot be archived, and the error says where. */
        made = mkfifoat(dfd, "t/sub/fifo", 0644) == 0;
        nsb_sha256_init(&ctx);
        r = nsb_nar_hash_at(dfd, "t", &ctx, &where);
        nsb_sha256_final(&ctx, got);
        tap_ok(made && r == -ENOTSUP && where && strcmp(where, "./sub/fifo") == 0, "a FIFO is refused, naming it");
        free(where);

        rm_rf_at(AT_FDCWD, dir);
        close(dfd);
        return tap_done();
}
