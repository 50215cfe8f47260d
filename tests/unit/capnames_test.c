/* lib/capnames.c: names and numbers, both ways, and the kernel's last. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "conch.h"
#include "unit.h"

static void
test_table_round_trip(void)
{
	char upper[64];
	const char *name;
	size_t i;
	int cap;

	for (cap = 0; cap < CAPNAMES_LEN; cap++) {
		name = capname(cap);
		if (!CHECK_MSG(name != NULL && strncmp(name, "cap_", 4) == 0,
		    "capname(%d)", cap))
			continue;
		CHECK_INT(capnum(name), cap);
		CHECK_INT(capnum(name + 4), cap);
		for (i = 0; name[i] != '\0' && i < sizeof(upper) - 1; i++)
			upper[i] = toupper((unsigned char)name[i]);
		upper[i] = '\0';
		CHECK_INT(capnum(upper), cap);
		CHECK_INT(capnum(upper + 4), cap);
	}
	CHECK_STR(capname(0), "cap_chown");
	CHECK_STR(capname(21), "cap_sys_admin");
	CHECK_STR(capname(40), "cap_checkpoint_restore");
	CHECK(capname(-1) == NULL);
	CHECK(capname(CAPNAMES_LEN) == NULL);
}

/* Numbers up to 63, the width of the kernel's masks; names past it. */
static void
test_numbers(void)
{
	char buf[8];
	int n;

	for (n = 0; n < 64; n++) {
		snprintf(buf, sizeof(buf), "%d", n);
		CHECK_INT(capnum(buf), n);
	}
	CHECK_INT(capnum("64"), -1);
	CHECK_INT(capnum("-1"), -1);
	CHECK_INT(capnum("+1"), -1);
	CHECK_INT(capnum(" 1"), -1);
	CHECK_INT(capnum("1 "), -1);
	CHECK_INT(capnum("99999999999999999999"), -1);
}

static void
test_not_names(void)
{
	CHECK_INT(capnum(""), -1);
	CHECK_INT(capnum("cap_"), -1);
	CHECK_INT(capnum("all"), -1);
	CHECK_INT(capnum("cap_cap_chown"), -1);
	CHECK_INT(capnum("net-raw"), -1);
	CHECK_INT(capnum("net_raw "), -1);
	CHECK_INT(capnum("Cap_Net_Raw"), 13);
	CHECK_INT(capnum("CAP_net_RAW"), 13);
}

static void
test_caplast_is_the_kernels(void)
{
	char buf[16];
	unsigned long last;

	if (read_file("/proc/sys/kernel/cap_last_cap", buf, sizeof(buf)) == -1)
		unit_skip("no /proc/sys/kernel/cap_last_cap");
	buf[strcspn(buf, "\n")] = '\0';
	if (!CHECK(parse_ulong(buf, 63, &last) == 0))
		return;
	CHECK_INT(caplast(), last);
	CHECK_INT(caplast(), last);	/* asked once, the same after */
}

static const struct unit_case cases[] = {
	UNIT_CASE(test_table_round_trip),
	UNIT_CASE(test_numbers),
	UNIT_CASE(test_not_names),
	UNIT_CASE(test_caplast_is_the_kernels),
};

UNIT_MAIN("capnames", cases)
