/* pidfd_open() for C libraries without a wrapper. */
#include "config.h"

#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "compat.h"

int pidfd_open(pid_t pid, unsigned int flags)
{
#if HAVE_DECL_SYS_PIDFD_OPEN
        return (int) syscall(SYS_pidfd_open, pid, flags);
#else
        errno = ENOSYS;
        return -1;
#endif
}
