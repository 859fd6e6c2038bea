/* modules/codec_opus/opus_conf.c - codecs.conf [opus]: the encoder's settings, with Asterisk's option names. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "lyre/config.h"
#include "lyre/log.h"
#include "lyre/utils.h"

#include "codec_opus.h"

static pthread_mutex_t settings_lock = PTHREAD_MUTEX_INITIALIZER;
static struct opus_settings current;

/* FEC on with 10 % expected loss: libopus only spends bits on LBRR when
 * it is told to expect loss, and a 0 % estimate would make fec=yes a
 * no-op.  The rest are libopus's own defaults, as in Asterisk. */
void opus_settings_defaults(struct opus_settings *s)
{
	*s = (struct opus_settings){
		.fec = true,
		.dtx = false,
		.cbr = false,
		.bitrate = OPUS_AUTO,
		.complexity = 10,
		.packet_loss = 10,
		.application = OPUS_APPLICATION_VOIP,
		.max_bandwidth = OPUS_BANDWIDTH_FULLBAND,
	};
}

struct name_value {
	const char *name;
	int value;
};

static const struct name_value applications[] = {
	{ "voip", OPUS_APPLICATION_VOIP },
	{ "audio", OPUS_APPLICATION_AUDIO },
	{ "low_delay", OPUS_APPLICATION_RESTRICTED_LOWDELAY },
	{ NULL, 0 },
};

static const struct name_value bandwidths[] = {
	{ "narrow", OPUS_BANDWIDTH_NARROWBAND },
	{ "medium", OPUS_BANDWIDTH_MEDIUMBAND },
	{ "wide", OPUS_BANDWIDTH_WIDEBAND },
	{ "super_wide", OPUS_BANDWIDTH_SUPERWIDEBAND },
	{ "full", OPUS_BANDWIDTH_FULLBAND },
	{ NULL, 0 },
};

static bool lookup(const struct name_value *t, const char *name, int *out)
{
	for (; t->name; t++)
		if (ly_strcaseeq(t->name, name)) {
			*out = t->value;
			return true;
		}
	return false;
}

static int bad(char *err, size_t errlen, const struct ly_cfg_var *v, const char *why)
{
	snprintf(err, errlen, "%s:%d: %s = %s: %s", v->file, v->line, v->name, v->value, why);
	return EINVAL;
}

static int read_bool(const struct ly_cfg_var *v, bool *out, char *err, size_t errlen)
{
	if (!ly_true(v->value) && !ly_false(v->value))
		return bad(err, errlen, v, "expected yes or no");
	*out = ly_true(v->value);
	return 0;
}

static int read_int(const struct ly_cfg_var *v, long min, long max, int *out, char *err,
		    size_t errlen, const char *why)
{
	long n;

	if (ly_parse_int(v->value, min, max, &n))
		return bad(err, errlen, v, why);
	*out = (int)n;
	return 0;
}

static int read_bitrate(const struct ly_cfg_var *v, struct opus_settings *s, char *err,
			size_t errlen)
{
	if (ly_strcaseeq(v->value, "auto")) {
		s->bitrate = OPUS_AUTO;
		return 0;
	}
	if (ly_strcaseeq(v->value, "max")) {
		s->bitrate = OPUS_BITRATE_MAX;
		return 0;
	}
	return read_int(v, 500, 512000, &s->bitrate, err, errlen,
			"expected auto, max or 500 to 512000 bit/s");
}

/* Asterisk's codecs.conf [opus] keys; those about SDP or playback
 * (max_playback_rate, signal, ...) are reported and skipped. */
static int read_var(const struct ly_cfg_var *v, struct opus_settings *s, char *err,
		    size_t errlen)
{
	const char *n = v->name;

	if (ly_strcaseeq(n, "fec"))
		return read_bool(v, &s->fec, err, errlen);
	if (ly_strcaseeq(n, "dtx"))
		return read_bool(v, &s->dtx, err, errlen);
	if (ly_strcaseeq(n, "cbr"))
		return read_bool(v, &s->cbr, err, errlen);
	if (ly_strcaseeq(n, "bitrate"))
		return read_bitrate(v, s, err, errlen);
	if (ly_strcaseeq(n, "complexity"))
		return read_int(v, 0, 10, &s->complexity, err, errlen, "expected 0 to 10");
	if (ly_strcaseeq(n, "packet_loss"))
		return read_int(v, 0, 100, &s->packet_loss, err, errlen, "expected 0 to 100 (%)");
	if (ly_strcaseeq(n, "application"))
		return lookup(applications, v->value, &s->application) ? 0 :
			bad(err, errlen, v, "expected voip, audio or low_delay");
	if (ly_strcaseeq(n, "max_bandwidth"))
		return lookup(bandwidths, v->value, &s->max_bandwidth) ? 0 :
			bad(err, errlen, v, "expected narrow, medium, wide, super_wide or full");
	if (!ly_strcaseeq(n, "type"))	/* Asterisk's "type = opus" */
		ly_warning("%s:%d: codecs.conf [opus] option '%s' is not supported, ignored",
			   v->file, v->line, n);
	return 0;
}

int opus_conf_load(const char *confdir, struct opus_settings *out, char *err, size_t errlen)
{
	struct ly_cfg_error cerr;
	struct ly_config *cfg;
	const struct ly_cfg_section *sec;
	int rc;

	opus_settings_defaults(out);
	rc = ly_config_load(confdir, "codecs.conf", &cfg, &cerr);
	if (rc == ENOENT)
		return 0;	/* no file: the defaults */
	if (rc) {
		snprintf(err, errlen, "%s", cerr.msg);
		return rc;
	}
	/* Other sections ([plc], [speex] in Asterisk's file) belong to others. */
	sec = ly_cfg_section(cfg, "opus");
	for (const struct ly_cfg_var *v = sec ? sec->vars : NULL; v && !rc; v = v->next)
		rc = read_var(v, out, err, errlen);
	ly_config_free(cfg);
	return rc;
}

void opus_settings_get(struct opus_settings *out)
{
	pthread_mutex_lock(&settings_lock);
	*out = current;
	pthread_mutex_unlock(&settings_lock);
}

void opus_settings_set(const struct opus_settings *s)
{
	pthread_mutex_lock(&settings_lock);
	current = *s;
	pthread_mutex_unlock(&settings_lock);
}
