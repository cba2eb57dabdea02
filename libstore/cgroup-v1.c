/* cgroup-v1.c - what differs on the legacy hierarchies, one per controller
 * (or per group of them: "cpu,cpuacct"), still what older distributions
 * and many containers mount: which controllers a mount has, the freezer
 * (the only way to stop a fork loop there while its pids are killed), and
 * where the usage is. */
#include "config.h"

#include <string.h>
#include <time.h>

#include "cgroup.h"
#include "internal.h"

unsigned nsb_cgroup_v1_controllers(const char *options)
{
        static const struct {
                const char *name;
                unsigned bit;
        } known[] = {
                { "cpu", NSB_CGC_CPU },       { "cpuacct", NSB_CGC_CPUACCT }, { "memory", NSB_CGC_MEMORY },
                { "pids", NSB_CGC_PIDS },     { "freezer", NSB_CGC_FREEZER },
        };
        unsigned bits = 0;
        for (const char *p = options; *p;) {
                size_t len = strcspn(p, ",");
                for (size_t i = 0; i < ELEMENTSOF(known); i++)
                        if (strlen(known[i].name) == len && strncmp(p, known[i].name, len) == 0)
                                bits |= known[i].bit;
                p += len;
                if (*p == ',')
                        p++;
        }
        return bits;
}

/* Freeze or thaw, and wait until the kernel says it is done ("FREEZING"
 * lasts while a task is in an uninterruptible sleep). */
int nsb_cgroup_v1_freeze(int dir_fd, bool frozen, uint64_t deadline_ns)
{
        const char *want = frozen ? "FROZEN" : "THAWED";
        int r = nsb_cgroup_write(dir_fd, "freezer.state", want);
        if (r < 0)
                return r;
        for (;;) {
                char state[32];
                r = nsb_cgroup_read(dir_fd, "freezer.state", state, sizeof(state));
                if (r < 0)
                        return r;
                if (strncmp(state, want, strlen(want)) == 0)
                        return 0;
                if (now_ns() >= deadline_ns)
                        return -ETIMEDOUT;
                (void) nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
        }
}

static bool read_number(int dir_fd, const char *file, uint64_t *ret)
{
        char buf[64];
        char *end;
        if (nsb_cgroup_read(dir_fd, file, buf, sizeof(buf)) < 0)
                return false;
        errno = 0;
        unsigned long long v = strtoull(buf, &end, 10);
        if (errno || end == buf)
                return false;
        *ret = v;
        return true;
}

void nsb_cgroup_v1_usage(int dir_fd, unsigned controllers, nsb_cgroup_usage *u)
{
        uint64_t user, sys;
        /* cpuacct.usage_user and usage_sys (Linux 4.7), in nanoseconds. */
        if ((controllers & NSB_CGC_CPUACCT) && !u->have_cpu && read_number(dir_fd, "cpuacct.usage_user", &user) &&
            read_number(dir_fd, "cpuacct.usage_sys", &sys)) {
                u->have_cpu = true;
                u->user_usec = user / 1000;
                u->system_usec = sys / 1000;
        }
        if ((controllers & NSB_CGC_MEMORY) && !u->have_memory_peak &&
            read_number(dir_fd, "memory.max_usage_in_bytes", &u->memory_peak))
                u->have_memory_peak = true;
}
