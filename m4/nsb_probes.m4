# Probes of what the headers and the C library offer.  Each is a real
# compile or link test whose answer lands in config.h and is cached in the
# standard autoconf cache variable, so a packager or a test can simulate a
# system without the feature:
#   ./configure ac_cv_func_unshare=no ac_cv_have_decl_CLONE_NEWNET=no

# NSB_PROBE_HEADERS
AC_DEFUN([NSB_PROBE_HEADERS], [
  AC_CHECK_HEADERS([sched.h sys/mount.h sys/personality.h sys/prctl.h \
                    sys/ioctl.h net/if.h \
                    sys/syscall.h linux/close_range.h linux/keyctl.h])
])

# NSB_PROBE_FUNCTIONS
# pivot_root, close_range, pidfd_open and the new mount API have no wrapper in
# older C libraries; where the syscall number is known, compat/ supplies one.
AC_DEFUN([NSB_PROBE_FUNCTIONS], [
  AC_CHECK_FUNCS([unshare chroot mount umount2 setns personality \
                  sethostname setdomainname clone])
  AC_REPLACE_FUNCS([pivot_root close_range pidfd_open pidfd_send_signal \
                    open_tree move_mount mount_setattr])
  AC_CHECK_DECLS([SYS_pivot_root, SYS_close_range, SYS_pidfd_open,
                  SYS_open_tree, SYS_move_mount, SYS_mount_setattr], [], [],
                 [[#include <sys/syscall.h>]])
  # glibc exports pivot_root on some architectures without declaring it.
  AC_CHECK_DECLS([pivot_root], [], [], [[#include <unistd.h>
#include <sys/mount.h>]])
  AS_IF([test "x$ac_cv_func_pivot_root" = xyes ||
         test "x$ac_cv_have_decl_SYS_pivot_root" = xyes],
        [nsb_have_pivot_root=yes], [nsb_have_pivot_root=no])
])

# NSB_PROBE_DECLARATIONS
AC_DEFUN([NSB_PROBE_DECLARATIONS], [
  AC_CHECK_DECLS([CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS,
                  CLONE_NEWPID, CLONE_NEWUSER], [], [],
                 [[#include <sched.h>]])
  AC_CHECK_DECLS([MS_BIND, MS_REC, MS_PRIVATE, MS_RDONLY, MS_REMOUNT,
                  MNT_DETACH], [], [],
                 [[#include <sys/mount.h>]])
  AC_CHECK_DECLS([SIOCSIFFLAGS, IFF_UP], [], [],
                 [[#include <sys/ioctl.h>
#include <net/if.h>]])
  AC_CHECK_DECLS([PR_SET_NO_NEW_PRIVS], [], [],
                 [[#include <sys/prctl.h>]])
])

# NSB_SECCOMP_FILTER
# ------------------
# --disable-seccomp, else the builder's system-call filter is compiled in
# where the kernel headers declare seccomp and classic BPF and
# libstore/seccomp-arch.h knows the architecture's system-call ABIs (the
# filter is written in BPF by libstore/seccomp.c; it needs no library).
# Sets nsb_have_seccomp_filter=yes|no; nsb_cv_seccomp_arch names the ABIs.
AC_DEFUN([NSB_SECCOMP_FILTER], [
  AC_REQUIRE([AC_PROG_CPP])
  AC_ARG_ENABLE([seccomp],
    [AS_HELP_STRING([--disable-seccomp],
                    [build without the builder's system-call filter])],
    [], [enable_seccomp=yes])
  AC_CHECK_HEADERS([linux/seccomp.h linux/filter.h linux/audit.h])
  AC_CACHE_CHECK([which system-call ABIs the seccomp filter covers], [nsb_cv_seccomp_arch], [
    AC_LANG_CONFTEST([AC_LANG_SOURCE([[#include "$srcdir/libstore/seccomp-arch.h"
nsb_seccomp_abis NSB_SECCOMP_ARCH_NAME NSB_SECCOMP_ARCH_TESTED]])])
    nsb_cv_seccomp_arch=`(eval "$ac_cpp conftest.$ac_ext") 2>/dev/null |
      sed -n 's/^nsb_seccomp_abis "\(.*\)" 1$/\1/p; s/^nsb_seccomp_abis "\(.*\)" 0$/\1 (untested)/p'`
    rm -f conftest.$ac_ext
    test -n "$nsb_cv_seccomp_arch" || nsb_cv_seccomp_arch=unknown
  ])
  AC_DEFINE_UNQUOTED([NSB_SECCOMP_ABIS], ["$nsb_cv_seccomp_arch"],
    [The system-call ABIs the filter covers, "(untested)" where no kernel of
     the architecture has run its tests (nsbuild --version says so).])
  nsb_have_seccomp_filter=no
  AS_IF([test "x$enable_seccomp" = xyes && test "x$nsb_cv_seccomp_arch" != xunknown &&
         test "x$ac_cv_header_linux_seccomp_h" = xyes && test "x$ac_cv_header_linux_filter_h" = xyes &&
         test "x$ac_cv_header_linux_audit_h" = xyes],
        [nsb_have_seccomp_filter=yes])
])

# NSB_LANDLOCK
# ------------
# --disable-landlock, else the builder enters a Landlock domain of its own
# (libstore/landlock.c) where the C library names Landlock's system calls
# (glibc 2.34); the kernel's support is found at run time.  The constants
# of its ABI are nsbuild's own: older kernel headers lack the newer ones.
# Sets nsb_have_landlock=yes|no.
AC_DEFUN([NSB_LANDLOCK], [
  AC_ARG_ENABLE([landlock],
    [AS_HELP_STRING([--disable-landlock],
                    [build without confining builders with Landlock])],
    [], [enable_landlock=yes])
  AC_CHECK_DECLS([SYS_landlock_create_ruleset, SYS_landlock_restrict_self], [], [],
                 [[#include <sys/syscall.h>]])
  nsb_have_landlock=no
  AS_IF([test "x$enable_landlock" = xyes &&
         test "x$ac_cv_have_decl_SYS_landlock_create_ruleset" = xyes &&
         test "x$ac_cv_have_decl_SYS_landlock_restrict_self" = xyes],
        [nsb_have_landlock=yes])
])
