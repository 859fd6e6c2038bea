/*
 * modules/app_voicemail/vm_record.c - record a message or a greeting from
 * a channel, and the small prompt helpers the menus share.
 *
 * The recording goes through the core's file writer (lyre/file.h): a
 * temporary file renamed to `path` when it is closed, so `path` exists
 * only once complete.  It ends at a key of r->ends, r->silence_ms of
 * silence (cut from the end but for 200 ms, as Record does), r->max_ms,
 * or a hangup (the audio so far is kept, as Asterisk keeps a message
 * whose caller hangs up).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>
#include <lyre/silence.h>

#include "vm_int.h"
#include "../app_say/say_en.h"

#define KEEP_TAIL_MS 200
#define POLL_MS 100
#define ANY_KEY "0123456789*#ABCD"

/* One file being written, and the way from linear audio to its format. */
struct out {
	struct ly_file_writer *w;
	struct ly_trans_path *from_lin;	/* NULL: the file is linear */
	char ext[8];
};

struct rec {
	struct ly_channel *c;
	struct out outs[VM_MAX_FORMATS];
	int n_outs;
	const struct ly_format *src, *lin;
	struct ly_trans_path *to_lin;
	struct ly_silence sil;
};

double vm_threshold_dbfs(int amplitude)
{
	/* A sine's average amplitude is 2/pi of its peak and its RMS 1/sqrt 2:
	 * RMS = avg * pi / (2 sqrt 2).  Asterisk's default 128 gives -46 dBFS. */
	double rms = (amplitude > 0 ? amplitude : 1) * M_PI / (2 * M_SQRT2);

	return 20 * log10(rms / 32768.0);
}

/* The channel's audio to linear (the silence detector's and every file's
 * starting point); rebuilt when the channel's format changes. */
static int lin_path_for(struct rec *r, const struct ly_format *src)
{
	if (src == r->src)
		return 0;
	ly_trans_path_free(r->to_lin);
	r->to_lin = NULL;
	r->src = src;
	if (src != r->lin && !(r->to_lin = ly_trans_path_new(src, r->lin))) {
		ly_warning("%s: voicemail: no translation from %s to %s", ly_chan_name(r->c),
			   src->name, r->lin->name);
		return ENOSYS;
	}
	return 0;
}

static int write_all(struct rec *r, const struct ly_frame *lin)
{
	int err = 0;

	for (int i = 0; i < r->n_outs && !err; i++) {
		struct out *o = &r->outs[i];
		struct ly_frame *f = o->from_lin ? ly_trans_path_run(o->from_lin, lin) : NULL;

		if (!o->from_lin)
			err = ly_file_writer_write(o->w, lin);
		else if (f)
			err = ly_file_writer_write(o->w, f);
		ly_frame_free(f);
	}
	return err;
}

static int voice(struct rec *r, const struct ly_frame *f, unsigned *silent_ms)
{
	struct ly_frame *lin;
	int err = lin_path_for(r, f->format);

	if (err)
		return err;
	lin = r->to_lin ? ly_trans_path_run(r->to_lin, f) : ly_frame_dup(f);
	if (!lin)
		return 0;
	*silent_ms = ly_silence_feed(&r->sil, (const int16_t *)lin->data, lin->datalen / 2);
	err = write_all(r, lin);
	ly_frame_free(lin);
	return err;
}

static void record_loop(struct rec *r, struct vm_rec *o)
{
	uint64_t deadline = o->max_ms ? ly_now_ms() + o->max_ms : 0;
	unsigned silent = 0;

	for (;;) {
		struct ly_frame *f = ly_chan_read(r->c, POLL_MS);
		bool done = true;

		if (ly_chan_check_hangup(r->c) ||
		    (f && f->type == LY_FRAME_CONTROL && f->control == LY_CONTROL_HANGUP)) {
			o->end = VM_REC_HANGUP;
		} else if (f && f->type == LY_FRAME_DTMF_END && f->digit && o->ends &&
			   strchr(o->ends, f->digit)) {
			o->end = VM_REC_KEY;
			o->digit = f->digit;
		} else if (f && f->type == LY_FRAME_VOICE && voice(r, f, &silent) != 0) {
			o->end = VM_REC_ERROR;
		} else if (o->silence_ms && silent >= o->silence_ms) {
			o->end = VM_REC_SILENCE;
		} else if (deadline && ly_now_ms() >= deadline) {
			o->end = VM_REC_MAXTIME;
		} else {
			done = false;
		}
		ly_frame_free(f);
		if (done)
			return;
	}
}

static const struct ly_format *lin_format(struct ly_channel *c)
{
	const struct ly_format *n = ly_chan_native_format(c);

	return ly_format_find(n && n->rate >= 16000 ? "slin16" : "slin");
}

/* Open base.ext; a format that cannot be written is skipped (logged). */
static void open_out(struct rec *r, const char *base, const char *ext)
{
	struct out *o = &r->outs[r->n_outs];
	const struct ly_format *file;
	char path[VM_PATH];
	int err;

	vm_fmt(path, sizeof(path), "%s.%s", base, ext);
	err = ly_file_writer_open(path, r->lin, false, &o->w);
	if (err) {
		ly_warning("%s: voicemail: cannot write '%s' (format %s): %s; skipped",
			   ly_chan_name(r->c), path, ext, strerror(err));
		return;
	}
	file = ly_file_writer_format(o->w);
	o->from_lin = NULL;
	if (file != r->lin && !(o->from_lin = ly_trans_path_new(r->lin, file))) {
		ly_warning("%s: voicemail: no translation from %s to %s: '%s' skipped",
			   ly_chan_name(r->c), r->lin->name, file->name, path);
		ly_file_writer_close(o->w, false);
		return;
	}
	vm_fmt(o->ext, sizeof(o->ext), "%s", ext);
	r->n_outs++;
}

static int close_outs(struct rec *r, struct vm_rec *o)
{
	int err = 0;

	for (int i = 0; i < r->n_outs; i++) {
		struct out *x = &r->outs[i];
		int e;

		if (o->end == VM_REC_SILENCE && r->sil.silent_ms > KEEP_TAIL_MS)
			ly_file_writer_trim(x->w, r->sil.silent_ms - KEEP_TAIL_MS);
		if (i == 0)
			o->ms = ly_file_writer_ms(x->w);
		e = ly_file_writer_close(x->w, o->end != VM_REC_ERROR);
		if (e && !err)
			err = e;
		ly_trans_path_free(x->from_lin);
	}
	return err;
}

int vm_record_formats(struct ly_channel *c, const char *base, char (*exts)[8], int n,
		      struct vm_rec *o)
{
	struct rec r = { .c = c, .lin = lin_format(c) };
	int err;

	o->end = VM_REC_ERROR;
	o->digit = 0;
	o->ms = 0;
	for (int i = 0; i < n && r.n_outs < VM_MAX_FORMATS; i++)
		open_out(&r, base, exts[i]);
	if (r.n_outs == 0) {
		ly_warning("%s: voicemail: no format of '%s' could be written", ly_chan_name(c),
			   base);
		return EIO;
	}
	ly_silence_init(&r.sil, r.lin->rate, o->on_dbfs ? o->on_dbfs : LY_SILENCE_ON_DBFS,
			o->off_dbfs ? o->off_dbfs : LY_SILENCE_OFF_DBFS);
	if (o->beep)
		vm_play(c, "beep", NULL);
	ly_verbose(3, "%s: voicemail: recording to '%s.%s'%s", ly_chan_name(c), base,
		   r.outs[0].ext, r.n_outs > 1 ? " (and other formats)" : "");
	if (ly_chan_check_hangup(c))
		o->end = VM_REC_HANGUP;
	else
		record_loop(&r, o);
	err = close_outs(&r, o);
	ly_trans_path_free(r.to_lin);
	if (err)
		o->end = VM_REC_ERROR;
	ly_verbose(3, "%s: voicemail: recorded %u ms (end %d)", ly_chan_name(c), o->ms, o->end);
	return o->end == VM_REC_ERROR ? (err ? err : EIO) : 0;
}

int vm_record(struct ly_channel *c, const char *path, struct vm_rec *o)
{
	char base[VM_PATH], ext[1][8] = { "wav" };
	const char *dot = strrchr(path, '.');

	if (!dot || strlen(dot + 1) >= sizeof(ext[0]))
		return EINVAL;
	vm_fmt(base, sizeof(base), "%.*s", (int)(dot - path), path);
	vm_fmt(ext[0], sizeof(ext[0]), "%s", dot + 1);
	return vm_record_formats(c, base, ext, 1, o);
}

/* ---- Prompts ---- */

int vm_play(struct ly_channel *c, const char *name, const char *stop)
{
	char digit = 0;
	int err = ly_file_play(c, name, stop, &digit);

	if (err == EPIPE || ly_chan_check_hangup(c))
		return -1;
	return (unsigned char)digit;
}

int vm_play_path(struct ly_channel *c, const char *path, const char *stop)
{
	struct ly_file *f;
	char digit = 0;
	int err = ly_file_open_path(path, &f);

	if (err) {
		ly_warning("%s: voicemail: cannot play '%s': %s", ly_chan_name(c), path,
			   strerror(err));
		return ly_chan_check_hangup(c) ? -1 : 0;
	}
	ly_verbose(3, "%s: voicemail: playing '%s'", ly_chan_name(c), path);
	err = ly_file_play_open(c, f, stop, &digit);
	ly_file_close(f);
	if (err == EPIPE || ly_chan_check_hangup(c))
		return -1;
	return (unsigned char)digit;
}

static int play_list(struct ly_channel *c, const struct say_list *l, const char *stop)
{
	for (size_t i = 0; i < l->n; i++) {
		int d = vm_play(c, l->name[i], stop);

		if (d)
			return d;
	}
	return 0;
}

int vm_say_number(struct ly_channel *c, long n, const char *stop)
{
	struct say_list l = { 0 };

	say_number_en(&l, n);
	return play_list(c, &l, stop);
}

int vm_say_digits(struct ly_channel *c, const char *s, const char *stop)
{
	struct say_list l = { 0 };

	for (; *s; s++) {
		const char *name = say_digit_name(*s);

		if (name)
			say_add(&l, name);
	}
	return play_list(c, &l, stop);
}
