/*
 * modules/app_voicemail/vm_mwi.c - mailbox counts to the core's mailbox
 * state (lyre/mwi.h), which chan_sip turns into NOTIFY message-summary.
 * "New" is INBOX plus Urgent and "old" is Old, as Asterisk counts them;
 * the Urgent folder is also published as the urgent new count.
 */
#include <stdio.h>

#include <lyre/lyre.h>
#include <lyre/mwi.h>

#include "vm_int.h"

static int folder_count(const char *context, const char *box, const char *folder)
{
	char dir[VM_PATH];

	return vm_box_path(context, box, folder, dir, sizeof(dir)) == 0 ? vm_count(dir) : 0;
}

void vm_box_counts3(const char *context, const char *box, int *new_msgs, int *old_msgs,
		    int *urgent)
{
	*urgent = folder_count(context, box, vm_folders[VM_URGENT]);
	*new_msgs = folder_count(context, box, "INBOX") + *urgent;
	*old_msgs = folder_count(context, box, "Old");
}

void vm_box_counts(const char *context, const char *box, int *new_msgs, int *old_msgs)
{
	int urgent;

	vm_box_counts3(context, box, new_msgs, old_msgs, &urgent);
}

void vm_mwi_publish_box(const char *context, const char *box)
{
	char name[LY_MWI_NAME_MAX];
	int n, o, u;

	vm_box_counts3(context, box, &n, &o, &u);
	vm_fmt(name, sizeof(name), "%s@%s", box, context);
	ly_debug(1, "voicemail: %s has %d new (%d urgent), %d old", name, n, u, o);
	ly_mwi_publish(name, n, o, u, 0);
}

void vm_mwi_publish_all(const struct vm_conf *c)
{
	for (size_t i = 0; c && i < c->n_users; i++)
		vm_mwi_publish_box(c->users[i].context, c->users[i].box);
}
