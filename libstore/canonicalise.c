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
 * Outputs that are not a store's (`nsbuild run --output`) are made safe
 * for the caller instead: owned by it, no setuid, setgid or sticky bit, no
 * group or world write, no ACL or file capability, hard links to outside
 * broken the same way; everything else (modes, times) is kept.
 *
 * Nothing runs as the builder any more (its namespace or uid has been
 * emptied), but the tree is still walked only through directory fds opened
 * with O_NOFOLLOW, never by path, and iteratively (walk.h): the builder
 * chose its depth and width. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "hash.h"
#include "internal.h"
#include "walk.h"

struct inode {
        dev_t dev;
        ino_t ino;
        nlink_t seen;
};

typedef struct canon {
        nsb_build *b;
        const char *output;     /* for messages */
        nsb_canon_mode mode;
        uid_t uid;
        gid_t gid;
        struct inode *inodes;   /* regular files with more than one link */
        size_t n_inodes, alloc;
        bool leave_top_writable;
        mode_t top_mode;        /* the top's mode as the builder left it */
        nsb_walk *w;            /* the walk in progress, for messages */
} canon;

static int cmp_inode(const void *a, const void *b)
{
        const struct inode *x = a, *y = b;
        if (x->dev != y->dev)
                return x->dev < y->dev ? -1 : 1;
        return (x->ino > y->ino) - (x->ino < y->ino);
}

static int fail(canon *c, int err, const char *what)
{
        _cleanup_free_ char *rel = c->w ? nsb_walk_path(c->w) : NULL;
        bool top = !rel || strcmp(rel, ".") == 0;
        return nsb_fail(c->b, err, "canonicalise outputs", "cannot %s %s%s%s: %s", what, c->output, top ? "" : "/",
                        top ? "" : rel + 2, strerror(err));
}

static int out_of_memory(canon *c)
{
        return nsb_fail(c->b, ENOMEM, "canonicalise outputs", "out of memory");
}

/* A directory the builder left without permissions for its owner: we own
 * it (or are root), so make it ours to walk and change, before the walk
 * opens it. */
static int make_accessible(canon *c, const nsb_walk_entry *e)
{
        /* Root (CAP_DAC_OVERRIDE) reads and changes any directory as it
         * is. */
        if (nsb_cap_held(1 /* CAP_DAC_OVERRIDE */) || (e->st.st_mode & 0700) == 0700)
                return 0;
        int r = chmod_at_nofollow(e->dirfd, e->name, (e->st.st_mode & 0777) | 0700, &e->st);
        return r < 0 ? fail(c, -r, "open") : 0;
}

/* Pass 1: how many links of each multiply-linked file lie in the output. */
static int count_links(canon *c, const nsb_walk_entry *e)
{
        if (e->depth == 0 && e->event != NSB_WALK_DIR_POST)
                c->top_mode = e->st.st_mode;
        if (e->event == NSB_WALK_DIR_PRE)
                return make_accessible(c, e);
        if (e->event != NSB_WALK_FILE || !S_ISREG(e->st.st_mode) || e->st.st_nlink < 2)
                return 0;
        if (c->n_inodes == c->alloc) {
                size_t na = c->alloc ? c->alloc * 2 : 16;
                struct inode *v = reallocarray(c->inodes, na, sizeof(*v));
                if (!v)
                        return out_of_memory(c);
                c->inodes = v;
                c->alloc = na;
        }
        c->inodes[c->n_inodes++] = (struct inode) { e->st.st_dev, e->st.st_ino, 1 };
        return 0;
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
static int break_link(canon *c, int dirfd, const char *name)
{
        _cleanup_close_ int in = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (in < 0)
                return fail(c, errno, "open");
        if (unlinkat(dirfd, name, 0) < 0)
                return fail(c, errno, "unlink the hard link");
        _cleanup_close_ int out = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
                return fail(c, errno, "copy");
        char buf[65536];
        for (;;) {
                ssize_t n = read(in, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return fail(c, errno, "copy");
                if (n == 0)
                        break;
                int r = write_all(out, buf, (size_t) n);
                if (r < 0)
                        return fail(c, -r, "copy");
        }
        return 0;
}

/* The extended attributes a safe output loses: those that grant access or
 * privileges. */
static bool attr_grants(const char *attr)
{
        return strcmp(attr, "security.capability") == 0 || strcmp(attr, "system.posix_acl_access") == 0 ||
               strcmp(attr, "system.posix_acl_default") == 0;
}

/* Remove the extended attributes of FD the mode calls for: every one for a
 * store (ACLs are two of them), but the SELinux label, which cannot be
 * removed where a policy is loaded and is not the builder's doing. */
static int strip_xattrs(canon *c, int fd)
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
                        return out_of_memory(c);
        }
        if (n < 0)
                return errno == ENOTSUP ? 0 : fail(c, errno, "list the extended attributes of");
        for (ssize_t i = 0; i < n; i += (ssize_t) strlen(list + i) + 1) {
                const char *attr = list + i;
                if (c->mode == NSB_CANON_STORE ? strcmp(attr, "security.selinux") == 0 : !attr_grants(attr))
                        continue;
                if (fremovexattr(fd, attr) < 0 && errno != ENODATA)
                        return fail(c, errno, "remove an extended attribute from");
        }
        return 0;
}

static const struct timespec mtime_one[2] = { { .tv_sec = 1 }, { .tv_sec = 1 } };

/* What a file or directory of mode MODE becomes. */
static mode_t final_mode(const canon *c, mode_t mode, bool dir)
{
        if (c->mode == NSB_CANON_SAFE)
                return mode & 0755;
        return dir || (mode & S_IXUSR) ? 0555 : 0444;
}

static const char *special_kind(mode_t mode)
{
        return S_ISFIFO(mode)   ? "a FIFO"
               : S_ISSOCK(mode) ? "a socket"
               : S_ISCHR(mode)  ? "a character device"
               : S_ISBLK(mode)  ? "a block device"
                                : "a special file";
}

static int canonicalise_file(canon *c, const nsb_walk_entry *e)
{
        const struct stat *st = &e->st;
        if (S_ISLNK(st->st_mode)) {
                if (fchownat(e->dirfd, e->name, c->uid, c->gid, AT_SYMLINK_NOFOLLOW) < 0)
                        return fail(c, errno, "chown");
                if (c->mode == NSB_CANON_STORE && utimensat(e->dirfd, e->name, mtime_one, AT_SYMLINK_NOFOLLOW) < 0)
                        return fail(c, errno, "set the time of");
                return 0;
        }
        if (!S_ISREG(st->st_mode)) {
                if (c->mode == NSB_CANON_STORE) {
                        _cleanup_free_ char *rel = nsb_walk_path(c->w);
                        return nsb_fail(c->b, ENOTSUP, "canonicalise outputs",
                                        "output %s contains %s at %s; outputs may hold only files, directories and "
                                        "symlinks",
                                        c->output, special_kind(st->st_mode), rel ? rel : "");
                }
                /* A FIFO or socket of the caller's, without the bits. */
                if (fchownat(e->dirfd, e->name, c->uid, c->gid, AT_SYMLINK_NOFOLLOW) < 0)
                        return fail(c, errno, "chown");
                int r = chmod_at_nofollow(e->dirfd, e->name, final_mode(c, st->st_mode, false), st);
                return r < 0 ? fail(c, -r, "chmod") : 0;
        }

        struct stat copied;
        if (linked_outside(c, st)) {
                int r = break_link(c, e->dirfd, e->name);
                if (r < 0)
                        return r;
                /* The copy is the file from now on. */
                if (fstatat(e->dirfd, e->name, &copied, AT_SYMLINK_NOFOLLOW) < 0)
                        return fail(c, errno, "inspect");
                copied.st_mode = (copied.st_mode & S_IFMT) | (st->st_mode & 07777);
                copied.st_atim = st->st_atim;
                copied.st_mtim = st->st_mtim;
                st = &copied;
        }
        /* Make it readable to us before opening it: a builder may have left
         * it 0000. */
        int q = !nsb_cap_held(1 /* CAP_DAC_OVERRIDE */) ? chmod_at_nofollow(e->dirfd, e->name, 0600, st) : 0;
        if (q < 0)
                return fail(c, -q, "chmod");
        /* Never blocking (a FIFO swapped in for the file), and the file
         * seen, or nothing. */
        _cleanup_close_ int fd = openat(e->dirfd, e->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        struct stat now;
        if (fd < 0 || fstat(fd, &now) < 0)
                return fail(c, errno, "open");
        if (now.st_dev != st->st_dev || now.st_ino != st->st_ino)
                return fail(c, ESTALE, "open (it was replaced meanwhile)");
        int r = strip_xattrs(c, fd);
        if (r < 0)
                return r;
        /* chown clears setuid and setgid; the mode is set after it. */
        if (fchown(fd, c->uid, c->gid) < 0)
                return fail(c, errno, "chown");
        if (fchmod(fd, final_mode(c, st->st_mode, false)) < 0)
                return fail(c, errno, "chmod");
        /* A safe output keeps its times, which the copy of a link lost. */
        const struct timespec kept[2] = { st->st_atim, st->st_mtim };
        if (futimens(fd, c->mode == NSB_CANON_STORE ? mtime_one : kept) < 0)
                return fail(c, errno, "set the time of");
        return 0;
}

/* A directory is finished after what it holds (DIR_POST), since changing
 * an entry changes its directory's mtime; on the way in it is made
 * writable, while its entries change. */
static int canonicalise_entry(canon *c, const nsb_walk_entry *e)
{
        switch (e->event) {
        case NSB_WALK_FILE:
                return canonicalise_file(c, e);
        case NSB_WALK_DIR_PRE:
                /* Without root, its owner must be able to change its
                 * entries. */
                return make_accessible(c, e);
        case NSB_WALK_DIR_POST:
                break;
        }
        int r = strip_xattrs(c, e->fd);
        if (r < 0)
                return r;
        if (fchown(e->fd, c->uid, c->gid) < 0)
                return fail(c, errno, "chown");
        if (e->depth == 0 && c->leave_top_writable) {
                /* The caller moves it, then calls nsb_canonicalise_top_at();
                 * meanwhile it is its owner's alone, or anyone the builder
                 * let write there could still add to it. */
                if (fchmod(e->fd, 0700) < 0)
                        return fail(c, errno, "chmod");
                return 0;
        }
        if (fchmod(e->fd, final_mode(c, e->st.st_mode, true)) < 0)
                return fail(c, errno, "chmod");
        if (c->mode == NSB_CANON_STORE && futimens(e->fd, mtime_one) < 0)
                return fail(c, errno, "set the time of");
        return 0;
}

static int walk(canon *c, int dirfd, const char *name, int (*fn)(canon *c, const nsb_walk_entry *e))
{
        _cleanup_(nsb_walk_freep) nsb_walk *w = NULL;
        int r = nsb_walk_open(dirfd, name, -1, NULL, NSB_WALK_STAT, &w);
        if (r < 0)
                return fail(c, -r, "inspect");
        c->w = w;
        const nsb_walk_entry *e;
        while ((r = nsb_walk_next(w, &e)) > 0)
                if ((r = fn(c, e)) < 0)
                        break; /* fn said why */
        if (r < 0 && !c->b->error_errno)
                r = fail(c, -r, r == -ESTALE ? "walk (a directory was moved during the walk)" : "walk");
        c->w = NULL;
        return r;
}

int nsb_canonicalise_at(nsb_build *b, int dirfd, const char *name, const char *output, nsb_canon_mode mode,
                        bool leave_top_writable, mode_t *ret_top_mode)
{
        canon c = { .b = b, .output = output, .mode = mode, .uid = geteuid(), .gid = getegid(),
                    .leave_top_writable = leave_top_writable };
        b->error_errno = 0;
        int r = walk(&c, dirfd, name, count_links);
        if (r >= 0) {
                finish_inode_table(&c);
                r = walk(&c, dirfd, name, canonicalise_entry);
        }
        free(c.inodes);
        if (ret_top_mode)
                *ret_top_mode = c.top_mode;
        return r;
}

int nsb_canonicalise_top_at(nsb_build *b, int dirfd, const char *name, const char *output, nsb_canon_mode mode,
                            mode_t builder_mode)
{
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return nsb_fail(b, errno, "canonicalise outputs", "cannot inspect %s: %s", output, strerror(errno));
        canon c = { .mode = mode };
        int r = S_ISDIR(st.st_mode) ? chmod_at_nofollow(dirfd, name, final_mode(&c, builder_mode, true), &st) : 0;
        if (r < 0)
                return nsb_fail(b, -r, "canonicalise outputs", "cannot chmod %s: %s", output, strerror(-r));
        if (mode == NSB_CANON_STORE && utimensat(dirfd, name, mtime_one, AT_SYMLINK_NOFOLLOW) < 0)
                return nsb_fail(b, errno, "canonicalise outputs", "cannot set the time of %s: %s", output,
                                strerror(errno));
        return 0;
}
