/* keyring.c - the kernel keyrings a builder starts with.
 *
 * Keyrings belong to no mount, PID or network namespace: a child keeps its
 * parent's session keyring, and every process of a uid shares that uid's
 * user keyring (and its user-session and persistent keyrings) for as long
 * as the kernel keeps them.  So a builder would read and write its
 * caller's session keys, and two builds of one build user would share a
 * channel.  As runc and crun do for a container, the builder joins a new,
 * anonymous session keyring of its own; a build user's own keyrings, which
 * a previous build may have filled, are emptied before the builder runs
 * and again when the build ends.  (In a user namespace of its own the
 * builder's user keyrings are new anyway: the kernel keeps them per
 * namespace.)
 *
 * Raw system calls only: this runs in the child between clone and exec,
 * and in the sweeper (userpool.c).  A kernel without CONFIG_KEYS has no
 * keyrings to share; that is not an error. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <unistd.h>
#if HAVE_LINUX_KEYCTL_H
#include <linux/keyctl.h>
#endif

#include "internal.h"

/* The keyctl ABI, for headers that lack it. */
#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif
#ifndef KEYCTL_CLEAR
#define KEYCTL_CLEAR 7
#endif
#ifndef KEYCTL_GET_PERSISTENT
#define KEYCTL_GET_PERSISTENT 22
#endif
#ifndef KEY_SPEC_SESSION_KEYRING
#define KEY_SPEC_SESSION_KEYRING -3
#endif
#ifndef KEY_SPEC_USER_KEYRING
#define KEY_SPEC_USER_KEYRING -4
#endif
#ifndef KEY_SPEC_USER_SESSION_KEYRING
#define KEY_SPEC_USER_SESSION_KEYRING -5
#endif

#ifdef SYS_keyctl
static long keyctl(int cmd, long a, long b)
{
        return syscall(SYS_keyctl, cmd, a, b, 0L, 0L);
}
#endif

/* Whether every way to a keyring is closed to this process, and so to
 * all it starts: a seccomp filter (Docker's default profile allows none of
 * keyctl, add_key and request_key) stays with every descendant.  Each
 * call is made with arguments the kernel would refuse for themselves
 * (EINVAL, ENOKEY), so that only a filter or a security module answers
 * EPERM, or ENOSYS. */
static bool keyrings_closed(void)
{
#if defined(SYS_add_key) && defined(SYS_request_key)
        static const long calls[] = { SYS_keyctl, SYS_add_key, SYS_request_key };
        for (size_t i = 0; i < ELEMENTSOF(calls); i++) {
                long r = calls[i] == SYS_keyctl ? syscall(SYS_keyctl, -1L, 0L, 0L, 0L, 0L)
                                                : syscall(calls[i], "", "", NULL, 0L, 0L);
                if (r >= 0 || (errno != EPERM && errno != EACCES && errno != ENOSYS))
                        return false;
        }
        /* And what a builder would use to reach our session keyring, for a
         * filter that looks at keyctl's command: its id, its description,
         * its contents. */
        static const long reads[] = { 0 /* KEYCTL_GET_KEYRING_ID */, 6 /* KEYCTL_DESCRIBE */, 11 /* KEYCTL_READ */ };
        char buf[256];
        for (size_t i = 0; i < ELEMENTSOF(reads); i++) {
                long r = syscall(SYS_keyctl, reads[i], (long) KEY_SPEC_SESSION_KEYRING,
                                 reads[i] ? (long) buf : 0L, reads[i] ? (long) sizeof(buf) : 0L, 0L);
                if (r >= 0 || (errno != EPERM && errno != EACCES && errno != ENOSYS))
                        return false;
        }
        return true;
#else
        return false;
#endif
}

int nsb_keyring_join_new_session(void)
{
#ifdef SYS_keyctl
        /* A NULL name: a new anonymous keyring, owned by the caller. */
        if (keyctl(KEYCTL_JOIN_SESSION_KEYRING, 0, 0) < 0 && errno != ENOSYS) {
                int err = errno;
                /* Refused by a filter that refuses the builder all the
                 * same: it can reach no keyring, ours neither. */
                if ((err == EPERM || err == EACCES) && keyrings_closed())
                        return 0;
                return -err;
        }
#endif
        return 0;
}

int nsb_keyring_clear_user(void)
{
#ifdef SYS_keyctl
        static const long rings[] = { KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING };
        for (size_t i = 0; i < ELEMENTSOF(rings); i++)
                if (keyctl(KEYCTL_CLEAR, rings[i], 0) < 0) {
                        int err = errno;
                        if (err == ENOSYS || ((err == EPERM || err == EACCES) && keyrings_closed()))
                                return 0;
                        return -err;
                }
        /* The persistent keyring (CONFIG_PERSISTENT_KEYRINGS) outlives
         * every process of the uid by days.  Asking for it links it into
         * the session keyring, which is the caller's own by now. */
        long id = keyctl(KEYCTL_GET_PERSISTENT, -1, KEY_SPEC_SESSION_KEYRING);
        if (id < 0)
                return errno == EOPNOTSUPP || errno == ENOSYS ? 0 : -errno;
        if (keyctl(KEYCTL_CLEAR, id, 0) < 0)
                return -errno;
#endif
        return 0;
}
