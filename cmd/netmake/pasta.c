/*
 * The rootless network: a user and a network namespace, held by a small
 * process of netmake's ("the holder", which only waits), and pasta
 * (Debian's passt package) attached to them from outside, which turns
 * the container's packets into the user's own sockets on the host.
 *
 * The holder's user namespace maps the user to 0 and, where
 * /etc/subuid and /etc/subgid give ranges, those from 1 (through
 * newuidmap, as nsnew --map-auto). The namespace that owns the network
 * namespace must be joined before it, so the pin is a directory that
 * nsjoin takes as it takes one of nsnew --pin:
 *   $XDG_RUNTIME_DIR/netns/NAME/user -> /proc/HOLDER/ns/user
 *   $XDG_RUNTIME_DIR/netns/NAME/net  -> /proc/HOLDER/ns/net
 * (symbolic links: an unprivileged user cannot bind-mount in the host's
 * mount namespace); nsjoin $XDG_RUNTIME_DIR/netns/NAME enters both.
 *
 * pasta gets the slirp4netns addresses (10.0.2.100/24, gateway
 * 10.0.2.2), IPv4 only, --no-map-gw so that the gateway is not the
 * host's loopback (the container reaches the host's other addresses as
 * any program of the user would, not its 127.0.0.1 services), and no
 * automatic port forwarding: only what --publish says.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netmake.h"

#define PASTA_ADDR "10.0.2.100/24"
#define PASTA_GATEWAY "10.0.2.2"
#define TUN "/dev/net/tun"

/* What stops pasta here, said as what to change. */
static void
rootless_check(const struct opts *o, char *pasta, size_t size)
{
	struct stat st;
	int fd;

	if (o->addr_given || o->isolate || strcmp(o->bridge, DEFAULT_BRIDGE))
		die("%s: only as root (a rootless network is pasta's, with "
		    "no bridge: 10.0.2.100/24, gateway 10.0.2.2)",
		    o->addr_given ? "--addr" : o->isolate ? "--isolate" :
		    "--bridge");
	if (prog_lookup("pasta", pasta, size) == -1)
		die_err(errno, "a rootless network needs pasta: apt-get "
		    "install passt", "pasta");
	if ((fd = open(TUN, O_RDWR | O_CLOEXEC)) != -1) {
		close(fd);
		return;
	}
	if (errno != EACCES && errno != EPERM)
		die_err(errno, "pasta needs it: modprobe tun", "open %s", TUN);
	if (stat(TUN, &st) == -1)
		die_sys("stat %s", TUN);
	die("open %s: Permission denied (pasta needs it, and it is mode "
	    "%04o here: as root, chmod 0666 %s, Debian's default, and keep it "
	    "with a udev rule KERNEL==\"tun\", MODE=\"0666\")", TUN,
	    (unsigned)(st.st_mode & 07777), TUN);
}

static int
undo_kill(const void *data)
{
	const pid_t *pid = data;

	if (kill(*pid, SIGKILL) == -1)
		return -1;
	waitpid(*pid, NULL, 0);
	return 0;
}

/* The holder: inside, lo up and ports from 0; then it waits forever. */
static noreturn void
holder_run(int in, int out)
{
	char c;
	struct nl *nl;
	int fd;

	/* Nothing of netmake's but the pipes: the lock above all, which
	 * would be held for as long as the holder lives. */
	close_range(3, (in < out ? in : out) - 1, 0);
	close_range((in < out ? in : out) + 1, (in < out ? out : in) - 1, 0);
	close_range((in < out ? out : in) + 1, ~0U, 0);
	if (setsid() == -1 || unshare(CLONE_NEWUSER | CLONE_NEWNET) == -1 ||
	    write(out, "u", 1) != 1 || read(in, &c, 1) != 1)
		_exit(1);
	nl = nl_open();
	link_up(nl, if_nametoindex("lo"), 0, false);
	nl_close(nl);
	if (write_file("/proc/sys/net/ipv4/ip_unprivileged_port_start",
	    "0") == -1)
		die_sys("write 0 to ip_unprivileged_port_start");
	if (write(out, "r", 1) != 1)
		_exit(1);
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) != -1)
		for (c = 0; c < 3; c++)
			dup2(fd, c);
	for (;;)
		pause();
}

static void
holder_maps(pid_t pid)
{
	static struct idmap u, g;
	struct passwd_ent pw;
	struct idrange r[1];
	bool sub;

	caller_passwd(&pw);
	sub = subid_ranges("/etc/subuid", &pw, r, 1) > 0 &&
	    subid_ranges("/etc/subgid", &pw, r, 1) > 0;
	u = g = (struct idmap){ 0 };
	if (sub) {
		idmap_auto(&u, 'u', &pw, "rootless network");
		idmap_auto(&g, 'g', &pw, "rootless network");
	} else {
		idmap_add(&u, (struct idrange){ 0, pw.uid, 1 }, "uid");
		idmap_add(&g, (struct idrange){ 0, pw.gid, 1 }, "gid");
	}
	idmap_write(pid, &u, &g, sub ? NULL : "deny");
}

static void
holder_start(struct netstate *s)
{
	int up[2], down[2];
	char c = 0;
	pid_t pid;

	if (pipe2(up, O_CLOEXEC) == -1 || pipe2(down, O_CLOEXEC) == -1)
		die_sys("pipe");
	if ((pid = fork()) == -1)
		die_sys("fork");
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		holder_run(down[0], up[1]);
	}
	close(up[1]);
	close(down[0]);
	undo_push(undo_kill, &pid, sizeof(pid), "kill the holder %d",
	    (int)pid);
	if (read(up[0], &c, 1) != 1 || c != 'u')
		die("the holder %d: could not make a user and network "
		    "namespace (unshare failed)", (int)pid);
	holder_maps(pid);
	if (write(down[1], "m", 1) != 1 || read(up[0], &c, 1) != 1 ||
	    c != 'r')
		die("the holder %d: could not set up its namespace", (int)pid);
	close(up[0]);
	close(down[1]);
	s->holder.pid = pid;
	if (proc_start(pid, &s->holder.start) == -1)
		die_sys("read /proc/%d/stat", (int)pid);
}

/* PIN/user and PIN/net, links to the holder's namespaces. */
static void
pin_links(const struct paths *p, pid_t holder)
{
	const char *types[] = { "user", "net" };
	char dir[4200], target[64], link[4300];
	char *slash;
	size_t i;

	snprintf(dir, sizeof(dir), "%s", p->pin);
	slash = strrchr(dir, '/');
	*slash = '\0';
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		die_sys("mkdir %s", dir);
	if (mkdir(p->pin, 0700) == -1)
		die_sys("mkdir %s", p->pin);
	undo_unlink(AT_FDCWD, p->pin, true, "remove %s", p->pin);
	for (i = 0; i < LEN(types); i++) {
		snprintf(target, sizeof(target), "/proc/%d/ns/%s",
		    (int)holder, types[i]);
		snprintf(link, sizeof(link), "%s/%s", p->pin, types[i]);
		if (symlink(target, link) == -1)
			die_sys("symlink %s", link);
		undo_unlink(AT_FDCWD, link, false, "remove %s", link);
	}
}

static void
arg(char **argv, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
arg(char **argv, size_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&argv[(*n)++], fmt, ap) == -1)
		die("out of memory");
	va_end(ap);
}

/* pasta's command line; PIDFILE gets its PID once it is ready. */
static char **
pasta_argv(const struct netstate *s, const char *pasta, const char *pidfile)
{
	char **argv = xcalloc(2 * PUBLISH_MAX + 32, sizeof(*argv));
	char a[INET_ADDRSTRLEN];
	size_t n = 0, i;
	bool tcp = false, udp = false;

	arg(argv, &n, "%s", pasta);
	arg(argv, &n, "-f");
	arg(argv, &n, "-q");
	arg(argv, &n, "-4");
	arg(argv, &n, "--config-net");
	arg(argv, &n, "--no-map-gw");
	arg(argv, &n, "-a");
	arg(argv, &n, "10.0.2.100");
	arg(argv, &n, "-n");
	arg(argv, &n, "24");
	arg(argv, &n, "-g");
	arg(argv, &n, PASTA_GATEWAY);
	for (i = 0; i < s->npublish; i++) {
		inet_ntop(AF_INET, &s->publish[i].hostip, a, sizeof(a));
		tcp |= s->publish[i].proto == IPPROTO_TCP;
		udp |= s->publish[i].proto == IPPROTO_UDP;
		arg(argv, &n, "%s", s->publish[i].proto == IPPROTO_UDP ?
		    "-u" : "-t");
		arg(argv, &n, "%s%s%u:%u", s->publish[i].hostip.s_addr ? a :
		    "", s->publish[i].hostip.s_addr ? "/" : "",
		    s->publish[i].hostport, s->publish[i].port);
	}
	if (!tcp)
		arg(argv, &n, "-t");
	if (!tcp)
		arg(argv, &n, "none");
	if (!udp)
		arg(argv, &n, "-u");
	if (!udp)
		arg(argv, &n, "none");
	arg(argv, &n, "-T");
	arg(argv, &n, "none");
	arg(argv, &n, "-U");
	arg(argv, &n, "none");
	arg(argv, &n, "-P");
	arg(argv, &n, "%s", pidfile);
	arg(argv, &n, "%d", (int)s->holder.pid);
	return argv;
}

/* The last line pasta wrote to LOG, for the message. */
static void
last_line(const char *log, char *buf, size_t size)
{
	char text[4096], *end, *start;

	buf[0] = '\0';
	if (read_file(log, text, sizeof(text)) <= 0)
		return;
	end = text + strlen(text);
	while (end > text && end[-1] == '\n')
		*--end = '\0';
	start = strrchr(text, '\n');
	snprintf(buf, size, "%s", start != NULL ? start + 1 : text);
}

/* pasta, in a session of its own, ready once it has written PIDFILE. */
static void
pasta_start(struct netstate *s, const struct paths *p, const char *pasta)
{
	char pidfile[4300], log[4300], why[512], buf[32];
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	char **argv;
	pid_t pid;
	int i, ws, fd;

	snprintf(pidfile, sizeof(pidfile), "%s/.%s.pasta.pid", p->statedir,
	    s->name);
	snprintf(log, sizeof(log), "%s/.%s.pasta.log", p->statedir, s->name);
	argv = pasta_argv(s, pasta, pidfile);
	unlink(pidfile);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1)
		die_sys("open %s", log);
	undo_unlink(AT_FDCWD, log, false, "remove %s", log);
	undo_unlink(AT_FDCWD, pidfile, false, "remove %s", pidfile);
	trace("exec %s ... %d", pasta, (int)s->holder.pid);
	if ((pid = fork()) == -1)
		die_sys("fork");
	if (pid == 0) {
		if (setsid() == -1 || dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
			_exit(EXIT_TOOL);
		close(0);
		open("/dev/null", O_RDONLY);
		execv(pasta, argv);
		_exit(EXIT_CANNOT_EXEC);
	}
	close(fd);
	undo_push(undo_kill, &pid, sizeof(pid), "kill pasta %d", (int)pid);
	for (i = 0; i < 500; i++) {
		if (read_file(pidfile, buf, sizeof(buf)) > 0)
			break;
		if (waitpid(pid, &ws, WNOHANG) == pid) {
			last_line(log, why, sizeof(why));
			die("pasta exited with status %d: %s", status_code(ws),
			    why[0] ? why : "(it said nothing)");
		}
		nanosleep(&tick, NULL);
		interrupt_check();
	}
	if (i == 500)
		die("pasta %d: not ready after 10 seconds", (int)pid);
	s->pasta.pid = pid;
	if (proc_start(pid, &s->pasta.start) == -1)
		die_sys("read /proc/%d/stat", (int)pid);
	unlink(pidfile);
}

void
rootless_make(struct netstate *s, const struct paths *p,
    const struct opts *o)
{
	char pasta[4096];

	rootless_check(o, pasta, sizeof(pasta));
	s->rootless = true;
	cidr_parse(PASTA_ADDR, &s->addr);
	addr_parse(PASTA_GATEWAY, &s->gateway);
	holder_start(s);
	interrupt_check();
	pin_links(p, s->holder.pid);
	pasta_start(s, p, pasta);
}

static void
stop(const struct proc_ref *r, int sig, const char *what)
{
	if (!proc_alive(r))
		return;
	trace("kill %s %d", what, (int)r->pid);
	if (kill(r->pid, sig) == -1 && errno != ESRCH)
		die_sys("kill %s %d", what, (int)r->pid);
}

/* -d: pasta, the holder (its namespaces go with it), the pin, the log. */
void
rootless_remove(const struct netstate *s, const struct paths *p)
{
	const char *types[] = { "user", "net" };
	char path[4300];
	size_t i;

	stop(&s->pasta, SIGTERM, "pasta");
	stop(&s->holder, SIGKILL, "the holder");
	for (i = 0; i < LEN(types); i++) {
		snprintf(path, sizeof(path), "%s/%s", p->pin, types[i]);
		if (unlink(path) == -1 && errno != ENOENT)
			die_sys("remove %s", path);
	}
	if (rmdir(p->pin) == -1 && errno != ENOENT)
		die_sys("remove %s", p->pin);
	snprintf(path, sizeof(path), "%s/.%s.pasta.log", p->statedir,
	    s->name);
	if (unlink(path) == -1 && errno != ENOENT)
		die_sys("remove %s", path);
}
