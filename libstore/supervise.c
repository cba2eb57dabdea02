/* supervise.c - a supervisor for the builds that have no PID namespace.
 *
 * In the full tier the builder is PID 1 of a namespace of its own, and when
 * it exits the kernel kills everything it started.  The chroot and off
 * tiers have nothing like it: a daemon the builder double-forks survives
 * the build, and if nsbuild is killed, even the builder lives on.  So
 * there the builder is started by a supervisor, a small process of ours
 * that is its parent and a child subreaper (PR_SET_CHILD_SUBREAPER): every
 * process the build starts stays its descendant, however it forks or
 * detaches.  When the builder exits, when the caller asks (SIGTERM), or
 * when the thread that started the build dies (its parent-death signal,
 * SIGTERM too), the supervisor kills every descendant, waits until none is
 * left and exits as the builder did, so the caller sees the builder's own
 * status.  This needs no privilege: it works for an ordinary user too.
 *
 * The supervisor is a copy of the caller (a fork, not the caller's memory:
 * it lives as long as the build).  It runs only system calls, since the
 * caller may have been multi-threaded, and closes every fd it does not
 * need. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <poll.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compat/compat.h"
#include "internal.h"

#ifndef CLONE_NEWUSER
#define CLONE_NEWUSER 0x10000000 /* a libc without namespaces: never asked for */
#endif

struct supervise_args {
        nsb_spawn *s;
        unsigned long clone_flags;
        int (*child)(void *);
        int result_fd;          /* where the builder's wait status goes */
};

/* "/proc/self/task/PID/children" for PID, without stdio. */
static void children_path(pid_t pid, char buf[64])
{
        static const char head[] = "/proc/self/task/", tail[] = "/children";
        char digits[16];
        int n = 0;
        do {
                digits[n++] = (char) ('0' + pid % 10);
                pid /= 10;
        } while (pid > 0);
        size_t len = sizeof(head) - 1;
        memcpy(buf, head, len);
        while (n > 0)
                buf[len++] = digits[--n];
        memcpy(buf + len, tail, sizeof(tail));
}

/* SIGKILL every child of ours that /proc lists (the kernel's list of this
 * task's children, CONFIG_PROC_CHILDREN), all of it however long, read in
 * pieces from FD, opened before the builder ran: a builder that fills the
 * system's file table (ENFILE binds an ordinary user's supervisor too)
 * must not blind us when we need it.  Returns how many it signalled, or -1
 * where the list cannot be read. */
static int kill_listed_children(int fd)
{
        if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0)
                return -1;
        char buf[4096];
        int killed = 0;
        long pid = -1; /* a number cut by the end of a piece goes on */
        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -1;
                for (ssize_t i = 0; i <= n; i++) {
                        char ch = i < n ? buf[i] : ' ';
                        if (ch >= '0' && ch <= '9') {
                                pid = (pid < 0 ? 0 : pid * 10) + (ch - '0');
                                continue;
                        }
                        if (pid > 0 && (i < n || n == 0)) {
                                (void) kill((pid_t) pid, SIGKILL);
                                killed++;
                        }
                        if (i < n || n == 0)
                                pid = -1;
                }
                if (n == 0)
                        break;
        }
        return killed;
}

struct scan {
        pid_t self;
        int killed;
};

static int kill_if_child(const struct nsb_proc_info *p, void *arg)
{
        struct scan *sc = arg;
        if (p->ppid == sc->self) {
                (void) kill(p->pid, SIGKILL);
                sc->killed++;
        }
        return 0;
}

/* Without that list: every process whose parent is SELF, from /proc. */
static int kill_children_by_scan(pid_t self)
{
        struct scan sc = { .self = self };
        return nsb_proc_each(kill_if_child, &sc) < 0 ? -1 : sc.killed;
}

/* How long the supervisor goes on killing what it finds before it gives
 * up (processes stuck in the kernel): the build must end. */
#define KILL_DEADLINE_NS (30 * 1000000000ULL)

/* Wait up to 50 ms for a child's SIGCHLD (blocked, as every signal is
 * here).  Never longer: a zombie held by a tracer of the build's, or a
 * process stuck in the kernel, sends none, and the list must be walked
 * again (its tracer killed, the zombie comes back to us). */
static void await_child(void)
{
        uint64_t chld[2] = { 1ULL << (SIGCHLD - 1), 0 };
        struct timespec pause = { 0, 50 * 1000 * 1000 };
        siginfo_t si;
        (void) syscall(SYS_rt_sigtimedwait, chld, &si, &pause, NSB_KERNEL_SIGSET_SIZE);
}

/* Kill and reap every descendant.  Killing a process hands its children to
 * us (we are their subreaper), so this goes round until waitid() says no
 * child is left, reaping all that have exited each round (a builder that
 * forks siblings as fast as it can must not outrun it), until the
 * deadline.  As root, every process of the build user dies first in one
 * walk of the kernel's (kill(-1) as that user), which no fork gets past.
 * Where /proc cannot name our children now (no children list, and /proc
 * unreadable: a full file table), it goes on trying, reaping what exits. */
static void kill_descendants(const nsb_spawn *s, pid_t self, int children_fd)
{
        uint64_t end = now_ns() + KILL_DEADLINE_NS;
        if (s->clear_user_keyrings)
                nsb_userpool_sweep(s->uid);
        while (now_ns() < end) {
                if (kill_listed_children(children_fd) < 0)
                        (void) kill_children_by_scan(self);
                siginfo_t si = { 0 };
                int reaped = 0;
                while (waitid(P_ALL, 0, &si, WEXITED | WNOHANG) == 0 && si.si_pid > 0) {
                        reaped++;
                        si.si_pid = 0;
                }
                if (reaped)
                        continue;
                if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD)
                        return;
                await_child();
        }
}

/* Exit as a process that ended with wait status STATUS. */
__attribute__((noreturn)) static void exit_like(int status)
{
        if (WIFSIGNALED(status)) {
                int sig = WTERMSIG(status);
                /* No core of ours: the builder's was its own. */
                (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
                static const uint64_t dfl[6] = { 0 };
                (void) syscall(SYS_rt_sigaction, sig, dfl, NULL, NSB_KERNEL_SIGSET_SIZE);
                uint64_t set[2] = { 0, 0 };
                set[(sig - 1) / 64] = 1ULL << ((sig - 1) % 64);
                (void) syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, set, NULL, NSB_KERNEL_SIGSET_SIZE);
                (void) kill((pid_t) syscall(SYS_getpid), sig);
                _exit(128 + sig);
        }
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 125);
}

/* Close every fd but the ones in KEEP (ascending, -1 entries ignored). */
static void close_all_but(const int *keep, size_t n)
{
        unsigned from = 3;
        for (size_t i = 0; i <= n; i++) {
                unsigned to = i < n ? (unsigned) keep[i] : ~0U;
                if (i < n && (keep[i] < 0 || (unsigned) keep[i] < from))
                        continue;
                if (to > from && close_range(from, to - 1, 0) < 0 && (errno == ENOSYS || errno == EINVAL)) {
                        /* A kernel before 5.9: one close each, as far as
                         * the limit goes. */
                        long max = sysconf(_SC_OPEN_MAX);
                        unsigned last = to == ~0U ? (unsigned) (max > 0 ? max : 1024) : to;
                        for (unsigned fd = from; fd < last; fd++)
                                (void) close((int) fd);
                }
                if (i < n)
                        from = (unsigned) keep[i] + 1;
        }
}

static void sort_ints(int *v, size_t n)
{
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
                        int t = v[j];
                        v[j] = v[j - 1];
                        v[j - 1] = t;
                }
}

static void report(int fd, int32_t type, int32_t step, int32_t err, int32_t index)
{
        nsb_status_msg m = { .is_error = type, .step = step, .err = err, .index = index };
        (void) write(fd, &m, sizeof(m));
}

static int supervisor(void *arg)
{
        const struct supervise_args *a = arg;
        nsb_spawn *s = a->s; /* our own copy of the caller's memory */
        pid_t self = (pid_t) syscall(SYS_getpid);

        /* All signals stay blocked (they were across the clone), and are
         * waited for; dispositions to their defaults, so that SIGCHLD is
         * not ignored (that would reap our children for us). */
        static const uint64_t dfl[6] = { 0 };
        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) syscall(SYS_rt_sigaction, sig, dfl, NULL, NSB_KERNEL_SIGSET_SIZE);
        if (s->die_with_parent) {
                if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) < 0)
                        _exit(125);
                if (getppid() != s->parent_pid)
                        _exit(125);
        }
        /* A process group of our own: a signal to the caller's group (a
         * shell's kill of a job) ends the caller, and so, cleanly, us. */
        (void) setpgid(0, 0);
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
                report(s->status_fd, NSB_MSG_ERROR, NSB_STEP_SUPERVISE, errno, 0);
                _exit(125);
        }
        /* The builder joins the build's cgroup; we stay out of it, so
         * that no limit of the build's ever stops us. */
        int keep[6 + NSB_CGROUP_MAX] = { s->status_fd, s->log_fd, s->null_fd, s->root_fd, a->result_fd, s->cgroup_fd };
        size_t n_keep = 6;
        for (size_t i = 0; i < s->n_cgroup_fds && i < NSB_CGROUP_MAX; i++)
                keep[n_keep++] = s->cgroup_procs_fds[i];
        sort_ints(keep, n_keep);
        close_all_but(keep, n_keep);

        /* Our children's list, and the signals we wait for as an fd, open
         * before there is any child to list (see kill_listed_children). */
        char children[64];
        children_path(self, children);
        int children_fd = open(children, O_RDONLY | O_CLOEXEC);
        sigset_t wanted_set;
        sigemptyset(&wanted_set);
        sigaddset(&wanted_set, SIGCHLD);
        sigaddset(&wanted_set, SIGTERM);
        int signal_fd = signalfd(-1, &wanted_set, SFD_CLOEXEC | SFD_NONBLOCK);

        /* Not to be read or traced by a builder of our uid (an ordinary
         * user's off tier): from before it exists, where no user namespace
         * needs our dumpability (below). */
        if (!(a->clone_flags & CLONE_NEWUSER))
                (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        /* The builder's parent is this process now. */
        s->parent_pid = self;
        s->parent_pidfd = -1;
        int pidfd = -1;
        pid_t pid = nsb_clone_spawn_cgroup(a->clone_flags, s->share_memory, s->cgroup_fd, &s->born_in_cgroup, a->child,
                                           s, &pidfd);
        if (pid < 0) {
                report(s->status_fd, NSB_MSG_ERROR, a->clone_flags ? NSB_STEP_CLONE : NSB_STEP_SUPERVISE, -pid, 0);
                _exit(125);
        }
        /* With a user namespace, only now: until its exec the child
         * shares our memory, whose dumpability makes the owner of its
         * /proc files, and so who may write its uid_map (the caller);
         * root's otherwise.  (There its Landlock domain keeps the builder
         * off us, and Yama's ptrace_scope=1 keeps a child off its parent;
         * without either, a builder that attaches first wins this race,
         * and an ordinary user's builder can trace nsbuild itself: see
         * nsbuild(1).) */
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        report(s->status_fd, NSB_MSG_PID, NSB_STEP_SUPERVISE, 0, pid);
        for (size_t i = 0; i < n_keep; i++)
                if (keep[i] >= 0 && keep[i] != a->result_fd && keep[i] != children_fd && keep[i] != signal_fd &&
                    keep[i] != pidfd)
                        close(keep[i]);

        uint64_t wanted[2] = { (1ULL << (SIGCHLD - 1)) | (1ULL << (SIGTERM - 1)), 0 };
        int status = 0;
        bool killed = false;
        for (;;) {
                siginfo_t si = { 0 };
                /* The builder's end, and anything that exited before it. */
                while (waitid(P_ALL, 0, &si, WEXITED | WNOHANG) == 0 && si.si_pid > 0) {
                        if (si.si_pid == pid) {
                                status = si.si_code == CLD_EXITED
                                                 ? (si.si_status & 0xff) << 8
                                                 : (si.si_status & 0x7f) | (si.si_code == CLD_DUMPED ? 0x80 : 0);
                                goto done;
                        }
                        si.si_pid = 0;
                }
                /* A builder traced by a process of its own build ends as a
                 * zombie only its tracer may reap: no SIGCHLD comes, and
                 * waitid() does not see it.  Its pidfd (Linux 5.3) does:
                 * then what we hold is killed, the tracer with it, and the
                 * zombie comes back to us. */
                if (pidfd >= 0 && signal_fd >= 0) {
                        struct pollfd p[2] = { { .fd = signal_fd, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
                        if (poll(p, 2, -1) < 0) {
                                if (errno == EINTR)
                                        continue;
                                _exit(125);
                        }
                        if (p[1].revents) {
                                if (kill_listed_children(children_fd) < 0)
                                        (void) kill_children_by_scan(self);
                                await_child();
                        }
                        struct signalfd_siginfo ssi;
                        while (read(signal_fd, &ssi, sizeof(ssi)) == (ssize_t) sizeof(ssi))
                                if (ssi.ssi_signo == SIGTERM && !killed) {
                                        (void) kill(pid, SIGKILL);
                                        killed = true;
                                }
                        continue;
                }
                if (syscall(SYS_rt_sigtimedwait, wanted, &si, NULL, NSB_KERNEL_SIGSET_SIZE) < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        _exit(125);
                }
                if (si.si_signo == SIGTERM && !killed) {
                        (void) kill(pid, SIGKILL);
                        killed = true;
                }
        }
done:
        kill_descendants(s, self, children_fd);
        /* The builder's own status, so that the caller can tell it from
         * our death by a signal (which an ordinary user's builder could
         * send us). */
        int32_t word = status;
        (void) write(a->result_fd, &word, sizeof(word));
        exit_like(status);
}

int nsb_supervise_spawn(nsb_build *b, nsb_spawn *s, unsigned long clone_flags, int (*child)(void *))
{
        _cleanup_close_pair_ int result[2] = { -1, -1 };
        if (pipe2(result, O_CLOEXEC | O_NONBLOCK) < 0)
                return nsb_fail(b, errno, "start builder", "cannot create a pipe: %s", strerror(errno));
        struct supervise_args a = { .s = s, .clone_flags = clone_flags, .child = child, .result_fd = result[1] };
        int pidfd = -1;
        /* A copy of our memory, not a share of it: it outlives the start. */
        pid_t pid = nsb_clone_spawn(0, false, supervisor, &a, &pidfd);
        if (pid < 0)
                return nsb_fail(b, -pid, "start builder", "cannot create the builder's supervisor: %s",
                                strerror(-pid));
        b->pid = pid;
        b->pidfd = pidfd;
        b->supervised = true;
        /* TAKE_FD leaves -1 behind for the cleanup handler, which cppcheck
         * does not see reading it. */
        // cppcheck-suppress unreadVariable
        b->result_fd = TAKE_FD(result[0]);
        s->exec_done = false;
        return 0;
}
