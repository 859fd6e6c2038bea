/*
 * modules/chan_sip/sip_cause.h - Q.850 hangup causes and SIP, both ways:
 * RFC 3398 §7.2.4.1 (cause -> status of our final response) and §8.2.6.1
 * (status of a final response we got -> cause), and the Reason header of
 * RFC 3326 that carries the cause on BYE and CANCEL.
 *
 * Both mappings are tables (sip_cause.c); where Lyre departs from the RFC
 * the row says so and why.  Pure functions, any thread.
 */
#ifndef LYRE_SIP_CAUSE_H
#define LYRE_SIP_CAUSE_H

#include <stdbool.h>
#include <stddef.h>

struct sip_msg;

/* §8.2.6.1: the cause for a final status (4xx-6xx) of our INVITE. */
int sip_status_to_cause(int status);
/* §7.2.4.1: the final status that refuses an INVITE for a hangup cause. */
int sip_cause_to_status(int cause);
/* A short text for a cause ("Normal call clearing"); never NULL. */
const char *sip_cause_text(int cause);

/* RFC 3326 §2: `Q.850;cause=16;text="Normal call clearing"` into buf. */
void sip_reason_format(int cause, char *buf, size_t size);
/*
 * The hangup cause a request's Reason headers give (RFC 3326 §2): the
 * first Q.850 value's cause (1..127), else SIP;cause=200 as
 * ANSWERED_ELSEWHERE (RFC 3326 §3.1, a CANCEL after another fork
 * answered, as Asterisk reads it).  0 when there is none.
 */
int sip_reason_cause(const struct sip_msg *m);

/* The rows of the tables, for the unit test. */
struct sip_cause_row {
	int cause, status;
	bool rfc;	/* false: a row the RFC table does not have, or changes */
};
const struct sip_cause_row *sip_cause_to_status_table(size_t *n);
const struct sip_cause_row *sip_status_to_cause_table(size_t *n);

#endif
