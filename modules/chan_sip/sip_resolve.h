/*
 * modules/chan_sip/sip_resolve.h - the addresses of trunks named by DNS,
 * kept up to date in the background (RFC 3263 §4, with sip_dns.h).
 *
 * One entry per trunk whose host is a name.  Each lookup runs on a helper
 * thread of its own (a lookup is rare: at start, at reload and when the
 * answer's TTL runs out), which hands the answer back to the SIP loop with
 * ly_loop_call; the loop never waits for DNS.  The TTL is held between
 * SIP_RESOLVE_TTL_MIN and SIP_RESOLVE_TTL_MAX.  A lookup that fails keeps
 * the last good answer (with a warning) and is retried sooner.
 *
 * Threads: everything but the lookup itself runs on the loop thread.  A
 * helper thread touches only its own job.  It holds the chan_sip module
 * (ly_module_ref) from the moment its answer is queued until the loop has
 * taken it, so the module cannot be unloaded under the queued call;
 * sip_resolver_free joins every helper still looking up, after telling it
 * to drop its answer.
 *
 * Numeric hosts need none of this: sip_resolver_targets answers them from
 * the configuration directly.
 */
#ifndef LYRE_SIP_RESOLVE_H
#define LYRE_SIP_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lyre/loop.h>

#include "sip_config.h"
#include "sip_msg.h"

#define SIP_RESOLVE_TTL_MIN 60		/* s: a shorter TTL would query all the time */
#define SIP_RESOLVE_TTL_MAX 3600	/* s: pick up a provider's changes within the hour */
#define SIP_RESOLVE_RETRY_FIRST 5	/* s: after a failure, doubling up to TTL_MIN */
#define SIP_RESOLVE_MAX_TARGETS 16

struct ly_module;
struct sip_resolver;

enum sip_resolve_state {
	SIP_RESOLVE_PENDING,	/* no answer yet */
	SIP_RESOLVE_OK,
	SIP_RESOLVE_STALE,	/* the last lookup failed; the answer before it is kept */
	SIP_RESOLVE_FAILED,	/* no answer ever */
};
const char *sip_resolve_state_name(enum sip_resolve_state s);

/* The module that helper threads hold while their answer waits (NULL in unit tests). */
void sip_resolver_set_owner(struct ly_module *owner);

struct sip_resolver *sip_resolver_new(struct ly_loop *loop);
void sip_resolver_free(struct sip_resolver *r);

/* Follow conf's trunks (at start and after each reload): look up new
 * names, forget those gone.  A trunk whose name, port and transport did
 * not change keeps its answer. */
void sip_resolver_sync(struct sip_resolver *r, const struct sip_conf *conf);

/* Where to send to trunk t, in the order to try (RFC 3263 §4.3): a
 * numeric host's address, or the name's resolved ones.  Returns the count
 * (0: not resolved); *state (may be NULL) says why. */
size_t sip_resolver_targets(const struct sip_resolver *r, const struct sip_trunk_conf *t,
			    struct sip_msg_src *out, size_t max, enum sip_resolve_state *state);

/* The trunk of conf (named by DNS) that one of whose addresses sa is, or NULL. */
const struct sip_trunk_conf *sip_resolver_trunk_by_addr(const struct sip_resolver *r,
							const struct sip_conf *conf, const struct sockaddr *sa);

/* One entry as `sip show trunks` prints it. */
struct sip_resolve_info {
	const char *trunk, *name;
	enum sip_resolve_state state;
	bool srv;
	const struct sip_msg_src *targets;
	size_t n;
	unsigned next_in;	/* s until the next lookup */
	const char *error;	/* of the last failed lookup, "" when none */
};
/* The entry of trunk `name`: false when there is none (a numeric host). */
bool sip_resolver_info(const struct sip_resolver *r, const char *trunk, struct sip_resolve_info *out);

/* The TTL to use for an answer's ttl: clamped to [TTL_MIN, TTL_MAX]. */
unsigned sip_resolve_ttl_clamp(uint32_t ttl);

#endif
