/* pidfd_send_signal() for C libraries without a wrapper. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "compat.h"

int pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned int flags)
{
#ifdef SYS_pidfd_send_signal
        return (int) syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags);
#else
        errno = ENOSYS;
        return -1;
#endif
}
