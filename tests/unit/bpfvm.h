/*
 * bpfvm.h: classic BPF as the kernel's seccomp runs it, for the tests of
 * scfilter's BPF compiler (tests/unit/scfilter_bpf_test.c and the fuzz
 * harnesses): a checker that refuses what the kernel refuses when the
 * filter is loaded, and an interpreter that runs a checked program on a
 * struct seccomp_data.
 */
#ifndef BPFVM_H
#define BPFVM_H

#include <stddef.h>
#include <stdint.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

/*
 * NULL if the kernel would load the program as a seccomp filter, else
 * why not (as bpf_check_classic() and seccomp_check_filter() judge it).
 */
const char *bpfvm_check(const struct sock_filter *f, size_t n);

/* The program's return value on d; f must have passed bpfvm_check(). */
uint32_t bpfvm_run(const struct sock_filter *f, size_t n,
    const struct seccomp_data *d);

#endif
