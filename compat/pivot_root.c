/* pivot_root() for C libraries without a wrapper. */
#include "config.h"

#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "compat.h"

int pivot_root(const char *new_root, const char *put_old)
{
#if HAVE_DECL_SYS_PIVOT_ROOT
        return (int) syscall(SYS_pivot_root, new_root, put_old);
#else
        errno = ENOSYS;
        return -1;
#endif
}
