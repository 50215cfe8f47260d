/* cmd/cgmake/settings.c: FILE=VALUE checked and converted, every error. */
#include <stdio.h>
#include <string.h>

#include "cgmake/cgmake.h"
#include "unit.h"

static const char *
value(const char *arg)
{
	static struct setting s;

	setting_parse(&s, arg);
	return s.value;
}

static void
test_sizes(void)
{
	CHECK_STR(value("memory.max=256M"), "268435456");
	CHECK_STR(value("memory.high=1g"), "1073741824");
	CHECK_STR(value("memory.swap.max=0"), "0");
	CHECK_STR(value("memory.low=max"), "max");
	CHECK_STR(value("hugetlb.2MB.max=2T"), "2199023255552");
	CHECK_STR(value("memory.reclaim=64k"), "65536");
	/* A file that is not a size is written as given. */
	CHECK_STR(value("memory.oom.group=1"), "1");
	CHECK_STR(value("cpuset.cpus=0-3,7"), "0-3,7");
	CHECK_STR(value("cgroup.type=threaded"), "threaded");
}

static void
test_counts(void)
{
	CHECK_STR(value("pids.max=64"), "64");
	CHECK_STR(value("pids.max=max"), "max");
	CHECK_STR(value("pids.max=1K"), "1024");
	CHECK_STR(value("cgroup.max.depth=2"), "2");
}

/* PERCENT% of one CPU: the quota for the kernel's 100 ms period. */
static void
test_cpu_max(void)
{
	CHECK_STR(value("cpu.max=50%"), "50000 100000");
	CHECK_STR(value("cpu.max=250%"), "250000 100000");
	CHECK_STR(value("cpu.max=0.5%"), "500 100000");
	CHECK_STR(value("cpu.max=12.345%"), "12345 100000");
	CHECK_STR(value("cpu.max=0.001%"), "1 100000");
	CHECK_STR(value("cpu.max=1000000%"), "1000000000 100000");
	CHECK_STR(value("cpu.max=max"), "max");
	CHECK_STR(value("cpu.max=max 200000"), "max 200000");
	CHECK_STR(value("cpu.max=25000 50000"), "25000 50000");
	CHECK_STR(value("cpu.max=25000"), "25000");
}

static void
test_io_max(void)
{
	CHECK_STR(value("io.max=8:0 rbps=1M wbps=max riops=100"),
	    "8:0 rbps=1048576 wbps=max riops=100");
	CHECK_STR(value("io.max=8:16 wiops=2k"), "8:16 wiops=2048");
}

static void
parse(void *arg)
{
	struct setting s;

	conch_init("cgmake");
	setting_parse(&s, arg);
}

static void
test_errors(void)
{
	CHECK_DIES(parse, "pids.max", "cgmake: 'pids.max': not FILE=VALUE "
	    "(put -- before PROG)");
	CHECK_DIES(parse, "=1", "cgmake: =1: '' is not an interface file "
	    "name");
	CHECK_DIES(parse, "../x=1", "cgmake: ../x=1: '../x' is not an "
	    "interface file name");
	CHECK_DIES(parse, "a/b=1", "cgmake: a/b=1: 'a/b' is not an "
	    "interface file name");
	CHECK_DIES(parse, ".hidden=1", "cgmake: .hidden=1: '.hidden' is not "
	    "an interface file name");
	CHECK_DIES(parse, "cgroup.procs=1", "cgmake: cgroup.procs=1: refusing "
	    "to move processes (that is cgput's job: cgput -p PID CGROUP)");
	CHECK_DIES(parse, "cgroup.threads=1", "cgmake: cgroup.threads=1: "
	    "refusing to move processes (that is cgput's job: cgput -p PID "
	    "CGROUP)");
	CHECK_DIES(parse, "memory.max=1X", "cgmake: memory.max=1X: bad size "
	    "'1X' (a number with an optional K, M, G or T suffix, or max)");
	CHECK_DIES(parse, "memory.max=", "cgmake: memory.max=: bad size '' "
	    "(a number with an optional K, M, G or T suffix, or max)");
	CHECK_DIES(parse, "memory.max=16777216T", "cgmake: "
	    "memory.max=16777216T: bad size '16777216T' (a number with an "
	    "optional K, M, G or T suffix, or max)");
	CHECK_DIES(parse, "pids.max=-1", "cgmake: pids.max=-1: bad number "
	    "'-1' (a number, or max)");
	CHECK_DIES(parse, "cpu.max=0%", "cgmake: cpu.max=0%: bad value '0%' "
	    "(PERCENT% of one CPU, QUOTA [PERIOD] in microseconds, or max "
	    "[PERIOD])");
	CHECK_DIES(parse, "cpu.max=1.%", "cgmake: cpu.max=1.%: bad value "
	    "'1.%' (PERCENT% of one CPU, QUOTA [PERIOD] in microseconds, or "
	    "max [PERIOD])");
	CHECK_DIES(parse, "cpu.max=1000001%", "cgmake: cpu.max=1000001%: bad "
	    "value '1000001%' (PERCENT% of one CPU, QUOTA [PERIOD] in "
	    "microseconds, or max [PERIOD])");
	CHECK_DIES(parse, "cpu.max=1 x", "cgmake: cpu.max=1 x: bad value "
	    "'1 x' (PERCENT% of one CPU, QUOTA [PERIOD] in microseconds, or "
	    "max [PERIOD])");
	CHECK_DIES(parse, "io.max=8:0 rbps=1Q", "cgmake: io.max=8:0 rbps=1Q: "
	    "bad size '1Q' (a number with an optional K, M, G or T suffix, or "
	    "max)");
}

static char long_arg[8192];

static void
test_too_long(void)
{
	char err[8192], want[1024];
	int n;

	n = snprintf(long_arg, sizeof(long_arg), "cpuset.cpus=");
	memset(long_arg + n, '1', 4096);
	/* The message is cut as every message is, at 1023 bytes. */
	CHECK(snprintf(want, sizeof(want), "cgmake: %s: value too long",
	    long_arg) >= (int)sizeof(want));
	CHECK_DIES(parse, long_arg, want);
	/* io.max too long for the kernel's buffer: said, not cut. */
	n = snprintf(long_arg, sizeof(long_arg), "io.max=8:0");
	while (n < 4200)
		n += snprintf(long_arg + n, sizeof(long_arg) - n, " rbps=1");
	CHECK_INT(unit_run(parse, long_arg, err, sizeof(err)), 125);
	CHECK(strncmp(err, "cgmake: io.max=8:0 rbps=1 rbps=1", 32) == 0);
}

static void
test_controllers(void)
{
	static struct setting s[6];
	controller c[CONTROLLERS_MAX];
	const char *args[] = {
		"memory.max=1M", "cgroup.freeze=1", "pids.max=9",
		"memory.high=max", "cpu.pressure=x", "io.max=8:0 rbps=1",
	};
	size_t i, n;

	for (i = 0; i < LEN(args); i++)
		setting_parse(&s[i], args[i]);
	n = controllers_needed(s, LEN(args), c, LEN(c));
	if (!CHECK_UINT(n, 3))
		return;
	CHECK_STR(c[0], "memory");
	CHECK_STR(c[1], "pids");
	CHECK_STR(c[2], "io");
}

static const struct unit_case cases[] = {
	UNIT_CASE(test_sizes),
	UNIT_CASE(test_counts),
	UNIT_CASE(test_cpu_max),
	UNIT_CASE(test_io_max),
	UNIT_CASE(test_errors),
	UNIT_CASE(test_too_long),
	UNIT_CASE(test_controllers),
};

UNIT_MAIN("cgsettings", cases)
