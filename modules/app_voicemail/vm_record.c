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

struct rec {
	struct ly_channel *c;
	struct ly_file_writer *w;
	const struct ly_format *src, *lin;
	struct ly_trans_path *to_lin, *to_file;
	struct ly_silence sil;
};

double vm_threshold_dbfs(int amplitude)
{
	/* A sine's average amplitude is 2/pi of its peak and its RMS 1/sqrt 2:
	 * RMS = avg * pi / (2 sqrt 2).  Asterisk's default 128 gives -46 dBFS. */
	double rms = (amplitude > 0 ? amplitude : 1) * M_PI / (2 * M_SQRT2);

	return 20 * log10(rms / 32768.0);
}

static int paths_for(struct rec *r, const struct ly_format *src)
{
	const struct ly_format *file = ly_file_writer_format(r->w);

	if (src == r->src)
		return 0;
	ly_trans_path_free(r->to_lin);
	ly_trans_path_free(r->to_file);
	r->to_lin = r->to_file = NULL;
	r->src = src;
	if ((src != r->lin && !(r->to_lin = ly_trans_path_new(src, r->lin))) ||
	    (r->lin != file && !(r->to_file = ly_trans_path_new(r->lin, file)))) {
		ly_warning("%s: voicemail: no translation from %s to %s", ly_chan_name(r->c),
			   src->name, file->name);
		return ENOSYS;
	}
	return 0;
}

static int voice(struct rec *r, const struct ly_frame *f, unsigned *silent_ms)
{
	struct ly_frame *lin, *out;
	int err = paths_for(r, f->format);

	if (err)
		return err;
	lin = r->to_lin ? ly_trans_path_run(r->to_lin, f) : ly_frame_dup(f);
	if (!lin)
		return 0;
	*silent_ms = ly_silence_feed(&r->sil, (const int16_t *)lin->data, lin->datalen / 2);
	out = r->to_file ? ly_trans_path_run(r->to_file, lin) : lin;
	if (out)
		err = ly_file_writer_write(r->w, out);
	if (out != lin)
		ly_frame_free(out);
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

static const struct ly_format *wav_format(struct ly_channel *c)
{
	const struct ly_format *n = ly_chan_native_format(c);

	return ly_format_find(n && n->rate >= 16000 ? "slin16" : "slin");
}

int vm_record(struct ly_channel *c, const char *path, struct vm_rec *o)
{
	struct rec r = { .c = c };
	int err = ly_file_writer_open(path, wav_format(c), false, &r.w);

	o->end = VM_REC_ERROR;
	o->digit = 0;
	o->ms = 0;
	if (err) {
		ly_warning("%s: voicemail: cannot write '%s': %s", ly_chan_name(c), path,
			   strerror(err));
		return err;
	}
	r.lin = ly_format_find(ly_file_writer_format(r.w)->rate >= 16000 ? "slin16" : "slin");
	ly_silence_init(&r.sil, r.lin->rate, o->on_dbfs ? o->on_dbfs : LY_SILENCE_ON_DBFS,
			o->off_dbfs ? o->off_dbfs : LY_SILENCE_OFF_DBFS);
	if (o->beep)
		vm_play(c, "beep", NULL);
	ly_verbose(3, "%s: voicemail: recording to '%s'", ly_chan_name(c), path);
	if (ly_chan_check_hangup(c))
		o->end = VM_REC_HANGUP;
	else
		record_loop(&r, o);
	if (o->end == VM_REC_SILENCE && r.sil.silent_ms > KEEP_TAIL_MS)
		ly_file_writer_trim(r.w, r.sil.silent_ms - KEEP_TAIL_MS);
	o->ms = ly_file_writer_ms(r.w);
	err = ly_file_writer_close(r.w, o->end != VM_REC_ERROR);
	ly_trans_path_free(r.to_lin);
	ly_trans_path_free(r.to_file);
	if (err)
		o->end = VM_REC_ERROR;
	ly_verbose(3, "%s: voicemail: recorded %u ms (end %d)", ly_chan_name(c), o->ms, o->end);
	return o->end == VM_REC_ERROR ? (err ? err : EIO) : 0;
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
