/* proc.c - the processes /proc lists, for the supervisor and the sweeper.
 *
 * Both run where nothing may allocate (a copy of a possibly
 * multi-threaded caller, or a child sharing its memory), so this reads
 * the directory with getdents64 and each status file into buffers on the
 * stack.  The status file, not the owner of /proc/PID: a process that makes
 * itself non-dumpable shows root as the owner of its directory. */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/* The first number after "KEY:" in the status text S, or -1. */
static long field(const char *s, const char *key)
{
        const char *p = strstr(s, key);
        if (!p)
                return -1;
        p += strlen(key);
        while (*p == ' ' || *p == '\t')
                p++;
        if (*p < '0' || *p > '9')
                return -1;
        long v = 0;
        for (; *p >= '0' && *p <= '9'; p++)
                v = v * 10 + (*p - '0');
        return v;
}

static bool read_status(int proc_fd, const char *pid, struct nsb_proc_info *ret)
{
        char path[32] = "";
        size_t n = strnlen(pid, 16);
        memcpy(path, pid, n);
        memcpy(path + n, "/status", 8);
        int fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        char buf[2048];
        ssize_t len = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (len <= 0)
                return false;
        buf[len] = '\0';
        const char *state = strstr(buf, "\nState:");
        long ppid = field(buf, "\nPPid:");
        /* Uid: real effective saved filesystem */
        const char *uid_line = strstr(buf, "\nUid:");
        if (!state || ppid < 0 || !uid_line)
                return false;
        state += 7;
        while (*state == ' ' || *state == '\t')
                state++;
        long ruid = field(uid_line, "\nUid:");
        const char *p = uid_line + 5;
        while (*p == ' ' || *p == '\t')
                p++;
        while (*p >= '0' && *p <= '9')
                p++;
        long euid = field(p, "");
        if (ruid < 0 || euid < 0)
                return false;
        *ret = (struct nsb_proc_info) { .ppid = (pid_t) ppid, .ruid = (uid_t) ruid, .euid = (uid_t) euid,
                                        .state = *state };
        return true;
}

int nsb_proc_each(int (*fn)(const struct nsb_proc_info *p, void *arg), void *arg)
{
        int dfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        char dents[8192] __attribute__((aligned(8)));
        long n;
        int r = 0;
        while (r == 0 && (n = syscall(SYS_getdents64, dfd, dents, sizeof(dents))) > 0)
                for (long off = 0; r == 0 && off < n;) {
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
                        long pid = 0;
                        const char *c = de->name;
                        for (; *c >= '0' && *c <= '9' && pid < 1L << 30; c++)
                                pid = pid * 10 + (*c - '0');
                        struct nsb_proc_info info;
                        if (pid <= 0 || *c || !read_status(dfd, de->name, &info))
                                continue; /* not a process, or gone since */
                        info.pid = (pid_t) pid;
                        r = fn(&info, arg);
                }
        close(dfd);
        return r;
}
