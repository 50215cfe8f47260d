/*
 * tarread.h: the tar reader of mkrootfs, on its own. tar.c yields the
 * members of a ustar, pax or GNU archive one at a time, with their data;
 * decompress.c gives it the archive's bytes, from a file or a pipe
 * (through gzip, xz, zstd or bzip2 when compressed) or from memory. The
 * reader knows the format and nothing of where members go: unpack.c
 * decides that. A malformed archive ends the tool through tar_fail(),
 * "--tar NAME: why".
 */
#ifndef TARREAD_H
#define TARREAD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <sys/types.h>
#include <time.h>

/* An archive being read. */
struct tar {
	const char *name;	/* the archive, for messages */
	int archive;		/* the archive as given, or -1 (memory) */
	int fd;			/* the archive, or its decompressor's output */
	pid_t filter;		/* the decompressor, or 0 once it ended */
	const char *filtername;	/* the decompressor, or NULL: plain tar */
	int errfd;		/* the decompressor's stderr (a memfd) */
	pid_t feeder;		/* the process feeding it a pipe, or 0 */
	const unsigned char *data;	/* the bytes at hand: buf, or memory */
	size_t pos, len;
	uint64_t off;		/* bytes of tar stream read */
	bool eof;
	uint64_t left, pad;	/* the member's data not read, its padding */
	unsigned char buf[1 << 16];
};

/* pax extended attributes (SCHILY.xattr.NAME) of a member. */
struct xattr {
	char *name, *value;
	size_t len;
};

/* One member: its header, with what pax and GNU extensions set. */
struct member {
	char path[PATH_MAX], link[PATH_MAX];
	char type;			/* '0' ... '7', 'D': as in the header */
	mode_t mode;			/* permissions only */
	uint64_t uid, gid, size;
	struct timespec times[2];	/* atime, mtime: for utimensat() */
	unsigned int major, minor;
	bool pax_path, pax_link, pax_size, pax_uid, pax_gid, pax_mtime;
	bool pax_atime;
	struct xattr xattrs[32];
	size_t nxattrs;
};

/* decompress.c: the archive's bytes. */
void tar_open(struct tar *t, const char *name, int fd);
void tar_open_mem(struct tar *t, const char *name, const void *data,
    size_t size);
void tar_close(struct tar *t);
noreturn void tar_fail(struct tar *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* For tar.c: bytes at hand, and N bytes read (or skipped: DST NULL). */
size_t tar_fill(struct tar *t);
size_t tar_read(struct tar *t, void *dst, size_t n);
void tar_need(struct tar *t, void *dst, uint64_t n);

/*
 * tar.c: the next member into M (zeroed before the first call): true,
 * or false at the end of the archive. Its data then comes in pieces from
 * tar_data() (*P valid until the next call) until it gives 0, or is
 * skipped by tar_skip() or the next tar_next().
 */
bool tar_next(struct tar *t, struct member *m);
size_t tar_data(struct tar *t, const unsigned char **p);
void tar_skip(struct tar *t);
void member_free(struct member *m);

#endif
