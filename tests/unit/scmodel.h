/*
 * scmodel.h: the oracle of scfilter's BPF compiler. What the filter must
 * return on a system call, worked out from the rules alone (the last
 * rule that matches decides, then runc's stub or the default; noexec's
 * gate; on 32-bit x86 what socketcall(2) and ipc(2) hide; the other
 * architectures killed), and the comparison of a compiled filter, run in
 * bpfvm, with it on many calls. Shared by tests/unit/scfilter_bpf_test.c
 * and the fuzz harnesses of the profile readers.
 */
#ifndef SCMODEL_H
#define SCMODEL_H

#include <stddef.h>
#include <stdint.h>

#include <linux/seccomp.h>

#include "scfilter/bpf.h"

struct scmodel {
	const struct profile *p;
	const struct exec_gate *gate;
	const struct archinfo *arch[MAX_ARCH];	/* as p->arch */
	int *nr[MAX_ARCH];	/* each rule's number there, or negative */
	int mux[MAX_ARCH][2];	/* socketcall(2), ipc(2) there, or -1 */
};

void scmodel_init(struct scmodel *m, const struct profile *p,
    const struct exec_gate *gate);
void scmodel_free(struct scmodel *m);

/* What the rules decide on d. */
uint32_t scmodel_expect(const struct scmodel *m,
    const struct seccomp_data *d);

/* A system call to try: near the rules' numbers and values, or not. */
void scmodel_call(const struct scmodel *m, uint64_t *rng,
    struct seccomp_data *d);

/*
 * Compiles p (noexec's gate, or NULL), checks the program as the kernel
 * would, and runs it on ncalls calls drawn from seed: 0 if each returns
 * what the rules decide, else -1 and the first difference in why. Dies
 * as bpf_compile() does when the program is too long.
 */
int scmodel_check(const struct profile *p, const struct exec_gate *gate,
    uint64_t seed, size_t ncalls, char *why, size_t size);

/*
 * scmodel_check() on p as it is, with noexec's gate if it has noexec,
 * and on x86_64, x86 and x32 all three where p is for x86_64: what the
 * fuzz harnesses of the readers ask of whatever a reader accepts.
 */
/* A seed from the input, for the harnesses: the same input, the same calls. */
uint64_t scmodel_seed(const void *data, size_t size);

int scmodel_check_all(const struct profile *p, uint64_t seed, size_t ncalls,
    char *why, size_t size);

#endif
