/*
 * modules/app_controlplayback/app_controlplayback.c - ControlPlayback():
 * a prompt the caller can skip through with DTMF.
 *
 * ControlPlayback(file[,skipms[,ff[,rew[,stop[,pause[,restart]]]]]])
 * as in Asterisk: skipms (default 3000) is how far ff (default #) and rew
 * (default *) jump; a digit of `stop` ends the playback; `pause` pauses
 * until it (or a stop digit) is pressed again; `restart` starts the file
 * over.  Other digits are ignored.  Sets CPLAYBACKSTATUS (SUCCESS,
 * USERSTOPPED or ERROR), CPLAYBACKOFFSET (ms into the file where it
 * stopped; -1 when it played to its end) and CPLAYBACKSTOPKEY.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lyre/lyre.h>

struct keys {
	long skipms;
	char ff, rew, pause, restart;
	const char *stop;
	char all[32];	/* every digit that ends one ly_file_play_open */
};

static bool is_key(char k, char d)
{
	return k && k == d;
}

static void parse_keys(char **argv, int n, struct keys *k)
{
	const char *arg[7] = { 0 };

	for (int i = 1; i < n && i < 7; i++)
		arg[i] = argv[i][0] ? argv[i] : NULL;
	k->skipms = arg[1] ? atol(arg[1]) : 3000;
	if (k->skipms <= 0)
		k->skipms = 3000;
	k->ff = arg[2] ? arg[2][0] : '#';
	k->rew = arg[3] ? arg[3][0] : '*';
	k->stop = arg[4] ? arg[4] : "";
	k->pause = arg[5] ? arg[5][0] : 0;
	k->restart = arg[6] ? arg[6][0] : 0;
	snprintf(k->all, sizeof(k->all), "%c%c%c%c%.20s", k->ff ? k->ff : ' ',
		 k->rew ? k->rew : ' ', k->pause ? k->pause : ' ', k->restart ? k->restart : ' ',
		 k->stop);
}

/* Paused: wait for the pause key again or a stop key.  The digit that
 * ended the pause (0 to resume), or -1 on hangup. */
static int paused(struct ly_channel *c, const struct keys *k)
{
	for (;;) {
		int d = ly_pbx_wait_digit(c, 1000);

		if (d < 0)
			return -1;
		if (d && (d == k->pause || strchr(k->stop, d)))
			return d == k->pause ? 0 : d;
	}
}

/* Play with the keys; 0 with *stopped set to the stop key (0: the end),
 * or -1 on hangup, or a positive errno. */
static int control(struct ly_channel *c, struct ly_file *f, const struct keys *k, char *stopped)
{
	for (;;) {
		char d = 0;
		int err = ly_file_play_open(c, f, k->all, &d);

		if (err == EPIPE)
			return -1;
		if (err || !d)
			return err;
		if (strchr(k->stop, d)) {
			*stopped = d;
			return 0;
		}
		if (is_key(k->pause, d)) {
			int r = paused(c, k);

			if (r < 0)
				return -1;
			if (r > 0) {
				*stopped = (char)r;
				return 0;
			}
		} else if (is_key(k->ff, d)) {
			ly_file_seek(f, k->skipms, SEEK_CUR);
		} else if (is_key(k->rew, d)) {
			ly_file_seek(f, -k->skipms, SEEK_CUR);
		} else if (is_key(k->restart, d)) {
			ly_file_seek(f, 0, SEEK_SET);
		}
	}
}

static int controlplayback_exec(struct ly_channel *c, const char *args)
{
	char *copy = ly_strdup(args ? args : ""), *argv[7] = { 0 }, lang[32], buf[32];
	int n = ly_app_split_args(copy, argv, 7), res = 0, err;
	struct ly_file *f = NULL;
	struct keys k;
	char stopped = 0;

	parse_keys(argv, n, &k);
	ly_chan_var_set(c, "CPLAYBACKSTOPKEY", "");
	if (!argv[0] || !argv[0][0]) {
		ly_warning("%s: ControlPlayback requires a file name", ly_chan_name(c));
		ly_chan_var_set(c, "CPLAYBACKSTATUS", "ERROR");
		free(copy);
		return 0;
	}
	if (ly_chan_state(c) != LY_STATE_UP)
		ly_chan_answer(c);
	err = ly_file_open(argv[0], ly_chan_language(c, lang, sizeof(lang)),
			   ly_chan_native_format(c), &f);
	if (err) {
		ly_warning("%s: ControlPlayback: cannot play '%s': %s", ly_chan_name(c), argv[0],
			   strerror(err));
		ly_chan_var_set(c, "CPLAYBACKSTATUS", "ERROR");
		free(copy);
		return 0;
	}
	res = control(c, f, &k, &stopped);
	if (res > 0) {
		ly_chan_var_set(c, "CPLAYBACKSTATUS", "ERROR");
		res = 0;
	} else if (res == 0) {
		ly_chan_var_set(c, "CPLAYBACKSTATUS", stopped ? "USERSTOPPED" : "SUCCESS");
		snprintf(buf, sizeof(buf), "%ld", stopped ? ly_file_tell(f) : -1L);
		ly_chan_var_set(c, "CPLAYBACKOFFSET", buf);
		buf[0] = stopped;
		buf[1] = '\0';
		ly_chan_var_set(c, "CPLAYBACKSTOPKEY", buf);
	}
	ly_file_close(f);
	free(copy);
	return res;
}

static struct ly_app controlplayback_app = {
	.name = "ControlPlayback",
	.synopsis = "Play a file with fast forward and rewind",
	.description = "ControlPlayback(file[,skipms[,ff[,rew[,stop[,pause[,restart]]]]]]): "
		       "see app_controlplayback.xml.",
	.exec = controlplayback_exec,
};

static int load(struct ly_module *self)
{
	return ly_app_register(self, &controlplayback_app);
}

LYRE_MODULE(app_controlplayback,
	.description = "ControlPlayback: a prompt with skip, rewind, pause and stop keys",
	.load = load);
