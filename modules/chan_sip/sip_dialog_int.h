/*
 * modules/chan_sip/sip_dialog_int.h - the dialog layer's private state,
 * shared by sip_dialog*.c.
 */
#ifndef LYRE_SIP_DIALOG_INT_H
#define LYRE_SIP_DIALOG_INT_H

#include "sip_dialog.h"

/* The UAC's initial INVITE, shared by the dialogs its forks create. */
struct dlg_invite {
	int refs;
	struct sip_msg *req;		/* the INVITE now in flight; NULL once answered */
	struct sip_txn *ct;		/* its client transaction (compared, not used, once answered) */
	bool ct_held;			/* ct is referenced: until the INVITE is answered */
	struct sip_dialog *origin;	/* the dialog sip_dialog_uac_new made (referenced) */
	struct sip_dialog **forks;	/* other dialogs it created (referenced) */
	size_t nforks;
	struct sip_msg_src dst;
	bool provisional;		/* a 1xx arrived: CANCEL may go (§9.1) */
	bool cancelled;			/* CANCEL wanted (sent once provisional) */
	bool cancel_sent;
	char *cancel_reason;		/* Reason header of the CANCEL (RFC 3326), or NULL */
	bool answered;			/* the first 2xx arrived */
	bool done;			/* final response or timeout handled */
	unsigned retries;		/* 422 / resend count */
};

struct sip_dialog {
	int refs;
	struct sip_dialog_table *dt;
	struct sip_dialog *hnext;	/* hash chain */
	bool hashed, in_table;

	enum sip_dialog_state state;
	bool uac;			/* we sent the initial INVITE (we own the Call-ID, §14.1) */
	char *call_id, *local_tag, *remote_tag;
	char *local_uri, *remote_uri;	/* From / To values without tag */
	char *local_contact, *sentby;
	char *remote_target;
	char **routes;			/* route set in request order, name-addr text */
	size_t nroutes;
	uint32_t local_cseq;
	uint32_t remote_cseq;
	bool remote_cseq_set;
	bool fixed_dst;
	struct sip_msg_src dst;

	struct sip_dialog_user user;
	void *arg;
	struct dlg_invite *inv;		/* UAC: while the initial INVITE runs */

	/* INVITE and UPDATE usage */
	struct sip_txn *out_invite;	/* our re-INVITE in progress */
	struct sip_txn *out_update;	/* our UPDATE in progress */
	struct sip_txn *in_invite;	/* an INVITE of the peer not yet answered finally */
	struct sip_txn *in_update;	/* an UPDATE of the peer not yet answered */
	struct sip_msg *ack;		/* the last ACK we sent, for 2xx retransmissions */
	struct sip_msg_src ack_dst;	/* where it went */
	struct sip_txn *acked_st;	/* UAS: the 2xx awaiting its ACK (sip_txn_answer) */
	bool peer_allows_update;

	/* glare (§14.1) */
	uint64_t glare_timer;
	enum sip_method glare_method;
	char *glare_ct;
	char *glare_body;
	size_t glare_len;

	/* session timer (RFC 4028) */
	unsigned se_interval;		/* s, 0: none */
	bool se_we_refresh;
	uint64_t se_timer;
	uint64_t se_start;		/* clock when the interval last started */
	unsigned se_min_seen;		/* largest Min-SE of a 422 on this dialog (§7.4) */
	struct sip_dialog_timers timers;	/* the policy: the table's or the user's */
	char *end_reason;		/* Reason of our BYE/CANCEL (RFC 3326), or NULL */

	/* SDP: the last body we sent with an offer or answer, resent by a
	 * refreshing re-INVITE; our o= line; our last offer */
	char *local_sdp_ct, *local_sdp;
	size_t local_sdp_len;
	struct sdp_owner sdp_owner;
	struct sdp_session *last_offer;

	/* Storage for the strings above that come with the dialog (Call-ID,
	 * tags, URIs, Contact, sent-by, target, kept SDP): one allocation
	 * with the dialog instead of one each; dlg_strdup falls back to the
	 * heap when it is used up, dlg_strfree frees only heap strings. */
	char *str_pos;
	size_t str_left;
	_Alignas(16) char str_store[];
};

struct sip_dialog_table {
	struct sip_txn_table *txns;
	struct ly_sched *sched;
	uint64_t (*now_ms)(void);
	struct sip_txn_transport tp;
	struct sip_dialog_config cfg;
	char *user_agent;
	struct sip_dialog **buckets;
	size_t nbuckets;
	unsigned count;
};

/* sip_dialog.c */
struct sip_dialog *dlg_alloc(struct sip_dialog_table *dt, const struct sip_dialog_user *user, void *arg);
void dlg_hash_insert(struct sip_dialog *d);
void dlg_terminate(struct sip_dialog *d, enum sip_dialog_end why, int status);
/* size bytes of the dialog's storage, or of the heap when it is used
 * up; dlg_strfree frees either. */
char *dlg_mem(struct sip_dialog *d, size_t size);
/* A copy of s (NULL: NULL) in the dialog's storage or on the heap. */
char *dlg_strdup(struct sip_dialog *d, const char *s);
char *dlg_strndup(struct sip_dialog *d, const char *s, size_t len);
/* Frees what dlg_strdup gave (NULL allowed); storage is reclaimed only
 * with the dialog. */
void dlg_strfree(struct sip_dialog *d, char *s);
/* A From/To value without its tag, in the dialog's storage. */
char *dlg_nameaddr_text(struct sip_dialog *d, const struct sip_nameaddr *na);
void dlg_set_routes(struct sip_dialog *d, const struct sip_msg *m, bool reverse);
void dlg_set_target(struct sip_dialog *d, const struct sip_msg *m);
void dlg_note_allow(struct sip_dialog *d, const struct sip_msg *m);
void dlg_keep_body(struct sip_dialog *d, const struct sip_msg *m);
void dlg_attach_txn(struct sip_dialog *d, struct sip_txn *t);
bool dlg_is_target_refresh(enum sip_method m);
void dlg_add_common(struct sip_dialog *d, struct sip_msg *m, bool request);

/* sip_dialog_req.c */
int dlg_send_ack(struct sip_dialog *d, const struct sip_msg *resp);
int dlg_send_bye(struct sip_dialog *d);
int dlg_resolve(const struct sip_uri *u, struct sip_msg_src *dst);
uint32_t dlg_random(uint32_t below);
extern const struct sip_txn_user dlg_client_user;

/* sip_dialog_uac.c */
void dlg_invite_unref(struct dlg_invite *inv);

/* sip_dialog_uas.c */
void dlg_receive(struct sip_dialog *d, struct sip_txn *st, struct sip_msg *req);
extern const struct sip_txn_user dlg_server_user;

/* sip_dialog_timer.c: RFC 4028 */
void dlg_se_add_request(struct sip_dialog *d, struct sip_msg *req, bool refresh);
void dlg_se_from_response(struct sip_dialog *d, const struct sip_msg *resp);
int dlg_se_check_request(const struct sip_dialog_timers *t, const struct sip_msg *req, struct sip_txn *st);
void dlg_table_timers(const struct sip_dialog_table *dt, struct sip_dialog_timers *out);
void dlg_se_add_response(struct sip_dialog *d, struct sip_msg *resp, const struct sip_msg *req);
void dlg_se_start(struct sip_dialog *d, unsigned interval, bool we_refresh);
void dlg_se_stop(struct sip_dialog *d);
void dlg_se_failed(struct sip_dialog *d);
unsigned dlg_min_se_of(const struct sip_msg *m);

#endif
