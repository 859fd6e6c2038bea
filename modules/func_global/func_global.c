/*
 * modules/func_global/func_global.c - GLOBAL(varname): read and write a
 * global variable from a channel's dialplan, as Asterisk's func_global.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

/* The variable name, stripped; false (with a warning) when empty. */
static bool global_name(const char *args, char **copy, const char **name)
{
	*copy = ly_strdup(args);
	*name = ly_strstrip(*copy);
	if (**name)
		return true;
	ly_warning("Syntax: GLOBAL(<varname>) - missing variable name");
	return false;
}

static int global_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	const char *name;
	char *copy;
	int rc = EINVAL;

	(void)chan;
	buf[0] = '\0';
	if (global_name(args, &copy, &name)) {
		if (!ly_global_get(name, buf, len))
			buf[0] = '\0';
		rc = 0;
	}
	free(copy);
	return rc;
}

static int global_write(struct ly_channel *chan, const char *args, const char *value)
{
	const char *name;
	char *copy;
	int rc = EINVAL;

	(void)chan;
	if (global_name(args, &copy, &name)) {
		ly_global_set(name, value);
		rc = 0;
	}
	free(copy);
	return rc;
}

static struct ly_func global_func = {
	.name = "GLOBAL",
	.synopsis = "Gets or sets the global variable specified",
	.read = global_read,
	.write = global_write,
};

static int load(struct ly_module *self)
{
	return ly_func_register(self, &global_func);
}

LYRE_MODULE(func_global,
	.description = "Global variable dialplan function",
	.load = load);
