/*
 * modules/app_playback/app_playback.c - Playback() and Background(): play
 * prompts from the sound file layer (lyre/file.h).
 *
 * Playback(file[&file2...][,options]): options skip (do nothing unless the
 * channel is answered) and noanswer (play without answering).  A missing
 * file is logged and skipped; PLAYBACKSTATUS is SUCCESS, or FAILED when
 * any file could not be played.
 *
 * Background(file[&file2...][,options[,langoverride[,context]]]): plays
 * while listening for digits.  A digit stops the prompt; as Asterisk's
 * runner does after Background, more digits are collected while more
 * could still match (each within TIMEOUT(digit)), and the dialplan
 * continues at that extension of `context` (default: the current one),
 * else at 'i' with INVALID_EXTEN.  No digit: the next priority runs
 * (usually WaitExten).  Options: s (skip unless answered), n (do not
 * answer), m (only a digit that is a one-digit extension of the context
 * stops the prompt).  BACKGROUNDSTATUS is SUCCESS or FAILED.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

#define ANY_DIGIT "0123456789*#ABCD"
#define MAX_FILES 64

/* TIMEOUT(digit) in ms, as the dialplan set it (default 5 s). */
static int digit_timeout_ms(struct ly_channel *c)
{
	struct ly_buf out;
	double s;

	ly_buf_init(&out);
	ly_pbx_substitute(c, "${TIMEOUT(digit)}", &out);
	s = out.data ? atof(out.data) : 0;
	ly_buf_free(&out);
	return s > 0 ? (int)(s * 1000) : 5000;
}

/*
 * Play each of the '&'-separated files; stop at a digit in `stop`.
 * Returns -1 on hangup, else 0 with *failed set when a file was missing
 * or refused, and *digit the digit that stopped it (0: none).
 */
static int play_list(struct ly_channel *c, char *files, const char *stop, bool *failed,
		     char *digit)
{
	char *names[MAX_FILES];
	int n = ly_app_split_args_sep(files, '&', names, MAX_FILES);

	*failed = false;
	*digit = 0;
	for (int i = 0; i < n && !*digit; i++) {
		int err;

		if (!names[i][0])
			continue;
		err = ly_file_play(c, names[i], stop, digit);
		if (err == EPIPE)
			return -1;
		*failed |= err != 0;
	}
	return 0;
}

/* Answer unless told not to; false when `skip` says to do nothing. */
static bool ready(struct ly_channel *c, bool skip, bool noanswer)
{
	if (ly_chan_state(c) == LY_STATE_UP)
		return true;
	if (skip)
		return false;
	if (!noanswer)
		ly_chan_answer(c);
	return true;
}

static int playback_exec(struct ly_channel *c, const char *args)
{
	char *copy = ly_strdup(args ? args : ""), *argv[2] = { 0 }, digit;
	int n = ly_app_split_args(copy, argv, 2), res = 0;
	const char *opts = n > 1 ? argv[1] : "";
	bool failed = false;

	if (!argv[0] || !argv[0][0]) {
		ly_warning("%s: Playback requires a file name", ly_chan_name(c));
		failed = true;
	} else if (ready(c, strstr(opts, "skip") != NULL, strstr(opts, "noanswer") != NULL)) {
		res = play_list(c, argv[0], NULL, &failed, &digit);
	}
	ly_chan_var_set(c, "PLAYBACKSTATUS", failed ? "FAILED" : "SUCCESS");
	free(copy);
	return res;
}

/* ---- Background ---- */

/* Option m: only the one-digit extensions of the context stop the prompt. */
static void one_digit_extens(const char *context, const char *cid, char *out)
{
	size_t n = 0;

	for (const char *d = ANY_DIGIT; *d; d++) {
		char exten[2] = { *d, '\0' };

		if (ly_exten_exists(context, exten, 1, cid))
			out[n++] = *d;
	}
	out[n] = '\0';
}

/* After the first digit: more while more could match; then go there. */
static int go_digits(struct ly_channel *c, const char *context, const char *cid, char first)
{
	char digits[LY_MAX_EXTEN] = { first };
	size_t n = 1;

	while (n + 1 < sizeof(digits) && ly_exten_matchmore(context, digits, cid)) {
		int d = ly_pbx_wait_digit(c, digit_timeout_ms(c));

		if (d < 0)
			return -1;
		if (d == 0)
			break;
		digits[n++] = (char)d;
		digits[n] = '\0';
	}
	if (ly_exten_exists(context, digits, 1, cid)) {
		ly_verbose(3, "%s: Background: going to %s@%s", ly_chan_name(c), digits, context);
		return ly_pbx_goto_explicit(c, context, digits, 1) == 0 ? 0 : -1;
	}
	if (ly_exten_exists(context, "i", 1, cid)) {
		ly_verbose(3, "%s: Background: invalid extension '%s' in '%s'", ly_chan_name(c),
			   digits, context);
		ly_chan_var_set(c, "INVALID_EXTEN", digits);
		return ly_pbx_goto_explicit(c, context, "i", 1) == 0 ? 0 : -1;
	}
	ly_warning("%s: Background: '%s' is no extension of '%s' and there is no 'i'",
		   ly_chan_name(c), digits, context);
	return 0;
}

static int background_exec(struct ly_channel *c, const char *args)
{
	char *copy = ly_strdup(args ? args : ""), *argv[4] = { 0 };
	char context[LY_MAX_CONTEXT], cid[128], stop[sizeof(ANY_DIGIT)], digit = 0;
	char oldlang[32] = "";
	int n = ly_app_split_args(copy, argv, 4), res = 0;
	const char *opts = n > 1 ? argv[1] : "";
	bool failed = false;

	if (n > 3 && argv[3][0])
		ly_strlcpy(context, argv[3], sizeof(context));
	else
		ly_pbx_context(c, context, sizeof(context));
	ly_chan_callerid_num(c, cid, sizeof(cid));
	if (strchr(opts, 'm'))
		one_digit_extens(context, cid[0] ? cid : NULL, stop);
	else
		strcpy(stop, ANY_DIGIT);
	if (!argv[0] || !argv[0][0]) {
		ly_warning("%s: Background requires a file name", ly_chan_name(c));
		failed = true;
	} else if (ready(c, strchr(opts, 's') != NULL, strchr(opts, 'n') != NULL)) {
		if (n > 2 && argv[2][0]) {	/* langoverride: for these files only */
			ly_chan_language(c, oldlang, sizeof(oldlang));
			ly_chan_set_language(c, argv[2]);
		}
		res = play_list(c, argv[0], stop, &failed, &digit);
		if (oldlang[0])
			ly_chan_set_language(c, oldlang);
	}
	ly_chan_var_set(c, "BACKGROUNDSTATUS", failed ? "FAILED" : "SUCCESS");
	free(copy);
	if (res == 0 && digit)
		res = go_digits(c, context, cid[0] ? cid : NULL, digit);
	return res;
}

static struct ly_app playback_app = {
	.name = "Playback",
	.synopsis = "Play a file",
	.description = "Playback(file[&file2...][,options]): see app_playback.xml.",
	.exec = playback_exec,
};

static struct ly_app background_app = {
	.name = "Background",
	.synopsis = "Play a file while awaiting extension",
	.description = "Background(file[&file2...][,options[,langoverride[,context]]]): "
		       "see app_playback.xml.",
	.exec = background_exec,
};

static int load(struct ly_module *self)
{
	int err = ly_app_register(self, &playback_app);

	return err ? err : ly_app_register(self, &background_app);
}

LYRE_MODULE(app_playback,
	.description = "Playback and Background: play sound files",
	.load = load);
