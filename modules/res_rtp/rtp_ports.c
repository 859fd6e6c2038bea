/* modules/res_rtp/rtp_ports.c - the RTP port pair allocator. */
/*
 * Free even ports wait in a FIFO ring: a session takes the head and a
 * released port joins the tail.  A port is therefore reused only after
 * every other free pair in the range has been handed out, which gives late
 * packets of an ended call (a phone still sending after BYE) the longest
 * possible time to die out before a new call gets that port.  The ring
 * starts at a random place, so a restart does not begin at rtpstart.
 *
 * Invariant: a port of the range is either in the ring or in use, never
 * both; so the ring never overflows.  A reload with a new range keeps the
 * ports in use reserved, and ports outside the new range are not reused.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include <lyre/lyre.h>

#include "res_rtp.h"

static pthread_mutex_t ports_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned range_start, range_last;	/* even ports; last pair starts at range_last */
static uint16_t *ring;
static size_t ring_cap, ring_head, ring_len;
static uint8_t in_use[65536 / 2 / 8];	/* one bit per even port */

static bool used(unsigned port)
{
	return in_use[port / 16] & (1u << (port / 2 % 8));
}

static void set_used(unsigned port, bool on)
{
	if (on)
		in_use[port / 16] |= (uint8_t)(1u << (port / 2 % 8));
	else
		in_use[port / 16] &= (uint8_t)~(1u << (port / 2 % 8));
}

static bool in_range(unsigned port)
{
	return ring_cap && port >= range_start && port <= range_last;
}

static void push(unsigned port)
{
	ring[(ring_head + ring_len) % ring_cap] = (uint16_t)port;
	ring_len++;
}

unsigned rtp_ports_configure(unsigned start, unsigned end)
{
	size_t pairs, first;

	pthread_mutex_lock(&ports_lock);
	range_start = (start + 1) & ~1u;
	range_last = (end - 1) & ~1u;	/* the odd port range_last + 1 <= end */
	pairs = range_last >= range_start ? (range_last - range_start) / 2 + 1 : 0;
	ring = ly_realloc(ring, (pairs ? pairs : 1) * sizeof(*ring));
	ring_cap = pairs;
	ring_head = ring_len = 0;
	first = pairs ? rtp_random32() % pairs : 0;
	for (size_t i = 0; i < pairs; i++) {
		unsigned port = range_start + 2 * (unsigned)((first + i) % pairs);

		if (!used(port))
			push(port);
	}
	pthread_mutex_unlock(&ports_lock);
	return (unsigned)pairs;
}

int rtp_ports_take(unsigned *port)
{
	int err = EADDRINUSE;

	pthread_mutex_lock(&ports_lock);
	if (ring_len) {
		*port = ring[ring_head];
		ring_head = (ring_head + 1) % ring_cap;
		ring_len--;
		set_used(*port, true);
		err = 0;
	}
	pthread_mutex_unlock(&ports_lock);
	return err;
}

void rtp_ports_give(unsigned port)
{
	pthread_mutex_lock(&ports_lock);
	if (used(port)) {
		set_used(port, false);
		if (in_range(port))
			push(port);
	}
	pthread_mutex_unlock(&ports_lock);
}

unsigned rtp_ports_free_pairs(void)
{
	unsigned n;

	pthread_mutex_lock(&ports_lock);
	n = (unsigned)ring_len;
	pthread_mutex_unlock(&ports_lock);
	return n;
}

void rtp_ports_shutdown(void)
{
	pthread_mutex_lock(&ports_lock);
	free(ring);
	ring = NULL;
	ring_cap = ring_head = ring_len = 0;
	pthread_mutex_unlock(&ports_lock);
}
