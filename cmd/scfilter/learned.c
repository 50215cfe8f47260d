/*
 * The set --learn builds: each system call seen, on each architecture,
 * and with --learn-args the values of argument 0 that profiles match
 * (socket families, clone flags, personalities, prctl options). It is
 * read from an existing FILE first (runs merge), and written as a text
 * profile, one "on ARCH" part per architecture, or as OCI JSON, which
 * cannot say "only on x86": there every call learned on any architecture
 * is allowed on all of them.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <seccomp.h>

#include "conch.h"
#include "json.h"
#include "learn.h"
#include "text.h"

#define X32_BIT 0x40000000U

static const char *const argcalls[NARGCALLS] = {
	"socket", "clone", "personality", "prctl",
};

static void
slot_init(struct archslot *s, uint32_t token)
{
	const char *exits[2] = { "exit", "exit_group" };
	int i;

	memset(s, 0, sizeof(*s));
	s->token = token;
	for (i = 0; i < NARGCALLS; i++)
		s->argnr[i] = seccomp_syscall_resolve_name_arch(token,
		    argcalls[i]);
	for (i = 0; i < 2; i++)
		s->exitnr[i] = seccomp_syscall_resolve_name_arch(token,
		    exits[i]);
}

void
learned_init(struct learned *l, const struct learn_opts *o)
{
	uint32_t tokens[MAX_ARCH];
	size_t len, i;
	mode_t mask;

	memset(l, 0, sizeof(*l));
	l->opts = o;
	len = o->file != NULL ? strlen(o->file) : 0;
	l->json = len > 5 && strcmp(o->file + len - 5, ".json") == 0;
	l->nslot = machine_arches(tokens);
	for (i = 0; i < l->nslot; i++)
		slot_init(&l->slot[i], tokens[i]);
	mask = umask(0);
	umask(mask);
	l->mode = 0666 & ~mask;
}

/* The slot of an architecture (x32: x86_64's token with x32's bit). */
struct archslot *
learned_slot(struct learned *l, uint32_t token)
{
	size_t i;

	for (i = 0; i < l->nslot; i++)
		if (l->slot[i].token == token)
			return &l->slot[i];
	return NULL;
}

/* The call's name, or "#NR" for a number libseccomp does not know. */
const char *
learned_name(struct archslot *s, uint32_t nr, char *buf, size_t size)
{
	uint32_t i = nr & ~X32_BIT;
	char *name;

	if (i < NR_SLOTS && s->names[i] != NULL)
		return s->names[i];
	name = seccomp_syscall_resolve_num_arch(s->token, (int)nr);
	if (name == NULL) {
		snprintf(buf, size, "#%u", (unsigned)i);
		return buf;
	}
	if (i < NR_SLOTS)
		return s->names[i] = name;
	snprintf(buf, size, "%s", name);
	free(name);
	return buf;
}

/* Adds (arch, name[, arg0 == val]) unless it is there already. */
static void
add_seen(struct learned *l, uint32_t arch, const char *name, bool cond,
    uint64_t val)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->e[i].arch == arch && l->e[i].cond == cond &&
		    (!cond || l->e[i].val == val) &&
		    strcmp(l->e[i].name, name) == 0)
			return;
	l->e = grow(l->e, l->n, &l->cap, sizeof(*l->e));
	l->e[l->n++] = (struct seen){ arch, xstrdup(name), cond, val };
	l->dirty = true;
}

/* The call of which --learn-args keeps argument 0, or -1. */
static int
argcall(const struct learned *l, const struct archslot *s, uint32_t nr)
{
	int i;

	if (!l->opts->args)
		return -1;
	for (i = 0; i < NARGCALLS; i++)
		if (s->argnr[i] >= 0 && (uint32_t)s->argnr[i] == nr)
			return i;
	return -1;
}

/* One notification: the call nr on s's architecture, with its args. */
void
learned_add(struct learned *l, struct archslot *s, uint32_t nr,
    const uint64_t *args)
{
	uint32_t i = nr & ~X32_BIT;
	uint64_t v = args[0];
	char buf[32];
	const char *name;

	if (i < NR_SLOTS && (s->seen[i / 64] >> (i % 64) & 1))
		return;
	name = learned_name(s, nr, buf, sizeof(buf));
	if (argcall(l, s, nr) < 0) {
		add_seen(l, s->token, name, false, 0);
		if (i < NR_SLOTS)
			s->seen[i / 64] |= 1ULL << (i % 64);
		return;
	}
	if (s->token != SCMP_ARCH_X86_64 && arch_bytoken(s->token) != NULL &&
	    arch_bytoken(s->token)->bits == 32)
		v &= 0xffffffff;	/* what the kernel reads there */
	add_seen(l, s->token, name, true, v);
}

/*
 * --learn-inner: does task pid run under a filter loaded after ours (an
 * OCI runtime's, loaded just before it execs the container's process)?
 * Its calls are then those that filter must allow. /proc/PID/status
 * counts the filters (Linux 5.9); a task that has one of its own keeps
 * it, so it is asked until then only, and forgotten at its exit.
 */
bool
learned_inner(struct learned *l, int pid, bool exiting)
{
	char path[64], buf[2048], *p;
	unsigned long n;
	size_t i;

	for (i = 0; i < l->ninner && l->inner[i] != pid; i++)
		;
	if (i < l->ninner) {
		if (exiting)
			l->inner[i] = l->inner[--l->ninner];
		return true;
	}
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (pid <= 0 || read_file(path, buf, sizeof(buf)) == -1 ||
	    (p = strstr(buf, "\nSeccomp_filters:")) == NULL)
		return false;
	n = strtoul(p + strlen("\nSeccomp_filters:"), NULL, 10);
	if (n < 2)
		return false;
	if (!exiting) {
		l->inner = grow(l->inner, l->ninner, &l->capinner,
		    sizeof(*l->inner));
		l->inner[l->ninner++] = pid;
	}
	return true;
}

/* ---- FILE read: the runs before this one -------------------------------- */

/* A rule of FILE into the set: allow, always or with arg0 == VALUE. */
static void
merge_rule(struct learned *l, const struct rule *r)
{
	bool cond = r->ncmp == 1;
	size_t i;

	if (r->act != SCMP_ACT_ALLOW || r->ncmp > 1 || (cond &&
	    (r->cmp[0].arg != 0 || r->cmp[0].op != OP_EQ)))
		die("--learn %s: the rule on %s is not one --learn writes "
		    "(allow, alone or with arg0 == VALUE): merge only into a "
		    "learned profile", l->opts->file, r->name);
	if (r->arch != 0) {
		if (learned_slot(l, r->arch) != NULL)
			add_seen(l, r->arch, r->name, cond, r->cmp[0].v);
		return;
	}
	for (i = 0; i < l->nslot; i++)	/* JSON, or no "on" line */
		add_seen(l, l->slot[i].token, r->name, cond, r->cmp[0].v);
}

/* FILE, when it exists, read by the readers -f uses. */
void
learned_load(struct learned *l)
{
	const char *file = l->opts->file;
	struct profile p;
	size_t len, i;
	char *text;

	text = read_allat(AT_FDCWD, file, &len);
	if (text == NULL && errno == ENOENT)
		return;
	if (text == NULL)
		die_sys("--learn: read %s", file);
	profile_init(&p);
	if (text[strspn(text, " \t\r\n")] == '{') {
		json_profile_read(&p, text, len, file);
		free(text);
	} else {
		profile_hold(&p, text, free);
		text_profile_read(&p, text, file);
	}
	for (i = 0; i < p.n; i++)
		merge_rule(l, &p.r[i]);
	trace("--learn: %zu calls from %s, to merge with", l->n, file);
	profile_free(&p);
	l->dirty = false;
}

/* ---- FILE written -------------------------------------------------------- */

static int
by_arch_name(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;
	int c;

	if (x->arch != y->arch)
		return x->arch < y->arch ? -1 : 1;	/* by token */
	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	if (x->cond != y->cond)
		return x->cond ? 1 : -1;
	return x->val < y->val ? -1 : x->val > y->val;
}

/* Is the call allowed without a condition on that arch already? */
static bool
always(const struct learned *l, uint32_t arch, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!l->e[i].cond && l->e[i].arch == arch &&
		    strcmp(l->e[i].name, name) == 0)
			return true;
	return false;
}

static void
write_arch(FILE *f, const struct learned *l, size_t from, size_t to)
{
	const struct seen *e;
	size_t i, col = 0;

	fprintf(f, "on %s\n", arch_bytoken(l->e[from].arch)->name);
	for (i = from; i < to; i++) {
		e = &l->e[i];
		if (e->cond || e->name[0] == '#')
			continue;
		if (col + 1 + strlen(e->name) > 72 || col == 0) {
			col = fprintf(f, "%sallow", col ? "\n" : "");
		}
		col += fprintf(f, " %s", e->name);
	}
	if (col > 0)
		fputc('\n', f);
	for (i = from; i < to; i++) {
		e = &l->e[i];
		if (e->name[0] == '#')
			fprintf(f, "# %s: system call %s, unknown to libseccomp:"
			    " not allowed\n", arch_bytoken(e->arch)->name,
			    e->name + 1);
		else if (e->cond && !always(l, e->arch, e->name))
			fprintf(f, strcmp(e->name, "clone") == 0 ?
			    "allow %s arg0 == %#llx\n" :
			    "allow %s arg0 == %llu\n", e->name,
			    (unsigned long long)e->val);
	}
}

static void
write_text(FILE *f, const struct learned *l)
{
	size_t i, k;

	fprintf(f, "# Learned by scfilter --learn%s: the system calls of "
	    "PROG and its\n# children, per architecture. Enforce with:\n"
	    "#   scfilter -f FILE [--default kill|log] PROG\n"
	    "# (a --default after -f FILE replaces the one below).\n"
	    "default errno\n", l->opts->args ? " --learn-args" : "");
	for (i = 0; i < l->n; i = k) {
		for (k = i; k < l->n && l->e[k].arch == l->e[i].arch; k++)
			;
		write_arch(f, l, i, k);
	}
}

static json_t *
json_rule(const char *name, bool cond, uint64_t val)
{
	json_t *r = json_object(), *names = json_array(), *arg;

	json_array_append_new(names, json_string(name));
	json_object_set_new(r, "names", names);
	json_object_set_new(r, "action", json_string("SCMP_ACT_ALLOW"));
	if (cond) {
		arg = json_pack("{s:i, s:I, s:s}", "index", 0, "value",
		    (json_int_t)val, "op", "SCMP_CMP_EQ");
		json_object_set_new(r, "args", json_pack("[o]", arg));
	}
	return r;
}

/* Entry i, unless one before it says the same on any architecture. */
static bool
first_of_kind(const struct learned *l, size_t i)
{
	const struct seen *e = &l->e[i];
	size_t k;

	for (k = 0; k < i; k++)
		if (l->e[k].cond == e->cond && l->e[k].val == e->val &&
		    strcmp(l->e[k].name, e->name) == 0)
			return false;
	return e->name[0] != '#';
}

static json_t *
json_arches(const struct learned *l)
{
	json_t *arches = json_array();
	char arch[64];
	size_t i, k;

	for (i = 0; i < l->nslot; i++) {
		snprintf(arch, sizeof(arch), "SCMP_ARCH_%s",
		    arch_bytoken(l->slot[i].token)->name);
		for (k = 0; arch[k] != '\0'; k++)
			if (arch[k] >= 'a' && arch[k] <= 'z')
				arch[k] -= 'a' - 'A';
		json_array_append_new(arches, json_string(arch));
	}
	return arches;
}

/*
 * One rule for the calls always allowed, then one per condition. OCI
 * rules are not per architecture: a call is allowed on all of them, and
 * with no condition where one architecture made it so.
 */
static json_t *
json_doc(const struct learned *l)
{
	json_t *rules = json_array(), *names = json_array(), *r;
	size_t i, k;
	bool any;

	for (i = 0; i < l->n; i++) {
		if (!first_of_kind(l, i))
			continue;
		if (!l->e[i].cond) {
			json_array_append_new(names,
			    json_string(l->e[i].name));
			continue;
		}
		for (any = false, k = 0; k < l->nslot && !any; k++)
			any = always(l, l->slot[k].token, l->e[i].name);
		if (!any)
			json_array_append_new(rules, json_rule(l->e[i].name,
			    true, l->e[i].val));
	}
	r = json_pack("{s:o, s:s}", "names", names, "action",
	    "SCMP_ACT_ALLOW");
	json_array_insert_new(rules, 0, r);
	return json_pack("{s:s, s:o, s:o}", "defaultAction", "SCMP_ACT_ERRNO",
	    "architectures", json_arches(l), "syscalls", rules);
}

/* FILE replaced whole (a new file, renamed over it): never half written. */
int
learned_write(struct learned *l)
{
	const char *file = l->opts->file;
	char tmp[PATH_MAX];
	json_t *doc = NULL;
	int fd, err;
	FILE *f;

	qsort(l->e, l->n, sizeof(*l->e), by_arch_name);
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", file) >= (int)sizeof(tmp)) {
		warn_err(ENAMETOOLONG, NULL, "--learn: write %s", file);
		return -1;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		warn_err(errno, NULL, "--learn: write %s", file);
		return -1;
	}
	if (fchmod(fd, l->mode) == -1 || (f = fdopen(fd, "w")) == NULL) {
		err = errno;
		close(fd);
		goto fail;
	}
	if (l->json) {
		doc = json_doc(l);
		json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', f);
		json_decref(doc);
	} else {
		write_text(f, l);
	}
	err = ferror(f) ? EIO : 0;
	if (fclose(f) == EOF && err == 0)
		err = errno;
	if (err == 0 && rename(tmp, file) == 0) {
		l->dirty = false;
		l->written = true;
		return 0;
	}
	if (err == 0)
		err = errno;
fail:
	unlink(tmp);
	warn_err(err, NULL, "--learn: write %s", file);
	return -1;
}

/* Before PROG runs: FILE can be made where it is to be (125 if not). */
void
learned_check_writable(const struct learned *l)
{
	char tmp[PATH_MAX];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", l->opts->file) >=
	    (int)sizeof(tmp))
		die_err(ENAMETOOLONG, NULL, "--learn: %s", l->opts->file);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1)
		die_sys("--learn: create a file next to %s", l->opts->file);
	close(fd);
	unlink(tmp);
}
