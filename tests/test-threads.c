/* test-threads.c - distinct build objects used from several threads at
 * once, as a store's worker threads would: every build succeeds and every
 * log reaches its own build. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nsbuild.h"
#include "tap.h"

#define N_THREADS 4
#define N_BUILDS 25

struct worker {
        int id;
        const char *helper;
        nsb_sandbox mode;
        int failures;
        int crossed;
        char first_error[512];
};


static void *work(void *arg)
{
        struct worker *w = arg;
        for (int i = 0; i < N_BUILDS; i++) {
                nsb_build *b;
                struct tap_log_capture cap = { .len = 0 };
                char host[32], want[64];
                snprintf(host, sizeof(host), "worker%d-%d", w->id, i);
                if (nsb_build_new(&b) < 0) {
                        w->failures++;
                        continue;
                }
                nsb_build_set_sandbox(b, w->mode);
                nsb_build_set_hostname(b, host);
                nsb_build_set_log_callback(b, tap_capture_log, &cap);
                if (w->mode == NSB_SANDBOX_FULL) {
                        const char *const argv[] = { "nsb-testhelper", "hostname", NULL };
                        nsb_build_add_host_tools(b);
                        nsb_build_add_bind(b, w->helper, "/t/helper", NSB_BIND_READONLY);
                        nsb_build_set_builder(b, "/t/helper", argv);
                        snprintf(want, sizeof(want), "%s (none)\n", host);
                } else {
                        /* Without a UTS namespace the host name is the
                         * host's: have the builder print its argument. */
                        const char *const argv[] = { "nsb-testhelper", "try-write", "/dev/null", NULL };
                        nsb_build_set_builder(b, w->helper, argv);
                        snprintf(want, sizeof(want), "ok\n");
                }
                if (nsb_build_start(b) < 0 || nsb_build_wait(b) < 0 || nsb_build_exit_code(b) != 0) {
                        if (w->failures++ == 0)
                                snprintf(w->first_error, sizeof(w->first_error), "%s", nsb_build_error_message(b));
                } else if (strcmp(cap.buf, want) != 0)
                        w->crossed++;
                nsb_build_free(b);
        }
        return NULL;
}

int main(void)
{
        const char *helper = getenv("HELPER");
        if (!helper)
                tap_skip_all("HELPER is not set (run through make check)");
        nsb_sandbox mode = NSB_TIER_FULL && geteuid() == 0 ? NSB_SANDBOX_FULL : NSB_SANDBOX_OFF;
        tap_diag("running %d threads of %d builds in the %s tier", N_THREADS, N_BUILDS, nsb_sandbox_name(mode));

        pthread_t t[N_THREADS];
        struct worker w[N_THREADS];
        for (int i = 0; i < N_THREADS; i++) {
                w[i] = (struct worker) { .id = i, .helper = helper, .mode = mode };
                if (pthread_create(&t[i], NULL, work, &w[i]) != 0)
                        tap_skip_all("cannot create threads");
        }
        int failures = 0, crossed = 0;
        for (int i = 0; i < N_THREADS; i++) {
                pthread_join(t[i], NULL);
                failures += w[i].failures;
                crossed += w[i].crossed;
                if (w[i].failures)
                        tap_diag("thread %d: %s", i, w[i].first_error);
        }
        tap_is_int(failures, 0, "every build of every thread succeeds");
        tap_is_int(crossed, 0, "every log reaches its own build");
        return tap_done();
}
