/* core/loader.h - the module loader's interface to the rest of the core. */
#ifndef LYRE_CORE_LOADER_H
#define LYRE_CORE_LOADER_H

#include "lyre/utils.h"

/* lt_dlinit and the module CLI commands.  0 or an errno value. */
int ly_loader_init(const char *moduledir);
/*
 * Read modules.conf in confdir ([modules] autoload, preload, load, noload)
 * and load accordingly.  A module that fails is reported and skipped; the
 * daemon goes on.  Returns 0, or EINVAL when modules.conf does not parse.
 */
int ly_loader_load_all(const char *confdir);
/* Load, unload or reload one module by name ("app_hello" or "app_hello.so").
 * 0 or an errno value; `why` receives the reason on failure (and a
 * confirmation on success). */
int ly_module_load(const char *name, struct ly_buf *why);
int ly_module_unload(const char *name, struct ly_buf *why);
int ly_module_reload(const char *name, struct ly_buf *why);
/* Reload every module that has a reload(); 0 or the first error. */
int ly_module_reload_all(struct ly_buf *why);
/* Unload every module, dependents first; then lt_dlexit. */
void ly_loader_shutdown(void);
unsigned ly_module_count(void);
/* Name of every loaded module, one per line (for completion). */
void ly_module_names(struct ly_buf *out);

/*
 * Added by the loader for its CLI (core/loader_cli.c) and completion.
 * ly_loader_load_all also returns ENOENT when a module named with
 * `require =>` in modules.conf is not running afterwards (the daemon
 * should refuse to start).
 */
/* Module files in moduledir that are not loaded, one name per line. */
void ly_module_available(struct ly_buf *out);
/* Visit every loaded module in load order.  Call on the loop thread, or
 * copy the strings: they live in the module and go away with it. */
typedef void (*ly_module_visit_fn)(void *arg, const char *name,
				   const char *description, unsigned usecount);
void ly_module_foreach(ly_module_visit_fn visit, void *arg);
/* Register / unregister the `module ...` console commands. */
int ly_loader_cli_register(void);
void ly_loader_cli_unregister(void);

#endif
