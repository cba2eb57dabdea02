/* compat.h - declarations of what compat/ supplies where the C library
 * lacks it.  Each compat/NAME.c is compiled only when configure found no
 * NAME (AC_REPLACE_FUNCS); it calls the system call directly where the
 * headers know its number and fails with ENOSYS where they do not, so the
 * caller's runtime fallback takes over. */
#pragma once

#include <signal.h>
#include <sys/types.h>

#if HAVE_SYS_MOUNT_H
#include <sys/mount.h>
#endif
#if HAVE_LINUX_CLOSE_RANGE_H
#include <linux/close_range.h>
#endif
#if __has_include(<sys/pidfd.h>)
#include <sys/pidfd.h>
#endif

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* The new mount API's constants are kernel ABI; define what old headers
 * lack. */
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC 02000000
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
struct mount_attr {
        unsigned long long attr_set;
        unsigned long long attr_clr;
        unsigned long long propagation;
        unsigned long long userns_fd;
};
#endif

#if !HAVE_PIVOT_ROOT || !HAVE_DECL_PIVOT_ROOT
int pivot_root(const char *new_root, const char *put_old);
#endif
#if !HAVE_CLOSE_RANGE
int close_range(unsigned int first, unsigned int last, int flags);
#endif
#if !HAVE_PIDFD_OPEN
int pidfd_open(pid_t pid, unsigned int flags);
#endif
#if !HAVE_PIDFD_SEND_SIGNAL
int pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned int flags);
#endif
#if !HAVE_OPEN_TREE
int open_tree(int dfd, const char *filename, unsigned int flags);
#endif
#if !HAVE_MOVE_MOUNT
int move_mount(int from_dfd, const char *from_path, int to_dfd, const char *to_path, unsigned int flags);
#endif
#if !HAVE_MOUNT_SETATTR
int mount_setattr(int dfd, const char *path, unsigned int flags, struct mount_attr *attr, size_t size);
#endif
