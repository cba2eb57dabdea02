/* cgroup.c - a cgroup of its own for every build.
 *
 * Which hierarchies: every one this process is in that gives a build
 * something (the unified one, for its kill and CPU time even without
 * controllers; the v1 hierarchies of cpu, cpuacct, memory, pids and the
 * freezer), read from /proc/self/cgroup and /proc/self/mountinfo.  Where:
 * below our own cgroup in each, in a directory "nsbuild" of its own (never
 * above or beside what we were given: a delegated subtree is all an
 * ordinary user may write, and a container's cgroup all its root may).
 * The build's cgroup is named after the run ("nsbuild-run-..."), which the
 * journal records, so that the next run removes what a killed one left.
 * The child joins it (writes "0" to the cgroup.procs we opened for it)
 * before anything of the builder's runs; everything it starts inherits
 * it, however it forks, detaches or changes its uid.  At the end the
 * whole cgroup is killed (cgroup.kill on v2, Linux 5.14; else frozen,
 * each member SIGKILLed through a pidfd after checking it is still a
 * member, thawed, until none is left) and removed. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/ioctl.h>
#include <sys/xattr.h>
#include <time.h>

#include "cgroup.h"
#include "compat/compat.h"
#include "internal.h"

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define NAME_PREFIX "nsbuild-"

int nsb_cgroup_read(int dir_fd, const char *file, char *buf, size_t size)
{
        return read_small_at(dir_fd, file, buf, size);
}

int nsb_cgroup_write(int dir_fd, const char *file, const char *value)
{
        _cleanup_close_ int fd = openat(dir_fd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        /* One write: an interface file takes one value a write. */
        ssize_t n = write(fd, value, strlen(value));
        if (n < 0)
                return -errno;
        return (size_t) n == strlen(value) ? 0 : -EIO;
}

bool nsb_cgroup_keyed(const char *text, const char *key, uint64_t *ret)
{
        size_t klen = strlen(key);
        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
                        char *end;
                        errno = 0;
                        unsigned long long v = strtoull(p + klen + 1, &end, 10);
                        if (errno || end == p + klen + 1)
                                return false;
                        *ret = v;
                        return true;
                }
        }
        return false;
}

/* ---- where ---- */

/* A mountinfo field with its octal escapes (\040) undone, in place. */
static void unescape(char *s)
{
        char *out = s;
        for (char *in = s; *in; in++) {
                if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' && in[3] >= '0' &&
                    in[3] <= '7') {
                        *out++ = (char) ((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
                        in += 3;
                } else
                        *out++ = *in;
        }
        *out = '\0';
}

struct own_line {
        int version;
        unsigned controllers;
        char *path;
};

/* Our cgroup in each hierarchy, from /proc/self/cgroup. */
static int read_own(struct own_line **ret, size_t *ret_n)
{
        nsb_lines lines;
        int r = nsb_lines_open(&lines, "/proc/self/cgroup");
        if (r < 0)
                return r;
        struct own_line *v = NULL;
        size_t n = 0, alloc = 0;
        char *line;
        while ((line = nsb_lines_next(&lines))) {
                char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2)
                        continue;
                *c1 = *c2 = '\0';
                struct own_line o = { .version = strcmp(line, "0") == 0 && c1[1] == '\0' ? 2 : 1 };
                o.controllers = o.version == 1 ? nsb_cgroup_v1_controllers(c1 + 1) : 0;
                if (o.version == 1 && !o.controllers)
                        continue; /* name=systemd and the controllers a build has no use for */
                if (GROW(v, alloc, n) < 0 || !(o.path = strdup(c2 + 1))) {
                        r = -ENOMEM;
                        break;
                }
                v[n++] = o;
        }
        if (r == 0)
                r = lines.err;
        nsb_lines_close(&lines);
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        free(v[i].path);
                free(v);
                return r;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

void nsb_cgroup_places_free(nsb_cgroup_place *p, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(p[i].dir);
        }
        free(p);
}

/* Whether the mount of ID (mountinfo's first field) is the one MNT leads
 * to.  Where the kernel cannot say (no file handles here), it is taken to
 * be; where MNT leads nowhere (another mount covers it), it is not. */
/* PATH's file handle (a cgroup directory's is its 64-bit id) and the id
 * of the mount it is on: 0, or -errno. */
static int handle_of(const char *path, uint64_t *ret_id, bool *ret_has_id, int *ret_mount_id)
{
        union {
                struct file_handle handle;
                /* cppcheck-suppress unusedStructMember ; room for the handle */
                char space[sizeof(struct file_handle) + MAX_HANDLE_SZ];
        } h = { .handle.handle_bytes = MAX_HANDLE_SZ };
        if (name_to_handle_at(AT_FDCWD, path, &h.handle, ret_mount_id, 0) < 0)
                return -errno;
        *ret_has_id = h.handle.handle_bytes == sizeof(*ret_id);
        if (*ret_has_id)
                memcpy(ret_id, h.handle.f_handle, sizeof(*ret_id));
        return 0;
}

static bool mounted_at(const char *mnt, const char *id)
{
        uint64_t handle;
        bool has_id;
        int mount_id, r = handle_of(mnt, &handle, &has_id, &mount_id);
        if (r < 0)
                return r == -EOPNOTSUPP || r == -ENOSYS || r == -EOVERFLOW;
        char *end;
        errno = 0;
        long want = strtol(id, &end, 10);
        return errno || *end || want == mount_id;
}

int nsb_cgroup_places(const char *parent, bool probe, nsb_cgroup_place **ret_places, size_t *ret_n)
{
        struct own_line *own = NULL;
        size_t n_own = 0;
        int r = read_own(&own, &n_own);
        if (r < 0)
                return r;
        nsb_lines mounts;
        r = nsb_lines_open(&mounts, "/proc/self/mountinfo");
        if (r < 0)
                goto out;
        nsb_cgroup_place *places = NULL;
        size_t n = 0, alloc = 0;
        unsigned done = 0, wanted = 0; /* the v1 controllers found so far (a hierarchy may be mounted twice) */
        bool done_v2 = false, wanted_v2 = false;
        for (size_t k = 0; k < n_own; k++) {
                if (own[k].version == 2)
                        wanted_v2 = true;
                else
                        wanted |= own[k].controllers;
        }
        char *line;
        /* Until every hierarchy we are in is found: the mounts after it
         * (a container host's, a desktop's hundreds) are never made. */
        while (r == 0 && ((wanted & ~done) || (wanted_v2 && !done_v2)) && (line = nsb_lines_next(&mounts))) {
                /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS;
                 * ROOT and MOUNTPOINT have their spaces escaped. */
                char *dash = strstr(line, " - ");
                if (!dash)
                        continue;
                *dash = '\0';
                char *field[5], *save = NULL, *p = line;
                int i;
                for (i = 0; i < 5 && (field[i] = strtok_r(p, " ", &save)); i++)
                        p = NULL;
                if (i < 5)
                        continue;
                char *fstype = strtok_r(dash + 3, " ", &save), *source = strtok_r(NULL, " ", &save);
                char *super = strtok_r(NULL, " ", &save);
                if (!fstype || !source || !super)
                        continue;
                int version = strcmp(fstype, "cgroup2") == 0 ? 2 : strcmp(fstype, "cgroup") == 0 ? 1 : 0;
                unsigned controllers = version == 1 ? nsb_cgroup_v1_controllers(super) : 0;
                if (!version || (version == 1 && (!controllers || (controllers & done))) || (version == 2 && done_v2))
                        continue;
                const struct own_line *o = NULL;
                for (size_t k = 0; k < n_own && !o; k++)
                        if (own[k].version == version && own[k].controllers == controllers)
                                o = &own[k];
                if (!o)
                        continue;
                char *root = field[3], *mnt = field[4];
                unescape(root);
                unescape(mnt);
                /* A mount another one covers (a cgroup bind-mounted over
                 * it, say) is listed all the same; its mount point leads
                 * to the one on top. */
                if (!mounted_at(mnt, field[0]))
                        continue;
                /* The cgroup must be visible in this mount: below its root. */
                /* A process in the leaf we moved our cgroup's processes
                 * into makes builds beside it, where the controllers are
                 * handed down. */
                const char *base = parent ? parent : o->path, *leaf = path_basename(o->path);
                _cleanup_free_ char *up = NULL;
                if (!parent && version == 2 && strcmp(leaf, NSB_CGROUP_CALLER) == 0) {
                        /* "/A/nsbuild-caller" is in "/A"; "/nsbuild-caller"
                         * (the top of a cgroup namespace) in "/". */
                        if (!(up = leaf > o->path + 1 ? strndup(o->path, (size_t) (leaf - o->path - 1)) : strdup("/"))) {
                                r = -ENOMEM;
                                break;
                        }
                        base = up;
                }
                size_t rlen = strcmp(root, "/") == 0 ? 0 : strlen(root);
                if (strncmp(base, root, rlen) != 0 || (base[rlen] != '/' && base[rlen] != '\0'))
                        continue;
                if (GROW(places, alloc, n) < 0) {
                        r = -ENOMEM;
                        break;
                }
                nsb_cgroup_place *pl = &places[n];
                *pl = (nsb_cgroup_place){ .version = version, .controllers = controllers, .shared = !parent };
                const char *rest = base + rlen, *sub = parent ? "" : "/" NSB_CGROUP_PARENT;
                if (strcmp(rest, "/") == 0)
                        rest = "";
                if (asprintf(&pl->dir, "%s%s%s", mnt, rest, sub) < 0) {
                        pl->dir = NULL;
                        r = -ENOMEM;
                        break;
                }
                n++;
                if (version == 1)
                        done |= controllers;
                else
                        done_v2 = true;
                if (!probe)
                        continue;
                /* Writable: the directory builds are made in, or, for the
                 * shared one that is not there, the one above, where a
                 * run makes it. */
                _cleanup_close_ int dfd = open(pl->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd < 0 && errno == ENOENT && pl->shared) {
                        char *slash = strrchr(pl->dir, '/');
                        *slash = '\0';
                        dfd = open(pl->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        *slash = '/';
                }
                if (dfd < 0)
                        pl->err = errno;
                else {
                        if (version == 2)
                                pl->controllers = nsb_cgroup_v2_controllers(dfd);
                        pl->err = faccessat(dfd, ".", W_OK, AT_EACCESS) < 0 ? errno : 0;
                }
        }
        if (r == 0)
                r = mounts.err;
        nsb_lines_close(&mounts);
        if (r < 0) {
                nsb_cgroup_places_free(places, n);
                goto out;
        }
        *ret_places = places;
        *ret_n = n;
out:
        for (size_t k = 0; k < n_own; k++)
                free(own[k].path);
        free(own);
        return r;
}

/* The unified hierarchy's place without /proc/self/mountinfo, which the
 * kernel makes anew for every reader (a third of what a build's cgroup
 * costs nsbuild here).  Where the kernel tells a process its cgroup's id
 * (PIDFD_GET_INFO, Linux 6.13), the usual mount points are tried, and one
 * is taken only where our own cgroup's directory under it has that id
 * (what a bind mount of another cgroup, or a root other than ours, would
 * not).  0 with *RET set; -ENOENT where this cannot tell (then mountinfo
 * does); -ENOMEM. */
#ifndef PIDFD_GET_INFO
struct pidfd_info {
        uint64_t mask;
        uint64_t cgroupid;
        /* cppcheck-suppress unusedStructMember ; the kernel fills them */
        uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid, spare0[1];
};
#define PIDFD_GET_INFO _IOWR(0xFF, 11, struct pidfd_info)
#define PIDFD_INFO_CGROUPID (1UL << 2)
#endif

static bool own_cgroup_id(uint64_t *ret)
{
        static atomic_bool unsupported;
        if (atomic_load(&unsupported))
                return false;
        /* A kernel without pidfds or without the ioctl is not asked
         * again by the next build of this process; a full file table is. */
        _cleanup_close_ int pidfd = pidfd_open(getpid(), 0);
        if (pidfd < 0) {
                if (errno == ENOSYS)
                        atomic_store(&unsupported, true);
                return false;
        }
        struct pidfd_info info = { .mask = PIDFD_INFO_CGROUPID };
        if (ioctl(pidfd, PIDFD_GET_INFO, &info) < 0 || !(info.mask & PIDFD_INFO_CGROUPID)) {
                atomic_store(&unsupported, true);
                return false;
        }
        *ret = info.cgroupid;
        return true;
}

/* Whether PATH is the cgroup v2 directory whose id is ID. */
static bool cgroup_has_id(const char *path, uint64_t id)
{
        uint64_t got;
        bool has_id;
        int mount_id;
        return handle_of(path, &got, &has_id, &mount_id) == 0 && has_id && got == id;
}

/* The place for builds in the unified hierarchy mounted at MOUNT, where
 * our own cgroup is PATH, as nsb_cgroup_places() makes it (the caller's
 * leaf, --cgroup-parent). */
static int place_at(const char *mount, const char *path, const char *parent, nsb_cgroup_place *ret)
{
        const char *leaf = path_basename(path), *base = path;
        _cleanup_free_ char *up = NULL;
        if (parent)
                base = parent;
        else if (strcmp(leaf, NSB_CGROUP_CALLER) == 0) {
                if (!(up = leaf > path + 1 ? strndup(path, (size_t) (leaf - path - 1)) : strdup("/")))
                        return -ENOMEM;
                base = up;
        }
        *ret = (nsb_cgroup_place){ .version = 2, .shared = !parent };
        if (asprintf(&ret->dir, "%s%s%s", mount, strcmp(base, "/") == 0 ? "" : base,
                     parent ? "" : "/" NSB_CGROUP_PARENT) < 0) {
                ret->dir = NULL;
                return -ENOMEM;
        }
        return 0;
}

static int unified_by_id(const char *parent, nsb_cgroup_place *ret)
{
        uint64_t id;
        if (!own_cgroup_id(&id))
                return -ENOENT;
        static const char *const mounts[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
        bool unified[ELEMENTSOF(mounts)] = { false };
        /* Our cgroup at a mount's root (root's own on a host without
         * systemd, a container's in its cgroup namespace): not even
         * /proc/self/cgroup is read. */
        for (size_t i = 0; i < ELEMENTSOF(mounts); i++) {
                struct statfs sfs;
                unified[i] = statfs(mounts[i], &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
                if (unified[i] && cgroup_has_id(mounts[i], id))
                        return place_at(mounts[i], "/", parent, ret);
        }
        if (!unified[0] && !unified[1])
                return -ENOENT;
        struct own_line *own = NULL;
        size_t n_own = 0;
        int r = read_own(&own, &n_own);
        if (r < 0)
                return r == -ENOMEM ? r : -ENOENT;
        const char *path = NULL;
        for (size_t k = 0; k < n_own && !path; k++)
                if (own[k].version == 2)
                        path = own[k].path;
        r = -ENOENT;
        for (size_t i = 0; path && path[0] == '/' && i < ELEMENTSOF(mounts) && r == -ENOENT; i++) {
                _cleanup_free_ char *dir = NULL;
                if (!unified[i])
                        continue;
                if (asprintf(&dir, "%s%s", mounts[i], strcmp(path, "/") == 0 ? "" : path) < 0)
                        r = -ENOMEM;
                else if (cgroup_has_id(dir, id))
                        r = place_at(mounts[i], path, parent, ret);
        }
        for (size_t k = 0; k < n_own; k++)
                free(own[k].path);
        free(own);
        return r;
}

/* ---- members ---- */

/* Whether PID (through PIDFD, which pins it) is in a cgroup named NAME:
 * a line of /proc/PID/cgroup ends in "/NAME".  Names are unique per run,
 * so this tells a member from a process that got a recycled pid. */
static bool is_member(pid_t pid, const char *name)
{
        char path[64], buf[16384];
        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) pid);
        if (read_small_at(AT_FDCWD, path, buf, sizeof(buf)) <= 0)
                return false;
        /* "/NAME" at the end of a line, or "/NAME/" in it: a cgroup the
         * builder made below the build's (where it may) is the build's. */
        size_t nlen = strlen(name);
        for (char *line = buf; *line;) {
                char *end = strchr(line, '\n');
                size_t len = end ? (size_t) (end - line) : strlen(line);
                for (const char *p = line; (p = memmem(p, len - (size_t) (p - line), name, nlen));) {
                        if (p > line && p[-1] == '/' && (p + nlen == line + len || p[nlen] == '/'))
                                return true;
                        p += nlen;
                        if ((size_t) (p - line) >= len)
                                break;
                }
                line += len + (end ? 1 : 0);
        }
        return false;
}

static void kill_member(pid_t pid, const char *name)
{
        _cleanup_close_ int pidfd = pidfd_open(pid, 0);
        bool no_pidfds = pidfd < 0 && errno == ENOSYS;
        if (pidfd < 0 && !no_pidfds)
                return; /* gone (or no fd to be had: the next round tries again) */
        if (!is_member(pid, name))
                return;
        /* Through the pidfd only: it pins the process, where a pid may be
         * recycled once the member is reaped.  kill() only where the
         * kernel has no pidfds (before 5.3). */
        if (no_pidfds)
                (void) kill(pid, SIGKILL);
        else
                (void) pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
}

int nsb_cgroup_each_member(int dir_fd, void (*fn)(pid_t pid, void *userdata), void *userdata)
{
        _cleanup_close_ int fd = openat(dir_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        char buf[4096];
        int listed = 0;
        long pid = -1;
        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                for (ssize_t i = 0; i < n; i++) {
                        if (buf[i] >= '0' && buf[i] <= '9')
                                pid = (pid < 0 ? 0 : pid * 10) + (buf[i] - '0');
                        else if (pid >= 0) {
                                listed++;
                                if (fn)
                                        fn((pid_t) pid, userdata);
                                pid = -1;
                        }
                }
                if (n == 0)
                        break;
        }
        if (pid >= 0) {
                listed++;
                if (fn)
                        fn((pid_t) pid, userdata);
        }
        return listed;
}

static void kill_one(pid_t pid, void *name)
{
        kill_member(pid, name);
}

/* SIGKILL every member of DIR_FD's cgroup.procs that is still a member;
 * how many were listed (0: empty), or negative errno. */
static int kill_members(int dir_fd, const char *name, bool really)
{
        return nsb_cgroup_each_member(dir_fd, really ? kill_one : NULL, (void *) name);
}

static void pause_a_little(void)
{
        (void) nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
}

/* Kill everything in the directories FDS (N of them, with the controllers
 * given), named NAME, until all are empty or DEADLINE_NS. */
static int kill_all(const int *fds, const unsigned *controllers, size_t n, const char *name, uint64_t deadline_ns)
{
        ssize_t killer = -1, freezer = -1;
        for (size_t i = 0; i < n; i++) {
                if ((controllers[i] & NSB_CGC_KILL) && killer < 0)
                        killer = (ssize_t) i;
                if ((controllers[i] & NSB_CGC_FREEZER) && freezer < 0)
                        freezer = (ssize_t) i;
        }
        bool used_kill = killer >= 0 && nsb_cgroup_v2_kill(fds[killer]) == 0;
        for (;;) {
                /* Frozen, nothing forks while its pids are killed; SIGKILL
                 * takes effect once thawed (v1 holds even it). */
                /* Thawed whatever the freeze's wait said: a task in an
                 * uninterruptible sleep keeps the state at FREEZING, and
                 * a cgroup left frozen would hold even SIGKILL. */
                bool frozen = !used_kill && freezer >= 0 &&
                              nsb_cgroup_v1_freeze(fds[freezer], true, deadline_ns) != -ENOENT;
                int left = 0, err = 0;
                for (size_t i = 0; i < n; i++) {
                        int r = kill_members(fds[i], name, !used_kill);
                        if (r < 0 && r != -ENOENT && !err)
                                err = r;
                        if (r > 0)
                                left += r;
                }
                if (frozen)
                        (void) nsb_cgroup_v1_freeze(fds[freezer], false, now_ns() + 1000000000ULL);
                if (left == 0)
                        return err;
                if (now_ns() >= deadline_ns)
                        return -ETIMEDOUT;
                pause_a_little();
                /* cgroup.kill reaches what is there when it is written;
                 * a member that was being created then is caught next
                 * time. */
                if (used_kill)
                        (void) nsb_cgroup_v2_kill(fds[killer]);
        }
}

/* ---- a build's cgroup ---- */

static void dir_close(nsb_cgroup_dir *d)
{
        close_and_invalidate(&d->fd);
        close_and_invalidate(&d->procs_fd);
        free(d->path);
        d->path = NULL;
}

/* Hand the v2 directory PARENT's controllers down to the builds below it
 * (best effort: a build without one is told when it needs it). */
static void prepare_parent(const char *parent)
{
        _cleanup_close_ int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pfd >= 0)
                (void) nsb_cgroup_v2_prepare_parent(pfd);
}

/* Whether the processes of our own cgroup OWN_FD may be moved into a leaf
 * of it: where it was delegated to us (as an ordinary user we can write
 * it only then; systemd marks what it delegates with a "delegate"
 * attribute), or where no systemd manages cgroups (a container's root, a
 * system without systemd: nothing else would put them back).  Never in a
 * cgroup systemd manages for root without Delegate=: it owns that one. */
static bool may_move_own(int own_fd)
{
        char v[8];
        if (geteuid() != 0)
                return true;
        if (fgetxattr(own_fd, "trusted.delegate", v, sizeof(v)) > 0 ||
            fgetxattr(own_fd, "user.delegate", v, sizeof(v)) > 0)
                return true;
        return access("/run/systemd/system", F_OK) < 0;
}

/* Our own v2 cgroup OWN, the shared parent's parent: the controllers of
 * WANT it has, enabled for the cgroups below it (the shared parent). */
static void enable_in_own(nsb_cgroup *cg, const char *own, unsigned want)
{
        _cleanup_close_ int ofd = open(own, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (ofd < 0)
                return;
        pid_t holder = 0;
        bool move = may_move_own(ofd);
        int r = nsb_cgroup_v2_enable(ofd, want, move, now_ns() + 2 * 1000000000ULL, &holder);
        if (r < 0 && !cg->enable_err) {
                cg->enable_err = -r;
                cg->enable_moved = move;
                cg->enable_holder = holder;
                snprintf(cg->enable_where, sizeof(cg->enable_where), "%s", own);
        }
}

/* mkdir PARENT/NAME; a shared PARENT too, and again if a run that
 * finished meanwhile removed it; with WANT (v2 controllers a limit needs)
 * they are enabled on the way down, and a PARENT this makes gets its
 * controllers, whoever made the one before. */
static int make_dir(nsb_cgroup *cg, const char *parent, bool shared, unsigned want, const char *name,
                    char **ret_path)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", parent, name) < 0)
                return -ENOMEM;
        bool prepare = want != 0;
        if (prepare && !shared)
                prepare_parent(parent);
        if (prepare && shared) {
                char *slash = strrchr(parent, '/');
                _cleanup_free_ char *own = slash ? strndup(parent, (size_t) (slash - parent)) : NULL;
                if (own)
                        enable_in_own(cg, own, want);
        }
        for (int tries = 0;; tries++) {
                if (shared) {
                        if (mkdir(parent, 0755) == 0) {
                                if (prepare)
                                        prepare_parent(parent);
                        } else if (errno != EEXIST)
                                return -errno;
                        else if (prepare && tries == 0)
                                prepare_parent(parent); /* made by a run without limits */
                }
                if (mkdir(path, 0755) == 0)
                        break;
                if (errno != ENOENT || tries >= 10)
                        return -errno;
        }
        *ret_path = TAKE_PTR(path);
        return 0;
}

/* Make the build's directory NAME in each of PLACES that it needs (the
 * unified hierarchy first: where it has a place, the v1 hierarchies are
 * joined only for the controllers of WANT).  0 (CG->n says how many were
 * made), the first failure's -errno where none was, or -ENOMEM. */
static int make_in(nsb_cgroup *cg, nsb_cgroup_place *places, size_t n, const char *name, unsigned want)
{
        int first_err = -ENOENT;
        bool unified = false;
        for (size_t k = 0; k < 2 * n && cg->n < NSB_CGROUP_MAX; k++) {
                nsb_cgroup_place *pl = &places[k % n];
                if ((k < n) != (pl->version == 2))
                        continue;
                if (pl->version == 1 && unified && !(pl->controllers & want))
                        continue;
                nsb_cgroup_dir *d = &cg->dir[cg->n];
                d->shared_parent = pl->shared;
                int r = make_dir(cg, pl->dir, pl->shared, pl->version == 2 ? want : 0, name, &d->path);
                if (r == 0 && (d->fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
                        r = -errno;
                if (r == 0 && (d->procs_fd = openat(d->fd, "cgroup.procs", O_WRONLY | O_CLOEXEC)) < 0)
                        r = -errno;
                if (r < 0) {
                        if (d->path)
                                (void) rmdir(d->path);
                        dir_close(d);
                        if (r == -ENOMEM)
                                return r;
                        if (first_err == -ENOENT)
                                first_err = r;
                        continue;
                }
                d->version = pl->version;
                d->controllers = pl->version == 2 ? nsb_cgroup_v2_controllers(d->fd) : pl->controllers;
                if (pl->version == 2)
                        unified = true;
                cg->n++;
        }
        return cg->n ? 0 : first_err;
}

int nsb_cgroup_create(nsb_cgroup *cg, const char *parent, const char *name, unsigned want)
{
        *cg = (nsb_cgroup){ 0 };
        for (size_t i = 0; i < NSB_CGROUP_MAX; i++)
                cg->dir[i].fd = cg->dir[i].procs_fd = -1;
        /* Unprobed: whether a place can be had is found by making the
         * build's directory there, which is all a build needs to know (a
         * probe of every hierarchy cost more than the rest of the cgroup's
         * setup).  Without limits a build needs only the unified
         * hierarchy, where there is one: found by its id where the kernel
         * can say it; where that place fails, the others are tried as
         * always. */
        if (!want) {
                nsb_cgroup_place fast;
                int q = unified_by_id(parent, &fast);
                if (q == 0) {
                        q = make_in(cg, &fast, 1, name, 0);
                        free(fast.dir);
                        if (q == 0 || q == -ENOMEM)
                                return q;
                } else if (q != -ENOENT)
                        return q;
        }
        nsb_cgroup_place *places = NULL;
        size_t n = 0;
        int r = nsb_cgroup_places(parent, false, &places, &n);
        if (r < 0)
                return r;
        r = make_in(cg, places, n, name, want);
        nsb_cgroup_places_free(places, n);
        if (r == -ENOMEM)
                (void) nsb_cgroup_destroy(cg, now_ns());
        return r;
}

/* Whether nothing runs in any of CG's directories or below them: v2's
 * cgroup.events says so for a whole subtree in one read ("populated 0";
 * a builder that may make cgroups below the build's can move itself into
 * one, which cgroup.procs would not list).  A v1 directory has no such
 * file: false. */
static bool subtree_empty(const nsb_cgroup *cg)
{
        char buf[256];
        uint64_t populated;
        for (size_t i = 0; i < cg->n; i++)
                if (cg->dir[i].version != 2 || nsb_cgroup_read(cg->dir[i].fd, "cgroup.events", buf, sizeof(buf)) < 0 ||
                    !nsb_cgroup_keyed(buf, "populated", &populated) || populated != 0)
                        return false;
        return true;
}

int nsb_cgroup_kill(nsb_cgroup *cg, uint64_t deadline_ns)
{
        if (cg->n == 0 || cg->killed)
                return 0;
        /* Most builds leave nothing (the full tier's PID namespace ends
         * with its first process): where the kernel says so, nothing is
         * written.  Nothing enters an empty cgroup of ours but by being
         * born in it or moved there by its owner. */
        if (subtree_empty(cg)) {
                cg->killed = true;
                return 0;
        }
        int fds[NSB_CGROUP_MAX];
        unsigned controllers[NSB_CGROUP_MAX];
        for (size_t i = 0; i < cg->n; i++) {
                fds[i] = cg->dir[i].fd;
                controllers[i] = cg->dir[i].controllers;
        }
        int r = kill_all(fds, controllers, cg->n, path_basename(cg->dir[0].path), deadline_ns);
        cg->killed = r == 0;
        return r;
}

int nsb_cgroup_set(nsb_cgroup *cg, unsigned controller, const char *v2_file, const char *v1_file, const char *value,
                   char *ret_where, size_t where_size)
{
        /* v2 first: where a controller is on both (never at once on a
         * sane system), the unified hierarchy is the one that is meant. */
        for (int version = 2; version >= 1; version--)
                for (size_t i = 0; i < cg->n; i++) {
                        nsb_cgroup_dir *d = &cg->dir[i];
                        if (d->version != version || !(d->controllers & controller))
                                continue;
                        const char *file = version == 2 ? v2_file : v1_file;
                        if (!file)
                                return -EOPNOTSUPP;
                        if (ret_where)
                                snprintf(ret_where, where_size, "%s/%s", d->path, file);
                        return nsb_cgroup_write(d->fd, file, value);
                }
        return -ENODEV;
}

void nsb_cgroup_events_read(const nsb_cgroup *cg, nsb_cgroup_events *ret)
{
        *ret = (nsb_cgroup_events){ 0 };
        char buf[1024];
        for (size_t i = 0; i < cg->n; i++) {
                const nsb_cgroup_dir *d = &cg->dir[i];
                uint64_t v;
                /* v2 memory.events, v1 memory.oom_control (Linux 4.13):
                 * "oom_kill N", processes the OOM killer killed, of any
                 * cause (the host's own shortage too): counted only where
                 * the cgroup's limit was reached (v2 "oom N"; v1 has no
                 * such count, and memory.failcnt stays 0 on Linux 6.18:
                 * the peak at the limit). */
                uint64_t hit = 0;
                if ((d->controllers & NSB_CGC_MEMORY) &&
                    nsb_cgroup_read(d->fd, d->version == 2 ? "memory.events" : "memory.oom_control", buf,
                                    sizeof(buf)) >= 0 &&
                    nsb_cgroup_keyed(buf, "oom_kill", &v)) {
                        if (d->version == 2)
                                (void) nsb_cgroup_keyed(buf, "oom", &hit);
                        else {
                                uint64_t peak = 0, limit = UINT64_MAX;
                                if (nsb_cgroup_read(d->fd, "memory.max_usage_in_bytes", buf, sizeof(buf)) > 0)
                                        peak = strtoull(buf, NULL, 10);
                                if (nsb_cgroup_read(d->fd, "memory.limit_in_bytes", buf, sizeof(buf)) > 0)
                                        limit = strtoull(buf, NULL, 10);
                                hit = peak >= limit;
                        }
                        if (hit)
                                ret->oom_kills += v;
                }
                if ((d->controllers & NSB_CGC_PIDS) && nsb_cgroup_read(d->fd, "pids.events", buf, sizeof(buf)) >= 0 &&
                    nsb_cgroup_keyed(buf, "max", &v))
                        ret->pids_max += v;
        }
}

void nsb_cgroup_usage_read(const nsb_cgroup *cg, nsb_cgroup_usage *ret)
{
        *ret = (nsb_cgroup_usage){ 0 };
        for (size_t i = 0; i < cg->n; i++) {
                char buf[64];
                if ((cg->dir[i].controllers & NSB_CGC_PIDS) && !ret->have_pids_peak &&
                    nsb_cgroup_read(cg->dir[i].fd, "pids.peak", buf, sizeof(buf)) > 0) {
                        char *end;
                        errno = 0;
                        unsigned long long v = strtoull(buf, &end, 10);
                        if (!errno && end != buf) {
                                ret->have_pids_peak = true;
                                ret->pids_peak = v;
                        }
                }
                if (cg->dir[i].version == 2)
                        nsb_cgroup_v2_usage(cg->dir[i].fd, cg->dir[i].controllers, ret);
                else
                        nsb_cgroup_v1_usage(cg->dir[i].fd, cg->dir[i].controllers, ret);
        }
}

/* rmdir, again while the kernel still counts a member that is exiting. */
/* A subdirectory of DIR_FD's (a cgroup the builder made below the
 * build's, where it may), or NULL. */
static char *first_child(int dir_fd)
{
        int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd < 0 ? NULL : fdopendir(fd);
        if (!d) {
                if (fd >= 0)
                        close(fd);
                return NULL;
        }
        char *name = NULL;
        struct dirent *de;
        while (!name && (de = readdir(d)))
                if (de->d_type == DT_DIR && strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        name = strdup(de->d_name);
        closedir(d);
        return name;
}

/* rmdir PATH, a build's cgroup: first any cgroups the builder made below
 * it, leaf by leaf, each emptied (in the build's cgroup is in them), then
 * it, again while the kernel still counts a member that is exiting.
 * Iterative, with one path and one fd: the builder chooses the depth. */
static int remove_dir(const char *path, uint64_t deadline_ns)
{
        const char *name = path_basename(path);
        for (;;) {
                if (rmdir(path) == 0 || errno == ENOENT)
                        return 0;
                if ((errno != EBUSY && errno != ENOTEMPTY) || now_ns() >= deadline_ns)
                        return -errno;
                /* Down to a leaf below, if there is one. */
                _cleanup_free_ char *leaf = strdup(path);
                if (!leaf)
                        return -ENOMEM;
                for (;;) {
                        _cleanup_close_ int fd = open(leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        _cleanup_free_ char *child = fd < 0 ? NULL : first_child(fd);
                        if (!child) {
                                if (fd >= 0)
                                        (void) kill_members(fd, name, true);
                                break;
                        }
                        char *deeper;
                        if (asprintf(&deeper, "%s/%s", leaf, child) < 0)
                                return -ENOMEM;
                        free(leaf);
                        leaf = deeper;
                }
                if (strcmp(leaf, path) != 0 && rmdir(leaf) == 0)
                        continue;
                pause_a_little();
        }
}

int nsb_cgroup_destroy(nsb_cgroup *cg, uint64_t deadline_ns)
{
        int r = nsb_cgroup_kill(cg, deadline_ns);
        size_t kept = 0;
        for (size_t i = 0; i < cg->n; i++) {
                nsb_cgroup_dir *d = &cg->dir[i];
                close_and_invalidate(&d->procs_fd);
                int q = remove_dir(d->path, deadline_ns);
                if (q < 0) {
                        if (r == 0)
                                r = q;
                        cg->dir[kept++] = *d;
                        continue;
                }
                /* The shared parent too, once no run uses it; a run that
                 * is about to makes it again (make_dir). */
                char *slash = strrchr(d->path, '/');
                if (slash && d->shared_parent) {
                        *slash = '\0';
                        (void) rmdir(d->path);
                }
                dir_close(d);
        }
        for (size_t i = kept; i < cg->n; i++)
                cg->dir[i].fd = cg->dir[i].procs_fd = -1;
        cg->n = kept;
        return r;
}

int nsb_cgroup_remove_leftover(const char *path, bool shared_parent)
{
        const char *name = path_basename(path);
        if (!path_is_normal_absolute(path) || strncmp(name, NAME_PREFIX, strlen(NAME_PREFIX)) != 0)
                return 0;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        struct statfs sfs;
        if (fstatfs(fd, &sfs) < 0)
                return -errno;
        if (sfs.f_type != CGROUP_SUPER_MAGIC && sfs.f_type != CGROUP2_SUPER_MAGIC)
                return 0; /* not a cgroup: never touched */
        int version = sfs.f_type == CGROUP2_SUPER_MAGIC ? 2 : 1;
        unsigned controllers = version == 2 ? nsb_cgroup_v2_controllers(fd) : 0;
        if (version == 1) {
                struct stat st;
                if (fstatat(fd, "freezer.state", &st, 0) == 0)
                        controllers |= NSB_CGC_FREEZER;
        }
        uint64_t deadline = now_ns() + 5 * 1000000000ULL;
        int r = kill_all(&fd, &controllers, 1, name, deadline);
        int q = remove_dir(path, deadline);
        if (r < 0 || q < 0)
                return r < 0 ? r : q;
        _cleanup_free_ char *parent = strndup(path, (size_t) (name - path - 1));
        if (shared_parent && parent && strcmp(path_basename(parent), NSB_CGROUP_PARENT) == 0)
                (void) rmdir(parent); /* the shared one, once no run uses it */
        return 1;
}
