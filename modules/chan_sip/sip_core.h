/*
 * modules/chan_sip/sip_core.h - the running SIP stack of the chan_sip
 * module: transports → transaction layer → request dispatch.
 *
 * One struct sip_core ties together the transport manager, the
 * transaction table (which sends through an adapter onto
 * sip_tp_send_request / sip_tp_send_response), the digest server, the
 * registrar and qualify, and the configuration in force.  Everything runs
 * on one event loop thread (the daemon's main loop); `sip set debug` logs
 * every message received and sent there.
 *
 * Requests outside any transaction are dispatched here (RFC 3261 §8.2 in
 * order: 416 for a non-SIP Request-URI, 501 + Allow for an unknown method,
 * 420 for an unsupported Require, 415 for a body we cannot read, then the
 * method): REGISTER to the registrar, OPTIONS to sip_options, SUBSCRIBE
 * to sip_subscribe (initial and in-dialog alike), INVITE
 * authenticated (or matched to a trunk by its source address) and handed
 * to the call layer's hook.  Until the call layer sets that hook, an
 * authenticated INVITE is answered 480 Temporarily Unavailable.
 */
#ifndef LYRE_SIP_CORE_H
#define LYRE_SIP_CORE_H

#include <stdbool.h>
#include <sys/socket.h>

#include <lyre/loop.h>

#include "sip_auth.h"
#include "sip_config.h"
#include "sip_transport.h"
#include "sip_txn.h"

struct sip_core;
struct sip_registrar;
struct sip_options;
struct sip_outreg;
struct sip_resolver;
struct sip_db;
struct sip_subs;

/* Methods Lyre answers, for Allow headers (§20.5). */
#define SIP_CORE_ALLOW "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, SUBSCRIBE"
/* Bodies Lyre reads (§20.1). */
#define SIP_CORE_ACCEPT "application/sdp"

/*
 * What the call layer (dialogs and the channel technology) plugs in.
 * Each returns true when it took the request (it then answers st itself).
 *   invite:  a new INVITE, already authenticated as endpoint `ep`, or from
 *            trunk `trunk` (exactly one is set)
 *   request: any other request this file does not handle (BYE, in-dialog
 *            requests, INFO, REFER ...), called before the 481/405 default
 */
struct sip_call_hooks {
	bool (*invite)(struct sip_core *core, struct sip_txn *st, struct sip_msg *req,
		       const struct sip_endpoint_conf *ep, const struct sip_trunk_conf *trunk, void *arg);
	bool (*request)(struct sip_core *core, struct sip_txn *st, struct sip_msg *req, void *arg);
	void *arg;
	/* The ACK of a 2xx (st: the INVITE server transaction it matched, or
	 * NULL); without this hook such an ACK goes to `request` with st NULL. */
	void (*ack)(struct sip_core *core, struct sip_msg *ack, struct sip_txn *st, void *arg);
	/* A response matching no client transaction (a retransmitted 2xx). */
	void (*stray)(struct sip_core *core, struct sip_msg *resp, void *arg);
};

/*
 * Start the stack on `loop` with conf (taken, also on failure), keeping
 * its state in statedir: bind every transport, open the registrations
 * database and restore the bindings that have not expired.  0 or an errno
 * value (logged).
 */
int sip_core_start(struct ly_loop *loop, struct sip_conf *conf, const char *statedir,
		   struct sip_core **out);
/*
 * Apply a new configuration (taken, also on failure).  Transports that did
 * not change stay bound; new ones are bound; on failure the running
 * configuration is kept.  0 or an errno value.
 */
int sip_core_reconfigure(struct sip_core *core, struct sip_conf *conf, char *err, size_t errlen);
/* Flush the registrations, close everything. */
void sip_core_stop(struct sip_core *core);

/* The module's running stack (NULL when chan_sip is not loaded). */
struct sip_core *sip_core_running(void);
void sip_core_set_running(struct sip_core *core);

void sip_core_set_call_hooks(struct sip_core *core, const struct sip_call_hooks *hooks);
/* The transport the transaction layer sends through (for a dialog table's ACKs). */
void sip_core_txn_transport(struct sip_core *core, struct sip_txn_transport *out);

/* Accessors for the layers above. */
const struct sip_conf *sip_core_conf(const struct sip_core *core);
struct ly_sched *sip_core_sched(const struct sip_core *core);
struct sip_tpmgr *sip_core_tpmgr(const struct sip_core *core);
struct sip_txn_table *sip_core_txns(const struct sip_core *core);
struct sip_auth_server *sip_core_auth(const struct sip_core *core);
struct sip_registrar *sip_core_registrar(const struct sip_core *core);
struct sip_options *sip_core_options(const struct sip_core *core);
struct sip_db *sip_core_db(const struct sip_core *core);
struct sip_outreg *sip_core_outreg(const struct sip_core *core);
struct sip_resolver *sip_core_resolver(const struct sip_core *core);
struct sip_subs *sip_core_subs(const struct sip_core *core);	/* message-summary subscriptions */

/* A transport as bound, for `sip show transports`. */
struct sip_core_tp_info {
	const char *name;
	enum sip_proto proto;
	const char *bind;	/* as configured */
	const char *sentby;	/* as bound, with the real port */
	bool in_config;		/* false: removed from sip.conf, still bound until restart */
};
void sip_core_foreach_transport(const struct sip_core *core,
				void (*fn)(const struct sip_core_tp_info *tp, void *arg), void *arg);

/*
 * Authenticate a request (401 challenge per RFC 3261 §22 / RFC 7616) as
 * the endpoint named by its credentials.  Returns the endpoint, or NULL
 * when a challenge was sent on st.  `aor_hint` (the To or From user, may
 * be NULL) only picks the digest algorithms to offer.
 */
const struct sip_endpoint_conf *sip_core_authenticate(struct sip_core *core, struct sip_txn *st,
							const struct sip_msg *req, const char *aor_hint);

/* Reply with a few extra headers ("Name", "value", ..., NULL); 0 or errno. */
int sip_core_reply(struct sip_core *core, struct sip_txn *st, int code, const char *reason, ...);
/* Add Server (the configured useragent) to a response we build. */
void sip_core_add_server(const struct sip_core *core, struct sip_msg *resp);

/* `sip set debug`: off, on for every peer, or only for one address (port 0: any port). */
void sip_core_set_debug(struct sip_core *core, bool on, const struct sockaddr *only, socklen_t len);
bool sip_core_debug(const struct sip_core *core, char *only, size_t size);

/* The source of a message, "1.2.3.4:5060". */
void sip_core_src_print(const struct sip_msg_src *src, char *buf, size_t size);

#endif
