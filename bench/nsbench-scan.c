/* nsbench-scan: what the reference scan costs beside the hash it shares a
 * pass with ([store-results]: hash and scan together must cost no more
 * than twice the hash alone).  Internal API (hash.h, refscan.h).
 *
 *   nsbench-scan MIB [CANDIDATES]
 *       Hash MIB MiB (default 1024) of real files (/usr/lib and /usr/share,
 *       binaries and text, 64 MiB of them repeated) in 64 KiB pieces, as
 *       the NAR writer feeds them; then hash and scan them for CANDIDATES
 *       (default 1000) hash parts none of which occurs (the scan never
 *       ends early).  Prints "scan MIB hash-MB/s hash+scan-MB/s ratio". */
#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "refscan.h"

#define SAMPLE (64u << 20)
#define PIECE (64u << 10)

static char *sample;
static size_t filled;

static int take(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void) ftw;
        if (type != FTW_F || !S_ISREG(st->st_mode) || filled >= SAMPLE)
                return filled >= SAMPLE;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return 0;
        ssize_t n;
        while (filled < SAMPLE && (n = read(fd, sample + filled, SAMPLE - filled)) > 0)
                filled += (size_t) n;
        close(fd);
        return filled >= SAMPLE;
}

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static double pass(size_t mib, nsb_refscan *scan)
{
        nsb_sha256 h;
        if (nsb_sha256_init(&h) < 0) {
                fprintf(stderr, "nsbench-scan: no SHA-256 in this build\n");
                exit(1);
        }
        double t0 = now();
        size_t total = mib << 20, done = 0, off = 0;
        while (done < total) {
                nsb_sha256_update(&h, sample + off, PIECE);
                if (scan)
                        nsb_refscan_feed(scan, sample + off, PIECE);
                done += PIECE;
                off = (off + PIECE) % SAMPLE;
        }
        uint8_t out[NSB_SHA256_SIZE];
        nsb_sha256_final(&h, out);
        return (double) total / 1e6 / (now() - t0);
}

int main(int argc, char **argv)
{
        size_t mib = argc > 1 ? (size_t) atol(argv[1]) : 1024;
        size_t n = argc > 2 ? (size_t) atol(argv[2]) : 1000;
        sample = malloc(SAMPLE);
        if (!sample || mib == 0)
                return 1;
        nftw("/usr/lib", take, 16, FTW_PHYS);
        if (filled < SAMPLE)
                nftw("/usr/share", take, 16, FTW_PHYS);
        for (size_t i = filled; i < SAMPLE; i++) /* a system with less: repeat it */
                sample[i] = filled ? sample[i % filled] : (char) i;
        static const char b32[] = "0123456789abcdfghijklmnpqrsvwxyz";
        char (*parts)[NSB_REF_LEN + 1] = calloc(n ? n : 1, sizeof(*parts));
        const char **ptrs = calloc(n ? n : 1, sizeof(*ptrs));
        srand(42);
        for (size_t i = 0; i < n; i++) {
                for (int j = 0; j < NSB_REF_LEN; j++)
                        parts[i][j] = b32[rand() % 32];
                ptrs[i] = parts[i];
        }
        nsb_refscan *scan = NULL;
        if (nsb_refscan_new(ptrs, n, &scan) < 0)
                return 1;
        pass(64, NULL); /* warm up */
        double hash = pass(mib, NULL), both = pass(mib, scan);
        size_t hits = 0;
        for (size_t i = 0; i < nsb_refscan_count(scan); i++)
                hits += nsb_refscan_found(scan, i, NULL);
        printf("scan %zu %.0f %.0f %.2f%s\n", mib, hash, both, both / hash, hits ? " (a candidate occurred)" : "");
        nsb_refscan_free(scan);
        free(ptrs);
        free(parts);
        free(sample);
        return 0;
}
