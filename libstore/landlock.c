/* landlock.c - a Landlock domain of the build's own.
 *
 * Namespaces hide other processes and the host's sockets only where they
 * are made.  The chroot and off tiers share the host's PID and network
 * namespaces, and so does a fixed-output build's network in every tier:
 * there a builder could ptrace or signal any process of its uid (in an
 * ordinary user's off tier, the caller's own: its supervisor, its shell),
 * and connect to any abstract unix socket on the host (CVE-2024-27297
 * passed an fd out that way).  A Landlock domain (ABI 2, Linux 5.19: in
 * ABI 1's no file could be renamed across directories) confines ptrace,
 * and with it /proc/PID/mem and environ, to the processes inside
 * it; its scopes (ABI 6, Linux 6.12) do the same for signals and for
 * connections to abstract unix sockets; where the builder sees the host's
 * files (the off tier; the other tiers' roots hold only what the build is
 * given), resolving a unix socket by its path (ABI 9, Linux 7.1) is
 * refused as well, for a
 * socket made outside the build: a session bus (systemd-run --user) or
 * any other daemon of the caller's.  All are one-way: nsbuild, outside,
 * still signals the build, and what the build makes it reaches itself.
 * Nothing else Landlock could restrict is asked for, and a domain that
 * handles a file access forbids mounting (nested sandboxes in a build):
 * with the scopes, none is handled (but RESOLVE_UNIX where asked); before
 * them a ruleset must handle one, so a domain is made only where it keeps
 * the builder from processes of its own uid (see build.c).
 * It needs no privilege, only no_new_privs, which the child sets first.
 *
 * The constants are the kernel's ABI, defined here because Debian 12's
 * headers predate the scopes.  Raw system calls only: this runs between
 * clone and exec. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#if NSB_HAVE_LANDLOCK

#define NSB_LANDLOCK_CREATE_RULESET_VERSION (1u << 0)
#define NSB_LANDLOCK_ACCESS_FS_MAKE_BLOCK (1ull << 11)
#define NSB_LANDLOCK_ACCESS_FS_REFER (1ull << 13)
#define NSB_LANDLOCK_ACCESS_FS_RESOLVE_UNIX (1ull << 16)
#define NSB_LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ull << 0)
#define NSB_LANDLOCK_SCOPE_SIGNAL (1ull << 1)
#define NSB_LANDLOCK_RULE_PATH_BENEATH 1
/* What each piece needs of the kernel's Landlock ABI.  A domain needs
 * REFER (ABI 2): in ABI 1's, no file can be renamed or linked across
 * directories. */
static const struct {
        unsigned bit;
        int abi;
        const char *kernel;
        const char *gives;
} landlock_needs[] = {
        { NSB_ISOLATION_LANDLOCK, 2, "5.19", "a domain in which a build may rename files across directories" },
        { NSB_ISOLATION_LANDLOCK_SCOPE, 6, "6.12", "confining signals and abstract unix sockets" },
        { NSB_ISOLATION_LANDLOCK_UNIX, 9, "7.1", "refusing unix sockets with a path made outside the build" },
};

unsigned nsb_landlock_supported(int abi)
{
        unsigned bits = 0;
        for (size_t i = 0; i < ELEMENTSOF(landlock_needs); i++)
                if (abi >= landlock_needs[i].abi)
                        bits |= landlock_needs[i].bit;
        return bits;
}

/* struct landlock_ruleset_attr as of ABI 6.  An older kernel takes the
 * larger struct as long as what it does not know is zero. */
struct ruleset_attr {
        /* cppcheck-suppress unusedStructMember ; the kernel reads them */
        uint64_t handled_access_fs, handled_access_net, scoped;
};

/* struct landlock_path_beneath_attr, packed as the kernel's. */
struct path_beneath_attr {
        uint64_t allowed_access;
        int32_t parent_fd;
} __attribute__((packed));

int nsb_landlock_abi(void)
{
        long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, NSB_LANDLOCK_CREATE_RULESET_VERSION);
        return abi < 0 ? -errno : (int) abi;
}

int nsb_landlock_enter(unsigned what)
{
        /* A domain that handles any file access forbids mounting, and
         * reparenting a file (rename, link) unless a rule allows REFER
         * there.  With the scopes (ABI 6) none is handled but RESOLVE_UNIX
         * where asked; before them, making block devices, which no builder
         * may do.  REFER is allowed beneath the root: the rights handled
         * are the same everywhere, so every rename keeps working. */
        uint64_t fs = (what & NSB_ISOLATION_LANDLOCK_SCOPE) ? 0 : NSB_LANDLOCK_ACCESS_FS_MAKE_BLOCK;
        if (what & NSB_ISOLATION_LANDLOCK_UNIX)
                fs |= NSB_LANDLOCK_ACCESS_FS_RESOLVE_UNIX;
        struct ruleset_attr attr = {
                .handled_access_fs = fs ? fs | NSB_LANDLOCK_ACCESS_FS_REFER : 0,
                .scoped = (what & NSB_ISOLATION_LANDLOCK_SCOPE)
                                  ? NSB_LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | NSB_LANDLOCK_SCOPE_SIGNAL
                                  : 0,
        };
        long fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
        if (fd < 0)
                return -errno;
        int r = 0;
        int root = fs ? open("/", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
        if (fs && root < 0)
                r = -errno;
        else if (fs) {
                struct path_beneath_attr rule = { .allowed_access = NSB_LANDLOCK_ACCESS_FS_REFER, .parent_fd = root };
                if (syscall(SYS_landlock_add_rule, (int) fd, NSB_LANDLOCK_RULE_PATH_BENEATH, &rule, 0) < 0)
                        r = -errno;
                (void) close(root);
        }
        if (r == 0 && syscall(SYS_landlock_restrict_self, (int) fd, 0) < 0)
                r = -errno;
        (void) close((int) fd);
        return r;
}

void nsb_landlock_explain(unsigned bits, int err, const char *cause, char *reason, size_t reason_size, char *advice,
                          size_t advice_size)
{
        const char *what = strerrorname_np(err) ? strerrorname_np(err) : "error";
        int abi = nsb_landlock_abi();
        reason[0] = advice[0] = '\0';
        if (abi == -ENOSYS) {
                snprintf(reason, reason_size, "%s: %s", what,
                         cause[0] ? "no Landlock here: this kernel lacks it (CONFIG_SECURITY_LANDLOCK, Linux 5.13), "
                                    "or a seccomp filter refuses its system calls"
                                  : "this kernel has no Landlock (built without CONFIG_SECURITY_LANDLOCK, or older "
                                    "than Linux 5.13)");
                if (cause[0])
                        snprintf(reason + strlen(reason), reason_size - strlen(reason), " (%s)", cause);
                snprintf(advice, advice_size, "use a kernel built with CONFIG_SECURITY_LANDLOCK=y (Linux %s or later)",
                         landlock_needs[(bits & NSB_ISOLATION_LANDLOCK_UNIX)    ? 2
                                        : (bits & NSB_ISOLATION_LANDLOCK_SCOPE) ? 1
                                                                                : 0].kernel);
        } else if (abi == -EOPNOTSUPP) {
                snprintf(reason, reason_size,
                         "%s: Landlock is built into this kernel but not enabled (not in its lsm= boot parameter "
                         "or CONFIG_LSM)",
                         what);
                snprintf(advice, advice_size,
                         "add landlock to the lsm= kernel parameter (/sys/kernel/security/lsm lists those active)");
        } else if (abi > 0 && (nsb_landlock_supported(abi) & bits) != bits) {
                /* The first piece this ABI lacks: the base domain, if it
                 * is missing, explains all the others. */
                for (size_t i = 0; i < ELEMENTSOF(landlock_needs); i++)
                        if ((bits & landlock_needs[i].bit) && abi < landlock_needs[i].abi) {
                                snprintf(reason, reason_size, "%s: this kernel's Landlock is ABI %d; %s needs ABI %d (Linux %s)",
                                         what, abi, landlock_needs[i].gives, landlock_needs[i].abi, landlock_needs[i].kernel);
                                snprintf(advice, advice_size, "use Linux %s or later", landlock_needs[i].kernel);
                                break;
                        }
        } else if (err == E2BIG) {
                snprintf(reason, reason_size,
                         "%s: nsbuild already runs in as many nested Landlock domains as the kernel allows (16)",
                         what);
                snprintf(advice, advice_size, "run nsbuild in fewer nested sandboxes");
        } else if (err == EPERM || err == EACCES) {
                snprintf(reason, reason_size, "%s: refused%s%s", what, cause[0] ? "; " : " by a security policy",
                         cause);
                snprintf(advice, advice_size,
                         "allow landlock_create_ruleset(2) and landlock_restrict_self(2) in that policy");
        } else {
                snprintf(reason, reason_size, "%s: %s", what, strerror(err));
        }
}

#endif
