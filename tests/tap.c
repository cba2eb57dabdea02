/* tap.c - TAP output for the C tests (read by automake's tap-driver.sh). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static int n_tests, n_failed;
static bool planned;

void tap_plan(int n)
{
        printf("1..%d\n", n);
        planned = true;
}

void tap_skip_all(const char *fmt, ...)
{
        va_list ap;
        printf("1..0 # SKIP ");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        exit(0);
}

bool tap_ok(bool cond, const char *fmt, ...)
{
        va_list ap;
        n_tests++;
        if (!cond)
                n_failed++;
        printf("%sok %d - ", cond ? "" : "not ", n_tests);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        fflush(stdout);
        return cond;
}

void tap_skip(const char *fmt, ...)
{
        va_list ap;
        n_tests++;
        printf("ok %d # SKIP ", n_tests);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
}

void tap_diag(const char *fmt, ...)
{
        va_list ap;
        printf("# ");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        fflush(stdout);
}

void tap_capture_log(const char *data, size_t len, void *userdata)
{
        struct tap_log_capture *c = userdata;
        if (len > sizeof(c->buf) - 1 - c->len)
                len = sizeof(c->buf) - 1 - c->len;
        memcpy(c->buf + c->len, data, len);
        c->len += len;
        c->buf[c->len] = '\0';
}

int tap_done(void)
{
        if (!planned)
                printf("1..%d\n", n_tests);
        fflush(stdout);
        return n_failed ? 1 : 0;
}

char *tap_read_file(const char *path, size_t *ret_len)
{
        FILE *f = fopen(path, "rbe");
        if (!f)
                return NULL;
        char *buf = NULL;
        size_t cap = 0;
        FILE *m = open_memstream(&buf, &cap);
        char chunk[4096];
        size_t n;
        while (m && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
                fwrite(chunk, 1, n, m);
        fclose(f);
        if (!m)
                return NULL;
        fclose(m);
        *ret_len = cap;
        return buf;
}
