/* core/file_write.c - writing sound files (Record): a temporary file renamed into place when done, WAV headers finished at the end, appending. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lyre/file.h"
#include "lyre/format.h"
#include "lyre/frame.h"
#include "lyre/log.h"
#include "lyre/utils.h"

#define WAV_HEAD 44		/* the canonical header we write */
#define WAV_HEAD_MAX 65536	/* as the reader: chunks before "data" fit in this */
#define COPY_BUF 65536

struct ly_file_writer {
	int fd;
	const struct ly_format *fmt;
	bool wav;
	size_t data_off;	/* WAV: where the samples start */
	off_t start;		/* end of the appended-to part */
	off_t end;		/* end of what is written */
	unsigned bytes_per_ms;
	char *path, *tmp;
};

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

static void le16(uint8_t *p, unsigned v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}

static unsigned bytes_per_ms(const char *format)
{
	return strcmp(format, "slin16") == 0 ? 32 : strcmp(format, "slin") == 0 ? 16 : 8;
}

/* A 44-byte PCM header for slin or slin16; sizes filled in at close. */
static int write_wav_head(int fd, const struct ly_format *fmt)
{
	uint8_t h[WAV_HEAD] = { 0 };
	unsigned rate = fmt->rate;

	memcpy(h, "RIFF", 4);
	memcpy(h + 8, "WAVEfmt ", 8);
	le32(h + 16, 16);
	le16(h + 20, 1);	/* PCM */
	le16(h + 22, 1);	/* mono */
	le32(h + 24, rate);
	le32(h + 28, rate * 2);
	le16(h + 32, 2);
	le16(h + 34, 16);
	memcpy(h + 36, "data", 4);
	return write(fd, h, sizeof(h)) == (ssize_t)sizeof(h) ? 0 : errno ? errno : EIO;
}

/* Copy the first `len` bytes of src into fd. */
static int copy_prefix(int src, int fd, off_t len)
{
	char *buf = ly_malloc(COPY_BUF);
	int err = 0;

	while (len > 0 && !err) {
		ssize_t n = read(src, buf, len < COPY_BUF ? (size_t)len : COPY_BUF);

		if (n <= 0)
			err = n < 0 ? errno : EINVAL;
		else if (write(fd, buf, (size_t)n) != n)
			err = errno ? errno : EIO;
		len -= n > 0 ? n : 0;
	}
	free(buf);
	return err;
}

/* Appending: copy the existing file (a WAV up to its samples' end). */
static int copy_existing(struct ly_file_writer *w, const char *ext)
{
	int src = open(w->path, O_RDONLY | O_CLOEXEC), err = 0;
	struct stat st;
	off_t len;

	if (src < 0)
		return errno == ENOENT ? ENOENT : errno;
	if (fstat(src, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(src);
		return EISDIR;
	}
	len = st.st_size;
	if (w->wav) {
		uint8_t *head = ly_malloc(WAV_HEAD_MAX);
		ssize_t n = pread(src, head, WAV_HEAD_MAX, 0);
		struct ly_wav_info info;
		const char *why = "unreadable";

		err = n < 0 ? errno : ly_wav_parse(head, (size_t)n, (size_t)len, &info, &why);
		free(head);
		if (err) {
			ly_warning("%s: cannot append: %s", w->path, why);
			close(src);
			return EINVAL;
		}
		w->fmt = ly_format_find(info.format);
		w->data_off = info.data_off;
		len = (off_t)(info.data_off + info.data_len);
	} else {
		w->fmt = ly_format_find(ly_file_ext_format(ext));
	}
	err = w->fmt ? copy_prefix(src, w->fd, len) : ENOSYS;
	close(src);
	w->start = w->end = len;
	return err;
}

/* A fresh file: the WAV header, or nothing. */
static int start_new(struct ly_file_writer *w, const struct ly_format *fmt, const char *ext)
{
	if (!w->wav) {
		w->fmt = ly_format_find(ly_file_ext_format(ext));
		return w->fmt ? 0 : ENOSYS;
	}
	if (!fmt || (strcmp(fmt->name, "slin") != 0 && strcmp(fmt->name, "slin16") != 0))
		return ENOTSUP;
	w->fmt = fmt;
	w->data_off = WAV_HEAD;
	w->start = w->end = WAV_HEAD;
	return write_wav_head(w->fd, fmt);
}

/* ".NAME.XXXXXX" beside path. */
static char *temp_name(const char *path)
{
	char *d = ly_strdup(path), *b = ly_strdup(path), *t;
	size_t len = strlen(path) + 16;

	t = ly_malloc(len);
	snprintf(t, len, "%s/.%s.XXXXXX", dirname(d), basename(b));
	free(d);
	free(b);
	return t;
}

int ly_file_writer_open(const char *path, const struct ly_format *fmt, bool append,
			struct ly_file_writer **out)
{
	const char *ext = strrchr(path, '.');
	struct ly_file_writer *w;
	int err;

	*out = NULL;
	/* A raw file's format is its extension's; wav is read from the header. */
	if (!ext || (strcmp(ext, ".wav") != 0 && !ly_file_ext_format(ext + 1)) ||
	    strcmp(ext, ".g722") == 0)
		return ENOTSUP;
	w = ly_calloc(1, sizeof(*w));
	w->wav = strcmp(ext, ".wav") == 0;
	w->path = ly_strdup(path);
	w->tmp = temp_name(path);
	if ((w->fd = mkostemp(w->tmp, O_CLOEXEC)) < 0) {
		err = errno;
		free(w->tmp);
		w->tmp = NULL;
		ly_file_writer_close(w, false);
		return err;
	}
	fchmod(w->fd, 0640);
	err = append ? copy_existing(w, ext + 1) : ENOENT;
	if (err == ENOENT)
		err = start_new(w, fmt, ext + 1);
	if (err) {
		ly_file_writer_close(w, false);
		return err;
	}
	w->bytes_per_ms = bytes_per_ms(w->fmt->name);
	*out = w;
	return 0;
}

const struct ly_format *ly_file_writer_format(const struct ly_file_writer *w)
{
	return w->fmt;
}

int ly_file_writer_write(struct ly_file_writer *w, const struct ly_frame *f)
{
	ssize_t n;

	if (f->type != LY_FRAME_VOICE || f->format != w->fmt)
		return EINVAL;
	n = pwrite(w->fd, f->data, f->datalen, w->end);
	if (n != (ssize_t)f->datalen)
		return n < 0 ? errno : EIO;
	w->end += n;
	return 0;
}

unsigned ly_file_writer_ms(const struct ly_file_writer *w)
{
	return (unsigned)((w->end - w->start) / w->bytes_per_ms);
}

int ly_file_writer_trim(struct ly_file_writer *w, unsigned ms)
{
	off_t drop = (off_t)ms * w->bytes_per_ms;

	w->end = w->end - w->start > drop ? w->end - drop : w->start;
	return ftruncate(w->fd, w->end) == 0 ? 0 : errno;
}

/* The RIFF and data sizes, now that the length is known. */
static int finish_wav(struct ly_file_writer *w)
{
	uint8_t v[4];
	int err = 0;

	le32(v, (uint32_t)(w->end - 8));
	if (pwrite(w->fd, v, 4, 4) != 4)
		err = errno ? errno : EIO;
	le32(v, (uint32_t)(w->end - (off_t)w->data_off));
	if (!err && pwrite(w->fd, v, 4, (off_t)w->data_off - 4) != 4)
		err = errno ? errno : EIO;
	return err;
}

int ly_file_writer_close(struct ly_file_writer *w, bool keep)
{
	int err = 0;

	if (!w)
		return 0;
	if (w->fd >= 0 && keep) {
		if (w->wav)
			err = finish_wav(w);
		/* Durable before it gets its name. */
		if (!err && fsync(w->fd) < 0)
			err = errno;
	}
	if (w->fd >= 0 && close(w->fd) < 0 && !err)
		err = errno;
	if (w->tmp) {
		if (keep && !err && rename(w->tmp, w->path) < 0)
			err = errno;
		if (!keep || err)
			unlink(w->tmp);
	}
	free(w->tmp);
	free(w->path);
	free(w);
	return err;
}
