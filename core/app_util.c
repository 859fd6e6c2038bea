/* core/app_util.c - helpers the core applications share: conditions, splitting, waiting. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "lyre/channel.h"
#include "lyre/frame.h"
#include "lyre/pbx.h"
#include "lyre/utils.h"
#include "pbx_int.h"

bool ly_pbx_checkcondition(const char *cond)
{
	int n;

	if (!cond || !cond[0])
		return false;
	/* sscanf as Asterisk's pbx_checkcondition does, so " 2" and "0abc"
	 * mean what they mean there. */
	if (sscanf(cond, "%30d", &n) == 1)
		return n != 0;
	return true;
}

char *app_split_top(char *s, char sep)
{
	int depth = 0;
	bool quoted = false;

	for (char *p = s; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted)
			continue;
		if (*p == '(' || *p == '[' || *p == '{')
			depth++;
		else if ((*p == ')' || *p == ']' || *p == '}') && depth > 0)
			depth--;
		else if (*p == sep && depth == 0) {
			*p = '\0';
			return p + 1;
		}
	}
	return NULL;
}

const char *app_where(const struct ly_channel *c, char *buf, size_t len)
{
	if (!c) {
		ly_strlcpy(buf, "dialplan", len);
		return buf;
	}
	if (!ly_pbx_location(c, buf, len)[0])
		ly_strlcpy(buf, ly_chan_name(c), len);
	return buf;
}

/* Asterisk's waits keep control and text frames for whoever reads next
 * (ast_is_deferrable_frame) and drop audio and digits. */
static bool frame_is_deferred(const struct ly_frame *f)
{
	return f->type == LY_FRAME_CONTROL || f->type == LY_FRAME_TEXT;
}

static bool frame_is_hangup(const struct ly_frame *f)
{
	return f->type == LY_FRAME_CONTROL && f->control == LY_CONTROL_HANGUP;
}

static void requeue(struct ly_channel *c, struct ly_frame *deferred)
{
	while (deferred) {
		struct ly_frame *next = deferred->next;

		deferred->next = NULL;
		ly_chan_queue_frame(c, deferred);
		deferred = next;
	}
}

static void free_list(struct ly_frame *f)
{
	while (f) {
		struct ly_frame *next = f->next;

		ly_frame_free(f);
		f = next;
	}
}

int app_wait_ms(struct ly_channel *c, long ms)
{
	uint64_t deadline = ms >= 0 ? ly_now_ms() + (uint64_t)ms : 0;
	struct ly_frame *deferred = NULL, **tail = &deferred;
	int res = 0;

	for (;;) {
		long left = -1;
		struct ly_frame *f;

		if (ms >= 0) {
			uint64_t now = ly_now_ms();

			if (now >= deadline)
				break;
			left = (long)(deadline - now);
		}
		f = ly_chan_read(c, left > 0x7fffffffL ? 0x7fffffff : (int)left);
		if (!f && ly_chan_check_hangup(c)) {
			res = -1;
			break;
		}
		if (f && frame_is_hangup(f)) {
			ly_frame_free(f);
			res = -1;
			break;
		}
		if (f && frame_is_deferred(f)) {
			*tail = f;
			tail = &f->next;
		} else {
			ly_frame_free(f);
		}
	}
	if (res == 0)
		requeue(c, deferred);
	else
		free_list(deferred);
	return res;
}

long app_seconds_to_ms(const char *s)
{
	char *end;
	double v;

	while (s && isspace((unsigned char)*s))
		s++;
	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	while (isspace((unsigned char)*end))
		end++;
	if (errno || end == s || *end || !isfinite(v) || v < 0 || v > 86400.0 * 365)
		return -1;
	return lround(v * 1000.0);
}
