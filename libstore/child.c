/* child.c - the last steps before the builder runs, shared by every tier.
 *
 * This runs in the child between clone() and execve().  The caller may be
 * multi-threaded, so nothing here allocates or takes a lock: only system
 * calls and work on memory the parent prepared. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "compat/compat.h"
#include "internal.h"

void nsb_child_trace(const nsb_spawn *s, nsb_step step, int index)
{
        if (!s->verbose)
                return;
        nsb_status_msg m = { .is_error = 0, .step = step, .err = 0, .index = index };
        (void) write(s->status_fd, &m, sizeof(m));
}

void nsb_child_fail(const nsb_spawn *s, nsb_step step, int err, int index)
{
        nsb_status_msg m = { .is_error = 1, .step = step, .err = err, .index = index };
        (void) write(s->status_fd, &m, sizeof(m));
        _exit(125);
}

/* Mark every fd from 3 up close-on-exec.  close_range() does it in one
 * call (Linux 5.11); older kernels get a walk over /proc/self/fd with
 * getdents64 into a stack buffer, since opendir() would allocate.  The
 * status pipe stays open until the exec itself, which closes it and so
 * tells the parent that the builder runs. */
static int mark_fds_cloexec(void)
{
        if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
                return 0;
        if (errno != ENOSYS && errno != EINVAL)
                return -errno;
        int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        char buf[4096] __attribute__((aligned(8)));
        for (;;) {
                long n = syscall(SYS_getdents64, dfd, buf, sizeof(buf));
                if (n < 0) {
                        int err = errno;
                        close(dfd);
                        return -err;
                }
                if (n == 0)
                        break;
                for (long off = 0; off < n;) {
                        /* struct linux_dirent64, the kernel's layout. */
                        struct {
                                // cppcheck-suppress unusedStructMember
                                uint64_t ino;
                                // cppcheck-suppress unusedStructMember
                                int64_t off;
                                unsigned short reclen;
                                // cppcheck-suppress unusedStructMember
                                unsigned char type;
                                char name[];
                        } *de = (void *) (buf + off);
                        int fd = 0;
                        const char *p = de->name;
                        bool numeric = *p != '\0';
                        for (; *p; p++) {
                                if (*p < '0' || *p > '9') {
                                        numeric = false;
                                        break;
                                }
                                fd = fd * 10 + (*p - '0');
                        }
                        if (numeric && fd > 2 && fd != dfd)
                                (void) fcntl(fd, F_SETFD, FD_CLOEXEC);
                        off += de->reclen;
                }
        }
        close(dfd);
        return 0;
}

/* Drop every capability: the bounding set first (that needs CAP_SETPCAP,
 * so before setuid), then what setuid() leaves (the inheritable and
 * ambient sets).  The parent found out how many capabilities this kernel
 * has (privileges.c); the child makes the raw system calls itself, as
 * nothing here may go through a library that would broadcast the change
 * to threads (libpsx), which do not exist in the child. */
/* Whether this process may shrink its bounding set (CAP_SETPCAP,
 * effective).  Raw capget: see above. */
static bool has_setpcap(void)
{
        struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
        struct __user_cap_data_struct data[2] = { { 0 }, { 0 } };
        if (syscall(SYS_capget, &hdr, data) < 0)
                return false;
        return (data[CAP_SETPCAP / 32].effective & (1U << (CAP_SETPCAP % 32))) != 0;
}

static int drop_bounding_set(unsigned last_cap, uint64_t keep)
{
        for (unsigned cap = 0; cap <= last_cap; cap++)
                if (!(cap < 64 && (keep & (UINT64_C(1) << cap))) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
                    errno != EINVAL) {
                        /* Without CAP_SETPCAP (an unprivileged caller
                         * outside any user namespace, the off tier; root in
                         * a container that dropped it) the set cannot
                         * shrink.  Nothing in it can be had again: the
                         * sets are cleared next, and no_new_privs keeps
                         * even root's exec from filling them. */
                        if (errno == EPERM && cap == 0 && !has_setpcap())
                                return 0;
                        return -errno;
                }
        return 0;
}

/* Every set emptied but of KEEP, which goes into the ambient set too:
 * the builder runs as a uid other than 0 of its user namespace, whose
 * exec keeps only ambient capabilities (no_new_privs allows them: they
 * are no gain). */
static int clear_capability_sets(uint64_t keep)
{
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return -errno;
        struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
        struct __user_cap_data_struct data[2] = { { 0 }, { 0 } };
        for (int i = 0; i < 2; i++)
                data[i].permitted = data[i].effective = data[i].inheritable = (uint32_t) (keep >> (32 * i));
        if (syscall(SYS_capset, &hdr, data) < 0)
                return -errno;
        for (unsigned cap = 0; cap < 64; cap++)
                if ((keep & (UINT64_C(1) << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
                        return -errno;
        return 0;
}

static void exec_builder(const nsb_spawn *s)
{
        if (strchr(s->builder, '/')) {
                execve(s->builder, s->argv, s->envp);
                return;
        }
        /* A bare name is looked up in the builder's own PATH, without
         * allocating. */
        int saved = ENOENT;
        const char *p = s->path_env;
        size_t nlen = strlen(s->builder);
        while (p && *p) {
                const char *end = strchrnul(p, ':');
                size_t dlen = (size_t) (end - p);
                char buf[PATH_MAX];
                if (dlen > 0 && dlen + 1 + nlen < sizeof(buf)) {
                        memcpy(buf, p, dlen);
                        buf[dlen] = '/';
                        memcpy(buf + dlen + 1, s->builder, nlen + 1);
                        execve(buf, s->argv, s->envp);
                        if (errno != ENOENT && errno != ENOTDIR)
                                saved = errno;
                }
                p = *end ? end + 1 : end;
        }
        errno = saved;
}

void nsb_child_begin(const nsb_spawn *s)
{
        /* The plan carries exact modes. */
        umask(0);

        /* Every signal back to its default before any is unblocked (the
         * parent blocked them all across the clone): the child shares the
         * caller's memory, where a handler of the caller's must never run,
         * and the builder starts with default dispositions whatever the
         * caller did with its own (an ignored signal would stay ignored
         * across exec).  The raw system call, asking nothing first: glibc's
         * sigaction() refuses its reserved real-time signals, and the
         * kernel's layout of struct sigaction differs between
         * architectures, but an all-zero one is SIG_DFL with no flags and
         * an empty mask on all of them.  About 60 cheap calls, instead of
         * the parent reading its dispositions for every build. */
        static const uint64_t dfl[6] = { 0 };
        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) syscall(SYS_rt_sigaction, sig, dfl, NULL, NSB_KERNEL_SIGSET_SIZE);
        sigset_t none;
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);

        /* Into the build's cgroup, before anything of the builder's runs:
         * all it starts is born there. */
        for (size_t i = 0; i < s->n_cgroup_fds; i++)
                if (!(s->born_in_cgroup && (int) i == s->cgroup_v2_index) && write(s->cgroup_procs_fds[i], "0", 1) < 0)
                        nsb_child_fail(s, NSB_STEP_CGROUP, errno, (int) i);
}

/* Die with the parent.  The kernel clears the parent-death signal whenever
 * the uid, the gid or the capabilities change, so this comes after the
 * last of those (as bubblewrap's --die-with-parent does), and then makes
 * sure the parent did not die before it: from a new PID namespace, where
 * getppid() says 0, by polling the pidfd of the parent the parent opened
 * for us. */
static void die_with_parent(const nsb_spawn *s)
{
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                nsb_child_fail(s, NSB_STEP_PARENT_DEATH, errno, 0);
        if (s->parent_pidfd >= 0) {
                struct pollfd p = { .fd = s->parent_pidfd, .events = POLLIN };
                if (poll(&p, 1, 0) != 0)
                        _exit(125); /* gone, or no way to tell */
        } else if (getppid() != s->parent_pid && getppid() != 0)
                _exit(125);
}

void nsb_child_exec_builder(const nsb_spawn *s)
{
        int r;
#if NSB_HAVE_SECCOMP
        /* The supervisor's process group, which setsid leaves. */
        pid_t pgrp = getpgrp();
#endif

        /* ADDR_NO_RANDOMIZE wherever it may be had, as Nix does (a build
         * should not depend on where things land in memory, and Nix does
         * not fail a build without it): Docker's seccomp profile allows
         * personality(2) with a few values only, this flag not among them.
         * The persona a --system asks for (PER_LINUX32, which that
         * profile allows) is no such nicety: without it, the build fails. */
        nsb_child_trace(s, NSB_STEP_PERSONALITY, 0);
        unsigned long persona = s->personality != 0xffffffffUL ? s->personality
                                                               : (unsigned long) personality(0xffffffff);
        if (personality(persona | ADDR_NO_RANDOMIZE) < 0 &&
            (errno != EPERM || (s->personality != 0xffffffffUL && personality(persona) < 0)))
                nsb_child_fail(s, NSB_STEP_PERSONALITY, errno, 0);

        /* No controlling terminal: the builder cannot reach the user's
         * terminal, and its process group is its own. */
        nsb_child_trace(s, NSB_STEP_SETSID, 0);
        if (setsid() < 0)
                nsb_child_fail(s, NSB_STEP_SETSID, errno, 0);

        nsb_child_trace(s, NSB_STEP_STDIO, 0);
        if (dup2(s->null_fd, 0) < 0 || dup2(s->log_fd, 1) < 0 || dup2(s->log_fd, 2) < 0)
                nsb_child_fail(s, NSB_STEP_STDIO, errno, 0);

        nsb_child_trace(s, NSB_STEP_CLOSE_FDS, 0);
        if ((r = mark_fds_cloexec()) < 0)
                nsb_child_fail(s, NSB_STEP_CLOSE_FDS, -r, 0);

        nsb_child_trace(s, NSB_STEP_RLIMIT_CORE, 0);
        struct rlimit no_core = { 0, 0 };
        if (setrlimit(RLIMIT_CORE, &no_core) < 0)
                nsb_child_fail(s, NSB_STEP_RLIMIT_CORE, errno, 0);
        umask(022);

        /* The builder never stays root.  The raw system calls, not glibc's
         * wrappers: in a multi-threaded caller those broadcast the change
         * to every thread glibc believes in (__nptl_setxid), and after a
         * raw clone none of them exists in the child, so they would wait
         * forever.  The system call changes exactly this thread, which is
         * the whole child. */
        nsb_child_trace(s, NSB_STEP_CAPABILITIES, 0);
        if ((r = drop_bounding_set(s->last_cap, s->keep_caps)) < 0)
                nsb_child_fail(s, NSB_STEP_CAPABILITIES, -r, 0);
        if (s->become_build_user) {
                /* Until the exec this process holds root's fds and (in
                 * the caller's memory) its data: no process of the build
                 * user may ptrace it, whatever fs.suid_dumpable says.  The
                 * exec makes the builder dumpable again. */
                (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
                nsb_child_trace(s, NSB_STEP_SETGROUPS, 0);
                if (syscall(SYS_setgroups, 0, NULL) < 0)
                        nsb_child_fail(s, NSB_STEP_SETGROUPS, errno, 0);
                nsb_child_trace(s, NSB_STEP_SETGID, 0);
                if (syscall(SYS_setresgid, s->gid, s->gid, s->gid) < 0)
                        nsb_child_fail(s, NSB_STEP_SETGID, errno, 0);
                nsb_child_trace(s, NSB_STEP_SETUID, 0);
                if (syscall(SYS_setresuid, s->uid, s->uid, s->uid) < 0)
                        nsb_child_fail(s, NSB_STEP_SETUID, errno, 0);
        }
        nsb_child_trace(s, NSB_STEP_CAPABILITIES, 0);
        if ((r = clear_capability_sets(s->keep_caps)) < 0)
                nsb_child_fail(s, NSB_STEP_CAPABILITIES, -r, 0);

        /* Keyrings, as the build user: a session keyring of its own, and
         * (where it is a build user of the host's, shared by every build
         * it runs) its user keyrings emptied of what an earlier build put
         * there. */
        nsb_child_trace(s, NSB_STEP_KEYRING, 0);
        if ((r = nsb_keyring_join_new_session()) < 0 ||
            (s->clear_user_keyrings && (r = nsb_keyring_clear_user()) < 0))
                nsb_child_fail(s, NSB_STEP_KEYRING, -r, 0);

        if (s->die_with_parent) {
                nsb_child_trace(s, NSB_STEP_PARENT_DEATH, 0);
                die_with_parent(s);
        }

        /* Nothing the builder executes can gain privileges (setuid
         * binaries, file capabilities). */
        nsb_child_trace(s, NSB_STEP_NO_NEW_PRIVS, 0);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                nsb_child_fail(s, NSB_STEP_NO_NEW_PRIVS, errno, 0);

#if NSB_HAVE_LANDLOCK
        /* No ptrace, signal or abstract-socket connection reaches out of
         * the build, where the kernel has what each needs (landlock.c).
         * Before the filter, which need not allow Landlock's calls. */
        if (s->landlock) {
                nsb_child_trace(s, NSB_STEP_LANDLOCK, 0);
                if ((r = nsb_landlock_enter(s->landlock)) < 0)
                        nsb_child_fail(s, NSB_STEP_LANDLOCK, -r, 0);
        }
#endif

#if NSB_HAVE_SECCOMP
        if (s->seccomp) {
                nsb_child_trace(s, NSB_STEP_SECCOMP, 0);
                if ((r = nsb_seccomp_install()) < 0)
                        nsb_child_fail(s, NSB_STEP_SECCOMP, -r, 0);
                /* A builder of its supervisor's uid could end it, and so
                 * outlive the build (seccomp-guard.c). */
                if (s->guard_supervisor &&
                    (r = nsb_seccomp_guard_install(s->parent_pid, pgrp,
                                                   s->landlock & NSB_ISOLATION_LANDLOCK_SCOPE)) < 0)
                        nsb_child_fail(s, NSB_STEP_SECCOMP, -r, 1);
        }
#endif

        nsb_child_trace(s, NSB_STEP_CHDIR, 0);
        if (chdir(s->chdir_to) < 0)
                nsb_child_fail(s, NSB_STEP_CHDIR, errno, 0);

        nsb_child_trace(s, NSB_STEP_EXEC, 0);
        exec_builder(s);
        nsb_child_fail(s, NSB_STEP_EXEC, errno, 0);
}
