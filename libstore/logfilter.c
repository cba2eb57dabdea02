/* logfilter.c - what of a builder's log may reach a terminal.
 *
 * A terminal obeys what it is sent: a builder's output could set the
 * window title, write the clipboard (OSC 52), clear the screen, move the
 * cursor over nsbuild's own lines, or send device control strings.  So,
 * as Nix does, a log on its way to a terminal keeps its text and its
 * colours and loses every other control: escape sequences other than SGR
 * (ESC [ digits ; : m), the string sequences (OSC, DCS, SOS, PM, APC) up
 * to their terminator, the C1 controls (U+0080-U+009F: a terminal in UTF-8
 * mode obeys U+009B as CSI, one in an 8-bit mode the single byte 0x9b),
 * and the C0 controls but tab and newline (carriage return and backspace
 * would write over a line).  Text is decoded as UTF-8 on the way: what is
 * not valid UTF-8 (a stray byte of 0x80 or more, an overlong or cut-short
 * sequence) is dropped, so that no byte a filter dropped can leave two
 * others to form a control.  A log that goes to a file or a pipe is never
 * filtered: it stays byte-exact.
 *
 * A stream filter: a sequence may be cut between two reads. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "internal.h"

/* A string sequence never terminated ends there as far as we care: what
 * follows is shown again, as text. */
#define STRING_MAX 4096

enum {
        LF_TEXT = 0,
        LF_ESC,        /* after ESC */
        LF_ESC_INTER,  /* ESC and intermediate bytes: until the final byte */
        LF_CSI,        /* ESC [ or C1 CSI: parameters, until the final byte */
        LF_STRING,     /* OSC, DCS, SOS, PM, APC: until BEL or ST */
        LF_STRING_ESC, /* ESC inside a string: ST if '\' follows */
        LF_UTF8,       /* inside a UTF-8 sequence of text */
};

static void begin_csi(nsb_term_filter *f, bool may_keep)
{
        f->state = LF_CSI;
        f->keep = may_keep;
        f->seq_len = 0;
        if (may_keep) {
                f->seq[f->seq_len++] = '\033';
                f->seq[f->seq_len++] = '[';
        }
}

static void begin_string(nsb_term_filter *f)
{
        f->state = LF_STRING;
        f->string_len = 0;
}

/* A C1 control (U+0080-U+009F) C: begin what it begins, or drop it. */
static void c1_control(nsb_term_filter *f, unsigned c)
{
        if (c == 0x9b)
                begin_csi(f, false);
        else if (c == 0x9d || c == 0x90 || c == 0x98 || c == 0x9e || c == 0x9f)
                begin_string(f);
        else
                f->state = LF_TEXT;
}

/* The first byte of a UTF-8 sequence: how many continuation bytes follow
 * and the bits it holds; -1 for a byte that begins none. */
static int utf8_lead(unsigned char c, uint32_t *ret_bits)
{
        if (c >= 0xc2 && c <= 0xdf) {
                *ret_bits = c & 0x1f;
                return 1;
        }
        if (c >= 0xe0 && c <= 0xef) {
                *ret_bits = c & 0x0f;
                return 2;
        }
        if (c >= 0xf0 && c <= 0xf4) {
                *ret_bits = c & 0x07;
                return 3;
        }
        return -1;
}

size_t nsb_term_filter_run(nsb_term_filter *f, const char *in, size_t n, char *out)
{
        static const uint32_t min_for[4] = { 0, 0x80, 0x800, 0x10000 };
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) in[i];
                switch (f->state) {
                case LF_TEXT:
                        if (c == '\033')
                                f->state = LF_ESC;
                        else if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f)) {
                                out[o++] = (char) c;
                                f->mid_line = c != '\n';
                        } else if (c >= 0x80) {
                                int more = utf8_lead(c, &f->cp);
                                if (more > 0) {
                                        f->state = LF_UTF8;
                                        f->utf8[0] = (char) c;
                                        f->utf8_len = 1;
                                        f->utf8_more = more;
                                } /* else a stray byte: dropped */
                        }
                        break;
                case LF_UTF8:
                        if (c < 0x80 || c > 0xbf) {
                                /* Cut short: the partial sequence goes, C is
                                 * looked at afresh. */
                                f->state = LF_TEXT;
                                i--;
                                break;
                        }
                        f->cp = (f->cp << 6) | (c & 0x3f);
                        f->utf8[f->utf8_len++] = (char) c;
                        if (--f->utf8_more > 0)
                                break;
                        f->state = LF_TEXT;
                        if (f->cp < min_for[f->utf8_len - 1] || (f->cp >= 0xd800 && f->cp <= 0xdfff) ||
                            f->cp > 0x10ffff)
                                break; /* overlong, a surrogate, beyond Unicode: dropped */
                        if (f->cp >= 0x80 && f->cp <= 0x9f) {
                                c1_control(f, f->cp);
                                break;
                        }
                        memcpy(out + o, f->utf8, f->utf8_len);
                        o += f->utf8_len;
                        f->mid_line = true;
                        break;
                case LF_ESC:
                        if (c == '[')
                                begin_csi(f, true);
                        else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_')
                                begin_string(f);
                        else if (c >= 0x20 && c <= 0x2f)
                                f->state = LF_ESC_INTER;
                        else if (c == '\033')
                                f->state = LF_ESC;
                        else if (c >= 0x80) {
                                f->state = LF_TEXT; /* not an escape: look at it as text */
                                i--;
                        } else
                                f->state = LF_TEXT; /* ESC and its final byte: dropped */
                        break;
                case LF_ESC_INTER:
                        if (c >= 0x20 && c <= 0x2f)
                                break;
                        f->state = LF_TEXT;
                        if (c < 0x30 || c > 0x7e)
                                i--; /* not a final byte: look at it as text */
                        break;
                case LF_CSI:
                        if (c >= 0x30 && c <= 0x3f) {
                                /* Parameters: SGR has only digits, ';' and ':'. */
                                if (!((c >= '0' && c <= '9') || c == ';' || c == ':') ||
                                    f->seq_len + 2 > sizeof(f->seq))
                                        f->keep = false;
                                else if (f->keep)
                                        f->seq[f->seq_len++] = (char) c;
                        } else if (c >= 0x20 && c <= 0x2f) {
                                f->keep = false; /* intermediate bytes: not SGR */
                        } else {
                                f->state = LF_TEXT;
                                if (c >= 0x40 && c <= 0x7e) {
                                        if (f->keep && c == 'm') {
                                                memcpy(out + o, f->seq, f->seq_len);
                                                o += f->seq_len;
                                                out[o++] = 'm';
                                        }
                                } else
                                        i--; /* cut short: look at it as text */
                        }
                        break;
                case LF_STRING:
                        if (c == '\a')
                                f->state = LF_TEXT;
                        else if (c == '\033')
                                f->state = LF_STRING_ESC;
                        else if (++f->string_len > STRING_MAX)
                                f->state = LF_TEXT;
                        break;
                case LF_STRING_ESC:
                        if (c == '\\')
                                f->state = LF_TEXT;
                        else {
                                /* A new sequence ends the string. */
                                f->state = LF_ESC;
                                i--;
                        }
                        break;
                }
        }
        return o;
}
