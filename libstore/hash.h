/* hash.h - SHA-256 over the configured library, and the NAR serialisation
 * a recursive fixed-output hash is computed over; not installed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#if defined(NSB_CRYPTO_NETTLE)
#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#elif defined(NSB_CRYPTO_OPENSSL)
#include <openssl/evp.h>
#endif

#define NSB_SHA256_SIZE 32
#define NSB_HASH_MAX 64 /* sha512 */

/* The hash algorithms of fixed outputs, as Nix names them. */
typedef enum nsb_hash_algo {
        NSB_HASH_MD5,
        NSB_HASH_SHA1,
        NSB_HASH_SHA256,
        NSB_HASH_SHA512,
} nsb_hash_algo;

/* Whether this copy of the library can hash at all. */
bool nsb_sha256_available(void);

typedef struct nsb_hash {
        nsb_hash_algo algo;
#if defined(NSB_CRYPTO_NETTLE)
        union {
                struct md5_ctx md5;
                struct sha1_ctx sha1;
                struct sha256_ctx sha256;
                struct sha512_ctx sha512;
        } ctx;
#elif defined(NSB_CRYPTO_OPENSSL)
        EVP_MD_CTX *ctx;
#endif
        bool failed;
} nsb_hash;
typedef nsb_hash nsb_sha256;

/* "md5", "sha1", "sha256", "sha512": the algorithm (0), or -EINVAL.  Its
 * name, and its size in bytes. */
int nsb_hash_algo_from_name(const char *name, size_t len, nsb_hash_algo *ret);
const char *nsb_hash_algo_name(nsb_hash_algo algo);
size_t nsb_hash_size(nsb_hash_algo algo);

/* init returns 0, -ENOMEM or -EOPNOTSUPP (no library); final releases
 * what init took and returns 0 or -EIO if any update failed; OUT holds
 * nsb_hash_size() bytes. */
int nsb_hash_init(nsb_hash *h, nsb_hash_algo algo);
void nsb_hash_update(nsb_hash *h, const void *data, size_t len);
int nsb_hash_final(nsb_hash *h, uint8_t *out);
int nsb_sha256_init(nsb_sha256 *h);
void nsb_sha256_update(nsb_sha256 *h, const void *data, size_t len);
int nsb_sha256_final(nsb_sha256 *h, uint8_t out[NSB_SHA256_SIZE]);

/* A hash of ALGO as written in a derivation or an SRI string: hex, Nix's
 * base 32, base 64, or SRI ("sha512-" and base 64, its algorithm ALGO),
 * with or without "ALGO:" before it.  Returns 0 or -EINVAL. */
int nsb_hash_parse(nsb_hash_algo algo, const char *text, uint8_t *out);
int nsb_sha256_parse(const char *text, uint8_t out[NSB_SHA256_SIZE]);
/* LEN bytes as lower-case hex, Nix's base 32, base 64 (OUT big enough:
 * 2 * LEN + 1, LEN * 8 / 5 + 2, 4 * (LEN + 2) / 3 + 1). */
void nsb_hash_hex(const uint8_t *hash, size_t len, char *out);
void nsb_hash_nix32(const uint8_t *hash, size_t len, char *out);
void nsb_hash_base64(const uint8_t *hash, size_t len, char *out);
/* Lower-case hex (65 bytes with the NUL) and SRI (sha256-..., 52 bytes). */
void nsb_sha256_hex(const uint8_t hash[NSB_SHA256_SIZE], char out[2 * NSB_SHA256_SIZE + 1]);
void nsb_sha256_sri(const uint8_t hash[NSB_SHA256_SIZE], char out[64]);
/* Nix's base 32 (52 characters and the NUL). */
void nsb_sha256_nix32(const uint8_t hash[NSB_SHA256_SIZE], char out[53]);

/* Feed the NAR serialisation of NAME below DIRFD into H.  Follows no
 * symlink and walks any depth and width in bounded stack and fds; fails
 * with -ENOTSUP on a file that is not a regular file, directory or
 * symlink.  On failure *ret_where names the entry (relative to NAME;
 * caller frees). */
int nsb_nar_hash_at(int dirfd, const char *name, nsb_sha256 *h, char **ret_where);
/* The same into SINK: its hash, its byte count (the NAR size) and, where
 * SINK->scan is set, the reference scan (refscan.h), in one pass. */
struct nsb_refscan;
struct nsb_modulo;
typedef struct nsb_nar_sink {
        nsb_sha256 *hash;
        uint64_t size;
        struct nsb_refscan *scan;
        /* Hashed modulo a self-reference (nsb_modulo_new()), as Nix
         * hashes a fixed output: NULL for the bytes as they are. */
        struct nsb_modulo *modulo;
} nsb_nar_sink;
int nsb_nar_dump_at(int dirfd, const char *name, nsb_nar_sink *sink, char **ret_where);
/* The contents of the regular file NAME below DIRFD into SINK. */
int nsb_file_dump_at(int dirfd, const char *name, nsb_nar_sink *sink);
/* Nix's hash modulo a self-reference: every occurrence of the 32
 * characters PART (a store path's hash part) is hashed as 32 zero bytes,
 * and the offset of each is hashed after the data ("|OFFSET"), so that a
 * fixed output that names its own path has a hash that does not depend on
 * it.  nsb_modulo_finish() before the hash is read.  NULL on ENOMEM. */
struct nsb_modulo *nsb_modulo_new(const char *part);
void nsb_modulo_free(struct nsb_modulo *m);
void nsb_modulo_finish(nsb_nar_sink *sink);
/* The SHA-256 of the regular file NAME below DIRFD. */
int nsb_file_hash_at(int dirfd, const char *name, nsb_sha256 *h);
