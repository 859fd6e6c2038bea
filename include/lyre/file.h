/*
 * lyre/file.h - sound files (prompts) and playing them to channels.
 *
 * A prompt is named as in Asterisk, by its path without an extension
 * ("vm-intro", "digits/7").  It is looked for, in this order, in
 *   <sounddir>/<language>/NAME.<ext>, <sounddir>/NAME.<ext>,
 *   /usr/share/asterisk/sounds/<language>/NAME.<ext>,
 *   /usr/share/asterisk/sounds/NAME.<ext>
 * and in the first folder that has the prompt at all, the format that
 * costs least to translate to the channel's format wins (Asterisk's rule).
 *
 * Formats (extension: format):
 *   .wav   RIFF WAVE, mono: 16-bit PCM at 8 kHz (slin) or 16 kHz (slin16),
 *          G.711 mu-law (ulaw) or A-law (alaw) at 8 kHz
 *   .ulaw .alaw .sln .sln16 .g722   raw, headerless (.g722: 16 kHz audio,
 *          8000 bytes a second, Asterisk's .g722)
 *
 * Names never leave the sound folders: a name with a ".." component, or
 * an absolute path outside every sound folder, is refused (EACCES, with a
 * warning).
 */
#ifndef LYRE_FILE_H
#define LYRE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ly_channel;
struct ly_format;
struct ly_frame;

/* ---- The WAV header (RIFF chunks; no I/O, so it can be fuzzed) ---- */

struct ly_wav_info {
	const char *format;	/* "slin", "slin16", "ulaw" or "alaw" */
	unsigned rate;
	size_t data_off;	/* where the samples start */
	size_t data_len;	/* bytes of samples (clamped to the file) */
};

/*
 * Parse the start of a WAV file: `buf` holds its first `len` bytes and the
 * whole file is `file_size` bytes.  0, or EINVAL (malformed: *why says
 * what) or ENOTSUP (a well-formed WAV in a format Lyre does not play).
 * A data chunk longer than the file (streamed WAVs write 0xFFFFFFFF) is
 * clamped to the file; a partial sample at the end is dropped.
 */
int ly_wav_parse(const uint8_t *buf, size_t len, size_t file_size, struct ly_wav_info *out,
		 const char **why);

/* ---- Files ---- */

struct ly_file;	/* one open sound file, read from start to end */

/* The format name for an extension ("sln" -> "slin"; "wav" -> NULL: read the header). */
const char *ly_file_ext_format(const char *ext);

/* Open one file by its full path; the extension decides how it is read.
 * ENOENT, EINVAL/ENOTSUP (bad WAV, logged), ENOSYS (format not loaded). */
int ly_file_open_path(const char *path, struct ly_file **out);

/*
 * Find NAME in `dirs` (NULL-terminated; each tried with <lang>/ first) and
 * pick the cheapest format to translate to `want` (NULL: any, the first
 * found).  The chosen path goes into path.  0, ENOENT, or EACCES for a
 * name that would leave the folders.
 */
int ly_file_find(const char *const *dirs, const char *name, const char *language,
		 const struct ly_format *want, char *path, size_t len);
/* The same with the daemon's folders (lyre.conf sounddir, then Debian's
 * /usr/share/asterisk/sounds), then ly_file_open_path. */
int ly_file_open(const char *name, const char *language, const struct ly_format *want,
		 struct ly_file **out);

const struct ly_format *ly_file_format(const struct ly_file *f);
/* From here on read f in `want`, translated once and shared by every
 * reader of the same prompt (the audio must be held in memory and `want`
 * a one-byte-per-sample format such as G.711; the position is kept).
 * 0 (also when f already is in `want`), ENOTSUP, or ENOSYS (no path):
 * then the caller translates each frame itself, as before. */
int ly_file_use_format(struct ly_file *f, const struct ly_format *want);
const char *ly_file_path(const struct ly_file *f);
/* The next `ms` milliseconds of audio as a voice frame in the file's
 * format (shorter at the end), or NULL at the end of the file. */
struct ly_frame *ly_file_read(struct ly_file *f, unsigned ms);
void ly_file_close(struct ly_file *f);	/* NULL-safe */
/* Where the next read starts, in ms of audio from the start. */
long ly_file_tell(const struct ly_file *f);
/* Move the read position to `ms` from the start (SEEK_SET), the current
 * position (SEEK_CUR) or the end (SEEK_END), clamped to the audio.
 * 0 or an errno from lseek. */
int ly_file_seek(struct ly_file *f, long ms, int whence);

/* ---- Writing (Record) ---- */

/*
 * A file being written.  The audio goes to a temporary file beside the
 * final one (".NAME.XXXXXX" in the same folder, so the rename is atomic);
 * ly_file_writer_close renames it to the final name, so a crash never
 * leaves half a file under that name.  Formats by extension: .wav (16-bit
 * PCM, 8 or 16 kHz as `fmt` says: slin or slin16; mu-law and A-law WAVs
 * are appended to but not created), .ulaw .alaw .sln .sln16 raw.
 */
struct ly_file_writer;

/*
 * Start writing `path` in `fmt` (for .wav: slin or slin16; for raw files
 * the extension's format, and fmt is ignored).  append: start from a copy
 * of the existing file (a WAV keeps its own format, which
 * ly_file_writer_format then gives).  0, ENOTSUP (unknown extension or a
 * format a WAV cannot hold), EINVAL (the file to append to is no WAV we
 * read), ENOSYS (format not loaded) or an errno from the file system.
 */
int ly_file_writer_open(const char *path, const struct ly_format *fmt, bool append,
			struct ly_file_writer **out);
const struct ly_format *ly_file_writer_format(const struct ly_file_writer *w);
/* Append a voice frame in the writer's format.  0 or an errno. */
int ly_file_writer_write(struct ly_file_writer *w, const struct ly_frame *f);
/* Milliseconds of audio written in this session (not counting an appended-to start). */
unsigned ly_file_writer_ms(const struct ly_file_writer *w);
/* Drop the last `ms` of what this session wrote (e.g. the silence that
 * ended a recording). */
int ly_file_writer_trim(struct ly_file_writer *w, unsigned ms);
/* keep: finish the header and rename to the final name; else delete the
 * temporary file.  0 or an errno (the temporary file is gone either way).
 * NULL-safe. */
int ly_file_writer_close(struct ly_file_writer *w, bool keep);

/* ---- Playing to a channel ---- */

/*
 * Play prompt `name` to c, from c's driving thread, in 20 ms frames paced
 * by the media timers: the RTP session's media worker when the channel has
 * one, else the core's one shared 20 ms timer.  Returns when the prompt
 * ends, a digit in `stop` (NULL: none) is pressed, or c hangs up:
 *   0        played to the end, or stopped by a digit (*digit set, else 0)
 *   ENOENT   no such prompt (logged), EACCES refused name (logged)
 *   EPIPE    the channel hung up
 */
int ly_file_play(struct ly_channel *c, const char *name, const char *stop, char *digit);

/* The same for a file already open, from its current read position (the
 * position afterwards tells how far it got: ControlPlayback seeks). */
int ly_file_play_open(struct ly_channel *c, struct ly_file *file, const char *stop, char *digit);

/*
 * The same pacing for generated audio: `gen` is called once per 20 ms
 * tick (on the media worker, or on c's thread without RTP) and returns the
 * next frame in `fmt`, or NULL to end.  Milliwatt uses it.
 */
typedef struct ly_frame *(*ly_play_gen_fn)(void *arg);
int ly_play_generator(struct ly_channel *c, const struct ly_format *fmt, ly_play_gen_fn gen,
		      void *arg, const char *stop, char *digit);

#endif
