/* userpool.c - build users for root's builds.
 *
 * Without a PID namespace two builds that share a uid can signal and
 * ptrace each other, and a daemon a build leaves behind is not killed with
 * it; in any tier they would share the uid's keyrings.  So, as Nix does
 * with its build-users group, each build takes a uid of its own from a
 * pool, locked with flock() on a file per uid for as long as the build
 * runs, and when it ends every process of that uid is killed.
 *
 * The lock file says whether the run that held it finished: it is
 * non-empty while a build runs and emptied once every process of the build
 * is gone.  A run that was killed leaves it non-empty (its lock goes with
 * it), so the next run to take that uid first kills whatever of that uid
 * still lives, and empties its keyrings: no build ever starts under a uid
 * whose processes are alive. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_LOCK_DIR NSB_RUN_DIR "/build-users"

int nsb_userpool_acquire(nsb_build *b)
{
        uid_t first = b->pool_first, count = b->pool_count;
        b->uid_from_pool = count || !b->user_set;
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
        unsigned busy = 0;
        for (uid_t i = 0; i < count; i++) {
                char name[32];
                snprintf(name, sizeof(name), "%u.lock", (unsigned) (first + i));
                int fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd < 0)
                        return nsb_fail(b, errno, "allocate a build user", "cannot open %s/%s: %s", dir, name,
                                        strerror(errno));
                if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
                        uid_t uid = first + i;
                        struct stat st;
                        int err = fstat(fd, &st) < 0 ? errno : 0;
                        if (!err && st.st_size > 0) {
                                /* Left by a killed run: its processes, then
                                 * (of a pool uid) its files in /tmp and the
                                 * like.  A process SIGKILL does not end (one
                                 * stuck in the kernel) keeps the uid from
                                 * any build: the next one of the pool. */
                                if (nsb_userpool_kill_all(uid, true, true) == -EBUSY) {
                                        close(fd);
                                        busy++;
                                        continue;
                                }
                                if (b->uid_from_pool)
                                        (void) nsb_remove_user_tmp_files(uid);
                        }
                        if (!err && pwrite(fd, "running\n", 8, 0) != 8)
                                err = errno ? errno : EIO;
                        if (err) {
                                close(fd);
                                return nsb_fail(b, err, "allocate a build user", "cannot mark %s/%s in use: %s",
                                                dir, name, strerror(err));
                        }
                        b->pool_lock_fd = fd;
                        b->uid = uid;
                        return 0;
                }
                int err = errno;
                close(fd);
                if (err != EWOULDBLOCK)
                        return nsb_fail(b, err, "allocate a build user", "cannot lock %s/%s: %s", dir, name,
                                        strerror(err));
        }
        if (busy)
                return nsb_fail(b, EBUSY, "allocate a build user",
                                "%s: %u of them still %s processes of a killed build that SIGKILL does not end "
                                "(stuck in the kernel: see ps -u UID -o pid,stat,wchan)",
                                count == 1 ? "the build user is not free" : "no build user of the pool is free",
                                busy, busy == 1 ? "runs" : "run");
        return nsb_fail(b, EBUSY, "allocate a build user",
                        count == 1 ? "build user %u is busy with another build"
                                   : "all build users %u-%u of the pool are busy",
                        (unsigned) first, (unsigned) (first + count - 1));
}

int nsb_userpool_record(const nsb_build *b, char **ret)
{
        const char *dir = b->pool_dir ? b->pool_dir : DEFAULT_LOCK_DIR;
        return asprintf(ret, "%u:%d:%s/%u.lock", (unsigned) b->uid, b->uid_from_pool ? 1 : 0, dir,
                        (unsigned) b->uid) < 0
                       ? -ENOMEM
                       : 0;
}

int nsb_userpool_reclaim(const char *record)
{
        char *end;
        errno = 0;
        unsigned long uid = strtoul(record, &end, 10);
        if (errno || end == record || *end != ':' || uid == 0 || uid > UINT32_MAX - 1 ||
            (end[1] != '0' && end[1] != '1') || end[2] != ':' || end[3] != '/')
                return -EINVAL;
        bool from_pool = end[1] == '1';
        const char *lock = end + 3;
        _cleanup_close_ int fd = open(lock, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        struct stat st;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0)
                return errno == EWOULDBLOCK ? 0 : -errno; /* a build runs as it now: its business */
        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_size == 0)
                return 0;
        int r = nsb_userpool_kill_all((uid_t) uid, true, true);
        if (r < 0)
                return r;
        if (from_pool)
                (void) nsb_remove_user_tmp_files((uid_t) uid);
        return ftruncate(fd, 0) < 0 ? -errno : 1;
}

void nsb_userpool_release(nsb_build *b, bool finished)
{
        if (b->pool_lock_fd >= 0 && finished)
                (void) ftruncate(b->pool_lock_fd, 0);
        close_and_invalidate(&b->pool_lock_fd);
}

/* The sweeper: as the build user, SIGKILL every process it may signal
 * (kill(-1) skips the sender).  One call is enough: the kernel walks the
 * process list under the tasklist lock, and a fork racing with it either
 * attached its child before (which the walk then reaches) or finds the
 * SIGKILL pending and fails.  Its result is no count: the processes it may
 * not signal are passed over silently, and it fails with ESRCH only on a
 * system without other processes. */
struct sweep {
        uid_t uid;
        bool wait;
        pid_t self;
};

static int of_uid(const struct nsb_proc_info *p, void *arg)
{
        const struct sweep *sw = arg;
        /* A zombie runs nothing and holds nothing but its pid; where no
         * one reaps orphans (a container's PID 1 may not), it never goes. */
        return p->pid != sw->self && p->state != 'Z' && p->state != 'X' && (p->ruid == sw->uid || p->euid == sw->uid);
}

/* How long a sweep that must see the uid's processes gone waits for the
 * kernel to end them. */
#define SWEEP_WAIT_NS (5 * 1000000000ULL)

static int sweep_child(void *arg)
{
        struct sweep *sw = arg;
        uid_t uid = sw->uid;
        sw->self = (pid_t) syscall(SYS_getpid);
        /* The processes it kills are the build user's too: none may
         * ptrace it into our memory, whatever fs.suid_dumpable says. */
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (syscall(SYS_setresuid, uid, uid, uid) < 0)
                _exit(1);
        if (kill(-1, SIGKILL) < 0 && errno != ESRCH)
                _exit(1);
        /* SIGKILL is delivered, not awaited: where the next build must not
         * start beside them, wait until /proc lists none of them but
         * zombies, killing again whatever a fork got in before the first. */
        uint64_t end = now_ns() + SWEEP_WAIT_NS;
        bool left = false;
        while (sw->wait && (left = (nsb_proc_each(of_uid, (void *) sw) > 0)) && now_ns() < end) {
                (void) kill(-1, SIGKILL);
                struct timespec ms = { 0, 1000000 };
                (void) nanosleep(&ms, NULL);
        }
        /* Its keyrings, from a session keyring of our own (the persistent
         * keyring is reached through it), after its last process. */
        if (nsb_keyring_join_new_session() < 0 || nsb_keyring_clear_user() < 0)
                _exit(1);
        _exit(left ? 2 : 0);
}

/* Kill every process of UID, as Nix does, from a child that is that user,
 * with WAIT until they are gone, then (with IPC) remove its IPC objects.  Only ever for a uid we hold the lock of,
 * so nothing but this build's processes can be hit.  The child is spawned
 * in our memory (spawn.c): it makes a few system calls and exits. */
static int kill_child(void *arg)
{
        uid_t uid = *(const uid_t *) arg;
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (syscall(SYS_setresuid, uid, uid, uid) < 0)
                _exit(1);
        _exit(kill(-1, SIGKILL) < 0 && errno != ESRCH);
}

void nsb_userpool_sweep(uid_t uid)
{
        if (uid == 0)
                return;
        int pidfd = -1;
        pid_t pid = nsb_clone_spawn(0, true, kill_child, &uid, &pidfd);
        if (pid < 0)
                return;
        if (pidfd >= 0)
                close(pidfd);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
}

int nsb_userpool_kill_all(uid_t uid, bool wait, bool ipc)
{
        if (geteuid() != 0 || uid == 0)
                return 0;
        int pidfd = -1, st = 0, r = 0;
        struct sweep sw = { .uid = uid, .wait = wait };
        pid_t pid = nsb_clone_spawn(0, true, sweep_child, &sw, &pidfd);
        if (pid < 0)
                r = (int) pid;
        else {
                close_and_invalidate(&pidfd);
                while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                        ;
                if (WIFEXITED(st) && WEXITSTATUS(st) == 2)
                        r = -EBUSY;
        }
        if (ipc)
                nsb_ipc_remove_owned(uid);
        return r;
}
