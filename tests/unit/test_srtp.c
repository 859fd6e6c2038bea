/* tests/unit/test_srtp.c - res_rtp's SRTP contexts (rtp_srtp.c over libsrtp2): suites, round trips, tampering, replays, re-keying. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lyre/rtp.h"
#include "rtp_srtp.h"
#include "tap.h"

#define PAYLOAD 160

/* An RTP packet with a recognisable payload; buf has trailer room. */
static size_t make_rtp(uint8_t *b, uint16_t seq, uint32_t ssrc)
{
	b[0] = 0x80;
	b[1] = 0;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	memset(b + 4, 0, 4);
	b[4] = (uint8_t)(seq >> 4);
	b[8] = (uint8_t)(ssrc >> 24);
	b[9] = (uint8_t)(ssrc >> 16);
	b[10] = (uint8_t)(ssrc >> 8);
	b[11] = (uint8_t)ssrc;
	for (size_t i = 0; i < PAYLOAD; i++)
		b[12 + i] = (uint8_t)(i * 7 + seq);
	return 12 + PAYLOAD;
}

/* Two ends: a sends with ka and b receives with ka (and the other way with kb). */
static void pair(enum ly_srtp_suite s, struct rtp_srtp **a, struct rtp_srtp **b)
{
	struct ly_srtp_key ka, kb;

	*a = *b = NULL;
	CHECK_INT(rtp_srtp_keygen(s, &ka), 0);
	CHECK_INT(rtp_srtp_keygen(s, &kb), 0);
	CHECK_INT(rtp_srtp_set(a, &ka, &kb), 0);
	CHECK_INT(rtp_srtp_set(b, &kb, &ka), 0);
}

static void test_init_and_suites(void)
{
	struct ly_srtp_key k1, k2;

	CHECK_INT(rtp_srtp_init(), 0);
	CHECK(rtp_srtp_suite_ok(LY_SRTP_AES_CM_128_HMAC_SHA1_80));
	CHECK(rtp_srtp_suite_ok(LY_SRTP_AES_CM_128_HMAC_SHA1_32));
	printf("# AEAD_AES_128_GCM %s, AEAD_AES_256_GCM %s\n",
	       rtp_srtp_suite_ok(LY_SRTP_AEAD_AES_128_GCM) ? "yes" : "no",
	       rtp_srtp_suite_ok(LY_SRTP_AEAD_AES_256_GCM) ? "yes" : "no");
	CHECK(!rtp_srtp_suite_ok(LY_SRTP_NONE));
	CHECK_INT(rtp_srtp_keygen(LY_SRTP_NONE, &k1), ENOTSUP);
	CHECK_INT(rtp_srtp_keygen(LY_SRTP_AES_CM_128_HMAC_SHA1_80, &k1), 0);
	CHECK_INT(rtp_srtp_keygen(LY_SRTP_AES_CM_128_HMAC_SHA1_80, &k2), 0);
	CHECK_INT(k1.len, 30);
	CHECK(memcmp(k1.key, k2.key, 30) != 0);	/* fresh every time */
	CHECK_STR(ly_srtp_suite_name(LY_SRTP_AEAD_AES_256_GCM), "AEAD_AES_256_GCM");
	CHECK_INT(ly_srtp_suite_by_name("AES_CM_128_HMAC_SHA1_32"), LY_SRTP_AES_CM_128_HMAC_SHA1_32);
	CHECK_INT(ly_srtp_suite_by_name("NULL_HMAC_SHA1_80"), LY_SRTP_NONE);
	CHECK_INT(ly_srtp_key_len(LY_SRTP_AEAD_AES_128_GCM), 28);
}

/* Every suite: the payload is encrypted on the wire, tagged with the
 * suite's tag length, and comes back the same. */
static void test_round_trip_every_suite(void)
{
	static const struct { enum ly_srtp_suite s; size_t tag; } suites[] = {
		{ LY_SRTP_AES_CM_128_HMAC_SHA1_80, 10 }, { LY_SRTP_AES_CM_128_HMAC_SHA1_32, 4 },
		{ LY_SRTP_AEAD_AES_128_GCM, 16 }, { LY_SRTP_AEAD_AES_256_GCM, 16 },
	};

	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		uint8_t buf[512], plain[512];
		struct rtp_srtp *a, *b;
		size_t len, n;

		if (!rtp_srtp_suite_ok(suites[i].s))
			continue;
		pair(suites[i].s, &a, &b);
		if (!a || !b)
			continue;
		CHECK_INT(rtp_srtp_suite(a), suites[i].s);
		for (uint16_t seq = 1; seq < 50; seq++) {
			n = len = make_rtp(buf, seq, 0x1234);
			memcpy(plain, buf, len);
			CHECK_INT(rtp_srtp_protect(a, buf, &len), 0);
			CHECK_INT(len, n + suites[i].tag);
			CHECK(memcmp(buf + 12, plain + 12, PAYLOAD) != 0);
			CHECK(memcmp(buf, plain, 12) == 0);	/* the header stays readable */
			CHECK_INT(rtp_srtp_unprotect(b, buf, &len), 0);
			CHECK_INT(len, n);
			CHECK(memcmp(buf, plain, n) == 0);
		}
		/* and the other direction, with the other key */
		n = len = make_rtp(buf, 7, 0x5678);
		CHECK_INT(rtp_srtp_protect(b, buf, &len), 0);
		CHECK_INT(rtp_srtp_unprotect(a, buf, &len), 0);
		CHECK_INT(len, n);
		/* SRTCP: a receiver report with no blocks */
		uint8_t rtcp[64] = { 0x80, 201, 0, 1, 0, 0, 0x12, 0x34 };

		len = 8;
		CHECK_INT(rtp_srtp_protect_rtcp(a, rtcp, &len), 0);
		CHECK(len > 8);
		CHECK_INT(rtp_srtp_unprotect_rtcp(b, rtcp, &len), 0);
		CHECK_INT(len, 8);
		CHECK(rtcp[1] == 201);
		rtp_srtp_free(a);
		rtp_srtp_free(b);
	}
}

static void test_tamper_garbage_and_replay(void)
{
	uint8_t buf[512], copy[512];
	struct rtp_srtp *a, *b;
	size_t len, clen;

	pair(LY_SRTP_AES_CM_128_HMAC_SHA1_80, &a, &b);
	if (!a || !b)
		return;
	len = make_rtp(buf, 100, 42);
	CHECK_INT(rtp_srtp_protect(a, buf, &len), 0);
	memcpy(copy, buf, len);
	clen = len;
	/* a flipped bit in the tag, and in the payload */
	buf[len - 1] ^= 1;
	CHECK_INT(rtp_srtp_unprotect(b, buf, &len), EBADMSG);
	memcpy(buf, copy, clen);
	len = clen;
	buf[20] ^= 0x80;
	CHECK_INT(rtp_srtp_unprotect(b, buf, &len), EBADMSG);
	/* garbage, short datagrams */
	memset(buf, 0x5a, sizeof(buf));
	len = 200;
	CHECK_INT(rtp_srtp_unprotect(b, buf, &len), EBADMSG);
	len = 5;
	CHECK_INT(rtp_srtp_unprotect(b, buf, &len), EBADMSG);
	/* the genuine packet passes once; the replay is dropped */
	memcpy(buf, copy, clen);
	len = clen;
	CHECK_INT(rtp_srtp_unprotect(b, buf, &len), 0);
	memcpy(buf, copy, clen);
	len = clen;
	CHECK_INT(rtp_srtp_unprotect(b, buf, &len), EALREADY);
	/* a packet far behind the replay window is too old */
	for (uint16_t seq = 101; seq < 400; seq++) {
		len = make_rtp(buf, seq, 42);
		CHECK_INT(rtp_srtp_protect(a, buf, &len), 0);
		if (seq > 300)
			CHECK_INT(rtp_srtp_unprotect(b, buf, &len), 0);
	}
	/* seq 100 is now far behind the window (RFC 3711 §3.3.2) */
	memcpy(buf, copy, clen);
	len = clen;
	CHECK_INT(rtp_srtp_unprotect(b, buf, &len), EALREADY);
	rtp_srtp_free(a);
	rtp_srtp_free(b);
}

/* A re-INVITE: keys that stay keep their context (replay state), a new
 * remote key replaces only the receiving context, NULL turns SRTP off. */
static void test_rekey(void)
{
	struct ly_srtp_key ka, kb, kc;
	struct rtp_srtp *a = NULL, *b = NULL, *c = NULL;
	uint8_t buf[512], copy[512];
	size_t len, clen;

	CHECK_INT(rtp_srtp_keygen(LY_SRTP_AES_CM_128_HMAC_SHA1_80, &ka), 0);
	CHECK_INT(rtp_srtp_keygen(LY_SRTP_AES_CM_128_HMAC_SHA1_80, &kb), 0);
	CHECK_INT(rtp_srtp_keygen(LY_SRTP_AES_CM_128_HMAC_SHA1_32, &kc), 0);
	CHECK_INT(rtp_srtp_set(&a, &ka, &kb), 0);
	CHECK_INT(rtp_srtp_set(&b, &kb, &ka), 0);
	len = make_rtp(buf, 1, 9);
	CHECK_INT(rtp_srtp_protect(a, buf, &len), 0);
	memcpy(copy, buf, len);
	clen = len;
	CHECK_INT(rtp_srtp_unprotect(b, buf, &len), 0);
	/* same keys again: the replay window survives */
	CHECK_INT(rtp_srtp_set(&b, &kb, &ka), 0);
	memcpy(buf, copy, clen);
	len = clen;
	CHECK_INT(rtp_srtp_unprotect(b, buf, &len), EALREADY);
	/* the peer re-keys: old-key packets fail, new-key ones pass */
	CHECK_INT(rtp_srtp_set(&c, &kc, &kb), 0);	/* the peer's new sender */
	CHECK_INT(rtp_srtp_set(&b, &kb, &kc), 0);
	memcpy(buf, copy, clen);
	len = clen;
	CHECK_INT(rtp_srtp_unprotect(b, buf, &len), EBADMSG);
	len = make_rtp(buf, 2, 9);
	CHECK_INT(rtp_srtp_protect(c, buf, &len), 0);
	CHECK_INT(rtp_srtp_unprotect(b, buf, &len), 0);
	/* a bad key is refused and leaves nothing behind */
	struct ly_srtp_key bad = ka;
	struct rtp_srtp *d = NULL;

	bad.len = 12;
	CHECK(rtp_srtp_set(&d, &bad, &ka) != 0);
	CHECK(d == NULL);
	CHECK_INT(rtp_srtp_set(&b, NULL, NULL), 0);
	CHECK(b == NULL);
	rtp_srtp_free(a);
	rtp_srtp_free(c);
	rtp_srtp_shutdown();
}

TAP_MAIN(TAP(test_init_and_suites), TAP(test_round_trip_every_suite),
	 TAP(test_tamper_garbage_and_replay), TAP(test_rekey))
