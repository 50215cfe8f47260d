/*
 * config.c: the image's config. Its rootfs.diff_ids check the layers;
 * its Env, Entrypoint, Cmd, WorkingDir and User are what the image runs
 * as, which --print-config prints as shell words, for a chain to run the
 * image's own command as docker would:
 *   env       Env, with docker's PATH when the image sets none
 *   entrypoint, cmd
 *   argv      Entrypoint then Cmd (Cmd alone without an Entrypoint)
 *   workdir   WorkingDir, / by default
 *   user      capset's options for User (NAME or UID, :GROUP or :GID),
 *             resolved inside the image when capset runs after pivot;
 *             nothing for root
 * One field prints its words on one line (eval "set -- $(...)"); all of
 * them print as bash assignments of IMAGE_ENV=(...) and the like.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conch.h"
#include "image.h"

#define DOCKER_PATH \
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *const fields[] = {
	"env", "entrypoint", "cmd", "argv", "workdir", "user",
};

bool
config_field(const char *field)
{
	size_t i;

	for (i = 0; i < LEN(fields); i++)
		if (strcmp(field, fields[i]) == 0)
			return true;
	return false;
}

/* rootfs.diff_ids: one per layer, the digest of its tar stream. */
void
config_layers(struct image *im)
{
	json_t *rootfs = json_object_get(im->config, "rootfs");
	json_t *ids = json_object_get(rootfs, "diff_ids");
	const char *id;
	size_t i;

	if (!json_is_object(im->config) || !json_is_array(ids))
		die("%s: the config has no rootfs.diff_ids", im->source.name);
	if (json_array_size(ids) != im->nlayers)
		die("%s: the config lists %zu diff_ids for %zu layers",
		    im->source.name, json_array_size(ids), im->nlayers);
	for (i = 0; i < im->nlayers; i++) {
		id = json_string_value(json_array_get(ids, i));
		if (id == NULL || !digest_parse(id, &im->layers[i].diffid))
			die("%s: the config's diff_id %zu is not a sha256 "
			    "digest", im->source.name, i + 1);
	}
}

/* config.KEY: a list of strings (or nothing), checked. */
static json_t *
string_list(const struct image *im, const char *key)
{
	json_t *c = json_object_get(im->config, "config");
	json_t *v = json_object_get(c, key);
	size_t i;

	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_array(v))
		die("%s: config %s is not a list", im->source.name, key);
	for (i = 0; i < json_array_size(v); i++)
		if (!json_is_string(json_array_get(v, i)))
			die("%s: config %s holds a non-string",
			    im->source.name, key);
	return v;
}

/* config.KEY: a string, or "". */
static const char *
string_of(const struct image *im, const char *key)
{
	json_t *c = json_object_get(im->config, "config");
	json_t *v = json_object_get(c, key);

	if (v == NULL || json_is_null(v))
		return "";
	if (!json_is_string(v))
		die("%s: config %s is not a string", im->source.name, key);
	return json_string_value(v);
}

/* S as one shell word: in single quotes, a quote as '\''. */
static void
put_word(const char *s, bool *first)
{
	if (!*first)
		putchar(' ');
	*first = false;
	putchar('\'');
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*s);
	}
	putchar('\'');
}

static void
put_list(json_t *v, bool *first)
{
	size_t i;

	for (i = 0; i < json_array_size(v); i++)
		put_word(json_string_value(json_array_get(v, i)), first);
}

static void
put_env(const struct image *im, bool *first)
{
	json_t *env = string_list(im, "Env");
	size_t i;

	for (i = 0; i < json_array_size(env); i++)
		if (strncmp(json_string_value(json_array_get(env, i)),
		    "PATH=", 5) == 0)
			break;
	if (i == json_array_size(env))
		put_word(DOCKER_PATH, first);
	put_list(env, first);
}

/* User: NAME or UID, then :GROUP or :GID, as capset's options. */
static void
put_user(const struct image *im, bool *first)
{
	char user[256], *group;
	const char *u = string_of(im, "User");

	if (*u == '\0')
		return;
	snprintf(user, sizeof(user), "%s", u);
	if ((group = strchr(user, ':')) != NULL)
		*group++ = '\0';
	put_word("--user", first);
	put_word(user, first);
	if (group != NULL && *group != '\0') {
		put_word("--group", first);
		put_word(group, first);
	}
}

/* The words of FIELD. */
static void
put_field(const struct image *im, const char *field)
{
	const char *wd = string_of(im, "WorkingDir");
	json_t *ep = string_list(im, "Entrypoint");
	bool first = true;
	char dir[4096];

	if (strcmp(field, "env") == 0) {
		put_env(im, &first);
	} else if (strcmp(field, "entrypoint") == 0) {
		put_list(ep, &first);
	} else if (strcmp(field, "cmd") == 0) {
		put_list(string_list(im, "Cmd"), &first);
	} else if (strcmp(field, "argv") == 0) {
		put_list(ep, &first);
		put_list(string_list(im, "Cmd"), &first);
	} else if (strcmp(field, "workdir") == 0) {
		/* Docker takes a relative one from /. */
		snprintf(dir, sizeof(dir), "%s%s", *wd == '/' ? "" : "/", wd);
		put_word(dir, &first);
	} else {
		put_user(im, &first);
	}
}

/* FIELD's words on a line; without FIELD, all as bash assignments. */
void
print_config(const struct image *im, const char *field)
{
	char name[32];
	size_t i, k;

	if (field != NULL) {
		put_field(im, field);
		putchar('\n');
	}
	for (i = 0; field == NULL && i < LEN(fields); i++) {
		for (k = 0; fields[i][k] != '\0'; k++)
			name[k] = fields[i][k] - 'a' + 'A';
		name[k] = '\0';
		if (strcmp(fields[i], "workdir") == 0) {
			printf("IMAGE_%s=", name);
			put_field(im, fields[i]);
			putchar('\n');
			continue;
		}
		printf("IMAGE_%s=(", name);
		put_field(im, fields[i]);
		puts(")");
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		die_sys("--print-config: write");
}
