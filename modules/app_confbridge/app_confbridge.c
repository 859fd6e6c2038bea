/*
 * modules/app_confbridge/app_confbridge.c - the module: confbridge.conf
 * read at load and reload (a file that fails to parse keeps the running
 * profiles), the ConfBridge application, the mixer thread, the console
 * commands and the CONFBRIDGE/CONFBRIDGE_INFO functions.
 *
 * A running ConfBridge holds the module (the core holds a running
 * application's module), so the mixer thread and the conferences never
 * outlive it.
 */
#include <errno.h>
#include <stdlib.h>

#include <lyre/lyre.h>

#include "confbridge.h"

struct ly_module *cb_self;

static pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cb_config *running_cfg;

struct cb_config *cb_config_get(void)
{
	struct cb_config *c;

	pthread_mutex_lock(&cfg_lock);
	c = running_cfg;
	c->refs++;
	pthread_mutex_unlock(&cfg_lock);
	return c;
}

void cb_config_put(struct cb_config *c)
{
	bool last;

	if (!c)
		return;
	pthread_mutex_lock(&cfg_lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&cfg_lock);
	if (last)
		cb_config_free(c);
}

/* Read confbridge.conf; without it only the built-in profiles exist. */
static int load_config(void)
{
	struct ly_cfg_error cerr;
	struct ly_config *cfg = NULL;
	struct cb_config *c, *old;
	int rc = ly_config_load(ly_dirs()->confdir, "confbridge.conf", &cfg, &cerr);

	if (rc && rc != ENOENT) {
		ly_error("confbridge.conf: %s", cerr.msg);
		return rc;
	}
	c = cb_config_build(rc ? NULL : cfg);
	ly_config_free(cfg);
	c->refs = 1;
	pthread_mutex_lock(&cfg_lock);
	old = running_cfg;
	running_cfg = c;
	pthread_mutex_unlock(&cfg_lock);
	cb_config_put(old);
	ly_verbose(2, "confbridge: %zu bridge profiles, %zu user profiles, %zu menus",
		   c->n_bridges, c->n_users, c->n_menus);
	return 0;
}

static struct ly_app confbridge_app = {
	.name = "ConfBridge",
	.synopsis = "Conference bridge",
	.description = "ConfBridge(conference[,bridge_profile[,user_profile[,menu]]]): "
		       "see app_confbridge.xml.",
	.exec = cb_confbridge_exec,
};

static int load(struct ly_module *self)
{
	int err;

	cb_self = self;
	err = load_config();
	if (!err)
		err = cb_mixer_start();
	if (!err)
		err = ly_app_register(self, &confbridge_app);
	if (!err)
		err = cb_cli_register(self);
	if (!err)
		err = cb_func_register(self);
	return err;
}

static void unload(struct ly_module *self)
{
	struct cb_config *c;

	(void)self;
	cb_mixer_stop();
	cb_registry_shutdown();
	pthread_mutex_lock(&cfg_lock);
	c = running_cfg;
	running_cfg = NULL;
	pthread_mutex_unlock(&cfg_lock);
	cb_config_put(c);
}

static int reload(struct ly_module *self)
{
	(void)self;
	return load_config();
}

LYRE_MODULE(app_confbridge,
	.description = "ConfBridge: conference rooms with a speexdsp mixer",
	.load = load, .unload = unload, .reload = reload);
