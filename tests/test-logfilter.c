/* test-logfilter.c - what of a builder's log reaches a terminal: text,
 * valid UTF-8 and colour; no other control, however it is spelled or cut
 * (escape sequences, C1 controls as UTF-8 or as raw bytes, sequences
 * split between reads, bytes a dropped one would join into a control). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "tap.h"

/* Filter IN whole, and byte by byte: both must give WANT. */
static void check(const char *in, size_t len, const char *want, const char *name)
{
        char out[1024];
        nsb_term_filter f = { 0 };
        size_t n = nsb_term_filter_run(&f, in, len, out);
        char bytewise[1024] = { 0 };
        size_t m = 0;
        nsb_term_filter g = { 0 };
        for (size_t i = 0; i < len; i++)
                m += nsb_term_filter_run(&g, in + i, 1, bytewise + m);
        bool ok = n == strlen(want) && memcmp(out, want, n) == 0 && m == n && memcmp(bytewise, out, n) == 0;
        if (!tap_ok(ok, "%s", name)) {
                tap_diag("  got %zu bytes, byte by byte %zu, want %zu", n, m, strlen(want));
                for (size_t i = 0; i < n; i++)
                        tap_diag("  out[%zu] = %02x", i, (unsigned char) out[i]);
        }
}

#define CHECK(in, want, name) check(in, sizeof(in) - 1, want, name)

int main(void)
{
        CHECK("plain text\n\ttab\n", "plain text\n\ttab\n", "text, tabs and newlines pass");
        CHECK("a \033[31mred\033[0m \033[1;38;5;208mx\033[m\n", "a \033[31mred\033[0m \033[1;38;5;208mx\033[m\n",
              "colour (SGR) passes");
        CHECK("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d\n", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d\n",
              "UTF-8 of two, three and four bytes passes");
        CHECK("a\033]0;title\007b\033]52;c;cHduZWQ=\033\\c\n", "abc\n", "window titles and OSC 52 are dropped");
        CHECK("a\033[2J\033[1;1H\033[?25l\033[6nb\n", "ab\n", "screen, cursor and report requests are dropped");
        CHECK("a\033P1;2qdcs\033\\b\033_apc\033\\c\033^pm\007d\033Xsos\007e\n", "abcde\n",
              "DCS, APC, PM and SOS strings are dropped");
        CHECK("over\rnsbuild: fake\b\b\007\n", "overnsbuild: fake\n", "carriage return, backspace and bell are dropped");
        CHECK("a\xc2\x9b" "2Jb\xc2\x9d" "0;t\007c\n", "abc\n", "C1 CSI and OSC in their UTF-8 form are dropped");
        CHECK("a\x9b" "2Jb\x9d" "0;t\x9c" "c\n", "a2Jb0;tc\n", "raw 8-bit C1 bytes are dropped");
        /* What a dropped byte must not join: c2 and 9b around a control. */
        CHECK("A\302\001\23552;c;cHduZWQ=\302\001\234B\302\001\2332J\n", "A52;c;cHduZWQ=B2J\n",
              "a control between the bytes of a C1 leaves no C1");
        CHECK("a\033\xc2\x9b" "2Jb\n", "ab\n", "nor does an escape before one");
        CHECK("a\xc0\x80\xe0\x80\x80\xed\xa0\x80\xf4\x90\x80\x80" "b\n", "ab\n",
              "overlong, surrogate and beyond-Unicode sequences are dropped");
        CHECK("a\xe2\x82" "b\xf0\x9f\n", "ab\n", "cut-short sequences are dropped, what follows kept");
        CHECK("a\033[31;", "a", "an SGR cut off at the end is held back");
        return tap_done();
}
