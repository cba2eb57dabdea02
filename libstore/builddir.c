/* builddir.c - the per-build directory on disk, and the outputs.
 *
 * Layout on the host:
 *   $TMPDIR/nsbuild-XXXXXX/        0700 root-only: nobody else can reach in
 *       build/                     the builder's /build, owned by the build user
 *       root/                      mount point of the sandbox root (a tmpfs),
 *                                  or the chroot tier's root on disk
 *   /run/nsbuild/root              as root, the full tier's mount point instead
 *   <output parent>/.nsbuild-XXXXXX/   0700, on the output's filesystem
 *       s/                         1775 root:build-group, mounted at the
 *                                  output parent in the sandbox
 *
 * The build directory sits inside a root-only parent so that a builder that
 * makes it world-writable does not open it to other users (CVE-2024-38531),
 * and it is removed only through directory fds (rm_rf_at), so a symlink the
 * builder planted is never followed (CVE-2025-46415). */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hash.h"
#include "internal.h"

/* As root, every full-tier build mounts its root tmpfs on this one empty
 * directory, each in its own mount namespace, where they do not see each
 * other's (as bubblewrap mounts on /tmp).  A mount point made and removed
 * with each build costs a mkdir and an rmdir on $TMPDIR's filesystem: on
 * ext4, making a directory was about 1.5% of the CPU time of a build here
 * (bench/README.md).  It must be root's and writable by nobody else, or a
 * build falls back to a directory of its own. */
#define SHARED_ROOT_MOUNT_POINT "/run/nsbuild/root"

static char *shared_root_mount_point(void)
{
        _cleanup_close_ int fd = open(SHARED_ROOT_MOUNT_POINT, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && mkdir_p(SHARED_ROOT_MOUNT_POINT, 0755) == 0)
                fd = open(SHARED_ROOT_MOUNT_POINT, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022) != 0)
                return NULL;
        return strdup(SHARED_ROOT_MOUNT_POINT);
}

int nsb_builddir_create(nsb_build *b)
{
        bool need_root = b->tier == NSB_SANDBOX_FULL || b->tier == NSB_SANDBOX_CHROOT;
        const char *tmpdir = b->tmpdir;
        if (!tmpdir) {
                tmpdir = getenv("TMPDIR");
                if (!tmpdir || tmpdir[0] != '/')
                        tmpdir = "/tmp";
        }
        if (asprintf(&b->top_dir, "%s/nsbuild-XXXXXX", tmpdir) < 0) {
                b->top_dir = NULL;
                return nsb_fail(b, ENOMEM, "create build directory", "out of memory");
        }
        if (!mkdtemp(b->top_dir)) {
                int err = errno;
                free(b->top_dir);
                b->top_dir = NULL;
                return nsb_fail(b, err, "create build directory", "cannot create build directory in %s: %s%s",
                                tmpdir, strerror(err),
                                err == ENOENT ? " (set TMPDIR or --tmpdir to an existing directory)" : "");
        }
        int r = b->keep_build_dir ? 0 : nsb_journal_note(b, "dir", b->top_dir);
        if (r < 0)
                return r;
        b->top_fd = open(b->top_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (b->top_fd < 0)
                return nsb_fail(b, errno, "create build directory", "cannot open %s: %s", b->top_dir,
                                strerror(errno));

        /* Without a sandbox the build user reaches its directory through
         * the host's path, and so does the child that mounts its root in
         * a user namespace we map it into (it has no capability over our
         * files): the parent must be traversable (not listable). */
        if ((b->tier == NSB_SANDBOX_OFF || b->parent_maps) && b->build_user && fchmod(b->top_fd, 0711) < 0)
                return nsb_fail(b, errno, "create build directory", "cannot chmod %s: %s", b->top_dir,
                                strerror(errno));

        if (b->tier == NSB_SANDBOX_FULL && !b->user_ns)
                b->root_dir = shared_root_mount_point();
        if (need_root && !b->root_dir) {
                if (asprintf(&b->root_dir, "%s/root", b->top_dir) < 0) {
                        b->root_dir = NULL;
                        return nsb_fail(b, ENOMEM, "create build directory", "out of memory");
                }
                if (mkdirat(b->top_fd, "root", 0755) < 0)
                        return nsb_fail(b, errno, "create build directory", "cannot create %s: %s",
                                        b->root_dir, strerror(errno));
        }

        if (b->tier == NSB_SANDBOX_FULL) {
                if (asprintf(&b->tmp_dir, "%s/tmp", b->top_dir) < 0) {
                        b->tmp_dir = NULL;
                        return nsb_fail(b, ENOMEM, "create build directory", "out of memory");
                }
                /* 01777 whatever the umask, as a /tmp is. */
                if (mkdirat(b->top_fd, "tmp", 0700) < 0 || fchmodat(b->top_fd, "tmp", 01777, 0) < 0)
                        return nsb_fail(b, errno, "create build directory", "cannot create %s: %s", b->tmp_dir,
                                        strerror(errno));
        }

        /* The chroot tier's root is on disk: the build directory is its
         * /build itself, so that what the builder leaves there is what a
         * kept build directory shows. */
        const char *rel = b->tier == NSB_SANDBOX_CHROOT ? "root/build" : "build";
        if (asprintf(&b->build_dir, "%s/%s", b->top_dir, rel) < 0) {
                b->build_dir = NULL;
                return nsb_fail(b, ENOMEM, "create build directory", "out of memory");
        }
        if (mkdirat(b->top_fd, rel, 0700) < 0)
                return nsb_fail(b, errno, "create build directory", "cannot create %s: %s", b->build_dir,
                                strerror(errno));
        /* Give the directory to the build user; only possible (and only
         * needed) when we are privileged. */
        if (b->build_user && fchownat(b->top_fd, rel, b->uid, b->gid, AT_SYMLINK_NOFOLLOW) < 0)
                return nsb_fail(b, errno, "create build directory", "cannot chown %s to %u:%u: %s",
                                b->build_dir, (unsigned) b->uid, (unsigned) b->gid, strerror(errno));

        /* The caller's files (a derivation's passAsFile), the build user's
         * like the directory. */
        if (b->n_files == 0)
                return 0;
        _cleanup_close_ int dfd = openat(b->top_fd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return nsb_fail(b, errno, "create build directory", "cannot open %s: %s", b->build_dir,
                                strerror(errno));
        for (size_t i = 0; i < b->n_files; i++) {
                const struct nsb_build_file *f = &b->files[i];
                _cleanup_close_ int fd = openat(dfd, f->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                r = fd < 0 ? -errno : write_all(fd, f->content, f->len);
                if (r >= 0 && b->build_user && fchown(fd, b->uid, b->gid) < 0)
                        r = -errno;
                if (r < 0)
                        return nsb_fail(b, -r, "create build directory", "cannot write %s/%s: %s", b->build_dir,
                                        f->name, strerror(-r));
        }
        return 0;
}

/* The bind whose destination is PATH or one of its ancestors, if any:
 * one lookup per component, whatever the number of binds. */
static bool below_bind(const nsb_strmap *binds, const char *path, size_t *ret_bind)
{
        for (size_t len = strlen(path); len > 0; len--)
                if ((path[len] == '/' || path[len] == '\0') && strmap_get(binds, path, len, ret_bind))
                        return true;
        return strmap_get(binds, "/", 1, ret_bind);
}

/* A scratch directory PARENT/.nsbuild-XXXXXX (0700, ours) holding "s",
 * beside outputs of PARENT (taken over), on their filesystem: where the
 * builder makes them (FOR_BUILDER: "s" is then open to the build group,
 * sticky, as a Nix sandbox's store directory), or where nsbuild moves one
 * it must change out of anyone else's reach.  Returns its index in
 * b->scratch or nsb_fail()'s negative errno. */
static int make_scratch(nsb_build *b, char *parent, bool for_builder)
{
        if (GROW(b->scratch, b->scratch_alloc, b->n_scratch) < 0) {
                free(parent);
                return nsb_fail(b, ENOMEM, "prepare outputs", "out of memory");
        }
        struct nsb_scratch *s = &b->scratch[b->n_scratch];
        *s = (struct nsb_scratch) { .top_fd = -1, .parent = parent };
        int index = (int) b->n_scratch++;
        if (asprintf(&s->top, "%s/.nsbuild-XXXXXX", strcmp(s->parent, "/") ? s->parent : "") < 0) {
                s->top = NULL;
                return nsb_fail(b, ENOMEM, "prepare outputs", "out of memory");
        }
        if (!mkdtemp(s->top)) {
                int err = errno;
                free(s->top);
                s->top = NULL;
                return nsb_fail(b, err, "prepare outputs", "cannot create a scratch directory in %s: %s", s->parent,
                                strerror(err));
        }
        int r = nsb_journal_note(b, "scratch", s->top);
        if (r < 0)
                return r;
        s->top_fd = open(s->top, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s->top_fd < 0)
                return nsb_fail(b, errno, "prepare outputs", "cannot open %s: %s", s->top, strerror(errno));
        if (asprintf(&s->dir, "%s/s", s->top) < 0) {
                s->dir = NULL;
                return nsb_fail(b, ENOMEM, "prepare outputs", "out of memory");
        }
        bool shared = for_builder && b->build_user;
        if (mkdirat(s->top_fd, "s", 0700) < 0 ||
            (shared && fchownat(s->top_fd, "s", 0, b->gid, AT_SYMLINK_NOFOLLOW) < 0) ||
            (for_builder && fchmodat(s->top_fd, "s", shared ? 01775 : 0755, 0) < 0))
                return nsb_fail(b, errno, "prepare outputs", "cannot create %s: %s", s->dir, strerror(errno));
        return index;
}

int nsb_outputs_prepare(nsb_build *b)
{
        _cleanup_(strmap_free) nsb_strmap binds = { 0 }, parents = { 0 };
        for (size_t j = 0; j < b->n_binds; j++)
                if (b->binds[j].source &&
                    strmap_put(&binds, b->binds[j].dest, strlen(b->binds[j].dest), j, false, NULL) < 0)
                        return nsb_fail(b, ENOMEM, "prepare outputs", "out of memory");
        for (size_t i = 0; i < b->n_outputs; i++) {
                struct nsb_output *o = &b->outputs[i];
                _cleanup_free_ char *parent = path_dirname(o->path);
                if (!parent)
                        return nsb_fail(b, ENOMEM, "prepare outputs", "out of memory");

                size_t j;
                if (below_bind(&binds, parent, &j))
                        return nsb_fail(b, EINVAL, "prepare outputs",
                                        "output %s lies inside the bind at %s; outputs must be outside binds",
                                        o->path, b->binds[j].dest);

                _cleanup_close_ int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (pfd < 0)
                        return nsb_fail(b, errno, "prepare outputs", "cannot open the directory of output %s: %s",
                                        o->path, strerror(errno));
                struct stat st;
                if (b->check) {
                        /* --check: rebuild what is there, beside it. */
                        if (fstatat(pfd, o->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                                return nsb_fail(b, errno, "prepare outputs",
                                                errno == ENOENT ? "cannot check output %s: it does not exist; build it "
                                                                  "first"
                                                                : "cannot check output %s",
                                                o->path);
                        if (b->tier == NSB_SANDBOX_OFF)
                                return nsb_fail(b, EINVAL, "prepare outputs",
                                                "cannot check output %s without a sandbox: the builder would make it "
                                                "in place, over the one to compare with",
                                                o->path);
                } else if (fstatat(pfd, o->name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                        return nsb_fail(b, EEXIST, "prepare outputs", "output %s already exists; remove it first",
                                        o->path);
                else if (errno != ENOENT)
                        return nsb_fail(b, errno, "prepare outputs", "cannot check output %s: %s", o->path,
                                        strerror(errno));

                /* Without a sandbox the builder creates the output in place. */
                o->scratch = -1;
                o->fresh_copy = false;
                if (b->tier == NSB_SANDBOX_OFF) {
                        /* Who will own it: a later run removes only what
                         * the build user made there. */
                        char uid[32];
                        snprintf(uid, sizeof(uid), "%u", (unsigned) b->uid);
                        int r = nsb_journal_note(b, "owner", uid);
                        if (r == 0)
                                r = nsb_journal_note(b, "output", o->path);
                        if (r < 0)
                                return r;
                        continue;
                }

                /* One scratch directory for all outputs with one parent. */
                size_t k;
                int q = strmap_put(&parents, parent, strlen(parent), b->n_scratch, false, &k);
                if (q < 0)
                        return nsb_fail(b, ENOMEM, "prepare outputs", "out of memory");
                if (q > 0) {
                        o->scratch = (int) k;
                        continue;
                }
                int r = make_scratch(b, TAKE_PTR(parent), true);
                if (r < 0)
                        return r;
                o->scratch = r;
        }
        return 0;
}

/* Open the directory PATH (absolute) below DIRFD, one component at a time,
 * following no symlink. */
static int open_beneath(int dirfd, const char *path)
{
        int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
        const char *p = path;
        while (fd >= 0 && *p) {
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                const char *end = strchrnul(p, '/');
                char name[NAME_MAX + 1];
                size_t len = (size_t) (end - p);
                if (len > NAME_MAX) {
                        close(fd);
                        errno = ENAMETOOLONG;
                        return -1;
                }
                memcpy(name, p, len);
                name[len] = '\0';
                int next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                int saved = errno;
                close(fd);
                errno = saved;
                fd = next;
                p = end;
        }
        return fd;
}

/* The directory the builder created output O in. */
static int output_dir_fd(nsb_build *b, const struct nsb_output *o)
{
        if (b->tier == NSB_SANDBOX_CHROOT && o->scratch >= 0) {
                /* The chroot's root is a directory on disk. */
                _cleanup_close_ int root = open(b->root_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                return root < 0 ? -1 : open_beneath(root, b->scratch[o->scratch].parent);
        }
        if (o->scratch < 0) {
                _cleanup_free_ char *parent = path_dirname(o->path);
                return parent ? open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        }
        return openat(b->scratch[o->scratch].top_fd, "s", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* A fixed output is checked against the hash the derivation promised. */
static int verify_fixed_output(nsb_build *b, const struct nsb_output *o, int dfd, const char *name)
{
        nsb_hash h;
        nsb_hash_algo algo = (nsb_hash_algo) o->hash_algo;
        size_t size = nsb_hash_size(algo);
        uint8_t got[NSB_HASH_MAX];
        _cleanup_free_ char *where = NULL;
        const char *an = nsb_hash_algo_name(algo);
        struct stat st;
        if (o->hash_mode == NSB_HASH_FLAT && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(st.st_mode) && (st.st_mode & S_IXUSR))
                return nsb_fail(b, EINVAL, "verify fixed output",
                                "output %s should be a non-executable regular file since recursive hashing is not "
                                "enabled (%s, not r:%s)",
                                o->path, an, an);
        int r = nsb_hash_init(&h, algo);
        if (r < 0)
                return nsb_fail(b, -r, "verify fixed output", "cannot hash output %s: %s", o->path, strerror(-r));
        /* As Nix: modulo the output's own hash part, so that an output
         * that names its own path has a hash that does not depend on it. */
        const char *base = path_basename(o->path);
        struct nsb_modulo *modulo = strlen(base) > 32 && base[32] == '-' ? nsb_modulo_new(base) : NULL;
        nsb_nar_sink sink = { .hash = &h, .modulo = modulo };
        if (o->hash_mode == NSB_HASH_FLAT)
                r = nsb_file_dump_at(dfd, name, &sink);
        else
                r = nsb_nar_dump_at(dfd, name, &sink, &where);
        nsb_modulo_finish(&sink);
        nsb_modulo_free(modulo);
        int q = nsb_hash_final(&h, got);
        if (r == -EISDIR)
                return nsb_fail(b, EINVAL, "verify fixed output",
                                "output %s is not a regular file, but its hash is flat (%s, not r:%s)", o->path, an,
                                an);
        if (r < 0 || q < 0)
                return nsb_fail(b, r < 0 ? -r : -q, "verify fixed output", "cannot hash output %s%s%s: %s", o->path,
                                where ? " at " : "", where ? where : "", strerror(r < 0 ? -r : -q));
        if (memcmp(got, o->hash, size) == 0)
                return 0;
        char want_hex[2 * NSB_HASH_MAX + 1], got_hex[2 * NSB_HASH_MAX + 1], got_b64[NSB_HASH_MAX * 2];
        nsb_hash_hex(o->hash, size, want_hex);
        nsb_hash_hex(got, size, got_hex);
        nsb_hash_base64(got, size, got_b64);
        return nsb_fail(b, EBADMSG, "verify fixed output", "hash mismatch in fixed output %s: wanted %s%s:%s, got %s:%s (%s-%s)",
                        o->path, o->hash_mode == NSB_HASH_RECURSIVE ? "r:" : "", an, want_hex, an, got_hex, an,
                        got_b64);
}

/* Every output is canonicalised: as a store keeps it where asked (a
 * derivation's), else made safe for the caller to own, since what a
 * builder made may carry setuid bits or be writable by anyone. */
static nsb_canon_mode canon_mode(const nsb_build *b)
{
        return b->canonicalise ? NSB_CANON_STORE : NSB_CANON_SAFE;
}

/* Move the output O that the builder made in place (no sandbox) into a
 * scratch directory of ours beside it: there, out of reach of anyone who
 * can write where it lies, it is checked and finished, then moved back. */
static int take_in_place_output(nsb_build *b, struct nsb_output *o)
{
        char *parent = path_dirname(o->path);
        if (!parent)
                return nsb_fail(b, ENOMEM, "check outputs", "out of memory");
        int index = make_scratch(b, parent, false);
        if (index < 0)
                return index;
        struct nsb_scratch *s = &b->scratch[index];
        _cleanup_close_ int pfd = open(s->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int sfd = openat(s->top_fd, "s", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (pfd < 0 || sfd < 0 || renameat2(pfd, o->name, sfd, o->name, RENAME_NOREPLACE) < 0)
                return nsb_fail(b, errno, "check outputs", "cannot move output %s into %s: %s", o->path, s->dir,
                                strerror(errno));
        o->scratch = index;
        /* From here on it is a scratch directory's, which the journal
         * names: no later run must take the final path for a leftover. */
        return nsb_journal_note(b, "committed", o->path);
}

/* Where output O is once finished, before it is moved into place: the
 * directory (returned) and the name in it. */
static int locate_finished(nsb_build *b, const struct nsb_output *o, const char **ret_name)
{
        if (o->fresh_copy) {
                *ret_name = "fixed";
                return fcntl(b->scratch[o->scratch].top_fd, F_DUPFD_CLOEXEC, 3);
        }
        *ret_name = o->name;
        return output_dir_fd(b, o);
}

/* --check: each rebuilt output against the one in place, by NAR hash.
 * The same: the rebuild goes with the scratch directory.  Different: the
 * rebuild is kept beside it, as <output>.check (one an earlier check left
 * is replaced), and the build fails naming every output that differs. */
static int check_against_existing(nsb_build *b)
{
        char differ[1024] = "";
        size_t len = 0, n_differ = 0;
        for (size_t i = 0; i < b->n_outputs; i++) {
                struct nsb_output *o = &b->outputs[i];
                _cleanup_free_ char *parent = path_dirname(o->path);
                _cleanup_close_ int pfd = parent ? open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
                if (pfd < 0)
                        return nsb_fail(b, parent ? errno : ENOMEM, "check outputs", "cannot open the directory of %s",
                                        o->path);
                nsb_hash h;
                uint8_t old[NSB_SHA256_SIZE];
                _cleanup_free_ char *where = NULL;
                int r = nsb_hash_init(&h, NSB_HASH_SHA256);
                if (r == 0)
                        r = nsb_nar_hash_at(pfd, o->name, &h, &where);
                int q = nsb_hash_final(&h, old);
                if (r < 0 || q < 0)
                        return nsb_fail(b, r < 0 ? -r : -q, "check outputs", "cannot hash output %s%s%s: %s", o->path,
                                        where ? " at " : "", where ? where : "", strerror(r < 0 ? -r : -q));
                o->check_differs = memcmp(old, o->nar_hash, sizeof(old)) != 0;
                if (!o->check_differs) {
                        nsb_trace(b, "output %s is the same as before", o->path);
                        continue;
                }
                _cleanup_free_ char *check_name = NULL;
                if (asprintf(&check_name, "%s.check", o->name) < 0)
                        return nsb_fail(b, ENOMEM, "check outputs", "out of memory");
                const char *name;
                _cleanup_close_ int sfd = locate_finished(b, o, &name);
                if (sfd < 0)
                        return nsb_fail(b, errno, "check outputs", "cannot open the rebuild of %s", o->path);
                if ((r = rm_rf_at(pfd, check_name)) < 0)
                        return nsb_fail(b, -r, "check outputs", "cannot remove the earlier %s.check: %s", o->path,
                                        strerror(-r));
                if (renameat2(sfd, name, pfd, check_name, RENAME_NOREPLACE) < 0)
                        return nsb_fail(b, errno, "check outputs", "cannot keep the rebuild of %s as %s.check: %s",
                                        o->path, o->path, strerror(errno));
                if (nsb_canonicalise_top_at(b, pfd, check_name, o->path, canon_mode(b), o->top_mode) < 0)
                        return -b->error_errno;
                n_differ++;
                if (len < sizeof(differ))
                        len += (size_t) snprintf(differ + len, sizeof(differ) - len, "%s%s", n_differ > 1 ? ", " : "",
                                                 o->path);
        }
        if (n_differ)
                return nsb_fail(b, EBADMSG, "check outputs",
                                "the rebuild differs from %s (not deterministic): kept beside it as .check", differ);
        return 0;
}

int nsb_outputs_commit(nsb_build *b)
{
        for (size_t i = 0; i < b->n_outputs; i++) {
                struct nsb_output *o = &b->outputs[i];
                _cleanup_close_ int sfd = output_dir_fd(b, o);
                if (sfd < 0)
                        return nsb_fail(b, errno, "check outputs", "cannot open the directory of output %s: %s",
                                        o->path, strerror(errno));
                struct stat st;
                if (fstatat(sfd, o->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return nsb_fail(b, errno, "check outputs",
                                        errno == ENOENT ? "builder failed to produce output %s"
                                                        : "cannot check output %s",
                                        o->path);
        }
        for (size_t i = 0; i < b->n_outputs; i++)
                if (b->outputs[i].scratch < 0) {
                        int r = take_in_place_output(b, &b->outputs[i]);
                        if (r < 0)
                                return r;
                }

        /* Every output is made final before any is moved into place, so a
         * failure leaves none of them behind. */
        for (size_t i = 0; i < b->n_outputs; i++) {
                struct nsb_output *o = &b->outputs[i];
                _cleanup_close_ int sfd = output_dir_fd(b, o);
                if (sfd < 0)
                        return nsb_fail(b, errno, "check outputs", "cannot open the directory of output %s: %s",
                                        o->path, strerror(errno));
                int dfd = sfd;
                const char *name = o->name;
                /* A fixed-output build shared the host's network, so an
                 * outside process may hold an fd to what it wrote (passed
                 * over an abstract socket, CVE-2024-27297): check and keep
                 * a fresh copy, into the root-only scratch top the builder
                 * never saw. */
                if (o->hash_mode != NSB_HASH_NONE) {
                        struct nsb_scratch *s = &b->scratch[o->scratch];
                        int r = nsb_copy_tree_at(sfd, o->name, s->top_fd, "fixed", NSB_COPY_OWN_SOURCE, NULL);
                        if (r < 0)
                                return nsb_fail(b, -r, "check outputs", "cannot copy fixed output %s: %s", o->path,
                                                strerror(-r));
                        r = rm_rf_at(sfd, o->name);
                        if (r < 0)
                                return nsb_fail(b, -r, "check outputs", "cannot remove the original of %s: %s",
                                                o->path, strerror(-r));
                        dfd = s->top_fd;
                        name = "fixed";
                        o->fresh_copy = true;
                }
                int r = nsb_canonicalise_at(b, dfd, name, o->path, canon_mode(b), true, &o->top_mode);
                if (r < 0)
                        return r;
                if (o->hash_mode != NSB_HASH_NONE) {
                        r = verify_fixed_output(b, o, dfd, name);
                        if (r < 0)
                                return r;
                }
        }
        /* What a store registers, before any output is in place: one the
         * store would refuse (a fixed output with references, a cycle)
         * fails the build with none of them left. */
        if (b->canonicalise) {
                int r = nsb_outputs_register(b, locate_finished);
                if (r < 0)
                        return r;
        }

        if (b->check)
                return check_against_existing(b);

        for (size_t i = 0; i < b->n_outputs; i++) {
                struct nsb_output *o = &b->outputs[i];
                struct nsb_scratch *s = &b->scratch[o->scratch];
                _cleanup_close_ int ofd = output_dir_fd(b, o);
                int sfd = o->fresh_copy ? s->top_fd : ofd;
                const char *name = o->fresh_copy ? "fixed" : o->name;
                _cleanup_close_ int pfd = open(s->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (sfd < 0 || pfd < 0)
                        return nsb_fail(b, errno, "move outputs into place", "cannot open %s: %s",
                                        sfd < 0 ? s->dir : s->parent, strerror(errno));
                /* RENAME_NOREPLACE: whatever appeared at the final path in
                 * the meantime is not ours to replace. */
                int r = renameat2(sfd, name, pfd, o->name, RENAME_NOREPLACE) < 0 ? -errno : 0;
                if (r == -EXDEV) {
                        /* A chroot root under $TMPDIR may be on another
                         * filesystem: a copy into a scratch directory
                         * beside the final place, finished there, then
                         * moved as the others are. */
                        char *parent = strdup(s->parent);
                        int index = parent ? make_scratch(b, parent, false) : nsb_fail(b, ENOMEM, "move outputs into place", "out of memory");
                        if (index < 0)
                                return index;
                        /* make_scratch may have moved the array: s is
                         * not used again. */
                        struct nsb_scratch *t = &b->scratch[index];
                        r = nsb_copy_tree_at(sfd, name, t->top_fd, "copy", NSB_COPY_OWN_SOURCE, NULL);
                        if (r < 0)
                                return nsb_fail(b, -r, "move outputs into place", "cannot copy output %s into place: %s",
                                                o->path, strerror(-r));
                        if ((r = nsb_canonicalise_at(b, t->top_fd, "copy", o->path, canon_mode(b), true, NULL)) < 0)
                                return r;
                        r = renameat2(t->top_fd, "copy", pfd, o->name, RENAME_NOREPLACE) < 0 ? -errno : 0;
                }
                if (r < 0)
                        return nsb_fail(b, -r, "move outputs into place", "cannot move output %s into place: %s",
                                        o->path, strerror(-r));
                if (nsb_canonicalise_top_at(b, pfd, o->name, o->path, canon_mode(b), o->top_mode) < 0)
                        return -b->error_errno;
        }
        return 0;
}

/* A builder-made tree that could not be removed: the build fails for it,
 * naming the path, after whatever else already went wrong. */
static int removal_failed(nsb_build *b, int err, const char *what, const char *path)
{
        if (!b->error_message[0])
                return nsb_fail(b, err, "remove build directory", "cannot remove %s %s: %s", what, path,
                                strerror(err));
        size_t len = strlen(b->error_message);
        snprintf(b->error_message + len, sizeof(b->error_message) - len, "; and cannot remove %s %s: %s", what,
                 path, strerror(err));
        return -err;
}

int nsb_outputs_discard(nsb_build *b)
{
        /* Outputs in scratch directories go with them; those made in place
         * (no sandbox) did not exist before the build, so they are its. */
        int r = 0;
        for (size_t i = 0; i < b->n_outputs; i++) {
                const struct nsb_output *o = &b->outputs[i];
                if (o->scratch >= 0)
                        continue;
                _cleanup_close_ int pfd = output_dir_fd(b, o);
                int q = pfd < 0 ? -errno : rm_rf_at(pfd, o->name);
                if (q < 0 && r == 0)
                        r = removal_failed(b, -q, "the failed output", o->path);
        }
        return r;
}

int nsb_builddir_remove(nsb_build *b)
{
        int r = 0;
        for (size_t i = 0; i < b->n_scratch; i++) {
                struct nsb_scratch *s = &b->scratch[i];
                if (s->top) {
                        _cleanup_close_ int pfd = open(s->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        int q = pfd < 0 ? -errno : rm_rf_at(pfd, path_basename(s->top));
                        if (q < 0 && r == 0)
                                r = removal_failed(b, -q, "the scratch directory", s->top);
                }
                close_and_invalidate(&s->top_fd);
                free(s->parent);
                free(s->top);
                free(s->dir);
        }
        free(b->scratch);
        b->scratch = NULL;
        b->n_scratch = b->scratch_alloc = 0;

        if (b->top_dir && !b->keep_build_dir) {
                _cleanup_free_ char *parent = path_dirname(b->top_dir);
                _cleanup_close_ int pfd = parent ? open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
                int q = !parent ? -ENOMEM : pfd < 0 ? -errno : rm_rf_at(pfd, path_basename(b->top_dir));
                if (q < 0 && r == 0)
                        r = removal_failed(b, -q, "the build directory", b->top_dir);
        }
        close_and_invalidate(&b->top_fd);
        /* A kept directory's path stays readable (nsb_build_dir()) until the
         * object is freed. */
        if (!b->keep_build_dir) {
                free(b->top_dir);
                free(b->build_dir);
                b->top_dir = b->build_dir = NULL;
        }
        free(b->root_dir);
        free(b->tmp_dir);
        b->root_dir = b->tmp_dir = NULL;
        return r;
}
