/*
 * tarread.h: the tar reader of mkrootfs, on its own. tar.c yields the
 * members of a ustar, pax or GNU archive one at a time, with their data;
 * input.c gives it the archive's bytes, from a file, a pipe, a window of
 * a file (an image's blob inside an archive) or memory, decompressed by
 * decompress.c (gzip and zstd, in this process) or filter.c (xz and
 * bzip2, through those programs), and hashed on the way when a digest
 * must be checked. The reader knows the format and nothing of where
 * members go: unpack.c decides that. A malformed archive ends the tool
 * through tar_fail(), "WHAT: why", WHAT saying which archive
 * ("--tar NAME", "--image SRC: layer 2").
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

#include "digest.h"

/* How the archive's bytes are stored. */
enum codec {
	CODEC_PLAIN,
	CODEC_GZIP,	/* zlib, in this process */
	CODEC_ZSTD,	/* libzstd, in this process */
	CODEC_FILTER,	/* xz, bzip2: a program, filter.c */
};

/* An archive being read. */
struct tar {
	char what[PATH_MAX + 64];	/* for messages: "--tar NAME" */
	int archive;		/* the archive as given (closed at the end) */
	int fd;			/* what bytes are read from: the archive, or
				 * the filter's output */
	bool window;		/* read the archive from wpos to wend (pread) */
	uint64_t wpos, wend;
	const unsigned char *wmem;	/* or that of this memory */
	bool seekable;		/* a plain file: data skipped by lseek */
	uint64_t fsize;		/* its size, then */
	enum codec codec;
	void *z;		/* the decoder: z_stream, ZSTD_DStream */
	bool zend;		/* the compressed stream ended */
	size_t zlast;		/* zstd's last answer: 0 after a whole frame */
	size_t zpos, zlen;	/* compressed bytes at hand, in zbuf */
	bool zeof;		/* and no more to read */
	struct hasher *rawhash;	/* of the bytes as stored, or NULL */
	struct hasher *tarhash;	/* of the tar stream, or NULL */
	pid_t filter;		/* the decompressor, or 0 once it ended */
	const char *filtername;	/* its name, or NULL */
	int errfd;		/* the decompressor's stderr (a memfd) */
	pid_t feeder;		/* the process feeding it a pipe, or 0 */
	const unsigned char *data;	/* the bytes at hand: buf, or memory */
	size_t pos, len;
	uint64_t off;		/* bytes of tar stream read */
	bool eof;
	uint64_t left, pad;	/* the member's data not read, its padding */
	unsigned char buf[1 << 16];
	unsigned char zbuf[1 << 16];
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

/* Where a blob is: SIZE bytes of the file FD from OFF, or at MEM. */
struct window {
	int fd;
	uint64_t off, size;
	const unsigned char *mem;
};

/*
 * input.c: the archive's bytes. tar_open(): the file or pipe FD (closed
 * by tar_close()), compressed or not, as its first bytes say.
 * tar_open_blob(): the window W of a file (not closed) or of memory, plain,
 * gzip or zstd, each byte as stored hashed into RAWHASH and each of the
 * tar stream into TARHASH (either may be NULL); tar_close() reads it to
 * its end first. tar_open_index(): a plain tar in the regular file FD,
 * its members' data skipped by lseek, their offsets in t->off.
 */
void tar_open(struct tar *t, const char *what, int fd);
void tar_open_blob(struct tar *t, const char *what, const struct window *w,
    struct hasher *rawhash, struct hasher *tarhash);
void tar_open_index(struct tar *t, const char *what, int fd);
void tar_open_mem(struct tar *t, const char *what, const void *data,
    size_t size);
void tar_close(struct tar *t);
noreturn void tar_fail(struct tar *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* For decompress.c: up to N bytes as stored, hashed; 0 at the end. */
size_t tar_raw(struct tar *t, unsigned char *dst, size_t n);
/* For tar.c: bytes at hand, and N bytes read (or skipped: DST NULL). */
size_t tar_fill(struct tar *t);
size_t tar_read(struct tar *t, void *dst, size_t n);
void tar_need(struct tar *t, void *dst, uint64_t n);

/* decompress.c: the in-process decoders, for input.c. */
enum codec codec_of(const unsigned char *head, size_t n);
void decoder_start(struct tar *t);
size_t decoder_fill(struct tar *t);
void decoder_end(struct tar *t);

/* filter.c: xz and bzip2 through their programs, for input.c. */
void filter_start(struct tar *t, const unsigned char *head, size_t n,
    bool stream);
void filter_wait(struct tar *t);

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
