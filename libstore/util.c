/* util.c - small helpers shared by the library. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include "util.h"
#include "walk.h"

void strv_free(char **v)
{
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

size_t strv_length(char *const *v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

char **strv_copy(const char *const *v)
{
        size_t n = 0;
        while (v[n])
                n++;
        char **c = calloc(n + 1, sizeof(char *));
        if (!c)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (!(c[i] = strdup(v[i]))) {
                        strv_free(c);
                        return NULL;
                }
        return c;
}

char *strv_join(char *const *v, const char *sep)
{
        size_t len = 1, n_sep = strlen(sep);
        for (size_t i = 0; v[i]; i++)
                len += strlen(v[i]) + (i ? n_sep : 0);
        char *s = malloc(len), *p = s;
        if (!s)
                return NULL;
        for (size_t i = 0; v[i]; i++) {
                if (i)
                        p = stpcpy(p, sep);
                p = stpcpy(p, v[i]);
        }
        *p = '\0';
        return s;
}

int strv_split_words(const char *s, char ***ret)
{
        _cleanup_strv_free_ char **words = NULL;
        size_t n = 0, alloc = 0;
        if (GROW(words, alloc, n) < 0)
                return -ENOMEM;
        words[0] = NULL;
        for (const char *p = s; *p;) {
                p += strspn(p, " \t\n\r");
                size_t len = strcspn(p, " \t\n\r");
                if (!len)
                        break;
                if (GROW(words, alloc, n + 1) < 0 || !(words[n] = strndup(p, len)))
                        return -ENOMEM;
                words[++n] = NULL;
                p += len;
        }
        *ret = TAKE_PTR(words);
        return 0;
}

/* ---- growing arrays and a string map ---- */

int grow_array(void **v, size_t *alloc, size_t n, size_t size)
{
        if (n < *alloc)
                return 0;
        size_t na = *alloc ? *alloc * 2 : 8;
        void *nv = reallocarray(*v, na, size);
        if (!nv)
                return -ENOMEM;
        *v = nv;
        *alloc = na;
        return 0;
}

struct nsb_strmap_slot {
        char *key;              /* NULL: empty */
        size_t len;
        size_t value;
        uint64_t hash;
};

/* SipHash-1-3 with a random key per map: the keys are a derivation's
 * variable and file names, and a derivation may come from a user the store
 * does not trust; with a hash anyone can compute (FNV, say) such a user can
 * make names that all land in one slot and every lookup a scan of them.
 * By hand, as systemd and the kernel do: thirty lines no library offers
 * without a dependency larger than all of this file. */
#define SIP_ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIP_ROUND(v0, v1, v2, v3)                                                                                      \
        do {                                                                                                           \
                v0 += v1; v1 = SIP_ROTL(v1, 13); v1 ^= v0; v0 = SIP_ROTL(v0, 32);                                      \
                v2 += v3; v3 = SIP_ROTL(v3, 16); v3 ^= v2;                                                             \
                v0 += v3; v3 = SIP_ROTL(v3, 21); v3 ^= v0;                                                             \
                v2 += v1; v1 = SIP_ROTL(v1, 17); v1 ^= v2; v2 = SIP_ROTL(v2, 32);                                      \
        } while (0)

uint64_t siphash13(const uint64_t key[2], const void *data, size_t len)
{
        const unsigned char *p = data;
        uint64_t v0 = 0x736f6d6570736575ULL ^ key[0], v1 = 0x646f72616e646f6dULL ^ key[1];
        uint64_t v2 = 0x6c7967656e657261ULL ^ key[0], v3 = 0x7465646279746573ULL ^ key[1];
        size_t whole = len & ~(size_t) 7;
        for (size_t i = 0; i < whole; i += 8) {
                uint64_t m = 0;
                for (int j = 7; j >= 0; j--)
                        m = (m << 8) | p[i + (size_t) j];
                v3 ^= m;
                SIP_ROUND(v0, v1, v2, v3);
                v0 ^= m;
        }
        uint64_t last = (uint64_t) len << 56;
        for (size_t j = 0; j < (len & 7); j++)
                last |= (uint64_t) p[whole + j] << (8 * j);
        v3 ^= last;
        SIP_ROUND(v0, v1, v2, v3);
        v0 ^= last;
        v2 ^= 0xff;
        for (int i = 0; i < 3; i++)
                SIP_ROUND(v0, v1, v2, v3);
        return v0 ^ v1 ^ v2 ^ v3;
}

static uint64_t hash_bytes(const nsb_strmap *m, const char *s, size_t len)
{
        return siphash13(m->key, s, len);
}

static struct nsb_strmap_slot *strmap_find(const nsb_strmap *m, const char *key, size_t len, uint64_t hash)
{
        if (!m->cap)
                return NULL;
        for (size_t i = hash & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
                struct nsb_strmap_slot *e = &m->slots[i];
                if (!e->key || (e->hash == hash && e->len == len && memcmp(e->key, key, len) == 0))
                        return e;
        }
}

static int strmap_grow(nsb_strmap *m)
{
        size_t nc = m->cap ? m->cap * 2 : 16;
        /* The key is drawn while the map is empty: the hashes of what it
         * holds never change.  Without entropy yet (early boot), the time
         * and our addresses: the names come long after either is known. */
        if (!m->cap && getrandom(m->key, sizeof(m->key), GRND_NONBLOCK) != (ssize_t) sizeof(m->key)) {
                m->key[0] = now_ns() ^ (uint64_t) (uintptr_t) m;
                m->key[1] = ((uint64_t) getpid() << 32) ^ (uint64_t) (uintptr_t) &nc;
        }
        struct nsb_strmap_slot *nv = calloc(nc, sizeof(*nv));
        if (!nv)
                return -ENOMEM;
        nsb_strmap old = *m;
        m->slots = nv;
        m->cap = nc;
        for (size_t i = 0; i < old.cap; i++)
                if (old.slots[i].key)
                        *strmap_find(m, old.slots[i].key, old.slots[i].len, old.slots[i].hash) = old.slots[i];
        free(old.slots);
        return 0;
}

int strmap_put(nsb_strmap *m, const char *key, size_t len, size_t value, bool replace, size_t *ret_old)
{
        /* The first slots, and with them the hash's key, before the hash. */
        if (!m->cap && strmap_grow(m) < 0)
                return -ENOMEM;
        uint64_t hash = hash_bytes(m, key, len);
        struct nsb_strmap_slot *e = strmap_find(m, key, len, hash);
        if (e && e->key) {
                if (ret_old)
                        *ret_old = e->value;
                if (replace)
                        e->value = value;
                return 1;
        }
        /* At most half full, so that probes stay short. */
        if ((m->n + 1) * 2 > m->cap) {
                if (strmap_grow(m) < 0)
                        return -ENOMEM;
                e = strmap_find(m, key, len, hash);
        }
        /* memcpy, not strndup: a key may hold NUL bytes. */
        char *copy = malloc(len + 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, key, len);
        copy[len] = '\0';
        *e = (struct nsb_strmap_slot) { .key = copy, .len = len, .value = value, .hash = hash };
        m->n++;
        return 0;
}

bool strmap_get(const nsb_strmap *m, const char *key, size_t len, size_t *ret_value)
{
        const struct nsb_strmap_slot *e = strmap_find(m, key, len, hash_bytes(m, key, len));
        if (!e || !e->key)
                return false;
        if (ret_value)
                *ret_value = e->value;
        return true;
}

size_t strmap_slot_of(const nsb_strmap *m, const char *key, size_t len)
{
        const struct nsb_strmap_slot *e = strmap_find(m, key, len, hash_bytes(m, key, len));
        return e && e->key ? (size_t) (e - m->slots) : SIZE_MAX;
}

void strmap_free(nsb_strmap *m)
{
        for (size_t i = 0; i < m->cap; i++)
                free(m->slots[i].key);
        free(m->slots);
        *m = (nsb_strmap) { 0 };
}

/* ---- arena ---- */

struct nsb_arena_block {
        struct nsb_arena_block *next;
        size_t used, size;
        max_align_t data[];
};

void *arena_alloc(nsb_arena *a, size_t size)
{
        size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
        struct nsb_arena_block *b = a->blocks;
        if (!b || b->size - b->used < size) {
                size_t cap = size > (size_t) 64 * 1024 ? size : (size_t) 64 * 1024;
                b = malloc(sizeof(*b) + cap);
                if (!b)
                        return NULL;
                b->size = cap;
                b->used = 0;
                b->next = a->blocks;
                a->blocks = b;
        }
        void *p = (char *) b->data + b->used;
        b->used += size;
        return p;
}

char *arena_strndup(nsb_arena *a, const char *s, size_t n)
{
        char *p = arena_alloc(a, n + 1);
        if (!p)
                return NULL;
        memcpy(p, s, n);
        p[n] = '\0';
        return p;
}

char *arena_strdup(nsb_arena *a, const char *s)
{
        return arena_strndup(a, s, strlen(s));
}

void arena_free(nsb_arena *a)
{
        while (a->blocks) {
                struct nsb_arena_block *next = a->blocks->next;
                free(a->blocks);
                a->blocks = next;
        }
}

/* ---- paths ---- */

bool path_is_normal_absolute(const char *path)
{
        if (!path || path[0] != '/')
                return false;
        if (path[1] == '\0')
                return true;
        const char *p = path + 1;
        for (;;) {
                const char *slash = strchrnul(p, '/');
                size_t len = (size_t) (slash - p);
                if (len == 0 || (len == 1 && p[0] == '.') ||
                    (len == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                if (*slash == '\0')
                        return true;
                p = slash + 1;
        }
}

char *path_dirname(const char *path)
{
        const char *slash = strrchr(path, '/');
        if (!slash)
                return strdup(".");
        return slash == path ? strdup("/") : strndup(path, (size_t) (slash - path));
}

const char *path_basename(const char *path)
{
        const char *s = strrchr(path, '/');
        return s ? s + 1 : path;
}

/* ---- I/O ---- */

int read_small_at(int dirfd, const char *path, char *buf, size_t size)
{
        int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return -errno;
        size_t got = 0;
        int r = 0;
        while (got + 1 < size) {
                ssize_t n = read(fd, buf + got, size - 1 - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        break;
                }
                if (n == 0)
                        break;
                got += (size_t) n;
        }
        close(fd);
        if (r < 0)
                return r;
        buf[got] = '\0';
        return (int) got;
}

int nsb_lines_open(nsb_lines *l, const char *path)
{
        *l = (nsb_lines){ .fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY) };
        if (l->fd < 0)
                return -errno;
        l->size = 16384;
        if (!(l->buf = malloc(l->size))) {
                close_and_invalidate(&l->fd);
                return -ENOMEM;
        }
        return 0;
}

char *nsb_lines_next(nsb_lines *l)
{
        for (;;) {
                char *nl = l->end > l->start ? memchr(l->buf + l->start, '\n', l->end - l->start) : NULL;
                if (nl || (l->fd < 0 && l->end > l->start)) {
                        /* A last line without its newline ends at the end. */
                        char *line = l->buf + l->start;
                        if (nl)
                                *nl = '\0';
                        else
                                l->buf[l->end] = '\0';
                        l->start = nl ? (size_t) (nl - l->buf) + 1 : l->end;
                        return line;
                }
                if (l->fd < 0)
                        return NULL;
                /* What is left to the front; the buffer doubled when a
                 * line fills it (one byte kept for the NUL). */
                memmove(l->buf, l->buf + l->start, l->end - l->start);
                l->end -= l->start;
                l->start = 0;
                if (l->end + 1 >= l->size) {
                        char *bigger = l->size < SIZE_MAX / 2 ? realloc(l->buf, l->size * 2) : NULL;
                        if (!bigger) {
                                l->err = -ENOMEM;
                                close_and_invalidate(&l->fd);
                                return NULL;
                        }
                        l->buf = bigger;
                        l->size *= 2;
                }
                ssize_t n = read(l->fd, l->buf + l->end, l->size - 1 - l->end);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        l->err = -errno;
                        l->end = l->start = 0;
                }
                if (n <= 0)
                        close_and_invalidate(&l->fd);
                else
                        l->end += (size_t) n;
        }
}

void nsb_lines_close(nsb_lines *l)
{
        close_and_invalidate(&l->fd);
        free(l->buf);
        l->buf = NULL;
}

int write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

uint64_t now_ns(void)
{
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

/* ---- directories ---- */

int mkdir_p(const char *path, mode_t mode)
{
        char buf[PATH_MAX];
        if (snprintf(buf, sizeof(buf), "%s", path) >= (int) sizeof(buf))
                return -ENAMETOOLONG;
        for (char *p = buf + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(buf, mode) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int chmod_at_nofollow(int dirfd, const char *name, mode_t mode, const struct stat *expect)
{
        /* An O_PATH fd pins the inode without opening it (so also one its
         * owner left unreadable) and never follows the last component. */
        _cleanup_close_ int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        if (S_ISLNK(st.st_mode))
                return -ELOOP;
        if (expect && (st.st_dev != expect->st_dev || st.st_ino != expect->st_ino))
                return -ESTALE;
        /* chmod has no fd form for O_PATH: through /proc's link to that
         * very inode, else fchmodat2 on the fd itself (Linux 6.6). */
        char path[32];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        if (chmod(path, mode) == 0)
                return 0;
        if (errno != ENOENT)
                return -errno;
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
        if (syscall(452 /* fchmodat2 */, fd, "", mode, AT_EMPTY_PATH) == 0)
                return 0;
        return errno == ENOSYS ? -ENOENT : -errno;
}

/* Whether we may search and write any directory whatever its mode
 * (CAP_DAC_OVERRIDE, effective; root in a container may lack it).  The
 * raw call: this layer has no libcap.  Asked once a process. */
static bool dac_override(void)
{
        static atomic_int cached; /* 0 unknown, 1 no, 2 yes */
        int v = atomic_load_explicit(&cached, memory_order_relaxed);
        if (v)
                return v == 2;
        struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
        struct __user_cap_data_struct data[2] = { { 0 }, { 0 } };
        bool yes = syscall(SYS_capget, &hdr, data) == 0 &&
                   (data[CAP_DAC_OVERRIDE / 32].effective & (1U << (CAP_DAC_OVERRIDE % 32)));
        atomic_store_explicit(&cached, yes ? 2 : 1, memory_order_relaxed);
        return yes;
}

/* Bottom-up over the walker (walk.h): whatever the depth or the width, the
 * stack and the fds used stay the same, and removal goes on past an entry
 * it cannot remove so that as little as possible is left. */
int rm_rf_at(int dirfd, const char *name)
{
        if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
                return 0;
        if (errno != EISDIR && errno != EPERM)
                return -errno;

        _cleanup_(nsb_walk_freep) nsb_walk *w = NULL;
        int r = nsb_walk_open(dirfd, name, -1, NULL, 0, &w);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        int first = 0;
        const nsb_walk_entry *e;
        while ((r = nsb_walk_next(w, &e)) > 0) {
                int q = 0;
                switch (e->event) {
                case NSB_WALK_FILE:
                        q = unlinkat(e->dirfd, e->name, 0) < 0 && errno != ENOENT ? -errno : 0;
                        break;
                case NSB_WALK_DIR_PRE:
                        /* The builder may have removed its own permissions
                         * from a directory it owns (CVE-2025-52992): give
                         * them back before descending (root needs none),
                         * to exactly the directory seen, never through a
                         * symlink swapped in since. */
                        if (!dac_override() && (e->st.st_mode & 0700) != 0700 &&
                            (q = chmod_at_nofollow(e->dirfd, e->name, 0700, &e->st)) < 0)
                                nsb_walk_skip(w);
                        break;
                case NSB_WALK_DIR_POST:
                        q = unlinkat(e->dirfd, e->name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -errno : 0;
                        break;
                }
                if (q < 0 && first == 0)
                        first = q;
        }
        return r < 0 ? r : first;
}
