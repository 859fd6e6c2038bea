/* tests/fuzz/fuzz_sdp.c - libFuzzer target: any bytes through the SDP parser, the printer and the answerer. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lyre/utils.h"
#include "sdp.h"
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
	struct sdp_local local = {
		.addr = "127.0.0.1", .port = 4000, .codecs = codecs,
		.ncodecs = LY_ARRAY_LEN(codecs), .dtmf = true, .ptime = 20, .dir = SDP_SENDRECV,
	};
	struct sdp_session *answer = NULL;
	struct sdp_result res, back;
	struct sdp_owner own;

	sdp_owner_init(&own, 1);
	if (sdp_answer_create(offer, &local, &own, &answer, &res, NULL) != 0)
		return;
	check_reparse(answer);
	if (sdp_answer_apply(offer, answer, &back, NULL) == 0 &&
	    (back.media_index != res.media_index || strcmp(back.codec, res.codec) != 0))
		__builtin_trap();
	sdp_free(answer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdp_session *s = NULL;

	if (sdp_parse((const char *)data, size, &s, NULL) != 0)
		return 0;
	check_reparse(s);
	negotiate(s);
	sdp_free(s);
	return 0;
}
