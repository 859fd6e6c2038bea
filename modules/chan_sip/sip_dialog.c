/* modules/chan_sip/sip_dialog.c - the dialog table: identity, hashing, life cycle and dispatch of in-dialog messages (RFC 3261 §12). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lyre/log.h>
#include <lyre/utils.h>

#include "sip_dialog_int.h"

#define DEFAULT_SESSION_EXPIRES 1800
#define DEFAULT_MIN_SE 90	/* RFC 4028 §4: Min-SE never below 90 s */
#define FIRST_BUCKETS 256

/* ---- table ---- */

struct sip_dialog_table *sip_dialog_table_new(struct sip_txn_table *txns, struct ly_sched *sched,
					      const struct sip_txn_transport *tp,
					      const struct sip_dialog_config *cfg)
{
	struct sip_dialog_table *dt = ly_calloc(1, sizeof(*dt));

	dt->txns = txns;
	dt->sched = sched;
	dt->now_ms = sip_txn_table_config(txns)->now_ms;
	dt->tp = *tp;
	if (cfg)
		dt->cfg = *cfg;
	if (!cfg)
		dt->cfg.session_expires = DEFAULT_SESSION_EXPIRES;
	if (dt->cfg.min_se < DEFAULT_MIN_SE)
		dt->cfg.min_se = DEFAULT_MIN_SE;
	if (dt->cfg.session_expires && dt->cfg.session_expires < dt->cfg.min_se)
		dt->cfg.session_expires = dt->cfg.min_se;
	dt->user_agent = dt->cfg.user_agent ? ly_strdup(dt->cfg.user_agent) : NULL;
	dt->cfg.user_agent = dt->user_agent;
	dt->nbuckets = FIRST_BUCKETS;
	dt->buckets = ly_calloc(dt->nbuckets, sizeof(*dt->buckets));
	return dt;
}

void sip_dialog_table_free(struct sip_dialog_table *dt)
{
	if (!dt)
		return;
	for (size_t i = 0; i < dt->nbuckets; i++)
		while (dt->buckets[i])
			dlg_terminate(dt->buckets[i], SIP_DIALOG_END_SHUTDOWN, 0);
	free(dt->buckets);
	free(dt->user_agent);
	free(dt);
}

unsigned sip_dialog_table_count(const struct sip_dialog_table *dt)
{
	return dt->count;
}

/* FNV-1a over the three parts of the id; tags compare case-sensitively
 * (§19.3 calls them opaque tokens) as does the Call-ID (§20.8). */
static uint64_t id_hash(const char *call_id, const char *local_tag, const char *remote_tag)
{
	const char *parts[3] = { call_id, local_tag, remote_tag };
	uint64_t h = 1469598103934665603ULL;

	for (int i = 0; i < 3; i++) {
		for (const char *p = parts[i] ? parts[i] : ""; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
	}
	return h;
}

static bool str_eq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static void rehash(struct sip_dialog_table *dt)
{
	size_t n = dt->nbuckets * 2;
	struct sip_dialog **b = ly_calloc(n, sizeof(*b));

	for (size_t i = 0; i < dt->nbuckets; i++) {
		struct sip_dialog *d = dt->buckets[i], *next;

		for (; d; d = next) {
			size_t k = id_hash(d->call_id, d->local_tag, d->remote_tag) & (n - 1);

			next = d->hnext;
			d->hnext = b[k];
			b[k] = d;
		}
	}
	free(dt->buckets);
	dt->buckets = b;
	dt->nbuckets = n;
}

void dlg_hash_insert(struct sip_dialog *d)
{
	struct sip_dialog_table *dt = d->dt;
	size_t k;

	if (dt->count >= dt->nbuckets * 2)
		rehash(dt);
	k = id_hash(d->call_id, d->local_tag, d->remote_tag) & (dt->nbuckets - 1);
	d->hnext = dt->buckets[k];
	dt->buckets[k] = d;
	d->hashed = true;
	dt->count++;
}

static void hash_remove(struct sip_dialog *d)
{
	struct sip_dialog_table *dt = d->dt;
	size_t k = id_hash(d->call_id, d->local_tag, d->remote_tag) & (dt->nbuckets - 1);

	for (struct sip_dialog **p = &dt->buckets[k]; *p; p = &(*p)->hnext) {
		if (*p == d) {
			*p = d->hnext;
			d->hnext = NULL;
			d->hashed = false;
			dt->count--;
			return;
		}
	}
}

struct sip_dialog *sip_dialog_find(struct sip_dialog_table *dt, const char *call_id,
				   const char *local_tag, const char *remote_tag)
{
	size_t k = id_hash(call_id, local_tag, remote_tag) & (dt->nbuckets - 1);

	for (struct sip_dialog *d = dt->buckets[k]; d; d = d->hnext)
		if (str_eq(d->call_id, call_id) && str_eq(d->local_tag, local_tag) &&
		    str_eq(d->remote_tag, remote_tag))
			return d;
	return NULL;
}

/* ---- life cycle ---- */

/* Take user and a reference to its arg (sip_dialog_user.arg_ref). */
static void user_take(struct sip_dialog *d, const struct sip_dialog_user *user, void *arg)
{
	memset(&d->user, 0, sizeof(d->user));
	if (user)
		d->user = *user;
	d->arg = arg;
	if (arg && d->user.arg_ref)
		d->user.arg_ref(arg);
}

/* Forget the user; its arg may die with the reference dropped here. */
static void user_drop(struct sip_dialog *d)
{
	void (*unref)(void *arg) = d->user.arg_unref;
	void *arg = d->arg;

	memset(&d->user, 0, sizeof(d->user));
	d->arg = NULL;
	if (arg && unref)
		unref(arg);
}

/* Room for a dialog's usual strings, an SDP body among them. */
#define DLG_STR_ROOM 1024

struct sip_dialog *dlg_alloc(struct sip_dialog_table *dt, const struct sip_dialog_user *user, void *arg)
{
	struct sip_dialog *d = ly_calloc(1, sizeof(*d) + DLG_STR_ROOM);
	char tok[24];

	d->refs = 1;		/* the table's, while live */
	d->str_pos = d->str_store;
	d->str_left = DLG_STR_ROOM;
	d->dt = dt;
	d->in_table = true;
	dlg_table_timers(dt, &d->timers);
	user_take(d, user, arg);
	sip_make_token(tok, 16);
	sdp_owner_init(&d->sdp_owner, strtoull(tok, NULL, 16) >> 2);
	return d;
}

struct sip_dialog *sip_dialog_ref(struct sip_dialog *d)
{
	d->refs++;
	return d;
}

static void dlg_free(struct sip_dialog *d)
{
	user_drop(d);	/* never set on a dialog that terminated */
	dlg_strfree(d, d->call_id);
	dlg_strfree(d, d->local_tag);
	dlg_strfree(d, d->remote_tag);
	dlg_strfree(d, d->local_uri);
	dlg_strfree(d, d->remote_uri);
	dlg_strfree(d, d->local_contact);
	dlg_strfree(d, d->sentby);
	dlg_strfree(d, d->remote_target);
	free(d->end_reason);
	for (size_t i = 0; i < d->nroutes; i++)
		free(d->routes[i]);
	free(d->routes);
	free(d->glare_ct);
	free(d->glare_body);
	dlg_strfree(d, d->local_sdp_ct);
	dlg_strfree(d, d->local_sdp);
	sdp_free(d->last_offer);
	sip_msg_unref(d->ack);
	free(d);
}

void sip_dialog_unref(struct sip_dialog *d)
{
	if (d && --d->refs == 0)
		dlg_free(d);
}

static void drop_txn(struct sip_txn **slot)
{
	sip_txn_unref(*slot);
	*slot = NULL;
}

/*
 * End d: out of the table, timers stopped, the user told once.  The
 * transactions still running for it keep their references and end on
 * their own.
 */
void dlg_terminate(struct sip_dialog *d, enum sip_dialog_end why, int status)
{
	struct sip_dialog_table *dt = d->dt;

	if (d->state == SIP_DIALOG_TERMINATED)
		return;
	d->state = SIP_DIALOG_TERMINATED;
	sip_dialog_ref(d);
	if (d->hashed)
		hash_remove(d);
	dlg_se_stop(d);
	if (d->glare_timer)
		ly_sched_del(dt->sched, d->glare_timer);
	d->glare_timer = 0;
	drop_txn(&d->out_invite);
	drop_txn(&d->out_update);
	drop_txn(&d->in_invite);
	drop_txn(&d->in_update);
	drop_txn(&d->acked_st);
	if (d->inv) {
		struct dlg_invite *inv = d->inv;

		d->inv = NULL;
		dlg_invite_unref(inv);
	}
	ly_debug(2, "SIP dialog %s ended: %s (%d)", d->call_id ? d->call_id : "-",
		 sip_dialog_end_name(why), status);
	if (d->user.terminated)
		d->user.terminated(d, why, status, d->arg);
	/* No callback follows, so the user's arg is let go now, not when the
	 * last transaction of the dialog ends (up to 64*T1 later); forks of
	 * our INVITE made from now on copy no user. */
	user_drop(d);
	if (d->in_table) {
		d->in_table = false;
		sip_dialog_unref(d);	/* the table's reference */
	}
	sip_dialog_unref(d);
}

const char *sip_dialog_end_name(enum sip_dialog_end why)
{
	static const char *const names[] = {
		[SIP_DIALOG_END_LOCAL] = "local",
		[SIP_DIALOG_END_REMOTE_BYE] = "remote BYE",
		[SIP_DIALOG_END_REJECTED] = "rejected",
		[SIP_DIALOG_END_TIMEOUT] = "timeout",
		[SIP_DIALOG_END_SESSION_EXPIRED] = "session expired",
		[SIP_DIALOG_END_FORK_LOST] = "another fork answered",
		[SIP_DIALOG_END_SHUTDOWN] = "shutdown",
	};
	return (size_t)why < LY_ARRAY_LEN(names) ? names[why] : "?";
}

const char *sip_timers_mode_name(enum sip_timers_mode m)
{
	static const char *const names[] = { "yes", "no", "required", "always" };

	return (size_t)m < LY_ARRAY_LEN(names) ? names[m] : "?";
}

const char *sip_dialog_state_name(enum sip_dialog_state s)
{
	static const char *const names[] = { "calling", "early", "confirmed", "terminated" };

	return (size_t)s < LY_ARRAY_LEN(names) ? names[s] : "?";
}

/* ---- the dialog's string storage ---- */

static bool in_store(const struct sip_dialog *d, const char *s)
{
	return s >= d->str_store && s < d->str_store + DLG_STR_ROOM;
}

char *dlg_mem(struct sip_dialog *d, size_t size)
{
	char *r;

	if (size > d->str_left)
		return ly_malloc(size);
	r = d->str_pos;
	d->str_pos += size;
	d->str_left -= size;
	return r;
}

char *dlg_strndup(struct sip_dialog *d, const char *s, size_t len)
{
	char *r;

	if (!s)
		return NULL;
	r = dlg_mem(d, len + 1);
	memcpy(r, s, len);
	r[len] = '\0';
	return r;
}

char *dlg_strdup(struct sip_dialog *d, const char *s)
{
	return s ? dlg_strndup(d, s, strlen(s)) : NULL;
}

void dlg_strfree(struct sip_dialog *d, char *s)
{
	if (s && !in_store(d, s))
		free(s);
}

/* ---- dialog state taken from messages ---- */

/* Kept header parameters of a From/To value (all but tag) copied to o,
 * or only measured when o is NULL; their length. */
static size_t params_but_tag(char *o, const char *p)
{
	size_t n = 0;

	while (p && *p == ';') {
		const char *end = p + 1;

		while (*end && *end != ';')
			end++;
		if (!(end - p >= 4 && strncasecmp(p + 1, "tag", 3) == 0 && (p[4] == '=' || p + 4 == end))) {
			if (o)
				memcpy(o + n, p, (size_t)(end - p));
			n += (size_t)(end - p);
		}
		p = end;
	}
	return n;
}

/* "display" with '"' and '\' escaped (§25.1 quoted-pair) and a space,
 * copied to o, or only measured when o is NULL; its length. */
static size_t quoted(char *o, const char *s)
{
	size_t n = 0;

	if (o)
		o[n] = '"';
	n++;
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') {
			if (o)
				o[n] = '\\';
			n++;
		}
		if (o)
			o[n] = *s;
		n++;
	}
	if (o)
		memcpy(o + n, "\" ", 2);
	return n + 2;
}

/* A From/To value again, without its tag (we add our own tags): measured,
 * then written once into the dialog's storage. */
char *dlg_nameaddr_text(struct sip_dialog *d, const struct sip_nameaddr *na)
{
	const char *disp = na->display && *na->display ? na->display : NULL;
	size_t ulen = strlen(na->uri.text);
	size_t len = (disp ? quoted(NULL, disp) : 0) + 1 + ulen + 1 + params_but_tag(NULL, na->params);
	char *out = dlg_mem(d, len + 1), *o = out;

	if (disp)
		o += quoted(o, disp);
	*o++ = '<';
	memcpy(o, na->uri.text, ulen);
	o += ulen;
	*o++ = '>';
	o += params_but_tag(o, na->params);
	*o = '\0';
	return out;
}

static void clear_routes(struct sip_dialog *d)
{
	for (size_t i = 0; i < d->nroutes; i++)
		free(d->routes[i]);
	free(d->routes);
	d->routes = NULL;
	d->nroutes = 0;
}

/* The route set from Record-Route: reversed on the UAC side (§12.1.2),
 * in order on the UAS side (§12.1.1). */
void dlg_set_routes(struct sip_dialog *d, const struct sip_msg *m, bool reverse)
{
	struct sip_value_iter it;
	struct sip_str v;

	clear_routes(d);
	sip_value_iter_init(&it, m, "Record-Route");
	while (sip_value_next(&it, &v)) {
		d->routes = ly_realloc(d->routes, (d->nroutes + 1) * sizeof(*d->routes));
		d->routes[d->nroutes++] = ly_strndup(v.s, v.len);
	}
	for (size_t i = 0; reverse && i < d->nroutes / 2; i++) {
		char *t = d->routes[i];

		d->routes[i] = d->routes[d->nroutes - 1 - i];
		d->routes[d->nroutes - 1 - i] = t;
	}
}

/* Remote target from the Contact of m (§12.1, §12.2.1.2 target refresh). */
void dlg_set_target(struct sip_dialog *d, const struct sip_msg *m)
{
	if (!m->contacts || m->contacts->addr.uri.scheme == SIP_URI_OTHER)
		return;
	dlg_strfree(d, d->remote_target);
	d->remote_target = dlg_strdup(d, m->contacts->addr.uri.text);
}

/* Whether the peer takes UPDATE (its Allow), for session refreshes. */
void dlg_note_allow(struct sip_dialog *d, const struct sip_msg *m)
{
	struct sip_value_iter it;
	struct sip_str v;

	if (!sip_msg_hdr_find(m, SIP_HDR_ALLOW))
		return;
	d->peer_allows_update = false;
	sip_value_iter_init(&it, m, "Allow");
	while (sip_value_next(&it, &v))
		if (v.len == 6 && memcmp(v.s, "UPDATE", 6) == 0)
			d->peer_allows_update = true;
}

/* Remember an SDP body we sent, for refreshing re-INVITEs. */
void dlg_keep_body(struct sip_dialog *d, const struct sip_msg *m)
{
	if (!m->body_len || !m->content_type)
		return;
	dlg_strfree(d, d->local_sdp_ct);
	dlg_strfree(d, d->local_sdp);
	d->local_sdp_ct = dlg_strdup(d, m->content_type);
	d->local_sdp = dlg_strndup(d, m->body, m->body_len);
	d->local_sdp_len = m->body_len;
}

/* Requests that refresh the remote target (§12.2: INVITE; RFC 3311 §5.2: UPDATE). */
bool dlg_is_target_refresh(enum sip_method m)
{
	return m == SIP_METHOD_INVITE || m == SIP_METHOD_UPDATE;
}

#define ALLOWED "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE"

/* Headers every message of ours carries: Allow and Supported where a
 * dialog is created or refreshed (RFC 3311 §5.1, RFC 4028 §7.1), User-Agent
 * or Server. */
void dlg_add_common(struct sip_dialog *d, struct sip_msg *m, bool request)
{
	enum sip_method meth = request ? m->method_id : m->cseq_method_id;

	if (dlg_is_target_refresh(meth)) {
		sip_msg_hdr_set(m, "Allow", ALLOWED);
		if (d->timers.mode != SIP_TIMERS_NO)
			sip_msg_hdr_set(m, "Supported", "timer");
		sip_msg_hdr_remove_all(m, "Contact");
		sip_msg_hdr_join(m, "Contact", "<", d->local_contact, ">");
	}
	if (d->dt->user_agent)
		sip_msg_hdr_set(m, request ? "User-Agent" : "Server", d->dt->user_agent);
}

/* ---- transactions started or answered for a dialog ---- */

static void txn_terminated(struct sip_txn *t, void *arg)
{
	(void)t;
	sip_dialog_unref(arg);
}

/* Server transactions of the dialog hold a reference until they end. */
void dlg_attach_txn(struct sip_dialog *d, struct sip_txn *t)
{
	sip_txn_set_user(t, &dlg_server_user, sip_dialog_ref(d));
}

static void server_timeout(struct sip_txn *t, void *arg)
{
	struct sip_dialog *d = arg;

	/* §13.3.1.4: a 2xx never ACKed ends the session with BYE. */
	if (t != d->acked_st || d->state == SIP_DIALOG_TERMINATED)
		return;
	ly_notice("SIP dialog %s: no ACK for our 2xx, ending it", d->call_id);
	dlg_send_bye(d);
	dlg_terminate(d, SIP_DIALOG_END_TIMEOUT, 408);
}

/* §9.2: the transaction layer answered the CANCEL with 200 and the INVITE
 * with 487.  An unanswered initial INVITE ends its early dialog (the
 * caller hung up, reported as the peer ending it, status 487); a cancelled
 * re-INVITE leaves the dialog as it was. */
static void server_cancelled(struct sip_txn *st, const struct sip_msg *cancel, void *arg)
{
	struct sip_dialog *d = arg;

	(void)cancel;
	if (st != d->in_invite || d->state == SIP_DIALOG_TERMINATED)
		return;
	drop_txn(&d->in_invite);
	if (d->state == SIP_DIALOG_EARLY && !d->acked_st)
		dlg_terminate(d, SIP_DIALOG_END_REMOTE_BYE, 487);
}

const struct sip_txn_user dlg_server_user = {
	.timeout = server_timeout,
	.cancelled = server_cancelled,
	.terminated = txn_terminated,
};

/* ---- dispatch ---- */

bool sip_dialog_table_request(struct sip_dialog_table *dt, struct sip_txn *st, struct sip_msg *req)
{
	struct sip_dialog *d;

	if (!req->to.tag)
		return false;
	d = sip_dialog_find(dt, req->call_id, req->to.tag, req->from.tag);
	if (!d) {
		/* §12.2.2: no dialog matches a request with a To tag */
		sip_txn_reply(st, 481, NULL, NULL);
		return true;
	}
	dlg_receive(d, st, req);
	return true;
}

bool sip_dialog_table_ack(struct sip_dialog_table *dt, struct sip_msg *ack, struct sip_txn *st)
{
	struct sip_dialog *d = ack->to.tag ? sip_dialog_find(dt, ack->call_id, ack->to.tag, ack->from.tag) : NULL;

	if (!d)
		return false;
	if (st && st == d->acked_st) {
		drop_txn(&d->acked_st);
		if (d->state == SIP_DIALOG_EARLY)
			d->state = SIP_DIALOG_CONFIRMED;
	}
	if (d->in_invite && st == d->in_invite)
		drop_txn(&d->in_invite);
	if (d->user.ack)
		d->user.ack(d, ack, d->arg);
	return true;
}

bool sip_dialog_table_stray(struct sip_dialog_table *dt, struct sip_msg *resp)
{
	struct sip_dialog *d;

	if (resp->status < 200 || resp->status >= 300 || resp->cseq_method_id != SIP_METHOD_INVITE ||
	    !resp->to.tag)
		return false;
	d = sip_dialog_find(dt, resp->call_id, resp->from.tag, resp->to.tag);
	if (!d || !d->ack || d->ack->cseq != resp->cseq)
		return false;
	dt->tp.send_request(dt->tp.ctx, d->ack, &d->ack_dst);
	return true;
}

/* ---- accessors ---- */

enum sip_dialog_state sip_dialog_state(const struct sip_dialog *d) { return d->state; }
bool sip_dialog_is_uac(const struct sip_dialog *d) { return d->uac; }
const char *sip_dialog_call_id(const struct sip_dialog *d) { return d->call_id; }
const char *sip_dialog_local_tag(const struct sip_dialog *d) { return d->local_tag; }
const char *sip_dialog_remote_tag(const struct sip_dialog *d) { return d->remote_tag; }
const char *sip_dialog_remote_target(const struct sip_dialog *d) { return d->remote_target; }
size_t sip_dialog_route_count(const struct sip_dialog *d) { return d->nroutes; }
uint32_t sip_dialog_local_cseq(const struct sip_dialog *d) { return d->local_cseq; }

const char *sip_dialog_route(const struct sip_dialog *d, size_t i)
{
	return i < d->nroutes ? d->routes[i] : NULL;
}

unsigned sip_dialog_session_interval(const struct sip_dialog *d, bool *we_refresh)
{
	if (we_refresh)
		*we_refresh = d->se_we_refresh;
	return d->se_interval;
}

void sip_dialog_set_user(struct sip_dialog *d, const struct sip_dialog_user *user, void *arg)
{
	const struct sip_dialog_user old = d->user;
	void *old_arg = d->arg;

	if (d->state == SIP_DIALOG_TERMINATED)
		user = NULL, arg = NULL;	/* nothing will call back: hold nothing */
	user_take(d, user, arg);
	if (old_arg && old.arg_unref)
		old.arg_unref(old_arg);
}

void sip_dialog_set_dest(struct sip_dialog *d, const struct sip_msg_src *dst)
{
	d->fixed_dst = dst != NULL;
	if (dst)
		d->dst = *dst;
}
