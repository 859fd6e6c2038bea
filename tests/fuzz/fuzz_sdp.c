/* tests/fuzz/fuzz_sdp.c - libFuzzer target: any bytes through the SDP parser, the printer, the answerer and the a=crypto parser. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/utils.h"
#include "sdp.h"
#include "sdp_crypto.h"
#include "sdp_negotiate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What was printed must parse again: the printer never writes what the
 * parser refuses, so a SIP peer never receives an SDP we could not read.
 * Only the bounds may differ: printing adds s= and t= when they lacked.
 * And printing what was parsed back gives the same text (sdp.h). */
static void check_reparse(const struct sdp_session *s)
{
	struct ly_buf b, b2;
	struct sdp_session *again = NULL;

	ly_buf_init(&b);
	ly_buf_init(&b2);
	sdp_print(s, &b);
	if (sdp_parse(ly_buf_str(&b), b.len, &again, NULL) == EINVAL)
		__builtin_trap();
	if (again) {
		sdp_print(again, &b2);
		if (strcmp(ly_buf_str(&b), ly_buf_str(&b2)) != 0)
			__builtin_trap();
	}
	sdp_free(again);
	ly_buf_free(&b);
	ly_buf_free(&b2);
}

/* Answer the input as an offer, and read the answer back as if it were
 * the peer's answer to that offer: the two must agree. */
static void negotiate(const struct sdp_session *offer)
{
	static const char *const codecs[] = { "opus", "g722", "alaw", "ulaw" };
	static const struct ly_srtp_key keys[] = {
		{ LY_SRTP_AES_CM_128_HMAC_SHA1_80, { 1, 2, 3 }, 30 },
		{ LY_SRTP_AEAD_AES_256_GCM, { 4, 5, 6 }, 44 },
	};
	struct sdp_local local = {
		.addr = "127.0.0.1", .port = 4000, .codecs = codecs,
		.ncodecs = LY_ARRAY_LEN(codecs), .dtmf = true, .ptime = 20, .dir = SDP_SENDRECV,
		.srtp = SDP_SRTP_OPTIONAL, .keys = keys, .nkeys = LY_ARRAY_LEN(keys),
	};
	struct sdp_session *answer = NULL;
	struct sdp_result res, back;
	struct sdp_owner own;

	sdp_owner_init(&own, 1);
	if (sdp_answer_create(offer, &local, &own, &answer, &res, NULL) != 0)
		return;
	check_reparse(answer);
	if (sdp_answer_apply(offer, answer, &back, NULL) == 0 &&
	    (back.media_index != res.media_index || strcmp(back.codec, res.codec) != 0 ||
	     back.srtp != res.srtp))
		__builtin_trap();
	sdp_free(answer);
}

/* Every a=crypto line through the SDES parser; what it takes, written
 * back and parsed again, gives the same tag, suite and key. */
static void check_crypto(const struct sdp_media *m)
{
	for (size_t i = 0; i < m->nattrs; i++) {
		struct sdp_crypto c, again;
		char *text;

		if (strcmp(m->attrs[i].name, "crypto") != 0 ||
		    sdp_crypto_parse(m->attrs[i].value, &c, NULL) != 0)
			continue;
		text = sdp_crypto_format(&c);
		if (sdp_crypto_parse(text, &again, NULL) != 0 || again.tag != c.tag ||
		    again.key.suite != c.key.suite || again.key.len != c.key.len ||
		    memcmp(again.key.key, c.key.key, c.key.len) != 0)
			__builtin_trap();
		free(text);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdp_session *s = NULL;

	if (sdp_parse((const char *)data, size, &s, NULL) != 0)
		return 0;
	check_reparse(s);
	for (size_t i = 0; i < s->nmedia; i++)
		check_crypto(&s->media[i]);
	negotiate(s);
	sdp_free(s);
	return 0;
}
