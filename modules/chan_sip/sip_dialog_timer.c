/* modules/chan_sip/sip_dialog_timer.c - session timers (RFC 4028): negotiation, refresh at half the interval, BYE when a session expires. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lyre/log.h>
#include <lyre/utils.h>

#include "sip_dialog_int.h"

/* A delta-seconds header value: the number before any ';'. */
static unsigned header_seconds(const struct sip_msg *m, const char *name, const char **params)
{
	const char *v = sip_msg_hdr_value(m, name);
	char *end;
	unsigned long n;

	if (params)
		*params = "";
	if (!v)
		return 0;
	n = strtoul(v, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	if (params && *end == ';')
		*params = end;
	return n > 86400 * 7 ? 86400 * 7 : (unsigned)n;
}

unsigned dlg_min_se_of(const struct sip_msg *m)
{
	return header_seconds(m, "Min-SE", NULL);
}

/* The refresher parameter: 'c' for uac, 's' for uas, 0 when absent. */
static char refresher_of(const char *params)
{
	struct sip_str v;

	if (!sip_param_find(params, "refresher", &v) || v.len != 3)
		return 0;
	if (strncasecmp(v.s, "uac", 3) == 0)
		return 'c';
	return strncasecmp(v.s, "uas", 3) == 0 ? 's' : 0;
}

static bool lists_timer(const struct sip_msg *m, const char *header)
{
	struct sip_value_iter it;
	struct sip_str v;

	sip_value_iter_init(&it, m, header);
	while (sip_value_next(&it, &v))
		if (v.len == 5 && strncasecmp(v.s, "timer", 5) == 0)
			return true;
	return false;
}

static bool supports_timer(const struct sip_msg *m)
{
	return lists_timer(m, "Supported") || lists_timer(m, "Require");
}

/* A table's own policy: what the layer did before policies existed. */
void dlg_table_timers(const struct sip_dialog_table *dt, struct sip_dialog_timers *out)
{
	*out = (struct sip_dialog_timers){ SIP_TIMERS_ALWAYS, dt->cfg.session_expires, dt->cfg.min_se };
}

/* RFC 4028 §7.1/§7.4: a request of ours carries our interval and, for a
 * refresh, the refresher we keep (we are this transaction's UAC); its
 * Min-SE is the largest a 422 on the dialog asked for, never below ours. */
void dlg_se_add_request(struct sip_dialog *d, struct sip_msg *req, bool refresh)
{
	unsigned interval = d->se_interval ? d->se_interval : d->timers.session_expires;
	unsigned min_se = d->se_min_seen > d->timers.min_se ? d->se_min_seen : d->timers.min_se;

	if (!interval || d->timers.mode == SIP_TIMERS_NO)
		return;
	if (d->timers.mode == SIP_TIMERS_REQUIRED)
		sip_msg_hdr_set(req, "Require", "timer");
	if (refresh && d->se_interval)
		sip_msg_hdr_addf(req, "Session-Expires", "%u;refresher=%s", interval,
				 d->se_we_refresh ? "uac" : "uas");
	else
		sip_msg_hdr_addf(req, "Session-Expires", "%u", interval);
	sip_msg_hdr_remove_all(req, "Min-SE");
	sip_msg_hdr_addf(req, "Min-SE", "%u", min_se);
}

/* Refuse req with code and one header. */
static void refuse(struct sip_txn *st, const struct sip_msg *req, int code, const char *name,
		   const char *value)
{
	struct sip_msg *resp = sip_msg_new_response(req, code, NULL, NULL);

	sip_msg_hdr_add(resp, name, value);
	sip_txn_respond(st, resp);
	sip_msg_unref(resp);
}

/*
 * A request that starts or refreshes a session, against our policy:
 * timers=no and the peer requires them, 420 (RFC 3261 §8.2.2.3); timers=
 * required and the peer does not support them, 421 (RFC 4028 §9); an
 * interval below our minimum, 422 with our Min-SE (§8.1).
 */
int dlg_se_check_request(const struct sip_dialog_timers *t, const struct sip_msg *req, struct sip_txn *st)
{
	unsigned se = header_seconds(req, "Session-Expires", NULL);
	char min[16];

	if (t->mode == SIP_TIMERS_NO) {
		if (!lists_timer(req, "Require"))
			return 0;
		refuse(st, req, 420, "Unsupported", "timer");
		return EPROTO;
	}
	if (t->mode == SIP_TIMERS_REQUIRED && !supports_timer(req)) {
		refuse(st, req, 421, "Require", "timer");
		return EPROTO;
	}
	if (!se || se >= t->min_se)
		return 0;
	snprintf(min, sizeof(min), "%u", t->min_se);
	refuse(st, req, 422, "Min-SE", min);
	return ERANGE;
}

/*
 * RFC 4028 §9: our 2xx states the interval and the refresher.  With no
 * refresher asked for we take the role ourselves ("uas"), which works
 * whether or not the peer supports timers, so a dead peer's call ends.
 */
void dlg_se_add_response(struct sip_dialog *d, struct sip_msg *resp, const struct sip_msg *req)
{
	const char *params;
	unsigned se = header_seconds(req, "Session-Expires", &params);
	unsigned min = dlg_min_se_of(req);
	bool supported = supports_timer(req);
	char who;

	if (d->timers.mode == SIP_TIMERS_NO)
		return;
	/* pjsip's "yes": no Session-Expires asked for, no session timer */
	if (!se && d->timers.mode == SIP_TIMERS_YES) {
		dlg_se_stop(d);
		d->se_interval = 0;
		return;
	}
	if (!se && d->timers.session_expires)
		se = d->timers.session_expires > min ? d->timers.session_expires : min;
	if (!se)
		return;
	who = supported ? refresher_of(params) : 's';
	if (!who)
		who = 's';
	sip_msg_hdr_addf(resp, "Session-Expires", "%u;refresher=%s", se, who == 'c' ? "uac" : "uas");
	if (supported)
		sip_msg_hdr_set(resp, "Require", "timer");
	dlg_se_start(d, se, who == 's');
}

/* RFC 4028 §7.2: the 2xx to our request says the interval and who refreshes. */
void dlg_se_from_response(struct sip_dialog *d, const struct sip_msg *resp)
{
	const char *params;
	unsigned se = header_seconds(resp, "Session-Expires", &params);

	if (!se) {
		/* "there is no session expiration" */
		dlg_se_stop(d);
		d->se_interval = 0;
		return;
	}
	dlg_se_start(d, se, refresher_of(params) != 's');
}

/* §10: the side that does not refresh sends BYE "at the expiration time
 * minus the minimum of 32 seconds and one third of the interval". */
static unsigned expiry_ms(unsigned interval)
{
	unsigned margin = interval / 3 < 32 ? interval / 3 : 32;

	return (interval - margin) * 1000u;
}

static int se_fired(void *arg);

static void arm(struct sip_dialog *d, uint64_t due)
{
	if (d->se_timer)
		ly_sched_del(d->dt->sched, d->se_timer);
	d->se_timer = ly_sched_add_at(d->dt->sched, due, se_fired, d);
}

static void expire(struct sip_dialog *d)
{
	ly_notice("SIP dialog %s: session expired after %u s without refresh, sending BYE",
		  d->call_id, d->se_interval);
	dlg_send_bye(d);
	dlg_terminate(d, SIP_DIALOG_END_SESSION_EXPIRED, 408);
}

/* §7.4, §9: refresh with UPDATE when the peer allows it (no SDP needed),
 * else a re-INVITE carrying our current description unchanged. */
static int refresh(struct sip_dialog *d)
{
	if (d->peer_allows_update)
		return sip_dialog_update(d, NULL, NULL, 0);
	return sip_dialog_reinvite(d, d->local_sdp_ct, d->local_sdp, d->local_sdp_len);
}

static int se_fired(void *arg)
{
	struct sip_dialog *d = arg;
	uint64_t deadline = d->se_start + expiry_ms(d->se_interval);

	d->se_timer = 0;
	if (d->state == SIP_DIALOG_TERMINATED)
		return 0;
	if (d->dt->now_ms() >= deadline)
		expire(d);
	else if (!d->se_we_refresh || refresh(d) != 0)
		arm(d, deadline);	/* busy or unsendable: the session ends unless refreshed */
	return 0;
}

void dlg_se_start(struct sip_dialog *d, unsigned interval, bool we_refresh)
{
	d->se_interval = interval;
	d->se_we_refresh = we_refresh;
	d->se_start = d->dt->now_ms();
	arm(d, d->se_start + (we_refresh ? interval * 500u : expiry_ms(interval)));
}

void dlg_se_stop(struct sip_dialog *d)
{
	if (d->se_timer)
		ly_sched_del(d->dt->sched, d->se_timer);
	d->se_timer = 0;
}

/* A refresh of ours failed (not 408/481, which end the dialog): the
 * session lasts until the interval runs out (§10). */
void dlg_se_failed(struct sip_dialog *d)
{
	if (d->se_interval)
		arm(d, d->se_start + expiry_ms(d->se_interval));
}
