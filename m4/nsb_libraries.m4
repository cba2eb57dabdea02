# NSB_WITH_LIBRARY(NAME, HEADER, LIB, FUNCTION, DEBIAN-PACKAGE, WHAT-FOR)
# -----------------------------------------------------------------------
# --with-NAME=auto|yes|no (default auto).  auto uses the library when its
# header and library link; yes fails configure, naming the Debian package,
# when they do not; no never uses it.  Sets nsb_have_NAME=yes|no, defines
# HAVE_NAME and substitutes NAME_LIBS.
AC_DEFUN([NSB_WITH_LIBRARY], [
  AC_ARG_WITH([$1],
    [AS_HELP_STRING([--with-$1=auto|yes|no], [use $1 $6 (default: auto)])],
    [], [with_$1=auto])
  AS_CASE([$with_$1], [auto|yes|no], [],
          [AC_MSG_ERROR([--with-$1 takes auto, yes or no, not '$with_$1'])])
  nsb_have_$1=no
  $1_LIBS=
  AS_IF([test "x$with_$1" != xno], [
    AC_CHECK_HEADER([$2], [
      AC_CHECK_LIB([$3], [$4], [nsb_have_$1=yes; $1_LIBS=-l$3])
    ])
    AS_IF([test "x$with_$1" = xyes && test "x$nsb_have_$1" != xyes],
      [AC_MSG_ERROR([--with-$1=yes given but $1 was not found (header $2, function $4 in -l$3); on Debian and Ubuntu install it with: apt-get install $5])])
  ])
  AS_IF([test "x$nsb_have_$1" = xyes],
        [AC_DEFINE([HAVE_]m4_toupper([$1]), [1], [Define to 1 to use $1 $6.])])
  AC_SUBST([$1_LIBS])
])

# NSB_WITH_LIBCAP: capabilities and the bounding set are dropped with libcap.
AC_DEFUN([NSB_WITH_LIBCAP],
  [NSB_WITH_LIBRARY([libcap], [sys/capability.h], [cap], [cap_drop_bound],
                    [libcap-dev], [to drop capabilities])])

# NSB_WITH_LIBSECCOMP: the builder's system-call filter.
AC_DEFUN([NSB_WITH_LIBSECCOMP],
  [NSB_WITH_LIBRARY([libseccomp], [seccomp.h], [seccomp], [seccomp_init],
                    [libseccomp-dev], [for the builder's system-call filter])])
