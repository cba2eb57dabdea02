/* confine.c - a build's processes, held together and ended together.
 *
 * Every build gets a cgroup of its own where the system lets us make one
 * (cgroup.c): all it starts stays in it, however it forks, detaches or
 * changes uid, and at the end all of it is killed at once; it also counts
 * what the build used.  Where there is none (an ordinary user outside a
 * delegated subtree, a kernel without cgroups), the PID namespace or the
 * supervisor (supervise.c) and, as root, the sweep of the build user's
 * processes end the build, and the statistics come from the kernel's
 * accounting of waited-for children. */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "compat/compat.h"
#include "internal.h"

/* Time for the kill: a process in an uninterruptible sleep (a hung NFS
 * read) dies only when it wakes. */
#define KILL_DEADLINE_NS (5 * 1000000000ULL)

/* The cgroup v2 files a caller may set (nsb_build_add_cgroup_limit()),
 * each with the controller that has it: limits and weights, never what
 * would change how the cgroup is made or moved (cgroup.*). */
static const struct {
        const char *key;
        unsigned controller;
} limit_keys[] = {
        { "memory.high", NSB_CGC_MEMORY },     { "memory.low", NSB_CGC_MEMORY },
        { "memory.min", NSB_CGC_MEMORY },      { "memory.max", NSB_CGC_MEMORY },
        { "memory.swap.max", NSB_CGC_MEMORY }, { "memory.swap.high", NSB_CGC_MEMORY },
        { "memory.zswap.max", NSB_CGC_MEMORY },{ "memory.oom.group", NSB_CGC_MEMORY },
        { "pids.max", NSB_CGC_PIDS },          { "cpu.max", NSB_CGC_CPU },
        { "cpu.weight", NSB_CGC_CPU },         { "cpu.weight.nice", NSB_CGC_CPU },
        { "cpu.idle", NSB_CGC_CPU },           { "io.max", NSB_CGC_IO },
        { "io.weight", NSB_CGC_IO },           { "cpuset.cpus", NSB_CGC_CPUSET },
        { "cpuset.mems", NSB_CGC_CPUSET },
};

bool nsb_cgroup_limit_key_valid(const char *key)
{
        for (size_t i = 0; i < ELEMENTSOF(limit_keys); i++)
                if (strcmp(limit_keys[i].key, key) == 0)
                        return true;
        return false;
}

static const char *controller_name(unsigned bit)
{
        switch (bit) {
        case NSB_CGC_MEMORY: return "memory";
        case NSB_CGC_PIDS: return "pids";
        case NSB_CGC_CPU: return "cpu";
        case NSB_CGC_IO: return "io";
        case NSB_CGC_CPUSET: return "cpuset";
        default: return "?";
        }
}

/* Set one limit; on failure, fail the build naming OPTION, the file and
 * why. */
static int set_limit(nsb_build *b, const char *option, unsigned controller, const char *v2_file, const char *v1_file,
                     const char *value)
{
        char where[PATH_MAX];
        where[0] = '\0';
        int r = nsb_cgroup_set(&b->cgroup, controller, v2_file, v1_file, value, where, sizeof(where));
        if (r == 0) {
                nsb_trace(b, "%s: %s = %s", option, where, value);
                return 0;
        }
        const nsb_cgroup *cg = &b->cgroup;
        if (r == -ENODEV && cg->enable_err == EBUSY && cg->enable_moved)
                return nsb_fail(b, ENODEV, "set the build's limits",
                                "cannot enforce %s: cannot enable the %s controller below cgroup %s: it still holds "
                                "processes (pid %d among them) after 2 s of moving them into its leaf "
                                NSB_CGROUP_CALLER " (they keep forking there)",
                                option, controller_name(controller), cg->enable_where, (int) cg->enable_holder);
        if (r == -ENODEV && cg->enable_err == EBUSY)
                return nsb_fail(b, ENODEV, "set the build's limits",
                                "cannot enforce %s: cannot enable the %s controller below cgroup %s: it holds "
                                "processes (pid %d among them), which keep it from handing controllers down, and "
                                "nsbuild may not move them (systemd manages that cgroup: run nsbuild where it has "
                                "one delegated, Delegate=yes, or give --cgroup-parent an empty cgroup)",
                                option, controller_name(controller), cg->enable_where, (int) cg->enable_holder);
        if (r == -ENODEV && cg->enable_err)
                return nsb_fail(b, ENODEV, "set the build's limits",
                                "cannot enforce %s: cannot enable the %s controller below cgroup %s: %s%s", option,
                                controller_name(controller), cg->enable_where, strerror(cg->enable_err),
                                cg->enable_err == EACCES || cg->enable_err == EPERM
                                        ? " (it is not delegated to this user: run nsbuild under systemd-run --user "
                                          "--scope -p Delegate=yes)"
                                        : "");
        if (r == -ENODEV)
                return nsb_fail(b, ENODEV, "set the build's limits",
                                "cannot enforce %s: no cgroup hierarchy of this system gives the build the %s "
                                "controller (on cgroup v2 it must be listed in cgroup.subtree_control of every "
                                "cgroup above the build's; see `nsbuild features`)",
                                option, controller_name(controller));
        if (r == -EOPNOTSUPP)
                return nsb_fail(b, EOPNOTSUPP, "set the build's limits",
                                "cannot enforce %s: the %s controller is on a cgroup v1 hierarchy here, which has "
                                "no %s (boot with systemd.unified_cgroup_hierarchy=1 for cgroup v2)",
                                option, controller_name(controller), v2_file);
        return nsb_fail(b, -r, "set the build's limits", "cannot enforce %s: cannot write '%s' to %s: %s", option,
                        value, where, strerror(-r));
}

static int apply_limits(nsb_build *b)
{
        char v[64];
        int r;
        if (b->memory_max) {
                snprintf(v, sizeof(v), "%llu", (unsigned long long) b->memory_max);
                if ((r = set_limit(b, "--memory-max", NSB_CGC_MEMORY, "memory.max", "memory.limit_in_bytes", v)) < 0)
                        return r;
                /* No swap beyond it, where swap is accounted (without
                 * swap accounting the files are missing: nothing to
                 * swap past the limit with). */
                (void) nsb_cgroup_set(&b->cgroup, NSB_CGC_MEMORY, "memory.swap.max", NULL, "0", NULL, 0);
                (void) nsb_cgroup_set(&b->cgroup, NSB_CGC_MEMORY, NULL, "memory.memsw.limit_in_bytes", v, NULL, 0);
        }
        if (b->pids_max) {
                snprintf(v, sizeof(v), "%llu", (unsigned long long) b->pids_max);
                if ((r = set_limit(b, "--pids-max", NSB_CGC_PIDS, "pids.max", "pids.max", v)) < 0)
                        return r;
        }
        if (b->cpu_quota_usec) {
                /* v1 takes the two numbers in two files, the period
                 * first (the quota is checked against it). */
                char p[32], q[32];
                snprintf(p, sizeof(p), "%llu", (unsigned long long) b->cpu_period_usec);
                snprintf(q, sizeof(q), "%llu", (unsigned long long) b->cpu_quota_usec);
                snprintf(v, sizeof(v), "%s %s", q, p);
                bool v1 = nsb_cgroup_set(&b->cgroup, NSB_CGC_CPU, NULL, "cpu.cfs_period_us", p, NULL, 0) == 0;
                if ((r = set_limit(b, "--cpu-max", NSB_CGC_CPU, "cpu.max", v1 ? "cpu.cfs_quota_us" : NULL,
                                   v1 ? q : v)) < 0)
                        return r;
        }
        for (size_t i = 0; i < b->n_cgroup_limits; i++) {
                const char *kv = b->cgroup_limits[i], *eq = strchr(kv, '=');
                char key[64];
                snprintf(key, sizeof(key), "%.*s", (int) (eq - kv), kv);
                unsigned controller = 0;
                for (size_t k = 0; k < ELEMENTSOF(limit_keys); k++)
                        if (strcmp(limit_keys[k].key, key) == 0)
                                controller = limit_keys[k].controller;
                char option[96];
                snprintf(option, sizeof(option), "--cgroup-limit %s", key);
                if ((r = set_limit(b, option, controller, key, NULL, eq + 1)) < 0)
                        return r;
        }
        return 0;
}

static bool limits_asked(const nsb_build *b)
{
        return b->memory_max || b->pids_max || b->cpu_quota_usec || b->n_cgroup_limits;
}

int nsb_confine_begin(nsb_build *b)
{
        b->events = (nsb_cgroup_events){ 0 };
        if (b->no_cgroup) {
                if (limits_asked(b))
                        return nsb_fail(b, EINVAL, "set the build's limits",
                                        "cannot enforce the limits asked for: the build was told to have no cgroup");
                return 0;
        }
        char name[64];
        if (b->journal_name[0])
                snprintf(name, sizeof(name), "nsbuild-%s", b->journal_name);
        else {
                /* No journal (its directory could not be had): a name of
                 * its own all the same, or concurrent runs would share
                 * one. */
                uint64_t rnd;
                if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t) sizeof(rnd))
                        rnd = now_ns() ^ ((uint64_t) getpid() << 32);
                snprintf(name, sizeof(name), "nsbuild-run-%016llx", (unsigned long long) rnd);
        }
        unsigned want = (b->memory_max ? NSB_CGC_MEMORY : 0) | (b->pids_max ? NSB_CGC_PIDS : 0) |
                        (b->cpu_quota_usec ? NSB_CGC_CPU : 0);
        for (size_t i = 0; i < b->n_cgroup_limits; i++)
                for (size_t k = 0; k < ELEMENTSOF(limit_keys); k++)
                        if (strncmp(b->cgroup_limits[i], limit_keys[k].key, strlen(limit_keys[k].key)) == 0 &&
                            b->cgroup_limits[i][strlen(limit_keys[k].key)] == '=')
                                want |= limit_keys[k].controller;
        int r = nsb_cgroup_create(&b->cgroup, b->cgroup_parent, name, want);
        if (r < 0) {
                if (b->cgroup_parent)
                        return nsb_fail(b, -r, "create the build's cgroup",
                                        "cannot create the build's cgroup in %s: %s (it must exist, and be writable, "
                                        "in a cgroup hierarchy)",
                                        b->cgroup_parent, r == -ENOENT ? "no such cgroup" : strerror(-r));
                if (limits_asked(b))
                        return nsb_fail(b, -r, "set the build's limits",
                                        "cannot enforce the limits asked for: the build gets no cgroup here: %s (%s)",
                                        strerror(-r), nsb_cgroup_summary());
                /* No hierarchy, or none of them ours to write: the normal
                 * case for an ordinary user; `nsbuild features` says why. */
                if (r != -ENOENT && r != -EACCES && r != -EPERM && r != -EROFS)
                        nsb_warn(b, "cannot create a cgroup for the build: %s, ignoring", strerror(-r));
                return 0;
        }
        for (size_t i = 0; i < b->cgroup.n; i++) {
                nsb_trace(b, "cgroup %s", b->cgroup.dir[i].path);
                /* Without a record the next run would not know it. */
                if (nsb_journal_note(b, b->cgroup.dir[i].shared_parent ? "cgroup" : "cgroup-in",
                                     b->cgroup.dir[i].path) < 0) {
                        nsb_warn(b, "%s, ignoring", b->error_message);
                        b->error_message[0] = '\0';
                }
        }
        return apply_limits(b);
}

void nsb_confine_kill(nsb_build *b)
{
        /* The cgroup first: every process of the build at once, however
         * it forked or detached, not the supervisor (outside it), which
         * then reports the builder's death.  Only the signal here (the
         * caller's event loop is not held up); nsb_confine_end() waits
         * until the cgroup is empty. */
        bool cgroup_killed = false;
        for (size_t i = 0; i < b->cgroup.n; i++)
                if ((b->cgroup.dir[i].controllers & NSB_CGC_KILL) &&
                    nsb_cgroup_write(b->cgroup.dir[i].fd, "cgroup.kill", "1") == 0)
                        cgroup_killed = true;
        /* In the full tier the builder is PID 1 of its namespace: killing it
         * makes the kernel kill every process of the build.  Elsewhere its
         * supervisor is asked to, and does it before it exits.  The pidfd
         * makes sure the signal cannot reach a recycled pid. */
        int sig = b->supervised ? SIGTERM : SIGKILL;
        if (b->pidfd < 0 || pidfd_send_signal(b->pidfd, sig, NULL, 0) < 0)
                (void) kill(b->pid, sig);
        /* A supervisor the builder stopped acts on SIGTERM only once
         * continued. */
        if (b->supervised && (b->pidfd < 0 || pidfd_send_signal(b->pidfd, SIGCONT, NULL, 0) < 0))
                (void) kill(b->pid, SIGCONT);
        /* As root without a cgroup, what the build user runs dies now, not
         * when the supervisor gets round to it. */
        if (b->supervised && b->pool_lock_fd >= 0 && !(b->isolation & NSB_ISOLATION_PID_NS) && !cgroup_killed)
                nsb_userpool_sweep(b->uid);
}

bool nsb_confine_emptied(nsb_build *b)
{
        return b->cgroup.n > 0 && nsb_cgroup_kill(&b->cgroup, now_ns() + KILL_DEADLINE_NS) == 0;
}

static uint64_t usec(struct timeval tv)
{
        return (uint64_t) tv.tv_sec * 1000000 + (uint64_t) tv.tv_usec;
}

void nsb_confine_end(nsb_build *b)
{
        nsb_build_stats *st = &b->stats;
        *st = (nsb_build_stats){ 0 };
        if (b->end_ns > b->start_ns) {
                st->what |= NSB_STATS_WALL;
                st->wall_usec = (b->end_ns - b->start_ns) / 1000;
        }
        /* What the cgroup does not say, the kernel's accounting of the
         * waited-for processes does. */
        if (b->reaped) {
                st->what |= NSB_STATS_CPU | NSB_STATS_MEMORY_PEAK;
                st->user_usec = usec(b->rusage.ru_utime);
                st->system_usec = usec(b->rusage.ru_stime);
                st->memory_peak = (uint64_t) b->rusage.ru_maxrss * 1024;
        }
        if (b->cgroup.n == 0)
                return;
        uint64_t deadline = now_ns() + KILL_DEADLINE_NS;
        int r = nsb_cgroup_kill(&b->cgroup, deadline);
        if (r < 0)
                nsb_warn(b, "cannot kill every process of the build's cgroup %s: %s", b->cgroup.dir[0].path,
                         strerror(-r));
        nsb_cgroup_events_read(&b->cgroup, &b->events);
        nsb_cgroup_usage u;
        nsb_cgroup_usage_read(&b->cgroup, &u);
        if (u.have_cpu) {
                st->what |= NSB_STATS_CPU | NSB_STATS_CGROUP;
                st->user_usec = u.user_usec;
                st->system_usec = u.system_usec;
        }
        if (u.have_memory_peak) {
                st->what |= NSB_STATS_MEMORY_PEAK | NSB_STATS_MEMORY_PEAK_CGROUP;
                st->memory_peak = u.memory_peak;
        }
        if (u.have_pids_peak) {
                st->what |= NSB_STATS_PIDS_PEAK;
                st->pids_peak = u.pids_peak;
        }
        r = nsb_cgroup_destroy(&b->cgroup, deadline);
        if (r < 0)
                nsb_warn(b, "cannot remove the build's cgroup %s: %s, leaving it for the next run",
                         b->cgroup.n ? b->cgroup.dir[0].path : "", strerror(-r));
}

/* ---- what `nsbuild features` says ---- */

static pthread_once_t summary_once = PTHREAD_ONCE_INIT;
static char summary[2048];
static int available;

static void describe(char *buf, size_t size, size_t *n, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void describe(char *buf, size_t size, size_t *n, const char *fmt, ...)
{
        if (*n >= size)
                return;
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(buf + *n, size - *n, fmt, ap);
        va_end(ap);
        if (w > 0)
                *n += (size_t) w;
}

static void probe_cgroup(void)
{
        nsb_cgroup_place *places = NULL;
        size_t n_places = 0, n = 0;
        int r = nsb_cgroup_places(NULL, true, &places, &n_places);
        if (r == -ENOENT) {
                snprintf(summary, sizeof(summary),
                         "this kernel has no cgroups (no /proc/self/cgroup; to enable: a kernel with CONFIG_CGROUPS)");
                return;
        }
        if (r < 0) {
                snprintf(summary, sizeof(summary), "cannot read this process's cgroups: %s", strerror(-r));
                return;
        }
        if (n_places == 0) {
                snprintf(summary, sizeof(summary),
                         "no cgroup hierarchy is mounted (to enable: a kernel with CONFIG_CGROUPS, and cgroup2 "
                         "mounted on /sys/fs/cgroup)");
                nsb_cgroup_places_free(places, n_places);
                return;
        }
        for (size_t i = 0; i < n_places; i++)
                if (!places[i].err)
                        available = 1;
        for (size_t i = 0; i < n_places; i++) {
                const nsb_cgroup_place *p = &places[i];
                if (available && p->err)
                        continue;
                char what[128] = "";
                size_t w = 0;
                static const struct {
                        unsigned bit;
                        const char *name;
                } gives[] = {
                        { NSB_CGC_KILL, "kill" },     { NSB_CGC_CPUACCT, "cpu time" }, { NSB_CGC_CPU, "cpu" },
                        { NSB_CGC_MEMORY, "memory" }, { NSB_CGC_PIDS, "pids" },        { NSB_CGC_FREEZER, "freezer" },
                };
                for (size_t k = 0; k < ELEMENTSOF(gives); k++)
                        if (p->controllers & gives[k].bit)
                                w += (size_t) snprintf(what + w, sizeof(what) - w, "%s%s", w ? ", " : "",
                                                       gives[k].name);
                char version[8];
                snprintf(version, sizeof(version), "v%d ", p->version);
                describe(summary, sizeof(summary), &n, "%s%s", n ? "; " : "", version);
                describe(summary, sizeof(summary), &n, "%s (%s)", p->dir, what);
                if (p->err)
                        describe(summary, sizeof(summary), &n, ": %s", strerror(p->err));
        }
        if (!available)
                describe(summary, sizeof(summary), &n, "%s",
                         geteuid() == 0 ? " (to enable: a container runtime may mount cgroups read-only; give it "
                                          "a writable cgroup namespace)"
                                        : " (to enable: run under `systemd-run --user --scope -p Delegate=yes`, "
                                          "or as root)");
        nsb_cgroup_places_free(places, n_places);
}

int nsb_cgroup_available(void)
{
        (void) pthread_once(&summary_once, probe_cgroup);
        return available;
}

const char *nsb_cgroup_summary(void)
{
        (void) pthread_once(&summary_once, probe_cgroup);
        return summary;
}
