/*
 * bpfvm.c: classic BPF as the kernel's seccomp runs it (see bpfvm.h).
 *
 * The checker follows Linux's net/core/filter.c (bpf_check_classic(),
 * check_load_and_stores()) and kernel/seccomp.c (seccomp_check_filter()):
 * 1 to BPF_MAXINSNS instructions, only the opcodes seccomp allows, loads
 * of whole aligned words inside struct seccomp_data, jumps that land
 * inside the program, no division by a constant 0, no shift by 32 or
 * more, scratch memory written before it is read, and a return last.
 * The interpreter then needs no check of its own: a checked program
 * only jumps forward, and ends.
 */
#include <stdbool.h>
#include <string.h>

#include "bpfvm.h"

#define SECCOMP_DATA_SIZE ((uint32_t)sizeof(struct seccomp_data))

/* The opcodes seccomp_check_filter() lets through (after its rewrites). */
static bool
opcode_allowed(uint16_t code)
{
	switch (code) {
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_W | BPF_LEN:
	case BPF_LDX | BPF_W | BPF_LEN:
	case BPF_RET | BPF_K: case BPF_RET | BPF_A:
	case BPF_ALU | BPF_ADD | BPF_K: case BPF_ALU | BPF_ADD | BPF_X:
	case BPF_ALU | BPF_SUB | BPF_K: case BPF_ALU | BPF_SUB | BPF_X:
	case BPF_ALU | BPF_MUL | BPF_K: case BPF_ALU | BPF_MUL | BPF_X:
	case BPF_ALU | BPF_DIV | BPF_K: case BPF_ALU | BPF_DIV | BPF_X:
	case BPF_ALU | BPF_AND | BPF_K: case BPF_ALU | BPF_AND | BPF_X:
	case BPF_ALU | BPF_OR | BPF_K: case BPF_ALU | BPF_OR | BPF_X:
	case BPF_ALU | BPF_XOR | BPF_K: case BPF_ALU | BPF_XOR | BPF_X:
	case BPF_ALU | BPF_LSH | BPF_K: case BPF_ALU | BPF_LSH | BPF_X:
	case BPF_ALU | BPF_RSH | BPF_K: case BPF_ALU | BPF_RSH | BPF_X:
	case BPF_ALU | BPF_NEG:
	case BPF_LD | BPF_IMM: case BPF_LDX | BPF_IMM:
	case BPF_MISC | BPF_TAX: case BPF_MISC | BPF_TXA:
	case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM:
	case BPF_ST: case BPF_STX:
	case BPF_JMP | BPF_JA:
	case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
		return true;
	}
	return false;
}

/* One instruction's operands, at pc of n. */
static const char *
check_operands(const struct sock_filter *f, size_t pc, size_t n)
{
	const struct sock_filter *i = &f[pc];

	switch (i->code) {
	case BPF_LD | BPF_W | BPF_ABS:
		if (i->k >= SECCOMP_DATA_SIZE || (i->k & 3) != 0)
			return "a load outside seccomp_data, or not aligned";
		break;
	case BPF_ALU | BPF_DIV | BPF_K:
		if (i->k == 0)
			return "a division by a constant 0";
		break;
	case BPF_ALU | BPF_LSH | BPF_K: case BPF_ALU | BPF_RSH | BPF_K:
		if (i->k >= 32)
			return "a shift by 32 or more";
		break;
	case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM:
	case BPF_ST: case BPF_STX:
		if (i->k >= BPF_MEMWORDS)
			return "scratch memory out of range";
		break;
	case BPF_JMP | BPF_JA:
		if (i->k >= n - pc - 1)
			return "a jump out of the program";
		break;
	default:
		if (BPF_CLASS(i->code) == BPF_JMP &&
		    (pc + i->jt + 1 >= n || pc + i->jf + 1 >= n))
			return "a jump out of the program";
	}
	return NULL;
}

/*
 * Scratch memory read before it is written on some path, as the kernel's
 * check_load_and_stores() finds it: the words surely written, carried
 * forward along the jumps (and, as there, past a return too).
 */
static const char *
check_scratch(const struct sock_filter *f, size_t n)
{
	uint16_t written[BPF_MAXINSNS];
	size_t pc;

	memset(written, 0xff, n * sizeof(*written));
	written[0] = 0;
	for (pc = 0; pc < n; pc++) {
		uint16_t w = written[pc];
		const struct sock_filter *i = &f[pc];

		switch (i->code) {
		case BPF_ST: case BPF_STX:
			w |= 1 << i->k;
			break;
		case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM:
			if (!(w & 1 << i->k))
				return "scratch memory read before written";
			break;
		case BPF_JMP | BPF_JA:
			written[pc + 1 + i->k] &= w;
			w = 0xffff;	/* nothing falls through */
			break;
		}
		if (BPF_CLASS(i->code) == BPF_JMP && i->code != (BPF_JMP |
		    BPF_JA)) {
			written[pc + 1 + i->jt] &= w;
			written[pc + 1 + i->jf] &= w;
			w = 0xffff;
		}
		if (pc + 1 < n)
			written[pc + 1] &= w;
	}
	return NULL;
}

const char *
bpfvm_check(const struct sock_filter *f, size_t n)
{
	const char *why;
	size_t pc;

	if (n == 0 || n > BPF_MAXINSNS)
		return "no instructions, or more than BPF_MAXINSNS";
	for (pc = 0; pc < n; pc++) {
		if (!opcode_allowed(f[pc].code))
			return "an opcode seccomp does not allow";
		if ((why = check_operands(f, pc, n)) != NULL)
			return why;
	}
	if (f[n - 1].code != (BPF_RET | BPF_K) &&
	    f[n - 1].code != (BPF_RET | BPF_A))
		return "no return at the end";
	return check_scratch(f, n);
}

static uint32_t
alu(uint16_t op, uint32_t a, uint32_t v)
{
	switch (op) {
	case BPF_ADD: return a + v;
	case BPF_SUB: return a - v;
	case BPF_MUL: return a * v;
	case BPF_DIV: return a / v;	/* v == 0: handled by the caller */
	case BPF_AND: return a & v;
	case BPF_OR: return a | v;
	case BPF_XOR: return a ^ v;
	case BPF_LSH: return v < 32 ? a << v : 0;
	case BPF_RSH: return v < 32 ? a >> v : 0;
	case BPF_NEG: return -a;
	}
	return a;
}

static bool
jump_taken(uint16_t op, uint32_t a, uint32_t v)
{
	switch (op) {
	case BPF_JEQ: return a == v;
	case BPF_JGT: return a > v;
	case BPF_JGE: return a >= v;
	case BPF_JSET: return (a & v) != 0;
	}
	return false;
}

uint32_t
bpfvm_run(const struct sock_filter *f, size_t n,
    const struct seccomp_data *d)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 }, v, word;
	size_t pc;

	for (pc = 0; pc < n; pc++) {
		const struct sock_filter *i = &f[pc];

		v = BPF_SRC(i->code) == BPF_X ? x : i->k;
		switch (BPF_CLASS(i->code)) {
		case BPF_LD:
			if (BPF_MODE(i->code) == BPF_ABS) {
				memcpy(&word, (const char *)d + i->k, 4);
				a = word;
			} else if (BPF_MODE(i->code) == BPF_LEN) {
				a = SECCOMP_DATA_SIZE;
			} else {
				a = BPF_MODE(i->code) == BPF_MEM ?
				    mem[i->k] : i->k;
			}
			break;
		case BPF_LDX:
			x = BPF_MODE(i->code) == BPF_LEN ? SECCOMP_DATA_SIZE :
			    BPF_MODE(i->code) == BPF_MEM ? mem[i->k] : i->k;
			break;
		case BPF_ST: mem[i->k] = a; break;
		case BPF_STX: mem[i->k] = x; break;
		case BPF_ALU:
			if (BPF_OP(i->code) == BPF_DIV && v == 0)
				return 0;	/* as the kernel: the program ends */
			a = alu(BPF_OP(i->code), a, v);
			break;
		case BPF_JMP:
			if (BPF_OP(i->code) == BPF_JA)
				pc += i->k;
			else
				pc += jump_taken(BPF_OP(i->code), a, v) ?
				    i->jt : i->jf;
			break;
		case BPF_RET:
			return BPF_RVAL(i->code) == BPF_A ? a : i->k;
		case BPF_MISC:
			if (BPF_MISCOP(i->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
	return 0;	/* not reached by a checked program */
}
