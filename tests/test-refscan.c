/* test-refscan.c - finding store paths' hash parts in a stream (internal
 * API): wherever a part lies, however the stream is cut, whatever else is
 * around it; and only the candidates. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refscan.h"
#include "tap.h"

#define A "0123456789abcdfghijklmnpqrsvwxyz"
#define B "zyxwvsrqpnmlkjihgfdcba9876543210"
#define C "00000000000000000000000000000000"

static size_t found_count(const nsb_refscan *s)
{
        size_t n = 0;
        for (size_t i = 0; i < nsb_refscan_count(s); i++)
                n += nsb_refscan_found(s, i, NULL);
        return n;
}

static bool found(const nsb_refscan *s, const char *part)
{
        for (size_t i = 0; i < nsb_refscan_count(s); i++) {
                const char *p;
                if (nsb_refscan_found(s, i, &p) && memcmp(p, part, NSB_REF_LEN) == 0)
                        return true;
        }
        return false;
}

/* Feed TEXT cut into pieces of CHUNK bytes. */
static void feed_chunked(nsb_refscan *s, const char *text, size_t len, size_t chunk)
{
        for (size_t i = 0; i < len; i += chunk)
                nsb_refscan_feed(s, text + i, len - i < chunk ? len - i : chunk);
}

int main(void)
{
        const char *parts[] = { A, B, C, A };
        nsb_refscan *s = NULL;
        tap_is_int(nsb_refscan_new(parts, 4, &s), 0, "a scanner for three parts, one given twice");
        tap_is_int((long long) nsb_refscan_count(s), 3, "counted once");

        const char *bad[] = { "0123456789abcdfghijklmnpqrsvwxye" };
        nsb_refscan *t = NULL;
        tap_is_int(nsb_refscan_new(bad, 1, &t), -EINVAL, "a part with a letter base 32 lacks (e) is refused");
        const char *short_one[] = { "0123" };
        tap_is_int(nsb_refscan_new(short_one, 1, &t), -EINVAL, "a part shorter than 32 characters is refused");

        /* /nix/store/<A>-name in a text, at every cut of the stream: the
         * part split across two pieces at every offset. */
        char text[256];
        int len = snprintf(text, sizeof(text), "#!/bin/sh\nexec /nix/store/%s-hello/bin/hello \"$@\"\n", A);
        bool all = true;
        for (size_t chunk = 1; chunk <= (size_t) len; chunk++) {
                nsb_refscan_reset(s);
                feed_chunked(s, text, (size_t) len, chunk);
                if (!found(s, A) || found_count(s) != 1) {
                        all = false;
                        tap_diag("  chunks of %zu: found %zu", chunk, found_count(s));
                }
        }
        tap_ok(all, "a part is found however the stream is cut (pieces of 1 to %d bytes), and nothing else", len);

        /* Every offset of the part within a piece boundary, pieces of 40. */
        all = true;
        for (int off = 0; off < 80; off++) {
                char buf[200];
                memset(buf, '/', sizeof(buf));
                memcpy(buf + off, B, NSB_REF_LEN);
                nsb_refscan_reset(s);
                feed_chunked(s, buf, sizeof(buf), 40);
                all &= found(s, B) && found_count(s) == 1;
        }
        tap_ok(all, "at every offset across a cut");

        /* Within a run of base-32 characters longer than a part: found
         * (Nix looks at every window). */
        nsb_refscan_reset(s);
        const char *run = "aaaa" A "bbbb";
        nsb_refscan_feed(s, run, strlen(run));
        tap_ok(found(s, A), "inside a longer run of base-32 characters");

        /* The part's text broken by one character: not found. */
        nsb_refscan_reset(s);
        char broken[NSB_REF_LEN + 1];
        memcpy(broken, A, NSB_REF_LEN + 1);
        broken[16] = 'e';
        nsb_refscan_feed(s, broken, NSB_REF_LEN);
        tap_is_int((long long) found_count(s), 0, "a part with one character changed is not found");

        /* In binary, with its own zeros: a part of zeros is found only as
         * 32 ASCII '0's. */
        unsigned char bin[4096];
        for (size_t i = 0; i < sizeof(bin); i++)
                bin[i] = (unsigned char) (i * 2654435761u >> 13);
        memcpy(bin + 1000, C, NSB_REF_LEN);
        memcpy(bin + 4000, B, 32);
        nsb_refscan_reset(s);
        feed_chunked(s, (const char *) bin, sizeof(bin), 512);
        tap_ok(found(s, C) && found(s, B) && !found(s, A), "in binary data, the parts that are there and no other");

        /* Reset forgets. */
        nsb_refscan_reset(s);
        tap_is_int((long long) found_count(s), 0, "reset forgets what was found");
        /* No candidates: nothing found, nothing allocated per byte. */
        nsb_refscan *none = NULL;
        tap_is_int(nsb_refscan_new(NULL, 0, &none), 0, "a scanner without candidates");
        nsb_refscan_feed(none, text, (size_t) len);
        tap_is_int((long long) found_count(none), 0, "finds nothing");
        nsb_refscan_free(none);
        nsb_refscan_free(s);
        return tap_done();
}
