/*
 * bpf.h: the filter (filter.h) compiled to classic BPF, as the kernel's
 * seccomp runs it.
 */
#ifndef SCFILTER_BPF_H
#define SCFILTER_BPF_H

#include <stddef.h>
#include <stdint.h>

#include <linux/filter.h>

#include "filter.h"

/*
 * The program is written backwards, from its last instruction: a jump's
 * target is then always known. A label counts instructions from the end.
 */
struct bpf {
	struct sock_filter ins[BPF_MAXINSNS];	/* filled from the end */
	size_t n;
	struct { uint32_t act; size_t label; } rets[16];	/* to share */
	size_t nrets;
};

/* prog points into b; dies if the kernel's BPF_MAXINSNS are not enough. */
void bpf_compile(struct bpf *b, const struct filter *flt,
    struct sock_fprog *prog);

#endif
