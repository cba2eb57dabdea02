/* json.c - JSON as Nix reads and writes it, through json-c.
 *
 * Nix parses and prints JSON with nlohmann::json: strict RFC 8259 input,
 * and output with no spaces, object keys sorted bytewise and numbers in
 * its own shortest form.  json-c does the parsing and printing here; two
 * things it does differently are done by hand, and only those:
 *  - it accepts more than RFC 8259 even in strict mode (NaN, Infinity,
 *    "1.", raw control characters and lone surrogates in strings; and it
 *    clamps integers beyond 64 bits and truncates keys at \u0000), so a
 *    lexical check runs first and refuses what Nix would refuse;
 *  - it keeps object keys in the order read, and prints a double as it was
 *    written, so the dump sorts keys and prints doubles as nlohmann does.
 * The check is linear in the input and keeps no stack.  json-c prints and
 * frees recursively, so the depth is bounded (its own default, 32, is too
 * low for real derivations): a deeper __json fails cleanly. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#ifdef HAVE_JSONC
#include <json-c/json.h>
#include <math.h>

/* json-c prints and frees recursively (a few hundred bytes of stack a
 * level): 1,000 levels is far more than any derivation nixpkgs writes has
 * (a handful), and a small fraction of even a thread's small stack. */
#define NSB_JSON_MAX_DEPTH 1000

static int set_error(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_error(char *err, size_t size, const char *fmt, ...)
{
        if (size) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(err, size, fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}

/* The length of the well-formed UTF-8 sequence at S (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), 0 if none. */
static size_t utf8_length(const unsigned char *s, size_t left)
{
        unsigned char c = s[0];
        size_t n;
        unsigned char lo = 0x80, hi = 0xbf;
        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                n = 2;
        else if (c >= 0xe0 && c <= 0xef) {
                n = 3;
                if (c == 0xe0)
                        lo = 0xa0;
                else if (c == 0xed)
                        hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
                n = 4;
                if (c == 0xf0)
                        lo = 0x90;
                else if (c == 0xf4)
                        hi = 0x8f;
        } else
                return 0;
        if (left < n || s[1] < lo || s[1] > hi)
                return 0;
        for (size_t i = 2; i < n; i++)
                if (s[i] < 0x80 || s[i] > 0xbf)
                        return 0;
        return n;
}

static int hex4(const char *s, size_t left, unsigned *ret)
{
        if (left < 4)
                return -1;
        unsigned v = 0;
        for (int i = 0; i < 4; i++) {
                char c = s[i];
                v <<= 4;
                if (c >= '0' && c <= '9')
                        v |= (unsigned) (c - '0');
                else if (c >= 'a' && c <= 'f')
                        v |= (unsigned) (c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        v |= (unsigned) (c - 'A' + 10);
                else
                        return -1;
        }
        *ret = v;
        return 0;
}

/* Whether the integer of LEN digits at S (after an optional '-') fits
 * int64 (negative) or uint64, as json-c would otherwise clamp it. */
static bool integer_fits(const char *s, size_t len, bool negative)
{
        const char *max = negative ? "9223372036854775808" : "18446744073709551615";
        size_t mlen = strlen(max);
        return len < mlen || (len == mlen && memcmp(s, max, len) <= 0);
}

/* Refuse what RFC 8259 (and so Nix) refuses and json-c would accept: the
 * tokens outside strings, and the contents of strings.  Structure (nesting,
 * commas, colons) is json-c's to check. */
static int lexical_check(const char *text, size_t len, char *err, size_t size)
{
        size_t i = 0;
        while (i < len) {
                unsigned char c = (unsigned char) text[i];
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || (c && strchr("{}[],:", c))) {
                        i++;
                        continue;
                }
                if (c == '"') {
                        size_t start = i++;
                        bool nul = false;
                        for (;;) {
                                if (i >= len)
                                        return set_error(err, size, "unterminated string at offset %zu", start);
                                c = (unsigned char) text[i];
                                if (c == '"')
                                        break;
                                if (c < 0x20)
                                        return set_error(err, size,
                                                         "control character U+%04X in a string at offset %zu (it must "
                                                         "be escaped)",
                                                         c, i);
                                if (c == '\\') {
                                        if (i + 1 >= len)
                                                return set_error(err, size, "unterminated string at offset %zu", start);
                                        char e = text[i + 1];
                                        if (e != 'u') {
                                                if (!e || !strchr("\"\\/bfnrt", e))
                                                        return set_error(err, size, "invalid escape at offset %zu", i);
                                                i += 2;
                                                continue;
                                        }
                                        unsigned u, low;
                                        if (hex4(text + i + 2, len - i - 2, &u) < 0)
                                                return set_error(err, size, "invalid \\u escape at offset %zu", i);
                                        if (u >= 0xdc00 && u <= 0xdfff)
                                                return set_error(err, size, "lone low surrogate at offset %zu", i);
                                        if (u >= 0xd800 && u <= 0xdbff) {
                                                if (i + 8 > len || text[i + 6] != '\\' || text[i + 7] != 'u' ||
                                                    hex4(text + i + 8, len - i - 8, &low) < 0 || low < 0xdc00 ||
                                                    low > 0xdfff)
                                                        return set_error(err, size,
                                                                         "high surrogate at offset %zu not followed by "
                                                                         "a low one",
                                                                         i);
                                                i += 6;
                                        }
                                        nul = nul || u == 0;
                                        i += 6;
                                        continue;
                                }
                                size_t n = utf8_length((const unsigned char *) text + i, len - i);
                                if (!n)
                                        return set_error(err, size, "invalid UTF-8 in a string at offset %zu", i);
                                i += n;
                        }
                        i++;
                        /* A key: json-c keeps keys as C strings. */
                        size_t j = i;
                        while (j < len && text[j] && strchr(" \t\n\r", text[j]))
                                j++;
                        if (nul && j < len && text[j] == ':')
                                return set_error(err, size, "object key with \\u0000 at offset %zu", start);
                        continue;
                }
                if (c == '-' || (c >= '0' && c <= '9')) {
                        size_t start = i;
                        bool negative = c == '-';
                        if (negative)
                                i++;
                        size_t digits = i;
                        if (i < len && text[i] == '0') {
                                i++;
                                if (i < len && text[i] >= '0' && text[i] <= '9')
                                        return set_error(err, size, "number with a leading zero at offset %zu", start);
                        } else if (i < len && text[i] >= '1' && text[i] <= '9')
                                while (i < len && text[i] >= '0' && text[i] <= '9')
                                        i++;
                        else
                                return set_error(err, size, "invalid number at offset %zu", start);
                        size_t int_len = i - digits;
                        bool integral = true;
                        if (i < len && text[i] == '.') {
                                integral = false;
                                size_t f = ++i;
                                while (i < len && text[i] >= '0' && text[i] <= '9')
                                        i++;
                                if (i == f)
                                        return set_error(err, size, "invalid number at offset %zu", start);
                        }
                        if (i < len && (text[i] == 'e' || text[i] == 'E')) {
                                integral = false;
                                i++;
                                if (i < len && (text[i] == '+' || text[i] == '-'))
                                        i++;
                                size_t f = i;
                                while (i < len && text[i] >= '0' && text[i] <= '9')
                                        i++;
                                if (i == f)
                                        return set_error(err, size, "invalid number at offset %zu", start);
                        }
                        if (integral && !integer_fits(text + digits, int_len, negative))
                                return set_error(err, size, "integer out of the 64-bit range at offset %zu", start);
                        if (!integral) {
                                _cleanup_free_ char *num = strndup(text + start, i - start);
                                if (!num)
                                        return -ENOMEM;
                                if (!isfinite(strtod(num, NULL)))
                                        return set_error(err, size, "number overflow at offset %zu", start);
                        }
                        continue;
                }
                static const char *const literals[] = { "true", "false", "null" };
                size_t k = 0;
                while (k < ELEMENTSOF(literals) &&
                       (len - i < strlen(literals[k]) || memcmp(text + i, literals[k], strlen(literals[k])) != 0))
                        k++;
                if (k == ELEMENTSOF(literals))
                        return set_error(err, size, "unexpected character at offset %zu", i);
                i += strlen(literals[k]);
        }
        return 0;
}

int nsb_json_parse(const char *text, size_t len, struct json_object **ret, char *err, size_t size)
{
        *ret = NULL;
        /* A UTF-8 byte order mark first is skipped, as nlohmann does. */
        if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
                text += 3;
                len -= 3;
        }
        int r = lexical_check(text, len, err, size);
        if (r < 0)
                return r;
        struct json_tokener *tok = json_tokener_new_ex(NSB_JSON_MAX_DEPTH);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        struct json_object *o = json_tokener_parse_ex(tok, text, (int) len);
        enum json_tokener_error e = json_tokener_get_error(tok);
        if (e == json_tokener_continue) {
                /* A number at the very end needs a terminator. */
                json_object_put(o);
                o = json_tokener_parse_ex(tok, "", 1);
                e = json_tokener_get_error(tok);
        }
        size_t end = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        if (e != json_tokener_success) {
                json_object_put(o);
                return set_error(err, size, "%s at offset %zu",
                                 e == json_tokener_continue ? "unexpected end" : json_tokener_error_desc(e), end);
        }
        *ret = o;
        return 0;
}

/* ---- printing as nlohmann::json::dump() does ---- */

/* ---- doubles: Grisu2, as nlohmann::json prints them ----
 *
 * Nix writes .attrs.json with nlohmann::json, which prints a double with
 * Loitsch's Grisu2 ("Printing Floating-Point Numbers Quickly and
 * Accurately with Integers", PLDI 2010): not always the shortest digits
 * that read back (1e23 is 9.999999999999999e+22 there), so the shortest
 * form (%.17g and shorter) would differ for about one double in two
 * hundred.  This is Grisu2 with the parameters nlohmann uses (64-bit
 * significands, the scaled exponent kept in [-60, -32], one cached power
 * of ten every 8 decades), written from the paper's description. */

struct diyfp {
        uint64_t f;
        int e;
};

/* x * y, the upper 64 bits of the product rounded (ties up). */
static struct diyfp diy_mul(struct diyfp x, struct diyfp y)
{
        uint64_t a = x.f >> 32, b = x.f & 0xffffffffu, c = y.f >> 32, d = y.f & 0xffffffffu;
        uint64_t ac = a * c, bc = b * c, ad = a * d, bd = b * d;
        uint64_t mid = (bd >> 32) + (ad & 0xffffffffu) + (bc & 0xffffffffu) + (UINT64_C(1) << 31);
        return (struct diyfp) { ac + (ad >> 32) + (bc >> 32) + (mid >> 32), x.e + y.e + 64 };
}

static struct diyfp diy_normalize(struct diyfp x)
{
        while (!(x.f >> 63)) {
                x.f <<= 1;
                x.e--;
        }
        return x;
}

/* 10^k rounded to a 64-bit significand f * 2^e, for k = -300, -292, ...,
 * 324 (generated with exact rational arithmetic). */
static const struct cached_power {
        uint64_t f;
        int e;
        int k;
} cached_powers[] = {
        { 0xAB70FE17C79AC6CAULL, -1060, -300 },
        { 0xFF77B1FCBEBCDC4FULL, -1034, -292 },
        { 0xBE5691EF416BD60CULL, -1007, -284 },
        { 0x8DD01FAD907FFC3CULL,  -980, -276 },
        { 0xD3515C2831559A83ULL,  -954, -268 },
        { 0x9D71AC8FADA6C9B5ULL,  -927, -260 },
        { 0xEA9C227723EE8BCBULL,  -901, -252 },
        { 0xAECC49914078536DULL,  -874, -244 },
        { 0x823C12795DB6CE57ULL,  -847, -236 },
        { 0xC21094364DFB5637ULL,  -821, -228 },
        { 0x9096EA6F3848984FULL,  -794, -220 },
        { 0xD77485CB25823AC7ULL,  -768, -212 },
        { 0xA086CFCD97BF97F4ULL,  -741, -204 },
        { 0xEF340A98172AACE5ULL,  -715, -196 },
        { 0xB23867FB2A35B28EULL,  -688, -188 },
        { 0x84C8D4DFD2C63F3BULL,  -661, -180 },
        { 0xC5DD44271AD3CDBAULL,  -635, -172 },
        { 0x936B9FCEBB25C996ULL,  -608, -164 },
        { 0xDBAC6C247D62A584ULL,  -582, -156 },
        { 0xA3AB66580D5FDAF6ULL,  -555, -148 },
        { 0xF3E2F893DEC3F126ULL,  -529, -140 },
        { 0xB5B5ADA8AAFF80B8ULL,  -502, -132 },
        { 0x87625F056C7C4A8BULL,  -475, -124 },
        { 0xC9BCFF6034C13053ULL,  -449, -116 },
        { 0x964E858C91BA2655ULL,  -422, -108 },
        { 0xDFF9772470297EBDULL,  -396, -100 },
        { 0xA6DFBD9FB8E5B88FULL,  -369,  -92 },
        { 0xF8A95FCF88747D94ULL,  -343,  -84 },
        { 0xB94470938FA89BCFULL,  -316,  -76 },
        { 0x8A08F0F8BF0F156BULL,  -289,  -68 },
        { 0xCDB02555653131B6ULL,  -263,  -60 },
        { 0x993FE2C6D07B7FACULL,  -236,  -52 },
        { 0xE45C10C42A2B3B06ULL,  -210,  -44 },
        { 0xAA242499697392D3ULL,  -183,  -36 },
        { 0xFD87B5F28300CA0EULL,  -157,  -28 },
        { 0xBCE5086492111AEBULL,  -130,  -20 },
        { 0x8CBCCC096F5088CCULL,  -103,  -12 },
        { 0xD1B71758E219652CULL,   -77,   -4 },
        { 0x9C40000000000000ULL,   -50,    4 },
        { 0xE8D4A51000000000ULL,   -24,   12 },
        { 0xAD78EBC5AC620000ULL,     3,   20 },
        { 0x813F3978F8940984ULL,    30,   28 },
        { 0xC097CE7BC90715B3ULL,    56,   36 },
        { 0x8F7E32CE7BEA5C70ULL,    83,   44 },
        { 0xD5D238A4ABE98068ULL,   109,   52 },
        { 0x9F4F2726179A2245ULL,   136,   60 },
        { 0xED63A231D4C4FB27ULL,   162,   68 },
        { 0xB0DE65388CC8ADA8ULL,   189,   76 },
        { 0x83C7088E1AAB65DBULL,   216,   84 },
        { 0xC45D1DF942711D9AULL,   242,   92 },
        { 0x924D692CA61BE758ULL,   269,  100 },
        { 0xDA01EE641A708DEAULL,   295,  108 },
        { 0xA26DA3999AEF774AULL,   322,  116 },
        { 0xF209787BB47D6B85ULL,   348,  124 },
        { 0xB454E4A179DD1877ULL,   375,  132 },
        { 0x865B86925B9BC5C2ULL,   402,  140 },
        { 0xC83553C5C8965D3DULL,   428,  148 },
        { 0x952AB45CFA97A0B3ULL,   455,  156 },
        { 0xDE469FBD99A05FE3ULL,   481,  164 },
        { 0xA59BC234DB398C25ULL,   508,  172 },
        { 0xF6C69A72A3989F5CULL,   534,  180 },
        { 0xB7DCBF5354E9BECEULL,   561,  188 },
        { 0x88FCF317F22241E2ULL,   588,  196 },
        { 0xCC20CE9BD35C78A5ULL,   614,  204 },
        { 0x98165AF37B2153DFULL,   641,  212 },
        { 0xE2A0B5DC971F303AULL,   667,  220 },
        { 0xA8D9D1535CE3B396ULL,   694,  228 },
        { 0xFB9B7CD9A4A7443CULL,   720,  236 },
        { 0xBB764C4CA7A44410ULL,   747,  244 },
        { 0x8BAB8EEFB6409C1AULL,   774,  252 },
        { 0xD01FEF10A657842CULL,   800,  260 },
        { 0x9B10A4E5E9913129ULL,   827,  268 },
        { 0xE7109BFBA19C0C9DULL,   853,  276 },
        { 0xAC2820D9623BF429ULL,   880,  284 },
        { 0x80444B5E7AA7CF85ULL,   907,  292 },
        { 0xBF21E44003ACDD2DULL,   933,  300 },
        { 0x8E679C2F5E44FF8FULL,   960,  308 },
        { 0xD433179D9C8CB841ULL,   986,  316 },
        { 0x9E19DB92B4E31BA9ULL,  1013,  324 },
};

/* The digits of V (positive, finite) into BUF (at least 17), their count
 * in *RET_LEN: V = BUF * 10^*RET_EXP. */
static void grisu2(double v, char *buf, int *ret_len, int *ret_exp)
{
        uint64_t bits;
        memcpy(&bits, &v, sizeof(bits));
        uint64_t biased = bits >> 52, frac = bits & ((UINT64_C(1) << 52) - 1);
        struct diyfp w = biased ? (struct diyfp) { frac | (UINT64_C(1) << 52), (int) biased - 1075 }
                                : (struct diyfp) { frac, -1074 };
        /* The boundaries halfway to the neighbours; the lower one is
         * closer where the significand is a power of two. */
        struct diyfp plus = diy_normalize((struct diyfp) { 2 * w.f + 1, w.e - 1 });
        struct diyfp minus = frac == 0 && biased > 1 ? (struct diyfp) { 4 * w.f - 1, w.e - 2 }
                                                     : (struct diyfp) { 2 * w.f - 1, w.e - 1 };
        minus.f <<= minus.e - plus.e;
        minus.e = plus.e;
        w = diy_normalize(w);

        /* A cached power c = 10^-k bringing the exponent into [-60, -32]:
         * k = ceil((-60 - e - 1) log10(2)), log10(2) as 78913 / 2^18. */
        int f = -60 - plus.e - 1;
        int k = f * 78913 / (1 << 18) + (f > 0);
        const struct cached_power *c = &cached_powers[(300 + k + 7) / 8];
        struct diyfp cp = { c->f, c->e };
        struct diyfp sw = diy_mul(w, cp), sminus = diy_mul(minus, cp), splus = diy_mul(plus, cp);
        /* One unit in from each side: the products are off by less. */
        sminus.f++;
        splus.f--;
        int dec_exp = -c->k;

        uint64_t delta = splus.f - sminus.f, dist = splus.f - sw.f;
        int shift = -splus.e;
        uint64_t one = UINT64_C(1) << shift;
        uint32_t p1 = (uint32_t) (splus.f >> shift);
        uint64_t p2 = splus.f & (one - 1);
        uint32_t pow10 = 1;
        int n = 1;
        while (n < 10 && p1 >= pow10 * 10) {
                pow10 *= 10;
                n++;
        }
        int len = 0;
        uint64_t rest = 0, unit = 0;
        bool done = false;
        /* The integral part's digits, until what is left is within the
         * interval. */
        while (n > 0 && !done) {
                buf[len++] = (char) ('0' + p1 / pow10);
                p1 %= pow10;
                n--;
                rest = ((uint64_t) p1 << shift) + p2;
                if (rest <= delta) {
                        dec_exp += n;
                        unit = (uint64_t) pow10 << shift;
                        done = true;
                }
                pow10 /= 10;
        }
        /* Then the fractional part's. */
        if (!done) {
                int m = 0;
                do {
                        p2 *= 10;
                        buf[len++] = (char) ('0' + (p2 >> shift));
                        p2 &= one - 1;
                        m++;
                        delta *= 10;
                        dist *= 10;
                } while (p2 > delta);
                dec_exp -= m;
                rest = p2;
                unit = one;
        }
        /* The last digit lowered while that brings it closer to V. */
        while (rest < dist && delta - rest >= unit && (rest + unit < dist || dist - rest > rest + unit - dist)) {
                buf[len - 1]--;
                rest += unit;
        }
        *ret_len = len;
        *ret_exp = dec_exp;
}

/* A double as nlohmann prints it: Grisu2's digits, in decimal notation
 * where the decimal exponent n (the value is 0.DIGITS times ten to n) is
 * in (-4, 15], else as D.DDDe+NN. */
int nsb_json_format_double(double v, char *out, size_t size)
{
        char buf[64];
        size_t len = 0;
        if (!isfinite(v))
                return snprintf(out, size, "null") >= (int) size ? -ENOBUFS : 0;
        if (signbit(v)) {
                buf[len++] = '-';
                v = -v;
        }
        if (v == 0) {
                memcpy(buf + len, "0.0", 4);
                return snprintf(out, size, "%s", buf) >= (int) size ? -ENOBUFS : 0;
        }
        char digits[32];
        int k_int, exp10;
        grisu2(v, digits, &k_int, &exp10);
        size_t k = (size_t) k_int;
        int n = k_int + exp10;
        const int max_exp = 15, min_exp = -4;
        if ((int) k <= n && n <= max_exp) {
                memcpy(buf + len, digits, k);
                len += k;
                for (int i = (int) k; i < n; i++)
                        buf[len++] = '0';
                memcpy(buf + len, ".0", 2);
                len += 2;
        } else if (0 < n && n <= max_exp) {
                memcpy(buf + len, digits, (size_t) n);
                len += (size_t) n;
                buf[len++] = '.';
                memcpy(buf + len, digits + n, k - (size_t) n);
                len += k - (size_t) n;
        } else if (min_exp < n && n <= 0) {
                buf[len++] = '0';
                buf[len++] = '.';
                for (int i = 0; i < -n; i++)
                        buf[len++] = '0';
                memcpy(buf + len, digits, k);
                len += k;
        } else {
                buf[len++] = digits[0];
                if (k > 1) {
                        buf[len++] = '.';
                        memcpy(buf + len, digits + 1, k - 1);
                        len += k - 1;
                }
                int x = n - 1;
                len += (size_t) snprintf(buf + len, sizeof(buf) - len, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
        }
        buf[len] = '\0';
        return snprintf(out, size, "%s", buf) >= (int) size ? -ENOBUFS : 0;
}

static int double_serializer(struct json_object *o, struct printbuf *pb, int level, int flags)
{
        (void) level;
        (void) flags;
        char text[64];
        if (nsb_json_format_double(json_object_get_double(o), text, sizeof(text)) < 0)
                return -1;
        return printbuf_memappend(pb, text, (int) strlen(text));
}

struct key {
        const char *name;
        struct json_object *value;
};

static int compare_keys(const void *a, const void *b)
{
        return strcmp(((const struct key *) a)->name, ((const struct key *) b)->name);
}

/* A copy of O for printing: objects rebuilt with their keys sorted,
 * doubles given nlohmann's format; the rest shared.  Iterative: an
 * explicit stack of (source, copy) pairs. */
static int sorted_copy(struct json_object *o, struct json_object **ret)
{
        struct frame {
                struct json_object *src, *dst;
        };
        struct frame *stack = NULL;
        size_t n = 0, alloc = 0;
        int r = 0;
        struct json_object *root = NULL;

        /* copy_of: a new container (filled later) or a shared leaf. */
#define COPY_OF(SRC, DST)                                                                                              \
        do {                                                                                                           \
                enum json_type t_ = json_object_get_type(SRC);                                                         \
                if (t_ == json_type_object || t_ == json_type_array) {                                                 \
                        (DST) = t_ == json_type_object ? json_object_new_object() : json_object_new_array();           \
                        if (!(DST) || GROW(stack, alloc, n) < 0) {                                                     \
                                json_object_put(DST);                                                                  \
                                (DST) = NULL;                                                                          \
                                r = -ENOMEM;                                                                           \
                        } else                                                                                         \
                                stack[n++] = (struct frame) { SRC, DST };                                              \
                } else if (t_ == json_type_double) {                                                                   \
                        (DST) = json_object_new_double(json_object_get_double(SRC));                                   \
                        if (!(DST))                                                                                    \
                                r = -ENOMEM;                                                                           \
                        else                                                                                           \
                                json_object_set_serializer(DST, double_serializer, NULL, NULL);                        \
                } else                                                                                                 \
                        (DST) = json_object_get(SRC);                                                                  \
        } while (0)

        COPY_OF(o, root);
        while (r == 0 && n > 0) {
                struct frame f = stack[--n];
                if (json_object_get_type(f.src) == json_type_array) {
                        size_t len = json_object_array_length(f.src);
                        for (size_t i = 0; i < len && r == 0; i++) {
                                struct json_object *c = NULL, *src = json_object_array_get_idx(f.src, i);
                                COPY_OF(src, c);
                                if (r == 0 && json_object_array_add(f.dst, c) < 0) {
                                        json_object_put(c);
                                        r = -ENOMEM;
                                }
                        }
                        continue;
                }
                size_t count = (size_t) json_object_object_length(f.src), k = 0;
                struct key *keys = calloc(count ? count : 1, sizeof(*keys));
                if (!keys) {
                        r = -ENOMEM;
                        break;
                }
                json_object_object_foreach(f.src, name, value) {
                        keys[k++] = (struct key) { name, value };
                }
                qsort(keys, k, sizeof(*keys), compare_keys);
                for (size_t i = 0; i < k && r == 0; i++) {
                        struct json_object *c = NULL;
                        COPY_OF(keys[i].value, c);
                        if (r == 0 && json_object_object_add(f.dst, keys[i].name, c) < 0) {
                                json_object_put(c);
                                r = -ENOMEM;
                        }
                }
                free(keys);
        }
#undef COPY_OF
        free(stack);
        if (r < 0) {
                json_object_put(root);
                return r;
        }
        *ret = root;
        return 0;
}

int nsb_json_dump(struct json_object *o, char **ret, size_t *ret_len)
{
        struct json_object *copy = NULL;
        int r = sorted_copy(o, &copy);
        if (r < 0)
                return r;
        size_t len = 0;
        const char *text = json_object_to_json_string_length(copy, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
                                                             &len);
        char *dup = text ? malloc(len + 1) : NULL;
        if (dup) {
                memcpy(dup, text, len);
                dup[len] = '\0';
        }
        json_object_put(copy);
        if (!dup)
                return -ENOMEM;
        *ret = dup;
        if (ret_len)
                *ret_len = len;
        return 0;
}

void nsb_json_free(struct json_object *o)
{
        json_object_put(o);
}

#else /* !HAVE_JSONC */

void nsb_json_free(struct json_object *o)
{
        (void) o;
}

int nsb_json_parse(const char *text, size_t len, struct json_object **ret, char *err, size_t size)
{
        (void) text;
        (void) len;
        *ret = NULL;
        if (size)
                snprintf(err, size, "this nsbuild was built without json-c (configure --with-jsonc)");
        return -EOPNOTSUPP;
}

int nsb_json_dump(struct json_object *o, char **ret, size_t *ret_len)
{
        (void) o;
        (void) ret;
        (void) ret_len;
        return -EOPNOTSUPP;
}

int nsb_json_format_double(double v, char *out, size_t size)
{
        (void) v;
        (void) out;
        (void) size;
        return -EOPNOTSUPP;
}

#endif
