/* journal.c - what a run leaves on disk, written down while it runs, so
 * that the next run can remove it if this one is killed.
 *
 * A build makes directories outside itself: the build directory under
 * $TMPDIR, a scratch directory beside each output (in the store), and
 * without a sandbox the outputs at their final paths.  If nsbuild (or the
 * program embedding it) is killed, nothing of its own removes them.  So
 * every run keeps a record in a journal directory of the caller's
 * (/run/nsbuild/runs for root; $XDG_RUNTIME_DIR/nsbuild-runs, else
 * $XDG_STATE_HOME/nsbuild/runs or ~/.local/state/nsbuild/runs, else
 * $TMPDIR/.nsbuild-runs-UID, for an ordinary user; or the one the caller
 * chose, e.g. a store's own state directory), holds an flock on it
 * for as long as it runs, and appends each path as soon as it has made it.
 * Every run first looks at the records there: one it can lock belongs to
 * a run that is gone, and what that record names is removed (each path a
 * directory of the caller's, with the name nsbuild gives it, never
 * following a symlink) and reported as a warning ("..., removed").  A
 * record stays behind only when removal failed, to be tried again.
 *
 * Fields are NUL-terminated, so no path can forge one. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "internal.h"

#define ROOT_JOURNAL_DIR "/run/nsbuild/runs"
#define RECORD_PREFIX "run-"
/* A record that is still empty was just created (and is about to be
 * locked), unless it is older than this. */
#define EMPTY_RECORD_GRACE_S 60
#define RECORD_MAX (1 << 20)

/* Where an ordinary user keeps state (XDG): a directory of its own that
 * outlives a reboot's worth of runs and that no other user shares. */
static char *user_state_path(void)
{
        char *path;
        const char *state = getenv("XDG_STATE_HOME");
        if (state && state[0] == '/')
                return asprintf(&path, "%s/nsbuild/runs", state) < 0 ? NULL : path;
        const char *home = getenv("HOME");
        struct stat st;
        /* A home that is not the caller's (a system user's "/") is no
         * place to make directories in. */
        if (!home || home[0] != '/' || stat(home, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
                return NULL;
        return asprintf(&path, "%s/.local/state/nsbuild/runs", home) < 0 ? NULL : path;
}

static char *journal_dir_path(const nsb_build *b)
{
        char *path;
        if (b->journal_dir)
                return strdup(b->journal_dir);
        if (geteuid() == 0)
                return strdup(ROOT_JOURNAL_DIR);
        const char *runtime = getenv("XDG_RUNTIME_DIR");
        if (runtime && runtime[0] == '/')
                return asprintf(&path, "%s/nsbuild-runs", runtime) < 0 ? NULL : path;
        if ((path = user_state_path()))
                return path;
        /* Last, a shared directory: another user may have taken the name,
         * which then is refused as not the caller's. */
        const char *tmp = getenv("TMPDIR");
        if (!tmp || tmp[0] != '/')
                tmp = "/tmp";
        return asprintf(&path, "%s/.nsbuild-runs-%u", tmp, (unsigned) geteuid()) < 0 ? NULL : path;
}

/* The journal directory, made (with its parents, 0700) if missing; it must
 * be a directory of the caller's that no one else may write to, since
 * what it names gets removed.  -ELOOP: a symlink; -EPERM: not the caller's
 * alone. */
static int open_journal_dir(const char *path)
{
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
                if (geteuid() == 0)
                        (void) mkdir_p("/run/nsbuild", 0755);
                else {
                        _cleanup_free_ char *parent = path_dirname(path);
                        if (parent)
                                (void) mkdir_p(parent, 0700);
                }
                if (mkdir(path, 0700) < 0 && errno != EEXIST)
                        return -errno;
                fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0) {
                int r = -errno;
                struct stat st;
                /* O_NOFOLLOW|O_DIRECTORY says ENOTDIR for a symlink. */
                if ((r == -ENOTDIR || r == -ELOOP) && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
                        return -ELOOP;
                return r;
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        if (st.st_uid != geteuid() || (st.st_mode & 022)) {
                close(fd);
                return -EPERM;
        }
        return fd;
}

/* Remove one leftover PATH of kind KIND of a run PID that is gone; an
 * output only if OWNER (the build user's uid, as the run wrote it) owns
 * it, so that what another run has since built at its path stays. */
static int remove_leftover(nsb_build *b, const char *kind, const char *path, const char *pid, const char *owner)
{
        const char *base = path_basename(path);
        bool output = strcmp(kind, "output") == 0;
        if (!path_is_normal_absolute(path) || strcmp(path, "/") == 0 ||
            (!output && strncmp(base, "nsbuild-", 8) != 0 && strncmp(base, ".nsbuild-", 9) != 0))
                return 0; /* not a name of ours: never touched */
        _cleanup_free_ char *parent = strndup(path, (size_t) (base - path) > 1 ? (size_t) (base - path - 1) : 1);
        if (!parent)
                return -ENOMEM;
        _cleanup_close_ int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat st;
        if (pfd < 0 || fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        /* Our directories are ours; an output made in place is the
         * builder's, but it did not exist before that run. */
        if (!output && (!S_ISDIR(st.st_mode) || st.st_uid != geteuid()))
                return 0;
        if (output) {
                char *end = NULL;
                errno = 0;
                unsigned long uid = owner ? strtoul(owner, &end, 10) : 0;
                if (!owner || errno || end == owner || *end || uid != (unsigned long) st.st_uid) {
                        nsb_warn(b, "unfinished output %s of an earlier run (pid %s) that was killed is owned by uid "
                                    "%u, not by its build user (%s): left alone",
                                 path, pid, (unsigned) st.st_uid, owner ? owner : "not recorded");
                        return 0;
                }
        }
        int r = rm_rf_at(pfd, base);
        const char *what = strcmp(kind, "dir") == 0 ? "build directory"
                           : output                 ? "unfinished output"
                                                    : "scratch directory";
        if (r < 0)
                nsb_warn(b, "cannot remove the %s %s of an earlier run (pid %s) that was killed: %s, ignoring", what,
                         path, pid, strerror(-r));
        else
                nsb_warn(b, "%s %s of an earlier run (pid %s) that was killed, removed", what, path, pid);
        return r;
}

/* Clean up after the run whose record is FD (locked by us): 0 when all it
 * names is gone. */
static int clean_record(nsb_build *b, int fd, const struct stat *st)
{
        if (st->st_size > RECORD_MAX)
                return -EFBIG;
        _cleanup_free_ char *buf = malloc((size_t) st->st_size + 1);
        if (!buf)
                return -ENOMEM;
        ssize_t n = pread(fd, buf, (size_t) st->st_size, 0);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        /* Pairs KIND\0VALUE\0; a pair cut short by the kill is ignored. */
        const char *pid = "?", *owner = NULL;
        int r = 0;
        /* Two passes: what may still run first (the build user's
         * processes, the cgroup's), then the directories it would be
         * writing to. */
        for (int pass = 0; pass < 2; pass++)
        for (size_t off = 0; off < (size_t) n;) {
                const char *kind = buf + off;
                size_t klen = strnlen(kind, (size_t) n - off);
                if (off + klen + 1 >= (size_t) n)
                        break;
                const char *value = kind + klen + 1;
                size_t vlen = strnlen(value, (size_t) n - off - klen - 1);
                if (off + klen + 1 + vlen >= (size_t) n)
                        break;
                off += klen + vlen + 2;
                if (strcmp(kind, "pid") == 0)
                        pid = value;
                else if (pass == 0 && strcmp(kind, "builduser") == 0) {
                        int q = nsb_userpool_reclaim(value);
                        unsigned long uid = strtoul(value, NULL, 10);
                        if (q < 0) {
                                nsb_warn(b, "cannot clean up after build user %lu of an earlier run (pid %s) that was "
                                            "killed: %s, ignoring", uid, pid, strerror(-q));
                                if (r == 0)
                                        r = q;
                        } else if (q > 0)
                                nsb_warn(b, "processes, IPC objects and temporary files of build user %lu of an "
                                            "earlier run (pid %s) that was killed, removed", uid, pid);
                } else if (pass == 0 && (strcmp(kind, "cgroup") == 0 || strcmp(kind, "cgroup-in") == 0)) {
                        /* What is still in it dies first (its parent-death
                         * signal has normally done that), then it goes. */
                        struct stat cst;
                        if (lstat(value, &cst) < 0)
                                continue;
                        int q = nsb_cgroup_remove_leftover(value, strcmp(kind, "cgroup") == 0);
                        if (q < 0) {
                                nsb_warn(b, "cannot remove the cgroup %s of an earlier run (pid %s) that was killed: "
                                            "%s, ignoring", value, pid, strerror(-q));
                                if (r == 0)
                                        r = q;
                        } else if (q > 0)
                                nsb_warn(b, "cgroup %s of an earlier run (pid %s) that was killed, removed", value,
                                         pid);
                }
                else if (strcmp(kind, "owner") == 0)
                        owner = value;
                else if (pass == 1 &&
                         (strcmp(kind, "dir") == 0 || strcmp(kind, "scratch") == 0 || strcmp(kind, "output") == 0)) {
                        /* An output the run finished is no leftover. */
                        bool done = false;
                        for (size_t o = off; o < (size_t) n && !done;) {
                                const char *k = buf + o;
                                size_t kl = strnlen(k, (size_t) n - o);
                                if (o + kl + 1 >= (size_t) n)
                                        break;
                                const char *v = k + kl + 1;
                                done = strcmp(k, "committed") == 0 && strcmp(v, value) == 0;
                                o += kl + strnlen(v, (size_t) n - o - kl - 1) + 2;
                        }
                        int q = done ? 0 : remove_leftover(b, kind, value, pid, owner);
                        if (q < 0 && r == 0)
                                r = q;
                }
        }
        return r;
}

/* Every record of a run that is gone. */
static void sweep(nsb_build *b, int dfd)
{
        int dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
        DIR *d = dup_fd < 0 ? NULL : fdopendir(dup_fd);
        if (!d) {
                if (dup_fd >= 0)
                        close(dup_fd);
                return;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                if (strncmp(de->d_name, RECORD_PREFIX, strlen(RECORD_PREFIX)) != 0)
                        continue;
                _cleanup_close_ int fd = openat(dfd, de->d_name, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                struct stat st;
                /* A lock we cannot take: that run is alive. */
                if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 || fstat(fd, &st) < 0)
                        continue;
                if (st.st_nlink == 0 || !S_ISREG(st.st_mode))
                        continue; /* another run cleaned it meanwhile */
                if (st.st_size == 0 && time(NULL) - st.st_mtime < EMPTY_RECORD_GRACE_S)
                        continue;
                if (clean_record(b, fd, &st) == 0)
                        (void) unlinkat(dfd, de->d_name, 0);
        }
        closedir(d);
}

static int append(nsb_build *b, const char *kind, const char *value)
{
        size_t kl = strlen(kind) + 1, vl = strlen(value) + 1;
        _cleanup_free_ char *rec = malloc(kl + vl);
        if (!rec)
                return -ENOMEM;
        memcpy(rec, kind, kl);
        memcpy(rec + kl, value, vl);
        /* One write: a kill leaves a pair whole or cut short, never
         * mixed with another. */
        return write_all(b->journal_fd, rec, kl + vl);
}

int nsb_journal_begin(nsb_build *b)
{
        if (b->journal_fd >= 0)
                return 0;
        _cleanup_free_ char *path = journal_dir_path(b);
        if (!path)
                return nsb_fail(b, ENOMEM, "keep a journal of the run", "out of memory");
        _cleanup_close_ int dfd = open_journal_dir(path);
        if (dfd < 0) {
                /* Not a reason to refuse the build: it only cannot be
                 * cleaned up after if it is killed. */
                nsb_warn(b, "cannot keep a journal of this run in %s: %s; if it is killed, what it leaves on disk will "
                            "not be removed by a later run, continuing",
                         path,
                         dfd == -EPERM  ? "it is not the caller's alone (it must be the caller's and writable by no one else)"
                         : dfd == -ELOOP ? "it is a symbolic link (give the directory it points to)"
                                         : strerror(-dfd));
                return 0;
        }
        sweep(b, dfd);

        for (int tries = 0;; tries++) {
                uint64_t rnd;
                if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t) sizeof(rnd))
                        rnd = now_ns() ^ ((uint64_t) getpid() << 32);
                snprintf(b->journal_name, sizeof(b->journal_name), RECORD_PREFIX "%016llx", (unsigned long long) rnd);
                int fd = openat(dfd, b->journal_name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd >= 0) {
                        b->journal_fd = fd;
                        break;
                }
                if (errno == ENOENT && tries <= 16) {
                        /* Removed as empty by a run that just ended. */
                        closep(&dfd);
                        if ((dfd = open_journal_dir(path)) < 0)
                                return nsb_fail(b, -dfd, "keep a journal of the run", "cannot open %s: %s", path,
                                                strerror(-dfd));
                        continue;
                }
                if (errno != EEXIST || tries > 16)
                        return nsb_fail(b, errno, "keep a journal of the run", "cannot create a record in %s: %s",
                                        path, strerror(errno));
        }
        char pid[32];
        snprintf(pid, sizeof(pid), "%d", (int) getpid());
        int r = flock(b->journal_fd, LOCK_EX) < 0 ? -errno : append(b, "pid", pid);
        if (r < 0) {
                (void) unlinkat(dfd, b->journal_name, 0);
                close_and_invalidate(&b->journal_fd);
                return nsb_fail(b, -r, "keep a journal of the run", "cannot write a record in %s: %s", path,
                                strerror(-r));
        }
        b->journal_dir_fd = TAKE_FD(dfd);
        return 0;
}

int nsb_journal_note(nsb_build *b, const char *kind, const char *path)
{
        if (b->journal_fd < 0)
                return 0;
        int r = append(b, kind, path);
        if (r < 0)
                return nsb_fail(b, -r, "keep a journal of the run", "cannot note %s in the run's record: %s", path,
                                strerror(-r));
        return 0;
}

void nsb_journal_end(nsb_build *b, bool clean)
{
        if (b->journal_fd < 0)
                return;
        /* Unlinked while still locked: no other run can take it for a
         * dead run's in between. */
        if (clean)
                (void) unlinkat(b->journal_dir_fd, b->journal_name, 0);
        close_and_invalidate(&b->journal_fd);
        close_and_invalidate(&b->journal_dir_fd);
        /* An ordinary user's journal lives in a shared place: it goes when
         * it is empty (a run starting meanwhile makes it again). */
        if (clean && geteuid() != 0 && !b->journal_dir) {
                _cleanup_free_ char *path = journal_dir_path(b);
                if (path)
                        (void) rmdir(path);
        }
}
