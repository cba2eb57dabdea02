/* privileges.c - what the parent finds out about capabilities for the
 * child, which drops them (child.c). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#if HAVE_LIBCAP
#include <sys/capability.h>
#endif

#include "internal.h"

unsigned nsb_last_capability(void)
{
#if HAVE_LIBCAP
        /* libcap asks the kernel (cap_last_cap, else a probe). */
        cap_value_t n = cap_max_bits();
        if (n > 0)
                return (unsigned) n - 1;
#endif
        unsigned last = 0;
        FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
        if (f) {
                if (fscanf(f, "%u", &last) != 1)
                        last = 0;
                fclose(f);
        }
        /* Unknown: try every number a capability set can hold; the child
         * stops caring at the first EINVAL. */
        return last ? last : 63;
}
