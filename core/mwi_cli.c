/* core/mwi_cli.c - `mwi show` and `mwi update`: the mailbox states of lyre/mwi.h on the console. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "lyre/cli.h"
#include "lyre/mwi.h"
#include "lyre/utils.h"
#include "cli_int.h"

static enum ly_cli_result show(struct ly_cli_args *a)
{
	struct ly_mwi_state *v;
	size_t n;

	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	n = ly_mwi_list(&v);
	ly_cli_print(a, "%-32s %6s %6s %10s %10s\n", "Mailbox", "New", "Old", "NewUrgent", "OldUrgent");
	for (size_t i = 0; i < n; i++)
		ly_cli_print(a, "%-32s %6d %6d %10d %10d\n", v[i].mailbox, v[i].new_msgs, v[i].old_msgs,
			     v[i].new_urgent, v[i].old_urgent);
	ly_cli_print(a, "%zu mailbox%s\n", n, n == 1 ? "" : "es");
	free(v);
	return LY_CLI_SUCCESS;
}

static bool count_arg(struct ly_cli_args *a, int i, int *out)
{
	long n;

	if (ly_parse_int(a->argv[i], 0, 1000000, &n)) {
		ly_cli_print(a, "'%s' is not a message count\n", a->argv[i]);
		return false;
	}
	*out = (int)n;
	return true;
}

/* As Asterisk's MWIUpdate action: a voicemail system outside Lyre (or a
 * test) sets a mailbox's counts, and every phone that watches it hears. */
static enum ly_cli_result update(struct ly_cli_args *a)
{
	int w = a->cmd_words, c[4] = { 0, 0, 0, 0 };
	char name[LY_MWI_NAME_MAX];
	const char *box;

	if (a->argc != w + 3 && a->argc != w + 5)
		return LY_CLI_SHOWUSAGE;
	box = a->argv[w];
	if (!*box || *box == '@') {
		ly_cli_print(a, "'%s' is not a mailbox (box[@context])\n", box);
		return LY_CLI_FAILURE;
	}
	for (int i = 0; i < a->argc - w - 1; i++)
		if (!count_arg(a, w + 1 + i, &c[i]))
			return LY_CLI_FAILURE;
	ly_mwi_publish(box, c[0], c[1], c[2], c[3]);
	ly_cli_print(a, "Mailbox %s: %d new, %d old (urgent %d/%d)\n", ly_mwi_normalize(box, name, sizeof(name)),
		     c[0], c[1], c[2], c[3]);
	return LY_CLI_SUCCESS;
}

static const struct ly_cli_command mwi_commands[] = {
	{ "mwi show", "List mailboxes and their message counts",
	  "Usage: mwi show\n"
	  "  Lists every mailbox whose counts were published (by app_voicemail or\n"
	  "  `mwi update`), as box@context with new, old and urgent counts.\n",
	  show, NULL },
	{ "mwi update", "Set a mailbox's message counts",
	  "Usage: mwi update <box[@context]> <new> <old> [<new urgent> <old urgent>]\n"
	  "  Publishes the counts of a mailbox, as Asterisk's MWIUpdate action does\n"
	  "  for voicemail systems outside the PBX: phones subscribed to it, and\n"
	  "  endpoints with it in sip.conf mailboxes=, get a NOTIFY.  The context\n"
	  "  is \"default\" when none is given.\n",
	  update, NULL },
};

int ly_mwi_cli_register(void)
{
	return ly_cli_register_multiple(NULL, mwi_commands, LY_ARRAY_LEN(mwi_commands));
}
