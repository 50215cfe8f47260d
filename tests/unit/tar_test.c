/*
 * mkrootfs's tar reader (cmd/mkrootfs/tar.c, decompress.c) through its
 * own interface: archives written block by block here (ustar, pax, GNU
 * long names and links, base-256 numbers), read from memory, a file, a
 * pipe and gzip; what it refuses, with the exact message; and an archive
 * cut at every length.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conch.h"
#include "mkrootfs/tarread.h"
#include "unit.h"

/* An archive being written. */
struct archive {
	unsigned char b[1 << 16];
	size_t n;
};

/* A header's fields; what is 0 or NULL is left empty. */
struct hdr {
	const char *name, *link, *prefix;
	char type;
	unsigned int mode;
	uint64_t uid, gid, size, mtime;
	unsigned int major, minor;
	bool base256_uid;
};

static void
octal(unsigned char *f, size_t len, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%0*llo", (int)len - 1,
	    (unsigned long long)v);
	memcpy(f, buf, len - 1);
}

static void
checksum(unsigned char *h)
{
	unsigned int sum = 0;
	char buf[8];
	int i;

	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf(buf, sizeof(buf), "%06o", sum);
	memcpy(h + 148, buf, 7);
}

/* A header block; returns it, so that a test can damage it. */
static unsigned char *
put_header(struct archive *a, const struct hdr *f)
{
	unsigned char *h = a->b + a->n;
	int i;

	memset(h, 0, 512);
	memcpy(h, f->name, strnlen(f->name, 100));
	octal(h + 100, 8, f->mode ? f->mode : 0644);
	octal(h + 108, 8, f->uid);
	octal(h + 116, 8, f->gid);
	octal(h + 124, 12, f->size);
	octal(h + 136, 12, f->mtime);
	h[156] = f->type;
	if (f->link)
		memcpy(h + 157, f->link, strnlen(f->link, 100));
	memcpy(h + 257, "ustar\0" "00", 8);
	octal(h + 329, 8, f->major);
	octal(h + 337, 8, f->minor);
	if (f->prefix)
		memcpy(h + 345, f->prefix, strnlen(f->prefix, 155));
	if (f->base256_uid) {	/* GNU: 0x80, then big-endian bytes */
		memset(h + 108, 0, 8);
		h[108] = 0x80;
		for (i = 0; i < 7; i++)
			h[115 - i] = f->uid >> (8 * i);
	}
	checksum(h);
	a->n += 512;
	return h;
}

static void
put_data(struct archive *a, const void *data, size_t n)
{
	memcpy(a->b + a->n, data, n);
	a->n += n;
	memset(a->b + a->n, 0, (512 - n % 512) % 512);
	a->n += (512 - n % 512) % 512;
}

static void
put_file(struct archive *a, const char *name, const char *data)
{
	put_header(a, &(struct hdr){ .name = name, .type = '0',
	    .size = strlen(data), .mtime = 1700000000 });
	put_data(a, data, strlen(data));
}

/* "LEN KEY=VALUE\n" at BUF + AT, LEN counting itself; the new end. */
static size_t
record(char *buf, size_t at, const char *key, const void *val, size_t vlen)
{
	size_t body = strlen(key) + vlen + 3, len = body + 1;
	int k;

	while ((size_t)snprintf(NULL, 0, "%zu", len) + body != len)
		len++;
	k = sprintf(buf + at, "%zu %s=", len, key);
	memcpy(buf + at + k, val, vlen);
	buf[at + k + vlen] = '\n';
	return at + len;
}

static size_t
record_str(char *buf, size_t at, const char *key, const char *val)
{
	return record(buf, at, key, val, strlen(val));
}

/* An extension member: TYPE 'x', 'g' (pax), 'L' or 'K' (GNU). */
static void
put_extension(struct archive *a, char type, const char *data, size_t n)
{
	put_header(a, &(struct hdr){ .name = "././@LongLink", .type = type,
	    .size = n });
	put_data(a, data, n);
}

static void
put_end(struct archive *a)
{
	memset(a->b + a->n, 0, 1024);
	a->n += 1024;
}

static struct tar *
open_archive(const struct archive *a)
{
	static struct tar t;

	conch_init("mkrootfs");
	tar_open_mem(&t, "test.tar", a->b, a->n);
	return &t;
}

/* The member's data, whole, as a string. */
static const char *
data_of(struct tar *t)
{
	static char buf[4096];
	const unsigned char *p;
	size_t n = 0, k;

	while ((k = tar_data(t, &p)) > 0) {
		if (n + k < sizeof(buf))
			memcpy(buf + n, p, k);
		n += k;
	}
	buf[n < sizeof(buf) ? n : 0] = '\0';
	return buf;
}

static void
test_ustar(void)
{
	struct archive a = { .n = 0 };
	struct member m = { 0 };
	struct tar *t;

	put_header(&a, &(struct hdr){ .name = "etc/", .type = '5',
	    .mode = 0755, .mtime = 1 });
	put_file(&a, "etc/hosts", "127.0.0.1 localhost\n");
	put_header(&a, &(struct hdr){ .name = "bin", .type = '2',
	    .link = "usr/bin", .uid = 1000, .gid = 100 });
	put_header(&a, &(struct hdr){ .name = "hosts2", .type = '1',
	    .link = "etc/hosts" });
	put_header(&a, &(struct hdr){ .name = "null", .prefix = "dev",
	    .type = '3', .mode = 0666, .major = 1, .minor = 3 });
	put_header(&a, &(struct hdr){ .name = "old/", .type = '0' });
	put_end(&a);
	t = open_archive(&a);
	CHECK(tar_next(t, &m));
	CHECK_STR(m.path, "etc/");
	CHECK_INT(m.type, '5');
	CHECK_INT(m.mode, 0755);
	CHECK_INT(m.times[1].tv_sec, 1);
	CHECK(tar_next(t, &m));
	CHECK_STR(m.path, "etc/hosts");
	CHECK_UINT(m.size, 20);
	CHECK_INT(m.times[1].tv_sec, 1700000000);
	CHECK_INT(m.times[0].tv_sec, 1700000000);	/* atime: mtime */
	CHECK_STR(data_of(t), "127.0.0.1 localhost\n");
	CHECK(tar_next(t, &m));
	CHECK_INT(m.type, '2');
	CHECK_STR(m.link, "usr/bin");
	CHECK_UINT(m.uid, 1000);
	CHECK_UINT(m.gid, 100);
	CHECK(tar_next(t, &m));
	CHECK_INT(m.type, '1');
	CHECK_STR(m.link, "etc/hosts");
	CHECK(tar_next(t, &m));
	CHECK_STR(m.path, "dev/null");
	CHECK_INT(m.major, 1);
	CHECK_INT(m.minor, 3);
	CHECK_UINT(m.size, 0);
	CHECK(tar_next(t, &m));	/* old tars: a directory by its slash */
	CHECK_INT(m.type, '5');
	CHECK(!tar_next(t, &m));
	CHECK_UINT(t->off, a.n);
}

static void
test_pax(void)
{
	struct archive a = { .n = 0 };
	struct member m = { 0 };
	char rec[4096], path[201];
	static const char cap[] = "\x01\0\0\x02";
	struct tar *t;
	size_t n = 0;

	memset(path, 'p', 200);
	path[200] = '\0';
	n = record_str(rec, n, "path", path);
	n = record_str(rec, n, "size", "5");
	n = record_str(rec, n, "uid", "100000");
	n = record_str(rec, n, "gid", "4294967296");
	n = record_str(rec, n, "mtime", "1700000000.123456789987");
	n = record_str(rec, n, "atime", "5.5");
	n = record_str(rec, n, "SCHILY.xattr.user.note", "hello");
	n = record(rec, n, "SCHILY.xattr.security.cap", cap, 4);
	n = record_str(rec, n, "comment", "unknown keys are ignored");
	put_extension(&a, 'g', "8 a=bcd\n", 8);	/* global: ignored */
	put_extension(&a, 'x', rec, n);
	put_header(&a, &(struct hdr){ .name = "short", .type = '0',
	    .size = 0 });
	put_data(&a, "abcde", 5);
	put_file(&a, "next", "x");
	put_end(&a);
	t = open_archive(&a);
	CHECK(tar_next(t, &m));
	CHECK_STR(m.path, path);
	CHECK_UINT(m.size, 5);
	CHECK_UINT(m.uid, 100000);
	CHECK_UINT(m.gid, 4294967296ULL);
	CHECK_INT(m.times[1].tv_sec, 1700000000);
	CHECK_INT(m.times[1].tv_nsec, 123456789);
	CHECK_INT(m.times[0].tv_sec, 5);
	CHECK_INT(m.times[0].tv_nsec, 500000000);
	CHECK_UINT(m.nxattrs, 2);
	CHECK_STR(m.xattrs[0].name, "user.note");
	CHECK(m.xattrs[0].len == 5 && memcmp(m.xattrs[0].value, "hello",
	    5) == 0);
	CHECK_STR(m.xattrs[1].name, "security.cap");
	CHECK(m.xattrs[1].len == 4 && memcmp(m.xattrs[1].value, cap, 4) == 0);
	CHECK_STR(data_of(t), "abcde");
	/* A pax header is for the next member only. */
	CHECK(tar_next(t, &m));
	CHECK_STR(m.path, "next");
	CHECK_UINT(m.nxattrs, 0);
	CHECK_UINT(m.uid, 0);
	CHECK_INT(m.times[1].tv_nsec, 0);
	CHECK(!tar_next(t, &m));
}

static void
test_gnu_long_names(void)
{
	struct archive a = { .n = 0 };
	struct member m = { 0 };
	char name[301], link[401], rec[512];
	size_t n = record_str(rec, 0, "path", "from-pax");
	struct tar *t;

	memset(name, 'n', 300);
	name[300] = '\0';
	memset(link, 'l', 400);
	link[400] = '\0';
	put_extension(&a, 'L', name, 301);
	put_extension(&a, 'K', link, 400);
	put_header(&a, &(struct hdr){ .name = "cut", .type = '2',
	    .link = "cut" });
	/* pax wins over GNU, whichever comes first. */
	put_extension(&a, 'L', "from-gnu", 9);
	put_extension(&a, 'x', rec, n);
	put_file(&a, "plain", "");
	put_extension(&a, 'x', rec, n);
	put_extension(&a, 'L', "from-gnu", 9);
	put_file(&a, "plain", "");
	put_end(&a);
	t = open_archive(&a);
	CHECK(tar_next(t, &m));
	CHECK_STR(m.path, name);
	CHECK_STR(m.link, link);
	CHECK(tar_next(t, &m));
	CHECK_STR(m.path, "from-pax");
	CHECK(tar_next(t, &m));
	CHECK_STR(m.path, "from-pax");
	CHECK(!tar_next(t, &m));
}

static void
test_numbers_and_ends(void)
{
	struct archive a = { .n = 0 };
	struct member m = { 0 };
	struct tar *t;

	put_header(&a, &(struct hdr){ .name = "big", .type = '0',
	    .uid = 0x123456789aULL, .base256_uid = true });
	put_header(&a, &(struct hdr){ .name = "label", .type = 'V' });
	put_file(&a, "skipped", "data nobody reads");
	put_file(&a, "last", "x");	/* and no end blocks */
	t = open_archive(&a);
	CHECK(tar_next(t, &m));
	CHECK_UINT(m.uid, 0x123456789aULL);
	CHECK(tar_next(t, &m));	/* the volume label names no file */
	CHECK_STR(m.path, "skipped");
	CHECK(tar_next(t, &m));	/* its data skipped unread */
	CHECK_STR(m.path, "last");
	CHECK(!tar_next(t, &m));
}

/* Reads every member and its data: for the archives that must fail. */
static void
read_members(void *arg)
{
	struct tar *t = open_archive(arg);
	struct member m = { 0 };

	while (tar_next(t, &m))
		data_of(t);
}

#define REFUSED(a, why) \
	CHECK_DIES(read_members, (a), "mkrootfs: --tar test.tar: " why)

static void
test_refused_types(void)
{
	struct archive a = { .n = 0 };
	char rec[256];
	size_t n;

	put_header(&a, &(struct hdr){ .name = "disk.img", .type = 'S' });
	REFUSED(&a, "disk.img: unsupported member type 'S'");
	a.n = 0;
	put_header(&a, &(struct hdr){ .name = "q", .type = 'Q' });
	REFUSED(&a, "q: unsupported member type 'Q'");
	a.n = 0;
	n = record_str(rec, 0, "GNU.sparse.major", "1");
	put_extension(&a, 'x', rec, n);
	put_file(&a, "disk.img", "");
	REFUSED(&a, "sparse members are not supported");
}

static void
test_refused_headers(void)
{
	struct archive a = { .n = 0 };
	unsigned char *h;
	char rec[256];
	size_t n;

	REFUSED(&a, "empty archive");
	put_file(&a, "a", "x");
	a.b[0] = 'b';
	REFUSED(&a, "bad header checksum at byte 0 (not a tar archive?)");
	a.n = 0;
	put_file(&a, "a", "x");
	h = put_header(&a, &(struct hdr){ .name = "b", .type = '0' });
	memcpy(h + 124, "9", 1);
	checksum(h);
	REFUSED(&a, "bad size field at byte 1024");
	a.n = 0;
	h = put_header(&a, &(struct hdr){ .name = "m", .type = '0' });
	memcpy(h + 100, "x", 1);
	checksum(h);
	REFUSED(&a, "m: bad mode");
	a.n = 0;
	put_header(&a, &(struct hdr){ .name = "d", .type = '3',
	    .major = 0x1000 });
	REFUSED(&a, "d: bad device number");
	a.n = 0;
	put_header(&a, &(struct hdr){ .name = "././@LongLink", .type = 'L',
	    .size = 5000 });
	REFUSED(&a, "GNU long name too long (5000 bytes)");
	a.n = 0;
	put_header(&a, &(struct hdr){ .name = "p", .type = 'x',
	    .size = 2 << 20 });
	REFUSED(&a, "pax header too long (2097152 bytes)");
	a.n = 0;
	put_extension(&a, 'x', "5 a=b\nx", 7);
	REFUSED(&a, "bad pax header");
	a.n = 0;
	n = record_str(rec, 0, "size", "5x");
	put_extension(&a, 'x', rec, n);
	REFUSED(&a, "bad pax size");
	a.n = 0;
	n = record_str(rec, 0, "path", "");
	put_extension(&a, 'x', rec, n);
	REFUSED(&a, "bad pax path");
}

/* Cut anywhere, an archive ends cleanly or says it is truncated. */
static void
test_truncated_everywhere(void)
{
	static struct archive a, cut;
	char rec[512], err[512];
	size_t n;
	int st;

	n = record_str(rec, 0, "path", "a/long/pax/path");
	n = record_str(rec, n, "mtime", "1.5");
	put_extension(&a, 'x', rec, n);
	put_file(&a, "f", "0123456789");
	put_extension(&a, 'L', "gnu/long/name", 14);
	put_file(&a, "g", "some more data, past one block? no");
	put_end(&a);
	for (n = 0; n < a.n; n++) {
		if (n % 512 > 16 && n % 512 < 496 && n % 37 != 0)
			continue;
		memcpy(cut.b, a.b, n);
		cut.n = n;
		st = unit_run(read_members, &cut, err, sizeof(err));
		if (st == 0) {	/* between members, or past an end block */
			CHECK_MSG(n % 512 == 0 || n >= a.n - 512,
			    "cut at %zu: accepted", n);
			continue;
		}
		CHECK_MSG(st == 125 && strcmp(err, n == 0 ?
		    "mkrootfs: --tar test.tar: empty archive" :
		    "mkrootfs: --tar test.tar: truncated archive") == 0,
		    "cut at %zu: status %d, \"%s\"", n, st, err);
	}
}

/* A child writes the archive into a pipe; the read end is returned. */
static int
pipe_from(const void *data, size_t n)
{
	int p[2];

	if (pipe(p) == -1)
		return -1;
	if (fork() == 0) {
		close(p[0]);
		if (write(p[1], data, n) != (ssize_t)n)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

/* FILE (gzipped when GZIP), by tar_open() on a file or through a pipe. */
static void
read_fd(struct archive *a, bool gzip, bool pipe, int *members)
{
	static struct tar t;
	char path[] = "/tmp/conch-unit-tar.XXXXXX", cmd[128];
	struct member m = { 0 };
	int fd = mkstemp(path);

	*members = -1;
	if (fd == -1 || write(fd, a->b, a->n) != (ssize_t)a->n)
		return;
	close(fd);
	snprintf(cmd, sizeof(cmd), "gzip -f -n %s && mv %s.gz %s", path,
	    path, path);
	if (gzip && system(cmd) != 0)
		unit_skip("no gzip here");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	unlink(path);
	if (pipe) {
		struct stat st;
		static unsigned char buf[1 << 16];

		if (fstat(fd, &st) == -1 || read(fd, buf, st.st_size) !=
		    st.st_size)
			return;
		close(fd);
		fd = pipe_from(buf, st.st_size);
	}
	conch_init("mkrootfs");
	tar_open(&t, "test.tar", fd);
	for (*members = 0; tar_next(&t, &m); ++*members)
		CHECK_STR(data_of(&t), m.path[0] == 'f' ? "0123456789" : "");
	tar_close(&t);
}

static void
test_files_pipes_gzip(void)
{
	static struct archive a;
	int n;

	put_file(&a, "f", "0123456789");
	put_header(&a, &(struct hdr){ .name = "d/", .type = '5' });
	put_end(&a);
	read_fd(&a, false, false, &n);
	CHECK_INT(n, 2);
	read_fd(&a, false, true, &n);
	CHECK_INT(n, 2);
	read_fd(&a, true, false, &n);
	CHECK_INT(n, 2);
	read_fd(&a, true, true, &n);
	CHECK_INT(n, 2);
}

/* A damaged stream: the decompressor's own last words. */
static void
read_bad_gzip(void *arg)
{
	static const unsigned char gz[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0,
	    3, 'n', 'o', 't', ' ', 'd', 'e', 'f', 'l', 'a', 't', 'e' };
	static struct tar t;
	struct member m = { 0 };

	(void)arg;
	conch_init("mkrootfs");
	tar_open(&t, "test.tar.gz", pipe_from(gz, sizeof(gz)));
	while (tar_next(&t, &m))
		;
	tar_close(&t);
}

static void
test_decompressor_fails(void)
{
	static const char want[] = "mkrootfs: --tar test.tar.gz: gzip "
	    "exited with status 1: gzip: stdin: ";
	char err[512];
	int st;

	if (system("gzip --version >/dev/null 2>&1") != 0)
		unit_skip("no gzip here");
	st = unit_run(read_bad_gzip, NULL, err, sizeof(err));
	CHECK_INT(st, 125);
	CHECK_MSG(strncmp(err, want, sizeof(want) - 1) == 0, "got \"%s\"",
	    err);
}

static const struct unit_case cases[] = {
	UNIT_CASE(test_ustar),
	UNIT_CASE(test_pax),
	UNIT_CASE(test_gnu_long_names),
	UNIT_CASE(test_numbers_and_ends),
	UNIT_CASE(test_refused_types),
	UNIT_CASE(test_refused_headers),
	UNIT_CASE(test_truncated_everywhere),
	UNIT_CASE(test_files_pipes_gzip),
	UNIT_CASE(test_decompressor_fails),
};

UNIT_MAIN("tar", cases)
