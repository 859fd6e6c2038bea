/*
 * modules/chan_sip/sip_registrar.h - the registrar (RFC 3261 §10.3).
 *
 * Each endpoint is an address-of-record (its name); its bindings are kept
 * in memory, expire on time through the scheduler, and are written behind
 * to SQLite (sip_registrar_db.h): changes are batched into one transaction
 * at most SIP_REG_FLUSH_MS after they happen, and at shutdown, so the hot
 * path of a REGISTER never waits on the disk.  Restored at start.
 *
 * Rules (Asterisk's res_pjsip behaviour where RFC 3261 leaves a choice):
 *   - digest auth as the endpoint named by To; credentials for another
 *     endpoint get 403;
 *   - a contact's expiry is its expires parameter, else Expires, else
 *     default_expiry; above max_expiry it is lowered; 1..min_expiry-1 gets
 *     423 with Min-Expires (§10.3 step 7);
 *   - "Contact: *" needs Expires: 0 and no other contact (400 otherwise)
 *     and removes every binding; Expires 0 removes one;
 *   - a refresh from the same Call-ID with a CSeq not higher is refused
 *     (400, §10.3 step 7: "the update MUST be aborted");
 *   - more than max_contacts bindings: the oldest are replaced, as
 *     Asterisk's remove_existing=yes (a phone that re-registers from a new
 *     address after a crash must not be locked out);
 *   - 200 lists every binding with its remaining expires, plus Date.
 */
#ifndef LYRE_SIP_REGISTRAR_H
#define LYRE_SIP_REGISTRAR_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "sip_core.h"

#define SIP_REG_FLUSH_MS 200

enum sip_reach { SIP_REACH_UNKNOWN, SIP_REACH_REACHABLE, SIP_REACH_UNREACHABLE };

/* One binding, read-only outside the registrar (qualify writes the reach fields). */
struct sip_binding {
	const char *aor;
	char *uri;		/* the Contact URI as registered */
	char *call_id;
	uint32_t cseq;
	time_t expires_at;	/* wall clock */
	struct sip_msg_src src;	/* where the REGISTER came from */
	char *user_agent;
	uint64_t order;		/* registration order: the oldest is replaced first */
	/* qualify (sip_options.c) */
	enum sip_reach reach;
	unsigned rtt_ms;
	uint64_t next_qualify_ms;
	struct sip_txn *qualify_txn;
	uint64_t qualify_sent_ms;
	/* private */
	uint64_t timer;
	struct sip_binding *next;
	struct sip_aor_rec *owner;
};

struct sip_registrar *sip_registrar_new(struct sip_core *core);
/* Writes pending changes, frees every binding. */
void sip_registrar_free(struct sip_registrar *reg);
/* Load the stored bindings that have not expired. */
int sip_registrar_restore(struct sip_registrar *reg);
/* Write pending changes now. */
void sip_registrar_flush(struct sip_registrar *reg);

/* Handle a REGISTER server transaction. */
void sip_registrar_handle(struct sip_registrar *reg, struct sip_txn *st, struct sip_msg *req);

/* Visit bindings (aor NULL: every AOR), in AOR order. */
void sip_registrar_foreach(struct sip_registrar *reg, const char *aor,
			   void (*fn)(struct sip_binding *b, void *arg), void *arg);
unsigned sip_registrar_count(struct sip_registrar *reg, const char *aor);

/* Where to reach a binding (rewrite_contact / force_rport: its source;
 * an endpoint's transport= always decides the protocol). */
void sip_binding_dest(const struct sip_binding *b, const struct sip_endpoint_conf *ep,
		      struct sip_msg_src *dst);

#endif
