/*
 * modules/app_confbridge/conf_func.c - the dialplan functions.
 *
 * CONFBRIDGE(type,option)=value, type "bridge" or "user": a profile option
 * for this channel's next ConfBridge(), applied on top of the profile that
 * ConfBridge() names (Asterisk's dynamic profiles).  A bad option or value
 * is refused with a warning.  Reading gives the value set, or "".
 *
 * CONFBRIDGE_INFO(type,conference), read-only: parties (participants,
 * waiting ones included), admins, marked, muted (counts) and locked (0/1).
 * A conference that does not exist gives 0 for each.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

#include "confbridge.h"

struct dyn_opt {
	struct dyn_opt *next;
	char type[8];
	char option[64];
	char value[CB_PATH_LEN];
};

static void dyn_free(void *data)
{
	struct dyn_opt *o = data;

	while (o) {
		struct dyn_opt *next = o->next;

		free(o);
		o = next;
	}
}

static const struct ly_datastore_info dyn_info = { .type = "confbridge-dynamic",
						   .destroy = dyn_free };

/* "type,option" into two parts; false when malformed. */
static bool split2(const char *args, char *a, size_t alen, char *b, size_t blen)
{
	const char *comma = args ? strchr(args, ',') : NULL;

	if (!comma || (size_t)(comma - args) >= alen || strlen(comma + 1) >= blen ||
	    comma == args || !comma[1])
		return false;
	memcpy(a, args, (size_t)(comma - args));
	a[comma - args] = '\0';
	ly_strlcpy(b, comma + 1, blen);
	ly_strstrip(a);
	ly_strstrip(b);
	return true;
}

static int confbridge_write(struct ly_channel *chan, const char *args, const char *value)
{
	struct cb_bridge_profile b;
	struct cb_user_profile u;
	struct dyn_opt *o, *head;
	char type[8], option[64];

	if (!split2(args, type, sizeof(type), option, sizeof(option))) {
		ly_warning("CONFBRIDGE: usage CONFBRIDGE(bridge|user,option)=value");
		return EINVAL;
	}
	cb_bridge_defaults(&b, "dynamic");
	cb_user_defaults(&u, "dynamic");
	if (cb_profile_set(&b, &u, type, option, value ? value : ""))
		return EINVAL;
	head = ly_chan_datastore_find(chan, &dyn_info);
	for (o = head; o; o = o->next)
		if (ly_strcaseeq(o->type, type) && ly_strcaseeq(o->option, option))
			break;
	if (!o) {
		o = ly_calloc(1, sizeof(*o));
		ly_strlcpy(o->type, type, sizeof(o->type));
		ly_strlcpy(o->option, option, sizeof(o->option));
		if (head) {
			o->next = head->next;
			head->next = o;
		} else {
			ly_chan_datastore_add(chan, &dyn_info, o);
		}
	}
	ly_strlcpy(o->value, value ? value : "", sizeof(o->value));
	return 0;
}

static int confbridge_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	char type[8], option[64];

	buf[0] = '\0';
	if (!split2(args, type, sizeof(type), option, sizeof(option)))
		return EINVAL;
	for (struct dyn_opt *o = ly_chan_datastore_find(chan, &dyn_info); o; o = o->next)
		if (ly_strcaseeq(o->type, type) && ly_strcaseeq(o->option, option))
			ly_strlcpy(buf, o->value, len);
	return 0;
}

void cb_func_apply(struct ly_channel *chan, struct cb_bridge_profile *b,
		   struct cb_user_profile *u)
{
	for (struct dyn_opt *o = ly_chan_datastore_find(chan, &dyn_info); o; o = o->next)
		cb_profile_set(b, u, o->type, o->option, o->value);
}

static int info_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	char type[16], name[CB_NAME_LEN];
	struct cb_conf *c;
	unsigned n = 0;

	(void)chan;
	if (!split2(args, type, sizeof(type), name, sizeof(name))) {
		ly_warning("CONFBRIDGE_INFO: usage CONFBRIDGE_INFO(type,conference)");
		return EINVAL;
	}
	if (!ly_strcaseeq(type, "parties") && !ly_strcaseeq(type, "admins") &&
	    !ly_strcaseeq(type, "marked") && !ly_strcaseeq(type, "locked") &&
	    !ly_strcaseeq(type, "muted")) {
		ly_warning("CONFBRIDGE_INFO: unknown type '%s' (parties, admins, marked, locked, "
			   "muted)", type);
		return EINVAL;
	}
	c = cb_conf_find(name);
	if (c) {
		pthread_mutex_lock(&c->lock);
		if (ly_strcaseeq(type, "locked"))
			n = c->locked;
		for (size_t i = 0; i < c->n_users; i++) {
			const struct cb_user *u = c->users[i];

			n += ly_strcaseeq(type, "parties") ||
			     (ly_strcaseeq(type, "admins") && u->prof.admin) ||
			     (ly_strcaseeq(type, "marked") && u->prof.marked) ||
			     (ly_strcaseeq(type, "muted") && u->muted);
		}
		pthread_mutex_unlock(&c->lock);
		cb_conf_put(c);
	}
	snprintf(buf, len, "%u", n);
	return 0;
}

static struct ly_func funcs[] = {
	{ .name = "CONFBRIDGE", .synopsis = "Set a ConfBridge profile option for this channel",
	  .description = "CONFBRIDGE(bridge|user,option)=value: see app_confbridge.xml.",
	  .read = confbridge_read, .write = confbridge_write },
	{ .name = "CONFBRIDGE_INFO", .synopsis = "Facts about a conference",
	  .description = "CONFBRIDGE_INFO(parties|admins|marked|locked|muted,conference).",
	  .read = info_read },
};

int cb_func_register(struct ly_module *self)
{
	int err = 0;

	for (size_t i = 0; !err && i < sizeof(funcs) / sizeof(funcs[0]); i++)
		err = ly_func_register(self, &funcs[i]);
	return err;
}
