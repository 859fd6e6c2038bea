/* tests/unit/test_sdp.c - SDP parsing and printing, and the offer/answer rules of RFC 3264. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/utils.h"
#include "sdp.h"
#include "sdp_negotiate.h"
#include "tap.h"

/* ---- real phones' offers (addresses and ids changed) ------------------ */

static const char yealink[] =
	"v=0\r\n"
	"o=- 20018 20018 IN IP4 192.168.1.50\r\n"
	"s=SDP data\r\n"
	"c=IN IP4 192.168.1.50\r\n"
	"t=0 0\r\n"
	"m=audio 11796 RTP/AVP 0 8 9 18 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:9 G722/8000\r\n"
	"a=rtpmap:18 G729/8000\r\n"
	"a=fmtp:18 annexb=no\r\n"
	"a=ptime:20\r\n"
	"a=sendrecv\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n";

static const char polycom[] =
	"v=0\r\n"
	"o=- 1588698723 1588698723 IN IP4 10.0.0.21\r\n"
	"s=Polycom IP Phone\r\n"
	"c=IN IP4 10.0.0.21\r\n"
	"t=0 0\r\n"
	"a=sendrecv\r\n"
	"m=audio 2222 RTP/AVP 9 102 0 8 18 127\r\n"
	"a=rtpmap:9 G722/8000\r\n"
	"a=rtpmap:102 G7221/16000\r\n"
	"a=fmtp:102 bitrate=32000\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:18 G729/8000\r\n"
	"a=fmtp:18 annexb=no\r\n"
	"a=rtpmap:127 telephone-event/8000\r\n";

/* Grandstream: LF line ends, static payload types without rtpmap, ptime 20.0 */
static const char grandstream[] =
	"v=0\n"
	"o=1001 8000 8000 IN IP4 192.168.0.105\n"
	"s=SIP Call\n"
	"c=IN IP4 192.168.0.105\n"
	"t=0 0\n"
	"m=audio 5004 RTP/AVP 8 0 4 18 101\n"
	"a=sendrecv\n"
	"a=rtpmap:18 G729/8000\n"
	"a=fmtp:18 annexb=no\n"
	"a=ptime:20.0\n"
	"a=rtpmap:101 telephone-event/8000\n"
	"a=fmtp:101 0-15\n";

/* baresip over IPv6: opus, a=rtcp, rtcp-mux, b=, and a video stream */
static const char baresip[] =
	"v=0\r\n"
	"o=- 1402813447 3214531487 IN IP6 ::1\r\n"
	"s=-\r\n"
	"c=IN IP6 ::1\r\n"
	"t=0 0\r\n"
	"a=tool:baresip 3.10.1\r\n"
	"m=audio 10262 RTP/AVP 96 0 8 101\r\n"
	"b=AS:64\r\n"
	"a=rtpmap:96 opus/48000/2\r\n"
	"a=fmtp:96 stereo=1;sprop-stereo=1\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n"
	"a=rtcp:10263\r\n"
	"a=rtcp-mux\r\n"
	"a=sendrecv\r\n"
	"a=label:1\r\n"
	"m=video 10264 RTP/AVP 100\r\n"
	"b=AS:512\r\n"
	"a=rtpmap:100 H264/90000\r\n"
	"a=fmtp:100 packetization-mode=0\r\n"
	"a=sendrecv\r\n";

/* linphone: best-effort SRTP as an RTP/SAVP stream before the RTP/AVP one */
static const char linphone[] =
	"v=0\r\n"
	"o=alice 3216 2446 IN IP4 172.16.0.7\r\n"
	"s=Talk\r\n"
	"c=IN IP4 172.16.0.7\r\n"
	"t=0 0\r\n"
	"a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics\r\n"
	"m=audio 7078 RTP/SAVP 96 0 8 101\r\n"
	"a=rtpmap:96 opus/48000/2\r\n"
	"a=fmtp:96 useinbandfec=1\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n"
	"a=rtcp-fb:* trr-int 1000\r\n"
	"m=audio 7080 RTP/AVP 96 0 8 101\r\n"
	"a=rtpmap:96 opus/48000/2\r\n"
	"a=fmtp:96 useinbandfec=1\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=rtcp-fb:* trr-int 1000\r\n";

/* T.38 re-INVITE: non-RTP formats are names, not payload types */
static const char t38[] =
	"v=0\r\n"
	"o=- 1 2 IN IP4 10.1.1.1\r\n"
	"s=-\r\n"
	"c=IN IP4 10.1.1.1\r\n"
	"t=0 0\r\n"
	"m=image 4002 udptl t38\r\n"
	"a=T38FaxVersion:0\r\n"
	"a=T38FaxRateManagement:transferredTCF\r\n";

/* ---- helpers ---------------------------------------------------------- */

static struct sdp_session *parse(const char *text)
{
	struct sdp_session *s = NULL;
	struct sdp_error err = { 0 };
	int rc = sdp_parse(text, strlen(text), &s, &err);

	if (rc)
		printf("# parse failed (line %u): %s\n", err.line, err.msg);
	CHECK_INT(rc, 0);
	return s;
}

static char *print(const struct sdp_session *s)
{
	struct ly_buf b;
	char *text;

	ly_buf_init(&b);
	sdp_print(s, &b);
	text = ly_strdup(ly_buf_str(&b));
	ly_buf_free(&b);
	return text;
}

static const struct sdp_attr *media_attr(const struct sdp_media *m, const char *name)
{
	return sdp_attr_find(m->attrs, m->nattrs, name);
}

static const char *const all_codecs[] = { "ulaw", "alaw", "g722", "opus" };

static struct sdp_local local_with(const char *const *codecs, size_t n)
{
	struct sdp_local l = {
		.addr = "127.0.0.1", .port = 20000, .codecs = codecs, .ncodecs = n,
		.dtmf = true, .ptime = 20, .dir = SDP_SENDRECV,
	};
	return l;
}

/* Answer `offer_text`; returns the answer (NULL when refused, with *err). */
static struct sdp_session *answer(const char *offer_text, const struct sdp_local *l,
				  struct sdp_result *res, struct sdp_error *err)
{
	struct sdp_session *offer = parse(offer_text), *a = NULL;
	struct sdp_owner own;

	sdp_owner_init(&own, 42);
	if (offer && sdp_answer_create(offer, l, &own, &a, res, err) == 0) {
		/* what we send must parse back */
		char *text = print(a);
		struct sdp_session *again = parse(text);

		CHECK(again && again->nmedia == offer->nmedia);
		sdp_free(again);
		free(text);
	}
	sdp_free(offer);
	return a;
}

static char *mline(const struct sdp_session *s, size_t i)
{
	struct ly_buf b;
	char *text;

	ly_buf_init(&b);
	ly_buf_printf(&b, "%s %u %s", s->media[i].type, s->media[i].port, s->media[i].proto);
	for (size_t j = 0; j < s->media[i].nfmts; j++)
		ly_buf_printf(&b, " %s", s->media[i].fmts[j].id);
	text = ly_strdup(ly_buf_str(&b));
	ly_buf_free(&b);
	return text;
}

#define CHECK_MLINE(s, i, expect) \
	do { char *m_ = mline((s), (i)); CHECK_STR(m_, expect); free(m_); } while (0)

/* ---- parsing ---------------------------------------------------------- */

static void test_parse_yealink(void)
{
	struct sdp_session *s = parse(yealink);
	const struct sdp_media *m;

	if (!s)
		return;
	CHECK_STR(s->origin.username, "-");
	CHECK_STR(s->origin.sess_id, "20018");
	CHECK_STR(s->origin.sess_version, "20018");
	CHECK_STR(s->origin.addr.addr, "192.168.1.50");
	CHECK_STR(s->name, "SDP data");
	CHECK_STR(s->conn.addr, "192.168.1.50");
	CHECK(!s->conn.ipv6);
	CHECK_INT(s->nmedia, 1);
	m = &s->media[0];
	CHECK_STR(m->type, "audio");
	CHECK_INT(m->port, 11796);
	CHECK_STR(m->proto, "RTP/AVP");
	CHECK_INT(m->nfmts, 5);
	CHECK_INT(m->fmts[3].pt, 18);
	CHECK_STR(m->fmts[3].encoding, "G729");
	CHECK_STR(m->fmts[3].fmtp, "annexb=no");
	CHECK_STR(m->fmts[4].encoding, "telephone-event");
	CHECK_INT(m->fmts[4].rate, 8000);
	CHECK_STR(m->fmts[4].fmtp, "0-15");
	CHECK_INT(m->ptime, 20);
	CHECK_INT(m->dir, SDP_SENDRECV);
	CHECK_INT(m->nattrs, 0);
	CHECK(!sdp_media_is_hold(s, m));
	sdp_free(s);
}

static void test_parse_grandstream_lf_and_static_types(void)
{
	struct sdp_session *s = parse(grandstream);

	if (!s)
		return;
	CHECK_INT(s->media[0].nfmts, 5);
	CHECK(s->media[0].fmts[0].encoding == NULL);	/* PCMA by its static number */
	CHECK(sdp_codec_of(&s->media[0].fmts[0]) == sdp_codec_find("alaw"));
	CHECK(sdp_codec_of(&s->media[0].fmts[1]) == sdp_codec_find("ulaw"));
	CHECK(sdp_codec_of(&s->media[0].fmts[2]) == NULL);	/* G.723 */
	CHECK_INT(s->media[0].ptime, 20);
	sdp_free(s);
}

static void test_parse_ipv6_rtcp_and_video(void)
{
	struct sdp_session *s = parse(baresip);
	const struct sdp_media *a, *v;

	if (!s)
		return;
	CHECK(s->conn.ipv6);
	CHECK(s->origin.addr.ipv6);
	CHECK_STR(s->conn.addr, "::1");
	CHECK_STR(sdp_attr_find(s->attrs, s->nattrs, "tool")->value, "baresip 3.10.1");
	CHECK_INT(s->nmedia, 2);
	a = &s->media[0];
	v = &s->media[1];
	CHECK_STR(a->fmts[0].encoding, "opus");
	CHECK_INT(a->fmts[0].rate, 48000);
	CHECK_INT(a->fmts[0].channels, 2);
	CHECK_STR(a->fmts[0].fmtp, "stereo=1;sprop-stereo=1");
	CHECK_STR(media_attr(a, "rtcp")->value, "10263");
	CHECK(media_attr(a, "rtcp-mux") != NULL && media_attr(a, "rtcp-mux")->value == NULL);
	CHECK_INT(a->nlines, 1);
	CHECK_INT(a->lines[0].type, 'b');
	CHECK_STR(a->lines[0].value, "AS:64");
	CHECK_STR(v->type, "video");
	CHECK_STR(v->fmts[0].encoding, "H264");
	CHECK_INT(v->fmts[0].rate, 90000);
	CHECK_STR(sdp_media_conn(s, v)->addr, "::1");
	sdp_free(s);
}

static void test_parse_keeps_crypto_and_unknown(void)
{
	struct sdp_session *s = parse(linphone);

	if (!s)
		return;
	CHECK_STR(s->media[0].proto, "RTP/SAVP");
	CHECK_STR(media_attr(&s->media[0], "crypto")->value,
		  "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz");
	CHECK_STR(media_attr(&s->media[0], "rtcp-fb")->value, "* trr-int 1000");
	CHECK_STR(sdp_attr_find(s->attrs, s->nattrs, "rtcp-xr")->value,
		  "rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics");
	CHECK_INT(s->media[0].dir, SDP_DIR_UNSET);
	CHECK_INT(sdp_media_dir(s, &s->media[0]), SDP_SENDRECV);
	sdp_free(s);
}

static void test_parse_non_rtp_formats(void)
{
	struct sdp_session *s = parse(t38);

	if (!s)
		return;
	CHECK_STR(s->media[0].fmts[0].id, "t38");
	CHECK_INT(s->media[0].fmts[0].pt, -1);
	CHECK_STR(media_attr(&s->media[0], "T38FaxVersion")->value, "0");
	sdp_free(s);
}

/* Two descriptions say the same thing, field by field. */
static void check_same(const struct sdp_session *a, const struct sdp_session *b)
{
	CHECK_STR(a->origin.sess_version, b->origin.sess_version);
	CHECK_STR(a->name, b->name);
	CHECK_INT(a->dir, b->dir);
	CHECK_INT(a->nattrs, b->nattrs);
	CHECK_INT(a->nlines, b->nlines);
	CHECK_INT(a->nmedia, b->nmedia);
	for (size_t i = 0; i < a->nmedia && i < b->nmedia; i++) {
		const struct sdp_media *x = &a->media[i], *y = &b->media[i];

		CHECK_INT(x->port, y->port);
		CHECK_INT(x->nfmts, y->nfmts);
		CHECK_INT(x->nattrs, y->nattrs);
		CHECK_INT(x->dir, y->dir);
		CHECK_INT(x->ptime, y->ptime);
		for (size_t j = 0; j < x->nfmts && j < y->nfmts; j++) {
			CHECK_INT(x->fmts[j].pt, y->fmts[j].pt);
			CHECK_INT(x->fmts[j].rate, y->fmts[j].rate);
			CHECK((x->fmts[j].fmtp == NULL) == (y->fmts[j].fmtp == NULL));
		}
	}
}

static void test_round_trips(void)
{
	const char *samples[] = { yealink, polycom, grandstream, baresip, linphone, t38 };

	for (size_t i = 0; i < LY_ARRAY_LEN(samples); i++) {
		struct sdp_session *first = parse(samples[i]), *second;
		char *text1, *text2;

		if (!first)
			continue;
		text1 = print(first);
		second = parse(text1);
		if (second) {
			check_same(first, second);
			text2 = print(second);
			CHECK_STR(text2, text1);
			free(text2);
		}
		sdp_free(second);
		sdp_free(first);
		free(text1);
	}
}

/* A description already in the printer's order comes back byte for byte. */
static void test_print_is_exact(void)
{
	static const char canonical[] =
		"v=0\r\n"
		"o=- 1402813447 3214531487 IN IP6 2001:db8::7\r\n"
		"s=-\r\n"
		"c=IN IP6 2001:db8::7\r\n"
		"b=AS:80\r\n"
		"t=0 0\r\n"
		"a=tool:baresip\r\n"
		"m=audio 10262 RTP/AVP 96 0 101\r\n"
		"a=rtpmap:96 opus/48000/2\r\n"
		"a=fmtp:96 stereo=1\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=fmtp:101 0-15\r\n"
		"a=rtcp:10263 IN IP6 2001:db8::7\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj\r\n"
		"a=ptime:20\r\n"
		"a=maxptime:40\r\n"
		"a=sendonly\r\n"
		"m=video 0 RTP/AVP 100\r\n";
	struct sdp_session *s = parse(canonical);
	char *text;

	if (!s)
		return;
	text = print(s);
	CHECK_STR(text, canonical);
	CHECK_INT(s->media[0].maxptime, 40);
	CHECK(sdp_media_is_hold(s, &s->media[0]));
	free(text);
	sdp_free(s);
}

struct bad_case {
	const char *text;
	unsigned status;
	const char *reason;	/* a part of the message */
};

static void test_malformed_rejected(void)
{
	static const struct bad_case cases[] = {
		{ "", 400, "empty" },
		{ "o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n", 400, "v=" },
		{ "v=1\r\no=- 1 1 IN IP4 1.2.3.4\r\n", 400, "version" },
		{ "v=0\r\ns=x\r\n", 400, "o=" },
		{ "v=0\r\n", 400, "no o=" },
		{ "v=0\r\no=- 1 IN IP4 1.2.3.4\r\n", 400, "six fields" },
		{ "v=0\r\no=- x1 1 IN IP4 1.2.3.4\r\n", 400, "numbers" },
		{ "v=0\r\no=- 1 1 ATM NSAP 1.2.3.4\r\n", 488, "network type" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IPX 1.2.3.4\r\n", 488, "address type" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4\r\n", 400, "three fields" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.5\r\n",
		  400, "more than one c=" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nhello\r\n", 400, "<type>=" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nx=1\r\n", 400, "unknown line type" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\n", 400, "no c=" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 70000 RTP/AVP 0\r\n",
		  400, "port" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP\r\n",
		  400, "a format" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 128\r\n",
		  400, "payload type" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP pcmu\r\n",
		  400, "payload type" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0 0\r\n",
		  400, "twice" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 96\r\n"
		  "a=rtpmap:96 opus\r\n", 400, "clock rate" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 96\r\n"
		  "a=rtpmap:96 opus/48000\r\na=rtpmap:96 PCMU/8000\r\n", 400, "twice" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\n"
		  "a=ptime:fast\r\n", 400, "ptime" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\n"
		  "t=0 0\r\n", 400, "media description" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\na=with space\r\n", 400, "attribute name" },
		{ "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=a\rb\r\n", 400, "control character" },
	};

	for (size_t i = 0; i < LY_ARRAY_LEN(cases); i++) {
		struct sdp_session *s = (struct sdp_session *)1;
		struct sdp_error err = { 0 };
		int rc = sdp_parse(cases[i].text, strlen(cases[i].text), &s, &err);

		if (rc == 0 || err.status != cases[i].status || !strstr(err.msg, cases[i].reason))
			printf("# case %zu: rc %d status %u \"%s\"\n", i, rc, err.status, err.msg);
		CHECK(rc != 0);
		CHECK(s == NULL);
		CHECK_INT(err.status, cases[i].status);
		CHECK(strstr(err.msg, cases[i].reason) != NULL);
	}
}

static void test_nul_byte_and_line_number(void)
{
	static const char text[] = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=a\0b\r\n";
	struct sdp_session *s;
	struct sdp_error err = { 0 };

	CHECK_INT(sdp_parse(text, sizeof(text) - 1, &s, &err), EINVAL);
	CHECK_INT(err.line, 3);
	CHECK_INT(err.status, 400);
}

static void test_bounds(void)
{
	struct ly_buf b;
	struct sdp_session *s;
	struct sdp_error err = { 0 };

	ly_buf_init(&b);
	ly_buf_puts(&b, "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\n");
	for (int i = 0; i <= SDP_MAX_MEDIA; i++)
		ly_buf_puts(&b, "m=audio 0 RTP/AVP 0\r\n");
	CHECK_INT(sdp_parse(b.data, b.len, &s, &err), E2BIG);
	CHECK(strstr(err.msg, "m= lines") != NULL);

	ly_buf_reset(&b);
	ly_buf_puts(&b, "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP");
	for (int i = 0; i <= SDP_MAX_FORMATS; i++)
		ly_buf_printf(&b, " %d", i);
	CHECK_INT(sdp_parse(b.data, b.len, &s, &err), E2BIG);
	CHECK(strstr(err.msg, "formats") != NULL);

	ly_buf_reset(&b);
	ly_buf_puts(&b, "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n");
	for (int i = 0; i < SDP_MAX_LINES; i++)
		ly_buf_puts(&b, "a=x\r\n");
	CHECK_INT(sdp_parse(b.data, b.len, &s, &err), E2BIG);
	CHECK(strstr(err.msg, "lines") != NULL);

	ly_buf_reset(&b);
	ly_buf_puts(&b, "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n");
	while (b.len <= SDP_MAX_BYTES)
		ly_buf_puts(&b, "a=padding-padding-padding-padding-padding-padding-padding\r\n");
	CHECK_INT(sdp_parse(b.data, b.len, &s, &err), E2BIG);
	CHECK_INT(err.status, 488);
	CHECK(s == NULL);
	ly_buf_free(&b);
}

/* ---- our offer -------------------------------------------------------- */

static void test_offer_build(void)
{
	struct sdp_local l = local_with(all_codecs, LY_ARRAY_LEN(all_codecs));
	struct sdp_session *s, *again;
	struct sdp_owner own;
	const struct sdp_media *m;
	char *text;

	sdp_owner_init(&own, 1000);
	CHECK_INT(sdp_offer_create(&l, &own, &s, NULL), 0);
	if (!s)
		return;
	m = &s->media[0];
	CHECK_MLINE(s, 0, "audio 20000 RTP/AVP 0 8 9 96 101 97");
	CHECK_STR(m->fmts[0].encoding, "PCMU");
	CHECK_STR(m->fmts[2].encoding, "G722");
	CHECK_INT(m->fmts[2].rate, 8000);
	CHECK_STR(m->fmts[3].encoding, "opus");
	CHECK_INT(m->fmts[3].channels, 2);
	CHECK_STR(m->fmts[4].encoding, "telephone-event");
	CHECK_STR(m->fmts[4].fmtp, "0-16");
	CHECK_INT(m->fmts[5].rate, 48000);	/* telephone-event for opus */
	CHECK_INT(m->ptime, 20);
	CHECK_INT(m->dir, SDP_SENDRECV);
	CHECK_STR(s->origin.sess_id, "1000");
	CHECK_STR(s->origin.sess_version, "1000");
	text = print(s);
	CHECK(strstr(text, "o=lyre 1000 1000 IN IP4 127.0.0.1\r\n") != NULL);
	CHECK(strstr(text, "c=IN IP4 127.0.0.1\r\n") != NULL);
	CHECK(strstr(text, "a=rtpmap:96 opus/48000/2\r\n") != NULL);
	CHECK(strstr(text, "a=rtcp-mux\r\n") != NULL);	/* RFC 5761 §5.1.1 */
	again = parse(text);
	if (again)
		check_same(s, again);
	sdp_free(again);
	free(text);
	sdp_free(s);
}

static void test_offer_ipv6_and_unknown_codecs(void)
{
	static const char *const codecs[] = { "slin", "alaw", "alaw", "gsm-nonexistent" };
	struct sdp_local l = local_with(codecs, LY_ARRAY_LEN(codecs));
	struct sdp_session *s = NULL;
	struct sdp_owner own;
	struct sdp_error err = { 0 };

	l.addr = "::1";
	l.dtmf = false;
	l.ptime = 0;
	sdp_owner_init(&own, 7);
	CHECK_INT(sdp_offer_create(&l, &own, &s, &err), 0);
	if (s) {
		CHECK(s->conn.ipv6);
		CHECK_MLINE(s, 0, "audio 20000 RTP/AVP 8");
		CHECK_INT(s->media[0].ptime, 0);
		sdp_free(s);
	}
	l.ncodecs = 1;	/* only slin: nothing to offer */
	CHECK_INT(sdp_offer_create(&l, &own, &s, &err), EINVAL);
	CHECK(s == NULL);
	l = local_with(all_codecs, 1);
	l.addr = "pbx.example.com";
	CHECK_INT(sdp_offer_create(&l, &own, &s, &err), EINVAL);
	CHECK(strstr(err.msg, "literal") != NULL);
}

/* RFC 3264 §8: the version moves when the description changes, only then. */
static void test_origin_version(void)
{
	struct sdp_local l = local_with(all_codecs, 2);
	struct sdp_session *s1, *s2, *s3, *a;
	struct sdp_owner own;
	struct sdp_result res;

	sdp_owner_init(&own, 5000);
	CHECK_INT(sdp_offer_create(&l, &own, &s1, NULL), 0);
	CHECK_INT(sdp_offer_create(&l, &own, &s2, NULL), 0);	/* a session refresh */
	l.dir = SDP_SENDONLY;					/* hold */
	CHECK_INT(sdp_offer_create(&l, &own, &s3, NULL), 0);
	CHECK_STR(s1->origin.sess_version, "5000");
	CHECK_STR(s2->origin.sess_version, "5000");
	CHECK_STR(s3->origin.sess_version, "5001");
	CHECK_STR(s3->origin.sess_id, "5000");
	/* an answer in the same dialog continues the count */
	CHECK_INT(sdp_answer_create(s1, &l, &own, &a, &res, NULL), 0);
	CHECK_STR(a->origin.sess_version, "5002");
	sdp_free(a);
	sdp_free(s1);
	sdp_free(s2);
	sdp_free(s3);
}

/* ---- our answer ------------------------------------------------------- */

static void test_answer_endpoint_order(void)
{
	static const char *const prefs[] = { "alaw", "ulaw" };
	struct sdp_local l = local_with(prefs, LY_ARRAY_LEN(prefs));
	struct sdp_result res;
	struct sdp_session *a = answer(yealink, &l, &res, NULL);
	char *text;

	CHECK(a != NULL);
	if (!a)
		return;
	/* the offer prefers PCMU; the endpoint's list puts PCMA first */
	CHECK_MLINE(a, 0, "audio 20000 RTP/AVP 8 101");
	CHECK_STR(res.codec, "alaw");
	CHECK_INT(res.pt, 8);
	CHECK_INT(res.rate, 8000);
	CHECK_INT(res.dtmf_pt, 101);
	CHECK_STR(res.addr, "192.168.1.50");
	CHECK_INT(res.port, 11796);
	CHECK_INT(res.rtcp_port, 11797);
	CHECK_INT(res.ptime, 20);
	CHECK_INT(res.dir, SDP_SENDRECV);
	CHECK(!res.remote_hold);
	CHECK(!res.ipv6);
	text = print(a);
	CHECK(strstr(text, "a=rtpmap:8 PCMA/8000\r\n") != NULL);
	CHECK(strstr(text, "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n") != NULL);
	CHECK(strstr(text, "a=ptime:20\r\na=sendrecv\r\n") != NULL);
	free(text);
	sdp_free(a);
}

static void test_answer_keeps_dynamic_types(void)
{
	static const char offer[] =
		"v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 111 0 126\r\n"
		"a=rtpmap:111 OPUS/48000/2\r\n"
		"a=rtpmap:126 telephone-event/48000\r\n"
		"a=rtcp:4009 IN IP4 10.0.0.9\r\n";
	static const char *const prefs[] = { "opus", "ulaw" };
	struct sdp_local l = local_with(prefs, LY_ARRAY_LEN(prefs));
	struct sdp_result res;
	struct sdp_session *a = answer(offer, &l, &res, NULL);
	char *text;

	CHECK(a != NULL);
	if (!a)
		return;
	CHECK_MLINE(a, 0, "audio 20000 RTP/AVP 111 126");
	CHECK_STR(res.codec, "opus");
	CHECK_INT(res.pt, 111);
	CHECK_INT(res.rate, 48000);
	CHECK_INT(res.dtmf_pt, 126);	/* the one at the audio's clock rate */
	CHECK_INT(res.rtcp_port, 4009);
	text = print(a);
	CHECK(strstr(text, "a=rtpmap:111 OPUS/48000/2\r\n") != NULL);	/* as the peer named it */
	free(text);
	sdp_free(a);
}

static void test_answer_dtmf_only_when_offered(void)
{
	static const char offer[] =
		"v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0 8\r\n";
	struct sdp_local l = local_with(all_codecs, LY_ARRAY_LEN(all_codecs));
	struct sdp_result res;
	struct sdp_session *a = answer(offer, &l, &res, NULL);

	CHECK(a != NULL);
	if (a) {
		CHECK_MLINE(a, 0, "audio 20000 RTP/AVP 0");
		CHECK_STR(a->media[0].fmts[0].encoding, "PCMU");	/* rtpmap from the table */
		CHECK_INT(res.dtmf_pt, -1);
		CHECK(!res.rtcp_mux);	/* RFC 5761: mux only when offered */
		CHECK(media_attr(&a->media[0], "rtcp-mux") == NULL);
		CHECK_INT(res.rtcp_port, 4001);
		sdp_free(a);
	}
	/* offered, but the endpoint does not do RFC 4733 */
	l.dtmf = false;
	a = answer(yealink, &l, &res, NULL);
	if (a) {
		CHECK_MLINE(a, 0, "audio 20000 RTP/AVP 0");
		CHECK_INT(res.dtmf_pt, -1);
		sdp_free(a);
	}
}

static void test_answer_rejects_keep_order(void)
{
	struct sdp_local l = local_with(all_codecs, LY_ARRAY_LEN(all_codecs));
	struct sdp_result res;
	struct sdp_session *a = answer(baresip, &l, &res, NULL);

	CHECK(a != NULL);
	if (a) {
		CHECK_INT(a->nmedia, 2);
		CHECK_MLINE(a, 0, "audio 20000 RTP/AVP 0 101");	/* ulaw is first in our list */
		CHECK_MLINE(a, 1, "video 0 RTP/AVP 100");
		CHECK_INT(res.media_index, 0);
		CHECK(res.ipv6);
		CHECK_STR(res.addr, "::1");
		CHECK_INT(res.rtcp_port, 10263);
		sdp_free(a);
	}
	/* RTP/SAVP first: rejected until SRTP exists; the RTP/AVP twin is taken */
	a = answer(linphone, &l, &res, NULL);
	CHECK(a != NULL);
	if (a) {
		CHECK_MLINE(a, 0, "audio 0 RTP/SAVP 96 0 8 101");
		CHECK_MLINE(a, 1, "audio 20000 RTP/AVP 0 101");
		CHECK_INT(res.media_index, 1);
		CHECK_INT(res.port, 7080);
		sdp_free(a);
	}
}

static void test_answer_second_audio_rejected(void)
{
	static const char offer[] =
		"v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\n"
		"m=audio 4002 RTP/AVP 8\r\n";
	struct sdp_local l = local_with(all_codecs, LY_ARRAY_LEN(all_codecs));
	struct sdp_result res;
	struct sdp_session *a = answer(offer, &l, &res, NULL);

	CHECK(a != NULL);
	if (a) {
		CHECK_MLINE(a, 0, "audio 20000 RTP/AVP 0");
		CHECK_MLINE(a, 1, "audio 0 RTP/AVP 8");
		sdp_free(a);
	}
}

static void test_answer_not_acceptable(void)
{
	static const char *const g722_only[] = { "g722" };
	static const struct { const char *offer; const char *reason; } cases[] = {
		{ "v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\nc=IN IP4 10.0.0.9\r\n"
		  "m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n",
		  "no codec in common" },
		{ "v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\nc=IN IP4 10.0.0.9\r\n"
		  "m=audio 4000 RTP/SAVP 9\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\r\n",
		  "protocol" },
		{ "v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\nc=IN IP4 10.0.0.9\r\nm=video 4000 RTP/AVP 9\r\n",
		  "no audio stream" },
		{ "v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\n", "no audio stream" },
		{ "v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\nc=IN IP4 10.0.0.9\r\nm=audio 0 RTP/AVP 9\r\n",
		  "disabled" },
		{ "v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\nc=IN IP4 pbx.example.com\r\n"
		  "m=audio 4000 RTP/AVP 9\r\n", "unicast IP literal" },
		{ "v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\nc=IN IP4 224.2.1.1/127\r\n"
		  "m=audio 4000 RTP/AVP 9\r\n", "unicast IP literal" },
		{ "v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\nc=IN IP6 ff02::1\r\n"
		  "m=audio 4000 RTP/AVP 9\r\n", "unicast IP literal" },
	};
	struct sdp_local l = local_with(g722_only, 1);

	for (size_t i = 0; i < LY_ARRAY_LEN(cases); i++) {
		struct sdp_session *a;
		struct sdp_result res;
		struct sdp_error err = { 0 };

		a = answer(cases[i].offer, &l, &res, &err);
		if (a || !strstr(err.msg, cases[i].reason))
			printf("# case %zu: \"%s\"\n", i, err.msg);
		CHECK(a == NULL);
		CHECK_INT(err.status, 488);
		CHECK(strstr(err.msg, cases[i].reason) != NULL);
		sdp_free(a);
	}
}

/* The offer's direction (at either level) against ours, and hold detection. */
static void test_answer_directions(void)
{
	static const struct {
		const char *session_attr, *media_attr, *conn;
		enum sdp_dir local, answer;
		bool hold;
	} cases[] = {
		{ "", "", "10.0.0.9", SDP_SENDRECV, SDP_SENDRECV, false },
		{ "", "a=sendonly\r\n", "10.0.0.9", SDP_SENDRECV, SDP_RECVONLY, true },
		{ "a=sendonly\r\n", "", "10.0.0.9", SDP_SENDRECV, SDP_RECVONLY, true },
		{ "a=sendonly\r\n", "a=sendrecv\r\n", "10.0.0.9", SDP_SENDRECV, SDP_SENDRECV, false },
		{ "", "a=recvonly\r\n", "10.0.0.9", SDP_SENDRECV, SDP_SENDONLY, false },
		{ "", "a=inactive\r\n", "10.0.0.9", SDP_SENDRECV, SDP_INACTIVE, true },
		{ "", "a=sendrecv\r\n", "0.0.0.0", SDP_SENDRECV, SDP_RECVONLY, true },
		{ "", "", "10.0.0.9", SDP_SENDONLY, SDP_SENDONLY, false },	/* we hold */
		{ "", "a=sendonly\r\n", "10.0.0.9", SDP_SENDONLY, SDP_INACTIVE, true },
		{ "", "", "10.0.0.9", SDP_INACTIVE, SDP_INACTIVE, false },
		{ "", "", "10.0.0.9", SDP_DIR_UNSET, SDP_SENDRECV, false },
	};
	static const char *const prefs[] = { "ulaw" };
	struct sdp_local l = local_with(prefs, 1);

	for (size_t i = 0; i < LY_ARRAY_LEN(cases); i++) {
		char *offer = ly_asprintf("v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\ns=-\r\n"
					  "c=IN IP4 %s\r\nt=0 0\r\n%sm=audio 4000 RTP/AVP 0\r\n%s",
					  cases[i].conn, cases[i].session_attr, cases[i].media_attr);
		struct sdp_result res;
		struct sdp_session *a;

		l.dir = cases[i].local;
		a = answer(offer, &l, &res, NULL);
		CHECK(a != NULL);
		if (a) {
			if (a->media[0].dir != cases[i].answer || res.remote_hold != cases[i].hold)
				printf("# case %zu: %s, hold %d\n", i,
				       sdp_dir_name(a->media[0].dir), res.remote_hold);
			CHECK_INT(a->media[0].dir, cases[i].answer);
			CHECK_INT(res.dir, cases[i].answer);
			CHECK_INT(res.remote_hold, cases[i].hold);
			CHECK_STR(res.addr, cases[i].conn);
		}
		sdp_free(a);
		free(offer);
	}
}

/* A call's re-INVITEs: hold by sendonly, by inactive, by c=0.0.0.0,
 * unhold, then a session refresh that changes nothing (RFC 3264 §8). */
static void test_reinvite_hold_unhold(void)
{
	static const struct {
		const char *addr, *attr;
		bool hold;
		enum sdp_dir dir;
		const char *version;
	} steps[] = {
		{ "10.0.0.9", "", false, SDP_SENDRECV, "77" },
		{ "10.0.0.9", "a=sendonly\r\n", true, SDP_RECVONLY, "78" },
		{ "10.0.0.9", "a=sendrecv\r\n", false, SDP_SENDRECV, "79" },
		{ "10.0.0.9", "a=inactive\r\n", true, SDP_INACTIVE, "80" },
		{ "0.0.0.0", "", true, SDP_RECVONLY, "81" },
		{ "10.0.0.9", "", false, SDP_SENDRECV, "82" },
		{ "10.0.0.9", "", false, SDP_SENDRECV, "82" },
	};
	static const char *const prefs[] = { "ulaw" };
	struct sdp_local l = local_with(prefs, 1);
	struct sdp_owner own;

	sdp_owner_init(&own, 77);
	for (size_t i = 0; i < LY_ARRAY_LEN(steps); i++) {
		char *text = ly_asprintf("v=0\r\no=- 1 %zu IN IP4 10.0.0.9\r\ns=-\r\n"
					 "c=IN IP4 %s\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n%s",
					 i + 1, steps[i].addr, steps[i].attr);
		struct sdp_session *offer = parse(text), *a = NULL;
		struct sdp_result res;

		CHECK(offer && sdp_media_is_hold(offer, &offer->media[0]) == steps[i].hold);
		if (offer)
			CHECK_INT(sdp_answer_create(offer, &l, &own, &a, &res, NULL), 0);
		if (a) {
			CHECK_INT(res.remote_hold, steps[i].hold);
			CHECK_INT(res.dir, steps[i].dir);
			CHECK_STR(a->origin.sess_version, steps[i].version);
		}
		sdp_free(a);
		sdp_free(offer);
		free(text);
	}
}

/* ---- their answer to our offer ---------------------------------------- */

static struct sdp_session *our_offer(enum sdp_dir dir)
{
	struct sdp_local l = local_with(all_codecs, LY_ARRAY_LEN(all_codecs));
	struct sdp_session *s = NULL;
	struct sdp_owner own;

	l.dir = dir;
	sdp_owner_init(&own, 1);
	CHECK_INT(sdp_offer_create(&l, &own, &s, NULL), 0);
	return s;
}

static int apply(const struct sdp_session *offer, const char *answer_text,
		 struct sdp_result *res, struct sdp_error *err)
{
	struct sdp_session *a = parse(answer_text);
	int rc = a ? sdp_answer_apply(offer, a, res, err) : EINVAL;

	sdp_free(a);
	return rc;
}

static void test_apply_answer(void)
{
	static const char ans[] =
		"v=0\r\no=bob 9 9 IN IP6 2001:db8::2\r\ns=-\r\nc=IN IP6 2001:db8::2\r\nt=0 0\r\n"
		"m=audio 30000 RTP/AVP 120 8 99\r\n"
		"a=rtpmap:120 opus/48000/2\r\n"
		"a=rtpmap:99 telephone-event/48000\r\n"
		"a=ptime:40\r\n";
	struct sdp_session *offer = our_offer(SDP_SENDRECV);
	struct sdp_result res;

	if (!offer)
		return;
	/* the answerer renumbered opus: we send with its number (§6.1) */
	CHECK_INT(apply(offer, ans, &res, NULL), 0);
	CHECK_STR(res.codec, "opus");
	CHECK_INT(res.pt, 120);
	CHECK_INT(res.dtmf_pt, 99);
	CHECK_STR(res.addr, "2001:db8::2");
	CHECK(res.ipv6);
	CHECK_INT(res.port, 30000);
	CHECK_INT(res.rtcp_port, 30001);
	CHECK_INT(res.ptime, 40);
	CHECK_INT(res.dir, SDP_SENDRECV);
	CHECK(!res.remote_hold);
	sdp_free(offer);
}

static void test_apply_hold_states(void)
{
	static const char tmpl[] =
		"v=0\r\no=bob 9 9 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
		"m=audio 30000 RTP/AVP 0\r\n%s";
	static const struct {
		enum sdp_dir ours;
		const char *addr, *attr;
		enum sdp_dir result;
		bool hold;
	} cases[] = {
		{ SDP_SENDRECV, "10.0.0.2", "a=sendonly\r\n", SDP_RECVONLY, true },
		{ SDP_SENDRECV, "10.0.0.2", "a=inactive\r\n", SDP_INACTIVE, true },
		{ SDP_SENDONLY, "10.0.0.2", "a=recvonly\r\n", SDP_SENDONLY, false },
		{ SDP_SENDONLY, "10.0.0.2", "", SDP_SENDONLY, false },
		{ SDP_SENDRECV, "0.0.0.0", "", SDP_RECVONLY, true },
	};

	for (size_t i = 0; i < LY_ARRAY_LEN(cases); i++) {
		struct sdp_session *offer = our_offer(cases[i].ours);
		char *text = ly_asprintf(tmpl, cases[i].addr, cases[i].addr, cases[i].attr);
		struct sdp_result res;

		CHECK_INT(apply(offer, text, &res, NULL), 0);
		CHECK_INT(res.dir, cases[i].result);
		CHECK_INT(res.remote_hold, cases[i].hold);
		CHECK_INT(res.dtmf_pt, -1);
		sdp_free(offer);
		free(text);
	}
}

static void test_apply_errors(void)
{
	static const struct { const char *answer; const char *reason; } cases[] = {
		{ "v=0\r\no=b 1 1 IN IP4 10.0.0.2\r\nc=IN IP4 10.0.0.2\r\n"
		  "m=audio 3000 RTP/AVP 0\r\nm=video 0 RTP/AVP 31\r\n", "m= lines" },
		{ "v=0\r\no=b 1 1 IN IP4 10.0.0.2\r\nc=IN IP4 10.0.0.2\r\n"
		  "m=audio 0 RTP/AVP 0\r\n", "rejected" },
		{ "v=0\r\no=b 1 1 IN IP4 10.0.0.2\r\nc=IN IP4 10.0.0.2\r\n"
		  "m=audio 3000 RTP/AVP 18\r\n", "no codec" },
		{ "v=0\r\no=b 1 1 IN IP4 10.0.0.2\r\nc=IN IP4 host.example\r\n"
		  "m=audio 3000 RTP/AVP 0\r\n", "literal" },
	};
	struct sdp_session *offer = our_offer(SDP_SENDRECV);

	for (size_t i = 0; i < LY_ARRAY_LEN(cases) && offer; i++) {
		struct sdp_result res;
		struct sdp_error err = { 0 };

		CHECK_INT(apply(offer, cases[i].answer, &res, &err), EPROTO);
		CHECK_INT(err.status, 488);
		if (!strstr(err.msg, cases[i].reason))
			printf("# case %zu: \"%s\"\n", i, err.msg);
		CHECK(strstr(err.msg, cases[i].reason) != NULL);
	}
	sdp_free(offer);
}

/* Lyre answering Lyre: both ends agree on what was negotiated. */
static void test_offer_answer_loop(void)
{
	static const char *const callee_prefs[] = { "g722", "alaw" };
	struct sdp_local caller = local_with(all_codecs, LY_ARRAY_LEN(all_codecs));
	struct sdp_local callee = local_with(callee_prefs, LY_ARRAY_LEN(callee_prefs));
	struct sdp_owner own_a, own_b;
	struct sdp_session *offer = NULL, *ans = NULL;
	struct sdp_result ra, rb;

	callee.addr = "127.0.0.2";
	callee.port = 30000;
	sdp_owner_init(&own_a, 1);
	sdp_owner_init(&own_b, 2);
	CHECK_INT(sdp_offer_create(&caller, &own_a, &offer, NULL), 0);
	CHECK_INT(sdp_answer_create(offer, &callee, &own_b, &ans, &rb, NULL), 0);
	if (!ans) {
		sdp_free(offer);
		return;
	}
	CHECK_INT(sdp_answer_apply(offer, ans, &ra, NULL), 0);
	CHECK_STR(ra.codec, "g722");
	CHECK_STR(rb.codec, "g722");
	CHECK_INT(ra.pt, 9);
	CHECK_INT(ra.dtmf_pt, 101);
	CHECK_INT(rb.dtmf_pt, 101);
	CHECK_STR(ra.addr, "127.0.0.2");
	CHECK_INT(ra.port, 30000);
	CHECK_STR(rb.addr, "127.0.0.1");
	CHECK_INT(rb.port, 20000);
	/* Both sides of Lyre do RTCP-mux: offered, answered, agreed. */
	CHECK(rb.rtcp_mux);
	CHECK(ra.rtcp_mux);
	CHECK(media_attr(&ans->media[0], "rtcp-mux") != NULL);
	sdp_free(offer);
	sdp_free(ans);
}

TAP_MAIN(TAP(test_parse_yealink), TAP(test_parse_grandstream_lf_and_static_types),
	 TAP(test_parse_ipv6_rtcp_and_video), TAP(test_parse_keeps_crypto_and_unknown),
	 TAP(test_parse_non_rtp_formats), TAP(test_round_trips), TAP(test_print_is_exact),
	 TAP(test_malformed_rejected), TAP(test_nul_byte_and_line_number), TAP(test_bounds),
	 TAP(test_offer_build), TAP(test_offer_ipv6_and_unknown_codecs),
	 TAP(test_origin_version), TAP(test_answer_endpoint_order),
	 TAP(test_answer_keeps_dynamic_types), TAP(test_answer_dtmf_only_when_offered),
	 TAP(test_answer_rejects_keep_order), TAP(test_answer_second_audio_rejected),
	 TAP(test_answer_not_acceptable), TAP(test_answer_directions), TAP(test_reinvite_hold_unhold),
	 TAP(test_apply_answer),
	 TAP(test_apply_hold_states), TAP(test_apply_errors), TAP(test_offer_answer_loop))
