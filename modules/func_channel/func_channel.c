/*
 * modules/func_channel/func_channel.c - CHANNEL(item): facts about the
 * channel (name, uniqueid, state, language, position in the dialplan...),
 * with language writable, as Asterisk's func_channel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

typedef void (*item_reader)(struct ly_channel *chan, char *buf, size_t len);

static void read_name(struct ly_channel *c, char *buf, size_t len)
{
	ly_strlcpy(buf, ly_chan_name(c), len);
}

static void read_uniqueid(struct ly_channel *c, char *buf, size_t len)
{
	ly_strlcpy(buf, ly_chan_uniqueid(c), len);
}

static void read_callid(struct ly_channel *c, char *buf, size_t len)
{
	ly_strlcpy(buf, ly_chan_callid(c), len);
}

static void read_state(struct ly_channel *c, char *buf, size_t len)
{
	ly_strlcpy(buf, ly_chan_state_name(ly_chan_state(c)), len);
}

static void read_musicclass(struct ly_channel *c, char *buf, size_t len)
{
	ly_moh_class(c, buf, len);
}

static void read_language(struct ly_channel *c, char *buf, size_t len)
{
	ly_chan_language(c, buf, len);
}

static void read_context(struct ly_channel *c, char *buf, size_t len)
{
	ly_pbx_context(c, buf, len);
}

static void read_exten(struct ly_channel *c, char *buf, size_t len)
{
	ly_pbx_exten(c, buf, len);
}

static void read_priority(struct ly_channel *c, char *buf, size_t len)
{
	snprintf(buf, len, "%d", ly_pbx_priority(c));
}

static void read_tech(struct ly_channel *c, char *buf, size_t len)
{
	const struct ly_chan_tech *t = ly_chan_tech(c);

	ly_strlcpy(buf, t ? t->type : "", len);
}

static void read_hangupcause(struct ly_channel *c, char *buf, size_t len)
{
	snprintf(buf, len, "%d", ly_chan_hangupcause(c));
}

static void read_hangupcause_name(struct ly_channel *c, char *buf, size_t len)
{
	ly_strlcpy(buf, ly_cause_name(ly_chan_hangupcause(c)), len);
}

static void read_checkhangup(struct ly_channel *c, char *buf, size_t len)
{
	ly_strlcpy(buf, ly_chan_check_hangup(c) ? "1" : "0", len);
}

static void read_format(struct ly_channel *c, char *buf, size_t len)
{
	const struct ly_format *f = ly_chan_native_format(c);

	ly_strlcpy(buf, f ? f->name : "", len);
}

/* CHANNEL(rtcp,all): the call's RTP figures now (lyre/rtp.h), or those
 * RTPAUDIOQOS kept once the session is gone. */
static void read_rtcp_all(struct ly_channel *c, char *buf, size_t len)
{
	const struct ly_chan_tech *t = ly_chan_tech(c);
	struct ly_rtp *rtp = t && t->get_rtp ? t->get_rtp(c) : NULL;
	struct ly_rtp_stats st;

	if (rtp && ly_rtp_get_stats(rtp, &st) == 0)
		ly_rtp_stats_qos(&st, buf, len);
	else if (!ly_chan_var_get(c, "RTPAUDIOQOS", buf, len))
		buf[0] = '\0';
}

/* Item names as Asterisk spells them, plus Lyre's callid and tech. */
static const struct {
	const char *item;
	item_reader read;
} items[] = {
	{ "name", read_name },
	{ "uniqueid", read_uniqueid },
	{ "linkedid", read_uniqueid },
	{ "callid", read_callid },
	{ "state", read_state },
	{ "language", read_language },
	{ "musicclass", read_musicclass },
	{ "context", read_context },
	{ "exten", read_exten },
	{ "priority", read_priority },
	{ "channeltype", read_tech },
	{ "tech", read_tech },
	{ "hangupcause", read_hangupcause },
	{ "hangup_cause", read_hangupcause },
	{ "hangupcausestr", read_hangupcause_name },
	{ "checkhangup", read_checkhangup },
	{ "audionativeformat", read_format },
	{ "audioreadformat", read_format },
	{ "audiowriteformat", read_format },
	{ "rtcp,all", read_rtcp_all },
};

static item_reader find_item(const char *item)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(items); i++)
		if (ly_strcaseeq(item, items[i].item))
			return items[i].read;
	return NULL;
}

static int channel_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	char *copy = ly_strdup(args), *item = ly_strstrip(copy);
	item_reader read = find_item(item);
	int rc = 0;

	buf[0] = '\0';
	if (!chan) {
		ly_warning("CHANNEL(%s) needs a channel", item);
		rc = EINVAL;
	} else if (!read) {
		ly_warning("%s: CHANNEL: unknown or unavailable item requested: '%s'",
			   ly_chan_name(chan), item);
		rc = EINVAL;
	} else {
		read(chan, buf, len);
	}
	free(copy);
	return rc;
}

static int channel_write(struct ly_channel *chan, const char *args, const char *value)
{
	char *copy = ly_strdup(args), *item = ly_strstrip(copy);
	int rc = 0;

	if (!chan) {
		ly_warning("CHANNEL(%s) needs a channel", item);
		rc = EINVAL;
	} else if (ly_strcaseeq(item, "language")) {
		ly_chan_set_language(chan, value);
	} else if (ly_strcaseeq(item, "musicclass")) {
		ly_moh_set_class(chan, value);
	} else {
		ly_warning("%s: CHANNEL(%s) is %s", ly_chan_name(chan), item,
			   find_item(item) ? "read-only" : "not a known item");
		rc = find_item(item) ? EPERM : EINVAL;
	}
	free(copy);
	return rc;
}

static struct ly_func channel_func = {
	.name = "CHANNEL",
	.synopsis = "Gets or sets channel-specific information",
	.read = channel_read,
	.write = channel_write,
};

static int load(struct ly_module *self)
{
	return ly_func_register(self, &channel_func);
}

LYRE_MODULE(func_channel,
	.description = "Channel information dialplan function",
	.load = load);
