/* structured.c - a derivation's attributes, and structured attributes.
 *
 * A derivation's attributes are its environment, or, where it was written
 * with __structuredAttrs, the JSON object in its one variable __json.
 * nsb_attrs_* read either the way Nix's ParsedDerivation does.
 *
 * With structured attributes the builder gets none of them in its
 * environment.  They are in the build directory instead, as Nix puts them:
 * .attrs.json (the object, with "outputs" mapping each output's name to its
 * path and each exportReferencesGraph entry replaced by the path
 * information of its closure) and .attrs.sh (what bash can hold of them, as
 * `declare` lines), named by NIX_ATTRS_JSON_FILE and NIX_ATTRS_SH_FILE.
 * Both are written byte for byte as Nix writes them (json.c prints as
 * nlohmann::json does). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "internal.h"

#ifdef HAVE_JSONC
#include <json-c/json.h>
#include <limits.h>

int nsb_attrs_open(const nsb_drv *drv, nsb_attrs *ret, char *err, size_t size)
{
        *ret = (nsb_attrs) { .drv = drv };
        const char *text = nsb_drv_getenv(drv, "__json");
        if (!text)
                return 0;
        struct json_object *o = NULL;
        int r = nsb_json_parse(text, strlen(text), &o, err, size);
        if (r < 0)
                return r;
        if (json_object_get_type(o) != json_type_object) {
                json_object_put(o);
                snprintf(err, size, "it is not a JSON object");
                return -EINVAL;
        }
        ret->json = o;
        return 0;
}

void nsb_attrs_close(nsb_attrs *a)
{
        json_object_put(a->json);
        a->json = NULL;
}

int nsb_attrs_bool(const nsb_attrs *a, const char *name, bool *ret)
{
        if (!a->json) {
                const char *v = nsb_drv_getenv(a->drv, name);
                if (!v)
                        return 0;
                *ret = strcmp(v, "1") == 0;
                return 1;
        }
        struct json_object *v;
        if (!json_object_object_get_ex(a->json, name, &v))
                return 0;
        if (json_object_get_type(v) != json_type_boolean)
                return -EINVAL;
        *ret = json_object_get_boolean(v);
        return 1;
}

/* The strings of V: a list of strings, or (as Nix iterates a JSON value)
 * a single string where ONE_STRING. */
static int strings_of(struct json_object *v, bool one_string, char ***ret)
{
        enum json_type t = json_object_get_type(v);
        if (one_string && t == json_type_null) {
                /* Nix iterates null as nothing. */
                *ret = calloc(1, sizeof(char *));
                return *ret ? 0 : -ENOMEM;
        }
        if (t == json_type_string && strlen(json_object_get_string(v)) != (size_t) json_object_get_string_len(v))
                return -EILSEQ;
        if (one_string && t == json_type_string) {
                char **list = calloc(2, sizeof(char *));
                if (!list || !(list[0] = strdup(json_object_get_string(v)))) {
                        free(list);
                        return -ENOMEM;
                }
                *ret = list;
                return 0;
        }
        if (t != json_type_array)
                return -EINVAL;
        size_t n = json_object_array_length(v);
        _cleanup_strv_free_ char **list = calloc(n + 1, sizeof(char *));
        if (!list)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct json_object *e = json_object_array_get_idx(v, i);
                if (json_object_get_type(e) != json_type_string)
                        return -EINVAL;
                /* A string with a NUL matches nothing Nix would match it
                 * with; refused rather than cut short. */
                if (strlen(json_object_get_string(e)) != (size_t) json_object_get_string_len(e))
                        return -EILSEQ;
                if (!(list[i] = strdup(json_object_get_string(e))))
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(list);
        return 0;
}

int nsb_attrs_strings(const nsb_attrs *a, const char *name, char ***ret)
{
        if (!a->json) {
                const char *v = nsb_drv_getenv(a->drv, name);
                if (!v)
                        return 0;
                int r = strv_split_words(v, ret);
                return r < 0 ? r : 1;
        }
        struct json_object *v;
        if (!json_object_object_get_ex(a->json, name, &v))
                return 0;
        int r = strings_of(v, false, ret);
        return r < 0 ? r : 1;
}

/* ---- .attrs.sh ---- */

static void shell_escape(FILE *f, const char *s, size_t len)
{
        fputc('\'', f);
        for (size_t i = 0; i < len; i++)
                if (s[i] == '\'')
                        fputs("'\\''", f);
                else
                        fputc(s[i], f);
        fputc('\'', f);
}

/* Nix's handleSimpleType: a string quoted; a number whose value as a
 * float is integral, as a C int (std::to_string(get<int>()): the low 32
 * bits of an integer; a double truncated, or INT_MIN out of range, as on
 * x86-64); null ''; a Boolean 1 or nothing.  False for anything else. */
static bool write_simple(FILE *f, struct json_object *v)
{
        switch (json_object_get_type(v)) {
        case json_type_string:
                shell_escape(f, json_object_get_string(v), (size_t) json_object_get_string_len(v));
                return true;
        case json_type_int: {
                int64_t i = json_object_get_int64(v);
                uint64_t u = i == INT64_MAX ? json_object_get_uint64(v) : (uint64_t) i;
                fprintf(f, "%d", (int) (int32_t) (uint32_t) u);
                return true;
        }
        case json_type_double: {
                double d = json_object_get_double(v);
                /* Nix: ceil(f) == f for the float f (2^23 and beyond, every
                 * float is integral); no libm for that (a static cross
                 * build's libm may not link). */
                float x = (float) d;
                if (!(x >= 8388608.0f || x <= -8388608.0f) && x != (float) (int32_t) x)
                        return false;
                fprintf(f, "%d", d > -2147483649.0 && d < 2147483648.0 ? (int) d : INT_MIN);
                return true;
        }
        case json_type_null:
                fputs("''", f);
                return true;
        case json_type_boolean:
                if (json_object_get_boolean(v))
                        fputc('1', f);
                return true;
        default:
                return false;
        }
}

static bool is_shell_name(const char *s)
{
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
                return false;
        return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

static int compare_names(const void *a, const void *b)
{
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The keys of object O, sorted (as nlohmann iterates them); borrowed. */
static int sorted_keys(struct json_object *o, const char ***ret, size_t *ret_n)
{
        size_t n = (size_t) json_object_object_length(o), k = 0;
        const char **keys = calloc(n + 1, sizeof(char *));
        if (!keys)
                return -ENOMEM;
        json_object_object_foreach(o, name, value) {
                (void) value;
                keys[k++] = name;
        }
        qsort(keys, k, sizeof(char *), compare_names);
        *ret = keys;
        *ret_n = k;
        return 0;
}

/* One value into F as a declare line where it can be one; the value
 * written so far is dropped where it cannot (a member that is not simple). */
static int shell_value(FILE *f, const char *key, struct json_object *v)
{
        _cleanup_free_ char *item = NULL;
        size_t item_len = 0;
        FILE *m = open_memstream(&item, &item_len);
        if (!m)
                return -ENOMEM;
        bool good = true;
        const char *form = "";
        enum json_type t = json_object_get_type(v);
        if (t == json_type_array) {
                form = "-a ";
                size_t n = json_object_array_length(v);
                fputc('(', m);
                for (size_t i = 0; i < n && good; i++) {
                        good = write_simple(m, json_object_array_get_idx(v, i));
                        fputc(' ', m);
                }
                fputc(')', m);
        } else if (t == json_type_object) {
                form = "-A ";
                _cleanup_free_ const char **keys = NULL;
                size_t n;
                if (sorted_keys(v, &keys, &n) < 0) {
                        fclose(m);
                        return -ENOMEM;
                }
                fputc('(', m);
                for (size_t i = 0; i < n && good; i++) {
                        struct json_object *e = json_object_object_get(v, keys[i]);
                        fputc('[', m);
                        shell_escape(m, keys[i], strlen(keys[i]));
                        fputs("]=", m);
                        good = write_simple(m, e);
                        fputc(' ', m);
                }
                fputc(')', m);
        } else
                good = write_simple(m, v);
        bool failed = ferror(m) != 0;
        if (fclose(m) != 0 || failed)
                return -ENOMEM;
        if (good) {
                fprintf(f, "declare %s%s=", form, key);
                fwrite(item, 1, item_len, f);
                fputc('\n', f);
        }
        return 0;
}

int nsb_attrs_shell(struct json_object *attrs, char **ret, size_t *ret_len)
{
        _cleanup_free_ const char **keys = NULL;
        size_t n = 0;
        if (sorted_keys(attrs, &keys, &n) < 0)
                return -ENOMEM;
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (!f)
                return -ENOMEM;
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++)
                if (is_shell_name(keys[i]))
                        r = shell_value(f, keys[i], json_object_object_get(attrs, keys[i]));
        bool failed = ferror(f) != 0;
        if (fclose(f) != 0 || failed || r < 0) {
                free(text);
                return r < 0 ? r : -ENOMEM;
        }
        *ret = text;
        *ret_len = len;
        return 0;
}

/* ---- the build's structured attributes ---- */

/* Add V (NULL: it could not be made) as KEY of O, which takes it. */
static int add_member(struct json_object *o, const char *key, struct json_object *v)
{
        if (!v || json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

#define STEP "read derivation"

/* The build's output of the derivation's output NAME; NULL if none. */
static struct nsb_output *output_named(nsb_build *b, const nsb_drv *drv, const char *name)
{
        const char *path = nsb_drv_output_path(drv, name);
        for (size_t i = 0; path && i < b->n_outputs; i++)
                if (strcmp(b->outputs[i].path, path) == 0)
                        return &b->outputs[i];
        return NULL;
}

/* A reference specifier of outputChecks: an output's name, or a store
 * path. */
static int resolve_specs(nsb_build *b, const nsb_drv *drv, char **specs, const char *output, const char *kind)
{
        for (char **s = specs; *s; s++) {
                const char *path = nsb_drv_output_path(drv, *s);
                if (!path && nsb_is_store_path(b->store_dir, *s))
                        path = *s;
                if (!path)
                        return nsb_fail(b, EINVAL, STEP,
                                        "derivation contains an illegal reference specifier '%s' in "
                                        "outputChecks.%s.%s",
                                        *s, output, kind);
                if (path != *s) {
                        char *copy = strdup(path);
                        if (!copy)
                                return nsb_fail(b, ENOMEM, STEP, "out of memory");
                        free(*s);
                        *s = copy;
                }
        }
        return 0;
}

/* A size limit of outputChecks: a non-negative integer, kept plus one. */
static int size_limit(nsb_build *b, struct json_object *checks, const char *output, const char *name,
                      uint64_t *ret_1)
{
        struct json_object *v;
        if (!json_object_object_get_ex(checks, name, &v))
                return 0;
        int64_t i = json_object_get_int64(v);
        if (json_object_get_type(v) != json_type_int || i < 0)
                return nsb_fail(b, EINVAL, STEP, "attribute 'outputChecks.%s.%s' must be a non-negative integer",
                                output, name);
        uint64_t u = i == INT64_MAX ? json_object_get_uint64(v) : (uint64_t) i;
        *ret_1 = u == UINT64_MAX ? UINT64_MAX : u + 1;
        return 0;
}

static int read_output_checks(nsb_build *b, const nsb_drv *drv, struct json_object *all)
{
        static const char *const kinds[] = { [NSB_REFCHECK_ALLOWED_REFS] = "allowedReferences",
                                             [NSB_REFCHECK_DISALLOWED_REFS] = "disallowedReferences",
                                             [NSB_REFCHECK_ALLOWED_REQS] = "allowedRequisites",
                                             [NSB_REFCHECK_DISALLOWED_REQS] = "disallowedRequisites" };
        if (json_object_get_type(all) != json_type_object)
                return nsb_fail(b, EINVAL, STEP, "attribute 'outputChecks' must be an object of output names");
        json_object_object_foreach(all, name, checks) {
                struct nsb_output *o = output_named(b, drv, name);
                if (!o) {
                        nsb_warn(b, "outputChecks.%s: the derivation has no output '%s', ignoring", name, name);
                        continue;
                }
                if (json_object_get_type(checks) != json_type_object)
                        return nsb_fail(b, EINVAL, STEP, "attribute 'outputChecks.%s' must be an object", name);
                int r;
                if ((r = size_limit(b, checks, name, "maxSize", &o->max_size_1)) < 0 ||
                    (r = size_limit(b, checks, name, "maxClosureSize", &o->max_closure_size_1)) < 0)
                        return r;
                struct json_object *v;
                /* Documented in Nix's manual, never read by Nix: a
                 * per-output requisite check counts the output itself. */
                if (json_object_object_get_ex(checks, "ignoreSelfRefs", NULL))
                        nsb_warn(b, "outputChecks.%s.ignoreSelfRefs is not read (Nix does not read it either), ignoring",
                                 name);
                for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                        if (!json_object_object_get_ex(checks, kinds[k], &v))
                                continue;
                        char **specs = NULL;
                        r = strings_of(v, true, &specs);
                        if (r == -EINVAL || r == -EILSEQ)
                                return nsb_fail(b, EINVAL, STEP, "attribute 'outputChecks.%s.%s' must be a list of %s",
                                                name, kinds[k], r == -EILSEQ ? "strings without NUL" : "strings");
                        if (r < 0)
                                return nsb_fail(b, -r, STEP, "out of memory");
                        strv_free(o->checks[k]);
                        o->checks[k] = specs;
                        if ((r = resolve_specs(b, drv, specs, name, kinds[k])) < 0)
                                return r;
                }
        }
        return 0;
}

int nsb_structured_configure(nsb_build *b, nsb_attrs *a)
{
        const nsb_drv *drv = a->drv;
        struct json_object *json = a->json;
        /* What Nix no longer reads once attributes are structured, said
         * rather than dropped. */
        static const char *const top_level[] = { "allowedReferences", "allowedRequisites", "disallowedRequisites",
                                                 "disallowedReferences", "maxSize", "maxClosureSize" };
        for (size_t i = 0; i < ELEMENTSOF(top_level); i++)
                if (json_object_object_get_ex(json, top_level[i], NULL))
                        nsb_warn(b,
                                 "'structuredAttrs' disables the effect of the top-level attribute '%s'; use "
                                 "'outputChecks' instead",
                                 top_level[i]);
        if (nsb_drv_getenv(drv, "passAsFile"))
                nsb_warn(b, "'structuredAttrs' disables the effect of the top-level attribute 'passAsFile'; because "
                            "all JSON is always passed via file");

        /* "outputs": each output's name and path, over the list the
         * derivation gave. */
        struct json_object *outputs = json_object_new_object();
        if (!outputs)
                return nsb_fail(b, ENOMEM, STEP, "out of memory");
        for (size_t i = 0; i < nsb_drv_n_outputs(drv); i++) {
                const char *name, *path;
                nsb_drv_output(drv, i, &name, &path, NULL, NULL);
                if (add_member(outputs, name, json_object_new_string(path)) < 0) {
                        json_object_put(outputs);
                        return nsb_fail(b, ENOMEM, STEP, "out of memory");
                }
        }
        if (add_member(json, "outputs", outputs) < 0)
                return nsb_fail(b, ENOMEM, STEP, "out of memory");

        struct json_object *checks;
        int r;
        if (json_object_object_get_ex(json, "outputChecks", &checks) && (r = read_output_checks(b, drv, checks)) < 0)
                return r;

        /* unsafeDiscardReferences: per output, a Boolean. */
        struct json_object *discard;
        if (json_object_object_get_ex(json, "unsafeDiscardReferences", &discard)) {
                if (json_object_get_type(discard) != json_type_object)
                        return nsb_fail(b, EINVAL, STEP, "attribute 'unsafeDiscardReferences' must be an object of output names");
                json_object_object_foreach(discard, name, value) {
                        if (json_object_get_type(value) != json_type_boolean)
                                return nsb_fail(b, EINVAL, STEP, "attribute 'unsafeDiscardReferences.\"%s\"' must be a Boolean",
                                                name);
                        struct nsb_output *o = output_named(b, drv, name);
                        if (!o) {
                                nsb_warn(b, "unsafeDiscardReferences.%s: the derivation has no output '%s', ignoring", name,
                                         name);
                                continue;
                        }
                        o->discard_references = json_object_get_boolean(value);
                }
        }

        struct json_object *graphs = NULL;
        if (json_object_object_get_ex(json, "exportReferencesGraph", &graphs) &&
            json_object_get_type(graphs) != json_type_object)
                return nsb_fail(b, EINVAL, STEP,
                                "with structured attributes, 'exportReferencesGraph' must be an object (a name for "
                                "each list of store paths)");
        if (graphs && json_object_object_get_ex(graphs, "outputs", NULL))
                return nsb_fail(b, EINVAL, STEP,
                                "'exportReferencesGraph.outputs' would replace the outputs' paths in .attrs.json");
        nsb_json_free(b->structured);
        b->structured = TAKE_PTR(a->json);
        b->structured_attrs = true;
        return 0;
}

/* Nix's path info of PATH, as exportReferencesGraph gives it: path, NAR
 * hash (base 32) and size, references, content address where known, and
 * closure size. */
static int path_info(nsb_build *b, const char *what, const char *path, struct json_object **ret)
{
        const uint8_t *hash;
        uint64_t size;
        const char *ca;
        int r = nsb_path_nar(b, path, &hash, &size, &ca);
        if (r < 0)
                return r;
        char **refs = nsb_references_of(b, path);
        uint64_t closure_size = 0;
        _cleanup_free_ char *entry = NULL;
        if (asprintf(&entry, "exportReferencesGraph '%s'", what) < 0)
                return nsb_fail(b, ENOMEM, STEP, "out of memory");
        if (!refs)
                return nsb_fail(b, ENOENT, "export references graph",
                                "cannot write %s: what %s refers to is not known (give --closure a file in Nix's "
                                "registration format, as nix-store --dump-db writes it)",
                                entry, path);
        if ((r = nsb_closure_size(b, "export references graph", entry, path, &closure_size)) < 0)
                return r;
        char text[8 + 53];
        memcpy(text, "sha256:", 7);
        nsb_sha256_nix32(hash, text + 7);
        size_t n_refs = 0;
        while (refs[n_refs])
                n_refs++;
        _cleanup_free_ const char **sorted = calloc(n_refs + 1, sizeof(char *));
        struct json_object *o = json_object_new_object(), *list = json_object_new_array();
        bool failed = !sorted || !o || !list || add_member(o, "path", json_object_new_string(path)) < 0 ||
                      add_member(o, "narHash", json_object_new_string(text)) < 0 ||
                      add_member(o, "narSize", json_object_new_uint64(size)) < 0;
        if (!failed) {
                memcpy(sorted, refs, n_refs * sizeof(char *));
                qsort(sorted, n_refs, sizeof(char *), compare_names);
                for (size_t i = 0; i < n_refs && !failed; i++) {
                        struct json_object *e = json_object_new_string(sorted[i]);
                        if (!e || json_object_array_add(list, e) < 0) {
                                json_object_put(e);
                                failed = true;
                        }
                }
        }
        if (!failed) {
                failed = add_member(o, "references", list) < 0;
                list = NULL;
        }
        failed = failed || (ca && add_member(o, "ca", json_object_new_string(ca)) < 0) ||
                 add_member(o, "closureSize", json_object_new_uint64(closure_size)) < 0;
        json_object_put(list);
        if (failed) {
                json_object_put(o);
                return nsb_fail(b, ENOMEM, "export references graph", "out of memory");
        }
        *ret = o;
        return 0;
}

/* PATH, absolute, made canonical in place as Nix's canonPath makes it
 * (no symlink followed); a relative one is left as it is. */
static int path_canonicalise(char *path)
{
        if (path[0] != '/')
                return 0;
        size_t out = 0;
        _cleanup_free_ char *copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        for (char *save = NULL, *part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
                if (strcmp(part, ".") == 0)
                        continue;
                if (strcmp(part, "..") == 0) {
                        /* Back to the slash before the last part. */
                        while (out > 0 && path[--out] != '/')
                                ;
                        continue;
                }
                path[out++] = '/';
                size_t n = strlen(part);
                memmove(path + out, part, n);
                out += n;
        }
        if (out == 0)
                path[out++] = '/';
        path[out] = '\0';
        return 0;
}

/* exportReferencesGraph.NAME: its paths' closure (with a derivation's
 * outputs'), each path's information, sorted, as json[NAME]. */
static int export_graph(nsb_build *b, const char *name, struct json_object *value, struct json_object **ret)
{
        _cleanup_strv_free_ char **paths = NULL;
        int r = strings_of(value, true, &paths);
        if (r == -EINVAL || r == -EILSEQ)
                return nsb_fail(b, EINVAL, STEP, "attribute 'exportReferencesGraph.%s' must be a list of store paths",
                                name);
        if (r < 0)
                return nsb_fail(b, -r, STEP, "out of memory");
        nsb_strmap seen = { 0 };
        const char **all = NULL;
        size_t n_all = 0, alloc = 0;
        char **owned_all = NULL;
        size_t n_owned_all = 0, owned_alloc = 0;
        struct json_object *list = NULL;
        for (char **p = paths; *p && r >= 0; p++) {
                /* A store path itself, after Nix's canonPath (lexical:
                 * '.', '..' and repeated or trailing slashes), as Nix
                 * 2.8's parseStorePath here (the list form takes a path
                 * below one). */
                if ((r = path_canonicalise(*p)) < 0) {
                        r = nsb_fail(b, ENOMEM, STEP, "out of memory");
                        break;
                }
                if (!nsb_is_store_path(b->store_dir, *p)) {
                        r = nsb_fail(b, EINVAL, STEP, "'exportReferencesGraph.%s': path '%s' is not a store path", name,
                                     *p);
                        break;
                }
                const char **closure = NULL;
                char **owned = NULL;
                size_t n;
                if ((r = nsb_export_closure(b, name, *p, &closure, &n, &owned)) < 0)
                        break;
                for (size_t i = 0; i < n && r >= 0; i++) {
                        int q = strmap_put(&seen, closure[i], strlen(closure[i]), 0, false, NULL);
                        if (q < 0 || (q == 0 && GROW(all, alloc, n_all) < 0))
                                r = nsb_fail(b, ENOMEM, STEP, "out of memory");
                        else if (q == 0)
                                all[n_all++] = closure[i];
                }
                /* The strings borrowed from OWNED stay until the end. */
                for (size_t i = 0; owned && owned[i] && r >= 0; i++) {
                        if (GROW(owned_all, owned_alloc, n_owned_all + 1) < 0) {
                                r = nsb_fail(b, ENOMEM, STEP, "out of memory");
                                break;
                        }
                        owned_all[n_owned_all++] = owned[i];
                        owned_all[n_owned_all] = NULL;
                        owned[i] = NULL;
                }
                strv_free(owned);
                free(closure);
        }
        if (r >= 0) {
                if (n_all)
                        qsort(all, n_all, sizeof(char *), compare_names);
                list = json_object_new_array();
                if (!list)
                        r = nsb_fail(b, ENOMEM, STEP, "out of memory");
        }
        for (size_t i = 0; i < n_all && r >= 0; i++) {
                struct json_object *info = NULL;
                if ((r = path_info(b, name, all[i], &info)) >= 0 && json_object_array_add(list, info) < 0) {
                        json_object_put(info);
                        r = nsb_fail(b, ENOMEM, STEP, "out of memory");
                }
        }
        strmap_free(&seen);
        free(all);
        strv_free(owned_all);
        if (r < 0) {
                json_object_put(list);
                return r;
        }
        *ret = list;
        return 0;
}

int nsb_structured_write(nsb_build *b)
{
        struct json_object *json = b->structured, *graphs;
        int r;
        if (json_object_object_get_ex(json, "exportReferencesGraph", &graphs)) {
                /* Resolved into a copy of the names first: adding to
                 * JSON while iterating GRAPHS (itself in JSON) is not
                 * safe. */
                _cleanup_free_ const char **keys = NULL;
                size_t n;
                if (sorted_keys(graphs, &keys, &n) < 0)
                        return nsb_fail(b, ENOMEM, STEP, "out of memory");
                json_object_get(graphs);
                for (size_t i = 0; i < n; i++) {
                        struct json_object *list = NULL;
                        if ((r = export_graph(b, keys[i], json_object_object_get(graphs, keys[i]), &list)) < 0) {
                                json_object_put(graphs);
                                return r;
                        }
                        if (add_member(json, keys[i], list) < 0) {
                                json_object_put(graphs);
                                return nsb_fail(b, ENOMEM, STEP, "out of memory");
                        }
                }
                json_object_put(graphs);
        }
        _cleanup_free_ char *raw = NULL, *raw_shell = NULL, *text = NULL, *shell = NULL;
        size_t len, shell_len;
        if ((r = nsb_json_dump(json, &raw, &len)) < 0 || (r = nsb_attrs_shell(json, &raw_shell, &shell_len)) < 0)
                return nsb_fail(b, -r, "write structured attributes", "cannot write them: %s", strerror(-r));
        /* Output placeholders rewritten in the whole text, as Nix does. */
        if (!(text = nsb_rewrite_placeholders(b, raw, len, &len)) ||
            !(shell = nsb_rewrite_placeholders(b, raw_shell, shell_len, &shell_len)))
                return nsb_fail(b, ENOMEM, "write structured attributes", "out of memory");
        if ((r = nsb_build_add_build_file(b, ".attrs.json", text, len, "NIX_ATTRS_JSON_FILE")) < 0 ||
            (r = nsb_build_add_build_file(b, ".attrs.sh", shell, shell_len, "NIX_ATTRS_SH_FILE")) < 0)
                return nsb_fail(b, -r, "write structured attributes", "cannot write .attrs.json and .attrs.sh: %s",
                                r == -EEXIST ? "a file of that name is already written" : strerror(-r));
        return 0;
}

#else /* !HAVE_JSONC */

int nsb_attrs_open(const nsb_drv *drv, nsb_attrs *ret, char *err, size_t size)
{
        *ret = (nsb_attrs) { .drv = drv };
        if (!nsb_drv_getenv(drv, "__json"))
                return 0;
        snprintf(err, size, "this nsbuild was built without json-c (configure --with-jsonc; on Debian: apt-get "
                            "install libjson-c-dev)");
        return -EOPNOTSUPP;
}

void nsb_attrs_close(nsb_attrs *a)
{
        (void) a;
}

int nsb_attrs_bool(const nsb_attrs *a, const char *name, bool *ret)
{
        const char *v = nsb_drv_getenv(a->drv, name);
        if (!v)
                return 0;
        *ret = strcmp(v, "1") == 0;
        return 1;
}

int nsb_attrs_strings(const nsb_attrs *a, const char *name, char ***ret)
{
        const char *v = nsb_drv_getenv(a->drv, name);
        if (!v)
                return 0;
        int r = strv_split_words(v, ret);
        return r < 0 ? r : 1;
}

int nsb_attrs_shell(struct json_object *attrs, char **ret, size_t *ret_len)
{
        (void) attrs;
        (void) ret;
        (void) ret_len;
        return -EOPNOTSUPP;
}

int nsb_structured_configure(nsb_build *b, nsb_attrs *a)
{
        (void) a;
        return nsb_fail(b, EOPNOTSUPP, "read derivation", "structured attributes need json-c");
}

int nsb_structured_write(nsb_build *b)
{
        return nsb_fail(b, EOPNOTSUPP, "write structured attributes", "structured attributes need json-c");
}

#endif
