/* modules/chan_sip/sip_media.c - a call leg's res_rtp session and the SDP that describes it. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <lyre/format.h>
#include <lyre/log.h>
#include <lyre/rtp.h>
#include <lyre/utils.h>

#include "sip_dtmf.h"
#include "sip_media.h"
#include "sip_transport.h"

static const char *const default_codecs[] = { "ulaw", "alaw", NULL };

static socklen_t sa_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/*
 * The local address the kernel routes toward peer: connect() on a UDP
 * socket sends nothing but picks the source address, which is the one the
 * peer can send RTP back to (a wildcard bind would leave c= unusable).
 */
static int route_lookup(const struct sockaddr *peer, struct sockaddr_storage *out)
{
	socklen_t len = sizeof(*out);
	int fd = socket(peer->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int err = 0;

	if (fd < 0)
		return errno;
	if (connect(fd, peer, sa_len(peer)) || getsockname(fd, (struct sockaddr *)out, &len))
		err = errno;
	close(fd);
	return err;
}

/*
 * The answer is remembered per peer address for a few seconds: an office
 * talks to a handful of phones' and trunks' addresses, and four system
 * calls per leg were a tenth of a call's cost.  Short-lived, so a changed
 * route or address is seen soon.
 */
#define ROUTE_CACHE_SIZE 32
#define ROUTE_CACHE_MS 5000

struct route_entry {
	struct sockaddr_storage peer;	/* port zeroed: routes go by address */
	struct sockaddr_storage local;
	uint64_t until_ms;
};

static struct route_entry route_cache[ROUTE_CACHE_SIZE];
static unsigned route_next;
static pthread_mutex_t route_lock = PTHREAD_MUTEX_INITIALIZER;

static void without_port(const struct sockaddr *sa, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out, sa, sa_len(sa));
	if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)out)->sin6_port = 0;
	else
		((struct sockaddr_in *)out)->sin_port = 0;
}

static int local_addr_toward(const struct sockaddr *peer, struct sockaddr_storage *out)
{
	struct sockaddr_storage key;
	uint64_t now = ly_now_ms();
	struct route_entry *e;
	int err;

	without_port(peer, &key);
	pthread_mutex_lock(&route_lock);
	for (unsigned i = 0; i < ROUTE_CACHE_SIZE; i++) {
		e = &route_cache[i];
		if (e->until_ms > now && memcmp(&e->peer, &key, sizeof(key)) == 0) {
			*out = e->local;
			pthread_mutex_unlock(&route_lock);
			return 0;
		}
	}
	pthread_mutex_unlock(&route_lock);
	err = route_lookup(peer, out);
	if (err)
		return err;
	pthread_mutex_lock(&route_lock);
	e = &route_cache[route_next++ % ROUTE_CACHE_SIZE];
	e->peer = key;
	e->local = *out;
	e->until_ms = now + ROUTE_CACHE_MS;
	pthread_mutex_unlock(&route_lock);
	return 0;
}

static void copy_codecs(struct sip_media *m, char *const *allow)
{
	const char *const *src = allow && allow[0] ? (const char *const *)allow : default_codecs;
	size_t n = 0;

	while (src[n])
		n++;
	m->codecs = ly_calloc(n + 1, sizeof(*m->codecs));
	for (size_t i = 0; i < n; i++)
		m->codecs[i] = ly_strdup(src[i]);
	m->ncodecs = n;
}

int sip_media_open(struct sip_media *m, const struct sockaddr *peer, char *const *allow, bool symmetric)
{
	struct sockaddr_storage local, bound;
	int err;

	memset(m, 0, sizeof(*m));
	copy_codecs(m, allow);
	m->symmetric = symmetric;
	m->fmt = ly_format_find(m->codecs[0]);
	err = local_addr_toward(peer, &local);
	if (!err)
		err = ly_rtp_new(NULL, peer->sa_family, (const struct sockaddr *)&local, &m->rtp);
	if (!err)
		err = ly_rtp_local_addr(m->rtp, &bound);
	if (err) {
		ly_warning("SIP: cannot open an RTP session: %s", strerror(err));
		sip_media_close(m);
		return err;
	}
	ly_addr_host((const struct sockaddr *)&bound, m->addr, sizeof(m->addr), &m->port);
	ly_rtp_set_symmetric(m->rtp, symmetric);
	return 0;
}

void sip_media_close(struct sip_media *m)
{
	ly_rtp_destroy(m->rtp);
	m->rtp = NULL;
	for (size_t i = 0; i < m->ncodecs; i++)
		free(m->codecs[i]);
	free(m->codecs);
	m->codecs = NULL;
	m->ncodecs = 0;
	explicit_bzero(m->keys, sizeof(m->keys));
	m->nkeys = 0;
}

/* The order we offer suites in: the one every SDES phone has first. */
static const enum ly_srtp_suite suite_order[LY_SRTP_SUITES] = {
	LY_SRTP_AES_CM_128_HMAC_SHA1_80, LY_SRTP_AES_CM_128_HMAC_SHA1_32,
	LY_SRTP_AEAD_AES_128_GCM, LY_SRTP_AEAD_AES_256_GCM,
};

int sip_media_set_srtp(struct sip_media *m, enum sdp_srtp mode)
{
	m->srtp = mode;
	m->nkeys = 0;
	if (mode == SDP_SRTP_NO)
		return 0;
	for (size_t i = 0; i < LY_SRTP_SUITES; i++)
		if (ly_rtp_srtp_keygen(m->rtp, suite_order[i], &m->keys[m->nkeys]) == 0)
			m->nkeys++;
	if (!m->nkeys) {
		ly_warning("SIP: SRTP wanted but the RTP engine has no SRTP suite");
		return ENOTSUP;
	}
	return 0;
}

void sip_media_local(const struct sip_media *m, enum sdp_dir dir, struct sdp_local *out)
{
	*out = (struct sdp_local){
		.addr = m->addr,
		.port = m->port,
		.codecs = (const char *const *)m->codecs,
		.ncodecs = m->ncodecs,
		.dtmf = sip_dtmf_in_sdp(m->dtmfmode),
		.ptime = 20,
		.dir = dir,
		.srtp = m->srtp,
		.keys = m->keys,
		.nkeys = m->nkeys,
	};
}

int sip_media_apply(struct sip_media *m, const struct sdp_result *res)
{
	const struct ly_format *fmt = ly_format_find(res->codec);
	struct sockaddr_storage ss;
	socklen_t len;
	char hostport[96];
	int err;

	if (!fmt)
		return ENOTSUP;
	/* Keys before anything else: no packet may go out in the clear on a
	 * leg that agreed SRTP (and a plain answer turns SRTP off again). */
	err = res->srtp ? ly_rtp_set_crypto(m->rtp, &res->local_key, &res->remote_key)
			: ly_rtp_set_crypto(m->rtp, NULL, NULL);
	if (err)
		return err;
	m->res = *res;
	m->negotiated = true;
	m->fmt = fmt;
	ly_rtp_set_payload(m->rtp, (unsigned)res->pt, fmt);
	ly_rtp_set_rtcp(m->rtp, res->rtcp_mux, res->rtcp_port);
	ly_rtp_set_dtmf(m->rtp, sip_dtmf_rtp_mode(m->dtmfmode, res->dtmf_pt),
			sip_dtmf_in_sdp(m->dtmfmode) ? res->dtmf_pt : -1, res->dtmf_rate);
	/* RFC 3264 §8.4: c=0.0.0.0 (RFC 2543 hold) or port 0 means "send
	 * nothing"; forgetting the remote stops our stream. */
	if (!res->port || !strcmp(res->addr, "0.0.0.0") || !strcmp(res->addr, "::"))
		return ly_rtp_set_remote(m->rtp, NULL);
	snprintf(hostport, sizeof(hostport), res->ipv6 ? "[%s]:%u" : "%s:%u", res->addr, res->port);
	err = sip_addr_parse(hostport, 0, &ss, &len);
	if (!err)
		err = ly_rtp_set_remote(m->rtp, (const struct sockaddr *)&ss);
	return err;
}
