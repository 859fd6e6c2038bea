/*
 * lyre/module.h - what a loadable module exports and how it owns things.
 *
 * A module is a libtool module (modules/<name>/<name>.la) that defines one
 * descriptor with LYRE_MODULE().  The loader checks the API version before
 * it touches anything else, loads modules in the order their `needs`
 * demand, calls load(), and on unload (or a failed load) removes every
 * registration the module made through the register functions, which all
 * take the owning module.  A module therefore never keeps its own list of
 * things to unregister.
 *
 * Minimal module:
 *
 *   static int load(struct ly_module *self)
 *   {
 *       return ly_app_register(self, &hello_app);
 *   }
 *   LYRE_MODULE(app_hello, .description = "Hello application", .load = load);
 *
 * Version rule: a module built against API major M, minor m loads into a
 * daemon with the same major M and a minor >= m.  The API only grows by
 * appending, so such a daemon offers everything the module uses.
 */
#ifndef LYRE_MODULE_H
#define LYRE_MODULE_H

#define LYRE_MODULE_API_MAJOR 1
#define LYRE_MODULE_API_MINOR 0

struct ly_module;	/* a loaded module, owned by the loader */

struct ly_module_info {
	unsigned api_major;
	unsigned api_minor;
	const char *name;		/* must equal the file name without .la/.so */
	const char *description;
	/* Register what the module offers.  0 or an errno value; on failure
	 * the loader removes whatever was registered and unloads the file. */
	int (*load)(struct ly_module *self);
	/* Release what load() made beyond registrations.  May be NULL. */
	void (*unload)(struct ly_module *self);
	/* Re-read configuration.  0 or an errno value; on failure the module
	 * must keep running with its previous configuration.  May be NULL. */
	int (*reload)(struct ly_module *self);
	/* Names of modules that must be loaded first; NULL-terminated or NULL. */
	const char *const *needs;
};

/*
 * Define the module's descriptor.  The symbol carries libltdl's
 * `<name>_LTX_` prefix, so a statically linked (dlpreopened) build works,
 * and a module's name always matches its file.
 */
#define LYRE_MODULE(modname, ...)                                         \
	const struct ly_module_info modname##_LTX_lyre_module_info = {     \
		.api_major = LYRE_MODULE_API_MAJOR,                        \
		.api_minor = LYRE_MODULE_API_MINOR,                        \
		.name = #modname,                                          \
		__VA_ARGS__                                                \
	}

#define LY_MODULE_INFO_SYMBOL "lyre_module_info"

const char *ly_module_name(const struct ly_module *mod);

/*
 * Use count: while it is above zero the module cannot be unloaded.  A
 * channel holds one on its technology's module, a translation path on its
 * codecs' modules, and so on.  `mod` may be NULL (the core), which makes
 * these no-ops, so callers need not care who owns a registration.
 *
 * ly_module_ref returns false, taking nothing, once the module has begun
 * to unload: a registry that found the module's item under its lock must
 * then act as if the item did not exist.  Unload claims the module only
 * while its count is zero (one atomic step), so a lookup either holds the
 * module or sees it going — never a module that is freed under it.
 */
#include <stdbool.h>
bool ly_module_ref(struct ly_module *mod);
void ly_module_unref(struct ly_module *mod);
unsigned ly_module_usecount(const struct ly_module *mod);

/*
 * For registries: remember that `owner` owns `item`; on unload the loader
 * calls remove(item) for each tracked item, newest first.  Call
 * ly_module_untrack when an item is unregistered explicitly.  With a NULL
 * owner (the core) nothing is tracked.
 */
typedef void (*ly_unregister_fn)(void *item);
void ly_module_track(struct ly_module *owner, void *item, ly_unregister_fn remove);
void ly_module_untrack(struct ly_module *owner, void *item);

#endif
