/*
 * modules/chan_sip/sip_endpoint.h - endpoints (phones) at run time: their
 * generated secrets (secret=auto), the digest lookup, and who a request
 * is from.
 */
#ifndef LYRE_SIP_ENDPOINT_H
#define LYRE_SIP_ENDPOINT_H

#include "sip_auth.h"
#include "sip_config.h"
#include "sip_msg.h"

struct sip_db;

/* Length of a generated secret: 24 characters of a 32-letter alphabet,
 * 120 bits from RAND_bytes. */
#define SIP_ENDPOINT_AUTO_SECRET_LEN 24

/*
 * Give every secret=auto endpoint of conf its secret: the one stored in
 * db, or a new random one, stored and printed once as a NOTICE.
 * 0, EIO (storage or RNG failure, logged).
 */
int sip_endpoint_resolve_secrets(struct sip_conf *conf, struct sip_db *db);

/* The decoded user part of a SIP URI into buf; false when it has none
 * or it does not fit. */
bool sip_uri_user(const struct sip_uri *u, char *buf, size_t size);

/* sip_auth_lookup_fn over a struct sip_endpoint_lookup: an endpoint whose
 * ACL refuses the source is an unknown user, so the answer stays the same. */
struct sip_endpoint_lookup {
	const struct sip_conf *conf;
	const struct sockaddr *src;
};
int sip_endpoint_auth_lookup(void *arg, const char *username, const char *realm,
			     struct sip_auth_user *out);

#endif
