/* nsb-nokernel - run a command as if on a kernel, or in a container, that
 * lacks namespaces: a seccomp filter makes clone() and unshare() with
 * the chosen namespace flags fail with the chosen errno.
 *
 *   nsb-nokernel no-netns -- COMMAND...      CLONE_NEWNET fails with EINVAL
 *                                            (a kernel without CONFIG_NET_NS)
 *   nsb-nokernel no-pid-netns -- COMMAND...  CLONE_NEWPID and CLONE_NEWNET fail
 *                                            with EINVAL
 *   nsb-nokernel locked-down -- COMMAND...   every namespace flag fails with
 *                                            EPERM (a locked-down container)
 *   nsb-nokernel no-seccomp -- COMMAND...    seccomp() and prctl(PR_SET_SECCOMP)
 *                                            fail with EINVAL, as on a kernel
 *                                            without CONFIG_SECCOMP (but
 *                                            /proc/self/status says Seccomp: 2)
 *   nsb-nokernel old-mount-api -- COMMAND... open_tree, move_mount,
 *                                            mount_setattr and the fs*
 *                                            calls fail with ENOSYS (a
 *                                            kernel before Linux 5.2)
 *   nsb-nokernel netns-limit -- COMMAND...   run (as root) in a child user
 *                                            namespace mapping uids and gids
 *                                            0-65535 whose
 *                                            user.max_net_namespaces is 0:
 *                                            CLONE_NEWNET fails with ENOSPC
 *   nsb-nokernel userns-limit -- COMMAND...  the same with
 *                                            user.max_user_namespaces 0, and
 *                                            the command run as uid and gid
 *                                            1000 there: an ordinary user for
 *                                            whom CLONE_NEWUSER fails with
 *                                            ENOSPC
 *
 * clone3() fails with ENOSYS, as container runtimes do, since its flags
 * are behind a pointer a filter cannot read; callers fall back to clone(). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

/* The filters below read clone's flags as its first argument's low word
 * at the start of args[0]: true of the little-endian architectures
 * listed; s390x (flags second, big-endian) and the others are not
 * simulated (exit 77, which the tests report as a skip). */
#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define NATIVE_ARCH AUDIT_ARCH_I386
#elif defined(__arm__) && defined(__ARMEL__)
#define NATIVE_ARCH AUDIT_ARCH_ARM
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
#define NATIVE_ARCH AUDIT_ARCH_PPC64LE
#elif defined(__riscv) && __riscv_xlen == 64
#define NATIVE_ARCH AUDIT_ARCH_RISCV64
#endif

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

#ifdef NATIVE_ARCH
static int write_file(const char *path, const char *s)
{
        FILE *f = fopen(path, "we");
        if (!f)
                return -1;
        int r = fputs(s, f) < 0 ? -1 : 0;
        if (fclose(f) != 0)
                r = -1;
        return r;
}

/* A child user namespace with the namespace limit SYSCTL 0.  The child
 * unshares; we, still root outside, write its maps (as newuidmap would);
 * it sets the limit inside and runs the command, as uid and gid AS_ID
 * there unless that is 0. */
static int ns_limit(const char *sysctl, uid_t as_id, char **cmd)
{
        int to_parent[2], to_child[2];
        if (pipe(to_parent) < 0 || pipe(to_child) < 0)
                return perror("pipe"), 77;
        pid_t pid = fork();
        if (pid < 0)
                return perror("fork"), 77;
        char c = 0;
        if (pid == 0) {
                if (unshare(CLONE_NEWUSER) < 0) {
                        perror("nsb-nokernel: unshare(CLONE_NEWUSER)");
                        _exit(77);
                }
                if (write(to_parent[1], "u", 1) != 1 || read(to_child[0], &c, 1) != 1 || c != 'm')
                        _exit(77);
                if (write_file(sysctl, "0\n") < 0) {
                        perror(sysctl);
                        _exit(77);
                }
                if (as_id && (setgroups(0, NULL) < 0 || setresgid(as_id, as_id, as_id) < 0 ||
                              setresuid(as_id, as_id, as_id) < 0)) {
                        perror("nsb-nokernel: setresuid");
                        _exit(77);
                }
                execvp(cmd[0], cmd);
                perror("nsb-nokernel: exec");
                _exit(127);
        }
        if (read(to_parent[0], &c, 1) != 1)
                return 77;
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/uid_map", (int) pid);
        if (write_file(path, "0 0 65536\n") < 0)
                return perror("nsb-nokernel: uid_map"), 77;
        snprintf(path, sizeof(path), "/proc/%d/gid_map", (int) pid);
        if (write_file(path, "0 0 65536\n") < 0)
                return perror("nsb-nokernel: gid_map"), 77;
        if (write(to_child[1], "m", 1) != 1)
                return 77;
        int st;
        if (waitpid(pid, &st, 0) < 0)
                return 77;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Install the filter INSNS and exec CMD under it. */
static int exec_filtered(struct sock_filter *insns, unsigned short n, char **cmd)
{
        struct sock_fprog prog = { .len = n, .filter = insns };
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
                perror("nsb-nokernel: seccomp");
                return 77;
        }
        execvp(cmd[0], cmd);
        perror("nsb-nokernel: exec");
        return 127;
}

/* The new mount API (Linux 5.2, mount_setattr 5.12) refused with ENOSYS. */
static int old_mount_api(char **cmd)
{
#if defined(__NR_open_tree) && defined(__NR_move_mount) && defined(__NR_mount_setattr)
        struct sock_filter insns[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                /* open_tree 428 ... fspick 433 are one range on every
                 * architecture with the unified numbers; mount_setattr is
                 * 442. */
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mount_setattr, 2, 0),
                BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, __NR_open_tree, 0, 2),
                BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, __NR_open_tree + 5, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        return exec_filtered(insns, sizeof(insns) / sizeof(insns[0]), cmd);
#else
        (void) cmd;
        fprintf(stderr, "nsb-nokernel: these headers do not number the new mount API\n");
        return 77;
#endif
}

/* seccomp() and prctl(PR_SET_SECCOMP) refused with EINVAL. */
static int no_seccomp(char **cmd)
{
#ifdef __NR_seccomp
        struct sock_filter insns[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_seccomp, 3, 0),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_prctl, 0, 3),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_SECCOMP, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        return exec_filtered(insns, sizeof(insns) / sizeof(insns[0]), cmd);
#else
        (void) cmd;
        fprintf(stderr, "nsb-nokernel: these headers do not number seccomp()\n");
        return 77;
#endif
}
#endif

int main(int argc, char **argv)
{
#ifndef NATIVE_ARCH
        fprintf(stderr, "nsb-nokernel: unsupported architecture\n");
        return 77;
#else
        if (argc < 4 || strcmp(argv[2], "--") != 0) {
                fprintf(stderr, "usage: nsb-nokernel no-netns|no-pid-netns|locked-down|no-seccomp|old-mount-api|netns-limit|userns-limit -- COMMAND...\n");
                return 64;
        }
        unsigned flags;
        unsigned err;
        if (strcmp(argv[1], "netns-limit") == 0)
                return ns_limit("/proc/sys/user/max_net_namespaces", 0, argv + 3);
        if (strcmp(argv[1], "userns-limit") == 0)
                return ns_limit("/proc/sys/user/max_user_namespaces", 1000, argv + 3);
        if (strcmp(argv[1], "old-mount-api") == 0)
                return old_mount_api(argv + 3);
        if (strcmp(argv[1], "no-seccomp") == 0)
                return no_seccomp(argv + 3);
        if (strcmp(argv[1], "no-netns") == 0) {
                flags = CLONE_NEWNET;
                err = EINVAL;
        } else if (strcmp(argv[1], "no-pid-netns") == 0) {
                flags = CLONE_NEWNET | CLONE_NEWPID;
                err = EINVAL;
        } else if (strcmp(argv[1], "locked-down") == 0) {
                flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWUSER |
                        CLONE_NEWCGROUP;
                err = EPERM;
        } else {
                fprintf(stderr, "nsb-nokernel: unknown mode %s\n", argv[1]);
                return 64;
        }
        /* On x86_64 and aarch64 clone's flags are its first argument. */
        struct sock_filter insns[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 1, 0),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 0, 3),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
                BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, flags, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA)),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        return exec_filtered(insns, sizeof(insns) / sizeof(insns[0]), argv + 3);
#endif
}
