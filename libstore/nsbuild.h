/* nsbuild.h - run a package builder in a sandbox.
 *
 * libnsbuild runs one builder (a program, its arguments and environment)
 * in a sandbox that shows it only the inputs it was given, gives it no
 * network but a private loopback interface, no other process to talk to
 * and no privileges, and removes everything it made afterwards.
 *
 * Usage:
 *
 *     nsb_build *b;
 *     if (nsb_build_new(&b) < 0) ...;
 *     nsb_build_set_builder(b, "/bin/sh", (const char *[]){"sh", "-c", "...", NULL});
 *     nsb_build_add_input(b, "/nix/store/...-bash");
 *     nsb_build_add_output(b, "/nix/store/...-hello");
 *     if (nsb_build_start(b) < 0 || nsb_build_wait(b) < 0)
 *             fprintf(stderr, "%s\n", nsb_build_error_message(b));
 *     else if (nsb_build_result(b) == NSB_RESULT_EXITED) ...
 *     nsb_build_free(b);
 *
 * Conventions: functions that can fail return 0 (or a non-negative value)
 * on success and a negative errno value on failure; the library never
 * prints, never exits, never installs signal handlers and opens every file
 * descriptor close-on-exec.  A build object is not thread-safe, but
 * distinct build objects may be used from different threads at once.
 * Strings passed in are copied; the caller keeps ownership.
 */
#ifndef NSBUILD_H
#define NSBUILD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version, e.g. "0.1.0". */
const char *nsb_version(void);

/* What this copy of the library was compiled with, one word a capability:
 * "+MOUNT_NS +NET_NS +IPC_NS +UTS_NS +PID_NS +USER_NS +CHROOT -SECCOMP
 * +SHA256".  A '+' means compiled in, not that the running kernel allows
 * it. */
const char *nsb_compiled_features(void);

/* Sandbox tiers, strongest first. */
typedef enum nsb_sandbox {
        NSB_SANDBOX_AUTO = 0, /* the strongest tier that works here */
        NSB_SANDBOX_FULL,     /* mount, network, IPC, UTS and PID namespaces */
        NSB_SANDBOX_CHROOT,   /* plain chroot, no namespaces */
        NSB_SANDBOX_OFF,      /* no isolation: a fresh build directory only */
} nsb_sandbox;

/* Name of a tier ("auto", "full", "chroot", "off"), NULL if out of range. */
const char *nsb_sandbox_name(nsb_sandbox mode);
/* Parse a tier name; returns 0 or -EINVAL. */
int nsb_sandbox_from_name(const char *name, nsb_sandbox *ret_mode);
/* 1 if this copy of the library contains the tier, else 0. */
int nsb_sandbox_compiled(nsb_sandbox mode);

/* ---- what works here ---------------------------------------------------
 *
 * What the running kernel and the caller's privileges allow, found out by
 * trying each capability in a throwaway child the way a build uses it (a
 * user namespace counts only if its maps can be written and a mount done
 * in it).  Probed once per process, on first use, and cached; thread-safe.
 */
typedef enum nsb_capability {
        NSB_CAP_MOUNT_NS = 0,
        NSB_CAP_NET_NS,
        NSB_CAP_IPC_NS,
        NSB_CAP_UTS_NS,
        NSB_CAP_PID_NS,
        NSB_CAP_USER_NS,          /* as the caller: needed without root */
        NSB_CAP_USER_NS_UNPRIVILEGED, /* as an ordinary user, whoever we are */
        NSB_CAP_LOOPBACK,
        NSB_CAP_PIVOT_ROOT,
        NSB_CAP_CHROOT,
        NSB_CAP_SECCOMP,
        NSB_CAP_LANDLOCK,         /* a Landlock domain: no ptrace out of the build (Linux 5.13) */
        NSB_CAP_LANDLOCK_SCOPE,   /* its scopes: no signals, no abstract sockets out (Linux 6.12) */
        NSB_CAP_LANDLOCK_UNIX,    /* no unix socket with a path made outside (Linux 7.1) */
        NSB_CAP_MAX_,
} nsb_capability;

/* "mount_ns", "net_ns", ...; NULL if out of range. */
const char *nsb_capability_name(nsb_capability cap);
/* 1 if this copy of the library can use the capability at all. */
int nsb_capability_compiled(nsb_capability cap);
/* 1 if it works here, 0 if not (or not compiled in). */
int nsb_capability_works(nsb_capability cap);
/* Why not: the errno of the failing step (0 if it works), a one-line
 * reason naming the errno and the sysctl or policy that explains it, and
 * how to enable it ("" where nothing is to be said). */
int nsb_capability_errno(nsb_capability cap);
const char *nsb_capability_reason(nsb_capability cap);
const char *nsb_capability_advice(nsb_capability cap);
/* Whether builds get a cgroup of their own here (every process a build
 * starts held in it, killed with it at the end, counted for
 * nsb_build_get_stats()): 1 or 0.  The summary names each hierarchy with
 * what it gives ("v2 /sys/fs/cgroup/unified (kill, cpu time); v1
 * /sys/fs/cgroup/memory (memory)..."), or why there is none and how to
 * get one.  Probed once per process, on first use; thread-safe. */
int nsb_cgroup_available(void);
const char *nsb_cgroup_summary(void);
/* The capabilities nsbuild uses (CAP_SYS_ADMIN, CAP_SETUID, ...), as this
 * process holds them, for diagnostics: nsb_privilege_count() of them; of
 * the Ith (NULL or 0 past the end), its name, 1 if held (effective), what
 * it gives nsbuild, and where it is missing, why ("not in the bounding
 * set, nor in PID 1's: the container runtime dropped it"; "" where held).
 * Read with libcap where nsbuild has it (+LIBCAP), else from
 * /proc/self/status; once per process; thread-safe. */
int nsb_privilege_count(void);
const char *nsb_privilege_name(int i);
int nsb_privilege_held(int i);
const char *nsb_privilege_gives(int i);
const char *nsb_privilege_why_missing(int i);
/* What already confines nsbuild and explains refusals: the seccomp mode
 * of /proc/self/status (0 none, 1 strict, 2 a filter; -1 a kernel without
 * seccomp, -2 unknown) with, in RET_FILTERS (may be NULL), the number of
 * filters (-1 unknown, before Linux 5.9); the active security modules
 * and nsbuild's own label ("" where none shows). */
int nsb_self_seccomp_mode(int *ret_filters);
const char *nsb_self_security(void);

/* What a sandbox gives a build, one bit each (nsb_build_isolation(),
 * nsb_sandbox_best_isolation()). */
#define NSB_ISOLATION_ROOT     (1u << 0) /* a root of its own (pivoted in a mount namespace, or a chroot) */
#define NSB_ISOLATION_MOUNT_NS (1u << 1)
#define NSB_ISOLATION_NET_NS   (1u << 2) /* a network namespace of its own */
#define NSB_ISOLATION_LOOPBACK (1u << 3) /* ... with lo up in it */
#define NSB_ISOLATION_IPC_NS   (1u << 4)
#define NSB_ISOLATION_UTS_NS   (1u << 5)
#define NSB_ISOLATION_PID_NS   (1u << 6)
#define NSB_ISOLATION_USER_NS  (1u << 7) /* without root: the others are made in it */
#define NSB_ISOLATION_SECCOMP  (1u << 8) /* the system-call filter */
/* A Landlock domain of the build's own: its processes cannot ptrace (nor
 * read the memory or /proc/PID/environ of) any process outside the build;
 * with the scopes, nor signal one, nor connect to an abstract unix socket
 * one made.  Wherever the kernel allows, in every tier. */
#define NSB_ISOLATION_LANDLOCK       (1u << 9)
#define NSB_ISOLATION_LANDLOCK_SCOPE (1u << 10)
/* Where the builder sees the host's files (the off tier), nor connect to
 * a unix socket with a path that a process outside made. */
#define NSB_ISOLATION_LANDLOCK_UNIX  (1u << 11)
/* The tier NSB_SANDBOX_AUTO picks here, and what it gives: auto uses every
 * namespace and protection the kernel and the caller's privileges allow,
 * one by one, not all or nothing: on a kernel without network namespaces
 * a build still gets its own mount, IPC, UTS and PID namespaces; without
 * a mount namespace (as root) the chroot tier, with the other namespaces
 * that work; where the system-call filter alone is missing, the full tier
 * without it. */
nsb_sandbox nsb_sandbox_best(void);
unsigned nsb_sandbox_best_isolation(void);
/* The name of one NSB_ISOLATION_* bit ("net_ns", ...), NULL for others. */
const char *nsb_isolation_name(unsigned bit);
/* Whether a tier works here (all it needs works; for the full tier, the
 * system-call filter too, where it is compiled in). */
int nsb_sandbox_works(nsb_sandbox mode);

typedef struct nsb_build nsb_build;

/* Create a build object with the defaults: sandbox auto, build user
 * 30001:30000, hostname "localhost", store directory "/nix/store", build
 * directories under $TMPDIR (else /tmp), no time or log limits, log
 * discarded.  Returns 0 or -ENOMEM. */
int nsb_build_new(nsb_build **ret_build);
/* Free the object.  A build still running is killed (with everything it
 * started) and reaped, and its build directory removed.  NULL is a no-op. */
void nsb_build_free(nsb_build *build);

/* The program to run, an absolute path inside the sandbox (a name without
 * '/' is looked up in the PATH given with nsb_build_setenv), and its
 * argument vector (NULL-terminated; argv[0] included).  argv may be NULL,
 * meaning { path, NULL }. */
int nsb_build_set_builder(nsb_build *build, const char *path, const char *const *argv);

/* Add NAME=VALUE to the builder's environment, after the standard
 * variables (so it overrides them).  Setting a name twice keeps the last
 * value. */
int nsb_build_setenv(nsb_build *build, const char *name, const char *value);

/* Bind flags. */
#define NSB_BIND_READONLY (1u << 0) /* read-only, nosuid, nodev */
#define NSB_BIND_DEVICES  (1u << 1) /* keep device nodes usable (no nodev) */

/* Make host path SOURCE visible at DEST (an absolute path in the sandbox;
 * NULL means the same as SOURCE).  A symlink at SOURCE is recreated as the
 * same symlink, never followed.  Destinations are mounted parents first,
 * whatever the order of the calls. */
int nsb_build_add_bind(nsb_build *build, const char *source, const char *dest, unsigned flags);
/* An input: read-only at the same path. */
int nsb_build_add_input(nsb_build *build, const char *path);
/* Recreate a symlink at PATH in the sandbox pointing to TARGET. */
int nsb_build_add_symlink(nsb_build *build, const char *target, const char *path);
/* The usual host tool directories (/usr, and /bin, /sbin, /lib, /lib64,
 * /lib32, /libx32 as symlinks where they are symlinks on the host, else as
 * read-only binds; and /etc/alternatives, through which Debian's cc, awk
 * and others resolve), those that exist.  Returns 0 or a negative errno. */
int nsb_build_add_host_tools(nsb_build *build);

/* Write a file NAME (one path component) holding LEN bytes of CONTENT into
 * the build directory before the builder starts, owned by the build user.
 * With ENV_NAME, that variable is set to the file's path as the builder
 * sees it (e.g. /build/NAME), whatever nsb_build_setenv() says of it: this
 * is how a derivation's passAsFile works.  -EEXIST for a name given twice. */
int nsb_build_add_build_file(nsb_build *build, const char *name, const void *content, size_t len,
                             const char *env_name);

/* An output: an absolute path whose parent directory exists on the host and
 * which must not exist yet.  The builder creates it (file or directory) at
 * that same path; after a successful build it is moved into place; after a
 * failure nothing of it is left. */
int nsb_build_add_output(nsb_build *build, const char *path);

/* Keep the host's network namespace (the other namespaces stay private):
 * for fixed-output builds, whose result is checked against a hash known in
 * advance; nsb_build_set_derivation() sets it for those.  The host's
 * /etc/resolv.conf, /etc/services and /etc/hosts are then bound in.  Off by
 * default. */
int nsb_build_set_share_network(nsb_build *build, int share);
/* After a successful build, rewrite every output as a store keeps it:
 * owned by the calling user, mtime 1, modes 0444 (files), 0555 (files the
 * owner could execute, directories), no setuid, setgid or sticky bit, no
 * extended attributes or ACLs; a file hard-linked to anything outside the
 * output is replaced by a copy.  An output holding anything but regular
 * files, directories and symlinks fails the build.  Off by default;
 * nsb_build_set_derivation() turns it on.  Without it outputs are still
 * made safe for the caller: owned by it, with no setuid, setgid or sticky
 * bit, no group or world write permission, no ACL and no file capability
 * (hard links to files outside are copied the same way); their other mode
 * bits and times are kept. */
int nsb_build_set_canonicalise_outputs(nsb_build *build, int enable);
/* Keep capability NAME (as CAP_NET_RAW; any case) for the builder, in its
 * permitted, effective, inheritable and ambient sets, as bubblewrap's
 * --cap-add does: it holds it only inside its own user namespace, over
 * its own namespaces (a raw socket on its own loopback, say).  -EINVAL
 * for a name this kernel does not know.  nsb_build_start() fails (125)
 * where the build would have no user namespace of its own (root, which
 * makes its namespaces without one; the chroot and off tiers), since the
 * capability would then be the host's.  A derivation
 * (nsb_build_set_derivation()) gets none: its builds refuse it too. */
int nsb_build_add_capability(nsb_build *build, const char *name);

/* After a successful build whose outputs are canonicalised (a
 * derivation's, or nsb_build_set_canonicalise_outputs()), what a store
 * registers for output I (in the order they were added): its path, its
 * NAR hash (into BUF of SIZE bytes; 72 are enough: NSB_NAR_HASH_NIX32,
 * "sha256:" and Nix's base 32, as nix path-info --json shows it;
 * NSB_NAR_HASH_BASE16, 64 hex digits, as nix-store --dump-db writes it),
 * its NAR size, and its references: the store paths among the
 * build's inputs (bound paths directly in the store directory, the
 * closure's included) and its outputs whose hash part occurs in its NAR
 * serialisation, itself included, sorted (NULL-terminated; the count in
 * *RET_N).  Its content address ("fixed:r:sha256:..." or
 * "fixed:sha256:...", "" for an output that is not fixed), and its place
 * in the order a store registers them in (0 first; each after the
 * outputs it refers to).  -ENODATA (NULL) before that, or for an output
 * not canonicalised; -ENOBUFS where BUF is too small; -EOPNOTSUPP for the
 * NAR hash of a library built without a hash library (-SHA256), whose
 * references are still found.  A fixed output
 * that refers to any store path, and outputs that refer to each other in
 * a cycle, fail the build (exit code 1 of nsbuild's, 125), as in Nix. */
/* What input PATH (a store path) refers to, as the store knows it: REFS,
 * NULL-terminated store paths (the closure of the inputs, each with its
 * references, is what a derivation's allowedRequisites and
 * disallowedRequisites are checked against).  0, -EINVAL, -ENOMEM. */
int nsb_build_add_input_references(nsb_build *build, const char *path, const char *const *refs);
/* What a store records of input PATH besides its references: its NAR hash
 * (NAR_HASH: "sha256:" and Nix's base 32, hex or base 64, or SRI
 * "sha256-..."; NULL: not known) and size, and its content address (CA:
 * "fixed:...", "text:sha256:..."; NULL or "": none).  Structured
 * attributes' exportReferencesGraph and outputChecks' maxClosureSize need
 * these for every path they name; what is not given is found by
 * serialising the path, and a content address is then not known (so not
 * written).  0, -EINVAL (not a store path, a malformed hash), -ENOMEM. */
int nsb_build_add_input_info(nsb_build *build, const char *path, const char *nar_hash, uint64_t nar_size,
                             const char *ca);
/* The features this host offers derivations' requiredSystemFeatures (a
 * space-separated list; default "nixos-test benchmark big-parallel", and
 * "kvm" where /dev/kvm can be opened), set before
 * nsb_build_set_derivation(): a derivation needing one it lacks is
 * refused, naming it; "kvm" binds /dev/kvm, devices usable; "uid-range"
 * and "recursive-nix" are refused by name.  And whether a derivation that
 * sets __noChroot may be built without a sandbox (the off tier); without
 * that (and without nsb_build_set_sandbox(NSB_SANDBOX_OFF)) it is
 * refused, never built sandboxed as if nothing was asked. */
int nsb_build_set_system_features(nsb_build *build, const char *features);
int nsb_build_set_allow_no_chroot(nsb_build *build, int allow);
/* Keep the build directory of a build that fails (not of one that
 * succeeds), as Nix's --keep-failed; nsb_build_dir() names it. */
int nsb_build_set_keep_failed(nsb_build *build, int keep);
/* Rebuild outputs that already exist (as Nix's --check), in scratch
 * directories, and compare NAR hashes: the same, the rebuild goes; not the
 * same, it is kept beside the output as <output>.check and the build
 * fails (nsb_build_output_check_differs() says which).  Needs a sandbox
 * (not the off tier) and outputs that are canonicalised. */
int nsb_build_set_check(nsb_build *build, int check);
/* After a --check build: 1 if output I's rebuild differed, else 0. */
int nsb_build_output_check_differs(const nsb_build *build, size_t i);
size_t nsb_build_n_outputs(const nsb_build *build);
const char *nsb_build_output_path(const nsb_build *build, size_t i);
#define NSB_NAR_HASH_NIX32 0
#define NSB_NAR_HASH_BASE16 1
int nsb_build_output_nar_hash(const nsb_build *build, size_t i, int format, char *buf, size_t size);
int64_t nsb_build_output_nar_size(const nsb_build *build, size_t i);
const char *const *nsb_build_output_references(const nsb_build *build, size_t i, size_t *ret_n);
int nsb_build_output_ca(const nsb_build *build, size_t i, char *buf, size_t size);
int nsb_build_output_register_order(const nsb_build *build, size_t i);

int nsb_build_set_sandbox(nsb_build *build, nsb_sandbox mode);
/* Where the per-build directory is created (default $TMPDIR, else /tmp). */
int nsb_build_set_tmpdir(nsb_build *build, const char *dir);
/* Where a run keeps the record of what it makes on disk while it runs
 * (its build directory, scratch directories, outputs made in place), so
 * that if it is killed the next run using the same directory removes
 * them, reporting each through the warning callback ("..., removed").
 * Default: /run/nsbuild/runs as root; $XDG_RUNTIME_DIR/nsbuild-runs, else
 * $TMPDIR/.nsbuild-runs-UID, for an ordinary user.  The directory is made
 * (0700) if missing; it must belong to the caller and be writable by no
 * one else, or the run goes ahead without a record (with a warning).
 * NULL restores the default. */
int nsb_build_set_journal_dir(nsb_build *build, const char *dir);
/* The store directory announced as NIX_STORE (default /nix/store). */
int nsb_build_set_store_dir(nsb_build *build, const char *dir);
/* NIX_BUILD_CORES (default: the number of online CPUs). */
int nsb_build_set_cores(nsb_build *build, unsigned cores);
/* Seconds; 0 means no limit. */
int nsb_build_set_timeout(nsb_build *build, unsigned seconds);
int nsb_build_set_max_silent_time(nsb_build *build, unsigned seconds);
/* Bytes of log; 0 means no limit. */
int nsb_build_set_max_log_size(nsb_build *build, uint64_t bytes);
/* Limits on the build's cgroup (nsb_cgroup_available()), 0 meaning none:
 * the memory of all its processes, tmpfs pages they touch included
 * (memory.max, with no swap beyond it: memory.swap.max 0; on v1
 * memory.limit_in_bytes and memsw), the number of its processes
 * (pids.max), its CPU time per period (cpu.max; on v1 cpu.cfs_quota_us
 * and cfs_period_us; period 0: 100000).  nsb_build_add_cgroup_limit()
 * sets any other cgroup v2 interface file of the ones nsbuild(1) lists
 * (-EINVAL for another, or a value with a newline).  A limit that cannot
 * be set where the build starts fails the start (status 125), in every
 * sandbox mode: a limit is never claimed and not enforced. */
int nsb_build_set_memory_max(nsb_build *build, uint64_t bytes);
/* Whether the build gets a cgroup of its own where one can be had (on by
 * default): off for a caller that puts its builds in cgroups itself.  A
 * limit then cannot be set. */
int nsb_build_set_cgroup(nsb_build *build, int enable);
/* Where builds' cgroups are made: the cgroup PATH (as /proc/self/cgroup
 * names cgroups: "/builds"), in every hierarchy where it exists and the
 * caller may write, instead of a directory "nsbuild" below the caller's
 * own cgroup.  NULL: that default.  -EINVAL for a path that is not
 * absolute and normal. */
int nsb_build_set_cgroup_parent(nsb_build *build, const char *path);
/* The size of the full tier's root tmpfs, which holds /dev/shm (its /tmp
 * is a directory on disk beside the build directory, as in Nix): default
 * NSB_DEFAULT_TMPFS_SIZE; 0 for the kernel's default (half the RAM). */
#define NSB_DEFAULT_TMPFS_SIZE (512ULL << 20)
int nsb_build_set_tmpfs_size(nsb_build *build, uint64_t bytes);
int nsb_build_set_pids_max(nsb_build *build, uint64_t max);
int nsb_build_set_cpu_max(nsb_build *build, uint64_t quota_usec, uint64_t period_usec);
int nsb_build_add_cgroup_limit(nsb_build *build, const char *key, const char *value);
/* The build user; uid 0 is refused (-EINVAL): the builder never runs as root. */
int nsb_build_set_user(nsb_build *build, uid_t uid, gid_t gid);
/* The pool of build users, as root: each build takes the first free uid of
 * FIRST..FIRST+COUNT-1 (the group stays the build group) and holds a lock
 * on it in LOCK_DIR (NULL: /run/nsbuild/build-users) while it runs, so no
 * two builds share a uid; in the tiers without a PID namespace (chroot,
 * off) every process of that uid is killed when the build ends.  Without a
 * pool: 30001..30032, or exactly the uid given to nsb_build_set_user().
 * A build finding every uid busy fails with -EBUSY. */
int nsb_build_set_user_pool(nsb_build *build, uid_t first, unsigned count, const char *lock_dir);
int nsb_build_set_hostname(nsb_build *build, const char *hostname);
/* The Nix system type ("x86_64-linux", "i686-linux", ...); selects the
 * personality.  Returns -EOPNOTSUPP for a system this host cannot run. */
int nsb_build_set_system(nsb_build *build, const char *system);
/* Kill the build, with every process it started, when the thread that
 * started it dies: on by default, so that when the embedding program dies
 * (by any signal) its builds die too.  The kernel's parent-death signal
 * is a thread's, not a process's (PR_SET_PDEATHSIG): a program that starts
 * builds from a thread which ends before they do must turn this off, and
 * then kill its builds itself. */
int nsb_build_set_die_with_parent(nsb_build *build, int enable);
/* Keep the build directory after the build instead of removing it. */
int nsb_build_set_keep_build_dir(nsb_build *build, int keep);

/* The log (the builder's stdout and stderr, one stream) goes to FD, which
 * the caller keeps owning, or to the callback.  The last call wins. */
int nsb_build_set_log_fd(nsb_build *build, int fd);
typedef void (*nsb_log_fn)(const char *data, size_t len, void *userdata);
int nsb_build_set_log_callback(nsb_build *build, nsb_log_fn fn, void *userdata);
/* Whether the log sent to the fd of nsb_build_set_log_fd() is filtered
 * for a terminal: text, tabs, newlines and colour (SGR sequences) pass;
 * every other control sequence and control character (window titles,
 * clipboard writes, cursor movement, carriage returns, device control
 * strings, C1 controls) is dropped, as Nix does, so that a builder cannot
 * command the user's terminal or write over what nsbuild says.  AUTO, the
 * default, filters when the fd is a terminal (isatty); a log to a file or
 * a pipe stays byte-exact.  The callback of nsb_build_set_log_callback()
 * always gets the bytes as they are. */
typedef enum nsb_log_filter {
        NSB_LOG_FILTER_AUTO = 0,
        NSB_LOG_FILTER_NEVER,
        NSB_LOG_FILTER_ALWAYS,
} nsb_log_filter;
int nsb_build_set_log_filter(nsb_build *build, nsb_log_filter mode);
/* Called with one line of text for each setup step, for a verbose mode. */
typedef void (*nsb_trace_fn)(const char *message, void *userdata);
int nsb_build_set_trace_callback(nsb_build *build, nsb_trace_fn fn, void *userdata);
/* Called with one line for each thing the user should know but that does
 * not stop the build (a weaker sandbox, a device node that could not be
 * made).  Without a callback, warnings are dropped. */
int nsb_build_set_warning_callback(nsb_build *build, nsb_trace_fn fn, void *userdata);

/* Set up the sandbox and start the builder.  Returns once the builder has
 * been exec'd (0) or setup failed (negative errno; the details are in
 * nsb_build_error_*()).  No part of a failed setup is left behind.  The
 * builder's process shares the caller's memory until its exec (as with
 * posix_spawn; where it is born in its cgroup, with clone3, it is a copy
 * of it instead, as after vfork without shared memory), so the calling
 * thread is suspended meanwhile, with its
 * signals blocked (they are delivered after); other threads run on.  The
 * builder starts with every signal at its default and none blocked. */
int nsb_build_start(nsb_build *build);
/* The path on the host of the builder's /build (NIX_BUILD_TOP), once
 * started; with nsb_build_set_keep_build_dir() it stays after the build. */
const char *nsb_build_dir(const nsb_build *build);
/* The builder's pid (in the caller's PID namespace), once started. */
pid_t nsb_build_pid(const nsb_build *build);
/* Once started: the tier the build runs in, and exactly what isolation it
 * has (NSB_ISOLATION_* bits; with --sandbox=auto possibly less than the
 * tier's best, as the warning callback said). */
nsb_sandbox nsb_build_sandbox(const nsb_build *build);
unsigned nsb_build_isolation(const nsb_build *build);

/* For event loops: an fd that polls readable (POLLIN) whenever
 * nsb_build_dispatch() has work; -1 when no build is running. */
int nsb_build_fd(const nsb_build *build);
/* Do whatever is ready without blocking: forward log output, enforce the
 * limits, reap the builder.  Returns 1 when the build has finished (the
 * result is available), 0 while it runs, or a negative errno. */
int nsb_build_dispatch(nsb_build *build);
/* Block until the build has finished.  Returns 0 or a negative errno. */
int nsb_build_wait(nsb_build *build);
/* Stop a running build: everything it started is killed. */
int nsb_build_kill(nsb_build *build);

/* ---- derivations ----------------------------------------------------------
 *
 * The ATerm derivation format of Nix (.drv files):
 *
 *   Derive([("out","/nix/store/...-hello","","")],
 *          [("/nix/store/...-bash.drv",["out"])],["/nix/store/...-builder.sh"],
 *          "x86_64-linux","/nix/store/...-bash/bin/bash",["-e","..."],
 *          [("name","value"),...])
 *
 * written without whitespace: outputs (name, path, hash algorithm, hash),
 * input derivations with the names of the outputs used, input sources,
 * system, builder, arguments, environment.  Strings are quoted with the
 * escapes \" \\ \n \r \t.  The parser accepts exactly what Nix writes, so
 * that printing a parsed derivation reproduces it byte for byte: another
 * escape, a raw newline, carriage return, tab or NUL in a string, a
 * duplicate name, whitespace and trailing data (a final newline too) are
 * errors.  Limits: NSB_DRV_MAX_SIZE bytes of input and NSB_DRV_MAX_ITEMS
 * entries in any one list; the grammar fixes the nesting depth.  Memory
 * used is bounded by about twice the input plus 16 bytes per list entry. */
#define NSB_DRV_MAX_SIZE (64u << 20)
#define NSB_DRV_MAX_ITEMS (1u << 20)

typedef struct nsb_drv nsb_drv;

/* Where and why parsing failed: the byte offset (from 0), line and column
 * (from 1, the column in bytes) and a message without the position
 * ("expected ',' after an output name, found ')'"). */
typedef struct nsb_drv_error {
        size_t offset;
        unsigned line;
        unsigned column;
        char message[256];
} nsb_drv_error;

/* Parse LEN bytes of TEXT.  Returns 0 and the derivation, or a negative
 * errno (-EINVAL malformed, -EFBIG too large, -E2BIG a list too long,
 * -ENOMEM) with *ret_error (may be NULL) filled in. */
int nsb_drv_parse(const char *text, size_t len, nsb_drv **ret_drv, nsb_drv_error *ret_error);
/* Read and parse the file PATH.  -EINVAL means malformed, with the
 * position in *ret_error, as from nsb_drv_parse(); any other error is the
 * file's (-ENOENT, -EISDIR, -ENOTSUP for a file that is not regular,
 * -EFBIG...), with the reason in ret_error->message. */
int nsb_drv_load(const char *path, nsb_drv **ret_drv, nsb_drv_error *ret_error);
void nsb_drv_free(nsb_drv *drv);
/* The derivation in its file format, malloc'd and NUL-terminated; the
 * caller frees it.  Returns 0 or -ENOMEM. */
int nsb_drv_print(const nsb_drv *drv, char **ret_text, size_t *ret_len);

/* The parts, in file order.  Strings stay owned by the derivation. */
size_t nsb_drv_n_outputs(const nsb_drv *drv);
/* Output I: name, path ("" for a content-addressed output), hash algorithm
 * and hash ("" unless fixed-output).  Any ret_* may be NULL. */
int nsb_drv_output(const nsb_drv *drv, size_t i, const char **ret_name, const char **ret_path,
                   const char **ret_hash_algo, const char **ret_hash);
/* The path of the output called NAME, NULL if there is none. */
const char *nsb_drv_output_path(const nsb_drv *drv, const char *name);
size_t nsb_drv_n_input_drvs(const nsb_drv *drv);
/* Input derivation I's path, and the names of its outputs used. */
const char *nsb_drv_input_drv(const nsb_drv *drv, size_t i, const char *const **ret_outputs,
                              size_t *ret_n_outputs);
size_t nsb_drv_n_input_srcs(const nsb_drv *drv);
const char *nsb_drv_input_src(const nsb_drv *drv, size_t i);
const char *nsb_drv_system(const nsb_drv *drv);
const char *nsb_drv_builder(const nsb_drv *drv);
size_t nsb_drv_n_args(const nsb_drv *drv);
const char *nsb_drv_arg(const nsb_drv *drv, size_t i);
size_t nsb_drv_n_env(const nsb_drv *drv);
int nsb_drv_env(const nsb_drv *drv, size_t i, const char **ret_name, const char **ret_value);
/* The value of environment variable NAME, NULL if unset. */
const char *nsb_drv_getenv(const nsb_drv *drv, const char *name);
/* 1 for a fixed-output derivation (one output "out" with a hash). */
int nsb_drv_is_fixed_output(const nsb_drv *drv);

/* Configure BUILD to realise DRV as a store does; call
 * nsb_build_set_store_dir() first.  Checks, before anything runs, that
 * every path the derivation names lies directly in the store directory,
 * that every input exists (input sources, and the named outputs of each
 * input derivation, read from its .drv file in the store), that this host
 * can run its system (which selects the personality) and that a fixed
 * output's hash can be checked.  Then sets the builder (argv[0] is its
 * base name), its arguments, the derivation's environment (over the
 * standard variables; a variable named in passAsFile goes into a file
 * /build/.attr-<hash> instead, its path in NAMEPath, as in Nix;
 * structured attributes (__json) are refused), the inputs, the outputs,
 * output canonicalisation
 * and, for a fixed-output derivation, the host's network and the hash
 * (md5, sha1, sha256 or sha512, flat or r:, verified after the build on
 * a fresh copy of the output), allowedReferences, disallowedReferences,
 * allowedRequisites, disallowedRequisites and exportReferencesGraph.  On failure returns a negative errno and
 * nsb_build_error_message() names the path and the problem; the object
 * should then be freed. */
int nsb_build_set_derivation(nsb_build *build, const nsb_drv *drv);
/* An input named by store path (a line of a closure, as `nix-store -qR`
 * prints them): checked to lie directly in the store directory and to
 * exist, then added as with nsb_build_add_input().  Naming an input twice
 * is harmless.  On failure nsb_build_error_message() says why. */
int nsb_build_add_store_input(nsb_build *build, const char *path);

typedef enum nsb_result {
        NSB_RESULT_NONE = 0,      /* not started, or still running */
        NSB_RESULT_EXITED,        /* see nsb_build_exit_status() */
        NSB_RESULT_SIGNALED,      /* see nsb_build_term_signal() */
        NSB_RESULT_TIMED_OUT,     /* killed: the timeout passed */
        NSB_RESULT_SILENT_TIMEOUT,/* killed: no output for max-silent-time */
        NSB_RESULT_LOG_LIMIT,     /* killed: log larger than max-log-size */
        NSB_RESULT_FAILED,        /* nsbuild itself failed; see nsb_build_error_*() */
        NSB_RESULT_OUT_OF_MEMORY, /* failed, and the OOM killer killed in its cgroup (memory.max) */
        NSB_RESULT_PIDS_LIMIT,    /* failed, and pids.max refused it a process */
} nsb_result;

nsb_result nsb_build_result(const nsb_build *build);
/* The result as one shell-style exit status, the CLI's: the builder's own
 * exit status; 128+N when killed by signal N; 124 timed out (either
 * timeout); 137 out of memory (as a shell shows the OOM killer's SIGKILL);
 * after the process limit, the builder's own status as above; 127 builder
 * not found; 126 builder not executable; 125 any
 * other failure of nsbuild or of the sandbox setup (including a log over
 * max-log-size, a missing output, an output that cannot be canonicalised
 * and a fixed output whose hash does not match). */
int nsb_build_exit_code(const nsb_build *build);
int nsb_build_exit_status(const nsb_build *build);
int nsb_build_term_signal(const nsb_build *build);

/* What a finished build used, for a store to record.  WHAT says which
 * fields are known, and where they come from: the build's cgroup gives
 * the CPU time of every process the build started (NSB_STATS_CGROUP) and,
 * where it has the memory controller, their peak memory together
 * (NSB_STATS_MEMORY_PEAK_CGROUP); else they come from the kernel's
 * accounting of the builder and the processes it (or, in the chroot and
 * off tiers, its supervisor) waited for (a process nobody waited for is
 * missing, and the peak is the largest single process's, not the sum).  SIZE is
 * sizeof(nsb_build_stats) as the caller knows it, so that later versions
 * can add fields.  0, -EINVAL (no build, or SIZE too small), -EBUSY (not
 * finished). */
enum {
        NSB_STATS_WALL = 1 << 0,
        NSB_STATS_CPU = 1 << 1,
        NSB_STATS_MEMORY_PEAK = 1 << 2,
        NSB_STATS_CGROUP = 1 << 3,  /* the CPU time is the whole cgroup's */
        NSB_STATS_MEMORY_PEAK_CGROUP = 1 << 4, /* the peak is the whole cgroup's */
        NSB_STATS_PIDS_PEAK = 1 << 5, /* the cgroup's pids.peak (Linux 6.1; with the pids controller) */
};
typedef struct nsb_build_stats {
        unsigned what;              /* NSB_STATS_* */
        uint64_t wall_usec;         /* from the start to the builder's end */
        uint64_t user_usec;
        uint64_t system_usec;
        uint64_t memory_peak;       /* bytes */
        uint64_t pids_peak;         /* the most processes and threads at once */
} nsb_build_stats;
int nsb_build_get_stats(const nsb_build *build, nsb_build_stats *ret_stats, size_t size);

/* The last error: a one-line message naming the step, the path and the
 * errno ("cannot bring up loopback interface: Operation not permitted"),
 * the step alone ("bring up loopback interface"), and the errno.  The
 * message is "" when there was no error. */
const char *nsb_build_error_message(const nsb_build *build);
const char *nsb_build_error_step(const nsb_build *build);
int nsb_build_error_errno(const nsb_build *build);

#ifdef __cplusplus
}
#endif
#endif /* NSBUILD_H */
