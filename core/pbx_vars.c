/* core/pbx_vars.c - variables as the dialplan sees them: built-ins, channel variables, globals, inheritance. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/app.h"
#include "lyre/channel.h"
#include "lyre/log.h"
#include "lyre/pbx.h"
#include "lyre/utils.h"
#include "pbx_int.h"
#include "pbx_state.h"

/* ---- globals: read on every substitution, written on reload and GLOBAL() ---- */

struct global {
	struct global *next;
	char *name;
	char *value;
};

static pthread_rwlock_t globals_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct global *globals;	/* in the order first set */

static struct global **global_slot_locked(const char *name)
{
	struct global **pg = &globals;

	while (*pg && strcmp((*pg)->name, name) != 0)
		pg = &(*pg)->next;
	return pg;
}

static void global_free(struct global *g)
{
	free(g->name);
	free(g->value);
	free(g);
}

void ly_global_set(const char *name, const char *value)
{
	struct global **pg, *g;

	if (!name || !*name)
		return;
	pthread_rwlock_wrlock(&globals_lock);
	pg = global_slot_locked(name);
	g = *pg;
	if (g && !value) {
		*pg = g->next;
		global_free(g);
	} else if (g) {
		free(g->value);
		g->value = ly_strdup(value);
	} else if (value) {
		g = ly_calloc(1, sizeof(*g));
		g->name = ly_strdup(name);
		g->value = ly_strdup(value);
		*pg = g;	/* the tail slot: appended */
	}
	pthread_rwlock_unlock(&globals_lock);
}

const char *ly_global_get(const char *name, char *buf, size_t len)
{
	const char *result = NULL;
	struct global *g;

	pthread_rwlock_rdlock(&globals_lock);
	g = *global_slot_locked(name);
	if (g) {
		ly_strlcpy(buf, g->value, len);
		result = buf;
	}
	pthread_rwlock_unlock(&globals_lock);
	return result;
}

void ly_global_clear(void)
{
	pthread_rwlock_wrlock(&globals_lock);
	while (globals) {
		struct global *next = globals->next;

		global_free(globals);
		globals = next;
	}
	pthread_rwlock_unlock(&globals_lock);
}

/* ---- functions: ${NAME(args)} and Set(NAME(args)=value) ---- */

/* Split "NAME(args)" into its parts (copies); args stop at the last ')'. */
static void func_split(const char *expr, char **name, char **args)
{
	const char *open = strchr(expr, '(');
	const char *close = strrchr(expr, ')');

	*name = ly_strndup(expr, (size_t)(open - expr));
	if (!close || close < open)
		close = open + strlen(open);
	*args = ly_strndup(open + 1, (size_t)(close - open - 1));
}

int pbx_func_read(struct ly_channel *c, const char *expr, char *buf, size_t len)
{
	char *name, *args;
	struct ly_func *fn;
	int rc = ENOSYS;

	func_split(expr, &name, &args);
	fn = ly_func_acquire(name);
	if (!fn)
		rc = ENOENT;
	else if (fn->read) {
		if (len)
			buf[0] = '\0';
		rc = fn->read(c, args, buf, len);
	}
	ly_func_release(fn);
	free(name);
	free(args);
	return rc;
}

static int func_write(struct ly_channel *c, const char *expr, const char *value)
{
	char *name, *args, where[300];
	struct ly_func *fn;
	int rc;

	func_split(expr, &name, &args);
	ly_pbx_location(c, where, sizeof(where));
	fn = ly_func_acquire(name);
	if (!fn) {
		ly_error("%s%sNo function '%s' to write to", where, where[0] ? ": " : "", name);
		rc = ENOENT;
	} else if (!fn->write) {
		ly_error("%s%sFunction '%s' is read-only", where, where[0] ? ": " : "", name);
		rc = EPERM;
	} else {
		rc = fn->write(c, args, value ? value : "");
	}
	ly_func_release(fn);
	free(name);
	free(args);
	return rc;
}

static bool is_func(const char *name)
{
	return strchr(name, '(') != NULL;
}

/* ---- channel variables ---- */

/* Asterisk stores "_X" and "__X" under their full names but matches a
 * name without its (up to two) leading underscores. */
static const char *bare_name(const char *name)
{
	if (name[0] == '_')
		name += name[1] == '_' ? 2 : 1;
	return name;
}

static const char *chan_var_find(const struct ly_channel *c, const char *name, char *buf,
				 size_t len)
{
	char prefixed[256];

	if (ly_chan_var_get(c, name, buf, len))
		return buf;
	snprintf(prefixed, sizeof(prefixed), "_%s", name);
	if (ly_chan_var_get(c, prefixed, buf, len))
		return buf;
	snprintf(prefixed, sizeof(prefixed), "__%s", name);
	return ly_chan_var_get(c, prefixed, buf, len);
}

/* Replace any variable with the same bare name, keeping the new prefix. */
static void chan_var_assign(struct ly_channel *c, const char *name, const char *value)
{
	const char *bare = bare_name(name);
	char prefixed[256];

	if (strcmp(bare, name) != 0)
		ly_chan_var_set(c, bare, NULL);
	snprintf(prefixed, sizeof(prefixed), "_%s", bare);
	if (strcmp(prefixed, name) != 0)
		ly_chan_var_set(c, prefixed, NULL);
	snprintf(prefixed, sizeof(prefixed), "__%s", bare);
	if (strcmp(prefixed, name) != 0)
		ly_chan_var_set(c, prefixed, NULL);
	ly_chan_var_set(c, name, value);
}

/* The built-ins Asterisk answers before looking at channel variables. */
static const char *builtin(struct ly_channel *c, const char *name, char *buf, size_t len)
{
	if (strcmp(name, "EXTEN") == 0)
		ly_pbx_exten(c, buf, len);
	else if (strcmp(name, "CONTEXT") == 0)
		ly_pbx_context(c, buf, len);
	else if (strcmp(name, "PRIORITY") == 0)
		snprintf(buf, len, "%d", ly_pbx_priority(c));
	else if (strcmp(name, "CHANNEL") == 0)
		ly_strlcpy(buf, ly_chan_name(c), len);
	else if (strcmp(name, "UNIQUEID") == 0)
		ly_strlcpy(buf, ly_chan_uniqueid(c), len);
	else if (strcmp(name, "HANGUPCAUSE") == 0)
		snprintf(buf, len, "%d", ly_chan_hangupcause(c));
	else
		return NULL;
	return buf;
}

const char *ly_pbx_var_get(struct ly_channel *c, const char *name, char *buf, size_t len)
{
	if (!name || !*name)
		return NULL;
	if (is_func(name))
		return pbx_func_read(c, name, buf, len) == 0 ? buf : NULL;
	if (c && (builtin(c, name, buf, len) || chan_var_find(c, name, buf, len)))
		return buf;
	if (ly_global_get(name, buf, len))
		return buf;
	/* Asterisk looks at EPOCH last, so a variable of that name wins. */
	if (strcmp(name, "EPOCH") == 0) {
		snprintf(buf, len, "%lld", (long long)ly_pbx_now());
		return buf;
	}
	return NULL;
}

int ly_pbx_var_set(struct ly_channel *c, const char *name, const char *value)
{
	if (!name || !*name || !*bare_name(name))
		return EINVAL;
	if (is_func(name))
		return func_write(c, name, value);
	if (!c)
		ly_global_set(name, value);
	else
		chan_var_assign(c, name, value);
	return 0;
}

/* ---- inheritance ---- */

/* Asterisk's ast_channel_inherit_variables: "__X" stays "__X" in every
 * generation, "_X" arrives as plain "X" and goes no further. */
static void inherit_one(const char *name, const char *value, void *arg)
{
	struct ly_channel *child = arg;

	if (ly_str_startswith(name, "__") && name[2])
		chan_var_assign(child, name, value);
	else if (name[0] == '_' && name[1] && name[1] != '_')
		chan_var_assign(child, name + 1, value);
}

void ly_chan_inherit_vars(const struct ly_channel *parent, struct ly_channel *child)
{
	if (parent && child)
		ly_chan_var_foreach(parent, inherit_one, child);
}
