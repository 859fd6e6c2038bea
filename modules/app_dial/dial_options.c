/* modules/app_dial/dial_options.c - Dial()'s timeout and option letters, parsed as Asterisk does. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dial.h"
#include <lyre/log.h>
#include <lyre/pbx.h>
#include <lyre/utils.h>

int dial_parse_timeout(const char *text)
{
	char *end;
	double seconds;

	if (!text || !*text)
		return -1;
	seconds = strtod(text, &end);
	/* Asterisk: "Dial timeout invalid" and then no timeout at all. */
	if (*end || !isfinite(seconds) || seconds <= 0 || seconds > 86400 * 7) {
		ly_warning("Dial: invalid timeout '%s', ringing without one", text);
		return -1;
	}
	return (int)(seconds * 1000);
}

/* One ':'-separated number of L(), in ms; empty is 0. */
static int parse_ms(const char *text, long long *out)
{
	long v = 0;

	if (*text && ly_parse_int(text, 0, 86400L * 1000 * 7, &v))
		return EINVAL;
	*out = v;
	return 0;
}

/* L(x[:y][:z]): limit x ms, warn y ms before the end, repeat every z ms. */
static int parse_limit(const char *arg, struct dial_options *o)
{
	char *copy = ly_strdup(arg ? arg : "");
	char *part[3] = { "", "", "" };
	int err;

	ly_app_split_args_sep(copy, ':', part, 3);
	err = parse_ms(part[0], &o->limit_ms);
	if (!err)
		err = parse_ms(part[1], &o->warning_ms);
	if (!err)
		err = parse_ms(part[2], &o->repeat_ms);
	free(copy);
	if (err || o->limit_ms <= 0) {
		ly_warning("Dial: invalid L(%s): expected L(limit_ms[:warning_ms[:repeat_ms]])",
			   arg ? arg : "");
		o->limit_ms = o->warning_ms = o->repeat_ms = 0;
		return EINVAL;
	}
	return 0;
}

static int apply_option(char letter, const char *arg, struct dial_options *o)
{
	switch (letter) {
	case 'r':
		o->ring = true;
		return 0;
	case 'm':
		o->moh = true;
		ly_strlcpy(o->moh_class, arg ? arg : "", sizeof(o->moh_class));
		return 0;
	case 'g':
		o->go_on = true;
		return 0;
	case 't':
		o->transfer_callee = true;
		return 0;
	case 'T':
		o->transfer_caller = true;
		return 0;
	case 'L':
		return parse_limit(arg, o);
	default:
		ly_warning("Dial: option '%c' is not supported, ignored", letter);
		return 0;
	}
}

/* Letters, each optionally followed by "(argument)" (ast_app_parse_options). */
int dial_parse_options(const char *text, struct dial_options *o)
{
	int err = 0;

	memset(o, 0, sizeof(*o));
	for (const char *p = text ? text : ""; *p && !err; p++) {
		char letter = *p, *arg = NULL;

		if (p[1] == '(') {
			const char *close = strchr(p + 2, ')');

			if (!close) {
				ly_warning("Dial: option '%c' has no closing ')'", letter);
				return EINVAL;
			}
			arg = ly_strndup(p + 2, (size_t)(close - p - 2));
			p = close;
		}
		err = apply_option(letter, arg, o);
		free(arg);
	}
	return err;
}
