/* tests/unit/test_sip_cause.c - RFC 3398 tables both ways, and the RFC 3326 Reason header. */
#include <stdio.h>
#include <string.h>

#include <lyre/lyre.h>

#include "sip_cause.h"
#include "sip_msg.h"
#include "tap.h"

/* RFC 3398 §7.2.4.1, copied from the RFC by hand (not from sip_cause.c). */
static const int rfc_q850_to_sip[][2] = {
	{ 1, 404 }, { 2, 404 }, { 3, 404 }, { 17, 486 }, { 18, 408 }, { 19, 480 }, { 20, 480 },
	{ 21, 403 }, { 22, 410 }, { 23, 410 }, { 26, 404 }, { 27, 502 }, { 28, 484 }, { 29, 501 },
	{ 31, 480 }, { 34, 503 }, { 38, 503 }, { 41, 503 }, { 42, 503 }, { 47, 503 }, { 55, 403 },
	{ 57, 403 }, { 58, 503 }, { 65, 488 }, { 70, 488 }, { 79, 501 }, { 87, 403 }, { 88, 503 },
	{ 102, 504 }, { 111, 500 }, { 127, 500 },
};

/* RFC 3398 §8.2.6.1, status -> cause; 0 where the RFC gives none. */
static const int rfc_sip_to_q850[][2] = {
	{ 400, 41 }, { 401, 21 }, { 402, 21 }, { 403, 21 }, { 404, 1 }, { 405, 63 }, { 406, 79 },
	{ 407, 21 }, { 408, 102 }, { 410, 22 }, { 413, 127 }, { 414, 127 }, { 415, 79 },
	{ 416, 127 }, { 420, 127 }, { 421, 127 }, { 423, 127 }, { 480, 18 }, { 481, 41 },
	{ 482, 25 }, { 483, 25 }, { 484, 28 }, { 485, 1 }, { 486, 17 }, { 487, 0 }, { 488, 0 },
	{ 500, 41 }, { 501, 79 }, { 502, 38 }, { 503, 41 }, { 504, 102 }, { 505, 127 },
	{ 513, 127 }, { 600, 17 }, { 603, 21 }, { 604, 1 }, { 606, 0 },
};

static void test_q850_to_sip(void)
{
	size_t n, rfc_rows = 0;
	const struct sip_cause_row *rows = sip_cause_to_status_table(&n);

	for (size_t i = 0; i < LY_ARRAY_LEN(rfc_q850_to_sip); i++) {
		int cause = rfc_q850_to_sip[i][0], status = rfc_q850_to_sip[i][1];

		if (sip_cause_to_status(cause) != status)
			printf("#   cause %d\n", cause);
		CHECK_INT(sip_cause_to_status(cause), status);
	}
	/* every row the table calls RFC 3398's is one of the RFC's rows */
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		for (size_t j = 0; j < LY_ARRAY_LEN(rfc_q850_to_sip); j++)
			found |= rows[i].cause == rfc_q850_to_sip[j][0] && rows[i].status == rfc_q850_to_sip[j][1];
		CHECK(found == rows[i].rfc);
		rfc_rows += rows[i].rfc;
	}
	CHECK_INT(rfc_rows, LY_ARRAY_LEN(rfc_q850_to_sip));
	/* Lyre's own rows: a hangup before answer, and an unknown cause */
	CHECK_INT(sip_cause_to_status(LY_CAUSE_NORMAL_CLEARING), 480);
	CHECK_INT(sip_cause_to_status(LY_CAUSE_REQUESTED_CHAN_UNAVAIL), 503);
	CHECK_INT(sip_cause_to_status(0), 480);
	CHECK_INT(sip_cause_to_status(99), 480);
}

static void test_sip_to_q850(void)
{
	size_t n;
	const struct sip_cause_row *rows = sip_status_to_cause_table(&n);

	for (size_t i = 0; i < LY_ARRAY_LEN(rfc_sip_to_q850); i++) {
		int status = rfc_sip_to_q850[i][0], cause = rfc_sip_to_q850[i][1];

		if (!cause || status == 503)
			continue;	/* the documented departures, below */
		if (sip_status_to_cause(status) != cause)
			printf("#   status %d\n", status);
		CHECK_INT(sip_status_to_cause(status), cause);
	}
	CHECK_INT(sip_status_to_cause(503), LY_CAUSE_NORMAL_CIRCUIT_CONGESTION);	/* as Asterisk */
	CHECK_INT(sip_status_to_cause(487), LY_CAUSE_NO_ANSWER);
	CHECK_INT(sip_status_to_cause(488), LY_CAUSE_BEARERCAPABILITY_NOTAVAIL);
	CHECK_INT(sip_status_to_cause(606), LY_CAUSE_BEARERCAPABILITY_NOTAVAIL);
	CHECK_INT(sip_status_to_cause(499), LY_CAUSE_INTERWORKING);
	CHECK_INT(sip_status_to_cause(699), LY_CAUSE_INTERWORKING);
	/* every RFC row is in the table, and the table has no others */
	CHECK_INT(n, LY_ARRAY_LEN(rfc_sip_to_q850));
	for (size_t i = 0; i < n; i++) {
		bool rfc = false;

		for (size_t j = 0; j < LY_ARRAY_LEN(rfc_sip_to_q850); j++)
			rfc |= rows[i].status == rfc_sip_to_q850[j][0] && rows[i].cause == rfc_sip_to_q850[j][1];
		CHECK(rfc == rows[i].rfc);
	}
	/* every Q.850 cause the tables use has a name in the core */
	for (size_t i = 0; i < n; i++)
		CHECK(strcmp(ly_cause_name(rows[i].cause), "UNKNOWN") != 0);
	for (size_t i = 0; i < LY_ARRAY_LEN(rfc_q850_to_sip); i++)
		CHECK(strcmp(ly_cause_name(rfc_q850_to_sip[i][0]), "UNKNOWN") != 0);
}

static struct sip_msg *parse(const char *text)
{
	struct sip_parse_info info;
	struct sip_msg *m = NULL;

	if (sip_msg_parse(text, strlen(text), SIP_FRAME_DATAGRAM, &m, &info) != SIP_PARSE_OK) {
		sip_msg_unref(m);
		return NULL;
	}
	return m;
}

static int reason_of(const char *reason_lines)
{
	char text[1024];
	struct sip_msg *m;
	int cause;

	snprintf(text, sizeof(text),
		 "BYE sip:a@127.0.0.1 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n"
		 "From: <sip:b@127.0.0.1>;tag=1\r\nTo: <sip:a@127.0.0.1>;tag=2\r\n"
		 "Call-ID: c1\r\nCSeq: 2 BYE\r\nMax-Forwards: 70\r\n%sContent-Length: 0\r\n\r\n",
		 reason_lines);
	m = parse(text);
	CHECK(m != NULL);
	if (!m)
		return -1;
	cause = sip_reason_cause(m);
	sip_msg_unref(m);
	return cause;
}

static void test_reason(void)
{
	char buf[128];

	sip_reason_format(16, buf, sizeof(buf));
	CHECK_STR(buf, "Q.850;cause=16;text=\"Normal call clearing\"");
	sip_reason_format(17, buf, sizeof(buf));
	CHECK_STR(buf, "Q.850;cause=17;text=\"User busy\"");
	sip_reason_format(LY_CAUSE_ANSWERED_ELSEWHERE, buf, sizeof(buf));
	CHECK_STR(buf, "Q.850;cause=26;text=\"Non-selected user clearing\"");
	/* a cause outside the tables: the core's name */
	sip_reason_format(66, buf, sizeof(buf));
	CHECK_STR(buf, "Q.850;cause=66;text=\"CHAN_NOT_IMPLEMENTED\"");

	CHECK_INT(reason_of(""), 0);
	CHECK_INT(reason_of("Reason: Q.850;cause=17;text=\"User busy\"\r\n"), 17);
	CHECK_INT(reason_of("Reason: q.850 ; cause=31\r\n"), 31);
	/* RFC 3326 §2: several values; the Q.850 one gives the cause */
	CHECK_INT(reason_of("Reason: SIP;cause=487;text=\"Terminated\", Q.850;cause=19\r\n"), 19);
	CHECK_INT(reason_of("Reason: SIP;cause=580\r\nReason: Q.850;cause=34\r\n"), 34);
	/* a CANCEL after another fork answered */
	CHECK_INT(reason_of("Reason: SIP;cause=200;text=\"Call completed elsewhere\"\r\n"),
		  LY_CAUSE_ANSWERED_ELSEWHERE);
	/* nonsense is ignored */
	CHECK_INT(reason_of("Reason: Q.850;cause=0\r\n"), 0);
	CHECK_INT(reason_of("Reason: Q.850;cause=300\r\n"), 0);
	CHECK_INT(reason_of("Reason: Q.850;cause=1x\r\n"), 0);
	CHECK_INT(reason_of("Reason: Q.850\r\n"), 0);
	CHECK_INT(reason_of("Reason: Q.8500;cause=16\r\n"), 0);
}

TAP_MAIN(TAP(test_q850_to_sip), TAP(test_sip_to_q850), TAP(test_reason))
