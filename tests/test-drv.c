/* test-drv.c - the derivation parser and printer, through the public API:
 * every valid derivation of the corpus prints back byte for byte, every
 * malformed one fails with a position, and the limits hold. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsbuild.h"
#include "tap.h"

/* Parse TEXT, expecting failure at LINE:COLUMN with a message containing
 * WANT. */
static void expect_error(const char *text, unsigned line, unsigned column, const char *want, const char *name)
{
        nsb_drv *d = NULL;
        nsb_drv_error e;
        int r = nsb_drv_parse(text, strlen(text), &d, &e);
        bool ok = r == -EINVAL && !d && e.line == line && e.column == column && strstr(e.message, want);
        if (!tap_ok(ok, "%s: rejected at %u:%u", name, line, column))
                tap_diag("  got r=%d at %u:%u (offset %zu): %s", r, e.line, e.column, e.offset, e.message);
        nsb_drv_free(d);
}

static void corpus(const char *dir)
{
        struct dirent **list;
        int n = scandir(dir, &list, NULL, alphasort);
        if (!tap_ok(n > 0, "the corpus %s can be listed", dir))
                return;
        unsigned valid = 0, bad = 0;
        for (int i = 0; i < n; i++) {
                const char *name = list[i]->d_name;
                char *path = NULL;
                size_t len = 0;
                char *text = name[0] == '.' || asprintf(&path, "%s/%s", dir, name) < 0 ? NULL : tap_read_file(path, &len);
                free(path);
                if (text && strncmp(name, "valid-", 6) == 0) {
                        nsb_drv *d = NULL;
                        nsb_drv_error e;
                        int r = nsb_drv_parse(text, len, &d, &e);
                        char *out = NULL;
                        size_t out_len = 0;
                        if (r >= 0)
                                r = nsb_drv_print(d, &out, &out_len);
                        bool same = r >= 0 && out_len == len && memcmp(out, text, len) == 0;
                        if (!tap_ok(same, "%s parses and prints back byte for byte", name))
                                tap_diag("  r=%d at %u:%u: %s", r, e.line, e.column, e.message);
                        free(out);
                        nsb_drv_free(d);
                        valid++;
                } else if (text && strncmp(name, "bad-", 4) == 0) {
                        nsb_drv *d = NULL;
                        nsb_drv_error e;
                        int r = nsb_drv_parse(text, len, &d, &e);
                        bool ok = r < 0 && !d && e.offset <= len && e.line >= 1 && e.column >= 1 && e.message[0];
                        tap_ok(ok, "%s is rejected at %u:%u: %s", name, e.line, e.column, e.message);
                        nsb_drv_free(d);
                        bad++;
                }
                free(text);
                free(list[i]);
        }
        free(list);
        tap_ok(valid >= 5 && bad >= 10, "the corpus holds %u valid and %u malformed derivations", valid, bad);
}

int main(void)
{
        const char *srcdir = getenv("top_srcdir");
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/drv", srcdir ? srcdir : ".");
        corpus(dir);

        /* The parts, as the accessors give them. */
        static const char text[] =
                "Derive([(\"dev\",\"/s/d-x-dev\",\"\",\"\"),(\"out\",\"/s/o-x\",\"\",\"\")],"
                "[(\"/s/a-in.drv\",[\"lib\",\"out\"])],[\"/s/b-src\"],\"x86_64-linux\",\"/s/c-sh/bin/sh\","
                "[\"-e\",\"a\\\"b\\\\c\\nd\\re\\tf\"],[(\"name\",\"x\"),(\"out\",\"/s/o-x\")])";
        nsb_drv *d = NULL;
        nsb_drv_error e;
        int r = nsb_drv_parse(text, sizeof(text) - 1, &d, &e);
        if (!tap_ok(r == 0, "a derivation with every part parses"))
                tap_diag("  %d at %u:%u: %s", r, e.line, e.column, e.message);
        if (r == 0) {
                const char *name, *path, *algo, *hash;
                tap_is_int(nsb_drv_n_outputs(d), 2, "two outputs");
                tap_ok(nsb_drv_output(d, 1, &name, &path, &algo, &hash) == 0 && strcmp(name, "out") == 0 &&
                               strcmp(path, "/s/o-x") == 0 && !*algo && !*hash,
                       "output 1 is out at /s/o-x, no hash");
                tap_ok(nsb_drv_output(d, 2, &name, NULL, NULL, NULL) == -EINVAL, "output 2 does not exist");
                tap_ok(strcmp(nsb_drv_output_path(d, "dev"), "/s/d-x-dev") == 0 && !nsb_drv_output_path(d, "bin"),
                       "outputs by name");
                const char *const *outs;
                size_t n;
                tap_ok(nsb_drv_n_input_drvs(d) == 1 && strcmp(nsb_drv_input_drv(d, 0, &outs, &n), "/s/a-in.drv") == 0 &&
                               n == 2 && strcmp(outs[0], "lib") == 0 && strcmp(outs[1], "out") == 0,
                       "the input derivation and its outputs");
                tap_ok(nsb_drv_n_input_srcs(d) == 1 && strcmp(nsb_drv_input_src(d, 0), "/s/b-src") == 0,
                       "the input source");
                tap_ok(strcmp(nsb_drv_system(d), "x86_64-linux") == 0 && strcmp(nsb_drv_builder(d), "/s/c-sh/bin/sh") == 0,
                       "system and builder");
                tap_ok(nsb_drv_n_args(d) == 2 && strcmp(nsb_drv_arg(d, 1), "a\"b\\c\nd\re\tf") == 0 && !nsb_drv_arg(d, 2),
                       "the escapes \\\" \\\\ \\n \\r \\t are unescaped");
                tap_ok(nsb_drv_n_env(d) == 2 && strcmp(nsb_drv_getenv(d, "name"), "x") == 0 && !nsb_drv_getenv(d, "nope"),
                       "the environment");
                tap_ok(!nsb_drv_is_fixed_output(d), "not fixed-output");
                char *out;
                size_t len;
                tap_ok(nsb_drv_print(d, &out, &len) == 0 && len == sizeof(text) - 1 && strcmp(out, text) == 0,
                       "printing reproduces it");
                free(out);
        }
        nsb_drv_free(d);

        /* Positions and messages of malformed input. */
        static const char head[] = "Derive([(\"out\",\"/s/o\",\"\",\"\")],[],[],";
        char buf[512];
        expect_error("", 1, 1, "expected \"Derive(\"", "empty input");
        expect_error("Derive([(\"out\"", 1, 15, "expected ','", "truncated after the output name");
        expect_error("Derive([(\"out\",\"/s/o\",\"\",\"\")],[],[],\"s\" ,", 1, 40, "expected ','", "a space");
        snprintf(buf, sizeof(buf), "%s\"s\",\"b\",[],[])\n", head);
        expect_error(buf, 1, 51, "without a newline", "a trailing newline");
        snprintf(buf, sizeof(buf), "%s\"s\",\"a\\qb\",[],[])", head);
        expect_error(buf, 1, 43, "unknown escape", "an unknown escape, at the backslash");
        snprintf(buf, sizeof(buf), "%s\"s\",\"a\nb\",[],[])", head);
        expect_error(buf, 1, 43, "raw newline", "a raw newline in a string");
        snprintf(buf, sizeof(buf), "%s\"s\",\"b\",[],[(\"a\",\"1\"),(\"a\",\"2\")])", head);
        expect_error(buf, 1, 60, "duplicate environment variable \"a\"", "a duplicate variable, at its second use");
        expect_error("Derive([(\"out\",\"rel\",\"\",\"\")],[],[],\"s\",\"b\",[],[])", 1, 16, "not an absolute path",
                     "a relative output path");
        expect_error("Derive([],[],[],\"s\",\"b\",[],[])", 1, 8, "at least one output", "no outputs");
        expect_error("Derive([(\"out\",\n\"/s/o\",\"\",\"\")],[],[],\"s\",\"b\",[],[])", 1, 16, "found byte 0x0a",
                     "a newline between fields (derivations have no whitespace)");
        expect_error("DrvWithVersion(\"xp-dyn-drv\",[])", 1, 1, "DrvWithVersion", "the versioned format is named");

        /* Limits. */
        size_t big = (size_t) NSB_DRV_MAX_SIZE + 1;
        char *huge = calloc(1, big);
        r = huge ? nsb_drv_parse(huge, big, &d, &e) : -ENOMEM;
        tap_ok(r == -EFBIG && strstr(e.message, "too large"), "more than NSB_DRV_MAX_SIZE bytes: EFBIG");
        free(huge);

        size_t items = (size_t) NSB_DRV_MAX_ITEMS + 1;
        size_t cap = sizeof(head) + 16 + items * 3 + 16;
        char *many = malloc(cap);
        if (many) {
                char *p = many + sprintf(many, "%s\"s\",\"b\",[", head);
                for (size_t i = 0; i < items; i++)
                        p += sprintf(p, i ? ",\"\"" : "\"\"");
                p += sprintf(p, "],[])");
                r = nsb_drv_parse(many, (size_t) (p - many), &d, &e);
        } else
                r = -ENOMEM;
        tap_ok(r == -E2BIG && strstr(e.message, "entries in one list"), "more than NSB_DRV_MAX_ITEMS in a list: E2BIG");
        free(many);

        r = nsb_drv_load("/nonexistent/x.drv", &d, &e);
        tap_ok(r == -ENOENT && strstr(e.message, "No such file"), "a missing file: ENOENT, said in the message");
        r = nsb_drv_load("/", &d, &e);
        tap_ok(r == -EISDIR, "a directory: EISDIR");
        tap_ok(nsb_drv_parse(NULL, 1, &d, NULL) == -EINVAL, "NULL text refused");
        nsb_drv_free(NULL);
        return tap_done();
}
