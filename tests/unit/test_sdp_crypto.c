/* tests/unit/test_sdp_crypto.c - SDES a=crypto (RFC 4568): parsing, and offer/answer with SRTP keys. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/utils.h"
#include "sdp.h"
#include "sdp_crypto.h"
#include "sdp_negotiate.h"
#include "tap.h"

/* 30 bytes 0..29 in base64 */
#define KEY30 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"
/* 44 bytes 0..43 */
#define KEY44 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKis="
/* 28 bytes 0..27 */
#define KEY28 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw=="

static int parse_crypto(const char *v, struct sdp_crypto *c)
{
	const char *why = NULL;
	int rc = sdp_crypto_parse(v, c, &why);

	if (rc)
		printf("#   '%s': %s\n", v, why ? why : "(no reason)");
	return rc;
}

static void test_parse_suites_and_keys(void)
{
	struct sdp_crypto c;

	CHECK_INT(parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30, &c), 0);
	CHECK_INT(c.tag, 1);
	CHECK_INT(c.key.suite, LY_SRTP_AES_CM_128_HMAC_SHA1_80);
	CHECK_INT(c.key.len, 30);
	CHECK(c.key.key[0] == 0 && c.key.key[29] == 29);
	CHECK_INT(parse_crypto("22 AES_CM_128_HMAC_SHA1_32 inline:" KEY30, &c), 0);
	CHECK_INT(c.tag, 22);
	CHECK_INT(c.key.suite, LY_SRTP_AES_CM_128_HMAC_SHA1_32);
	CHECK_INT(parse_crypto("3 AEAD_AES_256_GCM inline:" KEY44, &c), 0);
	CHECK_INT(c.key.len, 44);
	CHECK(c.key.key[43] == 43);
	CHECK_INT(parse_crypto("4 AEAD_AES_128_GCM inline:" KEY28, &c), 0);
	CHECK_INT(c.key.len, 28);
	CHECK(c.key.key[27] == 27);
	/* write and read back */
	char *text = sdp_crypto_format(&c);

	CHECK_STR(text, "4 AEAD_AES_128_GCM inline:" KEY28);
	free(text);
}

static void test_parse_lifetime_mki_params(void)
{
	struct sdp_crypto c;

	/* RFC 4568 §6.1: lifetimes in both forms are fine within 2^48 */
	CHECK_INT(parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^20", &c), 0);
	CHECK_INT(parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|1048576", &c), 0);
	CHECK_INT(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^49", &c, NULL),
		  ENOTSUP);
	CHECK_INT(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^x", &c, NULL),
		  EINVAL);
	/* MKI is not supported, with or without a lifetime before it */
	CHECK_INT(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|1:4", &c, NULL),
		  ENOTSUP);
	CHECK_INT(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^20|1:4", &c, NULL),
		  ENOTSUP);
	/* two keys need MKIs */
	CHECK_INT(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 ";inline:" KEY30, &c,
				   NULL), ENOTSUP);
	/* session parameters: harmless ones pass, weakening or unknown ones refuse */
	CHECK_INT(parse_crypto("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 " KDR=0 WSH=128", &c), 0);
	CHECK_INT(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 " UNENCRYPTED_SRTP",
				   &c, NULL), ENOTSUP);
	CHECK_INT(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 " UNAUTHENTICATED_SRTP",
				   &c, NULL), ENOTSUP);
	CHECK_INT(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 " WSH=32", &c, NULL),
		  ENOTSUP);
	CHECK_INT(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 " KDR=24", &c, NULL),
		  ENOTSUP);
}

static void test_parse_bad_lines(void)
{
	struct sdp_crypto c;

	CHECK_INT(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "!", &c, NULL), EINVAL);
	CHECK_INT(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:AA=A" KEY30, &c, NULL), EINVAL);
	CHECK_INT(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY44, &c, NULL), EINVAL);
	CHECK_INT(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY28, &c, NULL), EINVAL);
	CHECK_INT(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:", &c, NULL), EINVAL);
	CHECK_INT(sdp_crypto_parse("1 F8_128_HMAC_SHA1_80 inline:" KEY30, &c, NULL), ENOTSUP);
	CHECK_INT(sdp_crypto_parse("1 aes_cm_128_hmac_sha1_80 inline:" KEY30, &c, NULL), ENOTSUP);
	CHECK_INT(sdp_crypto_parse("x AES_CM_128_HMAC_SHA1_80 inline:" KEY30, &c, NULL), EINVAL);
	CHECK_INT(sdp_crypto_parse("1234567890 AES_CM_128_HMAC_SHA1_80 inline:" KEY30, &c, NULL),
		  EINVAL);
	CHECK_INT(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 uri:http://x", &c, NULL), EINVAL);
	CHECK_INT(sdp_crypto_parse("1 AES_CM_128_HMAC_SHA1_80", &c, NULL), EINVAL);
	CHECK_INT(sdp_crypto_parse("", &c, NULL), EINVAL);
	CHECK_INT(sdp_crypto_parse(NULL, &c, NULL), EINVAL);
}

/* ---- offer/answer ---- */

static const char *const codecs[] = { "ulaw", "alaw" };

static struct ly_srtp_key key_of(enum ly_srtp_suite s, uint8_t fill)
{
	struct ly_srtp_key k = { .suite = s, .len = ly_srtp_key_len(s) };

	memset(k.key, fill, k.len);
	return k;
}

static struct sdp_local local(enum sdp_srtp mode, const struct ly_srtp_key *keys, size_t n,
			      unsigned port)
{
	struct sdp_local l = {
		.addr = "127.0.0.1", .port = port, .codecs = codecs, .ncodecs = 2,
		.dtmf = true, .ptime = 20, .dir = SDP_SENDRECV,
		.srtp = mode, .keys = keys, .nkeys = n,
	};
	return l;
}

static struct sdp_session *parse(const char *text)
{
	struct sdp_session *s = NULL;

	CHECK_INT(sdp_parse(text, strlen(text), &s, NULL), 0);
	return s;
}

static char *print(const struct sdp_session *s)
{
	struct ly_buf b;
	char *t;

	ly_buf_init(&b);
	sdp_print(s, &b);
	t = ly_strdup(ly_buf_str(&b));
	ly_buf_free(&b);
	return t;
}

/* Offer from a, answer from b (each through text, as on the wire). */
static int loop(const struct sdp_local *a, const struct sdp_local *b, struct sdp_result *ra,
		struct sdp_result *rb, unsigned *status, char **offer_text)
{
	struct sdp_owner oa, ob;
	struct sdp_session *offer = NULL, *wire = NULL, *ans = NULL, *ans_wire = NULL;
	struct sdp_error err = { 0 };
	char *t;
	int rc;

	sdp_owner_init(&oa, 1);
	sdp_owner_init(&ob, 2);
	CHECK_INT(sdp_offer_create(a, &oa, &offer, NULL), 0);
	t = print(offer);
	wire = parse(t);
	if (offer_text)
		*offer_text = t;
	else
		free(t);
	rc = sdp_answer_create(wire, b, &ob, &ans, rb, &err);
	if (rc) {
		*status = err.status;
		goto out;
	}
	t = print(ans);
	ans_wire = parse(t);
	free(t);
	rc = sdp_answer_apply(offer, ans_wire, ra, &err);
	*status = rc ? err.status : 200;
out:
	sdp_free(offer);
	sdp_free(wire);
	sdp_free(ans);
	sdp_free(ans_wire);
	return rc;
}

static void test_offer_answer_srtp(void)
{
	struct ly_srtp_key ka[] = { key_of(LY_SRTP_AES_CM_128_HMAC_SHA1_80, 0xa1),
				    key_of(LY_SRTP_AES_CM_128_HMAC_SHA1_32, 0xa2) };
	struct ly_srtp_key kb[] = { key_of(LY_SRTP_AES_CM_128_HMAC_SHA1_32, 0xb2),
				    key_of(LY_SRTP_AES_CM_128_HMAC_SHA1_80, 0xb1) };
	struct sdp_local a = local(SDP_SRTP_MANDATORY, ka, 2, 20000);
	struct sdp_local b = local(SDP_SRTP_MANDATORY, kb, 2, 30000);
	struct sdp_result ra, rb;
	unsigned status = 0;
	char *offer = NULL;

	CHECK_INT(loop(&a, &b, &ra, &rb, &status, &offer), 0);
	CHECK(offer && strstr(offer, "m=audio 20000 RTP/SAVP 0 8 101\r\n"));
	CHECK(offer && strstr(offer, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
	CHECK(offer && strstr(offer, "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:"));
	free(offer);
	/* the offer's first suite wins (§7.1.1); each side keeps its own key */
	CHECK(ra.srtp && rb.srtp);
	CHECK_INT(rb.local_key.suite, LY_SRTP_AES_CM_128_HMAC_SHA1_80);
	CHECK_INT(rb.local_key.key[0], 0xb1);
	CHECK_INT(rb.remote_key.key[0], 0xa1);
	CHECK_INT(ra.local_key.key[0], 0xa1);
	CHECK_INT(ra.remote_key.key[0], 0xb1);
	CHECK_INT(ra.remote_key.suite, LY_SRTP_AES_CM_128_HMAC_SHA1_80);

	/* a callee without _80 takes the offer's next line */
	b = local(SDP_SRTP_OPTIONAL, kb, 1, 30000);
	CHECK_INT(loop(&a, &b, &ra, &rb, &status, NULL), 0);
	CHECK(ra.srtp && rb.srtp);
	CHECK_INT(ra.local_key.suite, LY_SRTP_AES_CM_128_HMAC_SHA1_32);
	CHECK_INT(ra.local_key.key[0], 0xa2);
	CHECK_INT(ra.remote_key.key[0], 0xb2);
}

static void test_srtp_modes(void)
{
	struct ly_srtp_key ka[] = { key_of(LY_SRTP_AES_CM_128_HMAC_SHA1_80, 0xa1) };
	struct ly_srtp_key kb[] = { key_of(LY_SRTP_AES_CM_128_HMAC_SHA1_80, 0xb1) };
	struct sdp_local plain = local(SDP_SRTP_NO, NULL, 0, 20000);
	struct sdp_local opt = local(SDP_SRTP_OPTIONAL, ka, 1, 20000);
	struct sdp_local mand = local(SDP_SRTP_MANDATORY, kb, 1, 30000);
	struct sdp_local no_b = local(SDP_SRTP_NO, kb, 1, 30000);
	struct sdp_result ra, rb;
	unsigned status = 0;
	char *offer = NULL;

	/* mandatory answers a plain offer with 488 */
	CHECK_INT(loop(&plain, &mand, &ra, &rb, &status, NULL), EPROTO);
	CHECK_INT(status, 488);
	/* srtp=no answers a SAVP offer with 488 */
	CHECK_INT(loop(&mand, &no_b, &ra, &rb, &status, NULL), EPROTO);
	CHECK_INT(status, 488);
	/* optional offers RTP/AVP with a=crypto: a plain callee ignores it */
	CHECK_INT(loop(&opt, &no_b, &ra, &rb, &status, &offer), 0);
	CHECK(offer && strstr(offer, "RTP/AVP") && strstr(offer, "a=crypto:1 "));
	free(offer);
	CHECK(!ra.srtp && !rb.srtp);
	/* ... and an SDES callee (even a mandatory one) encrypts */
	CHECK_INT(loop(&opt, &mand, &ra, &rb, &status, NULL), 0);
	CHECK(ra.srtp && rb.srtp);
	CHECK_INT(ra.remote_key.key[0], 0xb1);
	/* optional answering a plain offer stays plain */
	CHECK_INT(loop(&plain, &opt, &ra, &rb, &status, NULL), 0);
	CHECK(!ra.srtp && !rb.srtp);
}

static void test_answer_checks(void)
{
	static const char savp_offer[] =
		"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/SAVP 0\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^20|1:4\r\n"
		"a=crypto:2 F8_128_HMAC_SHA1_80 inline:" KEY30 "\r\n"
		"a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n";
	struct ly_srtp_key kb[] = { key_of(LY_SRTP_AES_CM_128_HMAC_SHA1_80, 0xb1) };
	struct sdp_local b = local(SDP_SRTP_OPTIONAL, kb, 1, 30000);
	struct sdp_session *offer = parse(savp_offer), *ans = NULL, *bad = NULL;
	struct sdp_owner own;
	struct sdp_result res;
	struct sdp_error err = { 0 };
	char *t;

	sdp_owner_init(&own, 5);
	/* lines with MKI and an unknown suite are skipped: tag 3 is taken */
	CHECK_INT(sdp_answer_create(offer, &b, &own, &ans, &res, &err), 0);
	CHECK(res.srtp);
	CHECK_INT(res.remote_key.key[1], 1);
	t = ans ? print(ans) : NULL;
	CHECK(t && strstr(t, "m=audio 30000 RTP/SAVP 0"));
	CHECK(t && strstr(t, "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:sbGxsbGx"));
	free(t);
	/* an answer with a tag we never offered, or another suite, is refused */
	bad = parse("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		    "m=audio 4000 RTP/SAVP 0\r\n"
		    "a=crypto:9 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n");
	if (ans && bad) {
		CHECK_INT(sdp_answer_apply(ans, bad, &res, &err), EPROTO);
		CHECK_INT(err.status, 488);
	}
	sdp_free(bad);
	bad = parse("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		    "m=audio 4000 RTP/SAVP 0\r\n"
		    "a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:" KEY30 "\r\n");
	if (ans && bad)
		CHECK_INT(sdp_answer_apply(ans, bad, &res, &err), EPROTO);
	sdp_free(bad);
	/* a plain answer to a SAVP offer is refused */
	bad = parse("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		    "m=audio 4000 RTP/AVP 0\r\n");
	if (ans && bad)
		CHECK_INT(sdp_answer_apply(ans, bad, &res, &err), EPROTO);
	sdp_free(bad);
	sdp_free(ans);
	sdp_free(offer);
}

TAP_MAIN(TAP(test_parse_suites_and_keys), TAP(test_parse_lifetime_mki_params),
	 TAP(test_parse_bad_lines), TAP(test_offer_answer_srtp), TAP(test_srtp_modes),
	 TAP(test_answer_checks))
