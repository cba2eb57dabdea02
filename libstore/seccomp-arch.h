/* seccomp-arch.h - the system-call ABIs the builder's filter knows.
 *
 * A filter must name every ABI a process on this kernel can call through,
 * or a builder goes around it: on x86 a 64-bit process can still enter the
 * kernel as i386 (int $0x80) or x32 (the 0x40000000 bit), so an x86 build
 * filters all three whatever its own ABI.  Elsewhere the filter covers the
 * native ABI and kills any other (a 32-bit ARM binary on arm64, say).
 *
 * The x86 numbers are written out because one translation unit cannot
 * include two ABIs' <asm/unistd_*.h>; kernel system-call numbers never
 * change, and seccomp.c checks the native ones against <sys/syscall.h> at
 * compile time.  Other architectures take theirs from <sys/syscall.h>.
 *
 * configure compiles this header to decide whether the SECCOMP capability
 * exists: on an architecture not listed here it fails with #error (which
 * cppcheck, trying configurations with none defined, is told to expect).
 *
 * NSB_SECCOMP_ARCH_TESTED: 1 where the kernel matrix (tests/kernels/run.sh)
 * boots a kernel of the architecture and runs the filter's tests under
 * it; 0 where Debian offers neither a kernel nor a toolchain to do so, and
 * nsbuild --version says "untested" instead of claiming it. */
#ifndef NSB_SECCOMP_ARCH_H
#define NSB_SECCOMP_ARCH_H

#include <linux/audit.h>
#include <sys/syscall.h>

/* System calls newer than many headers; since Linux 4.18 (424) new calls
 * have one number on every architecture listed here. */
#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif
#define NSB_NR_SETXATTRAT 463
#define NSB_NR_GETXATTRAT 464
#define NSB_NR_LISTXATTRAT 465
#define NSB_NR_REMOVEXATTRAT 466

#if defined(__x86_64__) || defined(__i386__)
#define NSB_SECCOMP_X86 1
#define NSB_SECCOMP_ARCH_NAME "x86_64, i386 and x32"
#define NSB_SECCOMP_ARCH_TESTED 1
#elif defined(__aarch64__)
#define NSB_SECCOMP_NATIVE_ARCH AUDIT_ARCH_AARCH64
#define NSB_SECCOMP_ARCH_NAME "aarch64"
#define NSB_SECCOMP_ARCH_TESTED 1
#elif defined(__arm__) && defined(__ARM_EABI__) && defined(__ARMEL__)
#define NSB_SECCOMP_NATIVE_ARCH AUDIT_ARCH_ARM
#define NSB_SECCOMP_ARCH_NAME "arm"
#define NSB_SECCOMP_ARCH_TESTED 1
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
#define NSB_SECCOMP_NATIVE_ARCH AUDIT_ARCH_PPC64LE
#define NSB_SECCOMP_ARCH_NAME "ppc64le"
#define NSB_SECCOMP_ARCH_TESTED 1
#elif defined(__powerpc64__)
#define NSB_SECCOMP_NATIVE_ARCH AUDIT_ARCH_PPC64
#define NSB_SECCOMP_ARCH_NAME "ppc64"
#define NSB_SECCOMP_ARCH_TESTED 0
#elif defined(__s390x__)
#define NSB_SECCOMP_NATIVE_ARCH AUDIT_ARCH_S390X
#define NSB_SECCOMP_ARCH_NAME "s390x"
#define NSB_SECCOMP_ARCH_TESTED 1
#elif defined(__riscv) && __riscv_xlen == 64
#define NSB_SECCOMP_NATIVE_ARCH AUDIT_ARCH_RISCV64
#define NSB_SECCOMP_ARCH_NAME "riscv64"
#define NSB_SECCOMP_ARCH_TESTED 1
#elif defined(__loongarch64) && defined(AUDIT_ARCH_LOONGARCH64)
#define NSB_SECCOMP_NATIVE_ARCH AUDIT_ARCH_LOONGARCH64
#define NSB_SECCOMP_ARCH_NAME "loongarch64"
#define NSB_SECCOMP_ARCH_TESTED 0
#else
#error "the builder's system-call filter does not know this architecture's system-call ABIs"
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define NSB_SECCOMP_ARG_LOW_WORD 4
#else
#define NSB_SECCOMP_ARG_LOW_WORD 0
#endif

#endif
