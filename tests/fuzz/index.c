/*
 * mkrootfs --image's JSON readers on any bytes: the choice of the image
 * (index.c), its manifest and config (image.c, config.c), through the
 * memory source (source.c). An input is documents separated by NUL
 * bytes: the first is index.json (manifest.json when it starts with
 * '['), each other a blob named by its own SHA-256, so that a valid
 * input can reach nested indexes, manifests and configs. Each input is
 * tried without a tag and with the tag "v1", for linux/amd64. The
 * oracle:
 *   - of an OCI layout, only index.json, oci-layout and blobs/sha256/
 *     with 64 hex digits are ever opened: never a path outside blobs/;
 *   - a chosen OCI manifest is for linux/amd64 (or says no platform),
 *     is named by the tag when one was given, and its bytes are what its
 *     digest says;
 *   - the config prints (--print-config) without a crash.
 */
/* fuzz: -detect_leaks=0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conch.h"
#include "fuzz.h"
#include "mkrootfs/image.h"

static noreturn void
fail(const char *what, const char *detail)
{
	fprintf(stderr, "index harness: %s: %s\n", what, detail);
	abort();
}

int
__lsan_is_turned_off(void)
{
	return 1;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	conch_init("mkrootfs");
	return 0;
}

/* The names opened: checked as they come, for an OCI layout. */
static void
opened(const char *name, void *arg)
{
	const bool *docker = arg;
	size_t i;

	if (*docker || strcmp(name, "index.json") == 0 ||
	    strcmp(name, "oci-layout") == 0 ||
	    strcmp(name, "manifest.json") == 0)
		return;
	if (strncmp(name, "blobs/sha256/", 13) != 0 ||
	    strlen(name) != 13 + DIGEST_HEX)
		fail("opened outside blobs/", name);
	for (i = 13; name[i]; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		    (name[i] >= 'a' && name[i] <= 'f')))
			fail("opened a name that is no digest", name);
}

/* The documents of DATA, as the layout's files. */
static void
make_source(struct source *s, const char *data, size_t size, bool *docker)
{
	const char *p = data, *end = data + size, *nul;
	struct digest d;
	char name[80];
	bool first = true;

	source_memory(s, "--image fuzz");
	source_add(s, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	*docker = size > 0 && data[0] == '[';
	while (p <= end) {
		nul = memchr(p, '\0', end - p);
		if (nul == NULL)
			nul = end;
		if (first) {
			source_add(s, *docker ? "manifest.json" : "index.json",
			    p, nul - p);
		} else {
			digest_of(p, nul - p, &d);
			snprintf(name, sizeof(name), "blobs/sha256/%s", d.hex);
			source_add(s, name, p, nul - p);
		}
		first = false;
		p = nul + 1;
	}
	s->opened = opened;
	s->opened_arg = docker;
}

/* What a chosen OCI image must be. */
static void
check_choice(struct image *im, const char *tag)
{
	const struct descriptor *m = &im->choice.manifest;
	char *buf, path[128];
	struct digest d;
	size_t len;

	if (m->has_platform && (strcmp(m->platform.os, "linux") != 0 ||
	    strcmp(m->platform.arch, "amd64") != 0))
		fail("chose another platform", m->platform.arch);
	if (tag != NULL && strcmp(im->choice.ref, tag) != 0)
		fail("chose an image the tag does not name", im->choice.ref);
	blob_path(&m->digest, path);
	buf = source_read(&im->source, path, 1 << 24, NULL, SIZE_UNKNOWN,
	    &len);
	digest_of(buf, len, &d);
	if (!digest_equal(&d, &m->digest))
		fail("chose a manifest its digest does not name", path);
	free(buf);
}

static void
try_one(const char *data, size_t size, const char *tag)
{
	static const struct platform here = { "linux", "amd64", "" };
	struct image im = { .tag = tag };
	bool docker;
	FILE *null;

	make_source(&im.source, data, size, &docker);
	if (FUZZ_TRY(image_load(&im, &here)) == 0) {
		if (!im.choice.docker)
			check_choice(&im, tag);
		null = fopen("/dev/null", "we");
		if (null != NULL) {
			FUZZ_TRY(print_config(&im, NULL, null));
			fclose(null);
		}
	}
	json_decref(im.config);
	json_decref(im.choice.entry);
	free(im.layers);
	source_close(&im.source);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	try_one(copy, size, NULL);
	try_one(copy, size, "v1");
	free(copy);
	return 0;
}
