/* sandbox-full.c - the full namespace sandbox.
 *
 * One clone() creates the mount, network, IPC, UTS and PID namespaces and
 * the builder's process at once.  unshare() could not do it alone: a new
 * PID namespace applies only to the children of the caller, so it would
 * cost an extra fork.  With clone() the builder is PID 1 of its namespace,
 * and when PID 1 exits the kernel kills every other process in it: a
 * daemon the builder left behind cannot outlive the build. */
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

/* Write CONTENT to /proc/self/FILE (the host's /proc, still mounted). */
static int write_proc_self(const char *file, const char *content)
{
        int dfd = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        int fd = openat(dfd, file, O_WRONLY | O_CLOEXEC);
        close(dfd);
        if (fd < 0)
                return -errno;
        int r = write_all(fd, content, strlen(content));
        close(fd);
        return r;
}

static int sandbox_child(void *arg)
{
        const nsb_spawn *s = arg;
        int r;

        nsb_child_begin(s);

        /* In a user namespace of our own (unprivileged caller) we hold
         * every capability over the new namespaces but are nobody until
         * the maps are written.  An unprivileged process may map exactly
         * its own uid and gid, and the gid only once setgroups is denied;
         * it may write its own maps, so no help from the parent is
         * needed. */
        if (s->uid_map) {
                nsb_child_trace(s, NSB_STEP_USER_NS_MAP, 0);
                if ((r = write_proc_self("setgroups", "deny")) < 0 ||
                    (r = write_proc_self("uid_map", s->uid_map)) < 0 ||
                    (r = write_proc_self("gid_map", s->gid_map)) < 0)
                        nsb_child_fail(s, NSB_STEP_USER_NS_MAP, -r, 0);
        }

        /* Before any other mount: make every mount in our copy of the mount
         * table private, so that nothing we mount propagates back to the
         * host's namespace (with shared propagation, systemd's default, our
         * binds would appear there). */
        nsb_child_trace(s, NSB_STEP_MOUNT_PRIVATE, 0);
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                nsb_child_fail(s, NSB_STEP_MOUNT_PRIVATE, errno, 0);

        if (!s->share_network) {
                nsb_child_trace(s, NSB_STEP_LOOPBACK, 0);
                if ((r = nsb_loopback_up()) < 0)
                        nsb_child_fail(s, NSB_STEP_LOOPBACK, -r, 0);
        }

        nsb_child_trace(s, NSB_STEP_HOSTNAME, 0);
        if (sethostname(s->hostname, strlen(s->hostname)) < 0)
                nsb_child_fail(s, NSB_STEP_HOSTNAME, errno, 0);
        nsb_child_trace(s, NSB_STEP_DOMAINNAME, 0);
        if (setdomainname("(none)", 6) < 0)
                nsb_child_fail(s, NSB_STEP_DOMAINNAME, errno, 0);

        /* The root is a tmpfs of its own, not a directory of the host's
         * filesystem: mounts below it are cheap (their parent mount has no
         * other children) and it vanishes with the namespace. */
        nsb_child_trace(s, NSB_STEP_ROOT_TMPFS, 0);
        if (mount("tmpfs", s->root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
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
         * detach below removes it from this namespace entirely.
         * pivot_root(".", ".") stacks the old root on top of the new one,
         * so no put_old directory is needed inside the sandbox. */
        nsb_child_trace(s, NSB_STEP_PIVOT_ROOT, 0);
        if (fchdir(root_fd) < 0 || pivot_root(".", ".") < 0)
                nsb_child_fail(s, NSB_STEP_PIVOT_ROOT, errno, 0);
        nsb_child_trace(s, NSB_STEP_DETACH_OLD_ROOT, 0);
        if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
                nsb_child_fail(s, NSB_STEP_DETACH_OLD_ROOT, errno, 0);
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
        unsigned long flags = CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID;
        /* A fixed-output build may reach the network, as in Nix: its
         * result is checked against a hash known in advance. */
        if (!s->share_network)
                flags |= CLONE_NEWNET;
        /* The kernel creates the user namespace first and the others
         * owned by it, all in this one call. */
        if (s->uid_map)
                flags |= CLONE_NEWUSER;
        int pidfd = -1;
        pid_t pid = nsb_clone_spawn(flags, s->share_memory, sandbox_child, s, &pidfd);
        if (pid < 0) {
                int err = -pid;
                const char *why = "";
                switch (err) {
                case EPERM:
                        why = geteuid() == 0
                                      ? " (refused by a security policy: seccomp, AppArmor or a container; try --sandbox=chroot)"
                                      : " (creating namespaces needs root; run as root or use --sandbox=off)";
                        break;
                case EINVAL:
                        why = " (this kernel lacks one of the mount, network, IPC, UTS or PID namespaces)";
                        break;
                case ENOSPC:
                        why = " (a namespace limit is reached: see /proc/sys/user/max_*_namespaces)";
                        break;
                case EUSERS:
                        why = " (too many nested namespaces)";
                        break;
                }
                b->failed_step = NSB_STEP_CLONE;
                return nsb_fail(b, err, "create namespaces", "cannot create namespaces: %s%s", strerror(err), why);
        }
        b->pid = pid;
        b->pidfd = pidfd;
        s->exec_done = s->share_memory;
        return 0;
}
