/* tests/unit/modules/mod_failload.c - a test module that registers, then fails its load. */
#include <errno.h>

#include "lyre/lyre.h"

static enum ly_cli_result handle_failload(struct ly_cli_args *a)
{
	return LY_CLI_SUCCESS;
}

static const struct ly_cli_command command = {
	"testmod failload", "Must not survive", "Usage: testmod failload\n", handle_failload, NULL
};

static int load(struct ly_module *self)
{
	int err = ly_cli_register(self, &command);

	return err ? err : EINVAL;
}

LYRE_MODULE(mod_failload, .description = "Fails its load", .load = load);
