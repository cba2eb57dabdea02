/* walk.h - an iterative walk over a file tree a builder made; not
 * installed.
 *
 * A builder chooses the depth and the width of what it leaves behind
 * (its build directory, its outputs), so no walk over such a tree may
 * recurse or hold a file descriptor per level: 50,000 nested directories
 * would overflow the stack or exhaust the fd table.  This walker keeps one
 * directory open at a time (two with a mirror), and the listing of every
 * directory on the current path in memory.  It climbs back with "..",
 * checking each time that it arrives where it came from (device and
 * inode), so a directory moved out of the tree during the walk (by a
 * process that still holds an fd into it) is an error, never a way to
 * walk out of the tree.  Nothing is followed: every open is O_NOFOLLOW
 * relative to the directory being walked. */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>

typedef enum nsb_walk_event {
        NSB_WALK_FILE,      /* anything but a directory */
        NSB_WALK_DIR_PRE,   /* a directory, before its entries */
        NSB_WALK_DIR_POST,  /* a directory, after its entries */
} nsb_walk_event;

typedef struct nsb_walk_entry {
        nsb_walk_event event;
        int dirfd;              /* the directory holding the entry */
        const char *name;       /* the entry's name in it */
        int fd;                 /* DIR_POST: the directory itself, still open */
        int mirror_dirfd;       /* with a mirror: its directory matching dirfd */
        const char *mirror_name;/* the entry's name there (the top's may differ) */
        int mirror_fd;          /* DIR_POST with a mirror: the mirror directory */
        unsigned depth;         /* 0 for the top */
        /* lstat of the entry: complete for directories and with
         * NSB_WALK_STAT, else only the file type bits of st_mode (from
         * the directory listing where it gives them). */
        struct stat st;
} nsb_walk_entry;

/* Entries of a directory in bytewise order of their names (as a NAR
 * serialises them); else in the order the directory lists them. */
#define NSB_WALK_SORTED (1u << 0)
/* A full lstat of every entry. */
#define NSB_WALK_STAT (1u << 1)

typedef struct nsb_walk nsb_walk;

/* Start a walk at NAME below DIRFD.  With MIRROR_DIRFD >= 0 the walk
 * descends, alongside, into a second tree at MIRROR_NAME below
 * MIRROR_DIRFD: the caller creates each mirror directory when it is given
 * DIR_PRE, and the walker opens it when it descends.  Returns 0, -ENOENT
 * when NAME does not exist, or another negative errno. */
int nsb_walk_open(int dirfd, const char *name, int mirror_dirfd, const char *mirror_name, unsigned flags,
                  nsb_walk **ret_walk);
/* The next entry: 1 and *ret_entry (valid until the next call), 0 at the
 * end, or a negative errno (the walk cannot go on). */
int nsb_walk_next(nsb_walk *w, const nsb_walk_entry **ret_entry);
/* After DIR_PRE: do not descend into that directory (no DIR_POST). */
void nsb_walk_skip(nsb_walk *w);
/* The current entry's path relative to the top ("." for the top, else
 * "./a/b"), for
 * messages: shortened in the middle beyond a few hundred bytes.  Malloc'd;
 * NULL without memory. */
char *nsb_walk_path(const nsb_walk *w);
void nsb_walk_free(nsb_walk *w);
static inline void nsb_walk_freep(nsb_walk **w)
{
        nsb_walk_free(*w);
}
