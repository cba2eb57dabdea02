# NSB_COMPILER_FLAGS
# ------------------
# Collect the warning flags this compiler accepts into NSB_CFLAGS.  Each flag
# is tried with -Werror so that a compiler which merely warns about an
# unknown option does not end up with it.  --enable-werror adds -Werror
# (CI builds with it).
AC_DEFUN([NSB_COMPILER_FLAGS], [
  AC_ARG_ENABLE([werror],
    [AS_HELP_STRING([--enable-werror], [treat compiler warnings as errors])],
    [], [enable_werror=no])
  NSB_CFLAGS=
  nsb_save_CFLAGS=$CFLAGS
  for nsb_flag in -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith \
                  -Wmissing-prototypes -Wstrict-prototypes -Wvla \
                  -Wimplicit-fallthrough -Wundef -Wno-unused-parameter \
                  -fno-strict-aliasing -fstack-protector-strong; do
    AC_MSG_CHECKING([whether $CC accepts $nsb_flag])
    CFLAGS="$nsb_save_CFLAGS -Werror $nsb_flag"
    AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
      [AC_MSG_RESULT([yes]); NSB_CFLAGS="$NSB_CFLAGS $nsb_flag"],
      [AC_MSG_RESULT([no])])
  done
  CFLAGS=$nsb_save_CFLAGS
  AS_IF([test "x$enable_werror" = xyes], [NSB_CFLAGS="$NSB_CFLAGS -Werror"])
  AC_SUBST([NSB_CFLAGS])
])

# NSB_LINKER_VERSION_SCRIPT
# -------------------------
# The exported ABI is the explicit list in libstore/libnsbuild.sym; every
# other symbol stays local.  Linkers without --version-script fall back to
# libtool's -export-symbols-regex, which exports the nsb_ prefix.
AC_DEFUN([NSB_LINKER_VERSION_SCRIPT], [
  AC_MSG_CHECKING([whether the linker accepts --version-script])
  nsb_save_LDFLAGS=$LDFLAGS
  printf '{ global: main; local: *; };\n' > conftest.map
  LDFLAGS="$LDFLAGS -Wl,--version-script=conftest.map"
  AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
    [nsb_version_script=yes], [nsb_version_script=no])
  LDFLAGS=$nsb_save_LDFLAGS
  rm -f conftest.map
  AC_MSG_RESULT([$nsb_version_script])
  AM_CONDITIONAL([HAVE_VERSION_SCRIPT], [test "x$nsb_version_script" = xyes])
])

# NSB_FUZZING
# -----------
# --enable-fuzzing builds tests/fuzz/fuzz-drv with libFuzzer (clang): the
# library is instrumented with -fsanitize=fuzzer-no-link and the target
# linked with -fsanitize=fuzzer.  Fails configure when the compiler cannot.
AC_DEFUN([NSB_FUZZING], [
  AC_ARG_ENABLE([fuzzing],
    [AS_HELP_STRING([--enable-fuzzing], [build the libFuzzer targets in tests/fuzz (needs clang)])],
    [], [enable_fuzzing=no])
  AS_IF([test "x$enable_fuzzing" = xyes], [
    AC_MSG_CHECKING([whether $CC can build libFuzzer targets])
    nsb_save_CFLAGS=$CFLAGS
    CFLAGS="$CFLAGS -fsanitize=fuzzer"
    AC_LINK_IFELSE([AC_LANG_SOURCE([[
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void) d; (void) n; return 0; }
]])], [AC_MSG_RESULT([yes])],
      [AC_MSG_RESULT([no]); AC_MSG_ERROR([--enable-fuzzing needs a compiler with libFuzzer, such as clang (CC=clang; on Debian: apt-get install clang libclang-rt-dev)])])
    CFLAGS=$nsb_save_CFLAGS
    NSB_CFLAGS="$NSB_CFLAGS -fsanitize=fuzzer-no-link"
  ])
  AM_CONDITIONAL([NSB_FUZZING], [test "x$enable_fuzzing" = xyes])
])
