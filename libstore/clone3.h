/* clone3.h - clone3 with the child on a stack of its own, running a
 * function of ours: what the C library's clone() wrapper does for clone(2),
 * which no C library exports for clone3 (glibc's __clone3, 2.34, is
 * internal).  It takes a few instructions per architecture; where they are
 * not written, NSB_HAVE_CLONE3_ON_STACK is 0.  Not installed. */
#pragma once

#include <sys/syscall.h>

#include "internal.h"

#if defined(SYS_clone3) && (defined(__x86_64__) || defined(__aarch64__))
#define NSB_HAVE_CLONE3_ON_STACK 1
/* clone3(ARGS) whose child, on the stack ARGS gives it (which must be
 * set), calls FN(ARG) and exits with what it returns, never returning
 * here.  The child's pid, or -errno; no errno is set. */
long nsb_clone3_on_stack(struct nsb_clone_args *args, int (*fn)(void *), void *arg);
#else
#define NSB_HAVE_CLONE3_ON_STACK 0
#endif
