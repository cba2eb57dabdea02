/* privileges.c - what the parent finds out about capabilities for the
 * child, which drops them (child.c) with its own system calls. */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <sys/prctl.h>

#include "internal.h"

/* The highest capability number the running kernel knows, which may be
 * more or fewer than the headers we were built with.  PR_CAPBSET_READ
 * (Linux 2.6.25) fails with EINVAL beyond it, so a binary search over the
 * 64 numbers a capability set holds finds it in six calls, without /proc
 * (which a chroot may lack); libcap does the same.  Asked once a process. */
unsigned nsb_last_capability(void)
{
        static atomic_uint cached; /* last + 1, 0 until known */
        unsigned c = atomic_load_explicit(&cached, memory_order_relaxed);
        if (c)
                return c - 1;
        /* Without the call at all, the child tries every number. */
        if (prctl(PR_CAPBSET_READ, 0, 0, 0, 0) < 0)
                return 63;
        unsigned lo = 0, hi = 63; /* lo is known to exist */
        while (lo < hi) {
                unsigned mid = (lo + hi + 1) / 2;
                if (prctl(PR_CAPBSET_READ, mid, 0, 0, 0) >= 0)
                        lo = mid;
                else
                        hi = mid - 1;
        }
        atomic_store_explicit(&cached, lo + 1, memory_order_relaxed);
        return lo;
}
