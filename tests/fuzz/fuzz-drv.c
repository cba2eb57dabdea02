/* fuzz-drv.c - the derivation parser under a fuzzer.
 *
 * For every input: parsing must not crash or leak; whatever parses must
 * print back byte for byte and every accessor must work on it.  Built with
 * libFuzzer (configure --enable-fuzzing, clang) as tests/fuzz/fuzz-drv, and
 * with the replay driver (replay.c) for every compiler, which `make check`
 * runs over the committed corpus. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nsbuild.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        nsb_drv *d = NULL;
        nsb_drv_error e;
        int r = nsb_drv_parse((const char *) data, size, &d, &e);
        if (r < 0) {
                /* A failure says where, within the input. */
                if (e.offset > size || e.line == 0 || e.column == 0 || !memchr(e.message, '\0', sizeof(e.message)) ||
                    !e.message[0] || d)
                        abort();
                return 0;
        }
        char *text = NULL;
        size_t len = 0;
        if (nsb_drv_print(d, &text, &len) < 0)
                abort();
        if (len != size || memcmp(text, data, size) != 0)
                abort(); /* the round trip must be exact */
        free(text);

        size_t n = nsb_drv_n_outputs(d);
        for (size_t i = 0; i < n; i++) {
                const char *name, *path, *algo, *hash;
                if (nsb_drv_output(d, i, &name, &path, &algo, &hash) < 0 || nsb_drv_output_path(d, name) != path)
                        abort();
        }
        for (size_t i = 0; i < nsb_drv_n_input_drvs(d); i++) {
                const char *const *outs;
                size_t k;
                if (!nsb_drv_input_drv(d, i, &outs, &k) || (k && !outs[k - 1]))
                        abort();
        }
        for (size_t i = 0; i < nsb_drv_n_input_srcs(d); i++)
                if (nsb_drv_input_src(d, i)[0] != '/')
                        abort();
        for (size_t i = 0; i < nsb_drv_n_env(d); i++) {
                const char *name, *value;
                if (nsb_drv_env(d, i, &name, &value) < 0 || nsb_drv_getenv(d, name) != value)
                        abort(); /* names are unique, so the lookup finds this one */
        }
        for (size_t i = 0; i < nsb_drv_n_args(d); i++)
                if (!nsb_drv_arg(d, i))
                        abort();
        if (!nsb_drv_system(d) || !nsb_drv_builder(d))
                abort();
        (void) nsb_drv_is_fixed_output(d);
        nsb_drv_free(d);
        return 0;
}
