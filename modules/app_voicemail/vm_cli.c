/*
 * modules/app_voicemail/vm_cli.c - console commands:
 *   voicemail show users [for <context>]   every mailbox with its counts
 *   voicemail show zones                   [zonemessages]
 *   voicemail show mwi                     the counts the core holds for
 *                                          phones (lyre/mwi.h), per mailbox
 *                                          (New includes Urgent)
 *   voicemail reload                       re-read voicemail.conf
 */
#include <stdio.h>

#include <lyre/lyre.h>
#include <lyre/mwi.h>

#include "vm_int.h"

static enum ly_cli_result show_users(struct ly_cli_args *a)
{
	const char *only = NULL;
	struct vm_conf *c;
	int shown = 0;

	if (a->argc == a->cmd_words + 2 && ly_strcaseeq(a->argv[a->cmd_words], "for"))
		only = a->argv[a->cmd_words + 1];
	else if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	c = vm_conf_get();
	ly_cli_print(a, "%-12s %-10s %-24s %-10s %6s %6s\n", "Context", "Mbox", "User", "Zone",
		     "NewMsg", "OldMsg");
	for (size_t i = 0; c && i < c->n_users; i++) {
		const struct vm_user *u = &c->users[i];
		int n, o;

		if (only && !ly_strcaseeq(only, u->context))
			continue;
		vm_box_counts(u->context, u->box, &n, &o);
		ly_cli_print(a, "%-12s %-10s %-24.24s %-10s %6d %6d\n", u->context, u->box,
			     u->fullname, u->tz, n, o);
		shown++;
	}
	ly_cli_print(a, "%d voicemail users\n", shown);
	vm_conf_put(c);
	if (only && !shown) {
		ly_cli_print(a, "No such voicemail context '%s'\n", only);
		return LY_CLI_FAILURE;
	}
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result show_zones(struct ly_cli_args *a)
{
	struct vm_conf *c;

	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	c = vm_conf_get();
	ly_cli_print(a, "%-15s %-20s %s\n", "Zone", "Timezone", "Message Format");
	for (size_t i = 0; c && i < c->n_zones; i++)
		ly_cli_print(a, "%-15s %-20s %s\n", c->zones[i].name, c->zones[i].tz,
			     c->zones[i].format);
	vm_conf_put(c);
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result show_mwi(struct ly_cli_args *a)
{
	char name[LY_MWI_NAME_MAX];
	struct ly_mwi_state st;
	struct vm_conf *c;

	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	c = vm_conf_get();
	ly_cli_print(a, "%-24s %-8s %6s %6s %6s\n", "Mailbox", "Waiting", "New", "Old", "Urgent");
	for (size_t i = 0; c && i < c->n_users; i++) {
		vm_fmt(name, sizeof(name), "%s@%s", c->users[i].box, c->users[i].context);
		if (!ly_mwi_get(name, &st))
			ly_cli_print(a, "%-24s %-8s %6s %6s\n", name, "-", "-", "-");
		else
			ly_cli_print(a, "%-24s %-8s %6d %6d %6d\n", name,
				     st.new_msgs ? "yes" : "no", st.new_msgs, st.old_msgs,
				     st.new_urgent);
	}
	vm_conf_put(c);
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result reload_cmd(struct ly_cli_args *a)
{
	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	if (vm_reload() != 0) {
		ly_cli_print(a, "voicemail.conf has errors (see the log): kept the old one\n");
		return LY_CLI_FAILURE;
	}
	ly_cli_print(a, "Voicemail reloaded\n");
	return LY_CLI_SUCCESS;
}

static const struct ly_cli_command cmds[] = {
	{ "voicemail show users", "List voicemail boxes and their messages",
	  "Usage: voicemail show users [for <context>]\n"
	  "  Every mailbox (or a context's) with its new (INBOX) and old messages.\n",
	  show_users, NULL },
	{ "voicemail show zones", "List voicemail time zones",
	  "Usage: voicemail show zones\n  The [zonemessages] of voicemail.conf.\n",
	  show_zones, NULL },
	{ "voicemail show mwi", "Show the message-waiting state of every mailbox",
	  "Usage: voicemail show mwi\n"
	  "  What phones are told (lyre/mwi.h): waiting yes/no, new and old counts.\n",
	  show_mwi, NULL },
	{ "voicemail reload", "Reload voicemail.conf",
	  "Usage: voicemail reload\n  Re-read voicemail.conf; a broken file keeps the old one.\n",
	  reload_cmd, NULL },
};

int vm_cli_register(struct ly_module *self)
{
	return ly_cli_register_multiple(self, cmds, LY_ARRAY_LEN(cmds));
}
