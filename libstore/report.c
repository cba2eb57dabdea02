/* report.c - how every layer of the library reports: the build's last
 * error, trace lines and warnings, through the caller's callbacks.  The
 * bottom of the library: it calls nothing of it. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

int nsb_fail(nsb_build *b, int err, const char *step, const char *fmt, ...)
{
        va_list ap;
        if (err <= 0)
                err = EIO;
        b->error_errno = err;
        snprintf(b->error_step, sizeof(b->error_step), "%s", step);
        va_start(ap, fmt);
        vsnprintf(b->error_message, sizeof(b->error_message), fmt, ap);
        va_end(ap);
        return -err;
}

void nsb_trace(nsb_build *b, const char *fmt, ...)
{
        if (!b->trace_fn)
                return;
        char buf[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        b->trace_fn(buf, b->trace_userdata);
}

void nsb_warn(nsb_build *b, const char *fmt, ...)
{
        if (!b->warning_fn)
                return;
        char buf[4096];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        b->warning_fn(buf, b->warning_userdata);
}
