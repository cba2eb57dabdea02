/* test-leaks.c - 1,000 full-tier builds in a row, in-process, leave
 * nothing behind: no mount in the host's table, no process, no child, no
 * fd, no network/IPC/mount/UTS/PID namespace, no build directory. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nsbuild.h"
#include "tap.h"

#define N_BUILDS 1000

static char *read_file(const char *path)
{
        FILE *f = fopen(path, "re");
        if (!f)
                return NULL;
        size_t cap = 1 << 16, len = 0;
        char *buf = malloc(cap);
        size_t n;
        while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
                len += n;
                if (len + 1 == cap) {
                        char *b = realloc(buf, cap *= 2);
                        if (!b)
                                free(buf);
                        buf = b;
                }
        }
        fclose(f);
        if (buf)
                buf[len] = '\0';
        return buf;
}

static int count_entries(const char *dir)
{
        DIR *d = opendir(dir);
        if (!d)
                return -1;
        int n = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        n++;
        closedir(d);
        return n;
}

/* How many processes have argv[0] MARKER. */
static int processes_with_argv0(const char *marker)
{
        int n = 0;
        DIR *d = opendir("/proc");
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (de->d_name[0] < '0' || de->d_name[0] > '9')
                        continue;
                char path[300], argv0[256] = "";
                snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
                FILE *f = fopen(path, "re");
                if (!f)
                        continue;
                size_t len = fread(argv0, 1, sizeof(argv0) - 1, f);
                argv0[len] = '\0';
                fclose(f);
                if (strcmp(argv0, marker) == 0)
                        n++;
        }
        if (d)
                closedir(d);
        return n;
}

int main(void)
{
        const char *helper = getenv("HELPER");
        if (!NSB_TIER_FULL)
                tap_skip_all("the full tier is not compiled into this build");
        if (geteuid() != 0)
                tap_skip_all("the full tier needs root here");
        if (!helper)
                tap_skip_all("HELPER is not set (run through make check)");

        char tmpl[] = "/tmp/nsb-leaks-XXXXXX";
        if (!mkdtemp(tmpl))
                tap_skip_all("cannot create a temporary directory: %s", strerror(errno));

        /* Probe once that the sandbox starts here at all. */
        nsb_build *b;
        nsb_build_new(&b);
        const char *const argv[] = { "nsb-testhelper", "exit", "0", NULL };
        nsb_build_set_sandbox(b, NSB_SANDBOX_FULL);
        nsb_build_add_host_tools(b);
        nsb_build_add_bind(b, helper, "/t/helper", NSB_BIND_READONLY);
        nsb_build_set_builder(b, "/t/helper", argv);
        if (nsb_build_start(b) < 0) {
                char why[1024];
                snprintf(why, sizeof(why), "%s", nsb_build_error_message(b));
                nsb_build_free(b);
                rmdir(tmpl);
                tap_skip_all("the full sandbox cannot start here: %s", why);
        }
        nsb_build_wait(b);
        nsb_build_free(b);

        /* A namespace stays alive only while a process, a mount or an fd
         * holds it.  Mounts and fds are compared below; every process of
         * these builds carries a marker as argv[0].  (Comparing all the
         * machine's namespaces would count those of builds that other tests
         * run at the same time.) */
        char marker[64];
        snprintf(marker, sizeof(marker), "nsb-leak-%d", (int) getpid());
        const char *const marked_argv[] = { marker, "exit", "0", NULL };
        char *mounts_before = read_file("/proc/self/mountinfo");
        int fds_before = count_entries("/proc/self/fd");
        int failures = 0;
        for (int i = 0; i < N_BUILDS; i++) {
                if (nsb_build_new(&b) < 0) {
                        failures++;
                        continue;
                }
                nsb_build_set_sandbox(b, NSB_SANDBOX_FULL);
                nsb_build_set_tmpdir(b, tmpl);
                nsb_build_add_host_tools(b);
                nsb_build_add_bind(b, helper, "/t/helper", NSB_BIND_READONLY);
                nsb_build_set_builder(b, "/t/helper", marked_argv);
                if (nsb_build_start(b) < 0 || nsb_build_wait(b) < 0 || nsb_build_exit_code(b) != 0) {
                        if (failures++ == 0)
                                tap_diag("build %d: %s", i, nsb_build_error_message(b));
                }
                nsb_build_free(b);
        }
        tap_is_int(failures, 0, "1000 full-tier builds in a row succeed");
        char *mounts_after = read_file("/proc/self/mountinfo");
        tap_ok(mounts_before && mounts_after && strcmp(mounts_before, mounts_after) == 0,
               "the host's mount table is unchanged");
        tap_is_int(count_entries("/proc/self/fd"), fds_before, "the process holds no more fds than before");
        tap_ok(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD, "no child is left, not even a zombie");
        tap_is_int(processes_with_argv0(marker), 0, "no process of any of the builds is left");
        tap_is_int(count_entries(tmpl), 0, "no build directory is left");
        rmdir(tmpl);
        free(mounts_before);
        free(mounts_after);
        return tap_done();
}
