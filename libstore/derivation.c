/* derivation.c - the ATerm derivation format (.drv): parse and print.
 *
 *   Derive([("out","/nix/store/...-hello","","")],
 *          [("/nix/store/...-bash.drv",["out"])],
 *          ["/nix/store/...-builder.sh"],
 *          "x86_64-linux","/nix/store/...-bash/bin/bash",["-e","..."],
 *          [("name","value"),...])
 *
 * (written on one line, without spaces).  The parser is a hand-written
 * recursive-descent reader of exactly this grammar, so its nesting depth is
 * fixed by the grammar, not by the input.  Memory is bounded by the input:
 * every string, unescaped, goes into one buffer as large as the input, and
 * the lists hold at most NSB_DRV_MAX_ITEMS entries.  It accepts exactly
 * what Nix writes: a string escape other than \" \\ \n \r \t, a raw
 * newline, carriage return or tab inside a string, a NUL byte, a duplicate
 * name and trailing data are all errors.  In exchange, printing a parsed
 * derivation reproduces its input byte for byte, which is what the hash of
 * a .drv file is computed over. */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

struct drv_output {
        const char *name, *path, *hash_algo, *hash;
        size_t pos;             /* of the name, for messages */
};

struct drv_input {
        const char *path;
        const char **outputs;
        size_t n_outputs;
        size_t pos;
};

struct nsb_drv {
        char *strings;          /* every string, unescaped, NUL-terminated */
        size_t strings_used;
        struct drv_output *outputs;
        size_t n_outputs;
        struct drv_input *inputs;
        size_t n_inputs;
        const char **srcs;
        size_t *srcs_pos;
        size_t n_srcs;
        const char *system;
        const char *builder;
        const char **args;
        size_t n_args;
        const char **env_names;
        const char **env_values;
        size_t *env_pos;
        size_t n_env;
};

typedef struct parser {
        const char *text;
        size_t len;
        size_t pos;
        nsb_drv *drv;
        nsb_drv_error *error;
} parser;

/* Fill the error at byte POS; line and column count from 1, the column in
 * bytes.  Always returns -EINVAL (or ENOMEM/E2BIG passed in). */
static int __attribute__((format(printf, 4, 5)))
parse_error(parser *p, size_t pos, int err, const char *fmt, ...)
{
        if (p->error) {
                unsigned line = 1, column = 1;
                for (size_t i = 0; i < pos && i < p->len; i++) {
                        if (p->text[i] == '\n') {
                                line++;
                                column = 1;
                        } else
                                column++;
                }
                p->error->offset = pos;
                p->error->line = line;
                p->error->column = column;
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(p->error->message, sizeof(p->error->message), fmt, ap);
                va_end(ap);
        }
        return -err;
}

/* What is at the current position, for "found ..." in messages. */
static const char *describe(const parser *p, char buf[static 16])
{
        if (p->pos >= p->len)
                return "the end of the input";
        unsigned char c = (unsigned char) p->text[p->pos];
        if (c >= 0x21 && c < 0x7f)
                snprintf(buf, 16, "'%c'", c);
        else
                snprintf(buf, 16, "byte 0x%02x", c);
        return buf;
}

static int expect_char(parser *p, char c, const char *context)
{
        if (p->pos < p->len && p->text[p->pos] == c) {
                p->pos++;
                return 0;
        }
        char buf[16];
        return parse_error(p, p->pos, EINVAL, "expected '%c' %s, found %s", c, context, describe(p, buf));
}

static bool accept_char(parser *p, char c)
{
        if (p->pos < p->len && p->text[p->pos] == c) {
                p->pos++;
                return true;
        }
        return false;
}

/* A quoted string, unescaped into the string buffer. */
static int parse_string(parser *p, const char *what, const char **ret)
{
        if (p->pos >= p->len || p->text[p->pos] != '"') {
                char buf[16];
                return parse_error(p, p->pos, EINVAL, "expected '\"' to start %s, found %s", what,
                                   describe(p, buf));
        }
        size_t start = p->pos++;
        char *out = p->drv->strings + p->drv->strings_used;
        size_t n = 0;
        for (;;) {
                if (p->pos >= p->len)
                        return parse_error(p, start, EINVAL, "unterminated string (%s)", what);
                char c = p->text[p->pos];
                if (c == '"')
                        break;
                if (c == '\0' || c == '\n' || c == '\r' || c == '\t') {
                        static const char *const names[] = { ['\0'] = "NUL byte", ['\n'] = "raw newline",
                                                             ['\r'] = "raw carriage return", ['\t'] = "raw tab" };
                        return parse_error(p, p->pos, EINVAL, "%s in %s (derivations escape it)", names[(int) c],
                                           what);
                }
                if (c == '\\') {
                        if (p->pos + 1 >= p->len)
                                return parse_error(p, start, EINVAL, "unterminated string (%s)", what);
                        switch (p->text[p->pos + 1]) {
                        case '"': c = '"'; break;
                        case '\\': c = '\\'; break;
                        case 'n': c = '\n'; break;
                        case 'r': c = '\r'; break;
                        case 't': c = '\t'; break;
                        default:
                                return parse_error(p, p->pos, EINVAL,
                                                   "unknown escape in %s; expected one of \\\" \\\\ \\n \\r \\t",
                                                   what);
                        }
                        p->pos++;
                }
                out[n++] = c;
                p->pos++;
        }
        p->pos++; /* the closing quote */
        out[n] = '\0';
        p->drv->strings_used += n + 1;
        *ret = out;
        return 0;
}

static int parse_path(parser *p, const char *what, bool may_be_empty, const char **ret)
{
        size_t at = p->pos;
        int r = parse_string(p, what, ret);
        if (r < 0)
                return r;
        if ((**ret == '\0' && !may_be_empty) || (**ret != '\0' && **ret != '/'))
                return parse_error(p, at, EINVAL, "%s is not an absolute path: \"%s\"", what, *ret);
        return 0;
}

/* Grow *V (of elements SIZE bytes) to hold N+1 elements. */
static int grow(parser *p, void **v, size_t n, size_t size, size_t *alloc)
{
        if (n < *alloc)
                return 0;
        if (n >= NSB_DRV_MAX_ITEMS)
                return parse_error(p, p->pos, E2BIG, "more than %u entries in one list", NSB_DRV_MAX_ITEMS);
        size_t na = *alloc ? *alloc * 2 : 8;
        if (na > NSB_DRV_MAX_ITEMS)
                na = NSB_DRV_MAX_ITEMS;
        void *nv = reallocarray(*v, na, size);
        if (!nv)
                return parse_error(p, p->pos, ENOMEM, "out of memory");
        *v = nv;
        *alloc = na;
        return 0;
}

/* '[' string (',' string)* ']' or '[]' */
static int parse_string_list(parser *p, const char *what, bool paths, const char ***ret, size_t **ret_pos,
                             size_t *ret_n)
{
        int r = expect_char(p, '[', what);
        if (r < 0)
                return r;
        size_t alloc = 0, alloc2 = 0;
        if (accept_char(p, ']'))
                return 0;
        do {
                if ((r = grow(p, (void **) ret, *ret_n, sizeof(char *), &alloc)) < 0)
                        return r;
                if (ret_pos) {
                        if ((r = grow(p, (void **) ret_pos, *ret_n, sizeof(size_t), &alloc2)) < 0)
                                return r;
                        (*ret_pos)[*ret_n] = p->pos;
                }
                r = paths ? parse_path(p, what, false, &(*ret)[*ret_n]) : parse_string(p, what, &(*ret)[*ret_n]);
                if (r < 0)
                        return r;
                (*ret_n)++;
        } while (accept_char(p, ','));
        return expect_char(p, ']', "or ',' in a list");
}

static int parse_outputs(parser *p)
{
        nsb_drv *d = p->drv;
        size_t alloc = 0;
        int r = expect_char(p, '[', "to start the list of outputs");
        if (r < 0)
                return r;
        if (accept_char(p, ']'))
                return 0;
        do {
                if ((r = grow(p, (void **) &d->outputs, d->n_outputs, sizeof(*d->outputs), &alloc)) < 0)
                        return r;
                struct drv_output *o = &d->outputs[d->n_outputs];
                o->pos = p->pos + 1;
                if ((r = expect_char(p, '(', "to start an output")) < 0 ||
                    (r = parse_string(p, "an output name", &o->name)) < 0 ||
                    (r = expect_char(p, ',', "after an output name")) < 0 ||
                    (r = parse_path(p, "an output path", true, &o->path)) < 0 ||
                    (r = expect_char(p, ',', "after an output path")) < 0 ||
                    (r = parse_string(p, "an output's hash algorithm", &o->hash_algo)) < 0 ||
                    (r = expect_char(p, ',', "after an output's hash algorithm")) < 0 ||
                    (r = parse_string(p, "an output's hash", &o->hash)) < 0 ||
                    (r = expect_char(p, ')', "to end an output")) < 0)
                        return r;
                d->n_outputs++;
        } while (accept_char(p, ','));
        return expect_char(p, ']', "or ',' in the list of outputs");
}

static int parse_inputs(parser *p)
{
        nsb_drv *d = p->drv;
        size_t alloc = 0;
        int r = expect_char(p, '[', "to start the list of input derivations");
        if (r < 0)
                return r;
        if (accept_char(p, ']'))
                return 0;
        do {
                if ((r = grow(p, (void **) &d->inputs, d->n_inputs, sizeof(*d->inputs), &alloc)) < 0)
                        return r;
                struct drv_input *in = &d->inputs[d->n_inputs];
                *in = (struct drv_input) { .pos = p->pos + 1 };
                d->n_inputs++; /* counted now, so that its outputs are freed on failure */
                if ((r = expect_char(p, '(', "to start an input derivation")) < 0 ||
                    (r = parse_path(p, "an input derivation", false, &in->path)) < 0 ||
                    (r = expect_char(p, ',', "after an input derivation")) < 0 ||
                    (r = parse_string_list(p, "an input derivation's output names", false, &in->outputs,
                                           NULL, &in->n_outputs)) < 0 ||
                    (r = expect_char(p, ')', "to end an input derivation")) < 0)
                        return r;
        } while (accept_char(p, ','));
        return expect_char(p, ']', "or ',' in the list of input derivations");
}

static int parse_env(parser *p)
{
        nsb_drv *d = p->drv;
        size_t alloc = 0, alloc2 = 0, alloc3 = 0;
        int r = expect_char(p, '[', "to start the environment");
        if (r < 0)
                return r;
        if (accept_char(p, ']'))
                return 0;
        do {
                if ((r = grow(p, (void **) &d->env_names, d->n_env, sizeof(char *), &alloc)) < 0 ||
                    (r = grow(p, (void **) &d->env_values, d->n_env, sizeof(char *), &alloc2)) < 0 ||
                    (r = grow(p, (void **) &d->env_pos, d->n_env, sizeof(size_t), &alloc3)) < 0)
                        return r;
                d->env_pos[d->n_env] = p->pos + 1;
                if ((r = expect_char(p, '(', "to start an environment variable")) < 0 ||
                    (r = parse_string(p, "an environment variable's name", &d->env_names[d->n_env])) < 0 ||
                    (r = expect_char(p, ',', "after an environment variable's name")) < 0 ||
                    (r = parse_string(p, "an environment variable's value", &d->env_values[d->n_env])) < 0 ||
                    (r = expect_char(p, ')', "to end an environment variable")) < 0)
                        return r;
                d->n_env++;
        } while (accept_char(p, ','));
        return expect_char(p, ']', "or ',' in the environment");
}

/* Names must be unique: sort (name, position) pairs and report the later
 * of two equal names where it stands. */
struct key {
        const char *s;
        size_t pos;
};

static int cmp_key(const void *a, const void *b)
{
        const struct key *x = a, *y = b;
        int c = strcmp(x->s, y->s);
        return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

static int check_unique(parser *p, struct key *keys, size_t n, const char *what)
{
        qsort(keys, n, sizeof(*keys), cmp_key);
        for (size_t i = 1; i < n; i++)
                if (strcmp(keys[i - 1].s, keys[i].s) == 0)
                        return parse_error(p, keys[i].pos, EINVAL, "duplicate %s \"%s\"", what, keys[i].s);
        return 0;
}

static int check_all_unique(parser *p)
{
        nsb_drv *d = p->drv;
        size_t most = d->n_outputs;
        if (d->n_inputs > most)
                most = d->n_inputs;
        if (d->n_srcs > most)
                most = d->n_srcs;
        if (d->n_env > most)
                most = d->n_env;
        for (size_t i = 0; i < d->n_inputs; i++)
                if (d->inputs[i].n_outputs > most)
                        most = d->inputs[i].n_outputs;
        if (most < 2)
                return 0;
        _cleanup_free_ struct key *keys = reallocarray(NULL, most, sizeof(*keys));
        if (!keys)
                return parse_error(p, 0, ENOMEM, "out of memory");
        int r;
        for (size_t i = 0; i < d->n_outputs; i++)
                keys[i] = (struct key) { d->outputs[i].name, d->outputs[i].pos };
        if ((r = check_unique(p, keys, d->n_outputs, "output")) < 0)
                return r;
        for (size_t i = 0; i < d->n_inputs; i++)
                keys[i] = (struct key) { d->inputs[i].path, d->inputs[i].pos };
        if ((r = check_unique(p, keys, d->n_inputs, "input derivation")) < 0)
                return r;
        for (size_t i = 0; i < d->n_srcs; i++)
                keys[i] = (struct key) { d->srcs[i], d->srcs_pos[i] };
        if ((r = check_unique(p, keys, d->n_srcs, "input source")) < 0)
                return r;
        for (size_t i = 0; i < d->n_env; i++)
                keys[i] = (struct key) { d->env_names[i], d->env_pos[i] };
        if ((r = check_unique(p, keys, d->n_env, "environment variable")) < 0)
                return r;
        for (size_t j = 0; j < d->n_inputs; j++) {
                const struct drv_input *in = &d->inputs[j];
                for (size_t i = 0; i < in->n_outputs; i++)
                        keys[i] = (struct key) { in->outputs[i], in->pos };
                if ((r = check_unique(p, keys, in->n_outputs, "output name of an input derivation")) < 0)
                        return r;
        }
        return 0;
}

int nsb_drv_parse(const char *text, size_t len, nsb_drv **ret_drv, nsb_drv_error *ret_error)
{
        if (ret_error)
                *ret_error = (nsb_drv_error) { .line = 1, .column = 1 };
        if (!ret_drv || (!text && len))
                return -EINVAL;
        *ret_drv = NULL;
        parser p = { .text = text, .len = len, .error = ret_error };
        if (len > NSB_DRV_MAX_SIZE)
                return parse_error(&p, 0, EFBIG, "derivation too large: %zu bytes, the limit is %u", len,
                                   NSB_DRV_MAX_SIZE);

        nsb_drv *d = calloc(1, sizeof(*d));
        if (!d || !(d->strings = malloc(len + 1))) {
                free(d);
                return parse_error(&p, 0, ENOMEM, "out of memory");
        }
        p.drv = d;

        static const char magic[] = "Derive(";
        int r = 0;
        if (len < sizeof(magic) - 1 || memcmp(text, magic, sizeof(magic) - 1) != 0) {
                if (len >= 15 && memcmp(text, "DrvWithVersion(", 15) == 0)
                        r = parse_error(&p, 0, EINVAL, "unsupported derivation format \"DrvWithVersion\"; "
                                                       "expected \"Derive(\"");
                else
                        r = parse_error(&p, 0, EINVAL, "not a derivation: expected \"Derive(\" at the start");
                goto fail;
        }
        p.pos = sizeof(magic) - 1;
        if ((r = parse_outputs(&p)) < 0 || (r = expect_char(&p, ',', "after the outputs")) < 0 ||
            (r = parse_inputs(&p)) < 0 || (r = expect_char(&p, ',', "after the input derivations")) < 0 ||
            (r = parse_string_list(&p, "an input source", true, &d->srcs, &d->srcs_pos, &d->n_srcs)) < 0 ||
            (r = expect_char(&p, ',', "after the input sources")) < 0 ||
            (r = parse_string(&p, "the system", &d->system)) < 0 ||
            (r = expect_char(&p, ',', "after the system")) < 0 ||
            (r = parse_string(&p, "the builder", &d->builder)) < 0 ||
            (r = expect_char(&p, ',', "after the builder")) < 0 ||
            (r = parse_string_list(&p, "a builder argument", false, &d->args, NULL, &d->n_args)) < 0 ||
            (r = expect_char(&p, ',', "after the builder arguments")) < 0 || (r = parse_env(&p)) < 0 ||
            (r = expect_char(&p, ')', "to end the derivation")) < 0)
                goto fail;
        if (p.pos != len) {
                r = parse_error(&p, p.pos, EINVAL, "unexpected data after the end of the derivation%s",
                                text[p.pos] == '\n' ? " (derivations end without a newline)" : "");
                goto fail;
        }
        if (d->n_outputs == 0) {
                r = parse_error(&p, 7, EINVAL, "a derivation needs at least one output");
                goto fail;
        }
        if ((r = check_all_unique(&p)) < 0)
                goto fail;
        *ret_drv = d;
        return 0;
fail:
        nsb_drv_free(d);
        return r;
}

int nsb_drv_load(const char *path, nsb_drv **ret_drv, nsb_drv_error *ret_error)
{
        if (ret_error)
                *ret_error = (nsb_drv_error) { .line = 1, .column = 1 };
        if (!path || !ret_drv)
                return -EINVAL;
        *ret_drv = NULL;
        int r;
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
                r = -errno;
                goto io_error;
        }
        if (!S_ISREG(st.st_mode)) {
                r = S_ISDIR(st.st_mode) ? -EISDIR : -ENOTSUP;
                if (ret_error)
                        snprintf(ret_error->message, sizeof(ret_error->message), "%s",
                                 S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
                return r;
        }
        if (st.st_size > NSB_DRV_MAX_SIZE) {
                if (ret_error)
                        snprintf(ret_error->message, sizeof(ret_error->message),
                                 "derivation too large: %lld bytes, the limit is %u", (long long) st.st_size,
                                 NSB_DRV_MAX_SIZE);
                return -EFBIG;
        }
        /* Read until EOF, not st_size bytes: the file may change, and the
         * parser must see one consistent buffer no larger than the limit. */
        size_t cap = (size_t) st.st_size + 1, len = 0;
        buf = malloc(cap);
        if (!buf) {
                r = -ENOMEM;
                goto io_error;
        }
        for (;;) {
                if (len == cap) {
                        if (cap > NSB_DRV_MAX_SIZE) {
                                if (ret_error)
                                        snprintf(ret_error->message, sizeof(ret_error->message),
                                                 "derivation too large: the limit is %u bytes", NSB_DRV_MAX_SIZE);
                                return -EFBIG;
                        }
                        char *nb = realloc(buf, cap * 2);
                        if (!nb) {
                                r = -ENOMEM;
                                goto io_error;
                        }
                        buf = nb;
                        cap *= 2;
                }
                ssize_t n = read(fd, buf + len, cap - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        goto io_error;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        return nsb_drv_parse(buf, len, ret_drv, ret_error);

io_error:
        if (ret_error)
                snprintf(ret_error->message, sizeof(ret_error->message), "%s", strerror(-r));
        return r;
}

void nsb_drv_free(nsb_drv *d)
{
        if (!d)
                return;
        for (size_t i = 0; i < d->n_inputs; i++)
                free(d->inputs[i].outputs);
        free(d->inputs);
        free(d->outputs);
        free(d->srcs);
        free(d->srcs_pos);
        free(d->args);
        free(d->env_names);
        free(d->env_values);
        free(d->env_pos);
        free(d->strings);
        free(d);
}

/* ---- printing ---------------------------------------------------------- */

typedef struct printer {
        char *buf;
        size_t len, cap;
        bool failed;
} printer;

static void put(printer *w, const char *s, size_t n)
{
        if (w->failed)
                return;
        if (w->cap - w->len < n + 1) {
                size_t nc = w->cap ? w->cap : 4096;
                while (nc - w->len < n + 1)
                        nc *= 2;
                char *nb = realloc(w->buf, nc);
                if (!nb) {
                        w->failed = true;
                        return;
                }
                w->buf = nb;
                w->cap = nc;
        }
        memcpy(w->buf + w->len, s, n);
        w->len += n;
        w->buf[w->len] = '\0';
}

static void put_str(printer *w, const char *s)
{
        put(w, s, strlen(s));
}

static void put_quoted(printer *w, const char *s)
{
        put(w, "\"", 1);
        const char *run = s;
        for (; *s; s++) {
                const char *esc = NULL;
                switch (*s) {
                case '"': esc = "\\\""; break;
                case '\\': esc = "\\\\"; break;
                case '\n': esc = "\\n"; break;
                case '\r': esc = "\\r"; break;
                case '\t': esc = "\\t"; break;
                default: continue;
                }
                put(w, run, (size_t) (s - run));
                put(w, esc, 2);
                run = s + 1;
        }
        put(w, run, (size_t) (s - run));
        put(w, "\"", 1);
}

static void put_list(printer *w, const char *const *v, size_t n)
{
        put(w, "[", 1);
        for (size_t i = 0; i < n; i++) {
                if (i)
                        put(w, ",", 1);
                put_quoted(w, v[i]);
        }
        put(w, "]", 1);
}

int nsb_drv_print(const nsb_drv *d, char **ret_text, size_t *ret_len)
{
        if (!d || !ret_text)
                return -EINVAL;
        printer w = { 0 };
        put_str(&w, "Derive([");
        for (size_t i = 0; i < d->n_outputs; i++) {
                const struct drv_output *o = &d->outputs[i];
                put_str(&w, i ? ",(" : "(");
                put_quoted(&w, o->name);
                put(&w, ",", 1);
                put_quoted(&w, o->path);
                put(&w, ",", 1);
                put_quoted(&w, o->hash_algo);
                put(&w, ",", 1);
                put_quoted(&w, o->hash);
                put(&w, ")", 1);
        }
        put_str(&w, "],[");
        for (size_t i = 0; i < d->n_inputs; i++) {
                put_str(&w, i ? ",(" : "(");
                put_quoted(&w, d->inputs[i].path);
                put(&w, ",", 1);
                put_list(&w, d->inputs[i].outputs, d->inputs[i].n_outputs);
                put(&w, ")", 1);
        }
        put_str(&w, "],");
        put_list(&w, d->srcs, d->n_srcs);
        put(&w, ",", 1);
        put_quoted(&w, d->system);
        put(&w, ",", 1);
        put_quoted(&w, d->builder);
        put(&w, ",", 1);
        put_list(&w, d->args, d->n_args);
        put_str(&w, ",[");
        for (size_t i = 0; i < d->n_env; i++) {
                put_str(&w, i ? ",(" : "(");
                put_quoted(&w, d->env_names[i]);
                put(&w, ",", 1);
                put_quoted(&w, d->env_values[i]);
                put(&w, ")", 1);
        }
        put_str(&w, "])");
        if (w.failed) {
                free(w.buf);
                return -ENOMEM;
        }
        *ret_text = w.buf;
        if (ret_len)
                *ret_len = w.len;
        return 0;
}

/* ---- accessors --------------------------------------------------------- */

size_t nsb_drv_n_outputs(const nsb_drv *d)
{
        return d ? d->n_outputs : 0;
}

int nsb_drv_output(const nsb_drv *d, size_t i, const char **ret_name, const char **ret_path,
                   const char **ret_hash_algo, const char **ret_hash)
{
        if (!d || i >= d->n_outputs)
                return -EINVAL;
        const struct drv_output *o = &d->outputs[i];
        if (ret_name)
                *ret_name = o->name;
        if (ret_path)
                *ret_path = o->path;
        if (ret_hash_algo)
                *ret_hash_algo = o->hash_algo;
        if (ret_hash)
                *ret_hash = o->hash;
        return 0;
}

const char *nsb_drv_output_path(const nsb_drv *d, const char *name)
{
        if (!d || !name)
                return NULL;
        for (size_t i = 0; i < d->n_outputs; i++)
                if (strcmp(d->outputs[i].name, name) == 0)
                        return d->outputs[i].path;
        return NULL;
}

size_t nsb_drv_n_input_drvs(const nsb_drv *d)
{
        return d ? d->n_inputs : 0;
}

const char *nsb_drv_input_drv(const nsb_drv *d, size_t i, const char *const **ret_outputs, size_t *ret_n_outputs)
{
        if (!d || i >= d->n_inputs)
                return NULL;
        if (ret_outputs)
                *ret_outputs = d->inputs[i].outputs;
        if (ret_n_outputs)
                *ret_n_outputs = d->inputs[i].n_outputs;
        return d->inputs[i].path;
}

size_t nsb_drv_n_input_srcs(const nsb_drv *d)
{
        return d ? d->n_srcs : 0;
}

const char *nsb_drv_input_src(const nsb_drv *d, size_t i)
{
        return d && i < d->n_srcs ? d->srcs[i] : NULL;
}

const char *nsb_drv_system(const nsb_drv *d)
{
        return d ? d->system : NULL;
}

const char *nsb_drv_builder(const nsb_drv *d)
{
        return d ? d->builder : NULL;
}

size_t nsb_drv_n_args(const nsb_drv *d)
{
        return d ? d->n_args : 0;
}

const char *nsb_drv_arg(const nsb_drv *d, size_t i)
{
        return d && i < d->n_args ? d->args[i] : NULL;
}

size_t nsb_drv_n_env(const nsb_drv *d)
{
        return d ? d->n_env : 0;
}

int nsb_drv_env(const nsb_drv *d, size_t i, const char **ret_name, const char **ret_value)
{
        if (!d || i >= d->n_env)
                return -EINVAL;
        if (ret_name)
                *ret_name = d->env_names[i];
        if (ret_value)
                *ret_value = d->env_values[i];
        return 0;
}

const char *nsb_drv_getenv(const nsb_drv *d, const char *name)
{
        if (!d || !name)
                return NULL;
        for (size_t i = 0; i < d->n_env; i++)
                if (strcmp(d->env_names[i], name) == 0)
                        return d->env_values[i];
        return NULL;
}

int nsb_drv_is_fixed_output(const nsb_drv *d)
{
        return d && d->n_outputs == 1 && strcmp(d->outputs[0].name, "out") == 0 && d->outputs[0].hash[0] != '\0';
}
