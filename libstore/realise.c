/* realise.c - configure a build from a derivation, as a store would.
 *
 * Everything is checked here, before anything runs: that each path the
 * derivation names lies directly in the store directory, that every input
 * exists, that this host can run the derivation's system, and that a
 * fixed output's hash is one we can check. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "hash.h"
#include "internal.h"

#define STEP "read derivation"

bool nsb_path_in_store(const char *store, const char *path)
{
        size_t n = strlen(store);
        if (!path_is_normal_absolute(path) || strncmp(path, store, n) != 0)
                return false;
        if (strcmp(store, "/") == 0)
                n = 0;
        return path[n] == '/' && path[n + 1] != '\0' && !strchr(path + n + 1, '/');
}

bool nsb_is_store_path(const char *store, const char *path)
{
        if (!nsb_path_in_store(store, path))
                return false;
        const char *name = strrchr(path, '/') + 1;
        return strlen(name) > 33 && name[32] == '-' && strspn(name, "0123456789abcdfghijklmnpqrsvwxyz") >= 32;
}

static void attrs_close(nsb_attrs *a)
{
        nsb_attrs_close(a);
}

static int check_in_store(nsb_build *b, const char *path, const char *what)
{
        if (nsb_path_in_store(b->store_dir, path))
                return 0;
        return nsb_fail(b, EINVAL, STEP, "%s %s is not directly inside the store directory %s", what, path,
                        b->store_dir);
}

static int check_exists(nsb_build *b, const char *path, const char *what)
{
        struct stat st;
        if (lstat(path, &st) == 0)
                return 0;
        return nsb_fail(b, errno, STEP, "%s %s %s", what, path, errno == ENOENT ? "does not exist" : strerror(errno));
}

/* Add PATH (WHAT, for messages) as an input after checking that it lies
 * in the store and exists. */
static int add_store_path(nsb_build *b, const char *path, const char *what)
{
        int r;
        if ((r = check_in_store(b, path, what)) < 0 || (r = check_exists(b, path, what)) < 0)
                return r;
        r = nsb_build_add_input(b, path);
        return r < 0 ? nsb_fail(b, -r, STEP, "cannot add %s %s: %s", what, path, strerror(-r)) : 0;
}

/* A path of the derivation's own inputs, remembered: the input closure
 * starts there (what --closure adds does not widen it, as in Nix). */
static int note_drv_input(nsb_build *b, const char *path)
{
        int r = strmap_put(&b->drv_inputs, path, strlen(path), 0, false, NULL);
        return r < 0 ? nsb_fail(b, ENOMEM, STEP, "out of memory") : 0;
}

int nsb_build_add_store_input(nsb_build *b, const char *path)
{
        CHECK_CONFIG(b);
        if (!path)
                return -EINVAL;
        return add_store_path(b, path, "input");
}

/* The outputs OUTPUTS of the input derivation DRV_PATH, read from the
 * store. */
static int add_input_derivation(nsb_build *b, const char *drv_path, const char *const *outputs, size_t n)
{
        int r = check_in_store(b, drv_path, "input derivation");
        if (r < 0)
                return r;
        nsb_drv *in = NULL;
        nsb_drv_error e;
        r = nsb_drv_load(drv_path, &in, &e);
        if (r < 0) {
                if (r == -EINVAL)
                        return nsb_fail(b, EINVAL, STEP, "input derivation %s:%u:%u: %s", drv_path, e.line, e.column,
                                        e.message);
                return nsb_fail(b, -r, STEP, "cannot read input derivation %s: %s", drv_path, e.message);
        }
        for (size_t i = 0; i < n && r >= 0; i++) {
                const char *path = nsb_drv_output_path(in, outputs[i]);
                if (!path)
                        r = nsb_fail(b, EINVAL, STEP, "input derivation %s has no output '%s'", drv_path, outputs[i]);
                else if (!*path)
                        r = nsb_fail(b, EINVAL, STEP, "output '%s' of input derivation %s has no path", outputs[i],
                                     drv_path);
                else if ((r = check_in_store(b, path, "input")) >= 0) {
                        struct stat st;
                        if (lstat(path, &st) < 0)
                                r = nsb_fail(b, errno, STEP, "input %s (output '%s' of %s) %s%s", path, outputs[i],
                                             drv_path, errno == ENOENT ? "does not exist" : strerror(errno),
                                             errno == ENOENT ? "; build that derivation first" : "");
                        else if ((r = nsb_build_add_input(b, path)) < 0)
                                r = nsb_fail(b, -r, STEP, "cannot add input %s: %s", path, strerror(-r));
                        else
                                r = note_drv_input(b, path);
                }
        }
        nsb_drv_free(in);
        return r;
}

/* A fixed output: "ALGO" (the hash of the file's contents) or "r:ALGO"
 * (of its NAR serialisation), ALGO md5, sha1, sha256 or sha512, and the
 * hash (hex, as Nix writes it in a derivation; also Nix's base 32, base 64
 * or SRI). */
static int set_fixed_hash(nsb_build *b, struct nsb_output *o, const char *algo, const char *hash)
{
        const char *bare = strncmp(algo, "r:", 2) == 0 ? algo + 2 : algo;
        nsb_hash_algo a;
        if (nsb_hash_algo_from_name(bare, strlen(bare), &a) < 0)
                return nsb_fail(b, EOPNOTSUPP, STEP,
                                "output %s: hash algorithm '%s' is not supported (md5, sha1, sha256 and sha512 are, "
                                "each flat or r:)",
                                o->path, algo);
        if (!nsb_sha256_available())
                return nsb_fail(b, EOPNOTSUPP, STEP,
                                "output %s is fixed-output, but this nsbuild was built without a hash library "
                                "(configure --with-crypto=nettle or =openssl)",
                                o->path);
        if (nsb_hash_parse(a, hash, o->hash) < 0)
                return nsb_fail(b, EINVAL, STEP,
                                "output %s: hash '%s' is not a %s hash (%zu hex digits, Nix's base 32, base 64 or "
                                "SRI)",
                                o->path, hash, bare, 2 * nsb_hash_size(a));
        o->hash_algo = (int) a;
        o->hash_mode = bare == algo ? NSB_HASH_FLAT : NSB_HASH_RECURSIVE;
        return 0;
}

/* The whitespace-separated words of LIST, as a set. */
static int word_set(const char *list, nsb_strmap *ret_set)
{
        for (const char *p = list; *p;) {
                p += strspn(p, " \t\n\r");
                size_t len = strcspn(p, " \t\n\r");
                if (len > 0 && strmap_put(ret_set, p, len, 0, false, NULL) < 0)
                        return -ENOMEM;
                p += len;
        }
        return 0;
}

char *nsb_rewrite_placeholders(const nsb_build *b, const char *s, size_t len, size_t *ret_len)
{
        /* Most strings hold none: copied as they are (a derivation may
         * have a million variables). */
        bool any = false;
        for (char **p = b->placeholders; p && p[0] && !any; p += 2)
                any = memmem(s, len, p[0], strlen(p[0])) != NULL;
        if (!any) {
                char *copy = malloc(len + 1);
                if (!copy)
                        return NULL;
                memcpy(copy, s, len);
                copy[len] = '\0';
                if (ret_len)
                        *ret_len = len;
                return copy;
        }
        char *out = NULL;
        size_t out_len = 0;
        FILE *f = open_memstream(&out, &out_len);
        if (!f)
                return NULL;
        for (size_t i = 0; i < len;) {
                const char *to = NULL;
                size_t from_len = 0;
                for (char **p = b->placeholders; s[i] == '/' && p && p[0] && !to; p += 2) {
                        from_len = strlen(p[0]);
                        if (from_len <= len - i && memcmp(s + i, p[0], from_len) == 0)
                                to = p[1];
                }
                if (to) {
                        fputs(to, f);
                        i += from_len;
                } else
                        fputc(s[i++], f);
        }
        bool failed = ferror(f) != 0;
        if (fclose(f) != 0 || failed) {
                free(out);
                return NULL;
        }
        if (ret_len)
                *ret_len = out_len;
        return out;
}

/* A string of the derivation's, its placeholders rewritten. */
static char *rewritten(nsb_build *b, const char *s)
{
        char *r = nsb_rewrite_placeholders(b, s, strlen(s), NULL);
        if (!r)
                nsb_fail(b, ENOMEM, STEP, "out of memory");
        return r;
}

/* Whether S holds what could be a placeholder: '/' and 52 characters of
 * Nix's base 32. */
static bool has_placeholder_shape(const char *s)
{
        for (const char *p = strchr(s, '/'); p; p = strchr(p + 1, '/'))
                if (strspn(p + 1, "0123456789abcdfghijklmnpqrsvwxyz") >= 52)
                        return true;
        return false;
}

/* The placeholders of the derivation's outputs, as Nix's hashPlaceholder. */
static int set_placeholders(nsb_build *b, const nsb_drv *drv)
{
        size_t n = nsb_drv_n_outputs(drv);
        _cleanup_strv_free_ char **list = calloc(2 * n + 1, sizeof(char *));
        if (!list)
                return nsb_fail(b, ENOMEM, STEP, "out of memory");
        for (size_t i = 0; i < n; i++) {
                const char *name, *path;
                nsb_drv_output(drv, i, &name, &path, NULL, NULL);
                nsb_sha256 h;
                uint8_t digest[NSB_SHA256_SIZE];
                char text[1 + 53];
                if (nsb_sha256_init(&h) < 0)
                        return nsb_fail(b, EIO, STEP, "cannot hash the placeholder of output '%s'", name);
                nsb_sha256_update(&h, "nix-output:", 11);
                nsb_sha256_update(&h, name, strlen(name));
                if (nsb_sha256_final(&h, digest) < 0)
                        return nsb_fail(b, EIO, STEP, "cannot hash the placeholder of output '%s'", name);
                text[0] = '/';
                nsb_sha256_nix32(digest, text + 1);
                if (!(list[2 * i] = strdup(text)) || !(list[2 * i + 1] = strdup(path)))
                        return nsb_fail(b, ENOMEM, STEP, "out of memory");
        }
        strv_free(b->placeholders);
        b->placeholders = TAKE_PTR(list);
        return 0;
}

/* passAsFile: as Nix, the value goes into /build/.attr-<nix32 sha256 of the
 * name> and NAMEPath points to it. */
static int add_pass_as_file(nsb_build *b, const char *name, const char *value)
{
        char file[128], env[256];
        nsb_sha256 ctx;
        if (nsb_sha256_init(&ctx) == 0) {
                uint8_t h[NSB_SHA256_SIZE];
                char h32[53];
                nsb_sha256_update(&ctx, name, strlen(name));
                if (nsb_sha256_final(&ctx, h) < 0)
                        return nsb_fail(b, EIO, STEP, "cannot hash the passAsFile name %s", name);
                nsb_sha256_nix32(h, h32);
                snprintf(file, sizeof(file), ".attr-%s", h32);
        } else {
                /* Without a hash library the name is only unique, not Nix's. */
                snprintf(file, sizeof(file), ".attr-%zu", b->n_files);
        }
        if ((size_t) snprintf(env, sizeof(env), "%sPath", name) >= sizeof(env))
                return nsb_fail(b, ENAMETOOLONG, STEP, "passAsFile name too long: %s", name);
        /* The variable's name too: Nix rewrites all of NAME=VALUE. */
        size_t len;
        _cleanup_free_ char *content = nsb_rewrite_placeholders(b, value, strlen(value), &len),
                            *env_name = nsb_rewrite_placeholders(b, env, strlen(env), NULL);
        if (!content || !env_name)
                return nsb_fail(b, ENOMEM, STEP, "out of memory");
        int r = nsb_build_add_build_file(b, file, content, len, env_name);
        return r < 0 ? nsb_fail(b, -r, STEP, "cannot pass %s as a file: %s", name, strerror(-r)) : 0;
}

/* An attribute of the wrong type (R -EINVAL), as Nix says it. */
static int attr_type_error(nsb_build *b, int r, const char *name, const char *type)
{
        if (r == -EINVAL)
                return nsb_fail(b, EINVAL, STEP, "attribute '%s' of the derivation must be %s", name, type);
        if (r == -EILSEQ)
                return nsb_fail(b, EINVAL, STEP, "attribute '%s' of the derivation must be %s without NUL", name, type);
        return nsb_fail(b, -r, STEP, "cannot read attribute '%s': %s", name, strerror(-r));
}

int nsb_build_set_derivation(nsb_build *b, const nsb_drv *drv)
{
        CHECK_CONFIG(b);
        if (!drv)
                return -EINVAL;
        b->derivation = true;
        int r;

        /* The outputs first: nothing is configured from a derivation
         * whose outputs lie outside the store or cannot be built.  Inputs
         * are checked as they are added. */
        size_t n_out = nsb_drv_n_outputs(drv);
        bool fixed = nsb_drv_is_fixed_output(drv);
        for (size_t i = 0; i < n_out; i++) {
                const char *name, *path, *algo, *hash;
                nsb_drv_output(drv, i, &name, &path, &algo, &hash);
                if (!*path)
                        return nsb_fail(b, EOPNOTSUPP, STEP,
                                        "output '%s' has no path: content-addressed derivations are not supported", name);
                if ((r = check_in_store(b, path, "output")) < 0)
                        return r;
                if (!fixed && (*algo || *hash))
                        return nsb_fail(b, EOPNOTSUPP, STEP,
                                        n_out > 1 ? "output '%s' has a hash, but only a derivation with the single "
                                                    "output 'out' can be fixed-output"
                                                  : "output '%s' has a hash algorithm but no hash: content-addressed "
                                                    "derivations are not supported",
                                        name);
        }

        /* The system: "builtin" builders are Nix's own code. */
        const char *system = nsb_drv_system(drv);
        if (strcmp(system, "builtin") == 0)
                return nsb_fail(b, EOPNOTSUPP, STEP, "builtin builders (%s) are not supported",
                                nsb_drv_builder(drv));
        r = nsb_build_set_system(b, system);
        if (r == -EOPNOTSUPP) {
                struct utsname u;
                return nsb_fail(b, EOPNOTSUPP, STEP, "the derivation is for system '%s', which this %s host cannot run",
                                system, uname(&u) == 0 ? u.machine : "");
        }
        if (r < 0)
                return nsb_fail(b, -r, STEP, "cannot set system '%s': %s", system, strerror(-r));

        /* Output placeholders stand for the outputs' paths in the
         * arguments, the environment and the files made from them, as in
         * Nix (a derivation uses them where it cannot name its own output:
         * builtins.placeholder).  Without a hash library they cannot be
         * known: a derivation that may hold one is refused. */
        if (nsb_sha256_available()) {
                if ((r = set_placeholders(b, drv)) < 0)
                        return r;
        } else {
                bool shaped = false;
                for (size_t i = 0; i < nsb_drv_n_args(drv) && !shaped; i++)
                        shaped = has_placeholder_shape(nsb_drv_arg(drv, i));
                for (size_t i = 0; i < nsb_drv_n_env(drv) && !shaped; i++) {
                        const char *name, *value;
                        nsb_drv_env(drv, i, &name, &value);
                        shaped = has_placeholder_shape(value);
                }
                if (shaped)
                        return nsb_fail(b, EOPNOTSUPP, STEP,
                                        "the derivation may use output placeholders, which this nsbuild cannot "
                                        "rewrite: it was built without a hash library (configure "
                                        "--with-crypto=nettle or =openssl)");
        }

        /* The builder: argv[0] is its base name, as in Nix. */
        const char *builder = nsb_drv_builder(drv);
        if (builder[0] != '/')
                return nsb_fail(b, EINVAL, STEP, "the builder \"%s\" is not an absolute path", builder);
        size_t n_args = nsb_drv_n_args(drv);
        _cleanup_strv_free_ char **argv = calloc(n_args + 2, sizeof(char *));
        if (!argv || !(argv[0] = strdup(strrchr(builder, '/') + 1)))
                return nsb_fail(b, ENOMEM, STEP, "out of memory");
        for (size_t i = 0; i < n_args; i++)
                if (!(argv[i + 1] = rewritten(b, nsb_drv_arg(drv, i))))
                        return -ENOMEM;
        if ((r = nsb_build_set_builder(b, builder, (const char *const *) argv)) < 0)
                return nsb_fail(b, -r, STEP, "cannot set the builder %s: %s", builder, strerror(-r));

        /* The attributes: the environment, or the structured attributes
         * (__json), read as Nix reads them. */
        _cleanup_(attrs_close) nsb_attrs attrs = { 0 };
        char why[256] = "";
        r = nsb_attrs_open(drv, &attrs, why, sizeof(why));
        if (r == -EOPNOTSUPP)
                return nsb_fail(b, EOPNOTSUPP, STEP, "the derivation has structured attributes (__json), but %s", why);
        if (r == -EINVAL)
                return nsb_fail(b, EINVAL, STEP, "cannot read the structured attributes (__json): %s", why);
        if (r < 0)
                return nsb_fail(b, -r, STEP, "cannot read the structured attributes (__json): %s", strerror(-r));

        /* __noChroot: built without a sandbox only where the caller said
         * so; never sandboxed as if it had not asked. */
        bool no_chroot = false;
        if ((r = nsb_attrs_bool(&attrs, "__noChroot", &no_chroot)) < 0)
                return attr_type_error(b, r, "__noChroot", "a Boolean");
        if (no_chroot) {
                if (b->allow_no_chroot)
                        b->sandbox = NSB_SANDBOX_OFF;
                else if (b->sandbox != NSB_SANDBOX_OFF)
                        return nsb_fail(b, EPERM, STEP,
                                        "the derivation asks to be built without a sandbox (__noChroot), which is not "
                                        "allowed: give --allow-no-chroot (or --sandbox=off) to build it so");
        }

        /* requiredSystemFeatures: each one this host offers, as Nix checks
         * before building. */
        _cleanup_strv_free_ char **required = NULL;
        if ((r = nsb_attrs_strings(&attrs, "requiredSystemFeatures", &required)) < 0)
                return attr_type_error(b, r, "requiredSystemFeatures", "a list of strings");
        if (required) {
                const char *offered = b->system_features ? b->system_features
                                      : access("/dev/kvm", R_OK | W_OK) == 0 ? "nixos-test benchmark big-parallel kvm"
                                                                              : "nixos-test benchmark big-parallel";
                for (char **f = required; *f; f++) {
                        const char *feature = *f;
                        size_t len = strlen(feature);
                        if (strcmp(feature, "uid-range") == 0 || strcmp(feature, "recursive-nix") == 0)
                                return nsb_fail(b, EOPNOTSUPP, STEP,
                                                "the derivation requires the system feature '%s', which nsbuild does "
                                                "not offer",
                                                feature);
                        bool have = false;
                        for (const char *q = offered; *q && !have;) {
                                q += strspn(q, " \t\n\r");
                                size_t l = strcspn(q, " \t\n\r");
                                have = l == len && strncmp(q, feature, len) == 0;
                                q += l;
                        }
                        if (!have) {
                                _cleanup_free_ char *list = strv_join(required, ", ");
                                return nsb_fail(b, EOPNOTSUPP, STEP,
                                                "a '%s' with features {%s} is required to build this derivation, but "
                                                "this host offers {%s}",
                                                system, list ? list : feature, offered);
                        }
                        if (strcmp(feature, "kvm") == 0 &&
                            (r = nsb_build_add_bind(b, "/dev/kvm", "/dev/kvm", NSB_BIND_DEVICES)) < 0)
                                return nsb_fail(b, -r, STEP, "cannot bind /dev/kvm: %s", strerror(-r));
                }
        }

        /* The derivation's environment, after (so over) the standard
         * variables; those named in passAsFile go into files instead.
         * With structured attributes, none: they are in .attrs.json and
         * .attrs.sh (structured.c). */
        _cleanup_(strmap_free) nsb_strmap pass_as_file = { 0 };
        const char *list = nsb_drv_getenv(drv, "passAsFile");
        if (list && word_set(list, &pass_as_file) < 0)
                return nsb_fail(b, ENOMEM, STEP, "out of memory");
        for (size_t i = 0; i < nsb_drv_n_env(drv) && !attrs.json; i++) {
                const char *name, *value;
                nsb_drv_env(drv, i, &name, &value);
                if (strmap_get(&pass_as_file, name, strlen(name), NULL)) {
                        if ((r = add_pass_as_file(b, name, value)) < 0)
                                return r;
                        continue;
                }
                _cleanup_free_ char *rname = rewritten(b, name), *rvalue = rname ? rewritten(b, value) : NULL;
                if (!rvalue)
                        return -ENOMEM;
                r = nsb_build_setenv(b, rname, rvalue);
                if (r == -EINVAL)
                        return nsb_fail(b, EINVAL, STEP, "environment variable name \"%s\" is empty or contains '='",
                                        name);
                if (r < 0)
                        return nsb_fail(b, -r, STEP, "cannot set %s: %s", name, strerror(-r));
        }

        /* A fixed-output build, as Nix's: told its output is checked, and
         * given the variables impureEnvVars names from our environment
         * (proxies for a download; empty where unset).  Its output is
         * pure by its hash, whatever they say. */
        if (fixed) {
                if ((r = nsb_build_setenv(b, "NIX_OUTPUT_CHECKED", "1")) < 0)
                        return nsb_fail(b, -r, STEP, "cannot set NIX_OUTPUT_CHECKED: %s", strerror(-r));
                _cleanup_strv_free_ char **impure = NULL;
                if ((r = nsb_attrs_strings(&attrs, "impureEnvVars", &impure)) < 0)
                        return attr_type_error(b, r, "impureEnvVars", "a list of strings");
                for (char **v = impure; v && *v; v++) {
                        const char *name = *v;
                        const char *value = getenv(name);
                        r = nsb_build_setenv(b, name, value ? value : "");
                        if (r < 0)
                                return nsb_fail(b, -r, STEP, "impureEnvVars: cannot set '%s': %s", name,
                                                r == -EINVAL ? "not a variable name" : strerror(-r));
                }
        }

        /* Inputs, each checked to exist now rather than when binding. */
        for (size_t i = 0; i < nsb_drv_n_input_srcs(drv); i++)
                if ((r = add_store_path(b, nsb_drv_input_src(drv, i), "input source")) < 0 ||
                    (r = note_drv_input(b, nsb_drv_input_src(drv, i))) < 0)
                        return r;
        for (size_t i = 0; i < nsb_drv_n_input_drvs(drv); i++) {
                const char *const *outs;
                size_t n;
                const char *path = nsb_drv_input_drv(drv, i, &outs, &n);
                if ((r = add_input_derivation(b, path, outs, n)) < 0)
                        return r;
        }

        for (size_t i = 0; i < n_out; i++) {
                const char *name, *path, *algo, *hash;
                nsb_drv_output(drv, i, &name, &path, &algo, &hash);
                r = nsb_build_add_output(b, path);
                if (r < 0)
                        return nsb_fail(b, -r, STEP, "cannot add output %s: %s", path,
                                        r == -EEXIST ? "two outputs have this path" : strerror(-r));
                if (fixed && (r = set_fixed_hash(b, &b->outputs[b->n_outputs - 1], algo, hash)) < 0)
                        return r;
        }
        if (fixed)
                b->share_network = true;
        b->canonicalise = true;

        /* exportReferencesGraph: pairs of a file name and an input store
         * path; the files are written when the build starts, once the
         * inputs' references are known. */
        if (attrs.json)
                return nsb_structured_configure(b, &attrs);
        const char *graphs = nsb_drv_getenv(drv, "exportReferencesGraph");
        if (graphs) {
                _cleanup_strv_free_ char **words = NULL;
                if (strv_split_words(graphs, &words) < 0)
                        return nsb_fail(b, ENOMEM, STEP, "out of memory");
                size_t n_words = strv_length(words);
                if (n_words % 2)
                        return nsb_fail(b, EINVAL, STEP, "odd number of tokens in 'exportReferencesGraph': '%s'",
                                        graphs);
                for (size_t i = 0; i < n_words; i += 2) {
                        const char *name = words[i];
                        if (!((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z') ||
                              name[0] == '_') ||
                            strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") !=
                                    strlen(name))
                                return nsb_fail(b, EINVAL, STEP, "invalid file name '%s' in 'exportReferencesGraph'",
                                                name);
                        /* A path below a store path stands for it, as in Nix. */
                        size_t sl = strcmp(b->store_dir, "/") == 0 ? 0 : strlen(b->store_dir);
                        char *p = words[i + 1], *below = strncmp(p, b->store_dir, sl) == 0 && p[sl] == '/'
                                                                 ? strchr(p + sl + 1, '/')
                                                                 : NULL;
                        if (below)
                                *below = '\0';
                        if (!nsb_is_store_path(b->store_dir, p))
                                return nsb_fail(b, EINVAL, STEP,
                                                "'exportReferencesGraph' contains a non-store path '%s'", words[i + 1]);
                        /* A name given again: the later path, as Nix
                         * writes the file again. */
                        for (size_t k = 0; k < i; k += 2)
                                if (words[k][0] && strcmp(words[k], name) == 0)
                                        words[k][0] = '\0';
                }
                strv_free(b->export_graphs);
                b->export_graphs = TAKE_PTR(words);
        }

        /* The reference checks, each a list of store paths or names of
         * the derivation's outputs, as Nix reads them. */
        static const char *const checks[] = { "allowedReferences", "disallowedReferences", "allowedRequisites",
                                              "disallowedRequisites" };
        for (size_t k = 0; k < ELEMENTSOF(checks); k++) {
                const char *value = nsb_drv_getenv(drv, checks[k]);
                if (!value)
                        continue;
                size_t n = 0;
                char **paths = calloc(1, sizeof(char *));
                for (const char *p = value; paths && *p;) {
                        p += strspn(p, " \t\n\r");
                        size_t len = strcspn(p, " \t\n\r");
                        if (!len)
                                break;
                        _cleanup_free_ char *word = strndup(p, len);
                        p += len;
                        const char *path = word ? nsb_drv_output_path(drv, word) : NULL;
                        if (word && !path && nsb_is_store_path(b->store_dir, word))
                                path = word;
                        if (word && !path) {
                                strv_free(paths);
                                return nsb_fail(b, EINVAL, STEP,
                                                "derivation contains an illegal reference specifier '%s' in %s", word,
                                                checks[k]);
                        }
                        char **grown = word ? realloc(paths, (n + 2) * sizeof(char *)) : NULL;
                        if (!grown || !(grown[n] = strdup(path))) {
                                strv_free(grown ? grown : paths);
                                return nsb_fail(b, ENOMEM, STEP, "out of memory");
                        }
                        grown[++n] = NULL;
                        paths = grown;
                }
                if (!paths)
                        return nsb_fail(b, ENOMEM, STEP, "out of memory");
                strv_free(b->ref_checks[k]);
                b->ref_checks[k] = paths;
        }
        return 0;
}

int nsb_build_add_input_references(nsb_build *b, const char *path, const char *const *refs)
{
        CHECK_CONFIG(b);
        if (!path || !nsb_path_in_store(b->store_dir, path) || !refs)
                return -EINVAL;
        size_t n = 0;
        while (refs[n])
                if (!nsb_path_in_store(b->store_dir, refs[n++]))
                        return -EINVAL;
        char **copy = calloc(n + 1, sizeof(char *));
        char *key = strdup(path);
        if (!copy || !key || GROW(b->known_inputs, b->known_alloc, b->n_known) < 0) {
                free(copy);
                free(key);
                return -ENOMEM;
        }
        /* known_refs grows with known_inputs (same capacity). */
        char ***grown = realloc(b->known_refs, b->known_alloc * sizeof(char **));
        if (!grown) {
                free(copy);
                free(key);
                return -ENOMEM;
        }
        b->known_refs = grown;
        for (size_t i = 0; i < n; i++)
                if (!(copy[i] = strdup(refs[i]))) {
                        strv_free(copy);
                        free(key);
                        return -ENOMEM;
                }
        size_t old;
        int r = strmap_put(&b->known_index, key, strlen(key), b->n_known, false, &old);
        if (r < 0) {
                strv_free(copy);
                free(key);
                return r;
        }
        if (r == 1) {
                /* Given again: the later list stands. */
                strv_free(b->known_refs[old]);
                b->known_refs[old] = copy;
                free(key);
                return 0;
        }
        b->known_inputs[b->n_known] = key;
        b->known_refs[b->n_known++] = copy;
        return 0;
}
