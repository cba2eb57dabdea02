/* sandbox-chroot.c - the plain chroot sandbox, for systems without
 * namespaces (or builds configured with --disable-namespaces).
 *
 * The root has the same layout as the full tier's but is made without a
 * single mount: it is a directory on disk, built in the parent from the
 * same plan, with inputs copied, or hard-linked where they share the
 * filesystem and the build user can neither write nor chmod them (copy.c),
 * so that nothing the builder can change is shared with the host but its
 * build directory and outputs; device nodes are made with mknod where
 * permitted.  The builder then runs chroot'ed there as the build user with
 * no capability, under a supervisor that ends every process it starts.
 *
 * What this tier does not give, and never claims: a private network, IPC,
 * host name or PID space, a /proc, and read-write binds.  (As root, the
 * build user's IPC objects and processes are removed when it ends.) */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat/compat.h"
#include "internal.h"

static int make_device(nsb_build *b, int pfd, const nsb_action *a)
{
        struct stat st;
        if (stat(a->source, &st) < 0)
                return -errno;
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                return -ENODEV;
        if (mknodat(pfd, a->name, (st.st_mode & S_IFMT) | 0666, st.st_rdev) < 0)
                return -errno;
        /* mknodat's mode went through the umask. */
        if (fchmodat(pfd, a->name, st.st_mode & 07777, 0) < 0)
                return -errno;
        return 0;
}

/* Carry out the plan on disk.  Returns 0 or a negative errno after
 * nsb_fail(). */
static int materialise_root(nsb_build *b, int root_fd, int *dir_fds)
{
        const nsb_plan *plan = &b->plan;
        char missing[256] = "";

        for (size_t i = 0; i < plan->n_actions; i++) {
                const nsb_action *a = &plan->actions[i];
                int pfd = a->parent < 0 ? root_fd : dir_fds[a->parent];
                int r = 0;
                dir_fds[i] = -1;
                switch (a->type) {
                case NSB_ACT_MKDIR:
                        if (mkdirat(pfd, a->name, 0700) < 0) {
                                if (errno != EEXIST || !(a->flags & NSB_ACT_EXISTING))
                                        r = -errno;
                        } else if (fchmodat(pfd, a->name, a->mode, 0) < 0)
                                r = -errno;
                        break;
                case NSB_ACT_FILE: {
                        int fd = openat(pfd, a->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                        if (fd < 0) {
                                r = -errno;
                                break;
                        }
                        r = write_all(fd, a->content, a->content_len);
                        if (r == 0 && fchmod(fd, a->mode) < 0)
                                r = -errno;
                        close(fd);
                        break;
                }
                case NSB_ACT_SYMLINK:
                        if (symlinkat(a->source, pfd, a->name) < 0)
                                r = -errno;
                        break;
                case NSB_ACT_BIND:
                        if (a->flags & NSB_ACT_DEVICES && !(a->flags & NSB_ACT_DIR)) {
                                r = make_device(b, pfd, a);
                                if (r == -EPERM || r == -EACCES || r == -ENODEV) {
                                        /* Without CAP_MKNOD the node is missing;
                                         * say so once, after the loop. */
                                        size_t len = strlen(missing);
                                        snprintf(missing + len, sizeof(missing) - len, "%s%s",
                                                 len ? ", " : "", a->path);
                                        r = 0;
                                }
                        } else {
                                /* A read-only bind shares nothing the builder
                                 * could change; the outputs' directories (not
                                 * read-only) are made for it to write. */
                                const struct nsb_reader builder = { .uid = b->uid, .gid = b->gid };
                                r = nsb_copy_tree_at(AT_FDCWD, a->source, pfd, a->name, 0,
                                                     (a->flags & NSB_ACT_READONLY) ? &builder : NULL);
                        }
                        break;
                case NSB_ACT_MOUNT:
                        r = -EOPNOTSUPP; /* never planned for this tier */
                        break;
                }
                if (r < 0) {
                        char what[PATH_MAX + 64];
                        if (a->type == NSB_ACT_BIND)
                                snprintf(what, sizeof(what), "copy %s to %s", a->source, a->path);
                        else
                                snprintf(what, sizeof(what), "create %s", a->path);
                        return nsb_fail(b, -r, "build the sandbox root", "cannot %s: %s", what, strerror(-r));
                }
                if ((a->flags & NSB_ACT_PARENT) && (a->flags & NSB_ACT_DIR)) {
                        dir_fds[i] = openat(pfd, a->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (dir_fds[i] < 0)
                                return nsb_fail(b, errno, "build the sandbox root", "cannot open %s: %s", a->path,
                                                strerror(errno));
                }
        }
        if (missing[0])
                nsb_warn(b, "chroot sandbox: cannot create device nodes %s (mknod not permitted)", missing);
        return 0;
}

static int chroot_child(void *arg)
{
        const nsb_spawn *s = arg;
        nsb_child_begin(s);
#if NSB_TIER_FULL
        nsb_child_set_up_namespaces(s);
#endif
        nsb_child_trace(s, NSB_STEP_CHROOT, 0);
        if (fchdir(s->root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
                nsb_child_fail(s, NSB_STEP_CHROOT, errno, 0);
        close(s->root_fd);
        nsb_child_exec_builder(s);
}

int nsb_sandbox_chroot_start(nsb_build *b, nsb_spawn *s)
{
        for (size_t i = 0; i < b->n_binds; i++)
                if (b->binds[i].source && !(b->binds[i].flags & NSB_BIND_READONLY))
                        return nsb_fail(b, EOPNOTSUPP, "build the sandbox root",
                                        "cannot bind %s read-write in the chroot sandbox, which has no mounts; "
                                        "use --sandbox=full or --ro-bind",
                                        b->binds[i].source);

        _cleanup_close_ int root_fd = open(b->root_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (root_fd < 0)
                return nsb_fail(b, errno, "build the sandbox root", "cannot open %s: %s", b->root_dir,
                                strerror(errno));
        nsb_trace(b, "building the chroot root in %s", b->root_dir);
        int r = materialise_root(b, root_fd, s->dir_fds);
        for (size_t i = 0; i < b->plan.n_actions; i++)
                if (s->dir_fds[i] >= 0)
                        close(s->dir_fds[i]);
        if (r < 0)
                return r;

        s->root_fd = root_fd;
#if NSB_TIER_FULL
        /* The namespaces that work beside a root on disk (auto). */
        if (s->ns & ~NSB_ISOLATION_ROOT)
                return nsb_spawn_in_namespaces(b, s, chroot_child);
#endif
        return nsb_supervise_spawn(b, s, 0, chroot_child);
}
