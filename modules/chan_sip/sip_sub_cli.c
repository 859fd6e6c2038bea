/* modules/chan_sip/sip_sub_cli.c - `sip show subscriptions`: message-summary subscriptions and their state. */
#include <stdio.h>
#include <string.h>

#include <lyre/lyre.h>

#include "sip_core.h"
#include "sip_mwi.h"
#include "sip_sub_cli.h"
#include "sip_subscribe.h"

static void print_one(const struct sip_sub_info *i, void *arg)
{
	struct ly_cli_args *a = arg;
	struct sip_mwi_counts c;
	char boxes[128] = "";

	for (size_t n = 0; i->mailboxes[n]; n++) {
		if (n)
			ly_strlcpy(boxes + strlen(boxes), ",", sizeof(boxes) - strlen(boxes));
		ly_strlcpy(boxes + strlen(boxes), i->mailboxes[n], sizeof(boxes) - strlen(boxes));
	}
	sip_mwi_counts(i->mailboxes, &c);
	ly_cli_print(a, "%-12s %-20s %-7s %-22s %7u %8u %5d/%-5d %s\n", i->endpoint, boxes,
		     sip_proto_name(i->proto), i->source, i->expires_in, i->notifies, c.new_msgs, c.old_msgs,
		     i->call_id);
}

static enum ly_cli_result show_subscriptions(struct ly_cli_args *a)
{
	struct sip_core *core = sip_core_running();

	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	if (!core) {
		ly_cli_print(a, "chan_sip is not running\n");
		return LY_CLI_FAILURE;
	}
	ly_cli_print(a, "%-12s %-20s %-7s %-22s %7s %8s %11s %s\n", "Endpoint", "Mailboxes", "Proto", "From",
		     "Expires", "Notifies", "New/Old", "Call-ID");
	sip_subs_foreach(sip_core_subs(core), print_one, a);
	ly_cli_print(a, "%u message-summary subscription%s\n", sip_subs_count(sip_core_subs(core)),
		     sip_subs_count(sip_core_subs(core)) == 1 ? "" : "s");
	return LY_CLI_SUCCESS;
}

static const struct ly_cli_command commands[] = {
	{ "sip show subscriptions", "List SIP message-summary subscriptions",
	  "Usage: sip show subscriptions\n"
	  "  Lists the live SUBSCRIBEs to message-summary (RFC 3842): endpoint,\n"
	  "  mailboxes, where the NOTIFYs go, seconds left, NOTIFYs sent, counts.\n",
	  show_subscriptions, NULL },
};

int sip_sub_cli_register(struct ly_module *self)
{
	return ly_cli_register_multiple(self, commands, sizeof(commands) / sizeof(commands[0]));
}
