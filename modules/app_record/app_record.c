/*
 * modules/app_record/app_record.c - Record(): the caller's audio into a
 * sound file.
 *
 * Record(file.format[,silence[,maxduration[,options]]]), with Asterisk's
 * meaning.  The format is the extension: wav (16-bit PCM, 16 kHz when the
 * channel's codec is wideband, else 8 kHz), ulaw, alaw, sln, sln16.  The
 * file is written under a temporary name and renamed when the recording
 * ends (lyre/file.h), so a crash leaves no half file under its name.
 * Where it goes and which names are refused: record_path.c.
 *
 * A beep plays first (option q: quiet).  The recording ends at:
 *   - '#' (option t: '*' instead; y: any key; x: no key ends it)  DTMF
 *   - `silence` seconds of silence (energy detector, lyre/silence.h, or
 *     with option v speexdsp's VAD, record_vad.c); the silence is cut
 *     from the end but for its first 200 ms                    SILENCE
 *   - `maxduration` seconds                                      TIMEOUT
 *   - the caller hanging up (the file is kept)                   HANGUP
 * RECORD_STATUS is one of those, SKIP (option s and the channel is not
 * answered) or ERROR (bad arguments, a refused name, a write error), and
 * RECORDED_FILE the file's path without its extension.  Options: a
 * (append to an existing file), n (do not answer), q, s, t, v, x, y.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lyre/lyre.h>
#include <lyre/silence.h>

#include "record_int.h"

/* How much of the silence that ended a recording is kept. */
#define KEEP_TAIL_MS 200
#define POLL_MS 100

enum status { SUCCESS, SILENCE, SKIP, TIMEOUT, HANGUP, DTMF, ERROR };
static const char *const status_names[] = { "SUCCESS", "SILENCE", "SKIP", "TIMEOUT",
					    "HANGUP", "DTMF", "ERROR" };

struct opts {
	char *name;
	unsigned silence_ms, max_ms;
	bool append, noanswer, quiet, skip;
	bool vad;		/* v: speexdsp's VAD judges silence, not the energy detector */
	const char *ends;	/* digits that end the recording */
};

struct rec {
	struct ly_channel *c;
	struct ly_file_writer *w;
	const struct ly_format *src;	/* the format the paths were built for */
	const struct ly_format *lin;	/* what the detector reads: slin or slin16 */
	struct ly_trans_path *to_lin, *to_file;
	struct ly_silence sil;
	struct record_vad *vad;		/* option v: used instead of sil */
};

static unsigned seconds_ms(const char *s)
{
	double v = s && *s ? atof(s) : 0;

	return v > 0 && v < 86400 ? (unsigned)(v * 1000) : 0;
}

static void parse(char *copy, struct opts *o)
{
	char *argv[4] = { 0 };
	int n = ly_app_split_args(copy, argv, 4);
	const char *flags = n > 3 ? argv[3] : "";

	o->name = argv[0];
	o->silence_ms = seconds_ms(n > 1 ? argv[1] : NULL);
	o->max_ms = seconds_ms(n > 2 ? argv[2] : NULL);
	o->append = strchr(flags, 'a') != NULL;
	o->noanswer = strchr(flags, 'n') != NULL;
	o->quiet = strchr(flags, 'q') != NULL;
	o->skip = strchr(flags, 's') != NULL;
	o->vad = strchr(flags, 'v') != NULL;
	o->ends = strchr(flags, 'x')   ? ""
		  : strchr(flags, 'y') ? "0123456789*#ABCD"
		  : strchr(flags, 't') ? "*"
				       : "#";
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* (Re)build the translation paths for frames in `src`. */
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
		ly_warning("%s: Record: no translation from %s to %s", ly_chan_name(r->c),
			   src->name, file->name);
		return ENOSYS;
	}
	return 0;
}

/* One frame of audio: detector, then the file.  Returns the silence so far. */
static int voice(struct rec *r, const struct ly_frame *f, unsigned *silent_ms)
{
	struct ly_frame *lin, *out;
	int err = paths_for(r, f->format);

	if (err)
		return err;
	lin = r->to_lin ? ly_trans_path_run(r->to_lin, f) : ly_frame_dup(f);
	if (!lin)
		return 0;	/* buffered by a translator */
	*silent_ms = r->vad ? record_vad_feed(r->vad, (const int16_t *)lin->data, lin->datalen / 2)
			    : ly_silence_feed(&r->sil, (const int16_t *)lin->data, lin->datalen / 2);
	out = r->to_file ? ly_trans_path_run(r->to_file, lin) : lin;
	if (out)
		err = ly_file_writer_write(r->w, out);
	if (out != lin)
		ly_frame_free(out);
	ly_frame_free(lin);
	return err;
}

/* Read the channel until something ends the recording. */
static enum status record_loop(struct rec *r, const struct opts *o)
{
	long long deadline = o->max_ms ? now_ms() + o->max_ms : 0;
	unsigned silent = 0;

	for (;;) {
		struct ly_frame *f = ly_chan_read(r->c, POLL_MS);
		enum status st = SUCCESS;
		bool done = true;

		if (ly_chan_check_hangup(r->c) ||
		    (f && f->type == LY_FRAME_CONTROL && f->control == LY_CONTROL_HANGUP))
			st = HANGUP;
		else if (f && f->type == LY_FRAME_DTMF_END && f->digit && strchr(o->ends, f->digit))
			st = DTMF;
		else if (f && f->type == LY_FRAME_VOICE && voice(r, f, &silent) != 0)
			st = ERROR;
		else if (o->silence_ms && silent >= o->silence_ms)
			st = SILENCE;
		else if (deadline && now_ms() >= deadline)
			st = TIMEOUT;
		else
			done = false;
		ly_frame_free(f);
		if (done)
			return st;
	}
}

static void beep(struct ly_channel *c)
{
	char d;

	ly_file_play(c, "beep", NULL, &d);	/* a missing beep is logged; record anyway */
}

/* The writer's format for this channel: WAV in 16 kHz for wideband. */
static const struct ly_format *wav_format(struct ly_channel *c)
{
	const struct ly_format *n = ly_chan_native_format(c);

	return ly_format_find(n && n->rate >= 16000 ? "slin16" : "slin");
}

static enum status record(struct ly_channel *c, const struct opts *o, char *path, size_t len)
{
	struct rec r = { .c = c };
	enum status st;
	unsigned silent;
	int err = record_path(o->name, path, len);

	if (!err)
		err = ly_file_writer_open(path, wav_format(c), o->append, &r.w);
	if (err) {
		ly_warning("%s: Record: cannot write '%s': %s", ly_chan_name(c), o->name,
			   err == EACCES ? "refused: it leaves the spool folder" : strerror(err));
		return ERROR;
	}
	r.lin = ly_file_writer_format(r.w)->rate >= 16000 ? ly_format_find("slin16")
							 : ly_format_find("slin");
	ly_silence_init(&r.sil, r.lin->rate, LY_SILENCE_ON_DBFS, LY_SILENCE_OFF_DBFS);
	if (o->vad)
		r.vad = record_vad_new(r.lin->rate);
	if (!o->quiet)
		beep(c);
	ly_verbose(3, "%s: recording to '%s' (%s)", ly_chan_name(c), path,
		   ly_file_writer_format(r.w)->name);
	st = ly_chan_check_hangup(c) ? HANGUP : record_loop(&r, o);
	silent = r.vad ? record_vad_silent_ms(r.vad) : r.sil.silent_ms;
	if (st == SILENCE && silent > KEEP_TAIL_MS)
		ly_file_writer_trim(r.w, silent - KEEP_TAIL_MS);
	ly_verbose(3, "%s: recorded %u ms to '%s': %s", ly_chan_name(c),
		   ly_file_writer_ms(r.w), path, status_names[st]);
	if (ly_file_writer_close(r.w, true) != 0) {
		ly_warning("%s: Record: could not finish '%s'", ly_chan_name(c), path);
		st = st == HANGUP ? HANGUP : ERROR;
	}
	ly_trans_path_free(r.to_lin);
	ly_trans_path_free(r.to_file);
	record_vad_free(r.vad);
	return st;
}

static int record_exec(struct ly_channel *c, const char *args)
{
	char *copy = ly_strdup(args ? args : ""), path[PATH_MAX_REC] = "";
	struct opts o = { 0 };
	enum status st;
	char *dot;

	parse(copy, &o);
	if (!o.name || !(dot = strrchr(o.name, '.')) || strchr(dot, '/')) {
		ly_warning("%s: Record requires file.format", ly_chan_name(c));
		st = ERROR;
	} else if (ly_chan_state(c) != LY_STATE_UP && o.skip) {
		st = SKIP;
	} else {
		if (ly_chan_state(c) != LY_STATE_UP && !o.noanswer)
			ly_chan_answer(c);
		st = record(c, &o, path, sizeof(path));
	}
	if (path[0] && (dot = strrchr(path, '.')) != NULL) {
		*dot = '\0';
		ly_chan_var_set(c, "RECORDED_FILE", path);
	}
	ly_chan_var_set(c, "RECORD_STATUS", status_names[st]);
	free(copy);
	return st == HANGUP ? -1 : 0;
}

static struct ly_app record_app = {
	.name = "Record",
	.synopsis = "Record to a file",
	.description = "Record(file.format[,silence[,maxduration[,options]]]): "
		       "see app_record.xml.",
	.exec = record_exec,
};

static int load(struct ly_module *self)
{
	return ly_app_register(self, &record_app);
}

LYRE_MODULE(app_record,
	.description = "Record application: the caller's audio into a file",
	.load = load);
