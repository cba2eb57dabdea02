# NSB_SUMMARY
# -----------
# A readable account of what configure found and which sandbox tiers this
# build contains.  Keep the "tiers:" line stable: CI greps it.
AC_DEFUN([NSB_SUMMARY], [
  nsb_tiers=
  test "x$nsb_tier_full" = xyes && nsb_tiers="full"
  test "x$nsb_tier_chroot" = xyes && nsb_tiers="${nsb_tiers:+$nsb_tiers, }chroot"
  nsb_tiers="${nsb_tiers:+$nsb_tiers, }off"
  nsb_yn() { eval "nsb_v=\$$[1]"; test "x$nsb_v" = xyes && echo yes || echo no; }
  cat <<NSB_EOF

nsbuild $PACKAGE_VERSION configuration
  compiler:            $CC $CFLAGS
  prefix:              $prefix

  headers:    sched.h $ac_cv_header_sched_h, sys/mount.h $ac_cv_header_sys_mount_h, sys/personality.h $ac_cv_header_sys_personality_h,
              sys/prctl.h $ac_cv_header_sys_prctl_h, sys/ioctl.h $ac_cv_header_sys_ioctl_h, net/if.h $ac_cv_header_net_if_h,
              linux/seccomp.h $ac_cv_header_linux_seccomp_h
  functions:  unshare $ac_cv_func_unshare, chroot $ac_cv_func_chroot, pivot_root $nsb_have_pivot_root, mount $ac_cv_func_mount,
              umount2 $ac_cv_func_umount2, setns $ac_cv_func_setns, personality $ac_cv_func_personality,
              close_range $ac_cv_func_close_range, sethostname $ac_cv_func_sethostname, setdomainname $ac_cv_func_setdomainname
  namespaces: CLONE_NEWNS $ac_cv_have_decl_CLONE_NEWNS, CLONE_NEWNET $ac_cv_have_decl_CLONE_NEWNET, CLONE_NEWIPC $ac_cv_have_decl_CLONE_NEWIPC,
              CLONE_NEWUTS $ac_cv_have_decl_CLONE_NEWUTS, CLONE_NEWPID $ac_cv_have_decl_CLONE_NEWPID, CLONE_NEWUSER $ac_cv_have_decl_CLONE_NEWUSER
  mount:      MS_BIND $ac_cv_have_decl_MS_BIND, MS_REC $ac_cv_have_decl_MS_REC, MS_PRIVATE $ac_cv_have_decl_MS_PRIVATE,
              MS_RDONLY $ac_cv_have_decl_MS_RDONLY, MS_REMOUNT $ac_cv_have_decl_MS_REMOUNT, MNT_DETACH $ac_cv_have_decl_MNT_DETACH
  network:    SIOCSIFFLAGS $ac_cv_have_decl_SIOCSIFFLAGS, IFF_UP $ac_cv_have_decl_IFF_UP
  prctl:      PR_SET_NO_NEW_PRIVS $ac_cv_have_decl_PR_SET_NO_NEW_PRIVS
  seccomp:    filter for $nsb_cv_seccomp_arch (--enable-seccomp=$enable_seccomp)
  landlock:   $nsb_have_landlock (--enable-landlock=$enable_landlock)
  libraries:  sha256 $nsb_crypto (--with-crypto=$with_crypto), libcap $nsb_have_libcap (--with-libcap=$with_libcap), json-c $nsb_have_jsonc (--with-jsonc=$with_jsonc)
  namespaces enabled:  $enable_namespaces

  capabilities: MOUNT_NS $(nsb_yn nsb_cap_mount_ns), NET_NS $(nsb_yn nsb_cap_net_ns), IPC_NS $(nsb_yn nsb_cap_ipc_ns), UTS_NS $(nsb_yn nsb_cap_uts_ns),
                PID_NS $(nsb_yn nsb_cap_pid_ns), USER_NS $(nsb_yn nsb_cap_user_ns), CHROOT $(nsb_yn nsb_cap_chroot), SECCOMP $(nsb_yn nsb_cap_seccomp),
                LANDLOCK $(nsb_yn nsb_cap_landlock)
  tiers: $nsb_tiers
NSB_EOF
])
