/*
 * Device rules for cgroup v2: `devices.allow=c 1:3 rwm`, `devices.deny=a`,
 * the lines of cgroup v1's files, which v2 no longer has. They are
 * compiled into one BPF_CGROUP_DEVICE program, attached to the cgroup
 * with BPF_F_ALLOW_MULTI (a program a parent holds still runs, so a
 * child can only narrow it) in place of the programs that were attached
 * there directly before, as runc and crun do.
 *
 * The rules apply in the order given and the last one that matches a
 * request decides, as the runtime spec's linux.resources.devices say.
 * `a` alone (or `a *:* rwm`) sets what no rule matches, and forgets the
 * rules before it: so `devices.deny=a` starts a list of what is
 * allowed. With no `a`, what no rule matches is allowed, as in a v1
 * cgroup that was never written to.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conch.h"
#include "devices.h"

bool
devices_file(const char *file)
{
	return strcmp(file, "devices.allow") == 0 ||
	    strcmp(file, "devices.deny") == 0;
}

/* "*" or a number up to 2^32-1; -1 for *. */
static int
dev_number(const char *s, size_t len, int64_t *out)
{
	char buf[16];
	unsigned long n;

	if (len == 1 && s[0] == '*') {
		*out = -1;
		return 0;
	}
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (parse_ulong(buf, UINT32_MAX, &n) == -1)
		return -1;
	*out = n;
	return 0;
}

/* "TYPE MAJOR:MINOR [ACCESS]", or "a": cgroup v1's syntax. */
static int
rule_parse(const char *v, struct devrule *d)
{
	const char *colon, *end;

	d->major = d->minor = -1;
	d->access = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ |
	    BPF_DEVCG_ACC_WRITE;
	if (strchr("abc", v[0]) == NULL || v[0] == '\0')
		return -1;
	d->type = v[0];
	if (v[1] == '\0')
		return d->type == 'a' ? 0 : -1;
	if (v[1] != ' ' || (colon = strchr(v + 2, ':')) == NULL)
		return -1;
	end = colon + 1 + strcspn(colon + 1, " ");
	if (dev_number(v + 2, colon - (v + 2), &d->major) == -1 ||
	    dev_number(colon + 1, end - (colon + 1), &d->minor) == -1)
		return -1;
	if (*end == '\0')
		return 0;
	if (end[1] == '\0')
		return -1;
	d->access = 0;
	for (end++; *end != '\0'; end++) {
		unsigned bit = *end == 'r' ? BPF_DEVCG_ACC_READ :
		    *end == 'w' ? BPF_DEVCG_ACC_WRITE :
		    *end == 'm' ? BPF_DEVCG_ACC_MKNOD : 0;

		if (bit == 0 || (d->access & bit))
			return -1;
		d->access |= bit;
	}
	return 0;
}

static bool
every_device(const struct devrule *d)
{
	return d->type == 'a' && d->major == -1 && d->minor == -1 &&
	    d->access == (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ |
	    BPF_DEVCG_ACC_WRITE);
}

void
devices_add(struct devrules *r, const char *arg, const char *file,
    const char *value)
{
	struct devrule d;

	if (rule_parse(value, &d) == -1)
		die("%s: bad device rule '%s' (TYPE MAJOR:MINOR ACCESS, as "
		    "'c 1:3 rwm': TYPE a, b or c, * for any number, ACCESS "
		    "of r, w and m; or a for every device)", arg, value);
	d.allow = strcmp(file, "devices.allow") == 0;
	if (!r->any)
		r->allow_default = true;
	r->any = true;
	if (every_device(&d)) {
		r->allow_default = d.allow;
		r->n = 0;
		return;
	}
	if (r->n == LEN(r->rule))
		die("%s: more than %zu device rules", arg, LEN(r->rule));
	r->rule[r->n++] = d;
}

/* --- the BPF program ---------------------------------------------------- */

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
	    .off = (o), .imm = (i) })
#define LDX_W(d, s, o)	INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define MOV32(d, s)	INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define AND32(d, i)	INSN(BPF_ALU | BPF_AND | BPF_K, d, 0, 0, i)
#define RSH32(d, i)	INSN(BPF_ALU | BPF_RSH | BPF_K, d, 0, 0, i)
#define JNE32(d, i, o)	INSN(BPF_JMP32 | BPF_JNE | BPF_K, d, 0, o, i)
#define JEQ32(d, i, o)	INSN(BPF_JMP32 | BPF_JEQ | BPF_K, d, 0, o, i)
#define RET(v)		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, v), \
			INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

enum { R_ACCESS = BPF_REG_2, R_TYPE, R_MAJOR, R_MINOR, R_TMP };

struct prog {
	struct bpf_insn insn[6 + 8 * LEN(((struct devrules *)0)->rule) + 2];
	size_t n;
};

static void
emit(struct prog *p, const struct bpf_insn *in, size_t n)
{
	memcpy(p->insn + p->n, in, n * sizeof(*in));
	p->n += n;
}

/*
 * One rule: each test that fails jumps past the rule's own return. A
 * rule that allows must cover every access asked for; one that denies
 * matches when it covers any of them.
 */
static void
emit_rule(struct prog *p, const struct devrule *d)
{
	struct bpf_insn b[8];
	size_t n = 0, i;
	int type = d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;

	if (d->type != 'a')
		b[n++] = JNE32(R_TYPE, type, 0);
	if (d->major != -1)
		b[n++] = JNE32(R_MAJOR, (int32_t)(uint32_t)d->major, 0);
	if (d->minor != -1)
		b[n++] = JNE32(R_MINOR, (int32_t)(uint32_t)d->minor, 0);
	b[n++] = MOV32(R_TMP, R_ACCESS);
	if (d->allow) {
		b[n++] = AND32(R_TMP, ~d->access & 7);
		b[n++] = JNE32(R_TMP, 0, 0);
	} else {
		b[n++] = AND32(R_TMP, d->access);
		b[n++] = JEQ32(R_TMP, 0, 0);
	}
	/* A failed test jumps over the tests after it and the return. */
	for (i = 0; i < n; i++)
		b[i].off = BPF_CLASS(b[i].code) == BPF_JMP32 ? n - i - 1 + 2 :
		    0;
	emit(p, b, n);
	emit(p, (struct bpf_insn[]){ RET(d->allow) }, 2);
}

static void
compile(const struct devrules *r, struct prog *p)
{
	static const struct bpf_insn head[] = {
		LDX_W(R_ACCESS, BPF_REG_1,
		    offsetof(struct bpf_cgroup_dev_ctx, access_type)),
		MOV32(R_TYPE, R_ACCESS),
		AND32(R_TYPE, 0xffff),
		RSH32(R_ACCESS, 16),
		LDX_W(R_MAJOR, BPF_REG_1,
		    offsetof(struct bpf_cgroup_dev_ctx, major)),
		LDX_W(R_MINOR, BPF_REG_1,
		    offsetof(struct bpf_cgroup_dev_ctx, minor)),
	};
	size_t i;

	p->n = 0;
	emit(p, head, LEN(head));
	/* The last rule that matches decides: test them last first. */
	for (i = r->n; i > 0; i--)
		emit_rule(p, &r->rule[i - 1]);
	emit(p, (struct bpf_insn[]){ RET(r->allow_default) }, 2);
}

/* --- loading and attaching ---------------------------------------------- */

static int
sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static const char *
bpf_hint(int err)
{
	if (err == EPERM || err == EACCES)
		return "device programs need CAP_SYS_ADMIN (or CAP_BPF and "
		    "CAP_NET_ADMIN) in the host's user namespace";
	return NULL;
}

static int
prog_load(const struct prog *p, const char *path)
{
	static char log[4096];
	union bpf_attr a;
	int fd, err;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uintptr_t)p->insn;
	a.insn_cnt = p->n;
	a.license = (uintptr_t)"GPL";
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd != -1)
		return fd;
	err = errno;
	/* Again with the verifier's log, to say why. */
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	if (sys_bpf(BPF_PROG_LOAD, &a) == -1 && log[0] != '\0')
		warnm("the verifier said: %.*s", (int)strcspn(log, "\n"),
		    log);
	die_err(err, bpf_hint(err), "load the device program for %s", path);
}

/* The programs attached to the cgroup itself (not its parents'). */
static size_t
attached(int cgfd, uint32_t *ids, size_t max, const char *path)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.query.target_fd = cgfd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uintptr_t)ids;
	a.query.prog_cnt = max;
	if (sys_bpf(BPF_PROG_QUERY, &a) == -1)
		die_err(errno, bpf_hint(errno), "query the device programs of "
		    "%s", path);
	return a.query.prog_cnt;
}

static void
detach(int cgfd, uint32_t id, const char *path)
{
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_id = id;
	if ((fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a)) == -1)
		die_sys("get the old device program %u of %s", id, path);
	memset(&a, 0, sizeof(a));
	a.target_fd = cgfd;
	a.attach_bpf_fd = fd;
	a.attach_type = BPF_CGROUP_DEVICE;
	trace("detach device program %u from %s", id, path);
	if (sys_bpf(BPF_PROG_DETACH, &a) == -1)
		die_sys("detach the old device program %u from %s", id, path);
	close(fd);
}

void
devices_attach(const struct devrules *r, int cgfd, const char *path)
{
	static struct prog p;
	union bpf_attr a;
	uint32_t old[64];
	size_t nold, i;
	int dirfd, prog;

	compile(r, &p);
	/* The BPF calls take a cgroup opened for reading, not O_PATH. */
	dirfd = openat(cgfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd == -1)
		die_sys("open %s", path);
	nold = attached(dirfd, old, LEN(old), path);
	prog = prog_load(&p, path);
	memset(&a, 0, sizeof(a));
	a.target_fd = dirfd;
	a.attach_bpf_fd = prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	trace("attach a device program of %zu rules to %s (%s the rest)",
	    r->n, path, r->allow_default ? "allowing" : "denying");
	if (sys_bpf(BPF_PROG_ATTACH, &a) == -1)
		die_err(errno, errno == EPERM ? "a program attached there "
		    "without BPF_F_ALLOW_MULTI cannot be joined" : NULL,
		    "attach the device program to %s", path);
	for (i = 0; i < nold; i++)
		detach(dirfd, old[i], path);
	close(prog);
	close(dirfd);
}
