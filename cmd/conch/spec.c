/*
 * spec, features and chain: what conch can do, a config.json to start
 * from, and the chain a bundle means.
 *
 * spec writes runc's default config, less what no conch tool can give
 * yet (tmpfs size limits, an mqueue mount, device cgroup rules: see
 * conch(1)), plus the cgroup namespace that pivot's /sys/fs/cgroup
 * mount needs (crun's default has one too). --rootless maps the caller
 * to root in a user namespace, as runc spec --rootless does.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime.h"

static const char spec_template[] =
"{\n"
"  \"ociVersion\": \"" OCI_VERSION "\",\n"
"  \"process\": {\n"
"    \"terminal\": false,\n"
"    \"user\": { \"uid\": 0, \"gid\": 0 },\n"
"    \"args\": [ \"sh\" ],\n"
"    \"env\": [\n"
"      \"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
"      \"TERM=xterm\"\n"
"    ],\n"
"    \"cwd\": \"/\",\n"
"    \"capabilities\": {\n"
"      \"bounding\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ],\n"
"      \"effective\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ],\n"
"      \"permitted\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ]\n"
"    },\n"
"    \"rlimits\": [\n"
"      { \"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024 }\n"
"    ],\n"
"    \"noNewPrivileges\": true\n"
"  },\n"
"  \"root\": { \"path\": \"rootfs\", \"readonly\": true },\n"
"  \"hostname\": \"conch\",\n"
"  \"mounts\": [\n"
"    { \"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\" },\n"
"    { \"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
"      \"options\": [ \"nosuid\", \"strictatime\", \"mode=755\" ] },\n"
"    { \"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\",\n"
"      \"options\": [ \"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\",\n"
"        \"mode=0620\", \"gid=5\" ] },\n"
"    { \"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\",\n"
"      \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"mode=1777\" ] },\n"
"    { \"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\",\n"
"      \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"ro\" ] },\n"
"    { \"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\",\n"
"      \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\" ] }\n"
"  ],\n"
"  \"linux\": {\n"
"    \"namespaces\": [\n"
"      { \"type\": \"pid\" }, { \"type\": \"network\" }, { \"type\": \"ipc\" },\n"
"      { \"type\": \"uts\" }, { \"type\": \"mount\" }, { \"type\": \"cgroup\" }\n"
"    ],\n"
"    \"maskedPaths\": [\n"
"      \"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\",\n"
"      \"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\",\n"
"      \"/proc/sched_debug\", \"/proc/scsi\", \"/sys/firmware\",\n"
"      \"/sys/devices/virtual/powercap\"\n"
"    ],\n"
"    \"readonlyPaths\": [\n"
"      \"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\",\n"
"      \"/proc/sysrq-trigger\"\n"
"    ]\n"
"  }\n"
"}\n";

/* The caller as root of a user namespace of its own, one ID each way. */
static void
make_rootless(json_t *spec)
{
	json_t *lx = json_object_get(spec, "linux");
	json_t *map;

	json_array_append_new(json_object_get(lx, "namespaces"),
	    json_pack("{s:s}", "type", "user"));
	map = json_pack("[{s:i,s:I,s:i}]", "containerID", 0, "hostID",
	    (json_int_t)getuid(), "size", 1);
	json_object_set_new(lx, "uidMappings", map);
	map = json_pack("[{s:i,s:I,s:i}]", "containerID", 0, "hostID",
	    (json_int_t)getgid(), "size", 1);
	json_object_set_new(lx, "gidMappings", map);
}

int
cmd_spec(const struct global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "rootless", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bundle = ".";
	bool rootless = false;
	char path[PATH_MAX + 16];
	json_error_t e;
	json_t *spec;
	int c, fd;

	(void)g;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":b:", longopts, NULL)) != -1) {
		if (c == 'b')
			bundle = optarg;
		else if (c == 'r')
			rootless = true;
		else
			die_usage(c, argv);
	}
	if (optind != argc)
		die("spec: no arguments (see conch --help)");
	spec = json_loads(spec_template, 0, &e);
	if (spec == NULL)
		die("spec: the template: %s", e.text);
	if (rootless)
		make_rootless(spec);
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd == -1 && errno == EEXIST)
		die("%s exists: remove it first", path);
	if (fd == -1 || json_dumpfd(spec, fd, JSON_INDENT(2)) == -1 ||
	    write(fd, "\n", 1) != 1 || close(fd) == -1)
		die_sys("write %s", path);
	json_decref(spec);
	return 0;
}

static json_t *
capability_names(void)
{
	json_t *caps = json_array();
	char name[64];
	int i, last = caplast();

	for (i = 0; i <= last; i++) {
		if (capname(i) == NULL)
			continue;
		snprintf(name, sizeof(name), "CAP_%s", capname(i) + 4);
		for (char *s = name; *s != '\0'; s++)
			*s = (char)(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
		json_array_append_new(caps, json_string(name));
	}
	return caps;
}

int
cmd_features(const struct global *g, int argc, char **argv)
{
	json_t *f;
	char *text;

	(void)g;
	(void)argv;
	if (argc != 1)
		die("features: no arguments (see conch --help)");
	f = json_pack("{s:s,s:s,s:[ssssss],s:[ssssssssssssssssss],"
	    "s:{s:[ssssssss],s:o,s:{s:b,s:b,s:b,s:b},"
	    "s:{s:b,s:[ssssssss],s:[sssssss],s:[sss]},s:{s:b},s:{s:b}},"
	    "s:{s:s}}",
	    "ociVersionMin", "1.0.0", "ociVersionMax", OCI_VERSION,
	    "hooks", "prestart", "createRuntime", "createContainer",
	    "startContainer", "poststart", "poststop",
	    "mountOptions", "atime", "bind", "diratime", "newinstance",
	    "noatime", "nodev", "nodiratime", "noexec", "norelatime",
	    "nostrictatime", "nosuid", "private", "rbind", "relatime", "ro",
	    "rprivate", "rw", "strictatime",
	    "linux", "namespaces", "cgroup", "ipc", "mount", "network", "pid",
	    "time", "user", "uts", "capabilities", capability_names(),
	    "cgroup", "v1", 0, "v2", 1, "systemd", 0, "systemdUser", 0,
	    "seccomp", "enabled", 1, "actions", "SCMP_ACT_ALLOW",
	    "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
	    "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE",
	    "SCMP_ACT_TRAP", "operators", "SCMP_CMP_EQ", "SCMP_CMP_GE",
	    "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
	    "SCMP_CMP_NE", "archs", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64",
	    "SCMP_ARCH_X32", "apparmor", "enabled", 1, "selinux", "enabled", 1,
	    "annotations", "org.opencontainers.conch.version", CONCH_VERSION);
	text = f != NULL ? json_dumps(f, JSON_INDENT(4)) : NULL;
	if (text == NULL)
		die("features: cannot build them");
	puts(text);
	free(text);
	json_decref(f);
	return fflush(stdout) == 0 ? 0 : EXIT_TOOL;
}

/* conch chain [BUNDLE]: the chain a person would type; ID, the bundle's
 * name, stands for the container's in the default cgroup and keyring. */
int
cmd_chain(const struct global *g, int argc, char **argv)
{
	static struct chain c;
	char id[PATH_MAX];

	if (argc > 2)
		die("chain: expected one BUNDLE (see conch --help)");
	config_load(argc == 2 ? argv[1] : ".", &c);
	snprintf(id, sizeof(id), "%s", c.bundle);
	c.keyring = basename(id);
	config_read(&c, true);
	config_cgroup(&c, c.keyring, g->no_cgroup);
	chain_print(&c);
	config_free(&c);
	return fflush(stdout) == 0 ? 0 : EXIT_TOOL;
}
