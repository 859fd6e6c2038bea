/* modules/chan_sip/sip_mwi.c - mailbox changes from lyre/mwi.h onto the SIP loop; unsolicited message-summary NOTIFY. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lyre/lyre.h>
#include <lyre/mwi.h>

#include "sip_mwi.h"
#include "sip_registrar.h"
#include "sip_subscribe.h"

/* A mailbox whose change waits for the loop (names only: the loop reads
 * the counts then, so several changes make one NOTIFY with the last). */
struct pending {
	struct pending *next;
	char mailbox[LY_MWI_NAME_MAX];
};

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pending *queue;
static bool posted, post_held;		/* a drain is queued; it holds the module */
static struct ly_module *mwi_owner;
static struct ly_loop *mwi_loop;
static struct ly_mwi_sub *mwi_sub;

bool sip_mwi_list_has(char *const *list, const char *mailbox)
{
	for (size_t i = 0; list && list[i]; i++)
		if (!strcasecmp(list[i], mailbox))
			return true;
	return false;
}

void sip_mwi_counts(char *const *mailboxes, struct sip_mwi_counts *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; mailboxes && mailboxes[i]; i++) {
		struct ly_mwi_state st;

		ly_mwi_get(mailboxes[i], &st);
		out->new_msgs += st.new_msgs;
		out->old_msgs += st.old_msgs;
		out->new_urgent += st.new_urgent;
		out->old_urgent += st.old_urgent;
	}
}

/* ---- the hop to the loop ---- */

static void drain(void *arg)
{
	struct pending *list;
	struct sip_core *core = sip_core_running();
	bool held;

	(void)arg;
	pthread_mutex_lock(&q_lock);
	list = queue;
	queue = NULL;
	posted = false;
	held = post_held;
	post_held = false;
	pthread_mutex_unlock(&q_lock);
	while (list) {
		struct pending *p = list;

		list = p->next;
		if (core)
			sip_mwi_changed(core, p->mailbox);
		free(p);
	}
	if (held)
		ly_module_unref(mwi_owner);	/* last: nothing of this module runs after it */
}

static bool queued(const char *mailbox)
{
	for (const struct pending *p = queue; p; p = p->next)
		if (!strcasecmp(p->mailbox, mailbox))
			return true;
	return false;
}

/* The publisher's thread, under the registry's lock: queue and post only. */
static void on_mwi(const struct ly_mwi_state *st, void *arg)
{
	(void)arg;
	pthread_mutex_lock(&q_lock);
	if (!queued(st->mailbox)) {
		struct pending *p = ly_calloc(1, sizeof(*p)), **tail = &queue;

		ly_strlcpy(p->mailbox, st->mailbox, sizeof(p->mailbox));
		while (*tail)
			tail = &(*tail)->next;
		*tail = p;
	}
	/* A module that has begun to unload refuses the reference: the
	 * change is then dropped with the queue at sip_mwi_stop. */
	if (!posted && (!mwi_owner || ly_module_ref(mwi_owner))) {
		if (ly_loop_call(mwi_loop, drain, NULL) == 0) {
			posted = true;
			post_held = mwi_owner != NULL;
		} else if (mwi_owner) {
			ly_module_unref(mwi_owner);
		}
	}
	pthread_mutex_unlock(&q_lock);
}

/* Mailboxes published before chan_sip started (voicemail loaded first):
 * the contacts restored from the database hear their counts as well. */
static void announce_known(void)
{
	struct ly_mwi_state *known;
	size_t n = ly_mwi_list(&known);

	for (size_t i = 0; i < n; i++)
		on_mwi(&known[i], NULL);
	free(known);
}

void sip_mwi_start(struct ly_module *owner, struct ly_loop *loop)
{
	mwi_owner = owner;
	mwi_loop = loop;
	mwi_sub = ly_mwi_subscribe(NULL, on_mwi, NULL);
	announce_known();
}

void sip_mwi_stop(void)
{
	ly_mwi_unsubscribe(mwi_sub);	/* on_mwi is not running and will not run */
	mwi_sub = NULL;
	pthread_mutex_lock(&q_lock);
	while (queue) {
		struct pending *p = queue;

		queue = p->next;
		free(p);
	}
	pthread_mutex_unlock(&q_lock);
}

/* ---- unsolicited NOTIFY ---- */

static const struct sip_txn_user no_user;

struct unsolicited {
	struct sip_core *core;
	const struct sip_endpoint_conf *ep;
};

/* "sip:100@192.0.2.1:5060" for mailbox "100@default". */
static void account_uri(const char *mailbox, const char *sentby, char *buf, size_t size)
{
	size_t n = strcspn(mailbox, "@");

	snprintf(buf, size, "sip:%.*s@%s", (int)n, mailbox, sentby);
}

static struct sip_msg *build(const struct unsolicited *u, const struct sip_binding *b,
			     const struct sip_msg_src *dst, const struct sip_transport *tp)
{
	struct sip_msg *req = sip_msg_new_request("NOTIFY", b->uri);
	const char *sentby = sip_transport_sentby(tp), *ua = sip_core_conf(u->core)->gen.useragent;
	char branch[40], tag[17], callid[33], account[160];
	struct sip_mwi_counts c;
	struct ly_buf body;

	if (!req)
		return NULL;
	sip_make_branch(branch, 24);
	sip_make_token(tag, 16);
	sip_make_token(callid, 32);
	sip_msg_hdr_addf(req, "Via", "SIP/2.0/%s %s;branch=%s;rport", sip_proto_name(dst->proto), sentby, branch);
	sip_msg_hdr_add(req, "Max-Forwards", "70");
	sip_msg_hdr_addf(req, "From", "<sip:lyre@%s>;tag=%s", sentby, tag);
	sip_msg_hdr_addf(req, "To", "<%s>", b->uri);
	sip_msg_hdr_add(req, "Call-ID", callid);
	sip_msg_hdr_add(req, "CSeq", "1 NOTIFY");
	sip_msg_hdr_addf(req, "Contact", "<sip:lyre@%s>", sentby);
	sip_msg_hdr_add(req, "Event", SIP_MWI_EVENT);
	/* RFC 6665 §8.2.3 wants the header in every NOTIFY (baresip answers
	 * 400 without it); no subscription exists, so none goes on. */
	sip_msg_hdr_add(req, "Subscription-State", "terminated");
	if (ua)
		sip_msg_hdr_add(req, "User-Agent", ua);
	sip_mwi_counts(u->ep->mailboxes, &c);
	account_uri(u->ep->mailboxes[0], sentby, account, sizeof(account));
	ly_buf_init(&body);
	sip_mwi_body(&c, account, &body);
	sip_msg_set_body(req, SIP_MWI_CONTENT_TYPE, body.data, body.len);
	ly_buf_free(&body);
	return req;
}

static void send_one(struct sip_binding *b, void *arg)
{
	struct unsolicited *u = arg;
	struct sip_transport *tp;
	struct sip_msg_src dst;
	struct sip_msg *req;
	int rc = EINVAL;

	sip_binding_dest(b, u->ep, &dst);
	tp = dst.addr_len ? sip_tpmgr_find(sip_core_tpmgr(u->core), dst.proto, dst.addr.ss_family) : NULL;
	req = tp ? build(u, b, &dst, tp) : NULL;
	/* fire and forget: a phone that does not want it answers 4xx, and
	 * the next change is sent anyway */
	if (req)
		rc = sip_txn_client_start(sip_core_txns(u->core), req, &dst, &no_user, NULL, NULL);
	sip_msg_unref(req);
	if (rc)
		ly_notice("SIP unsolicited NOTIFY to %s (%s) not sent: %s", b->uri, u->ep->name, strerror(rc));
	else
		ly_verbose(3, "SIP unsolicited message-summary NOTIFY to %s (%s)", b->uri, u->ep->name);
}

static void unsolicited(struct sip_core *core, const struct sip_endpoint_conf *ep)
{
	struct unsolicited u = { core, ep };

	if (!ep->mailboxes || !ep->mailboxes[0] || sip_subs_endpoint_subscribed(sip_core_subs(core), ep->name))
		return;
	sip_registrar_foreach(sip_core_registrar(core), ep->name, send_one, &u);
}

void sip_mwi_changed(struct sip_core *core, const char *mailbox)
{
	sip_subs_mailbox_changed(sip_core_subs(core), mailbox);
	for (const struct sip_endpoint_conf *ep = sip_core_conf(core)->endpoints; ep; ep = ep->next)
		if (sip_mwi_list_has(ep->mailboxes, mailbox))
			unsolicited(core, ep);
}

void sip_mwi_contact_registered(struct sip_core *core, const struct sip_endpoint_conf *ep)
{
	unsolicited(core, ep);
}
