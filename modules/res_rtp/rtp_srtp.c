/* modules/res_rtp/rtp_srtp.c - SRTP/SRTCP contexts from libsrtp2: keys, protect, unprotect. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <srtp2/srtp.h>

#include <lyre/lyre.h>

#include "rtp_srtp.h"

/*
 * libsrtp2 is opened with dlopen on the first SRTP call, not linked:
 * Debian builds it on NSS, and merely mapping libsrtp2, libnss3,
 * libnssutil3, libnspr4 and friends cost about 600 kB of RSS at start-up,
 * and starting NSS about 2 MB more, which an office whose phones never use
 * SRTP should not pay (idle RSS is a target: bench/README.md).  Only the
 * headers are used at build time; the calls below go through this table.
 */
#define SRTP_SONAMES { "libsrtp2.so.1", "libsrtp2.so" }

static struct {
	srtp_err_status_t (*init)(void);
	srtp_err_status_t (*shutdown)(void);
	srtp_err_status_t (*create)(srtp_t *, const srtp_policy_t *);
	srtp_err_status_t (*dealloc)(srtp_t);
	srtp_err_status_t (*protect)(srtp_t, void *, int *);
	srtp_err_status_t (*unprotect)(srtp_t, void *, int *);
	srtp_err_status_t (*protect_rtcp)(srtp_t, void *, int *);
	srtp_err_status_t (*unprotect_rtcp)(srtp_t, void *, int *);
	void (*policy_80)(srtp_crypto_policy_t *);
	void (*policy_32)(srtp_crypto_policy_t *);
	void (*policy_gcm128)(srtp_crypto_policy_t *);
	void (*policy_gcm256)(srtp_crypto_policy_t *);
} lib;

#define srtp_init (*lib.init)
#define srtp_shutdown (*lib.shutdown)
#define srtp_create (*lib.create)
#define srtp_dealloc (*lib.dealloc)
#define srtp_protect (*lib.protect)
#define srtp_unprotect (*lib.unprotect)
#define srtp_protect_rtcp (*lib.protect_rtcp)
#define srtp_unprotect_rtcp (*lib.unprotect_rtcp)
#undef srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80	/* a macro for ..._rtp_default */
#define srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 (*lib.policy_80)
#define srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32 (*lib.policy_32)
#define srtp_crypto_policy_set_aes_gcm_128_16_auth (*lib.policy_gcm128)
#define srtp_crypto_policy_set_aes_gcm_256_16_auth (*lib.policy_gcm256)

/*
 * Opened with RTLD_NODELETE and never closed: NSS, under libsrtp2, starts
 * once and never shuts down; unmapping it with that state allocated would
 * leak it, and the next load would start NSS afresh.
 */
static int open_libsrtp(void)
{
	static const char *const names[] = SRTP_SONAMES;
	void *h = ly_lib_open(names, sizeof(names) / sizeof(names[0]));

	if (!h) {
		ly_error("SRTP: cannot open libsrtp2: %s", dlerror());
		return ENOENT;
	}
	if (!ly_lib_sym(h, "srtp_init", &lib.init) ||
	    !ly_lib_sym(h, "srtp_shutdown", &lib.shutdown) ||
	    !ly_lib_sym(h, "srtp_create", &lib.create) ||
	    !ly_lib_sym(h, "srtp_dealloc", &lib.dealloc) ||
	    !ly_lib_sym(h, "srtp_protect", &lib.protect) ||
	    !ly_lib_sym(h, "srtp_unprotect", &lib.unprotect) ||
	    !ly_lib_sym(h, "srtp_protect_rtcp", &lib.protect_rtcp) ||
	    !ly_lib_sym(h, "srtp_unprotect_rtcp", &lib.unprotect_rtcp) ||
	    !ly_lib_sym(h, "srtp_crypto_policy_set_rtp_default", &lib.policy_80) ||
	    !ly_lib_sym(h, "srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32", &lib.policy_32) ||
	    !ly_lib_sym(h, "srtp_crypto_policy_set_aes_gcm_128_16_auth", &lib.policy_gcm128) ||
	    !ly_lib_sym(h, "srtp_crypto_policy_set_aes_gcm_256_16_auth", &lib.policy_gcm256)) {
		ly_error("SRTP: libsrtp2 lacks a function Lyre needs");
		return ENOENT;
	}
	return 0;
}

struct rtp_srtp {
	srtp_t tx, rx;			/* ours out, the peer's in */
	struct ly_srtp_key tx_key, rx_key;	/* what each was made from */
};

_Static_assert(RTP_SRTP_TRAILER >= SRTP_MAX_TRAILER_LEN, "SRTP trailer room");

static bool have_suite[LY_SRTP_SUITES + 1];

/* The libsrtp policy of a suite.  RFC 3711 §5.1 and RFC 4568 §6.2.1/§6.2.2:
 * the _32 suite shortens the SRTP tag only; SRTCP keeps 80 bits. */
static bool policy_for(enum ly_srtp_suite suite, srtp_policy_t *p)
{
	memset(p, 0, sizeof(*p));
	switch (suite) {
	case LY_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		return true;
	case LY_SRTP_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		return true;
	case LY_SRTP_AEAD_AES_128_GCM:	/* RFC 7714 §14.2: 16-octet tags */
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
		return true;
	case LY_SRTP_AEAD_AES_256_GCM:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
		return true;
	default:
		return false;
	}
}

/* One direction's context.  libsrtp copies the key, so `key` may go. */
static int context_new(const struct ly_srtp_key *k, bool outbound, srtp_t *out)
{
	uint8_t key[LY_SRTP_MAX_KEY];
	srtp_policy_t p;
	srtp_err_status_t st;

	if (!policy_for(k->suite, &p) || k->len != ly_srtp_key_len(k->suite))
		return EINVAL;
	memcpy(key, k->key, k->len);
	/* Any SSRC: the peer's may change at a re-INVITE, and each new one
	 * gets its own stream (and replay window) from this template. */
	p.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
	p.key = key;
	p.window_size = 128;
	p.allow_repeat_tx = false;
	st = srtp_create(out, &p);
	OPENSSL_cleanse(key, sizeof(key));
	return st == srtp_err_status_ok ? 0 : EINVAL;
}

/* Does libsrtp here make a context for the suite?  The AEAD suites exist
 * only when libsrtp was built against OpenSSL. */
static bool suite_works(enum ly_srtp_suite suite)
{
	struct ly_srtp_key k = { .suite = suite, .len = ly_srtp_key_len(suite) };
	srtp_t ctx;

	if (context_new(&k, true, &ctx))
		return false;
	srtp_dealloc(ctx);
	return true;
}

/* libsrtp2 opens and starts on the first SRTP call (see the top). */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static bool started;
static int start_rc;

static int ensure_started(void)
{
	int rc;

	pthread_mutex_lock(&init_lock);
	if (!started) {
		start_rc = open_libsrtp();
		if (!start_rc && srtp_init() != srtp_err_status_ok)
			start_rc = EIO;
		if (start_rc)
			ly_error("libsrtp2 did not initialise: no SRTP");
		for (unsigned s = 1; s <= LY_SRTP_SUITES; s++)
			have_suite[s] = !start_rc && suite_works((enum ly_srtp_suite)s);
		started = true;
	}
	rc = start_rc;
	pthread_mutex_unlock(&init_lock);
	return rc;
}

int rtp_srtp_init(void)
{
	return 0;	/* see ensure_started */
}

void rtp_srtp_shutdown(void)
{
	pthread_mutex_lock(&init_lock);
	if (started && !start_rc)
		srtp_shutdown();
	started = false;
	pthread_mutex_unlock(&init_lock);
}

bool rtp_srtp_suite_ok(enum ly_srtp_suite suite)
{
	if (ensure_started())
		return false;
	return suite > LY_SRTP_NONE && suite <= LY_SRTP_SUITES && have_suite[suite];
}

int rtp_srtp_keygen(enum ly_srtp_suite suite, struct ly_srtp_key *out)
{
	memset(out, 0, sizeof(*out));
	if (!rtp_srtp_suite_ok(suite))
		return ENOTSUP;
	out->suite = suite;
	out->len = ly_srtp_key_len(suite);
	return RAND_bytes(out->key, (int)out->len) == 1 ? 0 : EIO;
}

static bool key_equal(const struct ly_srtp_key *a, const struct ly_srtp_key *b)
{
	return a->suite == b->suite && a->len == b->len && memcmp(a->key, b->key, a->len) == 0;
}

void rtp_srtp_free(struct rtp_srtp *c)
{
	if (!c)
		return;
	if (c->tx)
		srtp_dealloc(c->tx);
	if (c->rx)
		srtp_dealloc(c->rx);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

/* Replace one direction's context unless its key is the same. */
static int replace(srtp_t *ctx, struct ly_srtp_key *have, const struct ly_srtp_key *want,
		   bool outbound)
{
	srtp_t next;
	int err;

	if (*ctx && key_equal(have, want))
		return 0;
	err = context_new(want, outbound, &next);
	if (err)
		return err;
	if (*ctx)
		srtp_dealloc(*ctx);
	*ctx = next;
	*have = *want;
	return 0;
}

int rtp_srtp_set(struct rtp_srtp **sp, const struct ly_srtp_key *local,
		 const struct ly_srtp_key *remote)
{
	struct rtp_srtp *c = *sp;
	int err;

	if (!local || !remote) {
		rtp_srtp_free(c);
		*sp = NULL;
		return 0;
	}
	if (!rtp_srtp_suite_ok(local->suite) || !rtp_srtp_suite_ok(remote->suite))
		return ENOTSUP;
	if (!c)
		c = ly_calloc(1, sizeof(*c));
	err = replace(&c->tx, &c->tx_key, local, true);
	if (!err)
		err = replace(&c->rx, &c->rx_key, remote, false);
	if (err && !*sp) {
		rtp_srtp_free(c);
		return err;
	}
	*sp = c;
	return err;
}

enum ly_srtp_suite rtp_srtp_suite(const struct rtp_srtp *c)
{
	return c ? c->tx_key.suite : LY_SRTP_NONE;
}

static int map_status(srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_ok:
		return 0;
	case srtp_err_status_auth_fail:
		return EBADMSG;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
		return EALREADY;
	default:
		return EINVAL;
	}
}

int rtp_srtp_protect(struct rtp_srtp *c, uint8_t *pkt, size_t *len)
{
	int n = (int)*len;
	int err;

	if (*len > INT_MAX - RTP_SRTP_TRAILER)
		return EINVAL;
	err = map_status(srtp_protect(c->tx, pkt, &n));
	if (!err)
		*len = (size_t)n;
	return err;
}

int rtp_srtp_protect_rtcp(struct rtp_srtp *c, uint8_t *pkt, size_t *len)
{
	int n = (int)*len;
	int err;

	if (*len > INT_MAX - RTP_SRTP_TRAILER)
		return EINVAL;
	err = map_status(srtp_protect_rtcp(c->tx, pkt, &n));
	if (!err)
		*len = (size_t)n;
	return err;
}

/* libsrtp reads the header before it checks anything: a datagram too
 * short for one, or not RTP version 2, is not SRTP, which counts as an
 * authentication failure (and never touches the replay window). */
int rtp_srtp_unprotect(struct rtp_srtp *c, uint8_t *pkt, size_t *len)
{
	int n = (int)*len;
	int err;

	if (*len < 12 || *len > INT_MAX || pkt[0] >> 6 != 2)
		return EBADMSG;
	err = map_status(srtp_unprotect(c->rx, pkt, &n));
	if (err == EINVAL)
		err = EBADMSG;	/* a mangled header or tag is an attack like any other */
	if (!err)
		*len = (size_t)n;
	return err;
}

int rtp_srtp_unprotect_rtcp(struct rtp_srtp *c, uint8_t *pkt, size_t *len)
{
	int n = (int)*len;
	int err;

	if (*len < 8 || *len > INT_MAX)
		return EBADMSG;
	err = map_status(srtp_unprotect_rtcp(c->rx, pkt, &n));
	if (err == EINVAL)
		err = EBADMSG;
	if (!err)
		*len = (size_t)n;
	return err;
}
