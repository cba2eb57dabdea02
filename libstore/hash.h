/* hash.h - SHA-256 over the configured library, and the NAR serialisation
 * a recursive fixed-output hash is computed over; not installed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#if defined(NSB_CRYPTO_NETTLE)
#include <nettle/sha2.h>
#elif defined(NSB_CRYPTO_OPENSSL)
#include <openssl/evp.h>
#endif

#define NSB_SHA256_SIZE 32

/* Whether this copy of the library can hash at all. */
bool nsb_sha256_available(void);

typedef struct nsb_sha256 {
#if defined(NSB_CRYPTO_NETTLE)
        struct sha256_ctx ctx;
#elif defined(NSB_CRYPTO_OPENSSL)
        EVP_MD_CTX *ctx;
#endif
        bool failed;
} nsb_sha256;

/* init returns 0, -ENOMEM or -EOPNOTSUPP (no library); final releases
 * what init took and returns 0 or -EIO if any update failed. */
int nsb_sha256_init(nsb_sha256 *h);
void nsb_sha256_update(nsb_sha256 *h, const void *data, size_t len);
int nsb_sha256_final(nsb_sha256 *h, uint8_t out[NSB_SHA256_SIZE]);

/* A hash as written in a derivation: 64 hex digits, Nix's base-32 (52
 * characters) or SRI ("sha256-" and base 64).  Returns 0 or -EINVAL. */
int nsb_sha256_parse(const char *text, uint8_t out[NSB_SHA256_SIZE]);
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
typedef struct nsb_nar_sink {
        nsb_sha256 *hash;
        uint64_t size;
        struct nsb_refscan *scan;
} nsb_nar_sink;
int nsb_nar_dump_at(int dirfd, const char *name, nsb_nar_sink *sink, char **ret_where);
/* The SHA-256 of the regular file NAME below DIRFD. */
int nsb_file_hash_at(int dirfd, const char *name, nsb_sha256 *h);
