/* userpool.c - build users for the tiers without a PID namespace.
 *
 * Without a PID namespace two builds that share a uid can signal and
 * ptrace each other, and a daemon a build leaves behind is not killed with
 * it.  So, as Nix does with its build-users group, each such build takes a
 * uid of its own from a pool, locked with flock() on a file per uid for as
 * long as the build runs, and when it ends every process of that uid is
 * killed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_LOCK_DIR "/run/nsbuild/build-users"

int nsb_userpool_acquire(nsb_build *b)
{
        uid_t first = b->pool_first, count = b->pool_count;
        if (!count && b->user_set) {
                /* A build user the caller chose: that one, locked. */
                first = b->uid;
                count = 1;
        } else if (!count) {
                /* Nix's default: 32 build users from 30001. */
                first = 30001;
                count = 32;
        }
        const char *dir = b->pool_dir ? b->pool_dir : DEFAULT_LOCK_DIR;
        /* Open first: the directory is made once, and a mkdir of each
         * existing parent would take its lock, which concurrent builds
         * then queue on. */
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 && errno == ENOENT) {
                int r = mkdir_p(dir, 0755);
                if (r < 0)
                        return nsb_fail(b, -r, "allocate a build user", "cannot create the lock directory %s: %s",
                                        dir, strerror(-r));
                dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        }
        if (dfd < 0)
                return nsb_fail(b, errno, "allocate a build user", "cannot open %s: %s", dir, strerror(errno));
        for (uid_t i = 0; i < count; i++) {
                char name[32];
                snprintf(name, sizeof(name), "%u.lock", (unsigned) (first + i));
                int fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd < 0)
                        return nsb_fail(b, errno, "allocate a build user", "cannot open %s/%s: %s", dir, name,
                                        strerror(errno));
                if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
                        b->pool_lock_fd = fd;
                        b->uid = first + i;
                        return 0;
                }
                int err = errno;
                close(fd);
                if (err != EWOULDBLOCK)
                        return nsb_fail(b, err, "allocate a build user", "cannot lock %s/%s: %s", dir, name,
                                        strerror(err));
        }
        return nsb_fail(b, EBUSY, "allocate a build user",
                        count == 1 ? "build user %u is busy with another build"
                                   : "all build users %u-%u of the pool are busy",
                        (unsigned) first, (unsigned) (first + count - 1));
}

void nsb_userpool_release(nsb_build *b)
{
        close_and_invalidate(&b->pool_lock_fd);
}

/* The sweeper: as the build user, SIGKILL every process it may signal
 * (kill(-1) skips the sender).  One call is enough: the kernel walks the
 * process list under the tasklist lock, and a fork racing with it either
 * attached its child before (which the walk then reaches) or finds the
 * SIGKILL pending and fails.  Its result is no count: the processes it may
 * not signal are passed over silently, and it fails with ESRCH only on a
 * system without other processes. */
static int sweep_child(void *arg)
{
        uid_t uid = *(const uid_t *) arg;
        if (syscall(SYS_setresuid, uid, uid, uid) < 0)
                _exit(1);
        if (kill(-1, SIGKILL) < 0 && errno != ESRCH)
                _exit(1);
        _exit(0);
}

/* Kill every process of UID, as Nix does, from a child that is that user.
 * Only ever for a uid we hold the lock of, so nothing but this build's
 * processes can be hit.  The child is spawned in our memory (spawn.c):
 * it makes a few system calls and exits. */
void nsb_userpool_kill_all(uid_t uid)
{
        if (geteuid() != 0 || uid == 0)
                return;
        int pidfd = -1;
        pid_t pid = nsb_clone_spawn(0, true, sweep_child, &uid, &pidfd);
        if (pid < 0)
                return;
        close_and_invalidate(&pidfd);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
}
