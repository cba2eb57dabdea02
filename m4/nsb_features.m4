# NSB_SANDBOX_FEATURES
# --------------------
# The one place where the individual probes become sandbox capabilities.
# Each capability lands in config.h as NSB_HAVE_<CAP> (1 or 0, never
# undefined, so `#if NSB_HAVE_NET_NS' is checked by -Wundef) and the
# sandbox tiers become Automake conditionals that choose source files.
#
#   MOUNT_NS  unshare + sys/mount.h + mount/umount2 + pivot_root + MS_BIND +
#             MS_REC + MS_PRIVATE + MS_RDONLY + MS_REMOUNT + MNT_DETACH +
#             CLONE_NEWNS (Nix's original CHROOT_ENABLED, plus pivot_root)
#   NET_NS    MOUNT_NS + CLONE_NEWNET + SIOCSIFFLAGS + IFF_UP + net/if.h
#   IPC_NS    MOUNT_NS + CLONE_NEWIPC
#   UTS_NS    MOUNT_NS + CLONE_NEWUTS + sethostname + setdomainname
#   PID_NS    MOUNT_NS + CLONE_NEWPID
#   USER_NS   MOUNT_NS + CLONE_NEWUSER
#   CHROOT    chroot
#   SECCOMP   linux/seccomp.h, linux/filter.h, linux/audit.h + a known
#             architecture (libstore/seccomp-arch.h) + PR_SET_NO_NEW_PRIVS
#   LANDLOCK  SYS_landlock_create_ruleset + SYS_landlock_restrict_self +
#             PR_SET_NO_NEW_PRIVS (a domain of the builder's own; its
#             scopes where the kernel has them)
#
# Tiers: "full" needs all of MOUNT/NET/IPC/UTS/PID_NS (a sandbox that lacks
# one of them would claim isolation it does not deliver); "chroot" needs
# CHROOT; "off" is always there.  --disable-namespaces drops the full tier
# even where everything is available.
AC_DEFUN([NSB_SANDBOX_FEATURES], [
  AC_ARG_ENABLE([namespaces],
    [AS_HELP_STRING([--disable-namespaces],
                    [build only the plain chroot fallback sandbox])],
    [], [enable_namespaces=yes])

  # nsb_all VAR WORD... : VAR=yes when every WORD is "yes".
  nsb_all() {
    nsb_var=$[1]; shift; nsb_val=yes
    for nsb_w; do test "x$nsb_w" = xyes || nsb_val=no; done
    eval "$nsb_var=\$nsb_val"
  }

  nsb_all nsb_cap_mount_ns "$enable_namespaces" \
    "$ac_cv_func_unshare" "$ac_cv_header_sys_mount_h" "$ac_cv_header_sched_h" \
    "$ac_cv_func_mount" "$ac_cv_func_umount2" "$nsb_have_pivot_root" \
    "$ac_cv_have_decl_MS_BIND" "$ac_cv_have_decl_MS_REC" \
    "$ac_cv_have_decl_MS_PRIVATE" "$ac_cv_have_decl_MS_RDONLY" \
    "$ac_cv_have_decl_MS_REMOUNT" "$ac_cv_have_decl_MNT_DETACH" \
    "$ac_cv_have_decl_CLONE_NEWNS"
  nsb_all nsb_cap_net_ns "$nsb_cap_mount_ns" "$ac_cv_have_decl_CLONE_NEWNET" \
    "$ac_cv_have_decl_SIOCSIFFLAGS" "$ac_cv_have_decl_IFF_UP" \
    "$ac_cv_header_net_if_h" "$ac_cv_header_sys_ioctl_h"
  nsb_all nsb_cap_ipc_ns "$nsb_cap_mount_ns" "$ac_cv_have_decl_CLONE_NEWIPC"
  nsb_all nsb_cap_uts_ns "$nsb_cap_mount_ns" "$ac_cv_have_decl_CLONE_NEWUTS" \
    "$ac_cv_func_sethostname" "$ac_cv_func_setdomainname"
  nsb_all nsb_cap_pid_ns "$nsb_cap_mount_ns" "$ac_cv_have_decl_CLONE_NEWPID"
  nsb_all nsb_cap_user_ns "$nsb_cap_mount_ns" "$ac_cv_have_decl_CLONE_NEWUSER"
  nsb_all nsb_cap_chroot "$ac_cv_func_chroot"
  nsb_all nsb_cap_seccomp "$nsb_have_seccomp_filter" \
    "$ac_cv_have_decl_PR_SET_NO_NEW_PRIVS"
  nsb_all nsb_cap_landlock "$nsb_have_landlock" \
    "$ac_cv_have_decl_PR_SET_NO_NEW_PRIVS"
  nsb_all nsb_tier_full "$nsb_cap_mount_ns" "$nsb_cap_net_ns" \
    "$nsb_cap_ipc_ns" "$nsb_cap_uts_ns" "$nsb_cap_pid_ns"
  nsb_tier_chroot=$nsb_cap_chroot

  m4_foreach_w([nsb_cap], [MOUNT_NS NET_NS IPC_NS UTS_NS PID_NS USER_NS CHROOT SECCOMP LANDLOCK], [
    AS_IF([test "x$nsb_cap_[]m4_tolower(nsb_cap)" = xyes],
          [AC_DEFINE([NSB_HAVE_]nsb_cap, [1])],
          [AC_DEFINE([NSB_HAVE_]nsb_cap, [0])])
    AH_TEMPLATE([NSB_HAVE_]nsb_cap, [1 when the ]nsb_cap[ capability is compiled in, else 0.])
  ])
  AS_IF([test "x$nsb_tier_full" = xyes],
        [AC_DEFINE([NSB_TIER_FULL], [1])], [AC_DEFINE([NSB_TIER_FULL], [0])])
  AS_IF([test "x$nsb_tier_chroot" = xyes],
        [AC_DEFINE([NSB_TIER_CHROOT], [1])], [AC_DEFINE([NSB_TIER_CHROOT], [0])])
  AH_TEMPLATE([NSB_TIER_FULL], [1 when the full namespace sandbox is compiled in.])
  AH_TEMPLATE([NSB_TIER_CHROOT], [1 when the plain chroot sandbox is compiled in.])
  AM_CONDITIONAL([NSB_TIER_FULL], [test "x$nsb_tier_full" = xyes])
  AM_CONDITIONAL([NSB_TIER_CHROOT], [test "x$nsb_tier_chroot" = xyes])
  AM_CONDITIONAL([NSB_HAVE_SECCOMP], [test "x$nsb_cap_seccomp" = xyes])
])
