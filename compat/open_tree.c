/* open_tree() for C libraries without a wrapper. */
#include "config.h"

#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "compat.h"

int open_tree(int dfd, const char *filename, unsigned int flags)
{
#if HAVE_DECL_SYS_OPEN_TREE
        return (int) syscall(SYS_open_tree, dfd, filename, flags);
#else
        errno = ENOSYS;
        return -1;
#endif
}
