/* bind-mount.c - carry out the root plan with mounts (full tier, child).
 *
 * Every action is relative to the directory fd of its parent action, so no
 * path with more than one component is ever resolved in the new root and
 * no symlink there is followed.  Binds prefer the new mount API
 * (open_tree + mount_setattr + move_mount, Linux 5.12): the clone, its
 * read-only flag on every submount (AT_RECURSIVE) and the attach all work
 * on fds.  Older kernels get mount(MS_BIND) and a remount, through
 * /proc/self/fd paths of fds opened with O_NOFOLLOW.  That remount reaches
 * only the bind's top mount, so there a read-only bind is not recursive:
 * a submount of its source would stay writable, and is left out instead
 * (the directory under it shows, read-only like the rest). */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "compat/compat.h"
#include "internal.h"

/* "/proc/self/fd/<fd>" or "/proc/self/fd/<fd>/<name>", without snprintf. */
static const char *fd_path(char *buf, size_t size, int fd, const char *name)
{
        char digits[16];
        int n = 0;
        do {
                digits[n++] = (char) ('0' + fd % 10);
                fd /= 10;
        } while (fd > 0);
        static const char prefix[] = "/proc/self/fd/";
        size_t len = sizeof(prefix) - 1;
        size_t nlen = name ? strlen(name) + 1 : 0;
        if (len + (size_t) n + nlen + 1 > size)
                return NULL;
        memcpy(buf, prefix, len);
        while (n > 0)
                buf[len++] = digits[--n];
        if (name) {
                buf[len++] = '/';
                memcpy(buf + len, name, nlen - 1);
                len += nlen - 1;
        }
        buf[len] = '\0';
        return buf;
}

static unsigned long bind_flags(const nsb_action *a)
{
        unsigned long f = MS_NOSUID;
        if (a->flags & NSB_ACT_READONLY)
                f |= MS_RDONLY;
        if (!(a->flags & NSB_ACT_DEVICES))
                f |= MS_NODEV;
        return f;
}

/* The mount point: a directory for a directory, an empty file otherwise.
 * Inside a bound host directory it may exist already. */
static int make_mount_point(int pfd, const nsb_action *a)
{
        if (a->flags & NSB_ACT_DIR) {
                if (mkdirat(pfd, a->name, 0755) < 0 && errno != EEXIST)
                        return -errno;
        } else {
                int fd = openat(pfd, a->name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
                if (fd < 0)
                        return -errno;
                close(fd);
        }
        return 0;
}

/* Returns 0, a negative errno, or 1 when the kernel lacks the new API. */
static int bind_new_api(int pfd, const nsb_action *a)
{
        int tree = open_tree(AT_FDCWD, a->source,
                             OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW);
        if (tree < 0)
                return errno == ENOSYS ? 1 : -errno;
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_NOSUID };
        if (a->flags & NSB_ACT_READONLY)
                attr.attr_set |= MOUNT_ATTR_RDONLY;
        if (!(a->flags & NSB_ACT_DEVICES))
                attr.attr_set |= MOUNT_ATTR_NODEV;
        int r = 0;
        if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
                r = errno == ENOSYS ? 1 : -errno;
        else if ((r = make_mount_point(pfd, a)) == 0 &&
                 move_mount(tree, "", pfd, a->name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                r = -errno;
        close(tree);
        return r;
}

static int bind_old_api(int pfd, const nsb_action *a)
{
        char src[64], dst[64];
        int r = make_mount_point(pfd, a);
        if (r < 0)
                return r;
        int sfd = open(a->source, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (sfd < 0)
                return -errno;
        int tfd = openat(pfd, a->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (tfd < 0) {
                r = -errno;
                close(sfd);
                return r;
        }
        unsigned long recursive = (a->flags & NSB_ACT_READONLY) ? 0 : MS_REC;
        if (mount(fd_path(src, sizeof(src), sfd, NULL), fd_path(dst, sizeof(dst), tfd, NULL), NULL,
                  MS_BIND | recursive, NULL) < 0)
                r = -errno;
        close(sfd);
        close(tfd);
        if (r < 0)
                return r;
        /* Reopen: the new fd sees the bind, not the mount point under it. */
        tfd = openat(pfd, a->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (tfd < 0)
                return -errno;
        unsigned long flags = bind_flags(a);
        fd_path(dst, sizeof(dst), tfd, NULL);
        if (mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0) {
                /* Flags the source mount has locked (inside a user
                 * namespace) must be kept: retry with them. */
                struct statvfs sv;
                r = -errno;
                if (r == -EPERM && fstatvfs(tfd, &sv) == 0) {
                        unsigned long keep = sv.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME |
                                                          ST_NODIRATIME | ST_RELATIME | ST_RDONLY);
                        r = mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | flags | keep, NULL) < 0 ? -errno : 0;
                }
        }
        close(tfd);
        return r;
}

static int mount_fresh(int pfd, const nsb_action *a)
{
        char dst[PATH_MAX];
        if (mkdirat(pfd, a->name, a->mode) < 0 && errno != EEXIST)
                return -errno;
        if (!fd_path(dst, sizeof(dst), pfd, a->name))
                return -ENAMETOOLONG;
        if (mount(a->source, dst, a->source, a->mount_flags, a->content) < 0)
                return -errno;
        return 0;
}

/* A directory of the root that stays writable when the root is made
 * read-only (/tmp, /dev/shm): a bind of it onto itself, a mount of the
 * root's tmpfs of its own whose flags the read-only remount of "/" does
 * not touch.  A tmpfs instance each would do the same at the cost of two
 * more filesystems to set up and tear down with every build. */
static int bind_onto_itself(int pfd, const nsb_action *a, bool *new_api)
{
        if (*new_api) {
                int tree = open_tree(pfd, a->name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
                if (tree >= 0) {
                        int r = move_mount(tree, "", pfd, a->name, MOVE_MOUNT_F_EMPTY_PATH) < 0 ? -errno : 0;
                        close(tree);
                        return r;
                }
                if (errno != ENOSYS)
                        return -errno;
                *new_api = false;
        }
        char path[PATH_MAX];
        if (!fd_path(path, sizeof(path), pfd, a->name))
                return -ENAMETOOLONG;
        return mount(path, path, NULL, MS_BIND, NULL) < 0 ? -errno : 0;
}

static int write_file(int pfd, const nsb_action *a)
{
        int fd = openat(pfd, a->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, a->mode);
        if (fd < 0)
                return -errno;
        int r = write_all(fd, a->content, a->content_len);
        close(fd);
        return r;
}

void nsb_rootfs_mount_plan(const nsb_spawn *s, int root_fd)
{
        const nsb_plan *plan = s->plan;
        /* Which API works is learnt at the first bind and kept. */
        bool new_api = true;

        for (size_t i = 0; i < plan->n_actions; i++) {
                const nsb_action *a = &plan->actions[i];
                int pfd = a->parent < 0 ? root_fd : s->dir_fds[a->parent];
                int r = 0;
                s->dir_fds[i] = -1;
                nsb_child_trace(s, NSB_STEP_ACTION, (int) i);
                switch (a->type) {
                case NSB_ACT_MKDIR:
                        if (mkdirat(pfd, a->name, a->mode) < 0 &&
                            !(errno == EEXIST && (a->flags & NSB_ACT_EXISTING)))
                                r = -errno;
                        else if (a->flags & NSB_ACT_WRITABLE)
                                r = bind_onto_itself(pfd, a, &new_api);
                        break;
                case NSB_ACT_FILE:
                        r = write_file(pfd, a);
                        break;
                case NSB_ACT_SYMLINK:
                        if (symlinkat(a->source, pfd, a->name) < 0)
                                r = -errno;
                        break;
                case NSB_ACT_BIND:
                        r = new_api ? bind_new_api(pfd, a) : 1;
                        if (r == 1) {
                                new_api = false;
                                r = bind_old_api(pfd, a);
                        }
                        break;
                case NSB_ACT_MOUNT:
                        r = mount_fresh(pfd, a);
                        if (r < 0 && (a->flags & NSB_ACT_OPTIONAL) && (r == -EINVAL || r == -ENODEV)) {
                                /* No devpts "newinstance": bind the host's. */
                                nsb_action fallback = *a;
                                fallback.type = NSB_ACT_BIND;
                                fallback.flags = NSB_ACT_DIR | NSB_ACT_DEVICES;
                                fallback.source = "/dev/pts";
                                r = new_api ? bind_new_api(pfd, &fallback) : 1;
                                if (r == 1)
                                        r = bind_old_api(pfd, &fallback);
                        }
                        break;
                }
                if (r < 0)
                        nsb_child_fail(s, NSB_STEP_ACTION, -r, (int) i);
                if ((a->flags & NSB_ACT_PARENT) && (a->flags & NSB_ACT_DIR)) {
                        s->dir_fds[i] = openat(pfd, a->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (s->dir_fds[i] < 0)
                                nsb_child_fail(s, NSB_STEP_ACTION, errno, (int) i);
                }
        }
        for (size_t i = 0; i < plan->n_actions; i++)
                if (s->dir_fds[i] >= 0)
                        close(s->dir_fds[i]);
}
