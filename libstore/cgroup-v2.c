/* cgroup-v2.c - what differs on the unified hierarchy: the controllers a
 * cgroup is given (cgroup.controllers, enabled from above through
 * cgroup.subtree_control), cgroup.kill, and cpu.stat and memory.peak.
 * Its core works without any controller: on a hybrid system, whose
 * controllers are all on v1 hierarchies, a build still gets a v2 cgroup
 * for the kill and the CPU time. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "internal.h"

static unsigned parse_controllers(const char *text)
{
        unsigned bits = 0;
        for (const char *p = text; *p;) {
                p += strspn(p, " \n");
                size_t len = strcspn(p, " \n");
                if (len == 3 && strncmp(p, "cpu", 3) == 0)
                        bits |= NSB_CGC_CPU;
                else if (len == 6 && strncmp(p, "memory", 6) == 0)
                        bits |= NSB_CGC_MEMORY;
                else if (len == 4 && strncmp(p, "pids", 4) == 0)
                        bits |= NSB_CGC_PIDS;
                else if (len == 2 && strncmp(p, "io", 2) == 0)
                        bits |= NSB_CGC_IO;
                else if (len == 6 && strncmp(p, "cpuset", 6) == 0)
                        bits |= NSB_CGC_CPUSET;
                p += len;
        }
        return bits;
}

unsigned nsb_cgroup_v2_controllers(int dir_fd)
{
        char buf[512];
        /* cpu.stat's usage is the core's: CPU time needs no controller. */
        unsigned bits = NSB_CGC_CPUACCT;
        if (nsb_cgroup_read(dir_fd, "cgroup.controllers", buf, sizeof(buf)) >= 0)
                bits |= parse_controllers(buf);
        struct stat st;
        if (fstatat(dir_fd, "cgroup.kill", &st, 0) == 0)
                bits |= NSB_CGC_KILL;
        return bits;
}

/* Give the builds below PARENT_FD (our "nsbuild" directory, which holds
 * no process, so the no-internal-process rule allows it) every
 * controller it has itself.  Best effort: a build without one is told
 * when it needs it. */
int nsb_cgroup_v2_prepare_parent(int parent_fd)
{
        char buf[512], enable[512];
        int r = nsb_cgroup_read(parent_fd, "cgroup.controllers", buf, sizeof(buf));
        if (r < 0)
                return r;
        /* One a write: the kernel takes a write whole or not at all, and
         * one controller it refuses (cpu beside realtime tasks) must not
         * cost the others. */
        r = 0;
        for (const char *p = buf; *p;) {
                p += strspn(p, " \n");
                size_t len = strcspn(p, " \n");
                if (len && len + 2 < sizeof(enable)) {
                        snprintf(enable, sizeof(enable), "+%.*s", (int) len, p);
                        int q = nsb_cgroup_write(parent_fd, "cgroup.subtree_control", enable);
                        if (q < 0 && r == 0)
                                r = q;
                }
                p += len;
        }
        return r;
}

int nsb_cgroup_v2_kill(int dir_fd)
{
        return nsb_cgroup_write(dir_fd, "cgroup.kill", "1");
}

void nsb_cgroup_v2_usage(int dir_fd, unsigned controllers, nsb_cgroup_usage *u)
{
        char buf[1024];
        uint64_t user, sys;
        if (!u->have_cpu && nsb_cgroup_read(dir_fd, "cpu.stat", buf, sizeof(buf)) >= 0 &&
            nsb_cgroup_keyed(buf, "user_usec", &user) && nsb_cgroup_keyed(buf, "system_usec", &sys)) {
                u->have_cpu = true;
                u->user_usec = user;
                u->system_usec = sys;
        }
        /* memory.peak: Linux 5.19. */
        if ((controllers & NSB_CGC_MEMORY) && !u->have_memory_peak &&
            nsb_cgroup_read(dir_fd, "memory.peak", buf, sizeof(buf)) >= 0) {
                char *end;
                errno = 0;
                unsigned long long v = strtoull(buf, &end, 10);
                if (!errno && end != buf) {
                        u->have_memory_peak = true;
                        u->memory_peak = v;
                }
        }
}
