/* nsb-scmp - check system-call numbers by name against libseccomp's tables.
 *
 * Reads "AUDIT_ARCH NR NAME" lines (test-seccomp --table: the numbers the
 * filter is held to, on whatever architecture it was built for) and
 * prints TAP: per architecture, whether every number is the one
 * libseccomp gives that name there, listing the names libseccomp does not
 * know (calls newer than it).  A test tool: nsbuild never links
 * libseccomp. */
#include "config.h"

#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct arch {
        uint32_t audit;
        unsigned checked, wrong;
        char unknown[512];
        char mismatches[1024];
};

static const char *arch_name(uint32_t a)
{
        switch (a) {
        case SCMP_ARCH_X86_64: return "x86_64";
        case SCMP_ARCH_X32: return "x32";
        case SCMP_ARCH_X86: return "i386";
        case SCMP_ARCH_AARCH64: return "aarch64";
        case SCMP_ARCH_ARM: return "arm";
        case SCMP_ARCH_PPC64LE: return "ppc64le";
        case SCMP_ARCH_PPC64: return "ppc64";
        case SCMP_ARCH_S390X: return "s390x";
#ifdef SCMP_ARCH_RISCV64
        case SCMP_ARCH_RISCV64: return "riscv64";
#endif
        default: return NULL;
        }
}

int main(void)
{
        struct arch archs[8];
        size_t n_archs = 0;
        char line[256];
        int bad_lines = 0, n = 0, failed = 0;
        while (fgets(line, sizeof(line), stdin)) {
                unsigned audit, nr;
                char name[64];
                if (sscanf(line, "%x %u %63s", &audit, &nr, name) != 3) {
                        bad_lines++;
                        continue;
                }
                struct arch *a = NULL;
                for (size_t i = 0; i < n_archs; i++)
                        if (archs[i].audit == audit)
                                a = &archs[i];
                if (!a) {
                        if (n_archs == sizeof(archs) / sizeof(archs[0])) {
                                bad_lines++;
                                continue;
                        }
                        a = &archs[n_archs++];
                        memset(a, 0, sizeof(*a));
                        a->audit = audit;
                }
                int want = arch_name(audit) ? seccomp_syscall_resolve_name_arch(audit, name) : __NR_SCMP_ERROR;
                if (want == __NR_SCMP_ERROR || want < 0) {
                        size_t len = strlen(a->unknown);
                        snprintf(a->unknown + len, sizeof(a->unknown) - len, "%s%s", len ? ", " : "", name);
                        continue;
                }
                a->checked++;
                if ((unsigned) want != nr) {
                        a->wrong++;
                        size_t len = strlen(a->mismatches);
                        snprintf(a->mismatches + len, sizeof(a->mismatches) - len, "%s%s %u (libseccomp: %d)",
                                 len ? ", " : "", name, nr, want);
                }
        }
        for (size_t i = 0; i < n_archs; i++) {
                struct arch *a = &archs[i];
                const char *name = arch_name(a->audit);
                n++;
                if (!name) {
                        printf("not ok %d - audit arch %#x: libseccomp does not know it\n", n, a->audit);
                        failed++;
                        continue;
                }
                bool ok = a->wrong == 0 && a->checked > 0;
                printf("%s %d - %s: the filter's numbers for %u calls are libseccomp's", ok ? "ok" : "not ok", n, name,
                       a->checked);
                if (a->unknown[0])
                        printf(" (not in libseccomp %u.%u.%u: %s)", seccomp_version()->major, seccomp_version()->minor,
                               seccomp_version()->micro, a->unknown);
                printf("\n");
                if (!ok) {
                        printf("# %s\n", a->mismatches[0] ? a->mismatches : "no call checked");
                        failed++;
                }
        }
        if (bad_lines) {
                printf("not ok %d - every input line is AUDIT_ARCH NR NAME (%d are not)\n", ++n, bad_lines);
                failed++;
        }
        printf("1..%d\n", n);
        return failed != 0;
}
