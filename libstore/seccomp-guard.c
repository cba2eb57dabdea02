/* seccomp-guard.c - keep a builder from ending its supervisor.
 *
 * Without a PID namespace the builder runs under a supervisor
 * (supervise.c) that kills whatever the build started when it ends.  Where
 * the builder's uid is the supervisor's (an ordinary user's off tier, the
 * full tier without a PID namespace through a user namespace mapped to the
 * caller, root building as itself), the kernel lets the builder do to the
 * supervisor what a process may do to its own: signal it, lower its
 * resource limits (RLIMIT_NOFILE 0 and it can no longer list what to kill;
 * RLIMIT_CPU 0 and the kernel kills it), starve it of CPU, or have SIGIO
 * (with F_SETSIG, any signal) sent to it.  Then what the builder started
 * outlives the build.  Landlock's scope (landlock.c, Linux 6.12) stops
 * signals only.  So a second filter, stacked on the builder's own
 * (seccomp.c) and built here in the child, where the supervisor's pid and
 * process group are known, refuses with EPERM every call that names the
 * supervisor by pid, by process group or as one of the uid's processes:
 *   kill (the pid, its group, -1), tkill, tgkill, rt_sigqueueinfo,
 *   rt_tgsigqueueinfo; prlimit64, sched_setparam, sched_setscheduler,
 *   sched_setaffinity, sched_setattr; setpriority and ioprio_set (the pid,
 *   the group, or the user); fcntl F_SETOWN (the pid or -group); ptrace,
 *   process_vm_writev and pidfd_open of the pid (the supervisor is not
 *   dumpable, but with a user namespace only from just after the
 *   builder's exec);
 *   and, where Landlock's scope does not refuse the signal itself, every
 *   F_SETOWN_EX, FIOSETOWN and SIOCSPGRP (their owner is behind a pointer
 *   no filter reads: a builder that uses them on its own files then fails);
 * and pidfd_send_signal fails with ENOSYS: a pidfd, or an fd of a /proc/PID
 * directory, names no pid a filter can see (callers fall back to kill).
 * Only pids are compared: the builder's own processes, its own process
 * group and itself are untouched.  Every argument compared is an int or
 * an unsigned int, so only its low word, which the kernel reads.
 *
 * Pure computation on the stack, then one prctl: this runs between clone
 * and exec. */
#include "config.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>

#include "internal.h"

#if NSB_HAVE_SECCOMP

#include "seccomp-arch.h"
#include "bpf.h"

#define X32_SYSCALL_BIT 0x40000000U
/* The kernel's constants, fixed by its ABI. */
#define GUARD_F_SETOWN 8
#define GUARD_F_SETOWN_EX 15
#define GUARD_FIOSETOWN 0x8901
#define GUARD_SIOCSPGRP 0x8902
#define GUARD_PRIO_USER 2
#define GUARD_IOPRIO_WHO_USER 3

enum guard_kind {
        GUARD_ARG0_PID,   /* argument 0 is the supervisor's pid */
        GUARD_ARG1_PID,   /* argument 1 is (ptrace) */
        GUARD_KILL,       /* kill: the pid, -its group, -1 */
        GUARD_WHO_PRIO,   /* setpriority: which PRIO_USER, or who the pid or group */
        GUARD_WHO_IOPRIO, /* ioprio_set: the same with IOPRIO_WHO_USER */
        GUARD_FCNTL,      /* F_SETOWN to the pid or -group; F_SETOWN_EX unless scoped */
        GUARD_IOCTL,      /* FIOSETOWN, SIOCSPGRP, unless scoped */
        GUARD_NOSYS,      /* fails with ENOSYS */
};

struct guard_call {
        uint32_t nr;
        enum guard_kind kind;
};

struct guard_abi {
        uint32_t audit_arch;
        bool mask_x32;
        const struct guard_call *calls;
        size_t n_calls;
};

#define GUARD_COMMON_CALLS                                                                                    \
        { 424, GUARD_NOSYS },        /* pidfd_send_signal, one number for every ABI since 5.1 */        \
                { 434, GUARD_ARG0_PID } /* pidfd_open */

#ifdef NSB_SECCOMP_X86
/* arch/x86/entry/syscalls/syscall_64.tbl; x32 calls arrive with the x32
 * bit, masked off here, and its own numbers where it has them (524, 536,
 * 514, 521, 540). */
static const struct guard_call x86_64_calls[] = {
        { 62, GUARD_KILL },          { 200, GUARD_ARG0_PID },     /* tkill */
        { 234, GUARD_ARG0_PID },     /* tgkill */
        { 129, GUARD_ARG0_PID },     /* rt_sigqueueinfo */
        { 524, GUARD_ARG0_PID },     /* x32 rt_sigqueueinfo */
        { 297, GUARD_ARG0_PID },     /* rt_tgsigqueueinfo */
        { 536, GUARD_ARG0_PID },     /* x32 rt_tgsigqueueinfo */
        { 302, GUARD_ARG0_PID },     /* prlimit64 */
        { 142, GUARD_ARG0_PID },     /* sched_setparam */
        { 144, GUARD_ARG0_PID },     /* sched_setscheduler */
        { 203, GUARD_ARG0_PID },     /* sched_setaffinity */
        { 314, GUARD_ARG0_PID },     /* sched_setattr */
        { 141, GUARD_WHO_PRIO },     /* setpriority */
        { 251, GUARD_WHO_IOPRIO },   /* ioprio_set */
        { 72, GUARD_FCNTL },         /* fcntl */
        { 16, GUARD_IOCTL },         /* ioctl */
        { 514, GUARD_IOCTL },        /* x32 ioctl */
        { 101, GUARD_ARG1_PID },     /* ptrace */
        { 521, GUARD_ARG1_PID },     /* x32 ptrace */
        { 311, GUARD_ARG0_PID },     /* process_vm_writev */
        { 540, GUARD_ARG0_PID },     /* x32 process_vm_writev */
        GUARD_COMMON_CALLS,
};

/* arch/x86/entry/syscalls/syscall_32.tbl */
static const struct guard_call i386_calls[] = {
        { 37, GUARD_KILL },        { 238, GUARD_ARG0_PID }, /* tkill */
        { 270, GUARD_ARG0_PID },   /* tgkill */
        { 178, GUARD_ARG0_PID },   /* rt_sigqueueinfo */
        { 335, GUARD_ARG0_PID },   /* rt_tgsigqueueinfo */
        { 340, GUARD_ARG0_PID },   /* prlimit64 */
        { 154, GUARD_ARG0_PID },   /* sched_setparam */
        { 156, GUARD_ARG0_PID },   /* sched_setscheduler */
        { 241, GUARD_ARG0_PID },   /* sched_setaffinity */
        { 351, GUARD_ARG0_PID },   /* sched_setattr */
        { 97, GUARD_WHO_PRIO },    /* setpriority */
        { 289, GUARD_WHO_IOPRIO }, /* ioprio_set */
        { 55, GUARD_FCNTL },       /* fcntl */
        { 221, GUARD_FCNTL },      /* fcntl64 */
        { 54, GUARD_IOCTL },       /* ioctl */
        { 26, GUARD_ARG1_PID },    /* ptrace */
        { 348, GUARD_ARG0_PID },   /* process_vm_writev */
        GUARD_COMMON_CALLS,
};

#if defined(__x86_64__) && !defined(__ILP32__)
_Static_assert(SYS_kill == 62 && SYS_tkill == 200 && SYS_tgkill == 234 && SYS_rt_sigqueueinfo == 129 &&
                       SYS_rt_tgsigqueueinfo == 297 && SYS_prlimit64 == 302 && SYS_sched_setattr == 314 &&
                       SYS_setpriority == 141 && SYS_ioprio_set == 251 && SYS_fcntl == 72 && SYS_ioctl == 16 &&
                       SYS_ptrace == 101 && SYS_process_vm_writev == 311 && SYS_pidfd_send_signal == 424 &&
                       SYS_pidfd_open == 434,
               "x86_64 system-call numbers");
#elif defined(__i386__)
_Static_assert(SYS_kill == 37 && SYS_tkill == 238 && SYS_tgkill == 270 && SYS_rt_sigqueueinfo == 178 &&
                       SYS_rt_tgsigqueueinfo == 335 && SYS_prlimit64 == 340 && SYS_sched_setattr == 351 &&
                       SYS_setpriority == 97 && SYS_ioprio_set == 289 && SYS_fcntl == 55 && SYS_fcntl64 == 221 &&
                       SYS_ioctl == 54 && SYS_ptrace == 26 && SYS_process_vm_writev == 348 &&
                       SYS_pidfd_send_signal == 424 && SYS_pidfd_open == 434,
               "i386 system-call numbers");
#endif

static const struct guard_abi guard_abis[] = {
        { AUDIT_ARCH_X86_64, true, x86_64_calls, ELEMENTSOF(x86_64_calls) },
        { AUDIT_ARCH_I386, false, i386_calls, ELEMENTSOF(i386_calls) },
};
#else
static const struct guard_call native_calls[] = {
        { SYS_kill, GUARD_KILL },
        { SYS_tkill, GUARD_ARG0_PID },
        { SYS_tgkill, GUARD_ARG0_PID },
        { SYS_rt_sigqueueinfo, GUARD_ARG0_PID },
        { SYS_rt_tgsigqueueinfo, GUARD_ARG0_PID },
        { SYS_prlimit64, GUARD_ARG0_PID },
        { SYS_sched_setparam, GUARD_ARG0_PID },
        { SYS_sched_setscheduler, GUARD_ARG0_PID },
        { SYS_sched_setaffinity, GUARD_ARG0_PID },
        { SYS_sched_setattr, GUARD_ARG0_PID },
        { SYS_setpriority, GUARD_WHO_PRIO },
        { SYS_ioprio_set, GUARD_WHO_IOPRIO },
        { SYS_fcntl, GUARD_FCNTL },
#ifdef SYS_fcntl64
        { SYS_fcntl64, GUARD_FCNTL },
#endif
        { SYS_ioctl, GUARD_IOCTL },
        { SYS_ptrace, GUARD_ARG1_PID },
        { SYS_process_vm_writev, GUARD_ARG0_PID },
        GUARD_COMMON_CALLS,
};

static const struct guard_abi guard_abis[] = {
        { NSB_SECCOMP_NATIVE_ARCH, false, native_calls, ELEMENTSOF(native_calls) },
};
#endif

/* Comfortably more than the tables above need (about 6 each). */
#define GUARD_MAX_INSNS 320

static void load_arg(struct nsb_bpf *e, unsigned arg)
{
        nsb_bpf_emit(e, BPF_LD | BPF_W | BPF_ABS, 0, 0,
            (uint32_t) (offsetof(struct seccomp_data, args) + 8 * arg + NSB_SECCOMP_ARG_LOW_WORD));
}

/* Refuse when the accumulator is one of VALUES, else allow. */
static void refuse_if_one_of(struct nsb_bpf *e, const uint32_t *values, size_t n)
{
        for (size_t i = 0; i < n; i++)
                nsb_bpf_emit(e, BPF_JMP | BPF_JEQ | BPF_K, (uint8_t) (n - i), 0, values[i]);
        nsb_bpf_emit(e, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
        nsb_bpf_emit(e, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
}

static void emit_call(struct nsb_bpf *e, const struct guard_call *c, pid_t pid, pid_t pgrp, bool scoped)
{
        const uint32_t p = (uint32_t) pid, minus_p = (uint32_t) -pid, minus_g = (uint32_t) -pgrp, g = (uint32_t) pgrp;
        switch (c->kind) {
        case GUARD_ARG0_PID:
        case GUARD_ARG1_PID:
                load_arg(e, c->kind == GUARD_ARG1_PID);
                refuse_if_one_of(e, &p, 1);
                return;
        case GUARD_KILL: {
                const uint32_t v[] = { p, minus_p, minus_g, UINT32_MAX /* -1 */ };
                load_arg(e, 0);
                refuse_if_one_of(e, v, ELEMENTSOF(v));
                return;
        }
        case GUARD_WHO_PRIO:
        case GUARD_WHO_IOPRIO: {
                load_arg(e, 0);
                nsb_bpf_emit(e, BPF_JMP | BPF_JEQ | BPF_K, 0, 1,
                    c->kind == GUARD_WHO_PRIO ? GUARD_PRIO_USER : GUARD_IOPRIO_WHO_USER);
                nsb_bpf_emit(e, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
                const uint32_t v[] = { p, g };
                load_arg(e, 1);
                refuse_if_one_of(e, v, ELEMENTSOF(v));
                return;
        }
        case GUARD_FCNTL: {
                load_arg(e, 1);
                if (!scoped) {
                        nsb_bpf_emit(e, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, GUARD_F_SETOWN_EX);
                        nsb_bpf_emit(e, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
                }
                size_t not_setown = nsb_bpf_emit(e, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, GUARD_F_SETOWN);
                const uint32_t v[] = { p, minus_p, minus_g };
                load_arg(e, 2);
                refuse_if_one_of(e, v, ELEMENTSOF(v));
                nsb_bpf_land_here(e, not_setown, false);
                nsb_bpf_emit(e, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
                return;
        }
        case GUARD_IOCTL: {
                const uint32_t v[] = { GUARD_FIOSETOWN, GUARD_SIOCSPGRP };
                if (scoped) {
                        nsb_bpf_emit(e, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
                        return;
                }
                load_arg(e, 1);
                refuse_if_one_of(e, v, ELEMENTSOF(v));
                return;
        }
        case GUARD_NOSYS:
                nsb_bpf_emit(e, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
                return;
        }
}

int nsb_seccomp_guard_install(pid_t pid, pid_t pgrp, bool scoped)
{
        struct sock_filter insns[GUARD_MAX_INSNS];
        struct nsb_bpf e = { .insns = insns, .cap = GUARD_MAX_INSNS };
        size_t dispatch[ELEMENTSOF(guard_abis)];
        nsb_bpf_emit(&e, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch));
        for (size_t i = 0; i < ELEMENTSOF(guard_abis); i++)
                dispatch[i] = nsb_bpf_emit(&e, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, guard_abis[i].audit_arch);
        /* Another ABI: the builder's own filter has killed it already. */
        nsb_bpf_emit(&e, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
        for (size_t i = 0; i < ELEMENTSOF(guard_abis); i++) {
                const struct guard_abi *abi = &guard_abis[i];
                nsb_bpf_land_here(&e, dispatch[i], true);
                nsb_bpf_emit(&e, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
                if (abi->mask_x32)
                        nsb_bpf_emit(&e, BPF_ALU | BPF_AND | BPF_K, 0, 0, ~X32_SYSCALL_BIT);
                for (size_t j = 0; j < abi->n_calls; j++) {
                        size_t miss = nsb_bpf_emit(&e, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, abi->calls[j].nr);
                        emit_call(&e, &abi->calls[j], pid, pgrp, scoped);
                        nsb_bpf_land_here(&e, miss, false);
                }
                nsb_bpf_emit(&e, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
        }
        if (e.error < 0)
                return e.error;
        struct sock_fprog prog = { .len = (unsigned short) e.len, .filter = insns };
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
                return -errno;
        return 0;
}

#endif
