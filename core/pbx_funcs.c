/* core/pbx_funcs.c - the TIMEOUT() and EXCEPTION() dialplan functions. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/app.h"
#include "lyre/channel.h"
#include "lyre/log.h"
#include "lyre/utils.h"
#include "pbx_int.h"
#include "pbx_state.h"

/* The longest timeout accepted, in seconds (a year): keeps the
 * millisecond arithmetic far from overflow. */
#define TIMEOUT_MAX_S (365.0 * 24 * 3600)

enum timeout_kind { TIMEOUT_ABSOLUTE, TIMEOUT_DIGIT, TIMEOUT_RESPONSE, TIMEOUT_BAD };

/* Asterisk looks at the first letter only: a(bsolute), d(igit), r(esponse). */
static enum timeout_kind timeout_kind(const char *args)
{
	while (*args == ' ')
		args++;
	switch (*args) {
	case 'a': case 'A': return TIMEOUT_ABSOLUTE;
	case 'd': case 'D': return TIMEOUT_DIGIT;
	case 'r': case 'R': return TIMEOUT_RESPONSE;
	default: return TIMEOUT_BAD;
	}
}

/* Seconds (fractions allowed, as Asterisk) to milliseconds; -1 if invalid. */
static long long parse_seconds(const char *value)
{
	char *end;
	double s = strtod(value, &end);

	while (*end == ' ')
		end++;
	if (end == value || *end || !isfinite(s) || s < 0 || s > TIMEOUT_MAX_S)
		return -1;
	return llround(s * 1000.0);
}

static int timeout_read(struct ly_channel *c, const char *args, char *buf, size_t len)
{
	enum timeout_kind kind = timeout_kind(args);
	struct pbx_state *st;
	long long ms = 0;

	if (!c || kind == TIMEOUT_BAD)
		return EINVAL;
	st = pbx_state(c);
	pthread_mutex_lock(&st->lock);
	if (kind == TIMEOUT_ABSOLUTE && st->abs_deadline_ms) {
		uint64_t now = ly_now_ms();

		ms = st->abs_deadline_ms > now ? (long long)(st->abs_deadline_ms - now) : 0;
	} else if (kind == TIMEOUT_DIGIT) {
		ms = st->digit_ms;
	} else if (kind == TIMEOUT_RESPONSE) {
		ms = st->response_ms;
	}
	pthread_mutex_unlock(&st->lock);
	if (kind == TIMEOUT_ABSOLUTE && ms == 0)
		snprintf(buf, len, "0");
	else
		snprintf(buf, len, "%.3f", (double)ms / 1000.0);
	return 0;
}

static int timeout_write(struct ly_channel *c, const char *args, const char *value)
{
	enum timeout_kind kind = timeout_kind(args);
	long long ms = parse_seconds(value);
	struct pbx_state *st;

	if (!c || kind == TIMEOUT_BAD || ms < 0) {
		ly_warning("TIMEOUT(%s): '%s' is not a timeout in seconds (absolute, digit or "
			   "response)", args, value);
		return EINVAL;
	}
	st = pbx_state(c);
	pthread_mutex_lock(&st->lock);
	if (kind == TIMEOUT_ABSOLUTE)
		st->abs_deadline_ms = ms ? ly_now_ms() + (uint64_t)ms : 0;
	else if (kind == TIMEOUT_DIGIT)
		st->digit_ms = (int)ms;
	else
		st->response_ms = (int)ms;
	pthread_mutex_unlock(&st->lock);
	if (kind == TIMEOUT_ABSOLUTE)
		ly_verbose(3, "Channel '%s' will %s", ly_chan_name(c),
			   ms ? "time out" : "no longer time out");
	return 0;
}

static struct ly_func timeout_func = {
	.name = "TIMEOUT",
	.synopsis = "Channel timeouts: absolute, digit, response",
	.description = "TIMEOUT(absolute): seconds until the call goes to 'T' (0 clears). "
		       "TIMEOUT(digit), TIMEOUT(response): the waits of WaitExten and of "
		       "autofallthrough=no (defaults 5 and 10 seconds).",
	.read = timeout_read,
	.write = timeout_write,
};

/* EXCEPTION(reason|context|exten|priority): where the last exception was raised. */
static int exception_read(struct ly_channel *c, const char *args, char *buf, size_t len)
{
	struct pbx_state *st = pbx_state_peek(c);
	int rc = 0;

	/* No exception yet reads as empty (an h extension logging it is
	 * normal), not as an unknown function. */
	buf[0] = '\0';
	if (!st)
		return 0;
	pthread_mutex_lock(&st->lock);
	if (!st->has_exception)
		rc = 0;
	else if (ly_strcaseeq(args, "reason"))
		ly_strlcpy(buf, st->exc_reason, len);
	else if (ly_strcaseeq(args, "context"))
		ly_strlcpy(buf, st->exc_context, len);
	else if (ly_strcaseeq(args, "exten"))
		ly_strlcpy(buf, st->exc_exten, len);
	else if (ly_strcaseeq(args, "priority"))
		snprintf(buf, len, "%d", st->exc_priority);
	else
		rc = EINVAL;
	pthread_mutex_unlock(&st->lock);
	if (rc == EINVAL)
		ly_warning("EXCEPTION(%s): use reason, context, exten or priority", args);
	return rc;
}

static struct ly_func exception_func = {
	.name = "EXCEPTION",
	.synopsis = "Where and why the last exception was raised",
	.description = "EXCEPTION(reason|context|exten|priority), read-only, valid once an "
		       "exception (INVALID, RESPONSETIMEOUT, ABSOLUTETIMEOUT, RaiseException) "
		       "sent the call to the 'e' extension.",
	.read = exception_read,
};

int pbx_funcs_register(void)
{
	int err = ly_func_register(NULL, &timeout_func);

	if (!err && (err = ly_func_register(NULL, &exception_func)) != 0)
		ly_func_unregister(&timeout_func);
	return err;
}

void pbx_funcs_unregister(void)
{
	ly_func_unregister(&exception_func);
	ly_func_unregister(&timeout_func);
}
