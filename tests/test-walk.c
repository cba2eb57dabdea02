/* test-walk.c - every walk over a builder-made tree (removal, copy,
 * canonicalisation, the NAR hash) on a tree 50,000 directories deep and on
 * a directory of 100,000 entries, on a thread with a small stack and with
 * few fds allowed: a walk that recursed or held an fd per level fails
 * here.  And the walker never leaves the tree when a directory is moved
 * out of it during the walk. */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "internal.h"
#include "tap.h"
#include "walk.h"

#define DEPTH 50000
#define WIDTH 100000
/* The old recursive walks used hundreds of bytes (the NAR hash over 4 KiB)
 * of stack per level: 50,000 levels need tens of megabytes. */
#define THREAD_STACK (512 * 1024)
#define FD_LIMIT 32

static int top_fd;

static bool make_deep(const char *name, long depth)
{
        if (mkdirat(top_fd, name, 0755) < 0)
                return false;
        int fd = openat(top_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        for (long i = 0; fd >= 0 && i < depth; i++) {
                int next = mkdirat(fd, "d", 0755) < 0 ? -1 : openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                close(fd);
                fd = next;
        }
        int f = fd < 0 ? -1 : openat(fd, "f", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        bool ok = f >= 0 && write(f, "bottom\n", 7) == 7;
        if (f >= 0)
                close(f);
        if (fd >= 0)
                close(fd);
        return ok;
}

static bool make_wide(const char *name, long count)
{
        if (mkdirat(top_fd, name, 0700) < 0)
                return false;
        int fd = openat(top_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        bool ok = fd >= 0;
        for (long i = 0; ok && i < count; i++) {
                char n[32];
                snprintf(n, sizeof(n), "e%ld", i);
                int f = openat(fd, n, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
                ok = f >= 0;
                if (f >= 0)
                        close(f);
        }
        if (fd >= 0)
                close(fd);
        return ok;
}

/* The bottom of a deep tree, or -1. */
static int open_bottom(const char *name, long depth)
{
        int fd = openat(top_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        for (long i = 0; fd >= 0 && i < depth; i++) {
                int next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                close(fd);
                fd = next;
        }
        return fd;
}

static long count_entries(const char *name)
{
        _cleanup_(nsb_walk_freep) nsb_walk *w = NULL;
        if (nsb_walk_open(top_fd, name, -1, NULL, 0, &w) < 0)
                return -1;
        long n = 0;
        const nsb_walk_entry *e;
        int r;
        while ((r = nsb_walk_next(w, &e)) > 0)
                if (e->event == NSB_WALK_FILE)
                        n++;
        return r < 0 ? -1 : n;
}

/* ---- the expected NAR, written out by hand ---- */

static void nar_str(nsb_sha256 *h, const char *s)
{
        static const uint8_t zero[8];
        uint64_t len = strlen(s);
        uint8_t b[8];
        for (int i = 0; i < 8; i++)
                b[i] = (uint8_t) (len >> (8 * i));
        nsb_sha256_update(h, b, 8);
        nsb_sha256_update(h, s, len);
        if (len % 8)
                nsb_sha256_update(h, zero, 8 - len % 8);
}

static void nar_strs(nsb_sha256 *h, const char *const *v)
{
        for (; *v; v++)
                nar_str(h, *v);
}

static bool expected_deep(uint8_t out[NSB_SHA256_SIZE])
{
        nsb_sha256 h;
        if (nsb_sha256_init(&h) < 0)
                return false;
        nar_str(&h, "nix-archive-1");
        static const char *const dir_d[] = { "(", "type", "directory", "entry", "(", "name", "d", "node", NULL };
        for (long i = 0; i < DEPTH; i++)
                nar_strs(&h, dir_d);
        /* The bottom directory holds the file "f". */
        static const char *const bottom[] = { "(", "type", "directory", "entry", "(", "name", "f", "node", "(",
                                              "type", "regular", "contents", "bottom\n", ")", ")", ")", NULL };
        nar_strs(&h, bottom);
        /* Each level closes its directory and its entry. */
        for (long i = 0; i < DEPTH; i++) {
                nar_str(&h, ")");
                nar_str(&h, ")");
        }
        return nsb_sha256_final(&h, out) == 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static bool expected_wide(uint8_t out[NSB_SHA256_SIZE])
{
        char **names = calloc(WIDTH, sizeof(char *));
        if (!names)
                return false;
        for (long i = 0; i < WIDTH; i++)
                if (asprintf(&names[i], "e%ld", i) < 0)
                        return false;
        qsort(names, WIDTH, sizeof(char *), cmp_str);
        nsb_sha256 h;
        if (nsb_sha256_init(&h) < 0)
                return false;
        static const char *const head[] = { "nix-archive-1", "(", "type", "directory", NULL };
        nar_strs(&h, head);
        for (long i = 0; i < WIDTH; i++) {
                static const char *const file[] = { "node", "(", "type", "regular", "contents", "", ")", ")", NULL };
                nar_str(&h, "entry");
                nar_str(&h, "(");
                nar_str(&h, "name");
                nar_str(&h, names[i]);
                nar_strs(&h, file);
                free(names[i]);
        }
        free(names);
        nar_str(&h, ")");
        return nsb_sha256_final(&h, out) == 0;
}

static int nar_of(const char *name, uint8_t out[NSB_SHA256_SIZE])
{
        nsb_sha256 h;
        _cleanup_free_ char *where = NULL;
        int r = nsb_sha256_init(&h);
        if (r < 0)
                return r;
        r = nsb_nar_hash_at(top_fd, name, &h, &where);
        int q = nsb_sha256_final(&h, out);
        if (r < 0)
                tap_diag("  NAR of %s failed at %s: %s", name, where ? where : "?", strerror(-r));
        return r < 0 ? r : q;
}

/* ---- the walks, on the small stack ---- */

static void *walks(void *arg)
{
        (void) arg;
        nsb_build *b;
        if (nsb_build_new(&b) < 0) {
                tap_ok(false, "a build object for the canonicaliser");
                return NULL;
        }
        if (nsb_sha256_available()) {
                uint8_t got[NSB_SHA256_SIZE], want[NSB_SHA256_SIZE];
                tap_ok(nar_of("deep", got) == 0 && expected_deep(want) && memcmp(got, want, sizeof(got)) == 0,
                       "the NAR hash of a tree %d directories deep is the NAR written out by hand", DEPTH);
                tap_ok(nar_of("wide", got) == 0 && expected_wide(want) && memcmp(got, want, sizeof(got)) == 0,
                       "the NAR hash of a directory of %d entries, sorted", WIDTH);
        } else {
                tap_skip("no SHA-256 library in this build");
                tap_skip("no SHA-256 library in this build");
        }

        int r = nsb_copy_tree_at(top_fd, "deep", top_fd, "deep-copy", 0, NULL);
        tap_ok(r == 0, "a tree %d directories deep is copied (%s)", DEPTH, strerror(-r));
        int fd = open_bottom("deep-copy", DEPTH);
        int f = fd < 0 ? -1 : openat(fd, "f", O_RDONLY | O_CLOEXEC);
        char buf[16] = "";
        ssize_t n = f < 0 ? -1 : read(f, buf, sizeof(buf) - 1);
        tap_ok(n == 7 && memcmp(buf, "bottom\n", 7) == 0, "down to the file at its bottom");
        if (f >= 0)
                close(f);
        if (fd >= 0)
                close(fd);
        r = nsb_copy_tree_at(top_fd, "wide", top_fd, "wide-copy", 0, NULL);
        tap_ok(r == 0 && count_entries("wide-copy") == WIDTH, "a directory of %d entries is copied", WIDTH);

        r = nsb_canonicalise_at(b, top_fd, "deep", "/store/deep", NSB_CANON_STORE, false, NULL);
        if (!tap_ok(r == 0, "a tree %d directories deep is canonicalised", DEPTH))
                tap_diag("  %s", nsb_build_error_message(b));
        fd = open_bottom("deep", DEPTH);
        struct stat st = { 0 }, top = { 0 };
        (void) fstatat(top_fd, "deep", &top, 0);
        tap_ok(fd >= 0 && fstatat(fd, "f", &st, 0) == 0 && (st.st_mode & 07777) == 0444 && st.st_mtime == 1 &&
                       (top.st_mode & 07777) == 0555 && top.st_mtime == 1,
               "its bottom file is 0444 with mtime 1, its top 0555");
        if (fd >= 0)
                close(fd);
        r = nsb_canonicalise_at(b, top_fd, "wide", "/store/wide", NSB_CANON_SAFE, false, NULL);
        (void) fstatat(top_fd, "wide/e99999", &st, 0);
        (void) fstatat(top_fd, "wide", &top, 0);
        tap_ok(r == 0 && (st.st_mode & 07777) == 0644 && (top.st_mode & 07777) == 0700,
               "a directory of %d entries is made safe: 0666 files become 0644", WIDTH);

        const char *trees[] = { "deep", "deep-copy", "wide", "wide-copy" };
        for (size_t i = 0; i < ELEMENTSOF(trees); i++) {
                r = rm_rf_at(top_fd, trees[i]);
                tap_ok(r == 0 && faccessat(top_fd, trees[i], F_OK, AT_SYMLINK_NOFOLLOW) < 0,
                       "%s is removed completely (%s)", trees[i], strerror(-r));
        }
        nsb_build_free(b);
        return NULL;
}

/* A directory moved out of the tree while the walk is inside it: the way
 * back up is not where the walk came from, and the walk stops there. */
static void moved_out(void)
{
        bool made = mkdirat(top_fd, "t", 0755) == 0 && mkdirat(top_fd, "t/b", 0755) == 0 &&
                    mkdirat(top_fd, "t/b/c", 0755) == 0 && mkdirat(top_fd, "sibling", 0755) == 0;
        _cleanup_(nsb_walk_freep) nsb_walk *w = NULL;
        int r = made ? nsb_walk_open(top_fd, "t", -1, NULL, 0, &w) : -1;
        const nsb_walk_entry *e;
        bool moved = false;
        while (r >= 0 && (r = nsb_walk_next(w, &e)) > 0)
                if (e->event == NSB_WALK_DIR_PRE && strcmp(e->name, "c") == 0)
                        moved = renameat(top_fd, "t/b", top_fd, "b-moved") == 0;
        tap_ok(moved && r == -ESTALE, "a walk whose directory is moved out of the tree stops with ESTALE");

        tap_ok(faccessat(top_fd, "sibling", F_OK, 0) == 0 && faccessat(top_fd, "b-moved/c", F_OK, 0) == 0,
               "and nothing outside it was touched");
        (void) rm_rf_at(top_fd, "t");
        (void) rm_rf_at(top_fd, "b-moved");
        (void) rm_rf_at(top_fd, "sibling");
}

int main(void)
{
        char dir[] = "/tmp/nsb-test-walk-XXXXXX";
        if (!mkdtemp(dir))
                tap_skip_all("cannot create a temporary directory");
        top_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (top_fd < 0)
                tap_skip_all("cannot open %s", dir);

        tap_ok(make_deep("deep", DEPTH), "a tree %d directories deep", DEPTH);
        tap_ok(make_wide("wide", WIDTH), "a directory of %d entries", WIDTH);

        /* Few fds and a small stack for everything that walks. */
        struct rlimit nofile = { FD_LIMIT, FD_LIMIT }, saved;
        getrlimit(RLIMIT_NOFILE, &saved);
        nofile.rlim_max = saved.rlim_max;
        tap_ok(setrlimit(RLIMIT_NOFILE, &nofile) == 0, "at most %d fds", FD_LIMIT);
        pthread_attr_t attr;
        pthread_t t;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, THREAD_STACK);
        tap_ok(pthread_create(&t, &attr, walks, NULL) == 0, "the walks run on a %d KiB stack", THREAD_STACK / 1024);
        pthread_join(t, NULL);
        setrlimit(RLIMIT_NOFILE, &saved);

        moved_out();

        close(top_fd);
        rm_rf_at(AT_FDCWD, dir);
        return tap_done();
}
