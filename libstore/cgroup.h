/* cgroup.h - a cgroup of its own for every build, on whatever hierarchies
 * the system mounts: cgroup.c finds them and does what is common,
 * cgroup-v1.c and cgroup-v2.c what differs.  Not installed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What a hierarchy gives a build. */
enum {
        NSB_CGC_CPU = 1 << 0,     /* cpu: quota (v1 cpu.cfs_*, v2 cpu.max) */
        NSB_CGC_CPUACCT = 1 << 1, /* CPU time used (v1 cpuacct; v2's cpu.stat needs no controller) */
        NSB_CGC_MEMORY = 1 << 2,
        NSB_CGC_PIDS = 1 << 3,
        NSB_CGC_FREEZER = 1 << 4, /* v1 freezer (v2 freezes in its core, but cgroup.kill is better) */
        NSB_CGC_KILL = 1 << 5,    /* v2 cgroup.kill, Linux 5.14 */
        NSB_CGC_IO = 1 << 6,      /* v2 only (v1's blkio is not used) */
        NSB_CGC_CPUSET = 1 << 7,  /* v2 only */
};

#define NSB_CGROUP_MAX 8
#define NSB_CGROUP_PARENT "nsbuild" /* the directory under our own cgroup */
/* The leaf of our own v2 cgroup its processes are moved into, so that
 * controllers can be handed down beside it (the no-internal-process
 * rule); a process in it makes builds' cgroups beside it, in its parent. */
#define NSB_CGROUP_CALLER "nsbuild-caller"

/* One hierarchy where builds' cgroups can be made. */
typedef struct nsb_cgroup_place {
        int version;              /* 1 or 2 */
        unsigned controllers;     /* NSB_CGC_* */
        char *dir;                /* the directory builds' cgroups are made in */
        bool shared;              /* it is NSB_CGROUP_PARENT below our own: made and removed by the runs */
        int err;                  /* 0, or why builds cannot have a cgroup there */
} nsb_cgroup_place;

/* The hierarchies of this process (from /proc/self/cgroup and
 * /proc/self/mountinfo) that have anything a build needs, each with
 * whether a build's cgroup can be made there: in NSB_CGROUP_PARENT below
 * our own cgroup, or, with PARENT (a cgroup path, as /proc/PID/cgroup
 * names them), directly in that cgroup where it exists.  Without PROBE,
 * where they are only (err 0, and no v2 controllers).  0 or negative
 * errno. */
int nsb_cgroup_places(const char *parent, bool probe, nsb_cgroup_place **ret_places, size_t *ret_n);
void nsb_cgroup_places_free(nsb_cgroup_place *p, size_t n);

/* A build's cgroup: one directory per hierarchy. */
typedef struct nsb_cgroup_dir {
        int version;
        unsigned controllers;
        char *path;               /* the directory */
        int fd;                   /* the directory */
        int procs_fd;             /* its cgroup.procs, written by the child to join */
        bool shared_parent;       /* its parent is NSB_CGROUP_PARENT, removed once unused */
} nsb_cgroup_dir;

typedef struct nsb_cgroup {
        size_t n;
        bool killed;              /* emptied by nsb_cgroup_kill() */
        /* Why a controller a limit needs could not be enabled above the
         * build's v2 cgroup (0: it was, or none was needed): the errno,
         * the cgroup, and a process that held it (EBUSY). */
        int enable_err;
        bool enable_moved;        /* its processes were being moved into its leaf */
        pid_t enable_holder;
        char enable_where[256];
        nsb_cgroup_dir dir[NSB_CGROUP_MAX];
} nsb_cgroup;

/* Make cgroup NAME (below NSB_CGROUP_PARENT in our own) in the unified
 * hierarchy, and in each v1 hierarchy that has a controller of WANT
 * (NSB_CGC_*) or, where there is no unified one to be had, in every v1
 * hierarchy (the freezer kills, cpuacct and memory count); each
 * directory's cgroup.procs open for the child.  (A v1 hierarchy is joined
 * only by a write to cgroup.procs, a migration, which costs an RCU grace
 * period; the unified one by clone3 at no cost.)  Returns 0 with CG->n >
 * 0; -ENOENT where no hierarchy has a place for it; another negative
 * errno (the first hierarchy's) where none could be made.  A hierarchy
 * that fails while another works is left out. */
int nsb_cgroup_create(nsb_cgroup *cg, const char *parent, const char *name, unsigned want);

/* Set a limit: VALUE into V2_FILE of the v2 directory whose cgroup has
 * CONTROLLER (NSB_CGC_*), else into V1_FILE (NULL: v1 has no such file)
 * of the v1 hierarchy that has it.  0; -ENODEV where no hierarchy of the
 * build's has the controller, -EOPNOTSUPP where only v1 has it and
 * V1_FILE is NULL; else the write's errno.  RET_WHERE (may be NULL) gets
 * the file written or tried. */
int nsb_cgroup_set(nsb_cgroup *cg, unsigned controller, const char *v2_file, const char *v1_file, const char *value,
                   char *ret_where, size_t where_size);

/* What stopped a build: processes the OOM killer killed in it, and
 * forks refused by pids.max. */
typedef struct nsb_cgroup_events {
        uint64_t oom_kills;
        uint64_t pids_max;
} nsb_cgroup_events;
void nsb_cgroup_events_read(const nsb_cgroup *cg, nsb_cgroup_events *ret);

/* Kill every process in the cgroup and wait until it is empty, until
 * DEADLINE_NS (CLOCK_MONOTONIC).  0, -ETIMEDOUT, or negative errno. */
int nsb_cgroup_kill(nsb_cgroup *cg, uint64_t deadline_ns);

typedef struct nsb_cgroup_usage {
        bool have_cpu, have_memory_peak, have_pids_peak;
        uint64_t user_usec, system_usec;
        uint64_t memory_peak;     /* bytes */
        uint64_t pids_peak;       /* pids.peak, Linux 6.1 (v1 and v2) */
} nsb_cgroup_usage;
/* What the cgroup's processes used, from whichever hierarchy says it. */
void nsb_cgroup_usage_read(const nsb_cgroup *cg, nsb_cgroup_usage *ret);

/* Kill (as nsb_cgroup_kill), remove every directory, close everything.
 * 0, or the first error (what could not be removed stays listed). */
int nsb_cgroup_destroy(nsb_cgroup *cg, uint64_t deadline_ns);

/* A cgroup directory PATH that a killed run left: if it is a cgroup
 * named as nsbuild names them, kill what is in it and remove it (and
 * with SHARED_PARENT its parent, the runs' NSB_CGROUP_PARENT, once
 * empty; never a parent the caller chose).  1 when
 * removed, 0 when gone or not ours (left alone), or negative errno. */
int nsb_cgroup_remove_leftover(const char *path, bool shared_parent);

/* ---- per hierarchy kind ---- */

/* cgroup-v1.c */
unsigned nsb_cgroup_v1_controllers(const char *super_options);
int nsb_cgroup_v1_freeze(int dir_fd, bool frozen, uint64_t deadline_ns);
void nsb_cgroup_v1_usage(int dir_fd, unsigned controllers, nsb_cgroup_usage *u);

/* cgroup-v2.c */
unsigned nsb_cgroup_v2_controllers(int dir_fd);
int nsb_cgroup_v2_prepare_parent(int parent_fd);
/* Enable the controllers of WANT (NSB_CGC_*) that DIR_FD's cgroup has in
 * its cgroup.subtree_control.  A cgroup with processes refuses (EBUSY):
 * with MOVE, its processes are moved into its leaf NSB_CGROUP_CALLER
 * first (until none is left, or DEADLINE_NS).  0, or negative errno;
 * on EBUSY, RET_HOLDER gets a process still there. */
int nsb_cgroup_v2_enable(int dir_fd, unsigned want, bool move, uint64_t deadline_ns, pid_t *ret_holder);
int nsb_cgroup_v2_kill(int dir_fd);
void nsb_cgroup_v2_usage(int dir_fd, unsigned controllers, nsb_cgroup_usage *u);

/* cgroup.c, for the two: read a small interface file of DIR_FD (NUL
 * terminated, at most SIZE - 1 bytes), write one. */
int nsb_cgroup_read(int dir_fd, const char *file, char *buf, size_t size);
int nsb_cgroup_write(int dir_fd, const char *file, const char *value);
/* Call FN for each pid of DIR_FD's cgroup.procs (read in pieces: a fork
 * loop's list has no bound); how many were listed, or negative errno. */
int nsb_cgroup_each_member(int dir_fd, void (*fn)(pid_t pid, void *userdata), void *userdata);
/* The number after KEY (a line "KEY N") in an interface file's text. */
bool nsb_cgroup_keyed(const char *text, const char *key, uint64_t *ret);
