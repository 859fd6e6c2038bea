/*
 * modules/app_read/app_read.c - Read(): collect DTMF digits into a variable.
 *
 * Read(var[,filename[,maxdigits[,options[,attempts[,timeout]]]]]), with
 * Asterisk's meaning: '#' ends the input (and is not kept), maxdigits
 * (1-255, default 255) ends it too, `timeout` seconds wait for each digit
 * (default: TIMEOUT(response) for the first, TIMEOUT(digit) after it), and
 * an attempt that ends with no digit is repeated `attempts` times.
 * READSTATUS is OK, ERROR, HANGUP, INTERRUPTED, SKIPPED or TIMEOUT.
 * Options: s (skip unless answered: SKIPPED), n (read without answering),
 * i (filename is an indication tone), t(digits) (the terminators instead
 * of '#'; t() none, so '#' is read as a digit).  A terminator pressed
 * before any digit ends Read at once with INTERRUPTED (the caller chose
 * to enter nothing; retrying would ignore that).  The prompt (files
 * joined by '&') plays through the sound file layer (lyre/file.h) in each
 * attempt, and a digit pressed during it stops it and counts as the first
 * digit.  Indications (option i) are not played yet: that is logged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

#define MAX_DIGITS 255

struct read_args {
	char *var, *filename;
	unsigned maxdigits, attempts;
	int timeout_ms;		/* 0: the channel's TIMEOUT() values */
	bool skip, noanswer, indication;
	char terminators[17];	/* DTMF digits that end the input */
};

enum read_status { OK, ERROR, HANGUP, INTERRUPTED, SKIPPED, TIMEOUT };

static const char *const status_names[] = { "OK", "ERROR", "HANGUP", "INTERRUPTED",
					    "SKIPPED", "TIMEOUT" };

/* TIMEOUT(response) or TIMEOUT(digit) in ms, as the dialplan set it. */
static int channel_timeout_ms(struct ly_channel *c, const char *which)
{
	char expr[32];
	struct ly_buf out;
	double s;

	snprintf(expr, sizeof(expr), "${TIMEOUT(%s)}", which);
	ly_buf_init(&out);
	ly_pbx_substitute(c, expr, &out);
	s = out.data ? atof(out.data) : 0;
	ly_buf_free(&out);
	return s > 0 ? (int)(s * 1000) : 5000;
}

static unsigned number(const char *s, unsigned dflt, unsigned max)
{
	long v = s && *s ? strtol(s, NULL, 10) : 0;

	return v <= 0 ? dflt : v > (long)max ? max : (unsigned)v;
}

/* t(...) at p (just after the 't'): the DTMF digits in it into out; returns
 * the last character of the option.  A bare t, as Asterisk, means none. */
static const char *terminators(const char *p, char out[17])
{
	size_t n = 0;

	out[0] = '\0';
	if (*p != '(')
		return p - 1;
	for (p++; *p && *p != ')'; p++)
		if (strchr("0123456789*#ABCD", *p) && !strchr(out, *p) && n < 16) {
			out[n++] = *p;
			out[n] = '\0';
		}
	return *p ? p : p - 1;
}

static void parse(char *copy, struct read_args *a)
{
	char *argv[6] = { 0 };
	int n = ly_app_split_args(copy, argv, 6);
	double t;

	a->var = argv[0];
	a->filename = n > 1 ? argv[1] : NULL;
	a->maxdigits = number(n > 2 ? argv[2] : NULL, MAX_DIGITS, MAX_DIGITS);
	strcpy(a->terminators, "#");
	for (const char *o = n > 3 ? argv[3] : ""; *o; o++) {
		a->skip |= *o == 's';
		a->noanswer |= *o == 'n';
		a->indication |= *o == 'i';
		if (*o == 't')
			o = terminators(o + 1, a->terminators);
	}
	a->attempts = number(n > 4 ? argv[4] : NULL, 1, 1000);
	t = n > 5 && argv[5][0] ? atof(argv[5]) : 0;
	a->timeout_ms = t > 0 ? (int)(t * 1000) : 0;
}

/* Play the prompt files, stopped by any digit: that digit (0: none), or
 * -1 on hangup. */
static int prompt(struct ly_channel *c, const struct read_args *a)
{
	char *files = ly_strdup(a->filename), *names[32], digit = 0;
	int n = ly_app_split_args_sep(files, '&', names, 32);

	for (int i = 0; i < n && !digit; i++)
		if (names[i][0] && ly_file_play(c, names[i], "0123456789*#ABCD", &digit) == EPIPE) {
			free(files);
			return -1;
		}
	free(files);
	return (unsigned char)digit;
}

/* One attempt: digits into buf; OK, TIMEOUT (nothing typed), INTERRUPTED
 * (a terminator and nothing before it) or HANGUP. */
static enum read_status attempt(struct ly_channel *c, const struct read_args *a, char *buf)
{
	size_t n = 0;
	int first = a->filename && a->filename[0] && !a->indication ? prompt(c, a) : 0;

	buf[0] = '\0';
	while (n < a->maxdigits) {
		int wait = a->timeout_ms ? a->timeout_ms
					 : channel_timeout_ms(c, n ? "digit" : "response");
		int d = first ? first : ly_pbx_wait_digit(c, wait);

		first = 0;

		if (d < 0)
			return HANGUP;
		if (d == 0)
			break;
		if (strchr(a->terminators, d))
			return n ? OK : INTERRUPTED;
		buf[n++] = (char)d;
		buf[n] = '\0';
	}
	return n ? OK : TIMEOUT;
}

static int read_exec(struct ly_channel *c, const char *args)
{
	char *copy = ly_strdup(args ? args : ""), digits[MAX_DIGITS + 1] = "";
	struct read_args a = { 0 };
	enum read_status st = TIMEOUT;

	parse(copy, &a);
	if (!a.var || !a.var[0]) {
		ly_warning("%s: Read requires a variable name", ly_chan_name(c));
		st = ERROR;
	} else if (ly_chan_state(c) != LY_STATE_UP && a.skip) {
		st = SKIPPED;
	} else {
		if (ly_chan_state(c) != LY_STATE_UP && !a.noanswer)
			ly_chan_answer(c);
		if (a.filename && a.filename[0] && a.indication)
			ly_warning("%s: Read: indication '%s' not played: indications are not "
				   "implemented yet", ly_chan_name(c), a.filename);
		for (unsigned i = 0; i < a.attempts && st == TIMEOUT; i++)
			st = attempt(c, &a, digits);
		ly_chan_var_set(c, a.var, digits);
		if (st == OK)
			ly_verbose(3, "%s: user entered '%s'", ly_chan_name(c), digits);
		else if (st == TIMEOUT)
			ly_verbose(3, "%s: user entered nothing", ly_chan_name(c));
		else if (st == INTERRUPTED)
			ly_verbose(3, "%s: user ended the input with no digit", ly_chan_name(c));
	}
	ly_chan_var_set(c, "READSTATUS", status_names[st]);
	free(copy);
	return st == HANGUP ? -1 : 0;
}

static struct ly_app read_app = {
	.name = "Read",
	.synopsis = "Read DTMF digits into a variable",
	.description = "Read(var[,filename[,maxdigits[,options[,attempts[,timeout]]]]]): "
		       "see app_read.xml.",
	.exec = read_exec,
};

static int load(struct ly_module *self)
{
	return ly_app_register(self, &read_app);
}

LYRE_MODULE(app_read,
	.description = "Read application: DTMF digits into a variable",
	.load = load);
