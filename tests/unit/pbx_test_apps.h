/*
 * tests/unit/pbx_test_apps.h - minimal Answer, Hangup, NoOp, Set, Goto and
 * Wait for the runner's tests, registered only where the core applications
 * (core/pbx_apps.c) do not already provide them.
 */
#ifndef LYRE_TESTS_PBX_TEST_APPS_H
#define LYRE_TESTS_PBX_TEST_APPS_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/app.h"
#include "lyre/channel.h"
#include "lyre/frame.h"
#include "lyre/pbx.h"
#include "lyre/utils.h"

static int tapp_noop(struct ly_channel *c, const char *args)
{
	(void)c;
	(void)args;
	return 0;
}

static int tapp_answer(struct ly_channel *c, const char *args)
{
	(void)args;
	return ly_chan_answer(c) ? -1 : 0;
}

static int tapp_hangup(struct ly_channel *c, const char *args)
{
	int cause = *args ? ly_cause_from_name(args) : -1;

	if (cause > 0)
		ly_chan_set_hangupcause(c, cause);
	return -1;
}

static int tapp_set(struct ly_channel *c, const char *args)
{
	char *name = ly_strdup(args), *eq = strchr(name, '=');
	int err = EINVAL;

	if (eq) {
		*eq = '\0';
		err = ly_pbx_var_set(c, name, eq + 1);
	}
	free(name);
	return err ? -1 : 0;
}

static int tapp_goto(struct ly_channel *c, const char *args)
{
	return ly_pbx_goto(c, args) ? -1 : 0;
}

static int tapp_wait(struct ly_channel *c, const char *args)
{
	uint64_t end = ly_now_ms() + (uint64_t)(atof(args) * 1000.0);

	while (!ly_chan_check_hangup(c) && ly_now_ms() < end)
		ly_frame_free(ly_chan_read(c, (int)(end - ly_now_ms())));
	return ly_chan_check_hangup(c) ? -1 : 0;
}

static struct ly_app tapps[] = {
	{ .name = "NoOp", .exec = tapp_noop },
	{ .name = "Answer", .exec = tapp_answer },
	{ .name = "Hangup", .exec = tapp_hangup },
	{ .name = "Set", .exec = tapp_set },
	{ .name = "Goto", .exec = tapp_goto },
	{ .name = "Wait", .exec = tapp_wait },
};
static bool tapp_registered[LY_ARRAY_LEN(tapps)];

static inline void tapps_register(void)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(tapps); i++) {
		struct ly_app *have = ly_app_acquire(tapps[i].name);

		ly_app_release(have);
		tapp_registered[i] = !have && ly_app_register(NULL, &tapps[i]) == 0;
	}
}

static inline void tapps_unregister(void)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(tapps); i++)
		if (tapp_registered[i])
			ly_app_unregister(&tapps[i]);
}

#endif
