/* copy.c - copy or hard-link a file tree, relative to directory fds.
 *
 * Used where no mount can place a host path into the sandbox (the chroot
 * tier) and to move an output across filesystems.  Symlinks are copied as
 * symlinks and never followed; every step is relative to an fd opened with
 * O_NOFOLLOW. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"

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

static int copy_owner(int dfd, const char *name, const struct stat *st, int flags)
{
        if (geteuid() != 0)
                return 0;
        return fchownat(dfd, name, st->st_uid, st->st_gid, flags) < 0 ? -errno : 0;
}

int nsb_copy_tree_at(int src_dfd, const char *src_name, int dst_dfd, const char *dst_name, unsigned flags)
{
        struct stat st;
        int r;
        if (fstatat(src_dfd, src_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;

        if (S_ISLNK(st.st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlinkat(src_dfd, src_name, target, sizeof(target) - 1);
                if (n < 0)
                        return -errno;
                target[n] = '\0';
                if (symlinkat(target, dst_dfd, dst_name) < 0)
                        return -errno;
                return copy_owner(dst_dfd, dst_name, &st, AT_SYMLINK_NOFOLLOW);
        }

        if (S_ISREG(st.st_mode)) {
                if ((flags & NSB_COPY_LINK) && linkat(src_dfd, src_name, dst_dfd, dst_name, 0) == 0)
                        return 0;
                int in = openat(src_dfd, src_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                if (in < 0)
                        return -errno;
                int out = openat(dst_dfd, dst_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                 st.st_mode & 07777);
                if (out < 0) {
                        r = -errno;
                        close(in);
                        return r;
                }
                r = copy_file_contents(in, out, st.st_size);
                if (r == 0 && geteuid() == 0 && fchown(out, st.st_uid, st.st_gid) < 0)
                        r = -errno;
                /* After the chown, which clears setuid bits. */
                if (r == 0 && fchmod(out, st.st_mode & 07777) < 0)
                        r = -errno;
                close(in);
                close(out);
                return r;
        }

        if (S_ISDIR(st.st_mode)) {
                if (mkdirat(dst_dfd, dst_name, 0700) < 0)
                        return -errno;
                int sfd = openat(src_dfd, src_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sfd < 0)
                        return -errno;
                int dfd = openat(dst_dfd, dst_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dfd < 0) {
                        r = -errno;
                        close(sfd);
                        return r;
                }
                DIR *d = fdopendir(sfd);
                if (!d) {
                        r = -errno;
                        close(sfd);
                        close(dfd);
                        return r;
                }
                r = 0;
                struct dirent *de;
                while (r == 0 && (errno = 0, de = readdir(d)))
                        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                                r = nsb_copy_tree_at(sfd, de->d_name, dfd, de->d_name, flags);
                if (r == 0 && errno)
                        r = -errno;
                closedir(d);
                if (r == 0 && geteuid() == 0 && fchown(dfd, st.st_uid, st.st_gid) < 0)
                        r = -errno;
                if (r == 0 && fchmod(dfd, st.st_mode & 07777) < 0)
                        r = -errno;
                close(dfd);
                return r;
        }

        /* Device nodes, fifos, sockets: recreate where we may. */
        if (mknodat(dst_dfd, dst_name, st.st_mode, st.st_rdev) < 0)
                return -errno;
        return copy_owner(dst_dfd, dst_name, &st, AT_SYMLINK_NOFOLLOW);
}
