/*
 * tests/unit/module_link.h - load a module the build just made into a unit
 * test: its .so (under top/modules/NAME/.libs) is linked into the test's own
 * moduledir and loaded there, so the test needs no install.
 */
#ifndef LYRE_TESTS_MODULE_LINK_H
#define LYRE_TESTS_MODULE_LINK_H

#include <stdlib.h>
#include <unistd.h>

#include "lyre/module.h"
#include "lyre/utils.h"
#include "tap.h"

static inline void unit_link_module(const char *top, const char *moduledir, const char *name)
{
	char *target = ly_asprintf("%s/modules/%s/.libs/%s.so", top, name, name);
	char *link = ly_asprintf("%s/%s.so", moduledir, name);
	struct ly_buf why;

	CHECK_INT(symlink(target, link), 0);
	ly_buf_init(&why);
	CHECK_INT(ly_module_load(name, &why), 0);
	ly_buf_free(&why);
	free(target);
	free(link);
}

#endif
