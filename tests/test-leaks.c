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

/* The namespaces of every process, as "type:inode" words. */
static char *namespaces(void)
{
        static const char *const types[] = { "net", "ipc", "mnt", "uts", "pid" };
        size_t cap = 1 << 16, len = 0;
        char *out = calloc(1, cap);
        DIR *d = opendir("/proc");
        struct dirent *de;
        while (out && d && (de = readdir(d))) {
                if (de->d_name[0] < '0' || de->d_name[0] > '9')
                        continue;
                for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
                        char path[300], link[64];
                        snprintf(path, sizeof(path), "/proc/%s/ns/%s", de->d_name, types[i]);
                        ssize_t n = readlink(path, link, sizeof(link) - 1);
                        if (n <= 0)
                                continue;
                        link[n] = '\0';
                        if (strstr(out, link))
                                continue;
                        if (len + (size_t) n + 2 >= cap) {
                                char *b = realloc(out, cap *= 2);
                                if (!b) {
                                        free(out);
                                        out = NULL;
                                        break;
                                }
                                out = b;
                        }
                        len += (size_t) sprintf(out + len, "%s ", link);
                }
        }
        if (d)
                closedir(d);
        return out;
}

/* Namespaces in AFTER that were not in BEFORE. */
static int new_namespaces(const char *before, const char *after)
{
        int n = 0;
        const char *p = after;
        while (*p) {
                const char *sp = strchr(p, ' ');
                if (!sp)
                        break;
                char word[64];
                size_t len = (size_t) (sp - p) < sizeof(word) - 1 ? (size_t) (sp - p) : sizeof(word) - 1;
                memcpy(word, p, len);
                word[len] = '\0';
                if (!strstr(before, word)) {
                        tap_diag("new namespace: %s", word);
                        n++;
                }
                p = sp + 1;
        }
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

        char *mounts_before = read_file("/proc/self/mountinfo");
        char *ns_before = namespaces();
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
                nsb_build_set_builder(b, "/t/helper", argv);
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
        char *ns_after = namespaces();
        tap_is_int(ns_before && ns_after ? new_namespaces(ns_before, ns_after) : -1, 0,
                   "no process holds a namespace that was not there before");
        tap_is_int(count_entries(tmpl), 0, "no build directory is left");
        rmdir(tmpl);
        free(mounts_before);
        free(mounts_after);
        free(ns_before);
        free(ns_after);
        return tap_done();
}
