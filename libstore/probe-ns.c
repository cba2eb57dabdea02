/* probe-ns.c - try the namespaces the way the full tier uses them.
 *
 * One throwaway child is cloned with every namespace flag a build uses (and
 * CLONE_NEWUSER without root) and goes through the same steps: the user
 * namespace maps, private mounts, lo up, a host name, a tmpfs with a fresh
 * /proc in it, pivot_root.  It reports one errno per capability over a
 * pipe.  Only when that clone itself fails is each flag tried alone, to
 * name the one the kernel or a policy refuses. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat/compat.h"
#include "internal.h"

static int write_file(const char *path, const char *content)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return errno;
        int r = write_all(fd, content, strlen(content));
        close(fd);
        return -r;
}

/* In the child: map ourselves (as root of the namespace) and report. */
static int map_self(uid_t uid, gid_t gid)
{
        char map[64];
        int r = write_file("/proc/self/setgroups", "deny");
        if (r)
                return r;
        snprintf(map, sizeof(map), "0 %u 1\n", (unsigned) uid);
        if ((r = write_file("/proc/self/uid_map", map)))
                return r;
        snprintf(map, sizeof(map), "0 %u 1\n", (unsigned) gid);
        return write_file("/proc/self/gid_map", map);
}

/* In the child of a user namespace its parent maps (root that may map
 * another uid, not itself): wait for the maps (the parent closes
 * WAIT_FD), then become the mapped uid 0, keeping the namespace's
 * capabilities (the child was unmapped, no uid 0 whose change drops them). */
static int wait_mapped(int wait_fd)
{
        char c;
        while (read(wait_fd, &c, 1) < 0 && errno == EINTR)
                ;
        if (syscall(SYS_setresgid, 0, 0, 0) < 0 || syscall(SYS_setgroups, 0, NULL) < 0 ||
            syscall(SYS_setresuid, 0, 0, 0) < 0)
                return errno;
        return 0;
}

/* The steps of a build's setup, each recorded in ERRS.  Every step runs
 * only inside the namespace that makes it private: never a host name, a
 * mount or an interface of the host's.  WAIT_FD >= 0: the parent writes
 * the maps. */
static void child_steps(int errs[NSB_CAP_MAX_], unsigned long flags, uid_t uid, gid_t gid, int wait_fd)
{
        if ((flags & CLONE_NEWUSER) &&
            (errs[NSB_CAP_USER_NS] = wait_fd >= 0 ? wait_mapped(wait_fd) : map_self(uid, gid)))
                return;
        if (flags & CLONE_NEWNET) {
                int r = nsb_loopback_up();
                errs[NSB_CAP_NET_NS] = 0;
                errs[NSB_CAP_LOOPBACK] = r < 0 ? -r : 0;
        }
        if (flags & CLONE_NEWUTS)
                errs[NSB_CAP_UTS_NS] = sethostname("nsbuild-probe", 13) < 0 ? errno : 0;
        if (flags & CLONE_NEWIPC)
                errs[NSB_CAP_IPC_NS] = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600) < 0 ? errno : 0;
        if (!(flags & CLONE_NEWNS))
                return;
        errs[NSB_CAP_MOUNT_NS] = mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ? errno : 0;
        if (errs[NSB_CAP_MOUNT_NS])
                return;
        /* A tmpfs over a directory every system has, in our private mount
         * namespace only: the host sees nothing of it. */
        const char *base = access("/proc/self", F_OK) == 0 ? "/proc" : "/dev";
        if (mount("tmpfs", base, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0 || chdir(base) < 0 ||
            mkdir("proc", 0555) < 0) {
                errs[NSB_CAP_MOUNT_NS] = errno;
                return;
        }
        if (flags & CLONE_NEWPID)
                errs[NSB_CAP_PID_NS] =
                        mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ? errno : 0;
        if (pivot_root(".", ".") == 0)
                errs[NSB_CAP_PIVOT_ROOT] = umount2(".", MNT_DETACH) < 0 ? errno : 0;
        else if (errno == EINVAL)
                /* The initramfs: the build moves its root over / instead
                 * (sandbox-full.c), as this does. */
                errs[NSB_CAP_PIVOT_ROOT] =
                        mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ? errno : 0;
        else
                errs[NSB_CAP_PIVOT_ROOT] = errno;
}

/* Clone with FLAGS; in the child run STEPS (if set) and send ERRS back.
 * Returns the clone's errno (0 when the child ran). */
/* Whether the user namespace is mapped by the parent (root with the
 * build users' capabilities, without CAP_SYS_ADMIN: its uid 0 is the
 * host's, which no builder may be, but it may map another uid): the
 * probe maps the namespace's uid 0 to nobody, a build to its build user. */
static bool parent_maps;

/* Write the maps of user namespace PID: its uid and gid 0 as nobody. */
static int map_child(pid_t pid)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/uid_map", (int) pid);
        int r = write_file(path, "0 65534 1\n");
        if (r == 0) {
                snprintf(path, sizeof(path), "/proc/%d/gid_map", (int) pid);
                r = write_file(path, "0 65534 1\n");
        }
        return r;
}

static int try_clone(unsigned long flags, bool steps, int errs[NSB_CAP_MAX_])
{
        int pipefd[2], waitfd[2] = { -1, -1 };
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return errno;
        bool mapped = parent_maps && (flags & CLONE_NEWUSER);
        if (mapped && pipe2(waitfd, O_CLOEXEC) < 0) {
                int e = errno;
                close(pipefd[0]);
                close(pipefd[1]);
                return e;
        }
        uid_t uid = geteuid();
        gid_t gid = getegid();
        int pidfd;
        pid_t pid = nsb_clone_fork(flags, &pidfd);
        if (pid == 0) {
                close(pipefd[0]);
                if (mapped)
                        close(waitfd[1]);
                if (steps || mapped)
                        child_steps(errs, steps ? flags : CLONE_NEWUSER, uid, gid, mapped ? waitfd[0] : -1);
                (void) write_all(pipefd[1], errs, sizeof(int) * NSB_CAP_MAX_);
                _exit(mapped && !steps ? errs[NSB_CAP_USER_NS] : 0);
        }
        close(pipefd[1]);
        if (mapped) {
                close(waitfd[0]);
                if (pid > 0) {
                        int r = map_child(pid);
                        if (r)
                                errs[NSB_CAP_USER_NS] = r;
                }
                close(waitfd[1]);
        }
        if (pid < 0) {
                close(pipefd[0]);
                return -pid;
        }
        if (pidfd >= 0)
                close(pidfd);
        int got[NSB_CAP_MAX_];
        ssize_t n;
        while ((n = read(pipefd[0], got, sizeof(got))) < 0 && errno == EINTR)
                ;
        close(pipefd[0]);
        while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
                ;
        if (steps && n == (ssize_t) sizeof(got))
                memcpy(errs, got, sizeof(got));
        return 0;
}

/* As an ordinary user whoever we are: as root, first become nobody. */
static int probe_unprivileged_user_ns(void)
{
        /* Root that may change its uid becomes nobody; root that may not
         * (a container's) is as unprivileged as it gets already. */
        bool become_nobody = geteuid() == 0 && nsb_cap_held(7 /* CAP_SETUID */) && nsb_cap_held(6 /* CAP_SETGID */);
        pid_t pid = fork();
        if (pid < 0)
                return errno;
        if (pid == 0) {
                if (become_nobody &&
                    (syscall(SYS_setgroups, 0, NULL) < 0 || syscall(SYS_setresgid, 65534, 65534, 65534) < 0 ||
                     syscall(SYS_setresuid, 65534, 65534, 65534) < 0))
                        _exit(errno);
                /* Changing credentials cleared "dumpable", which leaves
                 * /proc/self/uid_map to root: an ordinary user's process
                 * is dumpable. */
                if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
                        _exit(errno);
                int errs[NSB_CAP_MAX_];
                for (int i = 0; i < NSB_CAP_MAX_; i++)
                        errs[i] = EOPNOTSUPP;
                int r = try_clone(CLONE_NEWUSER | CLONE_NEWNS, true, errs);
                if (r)
                        _exit(r);
                _exit(errs[NSB_CAP_USER_NS] ? errs[NSB_CAP_USER_NS] : errs[NSB_CAP_MOUNT_NS]);
        }
        int st;
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return errno;
        return WIFEXITED(st) ? WEXITSTATUS(st) : EIO;
}

static bool map_refused, host_root_refused;

bool nsb_probe_map_refused(void)
{
        return map_refused;
}

bool nsb_probe_host_root_refused(void)
{
        return host_root_refused;
}

void nsb_probe_namespaces(int errs[NSB_CAP_MAX_])
{
        static const struct {
                nsb_capability cap;
                unsigned long flag;
        } each[] = {
                { NSB_CAP_MOUNT_NS, CLONE_NEWNS }, { NSB_CAP_NET_NS, CLONE_NEWNET },
                { NSB_CAP_IPC_NS, CLONE_NEWIPC },  { NSB_CAP_UTS_NS, CLONE_NEWUTS },
                { NSB_CAP_PID_NS, CLONE_NEWPID },
        };
        bool user_ns = !nsb_ns_direct();
        unsigned long all = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID |
                            (user_ns ? CLONE_NEWUSER : 0);

        /* Root that may map other uids (the build users' capabilities)
         * but lacks CAP_SYS_ADMIN: a user namespace whose uids are a build
         * user's, mapped by the parent.  Root that may not: its own uid
         * would be the host's uid 0 in it; not made, not tried. */
        parent_maps = user_ns && nsb_userns_would_be_host_root() && nsb_build_users();
        if (user_ns && nsb_userns_would_be_host_root() && !parent_maps) {
                host_root_refused = true;
                for (size_t i = 0; i < ELEMENTSOF(each); i++)
                        errs[each[i].cap] = EPERM;
                errs[NSB_CAP_USER_NS] = errs[NSB_CAP_LOOPBACK] = errs[NSB_CAP_PIVOT_ROOT] = EPERM;
                errs[NSB_CAP_USER_NS_UNPRIVILEGED] = probe_unprivileged_user_ns();
                return;
        }

        /* As root the user namespace is not needed, but say whether it
         * works: try it with a mount in it. */
        if (!user_ns) {
                int e[NSB_CAP_MAX_];
                for (int i = 0; i < NSB_CAP_MAX_; i++)
                        e[i] = EOPNOTSUPP;
                int r = try_clone(CLONE_NEWUSER | CLONE_NEWNS, true, e);
                errs[NSB_CAP_USER_NS] = r ? r : e[NSB_CAP_USER_NS] ? e[NSB_CAP_USER_NS] : e[NSB_CAP_MOUNT_NS];
        }
        errs[NSB_CAP_USER_NS_UNPRIVILEGED] = probe_unprivileged_user_ns();

        int r = try_clone(all, true, errs);
        if (r == 0 && user_ns && errs[NSB_CAP_USER_NS]) {
                /* The namespaces were made, and writing the user
                 * namespace's map was refused: nothing stands on it. */
                map_refused = true;
                for (size_t i = 0; i < ELEMENTSOF(each); i++)
                        errs[each[i].cap] = errs[NSB_CAP_USER_NS];
                errs[NSB_CAP_LOOPBACK] = errs[NSB_CAP_PIVOT_ROOT] = errs[NSB_CAP_USER_NS];
                return;
        }
        if (r == 0)
                return;
        /* The clone with every flag failed: find out which flag it is. */
        if (user_ns) {
                errs[NSB_CAP_USER_NS] = try_clone(CLONE_NEWUSER, false, errs);
                if (errs[NSB_CAP_USER_NS]) {
                        for (size_t i = 0; i < ELEMENTSOF(each); i++)
                                errs[each[i].cap] = errs[NSB_CAP_USER_NS];
                        errs[NSB_CAP_LOOPBACK] = errs[NSB_CAP_PIVOT_ROOT] = errs[NSB_CAP_USER_NS];
                        return;
                }
        }
        for (size_t i = 0; i < ELEMENTSOF(each); i++)
                errs[each[i].cap] = try_clone(each[i].flag | (user_ns ? CLONE_NEWUSER : 0), false, errs);
        /* Loopback and pivot_root stand on the network and mount
         * namespaces: try the steps with what works. */
        unsigned long works = user_ns ? CLONE_NEWUSER : 0;
        for (size_t i = 0; i < ELEMENTSOF(each); i++)
                if (!errs[each[i].cap])
                        works |= each[i].flag;
        int e[NSB_CAP_MAX_];
        memcpy(e, errs, sizeof(e));
        if (try_clone(works, true, e) == 0) {
                errs[NSB_CAP_LOOPBACK] = (works & CLONE_NEWNET) ? e[NSB_CAP_LOOPBACK] : errs[NSB_CAP_NET_NS];
                errs[NSB_CAP_PIVOT_ROOT] = (works & CLONE_NEWNS) ? e[NSB_CAP_PIVOT_ROOT] : errs[NSB_CAP_MOUNT_NS];
        } else {
                errs[NSB_CAP_LOOPBACK] = errs[NSB_CAP_NET_NS];
                errs[NSB_CAP_PIVOT_ROOT] = errs[NSB_CAP_MOUNT_NS];
        }
}
