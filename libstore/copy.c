/* copy.c - copy or hard-link a file tree, relative to directory fds.
 *
 * Used where no mount can place a host path into the sandbox (the chroot
 * tier) and to move an output across filesystems.  Symlinks are copied as
 * symlinks and never followed; every step is relative to an fd opened with
 * O_NOFOLLOW.
 *
 * An input of the chroot tier is copied read-only for its build user: a
 * hard link shares the host's inode, so only a regular file the build user
 * can neither write nor chmod there (not its own, no group or world write
 * bit, and so no ACL that grants writing: with an ACL the group bits are
 * its mask) is linked; everything else is copied, and no copy is the
 * build user's or writable by anyone but its owner. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"
#include "walk.h"

static int copy_file_contents(int in, int out, off_t size)
{
        while (size > 0) {
                ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t) size, 0);
                if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP))
                        n = sendfile(out, in, NULL, (size_t) size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break; /* the file shrank */
                size -= n;
        }
        return 0;
}

/* The owner and mode a copy gets: the original's, unless it is an input
 * for a build user to read, which then owns none of it and may write none
 * of it (what its owner could read, it reads as "other"). */
static void copy_attrs(const struct stat *st, const struct nsb_reader *ro, uid_t *uid, gid_t *gid, mode_t *mode)
{
        *uid = st->st_uid;
        *gid = st->st_gid;
        *mode = st->st_mode & 07777;
        if (!ro)
                return;
        *mode &= ~(mode_t) (S_ISUID | S_ISGID | S_IWGRP | S_IWOTH);
        if (*uid == ro->uid) {
                *uid = 0;
                *mode |= (*mode & (S_IRUSR | S_IXUSR)) >> 6;
        }
}

static int copy_owner(int dfd, const char *name, const struct stat *st, const struct nsb_reader *ro)
{
        if (!nsb_build_users())
                return 0;
        uid_t uid;
        gid_t gid;
        mode_t mode;
        copy_attrs(st, ro, &uid, &gid, &mode);
        return fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

/* Whether a hard link to the regular file ST shares nothing the build user
 * RO could change, and no setuid or setgid inode (a copy has neither bit;
 * the full tier binds inputs nosuid). */
static bool may_link(const struct stat *st, const struct nsb_reader *ro)
{
        return ro && st->st_uid != ro->uid && !(st->st_mode & (S_IWGRP | S_IWOTH | S_ISUID | S_ISGID));
}

/* One node that is not a directory: NAME below DFD, described by ST, to
 * DST_NAME below DST_DFD. */
static int copy_node(int dfd, const char *name, const struct stat *st, int dst_dfd, const char *dst_name,
                     unsigned flags, const struct nsb_reader *ro)
{
        if (S_ISLNK(st->st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
                if (n < 0)
                        return -errno;
                target[n] = '\0';
                if (symlinkat(target, dst_dfd, dst_name) < 0)
                        return -errno;
                return copy_owner(dst_dfd, dst_name, st, ro);
        }

        if (S_ISREG(st->st_mode)) {
                if (may_link(st, ro) && linkat(dfd, name, dst_dfd, dst_name, 0) == 0)
                        return 0;
                if ((flags & NSB_COPY_OWN_SOURCE) && !(st->st_mode & S_IRUSR) && fchmodat(dfd, name, 0600, 0) < 0)
                        return -errno;
                _cleanup_close_ int in = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                if (in < 0)
                        return -errno;
                _cleanup_close_ int out = openat(dst_dfd, dst_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                                 st->st_mode & 07777);
                if (out < 0)
                        return -errno;
                uid_t uid;
                gid_t gid;
                mode_t mode;
                copy_attrs(st, ro, &uid, &gid, &mode);
                int r = copy_file_contents(in, out, st->st_size);
                if (r == 0 && nsb_build_users() && fchown(out, uid, gid) < 0)
                        r = -errno;
                /* After the chown, which clears setuid bits. */
                if (r == 0 && fchmod(out, mode) < 0)
                        r = -errno;
                return r;
        }

        uid_t uid;
        gid_t gid;
        mode_t mode;
        copy_attrs(st, ro, &uid, &gid, &mode);
        /* A device node in a tree is never made again: the full tier binds
         * trees nodev, so that none opens, and a copy made as root would
         * hand the builder whatever device the tree names.  An empty file
         * no one may open keeps the name, and opening it fails (EACCES) as
         * a nodev node does.  (The sandbox's own /dev is made apart.) */
        if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
                _cleanup_close_ int fd = openat(dst_dfd, dst_name,
                                                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0);
                if (fd < 0)
                        return -errno;
                if (nsb_build_users() && fchown(fd, uid, gid) < 0)
                        return -errno;
                return 0;
        }
        /* Fifos and sockets: recreate. */
        if (mknodat(dst_dfd, dst_name, (st->st_mode & S_IFMT) | mode, st->st_rdev) < 0)
                return -errno;
        return copy_owner(dst_dfd, dst_name, st, ro);
}

/* Over the walker with a mirror (walk.h): a directory is made when it is
 * reached and given its owner and mode once everything in it is copied, so
 * that a read-only one can still be filled.  Any depth and width, in
 * bounded stack and fds. */
int nsb_copy_tree_at(int src_dfd, const char *src_name, int dst_dfd, const char *dst_name, unsigned flags,
                     const struct nsb_reader *read_only_for)
{
        const struct nsb_reader *ro = read_only_for;
        _cleanup_(nsb_walk_freep) nsb_walk *w = NULL;
        int r = nsb_walk_open(src_dfd, src_name, dst_dfd, dst_name, NSB_WALK_STAT, &w);
        if (r < 0)
                return r;
        const nsb_walk_entry *e;
        while ((r = nsb_walk_next(w, &e)) > 0) {
                switch (e->event) {
                case NSB_WALK_FILE:
                        r = copy_node(e->dirfd, e->name, &e->st, e->mirror_dirfd, e->mirror_name, flags, ro);
                        break;
                case NSB_WALK_DIR_PRE:
                        if ((flags & NSB_COPY_OWN_SOURCE) && (e->st.st_mode & 0700) != 0700 &&
                            fchmodat(e->dirfd, e->name, (e->st.st_mode & 07777) | 0700, 0) < 0)
                                r = -errno;
                        else
                                r = mkdirat(e->mirror_dirfd, e->mirror_name, 0700) < 0 ? -errno : 0;
                        break;
                case NSB_WALK_DIR_POST: {
                        uid_t uid;
                        gid_t gid;
                        mode_t mode;
                        copy_attrs(&e->st, ro, &uid, &gid, &mode);
                        r = 0;
                        if (nsb_build_users() && fchown(e->mirror_fd, uid, gid) < 0)
                                r = -errno;
                        else if (fchmod(e->mirror_fd, mode) < 0)
                                r = -errno;
                        break;
                }
                }
                if (r < 0)
                        return r;
        }
        return r;
}
