/* modules/chan_sip/sip_outreg.c - REGISTER of Lyre to its trunks: digest, refresh, back-off, un-register. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

#include "sip_outreg.h"
#include "sip_resolve.h"

#define SYNC_TICK_MS 1000

struct outreg {
	struct outreg *next;		/* in trunk name order */
	struct sip_outreg *mgr;
	/* a copy of the trunk's settings: the configuration may be swapped */
	char *name, *host, *username, *secret, *transport;
	char *aor_user, *aor_domain;	/* from_user / from_domain, or NULL */
	enum sip_proto proto;
	struct sockaddr_storage addr;	/* a numeric host's, to notice a change */
	socklen_t addr_len;
	/* RFC 3263 §4.3: the host's addresses in the order to try, the one
	 * in use, and the last that answered (tried first next time) */
	struct sip_msg_src targets[SIP_RESOLVE_MAX_TARGETS];
	size_t ntargets, cur;
	struct sockaddr_storage good;
	socklen_t good_len;
	unsigned conf_expiry;		/* the trunk's expiry */
	unsigned expiry;		/* asked for: conf_expiry, raised by a 423 */
	/* the registration (§10.2.4: one Call-ID, growing CSeq) */
	char call_id[33];
	char from_tag[17];
	uint32_t cseq;
	char contact[128];		/* the Contact URI of the last REGISTER */
	struct sip_auth_client auth;
	struct sip_txn *txn;
	uint64_t timer;
	uint64_t next_at_ms;
	enum sip_outreg_state state;
	int last_status;
	uint64_t expires_at_ms;
	unsigned failures;
};

struct sip_outreg {
	struct sip_core *core;
	const struct sip_conf *seen;	/* the configuration last synced with */
	struct outreg *regs;
	uint64_t tick;
};

static const struct sip_txn_user no_user;

const char *sip_outreg_state_name(enum sip_outreg_state s)
{
	static const char *const names[] = { "Registering", "Registered", "Rejected", "Failed" };

	return names[s];
}

static struct ly_sched *sched_of(const struct outreg *r)
{
	return sip_core_sched(r->mgr->core);
}

static void drop_txn(struct outreg *r)
{
	if (!r->txn)
		return;
	sip_txn_set_user(r->txn, &no_user, NULL);
	sip_txn_unref(r->txn);
	r->txn = NULL;
}

static int timer_cb(void *arg);

static void schedule(struct outreg *r, uint64_t delay_ms)
{
	if (r->timer)
		ly_sched_del(sched_of(r), r->timer);
	r->next_at_ms = ly_now_ms() + delay_ms;
	r->timer = ly_sched_add(sched_of(r), (unsigned)delay_ms, timer_cb, r);
}

/* ---- the REGISTER ---- */

static struct sip_msg *make_register(struct outreg *r, const struct sip_transport *tp, unsigned expires,
				     const char *authorization)
{
	char ruri[160], branch[40];
	const char *sentby = sip_transport_sentby(tp);
	const char *ua = sip_core_conf(r->mgr->core)->gen.useragent;
	struct sip_msg *req;

	snprintf(ruri, sizeof(ruri), "sip:%s", r->host);	/* §10.2: the registrar's domain */
	req = sip_msg_new_request("REGISTER", ruri);
	if (!req)
		return NULL;
	if (r->proto == SIP_PROTO_UDP)
		snprintf(r->contact, sizeof(r->contact), "sip:%s@%s", r->username, sentby);
	else
		snprintf(r->contact, sizeof(r->contact), "sip:%s@%s;transport=%s", r->username, sentby,
			 r->proto == SIP_PROTO_TLS ? "tls" : "tcp");
	sip_make_branch(branch, 24);
	sip_msg_hdr_addf(req, "Via", "SIP/2.0/%s %s;branch=%s;rport", sip_proto_name(r->proto), sentby, branch);
	sip_msg_hdr_add(req, "Max-Forwards", "70");
	/* the AOR: from_user@from_domain where set, as chan_sip's
	 * register => fromuser@fromdomain (pjsip's client_uri) */
	sip_msg_hdr_addf(req, "From", "<sip:%s@%s>;tag=%s", r->aor_user ? r->aor_user : r->username,
			 r->aor_domain ? r->aor_domain : r->host, r->from_tag);
	sip_msg_hdr_addf(req, "To", "<sip:%s@%s>", r->aor_user ? r->aor_user : r->username,
			 r->aor_domain ? r->aor_domain : r->host);
	sip_msg_hdr_add(req, "Call-ID", r->call_id);
	sip_msg_hdr_addf(req, "CSeq", "%u REGISTER", ++r->cseq);
	sip_msg_hdr_addf(req, "Contact", "<%s>", r->contact);
	sip_msg_hdr_addf(req, "Expires", "%u", expires);
	if (authorization)
		sip_msg_hdr_add(req, "Authorization", authorization);
	if (ua)
		sip_msg_hdr_add(req, "User-Agent", ua);
	return req;
}

static void fail(struct outreg *r, enum sip_outreg_state state, int status, const char *why);
static const struct sip_txn_user register_user;

/* Send a REGISTER asking for `expires`, with `authorization` (may be NULL). */
static int send_register(struct outreg *r, unsigned expires, const char *authorization,
			 const struct sip_txn_user *user)
{
	struct sip_core *core = r->mgr->core;
	struct sip_msg_src dst;
	struct sip_transport *tp;
	struct sip_msg *req;
	int rc;

	if (r->cur >= r->ntargets)
		return EHOSTUNREACH;
	dst = r->targets[r->cur];
	dst.proto = r->proto;
	tp = sip_tpmgr_find(sip_core_tpmgr(core), r->proto, dst.addr.ss_family);
	if (!tp)
		return ENOENT;
	req = make_register(r, tp, expires, authorization);
	if (!req)
		return EINVAL;
	rc = sip_txn_client_start(sip_core_txns(core), req, &dst, user, r, user == &register_user ? &r->txn : NULL);
	sip_msg_unref(req);
	return rc;
}

static void try_next(struct outreg *r, const char *why);

static void start_register(struct outreg *r, const char *authorization)
{
	int rc;

	drop_txn(r);
	r->state = SIP_OUTREG_REGISTERING;
	rc = send_register(r, r->expiry, authorization, &register_user);
	if (rc)
		try_next(r, rc == ENOENT ? "no transport for it" : strerror(rc));
}

/* The addresses to try, the last one that answered first. */
static size_t fetch_targets(struct outreg *r, enum sip_resolve_state *state)
{
	struct sip_core *core = r->mgr->core;
	const struct sip_trunk_conf *t;

	r->ntargets = r->cur = 0;
	for (t = sip_core_conf(core)->trunks; t && strcmp(t->name, r->name); t = t->next)
		;
	if (!t)
		return 0;
	r->ntargets = sip_resolver_targets(sip_core_resolver(core), t, r->targets, SIP_RESOLVE_MAX_TARGETS, state);
	for (size_t i = 0; i < r->ntargets; i++)
		if (r->good_len && r->targets[i].addr_len == r->good_len &&
		    !memcmp(&r->targets[i].addr, &r->good, r->good_len))
			r->cur = i;
	return r->ntargets;
}

/* Register with the current target, answering the last challenge ahead of
 * time when there is one (nc+1), which saves a 401. */
static void register_target(struct outreg *r)
{
	char *authorization = NULL;
	char ruri[160];

	snprintf(ruri, sizeof(ruri), "sip:%s", r->host);
	if (sip_auth_client_reuse(&r->auth, "REGISTER", ruri, &authorization))
		authorization = NULL;
	start_register(r, authorization);
	free(authorization);
}

#define RESOLVE_WAIT_MS 200

/* A new registration round (first, refresh or retry). */
static void register_now(struct outreg *r)
{
	enum sip_resolve_state state;

	if (!fetch_targets(r, &state)) {
		if (state == SIP_RESOLVE_PENDING) {	/* the first DNS answer is on its way */
			r->state = SIP_OUTREG_REGISTERING;
			schedule(r, RESOLVE_WAIT_MS);
		} else {
			fail(r, SIP_OUTREG_FAILED, 0, "its host does not resolve");
		}
		return;
	}
	register_target(r);
}

/* RFC 3263 §4.3: no answer or a transport error from one address: the
 * next one, else a failure of the round. */
static void try_next(struct outreg *r, const char *why)
{
	char addr[80];

	if (r->cur + 1 >= r->ntargets) {
		fail(r, SIP_OUTREG_FAILED, 0, why);
		return;
	}
	ly_addr_print((const struct sockaddr *)&r->targets[r->cur].addr, addr, sizeof(addr));
	ly_verbose(2, "SIP trunk %s: REGISTER to %s failed (%s); trying the next address", r->name, addr, why);
	r->cur++;
	register_target(r);
}

static int timer_cb(void *arg)
{
	struct outreg *r = arg;

	r->timer = 0;
	register_now(r);
	return 0;
}

/* ---- answers ---- */

static void fail(struct outreg *r, enum sip_outreg_state state, int status, const char *why)
{
	uint64_t delay = SIP_OUTREG_RETRY_FIRST_MS;

	for (unsigned i = 0; i < r->failures && delay < SIP_OUTREG_RETRY_MAX_MS; i++)
		delay *= 2;
	if (delay > SIP_OUTREG_RETRY_MAX_MS)
		delay = SIP_OUTREG_RETRY_MAX_MS;
	r->failures++;
	if (r->state != state || r->failures == 1)
		ly_warning("SIP trunk %s: registration to %s failed (%s); retrying in %u s", r->name, r->host, why,
			   (unsigned)(delay / 1000));
	r->state = state;
	r->last_status = status;
	r->expires_at_ms = 0;
	drop_txn(r);
	schedule(r, delay);
}

/* §10.2.4: the expiry granted to our contact: its expires parameter,
 * else the Expires header, else what we asked for. */
static unsigned granted_expiry(const struct outreg *r, const struct sip_msg *resp)
{
	struct sip_uri mine;
	int64_t e = -1;

	if (!sip_uri_parse(&mine, r->contact, strlen(r->contact))) {
		for (const struct sip_contact *c = resp->contacts; c; c = c->next)
			if (c->expires >= 0 && sip_uri_equal(&c->addr.uri, &mine))
				e = c->expires;
		sip_uri_release(&mine);
	}
	if (e < 0)
		e = resp->expires;
	if (e < 0)
		e = r->expiry;
	return e > UINT32_MAX / 1000 ? UINT32_MAX / 1000 : (unsigned)e;
}

static void registered(struct outreg *r, const struct sip_msg *resp)
{
	unsigned granted = granted_expiry(r, resp);
	unsigned refresh = granted > 2 * SIP_OUTREG_REFRESH_MARGIN ? granted - SIP_OUTREG_REFRESH_MARGIN : granted / 2;

	sip_auth_client_done(&r->auth);
	if (r->cur < r->ntargets) {
		memcpy(&r->good, &r->targets[r->cur].addr, r->targets[r->cur].addr_len);
		r->good_len = r->targets[r->cur].addr_len;
	}
	if (r->state != SIP_OUTREG_REGISTERED)
		ly_verbose(1, "SIP trunk %s: registered to %s for %u s", r->name, r->host, granted);
	r->state = SIP_OUTREG_REGISTERED;
	r->last_status = resp->status;
	r->failures = 0;
	r->expires_at_ms = ly_now_ms() + granted * 1000ull;
	drop_txn(r);
	schedule(r, (refresh ? refresh : 1) * 1000ull);
}

static void challenged(struct outreg *r, const struct sip_msg *resp)
{
	enum sip_hdr_id id = resp->status == 401 ? SIP_HDR_WWW_AUTHENTICATE : SIP_HDR_PROXY_AUTHENTICATE;
	const char *challenges[8];
	char *authorization = NULL;
	char ruri[160];
	size_t n = 0;
	int rc;

	for (const struct sip_hdr *h = sip_msg_hdr_find(resp, id); h && n < 8; h = sip_msg_hdr_find_next(h))
		challenges[n++] = h->value;
	snprintf(ruri, sizeof(ruri), "sip:%s", r->host);
	rc = r->secret ? sip_auth_client_answer(&r->auth, challenges, n, "REGISTER", ruri, &authorization)
		       : EACCES;
	if (rc) {
		fail(r, SIP_OUTREG_REJECTED, resp->status,
		     rc == EACCES ? "credentials refused" : "challenge cannot be answered");
		return;
	}
	start_register(r, authorization);
	free(authorization);
}

/* §10.2.8: 423 Interval Too Brief says the shortest expiry the registrar takes. */
static void too_brief(struct outreg *r, const struct sip_msg *resp)
{
	const char *v = sip_msg_hdr_value(resp, "Min-Expires");
	unsigned long min = v ? strtoul(v, NULL, 10) : 0;

	if (min <= r->expiry || min > UINT32_MAX / 1000) {
		fail(r, SIP_OUTREG_REJECTED, resp->status, "423 without a longer Min-Expires");
		return;
	}
	ly_verbose(2, "SIP trunk %s: expiry raised to %lu s (Min-Expires)", r->name, min);
	r->expiry = (unsigned)min;
	register_now(r);
}

static void on_response(struct sip_txn *ct, struct sip_msg *resp, void *arg)
{
	struct outreg *r = arg;
	char why[48];

	(void)ct;
	if (resp->status < 200)
		return;
	if (resp->status < 300)
		registered(r, resp);
	else if (resp->status == 401 || resp->status == 407)
		challenged(r, resp);
	else if (resp->status == 423)
		too_brief(r, resp);
	else if (resp->status == 503 && r->cur + 1 < r->ntargets)
		try_next(r, "503 Service Unavailable");	/* RFC 3263 §4.3 */
	else {
		snprintf(why, sizeof(why), "%d %s", resp->status, resp->reason);
		fail(r, resp->status >= 500 && resp->status < 600 ? SIP_OUTREG_FAILED : SIP_OUTREG_REJECTED,
		     resp->status, why);
	}
}

static void on_timeout(struct sip_txn *t, void *arg)
{
	(void)t;
	try_next(arg, "no answer");
}

static void on_transport_error(struct sip_txn *t, int err, void *arg)
{
	(void)t;
	try_next(arg, strerror(err));
}

static const struct sip_txn_user register_user = {
	.response = on_response,
	.timeout = on_timeout,
	.transport_error = on_transport_error,
};

/* ---- registrations follow the trunks of sip.conf ---- */

static bool str_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool same_trunk(const struct outreg *r, const struct sip_trunk_conf *t)
{
	const char *user = t->username ? t->username : t->name;

	return !strcmp(r->host, t->host) && r->conf_expiry == t->expiry && !strcmp(r->username, user) && str_same(r->secret, t->secret) &&
	       str_same(r->transport, t->transport) && str_same(r->aor_user, t->call.from_user) &&
	       str_same(r->aor_domain, t->call.from_domain) && r->proto == t->proto && r->addr_len == t->addr_len &&
	       !memcmp(&r->addr, &t->addr, t->addr_len);
}

static void outreg_free(struct outreg *r)
{
	if (r->timer)
		ly_sched_del(sched_of(r), r->timer);
	drop_txn(r);
	sip_auth_client_clear(&r->auth);
	free(r->name), free(r->host), free(r->username), free(r->secret), free(r->transport);
	free(r->aor_user), free(r->aor_domain);
	free(r);
}

/* §10.2.2: Expires: 0 removes our binding.  Sent once, answer unheard. */
static void unregister(struct outreg *r)
{
	char *authorization = NULL;
	char ruri[160];

	if (r->state != SIP_OUTREG_REGISTERED)
		return;
	snprintf(ruri, sizeof(ruri), "sip:%s", r->host);
	if (sip_auth_client_reuse(&r->auth, "REGISTER", ruri, &authorization))
		authorization = NULL;
	drop_txn(r);
	if (!send_register(r, 0, authorization, &no_user))
		ly_verbose(1, "SIP trunk %s: un-registered from %s", r->name, r->host);
	free(authorization);
}

static struct outreg *outreg_new(struct sip_outreg *o, const struct sip_trunk_conf *t)
{
	struct outreg *r = ly_calloc(1, sizeof(*r));

	r->mgr = o;
	r->name = ly_strdup(t->name);
	r->host = ly_strdup(t->host);
	r->username = ly_strdup(t->username ? t->username : t->name);
	r->secret = t->secret ? ly_strdup(t->secret) : NULL;
	r->transport = t->transport ? ly_strdup(t->transport) : NULL;
	r->aor_user = t->call.from_user ? ly_strdup(t->call.from_user) : NULL;
	r->aor_domain = t->call.from_domain ? ly_strdup(t->call.from_domain) : NULL;
	r->proto = t->proto;
	memcpy(&r->addr, &t->addr, t->addr_len);
	r->addr_len = t->addr_len;
	r->conf_expiry = r->expiry = t->expiry;
	sip_make_token(r->call_id, 32);
	sip_make_token(r->from_tag, 16);
	sip_auth_client_init(&r->auth, r->username, r->secret ? r->secret : "");
	return r;
}

static void insert_sorted(struct sip_outreg *o, struct outreg *r)
{
	struct outreg **pp = &o->regs;

	while (*pp && strcmp((*pp)->name, r->name) < 0)
		pp = &(*pp)->next;
	r->next = *pp;
	*pp = r;
}

static const struct sip_trunk_conf *find_trunk(const struct sip_conf *c, const char *name)
{
	for (const struct sip_trunk_conf *t = c->trunks; t; t = t->next)
		if (t->do_register && !strcmp(t->name, name))
			return t;
	return NULL;
}

static void sync_conf(struct sip_outreg *o)
{
	const struct sip_conf *conf = sip_core_conf(o->core);

	o->seen = conf;
	for (struct outreg **pp = &o->regs; *pp;) {
		struct outreg *r = *pp;
		const struct sip_trunk_conf *t = find_trunk(conf, r->name);

		if (t && same_trunk(r, t)) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		unregister(r);
		outreg_free(r);
	}
	for (const struct sip_trunk_conf *t = conf->trunks; t; t = t->next) {
		struct outreg *r = o->regs;

		if (!t->do_register)
			continue;
		while (r && strcmp(r->name, t->name))
			r = r->next;
		if (r)
			continue;
		r = outreg_new(o, t);
		insert_sorted(o, r);
		register_now(r);
	}
}

static int tick_cb(void *arg)
{
	struct sip_outreg *o = arg;

	if (sip_core_conf(o->core) != o->seen)
		sync_conf(o);
	return SYNC_TICK_MS;
}

struct sip_outreg *sip_outreg_new(struct sip_core *core)
{
	struct sip_outreg *o = ly_calloc(1, sizeof(*o));

	o->core = core;
	sync_conf(o);
	o->tick = ly_sched_add(sip_core_sched(core), SYNC_TICK_MS, tick_cb, o);
	return o;
}

void sip_outreg_free(struct sip_outreg *o)
{
	if (!o)
		return;
	ly_sched_del(sip_core_sched(o->core), o->tick);
	while (o->regs) {
		struct outreg *r = o->regs;

		o->regs = r->next;
		unregister(r);
		outreg_free(r);
	}
	free(o);
}

void sip_outreg_foreach(const struct sip_outreg *o, void (*fn)(const struct sip_outreg_info *info, void *arg),
			void *arg)
{
	uint64_t now = ly_now_ms();

	for (const struct outreg *r = o->regs; r; r = r->next) {
		struct sip_outreg_info info = {
			.trunk = r->name, .host = r->host, .username = r->username, .state = r->state,
			.last_status = r->last_status, .failures = r->failures,
			.expires_in = r->expires_at_ms > now ? (unsigned)((r->expires_at_ms - now + 999) / 1000) : 0,
			.next_in = r->timer && r->next_at_ms > now ? (unsigned)((r->next_at_ms - now + 999) / 1000) : 0,
		};

		fn(&info, arg);
	}
}
