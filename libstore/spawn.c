/* spawn.c - create the builder's process, for every tier.
 *
 * The way posix_spawn() does: a child that shares the caller's memory
 * (CLONE_VM) on a stack of its own, while the calling thread waits
 * (CLONE_VFORK) until the child has exec'd or exited.  Nothing of the
 * caller's address space is copied for a process that is about to replace
 * it: no page tables to duplicate, no copy-on-write faults in either
 * process, nothing to tear down at exec.  The child therefore writes no
 * memory but its own stack, the calling thread's errno and the slots the
 * parent prepared for it, which is the rule child.c follows anyway (no
 * allocation, no locks, no stdio).
 *
 * glibc's fork bookkeeping (atfork handlers, its idea of the thread id) is
 * skipped, which is another reason the child only makes system calls until
 * it execs.
 *
 * A child born in its build's cgroup (clone3's CLONE_INTO_CGROUP) is made
 * the same way where clone3.c can start it on its own stack, and else
 * with a copy of our memory (about 0.25 ms more a build here). */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clone3.h"
#include "compat/compat.h"
#include "internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define NSB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NSB_ASAN 1
#endif
#endif
#ifndef NSB_ASAN
#define NSB_ASAN 0
#endif
#if NSB_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

/* What the child's first function needs; on the caller's stack, which the
 * child shares (CLONE_VM) or has a copy of. */
struct spawn_start {
        int (*fn)(void *);
        void *arg;
#if NSB_ASAN
        /* AddressSanitizer must be told which stack the child runs on, or
         * it takes the whole distance to the thread's stack for one frame
         * (and says so on the builder's stderr).  In the caller's memory
         * the child's switch is the caller's too: it is undone with the
         * bounds the child found. */
        const void *stack_bottom;
        size_t stack_size;
        const void *caller_bottom;
        size_t caller_size;
#endif
};

static int spawn_child_start(void *p)
{
        struct spawn_start *start = p;
#if NSB_ASAN
        void *fake_stack = NULL;
        __sanitizer_start_switch_fiber(&fake_stack, start->stack_bottom, start->stack_size);
        __sanitizer_finish_switch_fiber(fake_stack, &start->caller_bottom, &start->caller_size);
#endif
        return start->fn(start->arg);
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* The child's stack: deep enough for the plan's path buffers (a few
 * PATH_MAX arrays) with a wide margin, and only what is touched costs. */
#define SPAWN_STACK_SIZE (256 * 1024)

#if HAVE_CLONE
/* The child on a stack of its own, in our memory with SHARE_MEMORY; born in
 * the cgroup CGROUP_FD (>= 0: clone3, where clone3.c can start it so). */
static pid_t spawn_on_stack(unsigned long flags, bool share_memory, int cgroup_fd, int (*fn)(void *), void *arg,
                            int *ret_pidfd)
{
        *ret_pidfd = -1;
        size_t guard = (size_t) sysconf(_SC_PAGESIZE);
        size_t size = SPAWN_STACK_SIZE + guard;
        void *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE,
                           -1, 0);
        if (stack == MAP_FAILED)
                return -errno;
        /* A child that overran its stack would write into the caller's
         * memory: end it at a page it cannot touch.  (Only hppa's stack
         * grows up; it gets the guard at the other end.) */
#ifdef __hppa__
        void *guard_page = (char *) stack + SPAWN_STACK_SIZE;
        void *stack_start = stack;
#else
        void *guard_page = stack;
        void *stack_start = (char *) stack + size;
#endif
        if (mprotect(guard_page, guard, PROT_NONE) < 0) {
                int err = errno;
                (void) munmap(stack, size);
                return -err;
        }

        /* Every signal blocked across the clone, the internal ones of the
         * threading library too (hence the raw call): a handler of the
         * caller's must never run in a child that shares its memory.  The
         * child resets every disposition to the default before it
         * unblocks anything (nsb_child_begin). */
        uint64_t all[2] = { UINT64_MAX, UINT64_MAX }, saved[2];
        if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, all, saved, NSB_KERNEL_SIGSET_SIZE) < 0) {
                int err = errno;
                (void) munmap(stack, size);
                return -err;
        }

        struct spawn_start start = { .fn = fn, .arg = arg };
#if NSB_ASAN
        start.stack_bottom = (char *) stack + guard;
        start.stack_size = SPAWN_STACK_SIZE;
#ifdef __hppa__
        start.stack_bottom = stack;
#endif
#endif
        /* A child in our memory that changes its uid makes that memory
         * undumpable (the kernel does so on every change of credentials),
         * and it is ours: what we were is restored once it is gone. */
        int dumpable = share_memory ? prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) : -1;
        int cflags = (int) (flags | SIGCHLD);
        if (share_memory)
                cflags |= CLONE_VM | CLONE_VFORK;
        int pidfd = -1;
        pid_t pid;
        int err;
#if NSB_HAVE_CLONE3_ON_STACK
        if (cgroup_fd >= 0) {
                struct nsb_clone_args args = {
                        .flags = (uint64_t) (unsigned) (cflags & ~0xff) | CLONE_PIDFD | CLONE_INTO_CGROUP,
                        .pidfd = (uint64_t) (uintptr_t) &pidfd,
                        .exit_signal = SIGCHLD,
                        .stack = (uint64_t) (uintptr_t) ((char *) stack + guard),
                        .stack_size = SPAWN_STACK_SIZE,
                        .cgroup = (uint64_t) cgroup_fd,
                };
                long r = nsb_clone3_on_stack(&args, spawn_child_start, &start);
                pid = r < 0 ? -1 : (pid_t) r;
                err = r < 0 ? (int) -r : 0;
        } else
#else
        (void) cgroup_fd;
#endif
        {
                /* CLONE_PIDFD (Linux 5.2) hands back a pidfd (always
                 * close-on-exec) for race-free signalling and waiting;
                 * older kernels refuse the flag and get pidfd_open(),
                 * then nothing. */
                pid = clone(spawn_child_start, stack_start, cflags | CLONE_PIDFD, &start, &pidfd);
                err = errno;
        }
        if (pid < 0 && err == EINVAL && cgroup_fd < 0) {
                pidfd = -1;
                pid = clone(spawn_child_start, stack_start, cflags, &start);
                err = errno;
                if (pid > 0)
                        pidfd = pidfd_open(pid, 0);
        }

#if NSB_ASAN
        if (share_memory && start.caller_size) {
                void *fake_stack = NULL;
                __sanitizer_start_switch_fiber(&fake_stack, start.caller_bottom, start.caller_size);
                __sanitizer_finish_switch_fiber(fake_stack, NULL, NULL);
        }
#endif
        if (dumpable > 0 && prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != dumpable)
                (void) prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0);
        (void) syscall(SYS_rt_sigprocmask, SIG_SETMASK, saved, NULL, NSB_KERNEL_SIGSET_SIZE);
        /* With CLONE_VFORK the child is past its exec or gone, and no
         * longer uses the stack; without it, the child has its own copy. */
#if NSB_ASAN
        /* A child that exec'd or exited never returned from its frames,
         * whose redzones stay poisoned in the shadow of memory we give
         * back: the next stack mmap() returns at that address would start
         * poisoned, and the sanitizer, finding its own frames there
         * inconsistent, aborts the next child in our memory, holding its
         * locks (the sanitizer stage saw test-threads hang so). */
        __asan_unpoison_memory_region(stack, size);
#endif
        (void) munmap(stack, size);
        if (pid < 0)
                return -err;
        *ret_pidfd = pidfd;
        return pid;
}
#endif

#if HAVE_CLONE && defined(SYS_clone3)
/* clone3 with CLONE_INTO_CGROUP: the child is born in the cgroup
 * CGROUP_FD, where writing its pid to cgroup.procs afterwards would be a
 * migration, which takes the kernel's global cgroup_threadgroup_rwsem for
 * writing: a whole RCU grace period (measured: 11 ms on the development
 * machine, more than the rest of a build's start).  Where clone3.c
 * cannot start the child on a stack of its own: like fork(), not in our
 * memory, the child continuing on a copy of our stack (as clone.c's probes
 * do); with VFORK we are suspended until it execs. */
static pid_t clone_into_cgroup(unsigned long flags, bool vfork, int cgroup_fd, int (*fn)(void *), void *arg,
                               int *ret_pidfd)
{
        uint64_t all[2] = { UINT64_MAX, UINT64_MAX }, saved[2];
        if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, all, saved, NSB_KERNEL_SIGSET_SIZE) < 0)
                return -errno;
        int pidfd = -1;
        struct nsb_clone_args args = {
                .flags = (uint64_t) flags | CLONE_PIDFD | CLONE_INTO_CGROUP | (vfork ? CLONE_VFORK : 0),
                .pidfd = (uint64_t) (uintptr_t) &pidfd,
                .exit_signal = SIGCHLD,
                .cgroup = (uint64_t) cgroup_fd,
        };
        pid_t pid = (pid_t) syscall(SYS_clone3, &args, sizeof(args));
        if (pid == 0)
                _exit(fn(arg));
        int err = errno;
        (void) syscall(SYS_rt_sigprocmask, SIG_SETMASK, saved, NULL, NSB_KERNEL_SIGSET_SIZE);
        if (pid < 0)
                return -err;
        *ret_pidfd = pidfd;
        return pid;
}
#endif

pid_t nsb_clone_spawn_cgroup(unsigned long flags, bool share_memory, int cgroup_fd, bool *born_in_cgroup,
                             int (*fn)(void *), void *arg, int *ret_pidfd)
{
        *born_in_cgroup = false;
#if HAVE_CLONE && defined(SYS_clone3)
        if (cgroup_fd >= 0) {
                /* Set before the clone: the child reads its copy. */
                *born_in_cgroup = true;
                *ret_pidfd = -1;
                pid_t pid = NSB_HAVE_CLONE3_ON_STACK && share_memory
                                    ? spawn_on_stack(flags, true, cgroup_fd, fn, arg, ret_pidfd)
                                    : clone_into_cgroup(flags, share_memory, cgroup_fd, fn, arg, ret_pidfd);
                if (pid >= 0)
                        return pid;
                /* A kernel before 5.7 (before 5.3: no clone3), a seccomp
                 * policy that refuses clone3 (container runtimes' do,
                 * with ENOSYS or EPERM), or the cgroup refusing (EACCES,
                 * EBUSY, ENOENT, EOPNOTSUPP): the plain clone, whose child
                 * joins by a write and says which step failed; a
                 * namespace the kernel refuses fails there again, as
                 * itself. */
                *born_in_cgroup = false;
                if (pid != -ENOSYS && pid != -E2BIG && pid != -EINVAL && pid != -EPERM && pid != -EACCES &&
                    pid != -EBUSY && pid != -ENOENT && pid != -EOPNOTSUPP)
                        return pid;
        }
#else
        (void) cgroup_fd;
#endif
        return nsb_clone_spawn(flags, share_memory, fn, arg, ret_pidfd);
}

#if !HAVE_CLONE
/* A C library without clone(): a plain fork, for the tiers without
 * namespaces (the full tier is not built on such a system). */
pid_t nsb_clone_spawn(unsigned long flags, bool share_memory, int (*fn)(void *), void *arg, int *ret_pidfd)
{
        (void) share_memory;
        *ret_pidfd = -1;
        if (flags)
                return -ENOSYS;
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                _exit(fn(arg));
        *ret_pidfd = pidfd_open(pid, 0);
        return pid;
}
#else
pid_t nsb_clone_spawn(unsigned long flags, bool share_memory, int (*fn)(void *), void *arg, int *ret_pidfd)
{
        return spawn_on_stack(flags, share_memory, -1, fn, arg, ret_pidfd);
}
#endif
