/*
 * modules/app_voicemail/vm_mwi.c - mailbox counts to the core's mailbox
 * state (lyre/mwi.h), which chan_sip turns into NOTIFY message-summary.
 * "New" is INBOX and "old" is Old, as Asterisk counts them.
 */
#include <stdio.h>

#include <lyre/lyre.h>
#include <lyre/mwi.h>

#include "vm_int.h"

void vm_box_counts(const char *context, const char *box, int *new_msgs, int *old_msgs)
{
	char dir[VM_PATH];

	*new_msgs = *old_msgs = 0;
	if (vm_box_path(context, box, "INBOX", dir, sizeof(dir)) == 0)
		*new_msgs = vm_count(dir);
	if (vm_box_path(context, box, "Old", dir, sizeof(dir)) == 0)
		*old_msgs = vm_count(dir);
}

void vm_mwi_publish_box(const char *context, const char *box)
{
	char name[LY_MWI_NAME_MAX];
	int n, o;

	vm_box_counts(context, box, &n, &o);
	vm_fmt(name, sizeof(name), "%s@%s", box, context);
	ly_debug(1, "voicemail: %s has %d new, %d old", name, n, o);
	ly_mwi_publish(name, n, o, 0, 0);
}

void vm_mwi_publish_all(const struct vm_conf *c)
{
	for (size_t i = 0; c && i < c->n_users; i++)
		vm_mwi_publish_box(c->users[i].context, c->users[i].box);
}
