/* core/app_while.c - loops: While, EndWhile, ExitWhile, ContinueWhile. */
/*
 * Asterisk's semantics (app_while.c): While(expr) true goes on into the
 * body, false jumps past its matching EndWhile; EndWhile goes back to its
 * While, which evaluates again; ExitWhile leaves the innermost loop past
 * its EndWhile; ContinueWhile goes back to the innermost While.  The
 * matching EndWhile is found by scanning the extension's following
 * priorities and counting nested While/EndWhile pairs, until the loop has
 * reached its EndWhile once and its place is known.
 *
 * Asterisk keeps this state in channel variables (WHILE_0, END_WHILE_0,
 * ...).  Here it is a channel datastore: a stack of open loops, each
 * keyed by its While's position and the Gosub depth it runs at, so a
 * subroutine called from inside a loop (even the same subroutine,
 * recursively) has loops of its own.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app_int.h"
#include "dialplan.h"
#include "lyre/app.h"
#include "lyre/channel.h"
#include "lyre/log.h"
#include "lyre/pbx.h"
#include "lyre/utils.h"
#include "pbx_int.h"

struct while_loop {
	char context[LY_MAX_CONTEXT];
	char exten[LY_MAX_EXTEN];
	int priority;		/* the While */
	unsigned depth;		/* Gosub depth it runs at */
	int end_priority;	/* its EndWhile once reached (same extension), else 0 */
};

/* Open loops, innermost last.  Only the channel's own thread uses it. */
struct while_stack {
	struct while_loop *loops;
	size_t n, cap;
};

static void stack_destroy(void *data)
{
	struct while_stack *s = data;

	free(s->loops);
	free(s);
}

static const struct ly_datastore_info while_info = {
	.type = "while",
	.destroy = stack_destroy,
};

static struct while_stack *stack_get(struct ly_channel *c)
{
	struct while_stack *s = ly_chan_datastore_find(c, &while_info);

	if (!s) {
		s = ly_calloc(1, sizeof(*s));
		ly_chan_datastore_add(c, &while_info, s);
	}
	return s;
}

void app_while_forget_deeper(struct ly_channel *c, unsigned depth)
{
	struct while_stack *s = ly_chan_datastore_find(c, &while_info);

	while (s && s->n && s->loops[s->n - 1].depth > depth)
		s->n--;
}

/* Where this channel is now, as a loop key. */
static void here(struct ly_channel *c, struct while_loop *at)
{
	memset(at, 0, sizeof(*at));
	ly_pbx_context(c, at->context, sizeof(at->context));
	ly_pbx_exten(c, at->exten, sizeof(at->exten));
	at->priority = ly_pbx_priority(c);
	at->depth = app_gosub_depth(c);
}

/* Index of the loop opened by the While at `at`, or -1. */
static long loop_find(const struct while_stack *s, const struct while_loop *at)
{
	for (size_t i = s->n; i-- > 0;) {
		const struct while_loop *l = &s->loops[i];

		if (l->priority == at->priority && l->depth == at->depth &&
		    strcmp(l->exten, at->exten) == 0 && strcmp(l->context, at->context) == 0)
			return (long)i;
	}
	return -1;
}

/* The innermost loop of the current subroutine level, or -1. */
static long loop_innermost(const struct while_stack *s, unsigned depth)
{
	if (s->n && s->loops[s->n - 1].depth == depth)
		return (long)s->n - 1;
	return -1;
}

static void loop_push(struct while_stack *s, const struct while_loop *l)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		s->loops = ly_realloc(s->loops, s->cap * sizeof(*s->loops));
	}
	s->loops[s->n++] = *l;
}

/* Priority of the EndWhile that closes the While at l, scanning the
 * consecutive priorities after it as Asterisk does; 0 when none. */
static int find_matching_endwhile(struct ly_channel *c, const struct while_loop *l)
{
	struct dp_plan *plan = dp_current();
	char cid[128];
	const struct dp_exten *e;
	int nesting = 0, found = 0, expect = l->priority + 1;

	ly_chan_callerid_num(c, cid, sizeof(cid));
	e = dp_find_exten(plan, l->context, l->exten, cid[0] ? cid : NULL, ly_pbx_now(), NULL);
	for (unsigned i = 0; e && i < dp_exten_prio_count(e) && !found; i++) {
		const struct dp_prio *p = dp_exten_prio_at(e, i);

		if (p->priority < expect)
			continue;
		if (p->priority > expect)
			break;
		expect++;
		if (strcasecmp(p->app, "While") == 0)
			nesting++;
		else if (strcasecmp(p->app, "EndWhile") == 0 && nesting-- == 0)
			found = p->priority;
	}
	dp_plan_unref(plan);
	return found;
}

/* Go on after the loop's EndWhile: placed on it without a jump, the
 * runner takes the next priority (or falls through if there is none). */
static int leave_loop(struct ly_channel *c, const struct while_loop *l)
{
	int end = l->end_priority ? l->end_priority : find_matching_endwhile(c, l);
	char where[256];

	if (!end) {
		ly_warning("%s: couldn't find the EndWhile matching the While at %s@%s:%d",
			   app_where(c, where, sizeof(where)), l->exten, l->context,
			   l->priority);
		return 0;
	}
	ly_pbx_set_position(c, l->context, l->exten, end);
	return 0;
}

/* While(expr) */
static int while_exec(struct ly_channel *c, const char *args)
{
	struct while_stack *s = stack_get(c);
	struct while_loop at;
	long i;

	here(c, &at);
	i = loop_find(s, &at);
	if (!ly_pbx_checkcondition(args)) {
		if (i >= 0) {
			at = s->loops[i];
			s->n = (size_t)i;	/* with any inner loop left by a Goto */
		}
		return leave_loop(c, &at);
	}
	if (i < 0)
		loop_push(s, &at);
	else
		s->n = (size_t)i + 1;
	return 0;
}

/* EndWhile(): back to the innermost While, remembering where this loop ends. */
static int endwhile_exec(struct ly_channel *c, const char *args)
{
	struct while_stack *s = stack_get(c);
	struct while_loop at, *l;
	long i;

	(void)args;
	here(c, &at);
	i = loop_innermost(s, at.depth);
	if (i < 0) {
		ly_debug(1, "EndWhile at %s@%s:%d without a While", at.exten, at.context,
			 at.priority);
		return 0;
	}
	l = &s->loops[i];
	if (strcmp(l->context, at.context) == 0 && strcmp(l->exten, at.exten) == 0)
		l->end_priority = at.priority;
	return ly_pbx_goto_explicit(c, l->context, l->exten, l->priority) == 0 ? 0 : -1;
}

/* ExitWhile(): leave the innermost loop. */
static int exitwhile_exec(struct ly_channel *c, const char *args)
{
	struct while_stack *s = stack_get(c);
	struct while_loop at;
	char where[256];
	long i;

	(void)args;
	here(c, &at);
	i = loop_innermost(s, at.depth);
	if (i < 0) {
		ly_warning("%s: ExitWhile outside a While loop",
			   app_where(c, where, sizeof(where)));
		return 0;
	}
	at = s->loops[i];
	s->n = (size_t)i;
	return leave_loop(c, &at);
}

/* ContinueWhile(): back to the innermost While, which evaluates again. */
static int continuewhile_exec(struct ly_channel *c, const char *args)
{
	struct while_stack *s = stack_get(c);
	struct while_loop at;
	long i;

	(void)args;
	here(c, &at);
	i = loop_innermost(s, at.depth);
	if (i < 0)
		return 0;
	return ly_pbx_goto_explicit(c, s->loops[i].context, s->loops[i].exten,
				    s->loops[i].priority) == 0 ? 0 : -1;
}

static struct ly_app while_app = { .name = "While", .exec = while_exec,
	.synopsis = "Start a while loop" };
static struct ly_app endwhile_app = { .name = "EndWhile", .exec = endwhile_exec,
	.synopsis = "End a while loop" };
static struct ly_app exitwhile_app = { .name = "ExitWhile", .exec = exitwhile_exec,
	.synopsis = "End a While loop" };
static struct ly_app continuewhile_app = { .name = "ContinueWhile", .exec = continuewhile_exec,
	.synopsis = "Restart a While loop" };

struct ly_app *const app_while_list[] = {
	&while_app, &endwhile_app, &exitwhile_app, &continuewhile_app, NULL
};
