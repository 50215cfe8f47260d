/*
 * mkrootfs's image reader (cmd/mkrootfs/index.c, source.c, image.c,
 * config.c, digest.c) on layouts made in memory: SHA-256 against known
 * vectors, the choice of the image (tags, nested indexes, platforms,
 * what is refused, with the exact message), docker save's RepoTags, the
 * checks of digests and sizes on every blob read, and the config's
 * fields as --print-config prints them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conch.h"
#include "mkrootfs/image.h"
#include "unit.h"

/* ---- a layout in memory ---- */

struct layout {
	struct source s;
	char texts[16][2048];	/* the blobs' bytes */
	int n;
};

static struct layout L;

static void
start(void)
{
	conch_init("mkrootfs");
	memset(&L, 0, sizeof(L));
	source_memory(&L.s, "--image mem");
}

/* TEXT as a file NAME of the layout. */
static void
add(const char *name, const char *text)
{
	snprintf(L.texts[L.n], sizeof(L.texts[L.n]), "%s", text);
	source_add(&L.s, name, L.texts[L.n], strlen(L.texts[L.n]));
	L.n++;
}

/*
 * TEXT as a blob: its descriptor (of MEDIA, with EXTRA fields) into
 * DESC, its digest's hex into HEX.
 */
static void
add_blob(const char *media, const char *text, const char *extra, char *desc,
    char *hex)
{
	struct digest d;
	char name[128];

	digest_of(text, strlen(text), &d);
	snprintf(name, sizeof(name), "blobs/sha256/%s", d.hex);
	add(name, text);
	sprintf(desc, "{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\","
	    "\"size\":%zu%s%s}", media, d.hex, strlen(text),
	    extra[0] ? "," : "", extra);
	if (hex != NULL)
		strcpy(hex, d.hex);
}

#define MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define INDEX "application/vnd.oci.image.index.v1+json"
#define CONFIG "application/vnd.oci.image.config.v1+json"
#define AMD64 "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}"
#define ARM64 "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}"
#define TAG(t) "\"annotations\":{\"org.opencontainers.image.ref.name\":\"" \
	t "\"}"

/* A manifest (with a config of CMD) as a blob; its descriptor. */
static void
add_manifest(const char *cmd, const char *extra, char *desc, char *hex)
{
	char config[512], cdesc[300], man[600];

	snprintf(config, sizeof(config), "{\"architecture\":\"amd64\","
	    "\"os\":\"linux\",\"config\":{\"Cmd\":[\"%s\"]},\"rootfs\":"
	    "{\"type\":\"layers\",\"diff_ids\":[]}}", cmd);
	add_blob(CONFIG, config, "", cdesc, NULL);
	snprintf(man, sizeof(man), "{\"schemaVersion\":2,\"config\":%s,"
	    "\"layers\":[]}", cdesc);
	add_blob(MANIFEST, man, extra, desc, hex);
}

static void
add_index(const char *manifests)
{
	char idx[2048];

	add("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
	snprintf(idx, sizeof(idx), "{\"schemaVersion\":2,\"manifests\":[%s]}",
	    manifests);
	add("index.json", idx);
}

static const struct platform amd64 = { "linux", "amd64", "" };
static const struct platform arm64 = { "linux", "arm64", "" };

/* The image TAG (or the only one) for HERE: its argv, as printed. */
static const char *
chosen_cmd(const char *tag, const struct platform *here)
{
	static char out[300];
	struct image im = { .tag = tag };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	im.source = L.s;
	choose_image(&im.source, tag, here, &im.choice);
	if (im.choice.docker) {
		snprintf(out, sizeof(out), "docker %s", im.choice.ref);
		return out;
	}
	json_decref(im.choice.entry);
	image_load(&im, here);
	if ((f = open_memstream(&buf, &len)) == NULL)
		return "open_memstream failed";
	print_config(&im, "argv", f);
	fclose(f);
	snprintf(out, sizeof(out), "%.*s", (int)strcspn(buf, "\n"), buf);
	free(buf);
	return out;
}

/* ---- digests ---- */

static void
test_sha256(void)
{
	struct digest d, p;

	digest_of("abc", 3, &d);
	CHECK_STR(d.hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb"
	    "410ff61f20015ad");
	CHECK(digest_parse("sha256:ba7816bf8f01cfea414140de5dae2223b00361a3"
	    "96177a9cb410ff61f20015ad", &p));
	CHECK(digest_equal(&d, &p));
	CHECK(!digest_parse("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A3"
	    "96177A9CB410FF61F20015AD", &p));
	CHECK(!digest_parse("sha256:ba78", &p));
	CHECK(!digest_parse("sha512:ba7816bf8f01cfea414140de5dae2223b00361a3"
	    "96177a9cb410ff61f20015ad", &p));
	CHECK(!digest_parse("sha256:../../../../etc/passwd/../../../../../"
	    "../../../../../x", &p));
}

/* ---- choosing ---- */

static void
test_single_manifest(void)
{
	char d[400];

	start();
	add_manifest("one", "", d, NULL);
	add_index(d);
	CHECK_STR(chosen_cmd(NULL, &amd64), "'one'");
	CHECK_STR(chosen_cmd(NULL, &arm64), "'one'");
}

static void
test_tags(void)
{
	char a[400], b[400], all[900];

	start();
	add_manifest("a", TAG("v1"), a, NULL);
	add_manifest("b", TAG("docker.io/x/y:v2"), b, NULL);
	snprintf(all, sizeof(all), "%s,%s", a, b);
	add_index(all);
	CHECK_STR(chosen_cmd("v1", &amd64), "'a'");
	CHECK_STR(chosen_cmd("docker.io/x/y:v2", &amd64), "'b'");
}

static void
choose_none(void *arg)
{
	chosen_cmd(arg, &amd64);
}

static void
choose_s390x(void *arg)
{
	static const struct platform s390x = { "linux", "s390x", "" };

	chosen_cmd(arg, &s390x);
}

static void
test_tags_refused(void)
{
	char a[400], b[400], all[900], hex[65], want[300];

	start();
	add_manifest("a", TAG("v1"), a, NULL);
	add_manifest("b", "", b, hex);
	snprintf(all, sizeof(all), "%s,%s", a, b);
	add_index(all);
	snprintf(want, sizeof(want), "mkrootfs: --image mem: 2 images and no "
	    "tag: add :TAG (it has: v1, sha256:%s)", hex);
	CHECK_DIES(choose_none, NULL, want);
	snprintf(want, sizeof(want), "mkrootfs: --image mem: no image tagged "
	    "'v2' (it has: v1, sha256:%s)", hex);
	CHECK_DIES(choose_none, "v2", want);
	/* An untagged one is named by its digest. */
	snprintf(want, sizeof(want), "sha256:%s", hex);
	CHECK_STR(chosen_cmd(want, &amd64), "'b'");
}

/* skopeo --all: index.json -> an index of one manifest per platform. */
static void
test_platforms(void)
{
	char a[400], r[400], att[400], all[1300], idx[1500], top[500];

	start();
	add_manifest("amd64", AMD64, a, NULL);
	add_manifest("arm64", ARM64, r, NULL);
	/* buildx's attestations are for no platform that runs. */
	add_manifest("attestation", "\"platform\":{\"os\":\"unknown\","
	    "\"architecture\":\"unknown\"}", att, NULL);
	snprintf(all, sizeof(all), "%s,%s,%s", r, att, a);
	snprintf(idx, sizeof(idx), "{\"schemaVersion\":2,\"manifests\":[%s]}",
	    all);
	add_blob(INDEX, idx, TAG("multi"), top, NULL);
	add_index(top);
	CHECK_STR(chosen_cmd(NULL, &amd64), "'amd64'");
	CHECK_STR(chosen_cmd("multi", &arm64), "'arm64'");
	CHECK_DIES(choose_s390x, NULL, "mkrootfs: --image mem: no image for "
	    "linux/s390x (it has: linux/arm64, unknown/unknown, linux/amd64)");
}

/* An index naming itself, or nested too deep, ends. */
static void
test_nested_too_deep(void)
{
	char d[500], idx[600];
	int i;

	start();
	add_manifest("deep", "", d, NULL);
	for (i = 0; i < 5; i++) {
		snprintf(idx, sizeof(idx), "{\"schemaVersion\":2,\"manifests\":"
		    "[%s]}", d);
		add_blob(INDEX, idx, "", d, NULL);
	}
	add_index(d);
	CHECK_DIES(choose_none, NULL, "mkrootfs: --image mem: indexes nested "
	    "more than 4 deep");
}

/* ---- what every blob read is checked against ---- */

static void
test_blob_checks(void)
{
	char d[400], hex[65], want[300], bad[500], *p;

	start();
	add_manifest("x", "", d, hex);
	/* The size the descriptor says, one more. */
	strcpy(bad, d);
	p = strstr(bad, "\"size\":");
	snprintf(p, sizeof(bad) - (p - bad), "\"size\":%ld}",
	    strtol(strstr(d, "\"size\":") + 7, NULL, 10) + 1);
	add_index(bad);
	snprintf(want, sizeof(want), "mkrootfs: --image mem: blobs/sha256/%s: "
	    "%ld bytes, where its descriptor says %ld", hex,
	    strtol(strstr(d, "\"size\":") + 7, NULL, 10),
	    strtol(strstr(d, "\"size\":") + 7, NULL, 10) + 1);
	CHECK_DIES(choose_none, NULL, want);

	/* A blob whose bytes are not the digest's. */
	start();
	add_manifest("x", "", d, hex);
	snprintf(want, sizeof(want), "blobs/sha256/%s", hex);
	L.texts[L.n - 1][20] ^= 1;	/* the manifest, the last added */
	add_index(d);
	snprintf(want, sizeof(want), "mkrootfs: --image mem: blobs/sha256/%s: "
	    "the content does not match its digest", hex);
	CHECK_DIES(choose_none, NULL, want);
}

static void
test_bad_descriptors(void)
{
	start();
	add_index("{\"mediaType\":\"" MANIFEST "\",\"digest\":\"sha512:ab\","
	    "\"size\":3}");
	CHECK_DIES(choose_none, NULL, "mkrootfs: --image mem: index.json: "
	    "manifest 1: digest 'sha512:ab': only sha256 digests are "
	    "supported");
	start();
	add_index("{\"mediaType\":\"" MANIFEST "\",\"digest\":\"sha256:../"
	    "x\",\"size\":3}");
	CHECK_DIES(choose_none, NULL, "mkrootfs: --image mem: index.json: "
	    "manifest 1: digest 'sha256:../x': not 64 hex digits");
	start();
	add_index("{\"mediaType\":\"" MANIFEST "\",\"size\":3}");
	CHECK_DIES(choose_none, NULL, "mkrootfs: --image mem: index.json: "
	    "manifest 1: a descriptor without mediaType, digest or size");
	start();
	add("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
	add("index.json", "{\"manifests\":[],\"manifests\":[]}");
	CHECK_DIES(choose_none, NULL, "mkrootfs: --image mem: index.json: bad "
	    "JSON: duplicate object key near '\"manifests\"' (line 1)");
}

/* ---- docker save ---- */

static void
test_docker_tags(void)
{
	start();
	add("manifest.json", "[{\"Config\":\"c.json\",\"RepoTags\":"
	    "[\"docker.io/library/busybox:latest\"],\"Layers\":[]},"
	    "{\"Config\":\"d.json\",\"RepoTags\":[\"quay.io/x/y:1\"],"
	    "\"Layers\":[]}]");
	CHECK_STR(chosen_cmd("busybox", &amd64), "docker busybox");
	CHECK_STR(chosen_cmd("busybox:latest", &amd64),
	    "docker busybox:latest");
	CHECK_STR(chosen_cmd("library/busybox", &amd64),
	    "docker library/busybox");
	CHECK_STR(chosen_cmd("quay.io/x/y:1", &amd64),
	    "docker quay.io/x/y:1");
	CHECK_DIES(choose_none, "busybox:1", "mkrootfs: --image mem: no image "
	    "tagged 'busybox:1' (it has: docker.io/library/busybox:latest, "
	    "quay.io/x/y:1)");
	CHECK_DIES(choose_none, NULL, "mkrootfs: --image mem: 2 images and no "
	    "tag: add :TAG (it has: docker.io/library/busybox:latest, "
	    "quay.io/x/y:1)");
}

static void
test_not_an_image(void)
{
	start();
	add("blobs/x", "");
	CHECK_DIES(choose_none, NULL, "mkrootfs: --image mem: neither an OCI "
	    "image layout (no index.json) nor a docker save archive (no "
	    "manifest.json)");
	start();
	add("oci-layout", "{\"imageLayoutVersion\":\"2.0.0\"}");
	add("index.json", "{\"manifests\":[]}");
	CHECK_DIES(choose_none, NULL, "mkrootfs: --image mem: oci-layout: not "
	    "version 1 of the OCI image layout");
}

static const struct unit_case cases[] = {
	UNIT_CASE(test_sha256),
	UNIT_CASE(test_single_manifest),
	UNIT_CASE(test_tags),
	UNIT_CASE(test_tags_refused),
	UNIT_CASE(test_platforms),
	UNIT_CASE(test_nested_too_deep),
	UNIT_CASE(test_blob_checks),
	UNIT_CASE(test_bad_descriptors),
	UNIT_CASE(test_docker_tags),
	UNIT_CASE(test_not_an_image),
};

UNIT_MAIN("image", cases)
