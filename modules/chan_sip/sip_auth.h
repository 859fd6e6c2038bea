/*
 * modules/chan_sip/sip_auth.h - HTTP digest authentication for SIP
 * (RFC 3261 §22, RFC 7616, RFC 8760: MD5 and SHA-256, qop=auth).
 *
 * Everything here works on header VALUE strings ("Digest realm=...") and
 * leaves finding the header fields in a message to the message layer.
 * Three parts:
 *
 *   Server (registrar, INVITE handling).  sip_auth_check() takes the
 *   Authorization (or Proxy-Authorization) values of a request and answers
 *   "accept" or "send this 401/407 with these challenge values".  Nonces are
 *   stateless: a nonce carries its creation time and a serial number, sealed
 *   by HMAC-SHA256 under a secret drawn at start, so its authenticity and
 *   age are checked without a table; only the last nonce-count per nonce is
 *   remembered, in a bounded cache, to refuse replays.
 *
 *   Extension hiding.  A request from an unknown user and one with a wrong
 *   password get the same answer: 401 (407 with `proxy`) carrying a fresh
 *   challenge of the same shape, stale=false.  This is what Asterisk's
 *   chan_sip does with alwaysauthreject=yes (transmit_fake_auth_response:
 *   "we have to emulate EXACTLY what we'd get with a good peer and a bad
 *   password"), and what res_pjsip does for an unknown endpoint.  A 403
 *   after a wrong password would be just as safe if unknown users also got
 *   it, but a re-challenge lets a phone whose password was fixed on the
 *   server retry without a new transaction, and sipvicious' svwar reports
 *   "nothing found" against it.  For an unknown user the full hash work is
 *   still done against a dummy secret, so timing does not tell either.
 *
 *   Client (outbound REGISTER to a trunk, 401/407 on outbound INVITE).
 *   struct sip_auth_client answers a challenge with the strongest algorithm
 *   offered, retries silently on stale=true, and gives up (EACCES) when the
 *   server rejects the credentials themselves.
 *
 * Error convention: int functions return 0 or a positive errno value.
 * Thread safety: a sip_auth_server may be used from several threads (its
 * replay cache has a lock); a sip_auth_client belongs to one dialog or
 * registration and is used by one thread at a time.
 */
#ifndef LYRE_SIP_AUTH_H
#define LYRE_SIP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Digest algorithms (RFC 8760 §2), as bit flags so a set can be configured. */
enum sip_auth_algo {
	SIP_AUTH_MD5 = 1u << 0,
	SIP_AUTH_SHA256 = 1u << 1,
};
#define SIP_AUTH_ALGOS_ALL (SIP_AUTH_SHA256 | SIP_AUTH_MD5)

/* A digest in lowercase hex, NUL included (SHA-256 is the longest). */
#define SIP_AUTH_HEX_SIZE 65

/* Seconds a nonce stays fresh unless configured otherwise. */
#define SIP_AUTH_DEFAULT_LIFETIME 30
/* Nonces whose last nonce-count is remembered, unless configured otherwise. */
#define SIP_AUTH_DEFAULT_REPLAY_SLOTS 65536

/* "MD5" or "SHA-256". */
const char *sip_auth_algo_name(enum sip_auth_algo algo);
/* Parse an algorithm name (case-insensitive); NULL or "" is MD5, as
 * RFC 7616 §3.3 says for an absent algorithm.  ENOTSUP for others
 * (MD5-sess, SHA-512-256, ...). */
int sip_auth_algo_parse(const char *name, enum sip_auth_algo *out);

/* ---- Parsing a challenge or credentials value ---- */

/*
 * The parameters of one "Digest ..." value, unescaped.  Absent ones are
 * NULL.  Parameter names are case-insensitive and may come in any order;
 * values may be tokens or quoted strings (with \-escapes) whatever the
 * RFC's grammar prefers, since clients differ (qop="auth", algorithm="MD5").
 * Unknown parameters are ignored; a parameter given twice makes the whole
 * value invalid, since the two readers of a message could disagree on it.
 */
struct sip_digest {
	char *store;		/* owns the strings below */
	const char *username;
	const char *realm;
	const char *nonce;
	const char *uri;
	const char *response;
	const char *algorithm;
	const char *cnonce;
	const char *opaque;
	const char *qop;	/* credentials: one token; challenge: a list */
	const char *nc;
	const char *stale;
	const char *domain;
};

/* Parse a WWW-Authenticate / Authorization value (or the Proxy- ones).
 * EINVAL when malformed, ENOTSUP when the scheme is not Digest.  On
 * success free it with sip_digest_free(); on failure nothing is held. */
int sip_digest_parse(const char *value, struct sip_digest *out);
void sip_digest_free(struct sip_digest *d);

/* ---- The digest computation (RFC 7616 §3.4.1-§3.4.3) ---- */

/* HA1 = H(username ":" realm ":" secret), in hex. */
void sip_auth_ha1(enum sip_auth_algo algo, const char *username, const char *realm,
		  const char *secret, char out[SIP_AUTH_HEX_SIZE]);
/* The request-digest for qop=auth, or RFC 2069's when qop is NULL (then
 * nc and cnonce are not used): KD(HA1, nonce:nc:cnonce:qop:HA2) with
 * HA2 = H(method ":" uri). */
void sip_auth_response(enum sip_auth_algo algo, const char *ha1, const char *nonce,
		       const char *nc, const char *cnonce, const char *qop,
		       const char *method, const char *uri, char out[SIP_AUTH_HEX_SIZE]);

/* ---- Server ---- */

struct sip_auth_server;

struct sip_auth_server_cfg {
	unsigned nonce_lifetime;	/* seconds; 0 = SIP_AUTH_DEFAULT_LIFETIME */
	unsigned replay_slots;		/* rounded up to a power of two; 0 = default */
	uint64_t (*clock_ms)(void);	/* a monotonic clock; NULL = ly_now_ms (tests fake it) */
};

/* cfg may be NULL for the defaults.  Draws the nonce key with RAND_bytes;
 * EIO when OpenSSL's generator fails. */
int sip_auth_server_new(const struct sip_auth_server_cfg *cfg, struct sip_auth_server **out);
void sip_auth_server_free(struct sip_auth_server *srv);

/* What a server challenges for, and how. */
struct sip_auth_realm {
	const char *realm;	/* e.g. the domain or "lyre" */
	unsigned algos;		/* offered and accepted; 0 = SIP_AUTH_ALGOS_ALL */
	bool proxy;		/* 407 + Proxy-Authenticate instead of 401 + WWW-Authenticate */
};

/* The header values of one challenge: one value per algorithm, SHA-256
 * first, since RFC 8760 (§2.3, §2.4) has the preferred one listed first and a
 * client takes the first it supports.  Each goes in its own header field.
 * SIPp 3.6.1 reads only the first and knows only MD5 (checked: it gives up
 * on SHA-256 first), so old clients need a realm with algos = SIP_AUTH_MD5. */
struct sip_auth_challenge {
	size_t count;
	char *values[2];
};

int sip_auth_challenge_make(struct sip_auth_server *srv, const struct sip_auth_realm *realm,
			    bool stale, struct sip_auth_challenge *out);
void sip_auth_challenge_clear(struct sip_auth_challenge *ch);

/* Why a request was not accepted: for the log only, never for the wire. */
enum sip_auth_reason {
	SIP_AUTH_R_OK,
	SIP_AUTH_R_NO_CREDENTIALS,	/* none sent, or none for our realm */
	SIP_AUTH_R_MALFORMED,		/* unparsable, or a required field missing */
	SIP_AUTH_R_REALM,		/* credentials for another realm */
	SIP_AUTH_R_ALGORITHM,		/* an algorithm we did not offer */
	SIP_AUTH_R_QOP,			/* qop other than auth, or a bad nc/cnonce */
	SIP_AUTH_R_URI,			/* uri is not the Request-URI */
	SIP_AUTH_R_NONCE,		/* not a nonce we made (forged, or another realm) */
	SIP_AUTH_R_OPAQUE,		/* opaque is not the one we sent */
	SIP_AUTH_R_UNKNOWN_USER,
	SIP_AUTH_R_WRONG_SECRET,
	SIP_AUTH_R_STALE,		/* right secret, nonce too old or no longer tracked */
	SIP_AUTH_R_REPLAY,		/* nonce-count not above the last one seen */
};
const char *sip_auth_reason_name(enum sip_auth_reason reason);

enum sip_auth_result {
	SIP_AUTH_OK,		/* the credentials prove the secret */
	SIP_AUTH_STALE,		/* re-challenge with stale=true */
	SIP_AUTH_FAILED,	/* re-challenge with stale=false */
};

/* A user's secret for the realm: the plain secret, or its HA1s.  The
 * strings need only live during the call that uses them.  A store of HA1s
 * should hold both: the challenge cannot depend on the user (that would
 * reveal who exists), so a user without the HA1 of an offered algorithm
 * simply fails with it. */
struct sip_auth_user {
	const char *secret;		/* NULL when only HA1s are stored */
	const char *ha1_md5;		/* hex, or NULL */
	const char *ha1_sha256;		/* hex, or NULL */
};

/* The request being authenticated. */
struct sip_auth_request {
	const char *method;	/* "REGISTER", "INVITE", ... */
	const char *uri;	/* the Request-URI as received */
};

/* Check parsed credentials against a user's secret (user NULL: unknown
 * user, which fails after the same hash work).  A nonce-count is recorded
 * only once the digest proves the secret, so nobody can burn another
 * client's nonce.  *why (may be NULL) says why, for the log. */
enum sip_auth_result sip_auth_verify(struct sip_auth_server *srv, const struct sip_auth_realm *realm,
				     const struct sip_auth_request *req, const struct sip_digest *cred,
				     const struct sip_auth_user *user, enum sip_auth_reason *why);

/* Find a user's secret: 0 and *out filled, or ENOENT for an unknown user. */
typedef int (*sip_auth_lookup_fn)(void *arg, const char *username, const char *realm,
				  struct sip_auth_user *out);

/* What to do with a request that must be authenticated. */
struct sip_auth_decision {
	bool accepted;
	char *username;			/* accepted: the authenticated user (owned) */
	int status;			/* not accepted: 401 or 407 */
	const char *header;		/* not accepted: "WWW-Authenticate" or "Proxy-Authenticate" */
	struct sip_auth_challenge challenge;	/* not accepted: one header field per value */
	enum sip_auth_reason reason;	/* for the log only */
};

/* Decide on a request from its Authorization values (creds[0..n-1], the
 * Proxy-Authorization ones when realm->proxy); the one for our realm is
 * used.  An unknown user, a wrong secret, a forged nonce and a replay all
 * get the same answer: status 401/407 with a fresh challenge, stale=false.
 * Only the right secret on an expired nonce gets stale=true.  Returns 0 (the
 * decision is in *out, release it with sip_auth_decision_clear) or an errno. */
int sip_auth_check(struct sip_auth_server *srv, const struct sip_auth_realm *realm,
		   const struct sip_auth_request *req, const char *const *creds, size_t n,
		   sip_auth_lookup_fn lookup, void *lookup_arg, struct sip_auth_decision *out);
void sip_auth_decision_clear(struct sip_auth_decision *d);

/* ---- Client ---- */

/* Most stale=true retries in a row before giving up, against a server
 * that never accepts a nonce. */
#define SIP_AUTH_CLIENT_MAX_STALE 3

struct sip_auth_client {
	char *username;
	char *secret;
	/* The challenge answered last, reused for nc+1 on later requests. */
	enum sip_auth_algo algo;
	char *realm;
	char *nonce;
	char *opaque;
	bool qop_auth;
	uint32_t nc;
	/* Answers sent since the last final response that was not 401/407. */
	unsigned answered;
	unsigned stale_retries;
	bool reused;		/* the last answer was sip_auth_client_reuse()'s */
};

void sip_auth_client_init(struct sip_auth_client *c, const char *username, const char *secret);
void sip_auth_client_clear(struct sip_auth_client *c);

/*
 * Answer a 401/407: challenges[0..n-1] are its WWW-Authenticate (or
 * Proxy-Authenticate) values.  The strongest Digest challenge we support
 * is answered (SHA-256 over MD5, with qop=auth when offered, else RFC 2069
 * style); *out is the Authorization value to send (free() it).
 * EACCES: the server rejected our last answer without stale=true (wrong
 * credentials: do not loop), or too many stale retries.  ENOTSUP: nothing
 * we can answer (Basic, auth-int only, unknown algorithms).
 */
int sip_auth_client_answer(struct sip_auth_client *c, const char *const *challenges, size_t n,
			   const char *method, const char *uri, char **out);
/* Credentials for a new request under the last challenge (nc+1), sent
 * before the server asks; ENOENT when no challenge was answered yet. */
int sip_auth_client_reuse(struct sip_auth_client *c, const char *method, const char *uri, char **out);
/* The request got a final response other than 401/407: the credentials
 * worked (or were not the problem), so the next challenge is answered. */
void sip_auth_client_done(struct sip_auth_client *c);

#endif
