/* test-seccomp.c - the builder's system-call filter, run through a classic
 * BPF interpreter for every ABI it covers: what it refuses, that it allows
 * everything else without reading an argument (so the kernel's action
 * cache can skip it), that a foreign ABI is killed, and that the program
 * is well formed.  tests/sandbox-seccomp.sh checks the same in the kernel. */
#include "config.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "internal.h"
#include "tap.h"

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif
#define RET_EPERM (SECCOMP_RET_ERRNO | EPERM)
#define RET_ENOTSUP (SECCOMP_RET_ERRNO | ENOTSUP)
#define RET_ENOSYS (SECCOMP_RET_ERRNO | ENOSYS)
#define X32 0x40000000U

struct run {
        uint32_t action;
        unsigned steps;
        bool read_argument;
        const char *error; /* the program is malformed */
};

/* The subset of classic BPF a seccomp filter may use that this one does;
 * anything else is reported as malformed. */
static struct run interpret(const struct sock_fprog *prog, const struct seccomp_data *d)
{
        struct run run = { 0 };
        uint32_t a = 0;
        unsigned char data[sizeof(*d)];
        memcpy(data, d, sizeof(data));
        for (size_t pc = 0; pc < prog->len; pc++) {
                const struct sock_filter *in = &prog->filter[pc];
                run.steps++;
                switch (in->code) {
                case BPF_LD | BPF_W | BPF_ABS:
                        if (in->k % 4 != 0 || in->k + 4 > sizeof(data)) {
                                run.error = "load outside seccomp_data";
                                return run;
                        }
                        memcpy(&a, data + in->k, 4);
                        if (in->k >= offsetof(struct seccomp_data, args))
                                run.read_argument = true;
                        break;
                case BPF_ALU | BPF_AND | BPF_K:
                        a &= in->k;
                        break;
                case BPF_JMP | BPF_JEQ | BPF_K:
                        pc += a == in->k ? in->jt : in->jf;
                        break;
                case BPF_JMP | BPF_JGE | BPF_K:
                        pc += a >= in->k ? in->jt : in->jf;
                        break;
                case BPF_JMP | BPF_JSET | BPF_K:
                        pc += (a & in->k) ? in->jt : in->jf;
                        break;
                case BPF_RET | BPF_K:
                        run.action = in->k;
                        return run;
                default:
                        run.error = "an instruction this filter should not use";
                        return run;
                }
        }
        run.error = "ran off the end of the program";
        return run;
}

struct refused {
        uint32_t nr;
        int mode_arg; /* the argument holding the mode; or one of: */
        const char *name; /* the call's name, for libseccomp's tables */
};
#define XATTR -1      /* refused with ENOTSUP whatever the arguments */
#define KEYRING -2    /* refused with ENOSYS whatever the arguments */
#define PRCTL -3      /* PR_SET_PDEATHSIG refused with EPERM, other options allowed */

struct abi_case {
        const char *name;
        uint32_t arch;
        uint32_t nr_bits; /* added to every number (x32) */
        const struct refused *refused;
        size_t n;
};

/* Numbered alike on every architecture (Linux 4.18 on). */
#define UNIFIED                                                                                                  \
        { 452, 2, "fchmodat2" }, { 463, XATTR, "setxattrat" }, { 464, XATTR, "getxattrat" },                  \
                { 465, XATTR, "listxattrat" }, { 466, XATTR, "removexattrat" }

#if defined(__x86_64__) || defined(__i386__)
static const struct refused x86_64_refused[] = {
        { 90, 1, "chmod" },          { 91, 1, "fchmod" },          { 268, 2, "fchmodat" },
        { 188, XATTR, "setxattr" },  { 189, XATTR, "lsetxattr" },  { 190, XATTR, "fsetxattr" },
        { 191, XATTR, "getxattr" },  { 192, XATTR, "lgetxattr" },  { 193, XATTR, "fgetxattr" },
        { 194, XATTR, "listxattr" }, { 195, XATTR, "llistxattr" }, { 196, XATTR, "flistxattr" },
        { 197, XATTR, "removexattr" }, { 198, XATTR, "lremovexattr" }, { 199, XATTR, "fremovexattr" },
        { 248, KEYRING, "add_key" }, { 249, KEYRING, "request_key" }, { 250, KEYRING, "keyctl" },
        { 157, PRCTL, "prctl" },     UNIFIED,
};
static const struct refused i386_refused[] = {
        { 15, 1, "chmod" },          { 94, 1, "fchmod" },          { 306, 2, "fchmodat" },
        { 226, XATTR, "setxattr" },  { 227, XATTR, "lsetxattr" },  { 228, XATTR, "fsetxattr" },
        { 229, XATTR, "getxattr" },  { 230, XATTR, "lgetxattr" },  { 231, XATTR, "fgetxattr" },
        { 232, XATTR, "listxattr" }, { 233, XATTR, "llistxattr" }, { 234, XATTR, "flistxattr" },
        { 235, XATTR, "removexattr" }, { 236, XATTR, "lremovexattr" }, { 237, XATTR, "fremovexattr" },
        { 286, KEYRING, "add_key" }, { 287, KEYRING, "request_key" }, { 288, KEYRING, "keyctl" },
        { 172, PRCTL, "prctl" },     UNIFIED,
};
static const struct abi_case abis[] = {
        { "x86_64", AUDIT_ARCH_X86_64, 0, x86_64_refused, ELEMENTSOF(x86_64_refused) },
        { "x32", AUDIT_ARCH_X86_64, X32, x86_64_refused, ELEMENTSOF(x86_64_refused) },
        { "i386", AUDIT_ARCH_I386, 0, i386_refused, ELEMENTSOF(i386_refused) },
};
static const uint32_t foreign_arch = AUDIT_ARCH_AARCH64;
#else
#include "seccomp-arch.h"
#define NATIVE(call, mode) { SYS_##call, mode, #call }
static const struct refused native_refused[] = {
#ifdef SYS_chmod
        NATIVE(chmod, 1),
#endif
        NATIVE(fchmod, 1),           NATIVE(fchmodat, 2),
        NATIVE(setxattr, XATTR),     NATIVE(lsetxattr, XATTR),    NATIVE(fsetxattr, XATTR),
        NATIVE(getxattr, XATTR),     NATIVE(lgetxattr, XATTR),    NATIVE(fgetxattr, XATTR),
        NATIVE(listxattr, XATTR),    NATIVE(llistxattr, XATTR),   NATIVE(flistxattr, XATTR),
        NATIVE(removexattr, XATTR),  NATIVE(lremovexattr, XATTR), NATIVE(fremovexattr, XATTR),
        NATIVE(add_key, KEYRING),    NATIVE(request_key, KEYRING), NATIVE(keyctl, KEYRING),
        NATIVE(prctl, PRCTL),        UNIFIED,
};
static const struct abi_case abis[] = {
        { "native", NSB_SECCOMP_NATIVE_ARCH, 0, native_refused, ELEMENTSOF(native_refused) },
};
static const uint32_t foreign_arch = AUDIT_ARCH_X86_64 ^ AUDIT_ARCH_I386; /* no real ABI */
#endif

static const struct refused *find_refused(const struct abi_case *abi, uint32_t nr)
{
        for (size_t i = 0; i < abi->n; i++)
                if (abi->refused[i].nr == nr)
                        return &abi->refused[i];
        return NULL;
}

static struct seccomp_data call(uint32_t arch, uint32_t nr, int mode_arg, uint64_t mode)
{
        struct seccomp_data d = { .nr = (int) nr, .arch = arch };
        /* Arguments that are not the mode: busy bit patterns, but never
         * S_ISUID or S_ISGID, so that only the mode can cause a refusal. */
        for (int i = 0; i < 6; i++)
                d.args[i] = (0x1111111111111111ULL * (uint64_t) (i + 1)) & ~(uint64_t) (S_ISUID | S_ISGID);
        if (mode_arg >= 0)
                d.args[mode_arg] = mode;
        return d;
}

int main(int argc, char **argv)
{
        /* --table: the calls and numbers this test holds the filter to,
         * as "AUDIT_ARCH NR NAME" lines, for nsb-scmp to check against
         * libseccomp's tables (on the host, whatever this build's
         * architecture). */
        if (argc == 2 && strcmp(argv[1], "--table") == 0) {
                for (size_t i = 0; i < ELEMENTSOF(abis); i++)
                        for (size_t j = 0; j < abis[i].n; j++)
                                printf("%#x %u %s\n", abis[i].nr_bits ? 0x4000003eU /* x32 */ : abis[i].arch,
                                       abis[i].refused[j].nr | abis[i].nr_bits, abis[i].refused[j].name);
                return 0;
        }
        const struct sock_fprog *prog = nsb_seccomp_program();
        if (!tap_ok(prog != NULL, "the filter is assembled"))
                return tap_done();
        tap_ok(prog->len > 0 && prog->len <= BPF_MAXINSNS, "its length (%u instructions) is one the kernel takes",
               prog->len);

        for (size_t i = 0; i < ELEMENTSOF(abis); i++) {
                const struct abi_case *abi = &abis[i];
                unsigned wrong = 0, malformed = 0, argument_reads = 0, max_steps = 0, allowed = 0;
                /* Every refused call, with each mode that matters. */
                for (size_t j = 0; j < abi->n; j++) {
                        const struct refused *r = &abi->refused[j];
                        uint32_t nr = r->nr | abi->nr_bits;
                        if (r->mode_arg == XATTR || r->mode_arg == KEYRING) {
                                struct seccomp_data d = call(abi->arch, nr, -1, 0);
                                struct run run = interpret(prog, &d);
                                malformed += run.error != NULL;
                                wrong += run.action != (r->mode_arg == XATTR ? RET_ENOTSUP : RET_ENOSYS);
                                continue;
                        }
                        if (r->mode_arg == PRCTL) {
                                /* PR_SET_PDEATHSIG (1), also with high bits the
                                 * kernel ignores; other options pass. */
                                static const struct {
                                        uint64_t option;
                                        uint32_t want;
                                } opts[] = { { 1, RET_EPERM }, { 0xffffffff00000001ULL, RET_EPERM },
                                             { 2, SECCOMP_RET_ALLOW }, { 38, SECCOMP_RET_ALLOW },
                                             { 0, SECCOMP_RET_ALLOW } };
                                for (size_t o = 0; o < ELEMENTSOF(opts); o++) {
                                        struct seccomp_data d = call(abi->arch, nr, 0, opts[o].option);
                                        struct run run = interpret(prog, &d);
                                        malformed += run.error != NULL;
                                        wrong += run.action != opts[o].want;
                                }
                                continue;
                        }
                        static const struct {
                                uint64_t mode;
                                uint32_t want;
                        } modes[] = {
                                { 04755, RET_EPERM },
                                { 02755, RET_EPERM },
                                { 06777, RET_EPERM },
                                { 0755, SECCOMP_RET_ALLOW },
                                { 01777, SECCOMP_RET_ALLOW },
                                { 0xffffffff00000000ULL | 0644, SECCOMP_RET_ALLOW }, /* high bits are not the mode */
                        };
                        for (size_t m = 0; m < ELEMENTSOF(modes); m++) {
                                struct seccomp_data d = call(abi->arch, nr, r->mode_arg, modes[m].mode);
                                struct run run = interpret(prog, &d);
                                malformed += run.error != NULL;
                                if (run.action != modes[m].want) {
                                        wrong++;
                                        tap_diag("  %s nr %u mode %llo: action %#x", abi->name, r->nr,
                                                 (unsigned long long) modes[m].mode, run.action);
                                }
                        }
                        /* The mode is read from its own argument, not another. */
                        struct seccomp_data d = call(abi->arch, nr, r->mode_arg == 1 ? 2 : 1, 04755);
                        struct run run = interpret(prog, &d);
                        wrong += run.action != SECCOMP_RET_ALLOW;
                }
                tap_ok(wrong == 0 && malformed == 0,
                       "%s: the %zu filtered calls give EPERM for S_ISUID/S_ISGID modes and PR_SET_PDEATHSIG, "
                       "ENOTSUP for xattrs, ENOSYS for keyrings",
                       abi->name, abi->n);

                /* Everything else is allowed, decided from the number alone. */
                wrong = malformed = 0;
                for (uint32_t nr = 0; nr < 1024; nr++) {
                        if (find_refused(abi, nr))
                                continue;
                        struct seccomp_data d = call(abi->arch, nr | abi->nr_bits, 1, 06755);
                        struct run run = interpret(prog, &d);
                        malformed += run.error != NULL;
                        wrong += run.action != SECCOMP_RET_ALLOW;
                        argument_reads += run.read_argument;
                        if (run.steps > max_steps)
                                max_steps = run.steps;
                        allowed++;
                }
                tap_ok(wrong == 0 && malformed == 0, "%s: the other %u numbers below 1024 are allowed", abi->name,
                       allowed);
                tap_ok(argument_reads == 0,
                       "%s: and decided without reading an argument (the kernel's action cache can skip them)",
                       abi->name);
                if (!tap_ok(max_steps <= 12, "%s: in at most 12 instructions (a search, not a list)", abi->name))
                        tap_diag("  %u instructions", max_steps);
        }

        /* Numbers the kernel answers with ENOSYS pass through unchanged. */
        unsigned wrong = 0;
        static const uint32_t odd[] = { 0xffffffffU, 0x80000000U | 90, 0xbfffffffU, X32 | 512, X32 | 1023 };
        for (size_t i = 0; i < ELEMENTSOF(odd); i++) {
                struct seccomp_data d = call(abis[0].arch, odd[i], 1, 04755);
                wrong += interpret(prog, &d).action != SECCOMP_RET_ALLOW;
        }
        tap_ok(wrong == 0, "out-of-range numbers are left to the kernel's ENOSYS");

        struct seccomp_data d = call(foreign_arch, 90, 1, 0755);
        tap_ok(interpret(prog, &d).action == SECCOMP_RET_KILL_PROCESS, "a call through an ABI it does not know kills");
        return tap_done();
}
