/* move_mount() for C libraries without a wrapper. */
#include "config.h"

#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "compat.h"

int move_mount(int from_dfd, const char *from_path, int to_dfd, const char *to_path, unsigned int flags)
{
#if HAVE_DECL_SYS_MOVE_MOUNT
        return (int) syscall(SYS_move_mount, from_dfd, from_path, to_dfd, to_path, flags);
#else
        errno = ENOSYS;
        return -1;
#endif
}
