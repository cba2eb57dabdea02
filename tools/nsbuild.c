/* nsbuild - run a package builder in a sandbox.
 *
 * The command-line face of libnsbuild: it parses options, hands them to
 * the library, streams the log and turns the result into an exit status:
 * the builder's own; 124 timed out; 125 nsbuild or the sandbox failed;
 * 126 builder not executable; 127 builder not found; 128+N killed by
 * signal N. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HAVE_JSONC
#include <json-c/json.h>
#endif

#include "nsbuild.h"

#define EXIT_NSBUILD_FAILED 125

static const char *program_name = "nsbuild";
static bool verbose;

__attribute__((format(printf, 1, 0))) static void vwarn_prefixed(const char *fmt, va_list ap)
{
        fprintf(stderr, "%s: ", program_name);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
}

__attribute__((format(printf, 1, 2))) static void warn_msg(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vwarn_prefixed(fmt, ap);
        va_end(ap);
}

/* Print "nsbuild: MESSAGE" and exit 125. */
__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vwarn_prefixed(fmt, ap);
        va_end(ap);
        exit(EXIT_NSBUILD_FAILED);
}

/* Print "nsbuild: MESSAGE: strerror(-r)" and exit 125. */
__attribute__((noreturn, format(printf, 2, 3))) static void die_with_error(int r, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "%s: ", program_name);
        vfprintf(stderr, fmt, ap);
        fprintf(stderr, ": %s\n", strerror(r < 0 ? -r : r));
        va_end(ap);
        exit(EXIT_NSBUILD_FAILED);
}

static void usage_main(FILE *out)
{
        fprintf(out,
                "Usage:\n"
                " %1$s run [OPTIONS] -- PROGRAM [ARG...]\n"
                " %1$s build [OPTIONS] FILE.drv\n"
                " %1$s features [--json]\n"
                " %1$s --help | --version\n"
                "\n"
                "Run a package builder in a sandbox: it sees only what it is given, reaches\n"
                "no network and no other process, runs unprivileged and leaves nothing behind.\n"
                "\n"
                "Commands:\n"
                " run        run PROGRAM in the sandbox (see '%1$s run --help')\n"
                " build      realise a Nix derivation into a store (see '%1$s build --help')\n"
                " features   what works here, why not, and what --sandbox=auto uses\n"
                "\n"
                "Options:\n"
                " -h, --help     display this help\n"
                " -V, --version  display the version and the compiled-in features\n"
                "\n"
                "See nsbuild(1).\n",
                program_name);
}

/* The options run and build share, for both usage texts. */
#define COMMON_HELP                                                                                 \
        "     --sandbox=MODE         auto (default), full, chroot or off\n"                        \
        "     --ro-bind SRC[:DEST]   bind host path SRC read-only at DEST (default SRC)\n"         \
        "     --bind SRC[:DEST]      bind host path SRC read-write at DEST\n"                      \
        "     --dev-bind SRC[:DEST]  like --bind, device nodes usable\n"                           \
        "     --host-tools           bind /usr, /etc/alternatives (and /bin, /lib, ... as on\n"    \
        "                            the host) read-only\n"                                        \
        "     --timeout SECONDS      kill the build after SECONDS (exit 124)\n"                    \
        "     --max-silent-time SECONDS\n"                                                         \
        "                            kill the build after SECONDS without output (exit 124)\n"     \
        "     --max-log-size BYTES   kill the build after BYTES of log (suffixes K, M, G)\n"       \
        "     --user UID:GID         the build user (default 30001:30000)\n"                       \
        "     --user-pool FIRST:COUNT\n"                                                           \
        "                            as root, take the first free build user of this\n"            \
        "                            pool (default 30001:32): no two builds share a uid\n"         \
        "     --hostname NAME        the sandbox's host name (default localhost)\n"                \
        "     --store DIR            the store directory, announced as NIX_STORE (default /nix/store)\n" \
        "     --cores N              NIX_BUILD_CORES (default: the online CPUs)\n"                 \
        "     --tmpdir DIR           where the build directory is made (default $TMPDIR or /tmp)\n" \
        "     --journal-dir DIR      where runs record what they make, for the next run to\n"      \
        "                            remove if one is killed (default /run/nsbuild/runs as\n"      \
        "                            root, else $XDG_RUNTIME_DIR/nsbuild-runs, else\n"             \
        "                            ~/.local/state/nsbuild/runs, else $TMPDIR/.nsbuild-runs-UID)\n" \
        "     --keep-root            keep the build directory and print its path\n"                \
        "     --keep-failed          keep it only if the build fails\n"                            \
        "     --stats                print what the build used (CPU, peak memory, wall time)\n"  \
        "     --memory-max SIZE      memory of all its processes, tmpfs included (K, M, G)\n"    \
        "     --pids-max N           at most N processes at once\n"                             \
        "     --cpu-max CPUS         CPU time: a number of CPUs, or QUOTA/PERIOD (microseconds)\n" \
        "     --cgroup-limit KEY=VALUE  another cgroup v2 limit (see nsbuild(1))\n"            \
        "     --tmpfs-size SIZE      the full tier's root tmpfs and /dev/shm (default 512M; 0: half the RAM)\n" \
        "     --no-cgroup            no cgroup for the build (a caller that makes its own)\n"    \
        "     --cgroup-parent PATH   make the build's cgroup in cgroup PATH (default: nsbuild below ours)\n" \
        "     --json-status-fd FD    write the builder's pid, then its end and statistics, as JSON\n" \
        " -v, --verbose              print each setup step on standard error\n"                    \
        " -h, --help                 display this help\n"

#define EXIT_HELP                                                                                   \
        "Exit status: the builder's own; 124 timed out; 125 nsbuild or the sandbox\n"              \
        "failed; 126 builder not executable; 127 builder not found; 128+N killed by\n"             \
        "signal N.\n"

static void usage_run(FILE *out)
{
        fprintf(out,
                "Usage:\n"
                " %1$s run [OPTIONS] -- PROGRAM [ARG...]\n"
                "\n"
                "Run PROGRAM in the sandbox; nothing of the host is visible unless bound.\n"
                "\n"
                "Options:\n"
                "     --input PATH           bind PATH read-only at the same path\n"
                "     --output PATH          PATH is created by the build, moved into place on success;\n"
                "                            made yours, without setuid, setgid, sticky, group- or\n"
                "                            world-write bits\n"
                "     --canonicalise         make outputs as a store keeps them (mtime 1, 0444/0555,\n"
                "                            no extended attributes), as nsbuild build does\n"
                "     --setenv NAME=VALUE    set NAME in the builder's environment\n"
                "     --system SYSTEM        the Nix system type, e.g. i686-linux (sets the personality)\n"
                "     --log FILE             write the build log to FILE instead of standard output\n"
                "     --cap-add CAP          keep capability CAP (CAP_NET_RAW) for the builder, inside its\n"
                "                            own user namespace only (refused where it has none)\n"
                COMMON_HELP
                "\n"
                EXIT_HELP,
                program_name);
}

static void usage_build(FILE *out)
{
        fprintf(out,
                "Usage:\n"
                " %1$s build [OPTIONS] FILE.drv\n"
                "\n"
                "Realise the Nix derivation FILE.drv: run its builder in the sandbox with its\n"
                "inputs, check and canonicalise its outputs and move them into the store, then\n"
                "print their paths.  A fixed-output derivation keeps the host's network and\n"
                "its output's hash is verified.\n"
                "\n"
                "Options:\n"
                "     --closure FILE         also bind the store paths listed in FILE, one a line\n"
                "                            (as nix-store -qR prints them), or in Nix's registration\n"
                "                            format, which also says what each refers to, or as\n"
                "                            nix path-info --json --recursive prints it; repeatable\n"
                "     --sandbox-path PATH[=HOSTPATH]\n"
                "                            bind HOSTPATH (default PATH) read-only at PATH; a\n"
                "                            trailing '?' skips it when missing\n"
                "     --log FILE             write the build log to FILE instead of standard error\n"
                "     --json                 print what a store registers for each output (path, NAR\n"
                "                            hash and size, references, deriver), as nix path-info --json\n"
                "     --print-registration   the same as nix-store --register-validity --hash-given reads it\n"
                "     --system-features LIST the features offered to requiredSystemFeatures (default:\n"
                "                            nixos-test benchmark big-parallel, and kvm where usable)\n"
                "     --allow-no-chroot      build a derivation that sets __noChroot without a sandbox\n"
                "     --check                rebuild outputs that exist and compare them (a difference is\n"
                "                            kept as OUTPUT.check; exit 1)\n"
                "     --diff-hook PROGRAM    on a difference, run PROGRAM OLD NEW DRV BUILD-DIR\n"
                COMMON_HELP
                "\n"
                EXIT_HELP
                "Malformed or unbuildable derivations, missing inputs or outputs and hash\n"
                "mismatches exit 125 with a one-line message.\n",
                program_name);
}

static void print_version(void)
{
        /* The feature line stays last: scripts read it with tail -n 1. */
        printf("%s %s\nsystem-call filter: %s\n%s\n", program_name, nsb_version(),
               NSB_HAVE_SECCOMP ? NSB_SECCOMP_ABIS : "none", nsb_compiled_features());
}

static unsigned parse_unsigned(const char *opt, const char *s)
{
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || end == s || *end || s[0] == '-' || v > UINT_MAX)
                die("%s: '%s' is not a non-negative integer", opt, s);
        return (unsigned) v;
}

/* "A:B" with two non-negative integers, for --user and --user-pool. */
static void parse_pair(const char *opt, const char *form, const char *arg, unsigned *ret_a, unsigned *ret_b)
{
        const char *colon = strchr(arg, ':');
        if (!colon)
                die("%s: '%s' is not %s", opt, arg, form);
        char *first = strndup(arg, (size_t) (colon - arg));
        if (!first)
                die("out of memory");
        *ret_a = parse_unsigned(opt, first);
        *ret_b = parse_unsigned(opt, colon + 1);
        free(first);
}

static uint64_t parse_size(const char *opt, const char *s)
{
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || end == s || s[0] == '-')
                die("%s: '%s' is not a size", opt, s);
        unsigned shift = 0;
        if (*end) {
                switch (*end) {
                case 'K': case 'k': shift = 10; break;
                case 'M': case 'm': shift = 20; break;
                case 'G': case 'g': shift = 30; break;
                default: die("%s: '%s' is not a size (suffixes: K, M, G)", opt, s);
                }
                if (end[1])
                        die("%s: '%s' is not a size (suffixes: K, M, G)", opt, s);
        }
        if (v > (UINT64_MAX >> shift))
                die("%s: '%s' is too large", opt, s);
        return (uint64_t) v << shift;
}

/* --cpu-max: a number of CPUs ("1.5"), or QUOTA/PERIOD in microseconds
 * as cgroup v2's cpu.max takes them ("150000/100000"). */
static void parse_cpu_max(nsb_build *b, const char *s)
{
        char *end;
        uint64_t quota, period = 100000;
        errno = 0;
        if (strchr(s, '/')) {
                unsigned long long q = strtoull(s, &end, 10), p;
                if (errno || end == s || *end != '/' || s[0] == '-')
                        die("--cpu-max: '%s' is not QUOTA/PERIOD in microseconds, nor a number of CPUs", s);
                const char *ps = end + 1;
                p = strtoull(ps, &end, 10);
                if (errno || end == ps || *end || ps[0] == '-')
                        die("--cpu-max: '%s' is not QUOTA/PERIOD in microseconds, nor a number of CPUs", s);
                quota = q;
                period = p;
        } else {
                double cpus = strtod(s, &end);
                if (errno || end == s || *end || !(cpus > 0) || cpus > 65536)
                        die("--cpu-max: '%s' is not a number of CPUs, nor QUOTA/PERIOD in microseconds", s);
                quota = (uint64_t) (cpus * (double) period + 0.5);
        }
        if (quota == 0)
                die("--cpu-max: '%s' gives no CPU time at all", s);
        if (nsb_build_set_cpu_max(b, quota, period) < 0)
                die("--cpu-max: '%s': the period must be 1000 to 1000000 microseconds and the quota at least 1000",
                    s);
}

static void add_bind_option(nsb_build *b, const char *opt, const char *arg, unsigned flags)
{
        char *copy = strdup(arg);
        if (!copy)
                die("out of memory");
        char *dest = strchr(copy, ':');
        if (dest)
                *dest++ = '\0';
        int r = nsb_build_add_bind(b, copy, dest, flags);
        if (r == -EINVAL)
                die("%s %s: paths must be absolute, without '.' or '..' components or a trailing '/'", opt, arg);
        if (r < 0)
                die_with_error(r, "%s %s", opt, arg);
        free(copy);
}

static void trace_to_stderr(const char *message, void *userdata)
{
        (void) userdata;
        fprintf(stderr, "%s: %s\n", program_name, message);
}

static void warning_to_stderr(const char *message, void *userdata)
{
        (void) userdata;
        fprintf(stderr, "%s: warning: %s\n", program_name, message);
}

/* ---- nsbuild features ---- */

static void usage_features(FILE *out)
{
        fprintf(out,
                "Usage:\n"
                " %1$s features [--json]\n"
                "\n"
                "Say what this nsbuild was compiled with, what works on this kernel with\n"
                "these privileges, why not, how to enable it, and which sandbox tier\n"
                "--sandbox=auto would use.\n"
                "\n"
                "Options:\n"
                "     --json      the same as JSON (schema 1, see nsbuild(1))\n"
                " -h, --help      display this help\n",
                program_name);
}

#ifdef HAVE_JSONC
/* JSON is written with json-c: objects built, then printed. */
static struct json_object *jnew(struct json_object *v)
{
        if (!v)
                die("out of memory");
        return v;
}

/* A string, or null for NULL or "". */
static struct json_object *jstr(const char *s)
{
        return s && *s ? jnew(json_object_new_string(s)) : NULL;
}

static void jadd(struct json_object *o, const char *key, struct json_object *v)
{
        if (json_object_object_add(o, key, v) < 0)
                die("out of memory");
}

static void jpush(struct json_object *a, struct json_object *v)
{
        if (json_object_array_add(a, v) < 0)
                die("out of memory");
}

/* Print O (and free it) on FD, one line: SPACED as bubblewrap's status
 * lines, or compact as Nix prints. */
static void jprint(int fd, struct json_object *o, bool spaced)
{
        const char *text = json_object_to_json_string_ext(
                o, (spaced ? JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN) | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text)
                die("out of memory");
        if (fd == STDOUT_FILENO)
                fflush(stdout);
        dprintf(fd, "%s\n", text);
        json_object_put(o);
}
#endif

/* Die where JSON was asked of a build without json-c. */
static void need_json(const char *what)
{
#ifndef HAVE_JSONC
        die("%s: this nsbuild was built without json-c (configure --with-jsonc; on Debian: apt-get install "
            "libjson-c-dev)",
            what);
#else
        (void) what;
#endif
}

static const char *yes_no(int v)
{
        return v ? "yes" : "no";
}

/* What auto's sandbox lacks of the full tier's here, as NSB_ISOLATION_*
 * bits (the full tier's own, as far as it is compiled in). */
static unsigned auto_lacks(void)
{
        unsigned want = NSB_ISOLATION_ROOT | NSB_ISOLATION_MOUNT_NS | NSB_ISOLATION_NET_NS | NSB_ISOLATION_LOOPBACK |
                        NSB_ISOLATION_IPC_NS | NSB_ISOLATION_UTS_NS | NSB_ISOLATION_PID_NS;
        if (geteuid() != 0)
                want |= NSB_ISOLATION_USER_NS;
        if (nsb_capability_compiled(NSB_CAP_SECCOMP))
                want |= NSB_ISOLATION_SECCOMP;
        unsigned best = nsb_sandbox_best_isolation(), lacks = want & ~best;
        /* What follows from another piece missing is not said twice. */
        if (lacks & NSB_ISOLATION_NET_NS)
                lacks &= ~NSB_ISOLATION_LOOPBACK;
        if (best & NSB_ISOLATION_ROOT)
                lacks &= ~NSB_ISOLATION_ROOT;
        return lacks;
}

/* What each tier isolates and what it does not (nsbuild(1), SECURITY). */
static const char *tier_isolates(nsb_sandbox tier)
{
        switch (tier) {
        case NSB_SANDBOX_FULL:
                return "full: mount, network (loopback only), IPC, UTS and PID namespaces; a root of its own; "
                       "read-only inputs";
        case NSB_SANDBOX_CHROOT:
                return "chroot: a root of its own on disk, inputs copied or linked read-only; "
                       "no network, IPC, UTS or PID isolation";
        case NSB_SANDBOX_OFF:
                return "off: a fresh build directory and environment only; no isolation";
        case NSB_SANDBOX_AUTO:
                break;
        }
        return "";
}

static int cmd_features(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        bool json = false;
        int c;
        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
                switch (c) {
                case 'j': json = true; break;
                case 'h': usage_features(stdout); return EXIT_SUCCESS;
                default:
                        fprintf(stderr, "Try '%s features --help' for more information.\n", program_name);
                        return EXIT_NSBUILD_FAILED;
                }
        }
        if (optind < argc)
                die("features: unexpected argument '%s'", argv[optind]);

        static const nsb_sandbox tiers[] = { NSB_SANDBOX_FULL, NSB_SANDBOX_CHROOT, NSB_SANDBOX_OFF };
        nsb_sandbox best = nsb_sandbox_best();
        if (json) {
                need_json("features --json");
#ifdef HAVE_JSONC
                struct json_object *o = jnew(json_object_new_object()), *list = jnew(json_object_new_array());
                jadd(o, "schema", jnew(json_object_new_int(1)));
                jadd(o, "version", jstr(nsb_version()));
                jadd(o, "features", jstr(nsb_compiled_features()));
                jadd(o, "euid", jnew(json_object_new_int64(geteuid())));
                for (int i = 0; i < NSB_CAP_MAX_; i++) {
                        nsb_capability cap = (nsb_capability) i;
                        int err = nsb_capability_errno(cap);
                        struct json_object *e = jnew(json_object_new_object());
                        jadd(e, "name", jstr(nsb_capability_name(cap)));
                        jadd(e, "compiled", jnew(json_object_new_boolean(nsb_capability_compiled(cap))));
                        jadd(e, "works", jnew(json_object_new_boolean(nsb_capability_works(cap))));
                        jadd(e, "errno", jstr(err ? strerrorname_np(err) : NULL));
                        jadd(e, "reason", jstr(nsb_capability_reason(cap)));
                        jadd(e, "advice", jstr(nsb_capability_advice(cap)));
                        jpush(list, e);
                }
                jadd(o, "capabilities", list);
                list = jnew(json_object_new_array());
                for (size_t i = 0; i < sizeof(tiers) / sizeof(tiers[0]); i++) {
                        struct json_object *t = jnew(json_object_new_object());
                        jadd(t, "name", jstr(nsb_sandbox_name(tiers[i])));
                        jadd(t, "compiled", jnew(json_object_new_boolean(nsb_sandbox_compiled(tiers[i]))));
                        jadd(t, "works", jnew(json_object_new_boolean(nsb_sandbox_works(tiers[i]))));
                        jadd(t, "isolates", jstr(strchr(tier_isolates(tiers[i]), ' ') + 1));
                        jpush(list, t);
                }
                jadd(o, "tiers", list);
                jadd(o, "auto", jstr(nsb_sandbox_name(best)));
                list = jnew(json_object_new_array());
                for (unsigned bit = 1; bit <= NSB_ISOLATION_SECCOMP; bit <<= 1)
                        if (auto_lacks() & bit)
                                jpush(list, jstr(nsb_isolation_name(bit)));
                jadd(o, "auto_lacks", list);
                struct json_object *cg = jnew(json_object_new_object());
                jadd(cg, "works", jnew(json_object_new_boolean(nsb_cgroup_available())));
                jadd(cg, "summary", jstr(nsb_cgroup_summary()));
                jadd(o, "cgroup", cg);
                list = jnew(json_object_new_array());
                for (int i = 0; i < nsb_privilege_count(); i++) {
                        struct json_object *p = jnew(json_object_new_object());
                        jadd(p, "name", jstr(nsb_privilege_name(i)));
                        jadd(p, "held", jnew(json_object_new_boolean(nsb_privilege_held(i))));
                        jadd(p, "gives", jstr(nsb_privilege_gives(i)));
                        jadd(p, "why_missing", jstr(nsb_privilege_why_missing(i)));
                        jpush(list, p);
                }
                jadd(o, "privileges", list);
                int filters, mode = nsb_self_seccomp_mode(&filters);
                jadd(o, "seccomp_mode", jnew(json_object_new_int(mode)));
                jadd(o, "seccomp_filters", jnew(json_object_new_int(filters)));
                jadd(o, "security", jstr(nsb_self_security()));
                jprint(STDOUT_FILENO, o, true);
#endif
                return EXIT_SUCCESS;
        }

        printf("%-22s %-9s %-6s %s\n", "CAPABILITY", "COMPILED", "WORKS", "WHY NOT / HOW TO ENABLE");
        for (int i = 0; i < NSB_CAP_MAX_; i++) {
                nsb_capability cap = (nsb_capability) i;
                const char *reason = nsb_capability_reason(cap), *advice = nsb_capability_advice(cap);
                printf("%-22s %-9s %-6s %s\n", nsb_capability_name(cap), yes_no(nsb_capability_compiled(cap)),
                       yes_no(nsb_capability_works(cap)), reason[0] ? reason : "-");
                if (advice[0])
                        printf("%-22s %-9s %-6s to enable: %s\n", "", "", "", advice);
        }
        printf("\n%-22s %-9s %s\n", "TIER", "COMPILED", "WORKS");
        for (size_t i = 0; i < sizeof(tiers) / sizeof(tiers[0]); i++)
                printf("%-22s %-9s %s\n", nsb_sandbox_name(tiers[i]), yes_no(nsb_sandbox_compiled(tiers[i])),
                       yes_no(nsb_sandbox_works(tiers[i])));
        printf("\nCGROUP (each build's processes held, killed and counted together): %s\n  %s\n",
               nsb_cgroup_available() ? "yes" : "no", nsb_cgroup_summary());
        printf("\n%-22s %-6s %s\n", "PRIVILEGE", "HELD", "WHAT IT GIVES NSBUILD / WHY MISSING");
        for (int i = 0; i < nsb_privilege_count(); i++) {
                printf("%-22s %-6s %s\n", nsb_privilege_name(i), yes_no(nsb_privilege_held(i)), nsb_privilege_gives(i));
                if (!nsb_privilege_held(i))
                        printf("%-22s %-6s missing: %s\n", "", "", nsb_privilege_why_missing(i));
        }
        int filters, mode = nsb_self_seccomp_mode(&filters);
        const char *security = nsb_self_security();
        printf("running as uid %u; seccomp: ", (unsigned) geteuid());
        if (mode == 2 && filters > 0)
                printf("nsbuild runs under %d filter%s (a container runtime's, or its caller's)", filters,
                       filters == 1 ? "" : "s");
        else if (mode == 2)
                printf("nsbuild runs under a filter (a container runtime's, or its caller's)");
        else if (mode == 0)
                printf("no filter on nsbuild");
        else if (mode == -1)
                printf("not in this kernel");
        else
                printf("unknown");
        printf("; security modules: %s\n", security[0] ? security : "none seen");
        printf("\nWhat each tier isolates (see nsbuild(1), SECURITY):\n");
        for (size_t i = 0; i < sizeof(tiers) / sizeof(tiers[0]); i++)
                printf("  %s\n", tier_isolates(tiers[i]));
        printf("\n--sandbox=auto uses: %s", nsb_sandbox_name(best));
        const char *sep = ", without (see above): ";
        for (unsigned bit = 1; bit <= NSB_ISOLATION_SECCOMP; bit <<= 1)
                if (auto_lacks() & bit) {
                        printf("%s%s", sep, nsb_isolation_name(bit));
                        sep = ", ";
                }
        printf("\n");
        return EXIT_SUCCESS;
}

enum {
        OPT_SANDBOX = 0x100,
        OPT_RO_BIND,
        OPT_BIND,
        OPT_DEV_BIND,
        OPT_INPUT,
        OPT_OUTPUT,
        OPT_HOST_TOOLS,
        OPT_SETENV,
        OPT_TIMEOUT,
        OPT_MAX_SILENT,
        OPT_MAX_LOG,
        OPT_USER,
        OPT_USER_POOL,
        OPT_HOSTNAME,
        OPT_SYSTEM,
        OPT_STORE,
        OPT_CORES,
        OPT_TMPDIR,
        OPT_LOG,
        OPT_KEEP_ROOT,
        OPT_CLOSURE,
        OPT_SANDBOX_PATH,
        OPT_CANONICALISE,
        OPT_JOURNAL_DIR,
        OPT_STATS,
        OPT_MEMORY_MAX,
        OPT_PIDS_MAX,
        OPT_CPU_MAX,
        OPT_CGROUP_LIMIT,
        OPT_TMPFS_SIZE,
        OPT_NO_CGROUP,
        OPT_JSON_STATUS_FD,
        OPT_CGROUP_PARENT,
        OPT_CAP_ADD,
        OPT_JSON,
        OPT_PRINT_REGISTRATION,
        OPT_SYSTEM_FEATURES,
        OPT_ALLOW_NO_CHROOT,
        OPT_KEEP_FAILED,
        OPT_CHECK,
        OPT_DIFF_HOOK,
};

/* Wait for the build, forwarding SIGINT, SIGTERM and SIGHUP as a kill of
 * the whole build.  Returns the signal that stopped us, or 0. */
static int wait_for_build(nsb_build *b, int sfd)
{
        int stopped_by = 0;
        for (;;) {
                int r = nsb_build_dispatch(b);
                if (r < 0)
                        die_with_error(r, "%s", nsb_build_error_message(b)[0] ? nsb_build_error_message(b)
                                                                               : "cannot monitor the build");
                if (r > 0)
                        return stopped_by;
                struct pollfd p[2] = {
                        { .fd = nsb_build_fd(b), .events = POLLIN },
                        { .fd = sfd, .events = POLLIN },
                };
                if (poll(p, 2, -1) < 0 && errno != EINTR)
                        die_with_error(-errno, "poll");
                if (p[1].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        if (read(sfd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
                                stopped_by = (int) si.ssi_signo;
                                (void) nsb_build_kill(b);
                        }
                }
        }
}

/* What every command that runs a builder takes and does alike. */
enum output_report {
        REPORT_PATHS,             /* the output paths, one a line */
        REPORT_JSON,              /* --json: as nix path-info --json */
        REPORT_REGISTRATION,      /* --print-registration: as nix-store --register-validity --hash-given reads */
};

struct run_options {
        bool keep_root;
        bool keep_failed;
        bool check;               /* --check */
        const char *diff_hook;    /* --diff-hook PROGRAM */
        bool stats;
        enum output_report report;
        const char *deriver;      /* the .drv's store path, NULL if not in the store */
        int status_fd;            /* --json-status-fd, -1: none */
        const char *log_path;
        int default_log_fd;
};

#define COMMON_LONGOPTS                                                         \
        { "sandbox", required_argument, NULL, OPT_SANDBOX },                    \
        { "ro-bind", required_argument, NULL, OPT_RO_BIND },                    \
        { "bind", required_argument, NULL, OPT_BIND },                          \
        { "dev-bind", required_argument, NULL, OPT_DEV_BIND },                  \
        { "host-tools", no_argument, NULL, OPT_HOST_TOOLS },                    \
        { "timeout", required_argument, NULL, OPT_TIMEOUT },                    \
        { "max-silent-time", required_argument, NULL, OPT_MAX_SILENT },         \
        { "max-log-size", required_argument, NULL, OPT_MAX_LOG },               \
        { "user", required_argument, NULL, OPT_USER },                          \
        { "user-pool", required_argument, NULL, OPT_USER_POOL },                \
        { "hostname", required_argument, NULL, OPT_HOSTNAME },                  \
        { "store", required_argument, NULL, OPT_STORE },                        \
        { "cores", required_argument, NULL, OPT_CORES },                        \
        { "tmpdir", required_argument, NULL, OPT_TMPDIR },                      \
        { "journal-dir", required_argument, NULL, OPT_JOURNAL_DIR },            \
        { "log", required_argument, NULL, OPT_LOG },                            \
        { "keep-root", no_argument, NULL, OPT_KEEP_ROOT },                      \
        { "keep-failed", no_argument, NULL, OPT_KEEP_FAILED },                  \
        { "stats", no_argument, NULL, OPT_STATS },                              \
        { "memory-max", required_argument, NULL, OPT_MEMORY_MAX },              \
        { "pids-max", required_argument, NULL, OPT_PIDS_MAX },                  \
        { "cpu-max", required_argument, NULL, OPT_CPU_MAX },                    \
        { "cgroup-limit", required_argument, NULL, OPT_CGROUP_LIMIT },          \
        { "tmpfs-size", required_argument, NULL, OPT_TMPFS_SIZE },              \
        { "no-cgroup", no_argument, NULL, OPT_NO_CGROUP },                      \
        { "json-status-fd", required_argument, NULL, OPT_JSON_STATUS_FD },      \
        { "cgroup-parent", required_argument, NULL, OPT_CGROUP_PARENT },        \
        { "verbose", no_argument, NULL, 'v' },                                  \
        { "help", no_argument, NULL, 'h' }

/* Apply option C shared by run and build; false if C is not one of them. */
static bool common_option(nsb_build *b, int c, struct run_options *o)
{
        int r = 0;
        switch (c) {
        case OPT_SANDBOX: {
                nsb_sandbox mode;
                if (nsb_sandbox_from_name(optarg, &mode) < 0)
                        die("--sandbox: '%s' is not one of auto, full, chroot, off", optarg);
                r = nsb_build_set_sandbox(b, mode);
                break;
        }
        case OPT_RO_BIND: add_bind_option(b, "--ro-bind", optarg, NSB_BIND_READONLY); break;
        case OPT_BIND: add_bind_option(b, "--bind", optarg, 0); break;
        case OPT_DEV_BIND: add_bind_option(b, "--dev-bind", optarg, NSB_BIND_DEVICES); break;
        case OPT_HOST_TOOLS:
                if ((r = nsb_build_add_host_tools(b)) < 0)
                        die_with_error(r, "--host-tools");
                break;
        case OPT_TIMEOUT: r = nsb_build_set_timeout(b, parse_unsigned("--timeout", optarg)); break;
        case OPT_MAX_SILENT: r = nsb_build_set_max_silent_time(b, parse_unsigned("--max-silent-time", optarg)); break;
        case OPT_MAX_LOG: r = nsb_build_set_max_log_size(b, parse_size("--max-log-size", optarg)); break;
        case OPT_USER: {
                unsigned uid, gid;
                parse_pair("--user", "UID:GID", optarg, &uid, &gid);
                if (nsb_build_set_user(b, uid, gid) < 0)
                        die("--user: %s: the build user must not be root (0) or -1", optarg);
                break;
        }
        case OPT_USER_POOL: {
                unsigned first, count;
                parse_pair("--user-pool", "FIRST:COUNT", optarg, &first, &count);
                if (nsb_build_set_user_pool(b, first, count, NULL) < 0)
                        die("--user-pool: %s: FIRST must not be 0, COUNT not 0, and the range must fit", optarg);
                break;
        }
        case OPT_HOSTNAME:
                if (nsb_build_set_hostname(b, optarg) < 0)
                        die("--hostname: '%s' is empty or longer than 64 bytes", optarg);
                break;
        case OPT_STORE:
                if (nsb_build_set_store_dir(b, optarg) < 0)
                        die("--store: '%s' must be an absolute, normal path", optarg);
                break;
        case OPT_CORES: r = nsb_build_set_cores(b, parse_unsigned("--cores", optarg)); break;
        case OPT_TMPDIR:
                if (nsb_build_set_tmpdir(b, optarg) < 0)
                        die("--tmpdir: '%s' must be an absolute, normal path", optarg);
                break;
        case OPT_JOURNAL_DIR:
                if (nsb_build_set_journal_dir(b, optarg) < 0)
                        die("--journal-dir: '%s' must be an absolute, normal path", optarg);
                break;
        case OPT_LOG: o->log_path = optarg; break;
        case OPT_KEEP_ROOT: o->keep_root = true; break;
        case OPT_KEEP_FAILED:
                if ((r = nsb_build_set_keep_failed(b, 1)) < 0)
                        die_with_error(r, "--keep-failed");
                o->keep_failed = true;
                break;
        case OPT_STATS: o->stats = true; break;
        case OPT_MEMORY_MAX: {
                uint64_t v = parse_size("--memory-max", optarg);
                if (v == 0)
                        die("--memory-max: '%s' must be more than 0", optarg);
                r = nsb_build_set_memory_max(b, v);
                break;
        }
        case OPT_PIDS_MAX: {
                unsigned v = parse_unsigned("--pids-max", optarg);
                if (v == 0)
                        die("--pids-max: '%s' must be more than 0", optarg);
                r = nsb_build_set_pids_max(b, v);
                break;
        }
        case OPT_CPU_MAX: parse_cpu_max(b, optarg); break;
        case OPT_NO_CGROUP: r = nsb_build_set_cgroup(b, 0); break;
        case OPT_CGROUP_PARENT:
                if (nsb_build_set_cgroup_parent(b, optarg) < 0)
                        die("--cgroup-parent: '%s' must be a cgroup path, absolute and normal (as /proc/self/cgroup "
                            "shows them: /builds)", optarg);
                break;
        case OPT_JSON_STATUS_FD: {
                need_json("--json-status-fd");
                unsigned fd = parse_unsigned("--json-status-fd", optarg);
                if (fd > INT_MAX || fcntl((int) fd, F_GETFD) < 0)
                        die("--json-status-fd: %s is not an open file descriptor", optarg);
                o->status_fd = (int) fd;
                break;
        }
        case OPT_TMPFS_SIZE: r = nsb_build_set_tmpfs_size(b, parse_size("--tmpfs-size", optarg)); break;
        case OPT_CGROUP_LIMIT: {
                const char *eq = strchr(optarg, '=');
                char *key = eq ? strndup(optarg, (size_t) (eq - optarg)) : NULL;
                if (eq && !key)
                        die("out of memory");
                r = key ? nsb_build_add_cgroup_limit(b, key, eq + 1) : -EINVAL;
                free(key);
                if (r == -EINVAL)
                        die("--cgroup-limit: '%s' is not KEY=VALUE with KEY one of the cgroup v2 files nsbuild(1) "
                            "lists (memory.high, cpu.weight, io.max, ...)", optarg);
                break;
        }
        case 'v': verbose = true; break;
        default: return false;
        }
        if (r < 0)
                die_with_error(r, "%s", optarg ? optarg : "");
        return true;
}

#ifdef HAVE_JSONC
static const char *result_name(nsb_result r)
{
        switch (r) {
        case NSB_RESULT_EXITED: return "exited";
        case NSB_RESULT_SIGNALED: return "signaled";
        case NSB_RESULT_TIMED_OUT: return "timed-out";
        case NSB_RESULT_SILENT_TIMEOUT: return "silent-timeout";
        case NSB_RESULT_LOG_LIMIT: return "log-limit";
        case NSB_RESULT_OUT_OF_MEMORY: return "out-of-memory";
        case NSB_RESULT_PIDS_LIMIT: return "pids-limit";
        case NSB_RESULT_FAILED: return "failed";
        case NSB_RESULT_NONE: break;
        }
        return "none";
}
#endif

/* --json-status-fd: one JSON object a line, as bubblewrap's: the
 * builder's pid once it runs, its end with the statistics.  A store
 * reads them as they come. */
static void json_status_start(const struct run_options *o, const nsb_build *b)
{
        if (o->status_fd < 0)
                return;
#ifdef HAVE_JSONC
        struct json_object *j = jnew(json_object_new_object());
        jadd(j, "child-pid", jnew(json_object_new_int64(nsb_build_pid(b))));
        jadd(j, "sandbox", jstr(nsb_sandbox_name(nsb_build_sandbox(b))));
        jprint(o->status_fd, j, true);
#else
        (void) b;
#endif
}

static void json_status_end(const struct run_options *o, const nsb_build *b, int code)
{
        if (o->status_fd < 0)
                return;
#ifdef HAVE_JSONC
        nsb_build_stats st = { .what = 0 };
        (void) nsb_build_get_stats(b, &st, sizeof(st));
        struct json_object *j = jnew(json_object_new_object());
        jadd(j, "exit-code", jnew(json_object_new_int(code)));
        jadd(j, "result", jstr(result_name(nsb_build_result(b))));
        if (st.what & NSB_STATS_WALL)
                jadd(j, "wall-usec", jnew(json_object_new_uint64(st.wall_usec)));
        if (st.what & NSB_STATS_CPU) {
                jadd(j, "user-usec", jnew(json_object_new_uint64(st.user_usec)));
                jadd(j, "system-usec", jnew(json_object_new_uint64(st.system_usec)));
                jadd(j, "cpu-from-cgroup", jnew(json_object_new_boolean(st.what & NSB_STATS_CGROUP)));
        }
        if (st.what & NSB_STATS_MEMORY_PEAK) {
                jadd(j, "memory-peak", jnew(json_object_new_uint64(st.memory_peak)));
                jadd(j, "memory-peak-from-cgroup", jnew(json_object_new_boolean(st.what & NSB_STATS_MEMORY_PEAK_CGROUP)));
        }
        if (st.what & NSB_STATS_PIDS_PEAK)
                jadd(j, "pids-peak", jnew(json_object_new_uint64(st.pids_peak)));
        jprint(o->status_fd, j, true);
#else
        (void) b;
        (void) code;
#endif
}

/* --stats: one line on stderr, after the build's own messages. */
static void print_stats(const nsb_build *b)
{
        nsb_build_stats st;
        if (nsb_build_get_stats(b, &st, sizeof(st)) < 0)
                return;
        char line[256] = "";
        size_t n = 0;
        if (st.what & NSB_STATS_WALL)
                n += (size_t) snprintf(line + n, sizeof(line) - n, "wall %.3f s", (double) st.wall_usec / 1e6);
        if (st.what & NSB_STATS_CPU)
                n += (size_t) snprintf(line + n, sizeof(line) - n, "%suser %.3f s, system %.3f s (%s)", n ? ", " : "",
                                       (double) st.user_usec / 1e6, (double) st.system_usec / 1e6,
                                       st.what & NSB_STATS_CGROUP ? "the build's cgroup" : "waited-for processes");
        if (st.what & NSB_STATS_MEMORY_PEAK && n < sizeof(line))
                n += (size_t) snprintf(line + n, sizeof(line) - n, "%speak memory %.1f MiB (%s)", n ? ", " : "",
                                       (double) st.memory_peak / (1024.0 * 1024.0),
                                       st.what & NSB_STATS_MEMORY_PEAK_CGROUP ? "the build's cgroup"
                                                                              : "the largest waited-for process");
        if (st.what & NSB_STATS_PIDS_PEAK && n < sizeof(line))
                snprintf(line + n, sizeof(line) - n, "%speak processes %llu", n ? ", " : "",
                         (unsigned long long) st.pids_peak);
        warn_msg("stats: %s", line);
}

/* Start the build, stream its log, report how it ended; the exit status.
 * With OUTPUTS, print them on standard output after a success. */
/* The outputs in the order a store registers them (each after those it
 * refers to), as --json or --print-registration asked. */
static void report_outputs(nsb_build *b, const struct run_options *o)
{
        size_t n = nsb_build_n_outputs(b);
#ifdef HAVE_JSONC
        struct json_object *list = o->report == REPORT_JSON ? jnew(json_object_new_array()) : NULL;
#endif
        for (int order = 0; (size_t) order < n; order++)
                for (size_t i = 0; i < n; i++) {
                        if (nsb_build_output_register_order(b, i) != order)
                                continue;
                        char nar[96], ca[160];
                        size_t n_refs;
                        const char *const *refs = nsb_build_output_references(b, i, &n_refs);
                        int hr = nsb_build_output_nar_hash(b, i,
                                                           o->report == REPORT_JSON ? NSB_NAR_HASH_NIX32
                                                                                    : NSB_NAR_HASH_BASE16,
                                                           nar, sizeof(nar));
                        if (hr == -EOPNOTSUPP)
                                die("cannot report the NAR hash of %s: nsbuild is built without a hash library "
                                    "(-SHA256)",
                                    nsb_build_output_path(b, i));
                        if (hr < 0 || !refs ||
                            nsb_build_output_ca(b, i, ca, sizeof(ca)) < 0)
                                die("cannot report output %s: not registered", nsb_build_output_path(b, i));
                        if (o->report == REPORT_REGISTRATION) {
                                printf("%s\n%s\n%lld\n%s\n%zu\n", nsb_build_output_path(b, i), nar,
                                       (long long) nsb_build_output_nar_size(b, i), o->deriver ? o->deriver : "",
                                       n_refs);
                                for (size_t k = 0; k < n_refs; k++)
                                        printf("%s\n", refs[k]);
                                continue;
                        }
#ifdef HAVE_JSONC
                        struct json_object *j = jnew(json_object_new_object()), *r = jnew(json_object_new_array());
                        jadd(j, "path", jstr(nsb_build_output_path(b, i)));
                        jadd(j, "narHash", jstr(nar));
                        jadd(j, "narSize", jnew(json_object_new_int64(nsb_build_output_nar_size(b, i))));
                        for (size_t k = 0; k < n_refs; k++)
                                jpush(r, jstr(refs[k]));
                        jadd(j, "references", r);
                        if (o->deriver)
                                jadd(j, "deriver", jstr(o->deriver));
                        if (ca[0])
                                jadd(j, "ca", jstr(ca));
                        jadd(j, "ultimate", jnew(json_object_new_boolean(1)));
                        jpush(list, j);
#endif
                }
#ifdef HAVE_JSONC
        if (list)
                jprint(STDOUT_FILENO, list, false);
#endif
}

/* --check: say what matched; for each output that did not, run the diff
 * hook (old, new, derivation, build directory, as Nix's), and fail with
 * status 1. */
static int report_check(nsb_build *b, const struct run_options *o, int code)
{
        bool differs = false;
        for (size_t i = 0; i < nsb_build_n_outputs(b); i++) {
                const char *path = nsb_build_output_path(b, i);
                if (!nsb_build_output_check_differs(b, i)) {
                        if (code == 0)
                                warn_msg("output %s is the same when rebuilt", path);
                        continue;
                }
                differs = true;
                if (!o->diff_hook)
                        continue;
                char check_path[PATH_MAX];
                snprintf(check_path, sizeof(check_path), "%s.check", path);
                const char *dir = nsb_build_dir(b) ? nsb_build_dir(b) : "";
                pid_t pid = fork();
                if (pid < 0)
                        die_with_error(-errno, "--diff-hook: fork");
                if (pid == 0) {
                        execl(o->diff_hook, o->diff_hook, path, check_path, o->deriver ? o->deriver : "", dir,
                              (char *) NULL);
                        fprintf(stderr, "%s: --diff-hook: cannot execute %s: %s\n", program_name, o->diff_hook,
                                strerror(errno));
                        _exit(127);
                }
                int st;
                while (waitpid(pid, &st, 0) < 0)
                        if (errno != EINTR)
                                die_with_error(-errno, "--diff-hook: waitpid");
                if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                        warn_msg("--diff-hook %s failed for %s", o->diff_hook, path);
        }
        return differs ? 1 : code;
}

static int run_and_report(nsb_build *b, const struct run_options *o, const char *const *outputs, size_t n_outputs)
{
        int r;
        int log_fd = o->default_log_fd;
        if (o->log_path) {
                log_fd = open(o->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
                if (log_fd < 0)
                        die_with_error(-errno, "cannot open log file %s", o->log_path);
        }
        if ((r = nsb_build_set_log_fd(b, log_fd)) < 0 || (r = nsb_build_set_keep_build_dir(b, o->keep_root)) < 0 ||
            (r = nsb_build_set_die_with_parent(b, 1)) < 0)
                die_with_error(r, "cannot configure the build");
        if (verbose && (r = nsb_build_set_trace_callback(b, trace_to_stderr, NULL)) < 0)
                die_with_error(r, "cannot configure the build");
        if ((r = nsb_build_set_warning_callback(b, warning_to_stderr, NULL)) < 0)
                die_with_error(r, "cannot configure the build");

        /* Signals become a kill of the build, read from a signalfd; the
         * library gives the builder a clean signal mask of its own. */
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                die_with_error(-errno, "sigprocmask");
        int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0)
                die_with_error(-errno, "signalfd");

        int code, stopped_by = 0;
        r = nsb_build_start(b);
        if (r < 0) {
                warn_msg("%s", nsb_build_error_message(b));
                code = nsb_build_exit_code(b);
                json_status_end(o, b, code);
                goto out;
        }
        json_status_start(o, b);
        stopped_by = wait_for_build(b, sfd);
        code = nsb_build_exit_code(b);
        switch (nsb_build_result(b)) {
        case NSB_RESULT_EXITED:
                if (nsb_build_exit_status(b) != 0)
                        warn_msg("builder failed with exit status %d", nsb_build_exit_status(b));
                break;
        case NSB_RESULT_SIGNALED:
                warn_msg("builder killed by signal %d (%s)", nsb_build_term_signal(b),
                         strsignal(nsb_build_term_signal(b)));
                break;
        case NSB_RESULT_NONE:
                break;
        default:
                warn_msg("%s", nsb_build_error_message(b));
                break;
        }
        if (stopped_by) {
                warn_msg("stopped by signal %d (%s)", stopped_by, strsignal(stopped_by));
                code = 128 + stopped_by;
        }
        if (o->check)
                code = report_check(b, o, code);
        if (code == 0 && o->report != REPORT_PATHS)
                report_outputs(b, o);
        else if (code == 0)
                for (size_t i = 0; i < n_outputs; i++)
                        printf("%s\n", outputs[i]);
        if ((o->keep_root || (o->keep_failed && code != 0)) && nsb_build_dir(b))
                warn_msg("kept build directory %s", nsb_build_dir(b));
        if (o->stats)
                print_stats(b);
        json_status_end(o, b, code);
out:
        if (log_fd != o->default_log_fd)
                close(log_fd);
        close(sfd);
        return code;
}

static int cmd_run(int argc, char **argv)
{
        static const struct option longopts[] = {
                COMMON_LONGOPTS,
                { "input", required_argument, NULL, OPT_INPUT },
                { "output", required_argument, NULL, OPT_OUTPUT },
                { "setenv", required_argument, NULL, OPT_SETENV },
                { "system", required_argument, NULL, OPT_SYSTEM },
                { "canonicalise", no_argument, NULL, OPT_CANONICALISE },
                { "cap-add", required_argument, NULL, OPT_CAP_ADD },
                { NULL, 0, NULL, 0 },
        };
        nsb_build *b;
        int r = nsb_build_new(&b);
        if (r < 0)
                die_with_error(r, "cannot create a build");
        struct run_options o = { .default_log_fd = STDOUT_FILENO, .status_fd = -1 };
        int c;

        /* "+": stop at the first non-option, the program. */
        while ((c = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
                if (common_option(b, c, &o))
                        continue;
                r = 0;
                switch (c) {
                case OPT_INPUT:
                        if ((r = nsb_build_add_input(b, optarg)) == -EINVAL)
                                die("--input %s: the path must be absolute and normal", optarg);
                        break;
                case OPT_OUTPUT:
                        r = nsb_build_add_output(b, optarg);
                        if (r == -EINVAL)
                                die("--output %s: the path must be absolute and normal", optarg);
                        if (r == -EEXIST)
                                die("--output %s: given twice", optarg);
                        break;
                case OPT_SETENV: {
                        char *eq = strchr(optarg, '=');
                        if (!eq || eq == optarg)
                                die("--setenv: '%s' is not NAME=VALUE", optarg);
                        *eq = '\0';
                        r = nsb_build_setenv(b, optarg, eq + 1);
                        *eq = '=';
                        break;
                }
                case OPT_CANONICALISE: r = nsb_build_set_canonicalise_outputs(b, 1); break;
                case OPT_CAP_ADD:
                        if ((r = nsb_build_add_capability(b, optarg)) == -EINVAL)
                                die("--cap-add: '%s' is not a capability (names as CAP_NET_RAW)", optarg);
                        if (r == -EPERM)
                                die("--cap-add: %s is refused: it would let the builder remount its read-only "
                                    "binds writable", optarg);
                        break;
                case OPT_SYSTEM:
                        r = nsb_build_set_system(b, optarg);
                        if (r == -EOPNOTSUPP)
                                die("--system: this machine cannot run builds for '%s'", optarg);
                        break;
                case 'h': usage_run(stdout); exit(EXIT_SUCCESS);
                default:
                        fprintf(stderr, "Try '%s run --help' for more information.\n", program_name);
                        exit(EXIT_NSBUILD_FAILED);
                }
                if (r < 0)
                        die_with_error(r, "%s", argv[optind - 1]);
        }
        if (optind >= argc)
                die("run: no program given (usage: %s run [OPTIONS] -- PROGRAM [ARG...])", program_name);

        r = nsb_build_set_builder(b, argv[optind], (const char *const *) argv + optind);
        if (r < 0)
                die_with_error(r, "cannot set the builder");
        int code = run_and_report(b, &o, NULL, 0);
        nsb_build_free(b);
        return code;
}

/* ---- nsbuild build ---- */

/* --sandbox-path PATH[=HOSTPATH], as Nix's sandbox-paths: HOSTPATH (default
 * PATH) read-only at PATH; a trailing '?' makes it optional. */
static void add_sandbox_path(nsb_build *b, const char *arg)
{
        char *copy = strdup(arg);
        if (!copy)
                die("out of memory");
        size_t len = strlen(copy);
        bool optional = len > 0 && copy[len - 1] == '?';
        if (optional)
                copy[len - 1] = '\0';
        char *host = strchr(copy, '=');
        if (host)
                *host++ = '\0';
        const char *source = host ? host : copy;
        if (access(source, F_OK) < 0) {
                if (optional) {
                        free(copy);
                        return;
                }
                die("--sandbox-path %s: %s: %s (append '?' to make it optional)", arg, source, strerror(errno));
        }
        int r = nsb_build_add_bind(b, source, copy, NSB_BIND_READONLY);
        if (r == -EINVAL)
                die("--sandbox-path %s: paths must be absolute, without '.' or '..' components or a trailing '/'",
                    arg);
        if (r < 0)
                die_with_error(r, "--sandbox-path %s", arg);
        free(copy);
}

/* Whether S is a hash as Nix's registration format gives it (base 16 or
 * Nix's base 32 of SHA-256, with or without "sha256:"). */
static bool is_hash_line(const char *s)
{
        if (strncmp(s, "sha256:", 7) == 0)
                s += 7;
        size_t n = strlen(s);
        return (n == 64 && strspn(s, "0123456789abcdef") == 64) ||
               (n == 52 && strspn(s, "0123456789abcdfghijklmnpqrsvwxyz") == 52);
}

static bool is_count_line(const char *s)
{
        return *s && strspn(s, "0123456789") == strlen(s) && strlen(s) < 10;
}

/* A NAR size: any number a uint64_t holds. */
static bool is_size_line(const char *s)
{
        return *s && strspn(s, "0123456789") == strlen(s) && strlen(s) <= 20;
}

#ifdef HAVE_JSONC
/* --closure FILE as `nix path-info --json --recursive` prints it: an
 * array of objects with path, narHash, narSize, references and (where
 * content-addressed) ca. */
static void add_closure_json(nsb_build *b, const char *file, const char *text, size_t len)
{
        struct json_tokener *tok = json_tokener_new();
        if (!tok)
                die("out of memory");
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        struct json_object *all = json_tokener_parse_ex(tok, text, (int) len);
        enum json_tokener_error e = json_tokener_get_error(tok);
        size_t end = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        if (e != json_tokener_success || json_object_get_type(all) != json_type_array)
                die("--closure %s: not Nix's path information (nix path-info --json): %s at offset %zu", file,
                    e != json_tokener_success ? json_tokener_error_desc(e) : "not a JSON array", end);
        size_t n = json_object_array_length(all);
        for (size_t i = 0; i < n; i++) {
                struct json_object *o = json_object_array_get_idx(all, i), *v, *refs = NULL;
                const char *path = json_object_object_get_ex(o, "path", &v) && json_object_is_type(v, json_type_string)
                                           ? json_object_get_string(v)
                                           : NULL;
                if (!path)
                        die("--closure %s: entry %zu has no \"path\"", file, i);
                if (nsb_build_add_store_input(b, path) < 0)
                        die("--closure %s: %s", file, nsb_build_error_message(b));
                if (json_object_object_get_ex(o, "references", &refs)) {
                        size_t k = json_object_is_type(refs, json_type_array) ? json_object_array_length(refs) : 0;
                        const char **list = calloc(k + 1, sizeof(char *));
                        if (!list)
                                die("out of memory");
                        for (size_t j = 0; j < k; j++) {
                                struct json_object *r = json_object_array_get_idx(refs, j);
                                if (!json_object_is_type(r, json_type_string))
                                        die("--closure %s: the references of %s are not all strings", file, path);
                                list[j] = json_object_get_string(r);
                        }
                        if (!json_object_is_type(refs, json_type_array) || nsb_build_add_input_references(b, path, list) < 0)
                                die("--closure %s: the references of %s are not a list of store paths", file, path);
                        free(list);
                }
                struct json_object *hash = NULL, *size = NULL, *ca = NULL;
                json_object_object_get_ex(o, "narHash", &hash);
                json_object_object_get_ex(o, "narSize", &size);
                json_object_object_get_ex(o, "ca", &ca);
                /* (json-c keeps what does not fit int64 as uint64.) */
                if (hash && (!json_object_is_type(hash, json_type_string) || !json_object_is_type(size, json_type_int) ||
                             json_object_get_int64(size) < 0 || json_object_get_uint64(size) > INT64_MAX))
                        die("--closure %s: the narHash and narSize of %s are not a string and a size", file, path);
                const char *ca_text = ca && json_object_is_type(ca, json_type_string) ? json_object_get_string(ca) : NULL;
                if (ca && !ca_text)
                        die("--closure %s: the ca of %s is not a string", file, path);
                if ((hash || ca) && nsb_build_add_input_info(b, path, hash ? json_object_get_string(hash) : NULL,
                                                              hash ? json_object_get_uint64(size) : 0, ca_text) < 0)
                        die("--closure %s: the narHash or the ca of %s is not one (a SHA-256 hash; text:sha256:... or "
                            "fixed:[r:]ALGO:... in Nix's base 32)",
                            file, path);
        }
        json_object_put(all);
}
#endif

/* --closure FILE: one store path a line, as `nix-store -qR` prints them;
 * or Nix's registration format (path, [NAR hash, NAR size,] deriver,
 * count, references; as nix-store --dump-db and exportReferencesGraph
 * write it), which also says what each path refers to; or Nix's path
 * information as JSON (nix path-info --json --recursive), which also
 * gives each path's content address. */
static void add_closure(nsb_build *b, const char *file)
{
        FILE *f = fopen(file, "re");
        if (!f)
                die_with_error(-errno, "--closure: cannot open %s", file);
        char **lines = NULL;
        size_t n_lines = 0, alloc = 0;
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, f)) >= 0) {
                if (n > 0 && line[n - 1] == '\n')
                        line[--n] = '\0';
                if (n_lines == alloc) {
                        alloc = alloc ? 2 * alloc : 64;
                        char **grown = realloc(lines, alloc * sizeof(char *));
                        if (!grown)
                                die("out of memory");
                        lines = grown;
                }
                if (!(lines[n_lines++] = strdup(line)))
                        die("out of memory");
        }
        if (ferror(f))
                die_with_error(-errno, "--closure: cannot read %s", file);
        free(line);
        fclose(f);

        size_t lead = 0;
        while (lead < n_lines && !lines[lead][strspn(lines[lead], " \t\r")])
                lead++;
        if (lead < n_lines && lines[lead][strspn(lines[lead], " \t\r")] == '[') {
                need_json("--closure with Nix's path information as JSON");
#ifdef HAVE_JSONC
                char *text = NULL;
                size_t len = 0;
                FILE *m = open_memstream(&text, &len);
                if (!m)
                        die("out of memory");
                for (size_t i = 0; i < n_lines; i++)
                        fprintf(m, "%s\n", lines[i]);
                if (fclose(m) != 0)
                        die("out of memory");
                add_closure_json(b, file, text, len);
                free(text);
#endif
                for (size_t i = 0; i < n_lines; i++)
                        free(lines[i]);
                free(lines);
                return;
        }

        /* The registration format: a path, then (hash, size,) a deriver
         * line (maybe empty) and a count; a plain list has paths only. */
        if (n_lines == 0)
                return; /* an empty closure: nothing to bind */
        size_t first = 0;
        while (first < n_lines && !lines[first][0])
                first++;
        char **l = lines + first;
        size_t nl = n_lines - first;
        bool registration = nl >= 3 && l[0][0] == '/' &&
                            ((is_hash_line(l[1]) && nl >= 5 && is_size_line(l[2]) && is_count_line(l[4])) ||
                             is_count_line(l[2]));
        for (size_t i = 0; i < n_lines;) {
                size_t lineno = i + 1;
                /* cppcheck-suppress knownConditionTrueFalse ; it reasons from an empty file */
                if (!registration) {
                        if (lines[i][0] && nsb_build_add_store_input(b, lines[i]) < 0)
                                die("--closure %s:%zu: %s", file, lineno, nsb_build_error_message(b));
                        i++;
                        continue;
                }
                const char *path = lines[i++];
                if (!path[0])
                        continue;
                const char *hash = NULL, *size = NULL;
                if (i < n_lines && is_hash_line(lines[i]) && i + 1 < n_lines && is_size_line(lines[i + 1])) {
                        hash = lines[i];
                        size = lines[i + 1];
                        i += 2; /* the NAR hash and size */
                }
                i++;            /* the deriver */
                if (i >= n_lines || !is_count_line(lines[i]))
                        die("--closure %s:%zu: not Nix's registration format (path, [hash, size,] deriver, count, "
                            "references): expected the count of references of %s", file, i + 1, path);
                size_t count = strtoul(lines[i++], NULL, 10);
                if (count > n_lines - i)
                        die("--closure %s:%zu: %s has %zu references, the file ends before them", file, i, path,
                            count);
                const char **refs = calloc(count + 1, sizeof(char *));
                if (!refs)
                        die("out of memory");
                for (size_t k = 0; k < count; k++)
                        refs[k] = lines[i + k];
                if (nsb_build_add_store_input(b, path) < 0)
                        die("--closure %s:%zu: %s", file, lineno, nsb_build_error_message(b));
                if (nsb_build_add_input_references(b, path, refs) < 0)
                        die("--closure %s:%zu: the references of %s are not all store paths", file, lineno, path);
                if (hash && nsb_build_add_input_info(b, path, hash, strtoull(size, NULL, 10), NULL) < 0)
                        die("--closure %s:%zu: the NAR hash of %s is not a SHA-256 hash", file, lineno + 1, path);
                free(refs);
                i += count;
        }
        for (size_t i = 0; i < n_lines; i++)
                free(lines[i]);
        free(lines);
}

static int cmd_build(int argc, char **argv)
{
        static const struct option longopts[] = {
                COMMON_LONGOPTS,
                { "closure", required_argument, NULL, OPT_CLOSURE },
                { "sandbox-path", required_argument, NULL, OPT_SANDBOX_PATH },
                { "cap-add", required_argument, NULL, OPT_CAP_ADD },
                { "json", no_argument, NULL, OPT_JSON },
                { "print-registration", no_argument, NULL, OPT_PRINT_REGISTRATION },
                { "system-features", required_argument, NULL, OPT_SYSTEM_FEATURES },
                { "allow-no-chroot", no_argument, NULL, OPT_ALLOW_NO_CHROOT },
                { "check", no_argument, NULL, OPT_CHECK },
                { "diff-hook", required_argument, NULL, OPT_DIFF_HOOK },
                { NULL, 0, NULL, 0 },
        };
        nsb_build *b;
        int r = nsb_build_new(&b);
        if (r < 0)
                die_with_error(r, "cannot create a build");
        /* What reading the derivation warns about, too. */
        if ((r = nsb_build_set_warning_callback(b, warning_to_stderr, NULL)) < 0)
                die_with_error(r, "cannot configure the build");
        /* Standard output is for the output paths, as with nix-build. */
        struct run_options o = { .default_log_fd = STDERR_FILENO, .status_fd = -1 };
        /* --closure, repeatable (a registration file, and path
         * information for the .drv files among the inputs, say). */
        const char *closures[64];
        size_t n_closures = 0;
        int c;
        while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
                if (common_option(b, c, &o))
                        continue;
                switch (c) {
                case OPT_CLOSURE:
                        if (n_closures == sizeof(closures) / sizeof(closures[0]))
                                die("--closure: at most %zu files", sizeof(closures) / sizeof(closures[0]));
                        closures[n_closures++] = optarg;
                        break;
                case OPT_CAP_ADD: die("--cap-add: refused: a derivation's builder gets no capability, as in Nix");
                case OPT_JSON: need_json("build --json"); o.report = REPORT_JSON; break;
                case OPT_PRINT_REGISTRATION: o.report = REPORT_REGISTRATION; break;
                case OPT_SYSTEM_FEATURES:
                        if ((r = nsb_build_set_system_features(b, optarg)) < 0)
                                die_with_error(r, "--system-features");
                        break;
                case OPT_ALLOW_NO_CHROOT:
                        if ((r = nsb_build_set_allow_no_chroot(b, 1)) < 0)
                                die_with_error(r, "--allow-no-chroot");
                        break;
                case OPT_CHECK:
                        if ((r = nsb_build_set_check(b, 1)) < 0)
                                die_with_error(r, "--check");
                        o.check = true;
                        break;
                case OPT_DIFF_HOOK:
                        if (optarg[0] != '/')
                                die("--diff-hook: '%s' must be an absolute path", optarg);
                        o.diff_hook = optarg;
                        break;
                case OPT_SANDBOX_PATH: add_sandbox_path(b, optarg); break;
                case 'h': usage_build(stdout); exit(EXIT_SUCCESS);
                default:
                        fprintf(stderr, "Try '%s build --help' for more information.\n", program_name);
                        exit(EXIT_NSBUILD_FAILED);
                }
        }
        if (optind >= argc)
                die("build: no derivation given (usage: %s build [OPTIONS] FILE.drv)", program_name);
        if (optind + 1 < argc)
                die("build: one derivation at a time; unexpected '%s'", argv[optind + 1]);
        const char *file = argv[optind];

        nsb_drv *drv;
        nsb_drv_error e;
        r = nsb_drv_load(file, &drv, &e);
        if (r == -EINVAL)
                die("%s:%u:%u: %s", file, e.line, e.column, e.message);
        if (r < 0)
                die("cannot read derivation %s: %s", file, e.message);
        if (nsb_build_set_derivation(b, drv) < 0)
                die("%s: %s", file, nsb_build_error_message(b));
        for (size_t i = 0; i < n_closures; i++)
                add_closure(b, closures[i]);
        /* A store registers references among the inputs' whole closure:
         * without it, those to paths only the inputs refer to go unseen. */
        if (!n_closures && o.report != REPORT_PATHS)
                warn_msg("no --closure: references to paths the inputs refer to are not looked for (give the "
                         "inputs' closure, in Nix's registration format as nix-store --dump-db writes it)");
        /* The deriver: the derivation's own store path, where it is one
         * (in the directory of its outputs). */
        char *real = realpath(file, NULL);
        const char *out0 = NULL;
        if (nsb_drv_n_outputs(drv) > 0)
                nsb_drv_output(drv, 0, NULL, &out0, NULL, NULL);
        const char *slash = out0 ? strrchr(out0, '/') : NULL;
        size_t sl = slash ? (size_t) (slash - out0) : 0;
        if (real && slash && strncmp(real, out0, sl) == 0 && real[sl] == '/' && !strchr(real + sl + 1, '/'))
                o.deriver = real;

        size_t n = nsb_drv_n_outputs(drv);
        const char **outputs = calloc(n, sizeof(char *));
        if (!outputs)
                die("out of memory");
        for (size_t i = 0; i < n; i++)
                nsb_drv_output(drv, i, NULL, &outputs[i], NULL, NULL);
        int code = run_and_report(b, &o, outputs, n);
        free(outputs);
        free(real);
        nsb_build_free(b);
        nsb_drv_free(drv);
        return code;
}

int main(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                { NULL, 0, NULL, 0 },
        };
        int c;
        while ((c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
                switch (c) {
                case 'h': usage_main(stdout); return EXIT_SUCCESS;
                case 'V': print_version(); return EXIT_SUCCESS;
                default:
                        fprintf(stderr, "Try '%s --help' for more information.\n", program_name);
                        return EXIT_NSBUILD_FAILED;
                }
        }
        if (optind >= argc) {
                usage_main(stderr);
                return EXIT_NSBUILD_FAILED;
        }
        const char *cmd = argv[optind];
        /* Each command parses its own options from its own argv. */
        argc -= optind;
        argv += optind;
        optind = 1;
        if (strcmp(cmd, "run") == 0)
                return cmd_run(argc, argv);
        if (strcmp(cmd, "build") == 0)
                return cmd_build(argc, argv);
        if (strcmp(cmd, "features") == 0)
                return cmd_features(argc, argv);
        die("unknown command '%s' (see '%s --help')", cmd, program_name);
}
