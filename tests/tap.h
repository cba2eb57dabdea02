/* tap.h - the project's one TAP helper for C tests. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Print the plan "1..N". */
void tap_plan(int n);
/* Skip the whole file: "1..0 # SKIP reason", then exit 0. */
__attribute__((noreturn, format(printf, 1, 2))) void tap_skip_all(const char *fmt, ...);
/* One test point; returns COND so callers can chain diagnostics. */
__attribute__((format(printf, 2, 3))) bool tap_ok(bool cond, const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void tap_skip(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void tap_diag(const char *fmt, ...);
/* Print "1..N" for an unplanned run and return the exit status (0 if every
 * test passed). */
int tap_done(void);

/* The contents of PATH (malloc'd; its length in *RET_LEN), NULL if it
 * cannot be read. */
char *tap_read_file(const char *path, size_t *ret_len);

/* A log sink for in-process builds: keeps the first bytes of the log. */
struct tap_log_capture {
        char buf[4096];
        size_t len;
};
/* An nsb_log_fn; USERDATA is a struct tap_log_capture. */
void tap_capture_log(const char *data, size_t len, void *userdata);

#define tap_is_int(got, want, name)                                                         \
        ({                                                                                  \
                long long _g = (got), _w = (want);                                          \
                bool _ok = tap_ok(_g == _w, "%s", name);                                    \
                if (!_ok)                                                                   \
                        tap_diag("  got %lld, want %lld", _g, _w);                          \
                _ok;                                                                        \
        })
