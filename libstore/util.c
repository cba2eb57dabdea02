/* util.c - small helpers shared by the library. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util.h"

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

const char *path_basename(const char *path)
{
        const char *s = strrchr(path, '/');
        return s ? s + 1 : path;
}

/* ---- I/O ---- */

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

/* ---- removal ---- */

static int rm_rf_children(int dfd)
{
        int r = 0;
        /* fdopendir() takes ownership of the fd it is given; dup it so that
         * the caller's fd stays valid for the final unlinkat(). */
        int dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
        if (dup_fd < 0)
                return -errno;
        DIR *d = fdopendir(dup_fd);
        if (!d) {
                r = -errno;
                close(dup_fd);
                return r;
        }
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                int q = rm_rf_at(dfd, de->d_name);
                if (q < 0 && r == 0)
                        r = q;
        }
        if (errno != 0 && r == 0)
                r = -errno;
        closedir(d);
        return r;
}

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

int rm_rf_at(int dirfd, const char *name)
{
        if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
                return 0;
        if (errno != EISDIR && errno != EPERM)
                return -errno;

        /* A directory.  O_NOFOLLOW|O_DIRECTORY: if the builder swapped it for
         * a symlink in the meantime we fail instead of following it. */
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (errno == EACCES) {
                        /* The builder removed its own permissions from a
                         * directory it owns (CVE-2025-52992): give them back
                         * before descending.  fchmodat follows no symlink for
                         * the last component on a directory we cannot open. */
                        struct stat st;
                        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                                return -errno;
                        if (!S_ISDIR(st.st_mode))
                                return -ENOTDIR;
                        if (fchmodat(dirfd, name, 0700, 0) < 0)
                                return -errno;
                        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                }
                if (fd < 0)
                        return errno == ENOENT ? 0 : -errno;
        }
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if ((st.st_mode & 0700) != 0700 && fchmod(fd, 0700) < 0)
                return -errno;
        int r = rm_rf_children(fd);
        if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return r < 0 ? r : -errno;
        return r;
}
