/* tests/unit/modules/mod_good.c - a well-behaved test module: commands, a tracked item, reload. */
#include <errno.h>

#include "lyre/lyre.h"

static struct ly_module *me;
static int reloads;

static enum ly_cli_result handle_good(struct ly_cli_args *a)
{
	ly_cli_print(a, "good %d\n", reloads);
	return LY_CLI_SUCCESS;
}

/* Stand in for a channel that holds the module while it lives. */
static enum ly_cli_result handle_hold(struct ly_cli_args *a)
{
	ly_module_ref(me);
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result handle_release(struct ly_cli_args *a)
{
	ly_module_unref(me);
	return LY_CLI_SUCCESS;
}

static const struct ly_cli_command commands[] = {
	{ "testmod good", "Say good", "Usage: testmod good\n", handle_good, NULL },
	{ "testmod hold", "Take a use", "Usage: testmod hold\n", handle_hold, NULL },
	{ "testmod release", "Drop a use", "Usage: testmod release\n", handle_release, NULL },
};

/* Registered as the core's, so only the loader's tracking can remove it. */
static const struct ly_cli_command tracked_command = {
	"testmod tracked", "Exists while tracked", "Usage: testmod tracked\n", handle_good, NULL
};

static void remove_tracked_command(void *item)
{
	ly_cli_unregister(item);
}

static int load(struct ly_module *self)
{
	int err;

	me = self;
	reloads = 0;
	err = ly_cli_register_multiple(self, commands, LY_ARRAY_LEN(commands));
	if (err)
		return err;
	err = ly_cli_register(NULL, &tracked_command);
	if (err)
		return err;
	ly_module_track(self, (void *)&tracked_command, remove_tracked_command);
	return 0;
}

static int reload(struct ly_module *self)
{
	reloads++;
	return 0;
}

LYRE_MODULE(mod_good, .description = "Test module that behaves", .load = load,
	    .reload = reload);
