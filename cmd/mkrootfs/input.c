/*
 * input.c: the bytes of a tar archive, for tar.c: read from a file, a
 * pipe, a window of a file (an image's blob inside its archive) or
 * memory; decompressed when the first bytes say so (decompress.c,
 * filter.c); hashed as they go by when a digest is to be checked; and,
 * for a plain tar in a file that is only being indexed, skipped by
 * lseek instead of read.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conch.h"
#include "tarread.h"

void
tar_fail(struct tar *t, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	filter_wait(t);
	die("%s: %s", t->what, msg);
}

/* Up to N bytes of the stream FD (a pipe, a file): 0 only at its end. */
static size_t
stream_read(struct tar *t, unsigned char *dst, size_t n)
{
	ssize_t r;

	for (;;) {
		/* A pipe or a FIFO may make us wait: a signal must end it. */
		if (interrupt_poll(t->fd, POLLIN, -1) == -1) {
			if (errno == EINTR)
				continue;
			die_sys("%s: poll", t->what);
		}
		r = read(t->fd, dst, n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			die_sys("%s: read", t->what);
		return r;
	}
}

/* Up to N bytes of the window: 0 only at its end. */
static size_t
window_read(struct tar *t, unsigned char *dst, size_t n)
{
	ssize_t r;

	if (n > t->wend - t->wpos)
		n = t->wend - t->wpos;
	if (n == 0)
		return 0;
	if (t->wmem != NULL) {
		memcpy(dst, t->wmem + t->wpos, n);
		t->wpos += n;
		return n;
	}
	while ((r = pread(t->fd, dst, n, t->wpos)) == -1 && errno == EINTR)
		interrupt_check();
	if (r == -1)
		die_sys("%s: read", t->what);
	if (r == 0)
		tar_fail(t, "the file ends before the blob does");
	t->wpos += r;
	return r;
}

size_t
tar_raw(struct tar *t, unsigned char *dst, size_t n)
{
	size_t got;

	interrupt_check();
	got = t->window ? window_read(t, dst, n) : stream_read(t, dst, n);
	if (t->rawhash != NULL)
		hasher_update(t->rawhash, dst, got);
	return got;
}

/* Bytes in the buffer, read when it is empty; 0 at the end. */
size_t
tar_fill(struct tar *t)
{
	size_t n;

	while (t->pos == t->len && !t->eof) {
		if (t->codec == CODEC_GZIP || t->codec == CODEC_ZSTD)
			n = decoder_fill(t);
		else if (t->codec == CODEC_FILTER)
			n = stream_read(t, t->buf, sizeof(t->buf));
		else
			n = tar_raw(t, t->buf, sizeof(t->buf));
		if (t->tarhash != NULL && t->tarhash != t->rawhash)
			hasher_update(t->tarhash, t->buf, n);
		t->eof = n == 0;
		t->pos = 0;
		t->len = n;
	}
	return t->len - t->pos;
}

/* N bytes (to DST, or skipped when DST is NULL), fewer at the end. */
size_t
tar_read(struct tar *t, void *dst, size_t n)
{
	size_t got = 0, k;

	while (got < n && tar_fill(t) > 0) {
		k = t->len - t->pos < n - got ? t->len - t->pos : n - got;
		if (dst != NULL)
			memcpy((char *)dst + got, t->data + t->pos, k);
		t->pos += k;
		got += k;
	}
	t->off += got;
	return got;
}

/* Skip N bytes of a plain file by lseek: what is buffered, then seek. */
static void
seek_over(struct tar *t, uint64_t n)
{
	size_t have = t->len - t->pos;

	if (n <= have) {
		t->pos += n;
		t->off += n;
		return;
	}
	t->pos = t->len;
	t->off += n;
	if (t->off > t->fsize)
		tar_fail(t, "truncated archive");
	if (lseek(t->fd, t->off, SEEK_SET) == -1)
		die_sys("%s: lseek", t->what);
}

void
tar_need(struct tar *t, void *dst, uint64_t n)
{
	if (dst == NULL && t->seekable) {
		seek_over(t, n);
		return;
	}
	while (n > 0) {
		size_t k = n > SIZE_MAX / 2 ? SIZE_MAX / 2 : n;

		if (tar_read(t, dst, k) != k)
			tar_fail(t, "truncated archive");
		n -= k;
	}
}

static void
tar_init(struct tar *t, const char *what)
{
	snprintf(t->what, sizeof(t->what), "%s", what);
	t->archive = t->fd = t->errfd = -1;
	t->window = t->seekable = false;
	t->wmem = NULL;
	t->wpos = t->wend = t->fsize = 0;
	t->codec = CODEC_PLAIN;
	t->z = NULL;
	t->zend = t->zeof = false;
	t->zpos = t->zlen = t->zlast = 0;
	t->rawhash = t->tarhash = NULL;
	t->filter = t->feeder = 0;
	t->filtername = NULL;
	t->data = t->buf;
	t->pos = t->len = 0;
	t->off = 0;
	t->eof = false;
	t->left = t->pad = 0;
}

/* The decoder for the first bytes HEAD (N of them, already read). */
static void
start_codec(struct tar *t, const unsigned char *head, size_t n,
    bool stream)
{
	t->codec = codec_of(head, n);
	if (t->codec == CODEC_FILTER) {
		filter_start(t, head, n, stream);
		return;
	}
	if (t->codec != CODEC_PLAIN)
		decoder_start(t);
	else
		trace("%s: plain tar", t->what);
	if (!stream)
		return;
	/* The bytes read go first: to the decoder, or to the reader. */
	if (t->codec == CODEC_PLAIN) {
		memcpy(t->buf, head, n);
		t->len = n;
	} else {
		memcpy(t->zbuf, head, n);
		t->zlen = n;
	}
}

/* The archive FD (a file or a pipe, which tar_close() closes). */
void
tar_open(struct tar *t, const char *what, int fd)
{
	unsigned char head[6] = { 0 };
	bool stream;
	size_t n = 0;
	ssize_t r;

	tar_init(t, what);
	t->archive = t->fd = fd;
	stream = lseek(fd, 0, SEEK_CUR) == -1 && errno == ESPIPE;
	if (stream) {
		while (n < sizeof(head) && (r = stream_read(t, head + n,
		    sizeof(head) - n)) > 0)
			n += r;
	} else if ((r = pread(fd, head, sizeof(head), 0)) == -1) {
		die_sys("%s: read", what);
	} else {
		n = r;
	}
	start_codec(t, head, n, stream);
}

void
tar_open_blob(struct tar *t, const char *what, const struct window *w,
    struct hasher *rawhash, struct hasher *tarhash)
{
	unsigned char head[6] = { 0 };
	size_t n = w->size < sizeof(head) ? w->size : sizeof(head);
	ssize_t r = n;

	tar_init(t, what);
	t->fd = w->fd;
	t->wmem = w->mem;
	t->window = true;
	t->wpos = w->mem != NULL ? 0 : w->off;
	t->wend = t->wpos + w->size;
	t->rawhash = rawhash;
	t->tarhash = tarhash;
	if (w->mem != NULL)
		memcpy(head, w->mem, n);
	else if ((r = pread(w->fd, head, n, w->off)) == -1)
		die_sys("%s: read", what);
	if (codec_of(head, r) == CODEC_FILTER)
		tar_fail(t, "compressed with xz or bzip2, which image "
		    "layers never are");
	start_codec(t, head, r, false);
}

void
tar_open_index(struct tar *t, const char *what, int fd)
{
	struct stat st;

	tar_init(t, what);
	t->fd = fd;
	if (fstat(fd, &st) == -1)
		die_sys("%s: stat", what);
	t->seekable = true;
	t->fsize = st.st_size;
}

/* SIZE bytes at DATA, a plain tar archive (tests, fuzzing, images). */
void
tar_open_mem(struct tar *t, const char *what, const void *data, size_t size)
{
	tar_init(t, what);
	t->data = data;
	t->len = size;
	t->eof = true;
}

void
tar_close(struct tar *t)
{
	/* A blob is hashed to its end, whatever follows the tar stream. */
	if (t->window)
		while (tar_read(t, NULL, sizeof(t->buf)) > 0)
			;
	if (t->filtername != NULL) {
		filter_wait(t);
		close(t->errfd);
	}
	decoder_end(t);
	if (t->feeder != 0)	/* it ends with the input or the decompressor */
		while (waitpid(t->feeder, NULL, 0) == -1 && errno == EINTR)
			interrupt_check();
	if (t->archive != -1)
		close(t->archive);
}
