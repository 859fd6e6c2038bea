/*
 * modules/app_voicemail/app_voicemail.c - the module: voicemail.conf at
 * load and reload, the mailboxes made consistent at load (what a crash
 * left is cleaned up), counts published, the poller (pollmailboxes) and
 * the registrations.
 * See README.md and vm_int.h for the parts.
 */
#include <stdio.h>

#include <lyre/lyre.h>
#include <lyre/mwi.h>

#include "vm_int.h"

/* What a crash or kill -9 can leave: recordings in tmp, orphans and gaps
 * in the folders.  At load nothing records yet, so tmp can be emptied. */
static void check_boxes(const struct vm_conf *c)
{
	for (size_t i = 0; i < c->n_users; i++) {
		const struct vm_user *u = &c->users[i];
		char boxdir[VM_PATH], dir[VM_PATH];
		int fd;

		if (vm_box_path(u->context, u->box, NULL, boxdir, sizeof(boxdir)) ||
		    vm_lock(boxdir, &fd) != 0)
			continue;	/* no folder yet: nothing to check */
		vm_clear_tmp(boxdir);
		for (int f = 0; f < VM_N_FOLDERS; f++) {
			vm_fmt(dir, sizeof(dir), "%s/%s", boxdir, vm_folders[f]);
			vm_resequence(dir);
		}
		vm_unlock(fd);
	}
}

static int load(struct ly_module *self)
{
	struct vm_conf *c;
	int err = vm_conf_reload();

	if (err)
		return err;
	c = vm_conf_get();
	check_boxes(c);
	vm_mwi_publish_all(c);
	vm_conf_put(c);
	if ((err = vm_leave_register(self)) || (err = vm_main_register(self)) ||
	    (err = vm_funcs_register(self)) || (err = vm_cli_register(self))) {
		vm_conf_free_current();
		return err;
	}
	c = vm_conf_get();
	vm_poll_configure(c);
	vm_conf_put(c);
	return 0;
}

/* Mailboxes that a reload removed: phones hear 0/0. */
static void forget_removed(const struct vm_conf *old, const struct vm_conf *now)
{
	char name[LY_MWI_NAME_MAX];

	for (size_t i = 0; old && i < old->n_users; i++)
		if (!vm_conf_find(now, old->users[i].box, old->users[i].context)) {
			vm_fmt(name, sizeof(name), "%s@%s", old->users[i].box,
				 old->users[i].context);
			ly_mwi_forget(name);
		}
}

int vm_reload(void)
{
	struct vm_conf *old = vm_conf_get(), *now;
	int err = vm_conf_reload();

	if (!err) {
		now = vm_conf_get();
		forget_removed(old, now);
		vm_mwi_publish_all(now);
		vm_poll_configure(now);
		vm_conf_put(now);
	}
	vm_conf_put(old);
	return err;
}

static int reload(struct ly_module *self)
{
	(void)self;
	return vm_reload();
}

static void unload(struct ly_module *self)
{
	(void)self;
	vm_poll_stop();
	vm_conf_free_current();
}

LYRE_MODULE(app_voicemail,
	.description = "Voicemail: VoiceMail, VoiceMailMain, MWI counts, e-mail",
	.load = load,
	.unload = unload,
	.reload = reload);
