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

# NSB_WITH_CRYPTO: the SHA-256 that checks fixed-output derivations.
# --with-crypto=auto|nettle|openssl|no; auto prefers nettle (smaller), then
# OpenSSL's libcrypto.  Without one, nsbuild still builds every derivation
# but refuses fixed-output ones, saying why.  Sets nsb_crypto and
# CRYPTO_LIBS, defines NSB_CRYPTO_NETTLE or NSB_CRYPTO_OPENSSL.
AC_DEFUN([NSB_WITH_CRYPTO], [
  AC_ARG_WITH([crypto],
    [AS_HELP_STRING([--with-crypto=auto|nettle|openssl|no],
                    [SHA-256 library for fixed-output derivations (default: auto)])],
    [], [with_crypto=auto])
  AS_CASE([$with_crypto], [auto|nettle|openssl|no], [],
          [AC_MSG_ERROR([--with-crypto takes auto, nettle, openssl or no, not '$with_crypto'])])
  nsb_crypto=none
  CRYPTO_LIBS=
  AS_IF([test "x$with_crypto" = xauto || test "x$with_crypto" = xnettle], [
    AC_CHECK_HEADER([nettle/sha2.h], [
      AC_CHECK_LIB([nettle], [nettle_sha256_init], [nsb_crypto=nettle; CRYPTO_LIBS=-lnettle])
    ])
    AS_IF([test "x$with_crypto" = xnettle && test "x$nsb_crypto" != xnettle],
      [AC_MSG_ERROR([--with-crypto=nettle given but nettle was not found; on Debian and Ubuntu install it with: apt-get install nettle-dev])])
  ])
  AS_IF([test "x$nsb_crypto" = xnone && (test "x$with_crypto" = xauto || test "x$with_crypto" = xopenssl)], [
    AC_CHECK_HEADER([openssl/evp.h], [
      AC_CHECK_LIB([crypto], [EVP_DigestInit_ex], [nsb_crypto=openssl; CRYPTO_LIBS=-lcrypto])
    ])
    AS_IF([test "x$with_crypto" = xopenssl && test "x$nsb_crypto" != xopenssl],
      [AC_MSG_ERROR([--with-crypto=openssl given but libcrypto was not found; on Debian and Ubuntu install it with: apt-get install libssl-dev])])
  ])
  AS_CASE([$nsb_crypto],
    [nettle], [AC_DEFINE([NSB_CRYPTO_NETTLE], [1], [Define to 1 to hash with nettle.])],
    [openssl], [AC_DEFINE([NSB_CRYPTO_OPENSSL], [1], [Define to 1 to hash with OpenSSL's libcrypto.])])
  AC_SUBST([CRYPTO_LIBS])
])
