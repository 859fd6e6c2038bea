/* tests/unit/modules/mod_misnamed.c - a test module whose descriptor names another module. */
#include "lyre/lyre.h"

static int load(struct ly_module *self)
{
	return 0;
}

const struct ly_module_info mod_misnamed_LTX_lyre_module_info = {
	.api_major = LYRE_MODULE_API_MAJOR,
	.api_minor = LYRE_MODULE_API_MINOR,
	.name = "someone_else",
	.description = "Wrong name",
	.load = load,
};
