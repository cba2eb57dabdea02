/* plan.c - decide, in the parent, what the sandbox root will contain.
 *
 * The result is a flat list of actions in tree order (see internal.h).  The
 * same plan serves every tier: the full tier carries it out with mounts, the
 * chroot tier with links and copies. */
#include "config.h"

#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "internal.h"

/* A node of the root before it is placed in the tree. */
struct node {
        const char *dest;     /* absolute, normal */
        nsb_action action;    /* type, flags, source, content, mode */
        bool user;            /* from the caller, not the skeleton */
};

struct node_list {
        struct node *v;
        size_t n, alloc;
};

static int node_add(struct node_list *l, const char *dest, const nsb_action *a, bool user)
{
        if (l->n == l->alloc) {
                size_t alloc = l->alloc ? l->alloc * 2 : 64;
                struct node *v = realloc(l->v, alloc * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                l->v = v;
                l->alloc = alloc;
        }
        l->v[l->n++] = (struct node) { .dest = dest, .action = *a, .user = user };
        return 0;
}

/* Path order in which every directory sorts directly before what it
 * contains: '/' sorts before every other byte, so "a/b" < "a-b". */
static int path_compare(const char *a, const char *b)
{
        for (;; a++, b++) {
                unsigned char ca = (unsigned char) *a, cb = (unsigned char) *b;
                if (ca == cb) {
                        if (ca == '\0')
                                return 0;
                        continue;
                }
                if (ca == '/')
                        ca = 1;
                if (cb == '/')
                        cb = 1;
                return ca < cb ? -1 : 1;
        }
}

static int node_compare(const void *x, const void *y)
{
        return path_compare(((const struct node *) x)->dest, ((const struct node *) y)->dest);
}

/* Whether DIR is PATH or one of its ancestors. */
static bool path_has_prefix(const char *path, const char *dir)
{
        size_t n = strlen(dir);
        if (n == 1)
                return true; /* "/" */
        return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int nsb_plan_add(nsb_plan *plan, const nsb_action *action)
{
        if (plan->n_actions == plan->n_alloc) {
                size_t alloc = plan->n_alloc ? plan->n_alloc * 2 : 64;
                nsb_action *v = realloc(plan->actions, alloc * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                plan->actions = v;
                plan->n_alloc = alloc;
        }
        plan->actions[plan->n_actions++] = *action;
        return 0;
}

void nsb_plan_clear(nsb_plan *plan)
{
        free(plan->actions);
        arena_free(&plan->arena);
        *plan = (nsb_plan) { 0 };
}

#define MKDIR(m) ((nsb_action) { .type = NSB_ACT_MKDIR, .flags = NSB_ACT_DIR, .mode = (m) })
#define MKDIR_WRITABLE(m) ((nsb_action) { .type = NSB_ACT_MKDIR, .flags = NSB_ACT_DIR | NSB_ACT_WRITABLE, .mode = (m) })

static int add_skeleton(nsb_build *b, struct node_list *l, bool for_namespaces, bool with_proc)
{
        nsb_arena *A = &b->plan.arena;
        static const char hosts[] = "127.0.0.1 localhost\n::1 localhost\n";
        _cleanup_free_ char *passwd = nsb_passwd_content(b);
        _cleanup_free_ char *group = nsb_group_content(b);
        if (!passwd || !group)
                return -ENOMEM;
        char *pw = arena_strdup(A, passwd), *gr = arena_strdup(A, group);
        if (!pw || !gr)
                return -ENOMEM;

        enum { BOTH, NS_ONLY, CHROOT_ONLY, PROC_ONLY };
        const struct {
                const char *dest;
                nsb_action a;
                int tiers;
        } skel[] = {
                /* With mounts, /tmp and /dev/shm stay writable when the
                 * root is made read-only: each is a mount of the root's
                 * tmpfs of its own (bind-mount.c). */
                /* /tmp on disk beside the build directory, as in Nix: a
                 * build's large temporary files cannot fill the RAM. */
                { "/tmp", { .type = NSB_ACT_BIND, .flags = NSB_ACT_DIR, .source = b->tmp_dir }, NS_ONLY },
                { "/tmp", MKDIR_WRITABLE(01777), CHROOT_ONLY },
                { "/etc", MKDIR(0755), BOTH },
                { "/etc/passwd", { .type = NSB_ACT_FILE, .content = pw, .content_len = strlen(pw), .mode = 0444 }, BOTH },
                { "/etc/group", { .type = NSB_ACT_FILE, .content = gr, .content_len = strlen(gr), .mode = 0444 }, BOTH },
                { "/etc/hosts", { .type = NSB_ACT_FILE, .content = hosts, .content_len = sizeof(hosts) - 1, .mode = 0444 }, BOTH },
                { "/dev", MKDIR(0755), BOTH },
                { "/dev/null", { .type = NSB_ACT_BIND, .flags = NSB_ACT_DEVICES, .source = "/dev/null" }, BOTH },
                { "/dev/zero", { .type = NSB_ACT_BIND, .flags = NSB_ACT_DEVICES, .source = "/dev/zero" }, BOTH },
                { "/dev/full", { .type = NSB_ACT_BIND, .flags = NSB_ACT_DEVICES, .source = "/dev/full" }, BOTH },
                { "/dev/random", { .type = NSB_ACT_BIND, .flags = NSB_ACT_DEVICES, .source = "/dev/random" }, BOTH },
                { "/dev/urandom", { .type = NSB_ACT_BIND, .flags = NSB_ACT_DEVICES, .source = "/dev/urandom" }, BOTH },
                { "/dev/tty", { .type = NSB_ACT_BIND, .flags = NSB_ACT_DEVICES, .source = "/dev/tty" }, BOTH },
                { "/dev/fd", { .type = NSB_ACT_SYMLINK, .source = "/proc/self/fd" }, BOTH },
                { "/dev/stdin", { .type = NSB_ACT_SYMLINK, .source = "/proc/self/fd/0" }, BOTH },
                { "/dev/stdout", { .type = NSB_ACT_SYMLINK, .source = "/proc/self/fd/1" }, BOTH },
                { "/dev/stderr", { .type = NSB_ACT_SYMLINK, .source = "/proc/self/fd/2" }, BOTH },
                /* A private devpts instance, so the builder sees no other
                 * session's terminals; kernels that refuse "newinstance"
                 * get the host's /dev/pts bound instead. */
                { "/dev/pts", { .type = NSB_ACT_MOUNT, .flags = NSB_ACT_DIR | NSB_ACT_OPTIONAL,
                                .source = "devpts", .content = "newinstance,ptmxmode=0666,mode=0620",
                                .mount_flags = MS_NOSUID | MS_NOEXEC, .mode = 0755 }, NS_ONLY },
                { "/dev/ptmx", { .type = NSB_ACT_SYMLINK, .source = "pts/ptmx" }, NS_ONLY },
                { "/dev/shm", MKDIR_WRITABLE(01777), NS_ONLY },
                /* A fresh /proc of the builder's own PID namespace: none
                 * without one, where it would show the host's processes. */
                { "/proc", { .type = NSB_ACT_MOUNT, .flags = NSB_ACT_DIR, .source = "proc",
                             .mount_flags = MS_NOSUID | MS_NODEV | MS_NOEXEC, .mode = 0555 }, PROC_ONLY },
                { "/build", { .type = NSB_ACT_BIND, .flags = NSB_ACT_DIR, .source = b->build_dir }, NS_ONLY },
                /* The chroot's root is on disk and holds the build directory
                 * itself (builddir.c). */
                { "/build", { .type = NSB_ACT_MKDIR, .flags = NSB_ACT_DIR | NSB_ACT_EXISTING, .mode = 0700 }, CHROOT_ONLY },
        };
        for (size_t i = 0; i < ELEMENTSOF(skel); i++) {
                if ((skel[i].tiers == NS_ONLY && !for_namespaces) || (skel[i].tiers == CHROOT_ONLY && for_namespaces) ||
                    (skel[i].tiers == PROC_ONLY && !(for_namespaces && with_proc)))
                        continue;
                int r = node_add(l, skel[i].dest, &skel[i].a, false);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Paths the sandbox itself needs, which a caller's bind may not replace. */
static bool path_is_reserved(const char *dest)
{
        static const char *const reserved[] = { "/build", "/proc", "/dev" };
        for (size_t i = 0; i < ELEMENTSOF(reserved); i++)
                if (path_has_prefix(reserved[i], dest))
                        return true;
        return false;
}

int nsb_plan_build(nsb_build *b, bool for_namespaces, bool with_proc)
{
        nsb_plan *plan = &b->plan;
        struct node_list l = { 0 };
        int r;

        if (add_skeleton(b, &l, for_namespaces, with_proc) < 0)
                goto fail_nomem;

        for (size_t i = 0; i < b->n_binds; i++) {
                const struct nsb_bind_spec *spec = &b->binds[i];
                nsb_action a = { 0 };
                if (path_is_reserved(spec->dest)) {
                        r = nsb_fail(b, EINVAL, "plan sandbox", "cannot bind %s: %s is reserved for the sandbox",
                                     spec->source ? spec->source : spec->target, spec->dest);
                        goto fail;
                }
                if (!spec->source) {
                        a.type = NSB_ACT_SYMLINK;
                        a.source = spec->target;
                } else {
                        struct stat st;
                        if (lstat(spec->source, &st) < 0) {
                                r = nsb_fail(b, errno, "plan sandbox", "cannot bind %s: %s", spec->source,
                                             strerror(errno));
                                goto fail;
                        }
                        if (S_ISLNK(st.st_mode)) {
                                /* Recreate the symlink rather than follow it:
                                 * its target is resolved inside the sandbox,
                                 * as it would be in the store. */
                                char buf[4096];
                                ssize_t n = readlink(spec->source, buf, sizeof(buf) - 1);
                                if (n < 0) {
                                        r = nsb_fail(b, errno, "plan sandbox", "cannot read symlink %s: %s",
                                                     spec->source, strerror(errno));
                                        goto fail;
                                }
                                a.type = NSB_ACT_SYMLINK;
                                a.source = arena_strndup(&plan->arena, buf, (size_t) n);
                        } else {
                                a.type = NSB_ACT_BIND;
                                a.source = spec->source;
                                if (S_ISDIR(st.st_mode))
                                        a.flags |= NSB_ACT_DIR;
                                if (spec->flags & NSB_BIND_READONLY)
                                        a.flags |= NSB_ACT_READONLY;
                                if (spec->flags & NSB_BIND_DEVICES)
                                        a.flags |= NSB_ACT_DEVICES;
                        }
                        if (!a.source)
                                goto fail_nomem;
                }
                if (node_add(&l, spec->dest, &a, true) < 0)
                        goto fail_nomem;
        }

        /* A build on the host's network resolves names as the host does
         * (Nix binds the same three files into fixed-output builds).  The
         * host's files may be symlinks (systemd-resolved's resolv.conf):
         * what they point to is bound. */
        if (b->share_network) {
                static const char *const net_files[] = { "/etc/resolv.conf", "/etc/services", "/etc/hosts" };
                for (size_t i = 0; i < ELEMENTSOF(net_files); i++) {
                        _cleanup_free_ char *real = realpath(net_files[i], NULL);
                        struct stat st;
                        if (!real || stat(real, &st) < 0 || !S_ISREG(st.st_mode))
                                continue;
                        nsb_action a = { .type = NSB_ACT_BIND, .flags = NSB_ACT_READONLY,
                                         .source = arena_strdup(&plan->arena, real) };
                        if (!a.source || node_add(&l, net_files[i], &a, true) < 0)
                                goto fail_nomem;
                }
        }

        for (size_t i = 0; i < b->n_scratch; i++) {
                nsb_action a = { .type = NSB_ACT_BIND, .flags = NSB_ACT_DIR, .source = b->scratch[i].dir };
                if (node_add(&l, b->scratch[i].parent, &a, false) < 0)
                        goto fail_nomem;
        }

        qsort(l.v, l.n, sizeof(*l.v), node_compare);

        /* A caller's bind replaces what the skeleton would have put at or
         * below its destination (binding the host's /etc replaces our
         * generated files); two of the caller's own at one place is an
         * error. */
        size_t kept = 0;
        for (size_t i = 0; i < l.n; i++) {
                struct node *n = &l.v[i];
                bool drop = false;
                /* Only the few skeleton nodes are compared against the
                 * caller's, so this stays linear in the number of inputs. */
                for (size_t j = 0; j < l.n && !drop && !n->user; j++)
                        if (l.v[j].user && path_has_prefix(n->dest, l.v[j].dest))
                                drop = true;
                if (drop)
                        continue;
                /* The same input named twice (a closure lists what the
                 * derivation names too) is one bind. */
                if (kept > 0 && n->user && l.v[kept - 1].user && strcmp(l.v[kept - 1].dest, n->dest) == 0 &&
                    l.v[kept - 1].action.type == n->action.type && l.v[kept - 1].action.flags == n->action.flags &&
                    l.v[kept - 1].action.source && n->action.source &&
                    strcmp(l.v[kept - 1].action.source, n->action.source) == 0)
                        continue;
                if (kept > 0 && strcmp(l.v[kept - 1].dest, n->dest) == 0) {
                        r = nsb_fail(b, EINVAL, "plan sandbox", "two binds for one destination: %s", n->dest);
                        goto fail;
                }
                l.v[kept++] = *n;
        }
        l.n = kept;

        /* Walk in tree order with a stack of the directories above the
         * current node; create the directories nobody asked for on the way. */
        struct {
                const char *path;
                int index;
                bool inside_bind;
        } stack[256];
        size_t depth = 0;
        for (size_t i = 0; i < l.n; i++) {
                const char *dest = l.v[i].dest;
                while (depth > 0 && !path_has_prefix(dest, stack[depth - 1].path))
                        depth--;
                /* Missing ancestors, each a component below the stack top. */
                const char *p = dest + (depth > 0 ? strlen(stack[depth - 1].path) : 0);
                for (;;) {
                        const char *slash = strchr(p + 1, '/');
                        if (!slash)
                                break;
                        if (depth >= ELEMENTSOF(stack)) {
                                r = nsb_fail(b, ENAMETOOLONG, "plan sandbox", "path too deep: %s", dest);
                                goto fail;
                        }
                        bool inside = depth > 0 && stack[depth - 1].inside_bind;
                        nsb_action a = MKDIR(0755);
                        a.flags |= NSB_ACT_PARENT | (inside ? NSB_ACT_EXISTING : 0);
                        a.parent = depth > 0 ? stack[depth - 1].index : -1;
                        a.path = arena_strndup(&plan->arena, dest, (size_t) (slash - dest));
                        if (!a.path)
                                goto fail_nomem;
                        a.name = path_basename(a.path);
                        if (nsb_plan_add(plan, &a) < 0)
                                goto fail_nomem;
                        stack[depth].path = a.path;
                        stack[depth].index = (int) plan->n_actions - 1;
                        stack[depth].inside_bind = inside;
                        depth++;
                        p = slash;
                }
                nsb_action a = l.v[i].action;
                a.parent = depth > 0 ? stack[depth - 1].index : -1;
                a.path = dest;
                a.name = path_basename(dest);
                if (depth > 0 && stack[depth - 1].inside_bind && a.type == NSB_ACT_MKDIR)
                        a.flags |= NSB_ACT_EXISTING;
                if (nsb_plan_add(plan, &a) < 0)
                        goto fail_nomem;
                if (a.flags & NSB_ACT_DIR) {
                        if (depth >= ELEMENTSOF(stack)) {
                                r = nsb_fail(b, ENAMETOOLONG, "plan sandbox", "path too deep: %s", dest);
                                goto fail;
                        }
                        stack[depth].path = dest;
                        stack[depth].index = (int) plan->n_actions - 1;
                        stack[depth].inside_bind = a.type == NSB_ACT_BIND ||
                                                   (depth > 0 && stack[depth - 1].inside_bind);
                        depth++;
                }
        }

        /* Mark the directories that others are created in, so the child
         * keeps an fd to exactly those. */
        for (size_t i = 0; i < plan->n_actions; i++)
                if (plan->actions[i].parent >= 0)
                        plan->actions[plan->actions[i].parent].flags |= NSB_ACT_PARENT;

        free(l.v);
        return 0;

fail_nomem:
        r = nsb_fail(b, ENOMEM, "plan sandbox", "out of memory");
fail:
        free(l.v);
        return r;
}
