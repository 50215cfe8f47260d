/*
 * ps and list: the processes of one container, and the containers under
 * --root, as tables or, with --format json, as runc prints them.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"

#define MAXPIDS 65536

static bool
format_json(const char *arg)
{
	if (strcmp(arg, "json") == 0)
		return true;
	if (strcmp(arg, "table") == 0)
		return false;
	die("--format '%s': table or json", arg);
}

static void
print_cmdline(pid_t pid)
{
	char path[64], buf[4096];
	ssize_t n, i;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = read_file(path, buf, sizeof(buf));
	for (i = 0; i < n - 1; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	printf("%-8d %s\n", (int)pid, n > 0 ? buf : "");
}

int
cmd_ps(const struct global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	static pid_t pids[MAXPIDS];
	struct state st;
	bool json = false;
	size_t i, n;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":f:", longopts, NULL)) != -1) {
		if (c != 'f')
			die_usage(c, argv);
		json = format_json(optarg);
	}
	if (optind + 1 != argc)
		die("ps: expected one container ID (see conch --help)");
	state_open(g->root, argv[optind], &st);
	n = container_pids(&st, pids, MAXPIDS);
	if (!json)
		printf("%-8s %s\n", "PID", "CMD");
	for (i = 0; i < n; i++) {
		if (json)
			printf("%s%d", i == 0 ? "[" : ",", (int)pids[i]);
		else
			print_cmdline(pids[i]);
	}
	if (json)
		puts(n == 0 ? "[]" : "]");
	state_close(&st);
	return fflush(stdout) == 0 ? 0 : EXIT_TOOL;
}

static json_t *
list_entry(const struct global *g, const char *id)
{
	struct passwd_ent pw = { "", 0, 0, "" };
	struct state st;
	struct stat sb;
	enum status s;
	json_t *o;

	state_open(g->root, id, &st);
	s = state_status(&st);
	if (fstat(st.dirfd, &sb) == -1 || user_by_uid(sb.st_uid, &pw) == -1)
		pw.name[0] = '\0';
	o = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s}", "ociVersion",
	    OCI_VERSION, "id", st.id, "pid",
	    (json_int_t)(s == ST_STOPPED ? 0 : st.pid), "status",
	    status_names[s], "bundle", st.bundle, "rootfs", st.rootfs,
	    "created", st.created, "owner", pw.name);
	state_close(&st);
	if (o == NULL)
		die("list: cannot describe %s", id);
	return o;
}

static void
list_print(json_t *all, bool json, bool quiet)
{
	json_t *o;
	char *text;
	size_t i;

	if (json) {
		text = json_dumps(all, JSON_COMPACT);
		if (text == NULL)
			die("list: cannot print");
		puts(text);
		free(text);
		return;
	}
	if (!quiet)
		printf("%-20s %-8s %-10s %-40s %-32s %s\n", "ID", "PID",
		    "STATUS", "BUNDLE", "CREATED", "OWNER");
	json_array_foreach(all, i, o) {
		if (quiet) {
			puts(json_string_value(json_object_get(o, "id")));
			continue;
		}
		printf("%-20s %-8lld %-10s %-40s %-32s %s\n",
		    json_string_value(json_object_get(o, "id")),
		    (long long)json_integer_value(json_object_get(o, "pid")),
		    json_string_value(json_object_get(o, "status")),
		    json_string_value(json_object_get(o, "bundle")),
		    json_string_value(json_object_get(o, "created")),
		    json_string_value(json_object_get(o, "owner")));
	}
}

static bool
is_container(const char *root, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/state.json", root, name);
	return access(path, F_OK) == 0;
}

int
cmd_list(const struct global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, quiet = false;
	json_t *all = json_array();
	struct dirent **names;
	int c, n, i;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":f:q", longopts, NULL)) != -1) {
		if (c == 'f')
			json = format_json(optarg);
		else if (c == 'q')
			quiet = true;
		else
			die_usage(c, argv);
	}
	if (optind != argc)
		die("list: no arguments (see conch --help)");
	if (g->root == NULL)
		die("no --root, and no XDG_RUNTIME_DIR for a user's "
		    "containers");
	n = scandir(g->root, &names, NULL, alphasort);
	if (n == -1 && errno != ENOENT)
		die_sys("list %s", g->root);
	for (i = 0; i < n; i++) {
		/* Only containers: --root may be a directory that holds
		 * other files too. */
		if (names[i]->d_name[0] != '.' && is_container(g->root,
		    names[i]->d_name))
			json_array_append_new(all, list_entry(g,
			    names[i]->d_name));
		free(names[i]);
	}
	if (n > 0)
		free(names);
	list_print(all, json, quiet);
	json_decref(all);
	return fflush(stdout) == 0 ? 0 : EXIT_TOOL;
}
