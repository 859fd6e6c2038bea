/*
 * modules/app_say/app_say.c - SayDigits, SayNumber, SayAlpha and
 * SayUnixTime in English, from the prompts in sounds/<lang>/digits and
 * letters (the words come from say_en.c).
 *
 * Interrupting follows Asterisk: SayDigits, SayNumber and SayAlpha are
 * not interrupted by DTMF unless the channel variable SAY_DTMF_INTERRUPT
 * is true; then a digit stops the saying and, when it is an extension of
 * the current context, the dialplan continues there (as Asterisk's
 * pbx_builtins do).  SayUnixTime always stops at any digit (Asterisk
 * passes AST_DIGIT_ANY) and goes on with the next priority.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lyre/lyre.h>

#include "say_en.h"

#define ANY_DIGIT "0123456789*#ABCD"
#define DEFAULT_TIME_FORMAT "ABdY 'digits/at' IMp"

/* The stop digits for SayDigits/SayNumber/SayAlpha (NULL: not interrupted). */
static const char *say_stop(struct ly_channel *c)
{
	char buf[16];

	return ly_true(ly_pbx_var_get(c, "SAY_DTMF_INTERRUPT", buf, sizeof(buf))) ? ANY_DIGIT :
										    NULL;
}

/* Play one prompt: 0 (played, or missing: logged and skipped), -1 on
 * hangup; *digit set when a stop digit ended it. */
static int say_one(struct ly_channel *c, const char *name, const char *stop, char *digit)
{
	int err = ly_file_play(c, name, stop, digit);

	return err == EPIPE ? -1 : 0;
}

static int say_list_play(struct ly_channel *c, const struct say_list *l, const char *stop,
			 char *digit)
{
	*digit = 0;
	for (size_t i = 0; i < l->n && !*digit; i++)
		if (say_one(c, l->name[i], stop, digit) < 0)
			return -1;
	return 0;
}

/* After an interrupting digit: on to that extension when there is one. */
static int after_digit(struct ly_channel *c, char digit)
{
	char context[LY_MAX_CONTEXT], cid[128], exten[2] = { digit, '\0' };

	if (!digit)
		return 0;
	ly_pbx_context(c, context, sizeof(context));
	ly_chan_callerid_num(c, cid, sizeof(cid));
	if (!ly_exten_exists(context, exten, 1, cid[0] ? cid : NULL))
		return 0;
	ly_verbose(3, "%s: digit '%c' interrupted saying: going to %s@%s", ly_chan_name(c), digit,
		   exten, context);
	return ly_pbx_goto_explicit(c, context, exten, 1) == 0 ? 0 : -1;
}

/* SayDigits and SayAlpha: one prompt per character. */
static int say_chars(struct ly_channel *c, const char *s, bool alpha)
{
	const char *stop = say_stop(c);
	char digit = 0, buf[SAY_NAME];

	for (; s && *s && !digit; s++) {
		const char *name = alpha ? say_alpha_name(*s, buf, sizeof(buf)) : say_digit_name(*s);

		if (name && say_one(c, name, stop, &digit) < 0)
			return -1;
	}
	return after_digit(c, digit);
}

static int saydigits_exec(struct ly_channel *c, const char *args)
{
	return say_chars(c, args, false);
}

static int sayalpha_exec(struct ly_channel *c, const char *args)
{
	return say_chars(c, args, true);
}

static int saynumber_exec(struct ly_channel *c, const char *args)
{
	char *copy = ly_strdup(args ? args : ""), *argv[2] = { 0 }, *end, digit = 0;
	struct say_list l = { 0 };
	long long n;
	int res = 0;

	ly_app_split_args(copy, argv, 2);
	/* The gender argument only matters to languages other than English. */
	if (!argv[0] || !argv[0][0]) {
		ly_warning("%s: SayNumber requires a number", ly_chan_name(c));
	} else {
		errno = 0;
		n = strtoll(argv[0], &end, 10);
		if (errno || *end || n > 999999999999LL || n < -999999999999LL) {
			ly_warning("%s: SayNumber: '%s' is not a number it can say",
				   ly_chan_name(c), argv[0]);
		} else {
			say_number_en(&l, n);
			res = say_list_play(c, &l, say_stop(c), &digit);
			if (res == 0)
				res = after_digit(c, digit);
		}
	}
	free(copy);
	return res;
}

static int sayunixtime_exec(struct ly_channel *c, const char *args)
{
	char *copy = ly_strdup(args ? args : ""), *argv[3] = { 0 }, *end, digit;
	char abbr[LY_TZ_ABBR_LEN], abbr2[LY_TZ_ABBR_LEN];
	int n = ly_app_split_args(copy, argv, 3), res = 0, err;
	const char *zone = n > 1 && argv[1][0] ? argv[1] : NULL;
	const char *format = n > 2 && argv[2][0] ? argv[2] : DEFAULT_TIME_FORMAT;
	time_t now = ly_pbx_now(), when = now;
	struct tm tm, tm_now;
	struct say_list l = { 0 };

	if (n > 0 && argv[0][0]) {
		long long v = strtoll(argv[0], &end, 10);

		if (*end)
			ly_warning("%s: SayUnixTime: '%s' is no time; saying the current time",
				   ly_chan_name(c), argv[0]);
		else
			when = (time_t)v;
	}
	if ((err = ly_localtime(zone, when, &tm, abbr, sizeof(abbr))) != 0 ||
	    (err = ly_localtime(zone, now, &tm_now, abbr2, sizeof(abbr2))) != 0) {
		ly_warning("%s: SayUnixTime: no time zone '%s' (%s)", ly_chan_name(c),
			   zone ? zone : "", strerror(err));
	} else {
		say_time_en(&l, &tm, &tm_now, format);
		res = say_list_play(c, &l, ANY_DIGIT, &digit);
	}
	free(copy);
	return res;
}

static struct ly_app apps[] = {
	{ .name = "SayDigits", .synopsis = "Say digits",
	  .description = "SayDigits(digits): see app_say.xml.", .exec = saydigits_exec },
	{ .name = "SayNumber", .synopsis = "Say a number",
	  .description = "SayNumber(number[,gender]): see app_say.xml.", .exec = saynumber_exec },
	{ .name = "SayAlpha", .synopsis = "Say alphanumeric string",
	  .description = "SayAlpha(string): see app_say.xml.", .exec = sayalpha_exec },
	{ .name = "SayUnixTime", .synopsis = "Say a date and time",
	  .description = "SayUnixTime([unixtime[,timezone[,format]]]): see app_say.xml.",
	  .exec = sayunixtime_exec },
};

static int load(struct ly_module *self)
{
	int err = 0;

	for (size_t i = 0; i < sizeof(apps) / sizeof(apps[0]) && !err; i++)
		err = ly_app_register(self, &apps[i]);
	return err;
}

LYRE_MODULE(app_say,
	.description = "SayDigits, SayNumber, SayAlpha, SayUnixTime (English)",
	.load = load);
