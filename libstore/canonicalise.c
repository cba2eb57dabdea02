/* canonicalise.c - make an output look the way a store keeps it.
 *
 * After a successful build every output is rewritten in place, before it is
 * moved to its final path: owned by the invoking user, mtime 1 (the epoch
 * plus one second, as Nix does, so that tools treating 0 as "unknown" do not
 * trip), modes 0444 or 0555 for files (0555 when the owner could execute)
 * and 0555 for directories, so no write, setuid, setgid or sticky bit; no
 * extended attribute and so no ACL.  Only regular files, directories and
 * symlinks may appear.
 *
 * A regular file with links outside the output (a builder may hard-link an
 * input where the filesystem allows, as in the chroot tier) is replaced by
 * a copy first: changing its owner or mode in place would change the file
 * outside.  Links inside the output are kept.
 *
 * Nothing runs as the builder any more (its namespace or uid has been
 * emptied), but the tree is still walked only through directory fds opened
 * with O_NOFOLLOW, never by path. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "hash.h"
#include "internal.h"

struct inode {
        dev_t dev;
        ino_t ino;
        nlink_t seen;
};

typedef struct canon {
        nsb_build *b;
        const char *output;     /* for messages */
        uid_t uid;
        gid_t gid;
        struct inode *inodes;   /* regular files with more than one link */
        size_t n_inodes, alloc;
        bool leave_top_writable;
} canon;

static int cmp_inode(const void *a, const void *b)
{
        const struct inode *x = a, *y = b;
        if (x->dev != y->dev)
                return x->dev < y->dev ? -1 : 1;
        return (x->ino > y->ino) - (x->ino < y->ino);
}

static int fail(canon *c, int err, const char *rel, const char *what)
{
        return nsb_fail(c->b, err, "canonicalise outputs", "cannot %s %s%s%s: %s", what, c->output,
                        strcmp(rel, ".") ? "/" : "", strcmp(rel, ".") ? rel + 2 : "", strerror(err));
}

static char *join(const char *rel, const char *name)
{
        char *s;
        return asprintf(&s, "%s/%s", rel, name) < 0 ? NULL : s;
}

typedef int (*node_fn)(canon *c, int dirfd, const char *name, const char *rel, unsigned depth);

/* Apply FN to every entry of the open directory FD (REL, for messages). */
static int for_each_child(canon *c, int fd, const char *rel, unsigned depth, node_fn fn)
{
        _cleanup_strv_free_ char **names = NULL;
        int r = nsb_list_dir(fd, &names);
        if (r < 0)
                return fail(c, -r, rel, "list");
        for (char **e = names; *e; e++) {
                _cleanup_free_ char *sub = join(rel, *e);
                if (!sub)
                        return nsb_fail(c->b, ENOMEM, "canonicalise outputs", "out of memory");
                if ((r = fn(c, fd, *e, sub, depth + 1)) < 0)
                        return r;
        }
        return 0;
}

/* Pass 1: how many links of each multiply-linked file lie in the output. */
static int count_links(canon *c, int dirfd, const char *name, const char *rel, unsigned depth)
{
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return fail(c, errno, rel, "inspect");
        if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
                if (c->n_inodes == c->alloc) {
                        size_t na = c->alloc ? c->alloc * 2 : 16;
                        struct inode *v = reallocarray(c->inodes, na, sizeof(*v));
                        if (!v)
                                return nsb_fail(c->b, ENOMEM, "canonicalise outputs", "out of memory");
                        c->inodes = v;
                        c->alloc = na;
                }
                c->inodes[c->n_inodes++] = (struct inode) { st.st_dev, st.st_ino, 1 };
                return 0;
        }
        if (!S_ISDIR(st.st_mode))
                return 0;
        if (depth >= NSB_TREE_MAX_DEPTH)
                return nsb_fail(c->b, ELOOP, "canonicalise outputs",
                                "output %s is nested deeper than %d directories", c->output, NSB_TREE_MAX_DEPTH);
        /* A builder may leave a directory it cannot read; we own it (or are
         * root), so make it ours to walk. */
        if (geteuid() != 0 && (st.st_mode & 0700) != 0700 && fchmodat(dirfd, name, 0700, 0) < 0)
                return fail(c, errno, rel, "open");
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return fail(c, errno, rel, "open");
        return for_each_child(c, fd, rel, depth, count_links);
}

static void finish_inode_table(canon *c)
{
        if (c->n_inodes < 2)
                return;
        qsort(c->inodes, c->n_inodes, sizeof(*c->inodes), cmp_inode);
        size_t o = 0;
        for (size_t i = 0; i < c->n_inodes; i++) {
                if (o && c->inodes[o - 1].dev == c->inodes[i].dev && c->inodes[o - 1].ino == c->inodes[i].ino)
                        c->inodes[o - 1].seen++;
                else
                        c->inodes[o++] = c->inodes[i];
        }
        c->n_inodes = o;
}

static bool linked_outside(const canon *c, const struct stat *st)
{
        if (st->st_nlink < 2)
                return false;
        struct inode key = { st->st_dev, st->st_ino, 0 };
        const struct inode *in = bsearch(&key, c->inodes, c->n_inodes, sizeof(key), cmp_inode);
        return !in || st->st_nlink > in->seen;
}

/* Replace NAME by a copy of itself with a link count of one. */
static int break_link(canon *c, int dirfd, const char *name, const char *rel)
{
        _cleanup_close_ int in = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (in < 0)
                return fail(c, errno, rel, "open");
        if (unlinkat(dirfd, name, 0) < 0)
                return fail(c, errno, rel, "unlink the hard link");
        _cleanup_close_ int out = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
                return fail(c, errno, rel, "copy");
        char buf[65536];
        for (;;) {
                ssize_t n = read(in, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return fail(c, errno, rel, "copy");
                if (n == 0)
                        break;
                int r = write_all(out, buf, (size_t) n);
                if (r < 0)
                        return fail(c, -r, rel, "copy");
        }
        return 0;
}

/* Remove every extended attribute of FD (ACLs are two of them).  The
 * SELinux label cannot be removed where a policy is loaded, and is not the
 * builder's doing. */
static int strip_xattrs(canon *c, int fd, const char *rel)
{
        char stack[1024];
        char *list = stack;
        _cleanup_free_ char *heap = NULL;
        ssize_t n = flistxattr(fd, stack, sizeof(stack));
        if (n < 0 && errno == ERANGE) {
                n = flistxattr(fd, NULL, 0);
                if (n > 0 && (heap = malloc((size_t) n)))
                        n = flistxattr(fd, list = heap, (size_t) n);
                else if (n > 0)
                        return nsb_fail(c->b, ENOMEM, "canonicalise outputs", "out of memory");
        }
        if (n < 0)
                return errno == ENOTSUP ? 0 : fail(c, errno, rel, "list the extended attributes of");
        for (ssize_t i = 0; i < n; i += (ssize_t) strlen(list + i) + 1) {
                const char *attr = list + i;
                if (strcmp(attr, "security.selinux") == 0)
                        continue;
                if (fremovexattr(fd, attr) < 0 && errno != ENODATA)
                        return fail(c, errno, rel, "remove an extended attribute from");
        }
        return 0;
}

static const struct timespec mtime_one[2] = { { .tv_sec = 1 }, { .tv_sec = 1 } };

/* Pass 2, bottom-up: a directory is finished after what it holds, since
 * changing an entry changes its directory's mtime. */
static int canonicalise_node(canon *c, int dirfd, const char *name, const char *rel, unsigned depth)
{
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return fail(c, errno, rel, "inspect");

        if (S_ISLNK(st.st_mode)) {
                if (fchownat(dirfd, name, c->uid, c->gid, AT_SYMLINK_NOFOLLOW) < 0)
                        return fail(c, errno, rel, "chown");
                if (utimensat(dirfd, name, mtime_one, AT_SYMLINK_NOFOLLOW) < 0)
                        return fail(c, errno, rel, "set the time of");
                return 0;
        }

        if (S_ISREG(st.st_mode)) {
                if (linked_outside(c, &st)) {
                        int r = break_link(c, dirfd, name, rel);
                        if (r < 0)
                                return r;
                }
                mode_t mode = (st.st_mode & S_IXUSR) ? 0555 : 0444;
                /* Make it readable to us before opening it: a builder may
                 * have left it 0000. */
                if (geteuid() != 0 && fchmodat(dirfd, name, 0600, 0) < 0)
                        return fail(c, errno, rel, "chmod");
                _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return fail(c, errno, rel, "open");
                int r = strip_xattrs(c, fd, rel);
                if (r < 0)
                        return r;
                /* chown clears setuid and setgid; the mode is set after it. */
                if (fchown(fd, c->uid, c->gid) < 0)
                        return fail(c, errno, rel, "chown");
                if (fchmod(fd, mode) < 0)
                        return fail(c, errno, rel, "chmod");
                if (futimens(fd, mtime_one) < 0)
                        return fail(c, errno, rel, "set the time of");
                return 0;
        }

        if (!S_ISDIR(st.st_mode)) {
                const char *kind = S_ISFIFO(st.st_mode)   ? "a FIFO"
                                   : S_ISSOCK(st.st_mode) ? "a socket"
                                   : S_ISCHR(st.st_mode)  ? "a character device"
                                   : S_ISBLK(st.st_mode)  ? "a block device"
                                                          : "a special file";
                return nsb_fail(c->b, ENOTSUP, "canonicalise outputs",
                                "output %s contains %s at %s; outputs may hold only files, directories and symlinks",
                                c->output, kind, rel);
        }

        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return fail(c, errno, rel, "open");
        /* Writable while its entries change. */
        if (fchmod(fd, 0700) < 0)
                return fail(c, errno, rel, "chmod");
        int r = for_each_child(c, fd, rel, depth, canonicalise_node);
        if (r < 0)
                return r;
        if ((r = strip_xattrs(c, fd, rel)) < 0)
                return r;
        if (fchown(fd, c->uid, c->gid) < 0)
                return fail(c, errno, rel, "chown");
        if (depth == 0 && c->leave_top_writable)
                return 0; /* the caller moves it, then calls nsb_canonicalise_top_at() */
        if (fchmod(fd, 0555) < 0)
                return fail(c, errno, rel, "chmod");
        if (futimens(fd, mtime_one) < 0)
                return fail(c, errno, rel, "set the time of");
        return 0;
}

int nsb_canonicalise_at(nsb_build *b, int dirfd, const char *name, const char *output, bool leave_top_writable)
{
        canon c = { .b = b, .output = output, .uid = geteuid(), .gid = getegid(),
                    .leave_top_writable = leave_top_writable };
        int r = count_links(&c, dirfd, name, ".", 0);
        if (r >= 0) {
                finish_inode_table(&c);
                r = canonicalise_node(&c, dirfd, name, ".", 0);
        }
        free(c.inodes);
        return r;
}

int nsb_canonicalise_top_at(nsb_build *b, int dirfd, const char *name, const char *output)
{
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return nsb_fail(b, errno, "canonicalise outputs", "cannot inspect %s: %s", output, strerror(errno));
        if (S_ISDIR(st.st_mode) && fchmodat(dirfd, name, 0555, 0) < 0)
                return nsb_fail(b, errno, "canonicalise outputs", "cannot chmod %s: %s", output, strerror(errno));
        if (utimensat(dirfd, name, mtime_one, AT_SYMLINK_NOFOLLOW) < 0)
                return nsb_fail(b, errno, "canonicalise outputs", "cannot set the time of %s: %s", output,
                                strerror(errno));
        return 0;
}
