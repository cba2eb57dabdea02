/* monitor.c - the parent's side of a running build.
 *
 * One epoll fd gathers the log pipe, the builder's pidfd and a timerfd for
 * the time limits, so that an embedding store can poll a single fd per
 * build (nsb_build_fd) from its own event loop. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include "compat/compat.h"
#include "internal.h"

enum { SRC_LOG = 1, SRC_PID, SRC_TIMER };

/* Where the kernel has no pidfds the timer also polls for the builder's
 * exit at this interval. */
#define REAP_POLL_NS 10000000ULL
/* How long a supervisor told to stop has to kill the build and exit: it
 * needs milliseconds, unless the builder stopped it (an ordinary user's
 * off tier runs both as one user), when it gets SIGKILL. */
#define SUPERVISOR_GRACE_NS (5 * 1000000000ULL)

static const char *step_text(nsb_step step)
{
        switch (step) {
        case NSB_STEP_CLONE: return "create namespaces";
        case NSB_STEP_SUPERVISE: return "start the builder under its supervisor";
        case NSB_STEP_USER_NS_MAP: return "map the build user in the user namespace";
        case NSB_STEP_MOUNT_PRIVATE: return "make all mounts private";
        case NSB_STEP_LOOPBACK: return "bring up loopback interface";
        case NSB_STEP_HOSTNAME: return "set host name";
        case NSB_STEP_DOMAINNAME: return "set domain name";
        case NSB_STEP_ROOT_TMPFS: return "mount the root tmpfs";
        case NSB_STEP_OPEN_ROOT: return "open the sandbox root";
        case NSB_STEP_ACTION: return "build the sandbox root";
        case NSB_STEP_PIVOT_ROOT: return "pivot_root into the sandbox root";
        case NSB_STEP_MOVE_ROOT: return "move the sandbox root over the initramfs";
        case NSB_STEP_DETACH_OLD_ROOT: return "detach the old root";
        case NSB_STEP_ROOT_READONLY: return "make the root read-only";
        case NSB_STEP_CHROOT: return "chroot into the sandbox root";
        case NSB_STEP_PERSONALITY: return "set personality";
        case NSB_STEP_SETSID: return "start a new session";
        case NSB_STEP_STDIO: return "set up standard input and output";
        case NSB_STEP_CLOSE_FDS: return "close inherited file descriptors";
        case NSB_STEP_RLIMIT_CORE: return "disable core dumps";
        case NSB_STEP_SETGROUPS: return "drop supplementary groups";
        case NSB_STEP_SETGID: return "switch to the build group";
        case NSB_STEP_SETUID: return "switch to the build user";
        case NSB_STEP_CAPABILITIES: return "drop capabilities";
        case NSB_STEP_KEYRING: return "give the builder keyrings of its own";
        case NSB_STEP_PARENT_DEATH: return "tie the builder's life to nsbuild's";
        case NSB_STEP_NO_NEW_PRIVS: return "set no_new_privs";
        case NSB_STEP_SECCOMP: return "install the system-call filter";
        case NSB_STEP_CHDIR: return "enter the build directory";
        case NSB_STEP_EXEC: return "execute builder";
        case NSB_STEP_CGROUP: return "enter the build's cgroup";
        case NSB_STEP_LANDLOCK: return "enter a Landlock domain";
        case NSB_STEP_NONE:
        case NSB_STEP_MAX_: break;
        }
        return "set up the sandbox";
}

/* Describe one plan action: "bind-mount /usr on /usr". */
static void describe_action(const nsb_build *b, int index, char *buf, size_t size)
{
        if (index < 0 || (size_t) index >= b->plan.n_actions) {
                snprintf(buf, size, "build the sandbox root");
                return;
        }
        const nsb_action *a = &b->plan.actions[index];
        switch (a->type) {
        case NSB_ACT_MKDIR: snprintf(buf, size, "create directory %s", a->path); break;
        case NSB_ACT_FILE: snprintf(buf, size, "create %s", a->path); break;
        case NSB_ACT_SYMLINK: snprintf(buf, size, "create symlink %s -> %s", a->path, a->source); break;
        case NSB_ACT_BIND: snprintf(buf, size, "bind-mount %s on %s", a->source, a->path); break;
        case NSB_ACT_MOUNT: snprintf(buf, size, "mount %s on %s", a->source, a->path); break;
        }
}

/* Advice where the kernel's errno alone does not say what to do. */
static const char *advice(const nsb_build *b, nsb_step step, int err)
{
        if (step == NSB_STEP_EXEC && err == ENOENT && !strchr(b->builder, '/'))
                return " (the builder's PATH is /path-not-set unless set with --setenv; give an absolute path)";
        if (step == NSB_STEP_EXEC && err == ENOENT)
                return " (is it inside the sandbox? bind it, or use --host-tools)";
        if (step == NSB_STEP_KEYRING && (err == EDQUOT || err == ENOMEM))
                return " (the build user's key quota is used up, by keys earlier builds or other processes of "
                       "the uid left: see /proc/key-users, and kernel.keys.maxkeys and maxbytes)";
        if (step == NSB_STEP_CGROUP && b->failed_index >= 0 && (size_t) b->failed_index < b->cgroup.n)
                return b->cgroup.dir[b->failed_index].version == 2
                               ? " (joining a cgroup v2: a container or delegated subtree may not reach it)"
                               : " (joining a cgroup v1 hierarchy)";
        if (step == NSB_STEP_CHDIR && err == EACCES && b->tier == NSB_SANDBOX_OFF)
                return " (without a sandbox the build user reaches it by the host's path: every directory above "
                       "it must be searchable by that user; choose another --tmpdir)";
        if ((step == NSB_STEP_MOUNT_PRIVATE || step == NSB_STEP_ROOT_TMPFS || step == NSB_STEP_ACTION) &&
            err == EPERM)
                return " (mounting is refused: a container or security policy may deny it)";
        return "";
}

/* Wait until the status pipe FD has something (or its end) for a read.
 * The supervisor holds the pipe's write end until just after the builder's
 * exec, and a builder of its own uid (an ordinary user's off tier) can
 * stop it in between: the end would never come, and no timeout runs yet.
 * So a stopped supervisor is continued, and killed once it has been found
 * stopped for the grace period (the builder keeps stopping it), which
 * closes its end; the build then fails for its supervisor's death. */
static int wait_for_status(nsb_build *b, int fd)
{
        uint64_t first_stop = 0;
        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int n = poll(&p, 1, 50);
                if (n > 0 || (n < 0 && errno != EINTR))
                        return 0; /* the read says what */
                siginfo_t si = { 0 };
                if (waitid(P_PID, (id_t) b->pid, &si, WSTOPPED | WNOHANG) < 0 || si.si_pid != b->pid)
                        continue;
                uint64_t now = now_ns();
                if (!first_stop)
                        first_stop = now;
                int sig = now - first_stop >= SUPERVISOR_GRACE_NS ? SIGKILL : SIGCONT;
                if (b->pidfd < 0 || pidfd_send_signal(b->pidfd, sig, NULL, 0) < 0)
                        (void) kill(b->pid, sig);
        }
}

int nsb_read_status(nsb_build *b, int fd)
{
        bool blocking = b->supervised && !(fcntl(fd, F_GETFL) & O_NONBLOCK);
        for (;;) {
                nsb_status_msg m;
                if (blocking)
                        (void) wait_for_status(b, fd);
                ssize_t n = read(fd, &m, sizeof(m));
                if (n < 0 && errno == EINTR)
                        continue;
                /* A child started in our memory (spawn.c) has exec'd or
                 * exited by now, and wrote any error before it exited: an
                 * empty pipe means the exec, whose close of the write end
                 * may still be on its way. */
                if (n < 0 && errno == EAGAIN)
                        return 0;
                if (n < 0)
                        return nsb_fail(b, errno, "start build", "cannot read the sandbox's status: %s",
                                        strerror(errno));
                if (n == 0)
                        return 0; /* EOF: the builder has been exec'd */
                if ((size_t) n != sizeof(m))
                        return nsb_fail(b, EPROTO, "start build", "short status message from the sandbox");
                if (m.is_error == NSB_MSG_PID) {
                        b->builder_pid = m.index;
                        continue;
                }

                char what[PATH_MAX + 64];
                if (m.step == NSB_STEP_ACTION)
                        describe_action(b, m.index, what, sizeof(what));
                else if (m.step == NSB_STEP_EXEC)
                        snprintf(what, sizeof(what), "execute %s", b->builder);
                else if (m.step == NSB_STEP_CGROUP && m.index >= 0 && (size_t) m.index < b->cgroup.n)
                        snprintf(what, sizeof(what), "enter the build's cgroup %s", b->cgroup.dir[m.index].path);
                else if (m.step == NSB_STEP_CGROUP)
                        snprintf(what, sizeof(what), "make a cgroup namespace");
                else
                        snprintf(what, sizeof(what), "%s", step_text((nsb_step) m.step));
                if (!m.is_error) {
                        nsb_trace(b, "%s", what);
                        continue;
                }
                int err = m.err > 0 ? m.err : EIO;
                b->failed_step = (nsb_step) m.step;
                b->failed_index = m.index;
                return nsb_fail(b, err, step_text((nsb_step) m.step), "cannot %s: %s%s", what, strerror(err),
                                advice(b, (nsb_step) m.step, err));
        }
}

static int arm_timer(nsb_build *b)
{
        uint64_t next = 0;
        /* Once the build is being stopped its deadlines have passed: only
         * the reap poll is left to arm (else the timer fires at once, for
         * ever, until the builder is reaped). */
        bool stopping = b->result != NSB_RESULT_NONE || b->stop_ns;
        if (b->timeout && !stopping)
                next = b->start_ns + b->timeout * 1000000000ULL;
        if (b->max_silent_time && !stopping) {
                uint64_t t = b->last_output_ns + b->max_silent_time * 1000000000ULL;
                if (!next || t < next)
                        next = t;
        }
        if (b->stop_ns && b->supervised && !b->reaped && !b->supervisor_killed) {
                uint64_t t = b->stop_ns + SUPERVISOR_GRACE_NS;
                if (!next || t < next)
                        next = t;
        }
        if (b->pidfd < 0 && !b->reaped) {
                uint64_t t = now_ns() + REAP_POLL_NS;
                if (!next || t < next)
                        next = t;
        }
        struct itimerspec its = { 0 };
        if (next) {
                its.it_value.tv_sec = (time_t) (next / 1000000000ULL);
                its.it_value.tv_nsec = (long) (next % 1000000000ULL);
                if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
                        its.it_value.tv_nsec = 1;
        }
        if (timerfd_settime(b->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
                return nsb_fail(b, errno, "monitor build", "cannot arm timer: %s", strerror(errno));
        return 0;
}

static int epoll_add(nsb_build *b, int fd, uint32_t tag)
{
        struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };
        if (epoll_ctl(b->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
                return nsb_fail(b, errno, "monitor build", "cannot watch the build: %s", strerror(errno));
        return 0;
}

int nsb_monitor_start(nsb_build *b, int log_read_fd)
{
        int r;
        b->log_read_fd = log_read_fd;
        b->start_ns = b->last_output_ns = now_ns();
        b->log_bytes = 0;
        b->log_eof = b->reaped = b->leftovers_killed = b->supervisor_killed = b->uid_busy = false;
        b->stop_ns = 0;
        /* A terminal obeys control sequences; a file or a pipe gets the
         * log byte for byte. */
        b->filter_log = !b->log_fn && b->log_fd >= 0 &&
                        (b->log_filter == NSB_LOG_FILTER_ALWAYS ||
                         (b->log_filter == NSB_LOG_FILTER_AUTO && isatty(b->log_fd)));
        b->term_filter = (nsb_term_filter) { 0 };
        b->splice_ok = !b->filter_log;
        /* A larger pipe: fewer wakeups per byte of a chatty build.  The
         * kernel may refuse (pipe-max-size, a user's pipe quota); the
         * default size works too, so that is not an error. */
        (void) fcntl(log_read_fd, F_SETPIPE_SZ, 1 << 20);
        if (fcntl(log_read_fd, F_SETFL, O_NONBLOCK) < 0)
                return nsb_fail(b, errno, "monitor build", "cannot make the log pipe non-blocking: %s",
                                strerror(errno));
        b->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (b->epoll_fd < 0)
                return nsb_fail(b, errno, "monitor build", "cannot create epoll fd: %s", strerror(errno));
        b->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (b->timer_fd < 0)
                return nsb_fail(b, errno, "monitor build", "cannot create timer: %s", strerror(errno));
        if ((r = epoll_add(b, log_read_fd, SRC_LOG)) < 0 || (r = epoll_add(b, b->timer_fd, SRC_TIMER)) < 0)
                return r;
        if (b->pidfd >= 0 && (r = epoll_add(b, b->pidfd, SRC_PID)) < 0)
                return r;
        return arm_timer(b);
}

void nsb_monitor_close(nsb_build *b)
{
        close_and_invalidate(&b->result_fd);
        close_and_invalidate(&b->log_read_fd);
        close_and_invalidate(&b->epoll_fd);
        close_and_invalidate(&b->timer_fd);
        close_and_invalidate(&b->pidfd);
}

void nsb_monitor_kill(nsb_build *b)
{
        if (b->pid <= 0 || b->reaped)
                return;
        if (!b->stop_ns)
                b->stop_ns = now_ns();
        nsb_confine_kill(b);
}

static void stop_build(nsb_build *b, nsb_result why)
{
        if (b->result == NSB_RESULT_NONE)
                b->result = why;
        nsb_monitor_kill(b);
}

/* Hand a chunk of log to the sink.  Errors writing to the sink are the
 * caller's business (a closed terminal must not fail the build). */
static void deliver_log(nsb_build *b, const char *buf, size_t n)
{
        if (b->log_fn)
                b->log_fn(buf, n, b->log_userdata);
        else if (b->filter_log) {
                char out[65536 + NSB_TERM_FILTER_SLACK];
                while (n > 0) {
                        size_t chunk = n < 65536 ? n : 65536;
                        (void) write_all(b->log_fd, out, nsb_term_filter_run(&b->term_filter, buf, chunk, out));
                        buf += chunk;
                        n -= chunk;
                }
        } else if (b->log_fd >= 0)
                (void) write_all(b->log_fd, buf, n);
}

static int drain_log(nsb_build *b)
{
        for (;;) {
                size_t want = 1 << 20;
                if (b->max_log_size) {
                        uint64_t room = b->max_log_size >= b->log_bytes ? b->max_log_size - b->log_bytes : 0;
                        /* One byte past the limit tells us it was crossed. */
                        if (room + 1 < want)
                                want = (size_t) room + 1;
                }
                ssize_t n;
                if (b->log_fd >= 0 && !b->log_fn && b->splice_ok && !b->max_log_size) {
                        /* Zero-copy from the pipe to a file or pipe sink. */
                        n = splice(b->log_read_fd, NULL, b->log_fd, NULL, want, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
                        if (n < 0 && (errno == EINVAL || errno == ESPIPE || errno == EBADF)) {
                                b->splice_ok = false;
                                continue;
                        }
                        if (n < 0 && errno == EAGAIN) {
                                /* Either the log pipe is empty or a pipe sink
                                 * is full; tell them apart with a poll-free
                                 * read of nothing below. */
                                char buf[65536];
                                n = read(b->log_read_fd, buf, sizeof(buf));
                                if (n > 0) {
                                        deliver_log(b, buf, (size_t) n);
                                        b->log_bytes += (uint64_t) n;
                                        b->last_output_ns = now_ns();
                                        continue;
                                }
                        }
                } else {
                        char buf[65536];
                        if (want > sizeof(buf))
                                want = sizeof(buf);
                        n = read(b->log_read_fd, buf, want);
                        if (n > 0) {
                                size_t keep = (size_t) n;
                                if (b->max_log_size && b->log_bytes + keep > b->max_log_size)
                                        keep = (size_t) (b->max_log_size - b->log_bytes);
                                deliver_log(b, buf, keep);
                        }
                }
                if (n > 0) {
                        b->log_bytes += (uint64_t) n;
                        b->last_output_ns = now_ns();
                        if (b->max_log_size && b->log_bytes > b->max_log_size) {
                                stop_build(b, NSB_RESULT_LOG_LIMIT);
                                return 0;
                        }
                        continue;
                }
                if (n == 0) {
                        b->log_eof = true;
                        (void) epoll_ctl(b->epoll_fd, EPOLL_CTL_DEL, b->log_read_fd, NULL);
                        return 0;
                }
                if (errno == EINTR)
                        continue;
                if (errno == EAGAIN)
                        return 0;
                return nsb_fail(b, errno, "read log", "cannot read the build log: %s", strerror(errno));
        }
}

static void try_reap(nsb_build *b)
{
        if (b->reaped)
                return;
        int st;
        pid_t p = wait4(b->pid, &st, WNOHANG | __WALL, &b->rusage);
        if (p == b->pid) {
                b->reaped = true;
                b->end_ns = now_ns();
                b->wait_status = st;
                if (b->pidfd >= 0)
                        (void) epoll_ctl(b->epoll_fd, EPOLL_CTL_DEL, b->pidfd, NULL);
        }
}

static void check_time(nsb_build *b)
{
        uint64_t now = now_ns();
        if (b->stop_ns) {
                if (b->supervised && !b->reaped && !b->supervisor_killed &&
                    now >= b->stop_ns + SUPERVISOR_GRACE_NS) {
                        if (b->pidfd < 0 || pidfd_send_signal(b->pidfd, SIGKILL, NULL, 0) < 0)
                                (void) kill(b->pid, SIGKILL);
                        b->supervisor_killed = true;
                        nsb_warn(b, "the builder's supervisor did not end within %llu seconds of being told to "
                                    "(the builder, running as the same user, may have stopped it); killed it, %s",
                                 SUPERVISOR_GRACE_NS / 1000000000ULL,
                                 b->cgroup.n ? "and what the builder started with the build's cgroup"
                                             : "and what the builder started may have survived");
                }
                return;
        }
        if (b->timeout && now >= b->start_ns + b->timeout * 1000000000ULL)
                stop_build(b, NSB_RESULT_TIMED_OUT);
        else if (b->max_silent_time && now >= b->last_output_ns + b->max_silent_time * 1000000000ULL)
                stop_build(b, NSB_RESULT_SILENT_TIMEOUT);
}

static int finish(nsb_build *b)
{
        /* Before the outputs are looked at: nothing of the build may
         * still be writing them. */
        bool had_cgroup = b->cgroup.n > 0;
        nsb_confine_end(b);
        int st = b->wait_status;
        /* A supervisor says how the builder ended before it exits as the
         * builder did; if it said nothing, it was killed: by the builder
         * itself, perhaps, which an ordinary user's off tier cannot
         * prevent (it runs as the same user). */
        if (b->supervised) {
                int32_t word;
                if (b->result_fd >= 0 && read(b->result_fd, &word, sizeof(word)) == (ssize_t) sizeof(word))
                        st = word;
                else if (b->result == NSB_RESULT_NONE) {
                        b->result = NSB_RESULT_FAILED;
                        nsb_fail(b, ECHILD, "supervise builder",
                                 "the builder's supervisor died (%s %d) before the builder's end was known; "
                                 "the builder, running as the same user without root, may have killed it%s",
                                 WIFSIGNALED(st) ? "signal" : "status", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st),
                                 had_cgroup ? "; what it started was killed with the build's cgroup"
                                            : ", and what it started may have survived");
                }
        }
        if (b->result == NSB_RESULT_NONE) {
                if (WIFEXITED(st)) {
                        b->result = NSB_RESULT_EXITED;
                        b->exit_status = WEXITSTATUS(st);
                } else if (WIFSIGNALED(st)) {
                        b->result = NSB_RESULT_SIGNALED;
                        b->term_signal = WTERMSIG(st);
                } else {
                        b->result = NSB_RESULT_FAILED;
                }
        } else if (WIFSIGNALED(st))
                b->term_signal = WTERMSIG(st);

        /* A build that failed after a limit of its cgroup struck failed
         * because of it, as far as anyone can tell: said so. */
        if ((b->result == NSB_RESULT_EXITED && b->exit_status != 0) || b->result == NSB_RESULT_SIGNALED) {
                if (b->events.oom_kills)
                        b->result = NSB_RESULT_OUT_OF_MEMORY;
                else if (b->events.pids_max)
                        b->result = NSB_RESULT_PIDS_LIMIT;
        }

        switch (b->result) {
        case NSB_RESULT_OUT_OF_MEMORY:
                if (b->memory_max) {
                        /* As it was given: 256M, not 268435456. */
                        unsigned long long v = b->memory_max;
                        const char *unit = "";
                        if (v % (1ULL << 30) == 0)
                                v >>= 30, unit = "G";
                        else if (v % (1ULL << 20) == 0)
                                v >>= 20, unit = "M";
                        else if (v % 1024 == 0)
                                v >>= 10, unit = "K";
                        nsb_fail(b, ENOMEM, "run builder", "killed: out of memory (memory.max %llu%s)", v, unit);
                }
                else
                        nsb_fail(b, ENOMEM, "run builder", "killed: out of memory (a limit of the build's cgroup)");
                break;
        case NSB_RESULT_PIDS_LIMIT:
                if (b->pids_max)
                        nsb_fail(b, EAGAIN, "run builder",
                                 "failed after reaching the process limit (pids.max %llu; forks refused: %llu)",
                                 (unsigned long long) b->pids_max, (unsigned long long) b->events.pids_max);
                else
                        nsb_fail(b, EAGAIN, "run builder",
                                 "failed after reaching the process limit of the build's cgroup (forks refused: %llu)",
                                 (unsigned long long) b->events.pids_max);
                break;
        case NSB_RESULT_TIMED_OUT:
                nsb_fail(b, ETIMEDOUT, "run builder", "timed out after %u seconds", b->timeout);
                break;
        case NSB_RESULT_SILENT_TIMEOUT:
                nsb_fail(b, ETIMEDOUT, "run builder", "timed out after %u seconds of silence", b->max_silent_time);
                break;
        case NSB_RESULT_LOG_LIMIT:
                nsb_fail(b, EFBIG, "run builder", "killed after writing more than %llu bytes of log output",
                         (unsigned long long) b->max_log_size);
                break;
        case NSB_RESULT_EXITED:
                if (b->exit_status == 0 && nsb_outputs_commit(b) < 0)
                        b->result = NSB_RESULT_FAILED;
                break;
        default:
                break;
        }
        bool failed = b->result != NSB_RESULT_EXITED || b->exit_status != 0;
        /* What is said after the build starts on a line of its own. */
        if (b->filter_log && b->term_filter.mid_line)
                (void) write_all(b->log_fd, "\n", 1);
        nsb_monitor_close(b);
        /* What the builder made must go, whatever its depth and width; if
         * it cannot, the build fails and says what is left. */
        /* Both, whatever the first says. */
        bool left = failed && nsb_outputs_discard(b) < 0;
        /* --keep-failed: the build directory of a failed build stays. */
        if (failed && b->keep_failed)
                b->keep_build_dir = true;
        if (nsb_builddir_remove(b) < 0)
                left = true;
        if (b->cgroup.n)
                left = true; /* the journal keeps it for the next run */
        if (left)
                b->result = NSB_RESULT_FAILED;
        nsb_journal_end(b, !left);
        nsb_plan_clear(&b->plan);
        nsb_userpool_release(b, !b->uid_busy);
        b->state = NSB_STATE_DONE;
        return 1;
}

int nsb_monitor_dispatch(nsb_build *b)
{
        struct epoll_event ev[4];
        int n = epoll_wait(b->epoll_fd, ev, ELEMENTSOF(ev), 0);
        if (n < 0 && errno != EINTR)
                return nsb_fail(b, errno, "monitor build", "epoll_wait failed: %s", strerror(errno));
        bool timer = false;
        for (int i = 0; i < n; i++) {
                switch (ev[i].data.u32) {
                case SRC_LOG: {
                        int r = drain_log(b);
                        if (r < 0) {
                                stop_build(b, NSB_RESULT_FAILED);
                                b->log_eof = true;
                        }
                        break;
                }
                case SRC_PID:
                        try_reap(b);
                        break;
                case SRC_TIMER: {
                        uint64_t ticks;
                        (void) read(b->timer_fd, &ticks, sizeof(ticks));
                        timer = true;
                        break;
                }
                }
        }
        if (timer) {
                check_time(b);
                if (b->pidfd < 0)
                        try_reap(b);
        }
        if (b->reaped && !b->leftovers_killed) {
                /* In a PID namespace the kernel killed every process of the
                 * build with its PID 1; without one the supervisor killed
                 * its descendants before it exited, and, as root, every
                 * process of the build user goes too, wherever it hides,
                 * whether or not it still holds the log (a daemon closes it
                 * first).  Without an IPC namespace, so do its IPC
                 * objects. */
                bool pid_ns = b->isolation & NSB_ISOLATION_PID_NS, ipc_ns = b->isolation & NSB_ISOLATION_IPC_NS;
                /* Where the build's cgroup held them, its emptiness says
                 * they are gone: the build user's processes are still
                 * killed (one call), but not looked for in /proc (a read
                 * of every process's status: a millisecond on a quiet
                 * machine), which is the proof only without a cgroup. */
                bool contained = b->pool_lock_fd >= 0 && !pid_ns && nsb_confine_emptied(b);
                if (b->pool_lock_fd >= 0 && !pid_ns && nsb_userpool_kill_all(b->uid, !contained, !ipc_ns) == -EBUSY) {
                        /* Its lock file stays marked: no build takes the
                         * uid while they live. */
                        b->uid_busy = true;
                        nsb_warn(b, "processes of build user %u survive SIGKILL (stuck in the kernel); no build will "
                                    "use the uid until they end",
                                 (unsigned) b->uid);
                }
                else if (b->pool_lock_fd >= 0 && !ipc_ns)
                        nsb_ipc_remove_owned(b->uid);
                /* Without a sandbox the build user wrote where the host's
                 * users write: what it left there goes, its processes all
                 * gone. */
                if (b->pool_lock_fd >= 0 && b->uid_from_pool && b->tier == NSB_SANDBOX_OFF) {
                        int r = nsb_remove_user_tmp_files(b->uid);
                        if (r < 0)
                                nsb_warn(b, "cannot remove what build user %u left in /tmp, /var/tmp, /dev/shm or "
                                            "/run/lock: %s, ignoring",
                                         (unsigned) b->uid, strerror(-r));
                }
                b->leftovers_killed = true;
        }
        if (b->reaped && !b->log_eof) {
                /* The builder is gone and so is everything that could hold
                 * the log pipe: take what it holds now. */
                int r = drain_log(b);
                if (r < 0 || !(b->isolation & NSB_ISOLATION_PID_NS))
                        b->log_eof = true;
        }
        if (b->reaped && b->log_eof)
                return finish(b);
        if (timer && arm_timer(b) < 0)
                return -EIO;
        return 0;
}

int nsb_build_fd(const nsb_build *b)
{
        return b && b->state == NSB_STATE_RUNNING ? b->epoll_fd : -1;
}

int nsb_build_dispatch(nsb_build *b)
{
        if (!b)
                return -EINVAL;
        if (b->state == NSB_STATE_DONE)
                return 1;
        if (b->state != NSB_STATE_RUNNING)
                return -ESRCH;
        return nsb_monitor_dispatch(b);
}

int nsb_build_wait(nsb_build *b)
{
        if (!b)
                return -EINVAL;
        for (;;) {
                int r = nsb_build_dispatch(b);
                if (r < 0)
                        return r;
                if (r > 0)
                        return 0;
                struct epoll_event ev;
                if (epoll_wait(b->epoll_fd, &ev, 1, -1) < 0 && errno != EINTR)
                        return nsb_fail(b, errno, "monitor build", "epoll_wait failed: %s", strerror(errno));
        }
}
