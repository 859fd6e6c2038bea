/* modules/chan_sip/sip_cause.c - RFC 3398 cause <-> status tables and the RFC 3326 Reason header. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lyre/channel.h>
#include <lyre/utils.h>

#include "sip_cause.h"
#include "sip_msg.h"

struct q850_row {
	struct sip_cause_row map;
	const char *text;	/* Q.850's wording, sent in Reason text= */
};

/*
 * RFC 3398 §7.2.4.1, every row, in its order, then the causes its table
 * leaves out that a Lyre hangup can carry (rfc = false).  A cause that is
 * in neither gets 480, the "not available now" Dial's NOANSWER means.
 */
static const struct q850_row q850_rows[] = {
	{ { 1, 404, true }, "Unallocated number" },
	{ { 2, 404, true }, "No route to specified transit network" },
	{ { 3, 404, true }, "No route to destination" },
	{ { 17, 486, true }, "User busy" },
	{ { 18, 408, true }, "No user responding" },
	{ { 19, 480, true }, "No answer from user" },
	{ { 20, 480, true }, "Subscriber absent" },
	/* "(+) ... 403 becomes 603" only when the location is the user:
	 * Lyre does not know it, so the table's 403 */
	{ { 21, 403, true }, "Call rejected" },
	/* 22 with a diagnostic would be 301 with a Contact: Lyre has none */
	{ { 22, 410, true }, "Number changed" },
	{ { 23, 410, true }, "Redirection to new destination" },
	{ { 26, 404, true }, "Non-selected user clearing" },
	{ { 27, 502, true }, "Destination out of order" },
	{ { 28, 484, true }, "Invalid number format" },
	{ { 29, 501, true }, "Facility rejected" },
	{ { 31, 480, true }, "Normal, unspecified" },
	{ { 34, 503, true }, "No circuit/channel available" },
	{ { 38, 503, true }, "Network out of order" },
	{ { 41, 503, true }, "Temporary failure" },
	{ { 42, 503, true }, "Switching equipment congestion" },
	{ { 47, 503, true }, "Resource unavailable, unspecified" },
	{ { 55, 403, true }, "Incoming calls barred within CUG" },
	{ { 57, 403, true }, "Bearer capability not authorized" },
	{ { 58, 503, true }, "Bearer capability not presently available" },
	{ { 65, 488, true }, "Bearer capability not implemented" },
	{ { 70, 488, true }, "Only restricted digital information bearer capability is available" },
	{ { 79, 501, true }, "Service or option not implemented, unspecified" },
	{ { 87, 403, true }, "User not member of CUG" },
	{ { 88, 503, true }, "Incompatible destination" },
	{ { 102, 504, true }, "Recovery on timer expiry" },
	{ { 111, 500, true }, "Protocol error, unspecified" },
	{ { 127, 500, true }, "Interworking, unspecified" },
	/* Not in the table.  16 is "---" there (a BYE or CANCEL follows),
	 * but an INVITE we have not answered still needs a final response. */
	{ { 16, 480, false }, "Normal call clearing" },
	{ { 44, 503, false }, "Requested circuit/channel not available" },
	{ { 52, 403, false }, "Outgoing calls barred" },
	{ { 54, 403, false }, "Incoming calls barred" },
	{ { 63, 503, false }, "Service or option not available, unspecified" },
	{ { 69, 501, false }, "Requested facility not implemented" },
	{ { 25, 500, false }, "Exchange routing error" },
};

/*
 * RFC 3398 §8.2.6.1, every row, in its order.  Departures:
 *  - 503: 34 (no circuit) instead of 41, as Asterisk's hangup_sip2cause,
 *    so Dial says CONGESTION for an overloaded trunk as it does there.
 *  - 487, 488, 606 have no cause in the table (487: the call was
 *    cancelled; 488/606: "by Warning header", which Lyre does not read):
 *    19 and 58, Asterisk's choices.
 * Any other final status gets 127 (interworking).
 */
static const struct sip_cause_row status_rows[] = {
	{ 41, 400, true },
	{ 21, 401, true },
	{ 21, 402, true },
	{ 21, 403, true },
	{ 1, 404, true },
	{ 63, 405, true },
	{ 79, 406, true },
	{ 21, 407, true },
	{ 102, 408, true },
	{ 22, 410, true },
	{ 127, 413, true },
	{ 127, 414, true },
	{ 79, 415, true },
	{ 127, 416, true },
	{ 127, 420, true },
	{ 127, 421, true },
	{ 127, 423, true },
	{ 18, 480, true },
	{ 41, 481, true },
	{ 25, 482, true },
	{ 25, 483, true },
	{ 28, 484, true },
	{ 1, 485, true },
	{ 17, 486, true },
	{ 19, 487, false },
	{ 58, 488, false },
	{ 41, 500, true },
	{ 79, 501, true },
	{ 38, 502, true },
	{ 34, 503, false },
	{ 102, 504, true },
	{ 127, 505, true },
	{ 127, 513, true },
	{ 17, 600, true },
	{ 21, 603, true },
	{ 1, 604, true },
	{ 58, 606, false },
};

static const struct q850_row *q850_row(int cause)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(q850_rows); i++)
		if (q850_rows[i].map.cause == cause)
			return &q850_rows[i];
	return NULL;
}

int sip_cause_to_status(int cause)
{
	const struct q850_row *r = q850_row(cause);

	return r ? r->map.status : 480;
}

int sip_status_to_cause(int status)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(status_rows); i++)
		if (status_rows[i].status == status)
			return status_rows[i].cause;
	return LY_CAUSE_INTERWORKING;
}

const char *sip_cause_text(int cause)
{
	const struct q850_row *r = q850_row(cause);

	return r ? r->text : ly_cause_name(cause);
}

void sip_reason_format(int cause, char *buf, size_t size)
{
	snprintf(buf, size, "Q.850;cause=%d;text=\"%s\"", cause, sip_cause_text(cause));
}

/* The cause= of one Reason value (params after the protocol), 0 if none. */
static int cause_param(const char *params, size_t len)
{
	char copy[256], num[8];
	struct sip_str v;
	char *end;
	long n;

	if (len >= sizeof(copy))
		len = sizeof(copy) - 1;
	memcpy(copy, params, len);
	copy[len] = '\0';
	if (!sip_param_find(copy, "cause", &v) || !v.len || v.len >= sizeof(num))
		return 0;
	memcpy(num, v.s, v.len);
	num[v.len] = '\0';
	n = strtol(num, &end, 10);
	return *end ? 0 : (int)n;
}

int sip_reason_cause(const struct sip_msg *m)
{
	struct sip_value_iter it;
	struct sip_str v;
	int elsewhere = 0;

	sip_value_iter_init(&it, m, "Reason");
	while (sip_value_next(&it, &v)) {
		size_t proto = strcspn(v.s, "; \t");
		int cause;

		if (proto > v.len)
			proto = v.len;
		cause = cause_param(v.s + proto, v.len - proto);
		if (proto == 5 && !strncasecmp(v.s, "Q.850", 5) && cause >= 1 && cause <= 127)
			return cause;
		if (proto == 3 && !strncasecmp(v.s, "SIP", 3) && cause == 200)
			elsewhere = LY_CAUSE_ANSWERED_ELSEWHERE;
	}
	return elsewhere;
}

const struct sip_cause_row *sip_cause_to_status_table(size_t *n)
{
	static struct sip_cause_row rows[LY_ARRAY_LEN(q850_rows)];

	for (size_t i = 0; i < LY_ARRAY_LEN(q850_rows); i++)
		rows[i] = q850_rows[i].map;
	*n = LY_ARRAY_LEN(rows);
	return rows;
}

const struct sip_cause_row *sip_status_to_cause_table(size_t *n)
{
	*n = LY_ARRAY_LEN(status_rows);
	return status_rows;
}
