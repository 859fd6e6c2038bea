/* tests/unit/test_sip_msg.c - SIP message parsing, URIs, header forms, builders and printing. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/utils.h>

#include "sip_msg.h"
#include "tap.h"

static struct sip_msg *parse(const char *text, enum sip_parse_result want)
{
	struct sip_parse_info info;
	struct sip_msg *m = NULL;
	enum sip_parse_result r = sip_msg_parse(text, strlen(text), SIP_FRAME_DATAGRAM, &m, &info);

	if (r != want)
		printf("# parse %d (%s), wanted %d\n", r, info.reason ? info.reason : "", want);
	CHECK_INT(r, want);
	return m;
}

#define INVITE_HEAD \
	"INVITE sip:bob@example.com SIP/2.0\r\n" \
	"v: SIP/2.0/UDP [2001:db8::1]:5062;branch=z9hG4bK776;rport\r\n" \
	"Via: SIP/2.0/TCP proxy.example.com;branch=z9hG4bKp1, SIP/2.0/UDP h3.example.com\r\n" \
	"f: \"Alice \\\"A\\\" Smith\" <sip:alice@example.com>;tag=1928\r\n" \
	"t: Bob <sip:bob@example.com>\r\n" \
	"i: a84b4c76e66710@pc33\r\n" \
	"CSeq: 314159 INVITE\r\n" \
	"Max-Forwards: 70\r\n" \
	"m: <sip:alice@[2001:db8::1]:5062;transport=udp>;expires=60;q=0.5, sip:a2@example.com\r\n" \
	"k: timer,\r\n 100rel\r\n" \
	"X-Custom-Thing: kept; as=is\r\n" \
	"Subject: folded\r\n\tsubject line\r\n" \
	"c: application/sdp\r\n"

static const char invite[] = INVITE_HEAD "l: 5\r\n\r\nv=0\r\n";

static void test_parse_essentials(void)
{
	struct sip_msg *m = parse(invite, SIP_PARSE_OK);

	if (!m)
		return;
	CHECK(m->is_request);
	CHECK_INT(m->method_id, SIP_METHOD_INVITE);
	CHECK_STR(m->ruri.user, "bob");
	CHECK_STR(m->ruri.host, "example.com");
	CHECK(m->has_via);
	CHECK_INT(m->via.proto, SIP_PROTO_UDP);
	CHECK_STR(m->via.host, "2001:db8::1");
	CHECK(m->via.host_ipv6);
	CHECK_INT(m->via.port, 5062);
	CHECK_STR(m->via.branch, "z9hG4bK776");
	CHECK(m->via.rport && m->via.rport_value == 0);
	CHECK(m->via.received == NULL);
	CHECK_STR(m->call_id, "a84b4c76e66710@pc33");
	CHECK_INT(m->cseq, 314159);
	CHECK_INT(m->cseq_method_id, SIP_METHOD_INVITE);
	CHECK_STR(m->from.display, "Alice \"A\" Smith");
	CHECK_STR(m->from.tag, "1928");
	CHECK_STR(m->from.uri.user, "alice");
	CHECK_STR(m->to.display, "Bob");
	CHECK(m->to.tag == NULL);
	CHECK_INT(m->max_forwards, 70);
	CHECK_INT(m->content_length, 5);
	CHECK_INT(m->body_len, 5);
	CHECK(memcmp(m->body, "v=0\r", 4) == 0);
	CHECK_STR(m->content_type, "application/sdp");
	CHECK(m->contacts && m->contacts->next && !m->contacts->next->next);
	if (m->contacts && m->contacts->next) {
		CHECK_INT(m->contacts->expires, 60);
		CHECK_STR(m->contacts->q, "0.5");
		CHECK(m->contacts->addr.uri.host_ipv6);
		CHECK_INT(m->contacts->addr.uri.port, 5062);
		CHECK_STR(m->contacts->next->addr.uri.user, "a2");
		CHECK_INT(m->contacts->next->expires, -1);
	}
	CHECK_INT(m->expires, -1);
	sip_msg_unref(m);
}

static void test_header_forms(void)
{
	struct sip_msg *m = parse(invite, SIP_PARSE_OK);
	struct sip_value_iter it;
	struct sip_str v;
	const struct sip_hdr *h;
	int n = 0;

	if (!m)
		return;
	/* compact names map to full ones; lookup is case-insensitive */
	CHECK(sip_msg_hdr_find_name(m, "CALL-id") != NULL);
	CHECK(sip_msg_hdr_find_name(m, "i") == sip_msg_hdr_find(m, SIP_HDR_CALL_ID));
	CHECK_STR(sip_msg_hdr_find(m, SIP_HDR_CALL_ID)->name, "Call-ID");
	CHECK_STR(sip_msg_hdr_find(m, SIP_HDR_SUPPORTED)->name, "Supported");
	/* folded lines become one SP */
	CHECK_STR(sip_msg_hdr_value(m, "subject"), "folded subject line");
	CHECK_STR(sip_msg_hdr_value(m, "Supported"), "timer, 100rel");
	/* unknown headers kept as they are */
	h = sip_msg_hdr_find_name(m, "x-custom-thing");
	CHECK(h && h->id == SIP_HDR_OTHER);
	if (h) {
		CHECK_STR(h->name, "X-Custom-Thing");
		CHECK_STR(h->value, "kept; as=is");
	}
	/* Via over two lines and a comma: three values in order */
	sip_value_iter_init(&it, m, "via");
	while (sip_value_next(&it, &v)) {
		static const char *const want[] = {
			"SIP/2.0/UDP [2001:db8::1]:5062;branch=z9hG4bK776;rport",
			"SIP/2.0/TCP proxy.example.com;branch=z9hG4bKp1", "SIP/2.0/UDP h3.example.com",
		};

		CHECK(n < 3 && v.len == strlen(want[n]) && memcmp(v.s, want[n], v.len) == 0);
		n++;
	}
	CHECK_INT(n, 3);
	/* a non-list header is one value even with commas */
	sip_value_iter_init(&it, m, "From");
	CHECK(sip_value_next(&it, &v) && !sip_value_next(&it, &v));
	CHECK_INT(sip_msg_hdr_count(m), 13);
	sip_msg_unref(m);
}

static void test_round_trip(void)
{
	struct sip_msg *m = parse(invite, SIP_PARSE_OK), *m2;
	struct ly_buf b, b2;

	if (!m)
		return;
	ly_buf_init(&b);
	ly_buf_init(&b2);
	sip_msg_print(m, &b);
	CHECK(strstr(b.data, "Via: SIP/2.0/UDP [2001:db8::1]:5062;branch=z9hG4bK776;rport\r\n") != NULL);
	CHECK(strstr(b.data, "Call-ID: a84b4c76e66710@pc33\r\n") != NULL);
	CHECK(strstr(b.data, "Content-Length: 5\r\n\r\nv=0\r\n") != NULL);
	m2 = parse(b.data, SIP_PARSE_OK);
	if (m2) {
		sip_msg_print(m2, &b2);
		CHECK_STR(b.data, b2.data);	/* printing is a fixed point */
		CHECK_STR(m2->from.display, m->from.display);
		CHECK(sip_uri_equal(&m->contacts->addr.uri, &m2->contacts->addr.uri));
	}
	ly_buf_free(&b);
	ly_buf_free(&b2);
	sip_msg_unref(m2);
	sip_msg_unref(m);
}

static void test_uri(void)
{
	struct sip_uri a, b;

	static const char full[] = "sips:alice:pw@[2001:db8::7]:5061;transport=tcp;lr?subject=x&to=y";

	CHECK_INT(sip_uri_parse(&a, full, strlen(full)), 0);
	CHECK_INT(a.scheme, SIP_URI_SIPS);
	CHECK_STR(a.user, "alice");
	CHECK_STR(a.password, "pw");
	CHECK_STR(a.host, "2001:db8::7");
	CHECK_INT(a.port, 5061);
	CHECK_STR(a.params, ";transport=tcp;lr");
	CHECK_STR(a.headers, "subject=x&to=y");
	sip_uri_release(&a);

	CHECK_INT(sip_uri_parse(&a, "tel:+1-201-555-0123;phone-context=x", 35), 0);
	CHECK_INT(a.scheme, SIP_URI_TEL);
	CHECK_STR(a.user, "+1-201-555-0123");
	sip_uri_release(&a);
	CHECK_INT(sip_uri_parse(&a, "isbn:2983792873", 15), 0);
	CHECK_INT(a.scheme, SIP_URI_OTHER);
	sip_uri_release(&a);

	CHECK_INT(sip_uri_parse(&a, "<sip:a@b>", 9), EINVAL);
	CHECK_INT(sip_uri_parse(&a, "sip:a@b; lr", 11), EINVAL);
	CHECK_INT(sip_uri_parse(&a, "sip:2001:db8::1", 15), EINVAL);	/* RFC 5118 §4.2 */
	CHECK_INT(sip_uri_parse(&a, "sip:a@b:99999", 13), EINVAL);

	/* §19.1.4 examples: equal */
	static const char *const eq[][2] = {
		{ "sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp" },
		{ "sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5" },
		{ "sip:carol@chicago.com;security=on", "sip:carol@chicago.com;newparam=5" },
		{ "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
		  "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com" },
		{ "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
		  "sip:alice@atlanta.com?priority=urgent&subject=project%20x" },
	};
	/* and not equal */
	static const char *const ne[][2] = {
		{ "SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP" },
		{ "sip:bob@biloxi.com", "sip:bob@biloxi.com:5060" },
		{ "sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp" },
		{ "sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp" },
		{ "sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting" },
		{ "sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4" },
		{ "sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off" },
	};
	for (size_t i = 0; i < LY_ARRAY_LEN(eq); i++) {
		CHECK_INT(sip_uri_parse(&a, eq[i][0], strlen(eq[i][0])), 0);
		CHECK_INT(sip_uri_parse(&b, eq[i][1], strlen(eq[i][1])), 0);
		CHECK(sip_uri_equal(&a, &b) && sip_uri_equal(&b, &a));
		sip_uri_release(&a);
		sip_uri_release(&b);
	}
	for (size_t i = 0; i < LY_ARRAY_LEN(ne); i++) {
		CHECK_INT(sip_uri_parse(&a, ne[i][0], strlen(ne[i][0])), 0);
		CHECK_INT(sip_uri_parse(&b, ne[i][1], strlen(ne[i][1])), 0);
		if (sip_uri_equal(&a, &b))
			printf("# equal: %s %s\n", ne[i][0], ne[i][1]);
		CHECK(!sip_uri_equal(&a, &b));
		sip_uri_release(&a);
		sip_uri_release(&b);
	}
}

static void test_response_builder(void)
{
	struct sip_msg *req = parse(INVITE_HEAD "Timestamp: 54\r\nl: 4\r\n\r\nv=0\r\n", SIP_PARSE_OK);
	struct sip_msg *r100, *r180;
	struct ly_buf b;

	if (!req)
		return;
	r100 = sip_msg_new_response(req, 100, NULL, "totag");
	r180 = sip_msg_new_response(req, 180, "Ringing Loudly", "totag");
	CHECK(r100 && r180);
	if (!r100 || !r180)
		return;
	CHECK(!r100->is_request);
	CHECK_INT(r100->status, 100);
	CHECK_STR(r100->reason, "Trying");
	CHECK(r100->to.tag == NULL);	/* §8.2.6.2: no tag on 100 */
	CHECK_STR(sip_msg_hdr_value(r100, "Timestamp"), "54");
	CHECK_STR(r180->to.tag, "totag");
	CHECK_STR(r180->reason, "Ringing Loudly");
	CHECK(sip_msg_hdr_value(r180, "Timestamp") == NULL);
	CHECK_STR(r180->call_id, req->call_id);
	CHECK_INT(r180->cseq, 314159);
	CHECK_STR(r180->from.tag, "1928");
	CHECK_INT(sip_msg_hdr_count(r180), 6);	/* 2 Via lines, From, To, Call-ID, CSeq */
	ly_buf_init(&b);
	sip_msg_print(r180, &b);
	CHECK(strncmp(b.data, "SIP/2.0 180 Ringing Loudly\r\nVia: SIP/2.0/UDP [2001:db8::1]", 58) == 0);
	CHECK(strstr(b.data, "\r\nContent-Length: 0\r\n\r\n") != NULL);
	ly_buf_free(&b);
	sip_msg_unref(r100);
	sip_msg_unref(r180);
	sip_msg_unref(req);
}

/* Re-parsing r's own printed form gives the essentials r has. */
static void check_essentials_match_text(const struct sip_msg *r)
{
	struct ly_buf b;
	struct sip_msg *again;

	ly_buf_init(&b);
	sip_msg_print(r, &b);
	again = parse(b.data, SIP_PARSE_OK);
	ly_buf_free(&b);
	if (!again)
		return;
	CHECK(r->has_via && again->has_via);
	CHECK_STR(r->via.host, again->via.host);
	CHECK_INT(r->via.port, again->via.port);
	CHECK_STR(r->via.branch, again->via.branch);
	CHECK(r->via.rport == again->via.rport);
	CHECK_STR(r->via.received ? r->via.received : "-", again->via.received ? again->via.received : "-");
	CHECK_STR(r->from.tag, again->from.tag);
	CHECK_STR(r->from.uri.user, again->from.uri.user);
	CHECK_STR(r->from.display, again->from.display);
	CHECK_STR(r->to.tag ? r->to.tag : "-", again->to.tag ? again->to.tag : "-");
	CHECK_STR(r->to.uri.host, again->to.uri.host);
	CHECK_STR(r->call_id, again->call_id);
	CHECK_INT(r->cseq, again->cseq);
	CHECK_STR(r->cseq_method, again->cseq_method);
	CHECK_INT(r->cseq_method_id, again->cseq_method_id);
	sip_msg_unref(again);
}

/* A response to a parsed request shares the request's parsed Via, From,
 * Call-ID and CSeq: they stay right after the request is changed or
 * dropped (the response holds it), and equal what parsing the response
 * itself gives; a To that gained a tag is the response's own. */
static void test_response_shares_essentials(void)
{
	struct sip_msg *req = parse(invite, SIP_PARSE_OK);
	struct sip_msg *r180, *r100;

	if (!req)
		return;
	r180 = sip_msg_new_response(req, 180, NULL, "t180");
	r100 = sip_msg_new_response(req, 100, NULL, "t100");
	CHECK(r180 && r100);
	if (!r180 || !r100) {
		sip_msg_unref(req);
		return;
	}
	CHECK_INT(sip_msg_via_received(req, "192.0.2.9", 40000), 0);	/* after: not in r180 */
	sip_msg_unref(req);
	CHECK_STR(r180->to.tag, "t180");
	CHECK(r100->to.tag == NULL);
	CHECK(r180->via.received == NULL);
	CHECK_STR(r180->via.branch, "z9hG4bK776");
	CHECK_STR(r180->from.display, "Alice \"A\" Smith");
	check_essentials_match_text(r180);
	check_essentials_match_text(r100);
	sip_msg_unref(r180);
	sip_msg_unref(r100);
}

static void test_request_builder(void)
{
	struct sip_msg *m = sip_msg_new_request("OPTIONS", "sip:carol@[::1]:5070");
	struct sip_msg *p;
	struct ly_buf b;
	char branch[40], tag[17];

	CHECK(m != NULL);
	if (!m)
		return;
	sip_make_branch(branch, 16);
	sip_make_token(tag, 16);
	CHECK(strncmp(branch, "z9hG4bK", 7) == 0 && strlen(branch) == 23 && strlen(tag) == 16);
	CHECK_INT(sip_msg_hdr_addf(m, "Via", "SIP/2.0/UDP 127.0.0.1:5060;branch=%s;rport", branch), 0);
	CHECK_INT(sip_msg_hdr_add(m, "Max-Forwards", "70"), 0);
	CHECK_INT(sip_msg_hdr_addf(m, "From", "<sip:a@127.0.0.1>;tag=%s", tag), 0);
	CHECK_INT(sip_msg_hdr_add(m, "t", "<sip:carol@[::1]>"), 0);
	CHECK_INT(sip_msg_hdr_add(m, "Call-ID", "xyz@host"), 0);
	CHECK_INT(sip_msg_hdr_add(m, "CSeq", "1 OPTIONS"), 0);
	CHECK_INT(sip_msg_hdr_add(m, "Content-Length", "999"), 0);	/* replaced on print */
	CHECK_INT(sip_msg_hdr_add(m, "Bad Name", "x"), EINVAL);
	CHECK_INT(sip_msg_hdr_add(m, "X-Inject", "a\r\nVia: evil"), EINVAL);
	/* essentials follow edits */
	CHECK_STR(m->via.branch, branch);
	CHECK_STR(m->to.uri.host, "::1");
	CHECK_INT(m->cseq, 1);
	CHECK_INT(sip_msg_hdr_add_top(m, "Via", "SIP/2.0/TCP 10.0.0.1;branch=z9hG4bKtop"), 0);
	CHECK_STR(m->via.branch, "z9hG4bKtop");
	sip_msg_hdr_remove(m, sip_msg_hdr_find(m, SIP_HDR_VIA));
	CHECK_STR(m->via.branch, branch);
	CHECK_INT(sip_msg_hdr_set(m, "Call-ID", "other@host"), 0);
	CHECK_STR(m->call_id, "other@host");
	sip_msg_set_body(m, "text/plain", "hi\0there", 8);
	CHECK_STR(m->content_type, "text/plain");

	ly_buf_init(&b);
	sip_msg_print(m, &b);
	CHECK(strncmp(b.data, "OPTIONS sip:carol@[::1]:5070 SIP/2.0\r\n", 38) == 0);
	CHECK(strstr(b.data, "Content-Length: 8\r\n") != NULL && strstr(b.data, "Content-Length: 999") == NULL);
	p = NULL;
	{
		struct sip_parse_info info;

		CHECK_INT(sip_msg_parse(b.data, b.len, SIP_FRAME_STREAM, &p, &info), SIP_PARSE_OK);
		CHECK_INT(info.consumed, b.len);
	}
	CHECK(p && p->body_len == 8 && memcmp(p->body, "hi\0there", 8) == 0);
	CHECK(p && sip_msg_hdr_count(p) == sip_msg_hdr_count(m) - 1 + 1);
	sip_msg_unref(p);

	sip_msg_set_body(m, NULL, NULL, 0);
	CHECK(m->content_type == NULL && m->body_len == 0);
	CHECK_INT(sip_msg_hdr_remove_all(m, "content-length"), 1);
	CHECK(sip_msg_new_request("BAD METHOD", "sip:a@b") == NULL);
	CHECK(sip_msg_new_request("INVITE", "<sip:a@b>") == NULL);
	ly_buf_free(&b);
	/* references: a layer keeps it, the creator lets go */
	CHECK(sip_msg_ref(m) == m);
	sip_msg_unref(m);
	CHECK_STR(m->call_id, "other@host");
	sip_msg_unref(m);
}

static void test_stream_framing(void)
{
	char two[4096];
	struct sip_parse_info info;
	struct sip_msg *m = NULL;
	size_t len1 = strlen(invite);

	snprintf(two, sizeof(two), "\r\n\r\n%s%s", invite, invite);
	/* keep-alive CRLFs, then two coalesced messages */
	CHECK_INT(sip_msg_parse(two, strlen(two), SIP_FRAME_STREAM, &m, &info), SIP_PARSE_OK);
	CHECK_INT(info.consumed, 4 + len1);
	sip_msg_unref(m);
	CHECK_INT(sip_msg_parse(two + 4 + len1, len1, SIP_FRAME_STREAM, &m, &info), SIP_PARSE_OK);
	sip_msg_unref(m);
	/* every split point is incomplete until the last byte */
	for (size_t cut = 1; cut < len1; cut += 7) {
		CHECK_INT(sip_msg_parse(invite, cut, SIP_FRAME_STREAM, &m, &info), SIP_PARSE_INCOMPLETE);
		CHECK(m == NULL);
	}
	CHECK_INT(sip_msg_parse("\r\n\r\n", 4, SIP_FRAME_STREAM, &m, &info), SIP_PARSE_INCOMPLETE);
	CHECK(info.keepalive && info.consumed == 4);
	/* a stream without Content-Length cannot be framed: 400 and close */
	CHECK_INT(sip_msg_parse(INVITE_HEAD "\r\n", strlen(INVITE_HEAD) + 2, SIP_FRAME_STREAM, &m, &info),
		  SIP_PARSE_BAD);
	CHECK(info.close && info.status == 400);
	sip_msg_unref(m);
	/* a body too large for us: 413 */
	CHECK_INT(sip_msg_parse(INVITE_HEAD "l: 70000\r\n\r\n", strlen(INVITE_HEAD) + 14, SIP_FRAME_STREAM,
				&m, &info), SIP_PARSE_BODY_TOO_LARGE);
	CHECK_INT(info.status, 413);
	sip_msg_unref(m);
}

static void test_limits_and_errors(void)
{
	struct ly_buf b;
	struct sip_parse_info info;
	struct sip_msg *m = NULL, *r;

	/* more than SIP_MAX_HEADERS header fields: 513, answerable over UDP */
	ly_buf_init(&b);
	ly_buf_puts(&b, INVITE_HEAD);
	for (int i = 0; i < SIP_MAX_HEADERS; i++)
		ly_buf_printf(&b, "X-H%d: %d\r\n", i, i);
	ly_buf_puts(&b, "l: 0\r\n\r\n");
	CHECK_INT(sip_msg_parse(b.data, b.len, SIP_FRAME_DATAGRAM, &m, &info), SIP_PARSE_TOO_LARGE);
	CHECK_INT(info.status, 513);
	CHECK(m != NULL);
	r = m ? sip_msg_new_response(m, info.status, info.reason, NULL) : NULL;
	CHECK(r && r->status == 513);
	sip_msg_unref(r);
	sip_msg_unref(m);
	ly_buf_free(&b);

	/* missing Call-ID: 400 with the reason, still answerable */
	m = parse("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\n"
		  "To: <sip:a@b>\r\nCSeq: 1 OPTIONS\r\nl: 0\r\n\r\n", SIP_PARSE_BAD);
	CHECK(m != NULL);
	sip_msg_unref(m);
	CHECK_INT(sip_msg_parse("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\n", 45, SIP_FRAME_DATAGRAM,
				&m, &info), SIP_PARSE_BAD);
	CHECK_STR(info.reason, "Bad Request (missing From)");
	sip_msg_unref(m);
	/* Contact: * and expires out of range treated as absent */
	m = parse("REGISTER sip:b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n"
		  "To: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 2 REGISTER\r\nContact: *\r\nExpires: 99999999999\r\n\r\n",
		  SIP_PARSE_OK);
	CHECK(m && m->contact_star && m->contacts == NULL && m->expires == -1);
	sip_msg_unref(m);
	m = parse("REGISTER sip:b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n"
		  "To: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 2 REGISTER\r\nContact: *, <sip:a@c>\r\n\r\n", SIP_PARSE_BAD);
	sip_msg_unref(m);
}

static void test_via_received(void)
{
	struct sip_msg *m = parse(invite, SIP_PARSE_OK);

	if (!m)
		return;
	/* rport present: received always added, rport gets the source port */
	CHECK_INT(sip_msg_via_received(m, "192.0.2.9", 40000), 0);
	CHECK_STR(m->via.received, "192.0.2.9");
	CHECK_INT(m->via.rport_value, 40000);
	CHECK_STR(m->via.branch, "z9hG4bK776");
	CHECK(strncmp(sip_msg_hdr_find(m, SIP_HDR_VIA)->value,
		      "SIP/2.0/UDP [2001:db8::1]:5062;branch=z9hG4bK776;received=192.0.2.9;rport=40000", 79) == 0);
	sip_msg_unref(m);

	m = parse("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK1, SIP/2.0/UDP x\r\n"
		  "From: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nl: 0\r\n\r\n",
		  SIP_PARSE_OK);
	if (!m)
		return;
	/* §18.2.1: same address as sent-by, no rport: nothing added */
	CHECK_INT(sip_msg_via_received(m, "192.0.2.1", 5070), 0);
	CHECK(m->via.received == NULL);
	CHECK_INT(sip_msg_via_received(m, "192.0.2.2", 5070), 0);
	CHECK_STR(m->via.received, "192.0.2.2");
	CHECK_STR(sip_msg_hdr_find(m, SIP_HDR_VIA)->value,
		  "SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK1;received=192.0.2.2, SIP/2.0/UDP x");
	sip_msg_unref(m);
}

/* Headers joined from pieces, formatted into the arena, printed in one
 * measured allocation, and a sender's reused print buffer. */
static void test_join_and_wire(void)
{
	struct sip_msg *m = sip_msg_new_request("BYE", "sip:bob@192.0.2.9:5070");
	struct sip_wire_buf w = { 0 };
	struct ly_buf *b1, *b2;
	char num[12], big[3000];
	struct ly_buf b;

	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_STR(sip_uint_str(num, 0), "0");
	CHECK_STR(sip_uint_str(num, 4294967295u), "4294967295");
	CHECK_INT(sip_msg_hdr_join(m, "Via", "SIP/2.0/", "UDP", " ", "192.0.2.1:5060", ";branch=", "z9hG4bKj1"), 0);
	CHECK_INT(sip_msg_hdr_join(m, "f", "<sip:a@192.0.2.1>", ";tag=", "ft"), 0);
	CHECK_INT(sip_msg_hdr_join(m, "To", "<sip:bob@192.0.2.9>;tag=tt"), 0);
	CHECK_INT(sip_msg_hdr_add(m, "Call-ID", "j@192.0.2.1"), 0);
	CHECK_INT(sip_msg_hdr_join(m, "CSeq", sip_uint_str(num, 7), " ", "BYE"), 0);
	CHECK_INT(sip_msg_hdr_join(m, "X-Bad", "a\r\n", "Via: evil"), EINVAL);
	/* essentials come from joined values as from any other */
	CHECK_STR(m->via.branch, "z9hG4bKj1");
	CHECK_STR(m->from.tag, "ft");
	CHECK_INT(m->cseq, 7);
	CHECK_STR(m->cseq_method, "BYE");
	/* longer than the arena has left: a second formatting pass */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_INT(sip_msg_hdr_addf(m, "X-Long", "<%s>", big), 0);
	CHECK_INT(sip_msg_hdr_find_name(m, "X-Long")->value_len, sizeof(big) + 1);
	CHECK_INT(sip_msg_hdr_addf(m, "X-Short", "%d-%s", 5, "x"), 0);
	CHECK_STR(sip_msg_hdr_value(m, "X-Short"), "5-x");
	sip_msg_set_body(m, "text/plain", "hello", 5);

	ly_buf_init(&b);
	sip_msg_print(m, &b);
	CHECK_INT(b.cap, b.len + 1);	/* measured: one allocation, no growth */
	CHECK(strncmp(b.data, "BYE sip:bob@192.0.2.9:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKj1\r\n"
			      "From: <sip:a@192.0.2.1>;tag=ft\r\n", 97) == 0);
	CHECK(strstr(b.data, "\r\nCSeq: 7 BYE\r\n") != NULL);
	CHECK(strstr(b.data, "\r\nContent-Length: 5\r\n\r\nhello") != NULL);
	CHECK_INT(strlen(b.data), b.len);

	/* the sender's buffer: the same bytes, reused; a nested print gets
	 * its own */
	b1 = sip_msg_print_wire(&w, m);
	CHECK(b1->len == b.len && memcmp(b1->data, b.data, b.len) == 0);
	b2 = sip_msg_print_wire(&w, m);
	CHECK(b2 != b1 && b2->len == b.len && memcmp(b2->data, b.data, b.len) == 0);
	sip_msg_print_release(&w, b2);
	sip_msg_print_release(&w, b1);
	CHECK(sip_msg_print_wire(&w, m) == b1);
	CHECK(b1->len == b.len && memcmp(b1->data, b.data, b.len) == 0);
	sip_msg_print_release(&w, b1);
	sip_wire_buf_free(&w);
	ly_buf_free(&b);

	/* a status line of a response printed without printf */
	{
		struct sip_msg *r = sip_msg_new_response(m, 481, NULL, "tt");

		CHECK(r != NULL);
		if (r) {
			ly_buf_init(&b);
			sip_msg_print(r, &b);
			CHECK(strncmp(b.data, "SIP/2.0 481 Call/Transaction Does Not Exist\r\n", 45) == 0);
			CHECK(strstr(b.data, "\r\nContent-Length: 0\r\n\r\n") != NULL);
			CHECK_INT(b.cap, b.len + 1);
			ly_buf_free(&b);
			sip_msg_unref(r);
		}
	}
	sip_msg_unref(m);
}

/* Every known name maps to its own id, in any case; near misses do not. */
static void test_header_names(void)
{
	for (int id = SIP_HDR_OTHER + 1; id < SIP_HDR_COUNT; id++) {
		const char *name = sip_hdr_name((enum sip_hdr_id)id);
		size_t len = strlen(name);
		char lower[64], upper[64];

		CHECK(len < sizeof(lower));
		for (size_t i = 0; i <= len; i++) {
			lower[i] = (char)tolower((unsigned char)name[i]);
			upper[i] = (char)toupper((unsigned char)name[i]);
		}
		CHECK_INT(sip_hdr_id(name, len), id);
		CHECK_INT(sip_hdr_id(lower, len), id);
		CHECK_INT(sip_hdr_id(upper, len), id);
		if (len > 2)	/* "T" is the compact form of "To" */
			CHECK((int)sip_hdr_id(name, len - 1) != id);
	}
	CHECK_INT(sip_hdr_id("v", 1), SIP_HDR_VIA);
	CHECK_INT(sip_hdr_id("X-Via", 5), SIP_HDR_OTHER);
	CHECK_INT(sip_hdr_id("Vias", 4), SIP_HDR_OTHER);
	CHECK_INT(sip_hdr_id("A-name-longer-than-any-known-header-x", 37), SIP_HDR_OTHER);
}

int main(void)
{
	return tap_run((struct tap_test[]){
		TAP(test_header_names),
		TAP(test_parse_essentials),
		TAP(test_header_forms),
		TAP(test_round_trip),
		TAP(test_uri),
		TAP(test_response_builder),
		TAP(test_response_shares_essentials),
		TAP(test_request_builder),
		TAP(test_stream_framing),
		TAP(test_limits_and_errors),
		TAP(test_via_received),
		TAP(test_join_and_wire),
	}, 12);
}
