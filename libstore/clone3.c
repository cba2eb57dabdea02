/* clone3.c - clone3 whose child starts on a stack of its own (clone3.h).
 *
 * Written by hand because it cannot be written in C: a child that shares
 * our memory (CLONE_VM) must never return into the frame that made the
 * system call, which its parent still has to return from, so the child
 * has to be sent from the instruction after the system call straight into
 * a function on its own stack.  The C library does this for clone(2) and,
 * internally, for clone3; this is the same few instructions, for the
 * architectures whose kernels our tests boot (tests/kernels/run.sh: x86_64
 * with its x32 ABI, and arm64).  Elsewhere spawn.c makes a child with a
 * copy of our memory instead, which costs the copy and nothing else. */
#include "config.h"

#include "clone3.h"

#if NSB_HAVE_CLONE3_ON_STACK

#include <stdint.h>

/* Never inlined: the instructions below assume only what a call of its own
 * keeps simple about where the compiler put things. */
#if defined(__x86_64__)
__attribute__((noinline)) long nsb_clone3_on_stack(struct nsb_clone_args *args, int (*fn)(void *), void *arg)
{
        /* 64-bit values whatever the ABI's pointer size (x32's are 32). */
        unsigned long long a = (uintptr_t) args, f = (uintptr_t) fn, p = (uintptr_t) arg;
        long long ret;
        /* The system call keeps every register but rax, rcx and r11: in
         * the child F and P are still where they were put.  They go into
         * r11 (free after the system call, and never theirs: a clobber)
         * and rdi before rbp is cleared, since either may have been put
         * there.  The child has no frame to return to: the outermost, for
         * unwinders (rbp 0), 16-byte aligned before the call, as the
         * psABI requires. */
        __asm__ volatile("syscall\n\t"
                         "test %%rax, %%rax\n\t"
                         "jnz 1f\n\t"
                         "mov %[f], %%r11\n\t"
                         "mov %[p], %%rdi\n\t"
                         "xor %%ebp, %%ebp\n\t"
                         "and $-16, %%rsp\n\t"
                         "call *%%r11\n\t"
                         "mov %%eax, %%edi\n\t"
                         "mov %[nr_exit], %%eax\n\t"
                         "syscall\n\t"
                         "ud2\n"
                         "1:"
                         : "=a"(ret)
                         : "a"((long long) SYS_clone3), "D"(a), "S"((unsigned long long) sizeof(*args)), [f] "r"(f),
                           [p] "r"(p), [nr_exit] "i"(SYS_exit)
                         : "rcx", "r11", "memory", "cc");
        return (long) ret;
}
#elif defined(__aarch64__)
__attribute__((noinline)) long nsb_clone3_on_stack(struct nsb_clone_args *args, int (*fn)(void *), void *arg)
{
        register long x8 __asm__("x8") = SYS_clone3;
        register long x0 __asm__("x0") = (long) args;
        register long x1 __asm__("x1") = (long) sizeof(*args);
        /* svc keeps every register but x0.  In the child: the argument
         * into x0 and the function into x16 (a scratch register of the
         * procedure call standard, kept from the compiler) before the frame
         * pointer is cleared (either may have been in x29); the stack
         * 16-byte aligned (the kernel sets it where it was told); then the
         * call.  The exit's number is an immediate: the call may have
         * changed any register it could have been in. */
        __asm__ volatile("svc #0\n\t"
                         "cbnz x0, 1f\n\t"
                         "mov x0, %[p]\n\t"
                         "mov x16, %[f]\n\t"
                         "mov x29, xzr\n\t"
                         "mov x17, sp\n\t"
                         "and x17, x17, #-16\n\t"
                         "mov sp, x17\n\t"
                         "blr x16\n\t"
                         "mov x8, %[nr_exit]\n\t"
                         "svc #0\n\t"
                         "brk #0\n"
                         "1:"
                         : "+r"(x0)
                         : "r"(x8), "r"(x1), [f] "r"(fn), [p] "r"(arg), [nr_exit] "i"(SYS_exit)
                         : "x16", "x17", "memory", "cc");
        return x0;
}
#endif

#endif
