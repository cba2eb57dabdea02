/* test-util.c - the library's internal helpers. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "tap.h"
#include "util.h"

static bool exists_at(int dfd, const char *name)
{
        struct stat st;
        return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int main(void)
{
        tap_ok(path_is_normal_absolute("/"), "/ is normal");
        tap_ok(path_is_normal_absolute("/nix/store/abc-foo"), "/nix/store/abc-foo is normal");
        tap_ok(!path_is_normal_absolute("nix/store"), "relative path refused");
        tap_ok(!path_is_normal_absolute("/foo/.."), "/foo/.. refused");
        tap_ok(!path_is_normal_absolute("/../escape"), "/../escape refused");
        tap_ok(!path_is_normal_absolute("/a//b"), "empty component refused");
        tap_ok(!path_is_normal_absolute("/a/./b"), ". component refused");
        tap_ok(!path_is_normal_absolute("/a/"), "trailing slash refused");
        tap_ok(!path_is_normal_absolute(""), "empty path refused");
        tap_ok(strcmp(path_basename("/a/b/c"), "c") == 0, "basename");

        nsb_arena a = { 0 };
        char *s1 = arena_strdup(&a, "hello");
        char big[100000];
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        char *s2 = arena_strdup(&a, big);
        tap_ok(s1 && s2 && strcmp(s1, "hello") == 0 && strlen(s2) == sizeof(big) - 1,
               "arena keeps small and large strings");
        arena_free(&a);

        /* rm_rf_at never follows a symlink out of the tree it removes. */
        char tmpl[] = "/tmp/nsb-test-util-XXXXXX";
        if (!mkdtemp(tmpl)) {
                tap_ok(false, "mkdtemp: %m");
                return tap_done();
        }
        int top = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        bool setup = top >= 0 && mkdirat(top, "victim", 0755) == 0 &&
                     close(openat(top, "victim/precious", O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) == 0 &&
                     mkdirat(top, "tree", 0755) == 0 && mkdirat(top, "tree/sub", 0755) == 0 &&
                     symlinkat("../victim", top, "tree/link") == 0 &&
                     symlinkat(tmpl, top, "tree/sub/abs") == 0 &&
                     close(openat(top, "tree/sub/file", O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) == 0 &&
                     mkdirat(top, "tree/locked", 0755) == 0 && mkdirat(top, "tree/locked/inner", 0755) == 0 &&
                     fchmodat(top, "tree/locked", 0, 0) == 0;
        tap_ok(setup, "set up a tree with symlinks out of it and a mode-000 directory");
        tap_is_int(rm_rf_at(top, "tree"), 0, "rm_rf_at removes the tree");
        tap_ok(!exists_at(top, "tree"), "the tree is gone");
        tap_ok(exists_at(top, "victim/precious"), "the symlink targets outside are untouched");
        tap_is_int(rm_rf_at(top, "does-not-exist"), 0, "removing a missing name is not an error");
        tap_is_int(rm_rf_at(top, "victim"), 0, "cleanup");
        close(top);
        rmdir(tmpl);

        /* nsb_lines: every line, one longer than its first buffer, a
         * last one without its newline; an empty file; a missing one. */
        char lt[] = "/tmp/nsb-test-lines-XXXXXX";
        int lfd = mkstemp(lt);
        static char longline[40000];
        memset(longline, 'l', sizeof(longline) - 1);
        bool wrote = lfd >= 0 && write_all(lfd, "one\n\nthree\n", 11) == 0 &&
                     write_all(lfd, longline, sizeof(longline) - 1) == 0 && write_all(lfd, "\nlast", 5) == 0;
        tap_ok(wrote, "write a file of lines");
        nsb_lines l;
        tap_is_int(nsb_lines_open(&l, lt), 0, "nsb_lines_open");
        const char *want_lines[] = { "one", "", "three", longline, "last" };
        bool lines_same = true;
        size_t got_n = 0;
        for (char *line; (line = nsb_lines_next(&l)); got_n++)
                lines_same = lines_same && got_n < ELEMENTSOF(want_lines) && strcmp(line, want_lines[got_n]) == 0;
        tap_ok(lines_same && got_n == ELEMENTSOF(want_lines) && l.err == 0,
               "nsb_lines: every line, a 40 KB one and a last one without a newline (%zu lines)", got_n);
        tap_ok(nsb_lines_next(&l) == NULL, "and nothing after the end");
        nsb_lines_close(&l);
        tap_ok(lfd >= 0 && ftruncate(lfd, 0) == 0 && nsb_lines_open(&l, lt) == 0 && !nsb_lines_next(&l) && l.err == 0,
               "nsb_lines: an empty file has no line");
        nsb_lines_close(&l);
        if (lfd >= 0)
                close(lfd);
        unlink(lt);
        tap_is_int(nsb_lines_open(&l, lt), -ENOENT, "nsb_lines_open of a missing file: -ENOENT");

        /* The number of capabilities, found by PR_CAPBSET_READ alone, is
         * what the kernel says in /proc (where it says). */
        FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
        unsigned want = 0;
        if (f && fscanf(f, "%u", &want) == 1) {
                tap_is_int((int) nsb_last_capability(), (int) want, "the last capability is the kernel's");
                tap_is_int((int) nsb_last_capability(), (int) want, "and the same when asked again");
        } else {
                tap_skip("no /proc/sys/kernel/cap_last_cap to compare with");
                tap_skip("no /proc/sys/kernel/cap_last_cap to compare with");
        }
        if (f)
                fclose(f);
        /* The string map: what goes in comes out, duplicates are found,
         * replaced only when asked, names may hold any byte. */
        nsb_strmap m1 = { 0 }, m2 = { 0 };
        char key[32];
        int bad = 0;
        for (size_t i = 0; i < 100000; i++) {
                int n = snprintf(key, sizeof(key), "VAR_%zu", i);
                if (strmap_put(&m1, key, (size_t) n, i, false, NULL) != 0)
                        bad++;
        }
        for (size_t i = 0; i < 100000; i++) {
                int n = snprintf(key, sizeof(key), "VAR_%zu", i);
                size_t v = 0;
                if (!strmap_get(&m1, key, (size_t) n, &v) || v != i)
                        bad++;
        }
        tap_is_int(bad, 0, "a string map keeps 100000 names and finds each");
        size_t old = 0, v = 0;
        tap_is_int(strmap_put(&m1, "VAR_7", 5, 42, false, &old), 1, "a name put twice is found there");
        tap_ok(old == 7 && strmap_get(&m1, "VAR_7", 5, &v) && v == 7, "and is not replaced unless asked");
        tap_ok(strmap_put(&m1, "VAR_7", 5, 42, true, NULL) == 1 && strmap_get(&m1, "VAR_7", 5, &v) && v == 42,
               "and is when asked");
        tap_ok(!strmap_get(&m1, "VAR_7\0x", 7, NULL) && strmap_put(&m1, "VAR_7\0x", 7, 1, false, NULL) == 0 &&
                       strmap_get(&m1, "VAR_7\0x", 7, &v) && v == 1,
               "a name with a NUL in it is a name of its own");
        /* Its hash is keyed, at random, per map: the same names, put in
         * the same order, lie in other slots in another map, so that no
         * one who chooses the names (a derivation's author) can choose
         * their slots and make every lookup a scan. */
        nsb_strmap m3 = { 0 };
        for (size_t i = 0; i < 1000; i++) {
                int n = snprintf(key, sizeof(key), "VAR_%zu", i);
                (void) strmap_put(&m2, key, (size_t) n, i, false, NULL);
                (void) strmap_put(&m3, key, (size_t) n, i, false, NULL);
        }
        int same = 0;
        for (size_t i = 0; i < 1000; i++) {
                int n = snprintf(key, sizeof(key), "VAR_%zu", i);
                same += strmap_slot_of(&m2, key, (size_t) n) == strmap_slot_of(&m3, key, (size_t) n);
        }
        tap_ok(same < 100, "two maps of the same names place them apart (%d of 1000 in the same slot)", same);
        strmap_free(&m1);
        strmap_free(&m2);
        strmap_free(&m3);

        return tap_done();
}
