/* modules/chan_sip/sip_registrar.c - REGISTER (RFC 3261 §10.3): bindings, expiry, write-behind persistence. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lyre/lyre.h>

#include "sip_endpoint.h"
#include "sip_mwi.h"
#include "sip_options.h"
#include "sip_registrar.h"
#include "sip_registrar_sync.h"
#include "sip_registrar_db.h"

#define AOR_BUCKETS 256
/* Most contacts one REGISTER may carry (more are a 400, not a loop). */
#define MAX_CONTACTS_PER_REQUEST 32

struct sip_aor_rec {
	struct sip_aor_rec *next;	/* in its bucket */
	struct sip_aor_rec *next_dirty;
	bool dirty;
	struct sip_binding *bindings;	/* in registration order, oldest first */
	char name[];
};

struct sip_registrar {
	struct sip_core *core;
	struct sip_aor_rec *buckets[AOR_BUCKETS];
	struct sip_aor_rec *dirty;
	uint64_t flush_timer;
	struct sip_db_writer *writer;	/* NULL: no database, or no thread */
	uint64_t order;
};

/* Parsed URI of a binding, kept beside it for §10.3 step 7's comparison. */
struct binding_priv {
	struct sip_binding pub;
	struct sip_uri puri;
	struct sip_registrar *reg;
};

static unsigned hash_name(const char *s)
{
	unsigned h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % AOR_BUCKETS;
}

static struct sip_aor_rec *aor_find(struct sip_registrar *reg, const char *name, bool create)
{
	unsigned h = hash_name(name);
	struct sip_aor_rec *a;

	for (a = reg->buckets[h]; a; a = a->next)
		if (!strcmp(a->name, name))
			return a;
	if (!create)
		return NULL;
	a = ly_calloc(1, sizeof(*a) + strlen(name) + 1);
	strcpy(a->name, name);
	a->next = reg->buckets[h];
	reg->buckets[h] = a;
	return a;
}

/* ---- write-behind ---- */

/* Copies a's bindings into the batch (the writer thread owns the copies). */
static void batch_aor(struct sip_db_batch *batch, const struct sip_aor_rec *a)
{
	struct sip_db_contact *c;
	char (*source)[80];
	size_t n = 0, i = 0;

	for (const struct sip_binding *b = a->bindings; b; b = b->next)
		n++;
	c = ly_calloc(n ? n : 1, sizeof(*c));
	source = ly_calloc(n ? n : 1, sizeof(*source));
	for (const struct sip_binding *b = a->bindings; b; b = b->next, i++) {
		sip_core_src_print(&b->src, source[i], sizeof(source[i]));
		c[i] = (struct sip_db_contact){
			.aor = a->name, .uri = b->uri, .call_id = b->call_id, .cseq = b->cseq,
			.expires_at = b->expires_at, .proto = sip_proto_name(b->src.proto),
			.source = source[i], .user_agent = b->user_agent,
		};
	}
	sip_db_batch_aor(batch, a->name, c, n);
	free(source);
	free(c);
}

/* Hands every changed AOR to the writer thread; returns at once. */
static void flush_async(struct sip_registrar *reg)
{
	struct sip_db_batch *batch;

	if (reg->flush_timer) {
		ly_sched_del(sip_core_sched(reg->core), reg->flush_timer);
		reg->flush_timer = 0;
	}
	if (!reg->dirty)
		return;
	batch = sip_db_batch_new();
	while (reg->dirty) {
		struct sip_aor_rec *a = reg->dirty;

		reg->dirty = a->next_dirty;
		a->dirty = false;
		batch_aor(batch, a);
	}
	if (reg->writer)
		sip_db_writer_submit(reg->writer, batch);
	else
		sip_db_batch_write(sip_core_db(reg->core), batch);
}

void sip_registrar_flush(struct sip_registrar *reg)
{
	flush_async(reg);
	sip_db_writer_wait(reg->writer);
}

static int flush_cb(void *arg)
{
	struct sip_registrar *reg = arg;

	reg->flush_timer = 0;
	flush_async(reg);
	return 0;
}

static void mark_dirty(struct sip_registrar *reg, struct sip_aor_rec *a)
{
	if (!a->dirty) {
		a->dirty = true;
		a->next_dirty = reg->dirty;
		reg->dirty = a;
	}
	if (!reg->flush_timer)
		reg->flush_timer = ly_sched_add(sip_core_sched(reg->core), SIP_REG_FLUSH_MS, flush_cb, reg);
}

/* ---- bindings ---- */

static void binding_free(struct sip_registrar *reg, struct sip_binding *b)
{
	struct binding_priv *p = (struct binding_priv *)b;

	if (b->timer)
		ly_sched_del(sip_core_sched(reg->core), b->timer);
	sip_options_binding_gone(b);
	sip_uri_release(&p->puri);
	free(b->uri), free(b->call_id), free(b->user_agent);
	free(p);
}

static void binding_remove(struct sip_registrar *reg, struct sip_binding *b, const char *why)
{
	struct sip_aor_rec *a = b->owner;

	for (struct sip_binding **pp = &a->bindings; *pp; pp = &(*pp)->next) {
		if (*pp == b) {
			*pp = b->next;
			break;
		}
	}
	ly_verbose(2, "SIP endpoint %s: contact %s %s", a->name, b->uri, why);
	mark_dirty(reg, a);
	binding_free(reg, b);
}

static int expire_cb(void *arg)
{
	struct binding_priv *p = arg;

	p->pub.timer = 0;
	binding_remove(p->reg, &p->pub, "expired");
	return 0;
}

static void arm_expiry(struct sip_registrar *reg, struct sip_binding *b, time_t now)
{
	struct ly_sched *s = sip_core_sched(reg->core);
	int64_t left = b->expires_at - now;

	if (b->timer)
		ly_sched_del(s, b->timer);
	b->timer = ly_sched_add(s, (unsigned)(left > 0 ? left : 0) * 1000u, expire_cb, b);
}

static struct sip_binding *binding_new(struct sip_registrar *reg, struct sip_aor_rec *a, const char *uri)
{
	struct binding_priv *p = ly_calloc(1, sizeof(*p));
	struct sip_binding **tail = &a->bindings;

	if (sip_uri_parse(&p->puri, uri, strlen(uri))) {
		free(p);
		return NULL;
	}
	p->pub.uri = ly_strdup(uri);
	p->pub.aor = a->name;
	p->pub.owner = a;
	p->pub.order = ++reg->order;
	p->reg = reg;
	while (*tail)
		tail = &(*tail)->next;
	*tail = &p->pub;
	return &p->pub;
}

static struct sip_binding *binding_find(struct sip_aor_rec *a, const struct sip_uri *uri)
{
	for (struct sip_binding *b = a ? a->bindings : NULL; b; b = b->next)
		if (sip_uri_equal(&((struct binding_priv *)b)->puri, uri))
			return b;
	return NULL;
}

static void set_str(char **slot, const char *value)
{
	if (*slot && value && !strcmp(*slot, value))
		return;	/* a refresh: nothing to allocate */
	free(*slot);
	*slot = value ? ly_strdup(value) : NULL;
}

/* ---- REGISTER ---- */

struct reg_contact {
	const struct sip_contact *c;
	int64_t expires;
};

/* §10.3 step 6/7: the expiry each contact asks for, checked against the limits. */
static int contact_expiry(const struct sip_general *g, const struct sip_msg *req,
			  const struct sip_contact *c, int64_t *out)
{
	int64_t e = c->expires >= 0 ? c->expires : req->expires >= 0 ? req->expires : g->default_expiry;

	if (e > 0 && e < g->min_expiry)
		return ERANGE;	/* 423 */
	*out = e > g->max_expiry ? g->max_expiry : e;
	return 0;
}

static void add_date(struct sip_msg *resp)
{
	char date[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	sip_msg_hdr_add(resp, "Date", date);
}

static void reply_bindings(struct sip_registrar *reg, struct sip_txn *st, const struct sip_aor_rec *a)
{
	struct sip_msg *resp = sip_msg_new_response(sip_txn_request(st), 200, NULL, NULL);
	time_t now = time(NULL);

	if (!resp)
		return;
	for (const struct sip_binding *b = a ? a->bindings : NULL; b; b = b->next)
		sip_msg_hdr_addf(resp, "Contact", "<%s>;expires=%lld", b->uri,
				 (long long)(b->expires_at > now ? b->expires_at - now : 0));
	add_date(resp);
	sip_core_add_server(reg->core, resp);
	sip_txn_respond(st, resp);
	sip_msg_unref(resp);
}

static void unregister_all(struct sip_registrar *reg, struct sip_aor_rec *a)
{
	while (a && a->bindings)
		binding_remove(reg, a->bindings, "unregistered");
}

/* Drop the oldest bindings beyond max_contacts (Asterisk's remove_existing). */
static void enforce_max(struct sip_registrar *reg, struct sip_aor_rec *a, unsigned max)
{
	unsigned n = 0;

	for (struct sip_binding *b = a->bindings; b; b = b->next)
		n++;
	while (n-- > max) {
		struct sip_binding *oldest = a->bindings;

		for (struct sip_binding *b = a->bindings; b; b = b->next)
			if (b->order < oldest->order)
				oldest = b;
		binding_remove(reg, oldest, "replaced (max_contacts reached)");
	}
}

/* True when a new contact was bound (message waiting greets it, sip_mwi.h). */
static bool update_binding(struct sip_registrar *reg, struct sip_aor_rec *a, const struct sip_msg *req,
			   const struct reg_contact *rc, time_t now)
{
	struct sip_binding *b = binding_find(a, &rc->c->addr.uri);
	const char *ua = sip_msg_hdr_value(req, "User-Agent");
	bool added = false;

	if (rc->expires == 0) {
		if (b)
			binding_remove(reg, b, "unregistered");
		return false;
	}
	if (!b) {
		b = binding_new(reg, a, rc->c->addr.uri.text);
		if (!b)
			return false;
		added = true;
		ly_verbose(2, "SIP endpoint %s: contact %s registered for %llds", a->name, b->uri,
			   (long long)rc->expires);
	}
	set_str(&b->call_id, req->call_id);
	set_str(&b->user_agent, ua ? ua : "");
	b->cseq = req->cseq;
	b->src = req->src;
	b->expires_at = now + rc->expires;
	arm_expiry(reg, b, now);
	mark_dirty(reg, a);
	return added;
}

/* §10.3 step 7: a request older than the binding it would change. */
static bool out_of_order(struct sip_aor_rec *a, const struct sip_msg *req, const struct sip_contact *c)
{
	const struct sip_binding *b = binding_find(a, &c->addr.uri);

	return b && b->call_id && !strcmp(b->call_id, req->call_id) && req->cseq <= b->cseq;
}

static int check_contacts(struct sip_registrar *reg, struct sip_txn *st, const struct sip_msg *req,
			  struct sip_aor_rec *a, struct reg_contact *out, size_t *n)
{
	const struct sip_general *g = &sip_core_conf(reg->core)->gen;
	char min[24];

	*n = 0;
	for (const struct sip_contact *c = req->contacts; c; c = c->next) {
		if (*n == MAX_CONTACTS_PER_REQUEST) {
			sip_core_reply(reg->core, st, 400, "Too Many Contacts", NULL);
			return EINVAL;
		}
		if (contact_expiry(g, req, c, &out[*n].expires)) {
			snprintf(min, sizeof(min), "%u", g->min_expiry);
			sip_core_reply(reg->core, st, 423, NULL, "Min-Expires", min, NULL);
			return ERANGE;
		}
		if (out_of_order(a, req, c)) {
			sip_core_reply(reg->core, st, 400, "Out of Order CSeq", NULL);
			return EINVAL;
		}
		out[(*n)++].c = c;
	}
	return 0;
}

static void do_register(struct sip_registrar *reg, struct sip_txn *st, const struct sip_msg *req,
			const struct sip_endpoint_conf *ep)
{
	struct reg_contact contacts[MAX_CONTACTS_PER_REQUEST];
	struct sip_aor_rec *a = aor_find(reg, ep->name, true);
	time_t now = time(NULL);
	bool added = false;
	size_t n;

	if (req->contact_star) {
		/* §10.3 step 6: "*" only alone and with Expires: 0. */
		if (req->expires != 0 || req->contacts) {
			sip_core_reply(reg->core, st, 400, "Invalid Contact: * Needs Expires: 0", NULL);
			return;
		}
		unregister_all(reg, a);
		reply_bindings(reg, st, a);
		return;
	}
	if (!req->call_id || check_contacts(reg, st, req, a, contacts, &n))
		return;
	for (size_t i = 0; i < n; i++)
		added |= update_binding(reg, a, req, &contacts[i], now);
	enforce_max(reg, a, ep->max_contacts);
	reply_bindings(reg, st, a);
	if (added)	/* after the 200: the phone knows it is registered */
		sip_mwi_contact_registered(reg->core, ep);
}

void sip_registrar_handle(struct sip_registrar *reg, struct sip_txn *st, struct sip_msg *req)
{
	const struct sip_endpoint_conf *ep;
	char aor[128];

	/* §10.3 step 3: the AOR must be a SIP URI we could be responsible for. */
	if (!req->has_to || (req->to.uri.scheme != SIP_URI_SIP && req->to.uri.scheme != SIP_URI_SIPS) ||
	    !req->to.uri.user || !req->to.uri.user[0]) {
		sip_core_reply(reg->core, st, 400, "Invalid Address-of-Record", NULL);
		return;
	}
	/* A user no endpoint can have (an escaped NUL, RFC 4475 escnull, or
	 * too long) is an unknown AOR: challenged like any other, so it does
	 * not stand out, and refused (403) even when the credentials are good. */
	if (!sip_uri_user(&req->to.uri, aor, sizeof(aor)))
		aor[0] = '\0';
	ep = sip_core_authenticate(reg->core, st, req, aor[0] ? aor : NULL);
	if (!ep)
		return;
	if (strcmp(ep->name, aor)) {
		/* §10.3 step 4: authorized, but not for this AOR. */
		ly_notice("SIP endpoint %s tried to register AOR %s", ep->name, aor);
		sip_core_reply(reg->core, st, 403, NULL, NULL);
		return;
	}
	/* transport=: Lyre reaches the phone only that way, so it registers
	 * only that way too; a TLS phone must not register in clear text,
	 * or its SDES keys go unprotected later (pjsip does not refuse). */
	if (ep->transport && req->src.proto != ep->transport_proto) {
		ly_notice("SIP endpoint %s registered over %s, but its transport is %s: refused", ep->name,
			  sip_proto_name(req->src.proto), sip_proto_name(ep->transport_proto));
		sip_core_reply(reg->core, st, 403, "Wrong Transport", NULL);
		return;
	}
	do_register(reg, st, req, ep);
}

/* ---- queries ---- */

struct aor_list {
	const struct sip_aor_rec **v;
	size_t n;
};

static int cmp_aor(const void *x, const void *y)
{
	const struct sip_aor_rec *a = *(const struct sip_aor_rec *const *)x;
	const struct sip_aor_rec *b = *(const struct sip_aor_rec *const *)y;

	return strcmp(a->name, b->name);
}

void sip_registrar_foreach(struct sip_registrar *reg, const char *aor,
			   void (*fn)(struct sip_binding *b, void *arg), void *arg)
{
	struct aor_list l = { 0 };
	size_t cap = 0;

	for (unsigned h = 0; h < AOR_BUCKETS; h++) {
		for (const struct sip_aor_rec *a = reg->buckets[h]; a; a = a->next) {
			if (!a->bindings || (aor && strcmp(aor, a->name)))
				continue;
			if (l.n == cap) {
				cap = cap ? 2 * cap : 16;
				l.v = ly_realloc(l.v, cap * sizeof(*l.v));
			}
			l.v[l.n++] = a;
		}
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_aor);
	for (size_t i = 0; i < l.n; i++)
		for (struct sip_binding *b = l.v[i]->bindings, *next; b; b = next) {
			next = b->next;
			fn(b, arg);
		}
	free(l.v);
}

unsigned sip_registrar_count(struct sip_registrar *reg, const char *aor)
{
	unsigned n = 0;
	const struct sip_aor_rec *a = aor_find(reg, aor, false);

	for (const struct sip_binding *b = a ? a->bindings : NULL; b; b = b->next)
		n++;
	return n;
}

/* The contact's address over the endpoint's transport; with no usable
 * contact address, the source address the binding came from. */
static void force_transport(const struct sip_uri *u, const struct sip_endpoint_conf *ep, struct sip_msg_src *dst)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char hostport[80];

	dst->proto = ep->transport_proto;
	dst->conn_id = 0;
	if (ep->rewrite_contact || !u->host[0])
		return;
	snprintf(hostport, sizeof(hostport), u->host_ipv6 ? "[%s]:%u" : "%s:%u", u->host,
		 u->port ? u->port : ep->transport_proto == SIP_PROTO_TLS ? 5061 : 5060);
	if (!sip_addr_parse(hostport, 5060, &ss, &len)) {	/* a name keeps the source address */
		dst->addr = ss;
		dst->addr_len = len;
	}
}

void sip_binding_dest(const struct sip_binding *b, const struct sip_endpoint_conf *ep,
		      struct sip_msg_src *dst)
{
	const struct sip_uri *u = &((const struct binding_priv *)b)->puri;
	struct sip_str tp;
	char hostport[80];

	*dst = b->src;
	if (ep && ep->transport) {
		/* transport= decides, not the Contact's transport parameter: the
		 * way the binding came when that is the transport and the source
		 * is where to send, else the contact over the endpoint's transport */
		if (b->src.proto != ep->transport_proto || !(ep->rewrite_contact || ep->force_rport || !u->host[0]))
			force_transport(u, ep, dst);
		return;
	}
	if ((ep && (ep->rewrite_contact || ep->force_rport)) || !u->host[0])
		return;
	/* The contact itself, when it is a numeric address (no DNS yet). */
	snprintf(hostport, sizeof(hostport), u->host_ipv6 ? "[%s]:%u" : "%s:%u", u->host,
		 u->port ? u->port : 5060);
	if (sip_addr_parse(hostport, 5060, &dst->addr, &dst->addr_len)) {
		*dst = b->src;
		return;
	}
	dst->conn_id = 0;
	if (sip_uri_param(u, "transport", &tp))
		dst->proto = sip_proto_parse(tp.s, tp.len);
	else
		dst->proto = SIP_PROTO_UDP;
	if (dst->proto != b->src.proto || dst->proto == SIP_PROTO_OTHER)
		*dst = b->src;	/* the phone reached us another way: use the way it came */
}

/* ---- start and stop ---- */

struct sip_registrar *sip_registrar_new(struct sip_core *core)
{
	struct sip_registrar *reg = ly_calloc(1, sizeof(*reg));

	reg->core = core;
	if (sip_core_db(core))
		reg->writer = sip_db_writer_start(sip_core_db(core));
	return reg;
}

void sip_registrar_free(struct sip_registrar *reg)
{
	if (!reg)
		return;
	sip_registrar_flush(reg);
	sip_db_writer_stop(reg->writer);	/* before the core closes the database */
	for (unsigned h = 0; h < AOR_BUCKETS; h++) {
		while (reg->buckets[h]) {
			struct sip_aor_rec *a = reg->buckets[h];

			reg->buckets[h] = a->next;
			while (a->bindings) {
				struct sip_binding *b = a->bindings;

				a->bindings = b->next;
				binding_free(reg, b);
			}
			free(a);
		}
	}
	free(reg);
}

struct restore_ctx {
	struct sip_registrar *reg;
	time_t now;
	unsigned restored, dropped;
};

static void restore_one(const struct sip_db_contact *c, void *arg)
{
	struct restore_ctx *ctx = arg;
	struct sip_registrar *reg = ctx->reg;
	struct sip_aor_rec *a;
	struct sip_binding *b;

	if (c->expires_at <= ctx->now || !sip_conf_endpoint(sip_core_conf(reg->core), c->aor)) {
		ctx->dropped++;
		return;
	}
	a = aor_find(reg, c->aor, true);
	b = binding_new(reg, a, c->uri);
	if (!b) {
		ctx->dropped++;
		return;
	}
	b->call_id = ly_strdup(c->call_id);
	b->cseq = c->cseq;
	b->user_agent = ly_strdup(c->user_agent);
	b->expires_at = c->expires_at;
	b->src.proto = sip_proto_parse(c->proto, strlen(c->proto));
	if (sip_addr_parse(c->source, 5060, &b->src.addr, &b->src.addr_len))
		b->src.addr_len = 0;
	arm_expiry(reg, b, ctx->now);
	ctx->restored++;
}

int sip_registrar_restore(struct sip_registrar *reg)
{
	struct restore_ctx ctx = { reg, time(NULL), 0, 0 };
	struct sip_db *db = sip_core_db(reg->core);

	if (sip_db_foreach(db, restore_one, &ctx) < 0)
		return EIO;
	if (ctx.dropped)
		sip_db_purge_expired(db, ctx.now);
	ly_verbose(1, "SIP registrar: %u registrations restored, %u expired or obsolete", ctx.restored,
		   ctx.dropped);
	return 0;
}
