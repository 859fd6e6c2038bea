/* core/file.c - sound files: which file a prompt name means (folders, language, least translation cost) and reading it in frames. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lyre/core.h"
#include "lyre/file.h"
#include "lyre/format.h"
#include "lyre/frame.h"
#include "lyre/log.h"
#include "lyre/utils.h"

#include "file_cache.h"

/* Debian's asterisk-core-sounds-* packages install here. */
#define DEBIAN_SOUNDS "/usr/share/asterisk/sounds"
/* A WAV's chunks before "data" must fit in this much. */
#define WAV_HEAD_MAX 65536

struct ly_file {
	int fd;
	const struct ly_format *fmt;
	unsigned bytes_per_sec;
	size_t left;		/* bytes of audio not yet read */
	size_t len;		/* bytes of audio in all */
	off_t start;		/* where the audio starts in the file */
	char *path;
	bool whole2;		/* 16-bit samples: frames hold whole ones */
	/* A media worker pulls one 20 ms frame per stream per tick, and a
	 * read() per frame was a tenth of its time at thousands of streams.
	 * So the audio of a prompt comes from memory shared by all its
	 * streams (file_cache.c), and a file too large for that is read
	 * ahead: bytes rb[rb_pos..rb_len) are read but not handed out, and
	 * `left` still counts them. */
	struct file_cache_ent *cached;	/* NULL: streamed */
	const uint8_t *audio;		/* the cached audio */
	uint8_t *rb;
	size_t rb_pos, rb_len;
};

#define READ_AHEAD 4096	/* 128 ms of slin16, 256 ms of slin, 512 ms of G.711 */

/* In the order a tie in cost is broken: the shipped set first. */
static const struct {
	const char *ext, *format;
} exts[] = {
	{ "wav", NULL }, { "g722", "g722" }, { "sln16", "slin16" }, { "sln", "slin" },
	{ "ulaw", "ulaw" }, { "alaw", "alaw" },
};
#define N_EXTS (sizeof(exts) / sizeof(exts[0]))

const char *ly_file_ext_format(const char *ext)
{
	for (size_t i = 0; i < N_EXTS; i++)
		if (strcmp(exts[i].ext, ext) == 0)
			return exts[i].format;
	return NULL;
}

static unsigned bytes_per_sec(const char *format)
{
	if (strcmp(format, "slin") == 0)
		return 16000;
	if (strcmp(format, "slin16") == 0)
		return 32000;
	return 8000;	/* ulaw, alaw; g722 packs two 16 kHz samples a byte */
}

static bool known_ext(const char *ext)
{
	for (size_t i = 0; i < N_EXTS; i++)
		if (strcmp(exts[i].ext, ext) == 0)
			return true;
	return false;
}

/* The WAV header of an open file; positions fd at the samples. */
static int wav_header(int fd, const char *path, struct ly_wav_info *info)
{
	uint8_t *head = ly_malloc(WAV_HEAD_MAX);
	struct stat st;
	const char *why = NULL;
	ssize_t n = fstat(fd, &st) == 0 ? pread(fd, head, WAV_HEAD_MAX, 0) : -1;
	int err = n < 0 ? errno : ly_wav_parse(head, (size_t)n, (size_t)st.st_size, info, &why);

	free(head);
	if (err && why)
		ly_warning("%s: refused: %s", path, why);
	else if (!err && lseek(fd, (off_t)info->data_off, SEEK_SET) < 0)
		err = errno;
	return err;
}

int ly_file_open_path(const char *path, struct ly_file **out)
{
	const char *ext = strrchr(path, '.'), *format;
	struct ly_wav_info info = { 0 };
	struct stat st;
	int fd, err = 0;

	*out = NULL;
	if (!ext || !known_ext(ext + 1))
		return ENOTSUP;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		err = EISDIR;
	else if (strcmp(ext, ".wav") == 0)
		err = wav_header(fd, path, &info);
	else
		info = (struct ly_wav_info){ .format = ly_file_ext_format(ext + 1),
					     .data_len = (size_t)st.st_size };
	format = info.format;
	if (!err && !ly_format_find(format))
		err = ENOSYS;
	if (err) {
		close(fd);
		return err;
	}
	*out = ly_calloc(1, sizeof(**out));
	(*out)->fd = fd;
	(*out)->fmt = ly_format_find(format);
	(*out)->bytes_per_sec = bytes_per_sec(format);
	(*out)->left = info.data_len;
	(*out)->len = info.data_len;
	(*out)->start = (off_t)info.data_off;
	(*out)->path = ly_strdup(path);
	(*out)->whole2 = strcmp(format, "slin") == 0 || strcmp(format, "slin16") == 0;
	if (file_cache_get(fd, &st, (off_t)info.data_off, info.data_len, &(*out)->audio,
			   &(*out)->cached) != 0) {
		(*out)->cached = NULL;	/* too large or unreadable now: stream it */
	} else {
		close(fd);	/* thousands of streams need no descriptor each */
		(*out)->fd = -1;
	}
	return 0;
}

/* ---- which file a name means ---- */

/* A ".." path component anywhere. */
static bool has_dotdot(const char *s)
{
	for (const char *p = s; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == s || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

/* Does the folder of the absolute name `name` lie inside one of dirs?
 * Checked before any file is touched, so a refusal says nothing about
 * what exists elsewhere. */
static bool inside_dirs(const char *const *dirs, const char *name)
{
	char parent[PATH_MAX], real[PATH_MAX], dir[PATH_MAX];
	const char *slash = strrchr(name, '/');
	bool in = false;

	if ((size_t)(slash - name) >= sizeof(parent))
		return false;
	memcpy(parent, name, (size_t)(slash - name));
	parent[slash - name] = '\0';
	if (!realpath(parent[0] ? parent : "/", real))
		return false;
	for (size_t i = 0; dirs[i] && !in; i++) {
		size_t n;

		if (!realpath(dirs[i], dir))
			continue;
		n = strlen(dir);
		in = strncmp(real, dir, n) == 0 && (real[n] == '/' || real[n] == '\0');
	}
	return in;
}

/* The format of the file at path, or NULL (missing, unreadable, not loaded). */
static const struct ly_format *format_of(const char *path)
{
	struct ly_file *f;
	const struct ly_format *fmt;

	if (ly_file_open_path(path, &f) != 0)
		return NULL;
	fmt = f->fmt;
	ly_file_close(f);
	return fmt;
}

struct best {
	long cost;	/* -1: nothing yet */
	char *path;
	size_t len;
};

/* Every format of base.<ext>; keeps the cheapest in *b. */
static void try_base(const char *base, const struct ly_format *want, struct best *b)
{
	for (size_t i = 0; i < N_EXTS; i++) {
		char path[PATH_MAX];
		const struct ly_format *fmt;
		int cost;

		if ((size_t)snprintf(path, sizeof(path), "%s.%s", base, exts[i].ext) >= sizeof(path) ||
		    access(path, R_OK) != 0 || !(fmt = format_of(path)))
			continue;
		cost = !want || fmt == want ? 0 : ly_trans_cost(fmt, want, NULL);
		if (cost < 0 || (b->cost >= 0 && cost >= b->cost))
			continue;
		b->cost = cost;
		ly_strlcpy(b->path, path, b->len);
	}
}

/* The folders one name is looked for in, in order. */
static size_t bases(const char *const *dirs, const char *name, const char *lang,
		    char out[][PATH_MAX], size_t max)
{
	size_t n = 0;

	if (name[0] == '/') {
		ly_strlcpy(out[n++], name, PATH_MAX);
		return n;
	}
	for (size_t i = 0; dirs[i] && n + 2 <= max; i++) {
		if (lang && lang[0])
			snprintf(out[n++], PATH_MAX, "%s/%s/%s", dirs[i], lang, name);
		snprintf(out[n++], PATH_MAX, "%s/%s", dirs[i], name);
	}
	return n;
}

int ly_file_find(const char *const *dirs, const char *name, const char *language,
		 const struct ly_format *want, char *path, size_t len)
{
	char (*base)[PATH_MAX];
	struct best b = { .cost = -1, .path = path, .len = len };
	size_t n;

	if (!name || !name[0])
		return ENOENT;
	if (has_dotdot(name)) {
		ly_warning("Sound file name '%s' refused: it leaves the sound folders", name);
		return EACCES;
	}
	if (name[0] == '/' && !inside_dirs(dirs, name)) {
		ly_warning("Sound file '%s' refused: outside the sound folders", name);
		return EACCES;
	}
	if (language && (strchr(language, '/') || has_dotdot(language)))
		language = NULL;	/* a language is one folder name */
	base = ly_malloc(8 * PATH_MAX);
	n = bases(dirs, name, language, base, 8);
	for (size_t i = 0; i < n && b.cost < 0; i++)
		try_base(base[i], want, &b);
	free(base);
	return b.cost < 0 ? ENOENT : 0;
}

int ly_file_open(const char *name, const char *language, const struct ly_format *want,
		 struct ly_file **out)
{
	const char *dirs[] = { ly_dirs()->sounddir, DEBIAN_SOUNDS, NULL };
	char path[PATH_MAX];
	int err;

	*out = NULL;
	if (!dirs[0])
		dirs[0] = DEBIAN_SOUNDS, dirs[1] = NULL;
	err = ly_file_find(dirs, name, language, want, path, sizeof(path));
	return err ? err : ly_file_open_path(path, out);
}

/* ---- reading ---- */

const struct ly_format *ly_file_format(const struct ly_file *f)
{
	return f->fmt;
}

const char *ly_file_path(const struct ly_file *f)
{
	return f->path;
}

/* Top the read-ahead buffer up from the file (never past the audio's end). */
static void read_ahead(struct ly_file *f)
{
	size_t have = f->rb_len - f->rb_pos, ask;
	ssize_t n;

	if (!f->rb)
		f->rb = ly_malloc(READ_AHEAD);
	memmove(f->rb, f->rb + f->rb_pos, have);
	f->rb_pos = 0;
	f->rb_len = have;
	ask = READ_AHEAD - have;
	if (ask > f->left - have)
		ask = f->left - have;
	if (ask > 0 && (n = read(f->fd, f->rb + have, ask)) > 0)
		f->rb_len += (size_t)n;
}

struct ly_frame *ly_file_read(struct ly_file *f, unsigned ms)
{
	size_t want = (size_t)f->bytes_per_sec * ms / 1000, n;
	const uint8_t *p;

	if (want > READ_AHEAD)
		want = READ_AHEAD;
	if (want > f->left)
		want = f->left;
	if (f->cached) {
		n = want;
	} else {
		if (f->rb_len - f->rb_pos < want)
			read_ahead(f);
		n = f->rb_len - f->rb_pos;
		if (n > want)
			n = want;
	}
	/* WAV and .sln hold little-endian samples, which is Lyre's slin on
	 * the little-endian hosts it runs on (Debian amd64/arm64). */
	if (f->whole2)
		n -= n % 2;	/* whole samples only */
	if (n == 0) {	/* the end, or the file is shorter than its header said */
		f->left = 0;
		return NULL;
	}
	if (f->cached) {
		p = f->audio + (f->len - f->left);
	} else {
		p = f->rb + f->rb_pos;
		f->rb_pos += n;
	}
	f->left -= n;
	return ly_frame_voice_new(f->fmt, f->fmt->samples(p, n), p, n);
}

long ly_file_tell(const struct ly_file *f)
{
	return (long)((f->len - f->left) * 1000 / f->bytes_per_sec);
}

int ly_file_seek(struct ly_file *f, long ms, int whence)
{
	long long base = whence == SEEK_CUR ? ly_file_tell(f) :
			 whence == SEEK_END ? (long long)(f->len * 1000 / f->bytes_per_sec) : 0;
	long long pos = (base + ms) * f->bytes_per_sec / 1000;

	if (pos < 0)
		pos = 0;
	if (pos > (long long)f->len)
		pos = (long long)f->len;
	pos -= pos % 2;	/* keep 16-bit samples whole (harmless for the 8-bit formats) */
	if (!f->cached && lseek(f->fd, f->start + (off_t)pos, SEEK_SET) < 0)
		return errno;
	f->left = f->len - (size_t)pos;
	f->rb_pos = f->rb_len = 0;	/* what was read ahead is from elsewhere */
	return 0;
}

/* ---- a prompt shared already translated ---- */

struct build_arg {
	const struct ly_format *from, *to;
	size_t chunk;		/* 20 ms of `from` */
	bool whole2;
};

/* Run the whole audio through one translation path in 20 ms frames, as
 * a stream would, and keep what comes out. */
static int build_translated(const uint8_t *audio, size_t len, void *arg, uint8_t **out,
			    size_t *outlen)
{
	const struct build_arg *a = arg;
	struct ly_trans_path *path = ly_trans_path_new(a->from, a->to);
	struct ly_buf b;

	if (!path)
		return ENOSYS;
	ly_buf_init(&b);
	for (size_t at = 0; at < len;) {
		size_t n = len - at < a->chunk ? len - at : a->chunk;
		struct ly_frame *in, *o;

		if (a->whole2)
			n -= n % 2;
		if (n == 0)
			break;
		in = ly_frame_voice_new(a->from, a->from->samples(audio + at, n), audio + at, n);
		if ((o = ly_trans_path_run(path, in)) != NULL)
			ly_buf_append(&b, o->data, o->datalen);
		ly_frame_free(o);
		ly_frame_free(in);
		at += n;
	}
	ly_trans_path_free(path);
	*outlen = b.len;
	*out = b.len ? (uint8_t *)b.data : ly_malloc(1);	/* the buffer is ours now */
	if (!b.len)
		ly_buf_free(&b);
	return 0;
}

/* One byte per sample at 8 kHz (G.711): any byte offset is a frame
 * boundary, so a translated copy can be entered anywhere. */
static bool byte_per_sample(const struct ly_format *fmt)
{
	static const uint8_t probe[8];

	return fmt->rate == 8000 && fmt->samples(probe, sizeof(probe)) == sizeof(probe);
}

int ly_file_use_format(struct ly_file *f, const struct ly_format *want)
{
	struct build_arg a;
	const uint8_t *data;
	size_t len, at;
	long ms;
	int err;

	if (!want || want == f->fmt)
		return 0;
	if (!f->cached || !byte_per_sample(want))
		return ENOTSUP;
	a = (struct build_arg){ .from = f->fmt, .to = want, .whole2 = f->whole2,
				.chunk = (size_t)f->bytes_per_sec / 50 };
	err = file_cache_variant(f->cached, want, build_translated, &a, &data, &len);
	if (err)
		return err;
	ms = ly_file_tell(f);
	at = (size_t)ms * (want->rate / 1000);
	f->fmt = want;
	f->bytes_per_sec = want->rate;
	f->whole2 = false;
	f->audio = data;
	f->len = len;
	f->left = at < len ? len - at : 0;
	return 0;
}

void ly_file_close(struct ly_file *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
	free(f->rb);
	file_cache_put(f->cached);
	free(f);
}
