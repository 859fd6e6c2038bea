/* modules/res_rtp/rtp_conf.c - rtp.conf: port range and reuse, strict RTP, probation, workers, jitter buffer. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <lyre/lyre.h>

#include "res_rtp.h"

static pthread_mutex_t settings_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rtp_settings current;

static void defaults(struct rtp_settings *s)
{
	*s = (struct rtp_settings){
		.port_start = 10000,
		.port_end = 20000,
		.strict = true,
		.probation = 4,	/* Asterisk's default */
		.workers = 0,
		.jb_enable = true,
		.jb_max_ms = 200,	/* Asterisk's jbmaxsize default */
		.reuse_ms = 500,	/* rtp_pair.c: why, and the bounds */
	};
}

static int bad(char *err, size_t errlen, const struct ly_cfg_var *v, const char *why)
{
	snprintf(err, errlen, "%s:%d: %s = %s: %s", v->file, v->line, v->name, v->value, why);
	return EINVAL;
}

static int read_var(const struct ly_cfg_var *v, struct rtp_settings *s, char *err,
		    size_t errlen)
{
	long n;

	if (ly_strcaseeq(v->name, "rtpstart") || ly_strcaseeq(v->name, "rtpend")) {
		if (ly_parse_int(v->value, 1024, 65535, &n))
			return bad(err, errlen, v, "expected a port from 1024 to 65535");
		*(ly_strcaseeq(v->name, "rtpstart") ? &s->port_start : &s->port_end) = (unsigned)n;
	} else if (ly_strcaseeq(v->name, "strictrtp")) {
		if (!ly_true(v->value) && !ly_false(v->value))
			return bad(err, errlen, v, "expected yes or no");
		s->strict = ly_true(v->value);
	} else if (ly_strcaseeq(v->name, "probation")) {
		if (ly_parse_int(v->value, 1, 100, &n))
			return bad(err, errlen, v, "expected 1 to 100 packets");
		s->probation = (unsigned)n;
	} else if (ly_strcaseeq(v->name, "workers")) {
		if (ly_parse_int(v->value, 0, 64, &n))
			return bad(err, errlen, v, "expected 0 (one per core) to 64");
		s->workers = (unsigned)n;
	} else if (ly_strcaseeq(v->name, "realtime")) {
		if (ly_false(v->value))
			s->realtime = 0;
		else if (ly_true(v->value))
			s->realtime = 1;
		else if (ly_parse_int(v->value, 1, 99, &n))
			return bad(err, errlen, v, "expected no, yes or a priority from 1 to 99");
		else
			s->realtime = (unsigned)n;
	} else if (ly_strcaseeq(v->name, "jbenable")) {
		if (!ly_true(v->value) && !ly_false(v->value))
			return bad(err, errlen, v, "expected yes or no");
		s->jb_enable = ly_true(v->value);
	} else if (ly_strcaseeq(v->name, "jbmaxsize")) {
		if (ly_parse_int(v->value, 20, 1000, &n))
			return bad(err, errlen, v, "expected 20 to 1000 ms");
		s->jb_max_ms = (unsigned)n;
	} else if (ly_strcaseeq(v->name, "portreuse")) {
		if (ly_parse_int(v->value, 0, 60000, &n))
			return bad(err, errlen, v, "expected 0 (never) to 60000 ms");
		s->reuse_ms = (unsigned)n;
	} else if (ly_strcaseeq(v->name, "jbimpl")) {
		/* speexdsp's buffer adapts; Asterisk's "fixed" has no twin here. */
		if (!ly_strcaseeq(v->value, "adaptive"))
			return bad(err, errlen, v, "only adaptive is supported");
	} else {
		/* Asterisk's rtp.conf has many more keys (ICE, DTLS, RTCP...):
		 * an existing file should load, with a word about what we skip. */
		ly_warning("%s:%d: rtp.conf option '%s' is not supported, ignored", v->file,
			   v->line, v->name);
	}
	return 0;
}

static int read_file(const struct ly_config *cfg, struct rtp_settings *s, char *err,
		     size_t errlen)
{
	const struct ly_cfg_section *gen = ly_cfg_section(cfg, "general");
	int rc = 0;

	for (const struct ly_cfg_var *v = gen ? gen->vars : NULL; v && !rc; v = v->next)
		rc = read_var(v, s, err, errlen);
	/* The first even port and the odd one above it must both fit. */
	if (!rc && gen && ((s->port_start + 1) & ~1u) + 1 > s->port_end) {
		snprintf(err, errlen, "%s:%d: rtpstart %u to rtpend %u holds no even/odd port pair",
			 gen->file, gen->line, s->port_start, s->port_end);
		rc = EINVAL;
	}
	return rc;
}

int rtp_conf_load(struct rtp_settings *out, char *err, size_t errlen)
{
	struct ly_cfg_error cerr;
	struct ly_config *cfg;
	int rc;

	defaults(out);
	rc = ly_config_load(ly_dirs()->confdir, "rtp.conf", &cfg, &cerr);
	if (rc == ENOENT)
		rc = 0;	/* no file: the defaults */
	else if (rc)
		snprintf(err, errlen, "%s", cerr.msg);
	else {
		rc = read_file(cfg, out, err, errlen);
		ly_config_free(cfg);
	}
	if (!rc && out->workers == 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);

		out->workers = cores > 0 ? (cores > 64 ? 64 : (unsigned)cores) : 1;
	}
	return rc;
}

void rtp_settings_get(struct rtp_settings *out)
{
	pthread_mutex_lock(&settings_lock);
	*out = current;
	pthread_mutex_unlock(&settings_lock);
}

void rtp_settings_set(const struct rtp_settings *s)
{
	pthread_mutex_lock(&settings_lock);
	current = *s;
	pthread_mutex_unlock(&settings_lock);
}
