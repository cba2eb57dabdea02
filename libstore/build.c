/* build.c - the build object: configuration, start, results, errors. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "compat/compat.h"
#include "internal.h"

#define PERSONALITY_KEEP 0xffffffffUL

int nsb_build_new(nsb_build **ret_build)
{
        if (!ret_build)
                return -EINVAL;
        nsb_build *b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->uid = 30001;
        b->gid = 30000;
        b->log_fd = -1;
        b->top_fd = -1;
        b->pid = -1;
        b->pidfd = -1;
        b->tmpfs_size = NSB_DEFAULT_TMPFS_SIZE;
        b->result_fd = -1;
        b->log_read_fd = -1;
        b->epoll_fd = -1;
        b->timer_fd = -1;
        b->pool_lock_fd = -1;
        b->journal_fd = -1;
        b->journal_dir_fd = -1;
        b->personality = PERSONALITY_KEEP;
        b->die_with_parent = true;
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        b->cores = n > 0 ? (unsigned) n : 1;
        b->hostname = strdup("localhost");
        b->store_dir = strdup("/nix/store");
        if (!b->hostname || !b->store_dir) {
                nsb_build_free(b);
                return -ENOMEM;
        }
        *ret_build = b;
        return 0;
}

void nsb_build_free(nsb_build *b)
{
        if (!b)
                return;
        if (b->state == NSB_STATE_RUNNING) {
                /* Nobody will read the log any more. */
                b->log_fn = NULL;
                b->log_fd = -1;
                nsb_monitor_kill(b);
                while (b->state == NSB_STATE_RUNNING)
                        if (nsb_build_wait(b) < 0)
                                break;
                /* The monitor failed: the build directory is not removed
                 * under a builder still writing to it. */
                if (b->state == NSB_STATE_RUNNING && !b->reaped) {
                        int st;
                        if (b->pidfd < 0 || pidfd_send_signal(b->pidfd, SIGKILL, NULL, 0) < 0)
                                (void) kill(b->pid, SIGKILL);
                        while (waitpid(b->pid, &st, __WALL) < 0 && errno == EINTR)
                                ;
                        b->reaped = true;
                        if (b->pool_lock_fd >= 0 && !(b->isolation & NSB_ISOLATION_PID_NS))
                                nsb_userpool_kill_all(b->uid, true, !(b->isolation & NSB_ISOLATION_IPC_NS));
                }
        }
        nsb_monitor_close(b);
        bool clean = nsb_cgroup_destroy(&b->cgroup, now_ns() + 5 * 1000000000ULL) == 0;
        if (nsb_builddir_remove(b) < 0)
                clean = false;
        nsb_journal_end(b, clean);
        free(b->top_dir);
        free(b->build_dir);
        nsb_plan_clear(&b->plan);
        free(b->builder);
        strv_free(b->argv);
        for (size_t i = 0; i < b->n_env; i++)
                free(b->env[i]);
        free(b->env);
        for (size_t i = 0; i < b->n_binds; i++) {
                free(b->binds[i].source);
                free(b->binds[i].dest);
                free(b->binds[i].target);
        }
        free(b->binds);
        for (size_t i = 0; i < b->n_files; i++) {
                free(b->files[i].name);
                free(b->files[i].content);
                free(b->files[i].env_name);
        }
        free(b->files);
        strmap_free(&b->file_names);
        strmap_free(&b->file_env_names);
        for (size_t i = 0; i < b->n_outputs; i++) {
                free(b->outputs[i].path);
                nsb_output_info_clear(&b->outputs[i]);
                for (size_t k = 0; k < ELEMENTSOF(b->outputs[i].checks); k++)
                        strv_free(b->outputs[i].checks[k]);
        }
        free(b->outputs);
        strmap_free(&b->output_paths);
        for (size_t k = 0; k < ELEMENTSOF(b->ref_checks); k++)
                strv_free(b->ref_checks[k]);
        strv_free(b->export_graphs);
        strv_free(b->placeholders);
        strmap_free(&b->drv_inputs);
        free(b->system_features);
        for (size_t i = 0; i < b->n_known; i++) {
                free(b->known_inputs[i]);
                strv_free(b->known_refs[i]);
        }
        free(b->known_inputs);
        free(b->known_refs);
        strmap_free(&b->known_index);
        nsb_input_info_free(b);
        nsb_json_free(b->structured);
        /* Finished unless the wait above gave up on a running build. */
        nsb_userpool_release(b, b->state != NSB_STATE_RUNNING);
        free(b->pool_dir);
        free(b->journal_dir);
        free(b->tmpdir);
        free(b->store_dir);
        free(b->hostname);
        strv_free(b->cgroup_limits);
        free(b->cgroup_parent);
        free(b->system);
        free(b);
}

static int replace_string(char **slot, const char *value)
{
        char *copy = NULL;
        if (value && !(copy = strdup(value)))
                return -ENOMEM;
        free(*slot);
        *slot = copy;
        return 0;
}

int nsb_build_set_builder(nsb_build *b, const char *path, const char *const *argv)
{
        CHECK_CONFIG(b);
        if (!path || !*path)
                return -EINVAL;
        const char *const default_argv[] = { path, NULL };
        char **copy = strv_copy(argv ? argv : default_argv);
        if (!copy)
                return -ENOMEM;
        if (!copy[0]) {
                strv_free(copy);
                return -EINVAL;
        }
        int r = replace_string(&b->builder, path);
        if (r < 0) {
                strv_free(copy);
                return r;
        }
        strv_free(b->argv);
        b->argv = copy;
        return 0;
}

int nsb_build_add_build_file(nsb_build *b, const char *name, const void *content, size_t len, const char *env_name)
{
        CHECK_CONFIG(b);
        if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
            (!content && len) || (env_name && (!*env_name || strchr(env_name, '='))))
                return -EINVAL;
        if (strmap_get(&b->file_names, name, strlen(name), NULL))
                return -EEXIST;
        if (GROW(b->files, b->files_alloc, b->n_files) < 0)
                return -ENOMEM;
        struct nsb_build_file f = { .name = strdup(name), .content = malloc(len ? len : 1), .len = len,
                                    .env_name = env_name ? strdup(env_name) : NULL };
        if (!f.name || !f.content || (env_name && !f.env_name) ||
            strmap_put(&b->file_names, name, strlen(name), b->n_files, false, NULL) < 0 ||
            (env_name && strmap_put(&b->file_env_names, env_name, strlen(env_name), b->n_files, true, NULL) < 0)) {
                free(f.name);
                free(f.content);
                free(f.env_name);
                return -ENOMEM;
        }
        if (len)
                memcpy(f.content, content, len);
        b->files[b->n_files++] = f;
        return 0;
}

int nsb_build_setenv(nsb_build *b, const char *name, const char *value)
{
        CHECK_CONFIG(b);
        if (!name || !*name || strchr(name, '=') || !value)
                return -EINVAL;
        /* Only appended: which value wins (the last, unless a build file
         * names the variable) is resolved once, at the start. */
        if (GROW(b->env, b->env_alloc, b->n_env) < 0)
                return -ENOMEM;
        char *entry;
        if (asprintf(&entry, "%s=%s", name, value) < 0)
                return -ENOMEM;
        b->env[b->n_env++] = entry;
        return 0;
}

static int add_bind_spec(nsb_build *b, const char *source, const char *dest, const char *target,
                         unsigned flags)
{
        if (GROW(b->binds, b->binds_alloc, b->n_binds) < 0)
                return -ENOMEM;
        struct nsb_bind_spec s = { .flags = flags };
        s.dest = strdup(dest);
        s.source = source ? strdup(source) : NULL;
        s.target = target ? strdup(target) : NULL;
        if (!s.dest || (source && !s.source) || (target && !s.target)) {
                free(s.dest);
                free(s.source);
                free(s.target);
                return -ENOMEM;
        }
        b->binds[b->n_binds++] = s;
        return 0;
}

int nsb_build_add_bind(nsb_build *b, const char *source, const char *dest, unsigned flags)
{
        CHECK_CONFIG(b);
        if (!dest)
                dest = source;
        if (!path_is_normal_absolute(source) || !path_is_normal_absolute(dest) ||
            (flags & ~(NSB_BIND_READONLY | NSB_BIND_DEVICES)))
                return -EINVAL;
        return add_bind_spec(b, source, dest, NULL, flags);
}

int nsb_build_add_input(nsb_build *b, const char *path)
{
        int r = nsb_build_add_bind(b, path, path, NSB_BIND_READONLY);
        if (r == 0)
                b->binds[b->n_binds - 1].input = true;
        return r;
}

int nsb_build_add_symlink(nsb_build *b, const char *target, const char *path)
{
        CHECK_CONFIG(b);
        if (!target || !*target || !path_is_normal_absolute(path))
                return -EINVAL;
        return add_bind_spec(b, NULL, path, target, 0);
}

int nsb_build_add_host_tools(nsb_build *b)
{
        CHECK_CONFIG(b);
        /* On a merged-/usr system the top-level directories are symlinks
         * into /usr: recreate them as the same symlinks. */
        /* /etc/alternatives: Debian's cc, awk, editor, ... are symlinks
         * through it. */
        static const char *const dirs[] = { "/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32",
                                            "/etc/alternatives" };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                struct stat st;
                int r;
                if (lstat(dirs[i], &st) < 0) {
                        if (errno == ENOENT)
                                continue;
                        return -errno;
                }
                if (S_ISLNK(st.st_mode)) {
                        char target[4096];
                        ssize_t n = readlink(dirs[i], target, sizeof(target) - 1);
                        if (n < 0)
                                return -errno;
                        target[n] = '\0';
                        r = nsb_build_add_symlink(b, target, dirs[i]);
                } else
                        r = nsb_build_add_bind(b, dirs[i], dirs[i], NSB_BIND_READONLY);
                if (r < 0)
                        return r;
        }
        return 0;
}

int nsb_build_add_output(nsb_build *b, const char *path)
{
        CHECK_CONFIG(b);
        if (!path_is_normal_absolute(path) || strcmp(path, "/") == 0)
                return -EINVAL;
        if (strmap_get(&b->output_paths, path, strlen(path), NULL))
                return -EEXIST;
        if (GROW(b->outputs, b->outputs_alloc, b->n_outputs) < 0)
                return -ENOMEM;
        char *copy = strdup(path);
        if (!copy || strmap_put(&b->output_paths, path, strlen(path), b->n_outputs, false, NULL) < 0) {
                free(copy);
                return -ENOMEM;
        }
        b->outputs[b->n_outputs++] = (struct nsb_output) { .path = copy, .name = path_basename(copy), .scratch = -1 };
        return 0;
}

int nsb_build_set_sandbox(nsb_build *b, nsb_sandbox mode)
{
        CHECK_CONFIG(b);
        if (mode < NSB_SANDBOX_AUTO || mode > NSB_SANDBOX_OFF)
                return -EINVAL;
        b->sandbox = mode;
        return 0;
}

int nsb_build_set_system_features(nsb_build *b, const char *features)
{
        CHECK_CONFIG(b);
        if (!features)
                return -EINVAL;
        char *copy = strdup(features);
        if (!copy)
                return -ENOMEM;
        free(b->system_features);
        b->system_features = copy;
        return 0;
}

int nsb_build_set_check(nsb_build *b, int check)
{
        CHECK_CONFIG(b);
        b->check = check != 0;
        return 0;
}

/* --check compares NAR hashes, which are taken of canonical outputs. */
static int check_needs_canonical(nsb_build *b)
{
        if (b->check && !b->canonicalise)
                return nsb_fail(b, EINVAL, "start build",
                                "cannot check outputs that are not canonicalised (a derivation's are; "
                                "nsb_build_set_canonicalise_outputs())");
        return 0;
}

int nsb_build_output_check_differs(const nsb_build *b, size_t i)
{
        return b && i < b->n_outputs && b->outputs[i].check_differs;
}

int nsb_build_set_keep_failed(nsb_build *b, int keep)
{
        CHECK_CONFIG(b);
        b->keep_failed = keep != 0;
        return 0;
}

int nsb_build_set_allow_no_chroot(nsb_build *b, int allow)
{
        CHECK_CONFIG(b);
        b->allow_no_chroot = allow != 0;
        return 0;
}

int nsb_build_set_tmpdir(nsb_build *b, const char *dir)
{
        CHECK_CONFIG(b);
        if (!path_is_normal_absolute(dir))
                return -EINVAL;
        return replace_string(&b->tmpdir, dir);
}

int nsb_build_set_journal_dir(nsb_build *b, const char *dir)
{
        CHECK_CONFIG(b);
        if (dir && !path_is_normal_absolute(dir))
                return -EINVAL;
        return replace_string(&b->journal_dir, dir);
}

int nsb_build_set_store_dir(nsb_build *b, const char *dir)
{
        CHECK_CONFIG(b);
        if (!path_is_normal_absolute(dir))
                return -EINVAL;
        return replace_string(&b->store_dir, dir);
}

int nsb_build_set_cores(nsb_build *b, unsigned cores)
{
        CHECK_CONFIG(b);
        b->cores = cores;
        return 0;
}

int nsb_build_set_timeout(nsb_build *b, unsigned seconds)
{
        CHECK_CONFIG(b);
        b->timeout = seconds;
        return 0;
}

int nsb_build_set_max_silent_time(nsb_build *b, unsigned seconds)
{
        CHECK_CONFIG(b);
        b->max_silent_time = seconds;
        return 0;
}

int nsb_build_set_max_log_size(nsb_build *b, uint64_t bytes)
{
        CHECK_CONFIG(b);
        b->max_log_size = bytes;
        return 0;
}

int nsb_build_set_cgroup(nsb_build *b, int enable)
{
        CHECK_CONFIG(b);
        b->no_cgroup = !enable;
        return 0;
}

int nsb_build_set_cgroup_parent(nsb_build *b, const char *path)
{
        CHECK_CONFIG(b);
        if (path && !path_is_normal_absolute(path))
                return -EINVAL;
        char *copy = NULL;
        if (path && !(copy = strdup(path)))
                return -ENOMEM;
        free(b->cgroup_parent);
        b->cgroup_parent = copy;
        return 0;
}

int nsb_build_set_tmpfs_size(nsb_build *b, uint64_t bytes)
{
        CHECK_CONFIG(b);
        b->tmpfs_size = bytes;
        return 0;
}

int nsb_build_set_memory_max(nsb_build *b, uint64_t bytes)
{
        CHECK_CONFIG(b);
        b->memory_max = bytes;
        return 0;
}

int nsb_build_set_pids_max(nsb_build *b, uint64_t max)
{
        CHECK_CONFIG(b);
        b->pids_max = max;
        return 0;
}

int nsb_build_set_cpu_max(nsb_build *b, uint64_t quota_usec, uint64_t period_usec)
{
        CHECK_CONFIG(b);
        /* The kernel's bounds: a period of 1 ms to 1 s, a quota of 1 ms
         * or more. */
        if (period_usec == 0)
                period_usec = 100000;
        if (period_usec < 1000 || period_usec > 1000000 || (quota_usec && quota_usec < 1000))
                return -EINVAL;
        b->cpu_quota_usec = quota_usec;
        b->cpu_period_usec = period_usec;
        return 0;
}

int nsb_build_add_cgroup_limit(nsb_build *b, const char *key, const char *value)
{
        CHECK_CONFIG(b);
        if (!key || !value || !nsb_cgroup_limit_key_valid(key) || strchr(value, '\n') || strlen(value) > 256)
                return -EINVAL;
        if (GROW(b->cgroup_limits, b->cgroup_limits_alloc, b->n_cgroup_limits + 1) < 0)
                return -ENOMEM;
        char *kv;
        if (asprintf(&kv, "%s=%s", key, value) < 0)
                return -ENOMEM;
        b->cgroup_limits[b->n_cgroup_limits++] = kv;
        b->cgroup_limits[b->n_cgroup_limits] = NULL;
        return 0;
}

int nsb_build_set_user(nsb_build *b, uid_t uid, gid_t gid)
{
        CHECK_CONFIG(b);
        if (uid == 0 || gid == 0 || uid == (uid_t) -1 || gid == (gid_t) -1)
                return -EINVAL;
        b->uid = uid;
        b->gid = gid;
        b->user_set = true;
        return 0;
}

int nsb_build_set_user_pool(nsb_build *b, uid_t first, unsigned count, const char *lock_dir)
{
        CHECK_CONFIG(b);
        if (first == 0 || count == 0 || (uid_t) (first + count - 1) < first || (lock_dir && !path_is_normal_absolute(lock_dir)))
                return -EINVAL;
        int r = replace_string(&b->pool_dir, lock_dir);
        if (r < 0)
                return r;
        b->pool_first = first;
        b->pool_count = count;
        return 0;
}

int nsb_build_set_hostname(nsb_build *b, const char *hostname)
{
        CHECK_CONFIG(b);
        if (!hostname || !*hostname || strlen(hostname) > 64)
                return -EINVAL;
        return replace_string(&b->hostname, hostname);
}

int nsb_build_set_system(nsb_build *b, const char *system)
{
        CHECK_CONFIG(b);
        if (!system)
                return -EINVAL;
        struct utsname u;
        if (uname(&u) < 0)
                return -errno;
        unsigned long persona;
        bool x86_64 = strcmp(u.machine, "x86_64") == 0;
        bool aarch64 = strcmp(u.machine, "aarch64") == 0;
        /* Like Nix: a 32-bit system on its 64-bit host runs under
         * PER_LINUX32 so that uname() reports the 32-bit machine. */
        if ((x86_64 && strcmp(system, "x86_64-linux") == 0) || (aarch64 && strcmp(system, "aarch64-linux") == 0))
                persona = PER_LINUX;
        else if ((x86_64 && strcmp(system, "i686-linux") == 0) ||
                 (aarch64 && strcmp(system, "armv7l-linux") == 0))
                persona = PER_LINUX32;
        else {
                char native[80];
                snprintf(native, sizeof(native), "%s-linux", u.machine);
                if (strcmp(system, native) != 0)
                        return -EOPNOTSUPP;
                persona = PER_LINUX;
        }
        int r = replace_string(&b->system, system);
        if (r < 0)
                return r;
        b->personality = persona;
        return 0;
}

int nsb_build_set_share_network(nsb_build *b, int share)
{
        CHECK_CONFIG(b);
        b->share_network = share != 0;
        return 0;
}

int nsb_build_add_capability(nsb_build *b, const char *name)
{
        CHECK_CONFIG(b);
        int cap = name ? nsb_cap_from_name(name) : -EINVAL;
        if (cap < 0)
                return cap;
        /* CAP_SYS_ADMIN over its own mount namespace would let the builder
         * remount its read-only binds writable: the flags nsbuild set
         * were set in the builder's own user namespace, which does not
         * lock them. */
        if (cap == 21)
                return -EPERM;
        b->keep_caps |= UINT64_C(1) << cap;
        return 0;
}

int nsb_build_set_canonicalise_outputs(nsb_build *b, int enable)
{
        CHECK_CONFIG(b);
        b->canonicalise = enable != 0;
        return 0;
}

int nsb_build_set_keep_build_dir(nsb_build *b, int keep)
{
        CHECK_CONFIG(b);
        b->keep_build_dir = keep != 0;
        return 0;
}

int nsb_build_set_warning_callback(nsb_build *b, nsb_trace_fn fn, void *userdata)
{
        CHECK_CONFIG(b);
        b->warning_fn = fn;
        b->warning_userdata = userdata;
        return 0;
}

int nsb_build_set_die_with_parent(nsb_build *b, int enable)
{
        CHECK_CONFIG(b);
        b->die_with_parent = enable != 0;
        return 0;
}

int nsb_build_set_log_fd(nsb_build *b, int fd)
{
        CHECK_CONFIG(b);
        if (fd < 0)
                return -EBADF;
        b->log_fd = fd;
        b->log_fn = NULL;
        return 0;
}

int nsb_build_set_log_filter(nsb_build *b, nsb_log_filter mode)
{
        CHECK_CONFIG(b);
        if (mode < NSB_LOG_FILTER_AUTO || mode > NSB_LOG_FILTER_ALWAYS)
                return -EINVAL;
        b->log_filter = mode;
        return 0;
}

int nsb_build_set_log_callback(nsb_build *b, nsb_log_fn fn, void *userdata)
{
        CHECK_CONFIG(b);
        b->log_fn = fn;
        b->log_userdata = userdata;
        b->log_fd = -1;
        return 0;
}

int nsb_build_set_trace_callback(nsb_build *b, nsb_trace_fn fn, void *userdata)
{
        CHECK_CONFIG(b);
        b->trace_fn = fn;
        b->trace_userdata = userdata;
        return 0;
}

/* ---- tiers ---- */

static const char *const sandbox_names[] = {
        [NSB_SANDBOX_AUTO] = "auto",
        [NSB_SANDBOX_FULL] = "full",
        [NSB_SANDBOX_CHROOT] = "chroot",
        [NSB_SANDBOX_OFF] = "off",
};

const char *nsb_sandbox_name(nsb_sandbox mode)
{
        if (mode < NSB_SANDBOX_AUTO || mode > NSB_SANDBOX_OFF)
                return NULL;
        return sandbox_names[mode];
}

int nsb_sandbox_from_name(const char *name, nsb_sandbox *ret_mode)
{
        for (size_t i = 0; name && i < ELEMENTSOF(sandbox_names); i++)
                if (strcmp(name, sandbox_names[i]) == 0) {
                        *ret_mode = (nsb_sandbox) i;
                        return 0;
                }
        return -EINVAL;
}

int nsb_sandbox_compiled(nsb_sandbox mode)
{
        switch (mode) {
        case NSB_SANDBOX_AUTO:
        case NSB_SANDBOX_OFF:
                return 1;
        case NSB_SANDBOX_FULL:
                return NSB_TIER_FULL;
        case NSB_SANDBOX_CHROOT:
                return NSB_TIER_CHROOT;
        }
        return 0;
}

/* ---- start ---- */

static void reset_run(nsb_build *b)
{
        /* Whatever the attempt started has been reaped. */
        nsb_userpool_release(b, true);
        nsb_monitor_close(b);
        /* A failed start ran no builder, but a removal that fails must
         * not go unsaid: it joins the start's error message, and the
         * record stays for a later run to try again. */
        bool clean = nsb_builddir_remove(b) == 0;
        if (nsb_cgroup_destroy(&b->cgroup, now_ns() + 5 * 1000000000ULL) < 0)
                clean = false;
        nsb_journal_end(b, clean);
        nsb_plan_clear(&b->plan);
}

/* One attempt to start the build in tier b->tier.  On failure everything
 * of the attempt is undone and b->failed_step tells where it failed. */
static int start_tier(nsb_build *b)
{
        b->builder_pid = -1;
        b->supervised = false;
        b->failed_step = NSB_STEP_NONE;
        b->failed_index = -1;
        b->error_errno = 0;
        b->error_step[0] = b->error_message[0] = '\0';
        b->result = NSB_RESULT_NONE;

        /* Without root the namespaces are made in a user namespace of
         * their own, where the caller's uid and gid appear as the build
         * user: 1000 and 100 unless the caller chose others, as in Nix. */
        _cleanup_free_ char *uid_map = NULL, *gid_map = NULL;
        b->user_ns = (b->ns & NSB_ISOLATION_USER_NS) != 0;
        /* Root with the build users' capabilities but without
         * CAP_SYS_ADMIN: a user namespace whose uid 1000 is a build user,
         * mapped by us (its own uid 0 would be the host's). */
        b->parent_maps = b->user_ns && nsb_userns_would_be_host_root() && nsb_build_users();
        if (b->parent_maps && !(b->ns & NSB_ISOLATION_PID_NS)) {
                b->failed_step = NSB_STEP_USER_NS_MAP;
                return nsb_fail(b, EOPNOTSUPP, "start build",
                                "cannot map a build user into the build's user namespace without a PID namespace");
        }
        if (b->user_ns && nsb_userns_would_be_host_root() && !b->parent_maps) {
                b->failed_step = NSB_STEP_USER_NS_MAP; /* the tier is not had: auto goes on */
                return nsb_fail(b, EPERM, "start build",
                                "cannot make the build's user namespace: its builder would be the host's uid 0 "
                                "(nsbuild runs as root without CAP_SYS_ADMIN); see `nsbuild features`");
        }
        /* Root that holds what build users need runs builders as one;
         * everyone else (root in a container without CAP_SETUID, say) as
         * itself, as an ordinary user does. */
        b->build_user = (!b->user_ns || b->parent_maps) && nsb_build_users();
        /* A capability kept is the builder's over what its user namespace
         * owns, and the host's without one. */
        if (b->keep_caps && (!b->user_ns || b->derivation || (nsb_userns_would_be_host_root() && !b->parent_maps))) {
                char name[64];
                unsigned first = 0;
                while (!(b->keep_caps & (UINT64_C(1) << first)))
                        first++;
                nsb_cap_name(first, name, sizeof(name));
                if (b->derivation)
                        return nsb_fail(b, EPERM, "keep capabilities",
                                        "cannot keep %s for the builder: a derivation's builder gets no capability",
                                        name);
                return nsb_fail(b, EPERM, "keep capabilities",
                                "cannot keep %s for the builder: it would hold it over the host, as this build has no "
                                "user namespace of its own (%s); a capability is kept only inside one",
                                name,
                                b->tier != NSB_SANDBOX_FULL ? "the full tier is not used"
                                                            : "running as root, nsbuild makes its namespaces without one");
        }
        if (b->user_ns && !b->parent_maps) {
                if (!b->user_set) {
                        b->uid = 1000;
                        b->gid = 100;
                }
                if (asprintf(&uid_map, "%u %u 1\n", (unsigned) b->uid, (unsigned) geteuid()) < 0 ||
                    asprintf(&gid_map, "%u %u 1\n", (unsigned) b->gid, (unsigned) getegid()) < 0)
                        return nsb_fail(b, ENOMEM, "start build", "out of memory");
        }

        /* As root every build, of every tier, holds the lock of its own
         * build user: the tiers without a PID namespace kill every process
         * of their uid when they end, which must never reach another
         * build's, and kill(-1) reaches into PID namespaces too. */
        int r0;
        if (b->build_user && b->pool_lock_fd < 0 && (r0 = nsb_userpool_acquire(b)) < 0)
                return r0;
        /* Uid 1000 and gid 100 of the namespace, as for an ordinary user,
         * are the build user's outside. */
        if (b->parent_maps && (asprintf(&uid_map, "1000 %u 1\n", (unsigned) b->uid) < 0 ||
                               asprintf(&gid_map, "100 %u 1\n", (unsigned) b->gid) < 0)) {
                nsb_userpool_release(b, true);
                return nsb_fail(b, ENOMEM, "start build", "out of memory");
        }

        /* Before anything is made on disk: written down as it is made,
         * for the next run to remove if this one is killed. */
        if ((r0 = nsb_journal_begin(b)) < 0) {
                nsb_userpool_release(b, true);
                return r0;
        }
        /* Without a PID or IPC namespace the build user's processes,
         * IPC objects and files in /tmp outlive a killed run: the next
         * run cleans them up from this note. */
        if (b->pool_lock_fd >= 0 && (~b->ns & (NSB_ISOLATION_PID_NS | NSB_ISOLATION_IPC_NS))) {
                _cleanup_free_ char *rec = NULL;
                if ((r0 = nsb_userpool_record(b, &rec)) < 0 || (r0 = nsb_journal_note(b, "builduser", rec)) < 0) {
                        reset_run(b);
                        return r0 == -ENOMEM ? nsb_fail(b, ENOMEM, "start build", "out of memory") : r0;
                }
        }

        _cleanup_strv_free_ char **envp = NULL;
        _cleanup_free_ int *dir_fds = NULL;
        _cleanup_close_pair_ int status_pipe[2] = { -1, -1 };
        _cleanup_close_pair_ int log_pipe[2] = { -1, -1 };
        _cleanup_close_pair_ int map_pipe[2] = { -1, -1 };
        _cleanup_close_ int null_fd = -1;
        _cleanup_close_ int parent_pidfd = -1;
        const char *path_env = NULL;
        /* A size of its own for the root tmpfs, which holds /dev/shm:
         * the kernel's default, half the RAM, is the host's to lose, and
         * tmpfs pages count in no process's memory. */
        char root_options[64] = "mode=0755";
        if (b->tmpfs_size)
                snprintf(root_options, sizeof(root_options), "mode=0755,size=%llu",
                         (unsigned long long) b->tmpfs_size);
        int r;

        r = nsb_builddir_create(b);
        if (r < 0)
                goto fail;
        r = nsb_outputs_prepare(b);
        if (r < 0)
                goto fail;
        r = nsb_confine_begin(b);
        if (r < 0)
                goto fail;
        int cgroup_fds[NSB_CGROUP_MAX], cgroup_v2 = -1;
        for (size_t i = 0; i < b->cgroup.n; i++) {
                cgroup_fds[i] = b->cgroup.dir[i].procs_fd;
                if (b->cgroup.dir[i].version == 2)
                        cgroup_v2 = (int) i;
        }
        if (b->tier != NSB_SANDBOX_OFF) {
                r = nsb_plan_build(b, b->tier == NSB_SANDBOX_FULL, (b->ns & NSB_ISOLATION_PID_NS) != 0);
                if (r < 0)
                        goto fail;
        }
        const char *build_top = b->tier == NSB_SANDBOX_OFF ? b->build_dir : "/build";
        r = nsb_environment_build(b, build_top, &envp, &path_env);
        if (r < 0) {
                r = nsb_fail(b, -r, "prepare environment", "out of memory");
                goto fail;
        }
#if NSB_HAVE_SECCOMP
        r = nsb_seccomp_prepare();
        if (r < 0) {
                r = nsb_fail(b, -r, "prepare the system-call filter", "cannot prepare the system-call filter: %s",
                             strerror(-r));
                goto fail;
        }
#endif
        dir_fds = calloc(b->plan.n_actions + 1, sizeof(int));
        if (!dir_fds) {
                r = nsb_fail(b, ENOMEM, "start build", "out of memory");
                goto fail;
        }
        /* Not while we must write the user namespace's maps: the caller's
         * memory shared, we would wait for an exec that waits for us. */
        bool share_memory = b->trace_fn == NULL && !b->parent_maps;
        if (pipe2(status_pipe, O_CLOEXEC) < 0 || pipe2(log_pipe, O_CLOEXEC) < 0 ||
            (b->parent_maps && pipe2(map_pipe, O_CLOEXEC) < 0)) {
                r = nsb_fail(b, errno, "create pipes", "cannot create pipes: %s", strerror(errno));
                goto fail;
        }
        /* The builder's stdout and stderr are this pipe.  Give it to the
         * build user, as Nix does with its pty, so that a builder opening
         * /dev/stderr (/proc/self/fd/2) may: a pipe is 0600 and root's. */
        if (b->build_user && fchown(log_pipe[1], b->uid, b->gid) < 0) {
                r = nsb_fail(b, errno, "create pipes", "cannot give the log pipe to the build user: %s",
                             strerror(errno));
                goto fail;
        }
        null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null_fd < 0) {
                r = nsb_fail(b, errno, "open /dev/null", "cannot open /dev/null: %s", strerror(errno));
                goto fail;
        }
        /* A builder in a PID namespace of its own cannot see its parent's
         * pid: it tells whether we died before it set its parent-death
         * signal from our pidfd (Linux 5.3; before, it cannot tell, in the
         * few microseconds that takes). */
        if (b->die_with_parent && (b->ns & NSB_ISOLATION_PID_NS))
                parent_pidfd = pidfd_open(getpid(), 0);

        /* The builder runs as the caller's uid (not root's build user)
         * beside the caller's processes (no PID namespace): under a
         * supervisor of its own uid, which it must be kept from. */
        bool callers_uid = !b->build_user && !(b->ns & NSB_ISOLATION_PID_NS);
        nsb_spawn s = {
                .builder = b->builder,
                .argv = b->argv,
                .envp = envp,
                .path_env = path_env,
                .root = b->root_dir,
                .root_options = root_options,
                .build_dir = b->build_dir,
                .chdir_to = build_top,
                .hostname = b->hostname,
                .uid_map = uid_map,
                .gid_map = gid_map,
                .plan = &b->plan,
                .dir_fds = dir_fds,
                .status_fd = status_pipe[1],
                .log_fd = log_pipe[1],
                .null_fd = null_fd,
                /* The ids the builder has: in a user namespace we map,
                 * the namespace's own. */
                .uid = b->parent_maps ? 1000 : b->uid,
                .gid = b->parent_maps ? 100 : b->gid,
                .parent_maps = b->parent_maps,
                .map_wait_fd = map_pipe[0],
                .map_release_fd = map_pipe[1],
                .personality = b->personality,
                .parent_pid = getpid(),
                .parent_pidfd = parent_pidfd,
                .cgroup_procs_fds = cgroup_fds,
                .n_cgroup_fds = b->cgroup.n,
                .cgroup_fd = cgroup_v2 >= 0 ? b->cgroup.dir[cgroup_v2].fd : -1,
                .cgroup_v2_index = cgroup_v2,
                .last_cap = nsb_last_capability(),
                .die_with_parent = b->die_with_parent,
                /* Root's build users are the host's, shared by every build
                 * they run; in a user namespace of its own, or as the
                 * caller's own uid, there is nothing of the build user's
                 * to empty (or nothing that is not the caller's). */
                .clear_user_keyrings = b->build_user && !b->user_ns,
                .become_build_user = b->build_user && !b->user_ns,
                .keep_caps = b->keep_caps,
                .seccomp = NSB_HAVE_SECCOMP && !b->no_seccomp,
                .landlock = nsb_landlock_isolation(nsb_landlock_usable(), callers_uid, b->tier == NSB_SANDBOX_OFF),
                .guard_supervisor = callers_uid,
                .ns = b->ns,
                .loopback = (b->ns & NSB_ISOLATION_LOOPBACK) != 0,
                .verbose = b->trace_fn != NULL,
                .share_memory = share_memory,
                .root_fd = -1,
        };
        nsb_trace(b, "starting %s in the %s sandbox (build directory %s)", b->builder,
                  nsb_sandbox_name(b->tier), b->top_dir);
        switch (b->tier) {
#if NSB_TIER_FULL
        case NSB_SANDBOX_FULL:
                r = nsb_sandbox_full_start(b, &s);
                break;
#endif
#if NSB_TIER_CHROOT
        case NSB_SANDBOX_CHROOT:
                r = nsb_sandbox_chroot_start(b, &s);
                break;
#endif
        case NSB_SANDBOX_OFF:
                r = nsb_sandbox_off_start(b, &s);
                break;
        default:
                r = nsb_fail(b, EOPNOTSUPP, "choose sandbox", "the %s sandbox is not compiled in",
                             nsb_sandbox_name(b->tier));
        }
        if (r < 0)
                goto fail;

        close_and_invalidate(&status_pipe[1]);
        close_and_invalidate(&log_pipe[1]);
        b->state = NSB_STATE_RUNNING;

        /* Where the child was started in our memory, the start returned
         * only once it had exec'd or exited: its status is then read
         * without waiting for the rest of the exec (the pipe's only message
         * is an error, one write far below the pipe's capacity).  Else,
         * block until the child has exec'd the builder or reported why it
         * could not: sandbox setup is short and runs no foreign code, and a
         * caller then knows for certain whether the build started. */
        if (s.exec_done && fcntl(status_pipe[0], F_SETFL, O_NONBLOCK) < 0) {
                r = nsb_fail(b, errno, "start build", "cannot read the sandbox's status: %s", strerror(errno));
                nsb_monitor_kill(b);
                int st;
                while (waitpid(b->pid, &st, __WALL) < 0 && errno == EINTR)
                        ;
                close_and_invalidate(&b->pidfd);
                b->state = NSB_STATE_CONFIG;
                goto fail;
        }
        /* What the sandbox holds, known before the builder's exec is: a
         * failed exec is still reported with it. */
        b->isolation = b->ns | (s.seccomp ? NSB_ISOLATION_SECCOMP : 0) | s.landlock;
        r = nsb_read_status(b, status_pipe[0]);
        if (r < 0) {
                nsb_monitor_kill(b);
                int st;
                while (waitpid(b->pid, &st, __WALL) < 0 && errno == EINTR)
                        ;
                close_and_invalidate(&b->pidfd);
                b->state = NSB_STATE_CONFIG;
                b->result = NSB_RESULT_FAILED;
                goto fail;
        }
        /* TAKE_FD leaves -1 behind for the cleanup handler, which cppcheck
         * does not see reading it. */
        // cppcheck-suppress unreadVariable
        r = nsb_monitor_start(b, TAKE_FD(log_pipe[0]));
        if (r < 0) {
                nsb_monitor_kill(b);
                b->state = NSB_STATE_RUNNING;
                (void) nsb_build_wait(b);
                b->result = NSB_RESULT_FAILED;
                return r;
        }
        return 0;

fail:
        /* The builder never ran, so no output can be its: nothing to
         * discard (and an output that already existed is the caller's). */
        b->result = NSB_RESULT_FAILED;
        reset_run(b);
        b->state = NSB_STATE_CONFIG;
        return r;
}

/* Whether a failed attempt means the tier is not available here (the
 * kernel, a limit or a policy refused a step of the sandbox itself), as
 * opposed to a problem of this build (a missing bind source, a builder
 * that is not there). */
/* Whether ERR is the kernel, a limit or a policy refusing a step. */
static bool refused_here(int err)
{
        switch (err) {
        case EPERM: case EACCES: case EINVAL: case ENOSPC: case ENOSYS:
        case EUSERS: case ENODEV: case EOPNOTSUPP:
                return true;
        default:
                return false;
        }
}

static bool tier_unavailable(const nsb_build *b)
{
        if (!refused_here(b->error_errno))
                return false;
        switch (b->failed_step) {
        case NSB_STEP_CLONE: case NSB_STEP_USER_NS_MAP: case NSB_STEP_MOUNT_PRIVATE:
        case NSB_STEP_LOOPBACK: case NSB_STEP_HOSTNAME: case NSB_STEP_DOMAINNAME:
        case NSB_STEP_ROOT_TMPFS: case NSB_STEP_PIVOT_ROOT: case NSB_STEP_MOVE_ROOT: case NSB_STEP_DETACH_OLD_ROOT:
        case NSB_STEP_ROOT_READONLY: case NSB_STEP_CHROOT: case NSB_STEP_SECCOMP:
                return true;
        case NSB_STEP_ACTION:
                /* A fresh /proc, devpts or tmpfs refused; a bind is the
                 * caller's path and says nothing about the tier. */
                return b->failed_index >= 0 && (size_t) b->failed_index < b->plan.n_actions &&
                       b->plan.actions[b->failed_index].type == NSB_ACT_MOUNT;
        default:
                return false;
        }
}

/* Append what the probe found about capability C to the error message. */
static void explain_capability(nsb_build *b, nsb_capability c)
{
        size_t len = strlen(b->error_message);
        const char *advice = nsb_capability_advice(c);
        snprintf(b->error_message + len, sizeof(b->error_message) - len, " [%s: %s%s%s]", nsb_capability_name(c),
                 nsb_capability_reason(c), advice[0] ? "; to enable: " : "", advice);
}

/* Append what the probe found about TIER to the error message. */
static void explain_unavailable(nsb_build *b, nsb_sandbox tier)
{
        /* The step that failed says which capability, where it is one. */
        nsb_capability c = b->failed_step == NSB_STEP_SECCOMP ? NSB_CAP_SECCOMP : nsb_sandbox_missing(tier);
        if (c != NSB_CAP_MAX_)
                explain_capability(b, c);
}

/* The namespaces TIER makes when all of them work here. */
static unsigned tier_namespaces(const nsb_build *b, nsb_sandbox tier)
{
        if (tier != NSB_SANDBOX_FULL)
                return tier == NSB_SANDBOX_CHROOT ? NSB_ISOLATION_ROOT : 0;
        return nsb_full_isolation(b->share_network) & ~NSB_ISOLATION_SECCOMP;
}

/* One attempt in b->tier with b->ns.  Where only the Landlock domain is
 * refused (a filter or a policy that the kernel's ABI did not show: the
 * build's child is the trial, see nsb_landlock_usable()), another without
 * it; the probe then says why, and later builds of this process ask it.
 * Where only the filter fails and FILTER_OPTIONAL, another without the
 * filter, saying so. */
static int attempt(nsb_build *b, bool filter_optional)
{
        for (;;) {
                int r = start_tier(b);
                if (r >= 0)
                        return r;
                /* E2BIG: the caller is in the most Landlock domains a
                 * process may be in (16). */
                if (b->failed_step == NSB_STEP_LANDLOCK && !b->landlock_retried &&
                    (refused_here(b->error_errno) || b->error_errno == E2BIG)) {
                        /* The probe's trial, once: from now on it decides
                         * (nsb_landlock_usable()).  Where it entered a
                         * domain, this refusal is not the kernel's or a
                         * policy's, and fails the build as it is. */
                        b->landlock_retried = true;
                        if (nsb_capability_works(NSB_CAP_LANDLOCK))
                                return r;
                        nsb_trace(b, "%s (%s), continuing without a Landlock domain", b->error_message,
                                  nsb_capability_reason(NSB_CAP_LANDLOCK));
                        continue;
                }
                if (b->failed_step == NSB_STEP_SECCOMP && tier_unavailable(b) && filter_optional && !b->no_seccomp) {
                        explain_capability(b, NSB_CAP_SECCOMP);
                        nsb_warn(b, "no system-call filter: %s, continuing without it", b->error_message);
                        b->no_seccomp = true;
                        continue;
                }
                return r;
        }
}

/* Say what auto's sandbox lacks of the full tier's, every piece with its
 * reason and how to enable it. */
static void warn_weaker(nsb_build *b, const char *first_failure)
{
        /* Root that cannot have build users builds as itself: without a
         * user namespace, that is root's uid, with root's files. */
        if (b->tier == NSB_SANDBOX_OFF && geteuid() == 0 && !nsb_build_users()) {
                char shortfall[256];
                nsb_privilege_shortfall(false, shortfall, sizeof(shortfall));
                nsb_warn(b, "the builder runs as root itself, uid 0 with no capability: it owns, and may change, "
                            "every file root owns, and may signal root's processes (no build users: %s)",
                         shortfall);
        }
        unsigned want = nsb_full_isolation(b->share_network), got = b->isolation;
        if (!nsb_sandbox_compiled(NSB_SANDBOX_FULL)) {
                nsb_warn(b, "using the %s sandbox, weaker than full: the full sandbox is not compiled in (%s)",
                         nsb_sandbox_name(b->tier), nsb_compiled_features());
                return;
        }
        unsigned lacks = want & ~got;
        /* What follows from another piece missing is not said twice. */
        if (lacks & NSB_ISOLATION_NET_NS)
                lacks &= ~NSB_ISOLATION_LOOPBACK;
        if (got & NSB_ISOLATION_ROOT)
                lacks &= ~NSB_ISOLATION_ROOT;
        if (b->no_seccomp)
                lacks &= ~NSB_ISOLATION_SECCOMP; /* said when it was found */
        if (!lacks)
                return;
        char msg[sizeof(b->error_message) * 2];
        size_t len = (size_t) snprintf(msg, sizeof(msg), "using the %s sandbox without", nsb_sandbox_name(b->tier));
        /* The pieces one cause refused, named together with it. */
        for (unsigned bit = 1; bit <= NSB_ISOLATION_SECCOMP && len < sizeof(msg); bit <<= 1) {
                if (!(lacks & bit))
                        continue;
                nsb_capability c = nsb_isolation_capability(bit);
                const char *reason = nsb_capability_reason(c), *advice = nsb_capability_advice(c);
                len += (size_t) snprintf(msg + len, sizeof(msg) - len, "%s %s", len > 40 ? ";" : "",
                                         nsb_isolation_name(bit));
                for (unsigned more = bit << 1; more <= NSB_ISOLATION_SECCOMP && len < sizeof(msg); more <<= 1) {
                        nsb_capability m = nsb_isolation_capability(more);
                        if ((lacks & more) && strcmp(nsb_capability_reason(m), reason) == 0 &&
                            strcmp(nsb_capability_advice(m), advice) == 0) {
                                len += (size_t) snprintf(msg + len, sizeof(msg) - len, ", %s", nsb_isolation_name(more));
                                lacks &= ~more;
                        }
                }
                if (len < sizeof(msg))
                        len += (size_t) snprintf(msg + len, sizeof(msg) - len, " [%s%s%s]", reason[0] ? reason : first_failure,
                                                 advice[0] ? "; to enable: " : "", advice);
        }
        nsb_warn(b, "%s", msg);
}

int nsb_build_start(nsb_build *b)
{
        CHECK_CONFIG(b);
        b->error_errno = 0;
        b->error_step[0] = b->error_message[0] = '\0';
        if (!b->builder)
                return nsb_fail(b, EINVAL, "start build", "no builder was given");
        if (check_needs_canonical(b) < 0)
                return -b->error_errno;
        if (b->export_graphs) {
                int q = nsb_export_graphs(b);
                strv_free(b->export_graphs); /* written once, even if the start is tried again */
                b->export_graphs = NULL;
                if (q < 0)
                        return q;
        }
        if (b->structured) {
                int q = nsb_structured_write(b);
                nsb_json_free(b->structured); /* likewise */
                b->structured = NULL;
                if (q < 0)
                        return q;
        }

        if (b->sandbox != NSB_SANDBOX_AUTO) {
                b->tier = b->sandbox;
                b->ns = tier_namespaces(b, b->tier);
                /* nsb_sandbox_name() is NULL only out of range, which the
                 * setter refuses; gcc on some targets cannot see that. */
                const char *tier_name = nsb_sandbox_name(b->tier);
                if (!nsb_sandbox_compiled(b->tier))
                        return nsb_fail(b, EOPNOTSUPP, "choose sandbox",
                                        "the %s sandbox is not compiled into this nsbuild (features: %s)",
                                        tier_name ? tier_name : "unknown", nsb_compiled_features());
                /* chroot(2) is refused only after the whole root has been
                 * copied; ask first (the probe is cheap and cached). */
                if (b->tier == NSB_SANDBOX_CHROOT && !nsb_sandbox_works(NSB_SANDBOX_CHROOT)) {
                        nsb_capability c = NSB_CAP_CHROOT;
                        const char *advice = nsb_capability_advice(c);
                        b->state = NSB_STATE_DONE;
                        b->result = NSB_RESULT_FAILED;
                        return nsb_fail(b, nsb_capability_errno(c), "choose sandbox",
                                        "the chroot sandbox is unavailable here [chroot: %s%s%s]",
                                        nsb_capability_reason(c), advice[0] ? "; to enable: " : "", advice);
                }
                /* The filter is one of the full tier's protections; the
                 * chroot and off tiers run without it where the kernel has
                 * none, and say so. */
                int r = attempt(b, b->tier != NSB_SANDBOX_FULL);
                if (r < 0 && tier_unavailable(b))
                        /* Never silently weaker: say what is missing. */
                        explain_unavailable(b, b->tier);
                if (r < 0)
                        b->state = NSB_STATE_DONE;
                return r;
        }

        /* auto: first everything the full tier gives, simply tried (no
         * probe on the way to a working sandbox).  Only when the kernel or
         * a policy refuses a piece does the probe run: then every
         * namespace and protection that works is used, one by one, and the
         * warning names each missing piece with its reason. */
        int r = -EOPNOTSUPP;
        char first[sizeof(b->error_message)] = "";
        if (nsb_sandbox_compiled(NSB_SANDBOX_FULL)) {
                b->tier = NSB_SANDBOX_FULL;
                b->ns = tier_namespaces(b, b->tier);
                r = attempt(b, true);
                if (r >= 0)
                        return 0;
                if (!tier_unavailable(b)) {
                        b->state = NSB_STATE_DONE;
                        return r;
                }
                snprintf(first, sizeof(first), "%s", b->error_message);
        }
        nsb_sandbox tier;
        unsigned choice = nsb_auto_choice(b->share_network, &tier);
        /* The probe's choice, then what is weaker still should that fail
         * too (the probe tries each piece, not every combination). */
        for (;; tier = tier == NSB_SANDBOX_FULL ? NSB_SANDBOX_CHROOT : NSB_SANDBOX_OFF) {
                if (tier == NSB_SANDBOX_CHROOT && !nsb_sandbox_works(NSB_SANDBOX_CHROOT))
                        continue; /* it would fail only after copying the root */
                b->tier = tier;
                b->ns = choice & ~NSB_ISOLATION_SECCOMP;
                if (tier != NSB_SANDBOX_FULL)
                        b->ns &= tier == NSB_SANDBOX_CHROOT ? ~NSB_ISOLATION_MOUNT_NS & ~NSB_ISOLATION_USER_NS : 0;
                b->no_seccomp = b->no_seccomp || !(choice & NSB_ISOLATION_SECCOMP);
                r = attempt(b, true);
                if (r >= 0 || !tier_unavailable(b) || tier == NSB_SANDBOX_OFF)
                        break;
                if (!first[0])
                        snprintf(first, sizeof(first), "%s", b->error_message);
        }
        /* Said also when the builder then fails to start in the weaker
         * sandbox: a missing builder is reported for what it is, after
         * saying which sandbox it was missing from. */
        if (r >= 0 || !tier_unavailable(b))
                warn_weaker(b, first);
        if (r < 0)
                b->state = NSB_STATE_DONE;
        return r;
}

const char *nsb_build_dir(const nsb_build *b)
{
        return b ? b->build_dir : NULL;
}

nsb_sandbox nsb_build_sandbox(const nsb_build *b)
{
        return b && b->state != NSB_STATE_CONFIG ? b->tier : NSB_SANDBOX_AUTO;
}

unsigned nsb_build_isolation(const nsb_build *b)
{
        return b && b->state != NSB_STATE_CONFIG ? b->isolation : 0;
}

pid_t nsb_build_pid(const nsb_build *b)
{
        if (!b)
                return -1;
        return b->builder_pid > 0 ? b->builder_pid : b->pid;
}

int nsb_build_kill(nsb_build *b)
{
        if (!b)
                return -EINVAL;
        if (b->state != NSB_STATE_RUNNING)
                return -ESRCH;
        nsb_monitor_kill(b);
        return 0;
}

nsb_result nsb_build_result(const nsb_build *b)
{
        return b ? b->result : NSB_RESULT_NONE;
}

int nsb_build_exit_status(const nsb_build *b)
{
        return b ? b->exit_status : -1;
}

int nsb_build_term_signal(const nsb_build *b)
{
        return b ? b->term_signal : 0;
}

int nsb_build_get_stats(const nsb_build *b, nsb_build_stats *ret_stats, size_t size)
{
        if (!b || !ret_stats || size < offsetof(nsb_build_stats, memory_peak) + sizeof(uint64_t))
                return -EINVAL;
        if (b->state != NSB_STATE_DONE)
                return -EBUSY;
        memcpy(ret_stats, &b->stats, size < sizeof(b->stats) ? size : sizeof(b->stats));
        return 0;
}

const char *nsb_build_error_message(const nsb_build *b)
{
        return b ? b->error_message : "";
}

const char *nsb_build_error_step(const nsb_build *b)
{
        return b ? b->error_step : "";
}

int nsb_build_error_errno(const nsb_build *b)
{
        return b ? b->error_errno : 0;
}

int nsb_build_exit_code(const nsb_build *b)
{
        if (!b)
                return 125;
        switch (b->result) {
        case NSB_RESULT_EXITED:
                return b->exit_status;
        case NSB_RESULT_SIGNALED:
                return 128 + b->term_signal;
        case NSB_RESULT_TIMED_OUT:
        case NSB_RESULT_SILENT_TIMEOUT:
                return 124;
        case NSB_RESULT_OUT_OF_MEMORY:
                return 137;
        case NSB_RESULT_PIDS_LIMIT:
                return b->term_signal ? 128 + b->term_signal : b->exit_status;
        case NSB_RESULT_FAILED:
                if (strcmp(b->error_step, "execute builder") == 0)
                        return b->error_errno == ENOENT ? 127 : 126;
                return 125;
        case NSB_RESULT_LOG_LIMIT:
        case NSB_RESULT_NONE:
        default:
                return 125;
        }
}
