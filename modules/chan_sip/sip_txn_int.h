/*
 * modules/chan_sip/sip_txn_int.h - what the transaction layer's files share
 * (sip_txn.c: table, indexes, timers, life cycle; sip_txn_key.c: matching
 * keys; sip_txn_recv.c: dispatch of received messages; sip_txn_client.c
 * and sip_txn_server.c: the state machines).
 * Not for other layers: they use sip_txn.h.
 */
#ifndef LYRE_SIP_TXN_INT_H
#define LYRE_SIP_TXN_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "sip_txn.h"

enum txn_kind {
	TXN_CLIENT_INVITE,
	TXN_CLIENT_NONINVITE,
	TXN_SERVER_INVITE,
	TXN_SERVER_NONINVITE,
};

/* A transaction's place in one of the table's hash indexes. */
struct txn_link {
	struct txn_link *next;
	struct sip_txn *txn;
	char *key;		/* NULL while not indexed */
	uint32_t hash;
};

struct txn_index {
	struct txn_link **buckets;
	size_t mask;		/* bucket count - 1, a power of two */
	size_t count;
};

/*
 * Timer slots.  RETX is A, E or G, or the 2xx retransmission of
 * sip_txn_answer (only in Accepted, where G never runs); TIMEOUT is B, F,
 * H, L or M; LINGER is D, I, J or K; TRYING sends the 100.
 */
enum txn_timer {
	TIMER_RETX,
	TIMER_TIMEOUT,
	TIMER_LINGER,
	TIMER_TRYING,
	TIMER_COUNT
};

/*
 * A finished transaction only waits (Timers D, I, J, K: up to 64*T1 =
 * 32 s over UDP), and so does an INVITE one in Accepted (Timers L and M,
 * RFC 6026 §7.1, §8.4), so once nobody but the table holds it, it sheds
 * its parsed messages (each with its own arena, several kB) and keeps
 * what waiting needs: its index keys, the printed bytes of what it may
 * have to send again (server: the final response, the 2xx only while it
 * is retransmitted; client INVITE: the ACK), and the destination.  A
 * client INVITE in Accepted keeps its printed INVITE instead, parsed back
 * only when a retransmitted 2xx goes to the TU (see txn_unshed).
 */
struct txn_shed {
	char *wire;			/* printed final response / ACK; NULL: none */
	size_t wire_len;
	char *req_wire;			/* client INVITE Accepted: the printed INVITE */
	size_t req_wire_len;
	char *to_tag;			/* server INVITE: its responses' To tag (§9.2) */
	char *via_host;			/* client: sent-by of its Via (loop detection) */
	unsigned via_port;
};

struct sip_txn {
	struct sip_txn_table *tbl;	/* NULL once terminated */
	enum txn_kind kind;
	enum sip_txn_state state;
	bool reliable;			/* no retransmissions, zero D/I/J/K */
	bool answering;			/* sip_txn_answer is retransmitting a 2xx */
	bool legacy;			/* RFC 2543 matching: keeps its request */
	unsigned tu_refs;		/* references taken with sip_txn_ref */
	struct sip_msg *req;		/* the request that created it; NULL once shed */
	struct sip_msg *last_resp;	/* server: last sent; client: last passed up */
	struct sip_msg *last_prov;	/* server: last provisional sent */
	struct sip_msg *ack;		/* client INVITE: the ACK of a non-2xx */
	bool is_shed;			/* req, last_resp, last_prov and ack dropped */
	struct txn_shed kept;		/* what a shed transaction keeps instead */
	struct sip_msg_src dest;	/* client: destination; server: request source */
	const struct sip_txn_user *user;
	void *user_arg;
	struct txn_link by_key;		/* branch (or RFC 2543) key: every transaction */
	struct txn_link by_merge;	/* server, request without To tag (§8.2.2.2) */
	struct txn_link by_ack;		/* server INVITE answering: the 2xx's ACK */
	uint64_t timer_id[TIMER_COUNT];
	unsigned retx_ms;		/* interval of the next retransmission */
};

struct sip_txn_table {
	struct ly_sched *sched;
	struct sip_txn_config cfg;
	struct sip_txn_transport tp;
	struct sip_txn_handlers h;
	struct txn_index clients;	/* branch+method (§17.1.3) */
	struct txn_index servers;	/* branch+method+sent-by, or RFC 2543 key (§17.2.3) */
	struct txn_index merges;	/* Call-ID+From tag+CSeq (§8.2.2.2) */
	struct txn_index acks;		/* Call-ID+From tag+CSeq number of answered INVITEs */
	unsigned live;
	uint32_t seed;			/* hash seed, so peers cannot pick colliding keys */
	uint64_t full_warned_ms;	/* last "table full" warning, to keep logs readable */
};

/* ---- sip_txn.c ---- */

struct sip_txn *txn_new(struct sip_txn_table *tbl, enum txn_kind kind, struct sip_msg *req,
			const struct sip_msg_src *dest);
/* Whether another transaction fits; logs (at most every 10 s) when not. */
bool txn_table_has_room(struct sip_txn_table *tbl);
/* Enter state Terminated: out of every index, timers stopped, the user
 * hears `terminated`, the table's reference dropped.  Idempotent. */
void txn_terminate(struct sip_txn *t);

uint32_t txn_hash(const struct sip_txn_table *tbl, const char *key);
void txn_index_add(struct txn_index *ix, struct txn_link *link, struct sip_txn *t, char *key,
		   uint32_t hash);
void txn_index_remove(struct txn_index *ix, struct txn_link *link);
/* First link of `key` after `from` (NULL: from the start of its bucket). */
struct txn_link *txn_index_find(const struct txn_index *ix, const char *key, uint32_t hash,
				const struct txn_link *from);

uint64_t txn_now(const struct sip_txn *t);
/* (Re)start timer slot `which` to fire after delay_ms with cb(t); the
 * scheduler entry does not hold a reference: txn_terminate stops it. */
void txn_timer_start(struct sip_txn *t, enum txn_timer which, unsigned delay_ms, ly_sched_cb cb);
void txn_timer_stop(struct sip_txn *t, enum txn_timer which);

/* Send t's request / a response of t; on failure the transaction is
 * terminated after user.transport_error when `report` is set. */
int txn_send_request(struct sip_txn *t, struct sip_msg *req, bool report);
int txn_send_response(struct sip_txn *t, struct sip_msg *resp, bool report);

/* Callbacks to the user, each guarded against a NULL user or callback. */
void txn_report_timeout(struct sip_txn *t);

/* Drop the parsed messages of a finished transaction nobody but the table
 * holds (struct txn_shed); does nothing otherwise.  Idempotent. */
void txn_shed(struct sip_txn *t);
/* Give a shed client INVITE in Accepted its parsed request back, so the
 * TU can read it while a retransmitted 2xx is passed up; the next
 * sip_txn_unref that leaves no TU reference sheds it again.  false when
 * its printed request does not parse (the 2xx is then dropped). */
bool txn_unshed(struct sip_txn *t);
/* Send again the server's final response / the client INVITE's ACK,
 * shed or not; 0 or the transport's errno (reported as by
 * txn_send_response / ignored for the ACK). */
int txn_resend_final(struct sip_txn *t);
int txn_resend_ack(struct sip_txn *t);
/* The sent-by host and port of a client transaction's Via. */
const char *txn_client_via(const struct sip_txn *t, unsigned *port);
/* The To tag of a server transaction's responses, NULL when none yet. */
const char *txn_server_to_tag(const struct sip_txn *t);

/*
 * Keys: "branch|METHOD|sent-by" for servers, "branch|METHOD" for
 * clients, with ACK and CANCEL lookups naming INVITE (§17.2.3, §9.2).
 * A key is built on the caller's stack (on the heap only when long), so
 * looking a message up allocates nothing: txn_key_release after a
 * lookup, txn_key_take for the string an index keeps.
 */
struct txn_key {
	char *s;		/* small, or the heap when it did not fit */
	size_t len, cap;
	char small[224];
};
void txn_key_release(struct txn_key *k);
char *txn_key_take(struct txn_key *k);
void txn_server_key(struct txn_key *k, const struct sip_msg *req, const char *method);
void txn_client_key(struct txn_key *k, const char *branch, const char *method);
/* The key of a request without an RFC 3261 branch (§17.2.3 fallback);
 * candidates are then compared field by field. */
void txn_legacy_key(struct txn_key *k, const struct sip_msg *req, const char *method);
/* Call-ID, From tag and CSeq number (and method when given). */
void txn_dialog_key(struct txn_key *k, const struct sip_msg *m, const char *method);
bool txn_branch_is_rfc3261(const char *branch);

/* ---- sip_txn_client.c ---- */

void txn_client_response(struct sip_txn *ct, struct sip_msg *resp);

/* ---- sip_txn_server.c ---- */

/* A new server transaction for req, indexed (in the merge index too when
 * merge_index); the table holds its only reference. */
struct sip_txn *txn_server_new(struct sip_txn_table *tbl, struct sip_msg *req, bool merge_index);
/* A retransmission of the request (or an ACK) matched st. */
void txn_server_request(struct sip_txn *st, struct sip_msg *req);
/* Arm the 100 (Trying) of a new INVITE server transaction. */
void txn_server_arm_trying(struct sip_txn *st);
/* The 2xx ACK for st arrived: stop retransmitting the 2xx. */
void txn_server_2xx_acked(struct sip_txn *st);

#endif
