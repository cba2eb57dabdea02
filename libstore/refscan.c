/* refscan.c - which store paths an output refers to: the 32-character
 * hash parts of candidate paths (the inputs' closure, the derivation's own
 * outputs) that occur anywhere in its NAR serialisation, as Nix's
 * references.cc finds them.
 *
 * Written by hand because it sits on the hashing path and must cost no
 * more than the hash does: the scan looks at every 32nd byte or so of
 * anything that is not text, by checking a window's last byte first and
 * skipping past the first byte that cannot be in a hash part (Nix's
 * algorithm), and a window of base-32 characters is looked up in an
 * open-addressed table keyed by its first eight bytes.  A hash part split
 * across two chunks of the stream is found through the last 31 bytes of
 * the one before, kept. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "refscan.h"
#include "internal.h"

static const char base32_chars[] = "0123456789abcdfghijklmnpqrsvwxyz";

struct nsb_refscan {
        char (*parts)[NSB_REF_LEN];   /* the candidates */
        bool *found;
        size_t n, found_count;
        size_t *slots;                /* index + 1 into parts; 0: empty */
        size_t n_slots;               /* a power of two, at least 2n */
        char tail[NSB_REF_LEN - 1];   /* the last bytes of the stream so far */
        size_t tail_len;
        bool is_base32[256];
};

static uint64_t key_of(const char *p)
{
        uint64_t k;
        memcpy(&k, p, sizeof(k));
        /* Eight base-32 characters hold 40 bits of the hash: mix them. */
        k ^= k >> 29;
        k *= UINT64_C(0xbf58476d1ce4e5b9);
        k ^= k >> 32;
        return k;
}

bool nsb_refscan_is_part(const char *p, size_t len)
{
        if (len != NSB_REF_LEN)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!p[i] || !strchr(base32_chars, p[i]))
                        return false;
        return true;
}

int nsb_refscan_new(const char *const *parts, size_t n, nsb_refscan **ret)
{
        nsb_refscan *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        for (const char *c = base32_chars; *c; c++)
                s->is_base32[(unsigned char) *c] = true;
        s->n_slots = 16;
        while (s->n_slots < 2 * n)
                s->n_slots *= 2;
        s->parts = calloc(n ? n : 1, sizeof(*s->parts));
        s->found = calloc(n ? n : 1, sizeof(*s->found));
        s->slots = calloc(s->n_slots, sizeof(*s->slots));
        if (!s->parts || !s->found || !s->slots) {
                nsb_refscan_free(s);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                if (!nsb_refscan_is_part(parts[i], parts[i] ? strlen(parts[i]) : 0)) {
                        nsb_refscan_free(s);
                        return -EINVAL;
                }
                size_t slot = key_of(parts[i]) & (s->n_slots - 1);
                bool dup = false;
                for (; s->slots[slot]; slot = (slot + 1) & (s->n_slots - 1))
                        if (memcmp(s->parts[s->slots[slot] - 1], parts[i], NSB_REF_LEN) == 0) {
                                dup = true;
                                break;
                        }
                if (dup)
                        continue;
                memcpy(s->parts[s->n], parts[i], NSB_REF_LEN);
                s->slots[slot] = ++s->n;
        }
        *ret = s;
        return 0;
}

void nsb_refscan_free(nsb_refscan *s)
{
        if (!s)
                return;
        free(s->parts);
        free(s->found);
        free(s->slots);
        free(s);
}

static void lookup(nsb_refscan *s, const char *p)
{
        for (size_t slot = key_of(p) & (s->n_slots - 1); s->slots[slot]; slot = (slot + 1) & (s->n_slots - 1)) {
                size_t i = s->slots[slot] - 1;
                if (memcmp(s->parts[i], p, NSB_REF_LEN) == 0) {
                        if (!s->found[i]) {
                                s->found[i] = true;
                                s->found_count++;
                        }
                        return;
                }
        }
}

/* Every window of NSB_REF_LEN bytes in P..P+LEN. */
static void search(nsb_refscan *s, const char *p, size_t len)
{
        const bool *b32 = s->is_base32;
        size_t i = 0;
        while (i + NSB_REF_LEN <= len) {
                /* From the window's end back: a byte that cannot be in a
                 * hash part rules out every window holding it. */
                size_t j = NSB_REF_LEN;
                while (j > 0 && b32[(unsigned char) p[i + j - 1]])
                        j--;
                if (j > 0) {
                        i += j;
                        continue;
                }
                lookup(s, p + i);
                i++;
        }
}

void nsb_refscan_feed(nsb_refscan *s, const void *data, size_t len)
{
        if (s->n == 0 || s->found_count == s->n || len == 0)
                return;
        const char *p = data;
        /* The windows that start in the tail and end in this chunk. */
        if (s->tail_len) {
                char joint[2 * (NSB_REF_LEN - 1)];
                size_t head = len < NSB_REF_LEN - 1 ? len : NSB_REF_LEN - 1;
                memcpy(joint, s->tail, s->tail_len);
                memcpy(joint + s->tail_len, p, head);
                search(s, joint, s->tail_len + head);
        }
        search(s, p, len);
        /* Keep the last NSB_REF_LEN - 1 bytes of the stream. */
        if (len >= NSB_REF_LEN - 1) {
                memcpy(s->tail, p + len - (NSB_REF_LEN - 1), NSB_REF_LEN - 1);
                s->tail_len = NSB_REF_LEN - 1;
        } else {
                size_t keep = s->tail_len + len > NSB_REF_LEN - 1 ? NSB_REF_LEN - 1 - len : s->tail_len;
                memmove(s->tail, s->tail + s->tail_len - keep, keep);
                memcpy(s->tail + keep, p, len);
                s->tail_len = keep + len;
        }
}

bool nsb_refscan_has_found(const nsb_refscan *s, const char *part)
{
        for (size_t slot = key_of(part) & (s->n_slots - 1); s->slots[slot]; slot = (slot + 1) & (s->n_slots - 1)) {
                size_t i = s->slots[slot] - 1;
                if (memcmp(s->parts[i], part, NSB_REF_LEN) == 0)
                        return s->found[i];
        }
        return false;
}

void nsb_refscan_reset(nsb_refscan *s)
{
        memset(s->found, 0, (s->n ? s->n : 1) * sizeof(*s->found));
        s->found_count = 0;
        s->tail_len = 0;
}

size_t nsb_refscan_count(const nsb_refscan *s)
{
        return s->n;
}

bool nsb_refscan_found(const nsb_refscan *s, size_t i, const char **ret_part)
{
        if (i >= s->n)
                return false;
        if (ret_part)
                *ret_part = s->parts[i];
        return s->found[i];
}
