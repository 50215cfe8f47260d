/*
 * image.c: --image SRC[:TAG]. Before DIR is touched, the image is chosen
 * (index.c), its manifest and config read and checked against their
 * digests, and every layer found with its size: a broken or ambiguous
 * image costs nothing to undo. Then the layers are applied in order,
 * each as a layer over the ones below (unpack.c, whiteout.c), through
 * the confined writer (root.c). A layer's bytes are hashed as they are
 * read, and checked at its end: the blob against the manifest's digest,
 * the tar stream against the config's diff_id. A layer that does not
 * match fails the run, which then removes what it made.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conch.h"
#include "image.h"
#include "mkrootfs.h"
#include "tarread.h"

static const char *const layer_types[] = {
	"application/vnd.oci.image.layer.v1.tar",
	"application/vnd.oci.image.layer.v1.tar+gzip",
	"application/vnd.oci.image.layer.v1.tar+zstd",
	"application/vnd.oci.image.layer.nondistributable.v1.tar",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	"application/vnd.docker.image.rootfs.diff.tar",
	"application/vnd.docker.image.rootfs.diff.tar.gzip",
	"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
};
static const char *const config_types[] = {
	"application/vnd.oci.image.config.v1+json",
	"application/vnd.docker.container.image.v1+json",
};

static bool
known(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/*
 * SRC[:TAG]: the whole of ARG when it exists, else the first prefix
 * before a colon that does (a tag may hold colons and slashes:
 * docker.io/library/busybox:latest).
 */
static void
split_arg(struct image *im, const char *arg)
{
	const char *c;
	struct stat st;

	im->tag = NULL;
	snprintf(im->src, sizeof(im->src), "%s", arg);
	if (*arg == '\0')
		die("--image: empty name");
	if (stat(arg, &st) == 0)
		return;
	for (c = strchr(arg, ':'); c != NULL; c = strchr(c + 1, ':')) {
		snprintf(im->src, sizeof(im->src), "%.*s", (int)(c - arg),
		    arg);
		if (c[1] != '\0' && stat(im->src, &st) == 0) {
			im->tag = c + 1;
			return;
		}
	}
	die_sys("--image %s", arg);
}

static void
add_layer(struct image *im, const struct imglayer *l)
{
	im->layers = xrealloc(im->layers, (im->nlayers + 1) *
	    sizeof(*im->layers));
	im->layers[im->nlayers++] = *l;
}

/* An OCI manifest: its config and layers, by digest. */
static void
oci_image(struct image *im)
{
	struct source *s = &im->source;
	struct descriptor cfg, d, *m = &im->choice.manifest;
	struct imglayer l;
	char path[128], why[160];
	json_t *j, *layers;
	size_t i;

	blob_path(&m->digest, path);
	j = source_json(s, path, &m->digest, m->size);
	if (!descriptor_parse(json_object_get(j, "config"), &cfg, why,
	    sizeof(why)))
		die("%s: %s: config: %s", s->name, path, why);
	if (!known(cfg.media, config_types, LEN(config_types)))
		die("%s: %s: config of type %s: not an image", s->name, path,
		    cfg.media);
	layers = json_object_get(j, "layers");
	if (!json_is_array(layers))
		die("%s: %s: no layers", s->name, path);
	for (i = 0; i < json_array_size(layers); i++) {
		memset(&l, 0, sizeof(l));
		if (!descriptor_parse(json_array_get(layers, i), &d, why,
		    sizeof(why)))
			die("%s: %s: layer %zu: %s", s->name, path, i + 1,
			    why);
		if (!known(d.media, layer_types, LEN(layer_types)))
			die("%s: layer %zu: media type %s: not a layer "
			    "mkrootfs can unpack", s->name, i + 1, d.media);
		blob_path(&d.digest, l.path);
		snprintf(l.media, sizeof(l.media), "%s", d.media);
		l.has_digest = true;
		l.digest = d.digest;
		l.size = d.size;
		add_layer(im, &l);
	}
	json_decref(j);
	blob_path(&cfg.digest, path);
	im->config = source_json(s, path, &cfg.digest, cfg.size);
}

/* A docker save entry's file name FIELD, as a string of the entry. */
static const char *
docker_name(struct image *im, json_t *v, const char *field)
{
	const char *name = json_string_value(v);

	if (name == NULL || strlen(name) >= sizeof(im->layers->path) ||
	    strlen(name) != json_string_length(v))
		die("%s: manifest.json: %s is not a file name",
		    im->source.name, field);
	return name;
}

/*
 * A docker save entry: its config, named by its digest (HEX.json,
 * blobs/sha256/HEX), and its layers, which the config's diff_ids check.
 */
static void
docker_image(struct image *im)
{
	json_t *e = im->choice.entry, *layers;
	const char *config, *base;
	char text[DIGEST_TEXT + 8];
	struct digest d;
	struct imglayer l;
	size_t i;

	config = docker_name(im, json_object_get(e, "Config"), "Config");
	base = strrchr(config, '/') ? strrchr(config, '/') + 1 : config;
	snprintf(text, sizeof(text), "sha256:%.*s", DIGEST_HEX, base);
	if (!digest_parse(text, &d) || (base[DIGEST_HEX] != '\0' &&
	    strcmp(base + DIGEST_HEX, ".json") != 0))
		die("%s: config %s is not named by its digest",
		    im->source.name, config);
	im->config = source_json(&im->source, config, &d, SIZE_UNKNOWN);
	layers = json_object_get(e, "Layers");
	if (!json_is_array(layers))
		die("%s: manifest.json: no Layers", im->source.name);
	for (i = 0; i < json_array_size(layers); i++) {
		memset(&l, 0, sizeof(l));
		snprintf(l.path, sizeof(l.path), "%s",
		    docker_name(im, json_array_get(layers, i), "a layer"));
		add_layer(im, &l);
	}
}

/* Every layer is there, of the size its descriptor says. */
static void
check_layers(struct image *im)
{
	struct blob b;
	size_t i;

	for (i = 0; i < im->nlayers; i++) {
		const struct imglayer *l = &im->layers[i];

		if (source_find(&im->source, l->path, &b) == -1)
			die_err(ENOENT, NULL, "%s: %s", im->source.name,
			    l->path);
		if (l->has_digest && b.size != l->size)
			die("%s: %s: %llu bytes, where its descriptor says "
			    "%llu", im->source.name, l->path,
			    (unsigned long long)b.size,
			    (unsigned long long)l->size);
		blob_close(&b);
	}
}

void
image_open(struct image *im, const char *arg, const struct platform *here)
{
	static char what[sizeof(im->src) + 16];
	int fd;

	im->arg = arg;
	split_arg(im, arg);
	snprintf(what, sizeof(what), "--image %s", im->src);
	fd = open(im->src, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		die_sys("%s", what);
	source_open(&im->source, what, fd);
	image_load(im, here);
}

/*
 * The image of im->source (open, im->tag set): chosen, its manifest and
 * config read and checked, its layers found.
 */
void
image_load(struct image *im, const struct platform *here)
{
	choose_image(&im->source, im->tag, here, &im->choice);
	if (im->choice.docker)
		docker_image(im);
	else
		oci_image(im);
	config_layers(im);
	check_layers(im);
	trace("%s: %s%s%s, %zu layers", im->source.name, im->choice.docker ?
	    "docker save archive" : "OCI image", im->choice.ref[0] ?
	    " tagged " : "", im->choice.ref, im->nlayers);
}

/* Layer I applied, hashed as read, checked at its end. */
static void
apply_layer(struct image *im, size_t i, struct root *r)
{
	static struct tar t;	/* static: its buffers */
	const struct imglayer *l = &im->layers[i];
	struct hasher raw, tarh;
	struct digest got;
	char what[sizeof(im->src) + 32];
	struct blob b;

	snprintf(what, sizeof(what), "%s: layer %zu", im->source.name,
	    i + 1);
	trace("%s: %s", what, l->path);
	if (source_find(&im->source, l->path, &b) == -1)
		die_err(ENOENT, NULL, "%s: %s", im->source.name, l->path);
	hasher_init(&raw);
	hasher_init(&tarh);
	tar_open_blob(&t, what, &(struct window){ b.fd, b.off, b.size,
	    b.mem }, l->has_digest ? &raw : NULL, &tarh);
	unpack_members(r, &t, true);
	tar_close(&t);
	blob_close(&b);
	if (l->has_digest) {
		hasher_final(&raw, &got);
		if (!digest_equal(&got, &l->digest))
			die("%s: %s: the content does not match its digest",
			    im->source.name, l->path);
	}
	hasher_final(&tarh, &got);
	if (!digest_equal(&got, &l->diffid))
		die("%s: %s: the unpacked layer does not match the config's "
		    "diff_id", im->source.name, l->path);
}

void
image_unpack(struct image *im, struct root *r)
{
	size_t i;

	for (i = 0; i < im->nlayers; i++) {
		interrupt_check();
		apply_layer(im, i, r);
	}
}

void
image_close(struct image *im)
{
	source_close(&im->source);
	json_decref(im->config);
	json_decref(im->choice.entry);
	free(im->layers);
	im->layers = NULL;
	im->nlayers = 0;
}
