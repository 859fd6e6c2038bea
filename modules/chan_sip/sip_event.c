/* modules/chan_sip/sip_event.c - Event and Subscription-State values, and subscription expiry (RFC 6665). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sip_event.h"

/* RFC 3261 §25.1 token characters. */
static bool is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("-.!%*_+`'~", c) != NULL;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* Skip white space in s[*i..len). */
static void skip_ws(const char *s, size_t len, size_t *i)
{
	while (*i < len && is_ws(s[*i]))
		(*i)++;
}

/* A token at s[*i..len) into out (size SIP_EVENT_TOKEN_MAX); EINVAL when
 * none or too long. */
static int take_token(const char *s, size_t len, size_t *i, char *out)
{
	size_t start = *i;

	while (*i < len && s[*i] && is_token_char(s[*i]))
		(*i)++;
	if (*i == start || *i - start >= SIP_EVENT_TOKEN_MAX)
		return EINVAL;
	memcpy(out, s + start, *i - start);
	out[*i - start] = '\0';
	return 0;
}

/* A parameter value: a token or a quoted string (kept without its quotes,
 * escapes resolved); an over-long value is an error. */
static int take_value(const char *s, size_t len, size_t *i, char *out)
{
	size_t n = 0;

	if (*i >= len || s[*i] != '"')
		return take_token(s, len, i, out);
	for ((*i)++; *i < len && s[*i] != '"'; (*i)++) {
		if (s[*i] == '\\' && *i + 1 < len)
			(*i)++;
		if (!s[*i] || n + 1 >= SIP_EVENT_TOKEN_MAX)
			return EINVAL;
		out[n++] = s[*i];
	}
	if (*i >= len)
		return EINVAL;	/* unterminated */
	(*i)++;
	out[n] = '\0';
	return 0;
}

/*
 * Walk ";name[=value]" parameters from s[*i]; fn sees each (value "" when
 * it has none).  EINVAL on anything else.
 */
static int each_param(const char *s, size_t len, size_t *i,
		      int (*fn)(const char *name, const char *value, void *arg), void *arg)
{
	char name[SIP_EVENT_TOKEN_MAX], value[SIP_EVENT_TOKEN_MAX];
	int rc;

	for (;;) {
		skip_ws(s, len, i);
		if (*i >= len)
			return 0;
		if (s[*i] != ';')
			return EINVAL;
		(*i)++;
		skip_ws(s, len, i);
		if ((rc = take_token(s, len, i, name)) != 0)
			return rc;
		skip_ws(s, len, i);
		value[0] = '\0';
		if (*i < len && s[*i] == '=') {
			(*i)++;
			skip_ws(s, len, i);
			if ((rc = take_value(s, len, i, value)) != 0)
				return rc;
		}
		if ((rc = fn(name, value, arg)) != 0)
			return rc;
	}
}

static int event_param(const char *name, const char *value, void *arg)
{
	struct sip_event *ev = arg;

	if (!strcasecmp(name, "id"))
		memcpy(ev->id, value, strlen(value) + 1);
	return 0;
}

int sip_event_parse(const char *value, size_t len, struct sip_event *out)
{
	size_t i = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	skip_ws(value, len, &i);
	if ((rc = take_token(value, len, &i, out->package)) != 0)
		return rc;
	return each_param(value, len, &i, event_param, out);
}

bool sip_event_is(const struct sip_event *ev, const char *package)
{
	return !strcasecmp(ev->package, package);
}

int sip_sub_expiry(int64_t requested, const struct sip_sub_limits *lim, unsigned *granted)
{
	if (requested < 0)
		requested = lim->dflt;
	if (requested == 0) {
		*granted = 0;
		return 0;
	}
	if (requested < lim->min)
		return ERANGE;	/* §4.2.1.1: 423 Interval Too Brief */
	*granted = requested > lim->max ? lim->max : (unsigned)requested;
	return 0;
}

const char *sip_sub_reason_name(enum sip_sub_reason r)
{
	static const char *const names[] = { "timeout", "deactivated", "noresource", "rejected" };

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "timeout";
}

void sip_sub_state_print(bool active, unsigned expires, enum sip_sub_reason reason, char *buf,
			 size_t size)
{
	if (active)
		snprintf(buf, size, "active;expires=%u", expires);
	else
		snprintf(buf, size, "terminated;reason=%s", sip_sub_reason_name(reason));
}

static int state_param(const char *name, const char *value, void *arg)
{
	struct sip_sub_state *st = arg;

	if (!strcasecmp(name, "expires")) {
		char *end;
		long long n;

		errno = 0;
		n = strtoll(value, &end, 10);
		if (!*value || *end || errno || n < 0 || n > 0xffffffffLL)
			return EINVAL;
		st->expires = n;
	} else if (!strcasecmp(name, "reason")) {
		memcpy(st->reason, value, strlen(value) + 1);
	}
	return 0;
}

int sip_sub_state_parse(const char *value, size_t len, struct sip_sub_state *out)
{
	char state[SIP_EVENT_TOKEN_MAX];
	size_t i = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->expires = -1;
	skip_ws(value, len, &i);
	if ((rc = take_token(value, len, &i, state)) != 0)
		return rc;
	/* §8.4: active / pending / terminated, or an extension token */
	if (strlen(state) >= sizeof(out->state))
		return EINVAL;
	memcpy(out->state, state, strlen(state) + 1);
	return each_param(value, len, &i, state_param, out);
}
