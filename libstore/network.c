/* network.c - the builder's network: a private loopback interface only. */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

/* A new network namespace has one interface, "lo", and it is down.  Bring
 * it up so that the builder can talk to itself over 127.0.0.1 (test suites
 * do), and to nothing else: this interface exists in this namespace only,
 * so no connection leaves it and none comes in.  Called in the child. */
int nsb_loopback_up(void)
{
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        struct ifreq ifr;
        memset(&ifr, 0, sizeof(ifr));
        memcpy(ifr.ifr_name, "lo", 3);
        ifr.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
        int r = ioctl(fd, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 0;
        close(fd);
        return r;
}
