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

static int off_child(void *arg)
{
        const nsb_spawn *s = arg;
        nsb_child_begin(s);
        nsb_child_exec_builder(s);
}

int nsb_sandbox_off_start(nsb_build *b, nsb_spawn *s)
{
        int pidfd = -1;
        pid_t pid = nsb_clone_spawn(0, s->share_memory, off_child, s, &pidfd);
        if (pid < 0)
                return nsb_fail(b, -pid, "start builder", "cannot create the builder's process: %s", strerror(-pid));
        b->pid = pid;
        b->pidfd = pidfd;
        return 0;
}
