/* close_range() for C libraries without a wrapper. */
#include "config.h"

#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "compat.h"

int close_range(unsigned int first, unsigned int last, int flags)
{
#if HAVE_DECL_SYS_CLOSE_RANGE
        return (int) syscall(SYS_close_range, first, last, flags);
#else
        errno = ENOSYS;
        return -1;
#endif
}
