/* modules/res_rtp/res_rtp.c - the res_rtp module: Lyre's RTP engine over the core interface. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <lyre/lyre.h>
#include <lyre/rtp.h>

#include "res_rtp.h"
#include "rtp_dtmf.h"
#include "rtp_rtcp_io.h"
#include "rtp_srtp.h"

static int engine_create(int family, const struct sockaddr *bind_addr, void **pvt)
{
	struct rtp_session *s;
	int err = rtp_session_create(family, bind_addr, &s);

	if (!err)
		*pvt = s;
	return err;
}

static void engine_destroy(void *pvt)
{
	rtp_session_close(pvt);
}

static int engine_local(void *pvt, struct sockaddr_storage *out)
{
	return rtp_session_local(pvt, out);
}

static int engine_set_remote(void *pvt, const struct sockaddr *addr)
{
	return rtp_session_set_remote(pvt, addr);
}

static int engine_remote(void *pvt, struct sockaddr_storage *out)
{
	return rtp_session_remote(pvt, out);
}

static int engine_set_payload(void *pvt, unsigned pt, const struct ly_format *fmt)
{
	return rtp_session_set_payload(pvt, pt, fmt);
}

static int engine_set_symmetric(void *pvt, bool on)
{
	return rtp_session_set_symmetric(pvt, on);
}

static int engine_write(void *pvt, const struct ly_frame *f)
{
	return rtp_session_write(pvt, f);
}

static int engine_set_channel(void *pvt, struct ly_channel *chan)
{
	return rtp_session_set_channel(pvt, chan);
}

static int engine_relay(void *a, void *b)
{
	return rtp_session_relay(a, b);
}

static int engine_unrelay(void *pvt)
{
	return rtp_session_unrelay(pvt);
}

static int engine_stats(void *pvt, struct ly_rtp_stats *out)
{
	return rtp_session_stats(pvt, out);
}

static int engine_set_generator(void *pvt, ly_rtp_generator gen, void *arg)
{
	return rtp_session_set_generator(pvt, gen, arg);
}

static int engine_set_dtmf(void *pvt, enum ly_rtp_dtmf_mode mode, int pt, unsigned clock)
{
	return rtp_dtmf_set(pvt, mode, pt, clock);
}

static int engine_dtmf_begin(void *pvt, char digit)
{
	return rtp_dtmf_send_begin(pvt, digit);
}

static int engine_dtmf_end(void *pvt, char digit, unsigned duration_ms)
{
	return rtp_dtmf_send_end(pvt, digit, duration_ms);
}

static int engine_srtp_keygen(void *pvt, enum ly_srtp_suite suite, struct ly_srtp_key *out)
{
	(void)pvt;
	return rtp_srtp_keygen(suite, out);
}

static int engine_set_crypto(void *pvt, const struct ly_srtp_key *local,
			     const struct ly_srtp_key *remote)
{
	return rtp_session_set_crypto(pvt, local, remote);
}

static int engine_set_audio_tap(void *pvt, ly_rtp_audio_fn fn, void *arg)
{
	return rtp_session_set_audio_tap(pvt, fn, arg);
}

static int engine_set_rtcp(void *pvt, bool mux, unsigned remote_port)
{
	return rtp_rtcp_set(pvt, mux, remote_port);
}

static struct ly_rtp_engine engine = {
	.name = "lyre",
	.description = "RTP (RFC 3550) and SRTP (RFC 3711) with symmetric RTP, strict sources and relay",
	.create = engine_create,
	.destroy = engine_destroy,
	.local_addr = engine_local,
	.set_remote = engine_set_remote,
	.remote_addr = engine_remote,
	.set_payload = engine_set_payload,
	.set_symmetric = engine_set_symmetric,
	.write = engine_write,
	.set_channel = engine_set_channel,
	.relay = engine_relay,
	.unrelay = engine_unrelay,
	.stats = engine_stats,
	.set_generator = engine_set_generator,
	.set_dtmf = engine_set_dtmf,
	.dtmf_begin = engine_dtmf_begin,
	.dtmf_end = engine_dtmf_end,
	.srtp_keygen = engine_srtp_keygen,
	.set_crypto = engine_set_crypto,
	.set_rtcp = engine_set_rtcp,
	.set_audio_tap = engine_set_audio_tap,
};

static int apply_config(bool first)
{
	struct rtp_settings next, now;
	char err[600];
	int rc = rtp_conf_load(&next, err, sizeof(err));

	if (rc) {
		ly_error("rtp.conf not loaded%s: %s", first ? "" : ", keeping the running settings",
			 err);
		return rc;
	}
	if (!first) {
		rtp_settings_get(&now);
		if (next.workers != now.workers || next.realtime != now.realtime)
			ly_notice("rtp.conf: workers and realtime apply after a restart");
		next.workers = now.workers;
		next.realtime = now.realtime;
	}
	rtp_park_configure(rtp_ports_configure(next.port_start, next.port_end), next.reuse_ms);
	rtp_settings_set(&next);
	ly_verbose(2, "RTP ports %u-%u, strict RTP %s", next.port_start, next.port_end,
		   next.strict ? "on" : "off");
	return 0;
}

static int load(struct ly_module *self)
{
	struct rtp_settings s;
	int rc = apply_config(true);

	if (rc)
		return rc;
	rtp_settings_get(&s);
	rc = rtp_srtp_init();
	if (rc) {
		ly_error("libsrtp2 did not initialise");
		return rc;
	}
	rc = rtp_workers_start(s.workers, s.realtime);
	if (!rc)
		rc = ly_rtp_engine_register(self, &engine);
	if (!rc)
		rc = rtp_cli_register(self);
	if (rc) {
		/* unload() is not called after a failed load. */
		rtp_workers_stop();
		rtp_ports_shutdown();
		rtp_srtp_shutdown();
	}
	return rc;
}

/* The loader refuses to unload while a session holds the module, so no
 * session is left; the workers finish any pending removals as they stop. */
static void unload(struct ly_module *self)
{
	(void)self;
	rtp_workers_stop();
	rtp_ports_shutdown();
	rtp_srtp_shutdown();
}

static int reload(struct ly_module *self)
{
	(void)self;
	return apply_config(false);
}

LYRE_MODULE(res_rtp,
	.description = "RTP media sessions: port range, strict and symmetric RTP, relay, SRTP",
	.load = load,
	.unload = unload,
	.reload = reload);
