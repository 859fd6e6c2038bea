/* modules/res_rtp/rtp_session.c - RTP sessions: ports, sockets, settings, relay pairing. */
/*
 * A session's life: its port pair and sockets, its worker, what signalling
 * sets (remote address, payload types, symmetric RTP, channel), relay
 * pairing and the CLI's view.  What happens to packets is rtp_media.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lyre/lyre.h>

#include "res_rtp.h"
#include "rtp_dtmf.h"
#include "rtp_rtcp_io.h"
#include "rtp_session_int.h"

static pthread_mutex_t pair_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rtp_session *sessions;
static unsigned nsessions;

/* ---- addresses ---- */

socklen_t rtp_addr_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

bool rtp_addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

	return x->sin6_port == y->sin6_port &&
	       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
}

/* Where our packets go now; NULL when nowhere. */
const struct sockaddr_storage *rtp_session_destination(const struct rtp_session *s)
{
	if (s->symmetric && s->have_source)
		return &s->source;
	return s->have_remote ? &s->remote : NULL;
}

/* ---- creation and the end ---- */

static void session_destroy(void *obj)
{
	struct rtp_session *s = obj;

	rtp_pair_close(s->pair);	/* unless its worker parked it */
	rtp_dtmf_free(s);
	rtp_jb_free(s);
	rtp_srtp_free(s->srtp);
	rtp_rtcp_detach(s);
	pthread_mutex_destroy(&s->lock);
}

static void list_add(struct rtp_session *s)
{
	pthread_mutex_lock(&list_lock);
	s->next = sessions;
	if (sessions)
		sessions->prev = s;
	sessions = s;
	nsessions++;
	pthread_mutex_unlock(&list_lock);
}

static void list_remove(struct rtp_session *s)
{
	pthread_mutex_lock(&list_lock);
	if (s->prev)
		s->prev->next = s->next;
	else
		sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
	nsessions--;
	pthread_mutex_unlock(&list_lock);
}

/* The session's copy of what it sends on and reports. */
static void use_pair(struct rtp_session *s, struct rtp_pair *p)
{
	s->pair = p;
	s->rtp_fd = p->sock[0].fd;
	s->rtcp_fd = p->sock[1].fd;
	s->port = p->port;
	s->local = p->local;
}

int rtp_session_create(int family, const struct sockaddr *bind_addr, struct rtp_session **out)
{
	struct rtp_session *s = ly_obj_alloc(sizeof(*s), session_destroy);
	struct rtp_settings cfg;
	struct rtp_pair *p = NULL;
	int err;

	pthread_mutex_init(&s->lock, NULL);
	s->rtp_fd = s->rtcp_fd = -1;
	s->family = family;
	rtp_settings_get(&cfg);
	s->strict = cfg.strict;
	s->probation = cfg.probation;
	s->jb_max_ms = cfg.jb_enable ? cfg.jb_max_ms : 0;
	rtp_out_init(&s->out);
	s->stats.rtt_us = -1;
	err = rtp_rtcp_attach(s);
	if (!err)
		err = rtp_worker_pair(family, bind_addr, &s->worker, &p);
	if (!err) {
		use_pair(s, p);
		err = rtp_worker_add(s->worker, s, p);
		if (!err)
			rtp_rtcp_start(s);
	}
	if (err) {
		ly_warning("No RTP session: %s", strerror(err));
		ly_unref(s);
		return err;
	}
	list_add(s);
	ly_debug(2, "RTP session on port %u", s->port);
	*out = s;
	return 0;
}

/* Break a relay pairing from s's side and the peer's.  pair_lock held. */
static void unpair(struct rtp_session *s)
{
	struct rtp_session *peer, *back = NULL;

	pthread_mutex_lock(&s->lock);
	peer = s->peer;
	s->peer = NULL;
	pthread_mutex_unlock(&s->lock);
	if (!peer)
		return;
	pthread_mutex_lock(&peer->lock);
	if (peer->peer == s) {
		back = peer->peer;
		peer->peer = NULL;
	}
	pthread_mutex_unlock(&peer->lock);
	ly_unref(back);
	ly_unref(peer);
}

void rtp_session_close(struct rtp_session *s)
{
	struct ly_channel *chan;

	pthread_mutex_lock(&pair_lock);
	unpair(s);
	pthread_mutex_unlock(&pair_lock);
	rtp_session_set_generator(s, NULL, NULL);
	/* Every tick ends here, the jitter buffer's too; none runs after this. */
	rtp_worker_tick(s->worker, s, false);
	pthread_mutex_lock(&s->lock);
	rtp_rtcp_bye_locked(s);
	s->closed = true;
	rtp_rtcp_stop_locked(s);
	chan = s->chan;
	s->chan = NULL;
	pthread_mutex_unlock(&s->lock);
	ly_unref(chan);
	list_remove(s);
	rtp_worker_remove(s->worker, s);	/* takes the driver's reference */
}

/* ---- settings from the driver ---- */

/* What bind was given, which is what getsockname would say (the port is
 * always explicit, and an unconnected UDP socket keeps a wildcard
 * address): one system call less per leg. */
int rtp_session_local(struct rtp_session *s, struct sockaddr_storage *out)
{
	if (s->rtp_fd < 0)
		return EBADF;
	*out = s->local;
	return 0;
}

static void restart_learning(struct rtp_session *s)
{
	s->have_source = false;
	s->cand_count = 0;
}

int rtp_session_set_remote(struct rtp_session *s, const struct sockaddr *addr)
{
	struct sockaddr_storage ss = { 0 };

	if (addr && addr->sa_family != s->family)
		return EAFNOSUPPORT;	/* an IPv4 session cannot send to IPv6 */
	if (addr)
		memcpy(&ss, addr, rtp_addr_len(addr));
	pthread_mutex_lock(&s->lock);
	if (!addr) {
		s->have_remote = false;
		restart_learning(s);
	} else if (!s->have_remote || !rtp_addr_equal(&ss, &s->remote)) {
		/* A new address from signalling is the one event that may move
		 * a locked source (see the rule at the top). */
		s->remote = ss;
		s->have_remote = true;
		restart_learning(s);
	}
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int rtp_session_remote(struct rtp_session *s, struct sockaddr_storage *out)
{
	const struct sockaddr_storage *dest;
	int err = ENOTCONN;

	pthread_mutex_lock(&s->lock);
	dest = rtp_session_destination(s);
	if (dest) {
		*out = *dest;
		err = 0;
	}
	pthread_mutex_unlock(&s->lock);
	return err;
}

int rtp_session_set_payload(struct rtp_session *s, unsigned pt, const struct ly_format *fmt)
{
	if (pt > 127 || !rtp_pt_acceptable(pt))
		return EINVAL;
	pthread_mutex_lock(&s->lock);
	s->pt_fmt[pt] = fmt;
	s->cached_fmt = NULL;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int rtp_session_set_symmetric(struct rtp_session *s, bool on)
{
	pthread_mutex_lock(&s->lock);
	s->symmetric = on;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int rtp_session_set_channel(struct rtp_session *s, struct ly_channel *chan)
{
	struct ly_channel *old;

	pthread_mutex_lock(&s->lock);
	old = s->chan;
	s->chan = s->closed ? NULL : ly_ref(chan);
	pthread_mutex_unlock(&s->lock);
	ly_unref(old);
	return 0;
}

/* The counters the tick updates live in the session's hot lines. */
static void stats_locked(struct rtp_session *s, struct ly_rtp_stats *out)
{
	*out = s->stats;
	out->packets_out = s->packets_out;
	out->bytes_out = s->bytes_out;
	out->ssrc_out = s->out.ssrc;
	rtp_rtcp_stats_locked(s, out);
}

int rtp_session_stats(struct rtp_session *s, struct ly_rtp_stats *out)
{
	pthread_mutex_lock(&s->lock);
	stats_locked(s, out);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int rtp_session_set_crypto(struct rtp_session *s, const struct ly_srtp_key *local,
			   const struct ly_srtp_key *remote)
{
	int err;

	pthread_mutex_lock(&s->lock);
	err = rtp_srtp_set(&s->srtp, local, remote);
	pthread_mutex_unlock(&s->lock);
	if (!err)
		ly_debug(2, "RTP port %u: %s", s->port,
			 local ? ly_srtp_suite_name(local->suite) : "plain RTP");
	return err;
}

/* ---- relay pairing ---- */

int rtp_session_relay(struct rtp_session *a, struct rtp_session *b)
{
	bool closed;

	pthread_mutex_lock(&pair_lock);
	unpair(a);
	unpair(b);
	pthread_mutex_lock(&a->lock);
	closed = a->closed;
	pthread_mutex_unlock(&a->lock);
	pthread_mutex_lock(&b->lock);
	closed = closed || b->closed;
	if (!closed)
		b->peer = ly_ref(a);
	pthread_mutex_unlock(&b->lock);
	if (!closed) {
		pthread_mutex_lock(&a->lock);
		a->peer = ly_ref(b);
		pthread_mutex_unlock(&a->lock);
	}
	pthread_mutex_unlock(&pair_lock);
	return closed ? EPIPE : 0;
}

int rtp_session_unrelay(struct rtp_session *s)
{
	pthread_mutex_lock(&pair_lock);
	unpair(s);
	pthread_mutex_unlock(&pair_lock);
	return 0;
}

/* ---- the CLI's view ---- */

void rtp_session_foreach(void (*fn)(const struct rtp_session_view *v, void *arg), void *arg)
{
	pthread_mutex_lock(&list_lock);
	for (struct rtp_session *s = sessions; s; s = s->next) {
		struct rtp_session_view v = { .port = s->port };
		const struct sockaddr_storage *dest;
		struct sockaddr_storage local;

		if (rtp_session_local(s, &local) == 0)
			ly_addr_print((const struct sockaddr *)&local, v.local, sizeof(v.local));
		else
			snprintf(v.local, sizeof(v.local), "-");
		pthread_mutex_lock(&s->lock);
		dest = rtp_session_destination(s);
		if (dest)
			ly_addr_print((const struct sockaddr *)dest, v.remote, sizeof(v.remote));
		else
			snprintf(v.remote, sizeof(v.remote), "-");
		v.relayed = s->peer != NULL;
		v.symmetric = s->symmetric;
		v.srtp = rtp_srtp_suite(s->srtp);
		stats_locked(s, &v.stats);
		pthread_mutex_unlock(&s->lock);
		fn(&v, arg);
	}
	pthread_mutex_unlock(&list_lock);
}

unsigned rtp_session_count(void)
{
	unsigned n;

	pthread_mutex_lock(&list_lock);
	n = nsessions;
	pthread_mutex_unlock(&list_lock);
	return n;
}
