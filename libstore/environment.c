/* environment.c - the builder's environment and its view of users. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "internal.h"

/* What a derivation may not set, as Nix's initEnv sets them after the
 * derivation's own: where the build is, where its log goes, the terminal. */
static bool fixed_for_derivations(const char *var, size_t len)
{
        static const char *const fixed[] = { "NIX_BUILD_TOP", "TMPDIR", "TEMPDIR", "TMP", "TEMP", "PWD",
                                             "NIX_LOG_FD",    "TERM" };
        for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
                if (strlen(fixed[i]) == len && strncmp(var, fixed[i], len) == 0)
                        return true;
        return false;
}

/* The builder starts from nothing: the standard variables of a Nix build,
 * then the caller's, which override them (a derivation's, all but those
 * Nix fixes).  PATH points nowhere so that a builder cannot stumble on
 * host tools by accident. */
int nsb_environment_build(const nsb_build *b, const char *build_top, char ***ret_envp,
                          const char **ret_path)
{
        char cores[32];
        snprintf(cores, sizeof(cores), "%u", b->cores);
        const char *standard[][2] = {
                { "PATH", "/path-not-set" },
                { "HOME", "/homeless-shelter" },
                { "NIX_STORE", b->store_dir },
                { "NIX_BUILD_CORES", cores },
                { "NIX_BUILD_TOP", build_top },
                { "TMPDIR", build_top },
                { "TEMPDIR", build_top },
                { "TMP", build_top },
                { "TEMP", build_top },
                { "PWD", build_top },
                { "NIX_LOG_FD", "2" },
                { "TERM", "xterm-256color" },
        };
        size_t n_std = ELEMENTSOF(standard);

        /* The caller's variables: the last value of each name, in one pass
         * whatever their number. */
        _cleanup_(strmap_free) nsb_strmap last = { 0 };
        for (size_t j = 0; j < b->n_env; j++) {
                size_t len = strcspn(b->env[j], "=");
                if (b->derivation && fixed_for_derivations(b->env[j], len))
                        continue;
                if (strmap_put(&last, b->env[j], len, j, true, NULL) < 0)
                        return -ENOMEM;
        }

        _cleanup_strv_free_ char **envp = calloc(n_std + b->n_env + b->n_files + 1, sizeof(char *));
        if (!envp)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < n_std; i++) {
                const char *name = standard[i][0];
                if (strmap_get(&last, name, strlen(name), NULL) ||
                    strmap_get(&b->file_env_names, name, strlen(name), NULL))
                        continue; /* overridden */
                if (asprintf(&envp[n], "%s=%s", name, standard[i][1]) < 0) {
                        envp[n] = NULL;
                        return -ENOMEM;
                }
                n++;
        }
        for (size_t j = 0; j < b->n_env; j++) {
                size_t len = strcspn(b->env[j], "="), at;
                /* Not an earlier value of a name set again, nor a name a
                 * build file's path takes (nsb_build_add_build_file). */
                if (!strmap_get(&last, b->env[j], len, &at) || at != j ||
                    strmap_get(&b->file_env_names, b->env[j], len, NULL))
                        continue;
                if (!(envp[n++] = strdup(b->env[j])))
                        return -ENOMEM;
        }
        /* Files in the build directory, by their path as the builder sees
         * it. */
        for (size_t j = 0; j < b->n_files; j++) {
                const char *name = b->files[j].env_name;
                size_t at;
                if (!name || !strmap_get(&b->file_env_names, name, strlen(name), &at) || at != j)
                        continue;
                if (asprintf(&envp[n], "%s=%s/%s", b->files[j].env_name, build_top, b->files[j].name) < 0) {
                        envp[n] = NULL;
                        return -ENOMEM;
                }
                n++;
        }
        *ret_path = NULL;
        for (size_t i = 0; i < n; i++)
                if (strncmp(envp[i], "PATH=", 5) == 0)
                        *ret_path = envp[i] + 5;
        *ret_envp = TAKE_PTR(envp);
        return 0;
}

/* The sandbox's /etc/passwd and /etc/group, as Nix writes them: the build
 * user is "nixbld" whatever its number, root and nobody exist so that tools
 * that look themselves up do not fail. */
char *nsb_passwd_content(const nsb_build *b)
{
        char *s;
        /* In a user namespace we map a build user into, the builder is
         * that namespace's uid 1000 and gid 100. */
        if (asprintf(&s,
                     "root:x:0:0:Nix build user:/build:/noshell\n"
                     "nixbld:x:%u:%u:Nix build user:/build:/noshell\n"
                     "nobody:x:65534:65534:Nobody:/:/noshell\n",
                     b->parent_maps ? 1000u : (unsigned) b->uid, b->parent_maps ? 100u : (unsigned) b->gid) < 0)
                return NULL;
        return s;
}

char *nsb_group_content(const nsb_build *b)
{
        char *s;
        if (asprintf(&s, "root:x:0:\nnixbld:!:%u:\nnogroup:x:65534:\n", b->parent_maps ? 100u : (unsigned) b->gid) < 0)
                return NULL;
        return s;
}
