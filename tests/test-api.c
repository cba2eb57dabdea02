/* test-api.c - the public C API, used in-process as an embedding store
 * would: argument checking, errors, the event-loop interface, and that
 * repeated builds leak no fd and no child. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nsbuild.h"
#include "tap.h"

static volatile sig_atomic_t caught;

static void count_signal(int sig)
{
        (void) sig;
        caught++;
}

static int count_fds(void)
{
        int n = 0;
        DIR *d = opendir("/proc/self/fd");
        if (!d)
                return -1;
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}


/* Run HELPER ARG in MODE through the event-loop interface; returns the
 * exit code and fills CAP. */
static int run_polled(nsb_sandbox mode, const char *helper, const char *const *argv, struct tap_log_capture *cap)
{
        nsb_build *b;
        if (nsb_build_new(&b) < 0)
                return -1;
        (void) nsb_build_set_sandbox(b, mode);
        if (mode == NSB_SANDBOX_FULL) {
                (void) nsb_build_add_host_tools(b);
                (void) nsb_build_add_bind(b, helper, "/t/helper", NSB_BIND_READONLY);
                (void) nsb_build_set_builder(b, "/t/helper", argv);
        } else
                (void) nsb_build_set_builder(b, helper, argv);
        (void) nsb_build_set_log_callback(b, tap_capture_log, cap);
        int code = -1;
        if (nsb_build_start(b) < 0) {
                tap_diag("start: %s", nsb_build_error_message(b));
                code = nsb_build_exit_code(b);
                nsb_build_free(b);
                return code;
        }
        for (;;) {
                int r = nsb_build_dispatch(b);
                if (r < 0)
                        break;
                if (r > 0) {
                        code = nsb_build_exit_code(b);
                        break;
                }
                struct pollfd p = { .fd = nsb_build_fd(b), .events = POLLIN };
                if (poll(&p, 1, 10000) <= 0)
                        break;
        }
        nsb_build_free(b);
        return code;
}

int main(void)
{
        const char *helper = getenv("HELPER");
        nsb_build *b;

        tap_ok(strcmp(nsb_version(), PACKAGE_VERSION) == 0, "nsb_version is the package version");
        tap_ok(strstr(nsb_compiled_features(), "MOUNT_NS") != NULL, "nsb_compiled_features lists capabilities");
        tap_is_int(nsb_sandbox_compiled(NSB_SANDBOX_FULL), NSB_TIER_FULL, "the full tier is compiled as configured");
        tap_is_int(nsb_sandbox_compiled(NSB_SANDBOX_CHROOT), NSB_TIER_CHROOT, "the chroot tier is compiled as configured");
        tap_is_int(nsb_sandbox_compiled(NSB_SANDBOX_OFF), 1, "the off tier is always there");
        nsb_sandbox m = NSB_SANDBOX_OFF;
        tap_ok(nsb_sandbox_from_name("chroot", &m) == 0 && m == NSB_SANDBOX_CHROOT, "tier names parse");
        tap_is_int(nsb_sandbox_from_name("bogus", &m), -EINVAL, "unknown tier names are refused");
        tap_ok(nsb_sandbox_name((nsb_sandbox) 42) == NULL, "an out-of-range tier has no name");

        tap_is_int(nsb_build_new(NULL), -EINVAL, "nsb_build_new(NULL) is refused");
        tap_is_int(nsb_build_new(&b), 0, "nsb_build_new");
        tap_is_int(nsb_build_set_builder(b, NULL, NULL), -EINVAL, "a NULL builder is refused");
        tap_is_int(nsb_build_add_bind(b, "relative", NULL, 0), -EINVAL, "a relative bind source is refused");
        tap_is_int(nsb_build_add_bind(b, "/usr", "/a/../b", 0), -EINVAL, "a bind destination with .. is refused");
        tap_is_int(nsb_build_add_bind(b, "/usr", "/usr", 0x100), -EINVAL, "unknown bind flags are refused");
        tap_is_int(nsb_build_add_output(b, "/"), -EINVAL, "/ is not an output");
        tap_is_int(nsb_build_add_output(b, "/tmp/x"), 0, "an output");
        tap_is_int(nsb_build_add_output(b, "/tmp/x"), -EEXIST, "the same output twice is refused");
        tap_is_int(nsb_build_set_user(b, 0, 100), -EINVAL, "uid 0 is refused");
        tap_is_int(nsb_build_set_user(b, 1000, 0), -EINVAL, "gid 0 is refused");
        tap_is_int(nsb_build_setenv(b, "A=B", "c"), -EINVAL, "a variable name with = is refused");
        tap_is_int(nsb_build_set_hostname(b, ""), -EINVAL, "an empty host name is refused");
        tap_is_int(nsb_build_set_system(b, "vax-vms"), -EOPNOTSUPP, "an unknown system is refused");
        tap_is_int(nsb_build_set_sandbox(b, (nsb_sandbox) 9), -EINVAL, "an unknown tier is refused");
        tap_is_int(nsb_build_set_log_fd(b, -1), -EBADF, "a negative log fd is refused");
        tap_is_int(nsb_build_set_cpu_max(b, 500, 100000), -EINVAL, "a CPU quota under 1 ms is refused");
        tap_is_int(nsb_build_set_cpu_max(b, 50000, 2000000), -EINVAL, "a CPU period over 1 s is refused");
        tap_is_int(nsb_build_set_cpu_max(b, 50000, 0), 0, "a CPU quota with the default period");
        tap_is_int(nsb_build_add_cgroup_limit(b, "cgroup.procs", "1"), -EINVAL,
                   "a cgroup file that is not a limit is refused");
        tap_is_int(nsb_build_add_cgroup_limit(b, "memory.high", "1M\n2M"), -EINVAL,
                   "a cgroup value with a newline is refused");
        tap_is_int(nsb_build_add_cgroup_limit(b, "io.max", "8:0 rbps=1048576"), 0, "io.max, with its '='");
        tap_is_int(nsb_build_add_capability(b, "CAP_BOGUS"), -EINVAL, "an unknown capability is refused");
        tap_is_int(nsb_build_add_capability(b, NULL), -EINVAL, "no capability name is refused");
        tap_is_int(nsb_build_add_capability(b, "cap_net_raw"), 0, "a capability name in any case");
        {
                /* What a store knows of an input. */
                const char *p = "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x";
                tap_is_int(nsb_build_add_input_info(b, p, "sha256-ygvT6ZuqPO3FGoktazMKAzhBs7QXdiRgdagMYuWZnEI=", 8, NULL),
                           0, "input info: an SRI NAR hash");
                tap_is_int(nsb_build_add_input_info(b, p, "sha256:xyz", 8, NULL), -EINVAL,
                           "input info: a NAR hash that is none is refused");
                tap_is_int(nsb_build_add_input_info(b, "relative", NULL, 0, "text:sha256:x"), -EINVAL,
                           "input info: a relative path is refused");
                tap_is_int(nsb_build_add_input_info(b, p, NULL, 0, "text:sha256:x"), -EINVAL,
                           "input info: a content address that is none is refused");
                tap_is_int(nsb_build_add_input_info(b, p, NULL, 0,
                                                    "text:sha256:1qk8b06d7jxmgknv5x60n9b5y9hp8nnz98126cpmp8y7y34vml16"),
                           0, "input info: a content address alone");
        }
        {
                nsb_build *c = NULL;
                const char *argv_true[] = { "true", NULL };
                bool made = nsb_build_new(&c) == 0 && nsb_build_set_builder(c, "/bin/true", argv_true) == 0 &&
                            nsb_build_set_check(c, 1) == 0;
                tap_ok(made && nsb_build_start(c) == -EINVAL &&
                               strstr(nsb_build_error_message(c), "cannot check outputs that are not canonicalised"),
                       "--check without canonical outputs is refused before anything runs");
                nsb_build_free(c);
        }
        tap_ok(nsb_privilege_count() > 0 && nsb_privilege_name(0) && !nsb_privilege_name(nsb_privilege_count()) &&
                       !nsb_privilege_name(-1),
               "the privileges report has names, and none past its end");
        nsb_build_stats st;
        tap_is_int(nsb_build_get_stats(b, &st, sizeof(st)), -EBUSY, "no statistics before the build is done");
        tap_is_int(nsb_build_get_stats(b, &st, 8), -EINVAL, "a statistics struct too small is refused");
        tap_is_int(nsb_build_start(b), -EINVAL, "starting without a builder fails");
        tap_ok(strcmp(nsb_build_error_message(b), "no builder was given") == 0, "and says why");
        tap_is_int(nsb_build_exit_code(b), 125, "which is exit code 125");
        tap_is_int(nsb_build_fd(b), -1, "a build that is not running has no fd");
        tap_is_int(nsb_build_dispatch(b), -ESRCH, "dispatch on a build that never ran fails");
        nsb_build_free(b);
        nsb_build_free(NULL);

        if (!helper) {
                tap_skip("HELPER is not set (run through make check)");
                return tap_done();
        }

        /* A build through the poll interface, in the off tier that works
         * everywhere, and in the full tier where it can run. */
        const char *const spew[] = { "nsb-testhelper", "hostname", NULL };
        struct tap_log_capture cap = { .len = 0 };
        int code = run_polled(NSB_SANDBOX_OFF, helper, spew, &cap);
        tap_is_int(code, 0, "an off-tier build through nsb_build_fd/dispatch exits 0");
        {
                nsb_build *sb;
                nsb_build_stats sst = { .what = 0 };
                const char *const burn[] = { "nsb-testhelper", "burn", "0.3", NULL };
                if (nsb_build_new(&sb) == 0 && nsb_build_set_sandbox(sb, NSB_SANDBOX_OFF) == 0 &&
                    nsb_build_set_builder(sb, helper, burn) == 0 && nsb_build_set_log_fd(sb, 2) == 0 &&
                    nsb_build_start(sb) == 0 && nsb_build_wait(sb) == 0) {
                        tap_is_int(nsb_build_get_stats(sb, &sst, sizeof(st)), 0, "statistics once the build is done");
                        tap_ok((sst.what & (NSB_STATS_WALL | NSB_STATS_CPU)) == (NSB_STATS_WALL | NSB_STATS_CPU) &&
                                       sst.user_usec >= 250000 && sst.wall_usec >= sst.user_usec / 2,
                               "they count its CPU time (%llu us user, %llu us wall, %s)",
                               (unsigned long long) sst.user_usec, (unsigned long long) sst.wall_usec,
                               sst.what & NSB_STATS_CGROUP ? "cgroup" : "waited-for processes");
                        tap_is_int(!!(sst.what & NSB_STATS_CGROUP), nsb_cgroup_available(),
                                   "from the cgroup exactly where builds get one");
                } else {
                        tap_skip("cannot run a build for statistics");
                        tap_skip("cannot run a build for statistics");
                        tap_skip("cannot run a build for statistics");
                }
                nsb_build_free(sb);
        }
        tap_ok(cap.len > 0 && cap.buf[cap.len - 1] == '\n', "its log reached the callback");

        bool full = NSB_TIER_FULL && geteuid() == 0;
        if (full) {
                cap.len = 0;
                code = run_polled(NSB_SANDBOX_FULL, helper, spew, &cap);
                tap_is_int(code, 0, "a full-tier build through the poll interface exits 0");
                tap_ok(strcmp(cap.buf, "localhost (none)\n") == 0, "and its log arrives whole: '%s'", cap.buf);
        } else {
                const char *why = NSB_TIER_FULL ? "the full tier needs root here"
                                                : "the full tier is not compiled into this build";
                tap_skip("%s", why);
                tap_skip("%s", why);
        }

        /* The builder starts in the caller's memory (spawn.c): whatever
         * the caller catches, ignores or blocks, the builder starts with
         * no signal ignored and none blocked (what it catches is its own
         * business: a sanitizer's runtime catches SIGSEGV), and the
         * caller's own handlers and mask are as they were. */
        struct sigaction sa = { .sa_handler = count_signal };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGUSR1, &sa, NULL);
        sigaction(SIGRTMIN + 1, &sa, NULL);
        signal(SIGTERM, SIG_IGN);
        sigset_t usr2, before, after;
        sigemptyset(&usr2);
        sigaddset(&usr2, SIGUSR2);
        sigprocmask(SIG_BLOCK, &usr2, &before);
        const char *const signals_argv[] = { "nsb-testhelper", "signals", NULL };
        const char *const zero = "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n";
        for (int i = 0; i < 2; i++) {
                nsb_sandbox mode = i == 0 ? NSB_SANDBOX_OFF : NSB_SANDBOX_FULL;
                if (mode == NSB_SANDBOX_FULL && !full) {
                        tap_skip("the full tier needs root and its compiled tier here");
                        tap_skip("the full tier needs root and its compiled tier here");
                        continue;
                }
                cap.len = 0;
                code = run_polled(mode, helper, signals_argv, &cap);
                tap_ok(code == 0 && strcmp(cap.buf, zero) == 0,
                       "%s tier: the builder has no signal ignored or blocked: '%s'", nsb_sandbox_name(mode),
                       cap.buf);
                struct sigaction now;
                sigprocmask(SIG_BLOCK, NULL, &after);
                sigaction(SIGUSR1, NULL, &now);
                bool kept = now.sa_handler == count_signal && sigaction(SIGTERM, NULL, &now) == 0 &&
                            now.sa_handler == SIG_IGN && sigismember(&after, SIGUSR2) && !sigismember(&after, SIGUSR1);
                kill(getpid(), SIGUSR1);
                tap_ok(kept && caught == 1, "%s tier: the caller's handlers and mask are untouched",
                       nsb_sandbox_name(mode));
                caught = 0;
        }
        /* The child that becomes the build user shares the caller's
         * memory until its exec, and the kernel makes that memory
         * undumpable when it changes uid: the caller's dumpability (its
         * core dumps, who may ptrace it) is as it was after the build. */
        tap_is_int(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1, "the caller is still dumpable after its builds");
        sigprocmask(SIG_SETMASK, &before, NULL);
        signal(SIGUSR1, SIG_DFL);
        signal(SIGRTMIN + 1, SIG_DFL);
        signal(SIGTERM, SIG_DFL);

        /* Exec failures are results with the conventional codes. */
        const char *const missing[] = { "missing", NULL };
        tap_is_int(run_polled(NSB_SANDBOX_OFF, "/no/such/builder", missing, &cap), 127,
                   "a missing builder gives 127");

        /* Repeated builds leak neither fds nor children. */
        int fds_before = count_fds();
        const char *const ok_argv[] = { "nsb-testhelper", "exit", "0", NULL };
        int failures = 0;
        for (int i = 0; i < 50; i++)
                if (run_polled(full ? NSB_SANDBOX_FULL : NSB_SANDBOX_OFF, helper, ok_argv, &cap) != 0)
                        failures++;
        tap_is_int(failures, 0, "50 builds in a row succeed");
        tap_is_int(count_fds(), fds_before, "and leave the fd count unchanged");
        tap_ok(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD, "and leave no child behind");

        /* Killing a running build. */
        nsb_build_new(&b);
        const char *const sleeper[] = { "nsb-testhelper", "sleep", "30", NULL };
        nsb_build_set_sandbox(b, NSB_SANDBOX_OFF);
        nsb_build_set_builder(b, helper, sleeper);
        tap_is_int(nsb_build_start(b), 0, "a long build starts");
        tap_ok(nsb_build_pid(b) > 0, "and has a pid");
        tap_ok(nsb_build_sandbox(b) == NSB_SANDBOX_OFF &&
                       (nsb_build_isolation(b) &
                        ~(NSB_ISOLATION_SECCOMP | NSB_ISOLATION_LANDLOCK | NSB_ISOLATION_LANDLOCK_SCOPE |
                          NSB_ISOLATION_LANDLOCK_UNIX)) == 0,
               "it says it runs in the off tier, without any namespace");
        tap_is_int(nsb_build_setenv(b, "X", "y"), -EBUSY, "a running build cannot be reconfigured");
        tap_is_int(nsb_build_kill(b), 0, "nsb_build_kill");
        tap_is_int(nsb_build_wait(b), 0, "nsb_build_wait returns after a kill");
        tap_is_int(nsb_build_result(b), NSB_RESULT_SIGNALED, "the result is 'signaled'");
        tap_is_int(nsb_build_term_signal(b), 9, "by SIGKILL");
        nsb_build_free(b);

        /* What a full-tier build has, where it can run. */
        if (full) {
                nsb_build_new(&b);
                nsb_build_set_sandbox(b, NSB_SANDBOX_FULL);
                nsb_build_add_bind(b, helper, "/t/helper", NSB_BIND_READONLY);
                nsb_build_add_host_tools(b);
                nsb_build_set_builder(b, "/t/helper", (const char *const[]) { "h", "exit", "0", NULL });
                unsigned want = NSB_ISOLATION_ROOT | NSB_ISOLATION_MOUNT_NS | NSB_ISOLATION_NET_NS |
                                NSB_ISOLATION_LOOPBACK | NSB_ISOLATION_IPC_NS | NSB_ISOLATION_UTS_NS |
                                NSB_ISOLATION_PID_NS |
                                (nsb_capability_compiled(NSB_CAP_SECCOMP) ? NSB_ISOLATION_SECCOMP : 0) |
                                (nsb_capability_works(NSB_CAP_LANDLOCK_SCOPE)
                                         ? NSB_ISOLATION_LANDLOCK | NSB_ISOLATION_LANDLOCK_SCOPE
                                         : 0);
                int r = nsb_build_start(b);
                unsigned got = nsb_build_isolation(b);
                tap_ok(r == 0 && nsb_build_sandbox(b) == NSB_SANDBOX_FULL && got == want,
                       "a full-tier build says it has every namespace and protection (%#x, want %#x)", got, want);
                nsb_build_wait(b);
                nsb_build_free(b);
        } else
                tap_skip("the full tier needs root here");

        /* Freeing a running build kills and reaps it. */
        nsb_build_new(&b);
        nsb_build_set_sandbox(b, NSB_SANDBOX_OFF);
        nsb_build_set_builder(b, helper, sleeper);
        nsb_build_start(b);
        pid_t pid = nsb_build_pid(b);
        nsb_build_free(b);
        tap_ok(kill(pid, 0) < 0 && errno == ESRCH, "nsb_build_free kills and reaps a running build");
        return tap_done();
}
