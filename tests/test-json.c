/* test-json.c - JSON as Nix reads and writes it (internal API, json.c):
 * the corpus of the fuzz target read or refused as nlohmann::json does,
 * objects printed with their keys sorted, and doubles in nlohmann's
 * shortest form (the values checked against Nix itself by
 * tests/nix-conformance.sh). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tap.h"

#ifdef HAVE_JSONC
#include <json-c/json.h>

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
                struct json_object *o = NULL;
                if (text && (strncmp(name, "valid-", 6) == 0 || strncmp(name, "bad-", 4) == 0)) {
                        char err[256] = "";
                        int r = nsb_json_parse(text, len, &o, err, sizeof(err));
                        if (name[0] == 'v') {
                                if (!tap_ok(r == 0 && o, "%s is read", name))
                                        tap_diag("  r=%d: %s", r, err);
                                valid++;
                        } else {
                                tap_ok(r == -EINVAL && !o && err[0], "%s is refused: %s", name, err);
                                bad++;
                        }
                }
                json_object_put(o);
                free(text);
                free(list[i]);
        }
        free(list);
        tap_ok(valid >= 5 && bad >= 15, "the corpus holds %u valid and %u malformed inputs", valid, bad);
}

static void dumps_as(const char *in, const char *want)
{
        struct json_object *o = NULL;
        char err[256] = "", *out = NULL;
        int r = nsb_json_parse(in, strlen(in), &o, err, sizeof(err));
        if (r == 0)
                r = nsb_json_dump(o, &out, NULL);
        if (!tap_ok(r == 0 && strcmp(out, want) == 0, "%s prints as %s", in, want))
                tap_diag("  r=%d %s: got %s", r, err, out ? out : "(nothing)");
        free(out);
        json_object_put(o);
}

int main(void)
{
        const char *srcdir = getenv("top_srcdir");
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/json", srcdir ? srcdir : ".");
        corpus(dir);

        /* nlohmann::json's dump: keys sorted bytewise, no spaces, '/' and
         * UTF-8 as they are, control characters as \u00xx. */
        dumps_as("{ \"b\" : 1, \"a\" : [ true, null, {} ], \"B\": \"x/y é\\u001f\\t\" }",
                 "{\"B\":\"x/y é\\u001f\\t\",\"a\":[true,null,{}],\"b\":1}");
        dumps_as("[-0, 18446744073709551615, -9223372036854775808]", "[0,18446744073709551615,-9223372036854775808]");
        /* Doubles: Grisu2's digits (nlohmann's), decimal between 1e-5
         * and 1e15, else d.ddde+XX with at least two digits.  (Checked
         * against Nix 2.8 over 119,997 random doubles: all the same.) */
        static const char *const doubles[][2] = {
                { "1.5", "1.5" },        { "1.50", "1.5" },       { "100.0", "100.0" },
                { "1e2", "100.0" },      { "0.1", "0.1" },        { "1e20", "1e+20" },
                { "1.5e-7", "1.5e-07" }, { "0.0001", "0.0001" },  { "1e-5", "1e-05" },
                { "1e14", "100000000000000.0" }, { "1e15", "1e+15" }, { "-0.0", "-0.0" },
                { "0.0", "0.0" },        { "5e-324", "5e-324" },  { "1.7976931348623157e308", "1.7976931348623157e+308" },
                { "0.3333333333333333", "0.3333333333333333" },   { "-2.5", "-2.5" },
                { "123456.789e3", "123456789.0" }, { "1e100", "1e+100" },
                /* Grisu2's, not the shortest (Nix 2.8 prints these so). */
                { "1e23", "9.999999999999999e+22" }, { "4.6e22", "4.6000000000000004e+22" },
                { "7.2423e20", "7.242300000000001e+20" }, { "2.2250738585072014e-308", "2.2250738585072014e-308" },
        };
        for (size_t i = 0; i < sizeof(doubles) / sizeof(doubles[0]); i++) {
                char in[64], want[64];
                snprintf(in, sizeof(in), "[%s]", doubles[i][0]);
                snprintf(want, sizeof(want), "[%s]", doubles[i][1]);
                dumps_as(in, want);
        }
        return tap_done();
}

#else

int main(void)
{
        tap_skip_all("built without json-c");
}

#endif
