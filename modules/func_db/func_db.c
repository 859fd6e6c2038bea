/*
 * modules/func_db/func_db.c - DB(family/key), DB_EXISTS and DB_DELETE on
 * the persistent key-value store (lyre/db.h), as Asterisk's func_db.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

static const char *chan_label(const struct ly_channel *chan)
{
	return chan ? ly_chan_name(chan) : "(no channel)";
}

/* "family/key" split at the first '/' (the key may hold more slashes).
 * false, with a warning, when either part is empty. */
static bool split_family_key(struct ly_channel *chan, const char *fn, char *arg,
			     const char **family, const char **key)
{
	char *slash = strchr(arg, '/');

	if (slash)
		*slash = '\0';
	*family = ly_strstrip(arg);
	*key = slash ? ly_strstrip(slash + 1) : "";
	if (**family && **key)
		return true;
	ly_warning("%s: %s requires an argument, %s(<family>/<key>)", chan_label(chan), fn, fn);
	return false;
}

/* ${DB(family/key)}: the value ("" when absent), also left in DB_RESULT. */
static int db_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	char *copy = ly_strdup(args);
	const char *family, *key;

	buf[0] = '\0';
	if (!split_family_key(chan, "DB", copy, &family, &key)) {
		free(copy);
		return EINVAL;
	}
	if (ly_db_get(family, key, buf, len) == 0)
		ly_pbx_var_set(chan, "DB_RESULT", buf);
	else
		ly_debug(1, "DB: %s/%s not found in database", family, key);
	free(copy);
	return 0;
}

static int db_write(struct ly_channel *chan, const char *args, const char *value)
{
	char *copy = ly_strdup(args);
	const char *family, *key;
	int rc = EINVAL;

	if (split_family_key(chan, "DB", copy, &family, &key)) {
		rc = ly_db_put(family, key, value);
		if (rc)
			ly_warning("%s: DB: cannot store %s/%s: %s", chan_label(chan), family, key,
				   strerror(rc));
	}
	free(copy);
	return rc;
}

/* ${DB_EXISTS(family/key)}: 1 (value in DB_RESULT) or 0. */
static int db_exists_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	char *copy = ly_strdup(args), *value = ly_malloc(LY_MAX_VALUE);
	const char *family, *key;
	int rc = 0;

	buf[0] = '\0';
	if (!split_family_key(chan, "DB_EXISTS", copy, &family, &key)) {
		rc = EINVAL;
	} else if (ly_db_get(family, key, value, LY_MAX_VALUE) == 0) {
		ly_pbx_var_set(chan, "DB_RESULT", value);
		ly_strlcpy(buf, "1", len);
	} else {
		ly_strlcpy(buf, "0", len);
	}
	free(value);
	free(copy);
	return rc;
}

/* ${DB_DELETE(family/key)}: the value it had ("" when absent), and gone. */
static int db_delete_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	char *copy = ly_strdup(args);
	const char *family, *key;

	buf[0] = '\0';
	if (!split_family_key(chan, "DB_DELETE", copy, &family, &key)) {
		free(copy);
		return EINVAL;
	}
	if (ly_db_get(family, key, buf, len))
		ly_debug(1, "DB_DELETE: %s/%s not found in database", family, key);
	else if (ly_db_del(family, key))
		ly_warning("%s: DB_DELETE: %s/%s could not be deleted", chan_label(chan), family, key);
	ly_pbx_var_set(chan, "DB_RESULT", buf);
	free(copy);
	return 0;
}

static struct ly_func db_funcs[] = {
	{ .name = "DB", .synopsis = "Read from or write to the key-value store",
	  .read = db_read, .write = db_write },
	{ .name = "DB_EXISTS", .synopsis = "Check to see if a key exists in the key-value store",
	  .read = db_exists_read },
	{ .name = "DB_DELETE", .synopsis = "Return a value from the key-value store and delete it",
	  .read = db_delete_read },
};

static int load(struct ly_module *self)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(db_funcs); i++) {
		int rc = ly_func_register(self, &db_funcs[i]);

		if (rc)
			return rc;
	}
	return 0;
}

LYRE_MODULE(func_db,
	.description = "Key-value store dialplan functions",
	.load = load);
