/* refscan.h - the store paths an output refers to, found in its NAR
 * serialisation (refscan.c); not installed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* A store path's hash part: 32 characters of Nix's base 32. */
#define NSB_REF_LEN 32

typedef struct nsb_refscan nsb_refscan;

/* Whether P (LEN bytes) is a hash part. */
bool nsb_refscan_is_part(const char *p, size_t len);
/* A scanner for the N hash parts PARTS (each NUL-terminated; duplicates
 * counted once).  0, -EINVAL (one is no hash part) or -ENOMEM. */
int nsb_refscan_new(const char *const *parts, size_t n, nsb_refscan **ret);
void nsb_refscan_free(nsb_refscan *s);
/* The next LEN bytes of the stream; a part split across calls is found. */
void nsb_refscan_feed(nsb_refscan *s, const void *data, size_t len);
/* Whether the hash part PART (NSB_REF_LEN characters) was found. */
bool nsb_refscan_has_found(const nsb_refscan *s, const char *part);
/* Forget what was found and the stream so far: a scanner for the next
 * output. */
void nsb_refscan_reset(nsb_refscan *s);
/* How many distinct parts; whether the Ith was found, with (RET_PART, may
 * be NULL) its NSB_REF_LEN characters, not NUL-terminated. */
size_t nsb_refscan_count(const nsb_refscan *s);
bool nsb_refscan_found(const nsb_refscan *s, size_t i, const char **ret_part);
