/* seccomp.c - the builder's system-call filter, as in Nix.
 *
 * Everything is allowed except what would put into a store path something
 * a store cannot represent or must not hold, or would reach beyond the
 * build:
 *   - chmod, fchmod, fchmodat, fchmodat2 with S_ISUID or S_ISGID in the
 *     mode fail with EPERM (CVE-2024-38531 set setuid bits via fchmodat2);
 *   - the extended-attribute calls, the Linux 6.13 *xattrat ones included,
 *     fail with ENOTSUP (xattrs and ACLs are not part of a NAR);
 *   - the kernel keyrings (add_key, request_key, keyctl) fail with ENOSYS,
 *     as in Docker's default profile: keys belong to no namespace, and by
 *     its uid a builder would reach every key of its caller's in a user
 *     namespace, or lock a build user's keyrings for good (KEYCTL_SETPERM);
 *   - prctl(PR_SET_PDEATHSIG) fails with EPERM: the builder must not
 *     unset the parent-death signal that ends it (and, as PID 1, the whole
 *     build) when nsbuild dies.
 * A system call of an ABI the filter does not know kills the builder
 * (seccomp-arch.h says which ABIs, and why x86 filters three).
 *
 * The filter is written here as BPF rather than compiled by libseccomp:
 * it is a few dozen instructions, libseccomp took a third of a millisecond
 * of every nsbuild run to compile them, and a libseccomp older than the
 * kernel does not know the newest calls (fchmodat2, *xattrat) at all.
 * Each ABI's rules are searched as a balanced tree of comparisons on the
 * system-call number, with no load of an argument on the way, so the
 * kernel's action cache (Linux 5.11), which runs the filter once per
 * number when it is installed, proves every other call allowed: the
 * builder's ordinary system calls then never run the filter at all. */
#include "config.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "internal.h"
#include "seccomp-arch.h"
#include "bpf.h"

#ifndef SECCOMP_RET_KILL_PROCESS
/* Linux 4.14; older kernels read it as SECCOMP_RET_KILL (the thread). */
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif
#define X32_SYSCALL_BIT 0x40000000U

enum rule_kind {
        RULE_NO_XATTR,      /* fail with ENOTSUP */
        RULE_NO_SETID_ARG1, /* EPERM when argument 1 (the mode) has S_ISUID or S_ISGID */
        RULE_NO_SETID_ARG2, /* the same for argument 2 */
        RULE_NO_KEYRING,    /* fail with ENOSYS */
        RULE_NO_PDEATHSIG,  /* prctl: EPERM for PR_SET_PDEATHSIG */
};

struct rule {
        uint32_t nr;
        enum rule_kind kind;
};

struct abi {
        uint32_t audit_arch;
        bool mask_x32; /* x32 calls arrive as the x86_64 number | 0x40000000 */
        const struct rule *rules;
        size_t n_rules;
};

#ifndef PR_SET_PDEATHSIG
#define PR_SET_PDEATHSIG 1
#endif

#define XATTRAT_RULES                                                                                   \
        { NSB_NR_SETXATTRAT, RULE_NO_XATTR }, { NSB_NR_GETXATTRAT, RULE_NO_XATTR },                     \
                { NSB_NR_LISTXATTRAT, RULE_NO_XATTR }, { NSB_NR_REMOVEXATTRAT, RULE_NO_XATTR }

#ifdef NSB_SECCOMP_X86
/* arch/x86/entry/syscalls/syscall_64.tbl; x32 uses the same numbers for
 * these calls (none of them is among x32's own 512-547). */
static const struct rule x86_64_rules[] = {
        { 90, RULE_NO_SETID_ARG1 },  /* chmod */
        { 91, RULE_NO_SETID_ARG1 },  /* fchmod */
        { 188, RULE_NO_XATTR },      /* setxattr */
        { 189, RULE_NO_XATTR },      /* lsetxattr */
        { 190, RULE_NO_XATTR },      /* fsetxattr */
        { 191, RULE_NO_XATTR },      /* getxattr */
        { 192, RULE_NO_XATTR },      /* lgetxattr */
        { 193, RULE_NO_XATTR },      /* fgetxattr */
        { 194, RULE_NO_XATTR },      /* listxattr */
        { 195, RULE_NO_XATTR },      /* llistxattr */
        { 196, RULE_NO_XATTR },      /* flistxattr */
        { 197, RULE_NO_XATTR },      /* removexattr */
        { 198, RULE_NO_XATTR },      /* lremovexattr */
        { 199, RULE_NO_XATTR },      /* fremovexattr */
        { 268, RULE_NO_SETID_ARG2 }, /* fchmodat */
        { __NR_fchmodat2, RULE_NO_SETID_ARG2 },
        { 157, RULE_NO_PDEATHSIG },  /* prctl */
        { 248, RULE_NO_KEYRING },    /* add_key */
        { 249, RULE_NO_KEYRING },    /* request_key */
        { 250, RULE_NO_KEYRING },    /* keyctl */
        XATTRAT_RULES,
};

/* arch/x86/entry/syscalls/syscall_32.tbl */
static const struct rule i386_rules[] = {
        { 15, RULE_NO_SETID_ARG1 },  /* chmod */
        { 94, RULE_NO_SETID_ARG1 },  /* fchmod */
        { 226, RULE_NO_XATTR },      /* setxattr */
        { 227, RULE_NO_XATTR },      /* lsetxattr */
        { 228, RULE_NO_XATTR },      /* fsetxattr */
        { 229, RULE_NO_XATTR },      /* getxattr */
        { 230, RULE_NO_XATTR },      /* lgetxattr */
        { 231, RULE_NO_XATTR },      /* fgetxattr */
        { 232, RULE_NO_XATTR },      /* listxattr */
        { 233, RULE_NO_XATTR },      /* llistxattr */
        { 234, RULE_NO_XATTR },      /* flistxattr */
        { 235, RULE_NO_XATTR },      /* removexattr */
        { 236, RULE_NO_XATTR },      /* lremovexattr */
        { 237, RULE_NO_XATTR },      /* fremovexattr */
        { 306, RULE_NO_SETID_ARG2 }, /* fchmodat */
        { __NR_fchmodat2, RULE_NO_SETID_ARG2 },
        { 172, RULE_NO_PDEATHSIG },  /* prctl */
        { 286, RULE_NO_KEYRING },    /* add_key */
        { 287, RULE_NO_KEYRING },    /* request_key */
        { 288, RULE_NO_KEYRING },    /* keyctl */
        XATTRAT_RULES,
};

/* The written-out numbers of this build's own ABI, checked against the C
 * library's headers. */
#if defined(__x86_64__) && !defined(__ILP32__)
_Static_assert(SYS_chmod == 90 && SYS_fchmod == 91 && SYS_setxattr == 188 && SYS_fremovexattr == 199 &&
                       SYS_fchmodat == 268 && SYS_prctl == 157 && SYS_add_key == 248 && SYS_request_key == 249 &&
                       SYS_keyctl == 250,
               "x86_64 system-call numbers");
#elif defined(__i386__)
_Static_assert(SYS_chmod == 15 && SYS_fchmod == 94 && SYS_setxattr == 226 && SYS_fremovexattr == 237 &&
                       SYS_fchmodat == 306 && SYS_prctl == 172 && SYS_add_key == 286 && SYS_request_key == 287 &&
                       SYS_keyctl == 288,
               "i386 system-call numbers");
#endif

static const struct abi abis[] = {
        { AUDIT_ARCH_X86_64, true, x86_64_rules, ELEMENTSOF(x86_64_rules) },
        { AUDIT_ARCH_I386, false, i386_rules, ELEMENTSOF(i386_rules) },
};
#else
static const struct rule native_rules[] = {
#ifdef SYS_chmod
        { SYS_chmod, RULE_NO_SETID_ARG1 },
#endif
        { SYS_fchmod, RULE_NO_SETID_ARG1 },
        { SYS_fchmodat, RULE_NO_SETID_ARG2 },
        { __NR_fchmodat2, RULE_NO_SETID_ARG2 },
        { SYS_setxattr, RULE_NO_XATTR },
        { SYS_lsetxattr, RULE_NO_XATTR },
        { SYS_fsetxattr, RULE_NO_XATTR },
        { SYS_getxattr, RULE_NO_XATTR },
        { SYS_lgetxattr, RULE_NO_XATTR },
        { SYS_fgetxattr, RULE_NO_XATTR },
        { SYS_listxattr, RULE_NO_XATTR },
        { SYS_llistxattr, RULE_NO_XATTR },
        { SYS_flistxattr, RULE_NO_XATTR },
        { SYS_removexattr, RULE_NO_XATTR },
        { SYS_lremovexattr, RULE_NO_XATTR },
        { SYS_fremovexattr, RULE_NO_XATTR },
        { SYS_prctl, RULE_NO_PDEATHSIG },
        { SYS_add_key, RULE_NO_KEYRING },
        { SYS_request_key, RULE_NO_KEYRING },
        { SYS_keyctl, RULE_NO_KEYRING },
        XATTRAT_RULES,
};

static const struct abi abis[] = {
        { NSB_SECCOMP_NATIVE_ARCH, false, native_rules, ELEMENTSOF(native_rules) },
};
#endif

#define MAX_RULES 32
#define MAX_INSNS 512

static void emit_action(struct nsb_bpf *e, const struct rule *r)
{
        if (r->kind == RULE_NO_XATTR) {
                nsb_bpf_emit(e, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | (ENOTSUP & SECCOMP_RET_DATA));
                return;
        }
        if (r->kind == RULE_NO_KEYRING) {
                nsb_bpf_emit(e, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
                return;
        }
        if (r->kind == RULE_NO_PDEATHSIG) {
                /* The option is an int: the kernel reads its low word. */
                nsb_bpf_emit(e, BPF_LD | BPF_W | BPF_ABS, 0, 0,
                     (uint32_t) (offsetof(struct seccomp_data, args) + NSB_SECCOMP_ARG_LOW_WORD));
                nsb_bpf_emit(e, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, PR_SET_PDEATHSIG);
                nsb_bpf_emit(e, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
                nsb_bpf_emit(e, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
                return;
        }
        /* mode_t is 32 bits and the kernel reads no more of the argument. */
        unsigned arg = r->kind == RULE_NO_SETID_ARG1 ? 1 : 2;
        nsb_bpf_emit(e, BPF_LD | BPF_W | BPF_ABS, 0, 0,
             (uint32_t) (offsetof(struct seccomp_data, args) + 8 * arg + NSB_SECCOMP_ARG_LOW_WORD));
        nsb_bpf_emit(e, BPF_JMP | BPF_JSET | BPF_K, 0, 1, S_ISUID | S_ISGID);
        nsb_bpf_emit(e, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
        nsb_bpf_emit(e, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
}

/* With the number in the accumulator, find it among rules[0..n), sorted:
 * halve with a JGE until two remain, then compare each. */
static void emit_search(struct nsb_bpf *e, const struct rule *rules, size_t n)
{
        if (n <= 2) {
                for (size_t i = 0; i < n; i++) {
                        size_t miss = nsb_bpf_emit(e, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, rules[i].nr);
                        emit_action(e, &rules[i]);
                        nsb_bpf_land_here(e, miss, false);
                }
                nsb_bpf_emit(e, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
                return;
        }
        size_t mid = n / 2;
        size_t split = nsb_bpf_emit(e, BPF_JMP | BPF_JGE | BPF_K, 0, 0, rules[mid].nr);
        emit_search(e, rules, mid);
        nsb_bpf_land_here(e, split, true);
        emit_search(e, rules + mid, n - mid);
}

static int compare_rules(const void *a, const void *b)
{
        const struct rule *x = a, *y = b;
        return x->nr < y->nr ? -1 : x->nr > y->nr;
}

static int emit_abi(struct nsb_bpf *e, const struct abi *abi)
{
        struct rule sorted[MAX_RULES];
        if (abi->n_rules > MAX_RULES)
                return -E2BIG;
        memcpy(sorted, abi->rules, abi->n_rules * sizeof(sorted[0]));
        qsort(sorted, abi->n_rules, sizeof(sorted[0]), compare_rules);
        for (size_t i = 1; i < abi->n_rules; i++)
                if (sorted[i].nr == sorted[i - 1].nr)
                        return -EINVAL; /* a number listed twice: a mistake in the tables */
        nsb_bpf_emit(e, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
        if (abi->mask_x32)
                nsb_bpf_emit(e, BPF_ALU | BPF_AND | BPF_K, 0, 0, ~X32_SYSCALL_BIT);
        emit_search(e, sorted, abi->n_rules);
        return 0;
}

static struct sock_filter filter_insns[MAX_INSNS];
static struct sock_fprog filter;
static int filter_error;
static pthread_once_t filter_once = PTHREAD_ONCE_INIT;

static void build_filter(void)
{
        struct nsb_bpf e = { .insns = filter_insns, .cap = MAX_INSNS };
        size_t dispatch[ELEMENTSOF(abis)];
        nsb_bpf_emit(&e, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch));
        for (size_t i = 0; i < ELEMENTSOF(abis); i++)
                dispatch[i] = nsb_bpf_emit(&e, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, abis[i].audit_arch);
        nsb_bpf_emit(&e, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS);
        for (size_t i = 0; i < ELEMENTSOF(abis) && e.error == 0; i++) {
                nsb_bpf_land_here(&e, dispatch[i], true);
                int r = emit_abi(&e, &abis[i]);
                if (r < 0)
                        e.error = r;
        }
        filter_error = e.error;
        if (e.error == 0)
                filter = (struct sock_fprog) { .len = (unsigned short) e.len, .filter = filter_insns };
}

int nsb_seccomp_prepare(void)
{
        (void) pthread_once(&filter_once, build_filter);
        return filter_error;
}

const struct sock_fprog *nsb_seccomp_program(void)
{
        return nsb_seccomp_prepare() < 0 ? NULL : &filter;
}

int nsb_seccomp_install(void)
{
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter, 0, 0) < 0)
                return -errno;
        return 0;
}
