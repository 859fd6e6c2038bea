/* core/cause.c - ITU-T Q.850 hangup causes and their Asterisk names. */
#include "config.h"

#include <stdlib.h>
#include <strings.h>

#include "lyre/channel.h"
#include "lyre/utils.h"

struct cause_entry {
	int cause;
	const char *name;
};

/* Q.850 section 2.2.7.2 values with the names Asterisk gives them
 * (include/asterisk/causes.h), so dialplans and CDRs read the same.  The
 * table also holds the few values channel.h has no enumerator for.  25,
 * 47, 55, 63, 70, 79 and 87, which Asterisk has no name for, are named
 * after their Q.850 text: RFC 3398's tables use them. */
static const struct cause_entry causes[] = {
	{ 0, "NOTDEFINED" },
	{ 1, "UNALLOCATED" },
	{ 2, "NO_ROUTE_TRANSIT_NET" },
	{ 3, "NO_ROUTE_DESTINATION" },
	{ 5, "MISDIALLED_TRUNK_PREFIX" },
	{ 6, "CHANNEL_UNACCEPTABLE" },
	{ 7, "CALL_AWARDED_DELIVERED" },
	{ 8, "PRE_EMPTED" },
	{ 14, "NUMBER_PORTED_NOT_HERE" },
	{ 16, "NORMAL_CLEARING" },
	{ 17, "USER_BUSY" },
	{ 18, "NO_USER_RESPONSE" },
	{ 19, "NO_ANSWER" },
	{ 20, "SUBSCRIBER_ABSENT" },
	{ 21, "CALL_REJECTED" },
	{ 22, "NUMBER_CHANGED" },
	{ 23, "REDIRECTED_TO_NEW_DESTINATION" },
	{ 25, "EXCHANGE_ROUTING_ERROR" },
	{ 26, "ANSWERED_ELSEWHERE" },
	{ 27, "DESTINATION_OUT_OF_ORDER" },
	{ 28, "INVALID_NUMBER_FORMAT" },
	{ 29, "FACILITY_REJECTED" },
	{ 30, "RESPONSE_TO_STATUS_ENQUIRY" },
	{ 31, "NORMAL_UNSPECIFIED" },
	{ 34, "NORMAL_CIRCUIT_CONGESTION" },
	{ 38, "NETWORK_OUT_OF_ORDER" },
	{ 41, "NORMAL_TEMPORARY_FAILURE" },
	{ 42, "SWITCH_CONGESTION" },
	{ 43, "ACCESS_INFO_DISCARDED" },
	{ 44, "REQUESTED_CHAN_UNAVAIL" },
	{ 47, "RESOURCE_UNAVAIL_UNSPECIFIED" },
	{ 50, "FACILITY_NOT_SUBSCRIBED" },
	{ 52, "OUTGOING_CALL_BARRED" },
	{ 54, "INCOMING_CALL_BARRED" },
	{ 55, "INCOMING_CALL_BARRED_CUG" },
	{ 57, "BEARERCAPABILITY_NOTAUTH" },
	{ 58, "BEARERCAPABILITY_NOTAVAIL" },
	{ 63, "SERVICE_UNAVAILABLE" },
	{ 65, "BEARERCAPABILITY_NOTIMPL" },
	{ 66, "CHAN_NOT_IMPLEMENTED" },
	{ 69, "FACILITY_NOT_IMPLEMENTED" },
	{ 70, "RESTRICTED_DIGITAL_ONLY" },
	{ 79, "SERVICE_NOT_IMPLEMENTED" },
	{ 81, "INVALID_CALL_REFERENCE" },
	{ 87, "USER_NOT_MEMBER_OF_CUG" },
	{ 88, "INCOMPATIBLE_DESTINATION" },
	{ 95, "INVALID_MSG_UNSPECIFIED" },
	{ 96, "MANDATORY_IE_MISSING" },
	{ 97, "MESSAGE_TYPE_NONEXIST" },
	{ 98, "WRONG_MESSAGE" },
	{ 99, "IE_NONEXIST" },
	{ 100, "INVALID_IE_CONTENTS" },
	{ 101, "WRONG_CALL_STATE" },
	{ 102, "RECOVERY_ON_TIMER_EXPIRE" },
	{ 103, "MANDATORY_IE_LENGTH_ERROR" },
	{ 111, "PROTOCOL_ERROR" },
	{ 127, "INTERWORKING" },
};

const char *ly_cause_name(int cause)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(causes); i++)
		if (causes[i].cause == cause)
			return causes[i].name;
	return "UNKNOWN";
}

int ly_cause_from_name(const char *name)
{
	long num;

	if (!name)
		return -1;
	if (ly_parse_int(name, 0, 127, &num) == 0)
		return (int)num;
	if (strncasecmp(name, "AST_CAUSE_", 10) == 0)
		name += 10;
	for (size_t i = 0; i < LY_ARRAY_LEN(causes); i++)
		if (strcasecmp(causes[i].name, name) == 0)
			return causes[i].cause;
	return -1;
}
