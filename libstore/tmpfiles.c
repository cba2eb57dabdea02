/* tmpfiles.c - what a build user leaves in the host's shared temporary
 * directories.
 *
 * Without a sandbox (the off tier) a build runs on the host's file
 * systems, and a build user can write to every world-writable sticky
 * directory there: /tmp, /var/tmp, /dev/shm, /run/lock.  What it leaves
 * would outlive the build, fill the disk or memory, and be there for the
 * next build of the same uid to read: a build that leaves nothing behind
 * removes it.  Only for a uid of the pool, whose every process is gone by
 * then (userpool.c), so that nothing can move a tree while it is removed,
 * and only what that uid owns at the top of those directories (what it
 * made below another user's directory there was that user's to allow). */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static const char *const shared_tmp_dirs[] = { "/tmp", "/var/tmp", "/dev/shm", "/run/lock" };

/* Remove what UID owns at the top of DIR, if DIR is a shared temporary
 * directory (root's, sticky, world-writable).  Returns the first -errno. */
static int remove_owned_in(const char *dir, uid_t uid)
{
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return errno == ENOENT ? 0 : -errno;
        struct stat st;
        if (fstat(dfd, &st) < 0)
                return -errno;
        if (st.st_uid != 0 || (st.st_mode & (S_ISVTX | S_IWOTH)) != (S_ISVTX | S_IWOTH))
                return 0;
        int dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
        DIR *d = dup_fd < 0 ? NULL : fdopendir(dup_fd);
        if (!d) {
                int r = -errno;
                if (dup_fd >= 0)
                        close(dup_fd);
                return r;
        }
        int r = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_uid != uid)
                        continue;
                int q = rm_rf_at(dfd, de->d_name);
                if (q < 0 && r == 0)
                        r = q;
        }
        closedir(d);
        return r;
}

int nsb_remove_user_tmp_files(uid_t uid)
{
        if (uid == 0 || geteuid() != 0)
                return 0;
        int r = 0;
        for (size_t i = 0; i < ELEMENTSOF(shared_tmp_dirs); i++) {
                int q = remove_owned_in(shared_tmp_dirs[i], uid);
                if (q < 0 && r == 0)
                        r = q;
        }
        return r;
}
