/*
 * tar.c: the tar format: ustar headers (octal and GNU base-256 numbers),
 * pax extended headers (path, linkpath, size, uid, gid, mtime, atime,
 * SCHILY.xattr), GNU long names and long link targets, old tars'
 * directories. Members come one at a time, with their data; what is not
 * understood (sparse files, unknown types) is refused, never guessed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "conch.h"
#include "mkrootfs.h"
#include "tarread.h"

#define MEMBER_MAX (UINT64_C(1) << 62)	/* sizes stay far from overflow */

static uint64_t
padding(uint64_t size)
{
	return (512 - size % 512) % 512;
}

/* A numeric header field: octal, or GNU base-256. */
static bool
tar_number(const unsigned char *f, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		if (f[0] == 0xff)
			return false;	/* negative */
		v = f[0] & 0x7f;
		for (i = 1; i < len; i++) {
			if (v >> 56)
				return false;
			v = v << 8 | f[i];
		}
		*out = v;
		return true;
	}
	while (i < len && (f[i] == ' ' || f[i] == '\0'))
		i++;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 61)
			return false;
		v = v << 3 | (f[i] - '0');
	}
	for (; i < len; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return false;
	*out = v;
	return true;
}

static bool
tar_checksum(const unsigned char *h)
{
	uint64_t want;
	unsigned long sum = 0;
	long ssum = 0;
	int i;

	if (!tar_number(h + 148, 8, &want))
		return false;
	for (i = 0; i < 512; i++) {
		unsigned char c = i >= 148 && i < 156 ? ' ' : h[i];

		sum += c;
		ssum += (signed char)c;
	}
	return want == sum || (long)want == ssum;
}

/* ---- pax extended headers ---- */

/* A decimal pax value. */
static bool
pax_number(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return i == len && i > 0;
}

/*
 * A pax time, SECONDS[.FRACTION]: nanoseconds kept, digits past them
 * dropped. A time before the epoch, or malformed, gives the epoch.
 */
static struct timespec
pax_time(const char *s, size_t len)
{
	struct timespec ts = { 0, 0 };
	const char *dot = memchr(s, '.', len);
	size_t ilen = dot != NULL ? (size_t)(dot - s) : len, i;
	uint64_t sec;
	long scale = 100000000;

	if (!pax_number(s, ilen, &sec))
		return ts;
	for (i = ilen + 1; dot != NULL && i < len; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return (struct timespec){ 0, 0 };
		ts.tv_nsec += (s[i] - '0') * scale;
	}
	ts.tv_sec = sec > INT64_MAX ? INT64_MAX : (time_t)sec;
	return ts;
}

/* One "LEN KEY=VALUE\n" record. */
struct pax_record {
	const char *key, *val;
	size_t klen, vlen;
};

static void
pax_string(struct tar *t, char *dst, const struct pax_record *r,
    const char *key)
{
	if (r->vlen == 0 || r->vlen >= PATH_MAX ||
	    memchr(r->val, '\0', r->vlen) != NULL)
		tar_fail(t, "bad pax %s", key);
	memcpy(dst, r->val, r->vlen);
	dst[r->vlen] = '\0';
}

/* The record at BUF + POS, of SIZE bytes in all, into R; its length. */
static size_t
pax_record(struct tar *t, const char *buf, size_t size, size_t pos,
    struct pax_record *r)
{
	const char *rec = buf + pos, *eq;
	size_t len;
	uint64_t n;

	for (len = 0; pos + len < size && rec[len] >= '0' &&
	    rec[len] <= '9' && len < 12; len++)
		;
	if (len == 0 || !pax_number(rec, len, &n) ||
	    n > size - pos || n < len + 3 || rec[n - 1] != '\n' ||
	    rec[len] != ' ')
		tar_fail(t, "bad pax header");
	r->key = rec + len + 1;
	eq = memchr(r->key, '=', rec + n - 1 - r->key);
	if (eq == NULL)
		tar_fail(t, "bad pax header");
	r->klen = eq - r->key;
	r->val = eq + 1;
	r->vlen = rec + n - 1 - r->val;
	return n;
}

/* SCHILY.xattr.NAME=VALUE: an extended attribute, kept for the member. */
static void
pax_xattr(struct tar *t, struct member *m, const struct pax_record *r)
{
	struct xattr *x;
	size_t nlen = r->klen - 13;

	if (m->nxattrs == LEN(m->xattrs) || nlen > XATTR_NAME_MAX)
		tar_fail(t, "too many or too long xattrs");
	x = &m->xattrs[m->nxattrs++];
	x->name = xrealloc(NULL, nlen + 1);
	memcpy(x->name, r->key + 13, nlen);
	x->name[nlen] = '\0';
	x->value = xrealloc(NULL, r->vlen ? r->vlen : 1);
	memcpy(x->value, r->val, r->vlen);
	x->len = r->vlen;
}

/* What one record sets; keys not known are ignored, as tar does. */
static void
pax_apply(struct tar *t, struct member *m, const struct pax_record *r)
{
#define KEY(s) (r->klen == sizeof(s) - 1 && memcmp(r->key, s, r->klen) == 0)
	if (KEY("path")) {
		pax_string(t, m->path, r, "path");
		m->pax_path = true;
	} else if (KEY("linkpath")) {
		pax_string(t, m->link, r, "linkpath");
		m->pax_link = true;
	} else if (KEY("size")) {
		if (!pax_number(r->val, r->vlen, &m->size))
			tar_fail(t, "bad pax size");
		m->pax_size = true;
	} else if (KEY("uid")) {
		if (!pax_number(r->val, r->vlen, &m->uid))
			tar_fail(t, "bad pax uid");
		m->pax_uid = true;
	} else if (KEY("gid")) {
		if (!pax_number(r->val, r->vlen, &m->gid))
			tar_fail(t, "bad pax gid");
		m->pax_gid = true;
	} else if (KEY("mtime")) {
		m->times[1] = pax_time(r->val, r->vlen);
		m->pax_mtime = true;
	} else if (KEY("atime")) {
		m->times[0] = pax_time(r->val, r->vlen);
		m->pax_atime = true;
	} else if (r->klen > 13 && memcmp(r->key, "SCHILY.xattr.", 13) == 0) {
		pax_xattr(t, m, r);
	} else if (r->klen > 11 && memcmp(r->key, "GNU.sparse.", 11) == 0) {
		tar_fail(t, "sparse members are not supported");
	}
#undef KEY
}

/* The records of a pax extended header, for the next member. */
static void
pax_parse(struct tar *t, const char *buf, size_t size, struct member *m)
{
	struct pax_record r;
	size_t pos = 0;

	while (pos < size) {
		pos += pax_record(t, buf, size, pos, &r);
		pax_apply(t, m, &r);
	}
}

/* ---- members ---- */

/* A whole extension member's data (pax header, GNU long name). */
static char *
tar_slurp(struct tar *t, uint64_t size, uint64_t max, const char *what)
{
	char *buf;

	if (size > max)
		tar_fail(t, "%s too long (%llu bytes)", what,
		    (unsigned long long)size);
	buf = xrealloc(NULL, size + 1);
	tar_need(t, buf, size);
	tar_need(t, NULL, padding(size));
	buf[size] = '\0';
	return buf;
}

void
member_free(struct member *m)
{
	size_t i;

	for (i = 0; i < m->nxattrs; i++) {
		free(m->xattrs[i].name);
		free(m->xattrs[i].value);
	}
	memset(m, 0, offsetof(struct member, xattrs));
	m->nxattrs = 0;
}

/* Read the header fields pax and GNU extensions did not set. */
static void
header_fields(struct tar *t, const unsigned char *h, struct member *m)
{
	char name[PATH_MAX];
	uint64_t v;

	if (!m->pax_path) {
		if (memcmp(h + 257, "ustar\0", 6) == 0 && h[345] != '\0')
			snprintf(name, sizeof(name), "%.155s/%.100s",
			    (const char *)h + 345, (const char *)h);
		else
			snprintf(name, sizeof(name), "%.100s",
			    (const char *)h);
		strcpy(m->path, name);
	}
	if (!m->pax_link)
		snprintf(m->link, sizeof(m->link), "%.100s",
		    (const char *)h + 157);
	m->type = h[156];
	if (!tar_number(h + 100, 8, &v))
		tar_fail(t, "%s: bad mode", m->path);
	m->mode = v & 07777;
	if ((!m->pax_uid && !tar_number(h + 108, 8, &m->uid)) ||
	    (!m->pax_gid && !tar_number(h + 116, 8, &m->gid)) ||
	    (!m->pax_size && !tar_number(h + 124, 12, &m->size)))
		tar_fail(t, "%s: bad uid, gid or size", m->path);
	if (!m->pax_mtime) {
		if (!tar_number(h + 136, 12, &v))
			tar_fail(t, "%s: bad mtime", m->path);
		m->times[1].tv_sec = v > INT64_MAX ? INT64_MAX : (time_t)v;
	}
	if (!m->pax_atime)
		m->times[0] = m->times[1];
	if (m->type == '3' || m->type == '4') {
		if (!tar_number(h + 329, 8, &v) || v > 0xfff ||
		    !tar_number(h + 337, 8, &m->size) || m->size > 0xfffff)
			tar_fail(t, "%s: bad device number", m->path);
		m->major = v;
		m->minor = m->size;
		m->size = 0;
	}
}

static bool
zero_block(const unsigned char *h)
{
	size_t i;

	for (i = 0; i < 512; i++)
		if (h[i] != 0)
			return false;
	return true;
}

/*
 * The next header block into H, and its size field. False at the end:
 * a zero block, or no more bytes (no end blocks: accepted, as GNU tar
 * does).
 */
static bool
tar_header(struct tar *t, unsigned char *h, uint64_t *size)
{
	size_t got = tar_read(t, h, 512);

	if (got == 0 && t->off == 0)
		tar_fail(t, "empty archive");
	if (got == 0)
		return false;
	if (got < 512)
		tar_fail(t, "truncated archive");
	if (zero_block(h))
		return false;
	if (!tar_checksum(h))
		tar_fail(t, "bad header checksum at byte %llu (not a "
		    "tar archive?)", (unsigned long long)t->off - 512);
	if (!tar_number(h + 124, 12, size) || *size > MEMBER_MAX)
		tar_fail(t, "bad size field at byte %llu",
		    (unsigned long long)t->off - 512);
	return true;
}

/*
 * An extension header H, whose data is read here: a pax header or a GNU
 * long name sets fields of the member that follows, M. False when H is
 * a member's own header.
 */
static bool
tar_extension(struct tar *t, const unsigned char *h, uint64_t size,
    struct member *m)
{
	char *data;

	switch (h[156]) {
	case 'x':
		data = tar_slurp(t, size, 1 << 20, "pax header");
		pax_parse(t, data, size, m);
		free(data);
		return true;
	case 'g':	/* global pax header: git archive's comment */
		tar_need(t, NULL, size + padding(size));
		return true;
	case 'L':
	case 'K':
		data = tar_slurp(t, size, PATH_MAX - 1, "GNU long name");
		if (h[156] == 'L' && !m->pax_path) {
			strcpy(m->path, data);
			m->pax_path = true;
		} else if (h[156] == 'K' && !m->pax_link) {
			strcpy(m->link, data);
			m->pax_link = true;
		}
		free(data);
		return true;
	case 'V':	/* a volume label names no file */
		tar_need(t, NULL, size + padding(size));
		member_free(m);
		return true;
	}
	return false;
}

bool
tar_next(struct tar *t, struct member *m)
{
	unsigned char h[512];
	uint64_t size;

	tar_skip(t);
	member_free(m);
	do {
		interrupt_check();
		if (!tar_header(t, h, &size)) {
			/* What follows the end blocks is read, so that the
			 * decompressor ends well. */
			while (tar_read(t, NULL, sizeof(t->buf)) > 0)
				;
			member_free(m);
			return false;
		}
	} while (tar_extension(t, h, size, m));
	header_fields(t, h, m);
	if (m->size > MEMBER_MAX)
		tar_fail(t, "%s: bad size", m->path);
	if (m->type != '\0' && strchr("01234567D", m->type) == NULL)
		tar_fail(t, "%s: unsupported member type '%c'", m->path,
		    m->type);
	/* Old tars mark directories by a trailing slash only. */
	if ((m->type == '0' || m->type == '\0') && m->path[0] &&
	    m->path[strlen(m->path) - 1] == '/')
		m->type = '5';
	t->left = m->size;
	t->pad = padding(m->size);
	return true;
}

/*
 * The member's data, a piece at a time: *P is valid until the next call.
 * 0 at its end, once the padding that follows is read too.
 */
size_t
tar_data(struct tar *t, const unsigned char **p)
{
	size_t k;

	if (t->left == 0) {
		tar_skip(t);
		return 0;
	}
	if (tar_fill(t) == 0)
		tar_fail(t, "truncated archive");
	k = t->len - t->pos < t->left ? t->len - t->pos : t->left;
	*p = t->data + t->pos;
	t->pos += k;
	t->off += k;
	t->left -= k;
	return k;
}

/* What is left of the member's data, and its padding, unread. */
void
tar_skip(struct tar *t)
{
	tar_need(t, NULL, t->left + t->pad);
	t->left = t->pad = 0;
}
