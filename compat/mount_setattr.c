/* mount_setattr() for C libraries without a wrapper. */
#include "config.h"

#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "compat.h"

int mount_setattr(int dfd, const char *path, unsigned int flags, struct mount_attr *attr, size_t size)
{
#if HAVE_DECL_SYS_MOUNT_SETATTR
        return (int) syscall(SYS_mount_setattr, dfd, path, flags, attr, size);
#else
        errno = ENOSYS;
        return -1;
#endif
}
