/*
 * index.c: which image of SRC to unpack. An OCI layout's index.json
 * lists images (manifests, or indexes of them: one per platform, nested
 * as deep as skopeo --all and buildx write them); a docker save
 * archive's manifest.json lists images with their RepoTags.
 *   - A tag, when given, chooses among the top entries: the OCI
 *     org.opencontainers.image.ref.name annotation, or a RepoTag
 *     ("busybox" finds docker.io/library/busybox:latest); a digest
 *     (sha256:HEX) chooses an untagged OCI entry.
 *   - An index is resolved to the manifest for this machine's platform
 *     (GOOS/GOARCH, as Go and the OCI spec name them); an entry for
 *     another platform is passed over, one without a platform taken.
 *   - One image left is the one; none or several is an error that lists
 *     what there is.
 * Every blob read on the way is checked against its descriptor's digest
 * and size (source.c), and blobs are named by their digest only: a path
 * read is always "blobs/sha256/" and 64 hex digits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "conch.h"
#include "image.h"
#include "mkrootfs.h"

#define INDEX_DEPTH 4	/* indexes within indexes */

static const char *const index_types[] = {
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
};
static const char *const manifest_types[] = {
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json",
};

static bool
one_of(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

void
platform_here(struct platform *p)
{
	static const char *const map[][3] = {
		{ "x86_64", "amd64", "" }, { "aarch64", "arm64", "" },
		{ "armv7l", "arm", "v7" }, { "armv6l", "arm", "v6" },
		{ "i686", "386", "" }, { "i586", "386", "" },
		{ "i486", "386", "" }, { "i386", "386", "" },
		{ "ppc64le", "ppc64le", "" }, { "s390x", "s390x", "" },
		{ "riscv64", "riscv64", "" }, { "loongarch64", "loong64", "" },
	};
	struct utsname u;
	size_t i;

	if (uname(&u) == -1)
		die_sys("uname");
	snprintf(p->os, sizeof(p->os), "linux");
	snprintf(p->arch, sizeof(p->arch), "%.31s", u.machine);
	p->variant[0] = '\0';
	for (i = 0; i < LEN(map); i++)
		if (strcmp(u.machine, map[i][0]) == 0) {
			snprintf(p->arch, sizeof(p->arch), "%s", map[i][1]);
			snprintf(p->variant, sizeof(p->variant), "%s",
			    map[i][2]);
		}
}

/* A string member KEY of the object J into BUF; false if not a string. */
static bool
get_string(json_t *j, const char *key, char *buf, size_t size, bool need)
{
	json_t *v = json_object_get(j, key);

	if (v == NULL && !need) {
		buf[0] = '\0';
		return true;
	}
	if (!json_is_string(v) || json_string_length(v) >= size ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return false;
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
	return true;
}

static bool
parse_platform(json_t *j, struct platform *p)
{
	return json_is_object(j) &&
	    get_string(j, "os", p->os, sizeof(p->os), true) &&
	    get_string(j, "architecture", p->arch, sizeof(p->arch), true) &&
	    get_string(j, "variant", p->variant, sizeof(p->variant), false);
}

/* A descriptor; false, with WHY, when it is not one. */
bool
descriptor_parse(json_t *j, struct descriptor *d, char *why, size_t size)
{
	char text[DIGEST_TEXT + 64];
	json_t *v, *ann;

	memset(d, 0, sizeof(*d));
	if (!json_is_object(j) ||
	    !get_string(j, "mediaType", d->media, sizeof(d->media), true) ||
	    !get_string(j, "digest", text, sizeof(text), true) ||
	    !json_is_integer(v = json_object_get(j, "size")) ||
	    json_integer_value(v) < 0) {
		snprintf(why, size, "a descriptor without mediaType, digest "
		    "or size");
		return false;
	}
	d->size = json_integer_value(v);
	if (!digest_parse(text, &d->digest)) {
		snprintf(why, size, "digest '%.80s': %s", text,
		    strncmp(text, "sha256:", 7) == 0 ? "not 64 hex digits" :
		    "only sha256 digests are supported");
		return false;
	}
	ann = json_object_get(j, "annotations");
	if (ann != NULL && (!json_is_object(ann) || !get_string(ann,
	    "org.opencontainers.image.ref.name", d->ref, sizeof(d->ref),
	    false))) {
		snprintf(why, size, "bad annotations");
		return false;
	}
	v = json_object_get(j, "platform");
	d->has_platform = v != NULL;
	if (v != NULL && !parse_platform(v, &d->platform)) {
		snprintf(why, size, "a bad platform");
		return false;
	}
	return true;
}

static bool
platform_match(const struct descriptor *d, const struct platform *here)
{
	return !d->has_platform ||
	    (strcmp(d->platform.os, here->os) == 0 &&
	    strcmp(d->platform.arch, here->arch) == 0);
}

/* What was found: the manifests for here, the platforms seen. */
struct found {
	struct source *s;
	const struct platform *here;
	struct descriptor *v;
	size_t n, cap;
	char seen[512];		/* "linux/arm64, ..." for messages */
};

static void
saw_platform(struct found *f, const struct descriptor *d)
{
	char p[100];
	size_t len = strlen(f->seen);

	if (!d->has_platform)
		return;
	snprintf(p, sizeof(p), "%s/%s%s%s", d->platform.os,
	    d->platform.arch, d->platform.variant[0] ? "/" : "",
	    d->platform.variant);
	if (strstr(f->seen, p) == NULL && len + strlen(p) + 3 <
	    sizeof(f->seen))
		snprintf(f->seen + len, sizeof(f->seen) - len, "%s%s",
		    len ? ", " : "", p);
}

static void resolve(struct found *f, const struct descriptor *d,
    int depth);

/* The index D: its manifests for here, resolved. */
static void
resolve_index(struct found *f, const struct descriptor *d, int depth)
{
	struct descriptor e;
	char path[128], why[160];
	json_t *j, *list;
	size_t i;

	if (depth >= INDEX_DEPTH)
		die("%s: indexes nested more than %d deep", f->s->name,
		    INDEX_DEPTH);
	blob_path(&d->digest, path);
	j = source_json(f->s, path, &d->digest, d->size);
	list = json_object_get(j, "manifests");
	if (!json_is_array(list))
		die("%s: %s: an index without manifests", f->s->name, path);
	for (i = 0; i < json_array_size(list); i++) {
		if (!descriptor_parse(json_array_get(list, i), &e, why,
		    sizeof(why)))
			die("%s: %s: manifest %zu: %s", f->s->name, path,
			    i + 1, why);
		resolve(f, &e, depth + 1);
	}
	json_decref(j);
}

/* D, a manifest or an index, into the manifests found for here. */
static void
resolve(struct found *f, const struct descriptor *d, int depth)
{
	saw_platform(f, d);
	if (one_of(d->media, index_types, LEN(index_types))) {
		resolve_index(f, d, depth);
	} else if (one_of(d->media, manifest_types, LEN(manifest_types))) {
		if (!platform_match(d, f->here))
			return;
		f->v = grow(f->v, f->n, &f->cap, sizeof(*f->v));
		f->v[f->n++] = *d;
	} else {
		trace("%s: passing over %s %s", f->s->name, d->media,
		    d->digest.hex);
	}
}

/*
 * Of the manifests an entry gave, the best for here: the variant asked
 * (v7 of arm), or none given; else the first.
 */
static size_t
best(const struct found *f, size_t from)
{
	size_t i;

	for (i = from; i < f->n; i++)
		if (!f->v[i].has_platform ||
		    strcmp(f->v[i].platform.variant, f->here->variant) == 0)
			return i;
	return from;
}

/* Add NAME to the list LIST of names, for messages. */
static void
list_name(char *list, size_t size, const char *name)
{
	size_t len = strlen(list);

	if (len + strlen(name) + 8 >= size) {
		if (strstr(list, ", ...") == NULL && len + 6 < size)
			strcat(list, ", ...");
		return;
	}
	snprintf(list + len, size - len, "%s%s", len ? ", " : "", name);
}

static bool
oci_tag_match(const struct descriptor *d, const char *tag)
{
	char text[DIGEST_TEXT];

	snprintf(text, sizeof(text), "sha256:%s", d->digest.hex);
	return strcmp(d->ref, tag) == 0 || strcmp(text, tag) == 0;
}

/* The top entries of index.json, those TAG names when given, in E. */
static size_t
oci_entries(struct source *s, json_t *idx, const char *tag,
    struct descriptor **e, char *names, size_t size)
{
	char why[160], text[DIGEST_TEXT];
	json_t *list = json_object_get(idx, "manifests");
	struct descriptor d;
	size_t i, n = 0;

	if (!json_is_array(list))
		die("%s: index.json: no manifests", s->name);
	*e = xrealloc(NULL, (json_array_size(list) + 1) * sizeof(**e));
	for (i = 0; i < json_array_size(list); i++) {
		if (!descriptor_parse(json_array_get(list, i), &d, why,
		    sizeof(why)))
			die("%s: index.json: manifest %zu: %s", s->name,
			    i + 1, why);
		snprintf(text, sizeof(text), "sha256:%s", d.digest.hex);
		list_name(names, size, d.ref[0] ? d.ref : text);
		if (tag == NULL || oci_tag_match(&d, tag))
			(*e)[n++] = d;
	}
	return n;
}

/* Refuse an OCI choice of none or several images. */
static void
oci_refuse(const struct found *f, const char *tag, size_t images,
    const char *names)
{
	if (images > 1 && tag != NULL)
		die("%s: %zu images tagged '%s'", f->s->name, images, tag);
	if (images > 1)
		die("%s: %zu images and no tag: add :TAG (it has: %s)",
		    f->s->name, images, names);
	if (f->seen[0] != '\0')
		die("%s: no image for %s/%s (it has: %s)", f->s->name,
		    f->here->os, f->here->arch, f->seen);
	die("%s: no image for %s/%s", f->s->name, f->here->os,
	    f->here->arch);
}

/* The OCI layout's image: TAG's, or the only one, for here. */
static void
oci_choose(struct source *s, const char *tag, const struct platform *here,
    struct choice *c)
{
	struct found f = { .s = s, .here = here };
	struct descriptor *e;
	char names[400] = "";
	size_t n, i, j, k, before, *picks, images = 0;
	json_t *idx;

	idx = source_json(s, "index.json", NULL, 0);
	n = oci_entries(s, idx, tag, &e, names, sizeof(names));
	if (tag != NULL && n == 0)
		die("%s: no image tagged '%s' (%s%s)", s->name, tag,
		    names[0] ? "it has: " : "it has none", names);
	picks = xrealloc(NULL, (n + 1) * sizeof(*picks));
	for (i = 0; i < n; i++) {
		before = f.n;
		resolve(&f, &e[i], 0);
		if (f.n == before)
			continue;
		k = best(&f, before);
		for (j = 0; j < images && !digest_equal(&f.v[picks[j]].digest,
		    &f.v[k].digest); j++)
			;
		if (j == images)
			picks[images++] = k;
		if (c->ref[0] == '\0')
			snprintf(c->ref, sizeof(c->ref), "%s", e[i].ref);
	}
	if (images != 1)
		oci_refuse(&f, tag, images, names);
	c->manifest = f.v[picks[0]];
	free(picks);
	free(f.v);
	free(e);
	json_decref(idx);
}

/* Does the docker RepoTag REPO answer to TAG (busybox, busybox:1)? */
static bool
docker_tag_match(const char *repo, const char *tag)
{
	static const char *const prefixes[] = { "", "docker.io/library/",
	    "docker.io/" };
	const char *slash = strrchr(tag, '/');
	bool latest = strchr(slash ? slash : tag, ':') == NULL;
	char want[600];
	size_t i;

	for (i = 0; i < LEN(prefixes); i++) {
		snprintf(want, sizeof(want), "%s%s%s", prefixes[i], tag,
		    latest ? ":latest" : "");
		if (strcmp(repo, want) == 0)
			return true;
		snprintf(want, sizeof(want), "%s%s", prefixes[i], tag);
		if (strcmp(repo, want) == 0)
			return true;
	}
	return false;
}

/* The docker entry E: does TAG name it? Its tags join NAMES. */
static bool
docker_entry_tagged(json_t *e, const char *tag, char *names, size_t size)
{
	json_t *tags = json_object_get(e, "RepoTags");
	bool match = false;
	size_t i;

	for (i = 0; i < json_array_size(tags); i++) {
		const char *t = json_string_value(json_array_get(tags, i));

		if (t == NULL)
			continue;
		list_name(names, size, t);
		if (tag != NULL && docker_tag_match(t, tag))
			match = true;
	}
	return match;
}

/* The docker save archive's image: TAG's, or the only one. */
static void
docker_choose(struct source *s, const char *tag, struct choice *c)
{
	char names[400] = "";
	json_t *mf, *e, *pick = NULL;
	size_t i, n = 0;

	mf = source_json(s, "manifest.json", NULL, 0);
	if (!json_is_array(mf) || json_array_size(mf) == 0)
		die("%s: manifest.json: not a list of images", s->name);
	for (i = 0; i < json_array_size(mf); i++) {
		e = json_array_get(mf, i);
		if (!json_is_object(e))
			die("%s: manifest.json: image %zu: not an object",
			    s->name, i + 1);
		if (docker_entry_tagged(e, tag, names, sizeof(names)) ||
		    tag == NULL) {
			pick = e;
			n++;
		}
	}
	if (tag != NULL && n == 0)
		die("%s: no image tagged '%s' (%s%s)", s->name, tag,
		    names[0] ? "it has: " : "it has none", names);
	if (n > 1)
		die("%s: %zu images and no tag: add :TAG (it has: %s)",
		    s->name, n, names);
	c->docker = true;
	c->entry = json_incref(pick);
	snprintf(c->ref, sizeof(c->ref), "%s", tag ? tag : "");
	json_decref(mf);
}

/* The oci-layout file says which version of the layout this is. */
static void
check_layout(struct source *s)
{
	char v[32];
	json_t *j = source_json(s, "oci-layout", NULL, 0);

	if (!get_string(j, "imageLayoutVersion", v, sizeof(v), true) ||
	    strncmp(v, "1.", 2) != 0)
		die("%s: oci-layout: not version 1 of the OCI image layout",
		    s->name);
	json_decref(j);
}

void
choose_image(struct source *s, const char *tag, const struct platform *here,
    struct choice *c)
{
	struct blob b;

	memset(c, 0, sizeof(*c));
	if (source_find(s, "manifest.json", &b) == 0) {
		blob_close(&b);
		docker_choose(s, tag, c);
		return;
	}
	if (source_find(s, "index.json", &b) == -1)
		die("%s: neither an OCI image layout (no index.json) nor a "
		    "docker save archive (no manifest.json)", s->name);
	blob_close(&b);
	check_layout(s);
	oci_choose(s, tag, here, c);
}
