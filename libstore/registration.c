/* registration.c - what a store registers for each output of a build, as
 * Nix's registerOutputs computes it: the NAR hash and size, and the store
 * paths the output refers to (those among the build's inputs and its own
 * outputs whose hash part occurs in its NAR serialisation, itself
 * included), found in the same pass over the NAR (hash.c, refscan.c).
 * Outputs that refer to each other are put in an order where each comes
 * after those it refers to; a cycle between them fails the build, as does
 * a fixed output with any reference. */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "internal.h"
#include "refscan.h"

/* A candidate: a store path directly inside the store whose name starts
 * with a hash part and a dash. */
struct candidate {
        char part[NSB_REF_LEN + 1];
        const char *path;
};

static bool candidate_of(const char *store, const char *path, struct candidate *ret)
{
        size_t n = strcmp(store, "/") == 0 ? 0 : strlen(store);
        if (strncmp(path, store, n) != 0 || path[n] != '/')
                return false;
        const char *name = path + n + 1;
        if (strchr(name, '/') || strlen(name) <= NSB_REF_LEN || name[NSB_REF_LEN] != '-' ||
            !nsb_refscan_is_part(name, NSB_REF_LEN))
                return false;
        memcpy(ret->part, name, NSB_REF_LEN);
        ret->part[NSB_REF_LEN] = '\0';
        ret->path = path;
        return true;
}

static int compare_strings(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

void nsb_output_info_clear(struct nsb_output *o)
{
        strv_free(o->refs);
        o->refs = NULL;
        o->n_refs = 0;
        o->described = false;
}

/* The NAR hash, size and references of output O, finished, where LOCATE
 * says it is. */
static int describe(nsb_build *b, struct nsb_output *o, nsb_output_locate_fn locate, nsb_refscan *scan,
                    const struct candidate *cands, size_t n_cands)
{
        const char *name;
        _cleanup_close_ int pfd = locate(b, o, &name);
        if (pfd < 0)
                return nsb_fail(b, errno, "register outputs", "cannot open the directory of output %s: %s", o->path,
                                strerror(errno));
        /* Without a hash library the references are still found (the
         * checks need them); the NAR hash is not had. */
        nsb_sha256 h;
        bool hashing = nsb_sha256_available();
        int r = hashing ? nsb_sha256_init(&h) : 0;
        if (r < 0)
                return nsb_fail(b, -r, "register outputs", "cannot hash output %s: %s", o->path, strerror(-r));
        nsb_refscan_reset(scan);
        nsb_nar_sink sink = { .hash = hashing ? &h : NULL, .scan = scan };
        _cleanup_free_ char *where = NULL;
        r = nsb_nar_dump_at(pfd, name, &sink, &where);
        uint8_t digest[NSB_SHA256_SIZE] = { 0 };
        int q = hashing ? nsb_sha256_final(&h, digest) : 0;
        o->nar_hashed = hashing;
        if (r < 0 || q < 0)
                return nsb_fail(b, r < 0 ? -r : -q, "register outputs", "cannot serialise output %s%s%s: %s",
                                o->path, where ? " at " : "", where ? where : "", strerror(r < 0 ? -r : -q));
        memcpy(o->nar_hash, digest, sizeof(digest));
        o->nar_size = sink.size;

        nsb_output_info_clear(o);
        size_t n = 0;
        /* unsafeDiscardReferences: what it names is not looked for, as
         * Nix does not scan such an output. */
        for (size_t i = 0; i < n_cands && !o->discard_references; i++) {
                if (!nsb_refscan_has_found(scan, cands[i].part))
                        continue;
                /* A path bound twice is one reference (sorted and made
                 * unique below). */
                char **grown = realloc(o->refs, (n + 2) * sizeof(char *));
                if (!grown)
                        return nsb_fail(b, ENOMEM, "register outputs", "out of memory");
                o->refs = grown;
                if (!(o->refs[n] = strdup(cands[i].path)))
                        return nsb_fail(b, ENOMEM, "register outputs", "out of memory");
                o->refs[++n] = NULL;
        }
        if (n)
                qsort(o->refs, n, sizeof(char *), compare_strings);
        size_t kept = 0;
        for (size_t k = 0; k < n; k++) {
                if (kept && strcmp(o->refs[kept - 1], o->refs[k]) == 0) {
                        free(o->refs[k]);
                        continue;
                }
                o->refs[kept++] = o->refs[k];
        }
        if (o->refs)
                o->refs[kept] = NULL;
        o->n_refs = kept;
        o->described = true;
        return 0;
}

/* Whether output A refers to output B. */
static bool refers(const struct nsb_output *a, const struct nsb_output *b)
{
        for (size_t k = 0; k < a->n_refs; k++)
                if (strcmp(a->refs[k], b->path) == 0)
                        return true;
        return false;
}

/* ---- allowedReferences and the like (Nix's checkOutputs) ---- */

static const char *const check_names[] = { "allowedReferences", "disallowedReferences", "allowedRequisites",
                                           "disallowedRequisites" };

static char *no_refs[] = { NULL };

char **nsb_references_of(const nsb_build *b, const char *p)
{
        for (size_t i = 0; i < b->n_outputs; i++)
                if (strcmp(b->outputs[i].path, p) == 0)
                        return b->outputs[i].refs ? b->outputs[i].refs : no_refs;
        size_t idx;
        if (strmap_get(&b->known_index, p, strlen(p), &idx))
                return b->known_refs[idx];
        return NULL;
}

int nsb_closure_of(const nsb_build *b, const char *start, const char ***ret, const char **ret_unknown)
{
        _cleanup_(strmap_free) nsb_strmap seen = { 0 };
        const char **queue = NULL;
        size_t n = 0, alloc = 0;
        if (GROW(queue, alloc, n) < 0)
                return -ENOMEM;
        queue[n++] = start;
        if (strmap_put(&seen, start, strlen(start), 0, false, NULL) < 0) {
                free(queue);
                return -ENOMEM;
        }
        for (size_t head = 0; head < n; head++) {
                char **refs = nsb_references_of(b, queue[head]);
                if (!refs) {
                        *ret_unknown = queue[head];
                        free(queue);
                        return -ENOENT;
                }
                for (char **r = refs; *r; r++) {
                        int q = strmap_put(&seen, *r, strlen(*r), 0, false, NULL);
                        if (q < 0 || (q == 0 && GROW(queue, alloc, n + 1) < 0)) {
                                free(queue);
                                return -ENOMEM;
                        }
                        if (q == 0)
                                queue[n++] = *r;
                }
        }
        queue[n] = NULL;
        *ret = queue;
        return 0;
}

static bool listed(char *const *list, const char *p)
{
        for (; *list; list++)
                if (strcmp(*list, p) == 0)
                        return true;
        return false;
}

int nsb_closure_size(nsb_build *b, const char *step, const char *what, const char *path, uint64_t *ret)
{
        _cleanup_free_ const char **closure = NULL;
        const char *unknown = NULL;
        int r = nsb_closure_of(b, path, &closure, &unknown);
        if (r == -ENOENT)
                return nsb_fail(b, ENOENT, step,
                                "cannot find %s: what %s refers to is not known (give --closure a file in Nix's "
                                "registration format, as nix-store --dump-db writes it)",
                                what, unknown);
        if (r < 0)
                return nsb_fail(b, -r, step, "out of memory");
        uint64_t sum = 0;
        for (size_t i = 0; closure[i]; i++) {
                uint64_t size = 0;
                if ((r = nsb_path_nar(b, closure[i], NULL, &size, NULL)) < 0)
                        return r;
                sum += size;
        }
        *ret = sum;
        return 0;
}

/* Check KIND with SPEC on output O; a requisite check leaves O itself out
 * where IGNORE_SELF. */
static int check_output(nsb_build *b, const struct nsb_output *o, int kind, char *const *spec, bool ignore_self)
{
        if (!spec)
                return 0;
        bool allowed = kind == NSB_REFCHECK_ALLOWED_REFS || kind == NSB_REFCHECK_ALLOWED_REQS;
        bool recursive = kind == NSB_REFCHECK_ALLOWED_REQS || kind == NSB_REFCHECK_DISALLOWED_REQS;
        _cleanup_free_ const char **closure = NULL;
        const char *const *used = (const char *const *) (o->refs ? o->refs : no_refs);
        if (recursive) {
                const char *unknown = NULL;
                int r = nsb_closure_of(b, o->path, &closure, &unknown);
                if (r == -ENOENT)
                        return nsb_fail(b, ENOENT, "check outputs",
                                        "cannot check %s of output '%s': what %s refers to is not known (give "
                                        "--closure a file in Nix's registration format, as nix-store --dump-db "
                                        "writes it)",
                                        check_names[kind], o->path, unknown);
                if (r < 0)
                        return nsb_fail(b, -r, "check outputs", "out of memory");
                if (ignore_self) {
                        size_t k = 0;
                        for (size_t j = 0; closure[j]; j++)
                                if (strcmp(closure[j], o->path) != 0)
                                        closure[k++] = closure[j];
                        closure[k] = NULL;
                }
                used = closure;
        }
        char bad[2048];
        size_t len = 0;
        bad[0] = '\0';
        size_t n_bad = 0;
        for (const char *const *u = used; *u; u++)
                if (allowed != listed(spec, *u)) {
                        n_bad++;
                        if (len < sizeof(bad))
                                len += (size_t) snprintf(bad + len, sizeof(bad) - len, "%s%s", n_bad > 1 ? ", " : "",
                                                         *u);
                }
        if (!n_bad)
                return 0;
        return nsb_fail(b, EPERM, "check outputs",
                        "output '%s' is not allowed to refer to the following paths (%s): %s", o->path,
                        check_names[kind], bad);
}

/* The checks of output O, in Nix's order: its sizes (structured
 * attributes' outputChecks), then its references and requisites.  Without
 * structured attributes the derivation's checks apply to every output,
 * requisites without the output itself; with them, outputChecks.<name>. */
static int check_sizes_and_references(nsb_build *b, const struct nsb_output *o)
{
        static const int kinds[] = { NSB_REFCHECK_ALLOWED_REFS, NSB_REFCHECK_ALLOWED_REQS,
                                     NSB_REFCHECK_DISALLOWED_REFS, NSB_REFCHECK_DISALLOWED_REQS };
        int r;
        if (o->max_size_1 && o->nar_size > o->max_size_1 - 1)
                return nsb_fail(b, EFBIG, "check outputs", "path '%s' is too large at %" PRIu64 " bytes; limit is %" PRIu64
                                " bytes", o->path, o->nar_size, o->max_size_1 - 1);
        if (o->max_closure_size_1) {
                uint64_t size = 0;
                _cleanup_free_ char *what = NULL;
                if (asprintf(&what, "the closure size of output '%s' (maxClosureSize)", o->path) < 0)
                        return nsb_fail(b, ENOMEM, "check outputs", "out of memory");
                if ((r = nsb_closure_size(b, "check outputs", what, o->path, &size)) < 0)
                        return r;
                if (size > o->max_closure_size_1 - 1)
                        return nsb_fail(b, EFBIG, "check outputs",
                                        "closure of path '%s' is too large at %" PRIu64 " bytes; limit is %" PRIu64
                                        " bytes",
                                        o->path, size, o->max_closure_size_1 - 1);
        }
        for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                r = b->structured_attrs ? check_output(b, o, kinds[k], o->checks[kinds[k]], o->ignore_self_refs)
                                  : check_output(b, o, kinds[k], b->ref_checks[kinds[k]], true);
                if (r < 0)
                        return r;
        }
        return 0;
}

int nsb_outputs_register(nsb_build *b, nsb_output_locate_fn locate)
{
        /* The candidates: every input in the store, and the outputs. */
        size_t n_cands = 0;
        _cleanup_free_ struct candidate *cands = calloc(b->n_binds + b->n_outputs + 1, sizeof(*cands));
        _cleanup_free_ const char **parts = calloc(b->n_binds + b->n_outputs + 1, sizeof(*parts));
        if (!cands || !parts)
                return nsb_fail(b, ENOMEM, "register outputs", "out of memory");
        /* Inputs only: a path bound for the sandbox's sake (a sandbox
         * path) is no reference, as in Nix. */
        for (size_t i = 0; i < b->n_binds; i++)
                if (b->binds[i].input && candidate_of(b->store_dir, b->binds[i].dest, &cands[n_cands]))
                        n_cands++;
        for (size_t i = 0; i < b->n_outputs; i++)
                if (candidate_of(b->store_dir, b->outputs[i].path, &cands[n_cands]))
                        n_cands++;
        for (size_t i = 0; i < n_cands; i++)
                parts[i] = cands[i].part;
        nsb_refscan *scan = NULL;
        int r = nsb_refscan_new(parts, n_cands, &scan);
        if (r < 0)
                return nsb_fail(b, -r, "register outputs", "cannot prepare the reference scan: %s", strerror(-r));
        for (size_t i = 0; i < b->n_outputs && r >= 0; i++)
                r = describe(b, &b->outputs[i], locate, scan, cands, n_cands);
        nsb_refscan_free(scan);
        if (r < 0)
                return r;

        /* A fixed output refers to nothing: its hash says what it is, not
         * what it was built with. */
        for (size_t i = 0; i < b->n_outputs; i++) {
                const struct nsb_output *o = &b->outputs[i];
                size_t others = 0;
                const char *example = NULL;
                for (size_t k = 0; k < o->n_refs; k++)
                        if (strcmp(o->refs[k], o->path) != 0) {
                                others++;
                                example = example ? example : o->refs[k];
                        }
                /* Itself it may name: its hash was taken modulo that. */
                if (o->hash_mode != NSB_HASH_NONE && others)
                        return nsb_fail(b, EINVAL, "register outputs",
                                        "fixed-output derivations must not reference store paths: '%s' references "
                                        "%zu distinct paths, e.g. '%s'",
                                        o->path, others, example);
        }

        /* The order to register them in: each after the outputs it refers
         * to (itself aside).  Repeatedly take one whose output references
         * are all placed; none left to take is a cycle. */
        size_t n = b->n_outputs, placed = 0;
        _cleanup_free_ bool *done = calloc(n ? n : 1, sizeof(bool));
        _cleanup_free_ size_t *order = calloc(n ? n : 1, sizeof(size_t));
        if (!done || !order)
                return nsb_fail(b, ENOMEM, "register outputs", "out of memory");
        while (placed < n) {
                size_t take = n;
                for (size_t i = 0; i < n && take == n; i++) {
                        if (done[i])
                                continue;
                        bool ready = true;
                        for (size_t j = 0; j < n && ready; j++)
                                if (j != i && !done[j] && refers(&b->outputs[i], &b->outputs[j]))
                                        ready = false;
                        if (ready)
                                take = i;
                }
                if (take == n) {
                        /* Name two outputs of the cycle. */
                        for (size_t i = 0; i < n; i++)
                                for (size_t j = 0; j < n; j++)
                                        if (!done[i] && !done[j] && i != j && refers(&b->outputs[i], &b->outputs[j]))
                                                return nsb_fail(b, ELOOP, "register outputs",
                                                                "cycle detected in the references of output '%s' "
                                                                "from output '%s'",
                                                                b->outputs[j].path, b->outputs[i].path);
                        return nsb_fail(b, ELOOP, "register outputs", "cycle detected between the outputs");
                }
                done[take] = true;
                order[placed++] = take;
        }
        for (size_t i = 0; i < n; i++)
                b->outputs[order[i]].register_order = i;

        for (size_t i = 0; i < n; i++)
                if ((r = check_sizes_and_references(b, &b->outputs[i])) < 0)
                        return r;
        return 0;
}

static int compare_cstrings(const void *a, const void *b)
{
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* Whether PATH is in the input closure: an input, or what inputs refer
 * to, as far as that is known. */
static int in_input_closure(const nsb_build *b, const char *path, bool *ret)
{
        _cleanup_(strmap_free) nsb_strmap seen = { 0 };
        _cleanup_free_ const char **queue = NULL;
        size_t n = 0, alloc = 0;
        /* From a derivation's own inputs where it has them (what --closure
         * adds only says what they refer to); else from every input. */
        bool own = b->drv_inputs.n > 0;
        for (size_t i = 0; i < b->n_binds; i++) {
                const char *p = b->binds[i].dest;
                if (!b->binds[i].input || strmap_get(&seen, p, strlen(p), NULL) ||
                    (own && !strmap_get(&b->drv_inputs, p, strlen(p), NULL)))
                        continue;
                if (strmap_put(&seen, p, strlen(p), 0, false, NULL) < 0 || GROW(queue, alloc, n) < 0)
                        return -ENOMEM;
                queue[n++] = p;
        }
        for (size_t head = 0; head < n; head++) {
                char **refs = nsb_references_of(b, queue[head]);
                for (char **r = refs; r && *r; r++) {
                        int q = strmap_put(&seen, *r, strlen(*r), 0, false, NULL);
                        if (q < 0 || (q == 0 && GROW(queue, alloc, n) < 0))
                                return -ENOMEM;
                        if (q == 0)
                                queue[n++] = *r;
                }
        }
        *ret = strmap_get(&seen, path, strlen(path), NULL);
        return 0;
}

int nsb_export_closure(nsb_build *b, const char *what, const char *path, const char ***ret, size_t *ret_n,
                       char ***ret_owned)
{
        bool known;
        int r = in_input_closure(b, path, &known);
        if (r < 0)
                return nsb_fail(b, -r, "export references graph", "out of memory");
        if (!known)
                return nsb_fail(b, EINVAL, "export references graph",
                                "cannot export references of path '%s' because it is not in the input closure of the "
                                "derivation (exportReferencesGraph '%s')",
                                path, what);
        _cleanup_free_ const char **closure = NULL;
        const char *unknown = NULL;
        r = nsb_closure_of(b, path, &closure, &unknown);
        if (r == -ENOENT)
                return nsb_fail(b, ENOENT, "export references graph",
                                "cannot write exportReferencesGraph '%s': what %s refers to is not known (give "
                                "--closure a file in Nix's registration format, as nix-store --dump-db writes it)",
                                what, unknown);
        if (r < 0)
                return nsb_fail(b, -r, "export references graph", "out of memory");
        size_t n = 0;
        while (closure[n])
                n++;
        _cleanup_strv_free_ char **owned = NULL;
        size_t n_owned = 0, owned_alloc = 0;
        /* A derivation in the graph brings its outputs' closures, as
         * Nix's exportReferences does. */
        for (size_t i = 0; i < n; i++) {
                size_t len = strlen(closure[i]);
                if (len < 4 || strcmp(closure[i] + len - 4, ".drv") != 0)
                        continue;
                nsb_drv *drv = NULL;
                nsb_drv_error derr;
                if (nsb_drv_load(closure[i], &drv, &derr) < 0)
                        continue;
                for (size_t k = 0; k < nsb_drv_n_outputs(drv); k++) {
                        const char *out;
                        nsb_drv_output(drv, k, NULL, &out, NULL, NULL);
                        _cleanup_free_ const char **more = NULL;
                        if (!*out)
                                continue;
                        /* Nix exports each output's closure, and fails where
                         * an output is not valid: so does this, where what
                         * it refers to is not known. */
                        if ((r = nsb_closure_of(b, out, &more, &unknown)) < 0) {
                                /* (UNKNOWN may be the derivation's string:
                                 * said before it is freed.) */
                                if (r != -ENOENT)
                                        nsb_fail(b, -r, "export references graph", "out of memory");
                                else
                                        nsb_fail(b, ENOENT, "export references graph",
                                                 "cannot write exportReferencesGraph '%s': what %s (an output of %s) "
                                                 "refers to is not known (give --closure a file in Nix's "
                                                 "registration format, as nix-store --dump-db writes it)",
                                                 what, unknown, closure[i]);
                                nsb_drv_free(drv);
                                return r;
                        }
                        for (const char **m = more; *m; m++) {
                                bool seen = false;
                                for (size_t j = 0; j < n && !seen; j++)
                                        seen = strcmp(closure[j], *m) == 0;
                                if (seen)
                                        continue;
                                /* A copy: the output's path is the
                                 * derivation's, freed below. */
                                const char **grown = realloc(closure, (n + 2) * sizeof(char *));
                                char *copy = grown ? strdup(*m) : NULL;
                                if (grown)
                                        closure = grown;
                                if (!copy || GROW(owned, owned_alloc, n_owned + 1) < 0) {
                                        free(copy);
                                        nsb_drv_free(drv);
                                        return nsb_fail(b, ENOMEM, "export references graph", "out of memory");
                                }
                                owned[n_owned++] = copy;
                                owned[n_owned] = NULL;
                                closure[n++] = copy;
                                closure[n] = NULL;
                        }
                }
                nsb_drv_free(drv);
        }
        qsort(closure, n, sizeof(char *), compare_cstrings);
        *ret = TAKE_PTR(closure);
        *ret_n = n;
        *ret_owned = TAKE_PTR(owned);
        return 0;
}

int nsb_export_graphs(nsb_build *b)
{
        for (char **p = b->export_graphs; p && p[0] && p[1]; p += 2) {
                if (!p[0][0])
                        continue; /* named again later */
                _cleanup_free_ const char **closure = NULL;
                _cleanup_strv_free_ char **owned = NULL;
                size_t n;
                int r = nsb_export_closure(b, p[0], p[1], &closure, &n, &owned);
                if (r < 0)
                        return r;
                char *text = NULL;
                size_t len = 0;
                FILE *f = open_memstream(&text, &len);
                if (!f)
                        return nsb_fail(b, ENOMEM, "export references graph", "out of memory");
                for (size_t i = 0; i < n; i++) {
                        char **refs = nsb_references_of(b, closure[i]);
                        size_t k = 0;
                        while (refs[k])
                                k++;
                        /* Sorted, as Nix writes a set, whatever order the
                         * references were given in. */
                        _cleanup_free_ const char **sorted = calloc(k + 1, sizeof(char *));
                        if (!sorted) {
                                fclose(f);
                                free(text);
                                return nsb_fail(b, ENOMEM, "export references graph", "out of memory");
                        }
                        memcpy(sorted, refs, k * sizeof(char *));
                        qsort(sorted, k, sizeof(char *), compare_cstrings);
                        fprintf(f, "%s\n\n%zu\n", closure[i], k);
                        for (size_t j = 0; j < k; j++)
                                fprintf(f, "%s\n", sorted[j]);
                }
                bool failed = ferror(f) != 0;
                if (fclose(f) != 0 || failed) {
                        free(text);
                        return nsb_fail(b, ENOMEM, "export references graph", "out of memory");
                }
                r = nsb_build_add_build_file(b, p[0], text, len, NULL);
                free(text);
                if (r < 0)
                        return nsb_fail(b, -r, "export references graph", "cannot write exportReferencesGraph '%s': %s",
                                        p[0], r == -EEXIST ? "a file of that name is already written" : strerror(-r));
        }
        return 0;
}

/* ---- what is known of inputs ---- */

static struct nsb_input_info *find_input_info(const nsb_build *b, const char *path)
{
        size_t idx;
        return strmap_get(&b->input_info_index, path, strlen(path), &idx) ? &b->input_info[idx] : NULL;
}

static struct nsb_input_info *add_input_info(nsb_build *b, const char *path)
{
        struct nsb_input_info *info = find_input_info(b, path);
        if (info)
                return info;
        if (GROW(b->input_info, b->input_info_alloc, b->n_input_info) < 0)
                return NULL;
        info = &b->input_info[b->n_input_info];
        *info = (struct nsb_input_info) { .path = strdup(path) };
        if (!info->path || strmap_put(&b->input_info_index, info->path, strlen(info->path), b->n_input_info, false,
                                      NULL) < 0) {
                free(info->path);
                return NULL;
        }
        b->n_input_info++;
        return info;
}

void nsb_input_info_free(nsb_build *b)
{
        for (size_t i = 0; i < b->n_input_info; i++) {
                free(b->input_info[i].path);
                free(b->input_info[i].ca);
        }
        free(b->input_info);
        strmap_free(&b->input_info_index);
}

/* Nix's content addresses: text:sha256:HASH, fixed:[r:]ALGO:HASH, HASH
 * in Nix's base 32 of the algorithm's size. */
static bool is_content_address(const char *ca)
{
        const char *p;
        if (strncmp(ca, "text:", 5) == 0)
                p = ca + 5;
        else if (strncmp(ca, "fixed:", 6) == 0)
                p = strncmp(ca + 6, "r:", 2) == 0 ? ca + 8 : ca + 6;
        else
                return false;
        const char *colon = strchr(p, ':');
        nsb_hash_algo algo;
        if (!colon || nsb_hash_algo_from_name(p, (size_t) (colon - p), &algo) < 0 ||
            (ca[0] == 't' && algo != NSB_HASH_SHA256))
                return false;
        size_t n32 = (nsb_hash_size(algo) * 8 + 4) / 5;
        return strlen(colon + 1) == n32 && strspn(colon + 1, "0123456789abcdfghijklmnpqrsvwxyz") == n32;
}

int nsb_build_add_input_info(nsb_build *b, const char *path, const char *nar_hash, uint64_t nar_size, const char *ca)
{
        CHECK_CONFIG(b);
        if (!path || !path_is_normal_absolute(path))
                return -EINVAL;
        uint8_t hash[NSB_SHA256_SIZE];
        if (nar_hash) {
                const char *text = strncmp(nar_hash, "sha256:", 7) == 0 ? nar_hash + 7 : nar_hash;
                if (nsb_hash_parse(NSB_HASH_SHA256, text, hash) < 0)
                        return -EINVAL;
        }
        if (ca && *ca && !is_content_address(ca))
                return -EINVAL;
        char *ca_copy = ca && *ca ? strdup(ca) : NULL;
        struct nsb_input_info *info = (ca_copy || !(ca && *ca)) ? add_input_info(b, path) : NULL;
        if (!info) {
                free(ca_copy);
                return -ENOMEM;
        }
        if (nar_hash) {
                memcpy(info->nar_hash, hash, sizeof(hash));
                info->nar_size = nar_size;
                info->have_nar = true;
        }
        /* A source that does not say (the registration format) keeps
         * what another said. */
        if (ca_copy) {
                free(info->ca);
                info->ca = ca_copy;
        }
        return 0;
}

int nsb_path_nar(nsb_build *b, const char *path, const uint8_t **ret_hash, uint64_t *ret_size, const char **ret_ca)
{
        for (size_t i = 0; i < b->n_outputs; i++) {
                struct nsb_output *o = &b->outputs[i];
                if (strcmp(o->path, path) != 0 || !o->described)
                        continue;
                if (ret_hash && !o->nar_hashed)
                        return nsb_fail(b, EOPNOTSUPP, "describe inputs",
                                        "cannot hash %s: this nsbuild was built without a hash library", path);
                if (ret_hash)
                        *ret_hash = o->nar_hash;
                if (ret_size)
                        *ret_size = o->nar_size;
                if (ret_ca)
                        *ret_ca = NULL;
                return 0;
        }
        struct nsb_input_info *info = add_input_info(b, path);
        if (!info)
                return nsb_fail(b, ENOMEM, "describe inputs", "out of memory");
        if (!info->have_nar) {
                /* Not given by the store: serialise it (the path as it is
                 * on the host, not followed if a symlink). */
                nsb_sha256 h;
                bool hashing = nsb_sha256_available();
                if (ret_hash && !hashing)
                        return nsb_fail(b, EOPNOTSUPP, "describe inputs",
                                        "cannot hash %s: this nsbuild was built without a hash library", path);
                int r = hashing ? nsb_sha256_init(&h) : 0;
                nsb_nar_sink sink = { .hash = hashing ? &h : NULL };
                _cleanup_free_ char *where = NULL;
                if (r >= 0)
                        r = nsb_nar_dump_at(AT_FDCWD, path, &sink, &where);
                uint8_t digest[NSB_SHA256_SIZE] = { 0 };
                int q = hashing ? nsb_sha256_final(&h, digest) : 0;
                if (r < 0 || q < 0)
                        return nsb_fail(b, r < 0 ? -r : -q, "describe inputs", "cannot serialise %s%s%s: %s", path,
                                        where ? " at " : "", where ? where : "", strerror(r < 0 ? -r : -q));
                if (!hashing) {
                        /* The size alone: not remembered as known. */
                        if (ret_size)
                                *ret_size = sink.size;
                        if (ret_ca)
                                *ret_ca = info->ca;
                        return 0;
                }
                memcpy(info->nar_hash, digest, sizeof(digest));
                info->nar_size = sink.size;
                info->have_nar = true;
        }
        if (ret_hash)
                *ret_hash = info->nar_hash;
        if (ret_size)
                *ret_size = info->nar_size;
        if (ret_ca)
                *ret_ca = info->ca;
        return 0;
}

/* ---- the public accessors (nsbuild.h) ---- */

static const struct nsb_output *described(const nsb_build *b, size_t i)
{
        if (!b || i >= b->n_outputs || !b->outputs[i].described)
                return NULL;
        return &b->outputs[i];
}

size_t nsb_build_n_outputs(const nsb_build *b)
{
        return b ? b->n_outputs : 0;
}

const char *nsb_build_output_path(const nsb_build *b, size_t i)
{
        return b && i < b->n_outputs ? b->outputs[i].path : NULL;
}

int nsb_build_output_nar_hash(const nsb_build *b, size_t i, int format, char *buf, size_t size)
{
        const struct nsb_output *o = described(b, i);
        if (!o)
                return -ENODATA;
        if (!o->nar_hashed)
                return -EOPNOTSUPP;
        if (format != NSB_NAR_HASH_NIX32 && format != NSB_NAR_HASH_BASE16)
                return -EINVAL;
        char text[2 * NSB_SHA256_SIZE + 1];
        if (format == NSB_NAR_HASH_BASE16)
                nsb_sha256_hex(o->nar_hash, text);
        else
                nsb_sha256_nix32(o->nar_hash, text);
        int n = snprintf(buf, size, "%s%s", format == NSB_NAR_HASH_NIX32 ? "sha256:" : "", text);
        return n >= 0 && (size_t) n < size ? 0 : -ENOBUFS;
}

int64_t nsb_build_output_nar_size(const nsb_build *b, size_t i)
{
        const struct nsb_output *o = described(b, i);
        return o ? (int64_t) o->nar_size : -ENODATA;
}

const char *const *nsb_build_output_references(const nsb_build *b, size_t i, size_t *ret_n)
{
        const struct nsb_output *o = described(b, i);
        static const char *const none[] = { NULL };
        if (ret_n)
                *ret_n = o ? o->n_refs : 0;
        return o ? (o->refs ? (const char *const *) o->refs : none) : NULL;
}

int nsb_build_output_ca(const nsb_build *b, size_t i, char *buf, size_t size)
{
        const struct nsb_output *o = described(b, i);
        if (!o)
                return -ENODATA;
        if (o->hash_mode == NSB_HASH_NONE) {
                if (size)
                        buf[0] = '\0';
                return 0;
        }
        char n32[NSB_HASH_MAX * 2];
        nsb_hash_algo algo = (nsb_hash_algo) o->hash_algo;
        nsb_hash_nix32(o->hash, nsb_hash_size(algo), n32);
        int n = snprintf(buf, size, "fixed:%s%s:%s", o->hash_mode == NSB_HASH_RECURSIVE ? "r:" : "",
                         nsb_hash_algo_name(algo), n32);
        return n >= 0 && (size_t) n < size ? 0 : -ENOBUFS;
}

int nsb_build_output_register_order(const nsb_build *b, size_t i)
{
        const struct nsb_output *o = described(b, i);
        return o ? (int) o->register_order : -ENODATA;
}
