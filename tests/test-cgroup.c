/* test-cgroup.c - a build's cgroup (cgroup.c) against real cgroups: the
 * kill reaches every process in the build's cgroup and below it, at once,
 * a process that moved itself into a cgroup of its own below the build's
 * included (a builder may, where the build's cgroup is its caller's: an
 * ordinary user's delegated subtree).  As root, where the unified
 * hierarchy has a place for builds; skipped elsewhere. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "internal.h"
#include "tap.h"

/* Whether child PID has ended (a zombie for us to reap) by DEADLINE_NS. */
static bool ended_by(pid_t pid, uint64_t deadline_ns)
{
        for (;;) {
                if (waitpid(pid, NULL, WNOHANG) == pid)
                        return true;
                if (now_ns() >= deadline_ns)
                        return false;
                (void) usleep(1000);
        }
}

int main(void)
{
        if (geteuid() != 0)
                tap_skip_all("needs root (a cgroup of its own below ours)");
        char name[64];
        snprintf(name, sizeof(name), "nsbuild-test-cgroup-%d", (int) getpid());
        nsb_cgroup cg;
        int r = nsb_cgroup_create(&cg, NULL, name, 0);
        size_t v2 = 0;
        while (r == 0 && v2 < cg.n && cg.dir[v2].version != 2)
                v2++;
        if (r < 0 || v2 == cg.n) {
                if (r == 0)
                        (void) nsb_cgroup_destroy(&cg, now_ns() + 5000000000ULL);
                tap_skip_all("no cgroup v2 place for a build here (%s)", r < 0 ? strerror(-r) : "only v1");
        }
        const nsb_cgroup_dir *d = &cg.dir[v2];
        int ready[2];
        if (pipe2(ready, O_CLOEXEC) < 0)
                tap_skip_all("pipe2: %s", strerror(errno));
        pid_t pid = fork();
        if (pid == 0) {
                /* Into the build's cgroup, then into one of its own below
                 * it, where cgroup.procs of the build's no longer lists it. */
                char sub[4096];
                snprintf(sub, sizeof(sub), "%s/sub", d->path);
                int fd = -1;
                bool moved = write(d->procs_fd, "0", 1) == 1 && mkdir(sub, 0755) == 0 &&
                             strlen(sub) + sizeof("/cgroup.procs") < sizeof(sub) &&
                             (fd = open(strcat(sub, "/cgroup.procs"), O_WRONLY | O_CLOEXEC)) >= 0 &&
                             write(fd, "0", 1) == 1;
                (void) !write(ready[1], moved ? "y" : "n", 1);
                for (;;)
                        pause();
        }
        close(ready[1]);
        char c = 'n';
        bool moved = pid > 0 && read(ready[0], &c, 1) == 1 && c == 'y';
        close(ready[0]);
        tap_ok(moved, "a process moves itself into a cgroup below the build's");
        tap_is_int(nsb_cgroup_kill(&cg, now_ns() + 5000000000ULL), 0, "nsb_cgroup_kill");
        /* Ended by the kill itself, before the removal's own killing. */
        tap_ok(pid > 0 && ended_by(pid, now_ns() + 5000000000ULL), "the kill ends it, below the build's cgroup too");
        tap_is_int(nsb_cgroup_destroy(&cg, now_ns() + 5000000000ULL), 0, "and the cgroups are removed");
        if (pid > 0) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
        }
        return tap_done();
}
