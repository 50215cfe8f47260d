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

/* The words being printed: where, and whether one was. */
struct words {
	FILE *out;
	bool first;
};

/* S as one shell word: in single quotes, a quote as '\''. */
static void
put_word(struct words *w, const char *s)
{
	if (!w->first)
		putc(' ', w->out);
	w->first = false;
	putc('\'', w->out);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", w->out);
		else
			putc(*s, w->out);
	}
	putc('\'', w->out);
}

static void
put_list(struct words *w, json_t *v)
{
	size_t i;

	for (i = 0; i < json_array_size(v); i++)
		put_word(w, json_string_value(json_array_get(v, i)));
}

static void
put_env(struct words *w, const struct image *im)
{
	json_t *env = string_list(im, "Env");
	size_t i;

	for (i = 0; i < json_array_size(env); i++)
		if (strncmp(json_string_value(json_array_get(env, i)),
		    "PATH=", 5) == 0)
			break;
	if (i == json_array_size(env))
		put_word(w, DOCKER_PATH);
	put_list(w, env);
}

/* User: NAME or UID, then :GROUP or :GID, as capset's options. */
static void
put_user(struct words *w, const struct image *im)
{
	char user[256], *group;
	const char *u = string_of(im, "User");

	if (*u == '\0')
		return;
	snprintf(user, sizeof(user), "%s", u);
	if ((group = strchr(user, ':')) != NULL)
		*group++ = '\0';
	put_word(w, "--user");
	put_word(w, user);
	if (group != NULL && *group != '\0') {
		put_word(w, "--group");
		put_word(w, group);
	}
}

/* The words of FIELD. */
static void
put_field(FILE *out, const struct image *im, const char *field)
{
	const char *wd = string_of(im, "WorkingDir");
	json_t *ep = string_list(im, "Entrypoint");
	struct words w = { out, true };
	char dir[4096];

	if (strcmp(field, "env") == 0) {
		put_env(&w, im);
	} else if (strcmp(field, "entrypoint") == 0) {
		put_list(&w, ep);
	} else if (strcmp(field, "cmd") == 0) {
		put_list(&w, string_list(im, "Cmd"));
	} else if (strcmp(field, "argv") == 0) {
		put_list(&w, ep);
		put_list(&w, string_list(im, "Cmd"));
	} else if (strcmp(field, "workdir") == 0) {
		/* Docker takes a relative one from /. */
		snprintf(dir, sizeof(dir), "%s%s", *wd == '/' ? "" : "/", wd);
		put_word(&w, dir);
	} else {
		put_user(&w, im);
	}
}

/*
 * FIELD's words on a line, to OUT; without FIELD, all as bash
 * assignments.
 */
void
print_config(const struct image *im, const char *field, FILE *out)
{
	char name[32];
	size_t i, k;

	if (field != NULL) {
		put_field(out, im, field);
		putc('\n', out);
	}
	for (i = 0; field == NULL && i < LEN(fields); i++) {
		for (k = 0; fields[i][k] != '\0'; k++)
			name[k] = fields[i][k] - 'a' + 'A';
		name[k] = '\0';
		/* WorkingDir is one word, the others lists. */
		if (strcmp(fields[i], "workdir") == 0) {
			fprintf(out, "IMAGE_%s=", name);
			put_field(out, im, fields[i]);
			putc('\n', out);
			continue;
		}
		fprintf(out, "IMAGE_%s=(", name);
		put_field(out, im, fields[i]);
		fputs(")\n", out);
	}
	if (fflush(out) == EOF || ferror(out))
		die_sys("--print-config: write");
}
