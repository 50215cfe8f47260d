/*
 * image.h: container images for --image, as the tools that write them
 * mean them: OCI image layouts (a directory, or a tar of one: skopeo,
 * umoci, buildah, podman save --format oci-archive) and docker save
 * archives. source.c reads the files of the image wherever they are,
 * index.c chooses the image (the manifest for this machine, by tag),
 * image.c checks and applies its layers, config.c reads and prints its
 * config.
 */
#ifndef IMAGE_H
#define IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "digest.h"

/* ---- source.c: the files of an image ---- */

/* A file of an archive (or of memory): where its bytes are. */
struct srcfile {
	char *name;		/* its path in the archive, cleaned */
	char type;		/* '0' a file, '1' a hard link, '2' a symlink */
	char *link;		/* the link's target, or NULL */
	uint64_t off, size;
	const unsigned char *mem;	/* a memory source's bytes, or NULL */
};

struct source {
	const char *name;	/* SRC, for messages */
	int dirfd;		/* a directory, or -1 */
	int fd;			/* an archive, or -1 */
	struct srcfile *files;	/* the archive's (or memory's) files */
	size_t nfiles, capfiles;
	/* Called with every name opened: the fuzz harness's oracle. */
	void (*opened)(const char *name, void *arg);
	void *opened_arg;
};

/* A file of the image: SIZE bytes of FD from OFF, or at MEM. */
struct blob {
	int fd;			/* owned when OWNED */
	bool owned;
	uint64_t off, size;
	const unsigned char *mem;
};

void source_open(struct source *s, const char *path, int fd);
void source_memory(struct source *s, const char *name);
void source_add(struct source *s, const char *name, const void *data,
    size_t size);
void source_close(struct source *s);
int source_find(struct source *s, const char *name, struct blob *b);
void blob_close(struct blob *b);
/*
 * NAME's bytes (at most MAX), checked against the digest D unless it is
 * NULL, and against SIZE unless it is SIZE_UNKNOWN.
 */
#define SIZE_UNKNOWN UINT64_MAX
char *source_read(struct source *s, const char *name, size_t max,
    const struct digest *d, uint64_t size, size_t *len);
/* NAME as JSON, checked against D when not NULL; a message if not. */
json_t *source_json(struct source *s, const char *name,
    const struct digest *d, uint64_t size);
void blob_path(const struct digest *d, char *path);

/* ---- index.c: which image ---- */

/* The platform an image is for, as Go names it (GOOS, GOARCH). */
struct platform {
	char os[32], arch[32], variant[32];
};
void platform_here(struct platform *p);

/* A content descriptor: a typed, sized pointer to a blob. */
struct descriptor {
	char media[128];
	struct digest digest;
	uint64_t size;
	char ref[256];		/* org.opencontainers.image.ref.name, or "" */
	bool has_platform;
	struct platform platform;
};

/* What the choice gives: the manifest (OCI), or the entry (docker). */
struct choice {
	bool docker;		/* a docker save archive */
	struct descriptor manifest;	/* OCI: the image manifest */
	char ref[256];		/* the tag that chose it, or "" */
	json_t *entry;		/* docker: its manifest.json entry */
};
void choose_image(struct source *s, const char *tag,
    const struct platform *here, struct choice *c);
bool descriptor_parse(json_t *j, struct descriptor *d, char *why,
    size_t size);

/* ---- image.c: the chosen image's config and layers ---- */

struct imglayer {
	char path[128];		/* in the source */
	char media[128];	/* or "" (docker) */
	bool has_digest;	/* of the blob as stored (OCI) */
	struct digest digest;
	uint64_t size;
	struct digest diffid;	/* of its tar stream (the config's) */
};

struct image {
	const char *arg;	/* SRC[:TAG], as given */
	char src[4096];		/* SRC */
	const char *tag;	/* TAG (in arg), or NULL */
	struct source source;
	struct choice choice;
	json_t *config;		/* the config blob */
	struct imglayer *layers;
	size_t nlayers;
};

void image_open(struct image *im, const char *arg,
    const struct platform *here);
void image_load(struct image *im, const struct platform *here);
struct root;
void image_unpack(struct image *im, struct root *r);
void image_close(struct image *im);

/* ---- config.c: the image's config, for --print-config ---- */

void config_layers(struct image *im);
void print_config(const struct image *im, const char *field, FILE *out);
bool config_field(const char *field);

#endif
