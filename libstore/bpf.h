/* bpf.h - writing a classic BPF program, for the seccomp filters
 * (seccomp.c, seccomp-guard.c).  Pure computation on a caller's array:
 * usable between clone and exec. */
#ifndef NSB_BPF_H
#define NSB_BPF_H

#include <errno.h>
#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nsb_bpf {
        struct sock_filter *insns;
        size_t len, cap;
        int error; /* -E2BIG once the program or a jump would not fit */
};

/* Append an instruction; its index. */
static inline size_t nsb_bpf_emit(struct nsb_bpf *e, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
        if (e->len == e->cap) {
                e->error = -E2BIG;
                return e->len - 1;
        }
        e->insns[e->len] = (struct sock_filter) { .code = code, .jt = jt, .jf = jf, .k = k };
        return e->len++;
}

/* Point the jump at AT (its true or false branch) at the next instruction
 * to be emitted: classic BPF jumps only forward, by at most 255. */
static inline void nsb_bpf_land_here(struct nsb_bpf *e, size_t at, bool on_true)
{
        size_t offset = e->len - at - 1;
        if (offset > UINT8_MAX) {
                e->error = -E2BIG;
                return;
        }
        if (on_true)
                e->insns[at].jt = (uint8_t) offset;
        else
                e->insns[at].jf = (uint8_t) offset;
}

#endif
