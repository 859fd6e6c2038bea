/* tests/unit/modules/mod_badsym.c - a test module that calls a function no one defines. */
#include "lyre/lyre.h"

void ly_no_such_function_for_tests(void);

static int load(struct ly_module *self)
{
	ly_no_such_function_for_tests();
	return 0;
}

LYRE_MODULE(mod_badsym, .description = "Missing symbol", .load = load);
