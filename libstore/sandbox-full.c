/* sandbox-full.c - the full namespace sandbox.
 *
 * One clone() creates the mount, network, IPC, UTS and PID namespaces and
 * the builder's process at once (namespaces.c; auto leaves out those this
 * kernel refuses).  unshare() could not do it alone: a new PID namespace
 * applies only to the children of the caller, so it would cost an extra
 * fork.  With clone() the builder is PID 1 of its namespace, and when PID
 * 1 exits the kernel kills every other process in it: a daemon the builder
 * left behind cannot outlive the build. */
#include "config.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat/compat.h"
#include "internal.h"

static int sandbox_child(void *arg)
{
        const nsb_spawn *s = arg;

        nsb_child_begin(s);
        nsb_child_map_user(s);
#ifdef CLONE_NEWCGROUP
        /* In its cgroup (nsb_child_begin), a cgroup namespace of its own:
         * /proc/self/cgroup says "/" and no host cgroup path shows.  Linux
         * 4.6; before, the build keeps seeing the path, which gives it
         * nothing else. */
        if (s->n_cgroup_fds && unshare(CLONE_NEWCGROUP) < 0 && errno != EINVAL)
                nsb_child_fail(s, NSB_STEP_CGROUP, errno, -1);
#endif

        /* Before any other mount: make every mount in our copy of the mount
         * table private, so that nothing we mount propagates back to the
         * host's namespace (with shared propagation, systemd's default, our
         * binds would appear there). */
        nsb_child_trace(s, NSB_STEP_MOUNT_PRIVATE, 0);
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                nsb_child_fail(s, NSB_STEP_MOUNT_PRIVATE, errno, 0);

        nsb_child_set_up_namespaces(s);

        /* The root is a tmpfs of its own, not a directory of the host's
         * filesystem: mounts below it are cheap (their parent mount has no
         * other children) and it vanishes with the namespace. */
        nsb_child_trace(s, NSB_STEP_ROOT_TMPFS, 0);
        if (mount("tmpfs", s->root, "tmpfs", MS_NOSUID | MS_NODEV, s->root_options) < 0)
                nsb_child_fail(s, NSB_STEP_ROOT_TMPFS, errno, 0);
        nsb_child_trace(s, NSB_STEP_OPEN_ROOT, 0);
        int root_fd = open(s->root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (root_fd < 0)
                nsb_child_fail(s, NSB_STEP_OPEN_ROOT, errno, 0);

        nsb_rootfs_mount_plan(s, root_fd);

        /* pivot_root, not chroot: chroot only changes this process's idea
         * of "/", the host's whole tree stays mounted underneath and a
         * process with the right capability (or an fd from outside) can
         * climb back out.  pivot_root moves the old root away, and the
         * detach removes it from this namespace entirely.
         * pivot_root(".", ".") stacks the old root on top of the new one,
         * so no put_old directory is needed inside the sandbox. */
        nsb_child_trace(s, NSB_STEP_PIVOT_ROOT, 0);
        if (fchdir(root_fd) < 0)
                nsb_child_fail(s, NSB_STEP_PIVOT_ROOT, errno, 0);
        if (pivot_root(".", ".") == 0) {
                nsb_child_trace(s, NSB_STEP_DETACH_OLD_ROOT, 0);
                if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
                        nsb_child_fail(s, NSB_STEP_DETACH_OLD_ROOT, errno, 0);
        } else if (errno == EINVAL) {
                /* The root cannot be pivoted: it is the initramfs (the
                 * rootfs has no parent mount to pivot under) of a system
                 * that never switched to another root.  As switch_root and
                 * container runtimes do there: move the new root over /
                 * and chroot into it.  The old root stays underneath,
                 * beyond reach of a builder without CAP_SYS_CHROOT. */
                nsb_child_trace(s, NSB_STEP_MOVE_ROOT, 0);
                if (mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0)
                        nsb_child_fail(s, NSB_STEP_MOVE_ROOT, errno, 0);
        } else
                nsb_child_fail(s, NSB_STEP_PIVOT_ROOT, errno, 0);
        close(root_fd);

        /* The root read-only: only /build, /tmp, /dev/shm and the outputs'
         * directories are the builder's to write.  Permissions alone would
         * not do in a user namespace, where the builder's uid is the one
         * that made every file of the root. */
        nsb_child_trace(s, NSB_STEP_ROOT_READONLY, 0);
        if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
                nsb_child_fail(s, NSB_STEP_ROOT_READONLY, errno, 0);

        nsb_child_exec_builder(s);
}

int nsb_sandbox_full_start(nsb_build *b, nsb_spawn *s)
{
        return nsb_spawn_in_namespaces(b, s, sandbox_child);
}
