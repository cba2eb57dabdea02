/* nsb-testhelper - small probes the tests run inside (and outside) the
 * sandbox, so that no test depends on tools a minimal system may lack.
 *
 *   ifaces                       print "NAME up|down" for every interface
 *   raw-ping                     ping 127.0.0.1 through a raw ICMP socket (CAP_NET_RAW):
 *                                "raw-ping ok", or "raw-ping ERRNO" and exit 1
 *   listen ADDR PORT SECONDS     listen; print "listening"; wait for one
 *                                connection; exit 0 (accepted or timed out),
 *                                2 when bind/listen fails
 *   connect ADDR PORT            exit 0 if a TCP connection succeeds, else
 *                                print the errno name and exit 1
 *   self-talk PORT HOLD          listen on 127.0.0.1:PORT, connect to it,
 *                                exchange a byte, hold the port HOLD seconds
 *   abstract-listen NAME SECS    listen on the abstract unix socket @NAME
 *                                (a NAME beginning with / is a path; so
 *                                for every abstract SOCKET below)
 *   abstract-connect NAME        exit 0 if @NAME accepts a connection
 *   ipc-create KEY               create a SysV shm, msg queue and semaphore
 *                                with KEY and the POSIX mqueue /nsbKEY
 *   ipc-check KEY                print which of those exist (shm msg sem mq)
 *   ipc-remove KEY               remove them
 *   creds                        print uid, gid, groups, Cap*, NoNewPrivs
 *   fds                          print the open fds (except the one listing)
 *   pid                          print getpid()
 *   daemon MARKER                leave a double-forked, setsid daemon behind
 *                                whose argv contains MARKER
 *   hopper MARKER                leave a setsid process behind that forks
 *                                and exits in a loop for 20 seconds, a new
 *                                pid each time, MARKER in its argv
 *   try-write PATH               create PATH; print "ok" or the errno name
 *   try-read PATH                read PATH; print "read" or the errno name
 *   rename FROM TO               rename(2), no copying fallback as mv has;
 *                                the errno name on failure
 *   spew BYTES                   write BYTES bytes of 'x' to stdout
 *   sleep SECONDS                sleep
 *   hostname                     print the host and domain name
 *   signals                      print the SigBlk and SigIgn lines of
 *                                /proc/self/status
 *   crash                        die of SIGSEGV (a fault, which reaches even
 *                                PID 1, unlike a signal sent to itself)
 *   exit N                       exit with status N
 *   chmod-setuid PATH            create PATH and try chmod/fchmod/fchmodat/
 *                                fchmodat2 with S_ISUID and S_ISGID; print
 *                                the errno name of each (or "ok")
 *   chmod-setuid-compat PATH     (x86_64) create PATH and try chmod with
 *                                S_ISUID and without, through the i386 ABI
 *                                (int $0x80) and the x32 ABI
 *   setxattr PATH                try setxattr and setxattrat on PATH
 *   fd-send SOCKET FILE          pass FILE (read-write) over abstract SOCKET
 *   fd-tamper SOCKET PATH SECS   receive an fd on abstract SOCKET, wait for
 *                                PATH to exist, then write through the fd
 *   fd-serve SOCKET FILE SECS    listen on abstract SOCKET, pass FILE to the
 *                                first process that connects
 *   fd-fetch SOCKET PATH SECS    connect to abstract SOCKET (retrying), then
 *                                as fd-tamper
 *   deep-tree DIR DEPTH BYTES    make DIR and DEPTH directories "d" nested in
 *                                it, a file "f" of BYTES bytes at the bottom
 *   deep-stat DIR DEPTH          print the octal mode and mtime of the
 *                                bottom file of such a tree, or the errno
 *   wide-dir DIR COUNT           make DIR holding COUNT empty files
 *   keys-add DESC                add a "user" key DESC to the session, user,
 *                                user-session and persistent keyrings; print
 *                                "RING ok" or "RING ERRNO" for each
 *   keys-find DESC               print "RING found" or "RING absent" for each
 *   keys-session CMD [ARG...]    join a new session keyring holding a key
 *                                "caller-secret", then exec CMD
 *   make-modes DIR               make DIR 0777 holding "suid" created 06755
 *                                by open() (no chmod), "ww" 0666 and
 *                                "sticky", a 01777 directory
 *   nopdeath SECONDS MARKER      try to clear this process's parent-death
 *                                signal (print "ok" or the errno name), then
 *                                sleep, MARKER in its argv
 *   alive PID                    print "alive" if PID exists and is no
 *                                zombie, else "dead"
 *   elf-static FILE              print "static" if the ELF FILE names no
 *                                program interpreter, else "dynamic" (no
 *                                ldd in a busybox guest)
 *   seccomp-mode                 print prctl(PR_GET_SECCOMP): 0 none, 2 a
 *                                filter, or the errno (EINVAL: a kernel
 *                                without seccomp)
 *   as-user UID GID CMD [ARG...] as root: drop every group, become UID:GID
 *                                and exec CMD (busybox has no setpriv
 *                                --reuid, and su needs an account)
 *   landlock-abi                 print the kernel's Landlock ABI, or the errno
 *   landlock-nest N CMD [ARG...] exec CMD in N nested Landlock domains (with
 *                                the scopes only, ABI 6), as nested sandboxes
 *                                leave a process: print the errno if one
 *                                cannot be entered
 *                                (ENOSYS: no Landlock; EOPNOTSUPP: disabled)
 *   no-landlock CMD [ARG...]     exec CMD under a seccomp filter that fails
 *                                Landlock's system calls with ENOSYS, as a
 *                                container's profile that lacks them does
 *   no-landlock-restrict CMD...  the same for landlock_restrict_self alone
 *                                (EPERM): the kernel's ABI shows, a domain
 *                                is refused only when entered
 *   signal PID SIG               kill(PID, SIG): print "sent" or the errno
 *   harm PID HOW                 what a process of PID's uid may do to it,
 *                                harmlessly (signal 0, limits read, the
 *                                current priority set again): HOW is kill,
 *                                killgroup (kill -PID), killall (kill -1),
 *                                tkill, tgkill, sigqueue, prlimit, nice,
 *                                sched, affinity, ioprio, setown (F_SETOWN
 *                                of a pipe), setown-ex, sigio-kill (SIGKILL
 *                                as its SIGIO: F_SETOWN_EX, F_SETSIG, I/O
 *                                on the pipe), pidfd (pidfd_open),
 *                                procfd (pidfd_send_signal through an fd of
 *                                /proc/PID); print "ok" or the errno
 *   harm-nofile PID              set PID's RLIMIT_NOFILE to 0 (it can open
 *                                nothing more): print "ok" or the errno
 *   fill-files WATCH             fill the system's file table (eventfds, in
 *                                as many processes as fs.file-max and our
 *                                RLIMIT_NOFILE take), holding it until the
 *                                process WATCH is gone; print "full" once
 *                                it is (ENFILE), or "not full"
 *   traced-exit MARKER           have a child of ours trace us (Yama's
 *                                PR_SET_PTRACER allowing it), then exit:
 *                                our zombie is the tracer's to reap, and
 *                                the tracer sleeps, MARKER in its argv
 *   ptrace PID                   PTRACE_SEIZE PID (then detach): print
 *                                "attached" or the errno
 *   escapes                      write colour, a window title, an OSC 52
 *                                clipboard write, a screen clear, a cursor
 *                                move, a carriage return and a C1 CSI
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ifaddrs.h>
#include <link.h>
#include <mqueue.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/auxv.h>
#include <sys/eventfd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sched.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

__attribute__((noreturn)) static void usage(void)
{
        fprintf(stderr, "usage: nsb-testhelper COMMAND [ARGS] (see the source)\n");
        exit(64);
}

static const char *errname(int e)
{
        const char *n = strerrorname_np(e);
        return n ? n : "EUNKNOWN";
}

static int tcp_socket(void)
{
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                printf("socket: %s\n", errname(errno));
                exit(2);
        }
        int one = 1;
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        return fd;
}

static struct sockaddr_in inet_addr_port(const char *addr, const char *port)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t) atoi(port)) };
        if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
                fprintf(stderr, "bad address %s\n", addr);
                exit(64);
        }
        return sa;
}

static int listen_on(struct sockaddr_in sa)
{
        int fd = tcp_socket();
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(fd, 8) < 0) {
                printf("bind: %s\n", errname(errno));
                fflush(stdout);
                exit(2);
        }
        return fd;
}

static int cmd_raw_ping(void)
{
        int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
        if (fd < 0) {
                printf("raw-ping %s\n", errname(errno));
                return 1;
        }
        /* An echo request: type 8, code 0, checksum over the 8 bytes. */
        unsigned char pkt[8] = { 8, 0, 0, 0, 0x12, 0x34, 0, 1 };
        unsigned sum = 0;
        for (int i = 0; i < 8; i += 2)
                sum += (unsigned) (pkt[i] << 8 | pkt[i + 1]);
        sum = (sum & 0xffff) + (sum >> 16);
        sum = ~sum & 0xffff;
        pkt[2] = (unsigned char) (sum >> 8);
        pkt[3] = (unsigned char) sum;
        struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *) &to, sizeof(to)) < 0) {
                printf("raw-ping %s\n", errname(errno));
                return 1;
        }
        /* The reply (type 0) after the IP header; our own request comes
         * back on a raw socket too. */
        for (int tries = 0; tries < 4; tries++) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                if (poll(&p, 1, 2000) <= 0)
                        break;
                unsigned char buf[256];
                ssize_t n = recv(fd, buf, sizeof(buf), 0);
                if (n >= 28 && buf[(buf[0] & 0xf) * 4] == 0) {
                        printf("raw-ping ok\n");
                        return 0;
                }
        }
        printf("raw-ping no reply\n");
        return 1;
}

static int cmd_ifaces(void)
{
        struct if_nameindex *ifs = if_nameindex();
        if (!ifs) {
                printf("if_nameindex: %s\n", errname(errno));
                return 1;
        }
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        for (struct if_nameindex *i = ifs; i->if_name; i++) {
                struct ifreq ifr = { 0 };
                snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->if_name);
                bool up = fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
                printf("%s %s\n", i->if_name, up ? "up" : "down");
        }
        if_freenameindex(ifs);
        return 0;
}

static int cmd_listen(char **argv)
{
        int fd = listen_on(inet_addr_port(argv[0], argv[1]));
        printf("listening\n");
        fflush(stdout);
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int n = poll(&p, 1, atoi(argv[2]) * 1000);
        if (n > 0) {
                int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
                printf(c >= 0 ? "accepted\n" : "accept failed\n");
        } else
                printf("timeout\n");
        return 0;
}

static int cmd_connect(char **argv)
{
        struct sockaddr_in sa = inet_addr_port(argv[0], argv[1]);
        int fd = tcp_socket();
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                printf("%s\n", errname(errno));
                return 1;
        }
        printf("connected\n");
        return 0;
}

static int cmd_self_talk(char **argv)
{
        struct sockaddr_in sa = inet_addr_port("127.0.0.1", argv[0]);
        int l = listen_on(sa);
        int c = tcp_socket();
        if (connect(c, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                printf("connect: %s\n", errname(errno));
                return 1;
        }
        int a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        char byte = 'x', got = 0;
        if (a < 0 || write(c, &byte, 1) != 1 || read(a, &got, 1) != 1 || got != 'x') {
                printf("exchange failed: %s\n", errname(errno));
                return 1;
        }
        printf("talked\n");
        fflush(stdout);
        sleep((unsigned) atoi(argv[1]));
        return 0;
}

/* @NAME; a NAME beginning with '/' is a socket with that path instead. */
static struct sockaddr_un abstract_addr(const char *name, socklen_t *len)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t n = strlen(name);
        if (n + 1 >= sizeof(sa.sun_path))
                exit(64);
        if (name[0] == '/') {
                memcpy(sa.sun_path, name, n);
                *len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n + 1);
                return sa;
        }
        memcpy(sa.sun_path + 1, name, n);
        *len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 + n);
        return sa;
}

/* Listen on the abstract socket NAME and say so; -1 after saying why not. */
static int abstract_listen(const char *name)
{
        socklen_t len;
        struct sockaddr_un sa = abstract_addr(name, &len);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, len) < 0 || listen(fd, 8) < 0) {
                printf("bind: %s\n", errname(errno));
                return -1;
        }
        printf("listening\n");
        fflush(stdout);
        return fd;
}

static int cmd_abstract_listen(char **argv)
{
        int fd = abstract_listen(argv[0]);
        if (fd < 0)
                return 2;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        printf(poll(&p, 1, atoi(argv[1]) * 1000) > 0 ? "accepted\n" : "timeout\n");
        return 0;
}

static int cmd_abstract_connect(char **argv)
{
        socklen_t len;
        struct sockaddr_un sa = abstract_addr(argv[0], &len);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, len) < 0) {
                printf("%s\n", errname(errno));
                return 1;
        }
        printf("connected\n");
        return 0;
}

static key_t parse_key(const char *s)
{
        return (key_t) strtol(s, NULL, 0);
}

static int cmd_ipc_create(char **argv)
{
        key_t key = parse_key(argv[0]);
        char mq[64];
        snprintf(mq, sizeof(mq), "/nsb%s", argv[0]);
        struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = 16 };
        int bad = 0;
        if (shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600) < 0)
                bad = printf("shmget: %s\n", errname(errno));
        if (msgget(key, IPC_CREAT | IPC_EXCL | 0600) < 0)
                bad = printf("msgget: %s\n", errname(errno));
        if (semget(key, 1, IPC_CREAT | IPC_EXCL | 0600) < 0)
                bad = printf("semget: %s\n", errname(errno));
        mqd_t q = mq_open(mq, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
        if (q == (mqd_t) -1)
                bad = printf("mq_open: %s\n", errname(errno));
        if (!bad)
                printf("created\n");
        return bad ? 1 : 0;
}

static int cmd_ipc_check(char **argv)
{
        key_t key = parse_key(argv[0]);
        char mq[64];
        snprintf(mq, sizeof(mq), "/nsb%s", argv[0]);
        printf("shm %s\n", shmget(key, 0, 0) >= 0 ? "present" : "absent");
        printf("msg %s\n", msgget(key, 0) >= 0 ? "present" : "absent");
        printf("sem %s\n", semget(key, 0, 0) >= 0 ? "present" : "absent");
        mqd_t q = mq_open(mq, O_RDONLY);
        printf("mq %s\n", q != (mqd_t) -1 ? "present" : "absent");
        return 0;
}

static int cmd_ipc_remove(char **argv)
{
        key_t key = parse_key(argv[0]);
        char mq[64];
        snprintf(mq, sizeof(mq), "/nsb%s", argv[0]);
        int id;
        if ((id = shmget(key, 0, 0)) >= 0)
                shmctl(id, IPC_RMID, NULL);
        if ((id = msgget(key, 0)) >= 0)
                msgctl(id, IPC_RMID, NULL);
        if ((id = semget(key, 0, 0)) >= 0)
                semctl(id, 0, IPC_RMID);
        mq_unlink(mq);
        return 0;
}

static int cmd_creds(void)
{
        printf("uid %u %u\n", (unsigned) getuid(), (unsigned) geteuid());
        printf("gid %u %u\n", (unsigned) getgid(), (unsigned) getegid());
        gid_t groups[64];
        int n = getgroups(64, groups);
        printf("groups");
        for (int i = 0; i < n; i++)
                printf(" %u", (unsigned) groups[i]);
        printf("\n");
        /* The effective set from the kernel itself: the chroot tier has no
         * /proc. */
        struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
        struct __user_cap_data_struct data[2];
        if (syscall(SYS_capget, &hdr, data) == 0)
                printf("capget effective %08x%08x\n", data[1].effective, data[0].effective);
        /* Without /proc (the chroot tier) the ids are all there is. */
        FILE *f = fopen("/proc/self/status", "re");
        if (!f) {
                printf("status %s\n", errname(errno));
                return 0;
        }
        char line[256];
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, "Cap", 3) == 0 || strncmp(line, "NoNewPrivs", 10) == 0 ||
                    strncmp(line, "Seccomp:", 8) == 0)
                        fputs(line, stdout);
        fclose(f);
        return 0;
}

static int cmd_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        if (!d) {
                printf("opendir: %s\n", errname(errno));
                return 1;
        }
        struct dirent *de;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d))
                        printf("%s\n", de->d_name);
        closedir(d);
        return 0;
}

/* Fork; the parent prints SAY and returns 1, the child leaves the
 * session and the stdio of the builder behind and returns 0 (-1 if the
 * fork failed). */
static int detach(const char *say)
{
        pid_t p = fork();
        if (p < 0)
                return -1;
        if (p > 0) {
                printf("%s\n", say);
                return 1;
        }
        setsid();
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        return 0;
}

static int cmd_daemon(char **argv)
{
        int d = detach("daemonized");
        if (d != 0)
                return d < 0;
        if (fork() != 0)
                _exit(0);
        /* The path this program was started by: there may be no /proc. */
        execl((const char *) getauxval(AT_EXECFN), "nsb-testhelper", "sleep", "60", argv[0], (char *) NULL);
        _exit(1);
}

static int cmd_hopper(void)
{
        int d = detach("hopping");
        if (d != 0)
                return d < 0;
        /* A process that is never the same pid for long escapes anyone
         * who lists processes and then kills them one by one. */
        time_t end = time(NULL) + 20;
        while (time(NULL) < end) {
                pid_t c = fork();
                if (c > 0)
                        _exit(0);
                if (c < 0)
                        usleep(1000);
        }
        _exit(0);
}

static int cmd_try_write(char **argv)
{
        int fd = open(argv[0], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
                printf("%s\n", errname(errno));
                return 1;
        }
        close(fd);
        printf("ok\n");
        return 0;
}

static int cmd_spew(char **argv)
{
        long long left = atoll(argv[0]);
        char buf[65536];
        memset(buf, 'x', sizeof(buf));
        while (left > 0) {
                size_t n = left < (long long) sizeof(buf) ? (size_t) left : sizeof(buf);
                ssize_t w = write(1, buf, n);
                if (w <= 0)
                        return 1;
                left -= w;
        }
        return 0;
}

static int cmd_hostname(void)
{
        struct utsname u;
        if (uname(&u) < 0)
                return 1;
        printf("%s %s\n", u.nodename, u.domainname);
        return 0;
}

static int cmd_signals(void)
{
        FILE *f = fopen("/proc/self/status", "re");
        if (!f)
                return 1;
        char line[256];
        while (fgets(line, sizeof(line), f))
                if (!strncmp(line, "SigBlk:", 7) || !strncmp(line, "SigIgn:", 7))
                        fputs(line, stdout);
        fclose(f);
        return 0;
}

static void report(const char *what, long r)
{
        printf("%s %s\n", what, r == 0 ? "ok" : errname(errno));
}

static int cmd_chmod_setuid(char **argv)
{
        int fd = open(argv[0], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
                printf("open %s\n", errname(errno));
                return 1;
        }
        report("chmod-suid", chmod(argv[0], 04755));
        report("chmod-sgid", chmod(argv[0], 02755));
        report("fchmod-suid", fchmod(fd, 04755));
        report("fchmodat-sgid", fchmodat(AT_FDCWD, argv[0], 02755, 0));
        report("fchmodat2-suid", syscall(452, AT_FDCWD, argv[0], 04755, 0));
        report("chmod-plain", chmod(argv[0], 0755));
        close(fd);
        return 0;
}

#if defined(__x86_64__) && !defined(__ILP32__)
/* chmod through the i386 ABI (number 15, arguments in ebx and ecx, which
 * must hold a 32-bit address).  In a child: a kernel without IA32
 * emulation answers int $0x80 with a fault. */
static void report_i386_chmod(const char *what, const char *path32, long mode)
{
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
                long r;
                __asm__ volatile("int $0x80"
                                 : "=a"(r)
                                 : "0"(15L), "b"(path32), "c"(mode)
                                 : "r8", "r9", "r10", "r11", "cc", "memory");
                printf("%s %s\n", what, r == 0 ? "ok" : errname((int) -r));
                fflush(stdout);
                _exit(0);
        }
        int status;
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
                printf("%s no-i386-abi\n", what);
}

static int cmd_chmod_setuid_compat(char **argv)
{
        size_t len = strlen(argv[0]) + 1;
        char *path32 = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
        int fd = open(argv[0], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (path32 == MAP_FAILED || fd < 0) {
                printf("setup %s\n", errname(errno));
                return 1;
        }
        memcpy(path32, argv[0], len);
        report_i386_chmod("i386-chmod-suid", path32, 04755);
        report_i386_chmod("i386-chmod-plain", path32, 0644);
        report("x32-chmod-suid", syscall(0x40000000 | SYS_chmod, argv[0], 04755));
        report("x32-chmod-plain", syscall(0x40000000 | SYS_chmod, argv[0], 0644));
        close(fd);
        return 0;
}
#endif

/* CVE-2024-27297: a fixed-output builder shares the host's network, so it
 * can pass an fd to its output to an outside process over an abstract
 * socket.  fd-send SOCKET FILE (in the builder) connects to SOCKET and
 * passes FILE, opened read-write; fd-tamper SOCKET WAIT-PATH SECONDS
 * (outside) listens for it.  Landlock's scope stops the builder's connect,
 * not a connection to the builder, so the other way round: fd-serve SOCKET
 * FILE SECONDS (in the builder) listens and passes FILE to the first
 * process that connects; fd-fetch SOCKET WAIT-PATH SECONDS (outside)
 * connects as soon as it can.  Either way the outside process then waits
 * for WAIT-PATH (the output's final path) to appear and writes through
 * the fd. */
static int send_fd(int conn, int file)
{
        char byte = 'f';
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &file, sizeof(int));
        if (sendmsg(conn, &msg, 0) < 0) {
                printf("fd-send: %s\n", errname(errno));
                return 1;
        }
        printf("sent\n");
        return 0;
}

static int cmd_fd_send(char **argv)
{
        socklen_t len;
        struct sockaddr_un sa = abstract_addr(argv[0], &len);
        int file = open(argv[1], O_RDWR | O_CLOEXEC);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (file < 0 || fd < 0 || connect(fd, (struct sockaddr *) &sa, len) < 0) {
                printf("fd-send: %s\n", errname(errno));
                return 1;
        }
        return send_fd(fd, file);
}

static int cmd_fd_serve(char **argv)
{
        int file = open(argv[1], O_RDWR | O_CLOEXEC);
        if (file < 0) {
                printf("fd-serve: %s\n", errname(errno));
                return 1;
        }
        int fd = abstract_listen(argv[0]);
        if (fd < 0)
                return 2;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, atoi(argv[2]) * 1000) <= 0) {
                printf("timeout\n");
                return 1;
        }
        int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0) {
                printf("accept: %s\n", errname(errno));
                return 1;
        }
        return send_fd(conn, file);
}

/* Receive the fd on CONN, wait for PATH, write through the fd. */
static int tamper(int conn, const char *path, int seconds)
{
        char byte;
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
        if (conn < 0 || recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) < 1 || !CMSG_FIRSTHDR(&msg)) {
                printf("recvmsg: %s\n", errname(errno));
                return 1;
        }
        int file;
        memcpy(&file, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
        printf("received\n");
        fflush(stdout);
        struct stat st;
        for (int i = 0; i < seconds * 10 && stat(path, &st) < 0; i++)
                usleep(100000);
        if (stat(path, &st) < 0) {
                printf("%s never appeared\n", path);
                return 1;
        }
        usleep(200000);
        if (pwrite(file, "tampered\n", 9, 0) != 9) {
                printf("pwrite: %s\n", errname(errno));
                return 1;
        }
        printf("wrote through the fd\n");
        return 0;
}

static int cmd_fd_tamper(char **argv)
{
        int fd = abstract_listen(argv[0]);
        if (fd < 0)
                return 2;
        int seconds = atoi(argv[2]);
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, seconds * 1000) <= 0) {
                printf("timeout\n");
                return 1;
        }
        return tamper(accept4(fd, NULL, NULL, SOCK_CLOEXEC), argv[1], seconds);
}

static int cmd_fd_fetch(char **argv)
{
        socklen_t len;
        struct sockaddr_un sa = abstract_addr(argv[0], &len);
        int seconds = atoi(argv[2]);
        printf("connecting\n");
        fflush(stdout);
        for (int i = 0; i < seconds * 20; i++) {
                int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (fd < 0) {
                        printf("socket: %s\n", errname(errno));
                        return 1;
                }
                if (connect(fd, (struct sockaddr *) &sa, len) == 0)
                        return tamper(fd, argv[1], seconds);
                close(fd);
                usleep(50000);
        }
        printf("timeout\n");
        return 1;
}

static int cmd_setxattr(char **argv)
{
        report("setxattr", setxattr(argv[0], "user.nsb", "x", 1, 0));
        /* struct xattr_args, the kernel's layout. */
        struct {
                // cppcheck-suppress unusedStructMember
                uint64_t value;
                // cppcheck-suppress unusedStructMember
                uint32_t size;
                // cppcheck-suppress unusedStructMember
                uint32_t flags;
        } args = { (uint64_t) (uintptr_t) "x", 1, 0 };
        report("setxattrat", syscall(463, AT_FDCWD, argv[0], 0, "user.nsb", &args, sizeof(args)));
        return 0;
}

/* Deep and wide trees, one directory fd open at a time: a path this deep
 * is far beyond PATH_MAX, and a shell would take minutes. */
static int cmd_deep_tree(char **argv)
{
        long depth = atol(argv[1]);
        long long bytes = atoll(argv[2]);
        if (mkdir(argv[0], 0755) < 0) {
                printf("mkdir: %s\n", errname(errno));
                return 1;
        }
        int fd = open(argv[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        for (long i = 0; fd >= 0 && i < depth; i++) {
                int next = mkdirat(fd, "d", 0755) < 0 ? -1 : openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                close(fd);
                fd = next;
        }
        int f = fd < 0 ? -1 : openat(fd, "f", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (f < 0 || (bytes > 0 && ftruncate(f, bytes) < 0) || pwrite(f, "bottom", 6, 0) != 6) {
                printf("deep-tree: %s\n", errname(errno));
                return 1;
        }
        close(f);
        close(fd);
        return 0;
}

static int cmd_deep_stat(char **argv)
{
        long depth = atol(argv[1]);
        int fd = open(argv[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        for (long i = 0; fd >= 0 && i < depth; i++) {
                int next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                close(fd);
                fd = next;
        }
        struct stat st;
        if (fd < 0 || fstatat(fd, "f", &st, AT_SYMLINK_NOFOLLOW) < 0) {
                printf("%s\n", errname(errno));
                return 1;
        }
        printf("%o %lld\n", (unsigned) (st.st_mode & 07777), (long long) st.st_mtime);
        close(fd);
        return 0;
}

static int cmd_wide_dir(char **argv)
{
        long count = atol(argv[1]);
        if (mkdir(argv[0], 0755) < 0) {
                printf("mkdir: %s\n", errname(errno));
                return 1;
        }
        int fd = open(argv[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        for (long i = 0; fd >= 0 && i < count; i++) {
                char name[32];
                snprintf(name, sizeof(name), "e%ld", i);
                int f = openat(fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
                if (f < 0) {
                        printf("wide-dir: %s\n", errname(errno));
                        return 1;
                }
                close(f);
        }
        if (fd >= 0)
                close(fd);
        return fd < 0;
}

/* Kernel keyrings, through the raw system calls (no libkeyutils). */
#define KEY_SPEC_SESSION -3
#define KEY_SPEC_USER -4
#define KEY_SPEC_USER_SESSION -5
static const struct {
        const char *name;
        long id; /* 0: the persistent keyring */
} keyrings[] = { { "session", KEY_SPEC_SESSION }, { "user", KEY_SPEC_USER },
                 { "user-session", KEY_SPEC_USER_SESSION }, { "persistent", 0 } };

/* The keyring's id (the special ids are negative), or 0 without one. */
static long keyring_id(long spec)
{
        if (spec)
                return spec;
        /* KEYCTL_GET_PERSISTENT, linked into the session keyring. */
        long id = syscall(SYS_keyctl, 22, -1L, (long) KEY_SPEC_SESSION, 0L, 0L);
        return id < 0 ? 0 : id;
}

static int cmd_keys_add(char **argv)
{
        for (size_t i = 0; i < sizeof(keyrings) / sizeof(keyrings[0]); i++) {
                long ring = keyring_id(keyrings[i].id);
                long r = !ring ? -1 : syscall(SYS_add_key, "user", argv[0], "secret", 6L, ring);
                printf("%s %s\n", keyrings[i].name, r >= 0 ? "ok" : errname(errno));
        }
        return 0;
}

static int cmd_keys_find(char **argv)
{
        for (size_t i = 0; i < sizeof(keyrings) / sizeof(keyrings[0]); i++) {
                long ring = keyring_id(keyrings[i].id);
                /* KEYCTL_SEARCH */
                long r = !ring ? -1 : syscall(SYS_keyctl, 10, ring, "user", argv[0], 0L);
                printf("%s %s\n", keyrings[i].name, r >= 0 ? "found" : "absent");
        }
        return 0;
}

static int cmd_keys_session(char **argv)
{
        /* KEYCTL_JOIN_SESSION_KEYRING with no name: a new one. */
        if (syscall(SYS_keyctl, 1, 0L, 0L, 0L, 0L) < 0 ||
            syscall(SYS_add_key, "user", "caller-secret", "secret", 6L, (long) KEY_SPEC_SESSION) < 0) {
                printf("keys-session: %s\n", errname(errno));
                return 1;
        }
        execvp(argv[0], argv);
        printf("exec %s: %s\n", argv[0], errname(errno));
        return 127;
}

static int cmd_make_modes(char **argv)
{
        char path[4096];
        umask(022);
        if (mkdir(argv[0], 0755) < 0 || chmod(argv[0], 0777) < 0) {
                printf("mkdir: %s\n", errname(errno));
                return 1;
        }
        snprintf(path, sizeof(path), "%s/suid", argv[0]);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 06755);
        if (fd < 0) {
                printf("suid: %s\n", errname(errno));
                return 1;
        }
        close(fd);
        snprintf(path, sizeof(path), "%s/ww", argv[0]);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 || fchmod(fd, 0666) < 0) {
                printf("ww: %s\n", errname(errno));
                return 1;
        }
        close(fd);
        snprintf(path, sizeof(path), "%s/sticky", argv[0]);
        if (mkdir(path, 0755) < 0 || chmod(path, 01777) < 0) {
                printf("sticky: %s\n", errname(errno));
                return 1;
        }
        struct stat st;
        snprintf(path, sizeof(path), "%s/suid", argv[0]);
        printf("made, suid %o\n", stat(path, &st) == 0 ? (unsigned) (st.st_mode & 07777) : 0);
        return 0;
}

/* What a terminal would obey: the escapes the log filter keeps and drops. */
static const char escapes[] =
        "plain \033[31mred\033[0m\n"       /* colour: kept */
        "\033]0;pwned-title\007"            /* window title */
        "\033]52;c;cHduZWQ=\033\\"          /* clipboard write, ST-terminated */
        "\033[2J\033[1;1H"                  /* clear the screen, move the cursor */
        "\033P1;2qdcs\033\\"                /* a device control string */
        "over\rnsbuild: fake\n"             /* carriage return over a line */
        "\xc2\x9b" "5n"                      /* CSI as UTF-8 C1 */
        "caf\xc3\xa9 end\n";               /* UTF-8 text: kept */

static int cmd_escapes(void)
{
        return write(1, escapes, sizeof(escapes) - 1) == (ssize_t) sizeof(escapes) - 1 ? 0 : 1;
}

/* Whether an ELF file has a PT_INTERP program header, for the native
 * class (what ldd would be asked). */
static int cmd_elf_static(char **a)
{
        int fd = open(a[0], O_RDONLY | O_CLOEXEC);
        ElfW(Ehdr) eh;
        if (fd < 0 || read(fd, &eh, sizeof(eh)) != (ssize_t) sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
                printf("not-elf\n");
                return 1;
        }
        bool interp = false;
        for (int i = 0; i < eh.e_phnum && !interp; i++) {
                ElfW(Phdr) ph;
                if (pread(fd, &ph, sizeof(ph), (off_t) (eh.e_phoff + (size_t) i * eh.e_phentsize)) != (ssize_t) sizeof(ph))
                        break;
                interp = ph.p_type == PT_INTERP;
        }
        close(fd);
        return printf("%s\n", interp ? "dynamic" : "static") < 0;
}

static int cmd_as_user(char **a)
{
        uid_t uid = (uid_t) strtoul(a[0], NULL, 10);
        gid_t gid = (gid_t) strtoul(a[1], NULL, 10);
        if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
                perror("nsb-testhelper: as-user");
                return 125;
        }
        execvp(a[2], a + 2);
        perror("nsb-testhelper: as-user: exec");
        return 127;
}

/* A zombie is dead: it runs nothing, and where orphans are reaped late
 * (a container's PID 1) it lingers. */
static int cmd_alive(char **a)
{
        char path[64], line[256];
        snprintf(path, sizeof(path), "/proc/%d/status", atoi(a[0]));
        FILE *f = fopen(path, "re");
        bool alive = false;
        if (f) {
                while (fgets(line, sizeof(line), f))
                        if (strncmp(line, "State:", 6) == 0) {
                                const char *st = line + 6 + strspn(line + 6, " \t");
                                alive = *st != 'Z' && *st != 'X';
                                break;
                        }
                fclose(f);
        } else /* without /proc */
                alive = kill((pid_t) atoi(a[0]), 0) == 0 || errno == EPERM;
        return printf("%s\n", alive ? "alive" : "dead") < 0;
}

/* burn SECONDS: that much CPU time, in user mode. */
static int cmd_burn(char **a)
{
        double want = atof(a[0]);
        struct timespec ts;
        volatile unsigned long x = 0;
        do {
                for (int i = 0; i < 1000000; i++)
                        x += (unsigned long) i;
                if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) < 0)
                        return 1;
        } while ((double) ts.tv_sec + (double) ts.tv_nsec / 1e9 < want);
        (void) x;
        return printf("burnt\n") < 0;
}

/* forks N MARK: start N processes that wait, each in a session of its
 * own (as a daemon would); say how many forks were refused, and exit 1
 * if any was. */
static int cmd_forks(char **a)
{
        int n = atoi(a[0]), refused = 0;
        for (int i = 0; i < n; i++) {
                pid_t p = fork();
                if (p < 0) {
                        refused++;
                        continue;
                }
                if (p == 0) {
                        (void) setsid();
                        for (;;)
                                pause();
                }
        }
        printf("forks refused: %d\n", refused);
        return refused ? 1 : 0;
}

/* alloc MIB: that much memory, every page touched, then a moment held. */
static int cmd_alloc(char **a)
{
        size_t size = (size_t) atol(a[0]) * 1024 * 1024;
        /* volatile: clang drops an allocation that is only written. */
        volatile char *p = malloc(size);
        if (!p)
                return 1;
        for (size_t i = 0; i < size; i += 4096)
                p[i] = 1;
        usleep(100000);
        printf("allocated %zu\n", size);
        free((void *) p);
        return 0;
}

static int cmd_landlock_abi(void)
{
#ifdef SYS_landlock_create_ruleset
        long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1u /* LANDLOCK_CREATE_RULESET_VERSION */);
        if (abi >= 0)
                return printf("%ld\n", abi) < 0;
#else
        errno = ENOSYS;
#endif
        return printf("%s\n", errname(errno)) < 0;
}

static int cmd_landlock_nest(char **a)
{
#ifdef SYS_landlock_create_ruleset
        /* struct landlock_ruleset_attr of ABI 6: no file or network
         * access handled, signals and abstract sockets scoped. */
        uint64_t attr[3] = { 0, 0, 3 };
        int n = atoi(a[0]);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
                printf("landlock-nest: %s\n", errname(errno));
                return 1;
        }
        for (int i = 0; i < n; i++) {
                long fd = syscall(SYS_landlock_create_ruleset, attr, sizeof(attr), 0);
                if (fd < 0 || syscall(SYS_landlock_restrict_self, fd, 0) < 0) {
                        printf("landlock-nest: domain %d: %s\n", i + 1, errname(errno));
                        return 1;
                }
                close((int) fd);
        }
        execvp(a[1], a + 1);
        printf("landlock-nest: %s: %s\n", a[1], errname(errno));
        return 127;
#else
        (void) a;
        printf("landlock-nest: ENOSYS\n");
        return 1;
#endif
}

static int cmd_no_landlock(char **a, bool restrict_only)
{
        /* landlock_create_ruleset, _add_rule and _restrict_self: 444-446
         * in every ABI nsbuild's tests run (x32's with its bit set). */
        struct sock_filter f[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~0x40000000u),
                BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, restrict_only ? 446 : 444, 0, 2),
                BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 446, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (restrict_only ? EPERM : ENOSYS)),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
                printf("no-landlock: %s\n", errname(errno));
                return 1;
        }
        execvp(a[0], a);
        printf("no-landlock: %s: %s\n", a[0], errname(errno));
        return 127;
}

static int cmd_try_read(char **a)
{
        char buf[256];
        int fd = open(a[0], O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read(fd, buf, sizeof(buf)) < 0) {
                printf("%s\n", errname(errno));
                return 1;
        }
        close(fd);
        printf("read\n");
        return 0;
}

static int cmd_harm(char **a)
{
        pid_t pid = (pid_t) atoi(a[0]);
        const char *how = a[1];
        long r;
        if (!strcmp(how, "kill"))
                r = kill(pid, 0);
        else if (!strcmp(how, "killgroup"))
                r = kill(-pid, 0);
        else if (!strcmp(how, "killall"))
                r = kill(-1, 0);
        else if (!strcmp(how, "tkill"))
                r = syscall(SYS_tkill, pid, 0);
        else if (!strcmp(how, "tgkill"))
                r = syscall(SYS_tgkill, pid, pid, 0);
        else if (!strcmp(how, "sigqueue")) {
                siginfo_t si = { .si_code = SI_QUEUE };
                si.si_pid = getpid();
                si.si_uid = getuid();
                r = syscall(SYS_rt_sigqueueinfo, pid, 0, &si);
        } else if (!strcmp(how, "prlimit")) {
                struct rlimit old;
                r = prlimit(pid, RLIMIT_NOFILE, NULL, &old);
        } else if (!strcmp(how, "nice")) {
                errno = 0;
                int prio = getpriority(PRIO_PROCESS, (id_t) pid);
                r = errno ? -1 : setpriority(PRIO_PROCESS, (id_t) pid, prio);
        } else if (!strcmp(how, "sched")) {
                struct sched_param sp = { 0 };
                r = sched_setscheduler(pid, SCHED_OTHER, &sp);
        } else if (!strcmp(how, "affinity")) {
                cpu_set_t set;
                r = sched_getaffinity(pid, sizeof(set), &set);
                if (r == 0)
                        r = sched_setaffinity(pid, sizeof(set), &set);
        } else if (!strcmp(how, "ioprio")) {
                r = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, pid);
                if (r >= 0)
                        r = syscall(SYS_ioprio_set, 1, pid, (int) r);
        } else if (!strcmp(how, "setown") || !strcmp(how, "setown-ex")) {
                int p[2];
                if (pipe(p) < 0)
                        r = -1;
                else if (!strcmp(how, "setown"))
                        r = fcntl(p[0], F_SETOWN, pid);
                else {
                        struct f_owner_ex o = { .type = F_OWNER_PID, .pid = pid };
                        r = fcntl(p[0], F_SETOWN_EX, &o);
                }
        } else if (!strcmp(how, "sigio-kill")) {
                int p[2];
                struct f_owner_ex o = { .type = F_OWNER_PID, .pid = pid };
                r = pipe(p);
                if (r == 0)
                        r = fcntl(p[0], F_SETOWN_EX, &o);
                if (r == 0)
                        r = fcntl(p[0], F_SETSIG, SIGKILL);
                if (r == 0)
                        r = fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK);
                if (r == 0 && write(p[1], "x", 1) != 1)
                        r = -1;
                usleep(200000);
        } else if (!strcmp(how, "pidfd"))
                r = syscall(SYS_pidfd_open, pid, 0);
        else if (!strcmp(how, "procfd")) {
                char path[64];
                snprintf(path, sizeof(path), "/proc/%d", (int) pid);
                int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                r = fd < 0 ? -1 : syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0);
        } else
                usage();
        printf("%s\n", r < 0 ? errname(errno) : "ok");
        return r < 0;
}

static int cmd_fill_files(char **a)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d", atoi(a[0]));
        long file_max = 0;
        FILE *f = fopen("/proc/sys/fs/file-max", "re");
        if (!f || fscanf(f, "%ld", &file_max) != 1)
                return printf("file-max: unknown\n"), 1;
        fclose(f);
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return 1;
        rl.rlim_cur = rl.rlim_max;
        (void) setrlimit(RLIMIT_NOFILE, &rl);
        long per = rl.rlim_cur > 64 ? (long) rl.rlim_cur - 16 : 48;
        long procs = file_max / per + 8;
        if (procs > 4000)
                return printf("file-max %ld too large to fill\n", file_max), 1;
        int done[2];
        if (pipe(done) < 0)
                return 1;
        for (long i = 0; i < procs; i++) {
                pid_t c = fork();
                if (c < 0)
                        break;
                if (c > 0)
                        continue;
                close(done[0]);
                char full = 'n';
                for (;;) {
                        if (eventfd(0, EFD_CLOEXEC) >= 0)
                                continue;
                        if (errno == ENFILE)
                                full = 'y';
                        break;
                }
                (void) !write(done[1], &full, 1);
                close(done[1]);
                /* Hold it all while WATCH lives (stat needs no fd). */
                struct stat st;
                while (stat(path, &st) == 0)
                        usleep(20000);
                _exit(0);
        }
        close(done[1]);
        bool full = false;
        char byte;
        while (read(done[0], &byte, 1) == 1)
                full |= byte == 'y';
        printf("%s\n", full ? "full" : "not full");
        return 0;
}

static int cmd_traced_exit(char **a)
{
        int go[2], said[2];
        if (pipe(go) < 0 || pipe(said) < 0)
                return 1;
        pid_t me = getpid();
        pid_t tracer = fork();
        if (tracer < 0)
                return 1;
        if (tracer == 0) {
                char byte;
                close(go[1]);
                if (read(go[0], &byte, 1) != 1 || ptrace(PTRACE_SEIZE, me, NULL, NULL) < 0) {
                        printf("tracer: %s\n", errname(errno));
                        _exit(1);
                }
                printf("traced\n");
                fflush(stdout);
                /* Said before we exit: the build may end its tracer with
                 * it, before a slow machine let it write. */
                (void) !write(said[1], "s", 1);
                close(said[1]);
                /* Never reaps what it traces. */
                execl((const char *) getauxval(AT_EXECFN), "nsb-testhelper", "sleep", "60", a[0], (char *) NULL);
                _exit(1);
        }
        close(go[0]);
        close(said[1]);
        (void) prctl(PR_SET_PTRACER, tracer, 0, 0, 0);
        if (write(go[1], "g", 1) != 1)
                return 1;
        /* Until the tracer has said so (30 s at most), */
        struct pollfd pfd = { .fd = said[0], .events = POLLIN };
        (void) poll(&pfd, 1, 30000);
        /* and until it is attached (our status says TracerPid), for at
         * most 30 s of a slow machine's time. */
        struct timespec now, end;
        clock_gettime(CLOCK_MONOTONIC, &end);
        end.tv_sec += 30;
        for (;;) {
                char line[128];
                FILE *f = fopen("/proc/self/status", "re");
                bool traced = false;
                while (f && fgets(line, sizeof(line), f))
                        if (!strncmp(line, "TracerPid:", 10) && atoi(line + 10) == tracer)
                                traced = true;
                if (f)
                        fclose(f);
                /* _exit: a sanitizer's exit-time leak check cannot run
                 * under ptrace. */
                if (traced) {
                        fflush(stdout);
                        _exit(0);
                }
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
                        break;
                usleep(5000);
        }
        printf("never traced\n");
        return 1;
}

static int cmd_signal(char **a)
{
        if (kill((pid_t) atoi(a[0]), atoi(a[1])) < 0) {
                printf("%s\n", errname(errno));
                return 1;
        }
        printf("sent\n");
        return 0;
}

static int cmd_ptrace(char **a)
{
        pid_t pid = (pid_t) atoi(a[0]);
        if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0) {
                printf("%s\n", errname(errno));
                return 1;
        }
        (void) ptrace(PTRACE_DETACH, pid, NULL, NULL);
        printf("attached\n");
        return 0;
}

int main(int argc, char **argv)
{
        if (argc < 2)
                usage();
        const char *cmd = argv[1];
        char **a = argv + 2;
        int n = argc - 2;
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (!strcmp(cmd, "ifaces") && n == 0) return cmd_ifaces();
        if (!strcmp(cmd, "raw-ping") && n == 0) return cmd_raw_ping();
        if (!strcmp(cmd, "listen") && n == 3) return cmd_listen(a);
        if (!strcmp(cmd, "connect") && n == 2) return cmd_connect(a);
        if (!strcmp(cmd, "self-talk") && n == 2) return cmd_self_talk(a);
        if (!strcmp(cmd, "abstract-listen") && n == 2) return cmd_abstract_listen(a);
        if (!strcmp(cmd, "abstract-connect") && n == 1) return cmd_abstract_connect(a);
        if (!strcmp(cmd, "ipc-create") && n == 1) return cmd_ipc_create(a);
        if (!strcmp(cmd, "ipc-check") && n == 1) return cmd_ipc_check(a);
        if (!strcmp(cmd, "ipc-remove") && n == 1) return cmd_ipc_remove(a);
        if (!strcmp(cmd, "creds") && n == 0) return cmd_creds();
        if (!strcmp(cmd, "fds") && n == 0) return cmd_fds();
        if (!strcmp(cmd, "pid") && n == 0) return printf("%d\n", (int) getpid()) < 0;
        if (!strcmp(cmd, "daemon") && n == 1) return cmd_daemon(a);
        if (!strcmp(cmd, "hopper") && n == 1) return cmd_hopper();
        if (!strcmp(cmd, "try-write") && n == 1) return cmd_try_write(a);
        if (!strcmp(cmd, "try-read") && n == 1) return cmd_try_read(a);
        if (!strcmp(cmd, "rename") && n == 2) {
                if (rename(a[0], a[1]) == 0)
                        return 0;
                printf("%s\n", errname(errno));
                return 1;
        }
        if (!strcmp(cmd, "spew") && n == 1) return cmd_spew(a);
        if (!strcmp(cmd, "sleep") && n >= 1) {
                struct timespec ts = { .tv_sec = atoi(a[0]) };
                if (strchr(a[0], '.'))
                        ts.tv_nsec = (long) ((atof(a[0]) - (double) ts.tv_sec) * 1e9);
                nanosleep(&ts, NULL);
                return 0;
        }
        if (!strcmp(cmd, "hostname") && n == 0) return cmd_hostname();
        if (!strcmp(cmd, "signals") && n == 0) return cmd_signals();
        if (!strcmp(cmd, "crash") && n == 0) {
                /* A sanitizer's handler would turn the fault into exit(1). */
                signal(SIGSEGV, SIG_DFL);
                // cppcheck-suppress nullPointer ; the point of this command
                *(volatile int *) 0 = 0;
                return 1;
        }
        if (!strcmp(cmd, "exit") && n == 1) return atoi(a[0]);
        if (!strcmp(cmd, "chmod-setuid") && n == 1) return cmd_chmod_setuid(a);
#if defined(__x86_64__) && !defined(__ILP32__)
        if (!strcmp(cmd, "chmod-setuid-compat") && n == 1) return cmd_chmod_setuid_compat(a);
#endif
        if (!strcmp(cmd, "setxattr") && n == 1) return cmd_setxattr(a);
        if (!strcmp(cmd, "fd-send") && n == 2) return cmd_fd_send(a);
        if (!strcmp(cmd, "fd-tamper") && n == 3) return cmd_fd_tamper(a);
        if (!strcmp(cmd, "fd-serve") && n == 3) return cmd_fd_serve(a);
        if (!strcmp(cmd, "fd-fetch") && n == 3) return cmd_fd_fetch(a);
        if (!strcmp(cmd, "deep-tree") && n == 3) return cmd_deep_tree(a);
        if (!strcmp(cmd, "deep-stat") && n == 2) return cmd_deep_stat(a);
        if (!strcmp(cmd, "wide-dir") && n == 2) return cmd_wide_dir(a);
        if (!strcmp(cmd, "keys-add") && n == 1) return cmd_keys_add(a);
        if (!strcmp(cmd, "keys-find") && n == 1) return cmd_keys_find(a);
        if (!strcmp(cmd, "keys-session") && n >= 1) return cmd_keys_session(a);
        if (!strcmp(cmd, "make-modes") && n == 1) return cmd_make_modes(a);
        if (!strcmp(cmd, "escapes") && n == 0) return cmd_escapes();
        if (!strcmp(cmd, "nopdeath") && n == 2) {
                printf("clear pdeathsig: %s\n", prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) == 0 ? "ok" : errname(errno));
                fflush(stdout);
                struct timespec ts = { .tv_sec = atoi(a[0]) };
                nanosleep(&ts, NULL);
                return 0;
        }
        if (!strcmp(cmd, "alive") && n == 1) return cmd_alive(a);
        if (!strcmp(cmd, "burn") && n == 1) return cmd_burn(a);
        if (!strcmp(cmd, "alloc") && n == 1) return cmd_alloc(a);
        if (!strcmp(cmd, "forks") && n == 2) return cmd_forks(a);
        if (!strcmp(cmd, "as-user") && n >= 3) return cmd_as_user(a);
        if (!strcmp(cmd, "elf-static") && n == 1) return cmd_elf_static(a);
        if (!strcmp(cmd, "landlock-abi") && n == 0) return cmd_landlock_abi();
        if (!strcmp(cmd, "landlock-nest") && n >= 2) return cmd_landlock_nest(a);
        if (!strcmp(cmd, "signal") && n == 2) return cmd_signal(a);
        if (!strcmp(cmd, "harm") && n == 2) return cmd_harm(a);
        if (!strcmp(cmd, "traced-exit") && n == 1) return cmd_traced_exit(a);
        if (!strcmp(cmd, "fill-files") && n == 1) return cmd_fill_files(a);
        if (!strcmp(cmd, "harm-nofile") && n == 1) {
                struct rlimit none = { 0, 0 };
                int r = prlimit((pid_t) atoi(a[0]), RLIMIT_NOFILE, &none, NULL);
                printf("%s\n", r < 0 ? errname(errno) : "ok");
                return r < 0;
        }
        if (!strcmp(cmd, "no-landlock") && n >= 1) return cmd_no_landlock(a, false);
        if (!strcmp(cmd, "no-landlock-restrict") && n >= 1) return cmd_no_landlock(a, true);
        if (!strcmp(cmd, "ptrace") && n == 1) return cmd_ptrace(a);
        if (!strcmp(cmd, "seccomp-mode") && n == 0) {
                int mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
                return (mode < 0 ? printf("%s\n", errname(errno)) : printf("%d\n", mode)) < 0;
        }
        usage();
}
