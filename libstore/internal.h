/* internal.h - what the pieces of libnsbuild share; not installed. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/resource.h>

#include "cgroup.h"
#include "nsbuild.h"
#include "util.h"

/* ---- the sandbox root, as a plan --------------------------------------
 *
 * Everything the child does to build the sandbox's root is decided in the
 * parent, before clone(), and written down as a flat list of actions in
 * tree order (every directory before what it contains).  The child then
 * only makes system calls relative to directory fds it opened itself: it
 * never resolves a multi-component path, so it cannot be led through a
 * symlink, and it allocates nothing, which keeps it safe after clone() in
 * a multi-threaded caller and keeps the time between clone and exec small. */

typedef enum nsb_action_type {
        NSB_ACT_MKDIR,   /* directory NAME, mode MODE */
        NSB_ACT_FILE,    /* regular file NAME with CONTENT, mode MODE */
        NSB_ACT_SYMLINK, /* symlink NAME -> SOURCE */
        NSB_ACT_BIND,    /* bind host path SOURCE at NAME (created as dir or file) */
        NSB_ACT_MOUNT,   /* fresh filesystem SOURCE (fstype) at NAME, options CONTENT */
} nsb_action_type;

#define NSB_ACT_READONLY   (1u << 0) /* bind: read-only, nosuid, nodev */
#define NSB_ACT_DEVICES    (1u << 1) /* bind: allow device nodes */
#define NSB_ACT_DIR        (1u << 2) /* the node is a directory (bind: source is one) */
#define NSB_ACT_PARENT     (1u << 3) /* other actions are relative to this one */
#define NSB_ACT_OPTIONAL   (1u << 4) /* mount: on EINVAL/ENODEV fall back (devpts) */
#define NSB_ACT_EXISTING   (1u << 5) /* mkdir: may exist already (inside a bind) */
#define NSB_ACT_WRITABLE   (1u << 6) /* mkdir (full tier): stays writable when the root is made read-only */

typedef struct nsb_action {
        nsb_action_type type;
        unsigned flags;
        int parent;           /* index of the directory action, -1 for the root */
        const char *name;     /* last component, relative to the parent */
        const char *path;     /* absolute path in the sandbox, for messages */
        const char *source;   /* bind: host path; symlink: target; mount: fstype */
        const char *content;  /* file: content; mount: options */
        size_t content_len;
        unsigned long mount_flags; /* mount: MS_* flags */
        mode_t mode;
} nsb_action;

typedef struct nsb_plan {
        nsb_action *actions;
        size_t n_actions, n_alloc;
        nsb_arena arena;      /* every string of the plan */
} nsb_plan;

/* A file written into the build directory before the builder starts. */
struct nsb_build_file {
        char *name;           /* one component */
        char *content;
        size_t len;
        char *env_name;       /* set to its path in the sandbox, or NULL */
};

struct nsb_bind_spec {
        char *source;         /* NULL for a symlink */
        char *dest;
        char *target;         /* symlink target */
        unsigned flags;
        bool input;           /* an input (nsb_build_add_input): a candidate reference */
};

/* One output and where the builder creates it. */
struct nsb_output {
        char *path;           /* absolute, in the sandbox and on the host */
        const char *name;     /* last component of path */
        int scratch;          /* index into build->scratch */
        int hash_mode;        /* NSB_HASH_*: a fixed output's expected hash */
        bool fresh_copy;      /* checked copy in the scratch top, as "fixed" */
        mode_t top_mode;      /* the builder's mode of it, for a safe output's final one */
        int hash_algo;        /* nsb_hash_algo (hash.h) of a fixed output */
        uint8_t hash[64];
        /* What a store registers (registration.c), once it is in place. */
        bool described;
        bool nar_hashed;      /* nar_hash is had (a hash library is compiled in) */
        uint8_t nar_hash[32];
        uint64_t nar_size;
        char **refs;          /* sorted store paths, NULL-terminated */
        size_t n_refs;
        size_t register_order; /* 0 first: after every output it refers to */
        bool check_differs;   /* --check: the rebuild's NAR hash is not the one in place */
        /* Structured attributes' outputChecks.<name> (structured.c): the
         * reference checks (NSB_REFCHECK_*, NULL: not set), whether a
         * requisite check leaves the output itself out, and the sizes (0:
         * no limit; the value is the limit plus one). */
        char **checks[4];
        bool ignore_self_refs;
        bool discard_references;  /* unsafeDiscardReferences.<name>: registered with none */
        uint64_t max_size_1, max_closure_size_1;
};

#define NSB_HASH_NONE 0
#define NSB_HASH_FLAT 1       /* the hash of the file's contents */
#define NSB_HASH_RECURSIVE 2  /* the hash of its NAR serialisation */

/* A disk-backed directory mounted at an output's parent directory, so that
 * the builder can create the output at its final path.  It lives next to
 * the final place (same filesystem), so success is a rename(). */
struct nsb_scratch {
        char *parent;         /* the output's parent, e.g. /nix/store */
        char *top;            /* <parent>/.nsbuild-XXXXXX, 0700 root-only */
        char *dir;            /* <top>/s, mounted at PARENT in the sandbox */
        int top_fd;
};

/* ---- child -> parent status protocol ----------------------------------
 *
 * The child reports over a close-on-exec pipe: trace records while verbose,
 * and at most one error record, after which it exits.  EOF without an
 * error record means the builder was exec'd.  A record is far below
 * PIPE_BUF, so writes are atomic. */

typedef enum nsb_step {
        NSB_STEP_NONE = 0,
        NSB_STEP_CLONE,
        NSB_STEP_SUPERVISE,
        NSB_STEP_USER_NS_MAP,
        NSB_STEP_MOUNT_PRIVATE,
        NSB_STEP_LOOPBACK,
        NSB_STEP_HOSTNAME,
        NSB_STEP_DOMAINNAME,
        NSB_STEP_ROOT_TMPFS,
        NSB_STEP_OPEN_ROOT,
        NSB_STEP_ACTION,      /* the plan action with index INDEX */
        NSB_STEP_PIVOT_ROOT,
        NSB_STEP_MOVE_ROOT,
        NSB_STEP_DETACH_OLD_ROOT,
        NSB_STEP_ROOT_READONLY,
        NSB_STEP_CHROOT,
        NSB_STEP_PERSONALITY,
        NSB_STEP_SETSID,
        NSB_STEP_STDIO,
        NSB_STEP_CLOSE_FDS,
        NSB_STEP_RLIMIT_CORE,
        NSB_STEP_SETGROUPS,
        NSB_STEP_SETGID,
        NSB_STEP_SETUID,
        NSB_STEP_CAPABILITIES,
        NSB_STEP_KEYRING,
        NSB_STEP_PARENT_DEATH,
        NSB_STEP_NO_NEW_PRIVS,
        NSB_STEP_SECCOMP,
        NSB_STEP_CHDIR,
        NSB_STEP_EXEC,
        NSB_STEP_CGROUP,      /* join the build's cgroup; INDEX: which hierarchy */
        NSB_STEP_LANDLOCK,
        NSB_STEP_MAX_,
} nsb_step;

enum {
        NSB_MSG_TRACE = 0,
        NSB_MSG_ERROR = 1,
        NSB_MSG_PID = 2,      /* the supervisor's: the builder's pid is INDEX */
};

typedef struct nsb_status_msg {
        int32_t is_error;     /* NSB_MSG_* */
        int32_t step;         /* nsb_step */
        int32_t err;          /* errno */
        int32_t index;        /* action index for NSB_STEP_ACTION */
} nsb_status_msg;

/* The kernel's sigset_t, for the raw signal system calls: 64 signals (128
 * on MIPS); glibc's sigset_t is larger. */
#define NSB_KERNEL_SIGSET_SIZE ((size_t) ((_NSIG - 1) / 8))

/* ---- everything the child needs, prepared by the parent -------------- */

typedef struct nsb_spawn {
        const char *builder;
        char *const *argv;
        char *const *envp;
        const char *path_env;     /* value of PATH in envp, for a bare builder name */
        const char *root;         /* host path of the future root (full tier) */
        const char *root_options; /* its tmpfs's mount options */
        const char *build_dir;    /* host path of the build directory */
        const char *chdir_to;     /* where the builder starts */
        const char *hostname;
        unsigned ns;              /* NSB_ISOLATION_* namespace bits to make */
        const char *uid_map;      /* user namespace maps, NULL when privileged */
        const char *gid_map;
        bool parent_maps;         /* the parent writes them; the child waits on map_wait_fd until EOF */
        int map_wait_fd, map_release_fd;
        const nsb_plan *plan;
        int *dir_fds;             /* one slot per plan action, prepared by the parent */
        int status_fd;            /* write end of the status pipe */
        int log_fd;               /* write end of the log pipe */
        int null_fd;              /* /dev/null, for stdin */
        int root_fd;              /* the root to chroot into (chroot tier) */
        uid_t uid;
        gid_t gid;
        unsigned long personality; /* 0xffffffff: leave alone */
        pid_t parent_pid;
        int parent_pidfd;         /* the parent's pidfd, where the builder cannot see its parent's pid */
        const int *cgroup_procs_fds; /* the build's cgroup, one cgroup.procs per hierarchy, to join */
        size_t n_cgroup_fds;
        int cgroup_fd;            /* its v2 directory, to be born in (-1: none) */
        int cgroup_v2_index;      /* which of cgroup_procs_fds is that one's */
        bool born_in_cgroup;      /* set by the spawner: no join by write for that one */
        unsigned last_cap;        /* the highest capability this kernel knows */
        bool seccomp;             /* install the filter prepared by nsb_seccomp_prepare() */
        unsigned landlock;        /* NSB_ISOLATION_LANDLOCK(_SCOPE): enter a Landlock domain (with scopes) */
        bool guard_supervisor;    /* with the filter: keep the builder off its supervisor (seccomp-guard.c) */
        bool loopback;            /* bring lo up in the new network namespace */
        bool die_with_parent;
        bool clear_user_keyrings; /* the builder is a build user of the host's */
        bool become_build_user;   /* change to uid/gid (else the builder runs as the caller) */
        uint64_t keep_caps;       /* capabilities the builder keeps (in its own user namespace only) */
        bool verbose;
        /* Start the child in the caller's memory, the caller suspended
         * until it execs (spawn.c).  Not when tracing: the parent must
         * then read the child's steps while it runs, or a plan of
         * thousands of steps would fill the status pipe. */
        bool share_memory;
        /* Set by the spawner: the call returned after the builder's exec
         * (or its failure), so the status pipe holds all it will. */
        bool exec_done;
} nsb_spawn;

/* logfilter.c: a log on its way to a terminal keeps text and colour and
 * loses every other control.  OUT must hold N + NSB_TERM_FILTER_SLACK
 * bytes; returns how many it got. */
typedef struct nsb_term_filter {
        int state;
        bool keep;                /* the CSI so far may be SGR */
        bool mid_line;            /* the last byte out was not a newline */
        char seq[48];
        size_t seq_len, string_len;
        char utf8[4];             /* the UTF-8 sequence being read */
        size_t utf8_len;
        int utf8_more;            /* its bytes still to come */
        uint32_t cp;              /* and its code point so far */
} nsb_term_filter;
#define NSB_TERM_FILTER_SLACK 48
size_t nsb_term_filter_run(nsb_term_filter *f, const char *in, size_t n, char *out);

/* ---- the build object -------------------------------------------------- */

typedef enum nsb_state {
        NSB_STATE_CONFIG = 0,
        NSB_STATE_RUNNING,
        NSB_STATE_DONE,
} nsb_state;

/* What a store knows of an input (nsb_build_add_input_info()). */
struct nsb_input_info {
        char *path;
        bool have_nar;        /* hash and size known */
        uint8_t nar_hash[32];
        uint64_t nar_size;
        char *ca;             /* its content address; NULL: none known */
};

struct nsb_build {
        /* configuration */
        char *builder;
        char **argv;
        /* Lists a caller may make as long as a derivation is (a million
         * variables, inputs or outputs): appended to in O(1), searched
         * through maps, resolved once at the start. */
        char **env;               /* NAME=VALUE of the caller, in order; the last of a name wins */
        size_t n_env, env_alloc;
        struct nsb_bind_spec *binds;
        size_t n_binds, binds_alloc;
        struct nsb_build_file *files;
        size_t n_files, files_alloc;
        nsb_strmap file_names;    /* file name -> index */
        nsb_strmap file_env_names;/* the variable naming a file -> index */
        struct nsb_output *outputs;
        size_t n_outputs, outputs_alloc;
        nsb_strmap output_paths;  /* output path -> index */
        nsb_sandbox sandbox;
        char *tmpdir;
        char *store_dir;
        char *hostname;
        char *system;
        unsigned long personality;
        unsigned cores;
        unsigned timeout;
        unsigned max_silent_time;
        uint64_t max_log_size;
        uid_t uid;
        gid_t gid;
        bool user_set;            /* uid/gid given by the caller */
        uid_t pool_first;         /* build users pool, count 0: none given */
        uid_t pool_count;
        char *pool_dir;
        int pool_lock_fd;
        char *journal_dir;        /* NULL: the default (journal.c) */
        int journal_fd;           /* this run's record (journal.c), locked */
        int journal_dir_fd;
        char journal_name[32];
        bool user_ns;             /* this run maps the caller into a user namespace */
        bool build_user;          /* the builder runs as a build user of the host (root with what that needs) */
        bool parent_maps;         /* ... in a user namespace we map it into (root without CAP_SYS_ADMIN) */
        uint64_t keep_caps;       /* nsb_build_add_capability() */
        /* allowedReferences, disallowedReferences, allowedRequisites,
         * disallowedRequisites (NSB_REFCHECK_*): resolved to store paths,
         * NULL where the derivation does not set it (set but empty: none
         * allowed). */
        char **ref_checks[4];
        /* What inputs refer to (nsb_build_add_input_references()): paths and,
         * in the same order, their NULL-terminated references. */
        char **export_graphs;     /* exportReferencesGraph: name, path, name, path, ... */
        char *system_features;    /* nsb_build_set_system_features(); NULL: the default */
        bool allow_no_chroot;     /* a derivation's __noChroot is built in the off tier */
        bool keep_failed;         /* keep the build directory of a failed build */
        bool check;               /* rebuild existing outputs and compare (nsb_build_set_check()) */
        char **known_inputs;
        char ***known_refs;
        size_t n_known, known_alloc;
        nsb_strmap known_index;
        /* What a store knows of inputs (nsb_build_add_input_info()), else
         * found when needed: NAR hash and size, content address. */
        struct nsb_input_info *input_info;
        size_t n_input_info, input_info_alloc;
        nsb_strmap input_info_index;
        /* Structured attributes (__json, structured.c): the object, with
         * "outputs" resolved; NULL without. */
        struct json_object *structured;
        bool structured_attrs;    /* the derivation has them: the outputs' checks are outputChecks */
        /* Nix's output placeholders ("/" and the base-32 SHA-256 of
         * "nix-output:NAME") and the output paths they stand for, as Nix
         * rewrites them in the environment, arguments and files. */
        char **placeholders;      /* placeholder, path, placeholder, path, ... */
        /* A derivation's own inputs (its sources, its input derivations'
         * outputs): where its input closure starts (exportReferencesGraph). */
        nsb_strmap drv_inputs;
        bool derivation;          /* configured by nsb_build_set_derivation() */
        bool keep_build_dir;
        bool die_with_parent;
        bool no_seccomp;          /* auto found the filter unavailable */
        bool landlock_retried;    /* the child was refused its Landlock domain, the probe asked */
        bool share_network;       /* keep the host's network namespace */
        bool canonicalise;        /* canonicalise outputs after a successful build */
        bool no_cgroup;           /* the caller said no (nsb_build_set_cgroup) */
        char *cgroup_parent;      /* where builds' cgroups go; NULL: nsbuild below our own */
        uint64_t tmpfs_size;      /* the full tier's root tmpfs (and so /dev/shm); 0: the kernel's default */
        /* cgroup limits (confine.c); 0: none */
        uint64_t memory_max;
        uint64_t pids_max;
        uint64_t cpu_quota_usec, cpu_period_usec;
        char **cgroup_limits;     /* KEY=VALUE */
        size_t n_cgroup_limits, cgroup_limits_alloc;
        int log_fd;
        nsb_log_filter log_filter;
        nsb_log_fn log_fn;
        void *log_userdata;
        nsb_trace_fn trace_fn;
        void *trace_userdata;
        nsb_trace_fn warning_fn;
        void *warning_userdata;

        /* a run */
        nsb_state state;
        nsb_sandbox tier;         /* the tier of this attempt, then the one used */
        unsigned ns;              /* NSB_ISOLATION_* namespace bits this attempt makes */
        unsigned isolation;       /* what the started build has */
        char *top_dir;            /* $TMPDIR/nsbuild-XXXXXX, 0700 */
        int top_fd;
        char *build_dir;          /* <top>/build, the builder's /build */
        char *root_dir;           /* <top>/root, the mount point of the root tmpfs */
        char *tmp_dir;            /* <top>/tmp, the full tier's /tmp (on disk, as in Nix) */
        struct nsb_scratch *scratch;
        size_t n_scratch, scratch_alloc;
        nsb_plan plan;
        pid_t pid;                /* our child: the builder, or its supervisor */
        pid_t builder_pid;        /* the builder's, where a supervisor started it */
        bool supervised;          /* pid is a supervisor (supervise.c) */
        int result_fd;            /* the supervisor's report of the builder's status */
        int pidfd;                /* -1 where the kernel has no pidfds */
        int log_read_fd;
        int epoll_fd;
        int timer_fd;
        nsb_step failed_step;     /* where the last attempt failed */
        int failed_index;
        uint64_t log_bytes;
        uint64_t start_ns;
        uint64_t last_output_ns;
        bool log_eof;
        bool reaped;
        bool leftovers_killed;
        uint64_t stop_ns;         /* when the build was first told to stop */
        bool supervisor_killed;   /* it did not stop in time: SIGKILLed */
        bool uid_from_pool;       /* b->uid is a pool's, not the caller's choice */
        bool uid_busy;            /* processes of it outlived the build's end */
        bool splice_ok;
        bool filter_log;          /* the log fd is a terminal (logfilter.c) */
        nsb_term_filter term_filter;
        int wait_status;
        struct rusage rusage;     /* of our child and what it waited for */
        nsb_cgroup cgroup;        /* the build's (confine.c); .n == 0: none */
        nsb_cgroup_events events; /* read at its end */
        uint64_t end_ns;          /* when the builder's end was seen */

        /* the result */
        nsb_result result;
        int exit_status;
        int term_signal;
        int error_errno;
        char error_step[128];
        char error_message[1024];
        nsb_build_stats stats;
};

/* Every setter refuses to change a build that has started. */
#define CHECK_CONFIG(b)                                 \
        do {                                            \
                if (!(b))                               \
                        return -EINVAL;                 \
                if ((b)->state != NSB_STATE_CONFIG)     \
                        return -EBUSY;                  \
        } while (0)

/* report.c: the last error (returns -ERR), trace lines and warnings */
int nsb_fail(nsb_build *b, int err, const char *step, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
void nsb_trace(nsb_build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nsb_warn(nsb_build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* confine.c: the build's processes, in a cgroup of their own where the
 * system gives one.  Begin before the child is started (a hierarchy that
 * cannot be had is left out, said as a warning where it should have
 * worked; 0, or nsb_fail()'s error where a limit asked for cannot be
 * set); end once the builder's end is known: every process left is
 * killed, what the build used is read, the cgroup removed.  End is also
 * safe where begin made nothing. */
int nsb_confine_begin(nsb_build *b);
/* Whether KEY is a cgroup v2 file nsb_build_add_cgroup_limit() takes. */
bool nsb_cgroup_limit_key_valid(const char *key);
void nsb_confine_end(nsb_build *b);
/* Stop the build now (a timeout, a limit, the caller): its cgroup's kill,
 * the signal to the builder (full tier) or its supervisor, and, as root
 * without a cgroup, the sweep of the build user's processes.  Returns at
 * once; nsb_confine_end() makes sure. */
void nsb_confine_kill(nsb_build *b);
/* Once the builder has ended: kill what is left in the build's cgroup and
 * wait until it is empty.  True where that was done, and nothing the build
 * started can run any more, however it forked or detached (nothing leaves
 * a cgroup of ours without write access to another); false without a
 * cgroup, or where the kill failed (nsb_confine_end() says so). */
bool nsb_confine_emptied(nsb_build *b);

/* journal.c: the record of what a run leaves on disk, for the next run to
 * remove if this one is killed.  begin (which first removes what runs
 * that are gone left) and note return 0 or nsb_fail()'s negative errno;
 * end with CLEAN removes the record. */
int nsb_journal_begin(nsb_build *b);
int nsb_journal_note(nsb_build *b, const char *kind, const char *path);
void nsb_journal_end(nsb_build *b, bool clean);

/* Root's state: build-user locks, the journal, the full tier's mount
 * point. */
#define NSB_RUN_DIR "/run/nsbuild"

/* userpool.c: a uid of its own for every root build.  acquire sweeps the
 * uid first where the run that held it last was killed; release with
 * FINISHED once every process of the build is known to be gone. */
int nsb_userpool_acquire(nsb_build *b);
void nsb_userpool_release(nsb_build *b, bool finished);
/* SIGKILL every process of UID, in one walk of the kernel's, without
 * waiting (system calls only: the supervisor calls it). */
void nsb_userpool_sweep(uid_t uid);
/* Kill every process of UID (with WAIT, until /proc lists none, for at
 * most a few seconds), empty its keyrings; with IPC remove its IPC objects
 * too.  -EBUSY: with WAIT, some still live. */
int nsb_userpool_kill_all(uid_t uid, bool wait, bool ipc);
/* The journal's record of a build user (journal.c): "UID:POOL:LOCKFILE"
 * for the run B holds (POOL 1: a pool's uid, whose temporary files are
 * removed too).  And what the next run does with a killed run's: if the
 * uid's lock is free and says a build did not finish, kill what runs as
 * it, remove its IPC objects (and, of a pool uid, its temporary files),
 * and mark it finished.  1 when it did, 0 when there was nothing to do
 * (the uid is in use, or was cleaned already), or negative errno. */
int nsb_userpool_record(const nsb_build *b, char **ret);
int nsb_userpool_reclaim(const char *record);

/* tmpfiles.c: as root, remove what UID (a pool uid none of whose
 * processes lives) owns at the top of the host's shared temporary
 * directories (/tmp, /var/tmp, /dev/shm, /run/lock).  0 or the first
 * -errno. */
int nsb_remove_user_tmp_files(uid_t uid);

/* proc.c: call FN for every process /proc lists (what its status file
 * says), until FN returns non-zero, which is returned; -errno where /proc
 * cannot be read.  System calls only, on the stack. */
struct nsb_proc_info {
        pid_t pid, ppid;
        uid_t ruid, euid;
        char state;               /* 'R', 'S', ..., 'Z' for a zombie */
};
int nsb_proc_each(int (*fn)(const struct nsb_proc_info *p, void *arg), void *arg);

/* ipc-cleanup.c: remove the SysV IPC objects and POSIX message queues
 * UID owns or created, as root, in our IPC namespace. */
void nsb_ipc_remove_owned(uid_t uid);

/* keyring.c (child and sweeper: raw system calls): join a new anonymous
 * session keyring; empty the caller's uid's user, user-session and
 * persistent keyrings.  0 or -errno; a kernel without keys is no error. */
int nsb_keyring_join_new_session(void);
int nsb_keyring_clear_user(void);

/* landlock.c (where LANDLOCK is compiled in; the child: raw system
 * calls): the kernel's Landlock ABI (-ENOSYS: none, -EOPNOTSUPP: not
 * enabled); enter a domain of one's own with what the NSB_ISOLATION_LANDLOCK_*
 * bits WHAT ask for (0 or -errno); why the capability of BITS failed with
 * ERR, CAUSE being what confines nsbuild itself ("" where nothing shows). */
int nsb_landlock_abi(void);
/* The NSB_ISOLATION_LANDLOCK_* pieces Landlock ABI ABI has. */
unsigned nsb_landlock_supported(int abi);
int nsb_landlock_enter(unsigned what);
void nsb_landlock_explain(unsigned bits, int err, const char *cause, char *reason, size_t reason_size, char *advice,
                          size_t advice_size);

/* privileges.c: the highest capability number of the running kernel;
 * whether builders run as build users (root holding what that needs),
 * and whether namespaces are made without a user namespace. */
unsigned nsb_last_capability(void);
bool nsb_build_users(void);
bool nsb_ns_direct(void);
/* Root (or not) without what build users, or with NAMESPACES also making
 * namespaces without a user namespace (CAP_SYS_ADMIN), need: the first
 * capability missing (-1: none), and in words ("nsbuild runs as root
 * without CAP_SYS_ADMIN (not in the bounding set: ...)"). */
int nsb_privilege_missing(bool namespaces);
/* Whether a user namespace made by this process would map its builder to
 * the host's uid 0: root in the initial user namespace (or in one whose
 * uid 0 is uid 0 outside too).  Such a builder, however unprivileged in
 * its namespace, keeps what the kernel grants uid 0 itself: writing the
 * kernel's sysctls through a /proc of its own, owning root's files.  So
 * nsbuild never makes one. */
bool nsb_userns_would_be_host_root(void);
/* Whether /proc/self/uid_map maps more uids than one (build users exist). */
bool nsb_uid_map_has_others(void);
void nsb_privilege_shortfall(bool namespaces, char *buf, size_t size);

/* capabilities.c (parent only): this process's capability sets, read
 * once (NULL where neither libcap nor /proc/self/status tells); whether
 * it holds CAP (effective); its name ("CAP_SYS_ADMIN"); why it lacks it
 * ("not in the bounding set: ..."), for a message; the seccomp mode nsbuild runs under (0, 1, 2; -1
 * without seccomp in the kernel, -2 unknown) with the number of filters
 * (-1 unknown); the active security modules and nsbuild's label. */
typedef struct nsb_capsets {
        uint64_t effective, permitted, inheritable, bounding, ambient;
        bool have_ambient;        /* CapAmb: Linux 4.3 */
        bool from_libcap;
} nsb_capsets;
int nsb_capsets_read(nsb_capsets *ret);
const nsb_capsets *nsb_capsets_own(void);
bool nsb_cap_held(unsigned cap);
const char *nsb_cap_name(unsigned cap, char *buf, size_t size);
/* A capability's number from its name (CAP_NET_RAW, any case), or
 * -EINVAL (unknown, or beyond what this kernel has). */
int nsb_cap_from_name(const char *name);
void nsb_cap_why_missing(unsigned cap, char *buf, size_t size);
int nsb_self_seccomp(int *ret_filters);
void nsb_self_lsm(char *buf, size_t size);

/* plan.c */
void nsb_plan_clear(nsb_plan *plan);
/* FOR_NAMESPACES: the mount namespace's root (else the chroot's on disk);
 * WITH_PROC: a fresh /proc (only in a PID namespace of its own). */
int nsb_plan_build(nsb_build *b, bool for_namespaces, bool with_proc);
int nsb_plan_add(nsb_plan *plan, const nsb_action *action);

enum { NSB_REFCHECK_ALLOWED_REFS, NSB_REFCHECK_DISALLOWED_REFS, NSB_REFCHECK_ALLOWED_REQS, NSB_REFCHECK_DISALLOWED_REQS };
/* registration.c: every output's NAR hash and size and references, once
 * finished (LOCATE opens the directory it is in, and names it there);
 * a fixed output with references, or outputs that refer to each other in
 * a cycle, fail the build. */
typedef int (*nsb_output_locate_fn)(nsb_build *b, const struct nsb_output *o, const char **ret_name);
int nsb_outputs_register(nsb_build *b, nsb_output_locate_fn locate);
void nsb_output_info_clear(struct nsb_output *o);
/* exportReferencesGraph: each named file in the build directory, in the
 * registration format (what each path of its closure refers to, deriver
 * lines empty), as Nix writes it. */
int nsb_export_graphs(nsb_build *b);
/* The closure of START (it and what it refers to, and so on), as borrowed
 * strings in *RET (NULL-terminated; caller frees the array): -ENOENT with
 * *RET_UNKNOWN where what a path refers to is not known. */
int nsb_closure_of(const nsb_build *b, const char *start, const char ***ret, const char **ret_unknown);
/* What exportReferencesGraph exports for PATH: its closure, and where a
 * derivation is in it, the closures of its outputs, sorted; *RET_OWNED
 * holds the strings *RET does not borrow (free both).  Fails as
 * nsb_closure_of(), with the build's error set (WHAT names the entry). */
int nsb_export_closure(nsb_build *b, const char *what, const char *path, const char ***ret, size_t *ret_n,
                       char ***ret_owned);
/* What PATH refers to: an output's, or a known input's; NULL where
 * nothing says. */
char **nsb_references_of(const nsb_build *b, const char *path);
/* The NAR hash and size of store path PATH (an output, or an input: as
 * the store gave them, else serialised now and remembered), and its
 * content address where known (NULL otherwise).  Sets the build's error. */
int nsb_path_nar(nsb_build *b, const char *path, const uint8_t **ret_hash, uint64_t *ret_size, const char **ret_ca);
void nsb_input_info_free(nsb_build *b);
/* The NAR sizes of PATH's closure summed (STEP and WHAT name it in
 * errors). */
int nsb_closure_size(nsb_build *b, const char *step, const char *what, const char *path, uint64_t *ret);

/* json.c: JSON as Nix reads and writes it (nlohmann::json's strict input,
 * its dump), through json-c; -EOPNOTSUPP without it. */
struct json_object;
int nsb_json_parse(const char *text, size_t len, struct json_object **ret, char *err, size_t err_size);
int nsb_json_dump(struct json_object *o, char **ret, size_t *ret_len);
int nsb_json_format_double(double v, char *out, size_t size);
void nsb_json_free(struct json_object *o);

/* realise.c: whether PATH is a normal absolute path directly inside
 * STORE. */
bool nsb_path_in_store(const char *store, const char *path);
/* ... and whether its name is a store path's: a 32-character hash part in
 * Nix's base 32, a dash and a name (Nix's isStorePath). */
bool nsb_is_store_path(const char *store, const char *path);

/* The text S (LEN bytes) with every output placeholder replaced by its
 * path (malloc'd, NUL-terminated; its length in *RET_LEN); NULL on ENOMEM. */
char *nsb_rewrite_placeholders(const nsb_build *b, const char *s, size_t len, size_t *ret_len);

/* structured.c: a derivation's attributes, from its environment or from
 * its structured attributes (__json), read as Nix reads them. */
typedef struct nsb_attrs {
        const nsb_drv *drv;
        struct json_object *json; /* NULL: not structured */
} nsb_attrs;
/* -EINVAL (message in ERR) where __json is not a JSON object;
 * -EOPNOTSUPP without json-c. */
int nsb_attrs_open(const nsb_drv *drv, nsb_attrs *ret, char *err, size_t err_size);
void nsb_attrs_close(nsb_attrs *a);
/* 0 where the attribute is not set, 1 with its value; -EINVAL where it
 * is not of the type (a Boolean: "1" without structured attributes; a
 * list of strings: words). */
int nsb_attrs_bool(const nsb_attrs *a, const char *name, bool *ret);
int nsb_attrs_strings(const nsb_attrs *a, const char *name, char ***ret);
/* .attrs.sh: what bash can hold of ATTRS, as Nix writes it. */
int nsb_attrs_shell(struct json_object *attrs, char **ret, size_t *ret_len);
/* A structured derivation's build: "outputs" resolved, outputChecks read
 * into each output; takes A's object. */
int nsb_structured_configure(nsb_build *b, nsb_attrs *a);
/* At the start: exportReferencesGraph resolved, .attrs.json and .attrs.sh
 * written into the build directory. */
int nsb_structured_write(nsb_build *b);

/* builddir.c */
int nsb_builddir_create(nsb_build *b);
int nsb_outputs_prepare(nsb_build *b);
int nsb_outputs_commit(nsb_build *b);
/* Remove what a failed build left of its outputs (those made in place) and
 * every directory of the run; 0, or the first failure's negative errno
 * with the message naming the path (appended to an earlier error). */
int nsb_outputs_discard(nsb_build *b);
int nsb_builddir_remove(nsb_build *b);

/* canonicalise.c: rewrite NAME below DIRFD (the output OUTPUT, for
 * messages): as a store keeps it (NSB_CANON_STORE), or only made safe for
 * the caller to own (NSB_CANON_SAFE: its owner, no setuid, setgid, sticky,
 * group- or world-write bit, no ACL or file capability).  0 or nsb_fail()'s
 * negative errno.  With LEAVE_TOP_WRITABLE a top directory stays writable
 * (to its owner alone) so that it can still be renamed into another
 * directory without privileges (which writes its ".."); then
 * nsb_canonicalise_top_at() finishes it (mode, from the builder's mode
 * that *RET_TOP_MODE got, and mtime for a store). */
typedef enum nsb_canon_mode {
        NSB_CANON_SAFE,
        NSB_CANON_STORE,
} nsb_canon_mode;
int nsb_canonicalise_at(nsb_build *b, int dirfd, const char *name, const char *output, nsb_canon_mode mode,
                        bool leave_top_writable, mode_t *ret_top_mode);
int nsb_canonicalise_top_at(nsb_build *b, int dirfd, const char *name, const char *output, nsb_canon_mode mode,
                            mode_t builder_mode);

/* copy.c: copy SRC_NAME to DST_NAME (which must not exist), any depth.
 * With READ_ONLY_FOR (an input of the chroot tier) the copy is one that
 * build user can read and never change: regular files it can neither
 * write nor chmod on the host are hard-linked where the filesystem allows,
 * and no copy is its own or writable by its group or others. */
struct nsb_reader {
        uid_t uid;
        gid_t gid;
};
/* The source is the builder's, ours to chmod: what it left unreadable is
 * made readable first (to its owner). */
#define NSB_COPY_OWN_SOURCE (1u << 1)
int nsb_copy_tree_at(int src_dfd, const char *src_name, int dst_dfd, const char *dst_name, unsigned flags,
                     const struct nsb_reader *read_only_for);

/* environment.c */
int nsb_environment_build(const nsb_build *b, const char *build_top, char ***ret_envp,
                          const char **ret_path);
char *nsb_passwd_content(const nsb_build *b);
char *nsb_group_content(const nsb_build *b);

/* monitor.c: the parent side of a running build */
int nsb_monitor_start(nsb_build *b, int log_read_fd);
int nsb_monitor_dispatch(nsb_build *b);
void nsb_monitor_kill(nsb_build *b);
void nsb_monitor_close(nsb_build *b);
int nsb_read_status(nsb_build *b, int status_read_fd);

/* child.c: the first and the last steps of every tier's child */
void nsb_child_begin(const nsb_spawn *s);
__attribute__((noreturn)) void nsb_child_exec_builder(const nsb_spawn *s);
__attribute__((noreturn)) void nsb_child_fail(const nsb_spawn *s, nsb_step step, int err, int index);
void nsb_child_trace(const nsb_spawn *s, nsb_step step, int index);

/* supervise.c: start CHILD(s) (cloned with CLONE_FLAGS) under a supervisor
 * that kills every process it leaves when it exits, when asked (SIGTERM)
 * or when the caller's thread dies; sets b->pid to the supervisor's, which
 * exits as the builder did. */
int nsb_supervise_spawn(nsb_build *b, nsb_spawn *s, unsigned long clone_flags, int (*child)(void *));

/* sandbox-*.c: one start function per compiled tier */
int nsb_sandbox_full_start(nsb_build *b, nsb_spawn *s);
int nsb_sandbox_chroot_start(nsb_build *b, nsb_spawn *s);
int nsb_sandbox_off_start(nsb_build *b, nsb_spawn *s);

/* bind-mount.c (full tier): build the root from the plan, or fail */
void nsb_rootfs_mount_plan(const nsb_spawn *s, int root_fd);

/* seccomp.c (where the SECCOMP capability is compiled in): assemble the
 * filter once per process (parent), install it (child, after
 * no_new_privs); the program itself, for the tests. */
struct sock_fprog;
int nsb_seccomp_prepare(void);
int nsb_seccomp_install(void);
/* seccomp-guard.c (the child): stack a filter that refuses every call
 * naming process PID (the supervisor) or process group PGRP (SCOPED:
 * Landlock's scope refuses signals to it already); 0 or -errno. */
int nsb_seccomp_guard_install(pid_t pid, pid_t pgrp, bool scoped);
const struct sock_fprog *nsb_seccomp_program(void);

/* clone.c (full tier): fork into new namespaces; 0 in the child, the pid
 * (and *ret_pidfd, -1 where the kernel has none) in the parent, or a
 * negative errno. */
pid_t nsb_clone_fork(unsigned long flags, int *ret_pidfd);
/* Run FN(ARG) in a new process with the namespace FLAGS, on a stack of its
 * own; with SHARE_MEMORY, in the caller's address space with the calling
 * thread suspended until the child execs or exits (posix_spawn's way).
 * Returns the pid or a negative errno; *ret_pidfd gets a pidfd or -1. */
/* struct clone_args as of Linux 5.7 (CLONE_ARGS_SIZE_VER2), spelled out
 * so that old headers do not matter; the kernel takes it whole from 5.3
 * on as long as the fields it does not know are zero. */
struct nsb_clone_args {
        uint64_t flags;
        uint64_t pidfd;
        uint64_t child_tid;
        uint64_t parent_tid;
        uint64_t exit_signal;
        uint64_t stack;
        uint64_t stack_size;
        uint64_t tls;
        uint64_t set_tid;
        uint64_t set_tid_size;
        uint64_t cgroup;
};
pid_t nsb_clone_spawn(unsigned long flags, bool share_memory, int (*fn)(void *), void *arg, int *ret_pidfd);
/* The same, with the child born in the cgroup v2 directory CGROUP_FD
 * where the kernel can (clone3, Linux 5.7), *BORN_IN_CGROUP saying so
 * (also in the child's copy of it); else as nsb_clone_spawn(). */
pid_t nsb_clone_spawn_cgroup(unsigned long flags, bool share_memory, int cgroup_fd, bool *born_in_cgroup,
                             int (*fn)(void *), void *arg, int *ret_pidfd);

/* probe.c, probe-ns.c: the runtime probe (probe-ns.c in full-tier builds:
 * one errno per capability, 0 where it works) */
void nsb_probe_namespaces(int errs[NSB_CAP_MAX_]);
/* Whether that probe made a user namespace and was refused writing its
 * uid map (not refused making it). */
bool nsb_probe_map_refused(void);
/* Whether it did not make one at all, since the builder would have been
 * the host's uid 0 (nsb_userns_would_be_host_root()). */
bool nsb_probe_host_root_refused(void);
/* The first capability TIER needs that does not work here, NSB_CAP_MAX_
 * if none. */
nsb_capability nsb_sandbox_missing(nsb_sandbox mode);
/* What auto uses here, by the probe: the tier and its NSB_ISOLATION_* bits
 * (without a network namespace where SHARE_NETWORK). */
unsigned nsb_auto_choice(bool share_network, nsb_sandbox *ret_tier);
/* The capability that explains a missing NSB_ISOLATION_* bit. */
nsb_capability nsb_isolation_capability(unsigned bit);
/* What the full tier would give here (the bits it wants). */
unsigned nsb_full_isolation(bool share_network);
/* The Landlock bits a build gets of USABLE (NSB_ISOLATION_LANDLOCK*): the
 * scopes everywhere; without them a domain only where the builder runs as
 * the caller's uid without a PID namespace (CALLERS_UID); unix sockets by
 * path where it does and sees the host's files (HOST_FILES: the off
 * tier). */
unsigned nsb_landlock_isolation(unsigned usable, bool callers_uid, bool host_files);
/* The Landlock pieces a build may try: what the kernel's ABI offers,
 * tried by the build's child itself (no trial fork on every build's way);
 * once the probe has run (a child was refused, or features asked), what it
 * found works. */
unsigned nsb_landlock_usable(void);

/* namespaces.c (full tier): NSB_ISOLATION_* namespace bits as clone
 * flags; in the child: the user namespace's maps, then lo and the host
 * name where those namespaces are new; spawn CHILD in S->ns (under a
 * supervisor without a PID namespace). */
unsigned long nsb_clone_flags(unsigned ns);
void nsb_child_map_user(const nsb_spawn *s);
void nsb_child_set_up_namespaces(const nsb_spawn *s);
int nsb_spawn_in_namespaces(nsb_build *b, nsb_spawn *s, int (*child)(void *));

/* network.c (full tier) */
int nsb_loopback_up(void);
