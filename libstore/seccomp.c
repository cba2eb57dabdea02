/* seccomp.c - the builder's system-call filter, as in Nix.
 *
 * Everything is allowed except what would put into a store path something
 * a store cannot represent or must not hold:
 *   - chmod, fchmod, fchmodat, fchmodat2 with S_ISUID or S_ISGID in the
 *     mode fail with EPERM (CVE-2024-38531 set setuid bits via fchmodat2);
 *   - the extended-attribute calls fail with ENOTSUP (xattrs and ACLs are
 *     not part of a NAR).
 * On x86_64 the i386 and x32 system calls are filtered too, so a 32-bit
 * builder cannot go around the filter.
 *
 * The filter is compiled once per process, in the parent, into plain BPF:
 * the child only has to hand it to the kernel, without allocating. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static struct sock_fprog main_filter;
static int filter_error;
static pthread_once_t filter_once = PTHREAD_ONCE_INIT;

/* The *xattrat calls (Linux 6.13: setxattrat 463, getxattrat 464,
 * listxattrat 465, removexattrat 466) have one number on every
 * architecture below, and libseccomp releases older than the kernel do not
 * know them, so they get a small filter of their own. */
#define XATTRAT_FIRST 463
#define XATTRAT_LAST 466
#define X32_SYSCALL_BIT 0x40000000u

static struct sock_filter xattrat_insns[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_AARCH64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~X32_SYSCALL_BIT),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, XATTRAT_FIRST, 0, 2),
        BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, XATTRAT_LAST, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOTSUP & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};
static const struct sock_fprog xattrat_filter = {
        .len = (unsigned short) ELEMENTSOF(xattrat_insns),
        .filter = xattrat_insns,
};

static int add_rules(scmp_filter_ctx ctx)
{
        static const char *const xattr_calls[] = {
                "getxattr", "lgetxattr", "fgetxattr", "setxattr", "lsetxattr", "fsetxattr",
                "listxattr", "llistxattr", "flistxattr", "removexattr", "lremovexattr", "fremovexattr",
        };
        static const struct {
                const char *name;
                unsigned mode_arg;
        } chmod_calls[] = {
                { "chmod", 1 },
                { "fchmod", 1 },
                { "fchmodat", 2 },
                { "fchmodat2", 2 },
        };
        int r;
        for (size_t i = 0; i < ELEMENTSOF(chmod_calls); i++) {
                int nr = seccomp_syscall_resolve_name(chmod_calls[i].name);
                if (nr == __NR_SCMP_ERROR)
                        continue; /* fchmodat2 in a libseccomp older than it */
                for (unsigned bit = 0; bit < 2; bit++) {
                        mode_t m = bit ? S_ISGID : S_ISUID;
                        r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
                                             SCMP_CMP(chmod_calls[i].mode_arg, SCMP_CMP_MASKED_EQ, m, m));
                        if (r < 0)
                                return r;
                }
        }
        for (size_t i = 0; i < ELEMENTSOF(xattr_calls); i++) {
                int nr = seccomp_syscall_resolve_name(xattr_calls[i]);
                if (nr == __NR_SCMP_ERROR)
                        continue;
                r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOTSUP), nr, 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* libseccomp writes the BPF to an fd; read it back into memory we keep. */
static int export_bpf(scmp_filter_ctx ctx, struct sock_fprog *ret)
{
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        /* A filter of this size fits a pipe's buffer many times over. */
        int r = seccomp_export_bpf(ctx, pipefd[1]);
        close(pipefd[1]);
        if (r < 0) {
                close(pipefd[0]);
                return r;
        }
        size_t cap = 4096, len = 0;
        char *buf = malloc(cap);
        for (;;) {
                if (!buf) {
                        close(pipefd[0]);
                        return -ENOMEM;
                }
                ssize_t n = read(pipefd[0], buf + len, cap - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        free(buf);
                        close(pipefd[0]);
                        return r;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
                if (len == cap) {
                        char *bigger = realloc(buf, cap * 2);
                        if (!bigger)
                                free(buf);
                        buf = bigger;
                        cap *= 2;
                }
        }
        close(pipefd[0]);
        if (len == 0 || len % sizeof(struct sock_filter) != 0) {
                free(buf);
                return -EPROTO;
        }
        ret->len = (unsigned short) (len / sizeof(struct sock_filter));
        ret->filter = (struct sock_filter *) buf;
        return 0;
}

static void build_filter(void)
{
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx) {
                filter_error = -ENOMEM;
                return;
        }
        int r = 0;
        /* Let this filter's own checks handle every architecture we add;
         * calls of others are not ours to refuse. */
        if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
                if ((r = seccomp_arch_add(ctx, SCMP_ARCH_X86)) < 0 && r != -EEXIST)
                        goto out;
                if ((r = seccomp_arch_add(ctx, SCMP_ARCH_X32)) < 0 && r != -EEXIST)
                        goto out;
        }
        /* no_new_privs is set by the child itself, before the filter. */
        if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0)
                goto out;
        if ((r = add_rules(ctx)) < 0)
                goto out;
        r = export_bpf(ctx, &main_filter);
out:
        filter_error = r < 0 ? r : 0;
        seccomp_release(ctx);
}

/* The cache lives as long as the library; give it back when it is
 * unloaded, so leak checkers see nothing. */
__attribute__((destructor)) static void free_filter(void)
{
        free(main_filter.filter);
        main_filter.filter = NULL;
}

int nsb_seccomp_prepare(void)
{
        (void) pthread_once(&filter_once, build_filter);
        return filter_error;
}

int nsb_seccomp_install(void)
{
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &main_filter, 0, 0) < 0)
                return -errno;
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &xattrat_filter, 0, 0) < 0)
                return -errno;
        return 0;
}
