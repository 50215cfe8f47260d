/*
 * scfilter's profile readers (cmd/scfilter/text.c, json.c, runc.c, and
 * the names and rules they read with): every message they die with,
 * exactly, and what a few good profiles become.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "conch.h"
#include "scfilter/json.h"
#include "scfilter/text.h"
#include "unit.h"

static void
read_text(void *arg)
{
	struct profile p;
	char *text = strdup(arg);

	conch_init("scfilter");
	profile_init(&p);
	text_profile_read(&p, text, "p.txt");
}

static void
read_json(void *arg)
{
	struct profile p;

	conch_init("scfilter");
	profile_init(&p);
	json_profile_read(&p, arg, strlen(arg), "p.json");
}

/* A text profile whose line 1 is LINE dies with "p.txt:1: MSG". */
#define TEXT_DIES(line, msg) \
	CHECK_DIES(read_text, (void *)(line), "scfilter: p.txt:1: " msg)
/* A JSON profile dies with "p.json: MSG". */
#define JSON_DIES(doc, msg) \
	CHECK_DIES(read_json, (void *)(doc), "scfilter: p.json: " msg)
/* ... with a "syscalls" entry SC. */
#define SC_DIES(sc, msg) JSON_DIES("{\"defaultAction\": \"SCMP_ACT_ALLOW\", " \
	"\"syscalls\": [" sc "]}", msg)

/* ---- the text format ---------------------------------------------------- */

static void
test_text_actions_and_names(void)
{
	TEXT_DIES("errno mkdri", "unknown system call 'mkdri'");
	TEXT_DIES("errno socket flags == 2", "unknown system call 'flags'");
	TEXT_DIES("frob mkdir", "unknown action 'frob'");
	TEXT_DIES("allow=1 mkdir", "unknown action 'allow=1'");
	TEXT_DIES("errno=EFOO mkdir", "unknown errno name 'EFOO'");
	TEXT_DIES("errno= mkdir", "unknown errno name ''");
	TEXT_DIES("errno=5000 mkdir",
	    "errno value '5000' out of range (0 to 4095)");
	TEXT_DIES("trace=70000 mkdir",
	    "trace value '70000': expected 0 to 65535");
	TEXT_DIES("errno", "malformed rule: no system call after 'errno'");
	TEXT_DIES("errno ,, arg0 == 1",
	    "malformed rule: no system call after 'errno'");
	TEXT_DIES("default", "malformed rule: 'default' takes one action");
	TEXT_DIES("default allow kill",
	    "malformed rule: 'default' takes one action");
	TEXT_DIES("default frob", "unknown action 'frob'");
	TEXT_DIES("noexec now", "malformed rule: 'noexec' takes nothing");
}

static void
test_text_too_many(void)
{
	char line[1024] = "errno";
	int i;

	for (i = 0; i < 65; i++)
		strcat(line, " getpid");
	TEXT_DIES(line, "too many names on one line (at most 64)");
	strcpy(line, "errno getpid");
	for (i = 0; i < 9; i++)
		strcat(line, " arg0 != 1");
	TEXT_DIES(line, "too many conditions (at most 8)");
}

static void
test_text_conditions(void)
{
	TEXT_DIES("errno socket arg0 => 2", "malformed rule: expected an "
	    "operator (== != < <= > >= &=) after 'arg0', got '=>'");
	TEXT_DIES("errno socket arg9 == 2",
	    "argument 'arg9' out of range (arg0 to arg5)");
	TEXT_DIES("errno socket arg12 == 2",
	    "argument 'arg12' out of range (arg0 to arg5)");
	TEXT_DIES("errno socket arg0 ==",
	    "malformed rule: expected a value after 'arg0 ==', got ''");
	TEXT_DIES("errno socket arg0 &= 0xff < 2", "malformed rule: expected "
	    "== or != after 'arg0 &= MASK', got '<'");
	TEXT_DIES("errno socket arg0 &= 0xff ==",
	    "malformed rule: expected a value after 'MASK ==', got ''");
	TEXT_DIES("errno socket arg0 == 2 trailing", "malformed rule: "
	    "expected a condition (argN OP VALUE), got 'trailing'");
}

static void
test_text_values(void)
{
	TEXT_DIES("errno socket arg0 == AF_FOO", "unknown value 'AF_FOO'");
	TEXT_DIES("errno kill arg1 == SIGFOO", "unknown value 'SIGFOO'");
	TEXT_DIES("errno socket arg0 == 12z", "bad number '12z'");
	TEXT_DIES("errno socket arg0 == -", "bad number '-'");
	TEXT_DIES("errno socket arg0 == 0x1ffffffffffffffffff",
	    "bad number '0x1ffffffffffffffffff'");
	TEXT_DIES("errno socket arg0 == 1||2", "bad number ''");
	TEXT_DIES("errno socket arg0 == 1|",
	    "malformed rule: value ends with '|'");
}

static void
test_text_architectures(void)
{
	const char *native = arch_bytoken(seccomp_arch_native())->name;
	char line[128], msg[256];

	TEXT_DIES("arch sparc", "unknown architecture 'sparc'");
	TEXT_DIES("arch", "no architecture given");
	TEXT_DIES("arch x86_64 x86_64 x86_64 x86_64 x86_64 x86_64 x86_64 "
	    "x86_64 x86_64 x86_64 x86_64 x86_64 x86_64 x86_64 x86_64 x86_64 "
	    "x86_64", "too many architectures");
	snprintf(line, sizeof(line), "arch native %s",
	    strcmp(native, "s390x") == 0 ? "x86_64" : "s390x");
	snprintf(msg, sizeof(msg), "scfilter: p.txt:1: architecture '%s' "
	    "does not run on this machine (%s)", line + 12, native);
	CHECK_DIES(read_text, line, msg);
	if (runs_here(SCMP_ARCH_X86))
		TEXT_DIES("arch x86", "the architectures leave out this "
		    "machine's own (x86_64), and PROG is of it");
	if (runs_here(SCMP_ARCH_X86) && !runs_here(SCMP_ARCH_X32))
		TEXT_DIES("arch x86_64 x32", "architecture 'x32' does not run "
		    "on this kernel (built without x32 support)");
}

static void
test_text_line_numbers(void)
{
	CHECK_DIES(read_text, "# a comment\n\nallow getpid # and one more\n"
	    "errno mkdri", "scfilter: p.txt:4: unknown system call 'mkdri'");
}

/* What the lines become: the rules, in order, with their conditions. */
static void
test_text_rules_read(void)
{
	char text[] = "default kill-process\nerrno=EACCES mkdir,rmdir\n"
	    "allow openat arg0 == AT_FDCWD arg2 &= O_ACCMODE != O_RDONLY\n"
	    "log kill arg1 >= SIGKILL arg0<0x10\nnoexec\n";
	struct profile p;

	conch_init("scfilter");
	profile_init(&p);
	text_profile_read(&p, text, "p.txt");
	CHECK_UINT(p.def, SCMP_ACT_KILL_PROCESS);
	CHECK(p.noexec);
	if (!CHECK_INT(p.n, 6))
		return;
	CHECK_STR(p.r[1].name, "rmdir");
	CHECK_UINT(p.r[1].act, SCMP_ACT_ERRNO(13));
	CHECK_INT(p.r[2].ncmp, 2);
	CHECK_UINT(p.r[2].cmp[0].v, (uint64_t)(int64_t)-100);
	CHECK_INT(p.r[2].cmp[1].op, OP_MNE);
	CHECK_UINT(p.r[2].cmp[1].v, 3);
	CHECK_INT(p.r[3].cmp[0].op, OP_GE);
	CHECK_UINT(p.r[3].cmp[0].v, 9);
	CHECK_INT(p.r[3].cmp[1].op, OP_LT);
	CHECK_STR(p.r[5].name, "execveat");
	profile_free(&p);
}

/* ---- JSON profiles ------------------------------------------------------ */

static void
test_json_documents(void)
{
	JSON_DIES("{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n}\n",
	    "line 3, column 1: invalid JSON: string or '}' expected near '}'");
	JSON_DIES("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultAction\": "
	    "\"SCMP_ACT_LOG\"}", "line 1, column 51: invalid JSON: duplicate "
	    "object key near '\"defaultAction\"'");
	JSON_DIES("[1, 2]", "expected a JSON object (an OCI seccomp profile)");
}

static void
test_json_default_action(void)
{
	JSON_DIES("{\"syscalls\": []}", "defaultAction: missing");
	JSON_DIES("{\"defaultAction\": 3}", "defaultAction: expected a string");
	JSON_DIES("{\"defaultAction\": \"SCMP_ACT_FROB\"}",
	    "defaultAction: unknown action 'SCMP_ACT_FROB'");
	JSON_DIES("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": "
	    "5000}", "defaultErrnoRet: 5000 out of range");
	JSON_DIES("{\"defaultAction\": \"SCMP_ACT_TRACE\", \"defaultErrnoRet\": "
	    "70000}", "defaultErrnoRet: 70000 out of range");
	JSON_DIES("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": "
	    "1}", "defaultErrnoRet: only for SCMP_ACT_ERRNO and SCMP_ACT_TRACE");
	JSON_DIES("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": "
	    "\"x\"}", "defaultErrnoRet: expected an integer");
	JSON_DIES("{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}", ": SCMP_ACT_NOTIFY "
	    "needs a supervisor listening for the filter's notifications; "
	    "scfilter has none");
}

static void
test_json_syscall_entries(void)
{
	JSON_DIES("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {}}",
	    "syscalls: expected an array");
	SC_DIES("3", "syscalls[0]: expected an object");
	SC_DIES("{\"action\": \"SCMP_ACT_ALLOW\"}", "syscalls[0].names: missing");
	SC_DIES("{\"names\": [], \"action\": \"SCMP_ACT_ALLOW\"}",
	    "syscalls[0].names: missing");
	SC_DIES("{\"names\": \"mkdir\", \"action\": \"SCMP_ACT_ALLOW\"}",
	    "syscalls[0].names: expected an array of strings");
	SC_DIES("{\"names\": [1], \"action\": \"SCMP_ACT_ALLOW\"}",
	    "syscalls[0].names: expected an array of strings");
	SC_DIES("{\"name\": 3, \"action\": \"SCMP_ACT_ALLOW\"}",
	    "syscalls[0].name: expected a string");
	SC_DIES("{\"names\": [\"mkdir\"]}", "syscalls[0].action: missing");
	SC_DIES("{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOPE\"}",
	    "syscalls[0]: unknown action 'SCMP_ACT_NOPE'");
	SC_DIES("{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}",
	    "syscalls[0]: SCMP_ACT_NOTIFY needs a supervisor listening for the "
	    "filter's notifications; scfilter has none");
	SC_DIES("{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ALLOW\", "
	    "\"errnoRet\": 1}", "syscalls[0].errnoRet: only for SCMP_ACT_ERRNO "
	    "and SCMP_ACT_TRACE");
	SC_DIES("{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", "
	    "\"errnoRet\": 4096}", "syscalls[0].errnoRet: 4096 out of range");
	SC_DIES("{\"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_ERRNO\", "
	    "\"args\": [{\"index\": 0, \"op\": \"SCMP_CMP_EQ\", \"value\": 1}]}, "
	    "{\"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_LOG\", \"args\": "
	    "[{\"index\": 0, \"op\": \"SCMP_CMP_EQ\", \"value\": 1}]}",
	    "syscalls[1]: getpgid: the same conditions as in syscalls[0], with "
	    "another action (runc refuses such a profile too: libseccomp's "
	    "EEXIST)");
}

#define ARGS(a) "{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", " \
	"\"args\": " a "}"
#define EQ "{\"index\": 0, \"op\": \"SCMP_CMP_EQ\"}, "

static void
test_json_args(void)
{
	SC_DIES(ARGS("3"), "syscalls[0].args: expected an array");
	SC_DIES(ARGS("[3]"), "syscalls[0].args[0]: expected an object");
	SC_DIES(ARGS("[" EQ EQ EQ EQ EQ EQ EQ EQ EQ "{}]"),
	    "syscalls[0].args[8]: too many conditions (at most 8)");
	SC_DIES(ARGS("[{\"index\": 7, \"op\": \"SCMP_CMP_EQ\"}]"),
	    "syscalls[0].args[0].index: 7 out of range (0 to 5)");
	SC_DIES(ARGS("[{\"index\": \"a\", \"op\": \"SCMP_CMP_EQ\"}]"),
	    "syscalls[0].args[0].index: expected an integer");
	SC_DIES(ARGS("[{\"index\": 0}]"), "syscalls[0].args[0].op: missing");
	SC_DIES(ARGS("[{\"index\": 0, \"op\": \"SCMP_CMP_LIKE\"}]"),
	    "syscalls[0].args[0].op: unknown operator 'SCMP_CMP_LIKE'");
	SC_DIES(ARGS("[{\"op\": \"SCMP_CMP_EQ\", \"value\": \"x\"}]"),
	    "syscalls[0].args[0].value: expected an integer");
	SC_DIES(ARGS("[{\"op\": \"SCMP_CMP_MASKED_EQ\", \"valueTwo\": 1.5}]"),
	    "syscalls[0].args[0].valueTwo: expected an integer");
}

#define WHEN(field, v) "{\"names\": [\"mkdir\"], \"action\": " \
	"\"SCMP_ACT_ALLOW\", \"" field "\": " v "}"

static void
test_json_includes_and_excludes(void)
{
	SC_DIES(WHEN("includes", "3"), "syscalls[0].includes: expected an "
	    "object");
	SC_DIES(WHEN("excludes", "[]"), "syscalls[0].excludes: expected an "
	    "object");
	SC_DIES(WHEN("includes", "{\"caps\": [\"CAP_FLY\"]}"),
	    "syscalls[0].includes.caps: unknown capability 'CAP_FLY'");
	SC_DIES(WHEN("excludes", "{\"caps\": [\"CAP_NOPE\"]}"),
	    "syscalls[0].excludes.caps: unknown capability 'CAP_NOPE'");
	SC_DIES(WHEN("includes", "{\"minKernel\": \"four\"}"),
	    "syscalls[0].includes.minKernel: bad kernel version 'four' "
	    "(expected MAJOR.MINOR)");
	SC_DIES(WHEN("excludes", "{\"minKernel\": \"4.x\"}"),
	    "syscalls[0].excludes.minKernel: bad kernel version '4.x' "
	    "(expected MAJOR.MINOR)");
	SC_DIES(WHEN("excludes", "{\"minKernel\": 4}"),
	    "syscalls[0].excludes.minKernel: expected a string");
	SC_DIES(WHEN("excludes", "{\"arches\": \"amd64\"}"),
	    "syscalls[0].excludes.arches: expected an array of strings");
	SC_DIES(WHEN("includes", "{\"caps\": 3}"),
	    "syscalls[0].includes.caps: expected an array of strings");
}

#define ALLOW "{\"defaultAction\": \"SCMP_ACT_ALLOW\", "

static void
test_json_architectures_and_flags(void)
{
	char doc[256], msg[256];
	const char *native = arch_bytoken(seccomp_arch_native())->name;

	JSON_DIES(ALLOW "\"architectures\": [\"SCMP_ARCH_VAX\"]}",
	    "architectures: unknown architecture 'SCMP_ARCH_VAX'");
	JSON_DIES(ALLOW "\"architectures\": \"SCMP_ARCH_X86\"}",
	    "architectures: expected an array of strings");
	JSON_DIES(ALLOW "\"archMap\": 3}", "archMap: expected an array");
	JSON_DIES(ALLOW "\"archMap\": [3]}", "archMap[0]: expected an object");
	JSON_DIES(ALLOW "\"archMap\": [{\"subArchitectures\": []}]}",
	    "archMap[0].architecture: missing");
	JSON_DIES(ALLOW "\"archMap\": [{\"architecture\": 3}]}",
	    "archMap[0].architecture: expected a string");
	JSON_DIES(ALLOW "\"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\","
	    " \"subArchitectures\": \"SCMP_ARCH_X86\"}]}",
	    "archMap[0].subArchitectures: expected an array of strings");
	snprintf(doc, sizeof(doc), ALLOW "\"archMap\": [{\"architecture\": "
	    "\"SCMP_ARCH_%s\", \"subArchitectures\": [\"SCMP_ARCH_NOPE\"]}]}",
	    seccomp_arch_native() == SCMP_ARCH_X86_64 ? "X86_64" : "NATIVE");
	if (seccomp_arch_native() == SCMP_ARCH_X86_64)
		JSON_DIES(doc, "archMap[0].subArchitectures: unknown "
		    "architecture 'SCMP_ARCH_NOPE'");
	JSON_DIES(ALLOW "\"architectures\": [\"SCMP_ARCH_X86\"], \"archMap\": "
	    "[{\"architecture\": \"SCMP_ARCH_X86\"}]}", "both architectures "
	    "and archMap are given (Docker refuses that too)");
	snprintf(doc, sizeof(doc), ALLOW "\"architectures\": "
	    "[\"SCMP_ARCH_%s\"]}", seccomp_arch_native() == SCMP_ARCH_S390X ?
	    "X86_64" : "S390X");
	snprintf(msg, sizeof(msg), "scfilter: p.json: the architectures leave "
	    "out this machine's own (%s), and PROG is of it", native);
	CHECK_DIES(read_json, doc, msg);
	JSON_DIES(ALLOW "\"flags\": [\"SECCOMP_FILTER_FLAG_NOPE\"]}",
	    "flags: unknown flag 'SECCOMP_FILTER_FLAG_NOPE'");
	JSON_DIES(ALLOW "\"flags\": 3}", "flags: expected an array of strings");
}

/*
 * What a profile becomes, as runc reads it: an index compared twice
 * means either; names libseccomp does not know are skipped; rules of
 * the default action go first; the first unconditional rule of a call
 * stands alone; the stub's last call is the profile's last on the arch.
 */
static void
test_json_rules_read(void)
{
	char doc[] = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", "
	    "\"architectures\": [\"SCMP_ARCH_X86_64\"], "
	    "\"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"], \"syscalls\": ["
	    "{\"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_ALLOW\", "
	    "\"args\": [{\"index\": 0, \"op\": \"SCMP_CMP_EQ\", \"value\": 7},"
	    " {\"index\": 0, \"op\": \"SCMP_CMP_EQ\", \"value\": 9}]},"
	    "{\"names\": [\"no_such_call\", \"read\"], \"action\": "
	    "\"SCMP_ACT_ALLOW\"},"
	    "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_LOG\"},"
	    "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", "
	    "\"args\": [{\"index\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}";
	struct profile p;

	if (seccomp_arch_native() != SCMP_ARCH_X86_64)
		unit_skip("written for x86_64");
	conch_init("scfilter");
	profile_init(&p);
	json_profile_read(&p, doc, strlen(doc), "p.json");
	CHECK(p.flag_log);
	CHECK_UINT(p.def, SCMP_ACT_ERRNO(1));
	CHECK_INT(p.narch, 1);
	CHECK_UINT(profile_last_call(&p, SCMP_ARCH_X86_64), 121);
	if (!CHECK_INT(p.n, 3))
		return;
	CHECK_STR(p.r[0].name, "read");
	CHECK_UINT(p.r[0].act, SCMP_ACT_ALLOW);
	CHECK_INT(p.r[0].ncmp, 0);
	CHECK_UINT(p.r[1].cmp[0].v, 7);
	CHECK_UINT(p.r[2].cmp[0].v, 9);
	CHECK_INT(p.r[2].ncmp, 1);
	profile_free(&p);
}

static const struct unit_case cases[] = {
	UNIT_CASE(test_text_actions_and_names),
	UNIT_CASE(test_text_too_many),
	UNIT_CASE(test_text_conditions),
	UNIT_CASE(test_text_values),
	UNIT_CASE(test_text_architectures),
	UNIT_CASE(test_text_line_numbers),
	UNIT_CASE(test_text_rules_read),
	UNIT_CASE(test_json_documents),
	UNIT_CASE(test_json_default_action),
	UNIT_CASE(test_json_syscall_entries),
	UNIT_CASE(test_json_args),
	UNIT_CASE(test_json_includes_and_excludes),
	UNIT_CASE(test_json_architectures_and_flags),
	UNIT_CASE(test_json_rules_read),
};

UNIT_MAIN("scfilter_readers", cases)
