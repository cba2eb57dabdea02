/* namespaces.c - the namespaces a build gets besides its root, for every
 * tier that makes any (compiled where the namespace sandbox is).
 *
 * A build's namespaces are a set, not all or nothing: auto drops only
 * what this kernel or these privileges refuse (build.c), so the full
 * tier's mount namespace may come without a network namespace, and the
 * chroot tier's root with network, IPC, UTS and PID namespaces. */
#include "config.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compat/compat.h"
#include "internal.h"

unsigned long nsb_clone_flags(unsigned ns)
{
        unsigned long flags = 0;
        if (ns & NSB_ISOLATION_MOUNT_NS)
                flags |= CLONE_NEWNS;
        if (ns & NSB_ISOLATION_NET_NS)
                flags |= CLONE_NEWNET;
        if (ns & NSB_ISOLATION_IPC_NS)
                flags |= CLONE_NEWIPC;
        if (ns & NSB_ISOLATION_UTS_NS)
                flags |= CLONE_NEWUTS;
        if (ns & NSB_ISOLATION_PID_NS)
                flags |= CLONE_NEWPID;
        /* The kernel creates the user namespace first and the others
         * owned by it, all in one call. */
        if (ns & NSB_ISOLATION_USER_NS)
                flags |= CLONE_NEWUSER;
        return flags;
}

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

void nsb_child_map_user(const nsb_spawn *s)
{
        /* In a user namespace of our own (unprivileged caller) we hold
         * every capability over the new namespaces but are nobody until
         * the maps are written.  An unprivileged process may map exactly
         * its own uid and gid, and the gid only once setgroups is denied;
         * it may write its own maps, so no help from the parent is
         * needed. */
        int r;
        if (!s->uid_map)
                return;
        nsb_child_trace(s, NSB_STEP_USER_NS_MAP, 0);
        if (s->parent_maps) {
                /* Root mapping a build user (not itself: its uid 0 is the
                 * host's): the parent writes the maps, and we become the
                 * namespace's uid and gid, keeping its capabilities (our
                 * uid is unmapped there, no uid 0 whose change drops
                 * them). */
                char c;
                close(s->map_release_fd);
                while (read(s->map_wait_fd, &c, 1) < 0 && errno == EINTR)
                        ;
                if (syscall(SYS_setresgid, s->gid, s->gid, s->gid) < 0 || syscall(SYS_setgroups, 0, NULL) < 0 ||
                    syscall(SYS_setresuid, s->uid, s->uid, s->uid) < 0)
                        nsb_child_fail(s, NSB_STEP_USER_NS_MAP, errno, 0);
                return;
        }
        if ((r = write_proc_self("setgroups", "deny")) < 0 || (r = write_proc_self("uid_map", s->uid_map)) < 0 ||
            (r = write_proc_self("gid_map", s->gid_map)) < 0)
                nsb_child_fail(s, NSB_STEP_USER_NS_MAP, -r, 0);
}

void nsb_child_set_up_namespaces(const nsb_spawn *s)
{
        if ((s->ns & NSB_ISOLATION_NET_NS) && s->loopback) {
                nsb_child_trace(s, NSB_STEP_LOOPBACK, 0);
                int r = nsb_loopback_up();
                if (r < 0)
                        nsb_child_fail(s, NSB_STEP_LOOPBACK, -r, 0);
        }
        if (s->ns & NSB_ISOLATION_UTS_NS) {
                nsb_child_trace(s, NSB_STEP_HOSTNAME, 0);
                if (sethostname(s->hostname, strlen(s->hostname)) < 0)
                        nsb_child_fail(s, NSB_STEP_HOSTNAME, errno, 0);
                nsb_child_trace(s, NSB_STEP_DOMAINNAME, 0);
                if (setdomainname("(none)", 6) < 0)
                        nsb_child_fail(s, NSB_STEP_DOMAINNAME, errno, 0);
        }
}

int nsb_spawn_in_namespaces(nsb_build *b, nsb_spawn *s, int (*child)(void *))
{
        unsigned long flags = nsb_clone_flags(s->ns);
        /* Without a PID namespace nothing ends what the builder leaves
         * behind but a supervisor. */
        if (!(s->ns & NSB_ISOLATION_PID_NS))
                return nsb_supervise_spawn(b, s, flags, child);
        int pidfd = -1;
        pid_t pid = nsb_clone_spawn_cgroup(flags, s->share_memory, s->cgroup_fd, &s->born_in_cgroup, child, s, &pidfd);
        if (pid < 0) {
                int err = -pid;
                const char *why = "";
                switch (err) {
                case EPERM:
                        why = (s->ns & NSB_ISOLATION_USER_NS)
                                      ? " (refused: no user namespace can be made here; `nsbuild features` says why)"
                                      : " (refused although nsbuild holds CAP_SYS_ADMIN: a seccomp filter or a "
                                        "security module forbids it; `nsbuild features` says which)";
                        break;
                case EINVAL:
                        why = " (this kernel lacks one of the namespaces asked for)";
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
        if (s->parent_maps) {
                /* The child waits for these (nsb_child_map_user). */
                char path[64];
                int r = 0;
                snprintf(path, sizeof(path), "/proc/%d/uid_map", (int) pid);
                _cleanup_close_ int ufd = open(path, O_WRONLY | O_CLOEXEC);
                r = ufd < 0 ? -errno : write_all(ufd, s->uid_map, strlen(s->uid_map));
                snprintf(path, sizeof(path), "/proc/%d/gid_map", (int) pid);
                _cleanup_close_ int gfd = r < 0 ? -1 : open(path, O_WRONLY | O_CLOEXEC);
                if (r == 0)
                        r = gfd < 0 ? -errno : write_all(gfd, s->gid_map, strlen(s->gid_map));
                close_and_invalidate(&s->map_release_fd);
                if (r < 0) {
                        if (pidfd < 0 || pidfd_send_signal(pidfd, SIGKILL, NULL, 0) < 0)
                                (void) kill(pid, SIGKILL);
                        b->pid = pid;
                        b->pidfd = pidfd;
                        b->failed_step = NSB_STEP_USER_NS_MAP;
                        return nsb_fail(b, -r, "map the build user", "cannot map the build user into the build's "
                                        "user namespace: %s", strerror(-r));
                }
        }
        b->pid = pid;
        b->pidfd = pidfd;
        s->exec_done = s->share_memory;
        return 0;
}
