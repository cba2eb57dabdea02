/* nsbench - the measurements behind `make bench`.
 *
 *   nsbench cmds RUNS NAME CMD [NAME CMD]...
 *       Time each command (split on spaces, exec'd directly) RUNS times,
 *       interleaved so drift cancels out; print "NAME median p10 p90" in ms.
 *   nsbench inproc RUNS [INPUTS]
 *       Start and wait RUNS full-tier builds of /bin/true in this process
 *       (the library's floor), each with INPUTS read-only inputs from a
 *       temporary store; print median, p10, p90 in ms, and the peak RSS.
 *   nsbench throughput BUILDS INFLIGHT
 *       Run BUILDS builds of /bin/true, INFLIGHT at a time from one poll
 *       loop; print builds per second.
 *   nsbench threads BUILDS INFLIGHT
 *       The same from INFLIGHT threads, each starting and waiting builds.
 *   nsbench floor RUNS
 *       The kernel's floor: clone into the five namespaces and exec
 *       /bin/true, nothing else; print median, p10, p90 in ms.
 *   nsbench cgroup-floor RUNS DIR
 *       The kernel's cost of a cgroup per build: mkdir in the cgroup2
 *       directory DIR, clone3 into it, exec, wait, rmdir; print the median
 *       with and without the cgroup.
 *   nsbench landlock-floor RUNS
 *       The kernel's cost of the builder's Landlock domain: fork, enter a
 *       domain with the scopes (as the child does, after no_new_privs),
 *       exec /bin/true, wait; print the median with and without it, or
 *       "landlock-floor none ERRNO" where the kernel refuses it.
 *   nsbench floor-threads BUILDS INFLIGHT
 *       The kernel's floor from INFLIGHT threads; print builds per second.
 *   nsbench hygiene BUILDS
 *       Run BUILDS builds and compare the fd count, the mount table, the
 *       children and the RSS before and after; exit 1 on any difference.
 *   nsbench envscale VARS
 *       A derivation with VARS environment variables: parse it, configure a
 *       build from it and start it (off tier; beyond what execve takes the
 *       start fails with E2BIG after all of nsbuild's own work); print the
 *       milliseconds that took.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nsbuild.h"

static double now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static void stats(double *v, int n, double *med, double *p10, double *p90)
{
        qsort(v, (size_t) n, sizeof(double), cmp_double);
        *med = v[n / 2];
        *p10 = v[n / 10];
        *p90 = v[(n * 9) / 10];
}

static long peak_rss_kib(void)
{
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        return ru.ru_maxrss;
}

/* ---- cmds ---- */

static void *xrealloc(void *p, size_t size)
{
        void *q = realloc(p, size);
        if (!q) {
                fprintf(stderr, "nsbench: out of memory\n");
                exit(1);
        }
        return q;
}

/* The words of CMD; they live as long as the benchmark. */
static char **split(const char *cmd)
{
        char *copy = strdup(cmd);
        size_t n = 0, cap = 16;
        char **v = xrealloc(NULL, cap * sizeof(char *));
        if (!copy)
                exit(1);
        for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " ")) {
                if (n + 2 > cap) {
                        cap *= 2;
                        v = xrealloc(v, cap * sizeof(char *));
                }
                v[n++] = tok;
        }
        v[n] = NULL;
        return v;
}

static double run_once(char **argv)
{
        double t0 = now_ms();
        pid_t pid = fork();
        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY);
                dup2(null, 1);
                dup2(null, 2);
                execvp(argv[0], argv);
                _exit(127);
        }
        int st;
        waitpid(pid, &st, 0);
        double t = now_ms() - t0;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                fprintf(stderr, "nsbench: %s failed (status %d)\n", argv[0], st);
                exit(1);
        }
        return t;
}

static int cmd_cmds(int argc, char **argv)
{
        int runs = atoi(argv[0]);
        int n = (argc - 1) / 2;
        char ***cmds = calloc((size_t) n, sizeof(char **));
        double **t = calloc((size_t) n, sizeof(double *));
        for (int i = 0; i < n; i++) {
                cmds[i] = split(argv[2 + 2 * i]);
                t[i] = calloc((size_t) runs, sizeof(double));
                run_once(cmds[i]); /* warm up */
        }
        /* Interleaved, in an order that rotates every round: what runs
         * just before a command shifts its time (the network namespace
         * the one before tears down, the cgroup it removes: up to 0.3 ms
         * here), so no command always follows the same one. */
        for (int r = 0; r < runs; r++)
                for (int k = 0; k < n; k++) {
                        int i = (k + r) % n;
                        t[i][r] = run_once(cmds[i]);
                }
        for (int i = 0; i < n; i++) {
                double med, p10, p90;
                stats(t[i], runs, &med, &p10, &p90);
                printf("%s %.3f %.3f %.3f\n", argv[1 + 2 * i], med, p10, p90);
        }
        return 0;
}

/* ---- in-process builds ---- */

/* Outside /tmp, as a store is: the full tier's /tmp is the build's own
 * directory on disk, so inputs below /tmp get their mount points made on
 * disk (a disk inode each), where a store's get them on the root tmpfs. */
static char store[] = "/var/tmp/nsbench-store-XXXXXX";
static char **inputs;
static int n_inputs;

static void make_store(int n)
{
        if (!mkdtemp(store)) {
                perror("nsbench: mkdtemp");
                exit(1);
        }
        inputs = calloc((size_t) n + 1, sizeof(char *));
        for (int i = 0; i < n; i++) {
                if (asprintf(&inputs[i], "%s/%032d-input", store, i) < 0 || mkdir(inputs[i], 0755) < 0) {
                        perror("nsbench: input");
                        exit(1);
                }
        }
        n_inputs = n;
}

static void remove_store(void)
{
        for (int i = 0; i < n_inputs; i++) {
                rmdir(inputs[i]);
                free(inputs[i]);
        }
        free(inputs);
        rmdir(store);
}

static nsb_build *new_build(void)
{
        static const char *const argv[] = { "true", NULL };
        nsb_build *b;
        if (nsb_build_new(&b) < 0)
                exit(1);
        nsb_build_set_sandbox(b, NSB_SANDBOX_FULL);
        nsb_build_add_host_tools(b);
        nsb_build_set_builder(b, "/bin/true", argv);
        for (int i = 0; i < n_inputs; i++)
                nsb_build_add_input(b, inputs[i]);
        return b;
}

static double one_build(void)
{
        double t0 = now_ms();
        nsb_build *b = new_build();
        if (nsb_build_start(b) < 0 || nsb_build_wait(b) < 0 || nsb_build_exit_code(b) != 0) {
                fprintf(stderr, "nsbench: build failed: %s\n", nsb_build_error_message(b));
                exit(1);
        }
        nsb_build_free(b);
        return now_ms() - t0;
}

static int cmd_inproc(int argc, char **argv)
{
        int runs = atoi(argv[0]);
        make_store(argc > 1 ? atoi(argv[1]) : 0);
        double *t = calloc((size_t) runs, sizeof(double));
        one_build();
        for (int r = 0; r < runs; r++)
                t[r] = one_build();
        double med, p10, p90;
        stats(t, runs, &med, &p10, &p90);
        printf("inproc %d %.3f %.3f %.3f %ld\n", n_inputs, med, p10, p90, peak_rss_kib());
        remove_store();
        return 0;
}

static int cmd_throughput(int argc, char **argv)
{
        int total = atoi(argv[0]), inflight = argc > 1 ? atoi(argv[1]) : 8;
        nsb_build **running = calloc((size_t) inflight, sizeof(nsb_build *));
        struct pollfd *p = calloc((size_t) inflight, sizeof(struct pollfd));
        int started = 0, done = 0;
        double t0 = now_ms();
        while (done < total) {
                for (int i = 0; i < inflight; i++) {
                        if (running[i] || started >= total)
                                continue;
                        running[i] = new_build();
                        if (nsb_build_start(running[i]) < 0) {
                                fprintf(stderr, "nsbench: %s\n", nsb_build_error_message(running[i]));
                                exit(1);
                        }
                        started++;
                }
                int n = 0;
                for (int i = 0; i < inflight; i++)
                        p[i] = (struct pollfd) { .fd = running[i] ? nsb_build_fd(running[i]) : -1, .events = POLLIN };
                n = poll(p, (nfds_t) inflight, 1000);
                if (n < 0 && errno != EINTR)
                        exit(1);
                for (int i = 0; i < inflight; i++) {
                        if (!running[i] || !(p[i].revents & POLLIN))
                                continue;
                        int r = nsb_build_dispatch(running[i]);
                        if (r > 0) {
                                if (nsb_build_exit_code(running[i]) != 0)
                                        exit(1);
                                nsb_build_free(running[i]);
                                running[i] = NULL;
                                done++;
                        } else if (r < 0)
                                exit(1);
                }
        }
        double secs = (now_ms() - t0) / 1e3;
        printf("throughput %d %d %.1f\n", total, inflight, total / secs);
        return 0;
}

/* The kernel's floor for this isolation: clone into the five namespaces
 * and exec /bin/true, nothing else (no mount, no loopback, no uid change). */
#define FLOOR_FLAGS (CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID)

static double floor_once(void)
{
        static char *const argv[] = { "true", NULL };
        double t0 = now_ms();
        pid_t pid = (pid_t) syscall(SYS_clone, FLOOR_FLAGS | SIGCHLD, NULL, NULL, NULL, NULL);
        if (pid == 0) {
                execv("/bin/true", argv);
                _exit(127);
        }
        int st;
        if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                fprintf(stderr, "nsbench: clone into namespaces: %s\n", pid < 0 ? strerror(errno) : "failed");
                exit(1);
        }
        return now_ms() - t0;
}

/* The kernel's own cost of a cgroup per build: make a cgroup in DIR,
 * clone3 into it (CLONE_INTO_CGROUP), exec /bin/true, wait, remove it;
 * against the same clone3 without a cgroup.  What nsbuild's cgroup costs
 * over this is its own. */
struct bench_clone_args { /* the kernel's struct clone_args (Linux 5.7), which libcs may lack */
        /* cppcheck-suppress unusedStructMember ; the kernel reads them */
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};
#define BENCH_CLONE_INTO_CGROUP 0x200000000ULL

static double cgroup_floor_once(const char *dir, bool cgroup)
{
        static char *const argv[] = { "true", NULL };
        char path[4096];
        snprintf(path, sizeof(path), "%s/nsbench-floor-%d", dir, (int) getpid());
        double t0 = now_ms();
        int fd = -1;
        if (cgroup && (mkdir(path, 0755) < 0 || (fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)) {
                fprintf(stderr, "nsbench: cgroup %s: %s\n", path, strerror(errno));
                exit(1);
        }
        struct bench_clone_args args = { .exit_signal = SIGCHLD };
        if (cgroup) {
                args.flags = BENCH_CLONE_INTO_CGROUP;
                args.cgroup = (uint64_t) fd;
        }
        pid_t pid = (pid_t) syscall(SYS_clone3, &args, sizeof(args));
        if (pid == 0) {
                execv("/bin/true", argv);
                _exit(127);
        }
        int st;
        if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                fprintf(stderr, "nsbench: clone3: %s\n", pid < 0 ? strerror(errno) : "failed");
                exit(1);
        }
        if (cgroup && (close(fd) < 0 || rmdir(path) < 0)) {
                fprintf(stderr, "nsbench: remove cgroup %s: %s\n", path, strerror(errno));
                exit(1);
        }
        return now_ms() - t0;
}

static int cmd_cgroup_floor(int argc, char **argv)
{
        (void) argc;
        int runs = atoi(argv[0]);
        double *with = calloc((size_t) runs, sizeof(double)), *without = calloc((size_t) runs, sizeof(double));
        if (!with || !without)
                return 1;
        cgroup_floor_once(argv[1], true);
        for (int r = 0; r < runs; r++) {
                with[r] = cgroup_floor_once(argv[1], true);
                without[r] = cgroup_floor_once(argv[1], false);
        }
        double med, p10, p90, med0, p100, p900;
        stats(with, runs, &med, &p10, &p90);
        stats(without, runs, &med0, &p100, &p900);
        printf("cgroup-floor %.3f %.3f\n", med, med0);
        free(with);
        free(without);
        return 0;
}

/* landlock.c's domain, by hand (the library does not export it): a
 * ruleset handling making block devices and REFER (allowed beneath /),
 * scoped to signals and abstract sockets (ABI 6), restricting the calling
 * process.  0 or an errno. */
static int landlock_enter(void)
{
#ifdef SYS_landlock_create_ruleset
        struct {
                uint64_t fs, net, scoped;
        } attr = { .fs = (1ull << 11) | (1ull << 13), .scoped = 3 };
        struct __attribute__((packed)) {
                uint64_t allowed;
                int32_t fd;
        } refer = { .allowed = 1ull << 13 };
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return errno;
        long fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
        if (fd < 0)
                return errno;
        int r = 0;
        refer.fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (refer.fd < 0 || syscall(SYS_landlock_add_rule, (int) fd, 1, &refer, 0) < 0 ||
            syscall(SYS_landlock_restrict_self, (int) fd, 0) < 0)
                r = errno;
        if (refer.fd >= 0)
                close(refer.fd);
        close((int) fd);
        return r;
#else
        return ENOSYS;
#endif
}

static double landlock_floor_once(bool landlock)
{
        static char *const argv[] = { "true", NULL };
        double t0 = now_ms();
        pid_t pid = fork();
        if (pid == 0) {
                if (landlock && landlock_enter() != 0)
                        _exit(126);
                execv("/bin/true", argv);
                _exit(127);
        }
        int st;
        if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                fprintf(stderr, "nsbench: landlock floor: %s\n", pid < 0 ? strerror(errno) : "failed");
                exit(1);
        }
        return now_ms() - t0;
}

static int cmd_landlock_floor(int argc, char **argv)
{
        (void) argc;
        int runs = atoi(argv[0]);
        pid_t pid = fork();
        if (pid == 0)
                _exit(landlock_enter());
        int st;
        if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) {
                fprintf(stderr, "nsbench: landlock floor: %s\n", pid < 0 ? strerror(errno) : "failed");
                return 1;
        }
        if (WEXITSTATUS(st) != 0) {
                printf("landlock-floor none %s\n", strerrorname_np(WEXITSTATUS(st)));
                return 0;
        }
        double *with = calloc((size_t) runs, sizeof(double)), *without = calloc((size_t) runs, sizeof(double));
        if (!with || !without)
                return 1;
        for (int r = 0; r < runs; r++) {
                with[r] = landlock_floor_once(true);
                without[r] = landlock_floor_once(false);
        }
        double med, p10, p90, med0, p100, p900;
        stats(with, runs, &med, &p10, &p90);
        stats(without, runs, &med0, &p100, &p900);
        printf("landlock-floor %.3f %.3f\n", med, med0);
        free(with);
        free(without);
        return 0;
}

static int cmd_floor(int argc, char **argv)
{
        (void) argc;
        int runs = atoi(argv[0]);
        double *t = calloc((size_t) runs, sizeof(double));
        floor_once();
        for (int r = 0; r < runs; r++)
                t[r] = floor_once();
        double med, p10, p90;
        stats(t, runs, &med, &p10, &p90);
        printf("floor %.3f %.3f %.3f\n", med, p10, p90);
        free(t);
        return 0;
}

/* The same with one thread per build in flight, each starting and waiting
 * its builds in turn: nsb_build_start() returns only once the builder is
 * exec'd, so one event loop starts builds one after the other. */
struct worker {
        bool floor; /* the kernel's floor instead of nsbuild */
        int builds;
        int failed;
};

static void *worker_main(void *arg)
{
        struct worker *w = arg;
        for (int i = 0; i < w->builds; i++) {
                if (w->floor) {
                        floor_once();
                        continue;
                }
                nsb_build *b = new_build();
                if (nsb_build_start(b) < 0 || nsb_build_wait(b) < 0 || nsb_build_exit_code(b) != 0)
                        w->failed++;
                nsb_build_free(b);
        }
        return NULL;
}

static int cmd_threads(int argc, char **argv, bool floor)
{
        int total = atoi(argv[0]), inflight = argc > 1 ? atoi(argv[1]) : 8;
        pthread_t *threads = calloc((size_t) inflight, sizeof(pthread_t));
        struct worker *w = calloc((size_t) inflight, sizeof(struct worker));
        double t0 = now_ms();
        for (int i = 0; i < inflight; i++) {
                w[i].builds = total / inflight + (i < total % inflight);
                w[i].floor = floor;
                if (pthread_create(&threads[i], NULL, worker_main, &w[i]) != 0)
                        exit(1);
        }
        int failed = 0;
        for (int i = 0; i < inflight; i++) {
                pthread_join(threads[i], NULL);
                failed += w[i].failed;
        }
        double secs = (now_ms() - t0) / 1e3;
        if (failed)
                exit(1);
        printf("%s %d %d %.1f\n", floor ? "floor-threads" : "threads", total, inflight, total / secs);
        free(threads);
        free(w);
        return 0;
}

static char *read_all(const char *path)
{
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t len = 0;
        if (!f)
                return strdup("");
        FILE *m = open_memstream(&buf, &len);
        char chunk[4096];
        size_t n;
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
                fwrite(chunk, 1, n, m);
        fclose(f);
        fclose(m);
        return buf;
}

static int count_fds(void)
{
        int n = 0;
        char path[64];
        for (int fd = 0; fd < 4096; fd++) {
                snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
                n += access(path, F_OK) == 0;
        }
        return n;
}

static long current_rss_kib(void)
{
        char *s = read_all("/proc/self/status");
        char *p = strstr(s, "VmRSS:");
        long v = p ? strtol(p + 6, NULL, 10) : -1;
        free(s);
        return v;
}

static int cmd_hygiene(int argc, char **argv)
{
        int builds = atoi(argv[0]);
        (void) argc;
        one_build(); /* caches (the seccomp filter, the probe) settle */
        char *mounts = read_all("/proc/self/mountinfo");
        int fds = count_fds();
        long rss_early = 0;
        for (int i = 0; i < builds; i++) {
                one_build();
                if (i == builds / 10)
                        rss_early = current_rss_kib();
        }
        long rss_late = current_rss_kib();
        char *mounts_after = read_all("/proc/self/mountinfo");
        int bad = 0;
        int fds_after = count_fds();
        bool children = waitpid(-1, NULL, WNOHANG) >= 0 || errno != ECHILD;
        printf("hygiene builds %d\n", builds);
        printf("hygiene mounts %s\n", strcmp(mounts, mounts_after) == 0 ? "unchanged" : (bad = 1, "CHANGED"));
        printf("hygiene fds %d %d %s\n", fds, fds_after, fds == fds_after ? "unchanged" : (bad = 1, "LEAKED"));
        printf("hygiene children %s\n", children ? (bad = 1, "LEFT") : "none");
        printf("hygiene rss_kib %ld %ld %s\n", rss_early, rss_late,
               rss_late - rss_early <= 64 ? "flat" : (bad = 1, "GROWING"));
        free(mounts);
        free(mounts_after);
        return bad;
}

static int cmd_envscale(char **argv)
{
        long vars = atol(argv[0]);
        char dir[] = "/tmp/nsbench-env-XXXXXX";
        struct utsname u;
        if (!mkdtemp(dir) || uname(&u) < 0) {
                perror("nsbench: envscale");
                return 1;
        }
        char *out;
        if (asprintf(&out, "%s/%032d-x", dir, 0) < 0)
                return 1;
        size_t cap = (size_t) vars * 24 + 4096, len = 0;
        char *text = malloc(cap);
        if (!text)
                return 1;
        len += (size_t) snprintf(text + len, cap - len,
                                 "Derive([(\"out\",\"%s\",\"\",\"\")],[],[],\"%s-linux\",\"/bin/true\",[],[(\"out\",\"%s\")",
                                 out, u.machine, out);
        for (long i = 0; i < vars; i++)
                len += (size_t) snprintf(text + len, cap - len, ",(\"v%08ld\",\"x\")", i);
        len += (size_t) snprintf(text + len, cap - len, "])");

        double t0 = now_ms();
        nsb_drv *d;
        nsb_drv_error e;
        nsb_build *b;
        if (nsb_drv_parse(text, len, &d, &e) < 0 || nsb_build_new(&b) < 0) {
                fprintf(stderr, "nsbench: envscale: %s\n", e.message);
                return 1;
        }
        nsb_build_set_store_dir(b, dir);
        nsb_build_set_sandbox(b, NSB_SANDBOX_OFF);
        if (nsb_build_set_derivation(b, d) < 0) {
                fprintf(stderr, "nsbench: envscale: %s\n", nsb_build_error_message(b));
                return 1;
        }
        if (nsb_build_start(b) == 0)
                (void) nsb_build_wait(b);
        double t = now_ms() - t0;
        nsb_build_free(b);
        nsb_drv_free(d);
        free(text);
        free(out);
        rmdir(dir);
        printf("envscale %ld %.3f\n", vars, t);
        return 0;
}

int main(int argc, char **argv)
{
        if (argc >= 4 && strcmp(argv[1], "cmds") == 0)
                return cmd_cmds(argc - 2, argv + 2);
        if (argc >= 3 && strcmp(argv[1], "inproc") == 0)
                return cmd_inproc(argc - 2, argv + 2);
        if (argc >= 3 && strcmp(argv[1], "throughput") == 0)
                return cmd_throughput(argc - 2, argv + 2);
        if (argc >= 3 && strcmp(argv[1], "threads") == 0)
                return cmd_threads(argc - 2, argv + 2, false);
        if (argc >= 3 && strcmp(argv[1], "floor-threads") == 0)
                return cmd_threads(argc - 2, argv + 2, true);
        if (argc >= 3 && strcmp(argv[1], "landlock-floor") == 0)
                return cmd_landlock_floor(argc - 2, argv + 2);
        if (argc >= 4 && strcmp(argv[1], "cgroup-floor") == 0)
                return cmd_cgroup_floor(argc - 2, argv + 2);
        if (argc >= 3 && strcmp(argv[1], "floor") == 0)
                return cmd_floor(argc - 2, argv + 2);
        if (argc >= 3 && strcmp(argv[1], "hygiene") == 0)
                return cmd_hygiene(argc - 2, argv + 2);
        if (argc >= 3 && strcmp(argv[1], "envscale") == 0)
                return cmd_envscale(argv + 2);
        fprintf(stderr, "usage: nsbench cmds|inproc|throughput|threads|floor|cgroup-floor|landlock-floor|floor-threads|hygiene|envscale ... (see the source)\n");
        return 64;
}
