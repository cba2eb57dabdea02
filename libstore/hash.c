/* hash.c - SHA-256 (through nettle or OpenSSL's libcrypto, whichever
 * configure found), hash encodings, and the NAR serialisation. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hash.h"
#include "refscan.h"
#include "internal.h"
#include "walk.h"

bool nsb_sha256_available(void)
{
#if defined(NSB_CRYPTO_NETTLE) || defined(NSB_CRYPTO_OPENSSL)
        return true;
#else
        return false;
#endif
}

int nsb_sha256_init(nsb_sha256 *h)
{
        h->failed = false;
#if defined(NSB_CRYPTO_NETTLE)
        sha256_init(&h->ctx);
        return 0;
#elif defined(NSB_CRYPTO_OPENSSL)
        h->ctx = EVP_MD_CTX_new();
        if (!h->ctx)
                return -ENOMEM;
        if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
                EVP_MD_CTX_free(h->ctx);
                h->ctx = NULL;
                return -EIO;
        }
        return 0;
#else
        return -EOPNOTSUPP;
#endif
}

void nsb_sha256_update(nsb_sha256 *h, const void *data, size_t len)
{
#if defined(NSB_CRYPTO_NETTLE)
        sha256_update(&h->ctx, len, data);
#elif defined(NSB_CRYPTO_OPENSSL)
        if (EVP_DigestUpdate(h->ctx, data, len) != 1)
                h->failed = true;
#else
        (void) data;
        (void) len;
        h->failed = true;
#endif
}

int nsb_sha256_final(nsb_sha256 *h, uint8_t out[NSB_SHA256_SIZE])
{
#if defined(NSB_CRYPTO_NETTLE)
        sha256_digest(&h->ctx, NSB_SHA256_SIZE, out);
#elif defined(NSB_CRYPTO_OPENSSL)
        unsigned n = 0;
        if (EVP_DigestFinal_ex(h->ctx, out, &n) != 1 || n != NSB_SHA256_SIZE)
                h->failed = true;
        EVP_MD_CTX_free(h->ctx);
        h->ctx = NULL;
#else
        memset(out, 0, NSB_SHA256_SIZE);
        h->failed = true;
#endif
        return h->failed ? -EIO : 0;
}

/* ---- encodings ---------------------------------------------------------- */

static const char base64_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/* Nix's base 32: no e, o, u, t; the number is written least significant
 * digit last. */
static const char nix32_chars[] = "0123456789abcdfghijklmnpqrsvwxyz";

static int hex_value(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int nsb_sha256_parse(const char *text, uint8_t out[NSB_SHA256_SIZE])
{
        size_t len = strlen(text);
        memset(out, 0, NSB_SHA256_SIZE);
        if (len == 2 * NSB_SHA256_SIZE) {
                for (size_t i = 0; i < NSB_SHA256_SIZE; i++) {
                        int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
                        if (hi < 0 || lo < 0)
                                return -EINVAL;
                        out[i] = (uint8_t) (hi << 4 | lo);
                }
                return 0;
        }
        if (len == 52) {
                for (size_t n = 0; n < len; n++) {
                        const char *c = strchr(nix32_chars, text[len - n - 1]);
                        if (!c || !*c)
                                return -EINVAL;
                        unsigned digit = (unsigned) (c - nix32_chars);
                        size_t b = n * 5, i = b / 8, j = b % 8;
                        out[i] |= (uint8_t) (digit << j);
                        if (i + 1 < NSB_SHA256_SIZE)
                                out[i + 1] |= (uint8_t) (digit >> (8 - j));
                        else if (digit >> (8 - j))
                                return -EINVAL; /* more than 256 bits */
                }
                return 0;
        }
        if (strncmp(text, "sha256-", 7) == 0 && len == 7 + 44 && text[len - 1] == '=') {
                uint32_t acc = 0;
                size_t bits = 0, o = 0;
                for (const char *p = text + 7; *p && *p != '='; p++) {
                        const char *c = strchr(base64_chars, *p);
                        if (!c || !*c)
                                return -EINVAL;
                        acc = acc << 6 | (uint32_t) (c - base64_chars);
                        bits += 6;
                        if (bits >= 8) {
                                bits -= 8;
                                if (o >= NSB_SHA256_SIZE)
                                        return -EINVAL;
                                out[o++] = (uint8_t) (acc >> bits);
                        }
                }
                return o == NSB_SHA256_SIZE ? 0 : -EINVAL;
        }
        return -EINVAL;
}

void nsb_sha256_hex(const uint8_t hash[NSB_SHA256_SIZE], char out[2 * NSB_SHA256_SIZE + 1])
{
        static const char digits[] = "0123456789abcdef";
        for (size_t i = 0; i < NSB_SHA256_SIZE; i++) {
                out[2 * i] = digits[hash[i] >> 4];
                out[2 * i + 1] = digits[hash[i] & 15];
        }
        out[2 * NSB_SHA256_SIZE] = '\0';
}

void nsb_sha256_nix32(const uint8_t hash[NSB_SHA256_SIZE], char out[53])
{
        size_t len = (NSB_SHA256_SIZE * 8 - 1) / 5 + 1;
        for (size_t k = 0; k < len; k++) {
                size_t n = len - 1 - k, b = n * 5, i = b / 8, j = b % 8;
                unsigned c = (unsigned) hash[i] >> j;
                if (i + 1 < NSB_SHA256_SIZE)
                        c |= (unsigned) hash[i + 1] << (8 - j);
                out[k] = nix32_chars[c & 0x1f];
        }
        out[len] = '\0';
}

void nsb_sha256_sri(const uint8_t hash[NSB_SHA256_SIZE], char out[64])
{
        char *o = stpcpy(out, "sha256-");
        for (size_t i = 0; i < NSB_SHA256_SIZE; i += 3) {
                uint32_t v = (uint32_t) hash[i] << 16;
                size_t n = NSB_SHA256_SIZE - i;
                if (n > 1)
                        v |= (uint32_t) hash[i + 1] << 8;
                if (n > 2)
                        v |= hash[i + 2];
                *o++ = base64_chars[v >> 18 & 63];
                *o++ = base64_chars[v >> 12 & 63];
                *o++ = n > 1 ? base64_chars[v >> 6 & 63] : '=';
                *o++ = n > 2 ? base64_chars[v & 63] : '=';
        }
        *o = '\0';
}

/* ---- NAR ------------------------------------------------------------------
 *
 * The Nix archive format: every field a string, written as its length (64
 * bits, little-endian), its bytes and zero padding to a multiple of 8;
 * directory entries sorted by name, byte-wise. */

/* Everything the NAR goes through: the hash, the count and, where there
 * is one, the reference scan, in one pass. */
static void nar_out(nsb_nar_sink *k, const void *data, size_t len)
{
        nsb_sha256_update(k->hash, data, len);
        k->size += len;
        if (k->scan)
                nsb_refscan_feed(k->scan, data, len);
}

static void nar_u64(nsb_nar_sink *k, uint64_t v)
{
        uint8_t b[8];
        for (int i = 0; i < 8; i++)
                b[i] = (uint8_t) (v >> (8 * i));
        nar_out(k, b, 8);
}

static void nar_pad(nsb_nar_sink *k, uint64_t len)
{
        static const uint8_t zero[8];
        if (len % 8)
                nar_out(k, zero, 8 - len % 8);
}

static void nar_bytes(nsb_nar_sink *k, const void *data, size_t len)
{
        nar_u64(k, len);
        nar_out(k, data, len);
        nar_pad(k, len);
}

static void nar_str(nsb_nar_sink *k, const char *s)
{
        nar_bytes(k, s, strlen(s));
}

/* Read the contents of FD into K: LEN bytes exactly, or -EIO if the file
 * changed size under us. */
static int nar_fd(int fd, nsb_nar_sink *k, uint64_t len)
{
        char buf[65536];
        uint64_t done = 0;
        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                nar_out(k, buf, (size_t) n);
                done += (uint64_t) n;
        }
        return done == len || len == UINT64_MAX ? 0 : -EIO;
}

int nsb_file_hash_at(int dirfd, const char *name, nsb_sha256 *h)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EISDIR;
        nsb_nar_sink k = { .hash = h };
        return nar_fd(fd, &k, UINT64_MAX);
}

/* One node that is not a directory. */
static int nar_leaf(nsb_nar_sink *h, const nsb_walk_entry *e)
{
        const struct stat *st = &e->st;
        nar_str(h, "(");
        nar_str(h, "type");
        if (S_ISLNK(st->st_mode)) {
                char target[PATH_MAX + 1];
                ssize_t n = readlinkat(e->dirfd, e->name, target, sizeof(target));
                if (n < 0 || (size_t) n >= sizeof(target))
                        return n < 0 ? -errno : -ENAMETOOLONG;
                nar_str(h, "symlink");
                nar_str(h, "target");
                nar_bytes(h, target, (size_t) n);
        } else if (S_ISREG(st->st_mode)) {
                _cleanup_close_ int fd = openat(e->dirfd, e->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return -errno;
                nar_str(h, "regular");
                if (st->st_mode & S_IXUSR) {
                        nar_str(h, "executable");
                        nar_str(h, "");
                }
                nar_str(h, "contents");
                nar_u64(h, (uint64_t) st->st_size);
                int r = nar_fd(fd, h, (uint64_t) st->st_size);
                if (r < 0)
                        return r;
                nar_pad(h, (uint64_t) st->st_size);
        } else
                return -ENOTSUP;
        nar_str(h, ")");
        return 0;
}

/* The NAR in one iterative walk (walk.h), entries in sorted order: a node
 * below the top is wrapped in its directory entry, which opens before the
 * node and closes after it (after its DIR_POST for a directory). */
int nsb_nar_hash_at(int dirfd, const char *name, nsb_sha256 *hash, char **ret_where)
{
        nsb_nar_sink k = { .hash = hash };
        return nsb_nar_dump_at(dirfd, name, &k, ret_where);
}

int nsb_nar_dump_at(int dirfd, const char *name, nsb_nar_sink *h, char **ret_where)
{
        if (ret_where)
                *ret_where = NULL;
        _cleanup_(nsb_walk_freep) nsb_walk *w = NULL;
        int r = nsb_walk_open(dirfd, name, -1, NULL, NSB_WALK_SORTED | NSB_WALK_STAT, &w);
        if (r < 0)
                return r;
        nar_str(h, "nix-archive-1");
        const nsb_walk_entry *e;
        while ((r = nsb_walk_next(w, &e)) > 0) {
                if (e->depth > 0 && e->event != NSB_WALK_DIR_POST) {
                        nar_str(h, "entry");
                        nar_str(h, "(");
                        nar_str(h, "name");
                        nar_str(h, e->name);
                        nar_str(h, "node");
                }
                switch (e->event) {
                case NSB_WALK_FILE:
                        r = nar_leaf(h, e);
                        break;
                case NSB_WALK_DIR_PRE:
                        nar_str(h, "(");
                        nar_str(h, "type");
                        nar_str(h, "directory");
                        break;
                case NSB_WALK_DIR_POST:
                        nar_str(h, ")");
                        break;
                }
                if (r < 0)
                        break;
                if (e->depth > 0 && e->event != NSB_WALK_DIR_PRE)
                        nar_str(h, ")");
        }
        if (r < 0 && ret_where)
                *ret_where = nsb_walk_path(w);
        return r < 0 ? r : 0;
}
