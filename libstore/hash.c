/* hash.c - MD5, SHA-1, SHA-256 and SHA-512 (through nettle or OpenSSL's
 * libcrypto, whichever configure found), hash encodings, and the NAR
 * serialisation. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
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

static const struct {
        const char *name;
        size_t size;
} algos[] = {
        [NSB_HASH_MD5] = { "md5", 16 },
        [NSB_HASH_SHA1] = { "sha1", 20 },
        [NSB_HASH_SHA256] = { "sha256", 32 },
        [NSB_HASH_SHA512] = { "sha512", 64 },
};

int nsb_hash_algo_from_name(const char *name, size_t len, nsb_hash_algo *ret)
{
        for (size_t i = 0; i < ELEMENTSOF(algos); i++)
                if (strlen(algos[i].name) == len && strncmp(name, algos[i].name, len) == 0) {
                        *ret = (nsb_hash_algo) i;
                        return 0;
                }
        return -EINVAL;
}

const char *nsb_hash_algo_name(nsb_hash_algo algo)
{
        return algos[algo].name;
}

size_t nsb_hash_size(nsb_hash_algo algo)
{
        return algos[algo].size;
}

int nsb_hash_init(nsb_hash *h, nsb_hash_algo algo)
{
        h->failed = false;
        h->algo = algo;
#if defined(NSB_CRYPTO_NETTLE)
        switch (algo) {
        case NSB_HASH_MD5: md5_init(&h->ctx.md5); break;
        case NSB_HASH_SHA1: sha1_init(&h->ctx.sha1); break;
        case NSB_HASH_SHA256: sha256_init(&h->ctx.sha256); break;
        case NSB_HASH_SHA512: sha512_init(&h->ctx.sha512); break;
        }
        return 0;
#elif defined(NSB_CRYPTO_OPENSSL)
        const EVP_MD *md = algo == NSB_HASH_MD5    ? EVP_md5()
                           : algo == NSB_HASH_SHA1 ? EVP_sha1()
                           : algo == NSB_HASH_SHA512 ? EVP_sha512()
                                                     : EVP_sha256();
        h->ctx = EVP_MD_CTX_new();
        if (!h->ctx)
                return -ENOMEM;
        if (!md || EVP_DigestInit_ex(h->ctx, md, NULL) != 1) {
                EVP_MD_CTX_free(h->ctx);
                h->ctx = NULL;
                return -EIO;
        }
        return 0;
#else
        return -EOPNOTSUPP;
#endif
}

void nsb_hash_update(nsb_hash *h, const void *data, size_t len)
{
#if defined(NSB_CRYPTO_NETTLE)
        switch (h->algo) {
        case NSB_HASH_MD5: md5_update(&h->ctx.md5, len, data); break;
        case NSB_HASH_SHA1: sha1_update(&h->ctx.sha1, len, data); break;
        case NSB_HASH_SHA256: sha256_update(&h->ctx.sha256, len, data); break;
        case NSB_HASH_SHA512: sha512_update(&h->ctx.sha512, len, data); break;
        }
#elif defined(NSB_CRYPTO_OPENSSL)
        if (EVP_DigestUpdate(h->ctx, data, len) != 1)
                h->failed = true;
#else
        (void) data;
        (void) len;
        h->failed = true;
#endif
}

int nsb_hash_final(nsb_hash *h, uint8_t *out)
{
        size_t size = algos[h->algo].size;
#if defined(NSB_CRYPTO_NETTLE)
        switch (h->algo) {
        case NSB_HASH_MD5: md5_digest(&h->ctx.md5, size, out); break;
        case NSB_HASH_SHA1: sha1_digest(&h->ctx.sha1, size, out); break;
        case NSB_HASH_SHA256: sha256_digest(&h->ctx.sha256, size, out); break;
        case NSB_HASH_SHA512: sha512_digest(&h->ctx.sha512, size, out); break;
        }
#elif defined(NSB_CRYPTO_OPENSSL)
        unsigned n = 0;
        if (EVP_DigestFinal_ex(h->ctx, out, &n) != 1 || n != size)
                h->failed = true;
        EVP_MD_CTX_free(h->ctx);
        h->ctx = NULL;
#else
        memset(out, 0, size);
        h->failed = true;
#endif
        return h->failed ? -EIO : 0;
}

int nsb_sha256_init(nsb_sha256 *h)
{
        return nsb_hash_init(h, NSB_HASH_SHA256);
}

void nsb_sha256_update(nsb_sha256 *h, const void *data, size_t len)
{
        nsb_hash_update(h, data, len);
}

int nsb_sha256_final(nsb_sha256 *h, uint8_t out[NSB_SHA256_SIZE])
{
        return nsb_hash_final(h, out);
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

static size_t nix32_len(size_t size)
{
        return (size * 8 - 1) / 5 + 1;
}

static size_t base64_len(size_t size)
{
        return (size + 2) / 3 * 4;
}

static int parse_base64(const char *text, size_t size, uint8_t *out)
{
        if (strlen(text) != base64_len(size))
                return -EINVAL;
        uint32_t acc = 0;
        size_t bits = 0, o = 0;
        const char *p = text;
        for (; *p && *p != '='; p++) {
                const char *c = strchr(base64_chars, *p);
                if (!c || !*c)
                        return -EINVAL;
                acc = acc << 6 | (uint32_t) (c - base64_chars);
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        if (o >= size)
                                return -EINVAL;
                        out[o++] = (uint8_t) (acc >> bits);
                }
        }
        for (; *p; p++)
                if (*p != '=')
                        return -EINVAL;
        return o == size ? 0 : -EINVAL;
}

int nsb_hash_parse(nsb_hash_algo algo, const char *text, uint8_t *out)
{
        size_t size = algos[algo].size, nlen = strlen(algos[algo].name);
        /* "sha512:..." (Nix's own prefix), or SRI "sha512-...". */
        if (strncmp(text, algos[algo].name, nlen) == 0 && text[nlen] == ':')
                text += nlen + 1;
        else if (strncmp(text, algos[algo].name, nlen) == 0 && text[nlen] == '-')
                return parse_base64(text + nlen + 1, size, out);
        size_t len = strlen(text);
        memset(out, 0, size);
        if (len == 2 * size) {
                for (size_t i = 0; i < size; i++) {
                        int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
                        if (hi < 0 || lo < 0)
                                return -EINVAL;
                        out[i] = (uint8_t) (hi << 4 | lo);
                }
                return 0;
        }
        if (len == nix32_len(size)) {
                for (size_t n = 0; n < len; n++) {
                        const char *c = strchr(nix32_chars, text[len - n - 1]);
                        if (!c || !*c)
                                return -EINVAL;
                        unsigned digit = (unsigned) (c - nix32_chars);
                        size_t b = n * 5, i = b / 8, j = b % 8;
                        out[i] |= (uint8_t) (digit << j);
                        if (i + 1 < size)
                                out[i + 1] |= (uint8_t) (digit >> (8 - j));
                        else if (digit >> (8 - j))
                                return -EINVAL; /* more bits than the hash has */
                }
                return 0;
        }
        if (len == base64_len(size))
                return parse_base64(text, size, out);
        return -EINVAL;
}

int nsb_sha256_parse(const char *text, uint8_t out[NSB_SHA256_SIZE])
{
        return nsb_hash_parse(NSB_HASH_SHA256, text, out);
}

void nsb_hash_hex(const uint8_t *hash, size_t len, char *out)
{
        static const char digits[] = "0123456789abcdef";
        for (size_t i = 0; i < len; i++) {
                out[2 * i] = digits[hash[i] >> 4];
                out[2 * i + 1] = digits[hash[i] & 15];
        }
        out[2 * len] = '\0';
}

void nsb_hash_nix32(const uint8_t *hash, size_t size, char *out)
{
        size_t len = nix32_len(size);
        for (size_t k = 0; k < len; k++) {
                size_t n = len - 1 - k, b = n * 5, i = b / 8, j = b % 8;
                unsigned c = (unsigned) hash[i] >> j;
                if (i + 1 < size)
                        c |= (unsigned) hash[i + 1] << (8 - j);
                out[k] = nix32_chars[c & 0x1f];
        }
        out[len] = '\0';
}

void nsb_hash_base64(const uint8_t *hash, size_t size, char *out)
{
        char *o = out;
        for (size_t i = 0; i < size; i += 3) {
                uint32_t v = (uint32_t) hash[i] << 16;
                size_t n = size - i;
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

void nsb_sha256_hex(const uint8_t hash[NSB_SHA256_SIZE], char out[2 * NSB_SHA256_SIZE + 1])
{
        nsb_hash_hex(hash, NSB_SHA256_SIZE, out);
}

void nsb_sha256_nix32(const uint8_t hash[NSB_SHA256_SIZE], char out[53])
{
        nsb_hash_nix32(hash, NSB_SHA256_SIZE, out);
}

void nsb_sha256_sri(const uint8_t hash[NSB_SHA256_SIZE], char out[64])
{
        nsb_hash_base64(hash, NSB_SHA256_SIZE, stpcpy(out, "sha256-"));
}

/* ---- NAR ------------------------------------------------------------------
 *
 * The Nix archive format: every field a string, written as its length (64
 * bits, little-endian), its bytes and zero padding to a multiple of 8;
 * directory entries sorted by name, byte-wise. */

struct nsb_modulo {
        char part[32];
        char buf[65536 + 32];
        size_t len;
        uint64_t emitted;             /* bytes of the stream before buf */
        uint64_t *matches;            /* offsets of the occurrences */
        size_t n_matches, alloc;
        bool failed;
};

struct nsb_modulo *nsb_modulo_new(const char *part)
{
        struct nsb_modulo *m = calloc(1, sizeof(*m));
        if (m)
                memcpy(m->part, part, sizeof(m->part));
        return m;
}

void nsb_modulo_free(struct nsb_modulo *m)
{
        if (m)
                free(m->matches);
        free(m);
}

static void hash_out(nsb_nar_sink *k, const void *data, size_t len)
{
        if (k->hash)
                nsb_hash_update(k->hash, data, len);
        if (k->scan)
                nsb_refscan_feed(k->scan, data, len);
}

/* Zero the occurrences in the buffer, then hash all of it but the last 31
 * bytes (an occurrence may go on in what comes next), or all at the end. */
static void modulo_flush(nsb_nar_sink *k, bool final)
{
        struct nsb_modulo *m = k->modulo;
        for (char *p = m->buf; (p = memmem(p, m->len - (size_t) (p - m->buf), m->part, sizeof(m->part)));
             p += sizeof(m->part)) {
                memset(p, 0, sizeof(m->part));
                if (GROW(m->matches, m->alloc, m->n_matches) < 0)
                        m->failed = true;
                else
                        m->matches[m->n_matches++] = m->emitted + (uint64_t) (p - m->buf);
        }
        size_t emit = final ? m->len : m->len > sizeof(m->part) - 1 ? m->len - (sizeof(m->part) - 1) : 0;
        hash_out(k, m->buf, emit);
        memmove(m->buf, m->buf + emit, m->len - emit);
        m->len -= emit;
        m->emitted += emit;
}

void nsb_modulo_finish(nsb_nar_sink *k)
{
        struct nsb_modulo *m = k->modulo;
        if (!m)
                return;
        modulo_flush(k, true);
        for (size_t i = 0; i < m->n_matches; i++) {
                char pos[32];
                int n = snprintf(pos, sizeof(pos), "|%llu", (unsigned long long) m->matches[i]);
                nsb_hash_update(k->hash, pos, (size_t) n);
        }
        if (m->failed)
                k->hash->failed = true;
}

/* Everything the NAR goes through: the hash (modulo a self-reference
 * where asked), the count and, where there is one, the reference scan, in
 * one pass. */
static void nar_out(nsb_nar_sink *k, const void *data, size_t len)
{
        k->size += len;
        struct nsb_modulo *m = k->modulo;
        if (!m) {
                hash_out(k, data, len);
                return;
        }
        const char *p = data;
        while (len) {
                size_t take = sizeof(m->buf) - m->len < len ? sizeof(m->buf) - m->len : len;
                memcpy(m->buf + m->len, p, take);
                m->len += take;
                p += take;
                len -= take;
                if (m->len == sizeof(m->buf))
                        modulo_flush(k, false);
        }
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

int nsb_file_dump_at(int dirfd, const char *name, nsb_nar_sink *k)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EISDIR;
        return nar_fd(fd, k, UINT64_MAX);
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
