/* core/pbx_goto.c - a channel's position in the dialplan, jumps, and lookups in the running plan. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialplan.h"
#include "lyre/channel.h"
#include "lyre/log.h"
#include "lyre/pbx.h"
#include "lyre/utils.h"
#include "pbx_int.h"
#include "pbx_state.h"

/* ---- per-channel state ---- */

static void state_destroy(void *data)
{
	struct pbx_state *st = data;

	pthread_mutex_destroy(&st->lock);
	free(st);
}

/* Not inherited: a new channel starts at its own position. */
static const struct ly_datastore_info state_info = {
	.type = "pbx",
	.destroy = state_destroy,
};

struct pbx_state *pbx_state_peek(const struct ly_channel *c)
{
	return c ? ly_chan_datastore_find(c, &state_info) : NULL;
}

struct pbx_state *pbx_state(struct ly_channel *c)
{
	struct pbx_state *st = pbx_state_peek(c);

	if (st)
		return st;
	st = ly_calloc(1, sizeof(*st));
	pthread_mutex_init(&st->lock, NULL);
	st->digit_ms = PBX_DIGIT_TIMEOUT_MS;
	st->response_ms = PBX_RESPONSE_TIMEOUT_MS;
	/* Two threads may race to create it; the loser uses the winner's. */
	if (ly_chan_datastore_add(c, &state_info, st) == EEXIST) {
		state_destroy(st);
		st = pbx_state_peek(c);
	}
	return st;
}

/* ---- position ---- */

static const char *empty(char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
	return buf;
}

const char *ly_pbx_context(const struct ly_channel *c, char *buf, size_t len)
{
	struct pbx_state *st = pbx_state_peek(c);

	if (!st)
		return empty(buf, len);
	pthread_mutex_lock(&st->lock);
	ly_strlcpy(buf, st->context, len);
	pthread_mutex_unlock(&st->lock);
	return buf;
}

const char *ly_pbx_exten(const struct ly_channel *c, char *buf, size_t len)
{
	struct pbx_state *st = pbx_state_peek(c);

	if (!st)
		return empty(buf, len);
	pthread_mutex_lock(&st->lock);
	ly_strlcpy(buf, st->exten, len);
	pthread_mutex_unlock(&st->lock);
	return buf;
}

int ly_pbx_priority(const struct ly_channel *c)
{
	struct pbx_state *st = pbx_state_peek(c);
	int prio;

	if (!st)
		return 0;
	pthread_mutex_lock(&st->lock);
	prio = st->priority;
	pthread_mutex_unlock(&st->lock);
	return prio;
}

static void position_store(struct ly_channel *c, const char *context, const char *exten,
			   int priority, bool jump)
{
	struct pbx_state *st = pbx_state(c);

	pthread_mutex_lock(&st->lock);
	if (context)
		ly_strlcpy(st->context, context, sizeof(st->context));
	if (exten)
		ly_strlcpy(st->exten, exten, sizeof(st->exten));
	st->priority = priority;
	if (jump)
		st->jumped = true;
	pthread_mutex_unlock(&st->lock);
}

void ly_pbx_set_position(struct ly_channel *c, const char *context, const char *exten,
			 int priority)
{
	position_store(c, context, exten, priority, false);
}

const char *ly_pbx_location(const struct ly_channel *c, char *buf, size_t len)
{
	struct pbx_state *st = pbx_state_peek(c);

	if (len)
		buf[0] = '\0';
	if (!st)
		return buf;
	pthread_mutex_lock(&st->lock);
	if (st->file[0])
		snprintf(buf, len, "%s:%d", st->file, st->line);
	pthread_mutex_unlock(&st->lock);
	return buf;
}

/* ---- lookups in the running plan ---- */

static const char *cid_of(const struct ly_channel *c, char *buf, size_t len)
{
	if (!c)
		return NULL;
	ly_chan_callerid_num(c, buf, len);
	return buf[0] ? buf : NULL;
}

bool ly_exten_exists(const char *context, const char *exten, int priority, const char *cid)
{
	struct dp_plan *plan = dp_current();
	const struct dp_exten *e = dp_find_exten_prio(plan, context, exten, cid, priority,
						      ly_pbx_now(), NULL);
	bool found = e != NULL;

	dp_plan_unref(plan);
	return found;
}

static bool match(const char *context, const char *exten, const char *cid,
		  enum dp_match_mode mode)
{
	struct dp_plan *plan = dp_current();
	bool found = dp_match(plan, context, exten, cid, mode, ly_pbx_now());

	dp_plan_unref(plan);
	return found;
}

bool ly_exten_canmatch(const char *context, const char *exten, const char *cid)
{
	return match(context, exten, cid, DP_MATCH_CANMATCH);
}

bool ly_exten_matchmore(const char *context, const char *exten, const char *cid)
{
	return match(context, exten, cid, DP_MATCH_MATCHMORE);
}

int ly_exten_find_label(const char *context, const char *exten, const char *label,
			const char *cid)
{
	struct dp_plan *plan = dp_current();
	const struct dp_exten *e = dp_find_exten(plan, context, exten, cid, ly_pbx_now(), NULL);
	int prio = e ? dp_exten_label(e, label) : -1;

	dp_plan_unref(plan);
	return prio;
}

bool ly_context_exists(const char *context)
{
	struct dp_plan *plan = dp_current();
	bool found = dp_context_exists(plan, context);

	dp_plan_unref(plan);
	return found;
}

const char *ly_exten_hint(const char *context, const char *exten, char *buf, size_t len)
{
	struct dp_plan *plan = dp_current();
	const char *hint = dp_hint(plan, context, exten);

	if (hint)
		ly_strlcpy(buf, hint, len);
	dp_plan_unref(plan);
	return hint ? buf : NULL;
}

/* ---- jumps ---- */

int ly_pbx_goto_explicit(struct ly_channel *c, const char *context, const char *exten,
			 int priority)
{
	char cidbuf[128], where[300];

	if (!ly_exten_exists(context, exten, priority, cid_of(c, cidbuf, sizeof(cidbuf)))) {
		ly_pbx_location(c, where, sizeof(where));
		ly_warning("%s%sNo priority %d of %s@%s to jump to", where, where[0] ? ": " : "",
			   priority, exten, context);
		return ENOENT;
	}
	position_store(c, context, exten, priority, true);
	return 0;
}

/* "n", "+N" and "-N" move from the current priority; a number is itself;
 * anything else is a label of the target extension (Asterisk's
 * pbx_parseable_goto).  0 when unresolvable. */
static int resolve_priority(const struct ly_channel *c, const char *context, const char *exten,
			    const char *prio)
{
	char cidbuf[128];
	long n;

	if (ly_strcaseeq(prio, "n"))
		return ly_pbx_priority(c) + 1;
	if ((prio[0] == '+' || prio[0] == '-') && ly_parse_int(prio + 1, 0, 100000000, &n) == 0)
		return ly_pbx_priority(c) + (prio[0] == '+' ? (int)n : -(int)n);
	if (ly_parse_int(prio, 1, 100000000, &n) == 0)
		return (int)n;
	n = ly_exten_find_label(context, exten, prio, cid_of(c, cidbuf, sizeof(cidbuf)));
	return n > 0 ? (int)n : 0;
}

/* "[[context,]exten,]priority" into its parts, the missing ones taken
 * from c's position; false (logged) when the priority is neither a number
 * nor a label of the target extension. */
static bool parse_target(struct ly_channel *c, const char *target, char *context,
			 char *exten, int *prio)
{
	char where[300];
	char *copy = ly_strdup(target ? target : ""), *parts[3];
	int n = ly_app_split_args_sep(copy, ',', parts, 3);
	const char *prio_s;

	ly_pbx_context(c, context, LY_MAX_CONTEXT);
	ly_pbx_exten(c, exten, LY_MAX_EXTEN);
	if (n == 3)
		ly_strlcpy(context, ly_strstrip(parts[0]), LY_MAX_CONTEXT);
	if (n >= 2)
		ly_strlcpy(exten, ly_strstrip(parts[n - 2]), LY_MAX_EXTEN);
	prio_s = ly_strstrip(parts[n - 1]);
	*prio = resolve_priority(c, context, exten, prio_s);
	if (*prio <= 0) {
		ly_pbx_location(c, where, sizeof(where));
		ly_warning("%s%sPriority '%s' of %s@%s must be a number > 0 or a label", where,
			   where[0] ? ": " : "", prio_s, exten, context);
	}
	free(copy);
	return *prio > 0;
}

int ly_pbx_goto(struct ly_channel *c, const char *target)
{
	char context[LY_MAX_CONTEXT], exten[LY_MAX_EXTEN];
	int prio, err;

	if (!parse_target(c, target, context, exten, &prio))
		return ENOENT;
	err = ly_pbx_goto_explicit(c, context, exten, prio);
	if (!err)
		ly_verbose(3, "Goto (%s,%s,%d) on %s", context, exten, prio, ly_chan_name(c));
	return err;
}

int ly_pbx_goto_any(struct ly_channel *c, const char *target)
{
	char context[LY_MAX_CONTEXT], exten[LY_MAX_EXTEN];
	int prio;

	if (!parse_target(c, target, context, exten, &prio))
		return ENOENT;
	position_store(c, context, exten, prio, true);
	ly_verbose(3, "Goto (%s,%s,%d) on %s", context, exten, prio, ly_chan_name(c));
	return 0;
}

/* ---- exceptions ---- */

void ly_pbx_raise_exception(struct ly_channel *c, const char *reason)
{
	struct pbx_state *st = pbx_state(c);
	char context[LY_MAX_CONTEXT], cidbuf[128];

	pthread_mutex_lock(&st->lock);
	st->has_exception = true;
	ly_strlcpy(st->exc_reason, reason, sizeof(st->exc_reason));
	ly_strlcpy(st->exc_context, st->context, sizeof(st->exc_context));
	ly_strlcpy(st->exc_exten, st->exten, sizeof(st->exc_exten));
	st->exc_priority = st->priority;
	ly_strlcpy(context, st->context, sizeof(context));
	pthread_mutex_unlock(&st->lock);
	if (ly_exten_exists(context, "e", 1, cid_of(c, cidbuf, sizeof(cidbuf)))) {
		position_store(c, context, "e", 1, true);
		return;
	}
	ly_warning("Exception %s on %s, but context '%s' has no 'e' extension: hanging up",
		   reason, ly_chan_name(c), context);
	ly_chan_softhangup(c, LY_CAUSE_NORMAL_CLEARING);
}

int ly_pbx_timeout_digit_ms(const struct ly_channel *c)
{
	struct pbx_state *st = pbx_state_peek(c);
	int ms;

	if (!st)
		return PBX_DIGIT_TIMEOUT_MS;
	pthread_mutex_lock(&st->lock);
	ms = st->digit_ms;
	pthread_mutex_unlock(&st->lock);
	return ms;
}

int ly_pbx_timeout_response_ms(const struct ly_channel *c)
{
	struct pbx_state *st = pbx_state_peek(c);
	int ms;

	if (!st)
		return PBX_RESPONSE_TIMEOUT_MS;
	pthread_mutex_lock(&st->lock);
	ms = st->response_ms;
	pthread_mutex_unlock(&st->lock);
	return ms;
}
