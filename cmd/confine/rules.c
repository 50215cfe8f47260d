/*
 * rules.c: the rules of confine, from the command line (--ro PATH) and
 * from --rules files (one "ro PATH" a line), into one request. Both go
 * through rule_add(), so a file says exactly what the options say, and
 * a message names the option, or the file and line, it is about.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conch.h"
#include "confine.h"

#define RULES_MAX (1 << 20)	/* bytes of a --rules file */

struct rule {
	const char *name;	/* the option without "--", the line's first word */
	const char *arg;	/* what it takes, for messages; NULL: nothing */
	void (*add)(struct request *, const struct rule *, const char *,
	    const struct origin *);
	uint64_t param;		/* the grant, or the TCP access */
};

const char *
origin_str(const struct origin *at, char *buf, size_t size)
{
	if (at->file != NULL)
		snprintf(buf, size, "%s:%u: %s", at->file, at->line, at->rule);
	else
		snprintf(buf, size, "--%s", at->rule);
	return buf;
}

/* The first rule that needs feature F is the one messages name. */
static void
asks(struct request *req, enum feature f, const struct origin *at)
{
	if (req->asked[f].rule == NULL)
		req->asked[f] = *at;
}

static void
add_path(struct request *req, const struct rule *r, const char *path,
    const struct origin *at)
{
	char where[ORIGIN_MAX];
	struct path_rule *p;

	if (*path == '\0')
		die("%s '': an empty path", origin_str(at, where, sizeof(where)));
	req->paths = xreallocarray(req->paths, req->npaths + 1, sizeof(*req->paths));
	p = &req->paths[req->npaths++];
	p->path = path;
	p->grant = (enum grant)r->param;
	p->at = *at;
	asks(req, FEAT_FS, at);
}

/* "PORT" or "FIRST-LAST", of 0 to 65535, at S (LEN bytes); -1 if not. */
static int
port_range(const char *s, size_t len, unsigned *first, unsigned *last)
{
	unsigned long v[2] = { 0, 0 };
	size_t i = 0, k = 0, digits = 0;

	for (; i < len; i++) {
		if (s[i] == '-' && k == 0 && digits > 0) {
			k = 1;
			digits = 0;
		} else if (isdigit((unsigned char)s[i]) && digits < 5) {
			v[k] = v[k] * 10 + (unsigned long)(s[i] - '0');
			digits++;
		} else {
			return -1;
		}
	}
	if (digits == 0 || v[0] > 65535 || v[k] > 65535 || v[0] > v[k])
		return -1;
	*first = v[0];
	*last = v[k];
	return 0;
}

/*
 * PORTS: "8080,9000-9010"; "none", no port; "any", every port, which
 * leaves that access unrestricted.
 */
static void
add_ports(struct request *req, const struct rule *r, const char *list,
    const struct origin *at)
{
	char where[ORIGIN_MAX];
	struct port_rule *p;
	const char *s = list;
	size_t len;

	req->net_named |= r->param;
	if (strcmp(list, "any") == 0) {
		req->net_any |= r->param;
		return;
	}
	asks(req, FEAT_NET, at);
	if (strcmp(list, "none") == 0)
		return;
	do {
		len = strcspn(s, ",");
		req->ports = xreallocarray(req->ports, req->nports + 1, sizeof(*req->ports));
		p = &req->ports[req->nports];
		if (port_range(s, len, &p->first, &p->last) == -1)
			die("%s '%s': not a port list (PORT or FIRST-LAST, "
			    "comma-separated, 0 to 65535; none; any)",
			    origin_str(at, where, sizeof(where)), list);
		p->access = r->param;
		p->at = *at;
		req->nports++;
		s += len;
	} while (*s++ == ',');
}

static void
add_scopes(struct request *req, const struct rule *r, const char *list,
    const struct origin *at)
{
	static const struct {
		const char *name;
		uint64_t scope;
	} scopes[] = {
		{ "signal", LANDLOCK_SCOPE_SIGNAL },
		{ "abstract-unix", LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET },
	};
	char where[ORIGIN_MAX];
	const char *s = list;
	size_t len, i;

	(void)r;
	do {
		len = strcspn(s, ",");
		for (i = 0; i < LEN(scopes); i++)
			if (strlen(scopes[i].name) == len &&
			    strncmp(s, scopes[i].name, len) == 0)
				break;
		if (i == LEN(scopes))
			die("%s '%s': unknown scope (signal, abstract-unix)",
			    origin_str(at, where, sizeof(where)), list);
		req->scopes |= scopes[i].scope;
		s += len;
	} while (*s++ == ',');
	asks(req, FEAT_SCOPE, at);
}

static void
add_flag(struct request *req, const struct rule *r, const char *arg,
    const struct origin *at)
{
	(void)arg;
	if (strcmp(r->name, "log") == 0)
		asks(req, FEAT_LOG, at);
	else
		req->best_effort = true;
}

static void
add_label(struct request *req, const struct rule *r, const char *label,
    const struct origin *at)
{
	bool apparmor = strcmp(r->name, "apparmor") == 0;
	const char **set = apparmor ? &req->apparmor : &req->selinux;
	char where[ORIGIN_MAX];

	origin_str(at, where, sizeof(where));
	if (*label == '\0')
		die("%s '': an empty %s", where, apparmor ? "profile" :
		    "context");
	if (*set != NULL && strcmp(*set, label) != 0)
		die("%s %s: one %s only (%s was given)", where, label,
		    apparmor ? "AppArmor profile" : "SELinux context", *set);
	*set = label;
	if (apparmor)
		req->apparmor_at = *at;
	else
		req->selinux_at = *at;
}

static const struct rule rules[] = {
	{ "ro", "a PATH", add_path, GRANT_RO },
	{ "rx", "a PATH", add_path, GRANT_RX },
	{ "rw", "a PATH", add_path, GRANT_RW },
	{ "tcp-bind", "PORTS", add_ports, LANDLOCK_ACCESS_NET_BIND_TCP },
	{ "tcp-connect", "PORTS", add_ports, LANDLOCK_ACCESS_NET_CONNECT_TCP },
	{ "scope", "a LIST", add_scopes, 0 },
	{ "log", NULL, add_flag, 0 },
	{ "best-effort", NULL, add_flag, 0 },
	{ "apparmor", "a PROFILE", add_label, 0 },
	{ "selinux", "a CONTEXT", add_label, 0 },
};

/*
 * Rule NAME with ARG (NULL: none), asked AT (a file and line, or the
 * command line, whose getopt has already checked the name and argument).
 */
void
rule_add(struct request *req, const char *name, const char *arg,
    const struct origin *at)
{
	struct origin here = *at;
	size_t i;

	for (i = 0; i < LEN(rules); i++)
		if (strcmp(rules[i].name, name) == 0)
			break;
	if (i == LEN(rules))
		die("%s:%u: unknown rule '%s' (see confine(1))", at->file,
		    at->line, name);
	if (rules[i].arg != NULL && arg == NULL)
		die("%s:%u: %s needs %s", at->file, at->line, name,
		    rules[i].arg);
	if (rules[i].arg == NULL && arg != NULL)
		die("%s:%u: %s takes no argument ('%s')", at->file, at->line,
		    name, arg);
	here.rule = rules[i].name;
	rules[i].add(req, &rules[i], arg, &here);
}

/*
 * One line: leading and trailing blanks are cut, blank lines and those
 * whose first word starts with # are skipped; the rest of the line after
 * the first word and its blanks is the argument, spaces and all.
 */
static void
rule_line(struct request *req, char *line, const struct origin *at)
{
	char *name, *arg, *end;

	name = line + strspn(line, " \t\r");
	end = name + strlen(name);
	while (end > name && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (*name == '\0' || *name == '#')
		return;
	arg = name + strcspn(name, " \t");
	if (*arg != '\0') {
		*arg++ = '\0';
		arg += strspn(arg, " \t");
	}
	rule_add(req, name, *arg != '\0' ? arg : NULL, at);
}

/* All of FD, NUL-terminated, at most RULES_MAX bytes. */
static char *
read_rules(int fd, const char *file, size_t *len)
{
	char *buf = read_all_max(fd, RULES_MAX, len);

	if (buf == NULL && errno == EFBIG)
		die("--rules %s: larger than %d bytes", file, RULES_MAX);
	if (buf == NULL)
		die_sys("--rules %s", file);
	return buf;
}

void
rules_read(struct request *req, const char *file)
{
	struct origin at = { NULL, file, 0 };
	char *buf, *line, *next;
	size_t len;
	int fd;

	trace("read rules from %s", file);
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		die_sys("--rules %s", file);
	buf = read_rules(fd, file, &len);
	close(fd);
	/* The rules point into it: it lives as long as the request. */
	req->texts = xreallocarray(req->texts, req->ntexts + 1, sizeof(*req->texts));
	req->texts[req->ntexts++] = buf;
	for (line = buf; line < buf + len; line = next) {
		next = line + strcspn(line, "\n");
		at.line++;
		if (*next == '\0' && next < buf + len)
			die("%s:%u: a NUL byte (not a text file?)", file,
			    at.line);
		*next++ = '\0';
		rule_line(req, line, &at);
	}
}

void
request_free(struct request *req)
{
	while (req->ntexts > 0)
		free(req->texts[--req->ntexts]);
	free(req->texts);
	free(req->paths);
	free(req->ports);
	req->texts = NULL;
	req->paths = NULL;
	req->ports = NULL;
	req->npaths = req->nports = 0;
}
