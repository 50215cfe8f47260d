/*
 * exec: another process in a running container. Its process is the
 * --process file (a runtime spec process object, as podman and
 * containerd write it) or the container's own with the arguments given;
 * its chain is rlimit, nsjoin into the container's namespaces, cgroup
 * and root, then capset, scfilter (the container's linux.seccomp) and
 * conch init, carried as create's are.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "runtime.h"

struct execopts {
	const char *process, *pidfile, *console, *cwd, *user, *apparmor,
	    *label;
	struct strv env, caps;
	int preserve;
	bool detach, tty, nnp;
};

enum { X_CONSOLE = 256, X_PIDFILE, X_NNP, X_PRESERVE, X_APPARMOR, X_LABEL };

static void
exec_args(int argc, char **argv, struct execopts *o)
{
	static const struct option longopts[] = {
		{ "process", required_argument, NULL, 'p' },
		{ "detach", no_argument, NULL, 'd' },
		{ "tty", no_argument, NULL, 't' },
		{ "console-socket", required_argument, NULL, X_CONSOLE },
		{ "pid-file", required_argument, NULL, X_PIDFILE },
		{ "cwd", required_argument, NULL, 'w' },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "cap", required_argument, NULL, 'c' },
		{ "no-new-privs", no_argument, NULL, X_NNP },
		{ "preserve-fds", required_argument, NULL, X_PRESERVE },
		{ "apparmor", required_argument, NULL, X_APPARMOR },
		{ "process-label", required_argument, NULL, X_LABEL },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long n;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+:p:dtw:e:u:c:", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'p': o->process = optarg; break;
		case 'd': o->detach = true; break;
		case 't': o->tty = true; break;
		case X_CONSOLE: o->console = optarg; break;
		case X_PIDFILE: o->pidfile = optarg; break;
		case 'w': o->cwd = optarg; break;
		case 'e': strv_add(&o->env, optarg); break;
		case 'u': o->user = optarg; break;
		case 'c': strv_add(&o->caps, optarg); break;
		case X_NNP: o->nnp = true; break;
		case X_APPARMOR: o->apparmor = optarg; break;
		case X_LABEL: o->label = optarg; break;
		case X_PRESERVE:
			if (parse_ulong(optarg, 1024, &n) == -1)
				die("--preserve-fds '%s': not a number up to "
				    "1024", optarg);
			o->preserve = (int)n;
			break;
		default: die_usage(c, argv);
		}
	}
	if (optind == argc)
		die("exec: expected ID [PROG [ARG]...] (see conch --help)");
	if (o->process != NULL && (o->cwd != NULL || o->env.n > 0 ||
	    o->user != NULL || o->caps.n > 0 || o->nnp || o->apparmor !=
	    NULL || o->label != NULL || optind + 1 < argc))
		die("exec: --process gives the whole process: no PROG, --cwd, "
		    "--env, --user, --cap, --no-new-privs, --apparmor or "
		    "--process-label with it");
}

static json_t *
load_process(const char *path)
{
	json_error_t e;
	json_t *p = json_read(path, &e);

	if (p == NULL)
		die("--process %s: line %d, column %d: %s", path, e.line,
		    e.column, e.text);
	if (!json_is_object(p))
		die("--process %s: expected a JSON object", path);
	return p;
}

/*
 * --cap CAP: added to every set, as runc 1.1's exec adds it (the
 * process reader checks the names, capset applies them).
 */
static void
caps_add(json_t *p, const struct strv *caps)
{
	static const char *const sets[] = { "bounding", "effective",
		"inheritable", "permitted", "ambient" };
	json_t *c = json_object_get(p, "capabilities"), *set, *v;
	size_t i, j, k;
	bool have;

	if (caps->n == 0)
		return;
	if (!json_is_object(c)) {
		c = json_object();
		json_object_set_new(p, "capabilities", c);
	}
	for (i = 0; i < LEN(sets); i++) {
		set = json_object_get(c, sets[i]);
		if (!json_is_array(set)) {
			set = json_array();
			json_object_set_new(c, sets[i], set);
		}
		for (j = 0; j < caps->n; j++) {
			have = false;
			json_array_foreach(set, k, v)
				have |= json_is_string(v) && strcmp(
				    json_string_value(v), caps->v[j]) == 0;
			if (!have)
				json_array_append_new(set,
				    json_string(caps->v[j]));
		}
	}
}

/* The container's process, changed by the command line's options. */
static json_t *
process_from_args(json_t *config, const struct execopts *o, char **args)
{
	json_t *p = json_deep_copy(json_object_get(config, "process"));
	json_t *a = json_array(), *env;
	unsigned uid, gid;
	size_t i;

	if (p == NULL)
		die("exec: the container has no process to start from");
	for (; *args != NULL; args++)
		json_array_append_new(a, json_string(*args));
	json_object_set_new(p, "args", a);
	json_object_set_new(p, "terminal", json_boolean(o->tty));
	if (o->cwd != NULL)
		json_object_set_new(p, "cwd", json_string(o->cwd));
	env = json_object_get(p, "env");
	for (i = 0; i < o->env.n && json_is_array(env); i++)
		json_array_append_new(env, json_string(o->env.v[i]));
	if (o->user != NULL) {
		gid = 0;
		if (sscanf(o->user, "%u:%u", &uid, &gid) < 1)
			die("exec: --user '%s': expected UID[:GID]", o->user);
		json_object_set_new(p, "user", json_pack("{s:I,s:I}", "uid",
		    (json_int_t)uid, "gid", (json_int_t)gid));
	}
	if (o->nnp)
		json_object_set_new(p, "noNewPrivileges", json_true());
	if (o->apparmor != NULL)
		json_object_set_new(p, "apparmorProfile",
		    json_string(o->apparmor));
	if (o->label != NULL)
		json_object_set_new(p, "selinuxLabel", json_string(o->label));
	caps_add(p, &o->caps);
	return p;
}

/* The chain's arguments for PROCESS in the container of CONFIG. */
static void
exec_read(json_t *config, json_t *process, struct chain *c)
{
	struct jpath p = { NULL, "process", 0 }, pl = { NULL, "linux", 0 };
	struct jpath s;
	json_t *lx = json_object_get(config, "linux");

	c->config = config;
	process_read(process, &p, c);
	if (lx != NULL)
		c->seccomp = jget(lx, "seccomp", &pl, &s, JSON_OBJECT);
}

static void
exec_fds(const struct global *g, const struct execopts *o,
    const struct chain *c, struct launch *l)
{
	char *text;

	if (c->terminal && o->console == NULL)
		die("exec: a terminal needs --console-socket");
	if (!c->terminal && o->console != NULL)
		die("exec: --console-socket without a terminal (--tty)");
	if (o->console != NULL)
		launch_console(l, o->console);
	if (c->seccomp != NULL) {
		text = json_dumps(c->seccomp, JSON_COMPACT);
		if (text == NULL)
			die("linux.seccomp: cannot write it out");
		l->fds.fd[FD_SECCOMP] = fd_high(memfd_text("conch-seccomp",
		    text), l->fds.base + FD_MAX);
		free(text);
	}
	chain_carry(g, c, &l->fds);
}

int
cmd_exec(const struct global *g, int argc, char **argv)
{
	static struct execopts o;
	static struct chain c;
	static struct launch l;
	struct strv chain = { NULL, 0, 0 };
	struct state st;
	enum status s;
	json_t *config, *process;

	exec_args(argc, argv, &o);
	state_open(g->root, argv[optind], &st);
	s = state_status(&st);
	if (s != ST_RUNNING && s != ST_CREATED)
		die("cannot exec in container %s: it is %s", st.id,
		    status_names[s]);
	config = state_config(&st);
	process = o.process != NULL ? load_process(o.process) :
	    process_from_args(config, &o, argv + optind + 1);
	exec_read(config, process, &c);
	launch_init(&l, g, o.preserve);
	/* Detached, the process is the caller's to reap, as in create. */
	c.detach = l.detach = o.detach;
	if (l.detach && prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		die_sys("prctl(PR_SET_CHILD_SUBREAPER)");
	exec_fds(g, &o, &c, &l);
	chain_exec_argv(g, &c, &l.fds, st.pid, &chain);
	launch_start(&l, chain.v);
	strv_free(&chain);
	l.pid = launch_wait(&l, SYNC_READY);
	if (o.pidfile != NULL)
		write_pidfile(o.pidfile, l.pid);
	state_close(&st);
	if (o.detach) {
		launch_done(&l);
		return 0;
	}
	l.armed = false;
	return wait_forwarding(l.child);
}
