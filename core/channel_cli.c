/* core/channel_cli.c - channel console commands, and start-up/exit of the media core. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/channel.h"
#include "lyre/cli.h"
#include "lyre/format.h"
#include "lyre/log.h"
#include "lyre/obj.h"
#include "lyre/rtp.h"
#include "lyre/utils.h"
#include "media_int.h"

static void format_duration(uint64_t created_ms, char *buf, size_t len)
{
	uint64_t s = (ly_now_ms() - created_ms) / 1000;

	snprintf(buf, len, "%02u:%02u:%02u", (unsigned)(s / 3600), (unsigned)(s / 60 % 60),
		 (unsigned)(s % 60));
}

static const char *format_name(const struct ly_channel *c)
{
	const struct ly_format *f = ly_chan_native_format(c);

	return f ? f->name : "(none)";
}

static void print_channel_row(struct ly_channel *c, void *arg)
{
	struct ly_cli_args *a = arg;
	char num[64], dur[32];

	ly_chan_callerid_num(c, num, sizeof(num));
	format_duration(ly_chan_created_ms(c), dur, sizeof(dur));
	ly_cli_print(a, "%-32.32s %-7.7s %-16.16s %-8.8s %-8s %s\n", ly_chan_name(c),
		     ly_chan_state_name(ly_chan_state(c)), num, format_name(c), dur,
		     ly_chan_uniqueid(c));
}

/* One line per channel, fields split by '!' like Asterisk's concise form,
 * for scripts: name!state!cid_num!cid_name!format!seconds!uniqueid!callid */
static void print_channel_concise(struct ly_channel *c, void *arg)
{
	struct ly_cli_args *a = arg;
	char num[64], name[64];

	ly_chan_callerid_num(c, num, sizeof(num));
	ly_chan_callerid_name(c, name, sizeof(name));
	ly_cli_print(a, "%s!%s!%s!%s!%s!%llu!%s!%s\n", ly_chan_name(c),
		     ly_chan_state_name(ly_chan_state(c)), num, name, format_name(c),
		     (unsigned long long)((ly_now_ms() - ly_chan_created_ms(c)) / 1000),
		     ly_chan_uniqueid(c), ly_chan_callid(c));
}

static void print_channel_count(struct ly_cli_args *a, unsigned n)
{
	ly_cli_print(a, "%u active channel%s\n", n, n == 1 ? "" : "s");
}

static enum ly_cli_result show_channels(struct ly_cli_args *a)
{
	const char *mode = a->argc == a->cmd_words + 1 ? a->argv[a->cmd_words] : NULL;

	if (a->argc > a->cmd_words + 1)
		return LY_CLI_SHOWUSAGE;
	if (mode && ly_strcaseeq(mode, "count")) {
		print_channel_count(a, ly_chan_count());
		return LY_CLI_SUCCESS;
	}
	if (mode && ly_strcaseeq(mode, "concise")) {
		ly_chan_foreach(print_channel_concise, a);
		return LY_CLI_SUCCESS;
	}
	if (mode)
		return LY_CLI_SHOWUSAGE;
	ly_cli_print(a, "%-32s %-7s %-16s %-8s %-8s %s\n", "Channel", "State", "Caller ID",
		     "Format", "Duration", "Unique ID");
	ly_chan_foreach(print_channel_row, a);
	print_channel_count(a, ly_chan_count());
	return LY_CLI_SUCCESS;
}

static void print_var(const char *name, const char *value, void *arg)
{
	ly_cli_print(arg, "%s=%s\n", name, value);
}

/* The channel's RTP figures (RFC 3550 statistics), when its driver has a
 * session; read before hangup, while the driver keeps it (lyre/channel.h). */
static void print_rtp(struct ly_cli_args *a, struct ly_channel *c)
{
	const struct ly_chan_tech *tech = ly_chan_tech(c);
	struct ly_rtp *rtp = tech && tech->get_rtp && !ly_chan_check_hangup(c) ? tech->get_rtp(c)
										: NULL;
	struct ly_rtp_stats st;
	char qos[320];

	if (!rtp || ly_rtp_get_stats(rtp, &st))
		return;
	ly_cli_print(a, " -- RTP --\n");
	ly_cli_print(a, "    RTP packets: %" PRIu64 " in, %" PRIu64 " out\n", st.packets_in,
		     st.packets_out);
	ly_cli_print(a, "      Lost (in): %" PRId64 " of %" PRIu64 "\n", st.lost_in, st.expected_in);
	ly_cli_print(a, "    Jitter (in): %.1f ms\n", st.jitter_in_us / 1000.0);
	if (st.have_report)
		ly_cli_print(a, "        Far end: lost %" PRId64 ", jitter %.1f ms\n", st.lost_out,
			     st.jitter_out_us / 1000.0);
	if (st.rtt_us >= 0)
		ly_cli_print(a, "     Round trip: %.1f ms\n", st.rtt_us / 1000.0);
	ly_cli_print(a, "    RTCP in/out: %" PRIu64 " / %" PRIu64 "%s\n", st.rtcp_in, st.rtcp_out,
		     st.rtcp_mux ? " (mux)" : "");
	ly_rtp_stats_qos(&st, qos, sizeof(qos));
	ly_cli_print(a, "    RTPAUDIOQOS: %s\n", qos);
}

static void print_channel_detail(struct ly_cli_args *a, struct ly_channel *c)
{
	const struct ly_chan_tech *tech = ly_chan_tech(c);
	enum ly_chan_state st = ly_chan_state(c);
	int cause = ly_chan_hangupcause(c);
	char num[64], name[64], dur[32];

	ly_chan_callerid_num(c, num, sizeof(num));
	ly_chan_callerid_name(c, name, sizeof(name));
	format_duration(ly_chan_created_ms(c), dur, sizeof(dur));
	ly_cli_print(a, " -- General --\n");
	ly_cli_print(a, "           Name: %s\n", ly_chan_name(c));
	ly_cli_print(a, "           Type: %s\n", tech && tech->type ? tech->type : "(none)");
	ly_cli_print(a, "       UniqueID: %s\n", ly_chan_uniqueid(c));
	ly_cli_print(a, "         CallID: %s\n", ly_chan_callid(c));
	ly_cli_print(a, "      Caller ID: %s\n", num[0] ? num : "(N/A)");
	ly_cli_print(a, " Caller ID Name: %s\n", name[0] ? name : "(N/A)");
	ly_cli_print(a, "          State: %s (%d)\n", ly_chan_state_name(st), (int)st);
	ly_cli_print(a, "  Native Format: %s\n", format_name(c));
	ly_cli_print(a, "  Frames queued: %zu\n", ly_chan_queue_len(c));
	ly_cli_print(a, "   Hangup cause: %s (%d)%s\n", cause ? ly_cause_name(cause) : "none",
		     cause, ly_chan_check_hangup(c) ? ", hangup requested" : "");
	ly_cli_print(a, "   Elapsed Time: %s\n", dur);
	print_rtp(a, c);
	ly_cli_print(a, "      Variables:\n");
	ly_chan_var_foreach(c, print_var, a);
}

static enum ly_cli_result show_channel(struct ly_cli_args *a)
{
	struct ly_channel *c;

	if (a->argc != a->cmd_words + 1)
		return LY_CLI_SHOWUSAGE;
	c = ly_chan_find(a->argv[a->cmd_words]);
	if (!c) {
		ly_cli_print(a, "%s is not a known channel\n", a->argv[a->cmd_words]);
		return LY_CLI_FAILURE;
	}
	print_channel_detail(a, c);
	ly_unref(c);
	return LY_CLI_SUCCESS;
}

static void request_hangup(struct ly_channel *c, void *arg)
{
	struct ly_cli_args *a = arg;

	ly_cli_print(a, "Requested Hangup on channel '%s'\n", ly_chan_name(c));
	ly_chan_softhangup(c, LY_CAUSE_NORMAL_CLEARING);
}

static enum ly_cli_result hangup_channel(struct ly_cli_args *a)
{
	const char *name;
	struct ly_channel *c;

	if (a->argc != a->cmd_words + 1)
		return LY_CLI_SHOWUSAGE;
	name = a->argv[a->cmd_words];
	if (ly_strcaseeq(name, "all")) {
		ly_chan_foreach(request_hangup, a);
		return LY_CLI_SUCCESS;
	}
	c = ly_chan_find(name);
	if (!c) {
		ly_cli_print(a, "%s is not a known channel\n", name);
		return LY_CLI_FAILURE;
	}
	request_hangup(c, a);
	ly_unref(c);
	return LY_CLI_SUCCESS;
}

static void add_channel_name(struct ly_channel *c, void *arg)
{
	ly_cli_complete_add(arg, ly_chan_name(c));
}

static void complete_channel(const struct ly_cli_args *a, int pos, const char *word,
			     struct ly_cli_completion *c)
{
	if (pos == a->cmd_words)
		ly_chan_foreach(add_channel_name, c);
}

static void complete_hangup(const struct ly_cli_args *a, int pos, const char *word,
			    struct ly_cli_completion *c)
{
	if (pos != a->cmd_words)
		return;
	ly_cli_complete_add(c, "all");
	ly_chan_foreach(add_channel_name, c);
}

static void complete_channels_mode(const struct ly_cli_args *a, int pos, const char *word,
				   struct ly_cli_completion *c)
{
	if (pos != a->cmd_words)
		return;
	ly_cli_complete_add(c, "concise");
	ly_cli_complete_add(c, "count");
}

static const struct ly_cli_command channel_commands[] = {
	{
		.command = "core show channels",
		.summary = "Display information on channels",
		.usage = "Usage: core show channels [concise|count]\n"
			 "  Lists the live channels.  'concise' prints one '!'-separated line\n"
			 "  per channel for scripts; 'count' prints only the number.\n",
		.handler = show_channels,
		.complete = complete_channels_mode,
	},
	{
		.command = "core show channel",
		.summary = "Display information on a specific channel",
		.usage = "Usage: core show channel <channel>\n"
			 "  Shows the state, caller id, variables and queue of a channel.\n",
		.handler = show_channel,
		.complete = complete_channel,
	},
	{
		.command = "channel request hangup",
		.summary = "Request a hangup on a given channel",
		.usage = "Usage: channel request hangup <channel>|all\n"
			 "  Asks the channel's thread to hang up (NORMAL_CLEARING).\n",
		.handler = hangup_channel,
		.complete = complete_hangup,
	},
};

int ly_media_core_init(void)
{
	int err;

	if ((err = ly_cli_register_multiple(NULL, channel_commands,
					    LY_ARRAY_LEN(channel_commands))) != 0 ||
	    (err = ly_format_cli_register()) != 0 || (err = ly_app_cli_register()) != 0) {
		ly_error("Cannot register the channel, format and application commands: %s",
			 strerror(err));
		return err;
	}
	return 0;
}

void ly_media_core_shutdown(void)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(channel_commands); i++)
		ly_cli_unregister(&channel_commands[i]);
	ly_format_cli_unregister();
	ly_app_cli_unregister();
	ly_chan_registry_free();
	ly_format_registry_free();
	ly_app_registry_free();
}
