/* replay.c - run the fuzz target over files, for builds without libFuzzer:
 * one TAP line per file; a crash or abort() fails the test run. */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned tests;

static int replay_file(const char *path)
{
        FILE *f = fopen(path, "rbe");
        if (!f) {
                printf("not ok %u - %s: cannot open\n", ++tests, path);
                return 1;
        }
        size_t cap = 4096, len = 0;
        uint8_t *buf = malloc(cap);
        size_t n;
        while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
                len += n;
                if (len == cap) {
                        uint8_t *nb = realloc(buf, cap *= 2);
                        if (!nb) {
                                free(buf);
                                buf = NULL;
                        }
                        buf = nb;
                }
        }
        int err = ferror(f);
        fclose(f);
        if (!buf || err) {
                free(buf);
                printf("not ok %u - %s: cannot read\n", ++tests, path);
                return 1;
        }
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        printf("ok %u - %s (%zu bytes)\n", ++tests, path, len);
        return 0;
}


int main(int argc, char **argv)
{
        int failed = 0;
        for (int i = 1; i < argc; i++) {
                struct stat st;
                if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
                        struct dirent **list;
                        int n = scandir(argv[i], &list, NULL, alphasort);
                        if (n < 0) {
                                printf("not ok %u - %s: cannot list\n", ++tests, argv[i]);
                                failed = 1;
                                continue;
                        }
                        for (int j = 0; j < n; j++) {
                                if (list[j]->d_name[0] != '.') {
                                        char *p;
                                        if (asprintf(&p, "%s/%s", argv[i], list[j]->d_name) >= 0) {
                                                failed |= replay_file(p);
                                                free(p);
                                        }
                                }
                                free(list[j]);
                        }
                        free(list);
                } else
                        failed |= replay_file(argv[i]);
        }
        printf("1..%u\n", tests);
        return failed;
}
