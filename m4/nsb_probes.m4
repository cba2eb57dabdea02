# Probes of what the headers and the C library offer.  Each is a real
# compile or link test whose answer lands in config.h and is cached in the
# standard autoconf cache variable, so a packager or a test can simulate a
# system without the feature:
#   ./configure ac_cv_func_unshare=no ac_cv_have_decl_CLONE_NEWNET=no

# NSB_PROBE_HEADERS
AC_DEFUN([NSB_PROBE_HEADERS], [
  AC_CHECK_HEADERS([sched.h sys/mount.h sys/personality.h sys/prctl.h \
                    sys/ioctl.h net/if.h sys/capability.h seccomp.h \
                    sys/syscall.h linux/close_range.h])
])

# NSB_PROBE_FUNCTIONS
# pivot_root, close_range, pidfd_open and the new mount API have no wrapper in
# older C libraries; where the syscall number is known, compat/ supplies one.
AC_DEFUN([NSB_PROBE_FUNCTIONS], [
  AC_CHECK_FUNCS([unshare chroot mount umount2 setns personality \
                  sethostname setdomainname])
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
