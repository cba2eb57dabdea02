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
#include <unistd.h>

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

static const struct {
        unsigned bit;
        const char *name;
} v2_controllers[] = {
        { NSB_CGC_CPU, "cpu" }, { NSB_CGC_MEMORY, "memory" }, { NSB_CGC_PIDS, "pids" },
        { NSB_CGC_IO, "io" },   { NSB_CGC_CPUSET, "cpuset" },
};

struct mover {
        int procs_fd; /* the leaf's cgroup.procs */
        int err;
        pid_t failed;
};

static void move_one(pid_t pid, void *userdata)
{
        struct mover *m = userdata;
        char s[24];
        int len = snprintf(s, sizeof(s), "%d", (int) pid);
        if (write(m->procs_fd, s, (size_t) len) < 0 && errno != ESRCH && !m->err) {
                m->err = errno;
                m->failed = pid;
        }
}

static void first_one(pid_t pid, void *userdata)
{
        pid_t *first = userdata;
        if (!*first)
                *first = pid;
}

/* Move every process of DIR_FD's cgroup into its leaf NSB_CGROUP_CALLER,
 * again as long as any is left (one forked meanwhile), until
 * DEADLINE_NS.  Each move is a migration, an RCU grace period of the
 * kernel's (about 10 ms), paid once: later runs start in the leaf. */
static int move_into_leaf(int dir_fd, uint64_t deadline_ns, pid_t *ret_holder)
{
        if (mkdirat(dir_fd, NSB_CGROUP_CALLER, 0755) < 0 && errno != EEXIST)
                return -errno;
        _cleanup_close_ int leaf = openat(dir_fd, NSB_CGROUP_CALLER, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (leaf < 0)
                return -errno;
        _cleanup_close_ int procs = openat(leaf, "cgroup.procs", O_WRONLY | O_CLOEXEC);
        if (procs < 0)
                return -errno;
        struct mover m = { .procs_fd = procs };
        for (;;) {
                int listed = nsb_cgroup_each_member(dir_fd, move_one, &m);
                if (listed < 0)
                        return listed;
                if (m.err) {
                        *ret_holder = m.failed;
                        return -m.err;
                }
                if (listed == 0)
                        return 0;
                if (now_ns() >= deadline_ns) {
                        (void) nsb_cgroup_each_member(dir_fd, first_one, ret_holder);
                        return -EBUSY;
                }
        }
}

int nsb_cgroup_v2_enable(int dir_fd, unsigned want, bool move, uint64_t deadline_ns, pid_t *ret_holder)
{
        char have_text[512], enabled_text[512];
        int r = nsb_cgroup_read(dir_fd, "cgroup.controllers", have_text, sizeof(have_text));
        if (r < 0)
                return r;
        r = nsb_cgroup_read(dir_fd, "cgroup.subtree_control", enabled_text, sizeof(enabled_text));
        if (r < 0)
                return r;
        unsigned missing = want & parse_controllers(have_text) & ~parse_controllers(enabled_text);
        if (!missing)
                return 0;
        /* The real root cgroup (the one without cgroup.type: a cgroup
         * namespace's top has one) is exempt from the no-internal-process
         * rule: its processes, the whole host's, stay where they are. */
        struct stat st;
        bool root = fstatat(dir_fd, "cgroup.type", &st, 0) < 0 && errno == ENOENT;
        if (!root) {
                /* The no-internal-process rule: a cgroup with processes
                 * hands no controller down.  Checked here, not left to the
                 * kernel: it refuses only the domain controllers (memory,
                 * io), and enabling a threaded one (cpu, pids) beside
                 * processes makes the cgroup a thread root, below which no
                 * domain cgroup (a build's) works. */
                pid_t holder = 0;
                r = nsb_cgroup_each_member(dir_fd, first_one, &holder);
                if (r < 0)
                        return r;
                if (r > 0 && !move) {
                        *ret_holder = holder;
                        return -EBUSY;
                }
                if (r > 0 && (r = move_into_leaf(dir_fd, deadline_ns, ret_holder)) < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(v2_controllers); i++) {
                if (!(missing & v2_controllers[i].bit))
                        continue;
                char enable[32];
                snprintf(enable, sizeof(enable), "+%s", v2_controllers[i].name);
                r = nsb_cgroup_write(dir_fd, "cgroup.subtree_control", enable);
                if (r < 0)
                        return r;
        }
        return 0;
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
        /* Never beside processes (see nsb_cgroup_v2_enable): a builder
         * that moved itself into the shared parent, a --cgroup-parent
         * that holds some. */
        pid_t holder = 0;
        r = nsb_cgroup_each_member(parent_fd, first_one, &holder);
        if (r != 0)
                return r < 0 ? r : -EBUSY;
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
