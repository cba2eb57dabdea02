/* features.c - what this copy of the library was built with. */
#include "config.h"

#include "nsbuild.h"


const char *nsb_version(void)
{
        return PACKAGE_VERSION;
}

const char *nsb_compiled_features(void)
{
        /* Built from config.h at compile time; the leading space of the
         * first word is skipped. */
        static const char features[] =
#if NSB_HAVE_MOUNT_NS
                " +MOUNT_NS"
#else
                " -MOUNT_NS"
#endif
#if NSB_HAVE_NET_NS
                " +NET_NS"
#else
                " -NET_NS"
#endif
#if NSB_HAVE_IPC_NS
                " +IPC_NS"
#else
                " -IPC_NS"
#endif
#if NSB_HAVE_UTS_NS
                " +UTS_NS"
#else
                " -UTS_NS"
#endif
#if NSB_HAVE_PID_NS
                " +PID_NS"
#else
                " -PID_NS"
#endif
#if NSB_HAVE_USER_NS
                " +USER_NS"
#else
                " -USER_NS"
#endif
#if NSB_HAVE_CHROOT
                " +CHROOT"
#else
                " -CHROOT"
#endif
#if NSB_HAVE_SECCOMP
                " +SECCOMP"
#else
                " -SECCOMP"
#endif
#if NSB_HAVE_LANDLOCK
                " +LANDLOCK"
#else
                " -LANDLOCK"
#endif
#if defined(NSB_CRYPTO_NETTLE) || defined(NSB_CRYPTO_OPENSSL)
                " +SHA256"
#else
                " -SHA256"
#endif
#ifdef HAVE_LIBCAP
                " +LIBCAP"
#else
                " -LIBCAP"
#endif
#ifdef HAVE_JSONC
                " +JSON"
#else
                " -JSON"
#endif
                ;
        return features + 1;
}
