/* core/app_gosub.c - subroutines: Gosub, GosubIf, Return, StackPop and the LOCAL() function. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "lyre/app.h"
#include "lyre/channel.h"
#include "lyre/log.h"
#include "lyre/pbx.h"
#include "lyre/utils.h"
#include "pbx_int.h"
#include "settings.h"

/* lyre.conf's default, for a process that never read lyre.conf (tests). */
#define GOSUB_DEFAULT_DEPTH 500

/*
 * A frame remembers where to return and which variables it made local
 * (ARGn, ARGC, LOCAL()): each with the caller's value, put back when the
 * frame goes.  Asterisk pushes a second copy of the variable instead; the
 * effect on ${NAME} is the same.
 */
struct gosub_var {
	char *name;
	char *saved;	/* the caller's value; NULL when it was unset */
};

struct gosub_frame {
	char *context;
	char *exten;
	int priority;		/* where Return continues: the Gosub's priority + 1 */
	unsigned nargs;		/* arguments this frame was given */
	struct gosub_var *vars;
	size_t nvars;
};

/* The channel's stack.  Its own thread pushes and pops; the lock is for a
 * ${LOCAL(x)} read from another thread (ImportVar). */
struct gosub_stack {
	pthread_mutex_t lock;
	struct gosub_frame **frames;
	size_t n, cap;
};

static void frame_free(struct gosub_frame *f)
{
	for (size_t i = 0; i < f->nvars; i++) {
		free(f->vars[i].name);
		free(f->vars[i].saved);
	}
	free(f->vars);
	free(f->context);
	free(f->exten);
	free(f);
}

static void stack_destroy(void *data)
{
	struct gosub_stack *s = data;

	for (size_t i = 0; i < s->n; i++)
		frame_free(s->frames[i]);
	free(s->frames);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* Not inherited: a channel this one creates starts outside any Gosub. */
static const struct ly_datastore_info gosub_info = {
	.type = "gosub",
	.destroy = stack_destroy,
};

static struct gosub_stack *stack_find(const struct ly_channel *c)
{
	return ly_chan_datastore_find(c, &gosub_info);
}

static struct gosub_stack *stack_get(struct ly_channel *c)
{
	struct gosub_stack *s = stack_find(c);

	if (s)
		return s;
	s = ly_calloc(1, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	ly_chan_datastore_add(c, &gosub_info, s);
	return s;
}

static struct gosub_frame *stack_top(struct gosub_stack *s)
{
	return s && s->n ? s->frames[s->n - 1] : NULL;
}

unsigned app_gosub_depth(struct ly_channel *c)
{
	struct gosub_stack *s = stack_find(c);
	unsigned n;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->lock);
	n = (unsigned)s->n;
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* ---- frame variables ---- */

struct var_copy {
	const char *name;
	char *value;
};

static void var_copy_cb(const char *name, const char *value, void *arg)
{
	struct var_copy *vc = arg;

	if (!vc->value && strcmp(name, vc->name) == 0)
		vc->value = ly_strdup(value);
}

/* The whole value (no buffer limit) or NULL when unset. */
static char *var_dup(const struct ly_channel *c, const char *name)
{
	struct var_copy vc = { name, NULL };

	ly_chan_var_foreach(c, var_copy_cb, &vc);
	return vc.value;
}

static struct gosub_var *frame_var_find(const struct gosub_frame *f, const char *name)
{
	for (size_t i = 0; i < f->nvars; i++)
		if (strcmp(f->vars[i].name, name) == 0)
			return &f->vars[i];
	return NULL;
}

/* Set a variable local to frame f of stack s: the first time, keep the
 * caller's value.  The list grows under the stack's lock, which a LOCAL()
 * read from another thread takes. */
static void frame_set_var(struct ly_channel *c, struct gosub_stack *s, struct gosub_frame *f,
			  const char *name, const char *value)
{
	if (!frame_var_find(f, name)) {
		char *saved = var_dup(c, name);

		pthread_mutex_lock(&s->lock);
		f->vars = ly_realloc(f->vars, (f->nvars + 1) * sizeof(*f->vars));
		f->vars[f->nvars].name = ly_strdup(name);
		f->vars[f->nvars].saved = saved;
		f->nvars++;
		pthread_mutex_unlock(&s->lock);
	}
	ly_chan_var_set(c, name, value);
}

static void frame_restore_vars(struct ly_channel *c, const struct gosub_frame *f)
{
	for (size_t i = f->nvars; i-- > 0;)
		ly_chan_var_set(c, f->vars[i].name, f->vars[i].saved);
}

/* ---- push and pop ---- */

static unsigned max_depth(void)
{
	unsigned depth = ly_settings()->maxgosubdepth;

	return depth ? depth : GOSUB_DEFAULT_DEPTH;
}

static void stack_push(struct gosub_stack *s, struct gosub_frame *f)
{
	pthread_mutex_lock(&s->lock);
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->frames = ly_realloc(s->frames, s->cap * sizeof(*s->frames));
	}
	s->frames[s->n++] = f;
	pthread_mutex_unlock(&s->lock);
}

static struct gosub_frame *stack_pop(struct gosub_stack *s)
{
	struct gosub_frame *f = NULL;

	if (!s)
		return NULL;
	pthread_mutex_lock(&s->lock);
	if (s->n)
		f = s->frames[--s->n];
	pthread_mutex_unlock(&s->lock);
	return f;
}

/* Pop the top frame, put the caller's variables back and forget the
 * subroutine's loops.  NULL when the stack is empty. */
static struct gosub_frame *frame_leave(struct ly_channel *c)
{
	struct gosub_stack *s = stack_find(c);
	struct gosub_frame *f = stack_pop(s);

	if (!f)
		return NULL;
	frame_restore_vars(c, f);
	app_while_forget_deeper(c, app_gosub_depth(c));
	return f;
}

/* "label(a,b)" -> label in place, and the raw arguments (quotes kept, as
 * Asterisk's Gosub keeps them) into *argv (caller frees the array). */
static int split_label_args(struct ly_channel *c, char *target, char ***argv)
{
	char *open = strchr(target, '('), *close, *rest, where[256];
	int argc = 0;

	*argv = NULL;
	if (!open)
		return 0;
	*open = '\0';
	close = strrchr(open + 1, ')');
	if (close)
		*close = '\0';
	else
		ly_warning("%s: Gosub: no closing parenthesis in the arguments",
			   app_where(c, where, sizeof(where)));
	rest = open + 1;
	if (!rest[0])
		return 0;
	while (rest) {
		*argv = ly_realloc(*argv, (size_t)(argc + 1) * sizeof(**argv));
		(*argv)[argc++] = rest;
		rest = app_split_top(rest, ',');
	}
	return argc;
}

static struct gosub_frame *frame_new(struct ly_channel *c)
{
	struct gosub_frame *f = ly_calloc(1, sizeof(*f));
	char ctx[LY_MAX_CONTEXT], ext[LY_MAX_EXTEN];

	f->context = ly_strdup(ly_pbx_context(c, ctx, sizeof(ctx)));
	f->exten = ly_strdup(ly_pbx_exten(c, ext, sizeof(ext)));
	f->priority = ly_pbx_priority(c) + 1;
	return f;
}

/* ARG1..ARGn, with the caller's extra ARGs blanked so the subroutine
 * cannot see them (Asterisk sets them empty), and ARGC. */
static void frame_set_args(struct ly_channel *c, struct gosub_stack *s, struct gosub_frame *f,
			   unsigned caller_nargs, char **argv, int argc)
{
	unsigned n = (unsigned)argc > caller_nargs ? (unsigned)argc : caller_nargs;
	char name[32];

	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "ARG%u", i + 1);
		frame_set_var(c, s, f, name, i < (unsigned)argc ? argv[i] : "");
	}
	snprintf(name, sizeof(name), "%d", argc);
	frame_set_var(c, s, f, "ARGC", name);
	f->nargs = (unsigned)argc;
}

static int gosub_to(struct ly_channel *c, char *target)
{
	struct gosub_stack *s = stack_get(c);
	struct gosub_frame *f, *caller = stack_top(s);
	char **argv, where[256];
	int argc;

	if (s->n >= max_depth()) {
		ly_error("%s: Gosub: maximum depth of %u nested calls reached, refusing %s",
			 app_where(c, where, sizeof(where)), max_depth(), target);
		return -1;
	}
	argc = split_label_args(c, target, &argv);
	f = frame_new(c);
	/* The jump comes first: a missing target pushes nothing (Asterisk
	 * refuses "a non-existent destination" and ends the call). */
	if (ly_pbx_goto(c, ly_strstrip(target)) != 0) {
		frame_free(f);
		free(argv);
		return -1;
	}
	frame_set_args(c, s, f, caller ? caller->nargs : 0, argv, argc);
	free(argv);
	stack_push(s, f);
	return 0;
}

/* Gosub([[context,]exten,]priority[(arg1[,...][,argN])]) */
static int gosub_exec(struct ly_channel *c, const char *args)
{
	char *copy, where[256];
	int res;

	if (!args[0]) {
		ly_error("%s: Gosub requires an argument: "
			 "Gosub([[context,]exten,]priority[(arg1[,...][,argN])])",
			 app_where(c, where, sizeof(where)));
		return -1;
	}
	copy = ly_strdup(args);
	res = gosub_to(c, copy);
	free(copy);
	return res;
}

/* GosubIf(condition?labeliftrue[(args)][:labeliffalse[(args)]]) */
static int gosubif_exec(struct ly_channel *c, const char *args)
{
	char *copy = ly_strdup(args), *iftrue = app_split_top(copy, '?'), *iffalse, *target;
	char where[256];
	int res = 0;

	if (!iftrue) {
		ly_warning("%s: GosubIf requires an argument: "
			   "GosubIf(cond?label1(args):label2(args))",
			   app_where(c, where, sizeof(where)));
		free(copy);
		return 0;
	}
	iffalse = app_split_top(iftrue, ':');
	target = ly_pbx_checkcondition(copy) ? iftrue : iffalse;
	if (target && ly_strstrip(target)[0])
		res = gosub_to(c, target);
	free(copy);
	return res;
}

/* Return([value]): back to the caller, whose variables come back, with
 * GOSUB_RETVAL set (empty without a value). */
static int return_exec(struct ly_channel *c, const char *args)
{
	struct gosub_frame *f = frame_leave(c);
	char where[256];

	if (!f) {
		ly_error("%s: Return without Gosub: stack is empty",
			 app_where(c, where, sizeof(where)));
		return -1;
	}
	ly_chan_var_set(c, "GOSUB_RETVAL", args);
	/* Placed on the Gosub itself without a jump, so the runner moves on
	 * to the priority after it; when there is none, the extension falls
	 * through as it would have after any last priority (Asterisk sets
	 * priority - 1 for the same reason). */
	ly_pbx_set_position(c, f->context, f->exten, f->priority - 1);
	frame_free(f);
	return 0;
}

/* StackPop(): forget the last Gosub without returning to it. */
static int stackpop_exec(struct ly_channel *c, const char *args)
{
	struct gosub_frame *f = frame_leave(c);
	char where[256];

	(void)args;
	if (!f) {
		ly_debug(1, "%s: StackPop called with an empty Gosub stack",
			 app_where(c, where, sizeof(where)));
		return 0;
	}
	frame_free(f);
	return 0;
}

/* ---- LOCAL(name) ---- */

/* ${LOCAL(x)}: x as the current frame made it local; empty otherwise
 * (and outside a Gosub), as Asterisk does. */
static int local_read(struct ly_channel *c, const char *args, char *buf, size_t len)
{
	struct gosub_stack *s = c ? stack_find(c) : NULL;
	char *name = ly_strdup(args);
	bool local = false;

	buf[0] = '\0';
	if (s) {
		pthread_mutex_lock(&s->lock);
		local = s->n && frame_var_find(s->frames[s->n - 1], ly_strstrip(name));
		pthread_mutex_unlock(&s->lock);
	}
	if (local && !ly_chan_var_get(c, name, buf, len))
		buf[0] = '\0';
	free(name);
	return 0;
}

static int local_write(struct ly_channel *c, const char *args, const char *value)
{
	struct gosub_stack *s = c ? stack_find(c) : NULL;
	struct gosub_frame *f = stack_top(s);
	char *name = ly_strdup(args), where[256];

	if (!f) {
		ly_error("%s: tried to set LOCAL(%s) outside a Gosub routine",
			 app_where(c, where, sizeof(where)), args);
		free(name);
		return EINVAL;
	}
	frame_set_var(c, s, f, ly_strstrip(name), value);
	free(name);
	return 0;
}

struct ly_func app_local_func = {
	.name = "LOCAL",
	.synopsis = "Manage variables local to the gosub stack frame",
	.read = local_read,
	.write = local_write,
};

static struct ly_app gosub_app = { .name = "Gosub", .exec = gosub_exec,
	.synopsis = "Jump to label, saving return address" };
static struct ly_app gosubif_app = { .name = "GosubIf", .exec = gosubif_exec,
	.synopsis = "Conditionally jump to label, saving return address" };
static struct ly_app return_app = { .name = "Return", .exec = return_exec,
	.synopsis = "Return from gosub routine" };
static struct ly_app stackpop_app = { .name = "StackPop", .exec = stackpop_exec,
	.synopsis = "Remove one address from gosub stack" };

struct ly_app *const app_gosub_list[] = {
	&gosub_app, &gosubif_app, &return_app, &stackpop_app, NULL
};
