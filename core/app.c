/* core/app.c - registries of dialplan applications and functions. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <strings.h>

#include "lyre/app.h"
#include "lyre/channel.h"
#include "lyre/log.h"
#include "lyre/module.h"
#include "lyre/utils.h"
#include "media_int.h"

/* One lock for both registries; it is a leaf, and no application or
 * function ever runs under it. */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ly_ptrvec apps;
static struct ly_ptrvec funcs;

static struct ly_app *app_find_locked(const char *name)
{
	for (size_t i = 0; i < apps.n; i++) {
		struct ly_app *a = apps.items[i];

		if (strcasecmp(a->name, name) == 0)
			return a;
	}
	return NULL;
}

static struct ly_func *func_find_locked(const char *name)
{
	for (size_t i = 0; i < funcs.n; i++) {
		struct ly_func *f = funcs.items[i];

		if (strcasecmp(f->name, name) == 0)
			return f;
	}
	return NULL;
}

/* Removers the loader calls on unload; it has already forgotten the item. */
static void app_remove(void *item)
{
	pthread_mutex_lock(&reg_lock);
	ly_ptrvec_remove(&apps, item);
	pthread_mutex_unlock(&reg_lock);
}

static void func_remove(void *item)
{
	pthread_mutex_lock(&reg_lock);
	ly_ptrvec_remove(&funcs, item);
	pthread_mutex_unlock(&reg_lock);
}

int ly_app_register(struct ly_module *owner, struct ly_app *app)
{
	if (!app || !app->name || !app->exec)
		return EINVAL;
	pthread_mutex_lock(&reg_lock);
	if (app_find_locked(app->name)) {
		pthread_mutex_unlock(&reg_lock);
		ly_error("Application '%s' is already registered", app->name);
		return EEXIST;
	}
	app->owner = owner;
	ly_ptrvec_push(&apps, app);
	pthread_mutex_unlock(&reg_lock);
	ly_module_track(owner, app, app_remove);
	ly_verbose(2, "Registered application '%s'", app->name);
	return 0;
}

void ly_app_unregister(struct ly_app *app)
{
	if (!app)
		return;
	ly_module_untrack(app->owner, app);
	app_remove(app);
	ly_verbose(2, "Unregistered application '%s'", app->name);
}

struct ly_app *ly_app_acquire(const char *name)
{
	struct ly_app *app;

	pthread_mutex_lock(&reg_lock);
	app = app_find_locked(name);
	/* Taken under the lock; a module already unloading refuses it, and its
	 * application then counts as gone (see ly_module_ref). */
	if (app && !ly_module_ref(app->owner))
		app = NULL;
	pthread_mutex_unlock(&reg_lock);
	return app;
}

void ly_app_release(struct ly_app *app)
{
	if (app)
		ly_module_unref(app->owner);
}

int ly_app_exec(struct ly_channel *chan, const char *name, const char *args)
{
	struct ly_app *app = ly_app_acquire(name);
	int res;

	if (!app) {
		ly_error("No application '%s'%s%s", name, chan ? " on " : "",
			 chan ? ly_chan_name(chan) : "");
		return -1;
	}
	ly_debug(1, "Executing %s(%s)%s%s", app->name, args ? args : "", chan ? " on " : "",
		 chan ? ly_chan_name(chan) : "");
	res = app->exec(chan, args ? args : "");
	ly_app_release(app);
	return res;
}

void ly_app_foreach(void (*fn)(const struct ly_app *app, void *arg), void *arg)
{
	pthread_mutex_lock(&reg_lock);
	for (size_t i = 0; i < apps.n; i++)
		fn(apps.items[i], arg);
	pthread_mutex_unlock(&reg_lock);
}

int ly_func_register(struct ly_module *owner, struct ly_func *fn)
{
	if (!fn || !fn->name || (!fn->read && !fn->write))
		return EINVAL;
	pthread_mutex_lock(&reg_lock);
	if (func_find_locked(fn->name)) {
		pthread_mutex_unlock(&reg_lock);
		ly_error("Function '%s' is already registered", fn->name);
		return EEXIST;
	}
	fn->owner = owner;
	ly_ptrvec_push(&funcs, fn);
	pthread_mutex_unlock(&reg_lock);
	ly_module_track(owner, fn, func_remove);
	ly_verbose(2, "Registered function '%s'", fn->name);
	return 0;
}

void ly_func_unregister(struct ly_func *fn)
{
	if (!fn)
		return;
	ly_module_untrack(fn->owner, fn);
	func_remove(fn);
	ly_verbose(2, "Unregistered function '%s'", fn->name);
}

struct ly_func *ly_func_acquire(const char *name)
{
	struct ly_func *fn;

	pthread_mutex_lock(&reg_lock);
	fn = func_find_locked(name);
	if (fn && !ly_module_ref(fn->owner))
		fn = NULL;
	pthread_mutex_unlock(&reg_lock);
	return fn;
}

void ly_func_release(struct ly_func *fn)
{
	if (fn)
		ly_module_unref(fn->owner);
}

void ly_func_foreach(void (*fn)(const struct ly_func *func, void *arg), void *arg)
{
	pthread_mutex_lock(&reg_lock);
	for (size_t i = 0; i < funcs.n; i++)
		fn(funcs.items[i], arg);
	pthread_mutex_unlock(&reg_lock);
}

void ly_app_registry_free(void)
{
	pthread_mutex_lock(&reg_lock);
	if (apps.n || funcs.n)
		ly_warning("%zu applications and %zu functions still registered at exit",
			   apps.n, funcs.n);
	ly_ptrvec_free(&apps);
	ly_ptrvec_free(&funcs);
	pthread_mutex_unlock(&reg_lock);
}
