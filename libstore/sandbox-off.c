/* sandbox-off.c - no isolation: the builder runs on the host, in a fresh
 * build directory, with the same cleaned environment and (as root) the same
 * unprivileged build user, under a supervisor that ends every process it
 * starts with it (supervise.c).  Nothing here claims more than that. */
#include "config.h"

#include "internal.h"

static int off_child(void *arg)
{
        const nsb_spawn *s = arg;
        nsb_child_begin(s);
        nsb_child_exec_builder(s);
}

int nsb_sandbox_off_start(nsb_build *b, nsb_spawn *s)
{
        return nsb_supervise_spawn(b, s, 0, off_child);
}
