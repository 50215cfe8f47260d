/* lib/parse.c: strict numbers and sizes, through their own interface. */
#include <limits.h>
#include <stdio.h>

#include "conch.h"
#include "unit.h"

static void
test_ulong_accepts_digits_only(void)
{
	unsigned long v = 0;

	CHECK_INT(parse_ulong("0", 10, &v), 0);
	CHECK_UINT(v, 0);
	CHECK_INT(parse_ulong("4294967295", ULONG_MAX, &v), 0);
	CHECK_UINT(v, 4294967295UL);
	CHECK_INT(parse_ulong("11", 10, &v), -1);
	CHECK_INT(parse_ulong("", 10, &v), -1);
	CHECK_INT(parse_ulong(" 1", 10, &v), -1);
	CHECK_INT(parse_ulong("+1", 10, &v), -1);
	CHECK_INT(parse_ulong("-1", ULONG_MAX, &v), -1);
	CHECK_INT(parse_ulong("1x", 10, &v), -1);
	CHECK_INT(parse_ulong("18446744073709551616", ULONG_MAX, &v), -1);
}

static void
test_long_signs_and_range(void)
{
	long v = 0;

	CHECK_INT(parse_long("-5", -10, 10, &v), 0);
	CHECK_INT(v, -5);
	CHECK_INT(parse_long("+7", -10, 10, &v), 0);
	CHECK_INT(v, 7);
	CHECK_INT(parse_long("-11", -10, 10, &v), -1);
	CHECK_INT(parse_long("--1", -10, 10, &v), -1);
	CHECK_INT(parse_long("-", -10, 10, &v), -1);
	CHECK_INT(parse_long("9223372036854775808", LONG_MIN, LONG_MAX, &v),
	    -1);
}

static void
test_size_suffixes(void)
{
	unsigned long long v = 0;

	CHECK_INT(parse_size("512", &v), 0);
	CHECK_UINT(v, 512);
	CHECK_INT(parse_size("64K", &v), 0);
	CHECK_UINT(v, 64ULL << 10);
	CHECK_INT(parse_size("256m", &v), 0);
	CHECK_UINT(v, 256ULL << 20);
	CHECK_INT(parse_size("1G", &v), 0);
	CHECK_UINT(v, 1ULL << 30);
	CHECK_INT(parse_size("2T", &v), 0);
	CHECK_UINT(v, 2ULL << 40);
	CHECK_INT(parse_size("1KB", &v), -1);
	CHECK_INT(parse_size("1P", &v), -1);
	CHECK_INT(parse_size("K", &v), -1);
	CHECK_INT(parse_size("16777216T", &v), -1);	/* 2^64 */
	CHECK_INT(parse_size("16777215T", &v), 0);
}

/* Every decimal up to a bound round-trips, and nothing above it passes. */
static void
test_ulong_random_round_trip(void)
{
	char buf[32];
	unsigned long v, want, max;
	int i;

	for (i = 0; i < 10000; i++) {
		want = unit_random() >> (unit_random() % 64);
		max = unit_random() >> (unit_random() % 64);
		snprintf(buf, sizeof(buf), "%lu", want);
		if (!CHECK_INT(parse_ulong(buf, max, &v), want <= max ? 0 : -1))
			return;
		if (want <= max && !CHECK_UINT(v, want))
			return;
	}
}

static const struct unit_case cases[] = {
	UNIT_CASE(test_ulong_accepts_digits_only),
	UNIT_CASE(test_long_signs_and_range),
	UNIT_CASE(test_size_suffixes),
	UNIT_CASE(test_ulong_random_round_trip),
};

UNIT_MAIN("parse", cases)
