/* walk.c - an iterative walk over a file tree a builder made (walk.h). */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "util.h"
#include "walk.h"

struct name_ref {
        size_t off;             /* of the name in the frame's buffer */
        unsigned char type;     /* DT_* */
};

/* One directory on the current path: its listing and where we are in it. */
struct frame {
        char *buf;              /* the names, each NUL-terminated */
        struct name_ref *names;
        size_t n, next;
        dev_t dev, mirror_dev;
        ino_t ino, mirror_ino;
};

struct nsb_walk {
        unsigned flags;
        int top_dirfd, top_mirror_dirfd;
        char *top_name, *top_mirror_name;
        struct frame *frames;
        size_t depth, alloc;    /* frames[depth - 1] is the current directory */
        int fd, mirror_fd;      /* the current directory and its mirror, or -1 */
        int post_fd, post_mirror_fd; /* a finished directory, closed on the next call */
        bool started, done, descend;
        nsb_walk_entry e;
        struct stat top_st;
};

static int cmp_names(const void *a, const void *b, void *buf)
{
        return strcmp((const char *) buf + ((const struct name_ref *) a)->off,
                      (const char *) buf + ((const struct name_ref *) b)->off);
}

/* Read the whole directory FD into F.  getdents64 into a buffer on the
 * stack: no DIR stream, so no second fd and no 32 KiB allocation per
 * directory of a deep tree. */
static int list_directory(int fd, unsigned flags, struct frame *f)
{
        char dents[16384] __attribute__((aligned(8)));
        size_t used = 0, cap = 0, alloc = 0;
        for (;;) {
                long n = syscall(SYS_getdents64, fd, dents, sizeof(dents));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                for (long off = 0; off < n;) {
                        /* struct linux_dirent64, the kernel's layout. */
                        const struct {
                                // cppcheck-suppress unusedStructMember
                                uint64_t ino;
                                // cppcheck-suppress unusedStructMember
                                int64_t off;
                                unsigned short reclen;
                                unsigned char type;
                                char name[];
                        } *de = (const void *) (dents + off);
                        off += de->reclen;
                        const char *name = de->name;
                        if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
                                continue;
                        size_t len = strlen(name) + 1;
                        if (used + len > cap) {
                                size_t nc = cap ? cap * 2 : 1024;
                                while (nc < used + len)
                                        nc *= 2;
                                char *nb = realloc(f->buf, nc);
                                if (!nb)
                                        return -ENOMEM;
                                f->buf = nb;
                                cap = nc;
                        }
                        if (f->n == alloc) {
                                size_t na = alloc ? alloc * 2 : 16;
                                struct name_ref *nv = reallocarray(f->names, na, sizeof(*nv));
                                if (!nv)
                                        return -ENOMEM;
                                f->names = nv;
                                alloc = na;
                        }
                        memcpy(f->buf + used, name, len);
                        f->names[f->n++] = (struct name_ref) { .off = used, .type = de->type };
                        used += len;
                }
        }
        if ((flags & NSB_WALK_SORTED) && f->n > 1)
                qsort_r(f->names, f->n, sizeof(*f->names), cmp_names, f->buf);
        return 0;
}

static const char *frame_name(const struct frame *f, size_t i)
{
        return f->buf + f->names[i].off;
}

static void frame_clear(struct frame *f)
{
        free(f->buf);
        free(f->names);
        *f = (struct frame) { 0 };
}

int nsb_walk_open(int dirfd, const char *name, int mirror_dirfd, const char *mirror_name, unsigned flags,
                  nsb_walk **ret_walk)
{
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        nsb_walk *w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        *w = (nsb_walk) {
                .flags = flags, .top_dirfd = dirfd, .top_mirror_dirfd = mirror_dirfd,
                .fd = -1, .mirror_fd = -1, .post_fd = -1, .post_mirror_fd = -1, .top_st = st,
        };
        w->top_name = strdup(name);
        w->top_mirror_name = strdup(mirror_name ? mirror_name : name);
        if (!w->top_name || !w->top_mirror_name) {
                nsb_walk_free(w);
                return -ENOMEM;
        }
        *ret_walk = w;
        return 0;
}

/* The directory of the current frame, or the caller's at the top. */
static int current_dirfd(const nsb_walk *w)
{
        return w->depth ? w->fd : w->top_dirfd;
}

static int current_mirror_dirfd(const nsb_walk *w)
{
        return w->depth ? w->mirror_fd : w->top_mirror_dirfd;
}

/* Descend into the directory the last DIR_PRE named. */
static int descend(nsb_walk *w)
{
        const nsb_walk_entry *e = &w->e;
        if (w->depth == w->alloc) {
                size_t na = w->alloc ? w->alloc * 2 : 16;
                struct frame *nv = reallocarray(w->frames, na, sizeof(*nv));
                if (!nv)
                        return -ENOMEM;
                w->frames = nv;
                w->alloc = na;
        }
        struct frame f = { 0 };
        struct stat st;
        _cleanup_close_ int fd = openat(e->dirfd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        f.dev = st.st_dev;
        f.ino = st.st_ino;
        _cleanup_close_ int mfd = -1;
        if (w->top_mirror_dirfd >= 0) {
                mfd = openat(e->mirror_dirfd, e->mirror_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (mfd < 0 || fstat(mfd, &st) < 0)
                        return -errno;
                f.mirror_dev = st.st_dev;
                f.mirror_ino = st.st_ino;
        }
        int r = list_directory(fd, w->flags, &f);
        if (r < 0) {
                frame_clear(&f);
                return r;
        }
        /* Only the new directory stays open: the way back is "..". */
        if (w->depth) {
                close_and_invalidate(&w->fd);
                close_and_invalidate(&w->mirror_fd);
        }
        w->frames[w->depth++] = f;
        /* TAKE_FD leaves -1 behind for the cleanup handler, which cppcheck
         * does not see reading it. */
        // cppcheck-suppress unreadVariable
        w->fd = TAKE_FD(fd);
        // cppcheck-suppress unreadVariable
        w->mirror_fd = TAKE_FD(mfd);
        return 0;
}

/* Open the parent of directory FD, which must be the directory DEV:INO. */
static int open_parent(int fd, dev_t dev, ino_t ino)
{
        int pfd = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (pfd < 0)
                return -errno;
        if (fstat(pfd, &st) < 0) {
                int r = -errno;
                close(pfd);
                return r;
        }
        if (st.st_dev != dev || st.st_ino != ino) {
                /* The directory was moved elsewhere while we were in it. */
                close(pfd);
                return -ESTALE;
        }
        return pfd;
}

/* Leave the finished current directory: the DIR_POST entry. */
static int ascend(nsb_walk *w)
{
        nsb_walk_entry *e = &w->e;
        int pfd = -1, pmfd = -1;
        if (w->depth > 1) {
                const struct frame *parent = &w->frames[w->depth - 2];
                pfd = open_parent(w->fd, parent->dev, parent->ino);
                if (pfd < 0)
                        return pfd;
                if (w->mirror_fd >= 0) {
                        pmfd = open_parent(w->mirror_fd, parent->mirror_dev, parent->mirror_ino);
                        if (pmfd < 0) {
                                close(pfd);
                                return pmfd;
                        }
                }
        }
        *e = (nsb_walk_entry) { .event = NSB_WALK_DIR_POST, .fd = w->fd, .mirror_fd = w->mirror_fd };
        if (fstat(w->fd, &e->st) < 0) {
                int r = -errno;
                closep(&pfd);
                closep(&pmfd);
                return r;
        }
        w->post_fd = w->fd;
        w->post_mirror_fd = w->mirror_fd;
        frame_clear(&w->frames[--w->depth]);
        w->fd = pfd;
        w->mirror_fd = pmfd;
        e->depth = (unsigned) w->depth;
        e->dirfd = current_dirfd(w);
        e->mirror_dirfd = current_mirror_dirfd(w);
        if (w->depth) {
                const struct frame *f = &w->frames[w->depth - 1];
                e->name = e->mirror_name = frame_name(f, f->next - 1);
        } else {
                e->name = w->top_name;
                e->mirror_name = w->top_mirror_name;
        }
        return 1;
}

int nsb_walk_next(nsb_walk *w, const nsb_walk_entry **ret_entry)
{
        int r;
        close_and_invalidate(&w->post_fd);
        close_and_invalidate(&w->post_mirror_fd);
        if (w->done)
                return 0;
        nsb_walk_entry *e = &w->e;
        if (!w->started) {
                w->started = true;
                *e = (nsb_walk_entry) {
                        .dirfd = w->top_dirfd, .name = w->top_name, .fd = -1,
                        .mirror_dirfd = w->top_mirror_dirfd, .mirror_name = w->top_mirror_name, .mirror_fd = -1,
                        .st = w->top_st,
                };
                if (S_ISDIR(e->st.st_mode)) {
                        e->event = NSB_WALK_DIR_PRE;
                        w->descend = true;
                } else {
                        e->event = NSB_WALK_FILE;
                        w->done = true;
                }
                *ret_entry = e;
                return 1;
        }
        if (w->descend) {
                w->descend = false;
                if ((r = descend(w)) < 0)
                        return r;
        }
        while (w->depth) {
                struct frame *f = &w->frames[w->depth - 1];
                if (f->next == f->n) {
                        r = ascend(w);
                        if (r > 0) {
                                *ret_entry = e;
                                if (!w->depth)
                                        w->done = true;
                        }
                        return r;
                }
                size_t i = f->next++;
                const char *name = frame_name(f, i);
                unsigned char type = f->names[i].type;
                *e = (nsb_walk_entry) {
                        .dirfd = w->fd, .name = name, .fd = -1,
                        .mirror_dirfd = w->mirror_fd, .mirror_name = name, .mirror_fd = -1,
                        .depth = (unsigned) w->depth,
                };
                if ((w->flags & NSB_WALK_STAT) || type == DT_DIR || type == DT_UNKNOWN) {
                        if (fstatat(w->fd, name, &e->st, AT_SYMLINK_NOFOLLOW) < 0) {
                                if (errno == ENOENT)
                                        continue; /* gone since the listing */
                                return -errno;
                        }
                } else
                        e->st.st_mode = DTTOIF(type);
                if (S_ISDIR(e->st.st_mode)) {
                        e->event = NSB_WALK_DIR_PRE;
                        w->descend = true;
                } else
                        e->event = NSB_WALK_FILE;
                *ret_entry = e;
                return 1;
        }
        w->done = true;
        return 0;
}

void nsb_walk_skip(nsb_walk *w)
{
        if (w->descend) {
                w->descend = false;
                if (!w->depth)
                        w->done = true; /* the top itself: nothing else */
        }
}

char *nsb_walk_path(const nsb_walk *w)
{
        /* The components of the current entry: the names the frames above
         * it are at. */
        unsigned depth = w->e.depth;
        if (!w->started || depth == 0 || depth > w->depth)
                return strdup(".");
        size_t total = 0;
        for (unsigned i = 0; i < depth; i++)
                total += strlen(frame_name(&w->frames[i], w->frames[i].next - 1)) + 1;
        /* Long paths keep their first and last components. */
        enum { HEAD = 96, TAIL = 320 };
        char *s = malloc(total + 8);
        /* "./" and the components: total bytes with their slashes. */
        if (!s)
                return NULL;
        size_t len = 0;
        s[len++] = '.';
        for (unsigned i = 0; i < depth; i++) {
                const char *n = frame_name(&w->frames[i], w->frames[i].next - 1);
                size_t nl = strlen(n);
                s[len++] = '/';
                memcpy(s + len, n, nl);
                len += nl;
        }
        s[len] = '\0';
        if (len > HEAD + TAIL + 8) {
                memmove(s + HEAD, "/\xe2\x80\xa6/", 5); /* "/…/" */
                memmove(s + HEAD + 5, s + len - TAIL, TAIL + 1);
        }
        return s;
}

void nsb_walk_free(nsb_walk *w)
{
        if (!w)
                return;
        for (size_t i = 0; i < w->depth; i++)
                frame_clear(&w->frames[i]);
        free(w->frames);
        if (w->depth) {
                closep(&w->fd);
                closep(&w->mirror_fd);
        }
        closep(&w->post_fd);
        closep(&w->post_mirror_fd);
        free(w->top_name);
        free(w->top_mirror_name);
        free(w);
}
