/*
 * cgmake's device rules: cgroup v1's devices.allow and devices.deny
 * lines, compiled into the BPF_CGROUP_DEVICE program that cgroup v2
 * has instead of those files (devices.c).
 */
#ifndef CGMAKE_DEVICES_H
#define CGMAKE_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

struct devrule {
	char type;		/* 'a', 'b' or 'c' */
	int64_t major, minor;	/* -1 for * */
	unsigned access;	/* BPF_DEVCG_ACC_* */
	bool allow;
};

struct devrules {
	bool allow_default;	/* what no rule matches gets */
	struct devrule rule[256];
	size_t n;
	bool any;		/* a devices.* setting was given */
};

bool devices_file(const char *file);
void devices_add(struct devrules *r, const char *arg, const char *file,
    const char *value);
void devices_attach(const struct devrules *r, int cgfd, const char *path);

#endif
