/* core/file_stream.c - playing a prompt to a channel in 20 ms frames, paced by a media timer (the RTP worker's, or one shared core timer). */
/*
 * Pacing: a channel with an RTP session hands the stream to the session's
 * media worker (ly_rtp_set_generator), whose 20 ms timerfd pulls one frame
 * per tick and sends it.  A channel without one (Local) joins the core's
 * media timer (core/media_timer.c), which every 20 ms credits each stream
 * one frame and wakes its channel thread; the channel thread reads
 * and writes the frame itself (only the driving thread writes to a
 * channel).  Either way no thread sleeps per channel, so thousands of
 * prompts can play at once.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/channel.h"
#include "lyre/file.h"
#include "lyre/format.h"
#include "lyre/frame.h"
#include "lyre/log.h"
#include "lyre/moh.h"
#include "lyre/rtp.h"
#include "lyre/thread.h"
#include "lyre/utils.h"

#include "media_timer.h"

#define FRAME_MS 20
/* A backstop only: the channel thread is woken by a frame when the stream
 * ends (the worker queues one) or is credited (the fallback timer), and by
 * a digit or hangup.  It used to look every 60 ms, and at thousands of
 * prompts those wake-ups cost more CPU than sending the audio. */
#define POLL_MS 5000
/* At most this many frames written at once after the channel thread lagged. */
#define MAX_CATCH_UP 3

struct stream {
	struct ly_channel *c;
	ly_play_gen_fn gen;		/* the next 20 ms in format `fmt`, NULL at the end */
	void *gen_arg;
	struct ly_trans_path *path;	/* NULL: the file is in the channel's format */
	atomic_bool done;		/* the file has no more audio */
	struct media_timer_entry timer;	/* without RTP: core/media_timer.c */
};

/* The next 20 ms in the channel's format, NULL at the end. */
static struct ly_frame *next_frame(struct stream *s)
{
	for (;;) {
		struct ly_frame *in = s->gen(s->gen_arg), *out;

		if (!in) {
			atomic_store(&s->done, true);
			return NULL;
		}
		if (!s->path)
			return in;
		out = ly_trans_path_run(s->path, in);
		ly_frame_free(in);
		if (out)
			return out;	/* else the translator buffered it: read on */
	}
}

/* RTP generator: runs on the media worker every 20 ms, under the RTP
 * session's lock.  At the end it wakes the channel thread; the channel's
 * lock is taken last everywhere (nothing is called while it is held), so
 * taking it here cannot deadlock. */
static struct ly_frame *rtp_gen(void *arg)
{
	struct stream *s = arg;
	struct ly_frame *f;

	if (atomic_load(&s->done))
		return NULL;
	f = next_frame(s);
	if (!f)
		ly_chan_queue_frame(s->c, ly_frame_new(LY_FRAME_NULL, 0));
	return f;
}

/* Fallback: write the frames the timer has credited since the last look. */
static void write_credited(struct stream *s)
{
	unsigned n = media_timer_take(&s->timer);

	for (unsigned i = 0; i < n && i < MAX_CATCH_UP && !atomic_load(&s->done); i++) {
		struct ly_frame *f = next_frame(s);

		if (f) {
			ly_chan_write(s->c, f);
			ly_frame_free(f);
		}
	}
}

/* ---- playing ---- */

static struct ly_rtp *chan_rtp(struct ly_channel *c)
{
	const struct ly_chan_tech *t = ly_chan_tech(c);

	return t && t->get_rtp ? t->get_rtp(c) : NULL;
}

/* Read the channel until the end, a stop digit or hangup. */
static int wait_end(struct stream *s, bool fallback, const char *stop, char *digit)
{
	while (!atomic_load(&s->done)) {
		struct ly_frame *f = ly_chan_read(s->c, POLL_MS);
		bool hangup = ly_chan_check_hangup(s->c);
		char d = 0;

		if (f && f->type == LY_FRAME_DTMF_END)
			d = f->digit;
		hangup |= f && f->type == LY_FRAME_CONTROL && f->control == LY_CONTROL_HANGUP;
		ly_frame_free(f);
		if (hangup)
			return EPIPE;
		if (d && stop && strchr(stop, d)) {
			*digit = d;
			return 0;
		}
		if (fallback)
			write_credited(s);
	}
	return 0;
}

int ly_play_generator(struct ly_channel *c, const struct ly_format *fmt, ly_play_gen_fn gen,
		      void *arg, const char *stop, char *digit)
{
	const struct ly_format *want = ly_chan_native_format(c);
	struct stream *s = ly_calloc(1, sizeof(*s));
	struct ly_rtp *rtp = chan_rtp(c);
	int err;

	/* A prompt ends the channel's background audio (music, tones), as
	 * Asterisk deactivates a channel's generator when a file starts: on
	 * RTP the stream would replace it anyway, and without RTP both would
	 * be written, interleaved. */
	ly_chan_gen_stop(c, NULL);
	*digit = 0;
	s->c = c;
	s->timer.c = c;
	s->gen = gen;
	s->gen_arg = arg;
	if (want && want != fmt && !(s->path = ly_trans_path_new(fmt, want))) {
		ly_warning("%s: no translation from %s to %s", ly_chan_name(c), fmt->name,
			   want->name);
		free(s);
		return ENOSYS;
	}
	/* An engine without generators (ENOTSUP) falls back to the core timer. */
	if (rtp && ly_rtp_set_generator(rtp, rtp_gen, s) != 0)
		rtp = NULL;
	err = rtp ? 0 : media_timer_join(&s->timer);
	if (!err) {
		err = wait_end(s, !rtp, stop, digit);
		if (rtp)
			ly_rtp_set_generator(rtp, NULL, NULL);	/* returns once gen is idle */
		else
			media_timer_leave(&s->timer);
	}
	ly_trans_path_free(s->path);
	free(s);
	return err;
}

static struct ly_frame *file_gen(void *arg)
{
	return ly_file_read(arg, FRAME_MS);
}

int ly_file_play_open(struct ly_channel *c, struct ly_file *file, const char *stop, char *digit)
{
	/* Callers of a prompt share its translation when they can. */
	(void)ly_file_use_format(file, ly_chan_native_format(c));
	return ly_play_generator(c, ly_file_format(file), file_gen, file, stop, digit);
}

int ly_file_play(struct ly_channel *c, const char *name, const char *stop, char *digit)
{
	char lang[32];
	struct ly_file *file;
	int err;

	*digit = 0;
	err = ly_file_open(name, ly_chan_language(c, lang, sizeof(lang)), ly_chan_native_format(c),
			   &file);
	if (err) {
		if (err != EACCES)
			ly_warning("%s: cannot play '%s': %s", ly_chan_name(c), name,
				   err == ENOENT ? "no such sound file" : strerror(err));
		return err == EACCES ? EACCES : ENOENT;
	}
	ly_verbose(3, "%s: playing '%s' (%s)", ly_chan_name(c), ly_file_path(file),
		   ly_file_format(file)->name);
	err = ly_file_play_open(c, file, stop, digit);
	ly_file_close(file);
	return err;
}
