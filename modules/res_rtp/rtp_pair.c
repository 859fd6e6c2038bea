/* modules/res_rtp/rtp_pair.c - port pairs: bound RTP/RTCP sockets, and released ones kept open for the next session. */
/*
 * Opening a pair is ten system calls (socket, option, bind, epoll_ctl for
 * each socket, and a close each at the end); at thousands of calls a
 * second, with two pairs per call, that was the largest single cost left
 * in the media path.  So a pair whose session ended is parked instead of
 * closed: its sockets stay bound and in their worker's epoll set, packets
 * still arriving on them are read and dropped (late media of the ended
 * call), and after `portreuse` ms (rtp.conf, default 500) the next session
 * created on that worker may take it as it is.
 *
 * Parking is bounded three ways: by count (a quarter of the port range,
 * a share of the open-file limit, and PARK_MAX; and none at all while the
 * pairs open in all, serving and parked, fill half the files we may
 * open: a burst of calls gets the files the park held), by time (a pair parked
 * PARK_KEEP_MS is closed and its port goes back to the free queue) and by
 * configuration (portreuse = 0 turns it off; a reload with another port
 * range retires every parked pair of the old one).  When the free queue
 * is empty, a session takes a parked pair however recently it was parked
 * rather than fail.
 *
 * A parked pair's sockets keep their epoll registration, which points at
 * the pair (rtp_pair.sock), never at a session: sock[k].session is the
 * session served now, NULL while parked.  Only the worker owning the pair
 * parks it and closes it; a session being created takes it off the queue
 * under the park lock and then publishes itself in sock[k].session.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <lyre/lyre.h>

#include "res_rtp.h"

#define BIND_ATTEMPTS 64	/* ports tried when another program holds some of ours */
#define PARK_MAX 4096		/* pairs parked in all, at most */
#define PARK_KEEP_MS 5000	/* a pair parked this long is closed */
#define FD_RESERVE 1024		/* open files parking never counts on */
#define TAKE_SCAN 8		/* parked pairs looked at for a family/address match */

static atomic_size_t park_cap;		/* pairs; 0: parking is off */
static atomic_size_t parked;		/* pairs parked now, every worker */
static atomic_size_t open_pairs;	/* bound and not closed: serving or parked */
static atomic_size_t open_budget;	/* parking only while open_pairs stays below */
static atomic_uint reuse_ms;
static atomic_uint generation;		/* bumped by a new port range */
static atomic_uint_fast64_t packets_dropped;	/* arrived on a parked pair */

/* ---- binding ---- */

static void addr_set_port(struct sockaddr_storage *ss, unsigned port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
}

/* The address a pair binds to, port 0: bind_addr, or the family's any. */
static void bind_address(int family, const struct sockaddr *bind_addr, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)family;
	if (bind_addr)
		memcpy(ss, bind_addr, rtp_addr_len(bind_addr));
	addr_set_port(ss, 0);
}

static int bind_one(const struct sockaddr_storage *addr, unsigned port, int *fd)
{
	struct sockaddr_storage ss = *addr;
	int family = ss.ss_family, one = 1, probe = IP_PMTUDISC_PROBE;

	addr_set_port(&ss, port);
	*fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (*fd < 0)
		return errno;
	/* One family per socket: an IPv6 session never sees mapped IPv4. */
	if (family == AF_INET6 &&
	    setsockopt(*fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		return errno;
	/* DF on, path MTU ignored: media packets are far below any MTU, and
	 * a DF datagram takes IP ID 0 (RFC 6864 §4.1: the ID only matters
	 * for fragments) instead of Linux's shared ID generator, an atomic
	 * on a hashed table for every packet sent - 1 % of a playback worker
	 * at thousands of streams.  Best effort: nothing depends on it. */
	if (family == AF_INET)
		(void)setsockopt(*fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof(probe));
	if (bind(*fd, (struct sockaddr *)&ss, rtp_addr_len((struct sockaddr *)&ss)) < 0)
		return errno;
	return 0;
}

static void close_fds(struct rtp_pair *p)
{
	for (int k = 0; k < 2; k++) {
		if (p->sock[k].fd >= 0)
			close(p->sock[k].fd);
		p->sock[k].fd = -1;
	}
}

/* RTP on an even port, RTCP on the odd one above. */
int rtp_pair_bind(int family, const struct sockaddr *bind_addr, struct rtp_pair **out)
{
	struct rtp_pair *p = ly_calloc(1, sizeof(*p));
	int err = EADDRINUSE;

	p->sock[0] = (struct rtp_sock){ .fd = -1 };
	p->sock[1] = (struct rtp_sock){ .fd = -1, .rtcp = true };
	p->family = family;
	p->generation = atomic_load(&generation);
	bind_address(family, bind_addr, &p->local);
	for (int i = 0; i < BIND_ATTEMPTS && err == EADDRINUSE; i++) {
		if (rtp_ports_take(&p->port))
			break;
		err = bind_one(&p->local, p->port, &p->sock[0].fd);
		if (!err)
			err = bind_one(&p->local, p->port + 1, &p->sock[1].fd);
		if (err) {
			close_fds(p);
			rtp_ports_give(p->port);	/* to the tail: tried last */
			p->port = 0;
		}
	}
	if (err) {
		free(p);
		return err;
	}
	addr_set_port(&p->local, p->port);
	atomic_fetch_add(&open_pairs, 1);
	*out = p;
	return 0;
}

void rtp_pair_close(struct rtp_pair *p)
{
	if (!p)
		return;
	close_fds(p);
	if (p->port)
		rtp_ports_give(p->port);
	free(p);
	atomic_fetch_sub(&open_pairs, 1);
}

/* ---- parking ---- */

void rtp_park_configure(unsigned port_pairs, unsigned reuse_after_ms)
{
	struct rlimit rl;
	size_t cap = port_pairs / 4, spare = 0;

	/* Files above the reserve, two per pair.  Pairs open, serving and
	 * parked, may hold half of them before parking stops; a session that
	 * finds no file free takes a parked pair at once (rtp_worker_pair).
	 * A quarter was too few: at 3,000 calls/s (6,000 pairs a second,
	 * each parked `portreuse` ms) with 20,000 files, a quarter of the
	 * pairs were opened and closed again instead of reused. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > FD_RESERVE)
		spare = (rl.rlim_cur == RLIM_INFINITY ? PARK_MAX * 8 : rl.rlim_cur - FD_RESERVE) / 2;
	if (cap > spare / 2)
		cap = spare / 2;
	if (cap > PARK_MAX)
		cap = PARK_MAX;
	atomic_store(&open_budget, spare / 2);
	atomic_store(&park_cap, reuse_after_ms ? cap : 0);
	atomic_store(&reuse_ms, reuse_after_ms);
	atomic_fetch_add(&generation, 1);
}

void rtp_park_init(struct rtp_park *pk)
{
	pthread_mutex_init(&pk->lock, NULL);
	pk->head = pk->tail = NULL;
	pk->n = 0;
}

void rtp_park_destroy(struct rtp_park *pk)
{
	pthread_mutex_destroy(&pk->lock);
}

bool rtp_park_put(struct rtp_park *pk, struct rtp_pair *p, uint64_t now_ms)
{
	size_t n = atomic_load(&parked);

	/* A pair of an older port range is never reused: close it. */
	if (p->generation != atomic_load(&generation))
		return false;
	if (atomic_load(&open_pairs) >= atomic_load(&open_budget))
		return false;
	do {
		if (n >= atomic_load(&park_cap))
			return false;
	} while (!atomic_compare_exchange_weak(&parked, &n, n + 1));
	atomic_store(&p->sock[0].session, NULL);
	atomic_store(&p->sock[1].session, NULL);
	p->parked_ms = now_ms;
	p->next = NULL;
	pthread_mutex_lock(&pk->lock);
	if (pk->tail)
		pk->tail->next = p;
	else
		pk->head = p;
	pk->tail = p;
	pk->n++;
	pthread_mutex_unlock(&pk->lock);
	return true;
}

/* p is bound where want (port 0, from bind_address) says. */
static bool same_bind(const struct rtp_pair *p, const struct sockaddr_storage *want)
{
	struct sockaddr_storage have = p->local;

	addr_set_port(&have, 0);
	return rtp_addr_equal(want, &have);
}

/* pk->lock held: unlink p, which follows prev (NULL: the head). */
static void unlink_locked(struct rtp_park *pk, struct rtp_pair *prev, struct rtp_pair *p)
{
	if (prev)
		prev->next = p->next;
	else
		pk->head = p->next;
	if (pk->tail == p)
		pk->tail = prev;
	p->next = NULL;
	pk->n--;
	atomic_fetch_sub(&parked, 1);
}

struct rtp_pair *rtp_park_take(struct rtp_park *pk, int family, const struct sockaddr *bind_addr,
			       uint64_t now_ms, bool any_age)
{
	uint64_t quarantine = atomic_load(&reuse_ms);
	unsigned gen = atomic_load(&generation);
	struct rtp_pair *p, *prev = NULL;
	struct sockaddr_storage want;
	int looked = 0;

	bind_address(family, bind_addr, &want);
	pthread_mutex_lock(&pk->lock);
	/* Oldest first: the queue is in parking order. */
	for (p = pk->head; p && looked < TAKE_SCAN; prev = p, p = p->next, looked++) {
		if (!any_age && now_ms < p->parked_ms + quarantine) {
			p = NULL;
			break;
		}
		if (p->generation == gen && p->family == family && same_bind(p, &want)) {
			unlink_locked(pk, prev, p);
			break;
		}
	}
	if (looked == TAKE_SCAN)
		p = NULL;
	pthread_mutex_unlock(&pk->lock);
	return p;
}

struct rtp_pair *rtp_park_expired(struct rtp_park *pk, uint64_t now_ms, bool all)
{
	struct rtp_pair *list = NULL, **end = &list;
	unsigned gen = atomic_load(&generation);

	pthread_mutex_lock(&pk->lock);
	while (pk->head && (all || pk->head->generation != gen ||
			    now_ms >= pk->head->parked_ms + PARK_KEEP_MS)) {
		struct rtp_pair *p = pk->head;

		unlink_locked(pk, NULL, p);
		*end = p;
		end = &p->next;
	}
	pthread_mutex_unlock(&pk->lock);
	return list;
}

size_t rtp_park_count(struct rtp_park *pk)
{
	size_t n;

	pthread_mutex_lock(&pk->lock);
	n = pk->n;
	pthread_mutex_unlock(&pk->lock);
	return n;
}

void rtp_park_dropped(void)
{
	atomic_fetch_add_explicit(&packets_dropped, 1, memory_order_relaxed);
}

void rtp_park_stats(struct rtp_park_stats *out)
{
	out->parked = atomic_load(&parked);
	out->capacity = atomic_load(&park_cap);
	out->reuse_ms = atomic_load(&reuse_ms);
	out->dropped = atomic_load(&packets_dropped);
}
