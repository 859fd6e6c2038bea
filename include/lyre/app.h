/*
 * lyre/app.h - dialplan applications and functions offered by modules.
 */
#ifndef LYRE_APP_H
#define LYRE_APP_H

#include <stddef.h>

struct ly_module;
struct ly_channel;

struct ly_app {
	const char *name;	/* "Playback"; matched case-insensitively */
	const char *synopsis;	/* one line for `core show applications` */
	const char *description;	/* `core show application NAME` */
	/* Run on the channel's own thread.  0 to continue the dialplan,
	 * -1 to hang up the channel. */
	int (*exec)(struct ly_channel *chan, const char *args);
	struct ly_module *owner;	/* set by ly_app_register */
};

struct ly_func {
	const char *name;	/* "CALLERID" */
	const char *synopsis;
	const char *description;
	/* ${NAME(args)}: write up to len-1 bytes into buf; 0 or an errno value. */
	int (*read)(struct ly_channel *chan, const char *args, char *buf, size_t len);
	/* Set(NAME(args)=value); NULL when read-only. */
	int (*write)(struct ly_channel *chan, const char *args, const char *value);
	struct ly_module *owner;
};

/* Storage must outlive the registration (use static).  0 or EEXIST. */
int ly_app_register(struct ly_module *owner, struct ly_app *app);
void ly_app_unregister(struct ly_app *app);
/* Looks up and holds the app's module in use; release with ly_app_release. */
struct ly_app *ly_app_acquire(const char *name);
void ly_app_release(struct ly_app *app);
/* Find, acquire, run and release; returns exec's result, or -1 with an
 * error logged when there is no such application. */
int ly_app_exec(struct ly_channel *chan, const char *name, const char *args);

int ly_func_register(struct ly_module *owner, struct ly_func *fn);
void ly_func_unregister(struct ly_func *fn);
struct ly_func *ly_func_acquire(const char *name);
void ly_func_release(struct ly_func *fn);

#endif
