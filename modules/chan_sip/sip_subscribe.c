/* modules/chan_sip/sip_subscribe.c - message-summary subscriptions: SUBSCRIBE in, NOTIFY out (RFC 6665, RFC 3842). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lyre/lyre.h>
#include <lyre/mwi.h>

#include "sip_endpoint.h"
#include "sip_event.h"
#include "sip_mwi.h"
#include "sip_subscribe.h"

#define MAX_ROUTES 16

struct sip_sub {
	struct sip_sub *next;
	struct sip_subs *owner;
	char *endpoint;
	char **mailboxes;		/* NULL-terminated copies */
	char *account;			/* Message-Account: the SUBSCRIBE's Request-URI */
	char *event_id;			/* Event id parameter, "" none */
	/* the dialog (RFC 3261 §12.1.1, we are the UAS) */
	char *call_id, *local_tag, *remote_tag;
	char *local_uri, *remote_uri;	/* To and From URIs of the SUBSCRIBE */
	char *target;			/* its Contact: our NOTIFYs' Request-URI */
	char *routes[MAX_ROUTES];	/* its Record-Route, in order */
	size_t nroutes;
	uint32_t local_cseq, remote_cseq;
	struct sip_msg_src dst;		/* where it came from */
	uint64_t expires_at;		/* ly_now_ms */
	uint64_t timer;
	struct sip_txn *txn;		/* the NOTIFY in flight */
	bool dirty;			/* counts changed while it was */
	unsigned notifies;
	int last_status;
};

struct sip_subs {
	struct sip_core *core;
	struct sip_sub *list;
	unsigned count;
};

static const struct sip_txn_user no_user;

struct sip_subs *sip_subs_new(struct sip_core *core)
{
	struct sip_subs *subs = ly_calloc(1, sizeof(*subs));

	subs->core = core;
	return subs;
}

/* ---- life of one subscription ---- */

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static char **strv_copy(char *const *v)
{
	size_t n = 0;
	char **out;

	while (v && v[n])
		n++;
	out = ly_calloc(n + 1, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		out[i] = ly_strdup(v[i]);
	return out;
}

static void detach_txn(struct sip_sub *sub)
{
	if (!sub->txn)
		return;
	sip_txn_set_user(sub->txn, &no_user, NULL);
	sip_txn_unref(sub->txn);
	sub->txn = NULL;
}

static void sub_unlink(struct sip_sub *sub)
{
	struct sip_subs *subs = sub->owner;

	for (struct sip_sub **p = &subs->list; *p; p = &(*p)->next)
		if (*p == sub) {
			*p = sub->next;
			subs->count--;
			return;
		}
}

static void sub_free(struct sip_sub *sub)
{
	if (sub->timer)
		ly_sched_del(sip_core_sched(sub->owner->core), sub->timer);
	detach_txn(sub);
	strv_free(sub->mailboxes);
	for (size_t i = 0; i < sub->nroutes; i++)
		free(sub->routes[i]);
	free(sub->endpoint), free(sub->account), free(sub->event_id);
	free(sub->call_id), free(sub->local_tag), free(sub->remote_tag);
	free(sub->local_uri), free(sub->remote_uri), free(sub->target);
	free(sub);
}

/* ---- NOTIFY ---- */

static void add_routes(struct sip_msg *req, const struct sip_sub *sub)
{
	for (size_t i = 0; i < sub->nroutes; i++)
		sip_msg_hdr_add(req, "Route", sub->routes[i]);
}

static struct sip_msg *build_notify(struct sip_sub *sub, const char *state)
{
	struct sip_core *core = sub->owner->core;
	struct sip_transport *tp = sip_tpmgr_find(sip_core_tpmgr(core), sub->dst.proto, sub->dst.addr.ss_family);
	struct sip_msg *req = tp ? sip_msg_new_request("NOTIFY", sub->target) : NULL;
	const char *ua = sip_core_conf(core)->gen.useragent;
	struct sip_mwi_counts counts;
	struct ly_buf body;
	char branch[40];

	if (!req)
		return NULL;
	sip_make_branch(branch, 24);
	sip_msg_hdr_addf(req, "Via", "SIP/2.0/%s %s;branch=%s;rport", sip_proto_name(sub->dst.proto),
			 sip_transport_sentby(tp), branch);
	sip_msg_hdr_add(req, "Max-Forwards", "70");
	add_routes(req, sub);
	sip_msg_hdr_addf(req, "From", "<%s>;tag=%s", sub->local_uri, sub->local_tag);
	sip_msg_hdr_addf(req, "To", "<%s>;tag=%s", sub->remote_uri, sub->remote_tag);
	sip_msg_hdr_add(req, "Call-ID", sub->call_id);
	sip_msg_hdr_addf(req, "CSeq", "%u NOTIFY", ++sub->local_cseq);
	sip_msg_hdr_addf(req, "Contact", "<sip:lyre@%s>", sip_transport_sentby(tp));
	if (sub->event_id[0])
		sip_msg_hdr_addf(req, "Event", "%s;id=%s", SIP_MWI_EVENT, sub->event_id);
	else
		sip_msg_hdr_add(req, "Event", SIP_MWI_EVENT);
	sip_msg_hdr_add(req, "Subscription-State", state);
	if (ua)
		sip_msg_hdr_add(req, "User-Agent", ua);
	sip_mwi_counts(sub->mailboxes, &counts);
	ly_buf_init(&body);
	sip_mwi_body(&counts, sub->account, &body);
	sip_msg_set_body(req, SIP_MWI_CONTENT_TYPE, body.data, body.len);
	ly_buf_free(&body);
	return req;
}

static void sub_drop(struct sip_sub *sub, const char *why)
{
	ly_verbose(2, "SIP subscription of %s to message-summary (Call-ID %s) ended: %s", sub->endpoint,
		   sub->call_id, why);
	sub_unlink(sub);
	sub_free(sub);
}

static void notify_send(struct sip_sub *sub);

static void on_notify_response(struct sip_txn *ct, struct sip_msg *resp, void *arg)
{
	struct sip_sub *sub = arg;
	char why[48];

	(void)ct;
	if (resp->status < 200)
		return;
	detach_txn(sub);
	sub->last_status = resp->status;
	/* RFC 6665 §4.2.2: 481 and 408 (and no answer, below) end it */
	if (resp->status == 481 || resp->status == 408) {
		snprintf(why, sizeof(why), "%d to a NOTIFY", resp->status);
		sub_drop(sub, why);
		return;
	}
	if (resp->status >= 300)
		ly_notice("SIP NOTIFY to %s (Call-ID %s) got %d", sub->endpoint, sub->call_id, resp->status);
	if (sub->dirty)
		notify_send(sub);
}

static void on_notify_timeout(struct sip_txn *t, void *arg)
{
	(void)t;
	sub_drop(arg, "no answer to a NOTIFY");
}

static void on_notify_error(struct sip_txn *t, int err, void *arg)
{
	(void)t;
	(void)err;
	sub_drop(arg, "transport error on a NOTIFY");
}

static const struct sip_txn_user notify_user = {
	.response = on_notify_response,
	.timeout = on_notify_timeout,
	.transport_error = on_notify_error,
};

static unsigned seconds_left(const struct sip_sub *sub)
{
	uint64_t now = ly_now_ms();

	return sub->expires_at > now ? (unsigned)((sub->expires_at - now + 999) / 1000) : 0;
}

/* The current counts, active; or once more after the NOTIFY in flight. */
static void notify_send(struct sip_sub *sub)
{
	char state[64];
	struct sip_msg *req;
	int rc = EINVAL;

	if (sub->txn) {
		sub->dirty = true;
		return;
	}
	sub->dirty = false;
	sip_sub_state_print(true, seconds_left(sub), SIP_SUB_R_TIMEOUT, state, sizeof(state));
	req = build_notify(sub, state);
	if (req)
		rc = sip_txn_client_start(sip_core_txns(sub->owner->core), req, &sub->dst, &notify_user, sub,
					  &sub->txn);
	sip_msg_unref(req);
	if (rc) {
		sub->txn = NULL;
		ly_warning("SIP NOTIFY to %s (Call-ID %s) not sent: %s", sub->endpoint, sub->call_id,
			   strerror(rc));
	} else {
		sub->notifies++;
	}
}

/* The last NOTIFY (§4.2.2: terminated, with why), then the subscription
 * is gone; its transaction retransmits on its own. */
static void sub_end(struct sip_sub *sub, enum sip_sub_reason reason, bool linked)
{
	char state[64];
	struct sip_msg *req;

	detach_txn(sub);
	sip_sub_state_print(false, 0, reason, state, sizeof(state));
	req = build_notify(sub, state);
	if (req && !sip_txn_client_start(sip_core_txns(sub->owner->core), req, &sub->dst, &no_user, NULL, NULL))
		sub->notifies++;
	sip_msg_unref(req);
	if (linked)
		sub_drop(sub, sip_sub_reason_name(reason));
	else
		sub_free(sub);
}

static int expire_cb(void *arg)
{
	struct sip_sub *sub = arg;

	sub->timer = 0;
	sub_end(sub, SIP_SUB_R_TIMEOUT, true);
	return 0;
}

static void arm(struct sip_sub *sub, unsigned seconds)
{
	struct ly_sched *sched = sip_core_sched(sub->owner->core);

	if (sub->timer)
		ly_sched_del(sched, sub->timer);
	sub->expires_at = ly_now_ms() + seconds * 1000ull;
	sub->timer = ly_sched_add(sched, seconds * 1000u, expire_cb, sub);
}

/* ---- SUBSCRIBE ---- */

static int reply(struct sip_subs *subs, struct sip_txn *st, const struct sip_sub *sub, unsigned expires)
{
	struct sip_msg *resp = sip_msg_new_response(sip_txn_request(st), 200, NULL, sub->local_tag);
	struct sip_transport *tp = sip_tpmgr_find(sip_core_tpmgr(subs->core), sub->dst.proto,
						  sub->dst.addr.ss_family);
	int rc;

	if (!resp)
		return EINVAL;
	sip_msg_hdr_addf(resp, "Expires", "%u", expires);
	if (tp)	/* RFC 6665 §4.2.1: a 2xx to SUBSCRIBE has a Contact */
		sip_msg_hdr_addf(resp, "Contact", "<sip:lyre@%s>", sip_transport_sentby(tp));
	sip_core_add_server(subs->core, resp);
	rc = sip_txn_respond(st, resp);
	sip_msg_unref(resp);
	return rc;
}

static bool reject_expiry(struct sip_subs *subs, struct sip_txn *st, const struct sip_msg *req,
			  unsigned *granted)
{
	const struct sip_general *g = &sip_core_conf(subs->core)->gen;
	struct sip_sub_limits lim = { g->mwi_min_expiry, g->mwi_max_expiry, g->mwi_default_expiry };
	char min[16];

	if (!sip_sub_expiry(req->expires, &lim, granted))
		return false;
	snprintf(min, sizeof(min), "%u", lim.min);
	sip_core_reply(subs->core, st, 423, NULL, "Min-Expires", min, NULL);
	return true;
}

/* Step 4 of sip_subscribe.h: the mailboxes this SUBSCRIBE may see; NULL
 * (answered) when none. */
static char **pick_mailboxes(struct sip_subs *subs, struct sip_txn *st, const struct sip_msg *req,
			     const struct sip_endpoint_conf *ep)
{
	char user[LY_MWI_NAME_MAX], name[LY_MWI_NAME_MAX];
	char *one[2] = { name, NULL };

	if (!ep->mailboxes || !ep->mailboxes[0]) {
		sip_core_reply(subs->core, st, 404, "No Mailbox", NULL);
		return NULL;
	}
	if (!sip_uri_user(&req->ruri, user, sizeof(user)) || !strcmp(user, ep->name))
		return strv_copy(ep->mailboxes);
	ly_mwi_normalize(user, name, sizeof(name));
	if (sip_mwi_list_has(ep->mailboxes, name))
		return strv_copy(one);
	ly_notice("SIP endpoint %s may not subscribe to mailbox %s", ep->name, name);
	sip_core_reply(subs->core, st, 403, NULL, NULL);
	return NULL;
}

static void keep_routes(struct sip_sub *sub, const struct sip_msg *req)
{
	struct sip_value_iter it;
	struct sip_str v;

	/* RFC 3261 §12.1.1: the UAS's route set is the Record-Route list in order */
	sip_value_iter_init(&it, req, "Record-Route");
	while (sip_value_next(&it, &v) && sub->nroutes < MAX_ROUTES)
		sub->routes[sub->nroutes++] = ly_strndup(v.s, v.len);
}

static struct sip_sub *sub_new(struct sip_subs *subs, const struct sip_msg *req,
			       const struct sip_endpoint_conf *ep, char **mailboxes, const struct sip_event *ev)
{
	struct sip_sub *sub = ly_calloc(1, sizeof(*sub));
	char tag[17];

	sip_make_token(tag, 16);
	sub->owner = subs;
	sub->endpoint = ly_strdup(ep->name);
	sub->mailboxes = mailboxes;
	sub->account = ly_strdup(req->ruri.text);
	sub->event_id = ly_strdup(ev->id);
	sub->call_id = ly_strdup(req->call_id);
	sub->local_tag = ly_strdup(tag);
	sub->remote_tag = ly_strdup(req->from.tag);
	sub->local_uri = ly_strdup(req->to.uri.text);
	sub->remote_uri = ly_strdup(req->from.uri.text);
	sub->target = ly_strdup(req->contacts->addr.uri.text);
	sub->remote_cseq = req->cseq;
	sub->local_cseq = ly_random32() & 0xffff;	/* §8.1.1.5: any start below 2^31 */
	sub->dst = req->src;
	keep_routes(sub, req);
	return sub;
}

static void initial(struct sip_subs *subs, struct sip_txn *st, struct sip_msg *req,
		    const struct sip_event *ev)
{
	const struct sip_endpoint_conf *ep;
	struct sip_sub *sub;
	char from[128], **boxes;
	unsigned granted;

	ep = sip_core_authenticate(subs->core, st, req,
				   req->has_from && sip_uri_user(&req->from.uri, from, sizeof(from)) ? from : NULL);
	if (!ep)
		return;
	if (!req->contacts || !req->call_id || !req->from.tag) {
		sip_core_reply(subs->core, st, 400, "Missing Contact or From tag", NULL);
		return;
	}
	if (reject_expiry(subs, st, req, &granted) || !(boxes = pick_mailboxes(subs, st, req, ep)))
		return;
	sub = sub_new(subs, req, ep, boxes, ev);
	reply(subs, st, sub, granted);
	if (!granted) {		/* a fetch (RFC 6665 §4.4.3): the state once, no subscription */
		sub_end(sub, SIP_SUB_R_TIMEOUT, false);
		return;
	}
	sub->next = subs->list;
	subs->list = sub;
	subs->count++;
	arm(sub, granted);
	ly_verbose(2, "SIP endpoint %s subscribed to message-summary of %s for %us (Call-ID %s)", ep->name,
		   sub->mailboxes[0], granted, sub->call_id);
	notify_send(sub);
}

static struct sip_sub *find(struct sip_subs *subs, const struct sip_msg *req)
{
	for (struct sip_sub *s = subs->list; s; s = s->next)
		if (req->call_id && req->from.tag && !strcmp(s->call_id, req->call_id) &&
		    !strcmp(s->local_tag, req->to.tag) && !strcmp(s->remote_tag, req->from.tag))
			return s;
	return NULL;
}

static void refresh(struct sip_subs *subs, struct sip_txn *st, struct sip_msg *req,
		    const struct sip_event *ev)
{
	struct sip_sub *sub = find(subs, req);
	unsigned granted;

	/* one subscription per dialog: another id is no subscription we know */
	if (!sub || strcmp(sub->event_id, ev->id)) {
		sip_core_reply(subs->core, st, 481, NULL, NULL);
		return;
	}
	if (req->cseq <= sub->remote_cseq) {
		sip_core_reply(subs->core, st, 500, "Out of Order CSeq", NULL);	/* RFC 3261 §12.2.2 */
		return;
	}
	sub->remote_cseq = req->cseq;
	if (reject_expiry(subs, st, req, &granted))
		return;
	if (req->contacts) {	/* SUBSCRIBE refreshes the target (RFC 6665 §4.1.2.1) */
		free(sub->target);
		sub->target = ly_strdup(req->contacts->addr.uri.text);
	}
	sub->dst = req->src;
	reply(subs, st, sub, granted);
	if (!granted) {
		sub_end(sub, SIP_SUB_R_TIMEOUT, true);
		return;
	}
	arm(sub, granted);
	ly_verbose(3, "SIP subscription of %s refreshed for %us", sub->endpoint, granted);
	notify_send(sub);
}

void sip_subs_handle(struct sip_subs *subs, struct sip_txn *st, struct sip_msg *req)
{
	const struct sip_hdr *h = sip_msg_hdr_find_name(req, "Event");
	struct sip_event ev;

	if (!h || sip_event_parse(h->value, h->value_len, &ev) || !sip_event_is(&ev, SIP_MWI_EVENT)) {
		sip_core_reply(subs->core, st, 489, NULL, "Allow-Events", SIP_MWI_EVENT, NULL);
		return;
	}
	if (req->to.tag)
		refresh(subs, st, req, &ev);
	else
		initial(subs, st, req, &ev);
}

/* ---- the rest of the stack ---- */

void sip_subs_mailbox_changed(struct sip_subs *subs, const char *mailbox)
{
	for (struct sip_sub *s = subs->list; s; s = s->next)
		if (sip_mwi_list_has(s->mailboxes, mailbox))
			notify_send(s);
}

bool sip_subs_endpoint_subscribed(const struct sip_subs *subs, const char *endpoint)
{
	for (const struct sip_sub *s = subs->list; s; s = s->next)
		if (!strcmp(s->endpoint, endpoint))
			return true;
	return false;
}

void sip_subs_foreach(const struct sip_subs *subs, void (*fn)(const struct sip_sub_info *i, void *arg),
		      void *arg)
{
	for (const struct sip_sub *s = subs->list; s; s = s->next) {
		char src[80];
		struct sip_sub_info i = {
			.endpoint = s->endpoint, .mailboxes = s->mailboxes, .call_id = s->call_id,
			.source = src, .proto = s->dst.proto, .expires_in = seconds_left(s),
			.notifies = s->notifies, .last_status = s->last_status,
		};

		sip_core_src_print(&s->dst, src, sizeof(src));
		fn(&i, arg);
	}
}

unsigned sip_subs_count(const struct sip_subs *subs)
{
	return subs->count;
}

void sip_subs_free(struct sip_subs *subs)
{
	if (!subs)
		return;
	while (subs->list)
		sub_end(subs->list, SIP_SUB_R_DEACTIVATED, true);
	free(subs);
}
