/* tests/unit/modules/mod_needs_good.c - a test module that needs mod_good running first. */
#include <errno.h>

#include "lyre/lyre.h"

static enum ly_cli_result handle_needs(struct ly_cli_args *a)
{
	ly_cli_print(a, "needs\n");
	return LY_CLI_SUCCESS;
}

static const struct ly_cli_command command = {
	"testmod needs", "Say needs", "Usage: testmod needs\n", handle_needs, NULL
};

/* Proves the load order: mod_good's command must already exist. */
static int load(struct ly_module *self)
{
	struct ly_buf out;
	enum ly_cli_result r;

	ly_buf_init(&out);
	r = ly_cli_execute("testmod good", &out);
	ly_buf_free(&out);
	if (r != LY_CLI_SUCCESS)
		return ENOENT;
	return ly_cli_register(self, &command);
}

static const char *const needs[] = { "mod_good", NULL };

LYRE_MODULE(mod_needs_good, .description = "Test module that needs mod_good",
	    .load = load, .needs = needs);
