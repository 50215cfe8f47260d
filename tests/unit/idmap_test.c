/* lib/idmap.c: ID map specs, the kernel's rules, every error message. */
#include <stdio.h>
#include <string.h>

#include "conch.h"
#include "unit.h"

static struct idmap map;

static void
parse(void *arg)
{
	conch_init("idmap");
	idmap_parse(&map, arg, "-u 'x'");
}

static void
test_parse(void)
{
	static struct idmap m;
	char text[256];

	idmap_parse(&m, "0:100000:65536", "-u");
	idmap_parse(&m, "65536:1000:1", "-u");
	idmap_parse(&m, "70000:4294967293:1", "-u");
	CHECK_UINT(m.n, 3);
	idmap_format(&m, text, sizeof(text));
	CHECK_STR(text, "0 100000 65536\n65536 1000 1\n70000 4294967293 1\n");
	CHECK_UINT(m.bytes, strlen(text));
}

static void
test_bad_specs(void)
{
	static const char *const shape[] = {
		"", "1", "1:2", "1:2:3:4",
		"0123456789012345678901234567890123456789012345678901234567890"
		"12345678901234567890123456789012345678:1:1",
	};
	char want[512];
	size_t i;

	for (i = 0; i < LEN(shape); i++)
		CHECK_DIES(parse, (void *)shape[i], "idmap: -u 'x': expected "
		    "INSIDE:OUTSIDE:COUNT");
	CHECK_DIES(parse, "a:1:1", "idmap: -u 'x': 'a' is not an ID or count");
	CHECK_DIES(parse, "1::3", "idmap: -u 'x': '' is not an ID or count");
	CHECK_DIES(parse, ":1:2", "idmap: -u 'x': '' is not an ID or count");
	CHECK_DIES(parse, "1:2:", "idmap: -u 'x': '' is not an ID or count");
	CHECK_DIES(parse, "1:-1:1", "idmap: -u 'x': '-1' is not an ID or "
	    "count");
	CHECK_DIES(parse, "1:1:+1", "idmap: -u 'x': '+1' is not an ID or "
	    "count");
	CHECK_DIES(parse, "4294967295:1:1", "idmap: -u 'x': '4294967295' is "
	    "not an ID or count");
	CHECK_DIES(parse, "0:0:0", "idmap: -u 'x': count must be at least 1");
	snprintf(want, sizeof(want), "idmap: -u 'x': range goes past the last "
	    "ID 4294967294");
	CHECK_DIES(parse, "4294967294:0:2", want);
	CHECK_DIES(parse, "0:4294967290:6", want);
	CHECK_DIES(parse, "2:0:4294967294", want);
	/* The last ID, 4294967294, may be mapped; (u32)-1 may not. */
	CHECK_INT(unit_run(parse, "1:0:4294967294", want, sizeof(want)), 0);
	CHECK_INT(unit_run(parse, "4294967294:4294967294:1", want,
	    sizeof(want)), 0);
}

static void
add_then(void *arg)
{
	conch_init("idmap");
	memset(&map, 0, sizeof(map));
	idmap_parse(&map, "0:1000:10", "-u '0:1000:10'");
	idmap_parse(&map, arg, "-u 'x'");
}

static void
test_overlaps(void)
{
	char err[512];

	CHECK_DIES(add_then, "9:5000:1", "idmap: -u 'x': overlaps range "
	    "0:1000:10");
	CHECK_DIES(add_then, "100:1009:1", "idmap: -u 'x': overlaps range "
	    "0:1000:10");
	CHECK_DIES(add_then, "0:0:5000", "idmap: -u 'x': overlaps range "
	    "0:1000:10");
	/* Touching is not overlapping. */
	CHECK_INT(unit_run(add_then, "10:1010:1", err, sizeof(err)), 0);
}

/* The kernel's limits: 340 lines, and 4095 bytes of text. */
static void
many(void *arg)
{
	char spec[64];
	size_t i, n = *(size_t *)arg;

	conch_init("idmap");
	memset(&map, 0, sizeof(map));
	for (i = 0; i < n; i++) {
		snprintf(spec, sizeof(spec), "%zu:%zu:1", i * 2, i * 2);
		idmap_parse(&map, spec, "--map");
	}
}

static void
many_long(void *arg)
{
	char spec[64];
	size_t i;

	(void)arg;
	conch_init("idmap");
	memset(&map, 0, sizeof(map));
	for (i = 0; i < 200; i++) {
		snprintf(spec, sizeof(spec), "%zu:%zu:1", 1000000000 + i,
		    2000000000 + i);
		idmap_parse(&map, spec, "--map");
	}
}

static void
test_kernel_limits(void)
{
	char err[512];
	size_t n = 340, more = 341;

	CHECK_INT(unit_run(many, &n, err, sizeof(err)), 0);
	CHECK_DIES(many, &more, "idmap: --map: more than 340 ranges (the "
	    "kernel's limit)");
	CHECK_DIES(many_long, NULL, "idmap: --map: the map would be longer "
	    "than the 4095 bytes the kernel accepts");
}

static const struct unit_case cases[] = {
	UNIT_CASE(test_parse),
	UNIT_CASE(test_bad_specs),
	UNIT_CASE(test_overlaps),
	UNIT_CASE(test_kernel_limits),
};

UNIT_MAIN("idmap", cases)
