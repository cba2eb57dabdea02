/* util.h - small helpers shared by the library; not installed. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Cleanup helpers in the style of systemd and bubblewrap: a variable
 * declared with _cleanup_free_ or _cleanup_close_ is released on every path
 * out of its scope; steal it with TAKE_PTR / TAKE_FD to keep it. */
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_strv_free_ _cleanup_(strv_freep)

static inline void freep(void *p) { free(*(void **) p); }
static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                (void) close(*fd);
                errno = saved;
        }
}
/* For int fds[2] from pipe2() and socketpair(). */
static inline void close_pairp(int (*pair)[2])
{
        closep(&(*pair)[0]);
        closep(&(*pair)[1]);
}
#define _cleanup_close_pair_ _cleanup_(close_pairp)

#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -1; _fd; })

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/* Close FD if valid and set it to -1. */
static inline void close_and_invalidate(int *fd)
{
        if (*fd >= 0) {
                (void) close(*fd);
                *fd = -1;
        }
}

/* Room for one more element in the array *V of N elements of SIZE bytes,
 * *ALLOC allocated, doubling: a list built by appending costs O(1) per
 * element, however long.  0 or -ENOMEM. */
int grow_array(void **v, size_t *alloc, size_t n, size_t size);
#define GROW(v, alloc, n) grow_array((void **) &(v), &(alloc), (n), sizeof(*(v)))

/* A map from strings (copied in) to indices, by open addressing: lookups
 * and insertions in O(1), where a search of a list would make a
 * derivation of a million variables or inputs quadratic. */
typedef struct nsb_strmap {
        struct nsb_strmap_slot *slots;
        size_t n, cap;
        uint64_t key[2]; /* the hash's key, random, drawn when it first grows */
} nsb_strmap;
/* Map the LEN bytes of KEY to VALUE.  Returns 0 when it was new, 1 when it
 * was there (*ret_old, if given, gets the value it had; it is replaced
 * only with REPLACE), or -ENOMEM. */
int strmap_put(nsb_strmap *m, const char *key, size_t len, size_t value, bool replace, size_t *ret_old);
/* Whether the LEN bytes of KEY are mapped, and to what. */
bool strmap_get(const nsb_strmap *m, const char *key, size_t len, size_t *ret_value);
void strmap_free(nsb_strmap *m);
/* The slot KEY is in, or SIZE_MAX (for tests of the layout). */
size_t strmap_slot_of(const nsb_strmap *m, const char *key, size_t len);
/* SipHash-1-3 of the LEN bytes at DATA under KEY. */
uint64_t siphash13(const uint64_t key[2], const void *data, size_t len);

void strv_free(char **v);
static inline void strv_freep(char ***v) { strv_free(*v); }
size_t strv_length(char *const *v);
/* Copy a NULL-terminated vector; NULL on allocation failure. */
char **strv_copy(const char *const *v);
/* The words of S (separated by spaces, tabs, newlines and carriage
 * returns, as Nix's tokenizeString), NULL-terminated; -ENOMEM. */
int strv_split_words(const char *s, char ***ret);
/* The strings of V with SEP between them; NULL on allocation failure. */
char *strv_join(char *const *v, const char *sep);

/* A bump allocator for many small strings freed at once. */
typedef struct nsb_arena {
        struct nsb_arena_block *blocks;
} nsb_arena;
void *arena_alloc(nsb_arena *a, size_t size);
char *arena_strdup(nsb_arena *a, const char *s);
char *arena_strndup(nsb_arena *a, const char *s, size_t n);
void arena_free(nsb_arena *a);

/* Whether PATH is absolute and normal: no empty, "." or ".." component and
 * no trailing slash ("/" itself is normal). */
bool path_is_normal_absolute(const char *path);
/* Pointer to the last component of a normal absolute path. */
const char *path_basename(const char *path);
/* The parent of the absolute PATH ("/" for "/x"), allocated; NULL on
 * allocation failure. */
char *path_dirname(const char *path);

/* write(2) until everything is written; returns 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);
/* Read the small file PATH (relative to DIRFD, never following a
 * symlink at its end) into BUF, NUL-terminated, at most SIZE - 1 bytes
 * (a kernel interface file: /proc, /sys/fs/cgroup).  Its length, or
 * negative errno. */
int read_small_at(int dirfd, const char *path, char *buf, size_t size);
/* A text file of /proc read line by line in large reads: the kernel makes
 * such a file anew for every read(2), and stdio's reads of a page or less
 * cost a pass over the mount table each (mountinfo: 78 against 33 us here
 * for 20 mounts).  No bound on a line's length; the caller may stop at
 * any line, and the rest is never made. */
typedef struct nsb_lines {
        int fd;
        char *buf;
        size_t size, start, end;
        int err;                  /* 0, or the negative errno that ended it */
} nsb_lines;
/* 0, or negative errno (and nothing to close). */
int nsb_lines_open(nsb_lines *l, const char *path);
/* The next line, NUL-terminated, without its newline, valid until the next
 * call; NULL at the end or on error (l->err says which). */
char *nsb_lines_next(nsb_lines *l);
void nsb_lines_close(nsb_lines *l);
/* Monotonic time in nanoseconds. */
uint64_t now_ns(void);

/* Remove NAME inside directory DIRFD and everything below it, never
 * following a symlink and never leaving the file system hierarchy under
 * DIRFD: every step is relative to a directory fd opened with O_NOFOLLOW.
 * Directories whose permissions a builder reset are made accessible first.
 * Returns 0 (also when NAME does not exist) or the first -errno. */
int rm_rf_at(int dirfd, const char *name);
/* chmod NAME below DIRFD to MODE, never through a symlink, and only if it
 * is still the file EXPECT describes (device and inode; NULL: any): a
 * builder, or anyone who can write where its tree lies, may swap a
 * directory for a symlink to a file of root's between a stat and the
 * chmod.  -ELOOP for a symlink, -ESTALE for another file. */
int chmod_at_nofollow(int dirfd, const char *name, mode_t mode, const struct stat *expect);
/* mkdir -p: PATH and its missing parents, each with MODE. */
int mkdir_p(const char *path, mode_t mode);
