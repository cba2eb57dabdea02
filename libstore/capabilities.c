/* capabilities.c - what this process may do, by its capability sets, and
 * why a capability it lacks is missing; the seccomp filter and the
 * security modules it already runs under.  Diagnostics reason from these,
 * not from the effective uid: root in a container usually lacks
 * CAP_SYS_ADMIN and more, and runs under a filter and a profile.
 *
 * libcap (where configure found it) reads the sets and names every
 * capability it knows; without it /proc/self/status gives the same sets
 * and a table here the names of those nsbuild reports.  Parent only: the
 * child between clone and exec makes raw system calls (child.c). */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#ifdef HAVE_LIBCAP
#include <sys/capability.h>
#endif

#include "internal.h"

/* The capabilities nsbuild uses, what each gives it, by number (the
 * kernel's, stable: linux/capability.h). */
static const struct {
        unsigned cap;
        const char *enables;
} used[] = {
        { 21 /* CAP_SYS_ADMIN */, "namespaces and mounts without a user namespace (the full tier as root)" },
        { 18 /* CAP_SYS_CHROOT */, "the chroot tier" },
        { 12 /* CAP_NET_ADMIN */, "bringing up the loopback of a network namespace made without a user namespace" },
        { 7 /* CAP_SETUID */, "running builders as build users" },
        { 6 /* CAP_SETGID */, "running builders as build users" },
        { 0 /* CAP_CHOWN */, "giving the build directory to the build user" },
        { 1 /* CAP_DAC_OVERRIDE */, "removing what a build user left" },
        { 3 /* CAP_FOWNER */, "canonicalising outputs a build user made" },
        { 5 /* CAP_KILL */, "killing a build user's processes" },
        { 27 /* CAP_MKNOD */, "device nodes in the chroot tier" },
        { 31 /* CAP_SETFCAP */, "mapping root's own uid into a user namespace (Linux 5.12 and later)" },
};

/* Every capability's name by its number (linux/capability.h; stable),
 * for a system without libcap. */
static const char *const all_names[] = {
        "CAP_CHOWN",           "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",          "CAP_FSETID",
        "CAP_KILL",            "CAP_SETGID",       "CAP_SETUID",          "CAP_SETPCAP",         "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",     "CAP_NET_RAW",         "CAP_IPC_LOCK",
        "CAP_IPC_OWNER",       "CAP_SYS_MODULE",   "CAP_SYS_RAWIO",       "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",    "CAP_SYS_BOOT",        "CAP_SYS_NICE",        "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME",        "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",         "CAP_LEASE",           "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",      "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",       "CAP_SYSLOG",
        "CAP_WAKE_ALARM",      "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",     "CAP_PERFMON",         "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
};

int nsb_cap_from_name(const char *name)
{
        int cap = -1;
        /* Names only (libcap would take a number too). */
        if (strncasecmp(name, "cap_", 4) != 0)
                return -EINVAL;
#ifdef HAVE_LIBCAP
        cap_value_t v;
        if (cap_from_name(name, &v) == 0)
                cap = (int) v;
#endif
        for (size_t i = 0; cap < 0 && i < ELEMENTSOF(all_names); i++)
                if (strcasecmp(name, all_names[i]) == 0)
                        cap = (int) i;
        if (cap < 0 || cap > (int) nsb_last_capability())
                return -EINVAL;
        return cap;
}

const char *nsb_cap_name(unsigned cap, char *buf, size_t size)
{
#ifdef HAVE_LIBCAP
        char *lower = cap_to_name((cap_value_t) cap);
        if (lower) {
                /* "cap_sys_admin", or the number for one libcap does not
                 * know by name. */
                size_t i = 0;
                for (; lower[i] && i + 1 < size; i++)
                        buf[i] = (char) (lower[i] >= 'a' && lower[i] <= 'z' ? lower[i] - 'a' + 'A' : lower[i]);
                buf[i] = '\0';
                cap_free(lower);
                if (strncmp(buf, "CAP_", 4) == 0)
                        return buf;
        }
#endif
        if (cap < ELEMENTSOF(all_names))
                snprintf(buf, size, "%s", all_names[cap]);
        else
                snprintf(buf, size, "capability %u", cap);
        return buf;
}

/* The sets from /proc/self/status ("CapEff:\t000001ffffffffff"). */
static int read_status(nsb_capsets *c)
{
        char buf[4096];
        int n = read_small_at(AT_FDCWD, "/proc/self/status", buf, sizeof(buf));
        if (n <= 0)
                return n < 0 ? n : -EIO;
        static const struct {
                const char *key;
                size_t offset;
        } keys[] = {
                { "CapInh:", offsetof(nsb_capsets, inheritable) }, { "CapPrm:", offsetof(nsb_capsets, permitted) },
                { "CapEff:", offsetof(nsb_capsets, effective) },   { "CapBnd:", offsetof(nsb_capsets, bounding) },
                { "CapAmb:", offsetof(nsb_capsets, ambient) },
        };
        unsigned found = 0;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                const char *p = strstr(buf, keys[i].key);
                if (!p)
                        continue;
                char *end;
                errno = 0;
                unsigned long long v = strtoull(p + strlen(keys[i].key), &end, 16);
                if (errno || end == p + strlen(keys[i].key))
                        continue;
                *(uint64_t *) ((char *) c + keys[i].offset) = v;
                found |= 1U << i;
        }
        /* CapAmb: Linux 4.3; the rest are always there. */
        if ((found & 0xf) != 0xf)
                return -EIO;
        c->have_ambient = (found & 0x10) != 0;
        return 0;
}

int nsb_capsets_read(nsb_capsets *ret)
{
        *ret = (nsb_capsets){ 0 };
#ifdef HAVE_LIBCAP
        cap_t caps = cap_get_proc();
        if (caps) {
                unsigned last = nsb_last_capability();
                for (unsigned c = 0; c <= last && c < 64; c++) {
                        cap_flag_value_t v;
                        uint64_t bit = UINT64_C(1) << c;
                        if (cap_get_flag(caps, (cap_value_t) c, CAP_EFFECTIVE, &v) == 0 && v == CAP_SET)
                                ret->effective |= bit;
                        if (cap_get_flag(caps, (cap_value_t) c, CAP_PERMITTED, &v) == 0 && v == CAP_SET)
                                ret->permitted |= bit;
                        if (cap_get_flag(caps, (cap_value_t) c, CAP_INHERITABLE, &v) == 0 && v == CAP_SET)
                                ret->inheritable |= bit;
                        if (cap_get_bound((cap_value_t) c) == 1)
                                ret->bounding |= bit;
                        int amb = cap_get_ambient((cap_value_t) c);
                        if (amb >= 0)
                                ret->have_ambient = true;
                        if (amb == 1)
                                ret->ambient |= bit;
                }
                cap_free(caps);
                ret->from_libcap = true;
                return 0;
        }
#endif
        return read_status(ret);
}

static pthread_once_t own_once = PTHREAD_ONCE_INIT;
static nsb_capsets own;
static int own_err;

static void read_own(void)
{
        own_err = nsb_capsets_read(&own);
}

const nsb_capsets *nsb_capsets_own(void)
{
        (void) pthread_once(&own_once, read_own);
        return own_err < 0 ? NULL : &own;
}

bool nsb_cap_held(unsigned cap)
{
        const nsb_capsets *c = nsb_capsets_own();
        if (!c)
                return geteuid() == 0; /* nothing to tell by: what the uid suggests */
        return cap < 64 && (c->effective & (UINT64_C(1) << cap));
}

/* Whether we run in a container, by the marks runtimes leave: systemd's
 * and podman's "container" variable for PID 1, docker's and podman's
 * files.  Only to word a diagnosis. */
static bool in_container(void)
{
        if (access("/.dockerenv", F_OK) == 0 || access("/run/.containerenv", F_OK) == 0)
                return true;
        char env[4096];
        ssize_t n = read_small_at(AT_FDCWD, "/proc/1/environ", env, sizeof(env));
        for (ssize_t i = 0; i < n; i += (ssize_t) strlen(env + i) + 1)
                if (strncmp(env + i, "container=", 10) == 0)
                        return true;
        return false;
}

/* Whether PID 1 (of our PID namespace: the container's init, or the
 * host's) has CAP in its bounding set: 1, 0, or -1 unknown.  Tells who
 * dropped it from ours. */
static int pid1_bounds(unsigned cap)
{
        char buf[4096];
        if (read_small_at(AT_FDCWD, "/proc/1/status", buf, sizeof(buf)) <= 0)
                return -1;
        const char *p = strstr(buf, "\nCapBnd:");
        if (!p || cap >= 64)
                return -1;
        uint64_t v = strtoull(p + 8, NULL, 16);
        return (v >> cap) & 1;
}

void nsb_cap_why_missing(unsigned cap, char *buf, size_t size)
{
        const nsb_capsets *c = nsb_capsets_own();
        uint64_t bit = cap < 64 ? UINT64_C(1) << cap : 0;
        if (!c)
                snprintf(buf, size, "running as uid %u; /proc/self/status cannot tell more", (unsigned) geteuid());
        else if (c->effective & bit)
                snprintf(buf, size, "held");
        else if (!(c->bounding & bit) && pid1_bounds(cap) == 0)
                snprintf(buf, size, "not in the bounding set, nor in PID 1's: %s",
                         in_container() ? "the container runtime dropped it"
                                        : "the container runtime (or whatever started PID 1) dropped it");
        else if (!(c->bounding & bit) && pid1_bounds(cap) == 1)
                snprintf(buf, size, "not in the bounding set, which PID 1's has: whatever started nsbuild "
                         "dropped it (setpriv, capsh, a service's CapabilityBoundingSet=)");
        else if (!(c->bounding & bit))
                snprintf(buf, size, "not in the bounding set: dropped before nsbuild started (by a container "
                         "runtime, setpriv, capsh)");
        else if (!(c->permitted & bit) && geteuid() != 0)
                snprintf(buf, size, "nsbuild runs as uid %u, which holds no capabilities", (unsigned) geteuid());
        else if (!(c->permitted & bit))
                snprintf(buf, size, "not permitted although running as root: whatever started nsbuild dropped it");
        else
                snprintf(buf, size, "permitted but not effective: whatever started nsbuild lowered it");
}

int nsb_self_seccomp(int *ret_filters)
{
        char buf[4096];
        *ret_filters = -1;
        if (read_small_at(AT_FDCWD, "/proc/self/status", buf, sizeof(buf)) <= 0)
                return -2;
        const char *p = strstr(buf, "\nSeccomp:");
        if (!p)
                return -1; /* a kernel without CONFIG_SECCOMP */
        int mode = atoi(p + 9);
        /* Seccomp_filters: Linux 5.9. */
        const char *f = strstr(buf, "\nSeccomp_filters:");
        if (f)
                *ret_filters = atoi(f + 17);
        return mode;
}

void nsb_self_lsm(char *buf, size_t size)
{
        char lsm[256] = "", label[256] = "";
        /* The active modules: securityfs (Linux 4.15), which a container
         * may not mount. */
        if (read_small_at(AT_FDCWD, "/sys/kernel/security/lsm", lsm, sizeof(lsm)) > 0)
                lsm[strcspn(lsm, "\n")] = '\0';
        /* Our own label: AppArmor's profile ("docker-default (enforce)"),
         * or SELinux's context; "unconfined" says none applies. */
        if (read_small_at(AT_FDCWD, "/proc/self/attr/apparmor/current", label, sizeof(label)) <= 0 &&
            read_small_at(AT_FDCWD, "/proc/self/attr/current", label, sizeof(label)) <= 0)
                label[0] = '\0';
        label[strcspn(label, "\n")] = '\0';
        if (strcmp(label, "unconfined") == 0 || strcmp(label, "kernel") == 0)
                label[0] = '\0';
        if (lsm[0] && label[0])
                snprintf(buf, size, "%s; nsbuild's label: %s", lsm, label);
        else if (lsm[0])
                snprintf(buf, size, "%s; nsbuild runs unconfined", lsm);
        else if (label[0])
                snprintf(buf, size, "nsbuild's label: %s", label);
        else
                snprintf(buf, size, "%s", "");
}

/* ---- the public report (nsbuild.h) ---- */

static pthread_once_t report_once = PTHREAD_ONCE_INIT;
static struct {
        char name[32];
        bool held;
        char why[320];
} report[ELEMENTSOF(used)];
static char security[640];

static void make_report(void)
{
        for (size_t i = 0; i < ELEMENTSOF(used); i++) {
                nsb_cap_name(used[i].cap, report[i].name, sizeof(report[i].name));
                report[i].held = nsb_cap_held(used[i].cap);
                if (!report[i].held)
                        nsb_cap_why_missing(used[i].cap, report[i].why, sizeof(report[i].why));
        }
        nsb_self_lsm(security, sizeof(security));
}

static bool report_index(int i)
{
        if (i < 0 || (size_t) i >= ELEMENTSOF(used))
                return false;
        (void) pthread_once(&report_once, make_report);
        return true;
}

int nsb_privilege_count(void)
{
        return (int) ELEMENTSOF(used);
}

const char *nsb_privilege_name(int i)
{
        return report_index(i) ? report[i].name : NULL;
}

int nsb_privilege_held(int i)
{
        return report_index(i) && report[i].held;
}

const char *nsb_privilege_gives(int i)
{
        return report_index(i) ? used[i].enables : NULL;
}

const char *nsb_privilege_why_missing(int i)
{
        return report_index(i) ? report[i].why : NULL;
}

int nsb_self_seccomp_mode(int *ret_filters)
{
        int filters;
        int mode = nsb_self_seccomp(&filters);
        if (ret_filters)
                *ret_filters = filters;
        return mode;
}

const char *nsb_self_security(void)
{
        (void) pthread_once(&report_once, make_report);
        return security;
}
