/*
 * modules/app_voicemail/vm_funcs.c - the dialplan functions:
 *   MAILBOX_EXISTS(box[@context])            1 or 0
 *   VM_INFO(box[@context],attr[,folder])     attr: count (messages in folder,
 *       INBOX by default), email, exists, fullname, pager, password, tz
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

#include "vm_int.h"

static int exists_read(struct ly_channel *c, const char *args, char *buf, size_t len)
{
	char box[VM_NAME], ctx[VM_NAME];
	struct vm_conf *conf = vm_conf_get();

	(void)c;
	vm_split_box(args ? args : "", box, sizeof(box), ctx, sizeof(ctx));
	vm_fmt(buf, len, "%d", vm_conf_find(conf, box, ctx) != NULL);
	vm_conf_put(conf);
	return 0;
}

static int attr(const struct vm_user *u, const char *name, const char *folder, char *buf,
		size_t len)
{
	char dir[VM_PATH];

	if (ly_strcaseeq(name, "exists"))
		vm_fmt(buf, len, "%d", u != NULL);
	else if (!u)
		buf[0] = '\0';
	else if (ly_strcaseeq(name, "count")) {
		if (vm_folder_index(folder) < 0)
			return EINVAL;
		vm_box_path(u->context, u->box, vm_folders[vm_folder_index(folder)], dir,
			    sizeof(dir));
		vm_fmt(buf, len, "%d", vm_count(dir));
	} else if (ly_strcaseeq(name, "email"))
		vm_fmt(buf, len, "%s", u->email);
	else if (ly_strcaseeq(name, "fullname"))
		vm_fmt(buf, len, "%s", u->fullname);
	else if (ly_strcaseeq(name, "pager"))
		vm_fmt(buf, len, "%s", u->pager);
	else if (ly_strcaseeq(name, "password"))
		vm_fmt(buf, len, "%s", u->pin);
	else if (ly_strcaseeq(name, "tz"))
		vm_fmt(buf, len, "%s", u->tz);
	else
		return EINVAL;
	return 0;
}

static int info_read(struct ly_channel *c, const char *args, char *buf, size_t len)
{
	char *copy = ly_strdup(args ? args : ""), *argv[3] = { 0 };
	char box[VM_NAME], ctx[VM_NAME];
	int n = ly_app_split_args(copy, argv, 3), err = EINVAL;
	struct vm_conf *conf = vm_conf_get();

	buf[0] = '\0';
	if (n >= 2 && argv[0][0] && argv[1][0]) {
		vm_split_box(argv[0], box, sizeof(box), ctx, sizeof(ctx));
		err = attr(vm_conf_find(conf, box, ctx), argv[1],
			   n > 2 && argv[2][0] ? argv[2] : "INBOX", buf, len);
	}
	if (err)
		ly_warning("%s: VM_INFO(%s): want box[@context],attribute[,folder] with a known "
			   "attribute and folder", c ? ly_chan_name(c) : "-", args ? args : "");
	vm_conf_put(conf);
	free(copy);
	return err;
}

static struct ly_func exists_func = {
	.name = "MAILBOX_EXISTS",
	.synopsis = "Whether a voicemail box exists",
	.description = "MAILBOX_EXISTS(box[@context]): 1 or 0.",
	.read = exists_read,
};

static struct ly_func info_func = {
	.name = "VM_INFO",
	.synopsis = "Facts about a voicemail box",
	.description = "VM_INFO(box[@context],attribute[,folder]): count, email, exists, "
		       "fullname, pager, password, tz.",
	.read = info_read,
};

int vm_funcs_register(struct ly_module *self)
{
	int err = ly_func_register(self, &exists_func);

	return err ? err : ly_func_register(self, &info_func);
}
