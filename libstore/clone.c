/* clone.c - fork with namespace flags, the way bubblewrap and systemd do,
 * for the runtime probes (builders are started by spawn.c).
 *
 * The child continues on a copy of the caller's stack, like fork(): no
 * separate stack to allocate.  glibc's fork() cannot take namespace flags.
 * The raw system call skips glibc's fork bookkeeping (atfork handlers, its
 * idea of the thread id), which is why the child only makes system calls
 * until it exits. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#if __has_include(<linux/sched.h>)
#include <linux/sched.h>
#endif

#include "compat/compat.h"
#include "internal.h"

static pid_t raw_clone(unsigned long flags, int *pidfd)
{
        /* The argument order of clone(2) differs between architectures;
         * with the stack, the child tid and tls all zero, only s390 puts
         * the flags second. */
#if defined(__s390__) || defined(__CRIS__)
        return (pid_t) syscall(SYS_clone, 0, flags, pidfd, 0, 0);
#else
        return (pid_t) syscall(SYS_clone, flags, 0, pidfd, 0, 0);
#endif
}

pid_t nsb_clone_fork(unsigned long flags, int *ret_pidfd)
{
        int pidfd = -1;
        pid_t pid;
        *ret_pidfd = -1;

#ifdef SYS_clone3
        /* clone3 (Linux 5.3) hands back a pidfd (always close-on-exec) for
         * race-free signalling and waiting. */
        struct nsb_clone_args args = {
                .flags = flags | CLONE_PIDFD,
                .pidfd = (uint64_t) (uintptr_t) &pidfd,
                .exit_signal = SIGCHLD,
        };
        pid = (pid_t) syscall(SYS_clone3, &args, sizeof(args));
        if (pid >= 0) {
                if (pid > 0)
                        *ret_pidfd = pidfd;
                return pid;
        }
        if (errno != ENOSYS && errno != E2BIG)
                return -errno;
#endif
        /* clone with CLONE_PIDFD (Linux 5.2), then without it. */
        pid = raw_clone(flags | CLONE_PIDFD | SIGCHLD, &pidfd);
        if (pid < 0 && errno == EINVAL) {
                pidfd = -1;
                pid = raw_clone(flags | SIGCHLD, NULL);
                if (pid > 0)
                        pidfd = pidfd_open(pid, 0);
        }
        if (pid < 0)
                return -errno;
        if (pid > 0)
                *ret_pidfd = pidfd;
        return pid;
}
