/* fuzz-json.c - the JSON reader of structured attributes under a fuzzer.
 *
 * For every input: reading it (as __json) must not crash or leak, and a
 * refusal says why.  Whatever is read must print (as Nix prints it) into
 * text that reads back and prints the same, and an object must give its
 * .attrs.sh.  Built with libFuzzer (configure --enable-fuzzing, clang) as
 * tests/fuzz/fuzz-json, and with the replay driver (replay.c) for every
 * compiler, which `make check` runs over the committed corpus. */
#include "config.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct json_object *o = NULL;
        char err[256] = "";
        int r = nsb_json_parse((const char *) data, size, &o, err, sizeof(err));
        if (r < 0) {
                if (r != -EINVAL || o || !memchr(err, '\0', sizeof(err)) || !err[0])
                        abort();
                return 0;
        }
        char *text = NULL, *again_text = NULL;
        size_t len = 0, again_len = 0;
        if (nsb_json_dump(o, &text, &len) < 0 || strlen(text) != len)
                abort();
        struct json_object *again = NULL;
        if (nsb_json_parse(text, len, &again, err, sizeof(err)) < 0)
                abort(); /* what nsbuild writes, it (and Nix) reads */
        if (nsb_json_dump(again, &again_text, &again_len) < 0 || again_len != len || memcmp(text, again_text, len) != 0)
                abort(); /* and it is written the same again */
        if (json_object_get_type(o) == json_type_object) {
                char *shell = NULL;
                size_t shell_len = 0;
                if (nsb_attrs_shell(o, &shell, &shell_len) < 0)
                        abort();
                free(shell);
        }
        free(text);
        free(again_text);
        json_object_put(again);
        json_object_put(o);
        return 0;
}
