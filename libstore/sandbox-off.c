/* sandbox-off.c - no isolation: the builder runs on the host, in a fresh
 * build directory, with the same cleaned environment and (as root) the same
 * unprivileged build user.  Nothing here claims more than that. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat/compat.h"
#include "internal.h"

int nsb_sandbox_off_start(nsb_build *b, nsb_spawn *s)
{
        pid_t pid = fork();
        if (pid < 0)
                return nsb_fail(b, errno, "start builder", "cannot fork: %s", strerror(errno));
        if (pid == 0) {
                nsb_child_begin(s);
                nsb_child_exec_builder(s);
        }
        b->pid = pid;
        b->pidfd = pidfd_open(pid, 0);
        return 0;
}
