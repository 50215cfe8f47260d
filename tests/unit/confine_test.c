/*
 * confine's rules (cmd/confine/rules.c), through rule_add() and
 * rules_read(): what a rule adds to the request, and every message of
 * a bad rule, from the command line and from a file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conch.h"
#include "confine/confine.h"
#include "unit.h"

static const struct origin cmdline = { NULL, NULL, 0 };

static void
test_path_rules(void)
{
	struct request req = { 0 };

	rule_add(&req, "ro", "/", &cmdline);
	rule_add(&req, "rx", "/usr", &cmdline);
	rule_add(&req, "rw", "/tmp", &cmdline);
	CHECK_UINT(req.npaths, 3);
	CHECK_STR(req.paths[1].path, "/usr");
	CHECK_INT(req.paths[0].grant, GRANT_RO);
	CHECK_INT(req.paths[1].grant, GRANT_RX);
	CHECK_INT(req.paths[2].grant, GRANT_RW);
	CHECK_STR(req.asked[FEAT_FS].rule, "ro");
	CHECK(req.asked[FEAT_NET].rule == NULL);
}

static void
test_port_lists(void)
{
	struct request req = { 0 };

	rule_add(&req, "tcp-bind", "8080,9000-9010,0", &cmdline);
	CHECK_UINT(req.nports, 3);
	CHECK_UINT(req.ports[0].first, 8080);
	CHECK_UINT(req.ports[0].last, 8080);
	CHECK_UINT(req.ports[1].first, 9000);
	CHECK_UINT(req.ports[1].last, 9010);
	CHECK_UINT(req.ports[2].last, 0);
	CHECK_UINT(req.ports[0].access, LANDLOCK_ACCESS_NET_BIND_TCP);
	CHECK_STR(req.asked[FEAT_NET].rule, "tcp-bind");
	rule_add(&req, "tcp-connect", "none", &cmdline);
	CHECK_UINT(req.nports, 3);
	CHECK_UINT(req.net_named, LANDLOCK_ACCESS_NET_BIND_TCP |
	    LANDLOCK_ACCESS_NET_CONNECT_TCP);
	CHECK_UINT(req.net_any, 0);
	rule_add(&req, "tcp-connect", "any", &cmdline);
	CHECK_UINT(req.net_any, LANDLOCK_ACCESS_NET_CONNECT_TCP);
	rule_add(&req, "tcp-bind", "65535,1-65535", &cmdline);
	CHECK_UINT(req.ports[4].last, 65535);
}

static void
test_any_alone_asks_nothing(void)
{
	struct request req = { 0 };

	rule_add(&req, "tcp-bind", "any", &cmdline);
	CHECK(req.asked[FEAT_NET].rule == NULL);
	CHECK_UINT(req.nports, 0);
}

static void
test_scopes_and_flags(void)
{
	struct request req = { 0 };

	rule_add(&req, "scope", "signal", &cmdline);
	CHECK_UINT(req.scopes, LANDLOCK_SCOPE_SIGNAL);
	rule_add(&req, "scope", "abstract-unix,signal", &cmdline);
	CHECK_UINT(req.scopes, LANDLOCK_SCOPE_SIGNAL |
	    LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET);
	CHECK(!req.best_effort);
	rule_add(&req, "best-effort", NULL, &cmdline);
	CHECK(req.best_effort);
	rule_add(&req, "log", NULL, &cmdline);
	CHECK_STR(req.asked[FEAT_LOG].rule, "log");
	rule_add(&req, "apparmor", "p", &cmdline);
	rule_add(&req, "apparmor", "p", &cmdline);	/* the same: fine */
	CHECK_STR(req.apparmor, "p");
}

static void
test_origins(void)
{
	struct origin file = { "ro", "box.rules", 7 }, opt = { "tcp-bind",
	    NULL, 0 };
	char buf[ORIGIN_MAX];

	CHECK_STR(origin_str(&file, buf, sizeof(buf)), "box.rules:7: ro");
	CHECK_STR(origin_str(&opt, buf, sizeof(buf)), "--tcp-bind");
}

/* rule_add(NAME, ARG) from the command line, in a child that may die. */
struct call {
	const char *name, *arg;
};

static void
add_one(void *p)
{
	struct request req = { 0 };
	struct call *c = p;

	conch_init("confine");
	rule_add(&req, c->name, c->arg, &cmdline);
}

static void
test_bad_arguments(void)
{
	static const char *const lists[] = {
		"", "x", "80x", "65536", "99999", "90-80", "1,,2", ",80", "80,",
		"any,80", "none,80", "-80", "80-", "1-2-3", "8 0", "+80",
		"123456", "0x50",
	};
	char want[256];
	struct call c;
	size_t i;

	for (i = 0; i < LEN(lists); i++) {
		c = (struct call){ "tcp-connect", lists[i] };
		snprintf(want, sizeof(want), "confine: --tcp-connect '%s': not "
		    "a port list (PORT or FIRST-LAST, comma-separated, 0 to "
		    "65535; none; any)", lists[i]);
		CHECK_DIES(add_one, &c, want);
	}
	c = (struct call){ "scope", "signal," };
	CHECK_DIES(add_one, &c, "confine: --scope 'signal,': unknown scope "
	    "(signal, abstract-unix)");
	c = (struct call){ "rw", "" };
	CHECK_DIES(add_one, &c, "confine: --rw '': an empty path");
	c = (struct call){ "selinux", "" };
	CHECK_DIES(add_one, &c, "confine: --selinux '': an empty context");
}

static void
two_profiles(void *p)
{
	struct request req = { 0 };

	(void)p;
	conch_init("confine");
	rule_add(&req, "selinux", "a_t", &cmdline);
	rule_add(&req, "selinux", "b_t", &cmdline);
}

static void
test_one_label_each(void)
{
	CHECK_DIES(two_profiles, NULL, "confine: --selinux b_t: one SELinux "
	    "context only (a_t was given)");
}

/*
 * A rules file of LEN bytes of TEXT, read into a fresh request. Its name
 * is chosen by the parent, so that a child's message names it too.
 */
static char rules_path[64];

struct text {
	const char *text;
	size_t len;
};

static struct request *
read_text(const char *text, size_t len)
{
	static struct request req;
	FILE *f;

	if (rules_path[0] == '\0')
		snprintf(rules_path, sizeof(rules_path),
		    "/tmp/conch-unit-rules.%d", (int)getpid());
	f = fopen(rules_path, "w");
	if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0)
		abort();
	memset(&req, 0, sizeof(req));
	rules_read(&req, rules_path);
	unlink(rules_path);
	return &req;
}

#define READ_TEXT(s) read_text((s), sizeof(s) - 1)

static void
test_rules_file(void)
{
	struct request *req;

	conch_init("confine");
	req = READ_TEXT("# a sandbox\n\n  ro /\n\trw\t/tmp/with space  \r\n"
	    "   # indented\ntcp-bind 80\nbest-effort\napparmor x\n");
	CHECK_UINT(req->npaths, 2);
	CHECK_STR(req->paths[1].path, "/tmp/with space");
	CHECK_UINT(req->paths[1].at.line, 4);
	CHECK_STR(req->paths[1].at.rule, "rw");
	CHECK_UINT(req->nports, 1);
	CHECK_UINT(req->ports[0].at.line, 6);
	CHECK(req->best_effort);
	CHECK_STR(req->apparmor, "x");
	req = READ_TEXT("ro /usr");	/* no newline at the end */
	CHECK_UINT(req->npaths, 1);
	CHECK_STR(req->paths[0].path, "/usr");
	req = READ_TEXT("");
	CHECK_UINT(req->npaths, 0);
}

static void
read_bad(void *p)
{
	const struct text *t = p;

	conch_init("confine");
	read_text(t->text, t->len);
}

static void
test_bad_rules_lines(void)
{
#define BAD(text, msg) { { text, sizeof(text) - 1 }, msg }
	static const struct {
		struct text t;
		const char *msg;
	} bad[] = {
		BAD("ro /\nrox /\n", "2: unknown rule 'rox' (see confine(1))"),
		BAD("rules /x\n", "1: unknown rule 'rules' (see confine(1))"),
		BAD("\n\nrw\n", "3: rw needs a PATH"),
		BAD("scope   \n", "1: scope needs a LIST"),
		BAD("log now\n", "1: log takes no argument ('now')"),
		BAD("tcp-bind 8x\n", "1: tcp-bind '8x': not a port list (PORT "
		    "or FIRST-LAST, comma-separated, 0 to 65535; none; any)"),
		BAD("apparmor a\napparmor b\n", "2: apparmor b: one AppArmor "
		    "profile only (a was given)"),
		BAD("ro /\n\0rw /\n", "2: a NUL byte (not a text file?)"),
		BAD("ro /\nrw /\0", "2: a NUL byte (not a text file?)"),
	};
	char want[512];
	size_t i;

	snprintf(rules_path, sizeof(rules_path), "/tmp/conch-unit-rules.%d",
	    (int)getpid());
	for (i = 0; i < LEN(bad); i++) {
		snprintf(want, sizeof(want), "confine: %s:%s", rules_path,
		    bad[i].msg);
		CHECK_DIES(read_bad, (void *)&bad[i].t, want);
	}
	unlink(rules_path);
}

static const struct unit_case cases[] = {
	UNIT_CASE(test_path_rules),
	UNIT_CASE(test_port_lists),
	UNIT_CASE(test_any_alone_asks_nothing),
	UNIT_CASE(test_scopes_and_flags),
	UNIT_CASE(test_origins),
	UNIT_CASE(test_bad_arguments),
	UNIT_CASE(test_one_label_each),
	UNIT_CASE(test_rules_file),
	UNIT_CASE(test_bad_rules_lines),
};

UNIT_MAIN("confine", cases)
