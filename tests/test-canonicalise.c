/* test-canonicalise.c - output canonicalisation (internal API): modes,
 * owner, mtime, extended attributes, and hard links to files outside the
 * output, which must be copied rather than changed. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "hash.h"
#include "internal.h"
#include "tap.h"

static struct stat st_at(int dfd, const char *name)
{
        struct stat st = { 0 };
        (void) fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW);
        return st;
}

static bool make_file(int dfd, const char *name, const char *text, mode_t mode)
{
        int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t) strlen(text);
        if (fd >= 0)
                close(fd);
        return ok && fchmodat(dfd, name, mode, 0) == 0;
}

int main(void)
{
        char dir[] = "/tmp/nsb-test-canon-XXXXXX";
        if (!mkdtemp(dir))
                tap_skip_all("cannot create a temporary directory");
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        nsb_build *b;
        if (dfd < 0 || nsb_build_new(&b) < 0)
                tap_skip_all("setup failed");

        /* outside: a file of someone else's, linked into the output */
        bool made = make_file(dfd, "outside", "shared\n", 0640) && mkdirat(dfd, "out", 0777) == 0 &&
                    linkat(dfd, "outside", dfd, "out/linked-out", 0) == 0 &&
                    make_file(dfd, "out/a", "a\n", 0666) && linkat(dfd, "out/a", dfd, "out/a-too", 0) == 0 &&
                    make_file(dfd, "out/run", "#!/bin/sh\n", 0775) && mkdirat(dfd, "out/sticky", 0777) == 0 &&
                    fchmodat(dfd, "out/sticky", 01777, 0) == 0 && mkdirat(dfd, "out/sticky/deep", 0700) == 0 &&
                    symlinkat("a", dfd, "out/link") == 0;
        tap_ok(made, "an output with odd modes, an internal and an external hard link");
        struct timespec t[2] = { { .tv_sec = 12345 }, { .tv_sec = 12345 } };
        utimensat(dfd, "outside", t, 0);
        bool xattr = setxattr(dir, "user.test", "x", 1, 0) == 0; /* only to learn whether the fs has them */
        if (xattr) {
                _cleanup_free_ char *p = NULL;
                xattr = asprintf(&p, "%s/out/a", dir) >= 0 && setxattr(p, "user.test", "x", 1, 0) == 0;
        }
        struct stat outside_before = st_at(dfd, "outside");

        int r = nsb_canonicalise_at(b, dfd, "out", "/store/out", NSB_CANON_STORE, false, NULL);
        if (!tap_ok(r == 0, "canonicalisation succeeds"))
                tap_diag("  %s", nsb_build_error_message(b));

        struct stat s = st_at(dfd, "outside");
        tap_ok((s.st_mode & 07777) == 0640 && s.st_mtim.tv_sec == 12345 && s.st_ino == outside_before.st_ino,
               "the file outside keeps its mode and mtime");
        tap_is_int(s.st_nlink, 1, "and is no longer linked into the output");
        s = st_at(dfd, "out/linked-out");
        tap_ok(s.st_ino != outside_before.st_ino && (s.st_mode & 07777) == 0444 && s.st_nlink == 1,
               "the output has its own 0444 copy instead");
        struct stat a = st_at(dfd, "out/a"), a2 = st_at(dfd, "out/a-too");
        tap_ok(a.st_ino == a2.st_ino && a.st_nlink == 2 && (a.st_mode & 07777) == 0444,
               "a hard link inside the output stays one, 0444");
        tap_is_int(st_at(dfd, "out/run").st_mode & 07777, 0555, "an executable is 0555");
        tap_is_int(st_at(dfd, "out/sticky").st_mode & 07777, 0555, "a sticky, world-writable directory is 0555");
        tap_is_int(st_at(dfd, "out/sticky/deep").st_mode & 07777, 0555, "a 0700 directory is 0555");
        tap_is_int(st_at(dfd, "out").st_mode & 07777, 0555, "the output itself is 0555");
        const char *names[] = { "out", "out/a", "out/run", "out/sticky/deep", "out/link", "out/linked-out" };
        bool times = true, owners = true;
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                struct stat x = st_at(dfd, names[i]);
                times &= x.st_mtim.tv_sec == 1 && x.st_mtim.tv_nsec == 0;
                owners &= x.st_uid == geteuid() && x.st_gid == getegid();
        }
        tap_ok(times, "every entry, symlinks included, has mtime 1");
        tap_ok(owners, "every entry belongs to the caller");
        if (xattr) {
                _cleanup_free_ char *p = NULL;
                char v[8];
                tap_ok(asprintf(&p, "%s/out/a", dir) >= 0 && getxattr(p, "user.test", v, sizeof(v)) < 0 &&
                               errno == ENODATA,
                       "extended attributes are removed");
        } else
                tap_skip("this filesystem has no user extended attributes");

        /* The top directory left writable, for a rename by an unprivileged
         * caller, then finished. */
        made = mkdirat(dfd, "out2", 0755) == 0 && make_file(dfd, "out2/f", "f", 0644);
        r = nsb_canonicalise_at(b, dfd, "out2", "/store/out2", NSB_CANON_STORE, true, NULL);
        tap_ok(made && r == 0 && (st_at(dfd, "out2").st_mode & 0700) == 0700 &&
                       (st_at(dfd, "out2/f").st_mode & 07777) == 0444,
               "with leave_top_writable the top directory stays writable");
        r = nsb_canonicalise_top_at(b, dfd, "out2", "/store/out2", NSB_CANON_STORE, 0755);
        s = st_at(dfd, "out2");
        tap_ok(r == 0 && (s.st_mode & 07777) == 0555 && s.st_mtim.tv_sec == 1, "and is finished after");

        made = mkdirat(dfd, "out3", 0755) == 0 && mkfifoat(dfd, "out3/pipe", 0644) == 0;
        r = nsb_canonicalise_at(b, dfd, "out3", "/store/out3", NSB_CANON_STORE, false, NULL);
        tap_ok(made && r == -ENOTSUP && strstr(nsb_build_error_message(b), "/store/out3 contains a FIFO at ./pipe"),
               "a FIFO fails, named: %s", nsb_build_error_message(b));

        /* Made safe rather than canonical (nsbuild run's outputs): owner
         * and the dangerous bits only; times and other bits stay. */
        made = mkdirat(dfd, "out4", 0777) == 0 && fchmodat(dfd, "out4", 03777, 0) == 0 &&
               make_file(dfd, "out4/suid", "x", 06777) && make_file(dfd, "out4/plain", "p", 0640) &&
               linkat(dfd, "outside", dfd, "out4/linked-out", 0) == 0 && symlinkat("plain", dfd, "out4/link") == 0;
        utimensat(dfd, "out4/plain", t, 0);
        struct stat outside_now = st_at(dfd, "outside");
        r = nsb_canonicalise_at(b, dfd, "out4", "/run/out4", NSB_CANON_SAFE, false, NULL);
        tap_ok(made && r == 0, "an output is made safe (%s)", nsb_build_error_message(b));
        tap_is_int(st_at(dfd, "out4/suid").st_mode & 07777, 0755, "a setuid, setgid, world-writable file becomes 0755");
        tap_is_int(st_at(dfd, "out4").st_mode & 07777, 0755, "a setgid, sticky, world-writable directory 0755");
        s = st_at(dfd, "out4/plain");
        tap_ok((s.st_mode & 07777) == 0640 && s.st_mtim.tv_sec == 12345, "other modes and times are kept");
        s = st_at(dfd, "out4/linked-out");
        tap_ok(s.st_ino != outside_now.st_ino && s.st_nlink == 1 && st_at(dfd, "outside").st_nlink == 1,
               "a hard link to a file outside is replaced by a copy");
        owners = true;
        const char *safe[] = { "out4", "out4/suid", "out4/plain", "out4/link", "out4/linked-out" };
        for (size_t i = 0; i < ELEMENTSOF(safe); i++) {
                struct stat x = st_at(dfd, safe[i]);
                owners &= x.st_uid == geteuid() && x.st_gid == getegid();
        }
        tap_ok(owners, "everything belongs to the caller");

        /* What grants access or privileges goes; other attributes stay. */
        made = make_file(dfd, "out5", "x", 0755);
        _cleanup_free_ char *p5 = NULL;
        /* An access ACL: user::rwx, user:12345:rwx, group::r-x, mask::rwx,
         * other::r-x (the kernel's xattr layout, version 2). */
        static const unsigned char acl[] = {
                2, 0, 0, 0,  1, 0, 7, 0, 0xff, 0xff, 0xff, 0xff,  2, 0, 7, 0, 0x39, 0x30, 0, 0,
                4, 0, 5, 0, 0xff, 0xff, 0xff, 0xff,  0x10, 0, 7, 0, 0xff, 0xff, 0xff, 0xff,
                0x20, 0, 5, 0, 0xff, 0xff, 0xff, 0xff,
        };
        /* A file capability: CAP_NET_RAW permitted (VFS_CAP_REVISION_2). */
        static const unsigned char fcap[20] = { 0, 0, 0, 2, 0, 0x20, 0, 0 };
        bool have_acl = false, have_cap = false, have_user = false;
        if (made && asprintf(&p5, "%s/out5", dir) >= 0) {
                have_acl = setxattr(p5, "system.posix_acl_access", acl, sizeof(acl), 0) == 0;
                have_cap = setxattr(p5, "security.capability", fcap, sizeof(fcap), 0) == 0;
                have_user = setxattr(p5, "user.kept", "x", 1, 0) == 0;
        }
        r = nsb_canonicalise_at(b, dfd, "out5", "/run/out5", NSB_CANON_SAFE, false, NULL);
        char v[64];
        if (have_acl)
                tap_ok(r == 0 && getxattr(p5, "system.posix_acl_access", v, sizeof(v)) < 0,
                       "an ACL granting write is removed from a safe output");
        else
                tap_skip("this filesystem takes no ACL here");
        if (have_cap)
                tap_ok(r == 0 && getxattr(p5, "security.capability", v, sizeof(v)) < 0,
                       "a file capability is removed from a safe output");
        else
                tap_skip("setting a file capability needs CAP_SETFCAP");
        if (have_user)
                tap_ok(r == 0 && getxattr(p5, "user.kept", v, sizeof(v)) == 1, "other extended attributes stay");
        else
                tap_skip("this filesystem has no user extended attributes");

        nsb_build_free(b);
        rm_rf_at(AT_FDCWD, dir);
        close(dfd);
        return tap_done();
}
