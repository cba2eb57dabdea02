/* privileges.c - what the parent finds out about capabilities for the
 * child, which drops them (child.c) with its own system calls. */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

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

/* What build users need: CAP_SETUID and CAP_SETGID to become one,
 * CAP_CHOWN to give it the build directory, CAP_DAC_OVERRIDE and
 * CAP_FOWNER to remove and canonicalise what it made, CAP_KILL to end its
 * processes. */
static const unsigned build_user_caps[] = { 7, 6, 0, 1, 3, 5 };

bool nsb_build_users(void)
{
        /* Root of a user namespace that maps only itself (unshare -r) has
         * the capabilities, but no build user's uid exists there. */
        return geteuid() == 0 && nsb_privilege_missing(false) < 0 && nsb_uid_map_has_others();
}

bool nsb_ns_direct(void)
{
        return geteuid() == 0 && nsb_privilege_missing(true) < 0;
}

int nsb_privilege_missing(bool namespaces)
{
        if (namespaces && !nsb_cap_held(21 /* CAP_SYS_ADMIN */))
                return 21;
        for (size_t i = 0; i < ELEMENTSOF(build_user_caps); i++)
                if (!nsb_cap_held(build_user_caps[i]))
                        return (int) build_user_caps[i];
        return -1;
}

void nsb_privilege_shortfall(bool namespaces, char *buf, size_t size)
{
        int cap = geteuid() == 0 ? nsb_privilege_missing(namespaces) : -1;
        if (geteuid() != 0) {
                snprintf(buf, size, "nsbuild does not run as root");
                return;
        }
        if (cap < 0) {
                snprintf(buf, size, "nothing is missing");
                return;
        }
        char name[64], why[256];
        nsb_cap_name((unsigned) cap, name, sizeof(name));
        nsb_cap_why_missing((unsigned) cap, why, sizeof(why));
        snprintf(buf, size, "nsbuild runs as root without %s (%s)", name, why);
}

/* The uid our effective uid is in the parent user namespace (our own in
 * the initial one), from /proc/self/uid_map; -1 where it cannot tell. */
static long outside_uid(void)
{
        char buf[4096];
        int n = read_small_at(AT_FDCWD, "/proc/self/uid_map", buf, sizeof(buf));
        if (n <= 0)
                return -1;
        unsigned long euid = geteuid();
        for (char *line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
                unsigned long inside, outside, count;
                if (sscanf(line, "%lu %lu %lu", &inside, &outside, &count) == 3 && euid >= inside &&
                    euid - inside < count)
                        return (long) (outside + (euid - inside));
        }
        return -1;
}

bool nsb_userns_would_be_host_root(void)
{
        /* Root of a user namespace whose uid 0 is another uid outside (a
         * container's user-namespace mode) maps its builder to that uid,
         * no root of the host's.  Unknown: assume the worst. */
        return geteuid() == 0 && outside_uid() != -1 ? outside_uid() == 0 : geteuid() == 0;
}

bool nsb_uid_map_has_others(void)
{
        char buf[4096];
        int n = read_small_at(AT_FDCWD, "/proc/self/uid_map", buf, sizeof(buf));
        if (n <= 0)
                return true; /* no /proc: nothing says otherwise */
        unsigned long total = 0;
        for (char *line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
                unsigned long inside, outside, count;
                if (sscanf(line, "%lu %lu %lu", &inside, &outside, &count) == 3)
                        total += count;
        }
        return total > 1;
}
