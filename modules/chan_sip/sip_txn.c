/* modules/chan_sip/sip_txn.c - the transaction table: indexes, timers, sending and life cycle. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <lyre/log.h>
#include <lyre/obj.h>
#include <lyre/utils.h>

#include "sip_txn_int.h"

#define DEFAULT_T1_MS 500
#define DEFAULT_T2_MS 4000
#define DEFAULT_T4_MS 5000
#define DEFAULT_TRYING_MS 200
/* Each REGISTER with digest auth makes two server transactions that linger
 * 64*T1 = 32 s over UDP (Timer J), so 262144 sustains ~4,000 REGISTER/s;
 * a shed one keeps ~1 kB, about 300 MB for a full table.  chan_sip passes
 * sip.conf's max_transactions instead (1M by default). */
#define DEFAULT_MAX_TRANSACTIONS 262144
#define INDEX_START_BUCKETS 256
#define FULL_WARNING_EVERY_MS 10000

/* ---- hash indexes ---- */

uint32_t txn_hash(const struct sip_txn_table *tbl, const char *key)
{
	/* FNV-1a, started from a random seed: keys come from the network. */
	uint32_t h = 2166136261u ^ tbl->seed;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h;
}

static void index_init(struct txn_index *ix)
{
	ix->buckets = ly_calloc(INDEX_START_BUCKETS, sizeof(*ix->buckets));
	ix->mask = INDEX_START_BUCKETS - 1;
	ix->count = 0;
}

static void index_resize(struct txn_index *ix, size_t new_n)
{
	size_t old_n = ix->mask + 1;
	struct txn_link **old = ix->buckets;

	ix->buckets = ly_calloc(new_n, sizeof(*ix->buckets));
	ix->mask = new_n - 1;
	for (size_t i = 0; i < old_n; i++) {
		while (old[i]) {
			struct txn_link *l = old[i];

			old[i] = l->next;
			l->next = ix->buckets[l->hash & ix->mask];
			ix->buckets[l->hash & ix->mask] = l;
		}
	}
	free(old);
}

/* Takes ownership of key. */
void txn_index_add(struct txn_index *ix, struct txn_link *link, struct sip_txn *t, char *key,
		   uint32_t hash)
{
	if (ix->count >= ix->mask + 1)
		index_resize(ix, (ix->mask + 1) * 2);
	link->txn = t;
	link->key = key;
	link->hash = hash;
	link->next = ix->buckets[hash & ix->mask];
	ix->buckets[hash & ix->mask] = link;
	ix->count++;
}

void txn_index_remove(struct txn_index *ix, struct txn_link *link)
{
	struct txn_link **pp;

	if (!link->key)
		return;
	for (pp = &ix->buckets[link->hash & ix->mask]; *pp; pp = &(*pp)->next) {
		if (*pp == link) {
			*pp = link->next;
			ix->count--;
			break;
		}
	}
	free(link->key);
	link->key = NULL;
	link->next = NULL;
	/* After a load the index shrinks again (to a quarter full), so the
	 * memory a peak took goes back; callers never remove while walking
	 * a chain with txn_index_find(..., from). */
	if (ix->mask + 1 > INDEX_START_BUCKETS && ix->count < (ix->mask + 1) / 8)
		index_resize(ix, (ix->mask + 1) / 2);
}

struct txn_link *txn_index_find(const struct txn_index *ix, const char *key, uint32_t hash,
				const struct txn_link *from)
{
	struct txn_link *l = from ? from->next : ix->buckets[hash & ix->mask];

	for (; l; l = l->next)
		if (l->hash == hash && strcmp(l->key, key) == 0)
			return l;
	return NULL;
}

/* ---- the table ---- */

static void config_defaults(struct sip_txn_config *c)
{
	if (!c->t1_ms)
		c->t1_ms = DEFAULT_T1_MS;
	if (!c->t2_ms)
		c->t2_ms = DEFAULT_T2_MS;
	if (c->t2_ms < c->t1_ms)
		c->t2_ms = c->t1_ms;	/* "doubling up to T2" needs T2 >= T1 */
	if (!c->t4_ms)
		c->t4_ms = DEFAULT_T4_MS;
	if (!c->trying_ms)
		c->trying_ms = DEFAULT_TRYING_MS;
	if (!c->max_transactions)
		c->max_transactions = DEFAULT_MAX_TRANSACTIONS;
	if (!c->now_ms)
		c->now_ms = ly_now_ms;
}

static uint32_t random_seed(void)
{
	uint32_t seed = 0;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = (uint32_t)ly_wallclock_us();
	return seed;
}

struct sip_txn_table *sip_txn_table_new(struct ly_sched *sched, const struct sip_txn_config *cfg,
					const struct sip_txn_transport *tp,
					const struct sip_txn_handlers *handlers)
{
	struct sip_txn_table *tbl = ly_calloc(1, sizeof(*tbl));

	tbl->sched = sched;
	if (cfg)
		tbl->cfg = *cfg;
	config_defaults(&tbl->cfg);
	tbl->tp = *tp;
	if (handlers)
		tbl->h = *handlers;
	index_init(&tbl->clients);
	index_init(&tbl->servers);
	index_init(&tbl->merges);
	index_init(&tbl->acks);
	tbl->seed = random_seed();
	return tbl;
}

/* Any transaction still indexed: every live one is in clients or servers. */
static struct sip_txn *any_live(const struct sip_txn_table *tbl)
{
	const struct txn_index *ixs[] = { &tbl->clients, &tbl->servers };

	for (size_t i = 0; i < LY_ARRAY_LEN(ixs); i++)
		for (size_t b = 0; b <= ixs[i]->mask; b++)
			if (ixs[i]->buckets[b])
				return ixs[i]->buckets[b]->txn;
	return NULL;
}

void sip_txn_table_free(struct sip_txn_table *tbl)
{
	struct sip_txn *t;

	if (!tbl)
		return;
	while ((t = any_live(tbl)) != NULL)
		txn_terminate(t);
	free(tbl->clients.buckets);
	free(tbl->servers.buckets);
	free(tbl->merges.buckets);
	free(tbl->acks.buckets);
	free(tbl);
}

unsigned sip_txn_table_count(const struct sip_txn_table *tbl)
{
	return tbl->live;
}

const struct sip_txn_config *sip_txn_table_config(const struct sip_txn_table *tbl)
{
	return &tbl->cfg;
}

bool txn_table_has_room(struct sip_txn_table *tbl)
{
	uint64_t now;

	if (tbl->live < tbl->cfg.max_transactions)
		return true;
	now = tbl->cfg.now_ms();
	if (!tbl->full_warned_ms || now - tbl->full_warned_ms >= FULL_WARNING_EVERY_MS) {
		tbl->full_warned_ms = now;
		ly_warning("SIP transaction table full (%u live transactions, the limit): "
			   "new requests get 503 until some end", tbl->live);
	}
	return false;
}

/* ---- life cycle ---- */

static void drop_messages(struct sip_txn *t)
{
	sip_msg_unref(t->req);
	sip_msg_unref(t->last_resp);
	sip_msg_unref(t->last_prov);
	sip_msg_unref(t->ack);
	t->req = t->last_resp = t->last_prov = t->ack = NULL;
}

static void free_kept(struct txn_shed *k)
{
	free(k->wire);
	free(k->req_wire);
	free(k->to_tag);
	free(k->via_host);
	memset(k, 0, sizeof(*k));
}

static void txn_destroy(void *obj)
{
	struct sip_txn *t = obj;

	drop_messages(t);
	free_kept(&t->kept);
}

struct sip_txn *txn_new(struct sip_txn_table *tbl, enum txn_kind kind, struct sip_msg *req,
			const struct sip_msg_src *dest)
{
	struct sip_txn *t = ly_obj_alloc(sizeof(*t), txn_destroy);

	t->tbl = tbl;
	t->kind = kind;
	/* RFC 2543 matching compares the request's fields (§17.2.3), so
	 * such a transaction keeps its request to the end. */
	t->legacy = kind == TXN_SERVER_INVITE || kind == TXN_SERVER_NONINVITE
			    ? !txn_branch_is_rfc3261(req->via.branch) : false;
	t->req = sip_msg_ref(req);
	t->dest = *dest;
	/* Only UDP loses messages; TCP, TLS, SCTP and WebSockets do not (§17:
	 * "reliable transports"), so they get no retransmissions. */
	t->reliable = dest->proto != SIP_PROTO_UDP;
	switch (kind) {
	case TXN_CLIENT_INVITE:
		t->state = SIP_TXN_CALLING;
		break;
	case TXN_CLIENT_NONINVITE:
	case TXN_SERVER_NONINVITE:
		t->state = SIP_TXN_TRYING;
		break;
	case TXN_SERVER_INVITE:
		t->state = SIP_TXN_PROCEEDING;
		break;
	}
	tbl->live++;
	return t;
}

void txn_terminate(struct sip_txn *t)
{
	struct sip_txn_table *tbl = t->tbl;

	if (!tbl)
		return;
	for (int i = 0; i < TIMER_COUNT; i++)
		txn_timer_stop(t, i);
	txn_index_remove(t->kind == TXN_CLIENT_INVITE || t->kind == TXN_CLIENT_NONINVITE
			 ? &tbl->clients : &tbl->servers, &t->by_key);
	txn_index_remove(&tbl->merges, &t->by_merge);
	txn_index_remove(&tbl->acks, &t->by_ack);
	tbl->live--;
	t->state = SIP_TXN_TERMINATED;
	t->tbl = NULL;
	if (t->user && t->user->terminated)
		t->user->terminated(t, t->user_arg);
	ly_unref(t);	/* the table's reference */
}

/* ---- shedding what a finished transaction no longer needs ---- */

/* States that only wait for Timer D, I, J or K (or H: Completed INVITE
 * servers resend their final from the printed bytes), or for Timer L or
 * M in Accepted (RFC 6026), where the server absorbs INVITEs and passes
 * ACKs up by their keys and To tag, and the client passes up 2xx. */
static bool only_waiting(const struct sip_txn *t)
{
	if (t->kind == TXN_SERVER_INVITE)
		return t->state == SIP_TXN_COMPLETED || t->state == SIP_TXN_CONFIRMED ||
		       t->state == SIP_TXN_ACCEPTED;
	if (t->kind == TXN_CLIENT_INVITE)
		return t->state == SIP_TXN_COMPLETED || t->state == SIP_TXN_ACCEPTED;
	return t->state == SIP_TXN_COMPLETED;
}

/* m printed, in a buffer of its own size (sip_msg_print measures first). */
static char *print_wire(const struct sip_msg *m, size_t *len)
{
	struct ly_buf b;

	ly_buf_init(&b);
	sip_msg_print(m, &b);
	*len = b.len;
	return b.data;
}

void txn_shed(struct sip_txn *t)
{
	struct txn_shed *k = &t->kept;

	if (!t->tbl || t->is_shed || t->tu_refs || t->legacy || !only_waiting(t))
		return;
	if (sip_txn_is_client(t)) {
		k->via_host = ly_strdup(t->req->via.host ? t->req->via.host : "");
		k->via_port = t->req->via.port;
		if (t->ack)
			k->wire = print_wire(t->ack, &k->wire_len);
		if (t->state == SIP_TXN_ACCEPTED)
			k->req_wire = print_wire(t->req, &k->req_wire_len);
	} else {
		const char *tag = txn_server_to_tag(t);

		if (t->kind == TXN_SERVER_INVITE && tag)
			k->to_tag = ly_strdup(tag);
		/* Accepted resends its 2xx only for sip_txn_answer, until the ACK. */
		if (t->last_resp && (t->state != SIP_TXN_ACCEPTED || t->answering))
			k->wire = print_wire(t->last_resp, &k->wire_len);
	}
	drop_messages(t);
	t->is_shed = true;
}

bool txn_unshed(struct sip_txn *t)
{
	struct sip_parse_info info;
	struct sip_msg *req = NULL;

	if (!t->is_shed)
		return true;
	if (!t->kept.req_wire ||
	    sip_msg_parse(t->kept.req_wire, t->kept.req_wire_len, SIP_FRAME_DATAGRAM, &req, &info) != SIP_PARSE_OK) {
		ly_debug(1, "SIP transaction: cannot parse its own printed request again");
		sip_msg_unref(req);
		return false;
	}
	t->req = req;
	free_kept(&t->kept);
	t->is_shed = false;
	return true;
}

/* The kept bytes as a message again: what the transport sends.  Parsing
 * costs a few microseconds, and only retransmissions pay it. */
static struct sip_msg *wire_message(const struct sip_txn *t)
{
	struct sip_parse_info info;
	struct sip_msg *m = NULL;

	if (!t->kept.wire)
		return NULL;
	if (sip_msg_parse(t->kept.wire, t->kept.wire_len, SIP_FRAME_DATAGRAM, &m, &info) != SIP_PARSE_OK) {
		ly_debug(1, "SIP transaction: cannot parse its own printed message again");
		sip_msg_unref(m);
		return NULL;
	}
	return m;
}

int txn_resend_final(struct sip_txn *t)
{
	struct sip_msg *m;
	int rc;

	if (!t->is_shed)
		return t->last_resp ? txn_send_response(t, t->last_resp, true) : 0;
	if ((m = wire_message(t)) == NULL)
		return 0;
	rc = txn_send_response(t, m, true);
	sip_msg_unref(m);
	return rc;
}

int txn_resend_ack(struct sip_txn *t)
{
	struct sip_msg *m = t->is_shed ? wire_message(t) : sip_msg_ref(t->ack);
	int rc;

	if (!m)
		return 0;
	/* "to the same address, port, and transport" (§17.1.1.2): t->dest,
	 * with the connection the INVITE took. */
	rc = t->tbl->tp.send_request(t->tbl->tp.ctx, m, &t->dest);
	if (rc)
		ly_debug(1, "SIP: sending ACK failed: %s", strerror(rc));
	sip_msg_unref(m);
	return rc;
}

const char *txn_client_via(const struct sip_txn *t, unsigned *port)
{
	if (t->is_shed) {
		*port = t->kept.via_port;
		return t->kept.via_host;
	}
	*port = t->req->via.port;
	return t->req->via.host;
}

const char *txn_server_to_tag(const struct sip_txn *t)
{
	if (t->is_shed)
		return t->kept.to_tag;
	if (t->last_resp && t->last_resp->to.tag)
		return t->last_resp->to.tag;
	return t->last_prov ? t->last_prov->to.tag : NULL;
}

void sip_txn_abandon(struct sip_txn *t)
{
	ly_ref(t);
	txn_terminate(t);
	ly_unref(t);
}

/* These count the references of everyone but the table (tu_refs): a
 * finished transaction no TU holds any more can shed. */
struct sip_txn *sip_txn_ref(struct sip_txn *t)
{
	if (t)
		t->tu_refs++;
	return ly_ref(t);
}

void sip_txn_unref(struct sip_txn *t)
{
	if (!t)
		return;
	if (t->tu_refs && --t->tu_refs == 0)
		txn_shed(t);
	ly_unref(t);
}

/* ---- timers ---- */

uint64_t txn_now(const struct sip_txn *t)
{
	return t->tbl->cfg.now_ms();
}

void txn_timer_stop(struct sip_txn *t, enum txn_timer which)
{
	if (t->timer_id[which] && t->tbl)
		ly_sched_del(t->tbl->sched, t->timer_id[which]);
	t->timer_id[which] = 0;
}

void txn_timer_start(struct sip_txn *t, enum txn_timer which, unsigned delay_ms, ly_sched_cb cb)
{
	txn_timer_stop(t, which);
	t->timer_id[which] = ly_sched_add_at(t->tbl->sched, txn_now(t) + delay_ms, cb, t);
}

/* ---- sending and reporting ---- */

static void report_transport_error(struct sip_txn *t, int err, const struct sip_msg *m)
{
	char what[160];

	sip_msg_describe(m, what, sizeof(what));
	ly_debug(1, "SIP transaction: sending %s failed: %s", what, strerror(err));
	ly_ref(t);
	if (t->user && t->user->transport_error)
		t->user->transport_error(t, err, t->user_arg);
	txn_terminate(t);
	ly_unref(t);
}

int txn_send_request(struct sip_txn *t, struct sip_msg *req, bool report)
{
	int rc = t->tbl->tp.send_request(t->tbl->tp.ctx, req, &t->dest);

	if (rc && report)
		report_transport_error(t, rc, req);
	return rc;
}

int txn_send_response(struct sip_txn *t, struct sip_msg *resp, bool report)
{
	int rc = t->tbl->tp.send_response(t->tbl->tp.ctx, resp, &t->dest);

	if (rc && report)
		report_transport_error(t, rc, resp);
	return rc;
}

void txn_report_timeout(struct sip_txn *t)
{
	char what[160];

	if (t->req)
		sip_msg_describe(t->req, what, sizeof(what));
	else
		snprintf(what, sizeof(what), "a finished %s", sip_txn_is_invite(t) ? "INVITE" : "request");
	ly_debug(1, "SIP transaction for %s timed out in state %s", what,
		 sip_txn_state_name(t->state));
	if (t->user && t->user->timeout)
		t->user->timeout(t, t->user_arg);
}

/* ---- accessors ---- */

void sip_txn_set_user(struct sip_txn *t, const struct sip_txn_user *user, void *arg)
{
	t->user = user;
	t->user_arg = arg;
}

bool sip_txn_is_client(const struct sip_txn *t)
{
	return t->kind == TXN_CLIENT_INVITE || t->kind == TXN_CLIENT_NONINVITE;
}

bool sip_txn_is_invite(const struct sip_txn *t)
{
	return t->kind == TXN_CLIENT_INVITE || t->kind == TXN_SERVER_INVITE;
}

enum sip_txn_state sip_txn_state(const struct sip_txn *t)
{
	return t->state;
}

const char *sip_txn_state_name(enum sip_txn_state s)
{
	static const char *const names[] = {
		[SIP_TXN_CALLING] = "Calling",
		[SIP_TXN_TRYING] = "Trying",
		[SIP_TXN_PROCEEDING] = "Proceeding",
		[SIP_TXN_COMPLETED] = "Completed",
		[SIP_TXN_CONFIRMED] = "Confirmed",
		[SIP_TXN_ACCEPTED] = "Accepted",
		[SIP_TXN_TERMINATED] = "Terminated",
	};

	return (unsigned)s < LY_ARRAY_LEN(names) ? names[s] : "?";
}

struct sip_msg *sip_txn_request(const struct sip_txn *t)
{
	return t->req;
}

struct sip_msg *sip_txn_last_response(const struct sip_txn *t)
{
	return t->last_resp;
}

const struct sip_msg_src *sip_txn_dest(const struct sip_txn *t)
{
	return &t->dest;
}
