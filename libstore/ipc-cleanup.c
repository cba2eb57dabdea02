/* ipc-cleanup.c - remove the IPC objects a build user left behind.
 *
 * Without an IPC namespace (the chroot and off tiers) a builder's SysV
 * shared memory segments, message queues and semaphore sets and its POSIX
 * message queues live in the host's IPC namespace and outlive the build.
 * As root, when a build ends, every such object owned or created by its
 * build user (a uid no other process uses) is removed.
 *
 * SysV objects are found by index with the *_STAT commands, which need no
 * /proc.  POSIX message queues are files of the mqueue filesystem: at
 * /dev/mqueue where the system mounts it, else in a private mount of it in
 * a throwaway mount namespace, where namespaces are compiled in. */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#if NSB_TIER_FULL
#include <sched.h>
#include <sys/mount.h>
#endif

#include "compat/compat.h"
#include "internal.h"

#define MQUEUE_MAGIC 0x19800202

static bool owned(const struct ipc_perm *p, uid_t uid)
{
        return p->uid == uid || p->cuid == uid;
}

/* Where a libc lacks them (musl), the *_STAT commands are kernel ABI. */
#ifndef SHM_STAT
#define SHM_STAT 13
#endif
#ifndef MSG_STAT
#define MSG_STAT 11
#endif
#ifndef SEM_STAT
#define SEM_STAT 18
#endif

/* semctl's fourth argument, which the caller defines (SUSv4). */
union semun_arg {
        // cppcheck-suppress unusedStructMember
        int val;
        // cppcheck-suppress unusedStructMember
        struct semid_ds *buf;
        // cppcheck-suppress unusedStructMember
        unsigned short *array;
};

static void remove_sysv(uid_t uid)
{
        /* The highest index in use, from *_INFO; each index's object by
         * *_STAT, which returns its id. */
        struct shm_info si;
        int max = shmctl(0, SHM_INFO, (struct shmid_ds *) (void *) &si);
        for (int i = 0; i <= max; i++) {
                struct shmid_ds ds;
                int id = shmctl(i, SHM_STAT, &ds);
                if (id >= 0 && owned(&ds.shm_perm, uid))
                        (void) shmctl(id, IPC_RMID, NULL);
        }
        struct msginfo mi;
        max = msgctl(0, MSG_INFO, (struct msqid_ds *) (void *) &mi);
        for (int i = 0; i <= max; i++) {
                struct msqid_ds ds;
                int id = msgctl(i, MSG_STAT, &ds);
                if (id >= 0 && owned(&ds.msg_perm, uid))
                        (void) msgctl(id, IPC_RMID, NULL);
        }
        struct seminfo smi;
        max = semctl(0, 0, SEM_INFO, (union semun_arg) { .buf = (struct semid_ds *) (void *) &smi });
        for (int i = 0; i <= max; i++) {
                struct semid_ds ds;
                int id = semctl(i, 0, SEM_STAT, (union semun_arg) { .buf = &ds });
                if (id >= 0 && owned(&ds.sem_perm, uid))
                        (void) semctl(id, 0, IPC_RMID);
        }
}

/* Unlink every message queue of UID in the mqueue filesystem at DFD. */
static void remove_mqueues_at(int dfd, uid_t uid)
{
        char dents[4096] __attribute__((aligned(8)));
        long n;
        while ((n = syscall(SYS_getdents64, dfd, dents, sizeof(dents))) > 0)
                for (long off = 0; off < n;) {
                        const struct {
                                // cppcheck-suppress unusedStructMember
                                uint64_t ino;
                                // cppcheck-suppress unusedStructMember
                                int64_t off;
                                unsigned short reclen;
                                // cppcheck-suppress unusedStructMember
                                unsigned char type;
                                char name[];
                        } *de = (const void *) (dents + off);
                        off += de->reclen;
                        struct stat st;
                        if (de->name[0] != '.' && fstatat(dfd, de->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                            st.st_uid == uid)
                                (void) unlinkat(dfd, de->name, 0);
                }
}

static int open_mqueue_fs(const char *path)
{
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct statfs sf;
        if (fd >= 0 && (fstatfs(fd, &sf) < 0 || sf.f_type != MQUEUE_MAGIC)) {
                close(fd);
                return -1;
        }
        return fd;
}

#if NSB_TIER_FULL
/* In a mount namespace of its own (spawned in our memory: system calls
 * only), a private mount of the mqueue filesystem over a directory of
 * ours; it goes with the namespace. */
static int mqueue_child(void *arg)
{
        uid_t uid = *(const uid_t *) arg;
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("mqueue", NSB_RUN_DIR, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                _exit(1);
        int fd = open_mqueue_fs(NSB_RUN_DIR);
        if (fd < 0)
                _exit(1);
        remove_mqueues_at(fd, uid);
        _exit(0);
}
#endif

void nsb_ipc_remove_owned(uid_t uid)
{
        if (geteuid() != 0 || uid == 0)
                return;
        remove_sysv(uid);
        int fd = open_mqueue_fs("/dev/mqueue");
        if (fd >= 0) {
                remove_mqueues_at(fd, uid);
                close(fd);
                return;
        }
#if NSB_TIER_FULL
        if (mkdir_p(NSB_RUN_DIR, 0755) < 0)
                return;
        int pidfd = -1;
        pid_t pid = nsb_clone_spawn(CLONE_NEWNS, true, mqueue_child, &uid, &pidfd);
        if (pid < 0)
                return;
        close_and_invalidate(&pidfd);
        while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
                ;
#endif
}
