/* realise.c - realise a Nix derivation through libnsbuild alone.
 *
 * A store that embeds nsbuild does what this program does: load the
 * derivation, configure a build from it, run it with the log on stderr,
 * and report.  Build it against an installed libnsbuild with
 *
 *     cc -o realise realise.c $(pkg-config --cflags --libs nsbuild)
 *
 * Usage: realise [--host-tools] STORE-DIR FILE.drv
 * Prints the output paths; exits 0, the builder's status, or 125. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nsbuild.h>

static void warn(const char *message, void *userdata)
{
        (void) userdata;
        fprintf(stderr, "realise: warning: %s\n", message);
}

int main(int argc, char **argv)
{
        int host_tools = argc > 1 && strcmp(argv[1], "--host-tools") == 0;
        if (argc != 3 + host_tools) {
                fprintf(stderr, "usage: %s [--host-tools] STORE-DIR FILE.drv\n", argv[0]);
                return 2;
        }
        const char *store = argv[1 + host_tools], *file = argv[2 + host_tools];

        nsb_drv *drv;
        nsb_drv_error e;
        int r = nsb_drv_load(file, &drv, &e);
        if (r == -EINVAL) {
                fprintf(stderr, "realise: %s:%u:%u: %s\n", file, e.line, e.column, e.message);
                return 125;
        }
        if (r < 0) {
                fprintf(stderr, "realise: cannot read %s: %s\n", file, e.message);
                return 125;
        }

        nsb_build *b;
        if (nsb_build_new(&b) < 0) {
                fprintf(stderr, "realise: out of memory\n");
                return 125;
        }
        int code = 125;
        if (nsb_build_set_store_dir(b, store) < 0) {
                fprintf(stderr, "realise: bad store directory %s\n", store);
                goto out;
        }
        if (nsb_build_set_derivation(b, drv) < 0 || (host_tools && nsb_build_add_host_tools(b) < 0) ||
            nsb_build_set_log_fd(b, STDERR_FILENO) < 0 || nsb_build_set_warning_callback(b, warn, NULL) < 0) {
                fprintf(stderr, "realise: %s: %s\n", file, nsb_build_error_message(b));
                goto out;
        }
        if (nsb_build_start(b) < 0 || nsb_build_wait(b) < 0) {
                fprintf(stderr, "realise: %s\n", nsb_build_error_message(b));
                code = nsb_build_exit_code(b);
                goto out;
        }
        code = nsb_build_exit_code(b);
        if (code != 0) {
                fprintf(stderr, "realise: build failed (%d): %s\n", code,
                        nsb_build_error_message(b)[0] ? nsb_build_error_message(b) : "the builder failed");
                goto out;
        }
        for (size_t i = 0; i < nsb_drv_n_outputs(drv); i++) {
                const char *path;
                nsb_drv_output(drv, i, NULL, &path, NULL, NULL);
                printf("%s\n", path);
        }
out:
        nsb_build_free(b);
        nsb_drv_free(drv);
        return code;
}
