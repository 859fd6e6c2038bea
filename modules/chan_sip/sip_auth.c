/* modules/chan_sip/sip_auth.c - SIP digest authentication: parse, compute, challenge, verify, answer. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "lyre/log.h"
#include "lyre/utils.h"
#include "sip_auth.h"

/* ---- Algorithms ---- */

const char *sip_auth_algo_name(enum sip_auth_algo algo)
{
	return algo == SIP_AUTH_SHA256 ? "SHA-256" : "MD5";
}

int sip_auth_algo_parse(const char *name, enum sip_auth_algo *out)
{
	if (!name || !*name || ly_strcaseeq(name, "MD5")) {
		*out = SIP_AUTH_MD5;
		return 0;
	}
	if (ly_strcaseeq(name, "SHA-256")) {
		*out = SIP_AUTH_SHA256;
		return 0;
	}
	return ENOTSUP;
}

/* ---- Parsing (RFC 3261 §25.1 challenge/credentials, RFC 7616 §3.3-3.4) ---- */

static bool is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *skip_lws(const char *p)
{
	while (is_lws(*p))
		p++;
	return p;
}

/* RFC 3261 §25.1 token characters. */
static bool is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("-.!%*_+`'~", c));
}

/* An unquoted value: a token by the grammar, but clients send nonces and
 * URIs unquoted too, so anything visible up to a separator is taken. */
static bool is_bare_value_char(char c)
{
	return (unsigned char)c > 0x20 && (unsigned char)c < 0x7f && c != ',' && c != '"';
}

/* The field a parameter name fills, or NULL for one we ignore. */
static const char **digest_field(struct sip_digest *d, const char *name, size_t len)
{
	static const struct {
		const char *name;
		size_t offset;
	} fields[] = {
		{ "username", offsetof(struct sip_digest, username) },
		{ "realm", offsetof(struct sip_digest, realm) },
		{ "nonce", offsetof(struct sip_digest, nonce) },
		{ "uri", offsetof(struct sip_digest, uri) },
		{ "response", offsetof(struct sip_digest, response) },
		{ "algorithm", offsetof(struct sip_digest, algorithm) },
		{ "cnonce", offsetof(struct sip_digest, cnonce) },
		{ "opaque", offsetof(struct sip_digest, opaque) },
		{ "qop", offsetof(struct sip_digest, qop) },
		{ "nc", offsetof(struct sip_digest, nc) },
		{ "stale", offsetof(struct sip_digest, stale) },
		{ "domain", offsetof(struct sip_digest, domain) },
	};

	for (size_t i = 0; i < LY_ARRAY_LEN(fields); i++)
		if (strlen(fields[i].name) == len && strncasecmp(fields[i].name, name, len) == 0)
			return (const char **)(void *)((char *)d + fields[i].offset);
	return NULL;
}

/* Copy the quoted-string at *pp (on its opening quote) unescaped to *wp.
 * A folded line (CRLF + white space) inside counts as one space, as
 * RFC 3261 §7.3.1 says; a bare CR or LF or another control is invalid. */
static int read_quoted(const char **pp, char **wp)
{
	const char *p = *pp + 1;
	char *w = *wp;

	for (;;) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			break;
		if (c == '\\') {
			c = (unsigned char)*++p;
			if (c == '\0' || c == '\r' || c == '\n')
				return EINVAL;
			*w++ = (char)c;
			p++;
		} else if (c == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) {
			*w++ = ' ';
			p = skip_lws(p);
		} else if (c < 0x20 && c != '\t') {
			return EINVAL;	/* also the NUL of an unterminated string */
		} else {
			*w++ = (char)c;
			p++;
		}
	}
	*pp = p + 1;
	*wp = w;
	return 0;
}

/* Parse one auth-param at *pp into the store at *wp; fills d's field. */
static int read_param(struct sip_digest *d, const char **pp, char **wp)
{
	const char *p = *pp, *name = p;
	char *value = *wp;
	const char **field;
	size_t name_len;

	while (is_token_char(*p))
		p++;
	name_len = (size_t)(p - name);
	p = skip_lws(p);
	if (name_len == 0 || *p != '=')
		return EINVAL;
	p = skip_lws(p + 1);
	if (*p == '"') {
		if (read_quoted(&p, wp) != 0)
			return EINVAL;
	} else {
		const char *start = p;

		while (is_bare_value_char(*p))
			p++;
		if (p == start)
			return EINVAL;
		memcpy(*wp, start, (size_t)(p - start));
		*wp += p - start;
	}
	*(*wp)++ = '\0';
	field = digest_field(d, name, name_len);
	if (field) {
		if (*field)
			return EINVAL;	/* a duplicate: refuse rather than guess */
		*field = value;
	}
	*pp = p;
	return 0;
}

/* Read the scheme; 0 if it is Digest and parameters follow. */
static int read_scheme(const char **pp)
{
	const char *p = skip_lws(*pp), *start = p;

	while (is_token_char(*p))
		p++;
	if (p == start)
		return EINVAL;
	if ((size_t)(p - start) != 6 || strncasecmp(start, "Digest", 6) != 0)
		return ENOTSUP;
	if (!is_lws(*p))
		return EINVAL;
	*pp = p;
	return 0;
}

int sip_digest_parse(const char *value, struct sip_digest *out)
{
	const char *p = value;
	char *w;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = read_scheme(&p);
	if (rc != 0)
		return rc;
	/* Unescaping only shrinks, and each value's NUL takes the place of
	 * at least its name and '=', so the store never outgrows the input. */
	out->store = w = ly_malloc(strlen(value) + 1);
	for (;;) {
		p = skip_lws(p);
		if (*p == ',') {	/* empty list elements are allowed (RFC 7230 §7) */
			p++;
			continue;
		}
		if (*p == '\0')
			break;
		if (read_param(out, &p, &w) != 0)
			goto invalid;
		p = skip_lws(p);
		if (*p != ',' && *p != '\0')
			goto invalid;
	}
	return 0;
invalid:
	sip_digest_free(out);
	return EINVAL;
}

void sip_digest_free(struct sip_digest *d)
{
	free(d->store);
	memset(d, 0, sizeof(*d));
}

/* ---- The digest computation ---- */

static void to_hex(const unsigned char *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

/* H(parts joined by ':') in hex.  Empty when OpenSSL refuses the
 * algorithm (MD5 under a FIPS provider), which then matches nothing. */
static void hash_joined(enum sip_auth_algo algo, const char *const *parts, size_t n,
			char out[SIP_AUTH_HEX_SIZE])
{
	const EVP_MD *md = algo == SIP_AUTH_SHA256 ? EVP_sha256() : EVP_md5();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	bool ok;

	if (!ctx) {
		ly_error("out of memory for a digest context");
		abort();	/* the project's policy for allocation failure (lyre/utils.h) */
	}
	ok = EVP_DigestInit_ex(ctx, md, NULL) == 1;
	for (size_t i = 0; ok && i < n; i++)
		ok = (i == 0 || EVP_DigestUpdate(ctx, ":", 1) == 1) &&
		     EVP_DigestUpdate(ctx, parts[i], strlen(parts[i])) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, digest, &len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		ly_error("OpenSSL cannot compute %s", sip_auth_algo_name(algo));
		out[0] = '\0';
		return;
	}
	to_hex(digest, len, out);
}

void sip_auth_ha1(enum sip_auth_algo algo, const char *username, const char *realm,
		  const char *secret, char out[SIP_AUTH_HEX_SIZE])
{
	const char *parts[] = { username, realm, secret };

	hash_joined(algo, parts, LY_ARRAY_LEN(parts), out);
}

void sip_auth_response(enum sip_auth_algo algo, const char *ha1, const char *nonce,
		       const char *nc, const char *cnonce, const char *qop,
		       const char *method, const char *uri, char out[SIP_AUTH_HEX_SIZE])
{
	const char *a2[] = { method, uri };
	char ha2[SIP_AUTH_HEX_SIZE];

	hash_joined(algo, a2, LY_ARRAY_LEN(a2), ha2);
	if (qop) {
		const char *kd[] = { ha1, nonce, nc, cnonce, qop, ha2 };

		hash_joined(algo, kd, LY_ARRAY_LEN(kd), out);
	} else {
		const char *kd[] = { ha1, nonce, ha2 };	/* RFC 2069 */

		hash_joined(algo, kd, LY_ARRAY_LEN(kd), out);
	}
}

/* Append name="value" with '"' and '\' escaped (RFC 3261 §25.1 quoted-pair). */
static void put_quoted(struct ly_buf *b, const char *name, const char *value)
{
	ly_buf_printf(b, "%s=\"", name);
	for (const char *p = value; *p; p++) {
		if (*p == '"' || *p == '\\')
			ly_buf_append(b, "\\", 1);
		ly_buf_append(b, p, 1);
	}
	ly_buf_append(b, "\"", 1);
}

/* ---- Server: nonces ---- */

#define NONCE_KEY_LEN 32
#define NONCE_MAC_LEN 16	/* of HMAC-SHA256's 32 bytes: 128 bits is ample */
#define NONCE_TEXT_LEN (8 + 16 + 2 * NONCE_MAC_LEN)
#define OPAQUE_LEN 8

struct replay_slot {
	uint64_t serial;	/* 0: never used */
	uint32_t nc;
};

struct sip_auth_server {
	unsigned char key[NONCE_KEY_LEN];
	char dummy_secret[33];	/* what an unknown user's response is checked against */
	unsigned lifetime_s;
	uint64_t (*clock_ms)(void);
	pthread_mutex_t lock;	/* guards next_serial and slots */
	uint64_t next_serial;
	struct replay_slot *slots;
	size_t slot_mask;
	/* HMAC-SHA256 keyed once: the one-shot HMAC() looks the algorithm up
	 * on every call (12 % of the REGISTER path in a profile); each nonce
	 * duplicates this ready context instead. */
	EVP_MAC_CTX *hmac;
};

static size_t round_up_pow2(size_t n)
{
	size_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static EVP_MAC_CTX *keyed_hmac(const unsigned char *key, size_t keylen)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};

	EVP_MAC_free(mac);	/* the context keeps its own reference */
	if (ctx && !EVP_MAC_init(ctx, key, keylen, params)) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

int sip_auth_server_new(const struct sip_auth_server_cfg *cfg, struct sip_auth_server **out)
{
	struct sip_auth_server_cfg defaults = { 0 };
	struct sip_auth_server *srv;
	unsigned char dummy[16];
	size_t slots;

	if (!cfg)
		cfg = &defaults;
	srv = ly_calloc(1, sizeof(*srv));
	if (RAND_bytes(srv->key, sizeof(srv->key)) != 1 || RAND_bytes(dummy, sizeof(dummy)) != 1) {
		ly_error("OpenSSL's random generator failed; no digest authentication");
		free(srv);
		return EIO;
	}
	to_hex(dummy, sizeof(dummy), srv->dummy_secret);
	srv->hmac = keyed_hmac(srv->key, sizeof(srv->key));
	if (!srv->hmac) {
		ly_error("OpenSSL has no HMAC-SHA256; no digest authentication");
		OPENSSL_cleanse(srv, sizeof(*srv));
		free(srv);
		return EIO;
	}
	srv->lifetime_s = cfg->nonce_lifetime ? cfg->nonce_lifetime : SIP_AUTH_DEFAULT_LIFETIME;
	srv->clock_ms = cfg->clock_ms ? cfg->clock_ms : ly_now_ms;
	slots = round_up_pow2(cfg->replay_slots ? cfg->replay_slots : SIP_AUTH_DEFAULT_REPLAY_SLOTS);
	srv->slots = ly_calloc(slots, sizeof(*srv->slots));
	srv->slot_mask = slots - 1;
	srv->next_serial = 1;
	pthread_mutex_init(&srv->lock, NULL);
	*out = srv;
	return 0;
}

void sip_auth_server_free(struct sip_auth_server *srv)
{
	if (!srv)
		return;
	pthread_mutex_destroy(&srv->lock);
	EVP_MAC_CTX_free(srv->hmac);
	free(srv->slots);
	OPENSSL_cleanse(srv, sizeof(*srv));
	free(srv);
}

static uint32_t now_s(const struct sip_auth_server *srv)
{
	return (uint32_t)(srv->clock_ms() / 1000u);
}

/* HMAC-SHA256 under the daemon's key over a label, two numbers and the
 * realm; the first `len` bytes in hex. */
static void seal(const struct sip_auth_server *srv, char label, uint32_t ts, uint64_t serial,
		 const char *realm, size_t len, char *hex)
{
	unsigned char head[13], mac[EVP_MAX_MD_SIZE];
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(srv->hmac);
	size_t mac_len = 0;

	head[0] = (unsigned char)label;
	for (int i = 0; i < 4; i++)
		head[1 + i] = (unsigned char)(ts >> (24 - 8 * i));
	for (int i = 0; i < 8; i++)
		head[5 + i] = (unsigned char)(serial >> (56 - 8 * i));
	if (!ctx || !EVP_MAC_update(ctx, head, sizeof(head)) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)realm, strlen(realm)) ||
	    !EVP_MAC_final(ctx, mac, &mac_len, sizeof(mac)) || mac_len < len) {
		/* Cannot happen with a working libcrypto; a nonce nobody can
		 * match fails closed. */
		ly_error("OpenSSL HMAC-SHA256 failed");
		memset(mac, 0, sizeof(mac));
	}
	EVP_MAC_CTX_free(ctx);
	to_hex(mac, len, hex);
}

/* A nonce: creation time (seconds, 8 hex), serial (16 hex), then the
 * truncated HMAC over both and the realm.  Stateless (RFC 7616 §3.3 lets
 * the server choose the nonce's content), unforgeable without the key,
 * and unique, so each nonce has its own nonce-count space.  Hex only: old
 * clients (SIPp 3.6) find parameters by substring and trip on '='. */
static void nonce_make(struct sip_auth_server *srv, const char *realm, char out[NONCE_TEXT_LEN + 1])
{
	uint32_t ts = now_s(srv);
	uint64_t serial;

	pthread_mutex_lock(&srv->lock);
	serial = srv->next_serial++;
	pthread_mutex_unlock(&srv->lock);
	snprintf(out, NONCE_TEXT_LEN + 1, "%08" PRIx32 "%016" PRIx64, ts, serial);
	seal(srv, 'N', ts, serial, realm, NONCE_MAC_LEN, out + 24);
}

static bool parse_hex_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

/* Whether nonce is one we made for realm; its time and serial if so. */
static bool nonce_open(const struct sip_auth_server *srv, const char *nonce, const char *realm,
		       uint32_t *ts, uint64_t *serial)
{
	char expect[2 * NONCE_MAC_LEN + 1];
	uint64_t t;

	if (strlen(nonce) != NONCE_TEXT_LEN || !parse_hex_u64(nonce, 8, &t) ||
	    !parse_hex_u64(nonce + 8, 16, serial) || *serial == 0)
		return false;
	*ts = (uint32_t)t;
	seal(srv, 'N', *ts, *serial, realm, NONCE_MAC_LEN, expect);
	return CRYPTO_memcmp(expect, nonce + 24, 2 * NONCE_MAC_LEN) == 0;
}

/* The opaque for a realm: constant for the daemon's life, so any nonce's
 * answer may carry it (RFC 7616 §3.3 says it is returned unchanged). */
static void opaque_make(const struct sip_auth_server *srv, const char *realm, char out[2 * OPAQUE_LEN + 1])
{
	seal(srv, 'O', 0, 0, realm, OPAQUE_LEN, out);
}

enum replay_verdict { REPLAY_FRESH, REPLAY_SEEN, REPLAY_FORGOTTEN };

/*
 * Record nc for the nonce with this serial.  The cache is direct-mapped
 * by serial, and a slot only ever moves to a larger serial, so: a slot
 * holding our serial knows our last nc; one holding a smaller serial means
 * ours was never used; one holding a larger serial may have pushed ours
 * out, and then we cannot tell a replay, so the client gets a new nonce
 * (stale) instead.  With serials handed out in order, that only happens
 * to a nonce answered after `slots` newer ones.
 */
static enum replay_verdict replay_record(struct sip_auth_server *srv, uint64_t serial, uint32_t nc)
{
	struct replay_slot *slot = &srv->slots[serial & srv->slot_mask];
	enum replay_verdict v = REPLAY_FRESH;

	pthread_mutex_lock(&srv->lock);
	if (slot->serial == serial && nc <= slot->nc) {
		v = REPLAY_SEEN;
	} else if (slot->serial > serial) {
		v = REPLAY_FORGOTTEN;
	} else {
		slot->serial = serial;
		slot->nc = nc;
	}
	pthread_mutex_unlock(&srv->lock);
	return v;
}

/* ---- Server: challenges ---- */

static unsigned offered_algos(const struct sip_auth_realm *realm)
{
	return realm->algos ? realm->algos & SIP_AUTH_ALGOS_ALL : SIP_AUTH_ALGOS_ALL;
}

static char *challenge_value(const char *realm, const char *nonce, const char *opaque,
			     enum sip_auth_algo algo, bool stale)
{
	struct ly_buf b;

	ly_buf_init(&b);
	ly_buf_puts(&b, "Digest ");
	put_quoted(&b, "realm", realm);
	ly_buf_printf(&b, ", nonce=\"%s\", opaque=\"%s\", algorithm=%s, qop=\"auth\"%s",
		      nonce, opaque, sip_auth_algo_name(algo), stale ? ", stale=true" : "");
	return b.data;
}

int sip_auth_challenge_make(struct sip_auth_server *srv, const struct sip_auth_realm *realm,
			    bool stale, struct sip_auth_challenge *out)
{
	static const enum sip_auth_algo preference[] = { SIP_AUTH_SHA256, SIP_AUTH_MD5 };
	unsigned algos = offered_algos(realm);
	char nonce[NONCE_TEXT_LEN + 1], opaque[2 * OPAQUE_LEN + 1];

	memset(out, 0, sizeof(*out));
	if (!algos || !realm->realm)
		return EINVAL;
	nonce_make(srv, realm->realm, nonce);
	opaque_make(srv, realm->realm, opaque);
	for (size_t i = 0; i < LY_ARRAY_LEN(preference); i++)
		if (algos & preference[i])
			out->values[out->count++] =
				challenge_value(realm->realm, nonce, opaque, preference[i], stale);
	return 0;
}

void sip_auth_challenge_clear(struct sip_auth_challenge *ch)
{
	for (size_t i = 0; i < ch->count; i++)
		free(ch->values[i]);
	memset(ch, 0, sizeof(*ch));
}

/* ---- Server: verification ---- */

const char *sip_auth_reason_name(enum sip_auth_reason reason)
{
	static const char *const names[] = {
		[SIP_AUTH_R_OK] = "ok",
		[SIP_AUTH_R_NO_CREDENTIALS] = "no credentials",
		[SIP_AUTH_R_MALFORMED] = "malformed credentials",
		[SIP_AUTH_R_REALM] = "credentials for another realm",
		[SIP_AUTH_R_ALGORITHM] = "algorithm not offered",
		[SIP_AUTH_R_QOP] = "bad qop, nc or cnonce",
		[SIP_AUTH_R_URI] = "uri is not the Request-URI",
		[SIP_AUTH_R_NONCE] = "nonce not ours",
		[SIP_AUTH_R_OPAQUE] = "opaque not ours",
		[SIP_AUTH_R_UNKNOWN_USER] = "unknown user",
		[SIP_AUTH_R_WRONG_SECRET] = "wrong password",
		[SIP_AUTH_R_STALE] = "stale nonce",
		[SIP_AUTH_R_REPLAY] = "replayed nonce-count",
	};

	return (size_t)reason < LY_ARRAY_LEN(names) && names[reason] ? names[reason] : "?";
}

static enum sip_auth_result fail(enum sip_auth_reason reason, enum sip_auth_reason *why)
{
	if (why)
		*why = reason;
	return reason == SIP_AUTH_R_STALE ? SIP_AUTH_STALE : SIP_AUTH_FAILED;
}

/* qop=auth needs an 8-hex-digit nonzero nc and a cnonce (RFC 7616 §3.4);
 * without qop (RFC 2069 clients) the nonce is single-use: nc counts as 1. */
static bool check_qop(const struct sip_digest *cred, uint32_t *nc)
{
	uint64_t v;

	if (!cred->qop) {
		*nc = 1;
		return true;
	}
	if (!ly_strcaseeq(cred->qop, "auth") || !cred->nc || strlen(cred->nc) != 8 ||
	    !parse_hex_u64(cred->nc, 8, &v) || v == 0 || !cred->cnonce || !*cred->cnonce)
		return false;
	*nc = (uint32_t)v;
	return true;
}

/*
 * RFC 3261 §22.4 has the server check that the digest-uri names the
 * request.  Compared ignoring ASCII case: the response hashes the uri
 * exactly as the client wrote it, so leniency here cannot let credentials
 * computed for one request authorize another with a different target.
 */
static bool uri_matches(const char *digest_uri, const char *request_uri)
{
	return request_uri && ly_strcaseeq(digest_uri, request_uri);
}

/* The expected response for the user, or for a dummy secret when the
 * user is unknown or has no HA1 for this algorithm; *real says which. */
static void expected_response(const struct sip_auth_server *srv, enum sip_auth_algo algo,
			      const struct sip_digest *cred, const struct sip_auth_request *req,
			      const struct sip_auth_user *user, bool *real, char out[SIP_AUTH_HEX_SIZE])
{
	const char *stored = !user ? NULL : algo == SIP_AUTH_SHA256 ? user->ha1_sha256 : user->ha1_md5;
	char ha1[SIP_AUTH_HEX_SIZE];

	*real = user && (user->secret || stored);
	if (user && user->secret)
		sip_auth_ha1(algo, cred->username, cred->realm, user->secret, ha1);
	else if (stored)
		ly_strlcpy(ha1, stored, sizeof(ha1));
	else	/* the same hash work as a real user, so timing tells nothing */
		sip_auth_ha1(algo, cred->username, cred->realm, srv->dummy_secret, ha1);
	sip_auth_response(algo, ha1, cred->nonce, cred->nc, cred->cnonce, cred->qop ? "auth" : NULL,
			  req->method, cred->uri, out);
}

/* Constant-time comparison of hex digests; the client's may be in upper case. */
static bool response_equal(const char *expected, const char *given)
{
	size_t len = strlen(expected);
	char lower[SIP_AUTH_HEX_SIZE];

	if (len == 0 || strlen(given) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		lower[i] = (given[i] >= 'A' && given[i] <= 'F') ? (char)(given[i] + 32) : given[i];
	return CRYPTO_memcmp(expected, lower, len) == 0;
}

enum sip_auth_result sip_auth_verify(struct sip_auth_server *srv, const struct sip_auth_realm *realm,
				     const struct sip_auth_request *req, const struct sip_digest *cred,
				     const struct sip_auth_user *user, enum sip_auth_reason *why)
{
	char expected[SIP_AUTH_HEX_SIZE], opaque[2 * OPAQUE_LEN + 1];
	enum sip_auth_algo algo;
	uint64_t serial;
	uint32_t ts, nc, now;
	bool real;

	if (!cred->username || !cred->realm || !cred->nonce || !cred->uri || !cred->response)
		return fail(SIP_AUTH_R_MALFORMED, why);
	if (strcmp(cred->realm, realm->realm) != 0)
		return fail(SIP_AUTH_R_REALM, why);
	if (sip_auth_algo_parse(cred->algorithm, &algo) != 0 || !(algo & offered_algos(realm)))
		return fail(SIP_AUTH_R_ALGORITHM, why);
	if (!check_qop(cred, &nc))
		return fail(SIP_AUTH_R_QOP, why);
	if (!uri_matches(cred->uri, req->uri))
		return fail(SIP_AUTH_R_URI, why);
	now = now_s(srv);
	if (!nonce_open(srv, cred->nonce, realm->realm, &ts, &serial) || ts > now)
		return fail(SIP_AUTH_R_NONCE, why);
	opaque_make(srv, realm->realm, opaque);
	/* Some clients leave opaque out; when present it must be ours. */
	if (cred->opaque && strcmp(cred->opaque, opaque) != 0)
		return fail(SIP_AUTH_R_OPAQUE, why);

	expected_response(srv, algo, cred, req, user, &real, expected);
	if (!response_equal(expected, cred->response) || !real)
		return fail(user ? SIP_AUTH_R_WRONG_SECRET : SIP_AUTH_R_UNKNOWN_USER, why);
	/* Only the right secret learns that its nonce went stale (RFC 7616
	 * §3.3 stale: "the client knows the correct username/password"). */
	if (now - ts > srv->lifetime_s)
		return fail(SIP_AUTH_R_STALE, why);
	switch (replay_record(srv, serial, nc)) {
	case REPLAY_SEEN:
		return fail(SIP_AUTH_R_REPLAY, why);
	case REPLAY_FORGOTTEN:
		return fail(SIP_AUTH_R_STALE, why);
	case REPLAY_FRESH:
		break;
	}
	if (why)
		*why = SIP_AUTH_R_OK;
	return SIP_AUTH_OK;
}

/* ---- Server: the registrar's decision ---- */

/* Parse the credentials for our realm out of creds; *reason says why none. */
static bool find_credentials(const struct sip_auth_realm *realm, const char *const *creds, size_t n,
			     struct sip_digest *out, enum sip_auth_reason *reason)
{
	*reason = SIP_AUTH_R_NO_CREDENTIALS;
	for (size_t i = 0; i < n; i++) {
		if (!creds[i] || sip_digest_parse(creds[i], out) != 0) {
			*reason = SIP_AUTH_R_MALFORMED;
			continue;
		}
		if (out->realm && strcmp(out->realm, realm->realm) == 0)
			return true;
		if (*reason == SIP_AUTH_R_NO_CREDENTIALS)
			*reason = SIP_AUTH_R_REALM;
		sip_digest_free(out);
	}
	return false;
}

static int decide_challenge(struct sip_auth_server *srv, const struct sip_auth_realm *realm,
			    bool stale, struct sip_auth_decision *out)
{
	out->accepted = false;
	out->status = realm->proxy ? 407 : 401;
	out->header = realm->proxy ? "Proxy-Authenticate" : "WWW-Authenticate";
	return sip_auth_challenge_make(srv, realm, stale, &out->challenge);
}

int sip_auth_check(struct sip_auth_server *srv, const struct sip_auth_realm *realm,
		   const struct sip_auth_request *req, const char *const *creds, size_t n,
		   sip_auth_lookup_fn lookup, void *lookup_arg, struct sip_auth_decision *out)
{
	struct sip_auth_user user = { 0 };
	struct sip_digest cred;
	enum sip_auth_result res;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!realm->realm || !req->method || !req->uri)
		return EINVAL;
	if (!find_credentials(realm, creds, n, &cred, &out->reason))
		return decide_challenge(srv, realm, false, out);
	rc = cred.username ? lookup(lookup_arg, cred.username, realm->realm, &user) : ENOENT;
	if (rc != 0 && rc != ENOENT) {
		sip_digest_free(&cred);
		return rc;
	}
	res = sip_auth_verify(srv, realm, req, &cred, rc == 0 ? &user : NULL, &out->reason);
	if (res == SIP_AUTH_OK) {
		out->accepted = true;
		out->username = ly_strdup(cred.username);
		sip_digest_free(&cred);
		return 0;
	}
	ly_debug(1, "%s for %s from user '%s': %s", req->method, req->uri,
		 cred.username ? cred.username : "", sip_auth_reason_name(out->reason));
	sip_digest_free(&cred);
	return decide_challenge(srv, realm, res == SIP_AUTH_STALE, out);
}

void sip_auth_decision_clear(struct sip_auth_decision *d)
{
	free(d->username);
	sip_auth_challenge_clear(&d->challenge);
	memset(d, 0, sizeof(*d));
}

/* ---- Client ---- */

void sip_auth_client_init(struct sip_auth_client *c, const char *username, const char *secret)
{
	memset(c, 0, sizeof(*c));
	c->username = ly_strdup(username);
	c->secret = ly_strdup(secret);
}

static void client_forget_challenge(struct sip_auth_client *c)
{
	free(c->realm);
	free(c->nonce);
	free(c->opaque);
	c->realm = c->nonce = c->opaque = NULL;
}

void sip_auth_client_clear(struct sip_auth_client *c)
{
	client_forget_challenge(c);
	free(c->username);
	if (c->secret) {
		OPENSSL_cleanse(c->secret, strlen(c->secret));
		free(c->secret);
	}
	memset(c, 0, sizeof(*c));
}

/* Whether a challenge's qop list (RFC 7616 §3.3: quoted, comma-separated
 * tokens) offers "auth". */
static bool qop_offers_auth(const char *list)
{
	const char *p = list;

	while (*p) {
		size_t len;

		p = skip_lws(p);
		len = strcspn(p, ", \t");
		if (len == 4 && strncasecmp(p, "auth", 4) == 0)
			return true;
		p += len;
		p += strspn(p, ", \t");
	}
	return false;
}

/* Whether we can answer a parsed challenge; its algorithm and qop if so. */
static bool answerable(const struct sip_digest *d, enum sip_auth_algo *algo, bool *qop_auth)
{
	if (!d->realm || !d->nonce || sip_auth_algo_parse(d->algorithm, algo) != 0)
		return false;
	*qop_auth = d->qop != NULL;
	return !d->qop || qop_offers_auth(d->qop);	/* auth-int alone: no body hash here */
}

/* The strongest challenge we can answer, parsed into *best. */
static bool choose_challenge(const char *const *challenges, size_t n, struct sip_digest *best,
			     enum sip_auth_algo *best_algo, bool *best_qop)
{
	bool found = false;

	for (size_t i = 0; i < n; i++) {
		struct sip_digest d;
		enum sip_auth_algo algo;
		bool qop;

		if (!challenges[i] || sip_digest_parse(challenges[i], &d) != 0)
			continue;
		if (answerable(&d, &algo, &qop) && (!found || algo > *best_algo)) {
			if (found)
				sip_digest_free(best);
			*best = d;
			*best_algo = algo;
			*best_qop = qop;
			found = true;
		} else {
			sip_digest_free(&d);
		}
	}
	return found;
}

/* The Authorization value for the stored challenge, with the next nc. */
static int client_build(struct sip_auth_client *c, const char *method, const char *uri, char **out)
{
	char ha1[SIP_AUTH_HEX_SIZE], resp[SIP_AUTH_HEX_SIZE], nc[9], cnonce[33];
	unsigned char rnd[16];
	struct ly_buf b;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return EIO;
	to_hex(rnd, sizeof(rnd), cnonce);
	snprintf(nc, sizeof(nc), "%08" PRIx32, ++c->nc);
	sip_auth_ha1(c->algo, c->username, c->realm, c->secret, ha1);
	sip_auth_response(c->algo, ha1, c->nonce, nc, cnonce, c->qop_auth ? "auth" : NULL,
			  method, uri, resp);
	OPENSSL_cleanse(ha1, sizeof(ha1));

	ly_buf_init(&b);
	ly_buf_puts(&b, "Digest ");
	put_quoted(&b, "username", c->username);
	ly_buf_puts(&b, ", ");
	put_quoted(&b, "realm", c->realm);
	ly_buf_puts(&b, ", ");
	put_quoted(&b, "nonce", c->nonce);
	ly_buf_puts(&b, ", ");
	put_quoted(&b, "uri", uri);
	ly_buf_printf(&b, ", response=\"%s\", algorithm=%s", resp, sip_auth_algo_name(c->algo));
	if (c->qop_auth)	/* RFC 7616 §3.4: qop and nc are tokens, unquoted */
		ly_buf_printf(&b, ", cnonce=\"%s\", qop=auth, nc=%s", cnonce, nc);
	if (c->opaque) {
		ly_buf_puts(&b, ", ");
		put_quoted(&b, "opaque", c->opaque);
	}
	c->answered++;
	*out = b.data;
	return 0;
}

/* Decide whether a new challenge may be answered, given what came before. */
static int client_may_answer(struct sip_auth_client *c, bool stale)
{
	if (c->answered == 0 || c->reused) {
		c->stale_retries = 0;
		return 0;	/* first answer, or our reused nonce was refused */
	}
	if (!stale)
		return EACCES;	/* the credentials themselves were refused */
	if (++c->stale_retries > SIP_AUTH_CLIENT_MAX_STALE)
		return EACCES;
	return 0;
}

int sip_auth_client_answer(struct sip_auth_client *c, const char *const *challenges, size_t n,
			   const char *method, const char *uri, char **out)
{
	struct sip_digest d;
	enum sip_auth_algo algo = SIP_AUTH_MD5;
	bool qop = false;
	int rc;

	*out = NULL;
	if (!choose_challenge(challenges, n, &d, &algo, &qop))
		return ENOTSUP;
	rc = client_may_answer(c, d.stale && ly_strcaseeq(d.stale, "true"));
	if (rc == 0) {
		client_forget_challenge(c);
		c->algo = algo;
		c->qop_auth = qop;
		c->realm = ly_strdup(d.realm);
		c->nonce = ly_strdup(d.nonce);
		c->opaque = d.opaque ? ly_strdup(d.opaque) : NULL;
		c->nc = 0;
		c->reused = false;
		rc = client_build(c, method, uri, out);
	}
	sip_digest_free(&d);
	return rc;
}

int sip_auth_client_reuse(struct sip_auth_client *c, const char *method, const char *uri, char **out)
{
	int rc;

	*out = NULL;
	/* Without qop a nonce cannot be counted, so the server would see a replay. */
	if (!c->nonce || !c->qop_auth)
		return ENOENT;
	rc = client_build(c, method, uri, out);
	if (rc == 0)
		c->reused = true;
	return rc;
}

void sip_auth_client_done(struct sip_auth_client *c)
{
	c->answered = 0;
	c->stale_retries = 0;
	c->reused = false;
}
