/* core/pbx_apps.c - registers the core dialplan applications and the LOCAL() function. */
#include "config.h"

#include <stddef.h>

#include "app_int.h"
#include "dp_tz.h"
#include "lyre/app.h"
#include "pbx_apps.h"

static struct ly_app *const *const app_lists[] = {
	app_basic_list, app_goto_list, app_vars_list, app_gosub_list, app_while_list,
	app_waitexten_list,
};

/* Only what is registered as ours: after a partial start-up (a module
 * took a name first), the other registrations stay untouched. */
static void unregister_app(struct ly_app *app)
{
	struct ly_app *found = ly_app_acquire(app->name);

	ly_app_release(found);
	if (found == app)
		ly_app_unregister(app);
}

static void unregister_all(void)
{
	struct ly_func *local = ly_func_acquire(app_local_func.name);

	for (size_t l = 0; l < sizeof(app_lists) / sizeof(app_lists[0]); l++)
		for (size_t i = 0; app_lists[l][i]; i++)
			unregister_app(app_lists[l][i]);
	ly_func_release(local);
	if (local == &app_local_func)
		ly_func_unregister(&app_local_func);
}

int ly_pbx_apps_init(void)
{
	int err = 0;

	for (size_t l = 0; !err && l < sizeof(app_lists) / sizeof(app_lists[0]); l++)
		for (size_t i = 0; !err && app_lists[l][i]; i++)
			err = ly_app_register(NULL, app_lists[l][i]);
	if (!err)
		err = ly_func_register(NULL, &app_local_func);
	if (err)
		unregister_all();
	return err;
}

void ly_pbx_apps_shutdown(void)
{
	unregister_all();
	dp_tz_cache_clear();
}
