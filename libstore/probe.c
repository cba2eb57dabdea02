/* probe.c - find out what the running kernel and our privileges allow.
 *
 * configure knows what the headers and the C library offer; only trying
 * tells what this kernel, its sysctls, its security modules and the
 * container we may be in actually permit.  Every capability is tried in a
 * throwaway child the way a build uses it, once per process and only when
 * it is first asked about (a build asks only what it needs: each trial
 * forks, and the namespaces' make a network namespace), and the failure
 * is explained: EINVAL not in this kernel, EPERM no privilege or a
 * security policy, ENOSPC a namespace limit, with the sysctl that says so
 * and how to change it. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

struct cap_state {
        bool works;
        int err;
        char reason[640];
        char advice[320];
};

static struct cap_state caps[NSB_CAP_MAX_];
/* The Landlock group has been probed: builds use what it found. */
static atomic_bool landlock_probed;

static const char *const cap_names[NSB_CAP_MAX_] = {
        [NSB_CAP_MOUNT_NS] = "mount_ns",
        [NSB_CAP_NET_NS] = "net_ns",
        [NSB_CAP_IPC_NS] = "ipc_ns",
        [NSB_CAP_UTS_NS] = "uts_ns",
        [NSB_CAP_PID_NS] = "pid_ns",
        [NSB_CAP_USER_NS] = "user_ns",
        [NSB_CAP_USER_NS_UNPRIVILEGED] = "user_ns_unprivileged",
        [NSB_CAP_LOOPBACK] = "loopback",
        [NSB_CAP_PIVOT_ROOT] = "pivot_root",
        [NSB_CAP_CHROOT] = "chroot",
        [NSB_CAP_SECCOMP] = "seccomp",
        [NSB_CAP_LANDLOCK] = "landlock",
        [NSB_CAP_LANDLOCK_SCOPE] = "landlock_scope",
        [NSB_CAP_LANDLOCK_UNIX] = "landlock_unix",
};

/* The namespace each capability stands on: its limit sysctl, kernel
 * option, and its file in /proc/self/ns, which a kernel without it lacks. */
static const struct {
        const char *limit;
        const char *config;
        const char *ns_file;
} cap_ns[NSB_CAP_MAX_] = {
        [NSB_CAP_MOUNT_NS] = { "user.max_mnt_namespaces", "CONFIG_NAMESPACES", "mnt" },
        [NSB_CAP_NET_NS] = { "user.max_net_namespaces", "CONFIG_NET_NS", "net" },
        [NSB_CAP_IPC_NS] = { "user.max_ipc_namespaces", "CONFIG_IPC_NS", "ipc" },
        [NSB_CAP_UTS_NS] = { "user.max_uts_namespaces", "CONFIG_UTS_NS", "uts" },
        [NSB_CAP_PID_NS] = { "user.max_pid_namespaces", "CONFIG_PID_NS", "pid" },
        [NSB_CAP_USER_NS] = { "user.max_user_namespaces", "CONFIG_USER_NS", "user" },
        [NSB_CAP_USER_NS_UNPRIVILEGED] = { "user.max_user_namespaces", "CONFIG_USER_NS", "user" },
        [NSB_CAP_LOOPBACK] = { "user.max_net_namespaces", "CONFIG_NET_NS", "net" },
        [NSB_CAP_PIVOT_ROOT] = { NULL, NULL, NULL },
        [NSB_CAP_CHROOT] = { NULL, NULL, NULL },
        /* CONFIG_SECCOMP_FILTER has no prompt: it follows CONFIG_SECCOMP. */
        [NSB_CAP_SECCOMP] = { NULL, "CONFIG_SECCOMP", NULL },
};

/* Whether the running kernel lacks the namespace of C, by the evidence:
 * /proc/self/ns lists every kind the kernel has (Linux 3.8). */
static bool kernel_lacks_ns(nsb_capability c)
{
        if (!cap_ns[c].ns_file || access("/proc/self/ns", F_OK) < 0)
                return false;
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/ns/%s", cap_ns[c].ns_file);
        return access(path, F_OK) < 0 && errno == ENOENT;
}

/* A sysctl's value, or -1 where it does not exist. */
static long read_sysctl(const char *name)
{
        char path[128];
        snprintf(path, sizeof(path), "/proc/sys/%s", name);
        for (char *p = path + 10; *p; p++)
                if (*p == '.')
                        *p = '/';
        FILE *f = fopen(path, "re");
        if (!f)
                return -1;
        long v = -1;
        if (fscanf(f, "%ld", &v) != 1)
                v = -1;
        fclose(f);
        return v;
}

/* The Seccomp: line of /proc/self/status (0 none, 1 strict, 2 filter),
 * -1 where there is none (a kernel without CONFIG_SECCOMP), -2 where /proc
 * cannot tell. */
static int seccomp_mode(void)
{
        FILE *f = fopen("/proc/self/status", "re");
        if (!f)
                return -2;
        char line[256];
        int mode = -1;
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, "Seccomp:", 8) == 0) {
                        mode = atoi(line + 8);
                        break;
                }
        fclose(f);
        return mode;
}

/* Whether we run in a user namespace other than the initial one, whose
 * uid_map is the identity of all 2^32-1 uids. */
static bool in_nested_user_ns(void)
{
        char buf[128];
        if (read_small_at(AT_FDCWD, "/proc/self/uid_map", buf, sizeof(buf)) <= 0)
                return false;
        unsigned long inside, outside, count;
        if (sscanf(buf, "%lu %lu %lu", &inside, &outside, &count) != 3)
                return false;
        const char *nl = strchr(buf, '\n');
        return !(inside == 0 && outside == 0 && count == 4294967295UL && (!nl || !nl[1]));
}

static bool uses_user_ns(nsb_capability c)
{
        return c == NSB_CAP_USER_NS || c == NSB_CAP_USER_NS_UNPRIVILEGED ||
               (!nsb_ns_direct() && c != NSB_CAP_CHROOT && c != NSB_CAP_SECCOMP && c != NSB_CAP_LANDLOCK &&
                c != NSB_CAP_LANDLOCK_SCOPE && c != NSB_CAP_LANDLOCK_UNIX);
}

/* What confines nsbuild itself and may be what refused: the seccomp
 * filter it runs under, the security module's label it has.  Empty
 * where neither shows. */
static void policy_cause(char *buf, size_t size)
{
        int filters;
        int mode = nsb_self_seccomp(&filters);
        char lsm[320];
        nsb_self_lsm(lsm, sizeof(lsm));
        const char *label = strstr(lsm, "nsbuild's label: ");
        size_t n = 0;
        buf[0] = '\0';
        if (mode == 2 && filters > 0)
                n = (size_t) snprintf(buf, size, "nsbuild runs under %d seccomp filter%s (Seccomp: 2 in "
                                      "/proc/self/status: a container runtime's, or its caller's)",
                                      filters, filters == 1 ? "" : "s");
        else if (mode == 2)
                n = (size_t) snprintf(buf, size, "nsbuild runs under a seccomp filter (Seccomp: 2 in "
                                      "/proc/self/status: a container runtime's, or its caller's)");
        if (label && n < size)
                snprintf(buf + n, size - n, "%sthe security module confines nsbuild as %s", n ? "; " : "",
                         label + strlen("nsbuild's label: "));
}

/* Turn an errno into the reason and the advice for capability C. */
static void explain(nsb_capability c, int err)
{
        struct cap_state *s = &caps[c];
        const char *what = strerrorname_np(err) ? strerrorname_np(err) : "error";
        s->err = err;
        s->works = err == 0;
        s->reason[0] = s->advice[0] = '\0';
        if (err == 0)
                return;

        long userns_clone = read_sysctl("kernel.unprivileged_userns_clone");
        long apparmor = read_sysctl("kernel.apparmor_restrict_unprivileged_userns");
        long limit = cap_ns[c].limit ? read_sysctl(cap_ns[c].limit) : -1;

#if NSB_HAVE_LANDLOCK
        if (c == NSB_CAP_LANDLOCK || c == NSB_CAP_LANDLOCK_SCOPE || c == NSB_CAP_LANDLOCK_UNIX) {
                char cause[512];
                policy_cause(cause, sizeof(cause));
                nsb_landlock_explain(c == NSB_CAP_LANDLOCK_SCOPE ? NSB_ISOLATION_LANDLOCK | NSB_ISOLATION_LANDLOCK_SCOPE
                                     : c == NSB_CAP_LANDLOCK_UNIX
                                             ? NSB_ISOLATION_LANDLOCK | NSB_ISOLATION_LANDLOCK_SCOPE |
                                                       NSB_ISOLATION_LANDLOCK_UNIX
                                             : NSB_ISOLATION_LANDLOCK,
                                     err, cause, s->reason, sizeof(s->reason), s->advice, sizeof(s->advice));
                return;
        }
#endif
        /* The kernel's answer depends on how it was built and patched
         * (Debian's refuse an unprivileged CLONE_NEWUSER with EPERM where
         * CONFIG_USER_NS is off); /proc/self/ns says what it has. */
        if (kernel_lacks_ns(c)) {
                snprintf(s->reason, sizeof(s->reason),
                         "%s: not supported by this kernel (no /proc/self/ns/%s: built without %s)", what,
                         cap_ns[c].ns_file, cap_ns[c].config);
                snprintf(s->advice, sizeof(s->advice), "use a kernel built with %s=y", cap_ns[c].config);
                return;
        }
        /* /proc/self/status has a Seccomp: line where the kernel has
         * seccomp at all, and says 2 where a filter already confines us. */
        if (c == NSB_CAP_SECCOMP) {
                int mode = seccomp_mode();
                if (mode == -1) {
                        snprintf(s->reason, sizeof(s->reason),
                                 "%s: not supported by this kernel (no Seccomp: in /proc/self/status: built without "
                                 "CONFIG_SECCOMP)",
                                 what);
                        snprintf(s->advice, sizeof(s->advice),
                                 "use a kernel built with CONFIG_SECCOMP=y (CONFIG_SECCOMP_FILTER follows it)");
                        return;
                }
                if (mode == 2) {
                        snprintf(s->reason, sizeof(s->reason),
                                 "%s: refused by the seccomp filter nsbuild itself runs under (Seccomp: 2 in "
                                 "/proc/self/status: a container's or a parent's)",
                                 what);
                        snprintf(s->advice, sizeof(s->advice),
                                 "allow seccomp(2) and prctl(PR_SET_SECCOMP) in that filter, or run nsbuild outside it");
                        return;
                }
        }
        /* Without what making them directly needs, every namespace is
         * made in a user namespace: where that fails, it is the cause. */
        if (!nsb_ns_direct() && uses_user_ns(c) && c != NSB_CAP_USER_NS && c != NSB_CAP_USER_NS_UNPRIVILEGED &&
            caps[NSB_CAP_USER_NS].err == err) {
                char shortfall[256];
                nsb_privilege_shortfall(true, shortfall, sizeof(shortfall));
                snprintf(s->reason, sizeof(s->reason), "needs a user namespace (%.300s), which fails (see user_ns)",
                         shortfall);
                snprintf(s->advice, sizeof(s->advice), "%s", caps[NSB_CAP_USER_NS].advice);
                return;
        }
        char cause[512];
        policy_cause(cause, sizeof(cause));

        switch (err) {
        case EINVAL:
        case ENOSYS:
                snprintf(s->reason, sizeof(s->reason), "%s: not supported by this kernel", what);
                if (cap_ns[c].config)
                        snprintf(s->advice, sizeof(s->advice), "use a kernel built with %s=y", cap_ns[c].config);
                break;
        case ENOSPC:
                /* Each user namespace has its own count and limits, and a
                 * new namespace counts against every enclosing one's: in
                 * a container it is the container's (or the host's) limit
                 * that is reached, whatever this one says.  Raising this
                 * one, then, changes nothing, and lowering it harms. */
                if (in_nested_user_ns() && (limit < 0 || limit > 1000)) {
                        snprintf(s->reason, sizeof(s->reason),
                                 "%s: namespace limit reached, not this user namespace's own (%s = %ld here) but an "
                                 "enclosing one's (a container's, or the host's)",
                                 what, cap_ns[c].limit ? cap_ns[c].limit : "its limit", limit);
                        snprintf(s->advice, sizeof(s->advice),
                                 "raise %s in the namespace that encloses this one (on the host, or where the "
                                 "container was made), or end what uses up its namespaces",
                                 cap_ns[c].limit ? cap_ns[c].limit : "the limit");
                        break;
                }
                snprintf(s->reason, sizeof(s->reason), "%s: namespace limit reached (%s = %ld)", what,
                         cap_ns[c].limit ? cap_ns[c].limit : "a limit", limit);
                if (cap_ns[c].limit && limit < 10000)
                        snprintf(s->advice, sizeof(s->advice), "sysctl -w %s=10000", cap_ns[c].limit);
                else if (cap_ns[c].limit)
                        snprintf(s->advice, sizeof(s->advice),
                                 "end what uses up the namespaces (lsns), or raise %s above %ld", cap_ns[c].limit,
                                 limit);
                break;
        case EPERM:
        case EACCES:
#if NSB_TIER_FULL
                if (c == NSB_CAP_USER_NS && nsb_probe_host_root_refused()) {
                        char shortfall[256];
                        nsb_privilege_shortfall(true, shortfall, sizeof(shortfall));
                        snprintf(s->reason, sizeof(s->reason),
                                 "not used: %.200s, and a user namespace made by root maps its builder to the "
                                 "host's uid 0, which keeps what the kernel grants uid 0 itself (writing the "
                                 "kernel's sysctls through a /proc of its own, owning root's files)%s%.200s",
                                 shortfall, cause[0] ? "; besides, " : "", cause);
                        snprintf(s->advice, sizeof(s->advice),
                                 "give nsbuild CAP_SYS_ADMIN and what build users need, or run it as an ordinary "
                                 "user, or as root of a user namespace of its own (the container runtime's "
                                 "user-namespace mode)");
                        break;
                }
                /* Mapping uid 0 outside into a user namespace needs
                 * CAP_SETFCAP (Linux 5.12: else the namespace's root
                 * could set file capabilities that count on the host):
                 * root in a container that dropped it can make the
                 * namespace but not map itself into it. */
                if ((c == NSB_CAP_USER_NS || c == NSB_CAP_USER_NS_UNPRIVILEGED) && nsb_probe_map_refused() &&
                    geteuid() == 0 && !nsb_cap_held(31 /* CAP_SETFCAP */)) {
                        char why[256];
                        nsb_cap_why_missing(31, why, sizeof(why));
                        snprintf(s->reason, sizeof(s->reason),
                                 "%s: a user namespace is made, but writing its uid_map is refused: mapping uid 0 "
                                 "(nsbuild's own) into it needs CAP_SETFCAP (Linux 5.12 and later), and nsbuild "
                                 "runs as root without it (%s)",
                                 what, why);
                        snprintf(s->advice, sizeof(s->advice),
                                 "give nsbuild CAP_SETFCAP or CAP_SYS_ADMIN, or run it as an ordinary user, or as "
                                 "root of a user namespace of its own (the container runtime's user-namespace "
                                 "mode)");
                        break;
                }
#endif
                if (limit == 0) {
                        snprintf(s->reason, sizeof(s->reason), "%s: %s is 0", what, cap_ns[c].limit);
                        snprintf(s->advice, sizeof(s->advice), "sysctl -w %s=10000", cap_ns[c].limit);
                } else if (uses_user_ns(c) && userns_clone == 0) {
                        snprintf(s->reason, sizeof(s->reason),
                                 "%s: unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0)",
                                 what);
                        snprintf(s->advice, sizeof(s->advice),
                                 "sysctl -w kernel.unprivileged_userns_clone=1, or run as root");
                } else if (uses_user_ns(c) && apparmor == 1) {
                        snprintf(s->reason, sizeof(s->reason),
                                 "%s: AppArmor restricts unprivileged user namespaces "
                                 "(kernel.apparmor_restrict_unprivileged_userns = 1)",
                                 what);
                        snprintf(s->advice, sizeof(s->advice),
                                 "give nsbuild an AppArmor profile that allows userns, "
                                 "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or run as root");
                } else if (c == NSB_CAP_CHROOT && geteuid() != 0) {
                        snprintf(s->reason, sizeof(s->reason), "%s: chroot needs root (CAP_SYS_CHROOT)", what);
                        snprintf(s->advice, sizeof(s->advice), "run as root");
                } else if (c == NSB_CAP_CHROOT && !nsb_cap_held(18 /* CAP_SYS_CHROOT */)) {
                        char why[256];
                        nsb_cap_why_missing(18, why, sizeof(why));
                        snprintf(s->reason, sizeof(s->reason), "%s: nsbuild runs as root without CAP_SYS_CHROOT (%s)",
                                 what, why);
                        snprintf(s->advice, sizeof(s->advice),
                                 "give nsbuild CAP_SYS_CHROOT (a container: add the capability, e.g. docker run "
                                 "--cap-add SYS_CHROOT)");
                } else if (c == NSB_CAP_CHROOT && !nsb_build_users()) {
                        char shortfall[256];
                        nsb_privilege_shortfall(false, shortfall, sizeof(shortfall));
                        snprintf(s->reason, sizeof(s->reason),
                                 "%s: the chroot tier runs builders as build users, and %s", what, shortfall);
                        snprintf(s->advice, sizeof(s->advice),
                                 "give nsbuild CAP_SETUID, CAP_SETGID, CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER and "
                                 "CAP_KILL (Docker's default set has them)");
                } else if (!uses_user_ns(c)) {
                        /* Made directly: we hold CAP_SYS_ADMIN, and were
                         * refused all the same. */
                        snprintf(s->reason, sizeof(s->reason), "%s: refused although nsbuild holds CAP_SYS_ADMIN: %s",
                                 what, cause[0] ? cause : "a security module or a seccomp filter forbids it");
                        snprintf(s->advice, sizeof(s->advice),
                                 "allow it in that policy (a container: its seccomp profile, e.g. docker run "
                                 "--security-opt seccomp=unconfined), or run nsbuild outside it");
                } else if (cause[0]) {
                        snprintf(s->reason, sizeof(s->reason), "%s: refused; %s", what, cause);
                        snprintf(s->advice, sizeof(s->advice),
                                 "allow unshare(2) and clone(2) with CLONE_NEWUSER in that policy, or run nsbuild "
                                 "outside it");
                } else if (geteuid() == 0) {
                        char shortfall[256];
                        nsb_privilege_shortfall(true, shortfall, sizeof(shortfall));
                        snprintf(s->reason, sizeof(s->reason),
                                 "%s: refused (%.200s, and no user namespace may be made here)", what, shortfall);
                        snprintf(s->advice, sizeof(s->advice),
                                 "give nsbuild CAP_SYS_ADMIN, or allow user namespaces where it runs");
                } else {
                        snprintf(s->reason, sizeof(s->reason), "%s: no privilege, or refused by a security policy",
                                 what);
                        snprintf(s->advice, sizeof(s->advice), "run as root");
                }
                break;
        case EUSERS:
                snprintf(s->reason, sizeof(s->reason), "%s: too many nested user namespaces", what);
                break;
        case EOPNOTSUPP:
                snprintf(s->reason, sizeof(s->reason), "not compiled into this nsbuild (%s)",
                         nsb_compiled_features());
                snprintf(s->advice, sizeof(s->advice),
                         "build nsbuild where configure finds what it needs (see its summary)");
                break;
        default:
                snprintf(s->reason, sizeof(s->reason), "%s: %s", what, strerror(err));
                break;
        }
}

/* Run FN in a forked child and return the errno it exits with. */
static int try_in_child(int (*fn)(void))
{
        pid_t pid = fork();
        if (pid < 0)
                return errno;
        if (pid == 0)
                _exit(fn() & 0xff);
        int st;
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return errno;
        return WIFEXITED(st) ? WEXITSTATUS(st) : EIO;
}

#if NSB_TIER_CHROOT
static int probe_chroot(void)
{
        return chroot("/") < 0 ? errno : 0;
}
#endif

#if NSB_HAVE_SECCOMP
static int probe_seccomp(void)
{
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return errno;
        int r = nsb_seccomp_install();
        return r < 0 ? -r : 0;
}
#endif

#if NSB_HAVE_LANDLOCK
/* The strongest domain this kernel's ABI offers, as the child makes it
 * (no_new_privs, then the domain): one trial, whose answer holds for the
 * weaker ones too (the same calls, fewer rights handled); the ABI says
 * which pieces exist at all.  One fork, not one a piece: this runs in
 * every nsbuild process. */
static unsigned landlock_trial_bits;

static int probe_landlock(void)
{
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return errno;
        int r = nsb_landlock_enter(landlock_trial_bits);
        return r < 0 ? -r : 0;
}
#endif

/* The probe in groups, each tried on its own the first time one of its
 * capabilities is asked about: what one group finds never depends on
 * another's trial. */
enum probe_group { GROUP_NAMESPACES, GROUP_CHROOT, GROUP_SECCOMP, GROUP_LANDLOCK, GROUP_MAX_ };

static enum probe_group group_of(nsb_capability c)
{
        switch (c) {
        case NSB_CAP_CHROOT:
                return GROUP_CHROOT;
        case NSB_CAP_SECCOMP:
                return GROUP_SECCOMP;
        case NSB_CAP_LANDLOCK:
        case NSB_CAP_LANDLOCK_SCOPE:
        case NSB_CAP_LANDLOCK_UNIX:
                return GROUP_LANDLOCK;
        default:
                return GROUP_NAMESPACES;
        }
}

/* Explain each capability of GROUP from ERRS (EOPNOTSUPP: not compiled). */
static void explain_group(enum probe_group group, const int errs[NSB_CAP_MAX_])
{
        /* The user namespace first: without root the others stand on it. */
        if (group == GROUP_NAMESPACES)
                explain(NSB_CAP_USER_NS, errs[NSB_CAP_USER_NS]);
        for (int i = 0; i < NSB_CAP_MAX_; i++)
                if (group_of((nsb_capability) i) == group && i != NSB_CAP_USER_NS)
                        explain((nsb_capability) i, errs[i]);
}

static void errs_init(int errs[NSB_CAP_MAX_])
{
        for (int i = 0; i < NSB_CAP_MAX_; i++)
                errs[i] = EOPNOTSUPP;
}

static void probe_namespaces_group(void)
{
        int errs[NSB_CAP_MAX_];
        errs_init(errs);
#if NSB_TIER_FULL
        nsb_probe_namespaces(errs);
#endif
        explain_group(GROUP_NAMESPACES, errs);
}

static void probe_chroot_group(void)
{
        int errs[NSB_CAP_MAX_];
        errs_init(errs);
#if NSB_TIER_CHROOT
        errs[NSB_CAP_CHROOT] = try_in_child(probe_chroot);
        /* Root that cannot have build users (a container's) could chroot,
         * but the builder would run as root: the tier is not had. */
        if (errs[NSB_CAP_CHROOT] == 0 && !nsb_build_users())
                errs[NSB_CAP_CHROOT] = EPERM;
#endif
        explain_group(GROUP_CHROOT, errs);
}

static void probe_seccomp_group(void)
{
        int errs[NSB_CAP_MAX_];
        errs_init(errs);
#if NSB_HAVE_SECCOMP
        int r = nsb_seccomp_prepare();
        errs[NSB_CAP_SECCOMP] = r < 0 ? -r : try_in_child(probe_seccomp);
#endif
        explain_group(GROUP_SECCOMP, errs);
}

static void probe_landlock_group(void)
{
        int errs[NSB_CAP_MAX_];
        errs_init(errs);
#if NSB_HAVE_LANDLOCK
        int abi = nsb_landlock_abi();
        landlock_trial_bits = abi > 0 ? nsb_landlock_supported(abi) : 0;
        int trial = abi < 0 ? -abi : landlock_trial_bits ? try_in_child(probe_landlock) : 0;
        static const struct {
                nsb_capability cap;
                unsigned bit;
        } landlock_caps[] = {
                { NSB_CAP_LANDLOCK, NSB_ISOLATION_LANDLOCK },
                { NSB_CAP_LANDLOCK_SCOPE, NSB_ISOLATION_LANDLOCK_SCOPE },
                { NSB_CAP_LANDLOCK_UNIX, NSB_ISOLATION_LANDLOCK_UNIX },
        };
        for (size_t i = 0; i < ELEMENTSOF(landlock_caps); i++)
                errs[landlock_caps[i].cap] = !(landlock_trial_bits & landlock_caps[i].bit) ? (abi < 0 ? -abi : EINVAL)
                                                                                        : trial;
#endif
        explain_group(GROUP_LANDLOCK, errs);
        atomic_store(&landlock_probed, true);
}

static pthread_once_t group_once[GROUP_MAX_] = { PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT,
                                                 PTHREAD_ONCE_INIT };
static void (*const group_probe[GROUP_MAX_])(void) = {
        [GROUP_NAMESPACES] = probe_namespaces_group,
        [GROUP_CHROOT] = probe_chroot_group,
        [GROUP_SECCOMP] = probe_seccomp_group,
        [GROUP_LANDLOCK] = probe_landlock_group,
};

static bool cap_valid(nsb_capability c)
{
        return c >= 0 && c < NSB_CAP_MAX_;
}

const char *nsb_capability_name(nsb_capability c)
{
        return cap_valid(c) ? cap_names[c] : NULL;
}

int nsb_capability_compiled(nsb_capability c)
{
        switch (c) {
        case NSB_CAP_MOUNT_NS:
        case NSB_CAP_PIVOT_ROOT:
                return NSB_TIER_FULL;
        case NSB_CAP_NET_NS:
        case NSB_CAP_LOOPBACK:
                return NSB_TIER_FULL && NSB_HAVE_NET_NS;
        case NSB_CAP_IPC_NS:
                return NSB_TIER_FULL && NSB_HAVE_IPC_NS;
        case NSB_CAP_UTS_NS:
                return NSB_TIER_FULL && NSB_HAVE_UTS_NS;
        case NSB_CAP_PID_NS:
                return NSB_TIER_FULL && NSB_HAVE_PID_NS;
        case NSB_CAP_USER_NS:
        case NSB_CAP_USER_NS_UNPRIVILEGED:
                return NSB_TIER_FULL && NSB_HAVE_USER_NS;
        case NSB_CAP_CHROOT:
                return NSB_TIER_CHROOT;
        case NSB_CAP_SECCOMP:
                return NSB_HAVE_SECCOMP;
        case NSB_CAP_LANDLOCK:
        case NSB_CAP_LANDLOCK_SCOPE:
        case NSB_CAP_LANDLOCK_UNIX:
                return NSB_HAVE_LANDLOCK;
        case NSB_CAP_MAX_:
                break;
        }
        return 0;
}

static const struct cap_state *state(nsb_capability c)
{
        enum probe_group g = group_of(c);
        (void) pthread_once(&group_once[g], group_probe[g]);
        return &caps[c];
}

int nsb_capability_works(nsb_capability c)
{
        return cap_valid(c) && state(c)->works;
}

int nsb_capability_errno(nsb_capability c)
{
        return cap_valid(c) ? state(c)->err : EINVAL;
}

const char *nsb_capability_reason(nsb_capability c)
{
        return cap_valid(c) ? state(c)->reason : "";
}

const char *nsb_capability_advice(nsb_capability c)
{
        return cap_valid(c) ? state(c)->advice : "";
}

/* What the full tier needs here: the user namespace only without root,
 * and then first, since the others stand on it; the system-call filter
 * where it is compiled in. */
static const nsb_capability full_needs[] = {
        NSB_CAP_USER_NS, NSB_CAP_MOUNT_NS, NSB_CAP_NET_NS,   NSB_CAP_IPC_NS,     NSB_CAP_UTS_NS,
        NSB_CAP_PID_NS,  NSB_CAP_LOOPBACK, NSB_CAP_PIVOT_ROOT, NSB_CAP_SECCOMP,
};

nsb_capability nsb_sandbox_missing(nsb_sandbox mode)
{
        switch (mode) {
        case NSB_SANDBOX_FULL:
                for (size_t i = 0; i < ELEMENTSOF(full_needs); i++) {
                        if ((full_needs[i] == NSB_CAP_USER_NS && nsb_ns_direct()) ||
                            (full_needs[i] == NSB_CAP_SECCOMP && !NSB_HAVE_SECCOMP))
                                continue;
                        if (!nsb_capability_works(full_needs[i]))
                                return full_needs[i];
                }
                return NSB_CAP_MAX_;
        case NSB_SANDBOX_CHROOT:
                return nsb_capability_works(NSB_CAP_CHROOT) ? NSB_CAP_MAX_ : NSB_CAP_CHROOT;
        case NSB_SANDBOX_AUTO:
        case NSB_SANDBOX_OFF:
                return NSB_CAP_MAX_;
        }
        return NSB_CAP_MAX_;
}

int nsb_sandbox_works(nsb_sandbox mode)
{
        if (!nsb_sandbox_compiled(mode))
                return 0;
        return nsb_sandbox_missing(mode) == NSB_CAP_MAX_;
}

/* ---- what auto uses ---- */

static const struct {
        unsigned bit;
        const char *name;
        nsb_capability cap;
} isolation_bits[] = {
        { NSB_ISOLATION_ROOT, "root", NSB_CAP_PIVOT_ROOT },
        { NSB_ISOLATION_MOUNT_NS, "mount_ns", NSB_CAP_MOUNT_NS },
        { NSB_ISOLATION_NET_NS, "net_ns", NSB_CAP_NET_NS },
        { NSB_ISOLATION_LOOPBACK, "loopback", NSB_CAP_LOOPBACK },
        { NSB_ISOLATION_IPC_NS, "ipc_ns", NSB_CAP_IPC_NS },
        { NSB_ISOLATION_UTS_NS, "uts_ns", NSB_CAP_UTS_NS },
        { NSB_ISOLATION_PID_NS, "pid_ns", NSB_CAP_PID_NS },
        { NSB_ISOLATION_USER_NS, "user_ns", NSB_CAP_USER_NS },
        { NSB_ISOLATION_SECCOMP, "seccomp", NSB_CAP_SECCOMP },
        { NSB_ISOLATION_LANDLOCK, "landlock", NSB_CAP_LANDLOCK },
        { NSB_ISOLATION_LANDLOCK_SCOPE, "landlock_scope", NSB_CAP_LANDLOCK_SCOPE },
        { NSB_ISOLATION_LANDLOCK_UNIX, "landlock_unix", NSB_CAP_LANDLOCK_UNIX },
};

const char *nsb_isolation_name(unsigned bit)
{
        for (size_t i = 0; i < ELEMENTSOF(isolation_bits); i++)
                if (isolation_bits[i].bit == bit)
                        return isolation_bits[i].name;
        return NULL;
}

nsb_capability nsb_isolation_capability(unsigned bit)
{
        for (size_t i = 0; i < ELEMENTSOF(isolation_bits); i++)
                if (isolation_bits[i].bit == bit)
                        return isolation_bits[i].cap;
        return NSB_CAP_MAX_;
}

unsigned nsb_full_isolation(bool share_network)
{
        unsigned bits = NSB_ISOLATION_ROOT | NSB_ISOLATION_MOUNT_NS | NSB_ISOLATION_IPC_NS | NSB_ISOLATION_UTS_NS |
                        NSB_ISOLATION_PID_NS;
        if (!share_network)
                bits |= NSB_ISOLATION_NET_NS | NSB_ISOLATION_LOOPBACK;
        if (!nsb_ns_direct())
                bits |= NSB_ISOLATION_USER_NS;
        if (NSB_HAVE_SECCOMP)
                bits |= NSB_ISOLATION_SECCOMP;
        return bits;
}

unsigned nsb_auto_choice(bool share_network, nsb_sandbox *ret_tier)
{
        /* "root": namespaces made directly (CAP_SYS_ADMIN and build
         * users), not in a user namespace. */
        bool root = nsb_ns_direct();
        /* The namespaces besides the mount namespace, each where it works
         * (without root, inside a user namespace: the probe tried them
         * there). */
        unsigned extra = 0;
        if (nsb_capability_works(NSB_CAP_NET_NS) && !share_network)
                extra |= NSB_ISOLATION_NET_NS | (nsb_capability_works(NSB_CAP_LOOPBACK) ? NSB_ISOLATION_LOOPBACK : 0);
        if (nsb_capability_works(NSB_CAP_IPC_NS))
                extra |= NSB_ISOLATION_IPC_NS;
        if (nsb_capability_works(NSB_CAP_UTS_NS))
                extra |= NSB_ISOLATION_UTS_NS;
        if (nsb_capability_works(NSB_CAP_PID_NS))
                extra |= NSB_ISOLATION_PID_NS;
        unsigned filter = nsb_capability_works(NSB_CAP_SECCOMP) ? NSB_ISOLATION_SECCOMP : 0;

        if (nsb_sandbox_compiled(NSB_SANDBOX_FULL) && (root || nsb_capability_works(NSB_CAP_USER_NS)) &&
            nsb_capability_works(NSB_CAP_MOUNT_NS) && nsb_capability_works(NSB_CAP_PIVOT_ROOT)) {
                *ret_tier = NSB_SANDBOX_FULL;
                return NSB_ISOLATION_ROOT | NSB_ISOLATION_MOUNT_NS | (root ? 0 : NSB_ISOLATION_USER_NS) | extra | filter;
        }
        /* As root, a root on disk, and the namespaces that work beside it
         * (where the namespace code is compiled in at all). */
        if (nsb_sandbox_works(NSB_SANDBOX_CHROOT)) {
                *ret_tier = NSB_SANDBOX_CHROOT;
                return NSB_ISOLATION_ROOT | (NSB_TIER_FULL && root ? extra : 0) | filter;
        }
        *ret_tier = NSB_SANDBOX_OFF;
        return filter;
}

unsigned nsb_landlock_isolation(unsigned usable, bool callers_uid, bool host_files)
{
        /* With the scopes, a domain that handles no file access: no file
         * or mount is touched (a build may still make namespaces and
         * mount in them).  Without them, a domain must handle some file
         * access, which forbids mounting: only where it keeps the builder
         * from processes of its own uid. */
        if (usable & NSB_ISOLATION_LANDLOCK_SCOPE)
                return NSB_ISOLATION_LANDLOCK | NSB_ISOLATION_LANDLOCK_SCOPE |
                       (callers_uid && host_files ? usable & NSB_ISOLATION_LANDLOCK_UNIX : 0);
        return callers_uid ? usable & NSB_ISOLATION_LANDLOCK : 0;
}

/* What the probe found works of Landlock's pieces. */
static unsigned landlock_works(void)
{
        unsigned bits = 0;
        for (unsigned bit = NSB_ISOLATION_LANDLOCK; bit <= NSB_ISOLATION_LANDLOCK_UNIX; bit <<= 1)
                if (nsb_capability_works(nsb_isolation_capability(bit)))
                        bits |= bit;
        return bits;
}

unsigned nsb_landlock_usable(void)
{
        if (atomic_load(&landlock_probed))
                return landlock_works();
#if NSB_HAVE_LANDLOCK
        int abi = nsb_landlock_abi();
        return abi > 0 ? nsb_landlock_supported(abi) : 0;
#else
        return 0;
#endif
}

nsb_sandbox nsb_sandbox_best(void)
{
        nsb_sandbox tier;
        (void) nsb_auto_choice(false, &tier);
        return tier;
}

unsigned nsb_sandbox_best_isolation(void)
{
        nsb_sandbox tier;
        unsigned bits = nsb_auto_choice(false, &tier);
        return bits | nsb_landlock_isolation(landlock_works(), !nsb_build_users() && !(bits & NSB_ISOLATION_PID_NS),
                                             tier == NSB_SANDBOX_OFF);
}
